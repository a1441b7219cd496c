"""The board's lifecycle (PROTOCOL 11.2): what may follow what, one entry at a time.

One method per kind that needs more than the general rules of :mod:`ballot.record.kinds`
(what each kind needs before it, which happen once); the whole-board rules run last.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, cast

from ballot.election.races import has_unit_races
from ballot.election.revoting import RevotingError, revoting_of
from ballot.record.kinds import (
    ALIAS_KINDS,
    KNOWN,
    MIX_KINDS,
    NEEDS,
    ONCE,
    PAPER_KINDS,
    PROVEN_KINDS,
    Kind,
    is_note,
)
from ballot.record.units import SubtotalsError, subtotal_min_size
from ballot.record.verify.ballot_entries import BallotEntries
from ballot.record.verify.count_entries import CountEntries
from ballot.record.verify.mix_entries import MixEntries
from ballot.record.verify.paper import PaperLedger
from ballot.record.verify.report import VerificationFailed, failure
from ballot.record.verify.revotes import check_closed_revoting, replaced_by
from ballot.record.verify.roll import CommittedRoll
from ballot.record.verify.scan import (
    Audit,
    Ballot,
    Lifecycle,
    Line,
    Round,
    is_count,
    payload_keys,
    stated_manifest_hash,
    with_units,
)
from ballot.record.verify.times import check_window


class _Lines(Protocol):
    """Board lines by seq: the whole board, or (for a witness) its lifecycle entries."""

    def __getitem__(self, seq: int, /) -> Line: ...


class _Scan(BallotEntries, CountEntries, MixEntries):
    """The lifecycle state machine (PROTOCOL 11.2), one entry at a time."""

    def __init__(self, lines: _Lines, version: int | None = None) -> None:
        self.lines = lines
        #: The record's protocol version; None: each definition says (a v2 definition binds
        #: the board key), as for a board a witness follows while it grows.
        self.version = version
        #: The aliases of a v2 board's committed roll (PROTOCOL 11.8); None for v1.
        self.roll = CommittedRoll() if version is not None and version >= 2 else None
        self.first: dict[str, int] = {}  # kind -> seq of its first entry
        self.defined: list[int] = []
        self.live: int | None = None  # the definition in force; None once withdrawn
        self.withdrawn: int | None = None  # seq of the last withdrawal
        self.ceremony_for: dict[int, int] = {}  # definition seq -> its ceremony's seq
        self.ballots: list[Ballot] = []
        self.audits: list[Audit] = []
        self.challenges: dict[str, int] = {}
        self.decisions: dict[str, str] = {}
        self.decided_at: dict[str, int] = {}
        self.rounds: list[Round] = []
        self.final_result: int | None = None  # seq of the final result, once known
        self.min_size: int | None = None  # subtotals per unit, from the opened definition
        #: The opened definition has a per-unit race: ballots and audits name their unit.
        self.unit_races = False
        self.paper: PaperLedger | None = None  # paper envelopes and hand counts (v2)

    def entry(self, line: Line) -> None:
        fail = failure("board lifecycle")
        kind, seq = line.kind, line.seq
        where = f"board entry {seq} ({kind})"
        if is_note(kind):
            if seq == 0:
                raise fail(f"{where}: a note cannot come first")
            return
        if kind not in KNOWN:
            raise fail(f"{where}: unknown entry kind")
        if kind in (*ALIAS_KINDS, *PAPER_KINDS) and self.roll is None:
            raise fail(
                f"{where}: a protocol-v2 entry on a v1 board (its definition binds no board key)"
            )
        if seq == 0 and kind != Kind.DEFINED:
            raise fail(f"board entry 0 must be '{Kind.DEFINED}', not '{kind}'")
        if kind in ONCE and kind in self.first:
            raise fail(f"{where}: a second '{kind}' entry (the first is {self.first[kind]})")
        certified = self.first.get(Kind.CERTIFIED)
        if certified is not None:
            raise fail(
                f"{where}: only notes may follow the certification (board entry {certified})"
            )
        for before in NEEDS.get(cast(Kind, kind), ()):  # a known kind (checked above)
            if before not in self.first:
                raise fail(f"{where}: comes before any '{before}' entry")
        if kind in PROVEN_KINDS and Kind.CLOSED in self.first:
            raise fail(f"{where}: a ballot after the election closed")
        if kind in ALIAS_KINDS and Kind.CLOSED in self.first:
            raise fail(f"{where}: a change to the roll or a link after the election closed")
        if kind in (Kind.DEFINED, Kind.WITHDRAWN, Kind.CEREMONY) and Kind.OPENED in self.first:
            raise fail(
                f"{where}: the definition and its key ceremony cannot change once the "
                f"election opened (board entry {self.first[Kind.OPENED]})"
            )
        # Kind-specific rules first: they name the problem better than the general
        # "nothing but the certification after the final result" below.
        handler = getattr(self, "_" + kind.replace(".", "_"), None)
        if (
            kind == Kind.DECIDED
            and self.rounds
            and (self.final_result is not None or self.rounds[-1].number == 2)
        ):
            final = self.rounds[-1]
            raise fail(
                f"{where}: a challenge decided after the final tally was taken (board entry "
                f"{final.tally_seq}, round {final.number}); no later round can count it"
            )
        if kind == Kind.DECIDED and self.rounds and self.rounds[-1].result_seq < 0:
            pending = self.rounds[-1]
            raise fail(
                f"{where}: a challenge decided while the round-{pending.number} tally (board "
                f"entry {pending.tally_seq}) awaits decryption; decide before a tally is "
                "taken or after its result"
            )
        if kind == Kind.TALLY:
            self._tally(line, where)
        elif self.final_result is not None and kind not in (Kind.CERTIFIED, *MIX_KINDS):
            raise fail(
                f"{where}: after the final result (board entry {self.final_result}) only "
                f"'{Kind.CERTIFIED}' and notes may follow"
            )
        elif handler is not None:
            handler(line, where)
        self.first.setdefault(kind, seq)

    # One method per kind that needs more than the general rules; named after the kind.

    def _election_defined(self, line: Line, where: str) -> None:
        fail = failure("board lifecycle")
        p = payload_keys(line, {"definition", "manifest_hash"})
        if self.live is not None:
            raise fail(
                f"{where}: a second '{Kind.DEFINED}' while the definition of board entry "
                f"{self.live} is in force (it must be withdrawn first)"
            )
        if stated_manifest_hash(p["definition"]) != p["manifest_hash"]:
            raise fail(f"{where}: its manifest_hash is not the hash of its definition")
        self.defined.append(line.seq)
        self.live = line.seq
        if self.version is None:  # a growing board: its definition says (PROTOCOL 5.1)
            definition = p["definition"]
            bound = isinstance(definition, dict) and "board_key" in definition
            self.roll = CommittedRoll() if bound else None

    def _election_withdrawn(self, line: Line, where: str) -> None:
        fail = failure("board lifecycle")
        p = payload_keys(line, {"manifest_hash", "reason"})
        if self.live is None:
            raise fail(
                f"{where}: nothing to withdraw (the definition of board entry "
                f"{self.defined[-1]} was already withdrawn at entry {self.withdrawn})"
            )
        defined = self.lines[self.live].payload
        assert defined is not None
        if p["manifest_hash"] != defined["manifest_hash"]:
            raise fail(
                f"{where}: withdraws manifest hash {p['manifest_hash']!r}, but the definition "
                f"in force (board entry {self.live}) has {defined['manifest_hash']!r}"
            )
        if not isinstance(p["reason"], str):
            raise fail(f"{where}: the reason must be text")
        self.live, self.withdrawn = None, line.seq

    def _ceremony_completed(self, line: Line, where: str) -> None:
        fail = failure("board lifecycle")
        payload_keys(line, {"transcript", "fingerprint"})
        if self.live is None:
            raise fail(
                f"{where}: comes after the definition was withdrawn (board entry "
                f"{self.withdrawn}); a key ceremony needs a definition in force"
            )
        if self.live in self.ceremony_for:
            raise fail(
                f"{where}: a second '{Kind.CEREMONY}' for the definition of board entry "
                f"{self.live} (the first is {self.ceremony_for[self.live]})"
            )
        self.ceremony_for[self.live] = line.seq

    def _roll_frozen(self, line: Line, where: str) -> None:
        if self.roll is not None:
            self.roll.frozen(line, where)
            return
        p = payload_keys(line, {"eligible"})
        if not is_count(p["eligible"]):
            raise VerificationFailed(
                "board lifecycle", f"{where}: 'eligible' must be a non-negative integer"
            )

    def _election_opened(self, line: Line, where: str) -> None:
        fail = failure("board lifecycle")
        payload_keys(line, set())
        if self.live is None:
            raise fail(
                f"{where}: the election opens while its definition is withdrawn (board entry "
                f"{self.withdrawn})"
            )
        if self.live not in self.ceremony_for:
            raise fail(
                f"{where}: no '{Kind.CEREMONY}' after the definition in force (board entry "
                f"{self.live}); an earlier ceremony was for a withdrawn definition"
            )
        definition = (self.lines[self.live].payload or {}).get("definition")
        try:
            self.min_size = subtotal_min_size(definition) if isinstance(definition, dict) else None
            again = revoting_of(definition) if isinstance(definition, dict) else False
        except (SubtotalsError, RevotingError) as exc:
            raise fail(f"{where}: the definition in force: {exc}") from exc
        if self.roll is not None:
            self.roll.revoting = again
        questions = definition.get("questions") if isinstance(definition, dict) else None
        self.unit_races = has_unit_races(questions if isinstance(questions, list) else [])

    def _roll_added(self, line: Line, where: str) -> None:
        assert self.roll is not None  # a v1 record was refused this kind above
        self.roll.event(line, where)

    _link_reissued = _link_revoked = _roll_added

    def _election_closed(self, line: Line, where: str) -> None:
        if self.roll is not None and self.roll.revoting:
            check_closed_revoting(line, where, self.ballots, self.roll.replaced)
            return
        p = payload_keys(line, {"cast", "challenged"})
        cast = sum(1 for b in self.ballots if b.kind == Kind.CAST)
        if p["cast"] != cast or p["challenged"] != len(self.challenges):
            raise VerificationFailed(
                "board lifecycle",
                f"{where}: says {p['cast']} cast and {p['challenged']} challenged ballots, "
                f"the board holds {cast} cast and {len(self.challenges)} challenged",
            )

    def _tally(self, line: Line, where: str) -> None:
        fail = failure("board lifecycle")
        p = payload_keys(line, with_units({"round", "tally", "counted"}, self.min_size))
        number = p["round"]
        if type(number) is not int or number not in (1, 2):
            raise fail(f"{where}: 'round' must be 1 or 2")
        if number == 1 and self.rounds:
            raise fail(f"{where}: a second round-1 tally (the first is {self.rounds[0].tally_seq})")
        if number == 2:
            if not self.rounds:
                raise fail(f"{where}: a round-2 tally without a round-1 tally")
            if len(self.rounds) == 2:
                raise fail(
                    f"{where}: a second round-2 tally (the first is {self.rounds[1].tally_seq}); "
                    "there are at most two rounds"
                )
            first = self.rounds[0]
            if first.result_seq < 0:
                raise fail(f"{where}: round 2's tally comes before round 1's result")
            said = (self.lines[first.result_seq].payload or {}).get("result")
            if not isinstance(said, dict) or said.get("determinative") is not True:
                raise fail(
                    f"{where}: a second round, but round 1's result (board entry "
                    f"{first.result_seq}) does not say the challenges are determinative"
                )
            undecided = sorted(set(self.challenges) - set(self.decisions))
            if undecided:
                raise fail(
                    f"{where}: round 2's tally is taken while challenge {undecided[0]!r} is "
                    "undecided; every challenge must be decided before round 2"
                )
        elif self.final_result is not None:  # pragma: no cover - a round-1 tally is first
            raise fail(f"{where}: a tally after the final result")
        elif self.roll is not None:
            self._paper.before_tally(where)
        self.rounds.append(Round(number, line.seq, dict(self.decisions)))

    def finish(self) -> Lifecycle:
        """The rules that need the whole board."""
        fail = failure("board lifecycle")
        lines = self.lines
        for kind in (Kind.CEREMONY, Kind.ROLL, Kind.OPENED, Kind.CLOSED, Kind.TALLY, Kind.RESULT):
            if kind not in self.first:
                raise fail(f"the board has no '{kind}' entry")
        final = self.rounds[-1]
        if final.result_seq < 0:
            raise fail(
                f"the board has no '{Kind.RESULT}' for round {final.number} (its tally is "
                f"board entry {final.tally_seq})"
            )
        late = sorted((s, c) for c, s in self.decided_at.items() if s > final.tally_seq)
        if late:
            raise fail(
                f"board entry {late[0][0]} ({Kind.DECIDED}): challenge {late[0][1]!r} decided "
                f"after the final tally was taken (board entry {final.tally_seq}, round "
                f"{final.number}); no later round counts it"
            )
        certified = self.first.get(Kind.CERTIFIED)
        if certified is not None:
            p = lines[certified].payload
            assert p is not None
            where = f"board entry {certified} ({Kind.CERTIFIED})"
            if p["round"] != final.number:
                raise fail(
                    f"{where}: certifies round {p['round']!r}, but the final round is "
                    f"{final.number}"
                )
            if p["result_hash"] != lines[final.result_seq].hash:
                raise fail(
                    f"{where}: its result_hash is not the hash of the final result (board "
                    f"entry {final.result_seq}): it certifies another result"
                )
        roll = lines[self.first[Kind.ROLL]].payload
        assert roll is not None
        eligible = roll["eligible"] if self.roll is None else self.roll.eligible
        replaced = replaced_by(self.roll)
        total = len(self.ballots) - len(replaced)
        if total > eligible:
            raise fail(f"the board holds {total} ballots but only {eligible} members are eligible")
        defined = self.defined[-1]
        return Lifecycle(
            eligible=eligible,
            defined_seq=defined,
            ceremony_seq=self.ceremony_for[defined],
            ballots=self.ballots,
            audits=self.audits,
            challenges=self.challenges,
            decisions=self.decisions,
            rounds=self.rounds,
            certified_seq=certified,
            min_size=self.min_size,
            replaced=replaced,
            paper=self.paper,
            mix=self.mix_ledger(),
        )


class LifecycleSoFar:
    """The lifecycle checks of a board that is still growing, one entry at a time.

    What ``ballot observe`` runs as entries arrive, and what :func:`check_lifecycle`
    runs over a whole record, so both apply the same rules.  Only lifecycle entries are
    kept (ballot entries are counted, their lines dropped): a witness follows a board of
    any size.
    """

    def __init__(self, version: int | None = None) -> None:
        self._kept: dict[int, Line] = {}
        self._scan = _Scan(self._kept, version)
        self._previous_at = ""

    def add(self, line: Line) -> None:
        """Check one more entry (the next in board order); raises VerificationFailed."""
        if line.at < self._previous_at:
            raise VerificationFailed(
                "board lifecycle",
                f"board entry {line.seq} ({line.kind}): its time {line.at} is before the "
                "previous entry's",
            )
        self._previous_at = line.at
        if line.kind not in PROVEN_KINDS:
            self._kept[line.seq] = line
        self._scan.entry(line)

    @property
    def certified(self) -> bool:
        """Whether the board holds the certification (nothing but notes may follow)."""
        return Kind.CERTIFIED in self._scan.first

    def line(self, seq: int) -> Line | None:
        """A lifecycle entry already added (None for a ballot entry or an unseen seq)."""
        return self._kept.get(seq)

    def finish(self) -> Lifecycle:
        """The rules that need the whole board (at its end: after the final result)."""
        return self._scan.finish()


def check_lifecycle(lines: Sequence[Line], version: int | None = None) -> Lifecycle:
    """Check what may follow what (PROTOCOL 11.2), and sort entries by role; a v2 board's
    roll and aliases too (PROTOCOL 11.8); first, that every ballot is timed within the
    voting window (PROTOCOL 11.9).  ``version``: the record's (None: each definition's)."""
    check_window(lines)
    scan = LifecycleSoFar(version)
    for line in lines:
        scan.add(line)
    return scan.finish()
