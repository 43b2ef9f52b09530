/**
 * The fast trainer against the float64 reference MLP with explicit backprop
 * (test/helpers/reference-mlp.ts, itself checked by finite differences): the
 * forward pass, one SGD step for every activation, momentum, per-layer rates
 * and Adam over several steps, on sizes that are not multiples of the
 * kernel's tiles, on both builds (plain SIMD, and relaxed SIMD — train()'s
 * default — wherever the engine runs it). Then determinism, non-finite losses
 * and bad configurations.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { ACTIVATION_NAMES, ActivationName, activation } from "../lib/core/activations";
import { ConfigError } from "../lib/core/errors";
import { OptimizerConfig } from "../lib/core/optim";
import { FastTrainer, FastTrainerConfig, KernelVariant, enableRelaxedSimd, fastPathSupports } from "../lib/core/fast";
import { questionExperiment } from "../lib/run/question";
import { RefNet, refGradients, refLoss } from "./helpers/reference-mlp";

const DIMS = [784, 37, 13, 10]; // odd sizes: every padding path runs
/** Both builds where this engine runs relaxed SIMD (Node 22; Node 20 after the flag the route sets too). */
const KERNELS: KernelVariant[] = enableRelaxedSimd() ? ["simd", "relaxed"] : ["simd"];
const BATCH = 5;

