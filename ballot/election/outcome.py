"""What a count decides, under the rule recorded with the vote (PROTOCOL 15).

The rule kinds are in :mod:`ballot.election.rule`.  Valid votes exclude void ballots
(blank, or spoilt on paper), which are reported apart.  A quorum, if the rule has one,
is a minimum *turnout*: every counted ballot, void ones included (a member who returns a
blank ballot took part), against the eligible number (a fraction, met when
``turnout * q >= p * eligible``) or as an absolute count.  Challenged ballots are not
counted here at all until the challenge is overruled.

Every outcome carries its reasons twice: as codes with parameters (:class:`Reason`,
what a protocol v2 result publishes) and as the English sentences protocol v1 results
published, kept word for word so that v1 records still verify.

Only integers and :class:`fractions.Fraction` are used: a rounding error must never
decide a vote.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from ballot.election.reasons import Reason, ReasonValue, at_least, more_than
from ballot.election.rule import OutcomeRule, RuleError, RuleKind

__all__ = [
    "Counts",
    "Outcome",
    "OutcomeRule",
    "RuleError",
    "RuleKind",
    "approves",
    "check_marks",
    "decide",
    "quorum_met",
    "quorum_reasons",
    "ranking",
]


def _whole(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise RuleError(f"{name} must be a whole number, not {value!r}")


@dataclass(frozen=True)
class Counts:
    """A count of one question: votes per option (in ballot order), void ballots, the
    eligible number, and (protocol v2) the ballots counted and the marks a ballot may
    make, ``(min, max)`` of the question.

    Without ``ballots`` the turnout is valid + void, as protocol v1 measured it (the same
    number whenever a member marks at most one option).  Without ``marks`` the question
    is taken to allow one mark, and no rule is refused for allowing more.
    """

    options: Mapping[str, int]
    void: int = 0
    eligible: int | None = None
    ballots: int | None = None
    marks: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        for name, value in [*self.options.items(), ("void", self.void)]:
            _whole(f"count for {name!r}", value)
        if not self.options:
            raise RuleError("a count needs at least one option")
        if self.eligible is not None:
            _whole("the eligible number", self.eligible)
        if self.ballots is not None:
            _whole("the number of ballots", self.ballots)
        if self.marks is not None:
            low, high = self.marks
            _whole("the fewest marks", low)
            _whole("the most marks", high)
            if high < 1 or low > high:
                raise RuleError(f"marks between {low} and {high} are not a question's bounds")

    @property
    def valid(self) -> int:
        return sum(self.options.values())

    @property
    def turnout(self) -> int:
        return self.ballots if self.ballots is not None else self.valid + self.void

    @property
    def seats(self) -> int:
        """Seats a plurality fills: the most options a member may mark."""
        return 1 if self.marks is None else self.marks[1]

    def adding(self, option: str | None, extra: int) -> Counts:
        """These counts with ``extra`` more ballots marked for ``option`` (None: void)."""
        options = dict(self.options)
        if option is not None:
            options[option] += extra
        void = self.void + (extra if option is None else 0)
        ballots = None if self.ballots is None else self.ballots + extra
        return Counts(options, void, self.eligible, ballots, self.marks)


@dataclass(frozen=True)
class Outcome:
    """What the count decides.

    ``result`` is a key for the interface to translate: ``approved``, ``rejected``,
    ``tie_fails``, ``no_quorum``, ``no_valid_votes``, ``elected:<ids>``,
    ``elected_tie:<elected>;<tied>``, ``runoff:<a>,<b>`` or ``runoff_tie:<sure>;<tied>``
    (ids in ballot order, comma-separated; PROTOCOL 15.5).  ``decided`` is true when no
    further vote or tie-break is needed (approved, rejected, tie_fails, elected).
    ``reasons`` are the codes (v2); ``prose`` the sentences a v1 result publishes.
    """

    decided: bool
    result: str
    valid: int
    void: int
    turnout: int
    quorum_met: bool
    reasons: tuple[Reason, ...]
    prose: tuple[str, ...]
    runoff: tuple[str, ...] = ()
    tied: tuple[str, ...] = ()
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        """The result as far as consequences go: a tie that fails is a rejection."""
        return "rejected" if self.result == "tie_fails" else self.result


@dataclass(frozen=True)
class _Base:
    counts: Counts
    quorum_met: bool
    quorum: tuple[Reason, ...]

    def outcome(
        self,
        decided: bool,
        result: str,
        reasons: tuple[Reason, ...],
        prose: tuple[str, ...],
        runoff: tuple[str, ...] = (),
        tied: tuple[str, ...] = (),
    ) -> Outcome:
        c = self.counts
        return Outcome(
            decided,
            result,
            c.valid,
            c.void,
            c.turnout,
            self.quorum_met,
            self.quorum + reasons,
            prose,
            runoff,
            tied,
            dict(c.options),
        )


def quorum_met(rule: OutcomeRule, turnout: int, eligible: int | None) -> bool:
    """Whether ``turnout`` meets every part of the rule's quorum (none: always)."""
    return all(not r.code.endswith("_missed") for r in quorum_reasons(rule, turnout, eligible))


