import { test, before } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { prepareBackend } from "../lib/core/backend";
import { activation } from "../lib/core/activations";
import { crossEntropy } from "../lib/core/loss";
import { Mlp } from "../lib/core/model";
import { ProbePoints, probe } from "../lib/measure/probe";
import { meanRowNorm } from "../lib/measure/deltas";
import { rhoB, saturationFraction, unitSaturation } from "../lib/measure/saturation";
import { inputOutputJacobian } from "../lib/measure/jacobian";
import { percentiles, histogram, bootstrapInterval } from "../lib/measure/stats";
import { Rng } from "../lib/core/rng";
import { refTopHidden, RefNet } from "./helpers/reference-mlp";

before(async () => {
  await prepareBackend({ quiet: true });
});

const sigmoidAsym = activation("sigmoid").asymptotes!;
const tanhAsym = activation("tanh").asymptotes!;

test("two-sided saturation fractions on hand-made values", () => {
  const a = [0.001, 0.009, 0.02, 0.5, 0.96, 0.995, 0.9999, 0.049];
  const s1 = saturationFraction(a, sigmoidAsym, 0.01);
  assert.deepEqual([s1.low, s1.high, s1.total], [2 / 8, 2 / 8, 4 / 8]);
  const s5 = saturationFraction(a, sigmoidAsym, 0.05);
  assert.deepEqual([s5.low, s5.high], [4 / 8, 3 / 8]);
  // tanh: |h| > 1 − ε.
  const t = saturationFraction([-0.995, -0.9, 0, 0.991, 0.98], tanhAsym, 0.01);
  assert.deepEqual([t.low, t.high], [1 / 5, 1 / 5]);
});

test("per-unit saturation separates stuck units from input-dependent ones", () => {
  // 4 points × 3 units: unit 0 always ≈ 0, unit 1 saturated on half the points, unit 2 never.
  const a = [0.001, 0.999, 0.5, 0.002, 0.5, 0.4, 0.0, 0.998, 0.6, 0.003, 0.3, 0.5];
  const u = unitSaturation(a, 4, 3, sigmoidAsym, 0.01, 0.99);
  assert.equal(u.stuckLow, 1);
  assert.equal(u.stuckHigh, 0);
  assert.equal(u.inputDependent, 1);
  assert.equal(u.neverSaturated, 1);
  assert.deepEqual(u.perUnit, [1, 0.5, 0]);
});

test("ρ_B: 1 at the asymptotes, 0 in the middle, about 1/2 for uniform activations", () => {
  assert.ok(Math.abs(rhoB([0, 1, 0, 1], sigmoidAsym, 10) - 1) < 1e-12);
  assert.equal(rhoB([0.5, 0.5, 0.5], sigmoidAsym, 10), 0.05 * 0 + rhoB([0.5], sigmoidAsym, 10));
  assert.ok(rhoB([0.5], sigmoidAsym, 10) < 1e-12);
  const r = new Rng(1);
  const uniform = Array.from({ length: 100000 }, () => r.next());
  assert.ok(Math.abs(rhoB(uniform, sigmoidAsym, 10) - 0.5) < 0.01);
});

test("percentiles and histograms against closed forms", () => {
  const x = Array.from({ length: 101 }, (_, i) => i);
  assert.deepEqual(percentiles(x, [0, 15, 50, 85, 100]), [0, 15, 50, 85, 100]);
  assert.deepEqual(percentiles([1, 2, 3, 4], [50]), [2.5]);
  const h = histogram([0, 0.1, 0.5, 0.99, 1], 2, 0, 1);
  assert.deepEqual(h.counts, [2, 3]);
});

test("bootstrap interval of a mean covers it and narrows with n", () => {
  const r = new Rng(2);
  const xs = Array.from({ length: 400 }, () => r.normal());
  const mean = (idx: Int32Array) => idx.reduce((s, i) => s + xs[i], 0) / idx.length;
  const ci = bootstrapInterval(
    (res) => mean(res(xs.length)),
    500,
    0.95,
    () => r.next(),
  );
  const m = xs.reduce((a, b) => a + b) / xs.length;
  assert.ok(ci.low < m && m < ci.high);
  // Normal theory: half-width ≈ 1.96/√400 ≈ 0.098.
  assert.ok(Math.abs((ci.high - ci.low) / 2 - 0.098) < 0.03, `half-width ${(ci.high - ci.low) / 2}`);
});

