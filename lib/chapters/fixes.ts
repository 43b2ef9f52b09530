/**
 * The fixes proposed for deep sigmoid networks, each a named, typed config,
 * and everything notebook 05 needs to compare them at equal budget:
 *
 *   const setting = await settle(fixes.FIXES[3], 10, budget);   // resolve gains / per-layer rates
 *   const cfg = experimentConfig(setting, budget, { learningRate: 0.3, seed: 1 });
 *   const [outcome] = await runJobs([{ kind: "experiment", config: cfg }]);
 *   const run = summarizeRun(cfg, outcome, 0.9);
 *
 * A reader adds a fix by writing one more `Fix` object:
 *
 *   const mine: Fix = { id: "leaky-he", label: "Leaky ReLU, He init", group: "activation",
 *     claim: "…", citation: "…", activation: "leakyRelu", init: "he", optimizer: "sgd" };
 *
 * Baseline: sigmoid, standard init U[−1/√n, 1/√n], plain SGD (the question's network).
 */
import type { ActivationName } from "../core/activations";
import { cached } from "../run/cache";
import { ConfigError } from "../core/errors";
import { DataSpec, ExperimentConfig, buildModel, loadData } from "../run/experiment";
import type { InitSpec } from "../core/init";
import { inputOutputJacobian } from "../measure/jacobian";
import { findGain } from "../measure/isometry";
import { Mlp } from "../core/model";
import { probe } from "../measure/probe";
import { backward, meanDeltaNorms } from "../measure/deltas";
import type { EpochRecord } from "../core/train";
import type { Failure, JobOutcome } from "../run/job";
import { JOB_MODULE, TraceJob, ValidationJob, ValidationResult } from "./fixes-jobs";
import type { ExperimentRecord } from "../run/experiment";
import type { FixesFindings } from "../run/findings";
import { pct } from "../display/text";

export type { ValidationJob, ValidationResult, TraceJob, TraceResult, TracePoint } from "./fixes-jobs";
import { BASELINE, Fix } from "../run/fixes";

// ------------------------------------------------------------------ budget and settings

/** What every fix gets: the same data, network size, epochs and batch size. */
export interface Budget {
  readonly width: number;
  /** The first `trainLimit` MNIST training images. */
  readonly trainLimit: number;
  /** Test images (default all 10,000). */
  readonly testLimit?: number;
  readonly epochs: number;
  readonly batchSize: number;
  /** Points in each probe set (training and held-out). */
  readonly probePoints: number;
  /** Training images evaluated after each epoch (default 1,000). */
  readonly evalTrainSize?: number;
}

/** A fix made concrete at one depth: the init and layer rates it resolves to. */
export interface Setting {
  readonly fix: Fix;
  readonly depth: number;
  readonly init: InitSpec;
  readonly layerLearningRates?: readonly number[];
  /** How derived values were found, for the text. */
  readonly notes: readonly string[];
}

export function dataSpec(budget: Budget): DataSpec {
  return budget.testLimit ? { kind: "mnist", trainLimit: budget.trainLimit, testLimit: budget.testLimit } : { kind: "mnist", trainLimit: budget.trainLimit };
}

export function validateBudget(b: Budget): void {
  const posInt = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v > 0;
  for (const k of ["width", "trainLimit", "epochs", "batchSize", "probePoints"] as const) {
    if (!posInt(b[k])) throw new ConfigError(`budget.${k}`, b[k], "a positive integer");
  }
  if (b.trainLimit > 60_000) throw new ConfigError("budget.trainLimit", b.trainLimit, "at most 60,000 (MNIST's training set)");
}

/**
 * Resolve what a fix leaves open at this depth: the isometry gain of an
 * orthogonal init (numerically, from the input–output Jacobian) and
 * per-layer learning-rate multipliers (a formula, or measured at init).
 */
export async function settle(fix: Fix, depth: number, budget: Budget, opts: { cacheDir?: string } = {}): Promise<Setting> {
  validateBudget(budget);
  if (!(Number.isInteger(depth) && depth >= 1)) throw new ConfigError("depth", depth, "a positive integer");
  const notes: string[] = [];
  let init: InitSpec;
  if (typeof fix.init === "object" && fix.init.gain === "isometry") {
    const iso = await isometryGain({ activation: fix.activation, width: budget.width, depth, trainLimit: budget.trainLimit }, opts);
    init = { name: "orthogonal", gain: iso.gain };
    notes.push(`orthogonal gain ${iso.gain} (mean squared singular value of the input–output Jacobian ${iso.meanSquaredAtGain.toPrecision(3)} at init)`);
  } else {
    init = fix.init as InitSpec;
  }
  let layerLearningRates: number[] | undefined;
  if (fix.layerRates?.kind === "geometric") {
    layerLearningRates = geometricLayerRates(depth, fix.layerRates.base);
  } else if (fix.layerRates?.kind === "equalizeUpdateRatio") {
    const ratios = measureUpdateRatios({ ...fix, init }, depth, budget);
    layerLearningRates = equalizedLayerRates(ratios);
    notes.push(`multipliers from ‖∂L/∂W_l‖/‖W_l‖ at init (seed 1, ${budget.probePoints} training points)`);
  }
  return { fix, depth, init, layerLearningRates, notes };
}

