/**
 * The shared worker pool: run independent jobs (lib/run/job: experiments,
 * and the kinds chapters define) on worker threads, one per core. tfjs' wasm backend is
 * single-threaded, so two workers give two trainings at once (measured here:
 * 1.5–1.8× the throughput of one).
 *
 *   const outcomes = await runJobs(configs.map((config) => ({ kind: "experiment", config })), { title: "Fixes" });
 *
 * Jobs already in the disk cache are read in this thread and never sent to a
 * worker; the rest are trained by the workers, which write the cache, and
 * come back as plain data. Outcomes are returned in the order of `jobs`.
 * Identical jobs are run once.
 */
import * as os from "os";
import * as path from "path";
import { Worker } from "worker_threads";
import { prepareBackend } from "../core/backend";
import { canonicalJson } from "./cache";
import { ConfigError, InterruptedError } from "../core/errors";
import { watchInterrupts } from "./interrupt";
import { experimentJob, Job, JobOutcome, JobProgress, lookupJob, runJob } from "./job";
import { Experiment, ExperimentConfig, runExperiment } from "./experiment";
import { FromWorker, ToWorker, WORKER_MARK } from "./worker";
import { renderBoard } from "../display/board";
import { OutputSink, inTslabKernel, updatingCellSink } from "../display/output";

export interface RunJobsOptions {
  /** Worker threads (default: min(2, cores)). 1 runs every job in this thread. */
  readonly workers?: number;
  readonly cacheDir?: string;
  /** Title of the live progress display. */
  readonly title?: string;
  /** Name of a job in the live display (default: its config name). */
  readonly label?: (job: Job, index: number) => string;
  /** Where the live display goes (default: the notebook cell in a kernel; nowhere otherwise). */
  readonly sink?: OutputSink | null;
  /** Every event, for tests and custom displays. */
  readonly onEvent?: (e: JobEvent) => void;
}

export type JobEvent =
  | { readonly type: "cached"; readonly index: number }
  | { readonly type: "start"; readonly index: number; readonly lane: number }
  | { readonly type: "progress"; readonly index: number; readonly lane: number; readonly progress: JobProgress }
  | {
      readonly type: "done";
      readonly index: number;
      readonly lane: number;
      readonly seconds: number;
      readonly ok: boolean;
    };

/** The worker script: lib/worker.ts under tsx, out/lib/worker.js when compiled. */
export function workerScript(): string {
  return path.join(__dirname, `worker${path.extname(__filename) || ".js"}`);
}

/**
 * A worker running lib/worker. It starts with no inherited node flags
 * (execArgv: []): a --require'd preload of the parent — such as a kernel's
 * guard script that itself starts a worker — must not run again in every
 * job worker. The compiled .js starts directly; the .ts source (tests, tsx
 * scripts) goes through tsx's require hook, loaded by absolute path.
 */
