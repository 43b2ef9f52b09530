/**
 * The reference training workload of the benchmark, self-contained so it is
 * easy to swap for lib/train.ts: MLP 784-256-256-256-256-256-10, sigmoid
 * hidden units, softmax cross-entropy, plain SGD (lr 0.1), batch 128.
 * lib/bench/torch_bench.py runs the same thing in PyTorch.
 *
 * Step variants, so the benchmark can show what the step's shape costs
 * (all compute the same function and gradients):
 *  - "plain": matMul + add + sigmoid, tf.losses.softmaxCrossEntropy,
 *    update v ← v − lr·g as sub(mul) — the obvious tfjs code.
 *  - "lean": the same forward, a manual log-softmax loss multiplied by lr
 *    (so the gradients arrive as lr·g and the update is one sub), fewer
 *    kernels per step.
 *  - fusedBias (not in either preset): tf.fused.matMul for matMul + bias is
 *    SLOWER for training — its custom gradient computes dL/dx eagerly, so
 *    the first layer pays for a 128×256·256×784 product nobody needs.
 */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../core/rng";

/** How the training step is written (all compute the same function). */
export interface StepOptions {
  /** tf.fused.matMul with the bias (linear activation) instead of matMul + add. */
  readonly fusedBias: boolean;
  /** Multiply the loss by lr so the update is v − g instead of v − lr·g. */
  readonly foldLearningRate: boolean;
  /** −Σ y·logSoftmax / B instead of tf.losses.softmaxCrossEntropy. */
  readonly manualLoss: boolean;
}

export const PLAIN: StepOptions = { fusedBias: false, foldLearningRate: false, manualLoss: false };
export const LEAN: StepOptions = { fusedBias: false, foldLearningRate: true, manualLoss: true };

export type StepVariant = "plain" | "lean" | StepOptions;

export interface WorkloadSpec {
  readonly inputDim: number;
  readonly widths: readonly number[];
  readonly classes: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly seed: number;
  readonly variant: StepVariant;
}

export const REFERENCE_SPEC: WorkloadSpec = {
  inputDim: 784,
  widths: [256, 256, 256, 256, 256],
  classes: 10,
  batchSize: 128,
  learningRate: 0.1,
  seed: 1,
  variant: "plain",
};

/** Training examples as flat arrays (same layout as lib/data.ts's Dataset). */
export interface WorkloadData {
  readonly x: Float32Array; // n × inputDim, row-major
  readonly y: Int32Array; // n labels in [0, classes)
  readonly n: number;
}

export interface Workload {
  /** Run `steps` SGD steps; returns the loss of the last one (one sync at the end). */
  run(steps: number): number;
  /** Current parameters, copied out (W1, b1, W2, b2, ...). */
  weights(): Float32Array[];
  dispose(): void;
}

/** Nominal FLOPs of one step: 2·B·Σ in·out forward, ×3 for forward + backward. */
export function flopsPerStep(spec: WorkloadSpec): number {
  const dims = [spec.inputDim, ...spec.widths, spec.classes];
  let macs = 0;
  for (let i = 0; i + 1 < dims.length; i++) macs += dims[i] * dims[i + 1];
  return 3 * 2 * spec.batchSize * macs;
}

/** Random MNIST-shaped data from the seeded Rng (when real MNIST is not wanted). */
export function randomData(spec: WorkloadSpec, n: number): WorkloadData {
  const rng = new Rng(spec.seed).fork("bench-data");
  const x = new Float32Array(n * spec.inputDim);
  for (let i = 0; i < x.length; i++) x[i] = rng.next();
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) y[i] = rng.int(spec.classes);
  return { x, y, n };
}

