"""The server's secret-key file: session/CSRF signing key and the Ed25519 board key.

Created on first use with mode 0600 (the file is opened with O_EXCL and that mode, so
it is never readable by others even for an instant).  Losing it signs everyone out and
changes the board key; keep it with the database backups.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)


class _Ed25519Signer:
    """Stand-in with the same surface as ballot.record.signing.ServerKey."""

    def __init__(self, private: bytes) -> None:
        self._key = Ed25519PrivateKey.from_private_bytes(private)

    @classmethod
    def from_private_bytes(cls, data: bytes) -> _Ed25519Signer:
        return cls(data)

    def public_hex(self) -> str:
        return self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)

    def to_private_bytes(self) -> bytes:
        return self._key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def _signer(private: bytes) -> Any:
    try:
        from ballot.record.signing import ServerKey
    except ImportError:  # pragma: no cover - until the record layer lands
        return _Ed25519Signer(private)
    return ServerKey.from_private_bytes(private)


@dataclass(frozen=True)
class ServerSecrets:
    session_key: bytes
    board_key: Any  # ServerKey: .sign(bytes) -> bytes, .public_hex()


def load_or_create(path: Path) -> ServerSecrets:
    path = Path(path)
    if not path.exists():
        body = json.dumps(
            {
                "session_key": secrets.token_hex(32),
                "board_key": secrets.token_bytes(32).hex(),
            }
        ).encode()
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first; read theirs
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(body)
    data = json.loads(path.read_text())
    return ServerSecrets(
        session_key=bytes.fromhex(data["session_key"]),
        board_key=_signer(bytes.fromhex(data["board_key"])),
    )
