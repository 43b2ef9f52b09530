/**
 * Optimizers, written out so the per-layer learning rates of Xu et al. 2016
 * are one multiplication: layer l steps with lr · multiplier[l].
 *   SGD:       v ← μ v + g + λθ;  θ ← θ − lr_l v     (λ: weightDecay, the gradient of (λ/2)‖θ‖², default 0)
 *   Adam:      m ← β₁m + (1−β₁)g;  s ← β₂s + (1−β₂)g²;  θ ← θ − lr_l m̂ / (√ŝ + ε)
 */
import * as tf from "@tensorflow/tfjs";
import { variableFrom } from "./scope";
import { ConfigError } from "./errors";

export type OptimizerConfig =
  | {
      readonly kind: "sgd";
      readonly learningRate: number;
      readonly momentum?: number;
      /** L2 weight decay λ on every parameter (weights, biases, batch-norm scales): adds λθ to the gradient. */
      readonly weightDecay?: number;
    }
  | {
      readonly kind: "adam";
      readonly learningRate: number;
      readonly beta1?: number;
      readonly beta2?: number;
      readonly epsilon?: number;
    };

/** A trainable variable together with the layer it belongs to (1-based). */
export interface ParamSlot {
  readonly variable: tf.Variable;
  readonly layer: number;
}

export class Optimizer {
  private readonly state = new Map<tf.Variable, tf.Variable[]>();
  private t = 0;

  constructor(
    readonly config: OptimizerConfig,
    private readonly slots: readonly ParamSlot[],
    private readonly multipliers: readonly number[] | null,
  ) {
    validateOptimizer(config);
  }

  learningRateOf(layer: number): number {
    return this.config.learningRate * (this.multipliers ? this.multipliers[layer - 1] : 1);
  }

  /**
   * Apply one update from gradients keyed by variable name. When `measure`
   * is set, returns ‖Δθ‖² per layer (for the update:data ratio probe).
   */
  step(grads: tf.NamedTensorMap, measure = false): Map<number, number> | null {
    this.t++;
    const sq = measure ? new Map<number, tf.Scalar>() : null;
    tf.tidy(() => {
      for (const { variable, layer } of this.slots) {
        const g = grads[variable.name];
        if (!g) continue;
        const delta = this.delta(variable, g, this.learningRateOf(layer));
        variable.assign(variable.sub(delta));
        if (sq) {
          const s = tf.sum(tf.square(delta)) as tf.Scalar;
          const prev = sq.get(layer);
          sq.set(layer, tf.keep(prev ? prev.add(s) : s));
          if (prev) prev.dispose();
        }
      }
    });
    if (!sq) return null;
    const out = new Map<number, number>();
    for (const [layer, s] of sq) {
      out.set(layer, s.dataSync()[0]);
      s.dispose();
    }
    return out;
  }

  private delta(v: tf.Variable, g: tf.Tensor, lr: number): tf.Tensor {
    const c = this.config;
    if (c.kind === "sgd") {
      const mu = c.momentum ?? 0;
      if (c.weightDecay) g = g.add(v.mul(c.weightDecay));
      if (mu === 0) return g.mul(lr);
      const [vel] = this.slotState(v, 1);
      vel.assign(vel.mul(mu).add(g));
      return vel.mul(lr);
    }
    const b1 = c.beta1 ?? 0.9,
      b2 = c.beta2 ?? 0.999,
      eps = c.epsilon ?? 1e-8;
    const [m, s] = this.slotState(v, 2);
    m.assign(m.mul(b1).add(g.mul(1 - b1)));
    s.assign(s.mul(b2).add(g.square().mul(1 - b2)));
    const mHat = m.div(1 - Math.pow(b1, this.t));
    const sHat = s.div(1 - Math.pow(b2, this.t));
    return mHat.div(sHat.sqrt().add(eps)).mul(lr);
  }

  private slotState(v: tf.Variable, count: number): tf.Variable[] {
    let s = this.state.get(v);
    if (!s) {
      s = Array.from({ length: count }, () => variableFrom(tf.zerosLike(v), false));
      this.state.set(v, s);
    }
    return s;
  }

  dispose(): void {
    for (const vs of this.state.values()) vs.forEach((v) => v.dispose());
    this.state.clear();
  }
}

export function validateOptimizer(c: OptimizerConfig): void {
  if (!c || (c.kind !== "sgd" && c.kind !== "adam")) {
    throw new ConfigError("optimizer.kind", c ? (c as { kind?: unknown }).kind : c, '"sgd" or "adam"');
  }
  if (typeof c.learningRate !== "number" || !Number.isFinite(c.learningRate) || c.learningRate <= 0) {
    throw new ConfigError(
      "optimizer.learningRate",
      c.learningRate,
      "a positive finite number, e.g. 0.1 for SGD or 0.001 for Adam",
    );
  }
  if (c.kind === "sgd" && c.momentum !== undefined && !(c.momentum >= 0 && c.momentum < 1)) {
    throw new ConfigError("optimizer.momentum", c.momentum, "a number in [0, 1)");
  }
  if (
    c.kind === "sgd" &&
    c.weightDecay !== undefined &&
    !(typeof c.weightDecay === "number" && c.weightDecay >= 0 && Number.isFinite(c.weightDecay))
  ) {
    throw new ConfigError("optimizer.weightDecay", c.weightDecay, "a number ≥ 0, e.g. 0.0005");
  }
  if (c.kind === "adam") {
    // This Adam has no weight decay: refused rather than silently ignored.
    const wd = (c as { weightDecay?: unknown }).weightDecay;
    if (wd !== undefined && wd !== 0)
      throw new ConfigError(
        "optimizer.weightDecay",
        wd,
        'absent with Adam (it has none here; use kind "sgd" for decay)',
      );
    for (const [k, v] of [
      ["beta1", c.beta1],
      ["beta2", c.beta2],
    ] as const) {
      if (v !== undefined && !(v >= 0 && v < 1)) throw new ConfigError(`optimizer.${k}`, v, "a number in [0, 1)");
    }
  }
}

/** Per-layer learning-rate multipliers, if given: one positive finite number per weight layer (`layers` of them). */
export function validateLayerLearningRates(rates: readonly number[] | undefined, layers: number): void {
  if (rates === undefined) return;
  if (!Array.isArray(rates) || rates.length !== layers) {
    throw new ConfigError(
      "layerLearningRates",
      rates,
      `${layers} positive multipliers (hidden layers 1..${layers - 1}, then the output layer)`,
    );
  }
  rates.forEach((m, i) => {
    if (!(typeof m === "number" && Number.isFinite(m) && m > 0))
      throw new ConfigError(`layerLearningRates[${i}]`, m, "a positive finite number");
  });
}
