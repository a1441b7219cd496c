"""The set-up checklist's facts and the committee's set-up acts: the test message, the notice.

:func:`setup_steps` gathers what :func:`ballot.election.checklist.checklist` needs from the
store; :func:`require_setup_complete` is what the ``ready`` and ``open`` steps call (when
``BALLOT_SETUP_CHECKLIST`` is on) so that a vote that is not ready cannot open, whichever
door asks (page, API, scheduler).  Each act here is in the activity log, never on the
public board: none of them changes what members vote on or how it is counted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.crypto.manifest import ElectionManifest
from ballot.election.checklist import SentTestMessage, SetupFacts, Step, checklist, incomplete
from ballot.election.languages import LANGUAGES
from ballot.election.local_time import utc_to_local
from ballot.election.refusal import Refused
from ballot.election.result import check_rule
from ballot.service import mailing
from ballot.service.acting import Acting, invalid, require_state
from ballot.service.elections import translations_signed_off
from ballot.store.activity import log_activity
from ballot.store.aliases import uses_aliases
from ballot.store.elections import (
    build_manifest,
    missing_translations,
    questions_of,
    texts_by_language,
)
from ballot.store.models import Account, Election, ElectionTrustee
from ballot.store.outbox import OutboxMessage
from ballot.store.roll import roll_size
from ballot.store.roll_desk_tables import RollDraft
from ballot.store.setup_tables import ElectionNotice, SetupTestMessage, TrusteeRehearsal

#: States in which the committee sends test messages and records the notice: before opening.
BEFORE_OPENING = ("draft", "key_ceremony", "ready")
MAX_PLACE = 500


async def _definition_problem(session: AsyncSession, election: Election) -> str | None:
    """Why the definition (its rule above all) cannot be frozen, as the ceremony would say."""
    try:
        manifest: Any = (
            json.loads(election.manifest)
            if election.manifest
            else await build_manifest(session, election)
        )
        check_rule(manifest, ElectionManifest.from_definition(manifest))
    except (ValueError, TypeError) as exc:
        return str(exc)
    return None


async def _seats(session: AsyncSession, election_id: str) -> dict[int, str]:
    rows = await session.execute(
        select(ElectionTrustee.position, Account.email)
        .join(Account, Account.id == ElectionTrustee.account_id)
        .where(ElectionTrustee.election_id == election_id)
    )
    return {position: email for position, email in rows.all()}


async def rehearsed(session: AsyncSession, election: Election) -> dict[int, datetime]:
    """Trustee position -> when a rehearsal last proved their key for the current joint key."""
    if not election.joint_public_key:
        return {}
    rows = await session.execute(
        select(TrusteeRehearsal.position, func.max(TrusteeRehearsal.proved_at))
        .where(
            TrusteeRehearsal.election_id == election.id,
            TrusteeRehearsal.joint_public_key == election.joint_public_key,
            TrusteeRehearsal.proved_at.is_not(None),
        )
        .group_by(TrusteeRehearsal.position)
    )
    return {position: at for position, at in rows.all() if at is not None}


async def latest_test_message(session: AsyncSession, election_id: str) -> SentTestMessage | None:
    row = (
        await session.execute(
            select(SetupTestMessage, OutboxMessage.status)
            .outerjoin(OutboxMessage, OutboxMessage.id == SetupTestMessage.outbox_id)
            .where(SetupTestMessage.election_id == election_id)
            .order_by(SetupTestMessage.id.desc())
            .limit(1)
        )
    ).first()
    if row is None:
        return None
    sent, status = row
    return SentTestMessage(
        sent.to_address, sent.language, sent.queued_at, status or "sent", sent.confirmed_at
    )


async def latest_notice(session: AsyncSession, election_id: str) -> ElectionNotice | None:
    return await session.scalar(
        select(ElectionNotice)
        .where(ElectionNotice.election_id == election_id)
        .order_by(ElectionNotice.id.desc())
        .limit(1)
    )


async def setup_facts(session: AsyncSession, election: Election, now: datetime) -> SetupFacts:
    texts = await texts_by_language(session, election.id)
    questions = await questions_of(session, election.id)
    missing = await missing_translations(session, election.id)
    signed = await translations_signed_off(session, election.id)
    notice = await latest_notice(session, election.id)
    return SetupFacts(
        now=now,
        title=bool(texts.get("en", {}).get("title", "").strip()),
        questions=len(questions),
        short_questions=tuple(i for i, (_q, o) in enumerate(questions, start=1) if len(o) < 2),
        opens_at=election.opens_at,
        closes_at=election.closes_at,
        rule_problem=(await _definition_problem(session, election)) if questions else None,
        missing_texts={language: len(keys) for language, keys in missing.items()},
        signed_off={language: found is not None for language, found in signed.items()},
        roll_size=await roll_size(session, election.id),
        roll_draft_waiting=bool(
            await session.scalar(select(exists().where(RollDraft.election_id == election.id)))
        ),
        trustees_n=election.trustees_n,
        seats=await _seats(session, election.id),
        ceremony_done=bool(election.joint_public_key),
        rehearsed=await rehearsed(session, election),
        test_message=await latest_test_message(session, election.id),
        notice=(notice.posted_on, notice.place) if notice is not None else None,
    )


async def setup_steps(session: AsyncSession, election: Election, now: datetime) -> list[Step]:
    return checklist(await setup_facts(session, election, now))


async def require_setup_complete(session: AsyncSession, ctx: Acting, election: Election) -> None:
    """Refuse (``setup_incomplete``) while any step of the checklist is not done."""
    if not ctx.settings.setup_checklist:
        return
    todo = incomplete(await setup_steps(session, election, ctx.now))
    if todo:
        raise Refused(
            "the set-up checklist is not complete: "
            + "; ".join(f"{s.title} ({' '.join(m.english() for m in s.missing)})" for s in todo),
            code="setup_incomplete",
            details={"code": "setup_incomplete", "missing": [s.key for s in todo]},
        )


# --- the test message ----------------------------------------------------------------


def _address(text: str) -> str:
    address = text.strip()
    local, _, domain = address.partition("@")
    if (
        not local
        or "." not in domain
        or len(address) > 320
        or any(c.isspace() or c in "<>,;\"'" for c in address)
    ):
        raise invalid("give one e-mail address, like committee@example.org", "bad_address")
    return address


def invitation_preview(settings: Any, election: Election, texts: Any, language: str) -> Any:
    """The invitation as a member reading ``language`` receives it, with an example link
    (and an example alias when the election gives members aliases)."""
    aliased = uses_aliases(election) or (not election.manifest and bool(election.board_key))
    return mailing.invitation_message(
        settings,
        election,
        texts,
        language,
        token=mailing.EXAMPLE_TOKEN,
        alias=mailing.ALIAS_PLACEHOLDER if aliased else None,
    )


@dataclass(frozen=True)
class TextPreview:
    """A text message as a member receives it, and what it costs (:mod:`ballot.sms.segments`)."""

    kind: str  #: invitation or reminder
    text: str
    encoding: str  #: GSM-7 or UCS-2
    units: int  #: septets or UTF-16 code units
    parts: int
    room: int  #: the units that many parts hold
    budget: int  #: the most parts a member's text may take in this encoding


def text_previews(
    settings: Any, election: Election, texts: Any, languages: list[str]
) -> dict[str, list[TextPreview]]:
    """Each language's invitation and reminder text messages, with an example link of a real
    link's length; empty until the election has a closing time (the texts say it)."""
    from ballot.sms.segments import PER_PART, SINGLE, segments
    from ballot.sms.texts import BUDGET

    if election.closes_at is None:
        return {}
    out: dict[str, list[TextPreview]] = {}
    for language in languages:
        out[language] = []
        for kind in ("invitation", "reminder"):
            text = mailing.text_message(
                settings, election, texts, language, kind=kind, token=mailing.SMS_EXAMPLE_TOKEN
            )
            cost = segments(text)
            per = SINGLE if cost.count <= 1 else PER_PART
            out[language].append(
                TextPreview(
                    kind,
                    text,
                    cost.encoding.value,
                    cost.units,
                    cost.count,
                    per[cost.encoding.value] * max(1, cost.count),
                    BUDGET[cost.encoding],
                )
            )
    return out


