import { test, before } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { prepareBackend } from "../lib/core/backend";
import { loadMnist } from "../lib/data/mnist";
import { subset } from "../lib/data/dataset";
import { Mlp, MlpConfig } from "../lib/core/model";
import { TrainConfig, TrainData, train } from "../lib/core/train";
import { crossEntropy } from "../lib/core/loss";
import { probe } from "../lib/measure/probe";
import { DivergenceError, InterruptedError } from "../lib/core/errors";

before(async () => {
  await prepareBackend({ quiet: true });
});

const mnist = () => loadMnist("train", { limit: 1024 });
const held = () => loadMnist("test", { limit: 256 });
const net = (patch: Partial<MlpConfig> = {}): Mlp =>
  new Mlp({
    inputDim: 784,
    widths: [32, 32, 32],
    outputDim: 10,
    activation: "sigmoid",
    init: "standard",
    seed: 1,
    ...patch,
  });
const sgd = (lr: number, momentum = 0) => ({ kind: "sgd" as const, learningRate: lr, momentum });

test("same seed, same numbers; another seed, other numbers", async () => {
  const run = async (seed: number) => {
    const m = net({ seed });
    const r = await train(
      m,
      { train: mnist(), observe: probe, probeSets: [subset(held(), [0, 1, 2, 3], "p")] },
      { epochs: 2, batchSize: 64, optimizer: sgd(0.5, 0.9), seed },
    );
    const w = m.getWeights();
    m.dispose();
    return { losses: r.stepLosses, w, probe: r.probes[r.probes.length - 1].snapshots[0].layers[2].mean };
  };
  const a = await run(3),
    b = await run(3),
    c = await run(4);
  assert.deepEqual(a.losses, b.losses);
  assert.deepEqual(a.w, b.w);
  assert.equal(a.probe, b.probe);
  assert.notDeepEqual(a.losses, c.losses);
});

test("no tensor leaks: the tensor count after epoch 2 equals that after epoch 10", async () => {
  for (const [patch, optimizer] of [
    [{}, sgd(0.1, 0.9)],
    [
      { batchNorm: true, residual: true },
      { kind: "adam" as const, learningRate: 1e-3 },
    ],
  ] as const) {
    const m = net(patch);
    const counts: number[] = [];
    await train(
      m,
      {
        train: loadMnist("train", { limit: 256 }),
        test: held(),
        observe: probe,
        probeSets: [subset(held(), [0, 1, 2], "p")],
      },
      { epochs: 10, batchSize: 64, optimizer, seed: 1, probeEverySteps: 3 },
      { onEpoch: () => counts.push(tf.memory().numTensors) },
    );
    assert.equal(counts[9], counts[1], `tensor counts per epoch: ${counts.join(", ")}`);
    m.dispose();
  }
});

test("a non-finite loss stops training with the step and a smaller learning rate to try", async () => {
  const m = net({ activation: "linear", init: { name: "normalized", gain: 4 } });
  await assert.rejects(
    train(m, { train: mnist() }, { epochs: 5, batchSize: 32, optimizer: sgd(1e4), seed: 1 }),
    (e: unknown) => {
      assert.ok(e instanceof DivergenceError);
      assert.match(
        e.message,
        /became non-finite at step \d+ \(epoch \d\)\. Try a smaller learning rate than 10000 \(e\.g\. 1000\)/,
      );
      return true;
    },
  );
  // The diverging update never reached the weights.
  for (const w of Object.values(m.getWeights())) assert.ok(w.every(Number.isFinite));
  m.dispose();
});

