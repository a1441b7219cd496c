/**
 * Checking an encrypted ballot or an audited ballot in the browser: the twin of
 * ballot/crypto/ballots/verification.py and audit.py.
 */

import { ciphertextFromJSON, encrypt } from "./elgamal.js";
import { GroupError } from "./group.js";
import { ProofError, rangeProofFromJSON, verifyRange } from "./proofs.js";
import { MAX_RANKED_CANDIDATES } from "./manifest.js";
import { ScalarError, scalarFromHex } from "./scalar.js";
import {
  AUDIT_FORMAT,
  BALLOT_FORMAT,
  BallotError,
  countCiphertext,
  layout,
  onBallot,
  parseFingerprint,
  plaintexts,
  publicKeyFor,
  toManifest,
  validateSelection,
  where,
} from "./ballot_layout.js";

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

function ofUnit(manifest, unit) {
  if (!manifest.hasUnits) return "";
  return unit ? ` on a ballot of unit '${unit}'` : " on a ballot without unit";
}

/**
 * Verify a ballot completely (verify_ballot): fingerprint, shape against the
 * manifest, every slot proof, every count proof.  `unit` is the ballot's unit
 * (null: without unit): the ballot carries manifest.onBallot(unit), and each
 * proof is checked under its question's definition index.  Throws BallotError
 * naming the place; resolves to nothing when the ballot is valid.
 */
export async function verifyBallot(definition, publicKeyHex, fingerprintHex, ballotJSON, { unit = null } = {}) {
  const manifest = toManifest(definition);
  const key = publicKeyFor(publicKeyHex);
  const fingerprint = parseFingerprint(fingerprintHex);
  const ballot = parseBallot(ballotJSON);
  if (ballot.election !== fingerprintHex) {
    throw new BallotError("the ballot was made for another election (fingerprint differs)");
  }
  const indices = onBallot(manifest, unit);
  if (ballot.questions.length !== indices.length) {
    throw new BallotError(
      `the ballot has ${ballot.questions.length} questions, the election ${indices.length}${ofUnit(manifest, unit)}`,
    );
  }
  for (let k = 0; k < indices.length; k++) {
    const qi = indices[k];
    const lay = layout(manifest.questions[qi]);
    const enc = ballot.questions[k];
    if (enc.slots.length !== lay.slotCount) {
      throw new BallotError(`${where(manifest, qi)}: has ${enc.slots.length} slots, expected ${lay.slotCount}`);
    }
    if (lay.hasCountProof !== (enc.countProof !== null)) {
      throw new BallotError(`${where(manifest, qi)}: ${lay.hasCountProof ? "requires" : "must not have"} a count proof`);
    }
  }
  for (let k = 0; k < indices.length; k++) {
    const qi = indices[k];
    const lay = layout(manifest.questions[qi]);
    const enc = ballot.questions[k];
    for (let si = 0; si < enc.slots.length; si++) {
      const { ct, proof } = enc.slots[si];
      try {
        await verifyRange(proof, ct, key, 0, lay.slotMax, fingerprint, ["slot", qi, si]);
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
 * What revealed plaintexts select: a ranked race's ranking is read up to its first 0 (a
 * later non-zero rank, a gap, then fails the re-encoding check); in choose-one, all zeros
 * is the last option.
 */
function opened(n, lay, values) {
  if (lay.kind === "ranked") {
    const ranking = [];
    for (const value of values) {
      if (value === 0) break;
      ranking.push(value - 1);
    }
    return ranking;
  }
  const chosen = [];
  for (let i = 0; i < lay.optionSlots; i++) if (values[i] === 1) chosen.push(i);
  if (lay.kind === "choose-one" && chosen.length === 0) chosen.push(n - 1);
  return chosen;
}

/**
 * Re-encrypt an audited ballot's slots from the revealed secrets and return
 * the selections it encrypts (check_audit, without re-verifying the proofs
 * unless `verify` is true).  Lets the voter's second device check an audit.
 * One entry per question on the ballot of `unit`: option indices ascending,
 * or a ranked race's ranking, most preferred first.
 */
export async function checkAudit(definition, publicKeyHex, fingerprintHex, audit, { verify = true, unit = null } = {}) {
  exactKeys(audit, ["format", "ballot", "secrets"], "the audited ballot");
  if (audit.format !== AUDIT_FORMAT) throw new BallotError(`the audited ballot format must be '${AUDIT_FORMAT}'`);
  const manifest = toManifest(definition);
  const key = publicKeyFor(publicKeyHex);
  if (verify) await verifyBallot(manifest, publicKeyHex, fingerprintHex, audit.ballot, { unit });
  const ballot = parseBallot(audit.ballot);
  if (!Array.isArray(audit.secrets) || audit.secrets.length !== ballot.questions.length) {
    throw new BallotError("'secrets' must hold one list per question of the ballot");
  }
  const indices = onBallot(manifest, unit);
  if (indices.length !== ballot.questions.length) {
    throw new BallotError(
      `the ballot has ${ballot.questions.length} questions, the election ${indices.length}${ofUnit(manifest, unit)}`,
    );
  }
  const selections = [];
  for (let k = 0; k < indices.length; k++) {
    const qi = indices[k];
    const question = manifest.questions[qi];
    const lay = layout(question);
    const revealed = audit.secrets[k];
    const enc = ballot.questions[k];
    if (!Array.isArray(revealed) || revealed.length !== enc.slots.length) {
      throw new BallotError(`question ${k}: secrets must hold one entry per slot`);
    }
    const values = [];
    for (let si = 0; si < revealed.length; si++) {
      const at = `question ${k}, slot ${si}`;
      exactKeys(revealed[si], ["plaintext", "randomness"], `${at} secret`);
      const { plaintext: m, randomness } = revealed[si];
      if (!Number.isInteger(m) || m < 0 || m > MAX_RANKED_CANDIDATES) {
        throw new BallotError(
          `${at}: the plaintext must be 0 or 1 (in a ranked race, an integer from 0 to the number of candidates, at most ${MAX_RANKED_CANDIDATES})`,
        );
      }
      if (m > lay.slotMax) {
        const allowed = lay.slotMax === 1 ? "0 or 1" : `from 0 to ${lay.slotMax}`;
        throw new BallotError(`${where(manifest, qi, si)}: plaintext must be ${allowed}`);
      }
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
    const chosen = opened(question.optionIds.length, lay, values);
    validateSelection(question, chosen, where(manifest, qi));
    if (plaintexts(lay, chosen).join(",") !== values.join(",")) {
      throw new BallotError(`${where(manifest, qi)}: the revealed slots are not a valid vote`);
    }
    selections.push(chosen);
  }
  return selections;
}