function startWorker(): Worker {
  const file = workerScript();
  const workerData = { mark: WORKER_MARK };
  if (file.endsWith(".ts")) {
    const tsx = require.resolve("tsx/cjs");
    return new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(file)});`, {
      eval: true,
      workerData,
      execArgv: [],
    });
  }
  return new Worker(file, { workerData, execArgv: [] });
}

export function defaultWorkers(): number {
  return Math.max(1, Math.min(2, os.cpus().length));
}

export async function runJobs<V = unknown>(jobs: readonly Job[], opts: RunJobsOptions = {}): Promise<JobOutcome<V>[]> {
  const workers = opts.workers ?? defaultWorkers();
  if (!(Number.isInteger(workers) && workers >= 1))
    throw new ConfigError("workers", workers, "a positive integer (1 = run in this thread)");
  // Identical jobs run once.
  const keys = jobs.map((j) => canonicalJson(j));
  const firstOf = new Map<string, number>();
  keys.forEach((k, i) => {
    if (!firstOf.has(k)) firstOf.set(k, i);
  });
  const unique = [...firstOf.values()];
  const outcomes = new Array<JobOutcome<V> | undefined>(jobs.length);
  const board = new Board(
    opts.title ?? "Running jobs",
    unique.length,
    opts.sink === undefined ? (inTslabKernel() ? updatingCellSink() : null) : opts.sink,
  );
  const label = (i: number) => (opts.label ? opts.label(jobs[i], i) : jobs[i].config.name);
  const emit = (e: JobEvent) => {
    opts.onEvent?.(e);
    board.event(e, label(e.index));
  };

  const todo: number[] = [];
  for (const i of unique) {
    const hit = await lookupJob<V>(jobs[i], opts.cacheDir);
    if (hit) {
      outcomes[i] = hit;
      emit({ type: "cached", index: i });
    } else {
      todo.push(i);
    }
  }
  try {
    const lanes = Math.min(workers, todo.length);
    if (lanes === 1) {
      await prepareBackend({ quiet: true });
      for (const i of todo) {
        const t0 = Date.now();
        emit({ type: "start", index: i, lane: 0 });
        outcomes[i] = await runJob<V>(jobs[i], {
          cacheDir: opts.cacheDir,
          onProgress: (p) => emit({ type: "progress", index: i, lane: 0, progress: p }),
        });
        emit({ type: "done", index: i, lane: 0, seconds: (Date.now() - t0) / 1000, ok: outcomes[i]!.ok });
      }
    } else if (lanes > 1) {
      const results = await runOnWorkers(jobs, todo, lanes, opts.cacheDir, emit);
      for (const [i, o] of results) outcomes[i] = o as JobOutcome<V>;
    }
  } finally {
    board.finish();
  }
  return jobs.map((_, i) => outcomes[firstOf.get(keys[i])!] as JobOutcome<V>);
}

/** Feed the jobs to `lanes` workers, one job at a time each; stop them all at the end or on the first error. */
function runOnWorkers(
  jobs: readonly Job[],
  todo: number[],
  lanes: number,
  cacheDir: string | undefined,
  emit: (e: JobEvent) => void,
): Promise<Map<number, JobOutcome>> {
  return new Promise((resolve, reject) => {
    const results = new Map<number, JobOutcome>();
    const queue = [...todo];
    const pool: Worker[] = [];
    let failed = false,
      exited = 0;
    const stopAll = () => pool.forEach((w) => void w.terminate());
    // An interrupt terminates the workers (their running jobs never reach the cache) within 100 ms.
    const interrupted = watchInterrupts();
    const poll = setInterval(() => {
      if (interrupted.aborted) fail(new InterruptedError(null, `${todo.length - results.size} of ${todo.length} jobs`));
    }, 100);
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      clearInterval(poll);
      stopAll();
      reject(err);
    };
    for (let lane = 0; lane < lanes; lane++) {
      const w = startWorker();
      pool.push(w);
      let current = -1,
        started = 0;
      const next = () => {
        const i = queue.shift();
        if (i === undefined) {
          // Its last job is done and cached: nothing in the worker is worth waiting for.
          current = -1;
          void w.terminate();
          return;
        }
        current = i;
        started = Date.now();
        emit({ type: "start", index: i, lane });
        w.postMessage({ type: "run", id: i, job: jobs[i], cacheDir } satisfies ToWorker);
      };
      w.on("message", (m: FromWorker) => {
        if (failed) return;
        if (m.type === "ready") next();
        else if (m.type === "progress") emit({ type: "progress", index: m.id, lane, progress: m.progress });
        else if (m.type === "done") {
          results.set(m.id, m.outcome);
          emit({ type: "done", index: m.id, lane, seconds: (Date.now() - started) / 1000, ok: m.outcome.ok });
          next();
        } else if (m.type === "error") {
          const e = new Error(`job ${jobs[m.id].config.name} failed in a worker: ${m.message}`);
          if (m.stack) e.stack = m.stack;
          fail(e);
        }
      });
      w.on("error", (e) => fail(e));
      w.on("exit", (code) => {
        exited++;
        if (!failed && current !== -1)
          fail(new Error(`a worker exited (code ${code}) while running ${jobs[current].config.name}`));
        if (exited === lanes && !failed) {
          clearInterval(poll);
          if (results.size === todo.length) resolve(results);
          else fail(new Error(`workers stopped with ${todo.length - results.size} jobs not done`));
        }
      });
    }
  });
}

// ------------------------------------------------------------------ live display

interface Lane {
  label: string;
  progress: JobProgress | null;
}

/** One live display for a batch of jobs: how many done, from the cache, failed, and what each worker is doing. */
class Board {
  private done = 0;
  private fromCache = 0;
  private failed = 0;
  private trainedSeconds: number[] = [];
  private lanes = new Map<number, Lane>();
  private readonly t0 = Date.now();
  private lastRender = 0;

  constructor(
    private readonly title: string,
    private readonly total: number,
    private readonly sink: OutputSink | null,
  ) {}

  event(e: JobEvent, label: string): void {
    if (e.type === "cached") {
      this.done++;
      this.fromCache++;
    } else if (e.type === "start") {
      this.lanes.set(e.lane, { label, progress: null });
    } else if (e.type === "progress") {
      const lane = this.lanes.get(e.lane);
      if (lane) lane.progress = e.progress;
    } else if (e.type === "done") {
      this.done++;
      if (!e.ok) this.failed++;
      this.trainedSeconds.push(e.seconds);
      this.lanes.delete(e.lane);
    }
    this.render(false);
  }

  finish(): void {
    this.lanes.clear();
    this.render(true);
  }

  private render(final: boolean): void {
    if (!this.sink) return;
    const now = Date.now();
    if (!final && now - this.lastRender < 300) return;
    this.lastRender = now;
    const left = this.total - this.done;
    const perJob =
      this.trainedSeconds.length > 0
        ? this.trainedSeconds.reduce((a, b) => a + b, 0) / this.trainedSeconds.length
        : null;
    const lanes = [...this.lanes.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([i, l]) => {
        const p = l.progress;
        const detail = p
          ? `epoch ${p.epoch}/${p.epochs} · step ${p.step} · loss ${p.loss.toFixed(3)}${p.accuracy !== undefined ? ` · accuracy ${(100 * p.accuracy).toFixed(1)}%` : ""}${p.samplesPerSec ? ` · ${Math.round(p.samplesPerSec)} samples/s` : ""}`
          : null;
        return { worker: i + 1, label: l.label, detail };
      });
    this.sink.emit(
      renderBoard({
        title: this.title,
        total: this.total,
        done: this.done,
        fromCache: this.fromCache,
        failed: this.failed,
        elapsedSeconds: (now - this.t0) / 1000,
        etaSeconds: perJob !== null && left > 0 ? (perJob * left) / Math.max(1, this.lanes.size) : null,
        lanes,
        final,
      }),
    );
  }
}

/**
 * Independent experiments on the worker pool (both cores, one live board), then each loaded with its
 * trained weights from the cache, in the order given. A run that diverged stops here with its name, where
 * and why, and what to change.
 */
export async function runExperiments(
  configs: readonly ExperimentConfig[],
  opts: Pick<RunJobsOptions, "title" | "workers" | "cacheDir"> & { label?: (config: ExperimentConfig) => string } = {},
): Promise<Experiment[]> {
  const outcomes = await runJobs(configs.map(experimentJob), {
    title: opts.title,
    workers: opts.workers,
    cacheDir: opts.cacheDir,
    label: opts.label ? (job) => opts.label!(job.config) : undefined,
  });
  outcomes.forEach((o, k) => {
    if (!o.ok) {
      const c = configs[k];
      throw new Error(
        `${c.name} (${c.train.optimizer.kind} η = ${c.train.optimizer.learningRate}) did not finish: ${o.failure.message}. ` +
          "Lower its learning rate in the parameters cell.",
      );
    }
  });
  const runs: Experiment[] = [];
  for (const [k, c] of configs.entries()) {
    const run = await runExperiment(c, {}, { cacheDir: opts.cacheDir });
    runs.push({ ...run, cache: outcomes[k].cache }); // what this call did: trained ("miss") or read ("hit")
  }
  return runs;
}
