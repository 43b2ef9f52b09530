/**
 * Chapter: notebook 05-fixes — the budget every fix gets, and the experiment
 * a fix becomes under it.
 *
 * Equal budget: the same training images (a random subset of MNIST's training
 * file), the same cap on optimizer steps at the same batch size, the same
 * network width and depth, and the same stopping rule — a run stops when its
 * accuracy on the validation images reaches the target (checked every
 * `checkEvery` steps), so fixes are compared at equal accuracy where they get
 * there, and by how many steps they needed. The learning rate is the one thing
 * each fix gets its own, by one rule for all (./fixes-rate). The validation
 * images are unseen images of the training file (MNIST's `heldOut`), also the
 * held-out probe points: nothing is chosen or stopped on the test set.
 */
import { ConfigError } from "../core/errors";
import type { InitSpec } from "../core/init";
import type { DataSpec, ExperimentConfig } from "../run/experiment";
import type { Fix } from "../run/fixes";
import { FixRunJob, JOB_MODULE } from "./fixes-jobs";

/** What every fix gets. */
export interface Budget {
  readonly width: number;
  /** Training images, drawn at random from MNIST's training file. */
  readonly trainLimit: number;
  /** Test images, drawn at random from MNIST's test file (default all 10,000). */
  readonly testLimit?: number;
  /** The cap on optimizer steps of every run. */
  readonly steps: number;
  /** Validation accuracy at which a run stops (null: never stop early). */
  readonly target: number | null;
  /** Steps between validation checks; `steps` must be a multiple of it. */
  readonly checkEvery: number;
  readonly batchSize: number;
  /**
   * Points in each probe set, probed at init and after the last step: training
   * points, and as many unseen training-file images (held out, never trained on),
   * which are also the learning-rate rule's validation set.
   */
  readonly probePoints: number;
  /** Training images evaluated after each epoch (default 1,000). */
  readonly evalTrainSize?: number;
}

/** A fix made concrete at one depth: the init and layer rates it resolves to. */
export interface Setting {
  readonly fix: Fix;
  readonly depth: number;
  readonly init: InitSpec;
  readonly layerLearningRates?: readonly number[];
  /** How derived values were found, for the text. */
  readonly notes: readonly string[];
}

export interface RunSpec {
  readonly learningRate: number;
  readonly seed: number;
}

export function dataSpec(budget: Budget): DataSpec {
  return {
    kind: "mnist",
    trainLimit: budget.trainLimit,
    heldOut: budget.probePoints,
    ...(budget.testLimit ? { testLimit: budget.testLimit } : {}),
  };
}

export function validateBudget(b: Budget): void {
  const posInt = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v > 0;
  for (const k of ["width", "trainLimit", "steps", "batchSize", "probePoints", "checkEvery"] as const) {
    if (!posInt(b[k])) throw new ConfigError(`budget.${k}`, b[k], "a positive integer");
  }
  if (b.steps % b.checkEvery !== 0)
    throw new ConfigError("budget.steps", b.steps, `a multiple of checkEvery (${b.checkEvery})`);
  if (b.target !== null && !(b.target > 0 && b.target <= 1))
    throw new ConfigError("budget.target", b.target, "a validation accuracy in (0, 1], or null");
  if (b.trainLimit + b.probePoints > 60_000) {
    throw new ConfigError(
      "budget.trainLimit + budget.probePoints",
      b.trainLimit + b.probePoints,
      "at most 60,000 (MNIST's training file: training images plus the held-out ones)",
    );
  }
  if (b.batchSize > b.trainLimit)
    throw new ConfigError("budget.batchSize", b.batchSize, `at most trainLimit (${b.trainLimit})`);
  if (b.probePoints > b.trainLimit)
    throw new ConfigError("budget.probePoints", b.probePoints, `at most trainLimit (${b.trainLimit})`);
}

/** Epochs a budget's steps span (the last one may be partial). */
export function budgetEpochs(b: Budget): number {
  return Math.ceil(b.steps / Math.floor(b.trainLimit / b.batchSize));
}

/** Training samples one run of the budget sees: steps × batch size. */
export function budgetSamples(b: Budget): number {
  return b.steps * b.batchSize;
}

/** The experiment of a settled fix under the budget; probes before the first step and after the last. */
export function experimentConfig(s: Setting, budget: Budget, run: RunSpec): ExperimentConfig {
  validateBudget(budget);
  const train: ExperimentConfig["train"] = {
    epochs: budgetEpochs(budget),
    maxSteps: budget.steps,
    batchSize: budget.batchSize,
    optimizer: { kind: s.fix.optimizer, learningRate: run.learningRate },
    seed: run.seed,
    probeEverySteps: budget.steps,
    evalTrainSize: Math.min(budget.evalTrainSize ?? 1000, budget.trainLimit),
    ...(s.layerLearningRates ? { layerLearningRates: [...s.layerLearningRates] } : {}),
  };
  return {
    name: `fixes-${s.fix.id}-${budget.width}x${s.depth}-lr${run.learningRate}-s${run.seed}`,
    data: dataSpec(budget),
    model: {
      widths: Array.from({ length: s.depth }, () => budget.width),
      activation: s.fix.activation,
      init: s.init,
      seed: run.seed,
      ...(s.fix.batchNorm ? { batchNorm: true } : {}),
      ...(s.fix.residual ? { residual: true } : {}),
    },
    train,
    probePoints: budget.probePoints,
  };
}

/** The job that trains one run of a settled fix under the budget (./fixes-jobs "fixrun"). */
export function fixRunJob(s: Setting, budget: Budget, run: RunSpec): FixRunJob {
  return {
    kind: "fixrun",
    module: JOB_MODULE,
    config: experimentConfig(s, budget, run),
    target: budget.target,
    checkEvery: budget.checkEvery,
  };
}
