/**
 * One optimisation step, two implementations behind one interface, so the
 * training loop (train.ts) does not care which one runs:
 *
 * - tfjs: the model's variables, the gradient tape, lib/core/optim.ts. Trains
 *   every configuration.
 * - fast: lib/core/fast's one-call WebAssembly step on its own copy of the
 *   weights. The Mlp's variables lag behind until `syncModel()` copies the
 *   weights back; the loop calls it before anything reads the model (probes,
 *   evaluation, callbacks that read it, the end of the run).
 */
import * as tf from "@tensorflow/tfjs";
import { Mlp, layerVariables } from "./model";
import { Optimizer, OptimizerConfig, ParamSlot } from "./optim";
import { LossConfig, oneHot, trainingLoss } from "./loss";
import { scoped } from "./scope";
import { FastTrainer } from "./fast/trainer";
import { FastPasses, logitLossAndAccuracy } from "./fast/probe";
import { TrainingPath } from "./fast/route";
import type { Evaluation, LabelledData } from "./train";
import { evaluate } from "./evaluate";

export interface Stepper {
  readonly path: TrainingPath;
  /** One step on the batch (rows of x, one per label); returns the batch loss. A non-finite loss leaves the weights as they were. */
  step(x: Float32Array, labels: Int32Array, measure: boolean): number;
  /** ‖Δθ_l‖/‖W_l‖ per layer 1..L+1 of the last step, when it was measured; else null. */
  updateToData(): number[] | null;
  /** Make the model's variables hold the trained weights. */
  syncModel(): void;
  /** Loss and accuracy of the current weights on a whole set (as train.ts's evaluate). */
  evaluate(ds: LabelledData): Evaluation;
  /**
   * The probes' passes on the kernel that holds the trained weights (the fast
   * path, plain MLPs), for as long as no step is taken; null on tfjs.
   */
  probePasses(): FastPasses | null;
  dispose(): void;
}

export interface StepConfig {
  readonly optimizer: OptimizerConfig;
  readonly batchSize: number;
  readonly layerLearningRates?: readonly number[];
  /** What the step minimises (both paths train every LossConfig). */
  readonly loss?: LossConfig;
}

export function makeStepper(model: Mlp, config: StepConfig, path: TrainingPath): Stepper {
  return path.kind === "fast" ? new FastStepper(model, config, path) : new TfjsStepper(model, config, path);
}

class TfjsStepper implements Stepper {
  private readonly opt: Optimizer;
  private updates: Map<number, number> | null = null;

  constructor(
    private readonly model: Mlp,
    private readonly config: StepConfig,
    readonly path: TrainingPath,
  ) {
    const slots: ParamSlot[] = model.layers.flatMap((l) =>
      layerVariables(l).map((v) => ({ variable: v, layer: l.index })),
    );
    this.opt = new Optimizer(config.optimizer, slots, config.layerLearningRates ?? null);
  }

  step(x: Float32Array, labels: Int32Array, measure: boolean): number {
    const { loss, updates } = tfjsStep(this.model, this.opt, x, labels, measure, this.config.loss);
    this.updates = updates;
    return loss;
  }

  updateToData(): number[] | null {
    const u = this.updates;
    return u ? this.model.layers.map((l) => Math.sqrt(u.get(l.index) ?? 0) / Math.sqrt(sumSquares(l.W))) : null;
  }

  syncModel(): void {}

  evaluate(ds: LabelledData): Evaluation {
    return evaluate(this.model, ds);
  }

  probePasses(): null {
    return null;
  }

  dispose(): void {
    this.opt.dispose();
  }
}

class FastStepper implements Stepper {
  private readonly trainer: FastTrainer;
  /** Steps taken since the model last received the weights. */
  private stale = false;

  constructor(
    private readonly model: Mlp,
    config: StepConfig,
    readonly path: TrainingPath & { kind: "fast" },
  ) {
    this.trainer = FastTrainer.fromModel(
      model,
      {
        optimizer: config.optimizer,
        batchSize: config.batchSize,
        layerLearningRates: config.layerLearningRates,
        loss: config.loss,
      },
      path.variant,
    );
  }

  step(x: Float32Array, labels: Int32Array, measure: boolean): number {
    const loss = this.trainer.step(x, labels, { measure });
    if (Number.isFinite(loss)) this.stale = true;
    return loss;
  }

  updateToData(): number[] | null {
    const u = this.trainer.updateSquares();
    if (!u) return null;
    const w = this.trainer.weightSquares();
    return u.map((s, l) => Math.sqrt(s) / Math.sqrt(w[l]));
  }

  syncModel(): void {
    if (!this.stale) return;
    this.trainer.syncTo(this.model);
    this.stale = false;
  }

  /** The kernel's forward pass (no sync needed); the loss in float64 from the float32 logits. */
  evaluate(ds: LabelledData): Evaluation {
    const chunk = 2000,
      C = this.trainer.outputDim;
    let lossSum = 0,
      correct = 0;
    for (let s = 0; s < ds.n; s += chunk) {
      const m = Math.min(chunk, ds.n - s);
      const { logits } = this.trainer.forward(ds.x.subarray(s * ds.inputDim, (s + m) * ds.inputDim), m, { a: false });
      const r = logitLossAndAccuracy(logits, ds.y.subarray(s, s + m), C);
      lossSum += r.lossSum;
      correct += r.correct;
    }
    return { loss: lossSum / ds.n, accuracy: correct / ds.n };
  }

  /** Plain MLPs only: the probe pass knows no batch norm or residual blocks. */
  probePasses(): FastPasses | null {
    const c = this.model.config;
    return c.batchNorm || c.residual ? null : this.trainer.passes();
  }

  dispose(): void {
    this.trainer.dispose();
  }
}

/** The tfjs step: loss and gradients by the tape, then the optimizer (and batch norm's moving averages). */
function tfjsStep(
  model: Mlp,
  opt: Optimizer,
  xBuf: Float32Array,
  labels: Int32Array,
  measure: boolean,
  lossConfig?: LossConfig,
) {
  return scoped(() => {
    const x = tf.tensor2d(xBuf, [labels.length, model.config.inputDim]);
    const y = oneHot(labels, model.config.outputDim);
    let stats: ReturnType<Mlp["forward"]>["batchStats"] = [];
    const { value, grads } = tf.variableGrads(() => {
      const tr = model.forward(x, { training: true });
      stats = tr.batchStats.map((s) => ({ mean: tf.keep(s.mean), variance: tf.keep(s.variance) }));
      return trainingLoss(lossConfig, tr.logits, y);
    }, model.trainableVariables());
    try {
      const loss = value.dataSync()[0];
      // A non-finite loss must not reach the weights.
      if (!Number.isFinite(loss)) return { loss, updates: null };
      const updates = opt.step(grads, measure);
      if (stats.length > 0) model.updateMovingStats(stats);
      return { loss, updates };
    } finally {
      // Kept tensors outlive the scope; free them here.
      stats.forEach((s) => (s.mean.dispose(), s.variance.dispose()));
    }
  });
}

function sumSquares(v: tf.Variable): number {
  return tf.tidy(() => tf.sum(tf.square(v)).dataSync()[0]);
}
