/**
 * Scalars: integers modulo the group order L, as BigInt in [0, L).
 *
 * Encoded as 32 bytes little-endian; decoding refuses values >= L rather than
 * reducing them, so that every scalar has exactly one encoding (libsodium
 * would silently reduce, which would let one proof have many spellings).
 */

import { bigIntToBytesLE, bytesToBigIntLE, bytesToHex } from "./bytes.js";

/** Order of the prime-order subgroup of edwards25519. */
export const L = (1n << 252n) + 27742317777372353535851937790883648493n;

export class ScalarError extends Error {
  constructor(reason, message) {
    super(message);
    this.name = "ScalarError";
    this.reason = reason;
  }
}

export function scalarAdd(a, b) {
  return (a + b) % L;
}

export function scalarSub(a, b) {
  return (a - b + L) % L;
}

export function scalarMul(a, b) {
  return (a * b) % L;
}

export function scalarNeg(a) {
  return (L - a) % L;
}

/** a^(L-2) mod L; zero has no inverse. */
export function scalarInv(a) {
  if (a % L === 0n) throw new ScalarError("zero", "zero has no inverse modulo L");
  let result = 1n;
  let base = a % L;
  let e = L - 2n;
  while (e > 0n) {
    if (e & 1n) result = (result * base) % L;
    base = (base * base) % L;
    e >>= 1n;
  }
  return result;
}

/** Any BigInt (e.g. a small count) reduced modulo L. */
export function scalarFromInt(value) {
  const v = BigInt(value) % L;
  return v < 0n ? v + L : v;
}

/** 64 bytes read as a little-endian integer, reduced modulo L (statistically uniform). */
export function reduce64(bytes) {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 64) {
    throw new ScalarError("length", "reduce64 needs exactly 64 bytes");
  }
  return bytesToBigIntLE(bytes) % L;
}

/** Decode a canonical scalar: 32 bytes, value < L, never reduced. */
export function scalarFromBytes(bytes) {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 32) {
    throw new ScalarError("length", "scalar encoding must be exactly 32 bytes");
  }
  const v = bytesToBigIntLE(bytes);
  if (v >= L) {
    throw new ScalarError(
      "non-canonical",
      "non-canonical scalar: value is at or above the group order L",
    );
  }
  return v;
}

/** Decode exactly 64 lower-case hex digits as a canonical scalar. */
export function scalarFromHex(text) {
  if (typeof text !== "string" || !/^[0-9a-f]{64}$/.test(text)) {
    throw new ScalarError("hex", "a scalar must be exactly 64 lower-case hexadecimal characters");
  }
  const bytes = new Uint8Array(32);
  for (let i = 0; i < 32; i++) bytes[i] = parseInt(text.substr(2 * i, 2), 16);
  return scalarFromBytes(bytes);
}

export function scalarToBytes(s) {
  if (typeof s !== "bigint" || s < 0n || s >= L) throw new RangeError("not a scalar in [0, L)");
  return bigIntToBytesLE(s, 32);
}

export function scalarToHex(s) {
  return bytesToHex(scalarToBytes(s));
}
