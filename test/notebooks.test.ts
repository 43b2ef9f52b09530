/**
 * Every notebook in notebooks/ runs end to end in the real tslab kernel under
 * the quick profile, with no error and no stderr output, and its key computed
 * facts hold. Notebooks run two at a time (one per core).
 */
import { test, before } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runNotebook, RunResult } from "../lib/runner";
import { ensureLibBuilt } from "../lib/runner/build-lib";
import { readFindings } from "../lib/run/findings";

const ROOT = path.resolve(__dirname, "..");
const NOTEBOOKS = fs.readdirSync(path.join(ROOT, "notebooks")).filter((f) => /^\d\d-.*\.ipynb$/.test(f)).sort();
const OUT = fs.mkdtempSync(path.join(os.tmpdir(), "sigmoid-lab-notebooks-"));
// A private cache: the test trains what it needs (quick profile), and never reads a user's cache.
process.env.SIGMOID_LAB_CACHE = path.join(OUT, "cache");

const runs = new Map<string, Promise<RunResult>>();

before(() => {
  ensureLibBuilt({ quiet: true });
  const start = (nb: string) =>
    runNotebook({ input: path.join(ROOT, "notebooks", nb), output: path.join(OUT, nb), profile: "quick", onProgress: () => {}, cellTimeoutMs: 5 * 60_000 });
  // A notebook that reads the findings of 01–05 (06) runs once they have all finished.
  const readsFindings = (nb: string) => fs.readFileSync(path.join(ROOT, "notebooks", nb), "utf8").includes("readFindings(");
  const writers = NOTEBOOKS.filter((nb) => !readsFindings(nb));
  // Two at a time: start the second once the first of a pair finishes.
  const chain: Promise<unknown>[] = [Promise.resolve(), Promise.resolve()];
  writers.forEach((nb, i) => {
    const lane = i % 2;
    const run = chain[lane].then(() => start(nb));
    chain[lane] = run.catch(() => undefined);
    runs.set(nb, run);
  });
  const written = Promise.all(writers.map((nb) => runs.get(nb)!.catch(() => undefined)));
  for (const nb of NOTEBOOKS.filter(readsFindings)) runs.set(nb, written.then(() => start(nb)));
});

function outputsOf(r: RunResult) {
  return r.notebook.cells.flatMap((c) => (c.cell_type === "code" ? c.outputs.map((o) => ({ cell: c, o })) : []));
}

function textOf(r: RunResult): string {
  return outputsOf(r)
    .map(({ o }) => {
      const rec = o as unknown as { text?: string | string[]; data?: Record<string, string | string[]> };
      const t = rec.text ?? rec.data?.["text/html"] ?? rec.data?.["text/markdown"] ?? rec.data?.["text/plain"] ?? "";
      return Array.isArray(t) ? t.join("") : t;
    })
    .join("\n");
}

test("there are notebooks to run", () => {
  assert.ok(NOTEBOOKS.length >= 1, "no notebooks found in notebooks/");
  assert.equal(NOTEBOOKS[0], "01-train.ipynb");
});

for (const nb of NOTEBOOKS) {
  test(`${nb} runs under the quick profile with no error and no stderr`, async () => {
    const r = await runs.get(nb)!;
    for (const { cell, o } of outputsOf(r)) {
      const src = Array.isArray(cell.source) ? cell.source.join("") : cell.source;
      assert.notEqual(o.output_type, "error", `${nb}: error output in cell starting ${JSON.stringify(src.slice(0, 60))}`);
      if (o.output_type === "stream") {
        const s = o as unknown as { name: string; text: string | string[] };
        const text = Array.isArray(s.text) ? s.text.join("") : s.text;
        assert.notEqual(s.name, "stderr", `${nb}: stderr output: ${text.slice(0, 300)}`);
      }
    }
    // Every figure comes with its one-line takeaway.
    const html = textOf(r);
    const figures = (html.match(/class="sigmoid-lab-figure"/g) ?? []).length;
    const takeaways = (html.match(/class="sigmoid-lab-takeaway"/g) ?? []).length;
    assert.ok(takeaways >= figures, `${nb}: ${figures} figures but ${takeaways} takeaways`);
  });
}

test("01-train: the quick run trains, caches both runs, and reports their numbers", async (t) => {
  if (!runs.has("01-train.ipynb")) return t.skip("no 01-train notebook");
  const r = await runs.get("01-train.ipynb")!;
  const text = textOf(r);
  assert.match(text, /test accuracy after 2 epochs: \d+\.\d\d%/);
  assert.match(text, /Saturation \(ε = 0\.01\) on the training probe points at the end, layers 1–5: (\d+\.\d%, ){4}\d+\.\d%/);
  const entries = fs.readdirSync(path.join(OUT, "cache")).filter((f) => f.endsWith(".json"));
  assert.ok(entries.some((f) => f.startsWith("question-plateau-")) && entries.some((f) => f.startsWith("question-")), `cache holds ${entries.join(", ")}`);
});

