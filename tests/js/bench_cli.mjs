// Timing of ballot encryption in the browser twin (run: node tests/js/bench_cli.mjs).
// Each figure is the median of several runs in a fresh process state except "cold",
// which includes decoding K (with its subgroup check) and building the base table.
import { encryptBallot, verifyBallot } from "../../ballot/web/static/js/crypto/ballot.js";
import { baseMul, BASE } from "../../ballot/web/static/js/crypto/group.js";

const KEY = baseMul(0x7a11e5n).toHex();
const FP = "ab".repeat(32);
const opts = (n) => Array.from({ length: n }, (_, i) => ({ id: `o${i}` }));
const shapes = {
  "yes/no (1 slot)": [{ id: "q", min: 1, max: 1, options: opts(2) }, [[0]]],
  "one of 5 (4 slots + count)": [{ id: "q", min: 1, max: 1, options: opts(5) }, [[2]]],
  "up to 3 of 10 + blank": [{ id: "q", min: 0, max: 3, options: opts(10) }, [[1, 4, 7]]],
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function time(fn, runs) {
  const out = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return median(out);
}

const rows = [];
let first = true;
for (const [name, [question, selections]] of Object.entries(shapes)) {
  const def = { election_id: "bench", questions: [question] };
  if (first) {
    rows.push([`${name}, cold`, await time(() => encryptBallot(def, KEY, FP, selections), 1)]);
    first = false;
  }
  rows.push([`${name}, encrypt`, await time(() => encryptBallot(def, KEY, FP, selections), 9)]);
  const { ballot } = await encryptBallot(def, KEY, FP, selections);
  rows.push([`${name}, verify`, await time(() => verifyBallot(def, KEY, FP, ballot), 5)]);
}
rows.push(["base-point multiplication", await time(() => baseMul(0x1234567890abcdefn ** 3n), 50)]);
rows.push(["variable-base multiplication", await time(() => BASE.add(BASE).multiply(0x1234567890abcdefn ** 3n), 20)]);
for (const [name, ms] of rows) console.log(`${name.padEnd(42)} ${ms.toFixed(1).padStart(7)} ms`);
