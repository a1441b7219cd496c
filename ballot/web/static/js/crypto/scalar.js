/**
 * Scalars: integers modulo the group order L, as BigInt in [0, L).
 *
 * The arithmetic is the audited library's field modulo L (see group.js).
 * Encoded as 32 bytes little-endian; decoding refuses values >= L rather than
 * reducing them, so that every scalar has exactly one encoding (libsodium
 * would silently reduce, which would let one proof have many spellings):
 * that rule is ours, the library would reduce too.
 */

import { Field } from "../../vendor/noble-curves-1.6.0/esm/abstract/modular.js";
import { bigIntToBytesLE, bytesToBigIntLE, bytesToHex } from "./bytes.js";

/** Order of the prime-order subgroup of edwards25519. */
export const L = (1n << 252n) + 27742317777372353535851937790883648493n;

const Fn = Field(L);

export class ScalarError extends Error {
  constructor(reason, message) {
    super(message);
    this.name = "ScalarError";
    this.reason = reason;
  }
}

export function scalarAdd(a, b) {
  return Fn.add(a, b);
}

export function scalarSub(a, b) {
  return Fn.sub(a, b);
}

export function scalarMul(a, b) {
  return Fn.mul(a, b);
}

export function scalarNeg(a) {
  return Fn.neg(a);
}

/** The inverse modulo L; zero has none. */
export function scalarInv(a) {
  if (Fn.is0(Fn.create(a))) throw new ScalarError("zero", "zero has no inverse modulo L");
  return Fn.inv(a);
}

/** Any BigInt (e.g. a small count) reduced modulo L. */
export function scalarFromInt(value) {
  return Fn.create(BigInt(value));
}

/** 64 bytes read as a little-endian integer, reduced modulo L (statistically uniform). */
export function reduce64(bytes) {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 64) {
    throw new ScalarError("length", "reduce64 needs exactly 64 bytes");
  }
  return Fn.create(bytesToBigIntLE(bytes));
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
