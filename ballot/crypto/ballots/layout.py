"""Format tags, the ballot's errors, and how a question's selection becomes slots
(the slot layout and its count-proof range)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from ..elgamal import Ciphertext
from ..group import Scalar
from ..manifest import ElectionManifest, QuestionSpec
from ..proofs import ProofError

BALLOT_FORMAT: Final = "ballot/encrypted-ballot/v1"
AUDIT_FORMAT: Final = "ballot/audited-ballot/v1"

_HEX64 = re.compile(r"[0-9a-f]{64}")


class BallotError(ValueError):
    """A ballot (or a selection, or an audit) is malformed or invalid; the message says where."""


class BallotProofError(BallotError, ProofError):
    """A proof inside a ballot fails.  Both a BallotError and a ProofError, so
    callers may catch either; the message names the question and slot."""


@dataclass(frozen=True, slots=True)
class SlotLayout:
    """How one question is encoded: the rows of the table in the module docstring."""

    kind: str  # "choose-one" | "at-most-one" | "multi-with-blank" | "bounded" | "ranked"
    option_slots: int  # how many options have their own 0/1 slot (0 in a ranked race)
    has_blank_slot: bool
    count_lo: int
    count_hi: int
    blank_weight: int  # weight of the blank slot in the count ciphertext (0 if none)
    has_count_proof: bool
    #: Ranked race: one slot per rank (w = max), each encrypting 0 or a candidate index + 1.
    rank_slots: int = 0
    #: Every slot's range proof is [0, slot_max]: 1 in a choose question, n in a ranked race.
    slot_max: int = 1

    @property
    def slot_count(self) -> int:
        return self.option_slots + int(self.has_blank_slot) + self.rank_slots


def layout(question: QuestionSpec) -> SlotLayout:
    """The slot layout of a question (pure function of ranked, n, min and max)."""
    n, lo, hi = question.option_count, question.min, question.max
    if question.ranked:
        # Never summed (counted after the mix-net), so no count proof: the range proof of
        # each rank is all the ballot proves (PROTOCOL 8.1).
        return SlotLayout("ranked", 0, False, 0, 0, 0, False, rank_slots=hi, slot_max=n)
    if lo == hi == 1:
        return SlotLayout("choose-one", n - 1, False, 0, 1, 0, n - 1 >= 2)
    if lo == 0 and hi == 1:
        return SlotLayout("at-most-one", n, False, 0, 1, 0, n >= 2)
    if lo == 0:
        return SlotLayout("multi-with-blank", n, True, 1, hi, hi, True)
    return SlotLayout("bounded", n, False, lo, hi, 0, True)


def validate_selection(question: QuestionSpec, selected: Sequence[int], where: str) -> None:
    """Refuse anything that is not a valid vote: over-voting is made impossible here first.

    A choose question's selection is a set of option indices (order ignored); a ranked
    race's is the ranking, most preferred candidate first: distinct candidate indices, at
    most ``max`` of them (an empty ranking is a blank).
    """
    if question.ranked:
        _validate_ranking(question, selected, where)
        return
    if isinstance(selected, str | bytes):
        raise BallotError(f"{where}: the selection must be a list of option indices")
    seen: set[int] = set()
    for index in selected:
        if not isinstance(index, int) or isinstance(index, bool):
            raise BallotError(f"{where}: option indices must be integers")
        if not 0 <= index < question.option_count:
            raise BallotError(f"{where}: there is no option {index}")
        if index in seen:
            raise BallotError(f"{where}: option {index} is selected twice")
        seen.add(index)
    if len(seen) > question.max:
        raise BallotError(f"{where}: at most {question.max} option(s) may be selected")
    if len(seen) < question.min:
        raise BallotError(f"{where}: at least {question.min} option(s) must be selected")


def _validate_ranking(question: QuestionSpec, ranking: Sequence[int], where: str) -> None:
    if isinstance(ranking, str | bytes):
        raise BallotError(f"{where}: the ranking must be a list of candidate indices")
    seen: set[int] = set()
    for rank, index in enumerate(ranking, start=1):
        if not isinstance(index, int) or isinstance(index, bool):
            raise BallotError(f"{where}: candidate indices must be integers")
        if not 0 <= index < question.option_count:
            raise BallotError(f"{where}: there is no candidate {index} (rank {rank})")
        if index in seen:
            raise BallotError(f"{where}: candidate {index} is ranked twice")
        seen.add(index)
    if len(seen) > question.max:
        raise BallotError(f"{where}: at most {question.max} candidate(s) may be ranked")


def _plaintexts(question: QuestionSpec, lay: SlotLayout, selected: Sequence[int]) -> list[int]:
    if lay.kind == "ranked":
        # rank s holds candidate i as i + 1; the ranks after the last choice hold 0
        return [index + 1 for index in selected] + [0] * (lay.rank_slots - len(selected))
    chosen = set(selected)
    values = [int(i in chosen) for i in range(lay.option_slots)]
    if lay.has_blank_slot:
        values.append(int(not chosen))
    return values


def _count_plaintext(lay: SlotLayout, values: Sequence[int]) -> int:
    total = sum(values[: lay.option_slots])
    if lay.has_blank_slot:
        total += lay.blank_weight * values[-1]
    return total


def _count_ciphertext(lay: SlotLayout, cts: Sequence[Ciphertext]) -> Ciphertext:
    """sum(option slots) + weight * blank, computed homomorphically."""
    total = cts[0]
    for ct in cts[1 : lay.option_slots]:
        total = total + ct
    if lay.has_blank_slot:
        total = total + cts[-1].scale(Scalar(lay.blank_weight))
    return total


def _where(manifest: ElectionManifest, qi: int, si: int | None = None) -> str:
    """The place in an error: ``qi`` is the question's definition index (also on a
    ballot that carries only some questions), ``si`` the slot within it."""
    q = manifest.questions[qi]
    text = f"question {qi} ('{q.id}')"
    if si is None:
        return text
    lay = layout(q)
    if lay.kind == "ranked":
        name = f"rank {si + 1}"
    else:
        name = "blank" if si >= lay.option_slots else f"option '{q.option_ids[si]}'"
    return f"{text}, slot {si} ({name})"


def _on_ballot(manifest: ElectionManifest, unit: str | None) -> tuple[int, ...]:
    """The definition indices of the questions on a ballot of ``unit`` (see the package
    docstring); a ballot always carries at least one question."""
    indices = manifest.on_ballot(unit)
    if not indices:
        shown = f"unit '{unit}'" if unit else "no unit"
        raise BallotError(f"a ballot of {shown} carries no question of this election")
    return indices
