"""Homomorphic aggregation and the slot-count to option-count rules.

Decryption here uses the secret key directly (beta - x*alpha): threshold
decryption is tested elsewhere; this file checks that what the trustees would
decrypt turns into the right counts.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ballot.crypto.tally as tally_module
from ballot.crypto.ballots import EncryptedBallot, EncryptedQuestion, encrypt_ballot, layout
from ballot.crypto.elgamal import Ciphertext, decode_count
from ballot.crypto.group import IDENTITY, Scalar, base_mul
from ballot.crypto.manifest import ElectionManifest, QuestionSpec, election_fingerprint
from ballot.crypto.tally import (
    EncryptedTally,
    OptionCounts,
    TallyError,
    aggregate,
    counts_from_slots,
)

SECRET = Scalar.from_int(0xA11CE)
KEY = base_mul(SECRET)
FP = election_fingerprint(bytes(32), KEY, [KEY])


def q(qid: str, n: int, lo: int, hi: int) -> QuestionSpec:
    return QuestionSpec(qid, tuple(f"{qid}-{i}" for i in range(n)), lo, hi)


MANIFEST = ElectionManifest(
    "tally",
    (
        q("strike", 2, 1, 1),  # yes/no: one slot, "no" implied
        q("officer", 3, 1, 1),  # choose one of three: last implied
        q("approve", 2, 0, 1),  # at most one: blank = ballots - sum
        q("committee", 4, 0, 2),  # up to two, with a blank slot
        q("delegates", 4, 2, 2),  # exactly two
    ),
)


def decrypt(ct: Ciphertext) -> int:
    return decode_count(ct.beta - ct.alpha * SECRET, maximum=10_000)


def expected_counts(spec: QuestionSpec, selections: Sequence[Sequence[int]]) -> OptionCounts:
    options = [sum(i in s for s in selections) for i in range(spec.option_count)]
    return OptionCounts(tuple(options), sum(not s for s in selections))


def random_selection(rnd: random.Random, spec: QuestionSpec) -> tuple[int, ...]:
    size = rnd.randint(spec.min, spec.max)
    return tuple(sorted(rnd.sample(range(spec.option_count), size)))


def test_aggregate_and_counts_follow_the_rules() -> None:
    rnd = random.Random(7)
    votes = [[random_selection(rnd, spec) for spec in MANIFEST.questions] for _ in range(12)]
    votes.append([(1,), (2,), (), (), (0, 3)])  # implied options and blanks for sure
    ballots = [encrypt_ballot(MANIFEST, KEY, FP, v)[0] for v in votes]
    tally = aggregate(MANIFEST, iter(ballots))  # a one-shot iterator is enough
    assert tally.ballots == len(votes)
    for qi, spec in enumerate(MANIFEST.questions):
        slot_counts = [decrypt(ct) for ct in tally.questions[qi]]
        got = counts_from_slots(MANIFEST, qi, slot_counts, tally.ballots)
        assert got == expected_counts(spec, [v[qi] for v in votes]), spec.id


def test_yes_no_counts_come_from_one_slot() -> None:
    manifest = ElectionManifest("s", (q("strike", 2, 1, 1),))
    votes = [[(0,)]] * 5 + [[(1,)]] * 3
    tally = aggregate(manifest, [encrypt_ballot(manifest, KEY, FP, v)[0] for v in votes])
    (slots,) = tally.questions
    assert len(slots) == 1 and decrypt(slots[0]) == 5
    assert counts_from_slots(manifest, 0, [5], 8) == OptionCounts((5, 3), 0)


def test_aggregation_across_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tally_module, "_CHUNK", 3)
    manifest = ElectionManifest("s", (q("strike", 2, 1, 1), q("approve", 2, 0, 1)))
    votes = [[(i % 2,), () if i % 3 else (1,)] for i in range(10)]
    tally = aggregate(manifest, [encrypt_ballot(manifest, KEY, FP, v)[0] for v in votes])
    assert tally.ballots == 10
    assert decrypt(tally.questions[0][0]) == 5
    assert [decrypt(ct) for ct in tally.questions[1]] == [0, 4]


def test_empty_tally_is_the_identity_and_round_trips() -> None:
    tally = aggregate(MANIFEST, [])
    assert tally.ballots == 0
    assert all(ct == Ciphertext(IDENTITY, IDENTITY) for qs in tally.questions for ct in qs)
    again = EncryptedTally.from_json(tally.to_json(), MANIFEST)
    assert again == tally
    assert counts_from_slots(MANIFEST, 3, [0] * 5, 0) == OptionCounts((0, 0, 0, 0), 0)


def test_tally_json_round_trip() -> None:
    rnd = random.Random(3)
    votes = [[random_selection(rnd, spec) for spec in MANIFEST.questions] for _ in range(3)]
    tally = aggregate(MANIFEST, [encrypt_ballot(MANIFEST, KEY, FP, v)[0] for v in votes])
    data = tally.to_json()
    assert data["format"] == "ballot/encrypted-tally/v1"
    assert EncryptedTally.from_json(data, MANIFEST) == tally
    assert EncryptedTally.from_json(data).to_json() == data


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.update(format="other"),
        lambda d: d.update(ballots=-1),
        lambda d: d.update(ballots=True),
        lambda d: d.update(extra=1),
        lambda d: d["questions"].pop(),
        lambda d: d["questions"][0]["slots"].append(d["questions"][0]["slots"][0]),
        lambda d: d["questions"][0]["slots"][0].update(alpha="zz" * 32),
        lambda d: d["questions"][0]["slots"][0].update(
            alpha=d["questions"][1]["slots"][0]["alpha"].upper()
        ),
    ],
)
def test_tally_json_is_parsed_strictly(mutate: object) -> None:
    ballots = [encrypt_ballot(MANIFEST, KEY, FP, [(0,), (0,), (0,), (0,), (0, 1)])[0]]
    data = aggregate(MANIFEST, ballots).to_json()
    mutate(data)  # type: ignore[operator]
    with pytest.raises(TallyError):
        EncryptedTally.from_json(data, MANIFEST)


def test_a_ballot_of_the_wrong_shape_is_not_aggregated() -> None:
    good, _ = encrypt_ballot(MANIFEST, KEY, FP, [(0,), (0,), (0,), (0,), (0, 1)])
    short = EncryptedBallot(FP, good.questions[:4])
    with pytest.raises(ValueError, match="4 questions"):
        aggregate(MANIFEST, [good, short])
    yes_no = ElectionManifest("s", (q("strike", 2, 1, 1),))
    two_slots = EncryptedBallot(FP, (EncryptedQuestion(good.questions[1].slots, None),))
    with pytest.raises(ValueError, match="2 slots, expected 1"):
        aggregate(yes_no, [two_slots])


# --------------------------------------------------------------------------- counts rules


def test_counts_rules_by_shape() -> None:
    # choose one of three: last option implied
    assert counts_from_slots(MANIFEST, 1, [4, 3], 10) == OptionCounts((4, 3, 3), 0)
    # at most one of two: blank = ballots - sum
    assert counts_from_slots(MANIFEST, 2, [4, 3], 10) == OptionCounts((4, 3), 3)
    # up to two of four with a blank slot
    assert counts_from_slots(MANIFEST, 3, [5, 5, 2, 0, 2], 10) == OptionCounts((5, 5, 2, 0), 2)
    # exactly two of four
    assert counts_from_slots(MANIFEST, 4, [10, 5, 5, 0], 10) == OptionCounts((10, 5, 5, 0), 0)


@pytest.mark.parametrize(
    ("qi", "slots", "ballots", "message"),
    [
        (1, [6, 5], 10, "more selections than ballots"),
        (1, [4], 10, "1 slot counts, expected 2"),
        (2, [6, 5], 10, "more selections than ballots"),
        (3, [0, 0, 0, 0, 2], 10, "do not fit 8 non-blank"),  # 8 voters selected nothing
        (3, [9, 9, 9, 0, 0], 10, "do not fit 10 non-blank"),  # 27 > 2 * 10
        (4, [10, 5, 4, 0], 10, "do not fit 10 ballots"),  # exactly two each: 20 needed
        (0, [11], 10, "between 0 and the ballot count"),
        (0, [-1], 10, "between 0 and the ballot count"),
    ],
)
def test_impossible_counts_are_refused(
    qi: int, slots: list[int], ballots: int, message: str
) -> None:
    with pytest.raises(TallyError, match=message):
        counts_from_slots(MANIFEST, qi, slots, ballots)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_counts_from_plain_slot_sums_match_direct_counting(data: st.DataObject) -> None:
    """The rules, checked without encryption: sum plaintext slots like the tally does."""
    from ballot.crypto.ballots.layout import _plaintexts

    qi = data.draw(st.integers(min_value=0, max_value=len(MANIFEST.questions) - 1))
    spec = MANIFEST.questions[qi]
    lay = layout(spec)
    valid = [
        c
        for size in range(spec.min, spec.max + 1)
        for c in itertools.combinations(range(spec.option_count), size)
    ]
    votes = data.draw(st.lists(st.sampled_from(valid), max_size=30))
    sums = [0] * lay.slot_count
    for v in votes:
        for k, m in enumerate(_plaintexts(spec, lay, v)):
            sums[k] += m
    assert counts_from_slots(MANIFEST, qi, sums, len(votes)) == expected_counts(spec, votes)
