"""The polling-place device in Chromium: check-in, the member votes, the device forgets.

A committee member signs in on the device, searches the roll and checks a member in; the
device shows that member's ballot in their language (the same page and encryption in the
browser as online); the member votes; the device goes back to the check-in screen and
keeps nothing: the credential is in no address of the history, not in localStorage or
sessionStorage, and not in the page.  A member who leaves without voting leaves nothing
either.  The envelope desk and the hand-count page are checked too (axe-core, 320 px),
and every page is photographed at 320 and 1280 px in English and Korean.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_channels import (
    SECOND,
    decrypt,
    device_credential,
    hand_count,
    open_channel_election,
)
from tests.support.browser import check_page, signed_in
from tests.support.browser_fixtures import browser_fixture, live_server
from tests.support.committee import Committee
from tests.support.live import LiveServer

pytestmark = [pytest.mark.browser]

SHOTS = Path("/work/shots/paper")  # whatever BALLOT_SHOTS says


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """An election with a paper channel, its trustee's key file beside the server's."""
    folder = tmp_path_factory.mktemp("polling")
    with live_server("sqlite", folder) as server:
        with Committee(server.base) as admin:
            server.election_id, sealed = open_channel_election(admin)
        (folder / "trustee.key").write_bytes(sealed)
        yield server


browser = browser_fixture()


def looked_at(page: Any, live: LiveServer, name: str) -> None:
    """The checks every page passes, at the window's width, shot as ``name-width.png``."""
    width = page.viewport_size["width"]
    check_page(page, live.base, width, SHOTS / f"{name}-{width}.png")


def desk(page: Any, live: LiveServer, lang: str, q: str = "") -> None:
    page.goto(f"{live.base}/committee/elections/{live.election_id}/polling-place?ui={lang}&q={q}")


def check_in(page: Any, member: str) -> str:
    """Press "Check in" for ``member``; the credential the device was sent (for the test to
    look for afterwards: the page's script takes it out of the page at once)."""
    with page.expect_response(lambda r: r.url.endswith("/polling-place/check-in")) as sent:
        page.get_by_role("button", name=f"Check in {member}").click()
    page.wait_for_selector("#ballot-form:not([hidden])")
    return device_credential(sent.value.text())


def kept_anywhere(page: Any) -> str:
    """Everything the device could still hold after a visit: history, storage, the page."""
    return str(
        page.evaluate(
            "() => JSON.stringify({storage: {...localStorage}, session: {...sessionStorage}, "
            "history: history.length, url: location.href, html: document.documentElement.outerHTML})"
        )
    )


def test_the_device_shows_the_members_ballot_then_returns_keeping_nothing(
    live: LiveServer, browser: Any
) -> None:
    for width in (320, 1280):
        page = signed_in(browser, live.base, width=width)
        try:
            for lang in ("en", "ko"):
                desk(page, live, lang, "Kim")
                assert page.locator(".voted-by").first.is_visible()
                looked_at(page, live, f"checkin-{lang}")
            # Members who leave without voting: nothing kept, back at the desk.
            for member, lang in (("Ben Carter", "en"), ("Hana Kim", "ko")):
                desk(page, live, "en", member.split()[0])
                credential = check_in(page, member)
                assert page.locator("html").get_attribute("lang") == lang
                assert page.locator("nav.languages").count() == 0  # no token in a URL
                looked_at(page, live, f"device-ballot-{lang}")
                assert credential not in kept_anywhere(page)  # not in address, storage, page
                page.locator("#device-leave").click()
                page.wait_for_url(re.compile(r"/polling-place$"))
                assert credential not in kept_anywhere(page)
        finally:
            page.context.close()

    # Kim votes at the device, in Korean, and the device forgets the visit.
    page = signed_in(browser, live.base)
    try:
        desk(page, live, "en", "Kim")
        credential = check_in(page, "Kim Min-jun")
        assert page.locator("html").get_attribute("lang") == "ko"
        assert "노동조합을 원하십니까?" in page.content()
        assert page.locator("#election-data").text_content() == ""  # taken out at once
        page.locator("#ballot-form input[type=radio]").first.check()
        page.locator("#review-button").click()
        page.locator("#cast-button").click()
        page.wait_for_selector("#receipt:not([hidden])")
        assert page.locator("#receipt-save").count() == 0  # nothing saved on the device
        looked_at(page, live, "device-receipt-ko")
        page.locator("#device-done").click()
        page.wait_for_url(re.compile(r"/polling-place$"))
        assert credential not in kept_anywhere(page), "a credential is still on the device"
        page.go_back()  # the ballot left no history entry: back is the desk before it
        assert credential not in kept_anywhere(page)
        assert "election-data" not in page.content()
        assert page.evaluate("localStorage.length + sessionStorage.length") == 0
        desk(page, live, "en", "Kim")
        kim = page.locator("li.checkin", has_text="Kim Min-jun")
        assert kim.locator(".voted-by").inner_text() == "Yes, in person"
        assert page.get_by_role("button", name="Check in Kim Min-jun").count() == 0
    finally:
        page.context.close()


