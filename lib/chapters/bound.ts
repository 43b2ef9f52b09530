/**
 * Chapter: notebook 04-bound (the 1/4 bound, derived and measured).
 *
 * What only that chapter needs, in three modules the notebook imports directly:
 *   ./bound-derivation  §1–2: σ, σ', tanh' and the numeric checks of the derivation
 *   ./bound (this)      §3–4: the networks, the weight-size table, the checks and tables of the measured δ
 *                       against the chained bound, the rule that reads the top layer of the plateau network,
 *                       and every words-from-numbers rule of the chapter (PLATEAU_, SUMMARY_, ISOMETRY_RULES)
 *   ./bound-summary     §7: the closing prose and the findings for 06
 * The gain sweep, the Jacobian spectra and Glorot & Bengio's layer Jacobians are in ./bound-spectra. The
 * measurements themselves (δ, the bound, spectra, the isometry gain) are general and live in lib/measure.
 * This module imports nothing at run time from the other three (no cycles).
 *
 * Every claim the notebook's text makes is checked by `verify`, which
 * stops the run with the claim's name when it fails.
 */
import { activation } from "../core/activations";
import { ConfigError } from "../core/errors";
import { Mlp } from "../core/model";
import { frobeniusNorm } from "../core/linalg";
import type { LabelledData } from "../core/train";
import { BoundReport, deltaRatio, layerSpectralNorms, spectralNormBySvd, weightMatrix } from "../measure/bound";
import { forwardValues } from "../measure/deltas";
import { QuestionParams, questionExperiment } from "../run/question";
import type { ExperimentConfig } from "../run/experiment";
import type { Row } from "../display/table";
import * as plot from "../display/plot";
import type { PlotlyFigure } from "../display/plot";
import { num, pct } from "../display/text";

/** σ'(z) in float64 (./bound-derivation exports it for the notebook). */
const sigmoidSlope = activation("sigmoid").df;

/** A claim of the text failed in this run: the notebook stops here, naming it. */
export class ClaimFailed extends Error {
  constructor(claim: string) {
    super(`Check failed: ${claim}`);
    this.name = "ClaimFailed";
  }
}

/** Stop the notebook, loudly, when a claim of the text does not hold in this run. */
export function verify(ok: boolean, claim: string): void {
  if (!ok) throw new ClaimFailed(claim);
}

/** A figure and the one line that says what to read from it. */
export interface Shown {
  readonly figure: PlotlyFigure;
  readonly takeaway: string;
}

/** Wall-clock and CPU seconds per section (the machine may be shared: CPU time is the steadier number). */
export function sectionClock(): { lap(name: string): void; rows(): Row[] } {
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  const start = { wall: Date.now(), cpu: cpu() };
  let last = { ...start };
  const laps: Row[] = [];
  const row = (section: string, from: { wall: number; cpu: number }) => ({
    section,
    "wall-clock s": ((Date.now() - from.wall) / 1000).toFixed(1),
    "CPU s (this kernel)": (cpu() - from.cpu).toFixed(1),
  });
  return {
    lap(name) {
      laps.push(row(name, last));
      last = { wall: Date.now(), cpu: cpu() };
    },
    rows: () => [...laps, row("total after the imports", start)],
  };
}

// ------------------------------------------------------------ §3: the networks and their weights

export interface NetworkParams extends Omit<QuestionParams, "heldOut" | "activation" | "init"> {
  readonly plateauEpochs: number;
  readonly deepDepth: number;
  readonly deepEpochs: number;
}

/**
 * The question's run, the same run stopped after plateauEpochs, and the deeper net; `toTrain` (with a label each
 * for the live board) holds the runs to train, the deeper net only if deepEpochs > 0.
 */
