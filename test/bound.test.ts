import { test, before } from "node:test";
import * as assert from "node:assert/strict";
import { prepareBackend } from "../lib/core/backend";
import { Mlp } from "../lib/core/model";
import * as tf from "@tensorflow/tfjs";
import { matmul, matrix, orthonormalColumns, transpose } from "../lib/core/linalg";
import {
  derivatives,
  hiddenJacobian,
  inputOutputJacobian,
  jacobianMeanSquared,
  jacobianSpectra,
  layerJacobianMeanSingularValues,
  quarterCircleMeanSingularValue,
} from "../lib/measure/jacobian";
import { singularValues, spectrumStats } from "../lib/measure/svd";
import { findGain, hiddenGainSetter, isometryGain, prescribedNet } from "../lib/measure/isometry";
import { centerBiases } from "../lib/core/centre";
import { glorotBengioJacobian } from "../lib/data/published";
import {
  activationGradient,
  sigmoid,
  sigmoidDerivative,
  sigmoidDerivativeLevel,
} from "../lib/chapters/bound-derivation";
import { scoped } from "../lib/core/scope";
import { Rng } from "../lib/core/rng";
import {
  backpropPass,
  deltaRatio,
  layerSpectralNorms,
  meanFieldChi,
  measureBound,
  spectralNormBySvd,
  weightMatrix,
} from "../lib/measure/bound";

/** ∂h_to/∂x by tfjs autodiff (a second implementation, independent of the float64 product): row j from a copy of x keeping unit j. */
function autodiffJacobian(model: Mlp, x: Float32Array, toLayer: number): Float32Array {
  const d = model.config.inputDim,
    m = model.hidden[toLayer - 1].nOut;
  return scoped(() => {
    const copies = tf.tile(tf.tensor2d(x, [1, d]), [m, 1]);
    const pick = tf.eye(m);
    const g = tf.grad((xs: tf.Tensor) =>
      tf.sum(tf.mul(model.forward(xs as tf.Tensor2D, { training: false }).a[toLayer - 1], pick)),
    )(copies);
    return g.dataSync() as Float32Array;
  });
}

before(async () => {
  await prepareBackend({ quiet: true });
});

const close = (a: number, b: number, rel: number, what: string) =>
  assert.ok(Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b), 1e-30), `${what}: ${a} vs ${b}`);

function randomInputs(n: number, d: number, seed: number): Float32Array {
  const r = new Rng(seed);
  return Float32Array.from({ length: n * d }, () => r.uniform(0, 1));
}

function randomLabels(n: number, c: number, seed: number): Int32Array {
  const r = new Rng(seed);
  return Int32Array.from({ length: n }, () => r.int(c));
}

test("σ' = 0.01 where σ = (1 ± √0.96)/2, |z| ≈ 4.585", () => {
  const { hLow, hHigh, z } = sigmoidDerivativeLevel(0.01);
  close(hHigh, (1 + Math.sqrt(0.96)) / 2, 1e-15, "σ");
  close(hLow + hHigh, 1, 1e-15, "symmetry");
  close(sigmoidDerivative(z), 0.01, 1e-12, "σ'(z)");
  close(sigmoidDerivative(-z), 0.01, 1e-12, "σ'(−z)");
  close(sigmoid(z), hHigh, 1e-12, "σ(z)");
  assert.ok(Math.abs(z - 4.5848) < 1e-3, `z = ${z}`);
  assert.ok(sigmoidDerivative(z + 0.01) < 0.01 && sigmoidDerivative(z - 0.01) > 0.01);
  close(sigmoidDerivativeLevel(0.25).z, 0, 1e-12, "the maximum sits at z = 0");
  assert.throws(() => sigmoidDerivativeLevel(0.3), /level/);
});

test("spectral norms by power iteration agree with a full SVD, layer by layer", () => {
  const m = new Mlp({
    inputDim: 30,
    widths: [24, 24, 16],
    outputDim: 5,
    activation: "sigmoid",
    init: "standard",
    seed: 3,
  });
  const norms = layerSpectralNorms(m);
  assert.equal(norms.length, 4);
  m.layers.forEach((l, k) => close(norms[k], spectralNormBySvd(weightMatrix(l)), 1e-8, `layer ${l.index}`));
  m.dispose();
});