def test_the_envelope_desk_and_the_hand_count_pages(live: LiveServer, browser: Any) -> None:
    base = f"{live.base}/committee/elections/{live.election_id}"
    for width in (320, 1280):
        page = signed_in(browser, live.base, width=width)
        try:
            for lang in ("en", "ko"):
                page.goto(f"{base}/envelopes?ui={lang}&q=Dolores")
                looked_at(page, live, f"envelopes-{lang}")
        finally:
            page.context.close()
    page = signed_in(browser, live.base)
    try:
        page.goto(f"{base}/envelopes?ui=en&q=Dolores")
        page.locator("input[name=confirm]").first.check()
        page.get_by_role("button", name="Record the envelope").click()
        assert page.locator("#envelope-outcome").get_attribute("data-outcome") == "received"
        looked_at(page, live, "envelope-recorded-en")
    finally:
        page.context.close()
    with Committee(live.base) as admin:
        admin.post(f"/api/elections/{live.election_id}/state", json={"target": "closed"})
        admin.post(f"/api/elections/{live.election_id}/hand-counts", json=hand_count(1, 0))
    for width in (320, 1280):
        page = signed_in(browser, live.base, width=width)
        try:
            for lang in ("en", "ko"):
                page.goto(f"{base}/hand-count?ui={lang}")
                looked_at(page, live, f"hand-count-{lang}")
            if width == 1280:  # the same member cannot make the second entry
                page.goto(f"{base}/hand-count?ui=en")
                page.locator("input[name^='c:']").first.fill("1")
                page.locator("input[name^='c:']").nth(1).fill("0")
                page.locator("input[name^='b:']").first.fill("0")
                page.get_by_role("button", name="Enter this count").click()
                assert "a second committee member" in page.locator("#hand-count-error").inner_text()
                looked_at(page, live, "hand-count-refused-en")
        finally:
            page.context.close()


def test_the_result_pages_show_the_channels(live: LiveServer, browser: Any) -> None:
    """After the second entry, the tally and the decryption: online, paper and the sum."""
    election_id = live.election_id
    with Committee(live.base, SECOND) as second, Committee(live.base) as admin:
        second.post(f"/api/elections/{election_id}/hand-counts", json=hand_count(1, 0))
        admin.post(f"/api/elections/{election_id}/tally")
        decrypt(live.base, election_id, (live.folder / "trustee.key").read_bytes())
    for width in (320, 1280):
        page = signed_in(browser, live.base, width=width)
        try:
            for lang in ("en", "ko"):
                page.goto(f"{live.base}/board/{election_id}/result?lang={lang}")
                assert page.locator(".channels-table").count() == 1
                looked_at(page, live, f"result-{lang}")
                page.goto(f"{live.base}/committee/elections/{election_id}?ui={lang}")
                assert page.locator(".channels-table").count() >= 1
                looked_at(page, live, f"committee-result-{lang}")
        finally:
            page.context.close()
