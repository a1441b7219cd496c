"""Verifying a ballot: its shape against the manifest, then every slot and count proof."""

from __future__ import annotations

from collections.abc import Mapping

from ..group import Element
from ..manifest import ElectionManifest
from ..proofs import ProofError
from .encrypted import EncryptedBallot
from .layout import BallotError, BallotProofError, _count_ciphertext, _where, layout


def check_shape(manifest: ElectionManifest, ballot: EncryptedBallot) -> None:
    """Structure only (no group operations): question count, slot counts, count proofs."""
    if len(ballot.questions) != len(manifest.questions):
        raise BallotError(
            f"the ballot has {len(ballot.questions)} questions, the election "
            f"{len(manifest.questions)}"
        )
    for qi, (question, enc) in enumerate(zip(manifest.questions, ballot.questions, strict=True)):
        lay = layout(question)
        if len(enc.slots) != lay.slot_count:
            raise BallotError(
                f"{_where(manifest, qi)}: has {len(enc.slots)} slots, expected {lay.slot_count}"
            )
        if lay.has_count_proof != (enc.count_proof is not None):
            state = "requires" if lay.has_count_proof else "must not have"
            raise BallotError(f"{_where(manifest, qi)}: {state} a count proof")


def verify_ballot(
    manifest: ElectionManifest,
    public_key: Element,
    fingerprint: bytes,
    ballot: EncryptedBallot | Mapping[str, object],
) -> None:
    """Check a ballot completely; raise BallotError (or BallotProofError) naming the place.

    Accepts the parsed ballot or its JSON (which is then parsed strictly).
    Checks: the election fingerprint, the structure against the manifest, a
    [0, 1] proof per slot, and the count proof per question.
    """
    if not isinstance(ballot, EncryptedBallot):
        ballot = EncryptedBallot.from_json(ballot)
    if ballot.election != fingerprint:
        raise BallotError("the ballot was made for another election (fingerprint differs)")
    check_shape(manifest, ballot)
    for qi, (question, enc) in enumerate(zip(manifest.questions, ballot.questions, strict=True)):
        lay = layout(question)
        for si, slot in enumerate(enc.slots):
            try:
                slot.proof.verify(slot.ciphertext, public_key, 0, 1, fingerprint, ["slot", qi, si])
            except ProofError as exc:
                raise BallotProofError(f"{_where(manifest, qi, si)}: {exc}") from exc
        if enc.count_proof is not None:
            total = _count_ciphertext(lay, [s.ciphertext for s in enc.slots])
            try:
                enc.count_proof.verify(
                    total, public_key, lay.count_lo, lay.count_hi, fingerprint, ["count", qi]
                )
            except ProofError as exc:
                raise BallotProofError(f"{_where(manifest, qi)}, count proof: {exc}") from exc
