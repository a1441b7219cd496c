"""Ballots of ranked and per-unit races (PROTOCOL 8.1-8.5, 9.3).

Why these matter: a ranked race's ranks are bounded only by their range proofs (no
count proof), so the [0, n] bound and the binding of each proof to its rank and to the
question's definition index are all that keeps a ballot honest; and a per-unit ballot
carries only some questions, so the verifier must pick the layout from the ballot's unit
and a proof must not survive being moved to another question or unit.
"""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ballot.crypto.ballots import (
    AuditedBallot,
    BallotError,
    BallotProofError,
    BallotSecrets,
    EncryptedBallot,
    EncryptedQuestion,
    EncryptedSlot,
    SlotSecret,
    check_audit,
    check_shape,
    encrypt_ballot,
    layout,
    validate_selection,
    verify_ballot,
)
from ballot.crypto.elgamal import encrypt
from ballot.crypto.group import Scalar, base_mul
from ballot.crypto.manifest import ElectionManifest, QuestionSpec, election_fingerprint
from ballot.crypto.proofs import ProofError, prove_range

SECRET = Scalar.from_int(0x2A2B)
KEY = base_mul(SECRET)
FP = election_fingerprint(bytes([7]) * 32, KEY, [KEY])


def race(qid: str, n: int, w: int, unit: str | None = None) -> QuestionSpec:
    return QuestionSpec(qid, tuple(f"{qid}-c{i}" for i in range(n)), 0, w, True, unit)


def choose(qid: str, n: int, lo: int, hi: int, unit: str | None = None) -> QuestionSpec:
    return QuestionSpec(qid, tuple(f"{qid}-o{i}" for i in range(n)), lo, hi, False, unit)


#: Two ranked races of one shape (so a proof could be moved between them), a yes/no, and
#: per-unit races: two of one shape for units A and B, and a choose race for unit B.
ELECTION = ElectionManifest(
    "officers",
    (
        race("president", 4, 3),
        race("secretary", 4, 3),
        choose("dues", 2, 1, 1),
        race("steward-a", 3, 2, unit="A"),
        race("steward-b", 3, 2, unit="B"),
        choose("delegate-b", 3, 0, 2, unit="B"),
    ),
)


def seeded() -> Any:
    draw = random.Random(1515)
    return lambda: Scalar.from_int(draw.randrange(1, 2**250))


# --------------------------------------------------------------------------- layout


def test_a_ranked_race_has_one_slot_per_rank_in_zero_to_n_and_no_count_proof() -> None:
    lay = layout(race("r", 10, 4))
    assert (lay.kind, lay.slot_count, lay.rank_slots, lay.slot_max) == ("ranked", 4, 4, 10)
    assert (lay.option_slots, lay.has_blank_slot, lay.has_count_proof) == (0, False, False)
    # choose questions keep their [0, 1] slots
    assert layout(choose("c", 3, 0, 2)).slot_max == 1
    assert layout(choose("c", 3, 0, 2)).rank_slots == 0


def test_a_ballot_carries_the_questions_of_its_unit_in_definition_order() -> None:
    shapes = {
        None: [3, 3, 1],
        "A": [3, 3, 1, 2],
        "B": [3, 3, 1, 2, 4],
        "C": [3, 3, 1],
    }
    for unit, slots in shapes.items():
        ballot, _ = encrypt_ballot(ELECTION, KEY, FP, _blank(unit), unit=unit)
        assert [len(q.slots) for q in ballot.questions] == slots
        verify_ballot(ELECTION, KEY, FP, ballot.to_json(), unit=unit)


def _blank(unit: str | None) -> list[list[int]]:
    """A valid selection for every question on the ballot of ``unit``."""
    return [[] if ELECTION.questions[qi].min == 0 else [0] for qi in ELECTION.on_ballot(unit)]


