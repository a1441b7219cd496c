"""The life of an election, as a committee runs it.

::

    draft ──> key_ceremony ──> ready ──> open ──> closed ──> tallied ──> certified
      ^            │             │                   │            ^
      └────────────┴─────────────┘                   └─> mixing ──> decrypting_mixed
      (back to draft: abort the ceremony / correct the ballot)   (ranked races only)

Why these and no others:

* **key_ceremony -> draft** aborts a ceremony (a trustee is unavailable, a dealer
  misbehaved).  The partial key material is discarded; nothing has been cast.
* **ready -> draft** is allowed because, until voting opens, no ballot exists that a
  change could affect.  Committees do find a wrong option order or a translation error after
  the ceremony; the fix must not require a new election.  Going back discards the
  manifest and the trustees' key (they are bound to the ballot text), so the ceremony is
  held again.  The step is on the public board and the audit log, so observers see it.
* **Nothing goes back once voting opens.**  Reopening a closed election, or un-tallying,
  would let someone keep voting or re-count until they like the result.  A vote that
  has gone wrong is *set aside* and *re-run*: labour boards do this when objections are
  upheld during the objection period after the tally.  Here that is a new election (its
  own roll, key and credentials) that refers to the old one; the old election stays
  ``tallied`` (never certified), with its whole record kept for the one-year retention.
  See :func:`may_be_set_aside`.
* **certified is final**: certification comes after the objection period, and the
  software offers no way to undo it.  (A court or board order overturning a certified
  result is likewise carried out by a new election.)
* **closed -> tallied** is not a step anyone asks for: it happens when the final result
  is on the board (round 1 whose challenges are not determinative, or round 2 after every
  challenge is decided), and **tallied -> certified** only by certifying once the
  objection period since that result has passed.  Each carries its own board entry
  (``tally.result``, ``result.certified``), which a bare change of state would lack.
* **closed -> mixing -> decrypting_mixed -> tallied**, instead, when the election has a
  ranked race (PROTOCOL 18): its rankings cannot be summed, so after the final
  ``tally.result`` the trustees shuffle the ranked ballots (``mixing``, until k have
  posted ``mix.shuffled``) and then decrypt the shuffled ones (``decrypting_mixed``, until
  ``mix.result``).  Only the trustees' acts move these states, each with its entry.
"""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    DRAFT = "draft"
    KEY_CEREMONY = "key_ceremony"
    READY = "ready"
    OPEN = "open"
    CLOSED = "closed"
    #: Ranked races: the trustees shuffle the ranked ballots after the final result.
    MIXING = "mixing"
    #: Ranked races: the trustees decrypt the shuffled ballots.
    DECRYPTING_MIXED = "decrypting_mixed"
    TALLIED = "tallied"
    CERTIFIED = "certified"

    @property
    def label(self) -> str:
        """How the state reads in a sentence ("an election that is ...")."""
        return _LABELS[self]


_LABELS: dict[State, str] = {
    State.DRAFT: "in draft",
    State.KEY_CEREMONY: "in its key ceremony",
    State.READY: "ready to open",
    State.OPEN: "open for voting",
    State.CLOSED: "closed",
    State.MIXING: "mixing the ranked ballots",
    State.DECRYPTING_MIXED: "decrypting the mixed ballots",
    State.TALLIED: "tallied (provisional)",
    State.CERTIFIED: "certified",
}

#: Every allowed step; anything else is refused.
TRANSITIONS: dict[State, frozenset[State]] = {
    State.DRAFT: frozenset({State.KEY_CEREMONY}),
    State.KEY_CEREMONY: frozenset({State.READY, State.DRAFT}),
    State.READY: frozenset({State.OPEN, State.DRAFT}),
    State.OPEN: frozenset({State.CLOSED}),
    State.CLOSED: frozenset({State.TALLIED, State.MIXING}),
    State.MIXING: frozenset({State.DECRYPTING_MIXED}),
    State.DECRYPTING_MIXED: frozenset({State.TALLIED}),
    State.TALLIED: frozenset({State.CERTIFIED}),
    State.CERTIFIED: frozenset(),
}

_ORDER = list(State)

#: What to do while in a state to move forward (used to say what is missing).
_NEXT_STEP: dict[State, str] = {
    State.DRAFT: "hold the key ceremony first",
    State.KEY_CEREMONY: "finish the key ceremony first",
    State.READY: "open voting first",
    State.OPEN: "close voting first",
    State.CLOSED: "run the tally first",
    State.MIXING: "let the trustees shuffle the ranked ballots first",
    State.DECRYPTING_MIXED: "let the trustees decrypt the mixed ballots first",
    State.TALLIED: "certify it first",
}

