"""Independent commitment generators, derived from the election fingerprint by anyone.

The proof of shuffle commits to the permutation with Pedersen commitments
``r*B + H_i`` and starts its commitment chain at ``H``.  Its soundness rests
on nobody knowing a discrete-logarithm relation between B, H, H_1 ... H_N: a
prover who knew, say, ``H_2 = x*H_1`` could commit to something that is not a
permutation and still pass.  So the generators are never chosen by anyone and
never sent with a proof: prover and verifier each derive them by hashing the
fingerprint and an index onto the curve (libsodium's Elligator 2 map, whose
output has no known logarithm to any base).

``H`` is index 0 and ``H_i`` is index i; the hash for index i and counter t is
``SHA-512(frame("ballot/v1/shuffle-generator") || frame(fingerprint) ||
frame(u64 i) || frame(u64 t))``, its first 32 bytes mapped by
:func:`~ballot.crypto.group.element_from_uniform`; t starts at 0 and moves on
only when the map gives the identity (a few inputs do; a hash never has been
seen to).  ``docs/PROTOCOL.md``, "Mix-net", is the definition.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ..fiat_shamir import ChallengeHasher
from ..group import Element, GroupError, element_from_uniform
from .errors import MAX_ITEMS

__all__ = ["GENERATOR_TAG", "Generators", "derive_generator", "derive_generators"]

GENERATOR_TAG = "shuffle-generator"


@dataclass(frozen=True, slots=True)
class Generators:
    """``h`` (index 0, where the commitment chain starts) and ``h_i`` for i = 1 ... N."""

    h: Element
    hs: tuple[Element, ...]


def derive_generator(fingerprint: bytes, index: int) -> Element:
    """The generator of this index for this election (index 0 is H)."""
    counter = 0
    while True:
        hasher = ChallengeHasher(GENERATOR_TAG, fingerprint)
        hasher.extend([index, counter])
        try:
            return element_from_uniform(hasher.digest()[:32])
        except GroupError:  # pragma: no cover - the map gave the identity: next counter
            counter += 1


@lru_cache(maxsize=4)
def derive_generators(fingerprint: bytes, count: int) -> Generators:
    """H and H_1 ... H_count.  Cached: every shuffle of a chain uses the same ones."""
    if not 1 <= count <= MAX_ITEMS:
        raise ValueError(f"generators are derived for 1 to {MAX_ITEMS} items")
    return Generators(
        derive_generator(fingerprint, 0),
        tuple(derive_generator(fingerprint, i) for i in range(1, count + 1)),
    )
