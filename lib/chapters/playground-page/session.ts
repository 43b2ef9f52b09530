/**
 * Chapter: the book's playground page (07) — one playground network, trained a slice at a time.
 *
 * `runPlayground` (lib/chapters/playground.ts) trains a PlaygroundConfig in
 * one call; the page must stop, draw and go on. A session builds the same
 * network from the same config (same Mlp, same LSUV step) and trains it with
 * the same loop (lib/core/train), a few epochs per call. Epoch e of the
 * session visits its mini-batches in the order the single call's epoch e
 * does (train's seeded permutation for epoch e, handed in as `epochOrder`),
 * and plain SGD keeps no state between calls, so the session's network after
 * e epochs is runPlayground's after e epochs, bit for bit on the same
 * backend (test/playground-page.test.ts checks it).
 *
 * After every epoch it measures, on the training points and on as many fresh
 * points from the same generator: loss, accuracy, the saturated share of
 * each hidden layer (the rule of notebook 07, lib/measure/saturation) and
 * the mean slope f′ the backward pass multiplies by (lib/measure/probe).
 */
import * as tf from "@tensorflow/tfjs";
import { Mlp, validateMlpConfig } from "../../core/model";
import { applyLsuv } from "../../core/lsuv";
import { initName } from "../../core/init";
import { Rng, permutation } from "../../core/rng";
import { TrainConfig, train, validateTrainConfig } from "../../core/train";
import { ConfigError, DivergenceError } from "../../core/errors";
import { scoped } from "../../core/scope";
import type { Dataset } from "../../data/dataset";
import { forwardValues } from "../../measure/deltas";
import { derivativeMean } from "../../measure/probe";
import { SaturatedShare, SaturationRule, saturatedShare, saturationRule } from "../../measure/saturation";
import {
  Moment,
  PlaneGrid,
  PlaygroundConfig,
  PlaygroundRun,
  evaluatePlane,
  mlpConfigOf,
  planeGrid,
  planeSaturation,
} from "../playground";

/** What the page measures on one set of points after an epoch. */
export interface PointsStats {
  readonly loss: number;
  readonly accuracy: number;
  /** Per hidden layer: saturated share of (point, unit) entries, by the run's rule. */
  readonly saturation: SaturatedShare[];
  /** Per hidden layer: mean of f′(z) over (point, unit) entries. */
  readonly derivative: number[];
}

export interface EpochStats {
  /** 0 is before the first step. */
  readonly epoch: number;
  readonly step: number;
  readonly training: PointsStats;
  readonly fresh: PointsStats;
}

/** Where training stopped on a non-finite loss (epochs and steps counted from the session's start). */
export interface Divergence {
  readonly epoch: number;
  readonly step: number;
  readonly message: string;
}

/** The page trains with plain SGD: momentum would restart at every slice. */
const MOMENTUM = 0;

/** runPlayground's training settings for a config, `epochs` at a time. */
function trainConfigOf(config: PlaygroundConfig, epochs: number): TrainConfig {
  return {
    epochs,
    batchSize: config.batchSize,
    optimizer: { kind: "sgd", learningRate: config.learningRate, momentum: MOMENTUM },
    seed: config.seed,
  };
}

export class PlaygroundSession {
  readonly rule: SaturationRule;
  readonly grid: PlaneGrid;
  readonly stepsPerEpoch: number;
  /** One entry per epoch trained, epoch 0 first. */
  readonly history: EpochStats[] = [];
  private readonly model: Mlp;
  private diverged: Divergence | null = null;
  private disposed = false;

  /** Validates everything first (ConfigError naming the field), then builds the network; LSUV runs here as in runPlayground. */
  /** The fresh points: config.fresh (07's freshDataset: the training points' generator, an independent draw). */
  readonly fresh: Dataset;

