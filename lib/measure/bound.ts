/**
 * The "σ' ≤ 1/4, so weights below 4 shrink the error" argument, made
 * measurable (notebook 04). Notation as in model.ts: hidden layers 1..L,
 * output layer L+1, W_l of shape [n_{l−1}, n_l] (h_l = f(h_{l−1} W_l + b_l)),
 * δ_l = ∂ℓ_i/∂z_l one example's error, δ_{L+1} = p − y at the logits.
 * With row vectors the backward recursion is
 *
 *   δ_l = f'(z_l) ⊙ (δ_{l+1} W_{l+1}ᵀ)                        (l = L, …, 1)
 *
 * hence ‖δ_l‖ ≤ c·‖W_{l+1}‖₂·‖δ_{l+1}‖ with c = max f' (1/4 for σ), and,
 * chained from the output error, ‖δ_l‖ ≤ ‖δ_{L+1}‖ ∏_{k=l+1}^{L+1} c‖W_k‖₂.
 *
 * Everything here measures: real δ by tfjs autodiff (lib/measure/deltas),
 * the recursion and the bound in float64 in plain JS, spectral norms by
 * power iteration checked against the SVD of lib/measure/svd.
 */
import { Mlp, DenseLayer, requirePlainMlp } from "../core/model";
import { Matrix, matrix, spectralNorm } from "../core/linalg";
import { ConfigError } from "../core/errors";
import { BackwardPass, backward, forwardValues, rowNorms } from "./deltas";
import type { LabelledData } from "../core/train";
import { singularValues } from "./svd";
import { geometricMean } from "./stats";

// ------------------------------------------------------------ weights

/** W_l of a layer as a float64 [nIn, nOut] matrix. */
export function weightMatrix(layer: DenseLayer): Matrix {
  return matrix(layer.nIn, layer.nOut, layer.W.dataSync());
}

export interface SpectralNormOptions {
  /** Power iterations (default 1000): the estimate approaches ‖W‖₂ from below. */
  readonly iterations?: number;
  readonly tol?: number;
}

/** ‖W_l‖₂ for l = 1..L+1 (index 0 is layer 1, the last entry the output layer). */
export function layerSpectralNorms(model: Mlp, opts: SpectralNormOptions = {}): number[] {
  return model.layers.map((l) =>
    spectralNorm(weightMatrix(l), { iterations: opts.iterations ?? 1000, tol: opts.tol ?? 1e-13 }),
  );
}

/** The largest singular value by a full SVD (one-sided Jacobi, lib/measure/svd): the reference for power iteration. */
export function spectralNormBySvd(m: Matrix): number {
  return singularValues(m)[0];
}

// ------------------------------------------------------------ one pass with real gradients

function checkRows(model: Mlp, x: ArrayLike<number>, n: number, field = "x"): void {
  const d = model.config.inputDim;
  if (!(Number.isInteger(n) && n >= 1)) throw new ConfigError("n", n, "a positive integer number of points");
  if (x.length !== n * d) throw new ConfigError(`${field}.length`, x.length, `n × inputDim = ${n * d}`);
}

/** δ of every layer on n points (lib/measure/deltas), for a plain MLP, from raw arrays. */
export function backpropPass(model: Mlp, x: Float32Array, labels: ArrayLike<number>, n: number): BackwardPass {
  requirePlainMlp(model, "the recursion δ_l = f'(z_l) ⊙ δ_{l+1}W_{l+1}ᵀ");
  checkRows(model, x, n);
  if (labels.length !== n) throw new ConfigError("labels.length", labels.length, `n = ${n}`);
  const C = model.config.outputDim;
  return backward(model, {
    name: "points",
    x,
    y: Int32Array.from(labels),
    n,
    inputDim: model.config.inputDim,
    numClasses: C,
  });
}

/** g = δ_{l+1} W_{l+1}ᵀ for n rows, float64: (n × nOut)·(nIn × nOut)ᵀ → n × nIn. */
export function backThroughWeights(deltaNext: ArrayLike<number>, W: Matrix, n: number): Float64Array {
  const { rows: nIn, cols: nOut, data } = W;
  if (deltaNext.length !== n * nOut)
    throw new ConfigError("deltaNext.length", deltaNext.length, `n × nOut = ${n * nOut}`);
  const g = new Float64Array(n * nIn);
  for (let i = 0; i < n; i++) {
    const di = i * nOut,
      gi = i * nIn;
    for (let r = 0; r < nIn; r++) {
      let s = 0;
      const wr = r * nOut;
      for (let c = 0; c < nOut; c++) s += data[wr + c] * deltaNext[di + c];
      g[gi + r] = s;
    }
  }
  return g;
}

function arithmeticMean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s / xs.length;
}

// ------------------------------------------------------------ measured vs bound

