/**
 * The figure model: plain plotly JSON (data, layout, frames) plus the typed
 * options every builder demands. A figure without a title or without axis
 * labels and units cannot be built: the types require them, and the runtime
 * checks reject empty strings and calls from untyped code.
 */

import { ConfigError } from "../core/errors";

/** An axis label with its unit, rendered "Label (unit)". */
export interface AxisLabel {
  label: string;
  /** e.g. "epochs", "nats", "fraction of units", "count of activations". */
  unit: string;
}

export interface Axis extends AxisLabel {
  log?: boolean;
  range?: [number, number];
}

/** Options every builder takes. */
export interface FigureOptions {
  title: string;
  x: Axis;
  y: Axis;
  /** Pixel height of the figure (width follows the page). */
  height?: number;
}

/** A plotly trace, as JSON. Builders fill in the type-specific fields. */
export interface PlotlyTrace {
  type: "scatter" | "bar" | "heatmap";
  name?: string;
  xaxis?: string;
  yaxis?: string;
  showlegend?: boolean;
  [field: string]: unknown;
}

export interface PlotlyAxis {
  title: { text: string };
  type?: "linear" | "log" | "category";
  range?: number[];
  domain?: number[];
  anchor?: string;
  [field: string]: unknown;
}

export interface PlotlyLayout {
  title: { text: string };
  xaxis?: PlotlyAxis;
  yaxis?: PlotlyAxis;
  height?: number;
  [field: string]: unknown;
}

export interface PlotlyFrame {
  name: string;
  data: PlotlyTrace[];
}

export interface PlotlyFigure {
  data: PlotlyTrace[];
  layout: PlotlyLayout;
  frames?: PlotlyFrame[];
}

/** Colour-blind-safe (Okabe–Ito), in an order that keeps neighbours distinct. */
export const PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"];

export function colorAt(i: number): string {
  return PALETTE[i % PALETTE.length];
}

/** "#0072B2" at alpha 0.2 → "rgba(0,114,178,0.2)", for error bands and overlaps. */
export function withAlpha(hex: string, alpha: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha})`;
}

export function axisTitle(axis: AxisLabel): string {
  return `${axis.label} (${axis.unit})`;
}

/** Reject a missing title or axis label before anything is drawn. */
export function requireLabels(builder: string, opts: FigureOptions): void {
  requireText(`${builder}.title`, opts?.title);
  requireAxis(`${builder}.x`, opts.x);
  requireAxis(`${builder}.y`, opts.y);
}

export function requireAxis(field: string, axis: AxisLabel | undefined): void {
  if (axis === null || typeof axis !== "object") {
    throw new ConfigError(field, axis, '{ label, unit }, e.g. { label: "Epoch", unit: "epochs" }');
  }
  requireText(`${field}.label`, axis.label);
  requireText(`${field}.unit`, axis.unit);
}

export function requireText(field: string, value: unknown): void {
  if (typeof value !== "string" || value.trim() === "") {
    throw new ConfigError(field, value, "a non-empty string (every figure needs a title and axis labels with units)");
  }
}

export function requireSameLength(field: string, a: ArrayLike<unknown>, b: ArrayLike<unknown>): void {
  if (a.length !== b.length) {
    throw new ConfigError(field, `${a.length} vs ${b.length} entries`, "arrays of equal length");
  }
}

export function requireNonEmpty(field: string, items: ArrayLike<unknown>): void {
  if (!items || items.length === 0) throw new ConfigError(field, items, "at least one entry");
}

/** The layout every builder starts from: title, labelled axes, quiet styling. */
export function baseLayout(opts: FigureOptions): PlotlyLayout {
  return {
    title: { text: opts.title },
    xaxis: plotlyAxis(opts.x),
    yaxis: plotlyAxis(opts.y),
    height: opts.height ?? 380,
    margin: { l: 70, r: 30, t: 60, b: 60 },
    font: { family: "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", size: 13 },
    paper_bgcolor: "#ffffff",
    plot_bgcolor: "#ffffff",
    legend: { bgcolor: "rgba(255,255,255,0.6)" },
  };
}

export function plotlyAxis(axis: Axis): PlotlyAxis {
  const out: PlotlyAxis = {
    title: { text: axisTitle(axis) },
    type: axis.log ? "log" : "linear",
    gridcolor: "#e5e5e5",
    zeroline: false,
    showline: true,
    linecolor: "#888",
  };
  // Plotly expects log-axis ranges as log10 of the data range.
  if (axis.range) out.range = axis.log ? axis.range.map(Math.log10) : [...axis.range];
  return out;
}

/**
 * Check a figure built by hand (or edited after building) still has a title
 * and a titled axis for every axis its traces use.
 */
export function requireLabelledFigure(fig: PlotlyFigure): void {
  requireText("figure.layout.title.text", fig?.layout?.title?.text);
  for (const trace of fig.data) {
    for (const ref of [trace.xaxis ?? "x", trace.yaxis ?? "y"]) {
      const key = layoutAxisKey(ref);
      const axis = fig.layout[key] as PlotlyAxis | undefined;
      requireText(`figure.layout.${key}.title.text`, axis?.title?.text);
    }
  }
}

/** "x" → "xaxis", "y3" → "yaxis3". */
export function layoutAxisKey(ref: string): string {
  return `${ref[0]}axis${ref.slice(1)}`;
}
