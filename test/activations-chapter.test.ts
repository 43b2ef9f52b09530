/**
 * The chapter module of notebook 02 (lib/chapters/activations*.ts): the
 * comparison on the random split, the per-layer build-up rule, the gradient
 * series, the weight-gradient formula against autodiff, the sweep configs and
 * the findings — checked against hand computations, a second implementation
 * (autodiff, the bootstrap written out) and invariants.
 */
import { test, before } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { prepareBackend } from "../lib/core/backend";
import { Mlp } from "../lib/core/model";
import { Rng } from "../lib/core/rng";
import { ConfigError } from "../lib/core/errors";
import type { ProbeRecord } from "../lib/core/train";
import type { ProbeSnapshot } from "../lib/measure/probe";
import { backward } from "../lib/measure/deltas";
import { compareMeans, perExampleStats } from "../lib/measure/compare";
import { percentiles } from "../lib/measure/stats";
import type { Dataset } from "../lib/data/dataset";
import { glorotBengioTable1, TABLE1_DATASETS } from "../lib/data/published";
import { Experiment, ExperimentConfig, runExperiment } from "../lib/run/experiment";
import * as ch from "../lib/chapters/activations";
import * as cx from "../lib/chapters/activations-compare";
import * as views from "../lib/chapters/activations-figures";
import * as over from "../lib/chapters/activations-training";
import * as summaryView from "../lib/chapters/activations-summary";

before(async () => {
  await prepareBackend({ quiet: true });
});

function points(n: number, dim: number, seed: number, scale = 3, name = `random ${seed}`): Dataset {
  const rng = new Rng(seed);
  return {
    name,
    x: new Float32Array(n * dim).map(() => rng.normal() * scale),
    y: new Int32Array(n).map(() => rng.int(3)),
    n,
    inputDim: dim,
    numClasses: 3,
  };
}

const net = (seed = 3) =>
  new Mlp({
    inputDim: 6,
    widths: [7, 5, 4],
    outputDim: 3,
    activation: "sigmoid",
    init: { name: "normalized", gain: 4 },
    seed,
  });

test("weightGradientNorm: ‖(1/n) Σ h_{l−1}ᵀ δ_l‖ by hand, and equal to autodiff's ∂L/∂W_l on every layer", () => {
  // n = 2, dIn = 2, dOut = 1: G = ((1·1 + 3·2), (2·1 + 4·2)) / 2 = (3.5, 5).
  assert.ok(Math.abs(ch.weightGradientNorm([1, 2, 3, 4], [1, 2], 2, 2, 1) - Math.hypot(3.5, 5)) < 1e-12);
  assert.throws(() => ch.weightGradientNorm([1, 2, 3], [1, 2], 2, 2, 1), ConfigError);
  const model = net(),
    pts = points(20, 6, 1);
  const before = tf.memory().numTensors;
  const pass = backward(model, pts, { weightGrads: true });
  assert.equal(tf.memory().numTensors, before);
  const widths = [6, ...pass.widths];
  pass.deltas.forEach((d, l) => {
    const h = l === 0 ? pts.x : pass.a[l - 1];
    const mine = ch.weightGradientNorm(h, d, pts.n, widths[l], widths[l + 1]);
    assert.ok(
      Math.abs(mine - pass.weightGradNorms![l]) <= 1e-5 * pass.weightGradNorms![l],
      `layer ${l + 1}: ${mine} vs ${pass.weightGradNorms![l]}`,
    );
  });
  model.dispose();
});

test("trendOf: the change over the last epoch names the trend, at the rule's threshold", () => {
  const t = [0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2];
  const series = (last: number) => [0, 0, 0, 0, 0.1, 0.1, 0.1, 0.1, last];
  assert.deepEqual(ch.trendOf(t, series(0.12)), { change: 0.12 - 0.1, trend: "rising" });
  assert.equal(ch.trendOf(t, series(0.109)).trend, "level");
  assert.equal(ch.trendOf(t, series(0.08)).trend, "falling");
  // The reference record is the one exactly one epoch before the end (index 4), not the start.
  assert.ok(Math.abs(ch.trendOf(t, series(0.5)).change - 0.4) < 1e-12);
  assert.equal(ch.trendOf(t, series(0.106), { windowEpochs: 1, minChange: 0.005 }).trend, "rising");
  assert.deepEqual(ch.trendOf([0], [0.3]), { change: 0, trend: "level" });
  assert.throws(() => ch.trendOf(t, [1, 2]), ConfigError);
  assert.throws(() => ch.trendOf(t, series(0), { windowEpochs: 0, minChange: 0.01 }), ConfigError);
});

