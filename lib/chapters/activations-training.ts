/**
 * Chapter: notebook 02-activations — the figures and computed prose of its
 * sections over training (§4 per-layer build-up, Glorot & Bengio's Figure 2,
 * what learning uses; §5 single points; §7 a typical sigmoid), of the
 * (§8's sweep tables and §9's closing summary are in activations-summary.ts).
 */
import type { ExperimentConfig, Experiment, DataSpec } from "../run/experiment";
import type { TrainingTrace } from "../run/replay";
import { exampleOverTime, unitZOverTime } from "../run/replay";
import type { HiddenValues } from "../measure/compare";
import { zPercentiles } from "../measure/trace";
import { saturatedShare, saturationRule } from "../measure/saturation";
import type { Dataset } from "../data/dataset";
import type { PublishedTable } from "../data/published";
import type { LayerBuildUp } from "../run/findings";
import * as plot from "../display/plot";
import type { Row } from "../display/table";
import { count, layerList, num, pct, pp } from "../display/text";
// §8's tables now live in activations-summary.ts; test/frames.test.ts still imports sweepTables from here.
export { sweepTables } from "./activations-summary";
import type { Shown } from "./activations-figures";
import { BUILD_UP_RULES, GradientSeries, TopPeak, nearestRecords, saturationSeries } from "./activations";

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const argmax = (xs: readonly number[]) => xs.reduce((best, x, i) => (x > xs[best] ? i : best), 0);
const argmin = (xs: readonly number[]) => xs.reduce((best, x, i) => (x < xs[best] ? i : best), 0);
const epochText = (e: number) => (Number.isInteger(e) ? String(e) : e.toFixed(2));
/** The window of the trend rule, in words ("epoch", "2 epochs"). */
const lastWindow = BUILD_UP_RULES.windowEpochs === 1 ? "epoch" : `${BUILD_UP_RULES.windowEpochs} epochs`;

// ------------------------------------------------------------------ §4 the question run, per layer

/** Saturation of every hidden layer over training, on the training and on the unseen probe points. */
export function buildUpFigure(q: Experiment, build: readonly LayerBuildUp[], peak: TopPeak): Shown {
  const probes = q.result.probes,
    t = probes.map((p) => p.epoch),
    e = probes[0].snapshots[0].layers[0].saturation[0].eps;
  const panel = (set: number, title: string) =>
    plot.line({
      title,
      x: { label: "training time", unit: "epochs" },
      y: { label: `saturated at ε = ${e}`, unit: "% of entries", range: [0, 100] },
      series: build.map((b) => ({
        name: `layer ${b.layer}`,
        x: t,
        y: saturationSeries(probes, set, b.layer).map((v) => 100 * v),
      })),
    });
  const top = build[build.length - 1];
  const rising = build.filter((b) => b.trend === "rising").map((b) => b.layer);
  return {
    figure: plot.smallMultiples({
      title: `The question network during training: saturated entries per layer (${count(q.data.probeTrain.n)} + ${count(q.data.probeHeldOut.n)} probe points)`,
      columns: 2,
      rowHeight: 340,
      panels: [panel(0, "training points"), panel(1, "unseen training-file points")],
    }),
    takeaway:
      (peak.saturation > 0
        ? `The top layer peaked at ${pct(peak.saturation)} (epoch ${epochText(peak.epoch)}, held-out accuracy ${pct(peak.heldOutAccuracy, 0)}) and ends at ${pct(top.end)}; `
        : "The top layer had no saturated entry at any probe time; ") +
      (rising.length > 0
        ? `${layerList(rising)} ${rising.length > 1 ? "are" : "is"} still rising over the last ${lastWindow} (${rising.map((l) => pp(build[l - 1].lastEpochChange)).join(", ")}).`
        : `no layer is still rising over the last ${lastWindow}.`),
  };
}

