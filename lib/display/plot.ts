/**
 * Figures for the notebooks: `import * as plot from "./lib/display/plot"`.
 *
 *   const fig = plot.line({ title: "Training loss", x: { label: "Epoch", unit: "epochs" },
 *                           y: { label: "Loss", unit: "nats" }, series: [{ name: "train", x, y }] });
 *   plot.show(fig, { takeaway: "Loss plateaus after epoch 20." });
 *
 * Builders take plain arrays (never tensors) and return plain plotly JSON,
 * so a figure can be inspected, edited, or tested before it is shown.
 */

export type { Axis, AxisLabel, FigureOptions, PlotlyFigure, PlotlyTrace, PlotlyLayout, PlotlyFrame } from "./figure";
export { PALETTE } from "./figure";
export { line, scatter, bar } from "./charts";
export type { LineOptions, LineSeries, ScatterOptions, ScatterSeries, BarOptions, BarSeries } from "./charts";
export { histogram, binCounts, binCenters } from "./histogram";
export type { Bins, HistogramOptions, HistogramSeries } from "./histogram";
export { histogramsOverTime } from "./histogram-time";
export type { HistogramStep, HistogramsOverTimeOptions } from "./histogram-time";
export { heatmap } from "./heatmap";
export type { HeatmapOptions, DiscreteLevel } from "./heatmap";
export { smallMultiples } from "./grid";
export type { GridOptions } from "./grid";
export { show, takeaway, figureHtml, takeawayHtml } from "./show";
export type { ShowOptions } from "./show";
export { injectPlotly } from "./plotly-loader";
