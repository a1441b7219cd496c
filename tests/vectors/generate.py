"""Write the fixed test vectors in tests/vectors/*.json.

Run from the repository root:  .venv/bin/python tests/vectors/generate.py

Why vectors: an independent verifier (the browser twin in JavaScript, or anyone
following docs/PROTOCOL.md) must compute exactly the same bytes as this code.
Every file has the shape ``{"description": str, "cases": [ {...} ]}``; every
group element and scalar is a 64-character lower-case hex string (32 bytes,
little-endian as on the wire), every byte string is lower-case hex.

Determinism: all "random" scalars come from :func:`seeded_scalars`:
``scalar_i = SHA-512(utf8(seed) || i as 8-byte big-endian) mod L`` for
i = 0, 1, 2, ...  Proof cases also list the nonces they consumed, in order
("nonces"), so a re-implementation can reproduce a proof without this rng.

Transcript parts (proof contexts) are written as ``{"type": T, "value": V}``
with T one of "str" (V a string), "int" (V a JSON number, 0 <= V < 2^53 here),
"bytes", "scalar", "element" (V lower-case hex).

Running the script twice gives byte-identical files; tests/crypto/test_vectors.py
checks both that the files match this script and that every case recomputes.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ballot.crypto.elgamal import Ciphertext, decode_count, encrypt  # noqa: E402
from ballot.crypto.fiat_shamir import DOMAIN_PREFIX, Part, encode_part, fiat_shamir_challenge  # noqa: E402
from ballot.crypto.group import (  # noqa: E402
    BASE,
    IDENTITY,
    Element,
    GroupError,
    L,
    Scalar,
    base_mul,
)
from ballot.crypto.proofs import prove_equality, prove_range, prove_schnorr  # noqa: E402

HERE = Path(__file__).resolve().parent
P = 2**255 - 19
D = (-121665 * pow(121666, -1, P)) % P

Json = dict[str, Any]


# --------------------------------------------------------------------------- helpers


def seeded_scalars(seed: str) -> Iterator[Scalar]:
    """SHA-512(seed || counter) reduced mod L, counter as 8 bytes big-endian from 0."""
    for i in itertools.count():
        yield Scalar.reduce64(hashlib.sha512(seed.encode() + i.to_bytes(8, "big")).digest())


class Recorder:
    """An rng for the provers that remembers what it handed out (the "nonces")."""

    def __init__(self, seed: str) -> None:
        self._it = seeded_scalars(seed)
        self.drawn: list[Scalar] = []

    def __call__(self) -> Scalar:
        s = next(self._it)
        self.drawn.append(s)
        return s

    def hexes(self) -> list[str]:
        return [s.hex() for s in self.drawn]


def part_json(part: Part) -> Json:
    if isinstance(part, Element):
        return {"type": "element", "value": part.hex()}
    if isinstance(part, Scalar):
        return {"type": "scalar", "value": part.hex()}
    if isinstance(part, bytes):
        return {"type": "bytes", "value": part.hex()}
    if isinstance(part, str):
        return {"type": "str", "value": part}
    return {"type": "int", "value": part}


def fingerprint(label: str) -> bytes:
    """A stand-in election fingerprint (32 bytes) for the crypto-only vectors."""
    return hashlib.sha256(label.encode()).digest()


def y_bytes(y: int, sign: int = 0) -> bytes:
    return (y | (sign << 255)).to_bytes(32, "little")


def ref_decode(data: bytes) -> tuple[int, int] | None:
    y = int.from_bytes(data, "little") & ((1 << 255) - 1)
    sign = data[31] >> 7
    if y >= P:
        return None
    x2 = (y * y - 1) * pow(D * y * y + 1, -1, P) % P
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P:
        x = x * pow(2, (P - 1) // 4, P) % P
    if (x * x - x2) % P or (x == 0 and sign):
        return None
    return (P - x if x & 1 != sign else x, y)


def ref_add(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
    (x1, y1), (x2, y2) = a, b
    t = D * x1 * x2 * y1 * y2 % P
    return (
        (x1 * y2 + x2 * y1) * pow(1 + t, -1, P) % P,
        (y1 * y2 + x1 * x2) * pow(1 - t, -1, P) % P,
    )


def ref_encode(pt: tuple[int, int]) -> bytes:
    return (pt[1] | ((pt[0] & 1) << 255)).to_bytes(32, "little")


# --------------------------------------------------------------------------- group


def group_scalars() -> Json:
    rng = seeded_scalars("vectors/scalars")
    pairs = [(Scalar(0), Scalar(1)), (Scalar(1), Scalar(L - 1)), (Scalar(L - 1), Scalar(L - 1))]
    pairs += [(next(rng), next(rng)) for _ in range(6)]
    cases = []
    for a, b in pairs:
        cases.append(
            {
                "a": a.hex(),
                "b": b.hex(),
                "sum": (a + b).hex(),
                "difference": (a - b).hex(),
                "product": (a * b).hex(),
                "negation_of_a": (-a).hex(),
                "inverse_of_b": b.inverse().hex(),
            }
        )
    return {
        "description": "Scalar arithmetic modulo L = 2^252 + 27742317777372353535851937790883648493: "
        "a+b, a-b, a*b, -a, 1/b (b is never zero). Scalars are 32-byte little-endian.",
        "cases": cases,
    }


def group_base_mul() -> Json:
    rng = seeded_scalars("vectors/base_mul")
    scalars = [Scalar(0), Scalar(1), Scalar(2), Scalar(3), Scalar(L - 1), Scalar(2**252)]
    scalars += [next(rng) for _ in range(8)]
    return {
        "description": "Fixed-base multiplication point = scalar*B. scalar 0 gives the identity "
        "(encoded 01 00..00), which libsodium refuses to compute and must be special-cased.",
        "cases": [{"scalar": s.hex(), "point": base_mul(s).hex()} for s in scalars],
    }


def group_scalar_mul() -> Json:
    rng = seeded_scalars("vectors/scalar_mul")
    cases = []
    for i in range(10):
        k = next(rng)
        point = base_mul(next(rng))
        if i == 0:
            k = Scalar(0)
        if i == 1:
            point = IDENTITY
        if i == 2:
            k = Scalar(L - 1)
        cases.append({"scalar": k.hex(), "point": point.hex(), "product": (point * k).hex()})
    return {
        "description": "Variable-base multiplication product = scalar*point. Includes scalar 0 "
        "and the identity as point (both give the identity).",
        "cases": cases,
    }


def group_add() -> Json:
    rng = seeded_scalars("vectors/add")
    pts = [base_mul(next(rng)) for _ in range(10)]
    pairs = [(pts[0], IDENTITY), (IDENTITY, pts[1]), (pts[2], pts[2]), (pts[3], -pts[3])]
    pairs += list(itertools.pairwise(pts[4:]))
    return {
        "description": "Point addition and subtraction: sum = p + q, difference = p - q, "
        "negation_of_p = -p. Any of them may be the identity.",
        "cases": [
            {
                "p": p.hex(),
                "q": q.hex(),
                "sum": (p + q).hex(),
                "difference": (p - q).hex(),
                "negation_of_p": (-p).hex(),
            }
            for p, q in pairs
        ],
    }


def group_hash_to_scalar() -> Json:
    inputs = [b"", b"abc", b"ballot/v1/", bytes(range(256)), b"\xff" * 64]
    return {
        "description": "hash_to_scalar(data) = SHA-512(data) read as a 512-bit little-endian "
        "integer, reduced mod L.",
        "cases": [
            {
                "data": d.hex(),
                "sha512": hashlib.sha512(d).hexdigest(),
                "scalar": Scalar.hash(d).hex(),
            }
            for d in inputs
        ],
    }


TORSION_HEX = [
    "0100000000000000000000000000000000000000000000000000000000000000",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "0000000000000000000000000000000000000000000000000000000000000080",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
]


def _off_curve(count: int) -> list[bytes]:
    out: list[bytes] = []
    for i in itertools.count():
        if len(out) == count:
            return out
        y = int.from_bytes(hashlib.sha256(b"off-curve" + bytes([i])).digest(), "little") % P
        if ref_decode(y_bytes(y)) is None:
            out.append(y_bytes(y, i & 1))
    return out


def group_element_decoding() -> Json:
    """Accept/reject cases for element decoding, with the reason a verifier must give."""
    cases: list[Json] = []

    def add(enc: bytes, allow: bool, error: str | None, note: str) -> None:
        cases.append(
            {
                "encoding": enc.hex(),
                "allow_identity": allow,
                "valid": error is None,
                "error": error,
                "note": note,
            }
        )

    rng = seeded_scalars("vectors/decoding")
    for i in range(3):
        add(bytes(base_mul(next(rng))), False, None, f"random subgroup element {i}")
    add(bytes(BASE), False, None, "base point B")
    add(bytes.fromhex(TORSION_HEX[0]), True, None, "identity where the protocol allows it")
    add(bytes.fromhex(TORSION_HEX[0]), False, "identity", "identity where it is not allowed")
    for k in range(1, 8):
        for allow in (False, True):
            add(bytes.fromhex(TORSION_HEX[k]), allow, "small-order", f"torsion point {k}*T8")
    for y, label in [(P, "p"), (P + 1, "p+1"), (P + 2, "p+2"), (2**255 - 1, "2^255-1")]:
        for sign in (0, 1):
            add(y_bytes(y, sign), True, "non-canonical-y", f"y = {label}, sign bit {sign}")
    add(y_bytes(1, 1), True, "x-zero-sign-bit", "identity (x = 0) with the sign bit set")
    add(y_bytes(P - 1, 1), True, "x-zero-sign-bit", "order-2 point (x = 0) with the sign bit set")
    for i, enc in enumerate(_off_curve(4)):
        add(enc, True, "off-curve", f"no x for this y ({i})")
    base_pt = ref_decode(bytes(base_mul(Scalar(123456789))))
    assert base_pt is not None
    for k in (1, 2, 4):
        t = ref_decode(bytes.fromhex(TORSION_HEX[k]))
        assert t is not None
        add(
            ref_encode(ref_add(base_pt, t)),
            True,
            "torsion-component",
            f"123456789*B + {k}*T8: on the curve, not in the prime-order subgroup",
        )
    for n in (0, 31, 33):
        add(b"\x58" * n, True, "length", f"{n} bytes")
    # Self-check against the implementation: validity must agree.
    for case in cases:
        try:
            Element.from_hex(case["encoding"], allow_identity=case["allow_identity"])
            ok = True
        except GroupError:
            ok = False
        assert ok == case["valid"], case
    return {
        "description": "Element decoding: valid = whether a verifier accepts the encoding; "
        "error names the check that fails: identity (identity where not allowed), small-order, "
        "non-canonical-y (y >= p), x-zero-sign-bit, off-curve, torsion-component (not in the "
        "prime-order subgroup: L*P != identity), length (not 32 bytes).",
        "cases": cases,
    }


def group_scalar_decoding() -> Json:
    cases: list[Json] = []
    for v, error in [
        (0, None),
        (1, None),
        (L - 1, None),
        (L, "non-canonical"),
        (L + 1, "non-canonical"),
        (2**253, "non-canonical"),
        (2**256 - 1, "non-canonical"),
    ]:
        cases.append(
            {"encoding": v.to_bytes(32, "little").hex(), "valid": error is None, "error": error}
        )
    cases.append({"encoding": "00" * 31, "valid": False, "error": "length"})
    cases.append({"encoding": "00" * 33, "valid": False, "error": "length"})
    return {
        "description": "Scalar decoding: 32 bytes little-endian, value must be < L (never reduced).",
        "cases": cases,
    }


# --------------------------------------------------------------------------- transcript


def transcript() -> Json:
    rng = seeded_scalars("vectors/transcript")
    pt = base_mul(next(rng))
    sc = next(rng)
    examples: list[tuple[str, bytes, list[Part]]] = [
        ("schnorr", fingerprint("election-1"), []),
        ("range", fingerprint("election-1"), ["question-1", 0, 1]),
        ("chaum-pedersen", b"", [pt, sc, b"\x00\x01", "", 0, 2**64 - 1]),
        ("range", fingerprint("election-2"), ["ünïcode ✓", IDENTITY, BASE, 7]),
    ]
    cases = []
    for tag, fp, parts in examples:
        preimage = encode_part(DOMAIN_PREFIX + tag) + encode_part(fp)
        preimage += b"".join(encode_part(p) for p in parts)
        c = fiat_shamir_challenge(tag, fp, parts)
        assert c == Scalar.hash(preimage)
        cases.append(
            {
                "tag": tag,
                "fingerprint": fp.hex(),
                "parts": [part_json(p) for p in parts],
                "preimage": preimage.hex(),
                "challenge": c.hex(),
            }
        )
    return {
        "description": "Fiat-Shamir challenges. preimage = frame(utf8('ballot/v1/' + tag)) || "
        "frame(fingerprint) || frame(part)...; frame(x) = 4-byte big-endian length || x; "
        "int parts are 8-byte big-endian, str parts UTF-8, elements/scalars their 32 bytes. "
        "challenge = SHA-512(preimage) mod L.",
        "cases": cases,
    }


# --------------------------------------------------------------------------- ElGamal


def elgamal_encrypt() -> Json:
    rng = seeded_scalars("vectors/elgamal")
    secret = next(rng)
    public = base_mul(secret)
    cases = []
    for m in [0, 1, 2, 5, 64, 1000, 10_000_000]:
        r = next(rng)
        ct = encrypt(public, m, r)
        assert decode_count(ct.beta - ct.alpha * secret) == m
        cases.append(
            {
                "secret_key": secret.hex(),
                "public_key": public.hex(),
                "m": m,
                "r": r.hex(),
                "ciphertext": ct.to_json(),
            }
        )
    return {
        "description": "Exponential ElGamal: ciphertext = (alpha, beta) = (r*B, m*B + r*K), "
        "K = secret_key*B. Decryption: beta - secret_key*alpha = m*B.",
        "cases": cases,
    }


def elgamal_sum() -> Json:
    rng = seeded_scalars("vectors/elgamal_sum")
    secret = next(rng)
    public = base_mul(secret)
    cases = []
    for ms in [[0, 0], [1, 0, 1, 1], [1], [3, 4, 0, 9, 2]]:
        cts = [encrypt(public, m, next(rng)) for m in ms]
        total = Ciphertext.sum(cts)
        cases.append(
            {
                "public_key": public.hex(),
                "secret_key": secret.hex(),
                "ciphertexts": [c.to_json() for c in cts],
                "sum": total.to_json(),
                "decrypted": (total.beta - total.alpha * secret).hex(),
                "count": sum(ms),
            }
        )
    cases.append(
        {
            "public_key": public.hex(),
            "secret_key": secret.hex(),
            "ciphertexts": [],
            "sum": Ciphertext.zero().to_json(),
            "decrypted": IDENTITY.hex(),
            "count": 0,
        }
    )
    return {
        "description": "Homomorphic sums: sum = component-wise point sums (the empty sum is "
        "(identity, identity)); decrypted = beta - secret_key*alpha = count*B.",
        "cases": cases,
    }


# --------------------------------------------------------------------------- proofs


def proof_schnorr() -> Json:
    keys = seeded_scalars("vectors/schnorr/keys")
    cases = []
    for i in range(4):
        x = next(keys)
        fp = fingerprint(f"election-{i % 2}")
        ctx: list[Part] = ["trustee", i + 1, "coefficient", i]
        rec = Recorder(f"vectors/schnorr/{i}")
        proof = prove_schnorr(x, fp, ctx, rng=rec)
        cases.append(
            {
                "fingerprint": fp.hex(),
                "context": [part_json(p) for p in ctx],
                "secret": x.hex(),
                "public": base_mul(x).hex(),
                "nonces": rec.hexes(),
                "proof": proof.to_json(),
            }
        )
    return {
        "description": "Schnorr proof of knowledge of secret with public = secret*B. Nonce u = "
        "nonces[0]; challenge c = H('schnorr', fingerprint, context..., public, u*B); "
        "response = u + c*secret. Verify: c == H(..., public, response*B - c*public).",
        "cases": cases,
    }


def proof_equality() -> Json:
    keys = seeded_scalars("vectors/equality/keys")
    cases = []
    for i in range(4):
        w = next(keys)
        g = BASE if i % 2 == 0 else base_mul(next(keys))
        h = base_mul(next(keys))
        fp = fingerprint("election-1")
        ctx: list[Part] = ["partial-decryption", i + 1]
        rec = Recorder(f"vectors/equality/{i}")
        proof = prove_equality(w, g, h, fp, ctx, rng=rec)
        cases.append(
            {
                "fingerprint": fp.hex(),
                "context": [part_json(p) for p in ctx],
                "witness": w.hex(),
                "g": g.hex(),
                "a": (g * w).hex(),
                "h": h.hex(),
                "c": (h * w).hex(),
                "nonces": rec.hexes(),
                "proof": proof.to_json(),
            }
        )
    return {
        "description": "Chaum-Pedersen proof that a = w*g and c = w*h. Nonce u = nonces[0]; "
        "challenge = H('chaum-pedersen', fingerprint, context..., g, a, h, c, u*g, u*h); "
        "response = u + challenge*w.",
        "cases": cases,
    }


def proof_range() -> Json:
    keys = seeded_scalars("vectors/range/keys")
    secret = next(keys)
    public = base_mul(secret)
    cases = []
    for i, (m, lo, hi) in enumerate(
        [(0, 0, 1), (1, 0, 1), (0, 0, 0), (2, 0, 3), (3, 1, 3), (5, 2, 7)]
    ):
        r = next(keys)
        ct = encrypt(public, m, r)
        fp = fingerprint("election-1")
        ctx: list[Part] = ["question-1", i]
        rec = Recorder(f"vectors/range/{i}")
        proof = prove_range(ct, m, r, public, lo, hi, fp, ctx, rng=rec)
        cases.append(
            {
                "fingerprint": fp.hex(),
                "context": [part_json(p) for p in ctx],
                "public_key": public.hex(),
                "m": m,
                "r": r.hex(),
                "lo": lo,
                "hi": hi,
                "ciphertext": ct.to_json(),
                "nonces": rec.hexes(),
                "proof": proof.to_json(),
            }
        )
    return {
        "description": "Disjunctive Chaum-Pedersen range proof that ciphertext encrypts some m in "
        "[lo, hi]. nonces are drawn in this order: u (real branch), then for each simulated "
        "branch j = lo..hi, j != m, in increasing j: c_j then v_j. See docs/PROTOCOL.md.",
        "cases": cases,
    }


# --------------------------------------------------------------------------- election level

#: One question of each slot-layout kind (docs/PROTOCOL.md section 8.1).
ELECTION_DEFINITION: Json = {
    "election_id": "branch-7-2026-ballot",
    "title": {"en": "Branch 7 ballot", "es": "Votación de la sección 7"},
    "questions": [
        {"id": "strike", "min": 1, "max": 1, "options": [{"id": "yes"}, {"id": "no"}]},
        {
            "id": "chair",
            "min": 1,
            "max": 1,
            "options": [{"id": "ana"}, {"id": "bao"}, {"id": "chen"}, {"id": "dede"}],
        },
        {
            "id": "delegate",
            "min": 0,
            "max": 1,
            "options": [{"id": "eun"}, {"id": "femi"}, {"id": "gil"}],
        },
        {
            "id": "committee",
            "min": 0,
            "max": 2,
            "options": [{"id": "hana"}, {"id": "ivo"}, {"id": "jo"}, {"id": "kai"}],
        },
        {
            "id": "motions",
            "min": 2,
            "max": 3,
            "options": [{"id": "m1"}, {"id": "m2"}, {"id": "m3"}, {"id": "m4"}],
        },
    ],
}
#: One selection list per question, per ballot (option indices).
ELECTION_SELECTIONS: list[list[list[int]]] = [
    [[0], [1], [2], [0, 3], [0, 1]],
    [[1], [3], [], [], [1, 2, 3]],
    [[0], [0], [0], [2], [0, 2]],
    [[0], [3], [], [1, 2], [0, 1, 2]],
    [[1], [1], [1], [], [3, 2]],
]
THRESHOLD_K, THRESHOLD_N = 2, 3


def _threshold_keys(seed: str) -> tuple[Scalar, list[Scalar], Element, list[Element]]:
    """A k-of-n sharing from a seeded polynomial f: (f(0), [f(1)..f(n)], K, [V_1..V_n]).

    Stands in for a ceremony's outcome (the ceremony itself has randomised boxes)."""
    rng = seeded_scalars(seed)
    coefficients = [next(rng) for _ in range(THRESHOLD_K)]

    def f(x: int) -> Scalar:
        acc = Scalar(0)
        for a in reversed(coefficients):
            acc = acc * Scalar(x) + a
        return acc

    shares = [f(i) for i in range(1, THRESHOLD_N + 1)]
    return f(0), shares, base_mul(f(0)), [base_mul(x) for x in shares]


