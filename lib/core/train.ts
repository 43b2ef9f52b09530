/**
 * The training loop: mini-batch SGD or Adam on softmax cross-entropy, with
 * observations of the network (the probes of lib/measure) taken on fixed
 * point sets as training goes. Everything random (shuffles) comes from the
 * seed, so a seed reproduces a run bit for bit on the same backend.
 *
 * The loop does not know what a probe measures: the caller passes
 * `observe`, a function of the model and a point set (lib/run/experiment
 * passes lib/measure/probe), and gets its results back per probe time.
 */
import { Mlp } from "./model";
import { OptimizerConfig, validateLayerLearningRates, validateOptimizer } from "./optim";
import { LossConfig, validateLoss } from "./loss";
import { ConfigError, DivergenceError, InterruptedError } from "./errors";
import { Rng, permutation } from "./rng";
import { makeStepper } from "./steppers";
import { noteFallback, pathName, trainingPath, TrainingPath } from "./fast/route";
import type { FastPasses } from "./fast/probe";

export { evaluate } from "./evaluate";

export interface TrainConfig {
  readonly epochs: number;
  readonly batchSize: number;
  readonly optimizer: OptimizerConfig;
  /** Learning-rate multiplier per layer, hidden 1..L then output L+1 (Xu et al. 2016). */
  readonly layerLearningRates?: readonly number[];
  readonly seed: number;
  /**
   * Probe every this many steps (default: once per epoch), always before the first step, and always after the
   * last one: the last probe record is the final network (what "at the end of training" means everywhere).
   */
  readonly probeEverySteps?: number;
  /** Training points evaluated after each epoch for the train curve (default 10,000, drawn at random by the seed). */
  readonly evalTrainSize?: number;
  /** Stop after this many steps even if epochs remain. */
  readonly maxSteps?: number;
  /** What SGD minimises (default: softmax cross-entropy; evaluation always reports cross-entropy). */
  readonly loss?: LossConfig;
}

/** Labelled points: rows of x (n × inputDim, row-major) with labels in [0, numClasses). */
export interface LabelledData {
  readonly name: string;
  readonly x: Float32Array;
  readonly y: Int32Array;
  readonly n: number;
  readonly inputDim: number;
  readonly numClasses: number;
}

/**
 * What train() hands an observer besides the model. `fast`: on the fast path,
 * the same weights in the kernel, whose passes lib/measure's probe and
 * backward take instead of tfjs's (the same numbers within float32 rounding;
 * valid during the call only); null on tfjs. Shaped so that `observe: probe`
 * passes it on as probe's options.
 */
export interface ObserveContext {
  readonly fast: FastPasses | null;
}

/** What is recorded about the network on one point set at a probe time (e.g. lib/measure/probe). */
export type Observer<S> = (model: Mlp, points: LabelledData, context: ObserveContext) => S;

export interface TrainData<S = unknown> {
  readonly train: LabelledData;
  readonly test?: LabelledData;
  /** Fixed point sets to probe, e.g. 1,000 training points and 1,000 held-out points. */
  readonly probeSets?: readonly LabelledData[];
  /** What a probe records on each set (required when there are probe sets). */
  readonly observe?: Observer<S>;
  /**
   * The epoch stream: the rows of `train` that epoch `epoch` (1-based) visits,
   * in order, repeats allowed (e.g. a group of images visited k times per
   * epoch). Every epoch must have the same length. Default: a seeded random
   * permutation of all rows, each visited once.
   */
  readonly epochOrder?: (epoch: number, rng: Rng) => Int32Array;
}

export interface StepInfo {
  readonly step: number;
  readonly epoch: number;
  readonly loss: number;
  readonly samplesPerSec: number;
}

export interface Evaluation {
  readonly loss: number;
  readonly accuracy: number;
}

export interface EpochRecord {
  readonly epoch: number;
  readonly step: number;
  /** Mean of the mini-batch losses during the epoch. */
  readonly runningLoss: number;
  readonly train: Evaluation;
  readonly test: Evaluation | null;
  /** Seconds spent in training steps so far (excludes evaluation and probes). */
  readonly trainSeconds: number;
  readonly samplesPerSec: number;
}

