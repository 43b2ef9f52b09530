/**
 * The fast kernel's first layer skips the inputs that are 0 (MNIST's
 * background: most pixels) in its forward product and its weight gradient
 * (lib/core/fast/assembly/dense.ts). A skipped term would have added exactly
 * ±0 to its accumulator, and the other terms keep their order, so the kernel
 * must give the same floats bit for bit as when it runs dense
 * (`skipZeros: false`): the training step, the probes' pass and forward().
 * Sizes are not multiples of the tiles; one batch is too large for the
 * skip lists (the kernel then runs dense, and must still agree).
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { FastTrainer } from "../lib/core/fast/trainer";
import type { FastTrainerConfig } from "../lib/core/fast/config";
import { KernelVariant, enableRelaxedSimd } from "../lib/core/fast/wasm";

/** Both builds where this engine runs relaxed SIMD (train()'s default); the skip must be exact on each. */
const KERNELS: KernelVariant[] = enableRelaxedSimd() ? ["simd", "relaxed"] : ["simd"];
import { ConfigError } from "../lib/core/errors";
import { Rng } from "../lib/core/rng";
import { loadMnist } from "../lib/data/mnist";

/** Rows with about `zeros` of their entries exactly 0, and whole columns of 0 (a border), with labels. */
function sparseRows(n: number, d: number, classes: number, zeros: number, seed: number) {
  const rng = new Rng(seed);
  const x = new Float32Array(n * d);
  for (let i = 0; i < n * d; i++) {
    const column = i % d;
    if (column < 3 || rng.next() < zeros) continue;
    x[i] = rng.next() * 2 - 1;
  }
  const y = Int32Array.from({ length: n }, () => Math.floor(rng.next() * classes));
  return { x, y, n, inputDim: d, numClasses: classes, name: "sparse" };
}

function weightsFor(dims: number[], seed: number): Record<string, Float32Array> {
  const rng = new Rng(seed);
  const w: Record<string, Float32Array> = {};
  for (let l = 0; l + 1 < dims.length; l++) {
    const scale = 1 / Math.sqrt(dims[l]);
    w[`W${l + 1}`] = Float32Array.from({ length: dims[l] * dims[l + 1] }, () => (rng.next() * 2 - 1) * scale * 2);
    w[`b${l + 1}`] = Float32Array.from({ length: dims[l + 1] }, () => (rng.next() * 2 - 1) * 0.1);
  }
  return w;
}

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

function assertSameFloats(a: Record<string, Float32Array>, b: Record<string, Float32Array>, what: string): void {
  assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort());
  for (const k of Object.keys(a)) assert.ok(bits(a[k]).equals(bits(b[k])), `${what}: ${k} differs`);
}

/** Train both ways for `steps` batches and compare everything the kernel computes. */
function compare(config: Omit<FastTrainerConfig, "weights">, data: ReturnType<typeof sparseRows>, steps: number) {
  const dims = [config.inputDim, ...config.widths, config.outputDim];
  const weights = weightsFor(dims, 11);
  const skip = new FastTrainer({ ...config, weights });
  const dense = new FastTrainer({ ...config, weights, skipZeros: false });
  try {
    const b = config.batchSize,
      d = config.inputDim;
    for (let s = 0; s < steps; s++) {
      const start = (s * b) % (data.n - b + 1);
      const x = data.x.subarray(start * d, (start + b) * d),
        y = data.y.subarray(start, start + b);
      const l1 = skip.step(x, y, { measure: true }),
        l2 = dense.step(x, y, { measure: true });
      assert.ok(Number.isFinite(l1), `step ${s}: loss ${l1}`);
      assert.equal(l1, l2, `step ${s}: the losses`);
      assert.deepEqual(skip.updateSquares(), dense.updateSquares(), `step ${s}: ‖Δθ‖²`);
    }
    assertSameFloats(skip.weights(), dense.weights(), "weights after training");
    const points = { ...data, n: Math.min(data.n, 300) };
    points.x = data.x.subarray(0, points.n * d);
    points.y = data.y.subarray(0, points.n);
    const p1 = skip.passes().run(points, { backward: true, weightGrads: true });
    const p2 = dense.passes().run(points, { backward: true, weightGrads: true });
    [...p1.z, ...p1.a, p1.logits, ...p1.deltas!].forEach((v, i) =>
      assert.ok(bits(v).equals(bits([...p2.z, ...p2.a, p2.logits, ...p2.deltas!][i])), `probe pass array ${i}`),
    );
    assert.deepEqual(p1.weightGradNorms, p2.weightGradNorms);
    const f1 = skip.forward(points.x, points.n, { z: true }),
      f2 = dense.forward(points.x, points.n, { z: true });
    assert.ok(bits(f1.logits).equals(bits(f2.logits)), "forward() logits");
    f1.z!.forEach((z, l) => assert.ok(bits(z).equals(bits(f2.z![l])), `forward() z of layer ${l + 1}`));
    return skip.weights();
  } finally {
    skip.dispose();
    dense.dispose();
  }
}

for (const kernel of KERNELS)
  test(`${kernel}: skipping the input's zeros gives the dense kernel's floats bit for bit (sigmoid, momentum; tanh, Adam)`, () => {
    const data = sparseRows(400, 37, 5, 0.8, 1);
    const before = weightsFor([37, 12, 9, 5], 11);
    const after = compare(
      {
        inputDim: 37,
        widths: [12, 9],
        outputDim: 5,
        activation: "sigmoid",
        optimizer: { kind: "sgd", learningRate: 0.5, momentum: 0.9 },
        batchSize: 13,
        kernel,
      },
      data,
      40,
    );
    // The comparison means something only if training moved the first layer's weights.
    assert.ok(!bits(after.W1).equals(bits(before.W1)), "W1 moved");
    compare(
      {
        inputDim: 37,
        widths: [16],
        outputDim: 5,
        activation: "tanh",
        optimizer: { kind: "adam", learningRate: 0.01 },
        loss: { kind: "crossEntropy", labelSmoothing: 0.1 },
        batchSize: 6,
        kernel,
      },
      data,
      30,
    );
  });

for (const kernel of KERNELS)
  test(`${kernel}: on MNIST, and with a batch too large for the skip lists (the kernel runs dense), the floats agree too`, () => {
    const mnist = loadMnist("train", { limit: 1200 });
    const data = { ...mnist, name: "mnist" };
    const base = {
      inputDim: 784,
      widths: [24, 24],
      outputDim: 10,
      activation: "sigmoid" as const,
      optimizer: { kind: "sgd" as const, learningRate: 1 },
      kernel,
    };
    compare({ ...base, batchSize: 32 }, data, 20);
    compare({ ...base, batchSize: 1100 }, data, 1);
  });

test("skipZeros must be a boolean", () => {
  assert.throws(
    () =>
      new FastTrainer({
        inputDim: 4,
        widths: [3],
        outputDim: 2,
        activation: "sigmoid",
        optimizer: { kind: "sgd", learningRate: 1 },
        batchSize: 4,
        weights: weightsFor([4, 3, 2], 1),
        skipZeros: 1 as unknown as boolean,
      }),
    (e: unknown) => e instanceof ConfigError && /skipZeros/.test((e as Error).message),
  );
});
