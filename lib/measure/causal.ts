/**
 * The statistics of the causal test (notebook 03): did gradient descent's
 * visits to x_i change h_{i,l}? Two comparisons, both of per-point values
 * (e.g. the per-point saturation s_{i,l} of lib/measure/compare.ts):
 *
 *  - dose-response: the mean over a group visited k times per epoch minus the
 *    mean over a group never visited, in the same network. With several
 *    seeds (each its own random split and network) the pooled difference is
 *    the mean of the per-seed differences, and its bootstrap resamples the
 *    points of every seed's groups independently (a stratified bootstrap).
 *    It conditions on the trained networks: it says how precisely these
 *    networks were measured, not how much another seed would move them.
 *
 *  - cross-fitting swap: networks A and B, disjoint image sets U and V; A was
 *    trained on V and never saw U, B the other way round. With D_i = s_A(i) − s_B(i),
 *
 *        DiD = ½ [ (A(V) − A(U)) − (B(V) − B(U)) ] = ½ [ mean_V D − mean_U D ],
 *
 *    the average of "trained minus unseen" over both networks: whatever makes
 *    some images saturate more cancels inside D_i, and whatever makes one
 *    network saturate more cancels between V and U. Its interval is
 *    compareManyMeans's bootstrap of mean_V D − mean_U D (images resampled
 *    with both their values kept together), halved.
 */
import type { Mlp } from "../core/model";
import type { LabelledData } from "../core/train";
import { ConfigError } from "../core/errors";
import { Rng } from "../core/rng";
import type { FastPasses } from "../core/fast/probe";
import { forwardValues } from "./deltas";
import { BootstrapOptions, HiddenValues, MeanDifference, compareManyMeans, perExampleStats } from "./compare";
import { meanAt, normalQuantile, percentiles } from "./stats";

/** Per-point values of two sets to compare, one pair per row (e.g. per layer). */
export type PairRows = readonly { readonly a: ArrayLike<number>; readonly b: ArrayLike<number> }[];

export interface PooledDifference extends MeanDifference {
  /** The difference in each stratum (seed), in the order given. */
  readonly perStratum: readonly number[];
}

/**
 * Mean over strata of (mean a − mean b), per row, with a stratified bootstrap:
 * every draw resamples the a and b points of every stratum independently. One
 * stratum gives compareManyMeans's difference and the same interval in law
 * (not the same draws). Every stratum holds the same rows; within a stratum
 * all a have one length and all b another.
 */
export function pooledMeanDifferences(strata: readonly PairRows[], opts: BootstrapOptions = {}): PooledDifference[] {
  if (strata.length === 0) throw new ConfigError("strata", strata, "at least one stratum (one seed's pairs)");
  strata.forEach((s, k) => {
    if (s.length !== strata[0].length)
      throw new ConfigError(`strata[${k}]`, `${s.length} rows`, `${strata[0].length} rows, like strata[0]`);
  });
  return groupsVersusControl(
    strata.map((s) => ({ control: s.map((p) => p.b), groups: [s.map((p) => p.a)] })),
    opts,
  )[0];
}

/** One stratum (e.g. one network): a control set and several groups, each a list of per-point arrays, one per row (layer). */
export interface ControlStratum {
  readonly control: readonly ArrayLike<number>[];
  readonly groups: readonly (readonly ArrayLike<number>[])[];
}

/**
 * Every group against the control, per row, pooled over strata: the mean over
 * strata of (group mean − control mean). A stratified bootstrap: every draw
 * resamples, in every stratum, the control's points once (shared by all its
 * groups, as compareManyMeans shares draws between rows) and each group's
 * points, and recomputes every difference. Returns [group][row].
 */
