"""The result rule: from decrypted counts to the published result, in one place.

The service makes a round's result with :func:`expected_result`, the verifier recomputes
it with the same function and the tally sheet judges each count with the same
:func:`judge`, so what is published, what is checked and what observers are shown cannot
drift apart.  PROTOCOL 11.3 and 15 state the same rules for other implementations.
Everything here is pure: counts and the definition in, JSON-ready data out; a rule that
cannot be applied raises :class:`~ballot.election.outcome.RuleError`.

Two versions of the result exist.  Version 1 (elections defined before the board key was
bound to the definition) gives its reasons as English sentences and measures turnout as
valid + void; version 2 gives them as codes with parameters, measures turnout as the
ballots counted, adds the challenged ballots' reason, and lets only a plurality decide a
question where a member marks several options.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from ballot.crypto.manifest import ElectionManifest, QuestionSpec
from ballot.crypto.tally import OptionCounts
from ballot.election.challenges import Determination, determinative
from ballot.election.outcome import Counts, OutcomeRule, RuleError, RuleKind, check_marks
from ballot.election.paper import PaperTotals, add_counts
from ballot.election.races import RacesError, check_races
from ballot.election.revoting import RevotingError, revoting_of
from ballot.election.rule import rule_from_definition

__all__ = [
    "MIN_UNIT_SIZE",
    "OTHER_UNITS",
    "RESULT_FORMAT",
    "RESULT_FORMATS",
    "challenges_determinative",
    "decide_outcome",
    "expected_result",
    "judge",
    "outcome_json",
    "outcome_rule",
    "pool_order",
    "question_counts",
    "result_version",
    "unit_results",
]

#: The format tag of a round's result (the ``tally.result`` payload and ``result.json``),
#: per protocol version.
RESULT_FORMATS: Final = {1: "ballot/election-result/v1", 2: "ballot/election-result/v2"}
#: The format this code makes for an election defined with a board key.
RESULT_FORMAT: Final = RESULT_FORMATS[2]
#: The fewest ballots whose figures are published apart, when the definition does not say:
#: the pools of unit subtotals on the board and the units of the tally sheet alike.
MIN_UNIT_SIZE: Final = 10
#: The label of the pool of units too small for their own subtotal.
OTHER_UNITS: Final = ""


def result_version(definition: Mapping[str, Any]) -> int:
    """The protocol version of the results an election gets: 2 iff its definition binds a
    board key (PROTOCOL 5.1), else 1 (elections defined before that, whose records keep
    verifying as they were written)."""
    return 2 if "board_key" in definition else 1


def outcome_rule(definition: Mapping[str, Any]) -> OutcomeRule:
    """The rule recorded in the definition: ``rule`` as :meth:`OutcomeRule.to_json` gives
    it, or the short form ``"majority"`` / ``"supermajority"`` (+ ``"supermajority":
    "2/3"``, ``"quorum": "1/2"``) of the service's election form (PROTOCOL 15.1)."""
    try:
        return rule_from_definition(definition)
    except RuleError as exc:
        raise RuleError(f"the definition's rule is unusable: {exc}") from exc


def question_counts(
    spec: QuestionSpec,
    counts: Mapping[str, int],
    void: int,
    *,
    eligible: int | None,
    ballots: int | None,
    version: int,
) -> Counts:
    """One question's count as the rule reads it: the ballots counted are its turnout from
    version 2 on (version 1 took valid + void), and its ``min``/``max`` the marks."""
    return Counts(
        dict(counts), void, eligible, ballots if version >= 2 else None, (spec.min, spec.max)
    )


def judge(rule: OutcomeRule, counts: Counts, undecided: int) -> Determination:
    """One question's outcome, and whether the undecided challenged ballots could change it.

    However each is resolved and however marked (sustained and left out, or overruled
    and counted for any option, or void): :func:`ballot.election.challenges.determinative`.
    """
    try:
        return determinative(rule, counts, undecided)
    except RuleError as exc:
        raise RuleError(f"the rule cannot be applied: {exc}") from exc


def outcome_json(verdict: Determination, version: int = 1) -> dict[str, Any]:
    """An outcome as a result of ``version`` publishes it: English sentences (1), or
    codes with the challenged ballots' reason last when some are undecided (2)."""
    outcome = verdict.outcome
    if version >= 2:
        reasons: list[Any] = [r.to_json() for r in outcome.reasons]
        if verdict.challenged:
            reasons.append(verdict.reason.to_json())
    else:
        reasons = list(outcome.prose)
    return {
        "result": outcome.result,
        "decided": outcome.decided,
        "quorum_met": outcome.quorum_met,
        "runoff": list(outcome.runoff),
        "tied": list(outcome.tied),
        "reasons": reasons,
    }


