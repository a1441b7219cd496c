"""The verifier's run: every check in order, ballot proofs on every core meanwhile."""

from __future__ import annotations

import os
import time
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Final

from ballot.record.election_record import RecordFormatError, read_record
from ballot.record.kinds import Kind
from ballot.record.verify.ballots import (
    CHUNK,
    ChunkResult,
    check_chunk,
    check_replay,
    chunks,
    init_worker,
)
from ballot.record.verify.ceremony import Context, check_ceremony, check_definition
from ballot.record.verify.heads import check_fingerprint, check_heads
from ballot.record.verify.lifecycle import check_lifecycle
from ballot.record.verify.mix import check_mix
from ballot.record.verify.report import (
    MIX_PENDING_NOTE,
    V1_NOTE,
    Progress,
    VerificationFailed,
    VerificationReport,
    definition_labels,
)
from ballot.record.verify.results import check_copies, check_round_result, find_tracker
from ballot.record.verify.rounds import check_partials, check_tally
from ballot.record.verify.scan import Lifecycle, check_links, scan_board
from ballot.record.verify.subtotals import check_unit_partials, check_unit_tallies, pool_counts
from ballot.record.verify.witnesses import check_cosignatures, check_witness, read_witness_log

#: Below this many ballots a process pool costs more than it saves.
POOL_THRESHOLD: Final = 200


