"""The committee's activity log: a hash chain of who did what, across all elections.

Observers read it to see every administrative act (and every automatic one: the
scheduler is an actor too).  Entries are built by :mod:`ballot.record.activity_log`
(the table is still ``audit_log``); appends are serialised with an advisory lock on
PostgreSQL (SQLite allows one writer anyway).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.record.activity_log import ActivityEntry as RecordEntry
from ballot.record.activity_log import append_activity
from ballot.record.canonical import canonical_json
from ballot.store.models import ActivityEntryRow

_ACTIVITY_LOCK = 0x62616C6C  # "ball"


def to_record(row: ActivityEntryRow) -> RecordEntry:
    return RecordEntry(row.seq, row.actor, row.action, row.at, json.loads(row.detail), row.prev)


async def log_activity(
    session: AsyncSession,
    actor: str,
    action: str,
    at: datetime,
    election_id: str | None = None,
    **detail: Any,
) -> ActivityEntryRow:
    """Append one act to the activity log (in the caller's transaction)."""
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ACTIVITY_LOCK})
    last = await session.scalar(
        select(ActivityEntryRow).order_by(ActivityEntryRow.seq.desc()).limit(1)
    )
    details = {"election": election_id, **detail} if election_id else dict(detail)
    entry = append_activity(
        to_record(last) if last is not None else None, actor, action, details, at
    )
    row = ActivityEntryRow(
        seq=entry.seq,
        at=entry.at,
        actor=actor,
        action=action,
        election_id=election_id,
        detail=canonical_json(entry.details).decode("utf-8"),
        prev=entry.prev,
        hash=entry.hash,
    )
    session.add(row)
    await session.flush()
    return row


async def activity_entries(
    session: AsyncSession, election_id: str | None = None
) -> list[ActivityEntryRow]:
    query = select(ActivityEntryRow).order_by(ActivityEntryRow.seq)
    if election_id is not None:
        query = query.where(ActivityEntryRow.election_id == election_id)
    return list(await session.scalars(query))


def activity_json(row: ActivityEntryRow) -> dict[str, Any]:
    return to_record(row).to_json()