test("bad training configs name the field and what is allowed, before any tensor", async () => {
  const m = net();
  const data: TrainData = { train: mnist() };
  const base: TrainConfig = { epochs: 1, batchSize: 32, optimizer: sgd(0.1), seed: 1 };
  const cases: [Partial<TrainConfig>, TrainData, RegExp][] = [
    [{ batchSize: 5000 }, data, /Invalid batchSize: got 5000; expected at most the number of training points \(1024\)/],
    [{ batchSize: 0 }, data, /Invalid batchSize/],
    [{ epochs: -1 }, data, /Invalid epochs/],
    [{ optimizer: sgd(0) }, data, /Invalid optimizer.learningRate: got 0; expected a positive finite number/],
    [{ optimizer: sgd(NaN) }, data, /Invalid optimizer.learningRate: got NaN/],
    [{ optimizer: sgd(Infinity) }, data, /Invalid optimizer.learningRate/],
    [{ optimizer: sgd(0.1, 1.5) }, data, /Invalid optimizer.momentum/],
    [
      { optimizer: { kind: "rmsprop", learningRate: 1 } as unknown as TrainConfig["optimizer"] },
      data,
      /Invalid optimizer.kind: got "rmsprop"/,
    ],
    [{ layerLearningRates: [1, 1] }, data, /Invalid layerLearningRates: got \[1, 1\]; expected 4 positive multipliers/],
    [{ layerLearningRates: [1, 1, -1, 1] }, data, /Invalid layerLearningRates\[2\]/],
    [
      {},
      { train: { ...mnist(), inputDim: 10, x: new Float32Array(10240) } },
      /Invalid train.inputDim: got 10; expected the model's inputDim \(784\)/,
    ],
    [
      {},
      { train: { ...mnist(), y: new Int32Array(1024).fill(12) } },
      /Invalid train.y\[0\]: got 12; expected a label in \[0, 10\)/,
    ],
  ];
  const before = tf.memory().numTensors;
  for (const [patch, d, msg] of cases) await assert.rejects(train(m, d, { ...base, ...patch }), msg);
  assert.equal(tf.memory().numTensors, before);
  m.dispose();
});

/** The full-batch gradient of the mean loss at the model's current weights. */
function fullBatchGradient(m: Mlp, d: ReturnType<typeof mnist>) {
  return tf.tidy(() => {
    const x = tf.tensor2d(d.x, [d.n, 784]);
    const y = tf.oneHot(tf.tensor1d(d.y, "int32"), 10).toFloat() as tf.Tensor2D;
    const { grads } = tf.variableGrads(
      () => crossEntropy(m.forward(x, { training: true }).logits, y),
      m.trainableVariables(),
    );
    return m.layers.map((l) => grads[l.W.name].dataSync() as Float32Array);
  });
}

test("SGD with momentum: two full-batch steps equal the update rule written by hand", async () => {
  const d = loadMnist("train", { limit: 128 });
  const m = net(),
    ref = net();
  const lr = 0.3,
    mu = 0.9;
  const W0 = m.layers.map((l) => l.W.dataSync() as Float32Array);
  const g1 = fullBatchGradient(ref, d);
  await train(m, { train: d }, { epochs: 1, batchSize: 128, optimizer: sgd(lr, mu), seed: 1 });
  const W1 = m.layers.map((l) => l.W.dataSync() as Float32Array);
  W1.forEach((w, l) => w.forEach((v, k) => assert.ok(Math.abs(v - (W0[l][k] - lr * g1[l][k])) < 1e-6)));
  // Second step: v₂ = μ g₁ + g₂.
  ref.setWeights(m.getWeights());
  const g2 = fullBatchGradient(ref, d);
  const m2 = net();
  await train(m2, { train: d }, { epochs: 2, batchSize: 128, optimizer: sgd(lr, mu), seed: 1 });
  m2.layers.forEach((l, i) =>
    (l.W.dataSync() as Float32Array).forEach((v, k) => {
      const expected = W1[i][k] - lr * (mu * g1[i][k] + g2[i][k]);
      assert.ok(Math.abs(v - expected) < 2e-6, `layer ${i + 1}[${k}]: ${v} vs ${expected}`);
    }),
  );
  [m, ref, m2].forEach((x) => x.dispose());
});

