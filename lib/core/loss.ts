/**
 * The loss every network here is trained and measured with: softmax
 * cross-entropy of the logits against one-hot labels,
 *
 *   ℓ_i = −Σ_k y_ik log softmax(logits_i)_k,
 *
 * as the mean over the rows (what SGD minimises) or the sum (whose gradient
 * with respect to row i of anything is example i's own gradient: what the
 * per-example δ of the probes needs).
 */
import * as tf from "@tensorflow/tfjs";

/** One-hot rows as a float tensor, built in JS (no int tensor round trip). */
export function oneHot(labels: ArrayLike<number>, numClasses: number): tf.Tensor2D {
  const buf = new Float32Array(labels.length * numClasses);
  for (let i = 0; i < labels.length; i++) buf[i * numClasses + labels[i]] = 1;
  return tf.tensor2d(buf, [labels.length, numClasses]);
}

/** Softmax cross-entropy of logits against one-hot rows: the mean over rows (default) or their sum. */
export function crossEntropy(logits: tf.Tensor2D, oneHotRows: tf.Tensor2D, reduce: "mean" | "sum" = "mean"): tf.Scalar {
  return tf.tidy(() => {
    const perRow = tf.sum(tf.mul(oneHotRows, tf.logSoftmax(logits)), 1);
    return tf.neg(reduce === "mean" ? tf.mean(perRow) : tf.sum(perRow)) as tf.Scalar;
  });
}
