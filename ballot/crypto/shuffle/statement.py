"""The hashes of a shuffle: its statement, its challenges, and the digest naming a list.

Strong Fiat-Shamir: every challenge of the proof hashes the whole statement,
so nothing the verifier relies on can be chosen after a challenge is known.
The statement is, in this order: the election fingerprint (as in every
challenge of the protocol), the shuffler's position in the chain, the public
key, N and w, every input ciphertext, every output ciphertext, and the
permutation commitments.  The challenge vector entry for input j and the final
challenge both hash that statement and then say which they are:

    u_j = H("shuffle", fp, position, K, N, w, <input>, <output>, C_1..C_N,
            "challenge-vector", j)
    c   = H("shuffle", fp, position, K, N, w, <input>, <output>, C_1..C_N,
            "challenge", chain_1..chain_N, T_1, T_2, T_3, T_4..., T^_1..T^_N)

where a list is written item by item, and each item component by component as
alpha then beta.  The common beginning is hashed once and copied
(:class:`~ballot.crypto.fiat_shamir.ChallengeHasher`).  ``docs/PROTOCOL.md``,
"Mix-net", is the definition.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence

from ..elgamal import Ciphertext
from ..fiat_shamir import ChallengeHasher, encode_part
from ..group import Element, Scalar

__all__ = [
    "LIST_TAG",
    "SHUFFLE_TAG",
    "challenge_vector",
    "final_challenge",
    "list_digest",
    "statement_hasher",
]

SHUFFLE_TAG = "shuffle"
LIST_TAG = "ballot/v1/shuffle-list"


def _components(items: Sequence[Sequence[Ciphertext]]) -> Iterator[Element]:
    for item in items:
        for ct in item:
            yield ct.alpha
            yield ct.beta


def statement_hasher(
    fingerprint: bytes,
    position: int,
    public_key: Element,
    inputs: Sequence[Sequence[Ciphertext]],
    outputs: Sequence[Sequence[Ciphertext]],
    permutation_commitments: Sequence[Element],
) -> ChallengeHasher:
    """The hash state over the whole statement, to be copied for each challenge."""
    hasher = ChallengeHasher(SHUFFLE_TAG, fingerprint)
    hasher.extend([position, public_key, len(inputs), len(inputs[0])])
    hasher.extend(_components(inputs))
    hasher.extend(_components(outputs))
    hasher.extend(permutation_commitments)
    return hasher


def challenge_vector(statement: ChallengeHasher, n: int) -> list[Scalar]:
    """u_1 ... u_N, one per input item (index j written 1-based, as a u64)."""
    out = []
    for j in range(1, n + 1):
        h = statement.copy()
        h.extend(["challenge-vector", j])
        out.append(h.challenge())
    return out


def final_challenge(
    statement: ChallengeHasher,
    chain: Sequence[Element],
    t1: Element,
    t2: Element,
    t3: Element,
    t4: Sequence[tuple[Element, Element]],
    t_hat: Sequence[Element],
) -> Scalar:
    """c, over the statement, the commitment chain and every prover commitment."""
    h = statement.copy()
    h.append("challenge")
    h.extend(chain)
    h.extend([t1, t2, t3])
    h.extend(e for pair in t4 for e in pair)
    h.extend(t_hat)
    return h.challenge()


def list_digest(items: Sequence[Sequence[Ciphertext]]) -> bytes:
    """SHA-256(frame("ballot/v1/shuffle-list") || frame(u64 N) || frame(u64 w) || every
    alpha and beta in order, framed): the 32 bytes a shuffle names its input by."""
    h = hashlib.sha256()
    h.update(encode_part(LIST_TAG))
    h.update(encode_part(len(items)))
    h.update(encode_part(len(items[0]) if items else 0))
    for e in _components(items):
        h.update(encode_part(e))
    return h.digest()
