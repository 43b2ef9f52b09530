/**
 * Chapter: the book's playground page (07) — the curves over training.
 *
 * Built with the display layer's line builder (lib/display/charts: titles,
 * axis labels with units) and drawn by the book's plotly.js
 * (assets/plotly.min.js) in the page's colours, with the same restyling every
 * figure of the book gets (lib/display/figure-theme), redrawn when the reader
 * switches light/dark.
 */
import { line } from "../../display/charts";
import { PALETTE, PlotlyFigure } from "../../display/figure";
import { THEMED_SPEC_JS } from "../../display/figure-theme";
import { pct } from "../../display/text";
import type { EpochStats, PlaygroundSession } from "./session";

interface Plotly {
  react(el: HTMLElement, data: unknown, layout: unknown, config?: unknown): Promise<unknown>;
}

type Themed = (
  spec: { data: unknown; layout: unknown; frames: unknown[] },
  el: HTMLElement,
) => { data: unknown; layout: unknown };

let themed: Themed | null = null;

/** figure-theme's restyling function, from its ES5 source (the same text every notebook figure embeds). */
function themer(): Themed {
  themed ??= new Function(`return (${THEMED_SPEC_JS});`)() as Themed;
  return themed;
}

function plotly(): Plotly | null {
  return (window as unknown as { Plotly?: Plotly }).Plotly ?? null;
}

const CONFIG = { responsive: true, displaylogo: false, displayModeBar: false };
const HEIGHT = 260;

export function drawFigure(el: HTMLElement, fig: PlotlyFigure): void {
  const p = plotly();
  if (!p) {
    el.textContent = "plotly.js did not load (assets/plotly.min.js): the curves cannot be drawn.";
    return;
  }
  const spec = themer()({ data: fig.data, layout: fig.layout, frames: [] }, el);
  void p.react(el, spec.data, spec.layout, CONFIG);
}

const epochsOf = (h: readonly EpochStats[]) => h.map((s) => s.epoch);

export function lossFigure(h: readonly EpochStats[], target: number): PlotlyFigure {
  const fig = line({
    title: "Loss",
    x: { label: "training time", unit: "epochs", range: [0, Math.max(1, target)] },
    y: { label: "cross-entropy", unit: "nats" },
    height: HEIGHT,
    series: [
      { name: "training points", x: epochsOf(h), y: h.map((s) => s.training.loss) },
      { name: "fresh points", x: epochsOf(h), y: h.map((s) => s.fresh.loss), dash: "dash" },
    ],
  });
  return compact(fig);
}

export function accuracyFigure(h: readonly EpochStats[], target: number): PlotlyFigure {
  return compact(
    line({
      title: "Accuracy",
      x: { label: "training time", unit: "epochs", range: [0, Math.max(1, target)] },
      y: { label: "accuracy", unit: "%", range: [0, 100] },
      height: HEIGHT,
      series: [
        { name: "training points", x: epochsOf(h), y: h.map((s) => 100 * s.training.accuracy) },
        { name: "fresh points", x: epochsOf(h), y: h.map((s) => 100 * s.fresh.accuracy), dash: "dash" },
      ],
    }),
  );
}

/** Per hidden layer: saturated share on the training points (solid) and on fresh points (dashed). */
export function saturationFigure(h: readonly EpochStats[], target: number): PlotlyFigure {
  const L = h[0].training.saturation.length;
  const fig = line({
    title: "Saturated entries per layer",
    x: { label: "training time", unit: "epochs", range: [0, Math.max(1, target)] },
    y: { label: "saturated entries", unit: "%", range: [0, 100] },
    height: HEIGHT + 40,
    series: Array.from({ length: L }, (_, l) => [
      {
        name: `layer ${l + 1}, training`,
        x: epochsOf(h),
        y: h.map((s) => 100 * s.training.saturation[l].total),
        color: PALETTE[l % PALETTE.length],
      },
      {
        name: `layer ${l + 1}, fresh`,
        x: epochsOf(h),
        y: h.map((s) => 100 * s.fresh.saturation[l].total),
        color: PALETTE[l % PALETTE.length],
        dash: "dash" as const,
      },
    ]).flat(),
  });
  return compact(fig);
}

/** Small figures side by side with the tiles: tighter margins, the legend underneath, below the x-axis title (plotly widens the bottom margin for it). */
function compact(fig: PlotlyFigure): PlotlyFigure {
  return {
    ...fig,
    layout: {
      ...fig.layout,
      margin: { l: 56, r: 12, t: 40, b: 46 },
      legend: { orientation: "h", yanchor: "top", y: -0.45, font: { size: 11 } },
    },
  };
}

export function drawCurves(
  charts: { loss: HTMLElement; accuracy: HTMLElement; saturation: HTMLElement },
  session: PlaygroundSession,
  target: number,
): void {
  const h = session.history;
  drawFigure(charts.saturation, saturationFigure(h, target));
  drawFigure(charts.loss, lossFigure(h, target));
  drawFigure(charts.accuracy, accuracyFigure(h, target));
}

/** One computed line under the curves. */
export function curvesTakeaway(session: PlaygroundSession): string {
  const h = session.history,
    s = session.last;
  const best = h.reduce((b, x) => (x.training.accuracy > b.training.accuracy ? x : b), h[0]);
  return (
    `Epoch ${s.epoch}: loss ${s.training.loss.toFixed(3)} nats on the training points, ${s.fresh.loss.toFixed(3)} on fresh points; ` +
    `best training accuracy so far ${pct(best.training.accuracy)} (epoch ${best.epoch}).`
  );
}

/** One computed line under the saturation curves: the most saturated layer now, on both point sets. */
export function saturationTakeaway(session: PlaygroundSession): string {
  const s = session.last;
  let k = 0;
  s.training.saturation.forEach((x, l) => {
    if (x.total >= s.training.saturation[k].total) k = l;
  });
  return `Epoch ${s.epoch}: the most saturated layer on the training points is layer ${k + 1}, ${pct(s.training.saturation[k].total)} of its entries (${pct(s.fresh.saturation[k].total)} on fresh points).`;
}
