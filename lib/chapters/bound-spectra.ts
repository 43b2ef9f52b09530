/**
 * Chapter: notebook 04-bound, sections 5–6 (the gain sweep, Jacobian spectra,
 * Glorot & Bengio's layer Jacobians): checks, tables, figures and the prose
 * they need. Sections 1–4, the closing prose and the findings are in ./bound.
 */
import type { ActivationName } from "../core/activations";
import type { InitName } from "../core/init";
import { INITS } from "../core/init";
import type { Mlp } from "../core/model";
import type { LabelledData } from "../core/train";
import { deltaRatio, measureBound, meanFieldChi } from "../measure/bound";
import type { IsometryGain } from "../measure/isometry";
import { JacobianSpectra, LayerJacobianRow, quarterCircleMeanSingularValue } from "../measure/jacobian";
import { glorotBengioJacobian } from "../data/published";
import type { Row } from "../display/table";
import * as plot from "../display/plot";
import { num, pct } from "../display/text";
import { ISOMETRY_RULES, SUMMARY_RULES, Shown, isometryRulesText, readIsometry, verify, withinFactor } from "./bound";

// ------------------------------------------------------------ §5: networks with prescribed spectral norms

export interface SweepPoint {
  readonly gain: number;
  /** ‖δ_1‖/‖δ_L‖, geometric mean over points. */
  readonly ratio: number;
  /** The chained bound (g/4)^(L−1). */
  readonly boundRatio: number;
  /** Mean over hidden layers of the saturated share and of σ'. */
  readonly saturation: number;
  readonly meanDerivative: number;
  /** σ'_eff (the δ-weighted rms σ' that multiplies ‖δ‖), geometric mean over layers 1..L−1. */
  readonly effDerivative: number;
  /** χ₁ = g²·E[σ'(z_l)²] on the measured z, geometric mean over layers 1..L−1 (the ones δ_L → δ_1 passes). */
  readonly chi: number;
}

/**
 * One gain of the sweep on an orthogonal × g network: ‖δ₁‖/‖δ_L‖ against the bound and χ₁, with the claims of the
 * section checked — every hidden ‖W_l‖₂ = g, alignment α = 1, and (g/4)^(L−1) ≥ ‖δ₁‖/‖δ_L‖ on every point.
 */
export function sweepPoint(net: Mlp, points: LabelledData, gain: number): SweepPoint {
  const L = net.depth;
  const rep = measureBound(net, points.x, points.y, points.n);
  rep.spectralNorms
    .slice(0, L)
    .forEach((v, k) => verify(Math.abs(v - gain) < 1e-4 * gain, `gain ${gain}: ‖W_${k + 1}‖₂ = ${v}`));
  const steps = rep.rows.slice(0, L - 1),
    hidden = rep.rows.slice(0, L);
  steps.forEach((r) =>
    verify(
      Math.abs(r.alignmentGeo! - 1) < 1e-3,
      `gain ${gain}: alignment ${r.alignmentGeo} should be 1 for orthogonal × g`,
    ),
  );
  const boundRatio = (gain / 4) ** (L - 1);
  let maxOverBound = 0;
  for (let i = 0; i < points.n; i++)
    maxOverBound = Math.max(maxOverBound, rep.deltaNorms[0][i] / rep.deltaNorms[L - 1][i] / boundRatio);
  verify(maxOverBound <= 1 + 1e-5, `gain ${gain}: ‖δ_1‖/‖δ_L‖ exceeds (g/4)^(L−1) on some point by ×${maxOverBound}`);
  const chis = meanFieldChi(net, points).slice(0, L - 1);
  const geo = (xs: number[]) => Math.exp(xs.reduce((s, v) => s + Math.log(v), 0) / xs.length);
  return {
    gain,
    ratio: deltaRatio(rep, 1, L),
    boundRatio,
    saturation: hidden.reduce((s, r) => s + r.saturation!, 0) / L,
    meanDerivative: hidden.reduce((s, r) => s + r.derivativeMean!, 0) / L,
    effDerivative: geo(steps.map((r) => 0.25 / r.slackGeo!)),
    // δ_l = σ'(z_l) ⊙ δ_{l+1}W_{l+1}ᵀ pairs layer l's σ' with W_{l+1}, whose σ_w² is g² for l = 1..L−1.
    chi: gain * gain * geo(chis.map((c) => c.derivativeMeanSquare)),
  };
}

