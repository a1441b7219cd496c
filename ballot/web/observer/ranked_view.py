"""A ranked race's count as the pages show it: every round as a table, and in sentences.

Read from the published count in ``mix.result`` (PROTOCOL 17.5, 18), never recounted
here: the observer reads exactly what the record states (``ballot verify`` recounts).
The table has a column per round and a row per candidate, each cell the candidate's votes
at the end of the round with what the round's transfers added or took, and whether the
candidate was elected or excluded in it; then the votes with no further preference
(exhausted) and, under STV, the fractions lost to truncation.  Each round's events
(:mod:`ballot.election.ranked.events`) say the same in the reader's language, ties and how
they were broken included.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ballot.election.ranked import RankedCount, RankedError, Round, round_events
from ballot.election.ranked.event_words import event_sentences
from ballot.election.ranked.published import read_count
from ballot.election.reason_words import Phrase, ngettext
from ballot.i18n import translations
from ballot.web.ballot_page import text_in
from ballot.web.observer.board_facts import BoardFacts
from ballot.web.results_view import fixed_votes, names, whole

__all__ = ["Cell", "RaceView", "RoundColumn", "race_views", "ranked_specs"]

# fmt: off
_STV = ngettext(
    "Ranked: single transferable vote (Scottish rules) for %(num)s seat.",
    "Ranked: single transferable vote (Scottish rules) for %(num)s seats.",
    "num"
)
# fmt: on


@dataclass(frozen=True)
class Cell:
    """One candidate in one round: votes, the change the round made, and its fate."""

    votes: str
    change: str  # "+12", "−8.00000", "" (round 1, or nothing moved)
    state: str  # "elected" or "excluded" in this round, "" otherwise


@dataclass(frozen=True)
class RoundColumn:
    number: int
    action: str  # "First preferences", "Surplus of Ana", "Ben excluded"
    tie: str  # "Tie broken by lot", "" when nobody was level
    events: list[str]


@dataclass
class RaceView:
    """One ranked race, ready for the page and the tally sheet (``problem``: unreadable)."""

    id: str
    text: str
    unit: str | None
    method: str
    head: list[str] = field(default_factory=list)  # before round 1: ballots, quota
    rounds: list[RoundColumn] = field(default_factory=list)
    rows: list[tuple[str, list[Cell]]] = field(default_factory=list)
    exhausted: list[Cell] = field(default_factory=list)
    loss: list[Cell] | None = None  # STV only
    elected: str = ""
    ballots: int = 0
    problem: str = ""


def ranked_specs(definition: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    """The definition's ranked races, in definition order."""
    questions = (definition or {}).get("questions")
    if not isinstance(questions, list):
        return []
    return [q for q in questions if isinstance(q, Mapping) and q.get("ranked") is True]


def method_words(spec: Mapping[str, Any], language: str) -> str:
    """How a race is counted, in one sentence."""
    catalogue = translations(language)
    seats = spec.get("seats")
    if spec.get("method") == "scottish_stv" and isinstance(seats, int):
        singular, plural, _n = _STV
        return Phrase(singular, plural, seats, {"num": whole(seats, language)}).say(
            catalogue.gettext, catalogue.ngettext
        )
    return catalogue.gettext("Ranked: instant runoff for one seat.")


def _value(count: RankedCount, units: int, language: str) -> str:
    published = count.value(units)
    return (
        fixed_votes(published, language) if isinstance(published, str) else whole(units, language)
    )


def _change(count: RankedCount, before: int | None, after: int, language: str) -> str:
    if before is None or before == after:
        return ""
    sign = "+" if after > before else "\u2212"
    return sign + _value(count, abs(after - before), language)


def _action(r: Round, label: Any, _: Any) -> str:
    if r.action == "surplus" and r.source is not None:
        return str(_("Surplus of %(name)s") % {"name": label(r.source)})
    if r.action == "exclusion" and r.source is not None:
        return str(_("%(name)s excluded") % {"name": label(r.source)})
    return str(_("First preferences"))


