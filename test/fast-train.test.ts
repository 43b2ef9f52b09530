/**
 * train() on the fast path (lib/core/steppers.ts, lib/core/fast/route.ts):
 * which configurations it takes and which go to tfjs (and why), that the
 * model callers see is the trained one wherever they look at it (probes,
 * onStep, onEpoch, the end), that a seed reproduces a run bit for bit, and
 * that nothing leaks. The agreement with the tfjs path in numbers is
 * test/fast-tfjs.test.ts.
 */
import { test, before } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { prepareBackend } from "../lib/core/backend";
import { loadMnist } from "../lib/data/mnist";
import { Mlp, MlpConfig } from "../lib/core/model";
import { TrainConfig, evaluate, train } from "../lib/core/train";
import { ConfigError } from "../lib/core/errors";
import { FAST_ENV, trainingPath } from "../lib/core/fast/route";
import { enableRelaxedSimd } from "../lib/core/fast/wasm";

/** The build train() takes by default: relaxed SIMD wherever the engine runs it (Node 20 after its flag, Node 22). */
const DEFAULT_VARIANT = enableRelaxedSimd() ? "relaxed" : "simd";
import { cacheKeyOf, ExperimentConfig } from "../lib/run/experiment";

before(async () => {
  await prepareBackend({ quiet: true });
});

const data = loadMnist("train", { limit: 512 });
const modelConfig: MlpConfig = {
  inputDim: 784,
  widths: [40, 24],
  outputDim: 10,
  activation: "sigmoid",
  init: "standard",
  seed: 3,
};
const trainConfig: TrainConfig = {
  epochs: 2,
  batchSize: 32,
  optimizer: { kind: "sgd", learningRate: 1, momentum: 0.5 },
  seed: 4,
  evalTrainSize: 64,
};

async function withEnv<T>(value: string | undefined, run: () => T | Promise<T>): Promise<T> {
  const before = process.env[FAST_ENV];
  if (value === undefined) delete process.env[FAST_ENV];
  else process.env[FAST_ENV] = value;
  try {
    return await run();
  } finally {
    if (before === undefined) delete process.env[FAST_ENV];
    else process.env[FAST_ENV] = before;
  }
}

/** Σ w² over all parameters: changes with every step, so a stale model shows. */
const weightSum = (m: Mlp) => Object.values(m.getWeights()).reduce((s, w) => s + w.reduce((a, v) => a + v * v, 0), 0);

test("the route: plain MLPs go to the fast kernel, everything it does not implement to tfjs with the reason", async () => {
  const route = (model: object, train: object = trainConfig) => trainingPath({ model, train });
  await withEnv(undefined, () => {
    assert.deepEqual(route(modelConfig), { kind: "fast", variant: DEFAULT_VARIANT });
    assert.deepEqual(
      route(
        { ...modelConfig, batchNorm: false },
        { ...trainConfig, optimizer: { kind: "adam", learningRate: 1e-3 }, layerLearningRates: [1, 2, 3] },
      ),
      { kind: "fast", variant: DEFAULT_VARIANT },
    );
    // Known options at their defaults: still the plain cross-entropy SGD the kernel computes.
    assert.deepEqual(
      route(modelConfig, {
        ...trainConfig,
        loss: { kind: "crossEntropy" },
        optimizer: { kind: "sgd", learningRate: 1, weightDecay: 0 },
      }),
      { kind: "fast", variant: DEFAULT_VARIANT },
    );
    // The training losses and SGD's weight decay are in the kernel (test/fast-losses.test.ts).
    for (const t of [
      { ...trainConfig, optimizer: { kind: "sgd", learningRate: 1, weightDecay: 5e-4 } },
      { ...trainConfig, optimizer: { kind: "sgd", learningRate: 1, momentum: 0.9, weightDecay: 5e-4 } },
      { ...trainConfig, loss: { kind: "mse" } },
      { ...trainConfig, loss: { kind: "crossEntropy", labelSmoothing: 0.1 } },
    ])
      assert.deepEqual(route(modelConfig, t), { kind: "fast", variant: DEFAULT_VARIANT }, JSON.stringify(t));
    // Batch norm and residual blocks are in the kernel too.
    assert.deepEqual(route({ ...modelConfig, batchNorm: true, residual: true }), {
      kind: "fast",
      variant: DEFAULT_VARIANT,
    });
    const cases: [object, object, RegExp][] = [
      // A field the kernel does not know (e.g. a penalty added later) is never silently ignored.
      [modelConfig, { ...trainConfig, weightDecay: 1e-4 }, /train\.weightDecay is not in the fast kernel/],
      [{ ...modelConfig, block: "standard" }, trainConfig, /model\.block/],
      [
        modelConfig,
        { ...trainConfig, optimizer: { kind: "sgd", learningRate: 1, nesterov: true } },
        /train\.optimizer\.nesterov/,
      ],
      // A loss the kernel does not know, or a field of one it does not know.
      [modelConfig, { ...trainConfig, loss: { kind: "hinge" } }, /train\.loss .*hinge.* is not in the fast kernel/],
      [modelConfig, { ...trainConfig, loss: { kind: "mse", margin: 1 } }, /train\.loss .*margin/],
    ];
    for (const [m, t, why] of cases) {
      const p = route(m, t);
      assert.equal(p.kind, "tfjs");
      assert.match(p.kind === "tfjs" ? p.reason : "", why);
    }
  });
  await withEnv("0", () => assert.deepEqual(route(modelConfig), { kind: "tfjs", reason: `${FAST_ENV}=0` }));
  // "simd" forces the plain build (the default until revision cca7c3b); "relaxed" and "1" are the default.
  await withEnv("simd", () => assert.deepEqual(route(modelConfig), { kind: "fast", variant: "simd" }));
  for (const v of ["relaxed", "1", ""])
    await withEnv(v, () => assert.deepEqual(route(modelConfig), { kind: "fast", variant: DEFAULT_VARIANT }, v));
  await withEnv("yes", () =>
    assert.throws(
      () => route(modelConfig),
      (e: unknown) => e instanceof ConfigError && /SIGMOID_LAB_FAST/.test((e as Error).message),
    ),
  );
});

