"""The ranked races of a definition and the lists that enter their mix (PROTOCOL 18.1-18.2).

The input list of a race is derived from the board by everyone (service, trustee tool,
verifier) and never posted: the counted ballots of the final round that carry the race,
cast ballots first, then overruled challenged ones, each in board order; each item is the
race's w rank ciphertexts of one ballot.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, Protocol

from ballot.crypto.elgamal import Ciphertext
from ballot.crypto.group import GroupError
from ballot.crypto.manifest import ElectionManifest, ManifestError
from ballot.crypto.shuffle import Item
from ballot.election.revoting import RevotingError, replaced_ballots, revoting_of
from ballot.record.kinds import Kind

__all__ = [
    "METHODS",
    "BoardItem",
    "MixError",
    "MixFault",
    "Race",
    "counted_ballots",
    "input_lists",
    "race_of",
    "ranked_races",
]

Method = Literal["instant_runoff", "scottish_stv"]
#: The counting methods of a ranked race (PROTOCOL 17), as the definition names them.
METHODS: Final[tuple[Method, ...]] = ("instant_runoff", "scottish_stv")


MixFault = Literal["invalid", "stale", "repeated", "order"]


class MixError(ValueError):
    """A mix entry, or what it is checked against, breaks PROTOCOL 18; the message names
    the race, the trustee, the position or the item.

    ``fault`` says what kind of fault it is, so that the service can answer a trustee
    usefully: ``invalid`` (malformed, a failing proof), ``stale`` (a shuffle made for an
    earlier place in the chain: another trustee's came first), ``repeated`` (the trustee
    has already done this) or ``order`` (not at this point of the mix).
    """

    def __init__(self, message: str, *, fault: MixFault = "invalid") -> None:
        super().__init__(message)
        self.fault: MixFault = fault


class BoardItem(Protocol):
    """What these functions read of a board entry (a :class:`BoardEntry` is one)."""

    @property
    def seq(self) -> int: ...

    @property
    def kind(self) -> str: ...

    @property
    def payload(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class Race:
    """A ranked race as the mix reads it: where it sits, its candidates and its rules."""

    id: str
    index: int  # the question's index in the definition
    candidates: tuple[str, ...]  # option ids, canonical order: plaintext v is candidates[v-1]
    ranks: int  # w: the ciphertexts of one ballot of the race
    method: Method
    seats: int
    unit: str | None

    def on_ballot(self, manifest: ElectionManifest, unit: str | None) -> int | None:
        """The position of this race in a ballot of ``unit``'s ``questions``, or None when
        that ballot does not carry it."""
        shown = manifest.on_ballot(unit)
        return shown.index(self.index) if self.index in shown else None


def _rules(raw: Mapping[str, Any], qid: str, n: int) -> tuple[Method, int]:
    method = raw.get("method")
    if method not in METHODS:
        raise MixError(f"race '{qid}': method must be one of {list(METHODS)}, not {method!r}")
    seats = raw.get("seats", 1)
    if type(seats) is not int or seats < 1 or (method == "instant_runoff" and seats != 1):
        raise MixError(f"race '{qid}': {seats!r} seats is not possible with {method}")
    if method == "scottish_stv" and seats >= n:
        raise MixError(f"race '{qid}': Scottish STV needs fewer seats than its {n} candidates")
    return method, seats


def ranked_races(definition: Mapping[str, Any]) -> tuple[Race, ...]:
    """Every ranked race of the definition, in definition order (empty: no mix-net)."""
    try:
        manifest = ElectionManifest.from_definition(definition)
    except ManifestError as exc:
        raise MixError(f"the definition is not usable: {exc}") from exc
    raw_questions = definition["questions"]
    races = []
    for index, q in enumerate(manifest.questions):
        if q.ranked:
            method, seats = _rules(raw_questions[index], q.id, q.option_count)
            races.append(Race(q.id, index, q.option_ids, q.max, method, seats, q.unit))
    return tuple(races)


def _item(payload: Mapping[str, Any], at: int, race: Race, seq: int) -> Item:
    try:
        slots = payload["ballot"]["questions"][at]["slots"]
        if not isinstance(slots, list) or len(slots) != race.ranks:
            raise TypeError("a ranked race has one slot per rank")
        return tuple(Ciphertext.from_json({"alpha": s["alpha"], "beta": s["beta"]}) for s in slots)
    except (KeyError, IndexError, TypeError, GroupError) as exc:
        raise MixError(f"board entry {seq}: race '{race.id}' cannot be read ({exc})") from exc


def counted_ballots(definition: Mapping[str, Any], entries: Iterable[BoardItem]) -> list[BoardItem]:
    """The counted ballots of the final round, in the mix's order (PROTOCOL 11.2, 18.2):
    every ``ballot.cast`` (with revoting, each alias's last), then every
    ``ballot.challenged`` whose challenge was decided ``overruled`` before the last
    ``tally.encrypted``, each group in board order."""
    try:
        revoting = revoting_of(definition)
    except RevotingError as exc:
        raise MixError(str(exc)) from exc
    cast: list[BoardItem] = []
    challenged: list[BoardItem] = []
    decided: dict[str, str] = {}
    overruled: set[str] = set()
    for entry in entries:
        if entry.kind == Kind.CAST:
            cast.append(entry)
        elif entry.kind == Kind.CHALLENGED:
            challenged.append(entry)
        elif entry.kind == Kind.DECIDED:
            decided[str(entry.payload.get("challenge"))] = str(entry.payload.get("decision"))
        elif entry.kind == Kind.TALLY:
            overruled = {c for c, d in decided.items() if d == "overruled"}
    if revoting:
        replaced = replaced_ballots((e.seq, str(e.payload.get("alias"))) for e in cast)
        cast = [e for e in cast if e.seq not in replaced]
    return cast + [e for e in challenged if e.payload.get("challenge") in overruled]


def input_lists(
    definition: Mapping[str, Any], entries: Iterable[BoardItem]
) -> dict[str, list[Item]]:
    """Race id -> the list entering its mix, from the whole board in board order: of each
    counted ballot (:func:`counted_ballots`) that carries the race, its w rank
    ciphertexts.  A race only some units carry takes only their ballots."""
    races = ranked_races(definition)
    manifest = ElectionManifest.from_definition(definition)
    lists: dict[str, list[Item]] = {race.id: [] for race in races}
    for entry in counted_ballots(definition, entries):
        unit = entry.payload.get("unit") if manifest.has_units else None
        for race in races:
            at = race.on_ballot(manifest, unit if isinstance(unit, str) else None)
            if at is not None:
                lists[race.id].append(_item(entry.payload, at, race, entry.seq))
    return lists


def race_of(races: Sequence[Race], qid: str) -> Race:
    """The race named ``qid`` (MixError if the definition has no such ranked race)."""
    for race in races:
        if race.id == qid:
            return race
    raise MixError(f"'{qid}' is not a ranked race of this election")
