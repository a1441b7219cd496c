"""Results in words, local time and the committee's identity, on a real 2-of-3 count.

A ratification with a 2/3 rule in English, Spanish and Korean, held in Los Angeles time
by a committee with a name in each language.  The definition keys ``time_zone`` and
``committee`` are set by the definition form (another change); here they are added to
the manifest when the ceremony starts, which is where the pages and messages read them.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import pytest
from litestar import Litestar
from pypdf import PdfReader

from ballot.config import Settings
from ballot.i18n import format_moment, gettext, ngettext
from ballot.mail.sink import MailSink
from ballot.mail.worker import run_worker
from tests.support.asgi import Web, create_draft, make_ready

from .conftest import NO, YES, CountedElection, cast, open_counted_election

ZONE = "America/Los_Angeles"
COMMITTEE = {
    "name": {
        "en": "Staff Union Election Committee",
        "es": "Comité Electoral del Sindicato",
        "ko": "직원 노조 선거관리위원회",
    },
    "email": "committee@staffunion.example",
    "phone": "+1 213 555 0100",
    "reply_to": "replies@staffunion.example",
}
KO_YES, KO_NO = "찬성", "반대"


def ratification() -> dict[str, Any]:
    return {
        "kind": "ratification",
        "time_zone": ZONE,
        "committee": COMMITTEE,
        "title": {"en": "Contract ratification", "es": "Ratificación", "ko": "단체협약 비준"},
        "instructions": {"en": "Choose one.", "es": "Elija una.", "ko": "하나를 고르세요."},
        "rule": "supermajority",
        "supermajority": "2/3",
        "questions": [
            {
                "text": {
                    "en": "Do you ratify the agreement?",
                    "es": "¿Ratifica el acuerdo?",
                    "ko": "단체협약을 비준합니까?",
                },
                "min": 1,
                "max": 1,
                "options": [
                    {"en": "Yes", "es": "Sí", "ko": KO_YES},
                    {"en": "No", "es": "No", "ko": KO_NO},
                ],
            }
        ],
    }


def words(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def compact(text: str) -> str:
    """Text without white space: pypdf spaces the glyphs of a CID font apart (and writes a
    NUL before each, from the font's two-byte ToUnicode map); pdftotext reads it cleanly."""
    return "".join(text.replace("\x00", "").split())


@pytest.fixture
async def counted(
    app: Litestar, admin: Web, captured_tokens: dict[int, str]
) -> Iterator[CountedElection]:
    election = await open_counted_election(
        app, admin, captured_tokens, objection_days=0, **ratification()
    )
    yield election  # type: ignore[misc]
    for t in election.trustees:
        await t.web.client.aclose()


async def test_the_count_in_words_with_trustee_progress_and_a_signed_sheet(
    web: Web, admin: Web, counted: CountedElection
) -> None:
    page = f"/committee/elections/{counted.id}"
    for member, choice in (("C001", YES), ("C002", YES), ("C003", YES), ("C004", NO)):
        await cast(web, counted, member, choice)
    # The window in the election's zone, with its name (PDT in May), never ISO text.
    text = words((await admin.get(page)).text)
    assert "Sat, May 2, 2026, 2:00 AM PDT – Sat, May 9, 2026, 10:00 AM PDT" in text
    assert "2026-05-02T" not in text and "+00:00" not in text
    closing = {"target": "closed", "members": "9", "understood": "yes"}
    assert (await admin.post(page + "/state", data=closing)).status_code in (200, 303)
    assert (await admin.post(page + "/tally", data={"understood": "yes"})).status_code == 200
    assert "0 of 2 trustees have decrypted" in words((await admin.get(page)).text)
    assert (await counted.trustees[0].decrypt(counted)).status_code == 200
    assert "1 of 2 trustees have decrypted" in words((await admin.get(page)).text)
    public = words((await web.get(f"/board/{counted.id}/result")).text)
    assert "1 of 2 trustees have decrypted" in public
    assert (await counted.trustees[1].decrypt(counted)).status_code == 200

    html = (await admin.get(page)).text
    text = words(html)
    assert "q1-o1" not in text  # labels, never ids
    assert "Outcome: Approved" in text
    assert "Yes has 3 of 4 valid votes, at least 2/3 (3 needed)." in text  # the reason
    assert "75.0% Yes; needed at least 2/3 = 66.7%" in text
    assert "Yes 75.0% (3 votes)" in text and "No 25.0% (1 vote)" in text
    assert "0 blank or void ballots: not valid votes, so shown apart." in text
    assert 'class="bar-fill" x="0" y="0" width="75"' in html  # the chart, with its text
    assert "trustees have decrypted" not in text
    assert f"{page}/tally-sheet.pdf?lang=ko" in html

    # The printed sheet: the labour board's fields and the signature lines.
    r = await admin.get(f"{page}/tally-sheet.pdf?lang=en")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    sheet = compact(PdfReader(io.BytesIO(r.content)).pages[0].extract_text())
    for expected in (
        "Tally of ballots",
        "Contract ratification",
        "Staff Union Election Committee",
        "Approximate number of eligible voters",
        "Ballots cast4",
        "Void ballots0",
        "Votes for Yes3 (75.0%)",
        "Votes for No1 (25.0%)",
        "Valid votes counted4",
        "Challenged ballots",
        "Outcome: Approved",
        "75.0% Yes; needed at least 2/3 = 66.7%",
        "PDT",
    ):
        assert compact(expected) in sheet, expected
    whole = compact(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages))
    for line in ("For the election committee", "Observer for the union", "Signature"):
        assert compact(line) in whole
    assert compact("Yes has 3 of 4 valid votes, at least 2/3 (3 needed).") in whole  # why

    # In Korean: the committee's language on paper, Korean glyphs embedded.
    r = await admin.get(f"{page}/tally-sheet.pdf?lang=ko")
    reader = PdfReader(io.BytesIO(r.content))
    korean = compact(" ".join(p.extract_text() for p in reader.pages))
    for expected in (
        gettext("ko", "Tally of ballots"),
        "단체협약비준",
        "직원노조선거관리위원회",
        gettext("ko", "Votes for %(choice)s") % {"choice": KO_YES} + "3",
        gettext("ko", "Signature"),
        gettext("ko", "Observer for the union"),
    ):
        assert compact(expected) in korean, expected
    fonts = {
        str(f["/BaseFont"])
        for p in reader.pages
        for f in p["/Resources"]["/Font"].values()  # type: ignore[index]
    }
    assert any("NotoSansCJK" in f for f in fonts), fonts

    # A member reads the same result in Korean, with the committee's Korean name.
    ko = words((await web.get(f"/board/{counted.id}/result?lang=ko")).text)
    assert KO_YES in ko and KO_NO in ko and "75.0%" in ko
    needed = gettext("ko", "%(share)s %(option)s; needed at least %(threshold)s = %(percent)s")
    assert needed != "%(share)s %(option)s; needed at least %(threshold)s = %(percent)s"
    assert (
        needed
        % {
            "share": "75.0%",
            "option": KO_YES,
            "threshold": "2/3",
            "percent": "66.7%",
        }
        in ko
    )
    assert ngettext("ko", "%(num)s vote", "%(num)s votes", 3) % {"num": 3} in ko
    assert "직원 노조 선거관리위원회" in ko and "committee@staffunion.example" in ko
    assert "needed" not in ko and "Approved" not in ko and "(UTC)" not in ko
    assert "태평양" in ko  # the time of the count in Los Angeles time, named in Korean


