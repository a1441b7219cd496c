"""The count's acts: taking a round's tally, giving it to the trustees, taking their
partial decryptions and, with k of them in, posting the result.

Round 1 is taken after closing; round 2 only when round 1's challenges were determinative
and every challenge has since been decided.  Every act here expects the election row
locked by the caller.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ballot.crypto.tally import EncryptedTally
from ballot.crypto.threshold import PartialDecryption
from ballot.election.refusal import Refused
from ballot.election.revoting import revoting_of
from ballot.record.kinds import Kind
from ballot.record.units import subtotal_min_size
from ballot.service import mix, paper
from ballot.service.acting import Acting, require_state
from ballot.service.lifecycle import set_state
from ballot.store import count
from ballot.store.activity import log_activity
from ballot.store.board import append_board, sign_board_head
from ballot.store.models import Election
from ballot.store.paper import envelopes
from ballot.store.revotes import count_replaced

#: What the committee is told when round 2 would reveal one ballot's vote.
SINGLE_OVERRULED_WARNING = (
    "exactly one challenged ballot is overruled after the first count: round 2 adds only "
    "that ballot, so its vote can be deduced by subtracting round 1 from round 2"
)


@dataclass(frozen=True)
class TakenTally:
    round: int
    seq: int
    ballots: int
    warning: str | None


@dataclass(frozen=True)
class AcceptedPartials:
    seq: int
    combined: bool
    result: dict[str, Any] | None
    round: int


async def take_tally(session: AsyncSession, ctx: Acting, election: Election) -> TakenTally:
    """Sum the counted ballots into the next round's encrypted tally (``tally.encrypted``)."""
    require_state(election, "closed", doing="take the tally")
    keys = count.election_context(election)
    state = await count.count_state(session, election.id)
    pending = state.pending_round
    if pending is not None:
        raise Refused(
            f"the round {pending} tally is already taken and awaits the trustees' decryptions",
            code="tally_pending",
        )
    if not state.tallies:
        await paper.require_counted(session, election)
        round_ = 1
    elif 1 in state.results and 2 not in state.tallies and state.result(1)["determinative"]:
        undecided = state.undecided()
        if undecided:
            raise Refused(
                f"the challenges are determinative: decide every challenged ballot before the "
                f"second count ({len(undecided)} undecided: {', '.join(undecided)})",
                code="challenges_undecided",
            )
        round_ = 2
    else:
        raise Refused(
            "the count is finished: there is no further round to take", code="count_finished"
        )
    overruled = state.overruled()
    last_only = revoting_of(keys.definition)  # the last ballot of each member counts
    encrypted, cast = await count.encrypted_tally(
        session, election.id, keys.manifest, overruled, last_only
    )
    payload: dict[str, Any] = {
        "round": round_,
        "tally": encrypted.to_json(),
        "counted": {"cast": cast, "overruled": overruled},
    }
    min_size = subtotal_min_size(keys.definition)
    if min_size is not None:
        # Pools are decided by round 1's counted ballots and kept for round 2 (PROTOCOL 10.5).
        first = overruled if round_ == 1 else state.tally_payload(1)["counted"]["overruled"]
        units = await count.unit_tallies(
            session, election.id, keys.manifest, min_size, overruled, first, last_only
        )
        payload["units"] = {pool: subtotal.to_json() for pool, subtotal in units.items()}
    row = await append_board(session, election.id, Kind.TALLY, payload, ctx.now)
    if not count.labelled(encrypted):
        # Every race is ranked: nothing to decrypt, so no trustee is asked to; the result
        # (no question, the counts of the ballots) follows the tally at once (PROTOCOL 10.2).
        state = await count.count_state(session, election.id)
        await post_result(session, ctx, election, state, round_, encrypted, {})
    await sign_board_head(session, election.id, ctx.board_key, ctx.now)
    # (A tally without ciphertext shows nothing to subtract: the mix-net runs on the
    # final round's ballots alone.)
    warning = (
        SINGLE_OVERRULED_WARNING
        if round_ == 2 and len(state.added_after_round_one()) == 1 and count.labelled(encrypted)
        else None
    )
    await log_activity(
        session,
        ctx.actor,
        "tally_taken",
        ctx.now,
        election.id,
        round=round_,
        ballots=encrypted.ballots,
        overruled=len(overruled),
    )
    await session.flush()
    return TakenTally(round_, row.seq, encrypted.ballots, warning)


async def pending_tally(session: AsyncSession, election: Election) -> dict[str, Any]:
    """The tally awaiting the trustees' partial decryptions (what the trustee CLI fetches)."""
    state = await count.count_state(session, election.id)
    round_ = state.pending_round
    if round_ is None or election.state != "closed":
        raise Refused(
            "no tally awaits decryption"
            + (" yet: the committee takes it after voting closes" if not state.tallies else ""),
            code="no_pending_tally",
        )
    keys = count.election_context(election)
    row = state.tallies[round_]
    payload = count.parse_tally(keys, row)
    body = json.loads(row.payload)
    return {
        "round": round_,
        "seq": row.seq,
        "entry_hash": row.hash,
        "tally": body["tally"],
        "counted": body["counted"],
        "labels": list(count.labelled(payload)),
        "trustees": {"k": keys.k, "n": keys.n},
        "submitted": sorted(state.partials.get(round_, {})),
        **({"units": body["units"]} if "units" in body else {}),
    }