/** A 2-2-2-2 sigmoid net by hand, in float64: forward, δ by the chain rule, the chained bound. */
test("the bound chain matches a hand computation on a tiny net", () => {
  const m = new Mlp({ inputDim: 2, widths: [2, 2], outputDim: 2, activation: "sigmoid", init: "standard", seed: 1 });
  const W1 = [0.5, -1.5, 2.0, 0.3],
    W2 = [1.2, -0.7, 0.4, 2.5],
    W3 = [-1.0, 3.0, 0.8, -0.6];
  const b1 = [0.1, -0.2],
    b2 = [0.3, 0.05],
    b3 = [0, 0.2];
  m.setWeights({
    W1: Float32Array.from(W1),
    b1: Float32Array.from(b1),
    W2: Float32Array.from(W2),
    b2: Float32Array.from(b2),
    W3: Float32Array.from(W3),
    b3: Float32Array.from(b3),
  });
  const W = [W1, W2, W3].map((w) => w.map((v) => Math.fround(v)));
  const B = [b1, b2, b3].map((b) => b.map((v) => Math.fround(v)));
  const x = [0.7, 0.2],
    label: number = 1;
  // Forward: z = hW + b with W[r*2+c] (row r = input unit).
  const affine = (h: number[], w: number[], b: number[]) => [0, 1].map((c) => h[0] * w[c] + h[1] * w[2 + c] + b[c]);
  const z1 = affine(x.map(Math.fround), W[0], B[0]),
    a1 = z1.map(sigmoid);
  const z2 = affine(a1, W[1], B[1]),
    a2 = z2.map(sigmoid);
  const logits = affine(a2, W[2], B[2]);
  const mx = Math.max(...logits),
    e = logits.map((v) => Math.exp(v - mx)),
    s = e[0] + e[1];
  const d3 = [e[0] / s - (label === 0 ? 1 : 0), e[1] / s - (label === 1 ? 1 : 0)];
  const back = (d: number[], w: number[]) => [0, 1].map((r) => w[r * 2] * d[0] + w[r * 2 + 1] * d[1]);
  const d2 = back(d3, W[2]).map((g, j) => g * sigmoidDerivative(z2[j]));
  const d1 = back(d2, W[1]).map((g, j) => g * sigmoidDerivative(z1[j]));
  const norm = (v: number[]) => Math.hypot(...v);
  // ‖A‖₂ of a 2x2 matrix: sqrt of the largest eigenvalue of AᵀA, in closed form.
  const spec = (w: number[]) => {
    const [a, b, c, d] = w;
    const p = a * a + c * c,
      q = a * b + c * d,
      r = b * b + d * d;
    return Math.sqrt((p + r) / 2 + Math.sqrt(((p - r) / 2) ** 2 + q * q));
  };
  const rep = measureBound(m, Float32Array.from(x), Int32Array.from([label]), 1);
  close(rep.spectralNorms[1], spec(W[1]), 1e-9, "‖W2‖");
  close(rep.spectralNorms[2], spec(W[2]), 1e-9, "‖W3‖");
  close(rep.rows[2].measured, norm(d3), 1e-5, "‖δ3‖");
  close(rep.rows[1].measured, norm(d2), 1e-5, "‖δ2‖");
  close(rep.rows[0].measured, norm(d1), 1e-5, "‖δ1‖");
  close(rep.rows[1].bound, 0.25 * spec(W[2]) * norm(d3), 1e-5, "bound on ‖δ2‖");
  close(rep.rows[0].bound, 0.25 * spec(W[1]) * 0.25 * spec(W[2]) * norm(d3), 1e-5, "bound on ‖δ1‖");
  close(rep.rows[0].derivativeMean!, (sigmoidDerivative(z1[0]) + sigmoidDerivative(z1[1])) / 2, 1e-5, "mean σ'");
  // Alignment and slack factors, by hand for layer 1.
  const g1 = back(d2, W[1]);
  close(rep.rows[0].alignmentGeo!, norm(g1) / (spec(W[1]) * norm(d2)), 1e-5, "alignment");
  close(rep.rows[0].slackGeo!, 0.25 / (norm(d1) / norm(g1)), 1e-5, "slack");
  m.dispose();
});

