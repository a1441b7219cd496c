"""Queue the election's emails and text messages through the mail layer's outbox.

Invitations go out at opening, in each voter's own language, with the member's alias and
the election's fingerprint (protocol v2); reminders carry a fresh token (tokens are stored
only as hashes, so an old link cannot be mailed again: the reminder replaces it, and the
old link stops working).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ballot.config import Settings
from ballot.election.identity import Committee, committee_of, time_zone_of
from ballot.store.elections import texts_by_language
from ballot.store.tokens import IssuedToken


def identity_of(election: Any) -> tuple[Committee, str]:
    """The committee and the time zone the election's mail is written with: from the
    manifest (the definition the keys are bound to), else from the election row if it
    holds them, else none and UTC."""
    definition: dict[str, Any] = {}
    if getattr(election, "manifest", None):
        loaded = json.loads(election.manifest)
        definition = loaded if isinstance(loaded, dict) else {}
    else:
        for key in ("time_zone", "committee"):
            if getattr(election, key, None) is not None:
                definition[key] = getattr(election, key)
    return committee_of(definition), time_zone_of(definition)


def voter_link(settings: Settings, token: str) -> str:
    return f"{settings.base_url}/v/{token}"


#: Stands in for the token while a language's message is rendered once (URL-safe, 43 chars).
PLACEHOLDER = "BALLOTxLINKxPLACEHOLDERxxxxxxxxxxxxxxxxxxxx"
#: Stands in for the member's alias likewise (an alias's length and form, never drawn: the
#: alphabet has no U).
ALIAS_PLACEHOLDER = "UUUUU-UUUUU"


def alias_lookup_link(settings: Settings, election_id: str) -> str:
    """The public page where a member looks up their alias (PROTOCOL 11.8)."""
    return f"{settings.base_url}/board/{election_id}/alias"


def _fingerprint(election: Any) -> str | None:
    """The election's fingerprint, grouped for reading (None before its key ceremony)."""
    from ballot.election.refusal import Refused
    from ballot.store.casting import election_context

    try:
        return election_context(election).fingerprint_grouped
    except Refused:
        return None


#: The link a preview or a test message shows instead of a member's own: it opens no ballot.
EXAMPLE_TOKEN = "EXAMPLE-not-a-voting-link"  # noqa: S105 (opens nothing)
#: The same for a text message's preview, as long as a real token (43 characters), so that
#: the preview's parts are those of the texts members receive.
SMS_EXAMPLE_TOKEN = "EXAMPLE-not-a-voting-link-same-length-as-it"  # noqa: S105


def invitation_message(
    settings: Settings,
    election: Any,
    texts: dict[str, dict[str, str]],
    language: str,
    *,
    kind: str = "invitation",
    token: str = PLACEHOLDER,
    alias: str | None = None,
    test: bool = False,
) -> Any:
    """One language's invitation (or reminder) as members receive it, with ``token`` in
    the link and ``alias`` as the member's alias (None: the election uses none).

    The one renderer of the election's mail: opening, reminders, the committee's preview
    and its test message all go through it, so what the committee checks is what is sent.
    """
    from ballot.mail import messages

    english = texts.get("en", {})
    committee, time_zone = identity_of(election)
    title = texts.get(language, {}).get("title") or english.get("title", "")
    common = {
        "election_title": title,
        "opens_at": election.opens_at or election.opened_at,
        "closes_at": election.closes_at or "",
        "link": voter_link(settings, token),
        "committee": committee,
        "time_zone": time_zone,
    }
    if kind != "invitation":
        return messages.render_reminder(language, **common)
    return messages.render_invitation(
        language,
        **common,
        alias_lookup=alias_lookup_link(settings, election.id),
        fingerprint=_fingerprint(election),
        alias=alias,
        test=test,
        revoting=bool(election.revoting),  # the link then works until voting closes
        ranked=_has_ranked(election),
    )


def _has_ranked(election: Any) -> bool:
    """Whether the frozen definition has a ranked race (its rankings are decrypted after
    the mix-net, which the invitation's privacy sentence must say)."""
    manifest = json.loads(election.manifest) if election.manifest else {}
    return any(
        isinstance(q, dict) and q.get("ranked") is True for q in manifest.get("questions", [])
    )


def channel_for(item: IssuedToken, forced: str | None = None) -> str | None:
    """How a member's link goes: the channel asked for (``forced``) if they can be reached
    by it, else their own choice if possible, else whichever they have (None: neither)."""
    reachable = {"email": bool(item.email), "sms": bool(item.phone)}
    if forced is not None:
        return forced if reachable.get(forced) else None
    if item.channel == "sms" and item.phone:
        return "sms"
    return "email" if item.email else ("sms" if item.phone else None)


