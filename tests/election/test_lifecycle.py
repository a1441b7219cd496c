from __future__ import annotations

import itertools

import pytest

from ballot.election.lifecycle import (
    TRANSITIONS,
    IllegalTransition,
    State,
    check_transition,
    counting,
    definition_editable,
    is_final,
    is_provisional,
    may_be_set_aside,
    mixing,
    next_states,
    results_available,
    roll_editable,
    votes_exist,
    voting_open,
)

LEGAL = {
    ("draft", "key_ceremony"),
    ("key_ceremony", "ready"),
    ("key_ceremony", "draft"),
    ("ready", "open"),
    ("ready", "draft"),
    ("open", "closed"),
    ("closed", "tallied"),
    ("closed", "mixing"),
    ("mixing", "decrypting_mixed"),
    ("decrypting_mixed", "tallied"),
    ("tallied", "certified"),
}
ALL_PAIRS = list(itertools.product([s.value for s in State], repeat=2))


def test_state_values_match_the_database_constraint() -> None:
    assert [s.value for s in State] == [
        "draft",
        "key_ceremony",
        "ready",
        "open",
        "closed",
        "mixing",
        "decrypting_mixed",
        "tallied",
        "certified",
    ]


def test_table_is_exactly_the_legal_set() -> None:
    table = {(a.value, b.value) for a, targets in TRANSITIONS.items() for b in targets}
    assert table == LEGAL


@pytest.mark.parametrize(("current", "target"), sorted(LEGAL))
def test_legal_pairs_pass(current: str, target: str) -> None:
    check_transition(current, target)
    check_transition(State(current), State(target))


@pytest.mark.parametrize(("current", "target"), [p for p in ALL_PAIRS if p not in LEGAL])
def test_illegal_pairs_raise_with_a_reason(current: str, target: str) -> None:
    with pytest.raises(IllegalTransition) as info:
        check_transition(current, target)
    message = str(info.value)
    assert info.value.current == State(current) and info.value.target == State(target)
    assert ":" in message or "already" in message
    assert "_" not in message  # labels, not raw values


def test_messages_tell_the_committee_what_to_do() -> None:
    cases = {
        ("draft", "open"): "cannot open an election that is in draft: hold the key ceremony first",
        ("key_ceremony", "open"): "finish the key ceremony first",
        ("open", "tallied"): "close voting first",
        ("open", "draft"): "voting has started",
        ("closed", "open"): "cannot be reopened",
        ("tallied", "closed"): "a tally cannot be undone",
        ("certified", "draft"): "a certified result is final",
        ("open", "open"): "already open for voting",
        ("closed", "draft"): "votes have been cast",
        ("mixing", "certified"): "let the trustees shuffle the ranked ballots first",
        ("decrypting_mixed", "certified"): "let the trustees decrypt the mixed ballots first",
        ("mixing", "closed"): "a tally cannot be undone",
    }
    for (current, target), expected in cases.items():
        with pytest.raises(IllegalTransition, match=expected):
            check_transition(current, target)


def test_unknown_state_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown target state"):
        check_transition("draft", "archived")
    with pytest.raises(ValueError, match="unknown current state"):
        check_transition("void", "draft")


def test_next_states_forward_first() -> None:
    assert next_states("key_ceremony") == [State.READY, State.DRAFT]
    assert next_states(State.READY) == [State.OPEN, State.DRAFT]
    assert next_states("certified") == []


def test_helpers() -> None:
    assert [s for s in State if roll_editable(s)] == [State.DRAFT, State.KEY_CEREMONY, State.READY]
    assert [s for s in State if definition_editable(s)] == [State.DRAFT]
    assert [s for s in State if voting_open(s)] == [State.OPEN]
    assert [s for s in State if votes_exist(s)] == [
        State.OPEN,
        State.CLOSED,
        State.MIXING,
        State.DECRYPTING_MIXED,
        State.TALLIED,
        State.CERTIFIED,
    ]
    assert [s for s in State if results_available(s)] == [State.TALLIED, State.CERTIFIED]
    assert [s for s in State if is_provisional(s)] == [State.TALLIED]
    assert [s for s in State if may_be_set_aside(s)] == [State.TALLIED]
    assert [s for s in State if is_final(s)] == [State.CERTIFIED]
    assert [s for s in State if counting(s)] == [
        State.CLOSED,
        State.MIXING,
        State.DECRYPTING_MIXED,
    ]
    assert [s for s in State if mixing(s)] == [State.MIXING, State.DECRYPTING_MIXED]


def test_no_way_back_once_votes_exist() -> None:
    order = list(State)
    for current, targets in TRANSITIONS.items():
        for target in targets:
            if votes_exist(current):
                assert order.index(target) > order.index(current)


def test_labels() -> None:
    assert State.TALLIED.label == "tallied (provisional)"
    assert all(s.label for s in State)