/** What each layer did over the run, one line per layer, from the probe records. */
export function buildUpProse(q: Experiment, build: readonly LayerBuildUp[], peak: TopPeak): string[] {
  const probes = q.result.probes,
    t = probes.map((p) => p.epoch),
    E = t[t.length - 1];
  const marks = [...new Set(nearestRecords(t, [0, Math.round(0.3 * E), Math.round(0.5 * E), E]))];
  const words = { rising: "still rising", level: "level", falling: "falling" } as const;
  return [
    `**Each layer over training** (saturated at ε = ${probes[0].snapshots[0].layers[0].saturation[0].eps}, training probe points; the rule, \`BUILD_UP_RULES\`: over the last ${lastWindow}, a change of at least ±${pp(BUILD_UP_RULES.minChange, 0).replace(/^\+/, "")} is rising or falling, less is level):`,
    ...build.map((b) => {
      const s = saturationSeries(probes, 0, b.layer);
      const path = marks.map((k) => `${pct(s[k], 0)} (epoch ${epochText(t[k])})`).join(" → ");
      return `Layer ${b.layer}: ${path}; ${pct(b.atTopPeak, 0)} at the top layer's peak (epoch ${epochText(peak.epoch)}), its own peak ${pct(b.peak, 0)} at epoch ${epochText(b.peakEpoch)}; ${words[b.trend]} over the last ${lastWindow} (${pp(b.lastEpochChange)}); on unseen points it ends at ${pct(b.endHeldOut, 0)}, ${words[b.trendHeldOut]}.`;
    }),
  ];
}

// ------------------------------------------------------------------ §4 Glorot & Bengio's Figure 2

/** Thresholds that name the phases of a top layer's saturation (a verdict rule: tested here, used nowhere else). */
export const PHASE_RULES = { saturatedAt: 0.9, recoveredBelow: 0.5 } as const;

/** Their four-layer recipe at our width, learning rate and mini-batch size: `widths` sigmoid layers, standard init. */
export function glorotConfig(
  name: string,
  data: DataSpec,
  trainImages: number,
  s: { width: number; epochs: number; batchSize: number; learningRate: number; seed: number; probePoints: number },
): ExperimentConfig {
  const stepsPerEpoch = Math.floor(trainImages / s.batchSize);
  return {
    name,
    data,
    model: { widths: [s.width, s.width, s.width, s.width], activation: "sigmoid", init: "standard", seed: s.seed },
    train: {
      epochs: s.epochs,
      batchSize: s.batchSize,
      optimizer: { kind: "sgd", learningRate: s.learningRate },
      seed: s.seed,
      probeEverySteps: Math.max(1, Math.floor(stepsPerEpoch / 8)),
    },
    probePoints: s.probePoints,
  };
}

/** The top layer's saturation on the held-out probe points: did it reach the rule's level, and fall below its fraction of the peak later? */
export function phases(exp: Experiment): {
  peak: number;
  peakEpoch: number;
  saturated: boolean;
  recoveredAt: number | null;
  end: number;
  side: 0 | 1;
} {
  const probes = exp.result.probes,
    L = exp.config.model.widths.length;
  const sat = saturationSeries(probes, 1, L);
  const k = argmax(sat);
  const back = sat.findIndex((v, i) => i > k && v < PHASE_RULES.recoveredBelow * sat[k]);
  const atPeak = probes[k].snapshots[1].layers[L - 1].saturation[0];
  return {
    peak: sat[k],
    peakEpoch: probes[k].epoch,
    saturated: sat[k] >= PHASE_RULES.saturatedAt,
    recoveredAt: back >= 0 ? probes[back].epoch : null,
    end: sat[sat.length - 1],
    side: atPeak.low >= atPeak.high ? 0 : 1,
  };
}

function meanStdPanel(exp: Experiment, title: string) {
  const t = exp.result.probes.map((p) => p.epoch);
  return plot.line({
    title,
    x: { label: "training time", unit: "epochs" },
    y: { label: "h: mean ± std", unit: "0–1", range: [0, 1] },
    series: exp.config.model.widths.map((_, l) => {
      const m = exp.result.probes.map((p) => p.snapshots[1].layers[l].mean),
        s = exp.result.probes.map((p) => p.snapshots[1].layers[l].std);
      return {
        name: `layer ${l + 1}`,
        x: t,
        y: m,
        band: { lower: m.map((v, i) => v - s[i]), upper: m.map((v, i) => v + s[i]) },
      };
    }),
  });
}

