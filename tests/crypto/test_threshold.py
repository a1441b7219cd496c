"""Threshold decryption: any k trustees decrypt, wrong partials are caught and named."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import random
from collections.abc import Callable
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ballot.crypto.ceremony import CeremonyResult, TrusteeShare, local_ceremony, verify_transcript
from ballot.crypto.elgamal import Ciphertext, encrypt
from ballot.crypto.group import BASE, IDENTITY, Element, L, Scalar, base_mul
from ballot.crypto.proofs import EqualityProof
from ballot.crypto.threshold import (
    BadPartialDecryption,
    NotEnoughPartials,
    PartialDecryption,
    ThresholdError,
    combine,
    combine_tally,
    evaluate_commitments,
    lagrange_at_zero,
    partial_decrypt,
    partial_decrypt_tally,
    verification_key,
    verify_partial,
    verify_partials,
)

MANIFEST = hashlib.sha256(b"test manifest").digest()
FINGERPRINT = hashlib.sha256(b"test election fingerprint").digest()


def seeded(seed: int) -> Callable[[], Scalar]:
    r = random.Random(seed)
    return lambda: Scalar.reduce64(r.randbytes(64))


@cache
def ceremony(k: int, n: int) -> tuple[CeremonyResult, tuple[TrusteeShare, ...]]:
    transcript, blobs = local_ceremony(k, n, MANIFEST, rng=seeded(k * 100 + n))
    result = verify_transcript(transcript, MANIFEST)
    return result, tuple(TrusteeShare.from_bytes(b) for b in blobs)


def tally_of(key: Element, ballots: list[dict[str, int]], seed: int = 7) -> dict[str, Ciphertext]:
    """Encrypt each ballot's choices and aggregate per label, as a tally does."""
    rng = seeded(seed)
    tally: dict[str, Ciphertext] = {}
    for ballot in ballots:
        for label, m in ballot.items():
            tally[label] = tally.get(label, Ciphertext.zero()) + encrypt(key, m, rng())
    return tally


BALLOTS = [
    {"q1/yes": 1, "q1/no": 0, "q2/alice": 1},
    {"q1/yes": 0, "q1/no": 1, "q2/alice": 1},
    {"q1/yes": 1, "q1/no": 0, "q2/alice": 0},
    {"q1/yes": 1, "q1/no": 0, "q2/alice": 1},
]
EXPECTED = {"q1/yes": 3, "q1/no": 1, "q2/alice": 3}


@pytest.mark.parametrize(("k", "n"), [(1, 1), (2, 3), (3, 5)])
def test_every_subset_of_k_trustees_decrypts_the_same_tally(k: int, n: int) -> None:
    result, shares = ceremony(k, n)
    tally = tally_of(result.joint_public_key, BALLOTS)
    submissions = {
        s.index: partial_decrypt_tally(
            s.index, s.secret_share, tally, FINGERPRINT, rng=seeded(s.index)
        )
        for s in shares
    }
    for size in range(k, n + 1):  # exactly k, and any larger set too
        for subset in itertools.combinations(sorted(submissions), size):
            partials = [p for i in subset for p in submissions[i]]
            decrypted = combine_tally(tally, partials, result.verification_keys, k, FINGERPRINT)
            assert decrypted == EXPECTED, subset


def test_single_ciphertext_combine_and_fewer_than_k_refused() -> None:
    result, shares = ceremony(3, 5)
    ct = encrypt(result.joint_public_key, 42, Scalar.random())
    partials = [partial_decrypt(s.index, s.secret_share, ct, FINGERPRINT, "q") for s in shares]
    keys = result.verification_keys
    assert combine(ct, "q", partials[1:4], keys, 3, FINGERPRINT) == 42
    assert combine(ct, "q", partials, keys, 3, FINGERPRINT) == 42
    with pytest.raises(NotEnoughPartials, match="at least 3"):
        combine(ct, "q", partials[:2], keys, 3, FINGERPRINT)


def test_tally_of_zero_ballots_has_identity_alpha_and_no_proof() -> None:
    result, shares = ceremony(2, 3)
    empty = {"q1/yes": Ciphertext.zero()}
    partials = [
        p
        for s in shares[:2]
        for p in partial_decrypt_tally(s.index, s.secret_share, empty, FINGERPRINT)
    ]
    assert all(p.share == IDENTITY and p.proof is None for p in partials)
    assert combine_tally(empty, partials, result.verification_keys, 2, FINGERPRINT) == {"q1/yes": 0}


def test_identity_alpha_rules_are_enforced() -> None:
    result, shares = ceremony(2, 3)
    zero = Ciphertext.zero()
    key = result.verification_keys[1]
    with pytest.raises(BadPartialDecryption, match="must be too") as err:
        verify_partial(PartialDecryption(1, "q", BASE, None), zero, "q", key, FINGERPRINT)
    assert err.value.trustee_index == 1
    real = partial_decrypt(
        1, shares[0].secret_share, encrypt(key, 1, Scalar.random()), FINGERPRINT, "q"
    )
    with pytest.raises(BadPartialDecryption, match="no proof is expected"):
        verify_partial(dataclasses.replace(real, share=IDENTITY), zero, "q", key, FINGERPRINT)