async def send_test_message(
    session: AsyncSession, ctx: Acting, election: Election, to_address: str, language: str
) -> SetupTestMessage:
    """Queue an invitation-shaped message marked as a test, with an example link (no token
    is issued), to an address the committee reads."""
    from ballot.mail import outbox

    require_state(election, *BEFORE_OPENING, doing="send a test message")
    address = _address(to_address)
    if language not in LANGUAGES:
        raise invalid(f"choose one of {', '.join(LANGUAGES)}", "unknown_language")
    texts = await texts_by_language(session, election.id)
    aliased = uses_aliases(election) or (not election.manifest and bool(election.board_key))
    message = mailing.invitation_message(
        ctx.settings,
        election,
        texts,
        language,
        token=mailing.EXAMPLE_TOKEN,
        alias=mailing.ALIAS_PLACEHOLDER if aliased else None,
        test=True,
    )
    committee, _zone = mailing.identity_of(election)
    queued = outbox.enqueue(
        session,
        election_id=election.id,
        voter_ref=None,
        kind="test",
        to_address=address,
        language=language,
        subject=message.subject,
        body_text=message.text,
        body_html=message.html,
        reply_to=committee.reply_to or None,
    )
    await session.flush()
    sent = SetupTestMessage(
        election_id=election.id,
        to_address=address,
        language=language,
        outbox_id=queued.id,
        queued_at=ctx.now,
    )
    session.add(sent)
    await session.flush()
    await log_activity(
        session, ctx.actor, "test_message_sent", ctx.now, election.id, to=address, language=language
    )
    return sent