/** Probe records with given saturated shares per layer (rows: layers; columns: times), on two probe sets. */
function fakeRecords(
  train: number[][],
  heldOut: number[][],
  epochs: number[],
  accuracy: number[],
): ProbeRecord<ProbeSnapshot>[] {
  const snap = (sat: number[][], t: number, acc: number, k: number): ProbeSnapshot => ({
    set: "s",
    n: 10,
    loss: 1,
    accuracy: acc,
    layers: sat.map((row, l) => ({
      layer: l + 1,
      width: 4,
      mean: 0.5,
      std: 0.1,
      percentiles: [],
      histogram: { edges: [], counts: [] } as never,
      saturation: [{ eps: 0.01, low: row[t], high: 0, total: row[t] }],
      flat: { delta: 0.0396, total: row[t] },
      units: null,
      derivativeMean: 0.2,
      preActivation: { mean: 0, std: 1, percentiles: [] },
      rhoB: 0.1 * (l + 1) + k,
      deltaNorm: (l + 1) * (t + 1),
      weightGradNorm: 2 * (t + 1),
      weightNorm: 1,
      gradToData: 2 * (t + 1),
    })),
    output: { deltaNorm: 1, weightGradNorm: 1, weightNorm: 1 },
  });
  return epochs.map((e, t) => ({
    step: t,
    epoch: e,
    snapshots: [snap(train, t, 0.5, 0), snap(heldOut, t, accuracy[t], 0)],
    updateToData: t === 0 ? null : [0.01 * t, 0.02 * t, 0.03 * t, 0.04 * t],
  }));
}

test("layerBuildUp and topLayerPeak: each layer's course read from the probe records", () => {
  const epochs = [0, 0.5, 1, 1.5, 2];
  const train = [
    [0, 0.05, 0.1, 0.2, 0.3],
    [0, 0, 0, 0, 0.001],
    [0, 0.9, 0.6, 0.3, 0.1],
  ];
  const held = [
    [0, 0.05, 0.1, 0.19, 0.31],
    [0, 0, 0, 0, 0],
    [0, 0.8, 0.5, 0.3, 0.1],
  ];
  const recs = fakeRecords(train, held, epochs, [0.1, 0.11, 0.5, 0.8, 0.9]);
  const peak = ch.topLayerPeak(recs);
  assert.deepEqual(peak, { index: 1, epoch: 0.5, saturation: 0.9, heldOutAccuracy: 0.11 });
  const b = ch.layerBuildUp(recs);
  assert.deepEqual(
    b.map((x) => [x.start, x.atTopPeak, x.end, x.peak, x.peakEpoch, x.trend, x.endHeldOut, x.trendHeldOut]),
    [
      [0, 0.05, 0.3, 0.3, 2, "rising", 0.31, "rising"],
      [0, 0, 0.001, 0.001, 2, "level", 0, "level"],
      [0, 0.9, 0.1, 0.9, 0.5, "falling", 0.1, "falling"],
    ],
  );
  assert.ok(Math.abs(b[0].lastEpochChange - 0.2) < 1e-12);
  assert.deepEqual(ch.nearestRecords(epochs, [0, 0.9, 2]), [0, 2, 4]);
});

