/**
 * The voter's encrypted ballot, built in the browser: the twin of
 * ballot/crypto/ballots.py.  This is the module the voter page imports.
 *
 *   const { ballot, secrets, tracker, trackerShort } =
 *     await encryptBallot(definition, publicKeyHex, fingerprintHex, selections, { unit });
 *
 * `ballot` is exactly the JSON object the Python side builds for the same
 * randomness (format "ballot/encrypted-ballot/v1"), so the tracker computed
 * here (SHA-256 of its RFC 8785 canonical JSON) is the one the server, the
 * board and the verifier compute.  `secrets` stays on the device unless the
 * voter audits the ballot (auditData), after which that ballot must not be
 * cast.
 *
 * The slot layout lives in ballot_layout.js, checking a ballot or an audit in
 * ballot_verification.js; both are re-exported here.
 */

import { bytesToHex, hexToBytes } from "./bytes.js";
import { ciphertextToJSON, encrypt } from "./elgamal.js";
import { warmUp as warmUpBase } from "./group.js";
import { canonicalJSONBytes } from "./jcs.js";
import { parseManifest } from "./manifest.js";
import { proveRange, rangeProofToJSON } from "./proofs.js";
import { randomScalar } from "./random.js";
import { scalarAdd, scalarMul, scalarToHex } from "./scalar.js";
import { sha256 } from "./sha.js";
import {
  AUDIT_FORMAT,
  BALLOT_FORMAT,
  BallotError,
  countCiphertext,
  countPlaintext,
  keyMultiplications,
  layout,
  onBallot,
  parseFingerprint,
  plaintexts,
  publicKeyFor,
  toManifest,
  validateSelection,
  where,
} from "./ballot_layout.js";

export { AUDIT_FORMAT, BALLOT_FORMAT, BallotError, layout, validateSelection } from "./ballot_layout.js";
export { checkAudit, parseBallot, verifyBallot } from "./ballot_verification.js";

/** Below this many multiplications by K per ballot, a table for K does not pay. */
const KEY_TABLE_THRESHOLD = 8; // a table costs about 5 multiplications, saves 0.8 each

// ------------------------------------------------------------------ encryption

/**
 * Optional: do the one-off work (validate K, build the base-point table)
 * while the voter is still reading the ballot, so that pressing "encrypt"
 * costs only the encryption itself.  Throws BallotError for an invalid key.
 */
export function warmUp(publicKeyHex) {
  warmUpBase();
  publicKeyFor(publicKeyHex);
}

/**
 * Turn the voter's choices by id ({questionId: [optionId, ...]}) into the
 * index lists encryptBallot takes: one per question on the ballot of `unit`
 * (manifest.onBallot(unit)), in definition order.  A ranked race's list is the
 * ranking, most preferred first.  Unknown ids, and questions not on this
 * ballot, are errors; a question missing from `choices` means nothing selected.
 */
export function selectionsFromIds(definition, choices, { unit = null } = {}) {
  const manifest = toManifest(definition);
  const ballotQuestions = onBallot(manifest, unit).map((qi) => manifest.questions[qi]);
  const known = new Set(manifest.questions.map((q) => q.id));
  const carried = new Set(ballotQuestions.map((q) => q.id));
  for (const qid of Object.keys(choices)) {
    if (!known.has(qid)) throw new BallotError(`there is no question '${qid}'`);
    if (!carried.has(qid)) throw new BallotError(`question '${qid}' is not on this ballot`);
  }
  return ballotQuestions.map((q) => {
    const chosen = Object.prototype.hasOwnProperty.call(choices, q.id) ? choices[q.id] : [];
    if (!Array.isArray(chosen)) throw new BallotError(`question '${q.id}': the choice must be a list of option ids`);
    return chosen.map((oid) => {
      const index = q.optionIds.indexOf(oid);
      if (index < 0) throw new BallotError(`question '${q.id}': there is no option '${oid}'`);
      return index;
    });
  });
}

