/**
 * Chapter: notebook 05-fixes — the rules that turn the comparison's numbers
 * into words, in one place (VERDICT_RULES), each a small tested function.
 *
 * Saturation is compared with the activation-neutral measure (lib/measure/
 * saturation): the share of hidden entries whose slope is below δ of the
 * activation's largest, f'(z)/max f' < δ, with δ = 4ε(1 − ε) — for the
 * sigmoid exactly the entries within ε of 0 or 1, for tanh a stricter cut
 * than ε, and defined for ReLU too (its off side is flat). It is compared at
 * the shallow depth, where every fix runs and the baseline trains.
 */
import { ConfigError } from "../core/errors";
import { BASELINE, Fix } from "../run/fixes";
import { FixResult, layerAverage } from "./fixes-summary";

export const VERDICT_RULES = {
  /**
   * THE meaning of "trains" in 05 and in 06 (which reads 05's verdicts from the findings): mean test error over
   * seeds at most this (percent), with no run diverged. The stopping target (validation accuracy) is when a run
   * stops, not what "trains" means; every sentence that says "trains" uses `trains` and states this number.
   */
  trainsBelowErrorPercent: 15,
  /** … and "fails" when its mean test accuracy is below this (chance is 0.1), or a run diverged. */
  failsBelowAccuracy: 0.2,
  /** Gradient (or update) flow counts as even when first/last hidden layer is within this factor of 1. */
  flowFactor: 10,
  /** Below this mean flat share the baseline has no saturation worth removing. */
  minSaturation: 0.01,
  /** "Removes": at most this fraction of the baseline's flat share. */
  removesAtMost: 0.5,
  /** "Adds": at least this multiple of the baseline's flat share, and at least addsAtLeastShare. */
  addsAtLeastTimes: 2,
  addsAtLeastShare: 0.05,
} as const;

export interface VerdictOptions {
  readonly shallow: number;
  readonly deep: number;
}

export interface Verdict {
  readonly fix: Fix;
  readonly shallow: FixResult;
  /** null when the fix was not run at the deep depth. */
  readonly deep: FixResult | null;
  readonly trainsShallow: boolean;
  readonly trainsDeep: boolean | null;
  readonly failsDeep: boolean | null;
  /** Mean flat share over layers at the shallow depth. */
  readonly flat: number;
  readonly removesSaturation: boolean;
  readonly addsSaturation: boolean;
  /** ‖δ₁‖/‖δ_L‖ within the flow factor of 1 at init / at the end, at the deepest depth run. */
  readonly evenFlowInit: boolean;
  readonly evenFlowEnd: boolean;
  /** ‖ΔW₁‖/‖W₁‖ over ‖ΔW_L‖/‖W_L‖ of the last step within the flow factor of 1, at the deepest depth run. */
  readonly evenUpdatesEnd: boolean;
  /** Every seed left the plateau at the shallow depth, on average sooner than the baseline (or where the baseline never did). */
  readonly escapesSooner: boolean;
}

export const trains = (r: Pick<FixResult, "diverged" | "testErrorPercent">): boolean =>
  r.diverged === 0 && r.testErrorPercent.n > 0 && r.testErrorPercent.mean <= VERDICT_RULES.trainsBelowErrorPercent;
/** The definition of "trains", as every sentence that uses the word states it. */
export const trainsDefinition = (): string =>
  `mean test error ≤ ${VERDICT_RULES.trainsBelowErrorPercent}% over seeds, no run diverged`;
export const fails = (r: FixResult): boolean =>
  r.diverged > 0 || !(r.testAccuracy.n > 0 && r.testAccuracy.mean >= VERDICT_RULES.failsBelowAccuracy);
export const evenRatio = (x: number): boolean =>
  Number.isFinite(x) && x >= 1 / VERDICT_RULES.flowFactor && x <= VERDICT_RULES.flowFactor;

/** Mean escape step over seeds, or Infinity unless every run left the plateau. */
export function meanEscape(r: FixResult): number {
  return r.escaped === r.runs.length && r.escaped > 0 ? r.escapeStep.mean : Infinity;
}

export function findResult(results: readonly FixResult[], id: string, depth: number): FixResult | null {
  return results.find((x) => x.fix.id === id && x.depth === depth) ?? null;
}

export function verdicts(
  results: readonly FixResult[],
  opts: VerdictOptions,
): { baseline: { shallow: FixResult; deep: FixResult | null }; verdicts: Verdict[] } {
  const base = findResult(results, BASELINE.id, opts.shallow);
  if (!base)
    throw new ConfigError(
      "results",
      `baseline at depth ${opts.shallow}`,
      "a result for every fix at the shallow depth, the baseline first",
    );
  const baseFlat = layerAverage(base.flat);
  const ids = [...new Set(results.map((r) => r.fix.id))].filter((id) => id !== BASELINE.id);
  const out = ids.map((id): Verdict => {
    const shallow = findResult(results, id, opts.shallow);
    if (!shallow)
      throw new ConfigError("results", `${id} at depth ${opts.shallow}`, "a result for every fix at the shallow depth");
    const deep = findResult(results, id, opts.deep);
    const deepest = deep ?? shallow;
    const flat = layerAverage(shallow.flat);
    return {
      fix: shallow.fix,
      shallow,
      deep,
      trainsShallow: trains(shallow),
      trainsDeep: deep ? trains(deep) : null,
      failsDeep: deep ? fails(deep) : null,
      flat,
      removesSaturation: baseFlat >= VERDICT_RULES.minSaturation && flat <= VERDICT_RULES.removesAtMost * baseFlat,
      addsSaturation: flat >= VERDICT_RULES.addsAtLeastShare && flat >= VERDICT_RULES.addsAtLeastTimes * baseFlat,
      evenFlowInit: evenRatio(deepest.gradRatioInit.geoMean),
      evenFlowEnd: evenRatio(deepest.gradRatioEnd.geoMean),
      evenUpdatesEnd: evenRatio(deepest.updateRatioEnd.geoMean),
      escapesSooner: meanEscape(shallow) < meanEscape(base),
    };
  });
  return { baseline: { shallow: base, deep: findResult(results, BASELINE.id, opts.deep) }, verdicts: out };
}

