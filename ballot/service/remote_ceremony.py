"""The remote key ceremony's acts: trustees' round messages, settling, the public status.

Every accepted message also goes on the public board as ``note.ceremony.<round>``, so
observers can follow the ceremony live.  When the last message of the last needed round
arrives, the ceremony is settled and its transcript recorded through
:func:`ballot.service.ceremony.accept_transcript`; if fewer than k dealers qualify, the
failure is recorded (``note.ceremony.failed``) and the committee starts over by going
back to draft.

Unlike the other acts, these manage their own transactions: a message is committed
before the settlement it may trigger, so a refused or crashed settlement cannot undo the
messages already in (a repost settles again).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.crypto.ceremony import CeremonyError
from ballot.election.refusal import Grounds, Refused
from ballot.record.kinds import NOTE_CEREMONY_PREFIX
from ballot.service import ceremony
from ballot.service.acting import Acting, post, require_state
from ballot.store.activity import log_activity
from ballot.store.ceremony_rounds import (
    TRUSTEE_ROUNDS,
    Rounds,
    canonical,
    ceremony_epoch,
    store_message,
    stored_messages,
)
from ballot.store.models import Election, ElectionTrustee


async def _note(
    db: AsyncSession, ctx: Acting, election: Election, kind: str, payload: dict[str, Any]
) -> None:
    await post(db, ctx, election, NOTE_CEREMONY_PREFIX + kind, payload)


async def _locked(db: AsyncSession, election_id: str) -> Election:
    """The election row, freshly read, with this transaction holding the write lock.

    A no-op UPDATE comes first: on PostgreSQL it locks the row; on SQLite (which only
    begins a transaction at the first write) it takes the database's write lock before
    anything is read, so two trustees' last messages cannot both see "every message is
    in" and settle twice.
    """
    await db.execute(
        update(Election).where(Election.id == election_id).values(state=Election.state)
    )
    return await _fresh(db, election_id)


async def _fresh(db: AsyncSession, election_id: str) -> Election:
    election = await db.scalar(
        select(Election).where(Election.id == election_id).execution_options(populate_existing=True)
    )
    if election is None:
        raise Refused(f"no election {election_id}", code="no_election", grounds=Grounds.NOT_FOUND)
    return election


async def _rounds(db: AsyncSession, election: Election) -> tuple[int | None, Rounds | None]:
    """(epoch, parsed rounds) of the election's current ceremony attempt, if one runs."""
    if election.manifest_hash is None:
        return None, None
    epoch = await ceremony_epoch(db, election.id)
    if epoch is None:
        return None, None
    stored = await stored_messages(db, election.id, epoch)
    rounds = Rounds.load(
        election.trustees_k, election.trustees_n, bytes.fromhex(election.manifest_hash), stored
    )
    return epoch, rounds


async def seat_of(db: AsyncSession, election_id: str, account_id: int) -> int | None:
    """The account's trustee position in the election (None: no seat)."""
    position: int | None = await db.scalar(
        select(ElectionTrustee.position).where(
            ElectionTrustee.election_id == election_id,
            ElectionTrustee.account_id == account_id,
        )
    )
    return position


async def ceremony_status(
    db: AsyncSession, election: Election, position: int | None
) -> dict[str, Any]:
    """The ceremony as a trustee's tool sees it: round, who is awaited, every message."""
    epoch, rounds = await _rounds(db, election)
    seats = await db.scalars(
        select(ElectionTrustee.position)
        .where(ElectionTrustee.election_id == election.id)
        .order_by(ElectionTrustee.position)
    )
    view: dict[str, Any] = {
        "election_id": election.id,
        "state": election.state,
        "epoch": epoch,
        "k": election.trustees_k,
        "n": election.trustees_n,
        "manifest_hash": election.manifest_hash,
        "position": position,
        "seats": list(seats),
        "joint_public_key": election.joint_public_key,
        "transcript": None,
    }
    if rounds is not None:
        view.update(rounds.public())
    else:
        view["round"] = "not_started"
    if election.joint_public_key:
        view["round"] = "completed"
        if election.ceremony:
            view["transcript"] = json.loads(election.ceremony)
    return view