def _judge_question(
    rule: OutcomeRule, counts: Counts, undecided: int, version: int
) -> Determination:
    if version >= 2:
        try:
            check_marks(rule, counts)
        except RuleError as exc:
            raise RuleError(f"the rule cannot be applied: {exc}") from exc
    return judge(rule, counts, undecided)


def decide_outcome(
    definition: Mapping[str, Any],
    spec: QuestionSpec,
    counts: Mapping[str, int],
    void: int,
    *,
    eligible: int,
    ballots: int,
    version: int | None = None,
) -> dict[str, Any]:
    """The rule's decision for one question, as JSON for the result (no challenges)."""
    v = result_version(definition) if version is None else version
    c = question_counts(spec, counts, void, eligible=eligible, ballots=ballots, version=v)
    rule = outcome_rule(definition).for_question(spec.id)
    return outcome_json(_judge_question(rule, c, 0, v), v)


def challenges_determinative(
    definition: Mapping[str, Any],
    spec: QuestionSpec,
    counts: Mapping[str, int],
    void: int,
    undecided: int,
    *,
    eligible: int,
    ballots: int,
    version: int | None = None,
) -> bool:
    """Could the undecided challenged ballots change this question's result?"""
    v = result_version(definition) if version is None else version
    c = question_counts(spec, counts, void, eligible=eligible, ballots=ballots, version=v)
    rule = outcome_rule(definition).for_question(spec.id)
    return _judge_question(rule, c, undecided, v).determinative


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
    manifest: ElectionManifest, units: Mapping[str, tuple[int, Sequence[OptionCounts | None]]]
) -> list[dict[str, Any]]:
    """The result's per-unit subtotals (no outcome: the rule applies to the whole)."""
    out = []
    for pool in pool_order(units):
        ballots, counts = units[pool]
        questions = [
            {"id": spec.id, **_question_counts(spec.option_ids, oc)}
            for spec, oc in zip(manifest.questions, counts, strict=True)
            if oc is not None  # (never: subtotals are refused with races)
        ]
        out.append({"unit": pool, "ballots": ballots, "questions": questions})
    return out


def _counted(spec: QuestionSpec, counts: OptionCounts | None) -> OptionCounts | None:
    """A choose question's decrypted counts; None for a ranked race, which has none in the
    tally (PROTOCOL 10.1)."""
    if spec.ranked and counts is not None:
        raise RuleError(f"question {spec.id!r}: a ranked race has no counts in the tally")
    if counts is None and not spec.ranked:
        raise RuleError(f"question {spec.id!r}: no counts given")
    return counts


def _refuse_races(manifest: ElectionManifest, version: int, paper: bool, units: bool) -> None:
    """Ranked and per-unit races are protocol v2, and neither goes with subtotals per unit
    or hand counts of paper ballots (PROTOCOL 10.5, 11.11): a subtotal or a paper count
    would have to be split by race and by unit, and a ranked race's paper ballots cannot
    be mixed with the online ones."""
    if not (manifest.has_ranked or manifest.has_units):
        return
    if version < 2:
        raise RuleError("ranked and per-unit races are a rule of protocol v2")
    if paper or units:
        which = "paper ballots" if paper else "subtotals per unit"
        raise RuleError(f"an election with ranked or per-unit races has no {which}")