test("measured ‖δ_l‖ never exceeds the chained bound, for sigmoid and tanh, at several scales", () => {
  for (const [act, init] of [
    ["sigmoid", "standard"],
    ["sigmoid", { name: "orthogonal", gain: 8 }],
    ["tanh", "normalized"],
    ["tanh", { name: "orthogonal", gain: 2 }],
  ] as const) {
    const m = new Mlp({ inputDim: 20, widths: [32, 32, 32, 32], outputDim: 4, activation: act, init, seed: 7 });
    const n = 40;
    const rep = measureBound(m, randomInputs(n, 20, 1), randomLabels(n, 4, 2), n);
    assert.equal(rep.maxDerivative, act === "sigmoid" ? 0.25 : 1);
    for (const r of rep.rows) {
      assert.ok(r.minRatio >= 1 - 1e-5, `${act}: layer ${r.layer} bound/measured min ${r.minRatio}`);
      if (r.recursionError !== null) assert.ok(r.recursionError < 1e-4, `recursion vs autodiff ${r.recursionError}`);
      if (r.slackGeo !== null) {
        assert.ok(r.slackGeo >= 1 - 1e-6, `slack ${r.slackGeo}`);
        assert.ok(r.alignmentGeo! <= 1 + 1e-6, `alignment ${r.alignmentGeo}`);
        // One step of the bound is exactly slack × 1/alignment (up to float32 δ).
        close(r.localRatioGeo!, r.slackGeo / r.alignmentGeo!, 1e-4, "local = slack / alignment");
      }
    }
    // The chained ratio is the product of the local ones above it.
    const L = m.depth;
    let prod = 1;
    for (let l = 0; l < L; l++) prod *= rep.rows[l].localRatioGeo!;
    close(rep.rows[0].ratioGeo, prod, 1e-4, "chain = product of steps");
    close(
      deltaRatio(rep, 1, L + 1),
      Math.exp(rep.deltaNorms[0].reduce((s, v, i) => s + Math.log(v / rep.deltaNorms[L][i]), 0) / n),
      1e-9,
      "deltaRatio",
    );
    m.dispose();
  }
});

test("backpropPass: δ rows are per-example gradients (one point alone gives the same row)", () => {
  const m = new Mlp({ inputDim: 6, widths: [5, 4], outputDim: 3, activation: "sigmoid", init: "normalized", seed: 2 });
  const x = randomInputs(3, 6, 5),
    y = Int32Array.from([0, 2, 1]);
  const all = backpropPass(m, x, y, 3);
  const one = backpropPass(m, x.slice(6, 12), y.slice(1, 2), 1);
  for (let l = 0; l < 3; l++) {
    const w = all.widths[l];
    for (let j = 0; j < w; j++) close(all.deltas[l][w + j], one.deltas[l][j], 1e-5, `layer ${l + 1} unit ${j}`);
  }
  m.dispose();
});

test("one-sided Jacobi singular values agree with the Gram route and resolve tiny ones", () => {
  const r = new Rng(4);
  const A = matrix(
    9,
    6,
    Array.from({ length: 54 }, () => r.normal()),
  );
  const a = singularValues(A),
    b = singularValues(A);
  a.forEach((v, i) => close(v, b[i], 1e-10, `σ${i}`));
  const at = singularValues(transpose(A));
  at.forEach((v, i) => close(v, b[i], 1e-10, `σ${i} of Aᵀ`));
  // U diag(s) Vᵀ with s spanning 12 decades.
  const s = [1, 1e-3, 1e-6, 1e-9, 1e-12];
  const U = orthonormalColumns(
    matrix(
      8,
      5,
      Array.from({ length: 40 }, () => r.normal()),
    ),
  );
  const V = orthonormalColumns(
    matrix(
      5,
      5,
      Array.from({ length: 25 }, () => r.normal()),
    ),
  );
  const S = matrix(5, 5);
  s.forEach((v, i) => ((S.data as Float64Array)[i * 5 + i] = v));
  const sv = singularValues(matmul(matmul(U, S), transpose(V)));
  s.forEach((v, i) => assert.ok(Math.abs(sv[i] - v) < 1e-14 + 1e-6 * v, `σ${i} = ${sv[i]} vs ${v}`));
});