def test_without_per_unit_races_the_unit_changes_nothing() -> None:
    """Subtotal elections pass their unit too: the bytes must be those of no unit."""
    manifest = ElectionManifest("plain", (choose("a", 3, 1, 1), race("r", 3, 2)))
    plain, _ = encrypt_ballot(manifest, KEY, FP, [[1], [2, 0]], rng=seeded())
    with_unit, _ = encrypt_ballot(manifest, KEY, FP, [[1], [2, 0]], unit="X", rng=seeded())
    assert plain.to_json() == with_unit.to_json()
    verify_ballot(manifest, KEY, FP, plain, unit="Y")


def test_a_ballot_of_a_unit_with_no_question_is_refused() -> None:
    manifest = ElectionManifest("units-only", (race("a", 3, 1, unit="A"),))
    with pytest.raises(BallotError, match="a ballot of unit 'B' carries no question"):
        encrypt_ballot(manifest, KEY, FP, [], unit="B")
    ballot, _ = encrypt_ballot(manifest, KEY, FP, [[0]], unit="A")
    with pytest.raises(BallotError, match="a ballot of no unit carries no question"):
        verify_ballot(manifest, KEY, FP, ballot)


# --------------------------------------------------------------------------- rankings


@pytest.mark.parametrize(
    ("ranking", "message"),
    [
        ([1, 1], "question 0 \\('president'\\): candidate 1 is ranked twice"),
        ([4], "there is no candidate 4 \\(rank 1\\)"),
        ([0, -1], "there is no candidate -1 \\(rank 2\\)"),
        ([0, 1, 2, 3], "at most 3 candidate\\(s\\) may be ranked"),
        ([True], "candidate indices must be integers"),
        ("01", "the ranking must be a list"),
    ],
)
def test_invalid_rankings_are_refused_before_encryption(ranking: Any, message: str) -> None:
    with pytest.raises(BallotError, match=message):
        encrypt_ballot(ELECTION, KEY, FP, [ranking, [], [0]])


def test_errors_name_the_definition_index_of_a_per_unit_question() -> None:
    with pytest.raises(BallotError, match="question 5 \\('delegate-b'\\): there is no option 3"):
        encrypt_ballot(ELECTION, KEY, FP, [[], [], [0], [], [3]], unit="B")
    with pytest.raises(BallotError, match="one selection per question is needed: 5 questions, 3"):
        encrypt_ballot(ELECTION, KEY, FP, [[], [], [0]], unit="B")


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_ranking_round_trips_through_encryption_verification_and_audit(data: Any) -> None:
    n = data.draw(st.integers(1, 7), label="candidates")
    w = data.draw(st.integers(1, n), label="ranks")
    length = data.draw(st.integers(0, w), label="ranked")
    ranking = data.draw(st.permutations(range(n)), label="order")[:length]
    manifest = ElectionManifest("round-trip", (choose("yes", 2, 1, 1), race("r", n, w)))
    ballot, secrets = encrypt_ballot(manifest, KEY, FP, [[0], ranking])
    assert [s.plaintext for s in secrets.questions[1]] == [i + 1 for i in ranking] + [0] * (
        w - length
    )
    assert ballot.questions[1].count_proof is None
    verify_ballot(manifest, KEY, FP, ballot.to_json())
    opened = check_audit(manifest, KEY, FP, AuditedBallot(ballot, secrets).audit_json())
    assert opened == ((0,), tuple(ranking))


def test_the_audit_of_a_per_unit_ballot_opens_each_race() -> None:
    selections = [[3, 0], [], [1], [2, 1], [0, 2]]
    ballot, secrets = encrypt_ballot(ELECTION, KEY, FP, selections, unit="B")
    audit = AuditedBallot(ballot, secrets).audit_json()
    assert check_audit(ELECTION, KEY, FP, audit, unit="B") == ((3, 0), (), (1,), (2, 1), (0, 2))
    with pytest.raises(BallotError, match="the ballot has 5 questions, the election 4 on a"):
        check_audit(ELECTION, KEY, FP, audit, unit="A")


# --------------------------------------------------------------------------- soundness


