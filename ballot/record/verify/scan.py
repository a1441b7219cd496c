"""The board read line by line: entry envelopes, the structures the checks share, the links.

Ballot payloads are not kept (a big election has a great many): the workers re-parse
their raw lines, so the main process holds only what the lifecycle and the chain need.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from ballot.crypto.manifest import ManifestError, manifest_hash
from ballot.record.bounded_json import bounded_loads
from ballot.record.canonical import canonical_fault
from ballot.record.chain import ChainError, body_hash, check_at, is_hash, verify_links
from ballot.record.election_record import parse_json
from ballot.record.kinds import PROVEN_KINDS, Kind
from ballot.record.verify.report import VerificationFailed

if TYPE_CHECKING:
    from ballot.record.verify.mix_entries import MixLedger


@dataclass(slots=True)
class Line:
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
    unit: object = None  # a ballot's (or audit's) unit label: subtotals or per-unit races
    alias: object = None  # a ballot's voter alias (protocol v2)

    def body(self) -> dict[str, Any]:
        data = bounded_loads(self.raw)
        del data["hash"]
        return data  # type: ignore[no-any-return]


def _valid_at(at: str) -> bool:
    try:
        check_at(at)
    except ValueError:
        return False
    return True


_ENTRY_KEYS: Final = {"seq", "kind", "at", "payload", "prev", "hash"}


def scan_board(lines: Sequence[bytes], start: int = 0) -> list[Line]:
    """Parse every line's envelope; keep payloads of all but ballot entries.

    ``start``: the position of the first line (a witness scans a growing board by pages).
    """
    out: list[Line] = []
    for i, raw in enumerate(lines, start=start):
        where = f"board entry {i} (board.jsonl line {i + 1})"
        try:
            data = bounded_loads(raw)
        except ValueError as exc:
            raise VerificationFailed("board chain", f"{where} is not valid JSON: {exc}") from exc
        if not isinstance(data, dict) or set(data) != _ENTRY_KEYS:
            raise VerificationFailed(
                "board chain", f"{where} must be an object with exactly {sorted(_ENTRY_KEYS)}"
            )
        seq, kind, at, payload = data["seq"], data["kind"], data["at"], data["payload"]
        if type(seq) is not int or not isinstance(kind, str) or not isinstance(payload, dict):
            raise VerificationFailed("board chain", f"{where}: malformed seq, kind or payload")
        if not isinstance(at, str) or (kind not in PROVEN_KINDS and not _valid_at(at)):
            raise VerificationFailed("board chain", f"{where}: malformed time {at!r}")
        if not is_hash(data["prev"]) or not is_hash(data["hash"]):
            raise VerificationFailed("board chain", f"{where}: prev and hash must be 64 hex")
        line = Line(seq, kind, at, data["prev"], data["hash"], raw, None)
        if kind in PROVEN_KINDS:
            line.ballot_keys = tuple(sorted(payload))
            line.tracker, line.challenge = payload.get("tracker"), payload.get("challenge")
            line.unit, line.alias = payload.get("unit"), payload.get("alias")
        else:
            line.payload = parse_json(raw, where)["payload"]  # strict: no duplicate keys
        out.append(line)
    return out


@dataclass
class Ballot:
    """A cast or challenged ballot as the lifecycle saw it (its payload is left to the workers)."""

    seq: int
    kind: str
    tracker: str
    challenge: str | None
    unit: str = ""
    alias: str | None = None  # the voter alias it names (protocol v2)


@dataclass
class Audit:
    """A ``ballot.audited`` entry: checked in the workers, never counted."""

    seq: int
    tracker: str


@dataclass
class Round:
    """One count: its tally, partial decryptions and result, and the committee's
    decisions as they stood when its tally was taken (they decide what it counts)."""

    number: int
    tally_seq: int
    decisions: dict[str, str]  # challenge id -> sustained | overruled, before the tally
    partial_seqs: list[int] = field(default_factory=list)
    result_seq: int = -1  # -1 until its tally.result


@dataclass
class Lifecycle:
    """The board's entries sorted by role, after the lifecycle checks."""

    eligible: int
    defined_seq: int  # the last election.defined: the definition in force
    ceremony_seq: int  # the ceremony.completed bound to it
    ballots: list[Ballot]
    audits: list[Audit]
    challenges: dict[str, int]  # challenge id -> seq of its ballot.challenged
    decisions: dict[str, str]  # challenge id -> sustained | overruled (every decision)
    rounds: list[Round]  # one or two; the last is the final result
    certified_seq: int | None = None
    min_size: int | None = None  # subtotals per unit: the minimum pool size
    #: Revoting (PROTOCOL 11.10): replaced cast ballot's seq -> the seq of its alias's last
    #: ballot, which counts instead.  Empty when the election does not allow revoting.
    replaced: dict[int, int] = field(default_factory=dict)
    #: Paper envelopes and their hand counts (protocol v2; None when the board has none).
    paper: Any = None
    #: The mix-net's entries (PROTOCOL 18); None when the definition has no ranked race.
    mix: MixLedger | None = None

    @property
    def final(self) -> Round:
        return self.rounds[-1]

    @property
    def cast_counted(self) -> int:
        """The ``ballot.cast`` entries every round counts (a replaced one never counts)."""
        return sum(1 for b in self.ballots if b.kind == Kind.CAST) - len(self.replaced)

    def counted(self, ballot: Ballot, count: Round | None = None) -> bool:
        """Whether ``ballot`` is in the tally of ``count`` (default: the final round)."""
        if ballot.kind == Kind.CAST:
            return ballot.seq not in self.replaced
        decisions = (count or self.final).decisions
        return ballot.challenge is not None and decisions.get(ballot.challenge) == "overruled"


