"""Queue the election's emails through the mail layer's outbox.

Invitations go out at opening, in each voter's own language; reminders carry a fresh
token (tokens are stored only as hashes, so an old link cannot be mailed again: the
reminder replaces it, and the old link stops working).
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


async def queue_mail(
    session: AsyncSession,
    settings: Settings,
    election: Any,
    issued: Iterable[IssuedToken],
    *,
    kind: str = "invitation",
) -> int:
    """Render and enqueue one message per issued token; returns how many were queued.

    Each language's message is rendered once with a placeholder link, and each voter's
    copy is made by putting their link in place of it: rendering 260,000 messages one
    by one would dominate the time it takes to open a large vote.
    """
    from ballot.mail import messages, outbox

    render = messages.render_invitation if kind == "invitation" else messages.render_reminder
    texts = await texts_by_language(session, election.id)
    english = texts.get("en", {})
    templates: dict[str, Any] = {}
    committee, time_zone = identity_of(election)

    def template(language: str) -> Any:
        if language not in templates:
            title = texts.get(language, {}).get("title") or english.get("title", "")
            templates[language] = render(
                language,
                election_title=title,
                opens_at=election.opens_at or election.opened_at,
                closes_at=election.closes_at or "",
                link=voter_link(settings, PLACEHOLDER),
                committee=committee,
                time_zone=time_zone,
            )
        return templates[language]

    def items() -> Iterator[dict[str, Any]]:
        for item in issued:
            base = _outbox_item(election.id, item, template(item.language), kind)
            base["reply_to"] = committee.reply_to or None
            if PLACEHOLDER in base["subject"] or PLACEHOLDER not in base["body_text"]:
                raise RuntimeError("mail template does not show the voting link verbatim")
            base["body_text"] = base["body_text"].replace(PLACEHOLDER, item.token)
            if base["body_html"]:
                base["body_html"] = base["body_html"].replace(PLACEHOLDER, item.token)
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
