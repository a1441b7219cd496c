/**
 * The slot layout of a ballot and the election inputs that encryption and
 * verification share: the twin of ballot/crypto/ballots/layout.py.
 *
 * Slot layout per question (docs/PROTOCOL.md, "Ballot encoding"):
 *   choose exactly one   options 0..n-2 (last implied), count [0,1] if >= 2 slots
 *   min 0, max 1         one slot per option, count [0,1] if >= 2 slots
 *   min 0, max >= 2      options + blank, count = sum + max*blank in [1, max]
 *   min >= 1 otherwise   one slot per option, count [min, max]
 *   ranked (max = w)     one slot per rank, each 0 or candidate index + 1 in [0, n],
 *                        no count proof
 * Proof contexts: ["slot", q, s] and ["count", q], q the question's DEFINITION index.
 * A ballot carries the questions of manifest.onBallot(unit), in definition order.
 */

import { hexToBytes } from "./bytes.js";
import { addCiphertexts, PublicKey, scaleCiphertext } from "./elgamal.js";
import { GroupError } from "./group.js";
import { ManifestError, parseManifest } from "./manifest.js";

export const BALLOT_FORMAT = "ballot/encrypted-ballot/v1";
export const AUDIT_FORMAT = "ballot/audited-ballot/v1";

export class BallotError extends Error {
  constructor(message) {
    super(message);
    this.name = "BallotError";
  }
}

// ------------------------------------------------------------------ layout

/**
 * The slot layout of a question (a pure function of ranked, n, min and max).  rankSlots:
 * a ranked race's one slot per rank; slotMax: every slot's range proof is [0, slotMax].
 */
export function layout(question) {
  const n = question.optionIds.length;
  const { min: lo, max: hi } = question;
  const make = (kind, optionSlots, hasBlankSlot, countLo, countHi, blankWeight, hasCountProof, rankSlots = 0, slotMax = 1) => ({
    kind,
    optionSlots,
    hasBlankSlot,
    countLo,
    countHi,
    blankWeight,
    hasCountProof,
    rankSlots,
    slotMax,
    slotCount: optionSlots + (hasBlankSlot ? 1 : 0) + rankSlots,
  });
  // never summed (counted after the mix-net), so no count proof
  if (question.ranked === true) return make("ranked", 0, false, 0, 0, 0, false, hi, n);
  if (lo === 1 && hi === 1) return make("choose-one", n - 1, false, 0, 1, 0, n - 1 >= 2);
  if (lo === 0 && hi === 1) return make("at-most-one", n, false, 0, 1, 0, n >= 2);
  if (lo === 0) return make("multi-with-blank", n, true, 1, hi, hi, true);
  return make("bounded", n, false, lo, hi, 0, true);
}

/** The place in an error: qi is the question's definition index, si the slot within it. */
export function where(manifest, qi, si = null) {
  const q = manifest.questions[qi];
  const text = `question ${qi} ('${q.id}')`;
  if (si === null) return text;
  const lay = layout(q);
  let name;
  if (lay.kind === "ranked") name = `rank ${si + 1}`;
  else name = si >= lay.optionSlots ? "blank" : `option '${q.optionIds[si]}'`;
  return `${text}, slot ${si} (${name})`;
}

/** The definition indices of the questions on a ballot of `unit`; never none. */
export function onBallot(manifest, unit) {
  const indices = manifest.onBallot(unit);
  if (indices.length === 0) {
    const shown = unit ? `unit '${unit}'` : "no unit";
    throw new BallotError(`a ballot of ${shown} carries no question of this election`);
  }
  return indices;
}

/**
 * Refuse anything that is not a valid vote (before anything is encrypted).  A choose
 * question's selection is a set of option indices; a ranked race's is the ranking, most
 * preferred first: distinct candidate indices, at most max of them.
 */
export function validateSelection(question, selected, at) {
  if (question.ranked === true) {
    validateRanking(question, selected, at);
    return;
  }
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

function validateRanking(question, ranking, at) {
  if (!Array.isArray(ranking)) throw new BallotError(`${at}: the ranking must be a list of candidate indices`);
  const seen = new Set();
  ranking.forEach((index, i) => {
    if (typeof index !== "number" || !Number.isInteger(index)) {
      throw new BallotError(`${at}: candidate indices must be integers`);
    }
    if (index < 0 || index >= question.optionIds.length) {
      throw new BallotError(`${at}: there is no candidate ${index} (rank ${i + 1})`);
    }
    if (seen.has(index)) throw new BallotError(`${at}: candidate ${index} is ranked twice`);
    seen.add(index);
  });
  if (seen.size > question.max) throw new BallotError(`${at}: at most ${question.max} candidate(s) may be ranked`);
}

export function plaintexts(lay, selected) {
  if (lay.kind === "ranked") {
    // rank s holds candidate i as i + 1; the ranks after the last choice hold 0
    const values = selected.map((index) => index + 1);
    while (values.length < lay.rankSlots) values.push(0);
    return values;
  }
  const chosen = new Set(selected);
  const values = [];
  for (let i = 0; i < lay.optionSlots; i++) values.push(chosen.has(i) ? 1 : 0);
  if (lay.hasBlankSlot) values.push(chosen.size === 0 ? 1 : 0);
  return values;
}

export function countPlaintext(lay, values) {
  let total = 0;
  for (let i = 0; i < lay.optionSlots; i++) total += values[i];
  if (lay.hasBlankSlot) total += lay.blankWeight * values[values.length - 1];
  return total;
}

/** sum(option slots) + weight * blank, homomorphically. */
export function countCiphertext(lay, cts) {
  let total = cts[0];
  for (let i = 1; i < lay.optionSlots; i++) total = addCiphertexts(total, cts[i]);
  if (lay.hasBlankSlot) total = addCiphertexts(total, scaleCiphertext(cts[cts.length - 1], BigInt(lay.blankWeight)));
  return total;
}

/** How many multiplications by K a ballot of `unit` costs: r*K and one per proof branch. */
export function keyMultiplications(manifest, unit = null) {
  let n = 0;
  for (const qi of manifest.onBallot(unit)) {
    const lay = layout(manifest.questions[qi]);
    n += (2 + lay.slotMax) * lay.slotCount; // r*K, then one per branch of [0, slotMax]
    if (lay.hasCountProof) n += lay.countHi - lay.countLo + 1;
  }
  return n;
}

export function parseFingerprint(fingerprintHex) {
  if (typeof fingerprintHex !== "string" || !/^[0-9a-f]{64}$/.test(fingerprintHex)) {
    throw new BallotError("the election fingerprint must be 64 lower-case hexadecimal characters");
  }
  return hexToBytes(fingerprintHex);
}

const publicKeys = new Map();

/** Decode (and validate) K once per page; keep its table if one was built. */
export function publicKeyFor(publicKeyHex) {
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

export function toManifest(definition) {
  try {
    return parseManifest(definition);
  } catch (err) {
    if (err instanceof ManifestError) throw new BallotError(`the election definition is invalid: ${err.message}`);
    throw err;
  }
}
