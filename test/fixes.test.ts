/**
 * lib/fixes.ts, lib/parallel.ts and lib/worker.ts: every named fix makes a
 * valid experiment, the per-layer learning-rate rules put the right
 * multiplier on the right layer, the learning-rate rule, summaries and the
 * generated prose, and the worker-thread runner (same numbers as a serial
 * run, nothing left running, failures cached).
 */
import { test, before, after } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { prepareBackend } from "../lib/core/backend";
import { Mlp, validateMlpConfig } from "../lib/core/model";
import { loadData, buildModel, ExperimentConfig } from "../lib/run/experiment";
import { train, validateTrainConfig } from "../lib/core/train";
import { probe } from "../lib/measure/probe";
import * as fixes from "../lib/chapters/fixes";
import * as catalogue from "../lib/run/fixes";
import { runJobs } from "../lib/run/jobs";
import { Job, JobOutcome, runJob } from "../lib/run/job";
import { JOB_MODULE, TraceJob, ValidationJob, validationSplit } from "../lib/chapters/fixes-jobs";
import type { ExperimentRecord } from "../lib/run/experiment";

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "sigmoid-lab-fixes-"));
const cacheDir = (name: string) => path.join(TMP, name);

before(async () => {
  await prepareBackend({ quiet: true });
});
after(() => fs.rmSync(TMP, { recursive: true, force: true }));

const tiny: fixes.Budget = { width: 12, trainLimit: 256, testLimit: 128, epochs: 1, batchSize: 32, probePoints: 32, evalTrainSize: 64 };

// ------------------------------------------------------------------ the fixes

test("fix ids and labels are unique, and the baseline is the question's network", () => {
  const ids = catalogue.FIXES.map((f) => f.id);
  assert.equal(new Set(ids).size, ids.length);
  assert.equal(new Set(catalogue.FIXES.map((f) => f.label)).size, ids.length);
  assert.equal(catalogue.FIXES[0], catalogue.BASELINE);
  assert.deepEqual([catalogue.BASELINE.activation, catalogue.BASELINE.init, catalogue.BASELINE.optimizer], ["sigmoid", "standard", "sgd"]);
  assert.throws(() => catalogue.fixById("nope"), /fix id/);
});

for (const fix of catalogue.FIXES) {
  test(`${fix.id}: settles into a valid experiment config at depths 2 and 3`, async () => {
    for (const depth of [2, 3]) {
      const s = await fixes.settle(fix, depth, tiny, { cacheDir: cacheDir("settle") });
      const cfg = fixes.experimentConfig(s, tiny, { learningRate: 0.1, seed: 2 });
      const data = loadData(cfg.data, cfg.probePoints);
      validateMlpConfig({ ...cfg.model, inputDim: 784, outputDim: 10 });
      const { model } = buildModel(cfg, data);
      try {
        validateTrainConfig(model, { train: data.train, test: data.test, probeSets: [data.probeTrain], observe: probe }, cfg.train);
        assert.equal(model.depth, depth);
        assert.equal(model.act.name, fix.activation);
        assert.equal(model.hidden.every((l) => !!l.bn === !!fix.batchNorm), true);
        assert.equal(cfg.train.optimizer.kind, fix.optimizer);
        assert.equal(cfg.train.probeEverySteps, Math.floor(tiny.trainLimit / tiny.batchSize) * tiny.epochs);
        assert.equal(cfg.data.kind === "mnist" && cfg.data.trainLimit, tiny.trainLimit);
        if (fix.layerRates) assert.equal(cfg.train.layerLearningRates?.length, depth + 1);
        else assert.equal(cfg.train.layerLearningRates, undefined);
        if (typeof fix.init === "object" && fix.init.gain === "isometry") {
          assert.ok(typeof s.init === "object" && s.init.name === "orthogonal" && typeof s.init.gain === "number" && s.init.gain > 1);
        }
      } finally {
        model.dispose();
      }
    }
  });
}

