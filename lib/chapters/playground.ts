/**
 * Chapter: notebook 07-playground — a small deep network on a 2-D data set,
 * looked at unit by unit over the input plane (as in TensorFlow Playground):
 * the grid, the runs and their summaries. The pictures, figures and tables
 * built from the runs are in playground-view.ts.
 *
 * Every hidden unit j of layer l is a function of the input, x ↦ h_l(x)_j.
 * Evaluated on a grid over [lo, hi]², each unit becomes a picture, and each
 * grid point is classified as saturated low, not saturated, or saturated
 * high (the same rule as the probes: within ε of an asymptote). Training is
 * paused at chosen epochs ("moments") to take these pictures.
 *
 * Pictures cannot say whether saturation comes from training on a point:
 * layer 1's pre-activation is affine in x, so growing weights saturate the
 * far corners of the plane first whatever made them grow. The fair test is
 * the training points against FRESH points of the same generator, never
 * trained on (`config.fresh`, `compareFresh`).
 *
 * Grid order (everywhere in this module): point k = r·resolution + c has
 * x₁ = coords[c] and x₂ = coords[r]; row r = 0 is the bottom (x₂ = lo).
 */
import * as tf from "@tensorflow/tfjs";
import { Mlp, MlpConfig } from "../core/model";
import { crossEntropy } from "../core/loss";
import type { Dataset } from "../data/dataset";
import { ActivationName, activation } from "../core/activations";
import { SaturatedShare, SaturationRule, saturationRule } from "../measure/saturation";
import type { InitSpec } from "../core/init";
import { initName } from "../core/init";
import { applyLsuv } from "../core/lsuv";
import { train, TrainCallbacks, TrainResult } from "../core/train";
import { makeCircles, makeMoons, makeSpirals, makeXor } from "../data/toy";
import { ConfigError, DivergenceError } from "../core/errors";
import { scoped } from "../core/scope";
import { liveTraining } from "../run/live";
import { FIXES, Fix } from "../run/fixes";
import { BootstrapOptions, MeanDifference, compareManyMeans } from "../measure/compare";

// The grid, unit pictures and saturated shares over the plane live in playground-plane.ts.
export * from "./playground-plane";
import {
  PlaneGrid,
  PlaneValues,
  evaluatePlane,
  planeGrid,
  planeSaturation,
  pointSaturation,
  pointShares,
} from "./playground-plane";

// ------------------------------------------------------------ runs

export const TOY_NAMES = ["spirals", "circles", "xor", "moons"] as const;
export type ToyName = (typeof TOY_NAMES)[number];
/**
 * The fixes of the shared catalogue (lib/run/fixes) a small net trained by SGD
 * can take: a change of activation, init, batch norm or residual connections
 * (not per-layer rates, searched gains or another optimizer).
 */
export const PLAYGROUND_FIXES: readonly Fix[] = FIXES.filter(
  (f) =>
    f.id !== "baseline" && f.optimizer === "sgd" && !f.layerRates && typeof f.init === "string" && f.init !== "lsuv",
);
export type FixName = string;

/**
 * Fresh points for a data set made by `toyDataset(name, { n, noise, seed })`:
 * the same generator and noise, an independent draw (seed stream "fresh
 * points"), so the same distribution as the training points, never trained on.
 */
export function freshDataset(
  name: ToyName | string,
  opts: { n: number; noise: number; seed: number; turns?: number },
): Dataset {
  const d = toyDataset(name, { ...opts, seed: opts.seed + 1_000_003 });
  return { ...d, name: `${d.name}: fresh points` };
}

/** A 2-D data set by name (spirals with one turn by default: hard enough, learnable in seconds). */
export function toyDataset(
  name: ToyName | string,
  opts: { n: number; noise: number; seed: number; turns?: number },
): Dataset {
  const { n, noise, seed } = opts;
  switch (name) {
    case "spirals":
      return makeSpirals({ n, noise, seed, turns: opts.turns ?? 1 });
    case "circles":
      return makeCircles({ n, noise, seed });
    case "xor":
      return makeXor({ n, noise, seed });
    case "moons":
      return makeMoons({ n, noise, seed });
    default:
      throw new ConfigError("dataset", name, `one of ${TOY_NAMES.join(", ")}`);
  }
}

