"""One count (``tally.result``) as the pages show it: a tally sheet per question.

The sheet is recomputed from the published counts with the published rule
(:func:`ballot.election.tally_sheet.build_tally_sheet`); if that disagrees with the outcome
the board states, the page says so instead of hiding it, because the record would then
fail verification.  The public result page, the committee's page and the printed tally
sheet all read a count through :func:`round_view`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ballot.election.identity import time_zone_of
from ballot.election.outcome import Counts, OutcomeRule, RuleError
from ballot.election.reasons import Reason
from ballot.election.result import MIN_UNIT_SIZE, RESULT_FORMATS
from ballot.election.tally_sheet import TallySheet, build_tally_sheet
from ballot.i18n import translations
from ballot.record.units import SubtotalsError, subtotal_min_size
from ballot.web.ballot_page import text_in
from ballot.web.observer.board_facts import BoardFacts, Posted, round_of, rule_of
from ballot.web.observer.words import outcome_words, when
from ballot.web.reason_text import published_reason_lines
from ballot.web.results_view import Shares, shares


@dataclass
class QuestionSheet:
    text: str
    options: list[tuple[str, int]]  # label, votes (ballot order)
    void: int
    valid: int
    outcome: str  # in words
    result: str  # the key the board states
    quorum_met: bool
    determinative: bool
    sheet: TallySheet | None  # recomputed from the published counts; None: rule unusable
    consistent: bool  # the published outcome follows from the published counts
    # subtotals per unit (pooled, PROTOCOL 10.5): label, votes in ballot order, void
    units: list[tuple[str, list[int], int]] = field(default_factory=list)
    #: each option's share of the valid votes against the rule (results_view)
    shares: Shares | None = None
    #: per unit, each option's share of that unit's valid votes (same order as ``units``)
    unit_shares: list[Shares] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)  # why, in the page's language
    #: with paper ballots (PROTOCOL 11.11): online, paper and total rows of
    #: (channel in words, votes in ballot order, void)
    channels: list[tuple[str, list[int], int]] = field(default_factory=list)
    #: a per-unit race (contract 1): the unit whose members' ballots carry it, and how
    #: many counted ballots did (``tally.result``'s ``ballots`` for the question)
    unit: str | None = None
    ballots: int | None = None


@dataclass
class RoundView:
    round: int
    seq: int
    hash: str
    at: dict[str, str]
    eligible: int | None
    cast: int
    challenged: int
    sustained: int
    overruled: int
    undecided: int
    counted: int
    determinative: bool
    final: bool
    questions: list[QuestionSheet]
    replaced: int = 0  # revoting: earlier ballots a member's later one replaced
    paper: int | None = None  # paper ballots counted (None: the vote had no paper channel)


def number_in(value: Any) -> int:
    """A whole number of the payload (0 when it is not one)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def unit_min_size(definition: Mapping[str, Any]) -> int:
    """The definition's smallest unit with its own subtotal (the default if unusable)."""
    try:
        return subtotal_min_size(definition) or MIN_UNIT_SIZE
    except SubtotalsError:
        return MIN_UNIT_SIZE


def _unit_parts(
    result: Mapping[str, Any], qid: object, order: list[str]
) -> dict[str, Counts] | None:
    """One question's published subtotals per pooled unit, as counts in ballot order."""
    units = result.get("units")
    if not isinstance(units, list) or not units:
        return None
    parts: dict[str, Counts] = {}
    for u in units:
        if not isinstance(u, dict):
            return None
        for q in u.get("questions") or []:
            if isinstance(q, dict) and q.get("id") == qid and isinstance(q.get("counts"), dict):
                raw = q["counts"]
                try:
                    parts[str(u.get("unit", ""))] = Counts(
                        {k: number_in(raw.get(k)) for k in order}, number_in(q.get("blank"))
                    )
                except RuleError:
                    return None
    return parts or None


def _rule_for(rule: OutcomeRule | None, question: object) -> OutcomeRule | None:
    """``rule`` as it decides ``question`` (None: no rule, or none for this question)."""
    if rule is None or not isinstance(question, str):
        return None
    try:
        return rule.for_question(question)
    except RuleError:
        return None


def _marks(spec: Mapping[str, Any]) -> tuple[int, int] | None:
    """The question's (min, max) marks, if the definition states them usably."""
    low, high = spec.get("min"), spec.get("max")
    if isinstance(low, int) and isinstance(high, int) and 0 <= low <= high and high >= 1:
        return (low, high)
    return None


def _recomputed(sheet: TallySheet | None, consistent: bool) -> list[Reason] | None:
    """The rule's reasons for what the board states (and the challenges'), as codes."""
    if sheet is None or not consistent:
        return None
    return [*sheet.outcome.reasons, *([sheet.determinative_reason] if sheet.undecided else [])]


