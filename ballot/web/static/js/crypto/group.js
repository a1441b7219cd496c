/**
 * The prime-order subgroup of edwards25519, the browser twin of
 * ballot/crypto/group.py.
 *
 * The curve and field arithmetic is not ours: it is @noble/curves 1.6.0
 * (audited by Cure53, whose scope covered its Edwards and ed25519 code),
 * vendored byte for byte under /static/vendor/ and checked against the
 * registry's tarball (tests/crypto/test_vendored_js.py, docs/BROWSER_CRYPTO.md).
 * Only its dependency-free abstract modules are loaded, so the pages need no
 * bundler and no import map.
 *
 * What stays ours is the policy the Python side enforces through libsodium:
 * an `Element` is only ever built from an encoding that passes every rule of
 * `Element.from_bytes`, checked in the same order and named by the `reason`
 * codes of tests/vectors/group_element_decoding.json.  The library's own
 * decoding is RFC 8032 strict (y < p, no x = 0 with the sign bit), but it
 * accepts small-order and mixed-order points; those are refused here.
 *
 * Not constant time: BigInt arithmetic in JavaScript cannot be.  The browser
 * only ever handles one voter's own secrets, on the voter's own device.
 */

import { twistedEdwards } from "../../vendor/noble-curves-1.6.0/esm/abstract/edwards.js";
import { Field } from "../../vendor/noble-curves-1.6.0/esm/abstract/modular.js";
import { bytesToBigIntLE, bytesToHex, hexToBytes } from "./bytes.js";
import { L } from "./scalar.js";

/** The field prime 2^255 - 19. */
const P = (1n << 255n) - 19n;

function noEdDSA() {
  throw new Error("EdDSA is not used here: the protocol hashes through WebCrypto (sha.js)");
}

/**
 * sqrt(u/v) for decoding, through the library's field.  Its generic default
 * hands `sqrt` an unreduced product, which the field's equality test then
 * misreads as "no root"; its ed25519 module has a fused version, but that
 * module imports @noble/hashes by bare name, which a page cannot load
 * without an import map.  So the quotient is reduced here first.
 */
function uvRatio(u, v) {
  try {
    return { isValid: true, value: Fp.sqrt(Fp.div(u, v)) };
  } catch {
    return { isValid: false, value: 0n };
  }
}

const Fp = Field(P);

/**
 * Curve25519 in twisted Edwards form (RFC 8032 5.1): a = -1,
 * d = -121665/121666, cofactor 8, base point with y = 4/5 and x even.
 * `hash` and `randomBytes` serve only the library's EdDSA, which we never call.
 */
const curve = twistedEdwards({
  a: -1n,
  d: 37095705934669439343138083508754565189542113879843219016388785533085940283555n,
  Fp,
  n: L,
  h: 8n,
  Gx: 15112221349535400772501151409588531511454012693041857206046113283949847762202n,
  Gy: 46316835694926478169428394003475163141307993866256225615783033603165251855960n,
  hash: noEdDSA,
  randomBytes: noEdDSA,
  uvRatio,
});
const Point = curve.ExtendedPoint;

/** A scalar or element failed validation; `reason` names the check. */
export class GroupError extends Error {
  constructor(reason, message) {
    super(message);
    this.name = "GroupError";
    this.reason = reason;
  }
}

/** A multiplier as the library wants it: reduced modulo L (every Element has order L or 1). */
function reduced(k) {
  if (typeof k !== "bigint" || k < 0n) throw new RangeError("a multiplier is a non-negative BigInt");
  return k % L;
}

/**
 * An element of the prime-order subgroup, or the identity.  Build one from
 * outside data only with `Element.fromBytes` / `Element.fromHex`.
 */
export class Element {
  /** @param point a library point already known to be in the subgroup */
  constructor(point, encoded = null) {
    this.point = point;
    this._enc = encoded; // cached canonical encoding (elements are immutable)
  }

