/**
 * Layer-sequential unit-variance init (Mishkin & Matas 2016, Algorithm 1):
 * start from orthonormal weights, then, layer by layer from the input,
 * divide W_l by √Var(z_l) measured on a batch until |Var(z_l) − 1| < tol.
 * As in the paper the variance is that of the layer's output before the
 * nonlinearity (z_l), pooled over all units and examples.
 */
import * as tf from "@tensorflow/tfjs";
import { Mlp } from "./model";
import { ConfigError } from "./errors";

export interface LsuvOptions {
  readonly tolerance?: number;
  readonly maxIterations?: number;
}

export interface LsuvResult {
  /** Var(z_l) after the procedure, per hidden layer. */
  readonly variances: number[];
  /** Rescaling iterations used per hidden layer. */
  readonly iterations: number[];
}

export function applyLsuv(model: Mlp, batch: tf.Tensor2D, opts: LsuvOptions = {}): LsuvResult {
  const tol = opts.tolerance ?? 0.05;
  const maxIter = opts.maxIterations ?? 20;
  if (!(tol > 0)) throw new ConfigError("lsuv.tolerance", tol, "a positive number, e.g. 0.05");
  if (batch.shape[1] !== model.config.inputDim) {
    throw new ConfigError("lsuv batch", batch.shape, `a [batch, ${model.config.inputDim}] tensor`);
  }
  const variances: number[] = [],
    iterations: number[] = [];
  model.hidden.forEach((layer, i) => {
    let v = varianceOfZ(model, batch, i);
    let it = 0;
    while (Math.abs(v - 1) >= tol && it < maxIter) {
      const scale = 1 / Math.sqrt(v);
      tf.tidy(() => layer.W.assign(layer.W.mul(scale)));
      v = varianceOfZ(model, batch, i);
      it++;
    }
    variances.push(v);
    iterations.push(it);
  });
  return { variances, iterations };
}

function varianceOfZ(model: Mlp, batch: tf.Tensor2D, i: number): number {
  return tf.tidy(() => {
    const { z } = model.forward(batch, { training: false });
    return tf.moments(z[i]).variance.dataSync()[0];
  });
}