export function networkConfigs(p: NetworkParams): {
  question: ExperimentConfig;
  plateau: ExperimentConfig;
  deep: ExperimentConfig;
  toTrain: ExperimentConfig[];
  labels: string[];
} {
  const { plateauEpochs, deepDepth, deepEpochs, ...q } = p;
  for (const [k, v] of Object.entries({ plateauEpochs, deepEpochs }))
    if (!(Number.isInteger(v) && v >= 0)) throw new ConfigError(k, v, "a whole number of epochs ≥ 0");
  if (!(plateauEpochs >= 1))
    throw new ConfigError("plateauEpochs", plateauEpochs, "at least 1 (the run stopped after that many epochs)");
  const question = questionExperiment(q);
  const plateau = questionExperiment({ ...q, epochs: plateauEpochs });
  const deep = questionExperiment({ ...q, depth: deepDepth, epochs: Math.max(1, deepEpochs) });
  const net = (d: number, e: number) => `${d} × ${q.width} sigmoid, ${e} epoch${e === 1 ? "" : "s"}`;
  const labels = [
    net(q.depth, q.epochs),
    net(q.depth, plateauEpochs),
    ...(deepEpochs > 0 ? [net(deepDepth, deepEpochs)] : []),
  ];
  return { question, plateau, deep, toTrain: [question, plateau, ...(deepEpochs > 0 ? [deep] : [])], labels };
}

export interface WeightSizes {
  readonly rows: Row[];
  /** ‖W_l‖₂, l = 1..L+1, trained and at init (power iteration). */
  readonly trainedNorms: number[];
  readonly initNorms: number[];
  /** The largest |w_ij| of the trained network. */
  readonly maxEntry: number;
  /** Layers whose power-iteration norm was checked against the SVD. */
  readonly svdLayers: number[];
  /** The norms already computed, per model (measureBound reuses them). */
  readonly known: Map<Mlp, number[]>;
  readonly takeaway: string;
}

/**
 * max|w_ij|, ‖W‖_F and ‖W‖₂ per layer; checks max|w| ≤ ‖W‖₂ ≤ ‖W‖_F everywhere and power iteration against the full
 * SVD (lib/measure/svd: one-sided Jacobi, accurate) on the first `svdLayers` hidden layers and the output layer.
 */
export function weightSizes(trained: Mlp, initial: Mlp, svdLayers: number): WeightSizes {
  const trainedNorms = layerSpectralNorms(trained),
    initNorms = layerSpectralNorms(initial);
  const L = trained.depth;
  const checked: number[] = [];
  let maxEntry = 0;
  const rows = trained.layers.map((layer, k) => {
    const W = weightMatrix(layer);
    let maxAbs = 0;
    for (const v of W.data) maxAbs = Math.max(maxAbs, Math.abs(v));
    maxEntry = Math.max(maxEntry, maxAbs);
    const fro = frobeniusNorm(W.data),
      norm = trainedNorms[k];
    verify(
      maxAbs <= norm * (1 + 1e-9) && norm <= fro * (1 + 1e-9),
      `layer ${layer.index}: max|w| ≤ ‖W‖₂ ≤ ‖W‖_F fails (${maxAbs}, ${norm}, ${fro})`,
    );
    let svd: number | null = null;
    if (k < svdLayers || k === L) {
      svd = spectralNormBySvd(W);
      verify(Math.abs(svd - norm) <= 1e-6 * svd, `layer ${layer.index}: power iteration ${norm} vs SVD ${svd}`);
      checked.push(layer.index);
    }
    return {
      layer: layer.index === L + 1 ? `${layer.index} (output)` : layer.index,
      shape: `${layer.nIn} × ${layer.nOut}`,
      "‖W‖₂ at init": num(initNorms[k]),
      "max |wᵢⱼ| trained": num(maxAbs),
      "‖W‖_F trained": num(fro),
      "‖W‖₂ trained (power iteration)": norm.toFixed(6),
      "‖W‖₂ trained (full SVD)": svd === null ? "—" : svd.toFixed(6),
      "¼‖W‖₂ trained": num(norm / 4),
    };
  });
  const lo = (xs: number[]) => num(Math.min(...xs)),
    hi = (xs: number[]) => num(Math.max(...xs));
  return {
    rows,
    trainedNorms,
    initNorms,
    maxEntry,
    svdLayers: checked,
    known: new Map([
      [trained, trainedNorms],
      [initial, initNorms],
    ]),
    takeaway: `After training every weight entry is below ${num(maxEntry)}, yet ‖W‖₂ ranges from ${lo(trainedNorms)} to ${hi(trainedNorms)}: "each weight below 4" and "‖W‖₂ below 4" are different statements (at init ‖W‖₂ = ${lo(initNorms)}–${hi(initNorms)}).`,
  };
}