def _hand_made(manifest: ElectionManifest, per_question: list[list[int]]) -> AuditedBallot:
    """A ballot encrypting the given slot plaintexts with honest proofs for the layout's
    ranges: what a tampered client could send (only the ranges are proven)."""
    questions, secrets = [], []
    for qi, values in enumerate(per_question):
        lay = layout(manifest.questions[qi])
        slots, opened = [], []
        for si, m in enumerate(values):
            r = Scalar.random()
            ct = encrypt(KEY, m, r)
            proof = prove_range(ct, m, r, KEY, 0, lay.slot_max, FP, ["slot", qi, si])
            slots.append(EncryptedSlot(ct, proof))
            opened.append(SlotSecret(m, r))
        questions.append(EncryptedQuestion(tuple(slots), None))
        secrets.append(tuple(opened))
    return AuditedBallot(EncryptedBallot(FP, tuple(questions)), BallotSecrets(tuple(secrets)))


def test_a_ranking_with_a_gap_or_a_repeat_verifies_but_its_audit_is_no_valid_vote() -> None:
    """The proofs bound each rank only (counting reads such ballots by 17.1); an audit,
    which checks the device's honesty, holds the opening to the encoding."""
    manifest = ElectionManifest("gaps", (race("r", 3, 3),))
    gap = _hand_made(manifest, [[0, 2, 0]])
    verify_ballot(manifest, KEY, FP, gap.ballot)
    with pytest.raises(BallotError, match="the revealed slots are not a valid vote"):
        check_audit(manifest, KEY, FP, gap)
    repeat = _hand_made(manifest, [[2, 2, 0]])
    verify_ballot(manifest, KEY, FP, repeat.ballot)
    with pytest.raises(BallotError, match="candidate 1 is ranked twice"):
        check_audit(manifest, KEY, FP, repeat)


def test_a_rank_encrypting_n_plus_one_cannot_be_proven() -> None:
    manifest = ElectionManifest("bound", (race("r", 4, 2),))
    n = 4
    r = Scalar.random()
    ct = encrypt(KEY, n + 1, r)
    # the prover refuses, a false witness gives a failing proof, a wider range is refused
    with pytest.raises(ValueError, match="outside the range"):
        prove_range(ct, n + 1, r, KEY, 0, n, FP, ["slot", 0, 0])
    lying = prove_range(ct, n, r, KEY, 0, n, FP, ["slot", 0, 0])
    with pytest.raises(ProofError):
        lying.verify(ct, KEY, 0, n, FP, ["slot", 0, 0])
    wider = prove_range(ct, n + 1, r, KEY, 0, n + 1, FP, ["slot", 0, 0])
    honest = _hand_made(manifest, [[1, 0]]).ballot
    for proof, message in (
        (lying, "fails"),
        (wider, rf"covers \[0, {n + 1}\], expected \[0, {n}\]"),
    ):
        forged = EncryptedQuestion((EncryptedSlot(ct, proof), honest.questions[0].slots[1]), None)
        with pytest.raises(
            BallotProofError, match=f"question 0 \\('r'\\), slot 0 \\(rank 1\\).*{message}"
        ):
            verify_ballot(manifest, KEY, FP, EncryptedBallot(FP, (forged,)))


def test_a_choose_slot_keeps_its_zero_one_range_next_to_a_ranked_race() -> None:
    manifest = ElectionManifest("mixed", (choose("c", 3, 0, 1), race("r", 3, 1)))
    r = Scalar.random()
    ct = encrypt(KEY, 2, r)
    wide = prove_range(ct, 2, r, KEY, 0, 3, FP, ["slot", 0, 0])
    ballot, _ = encrypt_ballot(manifest, KEY, FP, [[], [0]])
    first = EncryptedQuestion(
        (EncryptedSlot(ct, wide), *ballot.questions[0].slots[1:]), ballot.questions[0].count_proof
    )
    with pytest.raises(BallotProofError, match=r"expected \[0, 1\]"):
        verify_ballot(manifest, KEY, FP, EncryptedBallot(FP, (first, ballot.questions[1])))


