"""Ballot checks in worker processes, and the replay check over their findings.

Workers receive chunks of raw board lines (bytes) and parse them themselves: sending
parsed objects would cost more in pickling than the parsing does.  Each worker also
recomputes its entries' chain hashes, so the main process only compares links.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from ballot.crypto.ballots import (
    AuditedBallot,
    BallotError,
    EncryptedBallot,
    check_audit,
    tracker,
    tracker_display,
    verify_ballot,
)
from ballot.crypto.group import Element
from ballot.crypto.manifest import ElectionManifest
from ballot.crypto.tally import tally_width
from ballot.election.context import context_from_text
from ballot.record.canonical import canonical_fault, canonical_json, compact, plain
from ballot.record.chain import body_hash, check_at
from ballot.record.election_record import RecordFormatError, parse_json
from ballot.record.kinds import Kind
from ballot.record.verify.report import failure
from ballot.record.verify.scan import Lifecycle

#: Ballots per worker task: big enough that pickling is negligible, small enough
#: that both cores stay busy to the end and progress moves smoothly.
CHUNK: Final = 400


_W: dict[str, Any] = {}


def init_worker(definition_text: str, transcript_text: str, units: bool = False) -> None:
    """Each worker takes the election's context once; ``units``: sum per unit too.

    :func:`~ballot.election.context.context_from_text` is cached per process, and the
    main process filled that cache before forking, so a worker usually pays nothing.
    """
    election = context_from_text(definition_text, transcript_text)
    _W["manifest"] = election.manifest
    _W["units"] = units
    _W["key"] = election.joint_public_key
    _W["fingerprint"] = election.fingerprint
    _W["layouts"] = {}


def tally_positions(manifest: ElectionManifest, unit: str | None) -> list[tuple[int, int]]:
    """Where a ballot of ``unit`` adds into the tally (PROTOCOL 10.1): (position of the
    question on the ballot, its first slot among the tally's slots, all questions flat)
    for each question on the ballot that is summed (a ranked race never is)."""
    widths = [tally_width(q) for q in manifest.questions]
    return [(j, sum(widths[:qi])) for j, qi in enumerate(manifest.on_ballot(unit)) if widths[qi]]


def _positions(unit: str | None) -> list[tuple[int, int]]:
    found: dict[str | None, list[tuple[int, int]]] = _W["layouts"]
    if unit not in found:
        found[unit] = tally_positions(_W["manifest"], unit)
    return found[unit]


@dataclass
class ChunkResult:
    """What one worker found in one chunk: failures, sums and alphas for the main process."""

    errors: list[tuple[int, str]]
    chain_errors: list[tuple[int, str]]
    alphas: list[tuple[int, bytes]]  # seq, concatenated 32-byte alphas
    sums: list[tuple[bytes, bytes]]  # per tally slot (all questions flat): alpha, beta sums
    counted: int
    #: seq -> (tally slot, alpha, beta) of each summed slot of a ballot round 1 leaves out
    excluded: dict[int, list[tuple[int, bytes, bytes]]]
    audit_alphas: list[tuple[int, bytes]] = field(default_factory=list)  # audited ballots
    # subtotals: per unit label, the sums and the number of the round-1 counted ballots
    unit_sums: dict[str, list[tuple[bytes, bytes]]] = field(default_factory=dict)
    unit_counts: dict[str, int] = field(default_factory=dict)


#: ``"hash":"<64 hex>",`` in a canonical board line: cut out, the rest is the hashed body.
_HASH_MEMBER: Final = len(b'"hash":"",') + 64


def entry_hash(entry: dict[str, Any], fast: bool) -> str:
    """An entry's chain hash; ``fast`` takes the compact encoder for a plain entry."""
    body = {k: v for k, v in entry.items() if k != "hash"}
    if fast:
        return hashlib.sha256(compact(body)).hexdigest()
    return body_hash(body)


def line_hash(raw: bytes, entry: dict[str, Any], fast: bool) -> str:
    """The chain hash of a board line, which must be its entry's canonical JSON (PROTOCOL
    11.1); raises ``ValueError`` naming the fault otherwise.

    The canonical line is serialised once, to compare it with the line; the hashed body
    is then the same bytes without the ``hash`` member, which comes second (keys sort
    ``at``, ``hash``, ``kind``, ...; ``at`` was checked, so it holds no quote), so
    the check costs no second serialisation.
    """
    expected = compact(entry) if fast else canonical_json(entry)  # CanonicalError: a ValueError
    if expected != raw:
        fault = canonical_fault(raw, entry)  # the exact encoder decides
        if fault is not None:
            raise ValueError(f"its line in board.jsonl is not written canonically: {fault}")
    cut = raw.find(b',"hash":"') + 1
    stated = entry["hash"] if isinstance(entry["hash"], str) else ""
    if cut <= 0 or raw[cut : cut + _HASH_MEMBER] != b'"hash":"' + stated.encode() + b'",':
        return entry_hash(entry, fast)  # pragma: no cover - a canonical line always has it
    digest = hashlib.sha256(raw[:cut])
    digest.update(raw[cut + _HASH_MEMBER :])
    return digest.hexdigest()


def _check_audit_entry(seq: int, raw: bytes, entry: dict[str, Any], out: ChunkResult) -> None:
    """One ``ballot.audited`` entry: its chain hash, its opening (PROTOCOL 9.3), its tracker.

    Audits are few (a voter's spot check) and cost about two ballots each, so they run
    with the ballots; the general RFC 8785 encoder checks and hashes them (no fast path).
    """
    manifest: ElectionManifest = _W["manifest"]
    where = f"board entry {seq} ({Kind.AUDITED})"
    try:
        check_at(entry["at"])
        if line_hash(raw, entry, False) != entry["hash"]:
            out.chain_errors.append(
                (seq, f"seq {seq}: its content does not match its hash (the entry was altered)")
            )
    except ValueError as exc:
        out.chain_errors.append((seq, f"seq {seq}: {exc}"))
    payload = entry["payload"]
    unit = payload.get("unit")  # with per-unit races, the layout of the audited ballot
    try:
        audited = AuditedBallot.from_json(payload.get("audit"))
        check_audit(
            manifest,
            _W["key"],
            _W["fingerprint"],
            audited,
            unit=unit if isinstance(unit, str) else None,
        )
        stated = tracker(audited.ballot)
    except BallotError as exc:
        out.errors.append((seq, f"{where}: the audit does not check out: {exc}"))
        return
    if stated != payload.get("tracker"):
        out.errors.append((seq, f"{where}: the tracker is not the SHA-256 of the audited ballot"))
        return
    cts = [s.ciphertext for q in audited.ballot.questions for s in q.slots]
    out.audit_alphas.append((seq, b"".join(bytes(ct.alpha) for ct in cts)))


def check_chunk(items: Sequence[tuple[int, str, bytes, bool]]) -> ChunkResult:
    """Verify a chunk of worker entries: (seq, kind, raw line, counted in round 1?).

    Also checks each line's canonical form and recomputes its chain hash and time stamp
    here, in parallel, so the main process only compares links.
    """
    manifest: ElectionManifest = _W["manifest"]
    key: Element = _W["key"]
    fp: bytes = _W["fingerprint"]
    width = sum(tally_width(q) for q in manifest.questions)
    col_a: list[list[Element]] = [[] for _ in range(width)]
    col_b: list[list[Element]] = [[] for _ in range(width)]
    errors: list[tuple[int, str]] = []
    chain_errors: list[tuple[int, str]] = []
    alphas: list[tuple[int, bytes]] = []
    excluded: dict[int, list[tuple[int, bytes, bytes]]] = {}
    counted = 0
    out = ChunkResult(errors, chain_errors, alphas, [], 0, excluded)
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
        if kind == Kind.AUDITED:
            _check_audit_entry(seq, raw, entry, out)
            continue
        payload = entry["payload"]
        ballot_json = payload.get("ballot")
        try:
            ballot = EncryptedBallot.from_json(ballot_json)
        except BallotError as exc:
            errors.append((seq, f"{where}: {exc}"))
        fast = (
            ballot is not None
            and plain(raw)
            and set(payload) <= {"ballot", "tracker", "challenge", "unit"}
            and all(isinstance(payload.get(k, ""), str) for k in ("tracker", "challenge", "unit"))
        )
        try:
            check_at(entry["at"])
            if line_hash(raw, entry, fast) != entry["hash"]:
                chain_errors.append(
                    (seq, f"seq {seq}: its content does not match its hash (the entry was altered)")
                )
        except ValueError as exc:  # a bad time, or content that cannot be canonicalised
            chain_errors.append((seq, f"seq {seq}: {exc}"))
        if ballot is None:
            continue
        unit = payload.get("unit")
        unit = unit if isinstance(unit, str) else None  # the lifecycle names a bad unit
        try:
            verify_ballot(manifest, key, fp, ballot, unit=unit)
            stated = payload["tracker"]
            if hashlib.sha256(compact(ballot_json)).hexdigest() != stated and (
                tracker(ballot_json) != stated
            ):
                errors.append((seq, f"{where}: the tracker is not the SHA-256 of its ballot"))
                continue
        except BallotError as exc:
            errors.append((seq, f"{where}: {exc}"))
            continue
        every = [s.ciphertext for q in ballot.questions for s in q.slots]
        alphas.append((seq, b"".join(bytes(ct.alpha) for ct in every)))
        # The ciphertexts the tally sums, at their tally slots (a ranked race's never).
        cts = [
            (k + i, s.ciphertext)
            for j, k in _positions(unit)
            for i, s in enumerate(ballot.questions[j].slots)
        ]
        if included:
            counted += 1
            for k, ct in cts:
                col_a[k].append(ct.alpha)
                col_b[k].append(ct.beta)
            if by_unit:
                pool = unit or ""
                ua, ub = unit_cols.setdefault(
                    pool, ([[] for _ in range(width)], [[] for _ in range(width)])
                )
                for k, ct in cts:
                    ua[k].append(ct.alpha)
                    ub[k].append(ct.beta)
                out.unit_counts[pool] = out.unit_counts.get(pool, 0) + 1
        else:
            excluded[seq] = [(k, bytes(ct.alpha), bytes(ct.beta)) for k, ct in cts]
    out.sums = [
        (bytes(Element.sum(a)), bytes(Element.sum(b))) for a, b in zip(col_a, col_b, strict=True)
    ]
    out.counted = counted
    out.unit_sums = {
        unit: [(bytes(Element.sum(a)), bytes(Element.sum(b))) for a, b in zip(*cols, strict=True)]
        for unit, cols in unit_cols.items()
    }
    return out


def chunks(items: list[tuple[int, str, bytes, bool]], size: int) -> Iterator[list[Any]]:
    """The worker items in chunks of ``size``."""
    for i in range(0, len(items), size):
        yield items[i : i + size]


def check_replay(life: Lifecycle, results: Sequence[ChunkResult]) -> None:
    """No tracker twice, no ciphertext twice, no audited ballot's ciphertext in a ballot."""
    fail = failure("replay")
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
                    f"board entry {seq} ({Kind.AUDITED}) repeats the audited ballot of board "
                    f"entry {audited[alpha]}"
                )
            audited[alpha] = seq
