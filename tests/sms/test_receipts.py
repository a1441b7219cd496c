"""Text messages end to end on both engines: an election opened with members reached by SMS,
e-mail or both; invitations and reminders through a fake Twilio; signed delivery receipts
updating each message; unsigned or wrongly signed ones refused (403) changing nothing;
delivery per member in the roll; "send by another channel", confirmed and logged.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from sqlalchemy import select

from ballot.config import Settings
from ballot.mail.receipts import member_delivery
from ballot.mail.sink import MailSink
from ballot.mail.worker import run_worker
from ballot.sms.segments import segments
from ballot.sms.texts import within_budget
from ballot.store.activity import activity_entries
from ballot.store.models import Voter, VoterToken
from ballot.store.outbox import OutboxMessage
from tests.support.asgi import Web, create_draft, make_ready, settings_for
from tests.support.sms_gateway import ACCOUNT_SID, AUTH_TOKEN, GENERIC_SECRET, FakeGateway, Sent

from .test_worker import QUICK

C = "/committee/elections"
LANGS = ("en", "es", "ko", "vi")
DEFINITION: dict[str, Any] = {
    "kind": "ratification",
    "title": {
        "en": "Contract ratification",
        "es": "Ratificacion del contrato",
        "ko": "단체협약 비준",
        "vi": "Phê chuẩn hợp đồng",
    },
    "instructions": {"en": "Choose.", "es": "Elija.", "ko": "선택하십시오.", "vi": "Hãy chọn."},
    "opens_at": "2026-05-02T09:00:00Z",
    "closes_at": "2026-05-09T17:00:00Z",
    "time_zone": "America/Los_Angeles",
    "rule": "majority",
    "trustees": {"n": 1, "k": 1},
    "questions": [
        {
            "text": {"en": "Ratify?", "es": "¿Ratifica?", "ko": "비준합니까?", "vi": "Phê chuẩn?"},
            "min": 1,
            "max": 1,
            "options": [
                {"en": "Yes", "es": "Sí", "ko": "예", "vi": "Có"},
                {"en": "No", "es": "No", "ko": "아니요", "vi": "Không"},
            ],
        }
    ],
}
ROLL = """member_id,name,email,phone,channel,language,unit
S1,Kim Min-jun,,(415) 555-2671,,ko,North
S2,Nguyen Van An,an@example.org,+1 213 555 0199,sms,vi,North
S3,Ana Lopez,ana@example.org,,,es,South
S4,Ben Carter,ben@example.org,415-555-2672,,en,South
"""


@pytest.fixture
def gateway() -> Iterator[FakeGateway]:
    fake = FakeGateway().start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def sink() -> Iterator[MailSink]:
    s = MailSink().start()
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture
def settings(
    migrated_db_url: str, tmp_path: Path, gateway: FakeGateway, sink: MailSink
) -> Settings:
    """The app's settings with Twilio pointed at the fake and mail at a local sink."""
    return settings_for(migrated_db_url, tmp_path).with_(
        smtp_port=sink.port,
        mail_rate=0,
        sms_gateway="twilio",
        sms_from="+15005550006",
        sms_rate=0,
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_api_url=gateway.url,
    )


async def open_election(admin: Web) -> str:
    election_id = await create_draft(admin, **DEFINITION)
    await make_ready(admin, election_id, ROLL)
    r = await admin.post(f"/api/elections/{election_id}/state", json={"target": "open"})
    assert r.status_code == 200, r.text
    return election_id


async def deliver(app: Litestar) -> None:
    await run_worker(app.state.session_factory, app.state.settings, once=True, policy=QUICK)


async def voter_ids(app: Litestar) -> dict[str, int]:
    async with app.state.session_factory() as db:
        return {m: i for m, i in (await db.execute(select(Voter.member_id, Voter.id))).all()}


async def delivery(app: Litestar, election_id: str) -> dict[str, dict[str, str]]:
    ids = await voter_ids(app)
    async with app.state.session_factory() as db:
        found = await member_delivery(db, election_id, list(ids.values()))
    return {m: found[i] for m, i in ids.items()}


async def outbox_rows(app: Litestar) -> list[tuple[Any, ...]]:
    async with app.state.session_factory() as db:
        rows = await db.execute(
            select(
                OutboxMessage.id,
                OutboxMessage.channel,
                OutboxMessage.status,
                OutboxMessage.receipt,
                OutboxMessage.provider_ref,
            ).order_by(OutboxMessage.id)
        )
        return [tuple(r) for r in rows]


def by_number(messages: list[Sent]) -> dict[str, Sent]:
    return {m.to: m for m in messages}