async def _settle(db: AsyncSession, ctx: Acting, election_id: str, *, force: bool = False) -> None:
    """Settle in its own transaction, so a refusal cannot undo the messages already in."""
    election = await _locked(db, election_id)
    epoch, rounds = await _rounds(db, election)
    if (
        election.joint_public_key
        or rounds is None
        or epoch is None
        or rounds.failure is not None
        or (not force and rounds.current() != "settle")
    ):
        await db.rollback()
        return
    try:
        result, transcript = rounds.settle()
        await ceremony.accept_transcript(db, ctx, election, transcript)
        await log_activity(
            db,
            ctx.actor,
            "ceremony_settled",
            ctx.now,
            election.id,
            qualified=list(result.qualified),
            disqualified=sorted(result.disqualified),
        )
        await db.commit()
        return
    except CeremonyError as exc:
        reason = str(exc)
    except Refused as exc:
        reason = exc.message
    await db.rollback()
    election = await _locked(db, election_id)
    await store_message(db, election.id, epoch, "failure", 0, {"reason": reason}, ctx.now)
    await _note(db, ctx, election, "failed", {"reason": reason})
    await log_activity(db, ctx.actor, "ceremony_failed", ctx.now, election.id, reason=reason)
    await db.commit()


async def post_message(
    db: AsyncSession,
    ctx: Acting,
    election_id: str,
    account_id: int,
    round_name: str,
    body: Any,
) -> dict[str, Any]:
    """Accept one trustee's message for ``round_name`` (a repeat of it is accepted again);
    settle the ceremony when it was the last one needed."""
    election = await _locked(db, election_id)
    require_state(election, "key_ceremony", doing="take part in the key ceremony")
    position = await seat_of(db, election_id, account_id)
    if position is None:  # the guard admits only seated trustees; belt and braces
        raise Refused(
            "you hold no trustee seat in this election",
            code="no_seat",
            grounds=Grounds.FORBIDDEN,
        )
    epoch, rounds = await _rounds(db, election)
    assert epoch is not None and rounds is not None
    stored = await stored_messages(db, election_id, epoch)
    earlier = stored.get(round_name, {}).get(position)
    if earlier is not None:
        try:
            same = canonical(rounds.check(round_name, position, body)) == canonical(earlier)
        except Refused:
            same = False
        if not same:
            raise Refused(
                f"trustee {position} already posted a different {round_name} message; "
                "a round message cannot be replaced",
                code="message_posted",
            )
        if rounds.current() == "settle" and not election.joint_public_key:
            # A repost after a settlement that did not happen (crash): settle now.
            await db.rollback()
            await _settle(db, ctx, election_id)
            _, rounds = await _rounds(db, await _fresh(db, election_id))
            assert rounds is not None
        return {"accepted": True, "repeated": True, "position": position, **_next(rounds)}
    if election.joint_public_key:
        raise Refused("the key ceremony is already complete", code="ceremony_complete")
    current = rounds.current()
    if current == "failed":
        raise Refused(
            f"this key ceremony failed ({rounds.failure}); the committee must start again",
            code="ceremony_failed",
        )
    if current != round_name:
        raise Refused(_not_open(rounds, round_name, current), code="round_not_open")
    message = rounds.check(round_name, position, body)
    await store_message(db, election_id, epoch, round_name, position, message, ctx.now)
    await _note(db, ctx, election, round_name, {"trustee": position, **message})
    await log_activity(
        db,
        ctx.actor,
        "ceremony_round",
        ctx.now,
        election_id,
        round=round_name,
        trustee=position,
    )
    await db.commit()
    _, rounds = await _rounds(db, election)
    assert rounds is not None
    if rounds.current() == "settle":
        await _settle(db, ctx, election_id)
        _, rounds = await _rounds(db, election)
        assert rounds is not None
    return {"accepted": True, "repeated": False, "position": position, **_next(rounds)}


async def settle_now(db: AsyncSession, ctx: Acting, election_id: str) -> dict[str, Any]:
    """Settle with what was posted (missing dealers are disqualified); the new status."""
    election = await _locked(db, election_id)
    require_state(election, "key_ceremony", doing="settle the key ceremony")
    if election.joint_public_key:
        raise Refused("the key ceremony is already complete", code="ceremony_complete")
    _epoch, rounds = await _rounds(db, election)
    if rounds is None or rounds.failure is not None:
        raise Refused("there is no key ceremony running to settle", code="no_ceremony")
    await db.rollback()
    await _settle(db, ctx, election_id, force=True)
    await db.rollback()
    return await ceremony_status(db, await _fresh(db, election_id), None)


def _next(rounds: Rounds) -> dict[str, Any]:
    current = rounds.current()
    return {"round": "completed" if current == "settle" else current}


def _not_open(rounds: Rounds, asked: str, current: str) -> str:
    if current == "settle":
        return "every round is complete; the ceremony is being settled"
    order = list(TRUSTEE_ROUNDS)
    waiting = ", ".join(str(t) for t in rounds.waiting_for(current))
    if order.index(asked) > order.index(current):
        return (
            f"the {asked} round is not open yet: the ceremony is at the {current} round, "
            f"waiting for trustee(s) {waiting}"
        )
    return f"the {asked} round is over: the ceremony is at the {current} round"
