/**
 * Probes: what the hidden layers look like on a fixed set of points.
 * One forward and one backward pass over the probe set (tfjs, or the fast
 * kernel when train() hands its weights over), then plain JS statistics on
 * the downloaded activations. Notation as in model.ts:
 * z_l pre-activation, a_l = f(z_l) (the h_{i,l} of the question),
 * δ_l = ∂ℓ_i/∂z_l the backpropagated error of one example's loss.
 */
import { Mlp } from "../core/model";
import { SaturationAt, UnitSaturation, scanLayer, sigmoidDeltaForEps } from "./saturation";
import { Histogram, histogram, meanStd, percentiles } from "./stats";
import { frobeniusNorm } from "../core/linalg";
import { ConfigError } from "../core/errors";
import { BackwardPass, ForwardValues, backward, forwardValues, meanRowNorm } from "./deltas";
import type { LabelledData } from "../core/train";
import type { FastPasses } from "../core/fast/probe";

/** The points a probe looks at: rows of x (n × inputDim) with labels. */
export type ProbePoints = LabelledData;

export interface ProbeOptions {
  /** Saturation thresholds; the first is the one used for per-unit counts. */
  readonly eps?: readonly number[];
  readonly bins?: number;
  readonly percentiles?: readonly number[];
  /** A unit is "stuck" if saturated (on one side) on at least this fraction of the points. */
  readonly stuckFraction?: number;
  /** Bins of the Rakitianskaia–Engelbrecht measure ρ_B. */
  readonly rhoBins?: number;
  /** Skip the backward pass (δ and weight-gradient norms). */
  readonly gradients?: boolean;
  /** The model's weights in the fast kernel (train() hands them to `observe` on the fast path): the passes run there. */
  readonly fast?: FastPasses | null;
}

export const DEFAULT_EPS = [0.01, 0.05] as const;
export const DEFAULT_PERCENTILES = [1, 5, 15, 50, 85, 95, 99] as const;

export interface LayerProbe {
  readonly layer: number;
  readonly width: number;
  readonly mean: number;
  readonly std: number;
  readonly percentiles: number[];
  readonly histogram: Histogram;
  /** Empty for activations without two asymptotes (relu, linear). */
  readonly saturation: SaturationAt[];
  /**
   * The activation-neutral measure: the fraction of entries whose slope is below δ of
   * the largest, f'(z)/max f' < δ, at δ = 4ε(1 − ε) for the first ε (the same entries
   * as ε for the sigmoid). Defined for every activation, so activations compare.
   */
  readonly flat: { readonly delta: number; readonly total: number };
  readonly units: UnitSaturation | null;
  /** Mean of f'(z_l) over all entries: the diagonal that backprop multiplies by. */
  readonly derivativeMean: number;
  readonly preActivation: { readonly mean: number; readonly std: number; readonly percentiles: number[] };
  /** Rakitianskaia & Engelbrecht 2015 saturation measure ρ_B ∈ [0, 1]; null if unbounded. */
  readonly rhoB: number | null;
  /** Mean over points of ‖δ_{i,l}‖₂. */
  readonly deltaNorm: number | null;
  /** ‖∂L/∂W_l‖_F for the mean loss over the probe set. */
  readonly weightGradNorm: number | null;
  readonly weightNorm: number;
  /** weightGradNorm / weightNorm. */
  readonly gradToData: number | null;
}

export interface ProbeSnapshot {
  readonly set: string;
  readonly n: number;
  readonly loss: number;
  readonly accuracy: number;
  readonly layers: LayerProbe[];
  /** The output layer L+1: its δ is the softmax error p − y. */
  readonly output: {
    readonly deltaNorm: number | null;
    readonly weightGradNorm: number | null;
    readonly weightNorm: number;
  };
}

