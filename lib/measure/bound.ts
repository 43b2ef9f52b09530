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
 * Everything here measures: real δ by tfjs autodiff, the recursion and the
 * bound in float64 in plain JS, spectral norms by power iteration, and
 * Jacobians (∂h_to/∂h_from = ∏ diag(f'(z_k)) W_kᵀ) in float64.
 */
import * as tf from "@tensorflow/tfjs";
import { Mlp, DenseLayer } from "../core/model";
import { ActivationName, activation } from "../core/activations";
import { Matrix, matrix, singularValues, spectralNorm } from "../core/linalg";
import { scoped } from "../core/scope";
import { ConfigError } from "../core/errors";
import { crossEntropy, oneHot } from "../core/loss";
import { projectRoot } from "../core/paths";
import * as fs from "fs";
import * as path from "path";

// ------------------------------------------------------------ scalar facts

export const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));
/** σ'(z) = σ(z)(1 − σ(z)), in float64. */
export const sigmoidDerivative = (z: number): number => {
  const s = sigmoid(z);
  return s * (1 - s);
};
/** tanh'(z) = 1 − tanh²(z). */
export const tanhDerivative = (z: number): number => 1 - Math.tanh(z) ** 2;

/**
 * Where σ' equals `level` (0 < level ≤ 1/4): σ(1 − σ) = level gives
 * σ = (1 ± √(1 − 4·level))/2 and z = ±ln(σ/(1 − σ)). Below the level for |z| > z.
 */
export function sigmoidDerivativeLevel(level: number): { hLow: number; hHigh: number; z: number } {
  if (!(level > 0 && level <= 0.25)) throw new ConfigError("level", level, "a number in (0, 1/4]");
  const r = Math.sqrt(1 - 4 * level);
  const hHigh = (1 + r) / 2, hLow = (1 - r) / 2;
  return { hLow, hHigh, z: Math.log(hHigh / hLow) };
}

/** f'(z) by tfjs autodiff of the activation's op, in float32 (to check against the closed form). */
export function activationGradient(name: ActivationName, z: ArrayLike<number>): Float32Array {
  const act = activation(name);
  return scoped(() => tf.grad((t: tf.Tensor) => tf.sum(act.apply(t)))(tf.tensor1d(Float32Array.from(z))).dataSync() as Float32Array);
}

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
  return model.layers.map((l) => spectralNorm(weightMatrix(l), { iterations: opts.iterations ?? 1000, tol: opts.tol ?? 1e-13 }));
}

/** The largest singular value by a full SVD (Jacobi on the Gram matrix): the reference for power iteration. */
export function spectralNormBySvd(m: Matrix): number {
  return singularValues(m)[0];
}

// ------------------------------------------------------------ one pass with real gradients

export interface BackpropPass {
  readonly n: number;
  /** Units per layer: hidden 1..L, then the output L+1. */
  readonly widths: number[];
  /** Pre-activations and activations of hidden layers 1..L (n × width, row-major). */
  readonly z: Float32Array[];
  readonly a: Float32Array[];
  /** δ_l = ∂ℓ_i/∂z_l for l = 1..L+1, by tfjs autodiff of Σ_i ℓ_i (row i is example i's δ). */
  readonly deltas: Float32Array[];
  /** Mean cross-entropy and accuracy on these points. */
  readonly loss: number;
  readonly accuracy: number;
}

function checkPlain(model: Mlp): void {
  if (model.config.batchNorm || model.config.residual) {
    throw new ConfigError("model", "a network with batch norm or residual connections", "a plain MLP (the recursion δ_l = f'(z_l) ⊙ δ_{l+1}W_{l+1}ᵀ assumes one)");
  }
}

function checkRows(model: Mlp, x: ArrayLike<number>, n: number, field = "x"): void {
  const d = model.config.inputDim;
  if (!(Number.isInteger(n) && n >= 1)) throw new ConfigError("n", n, "a positive integer number of points");
  if (x.length !== n * d) throw new ConfigError(`${field}.length`, x.length, `n × inputDim = ${n * d}`);
}

/**
 * Forward and backward pass on n points: δ of every layer by autodiff (a zero
 * shift s_l added to z_l has gradient δ_l; the loss is the sum over points, so
 * row i is ∂ℓ_i/∂z_{i,l}).
 */
