"""Entries of the administrative audit log: who did what, when, chained like the board.

The audit log is global (all elections, all accounts, the scheduler) and observers read it
to see every administrative act.  It reuses :mod:`ballot.record.chain`, so the same
verifier covers it; only the fields differ from a board entry.

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

__all__ = ["AuditEntry", "AuditFormatError", "ChainError", "append_audit", "verify_audit"]

_ACTION = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*")
_FIELDS = ("seq", "actor", "action", "at", "details", "prev")


class AuditFormatError(ValueError):
    """A malformed audit entry."""


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    actor: str
    action: str
    at: str
    details: dict[str, JSON]
    prev: str

    def __post_init__(self) -> None:
        where = check_seq(self.seq, AuditFormatError)
        if not isinstance(self.actor, str) or not self.actor:
            raise AuditFormatError(f"{where}: actor must be a non-empty string")
        if (
            not isinstance(self.action, str)
            or len(self.action) > 64
            or _ACTION.fullmatch(self.action) is None
        ):
            raise AuditFormatError(f"{where}: action {self.action!r} is not a dotted name")
        check_envelope(where, self.at, "details", self.details, self.prev, AuditFormatError)

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
    def from_json(cls, data: Mapping[str, Any]) -> AuditEntry:
        entry = cls(*read_fields(data, _FIELDS, AuditFormatError, "an audit entry"))
        check_stated_hash(data, entry)
        return entry


def append_audit(
    prev: AuditEntry | None,
    actor: str,
    action: str,
    details: Mapping[str, JSON],
    at: str | datetime,
) -> AuditEntry:
    seq, prev_hash = next_link(prev)
    return AuditEntry(seq, actor, action, record_at(at), dict(details), prev_hash)


def verify_audit(entries: Sequence[AuditEntry], head: str | None = None) -> None:
    verify_links(entries, head)
