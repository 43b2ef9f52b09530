/**
 * The library behind notebook 02: per-example saturation, the
 * train-vs-held-out bootstrap comparison, and training traces.
 */
import { test, before } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { prepareBackend } from "../lib/core/backend";
import { Mlp } from "../lib/core/model";
import { ProbePoints, probe } from "../lib/measure/probe";
import { Rng } from "../lib/core/rng";
import {
  compareManyMeans,
  compareMeans,
  compareSets,
  differenceVerdict,
  hiddenValues,
  perExampleStats,
} from "../lib/measure/compare";
import { meanAt, percentiles } from "../lib/measure/stats";
import { exampleOverTime, traceTraining, unitZOverTime } from "../lib/run/replay";
import { runExperiments } from "../lib/run/jobs";
import { ExperimentConfig, runExperiment } from "../lib/run/experiment";
import { ConfigError } from "../lib/core/errors";

before(async () => {
  await prepareBackend({ quiet: true });
});

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "sigmoid-lab-02-"));

function randomPoints(n: number, dim: number, seed: number, scale = 3): ProbePoints {
  const rng = new Rng(seed);
  const x = new Float32Array(n * dim).map(() => rng.normal() * scale);
  const y = new Int32Array(n).map(() => rng.int(3));
  return { name: `random ${seed}`, x, y, n, inputDim: dim, numClasses: 3 };
}

function net(activation: "sigmoid" | "tanh" = "sigmoid", seed = 3): Mlp {
  return new Mlp({
    inputDim: 6,
    widths: [7, 5, 4],
    outputDim: 3,
    activation,
    init: { name: "normalized", gain: 4 },
    seed,
  });
}

test("per-example saturation matches a hand count on the downloaded activations", () => {
  const model = net();
  const pts = randomPoints(9, 6, 1);
  const hv = hiddenValues(model, pts);
  const s = perExampleStats(model, hv, [0.01, 0.05]);
  assert.equal(s.layers.length, 3);
  s.layers.forEach((layer, l) => {
    const w = hv.widths[l];
    for (let i = 0; i < pts.n; i++) {
      const row = Array.from(hv.a[l].subarray(i * w, (i + 1) * w));
      const low = row.filter((h) => h < 0.05).length / w,
        high = row.filter((h) => h > 0.95).length / w;
      assert.ok(Math.abs(layer.low[1][i] - low) < 1e-12);
      assert.ok(Math.abs(layer.high[1][i] - high) < 1e-12);
      assert.ok(Math.abs(layer.saturated[1][i] - low - high) < 1e-12);
      const zRow = Array.from(hv.z[l].subarray(i * w, (i + 1) * w));
      // f'(z), from the closed form in z, agrees with the one computed from the outputs up to float32 rounding.
      const d = zRow.reduce((acc, z) => acc + model.act.df(z), 0) / w;
      assert.ok(Math.abs(layer.derivative[i] - d) < 1e-6);
      assert.ok(Math.abs(layer.mean[i] - row.reduce((a, b) => a + b, 0) / w) < 1e-6);
    }
  });
  model.dispose();
});

test("averaged over points, per-example stats equal the probe's layer statistics", () => {
  for (const act of ["sigmoid", "tanh"] as const) {
    const model = net(act, 5);
    const pts = randomPoints(50, 6, 2);
    const s = perExampleStats(model, pts);
    const p = probe(model, pts, { eps: [0.01, 0.05], gradients: false });
    const avg = (x: Float64Array) => x.reduce((a, b) => a + b, 0) / x.length;
    s.layers.forEach((layer, l) => {
      for (let k = 0; k < 2; k++) {
        assert.ok(
          Math.abs(avg(layer.saturated[k]) - p.layers[l].saturation[k].total) < 1e-9,
          `${act} layer ${l + 1} eps ${k}`,
        );
        assert.ok(Math.abs(avg(layer.low[k]) - p.layers[l].saturation[k].low) < 1e-9);
      }
      assert.ok(Math.abs(avg(layer.derivative) - p.layers[l].derivativeMean) < 1e-9);
      assert.ok(Math.abs(avg(layer.mean) - p.layers[l].mean) < 1e-5);
    });
    // The test needs saturated entries to mean anything.
    assert.ok(
      s.layers.some((layer) => avg(layer.saturated[0]) > 0.05),
      `${act}: some saturation`,
    );
    model.dispose();
  }
});

