/**
 * The job kinds of notebook 05 (the fixes), run by the shared worker pool
 * (lib/run/jobs) like any experiment:
 *
 *   - "validation": score one configuration on a validation split of its own
 *     training images (the learning-rate rule);
 *   - "trace": Ioffe & Szegedy's Figure 1 — test accuracy against steps, and
 *     percentiles of one unit's input z over training.
 *
 * A worker thread loads this module by its path (JOB_MODULE) and calls JOBS[kind].
 */
import { Dataset, splitTrainValidation } from "../data/dataset";
import { ExperimentConfig, buildModel, loadData, mnistSplit, probeSubset } from "../run/experiment";
import { forwardValues } from "../measure/deltas";
import { zPercentiles } from "../measure/trace";
import type { Job, JobKinds, JobProgress } from "../run/job";
import { Mlp } from "../core/model";
import { StopSignal, evaluate, train } from "../core/train";

/** This module, as a job's `module` (relative to lib/). */
export const JOB_MODULE = "chapters/fixes-jobs";

/** Score one configuration on a validation split of its own training images. */
export interface ValidationJob extends Job {
  readonly kind: "validation";
  readonly module: typeof JOB_MODULE;
  /** The experiment whose training images are split; its train.epochs is how long to train. */
  readonly config: ExperimentConfig;
  /** Images of the training subset held out for validation (never the test set). */
  readonly validationSize: number;
  readonly splitSeed: number;
}

/**
 * Ioffe & Szegedy's Figure 1: test accuracy against steps, and percentiles
 * of one unit's input z (before the sigmoid) over training.
 */
export interface TraceJob extends Job {
  readonly kind: "trace";
  readonly module: typeof JOB_MODULE;
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

export interface ValidationResult {
  readonly accuracy: number;
  readonly loss: number;
  readonly trainImages: number;
  readonly validationImages: number;
  readonly seconds: number;
}

export interface TracePoint {
  readonly step: number;
  readonly testAccuracy: number;
  /** Percentiles of z of the traced unit, in the order of the job's `percentiles`. */
  readonly z: number[];
}

export interface TraceResult {
  readonly points: TracePoint[];
  readonly seconds: number;
}

/** The training images of an MNIST experiment, split into train and validation parts. */
export function validationSplit(job: ValidationJob): { train: Dataset; validation: Dataset } {
  const spec = job.config.data;
  if (spec.kind !== "mnist") throw new Error(`validation jobs need MNIST data, got ${spec.kind}`);
  return splitTrainValidation(mnistSplit(spec).train, job.validationSize, job.splitSeed);
}

async function validationRun(job: ValidationJob, onProgress: (p: JobProgress) => void, signal: StopSignal): Promise<ValidationResult> {
  const t0 = Date.now();
  const { train: part, validation } = validationSplit(job);
  const data = { train: part, test: validation, heldOut: null, probeTrain: validation, probeHeldOut: validation };
  const { model } = buildModel(job.config, data);
  const epochs = job.config.train.epochs;
  try {
    const r = await train(model, { train: part, test: validation }, { ...job.config.train, probeEverySteps: undefined, evalTrainSize: Math.min(500, part.n) }, {
      signal,
      onStep: (s) => onProgress({ epoch: s.epoch, epochs, step: s.step, loss: s.loss, samplesPerSec: s.samplesPerSec }),
    });
    const last = r.epochs[r.epochs.length - 1];
    return { accuracy: last.test!.accuracy, loss: last.test!.loss, trainImages: part.n, validationImages: validation.n, seconds: (Date.now() - t0) / 1000 };
  } finally {
    model.dispose();
  }
}

async function traceRun(job: TraceJob, onProgress: (p: JobProgress) => void, signal: StopSignal): Promise<TraceResult> {
  const t0 = Date.now();
  const data = loadData(job.config.data, job.config.probePoints ?? 1000);
  const { model } = buildModel(job.config, data);
  const testSet = probeSubset(data.test, Math.min(job.testPoints, data.test.n), "trace test points");
  const tracePoints = probeSubset(data.train, Math.min(job.tracePoints, data.train.n), "trace training points");
  const points: TracePoint[] = [];
  const record = (step: number) => points.push({ step, testAccuracy: evaluate(model, testSet).accuracy, z: unitInput(model, tracePoints, job) });
  const stepsPerEpoch = Math.floor(data.train.n / job.config.train.batchSize);
  const epochs = Math.ceil(job.steps / stepsPerEpoch);
  try {
    record(0);
    await train(model, { train: data.train }, { ...job.config.train, epochs, maxSteps: job.steps, probeEverySteps: undefined, evalTrainSize: 100 }, {
      signal,
      onStep: (s) => {
        if (s.step % job.every === 0) record(s.step);
        onProgress({ epoch: s.epoch, epochs, step: s.step, loss: s.loss, accuracy: points[points.length - 1].testAccuracy, samplesPerSec: s.samplesPerSec });
      },
    });
    return { points, seconds: (Date.now() - t0) / 1000 };
  } finally {
    model.dispose();
  }
}

/**
 * Percentiles of z (the sigmoid's input) of one unit over a set of points, as
 * training sees it: with batch norm, normalised by the statistics of this
 * set (training mode) — the moving averages are not touched.
 */
export function unitInput(model: Mlp, points: Dataset, job: Pick<TraceJob, "layer" | "unit" | "percentiles">): number[] {
  const { z } = forwardValues(model, points, { training: true });
  return Array.from(zPercentiles(z[job.layer - 1], points.n, model.hidden[job.layer - 1].nOut, job.percentiles, [job.unit]));
}


export const JOBS: JobKinds = {
  validation: (job, onProgress, signal) => validationRun(job as ValidationJob, onProgress, signal),
  trace: (job, onProgress, signal) => traceRun(job as TraceJob, onProgress, signal),
};
