/**
 * Chapter: notebook 05-fixes — the fixes of lib/run/fixes side by side at
 * equal budget. This module is the notebook's one import; the parts:
 *
 *   fixes-budget    the budget and the experiment a fix becomes under it
 *   fixes-settle    per-layer rates and the isometry gain, made concrete per depth
 *   fixes-rate      the learning-rate rule
 *   fixes-summary   what is kept of each run and of each fix's seeds
 *   fixes-verdicts  the rules that turn numbers into words
 *   fixes-prose     table rows, closing paragraphs, findings for 06
 *   fixes-frames    the per-seed runs as a DataFrame: groupby fix × depth, pivot
 *   fixes-jobs      the batch-norm figure's job kind
 *
 *   const s = await settle(FIXES[3], 10, budget);            // resolve gains / per-layer rates
 *   const [r] = rateRuns([s], budget, grid, sweepSteps);     // seed 1 at every rate, a short sweep
 *   const { choice } = rateChoice(r, await runJobs(r.jobs), validationSet(budget));
 *   seedRuns(s, budget, choice.learningRate, 2, …) → runJobs → summarizeRun → aggregate → verdicts
 */
export * from "./fixes-budget";
export * from "./fixes-settle";
export * from "./fixes-rate";
export * from "./fixes-summary";
export * from "./fixes-verdicts";
export * from "./fixes-prose";
export * from "./fixes-frames";
export { JOB_MODULE, bnFigureFixes, bnFigureJob } from "./fixes-jobs";
export type {
  BnFigureSpec,
  FixRunJob,
  FixRunRecord,
  TraceJob,
  TracePoint,
  TraceResult,
  ValidationCheck,
} from "./fixes-jobs";
import { loadData } from "../run/experiment";
import { ConfigError } from "../core/errors";
import type { JobOutcome } from "../run/job";
import type { FixRunJob, FixRunRecord, TraceResult } from "./fixes-jobs";
import { FixResult, aggregate, summarizeRun } from "./fixes-summary";
import { Budget, Setting, dataSpec, fixRunJob } from "./fixes-budget";
import {
  RateChoice,
  RateGrid,
  ValidationSet,
  chooseLearningRate,
  learningRateGrid,
  majorityShare,
  ratePoint,
  RatePoint,
} from "./fixes-rate";

/** The validation set of a budget (the held-out probe points): its size and chance level. */
export function validationSet(budget: Budget): ValidationSet {
  const held = loadData(dataSpec(budget), budget.probePoints).probeHeldOut;
  return { n: held.n, chance: majorityShare(held.y) };
}

/** The runs of the learning-rate rule for one setting: seed 1 at every rate of its grid, for `sweepSteps` steps at most. */
export interface RateRuns {
  readonly setting: Setting;
  readonly jobs: readonly FixRunJob[];
}

export function rateRuns(settings: readonly Setting[], budget: Budget, grid: RateGrid, sweepSteps: number): RateRuns[] {
  const b = { ...budget, steps: sweepSteps };
  return settings.map((s) => ({
    setting: s,
    jobs: learningRateGrid(s.fix, grid).map((lr) => fixRunJob(s, b, { learningRate: lr, seed: 1 })),
  }));
}

/** The rule's choice for one setting, from the outcomes of its rate runs (in order). */
export function rateChoice(
  runs: RateRuns,
  outcomes: readonly JobOutcome[],
  v: ValidationSet,
): { choice: RateChoice; points: RatePoint[] } {
  const points = runs.jobs.map((j, i) => ratePoint(j.config.train.optimizer.learningRate, outcomes[i]));
  return { choice: chooseLearningRate(points, v), points };
}

/** One of a fix's runs at its chosen rate: the job, and its outcome when the rule's sweep already holds it. */
export interface SeedRun {
  readonly seed: number;
  readonly job: FixRunJob;
  readonly known: JobOutcome | null;
}

/**
 * Seeds 1..seeds at the chosen rate, for the full budget. A sweep run (seed 1)
 * that reached the target stopped where the full run stops — same seed, same
 * steps, the cap never binding — so its outcome is seed 1's, not trained again.
 */