def _election() -> tuple[Any, bytes, Element, list[Element], list[Scalar]]:
    from ballot.crypto.manifest import ElectionManifest, election_fingerprint, manifest_hash

    manifest = ElectionManifest.from_definition(ELECTION_DEFINITION)
    _secret, shares, public, vkeys = _threshold_keys("vectors/election/keys")
    fp = election_fingerprint(manifest_hash(ELECTION_DEFINITION), public, vkeys)
    return manifest, fp, public, vkeys, shares


def manifest_vectors() -> Json:
    from ballot.crypto.manifest import canonical_json, election_fingerprint, manifest_hash

    cases = []
    small = {
        "election_id": "e",
        "questions": [
            {
                "id": "q",
                "min": 1,
                "max": 1,
                "options": [{"id": "yes", "label": {"ko": "찬성", "en": "Yes"}}, {"id": "no"}],
            }
        ],
    }
    for i, definition in enumerate([ELECTION_DEFINITION, small]):
        _s, _shares, public, vkeys = _threshold_keys(
            "vectors/election/keys" if i == 0 else "vectors/manifest/keys"
        )
        mhash = manifest_hash(definition)
        cases.append(
            {
                "definition": definition,
                "canonical_json": canonical_json(definition).decode("utf-8"),
                "manifest_hash": mhash.hex(),
                "joint_public_key": public.hex(),
                "verification_keys": [v.hex() for v in vkeys],
                "fingerprint": election_fingerprint(mhash, public, vkeys).hex(),
            }
        )
    return {
        "description": "manifest_hash = SHA-256(RFC 8785 canonical JSON of the whole definition); "
        "fingerprint = SHA-256(frame('ballot/v1/fingerprint') || frame(manifest_hash) || "
        "frame(K) || frame(V_1) || ... || frame(V_n)).",
        "cases": cases,
    }


