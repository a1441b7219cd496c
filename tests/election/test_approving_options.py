"""A yes/no rule over several questions approves each question's own option (PROTOCOL 15.1).

A two-question ratification could not be counted while the rule named one approving
option for the whole election: the last trustee's decryption failed with a 500.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ballot.crypto.manifest import ElectionManifest
from ballot.crypto.tally import OptionCounts
from ballot.election.outcome import Counts, OutcomeRule, RuleError, RuleKind, decide
from ballot.election.result import check_rule, expected_result
from ballot.record.synthetic.definitions import ratification_definition

BOARD_KEY = {"algorithm": "ed25519", "public_key": "00" * 32}


def _two_questions(*, v2: bool = True) -> dict[str, Any]:
    d = ratification_definition("two-questions")
    dues = copy.deepcopy(d["questions"][0])
    dues["id"] = "dues"
    dues["options"] = [
        {"id": "dues-yes", "label": {"en": "Yes"}},
        {"id": "dues-no", "label": {"en": "No"}},
    ]
    d["questions"].append(dues)
    d["rule"]["approve_option"] = {"authorise": "yes", "dues": "dues-yes"}
    if v2:
        d["board_key"] = BOARD_KEY
    return d


def _result(d: dict[str, Any], first: tuple[int, int], second: tuple[int, int]) -> dict[str, Any]:
    manifest = ElectionManifest.from_definition(d)
    counts = [OptionCounts(first, 0), OptionCounts(second, 0)]
    n = sum(first)
    return expected_result(
        d, manifest, counts, eligible=n, cast=n, challenged=0, sustained=0, overruled=0
    )


def test_each_question_is_decided_by_its_own_approving_option() -> None:
    result = _result(_two_questions(), (5, 2), (3, 4))
    outcomes = [q["outcome"]["result"] for q in result["questions"]]
    assert outcomes == ["approved", "rejected"]
    reason = result["questions"][1]["outcome"]["reasons"][0]
    assert reason["code"] == "supermajority_missed" and reason["option"] == "dues-yes"


def test_the_rule_round_trips_through_its_json() -> None:
    rule = OutcomeRule.from_json(_two_questions()["rule"])
    assert rule.approving("dues") == "dues-yes"
    assert OutcomeRule.from_json(rule.to_json()) == rule


@pytest.mark.parametrize(
    "mapping",
    [
        {"authorise": "yes"},  # a question left out
        {"authorise": "yes", "dues": "dues-yes", "strike": "yes"},  # a question that is not there
    ],
)
def test_approving_options_must_name_exactly_the_questions(mapping: dict[str, str]) -> None:
    d = _two_questions()
    d["rule"]["approve_option"] = mapping
    with pytest.raises(RuleError, match="exactly the definition's questions"):
        _result(d, (1, 0), (1, 0))
    with pytest.raises(RuleError):
        check_rule(d, ElectionManifest.from_definition(d))


def test_approving_options_per_question_are_protocol_v2_only() -> None:
    with pytest.raises(RuleError, match="protocol v2"):
        _result(_two_questions(v2=False), (1, 0), (1, 0))


@pytest.mark.parametrize("bad", [{}, {"dues": 3}, ["yes"], 7])
def test_a_malformed_approving_option_is_refused(bad: object) -> None:
    with pytest.raises(RuleError):
        OutcomeRule.from_json({"kind": "majority", "approve_option": bad})


def test_a_rule_with_an_option_per_question_decides_one_question_at_a_time() -> None:
    rule = OutcomeRule(RuleKind.MAJORITY, approve_option={"a": "a-yes", "b": "b-yes"})
    with pytest.raises(RuleError, match="one question at a time"):
        decide(rule, Counts({"a-yes": 2, "a-no": 1}))
    assert decide(rule.for_question("a"), Counts({"a-yes": 2, "a-no": 1})).result == "approved"
    with pytest.raises(RuleError, match="no approving option for question 'c'"):
        rule.for_question("c")


def test_a_two_question_ratification_passes_the_check_before_the_ceremony() -> None:
    d = _two_questions()
    check_rule(d, ElectionManifest.from_definition(d))
    one = ratification_definition()
    check_rule(one, ElectionManifest.from_definition(one))
