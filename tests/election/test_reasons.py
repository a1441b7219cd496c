"""Every reason code, at the boundaries that decide it (PROTOCOL 15.3-15.7), and in words."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from ballot.election.outcome import Counts, OutcomeRule, RuleKind
from ballot.election.reason_words import MESSAGES, english, phrase, published_english
from ballot.election.reasons import CODES, Reason
from ballot.election.result import judge, outcome_json
from ballot.i18n import translations

MAJORITY = OutcomeRule(RuleKind.MAJORITY)
TWO_THIRDS = OutcomeRule(RuleKind.SUPERMAJORITY, Fraction(2, 3))
RUNOFF = OutcomeRule(RuleKind.PLURALITY_WITH_RUNOFF)
PLURALITY = OutcomeRule(RuleKind.PLURALITY)
HALF_QUORUM = OutcomeRule(RuleKind.MAJORITY, quorum_fraction=Fraction(1, 2))
FIFTY = OutcomeRule(RuleKind.MAJORITY, quorum_count=50)


def yn(yes: int, no: int, void: int = 0, eligible: int | None = None) -> Counts:
    return Counts({"yes": yes, "no": no}, void, eligible, yes + no + void, (1, 1))


def seats(k: int, **votes: int) -> Counts:
    return Counts(votes, 0, None, max(votes.values()) + 1, (0, k))


def share(code: str, votes: int, valid: int, needed: int, t: str = "1/2", **kw: Any) -> Any:
    option = kw.get("option", "yes")
    return {"code": code, "option": option, "votes": votes, "valid": valid, "threshold": t,
            "needed": needed}  # fmt: skip


CASES: list[tuple[str, OutcomeRule, Counts, int, str, list[Any]]] = [
    # majority of valid votes; a tie fails
    ("majority", MAJORITY, yn(101, 99), 0, "approved", [share("majority_reached", 101, 200, 101)]),
    ("majority short", MAJORITY, yn(99, 101), 0, "rejected", [share("majority_missed", 99, 200, 101)]),
    ("tie", MAJORITY, yn(100, 100, 7), 0, "tie_fails", [
        {"code": "tie_at_threshold", "option": "yes", "votes": 100, "against": 100,
         "valid": 200, "threshold": "1/2"}]),
    ("no valid votes", MAJORITY, yn(0, 0, 5), 0, "rejected", [{"code": "no_valid_votes"}]),
    # supermajority: exactly two thirds carries
    ("2/3 exactly", TWO_THIRDS, yn(200, 100), 0, "approved",
     [share("supermajority_reached", 200, 300, 200, "2/3")]),
    ("2/3 short", TWO_THIRDS, yn(199, 100), 0, "rejected",
     [share("supermajority_missed", 199, 299, 200, "2/3")]),
    # the quorum at its exact boundary: half of 999 eligible needs 500 ballots
    ("quorum met", HALF_QUORUM, yn(300, 199, 1, eligible=999), 0, "approved", [
        {"code": "quorum_fraction_met", "turnout": 500, "eligible": 999, "fraction": "1/2",
         "needed": 500}, share("majority_reached", 300, 499, 250)]),
    ("quorum missed", HALF_QUORUM, yn(300, 199, 0, eligible=999), 0, "no_quorum", [
        {"code": "quorum_fraction_missed", "turnout": 499, "eligible": 999, "fraction": "1/2",
         "needed": 500}]),
    ("count met", FIFTY, yn(30, 20), 0, "approved", [
        {"code": "quorum_count_met", "turnout": 50, "needed": 50},
        share("majority_reached", 30, 50, 26)]),
    ("count missed", FIFTY, yn(30, 19), 0, "no_quorum", [
        {"code": "quorum_count_missed", "turnout": 49, "needed": 50}]),
    # one office: a majority, or a runoff of the top two
    ("elected", RUNOFF, Counts({"ana": 51, "ben": 49}), 0, "elected:ana",
     [share("majority_reached", 51, 100, 51, option="ana")]),
    ("runoff", RUNOFF, Counts({"ana": 30, "ben": 45, "chen": 25}), 0, "runoff:ana,ben", [
        {"code": "no_majority", "valid": 100, "threshold": "1/2", "needed": 51},
        {"code": "runoff", "options": ["ana", "ben"]}]),
    ("runoff tie", RUNOFF, Counts({"ana": 40, "ben": 30, "chen": 30}), 0,
     "runoff_tie:ana;ben,chen", [
        {"code": "no_majority", "valid": 100, "threshold": "1/2", "needed": 51},
        {"code": "runoff_tie", "sure": ["ana"], "tied": ["ben", "chen"], "votes": 30,
         "places": 1}]),
    ("no votes", RUNOFF, Counts({"ana": 0, "ben": 0}, 2), 0, "no_valid_votes",
     [{"code": "no_valid_votes"}]),
    # several seats
    ("seats", PLURALITY, seats(2, a=5, b=4, c=3), 0, "elected:a,b",
     [{"code": "plurality_elected", "options": ["a", "b"], "seats": 2}]),
    ("unfilled", PLURALITY, seats(3, a=5, b=4, c=0), 0, "elected:a,b", [
        {"code": "plurality_elected", "options": ["a", "b"], "seats": 3},
        {"code": "seats_unfilled", "seats": 3, "filled": 2}]),
    ("seat tie", PLURALITY, seats(2, a=5, b=4, c=4), 0, "elected_tie:a;b,c", [
        {"code": "plurality_tie", "elected": ["a"], "tied": ["b", "c"], "votes": 4,
         "places": 1, "seats": 2}]),
    # the undecided challenged ballots (a v2 result gives one reason for them)
    ("cannot change", MAJORITY, yn(2654, 2131), 67, "approved", [
        share("majority_reached", 2654, 4785, 2393),
        {"code": "challenges_cannot_change", "undecided": 67}]),
    ("could reject", MAJORITY, yn(1000, 900), 100, "approved", [
        share("majority_reached", 1000, 1900, 951),
        {"code": "challenges_could_reject", "undecided": 100, "option": "yes"}]),
    ("could approve", MAJORITY, yn(900, 1000), 101, "rejected", [
        share("majority_missed", 900, 1900, 951),
        {"code": "challenges_could_approve", "undecided": 101, "option": "yes"}]),
    ("could meet quorum", FIFTY, yn(30, 19), 1, "no_quorum", [
        {"code": "quorum_count_missed", "turnout": 49, "needed": 50},
        {"code": "challenges_could_meet_quorum", "undecided": 1}]),
    ("could decide", RUNOFF, Counts({"ana": 0, "ben": 0}, 2), 1, "no_valid_votes", [
        {"code": "no_valid_votes"}, {"code": "challenges_could_decide", "undecided": 1}]),
    ("could undo", RUNOFF, Counts({"ana": 51, "ben": 49}), 2, "elected:ana", [
        share("majority_reached", 51, 100, 51, option="ana"),
        {"code": "challenges_could_undo_majority", "undecided": 2, "option": "ana"}]),
    ("could give", RUNOFF, Counts({"ana": 45, "ben": 35, "chen": 10}), 10, "runoff:ana,ben", [
        {"code": "no_majority", "valid": 90, "threshold": "1/2", "needed": 46},
        {"code": "runoff", "options": ["ana", "ben"]},
        {"code": "challenges_could_give_majority", "undecided": 10, "option": "ana"}]),
    ("could level", RUNOFF, Counts({"ana": 40, "ben": 35, "chen": 25}), 10, "runoff:ana,ben", [
        {"code": "no_majority", "valid": 100, "threshold": "1/2", "needed": 51},
        {"code": "runoff", "options": ["ana", "ben"]},
        {"code": "challenges_could_level", "undecided": 10, "option": "chen", "rival": "ben"}]),
    ("could break", PLURALITY, seats(2, a=5, b=4, c=4), 1, "elected_tie:a;b,c", [
        {"code": "plurality_tie", "elected": ["a"], "tied": ["b", "c"], "votes": 4,
         "places": 1, "seats": 2},
        {"code": "challenges_could_break_tie", "undecided": 1}]),
    ("could fill", PLURALITY, seats(3, a=5, b=4, c=0), 1, "elected:a,b", [
        {"code": "plurality_elected", "options": ["a", "b"], "seats": 3},
        {"code": "seats_unfilled", "seats": 3, "filled": 2},
        {"code": "challenges_could_fill_seat", "undecided": 1, "seats": 3}]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("rule", "counts", "undecided", "result", "reasons"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_every_code_at_its_boundary(
    rule: OutcomeRule, counts: Counts, undecided: int, result: str, reasons: list[Any]
) -> None:
    published = outcome_json(judge(rule, counts, undecided), 2)
    assert published["result"] == result
    assert published["reasons"] == reasons
    # Every code is reachable, and words exist for it.
    for reason in reasons:
        assert english([Reason.from_json(reason)])


def test_the_cases_cover_every_code() -> None:
    used = {r["code"] for case in CASES for r in case[5]}
    assert used == set(CODES)
    assert {code for code in MESSAGES if "+" not in code} == set(CODES)


def test_reasons_in_english_with_plurals() -> None:
    one = Reason.of("challenges_cannot_change", undecided=1)
    many = Reason.of("challenges_cannot_change", undecided=67)
    none = Reason.of("challenges_cannot_change", undecided=0)
    assert english([one, many, none]) == [
        "The 1 undecided challenged ballot cannot change the result, however it is resolved.",
        "The 67 undecided challenged ballots cannot change the result, however they are resolved.",
        "No challenged ballot is undecided.",
    ]
    names = {"yes": "Yes", "ana": "Ana López", "ben": "Ben Okafor"}.__getitem__
    tie = Reason.of("runoff_tie", sure=("ana",), tied=("ben", "yes"), votes=1, places=1)
    assert english([tie], names) == [
        "Ben Okafor, Yes are tied with 1 vote each for the places left in the runoff (1); the "
        "committee breaks the tie by its rules.",
        "Sure of a place in the runoff: Ana López.",
    ]


def test_reasons_in_spanish_and_korean() -> None:
    reasons = [
        Reason.of("supermajority_reached", option="yes", votes=200, valid=300,
                  threshold=Fraction(2, 3), needed=200),
        Reason.of("challenges_could_reject", undecided=1, option="yes"),
        Reason.of("challenges_could_reject", undecided=3, option="yes"),
    ]  # fmt: skip

    def said(language: str) -> list[str]:
        t = translations(language)
        label = {"yes": "Sí" if language == "es" else "찬성"}.__getitem__
        return [p.say(t.gettext, t.ngettext) for r in reasons for p in phrase(r, label)]

    assert said("es") == [
        "Sí tiene 200 de 300 votos válidos, al menos 2/3 (se necesitan 200).",
        "Si 1 papeleta impugnada sin decidir fuera en contra de Sí, quedaría rechazada.",
        "Si las 3 papeletas impugnadas sin decidir fueran en contra de Sí, quedaría rechazada.",
    ]
    assert said("ko") == [
        "찬성: 유효 투표 300표 중 200표로 2/3 이상입니다(200표 필요).",
        "결정되지 않은 이의 제기 투표용지 1장이 찬성에 반대한 것이라면 결과는 부결이 됩니다.",
        "결정되지 않은 이의 제기 투표용지 3장이 찬성에 반대한 것이라면 결과는 부결이 됩니다.",
    ]


@pytest.mark.parametrize(
    "bad",
    [
        {"code": "majority_reached"},
        {"code": "no_such_code"},
        {"code": "no_valid_votes", "extra": 1},
        {"code": "challenges_cannot_change", "undecided": 1.0},
        {"code": "challenges_cannot_change", "undecided": True},
        {"code": "challenges_cannot_change", "undecided": -1},
        {"code": "runoff", "options": "ana,ben"},
        {"code": "runoff", "options": ["ana", 2]},
        "turnout 499 is below the quorum",
        None,
    ],
)
def test_a_malformed_reason_is_refused(bad: object) -> None:
    with pytest.raises(ValueError):
        Reason.from_json(bad)


def test_published_reasons_in_english() -> None:
    v1 = ["4 in favour is more than 1/2 of 7 valid votes"]
    assert published_english(v1) == v1
    v2 = [{"code": "runoff", "options": ["ana", "ben"]}]
    assert published_english(v2) == ["The runoff is between ana, ben."]
    assert published_english({"code": "runoff"}) == []
