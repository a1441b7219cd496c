"""The steps of a committee's election in the browser, each as a person does it.

Every act is a form on a page (no API call for a committee act); every page passed
through is handed to the :class:`~tests.support.browser.Tour`.  The trustees' acts are
the real ``ballot trustee`` tool (:mod:`tests.support.trustees`); members vote on their
ballot page, which encrypts in the browser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ballot.store.types import utcnow

from .accounts import ADMIN, PASSWORD
from .live import LiveServer, ShiftedClock
from .tour import Tour, press, sign_in, text_of, tour_once
from .trustees import TRUSTEES

ZONE = "America/Los_Angeles"


@dataclass(frozen=True)
class Question:
    text: dict[str, str]
    options: tuple[dict[str, str], ...]


YES = {"en": "Yes", "es": "Sí", "ko": "예"}
NO = {"en": "No", "es": "No", "ko": "아니요"}
TITLE = {
    "en": "Contract and dues ratification 2026",
    "es": "Ratificación del contrato y las cuotas 2026",
    "ko": "2026년 단체협약 및 조합비 인준 투표",
}
INSTRUCTIONS = {
    "en": "Answer both questions.",
    "es": "Responda las dos preguntas.",
    "ko": "두 질문에 모두 답하세요.",
}
COMMITTEE = {
    "en": "Local 12 Election Committee",
    "es": "Comité Electoral de la Local 12",
    "ko": "12지부 선거관리위원회",
}
QUESTIONS = (
    Question(
        {
            "en": "Do you ratify the 2026 agreement?",
            "es": "¿Ratifica usted el convenio de 2026?",
            "ko": "2026년 협약을 인준하십니까?",
        },
        (YES, NO),
    ),
    Question(
        {
            "en": "Do you approve the new dues?",
            "es": "¿Aprueba usted las nuevas cuotas?",
            "ko": "새 조합비를 승인하십니까?",
        },
        (YES, NO),
    ),
)
#: English text -> its translation, for filling the translations page row by row.
TRANSLATED = {
    lang: {
        t["en"]: t[lang]
        for t in (TITLE, INSTRUCTIONS, COMMITTEE, YES, NO, *(q.text for q in QUESTIONS))
    }
    for lang in ("es", "ko")
}
LANGUAGE_NAMES = {"en": "English", "es": "Español", "ko": "한국어"}


def local_input(delta: timedelta) -> str:
    """A ``datetime-local`` value in the election's zone, ``delta`` from now."""
    return (utcnow() + delta).astimezone(ZoneInfo(ZONE)).strftime("%Y-%m-%dT%H:%M")


def make_trustee_accounts(tour: Tour, admin: Any) -> dict[str, str]:
    """Accounts for the three trustees, made on the accounts page: email -> temporary password."""
    temporary = {}
    for number, email in enumerate(TRUSTEES, start=1):
        tour.visit(admin, "/committee/accounts", "accounts") if number == 1 else admin.goto(
            tour.base + "/committee/accounts"
        )
        admin.fill("#name", f"Trustee {number}")
        admin.fill("#email", email)
        admin.check("#role-trustee")
        press(admin, "Make the account")
        temporary[email] = str(admin.locator("code.secret").inner_text())
        if number == 1:
            tour.look(admin, "account-made")
    return temporary


def trustees_choose_passwords(tour: Tour, browser: Any, temporary: dict[str, str]) -> None:
    """Each trustee signs in with the temporary password and chooses their own (the one the
    trustee tool reads from its password file)."""
    for email, password in temporary.items():
        page = sign_in(tour, browser, email, password)
        try:
            assert page.url.endswith("/committee/account"), page.url
            tour_once(tour, page, "trustee-must-choose-password")
            page.get_by_label("Current password").fill(password)
            page.get_by_label("New password (at least 10 characters)").fill(PASSWORD)
            page.get_by_label("New password again").fill(PASSWORD)
            press(page, "Save the new password")
            assert "Your new password is set." in text_of(page)
            tour_once(tour, page, "trustee-password-set")
        finally:
            page.context.close()


