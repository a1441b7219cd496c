"""Properties of the ranked counts over drawn elections (hypothesis).

Irregular entries (gaps, repeats, unknown ids) are drawn too, so the ranking rule is
exercised along with the counts.
"""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from ballot.election.ranked import RankedCount, instant_runoff, scottish_stv

from .ranked_support import NAMES, races

seeds = st.binary(min_size=32, max_size=32)


def conserved(count: RankedCount) -> None:
    """Every round: votes held + non-transferable + lost to truncation = valid ballots."""
    for r in count.rounds:
        assert sum(r.counts.values()) + r.exhausted + r.loss == count.valid * count.scale
        assert min(r.counts.values()) >= 0


@settings(max_examples=150, deadline=None)
@given(races(), st.sampled_from(NAMES), seeds)
def test_a_majority_of_first_preferences_wins_round_one(
    race: tuple[list[str], list[list[str | None]]], pick: str, seed: bytes
) -> None:
    ids, ballots = race
    winner = pick if pick in ids else ids[0]
    valid = sum(1 for b in ballots if b and b[0] in ids)
    ballots = ballots + [[winner, *[None] * (len(ids) - 1)]] * (valid + 1)
    count = instant_runoff(ballots, ids, seed=seed, race="p")
    assert len(count.rounds) == 1
    assert count.elected == (winner,)


@settings(max_examples=150, deadline=None)
@given(races(), st.randoms(use_true_random=False), seeds)
def test_irv_ignores_the_order_of_ballots(
    race: tuple[list[str], list[list[str | None]]], rnd: random.Random, seed: bytes
) -> None:
    ids, ballots = race
    shuffled = list(ballots)
    rnd.shuffle(shuffled)
    one = instant_runoff(ballots, ids, seed=seed, race="p")
    assert one.to_json() == instant_runoff(shuffled, ids, seed=seed, race="p").to_json()
    conserved(one)
    assert len(one.elected) == (1 if one.valid else 0)


@settings(max_examples=150, deadline=None)
@given(races(), st.integers(1, 4), st.randoms(use_true_random=False), seeds)
def test_stv_ignores_the_order_of_ballots_and_conserves_votes(
    race: tuple[list[str], list[list[str | None]]], seats: int, rnd: random.Random, seed: bytes
) -> None:
    ids, ballots = race
    shuffled = list(ballots)
    rnd.shuffle(shuffled)
    one = scottish_stv(ballots, ids, seats=seats, seed=seed, race="d")
    assert one.to_json() == scottish_stv(shuffled, ids, seats=seats, seed=seed, race="d").to_json()
    conserved(one)
    # as many elected as seats when enough candidates stand, all of them otherwise
    if one.valid:
        assert len(one.elected) == min(seats, len(ids))
        assert len(set(one.elected)) == len(one.elected)
    else:
        assert one.elected == ()


@settings(max_examples=150, deadline=None)
@given(races(), seeds)
def test_stv_for_one_seat_elects_the_instant_runoff_winner(
    race: tuple[list[str], list[list[str | None]]], seed: bytes
) -> None:
    ids, ballots = race
    stv = scottish_stv(ballots, ids, seats=1, seed=seed, race="p")
    assert stv.elected == instant_runoff(ballots, ids, seed=seed, race="p").elected


@settings(max_examples=60, deadline=None)
@given(races(), st.integers(1, 3), seeds)
def test_a_candidate_reaching_the_quota_is_elected(
    race: tuple[list[str], list[list[str | None]]], seats: int, seed: bytes
) -> None:
    ids, ballots = race
    count = scottish_stv(ballots, ids, seats=seats, seed=seed, race="d")
    quota = count.quota or 0
    elected: set[str] = set()
    for r in count.rounds:
        for c in ids:
            if c not in elected and r.counts[c] >= quota:
                assert c in r.elected
        elected.update(r.elected)