/** m_l = base^(L−l) for hidden layers l = 1..L, and 1 for the output layer. */
export function geometricLayerRates(depth: number, base: number): number[] {
  if (!(Number.isInteger(depth) && depth >= 1)) throw new ConfigError("depth", depth, "a positive integer");
  if (!(Number.isFinite(base) && base > 0)) throw new ConfigError("base", base, "a positive number, e.g. 4");
  return [...Array.from({ length: depth }, (_, i) => base ** (depth - 1 - i)), 1];
}

/**
 * m_l = r_{L+1} / r_l from the update:data ratios r_l (layers 1..L+1), to 3
 * significant digits: the output layer keeps 1, and SGD's update:data
 * ratio becomes the same in every layer.
 */
export function equalizedLayerRates(ratios: readonly number[]): number[] {
  if (ratios.length < 2) throw new ConfigError("ratios", ratios, "one ratio per layer, hidden layers then the output layer");
  ratios.forEach((r, i) => {
    if (!(Number.isFinite(r) && r > 0)) throw new ConfigError(`ratios[${i}]`, r, "a positive finite number (a layer with zero gradient cannot be equalised)");
  });
  const top = ratios[ratios.length - 1];
  return ratios.map((r, i) => (i === ratios.length - 1 ? 1 : Number((top / r).toPrecision(3))));
}

/** ‖∂L/∂W_l‖ / ‖W_l‖ for layers 1..L+1 of the fix's seed-1 network at init, on the training probe points. */
export function measureUpdateRatios(fix: Fix & { init: InitSpec }, depth: number, budget: Budget): number[] {
  const cfg = experimentConfig({ fix, depth, init: fix.init, notes: [] }, budget, { learningRate: 1, seed: 1 });
  const data = loadData(cfg.data, budget.probePoints);
  const { model } = buildModel(cfg, data);
  try {
    const snap = probe(model, data.probeTrain);
    return [...snap.layers.map((l) => l.gradToData as number), (snap.output.weightGradNorm as number) / snap.output.weightNorm];
  } finally {
    model.dispose();
  }
}

/**
 * Mean ‖δ_l‖ = ‖∂ℓ_i/∂z_l‖ per hidden layer of the config's network at init,
 * on its training probe points, with batch norm in TRAINING mode (batch
 * statistics of those points). Probes run in eval mode, where an untrained
 * BN layer still holds its initial moving statistics (mean 0, variance 1)
 * and so does not normalise at all; this is what backprop sees at step 1.
 * For networks without BN it equals the probe's deltaNorm.
 */
export function trainingModeDeltaNorms(cfg: ExperimentConfig): number[] {
  const data = loadData(cfg.data, cfg.probePoints ?? 1000);
  const { model } = buildModel(cfg, data);
  try {
    return meanDeltaNorms(backward(model, data.probeTrain, { training: true })).slice(0, model.depth);
  } finally {
    model.dispose();
  }
}

// ------------------------------------------------------------------ isometry

export interface IsometryPoint {
  readonly gain: number;
  /** Mean over inputs of the mean squared singular value of J = ∂h_L/∂x. */
  readonly meanSquared: number;
  /** Mean over inputs of (largest singular value)² / mean squared singular value: 1 at perfect isometry. */
  readonly spread: number;
}

export interface IsometryResult {
  readonly gain: number;
  readonly meanSquaredAtGain: number;
  readonly spreadAtGain: number;
  /** Every gain evaluated, sorted by gain. */
  readonly curve: IsometryPoint[];
}

export interface IsometryOptions {
  readonly activation: ActivationName;
  readonly width: number;
  readonly depth: number;
  /** Inputs are the first `inputs` MNIST training images (default 3). */
  readonly inputs?: number;
  readonly trainLimit?: number;
  readonly seed?: number;
}

/** The Jacobian statistics of an orthogonal net at one gain. */
export function isometryAt(opts: IsometryOptions, gain: number): IsometryPoint {
  const inputs = opts.inputs ?? 3;
  const data = loadData({ kind: "mnist", trainLimit: Math.max(inputs, opts.trainLimit ?? inputs) }, Math.min(inputs, 10));
  const model = new Mlp({ inputDim: 784, outputDim: 10, widths: Array.from({ length: opts.depth }, () => opts.width), activation: opts.activation, init: { name: "orthogonal", gain }, seed: opts.seed ?? 1 });
  try {
    let ms = 0, spread = 0;
    for (let i = 0; i < inputs; i++) {
      const j = inputOutputJacobian(model, data.train.x.subarray(i * 784, (i + 1) * 784));
      ms += j.meanSquared / inputs;
      spread += (j.singularValues[0] ** 2 / j.meanSquared) / inputs;
    }
    return { gain, meanSquared: ms, spread };
  } finally {
    model.dispose();
  }
}

/**
 * The gain g of an orthogonal init at which the mean squared singular value
 * of the input–output Jacobian at init is 1 (Pennington et al. 2017's
 * criterion), found numerically: a scan over g = 2^(k/2), then bisection in
 * log g between the two gains that bracket 1. Rounded to 3 digits; cached.
 */
export async function isometryGain(opts: IsometryOptions, cacheOpts: { cacheDir?: string } = {}): Promise<IsometryResult> {
  const key = { isometry: { ...opts, inputs: opts.inputs ?? 3, seed: opts.seed ?? 1, trainLimit: undefined } };
  const r = await cached<IsometryResult>(`isometry-${opts.activation}-${opts.width}x${opts.depth}`, key, async () => ({ value: searchIsometry(opts), arrays: {} }), { dir: cacheOpts.cacheDir });
  return r.value;
}

