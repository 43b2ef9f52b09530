/**
 * The input–output Jacobian J = ∂h_L/∂x of one input: the linear map that
 * carries a perturbation of the input to the top hidden layer, and (by
 * transposition) an error from the top back to the input. Dynamical isometry
 * (Pennington, Schoenholz & Ganguli 2017) means all its singular values are
 * near 1.
 */
import * as tf from "@tensorflow/tfjs";
import { Mlp } from "../core/model";
import { matrix, singularValues } from "../core/linalg";
import { scoped } from "../core/scope";
import { ConfigError } from "../core/errors";

export interface JacobianSpectrum {
  /** Rows: units of layer `toLayer`; columns: input dimensions. Row-major. */
  readonly jacobian: Float32Array;
  readonly rows: number;
  readonly cols: number;
  /** Singular values, descending (min(rows, cols) of them). */
  readonly singularValues: Float64Array;
  /** Mean of σ², i.e. ‖J‖_F² / min(rows, cols). */
  readonly meanSquared: number;
}

/**
 * J of hidden layer `toLayer` (1-based, default the top) at input x, in eval
 * mode. Row j is ∂h_j/∂x: one backward pass on a batch of copies of x, where
 * copy j only keeps output unit j.
 */
export function inputOutputJacobian(model: Mlp, x: ArrayLike<number>, toLayer = model.depth): JacobianSpectrum {
  const d = model.config.inputDim;
  if (x.length !== d) throw new ConfigError("jacobian input length", x.length, `the model's inputDim (${d})`);
  if (!(Number.isInteger(toLayer) && toLayer >= 1 && toLayer <= model.depth)) {
    throw new ConfigError("toLayer", toLayer, `a hidden layer index in 1..${model.depth}`);
  }
  const m = model.hidden[toLayer - 1].nOut;
  const jacobian = scoped(() => {
    const copies = tf.tile(tf.tensor2d(Float32Array.from(x), [1, d]), [m, 1]);
    const pick = tf.eye(m);
    const g = tf.grad((xs: tf.Tensor) => {
      const { a } = model.forward(xs as tf.Tensor2D, { training: false });
      return tf.sum(tf.mul(a[toLayer - 1], pick));
    })(copies);
    return g.dataSync() as Float32Array;
  });
  const sv = singularValues(matrix(m, d, jacobian));
  let sq = 0;
  for (const s of sv) sq += s * s;
  return { jacobian, rows: m, cols: d, singularValues: sv, meanSquared: sq / sv.length };
}
