/**
 * `npm start -- --jobs N` (lib/book/schedule.ts): notebooks at most N at once,
 * each after the notebooks it declares it needs; and the book's notebooks
 * declare every notebook they read from.
 */
import { FINDINGS_NOTEBOOKS } from "../lib/run/findings";
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { needsProblem, runScheduled, Schedulable } from "../lib/book/schedule";
import { parseBookArgs, planRuns, readNeeds, UsageError } from "../lib/book/plan";

const ROOT = path.join(__dirname, "..");
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs items that take `ms[name]` each, recording starts, ends and the most running at once. */
async function simulate(items: Schedulable[], jobs: number, ms: Record<string, number>, fail?: string) {
  const events: string[] = [];
  let now = 0,
    most = 0;
  const outcome = await runScheduled(items, jobs, async (it) => {
    now++;
    most = Math.max(most, now);
    events.push(`start ${it.name}`);
    await tick(ms[it.name] ?? 5);
    events.push(`end ${it.name}`);
    now--;
    if (it.name === fail) throw new Error(`${it.name} failed`);
  });
  return { events, most, outcome };
}

const book: Schedulable[] = [
  { name: "01", needs: [] },
  { name: "02", needs: ["01"] },
  { name: "03", needs: [] },
  { name: "04", needs: ["01"] },
  { name: "05", needs: [] },
  { name: "06", needs: ["01", "02", "03", "04", "05"] },
];

test("at most N at once, each after what it needs, in plan order among the ready ones", async () => {
  const { events, most, outcome } = await simulate(book, 2, { "01": 40, "03": 10, "05": 10 });
  assert.equal(most, 2);
  const at = (e: string) => events.indexOf(e);
  for (const it of book)
    for (const n of it.needs) assert.ok(at(`end ${n}`) < at(`start ${it.name}`), `${it.name} after ${n}`);
  // 01 is long: 03 and then 05 fill the second slot while it runs, before 02 and 04 may start.
  assert.deepEqual(events.slice(0, 4), ["start 01", "start 03", "end 03", "start 05"]);
  assert.equal(outcome.failure, null);
  assert.deepEqual(outcome.skipped, []);
  assert.equal(outcome.finished.at(-1), "06");
  const serial = await simulate(book, 1, {});
  assert.equal(serial.most, 1);
  assert.deepEqual(
    serial.events.filter((e) => e.startsWith("start")),
    ["start 01", "start 02", "start 03", "start 04", "start 05", "start 06"],
  );
});

test("needs outside this run are not waited for (a notebook kept from an earlier run)", async () => {
  const { events } = await simulate([{ name: "02", needs: ["01"] }], 2, {});
  assert.deepEqual(events, ["start 02", "end 02"]);
});

test("after a failure nothing new starts, the running notebook finishes, the rest are named as skipped", async () => {
  const { events, outcome } = await simulate(book, 2, { "01": 5, "03": 30 }, "01");
  assert.equal(outcome.failure?.name, "01");
  assert.match(String(outcome.failure?.error), /01 failed/);
  assert.ok(events.includes("end 03"), "03 was running and finished");
  assert.ok(!events.some((e) => /start 0[2456]/.test(e)));
  assert.deepEqual(outcome.skipped, ["02", "04", "05", "06"]);
});

test("unknown needs and cycles are refused with the notebook named", async () => {
  assert.match(
    needsProblem([{ name: "02", needs: ["01-trian"] }], ["01-train", "02"]) ?? "",
    /02 declares needs "01-trian"/,
  );
  assert.match(
    needsProblem(
      [
        { name: "a", needs: ["b"] },
        { name: "b", needs: ["a"] },
      ],
      ["a", "b"],
    ) ?? "",
    /cycle: a → b → a/,
  );
  assert.equal(
    needsProblem(
      book,
      book.map((b) => b.name),
    ),
    null,
  );
  await assert.rejects(() => runScheduled(book, 0, async () => undefined), RangeError);
  assert.throws(() => parseBookArgs(["--jobs", "0"], ROOT), UsageError);
  assert.throws(() => parseBookArgs(["--jobs", "1.5"], ROOT), UsageError);
  assert.equal(parseBookArgs(["--jobs", "3"], ROOT).jobs, 3);
});

/** A notebook's code, and the chapter modules it imports (and theirs). */
function codeOf(notebook: string): string {
  const nb = JSON.parse(fs.readFileSync(notebook, "utf8")) as { cells: { cell_type: string; source: string[] }[] };
  let code = nb.cells
    .filter((c) => c.cell_type === "code")
    .map((c) => c.source.join(""))
    .join("\n");
  const seen = new Set<string>();
  const visit = (text: string, dir: string) => {
    for (const m of text.matchAll(/from "(\.\/[^"]+)"/g)) {
      const file = path.resolve(dir, m[1].replace(/^\.\/lib\//, path.join(ROOT, "lib") + "/")) + ".ts";
      if (!file.includes(`${path.sep}chapters${path.sep}`) || seen.has(file) || !fs.existsSync(file)) continue;
      seen.add(file);
      const src = fs.readFileSync(file, "utf8");
      code += "\n" + src;
      visit(src, path.dirname(file));
    }
  };
  visit(code, ROOT);
  return code;
}

test("every notebook declares the notebooks it reads from: findings, and the question's run that 01 trains", () => {
  const dir = path.join(ROOT, "notebooks");
  const plan = planRuns({ renderOnly: false, only: [], sourcesDir: dir, executedDir: "/nonexistent" });
  for (const p of plan) {
    const code = codeOf(p.source);
    const needs = readNeeds(p.source);
    for (const m of code.matchAll(/readFindings\("([^"]+)"/g))
      if (m[1] !== p.name) assert.ok(needs.includes(m[1]), `${p.name} reads ${m[1]}'s findings: needs ${m[1]}`);
    if (/readAllFindings\(/.test(code))
      for (const nb of FINDINGS_NOTEBOOKS)
        assert.ok(needs.includes(nb), `${p.name} reads every notebook's findings (readAllFindings): needs ${nb}`);
    if (p.name !== "01-train" && /questionExperiment\(/.test(code))
      assert.ok(needs.includes("01-train"), `${p.name} trains or reads the question's run: needs 01-train`);
  }
  assert.deepEqual(readNeeds(path.join(dir, "06-answer.ipynb")).length, 5);
});
