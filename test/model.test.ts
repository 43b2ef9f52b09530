/**
 * Gradients: every activation's autodiff against its closed form and central
 * finite differences; the whole MLP's tfjs gradients against a float64
 * reference implementation with explicit backprop, itself checked against
 * finite differences.
 */
import { test, before } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { prepareBackend } from "../lib/core/backend";
import { ACTIVATION_NAMES, activation } from "../lib/core/activations";
import { crossEntropy } from "../lib/core/loss";
import { Mlp, MlpConfig } from "../lib/core/model";
import { Rng } from "../lib/core/rng";
import { refFiniteDifference, refGradients, RefNet } from "./helpers/reference-mlp";

before(async () => {
  await prepareBackend({ quiet: true });
});

// A grid that avoids the kinks at 0 (relu, leaky relu, penalized tanh).
const grid = Array.from({ length: 161 }, (_, i) => -8 + i * 0.1 + 0.013);

for (const name of ACTIVATION_NAMES) {
  test(`${name}: autodiff = closed form = finite differences`, () => {
    const a = activation(name);
    const x = tf.tensor1d(grid);
    const autodiff = tf
      .grad((t: tf.Tensor) => tf.sum(a.apply(t)))(x)
      .dataSync();
    const closed = a.derivative(x).dataSync();
    const values = a.apply(x).dataSync();
    grid.forEach((z, i) => {
      const fd = (a.f(z + 1e-6) - a.f(z - 1e-6)) / 2e-6;
      assert.ok(Math.abs(a.df(z) - fd) < 1e-6, `${name}'(${z}): closed form ${a.df(z)} vs finite difference ${fd}`);
      assert.ok(Math.abs(autodiff[i] - a.df(z)) < 2e-6, `${name}'(${z}): autodiff ${autodiff[i]} vs ${a.df(z)}`);
      assert.ok(Math.abs(closed[i] - a.df(z)) < 2e-6, `${name}.derivative(${z}) = ${closed[i]} vs ${a.df(z)}`);
      assert.ok(Math.abs(values[i] - a.f(z)) < 2e-6 * Math.max(1, Math.abs(a.f(z))), `${name}(${z})`);
      assert.ok(a.df(z) <= a.maxDerivative + 1e-12, `${name}' exceeds its stated maximum at ${z}`);
      assert.ok(Math.abs(a.dfFromOutput(a.f(z)) - a.df(z)) < 1e-9, `${name}: f' through the output at ${z}`);
    });
    tf.dispose([x]);
  });
}

test("sigmoid' peaks at exactly 1/4 at z = 0", () => {
  assert.equal(activation("sigmoid").df(0), 0.25);
  assert.equal(activation("sigmoid").maxDerivative, 0.25);
});

test("unknown activation is refused with the allowed names", () => {
  assert.throws(() => activation("swish"), /Invalid activation: got "swish"; expected one of sigmoid, tanh/);
});

function toRef(model: Mlp, residual = false): RefNet {
  return {
    W: model.layers.map((l) => Float64Array.from(l.W.dataSync())),
    b: model.layers.map((l) => Float64Array.from((l.b as tf.Variable).dataSync())),
    dims: [model.config.inputDim, ...model.config.widths, model.config.outputDim],
    act: model.config.activation,
    residual,
    block: model.hidden.map((l) =>
      l.block ? { R: Float64Array.from(l.block.W.dataSync()), c: Float64Array.from(l.block.b.dataSync()) } : null,
    ),
  };
}

function tfGradients(model: Mlp, x: Float64Array, labels: number[], n: number) {
  return tf.tidy(() => {
    const xt = tf.tensor2d(Float32Array.from(x), [n, model.config.inputDim]);
    const y = tf.oneHot(tf.tensor1d(labels, "int32"), model.config.outputDim).toFloat() as tf.Tensor2D;
    const { grads } = tf.variableGrads(() => crossEntropy(model.forward(xt).logits, y), model.trainableVariables());
    return model.layers.map((l) => ({ W: grads[l.W.name].dataSync(), b: grads[(l.b as tf.Variable).name].dataSync() }));
  });
}

function smallProblem(seed: number, inputDim: number, n: number, classes: number) {
  const rng = new Rng(seed);
  const x = new Float64Array(n * inputDim).map(() => rng.uniform(-1, 1));
  // Round to float32 so both implementations see the same inputs.
  const x32 = Float64Array.from(Float32Array.from(x));
  const labels = Array.from({ length: n }, () => rng.int(classes));
  return { x: x32, labels };
}