test("per-layer learning rates scale each layer's first step by its own multiplier", async () => {
  const d = loadMnist("train", { limit: 128 });
  const mult = [8, 1, 0.25, 2];
  const a = net(),
    b = net();
  const W0 = a.layers.map((l) => l.W.dataSync() as Float32Array);
  await train(a, { train: d }, { epochs: 1, batchSize: 128, optimizer: sgd(0.1), seed: 1, layerLearningRates: mult });
  await train(b, { train: d }, { epochs: 1, batchSize: 128, optimizer: sgd(0.1), seed: 1 });
  a.layers.forEach((l, i) => {
    const da = l.W.dataSync(),
      db = b.layers[i].W.dataSync();
    let num = 0,
      den = 0;
    for (let k = 0; k < da.length; k++) {
      num += (da[k] - W0[i][k]) * (db[k] - W0[i][k]);
      den += (db[k] - W0[i][k]) ** 2;
    }
    // Projection of ΔW(a) on ΔW(b): exactly the multiplier when the gradients are the same.
    assert.ok(Math.abs(num / den - mult[i]) < 1e-3 * mult[i], `layer ${i + 1}: ratio ${num / den} vs ${mult[i]}`);
  });
  a.dispose();
  b.dispose();
});

test("Adam's first step moves every weight by about the learning rate (m̂/√v̂ = sign g)", async () => {
  const d = loadMnist("train", { limit: 128 });
  const m = net();
  const W0 = m.layers.map((l) => l.W.dataSync() as Float32Array);
  const g = fullBatchGradient(m, d);
  await train(m, { train: d }, { epochs: 1, batchSize: 128, optimizer: { kind: "adam", learningRate: 1e-3 }, seed: 1 });
  m.layers.forEach((l, i) =>
    (l.W.dataSync() as Float32Array).forEach((v, k) => {
      if (Math.abs(g[i][k]) < 1e-6) return; // ε matters for tiny gradients
      assert.ok(
        Math.abs(W0[i][k] - v - 1e-3 * Math.sign(g[i][k])) < 2e-5,
        `Adam step ${W0[i][k] - v} for g = ${g[i][k]}`,
      );
    }),
  );
  m.dispose();
});

test("training learns MNIST, probes come at the asked cadence with update:data ratios", async () => {
  const m = net({ init: "normalized", widths: [64, 64] });
  const r = await train(
    m,
    { train: mnist(), test: held(), observe: probe, probeSets: [subset(mnist(), [0, 1, 2, 3, 4], "p")] },
    { epochs: 4, batchSize: 32, optimizer: { kind: "adam", learningRate: 3e-3 }, seed: 2, probeEverySteps: 10 },
  );
  assert.ok(r.epochs[3].test!.accuracy > 0.75, `test accuracy ${r.epochs[3].test!.accuracy}`);
  assert.ok(r.epochs[3].train.loss < r.epochs[0].train.loss);
  assert.deepEqual(
    r.probes.slice(0, 4).map((p) => p.step),
    [0, 10, 20, 30],
  );
  // Every 10th step, plus the final network after the last step (128 steps: …, 120, 128).
  assert.equal(r.steps, 128);
  assert.equal(r.probes.length, 1 + Math.floor(r.steps / 10) + 1);
  assert.equal(r.probes[r.probes.length - 1].step, r.steps);
  assert.equal(r.probes[0].updateToData, null);
  for (const p of r.probes.slice(1)) {
    assert.equal(p.updateToData!.length, 3);
    // Adam moves each weight by at most about lr·(1+small), so ‖ΔW‖/‖W‖ ≤ lr·√size/‖W‖.
    p.updateToData!.forEach((u, i) =>
      assert.ok(
        u > 0 &&
          u <=
            ((3e-3 * 1.01 * Math.sqrt(m.layers[i].W.size)) /
              Math.sqrt(tf.tidy(() => tf.sum(tf.square(m.layers[i].W)).dataSync()[0]))) *
              2,
      ),
    );
  }
  m.dispose();
});

