// RFC 8785 canonical JSON; the expected text was produced by Python's rfc8785.
import { test } from "node:test";
import assert from "node:assert/strict";
import { canonicalJSON, CanonicalJSONError } from "../../ballot/web/static/js/crypto/jcs.js";

test("canonical JSON equals rfc8785.dumps, keys in UTF-16 code-unit order", () => {
  const value = {
    b: [1, 2, { z: null, a: true }],
    a: 'line\nbreak "q" \\ \t \u0001 \u007f é 😀',
    "\u00e9": 0,
    "\u{1f600}": 1,
    "\ufb01": 2,
    A: 9007199254740991,
    "": false,
  };
  // U+1F600 (surrogates D83D DE00) sorts before U+FB01 in UTF-16, after it by code point
  const expected =
    '{"":false,"A":9007199254740991,"a":"line\\nbreak \\"q\\" \\\\ \\t \\u0001 \u007f \u00e9 \ud83d\ude00",' +
    '"b":[1,2,{"a":true,"z":null}],"\u00e9":0,"\ud83d\ude00":1,"\ufb01":2}';
  assert.equal(canonicalJSON(value), expected);
});

test("floats, unsafe integers and non-JSON values are refused", () => {
  for (const bad of [1.5, 2 ** 53, NaN, Infinity, 10n, undefined, () => 1, new Date(0), { a: [0.1] }]) {
    assert.throws(() => canonicalJSON(bad), CanonicalJSONError);
  }
  assert.equal(canonicalJSON(-0), "0");
  assert.equal(canonicalJSON([]), "[]");
  assert.equal(canonicalJSON({}), "{}");
});
