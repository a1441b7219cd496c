"""The witness's signing key: an Ed25519 key sealed in a key file like a trustee's share.

The key is what makes a cosignature evidence: whoever holds it can cosign in the
witness's name, so it is kept exactly as a trustee keeps a share (PROTOCOL 7: Argon2id
and AES-256-GCM under a passphrase), with its own format tag so that one kind of file
never opens as the other.  The file is created only if it does not exist yet, readable
by its owner alone.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

from ballot.crypto.keyfile import KeyFileError, open_key, read_label, seal_key
from ballot.record.cosign import WitnessKey

KEY_FORMAT: Final = "ballot/witness-key/v1"


def new_key_file(path: Path, passphrase: str, label: str = "") -> WitnessKey:
    """Make a new signing key and seal it into ``path``, which must not exist yet."""
    key = WitnessKey.generate()
    data = seal_key(
        key.to_private_bytes(),
        passphrase,
        label=label or "ballot witness key",
        file_format=KEY_FORMAT,
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    return key


def key_label(path: Path) -> str:
    """The clear label of a witness key file (raises KeyFileError, OSError)."""
    return read_label(Path(path).read_bytes(), KEY_FORMAT)


def open_key_file(path: Path, passphrase: str) -> WitnessKey:
    """Open a witness key file (raises KeyFileError with a clear message, or OSError)."""
    secret = open_key(Path(path).read_bytes(), passphrase, KEY_FORMAT)
    try:
        return WitnessKey.from_private_bytes(secret)
    except ValueError as exc:
        raise KeyFileError(f"the file opens but holds no witness key: {exc}") from exc
