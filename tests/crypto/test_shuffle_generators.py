"""The commitment generators: derived by anyone from the fingerprint, never the prover's choice.

A prover who knew a discrete-logarithm relation between the generators could
prove a false shuffle, so the verifier derives them itself (they are not in a
shuffle's JSON at all) and a proof made with any other generators fails.  The
derivation is checked against an independent pure-Python implementation of the
map written from ``docs/PROTOCOL.md`` ("Mix-net"), so the text is precise
enough to reimplement without libsodium.
"""

from __future__ import annotations

import dataclasses
import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ballot.crypto.elgamal import encrypt
from ballot.crypto.fiat_shamir import ChallengeHasher, Part, encode_part, fiat_shamir_challenge
from ballot.crypto.group import (
    BASE,
    IDENTITY,
    Element,
    GroupError,
    Scalar,
    base_mul,
    element_from_uniform,
    linear_combination,
)
from ballot.crypto.shuffle import (
    Generators,
    Shuffle,
    ShuffleError,
    derive_generator,
    derive_generators,
    list_digest,
    shuffle_items,
    verify_shuffle_chain,
)
from ballot.crypto.shuffle.proof import _prove_with

FP = hashlib.sha256(b"officer election A").digest()
OTHER_FP = hashlib.sha256(b"officer election B").digest()

# --------------------------------------------------------------------------- the map, from the text

P = 2**255 - 19
A = 486662
D = (-121665 * pow(121666, -1, P)) % P


