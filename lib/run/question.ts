/**
 * The network of the question, as one config shared by every notebook: a
 * deep MLP of sigmoid units with Glorot & Bengio's "standard" init
 * U[−1/√n, 1/√n], trained by plain SGD on MNIST. Notebooks 01–06 build
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
  /** Training images used (60,000 = all of MNIST's training set). */
  readonly trainLimit: number;
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
  trainLimit: 60_000,
  probesPerEpoch: 4,
  probePoints: 1000,
};

export function questionExperiment(p: Partial<QuestionParams> = {}, name = "question"): ExperimentConfig {
  const q = { ...QUESTION_DEFAULTS, ...p };
  const data: DataSpec = q.trainLimit >= 60_000 ? { kind: "mnist" } : { kind: "mnist", trainLimit: q.trainLimit };
  const stepsPerEpoch = Math.floor(Math.min(q.trainLimit, 60_000) / q.batchSize);
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
