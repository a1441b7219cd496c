"""Settling the key ceremony: the qualified dealers, the joint key and verification
keys (:func:`settle`), and each trustee's own secret share (:func:`trustee_share`)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..group import Element, GroupError, Scalar, base_mul
from ..sharebox import EncryptedShare
from ..threshold import joint_public_key, verification_keys
from .complaints import Complaint, Received, Resolution, judge_complaint, qualify_dealers
from .dealing import DealerMessage
from .formats import SHARE_FORMAT, CeremonyError, _hex, _int, _obj


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
        if complaint.recipient not in keys:
            raise CeremonyError(complaint.recipient, "complains but published no receiving key")
        message = valid.get(complaint.dealer)
        if message is None:
            continue  # the dealer is out already; nothing to decide
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
