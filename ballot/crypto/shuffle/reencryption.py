"""Re-encrypting and permuting a list of ciphertext vectors: what one shuffler does.

An *item* is a vector of w ciphertexts that belong together (the ranks of one
ranked ballot).  A shuffle moves whole items, never single ciphertexts, so a
ballot's ranking survives the mix; each ciphertext of an item is re-encrypted
with its own fresh randomness: ``(alpha, beta) + (rho*B, rho*K)`` encrypts the
same plaintext under the same key but cannot be linked to the original
without rho.  Output item i is input item ``permutation[i]``.

The permutation and the randomness are the shuffler's secret (the
:class:`ShuffleWitness`): it proves the shuffle with them and then forgets
them; published, they would link every output to its input.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..elgamal import Ciphertext
from ..group import Element, Scalar, base_mul
from .errors import MAX_CIPHERTEXTS, MAX_ITEMS, MAX_WIDTH, ShuffleError

__all__ = [
    "Item",
    "ShuffleWitness",
    "check_list",
    "random_permutation",
    "reencrypt_item",
    "shuffle_items",
]

Item = tuple[Ciphertext, ...]


@dataclass(frozen=True, slots=True)
class ShuffleWitness:
    """The secret of one shuffle: output i is input ``permutation[i]`` re-encrypted
    with ``randomness[i][k]`` in component k.  Never serialised."""

    permutation: tuple[int, ...]
    randomness: tuple[tuple[Scalar, ...], ...]

    def __repr__(self) -> str:
        return f"ShuffleWitness(<hidden>, {len(self.permutation)} items)"


def check_list(items: Sequence[Sequence[Ciphertext]], what: str) -> tuple[int, int]:
    """(N, w) of a list of items, or ShuffleError("list") if it is empty, ragged, too large
    or holds the identity (no list of the protocol does: 16.1)."""
    n = len(items)
    if not 1 <= n <= MAX_ITEMS:
        raise ShuffleError("list", f"{what} must hold 1 to {MAX_ITEMS} items, not {n}")
    w = len(items[0])
    if not 1 <= w <= MAX_WIDTH:
        raise ShuffleError("list", f"{what}: items must hold 1 to {MAX_WIDTH} ciphertexts")
    if n * w > MAX_CIPHERTEXTS:
        raise ShuffleError("list", f"{what} holds more than {MAX_CIPHERTEXTS} ciphertexts")
    for i, item in enumerate(items):
        if len(item) != w:
            raise ShuffleError(
                "list", f"{what}: item {i + 1} has {len(item)} ciphertexts, item 1 has {w}"
            )
        if any(ct.alpha.is_identity() or ct.beta.is_identity() for ct in item):
            raise ShuffleError("list", f"{what}: item {i + 1} holds the identity element")
    return n, w


def random_permutation(
    n: int, *, randbelow: Callable[[int], int] = secrets.randbelow
) -> tuple[int, ...]:
    """A uniformly random permutation of 0 ... n-1 (Fisher-Yates, from the OS's CSPRNG)."""
    order = list(range(n))
    for i in range(n - 1, 0, -1):
        j = randbelow(i + 1)
        order[i], order[j] = order[j], order[i]
    return tuple(order)


def reencrypt_item(
    item: Sequence[Ciphertext], public_key: Element, randomness: Sequence[Scalar]
) -> Item:
    """Add an encryption of zero, with the given randomness, to every ciphertext of the item."""
    return tuple(
        Ciphertext(ct.alpha + base_mul(rho), ct.beta + public_key * rho)
        for ct, rho in zip(item, randomness, strict=True)
    )


def _fresh(
    ct: Ciphertext, public_key: Element, rng: Callable[[], Scalar]
) -> tuple[Scalar, Ciphertext]:
    """Randomness and the re-encryption; redrawn in the (2^-250) case that a part is the identity,
    which the protocol refuses in a shuffle's output."""
    while True:
        rho = rng()
        out = Ciphertext(ct.alpha + base_mul(rho), ct.beta + public_key * rho)
        if not (out.alpha.is_identity() or out.beta.is_identity()):
            return rho, out


def shuffle_items(
    items: Sequence[Sequence[Ciphertext]],
    public_key: Element,
    *,
    rng: Callable[[], Scalar] = Scalar.random,
    randbelow: Callable[[int], int] = secrets.randbelow,
) -> tuple[tuple[Item, ...], ShuffleWitness]:
    """Permute the items at random and re-encrypt every ciphertext: (output, witness)."""
    n, _w = check_list(items, "the list to shuffle")
    permutation = random_permutation(n, randbelow=randbelow)
    outputs: list[Item] = []
    randomness: list[tuple[Scalar, ...]] = []
    for i in range(n):
        drawn = [_fresh(ct, public_key, rng) for ct in items[permutation[i]]]
        randomness.append(tuple(rho for rho, _ in drawn))
        outputs.append(tuple(ct for _, ct in drawn))
    return tuple(outputs), ShuffleWitness(permutation, tuple(randomness))
