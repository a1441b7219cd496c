"""Turnout for the committee and observers: who has voted, never how.

Only ``voters.voted_at`` is read; the casting code keeps no link from a voter to a
ballot, so nothing here could reveal a choice even by mistake.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.store.models import Voter


@dataclass(frozen=True)
class UnitTurnout:
    unit: str
    eligible: int
    voted: int


@dataclass(frozen=True)
class VotedMember:
    member_id: str
    name: str
    unit: str
    channel: str


@dataclass(frozen=True)
class Turnout:
    eligible: int
    voted: int
    units: list[UnitTurnout]
    members: list[VotedMember]

    @property
    def not_voted(self) -> int:
        return self.eligible - self.voted


async def turnout(session: AsyncSession, election_id: str, *, names: bool = True) -> Turnout:
    """Counts per unit, and (with ``names``) every member who has voted; pages that show
    counts only ask without names, so a 260,000-member vote is not read row by row."""
    voted_expr = func.sum(case((Voter.voted_at.is_not(None), 1), else_=0))
    rows = (
        await session.execute(
            select(Voter.unit, func.count(), voted_expr)
            .where(Voter.election_id == election_id)
            .group_by(Voter.unit)
            .order_by(Voter.unit)
        )
    ).all()
    units = [UnitTurnout(unit or "", int(n), int(v or 0)) for unit, n, v in rows]
    members = (
        [
            VotedMember(m.member_id, m.name, m.unit, m.voted_channel or "")
            for m in await session.scalars(
                select(Voter)
                .where(Voter.election_id == election_id, Voter.voted_at.is_not(None))
                .order_by(Voter.unit, Voter.name)
            )
        ]
        if names
        else []
    )
    return Turnout(
        eligible=sum(u.eligible for u in units),
        voted=sum(u.voted for u in units),
        units=units,
        members=members,
    )