async def test_invitations_by_text_and_receipts_update_each_message(
    app: Litestar, admin: Web, gateway: FakeGateway, sink: MailSink
) -> None:
    election_id = await open_election(admin)
    await deliver(app)
    texts = by_number(gateway.wait_for(2))
    assert set(texts) == {"+14155552671", "+12135550199"}  # phone only; both with channel sms
    assert len(sink.messages) == 2  # S3 (e-mail only), S4 (both, e-mail first)
    korean, vietnamese = texts["+14155552671"].body, texts["+12135550199"].body
    assert "단체협약 비준" in korean and "5월 9일 오전 10:00 PDT" in korean
    assert "Phê chuẩn hợp đồng" in vietnamese and "10:00 9 thg 5 PDT" in vietnamese
    for body in (korean, vietnamese):
        assert within_budget(body) and segments(body).count <= 3
        assert "http://testserver.local/v/" in body
    assert await delivery(app, election_id) == {
        "S1": {"sms": "sent"},
        "S2": {"sms": "sent"},
        "S3": {"email": "sent"},
        "S4": {"email": "sent"},
    }

    for sent, status in ((texts["+14155552671"], "delivered"), (texts["+12135550199"], "sent")):
        r = await gateway.status_callback(sent, status, client=admin.client)
        assert r.status_code == 200, r.text
    r = await gateway.status_callback(texts["+12135550199"], "undelivered", client=admin.client)
    assert r.json() == {"result": "recorded"}
    seen = await delivery(app, election_id)
    assert seen["S1"] == {"sms": "delivered"} and seen["S2"] == {"sms": "bounced"}
    # Receipts only move forward: a late "sent", or "delivered" after a bounce, changes nothing.
    for sent, status in ((texts["+14155552671"], "sent"), (texts["+12135550199"], "delivered")):
        r = await gateway.status_callback(sent, status, client=admin.client)
        assert r.status_code == 200 and r.json() == {"result": "nothing new"}
    assert await delivery(app, election_id) == seen

    page = (await admin.get(f"{C}/{election_id}/members")).text
    assert "Text message: Delivered to the phone" in page and "Text message: Bounced" in page
    assert "E-mail: Sent" in page
    ko_page = (await admin.get(f"{C}/{election_id}/members?ui=ko")).text
    assert "문자 메시지: 휴대폰에 전달됨" in ko_page


async def test_unsigned_or_wrongly_signed_receipts_are_refused_and_change_nothing(
    app: Litestar, admin: Web, gateway: FakeGateway, web: Web
) -> None:
    await open_election(admin)
    await deliver(app)
    sent = gateway.wait_for(2)[0]
    before = await outbox_rows(app)
    url, form, headers = gateway.twilio_receipt(sent, "delivered")
    path = url.removeprefix("http://testserver.local")
    attempts = [
        {},  # unsigned
        {"X-Twilio-Signature": "AAAAAAAAAAAAAAAAAAAAAAAAAAA="},
        gateway.twilio_receipt(sent, "delivered", token="another-accounts-token")[2],
    ]
    for bad in attempts:
        r = await web.client.post(path, data=form, headers=bad)
        assert r.status_code == 403, r.text
    # A good signature over other parameters (the status changed on the way) is refused.
    r = await web.client.post(path, data={**form, "MessageStatus": "failed"}, headers=headers)
    assert r.status_code == 403
    # The same signed receipt on another message's address is refused (the URL is signed).
    other = path.rsplit("/", 1)[0] + "/" + str(int(path.rsplit("/", 1)[1]) + 1)
    assert (await web.client.post(other, data=form, headers=headers)).status_code == 403
    # The generic route is closed while Twilio is the gateway.
    assert (
        await web.client.post(path.replace("twilio", "generic"), content=b"{}")
    ).status_code == 403
    assert await outbox_rows(app) == before
    # A signed receipt for a message that does not exist: 404, nothing written.
    ghost = Sent(
        sent.sid, sent.to, sent.sender, "", "http://testserver.local/sms/receipts/twilio/999"
    )
    r = await gateway.status_callback(ghost, "delivered", client=web.client)
    assert r.status_code == 404
    assert await outbox_rows(app) == before


async def test_generic_gateway_receipts_are_checked_with_the_shared_secret(
    app: Litestar, admin: Web, gateway: FakeGateway, web: Web
) -> None:
    import time

    await open_election(admin)
    app.state.settings = app.state.settings.with_(
        sms_gateway="generic",
        sms_generic_url=gateway.url + "/generic",
        sms_generic_secret=GENERIC_SECRET,
    )
    await deliver(app)
    sent = gateway.wait_for(2)[0]
    path = sent.callback.removeprefix("http://testserver.local")
    assert path.startswith("/sms/receipts/generic/")
    before = await outbox_rows(app)
    for secret, at in (("wrong secret", None), (None, time.time() - 3600)):
        _url, body, headers = gateway.generic_receipt(sent, "delivered", secret=secret, at=at)
        assert (await web.client.post(path, content=body, headers=headers)).status_code == 403
    assert (
        await web.client.post(path, content=b'{"id":"x","status":"delivered"}')
    ).status_code == 403
    assert await outbox_rows(app) == before
    _url, body, headers = gateway.generic_receipt(sent, "failed")
    r = await web.client.post(path, content=body, headers=headers)
    assert r.status_code == 200 and r.json() == {"result": "recorded"}
    changed = [row for row in await outbox_rows(app) if row not in before]
    assert [(c[1], c[2], c[3], c[4]) for c in changed] == [("sms", "sent", "failed", sent.sid)]


