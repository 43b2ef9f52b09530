/**
 * Notebook 04's chapter modules (lib/chapters/bound, bound-derivation, bound-spectra, bound-summary): the rules that turn its numbers into words,
 * the checks that stop the notebook, the sweep point against a hand computation, and the closing prose and
 * findings built from small real networks.
 */
import { test, before } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { prepareBackend } from "../lib/core/backend";
import { Mlp } from "../lib/core/model";
import { Rng } from "../lib/core/rng";
import { forwardValues } from "../lib/measure/deltas";
import { measureBound } from "../lib/measure/bound";
import { prescribedNet, hiddenGainSetter, isometryGain } from "../lib/measure/isometry";
import { jacobianSpectra } from "../lib/measure/jacobian";
import * as bound from "../lib/chapters/bound";
import * as spectra from "../lib/chapters/bound-spectra";
import * as deriv from "../lib/chapters/bound-derivation";
import * as recap from "../lib/chapters/bound-summary";
import { num } from "../lib/display/text";

before(async () => {
  await prepareBackend({ quiet: true });
});

function points(n: number, d: number, classes: number, seed: number) {
  const r = new Rng(seed);
  return {
    name: "random",
    x: Float32Array.from({ length: n * d }, () => r.uniform(0, 1)),
    y: Int32Array.from({ length: n }, () => r.int(classes)),
    n,
    inputDim: d,
    numClasses: classes,
  };
}

const state = (o: Partial<bound.TopLayerState>): bound.TopLayerState => ({
  label: "after 1 epoch",
  accuracy: 0.5,
  meanActivation: 0.5,
  lowFraction: 0,
  highFraction: 0,
  saturation: 0,
  meanDerivative: 0.2,
  ...o,
});

test("verify stops with the claim's name; checkDerivation holds on a coarse grid", () => {
  assert.throws(
    () => bound.verify(false, "σ' ≤ 1/4"),
    (e: Error) => e instanceof bound.ClaimFailed && /Check failed: σ' ≤ 1\/4/.test(e.message),
  );
  bound.verify(true, "never thrown");
  const d = deriv.checkDerivation(10, 100);
  assert.equal(d.grid.length, 2001);
  assert.equal(d.maxSlope, 0.25);
  assert.equal(d.argmaxZ, 0);
  assert.ok(Math.abs(d.level.z - Math.log((1 + Math.sqrt(0.96)) / (1 - Math.sqrt(0.96)))) < 1e-12);
  assert.equal(deriv.derivationRows(d).length, 7);
});

test("the σ/tanh takeaway says what the identity tanh(z) = 2σ(2z) − 1 does: compressed ×2 along z, stretched ×2 vertically, shifted", () => {
  const d = deriv.checkDerivation(4, 100);
  const t = deriv.curvesTakeaway(d);
  assert.match(t, /compressed ×2 along z, stretched ×2 vertically and shifted down by 1/);
  assert.doesNotMatch(t, /stretched by 2 in both directions/);
  // The reading itself, on the grid: tanh(z) = 2σ(2z) − 1 (compressed in z, doubled, shifted), and its slope at 0 is 2 · 2 · σ'(0) = 1.
  for (const z of [-3, -0.5, 0, 0.7, 2]) assert.ok(Math.abs(Math.tanh(z) - (2 * deriv.sigmoid(2 * z) - 1)) < 1e-15);
  assert.equal(2 * 2 * deriv.sigmoidDerivative(0), deriv.tanhDerivative(0));
});

