/**
 * 02's §3 rules and measurements (lib/chapters/activations-compare.ts) and σ′_eff
 * (activations.ts slopeFactors): the primary verdict rule, the all-entries share,
 * the interval family with its Bonferroni intervals, the per-digit differences,
 * the per-unit tests — against hand computations and a second implementation.
 */
import { test, before } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { prepareBackend } from "../lib/core/backend";
import { Mlp } from "../lib/core/model";
import { Rng } from "../lib/core/rng";
import type { Dataset } from "../lib/data/dataset";
import { backward } from "../lib/measure/deltas";
import { PerExampleStats, perExampleStats } from "../lib/measure/compare";
import * as ch from "../lib/chapters/activations";
import * as cx from "../lib/chapters/activations-compare";
import * as views from "../lib/chapters/activations-figures";

before(async () => {
  await prepareBackend({ quiet: true });
});

function points(n: number, dim: number, seed: number, scale = 3, classes = 3): Dataset {
  const rng = new Rng(seed);
  return {
    name: `random ${seed}`,
    x: new Float32Array(n * dim).map(() => rng.normal() * scale),
    y: new Int32Array(n).map(() => rng.int(classes)),
    n,
    inputDim: dim,
    numClasses: classes,
  };
}

const net = () =>
  new Mlp({
    inputDim: 6,
    widths: [7, 5, 4],
    outputDim: 3,
    activation: "sigmoid",
    init: { name: "normalized", gain: 4 },
    seed: 3,
  });

test("primaryVerdict, the one rule 02 states a verdict by: above 0, below 0, or touching/containing 0", () => {
  assert.equal(cx.primaryVerdict({ diff: 0.02, low: 0.001, high: 0.04 }), "training points more saturated");
  assert.equal(cx.primaryVerdict({ diff: -0.02, low: -0.04, high: -0.001 }), "training points less saturated");
  assert.equal(cx.primaryVerdict({ diff: 0.01, low: -0.001, high: 0.02 }), "no difference detected");
  assert.equal(
    cx.primaryVerdict({ diff: 0.01, low: 0, high: 0.02 }),
    "no difference detected",
    "an interval ending at 0",
  );
  assert.equal(cx.PRIMARY.level, 0.95);
});

test("allEntriesShare weights each layer by its width: the share of all of a point's hidden entries", () => {
  const s = {
    n: 2,
    layers: [
      { width: 10, saturated: [Float64Array.from([0.5, 0])] },
      { width: 30, saturated: [Float64Array.from([0.1, 1])] },
    ],
  } as unknown as PerExampleStats;
  const got = cx.allEntriesShare(s);
  assert.ok(Math.abs(got[0] - (5 + 3) / 40) < 1e-15 && Math.abs(got[1] - 30 / 40) < 1e-15);
});

