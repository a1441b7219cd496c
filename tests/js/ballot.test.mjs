// Ballot encryption in the browser twin: layout, round trip through the JS
// verifier, refusal of invalid selections, tamper detection, tracker, audit.
// (Agreement with the Python verifier is tests/crypto/test_js_twin.py.)
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  auditData,
  BallotError,
  checkAudit,
  computeTracker,
  encryptBallot,
  layout,
  selectionsFromIds,
  warmUp,
  trackerDisplay,
  verifyBallot,
} from "../../ballot/web/static/js/crypto/ballot.js";
import { baseMul } from "../../ballot/web/static/js/crypto/group.js";
import { scalarAdd, scalarFromHex, scalarToHex } from "../../ballot/web/static/js/crypto/scalar.js";
import { loadVectors, nonceRng } from "./helpers.mjs";

const KEY = baseMul(0x7a11e5n).toHex();
const FP = "ab".repeat(32);
const opts = (n) => Array.from({ length: n }, (_, i) => ({ id: `o${i}` }));
const DEFINITION = {
  election_id: "js-test",
  questions: [
    { id: "strike", min: 1, max: 1, options: opts(2) },
    { id: "committee", min: 0, max: 2, options: opts(3) },
    { id: "board", min: 1, max: 2, options: opts(3) },
  ],
};

test("slot layouts follow the protocol table", () => {
  const q = (n, min, max) => layout({ optionIds: opts(n).map((o) => o.id), min, max });
  assert.deepEqual(
    [q(2, 1, 1).slotCount, q(2, 1, 1).hasCountProof, q(3, 1, 1).slotCount, q(3, 1, 1).hasCountProof],
    [1, false, 2, true],
  );
  assert.deepEqual([q(2, 0, 1).slotCount, q(1, 0, 1).hasCountProof], [2, false]);
  const blank = q(5, 0, 3);
  assert.deepEqual([blank.slotCount, blank.hasBlankSlot, blank.countLo, blank.countHi, blank.blankWeight], [6, true, 1, 3, 3]);
  const bounded = q(4, 2, 3);
  assert.deepEqual([bounded.kind, bounded.slotCount, bounded.countLo, bounded.countHi], ["bounded", 4, 2, 3]);
});

test("an encrypted ballot verifies, has the Python JSON shape, and its tracker is its hash", async () => {
  const { ballot, secrets, tracker, trackerShort } = await encryptBallot(DEFINITION, KEY, FP, [[1], [], [0, 2]]);
  await verifyBallot(DEFINITION, KEY, FP, ballot);
  assert.deepEqual(Object.keys(ballot), ["format", "election", "questions"]);
  assert.equal(ballot.format, "ballot/encrypted-ballot/v1");
  assert.deepEqual(ballot.questions.map((q) => q.slots.length), [1, 4, 3]);
  assert.equal(ballot.questions[0].count_proof, null);
  assert.equal(tracker, await computeTracker(JSON.parse(JSON.stringify(ballot))));
  assert.equal(trackerShort, trackerDisplay(tracker));
  assert.deepEqual(secrets.map((q) => q.map((s) => s.plaintext)), [[0], [0, 0, 0, 1], [1, 0, 1]]);
});

test("the audit record opens to the voter's selections", async () => {
  const { ballot, secrets } = await encryptBallot(DEFINITION, KEY, FP, [[0], [0, 2], [1]]);
  const audit = auditData(ballot, secrets);
  assert.equal(audit.format, "ballot/audited-ballot/v1");
  assert.deepEqual(await checkAudit(DEFINITION, KEY, FP, audit), [[0], [0, 2], [1]]);
  const lie = structuredClone(audit);
  lie.secrets[1][0].plaintext = 0;
  await assert.rejects(checkAudit(DEFINITION, KEY, FP, lie, { verify: false }), BallotError);
  const wrongR = structuredClone(audit);
  wrongR.secrets[0][0].randomness = scalarToHex(scalarAdd(scalarFromHex(wrongR.secrets[0][0].randomness), 1n));
  await assert.rejects(checkAudit(DEFINITION, KEY, FP, wrongR, { verify: false }), /does not encrypt/);
});

