"""Recompute every fixed vector in tests/vectors/*.json from its inputs.

The same files feed the browser twin, so a change here is a protocol change:
if one of these tests fails after an intentional change, regenerate with
``.venv/bin/python tests/vectors/generate.py`` and say so in the commit.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from ballot.crypto.elgamal import Ciphertext, decode_count, encrypt
from ballot.crypto.fiat_shamir import Part, encode_part, fiat_shamir_challenge
from ballot.crypto.group import BASE, IDENTITY, Element, GroupError, L, Scalar, base_mul
from ballot.crypto.proofs import (
    EqualityProof,
    ProofError,
    RangeProof,
    SchnorrProof,
    prove_equality,
    prove_range,
    prove_schnorr,
)

VECTORS = Path(__file__).resolve().parents[1] / "vectors"


def load(name: str) -> list[dict[str, Any]]:
    doc = json.loads((VECTORS / f"{name}.json").read_text(encoding="utf-8"))
    assert set(doc) == {"description", "cases"} and isinstance(doc["description"], str)
    assert doc["cases"], f"{name} has no cases"
    return doc["cases"]  # type: ignore[no-any-return]


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("vectors_generate", VECTORS / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def S(text: str) -> Scalar:
    return Scalar.from_hex(text)


def E(text: str) -> Element:
    return Element.from_hex(text, allow_identity=True)


def parts(items: list[dict[str, Any]]) -> list[Part]:
    out: list[Part] = []
    for item in items:
        kind, value = item["type"], item["value"]
        if kind == "str":
            out.append(value)
        elif kind == "int":
            out.append(int(value))
        elif kind == "bytes":
            out.append(bytes.fromhex(value))
        elif kind == "scalar":
            out.append(S(value))
        elif kind == "element":
            out.append(E(value))
        else:
            raise AssertionError(f"unknown part type {kind}")
    return out


def replay(nonces: list[str]) -> tuple[Callable[[], Scalar], Callable[[], bool]]:
    """An rng that hands out the recorded nonces, and a check that all were used."""
    it: Iterator[str] = iter(nonces)
    used = [0]

    def draw() -> Scalar:
        used[0] += 1
        return S(next(it))

    return draw, lambda: used[0] == len(nonces)


# --------------------------------------------------------------------------- the files themselves


def test_files_match_the_generator() -> None:
    gen = generator()
    names = set(gen.BUILDERS)
    assert names == {p.stem for p in VECTORS.glob("*.json")}
    for name, build in gen.BUILDERS.items():
        on_disk = (VECTORS / f"{name}.json").read_text(encoding="utf-8")
        assert on_disk == gen.render(build()), f"{name}.json is stale: rerun generate.py"


def test_seeded_rng_definition() -> None:
    gen = generator()
    first = next(gen.seeded_scalars("x"))
    expected = int.from_bytes(hashlib.sha512(b"x" + bytes(8)).digest(), "little") % L
    assert first.value == expected


def test_hex_is_lower_case_everywhere() -> None:
    for path in VECTORS.glob("*.json"):
        text = path.read_text(encoding="utf-8")
        doc = json.loads(text)
        for case in doc["cases"]:
            for value in _strings(case):
                if len(value) >= 64 and all(c in "0123456789abcdefABCDEF" for c in value):
                    assert value == value.lower(), path.name


def _strings(obj: Any) -> Iterator[str]:
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _strings(v)


# --------------------------------------------------------------------------- group


def test_group_scalars() -> None:
    for case in load("group_scalars"):
        a, b = S(case["a"]), S(case["b"])
        assert (a + b).hex() == case["sum"]
        assert (a - b).hex() == case["difference"]
        assert (a * b).hex() == case["product"]
        assert (-a).hex() == case["negation_of_a"]
        assert b.inverse().hex() == case["inverse_of_b"]
        assert (a.value + b.value) % L == S(case["sum"]).value


def test_group_base_mul() -> None:
    for case in load("group_base_mul"):
        s = S(case["scalar"])
        assert base_mul(s).hex() == case["point"]
        assert (BASE * s).hex() == case["point"]
        if s.is_zero():
            assert case["point"] == IDENTITY.hex()


def test_group_scalar_mul() -> None:
    for case in load("group_scalar_mul"):
        assert (E(case["point"]) * S(case["scalar"])).hex() == case["product"]


def test_group_add() -> None:
    for case in load("group_add"):
        p, q = E(case["p"]), E(case["q"])
        assert (p + q).hex() == case["sum"]
        assert (p - q).hex() == case["difference"]
        assert (-p).hex() == case["negation_of_p"]
        assert Element.sum([p, q]).hex() == case["sum"]


def test_group_hash_to_scalar() -> None:
    for case in load("group_hash_to_scalar"):
        data = bytes.fromhex(case["data"])
        assert hashlib.sha512(data).hexdigest() == case["sha512"]
        assert Scalar.hash(data).hex() == case["scalar"]
        assert (
            int.from_bytes(bytes.fromhex(case["sha512"]), "little") % L == S(case["scalar"]).value
        )


ERROR_MESSAGES = {
    "identity": "identity element is not allowed",
    "small-order": "small-order",
    "non-canonical-y": "y coordinate is not reduced",
    "x-zero-sign-bit": "x = 0 with the sign bit set",
    "off-curve": "not a point on edwards25519",
    "torsion-component": "not in the prime-order subgroup",
    "length": "exactly 32 bytes",
}


def test_group_element_decoding() -> None:
    for case in load("group_element_decoding"):
        enc, allow = case["encoding"], case["allow_identity"]
        if case["valid"]:
            assert Element.from_hex(enc, allow_identity=allow).hex() == enc
        else:
            with pytest.raises(GroupError, match=ERROR_MESSAGES[case["error"]]):
                Element.from_hex(enc, allow_identity=allow)


def test_group_scalar_decoding() -> None:
    for case in load("group_scalar_decoding"):
        if case["valid"]:
            assert S(case["encoding"]).hex() == case["encoding"]
        else:
            match = "non-canonical" if case["error"] == "non-canonical" else "32 bytes"
            with pytest.raises(GroupError, match=match):
                S(case["encoding"])


# --------------------------------------------------------------------------- transcript


def test_transcript() -> None:
    for case in load("transcript"):
        fp = bytes.fromhex(case["fingerprint"])
        ps = parts(case["parts"])
        tag = "ballot/v1/" + case["tag"]
        preimage = encode_part(tag) + encode_part(fp) + b"".join(encode_part(p) for p in ps)
        assert preimage.hex() == case["preimage"]
        # Independent framing: 4-byte big-endian length, then the bytes.
        tag_raw = tag.encode("utf-8")
        assert preimage.startswith(len(tag_raw).to_bytes(4, "big") + tag_raw)
        assert fiat_shamir_challenge(case["tag"], fp, ps).hex() == case["challenge"]
        assert Scalar.hash(preimage).hex() == case["challenge"]


def test_transcript_integer_and_string_framing() -> None:
    assert encode_part(7) == bytes.fromhex("00000008" + "0000000000000007")
    assert encode_part("ab") == bytes.fromhex("00000002" + "6162")
    assert encode_part(b"") == bytes(4)
    assert encode_part(IDENTITY) == bytes.fromhex("00000020") + bytes(IDENTITY)
    for bad in (-1, 2**64):
        with pytest.raises(ValueError, match="64 unsigned bits"):
            encode_part(bad)
    with pytest.raises(TypeError):
        encode_part(True)


# --------------------------------------------------------------------------- ElGamal


def test_elgamal_encrypt() -> None:
    for case in load("elgamal_encrypt"):
        k = E(case["public_key"])
        assert base_mul(S(case["secret_key"])) == k
        ct = encrypt(k, case["m"], S(case["r"]))
        assert ct.to_json() == case["ciphertext"]
        parsed = Ciphertext.from_json(case["ciphertext"])
        assert decode_count(parsed.beta - parsed.alpha * S(case["secret_key"])) == case["m"]


def test_elgamal_sum() -> None:
    for case in load("elgamal_sum"):
        cts = [Ciphertext.from_json(c) for c in case["ciphertexts"]]
        total = Ciphertext.sum(cts)
        assert total.to_json() == case["sum"]
        decrypted = total.beta - total.alpha * S(case["secret_key"])
        assert decrypted.hex() == case["decrypted"]
        assert decode_count(decrypted) == case["count"]


# --------------------------------------------------------------------------- proofs


def test_proof_schnorr() -> None:
    for case in load("proof_schnorr"):
        fp, ctx = bytes.fromhex(case["fingerprint"]), parts(case["context"])
        x = S(case["secret"])
        assert base_mul(x).hex() == case["public"]
        rng, all_used = replay(case["nonces"])
        proof = prove_schnorr(x, fp, ctx, rng=rng)
        assert all_used()
        assert proof.to_json() == case["proof"]
        SchnorrProof.from_json(case["proof"]).verify(E(case["public"]), fp, ctx)
        with pytest.raises(ProofError):
            proof.verify(E(case["public"]), fp[::-1], ctx)


def test_proof_equality() -> None:
    for case in load("proof_equality"):
        fp, ctx = bytes.fromhex(case["fingerprint"]), parts(case["context"])
        w, g, h = S(case["witness"]), E(case["g"]), E(case["h"])
        assert (g * w).hex() == case["a"] and (h * w).hex() == case["c"]
        rng, all_used = replay(case["nonces"])
        proof = prove_equality(w, g, h, fp, ctx, rng=rng)
        assert all_used()
        assert proof.to_json() == case["proof"]
        parsed = EqualityProof.from_json(case["proof"])
        parsed.verify(g, E(case["a"]), h, E(case["c"]), fp, ctx)
        with pytest.raises(ProofError):
            parsed.verify(g, E(case["a"]), h, E(case["c"]), fp, [*ctx, 0])


def test_proof_range() -> None:
    for case in load("proof_range"):
        fp, ctx = bytes.fromhex(case["fingerprint"]), parts(case["context"])
        k, lo, hi, m = E(case["public_key"]), case["lo"], case["hi"], case["m"]
        ct = encrypt(k, m, S(case["r"]))
        assert ct.to_json() == case["ciphertext"]
        rng, all_used = replay(case["nonces"])
        proof = prove_range(ct, m, S(case["r"]), k, lo, hi, fp, ctx, rng=rng)
        assert all_used()
        assert len(case["nonces"]) == 1 + 2 * (hi - lo)
        assert proof.to_json() == case["proof"]
        parsed = RangeProof.from_json(case["proof"])
        parsed.verify(Ciphertext.from_json(case["ciphertext"]), k, lo, hi, fp, ctx)
        with pytest.raises(ProofError):
            parsed.verify(ct, k, lo, hi, hashlib.sha256(fp).digest(), ctx)


# --------------------------------------------------------------------------- election level


def _definition() -> dict[str, Any]:
    return load("manifest")[0]["definition"]  # type: ignore[no-any-return]


def test_manifest_and_fingerprint() -> None:
    import rfc8785

    from ballot.crypto.manifest import canonical_json, election_fingerprint, manifest_hash

    for case in load("manifest"):
        definition = case["definition"]
        assert rfc8785.dumps(definition).decode("utf-8") == case["canonical_json"]
        assert canonical_json(definition).decode("utf-8") == case["canonical_json"]
        mhash = hashlib.sha256(case["canonical_json"].encode("utf-8")).digest()
        assert mhash.hex() == case["manifest_hash"] == manifest_hash(definition).hex()
        k, vkeys = E(case["joint_public_key"]), [E(v) for v in case["verification_keys"]]
        assert election_fingerprint(mhash, k, vkeys).hex() == case["fingerprint"]
        framed = encode_part("ballot/v1/fingerprint") + encode_part(mhash) + encode_part(k)
        framed += b"".join(encode_part(v) for v in vkeys)
        assert hashlib.sha256(framed).hexdigest() == case["fingerprint"]


def test_ballots() -> None:
    import rfc8785

    from ballot.crypto.ballots import (
        AUDIT_FORMAT,
        check_audit,
        encrypt_ballot,
        tracker,
        tracker_display,
        verify_ballot,
    )
    from ballot.crypto.manifest import ElectionManifest

    manifest = ElectionManifest.from_definition(_definition())
    for case in load("ballots"):
        k, fp = E(case["public_key"]), bytes.fromhex(case["fingerprint"])
        assert case["fingerprint"] == load("manifest")[0]["fingerprint"]
        rng, all_used = replay(case["nonces"])
        ballot, secrets = encrypt_ballot(manifest, k, fp, case["selections"], rng=rng)
        assert all_used()
        assert ballot.to_json() == case["ballot"]
        verify_ballot(manifest, k, fp, case["ballot"])
        t = tracker(case["ballot"])
        assert t == case["tracker"] == tracker(ballot)
        assert t == hashlib.sha256(rfc8785.dumps(case["ballot"])).hexdigest()
        assert tracker_display(t) == case["tracker_display"]
        audit = {"format": AUDIT_FORMAT, "ballot": case["ballot"], "secrets": case["secrets"]}
        opened = check_audit(manifest, k, fp, audit)
        assert [sorted(s) for s in opened] == [sorted(s) for s in case["selections"]]
        assert [[s.randomness.hex() for s in q] for q in secrets.questions] == [
            [s["randomness"] for s in q] for q in case["secrets"]
        ]


def test_tally_partials_and_combination() -> None:
    from ballot.crypto.ballots import EncryptedBallot
    from ballot.crypto.manifest import ElectionManifest
    from ballot.crypto.tally import EncryptedTally, aggregate, counts_from_slots
    from ballot.crypto.threshold import (
        PartialDecryption,
        combine,
        lagrange_at_zero,
        partial_decrypt,
        verify_partial,
    )

    manifest = ElectionManifest.from_definition(_definition())
    (case,) = load("tally")
    fp, k = bytes.fromhex(case["fingerprint"]), case["k"]
    ballots = [EncryptedBallot.from_json(c["ballot"]) for c in load("ballots")]
    tally = aggregate(manifest, ballots)
    assert tally.to_json() == case["encrypted_tally"]
    parsed = EncryptedTally.from_json(case["encrypted_tally"], manifest)
    labelled = {
        f"q{qi}/s{si}": ct for qi, q in enumerate(parsed.questions) for si, ct in enumerate(q)
    }
    assert list(labelled) == case["labels"]
    shares = [S(x) for x in case["secret_shares"]]
    vkeys = {i: E(v) for i, v in enumerate(case["verification_keys"], start=1)}
    for i, x in enumerate(shares, start=1):
        assert base_mul(x) == vkeys[i]
    for entry in case["partials"]:
        p = entry["partial"]
        label, trustee = p["label"], p["trustee"]
        rng, all_used = replay(entry["nonces"])
        again = partial_decrypt(trustee, shares[trustee - 1], labelled[label], fp, label, rng=rng)
        assert all_used()
        assert again.to_json() == p
        verify_partial(PartialDecryption.from_json(p), labelled[label], label, vkeys[trustee], fp)
    for combo in case["combinations"]:
        subset = combo["trustees"]
        assert {str(i): c.hex() for i, c in lagrange_at_zero(subset).items()} == combo["lagrange"]
        for label, ct in labelled.items():
            chosen = [
                PartialDecryption.from_json(e["partial"])
                for e in case["partials"]
                if e["partial"]["trustee"] in subset and e["partial"]["label"] == label
            ]
            assert combine(ct, label, chosen, vkeys, k, fp) == combo["slot_counts"][label]
            # Independent recombination: beta - sum(lambda_l * D_l) = count * B.
            lambdas = lagrange_at_zero(subset)
            mask = Element.sum(c.share * lambdas[c.trustee] for c in chosen)
            assert ct.beta - mask == base_mul(Scalar(combo["slot_counts"][label]))
    slot_counts = case["combinations"][0]["slot_counts"]
    for qi, (q, expected) in enumerate(zip(parsed.questions, case["results"], strict=True)):
        counts = [slot_counts[f"q{qi}/s{si}"] for si in range(len(q))]
        oc = counts_from_slots(manifest, qi, counts, parsed.ballots)
        assert {"options": list(oc.options), "blank": oc.blank} == expected


# --------------------------------------------------------------------------- record bytes


def test_record_bytes() -> None:
    """Board lines, entry hashes and signed heads, byte for byte (PROTOCOL 11.1, 11.9)."""
    from ballot.record.board import BoardEntry
    from ballot.record.canonical import canonical_fault
    from ballot.record.signing import ServerKey, SignedHead, verify_head_sequence

    (case,) = load("record_bytes")
    key = ServerKey.from_private_bytes(bytes.fromhex(case["private_key"]))
    assert key.public_hex == case["public_key"]
    prev = "0" * 64
    for item in case["board"]:
        entry = BoardEntry.from_json(item["entry"])  # the stated hash must be the content's
        assert entry.prev == prev and entry.hash == item["hash"]
        body = item["body_jcs"].encode()
        assert hashlib.sha256(body).hexdigest() == item["hash"]
        assert json.loads(body) == entry.body()
        for spelling in item["spellings"]:
            raw = spelling["line"].encode()
            assert raw.endswith(b"\n")
            line = raw[:-1]
            fault = canonical_fault(line, json.loads(line))
            assert (fault is None) == spelling["canonical"], spelling["why"]
        prev = item["hash"]
    heads = [SignedHead.from_json(h["head"]) for h in case["heads"]]
    for head, item in zip(heads, case["heads"], strict=True):
        assert head.message() == item["message"].encode() and head.hash == item["hash"]
        assert json.loads(item["message"]) == {
            k: v for k, v in item["head"].items() if k != "signature"
        }
    verify_head_sequence(heads, case["public_key"])
    assert heads[1].prev == heads[0].hash and heads[0].prev == "0" * 64