function points(n: number, d: number, classes: number, seed: number): ProbePoints {
  const r = new Rng(seed);
  return {
    name: "random",
    n,
    inputDim: d,
    numClasses: classes,
    x: Float32Array.from({ length: n * d }, () => r.uniform(-1, 1)),
    y: Int32Array.from({ length: n }, () => r.int(classes)),
  };
}

test("probe: δ of the output is p − y, δ_l follows the backprop recursion, stats are fractions of n × width", () => {
  const model = new Mlp({
    inputDim: 6,
    widths: [5, 4],
    outputDim: 3,
    activation: "sigmoid",
    init: { name: "normalized", gain: 2 },
    seed: 3,
  });
  const pts = points(7, 6, 3, 4);
  const snap = probe(model, pts);
  // Recompute everything by hand from the weights.
  const W = model.layers.map((l) => l.W.dataSync());
  const { z, a, logits } = tf.tidy(() => {
    const tr = model.forward(tf.tensor2d(pts.x, [7, 6]));
    return {
      z: tr.z.map((t) => t.dataSync() as Float32Array),
      a: tr.a.map((t) => t.dataSync() as Float32Array),
      logits: tr.logits.dataSync() as Float32Array,
    };
  });
  const dOut = new Float64Array(7 * 3);
  for (let i = 0; i < 7; i++) {
    const row = [0, 1, 2].map((c) => Math.exp(logits[i * 3 + c]));
    const s = row[0] + row[1] + row[2];
    row.forEach((e, c) => (dOut[i * 3 + c] = e / s - (pts.y[i] === c ? 1 : 0)));
  }
  assert.ok(Math.abs(snap.output.deltaNorm! - meanRowNorm(dOut, 7, 3)) < 1e-5);
  // δ_2 = σ'(z_2) ⊙ (δ_out W_3ᵀ)
  const d2 = new Float64Array(7 * 4);
  for (let i = 0; i < 7; i++)
    for (let k = 0; k < 4; k++) {
      let s = 0;
      for (let c = 0; c < 3; c++) s += dOut[i * 3 + c] * W[2][k * 3 + c];
      d2[i * 4 + k] = s * activation("sigmoid").df(z[1][i * 4 + k]);
    }
  assert.ok(Math.abs(snap.layers[1].deltaNorm! - meanRowNorm(d2, 7, 4)) < 1e-5);
  // Fractions of the 7 × width entries; means and σ' means from the raw activations.
  snap.layers.forEach((l, i) => {
    l.saturation.forEach((s) => assert.ok(Number.isInteger(Math.round(s.total * 7 * l.width * 1e6) / 1e6)));
    const m = a[i].reduce((x, y) => x + y, 0) / a[i].length;
    assert.ok(Math.abs(l.mean - m) < 1e-6);
    const dm = z[i].reduce((s, v) => s + activation("sigmoid").df(v), 0) / z[i].length;
    assert.ok(Math.abs(l.derivativeMean - dm) < 1e-6);
    assert.equal(
      l.histogram.counts.reduce((x, y) => x + y, 0),
      7 * l.width,
    );
    assert.ok(l.derivativeMean <= 0.25);
  });
  // Weight-gradient norms equal tfjs's gradient of the mean loss.
  const g = tf.tidy(() => {
    const y = tf.oneHot(tf.tensor1d(pts.y, "int32"), 3).toFloat() as tf.Tensor2D;
    const { grads } = tf.variableGrads(
      () => crossEntropy(model.forward(tf.tensor2d(pts.x, [7, 6])).logits, y),
      model.layers.map((l) => l.W),
    );
    return model.layers.map((l) => tf.norm(grads[l.W.name]).dataSync()[0]);
  });
  snap.layers.forEach((l, i) => assert.ok(Math.abs(l.weightGradNorm! - g[i]) < 1e-5 * Math.max(1, g[i])));
  assert.ok(Math.abs(snap.output.weightGradNorm! - g[2]) < 1e-5);
  model.dispose();
});

test("probe leaks no tensors", () => {
  const model = new Mlp({
    inputDim: 6,
    widths: [5, 4],
    outputDim: 3,
    activation: "tanh",
    init: "normalized",
    batchNorm: true,
    seed: 3,
  });
  const pts = points(20, 6, 3, 4);
  probe(model, pts);
  const n = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) probe(model, pts);
  assert.equal(tf.memory().numTensors, n);
  model.dispose();
});