/** The scan 2^(k/2), k = 0..14, then 8 bisection steps (lib/measure/isometry's findGain), rounded to 3 digits. */
function searchIsometry(opts: IsometryOptions): IsometryResult {
  const curve: IsometryPoint[] = [];
  const at = (g: number) => {
    const p = isometryAt(opts, g);
    curve.push(p);
    return p;
  };
  const grid = Array.from({ length: 15 }, (_, k) => 2 ** (k / 2));
  const found = findGain((g) => at(g).meanSquared, 1, grid, 8);
  const gain = Number(found.gain.toPrecision(3));
  const final = at(gain);
  curve.sort((a, b) => a.gain - b.gain);
  return { gain, meanSquaredAtGain: final.meanSquared, spreadAtGain: final.spread, curve };
}

// ------------------------------------------------------------------ configs and jobs

export interface RunSpec {
  readonly learningRate: number;
  readonly seed: number;
}

/** The experiment of a settled fix under the budget; probes at init and at the end only. */
export function experimentConfig(s: Setting, budget: Budget, run: RunSpec): ExperimentConfig {
  validateBudget(budget);
  const stepsPerEpoch = Math.floor(budget.trainLimit / budget.batchSize);
  const train: ExperimentConfig["train"] = {
    epochs: budget.epochs,
    batchSize: budget.batchSize,
    optimizer: { kind: s.fix.optimizer, learningRate: run.learningRate },
    seed: run.seed,
    probeEverySteps: stepsPerEpoch * budget.epochs,
    evalTrainSize: Math.min(budget.evalTrainSize ?? 1000, budget.trainLimit),
    ...(s.layerLearningRates ? { layerLearningRates: [...s.layerLearningRates] } : {}),
  };
  return {
    name: `fixes-${s.fix.id}-${budget.width}x${s.depth}-s${run.seed}`,
    data: dataSpec(budget),
    model: {
      widths: Array.from({ length: s.depth }, () => budget.width),
      activation: s.fix.activation,
      init: s.init,
      seed: run.seed,
      ...(s.fix.batchNorm ? { batchNorm: true } : {}),
      ...(s.fix.residual ? { residual: true } : {}),
    },
    train,
    probePoints: budget.probePoints,
  };
}

/** The learning-rate rule, the same for every fix. */
export interface SweepSpec {
  /** Training images held out of the budget's training subset for validation. */
  readonly validationSize: number;
  /** Epochs over the remaining training images before scoring (1 in the notebook). */
  readonly epochs: number;
  readonly seed: number;
  readonly sgd: readonly number[];
  readonly adam: readonly number[];
}

export function learningRateGrid(fix: Fix, sweep: SweepSpec): readonly number[] {
  return fix.optimizer === "adam" ? sweep.adam : sweep.sgd;
}

/** One validation job per learning rate of the grid. */
export function sweepJobs(s: Setting, budget: Budget, sweep: SweepSpec): ValidationJob[] {
  if (!(Number.isInteger(sweep.validationSize) && sweep.validationSize > 0 && sweep.validationSize < budget.trainLimit)) {
    throw new ConfigError("sweep.validationSize", sweep.validationSize, `an integer in 1..${budget.trainLimit - 1}`);
  }
  return learningRateGrid(s.fix, sweep).map((lr) => {
    const base = experimentConfig(s, { ...budget, epochs: sweep.epochs }, { learningRate: lr, seed: sweep.seed });
    const config: ExperimentConfig = { ...base, name: `fixes-sweep-${s.fix.id}-${budget.width}x${s.depth}-lr${lr}`, train: { ...base.train, probeEverySteps: undefined } };
    return { kind: "validation", module: JOB_MODULE, config, validationSize: sweep.validationSize, splitSeed: sweep.seed };
  });
}

export interface SweepPoint {
  readonly learningRate: number;
  /** NaN when the run diverged. */
  readonly accuracy: number;
  readonly loss: number;
  readonly diverged: boolean;
}

/**
 * The rule: the highest validation accuracy; ties (within 0.1 point) go to
 * the lower validation loss. Diverged runs never win unless every run diverged
 * (then the smallest learning rate is returned).
 */
export function chooseLearningRate(points: readonly SweepPoint[]): number {
  if (points.length === 0) throw new ConfigError("sweep points", points, "at least one point");
  const ok = points.filter((p) => !p.diverged && Number.isFinite(p.accuracy));
  if (ok.length === 0) return Math.min(...points.map((p) => p.learningRate));
  const bestAcc = Math.max(...ok.map((p) => p.accuracy));
  const tied = ok.filter((p) => p.accuracy >= bestAcc - 0.001);
  return tied.reduce((a, b) => (b.loss < a.loss ? b : a)).learningRate;
}

export function sweepPoints(jobs: readonly ValidationJob[], outcomes: readonly JobOutcome[]): SweepPoint[] {
  return jobs.map((j, i) => {
    const o = outcomes[i];
    const lr = j.config.train.optimizer.learningRate;
    if (!o.ok) return { learningRate: lr, accuracy: NaN, loss: NaN, diverged: true };
    const v = o.value as ValidationResult;
    return { learningRate: lr, accuracy: v.accuracy, loss: v.loss, diverged: false };
  });
}

// ------------------------------------------------------------------ batch-norm figure