test("PLATEAU_RULES: at chance, pinned at a side, σ' ≈ 0 — at and around each threshold", () => {
  const R = bound.PLATEAU_RULES;
  assert.equal(bound.readTopLayer(state({ accuracy: R.chance - 1e-9 })).atChance, true);
  assert.equal(bound.readTopLayer(state({ accuracy: R.chance })).atChance, false);
  assert.equal(bound.readTopLayer(state({ lowFraction: R.pinned })).pinnedAt, 0);
  assert.equal(bound.readTopLayer(state({ highFraction: R.pinned })).pinnedAt, 1);
  assert.equal(
    bound.readTopLayer(state({ lowFraction: R.pinned - 0.01, highFraction: R.pinned - 0.01 })).pinnedAt,
    null,
  );
  assert.equal(bound.readTopLayer(state({ meanDerivative: R.flat - 1e-9 })).flat, true);
  assert.equal(bound.readTopLayer(state({ meanDerivative: R.flat })).flat, false);
  // The sentence says no more than the rule read.
  const pinned = bound.topLayerSentence(
    state({ accuracy: 0.11, lowFraction: 0.97, saturation: 0.97, meanActivation: 0.004, meanDerivative: 0.003 }),
    300,
  );
  assert.match(pinned, /still at chance .* pinned at h ≈ 0 with σ′ ≈ 0/);
  const free = bound.topLayerSentence(state({ accuracy: 0.9, lowFraction: 0.1 }), 3);
  assert.match(free, /past chance .* not pinned at either side/);
  assert.doesNotMatch(free, /σ′ ≈ 0/);
  assert.match(
    bound.topLayerSentence(state({ highFraction: 0.8, meanDerivative: 0.05 }), 3),
    /leans on h ≈ 1 .* not ≈ 0/,
  );
  assert.match(bound.plateauRulesText(), /20%.*50%.*0\.01/);
});

test("topLayerState counts the top layer's sides and mean σ' by hand", () => {
  const before = tf.memory().numTensors;
  const m = new Mlp({
    inputDim: 8,
    widths: [6, 5],
    outputDim: 3,
    activation: "sigmoid",
    init: { name: "orthogonal", gain: 30 },
    seed: 3,
  });
  const p = points(20, 8, 3, 1);
  const s = bound.topLayerState(m, p, "at init");
  const fv = forwardValues(m, p);
  const a = Array.from(fv.a[1]),
    z = Array.from(fv.z[1]);
  assert.equal(s.lowFraction, a.filter((v) => v < 0.01).length / a.length);
  assert.equal(s.highFraction, a.filter((v) => v > 0.99).length / a.length);
  assert.ok(s.saturation > 0, "gain 30 saturates some entries");
  assert.ok(Math.abs(s.meanDerivative - z.reduce((t, v) => t + deriv.sigmoidDerivative(v), 0) / z.length) < 1e-12);
  assert.ok(Math.abs(s.accuracy - fv.accuracy) < 1e-12);
  m.dispose();
  assert.equal(tf.memory().numTensors, before, "no tensor leaks");
});

test("crossingGain interpolates a power law exactly; crossings agree within the rule", () => {
  const pts = [1, 2, 8, 16].map((g) => ({ gain: g, ratio: (g / 4) ** 3 }) as spectra.SweepPoint);
  assert.ok(Math.abs(spectra.crossingGain(pts, (p) => p.ratio) - 4) < 1e-12, "(g/4)³ crosses 1 at g = 4");
  assert.ok(Number.isNaN(spectra.crossingGain(pts.slice(0, 2), (p) => p.ratio)), "never crosses: NaN");
  const f = bound.SUMMARY_RULES.crossingAgreement;
  assert.equal(spectra.crossingsAgree(4, 4 * f), true);
  assert.equal(spectra.crossingsAgree(4, 4 * f * 1.01), false);
  assert.equal(spectra.crossingsAgree(4, NaN), false);
});

