/**
 * Chapter: notebook 02-activations — the figures, tables and computed prose of
 * its snapshot sections (§1 the network, §2 per layer, §3 training against
 * unseen points, §6 per unit). Every number in a takeaway comes from the
 * measurements passed in; the measurements themselves are in activations.ts.
 */
import type { Mlp } from "../core/model";
import { activation } from "../core/activations";
import type { Experiment } from "../run/experiment";
import type { ProbeSnapshot } from "../measure/probe";
import type { HiddenValues, SetComparison } from "../measure/compare";
import { differenceVerdict } from "../measure/compare";
import { classifySaturation, saturationRule } from "../measure/saturation";
import { percentiles, meanStd } from "../measure/stats";
import * as plot from "../display/plot";
import type { PlotlyFigure } from "../display/plot";
import type { Row } from "../display/table";
import { count, intervalPp, layerList, num, pct, pp } from "../display/text";
import { STUCK_FRACTION, lowShare, stuckUnits } from "./activations";
import {
  DigitDifference,
  FamilyRow,
  IntervalFamily,
  PrimaryComparison,
  SplitComparison,
  UnitTestRow,
  excludesZero,
  maxRelativeGap,
  perLayer,
} from "./activations-compare";

/** A figure and its one-line takeaway: `plot.show(s.figure, s)`. */
export interface Shown {
  readonly figure: PlotlyFigure;
  readonly takeaway: string;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const argmax = (xs: readonly number[]) => xs.reduce((best, x, i) => (x > xs[best] ? i : best), 0);
const argmin = (xs: readonly number[]) => xs.reduce((best, x, i) => (x < xs[best] ? i : best), 0);
const layersOf = (n: number) => range(n).map((l) => l + 1);

/** Percentile intervals need not be symmetric: draw each bar's interval as it is. */
function withIntervals(
  fig: PlotlyFigure,
  rowsPerTrace: readonly (readonly { diff: number; low: number; high: number }[])[],
): PlotlyFigure {
  rowsPerTrace.forEach((rows, i) => {
    fig.data[i].error_y = {
      type: "data",
      symmetric: false,
      visible: true,
      array: rows.map((r) => 100 * (r.high - r.diff)),
      arrayminus: rows.map((r) => 100 * (r.diff - r.low)),
    };
  });
  return fig;
}

// ------------------------------------------------------------------ setup and §1

/** The thresholds in h, in z and in σ′ (the question's sigmoid). */
export function thresholdRows(eps: readonly number[]): Row[] {
  const sigmoid = activation("sigmoid");
  return eps.map((e) => {
    const edge = Math.log(1 / e - 1);
    return {
      ε: e,
      "saturated low: h <": e,
      "saturated high: h >": 1 - e,
      "same as |z| >": Number(edge.toFixed(3)),
      "σ′(z) at the edge": Number(sigmoid.df(edge).toPrecision(3)),
      "σ′ at the edge / max σ′ (¼)": pct(sigmoid.df(edge) / sigmoid.maxDerivative),
    };
  });
}

export function networkRows(q: Experiment): Row[] {
  const last = q.result.epochs[q.result.epochs.length - 1];
  const widths = q.config.model.widths;
  return [
    { quantity: "hidden layers × units", value: `${widths.length} × ${widths[0]}` },
    {
      quantity: "training images (drawn at random from MNIST's training file; each used once per epoch)",
      value: count(q.data.train.n),
    },
    {
      quantity: "unseen training-file images held out (never trained on)",
      value: q.data.heldOut ? count(q.data.heldOut.n) : "none",
    },
    { quantity: "epochs = passes of SGD over each training image", value: last.epoch },
    { quantity: "SGD steps", value: count(q.result.steps) },
    {
      quantity: `training accuracy (${count(Math.min(q.config.train.evalTrainSize ?? 10_000, q.data.train.n))} random training images)`,
      value: pct(last.train.accuracy, 2),
    },
    { quantity: `test accuracy (${count(q.data.test.n)} test-file images)`, value: pct(last.test!.accuracy, 2) },
    {
      quantity: "probe sets",
      value: `${count(q.data.probeTrain.n)} training points, ${count(q.data.probeHeldOut.n)} unseen training-file points`,
    },
    { quantity: "cache", value: q.cache },
  ];
}

// ------------------------------------------------------------------ §2 per layer

export function layerRows(
  p: ProbeSnapshot,
  maxDerivative: number,
  slopes?: { readonly effective: readonly number[] },
): Row[] {
  return p.layers.map((L, l) => {
    const row: Row = { layer: L.layer, "mean h": L.mean, "std h": L.std, "median h": L.percentiles[3] };
    L.saturation.forEach((s) => {
      row[`h < ${s.eps} (%)`] = 100 * s.low;
      row[`h > ${1 - s.eps} (%)`] = 100 * s.high;
      row[`saturated, ε = ${s.eps} (%)`] = 100 * s.total;
    });
    row["mean σ′(z)"] = L.derivativeMean;
    row["mean σ′(z) / max"] = pct(L.derivativeMean / maxDerivative);
    if (slopes) row["σ′_eff: the factor on ‖δ‖"] = Number(slopes.effective[l].toPrecision(3));
    return row;
  });
}

export function hiddenHistograms(hv: HiddenValues, p: ProbeSnapshot): Shown {
  const sat = p.layers.map((L) => L.saturation[0]);
  const most = argmax(sat.map((s) => s.total)),
    least = argmin(sat.map((s) => s.total));
  const e = sat[0].eps;
  const figure = plot.smallMultiples({
    title: `Distribution of the hidden entries h on ${count(hv.n)} training probe points (log scale)`,
    columns: Math.min(hv.a.length, 3),
    rowHeight: 260,
    panels: hv.a.map((a, l) =>
      plot.histogram({
        title: `layer ${l + 1}`,
        x: { label: "h", unit: "0–1" },
        y: { label: "share of entries", unit: "fraction", log: true },
        series: [{ name: "training points", values: a }],
        bins: { start: 0, end: 1, count: 50 },
        normalize: "fraction",
      }),
    ),
  });
  if (sat[most].total === 0)
    return { figure, takeaway: `At ε = ${e}, no entry of any layer is saturated on these points.` };
  const low = lowShare(p);
  return {
    figure,
    takeaway:
      `At ε = ${e}, layer ${most + 1} is the most saturated (${pct(sat[most].total)} of its entries: ${pct(sat[most].low)} below ε, ${pct(sat[most].high)} above 1 − ε) and layer ${least + 1} the least (${pct(sat[least].total)}); ` +
      `of all saturated entries, ${pct(low, 0)} are near 0 and ${pct(1 - low, 0)} near 1.`,
  };
}

/** log10 of the distance from h to the nearer end, floored at 1e-7 (float32 resolution near 1). */
function distanceToEnd(a: Float32Array): Float64Array {
  return Float64Array.from(a, (h) => Math.max(-7, Math.log10(Math.max(1e-12, Math.min(h, 1 - h)))));
}

export function distanceFigure(hv: HiddenValues, p: ProbeSnapshot, eps: readonly number[]): Shown {
  const figure = plot.histogram({
    title: "How close to 0 or 1? log₁₀ of the distance to the nearer end, per layer",
    x: { label: "log₁₀ min(h, 1 − h)", unit: "decades" },
    y: { label: "share of entries", unit: "fraction" },
    series: hv.a.map((a, l) => ({ name: `layer ${l + 1}`, values: distanceToEnd(a) })),
    bins: { start: -7, end: Math.log10(0.5), count: 60 },
    normalize: "fraction",
  });
  figure.layout.shapes = eps.map((e) => ({
    type: "line",
    x0: Math.log10(e),
    x1: Math.log10(e),
    yref: "paper",
    y0: 0,
    y1: 1,
    line: { dash: "dash", color: "#444", width: 1 },
  }));
  figure.layout.annotations = eps.map((e) => ({
    x: Math.log10(e),
    yref: "paper",
    y: 1,
    text: `ε = ${e}`,
    showarrow: false,
    yanchor: "bottom",
  }));
  if (eps.length < 2)
    return { figure, takeaway: `Everything left of the dashed line counts as saturated at ε = ${eps[0]}.` };
  const k = eps.length - 1;
  const shift = p.layers.map((L) => L.saturation[k].total - L.saturation[0].total);
  const l = argmax(shift);
  return {
    figure,
    takeaway: `Everything left of a dashed line counts as saturated at that ε. Moving ε from ${eps[0]} to ${eps[k]} moves layer ${l + 1} from ${pct(p.layers[l].saturation[0].total)} to ${pct(p.layers[l].saturation[k].total)}: the fractions depend on the convention, the shape of these curves does not.`,
  };
}

/**
 * Saturation, mean σ′ and σ′_eff per layer. Mean σ′ says how flat a layer is on average; what multiplies ‖δ‖
 * is σ′_eff, a δ-weighted root-mean-square of σ′ (slopeFactors, from lib/measure/bound as in notebook 04).
 */
export function saturationAndSlope(
  p: ProbeSnapshot,
  eps: readonly number[],
  maxDerivative: number,
  slopes: { readonly mean: readonly number[]; readonly effective: readonly number[] },
): Shown {
  const categories = layersOf(p.layers.length);
  const rel = (xs: readonly number[]) => xs.map((v) => (100 * v) / maxDerivative);
  const figure = plot.smallMultiples({
    title:
      "Saturation, the mean slope σ′(z) and the factor σ′_eff that multiplies δ, per layer (training probe points)",
    columns: 2,
    rowHeight: 320,
    panels: [
      plot.bar({
        title: "saturated entries",
        x: { label: "hidden layer", unit: "index" },
        y: { label: "saturated", unit: "% of entries" },
        categories,
        series: eps.map((e, k) => ({ name: `ε = ${e}`, values: p.layers.map((L) => 100 * L.saturation[k].total) })),
      }),
      plot.bar({
        title: "mean σ′(z) and σ′_eff, relative to the maximum ¼",
        x: { label: "hidden layer", unit: "index" },
        y: { label: "slope / ¼", unit: "%" },
        categories,
        series: [
          { name: "mean σ′(z) / ¼", values: rel(slopes.mean), color: plot.PALETTE[2] },
          { name: "σ′_eff / ¼ (the factor on ‖δ‖)", values: rel(slopes.effective), color: plot.PALETTE[3] },
        ],
      }),
    ],
  });
  const ratio = slopes.effective.map((e, l) => e / slopes.mean[l]);
  return {
    figure,
    takeaway:
      `Mean σ′(z) is between ${pct(Math.min(...slopes.mean) / maxDerivative)} (layer ${argmin([...slopes.mean]) + 1}) and ${pct(Math.max(...slopes.mean) / maxDerivative)} (layer ${argmax([...slopes.mean]) + 1}) of its maximum: the average slope of an entry. ` +
      `The factor that multiplies ‖δ‖ at each layer is σ′_eff = ${slopes.effective.map((v) => num(v)).join(", ")} (layers 1–${slopes.effective.length}), ${num(Math.min(...ratio))}–${num(Math.max(...ratio))}× the mean σ′: the error passes back through the units that still have slope.`,
  };
}

// ------------------------------------------------------------------ §3 training points against unseen points

/** A difference and an interval in its unit: percentage points for shares, σ′ itself for mean σ′. */
function inUnit(r: FamilyRow, d: { readonly diff: number; readonly low: number; readonly high: number }): string {
  if (r.statistic !== "derivative") return intervalPp(d, 2);
  const v = (x: number) => `${x >= 0 ? "+" : "−"}${Math.abs(x).toFixed(5)}`;
  return `${v(d.diff)} [${v(d.low)}, ${v(d.high)}]`;
}

const statisticName = (r: FamilyRow) =>
  r.statistic === "all entries"
    ? `all hidden entries saturated, ε = ${r.eps}`
    : r.statistic === "saturation"
      ? `saturated, ε = ${r.eps}`
      : r.statistic === "flat"
        ? "flat: f′/max f′ < 4ε(1 − ε)"
        : r.statistic === "derivative"
          ? "mean σ′(z)"
          : `${r.statistic}, ε = ${r.eps}`;

/** Every interval §3 computed, one row each: the primary first, then the secondary family, raw and Bonferroni-adjusted. */
export function familyRows(f: IntervalFamily): Row[] {
  return f.rows.map((r) => ({
    role: r.role,
    comparison: r.comparison,
    layer: r.layer === 0 ? "all" : r.layer,
    statistic: statisticName(r),
    "points per set": r.pointsPerSet,
    unit: r.statistic === "derivative" ? "σ′" : "pp",
    "set A": r.statistic === "derivative" ? Number(r.raw.meanA.toPrecision(4)) : pct(r.raw.meanA, 2),
    "set B": r.statistic === "derivative" ? Number(r.raw.meanB.toPrecision(4)) : pct(r.raw.meanB, 2),
    "A − B, 95% CI": inUnit(r, r.raw),
    "±95% half-width": inUnit(r, { diff: (r.raw.high - r.raw.low) / 2, low: NaN, high: NaN })
      .split(" [")[0]
      .replace("+", "±"),
    [`Bonferroni CI (${(100 * f.adjustedLevel).toFixed(2)}%)`]:
      r.role === "primary" ? "(primary: not adjusted)" : inUnit(r, { diff: r.raw.diff, ...r.adjusted }),
    "excludes 0 (95%)": excludesZero(r.raw) ? "yes" : "no",
    "excludes 0 (adjusted)": r.role === "primary" ? "" : excludesZero(r.adjusted) ? "yes" : "no",
  }));
}

/** The primary comparison and 02's verdict on it (PRIMARY and primaryVerdict in activations-compare). */
export function primaryProse(p: PrimaryComparison, passes: number): string[] {
  return [
    `**The primary comparison** (pre-registered in §3's text): per point, the share of all its hidden entries (${p.layers} layers) within ε = ${p.eps} of 0 or 1, after ${passes} passes over each training image — ${pct(p.meanA, 2)} on ${count(p.n)} training points, ${pct(p.meanB, 2)} on as many unseen training-file points: ${intervalPp(p, 2)} (95% bootstrap interval). **Verdict by the rule: ${p.verdict}.**`,
  ];
}

/** What the secondary family says, read honestly: how many intervals exclude 0, raw and after Bonferroni, and which. */
export function familyProse(f: IntervalFamily): string[] {
  const sec = f.rows.filter((r) => r.role === "secondary");
  const raw = sec.filter((r) => excludesZero(r.raw)),
    adj = sec.filter((r) => excludesZero(r.adjusted));
  const name = (r: FamilyRow) => `${r.comparison}, layer ${r.layer}, ${statisticName(r)}: ${inUnit(r, r.raw)}`;
  return [
    `**The secondary family** (${f.m} intervals, every one in the table above): ${raw.length} exclude 0 at 95% each — about ${(0.05 * f.m).toFixed(1)} would by chance alone if nothing differed${raw.length > 0 ? ` (${raw.map(name).join("; ")})` : ""}; after Bonferroni (each at ${(100 * f.adjustedLevel).toFixed(2)}%, all ${f.m} together at 95%) ${adj.length === 0 ? "none does" : `${adj.length} do: ${adj.map(name).join("; ")}`}. They describe where and how the sets differ; 02's verdict rests on the primary comparison alone.`,
  ];
}

export function comparisonFigure(cmp: SplitComparison): Shown {
  const e0 = cmp.eps[0],
    n = cmp.sets.train.n;
  const categories = layersOf(cmp.stats.train.layers.length);
  const mainRows = [...cmp.eps.map((e) => perLayer(cmp.main, "saturation", e)), perLayer(cmp.main, "flat")];
  const main = withIntervals(
    plot.bar({
      title: `training − unseen training-file points (${count(n)} each)`,
      x: { label: "hidden layer", unit: "index" },
      y: { label: "difference of saturation", unit: "percentage points" },
      categories,
      series: [
        ...cmp.eps.map((e, k) => ({ name: `ε = ${e}`, values: mainRows[k].map((r) => 100 * r.diff) })),
        { name: "flat measure", values: mainRows[cmp.eps.length].map((r) => 100 * r.diff) },
      ],
    }),
    mainRows,
  );
  const checks = [perLayer(cmp.trainMinusTest, "saturation", e0), perLayer(cmp.heldOutMinusTest, "saturation", e0)];
  const check = withIntervals(
    plot.bar({
      title: `the test-file check, ε = ${e0}`,
      x: { label: "hidden layer", unit: "index" },
      y: { label: "difference of saturation", unit: "percentage points" },
      categories,
      series: [
        { name: "training − test file", values: checks[0].map((r) => 100 * r.diff) },
        { name: "unseen training file − test file", values: checks[1].map((r) => 100 * r.diff) },
      ],
    }),
    checks,
  );
  const figure = plot.smallMultiples({
    title: "Per-point saturation: differences of means with 95% bootstrap intervals",
    columns: 2,
    rowHeight: 340,
    panels: [main, check],
  });
  const rows = mainRows[0];
  const higher = rows.filter((r) => differenceVerdict(r) === "higher").map((r) => r.layer);
  const lower = rows.filter((r) => differenceVerdict(r) === "lower").map((r) => r.layer);
  const big = rows[argmax(rows.map((r) => Math.abs(r.diff)))];
  const fileRows = checks[1].filter((r) => differenceVerdict(r) !== "no detectable difference");
  return {
    figure,
    takeaway:
      `Per layer at ε = ${e0} (secondary: 95% each, uncorrected; the table above has every ε and the adjusted intervals), ${count(n)} points per set: ${higher.length + lower.length === 0 ? "no layer's interval excludes 0" : `training points are more saturated in ${higher.length ? layerList(higher) : "no layer"} and less in ${lower.length ? layerList(lower) : "no layer"}`}; the largest gap is ${intervalPp(big, 2)} (layer ${big.layer}), ${pct(maxRelativeGap([big]), 0)} of that layer's level (${pct(Math.max(big.meanA, big.meanB))}). ` +
      (fileRows.length === 0
        ? "Unseen training-file and test-file points differ in no layer (right)."
        : `The test file differs from unseen images of the training file by itself: ${fileRows.map((r) => `layer ${r.layer} ${intervalPp(r, 2)}`).join(", ")} (unseen − test file, right) — a difference no training was involved in.`),
  };
}

export function perPointFigure(cmp: SplitComparison): Shown {
  const n = cmp.sets.train.n;
  const tr = cmp.stats.train.layers,
    ho = cmp.stats.heldOut.layers;
  const figure = plot.smallMultiples({
    title: `Per-point saturation s_i at ε = ${cmp.eps[0]}, ${count(n)} points per set`,
    columns: Math.min(tr.length, 3),
    rowHeight: 260,
    panels: tr.map((L, l) =>
      plot.histogram({
        title: `layer ${l + 1}`,
        x: { label: "s_i", unit: "fraction of units" },
        y: { label: "points", unit: "fraction" },
        series: [
          { name: "training points", values: L.saturated[0] },
          { name: "unseen training-file points", values: ho[l].saturated[0] },
        ],
        bins: { start: 0, end: 1, count: 40 },
        normalize: "fraction",
      }),
    ),
  });
  const spread = tr.map((L) => meanStd(L.saturated[0]).std);
  const gaps = perLayer(cmp.main, "saturation", cmp.eps[0]);
  const ratio = Math.max(...gaps.map((r, l) => (spread[l] > 0 ? Math.abs(r.diff) / spread[l] : 0)));
  const median = (x: Float64Array) => percentiles(x, [50], Infinity)[0];
  return {
    figure,
    takeaway:
      `Medians of s_i, training vs unseen, layers 1–${tr.length}: ${tr.map((L, l) => `${pct(median(L.saturated[0]), 0)} vs ${pct(median(ho[l].saturated[0]), 0)}`).join("; ")}. ` +
      `The standard deviation of s_i over training points is ${spread.map((v) => (100 * v).toFixed(1)).join(", ")} pp; the largest gap between the set means is ${pct(ratio, 0)} of its layer's standard deviation.`,
  };
}

/** The gap of the probe records over training (the fixed probe sets), with the interval of those sets at the end. */
export function gapOverTraining(q: Experiment, probeCmp: readonly SetComparison[]): Shown {
  const probes = q.result.probes,
    depth = q.config.model.widths.length;
  const t = probes.map((p) => p.epoch);
  const gap = (l: number) =>
    probes.map((p) => p.snapshots[0].layers[l].saturation[0].total - p.snapshots[1].layers[l].saturation[0].total);
  const series = range(depth).map((l) => ({ name: `layer ${l + 1}`, x: t, y: gap(l).map((g) => 100 * g) }));
  const mid = Math.round((t.length - 1) / 2),
    end = t.length - 1;
  const half = probeCmp.map((r) => (r.high - r.low) / 2);
  const e = probes[0].snapshots[0].layers[0].saturation[0].eps;
  return {
    figure: plot.line({
      title: `Training − unseen saturation (ε = ${e}) during training, on the ${count(q.data.probeTrain.n)} + ${count(q.data.probeHeldOut.n)} probe points`,
      x: { label: "passes over each training image", unit: "epochs" },
      y: { label: "training − unseen", unit: "pp" },
      series,
    }),
    takeaway:
      `Layers 1–${depth}: ${series.map((s) => pp(s.y[mid] / 100)).join(", ")} at epoch ${t[mid].toFixed(1)}; ${series.map((s) => pp(s.y[end] / 100)).join(", ")} at epoch ${t[end].toFixed(1)}. ` +
      `At the end, the 95% half-widths of these ${count(q.data.probeTrain.n)}-point sets are ${half.map((h) => `±${(100 * h).toFixed(1)}`).join(", ")} pp in layers 1–${depth}: two fixed samples carry their own offset through all of training, so a steady curve here is not by itself a trend.`,
  };
}

// ------------------------------------------------------------------ §6 per unit, per class

/** Examples × units, per layer, entries coloured by the saturation rule of the network's activation. */
export function unitImage(
  model: Mlp,
  hv: HiddenValues,
  p: ProbeSnapshot,
  labels: ArrayLike<number>,
  eps: number,
  rows: number,
): Shown {
  const nImg = Math.min(rows, hv.n);
  const order = range(nImg).sort((a, b) => labels[a] - labels[b] || a - b);
  const rule = saturationRule(model.act.name, eps);
  const levels = [
    { value: -1, color: "#0072B2", label: "saturated low" },
    { value: 0, color: "#eeeeee", label: "in between" },
    { value: 1, color: "#D55E00", label: "saturated high" },
  ];
  const panels = p.layers.map((L, l) => {
    const w = L.width,
      cls = classifySaturation(hv.a[l], rule);
    const cols = range(w).sort((a, b) => L.units!.perUnit[b] - L.units!.perUnit[a]);
    return plot.heatmap({
      title: `layer ${l + 1}`,
      x: { label: "unit", unit: "most saturated first" },
      y: { label: "training point", unit: "sorted by digit" },
      z: order.map((i) => cols.map((j) => cls[i * w + j])),
      color: { label: "entry", unit: `ε = ${eps}` },
      discrete: levels,
    });
  });
  const figure = plot.smallMultiples({
    title: `Saturated entries: ${nImg} training points × units, per layer`,
    columns: Math.min(p.layers.length, 3),
    rowHeight: 300,
    panels,
  });
  // Per-cell hover labels would multiply the page size; the colour bar names the categories.
  figure.data.forEach((d, i) => {
    delete d.text;
    d.hovertemplate = "unit rank %{x}, point %{y}<extra></extra>";
    d.showscale = i === figure.data.length - 1;
    d.showlegend = false;
  });
  const { stuck, units } = stuckUnits(p);
  const dependent = p.layers.reduce((s, L) => s + (L.units?.inputDependent ?? 0), 0);
  return {
    figure,
    takeaway: `${count(stuck)} of ${count(units)} hidden units are stuck (saturated on ≥ ${pct(STUCK_FRACTION, 0)} of the ${count(hv.n)} training probe points); ${dependent} are saturated on some points and not on others.`,
  };
}

export function unitRows(pT: ProbeSnapshot, pH: ProbeSnapshot): Row[] {
  return pT.layers.map((L, l) => {
    const u = L.units!,
      uh = pH.layers[l].units!;
    return {
      layer: L.layer,
      units: L.width,
      [`stuck low (≥ ${pct(STUCK_FRACTION, 0)} of points)`]: u.stuckLow,
      "stuck high": u.stuckHigh,
      "input-dependent": u.inputDependent,
      "never saturated": u.neverSaturated,
      "saturated on > half the points": u.perUnit.filter((f) => f > 0.5).length,
      "unseen probe points: stuck": uh.stuckLow + uh.stuckHigh,
      "unseen probe points: never saturated": uh.neverSaturated,
    };
  });
}

/** The per-unit permutation test per layer (unitTests): each statistic beside what noise alone gives. */
export function unitTestRows(tests: readonly UnitTestRow[]): Row[] {
  const p = (x: number, perms: number) =>
    x <= 1 / (perms + 1) + 1e-12 ? `≤ ${(1 / (perms + 1)).toFixed(4)}` : x.toFixed(3);
  return tests.map((t) => ({
    layer: t.layer,
    "points per set": `${count(t.nA)} / ${count(t.nB)}`,
    "largest per-unit |training − unseen| (pp)": Number((100 * t.maxAbs).toFixed(2)),
    "noise alone: its 95th percentile (pp)": Number((100 * t.nullMax95).toFixed(2)),
    "p (max)": p(t.pMax, t.permutations),
    "p (max), Bonferroni": t.pMaxAdjusted.toFixed(3),
    "mean per-unit difference: shift (pp)": Number((100 * t.shift).toFixed(3)),
    "noise alone: 95th pct of |shift| (pp)": Number((100 * t.nullShift95).toFixed(3)),
    "p (shift)": p(t.pShift, t.permutations),
    "p (shift), Bonferroni": t.pShiftAdjusted.toFixed(3),
  }));
}

/** The per-unit test in one line: the largest difference against noise, and what survives Bonferroni. */
export function unitTestTakeaway(tests: readonly UnitTestRow[]): string {
  const hits = tests.flatMap((t) => [
    ...(t.pMaxAdjusted < 0.05 ? [`layer ${t.layer}: unit ${t.maxUnit} differs by ${pp(t.perUnit[t.maxUnit], 2)}`] : []),
    ...(t.pShiftAdjusted < 0.05 ? [`layer ${t.layer}: its units shifted by ${pp(t.shift, 3)} on average`] : []),
  ]);
  const worst = tests.reduce((m, t) => (t.maxAbs / t.nullMax95 > m.maxAbs / m.nullMax95 ? t : m), tests[0]);
  return (
    `Largest per-unit difference against noise: layer ${worst.layer}'s ${(100 * worst.maxAbs).toFixed(2)} pp against ${(100 * worst.nullMax95).toFixed(2)} pp, the 95th percentile of the largest difference when the training/unseen labels are shuffled (${worst.permutations} permutations). ` +
    (hits.length === 0
      ? `After Bonferroni over the ${2 * tests.length} tests, no layer has a unit — or a uniform shift of its units — that tells training from unseen points.`
      : `After Bonferroni over the ${2 * tests.length} tests: ${hits.join("; ")}.`)
  );
}

/** Per layer, training − unseen mean s_i for each digit, with Bonferroni-adjusted error bars (digitDifferences). */
export function classFigure(diffs: readonly DigitDifference[], eps: number, pointsPerSet: number): Shown {
  const layers = [...new Set(diffs.map((d) => d.layer))];
  const m = diffs.length;
  const panels = layers.map((l) => {
    const rows = diffs.filter((d) => d.layer === l);
    return withIntervals(
      plot.bar({
        title: `layer ${l}`,
        x: { label: "digit", unit: "class" },
        y: { label: "training − unseen mean s_i", unit: "pp" },
        categories: rows.map((d) => d.digit),
        series: [{ name: "training − unseen", values: rows.map((d) => 100 * d.d95.diff) }],
      }),
      [rows.map((d) => ({ diff: d.d95.diff, low: d.adjusted.low, high: d.adjusted.high }))],
    );
  });
  const perLayerText = layers.map((l) => {
    const rows = diffs.filter((d) => d.layer === l);
    const big = rows.reduce((a, b) => (Math.abs(b.d95.diff) > Math.abs(a.d95.diff) ? b : a), rows[0]);
    return `layer ${l} by at most ${(100 * Math.abs(big.d95.diff)).toFixed(1)} pp (digit ${big.digit}: ${intervalPp({ diff: big.d95.diff, low: big.adjusted.low, high: big.adjusted.high }, 1)})`;
  });
  const out = diffs.filter((d) => excludesZero(d.adjusted)).length,
    raw = diffs.filter((d) => excludesZero(d.d95)).length;
  const figure = plot.smallMultiples({
    title: `Training − unseen mean s_i per digit and layer (ε = ${eps}, ${count(pointsPerSet)} points per set; bars: Bonferroni intervals over ${m})`,
    columns: Math.min(layers.length, 3),
    rowHeight: 280,
    panels,
  });
  return {
    figure,
    takeaway: `Per digit, training and unseen points differ in ${perLayerText.join("; ")} (Bonferroni intervals over the ${m} digit × layer differences). ${out} of ${m} adjusted intervals exclude 0; at 95% each, ${raw} do — about ${(0.05 * m).toFixed(1)} would by chance.`,
  };
}