/** The gain at which value(p) crosses 1 upward, interpolated in log–log between grid points (NaN if it never does). */
export function crossingGain(ps: readonly SweepPoint[], value: (p: SweepPoint) => number): number {
  for (let k = 0; k + 1 < ps.length; k++) {
    const a = value(ps[k]),
      b = value(ps[k + 1]);
    if (a < 1 && b >= 1) {
      const t = -Math.log(a) / (Math.log(b) - Math.log(a));
      return Math.exp(Math.log(ps[k].gain) + t * (Math.log(ps[k + 1].gain) - Math.log(ps[k].gain)));
    }
  }
  return NaN;
}

export type Sweep = Readonly<Record<"zero" | "centred", readonly SweepPoint[]>>;

/** What the sweep concluded: the ends, where the error stops shrinking and where χ₁ crosses 1, for both bias choices. */
export interface SweepSummary {
  readonly depth: number;
  readonly smallest: SweepPoint;
  readonly largest: SweepPoint;
  readonly ratioCross: { readonly zero: number; readonly centred: number };
  readonly chiCross: { readonly zero: number; readonly centred: number };
  /** σ'_eff ∝ g^slope over the largest gains (biases 0), and the first gain of that fit. */
  readonly slope: number;
  readonly slopeFrom: number;
}

export function summarizeSweep(sweep: Sweep, depth: number): SweepSummary {
  const z = sweep.zero;
  // The fit of σ'_eff ∝ g^slope: over g ≥ 8 (well past the story's 4), or the last three gains if none is that large.
  const big = z.findIndex((p) => p.gain >= 8);
  const from = big >= 0 ? big : Math.max(0, z.length - 3);
  const fit = z.slice(from),
    a = fit[0],
    b = fit[fit.length - 1];
  return {
    depth,
    smallest: z[0],
    largest: z[z.length - 1],
    ratioCross: { zero: crossingGain(z, (p) => p.ratio), centred: crossingGain(sweep.centred, (p) => p.ratio) },
    chiCross: { zero: crossingGain(z, (p) => p.chi), centred: crossingGain(sweep.centred, (p) => p.chi) },
    slope: fit.length >= 2 ? Math.log(b.effDerivative / a.effDerivative) / Math.log(b.gain / a.gain) : NaN,
    slopeFrom: a.gain,
  };
}

const g = (v: number) => (Number.isFinite(v) ? `g ≈ ${num(v)}` : "— (not in this range)");
const over4 = (v: number) => (Number.isFinite(v) ? num(v / 4) : "—");

/** The ratio against g, with the bound and the mean-field prediction χ₁^((L−1)/2). */
export function sweepFigure(sweep: Sweep, s: SweepSummary, width: number): Shown {
  const gains = sweep.zero.map((p) => p.gain),
    L = s.depth;
  const predicted = (ps: readonly SweepPoint[]) => ps.map((p) => p.chi ** ((L - 1) / 2));
  return {
    figure: plot.line({
      title: `‖δ_1‖/‖δ_${L}‖ against ‖W_l‖₂ = g (${L} × ${width}, orthogonal, at init)`,
      x: { label: "spectral norm of every hidden W_l", unit: "g", log: true },
      y: { label: "‖δ_1‖/‖δ_L‖, geometric mean", unit: "ratio", log: true },
      markers: true,
      series: [
        { name: "measured, biases 0", x: gains, y: sweep.zero.map((p) => p.ratio), color: "#0072B2" },
        { name: "χ₁^((L−1)/2), biases 0", x: gains, y: predicted(sweep.zero), dash: "dot", color: "#0072B2" },
        { name: "measured, centred biases", x: gains, y: sweep.centred.map((p) => p.ratio), color: "#D55E00" },
        { name: "χ₁^((L−1)/2), centred", x: gains, y: predicted(sweep.centred), dash: "dot", color: "#D55E00" },
        {
          name: "bound (g/4)^(L−1)",
          x: gains,
          y: gains.map((v) => (v / 4) ** (L - 1)),
          dash: "dash",
          color: "#000000",
        },
        { name: "no change (1)", x: [gains[0], gains[gains.length - 1]], y: [1, 1], dash: "dot", color: "#777777" },
      ],
    }),
    takeaway:
      `At g = ${s.smallest.gain} the error reaching layer 1 is ${num(s.smallest.ratio)} of the top's (bound ${num(s.smallest.boundRatio)}). ` +
      `It stops shrinking at ${g(s.ratioCross.zero)} with biases 0 and ${g(s.ratioCross.centred)} with centred biases (${over4(s.ratioCross.zero)} and ${over4(s.ratioCross.centred)} times the story's 4); χ₁ = g²·E[σ′²] crosses 1 at ${g(s.chiCross.zero)} and ${g(s.chiCross.centred)}. ` +
      `At g = ${s.largest.gain} the error ${s.largest.ratio > 1 ? "grows" : "changes"} ×${num(s.largest.ratio)} while the bound allows ×${num(s.largest.boundRatio)}.`,
  };
}

