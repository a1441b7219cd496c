"""Verifying a ballot: its shape against the manifest, then every slot and count proof."""

from __future__ import annotations

from collections.abc import Mapping

from ..group import Element
from ..manifest import ElectionManifest
from ..proofs import ProofError
from .encrypted import EncryptedBallot
from .layout import (
    BallotError,
    BallotProofError,
    _count_ciphertext,
    _on_ballot,
    _where,
    layout,
)


def check_shape(
    manifest: ElectionManifest, ballot: EncryptedBallot, *, unit: str | None = None
) -> None:
    """Structure only (no group operations): the ballot carries one question per question
    of ``manifest.on_ballot(unit)``, each with its layout's slot count and count proof."""
    on_ballot = _on_ballot(manifest, unit)
    if len(ballot.questions) != len(on_ballot):
        raise BallotError(
            f"the ballot has {len(ballot.questions)} questions, the election "
            f"{len(on_ballot)}{_of_unit(manifest, unit)}"
        )
    for qi, enc in zip(on_ballot, ballot.questions, strict=True):
        lay = layout(manifest.questions[qi])
        if len(enc.slots) != lay.slot_count:
            raise BallotError(
                f"{_where(manifest, qi)}: has {len(enc.slots)} slots, expected {lay.slot_count}"
            )
        if lay.has_count_proof != (enc.count_proof is not None):
            state = "requires" if lay.has_count_proof else "must not have"
            raise BallotError(f"{_where(manifest, qi)}: {state} a count proof")


def _of_unit(manifest: ElectionManifest, unit: str | None) -> str:
    """Names the unit in a count mismatch, only where units change what a ballot carries."""
    if not manifest.has_units:
        return ""
    return f" on a ballot of unit '{unit}'" if unit else " on a ballot without unit"


def verify_ballot(
    manifest: ElectionManifest,
    public_key: Element,
    fingerprint: bytes,
    ballot: EncryptedBallot | Mapping[str, object],
    *,
    unit: str | None = None,
) -> None:
    """Check a ballot completely; raise BallotError (or BallotProofError) naming the place.

    Accepts the parsed ballot or its JSON (which is then parsed strictly).  ``unit`` is
    the ballot's unit (from its board entry; None or "": without unit): it decides which
    questions the ballot carries (``manifest.on_ballot(unit)``), and each proof is checked
    under its question's definition index.  Checks: the election fingerprint, the
    structure, a [0, slot_max] proof per slot, and the count proof per question.
    """
    if not isinstance(ballot, EncryptedBallot):
        ballot = EncryptedBallot.from_json(ballot)
    if ballot.election != fingerprint:
        raise BallotError("the ballot was made for another election (fingerprint differs)")
    check_shape(manifest, ballot, unit=unit)
    for qi, enc in zip(manifest.on_ballot(unit), ballot.questions, strict=True):
        lay = layout(manifest.questions[qi])
        for si, slot in enumerate(enc.slots):
            try:
                slot.proof.verify(
                    slot.ciphertext, public_key, 0, lay.slot_max, fingerprint, ["slot", qi, si]
                )
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
