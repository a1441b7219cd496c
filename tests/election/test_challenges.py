from __future__ import annotations

import itertools
from collections.abc import Iterator
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ballot.election.challenges import (
    ChallengeDecision,
    Ruling,
    determinative,
    merge_plan,
)
from ballot.election.outcome import Counts, OutcomeRule, RuleKind, decide

MAJORITY = OutcomeRule(RuleKind.MAJORITY)


def test_examples_from_the_rules_brief() -> None:
    decided = determinative(MAJORITY, Counts({"yes": 2654, "no": 2131}), 67)
    assert not decided.determinative and decided.outcome.result == "approved"
    close = determinative(MAJORITY, Counts({"yes": 1000, "no": 900}), 416)
    assert close.determinative and "against" in close.reason
    losing = determinative(MAJORITY, Counts({"yes": 900, "no": 1000}), 416)
    assert losing.determinative and "in favour" in losing.reason


def test_exact_boundaries_for_a_majority() -> None:
    # 1000 yes / 900 no: 99 more "no" still loses by one; 100 make a tie, which fails.
    assert not determinative(MAJORITY, Counts({"yes": 1000, "no": 900}), 99).determinative
    assert determinative(MAJORITY, Counts({"yes": 1000, "no": 900}), 100).determinative
    # Losing side: 900 / 1000 needs 101 to win (100 only ties).
    assert not determinative(MAJORITY, Counts({"yes": 900, "no": 1000}), 100).determinative
    assert determinative(MAJORITY, Counts({"yes": 900, "no": 1000}), 101).determinative
    assert not determinative(MAJORITY, Counts({"yes": 1, "no": 0}), 0).determinative


def test_thousands_of_challenges_are_instant() -> None:
    rule = OutcomeRule(RuleKind.PLURALITY_WITH_RUNOFF)
    result = determinative(rule, Counts({"a": 90_000, "b": 50_000, "c": 10_000}), 5_000)
    assert result.determinative is False and result.outcome.result == "elected:a"


def test_quorum_counts_challenged_ballots_only_if_overruled() -> None:
    rule = OutcomeRule(RuleKind.SUPERMAJORITY, Fraction(2, 3), quorum_fraction=Fraction(1, 2))
    counts = Counts({"yes": 450, "no": 40}, eligible=1000)
    assert decide(rule, counts).result == "no_quorum"
    assert not determinative(rule, counts, 9).determinative
    lifted = determinative(rule, counts, 10)
    assert lifted.determinative and "in favour" in lifted.reason


def test_officer_runoff_places() -> None:
    rule = OutcomeRule(RuleKind.PLURALITY_WITH_RUNOFF)
    counts = Counts({"ana": 40, "ben": 35, "chen": 25})
    assert not determinative(rule, counts, 9).determinative
    place = determinative(rule, counts, 10)
    assert place.determinative and "chen could draw level with ben" in place.reason
    assert determinative(rule, Counts({"ana": 40, "ben": 30, "chen": 30}), 1).determinative


def test_merge_plan_takes_overruled_ballots_in_id_order() -> None:
    decisions = [
        ChallengeDecision("b-9", Ruling.OVERRULED, "on the payroll at the cutoff date"),
        ChallengeDecision("b-2", "sustained", "supervisor, outside the unit"),  # type: ignore[arg-type]  # deliberately the wrong type
        ChallengeDecision("b-4", "overruled", "name misspelt on the roll"),  # type: ignore[arg-type]  # deliberately the wrong type
    ]
    assert merge_plan(decisions) == ["b-4", "b-9"]
    with pytest.raises(ValueError, match="more than one"):
        merge_plan([*decisions, ChallengeDecision("b-2", "overruled", "changed mind")])  # type: ignore[arg-type]  # deliberately the wrong type
    with pytest.raises(ValueError, match="reason"):
        ChallengeDecision("b-1", "sustained", "  ")  # type: ignore[arg-type]  # deliberately the wrong type
    with pytest.raises(ValueError):
        ChallengeDecision("b-1", "withdrawn", "x")  # type: ignore[arg-type]  # deliberately the wrong type


# -- the analytical test agrees with trying every resolution ------------------------------


def distributions(total: int, slots: int) -> Iterator[tuple[int, ...]]:
    """Every way to put at most ``total`` ballots into ``slots`` slots."""
    for cut in itertools.product(range(total + 1), repeat=slots):
        if sum(cut) <= total:
            yield cut


def brute_force(rule: OutcomeRule, counts: Counts, challenged: int) -> bool:
    base = decide(rule, counts).verdict
    names = list(counts.options)
    for extra in distributions(challenged, len(names) + 1):
        options = {name: counts.options[name] + extra[i] for i, name in enumerate(names)}
        changed = Counts(options, counts.void + extra[-1], counts.eligible)
        if decide(rule, changed).verdict != base:
            return True
    return False


fractions = st.sampled_from([Fraction(1, 2), Fraction(3, 5), Fraction(2, 3), Fraction(3, 4)])


@st.composite
def cases(draw: st.DrawFn) -> tuple[OutcomeRule, Counts, int]:
    kind = draw(st.sampled_from(list(RuleKind)))
    if kind is RuleKind.SUPERMAJORITY:
        threshold = draw(fractions.filter(lambda f: f > Fraction(1, 2)))
    else:
        threshold = draw(fractions.filter(lambda f: f < 1))
    quorum_fraction = draw(st.none() | st.sampled_from([Fraction(1, 3), Fraction(1, 2)]))
    quorum_count = draw(st.none() | st.integers(1, 25))
    rule = OutcomeRule(kind, threshold, quorum_fraction, quorum_count)
    if kind is RuleKind.PLURALITY_WITH_RUNOFF:
        names = ["a", "b", "c", "d"][: draw(st.integers(1, 4))]
    else:
        names = ["yes", "no"]
    options = {name: draw(st.integers(0, 12)) for name in names}
    void = draw(st.integers(0, 3))
    eligible = sum(options.values()) + void + draw(st.integers(0, 30))
    challenged = draw(st.integers(0, 6 if len(names) <= 2 else 4))
    return rule, Counts(options, void, eligible), challenged


@given(cases())
@settings(max_examples=400, deadline=None)
def test_determinative_matches_brute_force(case: tuple[OutcomeRule, Counts, int]) -> None:
    rule, counts, challenged = case
    assert determinative(rule, counts, challenged).determinative == brute_force(
        rule, counts, challenged
    )