export interface PlaygroundConfig {
  /** Shown in tables and figure panels, e.g. "baseline" or "fix: batchNorm". */
  readonly label: string;
  readonly data: Dataset;
  /** Points of the same distribution never trained on (freshDataset): compared with the training points. */
  readonly fresh?: Dataset;
  readonly widths: readonly number[];
  readonly activation: ActivationName;
  readonly init: InitSpec;
  readonly batchNorm?: boolean;
  /** h_l = f(z_l) + h_{l−1} between equal widths (the catalogue's fix "residual"). */
  readonly residual?: boolean;
  readonly learningRate: number;
  readonly momentum?: number;
  readonly batchSize: number;
  readonly epochs: number;
  readonly seed: number;
  /** Epochs after which the plane is evaluated; 0 is before the first step. */
  readonly moments: readonly number[];
  readonly resolution?: number;
  readonly extent?: readonly [number, number];
  readonly eps?: number;
}

/** One picture of the network at a moment of training. */
export interface Moment {
  readonly epoch: number;
  readonly step: number;
  /** On the training points, eval mode. */
  readonly loss: number;
  readonly accuracy: number;
  readonly plane: PlaneValues;
  /** Per hidden layer: saturated share of (grid point, unit) entries. */
  readonly planeSaturation: SaturatedShare[];
  /** Per hidden layer: saturated share of (training point, unit) entries. */
  readonly pointSaturation: SaturatedShare[];
  /** Per hidden layer: saturated share of (fresh point, unit) entries; null without config.fresh. */
  readonly freshSaturation: SaturatedShare[] | null;
}

/** Per layer and per point, the saturated share of the layer's units, on the training and the fresh points. */
export interface PerPointShares {
  readonly epoch: number;
  readonly train: Float64Array[];
  readonly fresh: Float64Array[];
}

export interface PlaygroundRun {
  readonly config: PlaygroundConfig;
  readonly rule: SaturationRule;
  readonly moments: Moment[];
  /** Null when training diverged (see `diverged`). */
  readonly result: TrainResult | null;
  /** Set when the loss became non-finite: later moments show the network as it was just before. */
  readonly diverged: { readonly step: number; readonly epoch: number; readonly message: string } | null;
  /** Wall time of training and pictures. */
  readonly seconds: number;
  /** At the last moment (pointShares); null without config.fresh. */
  readonly perPoint: PerPointShares | null;
  /** Mean training loss per epoch (running mean over the mini-batches). */
  readonly epochLoss: number[];
  readonly epochAccuracy: number[];
}

/**
 * Epochs 0 … `epochs` at which to take pictures: `count` of them, roughly
 * geometric (training changes fast early), always including 0 and the end.
 */
export function momentEpochs(epochs: number, count: number): number[] {
  if (!(Number.isInteger(epochs) && epochs >= 1)) throw new ConfigError("epochs", epochs, "a positive integer");
  if (!(Number.isInteger(count) && count >= 2)) throw new ConfigError("moments", count, "an integer >= 2");
  const out = new Set<number>([0, epochs]);
  const inner = count - 2;
  for (let i = 1; i <= inner; i++) out.add(Math.max(1, Math.round(Math.pow(epochs, i / (inner + 1)))));
  // Too few distinct integers early on: fill with the evenly spaced ones that are missing.
  for (let e = 1; out.size < Math.min(count, epochs + 1) && e < epochs; e++) out.add(e);
  return [...out].sort((a, b) => a - b);
}

