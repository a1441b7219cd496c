"""The rules of races (ballot.election.races): their definition checks and candidate order.

The order a member's page shows is presentation only: whatever the order, each displayed
candidate keeps its canonical index, which is what the ballot encrypts.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ballot.election.races import (
    Race,
    display_order,
    has_races,
    race_of,
    race_problems,
    race_rule_problems,
    rotation,
    unit_warnings,
)

NAMES = ["Ana Ruiz", "ben Okafor", "Chen Wei", "Dolores Park", "Émile Roy"]


def race(**keys: Any) -> dict[str, Any]:
    """A manifest question with five candidates and ``keys``."""
    return {
        "id": "q1",
        "min": 0,
        "max": 3,
        "text": {"en": "President"},
        "options": [{"id": f"q1-o{i}", "text": {"en": n}} for i, n in enumerate(NAMES, 1)],
        **keys,
    }


def definition(*questions: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"kind": "officer", "board_key": {}, "questions": list(questions), **top}


IRV = {"ranked": True, "method": "instant_runoff", "seats": 1}
STV = {"ranked": True, "method": "scottish_stv", "seats": 2}


def test_good_races_have_no_problems() -> None:
    d = definition(
        race(**IRV, order="rotated"),
        race(**STV, unit="Local 12", order="alphabetical"),
        race(max=2, seats=2, unit="Local 9"),
        race(max=1, order="fixed"),
    )
    assert race_problems(d) == []
    assert has_races(d["questions"])
    assert race_of(d["questions"][0]) == Race(True, "instant_runoff", 1, None, "rotated")
    assert race_of(d["questions"][2]) == Race(False, None, 2, "Local 9", "fixed")


@pytest.mark.parametrize(
    ("keys", "says"),
    [
        ({"ranked": "yes"}, "question 1: ranked must be true or false"),
        ({"ranked": True, "seats": 1}, "question 1: a ranked race needs a method"),
        ({"ranked": True, "method": "borda", "seats": 1}, "question 1: a ranked race needs"),
        ({"ranked": True, "method": "instant_runoff"}, "question 1: a ranked race needs seats"),
        ({**IRV, "seats": True}, "question 1: a ranked race needs seats"),
        ({**IRV, "seats": 2}, "question 1: instant_runoff fills one seat, so seats must be 1"),
        ({**STV, "seats": 5}, "question 1: scottish_stv needs 1 <= seats < number of candi"),
        ({**STV, "seats": 0}, "question 1: scottish_stv needs 1 <= seats"),
        ({**IRV, "min": 1}, "question 1: a ranked race needs min 0"),
        ({"method": "instant_runoff"}, "question 1: method is only for a ranked race"),
        ({"seats": 2}, "question 1: in a choose race the seats are max"),
        ({"unit": ""}, "question 1: unit must be the label of a unit on the roll"),
        ({"unit": 12}, "question 1: unit must be the label"),
        ({"unit": " Local 12"}, "question 1: unit must not begin or end with a space"),
        ({"unit": "L" * 101}, "question 1: unit must be at most 100 characters"),
        ({"order": "random"}, "question 1: order must be fixed, alphabetical or rotated"),
    ],
)
def test_each_bad_race_is_named_in_a_sentence(keys: dict[str, Any], says: str) -> None:
    problems = race_problems(definition(race(**keys)))
    assert len(problems) == 1, problems
    assert problems[0].startswith(says), problems


def test_a_ranked_race_has_at_most_63_candidates() -> None:
    q = race(**IRV)
    q["options"] = [{"id": f"o{i}", "text": {"en": f"C{i}"}} for i in range(64)]
    assert race_problems(definition(q)) == [
        "question 1: a ranked race has at most 63 candidates, this one has 64"
    ]


def test_races_need_protocol_v2() -> None:
    v1 = {"kind": "officer", "questions": [race(**IRV), race(order="fixed")]}
    problems = race_problems(v1)
    assert problems[0].startswith("question 1: ranked, method, seats need an election")
    assert problems[1].startswith("question 2: order need")
    assert race_problems(v1, v2=True) == []
    assert race_problems(definition(race())) == []  # plain questions: nothing to say


def test_no_subtotals_and_no_yes_no_vote_with_races() -> None:
    d = definition(race(max=1), race(**IRV), subtotals={"by": "unit", "min_size": 10})
    assert race_problems(d) == [
        "subtotals: a definition with a ranked or per-unit race publishes no subtotals per "
        "unit (question 2)"
    ]
    d = definition(race(max=1, unit="North"), kind="recognition")
    assert race_problems(d) == [
        "question 1: a ranked or per-unit race is for officer and custom elections, "
        "not recognition (question 1)"
    ]
    # Order alone makes no race: a yes/no vote may rotate its options.
    assert race_problems(definition(race(order="rotated"), kind="ratification")) == []


def test_a_frozen_definition_with_races_is_decided_by_plurality() -> None:
    d = definition(race(**IRV), rule={"kind": "plurality_with_runoff"})
    assert race_rule_problems(d) == [
        "rule: a definition with a ranked or per-unit race is decided by plurality"
    ]
    assert race_rule_problems({**d, "rule": {"kind": "plurality"}}) == []
    assert race_rule_problems(definition(race(), rule="majority")) == []


def test_a_unit_nobody_has_is_a_warning_only() -> None:
    d = definition(race(unit="North"), race(unit="Local 9"), race())
    assert race_problems(d) == []
    assert unit_warnings(d, ["North", "South", ""]) == [
        'question 2: nobody on the roll is in the unit "Local 9"'
    ]


# ------------------------------------------------------------------ candidate order

aliases = st.from_regex(r"[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}", fullmatch=True)
counts = st.integers(min_value=1, max_value=63)


def candidates(n: int, order: str) -> dict[str, Any]:
    return {
        "order": order,
        "options": [{"id": f"o{i}", "text": {"en": f"C{i:02d}"}} for i in range(n)],
    }


def test_rotation_follows_the_protocol_text() -> None:
    digest = hashlib.sha256(b"ballot/v1/rotation" + b"7K3QD-M9XAT").digest()
    r = int.from_bytes(digest[:8], "big") % 5
    assert rotation("7K3QD-M9XAT", 5) == r
    q = candidates(5, "rotated")
    assert display_order(q, "en", "7K3QD-M9XAT") == [(r + i) % 5 for i in range(5)]
    with pytest.raises(ValueError):
        rotation("7K3QD-M9XAT", 0)


@settings(max_examples=300)
@given(aliases, counts, st.sampled_from(["fixed", "alphabetical", "rotated"]))
def test_every_order_is_a_permutation_of_the_canonical_indices(
    alias: str, n: int, order: str
) -> None:
    shown = display_order(candidates(n, order), "ko", alias)
    assert sorted(shown) == list(range(n))
    if order == "rotated":  # a rotation: each next candidate is the canonical next one
        assert all(shown[(p + 1) % n] == (shown[p] + 1) % n for p in range(n))
    else:
        assert shown == list(range(n))  # C00 < C01 < ...: alphabetical is canonical here


@pytest.mark.parametrize("n", [2, 3, 5, 7, 12, 63])
def test_rotation_covers_every_offset_over_the_aliases(n: int) -> None:
    """Each candidate heads some member's list, and near 1/n of them (ballot-position bias
    is shared out): 400 aliases per candidate, every share within 20 % of fair."""
    total = 400 * n
    heads = [0] * n
    for i in range(total):
        heads[rotation(f"{i:05d}-ABCDE", n)] += 1
    assert all(0.8 * 400 <= h <= 1.2 * 400 for h in heads), heads


def test_alphabetical_is_by_the_language_casefolded_then_code_points() -> None:
    q = {
        "order": "alphabetical",
        "options": [
            {"id": "a", "text": {"en": "bravo", "es": "Zeta"}},
            {"id": "b", "text": {"en": "Alpha"}},  # no Spanish: sorted by its English text
            {"id": "c", "text": {"en": "alpha", "es": "alfa"}},
            {"id": "d", "text": {"en": "Éclair", "es": "éclair"}},
            {"id": "e", "text": {"en": "ALPHA", "es": "ALFA"}},
        ],
    }
    # casefold: "alpha" x3 tie -> code points "ALPHA" < "Alpha" < "alpha"; "É" sorts
    # after every ASCII letter (code points, not a dictionary's collation).
    assert display_order(q, "en", "X") == [4, 1, 2, 0, 3]
    # Spanish: "ALFA" < "alfa" (same casefold), "Alpha" (English fallback), "Zeta", "éclair".
    assert display_order(q, "es", "X") == [4, 2, 1, 0, 3]
    # A committee definition's options are the texts themselves.
    committee = {"order": "alphabetical", "options": [{"en": "b"}, {"en": "a"}]}
    assert display_order(committee, "en", "X") == [1, 0]


@settings(max_examples=200)
@given(aliases, st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=63))
def test_display_order_never_changes_which_candidate_an_index_is(
    alias: str, names: list[str]
) -> None:
    """The page lists (index, text) pairs in display order; every pair is the canonical
    one, so mapping a displayed choice back by index encrypts the candidate shown."""
    for order in ("fixed", "alphabetical", "rotated"):
        q = {
            "order": order,
            "options": [{"id": f"o{i}", "text": {"en": t}} for i, t in enumerate(names)],
        }
        shown = [(i, q["options"][i]["text"]["en"]) for i in display_order(q, "en", alias)]
        assert sorted(shown) == sorted(enumerate(names))
        if order == "alphabetical":
            keys = [(t.casefold(), t) for _, t in shown]
            assert keys == sorted(keys)
