"""Scottish STV (PROTOCOL 17.4) on examples worked by hand, and the published JSON (17.5)."""

from __future__ import annotations

import json
import re

import pytest

from ballot.election.ranked import RankedError, instant_runoff, lot_key, scottish_stv
from ballot.election.ranked.count import fixed
from ballot.election.ranked.ties import Tie

from .ranked_support import SEED, ballots


def test_a_surplus_moves_at_a_truncated_value() -> None:
    # 31 valid, 2 seats: quota ⌊31/3⌋ + 1 = 11.  a has 17: elected, surplus 6, each of its
    # 17 ballots worth 6/17 = 0.352941… → 0.35294.  b gets 15 of them (5.29410), c 2
    # (0.70588); 0.00002 is lost to truncation.  Nobody else has a quota: d (4) is
    # excluded, its 4 ballots give b 13.29410.
    count = scottish_stv(
        ballots(
            """
            15 a b
            2 a c
            4 b
            6 c d
            4 d b
            """
        ),
        ["a", "b", "c", "d"],
        seats=2,
        seed=SEED,
        race="delegates",
    )
    assert fixed(count.quota or 0) == "11.00000"
    assert [{c: fixed(v) for c, v in r.counts.items()} for r in count.rounds] == [
        {"a": "17.00000", "b": "4.00000", "c": "6.00000", "d": "4.00000"},
        {"a": "11.00000", "b": "9.29410", "c": "6.70588", "d": "4.00000"},
        {"a": "11.00000", "b": "13.29410", "c": "6.70588", "d": "0.00000"},
    ]
    surplus = count.rounds[1]
    assert (surplus.action, surplus.source) == ("surplus", "a")
    assert [(t.to, t.ballots, fixed(t.value), fixed(t.votes)) for t in surplus.transfers] == [
        ("b", 15, "0.35294", "5.29410"),
        ("c", 2, "0.35294", "0.70588"),
    ]
    assert (fixed(surplus.exhausted), fixed(surplus.loss)) == ("0.00000", "0.00002")
    exclusion = count.rounds[2]
    assert (exclusion.action, exclusion.source) == ("exclusion", "d")
    assert [(t.to, t.ballots, t.value) for t in exclusion.transfers] == [("b", 4, 100_000)]
    assert [r.elected for r in count.rounds] == [("a",), (), ("b",)]
    assert count.elected == ("a", "b")


def test_equal_surpluses_go_by_lot_and_exclusions_look_back() -> None:
    # 12 valid, 3 seats: quota 4.  a and b both reach 5 in stage 1: equal surpluses with no
    # earlier stage, so the lot says whose goes first (each ballot then worth 1/5).  Then
    # c and d are level at 2 for the last seat; the stage before, the one whose elected
    # ally's surplus went second had 1: it is excluded, and the other is elected (rule 52).
    votes = ballots("5 a c\n5 b d\n1 c\n1 d")
    count = scottish_stv(votes, ["a", "b", "c", "d"], seats=3, seed=SEED, race="delegates")
    first = min(["a", "b"], key=lambda c: lot_key(SEED, "delegates", c))
    second, ally = ("b", "c") if first == "a" else ("a", "d")
    assert count.rounds[0].elected == ("a", "b")
    assert [(r.action, r.source) for r in count.rounds[1:3]] == [
        ("surplus", first),
        ("surplus", second),
    ]
    assert count.rounds[1].tie == Tie(("a", "b"), "lot", None)
    assert count.rounds[3].action == "exclusion"
    assert count.rounds[3].tie == Tie(("c", "d"), "earlier_round", 2)
    assert count.elected == ("a", "b", ally)
    assert count.rounds[3].elected == (ally,)
    # 1.00000 of the excluded one's ally's surplus and its own 1 ballot have nowhere to go
    assert fixed(count.rounds[3].exhausted) == "2.00000"


def test_exactly_the_quota_has_no_surplus_to_transfer() -> None:
    count = scottish_stv(
        ballots("3 a\n3 b\n1 c\n1 d"), ["a", "b", "c", "d"], seats=3, seed=SEED, race="r"
    )
    assert fixed(count.quota or 0) == "3.00000"
    assert count.rounds[0].elected == ("a", "b")
    assert count.rounds[1].action == "exclusion"
    assert count.rounds[1].tie == Tie(("c", "d"), "lot", None)


def test_fewer_candidates_than_seats_are_all_elected_and_seats_stay_empty() -> None:
    count = scottish_stv(ballots("2 a\n1 b a"), ["a", "b"], seats=3, seed=SEED, race="r")
    assert len(count.rounds) == 1
    assert count.elected == ("a", "b")


