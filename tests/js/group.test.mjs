// Field and group arithmetic against the Python-generated vectors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadVectors } from "./helpers.mjs";
import { bytesToHex, hexToBytes } from "../../ballot/web/static/js/crypto/bytes.js";
import {
  BASE,
  baseMul,
  Element,
  FixedBaseTable,
  GroupError,
  IDENTITY,
  warmUp,
} from "../../ballot/web/static/js/crypto/group.js";
import {
  L,
  reduce64,
  scalarAdd,
  scalarFromBytes,
  scalarFromHex,
  scalarInv,
  scalarMul,
  scalarNeg,
  scalarSub,
  scalarToHex,
  ScalarError,
} from "../../ballot/web/static/js/crypto/scalar.js";
import { sha512 } from "../../ballot/web/static/js/crypto/sha.js";

test("the library's curve is edwards25519: B encodes as RFC 8032 says, I as (0, 1)", () => {
  assert.equal(BASE.toHex(), "58" + "66".repeat(31));
  assert.equal(IDENTITY.toHex(), "01" + "00".repeat(31));
  assert.ok(IDENTITY.isIdentity() && !BASE.isIdentity());
  // decoding runs the library's square root: both signs of x round-trip
  warmUp();
  for (let k = 1n; k < 40n; k++) {
    for (const pt of [baseMul(k), baseMul(k).negate()]) {
      assert.ok(Element.fromHex(pt.toHex()).equals(pt));
    }
  }
});

test("element decoding accepts and rejects exactly like the Python side, naming the rule", () => {
  const cases = loadVectors("group_element_decoding");
  for (const c of cases) {
    const bytes = hexToBytes(c.encoding);
    if (c.valid) {
      const pt = Element.fromBytes(bytes, { allowIdentity: c.allow_identity });
      assert.equal(pt.toHex(), c.encoding, c.note);
    } else {
      assert.throws(
        () => Element.fromBytes(bytes, { allowIdentity: c.allow_identity }),
        (err) => err instanceof GroupError && err.reason === c.error,
        `${c.note}: expected ${c.error}`,
      );
    }
  }
  // every rejection class of the vectors is exercised
  const reasons = new Set(cases.filter((c) => !c.valid).map((c) => c.error));
  for (const r of ["identity", "small-order", "non-canonical-y", "x-zero-sign-bit", "off-curve", "torsion-component", "length"]) {
    assert.ok(reasons.has(r), `vectors lack a ${r} case`);
  }
});

test("hex element input must be lower-case, 64 characters", () => {
  const hex = baseMul(123456789n).toHex();
  assert.match(hex, /[a-f]/);
  assert.equal(Element.fromHex(hex).toHex(), hex);
  assert.throws(() => Element.fromHex(hex.toUpperCase()), GroupError);
  assert.throws(() => Element.fromHex(BASE.toHex() + "00"), GroupError);
});

test("scalar decoding refuses values at or above L and wrong lengths", () => {
  for (const c of loadVectors("group_scalar_decoding")) {
    const bytes = hexToBytes(c.encoding);
    if (c.valid) {
      assert.equal(scalarToHex(scalarFromBytes(bytes)), c.encoding);
    } else {
      assert.throws(() => scalarFromBytes(bytes), (err) => err instanceof ScalarError && err.reason === c.error);
    }
  }
});

test("scalar arithmetic modulo L", () => {
  for (const c of loadVectors("group_scalars")) {
    const a = scalarFromHex(c.a);
    const b = scalarFromHex(c.b);
    assert.equal(scalarToHex(scalarAdd(a, b)), c.sum);
    assert.equal(scalarToHex(scalarSub(a, b)), c.difference);
    assert.equal(scalarToHex(scalarMul(a, b)), c.product);
    assert.equal(scalarToHex(scalarNeg(a)), c.negation_of_a);
    assert.equal(scalarToHex(scalarInv(b)), c.inverse_of_b);
  }
  assert.throws(() => scalarInv(0n), ScalarError);
});

test("hash to scalar: SHA-512 then reduce mod L as a little-endian integer", async () => {
  for (const c of loadVectors("group_hash_to_scalar")) {
    const digest = await sha512(hexToBytes(c.data));
    assert.equal(bytesToHex(digest), c.sha512);
    assert.equal(scalarToHex(reduce64(digest)), c.scalar);
  }
});

test("fixed-base multiplication", () => {
  for (const c of loadVectors("group_base_mul")) {
    assert.equal(baseMul(scalarFromHex(c.scalar)).toHex(), c.point);
    // the variable-base path agrees with the table
    assert.equal(BASE.multiply(scalarFromHex(c.scalar)).toHex(), c.point);
  }
});

test("variable-base multiplication, including 0 and the identity", () => {
  for (const c of loadVectors("group_scalar_mul")) {
    const pt = Element.fromHex(c.point, { allowIdentity: true });
    const k = scalarFromHex(c.scalar);
    assert.equal(pt.multiply(k).toHex(), c.product);
    assert.equal(new FixedBaseTable(pt).multiply(k).toHex(), c.product);
  }
});

test("addition, subtraction and negation", () => {
  for (const c of loadVectors("group_add")) {
    const p = Element.fromHex(c.p, { allowIdentity: true });
    const q = Element.fromHex(c.q, { allowIdentity: true });
    assert.equal(p.add(q).toHex(), c.sum);
    assert.equal(p.subtract(q).toHex(), c.difference);
    assert.equal(p.negate().toHex(), c.negation_of_p);
  }
});

test("group laws: L*B is the identity, (L-1)*B = -B, P - P = O", () => {
  assert.ok(baseMul(L).isIdentity());
  assert.ok(BASE.multiply(L).isIdentity());
  assert.equal(baseMul(L - 1n).toHex(), BASE.negate().toHex());
  assert.equal(BASE.subtract(BASE).toHex(), "01" + "00".repeat(31));
  assert.ok(IDENTITY.add(BASE).equals(BASE));
  assert.equal(BASE.add(BASE).toHex(), BASE.double().toHex());
});

test("random scalars come from getRandomValues, are in [1, L) and do not repeat", async () => {
  const { randomScalar, replayRng } = await import("../../ballot/web/static/js/crypto/random.js");
  const seen = new Set();
  for (let i = 0; i < 50; i++) {
    const s = randomScalar();
    assert.ok(s > 0n && s < L);
    seen.add(s);
  }
  assert.equal(seen.size, 50);
  const rng = replayRng([5n]);
  assert.equal(rng(), 5n);
  assert.throws(rng, /no more scalars/);
});