export function saturationFigure(sweep: Sweep, s: SweepSummary): Shown {
  const gains = sweep.zero.map((p) => p.gain),
    big = s.largest;
  const panel = (
    title: string,
    y: { label: string; unit: string; log?: boolean; range?: [number, number] },
    series: { name: string; y: number[]; dash?: "dash" | "dot"; color?: string; x?: number[] }[],
  ) =>
    plot.line({
      title,
      x: { label: "‖W_l‖₂ = g", unit: "g", log: true },
      y,
      markers: true,
      series: series.map((t) => ({ x: gains, ...t })),
    });
  return {
    figure: plot.smallMultiples({
      title: "Big weights: saturation rises, σ′ falls more slowly than g grows",
      columns: 2,
      panels: [
        panel(
          "Saturated entries (mean over layers)",
          { label: "fraction of entries", unit: "fraction", range: [0, 1] },
          [
            { name: "biases 0", y: sweep.zero.map((p) => p.saturation) },
            { name: "centred biases", y: sweep.centred.map((p) => p.saturation) },
          ],
        ),
        panel("Mean σ′ and σ′_eff", { label: "derivative", unit: "dimensionless", log: true }, [
          { name: "mean σ′, biases 0", y: sweep.zero.map((p) => p.meanDerivative), color: "#0072B2" },
          { name: "σ′_eff, biases 0", y: sweep.zero.map((p) => p.effDerivative), dash: "dash", color: "#0072B2" },
          { name: "mean σ′, centred", y: sweep.centred.map((p) => p.meanDerivative), color: "#D55E00" },
          { name: "σ′_eff, centred", y: sweep.centred.map((p) => p.effDerivative), dash: "dash", color: "#D55E00" },
          { name: "1/4", x: [gains[0], gains[gains.length - 1]], y: [0.25, 0.25], dash: "dot", color: "#000000" },
          { name: "1/g (step factor g·σ′_eff = 1)", y: gains.map((v) => 1 / v), dash: "dot", color: "#777777" },
        ]),
      ],
    }),
    takeaway: `At g = ${big.gain}: ${pct(big.saturation)} of entries saturated, mean σ′ ${num(big.meanDerivative)}, σ′_eff = ${num(big.effDerivative)}, so g·σ′_eff = ${num(big.gain * big.effDerivative)} per layer; σ′_eff falls like g^${num(s.slope)} (fit over g ≥ ${s.slopeFrom}), ${s.slope > -1 ? "more slowly than" : "at least as fast as"} 1/g.`,
  };
}

