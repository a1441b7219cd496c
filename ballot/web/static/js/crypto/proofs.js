/**
 * Zero-knowledge proofs, the twin of ballot/crypto/proofs.py: compact
 * (challenge, response) form, strong Fiat-Shamir, prover's response
 * v = u + c*w, verifier recomputes the commitment u*G = v*G - c*(w*G).
 *
 * Proofs are plain objects holding BigInt scalars:
 *   Schnorr / Chaum-Pedersen: {challenge, response}
 *   range:                    {lo, challenges: [...], responses: [...]}
 * Verifiers return nothing on success and throw ProofError otherwise; hostile
 * values (zero scalars, the identity) are handled, never crash.
 *
 * `rng` is a function returning a non-zero scalar; it defaults to
 * randomScalar (crypto.getRandomValues) and tests pass replayRng(nonces).
 */

import { BASE, baseMul, Element } from "./group.js";
import { asPublicKey, smallMultiple } from "./elgamal.js";
import { randomScalar } from "./random.js";
import { L, ScalarError, scalarAdd, scalarFromHex, scalarFromInt, scalarMul, scalarSub, scalarToHex } from "./scalar.js";
import { fiatShamirChallenge } from "./fiat_shamir.js";

/** Largest number of branches in a range proof (bounds the verifier's work). */
export const MAX_RANGE_BRANCHES = 64;

export class ProofError extends Error {
  constructor(message) {
    super(message);
    this.name = "ProofError";
  }
}

/** k * G, through the base table when G is the base point. */
function mulElement(g, k) {
  return g === BASE || g.equals(BASE) ? baseMul(k) : g.multiply(k);
}

function checkNonce(u) {
  if (typeof u !== "bigint" || u <= 0n || u >= L) {
    throw new RangeError("rng must return a non-zero scalar (BigInt in [1, L))");
  }
  return u;
}

// ------------------------------------------------------------------ Schnorr

export async function proveSchnorr(secret, fingerprint, context, rng = randomScalar) {
  const u = checkNonce(rng());
  const pub = baseMul(secret);
  const c = await fiatShamirChallenge("schnorr", fingerprint, [...context, pub, baseMul(u)]);
  return { challenge: c, response: scalarAdd(u, scalarMul(c, secret)) };
}

export async function verifySchnorr(proof, pub, fingerprint, context) {
  const commitment = baseMul(proof.response).subtract(pub.multiply(proof.challenge));
  const expected = await fiatShamirChallenge("schnorr", fingerprint, [...context, pub, commitment]);
  if (expected !== proof.challenge) {
    throw new ProofError("Schnorr proof of knowledge does not verify");
  }
}

// ------------------------------------------------------------------ Chaum-Pedersen

/** Prove a = w*g and c = w*h for the same w. */
export async function proveEquality(witness, g, h, fingerprint, context, rng = randomScalar) {
  const u = checkNonce(rng());
  const a = mulElement(g, witness);
  const c_ = mulElement(h, witness);
  const c = await fiatShamirChallenge("chaum-pedersen", fingerprint, [
    ...context, g, a, h, c_, mulElement(g, u), mulElement(h, u),
  ]);
  return { challenge: c, response: scalarAdd(u, scalarMul(c, witness)) };
}

export async function verifyEquality(proof, g, a, h, c_, fingerprint, context) {
  const t1 = mulElement(g, proof.response).subtract(a.multiply(proof.challenge));
  const t2 = mulElement(h, proof.response).subtract(c_.multiply(proof.challenge));
  const expected = await fiatShamirChallenge("chaum-pedersen", fingerprint, [...context, g, a, h, c_, t1, t2]);
  if (expected !== proof.challenge) {
    throw new ProofError("Chaum-Pedersen proof of equal discrete logarithms does not verify");
  }
}

/** Schnorr and Chaum-Pedersen proofs share one JSON shape. */
export function pairProofToJSON(proof) {
  return { challenge: scalarToHex(proof.challenge), response: scalarToHex(proof.response) };
}

export function pairProofFromJSON(obj, what = "a proof") {
  requireKeys(obj, ["challenge", "response"], what);
  return { challenge: scalarField(obj.challenge, "challenge"), response: scalarField(obj.response, "response") };
}

// ------------------------------------------------------------------ range (disjunctive)

/**
 * Prove that ct = encrypt(K, m, r) with lo <= m <= hi.  Nonces are drawn in
 * the Python order: u for the real branch, then (c_j, v_j) for each
 * simulated branch j = lo..hi, j != m, in increasing j.
 */