  /**
   * Decode an element received from outside, with every check of the Python
   * side: exactly 32 bytes; the identity only where allowed; y < p; a square
   * root exists; not x = 0 with the sign bit; not of small order (8P = O);
   * in the prime-order subgroup (L*P = O).
   */
  static fromBytes(bytes, { allowIdentity = false } = {}) {
    if (!(bytes instanceof Uint8Array) || bytes.length !== 32) {
      throw new GroupError("length", "element encoding must be exactly 32 bytes");
    }
    if (bytesToHex(bytes) === IDENTITY_HEX) {
      if (allowIdentity) return IDENTITY;
      throw new GroupError("identity", "the identity element is not allowed here");
    }
    const sign = bytes[31] >> 7;
    const y = bytesToBigIntLE(bytes) & ((1n << 255n) - 1n);
    if (y >= P) {
      throw new GroupError(
        "non-canonical-y",
        "non-canonical element encoding: y coordinate is not reduced modulo p",
      );
    }
    // x = 0 exactly when y^2 = 1; the library refuses the sign bit there too,
    // but only this test tells that rule apart from "no x at all".
    if (sign === 1 && (y === 1n || y === P - 1n)) {
      throw new GroupError(
        "x-zero-sign-bit",
        "non-canonical element encoding: x = 0 with the sign bit set",
      );
    }
    let point;
    try {
      point = Point.fromHex(bytes, false); // RFC 8032 strict decoding, not ZIP 215
    } catch {
      throw new GroupError("off-curve", "not a point on edwards25519: no x coordinate matches this y");
    }
    if (point.isSmallOrder()) {
      throw new GroupError(
        "small-order",
        "small-order element refused (it would leak or cancel information)",
      );
    }
    if (!point.isTorsionFree()) {
      throw new GroupError(
        "torsion-component",
        "element is not in the prime-order subgroup (it has a torsion component)",
      );
    }
    return new Element(point, Uint8Array.from(bytes));
  }

  /** Decode exactly 64 lower-case hex digits as an element (see fromBytes). */
  static fromHex(text, options = {}) {
    if (typeof text !== "string" || !/^[0-9a-f]{64}$/.test(text)) {
      throw new GroupError("hex", "an element must be exactly 64 lower-case hexadecimal characters");
    }
    return Element.fromBytes(hexToBytes(text), options);
  }

  /** The canonical 32-byte encoding. */
  toBytes() {
    if (this._enc === null) this._enc = this.point.toRawBytes();
    return this._enc;
  }

  toHex() {
    return bytesToHex(this.toBytes());
  }

  isIdentity() {
    return this.point.is0();
  }

  equals(other) {
    return this.point.equals(other.point);
  }

  add(other) {
    return new Element(this.point.add(other.point));
  }

  subtract(other) {
    return new Element(this.point.subtract(other.point));
  }

  negate() {
    return new Element(this.point.negate());
  }

  double() {
    return new Element(this.point.double());
  }

  /** Variable-base multiplication k * this, for any BigInt k >= 0 (B goes through its table). */
  multiply(k) {
    const n = reduced(k);
    if (n === 0n) return IDENTITY;
    if (this.point.equals(Point.BASE)) return baseMul(n);
    return new Element(this.point.multiplyUnsafe(n));
  }
}

const IDENTITY_HEX = "01" + "00".repeat(31);

/** The identity element (the encryption of nothing, a tally of no votes). */
export const IDENTITY = new Element(Point.ZERO);

/** The standard base point B (y = 4/5, x even). */
export const BASE = new Element(Point.BASE);

/**
 * A table of multiples of one element, so that the many multiplications by
 * the election key K in one ballot (r*K and every proof's u*K, v*K) cost a
 * walk through the table instead of a full double-and-add.  The table is the
 * library's own windowed precomputation; this class only keeps the one
 * point object the library caches it under.
 */
export class FixedBaseTable {
  constructor(element, windowSize = KEY_WINDOW) {
    // a fresh library point: the cache is keyed by the object, never shared
    const { ex, ey, ez, et } = element.point;
    this.point = curve.utils.precompute(windowSize, new Point(ex, ey, ez, et));
  }

  /** k * Q for any BigInt k >= 0. */
  multiply(k) {
    const n = reduced(k);
    if (n === 0n) return IDENTITY;
    return new Element(windowed(this.point, n));
  }
}

/**
 * n * Q through Q's precomputed table: the library's `multiply` without its
 * last step, which brings the result (and a dummy accumulator) to Z = 1 at
 * the cost of an inversion.  Our results are mostly added to something
 * before they are encoded, and encoding inverts anyway.  1 <= n < L.
 */
function windowed(q, n) {
  return q.wNAF(n).p;
}

/** The window of the key table: 2^(w-1) points per w bits. */
const KEY_WINDOW = 4;

/**
 * The window of the base table.  The library's default, 8, is a table of
 * 4,224 points (about 55 ms to build in Node here: a long task on a phone,
 * at page load) for 33 additions per multiplication.  4 is 520 points (about
 * 3 ms) for 65 additions, and since the prover multiplies only through tables
 * (proofs.js), a ballot still encrypts in half the old code's time, and the
 * first ballot of a page costs what it did (docs/PERFORMANCE.md).
 */
const BASE_WINDOW = 4;
let baseTable = false;

/** k * B through the library's precomputed base table (built on first use). */
export function baseMul(k) {
  const n = reduced(k);
  if (n === 0n) return IDENTITY;
  if (!baseTable) warmUp();
  return new Element(windowed(Point.BASE, n));
}

/** Build the base table now (e.g. while the voter reads the ballot). */
export function warmUp() {
  if (!baseTable) curve.utils.precompute(BASE_WINDOW, Point.BASE);
  baseTable = true;
}