def test_verification_keys_are_x_times_b_and_computable_from_commitments() -> None:
    result, shares = ceremony(3, 5)
    for s in shares:
        assert base_mul(s.secret_share) == result.verification_keys[s.index]
        assert verification_key(result.commitments, s.index) == result.verification_keys[s.index]


# --------------------------------------------------------------------------- cheating trustees


Setting = tuple[CeremonyResult, tuple[TrusteeShare, ...], Ciphertext, Ciphertext]


@pytest.fixture
def setting() -> Setting:
    result, shares = ceremony(2, 3)
    key = result.joint_public_key
    return result, shares, encrypt(key, 5, Scalar.random()), encrypt(key, 9, Scalar.random())


def _named(trustee: int, call: Callable[[], object]) -> BadPartialDecryption:
    with pytest.raises(BadPartialDecryption) as err:
        call()
    assert err.value.trustee_index == trustee
    assert f"trustee {trustee}" in str(err.value)
    return err.value


def test_wrong_share_is_named(setting: Setting) -> None:
    result, shares, ct, _ = setting
    good = partial_decrypt(1, shares[0].secret_share, ct, FINGERPRINT, "q")
    honest = partial_decrypt(2, shares[1].secret_share, ct, FINGERPRINT, "q")
    bad = dataclasses.replace(good, share=good.share + BASE)
    _named(1, lambda: combine(ct, "q", [bad, honest], result.verification_keys, 2, FINGERPRINT))


def test_valid_share_with_another_trustees_proof_is_named(setting: Setting) -> None:
    result, shares, ct, _ = setting
    p1 = partial_decrypt(1, shares[0].secret_share, ct, FINGERPRINT, "q")
    p2 = partial_decrypt(2, shares[1].secret_share, ct, FINGERPRINT, "q")
    keys = result.verification_keys
    # Trustee 2 publishes its correct share but trustee 1's proof.
    _named(
        2,
        lambda: combine(
            ct, "q", [p1, dataclasses.replace(p2, proof=p1.proof)], keys, 2, FINGERPRINT
        ),
    )
    # Trustee 3 republishes trustee 1's whole work as its own.
    _named(
        3, lambda: combine(ct, "q", [p2, dataclasses.replace(p1, trustee=3)], keys, 2, FINGERPRINT)
    )


def test_proof_moved_to_another_ciphertext_is_named(setting: Setting) -> None:
    result, shares, ct1, ct2 = setting
    keys = result.verification_keys
    p1 = partial_decrypt(1, shares[0].secret_share, ct1, FINGERPRINT, "q1")
    p2_on_ct2 = partial_decrypt(2, shares[1].secret_share, ct2, FINGERPRINT, "q2")
    d_on_ct2 = partial_decrypt(1, shares[0].secret_share, ct2, FINGERPRINT, "q2")
    moved = dataclasses.replace(d_on_ct2, proof=p1.proof)  # right share for ct2, proof of ct1
    _named(1, lambda: combine(ct2, "q2", [moved, p2_on_ct2], keys, 2, FINGERPRINT))
    relabelled = dataclasses.replace(p1, label="q2")  # ct1's whole partial filed under q2
    _named(1, lambda: combine(ct2, "q2", [relabelled, p2_on_ct2], keys, 2, FINGERPRINT))
    _named(1, lambda: combine(ct2, "q2", [p1, p2_on_ct2], keys, 2, FINGERPRINT))


def test_proof_for_another_election_is_named(setting: Setting) -> None:
    result, shares, ct, _ = setting
    other = partial_decrypt(1, shares[0].secret_share, ct, b"another election", "q")
    honest = partial_decrypt(2, shares[1].secret_share, ct, FINGERPRINT, "q")
    _named(1, lambda: combine(ct, "q", [other, honest], result.verification_keys, 2, FINGERPRINT))


def test_missing_proof_duplicates_and_strangers_are_named(setting: Setting) -> None:
    result, shares, ct, _ = setting
    keys = result.verification_keys
    p1 = partial_decrypt(1, shares[0].secret_share, ct, FINGERPRINT, "q")
    p2 = partial_decrypt(2, shares[1].secret_share, ct, FINGERPRINT, "q")
    _named(
        1, lambda: combine(ct, "q", [dataclasses.replace(p1, proof=None), p2], keys, 2, FINGERPRINT)
    )
    _named(2, lambda: combine(ct, "q", [p1, p2, p2], keys, 2, FINGERPRINT))
    stranger = dataclasses.replace(p1, trustee=9)
    _named(9, lambda: combine(ct, "q", [p1, p2, stranger], keys, 2, FINGERPRINT))