export function sweepRows(sweep: Sweep): Row[] {
  return sweep.zero.map((z, k) => {
    const c = sweep.centred[k];
    return {
      "g = ‖W_l‖₂": z.gain,
      "‖δ_1‖/‖δ_L‖ (0 / centred)": `${num(z.ratio)} / ${num(c.ratio)}`,
      "χ₁ = g²·E[σ′²] (0 / centred)": `${num(z.chi)} / ${num(c.chi)}`,
      "bound (g/4)^(L−1)": num(z.boundRatio),
      "saturated (0 / centred)": `${pct(z.saturation)} / ${pct(c.saturation)}`,
      "mean σ′ (0 / centred)": `${num(z.meanDerivative)} / ${num(c.meanDerivative)}`,
      "σ′_eff (0 / centred)": `${num(z.effDerivative)} / ${num(c.effDerivative)}`,
    };
  });
}

const agreement = (ok: boolean) =>
  ok
    ? `agree within ×${SUMMARY_RULES.crossingAgreement}`
    : `differ by more than ×${SUMMARY_RULES.crossingAgreement} (or one is outside the gains swept)`;

/** Two crossing gains agree when both exist and are within SUMMARY_RULES.crossingAgreement of each other. */
export function crossingsAgree(a: number, b: number): boolean {
  return withinFactor(a, b, SUMMARY_RULES.crossingAgreement);
}

/** The dilemma of large and small weights, as this sweep measured it (at initialisation, orthogonal W only). */
export function dilemmaProse(s: SweepSummary, width: number, points: number): string[] {
  const lo = s.smallest,
    hi = s.largest,
    L = s.depth;
  const agree = (k: "zero" | "centred") => crossingsAgree(s.ratioCross[k], s.chiCross[k]);
  return [
    `**What was measured.** Random orthogonal W × g in ${L} × ${width} sigmoid networks **at initialisation**, on ${points} random MNIST training points. Nothing here was trained: what follows is about the gain a network starts from, not about weights that grew large by training (section 4's trained network is that case).`,
    `**Small weights.** At g = ${lo.gain} the error reaching layer 1 is ${num(lo.ratio)} of the top's, ${num(lo.ratio / lo.boundRatio)} of the bound (g/4)^(L−1): with orthogonal weights α = 1, so the only slack left is σ′ below 1/4 (σ′_eff = ${num(lo.effDerivative)} here).`,
    `**Large weights.** At g = ${hi.gain}, ${pct(hi.saturation)} of the hidden entries are saturated and the mean σ′ is ${num(hi.meanDerivative)}, ` +
      (hi.ratio > 1
        ? `yet ‖δ_1‖/‖δ_${L}‖ = ${num(hi.ratio)}: at initialisation the error **grows** on its way down instead of vanishing. What multiplies ‖δ‖ is σ′_eff, a δ-weighted root-mean-square of σ′ (${num(hi.effDerivative)} here, ${num(hi.effDerivative / hi.meanDerivative)}× the mean), and it falls like g^${num(s.slope)}, so g·σ′_eff = ${num(hi.gain * hi.effDerivative)} ${hi.gain * hi.effDerivative > 1 ? ">" : "≤"} 1 per layer.`
        : `and ‖δ_1‖/‖δ_${L}‖ = ${num(hi.ratio)}: here saturation does keep the error from reaching layer 1.`),
    `**Order and chaos.** The mean-field χ₁ = g²·E[σ′(z)²], on the measured pre-activations, crosses 1 at ${g(s.chiCross.zero)} with biases 0 and ${g(s.chiCross.centred)} with centred biases; ‖δ₁‖/‖δ_L‖ reaches 1 at ${g(s.ratioCross.zero)} and ${g(s.ratioCross.centred)}. ` +
      (agree("zero") === agree("centred")
        ? `The two crossings ${agreement(agree("zero"))} for both bias choices: `
        : `The two crossings ${agreement(agree("zero"))} with biases 0 and ${agreement(agree("centred"))} with centred biases: `) +
      `${agree("zero") && agree("centred") ? "here χ₁ < 1 (their ordered phase) is where the error vanished and χ₁ > 1 (chaotic) where it grew" : "χ₁ weighs every unit's σ′ alike while the error weighs the units δ flows through, and where those differ so do the crossings"}. ` +
      `The story's 4 would be exact only if every z were 0 (σ′ = 1/4 everywhere, α = 1); the centred crossing is ${over4(s.ratioCross.centred)} times 4` +
      (s.ratioCross.zero > s.ratioCross.centred
        ? `, the one with biases 0 ${over4(s.ratioCross.zero)} times: without centring, σ's mean of 1/2 shifts the pre-activations away from 0 and costs σ′.`
        : `.`),
  ];
}

