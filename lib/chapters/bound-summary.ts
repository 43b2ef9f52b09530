/**
 * Chapter: notebook 04-bound — section 7: what the 1/4 argument gets right and
 * what it misses, computed from the run's numbers (the closing prose), and the
 * findings notebook 06 reads. The rules it applies (SUMMARY_RULES,
 * ISOMETRY_RULES, PLATEAU_RULES) live in ./bound, with their tests; this module
 * only imports from there (the notebook imports it directly: no re-export).
 */
import { deltaRatio } from "../measure/bound";
import { num, pct } from "../display/text";
import type { BoundFindings } from "../run/findings";
import {
  IsometryReading,
  MeasuredCase,
  PLATEAU_RULES,
  TopLayerState,
  WeightSizes,
  caseOf,
  errorVanished,
  gainRatioNearFour,
  hiddenRows,
  isometryRulesText,
  mainLooseness,
  range,
  readIsometry,
  readTopLayer,
  slopesNearMax,
  topLayerSentence,
} from "./bound";
import type { DerivationCheck } from "./bound-derivation";
import type { JacobianResult, SweepSummary } from "./bound-spectra";

export interface SummaryInputs {
  readonly derivation: DerivationCheck;
  readonly sizes: WeightSizes;
  readonly cases: readonly MeasuredCase[];
  /** The top layer of the plateau network. */
  readonly top: TopLayerState;
  readonly sweep: SweepSummary;
  readonly sweepSetting: string;
  readonly jacobian: readonly JacobianResult[];
  /** Epochs of the trained network. */
  readonly epochs: number;
}

/** Every number the closing prose and the findings use, computed once. */
function closing(x: SummaryInputs) {
  const ini = caseOf(x.cases, "init").rep,
    tr = caseOf(x.cases, "trained").rep,
    pla = caseOf(x.cases, "plateau").rep;
  const deepIni = caseOf(x.cases, "deep init").rep;
  const L = ini.rows.length - 1,
    Ld = deepIni.rows.length - 1;
  const jd = Math.max(...x.jacobian.map((r) => r.depth));
  const jac = (k: JacobianResult["case"]["key"]) => {
    const r = x.jacobian.find((j) => j.case.key === k && j.depth === jd);
    if (!r) throw new Error(`no Jacobian result for ${k} at depth ${jd}`);
    return { gain: r.gain ?? NaN, spread: r.spectra.stats.log10Std, meanSquared: r.spectra.stats.meanSquared };
  };
  return {
    ini,
    tr,
    pla,
    L,
    Ld,
    jd,
    jac,
    initPerLayer: deltaRatio(ini, 1, L + 1) ** (1 / L),
    initFirstOverOutput: deltaRatio(ini, 1, L + 1),
    deepFirstOverOutput: deltaRatio(deepIni, 1, Ld + 1),
    trainedFirstOverTop: deltaRatio(tr, 1, L),
    plateauTopShrink: 1 / deltaRatio(pla, L, L + 1),
    boundHeld: x.cases.every(({ rep }) => hiddenRows(rep).every((r) => r.minRatio >= 1 - 1e-6)),
    initSlopes: hiddenRows(ini).map((r) => r.derivativeMean!),
  };
}