test("the cache tells the paths apart: tfjs runs keep their key, fast runs get another", async () => {
  const cfg: ExperimentConfig = {
    name: "t",
    data: { kind: "mnist", trainLimit: 100 },
    model: { widths: [8], activation: "sigmoid", init: "standard", seed: 1 },
    train: trainConfig,
  };
  assert.equal(await withEnv("0", () => cacheKeyOf(cfg)), cfg);
  assert.deepEqual(await withEnv(undefined, () => cacheKeyOf(cfg)), { ...cfg, trainer: `wasm-${DEFAULT_VARIANT}` });
  // A configuration that falls back to tfjs keeps its old key.
  const decay = {
    ...cfg,
    model: { ...cfg.model, batchNorm: true },
    train: { ...trainConfig, optimizer: { kind: "sgd" as const, learningRate: 1, weightDecay: 1e-4 } },
  };
  assert.equal(await withEnv(undefined, () => cacheKeyOf(decay)), decay);
  // Batch norm and residual blocks are trained by the kernel now: their runs (and 05's jobs, lib/run/job's
  // keyedJob) get the fast path's key, so a record trained by tfjs before is not read back.
  const bn = { ...cfg, model: { ...cfg.model, batchNorm: true, residual: true } };
  assert.deepEqual(await withEnv(undefined, () => cacheKeyOf(bn)), { ...bn, trainer: `wasm-${DEFAULT_VARIANT}` });
  assert.equal(await withEnv("0", () => cacheKeyOf(bn)), bn);
});

/** A run that records Σw² wherever a caller can look at the model. */
async function observedRun(setting: string | undefined, seed = trainConfig.seed) {
  const model = new Mlp(modelConfig);
  const atProbe: number[] = [],
    atStep: number[] = [],
    atEpoch: number[] = [];
  const tensors = tf.memory().numTensors;
  const result = await withEnv(setting, () =>
    train(
      model,
      { train: data, test: data, probeSets: [data], observe: (m) => weightSum(m) },
      { ...trainConfig, seed, probeEverySteps: 5 },
      {
        onStep: (s) => s.step % 5 === 0 && atStep.push(weightSum(model)),
        onProbe: (p) => atProbe.push(p.snapshots[0] as number),
        onEpoch: () => atEpoch.push(weightSum(model)),
      },
    ),
  );
  const final = model.getWeights(),
    leaked = tf.memory().numTensors - tensors;
  const tfjsEvaluation = evaluate(model, data);
  model.dispose();
  return { result, atProbe, atStep, atEpoch, final, leaked, tfjsEvaluation };
}