export interface BnFigureSpec {
  readonly widths: readonly number[];
  readonly batchSize: number;
  readonly steps: number;
  readonly every: number;
  readonly trainLimit: number;
  readonly learningRate: { readonly plain: number; readonly batchNorm: number };
  readonly seed: number;
  readonly testPoints: number;
  readonly tracePoints: number;
  readonly init: InitSpec;
}

/** The two networks of Ioffe & Szegedy's Figure 1, as fixes (for the learning-rate rule). */
export function bnFigureFixes(init: InitSpec): { plain: Fix; batchNorm: Fix } {
  const common = { group: "training and architecture" as const, citation: "Ioffe & Szegedy 2015, Figure 1", activation: "sigmoid" as const, init, optimizer: "sgd" as const };
  return {
    plain: { ...common, id: "bnfig-plain", label: "3 × 100 sigmoid, no BN", claim: "Ioffe & Szegedy's baseline." },
    batchNorm: { ...common, id: "bnfig-bn", label: "3 × 100 sigmoid with BN", claim: "Ioffe & Szegedy's BN network.", batchNorm: true },
  };
}

/** Trace jobs for both networks: test accuracy and the 15/50/85th percentiles of one top-layer unit's input. */
export function bnFigureJobs(spec: BnFigureSpec, probePoints: number): { plain: TraceJob; batchNorm: TraceJob } {
  const make = (bn: boolean): TraceJob => ({
    kind: "trace",
    module: JOB_MODULE,
    config: {
      name: `fixes-bnfig-${bn ? "bn" : "plain"}`,
      data: { kind: "mnist", trainLimit: spec.trainLimit },
      model: { widths: [...spec.widths], activation: "sigmoid", init: spec.init, seed: spec.seed, ...(bn ? { batchNorm: true } : {}) },
      train: { epochs: 1, batchSize: spec.batchSize, optimizer: { kind: "sgd", learningRate: bn ? spec.learningRate.batchNorm : spec.learningRate.plain }, seed: spec.seed },
      probePoints,
    },
    steps: spec.steps,
    every: spec.every,
    layer: spec.widths.length,
    unit: 0,
    testPoints: spec.testPoints,
    tracePoints: spec.tracePoints,
    percentiles: [15, 50, 85],
  });
  return { plain: make(false), batchNorm: make(true) };
}

// ------------------------------------------------------------------ summaries

export interface CurvePoint {
  readonly epoch: number;
  readonly testAccuracy: number;
  readonly trainSeconds: number;
}

export interface RunSummary {
  readonly name: string;
  readonly depth: number;
  readonly seed: number;
  readonly learningRate: number;
  /** Why the run stopped early (divergence); null when it finished. */
  readonly failure: Failure | null;
  /** Test accuracy after the last epoch (NaN when the run diverged). */
  readonly testAccuracy: number;
  readonly curve: readonly CurvePoint[];
  readonly stepLosses: readonly number[];
  /**
   * When test accuracy first reached the target, in epochs and in training seconds,
   * interpolated linearly between the evaluations that bracket it (after each epoch,
   * and before training on the held-out probe points); null if it never did.
   */
  readonly epochsToTarget: number | null;
  readonly secondsToTarget: number | null;
  /** Per hidden layer at the end, on the training probe points: fraction of entries within ε of an asymptote; null if the activation has none. */
  readonly saturation: readonly number[] | null;
  readonly saturationEps: number | null;
  /** Mean f'(z) per hidden layer at the end. */
  readonly derivativeMean: readonly number[];
  /** Mean ‖δ_l‖ = ‖∂ℓ/∂z_l‖ per hidden layer, at init and at the end (training probe points). */
  readonly deltaNormInit: readonly number[];
  readonly deltaNormEnd: readonly number[];
  /** ‖δ_1‖ / ‖δ_L‖: first over last hidden layer. */
  readonly gradRatioInit: number;
  readonly gradRatioEnd: number;
  readonly trainSeconds: number;
}

/** The numbers the comparison needs from one run (or its failure). */
export function summarizeRun(config: ExperimentConfig, outcome: JobOutcome, targetAccuracy: number, opts: { deltaNormInit?: readonly number[] } = {}): RunSummary {
  const base = { name: config.name, depth: config.model.widths.length, seed: config.train.seed, learningRate: config.train.optimizer.learningRate };
  if (!outcome.ok) {
    return { ...base, failure: outcome.failure, testAccuracy: NaN, curve: [], stepLosses: [], epochsToTarget: null, secondsToTarget: null, saturation: null, saturationEps: null, derivativeMean: [], deltaNormInit: [], deltaNormEnd: [], gradRatioInit: NaN, gradRatioEnd: NaN, trainSeconds: NaN };
  }
  const r = (outcome.value as ExperimentRecord).result;
  const curve = r.epochs.map((e: EpochRecord) => ({ epoch: e.epoch, testAccuracy: e.test ? e.test.accuracy : NaN, trainSeconds: e.trainSeconds }));
  const start = r.probes[0]?.snapshots[1]?.accuracy ?? 0.1;
  const reach = timeToTarget([{ epoch: 0, testAccuracy: start, trainSeconds: 0 }, ...curve], targetAccuracy);
  const first = r.probes[0].snapshots[0], last = r.probes[r.probes.length - 1].snapshots[0];
  const deltaInit = opts.deltaNormInit ? [...opts.deltaNormInit] : first.layers.map((l) => l.deltaNorm ?? NaN), deltaEnd = last.layers.map((l) => l.deltaNorm ?? NaN);
  const hasSat = last.layers[0].saturation.length > 0;
  return {
    ...base,
    failure: null,
    testAccuracy: curve[curve.length - 1].testAccuracy,
    curve,
    stepLosses: r.stepLosses,
    epochsToTarget: reach ? reach.epochs : null,
    secondsToTarget: reach ? reach.seconds : null,
    saturation: hasSat ? last.layers.map((l) => l.saturation[0].total) : null,
    saturationEps: hasSat ? last.layers[0].saturation[0].eps : null,
    derivativeMean: last.layers.map((l) => l.derivativeMean),
    deltaNormInit: deltaInit,
    deltaNormEnd: deltaEnd,
    gradRatioInit: deltaInit[0] / deltaInit[deltaInit.length - 1],
    gradRatioEnd: deltaEnd[0] / deltaEnd[deltaEnd.length - 1],
    trainSeconds: r.trainSeconds,
  };
}

