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
* Quorum: challenged ballots count towards turnout only if overruled, so a count that
  misses its quorum is determinative exactly when the challenged ballots could lift it.

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
    decide,
    quorum_met,
    ranking,
)


@dataclass(frozen=True)
class Determination:
    determinative: bool
    challenged: int
    outcome: Outcome  # the main count's outcome, challenged ballots left out
    reason: str


def _with(counts: Counts, option: str | None, extra: int) -> Counts:
    """``counts`` with ``extra`` more ballots for ``option`` (None: void)."""
    if option is None:
        return Counts(dict(counts.options), counts.void + extra, counts.eligible)
    options = dict(counts.options)
    options[option] += extra
    return Counts(options, counts.void, counts.eligible)


def determinative(rule: OutcomeRule, counts: Counts, challenged: int) -> Determination:
    """Could the ``challenged`` ballots, however resolved and however marked, change the result?"""
    if isinstance(challenged, bool) or not isinstance(challenged, int) or challenged < 0:
        raise RuleError("the number of challenged ballots must be a whole number")
    now = decide(rule, counts)
    if challenged == 0:
        return Determination(False, 0, now, "there are no challenged ballots")
    if rule.approval:
        return _approval(rule, counts, challenged, now)
    return _plurality(rule, counts, challenged, now)


def _approval(rule: OutcomeRule, counts: Counts, c: int, now: Outcome) -> Determination:
    against = next((name for name in counts.options if name != rule.approve_option), None)
    all_for = decide(rule, _with(counts, rule.approve_option, c)).verdict
    all_against = decide(rule, _with(counts, against, c)).verdict
    if all_for != now.verdict:
        return Determination(
            True, c, now, f"with all {c} challenged ballots in favour the result would be {all_for}"
        )
    if all_against != now.verdict:
        return Determination(
            True,
            c,
            now,
            f"with all {c} challenged ballots against the result would be {all_against}",
        )
    return Determination(
        False,
        c,
        now,
        f"the result is {now.verdict} however the {c} challenged ballots are resolved",
    )


def _plurality(rule: OutcomeRule, counts: Counts, c: int, now: Outcome) -> Determination:
    p, q = rule.threshold.numerator, rule.threshold.denominator
    valid = counts.valid
    if now.result == "no_quorum":
        if quorum_met(rule, counts.turnout + c, counts.eligible):
            return Determination(True, c, now, f"the {c} challenged ballots could meet the quorum")
        return Determination(
            False, c, now, "the quorum is missed even with every challenged ballot"
        )
    if now.result == "no_valid_votes":
        return Determination(True, c, now, "any challenged ballot for a candidate would decide it")
    ranked = ranking(counts.options)
    if now.result.startswith("elected:"):
        winner = now.result.removeprefix("elected:")
        others = len(counts.options) > 1  # an uncontested candidate cannot be outvoted
        if not others or counts.options[winner] * q > p * (valid + c):
            return Determination(
                False,
                c,
                now,
                f"{winner} keeps a majority even if every challenged ballot is for others",
            )
        return Determination(
            True,
            c,
            now,
            f"{winner} could lose the majority if the challenged ballots are for others",
        )
    leader, top = ranked[0]
    if (top + c) * q > p * (valid + c):
        return Determination(
            True, c, now, f"{leader} could reach a majority with the {c} challenged ballots"
        )
    if len(ranked) >= 3 and c >= ranked[1][1] - ranked[2][1]:
        return Determination(
            True, c, now, f"{ranked[2][0]} could draw level with {ranked[1][0]} for a runoff place"
        )
    return Determination(
        False, c, now, "the runoff is the same however the challenges are resolved"
    )


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
