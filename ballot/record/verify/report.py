"""What a verification run reports: its steps, the first failure, and a voter's tracker."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

#: progress(step, done, total): called as work advances (total 0 = indeterminate).
Progress = Callable[[str, int, int], None]


STEPS: Final = (
    "record members",
    "election fingerprint",  # only with --fingerprint
    "board chain",
    "signed heads",
    "definition",
    "key ceremony",
    "board lifecycle",
    "ballots",
    "replay",
    "encrypted tally",
    "partial decryptions",
    "counts",
    "outcome",
    "convenience copies",
)


def failure(step: str) -> Callable[[str], VerificationFailed]:
    """A maker of :class:`VerificationFailed` for one step, so each check names its step once."""

    def make(message: str) -> VerificationFailed:
        return VerificationFailed(step, message)

    return make


class VerificationFailed(Exception):
    """The first failed check; ``step`` is one of :data:`STEPS`."""

    def __init__(self, step: str, message: str) -> None:
        super().__init__(message)
        self.step = step
        self.message = message


@dataclass(frozen=True)
class TrackerFinding:
    """What the record says about one voter's tracker."""

    tracker: str
    found: bool
    entry: int | None
    counted: bool
    message: str


@dataclass
class VerificationReport:
    """The outcome of a run: passed steps, the first failure, the recomputed result, timings."""

    ok: bool
    failure: str | None
    failed_step: str | None
    passed: list[str]
    election_id: str | None = None
    ballots: int = 0
    result: Mapping[str, Any] | None = None
    tracker: TrackerFinding | None = None
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
