"""The dealerless key ceremony (joint Feldman / Pedersen DKG), step by step and all at once.

No party ever holds the election's secret key.  Trustees are numbered 1..n;
each one *deals*: it picks a random polynomial f_i of degree k-1, publishes
Feldman commitments A_{i,j} = a_{i,j}*B to its coefficients (each with a
Schnorr proof of knowledge, which stops a trustee from choosing its
commitment as a function of the others' to cancel them: a "rogue key"), and
sends trustee l the share s_{i,l} = f_i(l), encrypted to l's receiving key
(:mod:`ballot.crypto.sharebox`).

Rounds (a remote trustee tool runs one function per round):

0. each trustee makes a receiving key pair (:func:`new_receiving_secret`,
   :func:`receiving_key`) and publishes the public half;
1. :func:`deal` -> a public :class:`DealerMessage` (commitments, proofs, and
   the dealer's receiving key, bound into the coefficient-0 proof), the public
   encrypted shares, and a :class:`DealerSecret` the dealer keeps until
   complaints are settled;
2. :func:`qualify_dealers` then :func:`receive_shares`: each recipient checks
   s_{i,l}*B == sum_j l^j A_{i,j} and files a :class:`Complaint` for every
   share that does not decrypt or does not match;
3. :func:`answer_complaint`: the accused dealer publishes a
   :class:`Resolution`: the share *and the ephemeral secret of that one box*;
4. :func:`settle` (anyone): :func:`judge_complaint` opens the box with the
   revealed ephemeral secret and checks the share against the commitments.
   The dealer is guilty if it is silent, if the secret does not open the box,
   if the box holds something other than the revealed share, or if the share
   does not match the commitments.  Otherwise the box opened to a correct
   share, so the complaint was false and the *complainer* is named.  A
   dealer whose resolution is accepted has made that one share public, which
   is harmless (fewer than k shares say nothing about f_i(0)); the recipient
   uses it.

Qualified set Q: every dealer whose message verifies, who sent exactly one
box to every trustee and who was not found guilty on a complaint.  A false
complainer is named in the result but stays qualified as a dealer: its
dealing is sound, and the lead decides what being named implies.  The
ceremony fails unless |Q| >= k: then, if fewer than k trustees collude, at
least one honest dealer's random polynomial is in the joint key.

Outputs: K = sum_{i in Q} A_{i,0}; trustee l's secret share
x_l = sum_{i in Q} s_{i,l}; its public verification key V_l, computable by
anyone from the commitments (:func:`ballot.crypto.threshold.verification_key`).

Known limitation, accepted deliberately: a rushing trustee who sees the
others' commitments before publishing can bias K slightly by getting itself
disqualified or not.  Gennaro, Jarecki, Krawczyk and Rabin show that this
bias does not help against ElGamal encryption (the key is still hard), which
is all the key is used for.

The Schnorr proofs hash the election's *manifest hash* as fingerprint (the
joint key does not exist yet) with context ``["coefficient", i, j]``, plus
the dealer's 32-byte receiving key for j = 0.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from .group import Element, GroupError, Scalar, base_mul, hex_bytes
from .proofs import ProofError, SchnorrProof, prove_schnorr
from .sharebox import (
    EncryptedShare,
    Entropy,
    ShareboxError,
    check_receiving_key,
    new_receiving_secret,
    open_share,
    open_with_ephemeral,
    receiving_key,
    seal_share,
)
from .threshold import (
    MAX_TRUSTEES,
    ThresholdError,
    evaluate_commitments,
    joint_public_key,
    verification_keys,
)

__all__ = [
    "SHARE_FORMAT",
    "TRANSCRIPT_FORMAT",
    "CeremonyError",
    "CeremonyResult",
    "Complaint",
    "DealerMessage",
    "DealerSecret",
    "Received",
    "Resolution",
    "TrusteeShare",
    "Verdict",
    "answer_complaint",
    "build_transcript",
    "deal",
    "judge_complaint",
    "local_ceremony",
    "new_receiving_secret",
    "qualify_dealers",
    "receive_shares",
    "receiving_key",
    "settle",
    "trustee_share",
    "verify_transcript",
]

TRANSCRIPT_FORMAT = "ballot/key-ceremony/v1"
SHARE_FORMAT = "ballot/trustee-share/v1"
COEFFICIENT_TAG = "coefficient"

Rng = Callable[[], Scalar]


class CeremonyError(ValueError):
    """The ceremony cannot produce a key, or a transcript is wrong.

    ``trustee`` names the trustee at fault when there is one.
    """

    def __init__(self, trustee: int | None, reason: str) -> None:
        super().__init__(reason if trustee is None else f"trustee {trustee}: {reason}")
        self.trustee = trustee
        self.reason = reason


# --------------------------------------------------------------------------- small parsers


def _int(obj: dict[str, object], key: str, what: str, lo: int = 1, hi: int = MAX_TRUSTEES) -> int:
    value = obj.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        raise CeremonyError(None, f"{what}: '{key}' must be an integer from {lo} to {hi}")
    return value


def _obj(obj: object, keys: set[str], what: str) -> dict[str, object]:
    if not isinstance(obj, dict) or set(obj) != keys:
        raise CeremonyError(None, f"{what} must be an object with exactly the keys {sorted(keys)}")
    return obj


def _hex(obj: dict[str, object], key: str, what: str, length: int | None = None) -> bytes:
    value = obj.get(key)
    if not isinstance(value, str):
        raise CeremonyError(None, f"{what}: '{key}' must be a hexadecimal string")
    try:
        return hex_bytes(value, f"{what}: '{key}'", length)
    except GroupError as exc:
        raise CeremonyError(None, str(exc)) from exc


def _list(obj: dict[str, object], key: str, what: str) -> list[object]:
    value = obj.get(key)
    if not isinstance(value, list):
        raise CeremonyError(None, f"{what}: '{key}' must be a list")
    return value


def _entropy_from(rng: Rng | None) -> Entropy:
    """X25519 secrets from the scalar rng when one is given (seeded tests), else the OS."""
    if rng is None:
        return secrets.token_bytes
    source = rng

    def entropy(n: int) -> bytes:
        data = hashlib.sha512(b"ballot/v1/x25519" + bytes(source()) + bytes(source())).digest()
        return data[:n]

    return entropy


# --------------------------------------------------------------------------- round 1: deal


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


# --------------------------------------------------------------------------- round 2: receive


def qualify_dealers(
    messages: Sequence[DealerMessage], k: int, n: int, manifest_hash: bytes
) -> tuple[dict[int, DealerMessage], dict[int, str]]:
    """Split dealers 1..n into (valid messages, {disqualified dealer: reason})."""
    _check_kn(k, n)
    valid: dict[int, DealerMessage] = {}
    bad: dict[int, str] = {}
    for m in messages:
        if not 1 <= m.dealer <= n:
            raise CeremonyError(None, f"dealer index {m.dealer} is not between 1 and {n}")
        if m.dealer in valid or m.dealer in bad:
            raise CeremonyError(m.dealer, "sent two dealer messages")
        try:
            m.verify(k, manifest_hash)
        except CeremonyError as exc:
            bad[m.dealer] = exc.reason
            continue
        valid[m.dealer] = m
    for i in range(1, n + 1):
        if i not in valid and i not in bad:
            bad[i] = "sent no dealer message"
    return valid, bad


@dataclass(frozen=True, slots=True)
class Complaint:
    """Recipient says dealer's box to it does not decrypt, or holds a wrong share."""

    dealer: int
    recipient: int
    reason: str

    REASONS = ("undecryptable", "inconsistent", "missing")

    def to_json(self) -> dict[str, object]:
        return {"dealer": self.dealer, "recipient": self.recipient, "reason": self.reason}

    @classmethod
    def from_json(cls, obj: object) -> Complaint:
        what = "a complaint"
        d = _obj(obj, {"dealer", "recipient", "reason"}, what)
        reason = d["reason"]
        if reason not in cls.REASONS:
            raise CeremonyError(None, f"{what}: 'reason' must be one of {list(cls.REASONS)}")
        assert isinstance(reason, str)
        return cls(_int(d, "dealer", what), _int(d, "recipient", what), reason)


