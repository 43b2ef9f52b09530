/**
 * Training points against held-out points, example by example.
 *
 * The popular story says a hidden entry h_{i,l} is near 0 or 1 *because*
 * gradient descent passed over x_i many times. If that were the mechanism,
 * the points the network was trained on would be more saturated than fresh
 * points from the same distribution. This module measures, per example i and
 * layer l, the fraction of units of layer l that are saturated on x_i (and
 * the mean f'(z) on x_i), then compares the two sets of points with a
 * bootstrap confidence interval that resamples points.
 *
 * Notation as in model.ts: z_l pre-activation, a_l = f(z_l).
 */
import * as tf from "@tensorflow/tfjs";
import { Mlp } from "../core/model";
import type { ProbePoints } from "./probe";
import { isFlat, isSaturated, sigmoidDeltaForEps } from "./saturation";
import { meanAt, normalQuantile, percentiles, sampleMeanStd } from "./stats";
import { Rng } from "../core/rng";
import { ConfigError } from "../core/errors";
import { scoped } from "../core/scope";

/** Hidden pre-activations and activations of a set of points, row-major n × width per layer. */
export interface HiddenValues {
  readonly set: string;
  readonly n: number;
  readonly widths: number[];
  readonly z: Float32Array[];
  readonly a: Float32Array[];
}

/** Forward a set of points (eval mode, in chunks) and download every hidden layer. */
export function hiddenValues(model: Mlp, points: ProbePoints, chunk = 1000): HiddenValues {
  if (points.inputDim !== model.config.inputDim) {
    throw new ConfigError("points.inputDim", points.inputDim, `the model's inputDim (${model.config.inputDim})`);
  }
  if (!(points.n >= 1)) throw new ConfigError("points.n", points.n, "at least one point");
  const widths = model.hidden.map((l) => l.nOut);
  const z = widths.map((w) => new Float32Array(points.n * w));
  const a = widths.map((w) => new Float32Array(points.n * w));
  for (let s = 0; s < points.n; s += chunk) {
    const m = Math.min(chunk, points.n - s);
    scoped(() => {
      const x = tf.tensor2d(points.x.subarray(s * points.inputDim, (s + m) * points.inputDim), [m, points.inputDim]);
      const tr = model.forward(x, { training: false });
      tr.z.forEach((t, l) => z[l].set(t.dataSync() as Float32Array, s * widths[l]));
      tr.a.forEach((t, l) => a[l].set(t.dataSync() as Float32Array, s * widths[l]));
    });
  }
  return { set: points.name, n: points.n, widths, z, a };
}

/** Per-example statistics of one layer: each array has one entry per point. */
export interface LayerPerExample {
  readonly layer: number;
  readonly width: number;
  /** saturated[k][i]: fraction of the layer's units within eps[k] of an asymptote on point i (low + high). */
  readonly saturated: Float64Array[];
  readonly low: Float64Array[];
  readonly high: Float64Array[];
  /** flat[i]: fraction of the layer's units whose slope on point i is below δ of the largest (f'(z)/max f' < δ). */
  readonly flat: Float64Array;
  /** Mean over units of f'(z) on point i (from the outputs, f' = a(1 − a) for sigmoid, as the probes compute it). */
  readonly derivative: Float64Array;
  /** Mean over units of a on point i. */
  readonly mean: Float64Array;
}

export interface PerExampleStats {
  readonly set: string;
  readonly n: number;
  readonly eps: number[];
  /** The flat threshold of `flat`: 4ε(1 − ε) at the first ε unless given (the same entries as ε for the sigmoid). */
  readonly delta: number;
  readonly layers: LayerPerExample[];
}

/**
 * Per-example saturation, from a model and points or from values already
 * downloaded by hiddenValues. Needs an activation with two asymptotes.
 */