// ------------------------------------------------------------ §6: Jacobian spectra at init

export interface JacobianCase {
  readonly key: "standard" | "normalized" | "gauss-c" | "orth" | "orth-c" | "tanh" | "relu";
  readonly label: string;
  readonly short: string;
  readonly act: ActivationName;
  readonly init: InitName;
  /** Re-centre the biases at every gain (core/centre: our construction). */
  readonly centre: boolean;
  /** Gains scanned by the isometry search (null: the init as it is). */
  readonly grid: readonly number[] | null;
}

export const JACOBIAN_CASES: readonly JacobianCase[] = [
  {
    key: "standard",
    label: "sigmoid, standard U[±1/√n]",
    short: "sigmoid, standard",
    act: "sigmoid",
    init: "standard",
    centre: false,
    grid: null,
  },
  {
    key: "normalized",
    label: "sigmoid, normalized (Glorot)",
    short: "sigmoid, normalized",
    act: "sigmoid",
    init: "normalized",
    centre: false,
    grid: null,
  },
  {
    key: "gauss-c",
    label: "sigmoid, Gaussian × g*, centred biases (ours)",
    short: "σ, Gaussian, centred",
    act: "sigmoid",
    init: "lecun",
    centre: true,
    grid: [2, 4, 8],
  },
  {
    key: "orth",
    label: "sigmoid, orthogonal × g*, biases 0",
    short: "σ, orthogonal, b = 0",
    act: "sigmoid",
    init: "orthogonal",
    centre: false,
    grid: [4, 8, 16, 32, 64],
  },
  {
    key: "orth-c",
    label: "sigmoid, orthogonal × g*, centred biases (ours)",
    short: "σ, orthogonal, centred",
    act: "sigmoid",
    init: "orthogonal",
    centre: true,
    grid: [2, 4, 8],
  },
  {
    key: "tanh",
    label: "tanh, orthogonal × g*",
    short: "tanh, orthogonal",
    act: "tanh",
    init: "orthogonal",
    centre: false,
    grid: [0.5, 1, 2],
  },
  {
    key: "relu",
    label: "ReLU, orthogonal × g*",
    short: "ReLU, orthogonal",
    act: "relu",
    init: "orthogonal",
    centre: false,
    grid: [1, 2, 4],
  },
];

export interface JacobianResult {
  readonly case: JacobianCase;
  readonly depth: number;
  /** The isometry-search gain g* (null for the inits used as they are). */
  readonly gain: number | null;
  readonly spectra: JacobianSpectra;
}

/** One case at one depth, with the search's claims checked: it bracketed mean σ² = 1, and the spectrum is critical by ISOMETRY_RULES. */
export function jacobianResult(
  c: JacobianCase,
  depth: number,
  iso: IsometryGain | null,
  spectra: JacobianSpectra,
): JacobianResult {
  if (iso) {
    verify(
      iso.bracketed,
      `${c.label}, depth ${depth}: the mean squared singular value never crosses 1 for gains ${c.grid!.join(", ")} (values ${iso.scanned.map((s) => num(s.value)).join(", ")})`,
    );
    verify(
      withinFactor(spectra.stats.meanSquared, 1, ISOMETRY_RULES.critical),
      `${c.label}, depth ${depth}: mean σ² = ${spectra.stats.meanSquared} at the searched gain ${iso.gain}, not within ×${ISOMETRY_RULES.critical} of 1`,
    );
  }
  return { case: c, depth, gain: iso ? iso.gain : null, spectra };
}

export function resultOf(rs: readonly JacobianResult[], key: JacobianCase["key"], depth: number): JacobianResult {
  const r = rs.find((x) => x.case.key === key && x.depth === depth);
  if (!r) throw new Error(`no Jacobian result for ${key} at depth ${depth}`);
  return r;
}