/** "5 × 8 sigmoid, standard init + batch norm, SGD η = 6" */
export function describeConfig(c: PlaygroundConfig): string {
  const w = c.widths.every((x) => x === c.widths[0]) ? `${c.widths.length} × ${c.widths[0]}` : c.widths.join("-");
  return `${w} ${c.activation}, ${initName(c.init)} init${c.batchNorm ? " + batch norm" : ""}${c.residual ? " + residual" : ""}, SGD η = ${c.learningRate}`;
}

/** The baseline with one fix of the catalogue applied (by its id, e.g. "batchnorm"): the only change between the two runs. */
export function withFix(base: PlaygroundConfig, id: FixName): PlaygroundConfig {
  const fix = PLAYGROUND_FIXES.find((f) => f.id === id);
  if (!fix) throw new ConfigError("fix", id, `one of ${PLAYGROUND_FIXES.map((f) => JSON.stringify(f.id)).join(", ")}`);
  return {
    ...base,
    label: ((l) => l.charAt(0).toLowerCase() + l.slice(1))(fix.label.replace(/^[0-9a-z]+ · /, "")),
    activation: fix.activation,
    init: fix.init as InitSpec,
    ...(fix.batchNorm ? { batchNorm: true } : {}),
    ...(fix.residual ? { residual: true } : {}),
  };
}

/** The trainer's callbacks (so `lab.liveTraining(...)` plugs in), plus one per picture. */
export interface PlaygroundCallbacks extends TrainCallbacks {
  onMoment?(m: Moment, run: PlaygroundConfig): void;
}

/** The network a playground config trains (the book's in-browser page builds the same: chapters/playground-page). */
export function mlpConfigOf(config: PlaygroundConfig): MlpConfig {
  return {
    inputDim: 2,
    widths: [...config.widths],
    outputDim: 2,
    activation: config.activation,
    init: config.init,
    batchNorm: config.batchNorm ?? false,
    residual: config.residual ?? false,
    seed: config.seed,
  };
}

/** Train the network of `config`, taking pictures of the plane at its moments. */
export async function runPlayground(
  config: PlaygroundConfig,
  callbacks: PlaygroundCallbacks = {},
): Promise<PlaygroundRun> {
  const t0 = performance.now();
  validatePlayground(config);
  const grid = planeGrid(config.resolution ?? 40, config.extent ?? [-1.2, 1.2]);
  const rule = saturationRule(config.activation, config.eps ?? 0.01);
  const model = new Mlp(mlpConfigOf(config));
  const wanted = new Set(config.moments);
  const moments: Moment[] = [];
  const epochLoss: number[] = [],
    epochAccuracy: number[] = [];
  const stepsPerEpoch = Math.floor(config.data.n / config.batchSize);
  const take = (epoch: number, loss: number, accuracy: number) => {
    const plane = evaluatePlane(model, grid);
    const m: Moment = {
      epoch,
      step: epoch * stepsPerEpoch,
      loss,
      accuracy,
      plane,
      planeSaturation: planeSaturation(plane, rule),
      pointSaturation: pointSaturation(model, config.data, rule),
      freshSaturation: config.fresh ? pointSaturation(model, config.fresh, rule) : null,
    };
    moments.push(m);
    callbacks.onMoment?.(m, config);
  };
  try {
    if (initName(config.init) === "lsuv")
      scoped(() => applyLsuv(model, tf.tensor2d(config.data.x, [config.data.n, 2])));
    if (wanted.has(0)) {
      const e = evaluateOn(model, config.data);
      take(0, e.loss, e.accuracy);
    }
    let result: TrainResult | null = null;
    let diverged: PlaygroundRun["diverged"] = null;
    try {
      result = await train(
        model,
        { train: config.data },
        {
          epochs: config.epochs,
          batchSize: config.batchSize,
          optimizer: { kind: "sgd", learningRate: config.learningRate, momentum: config.momentum ?? 0 },
          seed: config.seed,
        },
        {
          onStep: callbacks.onStep,
          stepReadsModel: callbacks.stepReadsModel,
          onEpoch: (r) => {
            epochLoss.push(r.runningLoss);
            epochAccuracy.push(r.train.accuracy);
            callbacks.onEpoch?.(r);
            if (wanted.has(r.epoch)) take(r.epoch, r.train.loss, r.train.accuracy);
          },
        },
      );
    } catch (e) {
      if (!(e instanceof DivergenceError)) throw e;
      // The step that diverged never reached the weights: picture the network as it was.
      diverged = { step: e.step, epoch: e.epoch, message: e.message };
      const e0 = evaluateOn(model, config.data);
      for (const m of config.moments)
        if (m >= e.epoch && !moments.some((mm) => mm.epoch === m)) take(m, e0.loss, e0.accuracy);
    }
    moments.sort((a, b) => a.epoch - b.epoch);
    const last = moments.length > 0 ? moments[moments.length - 1].epoch : 0;
    const perPoint = config.fresh
      ? { epoch: last, train: pointShares(model, config.data, rule), fresh: pointShares(model, config.fresh, rule) }
      : null;
    return {
      config,
      rule,
      moments,
      result,
      diverged,
      seconds: (performance.now() - t0) / 1000,
      epochLoss,
      epochAccuracy,
      perPoint,
    };
  } finally {
    model.dispose();
  }
}