test("invalid selections are refused before anything is encrypted", async () => {
  for (const [selections, pattern] of [
    [[[0, 1], [], [0]], /at most 1/],
    [[[0], [0, 1, 2], [0]], /at most 2/],
    [[[0], [], []], /at least 1/],
    [[[2], [], [0]], /no option 2/],
    [[[0], [1, 1], [0]], /selected twice/],
    [[[0], [], ["0"]], /integers/],
    [[[0], []], /one selection per question/],
  ]) {
    await assert.rejects(encryptBallot(DEFINITION, KEY, FP, selections), (err) => err instanceof BallotError && pattern.test(err.message));
  }
});

test("a bad key, fingerprint or definition is a clear error", async () => {
  await assert.rejects(encryptBallot(DEFINITION, "01" + "00".repeat(31), FP, [[0], [], [0]]), /public key is invalid/);
  await assert.rejects(encryptBallot(DEFINITION, KEY, FP.toUpperCase(), [[0], [], [0]]), /fingerprint/);
  const bad = { election_id: "x", questions: [{ id: "q", min: 1, max: 1, options: opts(1) }] };
  await assert.rejects(encryptBallot(bad, KEY, FP, [[0]]), /no choice/);
});

test("tampering anywhere is caught by the JS verifier, naming the place", async () => {
  const { ballot } = await encryptBallot(DEFINITION, KEY, FP, [[0], [2], [1, 2]]);
  const cases = [
    [(b) => { b.questions[1].slots.reverse(); }, /question 1 \('committee'\), slot 0/],
    [(b) => { b.questions[2].count_proof.lo = 0; }, /count proof/],
    [(b) => { b.questions[0].count_proof = b.questions[1].count_proof; }, /must not have a count proof/],
    [(b) => { b.questions[2].slots.pop(); }, /expected 3/],
    [(b) => { b.election = "cd".repeat(32); }, /another election/],
    [(b) => { b.questions[0].slots[0].beta = b.questions[0].slots[0].alpha; }, /question 0 \('strike'\), slot 0/],
    [(b) => { b.questions[0].slots[0].extra = 1; }, /unexpected keys/],
    [(b) => { b.questions[0].slots[0].alpha = "01" + "00".repeat(31); }, /identity/],
  ];
  for (const [mutate, pattern] of cases) {
    const copy = structuredClone(ballot);
    mutate(copy);
    await assert.rejects(verifyBallot(DEFINITION, KEY, FP, copy), (err) => err instanceof BallotError && pattern.test(err.message), pattern.source);
  }
});

test("tracker display: first 80 bits in base32, four groups of four (values from Python)", () => {
  assert.equal(trackerDisplay("0123456789abcdef".repeat(4)), "AERU-KZ4J-VPG6-6AJD");
  assert.equal(trackerDisplay("ff".repeat(32)), "7777-7777-7777-7777");
  assert.equal(trackerDisplay("00".repeat(32)), "AAAA-AAAA-AAAA-AAAA");
  assert.throws(() => trackerDisplay("AB".repeat(32)), BallotError);
});

test("choices by option id map to index lists in ballot order", () => {
  assert.deepEqual(selectionsFromIds(DEFINITION, { board: ["o2", "o0"], strike: ["o1"] }), [[1], [], [2, 0]]);
  assert.throws(() => selectionsFromIds(DEFINITION, { nope: [] }), BallotError);
  assert.throws(() => selectionsFromIds(DEFINITION, { strike: ["o9"] }), /no option 'o9'/);
});

test("warmUp validates the key ahead of time", () => {
  warmUp(KEY);
  assert.throws(() => warmUp("00".repeat(32)), /public key is invalid/);
});

test("ballots.json: the same nonces give the Python ballot, tracker and audit, byte for byte", async () => {
  const definitions = new Map(loadVectors("manifest").map((c) => [c.definition.election_id, c.definition]));
  for (const c of loadVectors("ballots")) {
    const definition = definitions.get(c.definition_id);
    const rng = nonceRng(c.nonces);
    const out = await encryptBallot(definition, c.public_key, c.fingerprint, c.selections, { rng });
    assert.deepEqual(out.ballot, c.ballot);
    assert.equal(out.tracker, c.tracker);
    assert.equal(out.trackerShort, c.tracker_display);
    assert.deepEqual(out.secrets, c.secrets);
    await verifyBallot(definition, c.public_key, c.fingerprint, c.ballot);
    const opened = await checkAudit(definition, c.public_key, c.fingerprint, auditData(c.ballot, c.secrets));
    assert.deepEqual(opened.map((s) => [...s].sort((a, b) => a - b)), c.selections.map((s) => [...s].sort((a, b) => a - b)));
  }
});
