/**
 * One independent job — train an experiment, or anything a chapter defines —
 * run here or in a worker thread, its outcome written to the disk cache, so
 * the same job gives the same numbers in either place and a second run only
 * reads the cache.
 *
 * Kinds. "experiment" is built in (lib/run/experiment). Any other kind names
 * the module that runs it: `module` is a path relative to lib/ (e.g.
 * "chapters/fixes-jobs") of a module exporting `JOBS`, a map from kind to
 * body. A worker thread loads that module by path, so general code never
 * imports a chapter, and a chapter adds a kind without touching this file.
 */
import * as path from "path";
import { cached, CacheStatus } from "./cache";
import { DivergenceError, ConfigError } from "../core/errors";
import type { StepInfo, StopSignal } from "../core/train";
import { watchInterrupts } from "./interrupt";
import { cacheKeyOf, ExperimentConfig, ExperimentRecord, runExperiment } from "./experiment";

export interface Job {
  readonly kind: string;
  /** The experiment the job trains (its name names the cache entry). */
  readonly config: ExperimentConfig;
  /** For kinds other than "experiment": the module (relative to lib/, no extension) exporting JOBS[kind]. */
  readonly module?: string;
}

/** A job that trains an experiment (and returns its record, as runExperiment caches it). */
export interface ExperimentJob extends Job {
  readonly kind: "experiment";
}

export function experimentJob(config: ExperimentConfig): ExperimentJob {
  return { kind: "experiment", config };
}

export interface Failure {
  readonly name: string;
  readonly message: string;
  /** For a divergence: where it happened. */
  readonly step?: number;
  readonly epoch?: number;
}

/** What a job produced: its value, or the divergence that stopped it. */
export type JobOutcome<V = unknown> =
  | { readonly ok: true; readonly value: V; readonly cache: CacheStatus }
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

/**
 * The body of a job kind: runs the job, reports progress, returns
 * structured-clone-safe data. `signal` turns aborted when the reader
 * interrupts (pass it to train's callbacks); in a worker thread the pool
 * terminates the worker instead.
 */
export type JobBody = (job: Job, onProgress: (p: JobProgress) => void, signal: StopSignal) => Promise<unknown>;

/** What a module that defines job kinds exports. */
export type JobKinds = Readonly<Record<string, JobBody>>;

class NotCached extends Error {}

/**
 * The job as its cache key sees it: its experiment's key names the training path when the fast kernel trains
 * it (lib/run/experiment's cacheKeyOf), so a run on the other path — SIGMOID_LAB_FAST=0, or a kernel that
 * learned a new option — is another entry, never a stale read. Jobs trained by tfjs keep their old keys.
 */
function keyedJob(job: Job): Job {
  const config = cacheKeyOf(job.config);
  return config === job.config ? job : { ...job, config: config as ExperimentConfig };
}

/** Cache name and key of a job's record (experiments use runExperiment's own key). */
function cacheIdentity(job: Job): { name: string; key: unknown } {
  if (job.kind === "experiment") return { name: job.config.name, key: cacheKeyOf(job.config) };
  return { name: `${job.config.name}-${job.kind}`, key: { job: keyedJob(job) } };
}

/** The key under which a failed (diverged) job is remembered, so reruns do not retrain it. */
function failureIdentity(job: Job): { name: string; key: unknown } {
  return { name: `${job.config.name}-failed`, key: { failedJob: keyedJob(job) } };
}

/** Read a job's outcome from the cache without running it; null when it is not there. */
export async function lookupJob<V = unknown>(job: Job, cacheDir?: string): Promise<JobOutcome<V> | null> {
  const tryRead = async <T>(id: { name: string; key: unknown }): Promise<T | null> => {
    try {
      const r = await cached<T>(
        id.name,
        id.key,
        async () => {
          throw new NotCached();
        },
        { dir: cacheDir },
      );
      return r.value;
    } catch (e) {
      if (e instanceof NotCached) return null;
      throw e;
    }
  };
  const value = await tryRead<V>(cacheIdentity(job));
  if (value !== null) return { ok: true, value, cache: "hit" };
  const failure = await tryRead<Failure>(failureIdentity(job));
  if (failure !== null) return { ok: false, failure, cache: "hit" };
  return null;
}

/** The body that runs a job of this kind: built in for experiments, else JOBS[kind] of the job's module. */
export function jobBody(job: Job): JobBody {
  if (job.kind === "experiment") return experimentBody;
  if (!job.module)
    throw new ConfigError(
      `job "${job.config.name}".module`,
      job.module,
      `the module (relative to lib/) that exports JOBS["${job.kind}"]`,
    );
  const file = path.join(__dirname, "..", job.module);
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const kinds = (require(file) as { JOBS?: JobKinds }).JOBS;
  const body = kinds?.[job.kind];
  if (!body)
    throw new ConfigError(
      `job kind`,
      job.kind,
      `one of the kinds lib/${job.module} exports in JOBS (${Object.keys(kinds ?? {}).join(", ") || "none"})`,
    );
  return body;
}

/**
 * Run a job here (main thread or worker), writing its outcome to the cache.
 * Divergence is an outcome, not an exception: it is returned and cached.
 */
export async function runJob<V = unknown>(
  job: Job,
  opts: { cacheDir?: string; onProgress?: (p: JobProgress) => void } = {},
): Promise<JobOutcome<V>> {
  const known = await lookupJob<V>(job, opts.cacheDir);
  if (known) return known;
  const onProgress = opts.onProgress ?? (() => undefined);
  try {
    if (job.kind === "experiment") {
      // runExperiment caches the record itself (with the trained weights).
      const { value, cache } = await trainExperiment(job.config, onProgress, opts.cacheDir);
      return { ok: true, value: value as V, cache };
    }
    const body = jobBody(job);
    const id = cacheIdentity(job);
    const signal = watchInterrupts();
    const r = await cached<V>(
      id.name,
      id.key,
      async () => ({ value: (await body(job, onProgress, signal)) as V, arrays: {} }),
      { dir: opts.cacheDir },
    );
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

const experimentBody: JobBody = async (job, onProgress) => (await trainExperiment(job.config, onProgress)).value;

async function trainExperiment(
  config: ExperimentConfig,
  onProgress: (p: JobProgress) => void,
  cacheDir?: string,
): Promise<{ value: ExperimentRecord; cache: CacheStatus }> {
  const epochs = config.train.epochs;
  let lastAccuracy: number | undefined;
  const exp = await runExperiment(
    config,
    {
      onStep: (s: StepInfo) =>
        onProgress({
          epoch: s.epoch,
          epochs,
          step: s.step,
          loss: s.loss,
          accuracy: lastAccuracy,
          samplesPerSec: s.samplesPerSec,
        }),
      onEpoch: (e) => {
        lastAccuracy = (e.test ?? e.train).accuracy;
        onProgress({
          epoch: e.epoch,
          epochs,
          step: e.step,
          loss: e.runningLoss,
          accuracy: lastAccuracy,
          samplesPerSec: e.samplesPerSec,
        });
      },
    },
    { cacheDir },
  );
  exp.model.dispose();
  exp.initialModel.dispose();
  return { value: { result: exp.result, lsuv: exp.lsuv, wallSeconds: exp.wallSeconds }, cache: exp.cache };
}