for (const name of ACTIVATION_NAMES) {
  test(`MLP gradients (${name}): tfjs = float64 backprop = finite differences`, () => {
    const cfg: MlpConfig = {
      inputDim: 5,
      widths: [4, 3, 3],
      outputDim: 3,
      activation: name,
      init: { name: "normalized", gain: 1.5 },
      seed: 7,
    };
    const model = new Mlp(cfg);
    // Nonzero biases, so their gradients are exercised off the symmetric point.
    model.layers.forEach((l, i) => (l.b as tf.Variable).assign(tf.linspace(-0.3, 0.3 + i * 0.1, l.nOut)));
    const { x, labels } = smallProblem(3, 5, 6, 3);
    const ref = toRef(model);
    const g = refGradients(ref, x, labels, 6);
    const t = tfGradients(model, x, labels, 6);
    ref.W.forEach((W, l) => {
      for (let k = 0; k < W.length; k++) {
        const fd = refFiniteDifference(ref, x, labels, 6, l, k, "W");
        assert.ok(Math.abs(g.dW[l][k] - fd) < 1e-7, `float64 backprop vs FD, W${l + 1}[${k}]: ${g.dW[l][k]} vs ${fd}`);
        const tol = 1e-5 + 1e-3 * Math.abs(fd);
        assert.ok(Math.abs(t[l].W[k] - fd) < tol, `tfjs vs FD, W${l + 1}[${k}]: ${t[l].W[k]} vs ${fd}`);
      }
      for (let k = 0; k < ref.b[l].length; k++) {
        const fd = refFiniteDifference(ref, x, labels, 6, l, k, "b");
        assert.ok(Math.abs(t[l].b[k] - fd) < 1e-5 + 1e-3 * Math.abs(fd), `tfjs vs FD, b${l + 1}[${k}]`);
      }
    });
    model.dispose();
  });
}

test("residual blocks h + σ(z) R + c: tfjs gradients of W, b, R and c match finite differences of the float64 reference", () => {
  const model = new Mlp({
    inputDim: 4,
    widths: [4, 4, 4],
    outputDim: 3,
    activation: "sigmoid",
    init: "normalized",
    residual: true,
    seed: 2,
  });
  assert.deepEqual(
    model.hidden.map((l) => l.residual),
    [true, true, true],
  );
  // Nonzero block biases, so their gradients are exercised off zero.
  model.hidden.forEach((l, i) => l.block!.b.assign(tf.linspace(-0.2, 0.2 + i * 0.1, l.nOut)));
  const { x, labels } = smallProblem(5, 4, 5, 3);
  const ref = toRef(model, true);
  const grads = tf.tidy(() => {
    const xt = tf.tensor2d(Float32Array.from(x), [5, 4]);
    const y = tf.oneHot(tf.tensor1d(labels, "int32"), 3).toFloat() as tf.Tensor2D;
    const { grads: g } = tf.variableGrads(() => crossEntropy(model.forward(xt).logits, y), model.trainableVariables());
    return Object.fromEntries(Object.entries(g).map(([k, v]) => [k, v.dataSync()]));
  });
  const check = (name: string, v: tf.Variable, l: number, which: "W" | "b" | "R" | "c") => {
    const g = grads[v.name];
    for (let k = 0; k < g.length; k++) {
      const fd = refFiniteDifference(ref, x, labels, 5, l, k, which);
      assert.ok(Math.abs(g[k] - fd) < 1e-5 + 1e-3 * Math.abs(fd), `residual ${name}[${k}]: ${g[k]} vs ${fd}`);
    }
  };
  model.layers.forEach((l, i) => {
    check(`W${l.index}`, l.W, i, "W");
    check(`b${l.index}`, l.b as tf.Variable, i, "b");
    if (l.block) {
      check(`R${l.index}`, l.block.W, i, "R");
      check(`c${l.index}`, l.block.b, i, "c");
    }
  });
  // The skip carries the block's input unchanged: with R = 0 and c = 0 each block is the identity.
  model.hidden.forEach(
    (l) => (l.block!.W.assign(tf.zerosLike(l.block!.W)), l.block!.b.assign(tf.zerosLike(l.block!.b))),
  );
  const [h0, h3] = tf.tidy(() => {
    const xt = tf.tensor2d([[0.1, -0.4, 0.7, 0.2]]);
    const tr = model.forward(xt);
    const hTop = tf.sub(tr.logits, model.output.b as tf.Variable);
    // logits − b = h_L W_out, and h_L = x when every block is the identity.
    return [tf.matMul(xt, model.output.W).dataSync(), hTop.dataSync()];
  });
  h0.forEach((v, j) => assert.ok(Math.abs(v - h3[j]) < 1e-6, `identity blocks: ${v} vs ${h3[j]}`));
  model.dispose();
});

