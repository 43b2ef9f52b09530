/**
 * Chapter: notebook 05-fixes — the comparison in words: table rows, the
 * closing paragraphs (computed from the verdicts of ./fixes-verdicts), and the
 * findings notebook 06 reads. Numbers go through lib/display/text.
 */
import { num, pct, plusMinus } from "../display/text";
import type { FixesFindings } from "../run/findings";
import type { Fix } from "../run/fixes";
import { RateChoice, RateGrid, RatePoint, gridEdge, learningRateGrid } from "./fixes-rate";
import { FixResult, GeoMeanStd, layerAverage } from "./fixes-summary";
import {
  VERDICT_RULES,
  Verdict,
  VerdictOptions,
  againstBaselinePerDepth,
  meanEscape,
  trains,
  trainsDefinition,
  verdicts,
} from "./fixes-verdicts";
import { Budget, budgetSamples } from "./fixes-budget";

/** A fix's label without its number: "ReLU, He init". */
export const shortLabel = (r: { fix: { label: string } } | { label: string }): string =>
  ("fix" in r ? r.fix.label : r.label).replace(/^\S+ · /, "");

/** "mean% (max m% in layer k)" of a per-layer share list; "—" for null or empty. */
export function layerShares(xs: readonly number[] | null): string {
  if (!xs || xs.length === 0) return "—";
  const k = xs.reduce((best, x, i) => (x > xs[best] ? i : best), 0);
  return xs[k] < 0.0005 ? pct(0) : `${pct(layerAverage(xs))} (max ${pct(xs[k])} in layer ${k + 1})`;
}

/** The learning rate and how the rule got it. */
export function rateText(c: RateChoice): string {
  if (c.kind === "best" || c.kind === "fastest to target") return String(c.learningRate);
  return `${c.learningRate} (${c.kind === "all diverged" ? "every rate diverged" : "no rate leaves chance"})`;
}

/** "mean ± std" of a step count over the runs that got there, "(k/n)" when not all did, "never (0/n)". */
export function stepsText(m: { mean: number; std: number; n: number }, got: number, runs: number): string {
  if (got === 0) return `never (0/${runs})`;
  return `${plusMinus(m, 0)}${got < runs ? ` (${got}/${runs})` : ""}`;
}

/** " (top of the grid)" / " (bottom of the grid)" when the rule's pick sits at an edge of the fix's grid, else "". */
export function edgeText(fix: Fix, choice: RateChoice, grid: RateGrid): string {
  const e = gridEdge(choice, learningRateGrid(fix, grid));
  return e === null ? "" : ` (${e} of the grid)`;
}

/** One row of the comparison table (plain cells); per-layer detail is in the heatmaps. With the grid, a pick at its edge is marked. */
export function comparisonRow(r: FixResult, grid?: RateGrid): Record<string, string | number> {
  const f = r.derivativeMean;
  return {
    fix: r.fix.label,
    L: r.depth,
    "learning rate": rateText(r.rate) + (grid ? edgeText(r.fix, r.rate, grid) : ""),
    "test error (%)":
      plusMinus(r.testErrorPercent, 1) + (r.diverged ? ` (${r.diverged}/${r.runs.length} diverged)` : ""),
    "left the plateau at step": stepsText(r.escapeStep, r.escaped, r.runs.length),
    "reached the target at step": stepsText(r.reachedAt, r.reached, r.runs.length),
    "near an asymptote, ε (mean over layers)": layerShares(r.saturation),
    "flat, f′/max f′ < δ (mean over layers)": layerShares(r.flat),
    "mean f′(z), layer 1 → L": f.length === 0 ? "—" : `${f[0].toFixed(2)} → ${f[f.length - 1].toFixed(2)}`,
    "‖δ₁‖/‖δ_L‖ at init": ratioText(r.gradRatioInit),
    "‖δ₁‖/‖δ_L‖ at end": ratioText(r.gradRatioEnd),
    "last update, layer 1 / layer L": ratioText(r.updateRatioEnd),
  };
}

/**
 * A ratio's geometric mean over runs, or why there is none: a run whose ‖δ₁‖ or ‖δ_L‖ is 0 in float32 (every
 * unit of a layer flat) has no ratio, and is left out — said, never printed as NaN.
 */
