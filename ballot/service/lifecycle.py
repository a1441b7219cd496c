"""Moving an election through its states, doing everything each step entails.

Each step writes the record's own board entry where it has one (``election.defined``,
``election.withdrawn``, ``roll.frozen`` + ``election.opened``, ``election.closed``);
other steps leave a ``note.state``.  Every state change goes in the activity log.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ballot.crypto.manifest import ElectionManifest
from ballot.election.lifecycle import IllegalTransition, State, check_transition
from ballot.election.refusal import Refused
from ballot.election.result import check_rule
from ballot.record.kinds import NOTE_STATE, Kind
from ballot.service import mailing
from ballot.service.acting import Acting, invalid, post
from ballot.service.setup import require_setup_complete
from ballot.store import ceremony, tokens
from ballot.store.activity import log_activity
from ballot.store.aliases import assign_aliases, clear_aliases, uses_aliases
from ballot.store.board import append_board, count_kinds
from ballot.store.elections import build_manifest, describe_missing, missing_translations
from ballot.store.models import Election
from ballot.store.revotes import count_replaced
from ballot.store.roll import roll_size

#: States reached only through the count (the result entry) or certification, never by
#: asking for the state: each needs its own act and its own board entry.
_BY_ACT_ONLY = {
    "tallied": "the result comes from the tally: take the tally and let the trustees decrypt it",
    "certified": "certify the result (after the objection period) instead",
    "mixing": "the ranked ballots are mixed after the final result, by the trustees' shuffles",
    "decrypting_mixed": "the mixed ballots are decrypted once every shuffle is in",
}


async def transition(
    session: AsyncSession, ctx: Acting, election: Election, target: str, *, reason: str = ""
) -> None:
    """Move an election to ``target``, doing everything that step entails."""
    try:
        target_state = State(target)
    except ValueError as exc:
        raise invalid(f"unknown state {target!r}", "unknown_state") from exc
    current = election.state
    try:
        check_transition(State(current), target_state)
    except IllegalTransition as exc:
        raise Refused(
            f"{exc} (state: {current}; asked for: {target_state.value})", code="wrong_state"
        ) from exc
    if target_state.value in _BY_ACT_ONLY:
        raise Refused(
            f"cannot move to {target_state.value} by asking for the state: "
            f"{_BY_ACT_ONLY[target_state.value]} (state: {current}; asked for: {target_state.value})",
            code="by_act_only",
        )
    step = _STEPS.get(target_state.value)
    if step is not None:
        await step(session, ctx, election, reason)
    else:
        await post(session, ctx, election, NOTE_STATE, {"from": current, "to": target_state.value})
    await set_state(session, ctx, election, target_state.value)


async def set_state(session: AsyncSession, ctx: Acting, election: Election, target: str) -> None:
    """Record a state change already written on the board (activity log; flush)."""
    current = election.state
    election.state = target
    await log_activity(
        session, ctx.actor, "transition", ctx.now, election.id, **{"from": current, "to": target}
    )
    await session.flush()


async def _check_translations(session: AsyncSession, election: Election) -> None:
    missing = await missing_translations(session, election.id)
    if missing:
        raise Refused(
            "texts are missing for languages on the roll: " + describe_missing(missing),
            code="translations_missing",
        )


async def _start_ceremony(
    session: AsyncSession, ctx: Acting, election: Election, reason: str
) -> None:
    """Freeze the definition into the manifest the trustees' keys will be bound to."""
    await _check_translations(session, election)
    # The key that signs the board is part of what the trustees' keys are bound to: the one
    # this server signs with now (set at creation too; a draft from before protocol v2, or a
    # server whose key was replaced since, gets it here).
    election.board_key = ctx.board_key.public_hex
    try:
        manifest = await build_manifest(session, election)
        check_rule(manifest, ElectionManifest.from_definition(manifest))
        digest = ceremony.manifest_hash(manifest)
    except ValueError as exc:  # ManifestError, RuleError
        raise invalid(
            f"the election definition cannot be used: {exc}", "definition_unusable"
        ) from exc
    election.manifest = json.dumps(manifest, ensure_ascii=False, sort_keys=True)
    election.manifest_hash = digest.hex()
    await post(
        session,
        ctx,
        election,
        Kind.DEFINED,
        {"definition": manifest, "manifest_hash": digest.hex()},
    )


