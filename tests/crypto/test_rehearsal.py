"""Rehearsal decryption: a trustee's working key passes, any other key is refused plainly,
and a rehearsal can never be turned into the decryption of anything a voter cast."""

from __future__ import annotations

import dataclasses
import hashlib
from functools import cache

import pytest

from ballot.crypto.ceremony import TrusteeShare, local_ceremony, verify_transcript
from ballot.crypto.elgamal import encrypt
from ballot.crypto.group import Element, Scalar
from ballot.crypto.rehearsal import (
    NONCE_BYTES,
    RehearsalError,
    RehearsalResponse,
    check_rehearsal,
    new_nonce,
    rehearsal_ciphertext,
    rehearse,
)
from ballot.crypto.threshold import partial_decrypt, verify_partial

MANIFEST = hashlib.sha256(b"rehearsal manifest").digest()
FINGERPRINT = hashlib.sha256(b"rehearsal fingerprint").digest()


@cache
def ceremony() -> tuple[Element, dict[int, Element], list[TrusteeShare]]:
    transcript, blobs = local_ceremony(2, 3, MANIFEST)
    result = verify_transcript(transcript, MANIFEST)
    shares = [TrusteeShare.from_bytes(b) for b in blobs]
    return result.joint_public_key, dict(result.verification_keys), shares


def answer(index: int, nonce: bytes, share: TrusteeShare | None = None) -> RehearsalResponse:
    key, keys, shares = ceremony()
    mine = share or shares[index - 1]
    return rehearse(index, mine.secret_share, keys[index], key, FINGERPRINT, nonce)


def test_every_trustees_key_passes_its_own_rehearsal() -> None:
    key, keys, _ = ceremony()
    for index in (1, 2, 3):
        nonce = new_nonce()
        response = answer(index, nonce)
        again = RehearsalResponse.from_json(response.to_json())
        check_rehearsal(again, index, nonce, keys[index], key, FINGERPRINT)


def test_a_wrong_key_file_is_refused_by_the_tool_with_a_clear_message() -> None:
    key, keys, shares = ceremony()
    with pytest.raises(RehearsalError, match="this key file is not trustee 2's key"):
        rehearse(2, shares[0].secret_share, keys[2], key, FINGERPRINT, new_nonce())


def test_a_forged_answer_is_refused_by_the_server() -> None:
    key, keys, shares = ceremony()
    nonce = new_nonce()
    # Trustee 1's secret, sent as trustee 2's answer (the tool's own check skipped).
    ct = rehearsal_ciphertext(key, FINGERPRINT, 2, nonce)
    forged = dataclasses.replace(answer(2, nonce), share=ct.alpha * shares[0].secret_share)
    with pytest.raises(RehearsalError, match="not made with trustee 2's key"):
        check_rehearsal(forged, 2, nonce, keys[2], key, FINGERPRINT)
    # The right share (anyone can compute r*V_l) with a proof made by another key.
    other = answer(1, nonce)
    stolen = dataclasses.replace(answer(2, nonce), proof=other.proof)
    with pytest.raises(RehearsalError, match="wrong or damaged"):
        check_rehearsal(stolen, 2, nonce, keys[2], key, FINGERPRINT)


def test_an_answer_counts_only_for_its_own_trustee_nonce_and_election() -> None:
    key, keys, _ = ceremony()
    nonce = new_nonce()
    response = answer(3, nonce)
    with pytest.raises(RehearsalError, match="for trustee 3"):
        check_rehearsal(response, 1, nonce, keys[1], key, FINGERPRINT)
    with pytest.raises(RehearsalError, match="nonce differs"):
        check_rehearsal(response, 3, new_nonce(), keys[3], key, FINGERPRINT)
    other_election = hashlib.sha256(b"another election").digest()
    with pytest.raises(RehearsalError):
        check_rehearsal(response, 3, nonce, keys[3], key, other_election)


def test_the_rehearsal_ciphertext_is_fixed_by_public_values_and_encrypts_zero() -> None:
    key, _, shares = ceremony()
    nonce = bytes(range(NONCE_BYTES))
    ct = rehearsal_ciphertext(key, FINGERPRINT, 1, nonce)
    assert ct == rehearsal_ciphertext(key, FINGERPRINT, 1, nonce)
    assert ct != rehearsal_ciphertext(key, FINGERPRINT, 2, nonce)
    # Two trustees' rehearsal shares combine to the plaintext 0 (beta - mask = 0*B).
    from ballot.crypto.threshold import lagrange_at_zero

    lambdas = lagrange_at_zero([1, 2])
    mask = Element.sum(ct.alpha * shares[i - 1].secret_share * lambdas[i] for i in (1, 2))
    assert (ct.beta - mask).is_identity()


def test_a_rehearsal_proof_never_passes_as_a_partial_decryption() -> None:
    """Domain separation: the same key, the same ciphertext, another proof context."""
    key, keys, shares = ceremony()
    nonce = new_nonce()
    response = answer(1, nonce)
    ct = rehearsal_ciphertext(key, FINGERPRINT, 1, nonce)
    honest = partial_decrypt(1, shares[0].secret_share, ct, FINGERPRINT, "q0/s0")
    verify_partial(honest, ct, "q0/s0", keys[1], FINGERPRINT)
    as_partial = dataclasses.replace(honest, proof=response.proof)
    with pytest.raises(ValueError, match="proof of correct partial decryption fails"):
        verify_partial(as_partial, ct, "q0/s0", keys[1], FINGERPRINT)


def test_the_tool_decrypts_only_what_it_derives_not_a_voters_ciphertext() -> None:
    """The tool takes a nonce, never a ciphertext: a voter's ballot (r unknown to anyone)
    cannot be the ciphertext a nonce derives, so a rehearsal never touches a vote."""
    key, _, _ = ceremony()
    voter = encrypt(key, 1, Scalar.random())
    assert all(
        rehearsal_ciphertext(key, FINGERPRINT, 1, new_nonce()).alpha != voter.alpha
        for _ in range(5)
    )


@pytest.mark.parametrize(
    "bad",
    [
        None,
        {"trustee": 1},
        {"trustee": 1, "nonce": "00", "share": "00", "proof": {}},
        {"trustee": 0, "nonce": "00" * 32, "share": "00" * 32, "proof": {}},
    ],
)
def test_malformed_answers_are_refused(bad: object) -> None:
    with pytest.raises(RehearsalError):
        RehearsalResponse.from_json(bad)