export interface ProbeRecord<S> {
  readonly step: number;
  /** step / steps per epoch: 0 before training, 1 after the first epoch. */
  readonly epoch: number;
  /** One observation per probe set, in the order of `probeSets`. */
  readonly snapshots: S[];
  /** ‖ΔW_l‖/‖W_l‖ of the step just before the probe, per layer 1..L+1; null at step 0. */
  readonly updateToData: number[] | null;
}

export interface TrainResult<S = unknown> {
  readonly epochs: EpochRecord[];
  readonly probes: ProbeRecord<S>[];
  readonly stepLosses: number[];
  readonly steps: number;
  readonly trainSeconds: number;
  /** What trained the run: "wasm-simd", "wasm-relaxed" (lib/core/fast) or "tfjs" (absent in records cached before it was recorded). */
  readonly path?: string;
}

/** Anything that says whether the work should stop (an AbortSignal, or lib/run/interrupt's watch). */
export interface StopSignal {
  readonly aborted: boolean;
}

export interface TrainCallbacks<S = unknown> {
  /** Checked before every step: when it is aborted, training stops with an InterruptedError naming the step. */
  readonly signal?: StopSignal;
  onStep?(info: StepInfo): void;
  /**
   * Whether onStep reads the model at this step (default: at every step). On
   * the fast path the model's variables are brought up to date only before
   * what reads them; say `() => false` when onStep only reports progress.
   * Callbacks read the model; writing its variables during training is lost
   * on the fast path (the kernel holds the weights until the run ends).
   */
  readonly stepReadsModel?: (step: number) => boolean;
  onEpoch?(record: EpochRecord): void;
  onProbe?(record: ProbeRecord<S>): void;
}

