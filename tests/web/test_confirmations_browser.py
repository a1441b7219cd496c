"""The irreversible steps and the key ceremony page in Debian's Chromium (issue 13).

* The key ceremony held here: the committee cannot continue until every trustee's key
  file was downloaded and its saving confirmed; a box cannot be ticked before its file
  is downloaded; leaving the page before that asks first (``beforeunload``).
* Opening voting driven through its confirmation page by its visible labels.
* Every new page (confirmation pages, an impossible step, the withdraw page, the key
  files, the ceremony summary, the election page's irreversible region) passes axe-core,
  fits 320 px, and is photographed at 320 and 1280 px in English and Korean
  (``BALLOT_SHOTS``, default ``/work/shots/confirmations``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.browser import check_as_it_stands, shots_folder, signed_in
from tests.support.browser_fixtures import browser_fixture, live_fixture
from tests.support.committee import Committee
from tests.support.live import LiveServer

pytestmark = [pytest.mark.browser]

SHOTS = Path("/work/shots/confirmations")  # unless BALLOT_SHOTS names another folder
DRAFT: dict[str, Any] = {
    "kind": "ratification",
    "title": {"en": "Contract ratification 2026", "ko": "2026년 단체협약 인준 투표"},
    "instructions": {"en": "Answer the question.", "ko": "질문에 답하세요."},
    "time_zone": "America/Los_Angeles",
    "closes_at": "2030-05-16T00:00:00Z",
    "committee": {"name": {"en": "Local 12 Election Committee", "ko": "12지부 선거관리위원회"}},
    "questions": [
        {
            "text": {"en": "Do you ratify the agreement?", "ko": "협약을 인준하십니까?"},
            "min": 1,
            "max": 1,
            "options": [{"en": "Yes", "ko": "예"}, {"en": "No", "ko": "아니요"}],
        }
    ],
}
ROLL = """member_id,name,email,language,unit,challenged
K001,Park Ji-woo,park@example.org,ko,West,
K002,Kim Min-seo,kim@example.org,ko,West,
E001,Ben Carter,ben@example.org,en,East,
E002,Ana Lopez,ana@example.org,en,East,
E003,Chen Wei,chen@example.org,en,South,
"""
PHRASES = ["first trustee phrase", "second trustee phrase", "third trustee phrase"]


def draft(live: LiveServer) -> str:
    """A draft with no trustees named in its definition (so 2 of 3) and the roll."""
    with Committee(live.base) as committee:
        election_id = str(committee.post("/api/elections", json=DRAFT)["id"])
        committee.post(f"/api/elections/{election_id}/roll", content=ROLL.encode())
    return election_id


live = live_fixture()
browser = browser_fixture()


def shoot_here(page: Any, live: LiveServer, name: str, lang: str) -> None:
    """This page as it stands (a POST's answer cannot be fetched again): 1280 then 320 px."""
    check_as_it_stands(page, live, shots_folder(SHOTS), name, lang, widths=(1280, 320))


def shoot(page: Any, live: LiveServer, path: str, name: str) -> None:
    """The page at ``path`` in English and Korean, each at 1280 and 320 px."""
    for lang in ("en", "ko"):
        page.goto(f"{live.base}{path}?ui={lang}")
        shoot_here(page, live, name, lang)


def hold_ceremony(page: Any, live: LiveServer, election_id: str, lang: str) -> None:
    page.goto(f"{live.base}/committee/elections/{election_id}/ceremony?ui={lang}")
    assert page.input_value("#trustees_n") == "3" and page.input_value("#trustees_k") == "2"
    for i, phrase in enumerate(PHRASES, start=1):
        page.fill(f"#passphrase_{i}", phrase)
    page.check("#understood")
    # The form's answer comes in the page's language when the action carries it.
    page.eval_on_selector(
        "form[action$='/ceremony/local']", f"f => {{ f.action = f.action + '?ui={lang}'; }}"
    )
    page.click("form[action*='/ceremony/local'] button[type=submit]")
    page.wait_for_selector("[data-key-files]")


def test_key_files_must_each_be_saved_before_the_committee_continues(
    live: LiveServer, browser: Any
) -> None:
    page = signed_in(browser, live.base, accept_downloads=True)
    try:
        election_id = draft(live)
        ceremony = f"/committee/elections/{election_id}/ceremony"
        shoot(page, live, ceremony, "ceremony-form")
        hold_ceremony(page, live, election_id, "en")
        done = page.get_by_role("button", name="Continue to the election")
        # The page's script disables them once it has run: wait for it, as a person would.
        expect(done).to_be_disabled()
        boxes = [page.get_by_label(f"I have saved the key file for trustee {i}") for i in (1, 2, 3)]
        for box in boxes:
            expect(box).to_be_disabled()  # no ticking before downloading
        assert page.locator("#key-files-status").inner_text() == "Key files not yet saved: 3."
        shoot_here(page, live, "key-files", "en")

        # Leaving now asks first; staying keeps the files on the page.
        dialogs: list[str] = []

        def stay(dialog: Any) -> None:
            dialogs.append(dialog.type)
            dialog.dismiss()

        page.on("dialog", stay)
        page.get_by_role("link", name="Back to the election").click()
        page.wait_for_timeout(500)
        assert dialogs == ["beforeunload"]
        assert "/ceremony/local" in page.url and done.is_disabled()

        names = []
        for i, box in enumerate(boxes, start=1):
            with page.expect_download() as download:
                page.get_by_role("link", name=f"Download the key file for trustee {i}").click()
            names.append(download.value.suggested_filename)
            assert box.is_enabled()
            box.check()
            if i < 3:
                assert done.is_disabled()  # every file, not some
        assert names == [f"{election_id}-trustee-{i}.key" for i in (1, 2, 3)]
        assert page.locator("#key-files-status").inner_text() == "Every key file is saved."
        done.click()
        page.wait_for_url(f"{live.base}/committee/elections/{election_id}*")
        assert dialogs == ["beforeunload"]  # continuing asked nothing more
        page.remove_listener("dialog", stay)

        # The form is gone; the summary stands in its place.
        page.goto(f"{live.base}{ceremony}")
        assert page.get_by_role("heading", name="The key ceremony is done").is_visible()
        assert page.locator("#passphrase_1").count() == 0
        shoot(page, live, ceremony, "ceremony-summary")

        # The Korean answer of a ceremony, photographed.
        korean = draft(live)
        hold_ceremony(page, live, korean, "ko")
        shoot_here(page, live, "key-files", "ko")
        page.on("dialog", lambda dialog: dialog.accept())
    finally:
        page.context.close()


def test_confirmation_pages_open_voting_and_are_photographed(
    live: LiveServer, browser: Any
) -> None:
    page = signed_in(browser, live.base, accept_downloads=True)
    try:
        election_id = draft(live)
        base = f"/committee/elections/{election_id}"
        shoot(page, live, base + "/confirm/start-ceremony", "confirm-start-ceremony")
        shoot(page, live, base + "/confirm/close", "confirm-impossible")
        hold_ceremony(page, live, election_id, "en")
        page.on("dialog", lambda dialog: dialog.accept())
        shoot(page, live, base, "election-ready")
        shoot(page, live, base + "/confirm/open", "confirm-open")
        shoot(page, live, base + "/confirm/back-to-draft", "confirm-back-to-draft")

        # Open voting through the page, by its visible labels.
        page.goto(f"{live.base}{base}?ui=en")
        page.get_by_role("link", name="Open voting…").click()
        page.get_by_role("button", name="Open voting now").click()  # nothing typed or ticked
        assert "/confirm/open" in page.url  # the browser refuses the empty form
        page.get_by_label("Type the number of members on the roll (5) to confirm").fill("5")
        page.get_by_label("I understand that this cannot be undone").check()
        page.get_by_role("button", name="Open voting now").click()
        page.wait_for_url(f"{live.base}{base}")
        assert "Open for voting" in page.locator("main").inner_text()

        shoot(page, live, base, "election-open")
        shoot(page, live, base + "/confirm/close", "confirm-close")
        shoot(page, live, base + "/members/E003/withdraw", "withdraw-link")
    finally:
        page.context.close()