export function backpropPass(model: Mlp, x: Float32Array, labels: ArrayLike<number>, n: number): BackpropPass {
  checkPlain(model);
  checkRows(model, x, n);
  if (labels.length !== n) throw new ConfigError("labels.length", labels.length, `n = ${n}`);
  const C = model.output.nOut;
  return scoped(() => {
    const xs = tf.tensor2d(x, [n, model.config.inputDim]);
    const y = oneHot(labels, C);
    const shifts = [...model.hidden.map((l) => tf.zeros([n, l.nOut])), tf.zeros([n, C])];
    let z: tf.Tensor[] = [], a: tf.Tensor[] = [], logits: tf.Tensor = xs;
    const f = (...s: tf.Tensor[]) => {
      const tr = model.forward(xs, { training: false, zShift: s.slice(0, model.depth) });
      z = tr.z.map((t) => tf.keep(t));
      a = tr.a.map((t) => tf.keep(t));
      logits = tf.keep(tr.logits.add(s[model.depth]));
      return tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(logits)))) as tf.Scalar;
    };
    const grads = tf.grads(f)(shifts);
    const deltas = grads.map((g) => g.dataSync() as Float32Array);
    const loss = crossEntropy(logits as tf.Tensor2D, y).dataSync()[0];
    const pred = tf.argMax(logits, 1).dataSync();
    let correct = 0;
    for (let i = 0; i < n; i++) if (pred[i] === labels[i]) correct++;
    const out: BackpropPass = {
      n,
      widths: [...model.hidden.map((l) => l.nOut), C],
      z: z.map((t) => t.dataSync() as Float32Array),
      a: a.map((t) => t.dataSync() as Float32Array),
      deltas,
      loss,
      accuracy: correct / n,
    };
    [...z, ...a, logits].forEach((t) => t.dispose());
    return out;
  });
}

/** g = δ_{l+1} W_{l+1}ᵀ for n rows, float64: (n × nOut)·(nIn × nOut)ᵀ → n × nIn. */
export function backThroughWeights(deltaNext: ArrayLike<number>, W: Matrix, n: number): Float64Array {
  const { rows: nIn, cols: nOut, data } = W;
  if (deltaNext.length !== n * nOut) throw new ConfigError("deltaNext.length", deltaNext.length, `n × nOut = ${n * nOut}`);
  const g = new Float64Array(n * nIn);
  for (let i = 0; i < n; i++) {
    const di = i * nOut, gi = i * nIn;
    for (let r = 0; r < nIn; r++) {
      let s = 0;
      const wr = r * nOut;
      for (let c = 0; c < nOut; c++) s += data[wr + c] * deltaNext[di + c];
      g[gi + r] = s;
    }
  }
  return g;
}

/** One step of the recursion: δ_l = f'(z_l) ⊙ (δ_{l+1} W_{l+1}ᵀ), float64. */
export function backpropStep(deltaNext: ArrayLike<number>, W: Matrix, fprime: ArrayLike<number>, n: number): Float64Array {
  const g = backThroughWeights(deltaNext, W, n);
  if (fprime.length !== g.length) throw new ConfigError("fprime.length", fprime.length, `n × nIn = ${g.length}`);
  for (let k = 0; k < g.length; k++) g[k] *= fprime[k];
  return g;
}

/** Euclidean norm of each of n rows. */
export function rowNorms(m: ArrayLike<number>, n: number, cols: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s += m[i * cols + j] ** 2;
    out[i] = Math.sqrt(s);
  }
  return out;
}

