/**
 * npx tsx lib/runner/cli.ts <notebook.ipynb...> [--out DIR] [--profile NAME]
 *   [--param name=value ...] [--cell-timeout SECONDS] [--start-timeout SECONDS]
 *
 * Executes each notebook in its own kernel, writes DIR/<name>.ipynb, stops at
 * the first failure and exits non-zero with the error's message.
 */
import * as path from "node:path";
import { parseArgs } from "node:util";
import { NotebookError, NotebookFormatError, ParameterError } from "./errors";
import { DEFAULT_CELL_TIMEOUT_MS, DEFAULT_START_TIMEOUT_MS, runNotebook } from "./execute";
import { Params, parseParamAssignment } from "./params";
import { ensureLibBuilt } from "./build-lib";
import { profileOutDir } from "./profiles";

export const USAGE = `Usage: npm run run -- <notebook.ipynb...> [options]
  --out DIR               where executed notebooks go (default out/notebooks; with --profile P, out/P/notebooks)
  --profile NAME          parameter profile from notebooks/profiles.json (e.g. quick)
  --param name=value      override a parameter; repeatable; value is JSON or a plain string
  --cell-timeout SECONDS  per-cell limit (default ${DEFAULT_CELL_TIMEOUT_MS / 1000})
  --start-timeout SECONDS kernel start limit (default ${DEFAULT_START_TIMEOUT_MS / 1000})
  -h, --help              print this help`;

export interface CliOptions {
  /** --help: print the usage and run nothing. */
  help: boolean;
  notebooks: string[];
  outDir: string;
  profile?: string;
  params: Params;
  cellTimeoutMs?: number;
  startTimeoutMs?: number;
}

/** Raised for bad command lines; printed with the usage text. */
export class UsageError extends Error {}

export function parseCli(argv: string[]): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: "string" },
        profile: { type: "string" },
        param: { type: "string", multiple: true, default: [] },
        "cell-timeout": { type: "string" },
        "start-timeout": { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { help: true, notebooks: positionals, outDir: values.out ?? "out/notebooks", params: {} };
  if (positionals.length === 0) throw new UsageError("No notebook given.");
  return {
    help: false,
    notebooks: positionals,
    // A profile's run goes to out/<profile>/notebooks: it never overwrites the default run's notebooks.
    outDir: values.out ?? path.join(profileOutDir(values.profile), "notebooks"),
    profile: values.profile,
    params: Object.fromEntries((values.param ?? []).map(parseParamAssignment)),
    cellTimeoutMs: secondsOption("--cell-timeout", values["cell-timeout"]),
    startTimeoutMs: secondsOption("--start-timeout", values["start-timeout"]),
  };
}

function secondsOption(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const s = Number(text);
  if (!(Number.isFinite(s) && s > 0))
    throw new UsageError(`${flag} needs a positive number of seconds; got ${JSON.stringify(text)}.`);
  return s * 1000;
}

export async function runCli(argv: string[]): Promise<number> {
  try {
    const opts = parseCli(argv);
    if (opts.help) {
      process.stdout.write(USAGE + "\n");
      return 0;
    }
    // Notebooks import the compiled lib (notebooks/lib -> ../out/lib): refresh it first.
    ensureLibBuilt();
    for (const input of opts.notebooks) {
      await runNotebook({
        input,
        output: path.join(opts.outDir, path.basename(input)),
        params: opts.params,
        profile: opts.profile,
        cellTimeoutMs: opts.cellTimeoutMs,
        startTimeoutMs: opts.startTimeoutMs,
      });
    }
    return 0;
  } catch (err) {
    return report(err);
  }
}

/** Known failures print their message only; anything else is a runner bug and keeps its stack. */
function report(err: unknown): number {
  if (err instanceof UsageError) {
    process.stderr.write(`${err.message}\n${USAGE}\n`);
    return 2;
  }
  const known = err instanceof NotebookError || err instanceof ParameterError || err instanceof NotebookFormatError;
  process.stderr.write(`${known ? (err as Error).message : err instanceof Error ? err.stack : String(err)}\n`);
  return 1;
}

if (require.main === module) {
  void runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
