"""Paper ballots counted by hand: what a count of one pool of envelopes may say (PROTOCOL 11.11).

A hand count gives, per question, the votes for each option and the ballots left blank
(or spoiled: void, as a blank online ballot is).  The same rule judges a count when two
committee members enter it (the service refuses one that could not come from the
envelopes opened) and when the verifier reads a ``paper.count`` entry, so the figures the
committee may post and the figures a record may hold are the same.  Pure: numbers in,
a sentence out when they cannot add up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ballot.crypto.manifest import ElectionManifest, QuestionSpec
from ballot.crypto.tally import OptionCounts


class PaperCountError(ValueError):
    """A hand count that cannot come from the envelopes it says it counted (why, in English)."""


@dataclass(frozen=True)
class PaperTotals:
    """The paper ballots of a vote: how many were counted, and per question the option
    counts (in ballot order) and the blank or spoiled ones, summed over every pool."""

    ballots: int
    questions: tuple[OptionCounts, ...]


def _whole(value: object) -> bool:
    return type(value) is int and value >= 0


def check_question(spec: QuestionSpec, counts: object, blank: object, ballots: int) -> None:
    """One question of a hand count of ``ballots`` envelopes: every option counted (its
    ids exactly), whole numbers, and marks the ballots could hold: with m = ballots - blank
    marked ballots, each marked with between max(min, 1) and max options, the counts add
    up to between m*max(min, 1) and m*max, and no option has more than m."""
    where = f"question {spec.id!r}"
    if not isinstance(counts, Mapping) or set(counts) != set(spec.option_ids):
        raise PaperCountError(f"{where}: the counts must name exactly its options")
    if not all(_whole(counts[o]) for o in spec.option_ids) or not _whole(blank):
        raise PaperCountError(f"{where}: counts and blank must be whole numbers")
    assert isinstance(blank, int)
    if blank > ballots:
        raise PaperCountError(
            f"{where}: {blank} blank ballots, but only {ballots} envelopes were counted"
        )
    marked = ballots - blank
    total = sum(counts[o] for o in spec.option_ids)
    low, high = marked * max(spec.min, 1), marked * spec.max
    if spec.max == 1 and total != marked:
        raise PaperCountError(
            f"{where}: {total} votes and {blank} blank add up to {total + blank}, but "
            f"{ballots} envelopes were counted (one mark or a blank per ballot)"
        )
    if not low <= total <= high:
        raise PaperCountError(
            f"{where}: {marked} marked ballots hold {low} to {high} marks, the counts add up "
            f"to {total}"
        )
    over = [o for o in spec.option_ids if counts[o] > marked]
    if over:
        raise PaperCountError(
            f"{where}: option {over[0]!r} has {counts[over[0]]} votes from {marked} marked ballots"
        )


def check_questions(manifest: ElectionManifest, questions: object, ballots: int) -> None:
    """A count's ``questions`` list: one object ``{"id", "counts", "blank"}`` per question of
    the definition, in its order, each passing :func:`check_question`."""
    if not isinstance(questions, list) or len(questions) != len(manifest.questions):
        raise PaperCountError(
            f"'questions' must list the definition's {len(manifest.questions)} questions in order"
        )
    for spec, q in zip(manifest.questions, questions, strict=True):
        if not isinstance(q, dict) or set(q) != {"id", "counts", "blank"}:
            raise PaperCountError(
                f"question {spec.id!r}: must be an object with exactly ['blank', 'counts', 'id']"
            )
        if q["id"] != spec.id:
            raise PaperCountError(f"question {spec.id!r} is named {q['id']!r}")
        check_question(spec, q["counts"], q["blank"], ballots)


def option_counts(
    manifest: ElectionManifest, questions: Sequence[Mapping[str, Any]]
) -> list[OptionCounts]:
    """A checked count's questions as option counts in ballot order."""
    return [
        OptionCounts(tuple(int(q["counts"][o]) for o in spec.option_ids), int(q["blank"]))
        for spec, q in zip(manifest.questions, questions, strict=True)
    ]


def add_counts(a: Sequence[OptionCounts], b: Sequence[OptionCounts]) -> list[OptionCounts]:
    """Two counts of the same questions, added option by option."""
    return [
        OptionCounts(
            tuple(x + y for x, y in zip(p.options, q.options, strict=True)), p.blank + q.blank
        )
        for p, q in zip(a, b, strict=True)
    ]


def paper_totals(
    manifest: ElectionManifest, counts: Sequence[tuple[int, list[OptionCounts]]]
) -> PaperTotals | None:
    """The sum of every pool's hand count ((ballots, counts) pairs); None if there is none."""
    if not counts:
        return None
    ballots = sum(n for n, _ in counts)
    total = [OptionCounts((0,) * len(s.option_ids), 0) for s in manifest.questions]
    for _, c in counts:
        total = add_counts(total, c)
    return PaperTotals(ballots, tuple(total))