def create_election(tour: Tour, admin: Any) -> str:
    """The definition editor: settings, committee, two yes/no questions; returns the id."""
    tour.visit(admin, "/committee", "elections")
    admin.get_by_role("link", name="New election").click()
    admin.wait_for_load_state()
    tour.look(admin, "new-election")
    admin.fill("#title", TITLE["en"])
    admin.fill("#instructions", INSTRUCTIONS["en"])
    admin.select_option("#kind", "ratification")
    admin.select_option("#rule", "supermajority")
    admin.fill("#supermajority", "2/3")
    admin.fill("#quorum", "1/2")
    admin.fill("#objection_days", "1")
    admin.fill("#trustees_n", "3")
    admin.fill("#trustees_k", "2")
    admin.select_option("#time_zone", ZONE)
    admin.fill("#opens_at", local_input(timedelta(minutes=-1)))  # the committee opens it now
    admin.fill("#closes_at", local_input(timedelta(days=10)))
    admin.fill("#committee_name", COMMITTEE["en"])
    admin.fill("#committee_email", "vote@local12.example.org")
    admin.fill("#committee_phone", "+1 213 555 0100")
    admin.fill("#committee_reply_to", "reply@local12.example.org")
    fill_question(admin, 1)
    press(admin, "Add a question")
    assert admin.input_value("#title") == TITLE["en"]  # the form kept what was typed
    fill_question(admin, 2)
    tour.look(admin, "new-election-two-questions")
    press(admin, "Create the election")
    found = re.search(r"/committee/elections/([^/?#]+)$", admin.url)
    assert found is not None, (admin.url, text_of(admin))
    tour.look(admin, "election-draft")
    words = text_of(admin)
    for shown in ("2/3", "1/2", "Los Angeles"):
        assert shown in words, shown
    return found.group(1)


def fill_question(admin: Any, n: int) -> None:
    question = QUESTIONS[n - 1]
    admin.fill(f"#q{n}_text", question.text["en"])
    for i, option in enumerate(question.options, start=1):
        admin.fill(f"#q{n}_o{i}", option["en"])


def translate(tour: Tour, admin: Any, election: str) -> None:
    """Spanish and Korean texts typed on the translations page; each language signed off."""
    base = f"/committee/elections/{election}/translations"
    for lang in ("es", "ko"):
        tour.visit(admin, f"{base}?lang={lang}", f"translations-{lang}")
        rows = admin.locator("form textarea")
        for i in range(rows.count()):
            english = admin.locator(f"#t{i + 1}-en").inner_text().removeprefix("English: ")
            rows.nth(i).fill(TRANSLATED[lang][english])
        press(admin, f"Save {LANGUAGE_NAMES[lang]}")
        assert "Saved" in text_of(admin), text_of(admin)
    for lang in ("en", "es", "ko"):
        press(admin, f"I have read the {LANGUAGE_NAMES[lang]} ballot and sign it off")
        assert f"You signed off the texts in {LANGUAGE_NAMES[lang]}" in text_of(admin)
    tour.look(admin, "translations-signed-off")


def preview(tour: Tour, admin: Any, election: str) -> None:
    """The ballot as members see it, in each language and at phone width."""
    admin.goto(f"{tour.base}/committee/elections/{election}")
    # The preview's link (the committee's language menu names the languages too).
    admin.locator(f'a[href="/committee/elections/{election}/preview?lang=es"]').click()
    admin.wait_for_load_state()
    tour.look(admin, "preview-es")
    assert QUESTIONS[1].text["es"] in text_of(admin, "body")
    tour.visit(
        admin, f"/committee/elections/{election}/preview?lang=ko&phone=1", "preview-ko-phone"
    )


def import_roll(tour: Tour, admin: Any, election: str, roll: str, bad: str, good: str) -> None:
    """A roll file with one bad cell: refused whole, the row corrected in the browser."""
    tour.visit(admin, f"/committee/elections/{election}/roll-import", "roll-import")
    admin.set_input_files(
        "#roll", files=[{"name": "roll.csv", "mimeType": "text/csv", "buffer": roll.encode()}]
    )
    press(admin, "Import", exact=True)
    assert "Nothing was imported" in text_of(admin), text_of(admin)
    tour.look(admin, "roll-import-problem")
    field = admin.locator(f"input[value='{bad}']")
    field.fill(good)
    press(admin, "Import the corrected file")
    members = roll.strip().count("\n")
    assert f"{members} members were added to the roll." in text_of(admin), text_of(admin)
    tour.look(admin, "roll-imported")
    tour.visit(admin, f"/committee/elections/{election}/members", "members")


