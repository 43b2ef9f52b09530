/**
 * Per-seed (per-network, per-layer) records as a danfo DataFrame, grouped and
 * pivoted for a table:
 *
 *   records (long format: one row per run × layer …)
 *     → groupMeanStd(records, ["fix", "depth"], "test error (%)")   groupby + mean/std per group
 *     → pivot(stats, { rows: "fix", columns: "depth", cell })        one row per fix, one column per depth
 *     → table(frame)                                                 display/table reads any DataFrame
 *
 * The statistics follow the book's convention for a handful of runs
 * (stats.sampleMeanStd): mean and sample standard deviation (÷ (n − 1)) of the
 * finite values; NaN/±∞ (a diverged seed) are dropped and counted; one value
 * has std 0; none left has mean and std NaN.
 *
 * danfo takes over a second to load: it is required on the first call, never
 * at import, so a notebook that does not group pays nothing.
 */
import type { DataFrame } from "danfojs-node";
import { ConfigError } from "../core/errors";

/** A key or a measured value of a long-format record. */
export type Value = string | number;
export type LongRecord = Readonly<Record<string, Value>>;

/** One group's statistics: the values of its keys, and mean ± sample std of the finite values. */
export interface GroupStats {
  readonly key: Readonly<Record<string, Value>>;
  readonly mean: number;
  /** Sample standard deviation (÷ (n − 1)); 0 for one value, NaN for none. */
  readonly std: number;
  /** Finite values used. */
  readonly n: number;
  /** Non-finite values left out (diverged runs). */
  readonly dropped: number;
}

type Danfo = typeof import("danfojs-node");
let danfo: Danfo | null = null;

/** danfojs-node, loaded on first use (about 1.5 s; shares the project's tfjs). */
export function loadDanfo(): Danfo {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  danfo ??= require("danfojs-node") as Danfo;
  return danfo;
}

/** The records as a DataFrame (columns in the first record's order). */
export function recordsFrame(records: readonly LongRecord[]): DataFrame {
  if (records.length === 0) throw new ConfigError("records", records, "at least one record");
  const columns = Object.keys(records[0]);
  const values = records.map((r, i) =>
    columns.map((c) => {
      if (!(c in r)) throw new ConfigError(`record ${i}`, r, `every field of the first record (${columns.join(", ")})`);
      return r[c];
    }),
  );
  return new (loadDanfo().DataFrame)(values, { columns });
}

/**
 * groupby(keys) over the records, then per group the mean and sample standard
 * deviation of `value` over its finite entries (danfo's groupby mean, std and
 * count), and how many entries were not finite. Groups in order of first
 * appearance in the records.
 */
export function groupMeanStd(records: readonly LongRecord[], keys: readonly string[], value: string): GroupStats[] {
  if (keys.length === 0) throw new ConfigError("group keys", keys, "at least one key column");
  if (keys.includes(value)) throw new ConfigError("value column", value, "a column that is not a group key");
  const first = new Map<string, Record<string, Value>>();
  const totals = new Map<string, number>();
  for (const [i, r] of records.entries()) {
    const v = r[value];
    if (typeof v !== "number") throw new ConfigError(`record ${i}'s "${value}"`, v, "a number (NaN for a missing run)");
    const key = keyOf(r, keys, i);
    if (!first.has(key)) first.set(key, Object.fromEntries(keys.map((k) => [k, r[k]])));
    totals.set(key, (totals.get(key) ?? 0) + 1);
  }
  const finite = records.filter((r) => Number.isFinite(r[value]));
  const stats = finite.length === 0 ? new Map<string, Stats>() : danfoStats(finite, keys, value);
  return [...first.entries()].map(([key, k]) => {
    const s = stats.get(key);
    const total = totals.get(key) ?? 0;
    if (!s) return { key: k, mean: NaN, std: NaN, n: 0, dropped: total };
    // mathjs's std of one value is 0/0; the book's convention (sampleMeanStd) calls it 0.
    return { key: k, mean: s.mean, std: s.n > 1 ? s.std : 0, n: s.n, dropped: total - s.n };
  });
}

interface Stats {
  mean: number;
  std: number;
  n: number;
}

