"""Rounds 2-4 of the key ceremony: qualify dealers, receive and check shares, file
complaints, answer them (revealing one box's ephemeral secret), and judge them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..group import GroupError, Scalar, base_mul
from ..sharebox import EncryptedShare, ShareboxError, open_share, open_with_ephemeral
from ..threshold import evaluate_commitments
from .dealing import DealerMessage, DealerSecret, _check_kn
from .formats import CeremonyError, _hex, _int, _obj


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
