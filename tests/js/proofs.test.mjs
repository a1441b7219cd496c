// Proofs against the Python-generated vectors: identical bytes when replaying
// the vector's nonces, Python proofs verify here, tampered ones do not.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadVectors, nonceRng, part } from "./helpers.mjs";
import { hexToBytes } from "../../ballot/web/static/js/crypto/bytes.js";
import { baseMul, Element } from "../../ballot/web/static/js/crypto/group.js";
import { ciphertextFromJSON, encrypt, PublicKey } from "../../ballot/web/static/js/crypto/elgamal.js";
import {
  pairProofFromJSON,
  pairProofToJSON,
  ProofError,
  proveEquality,
  proveRange,
  proveSchnorr,
  rangeProofFromJSON,
  rangeProofToJSON,
  verifyEquality,
  verifyRange,
  verifySchnorr,
} from "../../ballot/web/static/js/crypto/proofs.js";
import { L, scalarAdd, scalarFromHex, scalarMul, scalarToHex } from "../../ballot/web/static/js/crypto/scalar.js";

const ONE = 1n;

/** Copies of a JSON proof with one scalar changed (each must fail). */
function tamperedPairs(json) {
  const bump = (hex) => scalarToHex(scalarAdd(scalarFromHex(hex), ONE));
  return [
    { ...json, challenge: bump(json.challenge) },
    { ...json, response: bump(json.response) },
  ];
}

test("Schnorr: same proof from the same nonces; Python proofs verify; tampering fails", async () => {
  for (const c of loadVectors("proof_schnorr")) {
    const fp = hexToBytes(c.fingerprint);
    const ctx = c.context.map(part);
    const proof = await proveSchnorr(scalarFromHex(c.secret), fp, ctx, nonceRng(c.nonces));
    assert.deepEqual(pairProofToJSON(proof), c.proof);
    const pub = Element.fromHex(c.public);
    await verifySchnorr(pairProofFromJSON(c.proof), pub, fp, ctx);
    for (const bad of tamperedPairs(c.proof)) {
      await assert.rejects(verifySchnorr(pairProofFromJSON(bad), pub, fp, ctx), ProofError);
    }
    await assert.rejects(verifySchnorr(pairProofFromJSON(c.proof), pub, fp, [...ctx, 9]), ProofError);
    await assert.rejects(verifySchnorr(pairProofFromJSON(c.proof), baseMul(3n), fp, ctx), ProofError);
  }
});

test("Chaum-Pedersen: same proof from the same nonces; Python proofs verify; tampering fails", async () => {
  for (const c of loadVectors("proof_equality")) {
    const fp = hexToBytes(c.fingerprint);
    const ctx = c.context.map(part);
    const [g, a, h, cc] = [c.g, c.a, c.h, c.c].map((x) => Element.fromHex(x));
    const proof = await proveEquality(scalarFromHex(c.witness), g, h, fp, ctx, nonceRng(c.nonces));
    assert.deepEqual(pairProofToJSON(proof), c.proof);
    await verifyEquality(pairProofFromJSON(c.proof), g, a, h, cc, fp, ctx);
    for (const bad of tamperedPairs(c.proof)) {
      await assert.rejects(verifyEquality(pairProofFromJSON(bad), g, a, h, cc, fp, ctx), ProofError);
    }
    // the statement is bound: swapping a and c, or another fingerprint, fails
    await assert.rejects(verifyEquality(pairProofFromJSON(c.proof), g, cc, h, a, fp, ctx), ProofError);
    await assert.rejects(verifyEquality(pairProofFromJSON(c.proof), g, a, h, cc, new Uint8Array(32), ctx), ProofError);
  }
});

