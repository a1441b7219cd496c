"""The standalone verifier: check a whole election record from its file alone.

``verify_record(path)`` needs no server and no database: an observer, a
candidate or a labour board downloads the record and runs this.  It checks,
in this order, and reports the FIRST failure in words that name it:

1. the record's members against the SHA-256 sums in its index;
2. the board's hash chain (numbering, links, entry hashes);
3. the server's signed heads, and that the final head is the last entry;
4. the election definition in force (the last ``election.defined``; earlier ones
   were withdrawn), its manifest hash and the election fingerprint;
5. the key-ceremony transcript bound to that definition, and the joint key it yields;
6. the board's lifecycle (what may follow what: withdrawals, rounds, certification;
   counts in the closing entry);
7. every cast and challenged ballot: structure, proofs, election fingerprint,
   tracker = SHA-256 of its JSON; every audited ballot's opening (in parallel over
   all cores);
8. no duplicate tracker and no reused ciphertext (no replayed ballot), and no
   ciphertext of an audited ballot in a cast or challenged one;
9. each round's encrypted tally is the homomorphic sum of exactly the ballots it
   counts (cast, plus challenged ones overruled before that tally; never sustained
   or undecided ones, never audited ones); with subtotals per unit, the pools the rule
   of :mod:`ballot.record.units` gives and each pool's sum (PROTOCOL 10.5);
10. every trustee's partial decryption proof, per round (and per unit pool);
11. the combination gives each round's published counts, and the counts are possible;
12. the outcome and the "challenges determinative" flag follow from the rule;
13. the convenience copies (tally.json, partials.json, result.json) equal the final
    round's board entries.

Ordering matters because a later check means little once an earlier one
fails: a proof cannot be trusted on a board whose chain is broken.  The work,
however, overlaps: ballot proofs run in worker processes while the main
process checks the chain, so the whole run costs about the ballot proofs
divided by the number of cores.

Workers receive chunks of raw board lines (bytes) and parse them themselves:
sending parsed objects would cost more in pickling than the parsing does.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from ballot.crypto.ballots import (
    AuditedBallot,
    BallotError,
    EncryptedBallot,
    check_audit,
    layout,
    tracker,
    tracker_display,
    verify_ballot,
)
from ballot.crypto.ceremony import CeremonyError, CeremonyResult, verify_transcript
from ballot.crypto.elgamal import Ciphertext
from ballot.crypto.group import IDENTITY, Element
from ballot.crypto.manifest import (
    ElectionManifest,
    ManifestError,
    election_fingerprint,
    manifest_hash,
)
from ballot.crypto.tally import EncryptedTally, OptionCounts, TallyError, counts_from_slots
from ballot.crypto.threshold import (
    BadPartialDecryption,
    PartialDecryption,
    ThresholdError,
    combine_tally,
    verify_partials,
)
from ballot.election import result as result_rule
from ballot.election.outcome import OutcomeRule, RuleError
from ballot.election.result import challenges_determinative, decide_outcome, unit_results
from ballot.record.chain import ChainError, body_hash, check_at, is_hash, verify_links
from ballot.record.election_record import (
    KIND_AUDITED,
    KIND_CAST,
    KIND_CEREMONY,
    KIND_CERTIFIED,
    KIND_CHALLENGED,
    KIND_CLOSED,
    KIND_DECIDED,
    KIND_DEFINED,
    KIND_OPENED,
    KIND_PARTIAL,
    KIND_RESULT,
    KIND_ROLL,
    KIND_TALLY,
    KIND_WITHDRAWN,
    NOTE_PREFIX,
    ElectionRecord,
    RecordFormatError,
    parse_json,
    read_record,
    slot_label,
)
from ballot.record.signing import SignatureError, SignedHead, verify_head_sequence
from ballot.record.units import (
    SubtotalsError,
    pool_order,
    pool_units,
    subtotal_min_size,
    unit_labelled,
    unit_slot_label,
)

__all__ = [
    "Progress",
    "TrackerFinding",
    "VerificationFailed",
    "VerificationReport",
    "challenges_determinative",
    "decide_outcome",
    "expected_result",
    "main",
    "outcome_rule",
    "unit_results",
    "verify_record",
]

#: progress(step, done, total): called as work advances (total 0 = indeterminate).
Progress = Callable[[str, int, int], None]

#: Ballots per worker task: big enough that pickling is negligible, small enough
#: that both cores stay busy to the end and progress moves smoothly.
CHUNK: Final = 400
#: Below this many ballots a process pool costs more than it saves.
POOL_THRESHOLD: Final = 200

BALLOT_KINDS: Final = (KIND_CAST, KIND_CHALLENGED)
#: Entries the workers check (and hash): ballots, and audited ballots with their openings.
WORKER_KINDS: Final = (KIND_CAST, KIND_CHALLENGED, KIND_AUDITED)
DECISIONS: Final = ("sustained", "overruled")

STEPS: Final = (
    "record members",
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


def _failure(step: str) -> Callable[[str], VerificationFailed]:
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


# --------------------------------------------------------------------------- board scan


@dataclass(slots=True)
class _Line:
    """One board line, lightly parsed: what the chain and the lifecycle need.

    The payload of a ballot entry is not kept (a big election has a great many);
    :meth:`body` re-parses the line when the chain needs the full content.
    """

    seq: int
    kind: str
    at: str
    prev: str
    hash: str
    raw: bytes
    payload: dict[str, Any] | None
    ballot_keys: tuple[str, ...] = ()  # payload keys of a worker entry (payload not kept)
    tracker: object = None
    challenge: object = None
    unit: object = None  # a ballot's unit label, if the definition asks for subtotals

    def body(self) -> dict[str, Any]:
        data = json.loads(self.raw)
        del data["hash"]
        return data  # type: ignore[no-any-return]


def _valid_at(at: str) -> bool:
    try:
        check_at(at)
    except ValueError:
        return False
    return True


_ENTRY_KEYS: Final = {"seq", "kind", "at", "payload", "prev", "hash"}


def _scan(lines: Sequence[bytes]) -> list[_Line]:
    """Parse every line's envelope; keep payloads of all but ballot entries."""
    out: list[_Line] = []
    for i, raw in enumerate(lines):
        where = f"board entry {i} (line {i + 1})"
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise VerificationFailed("board chain", f"{where} is not valid JSON: {exc}") from exc
        if not isinstance(data, dict) or set(data) != _ENTRY_KEYS:
            raise VerificationFailed(
                "board chain", f"{where} must be an object with exactly {sorted(_ENTRY_KEYS)}"
            )
        seq, kind, at, payload = data["seq"], data["kind"], data["at"], data["payload"]
        if type(seq) is not int or not isinstance(kind, str) or not isinstance(payload, dict):
            raise VerificationFailed("board chain", f"{where}: malformed seq, kind or payload")
        if not isinstance(at, str) or (kind not in WORKER_KINDS and not _valid_at(at)):
            raise VerificationFailed("board chain", f"{where}: malformed time {at!r}")
        if not is_hash(data["prev"]) or not is_hash(data["hash"]):
            raise VerificationFailed("board chain", f"{where}: prev and hash must be 64 hex")
        line = _Line(seq, kind, at, data["prev"], data["hash"], raw, None)
        if kind in WORKER_KINDS:
            line.ballot_keys = tuple(sorted(payload))
            line.tracker, line.challenge = payload.get("tracker"), payload.get("challenge")
            line.unit = payload.get("unit")
        else:
            line.payload = parse_json(raw, where)["payload"]  # strict: no duplicate keys
        out.append(line)
    return out


@dataclass
class _Ballot:
    seq: int
    kind: str
    tracker: str
    challenge: str | None
    unit: str = ""


@dataclass
class _Audit:
    """A ``ballot.audited`` entry: checked in the workers, never counted."""

    seq: int
    tracker: str


@dataclass
class _Round:
    """One count: its tally, partial decryptions and result, and the committee's
    decisions as they stood when its tally was taken (they decide what it counts)."""

    number: int
    tally_seq: int
    decisions: dict[str, str]  # challenge id -> sustained | overruled, before the tally
    partial_seqs: list[int] = field(default_factory=list)
    result_seq: int = -1  # -1 until its tally.result


@dataclass
class _Lifecycle:
    """The board's entries sorted by role, after the lifecycle checks."""

    eligible: int
    defined_seq: int  # the last election.defined: the definition in force
    ceremony_seq: int  # the ceremony.completed bound to it
    ballots: list[_Ballot]
    audits: list[_Audit]
    challenges: dict[str, int]  # challenge id -> seq of its ballot.challenged
    decisions: dict[str, str]  # challenge id -> sustained | overruled (every decision)
    rounds: list[_Round]  # one or two; the last is the final result
    certified_seq: int | None = None
    min_size: int | None = None  # subtotals per unit: the minimum pool size

    @property
    def final(self) -> _Round:
        return self.rounds[-1]

    def counted(self, ballot: _Ballot, count: _Round | None = None) -> bool:
        """Whether ``ballot`` is in the tally of ``count`` (default: the final round)."""
        if ballot.kind == KIND_CAST:
            return True
        decisions = (count or self.final).decisions
        return ballot.challenge is not None and decisions.get(ballot.challenge) == "overruled"


