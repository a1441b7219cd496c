"""What the committee (or the clock) does to an election, one function per act.

Controllers, the CLI, the scheduler and the demo all go through here, so every path
writes the same bulletin-board events and audit entries and checks the same rules.
Each function works inside the caller's transaction; the caller commits.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.config import Settings
from ballot.election.lifecycle import IllegalTransition, State, check_transition, roll_editable
from ballot.store import ceremony, tokens
from ballot.store.accounts import find_account
from ballot.store.audit import audit
from ballot.store.board import append_board, count_kinds, sign_board_head
from ballot.store.elections import build_manifest, describe_missing, missing_translations
from ballot.store.models import Account, Election, ElectionTrustee, Voter
from ballot.store.roll import roll_size
from ballot.web import mailing

log = logging.getLogger(__name__)


class OperationError(Exception):
    """Refused act; ``status`` is the HTTP status that fits (409: wrong state, 400: bad input)."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Context:
    """What an act needs besides the database: settings, the board key, who acts, when."""

    settings: Settings
    board_key: Any
    actor: str
    now: datetime
    #: Sees freshly issued tokens (the demo prints a few links); never stores them.
    on_issued: Callable[[list[tokens.IssuedToken]], None] | None = None


async def get_election(session: AsyncSession, election_id: str, *, lock: bool = False) -> Election:
    query = select(Election).where(Election.id == election_id)
    if lock:
        query = query.with_for_update()
    election = await session.scalar(query)
    if election is None:
        raise OperationError(f"no election {election_id}", 404)
    return election


async def _board(
    session: AsyncSession, ctx: Context, election: Election, kind: str, payload: dict[str, Any]
) -> None:
    """Append to the election's board and sign the new head."""
    await append_board(session, election.id, kind, payload, ctx.now)
    await sign_board_head(session, election.id, ctx.board_key, ctx.now)


#: States reached only through the tally (the result entry) or certification, never by
#: asking for the state: each needs its own act and its own board entry.
_BY_ACT_ONLY = {
    "tallied": "the result comes from the tally: take the tally and let the trustees decrypt it",
    "certified": "certify the result (after the objection period) instead",
}


async def transition(
    session: AsyncSession, ctx: Context, election: Election, target: str, *, reason: str = ""
) -> None:
    """Move an election to ``target``, doing everything that step entails.

    The step's board entry is the record's own kind where it has one
    (``election.defined``, ``election.withdrawn``, ``roll.frozen`` + ``election.opened``,
    ``election.closed``); other steps leave a ``note.state``.
    """
    try:
        target_state = State(target)
    except ValueError as exc:
        raise OperationError(f"unknown state {target!r}", 400) from exc
    current = election.state
    try:
        check_transition(State(current), target_state)
    except IllegalTransition as exc:
        raise OperationError(f"{exc} (state: {current}; asked for: {target_state.value})") from exc
    if target_state.value in _BY_ACT_ONLY:
        raise OperationError(
            f"cannot move to {target_state.value} by asking for the state: "
            f"{_BY_ACT_ONLY[target_state.value]} (state: {current}; asked for: {target_state.value})"
        )
    step = _STEPS.get(target_state.value)
    if step is not None:
        await step(session, ctx, election, reason)
    else:
        await _board(
            session, ctx, election, "note.state", {"from": current, "to": target_state.value}
        )
    await set_state(session, ctx, election, target_state.value)


async def set_state(session: AsyncSession, ctx: Context, election: Election, target: str) -> None:
    """Record a state change already written on the board (audit log; flush)."""
    current = election.state
    election.state = target
    await audit(
        session, ctx.actor, "transition", ctx.now, election.id, **{"from": current, "to": target}
    )
    await session.flush()


async def _check_translations(session: AsyncSession, election: Election) -> None:
    missing = await missing_translations(session, election.id)
    if missing:
        raise OperationError(
            "texts are missing for languages on the roll: " + describe_missing(missing)
        )


