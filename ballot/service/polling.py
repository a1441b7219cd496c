"""Voting in person: a committee-run device at a polling place.

A committee member signed in on the device opens the polling place, finds a member on the
roll and checks them in.  The check-in mints a fresh one-time credential for this visit
(it replaces the member's link, publicly on the board as any reissue does, so nobody can
vote with two credentials); the device shows the member's ballot with the same page and
the same encryption in the browser as online, and forgets the credential when it returns
to the check-in screen.  The credential exists in clear only in that one page; the server
keeps its hash, marked ``in_person`` so that the roll says how the member voted.  Each
check-in is in the activity log (who checked in whom, when); the choice never is.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from ballot.election.refusal import Refused
from ballot.record.kinds import Kind
from ballot.service.acting import Acting, post, require_state
from ballot.service.voters import find_voter
from ballot.store import tokens
from ballot.store.activity import log_activity
from ballot.store.models import Election
from ballot.store.tokens import IssuedToken


async def open_polling_place(session: AsyncSession, ctx: Acting, election: Election) -> None:
    """A device starts serving as the polling place (logged: observers may ask where)."""
    require_state(election, "open", doing="open a polling place")
    await log_activity(session, ctx.actor, "polling_place_opened", ctx.now, election.id)


async def check_in(
    session: AsyncSession, ctx: Acting, election: Election, member_id: str
) -> IssuedToken:
    """Check a member in: a fresh credential for the device (never stored in clear).

    Refused for a member who has already voted by any channel (online, in person, or a
    paper envelope recorded).
    """
    require_state(election, "open", doing="check a member in")
    voter = await find_voter(session, election, member_id)
    if voter.voted_at is not None:
        how = {"paper": "a paper envelope was recorded", "in_person": "in person"}.get(
            voter.voted_channel or "", "online"
        )
        raise Refused(f"member {member_id} has already voted ({how})", code="already_voted")
    issued = await tokens.reissue_token(session, voter, ctx.now, channel="in_person")
    if voter.alias is not None:  # the old link died: public, as for every reissue
        await post(session, ctx, election, Kind.REISSUED, {"alias": voter.alias})
    await log_activity(
        session, ctx.actor, "polling_check_in", ctx.now, election.id, member=voter.member_id
    )
    return issued
