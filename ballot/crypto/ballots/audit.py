"""The Benaloh audit: a spoiled ballot published with its openings, and its check."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..elgamal import encrypt
from ..group import Element, GroupError, Scalar
from ..manifest import MAX_RANKED_CANDIDATES, ElectionManifest
from .encrypted import BallotSecrets, EncryptedBallot, SlotSecret, _object
from .layout import (
    _HEX64,
    AUDIT_FORMAT,
    BallotError,
    _on_ballot,
    _plaintexts,
    _where,
    layout,
    validate_selection,
)
from .verification import verify_ballot


@dataclass(frozen=True, slots=True)
class AuditedBallot:
    """A spoiled ballot: the encrypted ballot plus the secrets that open it.

    Benaloh's challenge: the device commits to a ballot (shows its tracker),
    then the voter either casts it or audits it.  An audit reveals every
    slot's randomness and plaintext, so anyone can re-encrypt and compare; a
    device that encrypted something other than the voter's choice is caught
    with the probability that the voter audits.  An audited ballot is
    never cast (its secrets are public).
    """

    ballot: EncryptedBallot
    secrets: BallotSecrets

    def audit_json(self) -> dict[str, object]:
        return {
            "format": AUDIT_FORMAT,
            "ballot": self.ballot.to_json(),
            "secrets": [
                [{"plaintext": s.plaintext, "randomness": s.randomness.hex()} for s in q]
                for q in self.secrets.questions
            ],
        }

    @classmethod
    def from_json(cls, obj: object) -> AuditedBallot:
        d = _object(obj, {"format", "ballot", "secrets"}, "the audited ballot")
        if d["format"] != AUDIT_FORMAT:
            raise BallotError(f"the audited ballot format must be '{AUDIT_FORMAT}'")
        ballot = EncryptedBallot.from_json(d["ballot"])
        raw = d["secrets"]
        if not isinstance(raw, list) or len(raw) != len(ballot.questions):
            raise BallotError("'secrets' must hold one list per question of the ballot")
        questions: list[tuple[SlotSecret, ...]] = []
        for qi, (raw_q, enc) in enumerate(zip(raw, ballot.questions, strict=True)):
            if not isinstance(raw_q, list) or len(raw_q) != len(enc.slots):
                raise BallotError(f"question {qi}: secrets must hold one entry per slot")
            slot_secrets = []
            for si, raw_s in enumerate(raw_q):
                at = f"question {qi}, slot {si}"
                s = _object(raw_s, {"plaintext", "randomness"}, f"{at} secret")
                m, r = s["plaintext"], s["randomness"]
                # 0 or 1 in a choose question, up to n in a ranked race: check_audit
                # holds each slot to its layout's range
                if type(m) is not int or not 0 <= m <= MAX_RANKED_CANDIDATES:
                    raise BallotError(
                        f"{at}: the plaintext must be 0 or 1 (in a ranked race, an integer "
                        f"from 0 to the number of candidates, at most {MAX_RANKED_CANDIDATES})"
                    )
                if not isinstance(r, str) or not _HEX64.fullmatch(r):
                    raise BallotError(f"{at}: the randomness must be 64 lowercase hex characters")
                try:
                    scalar = Scalar.from_hex(r)
                except GroupError as exc:
                    raise BallotError(f"{at}: {exc}") from exc
                slot_secrets.append(SlotSecret(int(m), scalar))
            questions.append(tuple(slot_secrets))
        return cls(ballot, BallotSecrets(tuple(questions)))


def check_audit(
    manifest: ElectionManifest,
    public_key: Element,
    fingerprint: bytes,
    audit: AuditedBallot | Mapping[str, object],
    *,
    unit: str | None = None,
) -> tuple[tuple[int, ...], ...]:
    """Verify an audited ballot of ``unit`` and return the selections it really encrypts.

    Re-encrypts every slot from the revealed (plaintext, randomness) and
    compares with the ciphertext; also verifies the ballot's proofs and that
    the plaintexts form a valid vote under the slot layout.  The result has one
    entry per question on the ballot (``manifest.on_ballot(unit)``): the selected
    option indices, ascending, or for a ranked race the ranking, most preferred
    first.  Raises BallotError at the first mismatch, naming the question and slot.
    """
    if not isinstance(audit, AuditedBallot):
        audit = AuditedBallot.from_json(audit)
    verify_ballot(manifest, public_key, fingerprint, audit.ballot, unit=unit)
    if len(audit.secrets.questions) != len(audit.ballot.questions):
        raise BallotError("the audit must reveal secrets for every question")
    selections: list[tuple[int, ...]] = []
    for qi, enc, revealed in zip(
        _on_ballot(manifest, unit), audit.ballot.questions, audit.secrets.questions, strict=True
    ):
        question = manifest.questions[qi]
        lay = layout(question)
        if len(revealed) != len(enc.slots):
            raise BallotError(f"{_where(manifest, qi)}: secrets needed for every slot")
        for si, (slot, secret) in enumerate(zip(enc.slots, revealed, strict=True)):
            if not 0 <= secret.plaintext <= lay.slot_max:
                allowed = "0 or 1" if lay.slot_max == 1 else f"from 0 to {lay.slot_max}"
                raise BallotError(f"{_where(manifest, qi, si)}: plaintext must be {allowed}")
            try:
                again = encrypt(public_key, secret.plaintext, secret.randomness)
            except GroupError as exc:
                raise BallotError(f"{_where(manifest, qi, si)}: {exc}") from exc
            if again != slot.ciphertext:
                raise BallotError(
                    f"{_where(manifest, qi, si)}: the ciphertext does not encrypt the revealed "
                    "plaintext with the revealed randomness"
                )
        values = [s.plaintext for s in revealed]
        chosen = _opened(question.option_count, lay.kind, lay.option_slots, values)
        validate_selection(question, chosen, _where(manifest, qi))
        if _plaintexts(question, lay, chosen) != values:
            raise BallotError(f"{_where(manifest, qi)}: the revealed slots are not a valid vote")
        selections.append(tuple(chosen))
    return tuple(selections)


def _opened(n: int, kind: str, option_slots: int, values: list[int]) -> list[int]:
    """What the revealed plaintexts select: a ranked race's ranking is read up to its first
    0 (a later non-zero rank, a gap, then fails the re-encoding check); in choose-one, all
    zeros is the last option."""
    if kind == "ranked":
        ranking: list[int] = []
        for value in values:
            if value == 0:
                break
            ranking.append(value - 1)
        return ranking
    chosen = [i for i in range(option_slots) if values[i] == 1]
    if kind == "choose-one" and not chosen:
        chosen = [n - 1]
    return chosen
