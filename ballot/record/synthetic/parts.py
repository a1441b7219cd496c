"""The parts of a synthetic record: its challenges, encryption on every core, the board.

Nothing here is for production: the ballots are encrypted with choices given in advance,
and the board is signed with a key held in the same process.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

from ballot.crypto.ballots import EncryptedBallot, encrypt_ballot
from ballot.election.context import context_from_text
from ballot.record.board import BoardEntry, append
from ballot.record.canonical import canonical_json
from ballot.record.election_record import board_line, write_record
from ballot.record.signing import ServerKey, SignedHead, sign_head

Selection = Sequence[Sequence[int]]  # per question, the selected option indices

#: Sign a head every this many entries (and at each milestone).
HEAD_EVERY: Final = 50_000
_START: Final = datetime(2026, 11, 2, 9, 0, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Challenge:
    """A challenged voter's sealed ballot and what the committee decided (None: undecided).

    ``after_count``: decided only after a round-1 count whose challenges were
    determinative, so the ballot (if overruled) is counted in round 2.
    """

    selection: Selection
    decision: str | None = None
    reason: str = "eligibility disputed"
    after_count: bool = False
    #: The voter's unit: published with subtotals or per-unit races (then also the layout).
    unit: str = ""


@dataclass
class GeneratedRecord:
    """What a test or a benchmark needs to know about a record it generated."""

    path: Path
    election_id: str
    trackers: list[str]  # cast ballots, in board order
    challenge_trackers: dict[str, str]  # challenge id -> tracker
    result: dict[str, Any]  # the final round's
    server_key: ServerKey
    timings: dict[str, float] = field(default_factory=dict)
    audit_trackers: list[str] = field(default_factory=list)  # audited ballots, board order
    rounds: int = 1
    #: v2: every committed alias, those that voted first (cast votes, then challenged ones,
    #: in the order the votes were given); empty for a v1 record.
    aliases: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- encryption

_W: dict[str, Any] = {}


def _init_encryptor(definition_text: str, transcript_text: str) -> None:
    """Each worker takes the election's context once (cached per process, so a forked
    worker finds the one its parent built)."""
    election = context_from_text(definition_text, transcript_text)
    _W["manifest"] = election.manifest
    _W["key"] = election.joint_public_key
    _W["fingerprint"] = election.fingerprint


def _encrypt_chunk(
    items: Sequence[tuple[Selection, str | None]],
) -> list[tuple[EncryptedBallot, str]]:
    """Encrypt ballots, each with its member's unit's layout; return each with its tracker
    (SHA-256 of its canonical JSON)."""
    out = []
    for selection, unit in items:
        ballot, _secrets = encrypt_ballot(
            _W["manifest"], _W["key"], _W["fingerprint"], selection, unit=unit
        )
        text = canonical_json(ballot.to_json())
        out.append((ballot, hashlib.sha256(text).hexdigest()))
    return out


def encrypt_all(
    init: tuple[str, str],
    selections: Sequence[Selection],
    jobs: int | None,
    units: Sequence[str | None] | None = None,
) -> list[tuple[EncryptedBallot, str]]:
    """Encrypt every selection (``units``: each one's member's unit, the ballot's layout
    with per-unit races), on every core when there are enough to pay for a pool."""
    items = list(zip(selections, units or [None] * len(selections), strict=True))
    workers = jobs or os.cpu_count() or 1
    if len(items) < 200 or workers == 1:
        _init_encryptor(*init)
        return _encrypt_chunk(items)
    size = 500
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    out: list[tuple[EncryptedBallot, str]] = []
    with ProcessPoolExecutor(workers, initializer=_init_encryptor, initargs=init) as pool:
        for part in pool.map(_encrypt_chunk, chunks):
            out.extend(part)
    return out


class BoardBuilder:
    """Appends entries, writes their lines, and signs heads at milestones."""

    def __init__(self, election_id: str, key: ServerKey) -> None:
        self.election_id = election_id
        self.key = key
        self.last: BoardEntry | None = None
        self.lines: list[bytes] = []
        self.heads: list[SignedHead] = []
        self.clock = _START

    def add(self, kind: str, payload: Mapping[str, Any]) -> BoardEntry:
        self.clock += timedelta(seconds=1)
        entry = append(self.last, kind, payload, self.clock)
        self.lines.append(board_line(entry.to_json()))
        self.last = entry
        if entry.seq % HEAD_EVERY == HEAD_EVERY - 1:
            self.sign()
        return entry

    def sign(self) -> None:
        assert self.last is not None
        previous = self.heads[-1] if self.heads else None
        if previous is not None and previous.seq == self.last.seq:
            return
        self.heads.append(sign_head(self.key, self.election_id, self.last, self.clock, previous))


def rebuild_record(
    source: Path,
    target: Path,
    key: ServerKey,
    entries: Iterable[tuple[str, str, dict[str, Any]]],
    *,
    members: Mapping[str, Any] | None = None,
) -> None:
    """Re-chain and re-sign a board from (kind, at, payload) triples: what a dishonest
    server holding the key could publish.  Tests use it to reach the checks that
    come after the chain and the signatures.  ``members`` overrides other JSON members.
    The record keeps the source's protocol version.
    """
    from ballot.record.election_record import read_record

    record = read_record(source)
    last: BoardEntry | None = None
    lines: list[bytes] = []
    for kind, at, payload in entries:
        last = append(last, kind, payload, at)
        lines.append(board_line(last.to_json()))
    assert last is not None
    head = sign_head(key, record.election_id, last, last.at)
    docs = {name: record.json(name) for name in record.members if name != "board.jsonl"}
    docs.update(members or {})
    write_record(
        Path(target),
        election_id=record.election_id,
        manifest_hash=record.index["manifest_hash"],
        fingerprint=record.index["fingerprint"],
        definition=docs["definition.json"],
        ceremony=docs["ceremony.json"],
        board=lines,
        heads=[head.to_json()],
        server_key=docs["server_key.json"],
        tally=docs["tally.json"],
        partials=docs["partials.json"],
        result=docs["result.json"],
        board_head=last.hash,
        version=record.version,
        cosignatures=docs.get("cosignatures.json") or (),
    )
