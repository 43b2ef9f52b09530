/**
 * Chapter: notebook 05-fixes — what the comparison keeps of each run, and of
 * each fix's runs over seeds: test error, when the run left the plateau,
 * saturation (near an asymptote, and the activation-neutral "flat"), the
 * backpropagated error per layer at init and at the end, and the size of the
 * last update per layer.
 */
import { ConfigError } from "../core/errors";
import type { Fix } from "../run/fixes";
import type { Failure, JobOutcome } from "../run/job";
import type { FixRunJob, FixRunRecord, ValidationCheck } from "./fixes-jobs";
import { SampleMeanStd, sampleGeoMeanStd, sampleMeanStd } from "../measure/stats";
import type { RateChoice } from "./fixes-rate";

/**
 * When a run leaves the plateau: the first step at which the mean of the last
 * `window` mini-batch losses is below ln 10 − `margin` nats. ln 10 is the loss
 * of predicting the uniform distribution, and (MNIST's classes being nearly
 * balanced, within 0.01 nats) of predicting the class frequencies, which is
 * where a network on the plateau sits (notebook 01).
 */
export const ESCAPE_RULE = { window: 50, margin: 0.3 } as const;

/** The first step (1-based) whose trailing mean loss over `window` steps is below ln 10 − margin; null if none. */
export function escapeStep(
  stepLosses: readonly number[],
  rule: { window: number; margin: number } = ESCAPE_RULE,
): number | null {
  if (!(Number.isInteger(rule.window) && rule.window >= 1))
    throw new ConfigError("escape window", rule.window, "a positive integer number of steps");
  const below = Math.log(10) - rule.margin;
  let s = 0;
  for (let i = 0; i < stepLosses.length; i++) {
    s += stepLosses[i];
    if (i >= rule.window) s -= stepLosses[i - rule.window];
    if (i + 1 >= rule.window && s / rule.window < below) return i + 1;
  }
  return null;
}

export interface RunSummary {
  readonly name: string;
  readonly depth: number;
  readonly seed: number;
  readonly learningRate: number;
  /** Why the run stopped early (divergence); null when it finished. */
  readonly failure: Failure | null;
  /** Test accuracy where the run stopped (NaN when it diverged). */
  readonly testAccuracy: number;
  /** Validation accuracy before the first step and every checkEvery steps. */
  readonly checks: readonly ValidationCheck[];
  readonly stepLosses: readonly number[];
  /** Step at which the validation accuracy reached the target (the run stopped there); null if it never did. */
  readonly reachedAt: number | null;
  /** Step at which the run left the plateau (ESCAPE_RULE); null if it never did. */
  readonly escapeStep: number | null;
  /** Steps trained. */
  readonly steps: number;
  /** Per hidden layer where it stopped, on the training probe points: share of entries within ε of an asymptote; null if the activation has none. */
  readonly saturation: readonly number[] | null;
  readonly saturationEps: number | null;
  /** Per hidden layer at the end: share of entries with f'(z)/max f' < δ (every activation has it). */
  readonly flat: readonly number[];
  readonly flatDelta: number;
  /** Mean f'(z) per hidden layer at the end. */
  readonly derivativeMean: readonly number[];
  /** Mean ‖δ_l‖ = ‖∂ℓ/∂z_l‖ per hidden layer, at init and at the end (training probe points). */
  readonly deltaNormInit: readonly number[];
  readonly deltaNormEnd: readonly number[];
  /** ‖δ_1‖ / ‖δ_L‖: first over last hidden layer. */
  readonly gradRatioInit: number;
  readonly gradRatioEnd: number;
  /** ‖ΔW_1‖/‖W_1‖ over ‖ΔW_L‖/‖W_L‖ of the last step: how far the first layer moved, relative to the last. */
  readonly updateRatioEnd: number;
  readonly trainSeconds: number;
}

const NO_RUN = {
  testAccuracy: NaN,
  checks: [],
  stepLosses: [],
  reachedAt: null,
  escapeStep: null,
  steps: 0,
  saturation: null,
  saturationEps: null,
  flat: [],
  flatDelta: NaN,
  derivativeMean: [],
  deltaNormInit: [],
  deltaNormEnd: [],
  gradRatioInit: NaN,
  gradRatioEnd: NaN,
  updateRatioEnd: NaN,
  trainSeconds: NaN,
} as const;

/**
 * The numbers the comparison needs from one run (or its failure). At init
 * with batch norm, ‖δ_l‖ is the training-mode one (FixRunRecord): the eval-mode
 * probe of an untrained BN net does not normalise at all.
 */