const accuracyOf = (e: Experiment) => e.result.epochs[e.result.epochs.length - 1].test!.accuracy;

function storyOf(name: string, exp: Experiment): string {
  const ph = phases(exp);
  const course =
    ph.peak === 0
      ? "top layer never saturated at any probe time"
      : `top layer ${pct(ph.peak)} saturated at epoch ${epochText(ph.peakEpoch)}, ${ph.recoveredAt !== null ? `below half of that by epoch ${epochText(ph.recoveredAt)}` : "never below half of that"}, ${pct(ph.end)} at the end`;
  return `${name}: ${course}; test accuracy ${pct(accuracyOf(exp))} (${exp.data.train.numClasses} classes)`;
}

export function glorotFigure(shapeset: Experiment, mnist: Experiment): Shown {
  return {
    figure: plot.smallMultiples({
      title: `After Glorot & Bengio's Figure 2: ${shapeset.config.model.widths.length} sigmoid layers, mean ± std of h on ${count(shapeset.data.probeHeldOut.n)} held-out points`,
      columns: 2,
      rowHeight: 340,
      panels: [
        meanStdPanel(
          shapeset,
          `Shapeset-3×2 (${count(shapeset.data.train.n)} images, ${shapeset.config.train.epochs} epochs)`,
        ),
        meanStdPanel(mnist, `MNIST (${count(mnist.data.train.n)} images, ${mnist.config.train.epochs} epochs)`),
      ],
    }),
    takeaway: `${storyOf("Shapeset", shapeset)}. ${storyOf("MNIST", mnist)}.`,
  };
}

/** Table 1's Shapeset and MNIST columns, and our two reproductions' test errors beside them. */
export function table1Rows(gb: PublishedTable, shapeset: Experiment, mnist: Experiment): Row[] {
  const ours = (e: Experiment) => Number((100 * (1 - accuracyOf(e))).toFixed(2));
  return [
    ...gb.rows.map((r) => ({
      network: `Glorot & Bengio: ${r.label} (${gb.setup.hiddenLayers} × ${gb.setup.hiddenUnits})`,
      "Shapeset-3×2 test error (%)": r.byDataset.shapeset,
      "MNIST test error (%)": r.byDataset.mnist,
    })),
    {
      network: `this run: sigmoid, ${shapeset.config.model.widths.length} × ${shapeset.config.model.widths[0]}, standard (§4)`,
      "Shapeset-3×2 test error (%)": ours(shapeset),
      "MNIST test error (%)": ours(mnist),
    },
  ];
}

export function setupRows(gb: PublishedTable, shapeset: Experiment, mnist: Experiment): Row[] {
  const run = (e: Experiment) => e.config.train;
  const both = (f: (e: Experiment) => string) => ({ "Shapeset run here": f(shapeset), "MNIST run here": f(mnist) });
  return [
    {
      aspect: "hidden layers × units",
      "Glorot & Bengio": `Figure 2: four hidden layers; Table 1: ${gb.setup.hiddenLayers}; ${gb.setup.hiddenUnits} units`,
      ...both((e) => `${e.config.model.widths.length} × ${e.config.model.widths[0]}`),
    },
    {
      aspect: "data",
      "Glorot & Bengio": String(gb.datasets.shapeset),
      "Shapeset run here": `a fixed set of ${count(shapeset.data.train.n)} images, each seen ${run(shapeset).epochs} times (not online)`,
      "MNIST run here": `${count(mnist.data.train.n)} random MNIST training images, each seen ${run(mnist).epochs} times`,
    },
    {
      aspect: "optimizer",
      "Glorot & Bengio": String(gb.setup.optimizer),
      ...both((e) => `plain SGD, mini-batches of ${run(e).batchSize}`),
    },
    {
      aspect: "learning rate",
      "Glorot & Bengio": String(gb.setup.learningRate),
      ...both((e) => `η = ${run(e).optimizer.learningRate}, fixed (the question's)`),
    },
    {
      aspect: "training length",
      "Glorot & Bengio": String(gb.setup.training),
      ...both((e) => `${run(e).epochs} epochs, ${count(e.result.steps)} SGD steps`),
    },
    {
      aspect: "statistics on",
      "Glorot & Bengio": "“a fixed set of 300 test examples” (§3.1)",
      "Shapeset run here": `${shapeset.data.probeHeldOut.n} fixed, separately generated images`,
      "MNIST run here": `${mnist.data.probeHeldOut.n} fixed unseen training-file images`,
    },
    { aspect: "init", "Glorot & Bengio": String(gb.setup.initStandard), ...both(() => "the same") },
  ];
}