@dataclass(frozen=True, slots=True)
class Received:
    """A recipient's result of round 2: the shares it accepted and its complaints."""

    recipient: int
    shares: Mapping[int, Scalar] = field(repr=False)
    complaints: tuple[Complaint, ...]


def share_matches(share: Scalar, message: DealerMessage, recipient: int) -> bool:
    """Feldman check: s*B == sum_j recipient^j * A_j."""
    return base_mul(share) == evaluate_commitments(message.commitments, recipient)


def receive_shares(
    index: int,
    receiving_secret: bytes,
    manifest_hash: bytes,
    messages: Mapping[int, DealerMessage],
    boxes: Sequence[EncryptedShare],
) -> Received:
    """Open and check every box addressed to ``index`` from the (qualified) dealers."""
    mine = {b.dealer: b for b in boxes if b.recipient == index}
    shares: dict[int, Scalar] = {}
    complaints: list[Complaint] = []
    for dealer, message in sorted(messages.items()):
        box = mine.get(dealer)
        if box is None:
            complaints.append(Complaint(dealer, index, "missing"))
            continue
        try:
            share = open_share(box, receiving_secret, manifest_hash)
        except ShareboxError:
            complaints.append(Complaint(dealer, index, "undecryptable"))
            continue
        if not share_matches(share, message, index):
            complaints.append(Complaint(dealer, index, "inconsistent"))
            continue
        shares[dealer] = share
    return Received(index, shares, tuple(complaints))


