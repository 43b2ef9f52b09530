/**
 * Chapter: notebook 02-activations — inside the trained network.
 *
 * The measurements the notebook's cells call, each tested
 * (test/activations-chapter.test.ts); §3's comparisons are in
 * activations-compare.ts, the figures and computed prose in
 * activations-figures.ts and activations-training.ts.
 *
 *   const end = endOfTraining(q, [0.01, 0.05]);              // the end of training: the record 01 and 06 read
 *   layerBuildUp(q.result.probes, BUILD_UP_RULES, end);     // each layer's saturation over training
 *   gradientSeries(q.result.probes);                        // δ, ∂L/∂W, update:data and ρ_B over training
 *   slopeFactors(q.model, q.data.probeTrain);               // mean σ′ and σ′_eff, the factor on δ, per layer
 *
 * Notation as in the notebook: h_{i,l} = σ(z_{i,l}), δ_{i,l} = ∂ℓ_i/∂z_{i,l},
 * ∂ℓ_i/∂W_l = h_{i,l−1}ᵀ δ_{i,l}.
 */
import type { Dataset } from "../data/dataset";
import type { Mlp } from "../core/model";
import type { ProbeRecord } from "../core/train";
import { ConfigError } from "../core/errors";
import { ProbeSnapshot, probe } from "../measure/probe";
import {
  BootstrapOptions,
  MeanDifference,
  PerExampleStats,
  SetComparison,
  compareMeans,
  perExampleStats,
} from "../measure/compare";
import { measureBound } from "../measure/bound";
import { mean } from "../measure/stats";
import { Experiment, ExperimentConfig, runExperiment } from "../run/experiment";
import type { JobOutcome } from "../run/job";
import { QuestionParams, questionExperiment } from "../run/question";
import { ActivationFindings, Interval, LayerBuildUp, TimesOfRun, Trend, interval } from "../run/findings";
import {
  IntervalFamily,
  PrimaryComparison,
  SplitComparison,
  UnitTestRow,
  excludesZero,
  maxRelativeGap,
  perLayer,
} from "./activations-compare";

type Probes = readonly ProbeRecord<ProbeSnapshot>[];

/** Index of the largest value (the first one on ties). */
function argmax(xs: readonly number[]): number {
  return xs.reduce((best, x, i) => (x > xs[best] ? i : best), 0);
}

// ------------------------------------------------------------------ the end of training, and the factor on δ

/** The trained network on the two probe sets: one record for every "end" of 02 (and the one 01 and 06 read). */
export interface EndOfTraining {
  readonly train: ProbeSnapshot;
  readonly heldOut: ProbeSnapshot;
  readonly step: number;
  readonly steps: number;
  readonly source: "last probe record" | "final network, probed by 02";
}

/**
 * The question run's last probe record when it probed the final network (step = steps) at these ε — the
 * record 01's `saturationEnd` reads — else (an older cache, other ε) a probe of the final network on the same
 * points, said so in `source`. The records use the probe's default stuck fraction, which is STUCK_FRACTION.
 */
export function endOfTraining(q: Experiment, eps: readonly number[]): EndOfTraining {
  const last = q.result.probes[q.result.probes.length - 1],
    steps = q.result.steps;
  const recordEps = last.snapshots[0].layers[0]?.saturation.map((x) => x.eps) ?? [];
  if (last.step === steps && recordEps.join() === eps.join() && STUCK_FRACTION === 0.99)
    return {
      train: last.snapshots[0],
      heldOut: last.snapshots[1],
      step: last.step,
      steps,
      source: "last probe record",
    };
  const opts = { eps, gradients: false, stuckFraction: STUCK_FRACTION };
  return {
    train: probe(q.model, q.data.probeTrain, opts),
    heldOut: probe(q.model, q.data.probeHeldOut, opts),
    step: steps,
    steps,
    source: "final network, probed by 02",
  };
}

/**
 * Per hidden layer on the points: mean σ′(z) (how flat the layer is on average) and σ′_eff, the factor that
 * multiplies ‖δ‖ there — the geometric mean over points of ‖σ′(z_{i,l}) ⊙ g_i‖/‖g_i‖, g_i = δ_{i,l+1}W_{l+1}ᵀ —
 * both from lib/measure/bound's measureBound (the same code as notebook 04).
 */
