"""The roll's delivery status in Debian's Chromium against a real server, on both engines.

An election opened with members reached by text, e-mail or both; the invitations go out
through the fake Twilio and its signed receipts (delivered, undelivered) come back over
real HTTP.  The roll and a member's page are checked with axe-core (no serious or
critical violation), for sideways scrolling at 320 px, and saved as screenshots at 320
and 1280 px in English and Korean (``BALLOT_SHOTS``, default ``/work/shots/sms``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.support.accounts import ADMIN, PASSWORD
from tests.support.committee import Committee
from tests.support.databases import require
from tests.support.inbox import Inbox
from tests.support.live import LiveServer, engine_database, start_server
from tests.support.sms_gateway import ACCOUNT_SID, AUTH_TOKEN, FakeGateway

from .test_receipts import DEFINITION

pytestmark = [pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
AXE = Path(os.environ.get("BALLOT_AXE_JS", ROOT / "node_modules" / "axe-core" / "axe.min.js"))
SHOTS = Path(os.environ.get("BALLOT_SHOTS", "/work/shots/sms"))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
ROLL = """member_id,name,email,phone,channel,language,unit
S1,Kim Min-jun,,(415) 555-2671,,ko,North
S2,Nguyen Van An,an@example.org,+1 213 555 0199,sms,vi,North
S3,Ana Lopez,ana@example.org,,,es,South
S4,Ben Carter,ben@example.org,415-555-2672,,en,South
S5,Maria Santos,,415-555-2673,,es,East
"""


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveServer, FakeGateway, str]]:
    require(CHROMIUM.exists(), "Debian chromium is not installed at /usr/bin/chromium")
    require(AXE.exists(), f"axe-core not found at {AXE} (npm install axe-core)")
    folder = tmp_path_factory.mktemp("live")
    gateway = FakeGateway().start()
    with engine_database(request.param, folder) as url:
        server = start_server(
            url,
            folder,
            inbox=Inbox().start(),
            engine=request.param,
            sms_gateway="twilio",
            sms_from="+15005550006",
            sms_rate=0,
            twilio_account_sid=ACCOUNT_SID,
            twilio_auth_token=AUTH_TOKEN,
            twilio_api_url=gateway.url,
        )
        try:
            with Committee(server.base) as committee:
                election_id, _, _ = committee.open_election(DEFINITION, ROLL)
            server.deliver()
            texts = {m.to: m for m in gateway.wait_for(3)}
            import asyncio

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
            server.stop()
            gateway.stop()


@pytest.fixture(scope="module")
def browser(live: Any) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield b
        finally:
            b.close()


def signed_in(browser: Any, base: str) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(ADMIN)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    return page


def axe_clean(page: Any, base: str, where: Any) -> None:
    url = f"{base}/static/__axe.min.js"
    page.route(url, lambda route: route.fulfill(path=str(AXE), content_type="text/javascript"))
    page.add_script_tag(url=url)
    found = page.evaluate(
        "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', "
        "'wcag21aa', 'wcag22aa', 'best-practice']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target)}))"
    )
    assert [v for v in found if v["impact"] in ("serious", "critical")] == [], (where, found)


def look(page: Any, live: LiveServer, url: str, name: str) -> dict[str, str]:
    """Each language and width: no sideways scrolling at 320 px, axe-clean, a screenshot."""
    texts = {}
    for lang in ("en", "ko"):
        for width in (320, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(f"{url}?ui={lang}")
            if width == 320:
                scroll = page.evaluate("document.documentElement.scrollWidth")
                assert scroll <= 320, (name, lang, scroll)
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(
                path=str(SHOTS / f"{live.engine}-{name}-{lang}-{width}.png"), full_page=True
            )
        axe_clean(page, live.base, (name, lang))
        texts[lang] = page.inner_text("main")
    return texts


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
    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API holds this thread's loop
        assert pool.submit(server.deliver).result() >= 1
    mails = server.inbox.wait_for(before + 1)[before:]
    assert [m["To"] for m in mails] == ["an@example.org"]
    page.goto(f"{url}?ui=en")
    text = page.inner_text("main")
    assert "E-mail" in text and "Sent" in text
