/**
 * Notebook 05's library (lib/chapters/fixes*, lib/run/fixes): every fix makes
 * a valid experiment; the residual block and the centred orthogonal init do
 * what they say; the per-layer rates put the right multiplier on the right
 * layer; the learning-rate rule, the escape step, the statistics over seeds,
 * the verdicts and the prose follow from the numbers; and the worker pool
 * gives the same numbers as a serial run, with the trace job of the
 * batch-norm figure.
 */
import { test, before, after } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { prepareBackend } from "../lib/core/backend";
import { Mlp, validateMlpConfig } from "../lib/core/model";
import { loadData, buildModel, probeSubset, ExperimentConfig } from "../lib/run/experiment";
import { train, validateTrainConfig } from "../lib/core/train";
import { probe } from "../lib/measure/probe";
import { forwardValues } from "../lib/measure/deltas";
import { jacobianMeanSquared } from "../lib/measure/jacobian";
import { meanStd, sampleMeanStd, sampleGeoMeanStd } from "../lib/measure/stats";
import * as fixes from "../lib/chapters/fixes";
import * as catalogue from "../lib/run/fixes";
import { runJobs } from "../lib/run/jobs";
import { Job, JobOutcome, runJob } from "../lib/run/job";

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "sigmoid-lab-fixes-"));
const cacheDir = (name: string) => path.join(TMP, name);

before(async () => {
  await prepareBackend({ quiet: true });
});
after(() => fs.rmSync(TMP, { recursive: true, force: true }));

const tiny: fixes.Budget = {
  width: 12,
  trainLimit: 256,
  testLimit: 128,
  steps: 8,
  target: 0.9,
  checkEvery: 4,
  batchSize: 32,
  probePoints: 32,
  evalTrainSize: 64,
};
const settingOf = (id: string, depth: number, init: fixes.Setting["init"] = "standard"): fixes.Setting => ({
  fix: catalogue.fixById(id),
  depth,
  init,
  notes: [],
});

// ------------------------------------------------------------------ the catalogue and the experiments it makes

test("fix ids are stable and unique, labels unique, and the baseline is the question's network", () => {
  const ids = catalogue.FIXES.map((f) => f.id);
  // 07's playground and the in-browser playground apply fixes by these ids.
  assert.deepEqual(ids, [
    "baseline",
    "normalized",
    "lecun-tanh",
    "lsuv",
    "layer-rates-4x",
    "layer-rates-eq",
    "scaled-sigmoid",
    "penalized-tanh",
    "tanh",
    "tanh-n",
    "softsign",
    "softsign-n",
    "relu-he",
    "batchnorm",
    "residual",
    "orthogonal-isometry",
    "adam",
  ]);
  assert.equal(new Set(catalogue.FIXES.map((f) => f.label)).size, ids.length);
  assert.equal(catalogue.FIXES[0], catalogue.BASELINE);
  assert.deepEqual(
    [catalogue.BASELINE.activation, catalogue.BASELINE.init, catalogue.BASELINE.optimizer],
    ["sigmoid", "standard", "sgd"],
  );
  assert.throws(() => catalogue.fixById("nope"), /fix id/);
  // Normalized init on the sigmoid is marked as our extension; the orthogonal fix centres its biases, and says whose construction that is.
  assert.match(catalogue.fixById("normalized").citation, /no 'Sigmoid N' row/);
  assert.deepEqual(catalogue.fixById("orthogonal-isometry").init, {
    name: "orthogonal",
    gain: "isometry",
    centre: true,
  });
  assert.match(catalogue.fixById("orthogonal-isometry").citation, /centring is ours/);
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
        validateTrainConfig(
          model,
          { train: data.train, test: data.test, probeSets: [data.probeTrain], observe: probe },
          cfg.train,
        );
        assert.equal(model.depth, depth);
        assert.equal(model.act.name, fix.activation);
        assert.equal(
          model.hidden.every((l) => !!l.bn === !!fix.batchNorm),
          true,
        );
        assert.equal(cfg.train.optimizer.kind, fix.optimizer);
        assert.deepEqual(
          [cfg.train.maxSteps, cfg.train.probeEverySteps, cfg.train.epochs],
          [tiny.steps, tiny.steps, 1],
        );
        assert.deepEqual(cfg.data, {
          kind: "mnist",
          trainLimit: tiny.trainLimit,
          heldOut: tiny.probePoints,
          testLimit: tiny.testLimit,
        });
        if (fix.layerRates) assert.equal(cfg.train.layerLearningRates?.length, depth + 1);
        else assert.equal(cfg.train.layerLearningRates, undefined);
        // Only the orthogonal fix centres its biases: every other config's cache key is as before.
        assert.equal(JSON.stringify(cfg).includes("centre"), fix.id === "orthogonal-isometry");
      } finally {
        model.dispose();
      }
    }
  });
}

test("the residual fix: blocks h_l = h_{l−1} + σ(z_l) R_l + c_l on every hidden layer but the first (784 → width)", () => {
  const cfg = fixes.experimentConfig(settingOf("residual", 3), tiny, { learningRate: 0.1, seed: 1 });
  const m = new Mlp({ ...cfg.model, inputDim: 784, outputDim: 10 });
  try {
    assert.deepEqual(
      m.hidden.map((l) => l.residual),
      [false, true, true],
    );
    m.hidden.slice(1).forEach((l) => l.block!.b.assign(tf.fill([tiny.width], 0.05)));
    const diff = tf.tidy(() => {
      const tr = m.forward(tf.randomUniform([5, 784], 0, 1, "float32", 3) as tf.Tensor2D);
      // h_1 = a_1; h_2 = h_1 + a_2 R_2 + c_2; z_3 = h_2 W_3 + b_3.
      const h2 = tr.a[0].add(tf.matMul(tr.a[1], m.hidden[1].block!.W)).add(m.hidden[1].block!.b);
      const z3 = tf.matMul(h2, m.hidden[2].W).add(m.hidden[2].b!);
      return tf.max(tf.abs(tf.sub(z3, tr.z[2]))).dataSync()[0];
    });
    assert.ok(diff < 1e-5, `z_3 differs by ${diff}`);
    // The block's second matrix is drawn like W (standard init: |R| ≤ 1/√width) and trained with its layer.
    const R = m.hidden[1].block!.W.dataSync();
    assert.ok(Math.max(...Array.from(R, Math.abs)) <= 1 / Math.sqrt(tiny.width) && R.some((v) => v !== 0));
    assert.ok(Object.keys(m.getWeights()).includes("R2"));
  } finally {
    m.dispose();
  }
});