/** Build the network's variables on the current backend and return its step loop. */
export function createWorkload(spec: WorkloadSpec, data: WorkloadData): Workload {
  const B = spec.batchSize;
  if (data.n < B) throw new Error(`bench workload: need at least ${B} examples, got ${data.n}`);
  const dims = [spec.inputDim, ...spec.widths, spec.classes];
  const rng = new Rng(spec.seed).fork("bench-weights");
  const params: tf.Variable[] = [];
  for (let i = 0; i + 1 < dims.length; i++) {
    const w = new Float32Array(dims[i] * dims[i + 1]);
    const scale = 1 / Math.sqrt(dims[i]);
    for (let j = 0; j < w.length; j++) w[j] = rng.normal() * scale;
    params.push(tf.variable(tf.tensor2d(w, [dims[i], dims[i + 1]]), true));
    params.push(tf.variable(tf.zeros([dims[i + 1]]), true));
  }
  const lr = tf.scalar(spec.learningRate);
  let cursor = 0;

  const nextBatch = (): [tf.Tensor2D, tf.Tensor2D] => {
    if (cursor + B > data.n) cursor = 0;
    const x = tf.tensor2d(data.x.subarray(cursor * spec.inputDim, (cursor + B) * spec.inputDim), [B, spec.inputDim]);
    // A new array each step: the cpu backend keeps the array it is given.
    const oneHot = new Float32Array(B * spec.classes);
    for (let i = 0; i < B; i++) oneHot[i * spec.classes + data.y[cursor + i]] = 1;
    cursor += B;
    return [x, tf.tensor2d(oneHot, [B, spec.classes])];
  };

  const o = spec.variant === "plain" ? PLAIN : spec.variant === "lean" ? LEAN : spec.variant;
  const forward = o.fusedBias ? fusedForward : plainForward;
  // With foldLearningRate the loss is pre-multiplied by lr, so the gradients
  // come out as lr·g and the update is one subtraction per variable.
  const lossScale = o.foldLearningRate ? spec.learningRate : 1;

  const step = (): tf.Scalar =>
    tf.tidy(() => {
      const [x, y] = nextBatch();
      const { value, grads } = tf.variableGrads(() => {
        const logits = forward(params, x);
        return o.manualLoss ? manualLoss(logits, y, lossScale) : tfLoss(logits, y, lossScale);
      }, params);
      for (const v of params) {
        v.assign(o.foldLearningRate ? tf.sub(v, grads[v.name]) : tf.sub(v, tf.mul(grads[v.name], lr)));
      }
      return value;
    });

  return {
    run(steps: number): number {
      let last: tf.Scalar | null = null;
      for (let s = 0; s < steps; s++) {
        last?.dispose();
        last = step();
      }
      const value = last ? last.dataSync()[0] / lossScale : NaN;
      last?.dispose();
      return value;
    },
    weights: () => params.map((p) => Float32Array.from(p.dataSync())),
    dispose: () => tf.dispose([...params, lr]),
  };
}

function plainForward(params: tf.Variable[], x: tf.Tensor2D): tf.Tensor2D {
  let h: tf.Tensor2D = x;
  for (let i = 0; i < params.length; i += 2) {
    const z = tf.add(tf.matMul(h, params[i]), params[i + 1]) as tf.Tensor2D;
    h = i + 2 < params.length ? tf.sigmoid(z) : z;
  }
  return h;
}

function fusedForward(params: tf.Variable[], x: tf.Tensor2D): tf.Tensor2D {
  let h: tf.Tensor2D = x;
  for (let i = 0; i < params.length; i += 2) {
    const z = tf.fused.matMul({ a: h, b: params[i], bias: params[i + 1] }) as tf.Tensor2D;
    h = i + 2 < params.length ? tf.sigmoid(z) : z;
  }
  return h;
}

function tfLoss(logits: tf.Tensor2D, y: tf.Tensor2D, scale: number): tf.Scalar {
  const loss = tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
  return scale === 1 ? loss : (tf.mul(loss, scale) as tf.Scalar);
}

/** scale · mean over the batch of −Σ_c y_c·log softmax(logits)_c. */
function manualLoss(logits: tf.Tensor2D, y: tf.Tensor2D, scale: number): tf.Scalar {
  return tf.mul(tf.sum(tf.mul(y, tf.logSoftmax(logits))), -scale / logits.shape[0]) as tf.Scalar;
}
