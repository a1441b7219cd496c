"""The set-up checklist over HTTP (both engines): opening is refused, naming what is
missing and changing nothing, until every step is done; rehearsals prove each trustee's
key (a wrong one is refused); the test message is invitation-shaped with no usable
token; the invitation preview shows what a Korean reader receives.

The checklist is on here (the rest of the suite turns it off: tests/support/plugin.py).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from sqlalchemy import select

from ballot.config import Settings
from ballot.crypto.ceremony import TrusteeShare, local_ceremony, verify_transcript
from ballot.crypto.rehearsal import rehearse
from ballot.mail.worker import run_worker
from ballot.service.acting import Acting
from ballot.service.schedule import apply_schedule
from ballot.store.setup_tables import TrusteeRehearsal
from tests.support.asgi import FakeClock, Web, client_for, create_draft, make_account, settings_for
from tests.support.elections import DEFINITION, ROLL
from tests.support.inbox import Inbox, plain_text

STEPS = ["definition", "translations", "roll", "ceremony", "rehearsals", "test_message", "notice"]
TRUSTEES = ("t1@example.org", "t2@example.org")


@pytest.fixture
def settings(migrated_db_url: str, tmp_path: Path) -> Settings:
    return settings_for(migrated_db_url, tmp_path).with_(setup_checklist=True)


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    box = Inbox().start()
    try:
        yield box  # type: ignore[misc]
    finally:
        box.stop()


@pytest.fixture
async def trustees(app: Litestar) -> AsyncIterator[list[Web]]:
    clients = []
    for email in TRUSTEES:
        await make_account(app, email, "trustee")
        client = client_for(app)
        web = Web(client)
        assert (await web.login(email)).status_code == 200
        clients.append(web)
    yield clients
    for web in clients:
        await web.client.aclose()


def definition() -> dict[str, Any]:
    return {**DEFINITION, "trustees": {"n": 2, "k": 2}}


async def checklist(admin: Web, election_id: str) -> dict[str, Any]:
    r = await admin.get(f"/api/elections/{election_id}/checklist")
    assert r.status_code == 200, r.text
    return dict(r.json())


async def missing(admin: Web, election_id: str) -> list[str]:
    return [s["key"] for s in (await checklist(admin, election_id))["steps"] if not s["done"]]


async def refused_to(admin: Web, election_id: str, target: str, steps: list[str]) -> None:
    """Moving to ``target`` is refused naming ``steps``' titles, and nothing changes."""
    before = (await admin.get(f"/api/elections/{election_id}")).json()
    r = await admin.post(f"/api/elections/{election_id}/state", json={"target": target})
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "setup_incomplete", r.text
    assert set(steps) <= set(r.json()["missing"]), r.text
    assert "set-up checklist is not complete" in r.json()["error"]
    board = (await admin.get(f"/api/elections/{election_id}/board")).json()["entries"]
    assert (await admin.get(f"/api/elections/{election_id}")).json() == before
    assert not any(e["kind"] in ("election.opened", "roll.frozen") for e in board)
    sheet = await checklist(admin, election_id)
    titles = {s["key"]: s["title"] for s in sheet["steps"]}
    for key in steps:
        assert titles[key] in r.json()["error"], (key, r.json()["error"])


async def ceremony(admin: Web, election_id: str) -> list[TrusteeShare]:
    """Seat the trustees, start the ceremony, record a local one; the trustees' shares."""
    for position, email in enumerate(TRUSTEES, start=1):
        r = await admin.post(
            f"/api/elections/{election_id}/trustees", json={"email": email, "position": position}
        )
        assert r.status_code in (200, 201), r.text
    r = await admin.post(f"/api/elections/{election_id}/state", json={"target": "key_ceremony"})
    assert r.status_code == 200, r.text
    digest = (await admin.get(f"/api/elections/{election_id}/ceremony")).json()["manifest_hash"]
    transcript, blobs = local_ceremony(2, 2, bytes.fromhex(digest))
    r = await admin.post(f"/api/elections/{election_id}/ceremony/transcript", json=transcript)
    assert r.status_code == 200, r.text
    return [TrusteeShare.from_bytes(b) for b in blobs]


