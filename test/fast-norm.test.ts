/**
 * Batch normalization and residual blocks in the fast kernel against a
 * float64 reference written here (lib/core/model.ts's definitions, no tfjs):
 * the gradient of one step (read off the weights it moved) against central
 * finite differences of the reference loss, the moving averages after it,
 * forward() in inference mode, bit-identical reruns, and bad weights refused.
 * Sizes are not multiples of the kernel's tiles and the batch is not a
 * multiple of 4, so padding columns and rows are exercised.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { activation, ActivationName } from "../lib/core/activations";
import { BN_EPSILON, BN_MOMENTUM } from "../lib/core/model";
import { ConfigError } from "../lib/core/errors";
import { FastTrainer, fastPathSupports } from "../lib/core/fast";

const DIMS = [10, 12, 12, 12, 3]; // layer 1 is 10 → 12 (no block), layers 2 and 3 are blocks under `residual`
const N = 6;

function stream(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

interface Arch {
  readonly batchNorm: boolean;
  readonly residual: boolean;
}

/** Parameters named as Mlp.getWeights(), random but well scaled; γ near 1, moving averages away from their init. */
function params(arch: Arch, seed: number): Record<string, Float32Array> {
  const r = stream(seed),
    w: Record<string, Float32Array> = {};
  const vec = (m: number, centre: number, spread: number) =>
    Float32Array.from({ length: m }, () => centre + spread * r());
  for (let l = 1; l < DIMS.length; l++) {
    const k = DIMS[l - 1],
      m = DIMS[l],
      hidden = l < DIMS.length - 1;
    w[`W${l}`] = Float32Array.from({ length: k * m }, () => (3 / Math.sqrt(k)) * r());
    if (hidden && arch.batchNorm) {
      w[`gamma${l}`] = vec(m, 1, 0.4);
      w[`beta${l}`] = vec(m, 0, 0.4);
      w[`movingMean${l}`] = vec(m, 0, 0.6);
      w[`movingVariance${l}`] = vec(m, 1, 0.8);
    } else w[`b${l}`] = vec(m, 0, 0.4);
    if (hidden && arch.residual && k === m) {
      w[`R${l}`] = Float32Array.from({ length: m * m }, () => (2 / Math.sqrt(m)) * r());
      w[`c${l}`] = vec(m, 0, 0.2);
    }
  }
  return w;
}

function batch(seed: number) {
  const r = stream(seed);
  return {
    x: Float32Array.from({ length: N * DIMS[0] }, () => 2 * r()),
    labels: Int32Array.from({ length: N }, () => Math.floor((r() + 0.5) * 3)),
  };
}

type P64 = Record<string, Float64Array>;

/**
 * The float64 forward pass of lib/core/model.ts: z = BN(h W) (batch
 * statistics when training, else the moving averages) or h W + b, a = f(z),
 * h = h + a R + c in a block; mean softmax cross-entropy of the logits.
 */