export function geometricMean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += Math.log(xs[i]);
  return Math.exp(s / xs.length);
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
export function measureBound(model: Mlp, x: Float32Array, labels: ArrayLike<number>, n: number, opts: SpectralNormOptions & { norms?: number[] } = {}): BoundReport {
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
    let extra: Pick<BoundRow, "normAbove" | "localRatioGeo" | "slackGeo" | "alignmentGeo" | "derivativeMean" | "derivativeMax" | "saturation" | "recursionError"> = {
      normAbove: null, localRatioGeo: null, slackGeo: null, alignmentGeo: null, derivativeMean: null, derivativeMax: null, saturation: null, recursionError: null,
    };
    if (l < L) {
      const W = weightMatrix(model.layers[l + 1]);
      const w = widths[l];
      const zl = pass.z[l], al = pass.a[l];
      const fp = new Float64Array(zl.length);
      let dsum = 0, dmax = 0, sat = 0;
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
  return { n, used: keep.length, loss: pass.loss, accuracy: pass.accuracy, maxDerivative: c, spectralNorms: norms, rows, deltaNorms };
}

/** Geometric mean over points of ‖δ_{i,from}‖ / ‖δ_{i,to}‖ (layers 1-based; L+1 is the output). */
export function deltaRatio(report: BoundReport, from: number, to: number): number {
  const a = report.deltaNorms[from - 1], b = report.deltaNorms[to - 1];
  if (!a || !b) throw new ConfigError("layers", [from, to], `indices in 1..${report.deltaNorms.length}`);
  const r: number[] = [];
  for (let i = 0; i < a.length; i++) if (a[i] > 0 && b[i] > 0) r.push(a[i] / b[i]);
  return r.length ? geometricMean(r) : NaN;
}

// ------------------------------------------------------------ networks with prescribed spectral norms

export interface PrescribedNetOptions {
  readonly inputDim: number;
  readonly width: number;
  /** Hidden layers. */
  readonly depth: number;
  /** ‖W_l‖₂ of every hidden layer (all singular values equal it: orthogonal × gain). */
  readonly gain: number;
  readonly activation: ActivationName;
  readonly seed: number;
  readonly outputDim?: number;
  /** ‖W_{L+1}‖₂ of the output layer (default 1), kept apart so logits stay finite at big gains. */
  readonly outputGain?: number;
}

/** An MLP whose hidden weight matrices are gain × (orthonormal columns or rows): every singular value is `gain`. */
export function prescribedNet(o: PrescribedNetOptions): Mlp {
  const model = new Mlp({
    inputDim: o.inputDim,
    widths: Array.from({ length: o.depth }, () => o.width),
    outputDim: o.outputDim ?? 10,
    activation: o.activation,
    init: { name: "orthogonal", gain: o.gain },
    seed: o.seed,
  });
  const scale = (o.outputGain ?? 1) / o.gain;
  tf.tidy(() => model.output.W.assign(model.output.W.mul(scale)));
  return model;
}

/**
 * A one-parameter family of one network: returns set(gain), which makes every
 * hidden W_l equal to gain × its value at the time of the call (biases and the
 * output layer untouched). For orthogonal inits at gain 1 that gives ‖W_l‖₂ =
 * gain without drawing new matrices, which is what a gain search needs.
 */
export function hiddenGainSetter(model: Mlp): (gain: number) => void {
  const base = model.hidden.map((l) => l.W.dataSync().slice() as Float32Array);
  return (gain: number) => {
    if (!(Number.isFinite(gain) && gain > 0)) throw new ConfigError("gain", gain, "a positive finite number");
    model.hidden.forEach((l, k) => tf.tidy(() => l.W.assign(tf.tensor2d(base[k].map((v) => v * gain), [l.nIn, l.nOut]))));
  };
}

/**
 * Set each hidden bias so that z_l has zero mean over the points x (layer by
 * layer, in order): b_l = −mean_i (h_{i,l−1} W_l). For a sigmoid net this
 * removes the offset that σ's mean of 1/2 feeds into the next layer.
 */
export function centerBiases(model: Mlp, x: Float32Array, n: number): void {
  checkPlain(model);
  checkRows(model, x, n);
  tf.tidy(() => {
    let h: tf.Tensor2D = tf.tensor2d(x, [n, model.config.inputDim]);
    for (const layer of model.hidden) {
      const u = tf.matMul(h, layer.W);
      const b = tf.neg(tf.mean(u, 0));
      (layer.b as tf.Variable).assign(b);
      h = model.act.apply(u.add(b)) as tf.Tensor2D;
    }
  });
}

// ------------------------------------------------------------ Jacobians

/** f'(z_k) of every hidden layer for n points (float32 forward pass, eval mode). */
export function derivatives(model: Mlp, x: Float32Array, n: number): Float64Array[] {
  checkPlain(model);
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
  checkPlain(model);
  const L = model.depth;
  if (!(Number.isInteger(from) && Number.isInteger(to) && from >= 0 && to > from && to <= L)) {
    throw new ConfigError("from/to", [from, to], `integers with 0 ≤ from < to ≤ ${L}`);
  }
  const dimFrom = from === 0 ? model.config.inputDim : model.hidden[from - 1].nOut;
  // J starts as the identity on layer `from` and is multiplied from the left.
  let rows = dimFrom, J = new Float64Array(dimFrom * dimFrom);
  for (let d = 0; d < dimFrom; d++) J[d * dimFrom + d] = 1;
  let first = true;
  for (let k = from + 1; k <= to; k++) {
    const layer = model.hidden[k - 1];
    const W = layer.W.dataSync();
    const nIn = layer.nIn, nOut = layer.nOut;
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

/**
 * Singular values (descending) by one-sided Jacobi (Hestenes) on the columns
 * of A or Aᵀ, whichever has fewer columns. Unlike the Gram route it keeps
 * singular values far below the largest accurate (to ~1e-15 × σ_max), which
 * matters for deep products whose spectra span many decades.
 */
export function singularValuesJacobi(a: Matrix, tol = 1e-15, maxSweeps = 60): Float64Array {
  // Work on columns of B (m × k, k ≤ m), stored column-major.
  const tall = a.rows >= a.cols;
  const m = tall ? a.rows : a.cols, k = tall ? a.cols : a.rows;
  const B = new Float64Array(m * k);
  for (let r = 0; r < a.rows; r++)
    for (let c = 0; c < a.cols; c++) {
      const v = a.data[r * a.cols + c];
      if (tall) B[c * m + r] = v;
      else B[r * m + c] = v;
    }
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let rotated = false;
    for (let p = 0; p < k - 1; p++) {
      const op = p * m;
      for (let q = p + 1; q < k; q++) {
        const oq = q * m;
        let alpha = 0, beta = 0, gamma = 0;
        for (let r = 0; r < m; r++) {
          const x = B[op + r], y = B[oq + r];
          alpha += x * x;
          beta += y * y;
          gamma += x * y;
        }
        if (gamma === 0 || Math.abs(gamma) <= tol * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const cs = 1 / Math.sqrt(1 + t * t), sn = cs * t;
        for (let r = 0; r < m; r++) {
          const x = B[op + r], y = B[oq + r];
          B[op + r] = cs * x - sn * y;
          B[oq + r] = sn * x + cs * y;
        }
      }
    }
    if (!rotated) break;
  }
  const sv = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    let s = 0;
    for (let r = 0; r < m; r++) s += B[c * m + r] ** 2;
    sv[c] = Math.sqrt(s);
  }
  return sv.sort().reverse();
}

export interface SpectrumStats {
  readonly count: number;
  /** Mean of σ² (= ‖J‖_F² / count): the quantity "critical" inits set to 1. */
  readonly meanSquared: number;
  readonly mean: number;
  readonly max: number;
  readonly min: number;
  readonly median: number;
  /**
   * Fraction of singular values at or below floorRel × max: zero as far as a
   * float64 product of many matrices can tell (exact zeros for dead ReLUs).
   */
  readonly zeroFraction: number;
  /** Mean and standard deviation of log10 σ over the values above the floor: std 0 is perfect isometry. */
  readonly log10Mean: number;
  readonly log10Std: number;
}

/** Summary of a spectrum; values at or below floorRel·max count as zero (default 1e-12). */
export function spectrumStats(sv: ArrayLike<number>, floorRel = 1e-12): SpectrumStats {
  const xs = Array.from(sv).sort((p, q) => p - q);
  const n = xs.length;
  if (n === 0) throw new ConfigError("singular values", "an empty list", "at least one value");
  const max = xs[n - 1], floor = floorRel * max;
  let sq = 0, s = 0, lg = 0, lg2 = 0, above = 0;
  for (const v of xs) {
    sq += v * v;
    s += v;
    if (v > floor && v > 0) {
      const l = Math.log10(v);
      lg += l;
      lg2 += l * l;
      above++;
    }
  }
  const lm = above ? lg / above : NaN;
  return {
    count: n,
    meanSquared: sq / n,
    mean: s / n,
    max,
    min: xs[0],
    median: n % 2 ? xs[(n - 1) / 2] : (xs[n / 2 - 1] + xs[n / 2]) / 2,
    zeroFraction: (n - above) / n,
    log10Mean: lm,
    log10Std: above ? Math.sqrt(Math.max(0, lg2 / above - lm * lm)) : NaN,
  };
}

/** Mean of σ² of J = ‖J‖_F² / min(rows, cols), without an SVD. */
export function meanSquaredSingularValue(J: Matrix): number {
  let s = 0;
  for (let k = 0; k < J.data.length; k++) s += J.data[k] * J.data[k];
  return s / Math.min(J.rows, J.cols);
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
  for (let i = 0; i < n; i++) perPoint.push(singularValuesJacobi(hiddenJacobian(model, fp, i, from, to)));
  const pooled = new Float64Array(perPoint.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of perPoint) { pooled.set(p, o); o += p.length; }
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
export function layerJacobianMeanSingularValues(model: Mlp, x: Float32Array, n: number, firstLayer = 2): LayerJacobianRow[] {
  const fp = derivatives(model, x, n);
  const out: LayerJacobianRow[] = [];
  for (let l = Math.max(1, firstLayer); l <= model.depth; l++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += spectrumStats(singularValuesJacobi(hiddenJacobian(model, fp, i, l - 1, l))).mean;
    let dmax = 0;
    for (const v of fp[l - 1]) if (v > dmax) dmax = v;
    out.push({
      layer: l,
      meanSingularValue: s / n,
      meanDerivative: arithmeticMean(fp[l - 1]),
      maxDerivative: dmax,
      weightMeanSingularValue: spectrumStats(singularValuesJacobi(weightMatrix(model.hidden[l - 1]))).mean,
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

/**
 * The gain at which `measure(gain)` crosses `target`, by a log-spaced scan of
 * `grid` then bisection in log(gain) inside the first bracket. Returns the
 * closest grid point (bracketed: false) when measure never crosses target.
 */
export function findGain(measure: (gain: number) => number, target: number, grid: readonly number[], steps = 8): { gain: number; value: number; bracketed: boolean; scanned: { gain: number; value: number }[] } {
  if (grid.length < 2) throw new ConfigError("grid", grid, "at least two gains, increasing");
  const scanned = grid.map((g) => ({ gain: g, value: measure(g) }));
  const side = (v: number) => Math.sign(Math.log(v) - Math.log(target));
  for (let k = 0; k + 1 < scanned.length; k++) {
    let lo = scanned[k], hi = scanned[k + 1];
    if (side(lo.value) === 0) return { ...lo, bracketed: true, scanned };
    if (side(lo.value) !== side(hi.value)) {
      for (let s = 0; s < steps; s++) {
        const g = Math.sqrt(lo.gain * hi.gain);
        const v = measure(g);
        if (side(v) === side(lo.value)) lo = { gain: g, value: v };
        else hi = { gain: g, value: v };
      }
      const best = Math.abs(Math.log(lo.value / target)) < Math.abs(Math.log(hi.value / target)) ? lo : hi;
      return { ...best, bracketed: true, scanned };
    }
  }
  let best = scanned[0];
  for (const s of scanned) if (Math.abs(Math.log(s.value / target)) < Math.abs(Math.log(best.value / target))) best = s;
  return { ...best, bracketed: false, scanned };
}

// ------------------------------------------------------------ the published numbers

export interface GlorotBengioJacobian {
  readonly citation: string;
  readonly quantity: string;
  readonly activationNote: string;
  readonly rows: readonly { readonly init: "standard" | "normalized"; readonly activation: ActivationName; readonly meanSingularValue: number; readonly wording: string }[];
}

/** Glorot & Bengio (2010), §4.2.2: the average singular value of the layer Jacobians, read from data/. */
export function glorotBengioJacobian(): GlorotBengioJacobian {
  const file = path.join(projectRoot(), "data", "glorot-bengio-2010-jacobian.json");
  const t = JSON.parse(fs.readFileSync(file, "utf8")) as GlorotBengioJacobian;
  if (!Array.isArray(t.rows) || t.rows.some((r) => typeof r.meanSingularValue !== "number")) {
    throw new Error(`${file}: expected rows with a numeric meanSingularValue`);
  }
  return t;
}
