// Node reads every vector file: a new file in tests/vectors/ without a browser
// test here fails, so the twin cannot silently fall behind the Python side.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";

test("every tests/vectors/*.json file is loaded by some tests/js test", () => {
  const here = new URL("./", import.meta.url);
  const files = readdirSync(new URL("../vectors/", import.meta.url)).filter((f) => f.endsWith(".json"));
  const read = new Set();
  for (const name of readdirSync(here).filter((f) => f.endsWith(".test.mjs"))) {
    const source = readFileSync(new URL(name, here), "utf8");
    for (const m of source.matchAll(/loadVectors\("([a-z0-9_]+)"\)/g)) read.add(`${m[1]}.json`);
  }
  assert.ok(files.length >= 16, `expected the 16 vector files, found ${files.length}`);
  assert.deepEqual(files.filter((f) => !read.has(f)), [], "vector files no node test reads");
});
