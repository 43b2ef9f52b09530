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
import { CHANCE_ACCURACY, plateauVerdict } from "../lib/chapters/train";
import { ISOMETRY_RULES } from "../lib/chapters/bound";
import { clause as answerClause } from "../lib/chapters/answer";

const ROOT = path.resolve(__dirname, "..");
const NOTEBOOKS = fs
  .readdirSync(path.join(ROOT, "notebooks"))
  .filter((f) => /^\d\d-.*\.ipynb$/.test(f))
  .sort();
const OUT = fs.mkdtempSync(path.join(os.tmpdir(), "sigmoid-lab-notebooks-"));
// A private cache: the test trains what it needs (quick profile), and never reads a user's cache.
process.env.SIGMOID_LAB_CACHE = path.join(OUT, "cache");
// The notebooks run under the quick profile, so they record findings under its name: read them there too.
process.env.SIGMOID_LAB_PROFILE = "quick";

const runs = new Map<string, Promise<RunResult>>();

before(() => {
  ensureLibBuilt({ quiet: true });
  const start = (nb: string) =>
    runNotebook({
      input: path.join(ROOT, "notebooks", nb),
      output: path.join(OUT, nb),
      profile: "quick",
      onProgress: () => {},
      cellTimeoutMs: 5 * 60_000,
    });
  // A notebook that reads the findings of 01–05 (06) runs once they have all finished.
  const readsFindings = (nb: string) =>
    /read(All)?Findings\(/.test(fs.readFileSync(path.join(ROOT, "notebooks", nb), "utf8"));
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
  for (const nb of NOTEBOOKS.filter(readsFindings))
    runs.set(
      nb,
      written.then(() => start(nb)),
    );
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
      assert.notEqual(
        o.output_type,
        "error",
        `${nb}: error output in cell starting ${JSON.stringify(src.slice(0, 60))}`,
      );
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
  assert.match(
    text,
    /Saturation \(ε = 0\.01\) on the training probe points at the end, layers 1–5: (\d+\.\d%, ){4}\d+\.\d%/,
  );
  const entries = fs.readdirSync(path.join(OUT, "cache")).filter((f) => f.endsWith(".json"));
  assert.ok(
    entries.some((f) => f.startsWith("question-plateau-")) && entries.some((f) => f.startsWith("question-")),
    `cache holds ${entries.join(", ")}`,
  );
  // What each run shows on its plateau: per layer, read from the probe records, classified by the rule.
  const rec = readFindings("01-train", path.join(OUT, "cache"));
  const p = rec.parameters as {
    width: number;
    depth: number;
    probePoints: number;
    trainLimit: number;
    heldOut: number;
    learningRate: number;
    plateauLearningRate: number;
  };
  assert.deepEqual(
    [rec.findings.trainImages, rec.findings.heldOutImages],
    [p.trainLimit, p.heldOut],
    "trained on trainLimit random images, heldOut held out",
  );
  const plateauRuns = [
    ["plateauRun", p.plateauLearningRate],
    ["mainRun", p.learningRate],
  ] as const;
  for (const [key, eta] of plateauRuns) {
    const q = rec.findings.plateauProbes[key];
    assert.ok(q, `${key}: its first probe (step 0) is at chance, so it has a plateau`);
    assert.equal(q.learningRate, eta);
    assert.ok(
      q.accuracy < CHANCE_ACCURACY && q.fromEpoch <= q.epoch && q.epoch <= q.toEpoch,
      `${key}: the worst probe is on the plateau`,
    );
    for (const arr of [q.saturation, q.nearZero, q.flat, q.derivativeMean, q.mean, q.maxSaturation])
      assert.equal(arr.length, p.depth);
    q.saturation.forEach((s, l) => {
      const entries = s * p.probePoints * p.width; // a count of (point, unit) entries
      assert.ok(
        Math.abs(entries - Math.round(entries)) < 1e-6 * p.probePoints * p.width,
        `${key} layer ${l + 1}: ${s} is not k / (${p.probePoints} × ${p.width})`,
      );
      // For the sigmoid, flat at δ = 4ε(1 − ε) selects the entries within ε: the two measures agree up to float32 ties.
      assert.ok(
        Math.abs(q.flat[l] - s) <= 2 / (p.probePoints * p.width),
        `${key} layer ${l + 1}: flat ${q.flat[l]} vs within ε ${s}`,
      );
      assert.ok(
        q.nearZero[l] <= s && s <= q.maxSaturation[l] && q.derivativeMean[l] > 0 && q.derivativeMean[l] <= 0.25,
      );
    });
    assert.equal(q.verdict, plateauVerdict(q.saturation));
  }
  assert.match(
    text,
    /<strong>The plateau run \(η = 0\.1\): a plateau (without saturation|with a saturated layer|with some saturation)\.<\/strong>/,
  );
  assert.match(
    text,
    /<strong>The main run \(η = 1\): a plateau (without saturation|with a saturated layer|with some saturation)\.<\/strong>/,
  );
});

test("07-playground: training points against fresh points, per layer with intervals, both networks at both step sizes", async (t) => {
  if (!runs.has("07-playground.ipynb")) return t.skip("no 07-playground notebook");
  const text = textOf(await runs.get("07-playground.ipynb")!);
  const profile = (
    JSON.parse(fs.readFileSync(path.join(ROOT, "notebooks", "profiles.json"), "utf8")) as {
      quick: Record<string, Record<string, number>>;
    }
  ).quick["07-playground"];
  assert.match(
    text,
    new RegExp(
      `At epoch ${profile.epochs}, ${profile.points} training and ${profile.freshPoints} fresh points \\(95% bootstrap intervals of training − fresh\\) — baseline \\(η = 6,`,
    ),
  );
  // Every layer of both networks has an interval in the comparison table, and all four runs in the table of rates.
  const intervals = text.match(/[+−]\d+\.\d pp \[[+−]\d+\.\d, [+−]\d+\.\d\]/g) ?? [];
  assert.ok(intervals.length >= 2 * profile.depth + 4 * profile.depth, `${intervals.length} intervals`);
  assert.match(
    text,
    /(training points more saturated|fresh points more saturated|no difference resolved|the same on every resample) in layer/,
  );
});

test("02-activations: fractions of the probe set, the random-split comparison with intervals, per-layer build-up, and the closing cell computed", async (t) => {
  if (!runs.has("02-activations.ipynb")) return t.skip("no 02-activations notebook");
  const r = await runs.get("02-activations.ipynb")!;
  const rec = readFindings("02-activations", path.join(OUT, "cache"));
  const p = rec.parameters as {
    width: number;
    depth: number;
    probePoints: number;
    comparePoints: number;
    sweepSeeds: number[];
  };
  const f = rec.findings;
  assert.equal(f.saturationTrain.length, p.depth);
  assert.equal(f.saturationHeldOut.length, p.depth);
  for (const s of [...f.saturationTrain, ...f.saturationHeldOut]) {
    const entries = s * p.probePoints * p.width; // a count of saturated (point, unit) entries
    assert.ok(
      s >= 0 && s <= 1 && Math.abs(entries - Math.round(entries)) < 1e-6 * p.probePoints * p.width,
      `saturation ${s} is not k / (${p.probePoints} × ${p.width})`,
    );
  }
  // The large comparison: the quick profile's comparePoints per set, against unseen training-file images, with the test-file checks.
  assert.equal(f.comparePoints, p.comparePoints);
  assert.match(f.heldOutSource, /unseen images of MNIST's training file/);
  for (const ivs of [f.trainMinusHeldOut, f.trainMinusHeldOutFlat, f.trainMinusTestFile, f.heldOutMinusTestFile]) {
    assert.equal(ivs.length, p.depth, "one interval per layer");
    for (const g of ivs) assert.ok(g.low <= g.diff && g.diff <= g.high, `interval ${JSON.stringify(g)}`);
  }
  // For the sigmoid the flat measure at 4ε(1 − ε) selects the ε entries: the two comparisons agree.
  f.trainMinusHeldOut.forEach((g, l) =>
    assert.ok(Math.abs(g.diff - f.trainMinusHeldOutFlat[l].diff) < 1e-12, `layer ${l + 1}: flat and ε differ`),
  );
  assert.equal(f.buildUp.length, p.depth);
  for (const b of f.buildUp)
    assert.ok(
      ["rising", "level", "falling"].includes(b.trend) && b.peak >= Math.max(b.start, b.end, b.atTopPeak) - 1e-12,
    );
  assert.equal(f.buildUp[p.depth - 1].peak, f.topPeak.saturation, "the top layer's own peak is the top peak");
  assert.ok(Number.isFinite(f.gradientRatios.delta.start) && Number.isFinite(f.gradientRatios.weightGrad.end));
  assert.deepEqual(
    [f.memorising, f.reference],
    [[], []],
    "no confounded memorisation rows (03-causal measures the passes)",
  );
  assert.equal(f.sweep.runs, 8 * p.sweepSeeds.length, "every sweep row ran (none diverged in the quick profile)");
  assert.ok(f.lowShare >= 0 && f.lowShare <= 1);
  assert.ok(f.stuckUnits >= 0 && f.stuckUnits <= f.units && f.units === p.depth * p.width);
  const text = textOf(r);
  assert.match(
    text,
    /<strong>What this run measured<\/strong> \(\d+ hidden sigmoid layers, \d+\.\d% test accuracy after \d+ passes/,
  );
  assert.doesNotMatch(text, /<strong>(Partly|Mostly not|Yes|No)\b/, "02 states no headline verdict: 06 does");
  assert.match(
    text,
    /Layer 1, ε = 0\.01: by hand ([+−]\d+\.\d{3} pp \[[+−]\d+\.\d{3}, [+−]\d+\.\d{3}\]); lab\.compareSets \1\./,
    "the bootstrap written out reproduces the library's interval",
  );
});

test("04-bound: the bound held, the findings carry both crossings and the plateau reading, and the prose says what the rule read", async (t) => {
  if (!runs.has("04-bound.ipynb")) return t.skip("no 04-bound notebook");
  const r = await runs.get("04-bound.ipynb")!;
  const text = textOf(r);
  const rec = readFindings("04-bound", path.join(OUT, "cache"));
  const p = rec.parameters as { depth: number; sweepDepth: number; gains: number[] };
  const f = rec.findings;
  assert.equal(f.boundHeld, true, "‖δ_l‖ ≤ ¼‖W_{l+1}‖₂‖δ_{l+1}‖ on every point (the notebook stops otherwise)");
  assert.equal(f.trained.boundOverMeasured.length, p.depth);
  for (const v of f.trained.boundOverMeasured) assert.ok(v >= 1, `bound/measured ${v} < 1`);
  assert.ok(f.init.perLayer > 0 && f.init.perLayer < 1, `at init the error shrinks per layer (×${f.init.perLayer})`);
  // Large weights: measured at initialisation only, and said so; both crossings inside the gains swept, or NaN.
  assert.match(f.largeWeights.setting, /at initialisation/);
  assert.equal(f.largeWeights.depth, p.sweepDepth);
  for (const g of [
    f.largeWeights.crossOverGain,
    f.largeWeights.crossOverGainCentred,
    f.largeWeights.chiCrossGain,
    f.largeWeights.chiCrossGainCentred,
  ]) {
    assert.ok(
      Number.isNaN(g) || (g >= Math.min(...p.gains) && g <= Math.max(...p.gains)),
      `crossing ${g} outside the gains`,
    );
  }
  // The plateau: the recorded reading follows from the recorded numbers, and the prose says the same.
  const pinned = f.plateau.topLowFraction >= 0.5 ? 0 : f.plateau.topHighFraction >= 0.5 ? 1 : null;
  assert.equal(f.plateau.pinnedAt, pinned);
  assert.equal(f.plateau.flat, f.plateau.topDerivativeMean < 0.01);
  assert.match(
    text,
    pinned === null
      ? /its top layer is not pinned at either side/
      : new RegExp(`pinned at h ≈ ${pinned}|leans on h ≈ ${pinned}`),
  );
  // Isometry: the recorded reading is ISOMETRY_RULES on the recorded spreads, and the closing prose says it.
  const iso = f.isometry;
  assert.equal(iso.nearIsometryZeroBias, iso.spreadZeroBias <= ISOMETRY_RULES.spreadVsTanh * iso.spreadTanh);
  assert.equal(iso.nearIsometryCentred, iso.spreadCentred <= ISOMETRY_RULES.spreadVsTanh * iso.spreadTanh);
  assert.match(
    text,
    iso.nearIsometryZeroBias
      ? /With biases 0 it reaches .*: critical and near isometry by the rule/
      : /With biases 0 it reaches .*: critical and not near isometry by the rule — criticality, not isometry/,
  );
  // The recursion by hand matches autodiff, in the table it printed (one row per hidden layer).
  assert.match(text, /by hand in float64, against tfjs autodiff/);
  // Issue 12: the notebook's cells hold at most ~400 lines of code.
  const nb = JSON.parse(fs.readFileSync(path.join(ROOT, "notebooks", "04-bound.ipynb"), "utf8")) as {
    cells: { cell_type: string; source: string[] }[];
  };
  const lines = nb.cells
    .filter((c) => c.cell_type === "code")
    .reduce(
      (n, c) =>
        n +
        c.source
          .join("")
          .split("\n")
          .filter((l) => l.trim()).length,
      0,
    );
  assert.ok(lines <= 400, `${lines} lines of code in 04's cells`);
});

test("03-causal: a dose-response row per group with an interval per layer, the swap, the online control and the mechanism are recorded", async (t) => {
  if (!runs.has("03-causal.ipynb")) return t.skip("no 03-causal notebook");
  const r = await runs.get("03-causal.ipynb")!;
  const f = readFindings("03-causal", path.join(OUT, "cache")).findings;
  assert.deepEqual(
    f.doseResponse.groups.map((g) => [g.passesPerEpoch, g.labels]),
    [
      [0, "true"],
      [1, "true"],
      [4, "true"],
      [16, "true"],
      [1, "wrong"],
    ],
  );
  for (const g of f.doseResponse.groups) {
    assert.equal(g.saturation.length, f.depth);
    assert.equal(g.minusNeverSeen.length, f.depth);
    for (const d of g.minusNeverSeen)
      assert.ok(d.low <= d.diff + 1e-12 && d.diff <= d.high + 1e-12, `interval ${JSON.stringify(d)}`);
  }
  assert.equal(f.swap.length, f.depth);
  assert.equal(f.detectable.halfWidth.length, f.depth);
  for (const arm of [f.onlineControl.online, f.onlineControl.repeated]) {
    assert.equal(arm.saturationEnd.length, f.depth);
    arm.saturationEnd.forEach((e, l) =>
      assert.ok(e <= arm.saturationPeak[l] + 1e-12, "the end is never above the peak"),
    );
  }
  assert.equal(f.mechanism.length, 4);
  assert.match(
    textOf(r),
    /(\*\*|<strong>)Dose-response\.(\*\*|<\/strong>) 2 networks of the question \(5 × 64 sigmoid/,
  );
});

test("05-fixes: every fix at both depths in the findings, rates chosen by a named rule, the closing prose computed", async (t) => {
  if (!runs.has("05-fixes.ipynb")) return t.skip("no 05-fixes notebook");
  const r = await runs.get("05-fixes.ipynb")!;
  const rec = readFindings("05-fixes", path.join(OUT, "cache"));
  const p = rec.parameters as { depth: number; deepDepth: number; seeds: number; steps: number };
  const f = rec.findings;
  const ids = [...new Set(f.rows.map((row) => row.id))];
  assert.equal(ids[0], "baseline");
  for (const id of ids)
    for (const d of [p.depth, p.deepDepth])
      assert.ok(
        f.rows.some((row) => row.id === id && row.depth === d),
        `${id} at depth ${d}`,
      );
  for (const row of f.rows) {
    assert.ok(
      ["fastest to target", "best", "none leaves chance", "all diverged"].includes(row.rateRule ?? ""),
      `${row.id}: rule ${row.rateRule}`,
    );
    assert.equal(row.runs, p.seeds);
    assert.ok(
      row.diverged > 0 || (row.testErrorPercent >= 0 && row.testErrorPercent <= 100),
      `${row.id}: test error ${row.testErrorPercent}`,
    );
    assert.ok(
      row.flat === undefined || row.diverged === row.runs || (row.flat >= 0 && row.flat <= 1),
      `${row.id}: flat ${row.flat}`,
    );
  }
  assert.equal(f.steps, p.steps);
  assert.match(
    textOf(r),
    /<strong>The baseline\.<\/strong> Sigmoid with standard init and plain SGD ends at \d+\.\d% test error at depth \d+/,
  );
});

test("06-answer: the short answer and the claims table are built from this run's findings", async (t) => {
  if (!runs.has("06-answer.ipynb")) return t.skip("no 06-answer notebook");
  const r = await runs.get("06-answer.ipynb")!;
  const text = textOf(r);
  assert.match(
    text,
    /\*\*(Yes\.|Partly\.|Partly, and not for the stated reason\.|No\.)\*\* In the trained 5-layer sigmoid network of the question \(5 × 64,/,
    "the quick profile's network, from 01–05's findings",
  );
  const rows = text
    .split("\n")
    .filter((l) => /^\| .* \| \*\*(holds|partly holds|does not hold|not detected|not measured)\*\* \|/.test(l));
  assert.equal(rows.length, 9, "one row per claim of the popular answer");
  // The causal clause is judged by 03's rule on 03's findings: the row's verdict and the short answer's headline agree with it.
  const clause = answerClause(readFindings("03-causal", path.join(OUT, "cache")).findings).answer;
  const because = rows.find((l) => l.startsWith("| …because gradient descent passed over"));
  assert.ok(because, "the causal claim has a row");
  const word = {
    "Yes.": "holds",
    "Partly.": "partly holds",
    "No.": "does not hold",
    "Not measurably.": "not detected",
  }[clause];
  assert.ok(because!.includes(`| **${word}** |`), `03's rule says ${clause}: the row says ${word}`);
  // The key figure's takeaway quotes 03's numbers.
  assert.match(text, /Never visited vs visited \d+ times: layer 1 \d+\.\d% vs \d+\.\d%/);
  // The index page's material: the tagged cells have outputs.
  const tagged = r.notebook.cells.filter(
    (c) => c.cell_type === "code" && (c.metadata as { tags?: string[] }).tags?.includes("book-index"),
  );
  assert.equal(tagged.length, 2, "the short answer and the key figure");
  for (const c of tagged)
    assert.ok(c.cell_type === "code" && c.outputs.length > 0, "a book-index cell produced output");
});