# --------------------------------------------------------------------------- rounds 3-4: complaints


@dataclass(frozen=True, slots=True)
class Resolution:
    """The accused dealer's public answer: the share and the box's ephemeral secret."""

    dealer: int
    recipient: int
    share: Scalar
    ephemeral_secret: bytes

    def to_json(self) -> dict[str, object]:
        return {
            "dealer": self.dealer,
            "recipient": self.recipient,
            "share": self.share.hex(),
            "ephemeral_secret": self.ephemeral_secret.hex(),
        }

    @classmethod
    def from_json(cls, obj: object) -> Resolution:
        what = "a resolution"
        d = _obj(obj, {"dealer", "recipient", "share", "ephemeral_secret"}, what)
        dealer = _int(d, "dealer", what)
        try:
            share = Scalar.from_bytes(_hex(d, "share", what, 32))
        except GroupError as exc:
            raise CeremonyError(dealer, f"resolution share: {exc}") from exc
        return cls(dealer, _int(d, "recipient", what), share, _hex(d, "ephemeral_secret", what, 32))


def answer_complaint(secret: DealerSecret, complaint: Complaint) -> Resolution:
    """The dealer reveals the share and ephemeral secret of the one disputed box."""
    if complaint.dealer != secret.dealer:
        raise CeremonyError(None, "this complaint is addressed to another dealer")
    r = complaint.recipient
    return Resolution(secret.dealer, r, secret.shares[r], secret.ephemeral_secrets[r])


@dataclass(frozen=True, slots=True)
class Verdict:
    """Who is at fault in a complaint, and why."""

    guilty: int
    dealer_at_fault: bool
    reason: str


def judge_complaint(
    complaint: Complaint,
    resolution: Resolution | None,
    message: DealerMessage,
    box: EncryptedShare | None,
    recipient_key: bytes,
    manifest_hash: bytes,
) -> Verdict:
    """Anyone can decide a complaint from public data: name the dealer or the complainer."""
    dealer, recipient = complaint.dealer, complaint.recipient
    if message.dealer != dealer:
        raise CeremonyError(None, "judge_complaint: dealer message does not match the complaint")

    def fault(reason: str) -> Verdict:
        return Verdict(dealer, True, reason)

    if resolution is None:
        return fault(f"did not answer trustee {recipient}'s complaint")
    if (resolution.dealer, resolution.recipient) != (dealer, recipient):
        return fault("answered a complaint with a resolution for another share")
    if box is None:
        return fault(f"sent no encrypted share to trustee {recipient}")
    if (box.dealer, box.recipient) != (dealer, recipient):
        raise CeremonyError(None, "judge_complaint: box does not match the complaint")
    try:
        boxed = open_with_ephemeral(box, resolution.ephemeral_secret, recipient_key, manifest_hash)
    except ShareboxError as exc:
        return fault(f"share for trustee {recipient} cannot be opened: {exc}")
    if boxed != resolution.share:
        return fault(f"box for trustee {recipient} holds another value than the revealed share")
    if not share_matches(resolution.share, message, recipient):
        return fault(f"share for trustee {recipient} does not match the dealer's commitments")
    return Verdict(
        recipient, False, f"false complaint: dealer {dealer}'s share opens and is correct"
    )


# --------------------------------------------------------------------------- settlement