export interface BoundRow {
  /** 1..L hidden, L+1 the output (logits). */
  readonly layer: number;
  readonly width: number;
  /** ‖W_{l+1}‖₂, the matrix δ_{l+1} comes back through (null for the output row). */
  readonly normAbove: number | null;
  /** Mean over points of ‖δ_{i,l}‖ (autodiff). */
  readonly measured: number;
  /** Mean over points of the chained bound ‖δ_{i,L+1}‖ ∏_{k>l} c‖W_k‖₂. */
  readonly bound: number;
  /** bound / measured (ratio of the two means). */
  readonly ratio: number;
  /** Smallest per-point ratio bound_i / ‖δ_{i,l}‖: ≥ 1 wherever the inequality holds. */
  readonly minRatio: number;
  /** Geometric mean over points of bound_i / ‖δ_{i,l}‖. */
  readonly ratioGeo: number;
  /** One step: geometric mean of c‖W_{l+1}‖₂‖δ_{i,l+1}‖ / ‖δ_{i,l}‖ = slack × 1/alignment. */
  readonly localRatioGeo: number | null;
  /**
   * σ' slack: geometric mean of c / s_i, with s_i = ‖f'(z_l)⊙g_i‖/‖g_i‖ the
   * derivative that actually multiplies (g_i = δ_{i,l+1}W_{l+1}ᵀ). ≥ 1.
   */
  readonly slackGeo: number | null;
  /** Alignment: geometric mean of ‖g_i‖/(‖W_{l+1}‖₂‖δ_{i,l+1}‖) ∈ (0, 1]. */
  readonly alignmentGeo: number | null;
  /** Mean and max of f'(z_l) over all entries (hidden rows only). */
  readonly derivativeMean: number | null;
  readonly derivativeMax: number | null;
  /** Fraction of entries h within 0.01 of an asymptote (sigmoid: h < 0.01 or h > 0.99). */
  readonly saturation: number | null;
  /** max_i ‖δ_autodiff − δ_recursion‖ / ‖δ_autodiff‖: the recursion reproduces autodiff. */
  readonly recursionError: number | null;
}

export interface BoundReport {
  readonly n: number;
  /** Points used in the ratios (those with a nonzero error at every layer). */
  readonly used: number;
  readonly loss: number;
  readonly accuracy: number;
  /** c = max f' (1/4 for sigmoid). */
  readonly maxDerivative: number;
  /** ‖W_l‖₂ for l = 1..L+1. */
  readonly spectralNorms: number[];
  readonly rows: BoundRow[];
  /** ‖δ_{i,l}‖ per point, index 0 = layer 1 … L = the output. */
  readonly deltaNorms: Float64Array[];
}

/**
 * Measured ‖δ_l‖ against the chained bound, layer by layer, on n points, and
 * the two reasons the bound is loose (σ' < c and misalignment with the top
 * singular vector), each as a per-layer factor.
 */
export function measureBound(
  model: Mlp,
  x: Float32Array,
  labels: ArrayLike<number>,
  n: number,
  opts: SpectralNormOptions & { norms?: number[] } = {},
): BoundReport {
  const pass = backpropPass(model, x, labels, n);
  const L = model.depth;
  const c = model.act.maxDerivative;
  const norms = opts.norms ?? layerSpectralNorms(model, opts);
  if (norms.length !== L + 1) throw new ConfigError("norms.length", norms.length, `L + 1 = ${L + 1}`);
  const widths = pass.widths;
  const deltaNorms = pass.deltas.map((d, l) => rowNorms(d, n, widths[l]));
  // Points with a nonzero error everywhere (a confident float32 softmax can give exactly p = y).
  const keep: number[] = [];
  for (let i = 0; i < n; i++) if (deltaNorms.every((d) => d[i] > 0 && Number.isFinite(d[i]))) keep.push(i);
  // Chained bound per point, from the output error down.
  const bounds: Float64Array[] = new Array(L + 1);
  bounds[L] = Float64Array.from(deltaNorms[L]);
  for (let l = L - 1; l >= 0; l--) bounds[l] = bounds[l + 1].map((b) => c * norms[l + 1] * b);
  const asym = model.act.asymptotes;
  const rows: BoundRow[] = [];
  for (let l = 0; l <= L; l++) {
    const measured = arithmeticMean(deltaNorms[l]);
    const bound = arithmeticMean(bounds[l]);
    const per = keep.map((i) => bounds[l][i] / deltaNorms[l][i]);
    let extra: Pick<
      BoundRow,
      | "normAbove"
      | "localRatioGeo"
      | "slackGeo"
      | "alignmentGeo"
      | "derivativeMean"
      | "derivativeMax"
      | "saturation"
      | "recursionError"
    > = {
      normAbove: null,
      localRatioGeo: null,
      slackGeo: null,
      alignmentGeo: null,
      derivativeMean: null,
      derivativeMax: null,
      saturation: null,
      recursionError: null,
    };
    if (l < L) {
      const W = weightMatrix(model.layers[l + 1]);
      const w = widths[l];
      const zl = pass.z[l],
        al = pass.a[l];
      const fp = new Float64Array(zl.length);
      let dsum = 0,
        dmax = 0,
        sat = 0;
      for (let k = 0; k < zl.length; k++) {
        const v = model.act.df(zl[k]);
        fp[k] = v;
        dsum += v;
        if (v > dmax) dmax = v;
        if (asym && (al[k] < asym.low + 0.01 * asym.lowScale || al[k] > asym.high - 0.01 * asym.highScale)) sat++;
      }
      const g = backThroughWeights(pass.deltas[l + 1], W, n);
      const gNorm = rowNorms(g, n, w);
      const rec = g.map((v, k) => v * fp[k]);
      const recNorm = rowNorms(rec, n, w);
      let recErr = 0;
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < w; j++) s += (rec[i * w + j] - pass.deltas[l][i * w + j]) ** 2;
        if (deltaNorms[l][i] > 0) recErr = Math.max(recErr, Math.sqrt(s) / deltaNorms[l][i]);
      }
      const local = keep.map((i) => (c * norms[l + 1] * deltaNorms[l + 1][i]) / deltaNorms[l][i]);
      const slack = keep.map((i) => c / (recNorm[i] / gNorm[i]));
      const align = keep.map((i) => gNorm[i] / (norms[l + 1] * deltaNorms[l + 1][i]));
      extra = {
        normAbove: norms[l + 1],
        localRatioGeo: geometricMean(local),
        slackGeo: geometricMean(slack),
        alignmentGeo: geometricMean(align),
        derivativeMean: dsum / zl.length,
        derivativeMax: dmax,
        saturation: asym ? sat / zl.length : null,
        recursionError: recErr,
      };
    }
    rows.push({
      layer: l + 1,
      width: widths[l],
      measured,
      bound,
      ratio: bound / measured,
      minRatio: per.length ? Math.min(...per) : NaN,
      ratioGeo: per.length ? geometricMean(per) : NaN,
      ...extra,
    });
  }
  return {
    n,
    used: keep.length,
    loss: pass.loss,
    accuracy: pass.accuracy,
    maxDerivative: c,
    spectralNorms: norms,
    rows,
    deltaNorms,
  };
}

