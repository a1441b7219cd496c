"""The result page words an outcome's reasons in the reader's language (PROTOCOL 15.6).

A v2 result publishes codes, which every language words; a v1 result published English
sentences, which the page replaces by the same reasons recomputed as codes.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar

from ballot.record.synthetic import officer_definition

from .helpers import Web, create_draft
from .test_observer_pages import Board, bilingual, finished_recognition, result_of, text_of

BOARD_KEY = {"algorithm": "ed25519", "public_key": "11" * 32}


def reasons_of(html: str) -> list[str]:
    """The sentences of every reasons list on the page, in order."""
    import re

    lists = re.findall(r'<ul class="reasons"[^>]*>(.*?)</ul>', html, flags=re.S)
    return [text_of(li).strip() for ul in lists for li in re.findall(r"<li>(.*?)</li>", ul)]


async def v2_recognition(app: Litestar, admin: Web, yes: int, no: int, challenged: int) -> str:
    election_id = await create_draft(admin)
    board = Board(app, election_id)
    d: dict[str, Any] = {**bilingual(election_id), "board_key": BOARD_KEY}
    await board.start(d, 8300)
    await board.close(yes + no, challenged)
    result = result_of(d, [((yes, no), 40)], eligible=8300, cast=yes + no, challenged=challenged)
    assert result["format"] == "ballot/election-result/v2"
    await board.result(1, result)
    return election_id


async def test_v2_reasons_in_english_and_spanish(app: Litestar, admin: Web, web: Web) -> None:
    election_id = await v2_recognition(app, admin, 2654, 2131, 67)
    english = reasons_of((await web.get(f"/board/{election_id}/result?lang=en")).text)
    assert english == [
        "Yes has 2654 of 4785 valid votes, more than 1/2 (2393 needed).",
        "The 67 undecided challenged ballots cannot change the result, however they are resolved.",
    ]
    spanish = reasons_of((await web.get(f"/board/{election_id}/result?lang=es")).text)
    assert spanish == [
        "Sí tiene 2654 de 4785 votos válidos, más de 1/2 (se necesitan 2393).",
        "Las 67 papeletas impugnadas sin decidir no pueden cambiar el resultado, se resuelvan "
        "como se resuelvan.",
    ]


async def test_one_ballot_takes_the_singular(app: Litestar, admin: Web, web: Web) -> None:
    """5 yes, 4 no and one undecided challenge, which could make a tie (and a tie fails)."""
    election_id = await v2_recognition(app, admin, 5, 4, 1)
    english = reasons_of((await web.get(f"/board/{election_id}/result?lang=en")).text)
    assert english[-1] == (
        "If the 1 undecided challenged ballot were against Yes, the result would be rejected."
    )
    spanish = reasons_of((await web.get(f"/board/{election_id}/result?lang=es")).text)
    assert spanish[-1] == (
        "Si 1 papeleta impugnada sin decidir fuera en contra de Sí, quedaría rechazada."
    )


async def test_v1_sentences_are_worded_from_the_counts(app: Litestar, admin: Web, web: Web) -> None:
    election_id, _board, _hash = await finished_recognition(app, admin)
    spanish = reasons_of((await web.get(f"/board/{election_id}/result?lang=es")).text)
    assert spanish[0] == "Sí tiene 2654 de 4785 votos válidos, más de 1/2 (se necesitan 2393)."
    assert len(spanish) == 2 and spanish[1].startswith("Las 67 papeletas impugnadas")


async def test_a_runoff_tie_names_the_candidates(app: Litestar, admin: Web, web: Web) -> None:
    election_id = await create_draft(admin)
    board = Board(app, election_id)
    d = {**officer_definition(election_id), "board_key": BOARD_KEY}
    await board.start(d, 30)
    await board.close(20, 0)
    await board.result(1, result_of(d, [((10, 5, 5), 0)], eligible=30, cast=20, challenged=0))
    words = reasons_of((await web.get(f"/board/{election_id}/result")).text)
    assert words == [
        "No choice has more than 1/2 of the 20 valid votes (11 needed).",
        "T. Brooks, M. Chen are tied with 5 votes each for the places left in the runoff (1); "
        "the committee breaks the tie by its rules.",
        "Sure of a place in the runoff: R. Alvarez.",
    ]


async def test_reasons_that_are_not_codes_are_not_shown_as_codes(
    app: Litestar, admin: Web, web: Web
) -> None:
    """A board whose outcome does not follow gets no recomputed reasons (the page flags it),
    and a malformed reason never breaks the page."""
    election_id = await create_draft(admin)
    board = Board(app, election_id)
    d: dict[str, Any] = {**bilingual(election_id), "board_key": BOARD_KEY}
    await board.start(d, 10)
    await board.close(9, 0)
    edited = result_of(d, [((4, 5), 0)], eligible=10, cast=9, challenged=0)
    edited["questions"][0]["outcome"]["result"] = "approved"
    edited["questions"][0]["outcome"]["reasons"] = [{"code": "majority_reached", "votes": -1}]
    await board.result(1, edited)
    r = await web.get(f"/board/{election_id}/result")
    assert r.status_code == 200
    assert "does not follow from these counts" in text_of(r.text)
    assert reasons_of(r.text) == []


async def test_several_seats(app: Litestar, admin: Web, web: Web) -> None:
    """Two seats, a member marks up to two: a tie for the second seat is the committee's."""
    election_id = await create_draft(admin)
    board = Board(app, election_id)
    d = {**officer_definition(election_id), "board_key": BOARD_KEY}
    d["rule"] = {"kind": "plurality"}
    d["questions"][0].update({"min": 0, "max": 2})
    await board.start(d, 30)
    await board.close(9, 0)
    await board.result(1, result_of(d, [((6, 4, 4), 1)], eligible=30, cast=9, challenged=0))
    r = await web.get(f"/board/{election_id}/result")
    words = text_of(r.text)
    assert "the choices with the most votes fill the seats" in words
    assert (
        "No decision yet: T. Brooks, M. Chen are tied for the last seat; the committee breaks "
        "the tie by its rules. Elected: R. Alvarez." in words
    )
    assert reasons_of(r.text) == [
        "T. Brooks, M. Chen are tied with 4 votes each for the seats left (1); the committee "
        "breaks the tie by its rules.",
        "Elected before the tie: R. Alvarez.",
    ]
    assert "does not follow" not in words
