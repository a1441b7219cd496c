"""A national-size ratification vote end to end: generate, tally, decrypt, verify.

Run from the repository root:

    .venv/bin/python bench/scale.py                    # 260,000 eligible, 150,000 cast
    .venv/bin/python bench/scale.py --ballots 5000     # a quick look
    .venv/bin/python bench/scale.py --smoke            # 200 ballots: does it run?

Why: the UPS ratification of 2023 had 260,335 eligible members and 151,231
ballots.  An observer must be able to verify a record that size on an
ordinary computer, so the targets are: ``verify_record`` of the whole record
in under 10 minutes unthrottled (wall x duty), and within 1.3x the ideal,
i.e. (cost of verifying one ballot, measured in this run) x ballots / cores.
The ratio shows how much the record's other work (chain, trackers, tally,
decryption proofs, JSON) and the parallel plumbing add on top of the proofs.

This machine's CPUs are throttled in bursts, so the CPU duty from
``../shared/tools/cpu_duty.py`` is measured before and after and every wall
time is also shown multiplied by it (an estimate of the unthrottled time).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from duty import cpu_duty  # noqa: E402

from ballot.crypto.ballots import EncryptedBallot, tracker, verify_ballot  # noqa: E402
from ballot.crypto.group import Element  # noqa: E402
from ballot.crypto.manifest import ElectionManifest  # noqa: E402
from ballot.record.election_record import KIND_CAST, read_record  # noqa: E402
from ballot.record.synthetic import (  # noqa: E402
    Challenge,
    generate_record,
    ratification_definition,
)
from ballot.record.verify import verify_record  # noqa: E402


def single_ballot_cost(path: Path, samples: int = 300) -> tuple[float, float]:
    """Median wall seconds and mean CPU seconds to verify one ballot as a verifier worker does: parse its board
    line, parse the ballot strictly, check every proof, recompute its tracker."""
    record = read_record(path)
    manifest = ElectionManifest.from_definition(record.json("definition.json"))
    key = Element.from_hex(record.json("ceremony.json")["joint_public_key"])
    fp = bytes.fromhex(record.index["fingerprint"])
    lines = [x for x in record.board_lines() if b'"kind":"' + KIND_CAST.encode() in x]
    times = []
    cpu0 = time.process_time()
    for raw in lines[:samples]:
        t0 = time.perf_counter()
        payload = json.loads(raw)["payload"]
        verify_ballot(manifest, key, fp, EncryptedBallot.from_json(payload["ballot"]))
        assert tracker(payload["ballot"]) == payload["tracker"]
        times.append(time.perf_counter() - t0)
    return statistics.median(times), (time.process_time() - cpu0) / len(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ballots", type=int, default=150_000)
    parser.add_argument("--eligible", type=int, default=None, help="default: 260,000 at full size")
    parser.add_argument("--challenged", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--keep", type=Path, default=None, help="write the record here and keep it")
    parser.add_argument("--duty-seconds", type=float, default=3.0)
    parser.add_argument("--smoke", action="store_true", help="200 ballots: does it run?")
    args = parser.parse_args()
    if args.smoke:
        args.ballots, args.challenged, args.duty_seconds = 200, 8, 0.3
    cores = args.jobs or os.cpu_count() or 1
    eligible = args.eligible or max(260_000 * args.ballots // 150_000, args.ballots + 100)

    rng = random.Random(2023)
    votes = [[[0 if rng.random() < 0.7 else 1]] for _ in range(args.ballots)]
    decisions = ["overruled", "sustained", None, "overruled"]
    challenges = [
        Challenge([[rng.randrange(2)]], decisions[i % len(decisions)])
        for i in range(args.challenged)
    ]

    duty_before = cpu_duty(args.duty_seconds)
    directory = Path(tempfile.mkdtemp(prefix="ballot-scale-"))
    path = args.keep or directory / "record.zip"
    t0 = time.perf_counter()
    gen = generate_record(
        path,
        ratification_definition("ups-2023-like"),
        votes,
        challenges=challenges,
        eligible=eligible,
        jobs=args.jobs,
    )
    generate_wall = time.perf_counter() - t0
    cost, cpu_cost = single_ballot_cost(path)
    self0, kids0 = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    t0 = time.perf_counter()
    report = verify_record(path, jobs=args.jobs)
    verify_wall = time.perf_counter() - t0
    self1, kids1 = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    verify_cpu = sum(
        b.ru_utime + b.ru_stime - a.ru_utime - a.ru_stime
        for a, b in ((self0, self1), (kids0, kids1))
    )
    cost_after, cpu_cost_after = single_ballot_cost(path)
    duty_after = cpu_duty(args.duty_seconds)
    duties = [d for d in (duty_before, duty_after) if d is not None]
    duty = statistics.mean(duties) if duties else 1.0

    counted = report.ballots
    unit = statistics.mean([cost, cost_after])
    ideal = unit * counted / cores
    decrypt = gen.timings["partial_decrypt"] + gen.timings["combine"]
    size = path.stat().st_size
    print(f"ballots cast {args.ballots:,}, challenged {args.challenged}, eligible {eligible:,}")
    print(f"record: {size / 1e6:.1f} MB ({path})")
    print(f"verify_record: {'PASS' if report.ok else 'FAIL: ' + str(report.failure)}")
    print(f"cpu duty: before {duty_before}, after {duty_after}, mean {duty:.2f}; cores {cores}")
    print(f"load average at the end (other work on this machine): {os.getloadavg()}")
    rows = [
        ("generate record (all steps)", generate_wall),
        ("  encrypt ballots (parallel)", gen.timings["encrypt"]),
        ("  build board + sign heads", gen.timings["board"]),
        ("aggregate (homomorphic tally)", gen.timings["aggregate"]),
        ("decrypt (k partials + combine)", decrypt),
        ("verify_record (whole record)", verify_wall),
    ]
    print(f"{'step':<34}{'wall s':>10}{'wall x duty s':>16}")
    for name, wall in rows:
        print(f"{name:<34}{wall:>10.2f}{wall * duty:>16.2f}")
    print(
        f"single-ballot verification: {unit * 1e3:.3f} ms (before {cost * 1e3:.3f}, "
        f"after {cost_after * 1e3:.3f})"
    )
    print(f"ideal = single x {counted:,} ballots / {cores} cores = {ideal:.2f} s")
    print(f"ratio verify_record / ideal = {verify_wall / ideal:.2f} (target <= 1.3)")
    cpu_unit = statistics.mean([cpu_cost, cpu_cost_after])
    cpu_ideal = cpu_unit * counted
    print(
        f"CPU time: verify_record used {verify_cpu:.2f} s over all processes; single-ballot "
        f"CPU {cpu_unit * 1e3:.3f} ms x {counted:,} = {cpu_ideal:.2f} s; "
        f"work ratio {verify_cpu / cpu_ideal:.2f}"
    )
    print(
        f"wall if the {cores} cores were ours alone = CPU / cores = {verify_cpu / cores:.2f} s "
        f"(wall measured {verify_wall:.2f} s; the difference is other load on the machine)"
    )
    print("verify_record phases:", {k: round(v, 2) for k, v in report.timings.items()})
    target = verify_wall * duty < 600
    print(
        f"target < 600 s unthrottled: {'OK' if target else 'MISSED'} ({verify_wall * duty:.1f} s)"
    )
    if args.keep is None:
        path.unlink()
        directory.rmdir()
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
