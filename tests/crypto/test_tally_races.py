"""The tally of an election with races: each choose question summed over the ballots that
carry it (n_q), a ranked race carried on ballots but never summed (PROTOCOL 10.1).

Decryption uses the secret key directly, as in ``test_tally.py``.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ballot.crypto.ballots import BallotError, encrypt_ballot
from ballot.crypto.elgamal import decode_count
from ballot.crypto.group import Scalar, base_mul
from ballot.crypto.manifest import ElectionManifest, QuestionSpec, election_fingerprint
from ballot.crypto.tally import (
    EncryptedTally,
    OptionCounts,
    TallyError,
    aggregate,
    aggregate_units,
    counts_from_slots,
    decrypted_counts,
)
from ballot.record.election_record import slot_label

SECRET = Scalar.from_int(0xB0A7)
KEY = base_mul(SECRET)
FP = election_fingerprint(bytes(32), KEY, [KEY])


def race(qid: str, n: int, lo: int, hi: int, **kw: Any) -> QuestionSpec:
    return QuestionSpec(qid, tuple(f"{qid}-{i}" for i in range(n)), lo, hi, **kw)


#: A president for everyone, North's and South's stewards (two seats each), and a ranked
#: race for everyone (three ranks of four candidates).
MANIFEST = ElectionManifest(
    "races",
    (
        race("president", 3, 1, 1),
        race("north", 3, 1, 2, unit="North"),
        race("south", 3, 1, 2, unit="South"),
        race("board", 4, 0, 3, ranked=True),
    ),
)
#: (unit, choices per race on that unit's ballot)
VOTES: list[tuple[str, list[list[int]]]] = [
    ("North", [[0], [0, 1], [2, 0]]),
    ("North", [[1], [0], [1]]),
    ("South", [[0], [2], []]),
    ("East", [[2], [3, 1, 0]]),
    ("", [[0], [0]]),
]


def cast(votes: list[tuple[str, list[list[int]]]] = VOTES) -> list[tuple[str, Any]]:
    return [
        (unit, encrypt_ballot(MANIFEST, KEY, FP, choices, unit=unit)[0]) for unit, choices in votes
    ]


def decrypted(tally: EncryptedTally) -> dict[str, int]:
    return {
        slot_label(qi, si): decode_count(ct.beta - ct.alpha * SECRET, maximum=100)
        for qi, slots in enumerate(tally.questions)
        for si, ct in enumerate(slots)
    }


def test_each_race_is_summed_over_the_ballots_that_carry_it() -> None:
    tally = aggregate_units(MANIFEST, cast())
    assert tally.ballots == 5
    assert [len(q) for q in tally.questions] == [2, 3, 3, 0]  # the ranked race: no slot
    assert tally.question_ballots == (None, 2, 1, None)
    assert [tally.ballots_of(qi) for qi in range(4)] == [5, 2, 1, 5]
    counts = decrypted_counts(MANIFEST, tally, decrypted(tally), slot_label)
    assert counts == [
        OptionCounts((3, 1, 1), 0),
        OptionCounts((2, 1, 0), 0, 2),
        OptionCounts((0, 0, 1), 0, 1),
        None,
    ]


def test_the_tally_json_names_a_per_unit_race_ballots_and_gives_a_ranked_race_no_slot() -> None:
    tally = aggregate_units(MANIFEST, cast())
    data = tally.to_json()
    questions = data["questions"]
    assert isinstance(questions, list)
    assert [sorted(q) for q in questions] == [
        ["slots"],
        ["ballots", "slots"],
        ["ballots", "slots"],
        ["slots"],
    ]
    assert questions[3] == {"slots": []}
    assert (questions[1]["ballots"], questions[2]["ballots"]) == (2, 1)
    again = EncryptedTally.from_json(data, MANIFEST)
    assert again == tally
    assert decrypted(again) == decrypted(tally)


def _edited(edit: Any) -> dict[str, Any]:
    data = copy.deepcopy(aggregate_units(MANIFEST, cast()).to_json())
    edit(data["questions"])
    return data


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda qs: qs[1].pop("ballots"), "a per-unit race's entry says how many ballots"),
        (lambda qs: qs[0].update(ballots=5), "only a per-unit race's entry has its own"),
        (lambda qs: qs[3].update(ballots=5), "only a per-unit race's entry has its own"),
        (lambda qs: qs[1].update(ballots=6), "at most the tally's 5"),
        (lambda qs: qs[1].update(ballots=True), "'ballots' must be a whole number"),
        (lambda qs: qs[3]["slots"].append(qs[0]["slots"][0]), "a ranked race is never summed"),
        (lambda qs: qs[1].update(units=1), "must be an object with 'slots'"),
    ],
)
def test_a_tally_of_the_wrong_race_shape_is_refused(edit: Any, message: str) -> None:
    with pytest.raises(TallyError, match=message):
        EncryptedTally.from_json(_edited(edit), MANIFEST)


def test_ballots_are_summed_by_the_layout_of_the_unit_they_name() -> None:
    (_, east), (_, south) = cast([("East", [[2], []]), ("South", [[0], [2], []])])
    with pytest.raises(BallotError, match="the ballot has 2 questions"):
        aggregate(MANIFEST, [east], unit="North")
    # South's ballot has North's shape: only its proofs (checked when it was cast, bound
    # to the definition index of South's race) tell them apart; summed as South's, it
    # adds to South's race alone.
    tally = aggregate(MANIFEST, [south], unit="South")
    assert tally.question_ballots == (None, 0, 1, None)
    assert decrypted(tally)["q2/s2"] == 1 and decrypted(tally)["q1/s2"] == 0


def test_tallies_add_with_their_ballot_counts() -> None:
    ballots = cast()
    whole = aggregate_units(MANIFEST, ballots)
    parts = aggregate_units(MANIFEST, ballots[:2]) + aggregate_units(MANIFEST, ballots[2:])
    assert parts == whole
    nothing = aggregate_units(MANIFEST, [])
    assert nothing.question_ballots == (None, 0, 0, None) and nothing.ballots == 0
    assert nothing + whole == whole
    with pytest.raises(TallyError, match="same election"):
        _ = whole + EncryptedTally(0, ((),))


def test_without_per_unit_races_the_tally_is_as_before() -> None:
    plain = ElectionManifest(
        "plain", (race("president", 3, 1, 1), race("board", 4, 0, 2, ranked=True))
    )
    ballots = [(None, encrypt_ballot(plain, KEY, FP, [[1], [2, 0]])[0]) for _ in range(3)]
    tally = aggregate_units(plain, ballots)
    assert tally.question_ballots == ()
    assert tally.to_json()["questions"] == [
        {"slots": [ct.to_json() for ct in tally.questions[0]]},
        {"slots": []},
    ]
    counts = decrypted_counts(plain, tally, decrypted(tally), slot_label)
    assert counts == [OptionCounts((0, 3, 0), 0), None]


def test_a_ranked_race_is_never_counted_from_slot_sums() -> None:
    with pytest.raises(TallyError, match="a ranked race is not counted from the tally"):
        counts_from_slots(MANIFEST, 3, [], 5)


def test_an_election_of_ranked_races_only_has_nothing_to_decrypt() -> None:
    ranked = ElectionManifest("ranked", (race("board", 4, 0, 2, ranked=True),))
    ballots = [(None, encrypt_ballot(ranked, KEY, FP, [[1, 3]])[0]) for _ in range(2)]
    tally = aggregate_units(ranked, ballots)
    assert tally.ballots == 2 and tally.questions == ((),)
    assert tally.to_json() == {
        "format": "ballot/encrypted-tally/v1",
        "ballots": 2,
        "questions": [{"slots": []}],
    }
    assert decrypted_counts(ranked, tally, {}, slot_label) == [None]
