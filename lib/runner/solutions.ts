/**
 * Solution cells (tagged "solution"): collapsed when a notebook is opened in
 * JupyterLab or VS Code (metadata.jupyter.source_hidden, nbformat's own
 * field), and left out of the student copy so "Run All" gives no answer away.
 *
 * Both work on the notebook's raw JSON and write it back the way Jupyter
 * does (indent 1, keys sorted, trailing newline), so a tidied notebook
 * differs from its source only in the fields we set.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export const SOLUTION_TAG = "solution";

export interface RawCell {
  cell_type: string;
  metadata: Record<string, unknown> & { tags?: string[]; jupyter?: Record<string, unknown> };
  source: string | string[];
  outputs?: unknown[];
  execution_count?: number | null;
  [field: string]: unknown;
}

export interface RawNotebook {
  cells: RawCell[];
  [field: string]: unknown;
}

export function isSolution(cell: RawCell): boolean {
  return Array.isArray(cell.metadata?.tags) && cell.metadata.tags.includes(SOLUTION_TAG);
}

export function isCollapsed(cell: RawCell): boolean {
  return cell.metadata?.jupyter?.source_hidden === true;
}

/** Solution cells whose source is not hidden, as 1-based cell numbers. */
export function uncollapsedSolutions(nb: RawNotebook): number[] {
  return nb.cells.flatMap((c, i) => (isSolution(c) && !isCollapsed(c) ? [i + 1] : []));
}

/** Set metadata.jupyter.source_hidden on every solution cell; returns how many cells changed. */
export function hideSolutions(nb: RawNotebook): number {
  let changed = 0;
  for (const cell of nb.cells) {
    if (!isSolution(cell) || isCollapsed(cell)) continue;
    cell.metadata = sortedKeys({
      ...cell.metadata,
      jupyter: sortedKeys({ ...(cell.metadata.jupyter ?? {}), source_hidden: true }),
    });
    changed++;
  }
  return changed;
}

/** The notebook without its solution cells, outputs and execution counts. */
export function studentCopy(nb: RawNotebook): RawNotebook {
  const cells = nb.cells
    .filter((c) => !isSolution(c))
    .map((c) => (c.cell_type === "code" ? { ...c, outputs: [], execution_count: null } : { ...c }));
  return { ...nb, cells };
}

/**
 * Names a solution cell declares at its top level that a later cell of the
 * student copy uses: "Run All" on the copy would fail on them.
 */
export function namesLeakingFromSolutions(nb: RawNotebook): { name: string; cell: number; usedIn: number }[] {
  const leaks: { name: string; cell: number; usedIn: number }[] = [];
  nb.cells.forEach((cell, i) => {
    if (!isSolution(cell) || cell.cell_type !== "code") return;
    for (const name of declaredNames(sourceOf(cell))) {
      const word = new RegExp(`(?<![\\w$.])${name.replace(/\$/g, "\\$")}(?![\\w$])`);
      const later = nb.cells.findIndex(
        (c, j) => j > i && !isSolution(c) && c.cell_type === "code" && word.test(sourceOf(c)),
      );
      if (later >= 0) leaks.push({ name, cell: i + 1, usedIn: later + 1 });
    }
  });
  return leaks;
}

/** Top-level `const/let/var/function/class NAME` declarations (what a later cell could see). */
export function declaredNames(source: string): string[] {
  const re = /^(?:export\s+)?(?:async\s+)?(?:function\*?|const|let|var|class)\s+([A-Za-z_$][\w$]*)/gm;
  return [...source.matchAll(re)].map((m) => m[1]);
}

export function sourceOf(cell: RawCell): string {
  return Array.isArray(cell.source) ? cell.source.join("") : cell.source;
}

export function readRaw(file: string): RawNotebook {
  const nb = JSON.parse(fs.readFileSync(file, "utf8")) as RawNotebook;
  if (!nb || !Array.isArray(nb.cells)) throw new Error(`${file} is not a notebook (no "cells" list).`);
  return nb;
}

/** Jupyter's on-disk form: indent 1, trailing newline (keys keep their order; we insert ours sorted). */
export function serialiseRaw(nb: RawNotebook): string {
  return JSON.stringify(nb, null, 1) + "\n";
}

/** Write only when the text changes, so an idempotent run leaves files (and mtimes) alone. */
export function writeIfChanged(file: string, text: string): boolean {
  if (fs.existsSync(file) && fs.readFileSync(file, "utf8") === text) return false;
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, text);
  return true;
}

/** The chapters of a folder: NN-*.ipynb, in order. */
export function chapterFiles(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d\d-.*\.ipynb$/.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

function sortedKeys<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, o[k]]),
  ) as T;
}
