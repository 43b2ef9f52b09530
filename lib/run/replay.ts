/**
 * Per-example and per-unit traces over training.
 *
 * The probe records of an experiment keep summary statistics only. To watch
 * the hidden vector of one training point, or the input z of one unit, as
 * training goes, this module re-runs the first epochs of an experiment
 * (same init, same shuffles: the trajectory is the experiment's own, step
 * for step) and records, every `everySteps` steps:
 *
 *   - the hidden vectors a_l of a few fixed training points, and
 *   - per unit, percentiles of z_l over the experiment's probe points
 *     (the view of Ioffe & Szegedy 2015, Fig. 1b–c).
 *
 * Traces are cached like experiments (key: the experiment's cache key, which
 * names the training path — fast kernel or tfjs — and the trace options).
 */
import { ExperimentConfig, buildModel, cacheKeyOf, loadData } from "./experiment";
import { Mlp } from "../core/model";
import { train, TrainCallbacks } from "../core/train";
import type { ProbePoints } from "../measure/probe";
import { saturationFraction } from "../measure/saturation";
import { zPercentiles } from "../measure/trace";
import { hiddenValues } from "../measure/compare";
import { cached, CacheStatus } from "./cache";
import { watchInterrupts } from "./interrupt";
import { mean } from "../measure/stats";
import { ConfigError } from "../core/errors";

export interface TraceOptions {
  /** Epochs to re-run (at most the experiment's). */
  readonly epochs: number;
  /** Record every this many steps (and at step 0). */
  readonly everySteps: number;
  /** Indices into the experiment's training probe set of the points whose hidden vectors are kept. */
  readonly examples: readonly number[];
  /** Indices into the held-out probe set of points traced alongside, never trained on (default none). */
  readonly heldOutExamples?: readonly number[];
  /** Percentiles of z per unit, over the training probe points. */
  readonly percentiles?: readonly number[];
  /** Saturation threshold for the per-time saturation fractions. */
  readonly eps?: number;
}

export interface LayerTrace {
  readonly layer: number;
  readonly width: number;
  /** Per time: mean of a_l and two-sided saturation fraction at eps, over all training probe points. */
  readonly mean: number[];
  readonly saturation: number[];
}

export interface TrainingTrace {
  readonly config: ExperimentConfig;
  readonly options: Required<TraceOptions>;
  readonly steps: number[];
  readonly epochs: number[];
  readonly layers: LayerTrace[];
  /** Layer l: activations[l] is times × (examples, then heldOutExamples) × width, row-major. */
  readonly activations: Float32Array[];
  /** Layer l: zPercentiles[l] is times × width × percentiles, row-major. */
  readonly zPercentiles: Float32Array[];
  readonly wallSeconds: number;
  readonly cache: CacheStatus;
}

interface TraceValue {
  steps: number[];
  epochs: number[];
  layers: LayerTrace[];
  wallSeconds: number;
}

export const DEFAULT_TRACE_PERCENTILES = [15, 50, 85] as const;

function fullOptions(o: TraceOptions): Required<TraceOptions> {
  return {
    percentiles: [...DEFAULT_TRACE_PERCENTILES],
    eps: 0.01,
    ...o,
    examples: [...o.examples],
    heldOutExamples: [...(o.heldOutExamples ?? [])],
  };
}

/** Re-run the first epochs of an experiment, recording traces (or load them from the cache). */
export async function traceTraining(
  cfg: ExperimentConfig,
  options: TraceOptions,
  callbacks: TrainCallbacks = {},
  opts: { refresh?: boolean; cacheDir?: string } = {},
): Promise<TrainingTrace> {
  const o = fullOptions(options);
  const data = loadData(cfg.data, cfg.probePoints ?? 1000);
  validateTrace(cfg, o, data.probeTrain.n, data.probeHeldOut.n);
  const entry = await cached<TraceValue>(
    `${cfg.name}-trace`,
    { experiment: cacheKeyOf(cfg), trace: o },
    async () => {
      const t0 = Date.now();
      const { model } = buildModel(cfg, data);
      const rec = new Recorder(model, data.probeTrain, data.probeHeldOut, o);
      try {
        rec.record(0, 0);
        const stepsPerEpoch = Math.floor(data.train.n / cfg.train.batchSize);
        await train(
          model,
          { train: data.train },
          { ...cfg.train, epochs: o.epochs, evalTrainSize: Math.min(1000, data.train.n) },
          {
            ...callbacks,
            signal: callbacks.signal ?? watchInterrupts(),
            stepReadsModel: (step) => step % o.everySteps === 0,
            onStep(info) {
              if (info.step % o.everySteps === 0) rec.record(info.step, info.step / stepsPerEpoch);
              callbacks.onStep?.(info);
            },
          },
        );
        return { value: { ...rec.value(), wallSeconds: (Date.now() - t0) / 1000 }, arrays: rec.arrays() };
      } finally {
        model.dispose();
      }
    },
    { refresh: opts.refresh, dir: opts.cacheDir },
  );
  const L = entry.value.layers.length;
  return {
    config: cfg,
    options: o,
    steps: entry.value.steps,
    epochs: entry.value.epochs,
    layers: entry.value.layers,
    activations: Array.from({ length: L }, (_, l) => entry.arrays[`a${l + 1}`]),
    zPercentiles: Array.from({ length: L }, (_, l) => entry.arrays[`zp${l + 1}`]),
    wallSeconds: entry.value.wallSeconds,
    cache: entry.status,
  };
}

class Recorder {
  readonly steps: number[] = [];
  readonly epochs: number[] = [];
  readonly means: number[][];
  readonly sats: number[][];
  readonly acts: number[][];
  readonly zps: number[][];