export async function train<S = unknown>(
  model: Mlp,
  data: TrainData<S>,
  config: TrainConfig,
  callbacks: TrainCallbacks<S> = {},
): Promise<TrainResult<S>> {
  validateTrainConfig(model, data, config);
  const ds = data.train,
    batchSize = config.batchSize;
  const path = trainingPathOf(model, config);
  noteFallback(path);
  const shuffles = new Rng(config.seed).fork("shuffle");
  const orderOf = (epoch: number) =>
    data.epochOrder
      ? checkedOrder(data.epochOrder(epoch, shuffles.fork(epoch)), ds.n, epoch)
      : permutation(ds.n, shuffles.fork(epoch));
  const epochLength = data.epochOrder ? orderOf(1).length : ds.n;
  const stepsPerEpoch = Math.floor(epochLength / batchSize);
  const probeEvery = config.probeEverySteps ?? stepsPerEpoch;
  const maxSteps = config.maxSteps ?? Infinity;
  const lastStep = Math.min(maxSteps, config.epochs * stepsPerEpoch);
  const evalTrain = randomRows(
    ds,
    Math.min(ds.n, config.evalTrainSize ?? 10_000),
    new Rng(config.seed).fork("evaluation rows"),
  );
  const stepReadsModel = callbacks.stepReadsModel ?? (() => true);
  const xBuf = new Float32Array(batchSize * ds.inputDim);
  const result: TrainResult<S> = {
    epochs: [],
    probes: [],
    stepLosses: [],
    steps: 0,
    trainSeconds: 0,
    path: pathName(path),
  };
  const stepper = makeStepper(model, config, path);
  let step = 0,
    trainMs = 0,
    lastYield = Date.now();

  const takeProbe = (updateToData: number[] | null) => {
    if (!data.probeSets || data.probeSets.length === 0 || !data.observe) return;
    const observe = data.observe;
    stepper.syncModel();
    const context: ObserveContext = { fast: stepper.probePasses() };
    const record: ProbeRecord<S> = {
      step,
      epoch: step / stepsPerEpoch,
      snapshots: data.probeSets.map((p) => observe(model, p, context)),
      updateToData,
    };
    result.probes.push(record);
    callbacks.onProbe?.(record);
  };

  try {
    takeProbe(null);
    for (let epoch = 1; epoch <= config.epochs && step < maxSteps; epoch++) {
      const order = orderOf(epoch);
      if (order.length !== epochLength) {
        throw new ConfigError(
          `epochOrder(${epoch}).length`,
          order.length,
          `the length of epoch 1's order (${epochLength}): every epoch visits as many rows`,
        );
      }
      let lossSum = 0,
        batches = 0;
      for (let b = 0; b < stepsPerEpoch && step < maxSteps; b++) {
        if (callbacks.signal?.aborted) throw new InterruptedError(step);
        const t0 = performance.now();
        const probeNext = (step + 1) % probeEvery === 0 || step + 1 === lastStep;
        const labels = gatherBatch(ds, order, b * batchSize, batchSize, xBuf);
        const loss = stepper.step(xBuf, labels, probeNext);
        step++;
        trainMs += performance.now() - t0;
        if (!Number.isFinite(loss))
          throw new DivergenceError(step, epoch, `the training loss (${loss})`, config.optimizer.learningRate);
        lossSum += loss;
        batches++;
        result.stepLosses.push(loss);
        if (callbacks.onStep) {
          if (stepReadsModel(step)) stepper.syncModel();
          callbacks.onStep({ step, epoch, loss, samplesPerSec: (step * batchSize) / (trainMs / 1000) });
        }
        if (probeNext) {
          // The loss can stay finite while saturated units hide weights that have blown up: catch it here.
          const ratios = stepper.updateToData();
          const bad = ratios ? ratios.findIndex((r) => !Number.isFinite(r)) : -1;
          if (bad >= 0) {
            const what = `the size of layer ${bad + 1}'s weights (‖W‖² beyond float32's range)`;
            throw new DivergenceError(step, epoch, what, config.optimizer.learningRate);
          }
          takeProbe(ratios);
        }
        // Let the kernel flush live displays while a long cell trains.
        if (Date.now() - lastYield > 200) {
          await new Promise((r) => setImmediate(r));
          lastYield = Date.now();
        }
      }
      const record: EpochRecord = {
        epoch,
        step,
        runningLoss: lossSum / Math.max(1, batches),
        train: stepper.evaluate(evalTrain),
        test: data.test ? stepper.evaluate(data.test) : null,
        trainSeconds: trainMs / 1000,
        samplesPerSec: (step * batchSize) / (trainMs / 1000),
      };
      result.epochs.push(record);
      // onEpoch may read the model.
      stepper.syncModel();
      callbacks.onEpoch?.(record);
    }
  } finally {
    // The model holds the weights of the last good step, also after an interrupt or a divergence.
    stepper.syncModel();
    stepper.dispose();
  }
  return { ...result, steps: step, trainSeconds: trainMs / 1000 };
}

/** Which implementation trains this model under this config (lib/core/fast/route.ts; SIGMOID_LAB_FAST=0 forces tfjs). */
export function trainingPathOf(model: Mlp, config: TrainConfig): TrainingPath {
  return trainingPath({ model: model.config, train: config });
}

/** An epoch order, checked: row indices of the training set. */
function checkedOrder(order: Int32Array, n: number, epoch: number): Int32Array {
  if (!(order instanceof Int32Array) || order.length === 0)
    throw new ConfigError(`epochOrder(${epoch})`, order, "a non-empty Int32Array of row indices");
  for (let i = 0; i < order.length; i++) {
    if (!(order[i] >= 0 && order[i] < n))
      throw new ConfigError(`epochOrder(${epoch})[${i}]`, order[i], `a row index in [0, ${n})`);
  }
  return order;
}

/** Copy the rows order[start..start+size) into xBuf; return their labels. */
function gatherBatch(ds: LabelledData, order: Int32Array, start: number, size: number, xBuf: Float32Array): Int32Array {
  const d = ds.inputDim;
  const labels = new Int32Array(size);
  for (let i = 0; i < size; i++) {
    const r = order[start + i];
    xBuf.set(ds.x.subarray(r * d, (r + 1) * d), i * d);
    labels[i] = ds.y[r];
  }
  return labels;
}