test("the interval family: the primary first and unadjusted, every secondary row with a wider Bonferroni interval; per digit and per unit on the same sets", () => {
  const model = net();
  try {
    const sets = { train: points(300, 6, 1), heldOut: points(300, 6, 2), test: points(300, 6, 3) };
    const cmp = cx.compareSplit(model, sets, { eps: [0.01, 0.1], draws: 200, seed: 4 });
    const primary = cx.primaryComparison(cmp, { draws: 200, seed: 4 });
    // Its difference is the width-weighted mean of the per-layer differences (equal point sets).
    const rows = cx.perLayer(cmp.main, "saturation", 0.01);
    const weighted = rows.reduce((t, r, l) => t + [7, 5, 4][l] * r.diff, 0) / 16;
    assert.ok(Math.abs(primary.diff - weighted) < 1e-12);
    assert.ok(primary.low <= primary.diff && primary.diff <= primary.high);
    const probeLike = {
      rows: cx.perLayer(cmp.main, "saturation", 0.01),
      train: cmp.stats.train,
      heldOut: cmp.stats.heldOut,
    };
    const family = cx.intervalFamily(cmp, probeLike, primary);
    const secondary = family.rows.filter((r) => r.role === "secondary");
    assert.equal(family.rows[0].role, "primary");
    assert.equal(family.m, cmp.main.length + cmp.trainMinusTest.length + cmp.heldOutMinusTest.length + 3);
    assert.equal(secondary.length, family.m);
    assert.ok(Math.abs(family.adjustedLevel - (1 - 0.05 / family.m)) < 1e-15);
    for (const r of secondary) {
      if (r.raw.high - r.raw.low === 0) continue; // a layer where nothing saturates on either set
      assert.ok(r.adjusted.high - r.adjusted.low > r.raw.high - r.raw.low, `${r.comparison} ${r.layer} ${r.statistic}`);
    }
    const shown = views.familyRows(family);
    assert.equal(shown.length, family.m + 1);
    assert.equal(shown.filter((r) => r.unit === "σ′").length, 3, "mean σ′ rows in σ′, not in pp");
    assert.match(views.familyProse(family).join(" "), new RegExp(`${family.m} intervals`));

    const digits = cx.digitDifferences(cmp, 3);
    assert.equal(digits.length, 9);
    const d = digits.find((x) => x.layer === 1 && x.digit === 2)!;
    const mean = (v: Float64Array, y: Int32Array) => {
      const k = v.filter((_, i) => y[i] === 2);
      return k.reduce((a, b) => a + b, 0) / k.length;
    };
    const byHand =
      mean(cmp.stats.train.layers[0].saturated[0], sets.train.y) -
      mean(cmp.stats.heldOut.layers[0].saturated[0], sets.heldOut.y);
    assert.ok(Math.abs(d.d95.diff - byHand) < 1e-12);
    assert.ok(d.adjusted.high - d.adjusted.low >= d.d95.high - d.d95.low);
    assert.match(views.classFigure(digits, 0.01, 300).takeaway, /of 9 adjusted intervals exclude 0/);

    const before = tf.memory().numTensors;
    const units = cx.unitTests(model, sets, 0.01, { permutations: 19, seed: 1 });
    assert.equal(tf.memory().numTensors, before, "no tensor leaks");
    assert.equal(units.length, 3);
    // The shift statistic is the layer's difference of per-point means (equal widths per point).
    units.forEach((u, l) => assert.ok(Math.abs(u.shift - rows[l].diff) < 1e-12, `layer ${l + 1}`));
    assert.ok(units.every((u) => u.pMaxAdjusted >= u.pMax && u.pMaxAdjusted <= 1));
    assert.equal(views.unitTestRows(units).length, 3);
  } finally {
    model.dispose();
  }
});

test("slopeFactors: σ′_eff is ‖δ_l‖/‖δ_{l+1}W_{l+1}ᵀ‖ per point (autodiff's δ), geometric mean over points; within the range of σ′", () => {
  const model = net();
  try {
    const pts = points(40, 6, 5);
    const sf = ch.slopeFactors(model, pts);
    const pass = backward(model, pts);
    const L = model.hidden.length;
    for (let l = 0; l < L; l++) {
      const W = model.layers[l + 1].W.arraySync() as number[][]; // [nIn, nOut]
      const w = pass.widths[l],
        wNext = pass.widths[l + 1];
      let logSum = 0;
      for (let i = 0; i < pts.n; i++) {
        let gg = 0,
          dd = 0;
        for (let r = 0; r < w; r++) {
          let g = 0;
          for (let c = 0; c < wNext; c++) g += W[r][c] * pass.deltas[l + 1][i * wNext + c];
          gg += g * g;
          dd += pass.deltas[l][i * w + r] ** 2;
        }
        logSum += Math.log(Math.sqrt(dd / gg));
      }
      const eff = Math.exp(logSum / pts.n);
      assert.ok(Math.abs(eff - sf.effective[l]) < 1e-4 * eff, `layer ${l + 1}: ${eff} vs ${sf.effective[l]}`);
      const fp = Array.from(pass.z[l], (z) => model.act.df(z));
      assert.ok(sf.effective[l] <= Math.max(...fp) + 1e-9 && sf.effective[l] >= Math.min(...fp) - 1e-9);
      assert.ok(Math.abs(sf.mean[l] - fp.reduce((a, b) => a + b, 0) / fp.length) < 1e-9);
    }
    const shown = views.saturationAndSlope(perExampleLike(model, pts), [0.01], 0.25, sf);
    assert.match(shown.takeaway, /σ′_eff = /);
  } finally {
    model.dispose();
  }
});

/** A probe-shaped snapshot with saturation at ε = 0.01, from perExampleStats (enough for the figure). */
function perExampleLike(model: Mlp, pts: Dataset) {
  const s = perExampleStats(model, pts, [0.01]);
  return {
    layers: s.layers.map((L) => ({
      saturation: [{ eps: 0.01, total: L.saturated[0].reduce((a, b) => a + b, 0) / s.n, low: 0, high: 0 }],
    })),
  } as unknown as Parameters<typeof views.saturationAndSlope>[0];
}