test("the residual fix joins every hidden layer but the first (784 → width) to its input", () => {
  const s: fixes.Setting = { fix: catalogue.fixById("residual"), depth: 4, init: "standard", notes: [] };
  const cfg = fixes.experimentConfig(s, tiny, { learningRate: 0.1, seed: 1 });
  const m = new Mlp({ ...cfg.model, inputDim: 784, outputDim: 10 });
  try {
    assert.deepEqual(m.hidden.map((l) => l.residual), [false, true, true, true]);
    const x = tf.randomUniform([5, 784]) as tf.Tensor2D;
    const tr = m.forward(x);
    assert.deepEqual(tr.logits.shape, [5, 10]);
    tr.z.forEach((z) => assert.deepEqual(z.shape, [5, tiny.width]));
    // z_3 = (a_2 + h_1) W_3 + b_3 with h_1 = a_1: the skip really adds the layer's input.
    const expect = tf.add(tf.matMul(tf.add(tr.a[1], tr.a[0]), m.hidden[2].W), m.hidden[2].b!);
    const diff = tf.max(tf.abs(tf.sub(expect, tr.z[2]))).dataSync()[0];
    assert.ok(diff < 1e-5, `z_3 differs by ${diff}`);
    tf.dispose([x, tr.logits, ...tr.z, ...tr.a, expect]);
  } finally {
    m.dispose();
  }
});

// ------------------------------------------------------------------ per-layer learning rates

test("geometric rule: base^(L−l) on hidden layer l (layer 1 = input side), 1 on the output layer", () => {
  assert.deepEqual(fixes.geometricLayerRates(3, 4), [16, 4, 1, 1]);
  assert.deepEqual(fixes.geometricLayerRates(1, 4), [1, 1]);
  assert.deepEqual(fixes.geometricLayerRates(5, 4), [256, 64, 16, 4, 1, 1]);
  assert.throws(() => fixes.geometricLayerRates(0, 4), /depth/);
  assert.throws(() => fixes.geometricLayerRates(3, -1), /base/);
});

test("equalising rule: m_l = r_{L+1} / r_l to 3 digits; a zero-gradient layer is refused", () => {
  assert.deepEqual(fixes.equalizedLayerRates([1e-3, 1e-2, 0.1, 0.5]), [500, 50, 5, 1]);
  assert.deepEqual(fixes.equalizedLayerRates([0.3, 0.9]), [3, 1]);
  assert.deepEqual(fixes.equalizedLayerRates([1 / 3, 1]), [3, 1]);
  assert.throws(() => fixes.equalizedLayerRates([0, 1]), /ratios\[0\]/);
  assert.throws(() => fixes.equalizedLayerRates([1]), /ratios/);
});

test("equalising rule, end to end: one full-batch SGD step changes every layer's weights by the same fraction", async () => {
  // Full batch = the probe points, so the step's gradient is the one the rule measured.
  const b: fixes.Budget = { width: 16, trainLimit: 64, testLimit: 64, epochs: 1, batchSize: 64, probePoints: 64 };
  const depth = 4;
  const s = await fixes.settle(catalogue.fixById("layer-rates-eq"), depth, b);
  const m = s.layerLearningRates!;
  assert.equal(m.length, depth + 1);
  assert.equal(m[depth], 1);
  // Sigmoid with standard init: the gradient shrinks towards the input, so the multipliers grow
  // (layer 1, with 784 inputs, has a much larger weight norm and breaks the pattern).
  for (let l = 1; l < depth; l++) assert.ok(m[l] > m[l + 1], `multipliers ${m.join(", ")}`);
  assert.ok(m[0] > 1, `multipliers ${m.join(", ")}`);
  const cfg = fixes.experimentConfig(s, b, { learningRate: 0.01, seed: 1 });
  const data = loadData(cfg.data, b.probePoints);
  const { model } = buildModel(cfg, data);
  try {
    const before = model.getWeights();
    await train(model, { train: data.train }, { ...cfg.train, maxSteps: 1, probeEverySteps: undefined });
    const after = model.getWeights();
    const frac = (l: number) => {
      const w0 = before[`W${l}`], w1 = after[`W${l}`];
      let d = 0, n = 0;
      for (let i = 0; i < w0.length; i++) { d += (w1[i] - w0[i]) ** 2; n += w0[i] ** 2; }
      return Math.sqrt(d / n);
    };
    const fracs = Array.from({ length: depth + 1 }, (_, i) => frac(i + 1));
    for (const f of fracs) assert.ok(Math.abs(f / fracs[depth] - 1) < 0.01, `update:data per layer ${fracs.map((x) => x.toExponential(3)).join(", ")}`);
  } finally {
    model.dispose();
  }
});

