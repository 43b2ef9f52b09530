/**
 * One forward and one backward pass over a set of points, written once for
 * every chapter: the pre-activations z_l and outputs a_l of the hidden
 * layers, and the backpropagated error of every example at every layer,
 *
 *   δ_{i,l} = ∂ℓ_i/∂z_{i,l}  (l = 1..L),   δ_{i,L+1} = p_i − y_i  (at the logits),
 *
 * by tfjs autodiff. The trick: a zero shift s_l added to z_l changes nothing
 * in the forward pass, and the gradient of the summed loss Σ_i ℓ_i with
 * respect to s_l has, in row i, exactly ∂ℓ_i/∂z_{i,l} — example i's own δ —
 * because in eval mode the rows of a batch do not interact. In training mode
 * with batch norm they do (through the batch statistics): there the rows are
 * what backprop of the summed loss sees, which is what one SGD step uses.
 *
 * Optionally, the weight gradients of the mean loss, ∂L/∂W_l = (1/n) Σ_i
 * h_{i,l−1}ᵀ δ_{i,l}, as Frobenius norms per layer.
 *
 * Two engines fill the same result: tfjs on the model (above), or, given
 * `fast` (train()'s probes on the fast path hand it to `observe`), the fast
 * kernel holding the same weights, which writes the recursion out
 * (lib/core/fast/probe.ts) — the same numbers within float32 rounding, in a
 * fraction of the time. Batch norm and residual models always take tfjs.
 */
import * as tf from "@tensorflow/tfjs";
import { Mlp } from "../core/model";
import { crossEntropy, oneHot } from "../core/loss";
import { ConfigError } from "../core/errors";
import { scoped, variableFrom } from "../core/scope";
import type { LabelledData } from "../core/train";
import { FastPasses, KernelPass, logitLossAndAccuracy } from "../core/fast/probe";

export interface ForwardValues {
  readonly n: number;
  /** Units per layer: hidden 1..L, then the output L+1. */
  readonly widths: number[];
  /** Hidden layers 1..L, n × width row-major. */
  readonly z: Float32Array[];
  readonly a: Float32Array[];
  /** The output layer's logits, n × classes row-major. */
  readonly logits: Float32Array;
  /** Mean cross-entropy and accuracy on these points. */
  readonly loss: number;
  readonly accuracy: number;
}

export interface BackwardPass extends ForwardValues {
  /** δ for hidden layers 1..L, then the output layer (row i is example i's). */
  readonly deltas: Float32Array[];
  /** ‖∂L/∂W_l‖_F of the mean loss for l = 1..L+1, when asked for (else null). */
  readonly weightGradNorms: number[] | null;
}

export interface PassOptions {
  /** Batch norm with the statistics of these points (training mode) instead of its moving averages. */
  readonly training?: boolean;
  /** Also compute the weight-gradient norms. */
  readonly weightGrads?: boolean;
  /** The model's weights in the fast kernel: compute there (plain MLPs; see the module comment). */
  readonly fast?: FastPasses | null;
}

/** The fast kernel's passes when given and the model is one it computes (plain MLP of the same sizes). */
function kernelFor(model: Mlp, fast: FastPasses | null | undefined): FastPasses | null {
  if (!fast || model.config.batchNorm || model.config.residual) return null;
  const w = fast.widths,
    mine = widthsOf(model);
  if (w.length !== mine.length || w.some((m, l) => m !== mine[l]))
    throw new ConfigError("fast passes", `widths ${w.join("-")}`, `the model's widths ${mine.join("-")}`);
  return fast;
}

/** ForwardValues (and BackwardPass fields) from the kernel's pass. */
function fromKernel(model: Mlp, points: LabelledData, p: KernelPass) {
  const { lossSum, correct } = logitLossAndAccuracy(p.logits, points.y, model.config.outputDim);
  return { n: p.n, widths: p.widths, z: p.z, a: p.a, logits: p.logits, loss: lossSum / p.n, accuracy: correct / p.n };
}

/** The forward pass alone (no gradients), downloaded. */
export function forwardValues(
  model: Mlp,
  points: LabelledData,
  opts: Pick<PassOptions, "training" | "fast"> = {},
): ForwardValues {
  checkPoints(model, points);
  const kernel = kernelFor(model, opts.fast);
  if (kernel) return fromKernel(model, points, kernel.run(points, { backward: false, weightGrads: false }));
  return scoped(() => {
    const x = tf.tensor2d(points.x, [points.n, points.inputDim]);
    const y = oneHot(points.y, model.config.outputDim);
    const tr = model.forward(x, { training: !!opts.training });
    return {
      n: points.n,
      widths: widthsOf(model),
      z: tr.z.map((t) => t.dataSync() as Float32Array),
      a: tr.a.map((t) => t.dataSync() as Float32Array),
      logits: tr.logits.dataSync() as Float32Array,
      ...lossAndAccuracy(tr.logits, y, points.y),
    };
  });
}

