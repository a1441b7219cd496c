"""Benchmark the mix-net: one shuffler shuffles and proves, a verifier checks, at two sizes.

Run from the repository root:

    nice .venv/bin/python bench/shuffle.py                  # 1,000 and 10,000 ballots x 10 ranks
    .venv/bin/python bench/shuffle.py --sizes 1000          # the first size only
    .venv/bin/python bench/shuffle.py --smoke               # 40 ballots x 3 ranks: does it run?

Targets (issue 15): one trustee shuffles and proves 1,000 ballots of 10 ranks in at most
15 s x duty, verifying that shuffle takes at most 10 s x duty, and both grow linearly to
10,000 ballots.  "Verify" is what a verifier of the record does: read the shuffle's JSON
text, parse it strictly (every element of the output validated) and run every check of
the chain (``verify_shuffle_chain``).  "Shuffle + prove" is ``shuffle_and_prove``:
re-encrypt every ciphertext, permute, prove.

As in the other benches (docs/PERFORMANCE.md), every phase is reported beside the
reference, one libsodium variable-base multiplication
(``crypto_scalarmult_ed25519_noclamp``) timed in the same run: in milliseconds, as a
multiple of the reference and per ciphertext in references; the CPU duty
(``../shared/tools/cpu_duty.py``) is measured before and after, and wall x duty
estimates the unthrottled time.  The run exits 1 if an honest shuffle fails to verify.

Why the ratios use CPU time: a phase here lasts seconds to minutes, and with other
jobs on the two cores the process spends most of its wall time waiting for a CPU
(load averages of 13 were common); a short reference batch rarely waits, so wall-time
ratios swung by 2-3x between runs of the same code.  The process's CPU time counts
only the time it ran, for the phase and for the reference alike (throttling stalls
that count as CPU time hit both); so each phase's figure is its CPU time over the
reference's CPU time, with the reference timed in batches interleaved with the phase
(:class:`Interleaved`).  Wall times are printed too.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import nacl  # noqa: E402
import nacl.bindings as sodium  # noqa: E402
from duty import cpu_duty, mean_duty, show  # noqa: E402

from ballot.crypto.elgamal import Ciphertext  # noqa: E402
from ballot.crypto.group import Scalar, base_mul  # noqa: E402
from ballot.crypto.shuffle import (  # noqa: E402
    Item,
    Shuffle,
    ShuffleError,
    derive_generators,
    shuffle_and_prove,
    verify_shuffle_chain,
)

FP = hashlib.sha256(b"bench/shuffle").digest()
SECRET = Scalar.hash(b"bench/shuffle key")
KEY = base_mul(SECRET)


def seeded(seed: str) -> Callable[[], Scalar]:
    counter = itertools.count()
    return lambda: Scalar.reduce64(
        hashlib.sha512(seed.encode() + next(counter).to_bytes(8, "big")).digest()
    )


def ballots(n: int, ranks: int) -> tuple[Item, ...]:
    """n ranked ballots, every rank a real encryption under KEY.  Built with fixed-base
    multiplications only (beta = (m + r*s)*B, the secret being known here): a few seconds
    instead of a minute for 100,000 ciphertexts, and the same points as encrypt()."""
    rng = seeded(f"ballots {n}x{ranks}")
    out = []
    for i in range(n):
        item = []
        for k in range(ranks):
            r = rng()
            m = Scalar((i + k) % (ranks + 1))
            item.append(Ciphertext(base_mul(r), base_mul(m + r * SECRET)))
        out.append(tuple(item))
    return tuple(out)


class Reference:
    """One libsodium variable-base multiplication, timed in small batches (CPU and wall)."""

    def __init__(self) -> None:
        self.scalar = bytes(Scalar.hash(b"ref-s"))
        self.point = bytes(base_mul(Scalar.hash(b"ref-p")))
        self.cpu: list[float] = []
        self.wall: list[float] = []

    def time_batch(self, batch: int) -> tuple[float, float]:
        """(CPU seconds, wall seconds) of ``batch`` multiplications."""
        mul, s, p = sodium.crypto_scalarmult_ed25519_noclamp, self.scalar, self.point
        c0, w0 = time.process_time(), time.perf_counter()
        for _ in range(batch):
            mul(s, p)
        cpu, wall = time.process_time() - c0, time.perf_counter() - w0
        self.cpu.append(cpu / batch)
        self.wall.append(wall / batch)
        return cpu, wall


class Interleaved:
    """The reference timed *inside* a phase: every ``every``-th variable-base multiplication
    the code under test makes is preceded by a batch of ``batch`` reference multiplications,
    whose time is then subtracted from the phase's (about 5% extra work at the defaults).
    Spread evenly over the work, the reference meets the same conditions as the phase."""

    def __init__(self, ref: Reference, every: int = 200, batch: int = 10) -> None:
        self.ref, self.every, self.batch = ref, every, batch
        self.calls, self.mults, self.cpu, self.wall = 0, 0, 0.0, 0.0

    @contextmanager
    def active(self) -> Iterator[None]:
        name = "crypto_scalarmult_ed25519_noclamp"
        orig = getattr(sodium, name)

        def patched(*args: Any) -> Any:
            self.calls += 1
            if self.calls % self.every == 0:
                setattr(sodium, name, orig)  # the reference batch calls the original
                cpu, wall = self.ref.time_batch(self.batch)
                setattr(sodium, name, patched)
                self.cpu, self.wall, self.mults = (
                    self.cpu + cpu,
                    self.wall + wall,
                    self.mults + self.batch,
                )
            return orig(*args)

        setattr(sodium, name, patched)
        try:
            yield
        finally:
            setattr(sodium, name, orig)


@dataclass
class Phase:
    cpu: float  # seconds of CPU, the interleaved reference batches taken out
    wall: float  # seconds of wall time, likewise
    ref_cpu: float  # CPU seconds of one reference multiplication during the phase
    ref_wall: float
    duty: float | None = None  # the duty tool's figure, mean of just before and just after

    @property
    def refs(self) -> float:
        return self.cpu / self.ref_cpu


def between(
    ref: Reference, fn: Callable[[], Any], duty_seconds: float | None = None
) -> tuple[Phase, Any]:
    """Time fn() with the reference interleaved; a phase too short for 5 reference batches
    uses batches timed just before and just after it instead.  With ``duty_seconds`` the
    duty tool also runs just before and just after the phase."""
    duty_before = cpu_duty(duty_seconds) if duty_seconds else None
    before = [ref.time_batch(10) for _ in range(5)]
    inside = Interleaved(ref)
    with inside.active():
        c0, w0 = time.process_time(), time.perf_counter()
        out = fn()
        cpu = time.process_time() - c0 - inside.cpu
        wall = time.perf_counter() - w0 - inside.wall
    after = [ref.time_batch(10) for _ in range(5)]
    duty = mean_duty(duty_before, cpu_duty(duty_seconds)) if duty_seconds else None
    if inside.mults >= 5 * inside.batch:
        return Phase(cpu, wall, inside.cpu / inside.mults, inside.wall / inside.mults, duty), out
    around = before + after
    ref_cpu, ref_wall = sum(c for c, _ in around) / 100, sum(w for _, w in around) / 100
    return Phase(cpu, wall, ref_cpu, ref_wall, duty), out


@contextmanager
def counting_sodium() -> Iterator[dict[str, int]]:
    """Count libsodium calls made through ballot.crypto (which calls them by attribute)."""
    names = {
        "crypto_scalarmult_ed25519_noclamp": "var-mult",
        "crypto_scalarmult_ed25519_base_noclamp": "base-mult",
        "crypto_core_ed25519_is_valid_point": "is_valid_point",
        "crypto_core_ed25519_from_uniform": "from_uniform",
        "crypto_core_ed25519_add": "add",
        "crypto_core_ed25519_sub": "sub",
    }
    counts = dict.fromkeys(names.values(), 0)
    originals = {n: getattr(sodium, n) for n in names}

    def wrap(name: str) -> Callable[..., Any]:
        orig, short = originals[name], names[name]

        def counted(*args: Any) -> Any:
            counts[short] += 1
            return orig(*args)

        return counted

    for n in names:
        setattr(sodium, n, wrap(n))
    try:
        yield counts
    finally:
        for n, f in originals.items():
            setattr(sodium, n, f)


def per_ciphertext(counts: dict[str, int], cts: int) -> str:
    return ", ".join(f"{k} {v / cts:.2f}" for k, v in counts.items() if v)


def measure(n: int, ranks: int, ref: Reference, duty_seconds: float) -> dict[str, Phase]:
    cts = n * ranks
    inputs = ballots(n, ranks)
    generators, _ = between(ref, lambda: derive_generators(FP, n))
    prove, shuffle = between(
        ref, lambda: shuffle_and_prove(FP, 1, KEY, inputs, rng=seeded("prove")), duty_seconds
    )
    text = json.dumps(shuffle.to_json())

    def verify_text() -> None:
        verify_shuffle_chain(FP, KEY, inputs, [Shuffle.from_json(json.loads(text))])

    parse, _ = between(ref, lambda: Shuffle.from_json(json.loads(text)))
    verify, _ = between(ref, verify_text, duty_seconds)
    print(f"\n{n:,} ballots x {ranks} ranks = {cts:,} ciphertexts (JSON {len(text) / 1e6:.1f} MB)")
    print(f"  {'':<34} {'CPU':>11} {'x ref':>9} {'ref/ct':>7} {'wall':>11} {'ref (CPU)':>10}")
    for label, ph in [
        ("derive the N+1 generators", generators),
        ("shuffle + prove", prove),
        ("verify (parse JSON + every check)", verify),
        ("  of which: parse the JSON", parse),
    ]:
        print(
            f"  {label:<34} {ph.cpu * 1000:8.0f} ms {ph.refs:9.0f} {ph.refs / cts:7.2f}"
            f" {ph.wall * 1000:8.0f} ms {ph.ref_cpu * 1000:7.4f} ms"
        )
    return {"prove": prove, "verify": verify}


def count_calls(ranks: int) -> None:
    """libsodium calls per ciphertext, on a small list of the same width (values do not
    change the count; the per-item overhead is a little larger on a short list)."""
    n = 50
    inputs = ballots(n, ranks)
    derive_generators(FP, n)
    with counting_sodium() as counts:
        shuffle = shuffle_and_prove(FP, 1, KEY, inputs, rng=seeded("count"))
    prove = dict(counts)
    text = json.dumps(shuffle.to_json())
    with counting_sodium() as counts:
        verify_shuffle_chain(FP, KEY, inputs, [Shuffle.from_json(json.loads(text))])
    verify = dict(counts)
    print(f"libsodium calls per ciphertext ({n} x {ranks}, generators cached):")
    print(f"  shuffle + prove: {per_ciphertext(prove, n * ranks)}")
    print(f"  verify:          {per_ciphertext(verify, n * ranks)}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="1000,10000", help="numbers of ballots, comma-separated")
    ap.add_argument("--ranks", type=int, default=10, help="ciphertexts per ballot")
    ap.add_argument("--duty-seconds", type=float, default=3.0)
    ap.add_argument(
        "--idle-ref-ms",
        type=float,
        default=0.066,
        help="the reference on an idle machine (docs/PERFORMANCE.md), for a second estimate",
    )
    ap.add_argument("--smoke", action="store_true", help="40 ballots x 3 ranks: does it run?")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.smoke:
        sizes, args.ranks, args.duty_seconds = [40], 3, 0.3

    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"PyNaCl {nacl.__version__}, python {sys.version.split()[0]}")
    ref = Reference()
    for _ in range(20):
        ref.time_batch(40)  # warm up
    duty_before = cpu_duty(args.duty_seconds)
    count_calls(args.ranks)
    results = {}
    try:
        for n in sizes:
            results[n] = measure(n, args.ranks, ref, args.duty_seconds)
    except ShuffleError as exc:
        print(f"FAILED: an honest shuffle did not verify: {exc}")
        return 1
    duty_after = cpu_duty(args.duty_seconds)
    duty = mean_duty(duty_before, duty_after)

    print()
    print(
        f"reference (all batches, median): CPU {statistics.median(ref.cpu) * 1000:.4f} ms, "
        f"wall {statistics.median(ref.wall) * 1000:.4f} ms"
    )
    print(f"cpu duty: before {show(duty_before)}, after {show(duty_after)}, mean {show(duty)}")
    idle = args.idle_ref_ms / 1000
    for n, r in results.items():
        p, v = r["prove"], r["verify"]
        print(f"at {n:,}: duty around shuffle + prove {show(p.duty)}, around verify {show(v.duty)}")
        if p.duty is not None and v.duty is not None:
            print(
                f"  wall x duty: shuffle + prove {p.wall * p.duty:.1f} s, "
                f"verify {v.wall * v.duty:.1f} s"
            )
        print(
            f"  CPU time (wall x the phase's own share of a CPU): shuffle + prove {p.cpu:.1f} s, "
            f"verify {v.cpu:.1f} s"
        )
        print(
            f"  x ref at an idle reference of {args.idle_ref_ms} ms: "
            f"shuffle + prove {p.refs * idle:.1f} s, verify {v.refs * idle:.1f} s"
        )
    first = results[sizes[0]]
    for n in sizes[1:]:
        r, scale = results[n], n / sizes[0]
        print(
            f"growth {sizes[0]:,} -> {n:,} (ref per ciphertext, 1.00 = linear): "
            f"prove {r['prove'].refs / first['prove'].refs / scale:.2f}, "
            f"verify {r['verify'].refs / first['verify'].refs / scale:.2f}"
        )
    if 1000 in results:
        p, v = results[1000]["prove"], results[1000]["verify"]
        for label, ph, target in [("shuffle + prove", p, 15), ("verify", v, 10)]:
            estimates = {"CPU": ph.cpu, "idle ref": ph.refs * idle}
            if ph.duty is not None:
                estimates["wall x duty"] = ph.wall * ph.duty
            shown = ", ".join(f"{k} {x:.1f} s" for k, x in estimates.items())
            verdict = "OK" if max(estimates.values()) <= target else "MISSED"
            print(
                f"target at 1,000 x {args.ranks}: {label} <= {target} s unthrottled: "
                f"{verdict} ({shown})"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
