"""E-mail delivery status end to end, on both engines: invitations leave through a real SMTP
server (aiosmtpd) under their own bounce address and Message-ID; bounces come back through
the bounce receiver (a real aiosmtpd server) and the ``ballot mail bounce`` command; the
roll and the member's page say what happened in the committee's language and offer
another way; an unknown reference is refused and changes nothing; no address or token is
logged."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

import aiosmtplib
import pytest
from litestar import Litestar
from sqlalchemy import select
from typer.testing import CliRunner

from ballot.cli import app as cli_app
from ballot.config import Settings
from ballot.mail.bounce_receiver import BounceReceiver
from ballot.mail.envelope import new_envelope_ref
from ballot.mail.sink import MailSink
from ballot.store.outbox import OutboxMessage
from tests.support.asgi import Web
from tests.support.bounces import (
    BOUNCES,
    bounce_settings,
    delivery,
    dsn,
    open_and_send,
)

C = "/committee/elections"


@pytest.fixture
def settings(migrated_db_url: str, tmp_path: Path, sink: MailSink) -> Settings:
    return bounce_settings(migrated_db_url, tmp_path, sink)


async def outbox_rows(app: Litestar) -> list[tuple[Any, ...]]:
    async with app.state.session_factory() as db:
        rows = await db.execute(
            select(
                OutboxMessage.id,
                OutboxMessage.status,
                OutboxMessage.receipt,
                OutboxMessage.receipt_detail,
            ).order_by(OutboxMessage.id)
        )
        return [tuple(r) for r in rows]


async def send_report(port: int, to: str, raw: bytes) -> tuple[int, str]:
    """Deliver ``raw`` to the receiver as a mail server would: from the null sender."""
    smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=port)
    await smtp.connect()
    try:
        errors, reply = await smtp.sendmail("", [to], raw)  # the null sender
        assert errors == {}
        return 250, reply
    except aiosmtplib.SMTPRecipientsRefused as exc:
        return exc.recipients[0].code, exc.recipients[0].message
    finally:
        await smtp.quit()


async def test_each_invitation_goes_out_under_its_own_reference(
    app: Litestar, admin: Web, sink: MailSink
) -> None:
    _election_id, sent = await open_and_send(app, admin)
    assert set(sent) == {"B1", "B2", "B3", "B4", "B5"}
    refs = {s.ref for s in sent.values()}
    assert len(refs) == 5
    envelopes = {tuple(rcpt): mail_from for mail_from, rcpt in sink.envelopes}
    for member in sent.values():
        assert envelopes[(member.to,)] == f"bounces+{member.ref}@mail.local42.example"
        (message,) = [m for m in sink.messages if m["To"] == member.to]
        assert message["Message-ID"] == f"<{member.ref}@local42.example>"
        assert json.loads(message["X-Mailgun-Variables"]) == {"ballot_ref": member.ref}
        assert member.ref not in message.get_body(("plain",)).get_content()


async def test_bounces_through_the_receiver_and_the_command(
    app: Litestar, admin: Web, caplog: pytest.LogCaptureFixture
) -> None:
    election_id, sent = await open_and_send(app, admin)
    caplog.clear()  # from here: the bounces (the fake relay logs the addresses it serves)
    caplog.set_level(logging.DEBUG)
    receiver = BounceReceiver(app.state.session_factory, app.state.settings, port=0)
    port = await receiver.start()
    try:
        before = await outbox_rows(app)
        # Addresses that are not a message of ours are refused before any data.
        for to in (
            f"bounces+{new_envelope_ref()}@mail.local42.example",  # a reference we never made
            f"postmaster+{sent['B1'].ref}@mail.local42.example",  # not the bounce address
            "bounces@mail.local42.example",
        ):
            code, _reply = await send_report(port, to, dsn("dsn_failed.eml", sent["B1"].ref))
            assert code == 550
        assert await outbox_rows(app) == before

        def to(member: str) -> str:
            return f"bounces+{sent[member].ref}@mail.local42.example"

        code, reply = await send_report(port, to("B1"), dsn("dsn_failed.eml", sent["B1"].ref))
        assert (code, reply) == (250, "2.0.0 Delivery status recorded")
        code, reply = await send_report(port, to("B1"), dsn("dsn_failed.eml", sent["B1"].ref))
        assert reply == "2.0.0 Nothing new: already recorded"
        code, reply = await send_report(port, to("B3"), dsn("dsn_delayed.eml", sent["B3"].ref))
        assert reply == "2.0.0 Delivery status recorded"
        code, reply = await send_report(port, to("B5"), dsn("auto_reply.eml", sent["B5"].ref))
        assert (code, reply) == (250, "2.0.0 Not a delivery report: discarded")
    finally:
        await receiver.close()

    # The command: a plain bounce on standard input.
    runner = CliRunner()
    env = {
        "BALLOT_DATABASE_URL": app.state.settings.database_url,
        "BALLOT_BOUNCE_ADDRESS": BOUNCES,
    }

    def command(raw: bytes, *args: str) -> Any:
        return runner.invoke(cli_app, ["mail", "bounce", *args], input=raw, env=env)

    result = await asyncio.to_thread(command, dsn("plain_qmail.eml", sent["B2"].ref))
    assert result.exit_code == 0, result.output
    assert "recorded: bounced (5.2.1)" in result.output
    unknown = new_envelope_ref()
    middle = await outbox_rows(app)
    result = await asyncio.to_thread(command, dsn("plain_qmail.eml", unknown))
    assert result.exit_code == 67 and "about no message of ours" in result.output
    result = await asyncio.to_thread(command, b"Subject: hello\n\nnot a report\n")
    assert result.exit_code == 65 and "not a bounce or delivery report" in result.output
    assert await outbox_rows(app) == middle

    seen = await delivery(app, election_id)
    assert seen["B1"] == {"email": "bounced"} and seen["B2"] == {"email": "bounced"}
    assert seen["B3"] == {"email": "sent"}  # delayed: still sent, the code noted
    assert seen["B4"] == seen["B5"] == {"email": "sent"}
    details = {r[0]: (r[2], r[3]) for r in await outbox_rows(app)}
    assert details[sent["B1"].outbox_id] == ("bounced", "5.1.1")
    assert details[sent["B3"].outbox_id] == (None, "4.4.1")

    # Logged by message id and word: never an address, a reference or a link (ours, and
    # the SMTP server's; the database driver's debug lines are not ours to judge).
    logged = "\n".join(
        r.getMessage() for r in caplog.records if r.name.startswith(("ballot", "mail.log"))
    )
    assert f"outbox message {sent['B1'].outbox_id} (email): delivery bounced (5.1.1)" in logged
    assert f"outbox message {sent['B3'].outbox_id} (email): delivery delayed (4.4.1)" in logged
    for member in sent.values():
        assert member.to not in logged and member.ref not in logged
    assert "/v/" not in logged


async def test_the_roll_and_the_member_page_say_what_happened(app: Litestar, admin: Web) -> None:
    election_id, sent = await open_and_send(app, admin)
    receiver = BounceReceiver(app.state.session_factory, app.state.settings, port=0)
    port = await receiver.start()
    try:
        for member, sample in (("B1", "dsn_failed.eml"), ("B2", "dsn_failed.eml")):
            to = f"bounces+{sent[member].ref}@mail.local42.example"
            await send_report(port, to, dsn(sample, sent[member].ref))
        to = f"bounces+{sent['B3'].ref}@mail.local42.example"
        await send_report(port, to, dsn("dsn_delayed.eml", sent["B3"].ref))
        to = f"bounces+{sent['B4'].ref}@mail.local42.example"
        await send_report(port, to, dsn("dsn_delivered.eml", sent["B4"].ref))
    finally:
        await receiver.close()

    roll = (await admin.get(f"{C}/{election_id}/members?ui=en")).text
    assert "E-mail: Bounced" in roll and "E-mail: Delivered to the mail server" in roll
    assert roll.count('class="another-way"') == 2  # B1 and B2, to their pages
    assert f'{C}/{election_id}/members/B1#delivery-h" class="another-way"' in roll
    words = {
        "ko": ("이메일: 반송됨", "메일 서버에 전달됨", "다른 방법으로 보내기"),
        "es": ("Rebotado", "Entregado al servidor de correo", None),
        "zh": ("被退回", "已送达邮件服务器", None),
        "vi": ("Bị trả lại", "Đã đến máy chủ thư", None),
        "tl": ("Hindi naihatid (bumalik)", "Naihatid sa mail server", None),
    }
    for language, expected in words.items():
        page = (await admin.get(f"{C}/{election_id}/members?ui={language}")).text
        for phrase in expected:
            assert phrase is None or phrase in page, (language, phrase)

    # Ana has only an e-mail address: her page says why, and offers a letter.
    ana = (await admin.get(f"{C}/{election_id}/members/B1?ui=en")).text
    assert "Bounced: the address is wrong or no longer exists (5.1.1)" in ana
    assert "send-by-h" not in ana and 'id="letter-link"' in ana
    assert "letters?selection=member&amp;member=B1" in ana
    # Ben also has a phone: his page offers a text message instead, and a letter.
    ben = (await admin.get(f"{C}/{election_id}/members/B2")).text
    assert 'id="send-by-h"' in ben and "+14155552672" in ben and 'id="letter-link"' in ben
    # Chen's message is delayed: still sent, with the server's words.
    chen = (await admin.get(f"{C}/{election_id}/members/B3")).text
    assert "Sent. The receiving mail server is delaying it and will keep trying (4.4.1)." in chen
    assert 'id="letter-link"' not in chen
    ko = (await admin.get(f"{C}/{election_id}/members/B1?ui=ko")).text
    assert "반송됨: 주소가 틀렸거나 더 이상 없습니다 (5.1.1)" in ko and "편지 인쇄하기" in ko