export function summarizeRun(job: FixRunJob, outcome: JobOutcome): RunSummary {
  const config = job.config;
  const base = {
    name: config.name,
    depth: config.model.widths.length,
    seed: config.train.seed,
    learningRate: config.train.optimizer.learningRate,
  };
  if (!outcome.ok) return { ...base, ...NO_RUN, failure: outcome.failure };
  const r = outcome.value as FixRunRecord;
  const last = r.end.train;
  const deltaInit = r.initDeltaNormsTrainingMode ?? r.init.train.layers.map((l) => l.deltaNorm ?? NaN);
  const deltaEnd = last.layers.map((l) => l.deltaNorm ?? NaN);
  const hasSat = last.layers[0].saturation.length > 0;
  const L = deltaEnd.length,
    u = r.lastUpdate;
  return {
    ...base,
    failure: null,
    testAccuracy: r.test.accuracy,
    checks: r.checks,
    stepLosses: r.stepLosses,
    reachedAt: r.reachedAt,
    escapeStep: escapeStep(r.stepLosses),
    steps: r.steps,
    saturation: hasSat ? last.layers.map((l) => l.saturation[0].total) : null,
    saturationEps: hasSat ? last.layers[0].saturation[0].eps : null,
    flat: last.layers.map((l) => l.flat.total),
    flatDelta: last.layers[0].flat.delta,
    derivativeMean: last.layers.map((l) => l.derivativeMean),
    deltaNormInit: deltaInit,
    deltaNormEnd: deltaEnd,
    gradRatioInit: deltaInit[0] / deltaInit[L - 1],
    gradRatioEnd: deltaEnd[0] / deltaEnd[L - 1],
    updateRatioEnd: u ? u[0] / u[L - 1] : NaN,
    trainSeconds: r.trainSeconds,
  };
}

export type GeoMeanStd = ReturnType<typeof sampleGeoMeanStd>;

export interface FixResult {
  readonly fix: Fix;
  readonly depth: number;
  readonly learningRate: number;
  /** How the learning-rate rule chose the rate. */
  readonly rate: RateChoice;
  readonly runs: readonly RunSummary[];
  readonly diverged: number;
  /** Test error in percent over the runs that finished. */
  readonly testErrorPercent: SampleMeanStd;
  readonly testAccuracy: SampleMeanStd;
  /** Runs that reached the target, and the step at which they did (among those). */
  readonly reached: number;
  readonly reachedAt: SampleMeanStd;
  /** Runs that left the plateau, and the step at which they did (among those). */
  readonly escaped: number;
  readonly escapeStep: SampleMeanStd;
  /** Means over seeds, per hidden layer; saturation is null when the activation has no two asymptotes. */
  readonly saturation: number[] | null;
  readonly flat: number[];
  readonly derivativeMean: number[];
  /** Geometric means over seeds, per hidden layer. */
  readonly deltaNormInit: number[];
  readonly deltaNormEnd: number[];
  readonly gradRatioInit: GeoMeanStd;
  readonly gradRatioEnd: GeoMeanStd;
  readonly updateRatioEnd: GeoMeanStd;
}

function perLayerMean(rows: readonly (readonly number[])[], geometric = false): number[] {
  if (rows.length === 0) return [];
  return rows[0].map((_, l) => {
    const col = rows.map((r) => r[l]);
    return geometric ? sampleGeoMeanStd(col).geoMean : sampleMeanStd(col).mean;
  });
}

export function aggregate(fix: Fix, rate: RateChoice, runs: readonly RunSummary[]): FixResult {
  if (runs.length === 0) throw new ConfigError("runs", runs, "at least one run");
  const done = runs.filter((r) => r.failure === null);
  const escaped = done.filter((r) => r.escapeStep !== null),
    reached = done.filter((r) => r.reachedAt !== null);
  return {
    fix,
    depth: runs[0].depth,
    learningRate: runs[0].learningRate,
    rate,
    runs,
    diverged: runs.length - done.length,
    testErrorPercent: sampleMeanStd(done.map((r) => 100 * (1 - r.testAccuracy))),
    testAccuracy: sampleMeanStd(done.map((r) => r.testAccuracy)),
    reached: reached.length,
    reachedAt: sampleMeanStd(reached.map((r) => r.reachedAt as number)),
    escaped: escaped.length,
    escapeStep: sampleMeanStd(escaped.map((r) => r.escapeStep as number)),
    saturation: done.length > 0 && done[0].saturation ? perLayerMean(done.map((r) => r.saturation as number[])) : null,
    flat: perLayerMean(done.map((r) => r.flat)),
    derivativeMean: perLayerMean(done.map((r) => r.derivativeMean)),
    deltaNormInit: perLayerMean(
      done.map((r) => r.deltaNormInit),
      true,
    ),
    deltaNormEnd: perLayerMean(
      done.map((r) => r.deltaNormEnd),
      true,
    ),
    gradRatioInit: sampleGeoMeanStd(done.map((r) => r.gradRatioInit)),
    gradRatioEnd: sampleGeoMeanStd(done.map((r) => r.gradRatioEnd)),
    updateRatioEnd: sampleGeoMeanStd(done.map((r) => r.updateRatioEnd)),
  };
}

/** Mean over layers of a per-layer list (NaN for an empty or null list). */
export function layerAverage(xs: readonly number[] | null): number {
  return xs && xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}

/** Moving average over `window` steps, sampled every `stride` steps (for loss curves). */
export function smoothed(xs: readonly number[], window: number, stride: number): { step: number; value: number }[] {
  const out: { step: number; value: number }[] = [];
  let s = 0;
  for (let i = 0; i < xs.length; i++) {
    s += xs[i];
    if (i >= window) s -= xs[i - window];
    const n = Math.min(i + 1, window);
    if ((i + 1) % stride === 0 || i === xs.length - 1) out.push({ step: i + 1, value: s / n });
  }
  return out;
}
