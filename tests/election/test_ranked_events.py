"""Rounds as events (PROTOCOL 17.6): codes with parameters, for pages to put into words."""

from __future__ import annotations

import pytest

from ballot.election.ranked import Event, instant_runoff, round_events, scottish_stv
from ballot.election.ranked.events import EVENT_CODES

from .ranked_support import SEED, ballots


def codes(events: tuple[Event, ...]) -> list[str]:
    return [e.code for e in events]


def test_instant_runoff_rounds_in_events() -> None:
    count = instant_runoff(
        ballots("8 ana\n5 ben cy\n4 cy ben\n2 dee cy\n1 dee\n1 -"),
        ["ana", "ben", "cy", "dee"],
        seed=SEED,
        race="president",
    )
    head, one, two, three = round_events(count)
    assert head == (Event.of("ballots_read", ballots=21, valid=20, blank=1, irregular=0),)
    assert one == (
        Event.of("first_preferences_counted", votes=20),
        Event.of("no_majority", leader="ana", votes=8, continuing=20, needed=11),
    )
    assert two == (
        Event.of("candidate_excluded", candidate="dee", votes=3, transferred=2, non_transferable=1),
        Event.of("no_majority", leader="ana", votes=8, continuing=19, needed=10),
    )
    assert three == (
        Event.of("candidate_excluded", candidate="ben", votes=5, transferred=5, non_transferable=0),
        Event.of("majority_reached", candidate="cy", votes=11, continuing=19),
    )


def test_stv_rounds_in_events_with_fixed_decimals() -> None:
    count = scottish_stv(
        ballots("15 a b\n2 a c\n4 b\n6 c d\n4 d b"),
        ["a", "b", "c", "d"],
        seats=2,
        seed=SEED,
        race="delegates",
    )
    head, one, two, three = round_events(count)
    assert codes(head) == ["ballots_read", "quota_set"]
    assert head[1] == Event.of("quota_set", quota="11.00000", valid=31, seats=2)
    assert one[-1] == Event.of("quota_reached", candidate="a", votes="17.00000", quota="11.00000")
    assert two == (
        Event.of(
            "surplus_transferred",
            candidate="a",
            surplus="6.00000",
            transferred="5.99998",
            non_transferable="0.00000",
            loss="0.00002",
        ),
    )
    assert three == (
        Event.of(
            "candidate_excluded",
            candidate="d",
            votes="4.00000",
            transferred="4.00000",
            non_transferable="0.00000",
        ),
        Event.of("quota_reached", candidate="b", votes="13.29410", quota="11.00000"),
    )


def test_ties_last_vacancies_and_unfilled_seats() -> None:
    count = scottish_stv(
        ballots("5 a c\n5 b d\n1 c\n1 d"), ["a", "b", "c", "d"], seats=3, seed=SEED, race="x"
    )
    events = round_events(count)
    assert codes(events[2])[0] == "tie_broken_by_lot"
    assert events[2][0]["tied"] == ("a", "b")
    last = events[4]
    assert last[0] == Event.of(
        "tie_broken_by_earlier_round", tied=("c", "d"), chosen=count.rounds[3].source or "", round=2
    )
    assert codes(last)[-1] == "last_vacancies_filled"
    few = scottish_stv(ballots("2 a\n1 b"), ["a", "b"], seats=3, seed=SEED, race="x")
    assert round_events(few)[1][-1] == Event.of("seats_unfilled", seats=3, filled=2)


def test_no_valid_votes() -> None:
    count = instant_runoff(ballots("2 -"), ["a", "b"], seed=SEED, race="x")
    assert round_events(count) == (
        (
            Event.of("ballots_read", ballots=2, valid=0, blank=2, irregular=0),
            Event.of("no_valid_votes"),
        ),
    )


def test_every_event_has_its_code_s_parameters_and_json() -> None:
    with pytest.raises(ValueError, match="takes"):
        Event.of("no_majority", leader="a")
    event = Event.of("tie_broken_by_lot", tied=("a", "b"), chosen="b")
    assert event.to_json() == {"code": "tie_broken_by_lot", "tied": ["a", "b"], "chosen": "b"}
    assert all(isinstance(p, tuple) for p in EVENT_CODES.values())