function reference(p: P64, act: ActivationName, x: Float32Array, labels: Int32Array, training: boolean) {
  const f = activation(act).f,
    n = labels.length,
    L1 = DIMS.length - 1;
  let h = Float64Array.from(x);
  const zs: Float64Array[] = [],
    as: Float64Array[] = [],
    stats: { mean: Float64Array; variance: Float64Array }[] = [];
  for (let l = 1; l <= L1; l++) {
    const k = DIMS[l - 1],
      m = DIMS[l],
      W = p[`W${l}`];
    const u = new Float64Array(n * m);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < m; j++) {
        let s = p[`b${l}`] ? p[`b${l}`][j] : 0;
        for (let q = 0; q < k; q++) s += h[i * k + q] * W[q * m + j];
        u[i * m + j] = s;
      }
    if (l === L1) {
      h = u;
      break;
    }
    let z = u;
    if (p[`gamma${l}`]) {
      const mean = new Float64Array(m),
        variance = new Float64Array(m);
      for (let j = 0; j < m; j++) {
        for (let i = 0; i < n; i++) mean[j] += u[i * m + j] / n;
        for (let i = 0; i < n; i++) variance[j] += (u[i * m + j] - mean[j]) ** 2 / n;
      }
      stats.push({ mean, variance });
      const mu = training ? mean : p[`movingMean${l}`],
        v = training ? variance : p[`movingVariance${l}`];
      z = u.map((val, t) => {
        const j = t % m;
        return (p[`gamma${l}`][j] * (val - mu[j])) / Math.sqrt(v[j] + BN_EPSILON) + p[`beta${l}`][j];
      });
    }
    const a = z.map(f);
    zs.push(z);
    as.push(a);
    const R = p[`R${l}`];
    if (R) {
      const next = new Float64Array(n * m);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < m; j++) {
          let s = h[i * m + j] + p[`c${l}`][j];
          for (let q = 0; q < m; q++) s += a[i * m + q] * R[q * m + j];
          next[i * m + j] = s;
        }
      h = next;
    } else h = a;
  }
  const C = DIMS[L1];
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const row = h.subarray(i * C, (i + 1) * C);
    const top = Math.max(...row);
    loss += top + Math.log(row.reduce((s, v) => s + Math.exp(v - top), 0)) - row[labels[i]];
  }
  return { loss: loss / n, z: zs, a: as, logits: h, stats };
}

const to64 = (w: Record<string, Float32Array>): P64 =>
  Object.fromEntries(Object.entries(w).map(([k, v]) => [k, Float64Array.from(v)]));

function trainer(arch: Arch, act: ActivationName, weights: Record<string, Float32Array>, lr = 1, momentum = 0) {
  return new FastTrainer({
    inputDim: DIMS[0],
    widths: DIMS.slice(1, -1),
    outputDim: DIMS[DIMS.length - 1],
    activation: act,
    ...arch,
    optimizer: { kind: "sgd", learningRate: lr, momentum },
    batchSize: 8,
    weights,
    kernel: "simd",
  });
}

const ARCHS: [string, Arch][] = [
  ["batch norm", { batchNorm: true, residual: false }],
  ["residual blocks", { batchNorm: false, residual: true }],
  ["batch norm + residual blocks", { batchNorm: true, residual: true }],
];

for (const [name, arch] of ARCHS) {
  test(`${name}: one SGD step's gradient equals float64 finite differences of every parameter; moving averages follow`, () => {
    const w = params(arch, 3),
      b = batch(4),
      lr = 0.5;
    const t = trainer(arch, "sigmoid", w, lr);
    const loss = t.step(b.x, b.labels, { measure: true });
    const after = t.weights();
    const p = to64(w),
      ref = reference(p, "sigmoid", b.x, b.labels, true);
    assert.ok(Math.abs(loss - ref.loss) < 1e-6, `loss ${loss} vs float64 ${ref.loss}`);
    let worst = 0,
      largest = 0,
      count = 0;
    for (const key of Object.keys(w)) {
      if (key.startsWith("moving")) continue;
      for (let i = 0; i < w[key].length; i++) {
        const old = p[key][i],
          h = 1e-6;
        p[key][i] = old + h;
        const up = reference(p, "sigmoid", b.x, b.labels, true).loss;
        p[key][i] = old - h;
        const down = reference(p, "sigmoid", b.x, b.labels, true).loss;
        p[key][i] = old;
        const fd = (up - down) / (2 * h),
          implied = (w[key][i] - after[key][i]) / lr;
        worst = Math.max(worst, Math.abs(implied - fd));
        largest = Math.max(largest, Math.abs(fd));
        count++;
      }
    }
    // The implied gradient carries the float32 rounding of θ − lr·g (|θ| ≲ 2: 1.2e-7 / lr) and
    // the kernel's float32 sums (relative ~1e-6); the finite differences are good to ~1e-9.
    assert.ok(largest > 1e-2, `the step has a gradient to check (${largest})`);
    assert.ok(
      worst < 1e-6 + 1e-5 * largest,
      `${count} parameters: max |g_kernel − g_fd| = ${worst} (largest ${largest})`,
    );
    // ‖Δθ_l‖² counts every parameter of the layer.
    const sq = t.updateSquares() as number[];
    sq.forEach((s, l) => {
      let e = 0;
      for (const key of Object.keys(w))
        if (!key.startsWith("moving") && Number(key.replace(/^\D+/, "")) === l + 1)
          for (let i = 0; i < w[key].length; i++) e += (after[key][i] - w[key][i]) ** 2;
      assert.ok(Math.abs(s - e) <= 1e-3 * e + 1e-12, `layer ${l + 1}: ${s} vs ${e}`);
    });
    if (!arch.batchNorm) return;
    ref.stats.forEach(({ mean, variance }, l) => {
      for (let j = 0; j < mean.length; j++) {
        const mm = BN_MOMENTUM * w[`movingMean${l + 1}`][j] + (1 - BN_MOMENTUM) * mean[j];
        const mv = BN_MOMENTUM * w[`movingVariance${l + 1}`][j] + (1 - BN_MOMENTUM) * variance[j];
        assert.ok(Math.abs(after[`movingMean${l + 1}`][j] - mm) < 1e-6, `movingMean${l + 1}[${j}]`);
        assert.ok(
          Math.abs(after[`movingVariance${l + 1}`][j] - mv) < 1e-6 * Math.max(1, mv),
          `movingVariance${l + 1}[${j}]`,
        );
      }
    });
  });
}

