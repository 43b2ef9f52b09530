/**
 * Chapter: notebook 05-fixes — the learning-rate rule, one for every fix.
 *
 * Each fix trains once (seed 1) at every rate of its optimizer's grid, for a
 * short sweep of the budget (or until the validation accuracy reaches the
 * target); each run is scored on the validation images (unseen training-file
 * images, never the test set). Then:
 *
 *   0. Rates that reached the target: the fewest steps to it wins; equal steps
 *      (checks are every checkEvery steps) go to the lower validation loss.
 *   1. Otherwise a rate "leaves chance" when its validation accuracy exceeds the chance
 *      level c (the share of the validation set's most frequent class) by more
 *      than RATE_RULE.aboveChanceSE standard errors √(c(1−c)/n). Rates at
 *      chance are never told apart by their noise.
 *   2. Among rates that leave chance, the highest validation accuracy wins;
 *      rates within RATE_RULE.tieSE standard errors of a difference of two
 *      accuracies on the same n images are tied, and the tie goes to the lower
 *      validation loss (among trained networks, a real difference).
 *   3. No rate leaves chance: the runs use the largest
 *      rate that did not diverge — a stated choice, not a pick by noise (a
 *      larger step leaves a plateau sooner, notebook 01). Every rate diverged:
 *      the smallest, marked so.
 *
 * Then every seed trains the full budget at the chosen rate. (A sweep run that
 * reached the target stopped where the full run would: it is the seed-1 run.)
 */
import { ConfigError } from "../core/errors";
import type { Fix } from "../run/fixes";
import type { JobOutcome } from "../run/job";
import type { FixRunRecord } from "./fixes-jobs";

/** The thresholds of the rule (module comment), in one place. */
export const RATE_RULE = {
  /** Standard errors above chance a validation accuracy must reach to count as trained at all. */
  aboveChanceSE: 3,
  /** Accuracies closer than this many standard errors of their difference are tied. */
  tieSE: 1,
} as const;

export interface RateGrid {
  readonly sgd: readonly number[];
  readonly adam: readonly number[];
}

export function learningRateGrid(fix: Fix, grid: RateGrid): readonly number[] {
  const g = fix.optimizer === "adam" ? grid.adam : grid.sgd;
  if (g.length === 0 || g.some((r) => !(Number.isFinite(r) && r > 0)))
    throw new ConfigError(`${fix.optimizer} learning-rate grid`, g, "a non-empty list of positive rates");
  return g;
}

/** One rate's seed-1 run, scored on the validation images. */
export interface RatePoint {
  readonly learningRate: number;
  /** Validation accuracy and loss where the run stopped; NaN when it diverged. */
  readonly accuracy: number;
  readonly loss: number;
  readonly diverged: boolean;
  /** Step at which the validation accuracy reached the target; null if it did not. */
  readonly reachedAt: number | null;
}

/** The validation set the points were scored on. */
export interface ValidationSet {
  /** Images scored. */
  readonly n: number;
  /** Share of its most frequent class: the accuracy of always guessing that class. */
  readonly chance: number;
}

export type RateChoice =
  | {
      readonly kind: "fastest to target";
      readonly learningRate: number;
      readonly reachedAt: number;
      readonly tied: readonly number[];
    }
  | {
      readonly kind: "best";
      readonly learningRate: number;
      readonly accuracy: number;
      readonly tied: readonly number[];
    }
  | { readonly kind: "none leaves chance"; readonly learningRate: number; readonly bestAccuracy: number }
  | { readonly kind: "all diverged"; readonly learningRate: number };

/** The threshold a validation accuracy must pass to leave chance. */
export function chanceThreshold(v: ValidationSet, rule = RATE_RULE): number {
  return v.chance + rule.aboveChanceSE * Math.sqrt((v.chance * (1 - v.chance)) / v.n);
}