def ballot_vectors() -> Json:
    from ballot.crypto.ballots import encrypt_ballot, tracker, tracker_display

    manifest, fp, public, _v, _x = _election()
    cases = []
    for i, selections in enumerate(ELECTION_SELECTIONS):
        rec = Recorder(f"vectors/ballots/{i}")
        ballot, secrets = encrypt_ballot(manifest, public, fp, selections, rng=rec)
        t = tracker(ballot)
        cases.append(
            {
                "definition_id": ELECTION_DEFINITION["election_id"],
                "public_key": public.hex(),
                "fingerprint": fp.hex(),
                "selections": selections,
                "nonces": rec.hexes(),
                "ballot": ballot.to_json(),
                "secrets": [
                    [{"plaintext": s.plaintext, "randomness": s.randomness.hex()} for s in q]
                    for q in secrets.questions
                ],
                "tracker": t,
                "tracker_display": tracker_display(t),
            }
        )
    return {
        "description": "Encrypted ballots for the election of manifest.json case 0 (one question "
        "of each slot-layout kind). nonces = every scalar the device drew, in order: per "
        "question, per slot: r then the slot proof's nonces; then the count proof's nonces. "
        "secrets = per slot (plaintext, r), i.e. the Benaloh audit opening. tracker = "
        "SHA-256(JCS(ballot)); tracker_display = base32 of its first 10 bytes in 4 groups.",
        "cases": cases,
    }


