"""The definition editor, the settings, sign-off and the ballot preview in Chromium.

At 320 and 1280 px, in English and Korean: no horizontal scrolling, no serious or
critical axe-core finding, and a screenshot of every page (saved under
``BALLOT_SHOTS``, default ``/work/shots/definition-editor``, or a temporary folder).
Without JavaScript the editor still works by keyboard alone: Enter in a field saves,
the option buttons move options; with it, a new election starts in the browser's zone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import check_page, shots_folder, signed_in
from tests.support.browser_fixtures import browser_fixture, live_fixture
from tests.support.committee import Committee
from tests.support.live import LiveServer

pytestmark = [pytest.mark.browser]

SIZES = (320, 1280)
SHOTS = Path("/work/shots/definition-editor")  # unless BALLOT_SHOTS names another folder

DRAFT: dict[str, Any] = {
    "kind": "ratification",
    "title": {"en": "Contract ratification 2026", "ko": "2026년 단체협약 인준 투표"},
    "instructions": {"en": "Answer both questions.", "ko": "두 질문에 모두 답하세요."},
    "rule": "supermajority",
    "supermajority": "2/3",
    "quorum": "40%",
    "objection_days": 5,
    "time_zone": "America/Los_Angeles",
    "opens_at": "2026-05-04T16:00:00Z",
    "closes_at": "2026-05-16T00:00:00Z",
    "trustees": {"n": 3, "k": 2},
    "subtotals": {"by": "unit", "min_size": 10},
    "committee": {
        "name": {"en": "Local 12 Election Committee", "ko": "12지부 선거관리위원회"},
        "email": "vote@local12.example.org",
        "phone": "+1 213 555 0100",
        "reply_to": "reply@local12.example.org",
    },
    "questions": [
        {
            "text": {"en": "Do you ratify the agreement?", "ko": "협약을 인준하십니까?"},
            "min": 1,
            "max": 1,
            "options": [{"en": "Yes", "ko": "예"}, {"en": "No", "ko": "아니요"}],
        },
        {
            "text": {"en": "Elect up to two stewards", "ko": "대의원을 두 명까지 뽑으세요"},
            "min": 1,
            "max": 2,
            "options": [
                {"en": "Ana Lopez", "ko": "아나 로페스"},
                {"en": "Park Ji-woo", "ko": "박지우"},
                {"en": "Chen Wei", "ko": "천웨이"},
            ],
        },
    ],
}
ROLL = """member_id,name,email,language,unit,challenged
K001,Park Ji-woo,park@example.org,ko,West,
E001,Ben Carter,ben@example.org,en,East,
"""


def draft_with_roll(server: LiveServer) -> None:
    """The election every test edits: DRAFT, with its roll imported."""
    with Committee(server.base) as committee:
        server.election_id = str(committee.post("/api/elections", json=DRAFT)["id"])
        committee.post(f"/api/elections/{server.election_id}/roll", content=ROLL.encode())


live = live_fixture(draft_with_roll)
browser = browser_fixture()


@pytest.mark.parametrize("width", SIZES)
@pytest.mark.parametrize("ui", ["en", "ko"])
def test_every_page_fits_is_accessible_and_is_photographed(
    live: LiveServer, browser: Any, width: int, ui: str, tmp_path: Path
) -> None:
    folder = shots_folder(SHOTS, fallback=tmp_path)
    page = signed_in(browser, live.base, width=width)
    try:
        e = f"/committee/elections/{live.election_id}"
        pages = {
            "new": f"/committee/elections/new?ui={ui}",
            "definition": f"{e}/definition?ui={ui}",
            "election": f"{e}?ui={ui}",
            "translations": f"{e}/translations?lang=ko&ui={ui}",
            "preview": f"{e}/preview?lang={ui}",
            "preview-phone": f"{e}/preview?lang={ui}&phone=1",
        }
        for name, path in pages.items():
            response = page.goto(live.base + path)
            assert response is not None and response.status == 200, (name, response)
            check_page(page, live.base, width, folder / f"{name}-{ui}-{width}.png")
        # A form sent with a bad address comes back with the problem at its field.
        page.goto(f"{live.base}/committee/elections/new?ui={ui}")
        page.fill("#title", "Strike vote")
        page.fill("#committee_name", "Local 12")
        page.fill("#committee_email", "nobody")
        page.fill("#q1_text", "Do you authorise a strike?")
        page.fill("#q1_o1", "Yes")
        page.fill("#q1_o2", "No")
        page.evaluate("document.querySelector('#committee_email').type = 'text'")
        page.locator("button[value=save]").last.click()
        page.wait_for_selector("#committee_email-error")
        assert page.get_attribute("#committee_email", "aria-invalid") == "true"
        assert page.input_value("#title") == "Strike vote"
        assert page.input_value("#q1_o2") == "No"
        check_page(page, live.base, width, folder / f"new-error-{ui}-{width}.png")
        if ui == "ko":
            assert "선거관리위원회" in page.content() or "위원회" in page.content()
    finally:
        page.context.close()


def test_without_javascript_the_editor_works_by_keyboard(live: LiveServer, browser: Any) -> None:
    page = signed_in(
        browser, live.base, java_script_enabled=False, viewport={"width": 320, "height": 800}
    )
    try:
        page.goto(f"{live.base}/committee/elections/new")
        page.fill("#title", "Officer election 2026")
        page.fill("#committee_name", "Local 12 Election Committee")
        page.fill("#q1_text", "President")
        page.fill("#q1_o1", "Ana")
        page.fill("#q1_o2", "Ben")
        # Move Ben up with the keyboard: focus his "Up" button and press Enter.
        page.focus("button[value='move_option:1:2:up']")
        page.keyboard.press("Enter")
        page.wait_for_selector("text=Changed on this page only")
        assert [page.input_value("#q1_o1"), page.input_value("#q1_o2")] == ["Ben", "Ana"]
        # Enter in a text field saves (it never presses a move button).
        page.focus("#title")
        page.keyboard.press("Enter")
        page.wait_for_url(f"{live.base}/committee/elections/e*")
        assert (
            "Officer election" in page.content() and "Local 12 Election Committee" in page.content()
        )
    finally:
        page.context.close()


def test_a_new_election_starts_in_the_browsers_time_zone(live: LiveServer, browser: Any) -> None:
    page = signed_in(browser, live.base, timezone_id="Asia/Seoul")
    try:
        page.goto(f"{live.base}/committee/elections/new")
        page.wait_for_function("document.querySelector('#time_zone').value === 'Asia/Seoul'")
        page.goto(f"{live.base}/committee/elections/{live.election_id}/definition")
        assert page.input_value("#time_zone") == "America/Los_Angeles"  # a stored zone stays
        assert page.input_value("#opens_at") == "2026-05-04T09:00"
    finally:
        page.context.close()


def test_signing_off_a_language_names_the_member(live: LiveServer, browser: Any) -> None:
    page = signed_in(browser, live.base, viewport={"width": 320, "height": 800})
    try:
        page.goto(f"{live.base}/committee/elections/{live.election_id}/translations?lang=ko")
        page.get_by_role("button", name="I have read the 한국어 ballot and sign it off").click()
        page.wait_for_selector("text=You signed off the texts in 한국어")
        assert page.locator("p.signed").first.inner_text().startswith("Signed off by admin")
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
    finally:
        page.context.close()