async def made_answer(
    trustee: Web, election_id: str, share: TrusteeShare, position: int
) -> dict[str, object]:
    """What ``ballot trustee rehearse`` does before posting: challenge, decrypt, prove.

    With another trustee's ``share`` the tool's own check is passed over (as a tool
    without it, or a damaged key file, would), so the server's check is what refuses.
    """
    r = await trustee.post(f"/api/elections/{election_id}/rehearsals/challenge", json={})
    assert r.status_code == 200, r.text
    challenge = r.json()
    assert challenge["trustee"] == position
    entries = (await trustee.get(f"/api/elections/{election_id}/board")).json()["entries"]
    transcript = next(e for e in reversed(entries) if e["kind"] == "ceremony.completed")
    verified = verify_transcript(transcript["payload"]["transcript"], share.manifest_hash)
    made = rehearse(
        position,
        share.secret_share,
        verified.verification_keys[share.index],
        verified.joint_public_key,
        bytes.fromhex(challenge["fingerprint"]),
        bytes.fromhex(challenge["nonce"]),
    )
    return made.to_json()


async def answer(trustee: Web, election_id: str, share: TrusteeShare, position: int) -> Any:
    """Challenge, decrypt with a proof, post (what ``ballot trustee rehearse`` does)."""
    body = await made_answer(trustee, election_id, share, position)
    return await trustee.post(f"/api/elections/{election_id}/rehearsals", json=body)


async def deliver(app: Litestar, settings: Settings, inbox: Inbox) -> int:
    mail = settings.with_(smtp_port=inbox.port, mail_rate=0)
    return await run_worker(app.state.session_factory, mail, once=True)


async def test_a_new_draft_lists_every_step_in_order_with_who_acts(admin: Web) -> None:
    election_id = await create_draft(admin, **definition())
    sheet = await checklist(admin, election_id)
    assert [s["key"] for s in sheet["steps"]] == STEPS
    assert sheet["enforced"] is True and sheet["complete"] is False
    by_key = {s["key"]: s for s in sheet["steps"]}
    assert by_key["definition"]["done"] is True
    assert by_key["translations"]["actor"] == "translators"
    assert any("English (en)" in m for m in by_key["translations"]["missing"])
    assert by_key["roll"]["missing"] == ["The roll is empty: import the members who may vote."]
    assert "No trustee is named for position 1, 2." in by_key["ceremony"]["missing"]
    assert by_key["rehearsals"]["actor"] == "trustees"
    assert by_key["notice"]["link"] == f"/committee/elections/{election_id}/notice"
    page = (await admin.get(f"/committee/elections/{election_id}")).text
    assert 'id="setup-checklist"' in page and 'id="step-notice"' in page
    assert page.count('data-state="missing"') == 6