/**
 * Encrypt the voter's choices.
 *
 * @param definition   the election definition JSON (or a parsed ElectionManifest)
 * @param publicKeyHex the joint election public key K (64 lower-case hex)
 * @param fingerprintHex the election fingerprint (64 lower-case hex)
 * @param selections   one array per question ON THIS BALLOT (manifest.onBallot(unit)),
 *                     in definition order: the selected 0-based option indices, or for
 *                     a ranked race the ranking (candidate indices, most preferred first)
 * @param options.unit the member's roll unit (null: without unit); decides which
 *                     per-unit races the ballot carries
 * @param options.rng  a function returning non-zero BigInt scalars (tests only)
 * @returns {ballot, secrets, tracker, trackerShort}
 */
export async function encryptBallot(
  definition,
  publicKeyHex,
  fingerprintHex,
  selections,
  { rng = randomScalar, unit = null } = {},
) {
  const manifest = toManifest(definition);
  const key = publicKeyFor(publicKeyHex);
  const fingerprint = parseFingerprint(fingerprintHex);
  const indices = onBallot(manifest, unit);
  if (!Array.isArray(selections) || selections.length !== indices.length) {
    const got = Array.isArray(selections) ? selections.length : "no";
    throw new BallotError(`one selection per question is needed: ${indices.length} questions, ${got} selections`);
  }
  indices.forEach((qi, k) => validateSelection(manifest.questions[qi], selections[k], where(manifest, qi)));
  if (keyMultiplications(manifest, unit) >= KEY_TABLE_THRESHOLD) key.precompute();

  const questions = [];
  const secrets = [];
  for (let k = 0; k < indices.length; k++) {
    const qi = indices[k]; // the definition index: the proof contexts' q
    const lay = layout(manifest.questions[qi]);
    const values = plaintexts(lay, selections[k]);
    const slots = [];
    const cts = [];
    const rs = [];
    const slotSecrets = [];
    for (let si = 0; si < values.length; si++) {
      const m = values[si];
      const r = rng();
      const ct = encrypt(key, m, r);
      const proof = await proveRange(ct, m, r, key, 0, lay.slotMax, fingerprint, ["slot", qi, si], rng);
      slots.push({ ...ciphertextToJSON(ct), proof: rangeProofToJSON(proof) });
      cts.push(ct);
      rs.push(r);
      slotSecrets.push({ plaintext: m, randomness: scalarToHex(r) });
    }
    let countProof = null;
    if (lay.hasCountProof) {
      let rSum = 0n;
      for (let i = 0; i < lay.optionSlots; i++) rSum = scalarAdd(rSum, rs[i]);
      if (lay.hasBlankSlot) rSum = scalarAdd(rSum, scalarMul(rs[rs.length - 1], BigInt(lay.blankWeight)));
      const proof = await proveRange(
        countCiphertext(lay, cts),
        countPlaintext(lay, values),
        rSum,
        key,
        lay.countLo,
        lay.countHi,
        fingerprint,
        ["count", qi],
        rng,
      );
      countProof = rangeProofToJSON(proof);
    }
    questions.push({ slots, count_proof: countProof });
    secrets.push(slotSecrets);
  }
  const ballot = { format: BALLOT_FORMAT, election: fingerprintHex, questions };
  const tracker = await computeTracker(ballot);
  return { ballot, secrets, tracker, trackerShort: trackerDisplay(tracker) };
}

/** The Benaloh audit record (format "ballot/audited-ballot/v1") of a spoiled ballot. */
export function auditData(ballot, secrets) {
  return { format: AUDIT_FORMAT, ballot, secrets };
}

// ------------------------------------------------------------------ tracker

/** SHA-256 (hex) of the RFC 8785 canonical JSON of the ballot. */
export async function computeTracker(ballot) {
  return bytesToHex(await sha256(canonicalJSONBytes(ballot)));
}

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** First 80 bits of the tracker in RFC 4648 base32, as ABCD-EFGH-IJKL-MNOP. */
export function trackerDisplay(trackerHex) {
  if (typeof trackerHex !== "string" || !/^[0-9a-f]{64}$/.test(trackerHex)) {
    throw new BallotError("a tracker is 64 lowercase hexadecimal characters");
  }
  const bytes = hexToBytes(trackerHex.slice(0, 20));
  let bits = 0;
  let acc = 0;
  let text = "";
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      text += BASE32[(acc >> (bits - 5)) & 31];
      bits -= 5;
    }
    acc &= (1 << bits) - 1;
  }
  return [0, 4, 8, 12].map((i) => text.slice(i, i + 4)).join("-");
}

export { parseManifest };
