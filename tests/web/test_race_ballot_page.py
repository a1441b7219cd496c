"""The member's ballot of an election with races, as the server renders it.

Only the member's races (their unit's and everyone's), candidates in display order with
canonical values, a ranked race as one menu per rank in the page's language; the
committee's preview shows every race in canonical order, labelled by unit.  A bad race in
a definition is refused by the API with a sentence naming the question.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any

import pytest

from ballot.election.races import display_order
from ballot.web.ballot_page import ballot_page, render
from ballot.web.ballot_questions import question_views
from ballot.web.rank_words import rank_label, rank_name
from tests.support.asgi import Web

from .helpers import definition
from .race_ballots import MANIFEST, member

ALIAS = "7K3QD-M9XAT"


class Ballot(HTMLParser):
    """The questions of a rendered ballot: legend, hint, rank labels, options per menu or
    the choose race's inputs (value, text) in page order."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.questions: list[dict[str, Any]] = []
        self._in: str | None = None
        self._attrs: dict[str, str | None] = {}
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        q = self.questions[-1] if self.questions else None
        if tag == "fieldset":
            self.questions.append(
                {"legend": "", "hint": "", "unit": "", "ranks": [], "menus": [], "inputs": []}
            )
            self.questions[-1]["ranked"] = a.get("data-ranked") == "true"
        elif q is not None and tag == "select":
            q["menus"].append([])
        elif q is not None and tag == "input":
            q["inputs"].append(int(a["value"] or 0))
        elif tag in ("legend", "option", "label") or (tag == "p" and a.get("class")):
            self._in, self._attrs = tag, a

    def handle_data(self, data: str) -> None:
        if self._in is None or not self.questions:
            return
        q, text = self.questions[-1], data.strip()
        if self._in == "legend":
            q["legend"] += data
        elif self._in == "p" and self._attrs.get("class") == "hint":
            q["hint"] += data
        elif self._in == "p" and self._attrs.get("class") == "race-unit":
            q["unit"] += data
        elif self._in == "label" and q["ranked"] and text:
            q["ranks"].append(text)
        elif self._in == "option":
            q["menus"][-1].append((self._attrs.get("value"), text))

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in or (tag == "legend" and self._in == "legend"):
            self._in = None


def page(unit: str, language: str = "en", alias: str = ALIAS) -> tuple[str, Ballot]:
    response = ballot_page(member(unit, alias, language), None, None)
    assert response.status_code == 200
    html = str(response.content)
    return html, Ballot(html)


def legends(ballot: Ballot) -> list[str]:
    return [" ".join(q["legend"].split()) for q in ballot.questions]


def test_a_member_sees_only_their_units_races() -> None:
    _, north = page("North")
    assert legends(north) == ["1. President", "2. Trustees", "3. North stewards"]
    _, south = page("South")
    assert legends(south) == ["1. President", "2. Trustees", "3. South delegate"]
    _, none = page("")
    assert legends(none) == ["1. President", "2. Trustees"]


def test_the_data_block_names_the_members_unit() -> None:
    html, _ = page("North")
    block = re.search(r'id="election-data">(.*?)</script>', html, re.S)
    assert block is not None
    data = json.loads(block.group(1))
    assert data["unit"] == "North"
    assert {"rank_gap", "rank_first", "ranks_moved", "rank_repeat"} <= set(data["strings"])


def test_a_ranked_race_is_one_menu_per_rank_in_display_order() -> None:
    _, ballot = page("North")
    president = ballot.questions[0]
    assert president["ranked"]
    assert president["ranks"] == ["1st choice", "2nd choice", "3rd choice"]
    shown = display_order(MANIFEST["questions"][0], "en", ALIAS)
    assert shown != [0, 1, 2, 3, 4] or ALIAS == ""  # this alias rotates
    names = [o["text"]["en"] for o in MANIFEST["questions"][0]["options"]]
    for menu in president["menus"]:
        assert menu[0] == ("", "No further preference")
        # Each option's value is the canonical index of the candidate it names.
        assert menu[1:] == [(str(i), names[i]) for i in shown]
    assert "Rank up to 3 candidates" in president["hint"]
    assert "next choice" in president["hint"]
    stewards = ballot.questions[2]
    assert "2 seats will be filled" in stewards["hint"]


def test_rotation_differs_between_members_and_values_stay_canonical() -> None:
    firsts = set()
    for i in range(40):
        _, ballot = page("North", alias=f"{i:05d}-ABCDE")
        menu = ballot.questions[0]["menus"][0][1:]
        firsts.add(menu[0][1])
        assert sorted(int(v) for v, _ in menu) == [0, 1, 2, 3, 4]
    assert len(firsts) == 5  # every candidate heads some member's list


def test_a_choose_race_is_alphabetical_in_the_members_language() -> None:
    _, en = page("North")
    trustees = en.questions[1]
    assert trustees["inputs"] == [1, 3, 2, 0]  # amir Khan, Bea Cruz, Li Na, Zoe Hart
    assert "Choose up to 2" in trustees["hint"]
    _, ko = page("North", "ko")
    assert ko.questions[1]["inputs"] == [2, 3, 1, 0]  # 리나, 베아, 아미르, 조 (code points)


def test_a_choose_race_for_k_seats_says_choose_up_to_k() -> None:
    manifest = json.loads(json.dumps(MANIFEST))
    manifest["questions"][1]["min"] = 1
    views = question_views(manifest, "en", None)
    assert views[1]["hint"] == "Choose up to 2."
    manifest["questions"][1]["min"] = 2
    assert question_views(manifest, "en", None)[1]["hint"] == "Choose up to 2. Choose at least 2."


