/**
 * Chapter: notebook 04-bound (the 1/4 bound, derived and measured).
 *
 * What only that chapter needs: the scalar facts of its derivation, named
 * as the text names them (σ, σ', tanh' — aliases of lib/core/activations,
 * not second implementations), the level set of σ', and autodiff of an
 * activation to check its closed-form derivative. The measurements it makes
 * (δ against the chained bound, Jacobian spectra, the isometry gain) are
 * general and live in lib/measure.
 */
import * as tf from "@tensorflow/tfjs";
import { ActivationName, activation } from "../core/activations";
import { ConfigError } from "../core/errors";
import { scoped } from "../core/scope";

/** σ(z) = 1/(1 + e^(−z)), in float64. */
export const sigmoid = activation("sigmoid").f;
/** σ'(z) = σ(z)(1 − σ(z)), in float64. */
export const sigmoidDerivative = activation("sigmoid").df;
/** tanh'(z) = 1 − tanh²(z). */
export const tanhDerivative = activation("tanh").df;

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
