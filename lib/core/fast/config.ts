/**
 * What the fast path trains, how a configuration is checked, and, for the
 * training loop, which configurations it covers and why others fall back to
 * tfjs.
 */
import { ActivationName, ACTIVATION_NAMES, isActivationName } from "../activations";
import { ConfigError } from "../errors";
import { OptimizerConfig, validateLayerLearningRates, validateOptimizer } from "../optim";
import { LossConfig, validateLoss } from "../loss";
import { KernelVariant, variantAvailable } from "./wasm";
import type { LayerKind } from "./layout";

export interface FastTrainerConfig {
  readonly inputDim: number;
  /** Hidden widths, input to output, as MlpConfig.widths. */
  readonly widths: readonly number[];
  readonly outputDim: number;
  /** Hidden units; the output layer is linear (softmax cross-entropy on its logits). */
  readonly activation: ActivationName;
  /** Batch normalization of z_l before the activation, as MlpConfig.batchNorm (no b_l; γ_l, β_l, moving averages). */
  readonly batchNorm?: boolean;
  /** Residual blocks h_l = h_{l−1} + f(z_l) R_l + c_l where a layer's widths match, as MlpConfig.residual. */
  readonly residual?: boolean;
  readonly optimizer: OptimizerConfig;
  /** Learning-rate multiplier per layer, hidden 1..L then output L+1 (as lib/optim.ts). */
  readonly layerLearningRates?: readonly number[];
  /** What training minimises (lib/core/loss.ts; default plain softmax cross-entropy). */
  readonly loss?: LossConfig;
  /** The largest batch `step` takes (buffers are sized for it). */
  readonly batchSize: number;
  /**
   * As Mlp.getWeights(): W_l row-major [nIn, nOut] and b_l, h = f(xW + b); under batch norm gamma_l, beta_l,
   * movingMean_l, movingVariance_l instead of b_l (hidden layers); R_l [n, n] and c_l in residual blocks.
   */
  readonly weights: Readonly<Record<string, Float32Array>>;
  /** Which build to run (default "auto": relaxed SIMD where the engine has it). */
  readonly kernel?: KernelVariant | "auto";
  /**
   * Default true: the first layer's products skip the inputs that are 0 (MNIST's background), which gives the
   * same floats bit for bit; false runs them dense (for the test that checks it, and the benchmark).
   */
  readonly skipZeros?: boolean;
}

/** Activation codes of lib/core/fast/assembly/vmath.ts. */
export const ACTIVATION_CODES: Record<ActivationName, number> = {
  linear: 0,
  sigmoid: 1,
  tanh: 2,
  softsign: 3,
  relu: 4,
  leakyRelu: 5,
  scaledTanh: 6,
  scaledSigmoid: 7,
  penalizedTanh: 8,
};

/** Optimizer codes of lib/core/fast/assembly/optim.ts. */
export const OPTIMIZER_CODES = { sgd: 0, momentum: 1, adam: 2 } as const;

export function optimizerCode(o: OptimizerConfig): number {
  if (o.kind === "adam") return OPTIMIZER_CODES.adam;
  return (o.momentum ?? 0) === 0 ? OPTIMIZER_CODES.sgd : OPTIMIZER_CODES.momentum;
}

/** Loss codes of lib/core/fast/assembly/loss.ts (label smoothing is cross-entropy's α). */
export const LOSS_CODES = { crossEntropy: 0, mse: 1 } as const;

/** The kernel's setLoss arguments for a loss config. */
export function lossSetting(loss: LossConfig | undefined): { code: number; alpha: number } {
  if (loss?.kind === "mse") return { code: LOSS_CODES.mse, alpha: 0 };
  return { code: LOSS_CODES.crossEntropy, alpha: loss?.labelSmoothing ?? 0 };
}

/** λ of the weight decay the kernel applies: lib/core/optim.ts's SGD (with or without momentum) has one, its Adam none. */
export function weightDecayOf(o: OptimizerConfig): number {
  return o.kind === "sgd" ? (o.weightDecay ?? 0) : 0;
}

/** Batch norm and residual block per hidden layer (a block wherever a layer's input and output widths match). */
export function layerKinds(c: Pick<FastTrainerConfig, "inputDim" | "widths" | "batchNorm" | "residual">): LayerKind[] {
  const dims = [c.inputDim, ...c.widths];
  return c.widths.map((w, l) => ({ batchNorm: !!c.batchNorm, residual: !!c.residual && dims[l] === w }));
}

/** Every parameter and statistic by Mlp.getWeights()'s name, with its size and shape. */
export function weightShapes(
  c: Pick<FastTrainerConfig, "inputDim" | "widths" | "outputDim" | "batchNorm" | "residual">,
): [name: string, size: number, shape: string][] {
  const dims = layerDims(c),
    kinds = layerKinds(c),
    out: [string, number, string][] = [];
  for (let l = 1; l < dims.length; l++) {
    const k = dims[l - 1],
      m = dims[l],
      kind = kinds[l - 1];
    out.push([`W${l}`, k * m, `[${k}, ${m}]`]);
    if (!kind?.batchNorm) out.push([`b${l}`, m, `[${m}]`]);
    if (kind?.residual) out.push([`R${l}`, m * m, `[${m}, ${m}]`], [`c${l}`, m, `[${m}]`]);
    if (kind?.batchNorm)
      for (const name of ["gamma", "beta", "movingMean", "movingVariance"]) out.push([`${name}${l}`, m, `[${m}]`]);
  }
  return out;
}