def tally_vectors() -> Json:
    from ballot.crypto.ballots import encrypt_ballot
    from ballot.crypto.tally import aggregate, counts_from_slots
    from ballot.crypto.threshold import (
        PartialDecryption,
        combine,
        lagrange_at_zero,
        partial_decrypt,
    )

    manifest, fp, public, vkeys, shares = _election()
    ballots = [
        encrypt_ballot(manifest, public, fp, sel, rng=Recorder(f"vectors/ballots/{i}"))[0]
        for i, sel in enumerate(ELECTION_SELECTIONS)
    ]
    tally = aggregate(manifest, ballots)
    labelled = {
        f"q{qi}/s{si}": ct for qi, q in enumerate(tally.questions) for si, ct in enumerate(q)
    }
    partials = []
    for trustee in range(1, THRESHOLD_N + 1):
        for label, ct in labelled.items():
            rec = Recorder(f"vectors/tally/{trustee}/{label}")
            part = partial_decrypt(trustee, shares[trustee - 1], ct, fp, label, rng=rec)
            partials.append({"nonces": rec.hexes(), "partial": part.to_json()})
    keys = dict(enumerate(vkeys, start=1))
    combinations = []
    for subset in ([1, 2], [1, 3], [2, 3], [1, 2, 3]):
        counts = {}
        for label, ct in labelled.items():
            chosen = [
                PartialDecryption.from_json(p["partial"])
                for p in partials
                if p["partial"]["trustee"] in subset and p["partial"]["label"] == label
            ]
            counts[label] = combine(ct, label, chosen, keys, THRESHOLD_K, fp)
        combinations.append(
            {
                "trustees": subset,
                "lagrange": {str(i): c.hex() for i, c in lagrange_at_zero(subset).items()},
                "slot_counts": counts,
            }
        )
    slot_counts = combinations[0]["slot_counts"]
    results = []
    for qi, q in enumerate(tally.questions):
        oc = counts_from_slots(
            manifest, qi, [slot_counts[f"q{qi}/s{si}"] for si in range(len(q))], tally.ballots
        )
        results.append({"options": list(oc.options), "blank": oc.blank})
    return {
        "description": f"Tally of the {len(ballots)} ballots of ballots.json under a "
        f"{THRESHOLD_K}-of-{THRESHOLD_N} key: secret_shares x_l = f(l) for a seeded polynomial "
        "f, verification_keys V_l = x_l*B. Labels 'q<question>/s<slot>' as PROTOCOL 10.2 fixes "
        "them (the label string is bound into the partial-decryption proof context). "
        "Each combination recombines with the given trustees; results apply the "
        "implied-option and blank rules.",
        "cases": [
            {
                "k": THRESHOLD_K,
                "n": THRESHOLD_N,
                "fingerprint": fp.hex(),
                "public_key": public.hex(),
                "secret_shares": [x.hex() for x in shares],
                "verification_keys": [v.hex() for v in vkeys],
                "encrypted_tally": tally.to_json(),
                "labels": list(labelled),
                "partials": partials,
                "combinations": combinations,
                "results": results,
            }
        ],
    }


