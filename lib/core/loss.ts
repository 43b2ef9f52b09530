/**
 * The loss every network here is trained and measured with: softmax
 * cross-entropy of the logits against one-hot labels,
 *
 *   ℓ_i = −Σ_k y_ik log softmax(logits_i)_k,
 *
 * as the mean over the rows (what SGD minimises) or the sum (whose gradient
 * with respect to row i of anything is example i's own gradient: what the
 * per-example δ of the probes needs). Training may minimise another loss
 * (label smoothing, the quadratic cost: `LossConfig` below); evaluation and
 * the probes always report this one.
 */
import * as tf from "@tensorflow/tfjs";
import { ConfigError } from "./errors";

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

/**
 * What training minimises (TrainConfig.loss; absent = plain cross-entropy,
 * today's default, so existing configs and cache keys do not change):
 *
 *  - crossEntropy with label smoothing α: the targets become (1 − α)·y + α/C,
 *      ℓ_i = −Σ_k [(1 − α) y_ik + α/C] log softmax(o_i)_k,
 *    whose minimum sits at a finite logit gap log((1 − α + α/C)/(α/C));
 *  - mse: the quadratic cost on the softmax outputs, ℓ_i = Σ_k (softmax(o_i)_k − y_ik)²
 *    (bounded, stable at the question's η = 1; its minimum is still at
 *    infinite logits, approached more slowly than cross-entropy's).
 */
export type LossConfig = { readonly kind: "crossEntropy"; readonly labelSmoothing?: number } | { readonly kind: "mse" };

/** The training loss of a config, as the mean over rows. */
export function trainingLoss(config: LossConfig | undefined, logits: tf.Tensor2D, oneHotRows: tf.Tensor2D): tf.Scalar {
  if (!config || (config.kind === "crossEntropy" && !config.labelSmoothing)) return crossEntropy(logits, oneHotRows);
  return tf.tidy(() => {
    if (config.kind === "mse")
      return tf.mean(tf.sum(tf.square(tf.sub(tf.softmax(logits), oneHotRows)), 1)) as tf.Scalar;
    const alpha = config.labelSmoothing ?? 0,
      C = oneHotRows.shape[1];
    const targets = tf.add(tf.mul(oneHotRows, 1 - alpha), alpha / C);
    return tf.neg(tf.mean(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), 1))) as tf.Scalar;
  });
}

/** Throws a ConfigError naming the field; makes no tensor. */
export function validateLoss(config: LossConfig | undefined): void {
  if (config === undefined) return;
  if (!config || (config.kind !== "crossEntropy" && config.kind !== "mse")) {
    throw new ConfigError(
      "loss.kind",
      config ? (config as { kind?: unknown }).kind : config,
      '"crossEntropy" or "mse"',
    );
  }
  if (
    config.kind === "crossEntropy" &&
    config.labelSmoothing !== undefined &&
    !(config.labelSmoothing >= 0 && config.labelSmoothing < 1)
  ) {
    throw new ConfigError("loss.labelSmoothing", config.labelSmoothing, "a number in [0, 1), e.g. 0.1");
  }
}