export function groupsVersusControl(
  strata: readonly ControlStratum[],
  opts: BootstrapOptions = {},
): PooledDifference[][] {
  if (strata.length === 0) throw new ConfigError("strata", strata, "at least one stratum");
  const G = strata[0].groups.length,
    rows = strata[0].control.length;
  strata.forEach((s, k) => {
    if (s.groups.length !== G)
      throw new ConfigError(`strata[${k}].groups`, `${s.groups.length} groups`, `${G} groups, like strata[0]`);
    checkRows(s.control, rows, `strata[${k}].control`);
    s.groups.forEach((g, j) => checkRows(g, rows, `strata[${k}].groups[${j}]`));
  });
  const draws = opts.draws ?? 2000,
    level = opts.level ?? 0.95;
  if (!(Number.isInteger(draws) && draws >= 10)) throw new ConfigError("draws", draws, "an integer ≥ 10");
  if (!(level > 0 && level < 1)) throw new ConfigError("level", level, "a confidence level in (0, 1), e.g. 0.95");
  const rng = new Rng(opts.seed ?? 1).fork(opts.label ?? "pooled bootstrap");
  const values = Array.from({ length: G }, () => Array.from({ length: rows }, () => new Float64Array(draws)));
  const idx = strata.map((s) => ({
    control: new Int32Array(s.control[0].length),
    groups: s.groups.map((g) => new Int32Array(g[0].length)),
  }));
  const cm = new Float64Array(rows),
    gm = new Float64Array(rows);
  for (let d = 0; d < draws; d++) {
    strata.forEach((s, k) => {
      resample(idx[k].control, rng);
      meansAt(s.control, idx[k].control, cm);
      s.groups.forEach((g, j) => {
        resample(idx[k].groups[j], rng);
        meansAt(g, idx[k].groups[j], gm);
        for (let r = 0; r < rows; r++) values[j][r][d] += (gm[r] - cm[r]) / strata.length;
      });
    });
  }
  const q = [(100 * (1 - level)) / 2, 100 - (100 * (1 - level)) / 2];
  return values.map((byRow, j) =>
    byRow.map((v, r): PooledDifference => {
      const perStratum = strata.map((s) => meanAt(s.groups[j][r]) - meanAt(s.control[r]));
      const meanA = average(strata.map((s) => meanAt(s.groups[j][r]))),
        meanB = average(strata.map((s) => meanAt(s.control[r])));
      const [low, high] = percentiles(v, q, Infinity);
      return { meanA, meanB, diff: average(perStratum), low, high, level, draws, perStratum };
    }),
  );
}

function checkRows(set: readonly ArrayLike<number>[], rows: number, field: string): void {
  if (set.length !== rows) throw new ConfigError(field, `${set.length} rows`, `${rows} rows`);
  set.forEach((x, r) => {
    if (x.length === 0) throw new ConfigError(`${field}[${r}]`, "no values", "a non-empty sample");
    if (x.length !== set[0].length)
      throw new ConfigError(
        `${field}[${r}]`,
        `${x.length} values`,
        `${set[0].length} values, one per point like row 0`,
      );
  });
}

/** Means of every row over the resampled points (row by row: a tight loop per row is faster than one pass over the indices). */
function meansAt(rows: readonly ArrayLike<number>[], idx: Int32Array, out: Float64Array): void {
  for (let r = 0; r < rows.length; r++) out[r] = meanAt(rows[r], idx);
}

/** One image set's per-point values in both networks of the swap. */
export interface SwapSet {
  readonly netA: ArrayLike<number>;
  readonly netB: ArrayLike<number>;
}

export interface SwapDifference extends MeanDifference {
  /** Trained minus unseen in network A (on V − on U) and in network B (on U − on V). */
  readonly effectA: number;
  readonly effectB: number;
}

/**
 * The cross-fitting swap, per row: A trained on V (never on U), B trained
 * on U (never on V). Returns ½[(A(V) − A(U)) + (B(U) − B(V))] with a
 * bootstrap interval that resamples the images of U and of V.
 */
export function swapDifferences(
  rows: readonly { readonly u: SwapSet; readonly v: SwapSet }[],
  opts: BootstrapOptions = {},
): SwapDifference[] {
  const paired = (s: SwapSet, field: string) => {
    if (s.netA.length !== s.netB.length)
      throw new ConfigError(
        field,
        `${s.netA.length} and ${s.netB.length} values`,
        "one value per image in each network (the same images)",
      );
    return Float64Array.from({ length: s.netA.length }, (_, i) => s.netA[i] - s.netB[i]);
  };
  const pairs = rows.map((r, k) => ({ a: paired(r.v, `rows[${k}].v`), b: paired(r.u, `rows[${k}].u`) }));
  const diffs = compareManyMeans(pairs, { ...opts, label: opts.label ?? "swap" });
  return diffs.map((d, k) => ({
    ...d,
    meanA: d.meanA / 2,
    meanB: d.meanB / 2,
    diff: d.diff / 2,
    low: d.low / 2,
    high: d.high / 2,
    effectA: meanAt(rows[k].v.netA) - meanAt(rows[k].u.netA),
    effectB: meanAt(rows[k].u.netB) - meanAt(rows[k].v.netB),
  }));
}

/** Half the width of an interval: the ± a reader can attach to its estimate. */
export function halfWidth(d: { readonly low: number; readonly high: number }): number {
  return (d.high - d.low) / 2;
}

