/**
 * A deep MLP written out layer by layer, so that every quantity the notes
 * talk about is one name away:
 *
 *   z_l = h_{l-1} W_l + b_l        (or BN(h_{l-1} W_l) with batch norm)
 *   a_l = f(z_l)                   the hidden entries h_{i,l} of the question
 *   h_l = a_l                      (plain layer)
 *   h_l = h_{l-1} + a_l R_l + c_l  (residual block, between equal widths)
 *   logits = h_L W_{L+1} + b_{L+1}
 *
 * The residual block is He, Zhang, Ren & Sun's two-layer building block
 * (2016, eq. 1–2: y = F(x, {W_i}) + x with F = W_2 σ(W_1 x)) with the
 * identity path left clean — no activation after the addition, as in their
 * "Identity mappings in deep residual networks" (2016) — so the error
 * reaches h_{l-1} unchanged through the skip, and h_l does not pile up
 * σ's mean of 1/2 (R_l has zero-mean entries). Its entries a_l are the
 * units that can saturate; the stream h_l is unbounded.
 */
import * as tf from "@tensorflow/tfjs";
import { variableFrom } from "./scope";
import { Activation, ActivationName, activation, ACTIVATION_NAMES, isActivationName } from "./activations";
import { InitSpec, initWeights, validateInit } from "./init";
import { ConfigError } from "./errors";
import { Rng } from "./rng";

export interface MlpConfig {
  readonly inputDim: number;
  /** Hidden layer widths, input to output; [256, 256, 256, 256, 256] is the question's net. */
  readonly widths: readonly number[];
  readonly outputDim: number;
  readonly activation: ActivationName;
  readonly init: InitSpec;
  /** Batch normalization of z_l before the activation (Ioffe & Szegedy 2015). */
  readonly batchNorm?: boolean;
  /** Residual blocks h_l = h_{l-1} + f(z_l) R_l + c_l wherever a layer's input and output widths match. */
  readonly residual?: boolean;
  readonly seed: number;
}

export interface BatchNormState {
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;
  readonly movingMean: tf.Variable;
  readonly movingVariance: tf.Variable;
}

export interface DenseLayer {
  /** 1-based; hidden layers are 1..L, the output layer is L+1. */
  readonly index: number;
  readonly nIn: number;
  readonly nOut: number;
  readonly W: tf.Variable;
  /** Absent under batch norm, where β plays its role. */
  readonly b: tf.Variable | null;
  readonly bn: BatchNormState | null;
  /** A residual block's second matrix R_l (nOut × nOut) and bias c_l; null for a plain layer. */
  readonly block: { readonly W: tf.Variable; readonly b: tf.Variable } | null;
  /** Whether the layer is a residual block (block !== null). */
  readonly residual: boolean;
}

/** What one forward pass exposes, per hidden layer (index 0 is layer 1). */
export interface ForwardTrace {
  readonly z: tf.Tensor2D[];
  readonly a: tf.Tensor2D[];
  readonly logits: tf.Tensor2D;
  /** Batch statistics used by batch norm in training mode, for the moving averages. */
  readonly batchStats: { mean: tf.Tensor; variance: tf.Tensor }[];
}

export interface ForwardOptions {
  /** Batch norm uses batch statistics when training, moving averages otherwise. */
  readonly training?: boolean;
  /** Added to z_l; the gradient of the loss with respect to a zero shift is δ_l = ∂L/∂z_l. */
  readonly zShift?: readonly tf.Tensor[];
}

export const BN_EPSILON = 1e-3;
export const BN_MOMENTUM = 0.99;

export class Mlp {
  readonly config: MlpConfig;
  readonly act: Activation;
  readonly hidden: DenseLayer[];
  readonly output: DenseLayer;