export function slopeFactors(model: Mlp, points: Dataset): { mean: number[]; effective: number[] } {
  const rep = measureBound(model, points.x, points.y, points.n);
  const hidden = rep.rows.slice(0, model.hidden.length);
  return { mean: hidden.map((r) => r.derivativeMean!), effective: hidden.map((r) => rep.maxDerivative / r.slackGeo!) };
}

// ------------------------------------------------------------------ §4 saturation over training, per layer

/** The rule that names a layer's trend at the end of a run (a verdict rule: tested, used nowhere else). */
export interface BuildUpRules {
  /** The trend is the change over this many final epochs… */
  readonly windowEpochs: number;
  /** …called rising (falling) when the saturated share gains (loses) at least this much. */
  readonly minChange: number;
}

export const BUILD_UP_RULES: BuildUpRules = { windowEpochs: 1, minChange: 0.01 };

/** A layer's saturated share at the first ε over the probe times, on probe set `set` (0 training, 1 held-out points). */
export function saturationSeries(probes: Probes, set: number, layer: number): number[] {
  return probes.map((p) => {
    const L = p.snapshots[set]?.layers[layer - 1];
    if (!L || L.saturation.length === 0)
      throw new ConfigError(
        `probe set ${set}, layer ${layer}`,
        "missing",
        "probe records of an activation with two asymptotes",
      );
    return L.saturation[0].total;
  });
}

/** The change over the last `windowEpochs` (from the latest record at least that long before the end) and its name. */
export function trendOf(
  epochs: readonly number[],
  values: readonly number[],
  rules: BuildUpRules = BUILD_UP_RULES,
): { change: number; trend: Trend } {
  if (epochs.length !== values.length || epochs.length === 0)
    throw new ConfigError("trend series", `${epochs.length} times, ${values.length} values`, "equal, non-empty series");
  if (!(rules.windowEpochs > 0 && rules.minChange > 0))
    throw new ConfigError("BuildUpRules", rules, "a positive window and a positive minimum change");
  const last = epochs.length - 1;
  let k = last;
  while (k > 0 && epochs[k] > epochs[last] - rules.windowEpochs + 1e-9) k--;
  const change = values[last] - values[k];
  return { change, trend: change >= rules.minChange ? "rising" : change <= -rules.minChange ? "falling" : "level" };
}

/** The top hidden layer's most saturated moment on the training probe points, with the held-out accuracy then. */
export interface TopPeak {
  readonly index: number;
  readonly epoch: number;
  readonly saturation: number;
  readonly heldOutAccuracy: number;
}

export function topLayerPeak(probes: Probes): TopPeak {
  const depth = probes[0].snapshots[0].layers.length;
  const sat = saturationSeries(probes, 0, depth);
  const index = argmax(sat);
  return {
    index,
    epoch: probes[index].epoch,
    saturation: sat[index],
    heldOutAccuracy: probes[index].snapshots[1].accuracy,
  };
}

/** Every hidden layer's saturation over the run: start, at the top layer's peak, its own peak, end, and the trend. */
export function layerBuildUp(
  probes: Probes,
  rules: BuildUpRules = BUILD_UP_RULES,
  end?: EndOfTraining,
): LayerBuildUp[] {
  const epochs = probes.map((p) => p.epoch);
  const top = topLayerPeak(probes);
  return probes[0].snapshots[0].layers.map((_, l) => {
    const s = saturationSeries(probes, 0, l + 1),
      h = saturationSeries(probes, 1, l + 1);
    const own = argmax(s),
      t = trendOf(epochs, s, rules),
      th = trendOf(epochs, h, rules);
    return {
      layer: l + 1,
      start: s[0],
      atTopPeak: s[top.index],
      end: end ? end.train.layers[l].saturation[0].total : s[s.length - 1],
      peak: s[own],
      peakEpoch: epochs[own],
      lastEpochChange: t.change,
      trend: t.trend,
      endHeldOut: end ? end.heldOut.layers[l].saturation[0].total : h[h.length - 1],
      trendHeldOut: th.trend,
    };
  });
}

/** The probe record nearest to each of the given times (in epochs). */
export function nearestRecords(epochs: readonly number[], at: readonly number[]): number[] {
  return at.map((e) => epochs.reduce((best, x, i) => (Math.abs(x - e) < Math.abs(epochs[best] - e) ? i : best), 0));
}

