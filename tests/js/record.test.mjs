// Record bytes against the Python-generated vectors (record_bytes.json): board lines
// are exactly their entry's canonical JSON plus LF, entry hashes and links, and signed
// heads' signed bytes, hashes and chain (PROTOCOL 11.1, 11.2, 11.9).
import { test } from "node:test";
import assert from "node:assert/strict";
import { webcrypto } from "node:crypto";
import { loadVectors } from "./helpers.mjs";
import { bytesToHex, hexToBytes, utf8 } from "../../ballot/web/static/js/crypto/bytes.js";
import { canonicalJSON } from "../../ballot/web/static/js/crypto/jcs.js";
import { sha256 } from "../../ballot/web/static/js/crypto/sha.js";

test("board lines: canonical bytes, entry hashes and links", async () => {
  const [c] = loadVectors("record_bytes");
  let prev = "0".repeat(64);
  for (const item of c.board) {
    const { hash, ...body } = item.entry;
    assert.equal(canonicalJSON(body), item.body_jcs);
    assert.equal(bytesToHex(await sha256(utf8(item.body_jcs))), item.hash);
    assert.equal(hash, item.hash);
    assert.equal(body.prev, prev);
    prev = hash;
    assert.ok(item.spellings.some((s) => s.canonical));
    for (const s of item.spellings) {
      assert.ok(s.line.endsWith("\n"), s.why);
      const line = s.line.slice(0, -1);
      assert.equal(canonicalJSON(JSON.parse(line)) === line, s.canonical, s.why);
    }
  }
});

test("signed heads: the signed bytes, the hashes, the chain and the Ed25519 signatures", async () => {
  const [c] = loadVectors("record_bytes");
  const key = await webcrypto.subtle.importKey("raw", hexToBytes(c.public_key), { name: "Ed25519" }, false, ["verify"]);
  let prev = "0".repeat(64);
  for (const item of c.heads) {
    const { signature, ...signed } = item.head;
    assert.equal(canonicalJSON(signed), item.message);
    assert.equal(signed.prev, prev);
    assert.equal(bytesToHex(await sha256(utf8(canonicalJSON(item.head)))), item.hash);
    prev = item.hash;
    assert.ok(await webcrypto.subtle.verify({ name: "Ed25519" }, key, hexToBytes(signature), utf8(item.message)));
    const forged = utf8(item.message.replace('"seq":', '"seq":1'));
    assert.equal(await webcrypto.subtle.verify({ name: "Ed25519" }, key, hexToBytes(signature), forged), false);
  }
});