/** The closing paragraphs, every number from this run. */
export function summary(x: SummaryInputs): string[] {
  const c = closing(x),
    s = x.sweep,
    d = x.derivation;
  const agree = (k: "zero" | "centred") => Number.isFinite(s.ratioCross[k]) && Number.isFinite(s.chiCross[k]);
  return [
    "**Right.**",
    `σ′ ≤ 1/4, with equality only at z = 0 (checked on ${d.grid.length.toLocaleString("en")} points; autodiff agrees with σ(1−σ) to ${num(d.maxAutodiffError)}), and a saturated unit (h within 0.01 of 0 or 1) has σ′ < 0.01.`,
    `‖δ_l‖ ≤ ¼‖W_{l+1}‖₂‖δ_{l+1}‖ ${c.boundHeld ? "held on every point, layer and network measured here" : "failed somewhere (see the tables of section 4)"}.`,
    `At initialisation the question's network (‖W‖₂ ≈ ${num(x.sizes.initNorms[1])}) ${c.initPerLayer < 1 ? "does lose the error geometrically" : "does not lose the error"}: ×${num(c.initPerLayer)} per layer on average from the logits down, ‖δ_1‖/‖δ_${c.L + 1}‖ = ${num(c.initFirstOverOutput)}; at ${c.Ld} layers ${num(c.deepFirstOverOutput)}. ` +
      `Mean σ′ is ${range(c.initSlopes)} per layer there` +
      (slopesNearMax(c.initSlopes)
        ? `, near its maximum 1/4: the loss comes from ‖W‖₂ and misalignment, not from saturation.`
        : `.`),
    "**Missed.**",
    `"Weight less than 4" must be read as ‖W‖₂ < 4, a statement about a whole matrix; after training ‖W‖₂ = ${range(x.sizes.trainedNorms)} while no entry exceeds ${num(x.sizes.maxEntry)}.`,
    `After ${x.epochs} epochs of training (training accuracy ${pct(c.tr.accuracy)}${c.tr.accuracy < PLATEAU_RULES.chance ? ", still at chance" : ""}) the error ${errorVanished(c.trainedFirstOverTop) ? "still vanishes" : "does not vanish"} between the top hidden layer and the first: ‖δ_1‖/‖δ_${c.L}‖ = ${num(c.trainedFirstOverTop)}, and the chained bound overestimates ‖δ_1‖ ${num(c.tr.rows[0].ratio)}-fold (mean σ′ per layer ${hiddenRows(
      c.tr,
    )
      .map((r) => num(r.derivativeMean!))
      .join(", ")}; alignment ${hiddenRows(c.tr)
      .map((r) => num(r.alignmentGeo!))
      .join(", ")}).`,
    `At init the bound is ${num(c.ini.rows[0].localRatioGeo!)}× loose per step at layer 1 (σ′ slack ${num(c.ini.rows[0].slackGeo!)}, α = ${num(c.ini.rows[0].alignmentGeo!)}); over all hidden layers the larger factor is ${mainLooseness(c.ini)}.`,
    `At initialisation with random orthogonal W × g (${x.sweepSetting}), ${s.largest.ratio > 1 ? `large gains do not make the error vanish: at g = ${s.largest.gain}, ${pct(s.largest.saturation)} of entries are saturated and yet ‖δ_1‖/‖δ_${s.depth}‖ = ${num(s.largest.ratio)} (growth)` : `at g = ${s.largest.gain}, ${pct(s.largest.saturation)} of entries are saturated and ‖δ_1‖/‖δ_${s.depth}‖ = ${num(s.largest.ratio)}`}. ` +
      `The shrinking stops at ${g3(s.ratioCross.zero)} (biases 0) or ${g3(s.ratioCross.centred)} (centred), where the mean-field χ₁ = g²·E[σ′²] crosses 1 at ${g3(s.chiCross.zero)} and ${g3(s.chiCross.centred)}${agree("zero") && agree("centred") ? "" : " (one of the crossings is outside the gains swept)"}. This is measured at initialisation only.`,
    ...jacobianParagraphs(c),
    `**On the plateau.** ${topLayerSentence(x.top, c.plateauTopShrink)}`,
  ];
}

/** §6 in the closing: how the centred and the zero-bias σ compare with tanh, read by SUMMARY_RULES.nearFour and ISOMETRY_RULES. */
function jacobianParagraphs(c: ReturnType<typeof closing>): string[] {
  const oc = c.jac("orth-c"),
    o = c.jac("orth"),
    t = c.jac("tanh"),
    st = c.jac("standard");
  const rc = readIsometry(oc.meanSquared, oc.spread, t.spread),
    r0 = readIsometry(o.meanSquared, o.spread, t.spread);
  const ratio = oc.gain / t.gain;
  const reads = (r: IsometryReading) =>
    `${r.critical ? "critical" : "not critical"} and ${r.nearIsometry ? "near isometry" : "not near isometry"} by the rule`;
  return [
    `${gainRatioNearFour(ratio) ? "Four is a conversion factor more than a wall" : "The searched gains are not 4 apart here"}: at ${c.jd} layers a sigmoid net with our centred biases and orthogonal weights reaches mean σ² of J = ${num(oc.meanSquared)} at g* ≈ ${num(oc.gain)}, ` +
      `${num(ratio)}× the tanh net's g* ≈ ${num(t.gain)} (section 1's identity says 4 where every z is near 0), and its singular values spread over ${num(oc.spread)} decades (std of log₁₀ σ), ${num(rc.spreadOverTanh)}× the tanh net's ${num(t.spread)}: ${reads(rc)}.`,
    `Pennington, Schoenholz & Ganguli's sigmoidal results are for odd, tanh-like units; the logistic σ is not odd. With biases 0 it reaches mean σ² = ${num(o.meanSquared)} at g* ≈ ${num(o.gain)}, and its singular values spread over ${num(o.spread)} decades, ${num(r0.spreadOverTanh)}× the tanh net's: ${reads(r0)}` +
      `${r0.critical && !r0.nearIsometry ? " — criticality, not isometry" : ""}. Centring the biases, which makes σ work like tanh, is our construction, not theirs. The standard init spreads over ${num(st.spread)} decades, with mean σ² = ${num(st.meanSquared)}. ${isometryRulesText()}`,
  ];
}

