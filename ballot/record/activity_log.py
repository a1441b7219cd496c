"""Entries of the committee's activity log: who did what, when, chained like the board.

The activity log is global (all elections, all accounts, the scheduler) and observers read
it to see every administrative act.  (It was called the audit log; "audit" now means only
the Benaloh ballot audit.  Its wire format is unchanged.)  It reuses
:mod:`ballot.record.chain`, so the same verifier covers it; only the fields differ from a
board entry.

Entry hash = SHA-256 of the RFC 8785 bytes of
``{"seq", "actor", "action", "at", "details", "prev"}`` (hex).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ballot.record.canonical import JSON
from ballot.record.chain import (
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
    "ActivityEntry",
    "ActivityLogFormatError",
    "ChainError",
    "append_activity",
    "verify_activity_log",
]

_ACTION = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*")
_FIELDS = ("seq", "actor", "action", "at", "details", "prev")


class ActivityLogFormatError(ValueError):
    """A malformed activity log entry."""


@dataclass(frozen=True)
class ActivityEntry:
    seq: int
    actor: str
    action: str
    at: str
    details: dict[str, JSON]
    prev: str

    def __post_init__(self) -> None:
        where = check_seq(self.seq, ActivityLogFormatError)
        if not isinstance(self.actor, str) or not self.actor:
            raise ActivityLogFormatError(f"{where}: actor must be a non-empty string")
        if (
            not isinstance(self.action, str)
            or len(self.action) > 64
            or _ACTION.fullmatch(self.action) is None
        ):
            raise ActivityLogFormatError(f"{where}: action {self.action!r} is not a dotted name")
        check_envelope(where, self.at, "details", self.details, self.prev, ActivityLogFormatError)

    def body(self) -> dict[str, JSON]:
        return {
            "seq": self.seq,
            "actor": self.actor,
            "action": self.action,
            "at": self.at,
            "details": self.details,
            "prev": self.prev,
        }

    @property
    def hash(self) -> str:
        return entry_hash(self)

    def to_json(self) -> dict[str, JSON]:
        return with_hash(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ActivityEntry:
        entry = cls(*read_fields(data, _FIELDS, ActivityLogFormatError, "an activity log entry"))
        check_stated_hash(data, entry)
        return entry


def append_activity(
    prev: ActivityEntry | None,
    actor: str,
    action: str,
    details: Mapping[str, JSON],
    at: str | datetime,
) -> ActivityEntry:
    seq, prev_hash = next_link(prev)
    return ActivityEntry(seq, actor, action, record_at(at), dict(details), prev_hash)


def verify_activity_log(entries: Sequence[ActivityEntry], head: str | None = None) -> None:
    verify_links(entries, head)