async def test_opening_is_refused_until_every_step_is_done(
    app: Litestar,
    admin: Web,
    settings: Settings,
    trustees: list[Web],
    inbox: Inbox,
    clock: FakeClock,
) -> None:
    election_id = await create_draft(admin, **definition())
    url = f"/committee/elections/{election_id}"
    r = await admin.post(f"/api/elections/{election_id}/roll", content=ROLL.encode())
    assert r.status_code == 200, r.text
    shares = await ceremony(admin, election_id)
    await refused_to(admin, election_id, "ready", ["translations", "rehearsals", "notice"])
    # The committee page says the same, at the top, and changes nothing.
    page = await admin.post(url + "/state", data={"target": "ready"})
    assert page.status_code == 409 and "set-up checklist is not complete" in page.text
    for language in ("en", "es", "ko"):
        assert (await admin.post(f"{url}/translations/{language}/sign-off")).status_code == 200
    # Each trustee proves their key; the second one's first try uses the wrong key file.
    wrong = await answer(trustees[1], election_id, shares[0], 2)
    assert wrong.status_code in (400, 422), wrong.text
    assert await missing(admin, election_id) == ["rehearsals", "test_message", "notice"]
    for position, (web, share) in enumerate(zip(trustees, shares, strict=True), start=1):
        r = await answer(web, election_id, share, position)
        assert r.status_code == 200 and r.json()["proved"] is True, r.text
    assert await missing(admin, election_id) == ["test_message", "notice"]
    # When each key was proved, as the committee reads times: no ISO text, the zone named.
    shown = (await admin.get(url + "/rehearsals")).text
    assert shown.count("<time datetime=") == 2 and not re.search(r"\d{4}-\d\d-\d\d \d", shown)
    # The test message must be sent before it can be confirmed.
    r = await admin.post(
        url + "/test-message", data={"address": "me@example.org", "language": "ko"}
    )
    assert r.status_code == 200
    r = await admin.post(url + "/test-message/arrived")
    assert r.status_code == 409 and "not been sent yet" in r.text
    assert await deliver(app, settings, inbox) == 1
    assert (await admin.post(url + "/test-message/arrived")).status_code == 200
    await refused_to(admin, election_id, "ready", ["notice"])
    r = await admin.post(url + "/notice", data={"posted_on": "2026-04-30", "place": "Break room"})
    assert r.status_code == 200 and "Break room" in r.text
    assert (await checklist(admin, election_id))["complete"] is True
    r = await admin.post(f"/api/elections/{election_id}/state", json={"target": "ready"})
    assert r.status_code == 200, r.text
    # A step that comes undone after "ready" (a roll file waits for corrections) stops the
    # opening again, by hand and by the schedule.
    bad = "member_id,name,email,language,unit,challenged\nK900,Nobody,not-an-address,en,,\n"
    r = await admin.post(url + "/roll-import", files={"roll": ("roll.csv", bad, "text/csv")})
    assert r.status_code == 422
    await refused_to(admin, election_id, "open", ["roll"])
    clock.advance(days=2)  # past the opening time (the session has expired meanwhile)
    assert (await admin.login("admin@example.org")).status_code == 200
    ctx = Acting(settings, app.state.secrets.board_key, "scheduler", clock())
    async with app.state.session_factory() as db:
        assert await apply_schedule(db, ctx) == []
    good = "member_id,name,email,language,unit,challenged\nK900,Nobody,k900@example.org,en,,\n"
    r = await admin.post(url + "/roll-import", files={"roll": ("roll.csv", good, "text/csv")})
    assert r.status_code == 200, r.text
    async with app.state.session_factory() as db:
        assert await apply_schedule(db, ctx) == [(election_id, "open")]
    # Once open the checklist section is gone from the page; the activity log has each act.
    assert 'id="setup-checklist"' not in (await admin.get(url)).text
    log = (await admin.get(f"/committee/audit?election={election_id}")).text
    for act in ("Trustee proved they hold their key", "Test message sent", "Test message arrived"):
        assert act in log, act


async def test_a_step_that_comes_undone_stops_opening_again(
    app: Litestar, admin: Web, settings: Settings, trustees: list[Web], inbox: Inbox
) -> None:
    """Back to draft discards the key: the old rehearsals no longer count."""
    election_id = await create_draft(admin, **definition())
    shares = await ceremony(admin, election_id)
    for position, (web, share) in enumerate(zip(trustees, shares, strict=True), start=1):
        assert (await answer(web, election_id, share, position)).status_code == 200
    assert "rehearsals" not in await missing(admin, election_id)
    r = await admin.post(
        f"/api/elections/{election_id}/state", json={"target": "draft", "reason": "typo"}
    )
    assert r.status_code == 200, r.text
    assert "rehearsals" in await missing(admin, election_id)
    async with app.state.session_factory() as db:
        rows = list(await db.scalars(select(TrusteeRehearsal)))
    assert len(rows) == 2 and all(r.proved_at is not None for r in rows)  # kept, not counted


