/**
 * Chapter: notebook 03-causal — each trained network's groups as a long table
 * for a DataFrame (lib/measure/frames-group): one record per network, group
 * and hidden layer, grouped by group and layer (mean ± sample standard
 * deviation over the networks), the layers pivoted into columns.
 */
import type { DataFrame } from "danfojs-node";
import { plusMinus } from "../display/text";
import { GroupStats, LongRecord, Value, groupMeanStd, pivot } from "../measure/frames-group";
import type { VisitsResult } from "./causal-jobs";
import { groupLabel, roleOf, roleOrder } from "./causal-design";

/** The per-layer shares of a group at the end of training, in % (value columns of groupLayerRecords). */
export const GROUP_LAYER_COLUMNS = {
  saturated: "saturated (%)",
  flat: "flat (%)",
} as const;
export type GroupLayerMeasure = keyof typeof GROUP_LAYER_COLUMNS;

/** One record per network, group (never visited first, wrong labels last) and hidden layer: the group's mean per-point share in %. */
export function groupLayerRecords(nets: readonly VisitsResult[]): LongRecord[] {
  return nets.flatMap((net, k) =>
    [...net.final]
      .sort((a, b) => roleOrder(roleOf(a), roleOf(b)))
      .flatMap((g) =>
        g.summary.saturation.map((_, l) => ({
          network: k + 1,
          group: groupLabel(g),
          layer: l + 1,
          [GROUP_LAYER_COLUMNS.saturated]: 100 * g.summary.saturation[l],
          [GROUP_LAYER_COLUMNS.flat]: 100 * g.summary.flat[l],
        })),
      ),
  );
}

/** groupby(group, layer): mean ± sample std over the networks. */
export function groupLayerStats(nets: readonly VisitsResult[], measure: GroupLayerMeasure): GroupStats[] {
  return groupMeanStd(groupLayerRecords(nets), ["group", "layer"], GROUP_LAYER_COLUMNS[measure]);
}

/** Groups × layers: "mean ± std" over the networks (one network: its value). */
export function groupLayerFrame(nets: readonly VisitsResult[], measure: GroupLayerMeasure): DataFrame {
  return pivot(groupLayerStats(nets, measure), {
    rows: "group",
    columns: "layer",
    cell: (s) => (s.n === 0 ? "—" : plusMinus(s, 1)),
    columnName: (l: Value) => `layer ${l}`,
  });
}
