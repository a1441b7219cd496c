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

from ballot.record.canonical import JSON
from ballot.record.chain import (
    GENESIS,
    ChainError,
    check_envelope,
    check_seq,
    check_stated_hash,
    entry_hash,
    next_link,
    read_fields,
    record_at,
    verify_links,
    with_hash,
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
_FIELDS = ("seq", "kind", "at", "payload", "prev")


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
        where = check_seq(self.seq, BoardFormatError)
        if (
            not isinstance(self.kind, str)
            or len(self.kind) > MAX_KIND
            or _KIND.fullmatch(self.kind) is None
        ):
            raise BoardFormatError(f"{where}: kind {self.kind!r} is not a dotted lower-case name")
        check_envelope(where, self.at, "payload", self.payload, self.prev, BoardFormatError)

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
        return with_hash(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BoardEntry:
        """Parse a published entry; a ``hash`` field, if present, must match the content."""
        entry = cls(*read_fields(data, _FIELDS, BoardFormatError, "an entry"))
        check_stated_hash(data, entry)
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
    return BoardEntry(seq, kind, record_at(at), dict(payload), prev_hash)


def verify_chain(entries: Sequence[BoardEntry], head: str | None = None) -> None:
    """Raise :class:`ChainError` naming the first bad seq (gap, reorder, wrong prev, alteration).

    Pass ``head`` (the hash from a signed head for the last entry) to also catch a changed
    or removed final entry.
    """
    verify_links(entries, head)
