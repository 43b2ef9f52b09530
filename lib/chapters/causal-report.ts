/**
 * Chapter: notebook 03-causal — its tables, figures, takeaways and the
 * closing prose, built from the measured numbers (lib/chapters/causal.ts).
 * Nothing here measures; every sentence is assembled from its arguments.
 */
import * as plot from "../display/plot";
import * as text from "../display/text";
import { pct } from "../display/text";
import type { PlotlyFigure } from "../display/plot";
import type { SwapDifference } from "../measure/causal";
import { halfWidth } from "../measure/causal";
import type { CausalParams, Design, DoseRow, DoseTimeline, MechanismRow, StreamSummary } from "./causal-design";
import { Role, groupLabel, roleOf, shortLabel } from "./causal-design";
// The roles' names were defined here before causal-design.ts; notebook 06's chapter reads them from here.
export { groupLabel, roleOf, roleOrder, shortLabel } from "./causal-design";
export type { Role } from "./causal-design";
import type { ContinueResult, StreamResult, VisitsResult } from "./causal-jobs";

// Differences here are often hundredths of a point: two decimals unless a call asks for fewer.
const pp = (x: number, digits = 2) => text.pp(x, digits);
const intervalPp = (d: { diff: number; low: number; high: number }, digits = 2) => text.intervalPp(d, digits);
const excludesZero = (d: { low: number; high: number }) => d.low > 0 || d.high < 0;
const layerNames = (L: number) => Array.from({ length: L }, (_, l) => `layer ${l + 1}`);

// ------------------------------------------------------------------ the design

export function designTable(design: Design, p: CausalParams): Record<string, string | number>[] {
  const [a, b] = design.networks;
  return a.groups.map((g, i) => {
    const gb = b.groups[i];
    const visits = (k: number, labels?: string) =>
      k === 0 ? "never" : `${k}× per epoch${labels === "wrong" ? ", wrong labels" : ""}`;
    return {
      "group (rows of one random split)": g.name,
      images: g.size,
      "network A": visits(g.passesPerEpoch, g.labels),
      "network B": visits(gb.passesPerEpoch, gb.labels),
      "visits per image in all (A / B)": `${g.passesPerEpoch * p.epochs} / ${gb.passesPerEpoch * p.epochs}`,
    };
  });
}

// ------------------------------------------------------------------ dose-response

export function doseTable(rows: readonly DoseRow[], depth: number): Record<string, string | number>[] {
  const top = depth - 1;
  return rows.map((r) => ({
    group: r.label,
    "images per network": r.n,
    "accuracy, labels trained on (%)": Number((100 * r.accuracy).toFixed(1)),
    "accuracy, true labels (%)": Number((100 * r.accuracyTrueLabels).toFixed(1)),
    "mean loss (nats)": Number(r.loss.toFixed(3)),
    "layer 1 − never visited": r.role === "never" ? "—" : intervalPp(r.minusNeverSeen[0]),
    [`layer ${depth} − never visited`]: r.role === "never" ? "—" : intervalPp(r.minusNeverSeen[top]),
    [`layer ${depth}, each network (pp)`]:
      r.role === "never" ? "—" : r.minusNeverSeen[top].perStratum.map((d) => pp(d)).join(" / "),
  }));
}

/** Interval bars on the traces of a line figure (asymmetric: high − diff above, diff − low below). */
function withBars(fig: PlotlyFigure, bars: { plus: number[]; minus: number[] }[]): PlotlyFigure {
  fig.data.forEach((t, i) => {
    if (!bars[i]) return;
    t.error_y = {
      type: "data",
      symmetric: false,
      array: bars[i].plus,
      arrayminus: bars[i].minus,
      visible: true,
      thickness: 1.2,
      width: 4,
    };
    t.mode = "markers";
  });
  return fig;
}

