"""Issue 13's acceptance: a committee runs a two-question ratification from the web pages.

In Debian's Chromium against a real server with a real SMTP inbox: the committee signs
in and does everything through pages (accounts, the definition editor with two
questions, the preview, a roll file with a bad row corrected in the browser, the texts in
Spanish and Korean, naming the trustees, the set-up checklist (a test message, the
notice; making the election ready is refused while one trustee's key is unproven),
opening, one resend, reminders, closing, the tally, certification after the objection
period set in the form; each irreversible step confirmed on its own page, its figures
checked); the trustees run the real ``ballot trustee`` tool for the key
ceremony, the rehearsal of their keys and the decryption; members open the
links from their e-mail and vote in English, Spanish and Korean on the ballot page,
which encrypts in the browser.  The result is read in words, the PDF tally sheet is
downloaded and its text checked.

The whole story runs at 320 and at 1280 px; every page it passes through is saved as a
screenshot (``BALLOT_SHOTS``, else the test's temporary folder), must fit the window and
must have no axe-core violation.
"""

from __future__ import annotations

import io
import re
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from pypdf import PdfReader

from tests.support.accounts import ADMIN, PASSWORD
from tests.support.inbox import Inbox, plain_text
from tests.support.live import LiveServer, ShiftedClock, engine_database, start_server
from tests.support.tour import (
    Tour,
    chromium,
    off_thread,
    press,
    require_browser,
    shots_folder,
    sign_in,
    text_of,
)
from tests.support.trustees import ceremony_cli, finish, rehearse_cli, tally_cli
from tests.support.web_steps import (
    QUESTIONS,
    TITLE,
    ZONE,
    certify_after_objections,
    confirm_step,
    create_election,
    import_roll,
    make_trustee_accounts,
    name_trustees,
    preview,
    resend,
    translate,
    trustees_choose_passwords,
    vote,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROLL = """member_id,name,email,language,unit,challenged
E001,Ben Carter,ben@example.org,en,East,
E002,Fay Green,fay@example.org,en,East,
S001,Ana Lopez,ana@example.org,es,West,
S002,Lucia Diaz,lucia at example,es,West,
K001,Kim Min-jun,kim@example.org,ko,North,
K002,Park Ji-woo,park@example.org,ko,North,
"""
#: Who votes what (option index per question: 0 = Yes, 1 = No), in the order they vote.
#: Question 1: 4 Yes of 5 (80 %, approved under 2/3); question 2: 3 of 5 (60 %, rejected).
BEFORE_RESEND = {"ben": (0, 0), "ana": (0, 1), "kim": (0, 0)}
RESENT = "park"  # K002: sent a new link, votes with it
AFTER_REMINDERS = {"fay": (0, 0)}  # lucia@ never votes
LANGUAGE = {"ben": "en", "fay": "en", "ana": "es", "lucia": "es", "kim": "ko", "park": "ko"}
RUNS = [
    pytest.param("sqlite", 320, id="sqlite-320"),
    pytest.param("sqlite", 1280, id="sqlite-1280"),
    pytest.param("postgresql", 1280, id="postgresql-1280", marks=pytest.mark.postgres),
]


@pytest.mark.parametrize(("engine", "width"), RUNS)
def test_a_committee_runs_a_two_question_ratification_from_the_web_pages(
    engine: str, width: int, tmp_path: Path
) -> None:
    require_browser()
    clock = ShiftedClock()
    with engine_database(engine, tmp_path) as url:
        live = start_server(
            url, tmp_path, inbox=Inbox().start(), engine=engine, clock=clock, setup_checklist=True
        )
        tour = Tour(live.base, width, shots_folder(tmp_path / "shots", "committee-web", engine))
        try:
            with chromium() as browser:
                story(tour, browser, live, clock)
        finally:
            live.stop()
            tour.report()
    tour.assert_clean()


def story(tour: Tour, browser: Any, live: LiveServer, clock: ShiftedClock) -> None:
    admin = sign_in(tour, browser, ADMIN, PASSWORD)
    trustees_choose_passwords(tour, browser, make_trustee_accounts(tour, admin))
    election = create_election(tour, admin)
    tour.visit(admin, f"/committee/elections/{election}/preview?lang=en", "preview-en")
    import_roll(tour, admin, election, ROLL, "lucia at example", "lucia@example.org")
    translate(tour, admin, election)
    preview(tour, admin, election)
    name_trustees(tour, admin, election)
    key_ceremony(tour, admin, live, election)
    prove_keys_and_send_test_message(tour, admin, live, election)
    opening = ("This e-mails 6 members their voting links now.", "Español: 2", "한국어: 2")
    confirm_step(tour, admin, election, "open", opening, members=6)
    links = deliver(live, expect=6)
    for who, choice in BEFORE_RESEND.items():
        vote(tour, browser, links[f"{who}@example.org"], choice, who, LANGUAGE[who])
    tour.visit(admin, f"/committee/elections/{election}", "election-open")

    resend(tour, admin, live, election, "K002")
    old = links[f"{RESENT}@example.org"]
    new = deliver(live, expect=1)[f"{RESENT}@example.org"]
    assert new != old
    refused = tour.page(browser)
    refused.goto(old)
    assert refused.locator("#state").get_attribute("data-state") == "invalid"
    tour.look(refused, "ballot-old-link")
    refused.context.close()
    vote(tour, browser, new, (1, 1), RESENT, LANGUAGE[RESENT])

    admin.goto(f"{tour.base}/committee/elections/{election}")
    press(admin, "Send reminders to members who have not voted")
    assert "2 reminders are queued." in text_of(admin), text_of(admin)
    tour.look(admin, "reminders-queued")
    reminded = deliver(live, expect=2)
    assert set(reminded) == {"fay@example.org", "lucia@example.org"}
    for who, choice in AFTER_REMINDERS.items():
        link = reminded[f"{who}@example.org"]
        vote(tour, browser, link, choice, f"{who}-reminded", LANGUAGE[who])

    closing = ("Voting ends for everyone now", "1 of 6 members has not voted.")
    confirm_step(tour, admin, election, "close", closing, members=6)
    confirm_step(tour, admin, election, "tally", ("The tally for round 1 adds up 5 ballots.",))
    decrypting = [tally_cli(live, election, position) for position in (1, 3)]  # at once
    for process in decrypting:
        rc, out, err = finish(process)
        assert rc == 0, out + err
    results(tour, admin, election)
    tally_sheet(admin)
    admin = certify_after_objections(tour, browser, admin, clock, election)
    public_pages(tour, browser, live, election)
    admin.context.close()


def deliver(live: LiveServer, expect: int) -> dict[str, str]:
    """Send the queued mail through the real worker; the links that arrived (email -> link)."""
    assert live.inbox is not None
    return live.inbox.links(live.base, delivered(live, expect))


def delivered(live: LiveServer, expect: int) -> list[EmailMessage]:
    """Send the queued mail through the real worker; the ``expect`` messages that arrived."""
    assert live.inbox is not None
    before = len(live.inbox.messages)
    assert off_thread(live.deliver) == expect
    return live.inbox.wait_for(before + expect)[before:]


def key_ceremony(tour: Tour, admin: Any, live: LiveServer, election: str) -> None:
    """The committee starts the ceremony; the three trustees run ``ballot trustee ceremony``."""
    confirm_step(tour, admin, election, "start-ceremony", ("2 of them will be needed",))
    running = [ceremony_cli(live, election, position) for position in (1, 2, 3)]
    for process in running:
        rc, out, err = finish(process)
        assert rc == 0, out + err
    tour.visit(admin, f"/committee/elections/{election}/ceremony", "ceremony-done")
    assert admin.locator("#fingerprint").count() == 1


def prove_keys_and_send_test_message(
    tour: Tour, admin: Any, live: LiveServer, election: str
) -> None:
    """The set-up checklist's last items: each trustee proves their key with ``ballot
    trustee rehearse``, a test message goes out and arrives, the notice is recorded; the
    election cannot be made ready to open while one key is unproven."""
    page = f"/committee/elections/{election}"
    tour.visit(admin, page, "checklist")
    assert admin.locator("#step-rehearsals").get_attribute("data-state") == "missing"
    tour.visit(admin, f"{page}/rehearsals", "rehearsals")
    for position in (1, 2):
        rc, out, err = finish(rehearse_cli(live, election, position))
        assert rc == 0, out + err

    tour.visit(admin, f"{page}/test-message", "test-message")
    admin.fill("#test-address", "committee@local12.example.org")
    admin.select_option("#test-language", "es")
    press(admin, "Send the test message")
    (test,) = delivered(live, 1)
    assert test["To"] == "committee@local12.example.org"
    assert TITLE["es"] in plain_text(test), plain_text(test)
    admin.goto(f"{tour.base}{page}/test-message")
    press(admin, "It arrived")
    tour.look(admin, "test-message-arrived")

    tour.visit(admin, f"{page}/notice", "notice")
    # Today where the election is (the server refuses a notice posted "after today" there,
    # and in the evening in Los Angeles it is already tomorrow in UTC).
    admin.fill("#notice-date", datetime.now(ZoneInfo(ZONE)).date().isoformat())
    admin.fill("#notice-place", "Break-room notice board, in English, Spanish and Korean")
    press(admin, "Record the notice")
    tour.look(admin, "notice-recorded")

    admin.goto(f"{tour.base}{page}")
    press(admin, "Mark the election ready to open")
    refusal = text_of(admin, '[role="alert"]')
    assert "Trustee 3 (t3@example.org) has not yet proved their key" in refusal, refusal
    tour.look(admin, "ready-refused")
    rc, out, err = finish(rehearse_cli(live, election, 3))
    assert rc == 0, out + err
    tour.visit(admin, page, "checklist-done")
    assert admin.locator("#setup-checklist-summary").inner_text().startswith("Every step is done")
    press(admin, "Mark the election ready to open")
    assert 'role="alert"' not in admin.content(), text_of(admin)
    tour.look(admin, "election-ready")


def results(tour: Tour, admin: Any, election: str) -> None:
    """The committee's result in words: labels, shares against 2/3, each question's outcome."""
    admin.goto(f"{tour.base}/committee/elections/{election}")
    admin.wait_for_selector("#tally-sheet-links")
    tour.look(admin, "result-committee")
    words = text_of(admin)
    for question in QUESTIONS:
        assert question.text["en"] in words, question.text["en"]
    for expected in (
        "Outcome: Approved",
        "80.0% Yes; needed at least 2/3 = 66.7%",
        "Outcome: Rejected",
        "60.0% Yes; needed at least 2/3 = 66.7%",
        "Turnout 83.3% of 6 eligible; quorum 1/2 = 50.0%",
    ):
        assert expected in words, expected
    assert "q1-o1" not in words  # labels, not ids


def tally_sheet(admin: Any) -> None:
    """The PDF tally sheet as downloaded from the page, and what its text says."""
    with admin.expect_download() as got:
        admin.get_by_role("link", name=re.compile(r"Tally sheet \(PDF\) — English")).click()
    data = Path(got.value.path()).read_bytes()
    assert data.startswith(b"%PDF")
    text = compact(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages))
    for expected in (
        "Tally of ballots",
        TITLE["en"],
        QUESTIONS[0].text["en"],
        "Ballots cast 5",
        "Votes for Yes 4 (80.0%)",
        "Votes for No 1 (20.0%)",
        QUESTIONS[1].text["en"],
        "Votes for Yes 3 (60.0%)",
        "Outcome: Rejected",
        "For the election committee",
        "Observer for the union",
        "Signature",
    ):
        assert compact(expected) in text, (expected, text)


def compact(text: str) -> str:
    """The text without white space: pypdf spaces a CID font's glyphs apart and writes a
    NUL before each (its two-byte ToUnicode map)."""
    return "".join(text.replace("\x00", "").split())


def public_pages(tour: Tour, browser: Any, live: LiveServer, election: str) -> None:
    """What anyone can read: the board, the result in each members' language, the check."""
    page = tour.page(browser)
    try:
        tour.visit(page, f"/board/{election}", "board")
        for lang in ("en", "es", "ko"):
            tour.visit(page, f"/board/{election}/result?lang={lang}", f"result-public-{lang}")
        assert "2/3" in text_of(page, "body") or "⅔" in text_of(page, "body")
        tour.visit(page, f"/board/{election}/verify", "verify")
        tour.visit(page, f"/audit?election={election}", "audit-check")
    finally:
        page.context.close()
    record = httpx.get(f"{live.base}/api/elections/{election}/record.zip", timeout=60)
    assert record.status_code == 200