def _tie(r: Round, _: Any) -> str:
    if r.tie is None:
        return ""
    if r.tie.by == "lot":
        return str(_("Tie broken by lot"))
    return str(_("Tie broken by an earlier round (round %(n)s)") % {"n": r.tie.round})


def _table(view: RaceView, count: RankedCount, label: Any, language: str) -> None:
    """The rows of the rounds table: a cell per candidate per round, then exhausted, loss."""
    rows: dict[str, list[Cell]] = {c: [] for c in count.candidates}
    exhausted: list[Cell] = []
    loss: list[Cell] = []
    before: Round | None = None
    for r in count.rounds:
        for c in count.candidates:
            state = "elected" if c in r.elected else ""
            if r.action == "exclusion" and r.source == c:
                state = "excluded"
            rows[c].append(
                Cell(
                    _value(count, r.counts[c], language),
                    _change(count, before.counts[c] if before else None, r.counts[c], language),
                    state,
                )
            )
        exhausted.append(
            Cell(
                _value(count, r.exhausted, language),
                _change(count, before.exhausted if before else None, r.exhausted, language),
                "",
            )
        )
        loss.append(
            Cell(
                _value(count, r.loss, language),
                _change(count, before.loss if before else None, r.loss, language),
                "",
            )
        )
        before = r
    view.rows = [(label(c), rows[c]) for c in count.candidates]
    view.exhausted = exhausted
    view.loss = loss if count.method == "scottish_stv" else None


def race_view(
    spec: Mapping[str, Any], published: Mapping[str, Any] | None, language: str
) -> RaceView:
    """One ranked race from its definition and its part of ``mix.result`` (None: not yet)."""
    catalogue = translations(language)
    _ = catalogue.gettext
    qid = str(spec.get("id", ""))
    unit = spec.get("unit")
    view = RaceView(
        id=qid,
        text=text_in(spec.get("text"), language) or qid,
        unit=unit if isinstance(unit, str) else None,
        method=method_words(spec, language),
    )
    if published is None:
        return view
    labels = {
        str(o.get("id")): text_in(o.get("text"), language)
        for o in spec.get("options") or []
        if isinstance(o, Mapping)
    }

    def label(candidate: str) -> str:
        return labels.get(candidate) or candidate

    try:
        count = read_count(published.get("count"))
        if count.race != qid or list(count.candidates) != list(labels):
            raise RankedError("the count is not this race's")
    except RankedError:
        view.problem = _(
            "The count of this race on the board cannot be read, so the election record "
            "will fail verification. Tell the election committee."
        )
        return view
    ballots = published.get("ballots")
    view.ballots = ballots if isinstance(ballots, int) else count.ballots

    def number(value: int | str) -> str:
        return fixed_votes(value, language) if isinstance(value, str) else whole(value, language)

    def join(items: Sequence[str]) -> str:
        return names(items, language)

    events = round_events(count)
    say = catalogue.gettext, catalogue.ngettext
    view.head = event_sentences(events[0], *say, label, number, join)
    view.rounds = [
        RoundColumn(
            r.number,
            _action(r, label, _),
            _tie(r, _),
            event_sentences(events[i], *say, label, number, join),
        )
        for i, r in enumerate(count.rounds, start=1)
    ]
    _table(view, count, label, language)
    elected = [label(c) for c in count.elected]
    view.elected = (
        _("Elected: %(name)s.") % {"name": names(elected, language)}
        if elected
        else _("Nobody is elected.")
    )
    return view


def race_views(facts: BoardFacts, language: str) -> list[RaceView]:
    """Every ranked race of the definition, with its count once ``mix.result`` has it."""
    races = facts.mix_result.payload.get("races") if facts.mix_result is not None else None
    out = []
    for spec in ranked_specs(facts.definition):
        published = races.get(spec.get("id")) if isinstance(races, Mapping) else None
        if facts.mix_result is not None and not isinstance(published, Mapping):
            published = {}  # the result is out, but this race is missing from it
        out.append(race_view(spec, published, language))
    return out
