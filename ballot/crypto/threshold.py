"""Threshold decryption: k of n trustees, verification keys, Lagrange combination.

After the dealerless key ceremony (:mod:`ballot.crypto.ceremony`) trustee l
holds a secret share x_l = F(l), where F = sum of the qualified dealers'
polynomials has degree k-1 and F(0) is the joint secret key.  Nobody ever
holds F(0).  This module is everything that happens *after* the ceremony:

* the public side of the polynomial: the qualified dealers' Feldman
  commitments A_{i,j} = a_{i,j}*B add up to commitments C_j of F, from which
  anyone computes the joint public key K = C_0 and each trustee's
  verification key V_l = F(l)*B = sum_j l^j * C_j, without any secret;
* partial decryption: trustee l publishes D_l = x_l*alpha for a ciphertext
  (alpha, beta), with a Chaum-Pedersen proof that log_B(V_l) = log_alpha(D_l),
  so a wrong D_l is caught and *named* before it can corrupt a tally;
* combination: for any set S of at least k verified partials,
  m*B = beta - sum_{l in S} lambda_l * D_l with the Lagrange coefficients of S
  at zero, then the count m is recovered by :func:`decode_count`.

Why the proof context is ``["partial-decryption", l, label]``: the trustee
index stops one trustee's proof from being passed off as another's (the
statement also holds V_l), and the label (question/option slot) together with
alpha in the statement stops a proof from being moved to another ciphertext.

The identity alpha (a tally of zero ballots is the ciphertext (O, O)): then
x_l*alpha is the identity for every x_l, there is nothing to hide and nothing
to prove, and a Chaum-Pedersen proof with h = O would be meaningless.  The
rule is: if alpha is the identity, D_l must be the identity and the proof must
be absent; otherwise the proof is mandatory.

Combination uses *every* partial it is given (at least k), after verifying
every one: any bad partial raises :class:`BadPartialDecryption` naming its
trustee, so that the caller can exclude that trustee publicly and retry with
the others, rather than have a tally silently computed around it.  Since
verified partials are exactly x_l*alpha, any subset of k gives the same
result; using all of them costs a few more multiplications and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from .elgamal import MAX_TALLY, Ciphertext, decode_count
from .group import BASE, IDENTITY, Element, GroupError, L, Scalar, base_mul
from .proofs import EqualityProof, ProofError, prove_equality

__all__ = [
    "MAX_TRUSTEES",
    "BadPartialDecryption",
    "NotEnoughPartials",
    "PartialDecryption",
    "ThresholdError",
    "combine",
    "combine_tally",
    "evaluate_commitments",
    "joint_commitments",
    "joint_public_key",
    "lagrange_at_zero",
    "partial_decrypt",
    "partial_decrypt_tally",
    "secret_matches",
    "verification_key",
    "verification_keys",
    "verify_partial",
    "verify_partials",
]

#: Upper bound on n: keeps every index a small integer and verifier work bounded.
MAX_TRUSTEES = 100

PARTIAL_TAG = "partial-decryption"


class ThresholdError(ValueError):
    """Threshold key material or a set of partial decryptions is unusable."""


class NotEnoughPartials(ThresholdError):
    """Fewer than k distinct trustees contributed a partial decryption."""


class BadPartialDecryption(ThresholdError):
    """A trustee's partial decryption is wrong, malformed or misplaced.

    ``trustee_index`` names the trustee so that the misbehaviour can be
    published; ``reason`` says which check failed.
    """

    def __init__(self, trustee_index: int, reason: str) -> None:
        super().__init__(f"trustee {trustee_index}: {reason}")
        self.trustee_index = trustee_index
        self.reason = reason


def check_index(index: object, n: int = MAX_TRUSTEES) -> int:
    """A trustee index is an int in 1..n (0 would be the secret itself)."""
    if not isinstance(index, int) or isinstance(index, bool) or not 1 <= index <= n:
        raise ThresholdError(f"trustee index must be an integer from 1 to {n}")
    return index


# --------------------------------------------------------------------------- public key side


def evaluate_commitments(commitments: Sequence[Element], index: int) -> Element:
    """sum_j index^j * commitments[j]: the commitment to f(index), by Horner's rule."""
    x = Scalar.from_int(index)
    acc = IDENTITY
    for c in reversed(commitments):
        acc = acc * x + c
    return acc


