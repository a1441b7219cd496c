// The election definition's canonical JSON, manifest hash and fingerprint
// against the Python-generated vectors (manifest.json).
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadVectors } from "./helpers.mjs";
import { bytesToHex } from "../../ballot/web/static/js/crypto/bytes.js";
import { canonicalJSON } from "../../ballot/web/static/js/crypto/jcs.js";
import { electionFingerprint, manifestHash, parseManifest } from "../../ballot/web/static/js/crypto/manifest.js";

test("canonical JSON, manifest hash and fingerprint equal the Python side's", async () => {
  for (const c of loadVectors("manifest")) {
    assert.equal(canonicalJSON(c.definition), c.canonical_json);
    assert.equal(bytesToHex(await manifestHash(c.definition)), c.manifest_hash);
    assert.equal(await electionFingerprint(c.definition, c.joint_public_key, c.verification_keys), c.fingerprint);
    assert.equal(parseManifest(c.definition).questions.length, c.definition.questions.length);
  }
});

test("the fingerprint binds the keys: another order or another key gives another fingerprint", async () => {
  const [c] = loadVectors("manifest");
  const reordered = [...c.verification_keys].reverse();
  assert.notEqual(await electionFingerprint(c.definition, c.joint_public_key, reordered), c.fingerprint);
  await assert.rejects(electionFingerprint(c.definition, "00".repeat(32), c.verification_keys));
});
