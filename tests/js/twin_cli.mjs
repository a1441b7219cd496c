// Driver for tests/crypto/test_js_twin.py: reads a JSON list of requests on
// stdin, runs them through the browser modules, writes a JSON list of
// results on stdout.  Not a test file itself (node --test skips this name).
//
// Requests ("unit"?: the ballot's unit, absent or null = a ballot without unit):
//   {"op": "encrypt", "definition", "public_key", "fingerprint", "selections", "nonces"?, "unit"?}
//   {"op": "verify", "definition", "public_key", "fingerprint", "ballot", "unit"?}
//   {"op": "check_audit", "definition", "public_key", "fingerprint", "audit", "unit"?}
//   {"op": "canonical", "value"}
//   {"op": "fingerprint", "definition", "public_key", "verification_keys"}
import { readFileSync } from "node:fs";
import { auditData, checkAudit, encryptBallot, verifyBallot } from "../../ballot/web/static/js/crypto/ballot.js";
import { canonicalJSON } from "../../ballot/web/static/js/crypto/jcs.js";
import { electionFingerprint, manifestHash } from "../../ballot/web/static/js/crypto/manifest.js";
import { bytesToHex } from "../../ballot/web/static/js/crypto/bytes.js";
import { replayRng } from "../../ballot/web/static/js/crypto/random.js";
import { scalarFromHex } from "../../ballot/web/static/js/crypto/scalar.js";

async function run(req) {
  switch (req.op) {
    case "encrypt": {
      const options = req.nonces ? { rng: replayRng(req.nonces.map(scalarFromHex)) } : {};
      if (req.unit !== undefined) options.unit = req.unit;
      const started = performance.now();
      const out = await encryptBallot(req.definition, req.public_key, req.fingerprint, req.selections, options);
      const ms = performance.now() - started;
      return { ...out, audit: auditData(out.ballot, out.secrets), ms };
    }
    case "verify":
      try {
        await verifyBallot(req.definition, req.public_key, req.fingerprint, req.ballot, { unit: req.unit ?? null });
        return { ok: true };
      } catch (err) {
        return { ok: false, error: `${err.name}: ${err.message}` };
      }
    case "check_audit":
      try {
        const options = { unit: req.unit ?? null };
        return { ok: true, selections: await checkAudit(req.definition, req.public_key, req.fingerprint, req.audit, options) };
      } catch (err) {
        return { ok: false, error: `${err.name}: ${err.message}` };
      }
    case "canonical":
      return { text: canonicalJSON(req.value) };
    case "fingerprint":
      return {
        manifest_hash: bytesToHex(await manifestHash(req.definition)),
        fingerprint: await electionFingerprint(req.definition, req.public_key, req.verification_keys),
      };
    default:
      throw new Error(`unknown op ${req.op}`);
  }
}

const requests = JSON.parse(readFileSync(0, "utf8"));
const results = [];
for (const req of requests) results.push(await run(req));
process.stdout.write(JSON.stringify(results));
