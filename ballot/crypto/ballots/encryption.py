"""Encrypting a selection: one ciphertext per slot with its range proof, and the count proof."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..elgamal import encrypt
from ..group import Element, Scalar
from ..manifest import ElectionManifest
from ..proofs import prove_range
from .encrypted import BallotSecrets, EncryptedBallot, EncryptedQuestion, EncryptedSlot, SlotSecret
from .layout import (
    BallotError,
    _count_ciphertext,
    _count_plaintext,
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