/** Geometric mean over points of ‖δ_{i,from}‖ / ‖δ_{i,to}‖ (layers 1-based; L+1 is the output). */
export function deltaRatio(report: BoundReport, from: number, to: number): number {
  const a = report.deltaNorms[from - 1],
    b = report.deltaNorms[to - 1];
  if (!a || !b) throw new ConfigError("layers", [from, to], `indices in 1..${report.deltaNorms.length}`);
  const r: number[] = [];
  for (let i = 0; i < a.length; i++) if (a[i] > 0 && b[i] > 0) r.push(a[i] / b[i]);
  return r.length ? geometricMean(r) : NaN;
}

// ------------------------------------------------------------ the mean-field factor χ₁

export interface ChiRow {
  /** Hidden layer l (1-based). */
  readonly layer: number;
  /**
   * σ_w² of W_l: n_{l−1}·E[w²] = ‖W_l‖_F²/n_l, the mean squared singular value of δ ↦ δW_lᵀ
   * over directions (g² for orthogonal × g; ≈ n·Var(w) for i.i.d. zero-mean entries).
   */
  readonly weightVariance: number;
  /** E[f'(z_l)²] over the points and the layer's units. */
  readonly derivativeMeanSquare: number;
  /** χ₁,l = weightVariance × derivativeMeanSquare. */
  readonly chi: number;
}

/**
 * The mean-field factor of each hidden layer, χ₁,l = σ_w² · E[f'(z_l)²], on
 * the network's own pre-activations z_l at the points. Mean-field theory
 * (Poole et al. 2016; Schoenholz et al. 2017) defines χ₁ = σ_w² ∫Dz [φ'(√q* z)]²
 * for wide networks with i.i.d. N(0, σ_w²/N) weights, z Gaussian at the fixed
 * point q* of the pre-activation variance; here the expectation is the
 * empirical one and σ_w² is read off W_l. For W_l = g × orthogonal (square),
 * χ₁,l is exactly the mean squared singular value of diag(f'(z_l))W_lᵀ,
 * averaged over the points.
 */
export function meanFieldChi(model: Mlp, points: LabelledData): ChiRow[] {
  requirePlainMlp(model, "χ₁ = σ_w²·E[f'(z)²] per layer");
  const fv = forwardValues(model, points);
  return model.hidden.map((layer, l) => {
    const W = layer.W.dataSync();
    let w2 = 0;
    for (let k = 0; k < W.length; k++) w2 += W[k] * W[k];
    const z = fv.z[l];
    let d2 = 0;
    for (let k = 0; k < z.length; k++) d2 += model.act.df(z[k]) ** 2;
    const weightVariance = w2 / layer.nOut,
      derivativeMeanSquare = d2 / z.length;
    return { layer: l + 1, weightVariance, derivativeMeanSquare, chi: weightVariance * derivativeMeanSquare };
  });
}
