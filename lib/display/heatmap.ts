/**
 * Heatmaps: a continuous colour scale with a labelled colour bar, or
 * discrete colours for categorical cells (e.g. "saturated low / mid /
 * saturated high" per unit and training point).
 */

import { ConfigError } from "../core/errors";
import {
  AxisLabel,
  FigureOptions,
  PlotlyFigure,
  PlotlyLayout,
  axisTitle,
  baseLayout,
  requireAxis,
  requireLabels,
  requireNonEmpty,
  requireSameLength,
  requireText,
} from "./figure";
import { plotNumbers } from "./numbers";

/** One category of a discrete heatmap: cells equal to `value` get `color`. */
export interface DiscreteLevel {
  value: number;
  color: string;
  label: string;
}

export interface HeatmapOptions extends FigureOptions {
  /** z[row][column]; rows go up the y axis. */
  z: ArrayLike<number>[];
  /** What the colour means, for the colour bar title. */
  color: AxisLabel;
  /** Coordinates or names of the columns / rows (defaults: 0, 1, 2, …). */
  xValues?: (number | string)[];
  yValues?: (number | string)[];
  /** A plotly scale name ("Viridis", "RdBu", …) or [fraction, colour] stops. */
  colorscale?: string | [number, string][];
  zRange?: [number, number];
  /** Draw categories instead of a continuous scale. */
  discrete?: DiscreteLevel[];
}

export function heatmap(opts: HeatmapOptions): PlotlyFigure {
  requireLabels("heatmap", opts);
  requireAxis("heatmap.color", opts.color);
  requireNonEmpty("heatmap.z", opts.z);
  const columns = opts.z[0].length;
  opts.z.forEach((row, i) => requireSameLength(`heatmap.z[${i}] (row length vs row 0)`, row, opts.z[0]));
  if (opts.xValues) requireSameLength("heatmap.xValues (vs columns of z)", opts.xValues, { length: columns });
  if (opts.yValues) requireSameLength("heatmap.yValues (vs rows of z)", opts.yValues, opts.z);
  const colors = opts.discrete ? discreteColors(opts.discrete, opts.z, opts.color) : continuousColors(opts);
  return {
    data: [
      {
        type: "heatmap",
        ...(opts.xValues ? { x: opts.xValues } : {}),
        ...(opts.yValues ? { y: opts.yValues } : {}),
        ...colors,
      },
    ],
    layout: withIndexTicks(baseLayout(opts), opts),
  };
}

/** Cells at 0, 1, 2, …: a few columns or rows get one tick each, not ticks at 0.5. */
function withIndexTicks(layout: PlotlyLayout, opts: HeatmapOptions): PlotlyLayout {
  const columns = opts.z[0].length;
  const rows = opts.z.length;
  if (layout.xaxis && !opts.xValues && columns <= FEW_CELLS) layout.xaxis.dtick = 1;
  if (layout.yaxis && !opts.yValues && rows <= FEW_CELLS) layout.yaxis.dtick = 1;
  return { ...layout, hovermode: "closest" };
}

const FEW_CELLS = 20;

function continuousColors(opts: HeatmapOptions): Record<string, unknown> {
  return {
    z: opts.z.map(plotNumbers),
    colorscale: opts.colorscale ?? "Viridis",
    ...(opts.zRange ? { zmin: opts.zRange[0], zmax: opts.zRange[1] } : {}),
    colorbar: { title: { text: axisTitle(opts.color), side: "right" } },
  };
}

/**
 * Categories as a stepped colour scale over their indices 0…k−1, with the
 * colour bar ticks at the step centres showing the labels.
 */
function discreteColors(levels: DiscreteLevel[], z: ArrayLike<number>[], color: AxisLabel): Record<string, unknown> {
  requireNonEmpty("heatmap.discrete", levels);
  levels.forEach((l, i) => requireText(`heatmap.discrete[${i}].label`, l.label));
  const indexOf = new Map(levels.map((l, i) => [l.value, i]));
  const k = levels.length;
  const zIndex = z.map((row, r) =>
    Array.from(row, (v, c) => {
      const i = indexOf.get(v);
      if (i === undefined)
        throw new ConfigError(
          `heatmap.z[${r}][${c}]`,
          v,
          `one of the discrete values ${levels.map((l) => l.value).join(", ")}`,
        );
      return i;
    }),
  );
  const stops: [number, string][] = levels.flatMap((l, i): [number, string][] => [
    [i / k, l.color],
    [(i + 1) / k, l.color],
  ]);
  return {
    z: zIndex,
    zmin: -0.5,
    zmax: k - 0.5,
    colorscale: stops,
    text: zIndex.map((row) => row.map((i) => levels[i].label)),
    hovertemplate: "x=%{x}<br>y=%{y}<br>%{text}<extra></extra>",
    colorbar: {
      title: { text: axisTitle(color), side: "right" },
      tickmode: "array",
      tickvals: levels.map((_, i) => i),
      ticktext: levels.map((l) => l.label),
    },
  };
}
