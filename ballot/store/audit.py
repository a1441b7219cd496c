"""The global audit log: a hash chain of who did what, across all elections.

Observers read it to see every administrative action (and every automatic one: the
scheduler is an actor too).  Appends are serialised with an advisory lock on
PostgreSQL; SQLite allows one writer at a time anyway.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.store import chain
from ballot.store.models import AuditEntry

_AUDIT_LOCK = 0x62616C6C  # "ball"


async def audit(
    session: AsyncSession,
    actor: str,
    action: str,
    at: datetime,
    election_id: str | None = None,
    **detail: Any,
) -> AuditEntry:
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _AUDIT_LOCK})
    last = await session.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
    body = {"actor": actor, "election": election_id, **detail}
    linked = chain.audit_append(last, action, body, at)
    row = AuditEntry(
        seq=linked.seq,
        at=linked.at,
        actor=actor,
        action=action,
        election_id=election_id,
        detail=linked.payload_json,
        prev=linked.prev,
        hash=linked.hash,
    )
    session.add(row)
    await session.flush()
    return row


async def audit_entries(session: AsyncSession, election_id: str | None = None) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.seq)
    if election_id is not None:
        query = query.where(AuditEntry.election_id == election_id)
    return list(await session.scalars(query))
