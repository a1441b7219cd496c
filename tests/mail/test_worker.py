"""The worker against a real SMTP server on localhost, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from email.message import EmailMessage

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ballot.config import Settings
from ballot.i18n import gettext
from ballot.mail import outbox
from ballot.mail.messages import render_reminder
from ballot.mail.sink import MailSink
from ballot.mail.worker import DeliveryPolicy, claim_due, main, run_worker
from ballot.store.db import make_engine, make_session_factory
from ballot.store.outbox import OutboxMessage

from .helpers import BASE, FAST, invitation, queue

Factory = async_sessionmaker[AsyncSession]


def part(message: EmailMessage, subtype: str) -> str:
    body = message.get_body(preferencelist=(subtype,))
    assert body is not None, f"no text/{subtype} part"
    assert body.get_content_type() == f"text/{subtype}"
    return str(body.get_content()).replace("\r\n", "\n")


async def rows(session_factory: Factory) -> list[OutboxMessage]:
    async with session_factory() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def summary(session_factory: Factory, election_id: str = "e1") -> dict:
    async with session_factory() as session:
        return await outbox.delivery_summary(session, election_id)


async def run_until(session_factory: Factory, settings: Settings, done, timeout: float = 10.0):
    """Run a worker in the background until done(summary) holds; returns the summary."""
    stop = asyncio.Event()
    task = asyncio.create_task(run_worker(session_factory, settings, stop=stop, policy=FAST))
    deadline = time.monotonic() + timeout
    try:
        while True:
            s = await summary(session_factory)
            if done(s):
                return s
            assert time.monotonic() < deadline, f"timed out waiting; last summary {s}"
            await asyncio.sleep(0.02)
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)


async def test_korean_invitation_arrives_in_korean_with_text_html_and_link(
    session_factory: Factory, settings: Settings, sink: MailSink
) -> None:
    row = invitation(1, language="ko")
    await queue(session_factory, [row, invitation(2, language="es")])

    assert await run_worker(session_factory, settings, once=True, policy=FAST) == 2

    mail = {str(m["To"]): m for m in sink.messages}
    korean = mail["member1@example.org"]
    link = f"{BASE}/v/tok00001" + "x" * 30
    assert korean["Content-Language"] == "ko"
    assert korean["Subject"] == row["subject"] and "투표" in korean["Subject"]
    assert korean["From"] == settings.mail_from
    assert korean.get_content_type() == "multipart/alternative"
    text, html = part(korean, "plain"), part(korean, "html")
    assert link in text and f'href="{link}"' in html
    assert "이 링크는 본인 전용입니다" in text and "이 링크는 본인 전용입니다" in html
    assert "This link is only for you" not in text
    assert '<html lang="ko"' in html
    assert "Para votar, abra su enlace personal" in part(mail["member2@example.org"], "plain")


async def test_sent_messages_lose_their_bodies_but_keep_subject_and_status(
    session_factory: Factory, settings: Settings, sink: MailSink
) -> None:
    await queue(session_factory, [invitation(1), invitation(2)])
    await run_worker(session_factory, settings, once=True, policy=FAST)

    for m in await rows(session_factory):
        assert m.status == "sent" and m.attempts == 1 and m.sent_at is not None
        assert m.body_text is None and m.body_html is None
        assert m.subject == "Your ballot: Contract ratification 2026"
    s = await summary(session_factory)
    assert s["counts"]["sent"] == 2 and s["total"] == 2 and s["delivered_fraction"] == 1.0


async def test_temporary_refusal_is_retried_with_backoff_then_delivered(
    session_factory: Factory, settings: Settings, sink: MailSink
) -> None:
    attempts: list[float] = []
    lock = threading.Lock()

    def flaky(envelope: object) -> str | None:
        with lock:
            attempts.append(time.monotonic())
            return "451 4.3.0 Mailbox busy, try later" if len(attempts) <= 2 else None

    sink.on_data = flaky
    await queue(session_factory, [invitation(1)])

    # The first pass only gets a 451: the message waits as "retry" with the error visible.
    assert await run_worker(session_factory, settings, once=True, policy=FAST) == 0
    s = await summary(session_factory)
    assert s["counts"]["retry"] == 1
    assert s["retrying"][0]["error"].startswith("451") and s["retrying"][0]["attempts"] == 1

    s = await run_until(session_factory, settings, lambda s: s["counts"]["sent"] == 1)
    assert len(sink.messages) == 1 and len(attempts) == 3
    (m,) = await rows(session_factory)
    assert m.status == "sent" and m.attempts == 3 and m.last_error is None
    # Equal-jitter exponential backoff: at least half of 0.05 s, then half of 0.1 s.
    assert attempts[1] - attempts[0] >= 0.025
    assert attempts[2] - attempts[1] >= 0.05


async def test_a_temporary_failure_that_persists_ends_failed_after_max_attempts(
    session_factory: Factory, settings: Settings, sink: MailSink
) -> None:
    sink.on_data = lambda envelope: "452 4.2.2 Over quota"
    await queue(session_factory, [invitation(1)])
    s = await run_until(session_factory, settings, lambda s: s["counts"]["failed"] == 1)
    assert s["failed"][0]["attempts"] == FAST.max_attempts
    assert s["failed"][0]["error"] == "452 4.2.2 Over quota"
    assert sink.messages == []


async def test_permanent_refusal_fails_at_once_and_shows_in_the_summary(
    session_factory: Factory, settings: Settings, sink: MailSink
) -> None:
    sink.on_rcpt = lambda address: "550 5.1.1 No such user" if "member2@" in address else None
    await queue(session_factory, [invitation(1), invitation(2), invitation(3)])

    assert await run_worker(session_factory, settings, once=True, policy=FAST) == 2

    s = await summary(session_factory)
    assert s["counts"] == {"queued": 0, "sending": 0, "sent": 2, "retry": 0, "failed": 1}
    assert s["failed_total"] == 1
    (failed,) = s["failed"]
    assert failed["to_address"] == "member2@example.org"
    assert failed["error"] == "550 5.1.1 No such user" and failed["attempts"] == 1
    assert "tok" not in str(s)  # no link token anywhere in what the committee sees
    gone = next(m for m in await rows(session_factory) if m.to_address == "member2@example.org")
    assert gone.status == "failed" and gone.body_text is None and gone.body_html is None
    assert sorted(str(m["To"]) for m in sink.messages) == [
        "member1@example.org",
        "member3@example.org",
    ]


async def test_rate_limit_holds(
    session_factory: Factory, settings: Settings, sink: MailSink
) -> None:
    await queue(session_factory, [invitation(n) for n in range(40)])
    started = time.monotonic()
    sent = await run_worker(session_factory, settings.with_(mail_rate=20.0), once=True, policy=FAST)
    elapsed = time.monotonic() - started
    assert sent == 40 and sink.count == 40
    assert elapsed >= 1.9, f"40 messages at 20/s took only {elapsed:.2f}s"


async def test_two_workers_never_send_a_message_twice(
    db_url: str, session_factory: Factory, settings: Settings, sink: MailSink
) -> None:
    await queue(session_factory, [invitation(n) for n in range(300)])
    # Two engines, as two worker processes would have; small batches so they interleave.
    engines = [make_engine(db_url) for _ in range(2)]
    policy = DeliveryPolicy(batch_size=10, idle_poll=0.01)
    try:
        sent = await asyncio.gather(
            *(
                run_worker(make_session_factory(e), settings, once=True, policy=policy)
                for e in engines
            )
        )
    finally:
        for e in engines:
            await e.dispose()
    recipients = Counter(to for _, tos in sink.envelopes for to in tos)
    assert sum(sent) == 300 and len(recipients) == 300
    assert max(recipients.values()) == 1, "a message was sent twice"
    assert all(m.status == "sent" and m.attempts == 1 for m in await rows(session_factory))


async def test_an_abandoned_claim_is_taken_over_when_its_lease_ends(
    session_factory: Factory, settings: Settings, sink: MailSink
) -> None:
    await queue(session_factory, [invitation(1)])
    async with session_factory() as session, session.begin():
        # A worker claims the message and dies: with a 5 s lease nobody may take it...
        assert len(await claim_due(session, limit=10, lease=5.0)) == 1
    assert await run_worker(session_factory, settings, once=True, policy=FAST) == 0
    async with session_factory() as session, session.begin():
        # ... but once the lease has run out, it is due again.
        m = await session.get(OutboxMessage, 1)
        assert m is not None and m.status == "sending"
        m.next_attempt_at = m.created_at
    assert await run_worker(session_factory, settings, once=True, policy=FAST) == 1
    (m,) = await rows(session_factory)
    assert m.status == "sent" and m.attempts == 2


async def test_unreachable_relay_keeps_messages_queued_without_using_attempts(
    session_factory: Factory, settings: Settings
) -> None:
    sink = MailSink().start()
    port = sink.port
    sink.stop()  # nothing listens there any more
    await queue(session_factory, [invitation(1), invitation(2)])

    assert await run_worker(session_factory, settings.with_(smtp_port=port), once=True) == 0

    for m in await rows(session_factory):
        assert m.status == "retry" and m.attempts == 0 and m.body_text
        assert m.last_error is not None and "cannot reach" in m.last_error


async def test_reminder_arrives_with_nothing_but_the_reminder(
    session_factory: Factory, settings: Settings, sink: MailSink
) -> None:
    link = f"{BASE}/v/" + "R" * 43
    r = render_reminder(
        "vi",
        election_title="Phê chuẩn hợp đồng",
        closes_at="2026-05-20 17:00 UTC",
        link=link,
        organisation="Vote YES for the contract!",
    )
    async with session_factory() as session, session.begin():
        outbox.enqueue(
            session,
            election_id="e1",
            voter_ref="7",
            kind="reminder",
            to_address="member7@example.org",
            language="vi",
            subject=r.subject,
            body_text=r.text,
            body_html=r.html,
            reply_to="committee@local42.example",
        )
    assert await run_worker(session_factory, settings, once=True, policy=FAST) == 1
    (message,) = sink.messages
    lines = [line for line in part(message, "plain").splitlines() if line.strip()]
    assert lines == [
        "Bạn chưa bỏ phiếu trong: Phê chuẩn hợp đồng",
        "Để bỏ phiếu, hãy mở đường liên kết cá nhân của bạn:",
        link,
        "Kết thúc bỏ phiếu: 2026-05-20 17:00 UTC",
        "-- ",
        gettext("vi", "Sent by %(organisation)s.")
        % {"organisation": gettext("vi", "the election committee")},
    ]
    assert "YES" not in part(message, "html")
    # Replies go to the committee, not to the sending address.
    assert message["Reply-To"] == "committee@local42.example"


@pytest.mark.slow
async def test_worker_sends_at_least_200_messages_a_second(
    session_factory: Factory, settings: Settings
) -> None:
    sink = MailSink(keep=False).start()
    try:
        await queue(session_factory, [invitation(n) for n in range(1000)])
        started = time.monotonic()
        sent = await run_worker(session_factory, settings.with_(smtp_port=sink.port), once=True)
        rate = sent / (time.monotonic() - started)
    finally:
        sink.stop()
    assert sent == 1000 and sink.count == 1000
    assert rate >= 200, f"only {rate:.0f} messages/s"


def test_main_delivers_what_is_due_and_returns_the_count(db_url: str, sink: MailSink) -> None:
    """The synchronous entry point the ``ballot worker`` command calls."""

    async def prepare() -> None:
        engine = make_engine(db_url)
        async with engine.begin() as conn:
            await conn.run_sync(OutboxMessage.metadata.create_all, tables=[OutboxMessage.__table__])
        await queue(make_session_factory(engine), [invitation(1), invitation(2, language="tl")])
        await engine.dispose()

    asyncio.run(prepare())
    settings = Settings(database_url=db_url, smtp_port=sink.port, mail_rate=0)
    assert main(settings, once=True) == 2
    assert sorted(str(m["To"]) for m in sink.messages) == [
        "member1@example.org",
        "member2@example.org",
    ]


async def test_a_bad_sender_address_is_refused_before_anything_is_claimed(
    session_factory: Factory, settings: Settings
) -> None:
    await queue(session_factory, [invitation(1)])
    with pytest.raises(ValueError, match="mail_from"):
        await run_worker(session_factory, settings.with_(mail_from="nobody"), once=True)
    (m,) = await rows(session_factory)
    assert m.status == "queued" and m.attempts == 0
