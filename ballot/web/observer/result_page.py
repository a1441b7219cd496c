"""The result page (``/board/<id>/result``, public): the tally sheet of every round,
provisional until certified.

The sheet is recomputed from the published counts with the published rule
(:func:`ballot.election.tally_sheet.build_tally_sheet`); if that disagrees with the outcome
the board states, the page says so instead of hiding it, because the record would then
fail verification.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.params import FromPath, FromQuery
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.election.context import fingerprint_display
from ballot.election.identity import time_zone_of
from ballot.election.outcome import Counts, OutcomeRule, RuleError
from ballot.election.reasons import Reason
from ballot.election.result import MIN_UNIT_SIZE, RESULT_FORMATS
from ballot.election.tally_sheet import TallySheet, build_tally_sheet
from ballot.i18n import translations
from ballot.record.kinds import Kind
from ballot.record.units import SubtotalsError, subtotal_min_size
from ballot.store.board import entries_of_kind
from ballot.web.ballot_page import identity_context, render, text_in
from ballot.web.deps import Db
from ballot.web.observer.board_facts import (
    BoardFacts,
    Posted,
    page_facts,
    round_of,
    rule_of,
)
from ballot.web.observer.words import (
    outcome_words,
    page_title,
    revoting_words,
    rule_words,
    when,
)
from ballot.web.reason_text import published_reason_lines
from ballot.web.results_view import Shares, shares, trustee_progress


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


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _min_size(definition: Mapping[str, Any]) -> int:
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
                        {k: _int(raw.get(k)) for k in order}, _int(q.get("blank"))
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
    sustained, overruled = _int(r.get("sustained")), _int(r.get("overruled"))
    challenged = _int(r.get("challenged"))
    # A v2 result measures turnout in ballots counted (PROTOCOL 15.3).
    ballots = _int(r.get("counted")) if r.get("format") == RESULT_FORMATS[2] else None
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
            str(k): _int(v) for k, v in (raw if isinstance(raw, dict) else {}).items()
        }
        order = [str(i) for i in labels if str(i) in recorded_counts]
        order += [k for k in recorded_counts if k not in order]
        counts = {k: recorded_counts[k] for k in order}
        void = _int(q.get("blank"))
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
                    min_unit_size=_min_size(definition),
                )
            except (RuleError, ValueError):
                sheet = None
        consistent = (
            sheet is not None
            and sheet.outcome.result == result
            and sheet.valid == _int(q.get("valid"))
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
                valid=_int(q.get("valid")),
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
            )
        )
    return RoundView(
        round=round_of(entry),
        seq=entry.seq,
        hash=entry.hash,
        at=when(entry.at, language, time_zone_of(definition)),
        eligible=eligible if isinstance(eligible, int) else None,
        cast=_int(r.get("cast")),
        challenged=challenged,
        sustained=sustained,
        overruled=overruled,
        undecided=_int(r.get("undecided")),
        counted=_int(r.get("counted")),
        determinative=bool(r.get("determinative")),
        final=final,
        questions=questions,
        replaced=_int(r.get("replaced")),
    )


def result_context(facts: BoardFacts, language: str) -> dict[str, Any]:
    """Everything the result page shows, from the board alone."""
    final = facts.final
    rounds = [round_view(e, facts, language, final=e is final) for e in facts.results]
    certified = facts.certified
    decided = [
        {
            "challenge": str(d.payload.get("challenge", "")),
            "decision": d.payload.get("decision"),
            "seq": d.seq,
        }
        for d in facts.decisions
    ]
    if certified is not None:
        status = "certified"
    elif final is not None:
        status = "provisional"
    elif facts.results:
        status = "challenges"  # round 1 is determinative: the challenges must be decided
    elif facts.closed is not None:
        status = "counting"
    elif facts.opened:
        status = "open"
    else:
        status = "not_open"
    _ = translations(language).gettext
    closed = facts.closed.payload if facts.closed is not None else None
    return {
        "status": status,
        "rounds": rounds,
        "final": rounds[-1] if final is not None else None,
        "certified": (
            {
                "at": when(certified.at, language, time_zone_of(facts.definition)),
                "seq": certified.seq,
                "reason": str(certified.payload.get("reason", "")),
            }
            if certified is not None
            else None
        ),
        "stray_certification": facts.certification is not None and certified is None,
        "rule": (
            rule_words(rule_of(facts.definition), _) + revoting_words(facts.definition, _)
            if facts.definition
            else []
        ),
        "eligible": facts.eligible,
        "closed": (
            {
                "cast": _int(closed.get("cast")),
                "challenged": _int(closed.get("challenged")),
                "replaced": _int(closed.get("replaced")),
            }
            if closed is not None
            else None
        ),
        "decisions": decided,
        "unit_min_size": _min_size(facts.definition or {}),
        "sustained": sum(1 for d in decided if d["decision"] == "sustained"),
        "overruled": sum(1 for d in decided if d["decision"] == "overruled"),
        "fingerprint": fingerprint_display(facts.fingerprint) if facts.fingerprint else None,
    }


async def decryption_progress(
    db: AsyncSession, election_id: str, definition: Mapping[str, Any] | None, language: str
) -> str | None:
    """ "1 of 2 trustees have decrypted", for a tally on the board still being decrypted."""
    trustees = (definition or {}).get("trustees")
    needed = trustees.get("k") if isinstance(trustees, Mapping) else None
    if not isinstance(needed, int) or isinstance(needed, bool) or needed < 1:
        return None
    rounds: set[int] = set()
    done: dict[int, set[object]] = {}
    for row in await entries_of_kind(db, election_id, (Kind.TALLY, Kind.PARTIAL, Kind.RESULT)):
        entry = Posted.from_row(row)
        number = round_of(entry)
        if entry.kind == Kind.TALLY:
            rounds.add(number)
        elif entry.kind == Kind.PARTIAL:
            done.setdefault(number, set()).add(entry.payload.get("trustee"))
        else:
            rounds.discard(number)
    if not rounds:
        return None
    pending = max(rounds)
    return trustee_progress(len(done.get(pending, ())), needed, language)


class ResultPageController(Controller):
    path = "/board/{election_id:str}"

    @get("/result", opt={"access": "public"}, cache_control=None)
    async def result(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        db: Db,
        lang: FromQuery[str | None] = None,
    ) -> Response[str]:
        """The tally sheet of every round, provisional until certified."""
        facts, offered, language = await page_facts(request, db, election_id, lang)
        context = result_context(facts, language)
        progress = None
        if context["status"] in ("counting", "challenges"):
            progress = await decryption_progress(db, election_id, facts.definition, language)
        return render(
            language,
            "observer/result.html",
            progress=progress,
            **identity_context(facts.definition, language),
            languages=offered,
            election_id=election_id,
            title=page_title(facts.definition, language, election_id),
            **context,
        )