function evaluateOn(model: Mlp, d: Dataset): { loss: number; accuracy: number } {
  return scoped(() => {
    const tr = model.forward(tf.tensor2d(d.x, [d.n, 2]), { training: false });
    const labels = new Float32Array(d.n * 2);
    for (let i = 0; i < d.n; i++) labels[2 * i + d.y[i]] = 1;
    const loss = crossEntropy(tr.logits, tf.tensor2d(labels, [d.n, 2])).dataSync()[0];
    const pred = tf.argMax(tr.logits, 1).dataSync();
    let correct = 0;
    for (let i = 0; i < d.n; i++) if (pred[i] === d.y[i]) correct++;
    return { loss, accuracy: correct / d.n };
  });
}

function validatePlayground(c: PlaygroundConfig): void {
  if (c.data.inputDim !== 2) throw new ConfigError("data.inputDim", c.data.inputDim, "2 (a data set on the plane)");
  if (c.data.numClasses > 2) throw new ConfigError("data.numClasses", c.data.numClasses, "2");
  if (c.fresh && c.fresh.inputDim !== 2)
    throw new ConfigError(
      "fresh.inputDim",
      c.fresh.inputDim,
      "2 (points on the plane, from the training set's generator)",
    );
  if (!Array.isArray(c.widths) || c.widths.length === 0)
    throw new ConfigError("widths", c.widths, "a non-empty list of layer widths");
  c.moments.forEach((m, i) => {
    if (!(Number.isInteger(m) && m >= 0 && m <= c.epochs))
      throw new ConfigError(`moments[${i}]`, m, `an epoch in 0..${c.epochs}`);
  });
}

// ------------------------------------------------------------ summaries

/** The first moment at which a layer's plane saturation reaches `level`, per layer (null: never). */
export function firstEpochAbove(
  run: PlaygroundRun,
  level: number,
  on: "plane" | "points" = "plane",
): (number | null)[] {
  const L = run.config.widths.length;
  return Array.from({ length: L }, (_, l) => {
    const m = run.moments.find((mm) => (on === "plane" ? mm.planeSaturation : mm.pointSaturation)[l].total >= level);
    return m ? m.epoch : null;
  });
}

/** 1-based index of the hidden layer with the largest saturated share at the last moment (ties: the higher layer). */
/**
 * Below this saturated share in every layer, no layer "saturates most": the shares tie near 0 and a
 * prediction of a layer cannot be checked (exercise 07.1 says so instead of marking any layer right).
 */
export const NO_SATURATION_BELOW = 0.01;