def expected_result(
    definition: Mapping[str, Any],
    manifest: ElectionManifest,
    counts: Sequence[OptionCounts | None],
    *,
    eligible: int,
    cast: int,
    challenged: int,
    sustained: int,
    overruled: int,
    units: Mapping[str, tuple[int, Sequence[OptionCounts | None]]] | None = None,
    version: int | None = None,
    replaced: int = 0,
    paper: PaperTotals | None = None,
) -> dict[str, Any]:
    """The result that decrypted counts imply: the tally sheet plus the rule's outcome.

    ``cast``: every ``ballot.cast`` entry; ``replaced``: those a later ballot of the same
    member replaced (revoting, PROTOCOL 11.10: the result then says so in ``replaced``),
    so the round counts ``cast - replaced + overruled`` ballots.

    The same function makes the result (synthetic records, the service) and checks
    it (the verifier), so the two cannot drift apart.  ``units``: pool label ->
    (ballots, decrypted counts) when the definition asks for subtotals.  ``version``:
    the result's protocol version (default: :func:`result_version` of the definition;
    the verifier passes the record's).  ``paper``: the hand counts of the paper ballots
    (protocol v2): each question's figures are then the sum of both channels, with each
    channel's own figures beside them, and the rule applies to the sum (PROTOCOL 11.11).

    ``counts`` has one entry per question of the definition, None for a ranked race: the
    result lists the choose questions only (a ranked race's result is the mix-net's), a
    per-unit race with its own ballots n_q; with a ranked race any undecided challenge
    is determinative (nobody can tell before the mix-net whether it could change a
    ranking; PROTOCOL 11.3, 15.7).
    """
    v = result_version(definition) if version is None else version
    if v not in RESULT_FORMATS:
        raise RuleError(f"no result format for protocol version {v!r}")
    rule = outcome_rule(definition)
    if v < 2 and rule.kind is RuleKind.PLURALITY:
        raise RuleError("the rule cannot be applied: plurality is a rule of protocol v2")
    if not isinstance(rule.approve_option, str):
        ids = {spec.id for spec in manifest.questions}
        if v < 2 or set(rule.approve_option) != ids:
            raise RuleError(
                "the rule cannot be applied: approving options per question are a rule of "
                "protocol v2 and name exactly the definition's questions"
            )
    try:
        revoting = revoting_of(definition)
    except RevotingError as exc:
        raise RuleError(f"the definition cannot be counted: {exc}") from exc
    if replaced and not revoting:
        raise RuleError("ballots were replaced, but the definition does not allow revoting")
    if paper is not None and v < 2:
        raise RuleError("paper ballots are counted with the online ones from protocol v2 on")
    _refuse_races(manifest, v, paper is not None, units is not None)
    undecided = challenged - sustained - overruled
    counted = cast - replaced + overruled + (paper.ballots if paper is not None else 0)
    questions: list[dict[str, Any]] = []
    determinative_any = undecided > 0 and manifest.has_ranked
    if len(counts) != len(manifest.questions):
        raise RuleError("the counts do not have one entry per question of the definition")
    choose = [_counted(spec, oc) for spec, oc in zip(manifest.questions, counts, strict=True)]
    online = [oc for oc in choose if oc is not None]
    # With paper no race is ranked (refused above): the channels add question by question.
    totals = choose if paper is None else list(add_counts(online, paper.questions))
    for qi, (spec, oc) in enumerate(zip(manifest.questions, totals, strict=True)):
        if oc is None:
            continue  # a ranked race: its result is the mix-net's (PROTOCOL 18)
        figures = _question_counts(spec.option_ids, oc)
        if spec.unit is not None:
            figures = {"ballots": oc.ballots, **figures}
        if paper is not None:
            figures["online"] = _question_counts(spec.option_ids, online[qi])
            figures["paper"] = _question_counts(spec.option_ids, paper.questions[qi])
        c = question_counts(
            spec, figures["counts"], oc.blank, eligible=eligible, ballots=counted, version=v
        )
        verdict = _judge_question(rule.for_question(spec.id), c, undecided, v)
        questions.append({"id": spec.id, **figures, "outcome": outcome_json(verdict, v)})
        determinative_any = determinative_any or verdict.determinative
    return {
        "format": RESULT_FORMATS[v],
        "election_id": manifest.election_id,
        "eligible": eligible,
        "cast": cast,
        "challenged": challenged,
        "sustained": sustained,
        "overruled": overruled,
        "undecided": undecided,
        "counted": counted,
        **({"replaced": replaced} if revoting else {}),
        "determinative": determinative_any,
        "questions": questions,
        **({} if units is None else {"units": unit_results(manifest, units)}),
        **({} if paper is None else {"paper": paper.ballots}),
    }


def check_rule(definition: Mapping[str, Any], manifest: ElectionManifest) -> None:
    """Refuse, before any key is made, a rule that could not decide every question.

    The rule is applied to an empty count of each question (what :func:`expected_result`
    does when the trustees have decrypted), so a rule that names no approving option for
    a question, or a majority over a question of several marks, is found while the
    definition can still be changed rather than when the last trustee decrypts; the
    rules of ranked and per-unit races (:mod:`ballot.election.races`) too.  Raises
    RuleError saying why.
    """
    try:
        check_races(definition)
    except RacesError as exc:
        raise RuleError(str(exc)) from exc
    empty = [
        None
        if spec.ranked
        else OptionCounts((0,) * len(spec.option_ids), 0, 0 if spec.unit else None)
        for spec in manifest.questions
    ]
    expected_result(
        definition, manifest, empty, eligible=1, cast=0, challenged=0, sustained=0, overruled=0
    )
