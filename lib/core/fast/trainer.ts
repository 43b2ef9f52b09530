/**
 * FastTrainer: an MLP trained by the WebAssembly SIMD kernel, one call per
 * step (forward, softmax cross-entropy, backward and the optimizer update on
 * preallocated buffers), with the semantics of lib/train.ts's step:
 *
 *   z_l = h_{l−1} W_l + b_l,  h_l = f(z_l),  logits = h_L W_{L+1} + b_{L+1}
 *   loss = the mean training loss (lib/core/loss.ts's trainingLoss: cross-entropy, label smoothing or mse)
 *   θ ← θ − lr·multiplier_l · (SGD/momentum direction, with weight decay λθ in g; or Adam's)
 *
 * with lib/core/model.ts's options: batch norm (z_l = γ_l x̂ + β_l from the
 * batch's statistics in training, the moving averages in forward(); the
 * moving averages updated after each good step) and residual blocks
 * (h_l = h_{l−1} + f(z_l) R_l + c_l between equal widths). γ, β, R, c take
 * their layer's learning-rate multiplier, as in lib/core/optim.ts.
 *
 * A non-finite loss is returned as is and leaves weights and optimizer state
 * untouched (the caller throws lab's DivergenceError). The weights use
 * Mlp.getWeights()'s names and shapes, so a training loop can keep an Mlp in
 * sync with syncTo / syncFrom.
 */
import type { Mlp } from "../model";
import type { OptimizerConfig } from "../optim";
import type { LossConfig } from "../loss";
import { ConfigError } from "../errors";
import {
  ACTIVATION_CODES,
  FastTrainerConfig,
  layerDims,
  layerKinds,
  lossSetting,
  optimizerCode,
  validateFastConfig,
  validateWeights,
  weightDecayOf,
} from "./config";
import {
  EvalPlan,
  EXT_FIELDS,
  KernelMemory,
  planEval,
  planTraining,
  TrainPlan,
  writeDescriptor,
  writeEvalBuffers,
} from "./layout";
import { instantiate, KernelVariant } from "./wasm";
import { FastPasses } from "./probe";

/** What a forward pass outside training returns; hidden layers 1..L at index 0..L−1, each n × width row-major. */
export interface FastForward {
  readonly z: Float32Array[] | null;
  readonly a: Float32Array[] | null;
  readonly logits: Float32Array;
}

export interface FastForwardOptions {
  /** Pre-activations of the hidden layers (default false). */
  readonly z?: boolean;
  /** Outputs of the hidden layers (default true). */
  readonly a?: boolean;
}

/** The m × k transpose of a k × m row-major matrix. */
function transpose(w: Float32Array, k: number, m: number): Float32Array {
  const t = new Float32Array(k * m);
  for (let p = 0; p < k; p++) for (let j = 0; j < m; j++) t[j * k + p] = w[p * m + j];
  return t;
}

/** Rows per chunk of an evaluation forward pass (bounds the memory it takes). */
const EVAL_ROWS = 256;

export class FastTrainer {
  readonly dims: readonly number[];
  readonly variant: KernelVariant;
  private readonly mem: KernelMemory;
  private readonly plan: TrainPlan;
  private evalPlan: EvalPlan | null = null;
  private probePasses: FastPasses | null = null;
  /** First free byte after what is laid out (the training plan, then buffers laid out on first use). */
  private heapTop: number;
  private readonly optimizer: OptimizerConfig;
  private readonly opt: number;
  /** Successful steps (Adam's t). */
  private t = 0;
  private measured = false;
  private disposed = false;

  constructor(readonly config: FastTrainerConfig) {
    validateFastConfig(config);
    this.dims = layerDims(config);
    this.optimizer = config.optimizer;
    this.opt = optimizerCode(config.optimizer);
    const { kernel, variant } = instantiate(config.kernel ?? "auto");
    this.variant = variant;
    this.mem = new KernelMemory(kernel);
    const state = { s1: this.opt !== 0, s2: config.optimizer.kind === "adam" };
    if (kernel.extensionWords() !== EXT_FIELDS.length)
      throw new Error(
        `the fast kernel's layer records have ${kernel.extensionWords()} words, this code writes ${EXT_FIELDS.length}: run \`npm run build\`.`,
      );
    this.plan = planTraining(this.dims, config.batchSize, state, kernel.heapBase(), layerKinds(config));
    this.mem.ensure(this.plan.end);
    this.heapTop = this.plan.end;
    const lr = config.optimizer.learningRate;
    const rates = this.plan.layers.map((_, l) =>
      Math.fround(lr * (config.layerLearningRates ? config.layerLearningRates[l] : 1)),
    );
    writeDescriptor(this.mem, this.plan, ACTIVATION_CODES[config.activation], rates);
    this.setObjective();
    this.setWeights(config.weights);
  }

