"""The mix-net of ranked races (PROTOCOL 18): the trustees' shuffles, then their partial
decryptions of the shuffled ballots, then the ranked results.

After the final ``tally.result`` of an election with a ranked race the election is
*mixing*: each trustee in turn shuffles every ranked race's list on their own computer and
posts it; the service checks the shuffle against the board before posting ``mix.shuffled``
(a bad one is refused and nothing is written).  With k shuffles in it posts
``mix.completed`` and the election is *decrypting the mixed ballots*: each trustee's partial
decryptions are checked and posted (``mix.partial``); with k of them in, the service
decrypts, decodes and counts every race and posts ``mix.result``, and the election is
tallied.  Every act here expects the election row locked by the caller (two trustees
posting at once run one after the other).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ballot.election.context import ElectionContext
from ballot.election.lifecycle import mixing
from ballot.election.refusal import Grounds, Refused
from ballot.record.kinds import Kind
from ballot.record.mix import (
    MixBoard,
    MixCompleted,
    MixError,
    check_partial,
    check_shuffled,
    decrypt_lists,
    mix_result,
    parse_partial,
    parse_shuffled,
)
from ballot.service.acting import Acting, require_state
from ballot.service.lifecycle import set_state
from ballot.store import count
from ballot.store.activity import log_activity
from ballot.store.board import append_board, sign_board_head
from ballot.store.mix import StoredMix, stored_mix
from ballot.store.models import Election

#: The two states of the mix: shuffling, then decrypting the shuffled ballots.
MIXING = "mixing"
DECRYPTING = "decrypting_mixed"


class MixBroken(RuntimeError):
    """The stored board's mix contradicts itself; not the trustee's fault, nothing to refuse."""


@dataclass(frozen=True)
class AcceptedShuffle:
    seq: int
    position: int
    completed: bool


@dataclass(frozen=True)
class AcceptedMixPartials:
    seq: int
    combined: bool
    result: dict[str, Any] | None


def has_ranked_races(election: Election) -> bool:
    """Whether the election's definition has a ranked race (so a mix follows the count)."""
    return count.election_context(election).manifest.has_ranked


async def begin_mix(session: AsyncSession, ctx: Acting, election: Election) -> None:
    """The final result is on the board and the election has ranked races: mixing starts
    (the ``tally.result`` entry is what says so; no other entry is needed)."""
    await set_state(session, ctx, election, MIXING)


def _refusal(exc: MixError, code: str) -> Refused:
    """A checked entry's fault as a refusal: bad content 400, the wrong moment 409."""
    if exc.fault == "invalid":
        return Refused(str(exc), code=code, grounds=Grounds.INVALID)
    codes = {"stale": "shuffle_stale", "repeated": "already_done", "order": "wrong_state"}
    return Refused(str(exc), code=codes[exc.fault], grounds=Grounds.CONFLICT)


def _context(election: Election) -> ElectionContext:
    keys = count.election_context(election)
    if not keys.manifest.has_ranked:
        raise Refused("this election has no ranked race: there is nothing to mix", code="no_mix")
    return keys


async def _stored(session: AsyncSession, election: Election, keys: ElectionContext) -> StoredMix:
    try:
        return await stored_mix(session, election.id, keys.definition)
    except MixError as exc:
        raise MixBroken(f"the stored board's mix cannot be read: {exc}") from exc


def _awaiting(state: str) -> str | None:
    return {MIXING: "shuffles", DECRYPTING: "partials"}.get(state)


async def mix_view(
    session: AsyncSession, election: Election, *, lists: bool = True
) -> dict[str, Any]:
    """Where the mix stands: each race's current list (the input list, then the last
    shuffle's output), who has shuffled and decrypted, and what is awaited."""
    keys = _context(election)
    if not mixing(election.state) and election.state not in ("tallied", "certified"):
        raise Refused(
            "the ranked ballots are mixed after the final result is on the board",
            code="no_mix_yet",
        )
    stored = await _stored(session, election, keys)
    board = stored.board
    awaiting = _awaiting(election.state)
    return {
        "state": election.state,
        "awaiting": awaiting,
        "trustees": {"k": keys.k, "n": keys.n},
        "fingerprint": keys.fingerprint_hex,
        "position": board.position if awaiting == "shuffles" else None,
        "shufflers": list(board.shufflers),
        "decrypted": sorted(board.partials),
        "board": {"seq": stored.head_seq, "hash": stored.head_hash},
        "races": [
            {
                "id": race.id,
                "ranks": race.ranks,
                "candidates": len(race.candidates),
                "method": race.method,
                "seats": race.seats,
                "ballots": len(board.current[race.id]),
                **(
                    {"list": [[ct.to_json() for ct in item] for item in board.current[race.id]]}
                    if lists
                    else {}
                ),
            }
            for race in board.races
        ],
    }


