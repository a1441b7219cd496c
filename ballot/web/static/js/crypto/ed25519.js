/**
 * The prime-order subgroup of edwards25519 (twisted Edwards, a = -1), the
 * browser twin of ballot/crypto/group.py.
 *
 * Points are kept in extended coordinates (X : Y : Z : T) with x = X/Z,
 * y = Y/Z, xy = T/Z, so additions need no inversion; the only inversion is in
 * `encode`.  Additions use the unified formulas of Hisil-Wong-Carter-Dawson
 * (2008), complete on this curve because d is not a square, so the identity
 * and doublings need no special case.
 *
 * Multiplication: by the base point B through a lazily built table of
 * (j * 16^i) * B for signed 4-bit digits (64 mixed additions, no doubling);
 * by any other point with a signed 4-bit fixed window (252 doublings and at
 * most 64 additions).
 *
 * Decoding is where hostile input arrives; it applies every rule of the
 * Python side, in the same order, and names the rule that failed (the
 * `reason` codes of tests/vectors/group_element_decoding.json).
 */

import { P, mul, sq, sub, canon, eq, inv, sqrtRatio } from "./field.js";
import { bigIntToBytesLE, bytesToBigIntLE, bytesToHex, hexToBytes } from "./bytes.js";
import { L } from "./scalar.js";

/** A scalar or element failed validation; `reason` names the check. */
export class GroupError extends Error {
  constructor(reason, message) {
    super(message);
    this.name = "GroupError";
    this.reason = reason;
  }
}

/** d = -121665 / 121666 and 2d, canonical. */
export const D = canon(mul(P - 121665n, inv(121666n)));
const D2 = canon(2n * D);

/** A point in extended coordinates.  Build from outside data only with `decodePoint`. */
export class Point {
  constructor(X, Y, Z, T) {
    this.X = X;
    this.Y = Y;
    this.Z = Z;
    this.T = T;
    this._enc = null; // cached canonical encoding
  }

  /** The canonical 32-byte encoding (cached: points are immutable). */
  toBytes() {
    if (this._enc === null) this._enc = encodeXYZ(this.X, this.Y, this.Z);
    return this._enc;
  }

  toHex() {
    return bytesToHex(this.toBytes());
  }

  isIdentity() {
    return canon(this.X) === 0n && eq(this.Y, this.Z);
  }

  equals(other) {
    return (
      eq(mul(this.X, other.Z), mul(other.X, this.Z)) &&
      eq(mul(this.Y, other.Z), mul(other.Y, this.Z))
    );
  }

  add(other) {
    return addCached(this, toCached(other), false);
  }

  subtract(other) {
    return addCached(this, toCached(other), true);
  }

  negate() {
    return new Point(P - canon(this.X), this.Y, this.Z, P - canon(this.T));
  }

  double() {
    return dbl(this);
  }

  /** Variable-base multiplication k * this, for 0 <= k < 2^253. */
  multiply(k) {
    return mulVar(this, k);
  }
}

function encodeXYZ(X, Y, Z) {
  const zi = inv(Z);
  const x = canon(mul(X, zi));
  const y = canon(mul(Y, zi));
  const out = bigIntToBytesLE(y, 32);
  out[31] |= Number(x & 1n) << 7;
  return out;
}

export const IDENTITY = new Point(0n, 1n, 1n, 0n);

// ------------------------------------------------------------------ formulas

/**
 * A point prepared for addition: (Y+X, Y-X, 2Z, 2dT).  `z2` is null for an
 * affine table entry (Z = 1), which saves a multiplication.
 */
function toCached(p) {
  return { ypx: p.Y + p.X, ymx: sub(p.Y, p.X), z2: p.Z + p.Z, t2d: mul(p.T, D2) };
}

/** p + q (or p - q when `negate`), q in cached form: "add-2008-hwcd-3", a = -1. */
function addCached(p, q, negate) {
  const a = mul(sub(p.Y, p.X), negate ? q.ypx : q.ymx);
  const b = mul(p.Y + p.X, negate ? q.ymx : q.ypx);
  const c = mul(p.T, q.t2d);
  const d = q.z2 === null ? p.Z + p.Z : mul(p.Z, q.z2);
  const e = sub(b, a);
  const h = b + a;
  const f = negate ? d + c : sub(d, c);
  const g = negate ? sub(d, c) : d + c;
  return new Point(mul(e, f), mul(g, h), mul(f, g), mul(e, h));
}

