/**
 * Fiat-Shamir challenges, byte-identical to ballot/crypto/fiat_shamir.py.
 *
 * fiatShamirChallenge = SHA-512(frame("ballot/v1/" + tag) || frame(fingerprint) ||
 * frame(part) ...) read as a 512-bit little-endian integer, mod L.
 * frame(x) = 4-byte big-endian length || x.
 *
 * Part types (JavaScript has one integer type too few, so the JS type
 * decides the encoding):
 *   Element     -> its 32-byte encoding
 *   bigint      -> a scalar, 32 bytes little-endian (must be in [0, L))
 *   number      -> a non-negative integer, 8 bytes big-endian (slot indices, lo, hi)
 *   U64         -> the same, for integers beyond 2^53 (new U64(bigint))
 *   string      -> UTF-8
 *   Uint8Array  -> the bytes as they are
 */

import { Element } from "./group.js";
import { concatBytes, utf8 } from "./bytes.js";
import { reduce64, scalarToBytes } from "./scalar.js";
import { sha512 } from "./sha.js";

export const DOMAIN_PREFIX = "ballot/v1/";

/** An unsigned 64-bit integer part given as a BigInt (a bare BigInt means a scalar). */
export class U64 {
  constructor(value) {
    if (typeof value !== "bigint" || value < 0n || value >= 1n << 64n) {
      throw new RangeError("integers in a Fiat-Shamir preimage must fit in 64 unsigned bits");
    }
    this.value = value;
  }
}

function u64Bytes(value) {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, value, false);
  return out;
}

/** The raw bytes of one part, before framing. */
function rawPart(part) {
  if (part instanceof Element) return part.toBytes();
  if (typeof part === "bigint") return scalarToBytes(part);
  if (typeof part === "string") return utf8(part);
  if (part instanceof Uint8Array) return part;
  if (typeof part === "number") {
    if (!Number.isSafeInteger(part) || part < 0) {
      throw new RangeError("integers in a Fiat-Shamir preimage must be non-negative safe integers");
    }
    return u64Bytes(BigInt(part));
  }
  if (part instanceof U64) return u64Bytes(part.value);
  throw new TypeError(`cannot hash a ${typeof part}`);
}

/** The framed bytes of one part: 4-byte big-endian length, then the bytes. */
export function encodePart(part) {
  const raw = rawPart(part);
  const out = new Uint8Array(4 + raw.length);
  new DataView(out.buffer).setUint32(0, raw.length, false);
  out.set(raw, 4);
  return out;
}

/** The exact bytes hashed for a challenge (exposed for tests/vectors/transcript.json). */
export function fiatShamirPreimage(tag, fingerprint, parts) {
  return concatBytes(
    encodePart(DOMAIN_PREFIX + tag),
    encodePart(fingerprint),
    ...parts.map(encodePart),
  );
}

/** The challenge scalar (async: WebCrypto hashes asynchronously). */
export async function fiatShamirChallenge(tag, fingerprint, parts) {
  return reduce64(await sha512(fiatShamirPreimage(tag, fingerprint, parts)));
}
