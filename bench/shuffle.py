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

As in the other benches (docs/PERFORMANCE.md), each phase is timed between two timings
of the reference, one libsodium variable-base multiplication
(``crypto_scalarmult_ed25519_noclamp``), and reported in milliseconds, as a multiple of
the reference, and per ciphertext in references; the CPU duty
(``../shared/tools/cpu_duty.py``) is measured before and after, and wall x duty
estimates the unthrottled time.  The run exits 1 if an honest shuffle fails to verify.
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
    """One libsodium variable-base multiplication, timed in small batches."""

    def __init__(self) -> None:
        self.scalar = bytes(Scalar.hash(b"ref-s"))
        self.point = bytes(base_mul(Scalar.hash(b"ref-p")))
        self.samples: list[float] = []

    def time_one(self, batch: int = 40) -> float:
        mul, s, p = sodium.crypto_scalarmult_ed25519_noclamp, self.scalar, self.point
        t0 = time.perf_counter()
        for _ in range(batch):
            mul(s, p)
        one = (time.perf_counter() - t0) / batch
        self.samples.append(one)
        return one


def between(ref: Reference, fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall seconds, the reference around it (mean of before and after), result)."""
    before = statistics.median(ref.time_one() for _ in range(5))
    t0 = time.perf_counter()
    out = fn()
    wall = time.perf_counter() - t0
    after = statistics.median(ref.time_one() for _ in range(5))
    return wall, (before + after) / 2, out


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


def measure(n: int, ranks: int, ref: Reference) -> dict[str, float]:
    cts = n * ranks
    inputs = ballots(n, ranks)
    gen_wall, gen_ref, _ = between(ref, lambda: derive_generators(FP, n))
    prove_wall, prove_ref, shuffle = between(
        ref, lambda: shuffle_and_prove(FP, 1, KEY, inputs, rng=seeded("prove"))
    )
    text = json.dumps(shuffle.to_json())

    def verify() -> None:
        parsed = Shuffle.from_json(json.loads(text))
        verify_shuffle_chain(FP, KEY, inputs, [parsed])

    parse_wall, parse_ref, _ = between(ref, lambda: Shuffle.from_json(json.loads(text)))
    verify_wall, verify_ref, _ = between(ref, verify)
    print(
        f"\n{n:,} ballots x {ranks} ranks = {cts:,} ciphertexts (shuffle JSON {len(text) / 1e6:.1f} MB)"
    )
    for label, wall, r in [
        ("derive the N+1 generators", gen_wall, gen_ref),
        ("shuffle + prove", prove_wall, prove_ref),
        ("verify (parse JSON + every check)", verify_wall, verify_ref),
        ("  of which: parse the JSON", parse_wall, parse_ref),
    ]:
        print(
            f"  {label:<36} {wall * 1000:11.1f} ms = {wall / r:10.0f} x ref"
            f" = {wall / r / cts:6.2f} ref/ciphertext   (ref {r * 1000:.4f} ms)"
        )
    return {
        "prove": prove_wall,
        "verify": verify_wall,
        "prove_per_ct": prove_wall / prove_ref / cts,
        "verify_per_ct": verify_wall / verify_ref / cts,
        "cts": cts,
    }


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
    ap.add_argument("--smoke", action="store_true", help="40 ballots x 3 ranks: does it run?")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.smoke:
        sizes, args.ranks, args.duty_seconds = [40], 3, 0.3

    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"PyNaCl {nacl.__version__}, python {sys.version.split()[0]}")
    ref = Reference()
    for _ in range(20):
        ref.time_one()  # warm up
    duty_before = cpu_duty(args.duty_seconds)
    count_calls(args.ranks)
    results = {}
    try:
        for n in sizes:
            results[n] = measure(n, args.ranks, ref)
    except ShuffleError as exc:
        print(f"FAILED: an honest shuffle did not verify: {exc}")
        return 1
    duty_after = cpu_duty(args.duty_seconds)
    duty = mean_duty(duty_before, duty_after)

    print()
    print(
        f"reference: median of {len(ref.samples)} batches: {statistics.median(ref.samples) * 1000:.4f} ms"
    )
    print(f"cpu duty: before {show(duty_before)}, after {show(duty_after)}, mean {show(duty)}")
    for n, r in results.items():
        if duty is None:
            continue
        print(
            f"wall x duty at {n:,}: shuffle + prove {r['prove'] * duty:.1f} s, "
            f"verify {r['verify'] * duty:.1f} s"
        )
    first = results[sizes[0]]
    for n in sizes[1:]:
        r = results[n]
        print(
            f"growth {sizes[0]:,} -> {n:,} (ref per ciphertext, 1.00 = linear): "
            f"prove {r['prove_per_ct'] / first['prove_per_ct']:.2f}, "
            f"verify {r['verify_per_ct'] / first['verify_per_ct']:.2f}"
        )
    if 1000 in results and duty is not None:
        r = results[1000]
        ok_p, ok_v = r["prove"] * duty <= 15, r["verify"] * duty <= 10
        print(
            f"targets at 1,000 x {args.ranks}: prove <= 15 s x duty: {'OK' if ok_p else 'MISSED'}; "
            f"verify <= 10 s x duty: {'OK' if ok_v else 'MISSED'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