  /** The loss and the weight decay, in this trainer's own kernel instance (they never change). */
  private setObjective(): void {
    const { code, alpha } = lossSetting(this.config.loss);
    this.mem.kernel.setLoss(code, alpha);
    this.mem.kernel.setWeightDecay(Math.fround(weightDecayOf(this.config.optimizer)));
    this.mem.kernel.setSkipZeros(this.config.skipZeros === false ? 0 : 1);
  }

  /** A trainer starting from a model's current weights (which it does not keep in sync by itself). */
  static fromModel(
    model: Mlp,
    train: {
      optimizer: OptimizerConfig;
      batchSize: number;
      layerLearningRates?: readonly number[];
      loss?: LossConfig;
    },
    kernel?: KernelVariant | "auto",
  ): FastTrainer {
    const c = model.config;
    return new FastTrainer({
      inputDim: c.inputDim,
      widths: c.widths,
      outputDim: c.outputDim,
      activation: c.activation,
      batchNorm: !!c.batchNorm,
      residual: !!c.residual,
      ...train,
      weights: model.getWeights(),
      kernel,
    });
  }

  get inputDim(): number {
    return this.dims[0];
  }

  get outputDim(): number {
    return this.dims[this.dims.length - 1];
  }

  /** Optimizer steps taken (failed steps with a non-finite loss do not count). */
  get steps(): number {
    return this.t;
  }

  /**
   * One optimizer step on the batch x (n × inputDim row-major, n = labels.length
   * ≤ batchSize). Returns the mean training loss (config.loss); when it is NaN or ±inf nothing changed.
   * With `measure`, updateSquares() gives ‖Δθ_l‖² of this step.
   */
  step(x: Float32Array, labels: Int32Array, opts: { measure?: boolean } = {}): number {
    this.live();
    const n = labels.length,
      p = this.plan;
    this.checkBatch(x, labels);
    this.mem.writeRows(p.x, x, n, p.layers[0].k, p.layers[0].kP, p.rows);
    this.mem.i32.set(labels, p.labels >> 2);
    const o = this.optimizer;
    const t = this.t + 1;
    if (o.kind === "adam") {
      const b1 = o.beta1 ?? 0.9,
        b2 = o.beta2 ?? 0.999;
      this.mem.kernel.setOptimizer(
        this.opt,
        b1,
        b2,
        1 - b1,
        1 - b2,
        o.epsilon ?? 1e-8,
        1 - Math.pow(b1, t),
        1 - Math.pow(b2, t),
      );
    } else {
      this.mem.kernel.setOptimizer(this.opt, o.momentum ?? 0, 0, 0, 0, 0, 1, 1);
    }
    const measure = !!opts.measure;
    const loss = this.mem.kernel.step(p.desc, n, measure ? 1 : 0);
    if (Number.isFinite(loss)) this.t = t;
    this.measured = measure && Number.isFinite(loss);
    return loss;
  }

  /** ‖Δθ_l‖² (W, b, γ, β, R, c: every parameter of the layer) per layer 1..L+1 of the last step, if it was measured; else null. */
  updateSquares(): number[] | null {
    if (!this.measured) return null;
    const f = this.mem.f64,
      s = this.plan.sumsq >> 3;
    return Array.from(f.subarray(s, s + this.plan.layers.length));
  }

  /** ‖W_l‖² per layer 1..L+1 (weights only, as lib/train.ts's update:data ratio divides by), without copying them out. */
  weightSquares(): number[] {
    this.live();
    const f = this.mem.f32;
    return this.plan.layers.map((s) => {
      let sum = 0;
      for (let i = s.W >> 2, end = i + s.kP * s.mP; i < end; i++) sum += f[i] * f[i];
      return sum;
    });
  }

