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
  /** A network "trains" when its mean test error is at most this (percent) … */
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

export const trains = (r: FixResult): boolean =>
  r.diverged === 0 && r.testErrorPercent.n > 0 && r.testErrorPercent.mean <= VERDICT_RULES.trainsBelowErrorPercent;
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