async def _back_to_draft(
    session: AsyncSession, ctx: Acting, election: Election, reason: str
) -> None:
    """Withdraw the definition (and any key bound to it); a later definition starts over."""
    withdrawn = election.manifest_hash
    election.manifest = election.manifest_hash = None
    election.ceremony = election.joint_public_key = None
    await post(
        session,
        ctx,
        election,
        Kind.WITHDRAWN,
        {
            "manifest_hash": withdrawn or "",
            "reason": reason.strip() or "returned to draft by the committee",
        },
    )


async def _ready(session: AsyncSession, ctx: Acting, election: Election, reason: str) -> None:
    if not election.joint_public_key:
        raise Refused(
            "the key ceremony is not finished: no joint public key yet", code="no_joint_key"
        )
    await require_setup_complete(session, ctx, election)
    await post(session, ctx, election, NOTE_STATE, {"from": election.state, "to": "ready"})


async def _open(session: AsyncSession, ctx: Acting, election: Election, reason: str) -> None:
    """Freeze eligibility (committing the roll's aliases, protocol v2), issue every voter's
    token, queue every invitation.  Refused until the set-up checklist is complete (checked
    again here: the scheduler opens a ready election, and a step may have come undone)."""
    await _check_translations(session, election)
    await require_setup_complete(session, ctx, election)
    eligible = await roll_size(session, election.id)
    if eligible == 0:
        raise Refused("the roll is empty: import the voter roll before opening", code="roll_empty")
    roll: dict[str, Any] = {"eligible": eligible}
    if uses_aliases(election):
        roll["aliases"] = await assign_aliases(session, election.id)
        roll["eligible"] = eligible = len(roll["aliases"])
    else:
        await clear_aliases(session, election.id)
    election.eligible_count = eligible
    election.opened_at = ctx.now
    issued = await tokens.issue_tokens(session, election.id, ctx.now)
    if ctx.on_issued is not None:
        ctx.on_issued(issued)
    await append_board(session, election.id, Kind.ROLL, roll, ctx.now)
    await post(session, ctx, election, Kind.OPENED, {})
    queued = await mailing.queue_mail(session, ctx.settings, election, issued, kind="invitation")
    await log_activity(
        session,
        ctx.actor,
        "tokens_issued",
        ctx.now,
        election.id,
        tokens=len(issued),
        invitations=queued,
    )


async def _close(session: AsyncSession, ctx: Acting, election: Election, reason: str) -> None:
    """Stop voting; the closing entry states how many ballots the board holds."""
    election.closed_at = ctx.now
    expired = await tokens.expire_tokens(session, election.id, ctx.now)
    counts = await count_kinds(session, election.id, (Kind.CAST, Kind.CHALLENGED))
    closed = {"cast": counts[Kind.CAST], "challenged": counts[Kind.CHALLENGED]}
    if election.revoting:  # PROTOCOL 11.10: the last ballot of each member counts
        replaced = await count_replaced(session, election.id)
        closed.update(counted=counts[Kind.CAST] - replaced, replaced=replaced)
    await post(session, ctx, election, Kind.CLOSED, closed)
    await log_activity(session, ctx.actor, "tokens_expired", ctx.now, election.id, tokens=expired)


_Step = Callable[[AsyncSession, Acting, Election, str], Awaitable[None]]
_STEPS: dict[str, _Step] = {
    "key_ceremony": _start_ceremony,
    "draft": _back_to_draft,
    "ready": _ready,
    "open": _open,
    "closed": _close,
}