export function seedRuns(
  s: Setting,
  budget: Budget,
  learningRate: number,
  seeds: number,
  sweep: { job: FixRunJob; outcome: JobOutcome } | null,
): SeedRun[] {
  return Array.from({ length: seeds }, (_, k) => {
    const job = fixRunJob(s, budget, { learningRate, seed: k + 1 });
    const reuse =
      k === 0 &&
      sweep &&
      sweep.outcome.ok &&
      (sweep.outcome.value as FixRunRecord).reachedAt !== null &&
      sweep.job.config.train.optimizer.learningRate === learningRate;
    return { seed: k + 1, job, known: reuse ? sweep.outcome : null };
  });
}

// ------------------------------------------------------------------ the comparison, end to end

/** One setting's learning-rate rule, decided from its sweep. */
export interface RateDecision {
  readonly setting: Setting;
  readonly points: RatePoint[];
  readonly choice: RateChoice;
  /** The sweep run at the chosen rate (seed 1), when the grid holds it. */
  readonly sweep: { readonly job: FixRunJob; readonly outcome: JobOutcome } | null;
}

/** The rule's choice for every setting, from the outcomes of all their rate runs (in the order of `runs`, flattened). */
export function decideRates(
  runs: readonly RateRuns[],
  outcomes: readonly JobOutcome[],
  v: ValidationSet,
): RateDecision[] {
  let k = 0;
  return runs.map((r) => {
    const outs = outcomes.slice(k, (k += r.jobs.length));
    const { choice, points } = rateChoice(r, outs, v);
    const i = r.jobs.findIndex((j) => j.config.train.optimizer.learningRate === choice.learningRate);
    return { setting: r.setting, points, choice, sweep: i >= 0 ? { job: r.jobs[i], outcome: outs[i] } : null };
  });
}

/** Every decided setting's seed runs at its chosen rate; `toTrain` lists, in order, those the sweep does not already hold. */
export function seedPlan(
  ds: readonly RateDecision[],
  budget: Budget,
  seeds: number,
): { runs: SeedRun[][]; toTrain: FixRunJob[] } {
  const runs = ds.map((d) => seedRuns(d.setting, budget, d.choice.learningRate, seeds, d.sweep));
  return {
    runs,
    toTrain: runs
      .flat()
      .filter((s) => s.known === null)
      .map((s) => s.job),
  };
}

/** One FixResult per decided setting, from the seed plan and the outcomes of its `toTrain` jobs (in order). */
export function collectResults(
  ds: readonly RateDecision[],
  plan: { runs: SeedRun[][] },
  trained: readonly JobOutcome[],
): FixResult[] {
  let k = 0;
  return ds.map((d, i) =>
    aggregate(
      d.setting.fix,
      d.choice,
      plan.runs[i].map((s) => summarizeRun(s.job, s.known ?? trained[k++])),
    ),
  );
}

/** A trace run (the batch-norm figure) scored for the learning-rate rule on its validation images. */
export function tracePoint(learningRate: number, outcome: JobOutcome): RatePoint {
  if (!outcome.ok) return { learningRate, accuracy: NaN, loss: NaN, diverged: true, reachedAt: null };
  const v = (outcome.value as TraceResult).validation;
  return { learningRate, accuracy: v.accuracy, loss: v.loss, diverged: false, reachedAt: null };
}

/** A phase of the run for the timing table: wall seconds, jobs trained now and read from the cache. */
export function phaseRow(
  phase: string,
  seconds: number,
  outcomes: readonly JobOutcome[] = [],
): { phase: string; "seconds (this run)": number; "jobs trained now": number; "jobs from the cache": number } {
  const cachedJobs = outcomes.filter((o) => o.cache === "hit").length;
  return {
    phase,
    "seconds (this run)": Number(seconds.toFixed(1)),
    "jobs trained now": outcomes.length - cachedJobs,
    "jobs from the cache": cachedJobs,
  };
}

/**
 * The deep depth's decisions, carried over from the shallow depth's: the same
 * fix trains at the rate the rule chose for it at the shallow depth (no sweep
 * of its own — a budget choice, stated in the notebook). `shallow` and `deep`
 * list the same fixes in the same order.
 */
export function carryRates(shallow: readonly RateDecision[], deep: readonly Setting[]): RateDecision[] {
  return deep.map((s) => {
    const d = shallow.find((x) => x.setting.fix.id === s.fix.id);
    if (!d)
      throw new ConfigError("carried rates", s.fix.id, "a shallow-depth decision for every fix run at the deep depth");
    return { setting: s, points: [], choice: d.choice, sweep: null };
  });
}
