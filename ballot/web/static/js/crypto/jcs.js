/**
 * RFC 8785 (JCS) canonical JSON for the value types ballot uses: objects,
 * arrays, strings, integers, booleans and null.
 *
 * Why our own: the tracker is SHA-256 of these exact bytes and must equal
 * the Python side's (package rfc8785) for the same ballot.  Floats are
 * refused, as on the Python side, because no ballot or definition needs one
 * and their canonical form is where implementations disagree.
 *
 * - object members sorted by their names as UTF-16 code-unit sequences
 *   (what Array.prototype.sort does with strings by default);
 * - strings as ECMAScript JSON.stringify writes them (RFC 8785 3.2.2.2
 *   adopts exactly that escaping);
 * - integers in decimal without exponent (only safe integers: beyond 2^53 a
 *   JavaScript number is no longer the integer it was meant to be).
 */

import { utf8 } from "./bytes.js";

export class CanonicalJSONError extends Error {
  constructor(message) {
    super(message);
    this.name = "CanonicalJSONError";
  }
}

function serialize(value, path) {
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "string":
      return JSON.stringify(value);
    case "number":
      if (!Number.isSafeInteger(value)) {
        throw new CanonicalJSONError(`only safe integers are allowed, not ${value} (at ${path})`);
      }
      return Object.is(value, -0) ? "0" : String(value);
    case "object":
      break;
    default:
      throw new CanonicalJSONError(`a ${typeof value} is not a JSON value (at ${path})`);
  }
  if (Array.isArray(value)) {
    return "[" + value.map((item, i) => serialize(item, `${path}[${i}]`)).join(",") + "]";
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    throw new CanonicalJSONError(`only plain objects are JSON objects (at ${path})`);
  }
  const keys = Object.keys(value).sort();
  const members = keys.map((k) => JSON.stringify(k) + ":" + serialize(value[k], `${path}.${k}`));
  return "{" + members.join(",") + "}";
}

/** The canonical JSON text. */
export function canonicalJSON(value) {
  return serialize(value, "$");
}

/** The canonical JSON as UTF-8 bytes (what gets hashed). */
export function canonicalJSONBytes(value) {
  return utf8(canonicalJSON(value));
}