test("centred orthogonal init: buildModel makes every z_l zero-mean on the first 512 training images, like LSUV's rescaling on data", async () => {
  const s = await fixes.settle(catalogue.fixById("orthogonal-isometry"), 3, tiny, { cacheDir: cacheDir("centre") });
  assert.ok(typeof s.init === "object" && s.init.centre === true && (s.init.gain ?? 0) > 1);
  const cfg = fixes.experimentConfig(s, tiny, { learningRate: 0.1, seed: 1 });
  const data = loadData(cfg.data, cfg.probePoints);
  const { model } = buildModel(cfg, data);
  const plain = buildModel(
    { ...cfg, model: { ...cfg.model, init: { name: "orthogonal", gain: (s.init as { gain: number }).gain } } },
    data,
  ).model;
  try {
    const n = Math.min(512, data.train.n);
    const pts = { ...data.train, n, x: data.train.x.subarray(0, n * 784), y: data.train.y.subarray(0, n) };
    const zMeans = (m: Mlp) => forwardValues(m, pts).z.map((z) => Math.abs(meanStd(z).mean));
    zMeans(model).forEach((v, l) => assert.ok(v < 1e-4, `layer ${l + 1}: mean z ${v}`));
    assert.ok(Math.max(...zMeans(plain)) > 0.1, "without centring σ's mean of 1/2 shifts z");
  } finally {
    model.dispose();
    plain.dispose();
  }
});

// ------------------------------------------------------------------ per-layer learning rates

test("geometric rule: base^(L−l) on hidden layer l (layer 1 = input side), 1 on the output layer; 4⁹ at depth 10", () => {
  assert.deepEqual(fixes.geometricLayerRates(3, 4), [16, 4, 1, 1]);
  assert.deepEqual(fixes.geometricLayerRates(1, 4), [1, 1]);
  assert.equal(fixes.geometricLayerRates(10, 4)[0], 262_144);
  assert.throws(() => fixes.geometricLayerRates(0, 4), /depth/);
  assert.throws(() => fixes.geometricLayerRates(3, -1), /base/);
});

test("equalising rule: m_l = r_{L+1} / r_l to 3 digits, so m_l r_l / r_{L+1} = 1; a zero-gradient layer is refused", () => {
  const r = [1e-3, 1e-2, 0.1, 0.5];
  assert.deepEqual(fixes.equalizedLayerRates(r), [500, 50, 5, 1]);
  assert.deepEqual(fixes.firstStepRatios(fixes.equalizedLayerRates(r), r), [1, 1, 1, 1]);
  // 4^(L−l) against a gradient that shrinks 10× per layer: the lower layers still move less than the top.
  assert.deepEqual(
    fixes.firstStepRatios([16, 4, 1, 1], [1e-3, 1e-2, 0.1, 0.5]).map((x) => Number(x.toPrecision(3))),
    [0.032, 0.08, 0.2, 1],
  );
  assert.deepEqual(fixes.equalizedLayerRates([1 / 3, 1]), [3, 1]);
  assert.throws(() => fixes.equalizedLayerRates([0, 1]), /ratios\[0\]/);
  assert.throws(() => fixes.firstStepRatios([1], [1, 2]), /multipliers/);
});

test("equalising rule, end to end: one full-batch SGD step changes every layer's weights by the same fraction", async () => {
  // Full batch = the probe points, so the step's gradient is the one the rule measured.
  const b: fixes.Budget = {
    width: 16,
    trainLimit: 64,
    testLimit: 64,
    steps: 1,
    target: null,
    checkEvery: 1,
    batchSize: 64,
    probePoints: 64,
  };
  const depth = 4;
  const s = await fixes.settle(catalogue.fixById("layer-rates-eq"), depth, b);
  const m = s.layerLearningRates!;
  assert.equal(m.length, depth + 1);
  assert.equal(m[depth], 1);
  for (let l = 1; l < depth; l++) assert.ok(m[l] > m[l + 1], `multipliers ${m.join(", ")}`);
  const cfg = fixes.experimentConfig(s, b, { learningRate: 0.01, seed: 1 });
  const data = loadData(cfg.data, b.probePoints);
  const { model } = buildModel(cfg, data);
  try {
    const before = model.getWeights();
    await train(model, { train: data.train }, { ...cfg.train, probeEverySteps: undefined });
    const after = model.getWeights();
    const frac = (l: number) => {
      const w0 = before[`W${l}`],
        w1 = after[`W${l}`];
      let d = 0,
        n = 0;
      for (let i = 0; i < w0.length; i++) {
        d += (w1[i] - w0[i]) ** 2;
        n += w0[i] ** 2;
      }
      return Math.sqrt(d / n);
    };
    const fracs = Array.from({ length: depth + 1 }, (_, i) => frac(i + 1));
    for (const f of fracs)
      assert.ok(
        Math.abs(f / fracs[depth] - 1) < 0.01,
        `update:data per layer ${fracs.map((x) => x.toExponential(3)).join(", ")}`,
      );
  } finally {
    model.dispose();
  }
});

