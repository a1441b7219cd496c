"""Breaking ties: by the counts of earlier rounds, then by a public lot (PROTOCOL 17.2).

When candidates are level where the count must choose one of them (the one to exclude,
or the surplus to transfer first), the earlier rounds are consulted from the most recent
back to the first, as the Scottish rules do (rules 49(2) and 51(2) of the 2007 Order):
at each, only the candidates with the fewest (for an exclusion) or the most (for a
surplus) votes among those still level stay in the tie.  If more than one is left after
the first round, the **lot** chooses: the candidate whose :func:`lot_key` is smallest.
The key is a hash of a public seed, the race and the candidate, so anyone recomputes the
lot and nobody can choose it once the seed is fixed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from ballot.crypto.fiat_shamir import encode_part

__all__ = ["LOT_TAG", "SEED_BYTES", "Tie", "break_tie", "check_race", "check_seed", "lot_key"]

#: The domain tag of the lot.
LOT_TAG: Final = "ballot/v1/ranked-lot"
#: The length of a tie-break seed.
SEED_BYTES: Final = 32


@dataclass(frozen=True)
class Tie:
    """How a tie was broken: the candidates level (ballot order), and by what.

    ``by`` is ``"earlier_round"`` (``round`` names the round that decided) or ``"lot"``
    (``round`` is ``None``).
    """

    tied: tuple[str, ...]
    by: Literal["earlier_round", "lot"]
    round: int | None


def check_seed(seed: bytes) -> bytes:
    """A tie-break seed is exactly 32 bytes."""
    if not isinstance(seed, bytes) or len(seed) != SEED_BYTES:
        raise ValueError(f"the tie-break seed is {SEED_BYTES} bytes")
    return seed


def check_race(race: str) -> str:
    """A race id is a non-empty string (the lot hashes it)."""
    if not isinstance(race, str) or not race:
        raise ValueError("the race id is a non-empty string")
    return race


def lot_key(seed: bytes, race: str, candidate: str) -> bytes:
    """SHA-256(frame(LOT_TAG) || frame(seed) || frame(race) || frame(candidate))."""
    h = hashlib.sha256()
    for part in (LOT_TAG, check_seed(seed), race, candidate):
        h.update(encode_part(part))
    return h.digest()


def break_tie(
    tied: Sequence[str],
    earlier: Sequence[Mapping[str, int]],
    *,
    fewest: bool,
    seed: bytes,
    race: str,
    order: Sequence[str],
) -> tuple[str, Tie | None]:
    """The one candidate chosen from ``tied``, and how (``None`` if nobody was level).

    ``earlier`` holds the counts at the end of rounds 1, 2, … before the round at which
    the candidates are level; ``fewest`` chooses the lowest (an exclusion) rather than
    the highest (a surplus); ``order`` is the race's candidates in ballot order, used
    only to list the tied candidates.
    """
    if len(tied) == 1:
        return tied[0], None
    listed = tuple(c for c in order if c in tied)
    left = list(listed)
    for index in range(len(earlier) - 1, -1, -1):
        counts = earlier[index]
        pick = min if fewest else max
        target = pick(counts[c] for c in left)
        left = [c for c in left if counts[c] == target]
        if len(left) == 1:
            return left[0], Tie(listed, "earlier_round", index + 1)
    chosen = min(left, key=lambda c: lot_key(seed, race, c))
    return chosen, Tie(listed, "lot", None)
