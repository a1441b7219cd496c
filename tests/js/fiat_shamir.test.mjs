// Fiat-Shamir preimage and challenge bytes against the Python-generated vectors (transcript.json).
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadVectors, part } from "./helpers.mjs";
import { bytesToHex, hexToBytes } from "../../ballot/web/static/js/crypto/bytes.js";
import { scalarToHex } from "../../ballot/web/static/js/crypto/scalar.js";
import { encodePart, fiatShamirChallenge, fiatShamirPreimage } from "../../ballot/web/static/js/crypto/fiat_shamir.js";

test("challenge preimage and challenge bytes equal the Python side", async () => {
  for (const c of loadVectors("transcript")) {
    const fp = hexToBytes(c.fingerprint);
    const parts = c.parts.map(part);
    assert.equal(bytesToHex(fiatShamirPreimage(c.tag, fp, parts)), c.preimage);
    assert.equal(scalarToHex(await fiatShamirChallenge(c.tag, fp, parts)), c.challenge);
  }
});

test("Fiat-Shamir integers are 8-byte big-endian; negative or unsafe ones are refused", () => {
  assert.equal(bytesToHex(encodePart(258)), "00000008" + "0000000000000102");
  assert.throws(() => encodePart(-1), RangeError);
  assert.throws(() => encodePart(2 ** 53), RangeError);
  assert.throws(() => encodePart(1.5), RangeError);
  assert.throws(() => encodePart(true), TypeError);
});