@dataclass(frozen=True, slots=True)
class CeremonyResult:
    """What a ceremony established, recomputed from public data only."""

    k: int
    n: int
    qualified: tuple[int, ...]
    disqualified: Mapping[int, str]
    false_complaints: Mapping[int, str]
    commitments: Mapping[int, tuple[Element, ...]]
    joint_public_key: Element
    verification_keys: Mapping[int, Element]
    revealed_shares: Mapping[tuple[int, int], Scalar] = field(repr=False)


def settle(
    k: int,
    n: int,
    manifest_hash: bytes,
    messages: Sequence[DealerMessage],
    boxes: Sequence[EncryptedShare],
    complaints: Sequence[tuple[Complaint, Resolution | None]],
) -> CeremonyResult:
    """Decide Q, judge every complaint, and compute K and every V_l."""
    valid, bad = qualify_dealers(messages, k, n, manifest_hash)
    keys = {m.dealer: m.receiving_key for m in messages}
    by_pair: dict[tuple[int, int], EncryptedShare] = {}
    for box in boxes:
        pair = (box.dealer, box.recipient)
        if not (1 <= box.dealer <= n and 1 <= box.recipient <= n):
            raise CeremonyError(None, f"encrypted share {pair} has an index outside 1..{n}")
        if pair in by_pair:
            bad.setdefault(box.dealer, f"sent two encrypted shares to trustee {box.recipient}")
        by_pair[pair] = box
    for dealer in list(valid):
        if dealer in bad:
            del valid[dealer]
            continue
        missing = [r for r in range(1, n + 1) if (dealer, r) not in by_pair]
        if missing:
            bad[dealer] = f"sent no encrypted share to trustee {missing[0]}"
            del valid[dealer]
    false: dict[int, str] = {}
    revealed: dict[tuple[int, int], Scalar] = {}
    seen: set[tuple[int, int]] = set()
    for complaint, resolution in complaints:
        pair = (complaint.dealer, complaint.recipient)
        if pair in seen:
            raise CeremonyError(complaint.recipient, f"complained twice about dealer {pair[0]}")
        seen.add(pair)
        if not (1 <= pair[0] <= n and 1 <= pair[1] <= n) or pair[0] == pair[1]:
            raise CeremonyError(
                complaint.recipient, f"complaint {pair} is not about another dealer"
            )
        message = valid.get(complaint.dealer)
        if message is None:
            continue  # the dealer is out already; nothing to decide
        if complaint.recipient not in keys:
            raise CeremonyError(complaint.recipient, "complains but published no receiving key")
        verdict = judge_complaint(
            complaint,
            resolution,
            message,
            by_pair.get(pair),
            keys[complaint.recipient],
            manifest_hash,
        )
        if verdict.dealer_at_fault:
            bad[complaint.dealer] = verdict.reason
            del valid[complaint.dealer]
        else:
            false[complaint.recipient] = verdict.reason
            assert resolution is not None
            revealed[pair] = resolution.share
    if len(valid) < k:
        raise CeremonyError(
            None, f"only {len(valid)} qualified dealer(s), at least k = {k} are needed"
        )
    commitments = {i: valid[i].commitments for i in sorted(valid)}
    return CeremonyResult(
        k=k,
        n=n,
        qualified=tuple(sorted(valid)),
        disqualified=dict(sorted(bad.items())),
        false_complaints=dict(sorted(false.items())),
        commitments=commitments,
        joint_public_key=joint_public_key(commitments),
        verification_keys=verification_keys(commitments, n),
        revealed_shares={p: s for p, s in revealed.items() if p[0] in valid},
    )


# --------------------------------------------------------------------------- trustee's result