async def _start_ceremony(
    session: AsyncSession, ctx: Context, election: Election, reason: str
) -> None:
    """Freeze the definition into the manifest the trustees' keys will be bound to."""
    await _check_translations(session, election)
    try:
        manifest = await build_manifest(session, election)
        digest = ceremony.manifest_hash(manifest)
    except ValueError as exc:  # ManifestError, RuleError
        raise OperationError(f"the election definition cannot be used: {exc}", 400) from exc
    election.manifest = json.dumps(manifest, ensure_ascii=False, sort_keys=True)
    election.manifest_hash = digest.hex()
    await _board(
        session,
        ctx,
        election,
        "election.defined",
        {"definition": manifest, "manifest_hash": digest.hex()},
    )


async def _back_to_draft(
    session: AsyncSession, ctx: Context, election: Election, reason: str
) -> None:
    """Withdraw the definition (and any key bound to it); a later definition starts over."""
    withdrawn = election.manifest_hash
    election.manifest = election.manifest_hash = None
    election.ceremony = election.joint_public_key = None
    await _board(
        session,
        ctx,
        election,
        "election.withdrawn",
        {
            "manifest_hash": withdrawn or "",
            "reason": reason.strip() or "returned to draft by the committee",
        },
    )


async def _ready(session: AsyncSession, ctx: Context, election: Election, reason: str) -> None:
    if not election.joint_public_key:
        raise OperationError("the key ceremony is not finished: no joint public key yet")
    await _board(session, ctx, election, "note.state", {"from": election.state, "to": "ready"})


async def _open(session: AsyncSession, ctx: Context, election: Election, reason: str) -> None:
    """Freeze eligibility, issue every voter's token, queue every invitation."""
    await _check_translations(session, election)
    eligible = await roll_size(session, election.id)
    if eligible == 0:
        raise OperationError("the roll is empty: import the voter roll before opening")
    election.eligible_count = eligible
    election.opened_at = ctx.now
    issued = await tokens.issue_tokens(session, election.id, ctx.now)
    if ctx.on_issued is not None:
        ctx.on_issued(issued)
    await append_board(session, election.id, "roll.frozen", {"eligible": eligible}, ctx.now)
    await _board(session, ctx, election, "election.opened", {})
    queued = await mailing.queue_mail(session, ctx.settings, election, issued, kind="invitation")
    await audit(
        session,
        ctx.actor,
        "tokens_issued",
        ctx.now,
        election.id,
        tokens=len(issued),
        invitations=queued,
    )


async def _close(session: AsyncSession, ctx: Context, election: Election, reason: str) -> None:
    """Stop voting; the closing entry states how many ballots the board holds."""
    election.closed_at = ctx.now
    expired = await tokens.expire_tokens(session, election.id, ctx.now)
    counts = await count_kinds(session, election.id, ("ballot.cast", "ballot.challenged"))
    await _board(
        session,
        ctx,
        election,
        "election.closed",
        {"cast": counts["ballot.cast"], "challenged": counts["ballot.challenged"]},
    )
    await audit(session, ctx.actor, "tokens_expired", ctx.now, election.id, tokens=expired)


_STEPS = {
    "key_ceremony": _start_ceremony,
    "draft": _back_to_draft,
    "ready": _ready,
    "open": _open,
    "closed": _close,
}


def require_state(election: Election, *states: str, doing: str) -> None:
    if election.state not in states:
        raise OperationError(
            f"cannot {doing} while the election is {election.state} (only when {' or '.join(states)})"
        )


def require_roll_editable(election: Election) -> None:
    if not roll_editable(election.state):
        raise OperationError(
            f"cannot change the roll while the election is {election.state}: "
            "eligibility is frozen when voting opens"
        )


# --- key ceremony ------------------------------------------------------------------


