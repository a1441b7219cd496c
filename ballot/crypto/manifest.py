"""The election definition as the cryptography layer sees it.

The service produces a full definition (titles, translated texts, outcome
rule, voting window, trustees...).  The crypto layer needs only the shape of
each question -- its id, option ids, and how many options a voter may
select -- so :class:`ElectionManifest` keeps just that and ignores every other
key.  The *hash*, however, covers the whole definition: a voter, observer or
verifier who checks the fingerprint checks the wording, the languages, the
outcome rule and the window too, so none of them can be changed quietly after
ballots were cast.

Byte-level rules (``docs/PROTOCOL.md``):

* ``manifest_hash(definition)`` = SHA-256 of the RFC 8785 (JCS) canonical
  JSON of the definition.  Floats are refused anywhere in the definition:
  their canonical form is a rendering choice other implementations get wrong,
  and the election needs none.
* ``election_fingerprint`` = SHA-256 over framed parts (``fiat_shamir.encode_part``:
  4-byte big-endian length, then bytes) of the tag ``ballot/v1/fingerprint``,
  the manifest hash, the joint public key K and each trustee verification key
  in trustee order.  Every proof's Fiat-Shamir challenge includes the
  fingerprint, so no proof can be moved to another election, another key or
  another set of trustees.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import rfc8785

from .fiat_shamir import DOMAIN_PREFIX, encode_part
from .group import Element

__all__ = [
    "MAX_OPTIONS",
    "MAX_QUESTIONS",
    "MAX_RANKED_CANDIDATES",
    "ElectionManifest",
    "ManifestError",
    "QuestionSpec",
    "canonical_json",
    "election_fingerprint",
    "manifest_hash",
]

#: Most options in one question: bounds the width of a count range proof
#: (proofs.MAX_RANGE_BRANCHES is 64) and the verifier's work per ballot.
MAX_OPTIONS: Final = 64
#: Most questions on one ballot: bounds the verifier's work per ballot.
MAX_QUESTIONS: Final = 100
#: Longest id (election, question, option): ids are identifiers, not texts.
MAX_ID_LENGTH: Final = 200
#: Most candidates of a ranked race: a rank encrypts 0 ("no further preference") to n,
#: and a range proof has at most 64 branches.
MAX_RANKED_CANDIDATES: Final = 63

FINGERPRINT_TAG: Final = DOMAIN_PREFIX + "fingerprint"


class ManifestError(ValueError):
    """The election definition is malformed or describes an impossible question."""


@dataclass(frozen=True, slots=True)
class QuestionSpec:
    """One question: its options (in ballot order) and the selection bounds.

    A voter selects between ``min`` and ``max`` options inclusive.  Option
    order is part of the protocol: slot i of the encrypted ballot is option i.
    """

    id: str
    option_ids: tuple[str, ...]
    min: int
    max: int
    #: False: choose between min and max options, counted by adding ciphertexts.  True:
    #: rank up to max candidates, one ciphertext per rank, counted after the mix-net
    #: (PROTOCOL 5.1, 8.1, 16, 17, 18).
    ranked: bool = False
    #: A per-unit race: only ballots of members of this unit carry the question (5.1).
    unit: str | None = None

    def __post_init__(self) -> None:
        where = f"question '{self.id}'"
        n = len(self.option_ids)
        if self.unit is not None and (not self.unit or len(self.unit) > MAX_ID_LENGTH):
            raise ManifestError(f"{where}: unit must be a non-empty label of at most 200 chars")
        if self.ranked and not 1 <= n <= MAX_RANKED_CANDIDATES:
            raise ManifestError(
                f"{where}: a ranked race has 1 to {MAX_RANKED_CANDIDATES} candidates, has {n}"
            )
        if self.ranked and self.min != 0:
            raise ManifestError(f"{where}: a ranked race has min 0 (ranking nobody is a blank)")
        if not 1 <= n <= MAX_OPTIONS:
            raise ManifestError(f"{where}: must have 1 to {MAX_OPTIONS} options, has {n}")
        if len(set(self.option_ids)) != n:
            raise ManifestError(f"{where}: option ids must be unique")
        if not 0 <= self.min <= self.max <= n:
            raise ManifestError(
                f"{where}: selection bounds must satisfy 0 <= min <= max <= {n} options "
                f"(got min={self.min}, max={self.max})"
            )
        if self.max < 1:
            raise ManifestError(f"{where}: max must be at least 1 (a voter must be able to vote)")
        if self.min == self.max == 1 and n == 1:
            # Its encrypted form would have no slot at all: nothing secret to cast.
            raise ManifestError(f"{where}: choosing exactly one of a single option is no choice")

    @property
    def option_count(self) -> int:
        return len(self.option_ids)

    def on_ballot_of(self, unit: str | None) -> bool:
        """Whether a ballot of a member of ``unit`` carries this question."""
        return self.unit is None or self.unit == unit


@dataclass(frozen=True, slots=True)
class ElectionManifest:
    """The election id and its questions, in ballot order."""

    election_id: str
    questions: tuple[QuestionSpec, ...]

    def __post_init__(self) -> None:
        if not 1 <= len(self.questions) <= MAX_QUESTIONS:
            raise ManifestError(f"an election has 1 to {MAX_QUESTIONS} questions")
        if len({q.id for q in self.questions}) != len(self.questions):
            raise ManifestError("question ids must be unique")

    def on_ballot(self, unit: str | None) -> tuple[int, ...]:
        """The indices (in the definition) of the questions a ballot of ``unit`` carries,
        in definition order: every question without a unit, and the unit's own races."""
        return tuple(i for i, q in enumerate(self.questions) if q.on_ballot_of(unit))

    @property
    def has_units(self) -> bool:
        """Whether some question is a per-unit race (ballots then carry their unit)."""
        return any(q.unit is not None for q in self.questions)

    @property
    def has_ranked(self) -> bool:
        """Whether some race is ranked (the election then has a mix-net, PROTOCOL 16)."""
        return any(q.ranked for q in self.questions)

    @classmethod
    def from_definition(cls, definition: object) -> ElectionManifest:
        """Read ``election_id`` and ``questions[*].{id, min, max, options[*].id}``.

        Every other key is ignored here (it is still covered by the hash).
        """
        if not isinstance(definition, Mapping):
            raise ManifestError("the election definition must be a JSON object")
        election_id = _ident(definition.get("election_id"), "election_id")
        raw_questions = definition.get("questions")
        if not isinstance(raw_questions, list):
            raise ManifestError("'questions' must be a list")
        if not 1 <= len(raw_questions) <= MAX_QUESTIONS:
            raise ManifestError(f"an election has 1 to {MAX_QUESTIONS} questions")
        questions = tuple(_question(q, i) for i, q in enumerate(raw_questions))
        return cls(election_id, questions)