test("02-activations: saturation fractions are fractions of the probe set, a CI per layer, and the answer cell is computed", async (t) => {
  if (!runs.has("02-activations.ipynb")) return t.skip("no 02-activations notebook");
  const r = await runs.get("02-activations.ipynb")!;
  const rec = readFindings("02-activations", path.join(OUT, "cache"));
  const p = rec.parameters as { width: number; depth: number; probePoints: number };
  const f = rec.findings;
  assert.equal(f.saturationTrain.length, p.depth);
  assert.equal(f.saturationHeldOut.length, p.depth);
  for (const s of [...f.saturationTrain, ...f.saturationHeldOut]) {
    const entries = s * p.probePoints * p.width; // a count of saturated (point, unit) entries
    assert.ok(s >= 0 && s <= 1 && Math.abs(entries - Math.round(entries)) < 1e-6 * p.probePoints * p.width, `saturation ${s} is not k / (${p.probePoints} × ${p.width})`);
  }
  assert.equal(f.trainMinusHeldOut.length, p.depth, "one interval per layer");
  for (const g of f.trainMinusHeldOut) assert.ok(g.low <= g.diff && g.diff <= g.high, `interval ${JSON.stringify(g)}`);
  assert.ok(f.lowShare >= 0 && f.lowShare <= 1);
  assert.ok(f.stuckUnits >= 0 && f.stuckUnits <= f.units && f.units === p.depth * p.width);
  assert.match(textOf(r), /\*\*(Partly|Mostly not)[^*]*\*\* In the trained \d+-layer network/);
});

test("05-fixes: every fix at both depths in the findings, rates chosen by a named rule, the closing prose computed", async (t) => {
  if (!runs.has("05-fixes.ipynb")) return t.skip("no 05-fixes notebook");
  const r = await runs.get("05-fixes.ipynb")!;
  const rec = readFindings("05-fixes", path.join(OUT, "cache"));
  const p = rec.parameters as { depth: number; deepDepth: number; seeds: number; steps: number };
  const f = rec.findings;
  const ids = [...new Set(f.rows.map((row) => row.id))];
  assert.equal(ids[0], "baseline");
  for (const id of ids) for (const d of [p.depth, p.deepDepth]) assert.ok(f.rows.some((row) => row.id === id && row.depth === d), `${id} at depth ${d}`);
  for (const row of f.rows) {
    assert.ok(["fastest to target", "best", "none leaves chance", "all diverged"].includes(row.rateRule ?? ""), `${row.id}: rule ${row.rateRule}`);
    assert.equal(row.runs, p.seeds);
    assert.ok(row.diverged > 0 || (row.testErrorPercent >= 0 && row.testErrorPercent <= 100), `${row.id}: test error ${row.testErrorPercent}`);
    assert.ok(row.flat === undefined || row.diverged === row.runs || (row.flat >= 0 && row.flat <= 1), `${row.id}: flat ${row.flat}`);
  }
  assert.equal(f.steps, p.steps);
  assert.match(textOf(r), /<strong>The baseline\.<\/strong> Sigmoid with standard init and plain SGD ends at \d+\.\d% test error at depth \d+/);
});

test("06-answer: the short answer and the claims table are built from this run's findings", async (t) => {
  if (!runs.has("06-answer.ipynb")) return t.skip("no 06-answer notebook");
  const r = await runs.get("06-answer.ipynb")!;
  const text = textOf(r);
  assert.match(text, /\*\*(Yes\.|Partly\.|Partly, and not for the stated reason\.|No\.)\*\* In the trained 5-layer sigmoid network of the question \(5 × 64,/, "the quick profile's network, from 01–05's findings");
  const rows = text.split("\n").filter((l) => /^\| .* \| \*\*(holds|partly holds|does not hold|not measured)\*\* \|/.test(l));
  assert.equal(rows.length, 9, "one row per claim of the popular answer");
  // The index page's material: the tagged cells have outputs.
  const tagged = r.notebook.cells.filter((c) => c.cell_type === "code" && (c.metadata as { tags?: string[] }).tags?.includes("book-index"));
  assert.equal(tagged.length, 2);
  for (const c of tagged) assert.ok(c.cell_type === "code" && c.outputs.length > 0, "a book-index cell produced output");
});