async def name_trustee(
    session: AsyncSession, ctx: Context, election: Election, email: str, position: int | None
) -> Account:
    """Seat a trustee account at a position, refusing what would spoil the ceremony.

    The API and the committee page both name trustees; one function keeps their checks
    (and their refusals) the same.  A position or account already named is refused here
    rather than left to the database, so the caller gets a clear 400, not a crash.
    ``election`` should be locked by the caller; the caller commits.
    """
    require_state(election, "draft", "key_ceremony", doing="name trustees")
    account = await find_account(session, email)
    if account is None or account.role != "trustee":
        raise OperationError(f"{email or 'that'} is not a trustee account", 400)
    if position is None or not 1 <= position <= election.trustees_n:
        raise OperationError(f"position must be between 1 and {election.trustees_n}", 400)
    taken = await session.scalar(
        select(ElectionTrustee.id).where(
            ElectionTrustee.election_id == election.id,
            (ElectionTrustee.position == position) | (ElectionTrustee.account_id == account.id),
        )
    )
    if taken is not None:
        raise OperationError(f"position {position} or {account.email} is already named", 400)
    session.add(ElectionTrustee(election_id=election.id, account_id=account.id, position=position))
    await audit(
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
    session: AsyncSession, ctx: Context, election: Election, passphrases: list[str]
) -> list[bytes]:
    """Demo ceremony: every trustee's part here; returns their sealed secret key files."""
    require_state(election, "key_ceremony", doing="run the key ceremony")
    if len(passphrases) != election.trustees_n:
        raise OperationError(f"give one passphrase per trustee ({election.trustees_n})", 400)
    assert election.manifest_hash is not None
    transcript, secrets_ = ceremony.local_ceremony(
        election.trustees_k, election.trustees_n, bytes.fromhex(election.manifest_hash)
    )
    await _record_transcript(session, ctx, election, transcript, local=True)
    return [ceremony.seal_secret(s, p) for s, p in zip(secrets_, passphrases, strict=True)]


async def accept_transcript(
    session: AsyncSession, ctx: Context, election: Election, transcript: Any
) -> None:
    require_state(election, "key_ceremony", doing="record the ceremony transcript")
    await _record_transcript(session, ctx, election, transcript, local=False)


async def _record_transcript(
    session: AsyncSession, ctx: Context, election: Election, transcript: Any, *, local: bool
) -> None:
    """Verify the transcript as the record's verifier will, then publish it with the
    election fingerprint it yields (``ceremony.completed``)."""
    if election.joint_public_key:
        raise OperationError("the ceremony transcript is already recorded")
    assert election.manifest_hash is not None
    digest = bytes.fromhex(election.manifest_hash)
    try:
        result = ceremony.verify(transcript, digest)
    except ceremony.TranscriptRejected as exc:
        raise OperationError(str(exc), 400) from exc
    if (result.k, result.n) != (election.trustees_k, election.trustees_n):
        raise OperationError(
            f"the ceremony made {result.k} of {result.n} trustees, but the election asks for "
            f"{election.trustees_k} of {election.trustees_n}",
            400,
        )
    fingerprint = ceremony.fingerprint(digest, result)
    election.ceremony = json.dumps(transcript, sort_keys=True)
    election.joint_public_key = result.joint_public_key.hex()
    await _board(
        session,
        ctx,
        election,
        "ceremony.completed",
        {"transcript": transcript, "fingerprint": fingerprint.hex()},
    )
    await audit(session, ctx.actor, "ceremony_recorded", ctx.now, election.id, local=local)


async def trustee_submission(
    session: AsyncSession, ctx: Context, election: Election, seat: ElectionTrustee, public_data: Any
) -> None:
    require_state(election, "key_ceremony", doing="post trustee ceremony data")
    if not isinstance(public_data, dict):
        raise OperationError("the trustee's public data must be a JSON object", 400)
    seat.public_data = json.dumps(public_data, sort_keys=True)
    seat.submitted_at = ctx.now
    await _board(
        session,
        ctx,
        election,
        "note.ceremony.trustee",
        {"trustee": seat.position, "data": public_data},
    )
    await audit(
        session, ctx.actor, "trustee_submission", ctx.now, election.id, trustee=seat.position
    )


