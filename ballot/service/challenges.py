"""Deciding challenged ballots, the committee's view of the count, and certification.

Challenges are decided once voting is closed: before the first count (the parties
agreed) or after a determinative round 1, never while a tally awaits decryption.  The
final result is certified once the objection period after it has run.  Acts that write
expect the election row locked by the caller.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.election.refusal import Grounds, Refused
from ballot.record.kinds import Kind
from ballot.service.acting import Acting, invalid, post, require_state
from ballot.service.count import SINGLE_OVERRULED_WARNING
from ballot.service.lifecycle import set_state
from ballot.store import challenged, count
from ballot.store.activity import log_activity
from ballot.store.board import append_board, sign_board_head
from ballot.store.models import Election, Voter

DECISIONS = ("sustained", "overruled")


async def decide_challenge(
    session: AsyncSession,
    ctx: Acting,
    election: Election,
    challenge_id: str,
    decision: str,
    reason: str,
) -> str | None:
    """Record the committee's decision on one challenged ballot (``challenge.decided``).

    Returns the warning to show when the decisions now make exactly one ballot's vote
    deducible.
    """
    require_state(election, "closed", doing="decide a challenge")
    if decision not in DECISIONS:
        raise invalid("the decision must be 'sustained' or 'overruled'", "bad_decision")
    if not isinstance(reason, str) or not reason.strip():
        raise invalid("give the reason for the decision", "reason_needed")
    state = await count.count_state(session, election.id)
    if state.pending_round is not None:
        raise Refused(
            f"the round {state.pending_round} tally awaits decryption: decide challenges "
            "before the count or after its result",
            code="tally_pending",
        )
    if 2 in state.tallies:
        raise Refused(
            "the second count is taken: every challenge was already decided",
            code="count_finished",
        )
    found = await challenged.find_challenged(session, election.id, challenge_id)
    if found is None:
        raise Refused(
            f"no challenged ballot {challenge_id!r} in this election",
            code="no_challenge",
            grounds=Grounds.NOT_FOUND,
        )
    if challenge_id in state.decisions or found.decision is not None:
        raise Refused(f"challenge {challenge_id} is already decided", code="already_decided")
    found.decision = decision
    await post(
        session,
        ctx,
        election,
        Kind.DECIDED,
        {"challenge": challenge_id, "decision": decision, "reason": reason.strip()},
    )
    await log_activity(
        session,
        ctx.actor,
        "challenge_decided",
        ctx.now,
        election.id,
        challenge=challenge_id,
        decision=decision,
    )
    await session.flush()
    state.decisions[challenge_id] = (decision, reason.strip())
    return single_overruled_warning(state)


def single_overruled_warning(state: count.CountState) -> str | None:
    """The warning, when round 2 would add exactly one overruled ballot to round 1's."""
    deducible = len(state.added_after_round_one()) == 1
    return (
        SINGLE_OVERRULED_WARNING
        if 1 in state.results and 2 not in state.tallies and deducible
        else None
    )


async def challenges_view(session: AsyncSession, election: Election) -> dict[str, Any]:
    """The challenged pool for the committee: each envelope, its decision, where the count is."""
    state = await count.count_state(session, election.id)
    latest = state.latest_round
    voters = {
        v.id: v
        for v in await session.scalars(
            select(Voter).where(Voter.id.in_([c.voter_id for c in state.challenges]))
        )
    }
    deadline = objection_deadline(election)
    return {
        "round": latest,
        "determinative": state.result(latest)["determinative"] if latest else None,
        "result": state.result(latest) if latest else None,
        "pending_round": state.pending_round,
        "next_round": next_round(election, state),
        "undecided": len(state.undecided()),
        "decidable": election.state == "closed"
        and state.pending_round is None
        and 2 not in state.tallies,
        "warning": single_overruled_warning(state),
        "objection_ends": deadline.isoformat() if deadline else None,
        "challenges": [
            {
                "id": c.id,
                "tracker": c.tracker,
                "board_seq": c.board_seq,
                "member_id": voters[c.voter_id].member_id if c.voter_id in voters else None,
                "name": voters[c.voter_id].name if c.voter_id in voters else None,
                "decision": state.decisions.get(c.id, (None, None))[0],
                "reason": state.decisions.get(c.id, (None, None))[1],
            }
            for c in state.challenges
        ],
    }


def next_round(election: Election, state: count.CountState) -> int | None:
    """The round the committee may take now (None: nothing to take)."""
    if election.state != "closed" or state.pending_round is not None:
        return None
    if not state.tallies:
        return 1
    if 1 in state.results and 2 not in state.tallies and state.result(1)["determinative"]:
        return 2 if not state.undecided() else None
    return None


def objection_deadline(election: Election) -> datetime | None:
    """When the objection period after the final result ends (None before the result)."""
    if election.tallied_at is None:
        return None
    return election.tallied_at + timedelta(days=election.objection_days)


async def certify(session: AsyncSession, ctx: Acting, election: Election, reason: str) -> int:
    """Certify the final result once the objection period is over (``result.certified``).

    Returns the board entry's seq.
    """
    require_state(election, "tallied", doing="certify the result")
    if not isinstance(reason, str) or not reason.strip():
        raise invalid("give the reason (for example: no objections were filed)", "reason_needed")
    deadline = objection_deadline(election)
    if deadline is None or ctx.now < deadline:
        until = deadline.isoformat() if deadline else "unknown"
        raise Refused(
            f"the objection period runs until {until}: the result can be certified after it",
            code="objection_period",
        )
    state = await count.count_state(session, election.id)
    final = state.final_round
    if final is None or state.certified is not None:
        raise Refused("there is no final result to certify", code="nothing_to_certify")
    result_row = state.results[final]
    row = await append_board(
        session,
        election.id,
        Kind.CERTIFIED,
        {"round": final, "result_hash": result_row.hash, "reason": reason.strip()},
        ctx.now,
    )
    await sign_board_head(session, election.id, ctx.board_key, ctx.now)
    election.certified_at = ctx.now
    await set_state(session, ctx, election, "certified")
    await log_activity(session, ctx.actor, "result_certified", ctx.now, election.id, round=final)
    return row.seq
