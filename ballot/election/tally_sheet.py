"""The tally sheet: the figures a labour board's tally of ballots shows, and per-unit results.

Fields follow the customary sheet: approximate number eligible, void ballots, votes for
each choice (in ballot order), valid votes counted, challenged ballots, whether the
challenges are determinative, and whether the result is provisional or certified.

Challenges already resolved are on the sheet too (sustained, overruled): only the
*undecided* ones can still change the result, so only they decide the determinative
flag.  The revised tally after the committee rules on every challenge has none undecided
and is never determinative.

Results per local or unit are published for large votes, but a small unit's figures can
show how its few members voted.  A unit with fewer counted ballots than ``min_unit_size``
is suppressed, and so are enough further units (smallest first) that the suppressed ones
together reach that size: otherwise the hidden figures could be recovered by subtracting
the published units from the total.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ballot.election.challenges import Determination
from ballot.election.outcome import Counts, Outcome, OutcomeRule
from ballot.election.reasons import Reason
from ballot.election.result import MIN_UNIT_SIZE, judge


@dataclass(frozen=True)
class UnitSubtotal:
    unit: str
    suppressed: bool
    votes: dict[str, int] | None  # None when suppressed
    void: int | None
    valid: int | None

    def to_json(self) -> dict[str, object]:
        return {
            "unit": self.unit,
            "suppressed": self.suppressed,
            "votes": self.votes,
            "void": self.void,
            "valid": self.valid,
        }


@dataclass(frozen=True)
class TallySheet:
    approximate_eligible: int | None
    void: int
    votes: tuple[tuple[str, int], ...]  # ballot order
    valid: int
    challenged: int
    determinative: bool
    determinative_reason: Reason
    status: str  # "provisional" or "certified"
    outcome: Outcome
    units: tuple[UnitSubtotal, ...]
    sustained: int = 0
    overruled: int = 0

    @property
    def undecided(self) -> int:
        """Challenged ballots still sealed and unruled (the ones that could change things)."""
        return self.challenged - self.sustained - self.overruled

    def to_json(self) -> dict[str, object]:
        return {
            "approximate_eligible": self.approximate_eligible,
            "void": self.void,
            "votes": [{"option": name, "count": count} for name, count in self.votes],
            "valid": self.valid,
            "challenged": self.challenged,
            "sustained": self.sustained,
            "overruled": self.overruled,
            "undecided": self.undecided,
            "determinative": self.determinative,
            "determinative_reason": self.determinative_reason.to_json(),
            "status": self.status,
            "result": self.outcome.result,
            "decided": self.outcome.decided,
            "reasons": [reason.to_json() for reason in self.outcome.reasons],
            "units": [unit.to_json() for unit in self.units],
        }


def suppressed_units(turnout: Mapping[str, int], min_unit_size: int) -> set[str]:
    """Units whose figures must not be shown (see the module note on complementary cells)."""
    hidden = {unit for unit, n in turnout.items() if n < min_unit_size}
    if not hidden:
        return hidden
    shown = sorted((n, unit) for unit, n in turnout.items() if unit not in hidden)
    # Add the smallest shown units until the hidden ones together are not a small group.
    while shown and (len(hidden) < 2 or sum(turnout[u] for u in hidden) < min_unit_size):
        hidden.add(shown.pop(0)[1])
    return hidden


def build_tally_sheet(
    rule: OutcomeRule,
    counts: Counts,
    challenged: int,
    *,
    certified: bool = False,
    units: Mapping[str, Counts] | None = None,
    min_unit_size: int = MIN_UNIT_SIZE,
    sustained: int = 0,
    overruled: int = 0,
) -> TallySheet:
    """Assemble the sheet for a count (undecided challenged ballots unopened).

    ``counts.eligible`` is shown as the approximate number eligible.  ``challenged`` is
    every challenged ballot; ``sustained`` and ``overruled`` those already ruled on (the
    overruled ones are in ``counts``).  Unit subtotals, if given, must add up to the count.
    """
    if min_unit_size < 1:
        raise ValueError("the minimum unit size is at least 1")
    for name, value in (
        ("challenged", challenged),
        ("sustained", sustained),
        ("overruled", overruled),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"the number of {name} ballots must be a whole number, not {value!r}")
    if sustained + overruled > challenged:
        raise ValueError(
            f"{sustained} sustained and {overruled} overruled is more than the "
            f"{challenged} challenged ballots"
        )
    verdict: Determination = judge(rule, counts, challenged - sustained - overruled)
    subtotals: list[UnitSubtotal] = []
    if units:
        _check_units_add_up(counts, units)
        hidden = suppressed_units({u: c.turnout for u, c in units.items()}, min_unit_size)
        for unit in sorted(units):
            part = units[unit]
            if unit in hidden:
                subtotals.append(UnitSubtotal(unit, True, None, None, None))
            else:
                subtotals.append(
                    UnitSubtotal(unit, False, dict(part.options), part.void, part.valid)
                )
    return TallySheet(
        approximate_eligible=counts.eligible,
        void=counts.void,
        votes=tuple(counts.options.items()),
        valid=counts.valid,
        challenged=challenged,
        determinative=verdict.determinative,
        determinative_reason=verdict.reason,
        status="certified" if certified else "provisional",
        outcome=verdict.outcome,
        units=tuple(subtotals),
        sustained=sustained,
        overruled=overruled,
    )


def _check_units_add_up(counts: Counts, units: Mapping[str, Counts]) -> None:
    for name in counts.options:
        total = sum(part.options.get(name, 0) for part in units.values())
        if total != counts.options[name]:
            raise ValueError(
                f"unit subtotals for {name!r} add up to {total}, not {counts.options[name]}"
            )
    extra = {name for part in units.values() for name in part.options} - set(counts.options)
    if extra:
        raise ValueError(f"unit subtotals have unknown options: {', '.join(sorted(extra))}")
    void = sum(part.void for part in units.values())
    if void != counts.void:
        raise ValueError(f"unit void ballots add up to {void}, not {counts.void}")
