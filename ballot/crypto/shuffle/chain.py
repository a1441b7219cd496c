"""One shuffler's published shuffle, and the chain of shuffles from the cast ballots to the mix.

A :class:`Shuffle` says which election it belongs to (fingerprint), where it
stands in the chain (position 1 shuffles the cast list, position p the output
of position p-1), which list it shuffled (the digest of its input), its output
and the proof.  The first three are also bound into the proof's challenges,
so editing them breaks the proof; they are stated openly so that a verifier
can say *why* a shuffle is refused ("made for another election", "not the
previous output") rather than only "the proof fails".

:func:`verify_shuffle_chain` checks, for each shuffle in order, in this order:
election, position, input, length, width, duplicate, proof; the first failure
is raised naming the shuffler and the check (:class:`ShuffleError`).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..elgamal import Ciphertext
from ..group import Element, GroupError, Scalar, hex_bytes
from .errors import MAX_CIPHERTEXTS, MAX_ITEMS, MAX_POSITION, MAX_WIDTH, ShuffleError
from .proof import ShuffleProof, prove_shuffle, verify_shuffle_proof
from .reencryption import Item, check_list, shuffle_items
from .statement import list_digest

__all__ = [
    "SHUFFLE_FORMAT",
    "Shuffle",
    "shuffle_and_prove",
    "verify_shuffle",
    "verify_shuffle_chain",
]

SHUFFLE_FORMAT = "ballot/shuffle/v1"
_KEYS = {"format", "election", "position", "input", "output", "proof"}


@dataclass(frozen=True, slots=True)
class Shuffle:
    """What a shuffler publishes.  ``input_digest`` is :func:`list_digest` of its input."""

    election: bytes
    position: int
    input_digest: bytes
    output: tuple[Item, ...]
    proof: ShuffleProof

    def to_json(self) -> dict[str, object]:
        return {
            "format": SHUFFLE_FORMAT,
            "election": self.election.hex(),
            "position": self.position,
            "input": self.input_digest.hex(),
            "output": [[ct.to_json() for ct in item] for item in self.output],
            "proof": self.proof.to_json(),
        }

    @classmethod
    def from_json(cls, obj: object) -> Shuffle:
        """Strict parsing of hostile input: exact keys, sizes bounded before decoding, every
        element valid and not the identity, every scalar canonical."""
        if not isinstance(obj, dict) or set(obj) != _KEYS:
            raise ShuffleError("malformed", f"a shuffle has exactly the keys {sorted(_KEYS)}")
        if obj["format"] != SHUFFLE_FORMAT:
            raise ShuffleError("malformed", f"a shuffle's format must be '{SHUFFLE_FORMAT}'")
        position = obj["position"]
        if not isinstance(position, int) or isinstance(position, bool):
            raise ShuffleError("malformed", "a shuffle's 'position' must be an integer")
        if not 1 <= position <= MAX_POSITION:
            raise ShuffleError("malformed", f"a shuffle's 'position' must be 1 to {MAX_POSITION}")
        try:
            election = hex_bytes(obj["election"], "a shuffle's 'election'", 32)
            input_digest = hex_bytes(obj["input"], "a shuffle's 'input'", 32)
        except GroupError as exc:
            raise ShuffleError("malformed", str(exc)) from exc
        output = _parse_output(obj["output"])
        proof = ShuffleProof.from_json(obj["proof"], len(output), len(output[0]))
        return cls(election, position, input_digest, output, proof)


def _parse_output(raw: object) -> tuple[Item, ...]:
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_ITEMS:
        raise ShuffleError("malformed", f"a shuffle's 'output' is a list of 1 to {MAX_ITEMS} items")
    if not all(isinstance(item, list) for item in raw):
        raise ShuffleError("malformed", "every output item is a list of ciphertexts")
    w = len(raw[0])
    if not 1 <= w <= MAX_WIDTH or len(raw) * w > MAX_CIPHERTEXTS:
        raise ShuffleError(
            "malformed",
            f"output items hold 1 to {MAX_WIDTH} ciphertexts, {MAX_CIPHERTEXTS} in all at most",
        )
    for i, item in enumerate(raw):
        if len(item) != w:
            raise ShuffleError(
                "width", f"output item {i + 1} has {len(item)} ciphertexts, item 1 has {w}"
            )
    out: list[Item] = []
    for i, item in enumerate(raw):
        try:
            out.append(tuple(Ciphertext.from_json(ct) for ct in item))
        except GroupError as exc:
            raise ShuffleError("malformed", f"output item {i + 1}: {exc}") from exc
    return tuple(out)


def shuffle_and_prove(
    fingerprint: bytes,
    position: int,
    public_key: Element,
    inputs: Sequence[Sequence[Ciphertext]],
    *,
    rng: Callable[[], Scalar] = Scalar.random,
    randbelow: Callable[[int], int] = secrets.randbelow,
) -> Shuffle:
    """What the shuffler at ``position`` does on its own computer: shuffle, prove, forget."""
    if not 1 <= position <= MAX_POSITION:
        raise ValueError(f"a shuffler's position is 1 to {MAX_POSITION}")
    items = tuple(tuple(item) for item in inputs)
    outputs, witness = shuffle_items(items, public_key, rng=rng, randbelow=randbelow)
    proof = prove_shuffle(fingerprint, position, public_key, items, outputs, witness, rng=rng)
    return Shuffle(fingerprint, position, list_digest(items), outputs, proof)


def verify_shuffle(
    shuffle: Shuffle,
    fingerprint: bytes,
    position: int,
    public_key: Element,
    inputs: Sequence[Sequence[Ciphertext]],
) -> None:
    """Every check of one shuffle against the list it should have shuffled (ShuffleError)."""
    try:
        _verify(shuffle, fingerprint, position, public_key, inputs)
    except ShuffleError as exc:
        raise exc.at(position) from None


def _verify(
    shuffle: Shuffle,
    fingerprint: bytes,
    position: int,
    key: Element,
    inputs: Sequence[Sequence[Ciphertext]],
) -> None:
    n, w = check_list(inputs, "the input list")
    if shuffle.election != fingerprint:
        raise ShuffleError("election", "the shuffle was made for another election (fingerprint)")
    if shuffle.position != position:
        raise ShuffleError(
            "position", f"the shuffle was made for position {shuffle.position}, not {position}"
        )
    if shuffle.input_digest != list_digest(inputs):
        what = "the cast list" if position == 1 else f"the output of shuffler {position - 1}"
        raise ShuffleError("input", f"the shuffle's input is not {what}")
    output = shuffle.output
    if len(output) != n:
        raise ShuffleError("length", f"the output has {len(output)} items, the input {n}")
    for i, item in enumerate(output):
        if len(item) != w:
            raise ShuffleError(
                "width", f"output item {i + 1} has {len(item)} ciphertexts, input items {w}"
            )
        if any(ct.alpha.is_identity() or ct.beta.is_identity() for ct in item):
            # parsing refuses it already; this covers shuffles built in memory
            raise ShuffleError("malformed", f"output item {i + 1} holds the identity element")
    seen: dict[bytes, int] = {}  # alpha -> the output item it first appeared in
    for i, item in enumerate(output):
        for ct in item:
            alpha = bytes(ct.alpha)
            if alpha in seen:
                raise ShuffleError(
                    "duplicate",
                    f"output item {i + 1} repeats a ciphertext of output item {seen[alpha] + 1}",
                )
            seen[alpha] = i
    verify_shuffle_proof(shuffle.proof, fingerprint, position, key, inputs, output)


def verify_shuffle_chain(
    fingerprint: bytes,
    public_key: Element,
    inputs: Sequence[Sequence[Ciphertext]],
    shuffles: Sequence[Shuffle],
) -> tuple[Item, ...]:
    """Verify shuffles 1 ... m in order, each on the previous output; return the last output.

    ``inputs`` is the list entering the mix (the cast ballots' vectors, in board
    order).  The list length and width can never change along the chain.
    """
    check_list(inputs, "the list entering the mix")
    if not shuffles:
        raise ShuffleError("chain", "a mix needs at least one shuffle")
    current: tuple[Item, ...] = tuple(tuple(item) for item in inputs)
    for position, shuffle in enumerate(shuffles, start=1):
        verify_shuffle(shuffle, fingerprint, position, public_key, current)
        current = shuffle.output
    return current