  constructor(
    private readonly model: Mlp,
    private readonly points: ProbePoints,
    private readonly heldOut: ProbePoints,
    private readonly o: Required<TraceOptions>,
  ) {
    const L = model.hidden.length;
    this.means = Array.from({ length: L }, () => []);
    this.sats = Array.from({ length: L }, () => []);
    this.acts = Array.from({ length: L }, () => []);
    this.zps = Array.from({ length: L }, () => []);
  }

  record(step: number, epoch: number): void {
    const hv = hiddenValues(this.model, this.points);
    const ho =
      this.o.heldOutExamples.length > 0 ? hiddenValues(this.model, pick(this.heldOut, this.o.heldOutExamples)) : null;
    const asym = this.model.act.asymptotes;
    this.steps.push(step);
    this.epochs.push(epoch);
    hv.widths.forEach((w, l) => {
      const a = hv.a[l],
        z = hv.z[l],
        n = hv.n;
      this.means[l].push(mean(a));
      this.sats[l].push(asym ? saturationFraction(a, asym, this.o.eps).total : 0);
      for (const e of this.o.examples) for (let j = 0; j < w; j++) this.acts[l].push(a[e * w + j]);
      if (ho) for (let j = 0; j < ho.a[l].length; j++) this.acts[l].push(ho.a[l][j]);
      this.zps[l].push(...zPercentiles(z, n, w, this.o.percentiles));
    });
  }

  value(): Omit<TraceValue, "wallSeconds"> {
    return {
      steps: this.steps,
      epochs: this.epochs,
      layers: this.model.hidden.map((h, l) => ({
        layer: h.index,
        width: h.nOut,
        mean: this.means[l],
        saturation: this.sats[l],
      })),
    };
  }

  arrays(): Record<string, Float32Array> {
    const out: Record<string, Float32Array> = {};
    this.model.hidden.forEach((h, l) => {
      out[`a${h.index}`] = Float32Array.from(this.acts[l]);
      out[`zp${h.index}`] = Float32Array.from(this.zps[l]);
    });
    return out;
  }
}

/** The listed rows of a point set, in order. */
function pick(p: ProbePoints, rows: readonly number[]): ProbePoints {
  const x = new Float32Array(rows.length * p.inputDim);
  rows.forEach((r, i) => x.set(p.x.subarray(r * p.inputDim, (r + 1) * p.inputDim), i * p.inputDim));
  return {
    ...p,
    name: `${p.name}, rows ${rows.join(", ")}`,
    n: rows.length,
    x,
    y: Int32Array.from(rows, (r) => p.y[r]),
  };
}

function validateTrace(cfg: ExperimentConfig, o: Required<TraceOptions>, probeN: number, heldOutN: number): void {
  if (!(Number.isInteger(o.epochs) && o.epochs >= 1 && o.epochs <= cfg.train.epochs)) {
    throw new ConfigError("trace epochs", o.epochs, `an integer in 1..${cfg.train.epochs} (the experiment's epochs)`);
  }
  if (!(Number.isInteger(o.everySteps) && o.everySteps >= 1))
    throw new ConfigError("trace everySteps", o.everySteps, "a positive integer");
  if (o.examples.length === 0 || o.examples.some((e) => !(Number.isInteger(e) && e >= 0 && e < probeN))) {
    throw new ConfigError(
      "trace examples",
      o.examples,
      `one or more indices in 0..${probeN - 1} (points of the training probe set)`,
    );
  }
  if (o.heldOutExamples.some((e) => !(Number.isInteger(e) && e >= 0 && e < heldOutN))) {
    throw new ConfigError(
      "trace heldOutExamples",
      o.heldOutExamples,
      `indices in 0..${heldOutN - 1} (points of the held-out probe set)`,
    );
  }
  if (o.percentiles.length === 0 || o.percentiles.some((p) => !(p >= 0 && p <= 100)))
    throw new ConfigError("trace percentiles", o.percentiles, "values in [0, 100]");
  if (!(o.eps > 0 && o.eps < 0.5)) throw new ConfigError("trace eps", o.eps, "a threshold in (0, 0.5)");
}

/**
 * The hidden vector of one traced point over time: rows = units, columns =
 * times. `example` indexes the training probe set, or the held-out one when
 * set is "heldOut".
 */
export function exampleOverTime(
  trace: TrainingTrace,
  layer: number,
  example: number,
  set: "train" | "heldOut" = "train",
): number[][] {
  const l = layer - 1,
    w = trace.layers[l].width;
  const { examples, heldOutExamples } = trace.options;
  const k = examples.length + heldOutExamples.length;
  const e = set === "train" ? examples.indexOf(example) : heldOutExamples.indexOf(example);
  if (e < 0)
    throw new ConfigError(
      "example",
      example,
      `one of the traced ${set === "train" ? "training" : "held-out"} examples (${(set === "train" ? examples : heldOutExamples).join(", ")})`,
    );
  const row = set === "train" ? e : examples.length + e;
  const T = trace.steps.length,
    a = trace.activations[l];
  return Array.from({ length: w }, (_, j) => Array.from({ length: T }, (_, t) => a[(t * k + row) * w + j]));
}

/** Percentiles of z of one unit over time: one row per percentile, columns = times. */
export function unitZOverTime(trace: TrainingTrace, layer: number, unit: number): number[][] {
  const l = layer - 1,
    w = trace.layers[l].width,
    P = trace.options.percentiles.length;
  if (!(Number.isInteger(unit) && unit >= 0 && unit < w))
    throw new ConfigError("unit", unit, `an index in 0..${w - 1}`);
  const T = trace.steps.length,
    zp = trace.zPercentiles[l];
  return Array.from({ length: P }, (_, p) => Array.from({ length: T }, (_, t) => zp[(t * w + unit) * P + p]));
}
