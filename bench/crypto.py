"""Benchmark the ballot cryptography against one libsodium scalar multiplication.

Run from the repository root:

    .venv/bin/python bench/crypto.py                      # 10,000 ballots aggregated
    .venv/bin/python bench/crypto.py --ballots 1000000    # the real million
    .venv/bin/python bench/crypto.py --smoke              # 300 ballots: does it run?

Why a reference: this machine's CPUs are throttled in bursts, so a wall-clock
millisecond means little on its own.  Every figure is also printed as a
multiple of one libsodium variable-base scalar multiplication
(``crypto_scalarmult_ed25519_noclamp``) timed in the same run, interleaved
with the measurements so that throttling hits both alike; and the CPU duty
(``../shared/tools/cpu_duty.py``) is printed so that wall x duty estimates the
unthrottled cost.

Targets (issue): verify one yes/no ballot <= 10 reference mults, encrypt one
<= 12, aggregate 1,000,000 ballots < 60 s unthrottled (wall x duty).

What is measured: encrypt_ballot and verify_ballot on a one-question yes/no
election (one slot, one [0, 1] proof), or with ``--primitives`` the primitives
alone (encrypt + prove_range [0, 1], parse + verify).  No fallback: if a
function this bench uses moves, the bench fails (CI runs it with ``--smoke``).
"Verify" is the full path a server or verifier takes: json.loads of the
ballot text, strict parsing (element validation included), every proof.
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
from duty import cpu_duty  # noqa: E402

from ballot.crypto.elgamal import Ciphertext, encrypt  # noqa: E402
from ballot.crypto.group import Element, Scalar, base_mul  # noqa: E402
from ballot.crypto.proofs import RangeProof, prove_range  # noqa: E402

YES_NO: dict[str, Any] = {
    "election_id": "bench",
    "questions": [{"id": "q", "min": 1, "max": 1, "options": [{"id": "yes"}, {"id": "no"}]}],
}
THRESHOLD_K, THRESHOLD_N = 2, 3


@dataclass
class Keys:
    """The election key: a 2-of-3 threshold key from the local ceremony."""

    public: Element
    fingerprint: bytes
    decrypt: Callable[[list[Ciphertext]], list[int]]
    how: str


def setup_keys() -> Keys:
    """A 2-of-3 key from the local ceremony: the same code a committee's server runs."""
    from ballot.crypto.ceremony import TrusteeShare, local_ceremony
    from ballot.crypto.manifest import election_fingerprint, manifest_hash
    from ballot.crypto.threshold import combine_tally, partial_decrypt_tally

    mhash = manifest_hash(YES_NO)
    transcript, blobs = local_ceremony(THRESHOLD_K, THRESHOLD_N, mhash, rng=seeded("ceremony"))
    shares = [TrusteeShare.from_bytes(b) for b in blobs]
    public = shares[0].joint_public_key
    vkeys = {int(i): Element.from_hex(v) for i, v in transcript["verification_keys"].items()}  # type: ignore[union-attr]
    fingerprint = election_fingerprint(mhash, public, [vkeys[i] for i in sorted(vkeys)])

    def decrypt_threshold(cts: list[Ciphertext]) -> list[int]:
        tally = {f"slot-{i}": ct for i, ct in enumerate(cts)}
        partials = [
            p
            for share in shares[:THRESHOLD_K]
            for p in partial_decrypt_tally(share.index, share.secret_share, tally, fingerprint)
        ]
        counts = combine_tally(tally, partials, vkeys, THRESHOLD_K, fingerprint)
        return [counts[label] for label in tally]

    how = f"{THRESHOLD_K}-of-{THRESHOLD_N} threshold key (partials + proofs + combination)"
    return Keys(public, fingerprint, decrypt_threshold, how)


def seeded(seed: str) -> Callable[[], Scalar]:
    counter = itertools.count()
    return lambda: Scalar.reduce64(
        hashlib.sha512(seed.encode() + next(counter).to_bytes(8, "big")).digest()
    )