/** First crossing of `target` by a piecewise-linear accuracy curve, in epochs and seconds; null if none. */
export function timeToTarget(points: readonly CurvePoint[], target: number): { epochs: number; seconds: number } | null {
  for (let k = 0; k < points.length; k++) {
    const b = points[k];
    if (!(b.testAccuracy >= target)) continue;
    if (k === 0) return { epochs: b.epoch, seconds: b.trainSeconds };
    const a = points[k - 1];
    const t = b.testAccuracy === a.testAccuracy ? 1 : Math.min(1, Math.max(0, (target - a.testAccuracy) / (b.testAccuracy - a.testAccuracy)));
    return { epochs: a.epoch + t * (b.epoch - a.epoch), seconds: a.trainSeconds + t * (b.trainSeconds - a.trainSeconds) };
  }
  return null;
}

export interface MeanStd {
  readonly mean: number;
  readonly std: number;
  readonly n: number;
}

/** Mean and sample standard deviation (n − 1) of the finite values; NaN mean when there are none. */
export function meanStd(xs: readonly number[]): MeanStd {
  const v = xs.filter((x) => Number.isFinite(x));
  const n = v.length;
  if (n === 0) return { mean: NaN, std: NaN, n: 0 };
  const mean = v.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std, n };
}

/** Geometric mean and the standard deviation of log10 (ratios spanning orders of magnitude). */
export function geoMeanStd(xs: readonly number[]): { geoMean: number; log10Std: number; n: number } {
  const logs = xs.filter((x) => Number.isFinite(x) && x > 0).map(Math.log10);
  const m = meanStd(logs);
  return { geoMean: 10 ** m.mean, log10Std: m.std, n: m.n };
}

export interface FixResult {
  readonly fix: Fix;
  readonly depth: number;
  readonly learningRate: number;
  readonly runs: readonly RunSummary[];
  readonly diverged: number;
  /** Test error in percent over the runs that finished. */
  readonly testErrorPercent: MeanStd;
  readonly testAccuracy: MeanStd;
  /** Runs that reached the target accuracy, and epochs / seconds to it among those. */
  readonly reached: number;
  readonly epochsToTarget: MeanStd;
  readonly secondsToTarget: MeanStd;
  /** Mean over seeds, per hidden layer; null when the activation has no asymptotes. */
  readonly saturation: number[] | null;
  readonly derivativeMean: number[];
  readonly deltaNormInit: number[];
  readonly deltaNormEnd: number[];
  readonly gradRatioInit: { geoMean: number; log10Std: number; n: number };
  readonly gradRatioEnd: { geoMean: number; log10Std: number; n: number };
  /** Test accuracy per epoch: mean and std over the runs that finished. */
  readonly curve: { epoch: number; mean: number; std: number }[];
}

function perLayerMean(rows: readonly (readonly number[])[], geometric = false): number[] {
  if (rows.length === 0) return [];
  return rows[0].map((_, l) => {
    const col = rows.map((r) => r[l]);
    return geometric ? geoMeanStd(col).geoMean : meanStd(col).mean;
  });
}

export function aggregate(fix: Fix, runs: readonly RunSummary[]): FixResult {
  if (runs.length === 0) throw new ConfigError("runs", runs, "at least one run");
  const done = runs.filter((r) => r.failure === null);
  const reachedRuns = done.filter((r) => r.epochsToTarget !== null);
  const epochs = done.length > 0 ? done[0].curve.map((c) => c.epoch) : [];
  return {
    fix,
    depth: runs[0].depth,
    learningRate: runs[0].learningRate,
    runs,
    diverged: runs.length - done.length,
    testErrorPercent: meanStd(done.map((r) => 100 * (1 - r.testAccuracy))),
    testAccuracy: meanStd(done.map((r) => r.testAccuracy)),
    reached: reachedRuns.length,
    epochsToTarget: meanStd(reachedRuns.map((r) => r.epochsToTarget as number)),
    secondsToTarget: meanStd(reachedRuns.map((r) => r.secondsToTarget as number)),
    saturation: done.length > 0 && done[0].saturation ? perLayerMean(done.map((r) => r.saturation as number[])) : null,
    derivativeMean: perLayerMean(done.map((r) => r.derivativeMean)),
    deltaNormInit: perLayerMean(done.map((r) => r.deltaNormInit), true),
    deltaNormEnd: perLayerMean(done.map((r) => r.deltaNormEnd), true),
    gradRatioInit: geoMeanStd(done.map((r) => r.gradRatioInit)),
    gradRatioEnd: geoMeanStd(done.map((r) => r.gradRatioEnd)),
    curve: epochs.map((epoch, k) => {
      const m = meanStd(done.map((r) => r.curve[k]?.testAccuracy ?? NaN));
      return { epoch, mean: m.mean, std: m.std };
    }),
  };
}