def test_a_proof_moved_to_another_question_index_fails() -> None:
    """president and secretary have one shape: swapped, every proof's context is wrong."""
    ballot, _ = encrypt_ballot(ELECTION, KEY, FP, [[0, 1], [2], [0]])
    moved: Any = ballot.to_json()
    moved["questions"][0], moved["questions"][1] = moved["questions"][1], moved["questions"][0]
    check_shape(ELECTION, EncryptedBallot.from_json(moved))  # the shape alone cannot tell
    with pytest.raises(BallotProofError, match="question 0 \\('president'\\), slot 0 \\(rank 1\\)"):
        verify_ballot(ELECTION, KEY, FP, moved)


def test_a_ballot_of_one_unit_fails_as_a_ballot_of_another() -> None:
    """Units A and B each have one race of one shape, at definition indices 1 and 2: a
    ballot of A has the shape of a ballot of B, but every proof names index 1."""
    manifest = ElectionManifest(
        "two-units", (choose("dues", 2, 1, 1), race("a", 3, 2, "A"), race("b", 3, 2, "B"))
    )
    ballot_a, _ = encrypt_ballot(manifest, KEY, FP, [[1], [2, 0]], unit="A")
    check_shape(manifest, ballot_a, unit="B")
    with pytest.raises(BallotProofError, match="question 2 \\('b'\\), slot 0 \\(rank 1\\)"):
        verify_ballot(manifest, KEY, FP, ballot_a, unit="B")
    ballot, _ = encrypt_ballot(ELECTION, KEY, FP, [[0], [1], [0], [2]], unit="A")
    with pytest.raises(
        BallotError, match="the ballot has 4 questions, the election 3 on a ballot without unit"
    ):
        verify_ballot(ELECTION, KEY, FP, ballot)


def test_swapped_ranks_fail() -> None:
    ballot, _ = encrypt_ballot(ELECTION, KEY, FP, [[0, 1], [], [0]])
    swapped: Any = copy.deepcopy(ballot.to_json())
    swapped["questions"][0]["slots"].reverse()
    with pytest.raises(BallotProofError, match="slot 0 \\(rank 1\\)"):
        verify_ballot(ELECTION, KEY, FP, swapped)


def test_an_audit_revealing_a_rank_above_n_is_refused() -> None:
    manifest = ElectionManifest("above", (race("r", 3, 2),))
    ballot, secrets = encrypt_ballot(manifest, KEY, FP, [[2]])
    audit: Any = AuditedBallot(ballot, secrets).audit_json()
    audit["secrets"][0][0]["plaintext"] = 4
    with pytest.raises(BallotError, match=r"slot 0 \(rank 1\): plaintext must be from 0 to 3"):
        check_audit(manifest, KEY, FP, audit)
    audit["secrets"][0][0]["plaintext"] = 64
    with pytest.raises(BallotError, match="the plaintext must be 0 or 1 \\(in a ranked race"):
        check_audit(manifest, KEY, FP, audit)


def test_validate_selection_reads_a_ranked_race_as_a_ranking() -> None:
    spec = race("r", 5, 3)
    validate_selection(spec, [4, 0, 2], "here")
    validate_selection(spec, [], "here")
    with pytest.raises(BallotError, match="here: at most 3 candidate"):
        validate_selection(spec, [4, 0, 2, 1], "here")


def test_the_boards_empty_unit_is_a_ballot_without_unit() -> None:
    """ballot.cast says "unit": "" for a member without a unit (races.md 2, PROTOCOL 8.5)."""
    ballot, secrets = encrypt_ballot(ELECTION, KEY, FP, [[1], [], [1]], unit="")
    verify_ballot(ELECTION, KEY, FP, ballot, unit=None)
    verify_ballot(ELECTION, KEY, FP, ballot, unit="")
    assert check_audit(ELECTION, KEY, FP, AuditedBallot(ballot, secrets), unit="") == (
        (1,),
        (),
        (1,),
    )