/** danfo's groupby on the finite records: per group mean, std (mathjs, ÷ (n − 1)) and count, keyed like keyOf. */
function danfoStats(records: readonly LongRecord[], keys: readonly string[], value: string): Map<string, Stats> {
  const frame = recordsFrame(records.map((r) => Object.fromEntries([...keys, value].map((c) => [c, r[c]]))));
  const grouped = frame.groupby([...keys]).agg({ [value]: ["mean", "std", "count"] });
  const rows = frameRows(grouped);
  const out = new Map<string, Stats>();
  for (const [i, r] of rows.entries()) {
    const num = (c: string) => {
      const x = r[c];
      if (typeof x !== "number") throw new Error(`groupby: column ${c} of group ${i} is ${String(x)}, not a number`);
      return x;
    };
    out.set(keyOf(r, keys, i), { mean: num(`${value}_mean`), std: num(`${value}_std`), n: num(`${value}_count`) });
  }
  // danfo joins a group's key values with "-": ("a-b", "c") and ("a", "b-c") would fall into one group.
  const distinct = new Set(records.map((r, i) => keyOf(r, keys, i))).size;
  if (out.size !== distinct)
    throw new ConfigError(
      `group keys ${keys.join(", ")}`,
      `${distinct} distinct groups`,
      "key values danfo keeps apart (its groupby joins them with '-')",
    );
  return out;
}

/** A DataFrame's rows as plain objects, each cell checked to be a string or a number. */
export function frameRows(frame: DataFrame): Record<string, Value>[] {
  const columns = frame.columns.map(String);
  return (frame.values as unknown[][]).map((row, i) =>
    Object.fromEntries(
      columns.map((c, j) => {
        const x = row[j];
        if (typeof x !== "string" && typeof x !== "number")
          throw new Error(`frame row ${i}, column ${c}: ${String(x)} is neither a string nor a number`);
        return [c, x];
      }),
    ),
  );
}

function keyOf(r: Readonly<Record<string, Value>>, keys: readonly string[], i: number): string {
  return JSON.stringify(
    keys.map((k) => {
      const v = r[k];
      if (!(typeof v === "string" || (typeof v === "number" && Number.isFinite(v))))
        throw new ConfigError(`record ${i}'s key "${k}"`, v, "a string or a finite number");
      return v;
    }),
  );
}

export interface PivotSpec {
  /** The key whose values become the rows (the frame's index), in order of first appearance. */
  readonly rows: string;
  /** The key whose values become the columns, in order of first appearance. */
  readonly columns: string;
  /** What a cell shows of its group. */
  readonly cell: (s: GroupStats) => string;
  /** The column's name for a value of the column key (default: the value). */
  readonly columnName?: (v: Value) => string;
  /** The cell where no group has that row and column (default "—"). */
  readonly missing?: string;
  /** Column key values in this order (default: order of first appearance); values not listed are left out. */
  readonly columnOrder?: readonly Value[];
}

/**
 * Per-group statistics as a table: one row per value of `rows`, one column per
 * value of `columns` (a pivot of the groupby result). The groups must be keyed
 * by exactly those two keys.
 */
export function pivot(stats: readonly GroupStats[], spec: PivotSpec): DataFrame {
  if (stats.length === 0) throw new ConfigError("groups", stats, "at least one group to pivot");
  const keyNames = Object.keys(stats[0].key);
  if (
    keyNames.length !== 2 ||
    !keyNames.includes(spec.rows) ||
    !keyNames.includes(spec.columns) ||
    spec.rows === spec.columns
  )
    throw new ConfigError("pivot keys", [spec.rows, spec.columns], `the two group keys (${keyNames.join(", ")})`);
  const rowValues = [...new Set(stats.map((s) => s.key[spec.rows]))];
  const colValues = spec.columnOrder ? [...spec.columnOrder] : [...new Set(stats.map((s) => s.key[spec.columns]))];
  const at = new Map(stats.map((s) => [JSON.stringify([s.key[spec.rows], s.key[spec.columns]]), s]));
  const values = rowValues.map((r) =>
    colValues.map((c) => {
      const s = at.get(JSON.stringify([r, c]));
      return s ? spec.cell(s) : (spec.missing ?? "—");
    }),
  );
  const name = spec.columnName ?? String;
  return new (loadDanfo().DataFrame)(values, { columns: colValues.map(name), index: rowValues });
}
