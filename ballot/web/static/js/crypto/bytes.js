/**
 * Byte helpers shared by the crypto modules.
 *
 * Hex is lower-case only, because the ballot JSON must have exactly one
 * spelling (the tracker hashes that spelling); accepting upper case would
 * give one ballot two trackers.
 */

const HEX = "0123456789abcdef";

/** Lower-case hex of a byte array. */
export function bytesToHex(bytes) {
  let out = "";
  for (let i = 0; i < bytes.length; i++) {
    out += HEX[bytes[i] >> 4] + HEX[bytes[i] & 15];
  }
  return out;
}

/** Decode lower-case hex; anything else (odd length, upper case, spaces) is refused. */
export function hexToBytes(text, what = "hex string") {
  if (typeof text !== "string" || text.length % 2 !== 0 || !/^[0-9a-f]*$/.test(text)) {
    throw new TypeError(`${what} must be lower-case hexadecimal with an even number of digits`);
  }
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) {
    out[i] = parseInt(text.substr(2 * i, 2), 16);
  }
  return out;
}

/** Concatenate byte arrays. */
export function concatBytes(...parts) {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Little-endian bytes to a non-negative BigInt. */
export function bytesToBigIntLE(bytes) {
  let hex = "";
  for (let i = bytes.length - 1; i >= 0; i--) {
    hex += HEX[bytes[i] >> 4] + HEX[bytes[i] & 15];
  }
  return hex === "" ? 0n : BigInt("0x" + hex);
}

/** A non-negative BigInt as `length` little-endian bytes (it must fit). */
export function bigIntToBytesLE(value, length) {
  if (value < 0n) throw new RangeError("negative value");
  const out = new Uint8Array(length);
  let v = value;
  for (let i = 0; i < length; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  if (v !== 0n) throw new RangeError(`value does not fit in ${length} bytes`);
  return out;
}

/** Byte-wise equality (not constant time: only for public data). */
export function bytesEqual(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const encoder = new TextEncoder();

/** UTF-8 bytes of a string. */
export function utf8(text) {
  return encoder.encode(text);
}
