"""What the committee prints, in Debian's Chromium against a real server, on SQLite and on
PostgreSQL: from the election page's Print section, the notice of election downloads in
Korean; the Letters page previews a member's letter, refuses to act unconfirmed, and
downloads it; the letter carries the member's name and a QR code of the new link, and the
old link no longer opens the ballot.

Each page is checked with axe-core (no serious or critical violation) and for sideways
scrolling at 320 px, and saved at 320 and 1280 px in English and Korean
(``BALLOT_SHOTS``, default ``/work/shots/print``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import pytest

from tests.support.accounts import ADMIN, PASSWORD
from tests.support.browser import AXE, AXE_RULES, CHROMIUM, chromium, inject_axe, serious
from tests.support.databases import require
from tests.support.inbox import Inbox
from tests.support.live import LiveServer, engine_database, open_election, start_server

from .helpers import DEFINITION, ROLL, compact, pdf_pages, qr_codes

pytestmark = [pytest.mark.browser]

SHOTS = Path(os.environ.get("BALLOT_SHOTS", "/work/shots/print"))


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    require(CHROMIUM.exists(), "Debian chromium is not installed at /usr/bin/chromium")
    require(AXE.exists(), f"axe-core not found at {AXE} (npm install axe-core)")
    folder = tmp_path_factory.mktemp("live")
    with engine_database(request.param, folder) as url:
        server = start_server(url, folder, inbox=Inbox().start(), engine=request.param)
        try:
            open_election(server, DEFINITION, ROLL)
            yield server
        finally:
            server.stop()


@pytest.fixture(scope="module")
def page(live: LiveServer) -> Iterator[Any]:
    """A committee member signed in through the sign-in form."""
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        signed_in = context.new_page()
        signed_in.set_default_timeout(20_000)
        signed_in.goto(f"{live.base}/login")
        signed_in.get_by_label("Email").fill(ADMIN)
        signed_in.get_by_label("Password", exact=True).fill(PASSWORD)
        signed_in.get_by_role("button", name="Sign in").click()
        signed_in.wait_for_load_state()
        yield signed_in


def axe_clean(page: Any, live: LiveServer, where: Any, selector: str | None = None) -> None:
    """No serious or critical axe-core finding on the page, or in the part ``selector``
    names (the election page's other sections are other people's)."""
    inject_axe(page, live.base)
    found = page.evaluate(
        "async ([context, rules]) => (await axe.run(context || document, {runOnly: rules}))"
        ".violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target)}))",
        [selector, AXE_RULES],
    )
    assert serious(found) == [], (where, found)


def check_page(page: Any, live: LiveServer, name: str, selector: str | None = None) -> None:
    """axe-core clean, no sideways scrolling at 320 px, screenshots (en, ko; 320, 1280)."""
    parts = urlsplit(page.url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "ui"]
    url = urlunsplit(parts._replace(query=urlencode(query)))
    sep = "&" if query else "?"
    SHOTS.mkdir(parents=True, exist_ok=True)
    for lang in ("en", "ko"):
        for width in (320, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(f"{url}{sep}ui={lang}")
            if width == 320:
                scroll = page.evaluate("document.documentElement.scrollWidth")
                assert scroll <= 320, (name, lang, scroll)
            shot = SHOTS / f"{live.engine}-{name}-{lang}-{width}.png"
            if selector is None:
                page.screenshot(path=str(shot), full_page=True)
            else:
                page.locator(selector).screenshot(path=str(shot))
        axe_clean(page, live, (name, lang), selector)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{url}{sep}ui=en")


def test_the_notice_and_a_letter_from_the_committee_pages(live: LiveServer, page: Any) -> None:
    election = f"{live.base}/committee/elections/{live.election_id}"
    page.goto(election)
    check_page(page, live, "print-section", "section[aria-labelledby=print-h]")
    with page.expect_download() as got:
        page.locator("#notice-links a[lang=ko]").click()
    notice = Path(got.value.path()).read_bytes()
    assert compact("노동조합을 원하십니까?") in "".join(pdf_pages(notice))

    page.get_by_role("link", name="Printed letters for members without e-mail or phone").click()
    check_page(page, live, "letters")
    page.get_by_role("radio", name="One member").check()
    page.get_by_label("Member number (for one member)").fill("K002")
    page.get_by_role("button", name="See how many letters").click()
    page.wait_for_selector("text=This reissues 1 member's link; their old link stops working.")
    check_page(page, live, "letters-preview")
    button = page.get_by_role("button", name="Reissue the links and download the letters (PDF)")
    button.click()
    assert page.locator("input:invalid").count() >= 1  # not confirmed: nothing is done
    old = live.links["ana@example.org"]
    assert httpx.get(old, timeout=10).status_code == 200
    page.get_by_label("Yes, replace these links and make the letters").check()
    with page.expect_download() as got:
        button.click()
    letter = Path(got.value.path()).read_bytes()
    (text,) = pdf_pages(letter)
    assert compact("Ana López") in text
    [[link]] = qr_codes(letter)
    code = link.removeprefix(f"{live.base}/v/")  # the letter code, printed to be typed
    assert link.startswith(f"{live.base}/v/") and code in text and compact(f"{live.base}/v") in text
    assert httpx.get(old, timeout=10).status_code == 404
    assert httpx.get(link, timeout=10).status_code == 200
