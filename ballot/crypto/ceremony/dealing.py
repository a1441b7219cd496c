"""Round 1 of the key ceremony: a dealer's polynomial, its Feldman commitments with
Schnorr proofs, and one sealed share box per trustee."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..group import Element, GroupError, Scalar, base_mul, hex_bytes
from ..proofs import ProofError, SchnorrProof, prove_schnorr
from ..sharebox import EncryptedShare, ShareboxError, check_receiving_key, seal_share
from ..threshold import MAX_TRUSTEES
from .formats import COEFFICIENT_TAG, CeremonyError, Rng, _entropy_from, _hex, _int, _list, _obj


def coefficient_context(dealer: int, j: int, receiving: bytes) -> list[str | int | bytes]:
    """The Schnorr context of commitment A_{dealer,j}; j = 0 also binds the receiving key."""
    ctx: list[str | int | bytes] = [COEFFICIENT_TAG, dealer, j]
    if j == 0:
        ctx.append(receiving)
    return ctx


@dataclass(frozen=True, slots=True)
class DealerMessage:
    """Dealer i's public message: receiving key, commitments A_{i,j}, proofs of knowledge."""

    dealer: int
    receiving_key: bytes
    commitments: tuple[Element, ...]
    proofs: tuple[SchnorrProof, ...]

    def verify(self, k: int, manifest_hash: bytes) -> None:
        """Raise CeremonyError naming the dealer if anything is wrong."""
        if len(self.commitments) != k or len(self.proofs) != k:
            raise CeremonyError(self.dealer, f"must commit to exactly {k} coefficients")
        try:
            check_receiving_key(self.receiving_key)
        except ShareboxError as exc:
            raise CeremonyError(self.dealer, str(exc)) from exc
        for j, (a, proof) in enumerate(zip(self.commitments, self.proofs, strict=True)):
            try:
                proof.verify(
                    a, manifest_hash, coefficient_context(self.dealer, j, self.receiving_key)
                )
            except ProofError as exc:
                raise CeremonyError(
                    self.dealer, f"proof of knowledge of coefficient {j} fails"
                ) from exc

    def to_json(self) -> dict[str, object]:
        return {
            "dealer": self.dealer,
            "receiving_key": self.receiving_key.hex(),
            "commitments": [a.hex() for a in self.commitments],
            "proofs": [p.to_json() for p in self.proofs],
        }

    @classmethod
    def from_json(cls, obj: object) -> DealerMessage:
        what = "a dealer message"
        d = _obj(obj, {"dealer", "receiving_key", "commitments", "proofs"}, what)
        dealer = _int(d, "dealer", what)
        try:
            return cls._parse_body(dealer, d)
        except CeremonyError as exc:
            raise CeremonyError(dealer, f"malformed dealer message: {exc.reason}") from exc

    @classmethod
    def _parse_body(cls, dealer: int, d: dict[str, object]) -> DealerMessage:
        what = "a dealer message"
        commitments, proofs = _list(d, "commitments", what), _list(d, "proofs", what)
        if not 1 <= len(commitments) <= MAX_TRUSTEES or len(proofs) != len(commitments):
            raise CeremonyError(None, "needs 1 to 100 commitments and one proof for each")
        try:
            parsed_commitments = tuple(_element(c) for c in commitments)
            parsed_proofs = tuple(SchnorrProof.from_json(p) for p in proofs)
        except (GroupError, ProofError) as exc:
            raise CeremonyError(None, str(exc)) from exc
        return cls(dealer, _hex(d, "receiving_key", what, 32), parsed_commitments, parsed_proofs)


def _element(value: object) -> Element:
    if not isinstance(value, str):
        raise GroupError("commitments must be hexadecimal strings")
    return Element.from_hex(value)


@dataclass(frozen=True, slots=True)
class DealerSecret:
    """What a dealer keeps until complaints are settled, then destroys.

    The plaintext shares and each box's ephemeral secret are its evidence if a
    recipient complains.  ``repr`` hides both.
    """

    dealer: int
    shares: Mapping[int, Scalar] = field(repr=False)
    ephemeral_secrets: Mapping[int, bytes] = field(repr=False)

    def to_json(self) -> dict[str, object]:
        return {
            "dealer": self.dealer,
            "shares": {str(i): s.hex() for i, s in sorted(self.shares.items())},
            "ephemeral_secrets": {
                str(i): e.hex() for i, e in sorted(self.ephemeral_secrets.items())
            },
        }

    @classmethod
    def from_json(cls, obj: object) -> DealerSecret:
        what = "a dealer secret"
        d = _obj(obj, {"dealer", "shares", "ephemeral_secrets"}, what)
        shares, ephs = d["shares"], d["ephemeral_secrets"]
        if not isinstance(shares, dict) or not isinstance(ephs, dict) or set(shares) != set(ephs):
            raise CeremonyError(None, f"{what} needs matching 'shares' and 'ephemeral_secrets'")
        try:
            parsed_shares = {int(i): Scalar.from_hex(s) for i, s in shares.items()}
            parsed_ephs = {int(i): hex_bytes(e, "ephemeral secret") for i, e in ephs.items()}
        except (ValueError, TypeError, GroupError) as exc:
            raise CeremonyError(None, f"{what} is malformed") from exc
        return cls(_int(d, "dealer", what), parsed_shares, parsed_ephs)


def deal(
    index: int,
    k: int,
    n: int,
    manifest_hash: bytes,
    receiving_keys: Mapping[int, bytes],
    *,
    rng: Rng | None = None,
) -> tuple[DealerMessage, list[EncryptedShare], DealerSecret]:
    """Trustee ``index`` deals: commitments with proofs, and one sealed share per trustee.

    ``receiving_keys`` maps every trustee 1..n (including the dealer itself,
    whose key goes into the message) to its published X25519 key.
    """
    _check_kn(k, n)
    if not 1 <= index <= n:
        raise CeremonyError(None, f"dealer index must be from 1 to {n}")
    if set(receiving_keys) != set(range(1, n + 1)):
        raise CeremonyError(None, f"need a receiving key for each trustee 1..{n}")
    draw = rng or Scalar.random
    entropy = _entropy_from(rng)
    coefficients = [draw() for _ in range(k)]
    own_key = receiving_keys[index]
    commitments = tuple(base_mul(a) for a in coefficients)
    proofs = tuple(
        prove_schnorr(a, manifest_hash, coefficient_context(index, j, own_key), rng=draw)
        for j, a in enumerate(coefficients)
    )
    shares: dict[int, Scalar] = {}
    ephemerals: dict[int, bytes] = {}
    boxes: list[EncryptedShare] = []
    for recipient in range(1, n + 1):
        share = _evaluate(coefficients, recipient)
        try:
            box, eph = seal_share(
                share, receiving_keys[recipient], manifest_hash, index, recipient, entropy=entropy
            )
        except ShareboxError as exc:
            raise CeremonyError(recipient, str(exc)) from exc
        shares[recipient], ephemerals[recipient] = share, eph
        boxes.append(box)
    message = DealerMessage(index, own_key, commitments, proofs)
    return message, boxes, DealerSecret(index, shares, ephemerals)


def _evaluate(coefficients: Sequence[Scalar], x: int) -> Scalar:
    acc = Scalar(0)
    sx = Scalar.from_int(x)
    for a in reversed(coefficients):
        acc = acc * sx + a
    return acc


def _check_kn(k: int, n: int) -> None:
    if not 1 <= k <= n <= MAX_TRUSTEES:
        raise CeremonyError(None, f"need 1 <= k <= n <= {MAX_TRUSTEES} (got k={k}, n={n})")