# --- voters and tokens ---------------------------------------------------------------


async def find_voter(session: AsyncSession, election: Election, member_id: str) -> Voter:
    voter = await session.scalar(
        select(Voter).where(Voter.election_id == election.id, Voter.member_id == member_id)
    )
    if voter is None:
        raise OperationError(f"member {member_id} is not on the roll", 404)
    return voter


async def reissue(session: AsyncSession, ctx: Context, election: Election, voter: Voter) -> None:
    require_state(election, "open", doing="reissue a voting link")
    try:
        issued = await tokens.reissue_token(session, voter, ctx.now)
    except tokens.TokenError as exc:
        raise OperationError(str(exc)) from exc
    await mailing.queue_mail(session, ctx.settings, election, [issued], kind="invitation")
    await audit(session, ctx.actor, "token_reissued", ctx.now, election.id, member=voter.member_id)


async def revoke(
    session: AsyncSession, ctx: Context, election: Election, voter: Voter, *, voted_on_paper: bool
) -> None:
    require_state(election, "open", doing="revoke a voting link")
    try:
        await tokens.revoke_token(session, voter, ctx.now, voted_on_paper=voted_on_paper)
    except tokens.TokenError as exc:
        raise OperationError(str(exc)) from exc
    await audit(
        session,
        ctx.actor,
        "token_revoked",
        ctx.now,
        election.id,
        member=voter.member_id,
        voted_on_paper=voted_on_paper,
    )


async def send_reminders(session: AsyncSession, ctx: Context, election: Election) -> int:
    """Remind every member who has not voted; each gets a fresh link (the old one dies)."""
    require_state(election, "open", doing="send reminders")
    pending = list(
        await session.scalars(
            select(Voter).where(Voter.election_id == election.id, Voter.voted_at.is_(None))
        )
    )
    issued = []
    for voter in pending:
        if await _has_live_token(session, voter):
            issued.append(await tokens.reissue_token(session, voter, ctx.now))
    queued = await mailing.queue_mail(session, ctx.settings, election, issued, kind="reminder")
    await audit(session, ctx.actor, "reminders", ctx.now, election.id, count=queued)
    return queued


async def _has_live_token(session: AsyncSession, voter: Voter) -> bool:
    from ballot.store.models import VoterToken

    found = await session.scalar(
        select(VoterToken.id).where(VoterToken.voter_id == voter.id, VoterToken.status == "active")
    )
    return found is not None


# --- the clock -------------------------------------------------------------------------


async def apply_schedule(session: AsyncSession, ctx: Context) -> list[tuple[str, str]]:
    """Open ready elections whose time has come and close open ones whose time is up.

    Called by the mail worker loop and periodically by the server; safe to run from
    both at once (each election row is locked and its state re-checked).  Commits per
    election so one failure does not hold back the others.
    """
    now = ctx.now
    due = list(
        await session.scalars(
            select(Election.id).where(
                ((Election.state == "ready") & (Election.opens_at <= now))
                | ((Election.state == "open") & (Election.closes_at <= now))
            )
        )
    )
    done: list[tuple[str, str]] = []
    for election_id in due:
        try:
            election = await get_election(session, election_id, lock=True)
            if election.state == "ready" and election.opens_at and election.opens_at <= now:
                target = "open"  # if also past closing, the next tick closes it
            elif election.state == "open" and election.closes_at and election.closes_at <= now:
                target = "closed"
            else:
                await session.rollback()
                continue
            await transition(session, ctx, election, target)
            await session.commit()
            done.append((election_id, target))
        except OperationError as exc:
            await session.rollback()
            log.warning("scheduled step for election %s refused: %s", election_id, exc.message)
    return done