export function doseFigure(rows: readonly DoseRow[], depth: number): PlotlyFigure {
  const dosed = rows.filter((r) => r.role !== "never");
  const ticks = dosed.map(shortLabel);
  const diff = plot.line({
    title: "saturation − never visited (95% CI)",
    x: { label: "group", unit: "visits per epoch" },
    y: { label: "difference in saturated share", unit: "pp" },
    markers: true,
    series: layerNames(depth).map((name, l) => ({
      name,
      x: dosed.map((_, i) => i + (l - (depth - 1) / 2) * 0.07),
      y: dosed.map((r) => 100 * r.minusNeverSeen[l].diff),
    })),
  });
  withBars(
    diff,
    layerNames(depth).map((_, l) => ({
      plus: dosed.map((r) => 100 * (r.minusNeverSeen[l].high - r.minusNeverSeen[l].diff)),
      minus: dosed.map((r) => 100 * (r.minusNeverSeen[l].diff - r.minusNeverSeen[l].low)),
    })),
  );
  diff.layout.xaxis!.tickvals = dosed.map((_, i) => i);
  diff.layout.xaxis!.ticktext = ticks;
  diff.layout.shapes = [
    { type: "line", xref: "paper", x0: 0, x1: 1, y0: 0, y1: 0, line: { color: "#888", dash: "dot", width: 1 } },
  ];
  const acc = plot.bar({
    title: "accuracy on each group",
    x: { label: "group", unit: "visits per epoch" },
    y: { label: "accuracy", unit: "%" },
    categories: rows.map(shortLabel),
    series: [
      { name: "accuracy, labels trained on", values: rows.map((r) => 100 * r.accuracy), color: "#999999" },
      { name: "accuracy, true labels", values: rows.map((r) => 100 * r.accuracyTrueLabels), color: "#333333" },
    ],
  });
  return plot.smallMultiples({
    title: "Dose-response: saturation and accuracy against visits per epoch",
    columns: 2,
    rowHeight: 400,
    panels: [diff, acc],
  });
}

export function doseTakeaway(rows: readonly DoseRow[], depth: number): string {
  const top = depth - 1;
  const k = rows.filter((r) => r.role !== "never" && r.role !== "wrong");
  const most = k[k.length - 1],
    wrong = rows.find((r) => r.role === "wrong");
  const detected = rows.flatMap((r) =>
    r.role === "never" ? [] : r.minusNeverSeen.filter(excludesZero).map((_, i) => i),
  ).length;
  const total = rows.filter((r) => r.role !== "never").length * depth;
  return (
    `Visited ${most.passesPerEpoch}× per epoch vs never: layer 1 ${intervalPp(most.minusNeverSeen[0])}, layer ${depth} ${intervalPp(most.minusNeverSeen[top])}, with accuracy ${pct(most.accuracy)} vs ${pct(rows[0].accuracy)}` +
    (wrong
      ? `; wrong labels: ${pct(wrong.accuracy)} of them fitted, top layer ${intervalPp(wrong.minusNeverSeen[top])}`
      : "") +
    `. ${detected} of ${total} group × layer intervals exclude zero.`
  );
}

export function doseTimeFigure(t: DoseTimeline, depth: number): PlotlyFigure {
  const panel = (l: number) =>
    plot.line({
      title: `layer ${l + 1}`,
      x: { label: "epoch", unit: "k=1 passes" },
      y: { label: "sat. − never", unit: "pp" },
      series: t.rows.map((r) => ({
        name: r.label,
        x: t.epoch,
        y: r.diff[l].map((v) => 100 * v),
        band: {
          lower: r.diff[l].map((v, i) => 100 * (v - 1.96 * r.se[l][i])),
          upper: r.diff[l].map((v, i) => 100 * (v + 1.96 * r.se[l][i])),
        },
      })),
    });
  const acc = plot.line({
    title: "accuracy on each group",
    x: { label: "epoch", unit: "k=1 passes" },
    y: { label: "accuracy", unit: "%" },
    series: t.rows.map((r) => ({ name: r.label, x: t.epoch, y: r.accuracy.map((v) => 100 * v) })),
  });
  return plot.smallMultiples({
    title: "The dose-response over training (mean of the networks, ±1.96 SE bands)",
    columns: 2,
    rowHeight: 250,
    panels: [...Array.from({ length: depth }, (_, l) => panel(l)), acc],
  });
}