async def confirm_test_message(session: AsyncSession, ctx: Acting, election: Election) -> None:
    """The committee saw the latest test message arrive (refused until it was sent)."""
    require_state(election, *BEFORE_OPENING, doing="confirm the test message")
    row = await session.scalar(
        select(SetupTestMessage)
        .where(SetupTestMessage.election_id == election.id)
        .order_by(SetupTestMessage.id.desc())
        .limit(1)
    )
    if row is None:
        raise Refused("send a test message first", code="no_test_message")
    queued = await session.get(OutboxMessage, row.outbox_id) if row.outbox_id else None
    if queued is not None and queued.status == "failed":
        raise Refused(
            f"the test message to {row.to_address} could not be delivered "
            f"({queued.last_error or 'no reason given'}): check the mail settings and send "
            "another",
            code="test_message_failed",
        )
    if queued is not None and queued.status != "sent":
        raise Refused(
            f"the test message to {row.to_address} has not been sent yet: the mail worker "
            "sends it within a minute or two; confirm once it has arrived",
            code="test_message_not_sent",
        )
    row.confirmed_at, row.confirmed_by = ctx.now, ctx.actor
    await log_activity(
        session, ctx.actor, "test_message_arrived", ctx.now, election.id, to=row.to_address
    )


# --- the notice of election --------------------------------------------------------


def _posted_on(text: str, election: Election, now: datetime) -> date:
    try:
        posted = date.fromisoformat(text.strip())
    except ValueError:
        raise invalid("give the date the notice was posted, like 2026-05-01", "bad_date") from None
    if posted > utc_to_local(now, election.time_zone or "UTC").date():
        raise invalid("the notice cannot have been posted after today", "date_in_future")
    return posted


async def record_notice(
    session: AsyncSession,
    ctx: Acting,
    election: Election,
    posted_on: str,
    place: str,
) -> ElectionNotice:
    """Record where and when the committee posted the notice of election."""
    require_state(election, *BEFORE_OPENING, doing="record the notice of election")
    where = " ".join(place.split())
    if not where:
        raise invalid("say where the notice was posted", "place_needed")
    if len(where) > MAX_PLACE:
        raise invalid(f"say where in at most {MAX_PLACE} characters", "place_too_long")
    notice = ElectionNotice(
        election_id=election.id,
        posted_on=_posted_on(posted_on, election, ctx.now),
        place=where,
        recorded_at=ctx.now,
        recorded_by=ctx.actor,
    )
    session.add(notice)
    await session.flush()
    await log_activity(
        session,
        ctx.actor,
        "notice_posted",
        ctx.now,
        election.id,
        posted_on=notice.posted_on.isoformat(),
        place=where,
    )
    return notice
