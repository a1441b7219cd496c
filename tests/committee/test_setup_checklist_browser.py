"""The set-up checklist in Debian's Chromium against a real server (SQLite and PostgreSQL):
the election page shows each step done or missing with who acts; the committee sends a
test message from the form, confirms it arrived, previews the invitation in Korean and
records the notice.

Every page is checked with axe-core (no serious or critical violation), for horizontal
scrolling at 320 px, and saved at 320 and 1280 px in English and Korean (``BALLOT_SHOTS``,
default ``/work/shots/setup-checklist``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ballot.crypto.ceremony import TrusteeShare, local_ceremony
from ballot.trustee.client import TrusteeClient
from ballot.trustee.rehearse import run_rehearsal
from tests.support.accounts import ADMIN, PASSWORD
from tests.support.committee import Committee
from tests.support.databases import require
from tests.support.elections import DEFINITION, ROLL
from tests.support.inbox import Inbox
from tests.support.live import LiveServer, engine_database, start_server
from tests.support.trustees import TRUSTEES, ceremony_election

pytestmark = [pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
AXE = Path(os.environ.get("BALLOT_AXE_JS", ROOT / "node_modules" / "axe-core" / "axe.min.js"))
SHOTS = Path(os.environ.get("BALLOT_SHOTS", "/work/shots/setup-checklist"))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """An election with its ceremony held and trustee 1's key proved; the rest to do."""
    require(CHROMIUM.exists(), "Debian chromium is not installed at /usr/bin/chromium")
    folder = tmp_path_factory.mktemp("live")
    with engine_database(request.param, folder) as url:
        server = start_server(
            url, folder, inbox=Inbox().start(), engine=request.param, setup_checklist=True
        )
        try:
            with Committee(server.base) as admin:
                now = datetime.now(UTC)  # the live server's clock is the real one
                spec = {
                    **DEFINITION,
                    "trustees": {"n": 2, "k": 2},
                    "opens_at": (now + timedelta(days=2)).isoformat(),
                    "closes_at": (now + timedelta(days=9)).isoformat(),
                }
                election_id = ceremony_election(admin, spec, ROLL)
                path = f"/api/elections/{election_id}"
                digest = bytes.fromhex(admin.get(path + "/ceremony")["manifest_hash"])
                transcript, blobs = local_ceremony(2, 2, digest)
                admin.post(path + "/ceremony/transcript", json=json.loads(json.dumps(transcript)))
            with TrusteeClient(server.base) as trustee:
                trustee.login(TRUSTEES[0], PASSWORD)
                run_rehearsal(trustee, election_id, TrusteeShare.from_bytes(blobs[0]), 1)
            server.election_id = election_id
            yield server
        finally:
            server.stop()


@pytest.fixture(scope="module")
def browser(live: LiveServer) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield b
        finally:
            b.close()


def signed_in(browser: Any, live: LiveServer, width: int) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live.base}/login")
    page.fill("#email", ADMIN)
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url(f"{live.base}/committee")
    return page


def check(page: Any, live: LiveServer, width: int, name: str) -> None:
    """No horizontal scroll at this width, no serious axe finding; save the screenshot."""
    folder = SHOTS / live.engine
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{name}: {scroll} px wide at {width} px"
    url = f"{live.base}/static/__axe.min.js"
    page.route(url, lambda route: route.fulfill(path=str(AXE), content_type="text/javascript"))
    page.add_script_tag(url=url)
    found = page.evaluate(
        "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', "
        "'wcag21aa', 'wcag22aa', 'best-practice']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target)}))"
    )
    bad = [v for v in found if v["impact"] in ("serious", "critical")]
    assert bad == [], (name, bad)


@pytest.mark.parametrize("width", [320, 1280])
@pytest.mark.parametrize("ui", ["en", "ko"])
def test_checklist_pages_fit_are_accessible_and_are_photographed(
    live: LiveServer, browser: Any, width: int, ui: str
) -> None:
    require(AXE.exists(), f"axe-core not found at {AXE} (npm install axe-core)")
    page = signed_in(browser, live, width)
    e = f"{live.base}/committee/elections/{live.election_id}"
    try:
        page.goto(f"{e}?ui={ui}")
        steps = page.locator("#setup-checklist li.step")
        assert steps.count() == 7
        assert page.get_attribute("#step-ceremony", "data-state") == "done"
        assert page.get_attribute("#step-definition", "data-state") == "done"
        assert page.get_attribute("#step-rehearsals", "data-state") == "missing"
        who = page.inner_text("#step-rehearsals")
        assert "t2@example.org" in who and "t1@example.org" not in who
        if ui == "ko":
            assert "준비 점검표" in page.inner_text("#setup-checklist")
        check(page, live, width, f"election-{ui}")
        page.click("#invitation-preview-link")
        page.goto(f"{e}/invitation-preview?lang=ko&ui={ui}")
        assert "투표 안내" in page.inner_text("#preview-subject")
        check(page, live, width, f"preview-ko-{ui}")
        for name in ("test-message", "notice", "rehearsals"):
            page.goto(f"{e}/{name}?ui={ui}")
            check(page, live, width, f"{name}-{ui}")
    finally:
        page.context.close()


def test_the_committee_sends_and_confirms_a_test_message_and_records_the_notice(
    live: LiveServer, browser: Any
) -> None:
    assert live.inbox is not None
    page = signed_in(browser, live, 1280)
    e = f"{live.base}/committee/elections/{live.election_id}"
    try:
        page.goto(f"{e}/test-message")
        page.fill("#test-address", "committee@example.org")
        page.select_option("#test-language", "es")
        page.click("#test-message-send")
        page.wait_for_selector(".notice")
        before = len(live.inbox.messages)
        with ThreadPoolExecutor(1) as pool:  # Playwright's loop runs in this thread
            assert pool.submit(live.deliver).result() == 1
        message = live.inbox.wait_for(before + 1)[-1]
        assert message["To"] == "committee@example.org"
        assert message["Subject"].startswith("[Prueba]")
        page.goto(f"{e}/test-message")
        check(page, live, 1280, "test-message-sent-en")
        page.click("#test-message-confirm")
        page.wait_for_selector(".notice")
        assert "confirmed" in page.inner_text("#test-message-arrived")
        page.goto(f"{e}/notice")
        page.fill("#notice-date", "2026-01-05")
        page.fill("#notice-place", "Break-room board, in every language")
        page.click("#notice-save")
        page.wait_for_selector("#notice-recorded")
        page.goto(e)
        assert page.get_attribute("#step-test_message", "data-state") == "done"
        assert page.get_attribute("#step-notice", "data-state") == "done"
        assert page.get_attribute("#step-rehearsals", "data-state") == "missing"
    finally:
        page.context.close()
