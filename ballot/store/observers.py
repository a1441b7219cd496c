"""Observer kinds per election: who may see which members have voted.

See :mod:`ballot.store.roll_desk_tables` for why.  :func:`sees_names` is the one
question every page and API that shows who voted asks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.store.models import Account
from ballot.store.roll_desk_tables import ElectionObserver

KINDS = ("names", "counts")


@dataclass(frozen=True)
class Grant:
    election_id: str
    account_id: int
    kind: str  # "names" or "counts"


async def sees_names(session: AsyncSession, account: Account | None, election_id: str) -> bool:
    """May this account see, for this election, which members have voted?

    Admins may (they run the vote); an observer only with a "names" grant for this
    election; nobody else (trustees, anonymous readers, counts-only observers).
    """
    if account is None:
        return False
    if account.role == "admin":
        return True
    if account.role != "observer":
        return False
    granted = await session.scalar(
        select(ElectionObserver.sees_names).where(
            ElectionObserver.election_id == election_id,
            ElectionObserver.account_id == account.id,
        )
    )
    return bool(granted)


async def set_grant(
    session: AsyncSession, election_id: str, account_id: int, kind: str, now: datetime
) -> None:
    """Give (or change) an observer's right in one election."""
    row = await session.scalar(
        select(ElectionObserver).where(
            ElectionObserver.election_id == election_id,
            ElectionObserver.account_id == account_id,
        )
    )
    if row is None:
        session.add(
            ElectionObserver(
                election_id=election_id,
                account_id=account_id,
                sees_names=kind == "names",
                created_at=now,
            )
        )
    else:
        row.sees_names = kind == "names"
    await session.flush()


async def remove_grant(session: AsyncSession, election_id: str, account_id: int) -> bool:
    result = await session.execute(
        delete(ElectionObserver).where(
            ElectionObserver.election_id == election_id,
            ElectionObserver.account_id == account_id,
        )
    )
    return bool(getattr(result, "rowcount", 0))


async def grants(session: AsyncSession, account_ids: Sequence[int] | None = None) -> list[Grant]:
    """Every grant (of these accounts), by election."""
    query = select(ElectionObserver).order_by(
        ElectionObserver.election_id, ElectionObserver.account_id
    )
    if account_ids is not None:
        query = query.where(ElectionObserver.account_id.in_(list(account_ids)))
    return [
        Grant(g.election_id, g.account_id, "names" if g.sees_names else "counts")
        for g in await session.scalars(query)
    ]


async def names_election_ids(session: AsyncSession, account: Account) -> set[str] | None:
    """Elections whose voters' names this account may see (None: every election)."""
    if account.role == "admin":
        return None
    if account.role != "observer":
        return set()
    return {
        e
        for e in await session.scalars(
            select(ElectionObserver.election_id).where(
                ElectionObserver.account_id == account.id, ElectionObserver.sees_names.is_(True)
            )
        )
    }