def test_tally_submission_must_cover_every_label_once(setting: Setting) -> None:
    result, shares, ct1, ct2 = setting
    tally = {"a": ct1, "b": ct2}
    keys = result.verification_keys
    p1 = partial_decrypt_tally(1, shares[0].secret_share, tally, FINGERPRINT)
    p2 = partial_decrypt_tally(2, shares[1].secret_share, tally, FINGERPRINT)
    assert combine_tally(tally, p1 + p2, keys, 2, FINGERPRINT) == {"a": 5, "b": 9}
    _named(2, lambda: combine_tally(tally, p1 + p2[:1], keys, 2, FINGERPRINT))
    _named(2, lambda: combine_tally(tally, p1 + p2 + p2[:1], keys, 2, FINGERPRINT))
    _named(
        1,
        lambda: verify_partials(
            1, [*p1, dataclasses.replace(p1[0], label="c")], tally, keys[1], FINGERPRINT
        ),
    )
    _named(1, lambda: verify_partials(1, p1 + p2, tally, keys[1], FINGERPRINT))
    with pytest.raises(NotEnoughPartials):
        combine_tally(tally, p1, keys, 2, FINGERPRINT)


# --------------------------------------------------------------------------- soundness, encoding


def _perturb(s: Scalar, delta: int) -> Scalar:
    return Scalar.from_int(s.value + delta)


@settings(max_examples=30, deadline=None)
@given(
    field=st.sampled_from(["trustee", "label", "share", "challenge", "response"]),
    delta=st.integers(1, L - 1),
)
def test_changing_any_field_of_a_partial_breaks_verification(field: str, delta: int) -> None:
    result, shares = ceremony(2, 3)
    ct = encrypt(result.joint_public_key, 3, seeded(1)())
    good = partial_decrypt(1, shares[0].secret_share, ct, FINGERPRINT, "q/opt", rng=seeded(2))
    assert good.proof is not None
    verify_partial(good, ct, "q/opt", result.verification_keys[1], FINGERPRINT)
    if field == "trustee":
        bad = dataclasses.replace(good, trustee=2 + delta % 2)
    elif field == "label":
        bad = dataclasses.replace(good, label=f"q/opt{delta}")
    elif field == "share":
        bad = dataclasses.replace(good, share=good.share + base_mul(Scalar.from_int(delta)))
    elif field == "challenge":
        bad = dataclasses.replace(
            good, proof=EqualityProof(_perturb(good.proof.challenge, delta), good.proof.response)
        )
    else:
        bad = dataclasses.replace(
            good, proof=EqualityProof(good.proof.challenge, _perturb(good.proof.response, delta))
        )
    with pytest.raises(BadPartialDecryption):
        verify_partial(bad, ct, "q/opt", result.verification_keys[bad.trustee], FINGERPRINT)


def test_partial_decryption_json_round_trip() -> None:
    result, shares = ceremony(2, 3)
    ct = encrypt(result.joint_public_key, 1, Scalar.random())
    for p in (
        partial_decrypt(2, shares[1].secret_share, ct, FINGERPRINT, "q"),
        partial_decrypt(2, shares[1].secret_share, Ciphertext.zero(), FINGERPRINT, "q"),
    ):
        assert PartialDecryption.from_json(p.to_json()) == p


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.pop("proof"),
        lambda d: d.update(trustee=True),
        lambda d: d.update(trustee=0),
        lambda d: d.update(label=3),
        lambda d: d.update(share="zz"),
        lambda d: d.update(share=BASE.hex()[:-2]),
        lambda d: d.update(proof={"challenge": "00"}),
        lambda d: d.update(extra=1),
    ],
)
def test_malformed_partial_json_is_refused(mutate: Callable[[dict[str, object]], object]) -> None:
    result, shares = ceremony(2, 3)
    ct = encrypt(result.joint_public_key, 1, Scalar.random())
    obj = partial_decrypt(1, shares[0].secret_share, ct, FINGERPRINT, "q").to_json()
    mutate(obj)
    with pytest.raises(ThresholdError):
        PartialDecryption.from_json(obj)


@settings(max_examples=30, deadline=None)
@given(data=st.data(), k=st.integers(1, 6))
def test_lagrange_interpolation_recovers_f_at_zero(data: st.DataObject, k: int) -> None:
    coefficients = data.draw(st.lists(st.integers(0, L - 1), min_size=k, max_size=k))
    subset = data.draw(st.lists(st.integers(1, 100), min_size=k, max_size=k + 2, unique=True))

    def f(x: int) -> int:
        return int(sum(a * x**j for j, a in enumerate(coefficients)) % L)

    lambdas = lagrange_at_zero(subset)
    assert sum(lambdas[i].value * f(i) for i in subset) % L == coefficients[0]


def test_lagrange_refuses_repeated_or_zero_indices() -> None:
    with pytest.raises(ThresholdError):
        lagrange_at_zero([1, 1])
    with pytest.raises(ThresholdError):
        lagrange_at_zero([0, 1])


def test_evaluate_commitments_matches_polynomial() -> None:
    coefficients = [Scalar.from_int(v) for v in (11, 22, 33)]
    commitments = [base_mul(a) for a in coefficients]
    for x in (1, 2, 7):
        fx = Scalar.from_int(11 + 22 * x + 33 * x * x)
        assert evaluate_commitments(commitments, x) == base_mul(fx)