test("range: same proof from the same nonces; Python proofs verify; tampering fails", async () => {
  for (const c of loadVectors("proof_range")) {
    const fp = hexToBytes(c.fingerprint);
    const ctx = c.context.map(part);
    const key = Element.fromHex(c.public_key);
    const ct = ciphertextFromJSON(c.ciphertext);
    const r = scalarFromHex(c.r);
    assert.deepEqual(
      { alpha: encrypt(key, c.m, r).alpha.toHex(), beta: encrypt(key, c.m, r).beta.toHex() },
      c.ciphertext,
    );
    const proof = await proveRange(ct, c.m, r, key, c.lo, c.hi, fp, ctx, nonceRng(c.nonces));
    assert.deepEqual(rangeProofToJSON(proof), c.proof);
    await verifyRange(rangeProofFromJSON(c.proof), ct, key, c.lo, c.hi, fp, ctx);
    for (let i = 0; i < c.proof.challenges.length; i++) {
      for (const field of ["challenges", "responses"]) {
        const bad = structuredClone(c.proof);
        bad[field][i] = scalarToHex(scalarAdd(scalarFromHex(bad[field][i]), ONE));
        await assert.rejects(verifyRange(rangeProofFromJSON(bad), ct, key, c.lo, c.hi, fp, ctx), ProofError);
      }
    }
    // wrong range, wrong context, wrong ciphertext
    await assert.rejects(verifyRange(rangeProofFromJSON(c.proof), ct, key, c.lo, c.hi + 1, fp, ctx), ProofError);
    await assert.rejects(verifyRange(rangeProofFromJSON(c.proof), ct, key, c.lo, c.hi, fp, [...ctx, 0]), ProofError);
    const other = { alpha: ct.alpha, beta: ct.beta.add(baseMul(1n)) };
    await assert.rejects(verifyRange(rangeProofFromJSON(c.proof), other, key, c.lo, c.hi, fp, ctx), ProofError);
  }
});

test("hostile range proofs: zero scalars are rejected cleanly, never crash", async () => {
  const c = loadVectors("proof_range")[0];
  const fp = hexToBytes(c.fingerprint);
  const key = Element.fromHex(c.public_key);
  const ct = ciphertextFromJSON(c.ciphertext);
  const zero = "00".repeat(32);
  const bad = { lo: 0, challenges: [zero, zero], responses: [zero, zero] };
  await assert.rejects(verifyRange(rangeProofFromJSON(bad), ct, key, 0, 1, fp, []), ProofError);
});

test("range proof JSON parsing is strict", () => {
  const good = loadVectors("proof_range")[0].proof;
  const nonCanonical = "ff".repeat(32); // >= L
  assert.ok(scalarFromHexSafe(nonCanonical) === null);
  for (const bad of [
    { ...good, extra: 1 },
    { ...good, lo: -1 },
    { ...good, lo: true },
    { ...good, lo: 0.5 },
    { ...good, challenges: [] , responses: [] },
    { ...good, responses: good.responses.slice(1) },
    { ...good, challenges: [good.challenges[0].toUpperCase(), good.challenges[1]] },
    { ...good, challenges: [nonCanonical, good.challenges[1]] },
    { ...good, challenges: Array(65).fill(good.challenges[0]), responses: Array(65).fill(good.responses[0]) },
  ]) {
    assert.throws(() => rangeProofFromJSON(bad), ProofError, JSON.stringify(bad).slice(0, 80));
  }
});

function scalarFromHexSafe(hex) {
  try {
    return scalarFromHex(hex);
  } catch {
    return null;
  }
}

test("a prover cannot claim a value outside its range", async () => {
  const key = baseMul(11n);
  const ct = encrypt(key, 2, 5n);
  await assert.rejects(proveRange(ct, 2, 5n, key, 0, 1, new Uint8Array(32), []), RangeError);
  assert.ok(L > 0n);
});

test("the prover's table-only commitments hold at their edge: v_j = c_j * r (a zero multiplier)", async () => {
  // proveRange builds simulated commitments as (v - c*r)*B and (v - c*r)*K - (c*(m-j))*B;
  // with v = c*r the multiplier is zero and the commitment the identity, as the verifier finds.
  const point = baseMul(0x7a11e5n);
  const r = 0x1234567n;
  const c = 0x89abcdefn;
  const fp = new Uint8Array(32);
  const cases = [[0, 0, 1], [1, 0, 1], [2, 1, 3]];
  for (const [key, [m, lo, hi]] of [point, PublicKey.fromHex(point.toHex()).precompute()].flatMap((k) => cases.map((x) => [k, x]))) {
    const ct = encrypt(key, m, r);
    const nonces = [5n];
    for (let j = lo; j <= hi; j++) if (j !== m) nonces.push(c, scalarMul(c, r));
    const rng = () => nonces.shift();
    const proof = await proveRange(ct, m, r, key, lo, hi, fp, ["edge"], rng);
    await verifyRange(proof, ct, key, lo, hi, fp, ["edge"]);
  }
});
