"""The definition editor's races in Chromium: JavaScript adds candidate rows without a
page load; a race typed in the browser is saved as the contract says; an error at a race
field keeps every value, at 320 and 1280 px, in English and Korean, with no serious axe
finding and nothing scrolling sideways (screenshots under ``BALLOT_SHOTS``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import AXE, check_page, shots_folder, signed_in
from tests.support.databases import require
from tests.support.live import LiveServer

from .test_definition_browser import SHOTS, browser, live

pytestmark = [pytest.mark.browser]
__all__ = ["browser", "live"]  # the fixtures, shared with the editor's own browser tests


def fill_officers(page: Any) -> None:
    page.fill("#title", "Local 12 officers")
    page.fill("#committee_name", "Local 12 Election Committee")
    page.select_option("#kind", "officer")
    page.fill("#q1_text", "Delegates")
    page.fill("#q1_min", "0")
    page.fill("#q1_max", "3")
    page.fill("#q1_o1", "Ana")
    page.fill("#q1_o2", "Ben")


def test_javascript_adds_candidates_and_the_race_is_saved(live: LiveServer, browser: Any) -> None:
    page = signed_in(browser, live.base, viewport={"width": 320, "height": 800})
    try:
        page.goto(f"{live.base}/committee/elections/new")
        fill_officers(page)
        url = page.url
        page.click("button[value='add_option:1']")
        page.wait_for_selector("#q1_o3")
        assert page.url == url  # no page load: typed values are all still there
        assert page.evaluate("document.activeElement.id") == "q1_o3"
        page.keyboard.type("Cy")
        page.click("button[value='add_option:1']")
        page.fill("#q1_o4", "Dee")
        page.check("#q1_ranked")
        page.select_option("#q1_method", "scottish_stv")
        page.fill("#q1_seats", "2")
        page.select_option("#q1_order", "alphabetical")
        page.locator("button[value=save]").last.click()
        page.wait_for_url(f"{live.base}/committee/elections/e*")
        page.goto(page.url + "/definition")
        assert [page.input_value(f"#q1_o{i}") for i in (1, 2, 3, 4)] == ["Ana", "Ben", "Cy", "Dee"]
        assert page.is_checked("#q1_ranked")
        assert page.input_value("#q1_method") == "scottish_stv"
        assert page.input_value("#q1_seats") == "2"
        assert page.input_value("#q1_order") == "alphabetical"
    finally:
        page.context.close()


@pytest.mark.parametrize("width", (320, 1280))
@pytest.mark.parametrize("ui", ["en", "ko"])
def test_a_race_error_keeps_every_value(
    live: LiveServer, browser: Any, width: int, ui: str, tmp_path: Path
) -> None:
    require(AXE.exists(), f"axe-core not found at {AXE}")
    folder = shots_folder(SHOTS, fallback=tmp_path)
    page = signed_in(browser, live.base, viewport={"width": width, "height": 900})
    try:
        page.goto(f"{live.base}/committee/elections/new?ui={ui}")
        fill_officers(page)
        page.check("#q1_ranked")
        page.select_option("#q1_method", "scottish_stv")
        page.fill("#q1_seats", "5")  # two candidates cannot fill five seats
        page.fill("#q1_unit", "North")
        page.locator("button[value=save]").last.click()
        page.wait_for_selector("#q1_seats-error")
        assert page.get_attribute("#q1_seats", "aria-invalid") == "true"
        assert page.is_checked("#q1_ranked")
        assert page.input_value("#q1_unit") == "North"
        assert page.input_value("#q1_o2") == "Ben"
        check_page(page, live.base, width, folder / f"races-error-{ui}-{width}.png")
    finally:
        page.context.close()