def _payload_keys(line: _Line, keys: set[str]) -> dict[str, Any]:
    payload = line.payload
    assert payload is not None
    if set(payload) != keys:
        raise VerificationFailed(
            "board lifecycle",
            f"board entry {line.seq} ({line.kind}): payload must have exactly {sorted(keys)}",
        )
    return payload


def _count(value: object) -> bool:
    return type(value) is int and value >= 0


def _stated_manifest_hash(definition: object) -> str | None:
    """The manifest hash of a definition on the board, None if it has none (not an
    object, or not canonical JSON)."""
    if not isinstance(definition, dict):
        return None
    try:
        return manifest_hash(definition).hex()
    except (ManifestError, ValueError, TypeError):
        return None


#: What must already be on the board before an entry of each kind.
_NEEDS: Final = {
    KIND_WITHDRAWN: (KIND_DEFINED,),
    KIND_CEREMONY: (KIND_DEFINED,),
    KIND_ROLL: (KIND_DEFINED,),
    KIND_OPENED: (KIND_CEREMONY, KIND_ROLL),
    KIND_CAST: (KIND_OPENED,),
    KIND_CHALLENGED: (KIND_OPENED,),
    KIND_AUDITED: (KIND_OPENED,),
    KIND_CLOSED: (KIND_OPENED,),
    KIND_DECIDED: (KIND_CLOSED,),
    KIND_TALLY: (KIND_CLOSED,),
    KIND_PARTIAL: (KIND_TALLY,),
    KIND_RESULT: (KIND_TALLY,),
    KIND_CERTIFIED: (KIND_RESULT,),
}
_ONCE: Final = frozenset({KIND_ROLL, KIND_OPENED, KIND_CLOSED, KIND_CERTIFIED})
_KNOWN: Final = frozenset(_NEEDS) | {KIND_DEFINED}


class _Scan:
    """The lifecycle state machine (PROTOCOL 11.2), one entry at a time."""

    def __init__(self, lines: Sequence[_Line]) -> None:
        self.lines = lines
        self.first: dict[str, int] = {}  # kind -> seq of its first entry
        self.defined: list[int] = []
        self.live: int | None = None  # the definition in force; None once withdrawn
        self.withdrawn: int | None = None  # seq of the last withdrawal
        self.ceremony_for: dict[int, int] = {}  # definition seq -> its ceremony's seq
        self.ballots: list[_Ballot] = []
        self.audits: list[_Audit] = []
        self.challenges: dict[str, int] = {}
        self.decisions: dict[str, str] = {}
        self.decided_at: dict[str, int] = {}
        self.rounds: list[_Round] = []
        self.final_result: int | None = None  # seq of the final result, once known
        self.min_size: int | None = None  # subtotals per unit, from the opened definition

    def entry(self, line: _Line) -> None:
        fail = _failure("board lifecycle")
        kind, seq = line.kind, line.seq
        where = f"board entry {seq} ({kind})"
        if kind.startswith(NOTE_PREFIX):
            if seq == 0:
                raise fail(f"{where}: a note cannot come first")
            return
        if kind not in _KNOWN:
            raise fail(f"{where}: unknown entry kind")
        if seq == 0 and kind != KIND_DEFINED:
            raise fail(f"board entry 0 must be '{KIND_DEFINED}', not '{kind}'")
        if kind in _ONCE and kind in self.first:
            raise fail(f"{where}: a second '{kind}' entry (the first is {self.first[kind]})")
        certified = self.first.get(KIND_CERTIFIED)
        if certified is not None:
            raise fail(
                f"{where}: only notes may follow the certification (board entry {certified})"
            )
        for before in _NEEDS.get(kind, ()):
            if before not in self.first:
                raise fail(f"{where}: comes before any '{before}' entry")
        if kind in (KIND_CAST, KIND_CHALLENGED, KIND_AUDITED) and KIND_CLOSED in self.first:
            raise fail(f"{where}: a ballot after the election closed")
        if kind in (KIND_DEFINED, KIND_WITHDRAWN, KIND_CEREMONY) and KIND_OPENED in self.first:
            raise fail(
                f"{where}: the definition and its key ceremony cannot change once the "
                f"election opened (board entry {self.first[KIND_OPENED]})"
            )
        # Kind-specific rules first: they name the problem better than the general
        # "nothing but the certification after the final result" below.
        handler = getattr(self, "_" + kind.replace(".", "_"), None)
        if (
            kind == KIND_DECIDED
            and self.rounds
            and (self.final_result is not None or self.rounds[-1].number == 2)
        ):
            final = self.rounds[-1]
            raise fail(
                f"{where}: a challenge decided after the final tally was taken (board entry "
                f"{final.tally_seq}, round {final.number}); no later round can count it"
            )
        if kind == KIND_DECIDED and self.rounds and self.rounds[-1].result_seq < 0:
            pending = self.rounds[-1]
            raise fail(
                f"{where}: a challenge decided while the round-{pending.number} tally (board "
                f"entry {pending.tally_seq}) awaits decryption; decide before a tally is "
                "taken or after its result"
            )
        if kind == KIND_TALLY:
            self._tally(line, where)
        elif self.final_result is not None and kind != KIND_CERTIFIED:
            raise fail(
                f"{where}: after the final result (board entry {self.final_result}) only "
                f"'{KIND_CERTIFIED}' and notes may follow"
            )
        elif handler is not None:
            handler(line, where)
        self.first.setdefault(kind, seq)

    # One method per kind that needs more than the general rules; named after the kind.

    def _election_defined(self, line: _Line, where: str) -> None:
        fail = _failure("board lifecycle")
        p = _payload_keys(line, {"definition", "manifest_hash"})
        if self.live is not None:
            raise fail(
                f"{where}: a second '{KIND_DEFINED}' while the definition of board entry "
                f"{self.live} is in force (it must be withdrawn first)"
            )
        if _stated_manifest_hash(p["definition"]) != p["manifest_hash"]:
            raise fail(f"{where}: its manifest_hash is not the hash of its definition")
        self.defined.append(line.seq)
        self.live = line.seq

    def _election_withdrawn(self, line: _Line, where: str) -> None:
        fail = _failure("board lifecycle")
        p = _payload_keys(line, {"manifest_hash", "reason"})
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

    def _ceremony_completed(self, line: _Line, where: str) -> None:
        fail = _failure("board lifecycle")
        _payload_keys(line, {"transcript", "fingerprint"})
        if self.live is None:
            raise fail(
                f"{where}: comes after the definition was withdrawn (board entry "
                f"{self.withdrawn}); a key ceremony needs a definition in force"
            )
        if self.live in self.ceremony_for:
            raise fail(
                f"{where}: a second '{KIND_CEREMONY}' for the definition of board entry "
                f"{self.live} (the first is {self.ceremony_for[self.live]})"
            )
        self.ceremony_for[self.live] = line.seq

    def _roll_frozen(self, line: _Line, where: str) -> None:
        p = _payload_keys(line, {"eligible"})
        if not _count(p["eligible"]):
            raise VerificationFailed(
                "board lifecycle", f"{where}: 'eligible' must be a non-negative integer"
            )

    def _election_opened(self, line: _Line, where: str) -> None:
        fail = _failure("board lifecycle")
        if self.live is None:
            raise fail(
                f"{where}: the election opens while its definition is withdrawn (board entry "
                f"{self.withdrawn})"
            )
        if self.live not in self.ceremony_for:
            raise fail(
                f"{where}: no '{KIND_CEREMONY}' after the definition in force (board entry "
                f"{self.live}); an earlier ceremony was for a withdrawn definition"
            )
        definition = (self.lines[self.live].payload or {}).get("definition")
        try:
            self.min_size = subtotal_min_size(definition) if isinstance(definition, dict) else None
        except SubtotalsError as exc:
            raise fail(f"{where}: the definition in force: {exc}") from exc

    def _ballot_cast(self, line: _Line, where: str) -> None:
        self.ballots.append(_ballot_entry(line, self.challenges, self.min_size is not None))

    _ballot_challenged = _ballot_cast

    def _ballot_audited(self, line: _Line, where: str) -> None:
        if set(line.ballot_keys) != {"audit", "tracker"}:
            raise VerificationFailed(
                "board lifecycle", f"{where}: payload must have ['audit', 'tracker']"
            )
        if not isinstance(line.tracker, str) or not is_hash(line.tracker):
            raise VerificationFailed("board lifecycle", f"{where}: tracker must be 64 hex")
        self.audits.append(_Audit(line.seq, line.tracker))

    def _election_closed(self, line: _Line, where: str) -> None:
        p = _payload_keys(line, {"cast", "challenged"})
        cast = sum(1 for b in self.ballots if b.kind == KIND_CAST)
        if p["cast"] != cast or p["challenged"] != len(self.challenges):
            raise VerificationFailed(
                "board lifecycle",
                f"{where}: says {p['cast']} cast and {p['challenged']} challenged ballots, "
                f"the board holds {cast} cast and {len(self.challenges)} challenged",
            )

    def _challenge_decided(self, line: _Line, where: str) -> None:
        fail = _failure("board lifecycle")
        p = _payload_keys(line, {"challenge", "decision", "reason"})
        cid = p["challenge"]
        if not isinstance(cid, str) or cid not in self.challenges:
            raise fail(f"{where}: decides challenge {cid!r}, which is not on the board")
        if cid in self.decisions:
            raise fail(f"{where}: challenge {cid!r} is decided twice")
        if p["decision"] not in DECISIONS or not isinstance(p["reason"], str):
            raise fail(f"{where}: decision must be 'sustained' or 'overruled', with a reason")
        self.decisions[cid] = p["decision"]
        self.decided_at[cid] = line.seq

    def _tally(self, line: _Line, where: str) -> None:
        fail = _failure("board lifecycle")
        p = _payload_keys(line, _with_units({"round", "tally", "counted"}, self.min_size))
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
        self.rounds.append(_Round(number, line.seq, dict(self.decisions)))

    def _tally_partial(self, line: _Line, where: str) -> None:
        fail = _failure("board lifecycle")
        p = _payload_keys(line, _with_units({"round", "trustee", "partials"}, self.min_size))
        current = self.rounds[-1]
        if current.result_seq >= 0:
            raise fail(f"{where}: a partial decryption after the result")
        if p["round"] != current.number:
            raise fail(
                f"{where}: a partial decryption for round {p['round']!r}, but the tally "
                f"awaiting decryption is round {current.number} (board entry {current.tally_seq})"
            )
        current.partial_seqs.append(line.seq)

    def _tally_result(self, line: _Line, where: str) -> None:
        fail = _failure("board lifecycle")
        p = _payload_keys(line, {"round", "result"})
        current = self.rounds[-1]
        if current.result_seq >= 0:
            raise fail(
                f"{where}: a second result for round {current.number} (the first is "
                f"{current.result_seq})"
            )
        if p["round"] != current.number:
            raise fail(
                f"{where}: says round {p['round']!r}, but the tally it decrypts is round "
                f"{current.number} (board entry {current.tally_seq})"
            )
        current.result_seq = line.seq
        result = p["result"]
        determinative = isinstance(result, dict) and result.get("determinative") is True
        if current.number == 2 or not determinative:
            self.final_result = line.seq

    def _result_certified(self, line: _Line, where: str) -> None:
        p = _payload_keys(line, {"round", "result_hash", "reason"})
        if not isinstance(p["reason"], str):
            raise VerificationFailed("board lifecycle", f"{where}: the reason must be text")

    def finish(self) -> _Lifecycle:
        """The rules that need the whole board."""
        fail = _failure("board lifecycle")
        lines = self.lines
        for kind in (KIND_CEREMONY, KIND_ROLL, KIND_OPENED, KIND_CLOSED, KIND_TALLY, KIND_RESULT):
            if kind not in self.first:
                raise fail(f"the board has no '{kind}' entry")
        final = self.rounds[-1]
        if final.result_seq < 0:
            raise fail(
                f"the board has no '{KIND_RESULT}' for round {final.number} (its tally is "
                f"board entry {final.tally_seq})"
            )
        late = sorted((s, c) for c, s in self.decided_at.items() if s > final.tally_seq)
        if late:
            raise fail(
                f"board entry {late[0][0]} ({KIND_DECIDED}): challenge {late[0][1]!r} decided "
                f"after the final tally was taken (board entry {final.tally_seq}, round "
                f"{final.number}); no later round counts it"
            )
        certified = self.first.get(KIND_CERTIFIED)
        if certified is not None:
            p = lines[certified].payload
            assert p is not None
            where = f"board entry {certified} ({KIND_CERTIFIED})"
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
        roll = lines[self.first[KIND_ROLL]].payload
        assert roll is not None
        eligible = roll["eligible"]
        total = len(self.ballots)
        if total > eligible:
            raise fail(f"the board holds {total} ballots but only {eligible} members are eligible")
        defined = self.defined[-1]
        return _Lifecycle(
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
        )