export function glorotProse(gb: PublishedTable, shapeset: Experiment, mnist: Experiment): string[] {
  const phaseText = (name: string, exp: Experiment) => {
    const ph = phases(exp);
    if (!ph.saturated)
      return `${name}: the top layer never reached ${pct(PHASE_RULES.saturatedAt, 0)} saturation, so the first phase of their figure is not reproduced here.`;
    return ph.recoveredAt !== null
      ? `${name}: both phases — the top layer driven to ${ph.side}, then below half its peak by epoch ${epochText(ph.recoveredAt)}.`
      : `${name}: the first phase only — the top layer driven to ${ph.side} and still at ${pct(ph.end, 0)} at the end of our budget.`;
  };
  const sig = gb.rows.find((r) => r.activation === "sigmoid" && r.init === "standard")!;
  return [
    `**Their words.** ${gb.quotes.figure2Caption} ${gb.quotes.figure2Setting} ${gb.quotes.depthFive}`,
    `**Table 1** (${gb.caption}) gives their sigmoid network (${gb.setup.hiddenLayers} hidden layers) ${sig.byDataset.shapeset}% test error on Shapeset-3×2, beside their §3.1 remark on the depth-five sigmoid model quoted above, and ${sig.byDataset.mnist}% on MNIST. ${gb.quotes.bestDepth}`,
    `**Ours.** ${phaseText("Shapeset-3×2", shapeset)} ${phaseText("MNIST", mnist)} Our runs stop after ${count(shapeset.result.steps)} and ${count(mnist.result.steps)} SGD steps at a fixed learning rate, and they are **not online**: each image is seen once per epoch (${shapeset.config.train.epochs} epochs on Shapeset-3×2, ${mnist.config.train.epochs} on MNIST), where their Shapeset training was online, on examples sampled as needed (§2.1). Notebook 03-causal runs the online control (every step on fresh images) against repeated passes.`,
  ];
}

// ------------------------------------------------------------------ §4 what learning uses

const logPanel = (
  title: string,
  yLabel: string,
  unit: string,
  t: number[],
  rows: number[][],
  names: (l: number) => string,
) =>
  plot.line({
    title,
    x: { label: "training time", unit: "epochs" },
    y: { label: yLabel, unit, log: true },
    series: rows.map((y, l) => ({ name: names(l), x: t, y })),
  });