// ------------------------------------------------------------------ isometry, BN init gradients

test("isometry gain (centred biases): 04's Jacobian J = ∂h_L/∂h_1 has mean σ² = 1 on the network fix 10 trains, below 1 at half the gain, above at twice", async () => {
  const opts = { depth: 3, centre: true, budget: tiny };
  const r = await fixes.isometryGain(opts, { cacheDir: cacheDir("iso") });
  assert.ok(
    r.bracketed && Math.abs(r.meanSquaredAtGain - 1) < 0.05,
    `mean σ² ${r.meanSquaredAtGain} at gain ${r.gain}`,
  );
  assert.ok(r.spreadAtGain >= 1 && r.log10Std >= 0);
  // An independent check: the network buildModel makes for fix 10 at gain g·{1/2, 1, 2} (orthogonal, biases
  // centred as in training), its Jacobian from layer 1 to layer 3 at the same random training images.
  const data = loadData(fixes.dataSpec(tiny), tiny.probePoints);
  const pts = probeSubset(data.train, 2, "05: isometry gain, Jacobian points");
  const at = (g: number) => {
    const cfg = fixes.experimentConfig(
      {
        fix: catalogue.fixById("orthogonal-isometry"),
        depth: 3,
        init: { name: "orthogonal", gain: g, centre: true },
        notes: [],
      },
      tiny,
      { learningRate: 0.1, seed: 1 },
    );
    const { model } = buildModel(cfg, data);
    try {
      return jacobianMeanSquared(model, pts.x, pts.n, 1, 3);
    } finally {
      model.dispose();
    }
  };
  assert.ok(
    Math.abs(at(r.gain) - r.meanSquaredAtGain) < 1e-5 * r.meanSquaredAtGain,
    `${at(r.gain)} vs ${r.meanSquaredAtGain}`,
  );
  assert.ok(at(r.gain / 2) < 1 && at(r.gain * 2) > 1);
  assert.deepEqual(await fixes.isometryGain(opts, { cacheDir: cacheDir("iso") }), r);
});

test("training-mode δ norms equal the probe's without BN; with BN at init they differ (eval mode does not normalise yet)", () => {
  for (const bn of [false, true]) {
    const cfg = fixes.experimentConfig(
      { fix: { ...catalogue.BASELINE, batchNorm: bn }, depth: 3, init: "standard", notes: [] },
      tiny,
      { learningRate: 0.1, seed: 1 },
    );
    const data = loadData(cfg.data, cfg.probePoints);
    const { model } = buildModel(cfg, data);
    const evalMode = probe(model, data.probeTrain).layers.map((l) => l.deltaNorm as number);
    model.dispose();
    const trainMode = fixes.trainingModeDeltaNorms(cfg);
    assert.equal(trainMode.length, 3);
    if (!bn)
      trainMode.forEach((v, l) =>
        assert.ok(Math.abs(v / evalMode[l] - 1) < 1e-4, `layer ${l + 1}: ${v} vs ${evalMode[l]}`),
      );
    else assert.ok(Math.abs(trainMode[0] / evalMode[0] - 1) > 0.1, `BN layer 1: ${trainMode[0]} vs ${evalMode[0]}`);
  }
});

// ------------------------------------------------------------------ the learning-rate rule

const pt = (
  learningRate: number,
  accuracy: number,
  loss: number,
  diverged = false,
  reachedAt: number | null = null,
): fixes.RatePoint => ({ learningRate, accuracy, loss, diverged, reachedAt });
const V: fixes.ValidationSet = { n: 1000, chance: 0.11 };

test("learning-rate rule: at chance no rate is picked by noise — the largest rate that did not diverge, marked so", () => {
  // 3 standard errors above 11% on 1,000 images: 11% + 3·√(0.11·0.89/1000) = 13.97%.
  assert.ok(Math.abs(fixes.chanceThreshold(V) - (0.11 + 3 * Math.sqrt((0.11 * 0.89) / 1000))) < 1e-12);
  // The old tie-break would have taken 0.3 (lowest loss); every accuracy here is at chance.
  const atChance = [pt(0.1, 0.113, 2.302), pt(0.3, 0.118, 2.2995), pt(1, 0.105, 2.3011), pt(3, NaN, NaN, true)];
  assert.deepEqual(fixes.chooseLearningRate(atChance, V), {
    kind: "none leaves chance",
    learningRate: 1,
    bestAccuracy: 0.118,
  });
  assert.deepEqual(fixes.chooseLearningRate([pt(0.3, NaN, NaN, true), pt(1, NaN, NaN, true)], V), {
    kind: "all diverged",
    learningRate: 0.3,
  });
  assert.throws(() => fixes.chooseLearningRate([], V), /rate points/);
  assert.throws(() => fixes.chooseLearningRate(atChance, { n: 0, chance: 0.1 }), /validation set/);
});

test("learning-rate rule: the best accuracy above chance wins; within one standard error of it, the lower validation loss", () => {
  // 0.90 vs 0.80 on 1,000 images: 10 points apart, SE of the difference 1.6 points — a clear winner.
  assert.deepEqual(fixes.chooseLearningRate([pt(0.1, 0.8, 0.6), pt(0.3, 0.9, 0.4), pt(1, 0.12, 2.2)], V), {
    kind: "best",
    learningRate: 0.3,
    accuracy: 0.9,
    tied: [0.3],
  });
  // 0.900 vs 0.905: SE = √((0.09 + 0.086)/1000) = 1.3 points > 0.5 — tied; lower loss (rate 1) wins.
  const c = fixes.chooseLearningRate([pt(0.3, 0.905, 0.35), pt(1, 0.9, 0.3)], V);
  assert.deepEqual(c, { kind: "best", learningRate: 1, accuracy: 0.9, tied: [0.3, 1] });
  assert.equal(fixes.tiedAccuracies(0.905, 0.9, 1000), true);
  assert.equal(fixes.tiedAccuracies(0.93, 0.9, 1000), false);
  // A rate just above chance beats the rest at chance, whatever their losses.
  assert.equal(fixes.chooseLearningRate([pt(0.1, 0.2, 2.25), pt(1, 0.11, 1.0)], V).learningRate, 0.1);
});