test("forward() uses the moving averages (inference mode) and computes the blocks: z, f(z), logits as float64", () => {
  const arch = { batchNorm: true, residual: true };
  const w = params(arch, 8),
    b = batch(9);
  for (const act of ["sigmoid", "tanh"] as const) {
    const out = trainer(arch, act, w).forward(b.x, N, { z: true });
    const ref = reference(to64(w), act, b.x, b.labels, false);
    const near = (a: Float32Array, e: Float64Array, what: string) =>
      e.forEach((v, i) =>
        assert.ok(Math.abs(a[i] - v) < 2e-6 * Math.max(1, Math.abs(v)), `${act} ${what}[${i}]: ${a[i]} vs ${v}`),
      );
    ref.z.forEach((z, l) => near((out.z as Float32Array[])[l], z, `z${l + 1}`));
    ref.a.forEach((a, l) => near((out.a as Float32Array[])[l], a, `a${l + 1}`));
    near(out.logits, ref.logits, "logits");
  }
});

test("batch norm and residual blocks: same weights and batches give bit-identical runs (30 momentum steps)", () => {
  const arch = { batchNorm: true, residual: true };
  const run = () => {
    const t = trainer(arch, "sigmoid", params(arch, 5), 0.3, 0.9);
    const losses = Array.from({ length: 30 }, (_, s) => {
      const b = batch(100 + s);
      return t.step(b.x, b.labels);
    });
    return { losses, w: t.weights() };
  };
  const a = run(),
    b = run();
  assert.deepEqual(a.losses, b.losses);
  assert.deepEqual(a.w, b.w);
  assert.ok(a.losses.every(Number.isFinite));
});

test("batch norm and residual weights are checked by name and shape; the route takes these models", () => {
  const arch = { batchNorm: true, residual: true };
  const w = params(arch, 1);
  const field = (f: () => unknown, name: string) =>
    assert.throws(f, (e: unknown) => e instanceof ConfigError && e.field === name, `expected a ConfigError on ${name}`);
  const { gamma2: _g, ...noGamma } = w;
  field(() => trainer(arch, "sigmoid", noGamma), "weights.gamma2");
  field(() => trainer(arch, "sigmoid", { ...w, R3: new Float32Array(5) }), "weights.R3");
  field(() => trainer({ batchNorm: false, residual: true }, "sigmoid", w), "weights.b1");
  field(() => trainer({ batchNorm: "yes" as unknown as boolean, residual: false }, "sigmoid", w), "batchNorm");
  const train = { optimizer: { kind: "sgd" as const, learningRate: 1 }, batchSize: 32 };
  for (const model of [
    { activation: "sigmoid", widths: [64, 64], batchNorm: true },
    { activation: "sigmoid", widths: [64, 64], residual: true },
  ])
    assert.equal(fastPathSupports({ model, train }).ok, true);
});
