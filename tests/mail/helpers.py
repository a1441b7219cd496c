"""Building outbox rows and a fast retry policy for the mail tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ballot.mail import outbox
from ballot.mail.messages import render_invitation
from ballot.mail.worker import DeliveryPolicy

#: Retry quickly so backoff can be observed within a test.
FAST = DeliveryPolicy(
    max_attempts=4, backoff_base=0.05, backoff_max=0.4, idle_poll=0.01, relay_pause_max=0.05
)
BASE = "https://vote.example.org"


def invitation(n: int, *, language: str = "en", election_id: str = "e1") -> dict[str, Any]:
    """An outbox row for member n: a rendered invitation with a token-shaped link."""
    token = f"tok{n:05d}" + "x" * 30
    rendered = render_invitation(
        language,
        election_title="Contract ratification 2026",
        opens_at="2026-05-01 09:00 UTC",
        closes_at="2026-05-20 17:00 UTC",
        link=f"{BASE}/v/{token}",
        organisation="Local 42 Election Committee",
    )
    return {
        "election_id": election_id,
        "voter_ref": str(n),
        "kind": "invitation",
        "to_address": f"member{n}@example.org",
        "language": language,
        "subject": rendered.subject,
        "body_text": rendered.text,
        "body_html": rendered.html,
    }


async def queue(
    session_factory: async_sessionmaker[AsyncSession], rows: list[dict[str, Any]]
) -> None:
    async with session_factory() as session, session.begin():
        await outbox.enqueue_many(session, rows)