test("learning-rate rule: rates that reached the target come first — the fewest steps, then the lower loss", () => {
  const c = fixes.chooseLearningRate(
    [pt(0.1, 0.91, 0.3, false, 800), pt(0.3, 0.92, 0.28, false, 400), pt(1, 0.93, 0.25, false, 400), pt(3, 0.95, 0.2)],
    V,
  );
  assert.deepEqual(c, { kind: "fastest to target", learningRate: 1, reachedAt: 400, tied: [0.3, 1] });
});

test("the rule's runs: seed 1 at every rate of the optimizer's grid for the sweep's steps; seeds at the chosen rate for the full budget", () => {
  const grid: fixes.RateGrid = { sgd: [0.25, 1, 4], adam: [1e-3] };
  const [sgd, adam] = fixes.rateRuns([settingOf("baseline", 2), settingOf("adam", 2)], tiny, grid, 4);
  assert.deepEqual(
    sgd.jobs.map((j) => [j.config.train.optimizer.learningRate, j.config.train.maxSteps, j.config.train.seed]),
    [
      [0.25, 4, 1],
      [1, 4, 1],
      [4, 4, 1],
    ],
  );
  assert.deepEqual(
    adam.jobs.map((j) => [j.config.train.optimizer.kind, j.config.train.optimizer.learningRate]),
    [["adam", 1e-3]],
  );
  assert.deepEqual(
    [sgd.jobs[0].kind, sgd.jobs[0].target, sgd.jobs[0].checkEvery],
    ["fixrun", tiny.target, tiny.checkEvery],
  );
  const fake = (reachedAt: number | null): JobOutcome => ({
    ok: true,
    cache: "hit",
    value: { reachedAt } as unknown as fixes.FixRunRecord,
  });
  const runs = fixes.seedRuns(settingOf("baseline", 2), tiny, 1, 3, { job: sgd.jobs[1], outcome: fake(4) });
  assert.deepEqual(
    runs.map((r) => [r.seed, r.job.config.train.maxSteps, r.known !== null]),
    [
      [1, tiny.steps, true],
      [2, tiny.steps, false],
      [3, tiny.steps, false],
    ],
  );
  // A sweep run that never reached the target was cut short by the sweep: seed 1 trains again, in full.
  assert.equal(
    fixes.seedRuns(settingOf("baseline", 2), tiny, 1, 2, { job: sgd.jobs[1], outcome: fake(null) })[0].known,
    null,
  );
  assert.equal(
    fixes.seedRuns(settingOf("baseline", 2), tiny, 4, 2, { job: sgd.jobs[1], outcome: fake(4) })[0].known,
    null,
    "another rate's sweep run",
  );
  assert.throws(() => fixes.learningRateGrid(catalogue.BASELINE, { sgd: [], adam: [1e-3] }), /grid/);
  assert.throws(() => fixes.validateBudget({ ...tiny, steps: 10 }), /multiple of checkEvery/);
});

test("a sweep run that reached the target is the full run's seed 1: same steps, same numbers", async () => {
  const b: fixes.Budget = { ...tiny, width: 16, trainLimit: 512, steps: 64, checkEvery: 8, target: 0.3 };
  const s = settingOf("relu-he", 2, "he");
  const [short] = fixes.rateRuns([s], b, { sgd: [0.1], adam: [] }, 32);
  const full = fixes.fixRunJob(s, b, { learningRate: 0.1, seed: 1 });
  const [a, c] = await runJobs([short.jobs[0], full], { workers: 1, cacheDir: cacheDir("reuse") });
  assert.ok(a.ok && c.ok);
  const ra = a.value as fixes.FixRunRecord,
    rc = c.value as fixes.FixRunRecord;
  assert.ok(ra.reachedAt !== null && ra.reachedAt < 32, `reached at ${ra.reachedAt}`);
  assert.deepEqual([ra.reachedAt, ra.stepLosses, ra.test], [rc.reachedAt, rc.stepLosses, rc.test]);
});

test("a chapter job's cache entry belongs to its training path: the fast kernel's is not read by tfjs, and back", async () => {
  const b: fixes.Budget = { ...tiny, width: 16, trainLimit: 512, steps: 16, checkEvery: 8, target: 0.99 };
  const job = fixes.fixRunJob(settingOf("baseline", 2), b, { learningRate: 0.1, seed: 1 });
  const dir = cacheDir("paths");
  const saved = process.env.SIGMOID_LAB_FAST;
  const on = async (setting: string) => {
    process.env.SIGMOID_LAB_FAST = setting;
    const [o] = await runJobs([job], { workers: 1, cacheDir: dir });
    assert.ok(o.ok);
    return o;
  };
  try {
    const fast = await on("1"),
      slow = await on("0");
    assert.equal(fast.cache, "miss");
    assert.equal(slow.cache, "miss", "tfjs trains its own entry");
    assert.equal((await on("1")).cache, "hit");
    assert.equal((await on("0")).cache, "hit");
    const lf = (fast.value as fixes.FixRunRecord).stepLosses,
      ls = (slow.value as fixes.FixRunRecord).stepLosses;
    assert.ok(
      lf.every((x, i) => Math.abs(x - ls[i]) < 1e-4),
      "the two paths train the same network",
    );
  } finally {
    if (saved === undefined) delete process.env.SIGMOID_LAB_FAST;
    else process.env.SIGMOID_LAB_FAST = saved;
  }
});

