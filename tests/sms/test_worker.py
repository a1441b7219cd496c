"""The outbox worker sending text messages to a fake Twilio on localhost, on both engines.

Invitations go through the gateway with the link whole; a failing gateway is retried
with exponential backoff, then succeeds, or the message is marked failed after the
limit; the token never appears in any log line, captured at DEBUG for every logger.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ballot.logs import RedactingFilter, configure_logging
from ballot.mail import outbox
from ballot.mail.worker import DeliveryPolicy, backoff_delay, run_worker
from ballot.sms.segments import segments
from ballot.sms.texts import render_sms_invitation, within_budget
from ballot.store.outbox import OutboxMessage
from ballot.store.tokens import new_token
from tests.support.sms_gateway import FakeGateway

from .conftest import BASE, FROM, generic_settings, twilio_settings

Factory = async_sessionmaker[AsyncSession]
#: Retries within a test: 0.1 s, then 0.2 s... (with jitter: half fixed, half random).
QUICK = DeliveryPolicy(
    max_attempts=4, backoff_base=0.1, backoff_max=1.0, idle_poll=0.01, relay_pause_max=0.05
)


def text_row(n: int, token: str, language: str = "ko") -> dict[str, object]:
    body = render_sms_invitation(
        language,
        election_title="2026년 단체협약 비준 투표",
        closes_at=datetime(2026, 5, 9, 0, 0, tzinfo=UTC),
        link=f"{BASE}/v/{token}",
        committee="Local 42",
        time_zone="America/Los_Angeles",
    )
    return {
        "election_id": "e1",
        "voter_ref": str(n),
        "kind": "invitation",
        "to_address": f"+1415555{2600 + n:04d}",
        "language": language,
        "subject": "",
        "body_text": body,
        "channel": "sms",
    }


async def queue(factory: Factory, rows: list[dict[str, object]]) -> None:
    async with factory() as session, session.begin():
        await outbox.enqueue_many(session, rows)


async def stored(factory: Factory) -> list[OutboxMessage]:
    async with factory() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def drain(factory: Factory, settings: object, rounds: int = 40) -> None:
    """Run the worker until nothing is due or waiting for a retry."""
    import asyncio

    for _ in range(rounds):
        await run_worker(factory, settings, once=True, policy=QUICK)  # type: ignore[arg-type]
        rows = await stored(factory)
        if all(r.status in ("sent", "failed") for r in rows):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the outbox did not settle")


async def test_invitations_go_through_twilio_with_the_link_whole(
    outbox_factory: Factory, gateway: FakeGateway
) -> None:
    tokens = [new_token() for _ in range(3)]
    await queue(outbox_factory, [text_row(i, t) for i, t in enumerate(tokens)])
    sent = await run_worker(outbox_factory, twilio_settings(gateway), once=True, policy=QUICK)
    assert sent == 3
    messages = gateway.wait_for(3)
    for message, token in zip(messages, tokens, strict=True):
        assert message.body.endswith(f"{BASE}/v/{token}")
        assert within_budget(message.body) and segments(message.body).count <= 3
        assert message.sender == FROM
        assert message.form["From"] == FROM
    rows = await stored(outbox_factory)
    assert [r.status for r in rows] == ["sent"] * 3
    assert [r.provider_ref for r in rows] == [m.sid for m in messages]
    assert [m.callback for m in messages] == [f"{BASE}/sms/receipts/twilio/{r.id}" for r in rows]
    assert all(r.body_text is None for r in rows), "sent bodies (with links) are blanked"


async def test_a_messaging_service_sid_is_sent_as_such(
    outbox_factory: Factory, gateway: FakeGateway
) -> None:
    await queue(outbox_factory, [text_row(1, new_token())])
    settings = twilio_settings(gateway, sms_from="MG" + "1" * 32)
    assert await run_worker(outbox_factory, settings, once=True, policy=QUICK) == 1
    form = gateway.wait_for(1)[0].form
    assert form["MessagingServiceSid"] == "MG" + "1" * 32 and "From" not in form


async def test_a_failing_gateway_is_retried_with_backoff_then_succeeds(
    outbox_factory: Factory, gateway: FakeGateway
) -> None:
    gateway.fail(2, 503)
    await queue(outbox_factory, [text_row(1, new_token())])
    await drain(outbox_factory, twilio_settings(gateway))
    (row,) = await stored(outbox_factory)
    assert row.status == "sent" and row.attempts == 3 and row.provider_ref
    assert gateway.requests == 3 and len(gateway.messages) == 1
    first, second, third = gateway.request_times
    # Equal jitter: the wait after attempt n is at least half of base * 2^(n-1).
    assert second - first >= QUICK.backoff_base / 2
    assert third - second >= QUICK.backoff_base
    assert [backoff_delay(n, QUICK) >= QUICK.backoff_base * 2 ** (n - 1) / 2 for n in (1, 2, 3)]


@pytest.mark.parametrize("status", [429, 500, 503])
async def test_after_the_attempt_limit_the_message_is_failed(
    outbox_factory: Factory, gateway: FakeGateway, status: int
) -> None:
    gateway.fail(QUICK.max_attempts, status)
    await queue(outbox_factory, [text_row(1, new_token())])
    await drain(outbox_factory, twilio_settings(gateway))
    (row,) = await stored(outbox_factory)
    assert row.status == "failed" and row.attempts == QUICK.max_attempts
    assert str(status) in (row.last_error or "")
    assert row.body_text is None
    assert gateway.messages == []


async def test_a_number_the_gateway_refuses_fails_at_once(
    outbox_factory: Factory, gateway: FakeGateway
) -> None:
    gateway.fail(1, 400)
    await queue(outbox_factory, [text_row(1, new_token())])
    await drain(outbox_factory, twilio_settings(gateway))
    (row,) = await stored(outbox_factory)
    assert row.status == "failed" and row.attempts == 1


async def test_wrong_credentials_pause_sending_without_spending_attempts(
    outbox_factory: Factory, gateway: FakeGateway
) -> None:
    await queue(outbox_factory, [text_row(1, new_token())])
    settings = twilio_settings(gateway, twilio_auth_token="not-the-token")
    assert await run_worker(outbox_factory, settings, once=True, policy=QUICK) == 0
    (row,) = await stored(outbox_factory)
    assert row.status == "retry" and row.attempts == 0 and row.body_text
    assert "401" in (row.last_error or "")


async def test_an_unreachable_gateway_pauses_sending(outbox_factory: Factory) -> None:
    await queue(outbox_factory, [text_row(1, new_token())])
    down = FakeGateway()
    settings = twilio_settings(down, twilio_api_url="http://127.0.0.1:9")  # discard port
    assert await run_worker(outbox_factory, settings, once=True, policy=QUICK) == 0
    (row,) = await stored(outbox_factory)
    assert row.status == "retry" and row.attempts == 0
    down.server.server_close()


async def test_the_rate_limit_paces_text_messages(
    outbox_factory: Factory, gateway: FakeGateway
) -> None:
    await queue(outbox_factory, [text_row(i, new_token()) for i in range(6)])
    assert await run_worker(outbox_factory, twilio_settings(gateway, sms_rate=20), once=True) == 6
    times = gateway.request_times
    assert times[-1] - times[0] >= 5 / 20 * 0.9  # six sends at 20 a second: 0.25 s at least


async def test_the_generic_gateway_gets_a_signed_request(
    outbox_factory: Factory, gateway: FakeGateway
) -> None:
    token = new_token()
    await queue(outbox_factory, [text_row(1, token, "vi")])
    assert await run_worker(outbox_factory, generic_settings(gateway), once=True, policy=QUICK) == 1
    (message,) = gateway.wait_for(1)
    assert message.body.endswith(f"{BASE}/v/{token}")
    (row,) = await stored(outbox_factory)
    assert row.status == "sent" and row.provider_ref == message.sid
    assert message.callback == f"{BASE}/sms/receipts/generic/{row.id}"
    # With the wrong secret the gateway refuses (403): a final refusal for the message.
    await queue(outbox_factory, [text_row(2, new_token(), "vi")])
    wrong = generic_settings(gateway, sms_generic_secret="another secret")
    assert await run_worker(outbox_factory, wrong, once=True, policy=QUICK) == 0
    rows = await stored(outbox_factory)
    assert rows[1].status == "retry" and rows[1].attempts == 0  # our credentials: paused


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    engine_log = logging.getLogger("sqlalchemy.engine")
    engine_level = engine_log.level
    yield
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    engine_log.setLevel(engine_level)
    for handler in root.handlers:
        handler.filters[:] = [f for f in handler.filters if not isinstance(f, RedactingFilter)]


async def test_the_token_never_appears_in_any_log(
    outbox_factory: Factory,
    gateway: FakeGateway,
    caplog: pytest.LogCaptureFixture,
    restore_logging: None,
) -> None:
    """Sends, 5xx retries, a refused login: at DEBUG, no log line holds a link's token.

    Our code and the HTTP client never write one (the raw records); the database
    driver's and SQLAlchemy's own echo of statement parameters would (a body is a
    parameter), and the production handler at DEBUG redacts it (what an operator reads).
    """
    tokens = [new_token() for _ in range(3)]
    gateway.fail(2, 503)
    written = io.StringIO()
    configure_logging("DEBUG", "json", stream=written)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    await queue(outbox_factory, [text_row(i, t) for i, t in enumerate(tokens)])
    await drain(outbox_factory, twilio_settings(gateway))
    await queue(outbox_factory, [text_row(9, new_token())])
    await run_worker(
        outbox_factory, twilio_settings(gateway, twilio_auth_token="x"), once=True, policy=QUICK
    )
    assert len(gateway.messages) == 3
    ours = "\n".join(
        r.getMessage() for r in caplog.records if not r.name.startswith(("sqlalchemy", "aiosqlite"))
    )
    assert "outbox message" in ours and "HTTP Request" in ours, "the logs were captured"
    operator = written.getvalue()
    assert "UPDATE outbox" in operator and "outbox message" in operator
    assert "/v/[redacted]" in operator, "the driver's echo of a body reached the redactor"
    for token in tokens:
        assert token not in ours
        assert token not in operator
    assert "/v/" not in ours
