/**
 * Small multiples: several figures from the builders laid out in one grid,
 * each keeping its own axes, axis titles and (as a subplot heading) title.
 * Series with the same name share one legend entry and toggle together.
 */

import { ConfigError } from "../core/errors";
import { PlotlyAxis, PlotlyFigure, PlotlyTrace, requireLabelledFigure, requireNonEmpty, requireText } from "./figure";

export interface GridOptions {
  title: string;
  /** Figures built by line(), histogram(), heatmap(), … (not histogramsOverTime). */
  panels: PlotlyFigure[];
  columns: number;
  /** Pixel height of one row of panels. */
  rowHeight?: number;
}

const GAP_X = 0.1;
const GAP_Y = 0.16;

export function smallMultiples(opts: GridOptions): PlotlyFigure {
  requireText("smallMultiples.title", opts?.title);
  requireNonEmpty("smallMultiples.panels", opts.panels);
  if (!Number.isInteger(opts.columns) || opts.columns < 1) {
    throw new ConfigError("smallMultiples.columns", opts.columns, "a positive integer");
  }
  const columns = Math.min(opts.columns, opts.panels.length);
  const rows = Math.ceil(opts.panels.length / columns);
  const layout: PlotlyFigure["layout"] = {
    title: { text: opts.title },
    height: rows * (opts.rowHeight ?? 300) + 120,
    margin: { l: 70, r: 30, t: 90, b: 60 },
    font: { family: "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", size: 12 },
    paper_bgcolor: "#ffffff",
    plot_bgcolor: "#ffffff",
    barmode: opts.panels[0].layout.barmode,
    annotations: [],
  };
  const data: PlotlyTrace[] = [];
  const seenNames = new Set<string>();
  opts.panels.forEach((panel, i) => {
    requireLabelledFigure(panel);
    if (panel.frames)
      throw new ConfigError(`smallMultiples.panels[${i}]`, "a figure with frames", "a figure without a slider");
    const cell = { row: Math.floor(i / columns), column: i % columns, rows, columns };
    const suffix = i === 0 ? "" : String(i + 1);
    placeAxes(layout, panel, suffix, cell);
    (layout.annotations as unknown[]).push(panelHeading(panel.layout.title.text, suffix));
    for (const trace of panel.data) data.push(retarget(trace, suffix, cell, seenNames));
  });
  return { data, layout };
}

interface Cell {
  row: number;
  column: number;
  rows: number;
  columns: number;
}

function domain(index: number, count: number, gap: number): number[] {
  const size = (1 - gap * (count - 1)) / count;
  const start = index * (size + gap);
  return [start, start + size];
}

function placeAxes(layout: PlotlyFigure["layout"], panel: PlotlyFigure, suffix: string, cell: Cell): void {
  const x = {
    ...(panel.layout.xaxis as PlotlyAxis),
    domain: domain(cell.column, cell.columns, GAP_X),
    anchor: `y${suffix}`,
  };
  // Rows count from the top; plotly's y domain counts from the bottom.
  const y = {
    ...(panel.layout.yaxis as PlotlyAxis),
    domain: domain(cell.rows - 1 - cell.row, cell.rows, GAP_Y),
    anchor: `x${suffix}`,
  };
  layout[`xaxis${suffix}`] = x;
  layout[`yaxis${suffix}`] = y;
}

function panelHeading(text: string, suffix: string) {
  return {
    text: `<b>${text}</b>`,
    xref: `x${suffix} domain`,
    yref: `y${suffix} domain`,
    x: 0.5,
    y: 1.02,
    xanchor: "center",
    yanchor: "bottom",
    showarrow: false,
    font: { size: 13 },
  };
}

function retarget(trace: PlotlyTrace, suffix: string, cell: Cell, seenNames: Set<string>): PlotlyTrace {
  const out: PlotlyTrace = { ...trace, xaxis: `x${suffix}`, yaxis: `y${suffix}` };
  const name = trace.name ?? "";
  out.legendgroup = (trace.legendgroup as string | undefined) ?? name;
  if (trace.showlegend !== false) {
    out.showlegend = !seenNames.has(name);
    seenNames.add(name);
  }
  if (trace.type === "heatmap") out.colorbar = besideCell(trace.colorbar, cell);
  return out;
}

/** Each heatmap panel's colour bar next to its own panel, not stacked at the right edge. */
function besideCell(colorbar: unknown, cell: Cell): Record<string, unknown> {
  const [, right] = domain(cell.column, cell.columns, GAP_X);
  const [bottom, top] = domain(cell.rows - 1 - cell.row, cell.rows, GAP_Y);
  return {
    ...(colorbar as Record<string, unknown>),
    x: right + 0.01,
    xanchor: "left",
    y: (bottom + top) / 2,
    len: top - bottom,
    thickness: 12,
  };
}
