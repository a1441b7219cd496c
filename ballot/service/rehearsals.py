"""Rehearsal decryptions: each trustee proves, before voting opens, that their key file works.

The server issues a trustee a random nonce (a *challenge*); the trustee's tool derives the
rehearsal ciphertext from it, decrypts it with the key file and proves it
(:mod:`ballot.crypto.rehearsal`); the server checks the proof against that trustee's
published verification key and records "trustee N proved their key at T".  A nonce is
answered once: a later rehearsal needs a fresh one, so an old answer cannot be replayed
to prove a key that has since been lost.  Rehearsals are kept in the database and the
activity log, not on the public board: they decrypt nothing anyone cast.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.crypto.rehearsal import (
    RehearsalError,
    RehearsalResponse,
    check_rehearsal,
    new_nonce,
    rehearsal_ciphertext,
)
from ballot.election.refusal import Grounds, Refused
from ballot.service.acting import Acting, invalid
from ballot.store.activity import log_activity
from ballot.store.casting import election_context
from ballot.store.models import Election
from ballot.store.setup_tables import TrusteeRehearsal


def _require_key(election: Election) -> None:
    if not election.joint_public_key or election.state in (
        "draft",
        "mixing",
        "decrypting_mixed",
        "tallied",
        "certified",
    ):
        raise Refused(
            "a rehearsal needs the finished key ceremony, before the count "
            f"(the election is {election.state})",
            code="no_rehearsal_now",
        )


async def issue_challenge(
    session: AsyncSession, ctx: Acting, election: Election, position: int
) -> dict[str, Any]:
    """The trustee's open challenge for the current key, or a new one."""
    _require_key(election)
    assert election.joint_public_key is not None
    row = await session.scalar(
        select(TrusteeRehearsal)
        .where(
            TrusteeRehearsal.election_id == election.id,
            TrusteeRehearsal.position == position,
            TrusteeRehearsal.joint_public_key == election.joint_public_key,
            TrusteeRehearsal.proved_at.is_(None),
        )
        .order_by(TrusteeRehearsal.id.desc())
        .limit(1)
    )
    if row is None:
        row = TrusteeRehearsal(
            election_id=election.id,
            position=position,
            nonce=new_nonce().hex(),
            joint_public_key=election.joint_public_key,
            issued_at=ctx.now,
        )
        session.add(row)
        await session.flush()
    context = election_context(election)
    ct = rehearsal_ciphertext(
        context.joint_public_key, context.fingerprint, position, bytes.fromhex(row.nonce)
    )
    return {
        "trustee": position,
        "nonce": row.nonce,
        "fingerprint": context.fingerprint.hex(),
        # For reading only: the trustee's tool derives it from the nonce and decrypts that.
        "ciphertext": ct.to_json(),
    }


async def accept_answer(
    session: AsyncSession, ctx: Acting, election: Election, position: int, answer: Any
) -> datetime:
    """Check a trustee's answer; record the proof (refused, changing nothing, if it fails)."""
    _require_key(election)
    try:
        response = RehearsalResponse.from_json(answer)
    except RehearsalError as exc:
        raise invalid(str(exc), "bad_rehearsal") from exc
    row = await session.scalar(
        select(TrusteeRehearsal).where(
            TrusteeRehearsal.election_id == election.id,
            TrusteeRehearsal.nonce == response.nonce.hex(),
        )
    )
    if row is None or row.position != position:
        raise Refused(
            "this rehearsal was not issued to you: ask for a new one",
            code="unknown_rehearsal",
            grounds=Grounds.NOT_FOUND,
        )
    if row.proved_at is not None:
        raise Refused(
            "this rehearsal is already answered: ask for a new one", code="rehearsal_answered"
        )
    if row.joint_public_key != election.joint_public_key:
        raise Refused(
            "this rehearsal was for an earlier key ceremony: ask for a new one",
            code="rehearsal_stale",
        )
    context = election_context(election)
    key = context.ceremony.verification_keys.get(position)
    if key is None:
        raise Refused(f"trustee {position} has no verification key", code="no_seat")
    try:
        check_rehearsal(
            response,
            position,
            bytes.fromhex(row.nonce),
            key,
            context.joint_public_key,
            context.fingerprint,
        )
    except RehearsalError as exc:
        raise Refused(str(exc), code="rehearsal_failed", grounds=Grounds.UNPROCESSABLE) from exc
    row.proved_at = ctx.now
    await log_activity(
        session, ctx.actor, "trustee_key_proved", ctx.now, election.id, trustee=position
    )
    return ctx.now
