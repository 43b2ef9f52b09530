/** Plain descriptive statistics over typed arrays (float64 accumulation), and the multiplicity correction. */
import { ConfigError } from "../core/errors";

export interface Histogram {
  readonly lo: number;
  readonly hi: number;
  /** counts[k] counts values in [lo + k·w, lo + (k+1)·w), the last bin closed. */
  readonly counts: number[];
}

/**
 * Population mean and standard deviation (÷ n) of the entries of x — for the
 * entries of a layer or a probe set, where x is all there is. NaN in, NaN out.
 * For a handful of runs (seeds) use sampleMeanStd.
 */
export function meanStd(x: ArrayLike<number>): { mean: number; std: number } {
  let s = 0,
    s2 = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  const mean = s / x.length;
  for (let i = 0; i < x.length; i++) {
    const d = x[i] - mean;
    s2 += d * d;
  }
  return { mean, std: Math.sqrt(s2 / x.length) };
}

/** Mean and sample standard deviation over runs, with how many values were finite. */
export interface SampleMeanStd {
  readonly mean: number;
  /** Sample standard deviation (÷ (n − 1)); 0 for one value, NaN for none. */
  readonly std: number;
  /** Finite values used. */
  readonly n: number;
  /** Values left out because they were NaN or ±∞ (e.g. runs that diverged). */
  readonly dropped: number;
}

/**
 * Mean and sample standard deviation (÷ (n − 1)) of the finite values — for a
 * few runs (seeds) drawn from a distribution, where the spread estimates run-to-
 * run variation. Non-finite values are dropped and counted; none left: NaN mean.
 */
export function sampleMeanStd(xs: ArrayLike<number>): SampleMeanStd {
  const v: number[] = [];
  for (let i = 0; i < xs.length; i++) if (Number.isFinite(xs[i])) v.push(xs[i]);
  const n = v.length,
    dropped = xs.length - n;
  if (n === 0) return { mean: NaN, std: NaN, n: 0, dropped };
  const mean = v.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std, n, dropped };
}

/**
 * Geometric mean and the sample standard deviation of log10 over the positive
 * finite values (ratios over runs that span orders of magnitude); the rest are dropped.
 */
export function sampleGeoMeanStd(xs: ArrayLike<number>): {
  geoMean: number;
  log10Std: number;
  n: number;
  dropped: number;
} {
  const logs: number[] = [];
  for (let i = 0; i < xs.length; i++) if (Number.isFinite(xs[i]) && xs[i] > 0) logs.push(Math.log10(xs[i]));
  const m = sampleMeanStd(logs);
  return { geoMean: 10 ** m.mean, log10Std: m.std, n: m.n, dropped: xs.length - m.n };
}

/** exp(mean(log x)): the average of ratios that multiply. */
export function geometricMean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += Math.log(xs[i]);
  return Math.exp(s / xs.length);
}

export function mean(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s / x.length;
}

/** The mean of x, or of the resample x[idx[0]], x[idx[1]], … (a bootstrap draw) when idx is given. */
export function meanAt(x: ArrayLike<number>, idx?: Int32Array): number {
  let s = 0;
  if (idx) {
    for (let i = 0; i < idx.length; i++) s += x[idx[i]];
    return s / idx.length;
  }
  for (let i = 0; i < x.length; i++) s += x[i];
  return s / x.length;
}

export function histogram(x: ArrayLike<number>, bins: number, lo?: number, hi?: number): Histogram {
  let a = lo ?? Infinity,
    b = hi ?? -Infinity;
  if (lo === undefined || hi === undefined) {
    for (let i = 0; i < x.length; i++) {
      if (lo === undefined && x[i] < a) a = x[i];
      if (hi === undefined && x[i] > b) b = x[i];
    }
  }
  if (!(b > a)) b = histogramRange(a, b).hi;
  const counts = new Float64Array(bins);
  const w = (b - a) / bins;
  for (let i = 0; i < x.length; i++) counts[histogramBin(x[i], a, w, bins)]++;
  return { lo: a, hi: b, counts: Array.from(counts) };
}

/** The histogram's range [lo, hi] as `histogram` takes it when both are given. */
export function histogramRange(lo: number, hi: number): { lo: number; hi: number } {
  return { lo, hi: hi > lo ? hi : lo + 1 };
}

/** The bin of x in bins of width w from lo: [lo + k·w, lo + (k+1)·w), the outer bins taking what lies beyond. */
export function histogramBin(x: number, lo: number, w: number, bins: number): number {
  let k = Math.floor((x - lo) / w);
  if (k < 0) k = 0;
  if (k >= bins) k = bins - 1;
  return k;
}

/**
 * Percentiles (0–100) by linear interpolation between order statistics, as
 * numpy's default. Above `maxSample` values a fixed stride subsample is used
 * (deterministic; the rank error is below 0.5 percentile points,
 * plenty for 15/50/85th-percentile plots).
 */
