"""Encrypting a selection: one ciphertext per slot with its range proof, and the count proof."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..elgamal import encrypt
from ..group import Element, Scalar
from ..manifest import ElectionManifest, QuestionSpec
from ..proofs import prove_range
from .encrypted import BallotSecrets, EncryptedBallot, EncryptedQuestion, EncryptedSlot, SlotSecret
from .layout import (
    BallotError,
    _count_ciphertext,
    _count_plaintext,
    _on_ballot,
    _plaintexts,
    _where,
    layout,
    validate_selection,
)


def encrypt_ballot(
    manifest: ElectionManifest,
    public_key: Element,
    fingerprint: bytes,
    selections: Sequence[Sequence[int]],
    *,
    unit: str | None = None,
    rng: Callable[[], Scalar] = Scalar.random,
) -> tuple[EncryptedBallot, BallotSecrets]:
    """Encrypt a ballot of a member of ``unit`` (None, or "" as on the board: no unit).

    ``selections`` holds one entry per question ON THIS BALLOT, aligned with
    ``manifest.on_ballot(unit)`` (definition order): for a choose question the selected
    option indices, for a ranked race the ranking (candidate indices, most preferred
    first).  Without per-unit races every question is on every ballot, so this is one
    entry per question of the definition, as it always was.

    Every selection is validated before anything is encrypted, so an over-vote cannot
    even be produced.  ``rng`` yields the encryption randomness and the proof nonces (a
    seeded one makes test vectors).
    """
    on_ballot = _on_ballot(manifest, unit)
    if len(selections) != len(on_ballot):
        raise BallotError(
            f"one selection per question is needed: {len(on_ballot)} questions, "
            f"{len(selections)} selections"
        )
    for qi, selected in zip(on_ballot, selections, strict=True):
        validate_selection(manifest.questions[qi], selected, _where(manifest, qi))

    questions: list[EncryptedQuestion] = []
    secrets: list[tuple[SlotSecret, ...]] = []
    for qi, selected in zip(on_ballot, selections, strict=True):
        encrypted, slot_secrets = _encrypt_question(
            manifest.questions[qi], qi, public_key, fingerprint, selected, rng
        )
        questions.append(encrypted)
        secrets.append(slot_secrets)
    return EncryptedBallot(bytes(fingerprint), tuple(questions)), BallotSecrets(tuple(secrets))


def _encrypt_question(
    question: QuestionSpec,
    qi: int,
    public_key: Element,
    fingerprint: bytes,
    selected: Sequence[int],
    rng: Callable[[], Scalar],
) -> tuple[EncryptedQuestion, tuple[SlotSecret, ...]]:
    """One question's slots and count proof; ``qi`` is its definition index (the proof
    contexts' q)."""
    lay = layout(question)
    values = _plaintexts(question, lay, selected)
    slots: list[EncryptedSlot] = []
    slot_secrets: list[SlotSecret] = []
    for si, m in enumerate(values):
        r = rng()
        ct = encrypt(public_key, m, r)
        proof = prove_range(
            ct, m, r, public_key, 0, lay.slot_max, fingerprint, ["slot", qi, si], rng=rng
        )
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
    return EncryptedQuestion(tuple(slots), count_proof), tuple(slot_secrets)