def _lifecycle(lines: Sequence[_Line]) -> _Lifecycle:
    """Check what may follow what (PROTOCOL 11.2), and sort entries by role."""
    scan = _Scan(lines)
    previous_at = ""
    for line in lines:
        if line.at < previous_at:
            raise VerificationFailed(
                "board lifecycle",
                f"board entry {line.seq} ({line.kind}): its time {line.at} is before the "
                "previous entry's",
            )
        previous_at = line.at
        scan.entry(line)
    return scan.finish()


def _with_units(keys: set[str], min_size: int | None) -> set[str]:
    """Payload keys of a ballot or tally entry: plus ``unit(s)`` iff subtotals are asked."""
    if min_size is None:
        return keys
    return keys | ({"units"} if "ballot" not in keys else {"unit"})


def _ballot_entry(line: _Line, challenges: dict[str, int], units: bool = False) -> _Ballot:
    where = f"board entry {line.seq} ({line.kind})"
    keys = {"ballot", "tracker"} | ({"challenge"} if line.kind == KIND_CHALLENGED else set())
    keys = _with_units(keys, 0 if units else None)
    if set(line.ballot_keys) != keys:
        raise VerificationFailed("board lifecycle", f"{where}: payload must have {sorted(keys)}")
    if units and not isinstance(line.unit, str):
        raise VerificationFailed("board lifecycle", f"{where}: the unit must be text")
    cid = line.challenge
    if line.kind == KIND_CHALLENGED:
        if not isinstance(cid, str) or not cid:
            raise VerificationFailed("board lifecycle", f"{where}: the challenge id is missing")
        if cid in challenges:
            raise VerificationFailed(
                "board lifecycle", f"{where}: challenge id {cid!r} is used twice"
            )
        challenges[cid] = line.seq
    track = line.tracker
    if not isinstance(track, str) or not is_hash(track):
        raise VerificationFailed("board lifecycle", f"{where}: tracker must be 64 hex")
    unit = line.unit if isinstance(line.unit, str) else ""
    return _Ballot(line.seq, line.kind, track, cid if isinstance(cid, str) else None, unit)


# --------------------------------------------------------------------------- ballot workers

_W: dict[str, Any] = {}


def _init_worker(
    definition_text: str, key_hex: str, fingerprint_hex: str, units: bool = False
) -> None:
    """Each worker parses the manifest and key once; ``units``: sum per unit too."""
    _W["manifest"] = ElectionManifest.from_definition(json.loads(definition_text))
    _W["units"] = units
    _W["key"] = Element.from_hex(key_hex)
    _W["fingerprint"] = bytes.fromhex(fingerprint_hex)


@dataclass
class _ChunkResult:
    errors: list[tuple[int, str]]
    chain_errors: list[tuple[int, str]]
    alphas: list[tuple[int, bytes]]  # seq, concatenated 32-byte alphas
    sums: list[tuple[bytes, bytes]]  # per slot (all questions flat): alpha, beta sums
    counted: int
    excluded: dict[int, list[tuple[bytes, bytes]]]  # seq -> slot ciphertexts
    audit_alphas: list[tuple[int, bytes]] = field(default_factory=list)  # audited ballots
    # subtotals: per unit label, the sums and the number of the round-1 counted ballots
    unit_sums: dict[str, list[tuple[bytes, bytes]]] = field(default_factory=dict)
    unit_counts: dict[str, int] = field(default_factory=dict)