def joint_commitments(commitments: Mapping[int, Sequence[Element]]) -> tuple[Element, ...]:
    """C_j = sum over qualified dealers i of A_{i,j}: the commitments to F."""
    if not commitments:
        raise ThresholdError("no qualified dealer: there is no joint key")
    lengths = {len(c) for c in commitments.values()}
    if len(lengths) != 1:
        raise ThresholdError("dealers committed to polynomials of different degrees")
    (k,) = lengths
    return tuple(Element.sum(c[j] for c in commitments.values()) for j in range(k))


def joint_public_key(commitments: Mapping[int, Sequence[Element]]) -> Element:
    """K = sum over qualified dealers of A_{i,0}."""
    return joint_commitments(commitments)[0]


def verification_key(commitments: Mapping[int, Sequence[Element]], index: int) -> Element:
    """V_l = x_l*B, computed from public commitments only (qualified dealers only)."""
    return evaluate_commitments(joint_commitments(commitments), check_index(index))


def verification_keys(commitments: Mapping[int, Sequence[Element]], n: int) -> dict[int, Element]:
    """Every trustee's verification key, 1..n, sharing one aggregation."""
    joint = joint_commitments(commitments)
    return {index: evaluate_commitments(joint, index) for index in range(1, n + 1)}


def lagrange_at_zero(indices: Iterable[int]) -> dict[int, Scalar]:
    """lambda_l = prod_{m in S, m != l} m / (m - l)  (mod L), so F(0) = sum lambda_l F(l)."""
    s = list(indices)
    if len(set(s)) != len(s):
        raise ThresholdError("Lagrange interpolation needs distinct trustee indices")
    for index in s:
        check_index(index)
    out: dict[int, Scalar] = {}
    for index in s:
        num, den = 1, 1
        for other in s:
            if other != index:
                num *= other
                den *= other - index
        out[index] = Scalar.from_int(num * pow(den, -1, L))
    return out


# --------------------------------------------------------------------------- partial decryption


@dataclass(frozen=True, slots=True)
class PartialDecryption:
    """D = x_l*alpha for the ciphertext named ``label``, with its proof.

    ``proof`` is None exactly when alpha (hence D) is the identity.
    """

    trustee: int
    label: str
    share: Element
    proof: EqualityProof | None

    def to_json(self) -> dict[str, object]:
        return {
            "trustee": self.trustee,
            "label": self.label,
            "share": self.share.hex(),
            "proof": None if self.proof is None else self.proof.to_json(),
        }

    @classmethod
    def from_json(cls, obj: object) -> PartialDecryption:
        if not isinstance(obj, dict) or set(obj) != {"trustee", "label", "share", "proof"}:
            raise ThresholdError(
                "a partial decryption is an object with exactly "
                "'trustee', 'label', 'share' and 'proof'"
            )
        trustee = check_index(obj["trustee"])
        label, share, proof = obj["label"], obj["share"], obj["proof"]
        if not isinstance(label, str):
            raise BadPartialDecryption(trustee, "'label' must be a string")
        if not isinstance(share, str):
            raise BadPartialDecryption(trustee, "'share' must be a hexadecimal string")
        try:
            element = Element.from_hex(share, allow_identity=True)
            parsed = None if proof is None else EqualityProof.from_json(proof)
        except (GroupError, ProofError) as exc:
            raise BadPartialDecryption(trustee, str(exc)) from exc
        return cls(trustee, label, element, parsed)


def _context(trustee: int, label: str) -> list[str | int]:
    return [PARTIAL_TAG, trustee, label]


def partial_decrypt(
    trustee: int,
    secret_share: Scalar,
    ct: Ciphertext,
    fingerprint: bytes,
    label: str,
    *,
    rng: Callable[[], Scalar] = Scalar.random,
) -> PartialDecryption:
    """Trustee ``trustee``'s contribution to decrypting ``ct``."""
    check_index(trustee)
    if ct.alpha.is_identity():
        return PartialDecryption(trustee, label, IDENTITY, None)
    proof = prove_equality(
        secret_share, BASE, ct.alpha, fingerprint, _context(trustee, label), rng=rng
    )
    return PartialDecryption(trustee, label, ct.alpha * secret_share, proof)


def verify_partial(
    partial: PartialDecryption,
    ct: Ciphertext,
    label: str,
    key: Element,
    fingerprint: bytes,
) -> None:
    """Check D against the trustee's verification key; raise BadPartialDecryption naming it."""
    t = partial.trustee
    if partial.label != label:
        raise BadPartialDecryption(
            t, f"partial decryption is for {partial.label!r}, not for {label!r}"
        )
    if ct.alpha.is_identity():
        if not partial.share.is_identity():
            raise BadPartialDecryption(t, "alpha is the identity, so the share must be too")
        if partial.proof is not None:
            raise BadPartialDecryption(t, "no proof is expected when alpha is the identity")
        return
    if partial.proof is None:
        raise BadPartialDecryption(t, "partial decryption has no proof")
    try:
        partial.proof.verify(BASE, key, ct.alpha, partial.share, fingerprint, _context(t, label))
    except ProofError as exc:
        raise BadPartialDecryption(t, "the proof of correct partial decryption fails") from exc


