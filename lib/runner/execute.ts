/**
 * runNotebook: execute every code cell of a notebook in a fresh tslab kernel,
 * nbclient-style, and write the executed notebook. On failure the partial
 * notebook is still written, then a NotebookError says where it broke.
 */
import * as path from "node:path";
import { activityOf } from "./activity";
import { AppliedParameters, applyParameters } from "./applyParameters";
import { cellErrorOutput } from "./cellError";
import { FailedCell, KernelError, NotebookError, NotebookFailure } from "./errors";
import { KERNELSPEC, Kernel } from "./kernel";
import { cpuSeconds, peakRssBytes } from "./memory";
import { CodeCell, ErrorOutput, Notebook, codeCells, firstLine, readNotebook, writeNotebook } from "./notebook";
import { OutputRecorder } from "./outputs";
import { Params, checkValue } from "./params";
import { CellStatus, ProgressListener, printProgress } from "./progress";
import { PROFILE_ENV, ProfileTable } from "./profiles";
import { KernelMessage } from "./protocol";

export interface RunOptions {
  /** The notebook to execute (.ipynb). Its folder is the kernel's working directory. */
  input: string;
  /** Where to write the executed notebook (may equal input). */
  output: string;
  /** Overrides for the parameters cell; win over the profile. */
  params?: Params;
  /** A profile name from notebooks/profiles.json, e.g. "quick". */
  profile?: string;
  /** Use this table instead of reading notebooks/profiles.json. */
  profiles?: ProfileTable;
  /** Per cell; the cell is interrupted and the run fails when exceeded. */
  cellTimeoutMs?: number;
  startTimeoutMs?: number;
  /** Defaults to one line per cell on stderr; pass `() => {}` for silence. */
  onProgress?: ProgressListener;
}

export interface CellRun {
  /** 1-based among code cells. */
  cell: number;
  id: string;
  elapsedMs: number;
  status: CellStatus;
}

export interface RunResult {
  input: string;
  output: string;
  notebook: Notebook;
  parameters: Omit<AppliedParameters, "injectedCell">;
  kernelPid: number;
  kernelStartMs: number;
  elapsedMs: number;
  /** The kernel's peak resident set (VmHWM, bytes, worker threads included); null where it cannot be read. */
  peakRssBytes: number | null;
  /** CPU seconds the kernel used (user + system, worker threads included); null where it cannot be read. */
  cpuSeconds: number | null;
  cells: CellRun[];
}

export const DEFAULT_CELL_TIMEOUT_MS = 30 * 60_000;
export const DEFAULT_START_TIMEOUT_MS = 60_000;

/** Why a cell stopped the run; becomes a NotebookError once the notebook is saved. */
class CellFailure extends Error {
  constructor(
    readonly failure: NotebookFailure,
    readonly cell: FailedCell | null,
    readonly kernelMessage: string,
  ) {
    super(kernelMessage);
  }
}

interface Run {
  opts: Required<Pick<RunOptions, "input" | "output" | "cellTimeoutMs" | "startTimeoutMs">>;
  name: string;
  /** The parameter profile the run uses (named in the kernel's environment), if any. */
  profile: string | undefined;
  notebook: Notebook;
  cells: CodeCell[];
  recorder: OutputRecorder;
  progress: ProgressListener;
  cellRuns: CellRun[];
}

export async function runNotebook(options: RunOptions): Promise<RunResult> {
  const started = new Date();
  const run = prepare(options);
  const applied = applyParameters(run.notebook, options.input, run.name, {
    explicit: checkedParams(options.params ?? {}),
    profile: options.profile,
    profiles: options.profiles,
  });
  run.cells = codeCells(run.notebook);
  let kernel: Kernel | null = null;
  let kernelStartMs = 0;
  let failure: CellFailure | null = null;
  let peakRss: number | null = null;
  let cpu: number | null = null;
  try {
    kernel = await startKernel(run);
    kernelStartMs = Date.now() - started.getTime();
    for (const [i, cell] of run.cells.entries()) await runCell(run, kernel, cell, i);
  } catch (err) {
    failure = asFailure(err);
  } finally {
    if (kernel) {
      // Before shutdown: the process must still exist.
      peakRss = peakRssBytes(kernel.pid);
      cpu = cpuSeconds(kernel.pid);
    }
    await kernel?.shutdown();
  }
  const elapsedMs = Date.now() - started.getTime();
  stampRun(run.notebook, applied, { started, elapsedMs, kernelStartMs, failure, peakRss, cpu });
  const writeError = saveNotebook(run);
  run.progress({
    kind: "notebook-finished",
    notebook: run.name,
    elapsedMs,
    peakRssBytes: peakRss,
    cpuSeconds: cpu,
    ok: !failure && !writeError,
    output: run.opts.output,
  });
  if (failure) throw notebookError(run, failure, writeError);
  if (writeError) throw writeError;
  const { injectedCell: _, ...parameters } = applied;
  const result = { input: options.input, output: options.output, notebook: run.notebook, parameters };
  return {
    ...result,
    kernelPid: kernel?.pid ?? 0,
    kernelStartMs,
    elapsedMs,
    peakRssBytes: peakRss,
    cpuSeconds: cpu,
    cells: run.cellRuns,
  };
}

function prepare(options: RunOptions): Run {
  const opts = {
    input: options.input,
    output: options.output,
    cellTimeoutMs: positive("cellTimeoutMs", options.cellTimeoutMs ?? DEFAULT_CELL_TIMEOUT_MS),
    startTimeoutMs: positive("startTimeoutMs", options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS),
  };
  const notebook = readNotebook(options.input);
  notebook.metadata.kernelspec = { ...KERNELSPEC };
  return {
    opts,
    name: path.basename(options.input, ".ipynb"),
    profile: options.profile,
    notebook,
    cells: [],
    recorder: new OutputRecorder(),
    progress: options.onProgress ?? printProgress(),
    cellRuns: [],
  };
}