// ------------------------------------------------------------------ isometry, BN init gradients

test("isometry gain: the mean squared singular value of J is 1 at the gain found", async () => {
  const r = await fixes.isometryGain({ activation: "sigmoid", width: 16, depth: 3 }, { cacheDir: cacheDir("iso") });
  assert.ok(Math.abs(r.meanSquaredAtGain - 1) < 0.05, `mean σ² ${r.meanSquaredAtGain} at gain ${r.gain}`);
  const direct = fixes.isometryAt({ activation: "sigmoid", width: 16, depth: 3 }, r.gain);
  assert.ok(Math.abs(direct.meanSquared - r.meanSquaredAtGain) < 1e-9);
  // Below the gain it is smaller, above it larger.
  assert.ok(fixes.isometryAt({ activation: "sigmoid", width: 16, depth: 3 }, r.gain / 2).meanSquared < 1);
  assert.ok(fixes.isometryAt({ activation: "sigmoid", width: 16, depth: 3 }, r.gain * 2).meanSquared > 1);
  // Cached: the second call reads the same result.
  assert.deepEqual(await fixes.isometryGain({ activation: "sigmoid", width: 16, depth: 3 }, { cacheDir: cacheDir("iso") }), r);
});

test("training-mode δ norms equal the probe's without BN; with BN at init they differ (eval mode does not normalise yet)", () => {
  const mk = (bn: boolean): ExperimentConfig =>
    fixes.experimentConfig({ fix: { ...catalogue.BASELINE, batchNorm: bn }, depth: 3, init: "standard", notes: [] }, tiny, { learningRate: 0.1, seed: 1 });
  for (const bn of [false, true]) {
    const cfg = mk(bn);
    const data = loadData(cfg.data, cfg.probePoints);
    const { model } = buildModel(cfg, data);
    const evalMode = probe(model, data.probeTrain).layers.map((l) => l.deltaNorm as number);
    model.dispose();
    const trainMode = fixes.trainingModeDeltaNorms(cfg);
    assert.equal(trainMode.length, 3);
    if (!bn) trainMode.forEach((v, l) => assert.ok(Math.abs(v / evalMode[l] - 1) < 1e-4, `layer ${l + 1}: ${v} vs ${evalMode[l]}`));
    else assert.ok(Math.abs(trainMode[0] / evalMode[0] - 1) > 0.1, `BN layer 1: ${trainMode[0]} vs ${evalMode[0]}`);
  }
});

// ------------------------------------------------------------------ learning-rate rule

test("learning-rate rule: best accuracy; near-ties by lower loss; diverged runs never win", () => {
  const p = (learningRate: number, accuracy: number, loss: number, diverged = false) => ({ learningRate, accuracy, loss, diverged });
  assert.equal(fixes.chooseLearningRate([p(0.1, 0.5, 1), p(0.3, 0.8, 0.7), p(1, 0.7, 0.6)]), 0.3);
  assert.equal(fixes.chooseLearningRate([p(0.1, 0.8, 0.9), p(0.3, 0.8005, 0.7)]), 0.3);
  assert.equal(fixes.chooseLearningRate([p(0.1, 0.8005, 0.9), p(0.3, 0.8, 0.7)]), 0.3);
  assert.equal(fixes.chooseLearningRate([p(0.1, 0.2, 2), p(1, NaN, NaN, true)]), 0.1);
  assert.equal(fixes.chooseLearningRate([p(0.3, NaN, NaN, true), p(1, NaN, NaN, true)]), 0.3);
  assert.throws(() => fixes.chooseLearningRate([]), /sweep points/);
});