// ------------------------------------------------------------ §4: measured δ against the bound

export type CaseKey = "init" | "plateau" | "trained" | "deep init" | "deep trained";

export interface NetCase {
  readonly key: CaseKey;
  readonly name: string;
  readonly model: Mlp;
}

export interface MeasuredCase extends NetCase {
  readonly rep: BoundReport;
}

export function caseOf(cases: readonly MeasuredCase[], key: CaseKey): MeasuredCase {
  const c = cases.find((m) => m.key === key);
  if (!c) throw new ConfigError("case", key, `one of the measured networks (${cases.map((m) => m.key).join(", ")})`);
  return c;
}

/** The hidden rows of a report (layers 1..L; the last row is the output). */
export const hiddenRows = (rep: BoundReport) => rep.rows.slice(0, rep.rows.length - 1);
export const range = (xs: number[]) => `${num(Math.min(...xs))}–${num(Math.max(...xs))}`;

/** The claims of sections 3–4 on every network: the bound holds per point, the recursion is autodiff's δ, σ' ≤ 1/4, slack ≥ 1 ≥ alignment. */
export function checkBound(cases: readonly MeasuredCase[]): void {
  for (const { name, rep } of cases) {
    verify(
      rep.used === rep.n,
      `${name}: ${rep.n - rep.used} points have an exactly-zero error somewhere (float32 underflow); the ratios would skip them`,
    );
    for (const r of rep.rows) {
      verify(
        r.minRatio >= 1 - 1e-5,
        `${name}, layer ${r.layer}: the bound is below the measured ‖δ‖ on some point (min ratio ${r.minRatio})`,
      );
      if (r.recursionError !== null)
        verify(
          r.recursionError < 1e-3,
          `${name}, layer ${r.layer}: δ_l = σ'(z_l) ⊙ δ_{l+1}W_{l+1}ᵀ misses autodiff by ${r.recursionError}`,
        );
      if (r.slackGeo === null) continue;
      verify(r.derivativeMax! <= 0.25, `${name}, layer ${r.layer}: max σ' = ${r.derivativeMax}`);
      verify(
        r.slackGeo >= 1 - 1e-6 && r.alignmentGeo! <= 1 + 1e-6,
        `${name}, layer ${r.layer}: slack ${r.slackGeo} < 1 or alignment ${r.alignmentGeo} > 1`,
      );
    }
  }
}

export function networkRows(cases: readonly MeasuredCase[]): Row[] {
  return cases.map(({ name, rep }) => {
    const top = hiddenRows(rep)[rep.rows.length - 2];
    return {
      network: name,
      "training loss": rep.loss.toFixed(3),
      "training accuracy": pct(rep.accuracy),
      "top layer: h < 0.01 or > 0.99": pct(top.saturation!),
      "top layer: mean σ′": num(top.derivativeMean!),
      "‖W‖₂, layers 2..L+1": rep.spectralNorms
        .slice(1)
        .map((v) => v.toFixed(2))
        .join(", "),
    };
  });
}

export function boundFigure(cases: readonly MeasuredCase[]): Shown {
  return {
    figure: plot.smallMultiples({
      title: "Mean ‖δ_l‖: autodiff vs the chained ¼-bound (L+1 = logits)",
      columns: 3,
      panels: cases.map(({ name, rep }) =>
        plot.line({
          title: name,
          x: { label: "layer l", unit: "index" },
          y: { label: "mean ‖δ_l‖", unit: "nats per unit of z", log: true },
          markers: true,
          series: [
            { name: "measured", x: rep.rows.map((r) => r.layer), y: rep.rows.map((r) => r.measured), color: "#0072B2" },
            {
              name: "bound",
              x: rep.rows.map((r) => r.layer),
              y: rep.rows.map((r) => r.bound),
              dash: "dash",
              color: "#D55E00",
            },
          ],
        }),
      ),
    }),
    takeaway:
      cases.map(({ key, rep }) => `${key}: bound/measured at layer 1 = ${num(rep.rows[0].ratio)}`).join("; ") + ".",
  };
}

