"""Challenged ballots: are they determinative, and which ones join the count.

When a party challenges a voter's eligibility the ballot is set aside sealed.  After the
main count the tally must say whether the challenged ballots are *determinative*: whether
some way of resolving them (each sustained and left out, or overruled and counted for any
option, or void) could change the result.  If not, they are never opened.  If so, each
challenge is resolved, and the overruled ballots are added to the encrypted tally together
(never decrypted on their own), so no one's choice is exposed.

The test is exact and analytical, so thousands of challenged ballots cost nothing:

* yes/no rules: only three results matter, and each is reachable from an extreme.  Adding
  ballots only raises turnout, so "no quorum" is possible only if the main count already
  misses it; "approved" is possible iff it is with every challenged ballot in favour (more
  yes and more turnout can only help); "rejected" is possible iff it is with every
  challenged ballot against.
* plurality with runoff: an elected candidate stays elected in every case iff they keep
  their majority with every challenged ballot going to others.  Without a majority, the
  result changes iff the leading candidate could reach a majority with them all, or the
  third place could draw level with the second (which would change who is in the runoff,
  or make a tie of it).
* plurality (several seats, several marks per ballot): the elected set changes iff the
  best option left out could reach the weakest elected one with every challenged ballot
  (each marking it and not the other), or a seat is empty, or there is a tie to break.
* Quorum: challenged ballots count towards turnout only if overruled, so a count that
  misses its quorum is determinative exactly when the challenged ballots could lift it.

PROTOCOL 15.7 states the same conditions; tests compare them with trying every resolution.

"Result" means the consequence: a tie that fails is a rejection
(:attr:`ballot.election.outcome.Outcome.verdict`).  Missing a quorum is a different result
from a rejection, because unions treat the two differently.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from ballot.election.outcome import (
    Counts,
    Outcome,
    OutcomeRule,
    RuleError,
    RuleKind,
    decide,
    quorum_met,
    ranking,
)
from ballot.election.reasons import Reason


@dataclass(frozen=True)
class Determination:
    determinative: bool
    challenged: int
    outcome: Outcome  # the main count's outcome, challenged ballots left out
    reason: Reason  # why the challenged ballots could, or could not, change it


def _could(code: str, c: int, **params: str | int) -> Reason:
    return Reason.of(code, undecided=c, **params)


def determinative(rule: OutcomeRule, counts: Counts, challenged: int) -> Determination:
    """Could the ``challenged`` ballots, however resolved and however marked, change the result?"""
    if isinstance(challenged, bool) or not isinstance(challenged, int) or challenged < 0:
        raise RuleError("the number of challenged ballots must be a whole number")
    now = decide(rule, counts)
    c = challenged
    if c == 0:
        return Determination(False, 0, now, _could("challenges_cannot_change", 0))
    if now.result == "no_quorum":
        # Every overruled ballot is one more ballot of turnout, however it is marked; once
        # the quorum is met the result is a decision, or a runoff or a tie, never no_quorum.
        if quorum_met(rule, counts.turnout + c, counts.eligible):
            return Determination(True, c, now, _could("challenges_could_meet_quorum", c))
        return Determination(False, c, now, _could("challenges_cannot_change", c))
    if rule.approval:
        return _approval(rule, counts, c, now)
    if now.result == "no_valid_votes":
        return Determination(True, c, now, _could("challenges_could_decide", c))
    if rule.kind is RuleKind.PLURALITY:
        return _plurality(counts, c, now)
    return _runoff(rule, counts, c, now)


def _approval(rule: OutcomeRule, counts: Counts, c: int, now: Outcome) -> Determination:
    option = rule.approving()
    against = next((name for name in counts.options if name != option), None)
    if decide(rule, counts.adding(option, c)).verdict != now.verdict:
        return Determination(True, c, now, _could("challenges_could_approve", c, option=option))
    if decide(rule, counts.adding(against, c)).verdict != now.verdict:
        return Determination(True, c, now, _could("challenges_could_reject", c, option=option))
    return Determination(False, c, now, _could("challenges_cannot_change", c))


def _named(now: Outcome, code: str, param: str) -> tuple[str, ...]:
    for reason in now.reasons:
        if reason.code == code:
            value = reason[param]
            return value if isinstance(value, tuple) else (str(value),)
    raise AssertionError(f"an outcome {now.result!r} without a {code!r} reason")


def _runoff(rule: OutcomeRule, counts: Counts, c: int, now: Outcome) -> Determination:
    p, q = rule.threshold.numerator, rule.threshold.denominator
    valid = counts.valid
    ranked = ranking(counts.options)
    if now.result.startswith("elected:"):
        (winner,) = _named(now, "majority_reached", "option")
        others = len(counts.options) > 1  # an uncontested candidate cannot be outvoted
        if not others or counts.options[winner] * q > p * (valid + c):
            return Determination(False, c, now, _could("challenges_cannot_change", c))
        reason = _could("challenges_could_undo_majority", c, option=winner)
        return Determination(True, c, now, reason)
    leader, top = ranked[0]
    if (top + c) * q > p * (valid + c):
        reason = _could("challenges_could_give_majority", c, option=leader)
        return Determination(True, c, now, reason)
    if len(ranked) >= 3 and c >= ranked[1][1] - ranked[2][1]:
        reason = _could("challenges_could_level", c, option=ranked[2][0], rival=ranked[1][0])
        return Determination(True, c, now, reason)
    return Determination(False, c, now, _could("challenges_cannot_change", c))


def _plurality(counts: Counts, c: int, now: Outcome) -> Determination:
    """Several seats, and a ballot may mark several options: the elected set changes iff
    an option left out can reach the weakest elected one (or an empty seat, or break a
    tie).  Whenever that is asked a ballot can mark one option and leave out another:
    a tie or an option left out needs fewer seats (the question's ``max``) than options,
    so ``max(min, 1) <= max < n``."""
    options = counts.options
    if now.result.startswith("elected_tie:"):
        return Determination(True, c, now, _could("challenges_could_break_tie", c))
    elected = _named(now, "plurality_elected", "options")
    out = [name for name in options if name not in elected]
    if not out:
        return Determination(False, c, now, _could("challenges_cannot_change", c))
    if len(elected) < counts.seats:
        reason = _could("challenges_could_fill_seat", c, seats=counts.seats)
        return Determination(True, c, now, reason)
    weakest = min(reversed(elected), key=lambda name: options[name])
    best = max(out, key=lambda name: (options[name], -out.index(name)))
    if options[best] + c >= options[weakest]:
        reason = _could("challenges_could_level", c, option=best, rival=weakest)
        return Determination(True, c, now, reason)
    return Determination(False, c, now, _could("challenges_cannot_change", c))


class Ruling(StrEnum):
    SUSTAINED = "sustained"  # the voter was not eligible: the ballot stays sealed, uncounted
    OVERRULED = "overruled"  # the voter was eligible: the ballot joins the count


@dataclass(frozen=True)
class ChallengeDecision:
    """How one challenge was resolved, and why (kept with the election record)."""

    ballot_id: str
    ruling: Ruling
    reason: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "ruling", Ruling(self.ruling))
        if not self.ballot_id:
            raise ValueError("a challenge decision names its ballot")
        if not self.reason.strip():
            raise ValueError(f"challenge on ballot {self.ballot_id}: a decision needs a reason")


def merge_plan(decisions: Iterable[ChallengeDecision]) -> list[str]:
    """Ids of the overruled ballots to add to the count, in an order that tells nothing.

    Sorted by ballot id rather than kept in decision order, so the order in which the
    committee ruled cannot be matched to the ballots.  A ballot decided twice is refused.
    """
    seen: set[str] = set()
    merged: list[str] = []
    for decision in decisions:
        if decision.ballot_id in seen:
            raise ValueError(f"ballot {decision.ballot_id} has more than one decision")
        seen.add(decision.ballot_id)
        if decision.ruling is Ruling.OVERRULED:
            merged.append(decision.ballot_id)
    return sorted(merged)