test("sweep jobs: one per grid value of the fix's optimizer; validation images come from the training subset only", () => {
  const sweep: fixes.SweepSpec = { validationSize: 64, epochs: 1, seed: 1, sgd: [0.1, 1], adam: [1e-3] };
  const sgdJobs = fixes.sweepJobs({ fix: catalogue.BASELINE, depth: 2, init: "standard", notes: [] }, tiny, sweep);
  const adamJobs = fixes.sweepJobs({ fix: catalogue.fixById("adam"), depth: 2, init: "standard", notes: [] }, tiny, sweep);
  assert.deepEqual(sgdJobs.map((j) => j.config.train.optimizer.learningRate), [0.1, 1]);
  assert.deepEqual(adamJobs.map((j) => [j.config.train.optimizer.kind, j.config.train.optimizer.learningRate]), [["adam", 1e-3]]);
  assert.equal(sgdJobs[0].config.train.epochs, 1);
  const { train: part, validation } = validationSplit(sgdJobs[0]);
  assert.equal(part.n + validation.n, tiny.trainLimit);
  assert.equal(validation.n, 64);
  assert.match(validation.name, /^MNIST.*train.*validation/i);
  assert.throws(() => fixes.sweepJobs({ fix: catalogue.BASELINE, depth: 2, init: "standard", notes: [] }, tiny, { ...sweep, validationSize: tiny.trainLimit }), /validationSize/);
});

// ------------------------------------------------------------------ summaries and prose

test("time to target: linear interpolation between the evaluations that bracket the target", () => {
  const pts = [{ epoch: 0, testAccuracy: 0.1, trainSeconds: 0 }, { epoch: 1, testAccuracy: 0.5, trainSeconds: 4 }, { epoch: 2, testAccuracy: 0.9, trainSeconds: 8 }];
  assert.deepEqual(fixes.timeToTarget(pts, 0.7), { epochs: 1.5, seconds: 6 });
  assert.deepEqual(fixes.timeToTarget(pts, 0.05), { epochs: 0, seconds: 0 });
  assert.deepEqual(fixes.timeToTarget(pts, 0.9), { epochs: 2, seconds: 8 });
  assert.equal(fixes.timeToTarget(pts, 0.95), null);
  assert.equal(fixes.timeToTarget([{ epoch: 1, testAccuracy: NaN, trainSeconds: 1 }], 0.5), null);
});

test("meanStd and geoMeanStd skip non-finite values", () => {
  assert.deepEqual(fixes.meanStd([1, 2, 3, NaN]), { mean: 2, std: 1, n: 3 });
  assert.equal(fixes.meanStd([]).n, 0);
  const g = fixes.geoMeanStd([1e-4, 1e-2, NaN, 0]);
  assert.ok(Math.abs(g.geoMean - 1e-3) < 1e-12 && g.n === 2);
});

test("smoothed: a moving average sampled every stride steps, ending at the last step", () => {
  const s = fixes.smoothed([1, 2, 3, 4, 5], 2, 2);
  assert.deepEqual(s, [{ step: 2, value: 1.5 }, { step: 4, value: 3.5 }, { step: 5, value: 4.5 }]);
});

function fakeResult(fix: catalogue.Fix, depth: number, o: { acc: number; sat: number | null; ratio: number; epochs: number | null; diverged?: boolean }): fixes.FixResult {
  const runs: fixes.RunSummary[] = [1, 2].map((seed) => ({
    name: `${fix.id}-${depth}-${seed}`, depth, seed, learningRate: 0.1,
    failure: o.diverged ? { name: "DivergenceError", message: "x", step: 3, epoch: 1 } : null,
    testAccuracy: o.diverged ? NaN : o.acc, curve: [{ epoch: 1, testAccuracy: o.acc, trainSeconds: 1 }], stepLosses: [2.3, 2.2],
    epochsToTarget: o.epochs, secondsToTarget: o.epochs === null ? null : 2 * o.epochs,
    saturation: o.sat === null ? null : Array.from({ length: depth }, () => o.sat as number), saturationEps: o.sat === null ? null : 0.01,
    derivativeMean: Array.from({ length: depth }, () => 0.2),
    deltaNormInit: Array.from({ length: depth }, (_, l) => o.ratio ** ((depth - 1 - l) / (depth - 1))), deltaNormEnd: Array.from({ length: depth }, () => 1),
    gradRatioInit: o.ratio, gradRatioEnd: 1, trainSeconds: 3,
  }));
  return fixes.aggregate(fix, runs);
}

