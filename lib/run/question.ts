/**
 * The network of the question, as one config shared by every notebook: a
 * deep MLP of sigmoid units with Glorot & Bengio's "standard" init
 * U[−1/√n, 1/√n], trained by plain SGD on 50,000 of MNIST's training images
 * (Glorot & Bengio's split too), the other 10,000 held out unseen. Notebooks 01–06 build
 * their experiments from here, so equal parameters mean equal cache keys
 * and a notebook run alone retrains exactly what 01 would have.
 */
import type { ExperimentConfig, DataSpec } from "./experiment";
import type { ActivationName } from "../core/activations";
import type { InitSpec } from "../core/init";

export interface QuestionParams {
  readonly width: number;
  readonly depth: number;
  readonly learningRate: number;
  readonly batchSize: number;
  readonly epochs: number;
  readonly seed: number;
  /** Training images, drawn at random from MNIST's training file (at most 60,000 − heldOut). */
  readonly trainLimit: number;
  /**
   * Images of the training file held out at random, never trained on: the unseen points
   * of the same distribution that "trained-on vs not" compares with (the test file's
   * writers differ from the training file's).
   */
  readonly heldOut: number;
  /** Probes per epoch on the fixed training and held-out points. */
  readonly probesPerEpoch: number;
  /** Points in each probe set. */
  readonly probePoints: number;
  readonly activation?: ActivationName;
  readonly init?: InitSpec;
}

export const QUESTION_DEFAULTS: QuestionParams = {
  width: 256,
  depth: 5,
  learningRate: 1,
  batchSize: 32,
  epochs: 10,
  seed: 1,
  trainLimit: 50_000,
  heldOut: 10_000,
  probesPerEpoch: 4,
  probePoints: 1000,
};

export function questionExperiment(p: Partial<QuestionParams> = {}, name = "question"): ExperimentConfig {
  const q = { ...QUESTION_DEFAULTS, ...p };
  const data: DataSpec = { kind: "mnist", trainLimit: q.trainLimit, heldOut: q.heldOut };
  const stepsPerEpoch = Math.floor(q.trainLimit / q.batchSize);
  return {
    name,
    data,
    model: {
      widths: Array.from({ length: q.depth }, () => q.width),
      activation: q.activation ?? "sigmoid",
      init: q.init ?? "standard",
      seed: q.seed,
    },
    train: {
      epochs: q.epochs,
      batchSize: q.batchSize,
      optimizer: { kind: "sgd", learningRate: q.learningRate },
      seed: q.seed,
      probeEverySteps: Math.max(1, Math.floor(stepsPerEpoch / q.probesPerEpoch)),
    },
    probePoints: q.probePoints,
  };
}