#: The verb for moving *to* a state.
_VERB: dict[State, str] = {
    State.DRAFT: "return to draft",
    State.KEY_CEREMONY: "start the key ceremony for",
    State.READY: "mark as ready",
    State.OPEN: "open",
    State.CLOSED: "close",
    State.MIXING: "mix",
    State.DECRYPTING_MIXED: "decrypt the mixed ballots of",
    State.TALLIED: "tally",
    State.CERTIFIED: "certify",
}


class IllegalTransition(ValueError):
    """A step the election's rules do not allow; the message says why and what to do."""

    def __init__(self, current: State, target: State, message: str) -> None:
        super().__init__(message)
        self.current = current
        self.target = target


def _coerce(value: State | str, role: str) -> State:
    try:
        return State(value)
    except ValueError:
        raise ValueError(f"unknown {role} state {value!r}") from None


def next_states(state: State | str) -> list[State]:
    """The states an election in ``state`` may move to, forward step first."""
    current = _coerce(state, "current")
    return sorted(TRANSITIONS[current], key=lambda s: (_ORDER.index(s) < _ORDER.index(current), s))


def _why_not(current: State, target: State) -> str:
    head = f"cannot {_VERB[target]} an election that is {current.label}"
    if current == target:
        return f"the election is already {current.label}"
    if current is State.CERTIFIED:
        return f"{head}: a certified result is final; a re-run is a new election"
    if _ORDER.index(target) > _ORDER.index(current):
        return f"{head}: {_NEXT_STEP[current]}"
    # Going backwards past the opening of voting.
    if current is State.OPEN:
        return (
            f"{head}: voting has started; close it, and if it must be re-run, create a new election"
        )
    if current is State.CLOSED and target is State.OPEN:
        return f"{head}: voting cannot be reopened once closed; a re-run is a new election"
    if current in (State.TALLIED, State.MIXING, State.DECRYPTING_MIXED):
        return (
            f"{head}: a tally cannot be undone; if objections are upheld, "
            "set the vote aside and re-run it as a new election"
        )
    return f"{head}: votes have been cast, so it cannot go back; a re-run is a new election"


def check_transition(current: State | str, target: State | str) -> None:
    """Return if ``current -> target`` is allowed, else raise :class:`IllegalTransition`."""
    cur = _coerce(current, "current")
    tgt = _coerce(target, "target")
    if tgt not in TRANSITIONS[cur]:
        raise IllegalTransition(cur, tgt, _why_not(cur, tgt))


def roll_editable(state: State | str) -> bool:
    """Members may be added, removed or corrected until voting opens (credentials go out then)."""
    return _coerce(state, "current") in {State.DRAFT, State.KEY_CEREMONY, State.READY}


def definition_editable(state: State | str) -> bool:
    """Questions, options and translations change only in draft: the ceremony binds to them."""
    return _coerce(state, "current") is State.DRAFT


def voting_open(state: State | str) -> bool:
    return _coerce(state, "current") is State.OPEN


def votes_exist(state: State | str) -> bool:
    """From opening on, ballots may exist, so nothing can go back."""
    return _coerce(state, "current") in _AFTER_OPENING


_AFTER_OPENING = frozenset(
    {
        State.OPEN,
        State.CLOSED,
        State.MIXING,
        State.DECRYPTING_MIXED,
        State.TALLIED,
        State.CERTIFIED,
    }
)


def counting(state: State | str) -> bool:
    """Voting is closed and the count is not yet complete: the tally rounds, or the mix-net
    of the ranked races after the final result."""
    return _coerce(state, "current") in {State.CLOSED, State.MIXING, State.DECRYPTING_MIXED}


def mixing(state: State | str) -> bool:
    """The trustees are shuffling or decrypting the ranked ballots (PROTOCOL 18)."""
    return _coerce(state, "current") in {State.MIXING, State.DECRYPTING_MIXED}


def results_available(state: State | str) -> bool:
    return _coerce(state, "current") in {State.TALLIED, State.CERTIFIED}


def is_provisional(state: State | str) -> bool:
    """A tallied result is provisional until certified after the objection period."""
    return _coerce(state, "current") is State.TALLIED


def is_final(state: State | str) -> bool:
    return _coerce(state, "current") is State.CERTIFIED


def may_be_set_aside(state: State | str) -> bool:
    """Objections can set a vote aside only between the tally and certification."""
    return _coerce(state, "current") is State.TALLIED