def test_the_korean_ballot_has_korean_ranks_and_no_english_words() -> None:
    _, ballot = page("North", "ko")
    president = ballot.questions[0]
    assert president["ranks"] == ["1순위", "2순위", "3순위"]
    assert president["menus"][0][0] == ("", "더 이상 선택 안 함")
    for q in ballot.questions:
        assert not re.search(r"\b(Rank|choice|seats?|Choose|blank)\b", q["hint"]), q["hint"]


def test_without_blank_ballots_a_first_choice_is_asked_for() -> None:
    manifest = {**MANIFEST, "allow_blank": False}
    view = question_views(manifest, "en", None)[0]
    assert view["min"] == 1
    assert view["hint"].endswith("Fill in at least your 1st choice.")
    assert question_views(MANIFEST, "en", None)[0]["min"] == 0


def test_a_member_whose_unit_has_no_race_is_told_so() -> None:
    manifest = json.loads(json.dumps(MANIFEST))
    manifest["election_id"] = "eraces0000002"
    manifest["questions"] = manifest["questions"][2:]  # North's and South's races only
    response = ballot_page(member("West", ALIAS, "ko", manifest), None, None)
    html = str(response.content)
    assert 'id="no-race"' in html and 'id="ballot-form"' not in html
    assert "There is no race" not in html
    assert "귀하의 투표용지에는 선거가 없습니다." in html


def test_the_preview_shows_every_race_in_canonical_order_labelled_by_unit() -> None:
    views = question_views(MANIFEST, "en", None)
    html = str(
        render(
            "en",
            "vote/preview.html",
            title="Officer elections 2026",
            questions=views,
            languages=["en", "ko"],
            language_name="English",
            election_id="e1",
            committee={"name": "the committee"},
        ).content
    )
    ballot = Ballot(html)
    assert legends(ballot) == [
        "1. President",
        "2. Trustees",
        "3. North stewards",
        "4. South delegate",
    ]
    assert [q["unit"] for q in ballot.questions] == [
        "",
        "",
        "Only members of North vote in this race.",
        "Only members of South vote in this race.",
    ]
    assert [int(v) for v, _ in ballot.questions[0]["menus"][0][1:]] == [0, 1, 2, 3, 4]
    assert ballot.questions[1]["inputs"] == [0, 1, 2, 3]


@pytest.mark.parametrize(
    ("language", "names"),
    [
        ("en", ["1st choice", "2nd choice", "3rd choice", "4th choice", "11th choice"]),
        ("es", ["1.ª opción", "2.ª opción", "3.ª opción", "4.ª opción", "11.ª opción"]),
        ("ko", ["1순위", "2순위", "3순위", "4순위", "11순위"]),
        ("zh", ["第一选择", "第二选择", "第三选择", "第四选择", "第十一选择"]),
        (
            "vi",
            [
                "lựa chọn thứ nhất",
                "lựa chọn thứ hai",
                "lựa chọn thứ ba",
                "lựa chọn thứ tư",
                "lựa chọn thứ 11",
            ],
        ),
        (
            "tl",
            [
                "unang pagpili",
                "ikalawang pagpili",
                "ikatlong pagpili",
                "ikaapat na pagpili",
                "ika-11 na pagpili",
            ],
        ),
    ],
)
def test_ranks_have_natural_names_in_each_language(language: str, names: list[str]) -> None:
    assert [rank_name(language, n) for n in (1, 2, 3, 4, 11)] == names
    assert rank_label(language, 1)[0] == names[0][0].upper()


def test_more_english_and_chinese_ordinals() -> None:
    assert [rank_name("en", n) for n in (12, 13, 21, 22, 23, 63)] == [
        "12th choice",
        "13th choice",
        "21st choice",
        "22nd choice",
        "23rd choice",
        "63rd choice",
    ]
    assert [rank_name("zh", n) for n in (10, 20, 21, 63)] == [
        "第十选择",
        "第二十选择",
        "第二十一选择",
        "第六十三选择",
    ]
    with pytest.raises(ValueError):
        rank_name("en", 0)


RACES = {
    "kind": "officer",
    "questions": [
        {
            "text": {"en": "President"},
            "min": 0,
            "max": 2,
            "ranked": True,
            "method": "instant_runoff",
            "seats": 1,
            "order": "rotated",
            "options": [{"en": "Ana"}, {"en": "Ben"}, {"en": "Chen"}],
        },
        {
            "text": {"en": "North stewards"},
            "min": 0,
            "max": 2,
            "ranked": True,
            "method": "scottish_stv",
            "seats": 3,
            "unit": "North",
            "options": [{"en": "Fay"}, {"en": "Gus"}, {"en": "Hana"}],
        },
    ],
}


async def test_the_api_refuses_a_bad_race_naming_it(admin: Web) -> None:
    r = await admin.post("/api/elections", json=definition(**RACES))
    assert r.status_code == 400, r.text
    body = r.json()
    assert (
        "question 2: scottish_stv needs 1 <= seats < number of candidates (3), not 3"
        in (body["error"])
    )
    assert (await admin.get("/api/elections")).json() == []  # nothing was created
    good = json.loads(json.dumps(RACES))
    good["questions"][1]["seats"] = 2
    # A ranked race has min 0 even when the election takes no blank ballots.
    r = await admin.post("/api/elections", json=definition(**good, allow_blank=False))
    assert r.status_code == 201, r.text