// ------------------------------------------------------------------ §4 what learning uses: gradients over training

/** Per hidden layer (rows l = 1..L) over the probe times (columns), from the probe records of one probe set. */
export interface GradientSeries {
  readonly epochs: number[];
  /** Mean over points of ‖δ_{i,l}‖₂. */
  readonly delta: number[][];
  /** ‖∂L/∂W_l‖_F of the mean loss over the probe points: what an SGD step on them would move W_l by, per unit of η. */
  readonly weightGrad: number[][];
  /** ‖∂L/∂W_l‖_F / ‖W_l‖_F. */
  readonly gradToData: number[][];
  /** Rakitianskaia & Engelbrecht's ρ_B of the layer's outputs. */
  readonly rhoB: number[][];
  /** ‖ΔW_l‖/‖W_l‖ of the SGD step just before each probe (not at step 0), rows l = 1..L+1 (the output layer last). */
  readonly updateEpochs: number[];
  readonly updateToData: number[][];
}

export function gradientSeries(probes: Probes, set = 0): GradientSeries {
  const layers = probes[0].snapshots[set].layers;
  const need = (v: number | null, what: string): number => {
    if (v === null || !Number.isFinite(v))
      throw new ConfigError(`probe ${what}`, v, "probe records taken with gradients (lab.probe's default)");
    return v;
  };
  const rows = (f: (p: ProbeSnapshot["layers"][number]) => number) =>
    layers.map((_, l) => probes.map((p) => f(p.snapshots[set].layers[l])));
  const updates = probes.filter((p) => p.updateToData !== null);
  return {
    epochs: probes.map((p) => p.epoch),
    delta: rows((L) => need(L.deltaNorm, "deltaNorm")),
    weightGrad: rows((L) => need(L.weightGradNorm, "weightGradNorm")),
    gradToData: rows((L) => need(L.gradToData, "gradToData")),
    rhoB: rows((L) => need(L.rhoB, "rhoB")),
    updateEpochs: updates.map((p) => p.epoch),
    updateToData:
      updates.length === 0 ? [] : updates[0].updateToData!.map((_, l) => updates.map((p) => p.updateToData![l])),
  };
}

/**
 * ‖(1/n) Σ_i h_{i,l−1}ᵀ δ_{i,l}‖_F — the weight gradient of the mean loss, from
 * the activations below (n × dIn) and the errors of the layer (n × dOut):
 * what learning uses, written as the formula.
 */
export function weightGradientNorm(
  hPrev: ArrayLike<number>,
  delta: ArrayLike<number>,
  n: number,
  dIn: number,
  dOut: number,
): number {
  if (hPrev.length !== n * dIn || delta.length !== n * dOut)
    throw new ConfigError(
      "weightGradientNorm sizes",
      `${hPrev.length} and ${delta.length}`,
      `n × dIn = ${n * dIn} and n × dOut = ${n * dOut}`,
    );
  const g = new Float64Array(dIn * dOut);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < dIn; a++) {
      const h = hPrev[i * dIn + a];
      if (h === 0) continue;
      const row = a * dOut,
        o = i * dOut;
      for (let b = 0; b < dOut; b++) g[row + b] += h * delta[o + b];
    }
  }
  let s = 0;
  for (let k = 0; k < g.length; k++) s += g[k] * g[k];
  return Math.sqrt(s) / n;
}

/** Layer 1 over the top hidden layer of a per-layer series, at the start, at record `peak` and at the end. */
export function firstOverTop(rows: readonly number[][], peak: number): TimesOfRun {
  const top = rows[rows.length - 1],
    first = rows[0],
    last = first.length - 1;
  const r = (t: number) => first[t] / top[t];
  return { start: r(0), atTopPeak: r(peak), end: r(last) };
}

// ------------------------------------------------------------------ §5 the replay is the run

