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

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.browser import check_languages, chromium, shots_folder, signed_in
from tests.support.browser_fixtures import live_fixture
from tests.support.live import LiveServer, open_election

from .helpers import DEFINITION, ROLL, compact, pdf_pages, qr_codes

pytestmark = [pytest.mark.browser]

SHOTS = Path("/work/shots/print")  # unless BALLOT_SHOTS names another folder
#: The election page's print section: its other sections are other people's.
PRINT_SECTION = "section[aria-labelledby=print-h]"

live = live_fixture(lambda server: open_election(server, DEFINITION, ROLL), inbox=True)


@pytest.fixture(scope="module")
def page(live: LiveServer) -> Iterator[Any]:
    """A committee member signed in through the sign-in form."""
    with chromium() as browser:
        yield signed_in(browser, live.base)


def test_the_notice_and_a_letter_from_the_committee_pages(live: LiveServer, page: Any) -> None:
    election = f"{live.base}/committee/elections/{live.election_id}"
    page.goto(election)
    check_languages(page, live, shots_folder(SHOTS), "print-section", PRINT_SECTION)
    with page.expect_download() as got:
        page.locator("#notice-links a[lang=ko]").click()
    notice = Path(got.value.path()).read_bytes()
    assert compact("노동조합을 원하십니까?") in "".join(pdf_pages(notice))

    page.get_by_role("link", name="Printed letters for members without e-mail or phone").click()
    check_languages(page, live, shots_folder(SHOTS), "letters")
    page.get_by_role("radio", name="One member").check()
    page.get_by_label("Member number (for one member)").fill("K002")
    page.get_by_role("button", name="See how many letters").click()
    page.wait_for_selector("text=This reissues 1 member's link; their old link stops working.")
    check_languages(page, live, shots_folder(SHOTS), "letters-preview")
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