/** Whether two validation accuracies on the same n images are within the tie margin. */
export function tiedAccuracies(a: number, b: number, n: number, rule = RATE_RULE): boolean {
  const se = Math.sqrt((a * (1 - a) + b * (1 - b)) / n);
  return Math.abs(a - b) <= rule.tieSE * se;
}

/** The rule of the module comment. */
export function chooseLearningRate(points: readonly RatePoint[], v: ValidationSet, rule = RATE_RULE): RateChoice {
  if (points.length === 0) throw new ConfigError("rate points", points, "at least one point");
  if (!(Number.isInteger(v.n) && v.n > 0 && v.chance > 0 && v.chance < 1))
    throw new ConfigError("validation set", v, "n > 0 images and a chance level in (0, 1)");
  const ok = points.filter((p) => !p.diverged && Number.isFinite(p.accuracy));
  if (ok.length === 0) return { kind: "all diverged", learningRate: Math.min(...points.map((p) => p.learningRate)) };
  const reached = ok.filter((p) => p.reachedAt !== null);
  if (reached.length > 0) {
    const fewest = Math.min(...reached.map((p) => p.reachedAt as number));
    const tied = reached.filter((p) => p.reachedAt === fewest);
    const pick = tied.reduce((a, b) => (b.loss < a.loss ? b : a));
    return {
      kind: "fastest to target",
      learningRate: pick.learningRate,
      reachedAt: fewest,
      tied: tied.map((p) => p.learningRate),
    };
  }
  const above = ok.filter((p) => p.accuracy > chanceThreshold(v, rule));
  if (above.length === 0) {
    return {
      kind: "none leaves chance",
      learningRate: Math.max(...ok.map((p) => p.learningRate)),
      bestAccuracy: Math.max(...ok.map((p) => p.accuracy)),
    };
  }
  const best = above.reduce((a, b) => (b.accuracy > a.accuracy ? b : a));
  const tied = above.filter((p) => tiedAccuracies(p.accuracy, best.accuracy, v.n, rule));
  const pick = tied.reduce((a, b) => (b.loss < a.loss ? b : a));
  return {
    kind: "best",
    learningRate: pick.learningRate,
    accuracy: pick.accuracy,
    tied: tied.map((p) => p.learningRate),
  };
}

/**
 * Where the rule's pick sits in the grid it chose from (issue 18, item 15), when a better rate may lie beyond
 * the grid, untried: "top" when the rule compared rates (fastest to target, best) and picked the largest;
 * "bottom" when it picked the smallest by accuracy ("best": no rate reached the target, so a smaller one might
 * score higher). A pick that reached the target at the smallest rate is not flagged (a smaller step covers
 * less ground per step), nor is "none leaves chance" (the largest rate by design, said so) or a grid of one.
 */
export function gridEdge(choice: RateChoice, grid: readonly number[]): "top" | "bottom" | null {
  if (grid.length < 2 || !(choice.kind === "best" || choice.kind === "fastest to target")) return null;
  if (choice.learningRate === Math.max(...grid)) return "top";
  if (choice.kind === "best" && choice.learningRate === Math.min(...grid)) return "bottom";
  return null;
}

/** A run's validation score: its last validation check (where it stopped). */
export function ratePoint(learningRate: number, outcome: JobOutcome): RatePoint {
  if (!outcome.ok) return { learningRate, accuracy: NaN, loss: NaN, diverged: true, reachedAt: null };
  const r = outcome.value as FixRunRecord;
  const last = r.checks[r.checks.length - 1];
  return { learningRate, accuracy: last.accuracy, loss: last.loss, diverged: false, reachedAt: r.reachedAt };
}

/** The share of the most frequent label: what always guessing it scores. */
export function majorityShare(labels: ArrayLike<number>): number {
  if (labels.length === 0) throw new ConfigError("labels", labels, "at least one label");
  const counts = new Map<number, number>();
  for (let i = 0; i < labels.length; i++) counts.set(labels[i], (counts.get(labels[i]) ?? 0) + 1);
  return Math.max(...counts.values()) / labels.length;
}
