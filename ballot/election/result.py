"""The result rule: from decrypted counts to the published result, in one place.

The service makes a round's result with :func:`expected_result`, the verifier recomputes
it with the same function and the tally sheet judges each count with the same
:func:`judge`, so what is published, what is checked and what observers are shown cannot
drift apart.  Everything here is pure: counts and the definition in, JSON-ready data out;
a rule that cannot be applied raises :class:`~ballot.election.outcome.RuleError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from ballot.crypto.manifest import ElectionManifest
from ballot.crypto.tally import OptionCounts
from ballot.election.challenges import Determination, determinative
from ballot.election.outcome import Counts, Outcome, OutcomeRule, RuleError

__all__ = [
    "MIN_UNIT_SIZE",
    "OTHER_UNITS",
    "RESULT_FORMAT",
    "challenges_determinative",
    "decide_outcome",
    "expected_result",
    "judge",
    "outcome_json",
    "outcome_rule",
    "pool_order",
    "unit_results",
]

#: The format tag of a round's result (the ``tally.result`` payload and ``result.json``).
RESULT_FORMAT: Final = "ballot/election-result/v1"
#: The fewest ballots whose figures are published apart, when the definition does not say:
#: the pools of unit subtotals on the board and the units of the tally sheet alike.
MIN_UNIT_SIZE: Final = 10
#: The label of the pool of units too small for their own subtotal.
OTHER_UNITS: Final = ""


def outcome_rule(definition: Mapping[str, Any]) -> OutcomeRule:
    """The rule recorded in the definition: ``rule`` as :meth:`OutcomeRule.to_json` gives
    it, or the short form ``"majority"`` / ``"supermajority"`` (+ ``"supermajority":
    "2/3"``, ``"quorum": "1/2"``) of the service's election form."""
    try:
        return OutcomeRule.from_json(
            definition.get("rule", "majority"),
            supermajority=definition.get("supermajority"),
            quorum=definition.get("quorum"),
        )
    except RuleError as exc:
        raise RuleError(f"the definition's rule is unusable: {exc}") from exc


def judge(rule: OutcomeRule, counts: Counts, undecided: int) -> Determination:
    """One question's outcome, and whether the undecided challenged ballots could change it.

    However each is resolved and however marked (sustained and left out, or overruled
    and counted for any option, or void): :func:`ballot.election.challenges.determinative`.
    """
    try:
        return determinative(rule, counts, undecided)
    except RuleError as exc:
        raise RuleError(f"the rule cannot be applied: {exc}") from exc


def outcome_json(outcome: Outcome) -> dict[str, Any]:
    """An outcome as the result publishes it."""
    return {
        "result": outcome.result,
        "decided": outcome.decided,
        "quorum_met": outcome.quorum_met,
        "runoff": list(outcome.runoff),
        "tied": list(outcome.tied),
        "reasons": list(outcome.reasons),
    }


def decide_outcome(
    definition: Mapping[str, Any], counts: Mapping[str, int], void: int, *, eligible: int
) -> dict[str, Any]:
    """The rule's decision for one question, as JSON for the result."""
    verdict = judge(outcome_rule(definition), Counts(dict(counts), void, eligible), 0)
    return outcome_json(verdict.outcome)


def challenges_determinative(
    definition: Mapping[str, Any],
    counts: Mapping[str, int],
    void: int,
    undecided: int,
    *,
    eligible: int,
) -> bool:
    """Could the undecided challenged ballots change this question's result?"""
    rule = outcome_rule(definition)
    return judge(rule, Counts(dict(counts), void, eligible), undecided).determinative


def pool_order(pools: Iterable[str]) -> list[str]:
    """Pools in published order: named units by label, then the other units."""
    unique = set(pools)
    return sorted(unique - {OTHER_UNITS}) + ([OTHER_UNITS] if OTHER_UNITS in unique else [])


def _question_counts(spec_ids: Sequence[str], oc: OptionCounts) -> dict[str, Any]:
    return {
        "counts": dict(zip(spec_ids, oc.options, strict=True)),
        "blank": oc.blank,
        "valid": sum(oc.options),
    }


def unit_results(
    manifest: ElectionManifest, units: Mapping[str, tuple[int, Sequence[OptionCounts]]]
) -> list[dict[str, Any]]:
    """The result's per-unit subtotals (no outcome: the rule applies to the whole)."""
    out = []
    for pool in pool_order(units):
        ballots, counts = units[pool]
        questions = [
            {"id": spec.id, **_question_counts(spec.option_ids, oc)}
            for spec, oc in zip(manifest.questions, counts, strict=True)
        ]
        out.append({"unit": pool, "ballots": ballots, "questions": questions})
    return out


def expected_result(
    definition: Mapping[str, Any],
    manifest: ElectionManifest,
    counts: Sequence[OptionCounts],
    *,
    eligible: int,
    cast: int,
    challenged: int,
    sustained: int,
    overruled: int,
    units: Mapping[str, tuple[int, Sequence[OptionCounts]]] | None = None,
) -> dict[str, Any]:
    """The result that decrypted counts imply: the tally sheet plus the rule's outcome.

    The same function makes the result (synthetic records, the service) and checks
    it (the verifier), so the two cannot drift apart.  ``units``: pool label ->
    (ballots, decrypted counts) when the definition asks for subtotals.
    """
    rule = outcome_rule(definition)
    undecided = challenged - sustained - overruled
    questions: list[dict[str, Any]] = []
    determinative_any = False
    for spec, oc in zip(manifest.questions, counts, strict=True):
        figures = _question_counts(spec.option_ids, oc)
        verdict = judge(rule, Counts(figures["counts"], oc.blank, eligible), undecided)
        questions.append({"id": spec.id, **figures, "outcome": outcome_json(verdict.outcome)})
        determinative_any = determinative_any or verdict.determinative
    return {
        "format": RESULT_FORMAT,
        "election_id": manifest.election_id,
        "eligible": eligible,
        "cast": cast,
        "challenged": challenged,
        "sustained": sustained,
        "overruled": overruled,
        "undecided": undecided,
        "counted": cast + overruled,
        "determinative": determinative_any,
        "questions": questions,
        **({} if units is None else {"units": unit_results(manifest, units)}),
    }
