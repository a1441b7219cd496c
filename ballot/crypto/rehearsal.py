"""Rehearsal decryption: a trustee proves, before voting opens, that their key file still works.

After the key ceremony each trustee holds a secret share x_l whose public verification key
is V_l = x_l*B.  A lost or damaged key file is found on tally day at the latest, when it
is too late (a 3-of-3 election was voided that way).  A rehearsal finds it before the
vote: the server issues a random nonce, and the trustee decrypts a ciphertext derived
from it, with the same Chaum-Pedersen proof a tally partial decryption carries.

Why it reveals nothing: the rehearsal ciphertext is (r*B, r*K) -- an encryption of 0
under the joint key K -- whose randomness r is *derived in public* from the election
fingerprint, the trustee's index and the nonce (PROTOCOL 10.6).  The trustee's tool
recomputes the ciphertext from the nonce itself and never decrypts a ciphertext it is
sent, so a server cannot slip a voter's ballot or a tally into a rehearsal: it would need
the ballot's randomness, and with that it could decrypt the ballot without anyone's help.
The share D_l = x_l*r*B equals r*V_l, which anyone can compute from public values; what
only the holder of x_l can make is the proof that log_B(V_l) = log_alpha(D_l), a proof of
knowledge of x_l.  Its context ``["rehearsal", l, nonce]`` differs from a tally partial's
``["partial-decryption", l, label]``, so a rehearsal proof can never pass as a partial
decryption of anything else.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from .elgamal import Ciphertext, encrypt
from .fiat_shamir import fiat_shamir_challenge
from .group import BASE, Element, GroupError, Scalar, base_mul, hex_bytes
from .proofs import EqualityProof, ProofError, prove_equality
from .threshold import check_index

__all__ = [
    "NONCE_BYTES",
    "RehearsalError",
    "RehearsalResponse",
    "check_rehearsal",
    "new_nonce",
    "rehearsal_ciphertext",
    "rehearse",
]

#: Length of a rehearsal nonce (random, from the server's CSPRNG).
NONCE_BYTES = 32
REHEARSAL_TAG = "rehearsal"
RANDOMNESS_TAG = "rehearsal-randomness"


class RehearsalError(ValueError):
    """A rehearsal that does not prove the key: the message says what is wrong, plainly."""


def new_nonce() -> bytes:
    return secrets.token_bytes(NONCE_BYTES)


def _nonce(nonce: bytes) -> bytes:
    if not isinstance(nonce, bytes) or len(nonce) != NONCE_BYTES:
        raise RehearsalError(f"a rehearsal nonce is exactly {NONCE_BYTES} bytes")
    return nonce


def rehearsal_randomness(fingerprint: bytes, trustee: int, nonce: bytes) -> Scalar:
    """r = H("rehearsal-randomness", fingerprint, l, nonce): public, so the ciphertext is."""
    r = fiat_shamir_challenge(RANDOMNESS_TAG, fingerprint, [check_index(trustee), _nonce(nonce)])
    if r.is_zero():  # pragma: no cover - probability 2^-252
        raise RehearsalError("this nonce gives no usable ciphertext; ask for another")
    return r


def rehearsal_ciphertext(
    joint_key: Element, fingerprint: bytes, trustee: int, nonce: bytes
) -> Ciphertext:
    """The ciphertext trustee ``trustee`` decrypts in this rehearsal: 0 under K with public r."""
    return encrypt(joint_key, 0, rehearsal_randomness(fingerprint, trustee, nonce))


def _context(trustee: int, nonce: bytes) -> list[str | int | bytes]:
    return [REHEARSAL_TAG, trustee, nonce]


@dataclass(frozen=True, slots=True)
class RehearsalResponse:
    """Trustee l's decryption share of the rehearsal ciphertext, with its proof."""

    trustee: int
    nonce: bytes
    share: Element
    proof: EqualityProof

    def to_json(self) -> dict[str, object]:
        return {
            "trustee": self.trustee,
            "nonce": self.nonce.hex(),
            "share": self.share.hex(),
            "proof": self.proof.to_json(),
        }

    @classmethod
    def from_json(cls, obj: object) -> RehearsalResponse:
        if not isinstance(obj, dict) or set(obj) != {"trustee", "nonce", "share", "proof"}:
            raise RehearsalError(
                "a rehearsal answer is an object with exactly 'trustee', 'nonce', 'share' "
                "and 'proof'"
            )
        try:
            trustee = check_index(obj["trustee"])
            nonce = hex_bytes(obj["nonce"], "nonce", NONCE_BYTES)
            share = Element.from_hex(obj["share"])
            proof = EqualityProof.from_json(obj["proof"])
        except (GroupError, ProofError, ValueError, TypeError) as exc:
            raise RehearsalError(f"the rehearsal answer is malformed: {exc}") from exc
        return cls(trustee, nonce, share, proof)


def rehearse(
    trustee: int,
    secret_share: Scalar,
    verification_key: Element,
    joint_key: Element,
    fingerprint: bytes,
    nonce: bytes,
    *,
    rng: Callable[[], Scalar] = Scalar.random,
) -> RehearsalResponse:
    """The trustee's side: refuse a key that is not trustee ``trustee``'s, else decrypt.

    The ciphertext is computed here from the nonce, never taken from the server.
    """
    if base_mul(secret_share) != verification_key:
        raise RehearsalError(
            f"this key file is not trustee {trustee}'s key from this election's key ceremony "
            "(its secret does not match the published verification key)"
        )
    ct = rehearsal_ciphertext(joint_key, fingerprint, trustee, nonce)
    proof = prove_equality(
        secret_share, BASE, ct.alpha, fingerprint, _context(trustee, nonce), rng=rng
    )
    return RehearsalResponse(trustee, nonce, ct.alpha * secret_share, proof)


def check_rehearsal(
    response: RehearsalResponse,
    trustee: int,
    nonce: bytes,
    verification_key: Element,
    joint_key: Element,
    fingerprint: bytes,
) -> None:
    """The server's side: does this answer prove trustee ``trustee`` holds x_l for V_l?"""
    if response.trustee != trustee:
        raise RehearsalError(
            f"the answer is for trustee {response.trustee}, but this is trustee {trustee}'s "
            "rehearsal"
        )
    if response.nonce != _nonce(nonce):
        raise RehearsalError(
            "the answer is for another rehearsal (its nonce differs): ask for a new one"
        )
    r = rehearsal_randomness(fingerprint, trustee, nonce)
    wrong_key = RehearsalError(
        f"the decryption was not made with trustee {trustee}'s key from this election's key "
        "ceremony: the key file is wrong or damaged"
    )
    # x_l*alpha = x_l*r*B = r*V_l: the share is checked from public values first, then the
    # proof, which only the holder of x_l can make, shows the trustee knows x_l.
    if response.share != verification_key * r:
        raise wrong_key
    try:
        response.proof.verify(
            BASE,
            verification_key,
            base_mul(r),
            response.share,
            fingerprint,
            _context(trustee, nonce),
        )
    except ProofError as exc:
        raise wrong_key from exc
