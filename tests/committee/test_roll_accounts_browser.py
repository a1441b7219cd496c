"""The roll and accounts pages in Debian's Chromium against a real server, on SQLite and
on PostgreSQL: the committee searches the roll, sends one member a new link and
downloads the not-voted list; fixes a bad row of a roll file in the browser; makes an
observer of each kind, and each observer sees what their kind allows and no more.

Every page visited is checked with axe-core (no serious or critical violation), for
horizontal scrolling at 320 px, and saved as a screenshot at 320 and 1280 px in English
and Korean (``BALLOT_SHOTS``, default ``/work/shots/roll-accounts``) for people to look at.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.browser import (
    check_as_it_stands,
    check_languages,
    off_thread,
    shots_folder,
    signed_in,
)
from tests.support.browser_fixtures import browser_fixture, live_fixture
from tests.support.elections import DEFINITION, ROLL
from tests.support.live import LiveServer, open_election

pytestmark = [pytest.mark.browser]

SHOTS = Path("/work/shots/roll-accounts")  # unless BALLOT_SHOTS names another folder
DRAFT_ROLL = """member_id,name,email,language,unit,challenged
D001,Lin Mei,lin@example.org,zh,North,
D002,Tran Van An,an@example.org,vi,North,
D003,Jose Rizal,jose at example,tl,South,
"""


live = live_fixture(lambda server: open_election(server, DEFINITION, ROLL), inbox=True)
browser = browser_fixture()


def test_search_resend_and_the_not_voted_list(live: LiveServer, browser: Any) -> None:
    page = signed_in(browser, live.base)
    try:
        page.goto(f"{live.base}/committee/elections/{live.election_id}")
        page.get_by_role("link", name="Members on the roll").click()
        page.get_by_label("Name, e-mail or member number").fill("chen")
        page.keyboard.press("Enter")  # the keyboard submits the search
        page.wait_for_selector("text=1 member matches.")
        check_languages(page, live, shots_folder(SHOTS), "roll-search")
        page.get_by_role("link", name="Chen Wei").click()
        check_languages(page, live, shots_folder(SHOTS), "member")
        old = live.links["chen@example.org"]
        before = len(live.inbox.messages)  # type: ignore[union-attr]
        page.get_by_role("button", name="Send the link again").click()
        assert page.locator("input:invalid").count() >= 1  # not confirmed: nothing is sent
        page.get_by_label("Yes, send this member a new link").check()
        page.get_by_role("button", name="Send the link again").click()
        page.wait_for_selector("text=A new link is on its way to the member.")
        assert off_thread(live.deliver) == 1
        arrived = live.inbox.wait_for(before + 1)  # type: ignore[union-attr]
        new = live.inbox.links(live.base, arrived[before:])["chen@example.org"]  # type: ignore[union-attr]
        assert new != old
        assert httpx.get(old, timeout=10).status_code == 404
        assert httpx.get(new, timeout=10).status_code == 200

        page.goto(f"{live.base}/committee/elections/{live.election_id}/members?voted=no")
        with page.expect_download() as got:
            page.get_by_role("link", name="Members who have not voted (CSV)").first.click()
        text = Path(got.value.path()).read_text(encoding="utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0] == ["member_id", "name", "email", "language", "unit", "phone"]
        assert {r[0] for r in rows[1:]} == {"K001", "K002", "K003", "K004", "K005", "K006"}
    finally:
        page.context.close()


def test_a_bad_row_is_fixed_in_the_browser(live: LiveServer, browser: Any) -> None:
    page = signed_in(browser, live.base)
    try:
        spec = {**DEFINITION, "title": {"en": "Draft vote", "ko": "초안 투표"}}
        page.goto(f"{live.base}/committee")
        cookies = {c["name"]: c["value"] for c in page.context.cookies()}
        r = httpx.post(
            f"{live.base}/api/elections",
            json=spec,
            cookies=cookies,
            headers={"x-csrftoken": cookies["csrftoken"]},
        )
        assert r.status_code == 201, r.text
        draft = r.json()["id"]
        page.goto(f"{live.base}/committee/elections/{draft}/roll-import")
        page.set_input_files(
            "#roll",
            files=[{"name": "roll.csv", "mimeType": "text/csv", "buffer": DRAFT_ROLL.encode()}],
        )
        page.get_by_role("button", name="Import", exact=True).click()
        page.wait_for_selector("text=Nothing was imported")
        check_as_it_stands(page, live, shots_folder(SHOTS), "roll-import-problems", "en")
        field = page.get_by_label("E-mail")
        assert field.input_value() == "jose at example"
        field.fill("jose@example.org")
        page.get_by_role("button", name="Import the corrected file").click()
        page.wait_for_selector("text=3 members were added to the roll.")
        page.goto(f"{live.base}/committee/elections/{draft}/add-member")
        check_languages(page, live, shots_folder(SHOTS), "add-member")
    finally:
        page.context.close()


def make_observer(page: Any, live: LiveServer, name: str, email: str, kind: str) -> str:
    page.goto(f"{live.base}/committee/accounts")
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label(re.compile("^Observer")).check()
    page.get_by_label("Election", exact=True).select_option(live.election_id)
    page.get_by_label(kind).check()
    page.get_by_role("button", name="Make the account").click()
    page.wait_for_selector("code.secret")
    return str(page.locator("code.secret").inner_text())


def test_an_observer_of_each_kind_sees_what_it_may(live: LiveServer, browser: Any) -> None:
    # One member has voted on paper, so there is a name to see (or not).
    admin = signed_in(browser, live.base)
    try:
        admin.goto(f"{live.base}/committee/elections/{live.election_id}/members/K003")
        admin.get_by_role("link", name="Withdraw the link…").click()
        admin.get_by_label("The member voted on paper").check()
        admin.get_by_label("Yes, withdraw this member's link").check()
        admin.get_by_role("button", name="Withdraw the link").click()
        admin.wait_for_selector("text=withdrawn")
        union = make_observer(
            admin, live, "Union Observer", "union@obs.example.org", "Sees who has voted (names)"
        )
        check_as_it_stands(admin, live, shots_folder(SHOTS), "account-made", "en")
        boss = make_observer(
            admin, live, "Employer Observer", "boss@obs.example.org", "Sees counts only"
        )
        admin.goto(f"{live.base}/committee/accounts")
        check_languages(admin, live, shots_folder(SHOTS), "accounts")
        admin.get_by_role("link", name="Employer Observer").click()
        check_languages(admin, live, shots_folder(SHOTS), "account")
    finally:
        admin.context.close()

    for email, password, names in (
        ("union@obs.example.org", union, True),
        ("boss@obs.example.org", boss, False),
    ):
        page = signed_in(browser, live.base, email, password)
        try:
            assert page.url.endswith("/committee/account")  # a temporary password leads here
            page.get_by_label("Current password").fill(password)
            page.get_by_label("New password (at least 10 characters)").fill("observer's own pass")
            page.get_by_label("New password again").fill("observer's own pass")
            page.get_by_role("button", name="Save the new password").click()
            page.wait_for_selector("text=Your new password is set.")
            page.goto(f"{live.base}/committee/elections/{live.election_id}")
            words = page.locator("main").inner_text()
            members = page.request.get(
                f"{live.base}/committee/elections/{live.election_id}/members"
            )
            turnout = page.request.get(f"{live.base}/api/elections/{live.election_id}/turnout")
            if names:
                assert "See who has voted" in words
                assert members.status == 200 and "Ben Carter" in members.text()
                assert [m["name"] for m in turnout.json()["members"]] == ["Ben Carter"]
                page.get_by_role("link", name="See who has voted, page by page").click()
                page.wait_for_selector("text=1 member matches.")
                check_languages(page, live, shots_folder(SHOTS), "observer-names-roll")
            else:
                assert "counts only" in words and "Ben Carter" not in words
                assert members.status == 403 and "Ben Carter" not in members.text()
                assert turnout.json()["members"] == [] and turnout.json()["voted"] == 1
                audit = page.request.get(f"{live.base}/committee/audit").text()
                assert "K003" not in audit
            page.goto(f"{live.base}/committee/account")
            check_languages(
                page, live, shots_folder(SHOTS), f"my-account-{'names' if names else 'counts'}"
            )
            page.get_by_label("Current password").last.fill("observer's own pass")
            page.get_by_role("button", name="Turn on two-factor sign-in").click()
            page.wait_for_selector("img.qr")
            assert page.locator("img.qr").evaluate("i => i.naturalWidth > 100")
            check_as_it_stands(page, live, shots_folder(SHOTS), "totp-enrolment", "en")
        finally:
            page.context.close()
