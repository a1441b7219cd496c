"""Instant runoff (PROTOCOL 17.3), on examples worked by hand."""

from __future__ import annotations

import hashlib

import pytest

from ballot.election.ranked import instant_runoff, lot_key
from ballot.election.ranked.ties import Tie

from .ranked_support import SEED, ballots

IDS = ["ana", "ben", "cy", "dee"]


def test_the_first_preference_leader_can_lose() -> None:
    # 20 ballots, 11 needed in round 1.  dee goes first (3): two ballots move to cy, one
    # has no further preference.  Then ben (5): all to cy, who has 11 of 19.
    count = instant_runoff(
        ballots(
            """
            8 ana
            5 ben cy
            4 cy ben
            2 dee cy
            1 dee
            """
        ),
        IDS,
        seed=SEED,
        race="president",
    )
    assert [r.counts for r in count.rounds] == [
        {"ana": 8, "ben": 5, "cy": 4, "dee": 3},
        {"ana": 8, "ben": 5, "cy": 6, "dee": 0},
        {"ana": 8, "ben": 0, "cy": 11, "dee": 0},
    ]
    assert [r.exhausted for r in count.rounds] == [0, 1, 1]
    assert [(r.action, r.source) for r in count.rounds] == [
        ("first_preferences", None),
        ("exclusion", "dee"),
        ("exclusion", "ben"),
    ]
    assert [(t.to, t.votes) for t in count.rounds[1].transfers] == [("cy", 2), (None, 1)]
    assert [(t.to, t.votes) for t in count.rounds[2].transfers] == [("cy", 5)]
    assert [r.elected for r in count.rounds] == [(), (), ("cy",)]
    assert count.elected == ("cy",)
    assert all(r.tie is None for r in count.rounds)


def test_a_majority_of_first_preferences_wins_in_round_one() -> None:
    count = instant_runoff(ballots("6 ben\n5 ana ben"), IDS, seed=SEED, race="r")
    assert len(count.rounds) == 1
    assert count.elected == ("ben",)


def test_half_is_not_a_majority() -> None:
    # 4 of 8 is not more than half: the lowest goes, though everyone else has 0
    count = instant_runoff(
        ballots("4 ana\n3 ben\n1 cy ana"), ["ana", "ben", "cy"], seed=SEED, race="r"
    )
    assert count.rounds[0].elected == ()
    assert count.rounds[1].source == "cy"
    assert count.elected == ("ana",)


def test_ties_for_exclusion_look_back_to_earlier_rounds() -> None:
    # Round 1: a 6, b 5, c 3, d 2 → d out, its ballots to c.  Round 2: b and c are level
    # at 5, and c had fewer in round 1 → c out, its own ballots to b, d's to a.  Round 3:
    # a 8, b 8 of 16, no majority; level again, and in round 2 b had fewer → b out, all of
    # its ballots exhausted.  Round 4: a has 8 of 8.
    count = instant_runoff(
        ballots(
            """
            6 a
            5 b
            3 c b
            2 d c a
            """
        ),
        ["a", "b", "c", "d"],
        seed=SEED,
        race="r",
    )
    assert [r.source for r in count.rounds] == [None, "d", "c", "b"]
    assert count.rounds[2].tie == Tie(("b", "c"), "earlier_round", 1)
    assert count.rounds[3].tie == Tie(("a", "b"), "earlier_round", 2)
    assert [r.exhausted for r in count.rounds] == [0, 0, 0, 8]
    assert count.rounds[3].counts == {"a": 8, "b": 0, "c": 0, "d": 0}
    assert count.elected == ("a",)


def test_a_tie_in_every_round_is_broken_by_the_public_lot() -> None:
    votes = ballots("3 ana\n3 ben")
    count = instant_runoff(votes, ["ana", "ben"], seed=SEED, race="president")
    loser = min(["ana", "ben"], key=lambda c: lot_key(SEED, "president", c))
    assert count.rounds[1].source == loser
    assert count.rounds[1].tie == Tie(("ana", "ben"), "lot", None)
    assert count.elected == tuple({"ana", "ben"} - {loser})
    # another seed, or the same names in another race, may draw the other way
    outcomes = {
        instant_runoff(votes, ["ana", "ben"], seed=bytes([i]) * 32, race="president").elected
        for i in range(16)
    }
    assert outcomes == {("ana",), ("ben",)}


def test_the_lot_key_is_sha256_of_framed_parts() -> None:
    def frame(b: bytes) -> bytes:
        return len(b).to_bytes(4, "big") + b

    expected = hashlib.sha256(
        frame(b"ballot/v1/ranked-lot") + frame(bytes(32)) + frame(b"president") + frame(b"ana")
    ).hexdigest()
    assert lot_key(bytes(32), "president", "ana").hex() == expected
    # the check values printed in PROTOCOL 17.2
    assert expected == "00815158783afdf554090b65b249058df215b20b583a819e417a2f824e4fe93b"
    assert lot_key(bytes(32), "president", "ben").hex() == (
        "14db06d985abab109dc359ed635b5a03d8d44658ff50203b610e1ddecfed9690"
    )


def test_blank_ballots_are_not_counted_and_none_valid_elects_nobody() -> None:
    count = instant_runoff(ballots("3 -\n1 zed ana"), IDS, seed=SEED, race="r")
    assert (count.ballots, count.blank, count.irregular, count.valid) == (4, 4, 1, 0)
    assert count.rounds == ()
    assert count.elected == ()


def test_one_candidate_with_a_vote_is_elected() -> None:
    count = instant_runoff(ballots("1 ana"), ["ana"], seed=SEED, race="r")
    assert count.elected == ("ana",)


@pytest.mark.parametrize("seed", [b"", bytes(31), bytes(33)])
def test_the_seed_is_32_bytes(seed: bytes) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        instant_runoff([], IDS, seed=seed, race="r")


@pytest.mark.parametrize("race", ["", 3])
def test_the_race_id_is_a_non_empty_string(race: object) -> None:
    with pytest.raises(ValueError, match="race id"):
        instant_runoff([], IDS, seed=SEED, race=race)  # type: ignore[arg-type]