test("the Jacobian product matches central finite differences and tfjs autodiff", () => {
  const m = new Mlp({
    inputDim: 5,
    widths: [4, 4, 3],
    outputDim: 2,
    activation: "sigmoid",
    init: { name: "normalized", gain: 3 },
    seed: 9,
  });
  const x = randomInputs(1, 5, 3);
  const fp = derivatives(m, x, 1);
  // Float64 reference forward pass from the float32 weights.
  const Ws = m.hidden.map((l) => ({ W: weightMatrix(l), b: Float64Array.from(l.b!.dataSync()) }));
  const hAt = (v: number[], upto: number, from: number) => {
    let h = v;
    for (let k = from; k < upto; k++) {
      const { W, b } = Ws[k];
      h = Array.from({ length: W.cols }, (_, c) =>
        sigmoid(h.reduce((s, hv, r) => s + hv * W.data[r * W.cols + c], b[c])),
      );
    }
    return h;
  };
  const x64 = Array.from(x);
  for (const [from, to] of [
    [0, 3],
    [1, 3],
    [0, 1],
    [2, 3],
  ] as const) {
    const J = hiddenJacobian(m, fp, 0, from, to);
    const base = hAt(x64, from, 0);
    const eps = 1e-6;
    for (let c = 0; c < J.cols; c++) {
      const up = base.slice(),
        dn = base.slice();
      up[c] += eps;
      dn[c] -= eps;
      const hu = hAt(up, to, from),
        hd = hAt(dn, to, from);
      for (let r = 0; r < J.rows; r++) {
        const fd = (hu[r] - hd[r]) / (2 * eps);
        assert.ok(
          Math.abs(J.data[r * J.cols + c] - fd) < 1e-6,
          `from ${from} to ${to}: J[${r}][${c}] ${J.data[r * J.cols + c]} vs ${fd}`,
        );
      }
    }
  }
  const auto = autodiffJacobian(m, x, 3);
  const ref = inputOutputJacobian(m, x, 3);
  const J = hiddenJacobian(m, fp, 0, 0, 3);
  for (let k = 0; k < J.data.length; k++)
    assert.ok(Math.abs(J.data[k] - auto[k]) < 1e-5, `entry ${k}: ${J.data[k]} vs autodiff ${auto[k]}`);
  for (let k = 0; k < J.data.length; k++)
    assert.equal(ref.jacobian[k], J.data[k], "inputOutputJacobian is the product from the input");
  const spectra = jacobianSpectra(m, x, 1, 0, 3);
  spectra.pooled.forEach((v, i) => close(v, ref.singularValues[i], 1e-4, `σ${i}`));
  close(jacobianMeanSquared(m, x, 1, 0, 3), ref.meanSquared, 1e-4, "mean σ²");
  m.dispose();
});

test("prescribed nets: every hidden singular value equals the gain; the output layer keeps its own", () => {
  for (const gain of [0.5, 4, 16]) {
    const m = prescribedNet({
      inputDim: 40,
      width: 16,
      depth: 3,
      gain,
      activation: "sigmoid",
      seed: 1,
      outputDim: 4,
      outputGain: 1,
    });
    m.hidden.forEach((l) => {
      const sv = singularValues(weightMatrix(l));
      assert.ok(
        sv.every((v) => Math.abs(v - gain) < 1e-5 * gain),
        `layer ${l.index} at gain ${gain}: ${sv[0]}..${sv[sv.length - 1]}`,
      );
    });
    close(layerSpectralNorms(m)[3], 1, 1e-5, "output gain");
    m.dispose();
  }
});

test("centerBiases gives every unit zero-mean pre-activations on the points", () => {
  const m = prescribedNet({ inputDim: 12, width: 10, depth: 3, gain: 4, activation: "sigmoid", seed: 2 });
  const n = 50,
    x = randomInputs(n, 12, 8);
  centerBiases(m, x, n);
  const pass = backpropPass(m, x, randomLabels(n, 10, 1), n);
  for (const z of pass.z) {
    for (let j = 0; j < 10; j++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += z[i * 10 + j];
      assert.ok(Math.abs(s / n) < 1e-5, `mean z = ${s / n}`);
    }
  }
  m.dispose();
});

