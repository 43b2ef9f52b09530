/**
 * Histograms over training time: one plotly frame per recorded moment, a
 * slider to pick it and play/pause buttons. The y range is fixed across
 * steps so the bars, not the axis, move.
 */

import { ConfigError } from "../core/errors";
import { FigureOptions, PlotlyFigure, PlotlyFrame, requireLabels, requireNonEmpty, requireText } from "./figure";
import { Bins, HistogramSeries, histogramLayout, histogramTraces } from "./histogram";

export interface HistogramStep {
  /** Slider label of this step, e.g. "3" for epoch 3. Unique. */
  label: string;
  series: HistogramSeries[];
}

export interface HistogramsOverTimeOptions extends FigureOptions {
  /** One entry per recorded moment of training, in order. */
  steps: HistogramStep[];
  bins: Bins;
  /** What a step is, e.g. "Epoch": the slider reads "Epoch: 3". */
  sliderLabel: string;
  normalize?: "count" | "fraction";
  /** Milliseconds per step when playing. */
  frameDurationMs?: number;
}

export function histogramsOverTime(opts: HistogramsOverTimeOptions): PlotlyFigure {
  requireLabels("histogramsOverTime", opts);
  requireText("histogramsOverTime.sliderLabel", opts.sliderLabel);
  requireNonEmpty("histogramsOverTime.steps", opts.steps);
  requireConsistentSteps(opts.steps);
  const normalize = opts.normalize ?? "count";
  const frames: PlotlyFrame[] = opts.steps.map((step) => ({
    name: step.label,
    data: histogramTraces("histogramsOverTime", step.series, opts.bins, normalize),
  }));
  const layout = histogramLayout(opts);
  if (layout.yaxis && !opts.y.range && !opts.y.log) layout.yaxis.range = [0, 1.05 * maxY(frames)];
  const duration = opts.frameDurationMs ?? 400;
  return {
    data: frames[0].data,
    frames,
    layout: {
      ...layout,
      height: opts.height ?? 460,
      margin: { l: 70, r: 30, t: 60, b: 140 },
      sliders: [slider(opts.sliderLabel, frames)],
      updatemenus: [playPause(duration)],
    },
  };
}

function requireConsistentSteps(steps: HistogramStep[]): void {
  const names = steps[0].series.map((s) => s.name).join("\u0000");
  const labels = new Set<string>();
  steps.forEach((step, i) => {
    requireText(`histogramsOverTime.steps[${i}].label`, step.label);
    if (labels.has(step.label))
      throw new ConfigError(`histogramsOverTime.steps[${i}].label`, step.label, "a label no other step has");
    labels.add(step.label);
    if (step.series.map((s) => s.name).join("\u0000") !== names) {
      throw new ConfigError(
        `histogramsOverTime.steps[${i}].series`,
        step.series.map((s) => s.name),
        `the same series names in the same order as step 0 (${steps[0].series.map((s) => s.name).join(", ")})`,
      );
    }
  });
}

function maxY(frames: PlotlyFrame[]): number {
  let max = 0;
  for (const frame of frames) {
    for (const trace of frame.data) for (const y of trace.y as (number | null)[]) if (y !== null && y > max) max = y;
  }
  return max > 0 ? max : 1;
}

function animateTo(frameNames: (string | null)[], durationMs: number, extra: Record<string, unknown> = {}) {
  return [
    frameNames,
    { mode: "immediate", frame: { duration: durationMs, redraw: true }, transition: { duration: 0 }, ...extra },
  ];
}

function slider(label: string, frames: PlotlyFrame[]) {
  // Slider and buttons share the strip under the plot: buttons left, slider right of them.
  return {
    active: 0,
    x: 0.16,
    len: 0.84,
    xanchor: "left",
    y: 0,
    yanchor: "top",
    pad: { t: 55, b: 10 },
    currentvalue: { prefix: `${label}: `, xanchor: "right", font: { size: 14 } },
    steps: frames.map((f) => ({ label: f.name, method: "animate", args: animateTo([f.name], 0) })),
  };
}

function playPause(durationMs: number) {
  return {
    type: "buttons",
    direction: "left",
    showactive: false,
    x: 0.15,
    xanchor: "right",
    y: 0,
    yanchor: "top",
    pad: { t: 92, r: 10 },
    buttons: [
      {
        label: "▶ Play",
        method: "animate",
        args: [null, { fromcurrent: true, frame: { duration: durationMs, redraw: true }, transition: { duration: 0 } }],
      },
      { label: "❚❚ Pause", method: "animate", args: animateTo([null], 0) },
    ],
  };
}
