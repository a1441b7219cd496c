"""What a verification run reports: its steps, the first failure, and a voter's tracker."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from ballot.record.kinds import Kind

if TYPE_CHECKING:
    from ballot.record.verify.mix import RaceMix

#: progress(step, done, total): called as work advances (total 0 = indeterminate).
Progress = Callable[[str, int, int], None]


STEPS: Final = (
    "record members",
    "election fingerprint",  # only with --fingerprint
    "board chain",
    "signed heads",
    "definition",
    "cosignatures",
    "witness",
    "key ceremony",
    "board lifecycle",
    "ballots",
    "replay",
    "encrypted tally",
    "partial decryptions",
    "counts",
    "outcome",
    "mix",  # only when the definition has a ranked race
    "convenience copies",
)


#: What a verifier must say of every record written to protocol version 1 (PROTOCOL,
#: "Versions and compatibility"): it still verifies, but it cannot prove as much.
V1_NOTE: Final = (
    "this is a protocol v1 record; it cannot have: the board key bound to the election "
    "(its server_key.json certifies itself, so anyone holding any key could re-sign a "
    "rewritten board), a committed roll (the number eligible is the server's word, and "
    "ballots name no voter alias), witnessed heads (a record cut short or forked is caught "
    "only against signed heads you kept yourself), outcome reasons as codes. Every check "
    "that protocol v1 states was applied."
)


#: What ``ballot verify`` says of a record of an election with ranked races whose mix-net
#: has not ended: the record is consistent so far, and says nothing yet of those races.
MIX_PENDING_NOTE: Final = (
    "the ranked races are not counted in this record: the board holds no "
    f"'{Kind.MIX_RESULT}' yet (the shuffles and decryptions it holds were checked)"
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
    #: A ballot a later ballot of the same member replaced (revoting, PROTOCOL 11.10):
    #: not counted, and rightly so.
    replaced: bool = False


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
    #: With a witness's log: the sentence saying it cosigned the final head.
    witnessed: str | None = None
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    #: What a reader must know besides PASS or FAIL (e.g. that the record is protocol v1
    #: and which v2 checks it therefore cannot have); printed by ``ballot verify``.
    notes: list[str] = field(default_factory=list)
    #: The protocol version the record was written to (1 or 2; 0 if it could not be read).
    version: int = 0
    #: Question and option ids -> their text (English, else the definition's first
    #: language), so the result can be printed in words beside the ids.
    labels: dict[str, str] = field(default_factory=dict)
    #: Ballots counted by channel (PROTOCOL 11.11): ``online`` (at a polling place
    #: included: the board does not tell them apart), ``paper`` and ``set_aside`` envelopes.
    channels: dict[str, int] = field(default_factory=dict)
    #: The ranked races' mix-net, verified (PROTOCOL 18): one :class:`.mix.RaceMix` per
    #: ranked race, in definition order; empty when the definition has none.
    ranked: list[RaceMix] = field(default_factory=list)


def definition_labels(definition: Mapping[str, Any] | None) -> dict[str, str]:
    """Each question's and option's id -> its text in English, else the first language."""
    if not isinstance(definition, Mapping):
        return {}
    langs = definition.get("languages")
    order = ["en", *(langs if isinstance(langs, list) else [])]

    def text(texts: object) -> str:
        if isinstance(texts, str):
            return texts
        if not isinstance(texts, Mapping):
            return ""
        for lang in [*order, *texts]:
            value = texts.get(lang)
            if isinstance(value, str) and value.strip():
                return " ".join(value.split())
        return ""

    out: dict[str, str] = {}
    for q in definition.get("questions") or []:
        if not isinstance(q, Mapping):
            continue
        if isinstance(q.get("id"), str):
            out[q["id"]] = text(q.get("text"))
        for o in q.get("options") or []:
            if isinstance(o, Mapping) and isinstance(o.get("id"), str):
                out[o["id"]] = text(o.get("text") or o.get("label"))
    return {k: v for k, v in out.items() if v}
