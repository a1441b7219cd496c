"""The mix-net: an honest chain of shuffles verifies; every single change is refused, naming why.

Each refusal is a ShuffleError whose ``check`` says which rule failed and whose
``shuffler`` says whose shuffle it was, so a verifier can tell "the output was
edited" (proof) from "a shuffle was moved to another election" (election) or
"to another place in the chain" (position), and "an item was dropped"
(length) from "an item was copied" (duplicate).  The cryptographic heart is
that no change of any single ciphertext survives the proof; the stated fields
(election, position, input digest) only make the message precise, and editing
them to hide a move is caught by the proof, which hashes the same values.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
from collections.abc import Callable, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ballot.crypto.elgamal import Ciphertext, decode_count, encrypt
from ballot.crypto.group import Element, Scalar, base_mul
from ballot.crypto.shuffle import (
    CHECKS,
    Item,
    Shuffle,
    ShuffleError,
    list_digest,
    random_permutation,
    reencrypt_item,
    shuffle_and_prove,
    verify_shuffle_chain,
)

FP = hashlib.sha256(b"officer election A").digest()
OTHER_FP = hashlib.sha256(b"officer election B").digest()


def seeded_rng(seed: str) -> Callable[[], Scalar]:
    counter = itertools.count()
    return lambda: Scalar.reduce64(
        hashlib.sha512(seed.encode() + next(counter).to_bytes(8, "big")).digest()
    )


def seeded_randbelow(seed: str) -> Callable[[int], int]:
    draw = seeded_rng(seed)
    return lambda n: draw().value % n


KEYS = seeded_rng("keys")
SECRET = KEYS()
KEY = base_mul(SECRET)
OTHER_KEY = base_mul(KEYS())


def ranked_ballots(n: int, w: int, seed: str = "ballots") -> tuple[Item, ...]:
    """n ballots of w ranks; rank k of ballot i holds candidate (i + k) mod 7 (0 = no preference)."""
    rng = seeded_rng(seed)
    return tuple(tuple(encrypt(KEY, (i * 3 + k) % 7, rng()) for k in range(w)) for i in range(n))


def decrypt(item: Sequence[Ciphertext]) -> tuple[int, ...]:
    return tuple(decode_count(ct.beta - ct.alpha * SECRET, maximum=100) for ct in item)


def mix(inputs: Sequence[Item], shufflers: int, fp: bytes = FP, seed: str = "mix") -> list[Shuffle]:
    chain, current = [], tuple(inputs)
    for p in range(1, shufflers + 1):
        shuffle = shuffle_and_prove(
            fp,
            p,
            KEY,
            current,
            rng=seeded_rng(f"{seed}-{p}"),
            randbelow=seeded_randbelow(f"{seed}-perm-{p}"),
        )
        chain.append(shuffle)
        current = shuffle.output
    return chain


def refused(
    inputs: Sequence[Item], chain: Sequence[Shuffle], *, fp: bytes = FP, key: Element = KEY
) -> ShuffleError:
    with pytest.raises(ShuffleError) as caught:
        verify_shuffle_chain(fp, key, inputs, chain)
    assert caught.value.check in CHECKS
    return caught.value


# One chain of two shuffles of 4 ballots x 3 ranks, built once for the tampering tests.
BALLOTS = ranked_ballots(4, 3)
CHAIN = mix(BALLOTS, 2)
FIRST, SECOND = CHAIN


def with_output(shuffle: Shuffle, output: Sequence[Item]) -> Shuffle:
    return dataclasses.replace(shuffle, output=tuple(output))


def replaced(items: Sequence[Item], i: int, item: Item) -> tuple[Item, ...]:
    return tuple(item if j == i else x for j, x in enumerate(items))


# --------------------------------------------------------------------------- completeness


def test_an_honest_chain_verifies_and_keeps_every_ballot_whole() -> None:
    final = verify_shuffle_chain(FP, KEY, BALLOTS, CHAIN)
    assert sorted(map(decrypt, final)) == sorted(map(decrypt, BALLOTS))
    assert not {ct.alpha for item in final for ct in item} & {
        ct.alpha for item in BALLOTS for ct in item
    }, "every ciphertext is re-encrypted"


@settings(max_examples=12, deadline=None)
@given(
    n=st.integers(1, 6),
    w=st.integers(1, 3),
    shufflers=st.integers(1, 2),
    seed=st.text(max_size=4),
)
def test_honest_shuffles_of_any_small_size_verify(
    n: int, w: int, shufflers: int, seed: str
) -> None:
    inputs = ranked_ballots(n, w, seed)
    chain = mix(inputs, shufflers, seed=seed)
    final = verify_shuffle_chain(FP, KEY, inputs, chain)
    assert len(final) == n and all(len(item) == w for item in final)
    assert sorted(map(decrypt, final)) == sorted(map(decrypt, inputs))


def test_the_shuffle_survives_its_json_form() -> None:
    parsed = [Shuffle.from_json(s.to_json()) for s in CHAIN]
    assert parsed == CHAIN
    verify_shuffle_chain(FP, KEY, BALLOTS, parsed)


def test_random_permutation_is_a_permutation_and_reaches_every_order() -> None:
    seen = {random_permutation(3) for _ in range(300)}
    assert seen == set(itertools.permutations(range(3)))
    assert sorted(random_permutation(50)) == list(range(50))


def test_reencryption_keeps_the_plaintexts() -> None:
    item = BALLOTS[0]
    again = reencrypt_item(item, KEY, [KEYS() for _ in item])
    assert decrypt(again) == decrypt(item)
    assert all(a.alpha != b.alpha for a, b in zip(again, item, strict=True))


# --------------------------------------------------------------------------- single changes


@pytest.mark.parametrize("i", range(4))
@pytest.mark.parametrize("k", range(3))
@pytest.mark.parametrize("part", ["alpha", "beta"])
def test_changing_any_single_output_ciphertext_breaks_the_proof(i: int, k: int, part: str) -> None:
    ct = FIRST.output[i][k]
    shift = base_mul(Scalar(1))  # adds 1 to the plaintext (beta) or breaks the pair (alpha)
    changed = dataclasses.replace(ct, **{part: getattr(ct, part) + shift})
    item = tuple(changed if j == k else x for j, x in enumerate(FIRST.output[i]))
    error = refused(BALLOTS, [with_output(FIRST, replaced(FIRST.output, i, item))])
    assert (error.check, error.shuffler) == ("proof", 1)


@pytest.mark.parametrize("i", range(4))
def test_replacing_an_output_ballot_by_a_re_encryption_of_another_breaks_the_proof(i: int) -> None:
    other = reencrypt_item(FIRST.output[(i + 1) % 4], KEY, [KEYS() for _ in range(3)])
    error = refused(BALLOTS, [with_output(FIRST, replaced(FIRST.output, i, other))])
    assert (error.check, error.shuffler) == ("proof", 1)


def test_replacing_an_output_ballot_by_a_fresh_one_breaks_the_proof() -> None:
    fresh = tuple(encrypt(KEY, 1, KEYS()) for _ in range(3))
    error = refused(BALLOTS, [with_output(FIRST, replaced(FIRST.output, 2, fresh))])
    assert (error.check, error.shuffler) == ("proof", 1)


def test_changing_a_ciphertext_of_the_second_shuffle_names_the_second_shuffler() -> None:
    ct = SECOND.output[0][0]
    changed = Ciphertext(ct.alpha, ct.beta + base_mul(Scalar(1)))
    item = (changed, *SECOND.output[0][1:])
    error = refused(BALLOTS, [FIRST, with_output(SECOND, replaced(SECOND.output, 0, item))])
    assert (error.check, error.shuffler) == ("proof", 2)


def test_dropping_a_ballot_is_a_length_error() -> None:
    error = refused(BALLOTS, [with_output(FIRST, FIRST.output[:-1])])
    assert (error.check, error.shuffler) == ("length", 1)


def test_adding_a_ballot_is_a_length_error() -> None:
    error = refused(BALLOTS, [FIRST, with_output(SECOND, (*SECOND.output, SECOND.output[0]))])
    assert (error.check, error.shuffler) == ("length", 2)


def test_duplicating_a_ballot_in_place_of_another_is_named() -> None:
    error = refused(BALLOTS, [with_output(FIRST, replaced(FIRST.output, 3, FIRST.output[0]))])
    assert (error.check, error.shuffler) == ("duplicate", 1)
    assert "output item 4 repeats a ciphertext of output item 1" in str(error)


def test_dropping_a_rank_is_a_width_error() -> None:
    error = refused(BALLOTS, [with_output(FIRST, replaced(FIRST.output, 1, FIRST.output[1][:2]))])
    assert (error.check, error.shuffler) == ("width", 1)


def test_an_identity_in_an_output_built_in_memory_is_refused() -> None:
    item = (Ciphertext.zero(), *FIRST.output[1][1:])
    error = refused(BALLOTS, [with_output(FIRST, replaced(FIRST.output, 1, item))])
    assert (error.check, error.shuffler) == ("malformed", 1)


def test_changing_a_cast_ballot_after_the_shuffle_is_an_input_error() -> None:
    edited = replaced(BALLOTS, 0, reencrypt_item(BALLOTS[0], KEY, [KEYS() for _ in range(3)]))
    assert refused(edited, CHAIN).check == "input"
    # ...and restating the input digest to match is caught by the proof
    restated = dataclasses.replace(FIRST, input_digest=list_digest(edited))
    error = refused(edited, [restated])
    assert (error.check, error.shuffler) == ("proof", 1)


def test_a_shuffle_of_another_list_is_an_input_error() -> None:
    """Shuffler 2 shuffled the cast list again instead of shuffler 1's output."""
    stray = shuffle_and_prove(FP, 2, KEY, BALLOTS, rng=seeded_rng("stray"))
    error = refused(BALLOTS, [FIRST, stray])
    assert (error.check, error.shuffler) == ("input", 2)
    assert "not the output of shuffler 1" in str(error)


