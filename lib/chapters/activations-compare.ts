/**
 * Chapter: notebook 02-activations — §3, training points against unseen
 * points: the three random sets, the pre-registered primary comparison and
 * its verdict rule, every secondary interval beside its Bonferroni-adjusted
 * one, the per-unit permutation test and the per-digit differences (all on
 * the same sets). Tested in test/activations-chapter.test.ts and
 * test/activations-compare.test.ts.
 *
 *   const sets = comparisonSets(q.data, 10_000);
 *   const cmp = compareSplit(q.model, sets, { eps: [0.01, 0.05], draws: 2000, seed: 1 });
 *   const primary = primaryComparison(cmp, { draws: 2000, seed: 1 });   // the one comparison 02 states a verdict on
 *   const family = intervalFamily(cmp, probeSetComparison(q, opts), primary); // every interval, raw and adjusted
 */
import type { Dataset } from "../data/dataset";
import type { Mlp } from "../core/model";
import { ConfigError } from "../core/errors";
import {
  MeanDifference,
  PerExampleStats,
  SetComparison,
  UnitPermutationTest,
  compareMeans,
  compareSets,
  differenceVerdict,
  hiddenValues,
  normalMeanDifference,
  perExampleStats,
  unitPermutationTest,
} from "../measure/compare";
import { classifySaturation, saturationRule } from "../measure/saturation";
import { bonferroniAdjust, bonferroniLevel } from "../measure/stats";
import { Experiment, ExperimentData, probeSubset } from "../run/experiment";

// ------------------------------------------------------------------ §3 training points against unseen points

/** The three point sets of the large comparison, all drawn at random with the book's probe seed. */
export interface ComparisonSets {
  /** Training images: gradient descent passed over each of them once per epoch. */
  readonly train: Dataset;
  /** Unseen images of the training file (same file, same writers), never trained on. */
  readonly heldOut: Dataset;
  /** Images of the test file, written by other people: the secondary check. */
  readonly test: Dataset;
}

/** n points of each set (at most as many as the smallest set has), at random. */
export function comparisonSets(data: ExperimentData, n: number): ComparisonSets {
  if (!data.heldOut) {
    throw new ConfigError(
      "experiment data.heldOut",
      null,
      "an MNIST split with unseen training-file images (data.heldOut > 0, as questionExperiment holds 10,000 out)",
    );
  }
  if (!(Number.isInteger(n) && n >= 10)) throw new ConfigError("comparePoints", n, "an integer ≥ 10 (points per set)");
  const m = Math.min(n, data.train.n, data.heldOut.n, data.test.n);
  return {
    train: probeSubset(data.train, m, "02 comparison: training points"),
    heldOut: probeSubset(data.heldOut, m, "02 comparison: unseen training-file points"),
    test: probeSubset(data.test, m, "02 comparison: test-file points"),
  };
}

export interface SplitComparison {
  readonly eps: readonly number[];
  readonly sets: ComparisonSets;
  /** Per point and layer: saturated shares at each ε (the test-file set at the first ε only), the flat share, mean f′(z). */
  readonly stats: {
    readonly train: PerExampleStats;
    readonly heldOut: PerExampleStats;
    readonly test: PerExampleStats;
  };
  /** Training − unseen training-file points, per layer: saturation at each ε, the flat measure, mean f′(z). */
  readonly main: readonly SetComparison[];
  /** The test-file checks at the first ε and flat: training − test file, unseen training file − test file. */
  readonly trainMinusTest: readonly SetComparison[];
  readonly heldOutMinusTest: readonly SetComparison[];
}

/** Bootstrap labels: each comparison draws its own resamples (a reader can redo one by hand with this label). */
export const COMPARISON_LABELS = {
  main: "02 train vs unseen",
  trainTest: "02 train vs test file",
  heldOutTest: "02 unseen vs test file",
} as const;

/** The per-point statistics of the three sets and the three differences of means, each with a 95% bootstrap interval. */
export function compareSplit(
  model: Mlp,
  sets: ComparisonSets,
  opts: { readonly eps: readonly number[]; readonly draws: number; readonly seed: number },
): SplitComparison {
  const first = [opts.eps[0]];
  const stats = {
    train: perExampleStats(model, sets.train, opts.eps),
    heldOut: perExampleStats(model, sets.heldOut, opts.eps),
    // The test-file checks use the first ε (and the flat measure) only.
    test: perExampleStats(model, sets.test, first),
  };
  const boot = { draws: opts.draws, seed: opts.seed };
  const checks: SetComparison["statistic"][] = ["saturation", "flat"];
  return {
    eps: [...opts.eps],
    sets,
    stats,
    main: compareSets(stats.train, stats.heldOut, {
      ...boot,
      label: COMPARISON_LABELS.main,
      statistics: ["saturation", "flat", "derivative"],
    }),
    trainMinusTest: compareSets(firstEps(stats.train), stats.test, {
      ...boot,
      label: COMPARISON_LABELS.trainTest,
      statistics: checks,
    }),
    heldOutMinusTest: compareSets(firstEps(stats.heldOut), stats.test, {
      ...boot,
      label: COMPARISON_LABELS.heldOutTest,
      statistics: checks,
    }),
  };
}