/** Run every probe on a set of points (eval mode: batch norm uses its moving statistics). */
export function probe(model: Mlp, points: ProbePoints, opts: ProbeOptions = {}): ProbeSnapshot {
  checkPoints(model, points);
  const eps = opts.eps ?? DEFAULT_EPS;
  const ps = opts.percentiles ?? DEFAULT_PERCENTILES;
  const withGrads = opts.gradients ?? true;
  // δ and weight gradients need the backward pass; the rest only the forward one.
  const pass: ForwardValues & Partial<BackwardPass> = withGrads
    ? backward(model, points, { weightGrads: true, fast: opts.fast })
    : forwardValues(model, points, { fast: opts.fast });
  const weights = model.layers.map((l) => l.W.dataSync() as Float32Array);
  const bins = opts.bins ?? 50,
    delta = sigmoidDeltaForEps(eps[0]);
  const layers = model.hidden.map((layer, i): LayerProbe => {
    const a = pass.a[i],
      z = pass.z[i],
      width = layer.nOut;
    const [{ mean, std }, pre] = meanStdOfTwo(a, z);
    // The counts of this layer in one pass (saturation.ts's scanLayer: the same rules as its one-pass-each functions).
    const scan = scanLayer(a, points.n, width, model.act, {
      eps,
      delta,
      bins,
      rhoBins: opts.rhoBins ?? 10,
      stuckFraction: opts.stuckFraction ?? 0.99,
    });
    const weightNorm = frobeniusNorm(weights[i]);
    const gradNorm = pass.weightGradNorms ? pass.weightGradNorms[i] : null;
    return {
      layer: layer.index,
      width,
      mean,
      std,
      percentiles: percentiles(a, ps),
      histogram: scan.histogram ?? histogram(a, bins),
      saturation: scan.saturation,
      flat: { delta, total: scan.flat },
      units: scan.units,
      derivativeMean: scan.derivativeMean,
      preActivation: { mean: pre.mean, std: pre.std, percentiles: percentiles(z, ps) },
      rhoB: scan.rhoB,
      deltaNorm: pass.deltas ? meanRowNorm(pass.deltas[i], points.n, width) : null,
      weightGradNorm: gradNorm,
      weightNorm,
      gradToData: gradNorm === null ? null : gradNorm / weightNorm,
    };
  });
  const L = model.hidden.length;
  return {
    set: points.name,
    n: points.n,
    loss: pass.loss,
    accuracy: pass.accuracy,
    layers,
    output: {
      deltaNorm: pass.deltas ? meanRowNorm(pass.deltas[L], points.n, model.output.nOut) : null,
      weightGradNorm: pass.weightGradNorms ? pass.weightGradNorms[L] : null,
      weightNorm: frobeniusNorm(weights[L]),
    },
  };
}

/**
 * stats.meanStd of two arrays of one length (a layer's a and z) in the same two passes: the same sums in the
 * same order, so the same numbers, with two independent addition chains per loop (the probes' hot path).
 */
function meanStdOfTwo(x: ArrayLike<number>, y: ArrayLike<number>): [MeanStd, MeanStd] {
  const n = x.length;
  if (y.length !== n) return [meanStd(x), meanStd(y)];
  let sx = 0,
    sy = 0;
  for (let i = 0; i < n; i++) {
    sx += x[i];
    sy += y[i];
  }
  const mx = sx / n,
    my = sy / n;
  let qx = 0,
    qy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx,
      dy = y[i] - my;
    qx += dx * dx;
    qy += dy * dy;
  }
  return [
    { mean: mx, std: Math.sqrt(qx / n) },
    { mean: my, std: Math.sqrt(qy / n) },
  ];
}

type MeanStd = { mean: number; std: number };

/** Mean of f' over entries, given a function of z or (cheaper) of a = f(z). */
export function derivativeMean(v: ArrayLike<number>, df: (v: number) => number): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += df(v[i]);
  return s / v.length;
}

function checkPoints(model: Mlp, p: ProbePoints): void {
  if (p.n < 1) throw new ConfigError("probe points", p.n, "at least one point");
  if (p.inputDim !== model.config.inputDim) {
    throw new ConfigError("probe points inputDim", p.inputDim, `${model.config.inputDim} (the model's inputDim)`);
  }
  if (p.x.length !== p.n * p.inputDim)
    throw new ConfigError("probe points x length", p.x.length, `n × inputDim = ${p.n * p.inputDim}`);
}