test("decided rates: each setting's own sweep outcomes; seeds at the chosen rate, seed 1 reused when it reached the target; the deep depth carries the shallow rate", () => {
  const grid: fixes.RateGrid = { sgd: [0.25, 1], adam: [1e-3] };
  const runs = fixes.rateRuns([settingOf("baseline", 2), settingOf("adam", 2)], tiny, grid, 8);
  const rec = (accuracy: number, reachedAt: number | null): JobOutcome => ({
    ok: true,
    cache: "miss",
    value: {
      reachedAt,
      checks: [
        { step: 0, accuracy: 0.1, loss: 2.3 },
        { step: 8, accuracy, loss: 1 - accuracy },
      ],
    } as unknown as fixes.FixRunRecord,
  });
  // Baseline: 0.25 at chance, 1 reaches the target at step 8; Adam: its one rate, above chance.
  const ds = fixes.decideRates(runs, [rec(0.1, null), rec(0.95, 8), rec(0.6, null)], { n: 1000, chance: 0.11 });
  assert.deepEqual(
    ds.map((d) => [
      d.setting.fix.id,
      d.choice.kind,
      d.choice.learningRate,
      d.sweep?.job.config.train.optimizer.learningRate,
    ]),
    [
      ["baseline", "fastest to target", 1, 1],
      ["adam", "best", 1e-3, 1e-3],
    ],
  );
  const plan = fixes.seedPlan(ds, tiny, 2);
  assert.deepEqual(
    plan.runs.map((r) => r.map((s) => s.known !== null)),
    [
      [true, false],
      [false, false],
    ],
    "only the baseline's seed 1 reached the target in the sweep",
  );
  assert.deepEqual(
    plan.toTrain.map((j) => [j.config.model.seed, j.config.train.optimizer.learningRate]),
    [
      [2, 1],
      [1, 1e-3],
      [2, 1e-3],
    ],
  );
  const deep = fixes.carryRates(ds, [settingOf("baseline", 6), settingOf("adam", 6)]);
  assert.deepEqual(
    deep.map((d) => [d.setting.depth, d.choice, d.sweep, d.points]),
    [
      [6, ds[0].choice, null, []],
      [6, ds[1].choice, null, []],
    ],
  );
  assert.throws(() => fixes.carryRates(ds.slice(0, 1), [settingOf("adam", 6)]), /adam/);
});

test("validation set: the held-out probe points, with chance = the share of their most frequent class", () => {
  const v = fixes.validationSet(tiny);
  const held = loadData(fixes.dataSpec(tiny), tiny.probePoints).probeHeldOut;
  const counts = new Array(10).fill(0);
  held.y.forEach((y) => counts[y]++);
  assert.deepEqual(v, { n: tiny.probePoints, chance: Math.max(...counts) / tiny.probePoints });
  assert.equal(fixes.majorityShare([1, 1, 2, 3]), 0.5);
});

// ------------------------------------------------------------------ escape, statistics over seeds

test("escape step: the first step whose trailing mean loss over the window is below ln 10 − margin", () => {
  const plateau = Array.from({ length: 100 }, () => Math.log(10));
  const drop = Array.from({ length: 100 }, () => 1.0);
  const rule = { window: 10, margin: 0.3 };
  // Mean of the last 10 < 2.003 once k of them are 1.0: (10 − k)·2.3026 + k < 20.026 ⟺ k > 2.30, so k = 3: step 103.
  assert.equal(fixes.escapeStep([...plateau, ...drop], rule), 103);
  assert.equal(fixes.escapeStep(plateau, rule), null);
  assert.equal(fixes.escapeStep([1, 1, 1], rule), null, "shorter than the window");
  assert.equal(
    fixes.escapeStep(
      Array.from({ length: 10 }, () => 1),
      rule,
    ),
    10,
  );
  assert.throws(() => fixes.escapeStep(drop, { window: 0, margin: 0.3 }), /escape window/);
});

test("statistics: meanStd is the population one (÷ n); sampleMeanStd divides by n − 1 and counts the non-finite values it drops", () => {
  assert.deepEqual(meanStd([1, 2, 3, 4]), { mean: 2.5, std: Math.sqrt(1.25) });
  assert.deepEqual(sampleMeanStd([1, 2, 3, NaN, Infinity]), { mean: 2, std: 1, n: 3, dropped: 2 });
  assert.deepEqual(sampleMeanStd([5]), { mean: 5, std: 0, n: 1, dropped: 0 });
  assert.deepEqual(sampleMeanStd([NaN]), { mean: NaN, std: NaN, n: 0, dropped: 1 });
  const g = sampleGeoMeanStd([1e-4, 1e-2, NaN, 0]);
  assert.ok(
    Math.abs(g.geoMean - 1e-3) < 1e-15 && Math.abs(g.log10Std - Math.SQRT2) < 1e-12 && g.n === 2 && g.dropped === 2,
  );
});

test("smoothed: a moving average sampled every stride steps, ending at the last step", () => {
  assert.deepEqual(fixes.smoothed([1, 2, 3, 4, 5], 2, 2), [
    { step: 2, value: 1.5 },
    { step: 4, value: 3.5 },
    { step: 5, value: 4.5 },
  ]);
});

// ------------------------------------------------------------------ aggregates, verdicts and prose

