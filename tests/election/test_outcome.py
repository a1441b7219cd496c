from __future__ import annotations

from fractions import Fraction

import pytest

from ballot.election.outcome import Counts, OutcomeRule, RuleError, RuleKind, approves, decide
from ballot.election.reasons import Reason

MAJORITY = OutcomeRule(RuleKind.MAJORITY)
TWO_THIRDS = OutcomeRule(RuleKind.SUPERMAJORITY, Fraction(2, 3))
OFFICERS = OutcomeRule(RuleKind.PLURALITY_WITH_RUNOFF)


def yn(yes: int, no: int, void: int = 0, eligible: int | None = None) -> Counts:
    return Counts({"yes": yes, "no": no}, void, eligible)


def test_recognition_majority_of_valid_votes_tie_loses() -> None:
    won = decide(MAJORITY, yn(2654, 2131, void=12))
    assert won.result == "approved" and won.decided
    assert (won.valid, won.void, won.turnout) == (4785, 12, 4797)
    tie = decide(MAJORITY, yn(100, 100, void=50))
    assert tie.result == "tie_fails" and tie.verdict == "rejected" and tie.decided
    assert decide(MAJORITY, yn(101, 100)).result == "approved"
    assert decide(MAJORITY, yn(99, 100)).result == "rejected"


def test_void_ballots_do_not_count_against() -> None:
    # 10 yes, 9 no, 100 blank: a majority of *valid* votes.
    assert decide(MAJORITY, yn(10, 9, void=100)).result == "approved"


def test_supermajority_is_at_least_the_threshold() -> None:
    assert decide(TWO_THIRDS, yn(200, 100)).result == "approved"  # exactly 2/3
    assert decide(TWO_THIRDS, yn(199, 100)).result == "rejected"
    assert approves(TWO_THIRDS, 2, 3) and not approves(TWO_THIRDS, 0, 0)
    assert decide(TWO_THIRDS, yn(0, 0, void=5)).result == "rejected"
    assert decide(MAJORITY, yn(0, 0)).result == "rejected"


def test_majority_threshold_above_one_half_is_strict() -> None:
    sixty = OutcomeRule(RuleKind.MAJORITY, Fraction(3, 5))
    assert decide(sixty, yn(60, 40)).result == "tie_fails"
    assert decide(sixty, yn(61, 40)).result == "approved"


def test_quorum_fraction_and_count() -> None:
    rule = OutcomeRule(RuleKind.MAJORITY, quorum_fraction=Fraction(1, 2))
    missed = decide(rule, yn(400, 99, void=0, eligible=1000))
    assert missed.result == "no_quorum" and not missed.decided and not missed.quorum_met
    assert missed.prose == ("turnout 499 is below the quorum (1/2 of 1000 eligible)",)
    assert [r.code for r in missed.reasons] == ["quorum_fraction_missed"]
    # Void ballots are turnout: 400 + 99 + 1 = 500 of 1000 meets "at least half".
    assert decide(rule, yn(400, 99, void=1, eligible=1000)).result == "approved"
    counted = OutcomeRule(RuleKind.SUPERMAJORITY, Fraction(2, 3), quorum_count=50)
    assert decide(counted, yn(40, 9)).result == "no_quorum"
    assert decide(counted, yn(40, 10)).result == "approved"
    with pytest.raises(RuleError, match="eligible"):
        decide(rule, yn(1, 0))


def test_officer_election_majority_or_runoff() -> None:
    elected = decide(OFFICERS, Counts({"ana": 51, "ben": 30, "chen": 19}))
    assert elected.result == "elected:ana" and elected.decided
    runoff = decide(OFFICERS, Counts({"ana": 50, "ben": 30, "chen": 20}))
    assert runoff.result == "runoff:ana,ben" and runoff.runoff == ("ana", "ben")
    assert not runoff.decided
    # Ballot order in the key, whoever leads.
    assert decide(OFFICERS, Counts({"ana": 30, "ben": 45, "chen": 25})).result == "runoff:ana,ben"


def test_ties_for_runoff_places_are_reported_not_broken() -> None:
    second = decide(OFFICERS, Counts({"ana": 40, "ben": 30, "chen": 30}))
    assert second.result == "runoff_tie:ana;ben,chen"
    assert second.runoff == ("ana",) and second.tied == ("ben", "chen")
    assert "tied" in second.prose[1]
    assert second.reasons[1] == Reason.of(
        "runoff_tie", sure=("ana",), tied=("ben", "chen"), votes=30, places=1
    )
    first = decide(OFFICERS, Counts({"ana": 30, "ben": 30, "chen": 30}))
    assert first.runoff == () and first.tied == ("ana", "ben", "chen")
    assert first.result == "runoff_tie:;ana,ben,chen"
    two_way = decide(OFFICERS, Counts({"ana": 40, "ben": 40, "chen": 20}))
    assert two_way.result == "runoff:ana,ben" and two_way.tied == ()
    assert decide(OFFICERS, Counts({"ana": 5, "ben": 5})).result == "runoff:ana,ben"


def test_uncontested_and_empty() -> None:
    assert decide(OFFICERS, Counts({"ana": 3}, void=10)).result == "elected:ana"
    empty = decide(OFFICERS, Counts({"ana": 0, "ben": 0}, void=2))
    assert empty.result == "no_valid_votes" and not empty.decided


@pytest.mark.parametrize(
    "make",
    [
        lambda: OutcomeRule(RuleKind.MAJORITY, Fraction(1, 3)),
        lambda: OutcomeRule(RuleKind.MAJORITY, Fraction(1)),
        lambda: OutcomeRule(RuleKind.SUPERMAJORITY, Fraction(1, 2)),
        lambda: OutcomeRule(RuleKind.MAJORITY, 0.5),  # type: ignore[arg-type]  # deliberately the wrong type
        lambda: OutcomeRule(RuleKind.MAJORITY, quorum_fraction=Fraction(0)),
        lambda: OutcomeRule(RuleKind.MAJORITY, quorum_count=0),
        lambda: OutcomeRule("unanimity"),  # type: ignore[arg-type]  # deliberately the wrong type
        lambda: Counts({"yes": -1}),
        lambda: Counts({"yes": 1.0}),  # type: ignore[dict-item]  # deliberately the wrong type
        lambda: Counts({}),
    ],
)
def test_bad_rules_and_counts(make) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError):
        make()


def test_missing_approve_option() -> None:
    with pytest.raises(RuleError, match="'yes'"):
        decide(MAJORITY, Counts({"si": 3, "no": 1}))
    assert decide(OutcomeRule("majority", approve_option="si"), Counts({"si": 3, "no": 1})).decided  # type: ignore[arg-type]  # deliberately the wrong type


def test_rule_is_recorded_exactly() -> None:
    rule = OutcomeRule("supermajority", Fraction(2, 3), quorum_fraction=Fraction(1, 4))  # type: ignore[arg-type]  # deliberately the wrong type
    assert rule.to_json() == {
        "kind": "supermajority",
        "threshold": "2/3",
        "quorum_fraction": "1/4",
        "quorum_count": None,
        "approve_option": "yes",
    }