test("hiddenValues and perExampleStats give the same values in any chunk size", () => {
  const model = net();
  const pts = randomPoints(10, 6, 4);
  const a = hiddenValues(model, pts, 1000),
    b = hiddenValues(model, pts, 3);
  a.a.forEach((v, l) => assert.deepEqual(Array.from(v), Array.from(b.a[l])));
  a.z.forEach((v, l) => assert.deepEqual(Array.from(v), Array.from(b.z[l])));
  const whole = perExampleStats(model, a),
    chunked = perExampleStats(model, pts, [0.01, 0.05], 3);
  whole.layers.forEach((layer, l) => {
    assert.deepEqual(Array.from(chunked.layers[l].saturated[0]), Array.from(layer.saturated[0]));
    assert.deepEqual(Array.from(chunked.layers[l].derivative), Array.from(layer.derivative));
  });
  assert.throws(() => hiddenValues(model, randomPoints(3, 5, 1)), ConfigError);
  model.dispose();
});

test("compareMeans: difference, interval around it, determinism, and bad input", () => {
  const a = Array.from({ length: 400 }, (_, i) => (i % 10) / 10 + 0.3); // mean 0.75
  const b = Array.from({ length: 300 }, (_, i) => (i % 10) / 10); // mean 0.45
  const d = compareMeans(a, b, { draws: 1000, seed: 7 });
  assert.ok(Math.abs(d.meanA - 0.75) < 1e-12 && Math.abs(d.meanB - 0.45) < 1e-12);
  assert.ok(Math.abs(d.diff - 0.3) < 1e-12);
  assert.ok(d.low < 0.3 && d.high > 0.3);
  // Standard error of the difference ≈ sqrt(0.0825/400 + 0.0825/300) ≈ 0.022: the 95% interval is about ±0.043.
  assert.ok(d.high - d.low > 0.06 && d.high - d.low < 0.11, `width ${d.high - d.low}`);
  assert.equal(differenceVerdict(d), "higher");
  assert.deepEqual(compareMeans(a, b, { draws: 1000, seed: 7 }), d);
  assert.notDeepEqual(compareMeans(a, b, { draws: 1000, seed: 8 }), d);
  const same = compareMeans(a, a, { draws: 500 });
  assert.equal(same.diff, 0);
  assert.ok(same.low < 0 && same.high > 0);
  assert.equal(differenceVerdict(same), "no detectable difference");
  assert.equal(differenceVerdict({ ...same, low: -0.2, high: -0.1 }), "lower");
  // Shared resamples: a row of compareManyMeans is compareMeans of that pair, whatever the other rows.
  const c = a.map((v) => v * v),
    dd = b.map((v) => 1 - v);
  const many = compareManyMeans(
    [
      { a: a, b: b },
      { a: c, b: dd },
    ],
    { draws: 300, seed: 3 },
  );
  assert.deepEqual(many[0], compareMeans(a, b, { draws: 300, seed: 3 }));
  assert.deepEqual(many[1], compareMeans(c, dd, { draws: 300, seed: 3 }));
  assert.throws(
    () =>
      compareManyMeans([
        { a: a, b: b },
        { a: a.slice(1), b: b },
      ]),
    ConfigError,
  );
  // The textbook computation (one index vector per draw, each row's resampled mean in draw order), on mixed
  // array types: the counts form only changes the order of the sums.
  const rows = [
    { a: Float32Array.from(a, (v) => v / 3), b: b },
    { a: c, b: Float64Array.from(dd) },
    { a: a, b: Float32Array.from(b, (v) => Math.sin(v)) },
  ];
  const fast = compareManyMeans(rows, { draws: 200, seed: 5, label: "ref" });
  const rng = new Rng(5).fork("ref");
  const ref = rows.map(() => new Float64Array(200));
  for (let d = 0; d < 200; d++) {
    const ia = Int32Array.from({ length: a.length }, () => Math.floor(rng.next() * a.length));
    const ib = Int32Array.from({ length: b.length }, () => Math.floor(rng.next() * b.length));
    rows.forEach((r, k) => (ref[k][d] = meanAt(r.a, ia) - meanAt(r.b, ib)));
  }
  rows.forEach((_, k) => {
    const [low, high] = percentiles(ref[k], [2.5, 97.5], Infinity);
    assert.ok(Math.abs(fast[k].low - low) < 1e-14 && Math.abs(fast[k].high - high) < 1e-14, `row ${k}`);
  });
  assert.throws(() => compareMeans([], b), ConfigError);
  assert.throws(() => compareMeans(a, b, { level: 1 }), ConfigError);
  assert.throws(() => compareMeans(a, b, { draws: 3 }), ConfigError);
});