export function ratioText(g: GeoMeanStd, runs: number = g.n + g.dropped): string {
  if (g.n === 0)
    return runs === 0
      ? "—"
      : `none (no finite ratio in ${runs === 1 ? "the run" : `any of ${runs} runs`}: a norm is 0 in float32)`;
  return num(g.geoMean) + (g.dropped > 0 ? ` (${g.dropped} of ${runs} runs without a finite ratio left out)` : "");
}

/** "91.2% ± 0.4 test accuracy", or how the runs diverged. */
export function accuracyText(r: FixResult): string {
  if (r.diverged === r.runs.length) return `diverged in all ${r.runs.length} runs`;
  return `${plusMinus(r.testErrorPercent, 1)}% test error${r.diverged ? ` (${r.diverged} of ${r.runs.length} runs diverged)` : ""}`;
}

const list = (xs: readonly Verdict[], f: (v: Verdict) => string) => (xs.length === 0 ? "none" : xs.map(f).join("; "));

/** Closing paragraphs, generated from the results (markdown: **bold** only). */
export function closingProse(results: readonly FixResult[], opts: VerdictOptions): string[] {
  const { baseline, verdicts: vs } = verdicts(results, opts);
  const S = opts.shallow,
    D = opts.deep,
    R = VERDICT_RULES;
  const base = baseline.shallow,
    baseFlat = layerAverage(base.flat);
  const deepest = (v: Verdict) => v.deep ?? v.shallow;
  const paras: string[] = [];
  paras.push(
    `**The baseline.** Sigmoid with standard init and plain SGD ends at ${accuracyText(base)} at depth ${S}` +
      (baseline.deep ? ` and ${accuracyText(baseline.deep)} at depth ${D}` : "") +
      ` within the budget; at depth ${S} ${base.escaped === base.runs.length ? `it leaves the plateau at step ${plusMinus(base.escapeStep, 0)}` : `${base.escaped} of ${base.runs.length} runs leave the plateau`}, and ${pct(layerAverage(base.saturation))} of its hidden entries on training points end within ε of 0 or 1 (mean over layers).`,
  );
  const removes = vs.filter((v) => v.removesSaturation),
    adds = vs.filter((v) => v.addsSaturation);
  const flatList = (xs: Verdict[]) => list(xs, (v) => `${v.fix.label} (${pct(v.flat)})`);
  paras.push(
    (baseFlat >= R.minSaturation
      ? `**Remove saturation** (the share of flat entries, f′/max f′ below δ, at most ${pct(R.removesAtMost, 0)} of the baseline's ${pct(baseFlat)} at depth ${S}): ${flatList(removes)}.`
      : `**Remove saturation:** there is nothing to remove — the trained baseline ends with ${pct(baseFlat)} of its entries flat at depth ${S}.`) +
      ` **Add saturation** (at least ${R.addsAtLeastTimes}× the baseline's share and at least ${pct(R.addsAtLeastShare, 0)}): ${flatList(adds)}.`,
  );
  const ratio = (v: Verdict) =>
    `${ratioText(deepest(v).gradRatioInit)} at init, ${ratioText(deepest(v).gradRatioEnd)} at the end, depth ${deepest(v).depth}`;
  const initOnly = vs.filter((v) => v.evenFlowInit && !v.evenFlowEnd),
    endOnly = vs.filter((v) => !v.evenFlowInit && v.evenFlowEnd),
    both = vs.filter((v) => v.evenFlowInit && v.evenFlowEnd);
  const baseDeepest = baseline.deep ?? base;
  paras.push(
    `**Even gradient flow** (‖δ₁‖/‖δ_L‖ within a factor ${R.flowFactor} of 1; the baseline's is ${ratioText(baseDeepest.gradRatioInit)} at init and ${ratioText(baseDeepest.gradRatioEnd)} at the end, depth ${baseDeepest.depth}): at init and at the end — ${list(both, (v) => `${v.fix.label} (${ratio(v)})`)}; at init only — ${list(initOnly, (v) => `${v.fix.label} (${ratio(v)})`)}; at the end only — ${list(endOnly, (v) => `${v.fix.label} (${ratio(v)})`)}.`,
  );
  const adam = vs.find((v) => v.fix.optimizer === "adam");
  if (adam) {
    const d = deepest(adam);
    paras.push(
      `**Adam** does not change the gradient at init (its network is the baseline's: ‖δ₁‖/‖δ_L‖ = ${ratioText(d.gradRatioInit)} at depth ${d.depth}); what it changes is the step. After training, ‖δ₁‖/‖δ_L‖ is ${ratioText(d.gradRatioEnd)}, and its last update moved layer 1 by ${ratioText(d.updateRatioEnd)} times the fraction it moved layer ${d.depth} (baseline, plain SGD: ${ratioText((baseline.deep && d.depth === baseline.deep.depth ? baseline.deep : base).updateRatioEnd)}): ` +
        `${adam.evenUpdatesEnd ? "the per-parameter steps do even out how far the layers move" : "even so, the layers do not move by comparable fractions"}${adam.evenFlowEnd ? ", and the backpropagated error itself ends evenly spread" : ", while the backpropagated error stays uneven"}.`,
    );
  }
  const sooner = vs.filter((v) => v.escapesSooner);
  paras.push(
    `**Leave the plateau sooner than the baseline** at depth ${S} (every seed; the baseline ${Number.isFinite(meanEscape(base)) ? `at step ${plusMinus(base.escapeStep, 0)}` : "does not in every seed"}): ${list(sooner, (v) => `${v.fix.label} (step ${plusMinus(v.shallow.escapeStep, 0)})`)}.`,
  );
  const ran = vs.filter((v) => v.deep !== null);
  const trainsDeep = ran.filter((v) => v.trainsDeep),
    failsDeep = ran.filter((v) => v.failsDeep);
  paras.push(
    `**Train the deep net** (depth ${D}; "trains" means ${trainsDefinition()}, here and in notebook 06; ${ran.length} fixes run there): ${list(trainsDeep, (v) => `${v.fix.label} (${accuracyText(v.deep!)})`)}. ` +
      `**Fail at depth ${D}** (mean test accuracy below ${pct(R.failsBelowAccuracy, 0)}, chance is 10%, or a run diverged): ${list(failsDeep, (v) => `${v.fix.label} (${accuracyText(v.deep!)})`)}.`,
  );
  paras.push(layerRatesParagraph(results, [S, D]));
  paras.push(...questionParagraph(results));
  return paras;
}