/** Measured against the chained bound, and one step down with its two factors, per network and layer. */
export function boundTables(cases: readonly MeasuredCase[]): { bound: Row[]; steps: Row[] } {
  const bound: Row[] = [],
    steps: Row[] = [];
  for (const { key, rep } of cases) {
    for (const r of hiddenRows(rep)) {
      bound.push({
        network: key,
        layer: r.layer,
        "‖W_{l+1}‖₂": r.normAbove!.toFixed(2),
        "mean ‖δ_l‖": num(r.measured),
        "mean bound": num(r.bound),
        "bound / measured": num(r.ratio),
        "smallest per point": num(r.minRatio),
      });
      steps.push({
        network: key,
        layer: r.layer,
        "step ‖δ_l‖/‖δ_{l+1}‖": num(deltaRatio(rep, r.layer, r.layer + 1)),
        "¼‖W_{l+1}‖₂": num(r.normAbove! / 4),
        "mean σ′(z_l)": num(r.derivativeMean!),
        "σ′_eff": num(0.25 / r.slackGeo!),
        "alignment α": num(r.alignmentGeo!),
        "h saturated": pct(r.saturation!),
      });
    }
  }
  return { bound, steps };
}

/** Geometric mean over hidden layers of a per-layer factor. */
function geoOver(rep: BoundReport, f: (r: BoundReport["rows"][number]) => number): number {
  const rows = hiddenRows(rep);
  return Math.exp(rows.reduce((s, r) => s + Math.log(f(r)), 0) / rows.length);
}

/** Which of the two factors makes the bound loose on a network: the one with the larger geometric mean. */
export function mainLooseness(rep: BoundReport): "σ′ slack" | "misalignment" {
  return geoOver(rep, (r) => r.slackGeo!) >= geoOver(rep, (r) => 1 / r.alignmentGeo!) ? "σ′ slack" : "misalignment";
}

export function loosenessFigure(cases: readonly MeasuredCase[], top: TopLayerState): Shown {
  const ini = caseOf(cases, "init").rep,
    pla = caseOf(cases, "plateau").rep,
    tr = caseOf(cases, "trained").rep;
  const L = ini.rows.length - 1;
  const plaBelow = hiddenRows(pla)
    .slice(0, L - 1)
    .map((r) => r.slackGeo!);
  return {
    figure: plot.smallMultiples({
      title: "Looseness per step: σ′ slack ¼/σ′_eff × misalignment 1/α",
      columns: 3,
      panels: cases.map(({ name, rep }) =>
        plot.bar({
          title: name,
          x: { label: "layer l", unit: "index" },
          y: { label: "looseness factor", unit: "×", log: true },
          categories: hiddenRows(rep).map((r) => r.layer),
          series: [
            { name: "σ′ slack ¼/σ′_eff", values: hiddenRows(rep).map((r) => r.slackGeo!), color: "#E69F00" },
            { name: "misalignment 1/α", values: hiddenRows(rep).map((r) => 1 / r.alignmentGeo!), color: "#56B4E9" },
          ],
        }),
      ),
    }),
    takeaway:
      `At init σ′_eff is ${range(hiddenRows(ini).map((r) => 0.25 / r.slackGeo!))} and α ${range(hiddenRows(ini).map((r) => r.alignmentGeo!))}: the larger factor is ${mainLooseness(ini)}; ` +
      `${top.label} (training accuracy ${pct(pla.accuracy)}, top layer ${pct(top.saturation)} saturated) the top layer's σ′ slack is ${num(pla.rows[L - 1].slackGeo!)}` +
      (plaBelow.length ? ` against ${range(plaBelow)} below it` : "") +
      `; trained, σ′ slack ${range(hiddenRows(tr).map((r) => r.slackGeo!))} and 1/α ${range(hiddenRows(tr).map((r) => 1 / r.alignmentGeo!))}.`,
  };
}

// ------------------------------------------------------------ the top layer of the plateau network