  constructor(config: MlpConfig) {
    validateMlpConfig(config);
    this.config = config;
    this.act = activation(config.activation);
    const rng = new Rng(config.seed).fork("weights");
    const dims = [config.inputDim, ...config.widths];
    this.hidden = config.widths.map((w, i) =>
      makeLayer(i + 1, dims[i], w, config.init, rng, !!config.batchNorm, !!config.residual && dims[i] === w),
    );
    // The output layer is never LSUV-scaled or orthogonal-special: it uses the same rule as the rest.
    this.output = makeLayer(dims.length, dims[dims.length - 1], config.outputDim, config.init, rng, false, false);
  }

  get layers(): DenseLayer[] {
    return [...this.hidden, this.output];
  }

  get depth(): number {
    return this.hidden.length;
  }

  /** The forward pass; the caller owns the returned tensors (wrap in tf.tidy). */
  forward(x: tf.Tensor2D, opts: ForwardOptions = {}): ForwardTrace {
    const z: tf.Tensor2D[] = [],
      a: tf.Tensor2D[] = [],
      batchStats: ForwardTrace["batchStats"] = [];
    let h = x;
    this.hidden.forEach((layer, i) => {
      let zl = this.preActivation(layer, h, !!opts.training, batchStats);
      if (opts.zShift) zl = zl.add(opts.zShift[i]);
      const al = this.act.apply(zl) as tf.Tensor2D;
      z.push(zl);
      a.push(al);
      h = layer.block ? (tf.add(h, tf.matMul(al, layer.block.W).add(layer.block.b)) as tf.Tensor2D) : al;
    });
    const logits = tf.add(tf.matMul(h, this.output.W), this.output.b as tf.Variable) as tf.Tensor2D;
    return { z, a, logits, batchStats };
  }

  private preActivation(
    layer: DenseLayer,
    h: tf.Tensor2D,
    training: boolean,
    stats: ForwardTrace["batchStats"],
  ): tf.Tensor2D {
    const u = tf.matMul(h, layer.W);
    if (!layer.bn) return u.add(layer.b as tf.Variable) as tf.Tensor2D;
    const bn = layer.bn;
    let mean: tf.Tensor, variance: tf.Tensor;
    if (training) {
      ({ mean, variance } = tf.moments(u, 0));
      stats.push({ mean, variance });
    } else {
      mean = bn.movingMean;
      variance = bn.movingVariance;
    }
    return tf.batchNorm(u, mean, variance, bn.beta, bn.gamma, BN_EPSILON) as tf.Tensor2D;
  }

  trainableVariables(): tf.Variable[] {
    return this.layers.flatMap(layerVariables);
  }

  /** Update the batch-norm moving averages from the statistics of one training batch. */
  updateMovingStats(stats: ForwardTrace["batchStats"]): void {
    tf.tidy(() => {
      this.hidden.forEach((layer, i) => {
        if (!layer.bn) return;
        const m = BN_MOMENTUM;
        layer.bn.movingMean.assign(layer.bn.movingMean.mul(m).add(stats[i].mean.mul(1 - m)));
        layer.bn.movingVariance.assign(layer.bn.movingVariance.mul(m).add(stats[i].variance.mul(1 - m)));
      });
    });
  }

  /** Every parameter and running statistic by a stable name, copied out (for caches and tests). */
  getWeights(): Record<string, Float32Array> {
    const out: Record<string, Float32Array> = {};
    for (const [name, v] of this.namedVariables()) out[name] = v.dataSync() as Float32Array;
    return out;
  }

  setWeights(weights: Record<string, Float32Array>): void {
    for (const [name, v] of this.namedVariables()) {
      const w = weights[name];
      if (!w || w.length !== v.size) {
        throw new Error(`setWeights: ${name} needs ${v.size} values, got ${w ? w.length : "none"}`);
      }
      tf.tidy(() => v.assign(tf.tensor(w, v.shape)));
    }
  }

  namedVariables(): [string, tf.Variable][] {
    const out: [string, tf.Variable][] = [];
    for (const l of this.layers) {
      out.push([`W${l.index}`, l.W]);
      if (l.b) out.push([`b${l.index}`, l.b]);
      if (l.block) out.push([`R${l.index}`, l.block.W], [`c${l.index}`, l.block.b]);
      if (l.bn) {
        out.push([`gamma${l.index}`, l.bn.gamma], [`beta${l.index}`, l.bn.beta]);
        out.push([`movingMean${l.index}`, l.bn.movingMean], [`movingVariance${l.index}`, l.bn.movingVariance]);
      }
    }
    return out;
  }