def text_message(
    settings: Settings,
    election: Any,
    texts: dict[str, dict[str, str]],
    language: str,
    *,
    kind: str = "invitation",
    token: str = PLACEHOLDER,
) -> str:
    """One language's invitation (or reminder) text message, with ``token`` in the link
    (:mod:`ballot.sms.texts`: short, within its segment budget)."""
    from ballot.mail import messages
    from ballot.sms.texts import render_sms_invitation, render_sms_reminder

    committee, time_zone = identity_of(election)
    title = texts.get(language, {}).get("title") or texts.get("en", {}).get("title", "")
    render = render_sms_invitation if kind == "invitation" else render_sms_reminder
    return render(
        language,
        election_title=title,
        closes_at=election.closes_at,
        link=voter_link(settings, token),
        committee=messages.signature(language, committee, None),
        time_zone=time_zone,
    )


async def queue_mail(
    session: AsyncSession,
    settings: Settings,
    election: Any,
    issued: Iterable[IssuedToken],
    *,
    kind: str = "invitation",
    channel: str | None = None,
) -> int:
    """Render and enqueue one message per issued token; returns how many were queued.

    Each goes by the member's channel (:func:`channel_for`), or by ``channel`` when the
    committee sends a link by another one.  Each language's message is rendered once with
    a placeholder link, and each voter's copy is made by putting their link in place of
    it: rendering 260,000 messages one by one would dominate the time it takes to open a
    large vote.
    """
    from ballot.mail import outbox

    texts = await texts_by_language(session, election.id)
    templates: dict[tuple[str, bool], Any] = {}
    committee, _time_zone = identity_of(election)
    texts_sms: dict[str, str] = {}

    def sms_template(language: str) -> str:
        if language not in texts_sms:
            texts_sms[language] = text_message(settings, election, texts, language, kind=kind)
            if PLACEHOLDER not in texts_sms[language]:
                raise RuntimeError("text message template does not show the voting link verbatim")
        return texts_sms[language]

    def template(language: str, aliased: bool) -> Any:
        if (language, aliased) not in templates:
            alias = ALIAS_PLACEHOLDER if aliased else None
            templates[language, aliased] = invitation_message(
                settings, election, texts, language, kind=kind, alias=alias
            )
        return templates[language, aliased]

    def items() -> Iterator[dict[str, Any]]:
        for item in issued:
            way = channel_for(item, channel)
            if way is None:
                continue  # forced onto a channel the member has no contact for
            if way == "sms":
                yield {
                    "election_id": election.id,
                    "voter_ref": str(item.voter_id),
                    "kind": kind,
                    "to_address": item.phone,
                    "language": item.language,
                    "subject": "",
                    "body_text": sms_template(item.language).replace(PLACEHOLDER, item.token),
                    "body_html": None,
                    "channel": "sms",
                }
                continue
            aliased = kind == "invitation" and item.alias is not None
            base = _outbox_item(election.id, item, template(item.language, aliased), kind)
            base["reply_to"] = committee.reply_to or None
            if PLACEHOLDER in base["subject"] or PLACEHOLDER not in base["body_text"]:
                raise RuntimeError("mail template does not show the voting link verbatim")
            for field in ("body_text", "body_html"):
                if base[field]:
                    base[field] = base[field].replace(PLACEHOLDER, item.token)
                    if aliased:
                        base[field] = base[field].replace(ALIAS_PLACEHOLDER, str(item.alias))
            yield base

    return await outbox.enqueue_many(session, items())


def _outbox_item(election_id: str, item: IssuedToken, message: Any, kind: str) -> dict[str, Any]:
    def pick(*names: str) -> Any:
        for name in names:
            value = message.get(name) if isinstance(message, dict) else getattr(message, name, None)
            if value is not None:
                return value
        return None

    return {
        "election_id": election_id,
        "voter_ref": str(item.voter_id),
        "kind": kind,
        "to_address": item.email,
        "language": item.language,
        "subject": pick("subject"),
        "body_text": pick("body_text", "text", "body"),
        "body_html": pick("body_html", "html"),
    }


async def delivery(session: AsyncSession, election_id: str) -> dict[str, Any]:
    from ballot.mail.outbox import delivery_summary

    return dict(await delivery_summary(session, election_id))