def spec_from_uniform(data: bytes) -> bytes:
    """PROTOCOL "Mix-net", generator derivation, steps 1-5, in plain integers."""
    sign = data[31] >> 7
    r = (int.from_bytes(data, "little") & ((1 << 255) - 1)) % P
    x = -A * pow(1 + 2 * r * r, -1, P) % P
    if pow((x**3 + A * x * x + x) % P, (P - 1) // 2, P) == P - 1:  # not a square
        x = (-x - A) % P
    y = (x - 1) * pow(x + 1, P - 2, P) % P  # x + 1 = 0 gives y = 0 (as 0^(p-2) = 0)
    u, v = (y * y - 1) % P, (D * y * y + 1) % P
    xe = pow(u * pow(v, -1, P) % P, (P + 3) // 8, P)
    if (xe * xe * v - u) % P:
        xe = xe * pow(2, (P - 1) // 4, P) % P
    assert (xe * xe * v - u) % P == 0, "the map always lands on the curve"
    if xe & 1 != sign:
        xe = (P - xe) % P
    point = (xe, y)
    for _ in range(3):
        point = edwards_add(point, point)
    return (point[1] | ((point[0] & 1) << 255)).to_bytes(32, "little")


def edwards_add(p1: tuple[int, int], p2: tuple[int, int]) -> tuple[int, int]:
    (x1, y1), (x2, y2) = p1, p2
    t = D * x1 * x2 * y1 * y2 % P
    return (
        (x1 * y2 + x2 * y1) * pow(1 + t, -1, P) % P,
        (y1 * y2 + x1 * x2) * pow(1 - t, -1, P) % P,
    )


def spec_generator(fingerprint: bytes, index: int) -> bytes:
    counter = 0
    while True:
        h = hashlib.sha512()
        for part in ("ballot/v1/shuffle-generator", fingerprint, index, counter):
            h.update(encode_part(part))
        point = spec_from_uniform(h.digest()[:32])
        if point != bytes(IDENTITY):
            return point
        counter += 1  # pragma: no cover


@settings(max_examples=60, deadline=None)
@given(st.binary(min_size=32, max_size=32))
def test_libsodium_from_uniform_is_the_map_the_text_describes(data: bytes) -> None:
    expected = spec_from_uniform(data)
    if expected == bytes(IDENTITY):
        with pytest.raises(GroupError):
            element_from_uniform(data)
    else:
        assert bytes(element_from_uniform(data)) == expected


def test_the_map_gives_the_identity_for_zero_and_the_derivation_moves_on() -> None:
    assert spec_from_uniform(bytes(32)) == bytes(IDENTITY)
    with pytest.raises(GroupError, match="identity"):
        element_from_uniform(bytes(32))


def test_generators_are_the_ones_the_text_defines() -> None:
    gens = derive_generators(FP, 5)
    assert [bytes(g) for g in (gens.h, *gens.hs)] == [spec_generator(FP, i) for i in range(6)]


def test_the_check_values_of_the_text() -> None:
    gens = derive_generators(bytes(32), 2)
    assert [g.hex() for g in (gens.h, *gens.hs)] == [
        "ae4f34bb1453ff60dc508a8d4d8186c954c899a1325217462c98c968d2bbff3a",
        "69fbaa30f8ceaaacfc591aa0109e181600be2e3a46e8be6cafd50bcb9f070763",
        "30d09f3451270201e03d1b0923cbdfe62114973aa9cbc8fd9f75835750c84a46",
    ]


def test_generators_are_valid_distinct_and_depend_on_election_and_index() -> None:
    gens = derive_generators(FP, 40)
    every = [gens.h, *gens.hs]
    for g in every:
        assert Element.from_bytes(bytes(g)) == g  # valid, in the subgroup, not the identity
    assert len({bytes(g) for g in every} | {bytes(BASE)}) == 41 + 1
    assert derive_generator(OTHER_FP, 1) != gens.hs[0]
    assert derive_generators(FP, 3).hs == gens.hs[:3], "H_i does not depend on N"


# --------------------------------------------------------------------------- never the prover's choice

SECRET = Scalar.reduce64(hashlib.sha512(b"key").digest())
KEY = base_mul(SECRET)
BALLOTS = tuple(
    tuple(encrypt(KEY, (i + k) % 4, Scalar.hash(b"r%d-%d" % (i, k))) for k in range(2))
    for i in range(4)
)


def proof_with(gens: Generators) -> Shuffle:
    output, witness = shuffle_items(BALLOTS, KEY)
    proof = _prove_with(gens, FP, 1, KEY, BALLOTS, output, witness, Scalar.random)
    return Shuffle(FP, 1, list_digest(BALLOTS), output, proof)


def test_the_derived_generators_make_a_proof_that_verifies() -> None:
    verify_shuffle_chain(FP, KEY, BALLOTS, [proof_with(derive_generators(FP, 4))])


@pytest.mark.parametrize(
    "make",
    [
        lambda: derive_generators(OTHER_FP, 4),  # another election's
        lambda: Generators(  # chosen by the prover, with logarithms it knows
            base_mul(Scalar(7)), tuple(base_mul(Scalar(11 + i)) for i in range(4))
        ),
        lambda: dataclasses.replace(  # the right ones, two swapped
            derive_generators(FP, 4),
            hs=(lambda hs: (hs[1], hs[0], *hs[2:]))(derive_generators(FP, 4).hs),
        ),
    ],
    ids=["other-election", "known-logarithms", "swapped"],
)
def test_a_proof_made_with_other_generators_fails(make: object) -> None:
    shuffle = proof_with(make())  # type: ignore[operator]
    with pytest.raises(ShuffleError) as caught:
        verify_shuffle_chain(FP, KEY, BALLOTS, [shuffle])
    assert (caught.value.check, caught.value.shuffler) == ("proof", 1)


def test_a_shuffle_has_no_place_to_name_generators() -> None:
    obj = proof_with(derive_generators(FP, 4)).to_json()
    obj["generators"] = [bytes(base_mul(Scalar(3))).hex()]
    with pytest.raises(ShuffleError, match="exactly the keys") as caught:
        Shuffle.from_json(obj)
    assert caught.value.check == "malformed"
    proof = dict(obj["proof"])  # type: ignore[call-overload]
    proof["generators"] = obj.pop("generators")
    obj["proof"] = proof
    with pytest.raises(ShuffleError, match="exactly the keys"):
        Shuffle.from_json(obj)


# --------------------------------------------------------------------------- shared helpers

PARTS = st.one_of(
    st.text(max_size=8),
    st.binary(max_size=8),
    st.integers(0, 2**64 - 1),
    st.integers(0, 50).map(lambda i: Scalar(i)),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(PARTS, max_size=6), st.integers(0, 6))
def test_the_incremental_hasher_hashes_the_same_bytes(parts: list[Part], cut: int) -> None:
    hasher = ChallengeHasher("t", FP)
    hasher.extend(parts[:cut])
    fork = hasher.copy()
    fork.extend(parts[cut:])
    hasher.append("other")
    assert fork.challenge() == fiat_shamir_challenge("t", FP, parts)
    assert hasher.challenge() == fiat_shamir_challenge("t", FP, [*parts[:cut], "other"])


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), max_size=6))
def test_linear_combination_is_the_sum_of_products(terms: list[tuple[int, int]]) -> None:
    """Zero scalars, the identity and the base point (index 0 below) are all terms."""
    points = [
        IDENTITY if p == 5 else BASE if p == 0 else base_mul(Scalar(p * 1000)) for _, p in terms
    ]
    scalars = [Scalar(s) for s, _ in terms]
    expected = IDENTITY
    for s, p in zip(scalars, points, strict=True):
        expected = expected + p * s
    assert linear_combination(scalars, points) == expected