/** The same per-point statistics restricted to the first ε (no copy). */
function firstEps(s: PerExampleStats): PerExampleStats {
  return {
    ...s,
    eps: s.eps.slice(0, 1),
    layers: s.layers.map((L) => ({
      ...L,
      saturated: L.saturated.slice(0, 1),
      low: L.low.slice(0, 1),
      high: L.high.slice(0, 1),
    })),
  };
}

/** The rows of one statistic, one per layer in order (saturation at ε; flat and derivative have no ε). */
export function perLayer(
  rows: readonly SetComparison[],
  statistic: SetComparison["statistic"],
  eps: number | null = null,
): SetComparison[] {
  const out = rows.filter(
    (r) =>
      r.statistic === statistic &&
      r.eps === (statistic === "saturation" || statistic === "low" || statistic === "high" ? eps : null),
  );
  if (out.length === 0)
    throw new ConfigError(
      `comparison rows (${statistic}${eps === null ? "" : ` at ε = ${eps}`})`,
      rows.length,
      "a comparison that measured this statistic",
    );
  return out;
}

/** Per layer at the first ε, training − held-out probe points (the fixed sets the probe records follow over training). */
export function compareProbeSets(
  q: Experiment,
  opts: { readonly eps: readonly number[]; readonly draws: number; readonly seed: number },
): SetComparison[] {
  const a = perExampleStats(q.model, q.data.probeTrain, opts.eps),
    b = perExampleStats(q.model, q.data.probeHeldOut, opts.eps);
  return perLayer(
    compareSets(a, b, { draws: opts.draws, seed: opts.seed, label: "02 probe sets", statistics: ["saturation"] }),
    "saturation",
    opts.eps[0],
  );
}

/** |difference| relative to the layer's level (the larger of the two means), the largest over layers; 0 where a layer never saturates. */
export function maxRelativeGap(rows: readonly MeanDifference[]): number {
  return Math.max(
    0,
    ...rows.map((r) => {
      const level = Math.max(r.meanA, r.meanB);
      return level > 0 ? Math.abs(r.diff) / level : 0;
    }),
  );
}

/** The probe-set comparison with the per-point statistics it came from (for the family's adjusted intervals). */
export interface ProbeSetComparison {
  readonly rows: SetComparison[];
  readonly train: PerExampleStats;
  readonly heldOut: PerExampleStats;
}

/** compareProbeSets, keeping the per-point statistics. */
export function probeSetComparison(
  q: Experiment,
  opts: { readonly eps: readonly number[]; readonly draws: number; readonly seed: number },
): ProbeSetComparison {
  const train = perExampleStats(q.model, q.data.probeTrain, opts.eps),
    heldOut = perExampleStats(q.model, q.data.probeHeldOut, opts.eps);
  const rows = perLayer(
    compareSets(train, heldOut, {
      draws: opts.draws,
      seed: opts.seed,
      label: "02 probe sets",
      statistics: ["saturation"],
    }),
    "saturation",
    opts.eps[0],
  );
  return { rows, train, heldOut };
}

// ------------------------------------------------------------------ §3 the primary comparison, stated before the results

/**
 * The one comparison 02 states a verdict on, fixed before the results (the
 * notebook's §3 text says the same): per point, the share of ALL its hidden
 * entries (every layer, weighted by width) within the first ε of 0 or 1;
 * training points − unseen training-file points, the §3 sets; the difference
 * of means with a percentile-bootstrap interval at `level`.
 */
export const PRIMARY = {
  what: "per point, the share of all its hidden entries (every layer) within ε of 0 or 1, at the first ε",
  sets: "training points − unseen training-file points (the §3 sets)",
  level: 0.95,
  label: "02 primary: all hidden entries",
} as const;

export type PrimaryVerdict =
  | "training points more saturated"
  | "training points less saturated"
  | "no difference detected";