async def test_times_in_the_elections_zone_on_ballot_and_board(
    web: Web, admin: Web, counted: CountedElection
) -> None:
    closes = datetime(2026, 5, 9, 17, 0, tzinfo=UTC)
    ballot = words((await web.get(f"/v/{counted.links['C002']}?lang=ko")).text)
    said = gettext("ko", "Voting closes: %(time)s") % {"time": format_moment(closes, "ko", ZONE)}
    assert said in ballot and "(미 태평양 하계 표준시)" in said
    english = words((await web.get(f"/v/{counted.links['C002']}")).text)
    assert "Voting closes: Sat, May 9, 2026, 10:00 AM PDT" in english
    assert "This election is run by Staff Union Election Committee." in english

    board = (await web.get(f"/board/{counted.id}?lang=ko")).text
    assert gettext("ko", "Open for voting") in words(board)
    assert "<dd>open</dd>" not in board and "PDT" not in board
    assert re.search(r"\d{4}-\d\d-\d\dT", words(board)) is None  # no ISO times
    assert "<dd>Open for voting</dd>" in (await web.get(f"/board/{counted.id}?lang=en")).text


async def test_a_korean_invitation_names_the_committee_and_replies_to_it(
    app: Litestar, settings: Settings, admin: Web
) -> None:
    roll = (
        "member_id,name,email,language,unit,challenged\n"
        "K001,Kim Minji,minji@example.org,ko,North,\n"
        "K002,Ana Lopez,ana@example.org,es,North,\n"
    )
    election_id = await create_draft(admin, **ratification())
    await make_ready(admin, election_id, roll)
    r = await admin.post(f"/api/elections/{election_id}/state", json={"target": "open"})
    assert r.status_code == 200, r.text
    sink = MailSink().start()
    try:
        sent = await run_worker(
            app.state.session_factory,
            settings.with_(smtp_port=sink.port, mail_rate=1000.0),
            once=True,
        )
        assert sent == 2
        mail: dict[str, EmailMessage] = {str(m["To"]).strip("<>"): m for m in sink.messages}
    finally:
        sink.stop()
    korean = mail["minji@example.org"]
    assert korean["Reply-To"] == "replies@staffunion.example"
    body = korean.get_body(preferencelist=("plain",))
    assert body is not None
    text = str(body.get_content())
    assert "직원 노조 선거관리위원회" in text and "the election committee" not in text
    assert "committee@staffunion.example" in text and "+1 213 555 0100" in text
    closes = format_moment(datetime(2026, 5, 9, 17, 0, tzinfo=UTC), "ko", ZONE)
    assert gettext("ko", "Voting closes: %(time)s") % {"time": closes} in text
    html = korean.get_body(preferencelist=("html",))
    assert html is not None and "직원 노조 선거관리위원회" in str(html.get_content())
    spanish = str(mail["ana@example.org"].get_body(preferencelist=("plain",)).get_content())  # type: ignore[union-attr]
    assert "Comité Electoral del Sindicato" in spanish
