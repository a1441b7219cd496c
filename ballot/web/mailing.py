"""Queue the election's emails through the mail layer's outbox.

Invitations go out at opening, in each voter's own language; reminders carry a fresh
token (tokens are stored only as hashes, so an old link cannot be mailed again: the
reminder replaces it, and the old link stops working).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ballot.config import Settings
from ballot.store.elections import texts_by_language
from ballot.store.tokens import IssuedToken

ORGANISATION = "the election committee"


def voter_link(settings: Settings, token: str) -> str:
    return f"{settings.base_url}/v/{token}"


async def queue_mail(
    session: AsyncSession,
    settings: Settings,
    election: Any,
    issued: Iterable[IssuedToken],
    *,
    kind: str = "invitation",
) -> int:
    """Render and enqueue one message per issued token; returns how many were queued."""
    from ballot.mail import messages, outbox

    render = messages.render_invitation if kind == "invitation" else messages.render_reminder
    texts = await texts_by_language(session, election.id)
    english = texts.get("en", {})
    batch = []
    for item in issued:
        title = texts.get(item.language, {}).get("title") or english.get("title", "")
        message = render(
            item.language,
            election_title=title,
            opens_at=election.opens_at or election.opened_at,
            closes_at=election.closes_at or "",
            link=voter_link(settings, item.token),
            organisation=ORGANISATION,
        )
        batch.append(_outbox_item(election.id, item, message, kind))
    if batch:
        await outbox.enqueue_many(session, batch)
    return len(batch)


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
