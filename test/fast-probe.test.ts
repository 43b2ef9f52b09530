/**
 * The probe with its passes on the fast kernel (lib/core/fast/probe.ts fed
 * through lib/measure/deltas.ts) against the tfjs probe on the same weights:
 * every field, for four activations, with and without gradients; the pass's
 * arrays themselves; determinism; no tensors; train() handing the kernel to
 * `observe` on the fast path only.
 *
 * Tolerances. The two engines sum the products of a layer in different
 * orders and evaluate exp/tanh differently (the kernel's f32x4 Cephes exp is
 * within 2 ulp), so every entry differs by float32 rounding. Let da be the
 * largest |Δa| over all hidden entries (measured here, and itself bounded:
 * ≤ 1e-5 of the layer's scale). Then, exactly:
 *   - means and population std of a move by at most da, percentiles by at
 *     most da (order statistics are 1-Lipschitz in the sup norm; both use the
 *     same subsample);
 *   - a count (saturation, flat, per unit, histogram bins) changes only by
 *     entries within da of a threshold or bin edge: the allowed difference
 *     is the number of such entries in the tfjs values;
 *   - ρ_B by at most 2·da/span plus 2/N per entry near a bin edge;
 *   - the mean slope by at most max|f''|·da plus 1/N per entry near a kink.
 * The δ norms and weight-gradient norms are compared relative to their size
 * (1e-4: δ goes back through every layer, each adding rounding of sums of up
 * to 784 terms); the loss within 1e-5 (float32 logSoftmax against float64
 * from float32 logits); the weight norms are the model's, identical.
 */
import { test, before } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { prepareBackend } from "../lib/core/backend";
import { loadMnist } from "../lib/data/mnist";
import { subset } from "../lib/data/dataset";
import { Mlp, MlpConfig } from "../lib/core/model";
import { ActivationName, activation } from "../lib/core/activations";
import { train } from "../lib/core/train";
import { FastTrainer } from "../lib/core/fast/trainer";
import { FAST_ENV } from "../lib/core/fast/route";
import { enableRelaxedSimd } from "../lib/core/fast/wasm";

// The passes run on the build train() takes by default (relaxed SIMD where the engine runs it): "auto" picks it
// once the flag is set, whatever test runs first.
enableRelaxedSimd();
import { backward } from "../lib/measure/deltas";
import { LayerProbe, ProbeSnapshot, probe } from "../lib/measure/probe";
import {
  flatFraction,
  rhoB,
  saturationFraction,
  scanLayer,
  sigmoidDeltaForEps,
  unitSaturation,
} from "../lib/measure/saturation";
import { histogram } from "../lib/measure/stats";
import { derivativeMean } from "../lib/measure/probe";
import { Rng } from "../lib/core/rng";

before(async () => {
  await prepareBackend({ quiet: true });
});

const data = loadMnist("train", { limit: 600 });
// 301 points: two chunks of the kernel's 256 rows, the second not a multiple of 4.
const points = subset(
  data,
  Int32Array.from({ length: 301 }, (_, i) => i + 7),
  "probe points",
);

function setup(act: ActivationName) {
  const config: MlpConfig = {
    inputDim: 784,
    widths: [40, 24, 13],
    outputDim: 10,
    activation: act,
    // A large gain saturates bounded units, so the counts have something to count.
    init: { name: "normalized", gain: act === "relu" ? 1.5 : 4 },
    seed: 11,
  };
  const model = new Mlp(config);
  const trainer = FastTrainer.fromModel(model, { optimizer: { kind: "sgd", learningRate: 0.1 }, batchSize: 32 });
  return { model, trainer, fast: trainer.passes() };
}

