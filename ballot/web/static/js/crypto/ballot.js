/**
 * The voter's encrypted ballot, built in the browser: the twin of
 * ballot/crypto/ballots.py.  This is the module the voter page imports.
 *
 *   const { ballot, secrets, tracker, trackerShort } =
 *     await encryptBallot(definition, publicKeyHex, fingerprintHex, selections);
 *
 * `ballot` is exactly the JSON object the Python side builds for the same
 * randomness (format "ballot/encrypted-ballot/v1"), so the tracker computed
 * here (SHA-256 of its RFC 8785 canonical JSON) is the one the server, the
 * board and the verifier compute.  `secrets` stays on the device unless the
 * voter audits the ballot (auditData), after which that ballot must not be
 * cast.
 *
 * Slot layout per question (docs/PROTOCOL.md, "Ballot encoding"):
 *   choose exactly one   options 0..n-2 (last implied), count [0,1] if >= 2 slots
 *   min 0, max 1         one slot per option, count [0,1] if >= 2 slots
 *   min 0, max >= 2      options + blank, count = sum + max*blank in [1, max]
 *   min >= 1 otherwise   one slot per option, count [min, max]
 * Proof contexts: ["slot", q, s] and ["count", q].
 */

import { bytesToHex, hexToBytes } from "./bytes.js";
import { GroupError, warmUp as warmUpBase } from "./group.js";
import {
  addCiphertexts,
  ciphertextFromJSON,
  ciphertextToJSON,
  encrypt,
  PublicKey,
  scaleCiphertext,
} from "./elgamal.js";
import { canonicalJSONBytes } from "./jcs.js";
import { ManifestError, parseManifest } from "./manifest.js";
import { ProofError, proveRange, rangeProofFromJSON, rangeProofToJSON, verifyRange } from "./proofs.js";
import { randomScalar } from "./random.js";
import { ScalarError, scalarAdd, scalarFromHex, scalarMul, scalarToHex } from "./scalar.js";
import { sha256 } from "./sha.js";

export const BALLOT_FORMAT = "ballot/encrypted-ballot/v1";
export const AUDIT_FORMAT = "ballot/audited-ballot/v1";

/** Below this many multiplications by K per ballot, a table for K does not pay. */
const KEY_TABLE_THRESHOLD = 8; // a table costs about 5 multiplications, saves 0.8 each

export class BallotError extends Error {
  constructor(message) {
    super(message);
    this.name = "BallotError";
  }
}

// ------------------------------------------------------------------ layout

/** The slot layout of a question (a pure function of n, min and max). */
export function layout(question) {
  const n = question.optionIds.length;
  const { min: lo, max: hi } = question;
  const make = (kind, optionSlots, hasBlankSlot, countLo, countHi, blankWeight, hasCountProof) => ({
    kind,
    optionSlots,
    hasBlankSlot,
    countLo,
    countHi,
    blankWeight,
    hasCountProof,
    slotCount: optionSlots + (hasBlankSlot ? 1 : 0),
  });
  if (lo === 1 && hi === 1) return make("choose-one", n - 1, false, 0, 1, 0, n - 1 >= 2);
  if (lo === 0 && hi === 1) return make("at-most-one", n, false, 0, 1, 0, n >= 2);
  if (lo === 0) return make("multi-with-blank", n, true, 1, hi, hi, true);
  return make("bounded", n, false, lo, hi, 0, true);
}

function where(manifest, qi, si = null) {
  const q = manifest.questions[qi];
  const text = `question ${qi} ('${q.id}')`;
  if (si === null) return text;
  const lay = layout(q);
  const name = si >= lay.optionSlots ? "blank" : `option '${q.optionIds[si]}'`;
  return `${text}, slot ${si} (${name})`;
}

/** Refuse anything that is not a valid vote (before anything is encrypted). */
export function validateSelection(question, selected, at) {
  if (!Array.isArray(selected)) throw new BallotError(`${at}: the selection must be a list of option indices`);
  const seen = new Set();
  for (const index of selected) {
    if (typeof index !== "number" || !Number.isInteger(index)) {
      throw new BallotError(`${at}: option indices must be integers`);
    }
    if (index < 0 || index >= question.optionIds.length) throw new BallotError(`${at}: there is no option ${index}`);
    if (seen.has(index)) throw new BallotError(`${at}: option ${index} is selected twice`);
    seen.add(index);
  }
  if (seen.size > question.max) throw new BallotError(`${at}: at most ${question.max} option(s) may be selected`);
  if (seen.size < question.min) throw new BallotError(`${at}: at least ${question.min} option(s) must be selected`);
}