test("residual connections only join layers of equal width", () => {
  const model = new Mlp({
    inputDim: 6,
    widths: [4, 4, 3],
    outputDim: 2,
    activation: "tanh",
    init: "normalized",
    residual: true,
    seed: 1,
  });
  assert.deepEqual(
    model.hidden.map((l) => l.residual),
    [false, true, false],
  );
  const out = tf.tidy(() => model.forward(tf.ones([2, 6])).a.map((a) => a.shape));
  assert.deepEqual(out, [
    [2, 4],
    [2, 4],
    [2, 3],
  ]);
  model.dispose();
});

test("batch norm: batch statistics when training, moving averages in eval", () => {
  const model = new Mlp({
    inputDim: 3,
    widths: [5],
    outputDim: 2,
    activation: "sigmoid",
    init: "normalized",
    batchNorm: true,
    seed: 4,
  });
  const rng = new Rng(9);
  const x = tf.tensor2d(
    Array.from({ length: 64 * 3 }, () => rng.normal() * 3 + 1),
    [64, 3],
  );
  tf.tidy(() => {
    const tr = model.forward(x, { training: true });
    const { mean, variance } = tf.moments(tr.z[0], 0);
    // γ = 1, β = 0 at init: each unit's pre-activation is standardised over the batch.
    mean.dataSync().forEach((m) => assert.ok(Math.abs(m) < 1e-5, `batch mean ${m}`));
    variance.dataSync().forEach((v) => assert.ok(Math.abs(v - 1) < 0.01, `batch variance ${v}`));
    const u = tf.matMul(x, model.hidden[0].W);
    const bm = tf.moments(u, 0);
    // One moving-average update: m ← 0.99 m + 0.01 μ_batch from m = 0, v = 1.
    model.updateMovingStats(tr.batchStats);
    const mm = model.hidden[0].bn!.movingMean.dataSync(),
      mv = model.hidden[0].bn!.movingVariance.dataSync();
    bm.mean.dataSync().forEach((m, j) => assert.ok(Math.abs(mm[j] - 0.01 * m) < 1e-6));
    bm.variance.dataSync().forEach((v, j) => assert.ok(Math.abs(mv[j] - (0.99 + 0.01 * v)) < 1e-5));
    // Eval mode uses the moving statistics: z = (u − m)/√(v + ε).
    const ze = model.forward(x, { training: false }).z[0].dataSync();
    const ud = u.dataSync();
    for (let i = 0; i < 10; i++) {
      const j = i % 5;
      const expect = (ud[i] - mm[j]) / Math.sqrt(mv[j] + 1e-3);
      assert.ok(Math.abs(ze[i] - expect) < 1e-4, `eval-mode BN ${ze[i]} vs ${expect}`);
    }
  });
  x.dispose();
  model.dispose();
});

test("bad model configs are refused before any tensor is made", () => {
  const base: MlpConfig = { inputDim: 4, widths: [3], outputDim: 2, activation: "sigmoid", init: "standard", seed: 1 };
  const before = tf.memory().numTensors;
  const cases: [Partial<Record<keyof MlpConfig, unknown>>, RegExp][] = [
    [{ widths: [] }, /Invalid widths: got \[\]; expected a non-empty list/],
    [{ widths: [3, -2] }, /Invalid widths\[1\]: got -2; expected a positive integer/],
    [{ widths: [3, 2.5] }, /Invalid widths\[1\]/],
    [{ activation: "swish" }, /Invalid activation: got "swish"/],
    [{ init: "glorot" }, /Invalid init: got "glorot"; expected one of standard, normalized/],
    [{ init: { name: "orthogonal", gain: -1 } }, /Invalid init.gain: got -1/],
    [{ inputDim: 0 }, /Invalid inputDim/],
    [{ outputDim: NaN }, /Invalid outputDim/],
    [{ seed: Infinity }, /Invalid seed/],
  ];
  for (const [patch, msg] of cases) {
    assert.throws(() => new Mlp({ ...base, ...patch } as MlpConfig), msg);
  }
  assert.equal(tf.memory().numTensors, before);
});

test("weights round-trip through getWeights/setWeights", () => {
  const a = new Mlp({
    inputDim: 4,
    widths: [3, 3],
    outputDim: 2,
    activation: "tanh",
    init: "he",
    batchNorm: true,
    seed: 1,
  });
  const b = new Mlp({
    inputDim: 4,
    widths: [3, 3],
    outputDim: 2,
    activation: "tanh",
    init: "he",
    batchNorm: true,
    seed: 2,
  });
  b.setWeights(a.getWeights());
  assert.deepEqual(b.getWeights(), a.getWeights());
  assert.throws(() => b.setWeights({ W1: new Float32Array(2) }), /W1 needs 12 values, got 2/);
  a.dispose();
  b.dispose();
});
