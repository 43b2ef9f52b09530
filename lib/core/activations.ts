/**
 * The activation functions of the study, each in three forms: a tfjs op
 * (for training, autodiff works through it), a float64 scalar function and
 * its closed-form derivative (the references tests check autodiff against),
 * and its saturation rule.
 */
import * as tf from "@tensorflow/tfjs";
import { ConfigError } from "./errors";

export const ACTIVATION_NAMES = [
  "sigmoid",
  "tanh",
  "softsign",
  "relu",
  "leakyRelu",
  "scaledTanh",
  "scaledSigmoid",
  "penalizedTanh",
  "linear",
] as const;
export type ActivationName = (typeof ACTIVATION_NAMES)[number];

/**
 * Two-sided saturation: an entry h is saturated when it lies within
 * eps·lowScale of the lower asymptote or eps·highScale of the upper one.
 * For sigmoid that is h < ε or h > 1−ε; for tanh |h| > 1−ε.
 */
export interface Asymptotes {
  readonly low: number;
  readonly high: number;
  readonly lowScale: number;
  readonly highScale: number;
}

export interface Activation {
  readonly name: ActivationName;
  /** f(z) as a tfjs op. */
  apply(z: tf.Tensor): tf.Tensor;
  /** f'(z) in closed form, as a tfjs op (for probes: the diagonal that backprop multiplies by). */
  derivative(z: tf.Tensor): tf.Tensor;
  /** f(z) in float64. */
  f(z: number): number;
  /** f'(z) in float64, closed form. */
  df(z: number): number;
  /** f'(z) written through the output a = f(z): no exp, so probes stay cheap. */
  dfFromOutput(a: number): number;
  /** null for activations that do not saturate on both sides (relu, linear). */
  readonly asymptotes: Asymptotes | null;
  /** Maximum of f' over the real line (1/4 for sigmoid: the bound of notebook 04). */
  readonly maxDerivative: number;
}

const LECUN_A = 1.7159;
const LECUN_B = 2 / 3;
const LEAKY_SLOPE = 0.01;
const PENALTY = 0.25;

const sig = (z: number) => 1 / (1 + Math.exp(-z));
const sym = (a: number): Asymptotes => ({ low: -a, high: a, lowScale: a, highScale: a });