const maxAbs = (x: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]));
  return m;
};
const maxDiff = (x: ArrayLike<number>, y: ArrayLike<number>) => {
  assert.equal(x.length, y.length);
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  return m;
};
/** Entries of x within d of any edge. */
const near = (x: ArrayLike<number>, edges: number[], d: number) => {
  let c = 0;
  for (let i = 0; i < x.length; i++) if (edges.some((e) => Math.abs(x[i] - e) <= d)) c++;
  return c;
};
const within = (got: number, want: number, tol: number, what: string) =>
  assert.ok(Math.abs(got - want) <= tol, `${what}: ${got} vs ${want} (tolerance ${tol})`);
const relClose = (got: number | null, want: number | null, rel: number, what: string) => {
  assert.ok(got !== null && want !== null, `${what} missing`);
  within(got!, want!, rel * Math.abs(want!) + 1e-12, what);
};

for (const act of ["sigmoid", "tanh", "relu", "softsign"] as const) {
  test(`${act}: the kernel's pass equals tfjs's on the same weights (z, a, every δ, gradient norms, loss)`, () => {
    const { model, fast } = setup(act);
    try {
      const slow = backward(model, points, { weightGrads: true });
      const quick = backward(model, points, { weightGrads: true, fast });
      assert.deepEqual(quick.widths, slow.widths);
      slow.z.forEach((z, l) => assert.ok(maxDiff(quick.z[l], z) <= 1e-5 * maxAbs(z), `z, layer ${l + 1}`));
      slow.a.forEach((a, l) => assert.ok(maxDiff(quick.a[l], a) <= 1e-5 * maxAbs(a), `a, layer ${l + 1}`));
      slow.deltas.forEach((d, l) =>
        assert.ok(maxDiff(quick.deltas[l], d) <= 1e-4 * maxAbs(d), `δ, layer ${l + 1}: ${maxDiff(quick.deltas[l], d)}`),
      );
      slow.weightGradNorms!.forEach((g, l) => relClose(quick.weightGradNorms![l], g, 1e-4, `‖∂L/∂W_${l + 1}‖`));
      within(quick.loss, slow.loss, 1e-5, "loss");
      assert.equal(quick.accuracy, slow.accuracy);
    } finally {
      model.dispose();
    }
  });

  test(`${act}: the probe from the kernel equals the tfjs probe in every field, with and without gradients`, () => {
    const { model, fast } = setup(act);
    try {
      const slowPass = backward(model, points);
      const da = maxDiff(
        backward(model, points, { fast }).a.flatMap((a) => Array.from(a)),
        slowPass.a.flatMap((a) => Array.from(a)),
      );
      for (const gradients of [true, false]) {
        const slow = probe(model, points, { gradients });
        const quick = probe(model, points, { gradients, fast });
        compareSnapshots(quick, slow, act, slowPass.a, slowPass.z, da, gradients);
      }
    } finally {
      model.dispose();
    }
  });
}

