/**
 * Tables as escaped HTML: danfo DataFrames/Series or plain row objects.
 *
 * danfojs-node takes ~1.5 s to load, so this module never loads it: a
 * DataFrame is read through the three fields every danfo frame has
 * (columns, values, index), which also keeps table() usable without danfo.
 */

import { escapeHtml } from "./html";
import { formatNumber } from "./numbers";
import { OutputSink, currentSink } from "./output";
import { LINE, MUTED, STRONG_LINE } from "./theme";

export type Cell = string | number | boolean | bigint | null | undefined;
export type Row = Record<string, Cell>;

/** What table() reads from a danfo DataFrame (or Series: 1-D values, one column). */
export interface DataFrameLike {
  columns: string[];
  values: unknown[];
  index: (string | number)[];
}

export interface TableOptions {
  caption?: string;
  /** Longer tables show their first and last rows around an ellipsis row. */
  maxRows?: number;
  /** Significant digits of non-integer numbers. */
  digits?: number;
  /** Which columns, in which order (default: all). */
  columns?: string[];
  /** Show the row index (default: yes for DataFrames, no for row arrays). */
  showIndex?: boolean;
}

interface Grid {
  columns: string[];
  index: (string | number)[];
  cells: Cell[][];
}

export function tableHtml(data: Row[] | DataFrameLike, opts: TableOptions = {}): string {
  const grid = selectColumns(toGrid(data), opts.columns);
  const showIndex = opts.showIndex ?? !Array.isArray(data);
  const digits = opts.digits ?? 4;
  const shown = visibleRows(grid.cells.length, opts.maxRows ?? 20);
  const width = grid.columns.length + (showIndex ? 1 : 0);
  const body = shown.map((r) =>
    r === null
      ? `<tr><td colspan="${width}" style="${CELL};text-align:center;${MUTED}">… ${grid.cells.length - (shown.length - 1)} more rows …</td></tr>`
      : rowHtml(grid, r, showIndex, digits),
  );
  const head = (showIndex ? [`<th style="${HEAD}"></th>`] : []).concat(
    grid.columns.map((c) => `<th style="${HEAD}">${escapeHtml(c)}</th>`),
  );
  const caption = opts.caption
    ? `<caption style="caption-side:top;text-align:left;font-weight:600;padding:0.3em 0">${escapeHtml(opts.caption)}</caption>`
    : "";
  return (
    `<table class="sigmoid-lab-table" style="border-collapse:collapse;font-variant-numeric:tabular-nums;font-size:13px;margin:0.5em 0">` +
    caption +
    `<thead><tr>${head.join("")}</tr></thead>` +
    `<tbody>${body.join("")}</tbody>` +
    `</table>` +
    `<div style="font-size:12px;${MUTED}">${grid.cells.length} rows × ${grid.columns.length} columns</div>`
  );
}

/** Show a table in the current cell. */
export function table(data: Row[] | DataFrameLike, opts: TableOptions & { sink?: OutputSink } = {}): void {
  const grid = toGrid(data);
  const text = `[table] ${opts.caption ?? "table"}: ${grid.cells.length} rows × ${grid.columns.length} columns`;
  (opts.sink ?? currentSink()).emit({ html: tableHtml(data, opts), text });
}

// Rules are translucent grey and text keeps the page's colour: readable in light and dark themes.
const CELL = `padding:0.25em 0.7em;border-bottom:1px solid ${LINE}`;
const HEAD = `padding:0.3em 0.7em;border-bottom:2px solid ${STRONG_LINE};text-align:left`;

function rowHtml(grid: Grid, r: number, showIndex: boolean, digits: number): string {
  const index = showIndex
    ? [`<th style="${CELL};text-align:right"><span style="${MUTED}">${escapeHtml(String(grid.index[r]))}</span></th>`]
    : [];
  const cells = grid.cells[r].map(
    (v) => `<td style="${CELL};text-align:${alignOf(v)}">${escapeHtml(formatCell(v, digits))}</td>`,
  );
  return `<tr>${index.concat(cells).join("")}</tr>`;
}

/** Row indices to show; null marks where the ellipsis row goes. */
export function visibleRows(total: number, maxRows: number): (number | null)[] {
  const all = Array.from({ length: total }, (_, i) => i);
  if (total <= maxRows) return all;
  const tail = Math.max(1, Math.floor(maxRows / 4));
  const head = Math.max(1, maxRows - tail);
  return [...all.slice(0, head), null, ...all.slice(total - tail)];
}

export function formatCell(v: Cell, digits: number): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return formatNumber(v, digits);
  return String(v);
}

function alignOf(v: Cell): string {
  return typeof v === "number" || typeof v === "bigint" ? "right" : "left";
}

function toGrid(data: Row[] | DataFrameLike): Grid {
  if (Array.isArray(data)) return rowsToGrid(data);
  if (data && Array.isArray(data.columns) && Array.isArray(data.values)) return frameToGrid(data);
  throw new TypeError("table(): expected an array of row objects or a danfo DataFrame/Series");
}

function rowsToGrid(rows: Row[]): Grid {
  // Columns in order of first appearance, so rows may leave out fields.
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  return { columns, index: rows.map((_, i) => i), cells: rows.map((row) => columns.map((c) => row[c])) };
}

function frameToGrid(frame: DataFrameLike): Grid {
  // A danfo Series has 1-D values and a one-element `columns`.
  const cells = frame.values.map((v) => (Array.isArray(v) ? v : [v]).map(toCell));
  return { columns: frame.columns.map(String), index: frame.index, cells };
}

function toCell(v: unknown): Cell {
  if (v === null || v === undefined || ["string", "number", "boolean", "bigint"].includes(typeof v)) return v as Cell;
  return String(v);
}

function selectColumns(grid: Grid, columns?: string[]): Grid {
  if (!columns) return grid;
  const at = columns.map((c) => {
    const i = grid.columns.indexOf(c);
    if (i < 0) throw new RangeError(`table(): no column ${JSON.stringify(c)}; columns are ${grid.columns.join(", ")}`);
    return i;
  });
  return { columns, index: grid.index, cells: grid.cells.map((row) => at.map((i) => row[i])) };
}
