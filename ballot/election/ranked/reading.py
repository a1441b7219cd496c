"""The ranking rule: how one decrypted ranked ballot is read (PROTOCOL 17.1).

A decrypted ballot is one entry per rank, in rank order: a candidate id, or
:data:`NO_PREFERENCE` (``None``) for "no further preference".  It is read from the first
rank while each entry names a candidate of the race not named at an earlier rank; the
first entry that is "no further preference", an unknown id, or a repeat ends the reading,
and every later rank is ignored.  A ballot whose reading is empty has no valid first
preference: it is *blank*, counted apart and never transferred.

Why truncate rather than skip: the UK public STV rules (Scotland, Northern Ireland) and the
model rules many unions adopt read a paper's preferences only while their sequence is
unbroken and unambiguous, so a member's later marks can never be read in an order the
member did not give.  The voting page makes every irregular ranking impossible; the rule
exists for a tampered or faulty client, where reading less is the safe choice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

__all__ = [
    "NO_PREFERENCE",
    "BallotReadings",
    "RankedError",
    "check_candidates",
    "read_ballots",
    "read_ranking",
]

#: The entry of a rank that gives no further preference.
NO_PREFERENCE: Final = None

Entry = str | None


class RankedError(ValueError):
    """A race or a ballot that cannot be counted as given (a bug upstream, never a vote)."""


def check_candidates(candidates: Sequence[str]) -> tuple[str, ...]:
    """The race's candidate ids in ballot order: at least one, distinct, non-empty strings."""
    ids = tuple(candidates)
    if not ids:
        raise RankedError("a ranked race needs at least one candidate")
    if not all(isinstance(c, str) and c for c in ids):
        raise RankedError("candidate ids are non-empty strings")
    if len(set(ids)) != len(ids):
        raise RankedError("candidate ids must be distinct")
    return ids


def read_ranking(entries: Sequence[Entry], candidates: Iterable[str]) -> tuple[str, ...]:
    """The preferences of one ballot under the ranking rule, most preferred first."""
    known = candidates if isinstance(candidates, frozenset | set) else frozenset(candidates)
    read: list[str] = []
    for entry in entries:
        if entry is not None and not isinstance(entry, str):
            raise RankedError(f"a rank holds a candidate id or no preference, not {entry!r}")
        if entry is None or entry not in known or entry in read:
            break
        read.append(entry)
    return tuple(read)


def _regular(entries: Sequence[Entry], read: tuple[str, ...]) -> bool:
    """Whether every rank after the reading is "no further preference"."""
    return all(entry is None for entry in entries[len(read) :])


@dataclass(frozen=True)
class BallotReadings:
    """Every ballot of a race, read: the readings with how many ballots gave each.

    ``ballots`` counts every decrypted ballot; ``blank`` those with no valid first
    preference; ``irregular`` those the rule cut short (a rank after the reading that is
    not "no further preference": a gap, a repeat or an unknown id).  A blank ballot can
    be irregular too (an unknown id at the first rank).
    """

    candidates: tuple[str, ...]
    readings: Counter[tuple[str, ...]]
    ballots: int
    blank: int
    irregular: int

    @property
    def valid(self) -> int:
        """Ballots with a valid first preference: the ones that are counted."""
        return self.ballots - self.blank


def read_ballots(ballots: Iterable[Sequence[Entry]], candidates: Sequence[str]) -> BallotReadings:
    """Read every decrypted ballot of a race under the ranking rule."""
    ids = check_candidates(candidates)
    known = frozenset(ids)
    readings: Counter[tuple[str, ...]] = Counter()
    cache: dict[tuple[Entry, ...], tuple[tuple[str, ...], bool]] = {}
    total = blank = irregular = 0
    for entries in ballots:
        key = tuple(entries)
        seen = cache.get(key)
        if seen is None:
            read = read_ranking(key, known)
            seen = cache[key] = (read, _regular(key, read))
        read, regular = seen
        total += 1
        irregular += not regular
        if read:
            readings[read] += 1
        else:
            blank += 1
    return BallotReadings(ids, readings, total, blank, irregular)