  /** Copies of the parameters (and batch norm's moving averages), named and shaped as Mlp.getWeights(). */
  weights(): Record<string, Float32Array> {
    this.live();
    const out: Record<string, Float32Array> = {};
    const vec = (p: number, m: number) => this.mem.readRows(p, 1, m, m, new Float32Array(m));
    this.plan.layers.forEach((s, l) => {
      const e = s.ext,
        i = l + 1;
      out[`W${i}`] = this.mem.readStrips(s.W, s.k, s.m, s.kP);
      if (!e?.gamma) out[`b${i}`] = vec(s.b, s.m);
      if (e?.R) {
        out[`R${i}`] = this.mem.readStrips(e.R, s.m, s.m, s.mP);
        out[`c${i}`] = vec(e.c, s.m);
      }
      if (e?.gamma) {
        out[`gamma${i}`] = vec(e.gamma, s.m);
        out[`beta${i}`] = vec(e.beta, s.m);
        out[`movingMean${i}`] = vec(e.movingMean, s.m);
        out[`movingVariance${i}`] = vec(e.movingVariance, s.m);
      }
    });
    return out;
  }

  /** Replace the parameters (the optimizer state is kept; see resetOptimizer). */
  setWeights(weights: Readonly<Record<string, Float32Array>>): void {
    this.live();
    validateWeights(this.config, weights);
    this.plan.layers.forEach((s, l) => {
      const W = weights[`W${l + 1}`],
        e = s.ext,
        vec = (p: number, name: string) => this.mem.writeRows(p, weights[`${name}${l + 1}`], 1, s.m, s.mP, 1);
      this.mem.writeStrips(s.W, W, s.k, s.m, s.kP, s.mP);
      if (s.WT) this.mem.writeStrips(s.WT, transpose(W, s.k, s.m), s.m, s.k, s.mP, s.kP);
      // Under batch norm b stays 0 (β plays its role): the kernel adds it to nothing.
      if (!e?.gamma) vec(s.b, "b");
      if (e?.R) {
        const R = weights[`R${l + 1}`];
        this.mem.writeStrips(e.R, R, s.m, s.m, s.mP, s.mP);
        this.mem.writeStrips(e.RT, transpose(R, s.m, s.m), s.m, s.m, s.mP, s.mP);
        vec(e.c, "c");
      }
      if (e?.gamma) {
        vec(e.gamma, "gamma");
        vec(e.beta, "beta");
        vec(e.movingMean, "movingMean");
        vec(e.movingVariance, "movingVariance");
      }
    });
  }

  /** Zero the momentum / Adam state and the step count, as a fresh lib/optim.ts Optimizer. */
  resetOptimizer(): void {
    this.live();
    const f = this.mem.f32;
    for (const s of this.plan.layers) {
      const e = s.ext;
      for (const [p, size] of [
        [s.s1W, s.kP * s.mP],
        [s.s1b, s.mP],
        [s.s2W, s.kP * s.mP],
        [s.s2b, s.mP],
        [e?.s1gamma, s.mP],
        [e?.s1beta, s.mP],
        [e?.s2gamma, s.mP],
        [e?.s2beta, s.mP],
        [e?.s1R, s.mP * s.mP],
        [e?.s1c, s.mP],
        [e?.s2R, s.mP * s.mP],
        [e?.s2c, s.mP],
      ] as [number | undefined, number][]) {
        if (p) f.fill(0, p >> 2, (p >> 2) + size);
      }
    }
    this.t = 0;
  }

  /** Write this trainer's parameters into the model's tfjs variables. */
  syncTo(model: Mlp): void {
    model.setWeights(this.weights());
  }

  /** Take the model's parameters (e.g. after LSUV or a checkpoint load). */
  syncFrom(model: Mlp): void {
    this.setWeights(model.getWeights());
  }

