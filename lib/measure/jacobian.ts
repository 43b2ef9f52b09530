/**
 * Jacobians of the hidden layers, in float64 from the float32 forward pass:
 *
 *   J = ∂h_to/∂h_from = ∏_{k=to}^{from+1} diag(f'(z_k)) W_kᵀ     (from = 0: the input x)
 *
 * the linear map that carries a perturbation of layer `from` to layer `to`,
 * and (transposed) an error from `to` back to `from`. Dynamical isometry
 * (Pennington, Schoenholz & Ganguli 2017) means all its singular values are
 * near 1. One implementation: every spectrum in the book comes from
 * hiddenJacobian and the one-sided Jacobi SVD of lib/measure/svd.
 */
import * as tf from "@tensorflow/tfjs";
import { Mlp, requirePlainMlp } from "../core/model";
import { Matrix, matrix } from "../core/linalg";
import { scoped } from "../core/scope";
import { ConfigError } from "../core/errors";
import { SpectrumStats, meanSquaredSingularValue, singularValues, spectrumStats } from "./svd";
import { mean } from "./stats";

function checkRows(model: Mlp, x: ArrayLike<number>, n: number): void {
  const d = model.config.inputDim;
  if (!(Number.isInteger(n) && n >= 1)) throw new ConfigError("n", n, "a positive integer number of points");
  if (x.length !== n * d) throw new ConfigError("x.length", x.length, `n × inputDim = ${n * d}`);
}

/** f'(z_k) of every hidden layer for n points (float32 forward pass, eval mode). */
export function derivatives(model: Mlp, x: Float32Array, n: number): Float64Array[] {
  requirePlainMlp(model, "a Jacobian product");
  checkRows(model, x, n);
  const zs = scoped(() => {
    const tr = model.forward(tf.tensor2d(x, [n, model.config.inputDim]), { training: false });
    return tr.z.map((t) => t.dataSync() as Float32Array);
  });
  return zs.map((z) => Float64Array.from(z, (v) => model.act.df(v)));
}

/**
 * J = ∂h_to/∂h_from at point `i` of the derivative arrays `fp` (from
 * derivatives()), in float64: ∏_{k=to}^{from+1} diag(f'(z_k)) W_kᵀ.
 * Layers are 1-based hidden indices; from = 0 means the input x.
 * Rows: units of layer `to`; columns: units of layer `from`.
 */
export function hiddenJacobian(model: Mlp, fp: Float64Array[], i: number, from: number, to: number): Matrix {
  requirePlainMlp(model, "a Jacobian product");
  const L = model.depth;
  if (!(Number.isInteger(from) && Number.isInteger(to) && from >= 0 && to > from && to <= L)) {
    throw new ConfigError("from/to", [from, to], `integers with 0 ≤ from < to ≤ ${L}`);
  }
  const dimFrom = from === 0 ? model.config.inputDim : model.hidden[from - 1].nOut;
  // J starts as the identity on layer `from` and is multiplied from the left.
  let rows = dimFrom,
    J = new Float64Array(dimFrom * dimFrom);
  for (let d = 0; d < dimFrom; d++) J[d * dimFrom + d] = 1;
  let first = true;
  for (let k = from + 1; k <= to; k++) {
    const layer = model.hidden[k - 1];
    const W = layer.W.dataSync();
    const nIn = layer.nIn,
      nOut = layer.nOut;
    const f = fp[k - 1].subarray(i * nOut, (i + 1) * nOut);
    const next = new Float64Array(nOut * dimFrom);
    if (first) {
      // diag(f') Wᵀ: next[o][c] = f'_o W[c][o].
      for (let o = 0; o < nOut; o++) for (let cc = 0; cc < nIn; cc++) next[o * dimFrom + cc] = f[o] * W[cc * nOut + o];
      first = false;
    } else {
      for (let r = 0; r < nIn; r++) {
        const jr = r * dimFrom;
        for (let o = 0; o < nOut; o++) {
          const w = W[r * nOut + o];
          if (w === 0) continue;
          const no = o * dimFrom;
          for (let cc = 0; cc < dimFrom; cc++) next[no + cc] += w * J[jr + cc];
        }
      }
      for (let o = 0; o < nOut; o++) {
        const no = o * dimFrom;
        for (let cc = 0; cc < dimFrom; cc++) next[no + cc] *= f[o];
      }
    }
    J = next;
    rows = nOut;
  }
  return { rows, cols: dimFrom, data: J };
}

export interface JacobianSpectra {
  /** Singular values of ∂h_to/∂h_from at each point. */
  readonly perPoint: Float64Array[];
  /** All points' singular values together. */
  readonly pooled: Float64Array;
  readonly stats: SpectrumStats;
}