export async function proveRange(ct, m, r, publicKey, lo, hi, fingerprint, context, rng = randomScalar) {
  if (!(lo <= m && m <= hi)) throw new RangeError("the plaintext is outside the range it claims");
  if (hi - lo + 1 > MAX_RANGE_BRANCHES) throw new RangeError("range too wide for a disjunctive proof");
  const key = asPublicKey(publicKey);
  const n = hi - lo + 1;
  const challenges = new Array(n).fill(null);
  const responses = new Array(n).fill(null);
  const commitments = [];
  const u = checkNonce(rng());
  for (let j = lo; j <= hi; j++) {
    if (j === m) {
      commitments.push(baseMul(u), key.multiply(u));
      continue;
    }
    const cj = checkNonce(rng());
    const vj = checkNonce(rng());
    challenges[j - lo] = cj;
    responses[j - lo] = vj;
    // The commitments the verifier will recompute, v*B - c*alpha and
    // v*K - c*(beta - j*B), built from what only the prover knows (alpha = r*B,
    // beta - j*B = r*K + (m-j)*B) so that no arbitrary element is multiplied:
    // (v - c*r)*B and (v - c*r)*K - (c*(m-j))*B, the same elements, through
    // the base and key tables.
    const w = scalarSub(vj, scalarMul(cj, r));
    commitments.push(
      baseMul(w),
      key.multiply(w).subtract(baseMul(scalarMul(cj, scalarFromInt(m - j)))),
    );
  }
  const c = await fiatShamirChallenge("range", fingerprint, [
    ...context, key.point, ct.alpha, ct.beta, lo, hi, ...commitments,
  ]);
  let simulated = 0n;
  for (const x of challenges) if (x !== null) simulated = scalarAdd(simulated, x);
  const cReal = scalarSub(c, simulated);
  challenges[m - lo] = cReal;
  responses[m - lo] = scalarAdd(u, scalarMul(cReal, r));
  return { lo, challenges, responses };
}

export async function verifyRange(proof, ct, publicKey, lo, hi, fingerprint, context) {
  const key = asPublicKey(publicKey);
  const proofHi = proof.lo + proof.challenges.length - 1;
  if (proof.lo !== lo || proofHi !== hi) {
    throw new ProofError(`range proof covers [${proof.lo}, ${proofHi}], expected [${lo}, ${hi}]`);
  }
  if (proof.responses.length !== proof.challenges.length) {
    throw new ProofError("range proof must have one response per challenge");
  }
  const commitments = [];
  let total = 0n;
  for (let j = lo; j <= hi; j++) {
    const cj = proof.challenges[j - lo];
    const vj = proof.responses[j - lo];
    const shifted = ct.beta.subtract(smallMultiple(j));
    commitments.push(
      baseMul(vj).subtract(ct.alpha.multiply(cj)),
      key.multiply(vj).subtract(shifted.multiply(cj)),
    );
    total = scalarAdd(total, cj);
  }
  const expected = await fiatShamirChallenge("range", fingerprint, [
    ...context, key.point, ct.alpha, ct.beta, lo, hi, ...commitments,
  ]);
  if (expected !== total) {
    throw new ProofError(`proof that the ciphertext encrypts a value in [${lo}, ${hi}] fails`);
  }
}

export function rangeProofToJSON(proof) {
  return {
    lo: proof.lo,
    challenges: proof.challenges.map(scalarToHex),
    responses: proof.responses.map(scalarToHex),
  };
}

/** Strict parse, as RangeProof.from_json: exact keys, 1..64 branches, canonical scalars. */
export function rangeProofFromJSON(obj) {
  requireKeys(obj, ["challenges", "lo", "responses"], "a range proof");
  const { lo, challenges, responses } = obj;
  if (typeof lo !== "number" || !Number.isSafeInteger(lo) || lo < 0) {
    throw new ProofError("range proof 'lo' must be a non-negative integer");
  }
  if (!Array.isArray(challenges) || !Array.isArray(responses) || challenges.length !== responses.length) {
    throw new ProofError("range proof needs equally long 'challenges' and 'responses' lists");
  }
  if (challenges.length < 1 || challenges.length > MAX_RANGE_BRANCHES) {
    throw new ProofError(`range proof must have 1 to ${MAX_RANGE_BRANCHES} branches`);
  }
  return {
    lo,
    challenges: challenges.map((c) => scalarField(c, "c")),
    responses: responses.map((v) => scalarField(v, "v")),
  };
}

// ------------------------------------------------------------------ helpers

function requireKeys(obj, keys, what) {
  if (
    obj === null ||
    typeof obj !== "object" ||
    Array.isArray(obj) ||
    Object.keys(obj).sort().join("\u0000") !== [...keys].sort().join("\u0000")
  ) {
    throw new ProofError(`${what} must be an object with exactly the keys ${JSON.stringify([...keys].sort())}`);
  }
}

function scalarField(value, key) {
  if (typeof value !== "string") throw new ProofError(`proof field '${key}' must be a hexadecimal string`);
  try {
    return scalarFromHex(value);
  } catch (err) {
    if (err instanceof ScalarError) throw new ProofError(`proof field '${key}': ${err.message}`);
    throw err;
  }
}

export { Element };
