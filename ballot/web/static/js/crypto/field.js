/**
 * Arithmetic modulo p = 2^255 - 19 on BigInt values.
 *
 * Why "weakly reduced": a BigInt `%` is a division, slower than two folds
 * of the high bits (2^255 = 19 mod p).  So products are folded twice and
 * left in [0, 2^256); sums are not reduced at all and differences add 8p to
 * stay non-negative.  This is safe because every product in the point
 * formulas has operands below 2^260, and two folds bring any value below
 * 2^520 under 2^256.  Only `canon` returns the unique representative in
 * [0, p), and only canonical values are compared or encoded.
 *
 * Not constant time: BigInt arithmetic in JavaScript cannot be.  The browser
 * only ever handles one voter's own secrets, on the voter's own device.
 */

export const P = (1n << 255n) - 19n;
const MASK = (1n << 255n) - 1n;
const P8 = 8n * P;

/** Product of two weakly reduced values, weakly reduced. */
export function mul(a, b) {
  let x = a * b;
  x = (x & MASK) + (x >> 255n) * 19n;
  return (x & MASK) + (x >> 255n) * 19n;
}

/** Square (the same as mul; kept separate so the formulas read like the papers). */
export function sq(a) {
  let x = a * a;
  x = (x & MASK) + (x >> 255n) * 19n;
  return (x & MASK) + (x >> 255n) * 19n;
}

/** a - b for weakly reduced operands (b < 8p), non-negative and unreduced. */
export function sub(a, b) {
  return a - b + P8;
}

/** The unique representative in [0, p) of any non-negative value. */
export function canon(a) {
  return a % P;
}

/** Canonical modular equality. */
export function eq(a, b) {
  return a % P === b % P;
}

/** a^(2^k) by k squarings. */
function pow2k(a, k) {
  let x = a;
  for (let i = 0; i < k; i++) x = sq(x);
  return x;
}

/**
 * The addition chain to z^(2^250 - 1), with z^11 along the way; shared by
 * inversion (exponent p - 2) and square roots (exponent (p - 5) / 8).
 */
function pow250(z) {
  const z2 = sq(z);
  const z9 = mul(pow2k(z2, 2), z);
  const z11 = mul(z9, z2);
  const e5 = mul(sq(z11), z9); // z^(2^5 - 1)
  const e10 = mul(pow2k(e5, 5), e5);
  const e20 = mul(pow2k(e10, 10), e10);
  const e40 = mul(pow2k(e20, 20), e20);
  const e50 = mul(pow2k(e40, 10), e10);
  const e100 = mul(pow2k(e50, 50), e50);
  const e200 = mul(pow2k(e100, 100), e100);
  const e250 = mul(pow2k(e200, 50), e50);
  return { e250, z11 };
}

/** Multiplicative inverse z^(p-2), canonical.  The inverse of 0 is 0. */
export function inv(z) {
  const { e250, z11 } = pow250(z);
  // p - 2 = (2^250 - 1) * 2^5 + 11
  return canon(mul(pow2k(e250, 5), z11));
}

/** z^((p - 5) / 8) = z^(2^252 - 3) = z^((2^250 - 1) * 4 + 1). */
function pow22523(z) {
  const { e250 } = pow250(z);
  return mul(pow2k(e250, 2), z);
}

/** sqrt(-1) mod p = 2^((p - 1) / 4). */
export const SQRT_M1 = (() => {
  let result = 1n;
  let base = 2n;
  let e = (P - 1n) / 4n;
  while (e > 0n) {
    if (e & 1n) result = (result * base) % P;
    base = (base * base) % P;
    e >>= 1n;
  }
  return result;
})();

/**
 * A square root of u/v, or null when u/v is not a square (RFC 8032 5.1.3):
 * x = u v^3 (u v^7)^((p-5)/8); then v x^2 is u (done), -u (multiply by
 * sqrt(-1)) or neither (no root).  Returns the canonical root.
 */
export function sqrtRatio(u, v) {
  const v3 = mul(sq(v), v);
  const v7 = mul(sq(v3), v);
  let x = mul(mul(u, v3), pow22523(mul(u, v7)));
  const check = canon(mul(v, sq(x)));
  const uc = canon(u);
  if (check === uc) return canon(x);
  if (check === canon(P - uc)) return canon(mul(x, SQRT_M1));
  return null;
}
