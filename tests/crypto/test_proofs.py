"""Zero-knowledge proofs: completeness, soundness against tampering, binding to the statement.

Soundness here is the practical property a verifier relies on: any change to
any field of a proof or of the ciphertext it speaks about, and any attempt to
reuse a valid proof for another statement or another election, is refused
with ProofError (or GroupError when the change breaks an encoding), never
accepted and never a crash.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ballot.crypto.elgamal import Ciphertext, encrypt, small_multiple
from ballot.crypto.fiat_shamir import Part
from ballot.crypto.group import BASE, IDENTITY, GroupError, L, Scalar, base_mul
from ballot.crypto.proofs import (
    MAX_RANGE_BRANCHES,
    EqualityProof,
    ProofError,
    RangeProof,
    SchnorrProof,
    prove_equality,
    prove_range,
    prove_schnorr,
)

FP = hashlib.sha256(b"election A").digest()
OTHER_FP = hashlib.sha256(b"election B").digest()


def seeded_rng(seed: str) -> Callable[[], Scalar]:
    """Deterministic nonces: SHA-512(seed || counter) reduced mod L."""
    counter = itertools.count()

    def draw() -> Scalar:
        data = seed.encode() + next(counter).to_bytes(8, "big")
        return Scalar.reduce64(hashlib.sha512(data).digest())

    return draw


KEY_RNG = seeded_rng("keys")
SECRET = KEY_RNG()
PUBLIC = base_mul(SECRET)
OTHER_PUBLIC = base_mul(KEY_RNG())

# --------------------------------------------------------------------------- fixtures (built once)

SCHNORR_CTX: list[Part] = ["trustee", 1, "coefficient", 0]
SCHNORR_X = KEY_RNG()
SCHNORR_PUB = base_mul(SCHNORR_X)
SCHNORR = prove_schnorr(SCHNORR_X, FP, SCHNORR_CTX, rng=seeded_rng("schnorr"))

# partial decryption: D = x*alpha, proof log_B(K) == log_alpha(D)
CT_R = KEY_RNG()
CT = encrypt(PUBLIC, 1, CT_R)
PARTIAL = CT.alpha * SECRET
EQ_CTX: list[Part] = ["partial-decryption", 1]
EQ = prove_equality(SECRET, BASE, CT.alpha, FP, EQ_CTX, rng=seeded_rng("eq"))
EQ_STATEMENT = (BASE, PUBLIC, CT.alpha, PARTIAL)

RANGE_CTX: list[Part] = ["question-1", 0]
RANGE = prove_range(CT, 1, CT_R, PUBLIC, 0, 1, FP, RANGE_CTX, rng=seeded_rng("range"))


def verify_schnorr(proof: SchnorrProof) -> None:
    proof.verify(SCHNORR_PUB, FP, SCHNORR_CTX)


def verify_eq(proof: EqualityProof) -> None:
    proof.verify(*EQ_STATEMENT, FP, EQ_CTX)


def verify_range(proof: RangeProof, ct: Ciphertext = CT) -> None:
    proof.verify(ct, PUBLIC, 0, 1, FP, RANGE_CTX)


# --------------------------------------------------------------------------- completeness


def test_schnorr_completeness() -> None:
    verify_schnorr(SCHNORR)
    for i in range(5):
        x = Scalar.random()
        ctx: list[Part] = ["trustee", i, "coefficient", i]
        prove_schnorr(x, FP, ctx).verify(base_mul(x), FP, ctx)


def test_equality_completeness() -> None:
    verify_eq(EQ)
    for _ in range(5):
        w, h = Scalar.random(), base_mul(Scalar.random())
        g = base_mul(Scalar.random())
        proof = prove_equality(w, g, h, FP, ["x"])
        proof.verify(g, g * w, h, h * w, FP, ["x"])


def test_equality_proves_a_ciphertext_encrypts_exactly_m() -> None:
    """Statement (B, alpha, K, beta - m*B) with witness r: used to open a tally."""
    r = Scalar.random()
    ct = encrypt(PUBLIC, 5, r)
    proof = prove_equality(r, BASE, PUBLIC, FP, ["open"])
    proof.verify(BASE, ct.alpha, PUBLIC, ct.beta - small_multiple(5), FP, ["open"])
    with pytest.raises(ProofError):
        proof.verify(BASE, ct.alpha, PUBLIC, ct.beta - small_multiple(4), FP, ["open"])


@pytest.mark.parametrize(("lo", "hi"), [(0, 1), (0, 0), (1, 1), (0, 3), (2, 5), (0, 9)])
def test_range_completeness_every_value(lo: int, hi: int) -> None:
    for m in range(lo, hi + 1):
        r = Scalar.random()
        ct = encrypt(PUBLIC, m, r)
        proof = prove_range(ct, m, r, PUBLIC, lo, hi, FP, ["q", m])
        assert proof.lo == lo and proof.hi == hi
        proof.verify(ct, PUBLIC, lo, hi, FP, ["q", m])


def test_range_completeness_widest() -> None:
    r = Scalar.random()
    hi = MAX_RANGE_BRANCHES - 1
    ct = encrypt(PUBLIC, 17, r)
    prove_range(ct, 17, r, PUBLIC, 0, hi, FP, []).verify(ct, PUBLIC, 0, hi, FP, [])


def test_range_prover_refuses_false_or_too_wide_statements() -> None:
    r = Scalar.random()
    ct = encrypt(PUBLIC, 2, r)
    with pytest.raises(ValueError, match="outside the range"):
        prove_range(ct, 2, r, PUBLIC, 0, 1, FP, [])
    with pytest.raises(ValueError, match="too wide"):
        prove_range(ct, 2, r, PUBLIC, 0, MAX_RANGE_BRANCHES, FP, [])


def test_range_proof_for_a_false_claim_does_not_verify() -> None:
    """A prover lying about m (encrypts 2, claims 1 in [0, 1]) produces a rejected proof."""
    r = Scalar.random()
    ct = encrypt(PUBLIC, 2, r)
    proof = prove_range(ct, 1, r, PUBLIC, 0, 1, FP, [])
    with pytest.raises(ProofError, match=r"encrypts a value in \[0, 1\] fails"):
        proof.verify(ct, PUBLIC, 0, 1, FP, [])


# --------------------------------------------------------------------------- round trips


def test_json_round_trips() -> None:
    pairs: list[tuple[Any, Any]] = [
        (SCHNORR, SchnorrProof),
        (EQ, EqualityProof),
        (RANGE, RangeProof),
    ]
    for proof, cls in pairs:
        text = json.dumps(proof.to_json())
        again = cls.from_json(json.loads(text))
        assert again == proof
    assert set(SCHNORR.to_json()) == {"challenge", "response"}
    assert set(EQ.to_json()) == {"challenge", "response"}
    assert RANGE.to_json()["lo"] == 0
    assert len(RANGE.to_json()["challenges"]) == 2  # type: ignore[arg-type]


# --------------------------------------------------------------------------- tampering (hypothesis)


def _flip_hex(text: str, bit: int) -> str:
    raw = bytearray(bytes.fromhex(text))
    raw[(bit // 8) % len(raw)] ^= 1 << (bit % 8)
    return raw.hex()


def _scalar_paths(obj: dict[str, Any]) -> list[tuple[str, int | None]]:
    paths: list[tuple[str, int | None]] = []
    for key, value in obj.items():
        if isinstance(value, str):
            paths.append((key, None))
        elif isinstance(value, list):
            paths += [(key, i) for i in range(len(value))]
    return paths


def _mutate(obj: dict[str, Any], path: tuple[str, int | None], fn: Callable[[str], str]) -> Any:
    new = json.loads(json.dumps(obj))
    key, idx = path
    if idx is None:
        new[key] = fn(new[key])
    else:
        new[key][idx] = fn(new[key][idx])
    return new


def _refused(action: Callable[[], None]) -> None:
    with pytest.raises((ProofError, GroupError)):
        action()


PROOFS: dict[str, tuple[Any, Any, Callable[[Any], None]]] = {
    "schnorr": (SCHNORR, SchnorrProof, verify_schnorr),
    "equality": (EQ, EqualityProof, verify_eq),
    "range": (RANGE, RangeProof, verify_range),
}


@settings(max_examples=60, deadline=None)
@given(kind=st.sampled_from(sorted(PROOFS)), which=st.integers(0, 10), bit=st.integers(0, 255))
def test_flipping_any_bit_of_any_proof_field_is_refused(kind: str, which: int, bit: int) -> None:
    proof, cls, verify = PROOFS[kind]
    obj = proof.to_json()
    paths = _scalar_paths(obj)
    tampered = _mutate(obj, paths[which % len(paths)], lambda h: _flip_hex(h, bit))
    _refused(lambda: verify(cls.from_json(tampered)))


@settings(max_examples=40, deadline=None)
@given(
    kind=st.sampled_from(sorted(PROOFS)),
    which=st.integers(0, 10),
    value=st.integers(0, L - 1),
)
def test_replacing_any_scalar_of_any_proof_is_refused(kind: str, which: int, value: int) -> None:
    proof, cls, verify = PROOFS[kind]
    obj = proof.to_json()
    paths = _scalar_paths(obj)
    path = paths[which % len(paths)]
    replacement = Scalar(value).hex()
    tampered = _mutate(obj, path, lambda _h: replacement)
    if tampered == obj:
        return  # drew the very same scalar
    _refused(lambda: verify(cls.from_json(tampered)))


@settings(max_examples=40, deadline=None)
@given(component=st.sampled_from(["alpha", "beta"]), bit=st.integers(0, 255))
def test_flipping_any_bit_of_the_ciphertext_is_refused(component: str, bit: int) -> None:
    tampered = _mutate(CT.to_json(), (component, None), lambda h: _flip_hex(h, bit))
    _refused(lambda: verify_range(RANGE, Ciphertext.from_json(tampered)))


@settings(max_examples=20, deadline=None)
@given(component=st.sampled_from(["alpha", "beta"]), k=st.integers(1, 2**64))
def test_replacing_a_ciphertext_component_is_refused(component: str, k: int) -> None:
    other = base_mul(Scalar(k))
    ct = Ciphertext(other, CT.beta) if component == "alpha" else Ciphertext(CT.alpha, other)
    _refused(lambda: verify_range(RANGE, ct))


def test_range_lo_changed_is_refused() -> None:
    obj = RANGE.to_json()
    obj["lo"] = 1
    with pytest.raises(ProofError, match=r"covers \[1, 2\], expected \[0, 1\]"):
        verify_range(RangeProof.from_json(obj))


def test_range_branches_swapped_is_refused() -> None:
    swapped = RangeProof(0, RANGE.challenges[::-1], RANGE.responses[::-1])
    with pytest.raises(ProofError):
        verify_range(swapped)


# --------------------------------------------------------------------------- moved proofs


def test_schnorr_moved_is_refused() -> None:
    with pytest.raises(ProofError, match="Schnorr"):
        SCHNORR.verify(base_mul(Scalar(5)), FP, SCHNORR_CTX)  # other public value
    with pytest.raises(ProofError, match="Schnorr"):
        SCHNORR.verify(SCHNORR_PUB, FP, ["trustee", 2, "coefficient", 0])  # other context
    with pytest.raises(ProofError, match="Schnorr"):
        SCHNORR.verify(SCHNORR_PUB, FP, [])
    with pytest.raises(ProofError, match="Schnorr"):
        SCHNORR.verify(SCHNORR_PUB, OTHER_FP, SCHNORR_CTX)  # other election


def test_equality_moved_is_refused() -> None:
    g, a, h, c = EQ_STATEMENT
    other = encrypt(PUBLIC, 0, Scalar(99))
    cases: list[tuple[Any, ...]] = [
        (g, a, other.alpha, other.alpha * SECRET, FP, EQ_CTX),  # another ciphertext
        (g, OTHER_PUBLIC, h, c, FP, EQ_CTX),  # another public key
        (g, a, h, c + BASE, FP, EQ_CTX),  # another partial decryption
        (h, c, g, a, FP, EQ_CTX),  # statement rearranged (same discrete log!)
        (g, a, h, c, FP, ["partial-decryption", 2]),  # another trustee
        (g, a, h, c, OTHER_FP, EQ_CTX),  # another election
    ]
    for case in cases:
        with pytest.raises(ProofError, match="Chaum-Pedersen"):
            EQ.verify(*case)


def test_range_moved_is_refused() -> None:
    other_r = Scalar(12345)
    other_ct = encrypt(PUBLIC, 1, other_r)
    same_plain_other_key = encrypt(OTHER_PUBLIC, 1, CT_R)
    refusals: list[Callable[[], object]] = [
        lambda: RANGE.verify(other_ct, PUBLIC, 0, 1, FP, RANGE_CTX),  # other ciphertext
        lambda: RANGE.verify(CT, OTHER_PUBLIC, 0, 1, FP, RANGE_CTX),  # other key
        lambda: RANGE.verify(same_plain_other_key, OTHER_PUBLIC, 0, 1, FP, RANGE_CTX),
        lambda: RANGE.verify(CT, PUBLIC, 1, 2, FP, RANGE_CTX),  # other range
        lambda: RANGE.verify(CT, PUBLIC, 0, 2, FP, RANGE_CTX),
        lambda: RANGE.verify(CT, PUBLIC, 0, 1, FP, ["question-1", 1]),  # other slot
        lambda: RANGE.verify(CT, PUBLIC, 0, 1, FP, ["question-2", 0]),
        lambda: RANGE.verify(CT, PUBLIC, 0, 1, FP, []),
        lambda: RANGE.verify(CT, PUBLIC, 0, 1, OTHER_FP, RANGE_CTX),  # other election
    ]
    for refuse in refusals:
        with pytest.raises(ProofError):
            refuse()


def test_range_same_bounds_other_lo_in_proof_is_refused() -> None:
    """A [1, 2] proof cannot stand in for a [0, 1] statement even with the same branch count."""
    r = Scalar(777)
    ct = encrypt(PUBLIC, 1, r)
    proof = prove_range(ct, 1, r, PUBLIC, 1, 2, FP, [])
    with pytest.raises(ProofError, match="covers"):
        proof.verify(ct, PUBLIC, 0, 1, FP, [])
    relabelled = RangeProof(0, proof.challenges, proof.responses)
    with pytest.raises(ProofError, match="fails"):
        relabelled.verify(ct, PUBLIC, 0, 1, FP, [])


# --------------------------------------------------------------------------- hostile proofs

ZERO, ONE = Scalar(0), Scalar(1)


@pytest.mark.parametrize(
    ("c", "v"), [(ZERO, ZERO), (ZERO, ONE), (ONE, ZERO), (Scalar(L - 1), ZERO)]
)
def test_hostile_zero_scalars_refused_not_crashing(c: Scalar, v: Scalar) -> None:
    with pytest.raises(ProofError):
        verify_schnorr(SchnorrProof(c, v))
    with pytest.raises(ProofError):
        verify_eq(EqualityProof(c, v))
    with pytest.raises(ProofError):
        verify_range(RangeProof(0, (c, c), (v, v)))


def test_hostile_identity_statements_refused_not_crashing() -> None:
    """Identity public key, identity ciphertext (allowed in aggregates), identity partial."""
    zero_ct = Ciphertext.zero()
    for proof in (SchnorrProof(ZERO, ZERO), SCHNORR):
        with pytest.raises(ProofError):
            proof.verify(IDENTITY, FP, SCHNORR_CTX)
    for eproof in (EqualityProof(ZERO, ZERO), EQ):
        with pytest.raises(ProofError):
            eproof.verify(IDENTITY, IDENTITY, IDENTITY, IDENTITY, FP, EQ_CTX)
        with pytest.raises(ProofError):
            eproof.verify(BASE, PUBLIC, CT.alpha, IDENTITY, FP, EQ_CTX)
    for rproof in (RangeProof(0, (ZERO, ZERO), (ZERO, ZERO)), RANGE):
        with pytest.raises(ProofError):
            rproof.verify(zero_ct, PUBLIC, 0, 1, FP, RANGE_CTX)
        with pytest.raises(ProofError):
            rproof.verify(CT, IDENTITY, 0, 1, FP, RANGE_CTX)


def test_identity_commitment_forgery_refused() -> None:
    """Zero challenge and response make every recomputed commitment the identity."""
    with pytest.raises(ProofError):
        RangeProof(0, (ZERO, ZERO), (ZERO, ZERO)).verify(
            Ciphertext(BASE, BASE), PUBLIC, 0, 1, FP, RANGE_CTX
        )


def test_range_proof_with_mismatched_lists_refused() -> None:
    with pytest.raises(ProofError, match="one response per challenge"):
        verify_range(RangeProof(0, RANGE.challenges, RANGE.responses[:1]))


@pytest.mark.parametrize(
    "obj",
    [
        None,
        {},
        {"lo": 0, "challenges": [], "responses": []},
        {"lo": -1, "challenges": ["00" * 32], "responses": ["00" * 32]},
        {"lo": True, "challenges": ["00" * 32], "responses": ["00" * 32]},
        {"lo": "0", "challenges": ["00" * 32], "responses": ["00" * 32]},
        {"lo": 0, "challenges": ["00" * 32], "responses": []},
        {"lo": 0, "challenges": "00", "responses": "00"},
        {"lo": 0, "challenges": ["00" * 32] * 65, "responses": ["00" * 32] * 65},
        {"lo": 0, "challenges": [0], "responses": ["00" * 32]},
        {"lo": 0, "challenges": ["zz" * 32], "responses": ["00" * 32]},
        {"lo": 0, "challenges": ["ff" * 32], "responses": ["00" * 32]},
        {"lo": 0, "challenges": ["00" * 32], "responses": ["00" * 32], "hi": 0},
    ],
)
def test_range_json_malformed_refused(obj: object) -> None:
    with pytest.raises(ProofError):
        RangeProof.from_json(obj)


@pytest.mark.parametrize("cls", [SchnorrProof, EqualityProof])
@pytest.mark.parametrize(
    "obj",
    [
        None,
        {"challenge": "00" * 32},
        {"challenge": "00" * 32, "response": "00" * 32, "commitment": "00" * 32},
        {"challenge": 0, "response": "00" * 32},
        {"challenge": "00" * 31, "response": "00" * 32},
        {"challenge": "00" * 32, "response": L.to_bytes(32, "little").hex()},
    ],
)
def test_two_scalar_json_malformed_refused(cls: Any, obj: object) -> None:
    with pytest.raises(ProofError):
        cls.from_json(obj)


def test_non_canonical_scalar_message_names_the_field() -> None:
    obj = SCHNORR.to_json()
    obj["response"] = L.to_bytes(32, "little").hex()
    with pytest.raises(ProofError, match="proof field 'response': non-canonical scalar"):
        SchnorrProof.from_json(obj)


def test_response_plus_order_is_not_a_second_encoding() -> None:
    """v + L would verify if scalars were reduced; canonical parsing refuses it."""
    raw = (SCHNORR.response.value + L).to_bytes(32, "little")
    obj = {"challenge": SCHNORR.challenge.hex(), "response": raw.hex()}
    with pytest.raises(ProofError, match="non-canonical"):
        SchnorrProof.from_json(obj)


def test_range_proof_on_element_with_torsion_cannot_be_built() -> None:
    """A small-subgroup-tampered ciphertext never reaches the verifier: parsing refuses it."""
    tampered = {
        "alpha": "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
        "beta": CT.beta.hex(),
    }
    with pytest.raises(GroupError):
        Ciphertext.from_json(tampered)