# --------------------------------------------------------------------------- moved proofs


def test_a_shuffle_moved_to_another_election_is_refused() -> None:
    error = refused(BALLOTS, CHAIN, fp=OTHER_FP)
    assert (error.check, error.shuffler) == ("election", 1)
    # restating the fingerprint does not help: the proof hashed the original one
    moved = [dataclasses.replace(s, election=OTHER_FP) for s in CHAIN]
    error = refused(BALLOTS, moved, fp=OTHER_FP)
    assert (error.check, error.shuffler) == ("proof", 1)


def test_a_shuffle_moved_to_another_position_is_refused() -> None:
    """A shuffle made (and proved) for position 1 of a list, presented at position 2 where
    that list is indeed the input: the position is part of the statement."""
    other_first = mix(BALLOTS, 1, seed="other")[0]
    # shuffler 2 presents a shuffle made at position 1 of other_first's output
    at_one = shuffle_and_prove(FP, 1, KEY, other_first.output, rng=seeded_rng("at-one"))
    error = refused(BALLOTS, [other_first, at_one])
    assert (error.check, error.shuffler) == ("position", 2)
    restated = dataclasses.replace(at_one, position=2)
    error = refused(BALLOTS, [other_first, restated])
    assert (error.check, error.shuffler) == ("proof", 2)