/** Where replay and cached run both recorded the network: how many such moments, and the largest difference of a layer mean. */
export function replayCheck(
  probes: Probes,
  trace: { readonly steps: readonly number[]; readonly layers: readonly { readonly mean: readonly number[] }[] },
): { moments: number; maxDiff: number } {
  let moments = 0,
    maxDiff = 0;
  for (const p of probes) {
    const t = trace.steps.indexOf(p.step);
    if (t < 0) continue;
    moments++;
    p.snapshots[0].layers.forEach((L, l) => {
      maxDiff = Math.max(maxDiff, Math.abs(L.mean - trace.layers[l].mean[t]));
    });
  }
  return { moments, maxDiff };
}

// ------------------------------------------------------------------ §6 per unit and per class

/**
 * A unit is "stuck" when it is saturated on one side on at least this share of the probe
 * points (passed to lab.probe as `stuckFraction`; its default is the same value).
 */
export const STUCK_FRACTION = 0.99;

/** Units saturated (on one side) on at least the probe's stuck fraction of the points, over all hidden layers. */
export function stuckUnits(p: ProbeSnapshot): { stuck: number; units: number } {
  return {
    stuck: p.layers.reduce((s, L) => s + (L.units ? L.units.stuckLow + L.units.stuckHigh : 0), 0),
    units: p.layers.reduce((s, L) => s + L.width, 0),
  };
}

/** Of all saturated entries (every layer, first ε), the share near the lower asymptote. */
export function lowShare(p: ProbeSnapshot): number {
  const low = p.layers.reduce((s, L) => s + L.saturation[0].low * L.width, 0);
  const total = p.layers.reduce((s, L) => s + L.saturation[0].total * L.width, 0);
  return total > 0 ? low / total : 0;
}

// ------------------------------------------------------------------ §8 the sensitivity sweep

/** What every sweep run shares; each row changes one thing. */
export interface SweepSettings {
  readonly width: number;
  readonly depth: number;
  readonly learningRate: number;
  readonly batchSize: number;
  readonly epochs: number;
  /** Epochs of the "length" row. */
  readonly longEpochs: number;
  /** Training images, at random from the training part of the split. */
  readonly trainLimit: number;
  /** Unseen training-file images of the split (the held-out probe points come from them). */
  readonly heldOut: number;
  readonly probePoints: number;
  /** Test-file images evaluated after each epoch (at random). */
  readonly testLimit: number;
}

export interface SweepRow {
  readonly key: string;
  readonly label: string;
  readonly params: Partial<QuestionParams>;
  /** Set when the row goes beyond what the literature did (said next to its numbers). */
  readonly ours?: string;
}

export function sweepRows(s: SweepSettings): SweepRow[] {
  return [
    {
      key: "question",
      label: `question recipe: ${s.depth} × ${s.width}, standard init, η = ${s.learningRate}, sigmoid, ${s.epochs} epochs`,
      params: {},
    },
    {
      key: "normalized",
      label: "init: normalized (Glorot & Bengio eq. 16)",
      params: { init: "normalized" },
      ours: "eq. 16 is derived for a symmetric activation with f′(0) = 1 and Table 1 has no sigmoid row with it: on the sigmoid it is our extension",
    },
    {
      key: "small-lr",
      label: `learning rate η = ${s.learningRate / 10}`,
      params: { learningRate: s.learningRate / 10 },
    },
    { key: "depth3", label: "depth 3", params: { depth: 3 } },
    { key: "depth8", label: "depth 8", params: { depth: 8 } },
    { key: "tanh", label: `tanh (saturated: |h| > 1 − ε), η = ${s.learningRate}`, params: { activation: "tanh" } },
    {
      key: "tanh-small-lr",
      label: `tanh, η = ${s.learningRate / 4}`,
      params: { activation: "tanh", learningRate: s.learningRate / 4 },
    },
    { key: "length", label: `length: ${s.longEpochs} epochs`, params: { epochs: s.longEpochs } },
  ];
}

/** A sweep run: the question recipe with a row's changes, on a random subset of the split's training images. */
export function sweepConfig(row: SweepRow, seed: number, s: SweepSettings): ExperimentConfig {
  const probePoints = Math.min(s.probePoints, Math.floor(s.trainLimit / 10), s.heldOut);
  const base: Partial<QuestionParams> = {
    width: s.width,
    depth: s.depth,
    learningRate: s.learningRate,
    batchSize: s.batchSize,
    epochs: s.epochs,
    trainLimit: s.trainLimit,
    heldOut: s.heldOut,
    probesPerEpoch: 1,
    probePoints,
  };
  const cfg = questionExperiment({ ...base, ...row.params, seed }, `02-sweep-${row.key}-seed${seed}`);
  return {
    ...cfg,
    data: { kind: "mnist", trainLimit: s.trainLimit, heldOut: s.heldOut, testLimit: s.testLimit },
    train: { ...cfg.train, evalTrainSize: Math.min(2000, s.trainLimit) },
  };
}