test("epochOrder: the default permutation given explicitly trains bit-identically; repeats change the stream; bad orders are refused", async () => {
  const data = loadMnist("train", { limit: 256 });
  const cfg: TrainConfig = { epochs: 2, batchSize: 32, optimizer: sgd(0.5), seed: 7 };
  const run = async (order?: TrainData["epochOrder"]) => {
    const m = net();
    const r = await train(m, { train: data, epochOrder: order }, cfg);
    const w = m.getWeights();
    m.dispose();
    return { r, w };
  };
  const plain = await run();
  const { permutation } = await import("../lib/core/rng");
  const same = await run((_epoch, rng) => permutation(data.n, rng));
  assert.deepEqual(same.w, plain.w, "the default stream is a seeded permutation per epoch");
  // Rows 0..63 visited three times per epoch, the rest once: 64·3 + 192 = 384 rows, 12 steps of 32.
  const repeated = await run((_epoch, rng) => {
    const rows = [
      ...Array.from({ length: 64 }, (_, i) => [i, i, i]).flat(),
      ...Array.from({ length: 192 }, (_, i) => 64 + i),
    ];
    const order = Int32Array.from(rows);
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    return order;
  });
  assert.equal(repeated.r.steps, 2 * 12);
  assert.equal(plain.r.steps, 2 * 8);
  await assert.rejects(
    run(() => Int32Array.from([0, 1, 256])),
    /epochOrder\(1\)\[2\].*row index in \[0, 256\)/,
  );
  await assert.rejects(
    run((epoch) => new Int32Array(epoch === 1 ? 64 : 96)),
    /epochOrder\(2\)\.length/,
  );
});

test("a stop signal ends training before the next step with an InterruptedError naming the step; the weights keep the last whole step", async () => {
  const m = net();
  let stopAfter = 5,
    steps = 0;
  const signal = {
    get aborted() {
      return steps >= stopAfter;
    },
  };
  await assert.rejects(
    train(
      m,
      { train: mnist() },
      { epochs: 3, batchSize: 64, optimizer: sgd(0.5), seed: 1 },
      {
        signal,
        onStep: (s) => {
          steps = s.step;
        },
      },
    ),
    (e: unknown) => e instanceof InterruptedError && e.step === 5 && /Interrupted at step 5/.test(e.message),
  );
  assert.equal(steps, 5, "no step ran after the signal");
  m.dispose();
  stopAfter = Infinity;
});

test("the last probe record is the final network: the same numbers as probing the trained model afterwards", async () => {
  // 1024 rows / batch 32 = 32 steps per epoch; probing every 12 steps would otherwise stop at step 60 of 64.
  const points = subset(held(), [0, 1, 2, 3, 4, 5, 6, 7], "p");
  const m = net();
  const r = await train(
    m,
    { train: mnist(), observe: probe, probeSets: [points] },
    { epochs: 2, batchSize: 32, optimizer: sgd(1), seed: 3, probeEverySteps: 12 },
  );
  assert.deepEqual(
    r.probes.map((p) => p.step),
    [0, 12, 24, 36, 48, 60, 64],
  );
  const last = r.probes[r.probes.length - 1];
  assert.equal(last.epoch, 2);
  assert.equal(last.updateToData!.length, 4);
  const after = probe(m, points);
  assert.ok(Math.abs(last.snapshots[0].loss - after.loss) < 1e-5, `${last.snapshots[0].loss} vs ${after.loss}`);
  last.snapshots[0].layers.forEach((l, i) => {
    assert.ok(Math.abs(l.mean - after.layers[i].mean) < 1e-5, `layer ${i + 1}: ${l.mean} vs ${after.layers[i].mean}`);
  });
  // An interrupted or capped run ends where it stopped: maxSteps = 50 probes at 0, 12, 24, 36, 48 and 50.
  const m2 = net();
  const capped = await train(
    m2,
    { train: mnist(), observe: probe, probeSets: [points] },
    { epochs: 2, batchSize: 32, optimizer: sgd(1), seed: 3, probeEverySteps: 12, maxSteps: 50 },
  );
  assert.deepEqual(
    capped.probes.map((p) => p.step),
    [0, 12, 24, 36, 48, 50],
  );
  m.dispose();
  m2.dispose();
});
