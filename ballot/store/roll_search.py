"""The roll as the committee browses it: search, filters and pages, never the whole table.

A ratification can have 260,000 members; the roll page asks for one page of at most
:data:`MAX_PER_PAGE` rows, sorted by name (the ``ix_voters_election_name`` index), plus
the number of rows that match.  The state of a member's voting link is read from the
``voter_tokens`` rows with ``EXISTS`` probes on ``ix_voter_tokens_voter_status``.

Link states, as the page names them:

* ``none``    — no link yet (before opening);
* ``active``  — a link that works now;
* ``used``    — the member voted with a link;
* ``revoked`` — the committee withdrew the link (for example: voted on paper);
* ``expired`` — the vote closed before the link was used.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, false, func, not_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.store.models import Voter, VoterToken

LINK_STATES = ("none", "active", "used", "revoked", "expired")
VOTED_FILTERS = ("yes", "no")
PER_PAGE = 50
MAX_PER_PAGE = 500
#: Longest search text (longer is refused by the caller as bad input).
MAX_SEARCH = 200


@dataclass(frozen=True)
class RollQuery:
    """What the committee asked for; empty strings mean "any"."""

    text: str = ""
    unit: str = ""
    language: str = ""
    voted: str = ""  # "", "yes", "no"
    link: str = ""  # "" or one of LINK_STATES
    page: int = 1
    per_page: int = PER_PAGE


@dataclass(frozen=True)
class MemberRow:
    member_id: str
    name: str
    email: str
    language: str
    unit: str
    challenged: bool
    voted: bool
    channel: str
    link: str
    phone: str = ""  # E.164, "" when none
    send_by: str = "email"  # how invitations go: "email" or "sms"
    voter_id: int = 0


@dataclass(frozen=True)
class RollPage:
    rows: list[MemberRow]
    total: int
    page: int
    pages: int
    per_page: int


def _has_token(status: str) -> Any:
    return Voter.id.in_(select(VoterToken.voter_id).where(VoterToken.status == status))


def _link_filter(state: str) -> Any:
    if state == "none":
        return Voter.id.not_in(select(VoterToken.voter_id))
    if state == "active":
        return _has_token("active")
    if state == "used":
        return _has_token("used")
    if state == "revoked":
        return and_(_has_token("revoked"), not_(_has_token("active")), not_(_has_token("used")))
    return and_(_has_token("expired"), not_(_has_token("used")))


def _conditions(election_id: str, query: RollQuery) -> list[Any]:
    where: list[Any] = [Voter.election_id == election_id]
    text = query.text.strip()
    # A phone number as typed ("(415) 555-2671"): its digits, found inside the E.164 form.
    digits = "".join(c for c in text if c.isdigit()) if len(text) >= 4 else ""
    if digits and any(c.isalpha() or c == "@" for c in text):
        digits = ""
    if text:
        lowered = text.lower()
        where.append(
            func.lower(Voter.name).contains(lowered, autoescape=True)
            | Voter.email.contains(lowered, autoescape=True)
            | (func.lower(Voter.member_id) == lowered)
            | (Voter.phone.contains(digits, autoescape=True) if digits else false())
        )
    if query.unit:
        where.append(Voter.unit == query.unit)
    if query.language:
        where.append(Voter.language == query.language)
    if query.voted == "yes":
        where.append(Voter.voted_at.is_not(None))
    elif query.voted == "no":
        where.append(Voter.voted_at.is_(None))
    if query.link:
        where.append(_link_filter(query.link))
    return where


def link_state(statuses: set[str]) -> str:
    """A member's link state from the statuses of all their tokens."""
    for state in ("active", "used", "revoked", "expired"):
        if state in statuses:
            return state
    return "none"


async def link_states(session: AsyncSession, voter_ids: Sequence[int]) -> dict[int, str]:
    """Link state of each of a page's members (one query for the page)."""
    found: dict[int, set[str]] = {v: set() for v in voter_ids}
    if voter_ids:
        rows = await session.execute(
            select(VoterToken.voter_id, VoterToken.status)
            .where(VoterToken.voter_id.in_(list(voter_ids)))
            .distinct()
        )
        for voter_id, status in rows:
            found[voter_id].add(status)
    return {v: link_state(s) for v, s in found.items()}


async def search_roll(session: AsyncSession, election_id: str, query: RollQuery) -> RollPage:
    """One page of the members matching ``query``, sorted by name, and how many match."""
    where = _conditions(election_id, query)
    total = int(await session.scalar(select(func.count()).select_from(Voter).where(*where)) or 0)
    per_page = max(1, min(query.per_page, MAX_PER_PAGE))
    pages = max(1, -(-total // per_page))
    page = max(1, min(query.page, pages))
    voters = list(
        await session.scalars(
            select(Voter)
            .where(*where)
            .order_by(Voter.name, Voter.member_id)
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
    )
    states = await link_states(session, [v.id for v in voters])
    rows = [
        MemberRow(
            v.member_id,
            v.name,
            v.email or "",
            v.language,
            v.unit,
            v.challenged,
            v.voted_at is not None,
            v.voted_channel or "",
            states[v.id],
            v.phone or "",
            v.channel,
            v.id,
        )
        for v in voters
    ]
    return RollPage(rows, total, page, pages, per_page)


async def roll_units(session: AsyncSession, election_id: str) -> list[str]:
    """The units on the roll, for the filter (``ix_voters_election_unit``)."""
    return [
        u
        for u in await session.scalars(
            select(Voter.unit)
            .where(Voter.election_id == election_id)
            .distinct()
            .order_by(Voter.unit)
        )
        if u
    ]


@dataclass(frozen=True)
class Pending:
    """A member who has not voted, as the get-out-the-vote list needs them."""

    id: int
    member_id: str
    name: str
    email: str | None
    language: str
    unit: str
    phone: str | None = None


async def not_voted(
    session: AsyncSession, election_id: str, batch: int = 10_000
) -> AsyncIterator[list[Pending]]:
    """Every member who has not voted, in batches by row id (never the whole table at
    once; plain columns, not ORM objects: 260,000 of those cost seconds)."""
    after = 0
    while True:
        rows = [
            Pending(*row)
            for row in await session.execute(
                select(
                    Voter.id,
                    Voter.member_id,
                    Voter.name,
                    Voter.email,
                    Voter.language,
                    Voter.unit,
                    Voter.phone,
                )
                .where(Voter.election_id == election_id, Voter.voted_at.is_(None), Voter.id > after)
                .order_by(Voter.id)
                .limit(batch)
            )
        ]
        if not rows:
            return
        yield rows
        after = rows[-1].id
