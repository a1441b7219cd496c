"""Paper ballots: recording returned envelopes, and the hand count entered twice.

A returned envelope is recorded unopened on the member's alias (``paper.received``): the
member's online link dies at once, so they cannot vote twice.  An envelope from a member
who already voted (online, in person, or by an earlier envelope) is recorded as set aside
(``paper.set_aside``) and never opened, as a challenged ballot would be.  After the close
the envelopes are opened and counted by hand in front of observers; two different
committee members enter each pool's count, and only figures both entered alike go on the
board (``paper.count``), before the online tally is taken.  PROTOCOL 11.11.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from ballot.crypto.manifest import ElectionManifest
from ballot.election.paper import PaperCountError, check_questions
from ballot.election.races import has_races
from ballot.election.refusal import Grounds, Refused
from ballot.record.kinds import Kind
from ballot.record.units import subtotal_min_size
from ballot.service.acting import Acting, invalid, post, require_state
from ballot.service.voters import find_voter
from ballot.store import count, tokens
from ballot.store.activity import log_activity
from ballot.store.aliases import uses_aliases
from ballot.store.models import Election
from ballot.store.paper import drop_entry, envelopes, pending_entry
from ballot.store.paper_tables import HandCountEntry


def min_size(election: Election) -> int | None:
    """The definition's subtotals pool size (None: no subtotals, one paper count)."""
    return subtotal_min_size(json.loads(election.manifest or "{}"))


def _require_paper_ballots(election: Election) -> None:
    """Paper ballots need aliases on the board (protocol v2), and an election without
    ranked or per-unit races: a hand count can be neither split by unit nor mixed with
    ranked ballots, so the verifier refuses it there (PROTOCOL 11.11)."""
    if not uses_aliases(election):
        raise Refused(
            "this election's board names no aliases (it was defined before protocol v2): "
            "paper ballots cannot be counted with it",
            code="no_aliases",
        )
    if election.manifest and has_races(json.loads(election.manifest)["questions"]):
        raise Refused(
            "this election has a ranked or per-unit race: it takes no paper ballots",
            code="paper_with_races",
        )


async def record_envelope(
    session: AsyncSession, ctx: Acting, election: Election, member_id: str
) -> Literal["received", "set_aside"]:
    """Record a member's returned envelope, unopened; returns what became of it."""
    require_state(election, "open", doing="record a paper ballot envelope")
    _require_paper_ballots(election)
    voter = await find_voter(session, election, member_id)
    assert voter.alias is not None
    found = await envelopes(session, election.id)
    voted = voter.voted_at is not None and voter.voted_channel in ("online", "in_person")
    if voted or voter.alias in found.received:
        await post(session, ctx, election, Kind.PAPER_SET_ASIDE, {"alias": voter.alias})
        await log_activity(
            session, ctx.actor, "envelope_set_aside", ctx.now, election.id, member=voter.member_id
        )
        return "set_aside"
    await tokens.end_for_paper(session, voter, ctx.now)
    payload: dict[str, Any] = {"alias": voter.alias}
    if min_size(election) is not None:
        payload["unit"] = voter.unit
    await post(session, ctx, election, Kind.PAPER_RECEIVED, payload)
    await log_activity(
        session, ctx.actor, "envelope_received", ctx.now, election.id, member=voter.member_id
    )
    return "received"


@dataclass(frozen=True)
class HandCount:
    """What became of one entry of a pool's hand count."""

    status: Literal["waiting", "posted", "differs"]
    differences: list[str] = field(default_factory=list)


def _figures(manifest: ElectionManifest, questions: object, ballots: int) -> list[dict[str, Any]]:
    try:
        check_questions(manifest, questions, ballots)
    except PaperCountError as exc:
        raise invalid(f"the hand count does not add up: {exc}", "hand_count_invalid") from exc
    assert isinstance(questions, list)
    return [{"id": q["id"], "counts": dict(q["counts"]), "blank": q["blank"]} for q in questions]


def differences(
    first: Sequence[Mapping[str, Any]], second: Sequence[Mapping[str, Any]]
) -> list[str]:
    """Where two entries of a hand count differ, one line each (in English for the log)."""
    out = []
    for a, b in zip(first, second, strict=True):
        for option in a["counts"]:
            if a["counts"][option] != b["counts"][option]:
                out.append(f"{a['id']}/{option}: {a['counts'][option]} then {b['counts'][option]}")
        if a["blank"] != b["blank"]:
            out.append(f"{a['id']}/blank: {a['blank']} then {b['blank']}")
    return out


async def enter_hand_count(
    session: AsyncSession,
    ctx: Acting,
    election: Election,
    account_id: int,
    pool: str,
    questions: object,
) -> HandCount:
    """One committee member's entry of a pool's hand count.

    The first entry waits; a second by another member that agrees posts the count on the
    board; one that disagrees removes the first (the envelopes are counted again and both
    enter anew) and nothing is posted.  Refused before the close, once the tally is taken,
    for a pool with no envelope or already counted, for figures that cannot come from the
    pool's envelopes, and for a second entry by the member who made the first.
    """
    require_state(election, "closed", doing="enter a hand count of paper ballots")
    _require_paper_ballots(election)
    if (await count.count_state(session, election.id)).tallies:
        raise Refused("the tally is taken: paper ballots are counted before it", code="tally_taken")
    keys = count.election_context(election)
    found = await envelopes(session, election.id)
    pools = found.pools(min_size(election))
    if pool not in pools:
        raise Refused(
            f"no paper envelope is waiting to be counted in pool {pool!r}",
            code="no_envelopes",
            grounds=Grounds.NOT_FOUND,
        )
    if pool in found.counts:
        raise Refused(f"pool {pool!r} is already counted", code="hand_count_posted")
    figures = _figures(keys.manifest, questions, len(pools[pool]))
    first = await pending_entry(session, election.id, pool)
    if first is None:
        session.add(
            HandCountEntry(
                election_id=election.id,
                pool=pool,
                account_id=account_id,
                figures=json.dumps(figures),
                entered_at=ctx.now,
            )
        )
        await log_activity(
            session, ctx.actor, "hand_count_entered", ctx.now, election.id, pool=pool
        )
        await session.flush()
        return HandCount("waiting")
    if first.account_id == account_id:
        raise Refused(
            "you entered the first count of this pool: a second committee member must enter it",
            code="same_member",
        )
    different = differences(json.loads(first.figures), figures)
    await drop_entry(session, election.id, pool)
    if different:
        await log_activity(
            session,
            ctx.actor,
            "hand_count_disagreed",
            ctx.now,
            election.id,
            pool=pool,
            differences=different,
        )
        return HandCount("differs", different)
    payload: dict[str, Any] = {
        "aliases": pools[pool],
        "ballots": len(pools[pool]),
        "questions": figures,
    }
    if min_size(election) is not None:
        payload["unit"] = pool
    await post(session, ctx, election, Kind.PAPER_COUNT, payload)
    await log_activity(session, ctx.actor, "hand_count_agreed", ctx.now, election.id, pool=pool)
    return HandCount("posted")


async def require_counted(session: AsyncSession, election: Election) -> None:
    """Refuse to take the tally while received envelopes wait for their hand count."""
    if not uses_aliases(election):
        return
    found = await envelopes(session, election.id)
    waiting = found.uncounted(min_size(election))
    if waiting:
        raise Refused(
            f"{len(found.received)} paper envelopes were received and pool(s) "
            f"{', '.join(repr(p) for p in waiting)} are not counted yet: enter the hand count "
            "(twice, by two committee members) before the tally",
            code="paper_uncounted",
        )
