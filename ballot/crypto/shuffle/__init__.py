"""A verifiable re-encryption mix-net: shuffles of ciphertext vectors with proofs.

Ranked ballots cannot be counted homomorphically (the rankings themselves must
be decrypted), so before decryption each of several trustees in turn
re-encrypts and permutes the list of ballots, each a vector of ciphertexts
kept together, and publishes a Terelius-Wikstrom proof that it did exactly
that.  Nobody learns which output is whose unless every shuffler colludes.

The package, one module per concern (``docs/PROTOCOL.md``, "Mix-net", is the
specification):

* :mod:`.errors`: :class:`ShuffleError` (which shuffler, which check) and the limits;
* :mod:`.generators`: the independent generators, derived from the fingerprint;
* :mod:`.reencryption`: re-encryption of items, random permutations;
* :mod:`.statement`: what every challenge hashes (strong Fiat-Shamir);
* :mod:`.proof`: the proof of shuffle, prover and verifier;
* :mod:`.chain`: a shuffler's published :class:`Shuffle` and the chain check.
"""

from __future__ import annotations

from .chain import SHUFFLE_FORMAT, Shuffle, shuffle_and_prove, verify_shuffle, verify_shuffle_chain
from .errors import CHECKS, MAX_CIPHERTEXTS, MAX_ITEMS, MAX_WIDTH, Check, ShuffleError
from .generators import Generators, derive_generator, derive_generators
from .proof import ShuffleProof, prove_shuffle, verify_shuffle_proof
from .reencryption import Item, ShuffleWitness, random_permutation, reencrypt_item, shuffle_items
from .statement import list_digest

__all__ = [
    "CHECKS",
    "MAX_CIPHERTEXTS",
    "MAX_ITEMS",
    "MAX_WIDTH",
    "SHUFFLE_FORMAT",
    "Check",
    "Generators",
    "Item",
    "Shuffle",
    "ShuffleError",
    "ShuffleProof",
    "ShuffleWitness",
    "derive_generator",
    "derive_generators",
    "list_digest",
    "prove_shuffle",
    "random_permutation",
    "reencrypt_item",
    "shuffle_and_prove",
    "shuffle_items",
    "verify_shuffle",
    "verify_shuffle_chain",
    "verify_shuffle_proof",
]