export function perExampleStats(
  model: Mlp,
  points: ProbePoints | HiddenValues,
  eps: readonly number[] = [0.01, 0.05],
  chunk = 1000,
  delta?: number,
): PerExampleStats {
  const asym = model.act.asymptotes;
  if (!asym)
    throw new ConfigError("activation", model.act.name, "an activation with two asymptotes (sigmoid, tanh, …)");
  if (eps.length === 0 || eps.some((e) => !(e > 0 && e < 0.5)))
    throw new ConfigError("eps", eps, "one or more thresholds in (0, 0.5)");
  const flatDelta = delta ?? sigmoidDeltaForEps(eps[0]);
  if (!(flatDelta > 0 && flatDelta < 1))
    throw new ConfigError("delta", flatDelta, "a slope fraction in (0, 1), e.g. 0.04");
  const n = points.n;
  const widths = model.hidden.map((l) => l.nOut);
  const layers = widths.map(
    (width, l): LayerPerExample => ({
      layer: l + 1,
      width,
      saturated: eps.map(() => new Float64Array(n)),
      low: eps.map(() => new Float64Array(n)),
      high: eps.map(() => new Float64Array(n)),
      flat: new Float64Array(n),
      derivative: new Float64Array(n),
      mean: new Float64Array(n),
    }),
  );
  const act = model.act;
  // Points are forwarded a chunk at a time, so 10,000 points never hold every layer in memory at once.
  const fill = (hv: HiddenValues, offset: number) => {
    layers.forEach((layer, l) => {
      const a = hv.a[l],
        width = layer.width;
      for (let r = 0; r < hv.n; r++) {
        const o = r * width,
          i = offset + r;
        let d = 0,
          s = 0,
          flat = 0;
        for (let j = 0; j < width; j++) {
          const h = a[o + j];
          s += h;
          d += act.dfFromOutput(h);
          if (isFlat(h, act, flatDelta)) flat++;
          for (let k = 0; k < eps.length; k++) {
            const side = isSaturated(h, asym, eps[k]);
            if (side < 0) layer.low[k][i]++;
            else if (side > 0) layer.high[k][i]++;
          }
        }
        layer.derivative[i] = d / width;
        layer.flat[i] = flat / width;
        layer.mean[i] = s / width;
        for (let k = 0; k < eps.length; k++) {
          layer.low[k][i] /= width;
          layer.high[k][i] /= width;
          layer.saturated[k][i] = layer.low[k][i] + layer.high[k][i];
        }
      }
    });
  };
  if ("z" in points) {
    if (points.widths.join() !== widths.join())
      throw new ConfigError("hidden values widths", points.widths, `the model's widths (${widths.join(", ")})`);
    fill(points, 0);
  } else {
    for (let s = 0; s < n; s += chunk) {
      const m = Math.min(chunk, n - s);
      const part: ProbePoints = {
        ...points,
        n: m,
        x: points.x.subarray(s * points.inputDim, (s + m) * points.inputDim),
        y: points.y.subarray(s, s + m),
      };
      fill(hiddenValues(model, part, chunk), s);
    }
  }
  return { set: "z" in points ? points.set : points.name, n, eps: [...eps], delta: flatDelta, layers };
}

export interface MeanDifference {
  readonly meanA: number;
  readonly meanB: number;
  /** meanA − meanB. */
  readonly diff: number;
  /** Percentile-bootstrap interval of the difference (points of each set resampled independently). */
  readonly low: number;
  readonly high: number;
  readonly level: number;
  readonly draws: number;
}

export interface BootstrapOptions {
  readonly draws?: number;
  readonly level?: number;
  readonly seed?: number;
  /** Names this comparison's random stream (rows with different labels draw independently). */
  readonly label?: string;
}

/** Difference of two means with an unpaired bootstrap interval. */
export function compareMeans(a: ArrayLike<number>, b: ArrayLike<number>, opts: BootstrapOptions = {}): MeanDifference {
  return compareManyMeans([{ a, b }], opts)[0];
}

/**
 * Several differences of means over the same two sets of points (e.g. one
 * per layer), with bootstrap intervals from shared resamples: each draw
 * resamples the points of set A and of set B once and recomputes every
 * difference on that resample. Each interval is the usual percentile
 * interval of its own difference; sharing the draws only saves time (and
 * keeps the rows consistent with each other). Every pair must hold one
 * value per point: all `a` the same length, all `b` the same length.
 */
