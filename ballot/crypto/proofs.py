"""Non-interactive zero-knowledge proofs (sigma protocols + strong Fiat-Shamir).

Every proof here is sent in the compact (challenge, response) form: the
verifier recomputes the commitments from the responses and checks that
hashing them, with the full statement, gives back the challenge.  Compared
with sending the commitments, this is smaller and leaves the verifier no
choice about what to hash.

Sign convention, for a witness w and a nonce u: commitment ``u*G``,
response ``v = u + c*w``; the verifier recomputes ``u*G = v*G - c*(w*G)``.

Proofs (``docs/PROTOCOL.md`` gives the byte-exact hash inputs):

* :class:`SchnorrProof`: knowledge of x with X = x*B (trustee coefficients).
* :class:`EqualityProof` (Chaum-Pedersen): log_G(A) = log_H(C), used for
  partial decryptions and for "this ciphertext encrypts exactly m".
* :class:`RangeProof` (disjunctive Chaum-Pedersen, Cramer-Damgard-Schoenmakers):
  a ciphertext encrypts some m in [lo, hi]; [0, 1] is the per-option proof,
  [min, max] the per-question selection-count proof.

Each verifier returns None on success and raises :class:`ProofError` with a
message on failure; it never crashes on hostile input (zero scalars, identity
commitments), because the group layer handles those edges.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .elgamal import Ciphertext, small_multiple
from .fiat_shamir import Part, fiat_shamir_challenge
from .group import Element, GroupError, Scalar, base_mul

__all__ = [
    "EqualityProof",
    "ProofError",
    "RangeProof",
    "SchnorrProof",
    "prove_equality",
    "prove_range",
    "prove_schnorr",
]

#: Largest number of branches a range proof may have (bounds verifier work).
MAX_RANGE_BRANCHES = 64


class ProofError(ValueError):
    """A zero-knowledge proof does not verify, or is malformed."""


def _scalar_field(obj: dict[str, object], key: str) -> Scalar:
    value = obj.get(key)
    if not isinstance(value, str):
        raise ProofError(f"proof field '{key}' must be a hexadecimal string")
    try:
        return Scalar.from_hex(value)
    except GroupError as exc:
        raise ProofError(f"proof field '{key}': {exc}") from exc


def _require_keys(obj: object, keys: set[str], what: str) -> dict[str, object]:
    if not isinstance(obj, dict) or set(obj) != keys:
        raise ProofError(f"{what} must be an object with exactly the keys {sorted(keys)}")
    return obj


# --------------------------------------------------------------------------- Schnorr


@dataclass(frozen=True, slots=True)
class SchnorrProof:
    """Proof of knowledge of x such that X = x*B."""

    challenge: Scalar
    response: Scalar

    TAG = "schnorr"

    def verify(self, public: Element, fingerprint: bytes, context: Sequence[Part]) -> None:
        """``context`` says what X is (e.g. trustee index and coefficient index)."""
        commitment = base_mul(self.response) - public * self.challenge
        expected = fiat_shamir_challenge(self.TAG, fingerprint, [*context, public, commitment])
        if expected != self.challenge:
            raise ProofError("Schnorr proof of knowledge does not verify")

    def to_json(self) -> dict[str, str]:
        return {"challenge": self.challenge.hex(), "response": self.response.hex()}

    @classmethod
    def from_json(cls, obj: object) -> SchnorrProof:
        d = _require_keys(obj, {"challenge", "response"}, "a Schnorr proof")
        return cls(_scalar_field(d, "challenge"), _scalar_field(d, "response"))


def prove_schnorr(
    secret: Scalar,
    fingerprint: bytes,
    context: Sequence[Part],
    *,
    rng: Callable[[], Scalar] = Scalar.random,
) -> SchnorrProof:
    u = rng()
    public = base_mul(secret)
    c = fiat_shamir_challenge(SchnorrProof.TAG, fingerprint, [*context, public, base_mul(u)])
    return SchnorrProof(c, u + c * secret)


# --------------------------------------------------------------------------- Chaum-Pedersen


@dataclass(frozen=True, slots=True)
class EqualityProof:
    """Proof that A = w*G and C = w*H for the same w (Chaum-Pedersen).

    The statement is (G, A, H, C); the caller passes all four so the hash
    binds every one of them.
    """

    challenge: Scalar
    response: Scalar

    TAG = "chaum-pedersen"

    def verify(
        self,
        g: Element,
        a: Element,
        h: Element,
        c_: Element,
        fingerprint: bytes,
        context: Sequence[Part],
    ) -> None:
        t1 = g * self.response - a * self.challenge
        t2 = h * self.response - c_ * self.challenge
        expected = fiat_shamir_challenge(self.TAG, fingerprint, [*context, g, a, h, c_, t1, t2])
        if expected != self.challenge:
            raise ProofError("Chaum-Pedersen proof of equal discrete logarithms does not verify")

    def to_json(self) -> dict[str, str]:
        return {"challenge": self.challenge.hex(), "response": self.response.hex()}

    @classmethod
    def from_json(cls, obj: object) -> EqualityProof:
        d = _require_keys(obj, {"challenge", "response"}, "a Chaum-Pedersen proof")
        return cls(_scalar_field(d, "challenge"), _scalar_field(d, "response"))


def prove_equality(
    witness: Scalar,
    g: Element,
    h: Element,
    fingerprint: bytes,
    context: Sequence[Part],
    *,
    rng: Callable[[], Scalar] = Scalar.random,
) -> EqualityProof:
    u = rng()
    a, c_ = g * witness, h * witness
    c = fiat_shamir_challenge(EqualityProof.TAG, fingerprint, [*context, g, a, h, c_, g * u, h * u])
    return EqualityProof(c, u + c * witness)


# --------------------------------------------------------------------------- range (disjunctive)


@dataclass(frozen=True, slots=True)
class RangeProof:
    """Proof that a ciphertext (alpha, beta) under key K encrypts some m in [lo, hi].

    One branch per candidate value j, each a Chaum-Pedersen proof that
    (alpha, beta - j*B) = (r*B, r*K).  All but the true branch are simulated;
    the branch challenges must add up to the hash of the whole statement and
    commitments, so at most one branch can be simulated-free, i.e. actually known.
    """

    lo: int
    challenges: tuple[Scalar, ...]
    responses: tuple[Scalar, ...]

    TAG = "range"

    @property
    def hi(self) -> int:
        return self.lo + len(self.challenges) - 1

    def verify(
        self,
        ct: Ciphertext,
        public_key: Element,
        lo: int,
        hi: int,
        fingerprint: bytes,
        context: Sequence[Part],
    ) -> None:
        if self.lo != lo or self.hi != hi:
            raise ProofError(f"range proof covers [{self.lo}, {self.hi}], expected [{lo}, {hi}]")
        if len(self.responses) != len(self.challenges):
            raise ProofError("range proof must have one response per challenge")
        commitments: list[Part] = []
        total = Scalar(0)
        for j, c_j, v_j in zip(range(lo, hi + 1), self.challenges, self.responses, strict=True):
            shifted = ct.beta - small_multiple(j)
            commitments.append(base_mul(v_j) - ct.alpha * c_j)
            commitments.append(public_key * v_j - shifted * c_j)
            total = total + c_j
        expected = fiat_shamir_challenge(
            self.TAG, fingerprint, [*context, public_key, ct.alpha, ct.beta, lo, hi, *commitments]
        )
        if expected != total:
            raise ProofError(f"proof that the ciphertext encrypts a value in [{lo}, {hi}] fails")

    def to_json(self) -> dict[str, object]:
        return {
            "lo": self.lo,
            "challenges": [c.hex() for c in self.challenges],
            "responses": [v.hex() for v in self.responses],
        }

    @classmethod
    def from_json(cls, obj: object) -> RangeProof:
        d = _require_keys(obj, {"lo", "challenges", "responses"}, "a range proof")
        lo, cs, vs = d["lo"], d["challenges"], d["responses"]
        if not isinstance(lo, int) or isinstance(lo, bool) or lo < 0:
            raise ProofError("range proof 'lo' must be a non-negative integer")
        if not isinstance(cs, list) or not isinstance(vs, list) or len(cs) != len(vs):
            raise ProofError("range proof needs equally long 'challenges' and 'responses' lists")
        if not 1 <= len(cs) <= MAX_RANGE_BRANCHES:
            raise ProofError(f"range proof must have 1 to {MAX_RANGE_BRANCHES} branches")
        challenges = tuple(_scalar_field({"c": c}, "c") for c in cs)
        responses = tuple(_scalar_field({"v": v}, "v") for v in vs)
        return cls(lo, challenges, responses)


def prove_range(
    ct: Ciphertext,
    m: int,
    r: Scalar,
    public_key: Element,
    lo: int,
    hi: int,
    fingerprint: bytes,
    context: Sequence[Part],
    *,
    rng: Callable[[], Scalar] = Scalar.random,
) -> RangeProof:
    """Prove ct = encrypt(public_key, m, r) with lo <= m <= hi.

    ``rng`` supplies nonces; tests pass a seeded one to make fixed vectors.
    """
    if not lo <= m <= hi:
        raise ValueError("the plaintext is outside the range it claims")
    if hi - lo + 1 > MAX_RANGE_BRANCHES:
        raise ValueError("range too wide for a disjunctive proof")
    n = hi - lo + 1
    challenges: list[Scalar | None] = [None] * n
    responses: list[Scalar | None] = [None] * n
    commitments: list[Part] = []
    u = rng()
    for idx, j in enumerate(range(lo, hi + 1)):
        if j == m:
            commitments += [base_mul(u), public_key * u]
            continue
        c_j, v_j = rng(), rng()
        challenges[idx], responses[idx] = c_j, v_j
        shifted = ct.beta - small_multiple(j)
        commitments += [base_mul(v_j) - ct.alpha * c_j, public_key * v_j - shifted * c_j]
    c = fiat_shamir_challenge(
        RangeProof.TAG, fingerprint, [*context, public_key, ct.alpha, ct.beta, lo, hi, *commitments]
    )
    real = m - lo
    simulated = Scalar(0)
    for x in challenges:
        if x is not None:
            simulated = simulated + x
    c_real = c - simulated
    challenges[real] = c_real
    responses[real] = u + c_real * r
    return RangeProof(
        lo,
        tuple(x for x in challenges if x is not None),
        tuple(x for x in responses if x is not None),
    )
