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
import os
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import pytest

from tests.support.accounts import ADMIN, PASSWORD
from tests.support.browser import AXE, CHROMIUM, chromium
from tests.support.databases import require
from tests.support.elections import DEFINITION, ROLL
from tests.support.inbox import Inbox
from tests.support.live import LiveServer, engine_database, open_election, start_server

pytestmark = [pytest.mark.browser]

SHOTS = Path(os.environ.get("BALLOT_SHOTS", "/work/shots/roll-accounts"))
DRAFT_ROLL = """member_id,name,email,language,unit,challenged
D001,Lin Mei,lin@example.org,zh,North,
D002,Tran Van An,an@example.org,vi,North,
D003,Jose Rizal,jose at example,tl,South,
"""


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
def browser(live: LiveServer) -> Iterator[Any]:
    with chromium() as b:
        yield b


def signed_in(browser: Any, live: LiveServer, email: str, password: str) -> Any:
    """A new browser context signed in through the sign-in form."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live.base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    return page


def check_page(page: Any, live: LiveServer, name: str) -> None:
    """axe-core clean, no sideways scrolling at 320 px, screenshots (en, ko; 320, 1280)."""
    parts = urlsplit(page.url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "ui"]
    url = urlunsplit(parts._replace(query=urlencode(query)))
    sep = "&" if query else "?"
    for lang in ("en", "ko"):
        for width in (320, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(f"{url}{sep}ui={lang}")
            if width == 320:
                scroll = page.evaluate("document.documentElement.scrollWidth")
                assert scroll <= 320, (name, lang, scroll)
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(
                path=str(SHOTS / f"{live.engine}-{name}-{lang}-{width}.png"), full_page=True
            )
        axe_clean(page, live, (name, lang))
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{url}{sep}ui=en")


def axe_clean(page: Any, live: LiveServer, where: Any) -> None:
    url = f"{live.base}/static/__axe.min.js"
    page.route(url, lambda route: route.fulfill(path=str(AXE), content_type="text/javascript"))
    page.add_script_tag(url=url)
    found = page.evaluate(
        "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', "
        "'wcag21aa', 'wcag22aa', 'best-practice']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target)}))"
    )
    assert [v for v in found if v["impact"] in ("serious", "critical")] == [], (where, found)


def test_search_resend_and_the_not_voted_list(live: LiveServer, browser: Any) -> None:
    page = signed_in(browser, live, ADMIN, PASSWORD)
    try:
        page.goto(f"{live.base}/committee/elections/{live.election_id}")
        page.get_by_role("link", name="Members on the roll").click()
        page.get_by_label("Name, e-mail or member number").fill("chen")
        page.keyboard.press("Enter")  # the keyboard submits the search
        page.wait_for_selector("text=1 member matches.")
        check_page(page, live, "roll-search")
        page.get_by_role("link", name="Chen Wei").click()
        check_page(page, live, "member")
        old = live.links["chen@example.org"]
        before = len(live.inbox.messages)  # type: ignore[union-attr]
        page.get_by_role("button", name="Send the link again").click()
        assert page.locator("input:invalid").count() >= 1  # not confirmed: nothing is sent
        page.get_by_label("Yes, send this member a new link").check()
        page.get_by_role("button", name="Send the link again").click()
        page.wait_for_selector("text=A new link is on its way to the member.")
        with ThreadPoolExecutor(1) as pool:  # Playwright's sync API holds this thread's loop
            assert pool.submit(live.deliver).result() == 1
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
        assert rows[0] == ["member_id", "name", "email", "language", "unit"]
        assert {r[0] for r in rows[1:]} == {"K001", "K002", "K003", "K004", "K005", "K006"}
    finally:
        page.context.close()


def test_a_bad_row_is_fixed_in_the_browser(live: LiveServer, browser: Any) -> None:
    page = signed_in(browser, live, ADMIN, PASSWORD)
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
        check_page_after_post(page, live, "roll-import-problems")
        field = page.get_by_label("E-mail")
        assert field.input_value() == "jose at example"
        field.fill("jose@example.org")
        page.get_by_role("button", name="Import the corrected file").click()
        page.wait_for_selector("text=3 members were added to the roll.")
        page.goto(f"{live.base}/committee/elections/{draft}/add-member")
        check_page(page, live, "add-member")
    finally:
        page.context.close()


def check_page_after_post(page: Any, live: LiveServer, name: str) -> None:
    """A page that is the answer to a form: checked and shot as it is (English, both widths)."""
    for width in (320, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        if width == 320:
            assert page.evaluate("document.documentElement.scrollWidth") <= 320, name
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{live.engine}-{name}-en-{width}.png"), full_page=True)
    axe_clean(page, live, name)
    page.set_viewport_size({"width": 1280, "height": 900})


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
    admin = signed_in(browser, live, ADMIN, PASSWORD)
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
        check_page_after_post(admin, live, "account-made")
        boss = make_observer(
            admin, live, "Employer Observer", "boss@obs.example.org", "Sees counts only"
        )
        admin.goto(f"{live.base}/committee/accounts")
        check_page(admin, live, "accounts")
        admin.get_by_role("link", name="Employer Observer").click()
        check_page(admin, live, "account")
    finally:
        admin.context.close()

    for email, password, names in (
        ("union@obs.example.org", union, True),
        ("boss@obs.example.org", boss, False),
    ):
        page = signed_in(browser, live, email, password)
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
                check_page(page, live, "observer-names-roll")
            else:
                assert "counts only" in words and "Ben Carter" not in words
                assert members.status == 403 and "Ben Carter" not in members.text()
                assert turnout.json()["members"] == [] and turnout.json()["voted"] == 1
                audit = page.request.get(f"{live.base}/committee/audit").text()
                assert "K003" not in audit
            page.goto(f"{live.base}/committee/account")
            check_page(page, live, f"my-account-{'names' if names else 'counts'}")
            page.get_by_label("Current password").last.fill("observer's own pass")
            page.get_by_role("button", name="Turn on two-factor sign-in").click()
            page.wait_for_selector("img.qr")
            assert page.locator("img.qr").evaluate("i => i.naturalWidth > 100")
            check_page_after_post(page, live, "totp-enrolment")
        finally:
            page.context.close()