/** The forward pass and every example's δ at every layer (see the module comment). */
export function backward(model: Mlp, points: LabelledData, opts: PassOptions = {}): BackwardPass {
  checkPoints(model, points);
  const kernel = kernelFor(model, opts.fast);
  if (kernel) {
    const p = kernel.run(points, { backward: true, weightGrads: !!opts.weightGrads });
    return { ...fromKernel(model, points, p), deltas: p.deltas!, weightGradNorms: p.weightGradNorms };
  }
  const n = points.n;
  const shifts = [
    ...model.hidden.map((l) => variableFrom(tf.zeros([n, l.nOut]), true)),
    variableFrom(tf.zeros([n, model.output.nOut]), true),
  ];
  const weights = opts.weightGrads ? model.layers.map((l) => l.W) : [];
  try {
    return scoped(() => {
      const x = tf.tensor2d(points.x, [n, points.inputDim]);
      const y = oneHot(points.y, model.config.outputDim);
      // Tensors kept out of the gradient's scope must be freed by hand (scopes spare kept tensors).
      const kept: tf.Tensor[] = [];
      const keep = <T extends tf.Tensor>(t: T): T => (kept.push(t), tf.keep(t));
      try {
        let z: tf.Tensor[] = [],
          a: tf.Tensor[] = [];
        let logits: tf.Tensor2D = x;
        const { grads } = tf.variableGrads(() => {
          const tr = model.forward(x, { training: !!opts.training, zShift: shifts.slice(0, model.depth) });
          z = tr.z.map(keep);
          a = tr.a.map(keep);
          logits = keep(tr.logits.add(shifts[model.depth]) as tf.Tensor2D);
          return crossEntropy(logits, y, "sum");
        }, [...shifts, ...weights]);
        return {
          n,
          widths: widthsOf(model),
          z: z.map((t) => t.dataSync() as Float32Array),
          a: a.map((t) => t.dataSync() as Float32Array),
          logits: logits.dataSync() as Float32Array,
          ...lossAndAccuracy(logits, y, points.y),
          deltas: shifts.map((s) => grads[s.name].dataSync() as Float32Array),
          // ∂(mean loss)/∂W = (1/n) ∂(sum loss)/∂W.
          weightGradNorms: opts.weightGrads ? weights.map((w) => tf.norm(grads[w.name]).dataSync()[0] / n) : null,
        };
      } finally {
        kept.forEach((t) => t.dispose());
      }
    });
  } finally {
    shifts.forEach((s) => s.dispose());
  }
}

/** Mean over rows of the Euclidean norm of each row. */
export function meanRowNorm(m: ArrayLike<number>, rows: number, cols: number): number {
  let total = 0;
  for (let i = 0; i < rows; i++) {
    let s = 0;
    const o = i * cols;
    for (let j = 0; j < cols; j++) s += m[o + j] * m[o + j];
    total += Math.sqrt(s);
  }
  return total / rows;
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

/** Mean ‖δ_{i,l}‖ per layer (hidden 1..L, then the output) of a backward pass. */
export function meanDeltaNorms(pass: BackwardPass): number[] {
  return pass.deltas.map((d, l) => meanRowNorm(d, pass.n, pass.widths[l]));
}

function widthsOf(model: Mlp): number[] {
  return [...model.hidden.map((l) => l.nOut), model.output.nOut];
}

function lossAndAccuracy(
  logits: tf.Tensor2D,
  y: tf.Tensor2D,
  labels: ArrayLike<number>,
): { loss: number; accuracy: number } {
  const loss = crossEntropy(logits, y).dataSync()[0];
  const pred = tf.argMax(logits, 1).dataSync();
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (pred[i] === labels[i]) correct++;
  return { loss, accuracy: correct / labels.length };
}

function checkPoints(model: Mlp, p: LabelledData): void {
  if (!(Number.isInteger(p.n) && p.n >= 1)) throw new ConfigError("points.n", p.n, "at least one point");
  if (p.inputDim !== model.config.inputDim) {
    throw new ConfigError("points.inputDim", p.inputDim, `${model.config.inputDim} (the model's inputDim)`);
  }
  if (p.x.length !== p.n * p.inputDim)
    throw new ConfigError("points.x length", p.x.length, `n × inputDim = ${p.n * p.inputDim}`);
  if (p.y.length !== p.n) throw new ConfigError("points.y length", p.y.length, `n = ${p.n}`);
}
