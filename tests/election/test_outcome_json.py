"""OutcomeRule.from_json reads back what to_json writes, and the election form's short form."""

from __future__ import annotations

from fractions import Fraction

import pytest

from ballot.election.outcome import OutcomeRule, RuleError, RuleKind


@pytest.mark.parametrize(
    "rule",
    [
        OutcomeRule(RuleKind.MAJORITY),
        OutcomeRule(RuleKind.SUPERMAJORITY, Fraction(2, 3), Fraction(1, 2), 40, "accept"),
        OutcomeRule(RuleKind.PLURALITY_WITH_RUNOFF, quorum_count=10),
    ],
)
def test_round_trip(rule: OutcomeRule) -> None:
    assert OutcomeRule.from_json(rule.to_json()) == rule


def test_left_out_fields_take_their_defaults() -> None:
    assert OutcomeRule.from_json({"kind": "majority"}) == OutcomeRule(RuleKind.MAJORITY)


def test_short_form() -> None:
    assert OutcomeRule.from_json("majority") == OutcomeRule(RuleKind.MAJORITY)
    assert OutcomeRule.from_json("supermajority", supermajority="2/3", quorum="1/2") == (
        OutcomeRule(RuleKind.SUPERMAJORITY, Fraction(2, 3), Fraction(1, 2))
    )
    # An empty threshold on the form means the default one half.
    assert OutcomeRule.from_json("majority", supermajority="") == OutcomeRule(RuleKind.MAJORITY)


@pytest.mark.parametrize(
    ("obj", "extra", "message"),
    [
        ({"threshold": "1/2"}, {}, "a rule needs a 'kind'"),
        ({"kind": "unanimity"}, {}, "unknown rule kind 'unanimity'"),
        (None, {}, "unknown rule kind None"),
        (["majority"], {}, "unknown rule kind"),
        ({"kind": "majority", "threshold": "half"}, {}, "threshold 'half' is not a fraction"),
        ({"kind": "majority", "quorum_fraction": "1/0"}, {}, "quorum_fraction '1/0' is not a"),
        ("supermajority", {"supermajority": "two thirds"}, "supermajority 'two thirds' is not"),
        ("majority", {"quorum": "x"}, "quorum 'x' is not a fraction"),
        ("supermajority", {"supermajority": "1/2"}, "a supermajority threshold is above 1/2"),
        ({"kind": "majority", "quorum_count": 0}, {}, "a quorum count is a positive whole"),
        ("majority", {"supermajority": 0}, "supermajority 0 is not a fraction"),
        ({"kind": "majority", "threshold": 0.5}, {}, "threshold 0.5 is not a fraction"),
        ({"kind": "majority", "threshold": "0.5"}, {}, "threshold '0.5' is not a fraction"),
        ({"kind": "majority", "threshold": " 1/2"}, {}, "threshold ' 1/2' is not a fraction"),
        ({"kind": "majority", "quorum_fraction": "50%"}, {}, "quorum_fraction '50%' is not a"),
        ({"kind": "majority", "extra": 1}, {}, "a rule has no key 'extra'"),
        ({"kind": "majority", "approve_option": 1}, {}, "the approving option is an option id"),
        ({"kind": "plurality", "threshold": "2/3"}, {}, "a plurality has no threshold"),
    ],
)
def test_clear_errors(obj: object, extra: dict[str, object], message: str) -> None:
    with pytest.raises(RuleError, match=message.replace("(", r"\(")):
        OutcomeRule.from_json(obj, **extra)