function plaintexts(lay, selected) {
  const chosen = new Set(selected);
  const values = [];
  for (let i = 0; i < lay.optionSlots; i++) values.push(chosen.has(i) ? 1 : 0);
  if (lay.hasBlankSlot) values.push(chosen.size === 0 ? 1 : 0);
  return values;
}

function countPlaintext(lay, values) {
  let total = 0;
  for (let i = 0; i < lay.optionSlots; i++) total += values[i];
  if (lay.hasBlankSlot) total += lay.blankWeight * values[values.length - 1];
  return total;
}

/** sum(option slots) + weight * blank, homomorphically. */
function countCiphertext(lay, cts) {
  let total = cts[0];
  for (let i = 1; i < lay.optionSlots; i++) total = addCiphertexts(total, cts[i]);
  if (lay.hasBlankSlot) total = addCiphertexts(total, scaleCiphertext(cts[cts.length - 1], BigInt(lay.blankWeight)));
  return total;
}

function keyMultiplications(manifest) {
  let n = 0;
  for (const q of manifest.questions) {
    const lay = layout(q);
    n += 3 * lay.slotCount; // r*K, u*K, v*K per [0, 1] slot
    if (lay.hasCountProof) n += lay.countHi - lay.countLo + 1;
  }
  return n;
}

function parseFingerprint(fingerprintHex) {
  if (typeof fingerprintHex !== "string" || !/^[0-9a-f]{64}$/.test(fingerprintHex)) {
    throw new BallotError("the election fingerprint must be 64 lower-case hexadecimal characters");
  }
  return hexToBytes(fingerprintHex);
}

const publicKeys = new Map();

/** Decode (and validate) K once per page; keep its table if one was built. */
function publicKeyFor(publicKeyHex) {
  let key = publicKeys.get(publicKeyHex);
  if (key === undefined) {
    try {
      key = PublicKey.fromHex(publicKeyHex);
    } catch (err) {
      if (err instanceof GroupError) throw new BallotError(`the election public key is invalid: ${err.message}`);
      throw err;
    }
    publicKeys.set(publicKeyHex, key);
  }
  return key;
}

function toManifest(definition) {
  try {
    return parseManifest(definition);
  } catch (err) {
    if (err instanceof ManifestError) throw new BallotError(`the election definition is invalid: ${err.message}`);
    throw err;
  }
}

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
 * index lists encryptBallot takes, in ballot order.  Unknown ids are errors;
 * a question missing from `choices` means nothing selected there.
 */