/** Mean over layers of a per-layer list (NaN for an empty or null list). */
export function layerAverage(xs: readonly number[] | null): number {
  return xs && xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}

/** Moving average over `window` steps, sampled every `stride` steps (for loss curves). */
export function smoothed(xs: readonly number[], window: number, stride: number): { step: number; value: number }[] {
  const out: { step: number; value: number }[] = [];
  let s = 0;
  for (let i = 0; i < xs.length; i++) {
    s += xs[i];
    if (i >= window) s -= xs[i - window];
    const n = Math.min(i + 1, window);
    if ((i + 1) % stride === 0 || i === xs.length - 1) out.push({ step: i + 1, value: s / n });
  }
  return out;
}

// ------------------------------------------------------------------ table rows and formatting

export function fmtMeanStd(m: MeanStd, digits = 2): string {
  if (m.n === 0 || !Number.isFinite(m.mean)) return "—";
  return m.n > 1 ? `${m.mean.toFixed(digits)} ± ${m.std.toFixed(digits)}` : m.mean.toFixed(digits);
}

export function fmtRatio(x: number): string {
  if (!Number.isFinite(x)) return "—";
  if (x === 0) return "0";
  return x >= 0.01 && x < 1000 ? x.toPrecision(2) : x.toExponential(1);
}

export function fmtLayers(xs: readonly number[] | null, scale = 1, digits = 0): string {
  if (!xs || xs.length === 0) return "—";
  return xs.map((x) => (Number.isFinite(x) ? (scale * x).toFixed(digits) : "·")).join(" ");
}

/** "mean% (max m% in layer k)" of a per-layer fraction list; "—" for null. */
export function fmtSaturation(xs: readonly number[] | null): string {
  if (!xs || xs.length === 0) return "—";
  if (Math.max(...xs) < 0.0005) return "0.0";
  const k = xs.reduce((best, x, i) => (x > xs[best] ? i : best), 0);
  return `${(100 * layerAverage(xs)).toFixed(1)} (max ${(100 * xs[k]).toFixed(1)} in layer ${k + 1})`;
}

/** One row of the comparison table (plain cells, e.g. for a danfo DataFrame); per-layer detail is in the heatmaps. */
export function comparisonRow(r: FixResult, targetAccuracy: number): Record<string, string | number> {
  const seeds = r.runs.length;
  const t = `${(100 * targetAccuracy).toFixed(0)}%`;
  const f = r.derivativeMean;
  return {
    fix: r.fix.label,
    L: r.depth,
    "learning rate": String(r.learningRate),
    "test error (%)": fmtMeanStd(r.testErrorPercent, 1) + (r.diverged ? ` (${r.diverged}/${seeds} diverged)` : ""),
    [`epochs to ${t}`]: r.reached === 0 ? `never (0/${seeds})` : `${fmtMeanStd(r.epochsToTarget, 2)}${r.reached < seeds ? ` (${r.reached}/${seeds})` : ""}`,
    [`seconds to ${t}`]: r.reached === 0 ? "—" : fmtMeanStd(r.secondsToTarget, 1),
    "saturated entries (%), mean over layers": fmtSaturation(r.saturation),
    "mean f′(z), layer 1 → L": f.length === 0 ? "—" : `${f[0].toFixed(2)} → ${f[f.length - 1].toFixed(2)}`,
    "‖δ₁‖/‖δ_L‖ at init": fmtRatio(r.gradRatioInit.geoMean),
    "‖δ₁‖/‖δ_L‖ at end": fmtRatio(r.gradRatioEnd.geoMean),
  };
}

// ------------------------------------------------------------------ verdicts and closing prose

export interface VerdictOptions {
  readonly shallow: number;
  readonly deep: number;
  readonly targetAccuracy: number;
  /** A network "trains" when its mean test accuracy reaches this (default 0.5) … */
  readonly trainsAt?: number;
  /** … and "fails to train" below this (default 0.2; chance is 0.1). */
  readonly failsBelow?: number;
  /** Gradient flow counts as restored when ‖δ₁‖/‖δ_L‖ at init is within this factor of 1 (default 10). */
  readonly flowFactor?: number;
}

export interface Verdict {
  readonly fix: Fix;
  readonly shallow: FixResult;
  readonly deep: FixResult;
  readonly trainsDeep: boolean;
  readonly failsDeep: boolean;
  /** null when the activation cannot saturate on both sides. */
  readonly removesSaturation: boolean | null;
  /** Ends with at least twice the baseline's saturated fraction, and at least 5% of entries saturated. */
  readonly addsSaturation: boolean;
  /** Mean saturated fraction over layers, averaged over both depths (null: no asymptotes). */
  readonly saturation: number | null;
  readonly restoresFlow: boolean;
  /** Reaches the target at the shallow depth sooner than the baseline (or where the baseline never does). */
  readonly faster: boolean;
}

/** Below this mean saturated fraction the baseline has no saturation worth removing. */
export const MIN_SATURATION = 0.01;

