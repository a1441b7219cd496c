"""The key ceremony's public transcript: built from the rounds' messages, and verified by
anyone (the verifier, the server, a trustee) by settling it again from scratch."""

from __future__ import annotations

from collections.abc import Sequence

from ..sharebox import EncryptedShare, ShareboxError
from ..threshold import ThresholdError
from .complaints import Complaint, Resolution
from .dealing import DealerMessage
from .formats import TRANSCRIPT_FORMAT, CeremonyError, _hex, _int, _list, _obj
from .settlement import CeremonyResult, settle


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
    order = [m.dealer for m in messages]
    if order != sorted(order):
        # One transcript, one byte string: the order is fixed so no two spellings exist.
        raise CeremonyError(
            None, f"{what} must list its dealers by ascending index (it lists {order})"
        )
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
    if not all(isinstance(why, str) and why for why in claimed_dq.values()):
        raise CeremonyError(None, "the reason a dealer was disqualified must be non-empty text")
    return result