export function doseTimeTakeaway(t: DoseTimeline, depth: number): string {
  const last = t.epoch.length - 1;
  const most = t.rows.filter((r) => r.role !== "wrong").slice(-1)[0];
  const peak = (l: number) =>
    most.diff[l].reduce((best, v, i) => (Math.abs(v) > Math.abs(most.diff[l][best]) ? i : best), 0);
  const top = depth - 1;
  return `On the images measured during training, for ${most.label} the top-layer difference is ${pp(most.diff[top][last])} at the end (largest ${pp(most.diff[top][peak(top)])} at epoch ${t.epoch[peak(top)].toFixed(1)}); layer 1 ends at ${pp(most.diff[0][last])}.`;
}

// ------------------------------------------------------------------ the swap

export function swapTable(s: readonly SwapDifference[]): Record<string, string | number>[] {
  return s.map((d, l) => ({
    layer: l + 1,
    "network A: trained V − unseen U": pp(d.effectA),
    "network B: trained U − unseen V": pp(d.effectB),
    "difference-in-differences (95% CI)": intervalPp(d),
    "half-width (pp)": Number((100 * halfWidth(d)).toFixed(2)),
  }));
}

export function swapTakeaway(s: readonly SwapDifference[]): string {
  const hit = s.map((d, l) => ({ d, l })).filter((x) => excludesZero(x.d));
  const widest = Math.max(...s.map(halfWidth));
  return hit.length === 0
    ? `No layer's difference-in-differences excludes zero; every interval is within ±${(100 * widest).toFixed(2)} pp.`
    : `Excluding zero: ${hit.map((x) => `layer ${x.l + 1} ${intervalPp(x.d)}`).join("; ")}; the others are within ±${(100 * widest).toFixed(2)} pp of their estimate.`;
}

// ------------------------------------------------------------------ online vs repeated

export function streamFigure(online: StreamResult, repeated: StreamResult): PlotlyFigure {
  const L = online.timeline[0].sets.fresh.saturation.length;
  const panel = (r: StreamResult, title: string) =>
    plot.line({
      title,
      x: { label: "SGD step", unit: "batches" },
      y: { label: "saturated, fresh images", unit: "%", range: [0, 100] },
      series: [
        ...layerNames(L).map((name, l) => ({
          name,
          x: r.timeline.map((t) => t.step),
          y: r.timeline.map((t) => 100 * t.sets.fresh.saturation[l]),
        })),
        ...(r.timeline[0].sets.trained
          ? [
              {
                name: `layer ${L}, on its own training images`,
                x: r.timeline.map((t) => t.step),
                y: r.timeline.map((t) => 100 * t.sets.trained!.saturation[L - 1]),
                dash: "dot" as const,
                color: "#000000",
              },
            ]
          : []),
      ],
    });
  return plot.smallMultiples({
    title: "Shapeset-3×2: saturation online and over a repeated set",
    columns: 2,
    rowHeight: 340,
    panels: [
      panel(online, `online (${online.distinctImages.toLocaleString("en-US")} images, none twice)`),
      panel(
        repeated,
        `repeated (${repeated.distinctImages} images × ${Math.round(repeated.samples / repeated.distinctImages)})`,
      ),
    ],
  });
}

export function streamTakeaway(on: StreamSummary, rep: StreamSummary): string {
  const L = on.saturationEnd.length;
  return `Online (no image seen twice), the top layer peaks at ${pct(on.saturationPeak[L - 1])} saturated (step ${on.peakStep[L - 1]}) and ends at ${pct(on.saturationEnd[L - 1])}; over ${rep.distinctImages} images repeated, ${pct(rep.saturationPeak[L - 1])} (step ${rep.peakStep[L - 1]}) and ${pct(rep.saturationEnd[L - 1])}. Fresh-image accuracy at the end: ${pct(on.accuracyEnd)} and ${pct(rep.accuracyEnd)}.`;
}