export function mostSaturatedLayer(run: PlaygroundRun, on: "plane" | "points" = "plane"): number {
  const last = run.moments[run.moments.length - 1];
  const shares = (on === "plane" ? last.planeSaturation : last.pointSaturation).map((s) => s.total);
  let best = 0;
  shares.forEach((s, i) => {
    if (s >= shares[best]) best = i;
  });
  return best + 1;
}

/** Saturated shares of the training points and of the plane closer than this count as "the same". */
export const POINTS_PLANE_MARGIN = 0.03;

export type PointsOrPlane = "points" | "plane" | "same";

/**
 * The rule for saturated shares on the training points against over the
 * plane: "points" when the points' share exceeds the plane's by more than
 * `margin`, "plane" the other way round, "same" within `margin`.
 */
export function pointsOrPlaneVerdict(
  points: number,
  plane: number,
  margin: number = POINTS_PLANE_MARGIN,
): PointsOrPlane {
  return points - plane > margin ? "points" : plane - points > margin ? "plane" : "same";
}

/**
 * Where layer `layer` of the run's last moment is saturated more often: on
 * the training points ("points"), over the whole plane ("plane"), or within
 * `margin` of each other ("same"). Shares of (point, unit) entries.
 */
export function pointsOrPlane(
  run: PlaygroundRun,
  layer = 1,
  margin: number = POINTS_PLANE_MARGIN,
): { verdict: PointsOrPlane; points: number; plane: number } {
  const last = run.moments[run.moments.length - 1];
  const points = last.pointSaturation[layer - 1].total,
    plane = last.planeSaturation[layer - 1].total;
  return { verdict: pointsOrPlaneVerdict(points, plane, margin), points, plane };
}

/** How the training points compare with the fresh ones in one layer, by the interval of the difference. */
export type FreshVerdict =
  | "training points more saturated"
  | "fresh points more saturated"
  | "no difference resolved"
  | "the same on every resample";

/**
 * The rule: the 95% interval of training − fresh lies above 0, below 0, or
 * contains it; an interval [0, 0] (every resample equal: e.g. a layer
 * saturated on every point of both sets, or on none) is "the same".
 */
export function freshVerdict(d: Pick<MeanDifference, "low" | "high">): FreshVerdict {
  if (d.low === 0 && d.high === 0) return "the same on every resample";
  return d.low > 0
    ? "training points more saturated"
    : d.high < 0
      ? "fresh points more saturated"
      : "no difference resolved";
}

export interface FreshComparison {
  readonly layer: number;
  /** Mean over points of the saturated share of the layer's units, training − fresh, with its bootstrap interval. */
  readonly difference: MeanDifference;
  readonly verdict: FreshVerdict;
}

/**
 * Per hidden layer, the training points against the fresh points at the run's
 * last moment: the difference of the mean saturated share with a bootstrap
 * interval (points of each set resampled; compareManyMeans).
 */
export function compareFresh(run: PlaygroundRun, opts: BootstrapOptions = {}): FreshComparison[] {
  if (!run.perPoint)
    throw new ConfigError(
      "run.config.fresh",
      undefined,
      "fresh points (freshDataset) in the run's config, to compare the training points with",
    );
  const { train, fresh } = run.perPoint;
  const diffs = compareManyMeans(
    train.map((a, l) => ({ a, b: fresh[l] })),
    { seed: run.config.seed, label: `07 training vs fresh: ${run.config.label}`, ...opts },
  );
  return diffs.map((difference, l) => ({ layer: l + 1, difference, verdict: freshVerdict(difference) }));
}

/**
 * What the recipe takes beyond its source, or null. Glorot & Bengio derived
 * the normalized init for "symmetric activation function f with unit
 * derivative at 0 (i.e. f'(0) = 1)" (§4.2.1), and their Table 1 has no
 * "Sigmoid N" row: on the sigmoid (f'(0) = 1/4, mean 1/2) it is our extension.
 */
