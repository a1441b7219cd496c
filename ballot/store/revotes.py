"""Revoting on the stored board: which ``ballot.cast`` entries a later one replaced.

With revoting on (PROTOCOL 11.10) the last ``ballot.cast`` of an alias counts; an earlier
one is *replaced*.  Everything here reads the board's own entries (their ``alias``
column, indexed with the election), the public facts the verifier reads too, so the
count, the closing entry and the public pages agree with it by construction.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import and_, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ballot.record.kinds import Kind
from ballot.store.models import BoardEntryRow

_Later = aliased(BoardEntryRow)


def is_replaced() -> Any:
    """SQL: this ``board_entries`` row is a ``ballot.cast`` with a later ``ballot.cast`` of
    the same alias on the same board."""
    return and_(
        BoardEntryRow.kind == Kind.CAST,
        exists().where(
            _Later.election_id == BoardEntryRow.election_id,
            _Later.alias == BoardEntryRow.alias,
            _Later.kind == Kind.CAST,
            _Later.seq > BoardEntryRow.seq,
        ),
    )


async def count_replaced(session: AsyncSession, election_id: str) -> int:
    """How many cast ballots of the election a later ballot of the same member replaced."""
    found = await session.scalar(
        select(func.count())
        .select_from(BoardEntryRow)
        .where(BoardEntryRow.election_id == election_id, is_replaced())
    )
    return int(found or 0)


async def replaced_among(session: AsyncSession, election_id: str, seqs: list[int]) -> set[int]:
    """Which of these board positions hold a replaced ballot (for a page of trackers)."""
    if not seqs:
        return set()
    rows = await session.scalars(
        select(BoardEntryRow.seq).where(
            BoardEntryRow.election_id == election_id, BoardEntryRow.seq.in_(seqs), is_replaced()
        )
    )
    return set(rows)


async def last_ballot(session: AsyncSession, election_id: str, alias: str) -> dict[str, Any] | None:
    """The member's last cast ballot on the board: its seq, tracker and time (None: none)."""
    row = (
        await session.execute(
            select(BoardEntryRow.seq, BoardEntryRow.at, BoardEntryRow.payload)
            .where(
                BoardEntryRow.election_id == election_id,
                BoardEntryRow.alias == alias,
                BoardEntryRow.kind == Kind.CAST,
            )
            .order_by(BoardEntryRow.seq.desc())
            .limit(1)
        )
    ).first()
    if row is None:
        return None
    return {"seq": row.seq, "at": row.at, "tracker": json.loads(row.payload)["tracker"]}
