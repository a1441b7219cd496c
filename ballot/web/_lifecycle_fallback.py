"""Temporary stand-in for ballot.election.lifecycle (removed when it lands)."""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    DRAFT = "draft"
    KEY_CEREMONY = "key_ceremony"
    READY = "ready"
    OPEN = "open"
    CLOSED = "closed"
    TALLIED = "tallied"
    CERTIFIED = "certified"


_NEXT = {
    State.DRAFT: {State.KEY_CEREMONY},
    State.KEY_CEREMONY: {State.READY, State.DRAFT},
    State.READY: {State.OPEN},
    State.OPEN: {State.CLOSED},
    State.CLOSED: {State.TALLIED},
    State.TALLIED: {State.CERTIFIED},
    State.CERTIFIED: set(),
}


class IllegalTransition(ValueError):
    pass


def check_transition(current: State | str, target: State | str) -> None:
    cur, tgt = State(current), State(target)
    if tgt not in _NEXT[cur]:
        raise IllegalTransition(f"an election cannot go from {cur.value} to {tgt.value}")
