import { test, before } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { prepareBackend } from "../lib/core/backend";
import { INITS, INIT_NAMES, initWeights, orthogonal } from "../lib/core/init";
import { Rng } from "../lib/core/rng";
import { Mlp } from "../lib/core/model";
import { applyLsuv } from "../lib/core/lsuv";
import { loadMnist } from "../lib/data/mnist";
import { matmul, matrix, transpose } from "../lib/core/linalg";

before(async () => {
  await prepareBackend({ quiet: true });
});

function moments(w: Float32Array) {
  let s = 0,
    s2 = 0;
  for (const v of w) s += v;
  const m = s / w.length;
  for (const v of w) s2 += (v - m) ** 2;
  return { mean: m, variance: s2 / w.length };
}

for (const name of INIT_NAMES) {
  for (const [nIn, nOut] of [
    [400, 300],
    [200, 500],
  ] as const) {
    test(`${name} init ${nIn}x${nOut}: sample mean 0 and variance = formula`, () => {
      const w = initWeights(name, nIn, nOut, new Rng(1));
      const { mean, variance } = moments(w);
      const expected = INITS[name].variance(nIn, nOut);
      // Standard error of a variance estimate from N draws is about var·√(2/N) (less for uniform).
      const se = expected * Math.sqrt(2 / w.length);
      assert.ok(Math.abs(mean) < 5 * Math.sqrt(expected / w.length) + 1e-4, `${name} mean ${mean}`);
      assert.ok(Math.abs(variance - expected) < 5 * se, `${name} variance ${variance} vs ${expected}`);
    });
  }
}

test("uniform inits stay inside their limits and reach them", () => {
  const std = initWeights("standard", 100, 80, new Rng(2));
  const lim = 1 / Math.sqrt(100);
  assert.ok(std.every((v) => Math.abs(v) <= lim));
  assert.ok(Math.max(...std.map(Math.abs)) > 0.99 * lim);
  const nrm = initWeights("normalized", 100, 80, new Rng(2));
  const limN = Math.sqrt(6) / Math.sqrt(180);
  assert.ok(nrm.every((v) => Math.abs(v) <= limN));
  assert.ok(Math.max(...nrm.map(Math.abs)) > 0.99 * limN);
});

test("a gain multiplies the weights", () => {
  const a = initWeights("normalized", 30, 20, new Rng(5));
  const b = initWeights({ name: "normalized", gain: 3 }, 30, 20, new Rng(5));
  a.forEach((v, i) => assert.ok(Math.abs(b[i] - 3 * v) < 1e-6));
});

for (const [nIn, nOut] of [
  [50, 30],
  [30, 50],
  [40, 40],
] as const) {
  test(`orthogonal ${nIn}x${nOut}: orthonormal columns or rows, scaled by the gain`, () => {
    const g = 1.7;
    const w = initWeights({ name: "orthogonal", gain: g }, nIn, nOut, new Rng(3));
    const W = matrix(nIn, nOut, w);
    const gram = nIn >= nOut ? matmul(transpose(W), W) : matmul(W, transpose(W));
    const k = Math.min(nIn, nOut);
    for (let i = 0; i < k; i++)
      for (let j = 0; j < k; j++) {
        const expected = i === j ? g * g : 0;
        assert.ok(Math.abs(gram.data[i * k + j] - expected) < 1e-5, `gram[${i},${j}] = ${gram.data[i * k + j]}`);
      }
  });
}

test("inits are deterministic in the seed", () => {
  for (const name of INIT_NAMES) {
    assert.deepEqual(initWeights(name, 20, 10, new Rng(4)), initWeights(name, 20, 10, new Rng(4)));
    assert.notDeepEqual(initWeights(name, 20, 10, new Rng(4)), initWeights(name, 20, 10, new Rng(5)));
  }
  assert.deepEqual(orthogonal(5, 3, new Rng(1)), orthogonal(5, 3, new Rng(1)));
});

test("LSUV brings every layer's pre-activation variance to 1 within its tolerance (MNIST batch)", () => {
  const mnist = loadMnist("train", { limit: 500 });
  const model = new Mlp({
    inputDim: 784,
    widths: [256, 256, 256, 256, 256],
    outputDim: 10,
    activation: "sigmoid",
    init: "lsuv",
    seed: 3,
  });
  const x = tf.tensor2d(mnist.x, [mnist.n, 784]);
  const tol = 0.02;
  // Before: orthonormal weights do not give unit variance on MNIST pixels.
  const before = tf.tidy(() => tf.moments(model.forward(x).z[0]).variance.dataSync()[0]);
  assert.ok(Math.abs(before - 1) > tol, `orthonormal start already has variance ${before}`);
  const r = applyLsuv(model, x, { tolerance: tol });
  r.variances.forEach((v, i) => assert.ok(Math.abs(v - 1) < tol, `layer ${i + 1}: Var(z) = ${v}`));
  // The reported variances are what a fresh forward pass measures.
  tf.tidy(() =>
    model.forward(x).z.forEach((z, i) => {
      const v = tf.moments(z).variance.dataSync()[0];
      assert.ok(Math.abs(v - r.variances[i]) < 1e-4);
    }),
  );
  x.dispose();
  model.dispose();
});
