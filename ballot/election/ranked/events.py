"""The rounds of a ranked count as events: stable codes with parameters (PROTOCOL 17.6).

Pages and ``ballot verify`` put each event into words in the reader's language, as they
do for the outcome reasons (:mod:`ballot.election.reasons`); the events themselves are a
pure function of the published count, so they are not published.  Parameter values are
whole numbers (ballots, rounds, seats), votes (an integer under instant runoff, a fixed
decimal string under Scottish STV), candidate ids, or lists of candidate ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from ballot.election.ranked.count import RankedCount, Round

__all__ = ["EVENT_CODES", "Event", "EventValue", "round_events"]

EventValue = int | str | tuple[str, ...]

#: Every event code and its parameters, in order.
EVENT_CODES: Final[Mapping[str, tuple[str, ...]]] = {
    # before the first round
    "ballots_read": ("ballots", "valid", "blank", "irregular"),
    "quota_set": ("quota", "valid", "seats"),
    "no_valid_votes": (),
    # what a round did
    "first_preferences_counted": ("votes",),
    "tie_broken_by_earlier_round": ("tied", "chosen", "round"),
    "tie_broken_by_lot": ("tied", "chosen"),
    "surplus_transferred": ("candidate", "surplus", "transferred", "non_transferable", "loss"),
    "candidate_excluded": ("candidate", "votes", "transferred", "non_transferable"),
    # how a round ended
    "majority_reached": ("candidate", "votes", "continuing"),
    "no_majority": ("leader", "votes", "continuing", "needed"),
    "quota_reached": ("candidate", "votes", "quota"),
    "last_vacancies_filled": ("candidates", "vacancies"),
    "seats_unfilled": ("seats", "filled"),
}


@dataclass(frozen=True)
class Event:
    """One event: a code of :data:`EVENT_CODES` and its parameters, in the code's order."""

    code: str
    params: tuple[tuple[str, EventValue], ...] = ()

    def __post_init__(self) -> None:
        names = tuple(name for name, _ in self.params)
        if EVENT_CODES.get(self.code) != names:
            raise ValueError(f"event {self.code!r} takes {EVENT_CODES.get(self.code)}")

    @classmethod
    def of(cls, code: str, **params: EventValue) -> Event:
        """``Event.of("tie_broken_by_lot", tied=("ana", "ben"), chosen="ben")``."""
        order = EVENT_CODES.get(code, tuple(params))
        return cls(code, tuple((name, params[name]) for name in order if name in params))

    def __getitem__(self, name: str) -> EventValue:
        return dict(self.params)[name]

    def to_json(self) -> dict[str, object]:
        """``{"code": …, **params}``, lists of ids as JSON lists."""
        return {
            "code": self.code,
            **{name: list(v) if isinstance(v, tuple) else v for name, v in self.params},
        }


def _action(count: RankedCount, r: Round, before: Round | None) -> list[Event]:
    v = count.value
    events: list[Event] = []
    if r.tie is not None and r.source is not None:
        if r.tie.by == "lot":
            events.append(Event.of("tie_broken_by_lot", tied=r.tie.tied, chosen=r.source))
        else:
            events.append(
                Event.of(
                    "tie_broken_by_earlier_round",
                    tied=r.tie.tied,
                    chosen=r.source,
                    round=r.tie.round or 0,
                )
            )
    moved = sum(t.votes for t in r.transfers if t.to is not None)
    lost = sum(t.votes for t in r.transfers if t.to is None)
    if r.action == "first_preferences" or r.source is None or before is None:
        events.append(Event.of("first_preferences_counted", votes=v(sum(r.counts.values()))))
    elif r.action == "surplus":
        held = before.counts[r.source]
        quota = count.quota or 0
        events.append(
            Event.of(
                "surplus_transferred",
                candidate=r.source,
                surplus=v(held - quota),
                transferred=v(moved),
                non_transferable=v(lost),
                loss=v(held - quota - moved - lost),
            )
        )
    else:
        events.append(
            Event.of(
                "candidate_excluded",
                candidate=r.source,
                votes=v(before.counts[r.source]),
                transferred=v(moved),
                non_transferable=v(lost),
            )
        )
    return events


def _ending(count: RankedCount, r: Round, continuing: set[str]) -> list[Event]:
    v = count.value
    events: list[Event] = []
    if count.method == "instant_runoff":
        votes = sum(r.counts[c] for c in continuing)
        if r.elected:
            winner = r.elected[0]
            events.append(
                Event.of(
                    "majority_reached", candidate=winner, votes=r.counts[winner], continuing=votes
                )
            )
        else:
            leader = min(continuing, key=lambda c: (-r.counts[c], count.candidates.index(c)))
            events.append(
                Event.of(
                    "no_majority",
                    leader=leader,
                    votes=r.counts[leader],
                    continuing=votes,
                    needed=votes // 2 + 1,
                )
            )
        return events
    quota = count.quota or 0
    reached = [c for c in r.elected if r.counts[c] >= quota]
    for c in reached:
        events.append(Event.of("quota_reached", candidate=c, votes=v(r.counts[c]), quota=v(quota)))
    rest = tuple(c for c in r.elected if c not in reached)
    if rest:
        events.append(Event.of("last_vacancies_filled", candidates=rest, vacancies=len(rest)))
    return events


def round_events(count: RankedCount) -> tuple[tuple[Event, ...], ...]:
    """The events of a count: element 0 before the first round, element i of round i."""
    head = [
        Event.of(
            "ballots_read",
            ballots=count.ballots,
            valid=count.valid,
            blank=count.blank,
            irregular=count.irregular,
        )
    ]
    if count.method == "scottish_stv" and count.quota is not None and count.rounds:
        head.append(
            Event.of(
                "quota_set", quota=count.value(count.quota), valid=count.valid, seats=count.seats
            )
        )
    if not count.rounds:
        head.append(Event.of("no_valid_votes"))
    out: list[tuple[Event, ...]] = [tuple(head)]
    continuing = set(count.candidates)
    before: Round | None = None
    for r in count.rounds:
        if r.action == "exclusion" and r.source is not None:
            continuing.discard(r.source)
        events = _action(count, r, before) + _ending(count, r, continuing)
        continuing.difference_update(r.elected)
        if r is count.rounds[-1] and len(count.elected) < count.seats:
            events.append(Event.of("seats_unfilled", seats=count.seats, filled=len(count.elected)))
        out.append(tuple(events))
        before = r
    return tuple(out)
