/**
 * Saturation, measured one way everywhere in the book.
 *
 * Two rules say when an entry h = f(z) of a hidden layer is saturated:
 *
 *  - near an asymptote (the question's sense): h within ε of the lower or
 *    upper asymptote, in the activation's own units — for the sigmoid
 *    h < ε or h > 1 − ε, for tanh |h| > 1 − ε. Only activations with two
 *    asymptotes have it.
 *  - flat (activation-neutral): the slope backprop multiplies by is below δ
 *    of its largest value, f'(z) / max f' < δ. Every activation has it: ReLU's
 *    off side (f' = 0) is flat, leaky ReLU's negative side (slope 0.01) is
 *    flat for δ > 0.01, a linear unit never is.
 *
 * For the sigmoid the two agree when δ = 4ε(1 − ε) (h < ε ⟺ h(1 − h) < ε(1 − ε)):
 * at ε = 0.01 the threshold sits at 3.96% of the largest slope; tanh's at ε = 0.01
 * sits at 1.99% (1 − (1 − ε)²). Comparing activations needs the flat rule.
 */
import { Activation, ActivationName, Asymptotes, activation } from "../core/activations";
import { ConfigError } from "../core/errors";
import { Histogram, histogramBin, histogramRange } from "./stats";

/** The saturation thresholds at ε: h < below is saturated low, h > above saturated high. */
export function saturationBounds(a: Asymptotes, eps: number): { below: number; above: number } {
  return { below: a.low + eps * a.lowScale, above: a.high - eps * a.highScale };
}

/** Is h within ε of an asymptote (in the activation's own units)? −1 low, +1 high, 0 neither. */
export function isSaturated(h: number, a: Asymptotes, eps: number): -1 | 0 | 1 {
  const { below, above } = saturationBounds(a, eps);
  if (h < below) return -1;
  if (h > above) return 1;
  return 0;
}

/** Is the slope at h = f(z) below δ of the activation's largest slope? */
export function isFlat(h: number, act: Activation, delta: number): boolean {
  return act.dfFromOutput(h) < delta * act.maxDerivative;
}

/** The flat threshold δ that selects the same sigmoid entries as ε: 4ε(1 − ε). */
export function sigmoidDeltaForEps(eps: number): number {
  return 4 * eps * (1 - eps);
}

export interface SaturationAt {
  readonly eps: number;
  /** Fractions of all entries near the lower / upper asymptote; total = low + high. */
  readonly low: number;
  readonly high: number;
  readonly total: number;
}

/** Fractions of entries within ε of each asymptote. */
export function saturationFraction(a: ArrayLike<number>, asym: Asymptotes, eps: number): SaturationAt {
  // isSaturated with its thresholds computed once (probes run this over every entry of every layer).
  const { below, above } = saturationBounds(asym, eps);
  let low = 0,
    high = 0;
  for (let i = 0; i < a.length; i++) {
    const h = a[i];
    if (h < below) low++;
    else if (h > above) high++;
  }
  return { eps, low: low / a.length, high: high / a.length, total: (low + high) / a.length };
}

/** Fraction of entries whose slope is below δ of the largest (the activation-neutral measure). */
export function flatFraction(a: ArrayLike<number>, act: Activation, delta: number): number {
  // isFlat with its threshold computed once.
  const limit = delta * act.maxDerivative,
    df = act.dfFromOutput;
  let flat = 0;
  for (let i = 0; i < a.length; i++) if (df(a[i]) < limit) flat++;
  return flat / a.length;
}

export interface UnitSaturation {
  readonly eps: number;
  /** Units saturated low (high) on ≥ stuckFraction of the points. */
  readonly stuckLow: number;
  readonly stuckHigh: number;
  /** Units saturated on some points but stuck on neither side. */
  readonly inputDependent: number;
  /** Units never saturated on any point. */
  readonly neverSaturated: number;
  /** Per unit, the fraction of points on which it is saturated (either side). */
  readonly perUnit: number[];
}

/** Per-unit saturation of an n × width activation matrix (row-major). */
export function unitSaturation(
  a: ArrayLike<number>,
  n: number,
  width: number,
  asym: Asymptotes,
  eps: number,
  stuckFraction: number,
): UnitSaturation {
  const low = new Int32Array(width),
    high = new Int32Array(width);
  const { below, above } = saturationBounds(asym, eps);
  for (let i = 0; i < n; i++) {
    const o = i * width;
    for (let j = 0; j < width; j++) {
      const h = a[o + j];
      if (h < below) low[j]++;
      else if (h > above) high[j]++;
    }
  }
  return unitsFromCounts(low, high, n, eps, stuckFraction);
}