/** Criticality and isometry of one searched case against the orthogonal tanh net at the same depth (ISOMETRY_RULES). */
export function isometryOf(rs: readonly JacobianResult[], key: JacobianCase["key"], depth: number) {
  const s = resultOf(rs, key, depth).spectra.stats;
  return readIsometry(s.meanSquared, s.log10Std, resultOf(rs, "tanh", depth).spectra.stats.log10Std);
}

/** How the deepest spectra read: criticality (mean σ² = 1) for all searched cases; the spread says how close to isometry. */
export function spectraTakeaway(rs: readonly JacobianResult[], depth: number): string {
  const at = (k: JacobianCase["key"]) => resultOf(rs, k, depth);
  const spread = (k: JacobianCase["key"]) => num(at(k).spectra.stats.log10Std);
  const near = (k: JacobianCase["key"]) => {
    const r = isometryOf(rs, k, depth);
    return `${num(r.spreadOverTanh)}× tanh's: ${r.nearIsometry ? "near isometry" : "not near isometry"}`;
  };
  return (
    `At L = ${depth}: mean σ² is ${num(at("standard").spectra.stats.meanSquared)} (standard) and ${num(at("normalized").spectra.stats.meanSquared)} (normalized). ` +
    `At mean σ² = 1 the spread (std of log₁₀ σ) is ${spread("tanh")} for tanh (orthogonal), ${spread("orth-c")} for σ orthogonal with our centred biases (g* = ${num(at("orth-c").gain!)}; ${near("orth-c")}), ${spread("gauss-c")} for Gaussian + centred (${near("gauss-c")}), ` +
    `and ${spread("orth")} for σ orthogonal with biases 0 (g* = ${num(at("orth").gain!)}; ${near("orth")}). ` +
    `ReLU has ${pct(at("relu").spectra.stats.zeroFraction)} zero singular values (values below 10⁻¹² × the largest are left out of the histograms; the table counts them). ${isometryRulesText()}`
  );
}

export function spectraFigure(rs: readonly JacobianResult[], width: number, points: number): Shown {
  const logLo = Math.floor(Math.min(...rs.map((r) => Math.log10(r.spectra.stats.max) - 12)));
  const logHi = Math.ceil(Math.max(...rs.map((r) => Math.log10(r.spectra.stats.max)))) + 0.5;
  return {
    figure: plot.smallMultiples({
      title: `Singular values of J = ∂h_L/∂h_1 at init (width ${width}, ${points} points)`,
      columns: 3,
      rowHeight: 260,
      panels: JACOBIAN_CASES.map((c) =>
        plot.histogram({
          title: c.short,
          x: { label: "log₁₀ σ", unit: "decades" },
          y: { label: "share of singular values", unit: "fraction" },
          bins: { start: logLo, end: logHi, count: Math.min(120, Math.round((logHi - logLo) * 2)) },
          normalize: "fraction",
          series: rs
            .filter((r) => r.case.key === c.key)
            .map((r) => ({
              name: `L = ${r.depth}`,
              values: Array.from(r.spectra.pooled)
                .filter((v) => v > 1e-12 * r.spectra.stats.max)
                .map(Math.log10),
            })),
        }),
      ),
    }),
    takeaway: spectraTakeaway(rs, Math.max(...rs.map((r) => r.depth))),
  };
}

export function spectraRows(rs: readonly JacobianResult[]): Row[] {
  return rs.map(({ case: c, depth, gain, spectra: { stats: s } }) => ({
    init: c.label,
    L: depth,
    "g*": gain === null ? "—" : num(gain),
    "mean σ²": num(s.meanSquared),
    "mean σ": num(s.mean),
    "median σ": s.median <= 1e-12 * s.max ? "≈ 0" : num(s.median),
    "max σ": num(s.max),
    "std log₁₀ σ (resolved)": num(s.log10Std),
    "σ below 10⁻¹²·max": pct(s.zeroFraction),
  }));
}

/** Section 1's identity in the numbers: g* of the centred sigmoid net against the tanh net's, per depth. */
export function gainRatioRows(rs: readonly JacobianResult[]): Row[] {
  const depths = [...new Set(rs.map((r) => r.depth))];
  return depths.map((L) => {
    const s = resultOf(rs, "orth-c", L).gain!,
      t = resultOf(rs, "tanh", L).gain!;
    return { L, "g* sigmoid (orthogonal, centred)": num(s), "g* tanh (orthogonal)": num(t), ratio: num(s / t) };
  });
}

