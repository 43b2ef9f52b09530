/**
 * Centred biases: our construction (notebook 04, §5–6), not a published
 * init. A logistic-sigmoid network with weights W is a tanh network with
 * weights W/4 plus a bias ¼·1ᵀW that comes from σ's mean of 1/2 (σ(z) =
 * ½ + ½·tanh(z/2)); removing that offset on data makes σ work like the odd,
 * tanh-like units for which Pennington et al. (2017) derived dynamical
 * isometry. Like LSUV it is a data-dependent step after the weights are drawn.
 */
import * as tf from "@tensorflow/tfjs";
import { Mlp, requirePlainMlp } from "./model";
import { ConfigError } from "./errors";

/**
 * Set each hidden bias so that z_l has zero mean over the points x (layer by
 * layer, in order): b_l = −mean_i (h_{i,l−1} W_l). For a sigmoid net this
 * removes the offset that σ's mean of 1/2 feeds into the next layer.
 */
export function centerBiases(model: Mlp, x: Float32Array, n: number): void {
  requirePlainMlp(model, "bias centring");
  if (!(Number.isInteger(n) && n >= 1) || x.length !== n * model.config.inputDim) {
    throw new ConfigError(
      "centerBiases points",
      `${x.length} values for n = ${n}`,
      `n × inputDim = ${n * model.config.inputDim} values, n ≥ 1`,
    );
  }
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