test("G&B layer Jacobians: mean singular value of diag(f')Wᵀ, by hand", () => {
  const m = new Mlp({ inputDim: 6, widths: [5, 5, 5], outputDim: 2, activation: "tanh", init: "normalized", seed: 4 });
  const x = randomInputs(2, 6, 1);
  const rows = layerJacobianMeanSingularValues(m, x, 2);
  assert.deepEqual(
    rows.map((r) => r.layer),
    [2, 3],
  );
  const fp = derivatives(m, x, 2);
  for (const r of rows) {
    const W = weightMatrix(m.hidden[r.layer - 1]);
    let s = 0;
    for (let i = 0; i < 2; i++) {
      const J = matrix(5, 5);
      for (let o = 0; o < 5; o++)
        for (let c = 0; c < 5; c++)
          (J.data as Float64Array)[o * 5 + c] = fp[r.layer - 1][i * 5 + o] * W.data[c * 5 + o];
      s += singularValues(J).reduce((p, v) => p + v, 0) / 5;
    }
    close(r.meanSingularValue, s / 2, 1e-9, `layer ${r.layer}`);
    close(r.weightMeanSingularValue, singularValues(W).reduce((p, v) => p + v, 0) / 5, 1e-9, `W${r.layer}`);
    assert.ok(r.meanSingularValue <= r.maxDerivative * r.weightMeanSingularValue + 1e-12);
  }
  m.dispose();
});

test("quarter-circle law: mean singular value of a Gaussian square matrix ≈ 8/(3π)·√(n·var)", () => {
  const n = 200,
    r = new Rng(5),
    v = 1 / 3 / n;
  const A = matrix(
    n,
    n,
    Array.from({ length: n * n }, () => Math.sqrt(v) * r.normal()),
  );
  const st = spectrumStats(singularValues(A));
  close(st.mean, quarterCircleMeanSingularValue(n * v), 0.02, "mean σ");
  close(st.meanSquared, n * v, 0.03, "mean σ²");
});

test("findGain brackets and bisects a crossing, and reports when there is none", () => {
  const r = findGain((g) => (g * g) / 2, 1, [0.5, 1, 2, 4], 30);
  assert.ok(r.bracketed);
  close(r.gain, Math.SQRT2, 1e-6, "√2");
  const none = findGain((g) => 0.1 * g, 1, [1, 2, 4]);
  assert.equal(none.bracketed, false);
  assert.equal(none.gain, 4);
});

test("hiddenGainSetter rescales the hidden weights of one network without redrawing them", () => {
  const m = prescribedNet({ inputDim: 20, width: 12, depth: 3, gain: 1, activation: "sigmoid", seed: 3, outputDim: 3 });
  const before = m.hidden.map((l) => Float32Array.from(l.W.dataSync()));
  const out = Float32Array.from(m.output.W.dataSync());
  const set = hiddenGainSetter(m);
  set(6);
  m.hidden.forEach((l, k) => {
    const w = l.W.dataSync();
    for (let i = 0; i < w.length; i++) assert.ok(Math.abs(w[i] - 6 * before[k][i]) < 1e-6);
    close(spectralNormBySvd(weightMatrix(l)), 6, 1e-5, `‖W${l.index}‖ at gain 6`);
  });
  assert.deepEqual(Array.from(m.output.W.dataSync()), Array.from(out));
  set(1);
  m.hidden.forEach((l, k) => assert.deepEqual(Array.from(l.W.dataSync()), Array.from(before[k])));
  assert.throws(() => set(0), /gain/);
  m.dispose();
});

test("spectrumStats: zeros below the floor are counted apart from the log statistics", () => {
  const st = spectrumStats([4, 1, 0.25, 0, 1e-20]);
  assert.equal(st.count, 5);
  close(st.zeroFraction, 2 / 5, 1e-12, "zero fraction");
  close(st.log10Mean, 0, 1e-12, "log10 mean of 4, 1, 1/4");
  close(st.log10Std, Math.sqrt((2 * Math.log10(4) ** 2) / 3), 1e-12, "log10 std");
  close(st.meanSquared, (16 + 1 + 1 / 16) / 5, 1e-12, "mean σ² over all");
  assert.equal(st.median, 0.25);
  const iso = spectrumStats([1, 1, 1]);
  assert.equal(iso.log10Std, 0);
});

