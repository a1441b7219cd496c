"""The witness's state folder: what it verified, and the log of what it cosigned.

Everything is append-only JSON lines, written and synced before the next step acts on
it, so a witness stopped at any moment (Ctrl-C, a reboot) continues where it was:

``witness.json``
    which server, election and witness key the folder belongs to, and how many of the
    log's cosignatures the server has acknowledged (the rest are posted again);
``board.jsonl``
    every board entry verified so far, in board order (RFC 8785, one per line);
``heads.jsonl``
    every server head verified so far, oldest first;
``cosigned.jsonl``
    the witness's log: every cosignature it made, in order.  This is the file an
    observer gives to ``ballot verify --witness``; it is never rewritten.

A line cut short by a crash (no line end) is dropped when the folder is opened again:
it was not yet acted on.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Final

from ballot.record.canonical import canonical_json, strict_loads
from ballot.record.cosign import Cosignature, log_line

STATE_FORMAT: Final = "ballot/witness-state/v1"
SETTINGS: Final = "witness.json"
BOARD: Final = "board.jsonl"
HEADS: Final = "heads.jsonl"
LOG: Final = "cosigned.jsonl"


class StateError(Exception):
    """The state folder cannot be used (another election's, or damaged)."""


def _drop_torn_line(path: Path) -> None:
    """Cut a last line that has no line end (a write interrupted by a crash)."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb+") as f:
        f.seek(-1, os.SEEK_END)
        if f.read(1) == b"\n":
            return
        size = f.seek(0, os.SEEK_END)
        keep = 0
        step = 64 * 1024
        position = size
        while position > 0:
            position = max(0, position - step)
            f.seek(position)
            chunk = f.read(min(step, size - position))
            cut = chunk.rfind(b"\n")
            if cut >= 0:
                keep = position + cut + 1
                break
        f.truncate(keep)


def _append(path: Path, lines: Sequence[bytes]) -> None:
    if not lines:
        return
    with path.open("ab") as f:
        f.write(b"".join(lines))
        f.flush()
        os.fsync(f.fileno())


class WitnessState:
    """One witness's folder for one election on one server."""

    def __init__(self, folder: Path, settings: dict[str, Any]) -> None:
        self.folder = folder
        self.settings = settings
        log = self.log()
        #: How many signed heads are kept (where the next page of heads starts).
        self.head_count = sum(1 for _ in self._lines(HEADS))
        #: The last cosignature made, and those the server has not acknowledged yet.
        self.last_cosigned: Cosignature | None = log[-1] if log else None
        self.cosigned_count = len(log)
        self.pending: list[Cosignature] = log[self.posted :]

    @classmethod
    def open(cls, folder: Path, server: str, election_id: str, witness: str) -> WitnessState:
        """Open (or start) the folder; refuse one kept for another server, election or key."""
        folder = Path(folder)
        wanted = {
            "format": STATE_FORMAT,
            "server": server,
            "election": election_id,
            "witness": witness,
        }
        path = folder / SETTINGS
        if not path.exists():
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            if any(folder.iterdir()):
                raise StateError(f"{folder} is not empty and holds no {SETTINGS}")
            state = cls(folder, {**wanted, "posted": 0})
            state._save()
            return state
        try:
            settings = strict_loads(path.read_bytes())
        except (OSError, ValueError) as exc:
            raise StateError(f"cannot read {path}: {exc}") from exc
        if not isinstance(settings, dict) or type(settings.get("posted")) is not int:
            raise StateError(f"{path} is damaged")
        for name, value in wanted.items():
            if settings.get(name) != value:
                raise StateError(
                    f"{folder} belongs to {name} {settings.get(name)!r}, not {value!r}: "
                    "give each election (and each key) its own state folder"
                )
        for name in (BOARD, HEADS, LOG):
            _drop_torn_line(folder / name)
        return cls(folder, settings)

    def _save(self) -> None:
        path = self.folder / SETTINGS
        tmp = path.with_name(SETTINGS + ".partial")
        with tmp.open("wb") as f:
            f.write(canonical_json(self.settings) + b"\n")
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(path)

    # -- reading what was kept

    def _lines(self, name: str) -> Iterator[bytes]:
        path = self.folder / name
        if not path.exists():
            return
        with path.open("rb") as f:
            for line in f:
                yield line.rstrip(b"\n")

    def board_lines(self) -> Iterator[bytes]:
        """The verified board's lines, in order (streamed: a board may be large)."""
        return self._lines(BOARD)

    def heads(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self._lines(HEADS)]

    def log(self) -> list[Cosignature]:
        return [Cosignature.from_json(json.loads(line)) for line in self._lines(LOG)]

    @property
    def log_path(self) -> Path:
        return self.folder / LOG

    @property
    def posted(self) -> int:
        """How many of the log's cosignatures the server has acknowledged."""
        return int(self.settings["posted"])

    # -- keeping what was verified

    def add_board(self, lines: Sequence[bytes]) -> None:
        _append(self.folder / BOARD, [line + b"\n" for line in lines])

    def add_heads(self, heads: Sequence[dict[str, Any]]) -> None:
        _append(self.folder / HEADS, [canonical_json(h) + b"\n" for h in heads])
        self.head_count += len(heads)

    def add_cosignature(self, cosignature: Cosignature) -> None:
        """Append to the log (synced) before the cosignature is shown to anyone."""
        _append(self.folder / LOG, [log_line(cosignature)])
        self.last_cosigned = cosignature
        self.cosigned_count += 1
        self.pending.append(cosignature)

    def acknowledged(self) -> None:
        """The server took the oldest pending cosignature."""
        self.pending.pop(0)
        self.settings["posted"] = self.posted + 1
        self._save()