def test_swapping_two_shuffles_of_a_chain_is_refused() -> None:
    error = refused(BALLOTS, [SECOND, FIRST])
    assert (error.check, error.shuffler) == ("position", 1)


def test_a_proof_under_another_key_is_refused() -> None:
    error = refused(BALLOTS, CHAIN, key=OTHER_KEY)
    assert (error.check, error.shuffler) == ("proof", 1)


def test_a_proof_of_another_shuffle_is_refused() -> None:
    """The proof of a different honest shuffle of the same list does not cover this output."""
    other = mix(BALLOTS, 1, seed="other")[0]
    error = refused(BALLOTS, [dataclasses.replace(FIRST, proof=other.proof)])
    assert (error.check, error.shuffler) == ("proof", 1)


SCALAR_FIELDS = ["challenge", "s1", "s2", "s3"]
LIST_FIELDS = ["s4", "s_chain", "s_permutation", "permutation_commitments", "chain_commitments"]


@pytest.mark.parametrize("field", SCALAR_FIELDS)
def test_changing_any_proof_scalar_breaks_it(field: str) -> None:
    value = getattr(FIRST.proof, field)
    proof = dataclasses.replace(FIRST.proof, **{field: value + Scalar(1)})
    error = refused(BALLOTS, [dataclasses.replace(FIRST, proof=proof)])
    assert (error.check, error.shuffler) == ("proof", 1)


@pytest.mark.parametrize("field", LIST_FIELDS)
def test_changing_any_entry_of_a_proof_list_breaks_it(field: str) -> None:
    values = getattr(FIRST.proof, field)
    for j in range(len(values)):
        one = Scalar(1) if isinstance(values[j], Scalar) else base_mul(Scalar(1))
        changed = tuple(v + one if i == j else v for i, v in enumerate(values))
        proof = dataclasses.replace(FIRST.proof, **{field: changed})
        error = refused(BALLOTS, [dataclasses.replace(FIRST, proof=proof)])
        assert (error.check, error.shuffler) == ("proof", 1), (field, j)


def test_swapping_two_permutation_commitments_breaks_the_proof() -> None:
    c = FIRST.proof.permutation_commitments
    proof = dataclasses.replace(FIRST.proof, permutation_commitments=(c[1], c[0], *c[2:]))
    assert refused(BALLOTS, [dataclasses.replace(FIRST, proof=proof)]).check == "proof"


# --------------------------------------------------------------------------- the lists


def test_a_chain_needs_a_shuffle() -> None:
    error = refused(BALLOTS, [])
    assert (error.check, error.shuffler) == ("chain", None)


@pytest.mark.parametrize(
    "inputs",
    [
        (),
        (BALLOTS[0], BALLOTS[1][:2]),
        ((),),
        (BALLOTS[0], (Ciphertext.zero(), *BALLOTS[1][1:])),
    ],
    ids=["empty", "ragged", "no-ranks", "identity"],
)
def test_the_list_entering_the_mix_must_be_a_rectangle(inputs: tuple[Item, ...]) -> None:
    error = refused(inputs, CHAIN)
    assert (error.check, error.shuffler) == ("list", None)


def test_shuffling_an_empty_list_is_refused_before_any_work() -> None:
    with pytest.raises(ShuffleError) as caught:
        shuffle_and_prove(FP, 1, KEY, [])
    assert caught.value.check == "list"
