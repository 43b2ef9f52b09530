/**
 * Which notebooks `npm start` / `npm run book` execute, and the command line.
 *
 * The freshness rule of --render-only: a notebook is executed again when
 *   - it has no executed copy in out/notebooks, or
 *   - its source file is newer (mtime) than its executed copy, or
 *   - its executed copy records a failed run.
 * Only the notebook file is compared: a change in lib/ alone does not make a
 * notebook stale (run `npm start` to execute everything again).
 */

import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "util";
import { listNotebooks } from "./build";
import { readBookNotebook } from "./notebook";
import { needsProblem } from "./schedule";
import { profileOutDir } from "../runner/profiles";

export interface BookArgs {
  /** Re-render from executed notebooks; execute only stale ones. */
  renderOnly: boolean;
  profile?: string;
  /** Name prefixes, e.g. ["01", "04"]: execute only these. Empty = all. */
  only: string[];
  cellTimeoutMs?: number;
  /** Notebooks executed at once (each after the notebooks it needs); default 2 where there are 2 cores or more. */
  jobs: number;
  sourcesDir: string;
  executedDir: string;
  outDir: string;
}

export class UsageError extends Error {}

export const USAGE = `Usage: npm start -- [options]     execute every notebook, then build the book
       npm run book -- [options]  re-render the book; execute only stale notebooks
  --render-only          execute only notebooks without an up-to-date executed copy
  --profile NAME         parameter profile from notebooks/profiles.json (e.g. quick)
  --only 01[,02]         execute only notebooks whose names start with these (repeatable)
  --cell-timeout SECONDS per-cell time limit
  --jobs N               notebooks executed at once (default: 2 on 2 or more cores, else 1)
  --notebooks DIR        source notebooks (default notebooks)
  --executed DIR         executed notebooks (default out/notebooks; with --profile P, out/P/notebooks)
  --out DIR              the book (default out/book; with --profile P, out/P/book)`;

export function parseBookArgs(argv: string[], root: string): BookArgs {
  let values;
  try {
    values = parseArgs({
      args: argv,
      options: {
        "render-only": { type: "boolean", default: false },
        profile: { type: "string" },
        only: { type: "string", multiple: true, default: [] },
        "cell-timeout": { type: "string" },
        jobs: { type: "string" },
        notebooks: { type: "string" },
        executed: { type: "string" },
        out: { type: "string" },
        help: { type: "boolean", default: false },
      },
    }).values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) throw new UsageError("");
  return {
    renderOnly: values["render-only"] ?? false,
    profile: values.profile,
    only: (values.only ?? [])
      .flatMap((s) => s.split(","))
      .map((s) => s.trim())
      .filter((s) => s !== ""),
    cellTimeoutMs: seconds(values["cell-timeout"]),
    jobs: jobsOf(values.jobs),
    sourcesDir: path.resolve(root, values.notebooks ?? "notebooks"),
    // A profile's run goes to out/<profile>/: it never overwrites the default book (lib/runner/profiles).
    executedDir: path.resolve(root, values.executed ?? path.join(profileOutDir(values.profile), "notebooks")),
    outDir: path.resolve(root, values.out ?? path.join(profileOutDir(values.profile), "book")),
  };
}

function jobsOf(text: string | undefined): number {
  if (text === undefined) return Math.min(2, os.availableParallelism());
  const n = Number(text);
  if (!(Number.isInteger(n) && n >= 1))
    throw new UsageError(`--jobs needs a positive whole number of notebooks; got ${JSON.stringify(text)}.`);
  return n;
}

function seconds(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const s = Number(text);
  if (!(Number.isFinite(s) && s > 0))
    throw new UsageError(`--cell-timeout needs a positive number of seconds; got ${JSON.stringify(text)}.`);
  return s * 1000;
}

export interface PlannedNotebook {
  name: string;
  /** Notebooks it reads from (metadata.sigmoid_lab.needs): executed after them when they run too. */
  needs: string[];
  source: string;
  executed: string;
  execute: boolean;
  reason: string;
}

export function planRuns(
  args: Pick<BookArgs, "renderOnly" | "only" | "sourcesDir" | "executedDir">,
): PlannedNotebook[] {
  const names = listNotebooks(args.sourcesDir);
  for (const prefix of args.only) {
    if (!names.some((n) => n.startsWith(prefix))) {
      throw new UsageError(
        `--only ${prefix}: no notebook in ${args.sourcesDir} starts with "${prefix}" (have: ${names.join(", ") || "none"}).`,
      );
    }
  }
  const plan = names.map((name) => {
    const source = path.join(args.sourcesDir, `${name}.ipynb`);
    const executed = path.join(args.executedDir, `${name}.ipynb`);
    const needs = readNeeds(source);
    const selected = args.only.length === 0 || args.only.some((p) => name.startsWith(p));
    if (!selected) return { name, needs, source, executed, execute: false, reason: "not selected by --only" };
    if (!args.renderOnly) return { name, needs, source, executed, execute: true, reason: "executing all" };
    const stale = staleness(source, executed);
    return { name, needs, source, executed, execute: stale !== null, reason: stale ?? "up to date" };
  });
  const problem = needsProblem(plan, names);
  if (problem) throw new UsageError(problem);
  return plan;
}

/** metadata.sigmoid_lab.needs of a source notebook: the names of the notebooks whose results it reads. */
export function readNeeds(source: string): string[] {
  const nb = JSON.parse(fs.readFileSync(source, "utf8")) as { metadata?: { sigmoid_lab?: { needs?: unknown } } };
  const needs = nb.metadata?.sigmoid_lab?.needs ?? [];
  if (!Array.isArray(needs) || !needs.every((n) => typeof n === "string"))
    throw new UsageError(
      `${source}: metadata.sigmoid_lab.needs must be a list of notebook names, e.g. ["01-train"]; got ${JSON.stringify(needs)}.`,
    );
  return needs;
}

/** Why an executed copy must be refreshed, or null when it is up to date. */
export function staleness(source: string, executed: string): string | null {
  if (!fs.existsSync(executed)) return "no executed copy";
  if (fs.statSync(source).mtimeMs > fs.statSync(executed).mtimeMs) return "source changed since it was executed";
  try {
    if (readBookNotebook(executed).runStatus === "failed") return "its last run failed";
  } catch {
    return "executed copy is unreadable";
  }
  return null;
}
