"""The trustee's sealed local ceremony state (receiving secret and dealing seed), written
before the first message leaves the laptop, and how the tool reports progress."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ballot.crypto.keyfile import KeyFileError, WrongPassphraseOrDamaged, open_key
from ballot.record.canonical import canonical_json
from ballot.trustee.client import TrusteeError

STATE_FORMAT = "ballot/trustee-ceremony-state/v1"

#: report(kind, message): kind is "step" (something done), "wait" or "info".
Report = Callable[[str, str], None]


def quiet(kind: str, message: str) -> None:
    return None


@dataclass(frozen=True)
class CeremonyState:
    """What the trustee must not lose during the ceremony (sealed on disk)."""

    election_id: str
    epoch: int
    manifest_hash: str
    position: int
    receiving_secret: bytes
    dealing_seed: bytes

    def to_bytes(self) -> bytes:
        return canonical_json(
            {
                "format": STATE_FORMAT,
                "election_id": self.election_id,
                "epoch": self.epoch,
                "manifest_hash": self.manifest_hash,
                "position": self.position,
                "receiving_secret": self.receiving_secret.hex(),
                "dealing_seed": self.dealing_seed.hex(),
            }
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> CeremonyState:
        try:
            d = json.loads(data)
            if d.pop("format") != STATE_FORMAT:
                raise ValueError("unknown format")
            return cls(
                election_id=str(d["election_id"]),
                epoch=int(d["epoch"]),
                manifest_hash=str(d["manifest_hash"]),
                position=int(d["position"]),
                receiving_secret=bytes.fromhex(d["receiving_secret"]),
                dealing_seed=bytes.fromhex(d["dealing_seed"]),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise TrusteeError("the saved ceremony state is not readable") from exc


def state_path(state_dir: Path, election_id: str) -> Path:
    return state_dir / f"ceremony-{election_id}.state"


def _write_private(path: Path, data: bytes) -> None:
    """Write atomically (temp file + rename), readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def load_state(path: Path, passphrase: str) -> CeremonyState | None:
    if not path.exists():
        return None
    try:
        return CeremonyState.from_bytes(open_key(path.read_bytes(), passphrase))
    except WrongPassphraseOrDamaged as exc:
        raise TrusteeError(
            f"the passphrase does not open the saved ceremony state {path} "
            "(use the passphrase you gave when this ceremony started)"
        ) from exc
    except KeyFileError as exc:
        raise TrusteeError(f"the saved ceremony state {path} is damaged: {exc}") from exc
