"""The trustee's dealing, re-derivable byte for byte from the sealed seed and the public
inputs, so a restarted tool posts the identical message and never reuses a nonce."""

from __future__ import annotations

import hashlib
import hmac
import itertools
from collections.abc import Callable

from ballot.crypto.ceremony import DealerMessage, DealerSecret, deal
from ballot.crypto.group import Scalar
from ballot.crypto.sharebox import EncryptedShare
from ballot.record.canonical import canonical_json

from .state import CeremonyState


def dealing_rng(seed: bytes, context: bytes) -> Callable[[], Scalar]:
    """Deterministic non-zero scalars from the seed, separated by the dealing's inputs."""
    key = hmac.new(seed, b"ballot/v1/trustee-dealing\x00" + context, hashlib.sha512).digest()
    counter = itertools.count()

    def draw() -> Scalar:
        while True:
            block = hmac.new(key, next(counter).to_bytes(8, "big"), hashlib.sha512).digest()
            s = Scalar.reduce64(block)
            if not s.is_zero():
                return s

    return draw


def my_dealing(
    state: CeremonyState, k: int, n: int, keys: dict[int, bytes]
) -> tuple[DealerMessage, list[EncryptedShare], DealerSecret]:
    context = canonical_json(
        {
            "election_id": state.election_id,
            "epoch": state.epoch,
            "manifest_hash": state.manifest_hash,
            "position": state.position,
            "k": k,
            "n": n,
            "receiving_keys": {str(i): key.hex() for i, key in sorted(keys.items())},
        }
    )
    return deal(
        state.position,
        k,
        n,
        bytes.fromhex(state.manifest_hash),
        keys,
        rng=dealing_rng(state.dealing_seed, context),
    )