test("on the fast path the model callers see is the trained one (probes, onStep, onEpoch, the end), as on tfjs; no tensors leak", async () => {
  const fast = await observedRun(undefined),
    slow = await observedRun("0");
  assert.equal(fast.result.path, `wasm-${DEFAULT_VARIANT}`);
  assert.equal(slow.result.path, "tfjs");
  assert.equal(fast.leaked, 0, "tensors left by a fast run with probes and evaluation");
  // Probe k (after step 5k) and onStep at step 5k look at the same weights; the last probe is the final network.
  const everyFifth = fast.atProbe.slice(1, 1 + fast.atStep.length);
  assert.deepEqual(everyFifth, fast.atStep);
  if (fast.result.steps % 5 !== 0) assert.equal(fast.atProbe.length, 2 + fast.atStep.length);
  assert.equal(fast.atProbe[fast.atProbe.length - 1], fast.atEpoch[fast.atEpoch.length - 1], "the last probe: the end");
  assert.equal(new Set(fast.atProbe).size, fast.atProbe.length, "every probe saw other weights: the model moved");
  for (const [what, a, b] of [
    ["probe", fast.atProbe, slow.atProbe],
    ["onStep", fast.atStep, slow.atStep],
    ["onEpoch", fast.atEpoch, slow.atEpoch],
  ] as const) {
    assert.equal(a.length, b.length, what);
    a.forEach((v, i) =>
      assert.ok(Math.abs(v - b[i]) < 1e-4 * Math.abs(b[i]), `${what} ${i}: Σw² fast ${v} vs tfjs ${b[i]}`),
    );
  }
  fast.result.epochs.forEach((e, i) =>
    assert.ok(Math.abs(e.test!.loss - slow.result.epochs[i].test!.loss) < 1e-4, `epoch ${i + 1} test loss`),
  );
  // The fast path evaluates with the kernel's forward pass: the same numbers as tfjs's evaluate on the same weights.
  const last = fast.result.epochs[fast.result.epochs.length - 1].test!;
  assert.ok(
    Math.abs(last.loss - fast.tfjsEvaluation.loss) < 1e-5,
    `kernel evaluation ${last.loss} vs tfjs ${fast.tfjsEvaluation.loss}`,
  );
  assert.equal(last.accuracy, fast.tfjsEvaluation.accuracy);
  fast.result.probes.slice(1).forEach((p, i) => {
    p.updateToData!.forEach((r, l) =>
      assert.ok(
        Math.abs(r - slow.result.probes[i + 1].updateToData![l]) < 1e-3 * r,
        `update:data ratio, probe ${i + 1}, layer ${l + 1}`,
      ),
    );
  });
  assert.equal(
    weightSum({ getWeights: () => fast.final } as Mlp),
    fast.atEpoch[fast.atEpoch.length - 1],
    "the model ends with the trained weights",
  );
});

test("the fast path reproduces a run bit for bit per seed; another seed gives other numbers", async () => {
  const a = await observedRun(undefined),
    b = await observedRun(undefined),
    c = await observedRun(undefined, 99);
  assert.deepEqual(a.final, b.final);
  assert.deepEqual(a.result.stepLosses, b.result.stepLosses);
  assert.deepEqual(a.atProbe, b.atProbe);
  assert.notDeepEqual(a.result.stepLosses, c.result.stepLosses);
});

test("a configuration the kernel lacks trains on tfjs, with a one-line note", async () => {
  const notes: string[] = [];
  const info = console.info;
  console.info = (m: string) => notes.push(m);
  // Weight decay with batch norm: not in the kernel yet.
  const model = new Mlp({ ...modelConfig, batchNorm: true });
  try {
    const optimizer = { kind: "sgd" as const, learningRate: 1, weightDecay: 1e-4 };
    const r = await withEnv(undefined, () =>
      train(model, { train: data }, { ...trainConfig, optimizer, maxSteps: 3, evalTrainSize: 8 }),
    );
    assert.equal(r.path, "tfjs");
    assert.equal(r.steps, 3);
  } finally {
    console.info = info;
    model.dispose();
  }
  assert.equal(notes.length, 1);
  assert.match(notes[0], /trained by tfjs, not the fast kernel: train\.optimizer\.weightDecay/);
});