/** 2p: "dbl-2008-hwcd" for a = -1 (every intermediate negated, which cancels). */
function dbl(p) {
  const a = sq(p.X);
  const b = sq(p.Y);
  const c = 2n * sq(p.Z);
  const h = a + b;
  const e = sub(h, sq(p.X + p.Y));
  const g = sub(a, b);
  const f = c + g;
  return new Point(mul(e, f), mul(g, h), mul(f, g), mul(e, h));
}

/** 2p without the T coordinate, for doublings followed by another doubling. */
function dblNoT(p) {
  const a = sq(p.X);
  const b = sq(p.Y);
  const c = 2n * sq(p.Z);
  const h = a + b;
  const e = sub(h, sq(p.X + p.Y));
  const g = sub(a, b);
  const f = c + g;
  return new Point(mul(e, f), mul(g, h), mul(f, g), 0n);
}

// ------------------------------------------------------------------ scalar recoding

/**
 * Signed base-16 digits d_i in [-8, 8) with k = sum d_i 16^i, i = 0..63.
 * k must be below 2^253 so the top digit cannot overflow (scalars are < L).
 */
function signedDigits(k) {
  if (typeof k !== "bigint" || k < 0n || k >= 1n << 253n) {
    throw new RangeError("scalar multiplier must be a BigInt in [0, 2^253)");
  }
  const hex = k.toString(16).padStart(64, "0");
  const digits = new Int8Array(64);
  let carry = 0;
  for (let i = 0; i < 64; i++) {
    let v = parseInt(hex[63 - i], 16) + carry;
    carry = v >= 8 ? 1 : 0;
    digits[i] = v - 16 * carry;
  }
  return digits;
}

// ------------------------------------------------------------------ variable base

function mulVar(p, k) {
  const digits = signedDigits(k);
  // table[j] = (j + 1) * p, j = 0..7, cached form
  const multiples = [p];
  multiples.push(dbl(p));
  for (let j = 2; j < 8; j++) multiples.push(multiples[j - 1].add(p));
  const table = multiples.map(toCached);
  let top = 63;
  while (top >= 0 && digits[top] === 0) top--;
  if (top < 0) return IDENTITY;
  let d = digits[top];
  let acc = d > 0 ? multiples[d - 1] : multiples[-d - 1].negate();
  for (let i = top - 1; i >= 0; i--) {
    acc = dblNoT(dblNoT(dblNoT(acc)));
    acc = dbl(acc);
    d = digits[i];
    if (d > 0) acc = addCached(acc, table[d - 1], false);
    else if (d < 0) acc = addCached(acc, table[-d - 1], true);
  }
  return acc;
}

// ------------------------------------------------------------------ fixed base tables

/**
 * A table of (j+1) * 16^i * Q, i = 0..63, j = 0..7, in affine cached form,
 * so that k * Q is 64 mixed additions.  Built once per point (about 600
 * additions and one inversion, thanks to batch inversion).
 */
export class FixedBaseTable {
  constructor(q) {
    const points = [];
    let row = q;
    for (let i = 0; i < 64; i++) {
      let m = row;
      for (let j = 0; j < 8; j++) {
        points.push(m);
        if (j < 7) m = j === 0 ? dbl(row) : m.add(row);
      }
      if (i < 63) row = dbl(dblNoT(dblNoT(dblNoT(row))));
    }
    const zinvs = batchInvert(points.map((pt) => pt.Z));
    this.entries = points.map((pt, n) => {
      const x = canon(mul(pt.X, zinvs[n]));
      const y = canon(mul(pt.Y, zinvs[n]));
      return { ypx: y + x, ymx: sub(y, x), z2: null, t2d: mul(mul(x, y), D2) };
    });
  }

