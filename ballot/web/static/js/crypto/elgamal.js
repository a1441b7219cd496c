/**
 * Exponential ElGamal, the twin of ballot/crypto/elgamal.py:
 * (alpha, beta) = (r*B, m*B + r*K).
 *
 * A ciphertext is {alpha, beta} with two Elements.  The public key K may come
 * with a FixedBaseTable (see `publicKeyContext`) so that the many r*K, u*K
 * and v*K of a ballot cost a table walk instead of a full multiplication.
 */

import { BASE, baseMul, Element, FixedBaseTable, GroupError, IDENTITY } from "./group.js";

const smallMultiples = new Map();

/** m*B for a small non-negative integer m (cached; 0*B is the identity). */
export function smallMultiple(m) {
  if (!Number.isSafeInteger(m) || m < 0) throw new RangeError("plaintexts are non-negative");
  let pt = smallMultiples.get(m);
  if (pt === undefined) {
    pt = m === 0 ? IDENTITY : baseMul(BigInt(m));
    smallMultiples.set(m, pt);
  }
  return pt;
}

/**
 * A public key ready for repeated use: the validated point and, when asked,
 * a fixed-base table (worth its cost from about five multiplications on).
 */
export class PublicKey {
  constructor(point) {
    this.point = point;
    this.table = null;
  }

  static fromHex(hex) {
    return new PublicKey(Element.fromHex(hex));
  }

  /** Build the multiplication table now. */
  precompute() {
    if (this.table === null) this.table = new FixedBaseTable(this.point);
    return this;
  }

  /** k * K */
  multiply(k) {
    return this.table === null ? this.point.multiply(k) : this.table.multiply(k);
  }
}

/** Accept a PublicKey or a bare Element. */
export function asPublicKey(key) {
  return key instanceof PublicKey ? key : new PublicKey(key);
}

/** Encrypt the count m with caller-chosen non-zero randomness r. */
export function encrypt(publicKey, m, r) {
  if (r === 0n) throw new GroupError("zero-randomness", "encryption randomness must not be zero");
  const key = asPublicKey(publicKey);
  return { alpha: baseMul(r), beta: smallMultiple(m).add(key.multiply(r)) };
}

/** Component-wise sum: encrypts the sum of the plaintexts. */
export function addCiphertexts(a, b) {
  return { alpha: a.alpha.add(b.alpha), beta: a.beta.add(b.beta) };
}

/** Multiply the plaintext (and randomness) by the scalar k. */
export function scaleCiphertext(ct, k) {
  return { alpha: ct.alpha.multiply(k), beta: ct.beta.multiply(k) };
}

export function ciphertextToJSON(ct) {
  return { alpha: ct.alpha.toHex(), beta: ct.beta.toHex() };
}

/** Strict parse: exactly {alpha, beta}, each a valid element (identity only if allowed). */
export function ciphertextFromJSON(obj, { allowIdentity = false } = {}) {
  if (
    obj === null ||
    typeof obj !== "object" ||
    Array.isArray(obj) ||
    Object.keys(obj).sort().join(",") !== "alpha,beta"
  ) {
    throw new GroupError("shape", "a ciphertext is an object with exactly 'alpha' and 'beta'");
  }
  return {
    alpha: Element.fromHex(obj.alpha, { allowIdentity }),
    beta: Element.fromHex(obj.beta, { allowIdentity }),
  };
}

export { BASE };