def round_view(entry: Posted, facts: BoardFacts, language: str, *, final: bool) -> RoundView:
    """One ``tally.result`` as a tally sheet per question, in ``language``."""
    _ = translations(language).gettext
    r = entry.payload["result"]
    definition = facts.definition or {}
    rule = rule_of(definition)
    specs = {q.get("id"): q for q in definition.get("questions") or [] if isinstance(q, dict)}
    eligible = facts.eligible if facts.eligible is not None else r.get("eligible")
    sustained, overruled = number_in(r.get("sustained")), number_in(r.get("overruled"))
    challenged = number_in(r.get("challenged"))
    # A v2 result measures turnout in ballots counted (PROTOCOL 15.3).
    ballots = number_in(r.get("counted")) if r.get("format") == RESULT_FORMATS[2] else None
    questions = []
    for q in r.get("questions") or []:
        if not isinstance(q, dict):
            continue
        spec = specs.get(q.get("id"), {})
        # The rule as it decides this question (its own approving option, PROTOCOL 15.1).
        question_rule = _rule_for(rule, q.get("id"))
        labels = {
            o.get("id"): text_in(o.get("text") or o.get("label"), language)
            for o in spec.get("options") or []
            if isinstance(o, dict)
        }
        # Ballot order comes from the definition: the board's JSON is canonical (RFC 8785),
        # which sorts the keys of the counts object, and ballot order decides display,
        # ranking ties and the runoff key.
        raw = q.get("counts")
        recorded_counts = {
            str(k): number_in(v) for k, v in (raw if isinstance(raw, dict) else {}).items()
        }
        order = [str(i) for i in labels if str(i) in recorded_counts]
        order += [k for k in recorded_counts if k not in order]
        counts = {k: recorded_counts[k] for k in order}
        void = number_in(q.get("blank"))
        outcome = q.get("outcome")
        recorded: dict[str, Any] = outcome if isinstance(outcome, dict) else {}
        result = str(recorded.get("result", ""))
        sheet: TallySheet | None = None
        parts = _unit_parts(r, q.get("id"), order)
        if question_rule is not None and counts:
            try:
                sheet = build_tally_sheet(
                    question_rule,
                    Counts(counts, void, eligible, ballots, _marks(spec)),
                    challenged,
                    sustained=sustained,
                    overruled=overruled,
                    units=parts,
                    min_unit_size=unit_min_size(definition),
                )
            except (RuleError, ValueError):
                sheet = None
        consistent = (
            sheet is not None
            and sheet.outcome.result == result
            and sheet.valid == number_in(q.get("valid"))
        )

        def label(option: str, labels: dict[Any, str] = labels) -> str:
            return labels.get(option) or option

        shown_units = [
            u
            for u in (sheet.units if sheet is not None else ())
            if not u.suppressed and u.votes is not None
        ]
        questions.append(
            QuestionSheet(
                text=text_in(spec.get("text"), language) or str(q.get("id", "")),
                options=[(label(k), v) for k, v in counts.items()],
                void=void,
                valid=number_in(q.get("valid")),
                outcome=outcome_words(result, label, _),
                result=result,
                quorum_met=bool(recorded.get("quorum_met", True)),
                determinative=sheet.determinative if sheet is not None else False,
                sheet=sheet,
                consistent=consistent,
                units=[
                    (u.unit or _("Other units"), [(u.votes or {})[k] for k in order], u.void or 0)
                    for u in shown_units
                ],
                shares=shares(
                    question_rule,
                    [(k, label(k), v) for k, v in counts.items()],
                    void,
                    eligible if isinstance(eligible, int) else None,
                    language,
                ),
                unit_shares=[
                    shares(
                        None,
                        [(k, label(k), (u.votes or {})[k]) for k in order],
                        u.void or 0,
                        None,
                        language,
                    )
                    for u in shown_units
                ],
                reasons=published_reason_lines(
                    recorded.get("reasons"), language, label, _recomputed(sheet, consistent)
                ),
                channels=_channels(q, order, counts, void, _),
                unit=spec.get("unit") if isinstance(spec.get("unit"), str) else None,
                ballots=number_in(q["ballots"]) if "ballots" in q else None,
            )
        )
    return RoundView(
        round=round_of(entry),
        seq=entry.seq,
        hash=entry.hash,
        at=when(entry.at, language, time_zone_of(definition)),
        eligible=eligible if isinstance(eligible, int) else None,
        cast=number_in(r.get("cast")),
        challenged=challenged,
        sustained=sustained,
        overruled=overruled,
        undecided=number_in(r.get("undecided")),
        counted=number_in(r.get("counted")),
        determinative=bool(r.get("determinative")),
        final=final,
        questions=questions,
        replaced=number_in(r.get("replaced")),
        paper=number_in(r.get("paper")) if "paper" in r else None,
    )


def _channels(
    q: Mapping[str, Any], order: list[str], counts: Mapping[str, int], void: int, _: Any
) -> list[tuple[str, list[int], int]]:
    """The online and paper figures of a question and their sum, when it has both."""
    rows = []
    for key, words in (("online", _("Online and in person")), ("paper", _("Paper ballots"))):
        part = q.get(key)
        if not isinstance(part, dict) or not isinstance(part.get("counts"), dict):
            return []
        rows.append(
            (words, [number_in(part["counts"].get(k)) for k in order], number_in(part.get("blank")))
        )
    return [*rows, (_("Total"), [counts[k] for k in order], void)]