export function verdicts(results: readonly FixResult[], opts: VerdictOptions): { baseline: { shallow: FixResult; deep: FixResult }; verdicts: Verdict[] } {
  const find = (id: string, depth: number) => {
    const r = results.find((x) => x.fix.id === id && x.depth === depth);
    if (!r) throw new ConfigError("results", `${id} at depth ${depth}`, "a result for every fix at both depths");
    return r;
  };
  const trainsAt = opts.trainsAt ?? 0.5, failsBelow = opts.failsBelow ?? 0.2, flow = opts.flowFactor ?? 10;
  const base = { shallow: find(BASELINE.id, opts.shallow), deep: find(BASELINE.id, opts.deep) };
  const baseSat = (layerAverage(base.shallow.saturation) + layerAverage(base.deep.saturation)) / 2;
  const baseEpochs = base.shallow.reached === base.shallow.runs.length ? base.shallow.epochsToTarget.mean : Infinity;
  const ids = [...new Set(results.map((r) => r.fix.id))].filter((id) => id !== BASELINE.id);
  const out = ids.map((id): Verdict => {
    const shallow = find(id, opts.shallow), deep = find(id, opts.deep);
    const accDeep = deep.testAccuracy.n > 0 ? deep.testAccuracy.mean : 0;
    const sat = shallow.saturation && deep.saturation ? (layerAverage(shallow.saturation) + layerAverage(deep.saturation)) / 2 : null;
    const ratio = deep.gradRatioInit.geoMean;
    const allReached = shallow.reached === shallow.runs.length && shallow.reached > 0;
    return {
      fix: shallow.fix,
      shallow,
      deep,
      trainsDeep: deep.diverged === 0 && accDeep >= trainsAt,
      failsDeep: deep.diverged > 0 || accDeep < failsBelow,
      removesSaturation: sat === null ? null : baseSat >= MIN_SATURATION && sat <= 0.5 * baseSat,
      addsSaturation: sat !== null && sat >= 0.05 && sat >= 2 * baseSat,
      saturation: sat,
      restoresFlow: Number.isFinite(ratio) && ratio >= 1 / flow && ratio <= flow,
      faster: allReached && shallow.epochsToTarget.mean < baseEpochs,
    };
  });
  return { baseline: base, verdicts: out };
}


function accText(r: FixResult): string {
  if (r.diverged === r.runs.length) return `diverged in all ${r.runs.length} runs`;
  const m = r.testAccuracy;
  return `${pct(m.mean)}${m.n > 1 ? ` ± ${(100 * m.std).toFixed(1)}` : ""} test accuracy${r.diverged ? ` (${r.diverged} of ${r.runs.length} runs diverged)` : ""}`;
}