test("activationGradient is tfjs autodiff of the activation: matches the closed forms", () => {
  const z = Array.from({ length: 201 }, (_, k) => -10 + 0.1 * k);
  const gs = activationGradient("sigmoid", z),
    gt = activationGradient("tanh", z);
  z.forEach((v, k) => {
    assert.ok(Math.abs(gs[k] - sigmoidDerivative(v)) < 1e-7, `σ' at ${v}`);
    assert.ok(Math.abs(gt[k] - (1 - Math.tanh(v) ** 2)) < 1e-6, `tanh' at ${v}`);
  });
});

test("the published G&B layer-Jacobian numbers load with their citation", () => {
  const gb = glorotBengioJacobian();
  assert.match(gb.citation, /Glorot/);
  assert.deepEqual(
    gb.rows.map((r) => [r.init, r.meanSingularValue]),
    [
      ["standard", 0.5],
      ["normalized", 0.8],
    ],
  );
});

test("meanFieldChi: σ_w² = g² for orthogonal × g, and χ₁ is exactly the mean squared singular value of diag(σ'(z_l))W_lᵀ", () => {
  const before = tf.memory().numTensors;
  const n = 6,
    g = 3;
  const m = prescribedNet({ inputDim: 20, width: 12, depth: 4, gain: g, activation: "sigmoid", seed: 5, outputDim: 3 });
  const x = randomInputs(n, 20, 2);
  const points = { name: "random", x, y: randomLabels(n, 3, 2), n, inputDim: 20, numClasses: 3 };
  const rows = meanFieldChi(m, points);
  assert.deepEqual(
    rows.map((r) => r.layer),
    [1, 2, 3, 4],
  );
  for (const r of rows) {
    close(r.weightVariance, g * g, 1e-5, `σ_w² of layer ${r.layer}`);
    close(r.chi, r.weightVariance * r.derivativeMeanSquare, 1e-12, "χ₁ = σ_w²·E[f'²]");
    assert.ok(r.derivativeMeanSquare > 0 && r.derivativeMeanSquare <= 1 / 16);
    // A second implementation: the float64 Jacobian of layer l on its own (square, orthogonal × g), point by point.
    if (r.layer >= 2)
      close(r.chi, jacobianMeanSquared(m, x, n, r.layer - 1, r.layer), 1e-5, `χ₁ of layer ${r.layer} vs mean σ²(J_l)`);
  }
  m.dispose();
  // Standard init U[±1/√n]: n·Var(w) = 1/3, up to sampling.
  const s = new Mlp({
    inputDim: 20,
    widths: [200, 200],
    outputDim: 3,
    activation: "sigmoid",
    init: "standard",
    seed: 1,
  });
  close(meanFieldChi(s, points)[1].weightVariance, 1 / 3, 0.02, "σ_w² of the standard init");
  s.dispose();
  assert.equal(tf.memory().numTensors, before, "no tensor leaks");
});

test("isometryGain: centreOn centres the biases on those points, not on the Jacobian's", () => {
  const m = prescribedNet({ inputDim: 12, width: 10, depth: 3, gain: 1, activation: "sigmoid", seed: 2 });
  const x = randomInputs(2, 12, 3),
    other = randomInputs(40, 12, 4);
  const iso = isometryGain(m, x, 2, {
    from: 1,
    to: 3,
    centre: true,
    centreOn: { x: other, n: 40 },
    grid: [2, 4, 8, 16],
  });
  assert.ok(iso.bracketed, `scanned ${JSON.stringify(iso.scanned)}`);
  close(jacobianMeanSquared(m, x, 2, 1, 3), iso.meanSquared, 1e-9, "the model is left at the gain found");
  const meanZ = (pts: Float32Array, n: number) => {
    const pass = backpropPass(m, pts, randomLabels(n, 10, 1), n);
    return Math.max(
      ...pass.z.map((z) =>
        Math.max(
          ...Array.from({ length: 10 }, (_, j) =>
            Math.abs(Array.from({ length: n }, (_, i) => z[i * 10 + j]).reduce((a, b) => a + b, 0) / n),
          ),
        ),
      ),
    );
  };
  assert.ok(meanZ(other, 40) < 1e-4, `z has mean ${meanZ(other, 40)} on the centring points`);
  assert.ok(meanZ(x, 2) > 1e-3, "and not (by construction) on the two Jacobian points");
  m.dispose();
});