test("sweepPoint: χ₁ = g²·E[σ'²] by hand, the bound holds, and at small gains ‖δ₁‖/‖δ_L‖ ≈ χ₁^((L−1)/2)", () => {
  const p = points(30, 16, 4, 2);
  const net = prescribedNet({
    inputDim: 16,
    width: 24,
    depth: 4,
    gain: 1,
    activation: "sigmoid",
    seed: 1,
    outputDim: 4,
  });
  const set = hiddenGainSetter(net);
  for (const g of [0.3, 6]) {
    set(g);
    const s = spectra.sweepPoint(net, p, g);
    const fv = forwardValues(net, p);
    const e = [0, 1, 2].map(
      (l) => Array.from(fv.z[l]).reduce((t, v) => t + deriv.sigmoidDerivative(v) ** 2, 0) / fv.z[l].length,
    );
    const chi = g * g * Math.exp(e.reduce((t, v) => t + Math.log(v), 0) / 3);
    assert.ok(Math.abs(s.chi / chi - 1) < 1e-5, `χ₁ ${s.chi} vs ${chi}`);
    assert.ok(s.ratio <= s.boundRatio * (1 + 1e-5), "the bound (g/4)^(L−1) holds");
    if (g < 1)
      assert.ok(
        Math.abs(Math.log(s.ratio / s.chi ** 1.5)) < 0.05,
        `small gain: ratio ${s.ratio} vs χ₁^(3/2) ${s.chi ** 1.5}`,
      );
  }
  // A claim that fails stops the run: a wrong gain for the check of ‖W_l‖₂.
  assert.throws(() => spectra.sweepPoint(net, p, 7), /‖W_1‖₂/);
  net.dispose();
});

