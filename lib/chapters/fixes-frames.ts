/**
 * Chapter: notebook 05-fixes — the per-seed runs as a long table for a
 * DataFrame (lib/measure/frames-group): one record per run, grouped by fix and
 * depth (mean ± sample standard deviation over seeds, diverged seeds dropped
 * and counted), the depths pivoted into columns.
 */
import type { DataFrame } from "danfojs-node";
import { plusMinus } from "../display/text";
import { GroupStats, LongRecord, PivotSpec, Value, groupMeanStd, pivot } from "../measure/frames-group";
import type { FixResult } from "./fixes-summary";

/** The value column of runRecords. */
export const TEST_ERROR = "test error (%)";

/** One record per run: fix (its label), depth, seed, test error in % where it stopped (NaN when it diverged). */
export function runRecords(results: readonly FixResult[]): LongRecord[] {
  return results.flatMap((r) =>
    r.runs.map((run) => ({
      fix: r.fix.label,
      depth: r.depth,
      seed: run.seed,
      [TEST_ERROR]: run.failure === null ? 100 * (1 - run.testAccuracy) : NaN,
    })),
  );
}

/** A cell of the error table: "mean ± std" over seeds, "(k/n diverged)" beside it, "diverged" when every seed did. */
export function errorCell(s: GroupStats): string {
  if (s.n === 0) return "diverged";
  return plusMinus(s, 1) + (s.dropped > 0 ? ` (${s.dropped}/${s.n + s.dropped} diverged)` : "");
}

/** Rows: fixes; columns: the depths, in the given order ("not run" where a depth was skipped). */
export function errorPivot(depths: readonly number[]): PivotSpec {
  return {
    rows: "fix",
    columns: "depth",
    cell: errorCell,
    columnName: (d: Value) => `test error (%), depth ${d}`,
    columnOrder: depths,
    missing: "not run",
  };
}

/** Test error per fix and depth, mean ± sample std over seeds: groupby(fix, depth), then pivot. */
export function errorFrame(results: readonly FixResult[], depths: readonly number[]): DataFrame {
  return pivot(groupMeanStd(runRecords(results), ["fix", "depth"], TEST_ERROR), errorPivot(depths));
}
