"""A ballot cast in a member's name is visible to that member (PROTOCOL 11.8), end to end.

A real server (SQLite and PostgreSQL) opens an election and mails the invitations; a
member who did not vote takes the alias from their own invitation and looks it up on the
public page in Chromium: "no ballot".  Then the server itself -- in the test, straight
through the store's cast path with that member's token, as a dishonest operator could --
casts a ballot in their name.  The same look-up now shows a ballot and its tracker.  The
page is checked with axe-core and at 320 px, and photographed in English and Korean.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest

from ballot.crypto.ballots import encrypt_ballot, tracker_display
from ballot.election.context import context_from_text
from ballot.store.casting import CastQueue, cast
from ballot.store.db import make_engine, make_session_factory
from ballot.store.models import Election
from ballot.store.serverkey import load_or_create
from tests.support.browser import check_page, sign_in_here
from tests.support.browser_fixtures import browser_fixture, live_fixture
from tests.support.elections import DEFINITION, ROLL
from tests.support.inbox import plain_text
from tests.support.live import LiveServer, open_election

pytestmark = [pytest.mark.browser]

SHOTS = Path("/work/shots/board-roll")  # whatever BALLOT_SHOTS says
ALIAS = re.compile(r"[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}")
T = TypeVar("T")


live = live_fixture(
    lambda server: open_election(server, DEFINITION, ROLL), folder="alias", inbox=True
)
browser = browser_fixture()


def in_thread(work: Callable[[], T]) -> T:
    """Run ``work`` (which may start its own event loop) beside Playwright's sync loop."""
    out: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            out.append(work())
        except BaseException as exc:  # re-raised in the caller
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=120)
    if errors:
        raise errors[0]
    return out[0]


def invitation_of(live: LiveServer, email: str) -> str:
    assert live.inbox is not None
    (message,) = [m for m in live.inbox.messages if str(m["To"]).strip("<>") == email]
    return plain_text(message)


def server_casts_in_the_name_of(live: LiveServer, token: str) -> dict[str, Any]:
    """What a dishonest server could do with a member's token: cast through its own cast
    path (the store), with its own board key, a ballot the member never made."""

    async def stuff() -> dict[str, Any]:
        engine = make_engine(live.settings.database_url)
        factory = make_session_factory(engine)
        key = load_or_create(live.settings.secret_key_file).board_key
        queue = CastQueue(factory, key, lambda: datetime.now(tz=UTC))
        try:
            async with factory() as db:
                election = await db.get(Election, live.election_id)
                assert election is not None and election.manifest and election.ceremony
                context = context_from_text(election.manifest, election.ceremony)
            ballot, _ = encrypt_ballot(
                context.manifest, context.joint_public_key, context.fingerprint, [[1]]
            )
            return await cast(factory, token, ballot.to_json(), queue)
        finally:
            await queue.close()
            await engine.dispose()

    return in_thread(lambda: asyncio.run(stuff()))


def look_up(page: Any, live: LiveServer, alias: str, lang: str = "en") -> None:
    page.goto(f"{live.base}/board/{live.election_id}/alias?lang={lang}")
    page.get_by_role("textbox").fill(alias.lower().replace("-", " "))  # typed loosely
    page.locator("form.search-form button").click()
    page.wait_for_selector("#alias-result")


def check(page: Any, live: LiveServer, width: int, name: str, *, scrolls: bool = False) -> None:
    """The checks every page passes, shot as ``engine-name-width.png``."""
    check_page(page, live.base, width, SHOTS / f"{live.engine}-{name}-{width}.png", scrolls=scrolls)


