// Exponential ElGamal against the Python-generated vectors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadVectors } from "./helpers.mjs";
import { baseMul, Element, GroupError, IDENTITY } from "../../ballot/web/static/js/crypto/group.js";
import {
  addCiphertexts,
  ciphertextFromJSON,
  ciphertextToJSON,
  encrypt,
  PublicKey,
  smallMultiple,
} from "../../ballot/web/static/js/crypto/elgamal.js";
import { scalarFromHex } from "../../ballot/web/static/js/crypto/scalar.js";

test("encryption (r*B, m*B + r*K) equals the Python ciphertexts, with and without a key table", () => {
  for (const c of loadVectors("elgamal_encrypt")) {
    const key = Element.fromHex(c.public_key);
    assert.equal(baseMul(scalarFromHex(c.secret_key)).toHex(), c.public_key);
    const r = scalarFromHex(c.r);
    assert.deepEqual(ciphertextToJSON(encrypt(key, c.m, r)), c.ciphertext);
    assert.deepEqual(ciphertextToJSON(encrypt(PublicKey.fromHex(c.public_key).precompute(), c.m, r)), c.ciphertext);
  }
});

test("zero randomness is refused", () => {
  assert.throws(() => encrypt(baseMul(5n), 1, 0n), GroupError);
});

test("homomorphic sums and their decryption", () => {
  for (const c of loadVectors("elgamal_sum")) {
    let total = { alpha: IDENTITY, beta: IDENTITY };
    for (const ct of c.ciphertexts) total = addCiphertexts(total, ciphertextFromJSON(ct));
    assert.deepEqual(ciphertextToJSON(total), c.sum);
    const decrypted = total.beta.subtract(total.alpha.multiply(scalarFromHex(c.secret_key)));
    assert.equal(decrypted.toHex(), c.decrypted);
    assert.equal(smallMultiple(c.count).toHex(), c.decrypted);
  }
});

test("ciphertext JSON parsing is strict", () => {
  const ct = ciphertextToJSON(encrypt(baseMul(7n), 1, 3n));
  assert.throws(() => ciphertextFromJSON({ ...ct, extra: 1 }), GroupError);
  assert.throws(() => ciphertextFromJSON({ alpha: ct.alpha }), GroupError);
  assert.throws(() => ciphertextFromJSON({ alpha: "01" + "00".repeat(31), beta: ct.beta }), GroupError);
  assert.ok(ciphertextFromJSON({ alpha: "01" + "00".repeat(31), beta: ct.beta }, { allowIdentity: true }));
});