def quorum_reasons(rule: OutcomeRule, turnout: int, eligible: int | None) -> tuple[Reason, ...]:
    """One reason per part of the rule's quorum (the fraction, then the count): met or not."""
    out = []
    if rule.quorum_fraction is not None:
        if eligible is None:
            raise RuleError("the rule has a turnout quorum, so the eligible number is needed")
        f = rule.quorum_fraction
        met = turnout * f.denominator >= f.numerator * eligible
        code = "quorum_fraction_met" if met else "quorum_fraction_missed"
        need = at_least(f, eligible)
        out.append(Reason.of(code, turnout=turnout, eligible=eligible, fraction=f, needed=need))
    if rule.quorum_count is not None:
        met = turnout >= rule.quorum_count
        code = "quorum_count_met" if met else "quorum_count_missed"
        out.append(Reason.of(code, turnout=turnout, needed=rule.quorum_count))
    return tuple(out)


def _quorum_text(rule: OutcomeRule, eligible: int | None) -> str:
    parts = []
    if rule.quorum_fraction is not None:
        parts.append(f"{rule.quorum_fraction} of {eligible} eligible")
    if rule.quorum_count is not None:
        parts.append(f"{rule.quorum_count} ballots")
    return " and ".join(parts)


def approves(rule: OutcomeRule, yes: int, valid: int) -> bool:
    """Whether ``yes`` of ``valid`` meets a yes/no rule's threshold (no valid votes: never)."""
    if valid == 0 or yes == 0:
        return False
    p, q = rule.threshold.numerator, rule.threshold.denominator
    if rule.kind is RuleKind.SUPERMAJORITY:
        return yes * q >= p * valid
    return yes * q > p * valid


def check_marks(rule: OutcomeRule, counts: Counts) -> None:
    """Protocol v2: only a plurality decides a question where a member marks several
    options (a share of "valid votes" means nothing when one ballot is several votes)."""
    if counts.marks is not None and counts.marks[1] > 1 and rule.kind is not RuleKind.PLURALITY:
        raise RuleError(
            f"a {rule.kind.value} rule decides questions where a member marks one option; "
            f"this one allows {counts.marks[1]} (use plurality)"
        )


def decide(rule: OutcomeRule, counts: Counts) -> Outcome:
    """Apply ``rule`` to ``counts``."""
    turnout = counts.turnout
    quorum = quorum_reasons(rule, turnout, counts.eligible)
    met = all(not r.code.endswith("_missed") for r in quorum)
    base = _Base(counts, met, quorum)
    if not met:
        prose = f"turnout {turnout} is below the quorum ({_quorum_text(rule, counts.eligible)})"
        return base.outcome(False, "no_quorum", (), (prose,))
    if rule.approval:
        return _decide_approval(rule, counts, base)
    if rule.kind is RuleKind.PLURALITY:
        return _decide_plurality(counts, base)
    return _decide_runoff(rule, counts, base)


def _decide_approval(rule: OutcomeRule, counts: Counts, base: _Base) -> Outcome:
    option = rule.approving()
    if option not in counts.options:
        raise RuleError(f"the count has no {option!r} option to approve with")
    yes, valid = counts.options[option], counts.valid
    against = valid - yes
    t = rule.threshold
    majority = rule.kind is RuleKind.MAJORITY
    need = f"{'more than' if majority else 'at least'} {t} of {valid} valid votes"
    share: dict[str, ReasonValue | Fraction] = {
        "option": option,
        "votes": yes,
        "valid": valid,
        "threshold": t,
        "needed": more_than(t, valid) if majority else at_least(t, valid),
    }
    prefix = "majority" if majority else "supermajority"
    if approves(rule, yes, valid):
        reason = Reason.of(f"{prefix}_reached", **share)
        return base.outcome(True, "approved", (reason,), (f"{yes} in favour is {need}",))
    if valid == 0:
        none = "there are no valid votes"
        return base.outcome(True, "rejected", (Reason.of("no_valid_votes"),), (none,))
    if majority and yes * t.denominator == t.numerator * valid:
        tie = Reason.of(
            "tie_at_threshold", option=option, votes=yes, against=against, valid=valid, threshold=t
        )
        prose = f"{yes} in favour and {against} against is a tie at the threshold; a tie fails"
        return base.outcome(True, "tie_fails", (tie,), (prose,))
    reason = Reason.of(f"{prefix}_missed", **share)
    return base.outcome(True, "rejected", (reason,), (f"{yes} in favour is not {need}",))


