/**
 * Chapter: notebook 05-fixes — its job kinds, run by the shared worker pool
 * (lib/run/jobs):
 *
 *   - "fixrun": one fix, one seed, one learning rate. Trains for the budget's
 *     steps, or until the accuracy on the validation images (unseen training-
 *     file images) reaches the target — checked every `checkEvery` steps —
 *     and probes the network before the first step and where it stopped.
 *   - "trace": Ioffe & Szegedy's Figure 1 — test accuracy against steps, and
 *     percentiles of one unit's input z over training — ending with the
 *     network's score on validation images, which the learning-rate rule reads.
 *
 * A worker thread loads this module by its path (JOB_MODULE) and calls JOBS[kind].
 */
import { Dataset } from "../data/dataset";
import { ExperimentConfig, buildModel, loadData, probeSubset } from "../run/experiment";
import { backward, forwardValues, meanDeltaNorms } from "../measure/deltas";
import { ProbeSnapshot, probe } from "../measure/probe";
import { ConfigError } from "../core/errors";
import { zPercentiles } from "../measure/trace";
import type { Job, JobKinds, JobProgress } from "../run/job";
import type { InitSpec } from "../core/init";
import { Mlp } from "../core/model";
import { Evaluation, ProbeRecord, StopSignal, evaluate, train } from "../core/train";
import type { Fix } from "../run/fixes";

/** This module, as a job's `module` (relative to lib/). */
export const JOB_MODULE = "chapters/fixes-jobs";

// ------------------------------------------------------------------ one run of a fix

export interface FixRunJob extends Job {
  readonly kind: "fixrun";
  readonly module: typeof JOB_MODULE;
  /** An MNIST experiment whose data holds images out (`heldOut`): the validation set, also the held-out probe points. */
  readonly config: ExperimentConfig;
  /** Stop once the validation accuracy reaches this; null: train every step. */
  readonly target: number | null;
  /** Steps between validation checks (maxSteps must be a multiple of it). */
  readonly checkEvery: number;
}

export interface ValidationCheck {
  readonly step: number;
  readonly accuracy: number;
  readonly loss: number;
}

export interface FixRunRecord {
  readonly stepLosses: number[];
  readonly steps: number;
  /** The step of the first check at which the validation accuracy reached the target; null if none did. */
  readonly reachedAt: number | null;
  /** Validation accuracy and loss before the first step and every checkEvery steps. */
  readonly checks: ValidationCheck[];
  /** Probes (training points, held-out points) before the first step and where training stopped. */
  readonly init: { readonly train: ProbeSnapshot; readonly heldOut: ProbeSnapshot };
  readonly end: { readonly train: ProbeSnapshot; readonly heldOut: ProbeSnapshot };
  /**
   * Mean ‖δ_l‖ per hidden layer at init with batch norm in TRAINING mode (batch
   * statistics of the training probe points, what backprop sees at step 1); null
   * without batch norm, where the init probe's deltaNorm is that already.
   */
  readonly initDeltaNormsTrainingMode: number[] | null;
  readonly test: Evaluation;
  /** ‖ΔW_l‖/‖W_l‖ of the last step, layers 1..L+1. */
  readonly lastUpdate: number[] | null;
  readonly trainSeconds: number;
  readonly seconds: number;
}

class TargetReached extends Error {}

