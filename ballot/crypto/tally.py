"""The homomorphic tally: sum the cast ballots slot by slot, then turn slot counts
into option counts.

Only the aggregate is ever decrypted (by the trustees, elsewhere), so no
single ballot is opened.  The slot layout (``ballots.layout``) decides how the
decrypted slot sums become option counts:

* choose exactly one: the last option is implied, count = ballots - sum(slots);
* min = 0, max = 1: blank = ballots - sum(option slots);
* min = 0, max >= 2: blank = the blank slot's sum;
* min >= 1: no blank is possible.

A blank submission counts as void in union practice, so it is reported
separately and never as a vote for anything.

Races (PROTOCOL 10.1): a ranked race is never summed (its ballots are counted after the
mix-net), so its tally entry has no slot; a per-unit race is summed over the ballots
that carry it, and its entry says how many those are (n_q, which then stands for
"ballots" in the rules above).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Final

from .ballots import EncryptedBallot, check_shape, layout
from .elgamal import Ciphertext
from .group import IDENTITY, Element, GroupError
from .manifest import ElectionManifest, QuestionSpec

__all__ = [
    "TALLY_FORMAT",
    "EncryptedTally",
    "OptionCounts",
    "TallyError",
    "aggregate",
    "aggregate_units",
    "counts_from_slots",
    "decrypted_counts",
    "has_own_count",
    "tally_width",
]

TALLY_FORMAT: Final = "ballot/encrypted-tally/v1"

#: Ballots summed per Element.sum call; bounds the memory of a streamed tally.
_CHUNK: Final = 8192


class TallyError(ValueError):
    """An encrypted tally, or a set of decrypted slot counts, is inconsistent."""


def tally_width(question: QuestionSpec) -> int:
    """How many ciphertexts a question has in the tally: its slots, none for a ranked race."""
    return 0 if question.ranked else layout(question).slot_count


def has_own_count(question: QuestionSpec) -> bool:
    """Whether the question's tally entry carries its own ballot count n_q: a per-unit
    choose question (a ranked race has no count here; every other question is on every
    ballot, so its n_q is the tally's ``ballots``)."""
    return question.unit is not None and not question.ranked


@dataclass(frozen=True, slots=True)
class EncryptedTally:
    """Per question, per slot, the sum of the ciphertexts of the counted ballots that
    carry the question; a ranked race has no slot."""

    ballots: int
    questions: tuple[tuple[Ciphertext, ...], ...]
    #: Per question, n_q for a per-unit choose question (:func:`has_own_count`), None for
    #: every other; empty when no question has its own count.
    question_ballots: tuple[int | None, ...] = ()

    def ballots_of(self, question_index: int) -> int:
        """n_q: the counted ballots that carry the question (PROTOCOL 10.1)."""
        if self.question_ballots:
            own = self.question_ballots[question_index]
            if own is not None:
                return own
        return self.ballots

    def __add__(self, other: EncryptedTally) -> EncryptedTally:
        """The homomorphic sum of two tallies of one election (ballots added too)."""
        if len(self.questions) != len(other.questions):
            raise TallyError("only tallies of the same election can be added")
        mine = self.question_ballots or (None,) * len(self.questions)
        theirs = other.question_ballots or (None,) * len(other.questions)
        own: tuple[int | None, ...] = tuple(
            None if a is None and b is None else (a or 0) + (b or 0)
            for a, b in zip(mine, theirs, strict=True)
        )
        return EncryptedTally(
            self.ballots + other.ballots,
            tuple(
                tuple(x + y for x, y in zip(qa, qb, strict=True))
                for qa, qb in zip(self.questions, other.questions, strict=True)
            ),
            own if any(n is not None for n in own) else (),
        )

    def to_json(self) -> dict[str, object]:
        questions: list[dict[str, object]] = []
        for qi, slots in enumerate(self.questions):
            entry: dict[str, object] = {"slots": [ct.to_json() for ct in slots]}
            if self.question_ballots and self.question_ballots[qi] is not None:
                entry["ballots"] = self.question_ballots[qi]
            questions.append(entry)
        return {"format": TALLY_FORMAT, "ballots": self.ballots, "questions": questions}

    @classmethod
    def from_json(cls, obj: object, manifest: ElectionManifest | None = None) -> EncryptedTally:
        """Strict parse; the identity is allowed (a slot nobody selected sums to it
        only if no ballot was cast at all, but zero ballots is a legitimate tally).
        With a manifest, the shape is checked against it too."""
        if not isinstance(obj, dict) or set(obj) != {"format", "ballots", "questions"}:
            raise TallyError("a tally is an object with keys 'format', 'ballots', 'questions'")
        if obj["format"] != TALLY_FORMAT:
            raise TallyError(f"the tally format must be '{TALLY_FORMAT}'")
        n = obj["ballots"]
        if not _whole(n):
            raise TallyError("'ballots' must be a non-negative integer")
        raw = obj["questions"]
        if not isinstance(raw, list) or not raw:
            raise TallyError("'questions' must be a non-empty list")
        questions = []
        own: list[int | None] = []
        for qi, q in enumerate(raw):
            if (
                not isinstance(q, dict)
                or set(q) not in ({"slots"}, {"slots", "ballots"})
                or not isinstance(q["slots"], list)
            ):
                raise TallyError(
                    f"question {qi}: must be an object with 'slots' (a list) and, for a "
                    "per-unit race, 'ballots'"
                )
            if "ballots" in q and not (_whole(q["ballots"]) and q["ballots"] <= n):
                raise TallyError(
                    f"question {qi}: 'ballots' must be a whole number of at most the tally's {n}"
                )
            own.append(q.get("ballots"))
            slots = []
            for si, ct in enumerate(q["slots"]):
                if isinstance(ct, dict) and any(
                    isinstance(v, str) and v != v.lower() for v in ct.values()
                ):
                    raise TallyError(f"question {qi}, slot {si}: hex must be lowercase")
                try:
                    slots.append(Ciphertext.from_json(ct, allow_identity=True))
                except GroupError as exc:
                    raise TallyError(f"question {qi}, slot {si}: {exc}") from exc
            questions.append(tuple(slots))
        tally = cls(n, tuple(questions), tuple(own) if any(x is not None for x in own) else ())
        if manifest is not None:
            tally.check_shape(manifest)
        return tally

    def check_shape(self, manifest: ElectionManifest) -> None:
        if len(self.questions) != len(manifest.questions):
            raise TallyError("the tally does not have one entry per question")
        own = self.question_ballots or (None,) * len(self.questions)
        if len(own) != len(self.questions):
            raise TallyError("the tally does not have one ballot count per question")
        for qi, (spec, slots) in enumerate(zip(manifest.questions, self.questions, strict=True)):
            expected = tally_width(spec)
            if len(slots) != expected:
                raise TallyError(
                    f"question {qi}: {len(slots)} slots in the tally, expected {expected}"
                    + (" (a ranked race is never summed)" if spec.ranked else "")
                )
            if has_own_count(spec) != (own[qi] is not None):
                raise TallyError(
                    f"question {qi}: "
                    + (
                        "a per-unit race's entry says how many ballots carry it ('ballots')"
                        if has_own_count(spec)
                        else "only a per-unit race's entry has its own 'ballots'"
                    )
                )


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def aggregate(
    manifest: ElectionManifest, ballots: Iterable[EncryptedBallot], *, unit: str | None = None
) -> EncryptedTally:
    """Sum ballots of one layout, that of a member of ``unit`` (ballots must already be
    verified when cast).

    Streams: ballots are gathered in chunks of ``_CHUNK``, each slot column is
    summed with :meth:`Element.sum` (one libsodium call per point, no
    intermediate objects), and the running totals are folded in.  The cost
    is one point addition per ciphertext component; the structure of each
    ballot is checked against the manifest so a malformed one cannot shift
    counts between slots.  A ranked race's slots are never added.
    """
    widths = [tally_width(q) for q in manifest.questions]
    offsets = [sum(widths[:qi]) for qi in range(len(widths))]
    carried = manifest.on_ballot(unit)
    # (position on the ballot, first tally slot) of each carried question that is summed
    summed = [(j, offsets[qi]) for j, qi in enumerate(carried) if widths[qi]]
    total_slots = sum(widths)
    alphas: list[Element] = [IDENTITY] * total_slots
    betas: list[Element] = [IDENTITY] * total_slots
    count = 0
    col_a: list[list[Element]] = [[] for _ in range(total_slots)]
    col_b: list[list[Element]] = [[] for _ in range(total_slots)]
    pending = 0

    def flush() -> None:
        for k in range(total_slots):
            alphas[k] = Element.sum(chain((alphas[k],), col_a[k]))
            betas[k] = Element.sum(chain((betas[k],), col_b[k]))
            col_a[k].clear()
            col_b[k].clear()

    single = total_slots == 1 and len(carried) == 1 and len(summed) == 1
    for ballot in ballots:
        if single:
            # The common case (one yes/no question): no shape loop needed beyond this.
            qs = ballot.questions
            if len(qs) != 1 or len(qs[0].slots) != 1:
                check_shape(manifest, ballot, unit=unit)
            ct = qs[0].slots[0].ciphertext
            col_a[0].append(ct.alpha)
            col_b[0].append(ct.beta)
        else:
            check_shape(manifest, ballot, unit=unit)
            for j, k in summed:
                for i, slot in enumerate(ballot.questions[j].slots):
                    col_a[k + i].append(slot.ciphertext.alpha)
                    col_b[k + i].append(slot.ciphertext.beta)
        count += 1
        pending += 1
        if pending == _CHUNK:
            flush()
            pending = 0
    flush()

    questions = tuple(
        tuple(Ciphertext(alphas[k + i], betas[k + i]) for i in range(width))
        for k, width in zip(offsets, widths, strict=True)
    )
    own: tuple[int | None, ...] = ()
    if any(has_own_count(q) for q in manifest.questions):
        on = set(carried)
        own = tuple(
            (count if qi in on else 0) if has_own_count(q) else None
            for qi, q in enumerate(manifest.questions)
        )
    return EncryptedTally(count, questions, own)


def aggregate_units(
    manifest: ElectionManifest, ballots: Iterable[tuple[str | None, EncryptedBallot]]
) -> EncryptedTally:
    """Sum ballots that each name their member's unit (the ``unit`` of their board entry):
    each is read with its unit's layout, and each question summed over the ballots that
    carry it.  Without per-unit races every ballot has one layout and this is
    :func:`aggregate`."""
    if not manifest.has_units:
        return aggregate(manifest, (ballot for _unit, ballot in ballots))
    groups: dict[str, list[EncryptedBallot]] = {}
    for unit, ballot in ballots:
        groups.setdefault(unit or "", []).append(ballot)
    total = aggregate(manifest, [], unit="")
    for unit in sorted(groups):
        total = total + aggregate(manifest, groups[unit], unit=unit)
    return total


@dataclass(frozen=True, slots=True)
class OptionCounts:
    """Votes per option (in ballot order) and blank (void) submissions."""

    options: tuple[int, ...]
    blank: int
    #: n_q, the ballots that carried a per-unit race (PROTOCOL 10.1); None for a question
    #: on every ballot (its counts are out of the tally's ballots).
    ballots: int | None = None


def counts_from_slots(
    manifest: ElectionManifest, question_index: int, slot_counts: Sequence[int], ballots: int
) -> OptionCounts:
    """Apply the implied-option and blank rules to decrypted slot sums.

    Raises TallyError when the numbers cannot come from ``ballots`` valid
    ballots (a decryption or aggregation fault, never a voter's doing since
    every cast ballot carried proofs).
    """
    question = manifest.questions[question_index]
    lay = layout(question)
    where = f"question {question_index} ('{question.id}')"
    if question.ranked:
        raise TallyError(f"{where}: a ranked race is not counted from the tally")
    if len(slot_counts) != lay.slot_count:
        raise TallyError(f"{where}: {len(slot_counts)} slot counts, expected {lay.slot_count}")
    if ballots < 0 or any(c < 0 or c > ballots for c in slot_counts):
        raise TallyError(f"{where}: every slot count must lie between 0 and the ballot count")
    own = ballots if has_own_count(question) else None
    option_slots = tuple(slot_counts[: lay.option_slots])
    selected = sum(option_slots)
    if lay.kind == "choose-one":
        implied = ballots - selected
        if implied < 0:
            raise TallyError(f"{where}: more selections than ballots")
        return OptionCounts((*option_slots, implied), 0, own)
    if lay.kind == "at-most-one":
        if selected > ballots:
            raise TallyError(f"{where}: more selections than ballots")
        return OptionCounts(option_slots, ballots - selected, own)
    if lay.kind == "multi-with-blank":
        blank = slot_counts[-1]
        voting = ballots - blank
        if not voting <= selected <= voting * question.max:
            raise TallyError(f"{where}: option counts do not fit {voting} non-blank ballots")
        return OptionCounts(option_slots, blank, own)
    if not ballots * question.min <= selected <= ballots * question.max:
        raise TallyError(f"{where}: option counts do not fit {ballots} ballots")
    return OptionCounts(option_slots, 0, own)


def decrypted_counts(
    manifest: ElectionManifest,
    tally: EncryptedTally,
    slots: Mapping[str, int],
    label: Callable[[int, int], str],
) -> list[OptionCounts | None]:
    """Every question's counts from the decrypted slot sums (``slots[label(q, s)]``), each
    with its own n_q; None for a ranked race (counted after the mix-net).  Raises
    TallyError as :func:`counts_from_slots` does."""
    out: list[OptionCounts | None] = []
    for qi, ciphertexts in enumerate(tally.questions):
        if manifest.questions[qi].ranked:
            out.append(None)
            continue
        values = [slots[label(qi, si)] for si in range(len(ciphertexts))]
        out.append(counts_from_slots(manifest, qi, values, tally.ballots_of(qi)))
    return out
