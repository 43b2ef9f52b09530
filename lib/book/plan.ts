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
import * as path from "path";
import { parseArgs } from "util";
import { listNotebooks } from "./build";
import { readBookNotebook } from "./notebook";

export interface BookArgs {
  /** Re-render from executed notebooks; execute only stale ones. */
  renderOnly: boolean;
  profile?: string;
  /** Name prefixes, e.g. ["01", "04"]: execute only these. Empty = all. */
  only: string[];
  cellTimeoutMs?: number;
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
  --notebooks DIR        source notebooks (default notebooks)
  --executed DIR         executed notebooks (default out/notebooks)
  --out DIR              the book (default out/book)`;

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
    sourcesDir: path.resolve(root, values.notebooks ?? "notebooks"),
    executedDir: path.resolve(root, values.executed ?? path.join("out", "notebooks")),
    outDir: path.resolve(root, values.out ?? path.join("out", "book")),
  };
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
  return names.map((name) => {
    const source = path.join(args.sourcesDir, `${name}.ipynb`);
    const executed = path.join(args.executedDir, `${name}.ipynb`);
    const selected = args.only.length === 0 || args.only.some((p) => name.startsWith(p));
    if (!selected) return { name, source, executed, execute: false, reason: "not selected by --only" };
    if (!args.renderOnly) return { name, source, executed, execute: true, reason: "executing all" };
    const stale = staleness(source, executed);
    return { name, source, executed, execute: stale !== null, reason: stale ?? "up to date" };
  });
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
