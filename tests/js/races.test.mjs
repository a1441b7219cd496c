// Ranked and per-unit races in the browser twin: the manifest's reading of `ranked` and
// `unit`, the ranked layout, rankings refused before encryption, ballots that carry only
// the questions of the member's unit, and proofs bound to the definition index.
// (Agreement with Python is tests/crypto/test_js_twin_races.py.)
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  BallotError,
  auditData,
  checkAudit,
  encryptBallot,
  layout,
  selectionsFromIds,
  validateSelection,
  verifyBallot,
} from "../../ballot/web/static/js/crypto/ballot.js";
import { ManifestError, MAX_RANKED_CANDIDATES, parseManifest } from "../../ballot/web/static/js/crypto/manifest.js";
import { baseMul } from "../../ballot/web/static/js/crypto/group.js";

const KEY = baseMul(0x2a2bn).toHex();
const FP = "cd".repeat(32);
const opts = (prefix, n) => Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}` }));
const DEFINITION = {
  election_id: "js-races",
  questions: [
    { id: "president", ranked: true, min: 0, max: 3, options: opts("p", 4) },
    { id: "secretary", ranked: true, min: 0, max: 3, options: opts("s", 4) },
    { id: "dues", min: 1, max: 1, options: opts("d", 2) },
    { id: "steward-a", unit: "A", ranked: true, min: 0, max: 2, options: opts("a", 3) },
    { id: "steward-b", unit: "B", ranked: true, min: 0, max: 2, options: opts("b", 3) },
  ],
};

test("the manifest reads ranked and unit as the Python side does", () => {
  const manifest = parseManifest(DEFINITION);
  assert.deepEqual(manifest.onBallot(null), [0, 1, 2]);
  assert.deepEqual(manifest.onBallot("A"), [0, 1, 2, 3]);
  assert.deepEqual(manifest.onBallot("C"), [0, 1, 2]);
  assert.equal(manifest.hasUnits, true);
  assert.equal(manifest.hasRanked, true);
  assert.equal(manifest.questions[3].onBallotOf("A"), true);
  assert.equal(manifest.questions[3].onBallotOf("B"), false);
  assert.equal(manifest.questions[0].onBallotOf(null), true);
  const plain = parseManifest({ election_id: "p", questions: [{ id: "q", min: 1, max: 1, options: opts("o", 2) }] });
  assert.deepEqual([plain.hasUnits, plain.hasRanked, plain.questions[0].ranked, plain.questions[0].unit], [false, false, false, null]);
  assert.equal(MAX_RANKED_CANDIDATES, 63);
  const bad = (question, message) =>
    assert.throws(() => parseManifest({ election_id: "x", questions: [question] }), (err) => {
      assert.ok(err instanceof ManifestError);
      assert.equal(err.message, message);
      return true;
    });
  bad({ id: "r", ranked: true, min: 1, max: 2, options: opts("c", 3) }, "question 0: question 'r': a ranked race has min 0 (ranking nobody is a blank)");
  bad({ id: "r", ranked: true, min: 0, max: 2, options: opts("c", 64) }, "question 0: question 'r': a ranked race has 1 to 63 candidates, has 64");
  bad({ id: "r", ranked: "yes", min: 0, max: 2, options: opts("c", 3) }, "question 0: ranked must be true or false");
  bad({ id: "r", unit: 7, min: 0, max: 2, options: opts("c", 3) }, "question 0: unit must be a string");
  bad({ id: "r", unit: "", min: 0, max: 2, options: opts("c", 3) }, "question 0: question 'r': unit must be a non-empty label of at most 200 chars");
});

test("a ranked race has one [0, n] slot per rank and no count proof", () => {
  const lay = layout(parseManifest(DEFINITION).questions[0]);
  assert.deepEqual(
    [lay.kind, lay.slotCount, lay.rankSlots, lay.slotMax, lay.optionSlots, lay.hasCountProof],
    ["ranked", 3, 3, 4, 0, false],
  );
});

test("rankings with repeats, unknown candidates or too many ranks are refused", () => {
  const race = parseManifest(DEFINITION).questions[0];
  const refused = (ranking, message) =>
    assert.throws(() => validateSelection(race, ranking, "here"), (err) => {
      assert.ok(err instanceof BallotError);
      assert.equal(err.message, message);
      return true;
    });
  refused([1, 1], "here: candidate 1 is ranked twice");
  refused([4], "here: there is no candidate 4 (rank 1)");
  refused([0, 1, 2, 3], "here: at most 3 candidate(s) may be ranked");
  refused(["0"], "here: candidate indices must be integers");
  validateSelection(race, [3, 0], "here");
  validateSelection(race, [], "here");
});

test("a per-unit ballot round-trips: rankings kept in order, audit opens them", async () => {
  const selections = selectionsFromIds(
    DEFINITION,
    { president: ["p3", "p0"], dues: ["d1"], "steward-b": ["b2", "b0"] },
    { unit: "B" },
  );
  assert.deepEqual(selections, [[3, 0], [], [1], [2, 0]]);
  const { ballot, secrets } = await encryptBallot(DEFINITION, KEY, FP, selections, { unit: "B" });
  assert.deepEqual(ballot.questions.map((q) => q.slots.length), [3, 3, 1, 2]);
  assert.deepEqual(secrets.map((q) => q.map((s) => s.plaintext)), [[4, 1, 0], [0, 0, 0], [0], [3, 1]]);
  assert.equal(ballot.questions[0].count_proof, null);
  assert.equal(ballot.questions[0].slots[0].proof.challenges.length, 5);
  await verifyBallot(DEFINITION, KEY, FP, ballot, { unit: "B" });
  assert.deepEqual(await checkAudit(DEFINITION, KEY, FP, auditData(ballot, secrets), { unit: "B" }), [[3, 0], [], [1], [2, 0]]);
  // steward-a has steward-b's shape: only the definition index in the contexts differs
  await assert.rejects(verifyBallot(DEFINITION, KEY, FP, ballot, { unit: "A" }), /question 3 \('steward-a'\), slot 0 \(rank 1\)/);
  await assert.rejects(verifyBallot(DEFINITION, KEY, FP, ballot), /the ballot has 4 questions, the election 3 on a ballot without unit/);
  assert.throws(() => selectionsFromIds(DEFINITION, { "steward-a": ["a0"] }, { unit: "B" }), /question 'steward-a' is not on this ballot/);
});

test("a proof moved to another question index fails", async () => {
  const { ballot } = await encryptBallot(DEFINITION, KEY, FP, [[0, 1], [2], [0]]);
  const moved = structuredClone(ballot);
  [moved.questions[0], moved.questions[1]] = [moved.questions[1], moved.questions[0]];
  await assert.rejects(verifyBallot(DEFINITION, KEY, FP, moved), /question 0 \('president'\), slot 0 \(rank 1\)/);
});

test("an audit whose ranking has a gap is no valid vote; a plaintext above n is refused", async () => {
  const { ballot, secrets } = await encryptBallot(DEFINITION, KEY, FP, [[2], [], [0]]);
  const audit = auditData(ballot, structuredClone(secrets));
  audit.secrets[0][0].plaintext = 5;
  await assert.rejects(checkAudit(DEFINITION, KEY, FP, audit), /slot 0 \(rank 1\): plaintext must be from 0 to 4/);
  audit.secrets[0][0].plaintext = 64;
  await assert.rejects(checkAudit(DEFINITION, KEY, FP, audit), /the plaintext must be 0 or 1 \(in a ranked race/);
  const ok = await checkAudit(DEFINITION, KEY, FP, auditData(ballot, secrets));
  assert.deepEqual(ok, [[2], [], [0]]);
});
