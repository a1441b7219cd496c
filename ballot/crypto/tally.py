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
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Final

from .ballots import EncryptedBallot, check_shape, layout
from .elgamal import Ciphertext
from .group import IDENTITY, Element, GroupError
from .manifest import ElectionManifest

__all__ = [
    "TALLY_FORMAT",
    "EncryptedTally",
    "OptionCounts",
    "TallyError",
    "aggregate",
    "counts_from_slots",
]

TALLY_FORMAT: Final = "ballot/encrypted-tally/v1"

#: Ballots summed per Element.sum call; bounds the memory of a streamed tally.
_CHUNK: Final = 8192


class TallyError(ValueError):
    """An encrypted tally, or a set of decrypted slot counts, is inconsistent."""


@dataclass(frozen=True, slots=True)
class EncryptedTally:
    """Per question, per slot, the sum of the ciphertexts of all counted ballots."""

    ballots: int
    questions: tuple[tuple[Ciphertext, ...], ...]

    def to_json(self) -> dict[str, object]:
        return {
            "format": TALLY_FORMAT,
            "ballots": self.ballots,
            "questions": [{"slots": [ct.to_json() for ct in q]} for q in self.questions],
        }

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
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise TallyError("'ballots' must be a non-negative integer")
        raw = obj["questions"]
        if not isinstance(raw, list) or not raw:
            raise TallyError("'questions' must be a non-empty list")
        questions = []
        for qi, q in enumerate(raw):
            if not isinstance(q, dict) or set(q) != {"slots"} or not isinstance(q["slots"], list):
                raise TallyError(f"question {qi}: must be an object with exactly 'slots' (a list)")
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
        tally = cls(n, tuple(questions))
        if manifest is not None:
            tally.check_shape(manifest)
        return tally

    def check_shape(self, manifest: ElectionManifest) -> None:
        if len(self.questions) != len(manifest.questions):
            raise TallyError("the tally does not have one entry per question")
        for qi, (spec, slots) in enumerate(zip(manifest.questions, self.questions, strict=True)):
            expected = layout(spec).slot_count
            if len(slots) != expected:
                raise TallyError(
                    f"question {qi}: {len(slots)} slots in the tally, expected {expected}"
                )


def aggregate(manifest: ElectionManifest, ballots: Iterable[EncryptedBallot]) -> EncryptedTally:
    """Sum the ballots slot-wise (ballots must already be verified when cast).

    Streams: ballots are gathered in chunks of ``_CHUNK``, each slot column is
    summed with :meth:`Element.sum` (one libsodium call per point, no
    intermediate objects), and the running totals are folded in.  The cost
    is one point addition per ciphertext component; the structure of each
    ballot is checked against the manifest so a malformed one cannot shift
    counts between slots.
    """
    widths = [layout(q).slot_count for q in manifest.questions]
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

    single = total_slots == 1
    for ballot in ballots:
        if single:
            # The common case (one yes/no question): no shape loop needed beyond this.
            qs = ballot.questions
            if len(qs) != 1 or len(qs[0].slots) != 1:
                check_shape(manifest, ballot)
            ct = qs[0].slots[0].ciphertext
            col_a[0].append(ct.alpha)
            col_b[0].append(ct.beta)
        else:
            check_shape(manifest, ballot)
            k = 0
            for q in ballot.questions:
                for slot in q.slots:
                    col_a[k].append(slot.ciphertext.alpha)
                    col_b[k].append(slot.ciphertext.beta)
                    k += 1
        count += 1
        pending += 1
        if pending == _CHUNK:
            flush()
            pending = 0
    flush()

    questions = []
    k = 0
    for width in widths:
        questions.append(tuple(Ciphertext(alphas[k + i], betas[k + i]) for i in range(width)))
        k += width
    return EncryptedTally(count, tuple(questions))


@dataclass(frozen=True, slots=True)
class OptionCounts:
    """Votes per option (in ballot order) and blank (void) submissions."""

    options: tuple[int, ...]
    blank: int


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
    if len(slot_counts) != lay.slot_count:
        raise TallyError(f"{where}: {len(slot_counts)} slot counts, expected {lay.slot_count}")
    if ballots < 0 or any(c < 0 or c > ballots for c in slot_counts):
        raise TallyError(f"{where}: every slot count must lie between 0 and the ballot count")
    option_slots = tuple(slot_counts[: lay.option_slots])
    selected = sum(option_slots)
    if lay.kind == "choose-one":
        implied = ballots - selected
        if implied < 0:
            raise TallyError(f"{where}: more selections than ballots")
        return OptionCounts((*option_slots, implied), 0)
    if lay.kind == "at-most-one":
        if selected > ballots:
            raise TallyError(f"{where}: more selections than ballots")
        return OptionCounts(option_slots, ballots - selected)
    if lay.kind == "multi-with-blank":
        blank = slot_counts[-1]
        voting = ballots - blank
        if not voting <= selected <= voting * question.max:
            raise TallyError(f"{where}: option counts do not fit {voting} non-blank ballots")
        return OptionCounts(option_slots, blank)
    if not ballots * question.min <= selected <= ballots * question.max:
        raise TallyError(f"{where}: option counts do not fit {ballots} ballots")
    return OptionCounts(option_slots, 0)
