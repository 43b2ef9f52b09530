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
import { BuildResult, buildBook } from "./build";
import { BookArgs, PlannedNotebook, USAGE, UsageError, parseBookArgs, planRuns } from "./plan";
import { formatSeconds } from "./render";

const ROOT = path.resolve(__dirname, "..", "..");

/** Seconds each notebook executed in this invocation took, and whether it succeeded. */
type RunTimes = Map<string, { seconds: number; ok: boolean }>;

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
  for (const p of toRun) {
    const started = Date.now();
    try {
      await runNotebook({
        input: p.source,
        output: p.executed,
        profile: args.profile,
        cellTimeoutMs: args.cellTimeoutMs,
      });
      times.set(p.name, { seconds: (Date.now() - started) / 1000, ok: true });
    } catch (err) {
      times.set(p.name, { seconds: (Date.now() - started) / 1000, ok: false });
      if (err instanceof NotebookError || err instanceof ParameterError || err instanceof NotebookFormatError) {
        const skipped = toRun.filter((x) => !times.has(x.name)).map((x) => x.name);
        const note = skipped.length ? `\nNot executed after this failure: ${skipped.join(", ")}.` : "";
        return { times, failure: `${err.message}${note}` };
      }
      throw err;
    }
  }
  return { times, failure: null };
}

function printPlan(plan: PlannedNotebook[], args: BookArgs): void {
  if (plan.length === 0) {
    console.log(`No notebooks in ${path.relative(process.cwd(), args.sourcesDir) || "."}: building an empty book.`);
    return;
  }
  const toRun = plan.filter((p) => p.execute);
  const profile = args.profile ? ` with profile "${args.profile}"` : " with default parameters";
  console.log(`Executing ${toRun.length} of ${plan.length} notebooks${toRun.length ? profile : ""}.`);
  for (const p of plan) console.log(`  ${p.execute ? "run " : "keep"}  ${p.name}  (${p.reason})`);
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
      console.log(`  ${c.name.padEnd(width)}  ${time}${state}`);
    }
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
