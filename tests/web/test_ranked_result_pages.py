"""Ranked races on the result pages: the mix-net's progress, then every round as a table.

The board is simulated (:mod:`tests.support.ranked_board`): the same kinds and payload
shapes the service writes, counts made by the ranked-count module itself.
"""

from __future__ import annotations

import json
import os
import re

import pypdfium2
from litestar import Litestar
from sqlalchemy import update

from ballot.store.models import Election
from tests.support.ranked_board import RaceBoard

from .helpers import Web, create_draft


def words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


async def _board(app: Litestar, admin: Web) -> RaceBoard:
    return RaceBoard(app, await create_draft(admin))


async def test_mix_progress_before_the_ranked_counts(app: Litestar, admin: Web, web: Web) -> None:
    board = await _board(app, admin)
    url = f"/board/{board.election_id}/result"
    await board.counted()
    text = words((await web.get(url)).text)
    assert "PROVISIONAL" in text
    assert "no trustee has shuffled yet; 2 are needed." in text
    # The choose race of one unit says so, with the ballots that carried it.
    assert "Only members of the unit Harbour vote in this race. 5 counted ballots carry it." in text
    assert "Ranked: instant runoff for one seat." in text
    assert "Ranked: single transferable vote (Scottish rules) for 2 seats." in text

    await board.shuffled(2)
    text = words((await web.get(url)).text)
    assert "Mixing the ranked ballots: trustee 2 has shuffled. 1 more is needed." in text
    await board.shuffled(3)
    await board.completed([2, 3])
    text = words((await web.get(url)).text)
    assert "Decrypting the mixed ballots: 0 of 2 trustees have decrypted." in text
    await board.partial(3)
    text = words((await web.get(url + "?lang=ko")).text)
    assert "혼합된 투표지 복호화" in text and "1" in text


async def test_every_round_of_a_ranked_race_in_a_table(app: Litestar, admin: Web, web: Web) -> None:
    board = await _board(app, admin)
    final = await board.through_the_mix()
    url = f"/board/{board.election_id}/result"
    r = await web.get(url)
    assert r.status_code == 200
    html, text = r.text, words(r.text)
    assert "Mixing" not in text and "Decrypting" not in text
    # The president: round 1 has Cy and Dee level at one vote; the lot excludes one.
    assert "Votes in each round" in text
    assert re.search(r'role="region" tabindex="0" aria-labelledby="race-1-rounds race-1"', html)
    assert "Tie broken by lot" in text
    assert "were level in every earlier round. The tie was broken by lot" in text
    assert "Elected: Ana Ruiz." in text
    assert "10 ballots carry this race: 9 with a first preference, 1 blank." in text
    # Delegates by STV: fixed decimals, the quota, lost to rounding.
    assert "The quota is 4.00000 votes" in text
    assert "Lost to rounding" in text
    assert "reached the quota of 4.00000 with 6.00000: elected." in text
    assert "Surplus of Ada" in text
    # In the reader's language: names as the committee wrote them in Korean.
    ko = words((await web.get(url + "?lang=ko")).text)
    assert "아나 루이스" in ko and "Votes in each round" not in ko

    await board.certify(final)
    assert "Certified" in words((await web.get(url)).text)


async def test_the_committee_page_shows_the_same_rounds(
    app: Litestar, admin: Web, web: Web
) -> None:
    board = await _board(app, admin)
    await board.counted()
    await board.shuffled(1)
    async with app.state.session_factory() as db:
        await db.execute(
            update(Election).where(Election.id == board.election_id).values(state="tallied")
        )
        await db.commit()
    page = f"/committee/elections/{board.election_id}"
    text = words((await admin.get(page)).text)
    assert "Mixing the ranked ballots: trustee 1 has shuffled. 1 more is needed." in text
    await board.shuffled(2)
    await board.completed([1, 2])
    await board.partial(1)
    await board.partial(2)
    await board.result()
    text = words((await admin.get(page)).text)
    assert "Elected: Ana Ruiz." in text and "Tie broken by lot" in text


def pdf_text(body: bytes) -> str:
    """The PDF's text as pdfium reads it, white space collapsed."""
    document = pypdfium2.PdfDocument(body)
    try:
        pages = [document[i].get_textpage().get_text_range() for i in range(len(document))]
    finally:
        document.close()
    return re.sub(r"\s+", " ", " ".join(pages))


async def test_the_tally_sheet_has_a_section_per_race(app: Litestar, admin: Web) -> None:
    board = await _board(app, admin)
    await board.through_the_mix()
    async with app.state.session_factory() as db:
        await db.execute(
            update(Election)
            .where(Election.id == board.election_id)
            .values(state="tallied", manifest=json.dumps(board.definition))
        )
        await db.commit()
    url = f"/committee/elections/{board.election_id}/tally-sheet.pdf"
    r = await admin.get(url + "?lang=en")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text = pdf_text(r.content)
    assert "Only members of the unit Harbour vote in this race." in text
    assert "Counted ballots that carry this race 5" in text
    for heading in ("President", "Convention delegates", "Ranked: instant runoff for one seat."):
        assert heading in text, heading
    assert "Round 1 First preferences" in text and "Tie broken by lot" in text
    assert "Elected: Ana Ruiz." in text
    assert "Lost to rounding" in text and "4.00000" in text
    korean_pdf = (await admin.get(url + "?lang=ko")).content
    korean = pdf_text(korean_pdf)
    if shots := os.environ.get("BALLOT_SHOTS"):  # the pages as images, for a person to see
        for name, body in (("en", r.content), ("ko", korean_pdf)):
            document = pypdfium2.PdfDocument(body)
            for i in range(len(document)):
                image = document[i].render(scale=1.6).to_pil()
                image.save(f"{shots}/tally-sheet-races-{name}-{i + 1}.png")
            document.close()
    assert "아나 루이스" in korean and "차수" in korean and "Elected" not in korean


async def test_the_tally_sheet_while_the_ballots_are_mixed(app: Litestar, admin: Web) -> None:
    board = await _board(app, admin)
    await board.counted()
    await board.shuffled(1)
    async with app.state.session_factory() as db:
        await db.execute(
            update(Election).where(Election.id == board.election_id).values(state="mixing")
        )
        await db.commit()
    r = await admin.get(f"/committee/elections/{board.election_id}/tally-sheet.pdf")
    text = pdf_text(r.content)
    assert "PROVISIONAL: the ranked races are counted once their ballots are mixed." in text
    assert "Mixing the ranked ballots: trustee 1 has shuffled. 1 more is needed." in text
    assert text.count("This race is counted once its ballots are mixed and decrypted.") == 2