export function compareManyMeans(
  pairs: readonly { a: ArrayLike<number>; b: ArrayLike<number> }[],
  opts: BootstrapOptions = {},
): MeanDifference[] {
  if (pairs.length === 0) return [];
  const nA = pairs[0].a.length,
    nB = pairs[0].b.length;
  if (nA === 0 || nB === 0)
    throw new ConfigError("compareMeans samples", `${nA} and ${nB} values`, "two non-empty samples");
  pairs.forEach((p, r) => {
    if (p.a.length !== nA || p.b.length !== nB)
      throw new ConfigError(
        `pairs[${r}]`,
        `${p.a.length} and ${p.b.length} values`,
        `${nA} and ${nB} values, one per point like pairs[0]`,
      );
  });
  const draws = opts.draws ?? 2000,
    level = opts.level ?? 0.95;
  if (!(Number.isInteger(draws) && draws >= 10)) throw new ConfigError("draws", draws, "an integer ≥ 10");
  if (!(level > 0 && level < 1)) throw new ConfigError("level", level, "a confidence level in (0, 1), e.g. 0.95");
  const rng = new Rng(opts.seed ?? 1).fork(opts.label ?? "bootstrap");
  const R = pairs.length;
  const values = pairs.map(() => new Float64Array(draws));
  // Each draw resamples the points as counts (point i drawn c_i times, the indices drawn in the same order
  // as before), then every row's resampled mean is Σ c_i x_i / n: a sequential pass per row instead of n
  // random reads, ~5× faster for 02's comparisons. Sums run in index order, not draw order: the means agree
  // with the draw-order sums to ~1e-15 (tested).
  const rowsA = pairs.map((p) => Float64Array.from(p.a)),
    rowsB = pairs.map((p) => Float64Array.from(p.b));
  const countA = new Float64Array(nA),
    countB = new Float64Array(nB);
  for (let d = 0; d < draws; d++) {
    resampleCounts(countA, rng);
    resampleCounts(countB, rng);
    for (let r = 0; r < R; r++) values[r][d] = weightedMean(rowsA[r], countA) - weightedMean(rowsB[r], countB);
  }
  const q = [(100 * (1 - level)) / 2, 100 - (100 * (1 - level)) / 2];
  return pairs.map((p, r) => {
    const meanA = meanAt(p.a),
      meanB = meanAt(p.b);
    const [low, high] = percentiles(values[r], q, Infinity);
    return { meanA, meanB, diff: meanA - meanB, low, high, level, draws };
  });
}

/** counts[i] = how often point i is drawn in n draws of Math.floor(rng.next() · n) (a bootstrap resample). */
function resampleCounts(counts: Float64Array, rng: Rng): void {
  const n = counts.length;
  counts.fill(0);
  for (let i = 0; i < n; i++) counts[Math.floor(rng.next() * n)]++;
}

/** Σ c_i x_i / Σ c_i, with four partial sums (independent adds: the loop is not latency-bound). */
function weightedMean(x: Float64Array, c: Float64Array): number {
  const n = x.length;
  let s0 = 0,
    s1 = 0,
    s2 = 0,
    s3 = 0,
    i = 0;
  for (; i + 3 < n; i += 4) {
    s0 += c[i] * x[i];
    s1 += c[i + 1] * x[i + 1];
    s2 += c[i + 2] * x[i + 2];
    s3 += c[i + 3] * x[i + 3];
  }
  for (; i < n; i++) s0 += c[i] * x[i];
  return (s0 + s1 + (s2 + s3)) / n;
}

/** One row of a train-vs-held-out comparison. */
export interface SetComparison extends MeanDifference {
  readonly layer: number;
  /** "saturation" (at eps), "low" / "high" (one side, at eps), "flat" (slope below δ of the largest) or "derivative" (mean f'(z)). */
  readonly statistic: "saturation" | "low" | "high" | "flat" | "derivative";
  readonly eps: number | null;
}

/**
 * Per layer, training points (a) against held-out points (b): the
 * difference of mean saturation at every eps, one-sided low / high at the
 * first eps, and of mean f'(z), each with a bootstrap interval.
 */