const table: Record<ActivationName, Activation> = {
  sigmoid: {
    name: "sigmoid",
    apply: (z) => tf.sigmoid(z),
    derivative: (z) =>
      tf.tidy(() => {
        const s = tf.sigmoid(z);
        return s.mul(tf.scalar(1).sub(s));
      }),
    f: sig,
    df: (z) => {
      const s = sig(z);
      return s * (1 - s);
    },
    dfFromOutput: (a) => a * (1 - a),
    asymptotes: { low: 0, high: 1, lowScale: 1, highScale: 1 },
    maxDerivative: 0.25,
  },
  tanh: {
    name: "tanh",
    apply: (z) => tf.tanh(z),
    derivative: (z) => tf.tidy(() => tf.scalar(1).sub(tf.square(tf.tanh(z)))),
    f: Math.tanh,
    df: (z) => 1 - Math.tanh(z) ** 2,
    dfFromOutput: (a) => 1 - a * a,
    asymptotes: sym(1),
    maxDerivative: 1,
  },
  softsign: {
    name: "softsign",
    apply: (z) => tf.tidy(() => z.div(tf.abs(z).add(1))),
    derivative: (z) => tf.tidy(() => tf.reciprocal(tf.square(tf.abs(z).add(1)))),
    f: (z) => z / (1 + Math.abs(z)),
    df: (z) => 1 / (1 + Math.abs(z)) ** 2,
    dfFromOutput: (a) => (1 - Math.abs(a)) ** 2,
    asymptotes: sym(1),
    maxDerivative: 1,
  },
  relu: {
    name: "relu",
    apply: (z) => tf.relu(z),
    derivative: (z) => tf.tidy(() => tf.step(z)),
    f: (z) => Math.max(0, z),
    df: (z) => (z > 0 ? 1 : 0),
    dfFromOutput: (a) => (a > 0 ? 1 : 0),
    asymptotes: null,
    maxDerivative: 1,
  },
  leakyRelu: {
    name: "leakyRelu",
    apply: (z) => tf.leakyRelu(z, LEAKY_SLOPE),
    derivative: (z) => tf.tidy(() => tf.where(tf.greater(z, 0), tf.onesLike(z), tf.fill(z.shape, LEAKY_SLOPE))),
    f: (z) => (z > 0 ? z : LEAKY_SLOPE * z),
    df: (z) => (z > 0 ? 1 : LEAKY_SLOPE),
    dfFromOutput: (a) => (a > 0 ? 1 : LEAKY_SLOPE),
    asymptotes: null,
    maxDerivative: 1,
  },
  scaledTanh: {
    // LeCun et al. 1998, Efficient BackProp: f(±1) = ±1 and maximal second derivative at ±1.
    name: "scaledTanh",
    apply: (z) => tf.tidy(() => tf.tanh(z.mul(LECUN_B)).mul(LECUN_A)),
    derivative: (z) =>
      tf.tidy(() =>
        tf
          .scalar(1)
          .sub(tf.square(tf.tanh(z.mul(LECUN_B))))
          .mul(LECUN_A * LECUN_B),
      ),
    f: (z) => LECUN_A * Math.tanh(LECUN_B * z),
    df: (z) => LECUN_A * LECUN_B * (1 - Math.tanh(LECUN_B * z) ** 2),
    dfFromOutput: (a) => LECUN_A * LECUN_B * (1 - (a / LECUN_A) ** 2),
    asymptotes: sym(LECUN_A),
    maxDerivative: LECUN_A * LECUN_B,
  },
  scaledSigmoid: {
    // Xu, Huang & Li 2016: 4σ(z) − 2 has slope 1 at 0, like tanh.
    name: "scaledSigmoid",
    apply: (z) => tf.tidy(() => tf.sigmoid(z).mul(4).sub(2)),
    derivative: (z) =>
      tf.tidy(() => {
        const s = tf.sigmoid(z);
        return s.mul(tf.scalar(1).sub(s)).mul(4);
      }),
    f: (z) => 4 * sig(z) - 2,
    df: (z) => {
      const s = sig(z);
      return 4 * s * (1 - s);
    },
    dfFromOutput: (a) => ((a + 2) * (2 - a)) / 4,
    asymptotes: sym(2),
    maxDerivative: 1,
  },
  penalizedTanh: {
    // Xu et al. 2016: tanh(z) for z > 0, 0.25·tanh(z) otherwise. Since tanh and z share a
    // sign, that is max(tanh z, 0.25·tanh z), which autodiff handles without a branch.
    name: "penalizedTanh",
    apply: (z) =>
      tf.tidy(() => {
        const t = tf.tanh(z);
        return tf.maximum(t, t.mul(PENALTY));
      }),
    derivative: (z) =>
      tf.tidy(() => {
        const d = tf.scalar(1).sub(tf.square(tf.tanh(z)));
        return tf.where(tf.greater(z, 0), d, d.mul(PENALTY));
      }),
    f: (z) => (z > 0 ? Math.tanh(z) : PENALTY * Math.tanh(z)),
    df: (z) => (z > 0 ? 1 : PENALTY) * (1 - Math.tanh(z) ** 2),
    dfFromOutput: (a) => (a > 0 ? 1 - a * a : PENALTY * (1 - (a / PENALTY) ** 2)),
    asymptotes: { low: -PENALTY, high: 1, lowScale: PENALTY, highScale: 1 },
    maxDerivative: 1,
  },
  linear: {
    name: "linear",
    apply: (z) => z.clone(),
    derivative: (z) => tf.onesLike(z),
    f: (z) => z,
    df: () => 1,
    dfFromOutput: () => 1,
    asymptotes: null,
    maxDerivative: 1,
  },
};

export function activation(name: ActivationName | string): Activation {
  const a = (table as Record<string, Activation | undefined>)[name];
  if (!a) throw new ConfigError("activation", name, `one of ${ACTIVATION_NAMES.join(", ")}`);
  return a;
}

export function isActivationName(name: string): name is ActivationName {
  return (ACTIVATION_NAMES as readonly string[]).includes(name);
}
