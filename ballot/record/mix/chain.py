"""The mix entries of a board followed in order, and the checks of each new one (PROTOCOL 18).

:func:`follow` reads the mix entries already on a board (trusting their proofs: the
service checked each before posting it, the verifier checks them with :func:`check_shuffled`
and :func:`check_partial` as it goes); :func:`check_shuffled` and :func:`check_partial`
are the checks of one more entry, shared by the service (before posting) and the verifier.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ballot.crypto.group import Element
from ballot.crypto.shuffle import Item, ShuffleError, verify_shuffle
from ballot.crypto.threshold import ThresholdError, verify_partials
from ballot.record.kinds import Kind
from ballot.record.mix.payloads import (
    MixPartial,
    MixShuffled,
    labelled,
    parse_completed,
    parse_partial,
    parse_shuffled,
)
from ballot.record.mix.races import BoardItem, MixError, MixFault, Race

__all__ = ["MixBoard", "check_partial", "check_shuffled", "follow"]


@dataclass
class MixBoard:
    """Where the mix of an election stands.

    ``current`` is each race's latest list: the input list until the first shuffle, then
    the last shuffle's output (after ``mix.completed``, the list the trustees decrypt).
    """

    races: tuple[Race, ...]
    current: dict[str, tuple[Item, ...]]
    shufflers: list[int] = field(default_factory=list)
    completed: bool = False
    partials: dict[int, MixPartial] = field(default_factory=dict)
    result: Mapping[str, Any] | None = None

    @property
    def position(self) -> int:
        """The position of the next shuffle (1-based)."""
        return len(self.shufflers) + 1


def check_shuffled(
    shuffled: MixShuffled,
    board: MixBoard,
    *,
    fingerprint: bytes,
    public_key: Element,
) -> dict[str, tuple[Item, ...]]:
    """Check one more ``mix.shuffled`` against the board (its trustee has not shuffled, the
    chain is not complete, every race's shuffle is at the next position on the current
    list, a race with an empty list has none); return the races' new lists."""
    who = f"trustee {shuffled.trustee}"
    if board.completed:
        raise MixError(f"{who}: the chain of shuffles is already complete", fault="order")
    if shuffled.trustee in board.shufflers:
        raise MixError(
            f"{who} has already shuffled (position {board.shufflers.index(shuffled.trustee) + 1})",
            fault="repeated",
        )
    position = board.position
    out: dict[str, tuple[Item, ...]] = {}
    for race in board.races:
        current = board.current[race.id]
        shuffle = shuffled.races[race.id]
        if not current:
            if shuffle is not None:
                raise MixError(f"{who}, race '{race.id}': its list is empty, so no shuffle")
            out[race.id] = ()
            continue
        if shuffle is None:
            raise MixError(f"{who}, race '{race.id}': the shuffle is missing")
        try:
            verify_shuffle(shuffle, fingerprint, position, public_key, current)
        except ShuffleError as exc:
            fault: MixFault = "stale" if exc.check in ("position", "input") else "invalid"
            raise MixError(
                f"{who}, race '{race.id}', position {position}: {exc}", fault=fault
            ) from exc
        out[race.id] = shuffle.output
    return out


def check_partial(
    partial: MixPartial,
    board: MixBoard,
    *,
    fingerprint: bytes,
    verification_key: Element,
) -> None:
    """Check one more ``mix.partial``: after ``mix.completed``, once per trustee, one partial
    per ciphertext of each race's final list in list order, every proof valid."""
    who = f"trustee {partial.trustee}"
    if not board.completed:
        raise MixError(
            f"{who}: partial decryptions come after the chain of shuffles", fault="order"
        )
    if partial.trustee in board.partials:
        raise MixError(f"{who} has already decrypted the mixed ballots", fault="repeated")
    for race in board.races:
        expected = labelled(race.id, board.current[race.id])
        given = partial.races[race.id]
        if [p.label for p in given] != list(expected):
            raise MixError(
                f"{who}, race '{race.id}': one partial per ciphertext of the final list, "
                "in list order (item by item, rank by rank)"
            )
        try:
            verify_partials(partial.trustee, given, expected, verification_key, fingerprint)
        except ThresholdError as exc:
            raise MixError(f"{who}, race '{race.id}': {exc}") from exc


def follow(
    races: Sequence[Race], inputs: Mapping[str, Sequence[Item]], entries: Iterable[BoardItem]
) -> MixBoard:
    """The mix entries of a board (any other entries are skipped), parsed in order without
    re-verifying their proofs."""
    board = MixBoard(tuple(races), {q: tuple(items) for q, items in inputs.items()})
    for entry in entries:
        if entry.kind == Kind.MIX_SHUFFLED:
            shuffled = parse_shuffled(entry.payload, races)
            for qid, shuffle in shuffled.races.items():
                board.current[qid] = () if shuffle is None else shuffle.output
            board.shufflers.append(shuffled.trustee)
        elif entry.kind == Kind.MIX_COMPLETED:
            parse_completed(entry.payload)
            board.completed = True
        elif entry.kind == Kind.MIX_PARTIAL:
            partial = parse_partial(entry.payload, races)
            board.partials[partial.trustee] = partial
        elif entry.kind == Kind.MIX_RESULT:
            board.result = entry.payload
    return board
