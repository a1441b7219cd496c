"""The outcome rule recorded with a vote, and how the record writes it.

A rule is read from the definition's ``"rule"`` in one of two JSON forms (PROTOCOL 15.1):
the long form :meth:`OutcomeRule.to_json` writes, or the short form of a kind's name alone
with its threshold and quorum beside it in the definition.  Reading is strict, because
the verifier reads hostile records with it: fractions are exact ``"p/q"`` strings, never
a float's rounding, and an unknown key is refused rather than ignored.

Four kinds cover the votes unions hold:

``majority``
    Recognition, and ratification "by a majority of those voting": approved when the
    approving option has **more than** ``threshold`` of the valid votes (1/2: a tie
    fails).
``supermajority``
    Strike authorisation, constitutional changes: **at least** ``threshold`` (2/3: 200
    of 300 passes).
``plurality_with_runoff``
    One office, several candidates: more than ``threshold`` (normally 1/2) elects,
    otherwise the top two go to a runoff.
``plurality``
    Several seats (delegates, trustees): the ``max`` options a member may mark are the
    seats, and the options with the most votes fill them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from fractions import Fraction
from typing import Final

__all__ = ["LONG_FORM_KEYS", "OutcomeRule", "RuleError", "RuleKind", "parse_fraction"]


class RuleKind(StrEnum):
    MAJORITY = "majority"
    SUPERMAJORITY = "supermajority"
    PLURALITY_WITH_RUNOFF = "plurality_with_runoff"
    PLURALITY = "plurality"


class RuleError(ValueError):
    """A rule or a set of counts that cannot be applied."""


#: The keys of the long form; only ``kind`` is required.
LONG_FORM_KEYS: Final = ("kind", "threshold", "quorum_fraction", "quorum_count", "approve_option")
#: An exact fraction as the record writes it: "2/3", "1/2", "1" (no sign, no decimals).
_FRACTION: Final = re.compile(r"(0|[1-9][0-9]{0,15})(/[1-9][0-9]{0,15})?")
HALF: Final = Fraction(1, 2)


def parse_fraction(name: str, value: object) -> Fraction:
    """``value`` as the record writes a fraction ("p/q" or "p", decimal digits), exactly.

    Decimals ("0.5"), percentages, signs, spaces and numbers that are not strings are
    refused: each independent verifier must read the same text as the same number.
    """
    if not isinstance(value, str) or _FRACTION.fullmatch(value) is None:
        raise RuleError(f'{name} {value!r} is not a fraction like "2/3"')
    return Fraction(value)


@dataclass(frozen=True)
class OutcomeRule:
    kind: RuleKind
    threshold: Fraction = HALF
    #: Minimum turnout as a fraction of the eligible number (None: no such quorum).
    quorum_fraction: Fraction | None = None
    #: Minimum turnout as a number of ballots (None: no such quorum).
    quorum_count: int | None = None
    #: For majority and supermajority votes: the option that approves, one id for every
    #: question, or (protocol v2) each question's id mapped to its approving option.
    approve_option: str | Mapping[str, str] = "yes"

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", RuleKind(self.kind))
        if not isinstance(self.threshold, Fraction):
            raise RuleError("the threshold must be a Fraction (for example Fraction(2, 3))")
        if self.kind is RuleKind.SUPERMAJORITY:
            if not (HALF < self.threshold <= 1):
                raise RuleError("a supermajority threshold is above 1/2 and at most 1")
        elif self.kind is RuleKind.PLURALITY:
            if self.threshold != HALF:
                raise RuleError("a plurality has no threshold (leave it out, or write 1/2)")
        elif not (HALF <= self.threshold < 1):
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
        option = self.approve_option
        if isinstance(option, Mapping):
            if not option or not all(
                isinstance(q, str) and isinstance(o, str) for q, o in option.items()
            ):
                raise RuleError(
                    "the approving options map each question id to an option id (strings)"
                )
            object.__setattr__(self, "approve_option", dict(option))
        elif not isinstance(option, str):
            raise RuleError("the approving option is an option id (a string)")

    def approving(self, question: str | None = None) -> str:
        """The option that approves in ``question`` (PROTOCOL 15.1); without a question,
        the one option of a rule that names a single one."""
        option = self.approve_option
        if isinstance(option, str):
            return option
        if question is None:
            raise RuleError(
                "the rule names an approving option per question; decide one question at a time"
            )
        if question not in option:
            raise RuleError(f"the rule names no approving option for question {question!r}")
        return option[question]

    def for_question(self, question: str) -> OutcomeRule:
        """This rule as it decides ``question``: its approving option is one id.

        A rule of a kind that approves nothing (the pluralities) is returned unchanged."""
        if not self.approval or isinstance(self.approve_option, str):
            return self
        return replace(self, approve_option=self.approving(question))

    @property
    def approval(self) -> bool:
        """True for yes/no rules (majority, supermajority)."""
        return self.kind in (RuleKind.MAJORITY, RuleKind.SUPERMAJORITY)

    @property
    def has_quorum(self) -> bool:
        return self.quorum_fraction is not None or self.quorum_count is not None

    def to_json(self) -> dict[str, object]:
        """How the rule is recorded with the vote (fractions as "p/q" strings)."""
        return {
            "kind": self.kind.value,
            "threshold": str(self.threshold),
            "quorum_fraction": None if self.quorum_fraction is None else str(self.quorum_fraction),
            "quorum_count": self.quorum_count,
            "approve_option": (
                self.approve_option
                if isinstance(self.approve_option, str)
                else dict(self.approve_option)
            ),
        }

    @classmethod
    def from_json(
        cls, obj: object, *, supermajority: object = None, quorum: object = None
    ) -> OutcomeRule:
        """Read a rule back from the record, as the verifier must.

        ``obj`` is either the long form (an object with ``kind`` and any of the other
        :data:`LONG_FORM_KEYS`; ``threshold`` "1/2", no quorum and ``approve_option``
        "yes" when left out) or the short form, a kind's name alone, whose threshold
        and quorum fraction sit beside it in the definition, passed here as
        ``supermajority`` (1/2 when null or "") and ``quorum`` (none when null).
        Raises :class:`RuleError` saying what is wrong, never another exception.
        """
        if isinstance(obj, Mapping):
            if "kind" not in obj:
                raise RuleError("a rule needs a 'kind'")
            unknown = sorted(str(key) for key in obj if key not in LONG_FORM_KEYS)
            if unknown:
                raise RuleError(f"a rule has no key {unknown[0]!r}")
            quorum_fraction = obj.get("quorum_fraction")
            return cls(
                _rule_kind(obj["kind"]),
                parse_fraction("threshold", obj.get("threshold", "1/2")),
                (
                    None
                    if quorum_fraction is None
                    else parse_fraction("quorum_fraction", quorum_fraction)
                ),
                obj.get("quorum_count"),
                obj.get("approve_option", "yes"),  # checked on creation
            )
        return cls(
            _rule_kind(obj),
            parse_fraction(
                "supermajority", "1/2" if supermajority in (None, "") else supermajority
            ),
            None if quorum is None else parse_fraction("quorum", quorum),
        )


def _rule_kind(value: object) -> RuleKind:
    if isinstance(value, str):
        try:
            return RuleKind(value)
        except ValueError:
            pass
    kinds = ", ".join(kind.value for kind in RuleKind)
    raise RuleError(f"unknown rule kind {value!r} (one of {kinds})")


def rule_from_definition(definition: Mapping[str, object]) -> OutcomeRule:
    """The rule of a definition: its ``"rule"`` (the short form "majority" when absent)."""
    return OutcomeRule.from_json(
        definition.get("rule", "majority"),
        supermajority=definition.get("supermajority"),
        quorum=definition.get("quorum"),
    )
