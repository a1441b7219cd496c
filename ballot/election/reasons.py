"""Why an outcome is what it is: stable codes with whole-number and exact-fraction parameters.

A result of protocol v2 gives its reasons as ``{"code": ..., **params}`` objects, so any
verifier recomputes them from the specification (PROTOCOL 15.6) and every page words them
in its reader's language (:mod:`ballot.election.reason_words`).  Parameters are whole
numbers, exact fractions as ``"p/q"`` strings, option ids, or lists of option ids (in
ballot order): nothing a float, a locale or a translation could change.

:data:`CODES` lists every code with its parameters, in the order the specification gives
them; a reason with other parameters is a bug here, refused when it is made.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Final

__all__ = ["CODES", "Reason", "ReasonValue", "at_least", "more_than"]

ReasonValue = int | str | tuple[str, ...]

_OPTION_SHARE: Final = ("option", "votes", "valid", "threshold", "needed")
_QUORUM_SHARE: Final = ("turnout", "eligible", "fraction", "needed")

#: Every reason code and its parameters.
CODES: Final[Mapping[str, tuple[str, ...]]] = {
    # the quorum, one reason per part of it the rule has
    "quorum_fraction_met": _QUORUM_SHARE,
    "quorum_fraction_missed": _QUORUM_SHARE,
    "quorum_count_met": ("turnout", "needed"),
    "quorum_count_missed": ("turnout", "needed"),
    # the decision
    "no_valid_votes": (),
    "majority_reached": _OPTION_SHARE,
    "majority_missed": _OPTION_SHARE,
    "tie_at_threshold": ("option", "votes", "against", "valid", "threshold"),
    "supermajority_reached": _OPTION_SHARE,
    "supermajority_missed": _OPTION_SHARE,
    "no_majority": ("valid", "threshold", "needed"),
    "runoff": ("options",),
    "runoff_tie": ("sure", "tied", "votes", "places"),
    "plurality_elected": ("options", "seats"),
    "plurality_tie": ("elected", "tied", "votes", "places", "seats"),
    "seats_unfilled": ("seats", "filled"),
    # the undecided challenged ballots (protocol v2 results only)
    "challenges_cannot_change": ("undecided",),
    "challenges_could_meet_quorum": ("undecided",),
    "challenges_could_approve": ("undecided", "option"),
    "challenges_could_reject": ("undecided", "option"),
    "challenges_could_decide": ("undecided",),
    "challenges_could_give_majority": ("undecided", "option"),
    "challenges_could_undo_majority": ("undecided", "option"),
    "challenges_could_level": ("undecided", "option", "rival"),
    "challenges_could_break_tie": ("undecided",),
    "challenges_could_fill_seat": ("undecided", "seats"),
}

#: Parameters that hold lists of option ids.
LIST_PARAMS: Final = frozenset({"options", "sure", "tied", "elected"})
#: Parameters that hold one option id.
OPTION_PARAMS: Final = frozenset({"option", "rival"})
#: Parameters that hold an exact fraction ("p/q").
FRACTION_PARAMS: Final = frozenset({"threshold", "fraction"})


@dataclass(frozen=True)
class Reason:
    """One reason: a code of :data:`CODES` and its parameters, in the code's order."""

    code: str
    params: tuple[tuple[str, ReasonValue], ...] = ()

    def __post_init__(self) -> None:
        names = tuple(name for name, _ in self.params)
        if CODES.get(self.code) != names:
            raise ValueError(f"reason {self.code!r} takes {CODES.get(self.code)}, not {names}")

    @classmethod
    def of(cls, code: str, **params: ReasonValue | Fraction) -> Reason:
        """``Reason.of("runoff", options=("ana", "ben"))``, parameters in the code's order."""
        order = CODES.get(code, tuple(params))
        values = {name: str(v) if isinstance(v, Fraction) else v for name, v in params.items()}
        return cls(code, tuple((name, values[name]) for name in order if name in values))

    def __getitem__(self, name: str) -> ReasonValue:
        return dict(self.params)[name]

    @classmethod
    def from_json(cls, obj: object) -> Reason:
        """A reason read from a v2 result (hostile input: every shape is checked).

        Raises ValueError naming what is wrong: an unknown code, a missing or extra
        parameter, or a value of the wrong kind (a float, a bool, a negative number).
        """
        if not isinstance(obj, Mapping) or not isinstance(obj.get("code"), str):
            raise ValueError("a reason is an object with a 'code'")
        code = obj["code"]
        if code not in CODES:
            raise ValueError(f"unknown reason code {code!r}")
        names = CODES[code]
        if set(obj) != {"code", *names}:
            raise ValueError(f"reason {code!r} takes the parameters {list(names)}")
        params: list[tuple[str, ReasonValue]] = []
        for name in names:
            value = obj[name]
            if name in LIST_PARAMS:
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise ValueError(f"reason {code!r}: {name} is a list of option ids")
                params.append((name, tuple(value)))
            elif name in OPTION_PARAMS or name in FRACTION_PARAMS:
                if not isinstance(value, str):
                    raise ValueError(f"reason {code!r}: {name} is a string")
                params.append((name, value))
            else:
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise ValueError(f"reason {code!r}: {name} is a whole number")
                params.append((name, value))
        return cls(code, tuple(params))

    def to_json(self) -> dict[str, object]:
        """The reason as a v2 result holds it (lists of ids as JSON lists)."""
        return {
            "code": self.code,
            **{name: list(v) if isinstance(v, tuple) else v for name, v in self.params},
        }


def more_than(share: Fraction, of: int) -> int:
    """The fewest votes that are *more than* ``share`` of ``of``: floor(p·of/q) + 1."""
    return share.numerator * of // share.denominator + 1


def at_least(share: Fraction, of: int) -> int:
    """The fewest votes that are *at least* ``share`` of ``of``: ceil(p·of/q)."""
    return -(-share.numerator * of // share.denominator)
