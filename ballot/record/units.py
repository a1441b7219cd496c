"""Subtotals per unit (a local, a shop, a bargaining unit): which units get one.

Unions publish results per local, but a subtotal over a handful of ballots comes close
to telling how each of those members voted.  So a definition may ask for subtotals
(``"subtotals": {"by": "unit", "min_size": m}``) and the ballots then carry their
voter's unit (a public label from the roll), and units are POOLED before anything is
decrypted: no published subtotal ever covers fewer than ``m`` ballots.

Pooling is a pure function of the board, here, so the server, the trustee tool and
the verifier compute exactly the same pools (PROTOCOL 10.5):

* the pools are decided ONCE, from the ballots counted in round 1 (cast ballots and
  challenges overruled before it), and kept for round 2.  Round 2 only adds overruled
  ballots, so every pool still has at least ``m``; deciding again per round would let
  a reader subtract a round-1 pool from a differently made round-2 pool and isolate a
  unit smaller than ``m``;
* a unit with at least ``m`` round-1 ballots keeps its own subtotal; every other unit
  (and the empty label: a voter without a unit) joins the pool ``""`` (other units);
* if ``""`` could hold any ballot (a small unit's ballot counted now, or a challenged
  one that round 2 might count) but has fewer than ``m`` round-1 ballots, the smallest
  named unit (fewest round-1 ballots, then by label) joins it, so ``""`` too has ``m``;
* if no named unit is left, no subtotals are published at all (one pool would only
  repeat the whole tally).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ballot.crypto.elgamal import Ciphertext
from ballot.crypto.tally import EncryptedTally
from ballot.election.result import MIN_UNIT_SIZE, OTHER_UNITS, pool_order

__all__ = [
    "OTHER_UNITS",
    "SubtotalsError",
    "envelope_pools",
    "pool_order",
    "pool_units",
    "subtotal_min_size",
    "unit_labelled",
    "unit_slot_label",
]


class SubtotalsError(ValueError):
    """The definition's ``subtotals`` member is unusable."""


def subtotal_min_size(definition: Mapping[str, Any]) -> int | None:
    """The minimum pool size if the definition asks for subtotals per unit, else None."""
    spec = definition.get("subtotals")
    if spec is None:
        return None
    if (
        not isinstance(spec, dict)
        or spec.get("by") != "unit"
        or not set(spec)
        <= {
            "by",
            "min_size",
        }
    ):
        raise SubtotalsError("'subtotals' must be {'by': 'unit', 'min_size': m}")
    size = spec.get("min_size", MIN_UNIT_SIZE)
    if type(size) is not int or size < 1:
        raise SubtotalsError("the subtotals' min_size must be a whole number of at least 1")
    return size


def pool_units(
    first_round: Mapping[str, int], labels: Iterable[str], min_size: int
) -> dict[str, str]:
    """Unit label -> pool label, for every label on a cast or challenged ballot.

    ``first_round``: ballots counted in round 1 per unit.  An empty mapping means no
    subtotals are published.
    """
    every = set(labels) | set(first_round)
    named = {u for u in every if u != OTHER_UNITS and first_round.get(u, 0) >= min_size}
    others = every - named
    if others and named and sum(first_round.get(u, 0) for u in others) < min_size:
        named.discard(min(named, key=lambda u: (first_round[u], u)))
    if not named:
        return {}
    return {u: (u if u in named else OTHER_UNITS) for u in every}


def envelope_pools(unit_of: Mapping[str, str], min_size: int | None) -> dict[str, str]:
    """Alias -> pool of its paper envelope (PROTOCOL 11.11): the pooling rule above over the
    envelopes' own unit labels, every envelope in ``""`` when it names no pool or when the
    definition asks for no subtotals (one count for all the paper ballots)."""
    labels: dict[str, int] = {}
    for unit in unit_of.values():
        labels[unit] = labels.get(unit, 0) + 1
    mapping = pool_units(labels, labels, min_size) if min_size is not None else {}
    return {alias: mapping.get(unit, OTHER_UNITS) for alias, unit in unit_of.items()}


def unit_slot_label(pool: str, question: int, slot: int) -> str:
    """The label binding a partial decryption to one pool's tally slot, so a trustee's
    share for one unit cannot be passed off as another's."""
    return f"unit:{pool}/q{question}/s{slot}"


def unit_labelled(pool: str, tally: EncryptedTally) -> dict[str, Ciphertext]:
    """Each slot of one pool's subtotal under its partial-decryption label."""
    return {
        unit_slot_label(pool, qi, si): ct
        for qi, slots in enumerate(tally.questions)
        for si, ct in enumerate(slots)
    }