async function fixRun(job: FixRunJob, onProgress: (p: JobProgress) => void, signal: StopSignal): Promise<FixRunRecord> {
  const t0 = Date.now();
  const cfg = job.config,
    maxSteps = cfg.train.maxSteps;
  if (
    !(
      Number.isInteger(job.checkEvery) &&
      job.checkEvery > 0 &&
      maxSteps !== undefined &&
      maxSteps % job.checkEvery === 0
    )
  ) {
    throw new ConfigError(
      "fixrun checkEvery",
      job.checkEvery,
      `a positive divisor of the run's maxSteps (${maxSteps})`,
    );
  }
  const data = loadData(cfg.data, cfg.probePoints ?? 1000);
  if (!data.heldOut)
    throw new ConfigError(`${cfg.name} data.heldOut`, undefined, "held-out training-file images (the validation set)");
  const validation = data.heldOut;
  const { model } = buildModel(cfg, data);
  const stepLosses: number[] = [],
    checks: ValidationCheck[] = [];
  let lastRecord: ProbeRecord<Evaluation> | null = null,
    reachedAt: number | null = null,
    trainSeconds = 0;
  try {
    const init = { train: probe(model, data.probeTrain), heldOut: probe(model, data.probeHeldOut) };
    const initDeltaNormsTrainingMode = cfg.model.batchNorm
      ? meanDeltaNorms(backward(model, data.probeTrain, { training: true })).slice(0, model.depth)
      : null;
    const epochs = cfg.train.epochs;
    try {
      const r = await train(
        model,
        { train: data.train, probeSets: [validation], observe: (m, p) => evaluate(m, p) },
        { ...cfg.train, probeEverySteps: job.checkEvery },
        {
          signal,
          // onStep reads only the loss: the fast path need not copy the weights back every step.
          stepReadsModel: () => false,
          onStep: (s) => {
            stepLosses.push(s.loss);
            trainSeconds = (s.step * cfg.train.batchSize) / s.samplesPerSec;
            onProgress({
              epoch: s.epoch,
              epochs,
              step: s.step,
              loss: s.loss,
              accuracy: checks[checks.length - 1]?.accuracy,
              samplesPerSec: s.samplesPerSec,
            });
          },
          onProbe: (rec) => {
            lastRecord = rec;
            checks.push({ step: rec.step, ...rec.snapshots[0] });
            if (job.target !== null && rec.step > 0 && rec.snapshots[0].accuracy >= job.target) {
              reachedAt = rec.step;
              throw new TargetReached();
            }
          },
        },
      );
      trainSeconds = r.trainSeconds;
    } catch (e) {
      if (!(e instanceof TargetReached)) throw e;
    }
    const end = { train: probe(model, data.probeTrain), heldOut: probe(model, data.probeHeldOut) };
    const last = lastRecord as ProbeRecord<Evaluation> | null;
    return {
      stepLosses,
      steps: stepLosses.length,
      reachedAt,
      checks,
      init,
      end,
      initDeltaNormsTrainingMode,
      test: evaluate(model, data.test),
      lastUpdate: last ? last.updateToData : null,
      trainSeconds,
      seconds: (Date.now() - t0) / 1000,
    };
  } finally {
    model.dispose();
  }
}

// ------------------------------------------------------------------ the batch-norm figure's runs

/**
 * Ioffe & Szegedy's Figure 1: test accuracy against steps, and percentiles
 * of one unit's input z (before the sigmoid) over training.
 */
export interface TraceJob extends Job {
  readonly kind: "trace";
  readonly module: typeof JOB_MODULE;
  /** Its MNIST data holds `heldOut` images out: the validation set scored after the last step. */
  readonly config: ExperimentConfig;
  readonly steps: number;
  /** Record every this many steps (and before the first). */
  readonly every: number;
  /** Hidden layer (1-based) and unit whose input is traced. */
  readonly layer: number;
  readonly unit: number;
  /** Test images used for the accuracy curve. */
  readonly testPoints: number;
  /** Training images the percentiles of z are taken over. */
  readonly tracePoints: number;
  readonly percentiles: readonly number[];
}

export interface TracePoint {
  readonly step: number;
  readonly testAccuracy: number;
  /** Percentiles of z of the traced unit, in the order of the job's `percentiles`. */
  readonly z: number[];
}

export interface TraceResult {
  readonly points: TracePoint[];
  /** Accuracy and loss on the validation images after the last step. */
  readonly validation: { readonly accuracy: number; readonly loss: number; readonly n: number };
  readonly seconds: number;
}