export function compareSets(
  a: PerExampleStats,
  b: PerExampleStats,
  opts: BootstrapOptions & { readonly statistics?: readonly SetComparison["statistic"][] } = {},
): SetComparison[] {
  const want = new Set(opts.statistics ?? ["saturation", "low", "high", "derivative"]);
  if (a.layers.length !== b.layers.length)
    throw new ConfigError(
      "compareSets",
      `${a.layers.length} vs ${b.layers.length} layers`,
      "stats of the same network",
    );
  if (a.eps.join() !== b.eps.join())
    throw new ConfigError("compareSets eps", `${a.eps} vs ${b.eps}`, "the same thresholds on both sets");
  type Key = Omit<SetComparison, keyof MeanDifference>;
  const keys: Key[] = [];
  const pairs: { a: ArrayLike<number>; b: ArrayLike<number> }[] = [];
  const add = (key: Key, x: ArrayLike<number>, y: ArrayLike<number>) => (keys.push(key), pairs.push({ a: x, b: y }));
  a.layers.forEach((la, l) => {
    const lb = b.layers[l];
    if (want.has("saturation"))
      a.eps.forEach((e, k) =>
        add({ layer: la.layer, statistic: "saturation", eps: e }, la.saturated[k], lb.saturated[k]),
      );
    if (want.has("low")) add({ layer: la.layer, statistic: "low", eps: a.eps[0] }, la.low[0], lb.low[0]);
    if (want.has("high")) add({ layer: la.layer, statistic: "high", eps: a.eps[0] }, la.high[0], lb.high[0]);
    if (want.has("flat")) add({ layer: la.layer, statistic: "flat", eps: null }, la.flat, lb.flat);
    if (want.has("derivative"))
      add({ layer: la.layer, statistic: "derivative", eps: null }, la.derivative, lb.derivative);
  });
  // One set of resamples for all rows: the draws depend on the seed and the two sizes only.
  const diffs = compareManyMeans(pairs, { ...opts, label: opts.label ?? "compareSets" });
  const rows: SetComparison[] = keys.map((k, r) => ({ ...k, ...diffs[r] }));
  return rows;
}

/** Whether an interval excludes zero, in words the notebooks reuse. */
export function differenceVerdict(d: MeanDifference): "higher" | "lower" | "no detectable difference" {
  if (d.low > 0) return "higher";
  if (d.high < 0) return "lower";
  return "no detectable difference";
}

// ------------------------------------------------------------ a family of intervals, and the per-unit permutation test

/**
 * The difference of two means with a normal-approximation interval at any
 * level: diff ± z·SE, SE = √(s²_A/n_A + s²_B/n_B) (Welch's, sample variances).
 * For the Bonferroni-adjusted intervals of a family: at level 1 − 0.05/m the
 * percentile bootstrap would rest on the one or two most extreme of its
 * 2,000 resamples; with thousands of points per set the normal approximation
 * of a difference of means is the steadier estimate (at 95% the two agree: tested).
 */
export function normalMeanDifference(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  level = 0.95,
): MeanDifference & {
  readonly se: number;
} {
  if (a.length < 2 || b.length < 2)
    throw new ConfigError(
      "normalMeanDifference samples",
      `${a.length} and ${b.length} values`,
      "two samples of ≥ 2 values",
    );
  const z = normalQuantile(1 - (1 - level) / 2);
  const va = sampleMeanStd(a),
    vb = sampleMeanStd(b);
  if (va.dropped > 0 || vb.dropped > 0)
    throw new ConfigError("normalMeanDifference samples", "NaN or ±∞ values", "finite values only");
  const se = Math.sqrt(va.std ** 2 / a.length + vb.std ** 2 / b.length);
  const diff = va.mean - vb.mean;
  return { meanA: va.mean, meanB: vb.mean, diff, low: diff - z * se, high: diff + z * se, level, draws: 0, se };
}

/** Per-unit saturation of one layer on two sets of points, tested against the permutation null. */
export interface UnitPermutationTest {
  readonly units: number;
  readonly nA: number;
  readonly nB: number;
  /** Per unit j: share of A's points on which it is saturated − the same share on B's points. */
  readonly perUnit: Float64Array;
  /** The mean of perUnit over units: a uniform shift of every unit (= the difference of the per-point means). */
  readonly shift: number;
  /** The largest |perUnit_j| and its unit. */
  readonly maxAbs: number;
  readonly maxUnit: number;
  /** Random relabellings of the pooled points into sets of nA and nB. */
  readonly permutations: number;
  /** 95th percentile of the largest |difference| under the null (what noise alone gives over this many units). */
  readonly nullMax95: number;
  /** 95th percentile of |shift| under the null. */
  readonly nullShift95: number;
  /** Permutation p-values, (1 + #{null ≥ observed}) / (1 + permutations). */
  readonly pMax: number;
  readonly pShift: number;
}