def ranking(options: Mapping[str, int]) -> list[tuple[str, int]]:
    """Options by votes, most first; equal votes keep ballot order (for display only)."""
    order = {name: index for index, name in enumerate(options)}
    return sorted(options.items(), key=lambda item: (-item[1], order[item[0]]))


def _no_valid_votes(base: _Base) -> Outcome:
    none = "there are no valid votes"
    return base.outcome(False, "no_valid_votes", (Reason.of("no_valid_votes"),), (none,))


def _decide_runoff(rule: OutcomeRule, counts: Counts, base: _Base) -> Outcome:
    valid = counts.valid
    if valid == 0:
        return _no_valid_votes(base)
    ranked = ranking(counts.options)
    leader, top = ranked[0]
    t = rule.threshold
    needed = more_than(t, valid)
    if top >= needed:
        reason = Reason.of(
            "majority_reached", option=leader, votes=top, valid=valid, threshold=t, needed=needed
        )
        prose = f"{leader} has {top} of {valid} valid votes, more than {t}"
        return base.outcome(True, f"elected:{leader}", (reason,), (prose,))
    # No majority: the top two go to a runoff.  Whoever has more votes than the second
    # place is sure of a place; those level with the second place share what is left.
    second = ranked[1][1]
    sure = tuple(name for name in counts.options if counts.options[name] > second)
    level = tuple(name for name in counts.options if counts.options[name] == second)
    places = 2 - len(sure)
    no_majority = Reason.of("no_majority", valid=valid, threshold=t, needed=needed)
    no_majority_prose = f"no option has more than {t} of {valid} valid votes"
    if len(level) <= places:
        # Ballot order, not ranking: the key says who is in the runoff, not who led.
        finalists = tuple(name for name in counts.options if name in sure or name in level)
        reasons = (no_majority, Reason.of("runoff", options=finalists))
        said = (no_majority_prose, f"runoff between {' and '.join(finalists)}")
        return base.outcome(False, "runoff:" + ",".join(finalists), reasons, said, runoff=finalists)
    tie = Reason.of("runoff_tie", sure=sure, tied=level, votes=second, places=places)
    tie_prose = (
        f"{', '.join(level)} are tied with {second} votes for {places} runoff place(s); "
        "the committee must break the tie by its rules"
    )
    result = "runoff_tie:" + ",".join(sure) + ";" + ",".join(level)
    return base.outcome(
        False, result, (no_majority, tie), (no_majority_prose, tie_prose), runoff=sure, tied=level
    )


def _decide_plurality(counts: Counts, base: _Base) -> Outcome:
    """The ``seats`` options with the most votes are elected; a tie for the last seat is
    reported, never broken here; an option with no vote is never elected."""
    if counts.valid == 0:
        return _no_valid_votes(base)
    seats, options = counts.seats, counts.options
    voted = [name for name in options if options[name] > 0]
    if len(voted) <= seats:
        elected = tuple(voted)
        reasons = [Reason.of("plurality_elected", options=elected, seats=seats)]
        prose = [f"{', '.join(elected)} elected to {seats} seat(s)"]
        if len(voted) < seats:
            reasons.append(Reason.of("seats_unfilled", seats=seats, filled=len(voted)))
            prose.append(f"{seats - len(voted)} of {seats} seat(s) left unfilled")
        return base.outcome(True, "elected:" + ",".join(elected), tuple(reasons), tuple(prose))
    last = sorted((options[name] for name in voted), reverse=True)[seats - 1]
    sure = tuple(name for name in options if options[name] > last)
    level = tuple(name for name in options if options[name] == last)
    places = seats - len(sure)
    if len(level) == places:
        elected = tuple(name for name in options if options[name] >= last)
        reason = Reason.of("plurality_elected", options=elected, seats=seats)
        line = f"{', '.join(elected)} elected to {seats} seat(s)"
        return base.outcome(True, "elected:" + ",".join(elected), (reason,), (line,))
    tie = Reason.of(
        "plurality_tie", elected=sure, tied=level, votes=last, places=places, seats=seats
    )
    tie_prose = (
        f"{', '.join(level)} are tied with {last} votes for {places} seat(s); "
        "the committee must break the tie by its rules"
    )
    result = "elected_tie:" + ",".join(sure) + ";" + ",".join(level)
    return base.outcome(False, result, (tie,), (tie_prose,), tied=level)