test("compareSets: one row per layer and statistic; a set against itself differs by zero", () => {
  const model = net();
  const s = perExampleStats(model, randomPoints(40, 6, 9), [0.01, 0.05]);
  const rows = compareSets(s, s, { draws: 200 });
  assert.equal(rows.length, 3 * (2 + 3));
  for (const r of rows) {
    assert.equal(r.diff, 0);
    assert.ok(r.low <= 0 && r.high >= 0);
  }
  assert.deepEqual(
    rows.filter((r) => r.layer === 2).map((r) => [r.statistic, r.eps]),
    [
      ["saturation", 0.01],
      ["saturation", 0.05],
      ["low", 0.01],
      ["high", 0.01],
      ["derivative", null],
    ],
  );
  // Choosing statistics keeps the other rows' numbers (the resamples depend on the seed and the set sizes only).
  const some = compareSets(s, perExampleStats(model, randomPoints(40, 6, 10), [0.01, 0.05]), {
    draws: 200,
    statistics: ["derivative"],
  });
  const all = compareSets(s, perExampleStats(model, randomPoints(40, 6, 10), [0.01, 0.05]), { draws: 200 });
  assert.deepEqual(
    some,
    all.filter((r) => r.statistic === "derivative"),
  );
  const t = perExampleStats(model, randomPoints(40, 6, 9), [0.02]);
  assert.throws(() => compareSets(s, t), ConfigError);
  model.dispose();
});

const tinyExperiment = (name: string): ExperimentConfig => ({
  name,
  data: { kind: "spirals", trainN: 256, testN: 64, seed: 3 },
  model: { widths: [8, 8, 8], activation: "sigmoid", init: "standard", seed: 2 },
  train: { epochs: 3, batchSize: 16, optimizer: { kind: "sgd", learningRate: 2 }, seed: 4, probeEverySteps: 8 },
  probePoints: 40,
});

test("runExperiments: independent runs on the pool, loaded in order with what this call did; a divergence names the run", async () => {
  const dir = tmp();
  const a = tinyExperiment("tiny-a"),
    b = { ...tinyExperiment("tiny-b"), model: { ...tinyExperiment("tiny-b").model, seed: 9 } };
  const [ra, rb] = await runExperiments([a, b], { workers: 2, cacheDir: dir });
  assert.deepEqual([ra.config.name, rb.config.name, ra.cache, rb.cache], ["tiny-a", "tiny-b", "miss", "miss"]);
  const direct = await runExperiment(b, {}, { cacheDir: dir });
  assert.equal(direct.cache, "hit");
  assert.deepEqual(rb.result.stepLosses, direct.result.stepLosses);
  const [again] = await runExperiments([a], { workers: 1, cacheDir: dir });
  assert.equal(again.cache, "hit");
  const wild = {
    ...tinyExperiment("tiny-wild"),
    train: { ...a.train, optimizer: { kind: "sgd" as const, learningRate: 1e30 } },
  };
  await assert.rejects(
    () => runExperiments([a, wild], { workers: 1, cacheDir: dir }),
    /tiny-wild \(sgd η = 1e\+30\) did not finish: Training diverged: the size of layer \d's weights .*Lower its learning rate/,
  );
  for (const r of [ra, rb, direct, again]) {
    r.model.dispose();
    r.initialModel.dispose();
  }
});