/** The per-layer learning-rate rules against the baseline, judged at every depth (fixes-verdicts' interval rule). */
export function layerRatesParagraph(results: readonly FixResult[], depths: readonly number[]): string {
  const cs = againstBaselinePerDepth(results, ["layer-rates-4x", "layer-rates-eq"], depths);
  const at = (d: number) =>
    cs
      .filter((c) => c.depth === d)
      .map(
        (c) =>
          `${c.fix.label} ${accuracyText(c.result)} — ${c.reading}, and ${trains(c.result) ? "trains" : "does not train"}`,
      )
      .join("; ");
  const ds = depths.filter((d) => cs.some((c) => c.depth === d));
  return (
    `**Per-layer learning rates, at each depth** (a fix beats the baseline when its test-error interval, mean ± one sample standard deviation over seeds, lies entirely below the baseline's at the same depth; "trains": ${trainsDefinition()}): ` +
    ds
      .map((d) => `depth ${d}, baseline ${accuracyText(cs.find((c) => c.depth === d)!.baseline)}: ${at(d)}`)
      .join(". ") +
    "."
  );
}

/** Among trained networks with two asymptotes: how saturated they end, from least to most. */
function questionParagraph(results: readonly FixResult[]): string[] {
  const trained = results.filter((r) => r.saturation && trains(r));
  if (trained.length === 0) return [];
  const by = (r: FixResult) => layerAverage(r.saturation);
  const lo = trained.reduce((a, b) => (by(b) < by(a) ? b : a)),
    hi = trained.reduce((a, b) => (by(b) > by(a) ? b : a));
  const peakOf = (r: FixResult) => Math.max(...(r.saturation as number[]));
  const peak = trained.reduce((a, b) => (peakOf(b) > peakOf(a) ? b : a));
  const peakLayer = (peak.saturation as number[]).indexOf(peakOf(peak)) + 1;
  return [
    `**Back to the question.** Of the ${trained.length} trained networks here (fix and depth pairs that train — ${trainsDefinition()} — with an activation with two asymptotes), the share of hidden entries on training points within ε of an asymptote ranges from ${pct(by(lo))} (${lo.fix.label}, depth ${lo.depth}) to ${pct(by(hi))} (${hi.fix.label}, depth ${hi.depth}), mean over layers; the most saturated single layer is layer ${peakLayer} of ${peak.fix.label} at depth ${peak.depth} (${pct(peakOf(peak))}). ` +
      (by(hi) - by(lo) >= 0.2
        ? "How saturated a trained network's hidden entries end depends on how it was set up and trained, not on training as such."
        : "Across these recipes the trained hidden entries end saturated to a similar degree."),
  ];
}