async def test_a_rehearsal_answer_is_good_once_and_only_from_its_trustee(
    admin: Web, trustees: list[Web]
) -> None:
    election_id = await create_draft(admin, **definition())
    shares = await ceremony(admin, election_id)
    r = await trustees[0].post(f"/api/elections/{election_id}/rehearsals/challenge", json={})
    nonce = r.json()["nonce"]
    again = await trustees[0].post(f"/api/elections/{election_id}/rehearsals/challenge", json={})
    assert again.json()["nonce"] == nonce  # the open challenge, not a new one each time
    body = await made_answer(trustees[0], election_id, shares[0], 1)
    path = f"/api/elections/{election_id}/rehearsals"
    assert (await trustees[1].post(path, json=body)).status_code == 404  # not issued to them
    assert (await trustees[0].post(path, json=body)).status_code == 200
    replay = await trustees[0].post(path, json=body)
    assert replay.status_code == 409 and "already answered" in replay.text
    # The committee cannot rehearse for a trustee (the route is the trustees').
    r = await admin.post(f"/api/elections/{election_id}/rehearsals/challenge", json={})
    assert r.status_code == 403


async def test_the_test_message_is_an_invitation_with_no_usable_token(
    app: Litestar, admin: Web, web: Web, settings: Settings, inbox: Inbox
) -> None:
    election_id = await create_draft(admin, **definition())
    r = await admin.post(
        f"/api/elections/{election_id}/test-message",
        json={"address": "committee@example.org", "language": "ko"},
    )
    assert r.status_code == 200, r.text
    assert await deliver(app, settings, inbox) == 1
    message = inbox.wait_for(1)[0]
    assert message["To"] == "committee@example.org"
    assert (
        message["Subject"].startswith("[") and "투표 안내: 노동조합 인정 투표" in message["Subject"]
    )
    body = plain_text(message)
    assert "노동조합 인정 투표" in body
    token = re.search(r"/v/([A-Za-z0-9_\-]+)", body)
    assert token is not None and token.group(1) == "EXAMPLE-not-a-voting-link"
    assert (await web.get(f"/v/{token.group(1)}")).status_code >= 400
    assert (await admin.get(f"/api/elections/{election_id}")).json()["state"] == "draft"
    async with app.state.session_factory() as db:
        from ballot.store.models import VoterToken

        assert list(await db.scalars(select(VoterToken))) == []
    # Bad input is refused and queues nothing.
    for bad in (
        {"address": "not an address", "language": "en"},
        {"address": "a@b.org", "language": "xx"},
    ):
        r = await admin.post(f"/api/elections/{election_id}/test-message", json=bad)
        assert r.status_code == 400, r.text
    assert await deliver(app, settings, inbox) == 0


async def test_the_invitation_preview_shows_what_a_korean_member_receives(admin: Web) -> None:
    election_id = await create_draft(admin, **definition())
    r = await admin.get(f"/committee/elections/{election_id}/invitation-preview?lang=ko&ui=ko")
    assert r.status_code == 200
    subject = re.search(r'<p id="preview-subject" lang="ko">([^<]*)</p>', r.text)
    assert subject is not None and subject.group(1) == "투표 안내: 노동조합 인정 투표"
    assert "EXAMPLE-not-a-voting-link" in r.text
    assert "하나를 선택하십시오" not in r.text  # the invitation, not the ballot
    assert 'lang="ko"' in r.text


async def test_the_notice_form_refuses_a_future_date_and_keeps_the_values(admin: Web) -> None:
    election_id = await create_draft(admin, **definition())
    url = f"/committee/elections/{election_id}/notice"
    r = await admin.post(url, data={"posted_on": "2026-06-01", "place": "Gate 3"})
    assert r.status_code == 400 and "after today" in r.text
    assert 'value="2026-06-01"' in r.text and "Gate 3</textarea>" in r.text
    assert "notice" in await missing(admin, election_id)