/** n rows drawn at random (a file's first rows are not a random sample); all of them, in order, when n = ds.n. */
function randomRows(ds: LabelledData, n: number, rng: Rng): LabelledData {
  if (n === ds.n) return ds;
  const rows = permutation(ds.n, rng).subarray(0, n).sort();
  const x = new Float32Array(n * ds.inputDim),
    y = new Int32Array(n);
  rows.forEach((r, i) => {
    x.set(ds.x.subarray(r * ds.inputDim, (r + 1) * ds.inputDim), i * ds.inputDim);
    y[i] = ds.y[r];
  });
  return { ...ds, name: `${ds.name} (${n} random rows)`, n, x, y };
}

/** Throws a ConfigError naming the field; runs before any tensor is made. */
export function validateTrainConfig<S>(model: Mlp, data: TrainData<S>, c: TrainConfig): void {
  const posInt = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v > 0;
  if (!posInt(c.epochs)) throw new ConfigError("epochs", c.epochs, "a positive integer");
  if (!posInt(c.batchSize)) throw new ConfigError("batchSize", c.batchSize, "a positive integer, e.g. 128");
  validateOptimizer(c.optimizer);
  validateLoss(c.loss);
  if (typeof c.seed !== "number" || !Number.isFinite(c.seed)) throw new ConfigError("seed", c.seed, "a finite number");
  checkData(model, data.train, "train");
  if (data.test) checkData(model, data.test, "test");
  data.probeSets?.forEach((p, i) => checkData(model, p, `probeSets[${i}]`));
  if (data.probeSets && data.probeSets.length > 0 && typeof data.observe !== "function") {
    throw new ConfigError(
      "observe",
      data.observe,
      "a function (model, points) => observation, e.g. (m, p) => lab.probe(m, p), to go with probeSets",
    );
  }
  if (c.batchSize > data.train.n) {
    throw new ConfigError("batchSize", c.batchSize, `at most the number of training points (${data.train.n})`);
  }
  const L1 = model.layers.length;
  validateLayerLearningRates(c.layerLearningRates, L1);
  if (c.probeEverySteps !== undefined && !posInt(c.probeEverySteps))
    throw new ConfigError("probeEverySteps", c.probeEverySteps, "a positive integer");
  if (c.maxSteps !== undefined && !posInt(c.maxSteps))
    throw new ConfigError("maxSteps", c.maxSteps, "a positive integer");
  if (c.evalTrainSize !== undefined && !posInt(c.evalTrainSize))
    throw new ConfigError("evalTrainSize", c.evalTrainSize, "a positive integer");
}

function checkData(model: Mlp, d: LabelledData, field: string): void {
  if (!d || !(d.x instanceof Float32Array))
    throw new ConfigError(field, d, "a dataset with x: Float32Array and y: Int32Array");
  if (d.inputDim !== model.config.inputDim) {
    throw new ConfigError(
      `${field}.inputDim`,
      d.inputDim,
      `the model's inputDim (${model.config.inputDim}); build the model with inputDim ${d.inputDim}`,
    );
  }
  if (d.x.length !== d.n * d.inputDim)
    throw new ConfigError(`${field}.x length`, d.x.length, `n × inputDim = ${d.n * d.inputDim}`);
  if (d.y.length !== d.n) throw new ConfigError(`${field}.y length`, d.y.length, `n = ${d.n}`);
  if (d.numClasses > model.config.outputDim) {
    throw new ConfigError(
      `${field}.numClasses`,
      d.numClasses,
      `at most the model's outputDim (${model.config.outputDim})`,
    );
  }
  for (let i = 0; i < d.n; i++) {
    const v = d.y[i];
    if (!(v >= 0 && v < model.config.outputDim))
      throw new ConfigError(`${field}.y[${i}]`, v, `a label in [0, ${model.config.outputDim})`);
  }
}
