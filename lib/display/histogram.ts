/**
 * Histograms, binned here rather than in the browser: a layer of a trained
 * network has hundreds of thousands of activations, and shipping the counts
 * (not the values) keeps executed notebooks small and the bins identical in
 * every viewer.
 */

import { ConfigError } from "../core/errors";
import {
  FigureOptions,
  PlotlyFigure,
  PlotlyLayout,
  PlotlyTrace,
  baseLayout,
  colorAt,
  requireLabels,
  requireNonEmpty,
  requireText,
} from "./figure";
import { plotNumbers } from "./numbers";

/** Equal-width bins covering [start, end]; the last bin includes `end`. */
export interface Bins {
  start: number;
  end: number;
  count: number;
}

export interface BinnedCounts {
  /** counts[i] = number of values in bin i. */
  counts: number[];
  /** Values below start, above end, or NaN: not in any bin. */
  outside: number;
}

export function binCounts(values: ArrayLike<number>, bins: Bins): BinnedCounts {
  requireBins(bins);
  const counts = new Array<number>(bins.count).fill(0);
  const width = (bins.end - bins.start) / bins.count;
  let outside = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= bins.start && v <= bins.end)) {
      outside++;
      continue;
    }
    counts[Math.min(bins.count - 1, Math.floor((v - bins.start) / width))]++;
  }
  return { counts, outside };
}

export function binCenters(bins: Bins): number[] {
  const width = (bins.end - bins.start) / bins.count;
  return Array.from({ length: bins.count }, (_, i) => bins.start + (i + 0.5) * width);
}

function requireBins(bins: Bins): void {
  const ok =
    bins !== undefined &&
    Number.isFinite(bins.start) &&
    Number.isFinite(bins.end) &&
    bins.end > bins.start &&
    Number.isInteger(bins.count) &&
    bins.count > 0;
  if (!ok)
    throw new ConfigError(
      "histogram.bins",
      bins,
      "{ start, end, count } with end > start and a positive integer count",
    );
}

export interface HistogramSeries {
  name: string;
  values: ArrayLike<number>;
  color?: string;
}

export interface HistogramOptions extends FigureOptions {
  series: HistogramSeries[];
  bins: Bins;
  /** "count" (default) or "fraction" of each series' values, to compare layers of different widths. */
  normalize?: "count" | "fraction";
}

/** Overlaid histograms, one bar trace per series. */
export function histogram(opts: HistogramOptions): PlotlyFigure {
  requireLabels("histogram", opts);
  requireNonEmpty("histogram.series", opts.series);
  const data = histogramTraces("histogram", opts.series, opts.bins, opts.normalize ?? "count");
  return { data, layout: histogramLayout(opts) };
}

/** One bar trace per series, binned; shared with histogramsOverTime's frames. */
export function histogramTraces(
  builder: string,
  series: HistogramSeries[],
  bins: Bins,
  normalize: "count" | "fraction",
): PlotlyTrace[] {
  const x = plotNumbers(binCenters(bins));
  const width = (bins.end - bins.start) / bins.count;
  return series.map((s, i) => {
    requireText(`${builder}.series[${i}].name`, s.name);
    const { counts, outside } = binCounts(s.values, bins);
    const scale = normalize === "fraction" && s.values.length > 0 ? 1 / s.values.length : 1;
    return {
      type: "bar",
      // Saying how many values fell outside the bins keeps the figure honest.
      name: outside > 0 ? `${s.name} (${outside} outside [${bins.start}, ${bins.end}])` : s.name,
      x,
      y: plotNumbers(counts.map((c) => c * scale)),
      width,
      marker: { color: s.color ?? colorAt(i), line: { width: 0 } },
      opacity: series.length > 1 ? 0.55 : 0.85,
    };
  });
}

export function histogramLayout(opts: FigureOptions & { bins: Bins }): PlotlyLayout {
  const layout = baseLayout(opts);
  if (layout.xaxis && !opts.x.range) layout.xaxis.range = [opts.bins.start, opts.bins.end];
  return { ...layout, barmode: "overlay", bargap: 0, hovermode: "x" };
}
