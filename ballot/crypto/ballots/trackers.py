"""The tracker (a ballot's public SHA-256 and its short display form) and replay
detection by reused ciphertexts."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Container, Mapping

from ..manifest import ManifestError, canonical_json
from .encrypted import EncryptedBallot
from .layout import _HEX64, BallotError


def tracker(ballot: EncryptedBallot | Mapping[str, object]) -> str:
    """SHA-256 (hex) of the RFC 8785 canonical JSON of the ballot.

    Given a dict, it is hashed as is: the strict parser accepts exactly one
    JSON form per ballot (lowercase hex, exact keys), so for any accepted
    ballot ``tracker(json) == tracker(EncryptedBallot.from_json(json))``.
    """
    obj = ballot.to_json() if isinstance(ballot, EncryptedBallot) else ballot
    try:
        return hashlib.sha256(canonical_json(obj)).hexdigest()
    except ManifestError as exc:
        raise BallotError(f"the ballot is not canonical JSON: {exc}") from exc


def tracker_display(tracker_hex: str) -> str:
    """The short human form for receipts: the first 80 bits of the tracker in
    RFC 4648 base32, as four groups of four (``ABCD-EFGH-IJKL-MNOP``).

    80 bits keeps a chance collision among a million ballots below 2^-40 and
    makes forging a ballot with the same short form cost about 2^80 hashes;
    base32 avoids 0/1/8/9 and case, so it can be read aloud or copied by hand.
    The receipt also shows the full tracker; the short form is for eyes.
    """
    if not _HEX64.fullmatch(tracker_hex):
        raise BallotError("a tracker is 64 lowercase hexadecimal characters")
    text = base64.b32encode(bytes.fromhex(tracker_hex)[:10]).decode("ascii")
    return "-".join(text[i : i + 4] for i in range(0, 16, 4))


# --------------------------------------------------------------------------- replay


def ballot_alphas(ballot: EncryptedBallot) -> list[bytes]:
    """Every slot's alpha (32 bytes), in order: what the cast path records."""
    return [bytes(s.ciphertext.alpha) for q in ballot.questions for s in q.slots]


def reused_ciphertexts(
    ballot: EncryptedBallot, seen_alphas: Container[bytes]
) -> list[tuple[int, int]]:
    """(question, slot) positions whose alpha is already on the board, or repeats
    an earlier alpha of this same ballot.

    Keying on alpha alone suffices: alpha = r*B for a fresh random r, so two
    honest encryptions share one with probability about 2^-252; and a ballot
    that copies someone's alpha must also carry a proof for that slot, which
    (by the special soundness of the range proof) needs the randomness r
    unless the whole (alpha, beta, proof) is copied verbatim.  Any copy,
    changed or not, therefore shows up as a repeated alpha.
    """
    reused: list[tuple[int, int]] = []
    own: set[bytes] = set()
    for qi, question in enumerate(ballot.questions):
        for si, slot in enumerate(question.slots):
            alpha = bytes(slot.ciphertext.alpha)
            if alpha in seen_alphas or alpha in own:
                reused.append((qi, si))
            own.add(alpha)
    return reused