def _key_for(trustee: int, keys: Mapping[int, Element]) -> Element:
    key = keys.get(trustee)
    if key is None:
        raise BadPartialDecryption(trustee, "not a trustee with a verification key here")
    return key


def combine(
    ct: Ciphertext,
    label: str,
    partials: Sequence[PartialDecryption],
    keys: Mapping[int, Element],
    k: int,
    fingerprint: bytes,
    *,
    maximum: int = MAX_TALLY,
) -> int:
    """Verify every partial, then recover the count in ``ct`` by Lagrange interpolation."""
    seen: set[int] = set()
    for partial in partials:
        if partial.trustee in seen:
            raise BadPartialDecryption(partial.trustee, f"two partial decryptions for {label!r}")
        seen.add(partial.trustee)
        verify_partial(partial, ct, label, _key_for(partial.trustee, keys), fingerprint)
    if len(seen) < k:
        raise NotEnoughPartials(
            f"{label!r}: {len(seen)} trustee(s) contributed, at least {k} are needed"
        )
    lambdas = lagrange_at_zero(sorted(seen))
    mask = Element.sum(p.share * lambdas[p.trustee] for p in partials)
    return decode_count(ct.beta - mask, maximum=maximum)


# --------------------------------------------------------------------------- whole tallies


def partial_decrypt_tally(
    trustee: int,
    secret_share: Scalar,
    tally: Mapping[str, Ciphertext],
    fingerprint: bytes,
    *,
    rng: Callable[[], Scalar] = Scalar.random,
) -> list[PartialDecryption]:
    """One partial decryption per labelled ciphertext, in the tally's order."""
    return [
        partial_decrypt(trustee, secret_share, ct, fingerprint, label, rng=rng)
        for label, ct in tally.items()
    ]


def verify_partials(
    trustee: int,
    partials: Sequence[PartialDecryption],
    tally: Mapping[str, Ciphertext],
    key: Element,
    fingerprint: bytes,
) -> None:
    """Check one trustee's whole submission: one valid partial for each label, no more."""
    by_label: dict[str, PartialDecryption] = {}
    for p in partials:
        if p.trustee != trustee:
            raise BadPartialDecryption(trustee, f"submission contains trustee {p.trustee}'s work")
        if p.label in by_label:
            raise BadPartialDecryption(trustee, f"two partial decryptions for {p.label!r}")
        if p.label not in tally:
            raise BadPartialDecryption(trustee, f"{p.label!r} is not in the tally")
        by_label[p.label] = p
    missing = [label for label in tally if label not in by_label]
    if missing:
        raise BadPartialDecryption(trustee, f"no partial decryption for {missing[0]!r}")
    for label, ct in tally.items():
        verify_partial(by_label[label], ct, label, key, fingerprint)


def combine_tally(
    tally: Mapping[str, Ciphertext],
    partials: Sequence[PartialDecryption],
    keys: Mapping[int, Element],
    k: int,
    fingerprint: bytes,
    *,
    maximum: int = MAX_TALLY,
) -> dict[str, int]:
    """Decrypt every labelled ciphertext of a tally from the trustees' submissions.

    Each contributing trustee's whole submission is checked first (one partial
    per label), so a trustee who skips or duplicates a slot is named.
    """
    by_trustee: dict[int, list[PartialDecryption]] = {}
    for p in partials:
        by_trustee.setdefault(p.trustee, []).append(p)
    for trustee in sorted(by_trustee):
        verify_partials(trustee, by_trustee[trustee], tally, _key_for(trustee, keys), fingerprint)
    if len(by_trustee) < k:
        raise NotEnoughPartials(
            f"{len(by_trustee)} trustee(s) contributed, at least {k} are needed"
        )
    lambdas = lagrange_at_zero(sorted(by_trustee))
    shares: dict[str, list[Element]] = {label: [] for label in tally}
    for p in partials:
        shares[p.label].append(p.share * lambdas[p.trustee])
    return {
        label: decode_count(ct.beta - Element.sum(shares[label]), maximum=maximum)
        for label, ct in tally.items()
    }


def secret_matches(secret_share: Scalar, key: Element) -> bool:
    """Does a secret share belong to this verification key?  (Checked when a key file opens.)"""
    return base_mul(secret_share) == key