interface Fake {
  acc: number;
  sat: number | null;
  flat?: number;
  ratio: number;
  ratioEnd?: number;
  update?: number;
  escape: number | null;
  diverged?: boolean;
}
function fakeResult(
  fix: catalogue.Fix,
  depth: number,
  o: Fake,
  rate: fixes.RateChoice = { kind: "best", learningRate: 0.1, accuracy: o.acc, tied: [0.1] },
): fixes.FixResult {
  const runs: fixes.RunSummary[] = [1, 2].map((seed) => ({
    name: `${fix.id}-${depth}-${seed}`,
    depth,
    seed,
    learningRate: 0.1,
    failure: o.diverged ? { name: "DivergenceError", message: "x", step: 3, epoch: 1 } : null,
    testAccuracy: o.diverged ? NaN : o.acc + (seed - 1.5) * 0.01,
    checks: [{ step: 0, accuracy: 0.1, loss: 2.3 }],
    stepLosses: [2.3, 2.2],
    reachedAt: o.acc >= 0.9 ? 1000 : null,
    escapeStep: o.escape === null ? null : o.escape + (seed - 1.5) * 100,
    steps: 1000,
    saturation: o.sat === null ? null : Array.from({ length: depth }, () => o.sat as number),
    saturationEps: o.sat === null ? null : 0.01,
    flat: Array.from({ length: depth }, () => o.flat ?? o.sat ?? 0),
    flatDelta: 0.0396,
    derivativeMean: Array.from({ length: depth }, () => 0.2),
    deltaNormInit: Array.from({ length: depth }, (_, l) => o.ratio ** ((depth - 1 - l) / (depth - 1))),
    deltaNormEnd: Array.from({ length: depth }, () => 1),
    gradRatioInit: o.ratio,
    gradRatioEnd: o.ratioEnd ?? 1,
    updateRatioEnd: o.update ?? 1,
    trainSeconds: 3,
  }));
  return fixes.aggregate(fix, rate, runs);
}

test("aggregate: mean ± sample std over finished runs, diverged runs counted, ratios averaged geometrically", () => {
  const r = fakeResult(catalogue.BASELINE, 3, { acc: 0.9, sat: 0.2, ratio: 1e-4, escape: 500 });
  assert.ok(
    Math.abs(r.testErrorPercent.mean - 10) < 1e-9 && Math.abs(r.testErrorPercent.std - Math.SQRT1_2) < 1e-9,
    JSON.stringify(r.testErrorPercent),
  );
  assert.deepEqual([r.escaped, r.escapeStep.mean], [2, 500]);
  assert.deepEqual(r.saturation, [0.2, 0.2, 0.2]);
  assert.ok(Math.abs(r.gradRatioInit.geoMean - 1e-4) < 1e-12);
  const d = fakeResult(catalogue.BASELINE, 3, { acc: 0.9, sat: 0.2, ratio: 1e-4, escape: 500, diverged: true });
  assert.deepEqual([d.diverged, d.testAccuracy.n, d.testAccuracy.dropped], [2, 0, 0]);
  assert.match(String(fixes.comparisonRow(d)["test error (%)"]), /2\/2 diverged/);
  const none = fakeResult(
    catalogue.BASELINE,
    3,
    { acc: 0.11, sat: 0.2, ratio: 1e-4, escape: null },
    { kind: "none leaves chance", learningRate: 4, bestAccuracy: 0.12 },
  );
  assert.equal(fixes.comparisonRow(none)["learning rate"], "4 (no rate leaves chance)");
  assert.equal(fixes.comparisonRow(none)["left the plateau at step"], "never (0/2)");
});

const verdictCase = () => [
  fakeResult(catalogue.BASELINE, 2, { acc: 0.88, sat: 0.4, ratio: 1e-3, ratioEnd: 0.05, update: 1e-3, escape: 3000 }),
  fakeResult(catalogue.BASELINE, 6, { acc: 0.11, sat: 0.6, ratio: 1e-8, ratioEnd: 1e-6, update: 1e-7, escape: null }),
  fakeResult(catalogue.fixById("lsuv"), 2, { acc: 0.9, sat: 0.3, ratio: 1e-2, escape: 800 }),
  fakeResult(catalogue.fixById("lsuv"), 6, { acc: 0.1, sat: 0.5, ratio: 1e-5, escape: null }),
  fakeResult(catalogue.fixById("relu-he"), 2, { acc: 0.95, sat: null, flat: 0.45, ratio: 0.8, escape: 60 }),
  fakeResult(catalogue.fixById("relu-he"), 6, { acc: 0.94, sat: null, flat: 0.5, ratio: 0.7, escape: 60 }),
  fakeResult(catalogue.fixById("batchnorm"), 2, { acc: 0.96, sat: 0.001, ratio: 0.5, escape: 50 }),
  fakeResult(catalogue.fixById("batchnorm"), 6, { acc: 0.95, sat: 0.002, ratio: 0.4, escape: 50 }),
  fakeResult(catalogue.fixById("adam"), 2, {
    acc: 0.93,
    sat: 0.5,
    ratio: 1e-3,
    ratioEnd: 0.5,
    update: 0.5,
    escape: 100,
  }),
  fakeResult(catalogue.fixById("adam"), 6, { acc: 0.6, sat: 0.6, ratio: 1e-8, ratioEnd: 0.3, update: 2, escape: 900 }),
  // Run at the shallow depth only.
  fakeResult(catalogue.fixById("tanh"), 2, { acc: 0.9, sat: 0.02, flat: 0.01, ratio: 0.02, escape: 2000 }),
];