/** The layer sizes input → output. */
export function layerDims(c: Pick<FastTrainerConfig, "inputDim" | "widths" | "outputDim">): number[] {
  return [c.inputDim, ...c.widths, c.outputDim];
}

const posInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v > 0;

/** Throws a ConfigError naming the field; runs before any memory is laid out. */
export function validateFastConfig(c: FastTrainerConfig): void {
  if (!c || typeof c !== "object")
    throw new ConfigError(
      "fast trainer config",
      c,
      "an object with inputDim, widths, outputDim, activation, optimizer, batchSize, weights",
    );
  if (!posInt(c.inputDim)) throw new ConfigError("inputDim", c.inputDim, "a positive integer (784 for MNIST)");
  if (!Array.isArray(c.widths) || c.widths.length === 0)
    throw new ConfigError("widths", c.widths, "a non-empty list of positive integers, e.g. [256, 256, 256]");
  c.widths.forEach((w, i) => {
    if (!posInt(w)) throw new ConfigError(`widths[${i}]`, w, "a positive integer");
  });
  if (!posInt(c.outputDim))
    throw new ConfigError("outputDim", c.outputDim, "a positive integer (the number of classes)");
  if (typeof c.activation !== "string" || !isActivationName(c.activation)) {
    throw new ConfigError("activation", c.activation, `one of ${ACTIVATION_NAMES.join(", ")}`);
  }
  validateOptimizer(c.optimizer);
  validateLoss(c.loss);
  const L1 = c.widths.length + 1;
  validateLayerLearningRates(c.layerLearningRates, L1);
  if (!posInt(c.batchSize)) throw new ConfigError("batchSize", c.batchSize, "a positive integer, e.g. 32");
  if (c.batchNorm !== undefined && typeof c.batchNorm !== "boolean")
    throw new ConfigError("batchNorm", c.batchNorm, "true or false");
  if (c.residual !== undefined && typeof c.residual !== "boolean")
    throw new ConfigError("residual", c.residual, "true or false");
  if (c.skipZeros !== undefined && typeof c.skipZeros !== "boolean")
    throw new ConfigError("skipZeros", c.skipZeros, "true or false");
  if (c.kernel !== undefined && c.kernel !== "auto" && c.kernel !== "simd" && c.kernel !== "relaxed") {
    throw new ConfigError("kernel", c.kernel, '"auto", "simd" or "relaxed"');
  }
  validateWeights(c, c.weights);
}

/** Every parameter (W_l, b_l; γ, β, moving averages; R_l, c_l) present, of the right length, finite. */
export function validateWeights(
  c: Pick<FastTrainerConfig, "inputDim" | "widths" | "outputDim" | "batchNorm" | "residual">,
  weights: Readonly<Record<string, Float32Array>>,
): void {
  if (!weights || typeof weights !== "object")
    throw new ConfigError("weights", weights, "W1, b1, … as Mlp.getWeights() returns them");
  for (const [name, size, shape] of weightShapes(c)) {
    const w = weights[name];
    if (!(w instanceof Float32Array) || w.length !== size) {
      throw new ConfigError(
        `weights.${name}`,
        w instanceof Float32Array ? `${w.length} values` : w,
        `a Float32Array of ${size} values (shape ${shape}, row-major)`,
      );
    }
    for (let i = 0; i < w.length; i++) {
      if (!Number.isFinite(w[i])) throw new ConfigError(`weights.${name}[${i}]`, w[i], "a finite number");
    }
  }
}

/** The parts of an experiment's model and training configs the fast path cares about. */
export interface FastPathQuery {
  readonly model: {
    readonly activation: string;
    readonly widths: readonly number[];
    readonly batchNorm?: boolean;
    readonly residual?: boolean;
  };
  readonly train: {
    readonly optimizer: OptimizerConfig;
    readonly batchSize: number;
    readonly layerLearningRates?: readonly number[];
  };
}

export type FastPathVerdict =
  | { readonly ok: true; readonly variant: KernelVariant }
  | { readonly ok: false; readonly reason: string };

/**
 * Whether the fast kernel can train this configuration, or in one line why
 * it falls back to tfjs. Assumes the configuration itself is valid
 * (lib/model.ts and lib/train.ts validate it).
 */
export function fastPathSupports(q: FastPathQuery): FastPathVerdict {
  if (!isActivationName(q.model.activation))
    return {
      ok: false,
      reason: `activation ${JSON.stringify(q.model.activation)} is not one the fast kernel computes`,
    };
  const o = q.train.optimizer as { kind?: unknown };
  if (o.kind !== "sgd" && o.kind !== "adam")
    return {
      ok: false,
      reason: `optimizer ${JSON.stringify(o.kind)} is not in the fast kernel (SGD, momentum and Adam are)`,
    };
  if (typeof WebAssembly !== "object") return { ok: false, reason: "this JavaScript engine has no WebAssembly" };
  if (variantAvailable("relaxed")) return { ok: true, variant: "relaxed" };
  if (variantAvailable("simd")) return { ok: true, variant: "simd" };
  return {
    ok: false,
    reason: "the fast kernel is not built or this engine lacks WebAssembly SIMD: run `npm run build`",
  };
}