  parameterCount(): number {
    return this.trainableVariables().reduce((s, v) => s + v.size, 0);
  }

  dispose(): void {
    for (const [, v] of this.namedVariables()) v.dispose();
  }
}

export function layerVariables(l: DenseLayer): tf.Variable[] {
  const vs: tf.Variable[] = [l.W];
  if (l.b) vs.push(l.b);
  if (l.bn) vs.push(l.bn.gamma, l.bn.beta);
  if (l.block) vs.push(l.block.W, l.block.b);
  return vs;
}

function makeLayer(
  index: number,
  nIn: number,
  nOut: number,
  init: InitSpec,
  rng: Rng,
  bn: boolean,
  residual: boolean,
): DenseLayer {
  const W = variableFrom(
    tf.tensor2d(initWeights(init, nIn, nOut, rng.fork(index)), [nIn, nOut]),
    true,
    `W${index}_${uid()}`,
  );
  const b = bn ? null : variableFrom(tf.zeros([nOut]), true, `b${index}_${uid()}`);
  const state = bn
    ? {
        gamma: variableFrom(tf.ones([nOut]), true, `gamma${index}_${uid()}`),
        beta: variableFrom(tf.zeros([nOut]), true, `beta${index}_${uid()}`),
        movingMean: variableFrom(tf.zeros([nOut]), false, `mm${index}_${uid()}`),
        movingVariance: variableFrom(tf.ones([nOut]), false, `mv${index}_${uid()}`),
      }
    : null;
  // The block's R_l is drawn like W_l (same init, its own stream: plain layers' weights do not change).
  const block = residual
    ? {
        W: variableFrom(
          tf.tensor2d(initWeights(init, nOut, nOut, rng.fork(`block ${index}`)), [nOut, nOut]),
          true,
          `R${index}_${uid()}`,
        ),
        b: variableFrom(tf.zeros([nOut]), true, `c${index}_${uid()}`),
      }
    : null;
  return { index, nIn, nOut, W, b, bn: state, block, residual };
}

let counter = 0;
function uid(): number {
  return ++counter;
}

/** Throws unless the network is a plain MLP (no batch norm, no residual connections), naming what needs one. */
export function requirePlainMlp(model: Mlp, what: string): void {
  if (model.config.batchNorm || model.config.residual) {
    throw new ConfigError(
      "model",
      "a network with batch norm or residual connections",
      `a plain MLP (${what} assumes one)`,
    );
  }
}

/** Throws a ConfigError naming the field and what is allowed; makes no tensor. */
export function validateMlpConfig(c: MlpConfig): void {
  const posInt = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v > 0;
  if (!c || typeof c !== "object")
    throw new ConfigError("model config", c, "an object with inputDim, widths, outputDim, activation, init, seed");
  if (!posInt(c.inputDim)) throw new ConfigError("inputDim", c.inputDim, "a positive integer (784 for MNIST)");
  if (!Array.isArray(c.widths) || c.widths.length === 0) {
    throw new ConfigError("widths", c.widths, "a non-empty list of positive integers, e.g. [256, 256, 256]");
  }
  c.widths.forEach((w, i) => {
    if (!posInt(w)) throw new ConfigError(`widths[${i}]`, w, "a positive integer");
  });
  if (!posInt(c.outputDim))
    throw new ConfigError("outputDim", c.outputDim, "a positive integer (the number of classes)");
  if (typeof c.activation !== "string" || !isActivationName(c.activation)) {
    throw new ConfigError("activation", c.activation, `one of ${ACTIVATION_NAMES.join(", ")}`);
  }
  validateInit(c.init);
  if (typeof c.seed !== "number" || !Number.isFinite(c.seed)) throw new ConfigError("seed", c.seed, "a finite number");
}