/** Closing paragraphs, generated from the results (markdown: **bold** only). */
export function closingProse(results: readonly FixResult[], opts: VerdictOptions): string[] {
  const { baseline, verdicts: vs } = verdicts(results, opts);
  const D = opts.deep, S = opts.shallow;
  const list = (xs: Verdict[], f: (v: Verdict) => string) => (xs.length === 0 ? "none" : xs.map(f).join("; "));
  const satOf = (r: FixResult) => pct(layerAverage(r.saturation));
  const paras: string[] = [];
  paras.push(
    `**The baseline.** Sigmoid with standard init and plain SGD reaches ${accText(baseline.shallow)} at depth ${S} and ${accText(baseline.deep)} at depth ${D} within the budget; ` +
      `${pct(layerAverage(baseline.shallow.saturation))} (depth ${S}) and ${pct(layerAverage(baseline.deep.saturation))} (depth ${D}) of its hidden entries on training points end within ε of 0 or 1 (mean over layers), ` +
      `and at init the first hidden layer receives ${fmtRatio(baseline.deep.gradRatioInit.geoMean)} of the last hidden layer's gradient norm at depth ${D} (${fmtRatio(baseline.shallow.gradRatioInit.geoMean)} at depth ${S}).`,
  );
  const sat = vs.filter((v) => v.removesSaturation === true);
  const added = vs.filter((v) => v.addsSaturation);
  const cannot = vs.filter((v) => v.removesSaturation === null);
  const baseSat = (layerAverage(baseline.shallow.saturation) + layerAverage(baseline.deep.saturation)) / 2;
  const satList = (xs: Verdict[]) => list(xs, (v) => `${v.fix.label} (${satOf(v.shallow)} at depth ${S}, ${satOf(v.deep)} at depth ${D})`);
  paras.push(
    (baseSat >= MIN_SATURATION
      ? `**Remove saturation** (mean saturated fraction over layers, averaged over both depths, at most half the baseline's ${pct(baseSat)}): ${satList(sat)}.`
      : `**Remove saturation:** there is nothing to remove — the baseline ends with ${pct(baseSat)} of its entries within ε of 0 or 1 (mean over layers and both depths), so within this budget the plateau is not made of saturated units.`) +
      ` **Add saturation** (at least twice the baseline's fraction, and at least 5% of entries): ${satList(added)}.` +
      (cannot.length ? ` ${cannot.map((v) => v.fix.label).join(", ")} cannot saturate on both sides, so the question does not apply.` : ""),
  );
  const flow = vs.filter((v) => v.restoresFlow);
  paras.push(
    `**Restore gradient flow** (‖δ₁‖/‖δ_L‖ at init within a factor ${opts.flowFactor ?? 10} of 1 at depth ${D}, baseline ${fmtRatio(baseline.deep.gradRatioInit.geoMean)}): ${list(flow, (v) => `${v.fix.label} (${fmtRatio(v.deep.gradRatioInit.geoMean)} at init, ${fmtRatio(v.deep.gradRatioEnd.geoMean)} at the end)`)}.`,
  );
  const speedOnly = vs.filter((v) => v.faster && !v.restoresFlow && v.removesSaturation !== true);
  paras.push(
    `**Only speed up training** (reach ${(100 * opts.targetAccuracy).toFixed(0)}% at depth ${S} sooner than the baseline${baseline.shallow.reached === 0 ? ", which never reaches it" : ""}, without removing saturation or restoring gradient flow at init): ${list(speedOnly, (v) => `${v.fix.label} (${fmtMeanStd(v.shallow.epochsToTarget, 2)} epochs; ${accText(v.deep)} at depth ${D})`)}.`,
  );
  const trains = vs.filter((v) => v.trainsDeep);
  const fails = vs.filter((v) => v.failsDeep);
  paras.push(`**Train the deep net** (depth ${D}, mean test accuracy ≥ ${pct(opts.trainsAt ?? 0.5)}): ${list(trains, (v) => `${v.fix.label} (${accText(v.deep)})`)}.`);
  const sigmoidFails = fails.filter((v) => v.fix.activation === "sigmoid");
  paras.push(
    `**Fail at depth ${D}** (below ${pct(opts.failsBelow ?? 0.2)}, chance is 10%): ${list(fails, (v) => `${v.fix.label} (${accText(v.deep)})`)}.` +
      (sigmoidFails.length ? ` Of these, ${sigmoidFails.length} ${sigmoidFails.length === 1 ? "keeps" : "keep"} the sigmoid: ${sigmoidFails.map((v) => v.fix.label).join(", ")}.` : ""),
  );
  const trained = results.filter((r) => r.saturation && r.testAccuracy.n > 0 && r.testAccuracy.mean >= opts.targetAccuracy);
  if (trained.length > 0) {
    const by = (r: FixResult) => layerAverage(r.saturation);
    const lo = trained.reduce((a, b) => (by(b) < by(a) ? b : a)), hi = trained.reduce((a, b) => (by(b) > by(a) ? b : a));
    const peak = trained.reduce((a, b) => (Math.max(...(b.saturation as number[])) > Math.max(...(a.saturation as number[])) ? b : a));
    const peakLayer = (peak.saturation as number[]).indexOf(Math.max(...(peak.saturation as number[]))) + 1;
    const spread = by(hi) - by(lo);
    paras.push(
      `**Back to the question.** Of the ${trained.length} trained networks here (configuration and depth pairs that reach ${pct(opts.targetAccuracy)} mean test accuracy, with an activation that has two asymptotes), the fraction of hidden entries within ε of them on training points ranges from ${pct(by(lo))} (${lo.fix.label}, depth ${lo.depth}) to ${pct(by(hi))} (${hi.fix.label}, depth ${hi.depth}), mean over layers; the most saturated single layer is layer ${peakLayer} of ${peak.fix.label} at depth ${peak.depth} (${pct(Math.max(...(peak.saturation as number[])))}). ` +
        (spread >= 0.2
          ? "Whether trained hidden entries sit near the ends therefore depends on how the network was set up and trained, not on training as such."
          : "Across these recipes the trained hidden entries are saturated to a similar degree."),
    );
  }
  const lsuv = vs.find((v) => v.fix.id === "lsuv");
  if (lsuv) {
    const verdict = lsuv.trainsDeep ? "**does** train" : lsuv.failsDeep ? "does **not** train" : "only partly trains";
    paras.push(`**LSUV on the deep sigmoid net** ${verdict} it within this budget: ${accText(lsuv.deep)} at depth ${D} (baseline ${accText(baseline.deep)}), with ${fmtRatio(lsuv.deep.gradRatioInit.geoMean)} of the top layer's gradient norm reaching layer 1 at init.`);
  }
  return paras;
}

/** The comparison boiled down for notebook 06 (see lib/findings). */
export function fixesFindings(results: readonly FixResult[], opts: VerdictOptions, budget: Budget, seeds: number): FixesFindings {
  const { verdicts: vs } = verdicts(results, opts);
  const ids = (f: (v: Verdict) => boolean) => vs.filter(f).map((v) => v.fix.id);
  return {
    shallow: opts.shallow,
    deep: opts.deep,
    width: budget.width,
    epochs: budget.epochs,
    trainImages: budget.trainLimit,
    seeds,
    rows: results.map((r) => ({
      id: r.fix.id,
      label: r.fix.label,
      activation: r.fix.activation,
      depth: r.depth,
      learningRate: r.learningRate,
      runs: r.runs.length,
      diverged: r.diverged,
      testErrorPercent: r.testErrorPercent.mean,
      testErrorStd: r.testErrorPercent.std,
      saturation: r.saturation ? layerAverage(r.saturation) : null,
      gradRatioInit: r.gradRatioInit.geoMean,
      gradRatioEnd: r.gradRatioEnd.geoMean,
    })),
    removesSaturation: ids((v) => v.removesSaturation === true),
    addsSaturation: ids((v) => v.addsSaturation),
    restoresFlow: ids((v) => v.restoresFlow),
    trainsDeep: ids((v) => v.trainsDeep),
    failsDeep: ids((v) => v.failsDeep),
  };
}
