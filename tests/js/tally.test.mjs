// The threshold tally vectors (tally.json), replayed with the browser's group
// and proof modules.  The browser never tallies; this is here because these
// vectors exercise the arithmetic a ballot does not (sums of many
// ciphertexts, multiplication of arbitrary elements, Lagrange coefficients),
// so a library that decodes, adds or multiplies differently fails here too.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadVectors, nonceRng } from "./helpers.mjs";
import { hexToBytes } from "../../ballot/web/static/js/crypto/bytes.js";
import { BASE, baseMul, Element, IDENTITY } from "../../ballot/web/static/js/crypto/group.js";
import { addCiphertexts, ciphertextFromJSON, ciphertextToJSON, smallMultiple } from "../../ballot/web/static/js/crypto/elgamal.js";
import { pairProofFromJSON, pairProofToJSON, proveEquality, verifyEquality } from "../../ballot/web/static/js/crypto/proofs.js";
import { scalarFromHex, scalarFromInt, scalarInv, scalarMul, scalarToHex } from "../../ballot/web/static/js/crypto/scalar.js";

const [CASE] = loadVectors("tally");
const BALLOTS = loadVectors("ballots");
const FP = hexToBytes(CASE.fingerprint);
const PARTIAL_TAG = "partial-decryption"; // ballot/crypto/threshold.py PARTIAL_TAG

/** The ciphertext a label 'q<question>/s<slot>' names in the encrypted tally. */
function slotOf(label) {
  const [, q, s] = /^q(\d+)\/s(\d+)$/.exec(label);
  return ciphertextFromJSON(CASE.encrypted_tally.questions[Number(q)].slots[Number(s)], { allowIdentity: true });
}

test("verification keys are x_l * B", () => {
  CASE.secret_shares.forEach((x, i) => assert.equal(baseMul(scalarFromHex(x)).toHex(), CASE.verification_keys[i]));
});

test("the encrypted tally is the component-wise sum of the ballots of ballots.json", () => {
  assert.equal(CASE.encrypted_tally.ballots, BALLOTS.length);
  CASE.encrypted_tally.questions.forEach((question, qi) => {
    question.slots.forEach((expected, si) => {
      let sum = { alpha: IDENTITY, beta: IDENTITY };
      for (const b of BALLOTS) {
        const { alpha, beta } = b.ballot.questions[qi].slots[si];
        sum = addCiphertexts(sum, ciphertextFromJSON({ alpha, beta }));
      }
      assert.deepEqual(ciphertextToJSON(sum), expected, `q${qi}/s${si}`);
    });
  });
});

test("partial decryptions: D = x_l * alpha with the same Chaum-Pedersen proof from the same nonce", async () => {
  for (const { nonces, partial } of CASE.partials) {
    const ct = slotOf(partial.label);
    const secret = scalarFromHex(CASE.secret_shares[partial.trustee - 1]);
    const key = Element.fromHex(CASE.verification_keys[partial.trustee - 1]);
    const share = ct.alpha.multiply(secret);
    assert.equal(share.toHex(), partial.share, partial.label);
    const context = [PARTIAL_TAG, partial.trustee, partial.label];
    const proof = await proveEquality(secret, BASE, ct.alpha, FP, context, nonceRng(nonces));
    assert.deepEqual(pairProofToJSON(proof), partial.proof);
    await verifyEquality(pairProofFromJSON(partial.proof), BASE, key, ct.alpha, share, FP, context);
  }
});

/** lambda_l = prod_{m != l} m / (m - l) mod L, as ballot/crypto/threshold.py computes it. */
function lagrangeAtZero(indices) {
  const out = {};
  for (const l of indices) {
    let num = 1n;
    let den = 1n;
    for (const m of indices) {
      if (m === l) continue;
      num *= BigInt(m);
      den *= BigInt(m - l);
    }
    out[l] = scalarMul(scalarFromInt(num), scalarInv(scalarFromInt(den)));
  }
  return out;
}

test("every k-subset of trustees recombines each slot to its count: beta - sum(lambda_l D_l) = count * B", () => {
  const shares = new Map(CASE.partials.map(({ partial }) => [`${partial.trustee}:${partial.label}`, partial.share]));
  for (const combination of CASE.combinations) {
    const lambdas = lagrangeAtZero(combination.trustees);
    for (const t of combination.trustees) assert.equal(scalarToHex(lambdas[t]), combination.lagrange[String(t)]);
    for (const [label, count] of Object.entries(combination.slot_counts)) {
      let mask = IDENTITY;
      for (const t of combination.trustees) {
        mask = mask.add(Element.fromHex(shares.get(`${t}:${label}`), { allowIdentity: true }).multiply(lambdas[t]));
      }
      assert.ok(slotOf(label).beta.subtract(mask).equals(smallMultiple(count)), `${label} with ${combination.trustees}`);
    }
  }
});