export function recipeNote(c: Pick<PlaygroundConfig, "activation" | "init">): string | null {
  if (initName(c.init) !== "normalized") return null;
  const f = activation(c.activation);
  const odd = [0.5, 1, 2, 4].every((z) => Math.abs(f.f(-z) + f.f(z)) < 1e-12);
  if (odd && Math.abs(f.df(0) - 1) < 1e-9) return null;
  return `normalized init on ${c.activation} (f′(0) = ${+f.df(0).toFixed(3)}${odd ? "" : ", not symmetric"}): our extension — Glorot & Bengio derived it for a symmetric activation with f′(0) = 1`;
}

/** What happens to the baseline with ReLU units at its own learning rate. */
export interface ReluOutcome {
  readonly verdict: "learns" | "dead" | "diverges" | "stuck";
  readonly accuracy: number;
  /** Per hidden layer, the share of the plane where h = 0 (f' = 0). */
  readonly zeroShare: number[];
  readonly description: string;
}

const reluMemo = new Map<string, Promise<ReluOutcome>>();

/**
 * Train `run`'s network with fix "relu" (ReLU units, He init) at the same
 * learning rate, and classify the end: ≥ 80% training accuracy "learns";
 * otherwise a layer with h = 0 on ≥ 99% of the plane "dead" (no gradient
 * gets below it); a non-finite loss "diverges"; else "stuck". Memoised.
 */
export function reluOutcome(run: PlaygroundRun): Promise<ReluOutcome> {
  const c = run.config;
  const key = JSON.stringify([c.data.name, c.widths, c.learningRate, c.momentum ?? 0, c.batchSize, c.epochs, c.seed]);
  let p = reluMemo.get(key);
  if (!p) {
    p = (async (): Promise<ReluOutcome> => {
      const r = await runPlayground({ ...withFix(c, "relu-he"), moments: [c.epochs], resolution: 16 });
      const at = `ReLU at η = ${c.learningRate}`;
      if (r.diverged)
        return {
          verdict: "diverges",
          accuracy: NaN,
          zeroShare: [],
          description: `${at} diverged at step ${r.diverged.step} (epoch ${r.diverged.epoch})`,
        };
      const last = r.moments[r.moments.length - 1];
      const zero = last.planeSaturation.map((sh) => sh.low);
      const verdict = last.accuracy >= 0.8 ? "learns" : zero.some((z) => z >= 0.99) ? "dead" : "stuck";
      const pcts = zero.map((z) => `${Math.round(100 * z)}%`).join(", ");
      return {
        verdict,
        accuracy: last.accuracy,
        zeroShare: zero,
        description: `${at}: training accuracy ${Math.round(100 * last.accuracy)}% after ${c.epochs} epochs; h = 0 on ${pcts} of the plane in layers 1–${zero.length}`,
      };
    })();
    reluMemo.set(key, p);
  }
  return p;
}

// ------------------------------------------------------------ for the notebook

/** Share of the grid's points within `radius` of some point of the data set. */
export function coverage(data: Pick<Dataset, "x" | "n">, grid: PlaneGrid, radius: number): number {
  const m = grid.points.length / 2,
    r2 = radius * radius;
  let covered = 0;
  for (let k = 0; k < m; k++) {
    const gx = grid.points[2 * k],
      gy = grid.points[2 * k + 1];
    for (let i = 0; i < data.n; i++) {
      const dx = gx - data.x[2 * i],
        dy = gy - data.x[2 * i + 1];
      if (dx * dx + dy * dy < r2) {
        covered++;
        break;
      }
    }
  }
  return covered / m;
}

/** runPlayground with a live progress display titled by the run's recipe. */
export async function trainAndPhotograph(config: PlaygroundConfig): Promise<PlaygroundRun> {
  const live = liveTraining(`${config.label}: ${describeConfig(config)}`, config.epochs);
  const run = await runPlayground(config, live);
  live.done(run.diverged ? `diverged at epoch ${run.diverged.epoch}` : `${run.seconds.toFixed(1)} s`);
  return run;
}

export function lastMoment(run: PlaygroundRun): Moment {
  return run.moments[run.moments.length - 1];
}