/**
 * Is any unit — or every unit a little — saturated more often on set A than
 * on set B? `a` and `b` hold 0/1 per point and unit (row-major n × width:
 * 1 = saturated). Two statistics, each against its permutation null (the
 * set labels shuffled among the pooled points, so the null is "A and B are
 * exchangeable"): the largest per-unit |difference| (sees one unit that
 * differs; its null is the noise reference for "largest difference over
 * width units") and the mean per-unit difference (sees a uniform shift, which
 * a correlation of the per-unit rates cannot).
 */
export function unitPermutationTest(
  a: Uint8Array,
  b: Uint8Array,
  width: number,
  opts: { readonly permutations?: number; readonly seed?: number; readonly label?: string } = {},
): UnitPermutationTest {
  if (!(Number.isInteger(width) && width >= 1)) throw new ConfigError("width", width, "a whole number of units ≥ 1");
  if (a.length % width !== 0 || b.length % width !== 0 || a.length === 0 || b.length === 0)
    throw new ConfigError(
      "unitPermutationTest rows",
      `${a.length} and ${b.length} entries`,
      `non-empty multiples of width = ${width}`,
    );
  const permutations = opts.permutations ?? 200;
  if (!(Number.isInteger(permutations) && permutations >= 19))
    throw new ConfigError("permutations", permutations, "a whole number ≥ 19 (a 95th percentile needs 20 values)");
  const nA = a.length / width,
    nB = b.length / width,
    N = nA + nB;
  // The pooled points as lists of their saturated units (sparse rows): a permutation sums only the 1s.
  const offsets = new Int32Array(N + 1);
  const units: number[] = [];
  const total = new Float64Array(width);
  for (let i = 0; i < N; i++) {
    const src = i < nA ? a : b,
      o = (i < nA ? i : i - nA) * width;
    for (let j = 0; j < width; j++)
      if (src[o + j] !== 0) {
        units.push(j);
        total[j]++;
      }
    offsets[i + 1] = units.length;
  }
  const idx = Int32Array.from(units);
  const sumA = new Int32Array(width);
  const stats = (rows: Int32Array, d: Float64Array): { max: number; arg: number; shift: number } => {
    sumA.fill(0);
    for (let r = 0; r < nA; r++) {
      const row = rows[r],
        to = offsets[row + 1];
      for (let k = offsets[row]; k < to; k++) sumA[idx[k]]++;
    }
    let max = -1,
      arg = 0,
      s = 0;
    for (let j = 0; j < width; j++) {
      d[j] = sumA[j] / nA - (total[j] - sumA[j]) / nB;
      s += d[j];
      if (Math.abs(d[j]) > max) ((max = Math.abs(d[j])), (arg = j));
    }
    return { max, arg, shift: s / width };
  };
  const order = Int32Array.from({ length: N }, (_, i) => i);
  const perUnit = new Float64Array(width);
  const obs = stats(order, perUnit);
  const rng = new Rng(opts.seed ?? 1).fork(opts.label ?? "unit permutation test");
  const scratch = new Float64Array(width);
  const nullMax = new Float64Array(permutations),
    nullShift = new Float64Array(permutations);
  let geMax = 0,
    geShift = 0;
  // A tolerance keeps ties (the observed split itself, equal sums in another order) counted as ≥.
  const tol = 1e-12;
  for (let p = 0; p < permutations; p++) {
    // Partial Fisher–Yates: the first nA entries of `order` become a uniform random subset.
    for (let i = 0; i < nA; i++) {
      const k = i + Math.floor(rng.next() * (N - i));
      const t = order[i];
      order[i] = order[k];
      order[k] = t;
    }
    const s = stats(order, scratch);
    nullMax[p] = s.max;
    nullShift[p] = Math.abs(s.shift);
    if (s.max >= obs.max - tol) geMax++;
    if (Math.abs(s.shift) >= Math.abs(obs.shift) - tol) geShift++;
  }
  const [nullMax95] = percentiles(nullMax, [95], Infinity),
    [nullShift95] = percentiles(nullShift, [95], Infinity);
  return {
    units: width,
    nA,
    nB,
    perUnit,
    shift: obs.shift,
    maxAbs: obs.max,
    maxUnit: obs.arg,
    permutations,
    nullMax95,
    nullShift95,
    pMax: (1 + geMax) / (1 + permutations),
    pShift: (1 + geShift) / (1 + permutations),
  };
}
