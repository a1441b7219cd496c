"""The encrypted ballot's value types, their strict JSON form, and the voter-side secrets
that open them (for a Benaloh audit)."""

from __future__ import annotations

from dataclasses import dataclass

from ..elgamal import Ciphertext
from ..group import GroupError, Scalar
from ..proofs import ProofError, RangeProof
from .layout import _HEX64, BALLOT_FORMAT, BallotError


@dataclass(frozen=True, slots=True)
class EncryptedSlot:
    ciphertext: Ciphertext
    proof: RangeProof

    def to_json(self) -> dict[str, object]:
        return {**self.ciphertext.to_json(), "proof": self.proof.to_json()}


@dataclass(frozen=True, slots=True)
class EncryptedQuestion:
    slots: tuple[EncryptedSlot, ...]
    count_proof: RangeProof | None

    def to_json(self) -> dict[str, object]:
        return {
            "slots": [s.to_json() for s in self.slots],
            "count_proof": None if self.count_proof is None else self.count_proof.to_json(),
        }


@dataclass(frozen=True, slots=True)
class EncryptedBallot:
    """A cast (or castable) ballot.  ``election`` is the election fingerprint."""

    election: bytes
    questions: tuple[EncryptedQuestion, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "format": BALLOT_FORMAT,
            "election": self.election.hex(),
            "questions": [q.to_json() for q in self.questions],
        }

    @classmethod
    def from_json(cls, obj: object) -> EncryptedBallot:
        """Strict parse: exact key sets, lowercase 64-char hex, no identity element.

        Hex must be lowercase so that one ballot has exactly one JSON form, and
        therefore exactly one tracker (no re-casing a ballot into a "new" one).
        """
        d = _object(obj, {"format", "election", "questions"}, "the ballot")
        if d["format"] != BALLOT_FORMAT:
            raise BallotError(f"the ballot format must be '{BALLOT_FORMAT}'")
        election = d["election"]
        if not isinstance(election, str) or not _HEX64.fullmatch(election):
            raise BallotError("'election' must be 64 lowercase hexadecimal characters")
        raw_questions = d["questions"]
        if not isinstance(raw_questions, list) or not raw_questions:
            raise BallotError("'questions' must be a non-empty list")
        questions = tuple(_parse_question(q, i) for i, q in enumerate(raw_questions))
        return cls(bytes.fromhex(election), questions)


def _object(obj: object, keys: set[str], where: str) -> dict[str, object]:
    if not isinstance(obj, dict):
        raise BallotError(f"{where} must be a JSON object")
    if set(obj) != keys:
        missing, extra = sorted(keys - set(obj)), sorted(set(obj) - keys)
        raise BallotError(f"{where}: missing keys {missing}, unexpected keys {extra}")
    return obj


def _check_proof_hex(obj: object, where: str) -> None:
    if isinstance(obj, dict):
        for key in ("challenges", "responses"):
            items = obj.get(key)
            if isinstance(items, list):
                for item in items:
                    if not isinstance(item, str) or not _HEX64.fullmatch(item):
                        raise BallotError(f"{where}: proof {key} must be 64 lowercase hex chars")


def _parse_proof(obj: object, where: str) -> RangeProof:
    _check_proof_hex(obj, where)
    try:
        return RangeProof.from_json(obj)
    except ProofError as exc:
        raise BallotError(f"{where}: {exc}") from exc


def _parse_question(obj: object, qi: int) -> EncryptedQuestion:
    where = f"question {qi}"
    d = _object(obj, {"slots", "count_proof"}, where)
    raw_slots = d["slots"]
    if not isinstance(raw_slots, list) or not raw_slots:
        raise BallotError(f"{where}: 'slots' must be a non-empty list")
    slots = []
    for si, raw in enumerate(raw_slots):
        at = f"{where}, slot {si}"
        s = _object(raw, {"alpha", "beta", "proof"}, at)
        for key in ("alpha", "beta"):
            value = s[key]
            if not isinstance(value, str) or not _HEX64.fullmatch(value):
                raise BallotError(f"{at}: '{key}' must be 64 lowercase hexadecimal characters")
        try:
            ct = Ciphertext.from_json({"alpha": s["alpha"], "beta": s["beta"]})
        except GroupError as exc:
            raise BallotError(f"{at}: {exc}") from exc
        slots.append(EncryptedSlot(ct, _parse_proof(s["proof"], at)))
    raw_count = d["count_proof"]
    count = None if raw_count is None else _parse_proof(raw_count, f"{where}, count proof")
    return EncryptedQuestion(tuple(slots), count)


# --------------------------------------------------------------------------- secrets


@dataclass(frozen=True, slots=True)
class SlotSecret:
    """What the voter's device knows about one slot: plaintext and randomness."""

    plaintext: int
    randomness: Scalar

    def __repr__(self) -> str:
        return "SlotSecret(<hidden>)"


@dataclass(frozen=True, slots=True)
class BallotSecrets:
    """Per question, per slot secrets.  Never leaves the voter's device unless the
    voter audits (spoils) the ballot, after which that ballot must not be cast."""

    questions: tuple[tuple[SlotSecret, ...], ...]

    def __repr__(self) -> str:
        return "BallotSecrets(<hidden>)"