test("summary and findings: from small real networks, no undefined or NaN in the prose, and the same numbers in both", () => {
  const p = points(24, 12, 3, 5);
  const mk = (depth: number, seed: number) =>
    new Mlp({
      inputDim: 12,
      widths: Array.from({ length: depth }, () => 10),
      outputDim: 3,
      activation: "sigmoid",
      init: "standard",
      seed,
    });
  const nets = { init: mk(3, 1), plateau: mk(3, 2), trained: mk(3, 3), "deep init": mk(5, 1) } as const;
  const cases = (Object.keys(nets) as (keyof typeof nets)[]).map((key) => ({
    key,
    name: key,
    model: nets[key],
    rep: measureBound(nets[key], p.x, p.y, p.n),
  }));
  bound.checkBound(cases);
  const sizes = bound.weightSizes(nets.trained, nets.init, 1);
  assert.deepEqual(sizes.svdLayers, [1, 4], "the first hidden layer and the output layer");
  const top = bound.topLayerState(nets.plateau, p, "after 1 epoch");
  const sweep = { zero: [] as spectra.SweepPoint[], centred: [] as spectra.SweepPoint[] };
  for (const variant of ["zero", "centred"] as const) {
    const net = prescribedNet({
      inputDim: 12,
      width: 10,
      depth: 3,
      gain: 1,
      activation: "sigmoid",
      seed: 1,
      outputDim: 3,
    });
    const set = hiddenGainSetter(net);
    for (const g of [0.5, 2, 8, 32]) {
      set(g);
      sweep[variant].push(spectra.sweepPoint(net, p, g));
    }
    net.dispose();
  }
  const summary = spectra.summarizeSweep(sweep, 3);
  const jac: spectra.JacobianResult[] = spectra.JACOBIAN_CASES.map((c) => {
    const net = new Mlp({ inputDim: 12, widths: [10, 10, 10], outputDim: 3, activation: c.act, init: c.init, seed: 1 });
    const iso = c.grid
      ? isometryGain(net, p.x.subarray(0, 24), 2, {
          from: 1,
          to: 3,
          centre: c.centre,
          centreOn: p,
          grid: [0.25, 0.5, 1, 2, 4, 8, 16, 32, 64],
        })
      : null;
    const r = spectra.jacobianResult(c, 3, iso, jacobianSpectra(net, p.x.subarray(0, 24), 2, 1, 3));
    net.dispose();
    return r;
  });
  const inputs: recap.SummaryInputs = {
    derivation: deriv.checkDerivation(5, 100),
    sizes,
    cases,
    top,
    sweep: summary,
    sweepSetting: "3 × 10, test",
    jacobian: jac,
    epochs: 1,
  };
  const prose = recap.summary(inputs);
  for (const para of prose) assert.doesNotMatch(para, /undefined|NaN|\[object/, para);
  const f = recap.findings(inputs, { plateauEpochs: 1, deepDepth: 5 });
  assert.equal(f.depth, 3);
  assert.equal(f.init.deepDepth, 5);
  assert.equal(f.largeWeights.chiCrossGain, summary.chiCross.zero);
  assert.equal(f.largeWeights.crossOverGainCentred, summary.ratioCross.centred);
  assert.match(f.largeWeights.setting, /^random orthogonal W × g at initialisation/);
  assert.equal(f.plateau.pinnedAt, bound.readTopLayer(top).pinnedAt);
  assert.equal(f.trained.boundOverMeasured.length, 3);
  assert.equal(f.isometry.spreadTanh, spectra.resultOf(jac, "tanh", 3).spectra.stats.log10Std);
  assert.ok(
    prose.some((q) => q.includes(num(f.init.perLayer))),
    "the prose states the per-layer factor the findings record",
  );
  // The isometry reading recorded for 06 is the rule applied to the recorded spreads, and the prose says the same.
  const iso = f.isometry;
  assert.equal(iso.nearIsometryCentred, bound.readIsometry(1, iso.spreadCentred, iso.spreadTanh).nearIsometry);
  assert.equal(iso.nearIsometryZeroBias, bound.readIsometry(1, iso.spreadZeroBias, iso.spreadTanh).nearIsometry);
  const zeroPara = prose.find((q) => q.startsWith("Pennington, Schoenholz & Ganguli's sigmoidal results are for odd"))!;
  assert.match(
    zeroPara,
    iso.nearIsometryZeroBias
      ? /: critical and near isometry by the rule/
      : /: critical and not near isometry by the rule — criticality, not isometry/,
  );
  assert.match(zeroPara, /our construction, not theirs/);
  for (const n of Object.values(nets)) n.dispose();
});

test("the sweep's prose and takeaway say '—' for a crossing outside the gains swept, never NaN", () => {
  const pt = (gain: number, ratio: number): spectra.SweepPoint => ({
    gain,
    ratio,
    boundRatio: (gain / 4) ** 3,
    saturation: 0.1,
    meanDerivative: 0.2,
    effDerivative: 0.21,
    chi: ratio ** (2 / 3),
  });
  const sweep = { zero: [pt(1, 0.01), pt(2, 0.1)], centred: [pt(1, 0.02), pt(2, 0.3)] };
  const s = spectra.summarizeSweep(sweep, 4);
  assert.ok(Number.isNaN(s.ratioCross.zero) && Number.isNaN(s.chiCross.centred));
  const words = [
    ...spectra.dilemmaProse(s, 16, 10),
    spectra.sweepFigure(sweep, s, 16).takeaway,
    spectra.saturationFigure(sweep, s).takeaway,
  ];
  for (const w of words) assert.doesNotMatch(w, /NaN|undefined/, w);
  assert.match(words.join(" "), /not in this range/);
});

test("ISOMETRY_RULES: criticality and near isometry flip at their thresholds; the logistic σ with biases 0 reads 'criticality, not isometry'", () => {
  const R = bound.ISOMETRY_RULES;
  const tanh = 0.25; // exact in binary: R.spreadVsTanh × tanh / tanh is exactly the factor
  assert.equal(bound.readIsometry(1, R.spreadVsTanh * tanh, tanh).nearIsometry, true);
  assert.equal(bound.readIsometry(1, R.spreadVsTanh * tanh * 1.01, tanh).nearIsometry, false);
  assert.ok(Math.abs(bound.readIsometry(1, 0.5, tanh).spreadOverTanh - 2) < 1e-12);
  assert.equal(bound.readIsometry(R.critical * 0.999, 0.2, tanh).critical, true);
  assert.equal(bound.readIsometry(1 / (R.critical * 0.999), 0.2, tanh).critical, true);
  assert.equal(bound.readIsometry(R.critical * 1.01, 0.2, tanh).critical, false);
  assert.equal(bound.readIsometry(1 / (R.critical * 1.01), 0.2, tanh).critical, false);
  assert.equal(bound.readIsometry(NaN, 0.2, tanh).critical, false);
  assert.throws(() => bound.readIsometry(1, 0.2, 0), /tanhSpread/);
  assert.throws(() => bound.readIsometry(1, NaN, 0.2), /spread/);
  assert.match(bound.isometryRulesText(), new RegExp(`×${R.critical} of 1.*${R.spreadVsTanh}× the orthogonal tanh`));
  // SUMMARY_RULES.nearFour: the centred σ / tanh gain ratio "is about 4".
  const f = bound.SUMMARY_RULES.nearFour;
  assert.equal(bound.gainRatioNearFour(4 * f), true);
  assert.equal(bound.gainRatioNearFour(4 / f), true);
  assert.equal(bound.gainRatioNearFour(4 * f * 1.01), false);
  assert.equal(bound.gainRatioNearFour(NaN), false);
});

test("the Jacobian takeaway and the closing prose say what ISOMETRY_RULES read, both ways", () => {
  const stats = (meanSquared: number, log10Std: number) => ({
    meanSquared,
    log10Std,
    mean: 1,
    median: 1,
    max: 2,
    zeroFraction: 0,
  });
  const result = (
    key: spectra.JacobianCase["key"],
    gain: number | null,
    meanSquared: number,
    spread: number,
  ): spectra.JacobianResult =>
    ({
      case: spectra.JACOBIAN_CASES.find((c) => c.key === key)!,
      depth: 10,
      gain,
      spectra: { stats: stats(meanSquared, spread) },
    }) as unknown as spectra.JacobianResult;
  const jac = (centred: number, zero: number) => [
    result("standard", null, 1e-12, 2.5),
    result("normalized", null, 1e-9, 2.5),
    result("gauss-c", 4.8, 1, 2.2),
    result("orth", 10, 1, zero),
    result("orth-c", 4.6, 1, centred),
    result("tanh", 1.1, 1, 0.25),
    result("relu", 1.4, 1, 1),
  ];
  const near = spectra.spectraTakeaway(jac(0.5, 3.4), 10);
  assert.match(near, /centred biases \(g\* = 4\.60; 2\.00× tanh's: near isometry\)/);
  assert.match(near, /biases 0 \(g\* = 10\.0; 13\.6× tanh's: not near isometry\)/);
  const far = spectra.spectraTakeaway(jac(1.0, 3.4), 10);
  assert.match(far, /centred biases \(g\* = 4\.60; 4\.00× tanh's: not near isometry\)/);
  assert.equal(
    spectra.isometryOf(jac(0.5, 0.6), "orth", 10).nearIsometry,
    true,
    "a zero-bias spread within the factor reads as near isometry",
  );
});

test("SUMMARY_RULES: near the maximum slope, vanished, and which looseness factor is larger — at and around each threshold", () => {
  const R = bound.SUMMARY_RULES;
  assert.equal(bound.slopesNearMax([0.248, R.nearMaxSlope]), true);
  assert.equal(bound.slopesNearMax([0.248, R.nearMaxSlope - 1e-9]), false, "one layer below the threshold is enough");
  assert.equal(bound.slopesNearMax([]), false);
  assert.equal(bound.errorVanished(R.vanished - 1e-9), true);
  assert.equal(bound.errorVanished(R.vanished), false);
  // mainLooseness: geometric means over the hidden rows (the last row, the output, is left out).
  const rep = (slack: number[], align: number[]) =>
    ({
      rows: [...slack.map((s, k) => ({ slackGeo: s, alignmentGeo: align[k] })), { slackGeo: null, alignmentGeo: null }],
    }) as unknown as Parameters<typeof bound.mainLooseness>[0];
  assert.equal(bound.mainLooseness(rep([1.01, 1.02], [0.5, 0.5])), "misalignment");
  assert.equal(
    bound.mainLooseness(rep([30, 1.0], [0.5, 0.5])),
    "σ′ slack",
    "one saturated layer (slack 30) outweighs misalignment 2 × 2 in the geometric mean",
  );
  assert.equal(
    bound.mainLooseness(rep([4, 1], [0.5, 0.5])),
    "σ′ slack",
    "a tie (geometric means 2 and 2) reads as σ′ slack",
  );
});