test("aggregate: mean ± std over finished runs, diverged runs counted, ratios averaged geometrically", () => {
  const r = fakeResult(catalogue.BASELINE, 3, { acc: 0.9, sat: 0.2, ratio: 1e-4, epochs: 2 });
  assert.equal(r.testErrorPercent.mean.toFixed(6), (10).toFixed(6));
  assert.equal(r.reached, 2);
  assert.deepEqual(r.saturation, [0.2, 0.2, 0.2]);
  assert.ok(Math.abs(r.gradRatioInit.geoMean - 1e-4) < 1e-12);
  const d = fakeResult(catalogue.BASELINE, 3, { acc: 0.9, sat: 0.2, ratio: 1e-4, epochs: 2, diverged: true });
  assert.equal(d.diverged, 2);
  assert.equal(d.testAccuracy.n, 0);
  const row = fixes.comparisonRow(d, 0.9);
  assert.match(String(row["test error (%)"]), /2\/2 diverged/);
});

test("closing prose: verdicts come from the numbers", () => {
  const results = [
    fakeResult(catalogue.BASELINE, 2, { acc: 0.11, sat: 0.4, ratio: 1e-3, epochs: null }),
    fakeResult(catalogue.BASELINE, 6, { acc: 0.11, sat: 0.6, ratio: 1e-8, epochs: null }),
    fakeResult(catalogue.fixById("lsuv"), 2, { acc: 0.9, sat: 0.3, ratio: 1e-2, epochs: 2 }),
    fakeResult(catalogue.fixById("lsuv"), 6, { acc: 0.1, sat: 0.5, ratio: 1e-5, epochs: null }),
    fakeResult(catalogue.fixById("relu-he"), 2, { acc: 0.95, sat: null, ratio: 0.8, epochs: 1 }),
    fakeResult(catalogue.fixById("relu-he"), 6, { acc: 0.94, sat: null, ratio: 0.7, epochs: 1 }),
    fakeResult(catalogue.fixById("batchnorm"), 2, { acc: 0.96, sat: 0.01, ratio: 0.5, epochs: 1 }),
    fakeResult(catalogue.fixById("batchnorm"), 6, { acc: 0.95, sat: 0.02, ratio: 0.4, epochs: 1 }),
    fakeResult(catalogue.fixById("adam"), 2, { acc: 0.93, sat: 0.5, ratio: 1e-3, epochs: 1 }),
    fakeResult(catalogue.fixById("adam"), 6, { acc: 0.6, sat: 0.6, ratio: 1e-8, epochs: null }),
  ];
  const v = fixes.verdicts(results, { shallow: 2, deep: 6, targetAccuracy: 0.9 });
  const by = (id: string) => v.verdicts.find((x) => x.fix.id === id)!;
  assert.equal(by("lsuv").failsDeep, true);
  assert.equal(by("relu-he").removesSaturation, null);
  assert.equal(by("relu-he").restoresFlow, true);
  assert.equal(by("batchnorm").removesSaturation, true);
  assert.equal(by("adam").restoresFlow, false);
  assert.equal(by("adam").faster, true);
  assert.equal(by("adam").trainsDeep, true);
  const text = fixes.closingProse(results, { shallow: 2, deep: 6, targetAccuracy: 0.9 }).join("\n");
  assert.match(text, /LSUV on the deep sigmoid net\*\* does \*\*not\*\* train/);
  assert.match(text, /Only speed up training[^\n]*11 · Adam/);
  assert.match(text, /Remove saturation[^\n]*8 · Batch norm/);
  assert.match(text, /Restore gradient flow[^\n]*7 · ReLU/);
  assert.match(text, /keeps the sigmoid: 3 · LSUV/);
  // Trained (≥ 90%) with two asymptotes: LSUV at depth 2 (30%), BN at depths 2 and 6 (1%, 2%), Adam at depth 2 (50%).
  assert.match(text, /Back to the question\.\*\* Of the 4 trained networks[^\n]*from 1\.0% \(8 · Batch norm before the sigmoid, depth 2\) to 50\.0% \(11 · Adam, standard init, depth 2\)/);
  assert.throws(() => fixes.verdicts(results.slice(1), { shallow: 2, deep: 6, targetAccuracy: 0.9 }), /baseline at depth 2/);
});

// ------------------------------------------------------------------ the parallel runner

