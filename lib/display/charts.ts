/**
 * Figure builders for series over a numeric or categorical axis: line, scatter, bar.
 */

import {
  FigureOptions,
  PlotlyFigure,
  PlotlyTrace,
  baseLayout,
  colorAt,
  requireLabels,
  requireNonEmpty,
  requireSameLength,
  requireText,
  withAlpha,
} from "./figure";
import { plotNumbers } from "./numbers";
import { ConfigError } from "../core/errors";

export interface LineSeries {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** A shaded band, e.g. mean ± one standard deviation over seeds. */
  band?: { lower: ArrayLike<number>; upper: ArrayLike<number> };
  dash?: "solid" | "dash" | "dot";
  color?: string;
}

export interface LineOptions extends FigureOptions {
  series: LineSeries[];
  markers?: boolean;
}

export function line(opts: LineOptions): PlotlyFigure {
  requireLabels("line", opts);
  requireNonEmpty("line.series", opts.series);
  const data: PlotlyTrace[] = [];
  opts.series.forEach((s, i) => {
    const field = `line.series[${i}]`;
    requireText(`${field}.name`, s.name);
    requireSameLength(`${field}.x/y`, s.x, s.y);
    const color = s.color ?? colorAt(i);
    if (s.band) data.push(bandTrace(field, s, color));
    data.push({
      type: "scatter",
      mode: opts.markers ? "lines+markers" : "lines",
      name: s.name,
      legendgroup: s.name,
      x: plotNumbers(s.x),
      y: plotNumbers(s.y),
      line: { color, width: 2, dash: s.dash ?? "solid" },
    });
  });
  return { data, layout: { ...baseLayout(opts), hovermode: "x" } };
}

/** The band as one closed polygon: upper edge left→right, lower edge right→left. */
function bandTrace(field: string, s: LineSeries, color: string): PlotlyTrace {
  const band = s.band as NonNullable<LineSeries["band"]>;
  requireSameLength(`${field}.band.lower`, s.x, band.lower);
  requireSameLength(`${field}.band.upper`, s.x, band.upper);
  const x = plotNumbers(s.x);
  return {
    type: "scatter",
    mode: "lines",
    name: `${s.name} band`,
    legendgroup: s.name,
    showlegend: false,
    hoverinfo: "skip",
    x: [...x, ...[...x].reverse()],
    y: [...plotNumbers(band.upper), ...plotNumbers(band.lower).reverse()],
    fill: "toself",
    fillcolor: withAlpha(color, 0.2),
    line: { width: 0, color },
  };
}

export interface ScatterSeries {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Hover text per point. */
  text?: string[];
  color?: string;
}

export interface ScatterOptions extends FigureOptions {
  series: ScatterSeries[];
  markerSize?: number;
}

export function scatter(opts: ScatterOptions): PlotlyFigure {
  requireLabels("scatter", opts);
  requireNonEmpty("scatter.series", opts.series);
  const data = opts.series.map((s, i): PlotlyTrace => {
    const field = `scatter.series[${i}]`;
    requireText(`${field}.name`, s.name);
    requireSameLength(`${field}.x/y`, s.x, s.y);
    if (s.text) requireSameLength(`${field}.text`, s.x, s.text);
    return {
      type: "scatter",
      mode: "markers",
      name: s.name,
      x: plotNumbers(s.x),
      y: plotNumbers(s.y),
      ...(s.text ? { text: s.text } : {}),
      marker: { color: s.color ?? colorAt(i), size: opts.markerSize ?? 6, opacity: 0.75 },
    };
  });
  return { data, layout: { ...baseLayout(opts), hovermode: "closest" } };
}

export interface BarSeries {
  name: string;
  values: ArrayLike<number>;
  /** Symmetric error bar per category. */
  error?: ArrayLike<number>;
  /** An interval per category (e.g. a 95% bootstrap interval), drawn as an asymmetric error bar from low to high. */
  interval?: { low: ArrayLike<number>; high: ArrayLike<number> };
  color?: string;
}

export interface BarOptions extends FigureOptions {
  categories: (string | number)[];
  series: BarSeries[];
  /** "group" puts series side by side, "stack" on top of each other. */
  mode?: "group" | "stack";
}

export function bar(opts: BarOptions): PlotlyFigure {
  requireLabels("bar", opts);
  requireNonEmpty("bar.categories", opts.categories);
  requireNonEmpty("bar.series", opts.series);
  const categories = opts.categories.map(String);
  const data = opts.series.map((s, i): PlotlyTrace => {
    const field = `bar.series[${i}]`;
    requireText(`${field}.name`, s.name);
    requireSameLength(`${field}.values`, categories, s.values);
    if (s.error) requireSameLength(`${field}.error`, categories, s.error);
    if (s.error && s.interval)
      throw new ConfigError(
        `${field}`,
        "both error and interval",
        "one of them: error (symmetric) or interval (low, high)",
      );
    const iv = s.interval;
    if (iv) {
      requireSameLength(`${field}.interval.low`, categories, iv.low);
      requireSameLength(`${field}.interval.high`, categories, iv.high);
      for (let k = 0; k < categories.length; k++) {
        if (!(iv.low[k] <= s.values[k] && s.values[k] <= iv.high[k]))
          throw new ConfigError(
            `${field}.interval at ${categories[k]}`,
            `[${iv.low[k]}, ${iv.high[k]}] around ${s.values[k]}`,
            "an interval that contains the bar's value",
          );
      }
    }
    const intervalBar = iv
      ? {
          error_y: {
            type: "data",
            symmetric: false,
            array: Array.from(s.values, (v, k) => iv.high[k] - v),
            arrayminus: Array.from(s.values, (v, k) => v - iv.low[k]),
            visible: true,
          },
        }
      : {};
    return {
      type: "bar",
      name: s.name,
      x: categories,
      y: plotNumbers(s.values),
      marker: { color: s.color ?? colorAt(i) },
      ...(s.error ? { error_y: { type: "data", array: plotNumbers(s.error), visible: true } } : {}),
      ...intervalBar,
    };
  });
  const layout = baseLayout(opts);
  if (layout.xaxis) layout.xaxis.type = "category";
  return { data, layout: { ...layout, barmode: opts.mode ?? "group" } };
}
