"""The key ceremony's acts: naming trustees, the demo ceremony, recording the transcript.

Either way a ceremony ends, its transcript is verified as the record's verifier will
verify it and published with the election fingerprint it yields (``ceremony.completed``).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.election.refusal import Refused
from ballot.record.kinds import NOTE_CEREMONY_TRUSTEE, Kind
from ballot.service.acting import Acting, invalid, post, require_state
from ballot.store import ceremony
from ballot.store.accounts import find_account
from ballot.store.activity import log_activity
from ballot.store.models import Account, Election, ElectionTrustee


async def name_trustee(
    session: AsyncSession, ctx: Acting, election: Election, email: str, position: int | None
) -> Account:
    """Seat a trustee account at a position, refusing what would spoil the ceremony.

    The API and the committee page both name trustees; one function keeps their checks
    (and their refusals) the same.  A position or account already named is refused here
    rather than left to the database, so the caller gets a clear refusal, not a crash.
    ``election`` should be locked by the caller; the caller commits.
    """
    require_state(election, "draft", "key_ceremony", doing="name trustees")
    account = await find_account(session, email)
    if account is None or account.role != "trustee":
        raise invalid(f"{email or 'that'} is not a trustee account", "not_a_trustee")
    if position is None or not 1 <= position <= election.trustees_n:
        raise invalid(f"position must be between 1 and {election.trustees_n}", "bad_position")
    taken = await session.scalar(
        select(ElectionTrustee.id).where(
            ElectionTrustee.election_id == election.id,
            (ElectionTrustee.position == position) | (ElectionTrustee.account_id == account.id),
        )
    )
    if taken is not None:
        raise invalid(f"position {position} or {account.email} is already named", "seat_taken")
    session.add(ElectionTrustee(election_id=election.id, account_id=account.id, position=position))
    await log_activity(
        session,
        ctx.actor,
        "trustee_named",
        ctx.now,
        election.id,
        trustee=position,
        email=account.email,
    )
    return account


async def run_local_ceremony(
    session: AsyncSession, ctx: Acting, election: Election, passphrases: list[str]
) -> list[bytes]:
    """Demo ceremony: every trustee's part here; returns their sealed secret key files."""
    require_state(election, "key_ceremony", doing="run the key ceremony")
    if len(passphrases) != election.trustees_n:
        raise invalid(
            f"give one passphrase per trustee ({election.trustees_n})", "passphrases_needed"
        )
    assert election.manifest_hash is not None
    transcript, secrets_ = ceremony.local_ceremony(
        election.trustees_k, election.trustees_n, bytes.fromhex(election.manifest_hash)
    )
    await _record_transcript(session, ctx, election, transcript, local=True)
    return [ceremony.seal_secret(s, p) for s, p in zip(secrets_, passphrases, strict=True)]


async def accept_transcript(
    session: AsyncSession, ctx: Acting, election: Election, transcript: Any
) -> None:
    """Record a ceremony the trustees held themselves (uploaded or settled remotely)."""
    require_state(election, "key_ceremony", doing="record the ceremony transcript")
    await _record_transcript(session, ctx, election, transcript, local=False)


async def _record_transcript(
    session: AsyncSession, ctx: Acting, election: Election, transcript: Any, *, local: bool
) -> None:
    """Verify the transcript as the record's verifier will, then publish it with the
    election fingerprint it yields (``ceremony.completed``)."""
    if election.joint_public_key:
        raise Refused("the ceremony transcript is already recorded", code="ceremony_recorded")
    assert election.manifest_hash is not None
    digest = bytes.fromhex(election.manifest_hash)
    try:
        result = ceremony.verify(transcript, digest)
    except ceremony.TranscriptRejected as exc:
        raise invalid(str(exc), "transcript_rejected") from exc
    if (result.k, result.n) != (election.trustees_k, election.trustees_n):
        raise invalid(
            f"the ceremony made {result.k} of {result.n} trustees, but the election asks for "
            f"{election.trustees_k} of {election.trustees_n}",
            "wrong_threshold",
        )
    fingerprint = ceremony.fingerprint(digest, result)
    election.ceremony = json.dumps(transcript, sort_keys=True)
    election.joint_public_key = result.joint_public_key.hex()
    await post(
        session,
        ctx,
        election,
        Kind.CEREMONY,
        {"transcript": transcript, "fingerprint": fingerprint.hex()},
    )
    await log_activity(session, ctx.actor, "ceremony_recorded", ctx.now, election.id, local=local)


async def trustee_submission(
    session: AsyncSession, ctx: Acting, election: Election, seat: ElectionTrustee, public_data: Any
) -> None:
    """Publish one trustee's public ceremony data (``note.ceremony.trustee``)."""
    require_state(election, "key_ceremony", doing="post trustee ceremony data")
    if not isinstance(public_data, dict):
        raise invalid("the trustee's public data must be a JSON object", "not_an_object")
    seat.public_data = json.dumps(public_data, sort_keys=True)
    seat.submitted_at = ctx.now
    await post(
        session,
        ctx,
        election,
        NOTE_CEREMONY_TRUSTEE,
        {"trustee": seat.position, "data": public_data},
    )
    await log_activity(
        session, ctx.actor, "trustee_submission", ctx.now, election.id, trustee=seat.position
    )
