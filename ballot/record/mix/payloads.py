"""The payloads of the four mix entries, built and parsed strictly (PROTOCOL 18.3-18.6).

Parsing checks shape only (exact key sets, types, the race ids of the definition); what
an entry must agree with (the previous shuffle, the ciphertexts a partial decrypts, the
recomputed count) is checked by :mod:`.chain` and :mod:`.result`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ballot.crypto.elgamal import Ciphertext
from ballot.crypto.shuffle import Item, Shuffle, ShuffleError
from ballot.crypto.threshold import PartialDecryption, ThresholdError, check_index
from ballot.record.kinds import Kind
from ballot.record.mix.races import MixError, Race

__all__ = [
    "MixCompleted",
    "MixPartial",
    "MixShuffled",
    "label",
    "labelled",
    "parse_completed",
    "parse_partial",
    "parse_result",
    "parse_shuffled",
]


def label(qid: str, item: int, rank: int) -> str:
    """The label of rank ``rank`` of item ``item`` (both 0-based) of race ``qid``'s final
    list: ``mix:<qid>/b<i>/r<j>``, read by its exact string, never parsed."""
    return f"mix:{qid}/b{item}/r{rank}"


def labelled(qid: str, items: Sequence[Item]) -> dict[str, Ciphertext]:
    """Label -> ciphertext for a race's final list, in list order (item by item, rank by
    rank): what the trustees decrypt, in the order their partials are listed."""
    return {label(qid, i, j): ct for i, item in enumerate(items) for j, ct in enumerate(item)}


def _trustee(value: object, what: str) -> int:
    try:
        return check_index(value)
    except ThresholdError as exc:
        raise MixError(f"{what}: 'trustee' is not a trustee number ({exc})") from exc


def _keys(payload: object, keys: set[str], what: str) -> Mapping[str, Any]:
    if not isinstance(payload, Mapping) or set(payload) != keys:
        raise MixError(f"{what} has exactly the keys {sorted(keys)}")
    return payload


def _races(value: object, races: Sequence[Race], what: str) -> Mapping[str, Any]:
    ids = {race.id for race in races}
    if not isinstance(value, Mapping) or set(value) != ids:
        raise MixError(f"{what}: 'races' names exactly the ranked races {sorted(ids)}")
    return value


@dataclass(frozen=True)
class MixShuffled:
    """One trustee's shuffle of every ranked race (None: the race's list is empty)."""

    trustee: int
    races: dict[str, Shuffle | None]

    def to_json(self) -> dict[str, Any]:
        return {
            "trustee": self.trustee,
            "races": {q: None if s is None else s.to_json() for q, s in self.races.items()},
        }


def parse_shuffled(payload: object, races: Sequence[Race]) -> MixShuffled:
    """A ``mix.shuffled`` payload: ``{"trustee": l, "races": {qid: Shuffle JSON | null}}``."""
    what = f"{Kind.MIX_SHUFFLED}"
    body = _keys(payload, {"trustee", "races"}, what)
    trustee = _trustee(body["trustee"], what)
    parsed: dict[str, Shuffle | None] = {}
    for race in races:
        raw = _races(body["races"], races, what)[race.id]
        try:
            parsed[race.id] = None if raw is None else Shuffle.from_json(raw)
        except ShuffleError as exc:
            raise MixError(f"{what} of trustee {trustee}: race '{race.id}': {exc}") from exc
    return MixShuffled(trustee, parsed)


@dataclass(frozen=True)
class MixCompleted:
    """The chain is complete: the shufflers in position order."""

    shufflers: tuple[int, ...]

    def to_json(self) -> dict[str, Any]:
        return {"shufflers": list(self.shufflers)}


def parse_completed(payload: object) -> MixCompleted:
    """A ``mix.completed`` payload: ``{"shufflers": [l, ...]}``, distinct trustees."""
    what = f"{Kind.MIX_COMPLETED}"
    body = _keys(payload, {"shufflers"}, what)
    raw = body["shufflers"]
    if not isinstance(raw, list) or not raw:
        raise MixError(f"{what}: 'shufflers' is a non-empty list of trustees")
    shufflers = tuple(_trustee(t, what) for t in raw)
    if len(set(shufflers)) != len(shufflers):
        raise MixError(f"{what}: a trustee is named twice in 'shufflers'")
    return MixCompleted(shufflers)


@dataclass(frozen=True)
class MixPartial:
    """One trustee's partial decryptions of every race's final list, in list order."""

    trustee: int
    races: dict[str, list[PartialDecryption]]

    def to_json(self) -> dict[str, Any]:
        return {
            "trustee": self.trustee,
            "races": {q: [p.to_json() for p in ps] for q, ps in self.races.items()},
        }


def parse_partial(payload: object, races: Sequence[Race]) -> MixPartial:
    """A ``mix.partial`` payload: ``{"trustee": l, "races": {qid: [PartialDecryption]}}``;
    every partial is the entry's trustee's."""
    what = f"{Kind.MIX_PARTIAL}"
    body = _keys(payload, {"trustee", "races"}, what)
    trustee = _trustee(body["trustee"], what)
    parsed: dict[str, list[PartialDecryption]] = {}
    for race in races:
        raw = _races(body["races"], races, what)[race.id]
        if not isinstance(raw, list):
            raise MixError(f"{what} of trustee {trustee}: race '{race.id}' is not a list")
        try:
            parsed[race.id] = [PartialDecryption.from_json(p) for p in raw]
        except ThresholdError as exc:
            raise MixError(f"{what} of trustee {trustee}: race '{race.id}': {exc}") from exc
        if any(p.trustee != trustee for p in parsed[race.id]):
            raise MixError(f"{what} of trustee {trustee}: race '{race.id}' holds another's work")
    return MixPartial(trustee, parsed)


Decrypted = list[list[str | None]]


def parse_result(payload: object, races: Sequence[Race]) -> dict[str, tuple[Decrypted, Any]]:
    """A ``mix.result`` payload's shape: race id -> (decrypted ballots, the count object as
    published).  The ballots are lists of candidate ids or null, each as long as the race
    has ranks; the count is compared whole with the recomputed one (:mod:`.result`)."""
    what = f"{Kind.MIX_RESULT}"
    body = _keys(payload, {"races"}, what)
    out: dict[str, tuple[Decrypted, Any]] = {}
    for race in races:
        entry = _keys(_races(body["races"], races, what)[race.id], {"ballots", "count"}, what)
        ballots = entry["ballots"]
        if not isinstance(ballots, list) or not all(
            isinstance(b, list)
            and len(b) == race.ranks
            and all(v is None or isinstance(v, str) for v in b)
            for b in ballots
        ):
            raise MixError(
                f"{what}: race '{race.id}': 'ballots' are lists of {race.ranks} candidate ids "
                "or null"
            )
        out[race.id] = (ballots, entry["count"])
    return out