def _ident(value: object, where: str) -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_ID_LENGTH:
        raise ManifestError(f"{where} must be a non-empty string of at most {MAX_ID_LENGTH} chars")
    return value


def _count(value: object, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ManifestError(f"{where} must be an integer")
    return value


def _question(raw: object, index: int) -> QuestionSpec:
    where = f"question {index}"
    if not isinstance(raw, Mapping):
        raise ManifestError(f"{where} must be an object")
    qid = _ident(raw.get("id"), f"{where}: id")
    options = raw.get("options")
    if not isinstance(options, list):
        raise ManifestError(f"{where}: 'options' must be a list")
    if not 1 <= len(options) <= MAX_OPTIONS:
        raise ManifestError(f"{where}: must have 1 to {MAX_OPTIONS} options, has {len(options)}")
    option_ids = []
    for j, opt in enumerate(options):
        if not isinstance(opt, Mapping):
            raise ManifestError(f"{where}, option {j} must be an object")
        option_ids.append(_ident(opt.get("id"), f"{where}, option {j}: id"))
    lo = _count(raw.get("min"), f"{where}: min")
    hi = _count(raw.get("max"), f"{where}: max")
    ranked = raw.get("ranked", False)
    if not isinstance(ranked, bool):
        raise ManifestError(f"{where}: ranked must be true or false")
    unit = raw.get("unit")
    if unit is not None and not isinstance(unit, str):
        raise ManifestError(f"{where}: unit must be a string")
    try:
        return QuestionSpec(qid, tuple(option_ids), lo, hi, ranked, unit)
    except ManifestError as exc:
        raise ManifestError(f"{where}: {exc}") from exc


def _refuse_floats(value: object, path: str) -> None:
    if isinstance(value, float):
        raise ManifestError(f"floats are not allowed in the election definition (at {path})")
    if isinstance(value, Mapping):
        for key, item in value.items():
            _refuse_floats(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _refuse_floats(item, f"{path}[{i}]")


def canonical_json(value: object) -> bytes:
    """RFC 8785 canonical bytes; floats refused (see the module docstring)."""
    _refuse_floats(value, "$")
    try:
        return rfc8785.dumps(value)  # type: ignore[arg-type]  # checked by rfc8785 itself
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise ManifestError(f"cannot canonicalise as RFC 8785 JSON: {exc}") from exc


def manifest_hash(definition: Mapping[str, object]) -> bytes:
    """SHA-256 of the canonical JSON of the *whole* definition (32 bytes)."""
    return hashlib.sha256(canonical_json(definition)).digest()


def election_fingerprint(
    manifest_hash: bytes, joint_public_key: Element, verification_keys: Sequence[Element]
) -> bytes:
    """SHA-256(frame(tag) || frame(manifest hash) || frame(K) || frame(V_1) || ...)."""
    if len(manifest_hash) != 32:
        raise ManifestError("the manifest hash is 32 bytes")
    if not verification_keys:
        raise ManifestError("an election has at least one trustee verification key")
    h = hashlib.sha256()
    h.update(encode_part(FINGERPRINT_TAG))
    h.update(encode_part(manifest_hash))
    h.update(encode_part(joint_public_key))
    for key in verification_keys:
        h.update(encode_part(key))
    return h.digest()
