"""The ballots each candidate holds, as parcels moved whole between candidates.

Identical readings arriving at the same value travel together, so a count costs the
number of distinct readings, not of ballots, and no result can depend on the order in
which the ballots were decrypted (the parcels are built from sorted readings).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass

from ballot.election.ranked.count import Transfer
from ballot.election.ranked.reading import BallotReadings

__all__ = ["Parcel", "Piles", "next_preference"]


@dataclass(frozen=True)
class Parcel:
    """``ballots`` ballots with the same ``reading``, held by ``reading[at]``, each worth
    ``value`` units."""

    reading: tuple[str, ...]
    at: int
    ballots: int
    value: int


def next_preference(reading: tuple[str, ...], after: int, continuing: Collection[str]) -> int:
    """The rank index of the next available preference after ``after``, or -1 if none."""
    for index in range(after + 1, len(reading)):
        if reading[index] in continuing:
            return index
    return -1


class Piles:
    """Each candidate's parcels and total, and what no candidate holds any more."""

    def __init__(self, readings: BallotReadings, unit: int) -> None:
        self.held: dict[str, list[Parcel]] = {c: [] for c in readings.candidates}
        self.total: dict[str, int] = dict.fromkeys(readings.candidates, 0)
        self.exhausted = 0
        self.loss = 0
        for reading, ballots in sorted(readings.readings.items()):
            self._give(Parcel(reading, 0, ballots, unit))

    def _give(self, parcel: Parcel) -> None:
        holder = parcel.reading[parcel.at]
        self.held[holder].append(parcel)
        self.total[holder] += parcel.ballots * parcel.value

    def parcels(self, candidate: str) -> Iterator[Parcel]:
        """The parcels ``candidate`` holds, in a fixed order."""
        return iter(sorted(self.held[candidate], key=lambda p: (p.reading, p.at, -p.value)))

    def move(
        self,
        source: str,
        continuing: Collection[str],
        revalue: dict[int, int] | None = None,
        keep: int = 0,
    ) -> tuple[Transfer, ...]:
        """Move every parcel of ``source`` to its next available preference.

        Each parcel goes at its value, or at ``revalue[value]`` when given (a surplus);
        ballots with no next available preference are non-transferable.  ``source``
        keeps ``keep`` units (the quota, after a surplus; 0 after an exclusion) and the
        rest of its total that no ballot carries on is lost to truncation.
        """
        moved: dict[tuple[str | None, int], int] = {}
        carried = 0
        for parcel in self.parcels(source):
            value = parcel.value if revalue is None else revalue[parcel.value]
            carried += parcel.ballots * value
            at = next_preference(parcel.reading, parcel.at, continuing)
            to = parcel.reading[at] if at >= 0 else None
            moved[to, value] = moved.get((to, value), 0) + parcel.ballots
            if to is None:
                self.exhausted += parcel.ballots * value
            else:
                self._give(Parcel(parcel.reading, at, parcel.ballots, value))
        self.loss += self.total[source] - keep - carried
        self.held[source] = []
        self.total[source] = keep
        order = {c: i for i, c in enumerate(self.total)}
        ranked = sorted(
            moved.items(),
            key=lambda kv: (kv[0][0] is None, order.get(kv[0][0] or "", 0), -kv[0][1]),
        )
        return tuple(Transfer(to, n, value, n * value) for (to, value), n in ranked)
