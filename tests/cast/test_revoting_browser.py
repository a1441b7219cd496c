"""Revoting in Chromium (PROTOCOL 11.10): the receipt, the revisited link, the settings.

A member of an election that allows revoting votes in the browser, gets a receipt that
says they can vote again until the close and only the last ballot counts, opens their
link again, sees their last tracker and time, and votes again.  The committee's
definition form explains the setting; the election page states it.  Every page at 320
and 1280 px, in English and Korean: no horizontal scroll, no serious axe finding, and a
screenshot (``BALLOT_SHOTS``, default ``/work/shots/revoting``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import check_page, shots_folder, signed_in
from tests.support.browser_fixtures import browser_fixture, live_fixture
from tests.support.committee import Committee
from tests.support.live import LiveServer, open_election

from .conftest import DEFINITION

pytestmark = [pytest.mark.browser]

SIZES = (320, 1280)
SHOTS = Path("/work/shots/revoting")  # unless BALLOT_SHOTS names another folder
REVOTING = {**DEFINITION, "revoting": True, "closes_at": "2099-05-09T17:00:00Z"}
ROLL = """member_id,name,email,language,unit,challenged
K001,Kim Min-jun,kim@example.org,ko,North,
K002,Kim Seo-yeon,seo@example.org,ko,North,
E001,Ben Carter,ben@example.org,en,South,
E002,Fay Green,fay@example.org,en,South,
"""
#: Who votes at which width, in which language.
VOTERS = {("ko", 320): "kim", ("ko", 1280): "seo", ("en", 320): "ben", ("en", 1280): "fay"}


live = live_fixture(
    lambda server: open_election(server, REVOTING, ROLL), folder="revoting", inbox=True
)
browser = browser_fixture()


def cast_in_browser(page: Any, choice: str) -> None:
    page.wait_for_selector("#ballot-form:not([hidden])")
    page.locator(f"#ballot-form input[type=radio] >> nth={choice}").check()
    page.locator("#review-button").click()
    page.wait_for_selector("#review:not([hidden])")
    page.locator("#cast-button").click()
    page.wait_for_selector("#receipt:not([hidden])")


@pytest.mark.parametrize("width", SIZES)
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_receipt_and_revisit_say_the_member_may_vote_again(
    live: LiveServer, browser: Any, width: int, lang: str, tmp_path: Path
) -> None:
    folder = shots_folder(SHOTS, fallback=tmp_path)
    link = live.links[f"{VOTERS[lang, width]}@example.org"]
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        page.goto(f"{link}?lang={lang}")
        cast_in_browser(page, "0")
        first = page.locator("#receipt-short").inner_text()
        revote = page.locator("#receipt-revote")
        assert revote.is_visible()
        if lang == "en":
            assert "only your last ballot counts" in revote.inner_text()
        check_page(page, live.base, width, folder / f"receipt-{lang}-{width}.png")

        # The link again: the last tracker and its time, and the ballot once more.
        page.goto(f"{link}?lang={lang}")
        page.wait_for_selector("#ballot-form:not([hidden])")
        assert page.locator("#last-tracker").inner_text() == first
        assert page.locator("#last-time").inner_text().strip() != ""
        check_page(page, live.base, width, folder / f"revisit-{lang}-{width}.png")
        cast_in_browser(page, "1")
        assert page.locator("#receipt-short").inner_text() != first
        assert not page.locator("#last-ballot").is_visible()

        # The alias page lists the first ballot as replaced.
        page.goto(live.base + str(page.locator("#receipt-alias-link").get_attribute("href")))
        page.wait_for_selector("#alias-replaced")
        assert first in page.locator("#alias-replaced").inner_text()
        check_page(page, live.base, width, folder / f"alias-{lang}-{width}.png")
    finally:
        context.close()


@pytest.mark.parametrize("width", SIZES)
@pytest.mark.parametrize("ui", ["en", "ko"])
def test_the_setting_is_explained_on_the_form_and_stated_on_the_election_page(
    live: LiveServer, browser: Any, width: int, ui: str, tmp_path: Path
) -> None:
    folder = shots_folder(SHOTS, fallback=tmp_path)
    with Committee(live.base) as committee:
        draft = str(committee.post("/api/elections", json=REVOTING)["id"])
    page = signed_in(browser, live.base, width=width)
    try:
        page.goto(f"{live.base}/committee/elections/{draft}/definition?ui={ui}")
        box = page.locator("#revoting")
        assert box.is_checked()
        assert page.locator("#revoting-hint").is_visible()
        if ui == "en":
            assert "Department of Labor" in page.locator("#revoting-hint").inner_text()
        page.locator("#revoting-hint").scroll_into_view_if_needed()
        check_page(page, live.base, width, folder / f"settings-form-{ui}-{width}.png")
        page.goto(f"{live.base}/committee/elections/{draft}?ui={ui}")
        assert page.locator("#setting-revoting").is_visible()
        check_page(page, live.base, width, folder / f"election-settings-{ui}-{width}.png")
        # Unticked and saved: the election is back to one ballot per member.
        page.goto(f"{live.base}/committee/elections/{draft}/definition?ui={ui}")
        page.locator("#revoting").uncheck()
        page.fill("#committee_name", "Local 12 Election Committee")  # the form asks for it
        with page.expect_navigation():
            page.locator("button[value=save]").last.click()
        assert page.locator(".field-error").count() == 0, page.locator(
            ".field-error"
        ).all_inner_texts()
        with Committee(live.base) as committee:
            assert committee.get(f"/api/elections/{draft}")["revoting"] is False
    finally:
        page.context.close()
