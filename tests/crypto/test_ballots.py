"""Encrypted ballots: layout, completeness, soundness, binding, replay, tracker, audit."""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ballot.crypto.ballots import (
    AuditedBallot,
    BallotError,
    BallotProofError,
    EncryptedBallot,
    EncryptedQuestion,
    EncryptedSlot,
    SlotSecret,
    ballot_alphas,
    check_audit,
    encrypt_ballot,
    layout,
    reused_ciphertexts,
    tracker,
    tracker_display,
    verify_ballot,
)
from ballot.crypto.elgamal import Ciphertext, encrypt, small_multiple
from ballot.crypto.group import Scalar, base_mul
from ballot.crypto.manifest import ElectionManifest, QuestionSpec, election_fingerprint
from ballot.crypto.proofs import ProofError, RangeProof, prove_range

SECRET = Scalar.from_int(0x5EC12E7)
KEY = base_mul(SECRET)
FP = election_fingerprint(bytes(32), KEY, [KEY])
OTHER_FP = election_fingerprint(bytes([1]) * 32, KEY, [KEY])


def q(qid: str, n: int, lo: int, hi: int) -> QuestionSpec:
    return QuestionSpec(qid, tuple(f"{qid}-{i}" for i in range(n)), lo, hi)


SHAPES = {
    "yes-no": q("strike", 2, 1, 1),
    "one-of-3": q("officer", 3, 1, 1),
    "at-most-one-of-2": q("approve", 2, 0, 1),
    "up-to-3-of-5-blank": q("committee", 5, 0, 3),
    "exactly-2-of-4": q("delegates", 4, 2, 2),
    "1-to-3-of-4": q("board", 4, 1, 3),
}

#: A mixed ballot used by the soundness and binding tests.
MIXED = ElectionManifest(
    "mixed", (q("a", 2, 1, 1), q("b", 3, 1, 1), q("c", 2, 0, 2), q("d", 2, 1, 1))
)


def single(shape: str) -> ElectionManifest:
    return ElectionManifest(shape, (SHAPES[shape],))


def valid_selections(spec: QuestionSpec) -> list[tuple[int, ...]]:
    out: list[tuple[int, ...]] = []
    for size in range(spec.min, spec.max + 1):
        out += list(itertools.combinations(range(spec.option_count), size))
    return out


@pytest.fixture(scope="module")
def mixed_ballot() -> dict[str, Any]:
    ballot, _ = encrypt_ballot(MIXED, KEY, FP, [[1], [2], [0, 1], [0]])
    return ballot.to_json()


# --------------------------------------------------------------------------- layout


def test_layout_rows() -> None:
    yes_no = layout(SHAPES["yes-no"])
    assert (yes_no.slot_count, yes_no.has_count_proof) == (1, False)
    one_of_3 = layout(SHAPES["one-of-3"])
    assert (one_of_3.slot_count, one_of_3.has_count_proof, one_of_3.count_hi) == (2, True, 1)
    blank = layout(SHAPES["up-to-3-of-5-blank"])
    assert (blank.slot_count, blank.count_lo, blank.count_hi, blank.blank_weight) == (6, 1, 3, 3)
    exact = layout(SHAPES["exactly-2-of-4"])
    assert (exact.slot_count, exact.count_lo, exact.count_hi) == (4, 2, 2)
    assert layout(q("x", 1, 0, 1)).has_count_proof is False


def test_yes_no_is_one_ciphertext_and_one_proof() -> None:
    ballot, _ = encrypt_ballot(single("yes-no"), KEY, FP, [[0]])
    doc: Any = ballot.to_json()
    (question,) = doc["questions"]
    assert len(question["slots"]) == 1
    assert question["count_proof"] is None
    assert len(question["slots"][0]["proof"]["challenges"]) == 2


# --------------------------------------------------------------------------- completeness


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_every_valid_selection_verifies_and_encrypts_the_choice(shape: str) -> None:
    manifest = single(shape)
    spec = SHAPES[shape]
    lay = layout(spec)
    for selection in valid_selections(spec):
        ballot, secrets = encrypt_ballot(manifest, KEY, FP, [selection])
        verify_ballot(manifest, KEY, FP, ballot)
        plain = [s.plaintext for s in secrets.questions[0]]
        expected = [int(i in selection) for i in range(lay.option_slots)]
        if lay.has_blank_slot:
            expected.append(int(not selection))
        assert plain == expected
        for slot, secret in zip(ballot.questions[0].slots, secrets.questions[0], strict=True):
            decrypted = slot.ciphertext.beta - slot.ciphertext.alpha * SECRET
            assert decrypted == small_multiple(secret.plaintext)


