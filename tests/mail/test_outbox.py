"""Queueing: validation before anything is stored, bulk insert, the committee's summary."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ballot.mail import outbox
from ballot.store.outbox import OutboxMessage

from .helpers import invitation, queue

Factory = async_sessionmaker[AsyncSession]


async def count(session_factory: Factory) -> int:
    async with session_factory() as session:
        return int(await session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"kind": "campaign"}, "kind must be one of"),
        ({"to_address": "not-an-address"}, "not a single email address"),
        ({"to_address": "a@example.org\r\nBcc: b@example.org"}, "not a single email address"),
        ({"to_address": "a@example.org, b@example.org"}, "not a single email address"),
        ({"subject": "Vote\nBcc: x@example.org"}, "one line"),
        ({"language": "fr"}, "language must be one of"),
        ({"body_text": ""}, "plain-text body"),
        ({"body": "x"}, "unknown ['body']"),
    ],
)
async def test_bad_messages_are_refused_and_nothing_is_stored(
    session_factory: Factory, change: dict[str, Any], error: str
) -> None:
    rows = [invitation(1), {**invitation(2), **change}]
    with pytest.raises(outbox.OutboxError, match=error.replace("[", r"\[").replace("]", r"\]")):
        await queue(session_factory, rows)
    assert await count(session_factory) == 0


async def test_enqueue_adds_without_committing(session_factory: Factory) -> None:
    async with session_factory() as session:
        m = outbox.enqueue(session, **invitation(1))
        await session.flush()
        assert m.id is not None and m.status == "queued" and m.attempts == 0
        await session.rollback()
    assert await count(session_factory) == 0


async def test_enqueue_many_queues_a_large_roll_in_chunks(session_factory: Factory) -> None:
    row = invitation(1)
    rows = ({**row, "to_address": f"m{n}@example.org", "voter_ref": n} for n in range(5_000))
    async with session_factory() as session, session.begin():
        assert await outbox.enqueue_many(session, rows) == 5_000
    async with session_factory() as session:
        s = await outbox.delivery_summary(session, "e1")
        m = await session.scalar(select(OutboxMessage).where(OutboxMessage.voter_ref == "4999"))
    assert s["total"] == 5_000 and s["counts"]["queued"] == 5_000
    assert s["by_kind"] == {"invitation": {**dict.fromkeys(s["counts"], 0), "queued": 5_000}}
    assert m is not None and m.to_address == "m4999@example.org" and m.body_text


async def test_summary_is_per_election(session_factory: Factory) -> None:
    await queue(session_factory, [invitation(1), invitation(2, election_id="other")])
    async with session_factory() as session:
        s = await outbox.delivery_summary(session, "e1")
        none = await outbox.delivery_summary(session, "missing")
    assert s["total"] == 1 and s["failed"] == [] and s["retrying"] == []
    assert none["total"] == 0 and none["delivered_fraction"] == 0.0
