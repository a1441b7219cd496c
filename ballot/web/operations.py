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
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.config import Settings
from ballot.election.lifecycle import IllegalTransition, State, check_transition, roll_editable
from ballot.store import ceremony, challenged, tally, tokens
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


# --- the count: tally rounds, challenges, certification ------------------------------

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


def _refused(exc: tally.TallyProblem) -> OperationError:
    return OperationError(exc.message, exc.status)


def _keys(election: Election) -> tally.ElectionKeys:
    try:
        return tally.election_keys(election)
    except tally.TallyProblem as exc:
        raise _refused(exc) from exc
    except ceremony.TranscriptRejected as exc:
        raise OperationError(f"the stored {exc}", 500) from exc


async def take_tally(session: AsyncSession, ctx: Context, election: Election) -> TakenTally:
    """Sum the counted ballots into the next round's encrypted tally (``tally.encrypted``).

    Round 1 after closing; round 2 only when round 1's challenges were determinative and
    every challenge has since been decided.  ``election`` must be locked by the caller.
    """
    require_state(election, "closed", doing="take the tally")
    keys = _keys(election)
    state = await tally.count_state(session, election.id)
    pending = state.pending_round
    if pending is not None:
        raise OperationError(
            f"the round {pending} tally is already taken and awaits the trustees' decryptions"
        )
    if not state.tallies:
        round_ = 1
    elif 1 in state.results and 2 not in state.tallies and state.result(1)["determinative"]:
        undecided = state.undecided()
        if undecided:
            raise OperationError(
                f"the challenges are determinative: decide every challenged ballot before the "
                f"second count ({len(undecided)} undecided: {', '.join(undecided)})"
            )
        round_ = 2
    else:
        raise OperationError("the count is finished: there is no further round to take")
    overruled = state.overruled()
    encrypted, cast = await tally.encrypted_tally(session, election.id, keys.manifest, overruled)
    payload: dict[str, Any] = {
        "round": round_,
        "tally": encrypted.to_json(),
        "counted": {"cast": cast, "overruled": overruled},
    }
    min_size = keys.min_size
    if min_size is not None:
        # Pools are decided by round 1's counted ballots and kept for round 2 (PROTOCOL 10.5).
        first = overruled if round_ == 1 else state.tally_payload(1)["counted"]["overruled"]
        units = await tally.unit_tallies(
            session, election.id, keys.manifest, min_size, overruled, first
        )
        payload["units"] = {pool: subtotal.to_json() for pool, subtotal in units.items()}
    row = await append_board(session, election.id, tally.KIND_TALLY, payload, ctx.now)
    await sign_board_head(session, election.id, ctx.board_key, ctx.now)
    warning = (
        SINGLE_OVERRULED_WARNING
        if round_ == 2 and len(state.added_after_round_one()) == 1
        else None
    )
    await audit(
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
    state = await tally.count_state(session, election.id)
    round_ = state.pending_round
    if round_ is None or election.state != "closed":
        raise OperationError(
            "no tally awaits decryption"
            + (" yet: the committee takes it after voting closes" if not state.tallies else "")
        )
    keys = _keys(election)
    row = state.tallies[round_]
    payload = tally.parse_tally(keys, row)
    body = json.loads(row.payload)
    return {
        "round": round_,
        "seq": row.seq,
        "entry_hash": row.hash,
        "tally": body["tally"],
        "counted": body["counted"],
        "labels": list(tally.labelled(payload)),
        "trustees": {"k": keys.k, "n": keys.n},
        "submitted": sorted(state.partials.get(round_, {})),
        **({"units": body["units"]} if "units" in body else {}),
    }


async def accept_partials(
    session: AsyncSession,
    ctx: Context,
    election: Election,
    trustee_index: int,
    round_: int,
    partials_json: Any,
    units_json: Any = None,
) -> AcceptedPartials:
    """Check one trustee's partial decryptions and post them; with k in, post the result.

    An invalid submission is refused (400, naming the trustee) and nothing is written.
    The result is made by the verifier's own function; a result that is final (round 2,
    or round 1 with challenges not determinative) makes the election *tallied*
    (provisional until certified).  ``election`` must be locked by the caller.
    """
    require_state(election, "closed", doing="accept partial decryptions")
    keys = _keys(election)
    state = await tally.count_state(session, election.id)
    pending = state.pending_round
    if pending is None:
        raise OperationError("no tally awaits decryption")
    if round_ != pending:
        raise OperationError(f"the tally awaiting decryption is round {pending}, not {round_}")
    submitted = state.partials.get(pending, {})
    if trustee_index in submitted:
        raise OperationError(
            f"trustee {trustee_index} has already submitted partial decryptions for round {pending}"
        )
    encrypted = tally.parse_tally(keys, state.tallies[pending])
    with_units = keys.min_size is not None
    units = tally.parse_units(keys, state.tallies[pending])
    try:
        parsed = tally.check_partials(keys, encrypted, trustee_index, partials_json)
        unit_parsed = (
            tally.check_unit_partials(keys, units, trustee_index, units_json) if with_units else {}
        )
    except tally.TallyProblem as exc:
        raise _refused(exc) from exc
    posted: dict[str, Any] = {
        "round": pending,
        "trustee": trustee_index,
        "partials": [p.to_json() for p in parsed],
    }
    if with_units:
        posted["units"] = {pool: [p.to_json() for p in ps] for pool, ps in unit_parsed.items()}
    row = await append_board(session, election.id, tally.KIND_PARTIAL, posted, ctx.now)
    await audit(
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
        submissions = {t: tally.parse_partials(r) for t, r in submitted.items()}
        submissions[trustee_index] = parsed
        counted = state.tally_payload(pending)["counted"]
        try:
            unit_counts = None
            if with_units:
                unit_subs = {t: tally.parse_unit_partials(r) for t, r in submitted.items()}
                unit_subs[trustee_index] = unit_parsed
                unit_counts = tally.combine_units(keys, units, unit_subs)
            result = tally.combine_result(
                keys,
                encrypted,
                submissions,
                eligible=election.eligible_count or 0,
                cast=counted["cast"],
                challenged=len(state.challenges),
                sustained=len(state.sustained()),
                overruled=len(counted["overruled"]),
                units=unit_counts,
            )
        except tally.TallyProblem as exc:
            raise _refused(exc) from exc
        await append_board(
            session,
            election.id,
            tally.KIND_RESULT,
            {"round": pending, "result": result},
            ctx.now,
        )
        await audit(
            session,
            ctx.actor,
            "result_posted",
            ctx.now,
            election.id,
            round=pending,
            determinative=result["determinative"],
        )
        if pending == tally.MAX_ROUNDS or not result["determinative"]:
            election.tallied_at = ctx.now
            await set_state(session, ctx, election, "tallied")
    await sign_board_head(session, election.id, ctx.board_key, ctx.now)
    await session.flush()
    return AcceptedPartials(row.seq, result is not None, result, pending)


DECISIONS = ("sustained", "overruled")


async def decide_challenge(
    session: AsyncSession,
    ctx: Context,
    election: Election,
    challenge_id: str,
    decision: str,
    reason: str,
) -> str | None:
    """Record the committee's decision on one challenged ballot (``challenge.decided``).

    Allowed once voting is closed: before the first count (the parties agreed) or after
    a determinative round 1, never while a tally awaits decryption.  Returns the warning
    to show when the decisions now make exactly one ballot's vote deducible.
    ``election`` must be locked by the caller.
    """
    require_state(election, "closed", doing="decide a challenge")
    if decision not in DECISIONS:
        raise OperationError("the decision must be 'sustained' or 'overruled'", 400)
    if not isinstance(reason, str) or not reason.strip():
        raise OperationError("give the reason for the decision", 400)
    state = await tally.count_state(session, election.id)
    if state.pending_round is not None:
        raise OperationError(
            f"the round {state.pending_round} tally awaits decryption: decide challenges "
            "before the count or after its result"
        )
    if 2 in state.tallies:
        raise OperationError("the second count is taken: every challenge was already decided")
    found = await challenged.find_challenged(session, election.id, challenge_id)
    if found is None:
        raise OperationError(f"no challenged ballot {challenge_id!r} in this election", 404)
    if challenge_id in state.decisions or found.decision is not None:
        raise OperationError(f"challenge {challenge_id} is already decided")
    found.decision = decision
    await _board(
        session,
        ctx,
        election,
        tally.KIND_DECIDED,
        {"challenge": challenge_id, "decision": decision, "reason": reason.strip()},
    )
    await audit(
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


def single_overruled_warning(state: tally.CountState) -> str | None:
    """The warning, when round 2 would add exactly one overruled ballot to round 1's."""
    deducible = len(state.added_after_round_one()) == 1
    return (
        SINGLE_OVERRULED_WARNING
        if 1 in state.results and 2 not in state.tallies and deducible
        else None
    )


async def challenges_view(session: AsyncSession, election: Election) -> dict[str, Any]:
    """The challenged pool for the committee: each envelope, its decision, where the count is."""
    state = await tally.count_state(session, election.id)
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


def next_round(election: Election, state: tally.CountState) -> int | None:
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


async def certify(session: AsyncSession, ctx: Context, election: Election, reason: str) -> int:
    """Certify the final result once the objection period is over (``result.certified``).

    Returns the board entry's seq.  ``election`` must be locked by the caller.
    """
    require_state(election, "tallied", doing="certify the result")
    if not isinstance(reason, str) or not reason.strip():
        raise OperationError("give the reason (for example: no objections were filed)", 400)
    deadline = objection_deadline(election)
    if deadline is None or ctx.now < deadline:
        until = deadline.isoformat() if deadline else "unknown"
        raise OperationError(
            f"the objection period runs until {until}: the result can be certified after it"
        )
    state = await tally.count_state(session, election.id)
    final = state.final_round
    if final is None or state.certified is not None:
        raise OperationError("there is no final result to certify")
    result_row = state.results[final]
    row = await append_board(
        session,
        election.id,
        tally.KIND_CERTIFIED,
        {"round": final, "result_hash": result_row.hash, "reason": reason.strip()},
        ctx.now,
    )
    await sign_board_head(session, election.id, ctx.board_key, ctx.now)
    election.certified_at = ctx.now
    await set_state(session, ctx, election, "certified")
    await audit(session, ctx.actor, "result_certified", ctx.now, election.id, round=final)
    return row.seq
