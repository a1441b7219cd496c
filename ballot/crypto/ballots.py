"""The encrypted ballot: slot layout, encryption, verification, tracker, replay and audit.

Slot layout per question (the protocol; ``docs/PROTOCOL.md`` "Ballot encoding").
Every slot is an exponential-ElGamal encryption of 0 or 1 with a [0, 1] range
proof; the *count proof* is a range proof on a homomorphic combination of the
slots and is what makes over-voting impossible:

===================  =============================  =====================================
question shape       slots                          count proof
===================  =============================  =====================================
choose exactly one   options 0..n-2 (the last one   sum of slots in [0, 1]; omitted when
(min = max = 1)      is implied)                    there is only one slot (yes/no)
min = 0, max = 1     one per option                 sum in [0, 1]; omitted for one slot
min = 0, max >= 2    one per option + "blank"       sum(options) + max*blank in [1, max]
min >= 1 (other)     one per option                 sum in [min, max]
===================  =============================  =====================================

Why: the implied last option saves a ciphertext and a proof per ballot (a
yes/no question is ONE ciphertext); the weighted blank slot makes "blank" and
"something selected" mutually exclusive, since blank=1 forces the option sum
to 0 and blank=0 forces it into [1, max].  A count proof on a single slot with
range [0, 1] would prove the same statement as the slot proof, so it is left out.

Proof contexts (bound into each Fiat-Shamir challenge together with the
election fingerprint, the key and the ciphertext): ``["slot", q, s]`` and
``["count", q]``, with 0-based indices encoded as 8-byte big-endian integers.
A proof therefore verifies only for its own slot of its own question of its
own election.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Container, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from .elgamal import Ciphertext, encrypt
from .group import Element, GroupError, Scalar
from .manifest import ElectionManifest, ManifestError, QuestionSpec, canonical_json
from .proofs import ProofError, RangeProof, prove_range

__all__ = [
    "AUDIT_FORMAT",
    "BALLOT_FORMAT",
    "AuditedBallot",
    "BallotError",
    "BallotProofError",
    "BallotSecrets",
    "EncryptedBallot",
    "EncryptedQuestion",
    "EncryptedSlot",
    "SlotLayout",
    "SlotSecret",
    "ballot_alphas",
    "check_audit",
    "encrypt_ballot",
    "layout",
    "reused_ciphertexts",
    "tracker",
    "tracker_display",
    "validate_selection",
    "verify_ballot",
]

BALLOT_FORMAT: Final = "ballot/encrypted-ballot/v1"
AUDIT_FORMAT: Final = "ballot/audited-ballot/v1"

_HEX64 = re.compile(r"[0-9a-f]{64}")


class BallotError(ValueError):
    """A ballot (or a selection, or an audit) is malformed or invalid; the message says where."""


class BallotProofError(BallotError, ProofError):
    """A proof inside a ballot fails.  Both a BallotError and a ProofError, so
    callers may catch either; the message names the question and slot."""


# --------------------------------------------------------------------------- layout


@dataclass(frozen=True, slots=True)
class SlotLayout:
    """How one question is encoded: the rows of the table in the module docstring."""

    kind: str  # "choose-one" | "at-most-one" | "multi-with-blank" | "bounded"
    option_slots: int  # how many options have their own slot
    has_blank_slot: bool
    count_lo: int
    count_hi: int
    blank_weight: int  # weight of the blank slot in the count ciphertext (0 if none)
    has_count_proof: bool

    @property
    def slot_count(self) -> int:
        return self.option_slots + int(self.has_blank_slot)


def layout(question: QuestionSpec) -> SlotLayout:
    """The slot layout of a question (pure function of n, min and max)."""
    n, lo, hi = question.option_count, question.min, question.max
    if lo == hi == 1:
        return SlotLayout("choose-one", n - 1, False, 0, 1, 0, n - 1 >= 2)
    if lo == 0 and hi == 1:
        return SlotLayout("at-most-one", n, False, 0, 1, 0, n >= 2)
    if lo == 0:
        return SlotLayout("multi-with-blank", n, True, 1, hi, hi, True)
    return SlotLayout("bounded", n, False, lo, hi, 0, True)


def validate_selection(question: QuestionSpec, selected: Sequence[int], where: str) -> None:
    """Refuse anything that is not a valid vote: over-voting is made impossible here first."""
    if isinstance(selected, str | bytes):
        raise BallotError(f"{where}: the selection must be a list of option indices")
    seen: set[int] = set()
    for index in selected:
        if not isinstance(index, int) or isinstance(index, bool):
            raise BallotError(f"{where}: option indices must be integers")
        if not 0 <= index < question.option_count:
            raise BallotError(f"{where}: there is no option {index}")
        if index in seen:
            raise BallotError(f"{where}: option {index} is selected twice")
        seen.add(index)
    if len(seen) > question.max:
        raise BallotError(f"{where}: at most {question.max} option(s) may be selected")
    if len(seen) < question.min:
        raise BallotError(f"{where}: at least {question.min} option(s) must be selected")


def _plaintexts(question: QuestionSpec, lay: SlotLayout, selected: Sequence[int]) -> list[int]:
    chosen = set(selected)
    values = [int(i in chosen) for i in range(lay.option_slots)]
    if lay.has_blank_slot:
        values.append(int(not chosen))
    return values


def _count_plaintext(lay: SlotLayout, values: Sequence[int]) -> int:
    total = sum(values[: lay.option_slots])
    if lay.has_blank_slot:
        total += lay.blank_weight * values[-1]
    return total


def _count_ciphertext(lay: SlotLayout, cts: Sequence[Ciphertext]) -> Ciphertext:
    """sum(option slots) + weight * blank, computed homomorphically."""
    total = cts[0]
    for ct in cts[1 : lay.option_slots]:
        total = total + ct
    if lay.has_blank_slot:
        total = total + cts[-1].scale(Scalar(lay.blank_weight))
    return total


def _where(manifest: ElectionManifest, qi: int, si: int | None = None) -> str:
    q = manifest.questions[qi]
    text = f"question {qi} ('{q.id}')"
    if si is None:
        return text
    lay = layout(q)
    name = "blank" if si >= lay.option_slots else f"option '{q.option_ids[si]}'"
    return f"{text}, slot {si} ({name})"


# --------------------------------------------------------------------------- value types


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


# --------------------------------------------------------------------------- encryption


def encrypt_ballot(
    manifest: ElectionManifest,
    public_key: Element,
    fingerprint: bytes,
    selections: Sequence[Sequence[int]],
    *,
    rng: Callable[[], Scalar] = Scalar.random,
) -> tuple[EncryptedBallot, BallotSecrets]:
    """Encrypt the selected option indices, one sequence per question.

    The selection is validated against min/max before anything is encrypted,
    so an over-vote cannot even be produced.  ``rng`` yields the encryption
    randomness and the proof nonces (a seeded one makes test vectors).
    """
    if len(selections) != len(manifest.questions):
        raise BallotError(
            f"one selection per question is needed: {len(manifest.questions)} questions, "
            f"{len(selections)} selections"
        )
    for qi, (question, selected) in enumerate(zip(manifest.questions, selections, strict=True)):
        validate_selection(question, selected, _where(manifest, qi))

    questions: list[EncryptedQuestion] = []
    secrets: list[tuple[SlotSecret, ...]] = []
    for qi, (question, selected) in enumerate(zip(manifest.questions, selections, strict=True)):
        lay = layout(question)
        values = _plaintexts(question, lay, selected)
        slots: list[EncryptedSlot] = []
        slot_secrets: list[SlotSecret] = []
        for si, m in enumerate(values):
            r = rng()
            ct = encrypt(public_key, m, r)
            proof = prove_range(ct, m, r, public_key, 0, 1, fingerprint, ["slot", qi, si], rng=rng)
            slots.append(EncryptedSlot(ct, proof))
            slot_secrets.append(SlotSecret(m, r))
        count_proof = None
        if lay.has_count_proof:
            cts = [s.ciphertext for s in slots]
            rs = [s.randomness for s in slot_secrets]
            r_sum = Scalar(0)
            for r in rs[: lay.option_slots]:
                r_sum = r_sum + r
            if lay.has_blank_slot:
                r_sum = r_sum + rs[-1] * Scalar(lay.blank_weight)
            count_proof = prove_range(
                _count_ciphertext(lay, cts),
                _count_plaintext(lay, values),
                r_sum,
                public_key,
                lay.count_lo,
                lay.count_hi,
                fingerprint,
                ["count", qi],
                rng=rng,
            )
        questions.append(EncryptedQuestion(tuple(slots), count_proof))
        secrets.append(tuple(slot_secrets))
    return EncryptedBallot(bytes(fingerprint), tuple(questions)), BallotSecrets(tuple(secrets))


# --------------------------------------------------------------------------- verification


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


# --------------------------------------------------------------------------- tracker


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


# --------------------------------------------------------------------------- Benaloh audit


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
                if type(m) is not int or m not in (0, 1):
                    raise BallotError(f"{at}: the plaintext must be 0 or 1")
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
) -> tuple[tuple[int, ...], ...]:
    """Verify an audited ballot and return the selections it really encrypts.

    Re-encrypts every slot from the revealed (plaintext, randomness) and
    compares with the ciphertext; also verifies the ballot's proofs and that
    the plaintexts form a valid vote under the slot layout.  Raises
    BallotError at the first mismatch, naming the question and slot.
    """
    if not isinstance(audit, AuditedBallot):
        audit = AuditedBallot.from_json(audit)
    verify_ballot(manifest, public_key, fingerprint, audit.ballot)
    if len(audit.secrets.questions) != len(audit.ballot.questions):
        raise BallotError("the audit must reveal secrets for every question")
    selections: list[tuple[int, ...]] = []
    for qi, (question, enc, revealed) in enumerate(
        zip(manifest.questions, audit.ballot.questions, audit.secrets.questions, strict=True)
    ):
        lay = layout(question)
        if len(revealed) != len(enc.slots):
            raise BallotError(f"{_where(manifest, qi)}: secrets needed for every slot")
        for si, (slot, secret) in enumerate(zip(enc.slots, revealed, strict=True)):
            if secret.plaintext not in (0, 1):
                raise BallotError(f"{_where(manifest, qi, si)}: plaintext must be 0 or 1")
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
        chosen = [i for i in range(lay.option_slots) if values[i] == 1]
        if lay.kind == "choose-one" and not chosen:
            chosen = [question.option_count - 1]
        validate_selection(question, chosen, _where(manifest, qi))
        if _plaintexts(question, lay, chosen) != values:
            raise BallotError(f"{_where(manifest, qi)}: the revealed slots are not a valid vote")
        selections.append(tuple(chosen))
    return tuple(selections)