async function traceRun(job: TraceJob, onProgress: (p: JobProgress) => void, signal: StopSignal): Promise<TraceResult> {
  const t0 = Date.now();
  const data = loadData(job.config.data, job.config.probePoints ?? 1000);
  const { model } = buildModel(job.config, data);
  const testSet = probeSubset(data.test, Math.min(job.testPoints, data.test.n), "trace test points");
  const tracePoints = probeSubset(data.train, Math.min(job.tracePoints, data.train.n), "trace training points");
  if (!data.heldOut)
    throw new Error(`trace job ${job.config.name}: its MNIST data needs heldOut images (the validation set)`);
  const heldOut = data.heldOut;
  const points: TracePoint[] = [];
  const record = (step: number) =>
    points.push({ step, testAccuracy: evaluate(model, testSet).accuracy, z: unitInput(model, tracePoints, job) });
  const stepsPerEpoch = Math.floor(data.train.n / job.config.train.batchSize);
  const epochs = Math.ceil(job.steps / stepsPerEpoch);
  try {
    record(0);
    await train(
      model,
      { train: data.train },
      { ...job.config.train, epochs, maxSteps: job.steps, probeEverySteps: undefined, evalTrainSize: 100 },
      {
        signal,
        stepReadsModel: (step) => step % job.every === 0,
        onStep: (s) => {
          if (s.step % job.every === 0) record(s.step);
          onProgress({
            epoch: s.epoch,
            epochs,
            step: s.step,
            loss: s.loss,
            accuracy: points[points.length - 1].testAccuracy,
            samplesPerSec: s.samplesPerSec,
          });
        },
      },
    );
    const v = evaluate(model, heldOut);
    return {
      points,
      validation: { accuracy: v.accuracy, loss: v.loss, n: heldOut.n },
      seconds: (Date.now() - t0) / 1000,
    };
  } finally {
    model.dispose();
  }
}

/**
 * Percentiles of z (the sigmoid's input) of one unit over a set of points, as
 * training sees it: with batch norm, normalised by the statistics of this
 * set (training mode) — the moving averages are not touched.
 */
export function unitInput(
  model: Mlp,
  points: Dataset,
  job: Pick<TraceJob, "layer" | "unit" | "percentiles">,
): number[] {
  const { z } = forwardValues(model, points, { training: true });
  return Array.from(
    zPercentiles(z[job.layer - 1], points.n, model.hidden[job.layer - 1].nOut, job.percentiles, [job.unit]),
  );
}

export const JOBS: JobKinds = {
  fixrun: (job, onProgress, signal) => fixRun(job as FixRunJob, onProgress, signal),
  trace: (job, onProgress, signal) => traceRun(job as TraceJob, onProgress, signal),
};

// ------------------------------------------------------------------ the batch-norm figure

export interface BnFigureSpec {
  readonly widths: readonly number[];
  readonly batchSize: number;
  readonly steps: number;
  readonly every: number;
  readonly trainLimit: number;
  /** Unseen training-file images the learning-rate rule scores on. */
  readonly validationSize: number;
  readonly seed: number;
  readonly testPoints: number;
  readonly tracePoints: number;
  readonly init: InitSpec;
}

/** The two networks of Ioffe & Szegedy's Figure 1, as fixes (labels for the rate table). */
export function bnFigureFixes(init: InitSpec): { plain: Fix; batchNorm: Fix } {
  const common = {
    group: "training and architecture" as const,
    citation: "Ioffe & Szegedy 2015, Figure 1",
    activation: "sigmoid" as const,
    init,
    optimizer: "sgd" as const,
  };
  return {
    plain: { ...common, id: "bnfig-plain", label: "3 × 100 sigmoid, no BN", claim: "Ioffe & Szegedy's baseline." },
    batchNorm: {
      ...common,
      id: "bnfig-bn",
      label: "3 × 100 sigmoid with BN",
      claim: "Ioffe & Szegedy's BN network.",
      batchNorm: true,
    },
  };
}

/** A trace job of one of the figure's networks at one learning rate: test accuracy and the 15/50/85th percentiles of one top-layer unit's input. */
export function bnFigureJob(
  spec: BnFigureSpec,
  batchNorm: boolean,
  learningRate: number,
  probePoints: number,
): TraceJob {
  return {
    kind: "trace",
    module: JOB_MODULE,
    config: {
      name: `fixes-bnfig-${batchNorm ? "bn" : "plain"}-lr${learningRate}`,
      data: { kind: "mnist", trainLimit: spec.trainLimit, heldOut: spec.validationSize },
      model: {
        widths: [...spec.widths],
        activation: "sigmoid",
        init: spec.init,
        seed: spec.seed,
        ...(batchNorm ? { batchNorm: true } : {}),
      },
      train: { epochs: 1, batchSize: spec.batchSize, optimizer: { kind: "sgd", learningRate }, seed: spec.seed },
      probePoints,
    },
    steps: spec.steps,
    every: spec.every,
    layer: spec.widths.length,
    unit: 0,
    testPoints: spec.testPoints,
    tracePoints: spec.tracePoints,
    percentiles: [15, 50, 85],
  };
}