export function gradientFigure(g: GradientSeries, peak: TopPeak): Shown {
  const L = g.delta.length,
    end = g.epochs.length - 1;
  const ratio = (rows: number[][], t: number) => rows[0][t] / rows[L - 1][t];
  const at = (t: number) => `mean ‖δ‖ ${num(ratio(g.delta, t))}, ‖∂L/∂W‖ ${num(ratio(g.weightGrad, t))}`;
  const moments = [
    `${at(0)} at the start`,
    ...(peak.index > 0 && peak.index < end
      ? [`${at(peak.index)} at the top layer's peak (epoch ${epochText(peak.epoch)})`]
      : []),
    `${at(end)} at the end`,
  ];
  return {
    figure: plot.smallMultiples({
      title: "What backprop carries and what learning uses, per layer over training (training probe points, log scale)",
      columns: 2,
      rowHeight: 340,
      panels: [
        logPanel(
          "backpropagated error: mean ‖δ_l‖",
          "mean over points of ‖δ_{i,l}‖",
          "norm",
          g.epochs,
          g.delta,
          (l) => `layer ${l + 1}`,
        ),
        logPanel(
          "weight gradient: ‖∂L/∂W_l‖ = ‖(1/n) Σ h_{l−1}ᵀδ_l‖",
          "‖∂L/∂W_l‖_F",
          "norm",
          g.epochs,
          g.weightGrad,
          (l) => `layer ${l + 1}`,
        ),
      ],
    }),
    takeaway: `Layer 1 over layer ${L}: ${moments.join("; ")}.`,
  };
}

export function updateFigure(g: GradientSeries): Shown {
  const L = g.rhoB.length,
    last = g.updateEpochs.length - 1,
    end = g.epochs.length - 1;
  const log10 = (rows: number[][]) => rows.map((row) => row.map((v) => Math.log10(v)));
  const updates = log10(g.updateToData),
    grads = log10(g.gradToData);
  const name = (l: number) => (l === L ? "the output layer" : `layer ${l + 1}`);
  const power = (x: number) => `10^${x.toFixed(1).replace("-", "−")}`;
  const spread = (rows: number[][], t: number) => {
    const at = rows.map((r) => r[t]),
      hi = argmax(at),
      lo = argmin(at);
    return `${power(at[lo])} (${name(lo)}) to ${power(at[hi])} (${name(hi)})`;
  };
  const time = { label: "training time", unit: "epochs" };
  return {
    figure: plot.smallMultiples({
      title: "Gradient and update sizes relative to the weights, and ρ_B, per layer over training",
      columns: 2,
      rowHeight: 320,
      panels: [
        plot.line({
          title: "grad:data, log₁₀ ‖∂L/∂W_l‖/‖W_l‖ (training probe points)",
          x: time,
          y: { label: "log₁₀ grad:data", unit: "decades" },
          series: grads.map((y, l) => ({ name: `layer ${l + 1}`, x: g.epochs, y })),
        }),
        plot.line({
          title: "update:data, log₁₀ ‖ΔW_l‖/‖W_l‖ of one SGD step",
          x: time,
          y: { label: "log₁₀ update:data", unit: "decades" },
          series: updates.map((y, l) => ({ name: l === L ? "output layer" : `layer ${l + 1}`, x: g.updateEpochs, y })),
        }),
        plot.line({
          title: "ρ_B (Rakitianskaia & Engelbrecht)",
          x: time,
          y: { label: "ρ_B", unit: "0 = middle, 1 = saturated", range: [0, 1] },
          series: g.rhoB.map((y, l) => ({ name: `layer ${l + 1}`, x: g.epochs, y })),
        }),
      ],
    }),
    takeaway:
      `At the end, grad:data ranges from ${spread(grads, end)} and one SGD step changes the weights by ${spread(updates, last)} of their norm; ` +
      `ρ_B per layer goes from ${g.rhoB.map((r) => r[0].toFixed(2)).join(", ")} at the start to ${g.rhoB.map((r) => r[end].toFixed(2)).join(", ")} at the end.`,
  };
}

// ------------------------------------------------------------------ §5 single points

export interface TracedPoint {
  readonly set: "train" | "heldOut";
  readonly index: number;
  readonly label: string;
  readonly end: HiddenValues;
}

export function tracedPoints(
  trace: TrainingTrace,
  hvTrain: HiddenValues,
  hvHeld: HiddenValues,
  trainPts: Dataset,
  heldPts: Dataset,
): TracedPoint[] {
  return [
    ...trace.options.examples.map((i) => ({
      set: "train" as const,
      index: i,
      label: `training point ${i} (digit ${trainPts.y[i]})`,
      end: hvTrain,
    })),
    ...trace.options.heldOutExamples.map((i) => ({
      set: "heldOut" as const,
      index: i,
      label: `unseen point ${i} (digit ${heldPts.y[i]})`,
      end: hvHeld,
    })),
  ];
}