export function percentiles(x: ArrayLike<number>, ps: readonly number[], maxSample = 20_000): number[] {
  const stride = Math.max(1, Math.ceil(x.length / maxSample));
  const m = Math.ceil(x.length / stride);
  const s = new Float64Array(m);
  let nan = false;
  for (let i = 0, j = 0; i < x.length; i += stride, j++) {
    s[j] = x[i];
    if (s[j] !== s[j]) nan = true;
  }
  // Only the order statistics the interpolation reads need to be in place: a selection puts exactly the values
  // a sort would there, several times faster (the probes take two percentile sets per layer). NaN: sort.
  const ranks = new Set<number>();
  for (const p of ps) {
    const i = Math.floor((p / 100) * (m - 1));
    if (i >= 0 && i < m) ranks.add(i);
    if (i + 1 >= 0 && i + 1 < m) ranks.add(i + 1);
  }
  if (nan || !ps.every((p) => Number.isFinite(p)) || ranks.size * 64 > m) s.sort();
  else
    selectRanks(
      s,
      0,
      m - 1,
      [...ranks].sort((a, b) => a - b),
    );
  return ps.map((p) => {
    const pos = (p / 100) * (m - 1);
    const i = Math.floor(pos),
      f = pos - i;
    return i + 1 < m ? s[i] * (1 - f) + s[i + 1] * f : s[i];
  });
}

/**
 * Rearrange s[lo..hi] so that s[r] holds the value a sort would put there, for every r of `ranks` (ascending,
 * within lo..hi): quickselect (Hoare partition around the median of three) on the parts that hold a rank.
 */
function selectRanks(s: Float64Array, lo: number, hi: number, ranks: readonly number[]): void {
  while (ranks.length > 0 && hi > lo) {
    if (hi - lo < 16) {
      // Insertion sort on a short range.
      for (let i = lo + 1; i <= hi; i++) {
        const v = s[i];
        let j = i - 1;
        while (j >= lo && s[j] > v) {
          s[j + 1] = s[j];
          j--;
        }
        s[j + 1] = v;
      }
      return;
    }
    // The median of three in the middle (s[lo] ≤ s[mid] ≤ s[hi]), the pivot Hoare's scheme splits around.
    const mid = lo + ((hi - lo) >> 1);
    if (s[mid] < s[lo]) swap(s, mid, lo);
    if (s[hi] < s[lo]) swap(s, hi, lo);
    if (s[hi] < s[mid]) swap(s, hi, mid);
    const pivot = s[mid];
    let i = lo - 1,
      j = hi + 1;
    for (;;) {
      do i++;
      while (s[i] < pivot);
      do j--;
      while (s[j] > pivot);
      if (i >= j) break;
      swap(s, i, j);
    }
    // s[lo..j] ≤ pivot ≤ s[j+1..hi]: recurse into the smaller side that holds ranks, loop on the other.
    const left = ranks.filter((r) => r <= j),
      right = ranks.filter((r) => r > j);
    if (left.length > 0 && right.length > 0) {
      selectRanks(s, lo, j, left);
      lo = j + 1;
      ranks = right;
    } else if (left.length > 0) {
      hi = j;
      ranks = left;
    } else {
      lo = j + 1;
      ranks = right;
    }
  }
}

function swap(s: Float64Array, i: number, j: number): void {
  const t = s[i];
  s[i] = s[j];
  s[j] = t;
}

/** A percentile bootstrap confidence interval for a statistic of paired or unpaired samples. */
export function bootstrapInterval(
  statistic: (resample: (n: number) => Int32Array) => number,
  draws: number,
  level: number,
  next: () => number,
): { low: number; high: number } {
  const values = new Float64Array(draws);
  const resample = (n: number) => {
    const idx = new Int32Array(n);
    for (let i = 0; i < n; i++) idx[i] = Math.floor(next() * n);
    return idx;
  };
  for (let d = 0; d < draws; d++) values[d] = statistic(resample);
  const [low, high] = percentiles(values, [(100 * (1 - level)) / 2, 100 - (100 * (1 - level)) / 2], Infinity);
  return { low, high };
}

// ------------------------------------------------------------ multiplicity (Bonferroni) and the normal quantile

/**
 * Bonferroni's correction, the one the book uses for a family of m intervals
 * or tests: each is made at level 1 − (1 − level)/m, so that all m hold
 * together with probability at least `level` (by the union bound, whatever
 * their dependence). bonferroniLevel(0.95, 10) = 0.995.
 */
export function bonferroniLevel(level: number, m: number): number {
  if (!(level > 0 && level < 1)) throw new ConfigError("level", level, "a confidence level in (0, 1), e.g. 0.95");
  if (!(Number.isInteger(m) && m >= 1)) throw new ConfigError("family size m", m, "a whole number ≥ 1");
  return 1 - (1 - level) / m;
}

/** Bonferroni-adjusted p-values: min(1, m·p_k) for the m tests of a family (compare each with α). */
export function bonferroniAdjust(ps: readonly number[]): number[] {
  ps.forEach((p, k) => {
    if (!(p >= 0 && p <= 1)) throw new ConfigError(`p-value ${k}`, p, "a probability in [0, 1]");
  });
  return ps.map((p) => Math.min(1, ps.length * p));
}

/** The standard normal quantile (Acklam's rational approximation, |error| < 1.2e−9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new ConfigError("p", p, "a probability in (0, 1)");
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
  ];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const dd = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo || p > 1 - lo) {
    const q = Math.sqrt(-2 * Math.log(p < lo ? p : 1 - p));
    const x =
      (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((dd[0] * q + dd[1]) * q + dd[2]) * q + dd[3]) * q + 1);
    return p < lo ? x : -x;
  }
  const q = p - 0.5,
    r = q * q;
  return (
    ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
  );
}
