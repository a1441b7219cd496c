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

from ballot.record.canonical import JSON, CanonicalError, canonical_json
from ballot.record.chain import (
    ChainError,
    check_at,
    entry_hash,
    format_at,
    is_hash,
    next_link,
    verify_links,
)

__all__ = ["AuditEntry", "AuditFormatError", "ChainError", "append_audit", "verify_audit"]

_ACTION = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*")


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
        if not isinstance(self.seq, int) or isinstance(self.seq, bool) or self.seq < 0:
            raise AuditFormatError(f"seq {self.seq!r} is not a non-negative integer")
        where = f"seq {self.seq}"
        if not isinstance(self.actor, str) or not self.actor:
            raise AuditFormatError(f"{where}: actor must be a non-empty string")
        if (
            not isinstance(self.action, str)
            or len(self.action) > 64
            or _ACTION.fullmatch(self.action) is None
        ):
            raise AuditFormatError(f"{where}: action {self.action!r} is not a dotted name")
        try:
            check_at(self.at)
        except ValueError as exc:
            raise AuditFormatError(f"{where}: {exc}") from exc
        if not isinstance(self.details, dict):
            raise AuditFormatError(f"{where}: details must be a JSON object")
        try:
            canonical_json(self.details)
        except CanonicalError as exc:
            raise AuditFormatError(f"{where}: details {exc}") from exc
        if not is_hash(self.prev):
            raise AuditFormatError(f"{where}: prev is not 64 lower-case hex digits")

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
        out = self.body()
        out["hash"] = self.hash
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AuditEntry:
        if not isinstance(data, Mapping):
            raise AuditFormatError("an audit entry must be a JSON object")
        fields = {"seq", "actor", "action", "at", "details", "prev"}
        missing = fields - set(data)
        extra = set(data) - fields - {"hash"}
        label = f"seq {data.get('seq')!r}"
        if missing:
            raise AuditFormatError(f"{label}: missing field(s) {', '.join(sorted(missing))}")
        if extra:
            raise AuditFormatError(f"{label}: unknown field(s) {', '.join(sorted(extra))}")
        entry = cls(
            data["seq"], data["actor"], data["action"], data["at"], data["details"], data["prev"]
        )
        if "hash" in data and data["hash"] != entry.hash:
            raise ChainError(f"seq {entry.seq}: stored hash does not match the entry's content")
        return entry


def append_audit(
    prev: AuditEntry | None,
    actor: str,
    action: str,
    details: Mapping[str, JSON],
    at: str | datetime,
) -> AuditEntry:
    seq, prev_hash = next_link(prev)
    stamp = format_at(at) if isinstance(at, datetime) else at
    return AuditEntry(seq, actor, action, stamp, dict(details), prev_hash)


def verify_audit(entries: Sequence[AuditEntry], head: str | None = None) -> None:
    verify_links(entries, head)