/** Saturated share of one traced point's layer at each recorded moment and at the end. */
function pointStory(trace: TrainingTrace, pt: TracedPoint, layer: number, eps: number, passes: number): string {
  const over = exampleOverTime(trace, layer, pt.index, pt.set),
    w = over.length;
  const rule = saturationRule(trace.config.model.activation, eps);
  const sat = (v: ArrayLike<number>) => saturatedShare(v, rule).total;
  const perTime = range(trace.steps.length).map((t) => sat(over.map((u) => u[t])));
  const end = sat(pt.end.a[layer - 1].subarray(pt.index * w, (pt.index + 1) * w));
  const k = argmax(perTime),
    last = perTime.length - 1;
  const peakText =
    k > 0 && k < last && perTime[k] > perTime[last]
      ? ` → ${pct(perTime[k], 0)} (epoch ${trace.epochs[k].toFixed(2)})`
      : "";
  return `${pct(perTime[0], 0)} (start)${peakText} → ${pct(perTime[last], 0)} (epoch ${epochText(trace.epochs[last])}) → ${pct(end, 0)} (end, epoch ${passes})`;
}

/** One figure per traced point: units × time per layer (units ordered by their mean h on the training points at the end). */
export function traceFigures(
  trace: TrainingTrace,
  points: readonly TracedPoint[],
  hvTrain: HiddenValues,
  eps: readonly number[],
  passes: number,
): Shown[] {
  const depth = hvTrain.widths.length,
    e0 = Math.min(...eps),
    eHi = Math.min(0.49, Math.max(...eps, 5 * e0));
  const labels = [...trace.epochs.map((e) => e.toFixed(2)), "end"];
  const whole = range(Math.round(trace.epochs[trace.epochs.length - 1])).map((k) =>
    argmin(trace.epochs.map((e) => Math.abs(e - k))),
  );
  const order = hvTrain.widths.map((w, l) => {
    const m = range(w).map((j) => {
      let s = 0;
      for (let i = 0; i < hvTrain.n; i++) s += hvTrain.a[l][i * w + j];
      return s / hvTrain.n;
    });
    return range(w).sort((a, b) => m[a] - m[b]);
  });
  // Linear in h, but changing colour at the thresholds, so "near 0" and "saturated" look different.
  const scale: [number, string][] = [
    [0, "#08306b"],
    [e0, "#2171b5"],
    [eHi, "#9ecae1"],
    [0.5, "#f7f7f7"],
    [1 - eHi, "#fcae91"],
    [1 - e0, "#de2d26"],
    [1, "#67000d"],
  ];
  return points.map((pt) => {
    const panels = range(depth).map((l) => {
      const w = hvTrain.widths[l],
        over = exampleOverTime(trace, l + 1, pt.index, pt.set);
      return plot.heatmap({
        title: `layer ${l + 1}`,
        x: { label: "time", unit: "epochs" },
        y: { label: "unit", unit: "rank by mean h" },
        z: order[l].map((j) => [...over[j], pt.end.a[l][pt.index * w + j]]),
        xValues: labels,
        color: { label: "h", unit: "0–1" },
        colorscale: scale,
        zRange: [0, 1],
      });
    });
    const figure = plot.smallMultiples({
      title: `${pt.label}: h over training (navy: h < ${e0}, dark red: h > ${1 - e0})`,
      columns: depth,
      rowHeight: 300,
      panels,
    });
    figure.data.forEach((d, i) => {
      d.showscale = i === figure.data.length - 1;
      d.showlegend = false;
    });
    // The labels name moments, not a numeric scale (the last column is the end of training).
    for (const key of Object.keys(figure.layout)) {
      if (key.startsWith("xaxis"))
        Object.assign(figure.layout[key] as Record<string, unknown>, {
          type: "category",
          tickmode: "array",
          tickvals: [...whole.map((t) => labels[t]), "end"],
          ticktext: [...whole.map(String), "end"],
          tickangle: 0,
        });
    }
    return {
      figure,
      takeaway: `Saturated units (ε = ${e0}) of ${pt.set === "train" ? "" : "the never-trained "}${pt.label}: layer ${depth} ${pointStory(trace, pt, depth, e0, passes)}; layer 1 ${pointStory(trace, pt, 1, e0, passes)}.`,
    };
  });
}