test("verdicts: thresholds of VERDICT_RULES on test error, the flat share at the shallow depth, and flow at init and at the end", () => {
  const v = fixes.verdicts(verdictCase(), { shallow: 2, deep: 6 });
  const by = (id: string) => v.verdicts.find((x) => x.fix.id === id)!;
  assert.equal(fixes.trains(v.baseline.shallow), true); // 12% error ≤ 15%
  assert.deepEqual([by("lsuv").trainsShallow, by("lsuv").trainsDeep, by("lsuv").failsDeep], [true, false, true]);
  assert.deepEqual(
    [by("relu-he").addsSaturation, by("relu-he").removesSaturation],
    [false, false],
    "ReLU's 45% flat vs the baseline's 40%",
  );
  assert.deepEqual([by("batchnorm").removesSaturation, by("tanh").removesSaturation], [true, true]);
  assert.deepEqual([by("tanh").trainsDeep, by("tanh").failsDeep, by("tanh").deep], [null, null, null]);
  assert.deepEqual([by("adam").evenFlowInit, by("adam").evenFlowEnd, by("adam").evenUpdatesEnd], [false, true, true]);
  assert.deepEqual(
    [by("adam").trainsDeep, by("adam").failsDeep],
    [false, false],
    "60%: neither trains (≤ 15% error) nor fails (< 20%)",
  );
  assert.deepEqual([by("adam").escapesSooner, by("tanh").escapesSooner, by("lsuv").escapesSooner], [true, true, true]);
  assert.equal(fixes.meanEscape(v.baseline.deep!), Infinity);
  assert.throws(() => fixes.verdicts(verdictCase().slice(1), { shallow: 2, deep: 6 }), /baseline at depth 2/);
});