/** The verdict rule (tested; the only one 02 states): the interval wholly above 0, wholly below 0, or neither. */
export function primaryVerdict(d: {
  readonly low: number;
  readonly high: number;
  readonly diff: number;
}): PrimaryVerdict {
  const v = differenceVerdict({ ...d, meanA: NaN, meanB: NaN, level: PRIMARY.level, draws: 0 });
  return v === "higher"
    ? "training points more saturated"
    : v === "lower"
      ? "training points less saturated"
      : "no difference detected";
}

export interface PrimaryComparison extends MeanDifference {
  readonly eps: number;
  readonly layers: number;
  readonly n: number;
  readonly verdict: PrimaryVerdict;
  /** The per-point shares (for the normal-approximation check of the interval). */
  readonly train: Float64Array;
  readonly heldOut: Float64Array;
}

/** A point's share of all its hidden entries saturated at the first ε: the width-weighted mean of its per-layer shares. */
export function allEntriesShare(s: PerExampleStats): Float64Array {
  const total = s.layers.reduce((t, L) => t + L.width, 0);
  return Float64Array.from(
    { length: s.n },
    (_, i) => s.layers.reduce((t, L) => t + L.width * L.saturated[0][i], 0) / total,
  );
}

export function primaryComparison(
  cmp: SplitComparison,
  opts: { readonly draws: number; readonly seed: number },
): PrimaryComparison {
  const train = allEntriesShare(cmp.stats.train),
    heldOut = allEntriesShare(cmp.stats.heldOut);
  const d = compareMeans(train, heldOut, {
    draws: opts.draws,
    seed: opts.seed,
    level: PRIMARY.level,
    label: PRIMARY.label,
  });
  return {
    ...d,
    eps: cmp.eps[0],
    layers: cmp.stats.train.layers.length,
    n: cmp.sets.train.n,
    verdict: primaryVerdict(d),
    train,
    heldOut,
  };
}

// ------------------------------------------------------------------ §3 every interval computed, and the family's correction

export interface FamilyRow {
  readonly role: "primary" | "secondary";
  readonly comparison: string;
  /** 0 for the primary (all layers). */
  readonly layer: number;
  readonly statistic: SetComparison["statistic"] | "all entries";
  readonly eps: number | null;
  readonly pointsPerSet: number;
  /** 95% percentile-bootstrap interval (each row alone). */
  readonly raw: MeanDifference;
  /** Bonferroni-adjusted interval for the secondary family (normal approximation); the primary keeps its own. */
  readonly adjusted: { readonly low: number; readonly high: number; readonly level: number };
}

export interface IntervalFamily {
  readonly rows: FamilyRow[];
  /** Secondary intervals m, and the level each is adjusted to: 1 − 0.05/m (Bonferroni). */
  readonly m: number;
  readonly adjustedLevel: number;
}

/** The per-point values a comparison row was computed from. */
function valuesOf(s: PerExampleStats, r: SetComparison): Float64Array {
  const L = s.layers[r.layer - 1];
  if (r.statistic === "flat") return L.flat;
  if (r.statistic === "derivative") return L.derivative;
  const k = s.eps.indexOf(r.eps!);
  if (k < 0) throw new ConfigError(`per-point statistics at ε = ${r.eps}`, s.eps, "the ε the row was computed at");
  return r.statistic === "low" ? L.low[k] : r.statistic === "high" ? L.high[k] : L.saturated[k];
}

/**
 * Every interval §3 computed: the primary, then the secondary family — training − unseen per layer (each ε,
 * flat, mean σ′), the two test-file checks, the probe sets — each with its 95% bootstrap interval and its
 * Bonferroni-adjusted interval at 1 − 0.05/m (diff ± z·SE, Welch's SE: 2,000 resamples cannot resolve a tail of 0.05/m).
 */
export function intervalFamily(
  cmp: SplitComparison,
  probes: ProbeSetComparison,
  primary: PrimaryComparison,
): IntervalFamily {
  const groups: { name: string; rows: readonly SetComparison[]; a: PerExampleStats; b: PerExampleStats }[] = [
    { name: "training − unseen", rows: cmp.main, a: cmp.stats.train, b: cmp.stats.heldOut },
    { name: "training − test file", rows: cmp.trainMinusTest, a: cmp.stats.train, b: cmp.stats.test },
    { name: "unseen − test file", rows: cmp.heldOutMinusTest, a: cmp.stats.heldOut, b: cmp.stats.test },
    { name: "probe sets: training − unseen", rows: probes.rows, a: probes.train, b: probes.heldOut },
  ];
  const m = groups.reduce((t, g) => t + g.rows.length, 0);
  const level = bonferroniLevel(PRIMARY.level, m);
  const rows: FamilyRow[] = [
    {
      role: "primary",
      comparison: "training − unseen",
      layer: 0,
      statistic: "all entries",
      eps: primary.eps,
      pointsPerSet: primary.n,
      raw: primary,
      adjusted: { low: primary.low, high: primary.high, level: primary.level },
    },
  ];
  for (const g of groups)
    for (const r of g.rows) {
      const adj = normalMeanDifference(valuesOf(g.a, r), valuesOf(g.b, r), level);
      rows.push({
        role: "secondary",
        comparison: g.name,
        layer: r.layer,
        statistic: r.statistic,
        eps: r.eps,
        pointsPerSet: g.a.n,
        raw: r,
        adjusted: { low: adj.low, high: adj.high, level },
      });
    }
  return { rows, m, adjustedLevel: level };
}