test("gradientSeries: per layer over time from the records; update:data transposed, without step 0; firstOverTop", () => {
  const recs = fakeRecords(
    [
      [0, 0, 0],
      [0, 0, 0],
    ],
    [
      [0, 0, 0],
      [0, 0, 0],
    ],
    [0, 1, 2],
    [0.1, 0.2, 0.3],
  );
  const g = ch.gradientSeries(recs);
  assert.deepEqual(g.delta, [
    [1, 2, 3],
    [2, 4, 6],
  ]);
  assert.deepEqual(g.weightGrad, [
    [2, 4, 6],
    [2, 4, 6],
  ]);
  assert.deepEqual(g.updateEpochs, [1, 2]);
  assert.deepEqual(
    g.updateToData.map((r) => r.map((v) => Number(v.toFixed(6)))),
    [
      [0.01, 0.02],
      [0.02, 0.04],
      [0.03, 0.06],
      [0.04, 0.08],
    ],
  );
  assert.deepEqual(ch.firstOverTop(g.delta, 1), { start: 0.5, atTopPeak: 0.5, end: 0.5 });
  const noGrads = recs.map((r) => ({
    ...r,
    snapshots: r.snapshots.map((s) => ({ ...s, layers: s.layers.map((L) => ({ ...L, deltaNorm: null })) })),
  }));
  assert.throws(() => ch.gradientSeries(noGrads), ConfigError);
});

test("small helpers: relative gap, low share, stuck units", () => {
  const d = (meanA: number, meanB: number) => ({
    meanA,
    meanB,
    diff: meanA - meanB,
    low: 0,
    high: 0,
    level: 0.95,
    draws: 10,
  });
  assert.equal(cx.maxRelativeGap([d(0.5, 0.4), d(0, 0), d(0.1, 0.2)]), 0.5);
  assert.equal(cx.maxRelativeGap([d(0, 0)]), 0);
  const snap = {
    layers: [
      { width: 10, saturation: [{ eps: 0.01, low: 0.2, high: 0.1, total: 0.3 }], units: { stuckLow: 1, stuckHigh: 2 } },
      { width: 30, saturation: [{ eps: 0.01, low: 0.1, high: 0, total: 0.1 }], units: { stuckLow: 0, stuckHigh: 0 } },
    ],
  } as unknown as ProbeSnapshot;
  assert.ok(Math.abs(ch.lowShare(snap) - (2 + 3) / (3 + 3)) < 1e-12);
  assert.deepEqual(ch.stuckUnits(snap), { stuck: 3, units: 40 });
  // The unit table names the stuck rule from STUCK_FRACTION.
  const units = (perUnit: number[]) => ({
    stuckLow: 0,
    stuckHigh: 0,
    inputDependent: 0,
    neverSaturated: perUnit.length,
    perUnit,
  });
  const unitSnap = (perUnit: number[]) =>
    ({ layers: [{ layer: 1, width: perUnit.length, units: units(perUnit) }] }) as unknown as ProbeSnapshot;
  const flatRow = views.unitRows(unitSnap([0, 0, 0]), unitSnap([0, 0.1, 0]))[0];
  assert.equal(flatRow[`stuck low (≥ ${Math.round(100 * ch.STUCK_FRACTION)}% of points)`], 0);
  assert.equal(flatRow["unseen probe points: never saturated"], 3);
});

const tinyExperiment = (name: string): ExperimentConfig => ({
  name,
  data: { kind: "spirals", trainN: 256, testN: 128, seed: 3 },
  model: { widths: [8, 8, 8], activation: "sigmoid", init: { name: "normalized", gain: 3 }, seed: 2 },
  train: { epochs: 3, batchSize: 16, optimizer: { kind: "sgd", learningRate: 2 }, seed: 4, probeEverySteps: 4 },
  probePoints: 40,
});

