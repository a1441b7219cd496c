"""What the notice of election states beyond the definition: who may vote, and how.

Union rules and labour boards expect a notice posted where members work, in each of the
unit's languages, days before voting: the unit, the dates, who is eligible, a sample
ballot and how to vote.  The questions, the window, the committee and the fingerprint
come from the frozen definition (the manifest); the roll gives who may vote; the ways to
vote are those this election actually offers, so the notice never promises a channel
that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.election.refusal import Grounds, Refused
from ballot.service.acting import Acting, require_state
from ballot.store.activity import log_activity
from ballot.store.models import Election, Voter
from ballot.store.roll import roll_size
from ballot.store.roll_search import roll_units

#: States with a frozen definition whose voting has not ended: the notice announces it.
NOTICE_STATES: Final = ("key_ceremony", "ready", "open")
#: Units listed by name on the poster; a larger roll is described by its count alone.
MAX_UNITS_NAMED: Final = 30


@dataclass(frozen=True)
class Channels:
    """The ways this election reaches its members (each one is described on the notice)."""

    email: bool = True
    text_message: bool = False
    letter: bool = True
    in_person: bool = False
    paper: bool = False
    #: Where and when the polling place is, as the committee wrote it ("" when none).
    polling_place: str = ""


@dataclass(frozen=True)
class NoticeFacts:
    eligible: int
    units: list[str]
    channels: Channels


async def _members_with(session: AsyncSession, election_id: str, column: Any) -> int:
    """How many members have a value in ``column`` (none when the roll has no such column)."""
    if column is None:
        return 0
    query = select(func.count()).where(
        Voter.election_id == election_id, column.is_not(None), column != ""
    )
    return int(await session.scalar(query) or 0)


async def offered_channels(session: AsyncSession, election: Election) -> Channels:
    """The ways to vote this election offers.

    E-mail when any member has an address; text messages when the roll keeps phone
    numbers and any member has one; printed letters always (the committee prints them on
    request, :mod:`ballot.service.letters`).  Voting in person and on paper are offered
    when the committee says so (:func:`set_ways_to_vote`); until then they are not
    described.
    """
    emails = await _members_with(session, election.id, Voter.email)
    phones = await _members_with(session, election.id, getattr(Voter, "phone", None))
    return Channels(
        email=emails > 0,
        text_message=phones > 0,
        letter=True,
        in_person=bool(election.polling_place),
        paper=bool(election.paper_ballots),
        polling_place=election.polling_place or "",
    )


#: The longest description of a polling place (where and when) the notice prints.
MAX_POLLING_PLACE: Final = 300


async def set_ways_to_vote(
    session: AsyncSession, ctx: Acting, election: Election, polling_place: str, paper: bool
) -> None:
    """Record whether this election offers a polling place (where and when) and paper
    ballots, as the notice of election will say; refused after voting ends."""
    require_state(election, "draft", *NOTICE_STATES, doing="change the ways to vote")
    place = " ".join(polling_place.split())
    if len(place) > MAX_POLLING_PLACE:
        raise Refused(
            f"the polling place is described in at most {MAX_POLLING_PLACE} characters",
            code="polling_place_too_long",
            grounds=Grounds.INVALID,
        )
    election.polling_place = place or None
    election.paper_ballots = paper
    await log_activity(
        session,
        ctx.actor,
        "ways_to_vote_set",
        ctx.now,
        election.id,
        polling_place=bool(place),
        paper_ballots=paper,
    )


async def notice_facts(session: AsyncSession, election: Election) -> NoticeFacts:
    """Who may vote and how; refused unless the definition is frozen and voting goes on."""
    require_state(election, *NOTICE_STATES, doing="print the notice of election")
    eligible = election.eligible_count
    if eligible is None:
        eligible = await roll_size(session, election.id)
    units = await roll_units(session, election.id)
    return NoticeFacts(
        eligible=eligible,
        units=units if len(units) <= MAX_UNITS_NAMED else [],
        channels=await offered_channels(session, election),
    )