@dataclass(frozen=True, slots=True)
class TrusteeShare:
    """Trustee l's secret x_l and the public facts needed to use it; sealed in a key file."""

    index: int
    k: int
    n: int
    secret_share: Scalar = field(repr=False)
    manifest_hash: bytes
    joint_public_key: Element

    def to_bytes(self) -> bytes:
        """Compact, sorted-key JSON (UTF-8): the blob that keyfile.seal_key() seals."""
        obj = {
            "format": SHARE_FORMAT,
            "index": self.index,
            "k": self.k,
            "n": self.n,
            "secret_share": self.secret_share.hex(),
            "manifest_hash": self.manifest_hash.hex(),
            "joint_public_key": self.joint_public_key.hex(),
        }
        return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> TrusteeShare:
        what = "a trustee share"
        try:
            obj = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise CeremonyError(None, f"{what} is not JSON") from exc
        keys = {"format", "index", "k", "n", "secret_share", "manifest_hash", "joint_public_key"}
        d = _obj(obj, keys, what)
        if d["format"] != SHARE_FORMAT:
            raise CeremonyError(None, f"{what} has an unsupported format")
        n = _int(d, "n", what)
        try:
            secret = Scalar.from_bytes(_hex(d, "secret_share", what, 32))
            key = Element.from_bytes(_hex(d, "joint_public_key", what, 32))
        except GroupError as exc:
            raise CeremonyError(None, f"{what}: {exc}") from exc
        return cls(
            index=_int(d, "index", what, 1, n),
            k=_int(d, "k", what, 1, n),
            n=n,
            secret_share=secret,
            manifest_hash=_hex(d, "manifest_hash", what, 32),
            joint_public_key=key,
        )

    def check(self, result: CeremonyResult) -> None:
        """Does this share belong to the published ceremony?  (x_l*B == V_l, same K.)"""
        if self.joint_public_key != result.joint_public_key:
            raise CeremonyError(self.index, "this share belongs to another joint key")
        if base_mul(self.secret_share) != result.verification_keys.get(self.index):
            raise CeremonyError(self.index, "secret share does not match its verification key")


def trustee_share(received: Received, result: CeremonyResult, manifest_hash: bytes) -> TrusteeShare:
    """x_l = sum over qualified dealers of s_{i,l} (from the box, or from a resolution)."""
    total = Scalar(0)
    for dealer in result.qualified:
        share = received.shares.get(dealer)
        if share is None:
            share = result.revealed_shares.get((dealer, received.recipient))
        if share is None:
            raise CeremonyError(received.recipient, f"has no share from qualified dealer {dealer}")
        total = total + share
    out = TrusteeShare(
        received.recipient, result.k, result.n, total, manifest_hash, result.joint_public_key
    )
    out.check(result)
    return out


# --------------------------------------------------------------------------- transcript


def build_transcript(
    result: CeremonyResult,
    manifest_hash: bytes,
    messages: Sequence[DealerMessage],
    boxes: Sequence[EncryptedShare],
    complaints: Sequence[tuple[Complaint, Resolution | None]],
) -> dict[str, object]:
    """The public record of the ceremony, as JSON-able data."""
    return {
        "format": TRANSCRIPT_FORMAT,
        "k": result.k,
        "n": result.n,
        "manifest_hash": manifest_hash.hex(),
        "dealers": [m.to_json() for m in sorted(messages, key=lambda m: m.dealer)],
        "encrypted_shares": [b.to_json() for b in boxes],
        "complaints": [
            {"complaint": c.to_json(), "resolution": None if r is None else r.to_json()}
            for c, r in complaints
        ],
        "qualified": list(result.qualified),
        "disqualified": {str(i): why for i, why in result.disqualified.items()},
        "joint_public_key": result.joint_public_key.hex(),
        "verification_keys": {str(i): v.hex() for i, v in result.verification_keys.items()},
    }


_TRANSCRIPT_KEYS = {
    "format",
    "k",
    "n",
    "manifest_hash",
    "dealers",
    "encrypted_shares",
    "complaints",
    "qualified",
    "disqualified",
    "joint_public_key",
    "verification_keys",
}