test("traceTraining replays the experiment's own trajectory and caches it", async () => {
  const dir = tmp();
  const cfg = tinyExperiment("tiny");
  const exp = await runExperiment(cfg, {}, { cacheDir: dir });
  const trace = await traceTraining(
    cfg,
    { epochs: 2, everySteps: 4, examples: [0, 5], heldOutExamples: [7] },
    {},
    { cacheDir: dir },
  );
  assert.equal(trace.cache, "miss");
  // 16 steps per epoch, 2 epochs, a record every 4 steps plus step 0.
  assert.deepEqual(trace.steps, [0, 4, 8, 12, 16, 20, 24, 28, 32]);
  assert.deepEqual(
    trace.epochs,
    trace.steps.map((s) => s / 16),
  );
  // Where the experiment probed (every 8 steps), the trace saw the same network.
  for (const p of exp.result.probes.filter((p) => p.step <= 32)) {
    const t = trace.steps.indexOf(p.step);
    assert.ok(t >= 0);
    p.snapshots[0].layers.forEach((layer, l) => {
      assert.ok(Math.abs(trace.layers[l].mean[t] - layer.mean) < 1e-6, `step ${p.step} layer ${l + 1}`);
      assert.ok(Math.abs(trace.layers[l].saturation[t] - layer.saturation[0].total) < 1e-9);
    });
  }
  const ex = exampleOverTime(trace, 2, 5);
  assert.equal(ex.length, 8);
  assert.equal(ex[0].length, trace.steps.length);
  // At step 0 the traced vector is the initial network's hidden vector of probe point 5.
  const hv = hiddenValues(exp.initialModel, exp.data.probeTrain);
  for (let j = 0; j < 8; j++) assert.ok(Math.abs(ex[j][0] - hv.a[1][5 * 8 + j]) < 1e-6);
  // The held-out point is traced alongside.
  const ho = exampleOverTime(trace, 2, 7, "heldOut");
  const hvHeld = hiddenValues(exp.initialModel, exp.data.probeHeldOut);
  for (let j = 0; j < 8; j++) assert.ok(Math.abs(ho[j][0] - hvHeld.a[1][7 * 8 + j]) < 1e-6);
  assert.throws(() => exampleOverTime(trace, 2, 7), ConfigError);
  const zp = unitZOverTime(trace, 3, 1);
  assert.equal(zp.length, 3);
  for (let t = 0; t < trace.steps.length; t++) assert.ok(zp[0][t] <= zp[1][t] && zp[1][t] <= zp[2][t]);
  assert.throws(() => exampleOverTime(trace, 1, 3), ConfigError);
  assert.throws(() => unitZOverTime(trace, 1, 8), ConfigError);
  const again = await traceTraining(
    cfg,
    { epochs: 2, everySteps: 4, examples: [0, 5], heldOutExamples: [7] },
    {},
    { cacheDir: dir },
  );
  assert.equal(again.cache, "hit");
  assert.deepEqual(Array.from(again.activations[0]), Array.from(trace.activations[0]));
  // The other training path is another cache entry (its float32 rounding differs), with the same trajectory.
  const saved = process.env.SIGMOID_LAB_FAST;
  process.env.SIGMOID_LAB_FAST = saved === "0" ? "1" : "0";
  try {
    const other = await traceTraining(
      cfg,
      { epochs: 2, everySteps: 4, examples: [0, 5], heldOutExamples: [7] },
      {},
      { cacheDir: dir },
    );
    assert.equal(other.cache, "miss", "a trace trained on the other path is not read from this path's entry");
    const a = Array.from(other.activations[2]),
      b = Array.from(trace.activations[2]);
    assert.ok(Math.max(...a.map((x, i) => Math.abs(x - b[i]))) < 1e-3, "both paths trace the same trajectory");
  } finally {
    if (saved === undefined) delete process.env.SIGMOID_LAB_FAST;
    else process.env.SIGMOID_LAB_FAST = saved;
  }
  await assert.rejects(
    () => traceTraining(cfg, { epochs: 4, everySteps: 4, examples: [0] }, {}, { cacheDir: dir }),
    ConfigError,
  );
  await assert.rejects(
    () => traceTraining(cfg, { epochs: 1, everySteps: 4, examples: [40] }, {}, { cacheDir: dir }),
    ConfigError,
  );
  await assert.rejects(
    () => traceTraining(cfg, { epochs: 1, everySteps: 4, examples: [1], heldOutExamples: [40] }, {}, { cacheDir: dir }),
    ConfigError,
  );
  exp.model.dispose();
  exp.initialModel.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});