const small = (seed: number, patch: Partial<ExperimentConfig["train"]> = {}): ExperimentConfig => ({
  name: `par-${seed}`,
  data: { kind: "mnist", trainLimit: 256, testLimit: 128 },
  model: { widths: [16, 16], activation: "sigmoid", init: "normalized", seed },
  train: { epochs: 2, batchSize: 32, optimizer: { kind: "sgd", learningRate: 0.5 }, seed, probeEverySteps: 8, evalTrainSize: 64, ...patch },
  probePoints: 32,
});

/** A record without its wall-clock fields, which differ between any two runs. */
function timeless(o: JobOutcome): unknown {
  return JSON.parse(JSON.stringify(o.ok ? o.value : o.failure, (k, v) => (["wallSeconds", "trainSeconds", "samplesPerSec", "seconds"].includes(k) ? 0 : v)));
}

test("the parallel runner returns the same numbers as a serial run, in order, once per distinct job", async () => {
  const validation: ValidationJob = { kind: "validation", module: JOB_MODULE, config: small(3), validationSize: 64, splitSeed: 1 };
  const trace4: TraceJob = { kind: "trace", module: JOB_MODULE, config: { ...small(4), model: { ...small(4).model, batchNorm: true } }, steps: 12, every: 4, layer: 2, unit: 0, testPoints: 64, tracePoints: 32, percentiles: [15, 50, 85] };
  const jobs: Job[] = [
    { kind: "experiment", config: small(1) },
    { kind: "experiment", config: small(2) },
    validation,
    { kind: "experiment", config: small(1) }, // a duplicate: run once
    trace4,
  ];
  const tensorsBefore = tf.memory().numTensors;
  const events: string[] = [];
  const par = await runJobs(jobs, { workers: 2, cacheDir: cacheDir("par"), onEvent: (e) => events.push(`${e.type}:${e.index}`) });
  const ser = await runJobs(jobs, { workers: 1, cacheDir: cacheDir("ser") });
  assert.equal(tf.memory().numTensors, tensorsBefore, "tensors left in the main thread");
  assert.equal(par.length, jobs.length);
  par.forEach((o, i) => {
    assert.ok(o.ok, `job ${i} failed`);
    assert.equal(o.cache, "miss");
    assert.deepEqual(timeless(o), timeless(ser[i]), `job ${i}: parallel and serial differ`);
  });
  assert.deepEqual(timeless(par[3]), timeless(par[0]));
  assert.equal(events.filter((e) => e.startsWith("start:")).length, 4, events.join(" "));
  const rec = (par[0] as { value: ExperimentRecord }).value;
  assert.equal(rec.result.epochs.length, 2);
  const trace = par[4] as { ok: true; value: fixes.TraceResult };
  assert.deepEqual(trace.value.points.map((p) => p.step), [0, 4, 8, 12]);
  // A second run reads everything from the cache, in this thread.
  const again = await runJobs(jobs, { workers: 2, cacheDir: cacheDir("par"), onEvent: (e) => assert.equal(e.type, "cached") });
  again.forEach((o, i) => {
    assert.equal(o.cache, "hit");
    assert.deepEqual(timeless(o), timeless(par[i]));
  });
});

test("the worker threads are gone when runJobs returns, also after a failure", async () => {
  const workersAlive = () => process.getActiveResourcesInfo().filter((r) => r === "MessagePort" || r === "Worker").length;
  const before = workersAlive();
  // Terminated workers release their ports asynchronously: wait for it (a loaded machine takes longer), up to 5 s.
  const settled = async () => {
    for (let t = 0; t < 50 && workersAlive() !== before; t++) await new Promise((r) => setTimeout(r, 100));
  };
  await runJobs([1, 2].map((s) => ({ kind: "experiment" as const, config: small(10 + s, { epochs: 1 }) })), { workers: 2, cacheDir: cacheDir("alive") });
  await settled();
  assert.equal(workersAlive(), before, process.getActiveResourcesInfo().join(", "));
  // A job that throws something other than a divergence rejects the whole batch and stops the workers.
  const bad = { kind: "experiment" as const, config: { ...small(20), data: { kind: "mnist" as const, trainLimit: 999_999 } } };
  await assert.rejects(runJobs([bad, { kind: "experiment", config: small(21, { epochs: 1 }) }], { workers: 2, cacheDir: cacheDir("alive") }), /trainLimit/);
  await settled();
  assert.equal(workersAlive(), before, process.getActiveResourcesInfo().join(", "));
});