/** One sweep run, measured: saturation per layer, the flat share, mean f′ relative to its maximum, training − unseen gaps. */
export interface SweepSummary {
  readonly perLayer: number[];
  readonly flatPerLayer: number[];
  readonly derivative: number[];
  /** Training − unseen training-file probe points: per-point saturation averaged over layers, and the top layer's; the flat share averaged over layers. */
  readonly gap: MeanDifference;
  readonly gapTop: MeanDifference;
  readonly gapFlat: MeanDifference;
  readonly stuck: number;
  readonly units: number;
  readonly steps: number;
  readonly train: number;
  readonly test: number;
}

export function summarizeSweepRun(exp: Experiment, eps: number, boot: BootstrapOptions): SweepSummary {
  const a = perExampleStats(exp.model, exp.data.probeTrain, [eps]);
  const b = perExampleStats(exp.model, exp.data.probeHeldOut, [eps]);
  const avg = (s: PerExampleStats, f: (L: PerExampleStats["layers"][number]) => Float64Array) =>
    Float64Array.from({ length: s.n }, (_, i) => mean(s.layers.map((L) => f(L)[i])));
  const top = a.layers.length - 1;
  const last = exp.result.epochs[exp.result.epochs.length - 1];
  const units = stuckUnits(exp.result.probes[exp.result.probes.length - 1].snapshots[0]);
  return {
    perLayer: a.layers.map((L) => mean(L.saturated[0])),
    flatPerLayer: a.layers.map((L) => mean(L.flat)),
    derivative: a.layers.map((L) => mean(L.derivative) / exp.model.act.maxDerivative),
    gap: compareMeans(
      avg(a, (L) => L.saturated[0]),
      avg(b, (L) => L.saturated[0]),
      { ...boot, label: `${exp.config.name} all layers` },
    ),
    gapTop: compareMeans(a.layers[top].saturated[0], b.layers[top].saturated[0], {
      ...boot,
      label: `${exp.config.name} top layer`,
    }),
    gapFlat: compareMeans(
      avg(a, (L) => L.flat),
      avg(b, (L) => L.flat),
      { ...boot, label: `${exp.config.name} flat` },
    ),
    stuck: units.stuck,
    units: units.units,
    steps: exp.result.steps,
    train: last.train.accuracy,
    test: last.test!.accuracy,
  };
}

export interface SweepResult {
  readonly row: SweepRow;
  readonly seed: number;
  readonly config: ExperimentConfig;
  readonly summary: SweepSummary | null;
  /** Why the run has no summary (it diverged). */
  readonly failure: string | null;
}

/** Measure every sweep run the jobs trained (each loaded from the cache its job wrote); a diverged run keeps its failure. */
export async function summarizeSweep(
  runs: readonly { readonly row: SweepRow; readonly seed: number; readonly config: ExperimentConfig }[],
  outcomes: readonly JobOutcome[],
  eps: number,
  boot: BootstrapOptions,
): Promise<SweepResult[]> {
  if (runs.length !== outcomes.length)
    throw new ConfigError("sweep outcomes", outcomes.length, `one per run (${runs.length})`);
  const out: SweepResult[] = [];
  for (const [i, r] of runs.entries()) {
    const o = outcomes[i];
    if (!o.ok) {
      out.push({ ...r, summary: null, failure: o.failure.message });
      continue;
    }
    const exp = await runExperiment(r.config);
    try {
      out.push({ ...r, summary: summarizeSweepRun(exp, eps, boot), failure: null });
    } finally {
      exp.model.dispose();
      exp.initialModel.dispose();
    }
  }
  return out;
}