# --------------------------------------------------------------------------- the two paths


@dataclass
class Path_:
    name: str
    encrypt: Callable[[], Any]  # -> ballot object
    to_text: Callable[[Any], str]  # ballot -> JSON text
    verify_text: Callable[[str], None]  # full path: parse JSON + verify
    ciphertexts: Callable[[Any], list[Ciphertext]]
    #: ballots -> one ciphertext per slot; None means Element.sum over the slot columns
    aggregate: Callable[[Iterator[Any]], list[Ciphertext]] | None = None


def primitive_path(public: Element, fingerprint: bytes) -> Path_:
    ctx = ["slot", 0, 0]

    def enc() -> tuple[Ciphertext, RangeProof]:
        r = Scalar.random()
        m = 1
        ct = encrypt(public, m, r)
        return ct, prove_range(ct, m, r, public, 0, 1, fingerprint, ctx)

    def to_text(b: tuple[Ciphertext, RangeProof]) -> str:
        return json.dumps({"ciphertext": b[0].to_json(), "proof": b[1].to_json()})

    def verify_text(text: str) -> None:
        obj = json.loads(text)
        ct = Ciphertext.from_json(obj["ciphertext"])
        RangeProof.from_json(obj["proof"]).verify(ct, public, 0, 1, fingerprint, ctx)

    return Path_(
        "primitives (encrypt + prove_range [0,1])", enc, to_text, verify_text, lambda b: [b[0]]
    )


def ballot_path(public: Element, fingerprint: bytes) -> Path_:
    from ballot.crypto import ballots as B
    from ballot.crypto.manifest import ElectionManifest
    from ballot.crypto.tally import aggregate as tally_aggregate

    manifest = ElectionManifest.from_definition(YES_NO)

    def enc() -> Any:
        ballot, _secrets = B.encrypt_ballot(manifest, public, fingerprint, [[0]])
        return ballot

    def verify_text(text: str) -> None:
        B.verify_ballot(manifest, public, fingerprint, json.loads(text))

    def cts(ballot: Any) -> list[Ciphertext]:
        return [s.ciphertext for q in ballot.questions for s in q.slots]

    def aggregate(ballots: Iterator[Any]) -> list[Ciphertext]:
        return [ct for q in tally_aggregate(manifest, ballots).questions for ct in q]

    return Path_(
        "ballots.encrypt_ballot / verify_ballot (yes/no) + tally.aggregate",
        enc,
        lambda b: json.dumps(b.to_json()),
        verify_text,
        cts,
        aggregate,
    )


# --------------------------------------------------------------------------- measurement


class Reference:
    """One libsodium variable-base multiplication, timed in small batches."""

    def __init__(self) -> None:
        self.scalar = bytes(Scalar.reduce64(hashlib.sha512(b"ref-s").digest()))
        self.point = bytes(base_mul(Scalar.reduce64(hashlib.sha512(b"ref-p").digest())))

    def time_one(self, batch: int = 20) -> float:
        mul, s, p = sodium.crypto_scalarmult_ed25519_noclamp, self.scalar, self.point
        t0 = time.perf_counter()
        for _ in range(batch):
            mul(s, p)
        return (time.perf_counter() - t0) / batch


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


@contextmanager
def counting_sodium() -> Iterator[dict[str, int]]:
    """Count libsodium calls made through ballot.crypto (which calls them by attribute)."""
    names = [
        "crypto_scalarmult_ed25519_noclamp",
        "crypto_scalarmult_ed25519_base_noclamp",
        "crypto_core_ed25519_is_valid_point",
        "crypto_core_ed25519_add",
        "crypto_core_ed25519_sub",
    ]
    counts = dict.fromkeys(names, 0)
    originals = {n: getattr(sodium, n) for n in names}

    def wrap(name: str) -> Callable[..., Any]:
        orig = originals[name]

        def counted(*args: Any) -> Any:
            counts[name] += 1
            return orig(*args)

        return counted

    for n in names:
        setattr(sodium, n, wrap(n))
    try:
        yield counts
    finally:
        for n, f in originals.items():
            setattr(sodium, n, f)


