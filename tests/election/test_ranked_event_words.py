"""Round events in words (PROTOCOL 17.6): every code has a sentence, plurals follow values."""

from __future__ import annotations

from ballot.election.ranked import Event, instant_runoff, round_events, scottish_stv
from ballot.election.ranked.event_words import EVENT_MESSAGES, event_sentences, plural_of
from ballot.election.ranked.events import EVENT_CODES

from .ranked_support import SEED, ballots


def english(events: tuple[Event, ...], label: dict[str, str] | None = None) -> list[str]:
    names = label or {}
    return event_sentences(
        events,
        lambda m: m,
        lambda s, p, n: s if n == 1 else p,
        lambda c: names.get(c, c),
    )


def test_every_event_code_has_a_message() -> None:
    assert set(EVENT_CODES) <= set(EVENT_MESSAGES)


def test_plural_follows_the_value() -> None:
    assert [plural_of(v) for v in (1, 0, "1.00000", "1.50000", "0.00000")] == [1, 0, 1, 2, 0]


def test_instant_runoff_in_sentences_with_names() -> None:
    count = instant_runoff(
        ballots("8 ana\n5 ben cy\n4 cy ben\n2 dee cy\n1 dee\n1 -\n1 cy cy"),
        ["ana", "ben", "cy", "dee"],
        seed=SEED,
        race="president",
    )
    head, one, *_rest, last = round_events(count)
    assert english(head) == [
        "22 ballots carry this race: 21 with a first preference, 1 blank.",
        "1 ballot skipped or repeated a rank: it is read up to that rank.",
    ]
    assert english(one, {"ana": "Ana Ruiz"})[1] == (
        "Nobody has more than half of the 21 continuing votes (11 needed). Ana Ruiz leads with 8."
    )
    assert english(last)[-1].endswith("more than half: elected.")


def test_stv_values_are_written_as_given() -> None:
    count = scottish_stv(
        ballots("15 a b\n2 a c\n4 b\n6 c d\n4 d b"),
        ["a", "b", "c", "d"],
        seats=2,
        seed=SEED,
        race="delegates",
    )
    head, one, two, *_ = round_events(count)
    assert english(head)[1] == (
        "The quota is 11.00000 votes: the 31 valid votes divided by the seats plus one "
        "(2 seats), rounded down, plus one."
    )
    assert "reached the quota of 11.00000 with 17.00000: elected." in english(one)[-1]
    assert english(two)[0].startswith("The surplus of a (6.00000 votes) was transferred")


def test_ties_say_how_they_were_broken() -> None:
    by_lot = Event.of("tie_broken_by_lot", tied=("a", "b"), chosen="b")
    earlier = Event.of("tie_broken_by_earlier_round", tied=("a", "b"), chosen="a", round=2)
    lot, before = english((by_lot, earlier))
    assert "broken by lot: b." in lot
    assert "broken by an earlier round: a was chosen by the votes in round 2." in before