// ------------------------------------------------------------------ ranking by intervals

/**
 * Ranking rows by a noisy number (issue 18, item 14): rank only what the intervals separate. Each row's
 * interval is mean ± sample standard deviation over its runs (what the tables print); a row with fewer than
 * two runs has no interval and separates from nothing. Rows sorted by mean are cut into tiers: a new tier
 * starts where a row's interval lies entirely above every interval of the tier so far; inside a tier the rows
 * are tied ("≈"), between tiers ordered ("<"). Rows without a finite mean are left out (and listed as such).
 */
export const RANK_RULE = { halfWidth: "one sample standard deviation", minRuns: 2 } as const;

export interface Ranked {
  readonly label: string;
  readonly mean: number;
  /** Sample standard deviation over runs (NaN or n < 2: no interval). */
  readonly std: number;
  readonly n: number;
}

/** [low, high] of a row's interval; unbounded when it has too few runs. */
export function rankInterval(r: Ranked): [number, number] {
  if (r.n < RANK_RULE.minRuns || !Number.isFinite(r.std)) return [-Infinity, Infinity];
  return [r.mean - r.std, r.mean + r.std];
}

/** How two rows' intervals compare: a entirely below b, entirely above, or overlapping (not separated). */
export function compareIntervals(a: Ranked, b: Ranked): "below" | "above" | "overlap" {
  const [alo, ahi] = rankInterval(a),
    [blo, bhi] = rankInterval(b);
  return ahi < blo ? "below" : alo > bhi ? "above" : "overlap";
}

/** The tiers of the module rule, lowest mean first; `unranked` holds rows without a finite mean. */
export function rankTiers(rows: readonly Ranked[]): { tiers: Ranked[][]; unranked: Ranked[] } {
  const ok = rows.filter((r) => Number.isFinite(r.mean)).sort((a, b) => a.mean - b.mean);
  const tiers: Ranked[][] = [];
  let top = -Infinity; // the highest interval end of the current tier
  for (const r of ok) {
    const [lo, hi] = rankInterval(r);
    if (tiers.length === 0 || !(lo > top)) {
      if (tiers.length === 0) tiers.push([]);
      tiers[tiers.length - 1].push(r);
      top = Math.max(top, hi);
    } else {
      tiers.push([r]);
      top = hi;
    }
  }
  return { tiers, unranked: rows.filter((r) => !Number.isFinite(r.mean)) };
}

/** "A < B ≈ C < D": ties inside a tier, order between tiers (plus the rows that could not be ranked). */
export function rankText(rows: readonly Ranked[]): string {
  const { tiers, unranked } = rankTiers(rows);
  const text = tiers.map((t) => t.map((r) => r.label).join(" ≈ ")).join(" < ");
  return unranked.length === 0 ? text : `${text} (not ranked: ${unranked.map((r) => r.label).join(", ")})`;
}

/** A fix's result as a row to rank by test error. */
export const rankedByError = (r: FixResult, label: string): Ranked => ({
  label,
  mean: r.testErrorPercent.mean,
  std: r.testErrorPercent.std,
  n: r.testErrorPercent.n,
});

// ------------------------------------------------------------------ per-layer learning rates, per depth

/**
 * Issue 18, item 11: the per-layer learning-rate rules (fix 4a, 4b) judged at every depth run, each against
 * the baseline at the same depth, by the ranking rule above: "beats" when its test-error interval lies
 * entirely below the baseline's, "worse" when entirely above, "not separated" otherwise.
 */
export interface DepthComparison {
  readonly fix: Fix;
  readonly depth: number;
  readonly result: FixResult;
  readonly baseline: FixResult;
  readonly reading: "beats the baseline" | "worse than the baseline" | "not separated from the baseline";
}

export function againstBaselinePerDepth(
  results: readonly FixResult[],
  ids: readonly string[],
  depths: readonly number[],
): DepthComparison[] {
  const out: DepthComparison[] = [];
  for (const d of depths) {
    const base = findResult(results, BASELINE.id, d);
    if (!base) continue;
    for (const id of ids) {
      const r = findResult(results, id, d);
      if (!r) continue;
      const c =
        r.diverged === r.runs.length
          ? "above"
          : compareIntervals(rankedByError(r, id), rankedByError(base, BASELINE.id));
      out.push({
        fix: r.fix,
        depth: d,
        result: r,
        baseline: base,
        reading:
          c === "below"
            ? "beats the baseline"
            : c === "above"
              ? "worse than the baseline"
              : "not separated from the baseline",
      });
    }
  }
  return out;
}