/** Per-unit saturation from each unit's counts of points saturated low and high (of n). */
function unitsFromCounts(
  low: Int32Array,
  high: Int32Array,
  n: number,
  eps: number,
  stuckFraction: number,
): UnitSaturation {
  const width = low.length;
  let stuckLow = 0,
    stuckHigh = 0,
    inputDependent = 0,
    never = 0;
  const perUnit: number[] = [];
  for (let j = 0; j < width; j++) {
    perUnit.push((low[j] + high[j]) / n);
    if (low[j] >= stuckFraction * n) stuckLow++;
    else if (high[j] >= stuckFraction * n) stuckHigh++;
    else if (low[j] + high[j] === 0) never++;
    else inputDependent++;
  }
  return { eps, stuckLow, stuckHigh, inputDependent, neverSaturated: never, perUnit };
}

/**
 * ρ_B of Rakitianskaia & Engelbrecht (2015): map activations to [−1, 1],
 * bin them into B equal bins, and average |mean of a bin| weighted by the
 * bin's frequency. Near 1: saturated; near 0: activations around the middle.
 */
export function rhoB(a: ArrayLike<number>, asym: Asymptotes, bins: number): number {
  const sum = new Float64Array(bins),
    count = new Float64Array(bins);
  const span = asym.high - asym.low,
    low = asym.low;
  for (let i = 0; i < a.length; i++) {
    const g = rhoCoordinate(a[i], low, span),
      k = rhoBin(g, bins);
    sum[k] += g;
    count[k]++;
  }
  return rhoFromBins(sum, count);
}

/** An activation mapped to [−1, 1] (ρ_B's coordinate). */
function rhoCoordinate(h: number, low: number, span: number): number {
  return (2 * (h - low)) / span - 1;
}

/** ρ_B's bin of a coordinate g ∈ [−1, 1] among `bins` equal bins. */
function rhoBin(g: number, bins: number): number {
  let k = Math.floor(((g + 1) / 2) * bins);
  if (k < 0) k = 0;
  if (k >= bins) k = bins - 1;
  return k;
}

/** ρ_B from its bins' sums of coordinates and counts. */
function rhoFromBins(sum: Float64Array, count: Float64Array): number {
  const bins = sum.length;
  let num = 0,
    den = 0;
  for (let k = 0; k < bins; k++) {
    if (count[k] === 0) continue;
    num += Math.abs(sum[k] / count[k]) * count[k];
    den += count[k];
  }
  return num / den;
}

// ------------------------------------------------------------ one rule per activation, for pictures

/**
 * How an entry is classified for pictures and shares: near an asymptote for
 * activations that have two, otherwise flat (slope below δ of the largest).
 * A ReLU entry is flat exactly when h = 0; a linear unit never is.
 */
export type SaturationRule =
  | { readonly kind: "asymptotes"; readonly activation: ActivationName; readonly eps: number }
  | { readonly kind: "flat"; readonly activation: ActivationName; readonly delta: number };

/** The rule for an activation at ε: its asymptotes, or the flat rule at the sigmoid-equivalent δ = 4ε(1 − ε). */
export function saturationRule(name: ActivationName, eps: number): SaturationRule {
  if (!(eps > 0 && eps < 0.5)) throw new ConfigError("eps", eps, "a number in (0, 0.5), e.g. 0.01");
  if (activation(name).asymptotes) return { kind: "asymptotes", activation: name, eps };
  return { kind: "flat", activation: name, delta: sigmoidDeltaForEps(eps) };
}

/** −1 saturated low (flat below f(0)), +1 saturated high, 0 neither: one per entry. */
export function classifySaturation(values: ArrayLike<number>, rule: SaturationRule): Int8Array {
  const out = new Int8Array(values.length);
  const act = activation(rule.activation);
  if (rule.kind === "flat") {
    const mid = act.f(0);
    for (let i = 0; i < values.length; i++) if (isFlat(values[i], act, rule.delta)) out[i] = values[i] <= mid ? -1 : 1;
    return out;
  }
  const asym = act.asymptotes!;
  for (let i = 0; i < values.length; i++) out[i] = isSaturated(values[i], asym, rule.eps);
  return out;
}

export interface SaturatedShare {
  /** Fractions of all entries (points × units) classified low / high; total = low + high. */
  readonly low: number;
  readonly high: number;
  readonly total: number;
}

export function saturatedShare(values: ArrayLike<number>, rule: SaturationRule): SaturatedShare {
  const cls = classifySaturation(values, rule);
  let low = 0,
    high = 0;
  for (let i = 0; i < cls.length; i++) {
    if (cls[i] < 0) low++;
    else if (cls[i] > 0) high++;
  }
  const n = Math.max(1, cls.length);
  return { low: low / n, high: high / n, total: (low + high) / n };
}