def test_ballots_that_run_out_are_non_transferable_at_their_value() -> None:
    # quota ⌊10/3⌋ + 1 = 4 for 2 seats; a's surplus of 2 (each ballot 2/6 = 0.33333): 3
    # ballots to b, 3 with nothing after a.  Then c (2) is excluded and its 2 ballots
    # have nothing after c; b, the last continuing candidate, fills the last seat
    # (rule 52) without a quota.
    count = scottish_stv(
        ballots("3 a b\n3 a\n2 b\n2 c"), ["a", "b", "c"], seats=2, seed=SEED, race="r"
    )
    surplus = count.rounds[1]
    assert [(t.to, t.ballots, fixed(t.votes)) for t in surplus.transfers] == [
        ("b", 3, "0.99999"),
        (None, 3, "0.99999"),
    ]
    assert fixed(surplus.loss) == "0.00002"
    last = count.rounds[-1]
    assert (last.action, last.source, last.elected) == ("exclusion", "c", ("b",))
    assert fixed(last.counts["b"]) == "2.99999"
    assert fixed(last.exhausted) == "2.99999"
    assert count.elected == ("a", "b")


def test_one_seat_elects_the_instant_runoff_winner() -> None:
    votes = ballots("8 ana\n5 ben cy\n4 cy ben\n2 dee cy\n1 dee")
    ids = ["ana", "ben", "cy", "dee"]
    stv = scottish_stv(votes, ids, seats=1, seed=SEED, race="r")
    assert stv.elected == instant_runoff(votes, ids, seed=SEED, race="r").elected == ("cy",)


@pytest.mark.parametrize("seats", [0, -1, True, 1.0])
def test_seats_are_a_whole_number_of_at_least_one(seats: object) -> None:
    with pytest.raises(RankedError):
        scottish_stv([], ["a"], seats=seats, seed=SEED, race="r")  # type: ignore[arg-type]


# -- the published JSON (17.5) -----------------------------------------------------------

COUNT_KEYS = {
    "format", "method", "race", "candidates", "seats", "ballots", "blank", "irregular",
    "valid", "quota", "tie_seed", "rounds", "elected",
}  # fmt: skip
ROUND_KEYS = {"round", "action", "from", "tie", "transfers", "counts", "exhausted", "elected"}
FIXED = re.compile(r"(0|[1-9][0-9]*)\.[0-9]{5}")


def test_stv_json_has_exact_keys_and_fixed_decimals() -> None:
    votes = ballots("5 a c\n5 b d\n1 c\n1 d\n1 -")
    out = scottish_stv(votes, ["a", "b", "c", "d"], seats=3, seed=SEED, race="del").to_json()
    assert set(out) == COUNT_KEYS
    assert out["format"] == "ballot/ranked-count/v1"
    assert out["method"] == "scottish_stv"
    assert (out["ballots"], out["blank"], out["valid"], out["quota"]) == (13, 1, 12, "4.00000")
    assert out["tie_seed"] == SEED.hex()
    rounds = out["rounds"]
    assert isinstance(rounds, list)
    for r in rounds:
        assert set(r) == ROUND_KEYS | {"loss"}
        assert list(r["counts"]) == ["a", "b", "c", "d"]
        assert all(FIXED.fullmatch(v) for v in r["counts"].values())
        assert FIXED.fullmatch(r["exhausted"]) and FIXED.fullmatch(r["loss"])
        for t in r["transfers"]:
            assert set(t) == {"to", "value", "ballots", "votes"}
            assert FIXED.fullmatch(t["value"]) and FIXED.fullmatch(t["votes"])
    assert rounds[1]["tie"] == {"tied": ["a", "b"], "by": "lot", "round": None}
    assert rounds[3]["tie"] == {"tied": ["c", "d"], "by": "earlier_round", "round": 2}
    assert json.loads(json.dumps(out)) == out  # plain JSON: no floats, no bytes


def test_irv_json_uses_whole_numbers() -> None:
    out = instant_runoff(
        ballots("2 a\n1 b a\n1 c a"), ["a", "b", "c"], seed=SEED, race="p"
    ).to_json()
    assert set(out) == COUNT_KEYS
    assert (out["method"], out["seats"], out["quota"]) == ("instant_runoff", 1, None)
    rounds = out["rounds"]
    assert isinstance(rounds, list)
    assert set(rounds[0]) == ROUND_KEYS
    assert rounds[0]["counts"] == {"a": 2, "b": 1, "c": 1}
    assert rounds[1]["transfers"] == [{"to": "a", "votes": 1}]
    assert rounds[1]["tie"] == {"tied": ["b", "c"], "by": "lot", "round": None}
    assert out["elected"] == ["a"]