def name_trustees(tour: Tour, admin: Any, election: str) -> None:
    tour.visit(admin, f"/committee/elections/{election}/ceremony", "ceremony")
    for position, email in enumerate(TRUSTEES, start=1):
        admin.select_option("#seat_email", email)
        admin.fill("#seat_position", str(position))
        press(admin, "Name trustee")
    assert "Trustee 3: t3@example.org" in text_of(admin)
    tour.look(admin, "trustees-named")


def vote(
    tour: Tour, browser: Any, link: str, choices: tuple[int, ...], name: str, lang: str
) -> str:
    """A member opens their link, chooses, reviews and casts in their own language (the
    ballot is encrypted in the browser); returns the short tracker."""
    page = tour.page(browser)
    try:
        page.goto(link)
        page.wait_for_selector("#ballot-form:not([hidden])")
        assert page.locator("html").get_attribute("lang") == lang
        assert QUESTIONS[1].text[lang] in text_of(page), text_of(page)
        tour.look(page, f"ballot-{name}")
        for question, option in enumerate(choices):
            page.check(f"#q{question}-o{option}")
        page.click("#review-button")
        page.wait_for_selector("#review:not([hidden])")
        tour.look(page, f"review-{name}")
        page.click("#cast-button")
        page.wait_for_selector("#receipt:not([hidden])")
        tour.look(page, f"receipt-{name}")
        return str(page.locator("#receipt-short").inner_text())
    finally:
        page.context.close()


def resend(tour: Tour, admin: Any, live: LiveServer, election: str, member: str) -> None:
    """One member's link sent again from their page on the roll (confirmed by a checkbox)."""
    tour.visit(admin, f"/committee/elections/{election}/members/{member}", "member")
    admin.get_by_label("Yes, send this member a new link").check()
    press(admin, "Send the link again")
    assert "A new link is on its way to the member." in text_of(admin)
    tour.look(admin, "member-link-sent")


def certify_after_objections(
    tour: Tour, browser: Any, admin: Any, clock: ShiftedClock, election: str
) -> Any:
    """Certification is refused during the objection period set in the form; a day later
    (the committee signs in again) it is allowed.  Returns the new signed-in page."""
    admin.goto(f"{tour.base}/committee/elections/{election}")
    admin.get_by_role("link", name=STEP_LINKS["certify"]).click()
    admin.wait_for_load_state()
    assert "The objection period runs until" in text_of(admin), text_of(admin)
    assert admin.locator("#understood").count() == 0  # nothing to confirm yet
    tour.look(admin, "certify-refused")
    admin.context.close()
    clock.advance(days=1, minutes=1)
    admin = sign_in(tour, browser, ADMIN, PASSWORD)
    ended = ("The result becomes final",)
    confirm_step(tour, admin, election, "certify", ended, reason="No objections were filed.")
    assert "The result is certified. It is final." in text_of(admin), text_of(admin)
    return admin


#: The link on the election page to each irreversible step's confirmation page.
STEP_LINKS = {
    "start-ceremony": "Start the key ceremony…",
    "open": "Open voting…",
    "close": "Close voting…",
    "tally": "Take the tally for round 1…",
    "certify": "Certify the result…",
}


def confirm_step(
    tour: Tour,
    admin: Any,
    election: str,
    step: str,
    facts: tuple[str, ...] = (),
    members: int | None = None,
    reason: str = "",
) -> None:
    """An irreversible step on its own page: its consequences in figures (``facts``), then
    a deliberate act (the box ticked, the roll's size typed to open or close)."""
    admin.goto(f"{tour.base}/committee/elections/{election}")
    admin.get_by_role("link", name=STEP_LINKS[step]).click()
    admin.wait_for_load_state()
    words = text_of(admin)
    for fact in facts:
        assert fact in words, (fact, words)
    tour.look(admin, f"confirm-{step}")
    if members is not None:
        admin.fill("#members", str(members))
    if reason:
        admin.fill("#certify-reason", reason)
    admin.check("#understood")
    admin.locator("form.confirm-form button[type=submit]").click()
    admin.wait_for_load_state()
    assert f"/committee/elections/{election}" in admin.url, admin.url
    assert 'role="alert"' not in admin.content(), text_of(admin)
    tour.look(admin, f"election-after-{step}")
