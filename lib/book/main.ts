/**
 * npm start     = tsx lib/book/main.ts                execute every notebook, build the book
 * npm run book  = tsx lib/book/main.ts --render-only  rebuild; execute only stale notebooks
 *
 * Notebooks run one after another, in file-name order, each in a fresh
 * kernel, with default parameters (or --profile). The first failure stops
 * the runs; the book is still built (the failed chapter shows its error),
 * and the runner's message ends the output with a non-zero exit code.
 * See plan.ts for the freshness rule and the options.
 */

import * as path from "path";
import { pathToFileURL } from "url";
import { ensureLibBuilt } from "../runner/build-lib";
import { NotebookError, NotebookFormatError, ParameterError } from "../runner/errors";
import { runNotebook } from "../runner/execute";
import { printProgress } from "../runner/progress";
import { formatBytes } from "../runner/memory";
import { BuildResult, buildBook } from "./build";
import { BookArgs, PlannedNotebook, USAGE, UsageError, parseBookArgs, planRuns } from "./plan";
import { formatSeconds } from "./render";
import { runScheduled } from "./schedule";

const ROOT = path.resolve(__dirname, "..", "..");

/** Seconds each notebook executed in this invocation took, and whether it succeeded. */
/** Per notebook run now: wall seconds, success, and the kernel's peak resident memory (bytes; null if unknown). */
type RunTimes = Map<string, { seconds: number; ok: boolean; peakRss: number | null; cpu: number | null }>;

export async function main(argv: string[]): Promise<number> {
  let args: BookArgs;
  let plan: PlannedNotebook[];
  try {
    args = parseBookArgs(argv, ROOT);
    plan = planRuns(args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${err.message ? err.message + "\n\n" : ""}${USAGE}\n`);
    return err.message ? 2 : 0;
  }
  printPlan(plan, args);
  const { times, failure } = await executeAll(plan, args);
  try {
    const book = buildBook({
      notebooksDir: args.executedDir,
      outDir: args.outDir,
      sourcesDir: args.sourcesDir,
      guide: path.join(args.sourcesDir, "README.md"),
    });
    printSummary(book, times, args.outDir);
  } catch (err) {
    // Still end with the notebook failure, if any: it is the first thing to fix.
    process.stderr.write(`Building the book failed: ${(err as Error).stack ?? err}\n`);
    if (failure) process.stderr.write(`\n${failure}\n`);
    return 1;
  }
  if (failure) {
    process.stderr.write(`\n${failure}\n`);
    return 1;
  }
  return 0;
}

async function executeAll(
  plan: PlannedNotebook[],
  args: BookArgs,
): Promise<{ times: RunTimes; failure: string | null }> {
  const times: RunTimes = new Map();
  const toRun = plan.filter((x) => x.execute);
  if (toRun.length === 0) return { times, failure: null };
  try {
    // Notebooks import the compiled lib (notebooks/lib -> ../out/lib): refresh it first.
    ensureLibBuilt();
  } catch (err) {
    return { times, failure: (err as Error).message };
  }
  // One printer for every kernel: with --jobs 2 its live line shows both running cells.
  const onProgress = printProgress();
  const outcome = await runScheduled(toRun, args.jobs, async (p) => {
    const started = Date.now();
    try {
      const r = await runNotebook({
        input: p.source,
        output: p.executed,
        profile: args.profile,
        cellTimeoutMs: args.cellTimeoutMs,
        onProgress,
      });
      times.set(p.name, {
        seconds: (Date.now() - started) / 1000,
        ok: true,
        peakRss: r.peakRssBytes,
        cpu: r.cpuSeconds,
      });
    } catch (err) {
      times.set(p.name, { seconds: (Date.now() - started) / 1000, ok: false, peakRss: null, cpu: null });
      throw err;
    }
  });
  if (!outcome.failure) return { times, failure: null };
  const err = outcome.failure.error;
  if (err instanceof NotebookError || err instanceof ParameterError || err instanceof NotebookFormatError) {
    const note = outcome.skipped.length ? `\nNot executed after this failure: ${outcome.skipped.join(", ")}.` : "";
    return { times, failure: `${err.message}${note}` };
  }
  throw err;
}

function printPlan(plan: PlannedNotebook[], args: BookArgs): void {
  if (plan.length === 0) {
    console.log(`No notebooks in ${path.relative(process.cwd(), args.sourcesDir) || "."}: building an empty book.`);
    return;
  }
  const toRun = plan.filter((p) => p.execute);
  const profile = args.profile ? ` with profile "${args.profile}"` : " with default parameters";
  const atOnce = toRun.length > 1 && args.jobs > 1 ? `, ${Math.min(args.jobs, toRun.length)} at a time` : "";
  console.log(`Executing ${toRun.length} of ${plan.length} notebooks${toRun.length ? profile : ""}${atOnce}.`);
  for (const p of plan) {
    const after = p.execute && p.needs.length ? `; after ${p.needs.join(", ")}` : "";
    console.log(`  ${p.execute ? "run " : "keep"}  ${p.name}  (${p.reason}${after})`);
  }
}

function printSummary(book: BuildResult, times: RunTimes, outDir: string): void {
  if (book.chapters.length > 0) {
    console.log("\nNotebook times:");
    const width = Math.max(...book.chapters.map((c) => c.name.length));
    for (const c of book.chapters) {
      const now = times.get(c.name);
      const time =
        now !== undefined
          ? `${formatSeconds(now.seconds)} (this run${now.ok ? "" : ", failed"})`
          : c.elapsedSeconds !== null
            ? `${formatSeconds(c.elapsedSeconds)} (earlier run)`
            : "not executed";
      const state = c.state === "executed" ? "" : `  [${c.state}]`;
      const cpu = now?.cpu ? `, ${formatSeconds(now.cpu)} of CPU` : "";
      const memory = now?.peakRss ? `, kernel peak memory ${formatBytes(now.peakRss)}` : "";
      console.log(`  ${c.name.padEnd(width)}  ${time}${cpu}${memory}${state}`);
    }
    const cpuTotal = [...times.values()].reduce((s, t) => s + (t.cpu ?? 0), 0);
    if (times.size > 1 && cpuTotal > 0)
      console.log(`  ${"CPU, all kernels".padEnd(width)}  ${formatSeconds(cpuTotal)}`);
  }
  const pg = book.playground;
  console.log(
    `\nPlayground script: ${(pg.bytes / 1024).toFixed(0)} KiB, ${pg.rebuilt ? `bundled in ${pg.seconds.toFixed(1)} s` : "unchanged (cached)"}`,
  );
  const index = path.join(outDir, "index.html");
  console.log(`Book: ${path.relative(process.cwd(), index)}  (${pathToFileURL(index).href})`);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