  /** k * Q for 0 <= k < 2^253. */
  multiply(k) {
    const digits = signedDigits(k);
    let acc = IDENTITY;
    for (let i = 0; i < 64; i++) {
      const d = digits[i];
      if (d > 0) acc = addCached(acc, this.entries[8 * i + d - 1], false);
      else if (d < 0) acc = addCached(acc, this.entries[8 * i - d - 1], true);
    }
    return acc;
  }
}

/** Montgomery's trick: n inverses for one inversion and 3(n-1) multiplications. */
function batchInvert(values) {
  const n = values.length;
  const prefix = new Array(n);
  let acc = 1n;
  for (let i = 0; i < n; i++) {
    prefix[i] = acc;
    acc = mul(acc, values[i]);
  }
  let invAcc = inv(acc);
  const out = new Array(n);
  for (let i = n - 1; i >= 0; i--) {
    out[i] = mul(invAcc, prefix[i]);
    invAcc = mul(invAcc, values[i]);
  }
  return out;
}

// ------------------------------------------------------------------ decoding

const IDENTITY_HEX = "01" + "00".repeat(31);

function decodeUnchecked(bytes) {
  // y with the sign bit cleared, and the sign bit
  const sign = bytes[31] >> 7;
  const copy = Uint8Array.from(bytes);
  copy[31] &= 0x7f;
  const y = bytesToBigIntLE(copy);
  if (y >= P) {
    throw new GroupError(
      "non-canonical-y",
      "non-canonical element encoding: y coordinate is not reduced modulo p",
    );
  }
  const y2 = sq(y);
  const x0 = sqrtRatio(sub(y2, 1n), mul(D, y2) + 1n);
  if (x0 === null) {
    throw new GroupError("off-curve", "not a point on edwards25519: no x coordinate matches this y");
  }
  if (x0 === 0n && sign === 1) {
    throw new GroupError(
      "x-zero-sign-bit",
      "non-canonical element encoding: x = 0 with the sign bit set",
    );
  }
  const x = Number(x0 & 1n) === sign ? x0 : P - x0;
  return new Point(x, y, 1n, canon(mul(x, y)));
}

/**
 * Decode an element received from outside, with every check of the Python
 * side: exactly 32 bytes; the identity only where allowed; y < p; a square
 * root exists; not x = 0 with the sign bit; not of small order (8P = O);
 * in the prime-order subgroup (L*P = O).
 */
export function decodePoint(bytes, { allowIdentity = false } = {}) {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 32) {
    throw new GroupError("length", "element encoding must be exactly 32 bytes");
  }
  if (bytesToHex(bytes) === IDENTITY_HEX) {
    if (allowIdentity) return IDENTITY;
    throw new GroupError("identity", "the identity element is not allowed here");
  }
  const pt = decodeUnchecked(bytes);
  if (dbl(dbl(dbl(pt))).isIdentity()) {
    throw new GroupError(
      "small-order",
      "small-order element refused (it would leak or cancel information)",
    );
  }
  if (!mulVar(pt, L).isIdentity()) {
    throw new GroupError(
      "torsion-component",
      "element is not in the prime-order subgroup (it has a torsion component)",
    );
  }
  pt._enc = Uint8Array.from(bytes);
  return pt;
}

/** Decode exactly 64 lower-case hex digits as an element (see decodePoint). */
export function pointFromHex(text, options = {}) {
  if (typeof text !== "string" || !/^[0-9a-f]{64}$/.test(text)) {
    throw new GroupError("hex", "an element must be exactly 64 lower-case hexadecimal characters");
  }
  return decodePoint(hexToBytes(text), options);
}

// ------------------------------------------------------------------ the base point

/** The standard base point B (y = 4/5, x even). */
export const BASE = decodeUnchecked(hexToBytes("58" + "66".repeat(31)));

let baseTable = null;

/** k * B through the fixed-base table (built on first use). */
export function baseMul(k) {
  if (baseTable === null) baseTable = new FixedBaseTable(BASE);
  return baseTable.multiply(k);
}

/** Build the base table now (e.g. while the voter reads the ballot). */
export function warmUp() {
  if (baseTable === null) baseTable = new FixedBaseTable(BASE);
}