/** A deterministic stream in [−0.5, 0.5) (no dependence on lib/rng). */
function stream(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

function initialWeights(dims: readonly number[], seed: number, scale = 1): Record<string, Float32Array> {
  const r = stream(seed),
    w: Record<string, Float32Array> = {};
  for (let l = 1; l < dims.length; l++) {
    const a = (2 * scale) / Math.sqrt(dims[l - 1]);
    w[`W${l}`] = Float32Array.from({ length: dims[l - 1] * dims[l] }, () => a * r());
    w[`b${l}`] = Float32Array.from({ length: dims[l] }, () => 0.2 * r());
  }
  return w;
}

function batch(seed: number, n = BATCH, inputDim = DIMS[0], classes = DIMS[DIMS.length - 1]) {
  const r = stream(seed);
  return {
    x: Float32Array.from({ length: n * inputDim }, () => r() + 0.5),
    labels: Int32Array.from({ length: n }, () => Math.floor((r() + 0.5) * classes)),
  };
}

function trainer(act: ActivationName, optimizer: OptimizerConfig, patch: Partial<FastTrainerConfig> = {}): FastTrainer {
  return new FastTrainer({
    inputDim: DIMS[0],
    widths: DIMS.slice(1, -1),
    outputDim: DIMS[DIMS.length - 1],
    activation: act,
    optimizer,
    batchSize: 8,
    weights: initialWeights(DIMS, 7),
    kernel: "simd",
    ...patch,
  });
}

function refNet(w: Record<string, Float32Array>, act: ActivationName, dims = DIMS): RefNet {
  const net: RefNet = { W: [], b: [], dims, act, residual: false };
  for (let l = 1; l < dims.length; l++) {
    net.W.push(Float64Array.from(w[`W${l}`]));
    net.b.push(Float64Array.from(w[`b${l}`]));
  }
  return net;
}

/** Largest |a − b| over every parameter. */
function maxDiff(a: Record<string, ArrayLike<number>>, b: Record<string, ArrayLike<number>>): number {
  let worst = 0;
  for (const k of Object.keys(b))
    for (let i = 0; i < b[k].length; i++) worst = Math.max(worst, Math.abs(a[k][i] - b[k][i]));
  return worst;
}

/** The float64 reference of `steps` optimizer steps, in lib/optim.ts's formulas. */
function refTrain(
  net: RefNet,
  batches: { x: Float32Array; labels: Int32Array }[],
  o: OptimizerConfig,
  rates: number[],
): Record<string, Float64Array> {
  const L1 = net.W.length;
  const state = [...net.W, ...net.b].map((p) => [new Float64Array(p.length), new Float64Array(p.length)]);
  batches.forEach(({ x, labels }, t) => {
    const g = refGradients(net, Float64Array.from(x), Array.from(labels), labels.length);
    [...g.dW, ...g.db].forEach((grad, p) => {
      const theta = p < L1 ? net.W[p] : net.b[p - L1],
        lr = o.learningRate * rates[p % L1],
        [s1, s2] = state[p];
      for (let i = 0; i < grad.length; i++) {
        let delta: number;
        if (o.kind === "sgd") {
          s1[i] = (o.momentum ?? 0) * s1[i] + grad[i];
          delta = lr * s1[i];
        } else {
          const b1 = o.beta1 ?? 0.9,
            b2 = o.beta2 ?? 0.999;
          s1[i] = b1 * s1[i] + (1 - b1) * grad[i];
          s2[i] = b2 * s2[i] + (1 - b2) * grad[i] ** 2;
          delta = (lr * (s1[i] / (1 - b1 ** (t + 1)))) / (Math.sqrt(s2[i] / (1 - b2 ** (t + 1))) + (o.epsilon ?? 1e-8));
        }
        theta[i] -= delta;
      }
    });
  });
  const out: Record<string, Float64Array> = {};
  net.W.forEach((w, l) => ((out[`W${l + 1}`] = w), (out[`b${l + 1}`] = net.b[l])));
  return out;
}

for (const kernel of KERNELS)
  test(`${kernel}: forward: every layer's z and a, and the logits, match float64 (784-37-13-10, 9 points)`, () => {
    const w = initialWeights(DIMS, 3);
    const { x } = batch(11, 9);
    for (const act of ["sigmoid", "tanh", "relu"] as const) {
      const t = trainer(act, { kind: "sgd", learningRate: 1 }, { weights: w, kernel });
      const out = t.forward(x, 9, { z: true });
      const f = activation(act);
      let h = Float64Array.from(x);
      for (let l = 0; l < DIMS.length - 1; l++) {
        const nIn = DIMS[l],
          nOut = DIMS[l + 1],
          W = w[`W${l + 1}`],
          b = w[`b${l + 1}`];
        const z = new Float64Array(9 * nOut);
        for (let i = 0; i < 9; i++)
          for (let j = 0; j < nOut; j++) {
            let s = b[j];
            for (let k = 0; k < nIn; k++) s += h[i * nIn + k] * W[k * nOut + j];
            z[i * nOut + j] = s;
          }
        const last = l === DIMS.length - 2;
        const a = last ? z : z.map((v) => f.f(v));
        // float32 sums of 784 products of size ~0.05: a few 1e-7 of rounding.
        assert.ok(
          maxDiff({ v: last ? out.logits : (out.z as Float32Array[])[l] }, { v: z }) < 2e-6,
          `${act} z${l + 1}`,
        );
        if (!last) assert.ok(maxDiff({ v: (out.a as Float32Array[])[l] }, { v: a }) < 2e-6, `${act} a${l + 1}`);
        h = a;
      }
    }
  });

for (const kernel of KERNELS)
  for (const act of ACTIVATION_NAMES) {
    test(`${kernel}: one SGD step with ${act} units equals float64 backprop (loss, weights, ‖ΔW‖²)`, () => {
      const t = trainer(act, { kind: "sgd", learningRate: 0.5 }, { kernel });
      const before = t.weights(),
        b = batch(5);
      const net = refNet(before, act);
      const loss = t.step(b.x, b.labels, { measure: true });
      const g = refGradients(net, Float64Array.from(b.x), Array.from(b.labels), BATCH);
      const ref = refTrain(refNet(before, act), [b], { kind: "sgd", learningRate: 0.5 }, [1, 1, 1]);
      const after = t.weights();
      // The gradients are ~1e-2; the float32 step's error is rounding of the
      // weights (~3e-8 at |w| ≈ 0.5) plus relative 1e-6 of the gradients.
      assert.ok(maxDiff(after, ref) < 2e-7, `max |Δw| = ${maxDiff(after, ref)}`);
      assert.ok(Math.abs(g.dW[0].reduce((s, v) => s + Math.abs(v), 0)) > 1e-3, "the step moved the first layer");
      const refLossValue = lossOf(net, b);
      assert.ok(Math.abs(loss - refLossValue) < 1e-6, `loss ${loss} vs ${refLossValue}`);
      // ‖W_l‖² and ‖Δθ_l‖² against the weights themselves.
      t.weightSquares().forEach((s, l) => {
        const e = after[`W${l + 1}`].reduce((acc, v) => acc + v * v, 0);
        assert.ok(Math.abs(s - e) <= 1e-9 * e, `‖W${l + 1}‖²: ${s} vs ${e}`);
      });
      const sq = t.updateSquares() as number[];
      sq.forEach((s, l) => {
        let e = 0;
        for (const k of [`W${l + 1}`, `b${l + 1}`])
          for (let i = 0; i < after[k].length; i++) e += (Number(after[k][i]) - before[k][i]) ** 2;
        assert.ok(Math.abs(s - e) <= 1e-3 * e + 1e-12, `layer ${l + 1}: ${s} vs ${e}`);
      });
    });
  }

function lossOf(net: RefNet, b: { x: Float32Array; labels: Int32Array }): number {
  return refLoss(net, Float64Array.from(b.x), Array.from(b.labels), b.labels.length);
}

for (const kernel of KERNELS)
  test(`${kernel}: momentum with per-layer learning rates, 4 steps, tanh and sigmoid: as float64`, () => {
    for (const act of ["tanh", "sigmoid"] as const) {
      const o = { kind: "sgd" as const, learningRate: 0.3, momentum: 0.9 },
        rates = [0.5, 2, 1.5];
      const t = trainer(act, o, { layerLearningRates: rates, kernel });
      const batches = [1, 2, 3, 4].map((s) => batch(s));
      const ref = refTrain(refNet(t.weights(), act), batches, o, rates);
      batches.forEach((b) => t.step(b.x, b.labels));
      assert.ok(maxDiff(t.weights(), ref) < 1e-6, `${act}: max |Δw| = ${maxDiff(t.weights(), ref)}`);
    }
  });

for (const kernel of KERNELS)
  test(`${kernel}: Adam, 3 steps with per-layer rates: as float64`, () => {
    const o = { kind: "adam" as const, learningRate: 1e-3 },
      rates = [1, 0.5, 2];
    const t = trainer("relu", o, { layerLearningRates: rates, kernel });
    const batches = [4, 5, 6].map((s) => batch(s));
    const ref = refTrain(refNet(t.weights(), "relu"), batches, o, rates);
    batches.forEach((b) => t.step(b.x, b.labels));
    // Each Adam step moves a weight by ≤ lr·rate; rounding stays far below that.
    assert.ok(maxDiff(t.weights(), ref) < 1e-6, `max |Δw| = ${maxDiff(t.weights(), ref)}`);
    assert.equal(t.steps, 3);
  });

for (const kernel of KERNELS)
  test(`${kernel}: batches smaller than the buffers, then larger ones, give the same steps as fresh trainers`, () => {
    const small = batch(8, 3),
      big = batch(9, 8);
    const a = trainer("sigmoid", { kind: "sgd", learningRate: 1 }, { kernel });
    a.step(small.x, small.labels);
    a.step(big.x, big.labels);
    const ref = refTrain(
      refNet(initialWeights(DIMS, 7), "sigmoid"),
      [small, big],
      { kind: "sgd", learningRate: 1 },
      [1, 1, 1],
    );
    assert.ok(maxDiff(a.weights(), ref) < 5e-7);
  });

for (const kernel of KERNELS)
  test(`${kernel}: same weights and batches, same numbers: bit-identical after 30 steps`, () => {
    const run = () => {
      const t = trainer("sigmoid", { kind: "sgd", learningRate: 1, momentum: 0.5 }, { kernel });
      const losses: number[] = [];
      for (let s = 0; s < 30; s++) {
        const b = batch(100 + s, 8);
        losses.push(t.step(b.x, b.labels));
      }
      return { losses, w: t.weights() };
    };
    const a = run(),
      b = run();
    assert.deepEqual(a.losses, b.losses);
    assert.deepEqual(a.w, b.w);
  });

test("a non-finite loss is returned and changes neither the weights nor the optimizer state", () => {
  const o = { kind: "sgd" as const, learningRate: 0.1, momentum: 0.9 };
  const t = trainer("linear", o);
  const fresh = trainer("linear", o);
  const good = batch(1),
    next = batch(2);
  t.step(good.x, good.labels);
  fresh.step(good.x, good.labels);
  const before = t.weights();
  const bad = { x: good.x.slice(), labels: good.labels };
  bad.x[3] = NaN;
  assert.ok(Number.isNaN(t.step(bad.x, bad.labels, { measure: true })));
  bad.x[3] = Infinity;
  assert.ok(!Number.isFinite(t.step(bad.x, bad.labels)));
  assert.deepEqual(t.weights(), before);
  assert.equal(t.updateSquares(), null);
  assert.equal(t.steps, 1);
  // The velocity is untouched too: the next good step equals a trainer that never saw the bad batches.
  t.step(next.x, next.labels);
  fresh.step(next.x, next.labels);
  assert.deepEqual(t.weights(), fresh.weights());
  // Finite inputs and weights whose logits overflow float32.
  const huge = initialWeights(DIMS, 7, 1e19);
  const h = trainer("linear", o, { weights: huge });
  assert.ok(!Number.isFinite(h.step(good.x, good.labels)));
  assert.deepEqual(h.weights(), huge);
});

test("weights round-trip in Mlp.getWeights()'s names and shapes; resetOptimizer restarts momentum", () => {
  const w = initialWeights(DIMS, 9);
  const t = trainer("tanh", { kind: "sgd", learningRate: 0.2, momentum: 0.9 }, { weights: w });
  assert.deepEqual(t.weights(), w);
  const b = batch(3);
  t.step(b.x, b.labels);
  t.setWeights(w);
  t.resetOptimizer();
  t.step(b.x, b.labels);
  const once = trainer("tanh", { kind: "sgd", learningRate: 0.2, momentum: 0.9 }, { weights: w });
  once.step(b.x, b.labels);
  assert.deepEqual(t.weights(), once.weights());
});

test("bad configurations and batches are refused with a ConfigError naming the field", () => {
  const sgd = { kind: "sgd" as const, learningRate: 1 };
  const field = (f: () => unknown, name: string) =>
    assert.throws(
      f,
      (e: unknown) => e instanceof ConfigError && e.field === name && e.message.includes(name),
      `expected a ConfigError on ${name}`,
    );
  field(() => trainer("swish" as ActivationName, sgd), "activation");
  field(() => trainer("sigmoid", { kind: "sgd", learningRate: -1 }), "optimizer.learningRate");
  field(() => trainer("sigmoid", { kind: "sgd", learningRate: 1, momentum: 1 }), "optimizer.momentum");
  field(() => trainer("sigmoid", sgd, { layerLearningRates: [1, 1] }), "layerLearningRates");
  field(() => trainer("sigmoid", sgd, { layerLearningRates: [1, 0, 1] }), "layerLearningRates[1]");
  field(() => trainer("sigmoid", sgd, { batchSize: 0 }), "batchSize");
  field(() => trainer("sigmoid", sgd, { widths: [37, 0] }), "widths[1]");
  const w = initialWeights(DIMS, 1);
  field(() => trainer("sigmoid", sgd, { weights: { ...w, W2: new Float32Array(3) } }), "weights.W2");
  const { b3: _, ...noB3 } = w;
  field(() => trainer("sigmoid", sgd, { weights: noB3 }), "weights.b3");
  const t = trainer("sigmoid", sgd),
    b = batch(1);
  field(() => t.step(b.x, Int32Array.from([0, 1, 10, 2, 3])), "labels[2]");
  field(() => t.step(b.x.subarray(1), b.labels), "x length");
  field(() => t.step(new Float32Array(9 * 784), new Int32Array(9)), "labels");
});

test("fastPathSupports says in one line why a configuration falls back to tfjs", () => {
  const train = { optimizer: { kind: "sgd" as const, learningRate: 1 }, batchSize: 32 };
  const model = { activation: "sigmoid", widths: [256, 256] };
  assert.equal(fastPathSupports({ model, train }).ok, true);
  // An experiment's own config goes in as it is: the notebooks' question is covered.
  const q = questionExperiment();
  assert.equal(fastPathSupports({ model: q.model, train: q.train }).ok, true);
  assert.equal(
    fastPathSupports({ model, train: { ...train, optimizer: { kind: "adam", learningRate: 1e-3 } } }).ok,
    true,
  );
  const reason = (q: Parameters<typeof fastPathSupports>[0]) => {
    const v = fastPathSupports(q);
    assert.equal(v.ok, false);
    return (v as { reason: string }).reason;
  };
  assert.match(reason({ model: { ...model, activation: "swish" }, train }), /activation "swish"/);
  assert.match(
    reason({ model, train: { ...train, optimizer: { kind: "rmsprop" } as unknown as OptimizerConfig } }),
    /optimizer "rmsprop"/,
  );
});