def verify_record(
    path: Path,
    *,
    jobs: int | None = None,
    progress: Progress | None = None,
    tracker: str | None = None,
    witness: Path | None = None,
    fingerprint: str | None = None,
) -> VerificationReport:
    """Check a record completely; never raises for a bad record (the report says why).

    ``jobs``: worker processes for the ballot proofs (default: every core).
    ``progress(step, done, total)`` is called as work advances.  ``tracker``
    (full hex or the short ABCD-EFGH-... form) asks whether one voter's ballot is
    on the board and counted; the answer is in ``report.tracker``.  ``witness``: a
    witness's log (or its state folder); the record must agree with everything that
    witness cosigned and end on a head it cosigned (``report.witnessed`` says so).
    ``fingerprint`` (64 hex, spaces allowed): the election the caller expects, noted when
    voting opened; a record of any other election fails at once.
    """
    started = time.perf_counter()
    passed: list[str] = []
    report = VerificationReport(False, None, None, passed)
    tick = progress or (lambda step, done, total: None)
    pool: ProcessPoolExecutor | None = None
    try:
        try:
            record = read_record(path)
            report.election_id, report.version = record.election_id, record.version
            if record.version == 1:
                report.notes.append(V1_NOTE)
            if fingerprint is not None:
                # Before reading a possibly huge board: the wrong election is refused at once.
                check_fingerprint(record.index, fingerprint)
            record.check_members()
        except RecordFormatError as exc:
            raise VerificationFailed("record members", str(exc)) from exc
        passed.append("record members")
        if fingerprint is not None:
            passed.append("election fingerprint")
        tick("record members", 1, 1)
        try:
            lines = scan_board(record.board_lines())
        except RecordFormatError as exc:
            raise VerificationFailed("board chain", str(exc)) from exc
        if not lines:
            raise VerificationFailed("board chain", "the board is empty")
        ctx = Context(record, lines)
        # Definition, ceremony and lifecycle are cheap: check them first so that the
        # ballot workers can start at once; failures are reported in STEPS order below.
        early: dict[str, VerificationFailed] = {}
        for step, check in (("definition", check_definition), ("key ceremony", check_ceremony)):
            try:
                check(ctx)
            except VerificationFailed as exc:
                early[step] = exc
                break
            except RecordFormatError as exc:
                early[step] = VerificationFailed(step, str(exc))
                break
        life: Lifecycle | None = None
        try:
            life = check_lifecycle(lines, record.version)
        except VerificationFailed as exc:
            early["board lifecycle"] = exc
        t0 = time.perf_counter()
        futures: list[Future[ChunkResult]] = []
        items: list[tuple[int, str, bytes, bool]] = []
        results: list[ChunkResult] = []
        workers_run = not early and life is not None
        if workers_run:
            assert life is not None and ctx.ceremony is not None
            first = life.rounds[0]
            items = [
                (b.seq, b.kind, lines[b.seq].raw, life.counted(b, first)) for b in life.ballots
            ]
            items += [(a.seq, Kind.AUDITED, lines[a.seq].raw, False) for a in life.audits]
            items.sort()
            init = (*ctx.texts, life.min_size is not None)
            workers = jobs or os.cpu_count() or 1
            if len(items) >= POOL_THRESHOLD and workers > 1:
                pool = ProcessPoolExecutor(workers, initializer=init_worker, initargs=init)
                futures = [pool.submit(check_chunk, c) for c in chunks(items, CHUNK)]
            else:
                init_worker(*init)
        # The main process checks the links while the workers check the ballots.
        tick("board chain", 0, len(lines))
        try:
            chain_errors = check_links(lines, hashed_elsewhere=workers_run)
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
            for chunk in chunks(items, CHUNK):
                results.append(check_chunk(chunk))
                done += len(chunk)
                tick("ballots", done, total)
        report.timings["chain and ballots"] = time.perf_counter() - t0

        chain_errors += [e for r in results for e in r.chain_errors]
        if chain_errors:
            raise VerificationFailed("board chain", f"board chain broken: {min(chain_errors)[1]}")
        passed.append("board chain")
        check_heads(ctx)
        passed.append("signed heads")
        if "definition" in early:
            raise early["definition"]
        passed.append("definition")
        carried = check_cosignatures(ctx)
        passed.append("cosignatures")
        if witness is not None:
            report.witnessed = check_witness(ctx, read_witness_log(witness), carried)
            passed.append("witness")
        for step in ("key ceremony", "board lifecycle"):
            if step in early:
                raise early[step]
            passed.append(step)
        assert life is not None and ctx.manifest is not None
        report.ballots = len(life.ballots)
        if tracker is not None:
            report.tracker = find_tracker(life, tracker)
        errors = sorted(e for r in results for e in r.errors)
        if errors:
            raise VerificationFailed("ballots", errors[0][1])
        passed.append("ballots")
        check_replay(life, results)
        passed.append("replay")
        t0 = time.perf_counter()
        # Every round is checked exactly alike, step by step (all tallies, then all
        # decryptions, then all results), so a failure names the earliest step.
        tallies = [check_tally(ctx, life, count, results) for count in life.rounds]
        unit_tallies = [
            check_unit_tallies(ctx, life, count, tally, results)
            for count, tally in zip(life.rounds, tallies, strict=True)
        ]
        passed.append("encrypted tally")
        decrypted = [
            check_partials(ctx, count, tally)
            for count, tally in zip(life.rounds, tallies, strict=True)
        ]
        unit_slots = [
            check_unit_partials(ctx, count, units)
            for count, units in zip(life.rounds, unit_tallies, strict=True)
        ]
        passed.append("partial decryptions")
        published: object = None
        for count, tally, (slots, _), units, uslots in zip(
            life.rounds, tallies, decrypted, unit_tallies, unit_slots, strict=True
        ):
            expected, published = check_round_result(
                ctx, life, count, tally, slots, pool_counts(ctx, units, uslots)
            )
        passed.extend(["counts", "outcome"])
        if life.mix is not None:
            t1 = time.perf_counter()
            report.ranked = check_mix(ctx, life)
            passed.append("mix")
            report.timings["mix"] = time.perf_counter() - t1
            if life.mix.result is None:
                report.notes.append(MIX_PENDING_NOTE)
        report.result = expected
        report.channels = {
            "online": sum(1 for b in life.ballots if life.counted(b)),
            "paper": sum(n for n, _ in life.paper.counts) if life.paper is not None else 0,
            "set_aside": len(life.paper.set_aside) if life.paper is not None else 0,
        }
        report.labels = definition_labels(ctx.definition)
        report.timings["tally and result"] = time.perf_counter() - t0
        check_copies(record, lines, life, decrypted[-1][1], published)
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