  constructor(readonly config: PlaygroundConfig) {
    if ((config.momentum ?? 0) !== MOMENTUM)
      throw new ConfigError(
        "momentum",
        config.momentum,
        "0 (the page trains a slice at a time; momentum would restart every slice)",
      );
    const mlp = mlpConfigOf(config);
    validateMlpConfig(mlp);
    this.rule = saturationRule(config.activation, config.eps ?? 0.01);
    this.grid = planeGrid(config.resolution ?? 40, config.extent ?? [-1.2, 1.2]);
    this.model = new Mlp(mlp);
    try {
      validateTrainConfig(this.model, { train: config.data }, trainConfigOf(config, 1));
      if (!config.fresh || config.fresh.inputDim !== 2 || config.fresh.n < 1)
        throw new ConfigError(
          "fresh",
          config.fresh?.name,
          "fresh points on the plane (freshDataset), to compare the training points with",
        );
      this.fresh = config.fresh;
      if (initName(config.init) === "lsuv") scoped(() => applyLsuv(this.model, tensorOf(config.data)));
      this.stepsPerEpoch = Math.floor(config.data.n / config.batchSize);
      this.history.push(this.measure(0, 0));
    } catch (e) {
      this.model.dispose();
      throw e;
    }
  }

  get epoch(): number {
    return this.history[this.history.length - 1].epoch;
  }

  get step(): number {
    return this.history[this.history.length - 1].step;
  }

  get last(): EpochStats {
    return this.history[this.history.length - 1];
  }

  /** Null, or where the loss became non-finite (the network stays as it was before that step). */
  get divergence(): Divergence | null {
    return this.diverged;
  }

  /**
   * Train `epochs` more epochs (fewer if the loss diverges: see `divergence`).
   * `onStep` gets the step number after every SGD step (the loop yields to
   * the page every 200 ms, so a long epoch can still be drawn).
   */
  async trainEpochs(epochs: number, onStep?: (step: number) => void): Promise<void> {
    this.checkAlive();
    if (this.diverged) return;
    const c = this.config,
      n = c.data.n,
      start = this.epoch;
    const shuffles = new Rng(c.seed).fork("shuffle"); // train's own stream: epoch e is permutation(n, shuffles.fork(e))
    try {
      await train(
        this.model,
        { train: c.data, epochOrder: (e) => permutation(n, shuffles.fork(start + e)) },
        trainConfigOf(c, epochs),
        {
          onStep: onStep && ((info) => onStep(start * this.stepsPerEpoch + info.step)),
          onEpoch: (r) => this.history.push(this.measure(start + r.epoch, (start + r.epoch) * this.stepsPerEpoch)),
        },
      );
    } catch (e) {
      if (!(e instanceof DivergenceError)) throw e;
      const epoch = start + e.epoch,
        step = start * this.stepsPerEpoch + e.step;
      this.diverged = { epoch, step, message: new DivergenceError(step, epoch, e.what, e.learningRate).message };
    }
  }

  /** 07's picture of the network now: every hidden unit over the plane, and the shares runPlayground's moments hold. */
  picture(): Moment {
    this.checkAlive();
    const plane = evaluatePlane(this.model, this.grid);
    const s = this.last;
    return {
      epoch: s.epoch,
      step: s.step,
      loss: s.training.loss,
      accuracy: s.training.accuracy,
      plane,
      planeSaturation: planeSaturation(plane, this.rule),
      pointSaturation: s.training.saturation,
      freshSaturation: s.fresh.saturation,
    };
  }

  /** A one-moment run for 07's tile grid (playgroundTiles). */
  asRun(moment: Moment): PlaygroundRun {
    const d = this.diverged;
    return {
      config: this.config,
      rule: this.rule,
      moments: [moment],
      result: null,
      diverged: d,
      seconds: 0,
      epochLoss: [],
      epochAccuracy: [],
      perPoint: null,
    };
  }

  /** The network's weights by name (for tests). */
  weights(): Record<string, Float32Array> {
    this.checkAlive();
    return this.model.getWeights();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.model.dispose();
  }

  private measure(epoch: number, step: number): EpochStats {
    return { epoch, step, training: this.statsOn(this.config.data), fresh: this.statsOn(this.fresh) };
  }

  private statsOn(points: Dataset): PointsStats {
    const v = forwardValues(this.model, points);
    const df = (a: number) => this.model.act.dfFromOutput(a);
    return {
      loss: v.loss,
      accuracy: v.accuracy,
      saturation: v.a.map((a) => saturatedShare(a, this.rule)),
      derivative: v.a.map((a) => derivativeMean(a, df)),
    };
  }

  private checkAlive(): void {
    if (this.disposed) throw new Error("PlaygroundSession: used after dispose()");
  }
}

function tensorOf(d: Dataset): tf.Tensor2D {
  return tf.tensor2d(d.x, [d.n, d.inputDim]);
}