// ------------------------------------------------------------------ mechanism

/** Top-layer per-point saturation against margin, for a few groups of one network (a subsample, plus binned means). */
export function marginFigure(net: VisitsResult, roles: readonly Role[], perGroup: number): PlotlyFigure {
  const L = net.depth;
  const groups = net.final.filter((g) => roles.includes(roleOf(g)));
  const all = groups.flatMap((g) => g.margin);
  const lo = Math.min(...all),
    hi = Math.max(...all);
  const scatter = plot.scatter({
    title: "each point (a random subsample)",
    x: { label: "margin, label trained on", unit: "logits" },
    y: { label: `layer ${L} saturated share`, unit: "%" },
    markerSize: 4,
    series: groups.map((g) => {
      const step = Math.max(1, Math.floor(g.n / perGroup));
      const idx = Array.from({ length: Math.min(perGroup, g.n) }, (_, i) => i * step);
      return {
        name: groupName(g),
        x: idx.map((i) => g.margin[i]),
        y: idx.map((i) => (100 * g.saturated[L - 1][i]) / net.width),
      };
    }),
  });
  const binned = plot.line({
    title: "mean per margin bin (≥ 20 points)",
    x: { label: "margin, label trained on", unit: "logits" },
    y: { label: `layer ${L} saturated share`, unit: "%" },
    markers: true,
    series: groups.map((g) => {
      const b = binnedMeans(
        g.margin,
        g.saturated[L - 1].map((c) => (100 * c) / net.width),
        lo,
        hi,
        16,
        20,
      );
      return { name: groupName(g), x: b.centers, y: b.means };
    }),
  });
  return plot.smallMultiples({
    title: `Top-layer saturation against the margin, network A`,
    columns: 2,
    rowHeight: 360,
    panels: [scatter, binned],
  });
}

const groupName = groupLabel;

/** Means of y over equal-width bins of x in [lo, hi], at bin centres; bins with fewer than minCount points are left out. */
export function binnedMeans(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  lo: number,
  hi: number,
  bins: number,
  minCount: number,
): { centers: number[]; means: number[] } {
  const w = (hi - lo) / bins || 1;
  const sum = new Float64Array(bins),
    count = new Int32Array(bins);
  for (let i = 0; i < x.length; i++) {
    const b = Math.min(bins - 1, Math.max(0, Math.floor((x[i] - lo) / w)));
    sum[b] += y[i];
    count[b]++;
  }
  const centers: number[] = [],
    means: number[] = [];
  for (let b = 0; b < bins; b++) {
    if (count[b] < minCount) continue;
    centers.push(lo + (b + 0.5) * w);
    means.push(sum[b] / count[b]);
  }
  return { centers, means };
}

/** Correlation of top-layer saturation with the margin, per group. */
export function marginTakeaway(net: VisitsResult): string {
  const c = marginCorrelations(net);
  return `Correlation of top-layer saturation with the margin, per group: ${c.map((x) => `${x.group} ${Number.isFinite(x.r) ? `r = ${x.r.toFixed(2)}` : "undefined (no variation)"}`).join(", ")}.`;
}

export function marginCorrelations(net: VisitsResult): { group: string; r: number; n: number }[] {
  const L = net.depth;
  return net.final.map((g) => ({ group: groupName(g), r: pearson(g.margin, g.saturated[L - 1]), n: g.n }));
}

function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0,
    mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0,
    saa = 0,
    sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN;
}