// ------------------------------------------------------------ §6: Glorot & Bengio's layer Jacobians

export interface GlorotBengioResult {
  readonly activation: "tanh" | "sigmoid";
  readonly init: "standard" | "normalized";
  readonly rows: readonly LayerJacobianRow[];
  /** Averages over layers 2..L. */
  readonly mean: number;
  readonly meanDerivative: number;
  readonly weightMean: number;
  /** The quarter-circle law's mean singular value for the init's variance. */
  readonly quarterCircle: number;
}

/** Averages of one network's layer Jacobians, with σ_k(DWᵀ) ≤ max|D|·σ_k(W) checked (on the means). */
export function glorotBengioResult(
  activation: "tanh" | "sigmoid",
  init: "standard" | "normalized",
  rows: readonly LayerJacobianRow[],
  width: number,
): GlorotBengioResult {
  for (const r of rows)
    verify(
      r.meanSingularValue <= r.maxDerivative * r.weightMeanSingularValue * (1 + 1e-9),
      `${activation}/${init} layer ${r.layer}: mean σ(J) ${r.meanSingularValue} > max f' × mean σ(W)`,
    );
  const avg = (f: (r: LayerJacobianRow) => number) => rows.reduce((s, r) => s + f(r), 0) / rows.length;
  return {
    activation,
    init,
    rows,
    mean: avg((r) => r.meanSingularValue),
    meanDerivative: avg((r) => r.meanDerivative),
    weightMean: avg((r) => r.weightMeanSingularValue),
    quarterCircle: quarterCircleMeanSingularValue(INITS[init].variance(width, width) * width),
  };
}

export function glorotBengioRows(rs: readonly GlorotBengioResult[]): Row[] {
  const pub = glorotBengioJacobian();
  return rs.map((r) => {
    const p = pub.rows.find((x) => x.init === r.init && x.activation === r.activation);
    return {
      activation: r.activation,
      init: r.init,
      "mean σ(J_l), layers 2..L": num(r.mean),
      "per layer": r.rows.map((x) => num(x.meanSingularValue)).join(", "),
      "mean σ(W_l)": num(r.weightMean),
      "quarter-circle 8/(3π)·√(n·Var)": num(r.quarterCircle),
      "mean f′": num(r.meanDerivative),
      "prediction mean f′ × quarter-circle": num(r.meanDerivative * r.quarterCircle),
      "Glorot & Bengio": p ? `≈ ${p.meanSingularValue}` : "not reported",
    };
  });
}

export function glorotBengioTakeaway(rs: readonly GlorotBengioResult[]): string {
  const at = (a: string, i: string) => rs.find((r) => r.activation === a && r.init === i)!.mean;
  const [ts, tn, ss, sn] = [
    at("tanh", "standard"),
    at("tanh", "normalized"),
    at("sigmoid", "standard"),
    at("sigmoid", "normalized"),
  ];
  const pub = (i: string) =>
    glorotBengioJacobian().rows.find((p) => p.activation === "tanh" && p.init === i)?.meanSingularValue ?? NaN;
  const f = (a: string, i: string) => rs.find((r) => r.activation === a && r.init === i)!;
  return `tanh: ${num(ts)} (standard) and ${num(tn)} (normalized), against Glorot & Bengio's ${pub("standard")} and ${pub("normalized")}; sigmoid: ${num(ss)} and ${num(sn)}, ${num(ss / ts)} and ${num(sn / tn)} of tanh's — the ratio of their mean f′ (${num(f("sigmoid", "standard").meanDerivative / f("tanh", "standard").meanDerivative)} and ${num(f("sigmoid", "normalized").meanDerivative / f("tanh", "normalized").meanDerivative)}: σ′ ≤ 1/4 against tanh′ ≤ 1), on weight matrices of mean singular value ${num(f("tanh", "standard").weightMean)} and ${num(f("tanh", "normalized").weightMean)}.`;
}
