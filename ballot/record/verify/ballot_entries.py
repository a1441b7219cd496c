"""The lifecycle rules of ballots and paper envelopes (PROTOCOL 11.2, 11.11): cast,
challenged and audited ballots with their units, envelopes and hand counts, one method per
kind (named after it).

A part of the board's lifecycle state machine (:mod:`.lifecycle`), kept apart so that
each module stays readable; the state it reads is the machine's.
"""

from __future__ import annotations

from typing import Any

from ballot.election.races import has_races
from ballot.record.chain import is_hash
from ballot.record.verify.paper import PaperLedger
from ballot.record.verify.report import VerificationFailed
from ballot.record.verify.roll import CommittedRoll
from ballot.record.verify.scan import Audit, Ballot, Line, ballot_entry


class BallotEntries:
    """Handlers of ``ballot.*`` and ``paper.*`` entries for the lifecycle state machine."""

    lines: Any  # board lines by seq (the machine's)
    defined: list[int]
    rounds: list[Any]
    roll: CommittedRoll | None
    paper: PaperLedger | None
    ballots: list[Ballot]
    audits: list[Audit]
    challenges: dict[str, int]
    min_size: int | None
    #: The opened definition has a per-unit race: ballots and audits name their unit.
    unit_races: bool

    def _paper_received(self, line: Line, where: str) -> None:
        self._paper.envelope(line, where, self.min_size)

    _paper_set_aside = _paper_received

    def _paper_count(self, line: Line, where: str) -> None:
        definition = (self.lines[self.defined[-1]].payload or {}).get("definition")
        questions = definition.get("questions") if isinstance(definition, dict) else None
        if isinstance(questions, list) and has_races(questions):
            raise VerificationFailed(
                "board lifecycle",
                f"{where}: the definition has a ranked or per-unit race, and such an election "
                "counts no paper ballots (a hand count cannot be split by unit nor mixed with "
                "ranked ballots; PROTOCOL 11.11)",
            )
        self._paper.count(line, where, definition, self.min_size, bool(self.rounds))

    @property
    def _paper(self) -> PaperLedger:
        assert self.roll is not None  # a v1 record was refused these kinds above
        if self.paper is None:
            self.paper = PaperLedger(self.roll)
        return self.paper

    def _ballot_cast(self, line: Line, where: str) -> None:
        # The unit names the ballot's layout (per-unit races) or its pool (subtotals).
        units, roll = self.min_size is not None or self.unit_races, self.roll
        ballot = ballot_entry(line, self.challenges, units, aliases=roll is not None)
        if roll is not None:
            roll.ballot(ballot, where)
        self.ballots.append(ballot)

    _ballot_challenged = _ballot_cast

    def _ballot_audited(self, line: Line, where: str) -> None:
        keys = {"audit", "tracker"} | ({"unit"} if self.unit_races else set())
        if set(line.ballot_keys) != keys:
            raise VerificationFailed(
                "board lifecycle", f"{where}: payload must have {sorted(keys)}"
            )
        if self.unit_races and not isinstance(line.unit, str):
            raise VerificationFailed("board lifecycle", f"{where}: the unit must be text")
        if not isinstance(line.tracker, str) or not is_hash(line.tracker):
            raise VerificationFailed("board lifecycle", f"{where}: tracker must be 64 hex")
        self.audits.append(Audit(line.seq, line.tracker))