export function mechanismFigure(rows: readonly MechanismRow[], results: readonly ContinueResult[]): PlotlyFigure {
  const L = results[0].timeline[0].sets.trained.saturation.length;
  const total = (w: number[]) => Math.sqrt(w.reduce((s, x) => s + x * x, 0));
  const x = { label: "epoch", unit: "subset passes" };
  const norms = (title: string, f: (w: number[]) => number) =>
    plot.line({
      title,
      x,
      y: { label: "norm", unit: "Frobenius" },
      series: rows.map((r, i) => ({
        name: r.arm.label,
        x: results[i].timeline.map((t) => t.epoch),
        y: results[i].timeline.map((t) => f(t.weightNorms)),
        color: plot.PALETTE[i],
      })),
    });
  const panel = (l: number) =>
    plot.line({
      title: `layer ${l + 1} saturation`,
      x,
      y: { label: "saturated share", unit: "%" },
      series: rows.flatMap((r, i) =>
        (["trained", "unseen"] as const).map((which) => ({
          name: which === "trained" ? r.arm.label : `${r.arm.label}, unseen`,
          x: results[i].timeline.map((t) => t.epoch),
          y: results[i].timeline.map((t) => 100 * t.sets[which].saturation[l]),
          dash: which === "trained" ? ("solid" as const) : ("dot" as const),
          color: plot.PALETTE[i],
        })),
      ),
    });
  const fig = plot.smallMultiples({
    title: "Long training on a subset, four losses (saturation: solid trained-on, dotted unseen)",
    columns: 2,
    rowHeight: 280,
    panels: [
      norms("all weights √Σ‖W_l‖²", total),
      norms(`output layer ‖W_${L + 1}‖`, (w) => w[L]),
      panel(0),
      panel(L - 1),
    ],
  });
  // One legend entry per loss: the dotted (unseen) twins share their colour.
  fig.data.forEach((t) => {
    if (typeof t.name === "string" && t.name.endsWith(", unseen")) t.showlegend = false;
  });
  return fig;
}

export function mechanismTable(rows: readonly MechanismRow[]): Record<string, string | number>[] {
  const total = (w: readonly number[]) => Math.sqrt(w.reduce((s, x) => s + x * x, 0));
  const L = rows[0].saturationTrained.length;
  return rows.map((r) => ({
    loss: r.arm.label,
    "‖W‖ start → end": `${total(r.weightNormsStart).toFixed(1)} → ${total(r.weightNormsEnd).toFixed(1)}`,
    "‖W_out‖ start → end": `${r.weightNormsStart[L].toFixed(1)} → ${r.weightNormsEnd[L].toFixed(1)}`,
    "training accuracy (%)": Number((100 * r.accuracyTrained).toFixed(1)),
    "unseen accuracy (%)": Number((100 * r.accuracyUnseen).toFixed(1)),
    [`layer ${L} saturated, trained: start → end (%)`]: `${(100 * r.saturationTrainedStart[L - 1]).toFixed(1)} → ${(100 * r.saturationTrained[L - 1]).toFixed(1)}`,
    [`layer ${L} saturated, unseen: start → end (%)`]: `${(100 * r.saturationUnseenStart[L - 1]).toFixed(1)} → ${(100 * r.saturationUnseen[L - 1]).toFixed(1)}`,
    [`layer ${L}, trained − unseen: start → end (pp)`]: `${pp(r.saturationTrainedStart[L - 1] - r.saturationUnseenStart[L - 1])} → ${pp(r.saturationTrained[L - 1] - r.saturationUnseen[L - 1])}`,
    "layer 1, trained − unseen: start → end (pp)": `${pp(r.saturationTrainedStart[0] - r.saturationUnseenStart[0])} → ${pp(r.saturationTrained[0] - r.saturationUnseen[0])}`,
  }));
}

export function mechanismTakeaway(rows: readonly MechanismRow[]): string {
  const total = (w: readonly number[]) => Math.sqrt(w.reduce((s, x) => s + x * x, 0));
  const L = rows[0].saturationTrained.length;
  return (
    rows
      .map(
        (r) =>
          `${r.arm.label}: ‖W‖ ×${(total(r.weightNormsEnd) / total(r.weightNormsStart)).toFixed(2)}, top layer on unseen images ${pct(r.saturationUnseenStart[L - 1])} → ${pct(r.saturationUnseen[L - 1])}, trained − unseen ${pp(r.saturationTrainedStart[L - 1] - r.saturationUnseenStart[L - 1], 1)} → ${pp(r.saturationTrained[L - 1] - r.saturationUnseen[L - 1], 1)}`,
      )
      .join("; ") + "."
  );
}