  /**
   * The forward pass on n points (x: n × inputDim), in chunks of 256 rows:
   * hidden pre-activations z and outputs a = f(z) per layer, and the logits;
   * batch norm uses the moving averages (tfjs's inference mode).
   */
  forward(x: Float32Array, n: number, opts: FastForwardOptions = {}): FastForward {
    this.live();
    if (!(Number.isInteger(n) && n > 0)) throw new ConfigError("n", n, "a positive integer (the number of points)");
    if (!(x instanceof Float32Array) || x.length !== n * this.inputDim)
      throw new ConfigError("x length", x?.length, `n × inputDim = ${n * this.inputDim}`);
    const wantZ = !!opts.z,
      wantA = opts.a ?? true;
    const ep = this.ensureEvalPlan();
    const hidden = this.plan.layers.slice(0, -1);
    const z = wantZ ? hidden.map((s) => new Float32Array(n * s.m)) : null;
    const a = wantA ? hidden.map((s) => new Float32Array(n * s.m)) : null;
    const top = this.plan.layers[this.plan.layers.length - 1];
    const logits = new Float32Array(n * top.m);
    const first = this.plan.layers[0];
    for (let start = 0; start < n; start += ep.rows) {
      const rows = Math.min(ep.rows, n - start);
      this.mem.writeRows(ep.x, x.subarray(start * first.k, (start + rows) * first.k), rows, first.k, first.kP, ep.rows);
      this.mem.i32.set(wantZ ? ep.zs : ep.zs.map(() => 0), ep.zTable >> 2);
      this.mem.kernel.forward(this.plan.desc, rows, ep.x, ep.xP, ep.outTable, ep.outPTable, ep.zTable);
      hidden.forEach((s, l) => {
        if (z) this.mem.readRows(ep.zs[l], rows, s.m, s.mP, z[l], start);
        if (a) this.mem.readRows(ep.outs[l], rows, s.m, s.mP, a[l], start);
      });
      this.mem.readRows(ep.outs[ep.outs.length - 1], rows, top.m, top.mP, logits, start);
    }
    return { z, a, logits };
  }

  /**
   * The probes' passes (forward, every example's δ, weight-gradient norms) over
   * this trainer's current weights, on the kernel (lib/core/fast/probe.ts).
   */
  passes(): FastPasses {
    this.live();
    if (this.plan.layers.some((s) => s.ext))
      throw new ConfigError(
        "probe passes",
        "a network with batch norm or residual blocks",
        "a plain MLP (tfjs computes the other networks' probes)",
      );
    if (!this.probePasses) {
      this.probePasses = new FastPasses(
        this.mem,
        this.plan.layers,
        ACTIVATION_CODES[this.config.activation],
        this.heapTop,
        () => this.live(),
      );
      this.heapTop = this.probePasses.end;
    }
    return this.probePasses;
  }

  /** Free the kernel's memory (the trainer is unusable afterwards). */
  dispose(): void {
    this.disposed = true;
  }

  private ensureEvalPlan(): EvalPlan {
    if (this.evalPlan) return this.evalPlan;
    // With z buffers: one layout serves both kinds of pass.
    const residual = this.plan.layers.map((s) => !!s.ext?.R);
    const ep = planEval(this.dims, EVAL_ROWS, true, this.heapTop, residual);
    this.mem.ensure(ep.end);
    this.heapTop = ep.end;
    writeEvalBuffers(this.mem, this.plan, ep.hs);
    this.mem.i32.set(ep.outs, ep.outTable >> 2);
    this.mem.i32.set(ep.outPs, ep.outPTable >> 2);
    this.evalPlan = ep;
    return ep;
  }

  private checkBatch(x: Float32Array, labels: Int32Array): void {
    if (!(labels instanceof Int32Array) || labels.length === 0 || labels.length > this.config.batchSize) {
      throw new ConfigError(
        "labels",
        labels instanceof Int32Array ? `${labels.length} labels` : labels,
        `an Int32Array of 1..${this.config.batchSize} labels (the batch size)`,
      );
    }
    const n = labels.length;
    if (!(x instanceof Float32Array) || x.length !== n * this.inputDim) {
      throw new ConfigError(
        "x length",
        x instanceof Float32Array ? x.length : x,
        `labels.length × inputDim = ${n * this.inputDim}`,
      );
    }
    const C = this.outputDim;
    for (let i = 0; i < n; i++) {
      const y = labels[i];
      if (!(y >= 0 && y < C)) throw new ConfigError(`labels[${i}]`, y, `a class in [0, ${C})`);
    }
  }

  private live(): void {
    if (this.disposed) throw new Error("FastTrainer: used after dispose()");
  }
}