def _require_trustee(keys: ElectionContext, trustee: int) -> None:
    if trustee not in keys.ceremony.verification_keys:
        raise Refused(
            f"trustee {trustee} holds no key share of this election",
            code="no_key_share",
            grounds=Grounds.FORBIDDEN,
        )


async def accept_shuffle(
    session: AsyncSession, ctx: Acting, election: Election, trustee: int, races_json: Any
) -> AcceptedShuffle:
    """Check one trustee's shuffle of every ranked race against the board, post it; the
    k-th completes the chain (``mix.completed``) and decryption of the mix begins."""
    require_state(election, MIXING, doing="accept a shuffle of the ranked ballots")
    keys = _context(election)
    _require_trustee(keys, trustee)
    board = (await _stored(session, election, keys)).board
    try:
        shuffled = parse_shuffled({"trustee": trustee, "races": races_json}, board.races)
        check_shuffled(
            shuffled, board, fingerprint=keys.fingerprint, public_key=keys.joint_public_key
        )
    except MixError as exc:
        raise _refusal(exc, "shuffle_invalid") from exc
    position = board.position
    row = await append_board(session, election.id, Kind.MIX_SHUFFLED, shuffled.to_json(), ctx.now)
    await log_activity(
        session, ctx.actor, "mix_shuffled", ctx.now, election.id, trustee=trustee, position=position
    )
    completed = position >= keys.k
    if completed:
        shufflers = (*board.shufflers, trustee)
        payload = MixCompleted(shufflers).to_json()
        await append_board(session, election.id, Kind.MIX_COMPLETED, payload, ctx.now)
        await log_activity(
            session, ctx.actor, "mix_completed", ctx.now, election.id, shufflers=list(shufflers)
        )
        await set_state(session, ctx, election, DECRYPTING)
    await sign_board_head(session, election.id, ctx.board_key, ctx.now)
    await session.flush()
    return AcceptedShuffle(row.seq, position, completed)


def _combine(keys: ElectionContext, board: MixBoard) -> dict[str, Any]:
    """Decrypt, decode and count every race from the partials on the board (PROTOCOL 18)."""
    try:
        decrypted = decrypt_lists(
            board.races,
            board.current,
            list(board.partials.values()),
            keys.ceremony.verification_keys,
            keys.k,
            keys.fingerprint,
        )
        return mix_result(board.races, decrypted, keys.fingerprint)
    except (MixError, ValueError) as exc:
        # Every partial was checked when it was posted: this is a broken store, not a refusal.
        raise MixBroken(f"the mixed ballots cannot be decrypted: {exc}") from exc


async def accept_mix_partials(
    session: AsyncSession, ctx: Acting, election: Election, trustee: int, races_json: Any
) -> AcceptedMixPartials:
    """Check one trustee's partial decryptions of the shuffled ballots, post them; with k
    in, decrypt and count every race, post ``mix.result``: the election is tallied."""
    require_state(election, DECRYPTING, doing="accept decryptions of the mixed ballots")
    keys = _context(election)
    _require_trustee(keys, trustee)
    board = (await _stored(session, election, keys)).board
    try:
        partial = parse_partial({"trustee": trustee, "races": races_json}, board.races)
        check_partial(
            partial,
            board,
            fingerprint=keys.fingerprint,
            verification_key=keys.ceremony.verification_keys[trustee],
        )
    except MixError as exc:
        raise _refusal(exc, "mix_partials_invalid") from exc
    row = await append_board(session, election.id, Kind.MIX_PARTIAL, partial.to_json(), ctx.now)
    await log_activity(
        session, ctx.actor, "mix_partials_accepted", ctx.now, election.id, trustee=trustee
    )
    board.partials[trustee] = partial
    result: dict[str, Any] | None = None
    if len(board.partials) >= keys.k:
        result = _combine(keys, board)
        await append_board(session, election.id, Kind.MIX_RESULT, result, ctx.now)
        await log_activity(
            session, ctx.actor, "mix_result_posted", ctx.now, election.id, races=len(board.races)
        )
        election.tallied_at = ctx.now  # the objection period runs from the whole result
        await set_state(session, ctx, election, "tallied")
    await sign_board_head(session, election.id, ctx.board_key, ctx.now)
    await session.flush()
    return AcceptedMixPartials(row.seq, result is not None, result)