test("input–output Jacobian matches finite differences of a float64 forward pass", () => {
  const model = new Mlp({
    inputDim: 5,
    widths: [4, 6, 3],
    outputDim: 2,
    activation: "tanh",
    init: { name: "orthogonal", gain: 1.3 },
    seed: 8,
  });
  const net: RefNet = {
    W: model.layers.map((l) => Float64Array.from(l.W.dataSync())),
    b: model.layers.map((l) => Float64Array.from((l.b as tf.Variable).dataSync())),
    dims: [5, 4, 6, 3, 2],
    act: "tanh",
    residual: false,
  };
  const x = Float64Array.from(Float32Array.from([0.3, -0.2, 0.9, 0.1, -0.7]));
  const J = inputOutputJacobian(model, x);
  assert.deepEqual([J.rows, J.cols], [3, 5]);
  for (let k = 0; k < 5; k++) {
    const up = Float64Array.from(x),
      dn = Float64Array.from(x);
    up[k] += 1e-6;
    dn[k] -= 1e-6;
    const hu = refTopHidden(net, up),
      hd = refTopHidden(net, dn);
    for (let j = 0; j < 3; j++) {
      const fd = (hu[j] - hd[j]) / 2e-6;
      assert.ok(Math.abs(J.jacobian[j * 5 + k] - fd) < 1e-5, `J[${j},${k}] = ${J.jacobian[j * 5 + k]} vs ${fd}`);
    }
  }
  // Frobenius identity: Σσ² = ‖J‖_F².
  const fro = J.jacobian.reduce((s, v) => s + v * v, 0);
  assert.ok(Math.abs(J.meanSquared * 3 - fro) < 1e-5 * fro);
  model.dispose();
});

test("probe rows and the danfo DataFrame carry the snapshot's numbers", () => {
  const { probeRows, probeFrame } = require("../lib/measure/frames") as typeof import("../lib/measure/frames");
  const model = new Mlp({
    inputDim: 6,
    widths: [5, 4],
    outputDim: 3,
    activation: "sigmoid",
    init: "normalized",
    seed: 3,
  });
  const snap = probe(model, points(9, 6, 3, 4));
  const rows = probeRows(snap);
  assert.equal(rows.length, 2);
  assert.equal(rows[1].mean, snap.layers[1].mean);
  assert.equal(rows[0]["saturated (ε=0.05)"], snap.layers[0].saturation[1].total);
  assert.equal(rows[0]["stuck units"], snap.layers[0].units!.stuckLow + snap.layers[0].units!.stuckHigh);
  const df = probeFrame(snap);
  assert.deepEqual(df.shape, [2, Object.keys(rows[0]).length]);
  assert.deepEqual(df.columns, Object.keys(rows[0]));
  assert.equal((df.column("mean").values as number[])[1], snap.layers[1].mean);
  model.dispose();
});

test("the flat measure: f'(z)/max f' < δ selects the sigmoid's ε-saturated entries at δ = 4ε(1 − ε), and counts ReLU's off side", async () => {
  const { flatFraction, saturationFraction: sat, sigmoidDeltaForEps } = await import("../lib/measure/saturation");
  const sig = activation("sigmoid");
  const h = Float64Array.from({ length: 2001 }, (_, i) => i / 2000);
  for (const eps of [0.01, 0.05]) {
    const delta = sigmoidDeltaForEps(eps);
    // Same entries, up to the two boundary points where h(1 − h) equals ε(1 − ε) exactly.
    assert.ok(Math.abs(flatFraction(h, sig, delta) - sat(h, sig.asymptotes!, eps).total) <= 2 / h.length, `eps ${eps}`);
  }
  assert.ok(Math.abs(sigmoidDeltaForEps(0.01) - 0.0396) < 1e-12);
  // tanh at ε = 0.01: |h| > 0.99 has slope 1 − h² < 1 − 0.99² = 0.0199 of its maximum 1.
  const tanh = activation("tanh");
  const t = Float64Array.from({ length: 2001 }, (_, i) => -1 + i / 1000);
  assert.ok(Math.abs(flatFraction(t, tanh, 1 - 0.99 ** 2) - sat(t, tanh.asymptotes!, 0.01).total) <= 4 / t.length);
  assert.equal(flatFraction([0, 0, 0.3, 2], activation("relu"), 0.04), 0.5);
  assert.equal(flatFraction([-3, 0, 3], activation("linear"), 0.5), 0);
});
