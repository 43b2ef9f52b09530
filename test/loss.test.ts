/**
 * The training losses (lib/core/loss: label smoothing, the quadratic cost on
 * the softmax) and SGD's weight decay (lib/core/optim), against hand
 * computations and closed-form gradients; their defaults change nothing.
 */
import { test, before } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { prepareBackend } from "../lib/core/backend";
import { ConfigError } from "../lib/core/errors";
import { LossConfig, crossEntropy, oneHot, trainingLoss } from "../lib/core/loss";
import { loadMnist } from "../lib/data/mnist";
import { Mlp } from "../lib/core/model";
import { TrainConfig, train } from "../lib/core/train";

before(async () => {
  await prepareBackend({ quiet: true });
});

const LOGITS = [
  [2.0, -1.0, 0.5],
  [0.1, 0.2, -3.0],
  [-0.5, 1.5, 1.0],
  [3.0, 3.0, -2.0],
];
const LABELS = [0, 2, 1, 1];

const softmax = (row: number[]) => {
  const m = Math.max(...row),
    e = row.map((v) => Math.exp(v - m)),
    s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

/** The loss and its gradient with respect to the logits, through tfjs. */
function lossAndGrad(config: LossConfig | undefined): { loss: number; grad: number[][] } {
  const v = tf.variable(tf.tensor2d(LOGITS));
  try {
    return tf.tidy(() => {
      const y = oneHot(LABELS, 3);
      const { value, grads } = tf.variableGrads(
        () => trainingLoss(config, v as tf.Variable as unknown as tf.Tensor2D, y),
        [v],
      );
      return { loss: value.dataSync()[0], grad: grads[v.name].arraySync() as number[][] };
    });
  } finally {
    v.dispose();
  }
}

test("label smoothing: the mean of −Σ_k [(1 − α) y_k + α/C] log p_k, gradient (p − t)/n", () => {
  const alpha = 0.2,
    C = 3,
    n = LOGITS.length;
  const targets = LABELS.map((y) => [0, 1, 2].map((k) => (k === y ? 1 - alpha : 0) + alpha / C));
  const byHand =
    LOGITS.reduce((s, row, i) => s - softmax(row).reduce((a, p, k) => a + targets[i][k] * Math.log(p), 0), 0) / n;
  const { loss, grad } = lossAndGrad({ kind: "crossEntropy", labelSmoothing: alpha });
  assert.ok(Math.abs(loss - byHand) < 1e-5, `${loss} vs ${byHand}`);
  LOGITS.forEach((row, i) =>
    softmax(row).forEach((p, k) => assert.ok(Math.abs(grad[i][k] - (p - targets[i][k]) / n) < 1e-6)),
  );
});

test("quadratic cost on the softmax: the mean of Σ_k (p_k − y_k)², gradient 2 p_j [(p_j − y_j) − Σ_k (p_k − y_k) p_k] / n", () => {
  const n = LOGITS.length;
  const y = LABELS.map((c) => [0, 1, 2].map((k) => (k === c ? 1 : 0)));
  const byHand = LOGITS.reduce((s, row, i) => s + softmax(row).reduce((a, p, k) => a + (p - y[i][k]) ** 2, 0), 0) / n;
  const { loss, grad } = lossAndGrad({ kind: "mse" });
  assert.ok(Math.abs(loss - byHand) < 1e-5, `${loss} vs ${byHand}`);
  LOGITS.forEach((row, i) => {
    const p = softmax(row);
    const dot = p.reduce((a, pk, k) => a + (pk - y[i][k]) * pk, 0);
    p.forEach((pj, j) =>
      assert.ok(Math.abs(grad[i][j] - (2 * pj * (pj - y[i][j] - dot)) / n) < 1e-6, `row ${i} class ${j}`),
    );
  });
});

test("the default loss is cross-entropy: undefined, { crossEntropy } and α = 0 give the same value", () => {
  const ce = tf.tidy(() => crossEntropy(tf.tensor2d(LOGITS), oneHot(LABELS, 3)).dataSync()[0]);
  for (const c of [undefined, { kind: "crossEntropy" as const }, { kind: "crossEntropy" as const, labelSmoothing: 0 }])
    assert.equal(lossAndGrad(c).loss, ce);
});

const net = () =>
  new Mlp({ inputDim: 784, widths: [16, 16], outputDim: 10, activation: "sigmoid", init: "standard", seed: 3 });

async function trained(cfg: Partial<TrainConfig>, epochs = 1): Promise<Record<string, Float32Array>> {
  const m = net();
  await train(
    m,
    { train: loadMnist("train", { limit: 64 }) },
    { epochs, batchSize: 64, optimizer: { kind: "sgd", learningRate: 0.5 }, seed: 1, ...cfg },
  );
  const w = m.getWeights();
  m.dispose();
  return w;
}

test("weight decay: one full-batch step is θ − η (g + λθ) for every parameter; λ = 0 and the default loss change nothing", async () => {
  const lr = 0.5,
    lambda = 0.1;
  const d = loadMnist("train", { limit: 64 });
  const ref = net();
  const before = ref.getWeights();
  const g = tf.tidy(() => {
    const { grads } = tf.variableGrads(
      () => crossEntropy(ref.forward(tf.tensor2d(d.x, [64, 784])).logits, oneHot(d.y, 10)),
      ref.trainableVariables(),
    );
    return Object.fromEntries(
      ref.namedVariables().map(([name, v]) => [name, grads[v.name].dataSync() as Float32Array]),
    );
  });
  ref.dispose();
  const after = await trained({ optimizer: { kind: "sgd", learningRate: lr, weightDecay: lambda } });
  for (const name of Object.keys(before)) {
    before[name].forEach((t, k) => {
      const expected = t - lr * (g[name][k] + lambda * t);
      assert.ok(Math.abs(after[name][k] - expected) < 2e-6, `${name}[${k}]: ${after[name][k]} vs ${expected}`);
    });
  }
  const plain = await trained({}, 2);
  assert.deepEqual(await trained({ optimizer: { kind: "sgd", learningRate: 0.5, weightDecay: 0 } }, 2), plain);
  assert.deepEqual(await trained({ loss: { kind: "crossEntropy" } }, 2), plain);
  assert.notDeepEqual(await trained({ loss: { kind: "mse" } }, 2), plain);
});

test("bad losses and weight decays are refused with a ConfigError naming the field", async () => {
  await assert.rejects(
    trained({ loss: { kind: "crossEntropy", labelSmoothing: 1 } }),
    (e: unknown) => e instanceof ConfigError && /loss\.labelSmoothing/.test(e.message),
  );
  await assert.rejects(trained({ loss: { kind: "hinge" } as unknown as LossConfig }), /loss\.kind/);
  await assert.rejects(
    trained({ optimizer: { kind: "sgd", learningRate: 0.5, weightDecay: -1 } }),
    (e: unknown) => e instanceof ConfigError && /optimizer\.weightDecay/.test(e.message),
  );
});
