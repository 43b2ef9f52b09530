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

const ROOT = path.resolve(__dirname, "..");
const NOTEBOOKS = fs.readdirSync(path.join(ROOT, "notebooks")).filter((f) => /^\d\d-.*\.ipynb$/.test(f)).sort();
const OUT = fs.mkdtempSync(path.join(os.tmpdir(), "sigmoid-lab-notebooks-"));
// A private cache: the test trains what it needs (quick profile), and never reads a user's cache.
process.env.SIGMOID_LAB_CACHE = path.join(OUT, "cache");

const runs = new Map<string, Promise<RunResult>>();

before(() => {
  ensureLibBuilt({ quiet: true });
  // Two at a time: start the second once the first of a pair finishes.
  let chain: Promise<unknown>[] = [Promise.resolve(), Promise.resolve()];
  NOTEBOOKS.forEach((nb, i) => {
    const lane = i % 2;
    const run = chain[lane].then(() =>
      runNotebook({ input: path.join(ROOT, "notebooks", nb), output: path.join(OUT, nb), profile: "quick", onProgress: () => {}, cellTimeoutMs: 5 * 60_000 }),
    );
    chain[lane] = run.catch(() => undefined);
    runs.set(nb, run);
  });
});

function outputsOf(r: RunResult) {
  return r.notebook.cells.flatMap((c) => (c.cell_type === "code" ? c.outputs.map((o) => ({ cell: c, o })) : []));
}

function textOf(r: RunResult): string {
  return outputsOf(r)
    .map(({ o }) => {
      const rec = o as unknown as { text?: string | string[]; data?: Record<string, string | string[]> };
      const t = rec.text ?? rec.data?.["text/html"] ?? rec.data?.["text/plain"] ?? "";
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
