// npm test: every test/*.test.ts. Files that start Jupyter kernels or browsers run one at a time (each
// already keeps both cores busy, and the interrupt and progress tests time what a kernel does); the
// library's files run two at a time, which keeps the suite within its 5-minute budget on 2 cores.
// Arguments (e.g. `npm test -- --test-name-pattern=cache`) are passed to both runs.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";

const SERIAL = new Set([
  "book",
  "contrast",
  "exercises",
  "interrupt",
  "iopub",
  "notebooks",
  "playground-firefox",
  "playground-page",
  "profiles-apart",
  "runner",
  "solutions",
]);
const files = fs
  .readdirSync("test")
  .filter((f) => f.endsWith(".test.ts"))
  .sort();
const unknown = [...SERIAL].filter((n) => !files.includes(`${n}.test.ts`));
if (unknown.length) {
  console.error(`test/run-tests.mjs: no test file for ${unknown.join(", ")}: update SERIAL.`);
  process.exit(2);
}
const run = (list, concurrency) =>
  spawnSync(
    process.execPath,
    ["--import", "tsx", "--test", `--test-concurrency=${concurrency}`, ...process.argv.slice(2), ...list.map((f) => `test/${f}`)],
    { stdio: "inherit" },
  ).status ?? 1;
const library = run(files.filter((f) => !SERIAL.has(f.replace(/\.test\.ts$/, ""))), 2);
const kernels = run(files.filter((f) => SERIAL.has(f.replace(/\.test\.ts$/, ""))), 1);
process.exit(library || kernels);
