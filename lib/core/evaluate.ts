/**
 * Loss and accuracy of a model on a labelled set, by its tfjs forward pass
 * (train.ts's end-of-epoch evaluation on the tfjs path, and the notebooks').
 */
import * as tf from "@tensorflow/tfjs";
import type { Mlp } from "./model";
import type { Evaluation, LabelledData } from "./train";
import { crossEntropy, oneHot } from "./loss";
import { scoped } from "./scope";

/** Loss and accuracy on a whole set, in eval mode, in chunks to bound memory. */
export function evaluate(model: Mlp, ds: LabelledData, chunk = 2000): Evaluation {
  let lossSum = 0,
    correct = 0;
  for (let s = 0; s < ds.n; s += chunk) {
    const m = Math.min(chunk, ds.n - s);
    const { loss, pred } = scoped(() => {
      const x = tf.tensor2d(ds.x.subarray(s * ds.inputDim, (s + m) * ds.inputDim), [m, ds.inputDim]);
      const labels = ds.y.subarray(s, s + m);
      const { logits } = model.forward(x, { training: false });
      return {
        loss: crossEntropy(logits, oneHot(labels, model.config.outputDim)).dataSync()[0],
        pred: tf.argMax(logits, 1).dataSync(),
      };
    });
    lossSum += loss * m;
    for (let i = 0; i < m; i++) if (pred[i] === ds.y[s + i]) correct++;
  }
  return { loss: lossSum / ds.n, accuracy: correct / ds.n };
}
