import * as tf from "@tensorflow/tfjs";

/**
 * Like tf.tidy, but for functions that return plain data: every tensor made
 * inside is freed on the way out (variables and tf.keep'd tensors survive).
 */
export function scoped<T>(fn: () => T): T {
  tf.engine().startScope();
  try {
    return fn();
  } finally {
    tf.engine().endScope();
  }
}

/** A variable initialised from `init`, which is then freed (tf.variable keeps its own reference). */
export function variableFrom(init: tf.Tensor, trainable = true, name?: string): tf.Variable {
  const v = tf.variable(init, trainable, name);
  init.dispose();
  return v;
}