# --------------------------------------------------------------------------- record bytes

RECORD_DEFINITION: Json = {
    "election_id": "e",
    "title": {"en": "Recognition vote", "ko": "노동조합 인정 투표", "x-emoji": "✊🏽"},
    "questions": [
        {"id": "q", "min": 1, "max": 1, "options": [{"id": "yes"}, {"id": "no"}]},
    ],
}


def _spellings(entry: Json) -> list[Json]:
    """The canonical line of ``entry`` and wrong spellings of the same JSON value."""
    canonical = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    from ballot.record.election_record import canonical as jcs

    assert canonical.encode() == jcs(entry)
    spellings = [
        {"line": canonical + "\n", "canonical": True, "why": "RFC 8785 bytes, then LF"},
        {
            "line": json.dumps(entry, sort_keys=True, ensure_ascii=False) + "\n",
            "canonical": False,
            "why": "whitespace after ',' and ':'",
        },
        {
            "line": json.dumps(entry, separators=(",", ":"), ensure_ascii=False) + "\n",
            "canonical": False,
            "why": "keys not sorted",
        },
        {
            "line": json.dumps(entry, sort_keys=True, separators=(",", ":")) + "\n",
            "canonical": False,
            "why": "non-ASCII characters escaped as \\uXXXX",
        },
        {"line": canonical + "\r\n", "canonical": False, "why": "CR LF line end"},
    ]
    # A wrong spelling that happens to be the right one (no non-ASCII to escape) is left out.
    return [spellings[0]] + [x for x in spellings[1:] if x["line"] != spellings[0]["line"]]


