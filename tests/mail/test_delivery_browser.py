"""E-mail delivery status, the typed letter code and the text-message preview in Debian's
Chromium against a real server (SQLite): invitations sent through a real SMTP server, then
Mailgun's signed events over real HTTP (delivered, bounced, delayed); the roll, a bounced
member's page (another way, a letter), the letter's PDF, the ``/v`` code page (the code
typed loosely opens the ballot) and the invitation preview's text messages.  Each page
is checked with axe-core and for sideways scrolling at 320 px, and saved at 320 and
1280 px in English and Korean (``BALLOT_SHOTS``, default ``/work/shots/reach-mail``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pypdfium2
import pytest

from tests.support.accounts import ADMIN, PASSWORD
from tests.support.asgi import definition
from tests.support.bounces import (
    BOUNCES,
    ROLL,
    SIGNING_KEY,
    delivered_event,
    failed_event,
    mailgun_event,
)
from tests.support.browser import AXE, CHROMIUM, axe_violations, chromium, serious
from tests.support.committee import Committee
from tests.support.databases import require
from tests.support.inbox import Inbox
from tests.support.live import LiveServer, engine_database, start_server

pytestmark = [pytest.mark.browser]

SHOTS = Path(os.environ.get("BALLOT_SHOTS", "/work/shots/reach-mail"))
SPEC = definition(
    title={
        "en": "Recognition vote",
        "es": "Votación de reconocimiento",
        "ko": "노동조합 인정 투표",
    },
    instructions={"en": "Choose one.", "es": "Elija una.", "ko": "하나를 선택하십시오."},
    questions=[
        {
            "text": {
                "en": "Do you want the union?",
                "es": "¿Quiere el sindicato?",
                "ko": "노동조합을 원하십니까?",
            },
            "min": 1,
            "max": 1,
            "options": [
                {"en": "Yes", "es": "Sí", "ko": "예"},
                {"en": "No", "es": "No", "ko": "아니요"},
            ],
        }
    ],
)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, str]]:
    require(CHROMIUM.exists(), "Debian chromium is not installed at /usr/bin/chromium")
    require(AXE.exists(), f"axe-core not found at {AXE} (npm install axe-core)")
    folder = tmp_path_factory.mktemp("live")
    with engine_database("sqlite", folder) as url:
        server = start_server(
            url,
            folder,
            inbox=Inbox().start(),
            bounce_address=BOUNCES,
            mail_events="mailgun",
            mailgun_signing_key=SIGNING_KEY,
        )
        try:
            with Committee(server.base) as committee:
                election_id, _, _ = committee.open_election(SPEC, ROLL)
            server.deliver()
            refs = {
                m["To"]: m["Message-ID"].strip("<>").split("@")[0] for m in server.inbox.messages
            }
            events = [
                delivered_event(refs["dolores@example.org"], "dolores@example.org"),
                failed_event(refs["ana@example.org"], "ana@example.org", "permanent", 550, "5.1.1"),
                failed_event(refs["ben@example.org"], "ben@example.org", "permanent", 552, "5.2.2"),
                failed_event(
                    refs["chen@example.org"], "chen@example.org", "temporary", 421, "4.4.1"
                ),
            ]
            for event in events:
                r = httpx.post(f"{server.base}/mail/events/mailgun", json=mailgun_event(event))
                assert r.status_code == 200, r.text
            yield server, election_id
        finally:
            server.stop()


@pytest.fixture(scope="module")
def browser(live: Any) -> Iterator[Any]:
    with chromium() as b:
        yield b


def signed_in(browser: Any, base: str) -> Any:
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(ADMIN)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    return page


def look(page: Any, base: str, url: str, name: str, param: str = "ui") -> dict[str, str]:
    """Each language and width: no sideways scrolling at 320 px, axe-clean, a screenshot."""
    texts = {}
    SHOTS.mkdir(parents=True, exist_ok=True)
    for lang in ("en", "ko"):
        for width in (320, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            joiner = "&" if "?" in url else "?"
            page.goto(f"{url}{joiner}{param}={lang}")
            if width == 320:
                scroll = page.evaluate("document.documentElement.scrollWidth")
                assert scroll <= 320, (name, lang, scroll)
            page.screenshot(path=str(SHOTS / f"{name}-{lang}-{width}.png"), full_page=True)
        assert serious(axe_violations(page, base)) == [], (name, lang)
        texts[lang] = page.inner_text("main")
    return texts


def test_the_roll_and_a_bounced_members_page(live: Any, browser: Any) -> None:
    server, election_id = live
    page = signed_in(browser, server.base)
    members = f"{server.base}/committee/elections/{election_id}/members"
    roll = look(page, server.base, members, "roll")
    assert "E-mail: Bounced" in roll["en"] and "E-mail: Delivered to the mail server" in roll["en"]
    assert "이메일: 반송됨" in roll["ko"] and "메일 서버에 전달됨" in roll["ko"]
    ana = look(page, server.base, f"{members}/B1", "member-bounced")
    assert "the address is wrong or no longer exists (5.1.1)" in ana["en"]
    assert "Print this member's letter" in ana["en"] and "편지 인쇄하기" in ana["ko"]
    ben = look(page, server.base, f"{members}/B2", "member-bounced-phone")
    assert "Send by another way" in ben["en"] and "(5.2.2)" in ben["en"]
    chen = look(page, server.base, f"{members}/B3", "member-delayed")
    assert "delaying it and will keep trying (4.4.1)" in chen["en"]


def test_a_letter_then_its_code_typed_on_the_page(live: Any, browser: Any) -> None:
    server, election_id = live
    page = signed_in(browser, server.base)
    page.goto(f"{server.base}/committee/elections/{election_id}/members/B1?ui=en")
    page.click("#letter-link")
    page.wait_for_load_state()
    page.check("#letters-confirm")
    with page.expect_download() as download:
        page.get_by_role("button", name="Reissue the links and download the letters (PDF)").click()
    pdf = Path(download.value.path()).read_bytes()
    document = pypdfium2.PdfDocument(pdf)
    SHOTS.mkdir(parents=True, exist_ok=True)
    document[0].render(scale=1.5).to_pil().save(SHOTS / "letter-es.png")
    text = document[0].get_textpage().get_text_range()
    code = next(
        line.replace(" ", "").strip()
        for line in text.splitlines()
        if line.count("-") == 3 and len(line.replace(" ", "").strip()) == 23
    )
    assert f"{server.base}/v" in text.replace("\r", "")

    voter = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    look(voter, server.base, f"{server.base}/v/", "code-page", param="lang")
    voter.goto(f"{server.base}/v/?lang=en")
    voter.get_by_label("Your code").fill("NOT A CODE AT ALL 1234")
    voter.get_by_role("button", name="Open my ballot").click()
    voter.wait_for_load_state()
    for width in (320, 1280):
        voter.set_viewport_size({"width": width, "height": 900})
        voter.screenshot(path=str(SHOTS / f"code-page-refused-en-{width}.png"), full_page=True)
    assert "20 letters and digits" in voter.inner_text("main")
    assert serious(axe_violations(voter, server.base)) == []
    voter.get_by_label("Your code").fill(code.lower().replace("-", " ").replace("0", "o"))
    voter.get_by_role("button", name="Open my ballot").click()
    voter.wait_for_selector("fieldset.question")
    assert voter.url == f"{server.base}/v/?lang=en"  # the code left the address bar
    assert "Do you want the union?" in voter.inner_text("main") or "¿Quiere" in voter.inner_text(
        "main"
    )


def test_the_invitation_preview_shows_the_text_messages(live: Any, browser: Any) -> None:
    server, election_id = live
    page = signed_in(browser, server.base)
    url = f"{server.base}/committee/elections/{election_id}/invitation-preview?lang=ko"
    preview = look(page, server.base, url, "invitation-preview")
    assert "UCS-2" in preview["en"] and "GSM-7" in preview["en"]
    assert "문자 메시지" in preview["ko"]