async function startKernel(run: Run): Promise<Kernel> {
  const t0 = Date.now();
  const cwd = path.dirname(path.resolve(run.opts.input));
  // The profile's name reaches the notebook's code: its findings go under it (lib/run/findings).
  const env = { [PROFILE_ENV]: run.profile ?? null };
  const kernel = await Kernel.start({ cwd, startTimeoutMs: run.opts.startTimeoutMs, env });
  if (kernel.info) run.notebook.metadata.language_info = kernel.info.language_info;
  run.progress({ kind: "kernel-started", notebook: run.name, pid: kernel.pid, elapsedMs: Date.now() - t0 });
  return kernel;
}

async function runCell(run: Run, kernel: Kernel, cell: CodeCell, index: number): Promise<void> {
  if (cell.source.trim() === "") return; // as nbclient: nothing to run
  const where: FailedCell = { index: index + 1, of: run.cells.length, firstLine: firstLine(cell) };
  const event = { notebook: run.name, cell: where.index, of: where.of, firstLine: where.firstLine };
  run.progress({ kind: "cell-started", ...event });
  run.recorder.startCell(cell);
  const t0 = Date.now();
  let status: CellStatus = "ok";
  try {
    const onMessage = (m: KernelMessage) => {
      run.recorder.record(m);
      const text = activityOf(m);
      if (text) run.progress({ kind: "cell-activity", ...event, text });
    };
    const { reply, timing } = await kernel.execute(cell.source, onMessage, run.opts.cellTimeoutMs);
    cell.execution_count = reply.execution_count ?? null;
    cell.metadata.execution = timing;
    if (reply.status !== "ok") {
      status = "error";
      const error = cellErrorOutput(reply, run.recorder.stderrWrites());
      run.recorder.add(error);
      throw new CellFailure("cell-error", where, `${error.ename}: ${error.evalue}`);
    }
  } catch (err) {
    if (!(err instanceof KernelError)) throw err;
    status = err.failure === "timeout" ? "timeout" : "died";
    run.recorder.add(kernelErrorOutput(err));
    throw new CellFailure(err.failure, where, err.message);
  } finally {
    const elapsedMs = Date.now() - t0;
    cell.metadata.sigmoid_lab = { elapsed_s: roundSeconds(elapsedMs), status };
    run.cellRuns.push({ cell: where.index, id: cell.id, elapsedMs, status });
    run.progress({ kind: "cell-finished", ...event, elapsedMs, status });
  }
}

function kernelErrorOutput(err: KernelError): ErrorOutput {
  const ename = err.failure === "timeout" ? "CellTimeoutError" : "KernelDiedError";
  return { output_type: "error", ename, evalue: err.message, traceback: [`${ename}: ${err.message}`] };
}

function asFailure(err: unknown): CellFailure {
  if (err instanceof CellFailure) return err;
  if (err instanceof KernelError) return new CellFailure(err.failure, null, err.message);
  throw err; // a bug in the runner, not a notebook failure: let it surface with its stack
}

interface RunStamp {
  started: Date;
  elapsedMs: number;
  kernelStartMs: number;
  failure: CellFailure | null;
  peakRss: number | null;
  cpu: number | null;
}

/** Record parameters and timing in metadata.sigmoid_lab, for readers checking numbers. */
function stampRun(nb: Notebook, applied: AppliedParameters, s: RunStamp): void {
  const declared = nb.metadata.sigmoid_lab as { needs?: unknown } | undefined;
  nb.metadata.sigmoid_lab = {
    ...(declared?.needs !== undefined ? { needs: declared.needs } : {}), // the book's run order (lib/book/schedule)
    profile: applied.profile,
    parameters: applied.values,
    parameter_sources: applied.sources,
    profile_skipped: applied.skipped,
    run: {
      status: s.failure ? "failed" : "ok",
      failed_cell: s.failure?.cell?.index ?? null,
      started: s.started.toISOString(),
      finished: new Date(s.started.getTime() + s.elapsedMs).toISOString(),
      elapsed_s: roundSeconds(s.elapsedMs),
      kernel_start_s: roundSeconds(s.kernelStartMs),
      peak_rss_mb: s.peakRss === null ? null : Math.round(s.peakRss / 1e6),
      cpu_s: s.cpu === null ? null : roundSeconds(s.cpu * 1000),
      node: process.version,
      tslab: tslabVersion(),
    },
  };
}

function saveNotebook(run: Run): Error | null {
  try {
    writeNotebook(run.notebook, run.opts.output);
    return null;
  } catch (err) {
    return new Error(`Could not write ${run.opts.output}: ${(err as Error).message}`);
  }
}

function notebookError(run: Run, f: CellFailure, writeError: Error | null): NotebookError {
  const kernelMessage = writeError ? `${f.kernelMessage}\n(${writeError.message})` : f.kernelMessage;
  return new NotebookError({
    notebook: run.opts.input,
    failure: f.failure,
    cell: f.cell,
    kernelMessage,
    output: writeError ? null : run.opts.output,
  });
}

function checkedParams(params: Record<string, unknown>): Params {
  return Object.fromEntries(Object.entries(params).map(([name, v]) => [name, checkValue(name, v)]));
}

function positive(name: string, ms: number): number {
  if (!(Number.isFinite(ms) && ms > 0))
    throw new RangeError(`RunOptions.${name} must be a positive number of milliseconds; got ${ms}.`);
  return ms;
}

function roundSeconds(ms: number): number {
  return Math.round(ms) / 1000;
}

function tslabVersion(): string {
  return (require("tslab/package.json") as { version: string }).version;
}
