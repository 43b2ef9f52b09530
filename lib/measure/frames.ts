/**
 * Probe results as table rows (plain objects) and, on request, as danfo
 * DataFrames. danfo takes over a second to load, so it is loaded only when a
 * DataFrame is asked for.
 */
import type { ProbeSnapshot } from "./probe";
import type { DataFrame } from "danfojs-node";
import { loadDanfo } from "./frames-group";

export type ProbeRow = Record<string, number | string | null>;

/** One row per hidden layer: the summary statistics of a probe snapshot. */
export function probeRows(s: ProbeSnapshot): ProbeRow[] {
  return s.layers.map((l) => {
    const row: ProbeRow = { set: s.set, layer: l.layer, width: l.width, mean: l.mean, std: l.std };
    for (const sat of l.saturation) row[`saturated (ε=${sat.eps})`] = sat.total;
    row["mean f'(z)"] = l.derivativeMean;
    row["ρ_B"] = l.rhoB;
    row["mean ‖δ‖"] = l.deltaNorm;
    row["‖∇W‖/‖W‖"] = l.gradToData;
    if (l.units) {
      row["stuck units"] = l.units.stuckLow + l.units.stuckHigh;
      row["input-dependent units"] = l.units.inputDependent;
    }
    return row;
  });
}

/** The same rows as a danfo DataFrame (columns in row order). */
export function probeFrame(s: ProbeSnapshot): DataFrame {
  // Loaded here, not at the top: most notebooks never need danfo.
  const rows = probeRows(s);
  return new (loadDanfo().DataFrame)(rows.map((r) => ({ ...r })));
}