async def accept_partials(
    session: AsyncSession,
    ctx: Acting,
    election: Election,
    trustee_index: int,
    round_: int,
    partials_json: Any,
    units_json: Any = None,
) -> AcceptedPartials:
    """Check one trustee's partial decryptions and post them; with k in, post the result.

    An invalid submission is refused (naming the trustee) and nothing is written.  The
    result is made by the verifier's own function; a result that is final (round 2, or
    round 1 with challenges not determinative) makes the election *tallied* (provisional
    until certified).
    """
    require_state(election, "closed", doing="accept partial decryptions")
    keys = count.election_context(election)
    state = await count.count_state(session, election.id)
    pending = state.pending_round
    if pending is None:
        raise Refused("no tally awaits decryption", code="no_pending_tally")
    if round_ != pending:
        raise Refused(
            f"the tally awaiting decryption is round {pending}, not {round_}", code="wrong_round"
        )
    submitted = state.partials.get(pending, {})
    if trustee_index in submitted:
        raise Refused(
            f"trustee {trustee_index} has already submitted partial decryptions "
            f"for round {pending}",
            code="partials_submitted",
        )
    encrypted = count.parse_tally(keys, state.tallies[pending])
    with_units = subtotal_min_size(keys.definition) is not None
    units = count.parse_units(keys, state.tallies[pending])
    parsed = count.check_partials(keys, encrypted, trustee_index, partials_json)
    unit_parsed = (
        count.check_unit_partials(keys, units, trustee_index, units_json) if with_units else {}
    )
    posted: dict[str, Any] = {
        "round": pending,
        "trustee": trustee_index,
        "partials": [p.to_json() for p in parsed],
    }
    if with_units:
        posted["units"] = {pool: [p.to_json() for p in ps] for pool, ps in unit_parsed.items()}
    row = await append_board(session, election.id, Kind.PARTIAL, posted, ctx.now)
    await log_activity(
        session,
        ctx.actor,
        "partials_accepted",
        ctx.now,
        election.id,
        round=pending,
        trustee=trustee_index,
    )
    result: dict[str, Any] | None = None
    if len(submitted) + 1 >= keys.k:
        submissions = {t: count.parse_partials(r) for t, r in submitted.items()}
        submissions[trustee_index] = parsed
        unit_counts = None
        if with_units:
            unit_subs = {t: count.parse_unit_partials(r) for t, r in submitted.items()}
            unit_subs[trustee_index] = unit_parsed
            unit_counts = count.combine_units(keys, units, unit_subs)
        result = await post_result(
            session, ctx, election, state, pending, encrypted, submissions, unit_counts
        )
    await sign_board_head(session, election.id, ctx.board_key, ctx.now)
    await session.flush()
    return AcceptedPartials(row.seq, result is not None, result, pending)


async def post_result(
    session: AsyncSession,
    ctx: Acting,
    election: Election,
    state: count.CountState,
    round_: int,
    encrypted: EncryptedTally,
    submissions: Mapping[int, Sequence[PartialDecryption]],
    unit_counts: Mapping[str, tuple[int, Sequence[Any]]] | None = None,
) -> dict[str, Any]:
    """Combine the partial decryptions of round ``round_``, post its ``tally.result``, and
    when that result is final (round 2, or a round 1 whose challenges are not
    determinative) make the election *tallied*, or start the mix-net of its ranked races.  The one place a result is posted: after the k-th
    trustee's decryption, or at once when the tally holds no ciphertext (every race is
    ranked, PROTOCOL 10.2).  The caller signs the head."""
    keys = count.election_context(election)
    counted = state.tally_payload(round_)["counted"]
    replaced = await count_replaced(session, election.id) if revoting_of(keys.definition) else 0
    result = count.combine_result(
        keys,
        encrypted,
        submissions,
        eligible=election.eligible_count or 0,
        # Revoting: the tally counts each member's last ballot; the result also
        # says how many were cast in all and how many of them were replaced.
        cast=counted["cast"] + replaced,
        replaced=replaced,
        challenged=len(state.challenges),
        sustained=len(state.sustained()),
        overruled=len(counted["overruled"]),
        units=unit_counts,
        paper=(await envelopes(session, election.id)).totals(keys.manifest),
    )
    await append_board(
        session, election.id, Kind.RESULT, {"round": round_, "result": result}, ctx.now
    )
    await log_activity(
        session,
        ctx.actor,
        "result_posted",
        ctx.now,
        election.id,
        round=round_,
        determinative=result["determinative"],
    )
    if round_ == count.MAX_ROUNDS or not result["determinative"]:
        if keys.manifest.has_ranked:  # the ranked races are counted after the mix-net
            await mix.begin_mix(session, ctx, election)
        else:
            election.tallied_at = ctx.now
            await set_state(session, ctx, election, "tallied")
    return result
