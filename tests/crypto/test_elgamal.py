"""Exponential ElGamal: encryption, homomorphism, JSON form and decoding of counts."""

from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ballot.crypto.elgamal import (
    MAX_TALLY,
    Ciphertext,
    DecodeError,
    decode_count,
    encrypt,
    small_multiple,
)
from ballot.crypto.group import BASE, IDENTITY, Element, GroupError, L, Scalar, base_mul

SECRET = Scalar(0x1234567890ABCDEF)
PUBLIC = base_mul(SECRET)


def seeded_scalar(label: str) -> Scalar:
    return Scalar.reduce64(hashlib.sha512(label.encode()).digest())


def decrypt_point(ct: Ciphertext, secret: Scalar = SECRET) -> Element:
    return ct.beta - ct.alpha * secret


nonzero = st.integers(min_value=1, max_value=L - 1).map(Scalar)
counts = st.integers(min_value=0, max_value=1000)


def test_encrypt_shape() -> None:
    r = seeded_scalar("r")
    ct = encrypt(PUBLIC, 3, r)
    assert ct.alpha == base_mul(r)
    assert ct.beta == base_mul(Scalar(3)) + PUBLIC * r
    assert decrypt_point(ct) == small_multiple(3)


def test_encrypt_zero_has_no_message_term() -> None:
    r = seeded_scalar("r0")
    ct = encrypt(PUBLIC, 0, r)
    assert ct.beta == PUBLIC * r
    assert decrypt_point(ct) == IDENTITY
    assert decode_count(decrypt_point(ct)) == 0


def test_encrypt_refuses_zero_randomness_and_negative_counts() -> None:
    with pytest.raises(GroupError, match="randomness must not be zero"):
        encrypt(PUBLIC, 1, Scalar(0))
    with pytest.raises(ValueError, match="non-negative"):
        encrypt(PUBLIC, -1, seeded_scalar("x"))


def test_small_multiple() -> None:
    assert small_multiple(0) == IDENTITY
    assert small_multiple(1) == BASE
    assert small_multiple(5) == base_mul(Scalar(5))


@settings(max_examples=30, deadline=None)
@given(m1=counts, m2=counts, r1=nonzero, r2=nonzero)
def test_homomorphism(m1: int, m2: int, r1: Scalar, r2: Scalar) -> None:
    c1, c2 = encrypt(PUBLIC, m1, r1), encrypt(PUBLIC, m2, r2)
    total = c1 + c2
    assert total == Ciphertext(base_mul(r1 + r2), small_multiple(m1 + m2) + PUBLIC * (r1 + r2))
    assert decode_count(decrypt_point(total)) == m1 + m2
    assert Ciphertext.sum([c1, c2]) == total
    assert Ciphertext.sum([c1, c2, Ciphertext.zero()]) == total


def test_scale_multiplies_the_plaintext() -> None:
    ct = encrypt(PUBLIC, 7, seeded_scalar("s"))
    assert decode_count(decrypt_point(ct.scale(Scalar(3)))) == 21
    assert ct.scale(Scalar(0)) == Ciphertext.zero()


def test_sum_of_nothing_is_zero_and_decrypts_to_zero() -> None:
    zero = Ciphertext.sum([])
    assert zero == Ciphertext(IDENTITY, IDENTITY)
    assert decode_count(decrypt_point(zero)) == 0


def test_ciphertext_and_negation_cancel() -> None:
    ct = encrypt(PUBLIC, 1, seeded_scalar("n"))
    neg = Ciphertext(-ct.alpha, -ct.beta)
    assert ct + neg == Ciphertext.zero()


# --------------------------------------------------------------------------- JSON


@settings(max_examples=30, deadline=None)
@given(m=counts, r=nonzero)
def test_json_round_trip(m: int, r: Scalar) -> None:
    ct = encrypt(PUBLIC, m, r)
    obj = ct.to_json()
    assert set(obj) == {"alpha", "beta"}
    assert obj["alpha"] == ct.alpha.hex() and len(obj["beta"]) == 64
    assert Ciphertext.from_json(json.loads(json.dumps(obj))) == ct


def test_json_identity_only_where_allowed() -> None:
    zero = Ciphertext.zero().to_json()
    with pytest.raises(GroupError, match="identity element is not allowed"):
        Ciphertext.from_json(zero)
    assert Ciphertext.from_json(zero, allow_identity=True) == Ciphertext.zero()
    half = {"alpha": BASE.hex(), "beta": IDENTITY.hex()}
    with pytest.raises(GroupError, match="identity element is not allowed"):
        Ciphertext.from_json(half)


@pytest.mark.parametrize(
    "obj",
    [
        None,
        [],
        "x",
        {"alpha": BASE.hex()},
        {"alpha": BASE.hex(), "beta": BASE.hex(), "extra": 1},
        {"alpha": BASE.hex(), "beta": 5},
        {"alpha": None, "beta": BASE.hex()},
    ],
)
def test_json_shape_rejected(obj: object) -> None:
    with pytest.raises(GroupError, match="ciphertext"):
        Ciphertext.from_json(obj)


def test_json_bad_element_rejected() -> None:
    small_order = "00" * 32
    with pytest.raises(GroupError, match="small-order"):
        Ciphertext.from_json({"alpha": small_order, "beta": BASE.hex()})
    with pytest.raises(GroupError, match="32 bytes"):
        Ciphertext.from_json({"alpha": BASE.hex(), "beta": BASE.hex()[:-2]})


# --------------------------------------------------------------------------- decoding counts


@pytest.mark.parametrize("m", [0, 1, 2, 63, 64, 65, 1000, 1023, 1024, 3162, 3163, 123_457])
def test_decode_small_and_medium(m: int) -> None:
    assert decode_count(small_multiple(m)) == m


def test_decode_identity_is_zero() -> None:
    assert decode_count(IDENTITY) == 0
    assert decode_count(IDENTITY, maximum=0) == 0


@pytest.mark.parametrize("m", [MAX_TALLY - 1, MAX_TALLY, 9_999_999 - 3163, 5_000_000])
def test_decode_near_the_upper_bound(m: int) -> None:
    assert MAX_TALLY == 10_000_000
    assert decode_count(base_mul(Scalar(m))) == m


@pytest.mark.parametrize("m", [MAX_TALLY + 1, MAX_TALLY + 5000, 2 * MAX_TALLY, L - 1])
def test_decode_beyond_maximum_fails(m: int) -> None:
    with pytest.raises(DecodeError, match="not a count between 0 and 10000000"):
        decode_count(base_mul(Scalar(m)))


@pytest.mark.parametrize(("m", "maximum"), [(6, 5), (65, 64), (1025, 1024), (70, 5)])
def test_decode_respects_a_small_maximum(m: int, maximum: int) -> None:
    with pytest.raises(DecodeError):
        decode_count(small_multiple(m), maximum=maximum)
    assert decode_count(small_multiple(maximum), maximum=maximum) == maximum


def test_decode_of_a_random_point_fails() -> None:
    with pytest.raises(DecodeError):
        decode_count(base_mul(seeded_scalar("not a count")))


def test_decrypting_ten_million_votes() -> None:
    """A tally of 10,000,000 yes-votes: aggregate ciphertext decrypts and decodes."""
    r = seeded_scalar("tally")
    ct = encrypt(PUBLIC, MAX_TALLY, r)
    assert decode_count(decrypt_point(ct)) == MAX_TALLY
