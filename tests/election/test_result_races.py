"""The result of an election with races (PROTOCOL 11.3, 15.7) and the definition's race
rules (PROTOCOL 5.1): choose questions only, n_q for a per-unit race, determinative with a
ranked race; no races in v1, none with subtotals, a ranked race's method and seats."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ballot.crypto.manifest import ElectionManifest
from ballot.crypto.tally import OptionCounts
from ballot.election.context import ContextError, read_definition
from ballot.election.outcome import RuleError
from ballot.election.paper import PaperTotals
from ballot.election.races import has_races, has_unit_races, race_problems
from ballot.election.result import check_rule, expected_result
from tests.support.races import races_definition

BOARD_KEY = {"algorithm": "ed25519", "public_key": "00" * 32}


def v2(**kw: Any) -> dict[str, Any]:
    return {**races_definition(**kw), "board_key": BOARD_KEY}


def counts() -> list[OptionCounts | None]:
    return [
        OptionCounts((4, 2, 1), 0),
        OptionCounts((2, 2, 0), 0, 2),
        OptionCounts((0, 3, 2), 0, 3),
        None,
    ]


def result(d: dict[str, Any], undecided: int = 0, **kw: Any) -> dict[str, Any]:
    manifest = ElectionManifest.from_definition(d)
    return expected_result(
        d,
        manifest,
        kw.pop("counted", counts()),
        eligible=10,
        cast=7,
        challenged=undecided,
        sustained=0,
        overruled=0,
        **kw,
    )


def test_the_result_lists_choose_questions_a_per_unit_race_with_its_ballots() -> None:
    r = result(v2())
    assert [q["id"] for q in r["questions"]] == ["president", "north", "south"]  # no board
    president, north, south = r["questions"]
    assert "ballots" not in president
    assert set(north) == {"id", "ballots", "counts", "blank", "valid", "outcome"}
    assert (north["ballots"], south["ballots"]) == (2, 3)
    assert north["counts"] == {"north-nadia": 2, "north-noor": 2, "north-nils": 0}
    assert [q["outcome"]["result"] for q in r["questions"]] == [
        "elected:president-alvarez",
        "elected:north-nadia,north-noor",
        "elected:south-sara,south-soren",
    ]
    # Quorum and turnout stay the election's: every ballot counted, not the unit's.
    assert r["counted"] == 7 and r["determinative"] is False


def test_undecided_challenges_are_determinative_with_a_ranked_race() -> None:
    # One undecided challenge cannot change any plurality here (leads of 2)...
    without = result(v2(ranked=False), 1, counted=counts()[:3])
    assert without["determinative"] is False
    # ...but nobody can tell before the mix-net whether it could change the ranking.
    assert result(v2(), 1)["determinative"] is True
    assert result(v2(), 0)["determinative"] is False


def test_an_election_of_ranked_races_only_has_a_result_without_questions() -> None:
    d = v2(president=False)
    d["questions"] = [q for q in d["questions"] if q.get("ranked")]
    r = result(d, counted=[None])
    assert r["questions"] == [] and r["counted"] == 7


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"counted": [*counts()[:3], OptionCounts((1, 1, 1, 1), 0)]}, "a ranked race has no"),
        ({"counted": [None, *counts()[1:]]}, "no counts given"),
        ({"counted": counts()[:3]}, "one entry per question"),
        ({"units": {}}, "has no subtotals per unit"),
        ({"paper": PaperTotals(1, ())}, "has no paper ballots"),
    ],
)
def test_counts_a_race_cannot_have_are_refused(kw: dict[str, Any], message: str) -> None:
    with pytest.raises(RuleError, match=message):
        result(v2(), **kw)


def test_ranked_and_per_unit_races_are_protocol_v2() -> None:
    d = races_definition()
    with pytest.raises(RuleError, match=r"board is signed \(protocol v2\)"):
        check_rule(d, ElectionManifest.from_definition(d))
    with pytest.raises(ContextError, match=r"board is signed \(protocol v2\)"):
        read_definition(d)
    assert race_problems(d)[0].startswith("question 2: unit need an election whose board")


def _edit(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    d = v2()
    target: Any = d
    for key in path[:-1]:
        target = target[key]
    if value is None:
        target.pop(path[-1])
    else:
        target[path[-1]] = value
    return d


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("subtotals",), {"by": "unit", "min_size": 5}, "publishes no subtotals per unit"),
        (("questions", 3, "method"), "borda", "a ranked race needs a method"),
        (("questions", 3, "method"), None, "a ranked race needs a method"),
        (("questions", 3, "seats"), 2, "instant_runoff fills one seat, so seats must be 1"),
        (("questions", 3, "seats"), None, "a ranked race needs seats"),
        (("questions", 3, "seats"), True, "a ranked race needs seats"),
        (("questions", 0, "seats"), 2, "in a choose race the seats are max"),
        (("questions", 0, "method"), "instant_runoff", "method is only for a ranked race"),
        (("questions", 1, "order"), "random", "order must be fixed, alphabetical or rotated"),
    ],
)
def test_the_race_rules_of_a_definition(path: tuple[Any, ...], value: Any, message: str) -> None:
    d = _edit(path, value)
    problems = race_problems(d)
    assert any(message in p for p in problems), problems
    with pytest.raises(RuleError, match=message):
        check_rule(d, ElectionManifest.from_definition(d))


def test_scottish_stv_fills_fewer_seats_than_candidates() -> None:
    d = v2()
    d["questions"][3].update(method="scottish_stv", seats=3, order="rotated")
    assert race_problems(d) == []
    d["questions"][3]["seats"] = 4
    assert race_problems(d) == [
        "question 4: scottish_stv needs 1 <= seats < number of candidates (4), not 4"
    ]


def test_a_reader_holds_a_frozen_definition_to_the_protocol_rules_alone() -> None:
    """Which kinds of election have races, and how a unit is written, are the service's
    policy: a verifier reading a frozen definition does not refuse it for them."""
    d = {**v2(), "kind": "recognition"}
    d["questions"][1]["unit"] = " North"
    assert len(race_problems(d)) == 2
    read_definition(d)
    check_rule(d, ElectionManifest.from_definition(d))


def test_a_good_definition_passes_and_says_what_it_has() -> None:
    d = v2()
    assert race_problems(d) == []
    check_rule(d, ElectionManifest.from_definition(d))
    read_definition(d)
    assert has_races(d["questions"]) and has_unit_races(d["questions"])
    ranked_only = copy.deepcopy(d["questions"][3:])
    assert has_races(ranked_only) and not has_unit_races(ranked_only)
    plain = {**d, "questions": [d["questions"][0]]}
    assert not has_races(plain["questions"])
    assert race_problems({**plain, "subtotals": {"by": "unit"}}) == []
