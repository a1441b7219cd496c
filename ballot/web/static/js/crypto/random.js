/**
 * Randomness for encryption and proof nonces: only crypto.getRandomValues.
 *
 * 64 random bytes reduced modulo L give a scalar whose bias is about 2^-259,
 * the same construction as the Python side (libsodium scalar_reduce).  Zero
 * is redrawn: a zero encryption randomness would publish the vote in clear.
 */

import { reduce64 } from "./scalar.js";

/** A uniformly random non-zero scalar (BigInt in [1, L)). */
export function randomScalar() {
  const bytes = new Uint8Array(64);
  for (;;) {
    globalThis.crypto.getRandomValues(bytes);
    const s = reduce64(bytes);
    if (s !== 0n) return s;
  }
}

/**
 * An rng that replays fixed scalars in order (for test vectors), then fails:
 * a test that draws more nonces than it supplied is wrong, not random.
 */
export function replayRng(scalars) {
  let i = 0;
  return () => {
    if (i >= scalars.length) throw new Error("replayRng: no more scalars to replay");
    return scalars[i++];
  };
}