/** The comparison boiled down for notebook 06 (see lib/run/findings). */
export function fixesFindings(
  results: readonly FixResult[],
  opts: VerdictOptions,
  budget: Budget,
  seeds: number,
): FixesFindings {
  const { verdicts: vs } = verdicts(results, opts);
  const ids = (f: (v: Verdict) => boolean) => vs.filter(f).map((v) => v.fix.id);
  const stepsPerEpoch = Math.floor(budget.trainLimit / budget.batchSize);
  return {
    shallow: opts.shallow,
    deep: opts.deep,
    width: budget.width,
    epochs: budget.steps / stepsPerEpoch,
    trainImages: budget.trainLimit,
    seeds,
    steps: budget.steps,
    batchSize: budget.batchSize,
    samplesPerRun: budgetSamples(budget),
    rows: results.map((r) => ({
      id: r.fix.id,
      label: r.fix.label,
      activation: r.fix.activation,
      depth: r.depth,
      learningRate: r.learningRate,
      rateRule: r.rate.kind,
      runs: r.runs.length,
      diverged: r.diverged,
      testErrorPercent: r.testErrorPercent.mean,
      testErrorStd: r.testErrorPercent.std,
      escaped: r.escaped,
      escapeStep: r.escapeStep.mean,
      saturation: r.saturation ? layerAverage(r.saturation) : null,
      flat: layerAverage(r.flat),
      gradRatioInit: r.gradRatioInit.geoMean,
      gradRatioEnd: r.gradRatioEnd.geoMean,
      updateRatioEnd: r.updateRatioEnd.geoMean,
    })),
    removesSaturation: ids((v) => v.removesSaturation),
    addsSaturation: ids((v) => v.addsSaturation),
    restoresFlow: ids((v) => v.evenFlowInit),
    restoresFlowEnd: ids((v) => v.evenFlowEnd),
    evenUpdatesEnd: ids((v) => v.evenUpdatesEnd),
    trainsDeep: ids((v) => v.trainsDeep === true),
    trainsBelowErrorPercent: VERDICT_RULES.trainsBelowErrorPercent,
    trainsShallow: ids((v) => v.trainsShallow),
    layerRatesPerDepth: againstBaselinePerDepth(
      results,
      ["layer-rates-4x", "layer-rates-eq"],
      [opts.shallow, opts.deep],
    ).map((c) => ({ id: c.fix.id, depth: c.depth, reading: c.reading })),
    failsDeep: ids((v) => v.failsDeep === true),
    deepRun: ids((v) => v.deep !== null),
  };
}

/** What the learning-rate table reads of one setting's sweep. */
export interface RateRow {
  readonly setting: { readonly fix: { readonly label: string }; readonly depth: number };
  readonly points: readonly RatePoint[];
  readonly choice: RateChoice;
}

/** The settings whose pick sits at an edge of their grid, e.g. "Tanh (top)". */
export function edgeRows(ds: readonly RateRow[]): { label: string; edge: "top" | "bottom" }[] {
  return ds.flatMap((d) => {
    const e = gridEdge(
      d.choice,
      d.points.map((q) => q.learningRate),
    );
    return e === null ? [] : [{ label: shortLabel(d.setting.fix), edge: e }];
  });
}

/** One row of the learning-rate table: where each rate's seed-1 run stopped, and the rule's choice. */
export function rateRow(d: RateRow): Record<string, string | number> {
  const at = (q: RatePoint) =>
    q.diverged ? "diverged" : `${pct(q.accuracy, 0)}${q.reachedAt !== null ? ` (target at step ${q.reachedAt})` : ""}`;
  return {
    fix: d.setting.fix.label,
    L: d.setting.depth,
    "validation accuracy where each rate's run stopped": d.points.map((q) => `${q.learningRate}: ${at(q)}`).join(" · "),
    "learning rate": rateText(d.choice),
    "how chosen": d.choice.kind,
    "at an edge of the grid":
      gridEdge(
        d.choice,
        d.points.map((q) => q.learningRate),
      ) ?? "no",
  };
}
