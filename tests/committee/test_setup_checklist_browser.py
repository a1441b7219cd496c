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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ballot.crypto.ceremony import TrusteeShare, local_ceremony
from ballot.trustee.client import TrusteeClient
from ballot.trustee.rehearse import run_rehearsal
from tests.support.accounts import PASSWORD
from tests.support.browser import check_page, off_thread, shots_folder, signed_in
from tests.support.browser_fixtures import browser_fixture, live_fixture
from tests.support.committee import Committee
from tests.support.elections import DEFINITION, ROLL
from tests.support.live import LiveServer
from tests.support.trustees import TRUSTEES, ceremony_election

pytestmark = [pytest.mark.browser]

SHOTS = Path("/work/shots/setup-checklist")  # unless BALLOT_SHOTS names another folder


def keys_made_and_one_proved(server: LiveServer) -> None:
    """An election with its ceremony held and trustee 1's key proved; the rest to do."""
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


live = live_fixture(keys_made_and_one_proved, inbox=True, setup_checklist=True)
browser = browser_fixture()


@pytest.mark.parametrize("width", [320, 1280])
@pytest.mark.parametrize("ui", ["en", "ko"])
def test_checklist_pages_fit_are_accessible_and_are_photographed(
    live: LiveServer, browser: Any, width: int, ui: str
) -> None:
    folder = shots_folder(SHOTS, live.engine)
    page = signed_in(browser, live.base, width=width)
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
        check_page(page, live.base, width, folder / f"election-{ui}-{width}.png")
        page.click("#invitation-preview-link")
        page.goto(f"{e}/invitation-preview?lang=ko&ui={ui}")
        assert "투표 안내" in page.inner_text("#preview-subject")
        check_page(page, live.base, width, folder / f"preview-ko-{ui}-{width}.png")
        for name in ("test-message", "notice", "rehearsals"):
            page.goto(f"{e}/{name}?ui={ui}")
            check_page(page, live.base, width, folder / f"{name}-{ui}-{width}.png")
    finally:
        page.context.close()


def test_the_committee_sends_and_confirms_a_test_message_and_records_the_notice(
    live: LiveServer, browser: Any
) -> None:
    assert live.inbox is not None
    page = signed_in(browser, live.base)
    e = f"{live.base}/committee/elections/{live.election_id}"
    try:
        page.goto(f"{e}/test-message")
        page.fill("#test-address", "committee@example.org")
        page.select_option("#test-language", "es")
        page.click("#test-message-send")
        page.wait_for_selector(".notice")
        before = len(live.inbox.messages)
        assert off_thread(live.deliver) == 1
        message = live.inbox.wait_for(before + 1)[-1]
        assert message["To"] == "committee@example.org"
        assert message["Subject"].startswith("[Prueba]")
        page.goto(f"{e}/test-message")
        check_page(
            page,
            live.base,
            1280,
            shots_folder(SHOTS, live.engine) / "test-message-sent-en-1280.png",
        )
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
