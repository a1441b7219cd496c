/**
 * Checking an encrypted ballot or an audited ballot in the browser: the twin of
 * ballot/crypto/ballots/verification.py and audit.py.
 */

import { ciphertextFromJSON, encrypt } from "./elgamal.js";
import { GroupError } from "./group.js";
import { ProofError, rangeProofFromJSON, verifyRange } from "./proofs.js";
import { ScalarError, scalarFromHex } from "./scalar.js";
import {
  AUDIT_FORMAT,
  BALLOT_FORMAT,
  BallotError,
  countCiphertext,
  layout,
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
