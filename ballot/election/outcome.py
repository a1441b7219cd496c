"""What a count decides, under the rule recorded with the vote.

Three kinds of rule cover the votes unions hold:

``majority``
    Recognition, and ratification "by a majority of those voting".  Approved when the
    approving option has **more than** ``threshold`` of the valid votes (``1/2``: more
    than half, so a tie fails).  ``yes * q > p * valid`` for ``threshold = p/q``.
``supermajority``
    Strike authorisation and constitutional changes, "two thirds of those voting".
    Approved when the approving option has **at least** ``threshold`` of the valid votes:
    ``yes * q >= p * valid``; with 2/3, 200 yes of 300 valid passes.
``plurality_with_runoff``
    Officer elections and recognition votes with several unions on the ballot.  A
    candidate with **more than** ``threshold`` (normally 1/2) of the valid votes is
    elected; otherwise the top two go to a runoff.  Ties for a runoff place are
    reported, never broken here: the committee breaks them by its own rules.

Valid votes exclude void ballots (blank, or spoilt on paper), which are reported apart.
A quorum, if the rule has one, is a minimum *turnout*: every counted ballot, void ones
included (a member who returns a blank ballot took part), against the eligible number
(a fraction, met when ``turnout * q >= p * eligible``) or as an absolute count.
Challenged ballots are not counted here at all until the challenge is overruled.

Only integers and :class:`fractions.Fraction` are used: a rounding error must never
decide a vote.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction


class RuleKind(StrEnum):
    MAJORITY = "majority"
    SUPERMAJORITY = "supermajority"
    PLURALITY_WITH_RUNOFF = "plurality_with_runoff"


class RuleError(ValueError):
    """A rule or a set of counts that cannot be applied."""


@dataclass(frozen=True)
class OutcomeRule:
    kind: RuleKind
    threshold: Fraction = Fraction(1, 2)
    #: Minimum turnout as a fraction of the eligible number (None: no such quorum).
    quorum_fraction: Fraction | None = None
    #: Minimum turnout as a number of ballots (None: no such quorum).
    quorum_count: int | None = None
    #: For majority and supermajority votes: the option that approves.
    approve_option: str = "yes"

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", RuleKind(self.kind))
        if not isinstance(self.threshold, Fraction):
            raise RuleError("the threshold must be a Fraction (for example Fraction(2, 3))")
        low_ok = self.threshold >= Fraction(1, 2)
        if self.kind is RuleKind.SUPERMAJORITY:
            if not (Fraction(1, 2) < self.threshold <= 1):
                raise RuleError("a supermajority threshold is above 1/2 and at most 1")
        elif not (low_ok and self.threshold < 1):
            # Below one half two options could both "win"; "more than all" is impossible.
            raise RuleError("a majority threshold is at least 1/2 and below 1")
        if self.quorum_fraction is not None and (
            not isinstance(self.quorum_fraction, Fraction) or not 0 < self.quorum_fraction <= 1
        ):
            raise RuleError("a quorum fraction is a Fraction above 0 and at most 1")
        if self.quorum_count is not None and (
            isinstance(self.quorum_count, bool)
            or not isinstance(self.quorum_count, int)
            or self.quorum_count < 1
        ):
            raise RuleError("a quorum count is a positive whole number")

    @property
    def approval(self) -> bool:
        """True for yes/no rules (majority, supermajority)."""
        return self.kind is not RuleKind.PLURALITY_WITH_RUNOFF

    def to_json(self) -> dict[str, object]:
        """How the rule is recorded with the vote (fractions as "p/q" strings)."""
        return {
            "kind": self.kind.value,
            "threshold": str(self.threshold),
            "quorum_fraction": None if self.quorum_fraction is None else str(self.quorum_fraction),
            "quorum_count": self.quorum_count,
            "approve_option": self.approve_option,
        }

    @classmethod
    def from_json(
        cls, obj: object, *, supermajority: object = None, quorum: object = None
    ) -> OutcomeRule:
        """Read a rule back from the record, as the verifier must.

        ``obj`` is either what :meth:`to_json` gives (``threshold`` "1/2" and no quorum
        when left out) or the short form of the service's election form, a kind's name
        alone ("majority", "supermajority"); the short form keeps its threshold and quorum
        fraction beside it in the definition, passed here as ``supermajority`` ("2/3";
        1/2 when empty) and ``quorum`` ("1/2"; none when ``None``).  Raises
        :class:`RuleError` saying what is wrong, never another exception.
        """
        if isinstance(obj, Mapping):
            if "kind" not in obj:
                raise RuleError("a rule needs a 'kind'")
            return cls(
                _rule_kind(obj["kind"]),
                _fraction("threshold", obj.get("threshold", "1/2")),
                _optional_fraction("quorum_fraction", obj.get("quorum_fraction")),
                obj.get("quorum_count"),
                str(obj.get("approve_option", "yes")),
            )
        return cls(
            _rule_kind(obj),
            _fraction("supermajority", supermajority or "1/2"),
            _optional_fraction("quorum", quorum),
        )


def _rule_kind(value: object) -> RuleKind:
    if isinstance(value, str):
        try:
            return RuleKind(value)
        except ValueError:
            pass
    kinds = ", ".join(kind.value for kind in RuleKind)
    raise RuleError(f"unknown rule kind {value!r} (one of {kinds})")


def _fraction(name: str, value: object) -> Fraction:
    """``value`` as written on the record ("2/3", or a whole number), never a float's
    rounding: the text is read exactly."""
    try:
        return Fraction(str(value))
    except (ValueError, ZeroDivisionError) as exc:
        raise RuleError(f'{name} {value!r} is not a fraction like "2/3"') from exc


def _optional_fraction(name: str, value: object) -> Fraction | None:
    return None if value is None else _fraction(name, value)


@dataclass(frozen=True)
class Counts:
    """A count: votes per option (in ballot order), void ballots, and the eligible number."""

    options: Mapping[str, int]
    void: int = 0
    eligible: int | None = None

    def __post_init__(self) -> None:
        for name, value in [*self.options.items(), ("void", self.void)]:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise RuleError(f"count for {name!r} must be a whole number, not {value!r}")
        if not self.options:
            raise RuleError("a count needs at least one option")
        if self.eligible is not None and (
            isinstance(self.eligible, bool)
            or not isinstance(self.eligible, int)
            or self.eligible < 0
        ):
            raise RuleError("the eligible number must be a whole number")

    @property
    def valid(self) -> int:
        return sum(self.options.values())

    @property
    def turnout(self) -> int:
        return self.valid + self.void


@dataclass(frozen=True)
class Outcome:
    """What the count decides.

    ``result`` is a key for the interface to translate: ``approved``, ``rejected``,
    ``tie_fails``, ``no_quorum``, ``no_valid_votes``, ``elected:<option>``,
    ``runoff:<a>,<b>`` or ``runoff_tie:<sure>;<tied>,<tied>...`` (a tie for a runoff place:
    ``runoff`` holds the sure finalists, if any, and ``tied`` those tied for what is left;
    "runoff_tie:ana;ben,chen" or "runoff_tie:;ana,ben,chen").  Names in a
    runoff key are in ballot order, so the key says who, not who came first.
    ``decided`` is true when no further vote is needed (approved, rejected, tie_fails,
    elected); a runoff, a missed quorum and a count with no valid votes are not decided.
    """

    decided: bool
    result: str
    valid: int
    void: int
    turnout: int
    quorum_met: bool
    reasons: tuple[str, ...]
    runoff: tuple[str, ...] = ()
    tied: tuple[str, ...] = ()
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        """The result as far as consequences go: a tie that fails is a rejection."""
        return "rejected" if self.result == "tie_fails" else self.result


@dataclass(frozen=True)
class _Base:
    valid: int
    void: int
    turnout: int
    quorum_met: bool
    counts: dict[str, int]

    def outcome(
        self,
        decided: bool,
        result: str,
        reasons: tuple[str, ...],
        runoff: tuple[str, ...] = (),
        tied: tuple[str, ...] = (),
    ) -> Outcome:
        return Outcome(
            decided,
            result,
            self.valid,
            self.void,
            self.turnout,
            self.quorum_met,
            reasons,
            runoff,
            tied,
            dict(self.counts),
        )


def quorum_met(rule: OutcomeRule, turnout: int, eligible: int | None) -> bool:
    if rule.quorum_fraction is not None:
        if eligible is None:
            raise RuleError("the rule has a turnout quorum, so the eligible number is needed")
        f = rule.quorum_fraction
        if turnout * f.denominator < f.numerator * eligible:
            return False
    return rule.quorum_count is None or turnout >= rule.quorum_count


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


def decide(rule: OutcomeRule, counts: Counts) -> Outcome:
    """Apply ``rule`` to ``counts``."""
    valid, void, turnout = counts.valid, counts.void, counts.turnout
    met = quorum_met(rule, turnout, counts.eligible)
    base = _Base(valid, void, turnout, met, dict(counts.options))
    if not met:
        reason = f"turnout {turnout} is below the quorum ({_quorum_text(rule, counts.eligible)})"
        return base.outcome(False, "no_quorum", reasons=(reason,))
    if rule.approval:
        return _decide_approval(rule, counts, base)
    return _decide_plurality(rule, counts, base)


def _decide_approval(rule: OutcomeRule, counts: Counts, base: _Base) -> Outcome:
    if rule.approve_option not in counts.options:
        raise RuleError(f"the count has no {rule.approve_option!r} option to approve with")
    yes, valid = counts.options[rule.approve_option], counts.valid
    against = valid - yes
    wording = "more than" if rule.kind is RuleKind.MAJORITY else "at least"
    need = f"{wording} {rule.threshold} of {valid} valid votes"
    if approves(rule, yes, valid):
        return base.outcome(True, "approved", reasons=(f"{yes} in favour is {need}",))
    if valid == 0:
        return base.outcome(True, "rejected", reasons=("there are no valid votes",))
    p, q = rule.threshold.numerator, rule.threshold.denominator
    if rule.kind is RuleKind.MAJORITY and yes * q == p * valid:
        reason = f"{yes} in favour and {against} against is a tie at the threshold; a tie fails"
        return base.outcome(True, "tie_fails", reasons=(reason,))
    return base.outcome(True, "rejected", reasons=(f"{yes} in favour is not {need}",))


def ranking(options: Mapping[str, int]) -> list[tuple[str, int]]:
    """Options by votes, most first; equal votes keep ballot order (for display only)."""
    order = {name: index for index, name in enumerate(options)}
    return sorted(options.items(), key=lambda item: (-item[1], order[item[0]]))


def _decide_plurality(rule: OutcomeRule, counts: Counts, base: _Base) -> Outcome:
    valid = counts.valid
    if valid == 0:
        return base.outcome(False, "no_valid_votes", reasons=("there are no valid votes",))
    ranked = ranking(counts.options)
    leader, top = ranked[0]
    p, q = rule.threshold.numerator, rule.threshold.denominator
    if top * q > p * valid:
        reason = f"{leader} has {top} of {valid} valid votes, more than {rule.threshold}"
        return base.outcome(True, f"elected:{leader}", reasons=(reason,))
    # No majority: the top two go to a runoff.  Whoever has more votes than the second
    # place is sure of a place; those level with the second place share what is left.
    second = ranked[1][1]
    sure = tuple(name for name in counts.options if counts.options[name] > second)
    level = tuple(name for name in counts.options if counts.options[name] == second)
    places = 2 - len(sure)
    no_majority = f"no option has more than {rule.threshold} of {valid} valid votes"
    if len(level) <= places:
        # Ballot order, not ranking: the key says who is in the runoff, not who led.
        finalists = tuple(name for name in counts.options if name in sure or name in level)
        reasons = (no_majority, f"runoff between {' and '.join(finalists)}")
        return base.outcome(
            False, "runoff:" + ",".join(finalists), reasons=reasons, runoff=finalists
        )
    reasons = (
        no_majority,
        f"{', '.join(level)} are tied with {second} votes for {places} runoff place(s); "
        "the committee must break the tie by its rules",
    )
    return base.outcome(
        False,
        "runoff_tie:" + ",".join(sure) + ";" + ",".join(level),
        reasons=reasons,
        runoff=sure,
        tied=level,
    )