test("a diverging job is an outcome, cached like any other", async () => {
  const cfg = { ...small(30, { optimizer: { kind: "sgd", learningRate: 1e6 } }), model: { widths: [16, 16], activation: "linear" as const, init: { name: "normalized" as const, gain: 4 }, seed: 30 } };
  const job: Job = { kind: "experiment", config: cfg };
  const first = await runJob(job, { cacheDir: cacheDir("div") });
  assert.equal(first.ok, false);
  assert.ok(!first.ok && first.failure.name === "DivergenceError" && (first.failure.step ?? 0) >= 1);
  assert.ok(!first.ok && !/NaN/.test(first.failure.message));
  const [second] = await runJobs([job], { workers: 2, cacheDir: cacheDir("div") });
  assert.equal(second.cache, "hit");
  assert.deepEqual(timeless(second), timeless(first));
  const s = fixes.summarizeRun(cfg, second, 0.9);
  assert.ok(s.failure !== null && Number.isNaN(s.testAccuracy));
});

test("summarizeRun reads test accuracy per epoch, time to target, and init/end probes", async () => {
  const cfg = small(40, { epochs: 2, probeEverySteps: 16 });
  const o = await runJob({ kind: "experiment", config: cfg }, { cacheDir: cacheDir("sum") });
  assert.ok(o.ok);
  const r = (o as { value: ExperimentRecord }).value.result;
  const s = fixes.summarizeRun(cfg, o, 0);
  assert.equal(s.curve.length, 2);
  assert.equal(s.testAccuracy, r.epochs[1].test!.accuracy);
  assert.equal(s.epochsToTarget, 0); // reached before the first step
  const mid = (r.probes[0].snapshots[1].accuracy + r.epochs[0].test!.accuracy) / 2;
  const half = fixes.summarizeRun(cfg, o, mid);
  if (r.epochs[0].test!.accuracy > r.probes[0].snapshots[1].accuracy) {
    assert.ok(Math.abs(half.epochsToTarget! - 0.5) < 1e-9, `epochs to target ${half.epochsToTarget}`);
    assert.ok(Math.abs(half.secondsToTarget! - r.epochs[0].trainSeconds / 2) < 1e-9);
  }
  assert.equal(s.saturation!.length, 2);
  assert.equal(s.gradRatioInit, r.probes[0].snapshots[0].layers[0].deltaNorm! / r.probes[0].snapshots[0].layers[1].deltaNorm!);
  const last = r.probes[r.probes.length - 1].snapshots[0];
  assert.deepEqual(s.derivativeMean, last.layers.map((l) => l.derivativeMean));
  assert.equal(fixes.summarizeRun(cfg, o, 1.01).epochsToTarget, null);
});

test("closing prose: with an unsaturated baseline there is nothing to remove, and fixes that add saturation are named", () => {
  const results = [
    fakeResult(catalogue.BASELINE, 2, { acc: 0.11, sat: 0, ratio: 1e-3, epochs: null }),
    fakeResult(catalogue.BASELINE, 6, { acc: 0.11, sat: 0.001, ratio: 1e-8, epochs: null }),
    fakeResult(catalogue.fixById("residual"), 2, { acc: 0.9, sat: 0.3, ratio: 1, epochs: 1 }),
    fakeResult(catalogue.fixById("residual"), 6, { acc: 0.9, sat: 0.5, ratio: 1, epochs: 1 }),
  ];
  const v = fixes.verdicts(results, { shallow: 2, deep: 6, targetAccuracy: 0.9 }).verdicts[0];
  assert.equal(v.removesSaturation, false);
  assert.equal(v.addsSaturation, true);
  const text = fixes.closingProse(results, { shallow: 2, deep: 6, targetAccuracy: 0.9 }).join("\n");
  assert.match(text, /there is nothing to remove/);
  assert.match(text, /Add saturation[^\n]*9 · Residual connections \(30\.0% at depth 2, 50\.0% at depth 6\)/);
});