test("closing prose and findings: generated from the verdicts", () => {
  const results = verdictCase();
  const text = fixes.closingProse(results, { shallow: 2, deep: 6 }).join("\n");
  assert.match(
    text,
    /\*\*The baseline\.\*\* [^\n]*12\.0 ± 0\.7% test error at depth 2 and 89\.0 ± 0\.7% test error at depth 6/,
  );
  assert.match(text, /Remove saturation[^\n]*50% of the baseline's 40\.0%[^\n]*8 · Batch norm[^\n]*6a · tanh/);
  assert.match(text, /\*\*Adam\*\* does not change the gradient at init[^\n]*the per-parameter steps do even out/);
  assert.match(
    text,
    /Train the deep net\*\* \(depth 6[^\n]*4 fixes run there\): 7 · ReLU, He init[^\n]*; 8 · Batch norm/,
  );
  assert.match(text, /Fail at depth 6[^\n]*3 · LSUV/);
  assert.match(text, /Back to the question\.\*\* Of the 6 trained networks/);
  const f = fixes.fixesFindings(results, { shallow: 2, deep: 6 }, tiny, 2);
  assert.deepEqual(
    [f.steps, f.samplesPerRun, f.rows.length],
    [tiny.steps, tiny.steps * tiny.batchSize, results.length],
  );
  assert.deepEqual(f.trainsDeep, ["relu-he", "batchnorm"]);
  assert.deepEqual(f.deepRun, ["lsuv", "relu-he", "batchnorm", "adam"]);
  assert.deepEqual(f.restoresFlowEnd, ["lsuv", "relu-he", "batchnorm", "adam", "tanh"]);
  assert.equal(f.rows.find((r) => r.id === "baseline" && r.depth === 2)!.testErrorPercent.toFixed(6), (12).toFixed(6));
});

// ------------------------------------------------------------------ the worker pool, with 05's trace job

const small = (seed: number, patch: Partial<ExperimentConfig["train"]> = {}): ExperimentConfig => ({
  name: `par-${seed}`,
  data: { kind: "mnist", trainLimit: 256, testLimit: 128, heldOut: 64 },
  model: { widths: [16, 16], activation: "sigmoid", init: "normalized", seed },
  train: {
    epochs: 2,
    maxSteps: 16,
    batchSize: 32,
    optimizer: { kind: "sgd", learningRate: 0.5 },
    seed,
    probeEverySteps: 8,
    evalTrainSize: 64,
    ...patch,
  },
  probePoints: 32,
});

/** A "fixrun" job of a small config: every step trained (no target), checked every 8 steps. */
const asJob = (config: ExperimentConfig, target: number | null = null): fixes.FixRunJob => ({
  kind: "fixrun",
  module: fixes.JOB_MODULE,
  config,
  target,
  checkEvery: 8,
});

/** A record without its wall-clock fields, which differ between any two runs. */
function timeless(o: JobOutcome): unknown {
  return JSON.parse(
    JSON.stringify(o.ok ? o.value : o.failure, (k, v) =>
      ["wallSeconds", "trainSeconds", "samplesPerSec", "seconds"].includes(k) ? 0 : v,
    ),
  );
}

test("the parallel runner returns the same numbers as a serial run, in order, once per distinct job", async () => {
  const spec: fixes.BnFigureSpec = {
    widths: [16, 16],
    batchSize: 32,
    steps: 12,
    every: 4,
    trainLimit: 256,
    validationSize: 64,
    seed: 4,
    testPoints: 64,
    tracePoints: 32,
    init: "lecun",
  };
  const trace = fixes.bnFigureJob(spec, true, 0.5, 32);
  const jobs: Job[] = [asJob(small(1)), asJob(small(2)), asJob(small(1)), trace];
  const tensorsBefore = tf.memory().numTensors;
  const events: string[] = [];
  const par = await runJobs(jobs, {
    workers: 2,
    cacheDir: cacheDir("par"),
    onEvent: (e) => events.push(`${e.type}:${e.index}`),
  });
  const ser = await runJobs(jobs, { workers: 1, cacheDir: cacheDir("ser") });
  assert.equal(tf.memory().numTensors, tensorsBefore, "tensors left in the main thread");
  par.forEach((o, i) => {
    assert.ok(o.ok, `job ${i} failed`);
    assert.deepEqual(timeless(o), timeless(ser[i]), `job ${i}: parallel and serial differ`);
  });
  assert.deepEqual(timeless(par[2]), timeless(par[0]));
  assert.equal(events.filter((e) => e.startsWith("start:")).length, 3, events.join(" "));
  const t = (par[3] as { value: fixes.TraceResult }).value;
  assert.deepEqual(
    t.points.map((p) => p.step),
    [0, 4, 8, 12],
  );
  assert.ok(t.validation.n === 64 && t.validation.accuracy >= 0 && t.validation.accuracy <= 1);
  const again = await runJobs(jobs, {
    workers: 2,
    cacheDir: cacheDir("par"),
    onEvent: (e) => assert.equal(e.type, "cached"),
  });
  again.forEach((o, i) => assert.deepEqual(timeless(o), timeless(par[i])));
});

test("the worker threads are gone when runJobs returns, also after a failure", async () => {
  const workersAlive = () =>
    process.getActiveResourcesInfo().filter((r) => r === "MessagePort" || r === "Worker").length;
  const before = workersAlive();
  const settled = async () => {
    for (let t = 0; t < 50 && workersAlive() !== before; t++) await new Promise((r) => setTimeout(r, 100));
  };
  await runJobs(
    [1, 2].map((s) => asJob(small(10 + s, { maxSteps: 8 }))),
    { workers: 2, cacheDir: cacheDir("alive") },
  );
  await settled();
  assert.equal(workersAlive(), before, process.getActiveResourcesInfo().join(", "));
  const bad = asJob({ ...small(20), data: { kind: "mnist" as const, trainLimit: 999_999, heldOut: 64 } });
  await assert.rejects(
    runJobs([bad, asJob(small(21, { maxSteps: 8 }))], { workers: 2, cacheDir: cacheDir("alive") }),
    /trainLimit/,
  );
  await settled();
  assert.equal(workersAlive(), before, process.getActiveResourcesInfo().join(", "));
});

test("a diverging job is an outcome, cached like any other, and summarised as a failure", async () => {
  const cfg = {
    ...small(30, { optimizer: { kind: "sgd", learningRate: 1e6 } }),
    model: {
      widths: [16, 16],
      activation: "linear" as const,
      init: { name: "normalized" as const, gain: 4 },
      seed: 30,
    },
  };
  const first = await runJob(asJob(cfg), { cacheDir: cacheDir("div") });
  assert.ok(!first.ok && first.failure.name === "DivergenceError" && !/NaN/.test(first.failure.message));
  const [second] = await runJobs([asJob(cfg)], { workers: 2, cacheDir: cacheDir("div") });
  assert.equal(second.cache, "hit");
  assert.deepEqual(timeless(second), timeless(first));
  assert.ok(Number.isNaN(fixes.summarizeRun(asJob(cfg), second).testAccuracy));
  assert.equal(fixes.ratePoint(1e6, second).diverged, true);
});

test("fixrun: stops at the first check that reaches the target; a checkEvery that does not divide the steps is refused", async () => {
  const cfg = small(50, { maxSteps: 64, epochs: 8 });
  const [free, stopped] = await runJobs([asJob(cfg), asJob(cfg, 0.2)], { workers: 1, cacheDir: cacheDir("target") });
  assert.ok(free.ok && stopped.ok);
  const f = free.value as fixes.FixRunRecord,
    s = stopped.value as fixes.FixRunRecord;
  const first = f.checks.find((c) => c.step > 0 && c.accuracy >= 0.2);
  assert.ok(first, `no check reached 0.2: ${f.checks.map((c) => c.accuracy).join(", ")}`);
  assert.equal(f.reachedAt, null, "no target, no stop");
  assert.deepEqual([s.reachedAt, s.steps, s.stepLosses], [first.step, first.step, f.stepLosses.slice(0, first.step)]);
  assert.deepEqual(
    f.checks.map((c) => c.step),
    [0, 8, 16, 24, 32, 40, 48, 56, 64],
  );
  const badCheck: fixes.FixRunJob = { ...asJob(cfg), checkEvery: 5 };
  await assert.rejects(runJobs([badCheck], { workers: 1, cacheDir: cacheDir("target") }), /checkEvery/);
});

test("summarizeRun reads the final test accuracy, the validation checks, escape, flat, δ and update ratios", async () => {
  const job = asJob(small(40));
  const o = await runJob(job, { cacheDir: cacheDir("sum") });
  assert.ok(o.ok);
  const r = o.value as fixes.FixRunRecord;
  const s = fixes.summarizeRun(job, o);
  assert.equal(s.testAccuracy, r.test.accuracy);
  const last = r.checks[r.checks.length - 1];
  assert.deepEqual(fixes.ratePoint(0.5, o), {
    learningRate: 0.5,
    accuracy: last.accuracy,
    loss: last.loss,
    diverged: false,
    reachedAt: null,
  });
  assert.equal(s.escapeStep, fixes.escapeStep(r.stepLosses));
  assert.deepEqual(
    s.flat,
    r.end.train.layers.map((l) => l.flat.total),
  );
  assert.equal(s.gradRatioInit, r.init.train.layers[0].deltaNorm! / r.init.train.layers[1].deltaNorm!);
  assert.equal(s.updateRatioEnd, r.lastUpdate![0] / r.lastUpdate![1]);
  // For the sigmoid, flat at δ = 4ε(1 − ε) and near an asymptote at ε select the same entries (up to float rounding at the edge).
  s.flat.forEach((f, l) =>
    assert.ok(Math.abs(f - s.saturation![l]) < 1e-3, `layer ${l + 1}: flat ${f} vs saturated ${s.saturation![l]}`),
  );
});
