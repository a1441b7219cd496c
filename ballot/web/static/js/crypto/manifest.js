/**
 * The election definition as the ballot encryption sees it: the twin of
 * ballot/crypto/manifest.py (question shapes, manifest hash, fingerprint).
 *
 * The voter page gets the full definition from the server; it needs only
 * each question's option count and min/max to encrypt, but it can also
 * recompute the election fingerprint from the definition, the joint key and
 * the trustee keys, so the device does not have to trust the server's
 * fingerprint (see electionFingerprint).
 */

import { concatBytes, bytesToHex } from "./bytes.js";
import { canonicalJSONBytes } from "./jcs.js";
import { Element } from "./group.js";
import { sha256 } from "./sha.js";
import { DOMAIN_PREFIX, encodePart } from "./fiat_shamir.js";

export const MAX_OPTIONS = 64;
export const MAX_QUESTIONS = 100;
export const MAX_ID_LENGTH = 200;
/** Most candidates of a ranked race: a rank encrypts 0 to n, a range proof has at most 64 branches. */
export const MAX_RANKED_CANDIDATES = 63;
export const FINGERPRINT_TAG = DOMAIN_PREFIX + "fingerprint";

export class ManifestError extends Error {
  constructor(message) {
    super(message);
    this.name = "ManifestError";
  }
}

/**
 * One question (made by questionSpec, which validates it): {id, optionIds, min, max,
 * ranked, unit}.  ranked: rank up to max candidates instead of choosing; unit: a
 * per-unit race, on the ballots of that unit's members only (null: on every ballot).
 */
export class QuestionSpec {
  constructor(id, optionIds, min, max, ranked, unit) {
    this.id = id;
    this.optionIds = Object.freeze([...optionIds]);
    this.min = min;
    this.max = max;
    this.ranked = ranked;
    this.unit = unit;
    Object.freeze(this);
  }

  /** Whether a ballot of a member of `unit` (null: without unit) carries this question. */
  onBallotOf(unit) {
    return this.unit === null || this.unit === unit;
  }
}

/** The parsed shape: {electionId, questions: [QuestionSpec, ...]} in definition order. */
export class ElectionManifest {
  constructor(electionId, questions) {
    if (questions.length < 1 || questions.length > MAX_QUESTIONS) {
      throw new ManifestError(`an election has 1 to ${MAX_QUESTIONS} questions`);
    }
    if (new Set(questions.map((q) => q.id)).size !== questions.length) {
      throw new ManifestError("question ids must be unique");
    }
    this.electionId = electionId;
    this.questions = Object.freeze(questions.map((q) => Object.freeze(q)));
    Object.freeze(this);
  }

  /**
   * The definition indices of the questions a ballot of `unit` carries, in definition
   * order: every question without a unit, and the unit's own races.
   */
  onBallot(unit) {
    const indices = [];
    this.questions.forEach((q, i) => {
      if (q.unit === undefined || q.unit === null || q.unit === unit) indices.push(i);
    });
    return indices;
  }

  /** Whether some question is a per-unit race (ballots then carry their unit). */
  get hasUnits() {
    return this.questions.some((q) => q.unit !== undefined && q.unit !== null);
  }

  /** Whether some race is ranked (the election then has a mix-net, PROTOCOL 16). */
  get hasRanked() {
    return this.questions.some((q) => q.ranked === true);
  }
}

function isObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function ident(value, where) {
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_ID_LENGTH) {
    throw new ManifestError(`${where} must be a non-empty string of at most ${MAX_ID_LENGTH} chars`);
  }
  return value;
}

function count(value, where) {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new ManifestError(`${where} must be an integer`);
  }
  return value;
}

