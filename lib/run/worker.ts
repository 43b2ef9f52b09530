/**
 * The body of one independent job (train an experiment, score a learning
 * rate on validation data, trace one sigmoid's input over training), and
 * the entry of the worker threads that lib/parallel.ts starts.
 *
 * A job's result is plain data (structured-clone safe) and is written to the
 * disk cache by whoever runs it, so the same job gives the same numbers in
 * the main thread or in a worker, and a second run only reads the cache.
 *
 * This module has no side effect when imported from the main thread: the
 * worker loop only starts in a thread created by lib/parallel.ts.
 */
import { isMainThread, parentPort, workerData } from "worker_threads";
import * as tf from "@tensorflow/tfjs";
import { prepareBackend } from "../core/backend";
import { cached, CacheStatus } from "./cache";
import { Dataset, loadMnist, splitTrainValidation, subset } from "../data/mnist";
import { DivergenceError } from "../core/errors";
import { ExperimentConfig, ExperimentRecord, buildModel, loadData, runExperiment } from "./experiment";
import { Mlp } from "../core/model";
import { percentiles } from "../measure/stats";
import { StepInfo, evaluate, train } from "../core/train";
import { scoped } from "../core/scope";
import { permutation, Rng } from "../core/rng";

/** Score one configuration on a validation split of its own training images. */
export interface ValidationJob {
  readonly kind: "validation";
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
export interface TraceJob {
  readonly kind: "trace";
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

export type Job = { readonly kind: "experiment"; readonly config: ExperimentConfig } | ValidationJob | TraceJob;

export interface Failure {
  readonly name: string;
  readonly message: string;
  /** For a divergence: where it happened. */
  readonly step?: number;
  readonly epoch?: number;
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

export type JobValue<J extends Job> = J extends { kind: "experiment" } ? ExperimentRecord : J extends ValidationJob ? ValidationResult : TraceResult;

/** What a job produced: its value, or the divergence (or other failure) that stopped it. */
export type JobOutcome<J extends Job = Job> =
  | { readonly ok: true; readonly value: JobValue<J>; readonly cache: CacheStatus }
  | { readonly ok: false; readonly failure: Failure; readonly cache: CacheStatus };

/** Live news from a running job, forwarded to the main thread's progress display. */
export interface JobProgress {
  readonly epoch: number;
  readonly epochs: number;
  readonly step: number;
  readonly loss: number;
  readonly accuracy?: number;
  readonly samplesPerSec?: number;
}

class NotCached extends Error {}

/** Cache name and key of a job's record (experiments use runExperiment's own key). */
function cacheIdentity(job: Job): { name: string; key: unknown } {
  if (job.kind === "experiment") return { name: job.config.name, key: job.config };
  return { name: `${job.config.name}-${job.kind}`, key: { job } };
}

/** The key under which a failed (diverged) job is remembered, so reruns do not retrain it. */
function failureIdentity(job: Job): { name: string; key: unknown } {
  return { name: `${job.config.name}-failed`, key: { failedJob: job } };
}

/** Read a job's outcome from the cache without running it; null when it is not there. */
export async function lookupJob<J extends Job>(job: J, cacheDir?: string): Promise<JobOutcome<J> | null> {
  const tryRead = async <T>(id: { name: string; key: unknown }): Promise<T | null> => {
    try {
      const r = await cached<T>(id.name, id.key, async () => { throw new NotCached(); }, { dir: cacheDir });
      return r.value;
    } catch (e) {
      if (e instanceof NotCached) return null;
      throw e;
    }
  };
  const value = await tryRead<JobValue<J>>(cacheIdentity(job));
  if (value !== null) return { ok: true, value, cache: "hit" };
  const failure = await tryRead<Failure>(failureIdentity(job));
  if (failure !== null) return { ok: false, failure, cache: "hit" };
  return null;
}

/**
 * Run a job here (main thread or worker), writing its outcome to the cache.
 * Divergence is an outcome, not an exception: it is returned and cached.
 */
export async function runJob<J extends Job>(job: J, opts: { cacheDir?: string; onProgress?: (p: JobProgress) => void } = {}): Promise<JobOutcome<J>> {
  const known = await lookupJob(job, opts.cacheDir);
  if (known) return known;
  try {
    if (job.kind === "experiment") {
      const epochs = job.config.train.epochs;
      let lastAccuracy: number | undefined;
      const exp = await runExperiment(job.config, {
        onStep: (s: StepInfo) => opts.onProgress?.({ epoch: s.epoch, epochs, step: s.step, loss: s.loss, accuracy: lastAccuracy, samplesPerSec: s.samplesPerSec }),
        onEpoch: (e) => {
          lastAccuracy = (e.test ?? e.train).accuracy;
          opts.onProgress?.({ epoch: e.epoch, epochs, step: e.step, loss: e.runningLoss, accuracy: lastAccuracy, samplesPerSec: e.samplesPerSec });
        },
      }, { cacheDir: opts.cacheDir });
      exp.model.dispose();
      exp.initialModel.dispose();
      const value: ExperimentRecord = { result: exp.result, lsuv: exp.lsuv, wallSeconds: exp.wallSeconds };
      return { ok: true, value: value as JobValue<J>, cache: exp.cache };
    }
    const id = cacheIdentity(job);
    const build = job.kind === "validation" ? () => validationRun(job, opts.onProgress) : () => traceRun(job as TraceJob, opts.onProgress);
    const r = await cached<JobValue<J>>(id.name, id.key, async () => ({ value: (await build()) as JobValue<J>, arrays: {} }), { dir: opts.cacheDir });
    return { ok: true, value: r.value, cache: r.status };
  } catch (e) {
    if (!(e instanceof DivergenceError)) throw e;
    // The cache stores JSON, which has no NaN: the message names the non-finite value in words.
    const message = e.message.replace(/\bNaN\b/g, "not a number").replace(/-?Infinity/g, "infinite");
    const failure: Failure = { name: e.name, message, step: e.step, epoch: e.epoch };
    const id = failureIdentity(job);
    await cached<Failure>(id.name, id.key, async () => ({ value: failure, arrays: {} }), { dir: opts.cacheDir });
    return { ok: false, failure, cache: "miss" };
  }
}

/** The training images of an MNIST experiment, split into train and validation parts. */
export function validationSplit(job: ValidationJob): { train: Dataset; validation: Dataset } {
  const spec = job.config.data;
  if (spec.kind !== "mnist") throw new Error(`validation jobs need MNIST data, got ${spec.kind}`);
  const all = loadMnist("train", spec.trainLimit ? { limit: spec.trainLimit } : {});
  return splitTrainValidation(all, job.validationSize, job.splitSeed);
}

async function validationRun(job: ValidationJob, onProgress?: (p: JobProgress) => void): Promise<ValidationResult> {
  const t0 = Date.now();
  const { train: part, validation } = validationSplit(job);
  const data = { train: part, test: validation, probeTrain: validation, probeHeldOut: validation };
  const { model } = buildModel(job.config, data);
  const epochs = job.config.train.epochs;
  try {
    const r = await train(model, { train: part, test: validation }, { ...job.config.train, probeEverySteps: undefined, evalTrainSize: Math.min(500, part.n) }, {
      onStep: (s) => onProgress?.({ epoch: s.epoch, epochs, step: s.step, loss: s.loss, samplesPerSec: s.samplesPerSec }),
    });
    const last = r.epochs[r.epochs.length - 1];
    return { accuracy: last.test!.accuracy, loss: last.test!.loss, trainImages: part.n, validationImages: validation.n, seconds: (Date.now() - t0) / 1000 };
  } finally {
    model.dispose();
  }
}

async function traceRun(job: TraceJob, onProgress?: (p: JobProgress) => void): Promise<TraceResult> {
  const t0 = Date.now();
  const data = loadData(job.config.data, job.config.probePoints ?? 1000);
  const { model } = buildModel(job.config, data);
  const pick = (ds: Dataset, n: number, label: string) =>
    subset(ds, permutation(ds.n, new Rng(1965).fork(label)).subarray(0, Math.min(n, ds.n)), `${label} (${n})`);
  const testSet = pick(data.test, job.testPoints, "trace test points");
  const tracePoints = pick(data.train, job.tracePoints, "trace training points");
  const points: TracePoint[] = [];
  const record = (step: number) => points.push({ step, testAccuracy: evaluate(model, testSet).accuracy, z: unitInput(model, tracePoints, job) });
  const stepsPerEpoch = Math.floor(data.train.n / job.config.train.batchSize);
  const epochs = Math.ceil(job.steps / stepsPerEpoch);
  try {
    record(0);
    await train(model, { train: data.train }, { ...job.config.train, epochs, maxSteps: job.steps, probeEverySteps: undefined, evalTrainSize: 100 }, {
      onStep: (s) => {
        if (s.step % job.every === 0) record(s.step);
        onProgress?.({ epoch: s.epoch, epochs, step: s.step, loss: s.loss, accuracy: points[points.length - 1].testAccuracy, samplesPerSec: s.samplesPerSec });
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
  const z = scoped(() => {
    const x = tf.tensor2d(points.x, [points.n, points.inputDim]);
    const tr = model.forward(x, { training: true });
    return tf.slice(tr.z[job.layer - 1], [0, job.unit], [points.n, 1]).dataSync() as Float32Array;
  });
  return percentiles(z, job.percentiles);
}

// ------------------------------------------------------------------ worker loop

/** Messages between lib/parallel.ts and a worker. */
export type ToWorker = { readonly type: "run"; readonly id: number; readonly job: Job; readonly cacheDir?: string };
export type FromWorker =
  | { readonly type: "ready"; readonly backend: string }
  | { readonly type: "progress"; readonly id: number; readonly progress: JobProgress }
  | { readonly type: "done"; readonly id: number; readonly outcome: JobOutcome }
  | { readonly type: "error"; readonly id: number; readonly message: string; readonly stack?: string };

export const WORKER_MARK = "sigmoid-lab-worker";

async function workerLoop(): Promise<void> {
  const port = parentPort!;
  const backend = await prepareBackend({ quiet: true });
  port.postMessage({ type: "ready", backend: backend.name } satisfies FromWorker);
  let lastProgress = 0;
  port.on("message", async (msg: ToWorker) => {
    try {
      const outcome = await runJob(msg.job, {
        cacheDir: msg.cacheDir,
        onProgress: (p) => {
          const now = Date.now();
          if (now - lastProgress < 200) return;
          lastProgress = now;
          port.postMessage({ type: "progress", id: msg.id, progress: p } satisfies FromWorker);
        },
      });
      port.postMessage({ type: "done", id: msg.id, outcome } satisfies FromWorker);
    } catch (e) {
      const err = e as Error;
      port.postMessage({ type: "error", id: msg.id, message: `${err.name ?? "Error"}: ${err.message}`, stack: err.stack } satisfies FromWorker);
    }
  });
}

if (!isMainThread && (workerData as { mark?: string } | null)?.mark === WORKER_MARK) {
  void workerLoop();
}
