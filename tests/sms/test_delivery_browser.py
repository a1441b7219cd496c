"""The roll's delivery status in Debian's Chromium against a real server, on both engines.

An election opened with members reached by text, e-mail or both; the invitations go out
through the fake Twilio and its signed receipts (delivered, undelivered) come back over
real HTTP.  The roll and a member's page are checked with axe-core (no serious or
critical violation), for sideways scrolling at 320 px, and saved as screenshots at 320
and 1280 px in English and Korean (``BALLOT_SHOTS``, default ``/work/shots/sms``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import check_languages, off_thread, shots_folder, signed_in
from tests.support.browser_fixtures import ENGINES, browser_fixture, live_server
from tests.support.committee import Committee
from tests.support.live import LiveServer
from tests.support.sms_gateway import ACCOUNT_SID, AUTH_TOKEN, FakeGateway

from .test_receipts import DEFINITION

pytestmark = [pytest.mark.browser]

SHOTS = Path("/work/shots/sms")  # unless BALLOT_SHOTS names another folder
ROLL = """member_id,name,email,phone,channel,language,unit
S1,Kim Min-jun,,(415) 555-2671,,ko,North
S2,Nguyen Van An,an@example.org,+1 213 555 0199,sms,vi,North
S3,Ana Lopez,ana@example.org,,,es,South
S4,Ben Carter,ben@example.org,415-555-2672,,en,South
S5,Maria Santos,,415-555-2673,,es,East
"""


@pytest.fixture(scope="module", params=ENGINES)
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveServer, FakeGateway, str]]:
    """An open election whose texts went out through the fake gateway: one delivered, one
    undelivered, one still only sent."""
    folder = tmp_path_factory.mktemp("live")
    gateway = FakeGateway().start()
    try:
        with live_server(
            request.param,
            folder,
            inbox=True,
            sms_gateway="twilio",
            sms_from="+15005550006",
            sms_rate=0,
            twilio_account_sid=ACCOUNT_SID,
            twilio_auth_token=AUTH_TOKEN,
            twilio_api_url=gateway.url,
        ) as server:
            with Committee(server.base) as committee:
                election_id, _, _ = committee.open_election(DEFINITION, ROLL)
            server.deliver()
            texts = {m.to: m for m in gateway.wait_for(3)}

            async def receipts() -> None:
                for number, status in (
                    ("+14155552671", "delivered"),
                    ("+12135550199", "undelivered"),
                ):
                    r = await gateway.status_callback(texts[number], status)
                    assert r.status_code == 200, r.text

            asyncio.run(receipts())
            yield server, gateway, election_id
    finally:
        gateway.stop()


browser = browser_fixture()


def look(page: Any, live: LiveServer, url: str, name: str) -> dict[str, str]:
    """The page at ``url`` in each language and width (checked and shot); what each says."""
    page.goto(url)
    return check_languages(page, live, shots_folder(SHOTS), name)


def test_the_roll_shows_each_members_delivery(live: Any, browser: Any) -> None:
    server, _gateway, election_id = live
    page = signed_in(browser, server.base)
    roll = look(page, server, f"{server.base}/committee/elections/{election_id}/members", "roll")
    assert "Text message: Delivered to the phone" in roll["en"]
    assert "Text message: Bounced" in roll["en"]
    assert "Text message: Sent" in roll["en"] and "E-mail: Sent" in roll["en"]
    assert "문자 메시지: 휴대폰에 전달됨" in roll["ko"] and "문자 메시지: 반송됨" in roll["ko"]


def test_a_bounced_text_is_sent_again_by_email_from_the_members_page(
    live: Any, browser: Any
) -> None:
    server, _gateway, election_id = live
    page = signed_in(browser, server.base)
    url = f"{server.base}/committee/elections/{election_id}/members/S2"
    member = look(page, server, url, "member")
    assert "Bounced" in member["en"] and "Send by another way" in member["en"]
    assert "다른 방법으로 보내기" in member["ko"]
    page.goto(f"{url}?ui=en")
    page.get_by_label("Send the new link by").select_option("email")
    page.get_by_label("Yes, send this member a new link this way").check()
    page.get_by_role("button", name="Send by another way").click()
    page.wait_for_load_state()
    assert "A new link is on its way by the way you chose" in page.inner_text("main")
    before = len(server.inbox.messages)
    assert off_thread(server.deliver) >= 1
    mails = server.inbox.wait_for(before + 1)[before:]
    assert [m["To"] for m in mails] == ["an@example.org"]
    page.goto(f"{url}?ui=en")
    text = page.inner_text("main")
    assert "E-mail" in text and "Sent" in text