/** What notebook 06 reads from this run (lib/run/findings BoundFindings). */
export function findings(
  x: SummaryInputs,
  p: { readonly plateauEpochs: number; readonly deepDepth: number },
): BoundFindings {
  const c = closing(x),
    s = x.sweep,
    r = readTopLayer(x.top);
  const read = (k: JacobianResult["case"]["key"]) =>
    readIsometry(c.jac(k).meanSquared, c.jac(k).spread, c.jac("tanh").spread);
  const iso = { centred: read("orth-c"), zero: read("orth") };
  return {
    depth: c.L,
    derivativeCheck: { points: x.derivation.grid.length, maxError: x.derivation.maxAutodiffError },
    boundHeld: c.boundHeld,
    init: {
      perLayer: c.initPerLayer,
      firstOverOutput: c.initFirstOverOutput,
      deepDepth: p.deepDepth,
      deepFirstOverOutput: c.deepFirstOverOutput,
      spectralNorm: x.sizes.initNorms[1],
    },
    trained: {
      firstOverTop: c.trainedFirstOverTop,
      boundOverMeasured: hiddenRows(c.tr).map((row) => row.ratio),
      derivativeMean: hiddenRows(c.tr).map((row) => row.derivativeMean!),
      spectralNormMin: Math.min(...x.sizes.trainedNorms),
      spectralNormMax: Math.max(...x.sizes.trainedNorms),
      maxEntry: x.sizes.maxEntry,
      accuracy: c.tr.accuracy,
    },
    plateau: {
      epochs: p.plateauEpochs,
      topSaturation: x.top.saturation,
      topDerivativeMean: x.top.meanDerivative,
      topShrink: c.plateauTopShrink,
      accuracy: x.top.accuracy,
      topMeanActivation: x.top.meanActivation,
      topLowFraction: x.top.lowFraction,
      topHighFraction: x.top.highFraction,
      atChance: r.atChance,
      pinnedAt: r.pinnedAt,
      flat: r.flat,
    },
    largeWeights: {
      gain: s.largest.gain,
      depth: s.depth,
      saturation: s.largest.saturation,
      meanDerivative: s.largest.meanDerivative,
      firstOverTop: s.largest.ratio,
      crossOverGain: s.ratioCross.zero,
      setting: `random orthogonal W × g at initialisation: ${x.sweepSetting}`,
      crossOverGainCentred: s.ratioCross.centred,
      chiCrossGain: s.chiCross.zero,
      chiCrossGainCentred: s.chiCross.centred,
      chiAtLargest: s.largest.chi,
    },
    isometry: {
      depth: c.jd,
      gain: c.jac("orth-c").gain,
      spreadCentred: c.jac("orth-c").spread,
      spreadZeroBias: c.jac("orth").spread,
      spreadStandard: c.jac("standard").spread,
      gainZeroBias: c.jac("orth").gain,
      spreadTanh: c.jac("tanh").spread,
      gainTanh: c.jac("tanh").gain,
      nearIsometryCentred: iso.centred.nearIsometry,
      nearIsometryZeroBias: iso.zero.nearIsometry,
      criticalZeroBias: iso.zero.critical,
    },
  };
}

const g3 = (v: number) => (Number.isFinite(v) ? `g ≈ ${num(v)}` : "— (not in the gains swept)");
