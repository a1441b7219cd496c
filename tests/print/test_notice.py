"""The notice of election over HTTP, on both engines: a poster per language from the
definition (the questions as a sample ballot, the window in the election's zone, who may
vote, the ways to vote this election offers and no other, the committee, the
fingerprint), linked from the election page; a bad language or state is a 4xx."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from litestar import Litestar

from ballot.i18n import format_moment, gettext, ngettext
from tests.support.asgi import Web, create_draft
from tests.support.elections import CastElection

from .helpers import ZONE, compact, open_election, pdf_pages

C = "/committee/elections"
OPENS = datetime(2026, 5, 2, 9, 0, tzinfo=UTC)
CLOSES = datetime(2026, 5, 9, 17, 0, tzinfo=UTC)


@pytest.fixture
async def election(app: Litestar, admin: Web, captured_tokens: dict[int, str]) -> CastElection:
    return await open_election(app, admin, captured_tokens)


async def notice_text(admin: Web, election_id: str, language: str) -> str:
    r = await admin.get(f"{C}/{election_id}/notice.pdf?lang={language}")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    return "".join(pdf_pages(r.content))


@pytest.mark.parametrize("language", ["ko", "es", "en"])
async def test_the_notice_in_each_language_says_what_when_who_and_how(
    admin: Web, election: CastElection, language: str
) -> None:
    text = await notice_text(admin, election.id, language)
    title = {
        "ko": "노동조합 인정 투표",
        "es": "Votación de reconocimiento",
        "en": "Recognition vote",
    }
    question = {
        "ko": "노동조합을 원하십니까?",
        "es": "¿Quiere el sindicato?",
        "en": "Do you want the union?",
    }
    options = {"ko": ("예", "아니요"), "es": ("Sí", "No"), "en": ("Yes", "No")}
    committee = {
        "ko": "직원 노조 선거관리위원회",
        "es": "Comité Electoral del Sindicato",
        "en": "Staff Union Election Committee",
    }
    for expected in (
        gettext(language, "NOTICE OF ELECTION"),
        title[language],
        question[language],
        *options[language],
        gettext(language, "SAMPLE BALLOT: do not use it to vote"),
        gettext(language, "Voting opens: %(time)s")
        % {"time": format_moment(OPENS, language, ZONE)},
        gettext(language, "Voting closes: %(time)s")
        % {"time": format_moment(CLOSES, language, ZONE)},
        ngettext(
            language,
            "Every member on the election roll may vote: %(count)s member.",
            "Every member on the election roll may vote: %(count)s members.",
            5,
        )
        % {"count": 5},
        "East, North, South",
        committee[language],
        "committee@staffunion.example",
        "+1 213 555 0100",
        election.fingerprint.hex()[:4],
    ):
        assert compact(expected) in text, expected
    # The ways this election offers (e-mail, printed letters), and not the others.
    assert compact(gettext(language, "By e-mail: members get a personal voting link by e-mail. Open it on a phone or computer and vote.")) in text  # fmt: skip
    assert compact(gettext(language, "By letter: a member with no e-mail or phone can ask the committee for a printed letter with their personal link and a code to scan with a phone.")) in text  # fmt: skip
    for absent in (
        "By text message: members who gave a phone number get their personal voting link by text message.",
        "In person: come to the polling place, where the committee checks you in.",
        "On paper: ask the committee for a paper ballot and return it before voting closes.",
    ):
        assert compact(gettext(language, absent)) not in text


async def test_the_election_page_links_the_notice_in_each_language(
    admin: Web, election: CastElection
) -> None:
    page = (await admin.get(f"{C}/{election.id}")).text
    for language in ("en", "es", "ko"):
        assert f"{C}/{election.id}/notice.pdf?lang={language}" in page
    assert f"{C}/{election.id}/letters" in page


async def test_a_bad_language_or_a_draft_gets_a_clear_4xx(
    admin: Web, web: Web, election: CastElection
) -> None:
    for language in ("xx", "vi"):  # unknown; not one of this election's
        r = await admin.get(f"{C}/{election.id}/notice.pdf?lang={language}")
        assert r.status_code == 400 and "en, es, ko" in r.text, language
    draft = await create_draft(admin)
    r = await admin.get(f"{C}/{draft}/notice.pdf?lang=en")
    assert r.status_code == 409 and "notice of election" in r.text
    assert f"{C}/{draft}/notice.pdf" not in (await admin.get(f"{C}/{draft}")).text
    assert (await admin.get(f"{C}/nope/notice.pdf")).status_code == 404
    assert (await web.get(f"{C}/{election.id}/notice.pdf")).status_code in (302, 303, 401, 403)


async def test_a_polling_place_and_paper_ballots_appear_on_the_notice_once_offered(
    admin: Web, election: CastElection
) -> None:
    page = f"{C}/{election.id}/ways-to-vote"
    assert page in (await admin.get(f"{C}/{election.id}")).text
    # Too long a description is refused with what was typed kept, and nothing changes.
    long = "Union hall " * 40
    r = await admin.post(page, data={"polling_place": long, "paper_ballots": "yes"})
    assert r.status_code == 400 and 'aria-invalid="true"' in r.text
    assert "Union hall Union hall" in r.text and 'id="paper-ballots" name="paper_ballots" value="yes" checked' in r.text  # fmt: skip
    text = await notice_text(admin, election.id, "ko")
    in_person = gettext("ko", "In person: come to the polling place, where the committee checks you in.")  # fmt: skip
    on_paper = gettext("ko", "On paper: ask the committee for a paper ballot and return it before voting closes.")  # fmt: skip
    assert compact(in_person) not in text and compact(on_paper) not in text
    where = "Union hall, 12 Main St., Tuesday 7 am to 7 pm"
    r = await admin.post(page, data={"polling_place": where, "paper_ballots": "yes"})
    assert r.status_code == 200 and "Saved." in r.text
    text = await notice_text(admin, election.id, "ko")
    assert compact(in_person) in text and compact(on_paper) in text
    assert compact(where) in text
    log = (await admin.get(f"/committee/audit?election={election.id}")).text
    assert "Ways to vote on the notice changed" in log
    # Taken back: the notice no longer promises them.
    r = await admin.post(page, data={"polling_place": "  "})
    assert r.status_code == 200
    text = await notice_text(admin, election.id, "ko")
    assert compact(in_person) not in text and compact(on_paper) not in text