/** Across the sweep: the most saturated layer's share, min and max over runs; the all-layer gap, min and max. */
export function sweepFindings(runs: readonly SweepSummary[]): ActivationFindings["sweep"] {
  if (runs.length === 0) return { runs: 0, maxLayerMin: NaN, maxLayerMax: NaN, gapMin: NaN, gapMax: NaN };
  const most = runs.map((r) => Math.max(...r.perLayer)),
    gaps = runs.map((r) => r.gap.diff);
  return {
    runs: runs.length,
    maxLayerMin: Math.min(...most),
    maxLayerMax: Math.max(...most),
    gapMin: Math.min(...gaps),
    gapMax: Math.max(...gaps),
  };
}

// ------------------------------------------------------------------ findings for 06

export interface FindingsInputs {
  readonly q: Experiment;
  /** The end of training on the training and held-out probe points (endOfTraining), at `eps`. */
  readonly end: EndOfTraining;
  readonly cmp: SplitComparison;
  readonly primary: PrimaryComparison;
  readonly family: IntervalFamily;
  readonly unitTests: readonly UnitTestRow[];
  readonly slopes: { readonly mean: readonly number[]; readonly effective: readonly number[] };
  readonly sweep: readonly SweepSummary[];
  readonly rules?: BuildUpRules;
}

/** What 06 states the answer from: every field computed from this run. */
export function activationFindings(x: FindingsInputs): ActivationFindings {
  const probes = x.q.result.probes,
    last = x.q.result.epochs[x.q.result.epochs.length - 1];
  const eps = x.cmp.eps[0];
  const main = perLayer(x.cmp.main, "saturation", eps);
  const peak = topLayerPeak(probes);
  const g = gradientSeries(probes);
  const { stuck, units } = stuckUnits(x.end.train);
  const ivs = (rows: readonly SetComparison[]): Interval[] => rows.map(interval);
  const secondary = x.family.rows.filter((r) => r.role === "secondary");
  return {
    eps,
    depth: x.end.train.layers.length,
    testAccuracy: last.test!.accuracy,
    passes: last.epoch,
    saturationTrain: x.end.train.layers.map((L) => L.saturation[0].total),
    saturationHeldOut: x.end.heldOut.layers.map((L) => L.saturation[0].total),
    lowShare: lowShare(x.end.train),
    comparePoints: x.cmp.sets.train.n,
    trainMinusHeldOut: ivs(main),
    maxRelativeGap: maxRelativeGap(main),
    topPeak: { saturation: peak.saturation, epoch: peak.epoch, heldOutAccuracy: peak.heldOutAccuracy },
    stuckUnits: stuck,
    units,
    memorising: [],
    reference: [],
    sweep: sweepFindings(x.sweep),
    heldOutSource: "unseen images of MNIST's training file (the random split), never trained on",
    trainMinusHeldOutFlat: ivs(perLayer(x.cmp.main, "flat")),
    trainMinusTestFile: ivs(perLayer(x.cmp.trainMinusTest, "saturation", eps)),
    heldOutMinusTestFile: ivs(perLayer(x.cmp.heldOutMinusTest, "saturation", eps)),
    buildUp: layerBuildUp(probes, x.rules, x.end),
    gradientRatios: { delta: firstOverTop(g.delta, peak.index), weightGrad: firstOverTop(g.weightGrad, peak.index) },
    end: { step: x.end.step, steps: x.end.steps, source: x.end.source },
    primary: {
      eps: x.primary.eps,
      points: x.primary.n,
      level: x.primary.level,
      train: x.primary.meanA,
      heldOut: x.primary.meanB,
      interval: interval(x.primary),
      verdict: x.primary.verdict,
    },
    compareLevels: { train: main.map((r) => r.meanA), heldOut: main.map((r) => r.meanB) },
    secondary: {
      intervals: x.family.m,
      correction: "Bonferroni",
      adjustedLevel: x.family.adjustedLevel,
      excludeZero: secondary.filter((r) => excludesZero(r.raw)).length,
      excludeZeroAdjusted: secondary.filter((r) => excludesZero(r.adjusted)).length,
    },
    unitTests: x.unitTests.map((t) => ({
      layer: t.layer,
      maxAbs: t.maxAbs,
      nullMax95: t.nullMax95,
      pMaxAdjusted: t.pMaxAdjusted,
      shift: t.shift,
      pShiftAdjusted: t.pShiftAdjusted,
    })),
    derivative: { mean: [...x.slopes.mean], effective: [...x.slopes.effective] },
  };
}