function compareSnapshots(
  quick: ProbeSnapshot,
  slow: ProbeSnapshot,
  act: ActivationName,
  a: Float32Array[],
  z: Float32Array[],
  da: number,
  gradients: boolean,
): void {
  const f = activation(act);
  assert.equal(quick.set, slow.set);
  assert.equal(quick.n, slow.n);
  within(quick.loss, slow.loss, 1e-5, "loss");
  assert.equal(quick.accuracy, slow.accuracy);
  assert.equal(quick.output.weightNorm, slow.output.weightNorm);
  if (gradients) {
    relClose(quick.output.deltaNorm, slow.output.deltaNorm, 1e-4, "output δ norm");
    relClose(quick.output.weightGradNorm, slow.output.weightGradNorm, 1e-4, "output gradient norm");
  } else {
    assert.equal(quick.output.deltaNorm, null);
    assert.equal(quick.output.weightGradNorm, null);
  }
  quick.layers.forEach((q: LayerProbe, l) => {
    const s = slow.layers[l],
      N = a[l].length,
      what = (field: string) => `${act}, layer ${l + 1}, ${field}`;
    const dz = 1e-5 * maxAbs(z[l]);
    assert.equal(q.layer, s.layer);
    assert.equal(q.width, s.width);
    within(q.mean, s.mean, da, what("mean"));
    within(q.std, s.std, da, what("std"));
    q.percentiles.forEach((p, i) => within(p, s.percentiles[i], da, what(`percentile ${i}`)));
    within(q.preActivation.mean, s.preActivation.mean, dz, what("z mean"));
    within(q.preActivation.std, s.preActivation.std, dz, what("z std"));
    q.preActivation.percentiles.forEach((p, i) =>
      within(p, s.preActivation.percentiles[i], dz, what(`z percentile ${i}`)),
    );
    const h = s.histogram,
      w = (h.hi - h.lo) / h.counts.length;
    // The range is the activation's own where it has one, else the data's (relu: the largest a), which
    // moves with a by at most da (seen on Node 22: 2.9456217 vs 2.9456220).
    within(q.histogram.lo, h.lo, da, what("histogram low end"));
    within(q.histogram.hi, h.hi, da, what("histogram high end"));
    const edges = Array.from({ length: h.counts.length + 1 }, (_, k) => h.lo + k * w);
    const moved = near(a[l], edges, da);
    q.histogram.counts.forEach((c, k) => within(c, h.counts[k], moved, what(`histogram bin ${k}`)));
    const asym = f.asymptotes;
    const thresholds = asym
      ? [0.01, 0.05].flatMap((e) => [asym.low + e * asym.lowScale, asym.high - e * asym.highScale])
      : [];
    const nearThreshold = near(a[l], thresholds, da);
    assert.equal(q.saturation.length, s.saturation.length);
    q.saturation.forEach((sat, i) => {
      assert.equal(sat.eps, s.saturation[i].eps);
      within(sat.low * N, s.saturation[i].low * N, nearThreshold, what("saturated low"));
      within(sat.high * N, s.saturation[i].high * N, nearThreshold, what("saturated high"));
    });
    // Flat: f'(a) < δ·max f' — entries whose slope is within (max|f''|·da) of the threshold, or at a kink.
    const delta = sigmoidDeltaForEps(0.01);
    let nearFlat = 0;
    for (let i = 0; i < N; i++) {
      const slope = f.dfFromOutput(a[l][i]) / f.maxDerivative;
      if (Math.abs(slope - delta) <= 4 * da || Math.abs(a[l][i]) <= da) nearFlat++;
    }
    assert.equal(q.flat.delta, s.flat.delta);
    within(q.flat.total * N, s.flat.total * N, nearFlat, what("flat"));
    within(q.derivativeMean, s.derivativeMean, 2 * da + near(a[l], [0], da) / N, what("mean slope"));
    if (s.units) {
      const width = q.width,
        n = N / width;
      assert.ok(q.units);
      q.units.perUnit.forEach((p, j) => {
        let nearHere = 0;
        for (let i = 0; i < n; i++) if (thresholds.some((t) => Math.abs(a[l][i * width + j] - t) <= da)) nearHere++;
        within(p * n, s.units!.perUnit[j] * n, nearHere, what(`unit ${j} saturated points`));
      });
      if (nearThreshold === 0)
        for (const k of ["stuckLow", "stuckHigh", "inputDependent", "neverSaturated"] as const)
          assert.equal(q.units[k], s.units[k], what(k));
    } else assert.equal(q.units, null);
    if (s.rhoB === null) assert.equal(q.rhoB, null);
    else {
      const span = asym!.high - asym!.low;
      const binEdges = Array.from({ length: 11 }, (_, k) => asym!.low + (k * span) / 10);
      within(q.rhoB!, s.rhoB, (2 * da) / span + (2 * near(a[l], binEdges, da)) / N, what("ρ_B"));
    }
    assert.equal(q.weightNorm, s.weightNorm);
    if (gradients) {
      relClose(q.deltaNorm, s.deltaNorm, 1e-4, what("δ norm"));
      relClose(q.weightGradNorm, s.weightGradNorm, 1e-4, what("gradient norm"));
      relClose(q.gradToData, s.gradToData, 1e-4, what("gradient:data"));
    } else {
      for (const k of ["deltaNorm", "weightGradNorm", "gradToData"] as const) assert.equal(q[k], null);
    }
  });
}