def payload_keys(line: Line, keys: set[str]) -> dict[str, Any]:
    """A lifecycle entry's payload, which must have exactly ``keys``."""
    payload = line.payload
    assert payload is not None
    if set(payload) != keys:
        extra, missing = sorted(set(payload) - keys), sorted(keys - set(payload))
        why = (f"unexpected key(s) {extra}" if extra else "") + (
            f"{'; ' if extra else ''}missing key(s) {missing}" if missing else ""
        )
        raise VerificationFailed(
            "board lifecycle",
            f"board entry {line.seq} ({line.kind}): payload must have exactly {sorted(keys)} "
            f"({why}; PROTOCOL 2.4)",
        )
    return payload


def is_count(value: object) -> bool:
    """A non-negative whole number (``True`` is not a count)."""
    return type(value) is int and value >= 0


def stated_manifest_hash(definition: object) -> str | None:
    """The manifest hash of a definition on the board, None if it has none (not an
    object, or not canonical JSON)."""
    if not isinstance(definition, dict):
        return None
    try:
        return manifest_hash(definition).hex()
    except (ManifestError, ValueError, TypeError):
        return None


def with_units(keys: set[str], min_size: int | None) -> set[str]:
    """Payload keys of a ballot or tally entry: plus ``unit(s)`` iff subtotals are asked."""
    if min_size is None:
        return keys
    return keys | ({"units"} if "ballot" not in keys else {"unit"})


def ballot_entry(
    line: Line, challenges: dict[str, int], units: bool = False, aliases: bool = False
) -> Ballot:
    """A ballot entry's keys, challenge id, unit, alias and tracker, checked (the alias only
    for its form: :mod:`.roll` checks it against the roll); its challenge noted."""
    where = f"board entry {line.seq} ({line.kind})"
    keys = {"ballot", "tracker"} | ({"challenge"} if line.kind == Kind.CHALLENGED else set())
    keys = with_units(keys, 0 if units else None) | ({"alias"} if aliases else set())
    if set(line.ballot_keys) != keys:
        raise VerificationFailed("board lifecycle", f"{where}: payload must have {sorted(keys)}")
    if units and not isinstance(line.unit, str):
        raise VerificationFailed("board lifecycle", f"{where}: the unit must be text")
    cid = line.challenge
    if line.kind == Kind.CHALLENGED:
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
    alias = line.alias if isinstance(line.alias, str) else None
    return Ballot(line.seq, line.kind, track, cid if isinstance(cid, str) else None, unit, alias)


def check_links(lines: Sequence[Line], hashed_elsewhere: bool) -> list[tuple[int, str]]:
    """Numbering and links of the whole board, from the stated hashes; every line canonical.

    The stated hash of every entry is recomputed too, and each line compared with its
    entry's canonical JSON (PROTOCOL 11.1): here for lifecycle entries, and in the ballot
    workers for ballot entries (``hashed_elsewhere``), so that the chain costs the main
    process almost nothing.  Either way the links are checked by
    :func:`ballot.record.chain.verify_links`, so the messages are the same.
    """
    if not hashed_elsewhere:
        found: list[tuple[int, str]] = []
        try:
            verify_links(lines, lines[-1].hash if lines else None)
        except ChainError as exc:
            found = [(-1, str(exc))]
        return _not_canonical(lines, len(lines), every=True) + found
    stop = len(lines)
    found = []
    try:
        verify_links(lines, hashes=[line.hash for line in lines])
    except ChainError as exc:
        stop = len(lines) if exc.seq is None else exc.seq
        found = [(stop, str(exc))]
    # Only entries before a broken link: at the same seq a broken link is the finding.
    unwritten = _not_canonical(lines, stop, every=False)
    if unwritten:
        return unwritten
    for position, line in enumerate(lines[:stop]):
        if line.kind not in PROVEN_KINDS and body_hash(line.body()) != line.hash:
            return [(position, f"seq {position}: its content does not match its hash")]
    return found


def _not_canonical(lines: Sequence[Line], stop: int, every: bool) -> list[tuple[int, str]]:
    """The first line before ``stop`` that is not its entry's canonical JSON (ballot
    entries only with ``every``: the workers check them otherwise)."""
    for position, line in enumerate(lines[:stop]):
        if every or line.kind not in PROVEN_KINDS:
            fault = canonical_fault(line.raw, bounded_loads(line.raw))
            if fault is not None:
                return [
                    (
                        position,
                        f"seq {position}: its line in board.jsonl is not written canonically: "
                        f"{fault}",
                    )
                ]
    return []
