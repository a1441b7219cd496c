"""Numbers a committee reads before an irreversible step, read from the database now.

A confirmation page says what a step will do in figures ("this e-mails 412 members in
5 languages"); the figures must be the database's at that moment, not a cached page's,
so each is one small query here.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.store.models import BoardEntryRow, ElectionTrustee, Voter


async def roll_by_language(session: AsyncSession, election_id: str) -> dict[str, int]:
    """Members on the roll per language of their ballot and mail."""
    rows = await session.execute(
        select(Voter.language, func.count())
        .where(Voter.election_id == election_id)
        .group_by(Voter.language)
    )
    return {language: int(n) for language, n in rows.all()}


async def voted_count(session: AsyncSession, election_id: str) -> int:
    """Members recorded as having voted (online or on paper)."""
    return int(
        await session.scalar(
            select(func.count()).where(
                Voter.election_id == election_id, Voter.voted_at.is_not(None)
            )
        )
        or 0
    )


async def last_entry_at(session: AsyncSession, election_id: str, kind: str) -> str | None:
    """When the latest board entry of ``kind`` was written (its ``at``), or None."""
    at = await session.scalar(
        select(BoardEntryRow.at)
        .where(BoardEntryRow.election_id == election_id, BoardEntryRow.kind == kind)
        .order_by(BoardEntryRow.seq.desc())
        .limit(1)
    )
    return str(at) if at is not None else None


async def named_trustees(session: AsyncSession, election_id: str) -> int:
    """How many trustee accounts are named for the election's positions."""
    return int(
        await session.scalar(select(func.count()).where(ElectionTrustee.election_id == election_id))
        or 0
    )