def record_bytes() -> Json:
    """Board lines, entry hashes and signed heads, byte for byte (PROTOCOL 11.1, 11.2, 11.9)."""
    from ballot.crypto.manifest import manifest_hash
    from ballot.record.board import BoardEntry, append
    from ballot.record.signing import ServerKey, SignedHead, sign_head

    seed = hashlib.sha256(b"vectors/record/board-key").digest()
    key = ServerKey.from_private_bytes(seed)
    plan: list[tuple[str, Json, str]] = [
        (
            "election.defined",
            {
                "definition": RECORD_DEFINITION,
                "manifest_hash": manifest_hash(RECORD_DEFINITION).hex(),
            },
            "2026-11-02T09:00:00Z",
        ),
        ("note.state", {"from": "draft", "to": "key_ceremony"}, "2026-11-02T09:00:00Z"),
        ("election.opened", {}, "2026-11-02T09:00:01Z"),
        ("election.closed", {"cast": 0, "challenged": 0}, "2026-11-09T18:00:00Z"),
    ]
    entries: list[BoardEntry] = []
    lines = []
    for kind, payload, at in plan:
        entry = append(entries[-1] if entries else None, kind, payload, at)
        entries.append(entry)
        published = entry.to_json()
        lines.append(
            {
                "entry": published,
                "body_jcs": json.dumps(
                    entry.body(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
                ),
                "hash": entry.hash,
                "spellings": _spellings(published),
            }
        )
    heads: list[SignedHead] = []
    for position, at in ((2, "2026-11-02T09:00:01Z"), (3, "2026-11-09T18:00:05Z")):
        heads.append(sign_head(key, "e", entries[position], at, heads[-1] if heads else None))
    head_cases = [
        {
            "head": h.to_json(),
            "message": h.message().decode(),
            "hash": h.hash,
        }
        for h in heads
    ]
    return {
        "description": "Record bytes (PROTOCOL 11.1, 11.2, 11.9). Board: each entry's "
        "body_jcs = JCS of {seq, kind, at, payload, prev}, hash = SHA-256(body_jcs); "
        "spellings = lines of the same entry (hash included), canonical iff exactly "
        "JCS(entry) + LF. Heads: message = JCS of the head without 'signature' (what "
        "Ed25519 signs, with the private key private_key = SHA-256('vectors/record/"
        "board-key')), hash = SHA-256(JCS(whole head)), the next head's prev.",
        "cases": [
            {
                "private_key": seed.hex(),
                "public_key": key.public_hex,
                "board": lines,
                "heads": head_cases,
            }
        ],
    }


# --------------------------------------------------------------------------- main

BUILDERS: dict[str, Callable[[], Json]] = {
    "group_scalars": group_scalars,
    "group_base_mul": group_base_mul,
    "group_scalar_mul": group_scalar_mul,
    "group_add": group_add,
    "group_hash_to_scalar": group_hash_to_scalar,
    "group_element_decoding": group_element_decoding,
    "group_scalar_decoding": group_scalar_decoding,
    "transcript": transcript,
    "elgamal_encrypt": elgamal_encrypt,
    "elgamal_sum": elgamal_sum,
    "proof_schnorr": proof_schnorr,
    "proof_equality": proof_equality,
    "proof_range": proof_range,
    "manifest": manifest_vectors,
    "ballots": ballot_vectors,
    "tally": tally_vectors,
    "record_bytes": record_bytes,
}


def render(doc: Json) -> str:
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def main(argv: Sequence[str] = ()) -> None:
    names = list(argv) or list(BUILDERS)
    for name in names:
        (HERE / f"{name}.json").write_text(render(BUILDERS[name]()), encoding="utf-8")
        print(f"wrote tests/vectors/{name}.json")


if __name__ == "__main__":
    main(sys.argv[1:])