/** Spectra of ∂h_to/∂h_from at each of n points (float64 Jacobian, one-sided Jacobi SVD). */
export function jacobianSpectra(model: Mlp, x: Float32Array, n: number, from: number, to: number): JacobianSpectra {
  const fp = derivatives(model, x, n);
  const perPoint: Float64Array[] = [];
  for (let i = 0; i < n; i++) perPoint.push(singularValues(hiddenJacobian(model, fp, i, from, to)));
  const pooled = new Float64Array(perPoint.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of perPoint) {
    pooled.set(p, o);
    o += p.length;
  }
  return { perPoint, pooled, stats: spectrumStats(pooled) };
}

/** Mean over n points of the mean squared singular value of ∂h_to/∂h_from (no SVD: cheap, for gain searches). */
export function jacobianMeanSquared(model: Mlp, x: Float32Array, n: number, from: number, to: number): number {
  const fp = derivatives(model, x, n);
  let s = 0;
  for (let i = 0; i < n; i++) s += meanSquaredSingularValue(hiddenJacobian(model, fp, i, from, to));
  return s / n;
}

export interface LayerJacobianRow {
  readonly layer: number;
  /** Mean singular value of J_l = diag(f'(z_l)) W_lᵀ, averaged over the points. */
  readonly meanSingularValue: number;
  /** Mean of f'(z_l) over units and points. */
  readonly meanDerivative: number;
  /** Largest f'(z_l) over units and points. */
  readonly maxDerivative: number;
  /** Mean singular value of W_l itself. */
  readonly weightMeanSingularValue: number;
}

/**
 * Glorot & Bengio's layer Jacobians J_l = ∂h_l/∂h_{l−1} = diag(f'(z_l)) W_lᵀ
 * for l = firstLayer..L: per layer, the mean singular value averaged over n
 * points, next to that of W_l alone (σ_k(DWᵀ) ≤ max|D|·σ_k(W) for every k).
 */
export function layerJacobianMeanSingularValues(
  model: Mlp,
  x: Float32Array,
  n: number,
  firstLayer = 2,
): LayerJacobianRow[] {
  const fp = derivatives(model, x, n);
  const out: LayerJacobianRow[] = [];
  for (let l = Math.max(1, firstLayer); l <= model.depth; l++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += spectrumStats(singularValues(hiddenJacobian(model, fp, i, l - 1, l))).mean;
    let dmax = 0;
    for (const v of fp[l - 1]) if (v > dmax) dmax = v;
    out.push({
      layer: l,
      meanSingularValue: s / n,
      meanDerivative: mean(fp[l - 1]),
      maxDerivative: dmax,
      weightMeanSingularValue: spectrumStats(
        singularValues(matrix(model.hidden[l - 1].nIn, model.hidden[l - 1].nOut, model.hidden[l - 1].W.dataSync())),
      ).mean,
    });
  }
  return out;
}

/**
 * The mean singular value of an n × n matrix with i.i.d. entries of variance v
 * for large n: √(n v) · 8/(3π) (quarter-circle law of √n-scaled square
 * random matrices, whose singular values have density √(4 − s²)/π on [0, 2]).
 */
export function quarterCircleMeanSingularValue(nTimesVariance: number): number {
  return Math.sqrt(nTimesVariance) * (8 / (3 * Math.PI));
}

export interface JacobianSpectrum {
  /** Rows: units of layer `toLayer`; columns: input dimensions. Row-major. */
  readonly jacobian: Float64Array;
  readonly rows: number;
  readonly cols: number;
  /** Singular values, descending (min(rows, cols) of them). */
  readonly singularValues: Float64Array;
  /** Mean of σ², i.e. ‖J‖_F² / min(rows, cols). */
  readonly meanSquared: number;
}

/** J = ∂h_to/∂x of one input x (to: a hidden layer, default the top), with its singular values. */
export function inputOutputJacobian(model: Mlp, x: ArrayLike<number>, toLayer = model.depth): JacobianSpectrum {
  const d = model.config.inputDim;
  if (x.length !== d) throw new ConfigError("jacobian input length", x.length, `the model's inputDim (${d})`);
  if (!(Number.isInteger(toLayer) && toLayer >= 1 && toLayer <= model.depth)) {
    throw new ConfigError("toLayer", toLayer, `a hidden layer index in 1..${model.depth}`);
  }
  const J = hiddenJacobian(model, derivatives(model, Float32Array.from(x), 1), 0, 0, toLayer);
  const sv = singularValues(J);
  return {
    jacobian: J.data as Float64Array,
    rows: J.rows,
    cols: J.cols,
    singularValues: sv,
    meanSquared: meanSquaredSingularValue(J),
  };
}
