/**
 * The 60-minute core path through the book: which chapters (and sections)
 * a one-hour class covers, with minutes. The book's index marks it; the
 * teacher's guide (notebooks/README.md) gives the same path in a table that
 * test/book.test.ts checks against this one.
 */
export interface CoreStep {
  /** Notebook file name without .ipynb. */
  readonly notebook: string;
  /** What of it: "all" or the sections, e.g. "§1–3". */
  readonly sections: string;
  readonly minutes: number;
}

export const CORE_PATH: readonly CoreStep[] = [
  { notebook: "01-train", sections: "all", minutes: 10 },
  { notebook: "02-activations", sections: "§1–3", minutes: 15 },
  { notebook: "03-causal", sections: "all", minutes: 20 },
  { notebook: "04-bound", sections: "§1–4", minutes: 10 },
  { notebook: "06-answer", sections: "all", minutes: 5 },
];

/** The index's cell for a chapter: "10 min" or "§1–3 · 15 min", empty when the chapter is optional depth. */
export function corePathCell(notebook: string): string {
  const s = CORE_PATH.find((c) => c.notebook === notebook);
  if (!s) return "";
  return s.sections === "all" ? `${s.minutes} min` : `${s.sections} · ${s.minutes} min`;
}

export const CORE_PATH_MINUTES = CORE_PATH.reduce((t, s) => t + s.minutes, 0);