/** The top hidden layer of a network on points: where its entries sit and how much σ' it passes. */
export interface TopLayerState {
  /** Which network (for prose), e.g. "after 1 epoch". */
  readonly label: string;
  readonly accuracy: number;
  readonly meanActivation: number;
  /** Shares of entries with h < 0.01 and h > 0.99. */
  readonly lowFraction: number;
  readonly highFraction: number;
  readonly saturation: number;
  readonly meanDerivative: number;
}

export function topLayerState(model: Mlp, points: LabelledData, label: string): TopLayerState {
  if (model.config.activation !== "sigmoid")
    throw new ConfigError("activation", model.config.activation, '"sigmoid" (the ε = 0.01 sides are 0 and 1)');
  const fv = forwardValues(model, points);
  const a = fv.a[model.depth - 1],
    z = fv.z[model.depth - 1];
  let sum = 0,
    low = 0,
    high = 0,
    d = 0;
  for (let k = 0; k < a.length; k++) {
    sum += a[k];
    if (a[k] < 0.01) low++;
    else if (a[k] > 0.99) high++;
    d += sigmoidSlope(z[k]);
  }
  const n = a.length;
  return {
    label,
    accuracy: fv.accuracy,
    meanActivation: sum / n,
    lowFraction: low / n,
    highFraction: high / n,
    saturation: (low + high) / n,
    meanDerivative: d / n,
  };
}

/** The thresholds that turn the top layer's numbers into words (one place, tested). */
export const PLATEAU_RULES = {
  /** Training accuracy below this is "at chance" (10 classes: chance is 10%). */
  chance: 0.2,
  /** A side holding at least this share of the entries "pins" the layer there. */
  pinned: 0.5,
  /** Mean σ' below this is "σ' ≈ 0": a saturated entry (ε = 0.01) has σ' < 0.01 (section 1). */
  flat: 0.01,
} as const;

/** The rule in words, printed under the sentence it produced. */
export function plateauRulesText(r: typeof PLATEAU_RULES = PLATEAU_RULES): string {
  return `(The rule: "at chance" below ${pct(r.chance, 0)} training accuracy; the top layer "pinned" at a side when at least ${pct(r.pinned, 0)} of its entries are within 0.01 of it; "σ′ ≈ 0" when its mean σ′ is below ${r.flat}.)`;
}

export interface TopLayerReading {
  readonly atChance: boolean;
  readonly pinnedAt: 0 | 1 | null;
  readonly flat: boolean;
}

export function readTopLayer(s: TopLayerState, rules: typeof PLATEAU_RULES = PLATEAU_RULES): TopLayerReading {
  const pinnedAt = s.lowFraction >= rules.pinned ? 0 : s.highFraction >= rules.pinned ? 1 : null;
  return { atChance: s.accuracy < rules.chance, pinnedAt, flat: s.meanDerivative < rules.flat };
}