export function selectionsFromIds(definition, choices) {
  const manifest = toManifest(definition);
  const known = new Set(manifest.questions.map((q) => q.id));
  for (const qid of Object.keys(choices)) {
    if (!known.has(qid)) throw new BallotError(`there is no question '${qid}'`);
  }
  return manifest.questions.map((q) => {
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
 * @param selections   one array of 0-based option indices per question
 * @param options.rng  a function returning non-zero BigInt scalars (tests only)
 * @returns {ballot, secrets, tracker, trackerShort}
 */
export async function encryptBallot(definition, publicKeyHex, fingerprintHex, selections, { rng = randomScalar } = {}) {
  const manifest = toManifest(definition);
  const key = publicKeyFor(publicKeyHex);
  const fingerprint = parseFingerprint(fingerprintHex);
  if (!Array.isArray(selections) || selections.length !== manifest.questions.length) {
    const got = Array.isArray(selections) ? selections.length : "no";
    throw new BallotError(
      `one selection per question is needed: ${manifest.questions.length} questions, ${got} selections`,
    );
  }
  manifest.questions.forEach((q, qi) => validateSelection(q, selections[qi], where(manifest, qi)));
  if (keyMultiplications(manifest) >= KEY_TABLE_THRESHOLD) key.precompute();

  const questions = [];
  const secrets = [];
  for (let qi = 0; qi < manifest.questions.length; qi++) {
    const lay = layout(manifest.questions[qi]);
    const values = plaintexts(lay, selections[qi]);
    const slots = [];
    const cts = [];
    const rs = [];
    const slotSecrets = [];
    for (let si = 0; si < values.length; si++) {
      const m = values[si];
      const r = rng();
      const ct = encrypt(key, m, r);
      const proof = await proveRange(ct, m, r, key, 0, 1, fingerprint, ["slot", qi, si], rng);
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

// ------------------------------------------------------------------ verification

function exactKeys(obj, keys, at) {
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) throw new BallotError(`${at} must be a JSON object`);
  const have = Object.keys(obj).sort();
  const want = [...keys].sort();
  if (have.join("\u0000") !== want.join("\u0000")) {
    const missing = want.filter((k) => !have.includes(k));
    const extra = have.filter((k) => !want.includes(k));
    throw new BallotError(`${at}: missing keys ${JSON.stringify(missing)}, unexpected keys ${JSON.stringify(extra)}`);
  }
}

function parseProof(obj, at) {
  try {
    return rangeProofFromJSON(obj);
  } catch (err) {
    if (err instanceof ProofError) throw new BallotError(`${at}: ${err.message}`);
    throw err;
  }
}

/** Strict parse of ballot JSON into points and scalars (EncryptedBallot.from_json). */
export function parseBallot(obj) {
  exactKeys(obj, ["format", "election", "questions"], "the ballot");
  if (obj.format !== BALLOT_FORMAT) throw new BallotError(`the ballot format must be '${BALLOT_FORMAT}'`);
  if (typeof obj.election !== "string" || !/^[0-9a-f]{64}$/.test(obj.election)) {
    throw new BallotError("'election' must be 64 lowercase hexadecimal characters");
  }
  if (!Array.isArray(obj.questions) || obj.questions.length === 0) {
    throw new BallotError("'questions' must be a non-empty list");
  }
  const questions = obj.questions.map((q, qi) => {
    const at = `question ${qi}`;
    exactKeys(q, ["slots", "count_proof"], at);
    if (!Array.isArray(q.slots) || q.slots.length === 0) throw new BallotError(`${at}: 'slots' must be a non-empty list`);
    const slots = q.slots.map((s, si) => {
      const here = `${at}, slot ${si}`;
      exactKeys(s, ["alpha", "beta", "proof"], here);
      let ct;
      try {
        ct = ciphertextFromJSON({ alpha: s.alpha, beta: s.beta });
      } catch (err) {
        if (err instanceof GroupError) throw new BallotError(`${here}: ${err.message}`);
        throw err;
      }
      return { ct, proof: parseProof(s.proof, here) };
    });
    const countProof = q.count_proof === null ? null : parseProof(q.count_proof, `${at}, count proof`);
    return { slots, countProof };
  });
  return { election: obj.election, questions };
}

/**
 * Verify a ballot completely (verify_ballot): fingerprint, shape against the
 * manifest, every slot proof, every count proof.  Throws BallotError naming
 * the place; resolves to nothing when the ballot is valid.
 */
export async function verifyBallot(definition, publicKeyHex, fingerprintHex, ballotJSON) {
  const manifest = toManifest(definition);
  const key = publicKeyFor(publicKeyHex);
  const fingerprint = parseFingerprint(fingerprintHex);
  const ballot = parseBallot(ballotJSON);
  if (ballot.election !== fingerprintHex) {
    throw new BallotError("the ballot was made for another election (fingerprint differs)");
  }
  if (ballot.questions.length !== manifest.questions.length) {
    throw new BallotError(`the ballot has ${ballot.questions.length} questions, the election ${manifest.questions.length}`);
  }
  for (let qi = 0; qi < manifest.questions.length; qi++) {
    const lay = layout(manifest.questions[qi]);
    const enc = ballot.questions[qi];
    if (enc.slots.length !== lay.slotCount) {
      throw new BallotError(`${where(manifest, qi)}: has ${enc.slots.length} slots, expected ${lay.slotCount}`);
    }
    if (lay.hasCountProof !== (enc.countProof !== null)) {
      throw new BallotError(`${where(manifest, qi)}: ${lay.hasCountProof ? "requires" : "must not have"} a count proof`);
    }
  }
  for (let qi = 0; qi < manifest.questions.length; qi++) {
    const lay = layout(manifest.questions[qi]);
    const enc = ballot.questions[qi];
    for (let si = 0; si < enc.slots.length; si++) {
      const { ct, proof } = enc.slots[si];
      try {
        await verifyRange(proof, ct, key, 0, 1, fingerprint, ["slot", qi, si]);
      } catch (err) {
        if (err instanceof ProofError) throw new BallotError(`${where(manifest, qi, si)}: ${err.message}`);
        throw err;
      }
    }
    if (enc.countProof !== null) {
      const total = countCiphertext(lay, enc.slots.map((s) => s.ct));
      try {
        await verifyRange(enc.countProof, total, key, lay.countLo, lay.countHi, fingerprint, ["count", qi]);
      } catch (err) {
        if (err instanceof ProofError) throw new BallotError(`${where(manifest, qi)}, count proof: ${err.message}`);
        throw err;
      }
    }
  }
}

/**
 * Re-encrypt an audited ballot's slots from the revealed secrets and return
 * the selections it encrypts (check_audit, without re-verifying the proofs
 * unless `verify` is true).  Lets the voter's second device check an audit.
 */
export async function checkAudit(definition, publicKeyHex, fingerprintHex, audit, { verify = true } = {}) {
  exactKeys(audit, ["format", "ballot", "secrets"], "the audited ballot");
  if (audit.format !== AUDIT_FORMAT) throw new BallotError(`the audited ballot format must be '${AUDIT_FORMAT}'`);
  const manifest = toManifest(definition);
  const key = publicKeyFor(publicKeyHex);
  if (verify) await verifyBallot(manifest, publicKeyHex, fingerprintHex, audit.ballot);
  const ballot = parseBallot(audit.ballot);
  if (!Array.isArray(audit.secrets) || audit.secrets.length !== ballot.questions.length) {
    throw new BallotError("'secrets' must hold one list per question of the ballot");
  }
  const selections = [];
  for (let qi = 0; qi < manifest.questions.length; qi++) {
    const question = manifest.questions[qi];
    const lay = layout(question);
    const revealed = audit.secrets[qi];
    const enc = ballot.questions[qi];
    if (!Array.isArray(revealed) || revealed.length !== enc.slots.length) {
      throw new BallotError(`question ${qi}: secrets must hold one entry per slot`);
    }
    const values = [];
    for (let si = 0; si < revealed.length; si++) {
      const at = `question ${qi}, slot ${si}`;
      exactKeys(revealed[si], ["plaintext", "randomness"], `${at} secret`);
      const { plaintext: m, randomness } = revealed[si];
      if (m !== 0 && m !== 1) throw new BallotError(`${at}: the plaintext must be 0 or 1`);
      let r;
      try {
        r = scalarFromHex(randomness);
      } catch (err) {
        if (err instanceof ScalarError) throw new BallotError(`${at}: ${err.message}`);
        throw err;
      }
      let again;
      try {
        again = encrypt(key, m, r);
      } catch (err) {
        if (err instanceof GroupError) throw new BallotError(`${where(manifest, qi, si)}: ${err.message}`);
        throw err;
      }
      const { ct } = enc.slots[si];
      if (!again.alpha.equals(ct.alpha) || !again.beta.equals(ct.beta)) {
        throw new BallotError(
          `${where(manifest, qi, si)}: the ciphertext does not encrypt the revealed plaintext with the revealed randomness`,
        );
      }
      values.push(m);
    }
    let chosen = [];
    for (let i = 0; i < lay.optionSlots; i++) if (values[i] === 1) chosen.push(i);
    if (lay.kind === "choose-one" && chosen.length === 0) chosen = [question.optionIds.length - 1];
    validateSelection(question, chosen, where(manifest, qi));
    if (plaintexts(lay, chosen).join(",") !== values.join(",")) {
      throw new BallotError(`${where(manifest, qi)}: the revealed slots are not a valid vote`);
    }
    selections.push(chosen);
  }
  return selections;
}

export { parseManifest };