// ------------------------------------------------------------------ §7 a typical sigmoid

/** The unit whose median z at the end of the replay is the median over the layer's units. */
export function typicalUnit(trace: TrainingTrace, layer: number): number {
  const P = trace.options.percentiles,
    mid = P.indexOf(50) >= 0 ? P.indexOf(50) : Math.floor(P.length / 2);
  const w = trace.layers[layer - 1].width,
    T = trace.steps.length;
  const med = range(w).map((j) => unitZOverTime(trace, layer, j)[mid][T - 1]);
  return range(w).sort((a, b) => med[a] - med[b])[Math.floor(w / 2)];
}

export function typicalSigmoid(trace: TrainingTrace, hvTrain: HiddenValues, eps: number, passes: number): Shown {
  const P = trace.options.percentiles,
    T = trace.steps.length,
    edge = Math.log(1 / eps - 1);
  const depth = hvTrain.widths.length;
  const unitOf = (layer: number) => {
    const unit = typicalUnit(trace, layer),
      over = unitZOverTime(trace, layer, unit);
    const end = Array.from(zPercentiles(hvTrain.z[layer - 1], hvTrain.n, hvTrain.widths[layer - 1], P, [unit]));
    const fig = plot.line({
      title: `layer ${layer}, unit ${unit}`,
      x: { label: "training time", unit: "epochs" },
      y: { label: "input z of the unit", unit: "pre-activation" },
      series: P.map((p, k) => ({ name: `${p}th percentile`, x: trace.epochs, y: over[k] })),
    });
    P.forEach((p, k) =>
      fig.data.push({
        type: "scatter",
        mode: "markers",
        name: `${p}th, end (epoch ${passes})`,
        x: [passes],
        y: [end[k]],
        marker: { color: plot.PALETTE[k], size: 9, symbol: "diamond" },
        showlegend: false,
      }),
    );
    // One decimal is enough for z against the edge ±ln(1/ε − 1); a value that rounds to zero prints without a sign.
    const z = (v: number) => (Math.abs(v) < 0.05 ? "0.0" : v.toFixed(1).replace("-", "−"));
    const text = `layer ${layer} unit ${unit}: percentiles ${P.join("/")} of z go from ${over.map((r) => z(r[0])).join("/")} at the start to ${over.map((r) => z(r[T - 1])).join("/")} at epoch ${epochText(trace.epochs[T - 1])} and ${end.map(z).join("/")} at the end`;
    return { fig, text };
  };
  const top = unitOf(depth),
    first = unitOf(1);
  const figure = plot.smallMultiples({
    title: `Input z of a typical sigmoid: ${P.join("th, ")}th percentiles over the training probe points (◆ end of training)`,
    columns: 1,
    rowHeight: 300,
    panels: [top.fig, first.fig],
  });
  // The saturation edges z = ±ln(1/ε − 1), in each panel's own axes.
  figure.layout.shapes = ["", "2"].flatMap((sfx) =>
    [-1, 1].map((sign) => ({
      type: "line",
      xref: `x${sfx} domain`,
      x0: 0,
      x1: 1,
      yref: `y${sfx}`,
      y0: sign * edge,
      y1: sign * edge,
      line: { dash: "dash", color: "#444", width: 1 },
    })),
  );
  return { figure, takeaway: `${top.text}; ${first.text} (saturated beyond |z| = ${edge.toFixed(2)}).` };
}