/** Does an interval exclude 0? */
export const excludesZero = (d: { readonly low: number; readonly high: number }) => d.low > 0 || d.high < 0;

// ------------------------------------------------------------------ §6 per unit: the permutation test, on the §3 sets

/** Per layer, 0/1 per point and unit: saturated at ε by the activation's rule (forwarded a chunk at a time). */
export function saturatedMatrices(model: Mlp, points: Dataset, eps: number, chunk = 1000): Uint8Array[] {
  const rule = saturationRule(model.act.name, eps);
  const widths = model.hidden.map((l) => l.nOut);
  const out = widths.map((w) => new Uint8Array(points.n * w));
  for (let s = 0; s < points.n; s += chunk) {
    const m = Math.min(chunk, points.n - s);
    const part = {
      ...points,
      n: m,
      x: points.x.subarray(s * points.inputDim, (s + m) * points.inputDim),
      y: points.y.subarray(s, s + m),
    };
    hiddenValues(model, part, chunk).a.forEach((a, l) => {
      const cls = classifySaturation(a, rule);
      for (let k = 0; k < cls.length; k++) out[l][s * widths[l] + k] = cls[k] !== 0 ? 1 : 0;
    });
  }
  return out;
}

export interface UnitTestRow extends UnitPermutationTest {
  readonly layer: number;
  /** Bonferroni over the 2L tests (max and shift, every layer). */
  readonly pMaxAdjusted: number;
  readonly pShiftAdjusted: number;
}

/** Per layer: the per-unit permutation test of training against unseen points, at the first ε, with Bonferroni over 2L tests. */
export function unitTests(
  model: Mlp,
  sets: ComparisonSets,
  eps: number,
  opts: { readonly permutations: number; readonly seed: number },
): UnitTestRow[] {
  const a = saturatedMatrices(model, sets.train, eps),
    b = saturatedMatrices(model, sets.heldOut, eps);
  const tests = a.map((m, l) =>
    unitPermutationTest(m, b[l], model.hidden[l].nOut, {
      permutations: opts.permutations,
      seed: opts.seed,
      label: `02 per-unit test, layer ${l + 1}`,
    }),
  );
  const adj = bonferroniAdjust(tests.flatMap((t) => [t.pMax, t.pShift]));
  return tests.map((t, l) => ({ ...t, layer: l + 1, pMaxAdjusted: adj[2 * l], pShiftAdjusted: adj[2 * l + 1] }));
}

// ------------------------------------------------------------------ §6 per digit and layer, on the §3 sets

export interface DigitDifference {
  readonly layer: number;
  readonly digit: number;
  readonly nTrain: number;
  readonly nHeldOut: number;
  /** Training − unseen mean share at the first ε, with a 95% and a Bonferroni-adjusted (over layers × digits) interval. */
  readonly d95: MeanDifference;
  readonly adjusted: MeanDifference;
}

/** Per layer and digit, training − unseen: normal-approximation intervals, 95% and Bonferroni over the L × classes family. */
export function digitDifferences(cmp: SplitComparison, classes: number): DigitDifference[] {
  const L = cmp.stats.train.layers.length;
  const level = bonferroniLevel(PRIMARY.level, L * classes);
  const pick = (v: Float64Array, y: ArrayLike<number>, c: number) => v.filter((_, i) => y[i] === c);
  const out: DigitDifference[] = [];
  for (let l = 0; l < L; l++)
    for (let c = 0; c < classes; c++) {
      const a = pick(cmp.stats.train.layers[l].saturated[0], cmp.sets.train.y, c),
        b = pick(cmp.stats.heldOut.layers[l].saturated[0], cmp.sets.heldOut.y, c);
      if (a.length < 2 || b.length < 2) continue;
      out.push({
        layer: l + 1,
        digit: c,
        nTrain: a.length,
        nHeldOut: b.length,
        d95: normalMeanDifference(a, b, PRIMARY.level),
        adjusted: normalMeanDifference(a, b, level),
      });
    }
  return out;
}