@pytest.mark.parametrize(
    ("shape", "selection", "message"),
    [
        ("yes-no", [0, 1], "at most 1"),
        ("yes-no", [], "at least 1"),
        ("one-of-3", [3], "no option 3"),
        ("up-to-3-of-5-blank", [0, 1, 2, 3], "at most 3"),
        ("exactly-2-of-4", [1], "at least 2"),
        ("exactly-2-of-4", [1, 1], "selected twice"),
        ("at-most-one-of-2", [-1], "no option -1"),
        ("at-most-one-of-2", [True], "integers"),
    ],
)
def test_over_and_under_votes_are_refused_at_encryption(
    shape: str, selection: list[int], message: str
) -> None:
    with pytest.raises(BallotError, match=message):
        encrypt_ballot(single(shape), KEY, FP, [selection])


def test_one_selection_per_question_is_required() -> None:
    with pytest.raises(BallotError, match="one selection per question"):
        encrypt_ballot(MIXED, KEY, FP, [[0]])


# --------------------------------------------------------------------------- round trips


def test_ballot_json_round_trip(mixed_ballot: dict[str, Any]) -> None:
    parsed = EncryptedBallot.from_json(mixed_ballot)
    assert parsed.to_json() == mixed_ballot
    assert EncryptedBallot.from_json(parsed.to_json()) == parsed
    assert mixed_ballot["format"] == "ballot/encrypted-ballot/v1"
    assert mixed_ballot["election"] == FP.hex()


def test_audit_json_round_trip() -> None:
    ballot, secrets = encrypt_ballot(MIXED, KEY, FP, [[0], [1], [], [1]])
    audited = AuditedBallot(ballot, secrets)
    again = AuditedBallot.from_json(audited.audit_json())
    assert again == audited
    assert again.audit_json() == audited.audit_json()


def test_secrets_do_not_show_in_repr() -> None:
    _, secrets = encrypt_ballot(single("yes-no"), KEY, FP, [[0]])
    assert "hidden" in repr(secrets)
    assert repr(SlotSecret(1, SECRET)) == "SlotSecret(<hidden>)"


# --------------------------------------------------------------------------- strict parsing


def _edit(ballot: dict[str, Any], path: Sequence[Any], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(ballot)
    target = out
    for step in path[:-1]:
        target = target[step]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return out


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (["format"], "ballot/encrypted-ballot/v2", "format"),
        (["extra"], 1, r"unexpected keys \['extra'\]"),
        (["questions"], [], "non-empty"),
        (["election"], "ab", "election"),
        (["questions", 1, "slots", 1, "alpha"], "00" * 31, r"question 1, slot 1: 'alpha'"),
        (["questions", 1, "slots", 1, "beta"], "zz" * 32, r"question 1, slot 1: 'beta'"),
        (["questions", 1, "slots", 0, "alpha"], "01" + "00" * 31, r"question 1, slot 0.*identity"),
        (["questions", 2, "slots", 0, "proof"], _DELETE, r"question 2, slot 0: missing keys"),
        (["questions", 2, "count_proof", "lo"], "1", r"question 2, count proof"),
        (["questions", 2, "count_proof", "challenges", 0], "AB" * 32, r"question 2, count proof"),
        (["questions", 0, "slots", 0, "proof", "responses"], [], r"question 0, slot 0"),
        (["questions", 3], {"slots": []}, r"question 3: missing keys \['count_proof'\]"),
    ],
)
def test_strict_parsing_says_where(
    mixed_ballot: dict[str, Any], path: list[Any], value: Any, message: str
) -> None:
    with pytest.raises(BallotError, match=message):
        EncryptedBallot.from_json(_edit(mixed_ballot, path, value))


def test_uppercase_hex_is_refused(mixed_ballot: dict[str, Any]) -> None:
    alpha = mixed_ballot["questions"][0]["slots"][0]["alpha"]
    bad = _edit(mixed_ballot, ["questions", 0, "slots", 0, "alpha"], alpha.upper())
    with pytest.raises(BallotError, match="lowercase"):
        EncryptedBallot.from_json(bad)