/**
 * The smallest true difference the design detects with probability `power`
 * at its level (normal approximation: the interval is ±1.96 SE at 95%, and
 * a difference of (z_{1−α/2} + z_power)·SE excludes 0 with that probability).
 */
export function minimumDetectable(
  d: { readonly low: number; readonly high: number; readonly level?: number },
  power = 0.8,
): number {
  const level = d.level ?? 0.95;
  const se = halfWidth(d) / normalQuantile(0.5 + level / 2);
  return (normalQuantile(0.5 + level / 2) + normalQuantile(power)) * se;
}

/** The standard normal quantile: one implementation, in stats.ts (re-exported here for 03's readers). */
export { normalQuantile };

/** How the network's output treats each point: the margin and the loss of its label. */
export interface PointFit {
  /** logit of the point's label minus the largest other logit (> 0: classified as labelled). */
  readonly margin: Float64Array;
  /** Softmax cross-entropy of the point's label. */
  readonly loss: Float64Array;
}

/** Margins and losses per point (eval mode, in chunks). */
export function pointFit(model: Mlp, points: LabelledData, chunk = 1000): PointFit {
  return measurePoints(model, points, null, chunk).fit;
}

/** Per-point saturation (as lib/measure/compare's perExampleStats) and fit, from one forward pass per chunk. */
export interface PointMeasures {
  readonly widths: number[];
  /** saturated[l][i] and flat[l][i]: fractions of layer l+1's units (null when not asked). */
  readonly saturated: Float64Array[];
  readonly flat: Float64Array[];
  readonly fit: PointFit;
}

/**
 * Every point's per-layer saturation at ε (and flat share at δ = 4ε(1 − ε)),
 * margin and loss, in chunks so that many points never hold every layer in
 * memory at once. `eps` null: the fit only.
 */
export function measurePoints(
  model: Mlp,
  points: LabelledData,
  eps: number | null,
  chunk = 1000,
  fast: FastPasses | null = null,
): PointMeasures {
  if (points.inputDim !== model.config.inputDim)
    throw new ConfigError("points.inputDim", points.inputDim, `the model's inputDim (${model.config.inputDim})`);
  if (!(points.n >= 1)) throw new ConfigError("points.n", points.n, "at least one point");
  const C = model.config.outputDim,
    n = points.n,
    d = points.inputDim;
  const widths = model.hidden.map((l) => l.nOut);
  const saturated = eps === null ? [] : widths.map(() => new Float64Array(n));
  const flat = eps === null ? [] : widths.map(() => new Float64Array(n));
  const margin = new Float64Array(n),
    loss = new Float64Array(n);
  for (let s = 0; s < n; s += chunk) {
    const m = Math.min(chunk, n - s);
    const rows: LabelledData = {
      ...points,
      n: m,
      x: points.x.subarray(s * d, (s + m) * d),
      y: points.y.subarray(s, s + m),
    };
    // The one forward pass of lib/measure/deltas: the training kernel's while it trains (fast), else tfjs.
    const fv = forwardValues(model, rows, { fast });
    if (eps !== null) {
      const hv: HiddenValues = { set: "chunk", n: m, widths, z: fv.a, a: fv.a };
      const st = perExampleStats(model, hv, [eps]);
      st.layers.forEach((L, l) => {
        saturated[l].set(L.saturated[0], s);
        flat[l].set(L.flat, s);
      });
    }
    fitRows(fv.logits, points.y, s, m, C, margin, loss);
  }
  return { widths, saturated, flat, fit: { margin, loss } };
}

/** Margin and loss of rows s..s+m from their logits (row-major m × C). */
function fitRows(
  logits: Float32Array,
  y: ArrayLike<number>,
  s: number,
  m: number,
  C: number,
  margin: Float64Array,
  loss: Float64Array,
): void {
  for (let r = 0; r < m; r++) {
    const o = r * C,
      label = y[s + r];
    let best = -Infinity,
      max = -Infinity;
    for (let k = 0; k < C; k++) {
      max = Math.max(max, logits[o + k]);
      if (k !== label) best = Math.max(best, logits[o + k]);
    }
    let z = 0;
    for (let k = 0; k < C; k++) z += Math.exp(logits[o + k] - max);
    margin[s + r] = logits[o + label] - best;
    loss[s + r] = Math.log(z) + max - logits[o + label];
  }
}

function resample(idx: Int32Array, rng: Rng): void {
  const n = idx.length;
  for (let i = 0; i < n; i++) idx[i] = Math.floor(rng.next() * n);
}

function average(xs: readonly number[]): number {
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}
