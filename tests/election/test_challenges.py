from __future__ import annotations

import itertools
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
from ballot.election.reasons import Reason

MAJORITY = OutcomeRule(RuleKind.MAJORITY)


def test_examples_from_the_rules_brief() -> None:
    decided = determinative(MAJORITY, Counts({"yes": 2654, "no": 2131}), 67)
    assert not decided.determinative and decided.outcome.result == "approved"
    assert decided.reason == Reason.of("challenges_cannot_change", undecided=67)
    close = determinative(MAJORITY, Counts({"yes": 1000, "no": 900}), 416)
    assert close.determinative
    assert close.reason == Reason.of("challenges_could_reject", undecided=416, option="yes")
    losing = determinative(MAJORITY, Counts({"yes": 900, "no": 1000}), 416)
    assert losing.determinative
    assert losing.reason == Reason.of("challenges_could_approve", undecided=416, option="yes")


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
    assert lifted.determinative and lifted.reason.code == "challenges_could_meet_quorum"
    # Protocol v2 measures turnout in ballots: the same boundary.
    ballots = Counts({"yes": 450, "no": 40}, eligible=1000, ballots=490)
    assert not determinative(rule, ballots, 9).determinative
    assert determinative(rule, ballots, 10).determinative


def test_officer_runoff_places() -> None:
    rule = OutcomeRule(RuleKind.PLURALITY_WITH_RUNOFF)
    counts = Counts({"ana": 40, "ben": 35, "chen": 25})
    assert not determinative(rule, counts, 9).determinative
    place = determinative(rule, counts, 10)
    assert place.determinative
    assert place.reason == Reason.of(
        "challenges_could_level", undecided=10, option="chen", rival="ben"
    )
    assert determinative(rule, Counts({"ana": 40, "ben": 30, "chen": 30}), 1).determinative
    near = determinative(rule, Counts({"ana": 45, "ben": 35, "chen": 10}), 10)
    assert near.reason == Reason.of("challenges_could_give_majority", undecided=10, option="ana")
    kept = determinative(rule, Counts({"ana": 51, "ben": 30, "chen": 9}), 11)
    assert not kept.determinative  # 51 of 101 is still more than half
    held = determinative(rule, Counts({"ana": 51, "ben": 30, "chen": 9}), 12)
    assert held.reason == Reason.of("challenges_could_undo_majority", undecided=12, option="ana")
    empty = determinative(rule, Counts({"ana": 0, "ben": 0}, void=3), 1)
    assert empty.reason == Reason.of("challenges_could_decide", undecided=1)


def test_plurality_seats() -> None:
    rule = OutcomeRule(RuleKind.PLURALITY)
    three = (0, 3)  # vote for up to three delegates
    counts = Counts({"a": 50, "b": 40, "c": 30, "d": 20}, marks=three)
    assert decide(rule, counts).result == "elected:a,b,c"
    assert not determinative(rule, counts, 9).determinative
    level = determinative(rule, counts, 10)
    assert level.reason == Reason.of("challenges_could_level", undecided=10, option="d", rival="c")
    tie = Counts({"a": 50, "b": 40, "c": 30, "d": 30}, marks=three)
    assert determinative(rule, tie, 1).reason.code == "challenges_could_break_tie"
    short = Counts({"a": 5, "b": 4, "c": 0, "d": 0}, marks=three)
    seat = determinative(rule, short, 1)
    assert seat.reason == Reason.of("challenges_could_fill_seat", undecided=1, seats=3)
    # Every ballot must mark all three options: no challenged ballot can change the order.
    every = Counts({"a": 7, "b": 7, "c": 7}, marks=(3, 3))
    assert decide(rule, every).result == "elected:a,b,c"
    assert not determinative(rule, every, 5).determinative
    # Two of three must be marked, for two seats: a ballot for a and b breaks the tie.
    two = Counts({"a": 7, "b": 7, "c": 7}, marks=(2, 2))
    assert decide(rule, two).result == "elected_tie:;a,b,c"
    assert determinative(rule, two, 1).determinative


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


def ballot_kinds(counts: Counts) -> list[tuple[str, ...] | None]:
    """What one overruled ballot can add: a set of options it marks, or None (void)."""
    names = list(counts.options)
    low, high = counts.marks if counts.marks is not None else (0, 1)
    kinds: list[tuple[str, ...] | None] = [None] if low == 0 else []
    for size in range(max(low, 1), high + 1):
        kinds.extend(itertools.combinations(names, size))
    return kinds


def brute_force(rule: OutcomeRule, counts: Counts, challenged: int) -> bool:
    """Try every resolution: each ballot sustained (left out) or overruled and marked."""
    base = decide(rule, counts).verdict
    for overruled in range(1, challenged + 1):
        for ballots in itertools.combinations_with_replacement(ballot_kinds(counts), overruled):
            options = dict(counts.options)
            void = counts.void
            for marked in ballots:
                if marked is None:
                    void += 1
                for name in marked or ():
                    options[name] += 1
            more = None if counts.ballots is None else counts.ballots + overruled
            changed = Counts(options, void, counts.eligible, more, counts.marks)
            if decide(rule, changed).verdict != base:
                return True
    return False


fractions = st.sampled_from([Fraction(1, 2), Fraction(3, 5), Fraction(2, 3), Fraction(3, 4)])


@st.composite
def cases(draw: st.DrawFn) -> tuple[OutcomeRule, Counts, int]:
    kind = draw(st.sampled_from(list(RuleKind)))
    if kind is RuleKind.SUPERMAJORITY:
        threshold = draw(fractions.filter(lambda f: f > Fraction(1, 2)))
    elif kind is RuleKind.PLURALITY:
        threshold = Fraction(1, 2)
    else:
        threshold = draw(fractions.filter(lambda f: f < 1))
    quorum_fraction = draw(st.none() | st.sampled_from([Fraction(1, 3), Fraction(1, 2)]))
    quorum_count = draw(st.none() | st.integers(1, 25))
    rule = OutcomeRule(kind, threshold, quorum_fraction, quorum_count)
    names = ["yes", "no"] if rule.approval else ["a", "b", "c", "d"][: draw(st.integers(1, 4))]
    if kind is RuleKind.PLURALITY:
        high = draw(st.integers(1, len(names)))
        low = draw(st.integers(0, high))
    else:
        low = draw(st.integers(0, 1)) if len(names) > 1 else 0
        high = 1
    options = {name: draw(st.integers(0, 12)) for name in names}
    void = draw(st.integers(0, 3)) if low == 0 else 0
    ballots = None
    # Protocol v2 measures turnout as the ballots counted; v1 (valid + void) had only
    # questions of one mark and no plurality.
    if high > 1 or kind is RuleKind.PLURALITY or draw(st.booleans()):
        ballots = max(sum(options.values()) // high, 1 if options else 0) + void
    turnout = ballots if ballots is not None else sum(options.values()) + void
    eligible = turnout + draw(st.integers(0, 30))
    challenged = draw(st.integers(0, 6 if len(names) <= 2 else 3))
    return rule, Counts(options, void, eligible, ballots, (low, high)), challenged


@given(cases())
@settings(max_examples=500, deadline=None)
def test_determinative_matches_brute_force(case: tuple[OutcomeRule, Counts, int]) -> None:
    rule, counts, challenged = case
    assert determinative(rule, counts, challenged).determinative == brute_force(
        rule, counts, challenged
    )