/** What the run shows about the top layer, in one sentence (no more than the rule reads). */
export function topLayerSentence(s: TopLayerState, shrink: number): string {
  const r = readTopLayer(s);
  const acc = `${r.atChance ? "still at chance" : "past chance"} (training accuracy ${pct(s.accuracy)})`;
  const where = `${pct(s.lowFraction)} of its entries below 0.01 and ${pct(s.highFraction)} above 0.99, mean h = ${num(s.meanActivation)}, mean σ′ = ${num(s.meanDerivative)}`;
  const cut = `δ_L is ${num(shrink)}× smaller than the output error`;
  if (r.pinnedAt !== null && r.flat)
    return `${capital(s.label)} the network is ${acc} and its top layer is pinned at h ≈ ${r.pinnedAt} with σ′ ≈ 0 (${where}): one-sided saturation that does stop the error, ${cut}.`;
  if (r.pinnedAt !== null)
    return `${capital(s.label)} the network is ${acc}; its top layer leans on h ≈ ${r.pinnedAt} (${where}), but its mean σ′ is not ≈ 0 (the rule: below ${PLATEAU_RULES.flat}); ${cut}.`;
  return `${capital(s.label)} the network is ${acc} and its top layer is not pinned at either side (${where}), so this run does not show saturation stopping the error there; ${cut}.`;
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

// ------------------------------------------------------------ the rules of §6–7 (the prose is in ./bound-summary)

/** Thresholds of the closing prose (with PLATEAU_RULES, the only words-from-numbers rules of the chapter). */
export const SUMMARY_RULES = {
  /** Mean σ' at least this (of the maximum 1/4) counts as "near its maximum": no saturation to speak of. */
  nearMaxSlope: 0.2,
  /** ‖δ₁‖/‖δ_L‖ below this counts as "vanished" (06's claim table reads the same number against 0.1). */
  vanished: 0.1,
  /** Two gains at which different measures cross 1 "agree" when within this factor of each other. */
  crossingAgreement: 1.25,
  /** The ratio of two searched gains (centred σ over tanh) "is about 4" when within this factor of 4. */
  nearFour: 1.25,
} as const;

/** a and b are both finite and positive, and within a factor f of each other. */
export function withinFactor(a: number, b: number, f: number): boolean {
  return Number.isFinite(a) && Number.isFinite(b) && a > 0 && b > 0 && Math.max(a / b, b / a) <= f;
}

/** Section 1's identity predicts a gain ratio of 4 between a centred sigmoid net and a tanh net (where every z ≈ 0). */
export function gainRatioNearFour(ratio: number, rules: typeof SUMMARY_RULES = SUMMARY_RULES): boolean {
  return withinFactor(ratio, 4, rules.nearFour);
}

/**
 * Pennington, Schoenholz & Ganguli (2017) separate two conditions on the input–output Jacobian J: criticality (mean
 * squared singular value O(1); our search aims at exactly 1) and dynamical isometry (all singular values
 * concentrated near 1). Their sigmoidal results are for odd, tanh-like units, so the reference for "near isometry"
 * is the orthogonal tanh net at the same depth: the rule compares spreads (std of log₁₀ σ) with its spread.
 */
export const ISOMETRY_RULES = {
  /** Critical: the mean squared singular value of J within this factor of 1. */
  critical: 1.3,
  /** Near isometry: a spread at most this multiple of the orthogonal tanh net's spread at the same depth. */
  spreadVsTanh: 3,
} as const;

export interface IsometryReading {
  readonly critical: boolean;
  readonly nearIsometry: boolean;
  /** The spread over the tanh net's. */
  readonly spreadOverTanh: number;
}

export function readIsometry(
  meanSquared: number,
  spread: number,
  tanhSpread: number,
  rules: typeof ISOMETRY_RULES = ISOMETRY_RULES,
): IsometryReading {
  if (!(Number.isFinite(tanhSpread) && tanhSpread > 0))
    throw new ConfigError(
      "tanhSpread",
      tanhSpread,
      "the orthogonal tanh net's spread, a positive number (std of log₁₀ σ)",
    );
  if (!(Number.isFinite(spread) && spread >= 0))
    throw new ConfigError("spread", spread, "a spread ≥ 0 (std of log₁₀ σ)");
  const spreadOverTanh = spread / tanhSpread;
  return {
    critical: withinFactor(meanSquared, 1, rules.critical),
    nearIsometry: spreadOverTanh <= rules.spreadVsTanh,
    spreadOverTanh,
  };
}

/** The rule in words, printed under the sentences it produced. */
export function isometryRulesText(r: typeof ISOMETRY_RULES = ISOMETRY_RULES): string {
  return `(The rule: "criticality" when the mean squared singular value of J is within ×${r.critical} of 1; "near isometry" when the spread, the std of log₁₀ σ, is at most ${r.spreadVsTanh}× the orthogonal tanh net's at the same depth — the odd unit Pennington et al.'s sigmoidal results are about.)`;
}

/** Every hidden layer's mean σ' is "near its maximum" 1/4: no saturation to speak of. */
export function slopesNearMax(slopes: readonly number[], rules: typeof SUMMARY_RULES = SUMMARY_RULES): boolean {
  return slopes.length > 0 && Math.min(...slopes) >= rules.nearMaxSlope;
}

/** ‖δ₁‖/‖δ_L‖ small enough to call the error "vanished". */
export function errorVanished(ratio: number, rules: typeof SUMMARY_RULES = SUMMARY_RULES): boolean {
  return ratio < rules.vanished;
}
