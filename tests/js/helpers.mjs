// Shared helpers for the Node tests of the browser crypto twin.
import { readFileSync } from "node:fs";
import { hexToBytes } from "../../ballot/web/static/js/crypto/bytes.js";
import { Element } from "../../ballot/web/static/js/crypto/group.js";
import { scalarFromHex } from "../../ballot/web/static/js/crypto/scalar.js";
import { U64 } from "../../ballot/web/static/js/crypto/fiat_shamir.js";

export const CRYPTO = new URL("../../ballot/web/static/js/crypto/", import.meta.url);

/**
 * Load tests/vectors/<name>.json.  Integers too large for a JS number (the
 * transcript vectors use 2^64 - 1) are read as strings first, then BigInt.
 */
export function loadVectors(name) {
  const text = readFileSync(new URL(`../vectors/${name}.json`, import.meta.url), "utf8");
  const safe = text.replace(/("value":\s*)(\d{16,})/g, '$1"big:$2"');
  return JSON.parse(safe).cases;
}

/** A vector transcript part {type, value} as a JS Fiat-Shamir part. */
export function part({ type, value }) {
  switch (type) {
    case "str":
      return value;
    case "int":
      return typeof value === "string" && value.startsWith("big:") ? new U64(BigInt(value.slice(4))) : value;
    case "bytes":
      return hexToBytes(value);
    case "scalar":
      return scalarFromHex(value);
    case "element":
      return Element.fromHex(value, { allowIdentity: true });
    default:
      throw new Error(`unknown part type ${type}`);
  }
}

/** An rng replaying hex nonces. */
export function nonceRng(hexes) {
  const scalars = hexes.map(scalarFromHex);
  let i = 0;
  return () => {
    if (i >= scalars.length) throw new Error("test drew more nonces than the vector lists");
    return scalars[i++];
  };
}