def test_shape_must_match_the_manifest(mixed_ballot: dict[str, Any]) -> None:
    fewer = _edit(mixed_ballot, ["questions"], mixed_ballot["questions"][:3])
    with pytest.raises(BallotError, match="3 questions"):
        verify_ballot(MIXED, KEY, FP, fewer)
    extra_slot = copy.deepcopy(mixed_ballot)
    extra_slot["questions"][0]["slots"].append(extra_slot["questions"][0]["slots"][0])
    with pytest.raises(BallotError, match=r"question 0 \('a'\): has 2 slots, expected 1"):
        verify_ballot(MIXED, KEY, FP, extra_slot)
    missing = _edit(mixed_ballot, ["questions", 1, "count_proof"], None)
    with pytest.raises(BallotError, match=r"question 1 \('b'\): requires a count proof"):
        verify_ballot(MIXED, KEY, FP, missing)
    surplus = _edit(
        mixed_ballot,
        ["questions", 0, "count_proof"],
        mixed_ballot["questions"][0]["slots"][0]["proof"],
    )
    with pytest.raises(BallotError, match="must not have a count proof"):
        verify_ballot(MIXED, KEY, FP, surplus)


# --------------------------------------------------------------------------- soundness


def _fields(obj: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    """Every leaf (hex string or int) of a ballot JSON, with its path."""
    if isinstance(obj, dict):
        return [f for k in sorted(obj) for f in _fields(obj[k], (*path, k))]
    if isinstance(obj, list):
        return [f for i, v in enumerate(obj) for f in _fields(v, (*path, i))]
    if path[-1] == "format" or obj is None:
        return []
    return [(path, obj)]


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_changing_any_single_field_breaks_the_ballot(
    mixed_ballot: dict[str, Any], data: st.DataObject
) -> None:
    path, value = data.draw(st.sampled_from(_fields(mixed_ballot)))
    if isinstance(value, int):  # a range proof's lo
        new: Any = data.draw(st.integers(min_value=0, max_value=70).filter(lambda v: v != value))
    else:
        pos = data.draw(st.integers(min_value=0, max_value=len(value) - 1))
        char = data.draw(
            st.sampled_from("0123456789abcdefABCDEF").filter(lambda c: c != value[pos])
        )
        new = value[:pos] + char + value[pos + 1 :]
    changed = _edit(mixed_ballot, list(path), new)
    with pytest.raises(BallotError):
        verify_ballot(MIXED, KEY, FP, changed)
    assert tracker(changed) != tracker(mixed_ballot)


def test_the_valid_ballot_itself_verifies(mixed_ballot: dict[str, Any]) -> None:
    verify_ballot(MIXED, KEY, FP, mixed_ballot)
    verify_ballot(MIXED, KEY, FP, EncryptedBallot.from_json(mixed_ballot))


def _forged_question(
    spec: QuestionSpec, qi: int, values: Sequence[int], claimed_count: int | None
) -> EncryptedQuestion:
    """Slots encrypting ``values`` with honest proofs where possible, forged otherwise.

    A slot value outside [0, 1] gets a proof made as if it were 1 (the only
    thing a cheating prover can run); the count proof claims ``claimed_count``.
    """
    lay = layout(spec)
    slots, cts, rs = [], [], []
    for si, m in enumerate(values):
        r = Scalar.random()
        ct = encrypt(KEY, m, r)
        proof = prove_range(ct, min(m, 1), r, KEY, 0, 1, FP, ["slot", qi, si])
        slots.append(EncryptedSlot(ct, proof))
        cts.append(ct)
        rs.append(r)
    count = None
    if claimed_count is not None:
        total, r_total = cts[0], rs[0]
        for ct, r in zip(cts[1 : lay.option_slots], rs[1 : lay.option_slots], strict=True):
            total, r_total = total + ct, r_total + r
        if lay.has_blank_slot:
            w = Scalar(lay.blank_weight)
            total, r_total = total + cts[-1].scale(w), r_total + rs[-1] * w
        count = prove_range(
            total, claimed_count, r_total, KEY, lay.count_lo, lay.count_hi, FP, ["count", qi]
        )
    return EncryptedQuestion(tuple(slots), count)


def test_a_slot_encrypting_two_with_a_forged_proof_fails() -> None:
    manifest = single("yes-no")
    forged = EncryptedBallot(FP, (_forged_question(SHAPES["yes-no"], 0, [2], None),))
    with pytest.raises(BallotProofError, match=r"question 0 \('strike'\), slot 0 \(option"):
        verify_ballot(manifest, KEY, FP, forged)


def test_over_vote_with_valid_slot_proofs_fails_on_the_count_proof() -> None:
    manifest = single("one-of-3")
    forged = EncryptedBallot(FP, (_forged_question(SHAPES["one-of-3"], 0, [1, 1], 1),))
    with pytest.raises(BallotProofError, match="count proof"):
        verify_ballot(manifest, KEY, FP, forged)


def test_blank_and_a_selection_together_fail() -> None:
    spec = SHAPES["up-to-3-of-5-blank"]
    forged = EncryptedBallot(FP, (_forged_question(spec, 0, [1, 0, 0, 0, 0, 1], 3),))
    with pytest.raises(BallotProofError, match="count proof"):
        verify_ballot(single("up-to-3-of-5-blank"), KEY, FP, forged)
    # The honest twins verify: blank alone, and one selection alone.
    for values, count in (([0, 0, 0, 0, 0, 1], 3), ([1, 0, 0, 0, 0, 0], 1)):
        ok = EncryptedBallot(FP, (_forged_question(spec, 0, values, count),))
        verify_ballot(single("up-to-3-of-5-blank"), KEY, FP, ok)


def test_proofs_are_errors_of_both_kinds() -> None:
    assert issubclass(BallotProofError, ProofError)
    assert issubclass(BallotProofError, BallotError)


# --------------------------------------------------------------------------- binding


def _slot(ballot: EncryptedBallot, qi: int, si: int) -> EncryptedSlot:
    return ballot.questions[qi].slots[si]


def _replace_slot(
    ballot: EncryptedBallot, qi: int, si: int, slot: EncryptedSlot
) -> EncryptedBallot:
    questions = list(ballot.questions)
    slots = list(questions[qi].slots)
    slots[si] = slot
    questions[qi] = EncryptedQuestion(tuple(slots), questions[qi].count_proof)
    return EncryptedBallot(ballot.election, tuple(questions))


def test_proof_moved_to_another_slot_fails() -> None:
    ballot, _ = encrypt_ballot(MIXED, KEY, FP, [[0], [0], [0], [0]])
    s0, s1 = _slot(ballot, 1, 0), _slot(ballot, 1, 1)
    swapped = _replace_slot(ballot, 1, 0, EncryptedSlot(s0.ciphertext, s1.proof))
    with pytest.raises(BallotProofError, match=r"question 1 .*slot 0"):
        verify_ballot(MIXED, KEY, FP, swapped)
    # Even moving ciphertext and proof together to another slot fails (the context differs).
    moved = _replace_slot(_replace_slot(ballot, 1, 0, s1), 1, 1, s0)
    with pytest.raises(BallotProofError, match=r"question 1 .*slot 0"):
        verify_ballot(MIXED, KEY, FP, moved)


def test_slot_moved_to_another_question_of_the_same_shape_fails() -> None:
    ballot, _ = encrypt_ballot(MIXED, KEY, FP, [[0], [0], [0], [1]])
    moved = _replace_slot(ballot, 3, 0, _slot(ballot, 0, 0))
    with pytest.raises(BallotProofError, match=r"question 3 \('d'\)"):
        verify_ballot(MIXED, KEY, FP, moved)


def test_proof_from_another_ballot_fails() -> None:
    mine, _ = encrypt_ballot(MIXED, KEY, FP, [[0], [0], [0], [0]])
    theirs, _ = encrypt_ballot(MIXED, KEY, FP, [[0], [0], [0], [0]])
    grafted = _replace_slot(
        mine, 0, 0, EncryptedSlot(_slot(mine, 0, 0).ciphertext, _slot(theirs, 0, 0).proof)
    )
    with pytest.raises(BallotProofError, match="question 0"):
        verify_ballot(MIXED, KEY, FP, grafted)
    count_grafted = EncryptedBallot(
        FP,
        (
            mine.questions[0],
            EncryptedQuestion(mine.questions[1].slots, theirs.questions[1].count_proof),
            *mine.questions[2:],
        ),
    )
    with pytest.raises(BallotProofError, match=r"question 1 .*count proof"):
        verify_ballot(MIXED, KEY, FP, count_grafted)


def test_ballot_from_another_election_fails(mixed_ballot: dict[str, Any]) -> None:
    with pytest.raises(BallotError, match="another election"):
        verify_ballot(MIXED, KEY, OTHER_FP, mixed_ballot)
    relabelled = _edit(mixed_ballot, ["election"], OTHER_FP.hex())
    with pytest.raises(BallotProofError):
        verify_ballot(MIXED, KEY, OTHER_FP, relabelled)


def test_ballot_under_another_key_fails(mixed_ballot: dict[str, Any]) -> None:
    with pytest.raises(BallotProofError):
        verify_ballot(MIXED, base_mul(Scalar.from_int(3)), FP, mixed_ballot)


# --------------------------------------------------------------------------- replay


def test_replayed_slot_is_detected_though_it_verifies() -> None:
    manifest = ElectionManifest("e", (SHAPES["yes-no"], q("second", 2, 1, 1)))
    victim, _ = encrypt_ballot(manifest, KEY, FP, [[0], [1]])
    board: set[bytes] = set(ballot_alphas(victim))
    assert len(board) == 2
    attacker, _ = encrypt_ballot(manifest, KEY, FP, [[1], [1]])
    assert reused_ciphertexts(attacker, board) == []
    copy_cat = _replace_slot(attacker, 0, 0, _slot(victim, 0, 0))
    verify_ballot(manifest, KEY, FP, copy_cat)  # a verbatim copy is a valid slot...
    assert reused_ciphertexts(copy_cat, board) == [(0, 0)]  # ...caught by its alpha
    assert reused_ciphertexts(victim, board) == [(0, 0), (1, 0)]


def test_duplicate_alpha_inside_one_ballot_is_detected() -> None:
    manifest = ElectionManifest("e", (SHAPES["yes-no"], q("second", 2, 1, 1)))
    ballot, _ = encrypt_ballot(manifest, KEY, FP, [[0], [1]])
    twin = _replace_slot(ballot, 1, 0, _slot(ballot, 0, 0))
    assert reused_ciphertexts(twin, set()) == [(1, 0)]


def test_ballot_alphas_lists_every_slot_in_order() -> None:
    ballot, secrets = encrypt_ballot(MIXED, KEY, FP, [[0], [0], [0], [0]])
    expected = [bytes(base_mul(s.randomness)) for qs in secrets.questions for s in qs]
    assert ballot_alphas(ballot) == expected


# --------------------------------------------------------------------------- tracker


def test_tracker_is_stable(mixed_ballot: dict[str, Any]) -> None:
    parsed = EncryptedBallot.from_json(mixed_ballot)
    t = tracker(mixed_ballot)
    assert re.fullmatch(r"[0-9a-f]{64}", t)
    assert tracker(parsed) == t
    assert tracker(copy.deepcopy(mixed_ballot)) == t
    assert tracker(dict(reversed(list(mixed_ballot.items())))) == t


def test_tracker_changes_with_the_ballot() -> None:
    a, _ = encrypt_ballot(single("yes-no"), KEY, FP, [[0]])
    b, _ = encrypt_ballot(single("yes-no"), KEY, FP, [[0]])
    assert tracker(a) != tracker(b)


def test_tracker_display() -> None:
    short = tracker_display("00" * 32)
    assert short == "AAAA-AAAA-AAAA-AAAA"
    short = tracker_display("ff" * 32)
    assert short == "7777-7777-7777-7777"
    assert re.fullmatch(r"([A-Z2-7]{4}-){3}[A-Z2-7]{4}", tracker_display("0123456789abcdef" * 4))
    with pytest.raises(BallotError):
        tracker_display("XYZ")


# --------------------------------------------------------------------------- Benaloh audit


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_audit_recovers_every_selection(shape: str) -> None:
    manifest = single(shape)
    for selection in valid_selections(SHAPES[shape]):
        ballot, secrets = encrypt_ballot(manifest, KEY, FP, [selection])
        audit = AuditedBallot(ballot, secrets).audit_json()
        assert check_audit(manifest, KEY, FP, audit) == (selection,)


def test_audit_detects_a_device_that_lies() -> None:
    manifest = single("one-of-3")
    # The device was asked for option 0 but encrypted option 1 and reveals "option 0".
    ballot, secrets = encrypt_ballot(manifest, KEY, FP, [[1]])
    audit: Any = AuditedBallot(ballot, secrets).audit_json()
    assert check_audit(manifest, KEY, FP, audit) == ((1,),)  # the truth comes out
    lie = copy.deepcopy(audit)
    lie["secrets"][0][0]["plaintext"] = 1
    lie["secrets"][0][1]["plaintext"] = 0
    with pytest.raises(BallotError, match="does not encrypt the revealed"):
        check_audit(manifest, KEY, FP, lie)


def test_audit_detects_wrong_randomness() -> None:
    manifest = single("yes-no")
    ballot, secrets = encrypt_ballot(manifest, KEY, FP, [[0]])
    audit: Any = AuditedBallot(ballot, secrets).audit_json()
    audit["secrets"][0][0]["randomness"] = Scalar.from_int(12345).hex()
    with pytest.raises(BallotError, match=r"question 0 \('strike'\), slot 0"):
        check_audit(manifest, KEY, FP, audit)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda a: a["secrets"][0][0].update(plaintext=2), "0 or 1"),
        (lambda a: a["secrets"][0][0].update(plaintext=1.0), "0 or 1"),
        (lambda a: a["secrets"][0][0].update(randomness="AB" * 32), "lowercase"),
        (lambda a: a["secrets"][0].append(a["secrets"][0][0]), "one entry per slot"),
        (lambda a: a.update(format="x"), "format"),
    ],
)
def test_audit_json_is_parsed_strictly(edit: Any, message: str) -> None:
    ballot, secrets = encrypt_ballot(single("yes-no"), KEY, FP, [[0]])
    audit = AuditedBallot(ballot, secrets).audit_json()
    edit(audit)
    with pytest.raises(BallotError, match=message):
        check_audit(single("yes-no"), KEY, FP, audit)