def test_a_member_who_did_not_vote_sees_a_ballot_cast_in_their_name(
    live: LiveServer, browser: Any
) -> None:
    email = "kim@example.org"  # a Korean member who never opens their link
    text = invitation_of(live, email)
    (alias,) = set(ALIAS.findall(text))
    assert f"/board/{live.election_id}/alias" in text
    token = live.links[email].rsplit("/", 1)[1]

    for width in (320, 1280):
        context = browser.new_context(viewport={"width": width, "height": 900})
        try:
            page = context.new_page()
            page.set_default_timeout(15_000)
            look_up(page, live, alias)
            assert page.locator("#alias-no-ballot").is_visible()
            assert page.locator("#alias-shown").inner_text() == alias
            check(page, live, width, "no-ballot-en")
            look_up(page, live, alias, "ko")
            assert (
                page.locator("#alias-no-ballot").inner_text()
                == "이 별칭으로 제출된 투표용지가 없습니다."
            )
            check(page, live, width, "no-ballot-ko")
        finally:
            context.close()

    receipt = server_casts_in_the_name_of(live, token)
    assert receipt["alias"] == alias

    for width in (320, 1280):
        context = browser.new_context(viewport={"width": width, "height": 900})
        try:
            page = context.new_page()
            page.set_default_timeout(15_000)
            look_up(page, live, alias)
            shown = page.locator("#alias-ballot").inner_text()
            assert tracker_display(receipt["tracker"]) in shown
            assert receipt["tracker"] in shown
            assert "someone voted in your name" in shown
            check(page, live, width, "ballot-en")
            look_up(page, live, alias, "ko")
            assert page.locator("#alias-ballot").is_visible()
            check(page, live, width, "ballot-ko")
        finally:
            context.close()


def test_the_receipt_and_the_public_pages_show_the_alias_and_the_fingerprint(
    live: LiveServer, browser: Any
) -> None:
    """The member's receipt shows their alias; the board, result, verify and committee pages
    the fingerprint grouped for reading (as in the invitation); checked and photographed."""
    email = "chen@example.org"
    text = invitation_of(live, email)
    (alias,) = set(ALIAS.findall(text))
    grouped = re.search(r"([0-9a-f]{4}(?: [0-9a-f]{4}){15})", text)
    assert grouped is not None
    context = browser.new_context(viewport={"width": 320, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(live.links[email])
        page.wait_for_selector("#ballot-form:not([hidden])")
        page.get_by_label("Yes").check()
        page.get_by_role("button", name="Review your choice").click()
        page.get_by_role("button", name="Cast my ballot").click()
        page.wait_for_selector("#receipt:not([hidden])")
        assert page.locator("#receipt-alias").inner_text() == alias
        check(page, live, 320, "receipt-en")
        page.get_by_role("link", name="Look up your alias").click()
        page.wait_for_selector("#alias-ballot")
        assert page.locator("#receipt-alias").count() == 0  # now on the public page
    finally:
        context.close()

    pages = {
        "board": f"/board/{live.election_id}",
        "verify": f"/board/{live.election_id}/verify",
        "result": f"/board/{live.election_id}/result",
    }
    for width in (320, 1280):
        context = browser.new_context(viewport={"width": width, "height": 900})
        try:
            page = context.new_page()
            page.set_default_timeout(15_000)
            for name, path in pages.items():
                for lang in ("en", "ko"):
                    page.goto(f"{live.base}{path}?lang={lang}")
                    assert grouped.group(1) in page.locator("main").inner_text(), (name, lang)
                    check(page, live, width, f"{name}-{lang}")
            page.goto(f"{live.base}/board/{live.election_id}?lang=ko")
            page.get_by_role("link", name="내 별칭 조회").click()
            page.wait_for_selector("#alias")
            page.goto(f"{live.base}/login")
            sign_in_here(page, "admin@example.org", (live.folder / "password").read_text())
            page.goto(f"{live.base}/committee/elections/{live.election_id}")
            assert page.locator("#fingerprint").inner_text() == grouped.group(1)
            # The committee's page predates this work and scrolls at 320 px (its manifest
            # hash and tables); the fingerprint itself wraps.
            fingerprint = page.locator("#fingerprint").bounding_box()
            assert fingerprint is not None and fingerprint["width"] <= max(width - 16, 300)
            check(page, live, width, "committee-en", scrolls=True)
        finally:
            context.close()