test("the kernel's probe is deterministic and makes no tensors; a disposed trainer's passes refuse to run", () => {
  const { model, trainer, fast } = setup("sigmoid");
  try {
    const before = tf.memory().numTensors;
    const first = probe(model, points, { fast });
    const again = probe(model, points, { fast });
    assert.equal(tf.memory().numTensors, before, "tensors left by the kernel's probe");
    assert.deepEqual(again, first);
    trainer.dispose();
    assert.throws(() => probe(model, points, { fast }), /after dispose/);
  } finally {
    model.dispose();
  }
});

test("train() hands its kernel to observe on the fast path only; the probes it records equal tfjs's", async () => {
  const observed = async (setting: string | undefined) => {
    const before = process.env[FAST_ENV];
    if (setting === undefined) delete process.env[FAST_ENV];
    else process.env[FAST_ENV] = setting;
    const model = new Mlp({
      inputDim: 784,
      widths: [24, 16],
      outputDim: 10,
      activation: "sigmoid",
      init: "standard",
      seed: 2,
    });
    try {
      const res = await train(
        model,
        {
          train: data,
          probeSets: [points],
          observe: (m, p, { fast }) => ({ fast: fast !== null, quick: probe(m, p, { fast }), slow: probe(m, p) }),
        },
        { epochs: 1, batchSize: 32, optimizer: { kind: "sgd", learningRate: 1 }, seed: 5, probeEverySteps: 9 },
      );
      return res.probes.flatMap((r) => r.snapshots);
    } finally {
      model.dispose();
      if (before === undefined) delete process.env[FAST_ENV];
      else process.env[FAST_ENV] = before;
    }
  };
  const onFast = await observed(undefined);
  assert.ok(onFast.length > 2 && onFast.every((s) => s.fast));
  onFast.forEach((s, i) => {
    within(s.quick.loss, s.slow.loss, 1e-5, `probe ${i}: loss`);
    s.quick.layers.forEach((q, l) => {
      within(q.mean, s.slow.layers[l].mean, 1e-5, `probe ${i}, layer ${l + 1}: mean`);
      relClose(q.weightGradNorm, s.slow.layers[l].weightGradNorm, 1e-4, `probe ${i}, layer ${l + 1}: gradient norm`);
    });
  });
  assert.ok((await observed("0")).every((s) => !s.fast));
});

test("scanLayer's one pass gives exactly what the one-pass-each functions give", () => {
  const r = new Rng(7);
  for (const act of ["sigmoid", "tanh", "scaledTanh", "relu"] as const) {
    const f = activation(act),
      n = 53,
      width = 19;
    // Outputs of pre-activations spread over the saturated and linear ranges, some exactly at thresholds.
    const a = Float32Array.from({ length: n * width }, () => f.f(r.uniform(-9, 9)));
    const asym = f.asymptotes;
    if (asym) [0.01, 0.05].forEach((e, i) => (a[i] = asym.low + e * asym.lowScale));
    const eps = [0.01, 0.05],
      delta = sigmoidDeltaForEps(0.01);
    const scan = scanLayer(a, n, width, f, { eps, delta, bins: 50, rhoBins: 10, stuckFraction: 0.9 });
    assert.deepEqual(scan, {
      histogram: asym ? histogram(a, 50, asym.low, asym.high) : null,
      saturation: asym ? eps.map((e) => saturationFraction(a, asym, e)) : [],
      flat: flatFraction(a, f, delta),
      units: asym ? unitSaturation(a, n, width, asym, eps[0], 0.9) : null,
      derivativeMean: derivativeMean(a, f.dfFromOutput),
      rhoB: asym ? rhoB(a, asym, 10) : null,
    });
  }
});