def test_audit_refuses_a_ballot_with_bad_proofs() -> None:
    manifest = single("yes-no")
    ballot, secrets = encrypt_ballot(manifest, KEY, FP, [[0]])
    with pytest.raises(BallotError, match="another election"):
        check_audit(manifest, KEY, OTHER_FP, AuditedBallot(ballot, secrets))


def test_range_proof_stays_bound_to_its_range() -> None:
    """A count proof for [1, 3] is not accepted as one for [0, 3] (lo is checked)."""
    ballot, _ = encrypt_ballot(single("up-to-3-of-5-blank"), KEY, FP, [[0]])
    proof = ballot.questions[0].count_proof
    assert isinstance(proof, RangeProof)
    total = Ciphertext.sum(s.ciphertext for s in ballot.questions[0].slots[:5])
    with pytest.raises(ProofError):
        proof.verify(total, KEY, 0, 3, FP, ["count", 0])


def test_tracker_of_non_json_is_a_ballot_error() -> None:
    with pytest.raises(BallotError, match="canonical JSON"):
        tracker({"format": 1.5})


def test_yes_no_verification_cost_stays_small(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cast hot path: count libsodium calls (deterministic, unlike timings).

    Weights relative to one variable-base multiplication, measured on the
    development machine: fixed-base 0.25, point validation 0.5, add/sub 0.2.
    The budget is 10; today it is 6 + 2*0.25 + 2*0.5 + 5*0.2 = 8.5.
    """
    from nacl import bindings

    weights = {
        "crypto_scalarmult_ed25519_noclamp": 1.0,
        "crypto_scalarmult_ed25519_base_noclamp": 0.25,
        "crypto_core_ed25519_is_valid_point": 0.5,
        "crypto_core_ed25519_add": 0.2,
        "crypto_core_ed25519_sub": 0.2,
    }
    manifest = single("yes-no")
    data = encrypt_ballot(manifest, KEY, FP, [[1]])[0].to_json()
    cost = [0.0]

    def counting(name: str, weight: float) -> Any:
        original = getattr(bindings, name)

        def call(*args: Any) -> Any:
            cost[0] += weight
            return original(*args)

        return call

    for name, weight in weights.items():
        monkeypatch.setattr(bindings, name, counting(name, weight))
    verify_ballot(manifest, KEY, FP, data)
    assert 0 < cost[0] <= 10
