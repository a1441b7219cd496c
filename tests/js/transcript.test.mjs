// Fiat-Shamir transcript bytes against the Python-generated vectors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadVectors, part } from "./helpers.mjs";
import { bytesToHex, hexToBytes } from "../../ballot/web/static/js/crypto/bytes.js";
import { scalarToHex } from "../../ballot/web/static/js/crypto/scalar.js";
import { challenge, challengePreimage, encodePart } from "../../ballot/web/static/js/crypto/transcript.js";

test("challenge preimage and challenge bytes equal the Python side", async () => {
  for (const c of loadVectors("transcript")) {
    const fp = hexToBytes(c.fingerprint);
    const parts = c.parts.map(part);
    assert.equal(bytesToHex(challengePreimage(c.tag, fp, parts)), c.preimage);
    assert.equal(scalarToHex(await challenge(c.tag, fp, parts)), c.challenge);
  }
});

test("transcript integers are 8-byte big-endian; negative or unsafe ones are refused", () => {
  assert.equal(bytesToHex(encodePart(258)), "00000008" + "0000000000000102");
  assert.throws(() => encodePart(-1), RangeError);
  assert.throws(() => encodePart(2 ** 53), RangeError);
  assert.throws(() => encodePart(1.5), RangeError);
  assert.throws(() => encodePart(true), TypeError);
});