def _compact(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def _plain(raw: bytes) -> bool:
    """ASCII without escapes: then every string is printable ASCII, and for the
    integers, strings, nulls, lists and objects of a strictly parsed ballot entry
    sorted compact ``json.dumps`` is byte for byte RFC 8785 (same key order, same
    string and integer spelling).  About 5x faster than the general encoder."""
    return raw.isascii() and b"\\" not in raw


def _entry_hash(entry: dict[str, Any], fast: bool) -> str:
    body = {k: v for k, v in entry.items() if k != "hash"}
    if fast:
        return hashlib.sha256(_compact(body)).hexdigest()
    return body_hash(body)


def _check_audit_entry(seq: int, entry: dict[str, Any], out: _ChunkResult) -> None:
    """One ``ballot.audited`` entry: its chain hash, its opening (PROTOCOL 9.3), its tracker.

    Audits are few (a voter's spot check) and cost about two ballots each, so they run
    with the ballots; the general RFC 8785 encoder hashes them (no fast path needed).
    """
    manifest: ElectionManifest = _W["manifest"]
    where = f"board entry {seq} ({KIND_AUDITED})"
    try:
        check_at(entry["at"])
        if _entry_hash(entry, False) != entry["hash"]:
            out.chain_errors.append(
                (seq, f"seq {seq}: its content does not match its hash (the entry was altered)")
            )
    except ValueError as exc:
        out.chain_errors.append((seq, f"seq {seq}: {exc}"))
    payload = entry["payload"]
    try:
        audited = AuditedBallot.from_json(payload.get("audit"))
        check_audit(manifest, _W["key"], _W["fingerprint"], audited)
        stated = tracker(audited.ballot)
    except BallotError as exc:
        out.errors.append((seq, f"{where}: the audit does not check out: {exc}"))
        return
    if stated != payload.get("tracker"):
        out.errors.append((seq, f"{where}: the tracker is not the SHA-256 of the audited ballot"))
        return
    cts = [s.ciphertext for q in audited.ballot.questions for s in q.slots]
    out.audit_alphas.append((seq, b"".join(bytes(ct.alpha) for ct in cts)))


def _check_chunk(items: Sequence[tuple[int, str, bytes, bool]]) -> _ChunkResult:
    """Verify a chunk of worker entries: (seq, kind, raw line, counted in round 1?).

    Also recomputes each entry's chain hash and time stamp here, in parallel,
    so the main process only compares links.
    """
    manifest: ElectionManifest = _W["manifest"]
    key: Element = _W["key"]
    fp: bytes = _W["fingerprint"]
    width = sum(layout(q).slot_count for q in manifest.questions)
    col_a: list[list[Element]] = [[] for _ in range(width)]
    col_b: list[list[Element]] = [[] for _ in range(width)]
    errors: list[tuple[int, str]] = []
    chain_errors: list[tuple[int, str]] = []
    alphas: list[tuple[int, bytes]] = []
    excluded: dict[int, list[tuple[bytes, bytes]]] = {}
    counted = 0
    out = _ChunkResult(errors, chain_errors, alphas, [], 0, excluded)
    by_unit = bool(_W.get("units"))
    unit_cols: dict[str, tuple[list[list[Element]], list[list[Element]]]] = {}
    for seq, kind, raw, included in items:
        where = f"board entry {seq} ({kind})"
        ballot: EncryptedBallot | None = None
        try:
            entry = parse_json(raw, where)
        except RecordFormatError as exc:  # e.g. a duplicate key: two readings of one entry
            chain_errors.append((seq, f"seq {seq}: {exc}"))
            continue
        if kind == KIND_AUDITED:
            _check_audit_entry(seq, entry, out)
            continue
        payload = entry["payload"]
        ballot_json = payload.get("ballot")
        try:
            ballot = EncryptedBallot.from_json(ballot_json)
        except BallotError as exc:
            errors.append((seq, f"{where}: {exc}"))
        fast = (
            ballot is not None
            and _plain(raw)
            and set(payload) <= {"ballot", "tracker", "challenge", "unit"}
            and all(isinstance(payload.get(k, ""), str) for k in ("tracker", "challenge", "unit"))
        )
        try:
            check_at(entry["at"])
            if _entry_hash(entry, fast) != entry["hash"]:
                chain_errors.append(
                    (seq, f"seq {seq}: its content does not match its hash (the entry was altered)")
                )
        except ValueError as exc:  # a bad time, or content that cannot be canonicalised
            chain_errors.append((seq, f"seq {seq}: {exc}"))
        if ballot is None:
            continue
        try:
            verify_ballot(manifest, key, fp, ballot)
            stated = payload["tracker"]
            if hashlib.sha256(_compact(ballot_json)).hexdigest() != stated and (
                tracker(ballot_json) != stated
            ):
                errors.append((seq, f"{where}: the tracker is not the SHA-256 of its ballot"))
                continue
        except BallotError as exc:
            errors.append((seq, f"{where}: {exc}"))
            continue
        cts = [s.ciphertext for q in ballot.questions for s in q.slots]
        alphas.append((seq, b"".join(bytes(ct.alpha) for ct in cts)))
        if included:
            counted += 1
            for k, ct in enumerate(cts):
                col_a[k].append(ct.alpha)
                col_b[k].append(ct.beta)
            if by_unit:
                unit = payload.get("unit")
                unit = unit if isinstance(unit, str) else ""
                ua, ub = unit_cols.setdefault(
                    unit, ([[] for _ in range(width)], [[] for _ in range(width)])
                )
                for k, ct in enumerate(cts):
                    ua[k].append(ct.alpha)
                    ub[k].append(ct.beta)
                out.unit_counts[unit] = out.unit_counts.get(unit, 0) + 1
        else:
            excluded[seq] = [(bytes(ct.alpha), bytes(ct.beta)) for ct in cts]
    out.sums = [
        (bytes(Element.sum(a)), bytes(Element.sum(b))) for a, b in zip(col_a, col_b, strict=True)
    ]
    out.counted = counted
    out.unit_sums = {
        unit: [(bytes(Element.sum(a)), bytes(Element.sum(b))) for a, b in zip(*cols, strict=True)]
        for unit, cols in unit_cols.items()
    }
    return out


def _check_links(lines: Sequence[_Line], hashed_elsewhere: bool) -> list[tuple[int, str]]:
    """Numbering and links of the whole board, from the stated hashes.

    The stated hash of every entry is recomputed too: here for lifecycle entries,
    and in the ballot workers for ballot entries (``hashed_elsewhere``), so that
    the chain costs the main process almost nothing.  Either way the links are
    checked by :func:`ballot.record.chain.verify_links`, so the messages are the same.
    """
    if not hashed_elsewhere:
        try:
            verify_links(lines, lines[-1].hash if lines else None)
        except ChainError as exc:
            return [(-1, str(exc))]
        return []
    stop = len(lines)
    found: list[tuple[int, str]] = []
    try:
        verify_links(lines, hashes=[line.hash for line in lines])
    except ChainError as exc:
        stop = len(lines) if exc.seq is None else exc.seq
        found = [(stop, str(exc))]
    # Only entries before a broken link: at the same seq a broken link is the finding.
    for position, line in enumerate(lines[:stop]):
        if line.kind not in WORKER_KINDS and body_hash(line.body()) != line.hash:
            return [(position, f"seq {position}: its content does not match its hash")]
    return found


# --------------------------------------------------------------------------- the checks


@dataclass
class _Context:
    record: ElectionRecord
    lines: list[_Line]
    definition: dict[str, Any] | None = None
    manifest: ElectionManifest | None = None
    manifest_hash: bytes = b""
    ceremony: CeremonyResult | None = None
    fingerprint: bytes = b""
    min_size: int | None = None  # subtotals per unit: the minimum pool size


def _check_heads(ctx: _Context) -> None:
    """Signed heads: every signature and link, each head on its board entry, and the
    final head on the last entry (so nothing was appended, cut or rewritten after it)."""
    fail = _failure("signed heads")
    lines = ctx.lines
    try:
        raw_key = ctx.record.json("server_key.json")
        raw_heads = ctx.record.json("heads.json")
    except RecordFormatError as exc:
        raise fail(str(exc)) from exc
    if (
        not isinstance(raw_key, dict)
        or set(raw_key) != {"algorithm", "public_key"}
        or raw_key["algorithm"] != "ed25519"
        or not isinstance(raw_key["public_key"], str)
    ):
        raise fail("server_key.json must be {'algorithm': 'ed25519', 'public_key': hex}")
    public = raw_key["public_key"]
    if not isinstance(raw_heads, list) or not raw_heads:
        raise fail("heads.json must be a non-empty list of signed heads")
    try:
        heads = [SignedHead.from_json(h) for h in raw_heads]
        verify_head_sequence(heads, public)
    except SignatureError as exc:
        raise fail(f"signature check failed: {exc}") from exc
    for i, head in enumerate(heads):
        if head.election_id != ctx.record.election_id:
            raise fail(f"signed head {i} is for election {head.election_id!r}")
        if head.seq >= len(lines) or lines[head.seq].hash != head.head_hash:
            raise fail(
                f"signed head {i} signs board entry {head.seq} with another hash than the "
                "board has: the board was rewritten after it was signed"
            )
    last = heads[-1]
    if last.seq != lines[-1].seq:
        raise fail(
            f"the final signed head covers board entry {last.seq}, but the board ends at "
            f"entry {lines[-1].seq}: entries were added after the last signature"
        )
    if ctx.record.index["board_head"] != lines[-1].hash:
        raise fail("record.json's board_head is not the hash of the last board entry")


def _check_definition(ctx: _Context) -> None:
    fail = _failure("definition")
    index = ctx.record.index
    definition = ctx.record.json("definition.json")
    try:
        mh = manifest_hash(definition)
        manifest = ElectionManifest.from_definition(definition)
    except ManifestError as exc:
        raise fail(f"the election definition is invalid: {exc}") from exc
    if mh.hex() != index["manifest_hash"]:
        raise fail("definition.json does not hash to the manifest hash in record.json")
    if manifest.election_id != index["election_id"]:
        raise fail("record.json names another election than definition.json")
    try:
        ctx.min_size = subtotal_min_size(definition)
    except SubtotalsError as exc:
        raise fail(f"the election definition is invalid: {exc}") from exc
    first = ctx.lines[0] if ctx.lines else None
    if first is None or first.kind != KIND_DEFINED or first.payload is None:
        raise fail(f"board entry 0 must be '{KIND_DEFINED}'")
    # The definition in force is the last one: earlier ones were withdrawn before opening.
    last = [x for x in ctx.lines if x.kind == KIND_DEFINED][-1]
    if last.payload != {"definition": definition, "manifest_hash": mh.hex()}:
        raise fail(f"board entry {last.seq} ({KIND_DEFINED}) differs from definition.json")
    ctx.definition, ctx.manifest, ctx.manifest_hash = definition, manifest, mh


def _check_ceremony(ctx: _Context) -> None:
    fail = _failure("key ceremony")
    transcript = ctx.record.json("ceremony.json")
    defined = [x for x in ctx.lines if x.kind == KIND_DEFINED]
    in_force = defined[-1].seq
    # Ceremonies before the last definition were for withdrawn definitions: ignored.
    entries = [x for x in ctx.lines if x.kind == KIND_CEREMONY and x.seq > in_force]
    if not entries or entries[0].payload is None:
        raise fail(
            f"the board holds no '{KIND_CEREMONY}' entry after the definition in force "
            f"(board entry {in_force})"
        )
    entry = entries[0]
    assert entry.payload is not None
    bound = transcript.get("manifest_hash") if isinstance(transcript, dict) else None
    for old in defined[:-1]:
        if bound != ctx.manifest_hash.hex() and bound == (old.payload or {}).get("manifest_hash"):
            raise fail(
                f"the key ceremony (ceremony.json, board entry {entry.seq}) is bound to the "
                f"withdrawn definition of board entry {old.seq}, not to the definition in "
                f"force (board entry {in_force})"
            )
    try:
        result = verify_transcript(transcript, ctx.manifest_hash)
    except (CeremonyError, ThresholdError) as exc:
        raise fail(f"the key-ceremony transcript does not verify: {exc}") from exc
    keys = [result.verification_keys[i] for i in range(1, result.n + 1)]
    fp = election_fingerprint(ctx.manifest_hash, result.joint_public_key, keys)
    if entry.payload != {"transcript": transcript, "fingerprint": fp.hex()}:
        if entry.payload.get("transcript") != transcript:
            raise fail(f"board entry {entry.seq} ({KIND_CEREMONY}) differs from ceremony.json")
        raise fail(
            f"board entry {entry.seq} ({KIND_CEREMONY}) states another fingerprint than the "
            "joint key gives"
        )
    if fp.hex() != ctx.record.index["fingerprint"]:
        raise fail("record.json's fingerprint is not the one the ceremony's keys give")
    trustees = (ctx.definition or {}).get("trustees")
    if isinstance(trustees, dict) and (trustees.get("n"), trustees.get("k")) != (
        result.n,
        result.k,
    ):
        raise fail(
            f"the definition asks for {trustees.get('k')} of {trustees.get('n')} trustees, "
            f"the ceremony made {result.k} of {result.n}"
        )
    ctx.ceremony, ctx.fingerprint = result, fp


def _chunks(items: list[tuple[int, str, bytes, bool]], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _tally_payload(ctx: _Context, count: _Round) -> tuple[EncryptedTally, dict[str, Any]]:
    assert ctx.manifest is not None
    line = ctx.lines[count.tally_seq]
    p = _payload_keys(line, _with_units({"round", "tally", "counted"}, ctx.min_size))
    counted = p["counted"]
    where = f"board entry {line.seq} ({KIND_TALLY})"
    if not isinstance(counted, dict) or set(counted) != {"cast", "overruled"}:
        raise VerificationFailed("encrypted tally", f"{where}: 'counted' needs cast and overruled")
    try:
        tally = EncryptedTally.from_json(p["tally"], ctx.manifest)
    except TallyError as exc:
        raise VerificationFailed("encrypted tally", f"{where}: {exc}") from exc
    return tally, counted


def _labelled(manifest: ElectionManifest, tally: EncryptedTally) -> dict[str, Ciphertext]:
    return {
        slot_label(qi, si): ct
        for qi, slots in enumerate(tally.questions)
        for si, ct in enumerate(slots)
    }


def _check_tally(
    ctx: _Context,
    life: _Lifecycle,
    count: _Round,
    results: Sequence[_ChunkResult],
) -> EncryptedTally:
    """One round's tally: the homomorphic sum of exactly the ballots it counts.

    The workers summed the ballots counted in round 1; a round 2 adds the challenged
    ballots overruled since, from the ciphertexts the workers kept for uncounted ones.
    """
    fail = _failure("encrypted tally")
    assert ctx.manifest is not None
    tally, counted = _tally_payload(ctx, count)
    where = f"board entry {count.tally_seq} ({KIND_TALLY})"
    n_cast = sum(1 for b in life.ballots if b.kind == KIND_CAST)
    overruled = sorted(c for c, d in count.decisions.items() if d == "overruled")
    n_counted = n_cast + len(overruled)
    width = sum(layout(q).slot_count for q in ctx.manifest.questions)
    sum_a = [IDENTITY] * width
    sum_b = [IDENTITY] * width
    for r in results:
        for k, (part_a, part_b) in enumerate(r.sums):
            sum_a[k] = Element.sum([sum_a[k], Element(part_a, _trusted=True)])
            sum_b[k] = Element.sum([sum_b[k], Element(part_b, _trusted=True)])
    excluded = {seq: cts for r in results for seq, cts in r.excluded.items()}
    first = life.rounds[0]
    for b in life.ballots:
        cts = excluded.get(b.seq)
        if cts is not None and life.counted(b, count) and not life.counted(b, first):
            for k, (a, bb) in enumerate(cts):
                sum_a[k] = sum_a[k] + Element(a, _trusted=True)
                sum_b[k] = sum_b[k] + Element(bb, _trusted=True)
    summed = [Ciphertext(a, b) for a, b in zip(sum_a, sum_b, strict=True)]
    published = [ct for q in tally.questions for ct in q]
    board_says = (
        f"the board holds {n_counted} counted ballots ({n_cast} cast, "
        f"{len(overruled)} overruled challenges)"
    )
    if tally.ballots > n_counted:
        raise fail(
            f"ballot dropped from the board or added to the tally: {where} counts "
            f"{tally.ballots} ballots, but {board_says}"
        )
    if tally.ballots < n_counted:
        raise fail(
            f"ballot dropped from the tally: {where} counts {tally.ballots} ballots, "
            f"but {board_says}"
        )
    if published != summed:
        for b in life.ballots:
            cts = excluded.get(b.seq)
            if cts is None or life.counted(b, count):
                continue
            plus = [
                Ciphertext(s.alpha + Element(a, _trusted=True), s.beta + Element(bb, _trusted=True))
                for s, (a, bb) in zip(summed, cts, strict=True)
            ]
            if plus == published:
                state = count.decisions.get(b.challenge or "", "undecided")
                raise fail(
                    f"{where} includes challenged ballot {b.challenge!r} (board entry {b.seq}, "
                    f"{state}), which must not be counted"
                )
        k = next(i for i, (x, y) in enumerate(zip(published, summed, strict=True)) if x != y)
        raise fail(
            f"ballot dropped or altered: {where} does not equal the homomorphic sum of the "
            f"{n_counted} counted ballots (first difference at tally slot {k})"
        )
    if counted != {"cast": n_cast, "overruled": overruled}:
        raise fail(f"{where}: its 'counted' summary does not match the board")
    return tally


def _check_partials(
    ctx: _Context, count: _Round, tally: EncryptedTally
) -> tuple[dict[str, int], list[dict[str, Any]]]:
    fail = _failure("partial decryptions")
    assert ctx.ceremony is not None and ctx.manifest is not None
    ceremony = ctx.ceremony
    labelled = _labelled(ctx.manifest, tally)
    every: list[PartialDecryption] = []
    seen: dict[int, int] = {}
    payloads: list[dict[str, Any]] = []
    for seq in count.partial_seqs:
        line = ctx.lines[seq]
        p = _payload_keys(line, _with_units({"round", "trustee", "partials"}, ctx.min_size))
        payloads.append(p)
        t = p["trustee"]
        if type(t) is not int or t not in ceremony.verification_keys:
            raise fail(f"board entry {seq} ({KIND_PARTIAL}): {t!r} is not a trustee")
        if t in seen:
            raise fail(f"trustee {t} posted two partial decryptions (entries {seen[t]}, {seq})")
        seen[t] = seq
        if not isinstance(p["partials"], list):
            raise fail(f"partial decryption of trustee {t} is invalid: 'partials' is not a list")
        try:
            parsed = [PartialDecryption.from_json(x) for x in p["partials"]]
            verify_partials(t, parsed, labelled, ceremony.verification_keys[t], ctx.fingerprint)
        except ThresholdError as exc:
            reason = exc.reason if isinstance(exc, BadPartialDecryption) else str(exc)
            raise fail(
                f"partial decryption of trustee {t} (board entry {seq}) is invalid: {reason}"
            ) from exc
        every.extend(parsed)
    if len(seen) < ceremony.k:
        raise fail(f"only {len(seen)} trustee(s) decrypted; at least {ceremony.k} are needed")
    try:
        slots = combine_tally(
            labelled, every, ceremony.verification_keys, ceremony.k, ctx.fingerprint
        )
    except (ThresholdError, ValueError) as exc:
        raise fail(f"the partial decryptions do not combine: {exc}") from exc
    return slots, payloads


def _unit_name(pool: str) -> str:
    return f"unit {pool!r}" if pool else "the other units' pool"


def _check_unit_tallies(
    ctx: _Context,
    life: _Lifecycle,
    count: _Round,
    tally: EncryptedTally,
    results: Sequence[_ChunkResult],
) -> dict[str, EncryptedTally] | None:
    """One round's unit subtotals: the pools the rule gives (PROTOCOL 10.5), each the
    homomorphic sum of exactly its counted ballots, together the whole tally.

    None when the definition asks for no subtotals (then the tally has no ``units``)."""
    if ctx.min_size is None:
        return None
    fail = _failure("encrypted tally")
    assert ctx.manifest is not None
    where = f"board entry {count.tally_seq} ({KIND_TALLY})"
    published = (ctx.lines[count.tally_seq].payload or {}).get("units")
    if not isinstance(published, dict):
        raise fail(f"{where}: 'units' must map each pool to its encrypted subtotal")
    first = life.rounds[0]
    base: dict[str, int] = {}
    for b in life.ballots:
        if life.counted(b, first):
            base[b.unit] = base.get(b.unit, 0) + 1
    mapping = pool_units(base, (b.unit for b in life.ballots), ctx.min_size)
    pools = pool_order(mapping.values())
    if sorted(published) != sorted(pools):
        raise fail(
            f"{where}: unit subtotals for {sorted(published)!r}, but pooling units below "
            f"{ctx.min_size} ballots gives {sorted(pools)!r}"
        )
    if not pools:
        return {}
    width = sum(layout(q).slot_count for q in ctx.manifest.questions)
    sums = {p: ([IDENTITY] * width, [IDENTITY] * width, [0]) for p in pools}
    for r in results:
        for unit, parts in r.unit_sums.items():
            sa, sb, n = sums[mapping[unit]]
            n[0] += r.unit_counts.get(unit, 0)
            for k, (a, bb) in enumerate(parts):
                sa[k] = sa[k] + Element(a, _trusted=True)
                sb[k] = sb[k] + Element(bb, _trusted=True)
    excluded = {seq: cts for r in results for seq, cts in r.excluded.items()}
    for b in life.ballots:
        cts = excluded.get(b.seq)
        if cts is not None and life.counted(b, count) and not life.counted(b, first):
            sa, sb, n = sums[mapping[b.unit]]
            n[0] += 1
            for k, (a, bb) in enumerate(cts):
                sa[k] = sa[k] + Element(a, _trusted=True)
                sb[k] = sb[k] + Element(bb, _trusted=True)
    out: dict[str, EncryptedTally] = {}
    for pool in pools:
        name = _unit_name(pool)
        try:
            unit_tally = EncryptedTally.from_json(published[pool], ctx.manifest)
        except TallyError as exc:
            raise fail(f"{name} subtotal edited: {exc}") from exc
        sa, sb, n = sums[pool]
        if unit_tally.ballots != n[0]:
            raise fail(
                f"{name} subtotal edited: {where} counts {unit_tally.ballots} ballots for it, "
                f"the board holds {n[0]} counted ballots of that pool"
            )
        flat = [ct for q in unit_tally.questions for ct in q]
        if flat != [Ciphertext(a, b) for a, b in zip(sa, sb, strict=True)]:
            raise fail(
                f"{name} subtotal edited: {where} does not hold the homomorphic sum of its "
                f"{n[0]} counted ballots"
            )
        out[pool] = unit_tally
    if out:
        total_a = [
            Element.sum([u.questions[qi][si].alpha for u in out.values()])
            for qi, q in enumerate(tally.questions)
            for si in range(len(q))
        ]
        total_b = [
            Element.sum([u.questions[qi][si].beta for u in out.values()])
            for qi, q in enumerate(tally.questions)
            for si in range(len(q))
        ]
        whole = [ct for q in tally.questions for ct in q]
        summed = [Ciphertext(a, b) for a, b in zip(total_a, total_b, strict=True)]
        if summed != whole or sum(u.ballots for u in out.values()) != tally.ballots:
            raise fail(f"{where}: the unit subtotals do not add up to the tally")
    return out


def _check_unit_partials(
    ctx: _Context, count: _Round, units: Mapping[str, EncryptedTally] | None
) -> dict[str, dict[str, int]] | None:
    """Every trustee's partial decryptions of every pool's subtotal, and their combination."""
    if units is None:
        return None
    fail = _failure("partial decryptions")
    assert ctx.ceremony is not None
    ceremony = ctx.ceremony
    every: dict[str, list[PartialDecryption]] = {pool: [] for pool in units}
    for seq in count.partial_seqs:
        p = ctx.lines[seq].payload or {}
        t = p["trustee"]
        raw = p.get("units")
        if not isinstance(raw, dict) or sorted(raw) != sorted(units):
            raise fail(
                f"partial decryption of trustee {t} (board entry {seq}) is invalid: its unit "
                f"decryptions are for {sorted(raw) if isinstance(raw, dict) else raw!r}, the "
                f"tally's pools are {sorted(units)!r}"
            )
        for pool, unit_tally in units.items():
            try:
                if not isinstance(raw[pool], list):
                    raise ThresholdError("not a list of partial decryptions")
                parsed = [PartialDecryption.from_json(x) for x in raw[pool]]
                verify_partials(
                    t,
                    parsed,
                    unit_labelled(pool, unit_tally),
                    ceremony.verification_keys[t],
                    ctx.fingerprint,
                )
            except ThresholdError as exc:
                reason = exc.reason if isinstance(exc, BadPartialDecryption) else str(exc)
                raise fail(
                    f"partial decryption of trustee {t} (board entry {seq}) for "
                    f"{_unit_name(pool)} is invalid: {reason}"
                ) from exc
            every[pool].extend(parsed)
    out: dict[str, dict[str, int]] = {}
    for pool, unit_tally in units.items():
        try:
            out[pool] = combine_tally(
                unit_labelled(pool, unit_tally),
                every[pool],
                ceremony.verification_keys,
                ceremony.k,
                ctx.fingerprint,
            )
        except (ThresholdError, ValueError) as exc:
            raise fail(
                f"the partial decryptions of {_unit_name(pool)} do not combine: {exc}"
            ) from exc
    return out


def _unit_counts(
    ctx: _Context,
    units: Mapping[str, EncryptedTally] | None,
    slots: Mapping[str, Mapping[str, int]] | None,
) -> dict[str, tuple[int, list[OptionCounts]]] | None:
    """Each pool's decrypted option counts (and ballots), for the result."""
    if units is None or slots is None:
        return None
    assert ctx.manifest is not None
    out: dict[str, tuple[int, list[OptionCounts]]] = {}
    for pool, unit_tally in units.items():
        plain = {
            slot_label(qi, si): slots[pool][unit_slot_label(pool, qi, si)]
            for qi, q in enumerate(unit_tally.questions)
            for si in range(len(q))
        }
        try:
            out[pool] = (unit_tally.ballots, _option_counts(ctx.manifest, unit_tally, plain))
        except VerificationFailed as exc:
            raise VerificationFailed("counts", f"{_unit_name(pool)}: {exc.message}") from exc
    return out


def _option_counts(
    manifest: ElectionManifest, tally: EncryptedTally, slots: Mapping[str, int]
) -> list[OptionCounts]:
    out = []
    for qi, q in enumerate(tally.questions):
        values = [slots[slot_label(qi, si)] for si in range(len(q))]
        try:
            out.append(counts_from_slots(manifest, qi, values, tally.ballots))
        except TallyError as exc:
            raise VerificationFailed(
                "counts", f"the decrypted counts are impossible: {exc}"
            ) from exc
    return out


def _compare_result(expected: Mapping[str, Any], published: object) -> None:
    """Name the first difference between the recomputed and the published result."""
    if not isinstance(published, dict):
        raise VerificationFailed("counts", "the result entry holds no result object")
    questions = expected["questions"]
    pq = published.get("questions")
    if not isinstance(pq, list) or len(pq) != len(questions):
        raise VerificationFailed("counts", "result edited: it has the wrong number of questions")
    for want, got in zip(questions, pq, strict=True):
        if not isinstance(got, dict):
            raise VerificationFailed("counts", "result edited: a question is not an object")
        qid = want["id"]
        for option, count in want["counts"].items():
            said = (
                (got.get("counts") or {}).get(option)
                if isinstance(got.get("counts"), dict)
                else None
            )
            if said != count:
                raise VerificationFailed(
                    "counts",
                    f"result edited: decrypted count for {option!r} (question {qid!r}) is "
                    f"{count}, result says {said}",
                )
        for key in want:
            if key not in ("outcome",) and got.get(key) != want[key]:
                raise VerificationFailed(
                    "counts",
                    f"result edited: question {qid!r} {key} is {want[key]!r}, "
                    f"result says {got.get(key)!r}",
                )
    if "units" in expected:
        _compare_units(expected["units"], published.get("units"))
    for key in expected:
        if key in ("questions", "determinative", "units"):
            continue
        if published.get(key) != expected[key]:
            raise VerificationFailed(
                "counts",
                f"result edited: {key} is {expected[key]!r}, result says {published.get(key)!r}",
            )
    for want, got in zip(questions, pq, strict=True):
        if got.get("outcome") != want["outcome"]:
            raise VerificationFailed(
                "outcome",
                f"outcome edited: question {want['id']!r}: the rule gives {want['outcome']!r}, "
                f"result says {got.get('outcome')!r}",
            )
    if published.get("determinative") != expected["determinative"]:
        raise VerificationFailed(
            "outcome",
            f"determinative flag wrong: the challenges are "
            f"{'' if expected['determinative'] else 'not '}determinative, result says "
            f"{published.get('determinative')!r}",
        )
    if set(published) != set(expected):
        raise VerificationFailed("counts", "result edited: it has unexpected fields")


def _compare_units(expected: list[dict[str, Any]], published: object) -> None:
    """Name the first unit whose published subtotal differs from the decrypted one."""
    if not isinstance(published, list) or not all(isinstance(u, dict) for u in published):
        raise VerificationFailed("counts", "result edited: 'units' is not a list of subtotals")
    said = [u.get("unit") for u in published]
    if said != [u["unit"] for u in expected]:
        raise VerificationFailed(
            "counts",
            f"result edited: its unit subtotals are for {said!r}, the pooled tallies give "
            f"{[u['unit'] for u in expected]!r}",
        )
    for want, got in zip(expected, published, strict=True):
        if got == want:
            continue
        name = f"unit {want['unit']!r}" if want["unit"] else "other units"
        for wq, gq in zip(want["questions"], got.get("questions") or [], strict=False):
            if isinstance(gq, dict) and gq.get("counts") != wq["counts"]:
                raise VerificationFailed(
                    "counts",
                    f"{name} subtotal edited: question {wq['id']!r} decrypts to "
                    f"{wq['counts']!r}, result says {gq.get('counts')!r}",
                )
        raise VerificationFailed(
            "counts", f"{name} subtotal edited: the result differs from the decrypted subtotal"
        )


def _find_tracker(life: _Lifecycle, wanted: str) -> TrackerFinding:
    text = wanted.strip()
    short = text.upper()
    for b in life.ballots:
        if b.tracker == text.lower() or tracker_display(b.tracker) == short:
            if life.counted(b):
                how = "cast" if b.kind == KIND_CAST else f"challenged ({b.challenge}), overruled"
                msg = (
                    f"tracker {text} is on the board (entry {b.seq}, {how}) and is included "
                    "in the tally"
                )
                return TrackerFinding(b.tracker, True, b.seq, True, msg)
            state = life.decisions.get(b.challenge or "", "undecided")
            msg = (
                f"tracker {text} is on the board (entry {b.seq}) as challenged ballot "
                f"{b.challenge!r} ({state}); it is NOT included in the tally"
            )
            return TrackerFinding(b.tracker, True, b.seq, False, msg)
    for a in life.audits:
        if a.tracker == text.lower() or tracker_display(a.tracker) == short:
            msg = (
                f"tracker {text} was audited (spoiled) at entry {a.seq}; audited ballots are "
                "never counted"
            )
            return TrackerFinding(a.tracker, True, a.seq, False, msg)
    return TrackerFinding(text, False, None, False, f"tracker {text} is NOT on the board")


def verify_record(
    path: Path,
    *,
    jobs: int | None = None,
    progress: Progress | None = None,
    tracker: str | None = None,
) -> VerificationReport:
    """Check a record completely; never raises for a bad record (the report says why).

    ``jobs``: worker processes for the ballot proofs (default: every core).
    ``progress(step, done, total)`` is called as work advances.  ``tracker``
    (full hex or the short ABCD-EFGH-... form) asks whether one voter's ballot is
    on the board and counted; the answer is in ``report.tracker``.
    """
    started = time.perf_counter()
    passed: list[str] = []
    report = VerificationReport(False, None, None, passed)
    tick = progress or (lambda step, done, total: None)
    pool: ProcessPoolExecutor | None = None
    try:
        try:
            record = read_record(path)
            report.election_id = record.election_id
            record.check_members()
        except RecordFormatError as exc:
            raise VerificationFailed("record members", str(exc)) from exc
        passed.append("record members")
        tick("record members", 1, 1)
        try:
            lines = _scan(record.board_lines())
        except RecordFormatError as exc:
            raise VerificationFailed("board chain", str(exc)) from exc
        if not lines:
            raise VerificationFailed("board chain", "the board is empty")
        ctx = _Context(record, lines)
        # Definition, ceremony and lifecycle are cheap: check them first so that the
        # ballot workers can start at once; failures are reported in STEPS order below.
        early: dict[str, VerificationFailed] = {}
        for step, check in (("definition", _check_definition), ("key ceremony", _check_ceremony)):
            try:
                check(ctx)
            except VerificationFailed as exc:
                early[step] = exc
                break
            except RecordFormatError as exc:
                early[step] = VerificationFailed(step, str(exc))
                break
        life: _Lifecycle | None = None
        try:
            life = _lifecycle(lines)
        except VerificationFailed as exc:
            early["board lifecycle"] = exc
        t0 = time.perf_counter()
        futures: list[Future[_ChunkResult]] = []
        items: list[tuple[int, str, bytes, bool]] = []
        results: list[_ChunkResult] = []
        workers_run = not early and life is not None
        if workers_run:
            assert life is not None and ctx.ceremony is not None
            first = life.rounds[0]
            items = [
                (b.seq, b.kind, lines[b.seq].raw, life.counted(b, first)) for b in life.ballots
            ]
            items += [(a.seq, KIND_AUDITED, lines[a.seq].raw, False) for a in life.audits]
            items.sort()
            init = (
                json.dumps(ctx.definition),
                ctx.ceremony.joint_public_key.hex(),
                ctx.fingerprint.hex(),
                life.min_size is not None,
            )
            workers = jobs or os.cpu_count() or 1
            if len(items) >= POOL_THRESHOLD and workers > 1:
                pool = ProcessPoolExecutor(workers, initializer=_init_worker, initargs=init)
                futures = [pool.submit(_check_chunk, c) for c in _chunks(items, CHUNK)]
            else:
                _init_worker(*init)
        # The main process checks the links while the workers check the ballots.
        tick("board chain", 0, len(lines))
        try:
            chain_errors = _check_links(lines, hashed_elsewhere=workers_run)
        except ValueError as exc:  # a payload that cannot be canonicalised
            chain_errors = [(-1, f"an entry cannot be hashed: {exc}")]
        tick("board chain", len(lines), len(lines))
        total, done = len(items), 0
        tick("ballots", 0, total)
        if futures:
            for fut in futures:
                r = fut.result()
                results.append(r)
                done += len(r.alphas) + len(r.errors) + len(r.audit_alphas)
                tick("ballots", min(done, total), total)
        elif workers_run:
            for chunk in _chunks(items, CHUNK):
                results.append(_check_chunk(chunk))
                done += len(chunk)
                tick("ballots", done, total)
        report.timings["chain and ballots"] = time.perf_counter() - t0

        chain_errors += [e for r in results for e in r.chain_errors]
        if chain_errors:
            raise VerificationFailed("board chain", f"board chain broken: {min(chain_errors)[1]}")
        passed.append("board chain")
        _check_heads(ctx)
        passed.append("signed heads")
        for step in ("definition", "key ceremony", "board lifecycle"):
            if step in early:
                raise early[step]
            passed.append(step)
        assert life is not None and ctx.manifest is not None
        report.ballots = len(life.ballots)
        if tracker is not None:
            report.tracker = _find_tracker(life, tracker)
        errors = sorted(e for r in results for e in r.errors)
        if errors:
            raise VerificationFailed("ballots", errors[0][1])
        passed.append("ballots")
        _check_replay(life, results)
        passed.append("replay")
        t0 = time.perf_counter()
        # Every round is checked exactly alike, step by step (all tallies, then all
        # decryptions, then all results), so a failure names the earliest step.
        tallies = [_check_tally(ctx, life, count, results) for count in life.rounds]
        unit_tallies = [
            _check_unit_tallies(ctx, life, count, tally, results)
            for count, tally in zip(life.rounds, tallies, strict=True)
        ]
        passed.append("encrypted tally")
        decrypted = [
            _check_partials(ctx, count, tally)
            for count, tally in zip(life.rounds, tallies, strict=True)
        ]
        unit_slots = [
            _check_unit_partials(ctx, count, units)
            for count, units in zip(life.rounds, unit_tallies, strict=True)
        ]
        passed.append("partial decryptions")
        published: object = None
        for count, tally, (slots, _), units, uslots in zip(
            life.rounds, tallies, decrypted, unit_tallies, unit_slots, strict=True
        ):
            expected, published = _check_round_result(
                ctx, life, count, tally, slots, _unit_counts(ctx, units, uslots)
            )
        passed.extend(["counts", "outcome"])
        report.result = expected
        report.timings["tally and result"] = time.perf_counter() - t0
        _check_copies(record, lines, life, decrypted[-1][1], published)
        passed.append("convenience copies")
        report.ok = True
    except VerificationFailed as exc:
        report.failure, report.failed_step = exc.message, exc.step
    finally:
        if pool is not None:
            # Pending chunks are cancelled; running ones end within one chunk.
            pool.shutdown(wait=True, cancel_futures=True)
        report.seconds = time.perf_counter() - started
    return report


def _check_round_result(
    ctx: _Context,
    life: _Lifecycle,
    count: _Round,
    tally: EncryptedTally,
    slots: Mapping[str, int],
    units: Mapping[str, tuple[int, list[OptionCounts]]] | None = None,
) -> tuple[dict[str, Any], object]:
    """Recompute one round's result from its decrypted counts and the decisions taken
    before its tally; compare with the published one.  Returns (expected, published)."""
    assert ctx.manifest is not None and ctx.definition is not None
    counts = _option_counts(ctx.manifest, tally, slots)
    published = _payload_keys(ctx.lines[count.result_seq], {"round", "result"})["result"]
    decided = list(count.decisions.values())
    expected = expected_result(
        ctx.definition,
        ctx.manifest,
        counts,
        eligible=life.eligible,
        cast=sum(1 for b in life.ballots if b.kind == KIND_CAST),
        challenged=len(life.challenges),
        sustained=decided.count("sustained"),
        overruled=decided.count("overruled"),
        units=units,
    )
    try:
        _compare_result(expected, published)
    except VerificationFailed as exc:
        if len(life.rounds) == 1:
            raise
        raise VerificationFailed(
            exc.step,
            f"{exc.message} (round {count.number}, board entry {count.result_seq})",
        ) from exc
    if count is life.rounds[-1] and life.certified_seq is not None and expected["determinative"]:
        # A certified result must be final: with determinative challenges still undecided the
        # outcome is not known yet, so certifying it would settle the vote on a guess.
        raise VerificationFailed(
            "outcome",
            f"board entry {life.certified_seq} ({KIND_CERTIFIED}) certifies a result whose "
            "undecided challenged ballots are determinative: the challenges must be decided "
            "and counted in round 2 first",
        )
    return expected, published


def _check_replay(life: _Lifecycle, results: Sequence[_ChunkResult]) -> None:
    fail = _failure("replay")
    by_tracker: dict[str, int] = {}
    for b in life.ballots:
        if b.tracker in by_tracker:
            raise fail(
                f"board entry {b.seq} ({b.kind}) replays the ballot of entry "
                f"{by_tracker[b.tracker]} (same tracker {tracker_display(b.tracker)})"
            )
        by_tracker[b.tracker] = b.seq
    seen: dict[bytes, int] = {}
    for seq, blob in sorted(a for r in results for a in r.alphas):
        for k in range(0, len(blob), 32):
            alpha = blob[k : k + 32]
            if alpha in seen:
                raise fail(
                    f"board entry {seq} reuses a ciphertext of board entry {seen[alpha]} "
                    f"(slot {k // 32}): a replayed ballot"
                )
            seen[alpha] = seq
    # An audited ballot's opening is public: if any of its ciphertexts is also in a cast
    # or challenged ballot, that voter's choice is exposed (and an audit is never cast).
    kinds = {b.seq: b.kind for b in life.ballots}
    audited: dict[bytes, int] = {}
    for seq, blob in sorted(a for r in results for a in r.audit_alphas):
        for k in range(0, len(blob), 32):
            alpha = blob[k : k + 32]
            if alpha in seen:
                other = seen[alpha]
                raise fail(
                    f"board entry {other} ({kinds.get(other, 'ballot')}) reuses a ciphertext of "
                    f"the audited ballot of board entry {seq} (slot {k // 32}): an audited "
                    "(spoiled) ballot must never be cast, its choice is public"
                )
            if alpha in audited and audited[alpha] != seq:
                raise fail(
                    f"board entry {seq} ({KIND_AUDITED}) repeats the audited ballot of board "
                    f"entry {audited[alpha]}"
                )
            audited[alpha] = seq


def _check_copies(
    record: ElectionRecord,
    lines: Sequence[_Line],
    life: _Lifecycle,
    partials: list[dict[str, Any]],
    result: object,
) -> None:
    fail = _failure("convenience copies")
    final = life.final
    tally_payload = lines[final.tally_seq].payload or {}
    try:
        if record.json("tally.json") != tally_payload.get("tally"):
            raise fail(f"tally.json differs from board entry {final.tally_seq} ({KIND_TALLY})")
        if record.json("partials.json") != partials:
            raise fail(
                f"partials.json differs from the board's '{KIND_PARTIAL}' entries of round "
                f"{final.number}"
            )
        if record.json("result.json") != result:
            raise fail(f"result.json differs from board entry {final.result_seq} ({KIND_RESULT})")
    except RecordFormatError as exc:
        raise fail(str(exc)) from exc


# --------------------------------------------------------------------------- CLI


def main(record: Path, tracker: str | None, jobs: int | None) -> int:
    """``ballot verify RECORD [--tracker T] [--jobs N]``: progress bar, then PASS or FAIL."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(soft_wrap=True)
    with Progress(
        TextColumn("{task.description:<20}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        tasks: dict[str, Any] = {}

        def tick(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(step, total=total or None)
            bar.update(tasks[step], completed=done, total=total or None)

        report = verify_record(Path(record), jobs=jobs, progress=tick, tracker=tracker)
    for step in report.passed:
        console.print(f"  [green]ok[/green]   {step}")
    if report.ok and report.result is not None:
        r = report.result
        console.print(
            f"  eligible {r['eligible']}, cast {r['cast']}, challenged {r['challenged']} "
            f"({r['undecided']} undecided; determinative: {'yes' if r['determinative'] else 'no'})"
        )
        for q in r["questions"]:
            counts = ", ".join(f"{k} {v}" for k, v in q["counts"].items())
            console.print(f"  {q['id']}: {counts}; void {q['blank']} -> {q['outcome']['result']}")
        for u in r.get("units", []):
            name = u["unit"] or "other units"
            for q in u["questions"]:
                counts = ", ".join(f"{k} {v}" for k, v in q["counts"].items())
                console.print(f"    {name} ({u['ballots']} ballots) {q['id']}: {counts}")
    if report.tracker is not None:
        style = "green" if report.tracker.counted else "red"
        console.print(f"[{style}]{report.tracker.message}[/{style}]")
    if report.ok:
        console.print(
            f"[bold green]PASS[/bold green] election {report.election_id}: "
            f"{report.ballots} ballots verified in {report.seconds:.1f} s"
        )
        if report.tracker is not None and not report.tracker.counted:
            return 1
        return 0
    console.print(f"[bold red]FAIL[/bold red] ({report.failed_step}): {report.failure}")
    return 1


# --------------------------------------------------------------------------- rule bridge
# The result rule lives in ballot.election.result; the verifier reports its refusals as
# failures of the "outcome" step (and observer pages catch them as such).


def _outcome_failure(exc: RuleError) -> VerificationFailed:
    return VerificationFailed("outcome", str(exc))


def outcome_rule(definition: Mapping[str, Any]) -> OutcomeRule:
    """:func:`ballot.election.result.outcome_rule`, failing the "outcome" step."""
    try:
        return result_rule.outcome_rule(definition)
    except RuleError as exc:
        raise _outcome_failure(exc) from exc


def expected_result(
    definition: Mapping[str, Any],
    manifest: ElectionManifest,
    counts: Sequence[OptionCounts],
    **figures: Any,
) -> dict[str, Any]:
    """:func:`ballot.election.result.expected_result`, failing the "outcome" step."""
    try:
        return result_rule.expected_result(definition, manifest, counts, **figures)
    except RuleError as exc:
        raise _outcome_failure(exc) from exc
