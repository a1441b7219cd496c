"""The public bulletin board of one election: an append-only, hash-chained list of entries.

Everything an observer needs to check the election goes on the board (the definition,
each lifecycle step, every cast ballot, the tally), and each entry commits to all before
it.  This module is pure: it builds and checks entries; storing them is the store's job.

Entry hash = SHA-256 of the RFC 8785 bytes of
``{"seq", "kind", "at", "payload", "prev"}`` (hex), exactly as in docs/PROTOCOL.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ballot.record.canonical import JSON, CanonicalError, canonical_json
from ballot.record.chain import (
    GENESIS,
    ChainError,
    check_at,
    entry_hash,
    format_at,
    is_hash,
    next_link,
    verify_links,
)

__all__ = [
    "GENESIS",
    "BoardEntry",
    "BoardFormatError",
    "ChainError",
    "append",
    "verify_chain",
]

#: Dotted lower-case names such as "ballot.cast"; 64 characters fit the store's column.
_KIND = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*")
MAX_KIND = 64


class BoardFormatError(ValueError):
    """An entry is malformed (wrong type, bad time, bad hash spelling), before any chaining."""


@dataclass(frozen=True)
class BoardEntry:
    seq: int
    kind: str
    at: str
    payload: dict[str, JSON]
    prev: str

    def __post_init__(self) -> None:
        if not isinstance(self.seq, int) or isinstance(self.seq, bool) or self.seq < 0:
            raise BoardFormatError(f"seq {self.seq!r} is not a non-negative integer")
        where = f"seq {self.seq}"
        if (
            not isinstance(self.kind, str)
            or len(self.kind) > MAX_KIND
            or _KIND.fullmatch(self.kind) is None
        ):
            raise BoardFormatError(f"{where}: kind {self.kind!r} is not a dotted lower-case name")
        try:
            check_at(self.at)
        except ValueError as exc:
            raise BoardFormatError(f"{where}: {exc}") from exc
        if not isinstance(self.payload, dict):
            raise BoardFormatError(f"{where}: payload must be a JSON object")
        try:
            canonical_json(self.payload)
        except CanonicalError as exc:
            raise BoardFormatError(f"{where}: payload {exc}") from exc
        if not is_hash(self.prev):
            raise BoardFormatError(f"{where}: prev is not 64 lower-case hex digits")

    def body(self) -> dict[str, JSON]:
        return {
            "seq": self.seq,
            "kind": self.kind,
            "at": self.at,
            "payload": self.payload,
            "prev": self.prev,
        }

    @property
    def hash(self) -> str:
        """Recomputed on every read, so a payload changed in place cannot keep an old hash."""
        return entry_hash(self)

    def to_json(self) -> dict[str, JSON]:
        """The published form: the body plus its hash (a convenience for readers)."""
        out = self.body()
        out["hash"] = self.hash
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BoardEntry:
        """Parse a published entry; a ``hash`` field, if present, must match the content."""
        if not isinstance(data, Mapping):
            raise BoardFormatError("an entry must be a JSON object")
        allowed = {"seq", "kind", "at", "payload", "prev", "hash"}
        extra = set(data) - allowed
        missing = {"seq", "kind", "at", "payload", "prev"} - set(data)
        label = f"seq {data.get('seq')!r}"
        if missing:
            raise BoardFormatError(f"{label}: missing field(s) {', '.join(sorted(missing))}")
        if extra:
            raise BoardFormatError(f"{label}: unknown field(s) {', '.join(sorted(extra))}")
        entry = cls(data["seq"], data["kind"], data["at"], data["payload"], data["prev"])
        if "hash" in data and data["hash"] != entry.hash:
            raise ChainError(f"seq {entry.seq}: stored hash does not match the entry's content")
        return entry


def append(
    prev: BoardEntry | None,
    kind: str,
    payload: Mapping[str, JSON],
    at: str | datetime,
) -> BoardEntry:
    """The entry that follows ``prev`` (``None`` starts a new board).

    ``at`` may be a record time string or an aware datetime (cut to whole seconds).
    """
    seq, prev_hash = next_link(prev)
    stamp = format_at(at) if isinstance(at, datetime) else at
    return BoardEntry(seq, kind, stamp, dict(payload), prev_hash)


def verify_chain(entries: Sequence[BoardEntry], head: str | None = None) -> None:
    """Raise :class:`ChainError` naming the first bad seq (gap, reorder, wrong prev, alteration).

    Pass ``head`` (the hash from a signed head for the last entry) to also catch a changed
    or removed final entry.
    """
    verify_links(entries, head)