/** Validate one question's shape exactly as QuestionSpec.__post_init__ does. */
export function questionSpec(id, optionIds, min, max, ranked = false, unit = null) {
  const where = `question '${id}'`;
  const n = optionIds.length;
  if (unit !== null && (unit.length === 0 || [...unit].length > MAX_ID_LENGTH)) {
    throw new ManifestError(`${where}: unit must be a non-empty label of at most 200 chars`);
  }
  if (ranked && !(1 <= n && n <= MAX_RANKED_CANDIDATES)) {
    throw new ManifestError(`${where}: a ranked race has 1 to ${MAX_RANKED_CANDIDATES} candidates, has ${n}`);
  }
  if (ranked && min !== 0) {
    throw new ManifestError(`${where}: a ranked race has min 0 (ranking nobody is a blank)`);
  }
  if (n < 1 || n > MAX_OPTIONS) {
    throw new ManifestError(`${where}: must have 1 to ${MAX_OPTIONS} options, has ${n}`);
  }
  if (new Set(optionIds).size !== n) throw new ManifestError(`${where}: option ids must be unique`);
  if (!(0 <= min && min <= max && max <= n)) {
    throw new ManifestError(
      `${where}: selection bounds must satisfy 0 <= min <= max <= ${n} options (got min=${min}, max=${max})`,
    );
  }
  if (max < 1) throw new ManifestError(`${where}: max must be at least 1 (a voter must be able to vote)`);
  if (min === 1 && max === 1 && n === 1) {
    throw new ManifestError(`${where}: choosing exactly one of a single option is no choice`);
  }
  return new QuestionSpec(id, optionIds, min, max, ranked, unit);
}

/** Read election_id and questions[*].{id, min, max, ranked, unit, options[*].id}; ignore the rest. */
export function parseManifest(definition) {
  if (definition instanceof ElectionManifest) return definition;
  if (!isObject(definition)) throw new ManifestError("the election definition must be a JSON object");
  const electionId = ident(definition.election_id, "election_id");
  const raw = definition.questions;
  if (!Array.isArray(raw)) throw new ManifestError("'questions' must be a list");
  if (raw.length < 1 || raw.length > MAX_QUESTIONS) {
    throw new ManifestError(`an election has 1 to ${MAX_QUESTIONS} questions`);
  }
  const questions = raw.map((q, index) => {
    const where = `question ${index}`;
    if (!isObject(q)) throw new ManifestError(`${where} must be an object`);
    const qid = ident(q.id, `${where}: id`);
    if (!Array.isArray(q.options)) throw new ManifestError(`${where}: 'options' must be a list`);
    if (q.options.length < 1 || q.options.length > MAX_OPTIONS) {
      throw new ManifestError(`${where}: must have 1 to ${MAX_OPTIONS} options, has ${q.options.length}`);
    }
    const optionIds = q.options.map((opt, j) => {
      if (!isObject(opt)) throw new ManifestError(`${where}, option ${j} must be an object`);
      return ident(opt.id, `${where}, option ${j}: id`);
    });
    const min = count(q.min, `${where}: min`);
    const max = count(q.max, `${where}: max`);
    const ranked = q.ranked === undefined ? false : q.ranked;
    if (typeof ranked !== "boolean") throw new ManifestError(`${where}: ranked must be true or false`);
    const unit = q.unit === undefined ? null : q.unit;
    if (unit !== null && typeof unit !== "string") throw new ManifestError(`${where}: unit must be a string`);
    try {
      return questionSpec(qid, optionIds, min, max, ranked, unit);
    } catch (err) {
      throw new ManifestError(`${where}: ${err.message}`);
    }
  });
  return new ElectionManifest(electionId, questions);
}

/** SHA-256 of the canonical JSON of the whole definition (32 bytes). */
export async function manifestHash(definition) {
  return sha256(canonicalJSONBytes(definition));
}

/**
 * SHA-256(frame(tag) || frame(manifest hash) || frame(K) || frame(V_1) ...),
 * as lower-case hex.  Keys are hex strings; they are validated as elements.
 */
export async function electionFingerprint(definition, publicKeyHex, verificationKeysHex) {
  if (!Array.isArray(verificationKeysHex) || verificationKeysHex.length === 0) {
    throw new ManifestError("an election has at least one trustee verification key");
  }
  const hash = await manifestHash(definition);
  const parts = [FINGERPRINT_TAG, hash, Element.fromHex(publicKeyHex), ...verificationKeysHex.map((k) => Element.fromHex(k))];
  return bytesToHex(await sha256(concatBytes(...parts.map(encodePart))));
}