async def test_reminders_go_by_text_to_members_who_have_not_voted(
    app: Litestar, admin: Web, gateway: FakeGateway
) -> None:
    election_id = await open_election(admin)
    await deliver(app)
    gateway.wait_for(2)
    r = await admin.post(f"/api/elections/{election_id}/reminders")
    assert r.status_code == 200 and r.json() == {"queued": 4}
    await deliver(app)
    reminders = by_number(gateway.wait_for(4)[2:])
    korean = reminders["+14155552671"].body
    assert "아직" in korean and "새 링크" in korean and within_budget(korean)
    vietnamese = reminders["+12135550199"].body
    assert "chưa bỏ phiếu" in vietnamese and within_budget(vietnamese)


async def test_send_by_another_channel_is_confirmed_logged_and_kills_the_old_link(
    app: Litestar, admin: Web, gateway: FakeGateway, sink: MailSink
) -> None:
    election_id = await open_election(admin)
    await deliver(app)
    gateway.wait_for(2)
    before = await outbox_rows(app)
    member = f"{C}/{election_id}/members/S2"
    page = (await admin.get(member)).text
    assert "Send by another way" in page and "an@example.org" in page
    # Without the confirmation nothing happens.
    r = await admin.post(f"{member}/send-by", data={"channel": "email"})
    assert r.status_code == 400 and await outbox_rows(app) == before
    # A channel the member has no contact for is refused (S3 has no phone).
    r = await admin.post(
        f"{C}/{election_id}/members/S3/send-by", data={"channel": "sms", "confirm": "yes"}
    )
    assert r.status_code == 409 and await outbox_rows(app) == before
    r = await admin.post(f"{member}/send-by", data={"channel": "pigeon", "confirm": "yes"})
    assert r.status_code in (400, 422) and await outbox_rows(app) == before

    ids = await voter_ids(app)
    r = await admin.post(f"{member}/send-by", data={"channel": "email", "confirm": "yes"})
    assert r.status_code == 200, r.text
    assert "A new link is on its way" in r.text
    async with app.state.session_factory() as db:
        statuses = sorted(
            s
            for (s,) in await db.execute(
                select(VoterToken.status).where(VoterToken.voter_id == ids["S2"])
            )
        )
        log = [(e.action, json.loads(e.detail)) for e in await activity_entries(db)]
    assert statuses == ["active", "replaced"]
    assert (
        "link_sent_by_channel",
        {"election": election_id, "member": "S2", "channel": "email"},
    ) in log
    await deliver(app)
    mails = [m for m in sink.messages if m["To"] == "an@example.org"]
    assert len(mails) == 1
    assert (await delivery(app, election_id))["S2"] == {"sms": "sent", "email": "sent"}
    page = (await admin.get(member)).text
    assert "Delivery" in page and "Sent" in page


async def test_the_committee_corrects_a_phone_before_opening(app: Litestar, admin: Web) -> None:
    election_id = await create_draft(admin, **DEFINITION)
    r = await admin.post(f"/api/elections/{election_id}/roll", content=ROLL.encode())
    assert r.status_code == 200, r.text
    member = f"{C}/{election_id}/members/S1"
    form = {
        "name": "Kim Min-jun",
        "email": "",
        "phone": "415-555-267",
        "channel": "sms",
        "language": "ko",
        "unit": "North",
    }
    r = await admin.post(member, data=form)
    assert r.status_code == 422 and "not a valid phone number" in r.text
    r = await admin.post(member, data={**form, "phone": "(415) 555-2699"})
    assert r.status_code == 200, r.text
    async with app.state.session_factory() as db:
        kim = await db.scalar(select(Voter).where(Voter.member_id == "S1"))
    assert kim is not None and kim.phone == "+14155552699" and kim.email is None
    # Neither an address nor a phone: refused, nothing changes.
    r = await admin.post(member, data={**form, "phone": ""})
    assert r.status_code == 422
    api = (await admin.get(f"/api/elections/{election_id}/roll?q=S1")).json()
    assert api[0]["phone"] == "+14155552699" and api[0]["channel"] == "sms"


async def test_a_late_member_with_only_a_phone_is_invited_by_text(
    app: Litestar, admin: Web, gateway: FakeGateway
) -> None:
    election_id = await open_election(admin)
    await deliver(app)
    gateway.wait_for(2)
    r = await admin.post(
        f"/api/elections/{election_id}/roll/late",
        json={"member_id": "S9", "name": "Tran Thi Mai", "phone": "415 555 2690", "language": "vi"},
    )
    assert r.status_code == 201, r.text
    r = await admin.post(
        f"/api/elections/{election_id}/roll/late",
        json={"member_id": "S10", "name": "Nobody", "language": "vi"},
    )
    assert r.status_code == 422
    problems = r.json()["problems"]
    assert problems[0]["message"].startswith("has neither an email address nor a phone number")
    await deliver(app)
    late = by_number(gateway.wait_for(3))["+14155552690"]
    assert "bỏ phiếu" in late.body and within_budget(late.body)
    page = (await admin.get(f"{C}/{election_id}/add-member")).text
    assert 'name="phone"' in page and 'type="tel"' in page