// ------------------------------------------------------------ the probe's one pass over a layer

/** What a probe counts over one layer's n × width outputs a = f(z). */
export interface LayerScan {
  /** On the asymptotes' range; null without asymptotes (histogram() finds the range there). */
  readonly histogram: Histogram | null;
  /** Per ε; empty without asymptotes. */
  readonly saturation: SaturationAt[];
  /** Fraction of entries flat at δ. */
  readonly flat: number;
  /** At the first ε; null without asymptotes. */
  readonly units: UnitSaturation | null;
  /** Mean of f' over the entries. */
  readonly derivativeMean: number;
  readonly rhoB: number | null;
}

export interface LayerScanOptions {
  readonly eps: readonly number[];
  readonly delta: number;
  readonly bins: number;
  readonly rhoBins: number;
  readonly stuckFraction: number;
}

/**
 * In one pass over a layer's outputs, what saturationFraction (every ε),
 * flatFraction, unitSaturation (the first ε), rhoB, histogram (on the
 * asymptotes' range) and the mean slope compute in a pass each: the same
 * rules through the same helpers and the same sums in the same order, so the
 * same numbers (test/fast-probe.test.ts checks equality), a few times faster.
 * Probes run it on every layer of every probe set.
 */
export function scanLayer(
  a: ArrayLike<number>,
  n: number,
  width: number,
  act: Activation,
  o: LayerScanOptions,
): LayerScan {
  const N = a.length,
    df = act.dfFromOutput,
    limit = o.delta * act.maxDerivative;
  let flat = 0,
    slopes = 0;
  const asym = act.asymptotes;
  if (!asym) {
    for (let i = 0; i < N; i++) {
      const d = df(a[i]);
      slopes += d;
      if (d < limit) flat++;
    }
    return { histogram: null, saturation: [], flat: flat / N, units: null, derivativeMean: slopes / N, rhoB: null };
  }
  // The first two ε in locals (the probe's default has two), any further ones in arrays.
  const bounds = o.eps.map((e) => saturationBounds(asym, e));
  const b0 = bounds[0].below,
    a0 = bounds[0].above;
  const b1 = bounds.length > 1 ? bounds[1].below : -Infinity,
    a1 = bounds.length > 1 ? bounds[1].above : Infinity;
  let low0 = 0,
    high0 = 0,
    low1 = 0,
    high1 = 0;
  const lowAt = new Float64Array(o.eps.length),
    highAt = new Float64Array(o.eps.length);
  const unitLow = new Int32Array(width),
    unitHigh = new Int32Array(width);
  const range = histogramRange(asym.low, asym.high),
    lo = range.lo,
    w = (range.hi - range.lo) / o.bins,
    bins = o.bins,
    counts = new Float64Array(bins),
    binOf = histogramBin; // a local: a call through the module object in the loop costs more than the rest
  const span = asym.high - asym.low,
    aLow = asym.low,
    rhoBins = o.rhoBins,
    rhoSum = new Float64Array(rhoBins),
    rhoCount = new Float64Array(rhoBins);
  for (let i = 0; i < n; i++) {
    const row = i * width;
    for (let j = 0; j < width; j++) {
      const h = a[row + j];
      if (h < b0) {
        low0++;
        unitLow[j]++;
      } else if (h > a0) {
        high0++;
        unitHigh[j]++;
      }
      if (h < b1) low1++;
      else if (h > a1) high1++;
      const d = df(h);
      slopes += d;
      if (d < limit) flat++;
      counts[binOf(h, lo, w, bins)]++;
      const g = rhoCoordinate(h, aLow, span),
        k = rhoBin(g, rhoBins);
      rhoSum[k] += g;
      rhoCount[k]++;
    }
  }
  lowAt[0] = low0;
  highAt[0] = high0;
  if (bounds.length > 1) {
    lowAt[1] = low1;
    highAt[1] = high1;
  }
  for (let e = 2; e < bounds.length; e++) {
    for (let i = 0; i < N; i++) {
      if (a[i] < bounds[e].below) lowAt[e]++;
      else if (a[i] > bounds[e].above) highAt[e]++;
    }
  }
  return {
    histogram: { lo: range.lo, hi: range.hi, counts: Array.from(counts) },
    saturation: o.eps.map((eps, e) => ({
      eps,
      low: lowAt[e] / N,
      high: highAt[e] / N,
      total: (lowAt[e] + highAt[e]) / N,
    })),
    flat: flat / N,
    units: unitsFromCounts(unitLow, unitHigh, n, o.eps[0], o.stuckFraction),
    derivativeMean: slopes / N,
    rhoB: rhoFromBins(rhoSum, rhoCount),
  };
}