def fmt(seconds: float, ref: float) -> str:
    return f"{seconds * 1000:10.3f} ms  = {seconds / ref:8.2f} x ref"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ballots", type=int, default=10_000, help="ballots to aggregate")
    ap.add_argument("--rounds", type=int, default=41, help="rounds for encrypt/verify medians")
    ap.add_argument("--pool", type=int, default=500, help="distinct ballots cycled in aggregation")
    ap.add_argument("--duty-seconds", type=float, default=3.0)
    ap.add_argument("--primitives", action="store_true", help="force the primitive path")
    ap.add_argument("--smoke", action="store_true", help="a few hundred ballots: does it run?")
    args = ap.parse_args()

    keys = setup_keys()
    public = keys.public
    if args.smoke:
        args.ballots, args.rounds, args.pool, args.duty_seconds = 300, 5, 20, 0.3
    path = (
        primitive_path(public, keys.fingerprint)
        if args.primitives
        else ballot_path(public, keys.fingerprint)
    )
    ref = Reference()
    for _ in range(50):
        ref.time_one()  # warm up

    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"measuring: {path.name}; key: {keys.how}")
    print(f"PyNaCl {nacl.__version__}, python {sys.version.split()[0]}")
    duty_before = cpu_duty(args.duty_seconds)

    # encrypt / verify, interleaved with the reference
    refs, encs, vers, enc_ratio, ver_ratio = [], [], [], [], []
    sample = path.encrypt()
    sample_text = path.to_text(sample)
    path.verify_text(sample_text)
    for _ in range(args.rounds):
        r1 = ref.time_one()
        t_enc, ballot = timed(path.encrypt)
        r2 = ref.time_one()
        text = path.to_text(ballot)
        t_ver, _ = timed(lambda text=text: path.verify_text(text))
        r3 = ref.time_one()
        refs += [r1, r2, r3]
        encs.append(t_enc)
        vers.append(t_ver)
        enc_ratio.append(t_enc / ((r1 + r2) / 2))
        ver_ratio.append(t_ver / ((r2 + r3) / 2))
    ref_med = statistics.median(refs)

    with counting_sodium() as counts:
        path.verify_text(sample_text)
    verify_counts = dict(counts)
    with counting_sodium() as counts:
        path.encrypt()
    encrypt_counts = dict(counts)

    # aggregation: a pool of distinct ballots cycled up to N (cost does not depend on values)
    pool_size = max(1, min(args.pool, args.ballots))
    pool_ballots = [path.encrypt() for _ in range(pool_size)]
    pool = [path.ciphertexts(b) for b in pool_ballots]
    n_slots = len(pool[0])
    alphas = [[b[k].alpha for b in pool] for k in range(n_slots)]
    betas = [[b[k].beta for b in pool] for k in range(n_slots)]

    def stream(items: list[Element], n: int) -> Iterator[Element]:
        return itertools.islice(itertools.cycle(items), n)

    ra = ref.time_one()
    if path.aggregate is not None:
        t_agg, totals = timed(
            lambda: path.aggregate(itertools.islice(itertools.cycle(pool_ballots), args.ballots))
        )
    else:
        t_agg, totals = timed(
            lambda: [
                Ciphertext(
                    Element.sum(stream(alphas[k], args.ballots)),
                    Element.sum(stream(betas[k], args.ballots)),
                )
                for k in range(n_slots)
            ]
        )
    rb = ref.time_one()
    agg_ref = (ra + rb) / 2

    # parsing cost per ballot ciphertext from hex (what re-reading a board costs)
    hexes = [c.to_json() for c in pool[0]] * 1
    t_parse_one = statistics.median(
        timed(lambda: [Ciphertext.from_json(h) for h in hexes])[0] for _ in range(200)
    )

    # decryption of the aggregate (threshold: k partials with proofs, verified, combined)
    expected = args.ballots  # every bench ballot says "yes" (slot value 1)
    t_dec, counted = timed(lambda: keys.decrypt(totals))
    assert counted == [expected] * n_slots, (counted, expected)

    duty_after = cpu_duty(args.duty_seconds)
    duties = [d for d in (duty_before, duty_after) if d is not None]
    duty = statistics.mean(duties) if duties else None

    print()
    print(
        f"reference: one crypto_scalarmult_ed25519_noclamp, median of {len(refs)} batches "
        f"of 20: {ref_med * 1000:.4f} ms"
    )
    print(
        f"encrypt one yes/no ballot  (median of {args.rounds}): {fmt(statistics.median(encs), ref_med)}"
        f"   [median per-round ratio {statistics.median(enc_ratio):.2f} x ref]"
    )
    print(
        f"verify one yes/no ballot   (median of {args.rounds}): {fmt(statistics.median(vers), ref_med)}"
        f"   [median per-round ratio {statistics.median(ver_ratio):.2f} x ref]"
    )
    print(f"  libsodium calls in one verify:  {_calls(verify_counts)}")
    print(f"  libsodium calls in one encrypt: {_calls(encrypt_counts)}")
    print(f"parse one ballot's ciphertexts from hex (validation): {fmt(t_parse_one, ref_med)}")
    agg_how = "tally.aggregate" if path.aggregate else "Element.sum"
    per = t_agg / args.ballots
    print(
        f"aggregate {args.ballots:,} ballots ({n_slots} slot(s), {agg_how}): "
        f"{t_agg:.3f} s = {per * 1e6:.2f} us/ballot = {per / agg_ref:.3f} x ref/ballot"
    )
    million = per * 1_000_000
    label = "measured" if args.ballots == 1_000_000 else "extrapolated"
    print(f"aggregate 1,000,000 ballots ({label}): {million:.1f} s wall")
    print(f"decrypt + decode the tally ({counted[0]:,}, {keys.how}): {fmt(t_dec, ref_med)}")
    print(f"re-parsing 1,000,000 ballots from hex would add {t_parse_one * 1e6:.1f} s wall")
    print()
    if duty is None:
        print("cpu duty: unavailable (../shared/tools/cpu_duty.py not found)")
    else:
        print(f"cpu duty: before {duty_before}, after {duty_after}, mean {duty:.2f}")
        print(
            f"wall x duty (unthrottled estimate): encrypt "
            f"{statistics.median(encs) * duty * 1000:.3f} ms, verify "
            f"{statistics.median(vers) * duty * 1000:.3f} ms, aggregate 1,000,000 "
            f"{million * duty:.1f} s, reference {ref_med * duty * 1000:.4f} ms"
        )
    ok_v = statistics.median(vers) / ref_med <= 10
    ok_e = statistics.median(encs) / ref_med <= 12
    ok_a = million * (duty or 1.0) < 60
    print(
        f"targets: verify <= 10 ref: {'OK' if ok_v else 'MISSED'}; encrypt <= 12 ref: "
        f"{'OK' if ok_e else 'MISSED'}; aggregate 1M < 60 s (wall x duty): "
        f"{'OK' if ok_a else 'MISSED'}"
    )


def _calls(counts: dict[str, int]) -> str:
    short = {
        "crypto_scalarmult_ed25519_noclamp": "var-mult",
        "crypto_scalarmult_ed25519_base_noclamp": "base-mult",
        "crypto_core_ed25519_is_valid_point": "is_valid_point",
        "crypto_core_ed25519_add": "add",
        "crypto_core_ed25519_sub": "sub",
    }
    return ", ".join(f"{short[k]} {v}" for k, v in counts.items())


if __name__ == "__main__":
    main()
