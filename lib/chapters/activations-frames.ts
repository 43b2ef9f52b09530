/**
 * Chapter: notebook 02-activations — the sensitivity sweep's runs (§8) as long
 * tables for a DataFrame (lib/measure/frames-group): one record per run and
 * hidden layer, grouped by setting and layer (mean ± sample standard deviation
 * over seeds; a diverged run's NaN is dropped and counted), the layers pivoted
 * into columns.
 */
import type { DataFrame } from "danfojs-node";
import { plusMinus } from "../display/text";
import { GroupStats, LongRecord, Value, groupMeanStd, pivot } from "../measure/frames-group";
import type { SweepResult } from "./activations";

/** The per-layer numbers of a sweep run, in % (value columns of sweepLayerRecords). */
export const SWEEP_LAYER_COLUMNS = {
  saturated: "saturated (%)",
  flat: "flat (%)",
  derivative: "mean f′(z) / max f′ (%)",
} as const;
export type SweepLayerMeasure = keyof typeof SWEEP_LAYER_COLUMNS;

/** The per-run numbers of a sweep run (value columns of sweepRunRecords). */
export const SWEEP_RUN_COLUMNS = {
  train: "training accuracy (%)",
  test: "test accuracy (%)",
  stuck: "stuck units",
} as const;
export type SweepRunMeasure = keyof typeof SWEEP_RUN_COLUMNS;

/** One record per sweep run and hidden layer: setting, seed, layer, the per-layer numbers in % (NaN when the run diverged). */
export function sweepLayerRecords(results: readonly SweepResult[]): LongRecord[] {
  return results.flatMap((r) => {
    const s = r.summary;
    return Array.from({ length: r.config.model.widths.length }, (_, l) => ({
      setting: r.row.label,
      seed: r.seed,
      layer: l + 1,
      [SWEEP_LAYER_COLUMNS.saturated]: s ? 100 * s.perLayer[l] : NaN,
      [SWEEP_LAYER_COLUMNS.flat]: s ? 100 * s.flatPerLayer[l] : NaN,
      [SWEEP_LAYER_COLUMNS.derivative]: s ? 100 * s.derivative[l] : NaN,
    }));
  });
}

/** One record per sweep run: setting, seed, accuracies in % and stuck units (NaN when the run diverged). */
export function sweepRunRecords(results: readonly SweepResult[]): LongRecord[] {
  return results.map((r) => ({
    setting: r.row.label,
    seed: r.seed,
    [SWEEP_RUN_COLUMNS.train]: r.summary ? 100 * r.summary.train : NaN,
    [SWEEP_RUN_COLUMNS.test]: r.summary ? 100 * r.summary.test : NaN,
    [SWEEP_RUN_COLUMNS.stuck]: r.summary ? r.summary.stuck : NaN,
  }));
}

/** groupby(setting, layer) of one per-layer number: mean ± sample std over seeds. */
export function sweepLayerStats(results: readonly SweepResult[], measure: SweepLayerMeasure): GroupStats[] {
  return groupMeanStd(sweepLayerRecords(results), ["setting", "layer"], SWEEP_LAYER_COLUMNS[measure]);
}

/** groupby(setting) of one per-run number: mean ± sample std over seeds. */
export function sweepRunStats(results: readonly SweepResult[], measure: SweepRunMeasure): GroupStats[] {
  return groupMeanStd(sweepRunRecords(results), ["setting"], SWEEP_RUN_COLUMNS[measure]);
}

/** A cell: "mean ± std" over the seeds that ran, "(k/n diverged)" beside it, "diverged" when all did. */
export function seedCell(s: GroupStats, digits = 1): string {
  if (s.n === 0) return "diverged";
  return plusMinus(s, digits) + (s.dropped > 0 ? ` (${s.dropped}/${s.n + s.dropped} diverged)` : "");
}

/** One per-layer number, settings × layers (mean ± sample std over seeds; "—" beyond a setting's depth). */
export function sweepLayerFrame(results: readonly SweepResult[], measure: SweepLayerMeasure): DataFrame {
  const stats = sweepLayerStats(results, measure);
  const layers = [...new Set(stats.map((s) => Number(s.key.layer)))].sort((a, b) => a - b);
  return pivot(stats, {
    rows: "setting",
    columns: "layer",
    cell: (s) => seedCell(s),
    columnName: (l: Value) => `layer ${l}`,
    columnOrder: layers,
  });
}

/** Each setting's mean over seeds of the per-run numbers and the lowest layer's mean f′ ratio (for the recipe table). */
export function sweepSettingMeans(
  results: readonly SweepResult[],
): Map<string, { train: number; test: number; stuck: number; lowestDerivative: number }> {
  const byKey = (stats: GroupStats[]) => new Map(stats.map((s) => [String(s.key.setting), s.mean]));
  const train = byKey(sweepRunStats(results, "train")),
    test = byKey(sweepRunStats(results, "test")),
    stuck = byKey(sweepRunStats(results, "stuck"));
  const lowest = new Map<string, number>();
  for (const s of sweepLayerStats(results, "derivative")) {
    const k = String(s.key.setting);
    lowest.set(k, Math.min(lowest.get(k) ?? Infinity, s.mean));
  }
  return new Map(
    [...train.keys()].map((k) => [
      k,
      { train: train.get(k)!, test: test.get(k)!, stuck: stuck.get(k)!, lowestDerivative: lowest.get(k)! },
    ]),
  );
}
