"""Mailgun's delivery events at ``POST /mail/events/mailgun``, on both engines: a signed
"delivered" and "failed" (permanent, temporary) change the member's delivery status; an
unsigned, wrongly signed, stale or replayed event is refused (403) and changes nothing; a
signed event about no message of ours is 406 (Mailgun then stops) and changes nothing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from sqlalchemy import select

from ballot.config import Settings
from ballot.mail.envelope import new_envelope_ref
from ballot.mail.sink import MailSink
from ballot.store.outbox import OutboxMessage
from tests.support.asgi import Web
from tests.support.bounces import (
    bounce_settings,
    delivered_event,
    delivery,
    failed_event,
    mailgun_event,
    open_and_send,
)

URL = "/mail/events/mailgun"


@pytest.fixture
def sink() -> Iterator[MailSink]:
    s = MailSink().start()
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture
def settings(migrated_db_url: str, tmp_path: Path, sink: MailSink) -> Settings:
    return bounce_settings(migrated_db_url, tmp_path, sink)


async def rows(app: Litestar) -> list[tuple[Any, ...]]:
    async with app.state.session_factory() as db:
        found = await db.execute(
            select(OutboxMessage.id, OutboxMessage.receipt, OutboxMessage.receipt_detail)
        )
        return sorted(tuple(r) for r in found)


async def test_signed_events_change_the_delivery_status(
    app: Litestar, admin: Web, web: Web
) -> None:
    election_id, sent = await open_and_send(app, admin)
    b4, b5 = sent["B4"], sent["B5"]
    r = await web.client.post(URL, json=mailgun_event(delivered_event(b4.ref, b4.to)))
    assert r.status_code == 200 and r.json() == {"result": "recorded"}
    temporary = failed_event(b5.ref, b5.to, "temporary", 452, "4.2.2")
    r = await web.client.post(URL, json=mailgun_event(temporary))
    assert r.status_code == 200 and r.json() == {"result": "recorded"}
    seen = await delivery(app, election_id)
    assert seen["B4"] == {"email": "delivered"} and seen["B5"] == {"email": "sent"}
    permanent = failed_event(b5.ref, b5.to, "permanent", 550, "5.1.1")
    r = await web.client.post(URL, json=mailgun_event(permanent))
    assert r.status_code == 200 and r.json() == {"result": "recorded"}
    assert (await delivery(app, election_id))["B5"] == {"email": "bounced"}
    # Events that say nothing we record, and words that would go backwards: 200, nothing new.
    r = await web.client.post(URL, json=mailgun_event({"event": "opened", "recipient": b4.to}))
    assert r.status_code == 200 and r.json() == {"result": "nothing new"}
    r = await web.client.post(URL, json=mailgun_event(delivered_event(b5.ref, b5.to)))
    assert r.json() == {"result": "nothing new"}
    assert (await delivery(app, election_id))["B5"] == {"email": "bounced"}
    page = (await admin.get(f"/committee/elections/{election_id}/members/B5?ui=en")).text
    assert "Bounced: the address is wrong or no longer exists (5.1.1)" in page


async def test_unsigned_stale_replayed_or_unknown_events_change_nothing(
    app: Litestar, admin: Web, web: Web
) -> None:
    _election_id, sent = await open_and_send(app, admin)
    b4 = sent["B4"]
    event = delivered_event(b4.ref, b4.to)
    before = await rows(app)
    good = mailgun_event(event)
    forged = {**good, "signature": {**good["signature"], "signature": "0" * 64}}
    refused = [
        {"event-data": event},  # unsigned
        forged,
        mailgun_event(event, key="key-of-another-account"),
        mailgun_event(event, at=time.time() - 3600),  # stale
        {"signature": "x", "event-data": event},
    ]
    for body in refused:
        r = await web.client.post(URL, json=body)
        assert r.status_code in (400, 403), body
    assert (await web.client.post(URL, json={"event-data": event})).status_code == 400
    assert (await web.client.post(URL, json=forged)).status_code == 403
    assert (await web.client.post(URL, content=b"not json")).status_code == 400
    assert (
        await web.client.post(URL, content=b'{"a": "' + b"x" * 70_000 + b'"}')
    ).status_code == 413
    assert await rows(app) == before

    # A signed event about no message of ours: 406, nothing written.
    stranger = mailgun_event(delivered_event(new_envelope_ref(), "x@example.net"))
    r = await web.client.post(URL, json=stranger)
    assert r.status_code == 406 and r.json() == {"result": "names no message of ours"}
    nameless = delivered_event(b4.ref, b4.to)
    nameless.pop("user-variables")
    nameless["message"] = {"headers": {"message-id": "20260504.abc@mailgun.example"}}
    assert (await web.client.post(URL, json=mailgun_event(nameless))).status_code == 406
    assert await rows(app) == before

    # The good event, once; the same signature again is a replay.
    assert (await web.client.post(URL, json=good)).status_code == 200
    again = {**good, "event-data": failed_event(b4.ref, b4.to, "permanent", 550, "5.1.1")}
    assert (await web.client.post(URL, json=again)).status_code == 403
    after = [row for row in await rows(app) if row not in before]
    assert after == [(b4.outbox_id, "delivered", "2.0.0")]

    # With Mailgun not the configured provider, even a good event is refused.
    app.state.settings = app.state.settings.with_(mail_events="none")
    r = await web.client.post(URL, json=mailgun_event(event))
    assert r.status_code == 403