def verify_transcript(transcript: object, manifest_hash: bytes) -> CeremonyResult:
    """Recompute everything a transcript claims from its public data; name who is wrong.

    Checks: format and shape; every dealer's Schnorr proofs and receiving key;
    one box per (qualified dealer, recipient); every complaint re-judged; the
    claimed qualified set, joint key and verification keys equal the
    recomputed ones.
    """
    what = "the ceremony transcript"
    d = _obj(transcript, _TRANSCRIPT_KEYS, what)
    if d["format"] != TRANSCRIPT_FORMAT:
        raise CeremonyError(None, f"{what} has an unsupported format")
    if _hex(d, "manifest_hash", what, 32) != manifest_hash:
        raise CeremonyError(None, f"{what} is for another election (manifest hash differs)")
    n = _int(d, "n", what)
    k = _int(d, "k", what, 1, n)
    messages = [DealerMessage.from_json(m) for m in _list(d, "dealers", what)]
    try:
        boxes = [EncryptedShare.from_json(b) for b in _list(d, "encrypted_shares", what)]
    except ShareboxError as exc:
        raise CeremonyError(None, f"{what}: {exc}") from exc
    complaints: list[tuple[Complaint, Resolution | None]] = []
    for entry in _list(d, "complaints", what):
        e = _obj(entry, {"complaint", "resolution"}, "a complaint entry")
        res = e["resolution"]
        complaints.append(
            (
                Complaint.from_json(e["complaint"]),
                None if res is None else Resolution.from_json(res),
            )
        )
    try:
        result = settle(k, n, manifest_hash, messages, boxes, complaints)
    except ThresholdError as exc:
        raise CeremonyError(None, str(exc)) from exc
    claimed_q = d["qualified"]
    if not isinstance(claimed_q, list) or any(type(i) is not int for i in claimed_q):
        raise CeremonyError(None, "the transcript's qualified set must be a list of indices")
    if claimed_q != list(result.qualified):
        claimed = set(claimed_q)
        for i in range(1, n + 1):
            if i in result.disqualified and i in claimed:
                raise CeremonyError(i, f"must be disqualified: {result.disqualified[i]}")
            if i in result.qualified and i not in claimed:
                raise CeremonyError(i, "is qualified, but the transcript leaves it out")
        raise CeremonyError(None, "the transcript's qualified set is malformed")
    if d["joint_public_key"] != result.joint_public_key.hex():
        raise CeremonyError(None, "the joint public key does not match the commitments")
    claimed_v = d["verification_keys"]
    expected_v = {str(i): v.hex() for i, v in result.verification_keys.items()}
    if claimed_v != expected_v:
        bad = [
            i
            for i in expected_v
            if not isinstance(claimed_v, dict) or claimed_v.get(i) != expected_v[i]
        ]
        raise CeremonyError(
            int(bad[0]) if bad else None, "verification key does not match the commitments"
        )
    # Only the set of dealers is compared: the reasons are explanatory English
    # text that an independent verifier need not reproduce word for word.
    claimed_dq = d["disqualified"]
    if not isinstance(claimed_dq, dict) or set(claimed_dq) != {str(i) for i in result.disqualified}:
        raise CeremonyError(None, "the transcript's list of disqualified dealers is wrong")
    return result


# --------------------------------------------------------------------------- all in one process


def local_ceremony(
    k: int, n: int, manifest_hash: bytes, *, rng: Rng | None = None
) -> tuple[dict[str, object], list[bytes]]:
    """Run every trustee's part here (demo and tests): (public transcript, secret blobs).

    The secret blobs are :meth:`TrusteeShare.to_bytes`, index order 1..n,
    ready for :func:`ballot.crypto.keyfile.seal_key`.  Honest trustees raise
    no complaints, so the complaint list is empty.
    """
    _check_kn(k, n)
    if not isinstance(manifest_hash, bytes) or len(manifest_hash) != 32:
        raise CeremonyError(None, "the manifest hash must be 32 bytes")
    entropy = _entropy_from(rng)
    receiving_secrets = {i: new_receiving_secret(entropy) for i in range(1, n + 1)}
    keys = {i: receiving_key(s) for i, s in receiving_secrets.items()}
    messages: list[DealerMessage] = []
    boxes: list[EncryptedShare] = []
    for i in range(1, n + 1):
        message, sent, _kept = deal(i, k, n, manifest_hash, keys, rng=rng)
        messages.append(message)
        boxes.extend(sent)
    valid, _bad = qualify_dealers(messages, k, n, manifest_hash)
    received = [
        receive_shares(i, receiving_secrets[i], manifest_hash, valid, boxes)
        for i in range(1, n + 1)
    ]
    complaints: list[tuple[Complaint, Resolution | None]] = [
        (c, None) for r in received for c in r.complaints
    ]
    if complaints:  # pragma: no cover - honest local dealers never cause one
        raise CeremonyError(complaints[0][0].dealer, "local ceremony produced a complaint")
    result = settle(k, n, manifest_hash, messages, boxes, complaints)
    blobs = [trustee_share(r, result, manifest_hash).to_bytes() for r in received]
    return build_transcript(result, manifest_hash, messages, boxes, complaints), blobs