test("compareSplit: the differences of the per-point means with intervals, the flat measure equal to ε for the sigmoid, the bootstrap reproducible by hand", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sigmoid-lab-02ch-"));
  const q = await runExperiment(tinyExperiment("tiny-02"), {}, { cacheDir: dir });
  try {
    // Spirals have no unseen training-file part: stand one in, as MNIST's split would give.
    assert.throws(() => cx.comparisonSets(q.data, 50), ConfigError);
    const data = { ...q.data, heldOut: points(300, 2, 7, 2, "unseen") };
    assert.throws(() => cx.comparisonSets(data, 5), ConfigError);
    const sets = cx.comparisonSets(data, 200);
    assert.deepEqual([sets.train.n, sets.heldOut.n, sets.test.n], [128, 128, 128], "at most the smallest set");
    const before = tf.memory().numTensors;
    const cmp = cx.compareSplit(q.model, sets, { eps: [0.01, 0.1], draws: 200, seed: 5 });
    assert.equal(tf.memory().numTensors, before);
    const a = perExampleStats(q.model, sets.train, [0.01, 0.1]),
      b = perExampleStats(q.model, sets.heldOut, [0.01, 0.1]);
    const mean = (x: Float64Array) => x.reduce((s, v) => s + v, 0) / x.length;
    const sat = cx.perLayer(cmp.main, "saturation", 0.1),
      flat = cx.perLayer(cmp.main, "flat");
    assert.equal(sat.length, 3);
    sat.forEach((r, l) => {
      assert.ok(Math.abs(r.diff - (mean(a.layers[l].saturated[1]) - mean(b.layers[l].saturated[1]))) < 1e-12);
      assert.ok(r.low <= r.diff && r.diff <= r.high);
    });
    cx.perLayer(cmp.main, "saturation", 0.01).forEach((r, l) =>
      assert.ok(Math.abs(r.diff - flat[l].diff) < 1e-12, "flat at 4ε(1 − ε) selects the sigmoid's ε entries"),
    );
    assert.ok(
      cx.perLayer(cmp.main, "saturation", 0.01).some((r) => r.meanA > 0),
      "the test needs saturated entries",
    );
    // The test-file checks keep the first ε only (and flat).
    assert.deepEqual(
      [...new Set(cmp.trainMinusTest.map((r) => `${r.statistic} ${r.eps}`))],
      ["saturation 0.01", "flat null"],
    );
    assert.throws(() => cx.perLayer(cmp.trainMinusTest, "saturation", 0.1), ConfigError);
    // Notebook cell 21b: the bootstrap written out, with the documented label, gives the library's interval.
    const sA = cmp.stats.train.layers[0].saturated[0],
      sB = cmp.stats.heldOut.layers[0].saturated[0];
    const rng = new Rng(5).fork(cx.COMPARISON_LABELS.main);
    const resampled = (s: Float64Array) => {
      let sum = 0;
      for (let i = 0; i < s.length; i++) sum += s[Math.floor(rng.next() * s.length)];
      return sum / s.length;
    };
    const draws = Array.from({ length: 200 }, () => resampled(sA) - resampled(sB));
    const [low, high] = percentiles(draws, [2.5, 97.5], Infinity);
    const row = cx.perLayer(cmp.main, "saturation", 0.01)[0];
    assert.ok(
      Math.abs(low - row.low) < 1e-12 && Math.abs(high - row.high) < 1e-12,
      `${low}, ${high} vs ${row.low}, ${row.high}`,
    );
    // A set against itself differs by exactly zero.
    const same = cx.compareSplit(
      q.model,
      { train: sets.train, heldOut: sets.train, test: sets.train },
      { eps: [0.01], draws: 50, seed: 1 },
    );
    for (const r of [...same.main, ...same.heldOutMinusTest]) assert.equal(r.diff, 0);

    // The end of training: the last record when it probed the final network at the notebook's ε, else a fresh
    // probe of the final network on the same points — the two agree (up to an entry at a float32 boundary).
    const last = q.result.probes[q.result.probes.length - 1];
    assert.equal(last.step, q.result.steps, "this run's last record is at its final step");
    const endRec = ch.endOfTraining(q, [0.01, 0.05]),
      endNew = ch.endOfTraining(q, [0.01, 0.1]);
    assert.equal(endRec.source, "last probe record");
    assert.equal(endRec.train, last.snapshots[0]);
    assert.equal(endNew.source, "final network, probed by 02");
    const entry = 1 / (q.data.probeTrain.n * 8);
    endNew.train.layers.forEach((L, l) =>
      assert.ok(Math.abs(L.saturation[0].total - endRec.train.layers[l].saturation[0].total) <= entry + 1e-12),
    );
    const stale = { ...q, result: { ...q.result, probes: q.result.probes.slice(0, -1) } };
    assert.equal(
      ch.endOfTraining(stale, [0.01, 0.05]).source,
      "final network, probed by 02",
      "a record before the end",
    );

    // Findings from this run: every field from the end record and the comparison, the memorisation rows empty.
    const primary = cx.primaryComparison(cmp, { draws: 200, seed: 5 });
    const probeCmp = cx.probeSetComparison(q, { eps: [0.01, 0.1], draws: 200, seed: 5 });
    const family = cx.intervalFamily(cmp, probeCmp, primary);
    const slopes = ch.slopeFactors(q.model, q.data.probeTrain);
    const unitTests = cx.unitTests(q.model, sets, 0.01, { permutations: 19, seed: 5 });
    const f = ch.activationFindings({ q, end: endRec, cmp, primary, family, unitTests, slopes, sweep: [] });
    assert.deepEqual(
      f.trainMinusHeldOut.map((x) => x.diff),
      cx.perLayer(cmp.main, "saturation", 0.01).map((r) => r.diff),
    );
    assert.deepEqual(
      f.trainMinusHeldOutFlat.map((x) => x.diff),
      flat.map((r) => r.diff),
    );
    assert.deepEqual([f.memorising, f.reference, f.comparePoints, f.depth, f.sweep.runs], [[], [], 128, 3, 0]);
    assert.deepEqual(f.buildUp, ch.layerBuildUp(q.result.probes, ch.BUILD_UP_RULES, endRec));
    // One source for "the end": the findings' saturation and every layer's build-up end are the end record.
    assert.deepEqual(
      f.buildUp.map((b) => b.end),
      f.saturationTrain,
    );
    assert.deepEqual(
      f.saturationTrain,
      last.snapshots[0].layers.map((L) => L.saturation[0].total),
    );
    assert.deepEqual(f.end, { step: q.result.steps, steps: q.result.steps, source: "last probe record" });
    assert.equal(f.topPeak.saturation, f.buildUp[2].peak);
    const g = ch.gradientSeries(q.result.probes);
    assert.equal(
      f.gradientRatios.weightGrad.end,
      g.weightGrad[0][g.epochs.length - 1] / g.weightGrad[2][g.epochs.length - 1],
    );
    // The levels 06 reads beside the differences are those of the same 128-point sets.
    assert.deepEqual(
      f.compareLevels!.train,
      cx.perLayer(cmp.main, "saturation", 0.01).map((r) => r.meanA),
    );
    assert.equal(f.primary!.interval.diff, primary.diff);
    assert.equal(f.secondary!.intervals, family.m);
    assert.equal(f.unitTests!.length, 3);
    assert.equal(f.derivative!.effective.length, 3);

    // The figures carry their numbers into the takeaways.
    const fig = views.comparisonFigure(cmp);
    assert.equal(fig.figure.data.length, 5, "ε, ε, flat; two test-file checks");
    assert.ok(fig.figure.data.every((d) => (d.error_y as { array: number[] }).array.every((v) => v >= 0)));
    assert.match(fig.takeaway, /128 points per set/);
    const summary = summaryView.measuredSummary(f, "a sweep.").join("\n");
    assert.match(summary, new RegExp(`pre-registered primary comparison .*\\*\\*${primary.verdict}\\*\\*`));
    assert.match(summary, /notebook 06 states the answer/);
    assert.doesNotMatch(summary, /\*\*(Yes|No|Partly|Mostly not)\b/);
  } finally {
    q.model.dispose();
    q.initialModel.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("summarizeSweepRun: gaps are bootstrap comparisons of the per-point shares; sweepFindings spans the runs", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sigmoid-lab-02sw-"));
  const exp: Experiment = await runExperiment(tinyExperiment("tiny-02-sweep"), {}, { cacheDir: dir });
  try {
    const s = ch.summarizeSweepRun(exp, 0.01, { draws: 100, seed: 2 });
    const a = perExampleStats(exp.model, exp.data.probeTrain, [0.01]),
      b = perExampleStats(exp.model, exp.data.probeHeldOut, [0.01]);
    assert.deepEqual(
      s.gapTop,
      compareMeans(a.layers[2].saturated[0], b.layers[2].saturated[0], {
        draws: 100,
        seed: 2,
        label: "tiny-02-sweep top layer",
      }),
    );
    assert.equal(s.perLayer.length, 3);
    assert.ok(s.derivative.every((d) => d > 0 && d <= 1));
    const other = { ...s, perLayer: [0.9, 0, 0], gap: { ...s.gap, diff: -0.5 } };
    assert.deepEqual(ch.sweepFindings([s, other]), {
      runs: 2,
      maxLayerMin: Math.max(...s.perLayer),
      maxLayerMax: 0.9,
      gapMin: -0.5,
      gapMax: s.gap.diff,
    });
  } finally {
    exp.model.dispose();
    exp.initialModel.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("sweep configs: one change per row, on the random split with unseen held-out points, a name per row and seed", () => {
  const s = {
    width: 32,
    depth: 5,
    learningRate: 1,
    batchSize: 32,
    epochs: 3,
    longEpochs: 10,
    trainLimit: 1000,
    heldOut: 10000,
    probePoints: 1000,
    testLimit: 2000,
  };
  const rows = ch.sweepRows(s);
  const base = ch.sweepConfig(rows[0], 1, s);
  assert.deepEqual(base.data, { kind: "mnist", trainLimit: 1000, heldOut: 10000, testLimit: 2000 });
  assert.equal(base.probePoints, 100, "at most a tenth of the training images");
  const differences = (cfg: ExperimentConfig) => {
    const flatten = (o: unknown, p = ""): [string, string][] =>
      o && typeof o === "object" && !Array.isArray(o)
        ? Object.entries(o).flatMap(([k, v]) => flatten(v, `${p}${k}.`))
        : [[p, JSON.stringify(o)]];
    const mine = new Map(flatten(cfg)),
      theirs = new Map(flatten(base));
    return [...new Set([...mine.keys(), ...theirs.keys()])]
      .filter((k) => k !== "name." && mine.get(k) !== theirs.get(k))
      .sort();
  };
  const changed = Object.fromEntries(rows.slice(1).map((r) => [r.key, differences(ch.sweepConfig(r, 1, s))]));
  assert.deepEqual(changed, {
    normalized: ["model.init."],
    "small-lr": ["train.optimizer.learningRate."],
    depth3: ["model.widths."],
    depth8: ["model.widths."],
    tanh: ["model.activation."],
    "tanh-small-lr": ["model.activation.", "train.optimizer.learningRate."],
    length: ["train.epochs."],
  });
  assert.match(rows.find((r) => r.key === "normalized")!.ours!, /our extension/);
  const names = rows.flatMap((r) => [1, 2].map((seed) => ch.sweepConfig(r, seed, s).name));
  assert.equal(new Set(names).size, names.length);
});

test("Glorot & Bengio Table 1: every column, MNIST as testErrorPercent, the setup quoted (no invented stopping rule)", () => {
  const gb = glorotBengioTable1();
  for (const r of gb.rows) {
    assert.equal(r.byDataset.mnist, r.testErrorPercent);
    for (const d of TABLE1_DATASETS) assert.equal(typeof r.byDataset[d], "number");
  }
  // The sigmoid's Shapeset error is the failure the chapter quotes (Table 1 of the paper).
  assert.equal(gb.rows.find((r) => r.label === "Sigmoid")!.byDataset.shapeset, 82.61);
  assert.doesNotMatch(JSON.stringify(gb), /stopped improving/);
  assert.match(String(gb.setup.training), /^not stated/);
  assert.ok(
    !gb.rows.some((r) => r.activation === "sigmoid" && r.init === "normalized"),
    "Table 1 has no sigmoid N row (the sweep marks it as ours)",
  );
  assert.match(gb.quotes.depthFive, /never escaped this regime/);
});

test("build-up prose and figure: one line per layer with its trend; the top peak; rising layers named", () => {
  const epochs = [0, 0.5, 1, 1.5, 2];
  const recs = fakeRecords(
    [
      [0, 0.05, 0.1, 0.2, 0.3],
      [0, 0.9, 0.6, 0.3, 0.1],
    ],
    [
      [0, 0.05, 0.1, 0.2, 0.3],
      [0, 0.9, 0.6, 0.3, 0.1],
    ],
    epochs,
    [0.1, 0.11, 0.5, 0.8, 0.9],
  );
  const q = {
    result: { probes: recs },
    data: { probeTrain: { n: 10 }, probeHeldOut: { n: 10 } },
  } as unknown as Experiment;
  const build = ch.layerBuildUp(recs),
    peak = ch.topLayerPeak(recs);
  const lines = over.buildUpProse(q, build, peak);
  assert.equal(lines.length, 3);
  assert.match(
    lines[0],
    /ε = 0\.01, .*`BUILD_UP_RULES`: over the last epoch, a change of at least ±1 pp is rising or falling/,
    "the rule is printed from BUILD_UP_RULES",
  );
  assert.match(
    lines[1],
    /^Layer 1: 0% \(epoch 0\) → 10% \(epoch 1\) → 30% \(epoch 2\); 5% at the top layer's peak \(epoch 0\.50\).*still rising over the last epoch \(\+20\.0 pp\)/,
  );
  assert.match(lines[2], /^Layer 2: .*falling over the last epoch \(−50\.0 pp\)/);
  const fig = over.buildUpFigure(q, build, peak);
  assert.match(
    fig.takeaway,
    /The top layer peaked at 90\.0% \(epoch 0\.50, held-out accuracy 11%\) and ends at 10\.0%; layer 1 is still rising over the last epoch \(\+20\.0 pp\)\./,
  );
});

test("phases (PHASE_RULES): the top layer reaches the saturated level, recovers below half its peak, on the side it saturated; the takeaways say so", () => {
  const epochs = [0, 0.5, 1, 1.5, 2];
  const fake = (top: number[], high = false) => {
    const recs = fakeRecords([[0, 0, 0, 0, 0], top], [[0, 0, 0, 0, 0], top], epochs, [0.1, 0.1, 0.3, 0.5, 0.6]);
    if (high)
      for (const r of recs)
        for (const s of r.snapshots)
          for (const L of s.layers)
            (L.saturation as { low: number; high: number }[])[0] = {
              ...L.saturation[0],
              low: 0,
              high: L.saturation[0].total,
            };
    return {
      config: { model: { widths: [4, 4] }, train: { epochs: 2 } },
      result: { probes: recs, epochs: [{ epoch: 2, test: { accuracy: 0.6 } }], steps: 10 },
      data: { train: { n: 100, numClasses: 9 }, probeHeldOut: { n: 10 } },
    } as unknown as Experiment;
  };
  // Peak 95% at epoch 0.5; 0.4 < ½ · 0.95 first at epoch 1.5.
  assert.deepEqual(over.phases(fake([0, 0.95, 0.6, 0.4, 0.3])), {
    peak: 0.95,
    peakEpoch: 0.5,
    saturated: true,
    recoveredAt: 1.5,
    end: 0.3,
    side: 0,
  });
  assert.equal(over.phases(fake([0, 0.95, 0.9, 0.8, 0.6])).recoveredAt, null, "0.6 is not below half of 0.95");
  assert.equal(over.phases(fake([0, 0.89, 0.1, 0.1, 0.1])).saturated, false, "below the rule's 90%");
  assert.equal(over.phases(fake([0, 0.95, 0.6, 0.4, 0.3], true)).side, 1);
  const gb = glorotBengioTable1();
  const prose = over.glorotProse(gb, fake([0, 0.95, 0.6, 0.4, 0.3]), fake([0, 0.95, 0.9, 0.8, 0.6], true)).join("\n");
  assert.match(
    prose,
    /Shapeset-3×2: both phases — the top layer driven to 0, then below half its peak by epoch 1\.50\./,
  );
  assert.match(prose, /MNIST: the first phase only — the top layer driven to 1 and still at 60% at the end/);
  const fig = over.glorotFigure(fake([0, 0, 0, 0, 0]), fake([0, 0.95, 0.6, 0.4, 0.3]));
  assert.match(
    fig.takeaway,
    /^Shapeset: top layer never saturated at any probe time; test accuracy 60\.0% \(9 classes\)\. MNIST: top layer 95\.0% saturated at epoch 0\.50, below half of that by epoch 1\.50, 30\.0% at the end;/,
  );
});
