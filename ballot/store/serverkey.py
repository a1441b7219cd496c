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

from ballot.record.signing import ServerKey


@dataclass(frozen=True)
class ServerSecrets:
    session_key: bytes
    board_key: ServerKey


def load_or_create(path: Path) -> ServerSecrets:
    path = Path(path)
    if not path.exists():
        body = json.dumps(
            {
                "session_key": secrets.token_hex(32),
                "board_key": ServerKey.generate().to_private_bytes().hex(),
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
        board_key=ServerKey.from_private_bytes(bytes.fromhex(data["board_key"])),
    )
