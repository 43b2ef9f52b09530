/**
 * The probes' passes on the fast kernel (issue 16): over a set of points,
 * the forward pass with z_l and a_l of every hidden layer, every example's δ
 * at every layer, and the weight gradients of the mean loss, computed on the
 * trainer's own weights by one kernel call per chunk of rows
 * (assembly/probe.ts). lib/measure/deltas.ts turns the result into the same
 * ForwardValues / BackwardPass the tfjs path fills, so the probe statistics
 * (lib/measure) exist once and read either.
 *
 *   δ_{i,L+1} = softmax(o_i) − y_i,  δ_{i,l} = (δ_{i,l+1} W_{l+1}ᵀ) ⊙ f'(z_{i,l}),
 *   ∂L/∂W_l = (1/n) Σ_i h_{i,l−1}ᵀ δ_{i,l}   (L the mean loss over the set).
 */
import { ConfigError } from "../errors";
import type { LabelledData } from "../train";
import { KernelMemory, LayerSlots, pad4 } from "./layout";

/** One pass over n points: hidden layers at index 0..L−1 (n × width row-major), the output layer last where it appears. */
export interface KernelPass {
  readonly n: number;
  /** Units per layer: hidden 1..L, then the output L+1. */
  readonly widths: number[];
  readonly z: Float32Array[];
  readonly a: Float32Array[];
  readonly logits: Float32Array;
  /** δ for hidden layers 1..L, then the output layer (row i is example i's); null without `backward`. */
  readonly deltas: Float32Array[] | null;
  /** ‖∂L/∂W_l‖_F of the mean loss for l = 1..L+1, with `weightGrads`; else null. */
  readonly weightGradNorms: number[] | null;
}

export interface KernelPassOptions {
  /** Every example's δ at every layer. */
  readonly backward: boolean;
  /** The weight-gradient norms (implies the backward pass). */
  readonly weightGrads: boolean;
}

/** Rows per kernel call (bounds the memory the passes take: about 40 floats per unit of width per row). */
const CHUNK_ROWS = 256;
const HEADER = 6;
const LAYER = 15;

interface ProbeSlots {
  readonly z: number;
  readonly out: number;
  readonly outP: number;
  readonly outC: number;
  readonly dS: number;
  readonly dP: number;
  readonly G: number;
  readonly dR: number;
}

/**
 * The passes over a FastTrainer's current weights (FastTrainer.passes()).
 * They read the weights in place: a pass sees whatever the trainer holds at
 * the time of the call.
 */
export class FastPasses {
  private readonly rows = pad4(CHUNK_ROWS);
  private readonly table: number;
  private readonly x: number;
  private readonly labels: number;
  private readonly slots: ProbeSlots[];
  /** First byte after the buffers. */
  readonly end: number;

  constructor(
    private readonly mem: KernelMemory,
    private readonly layers: readonly LayerSlots[],
    activationCode: number,
    base: number,
    private readonly live: () => void,
  ) {
    const layout = mem.kernel.probeLayout();
    if (layout !== HEADER * 100 + LAYER)
      throw new Error(
        `the fast kernel's probe table is ${layout}, this code writes ${HEADER * 100 + LAYER}: run \`npm run build\`.`,
      );
    let at = base;
    const take = (bytes: number) => {
      const p = Math.ceil(at / 64) * 64;
      at = p + bytes;
      return p;
    };
    const r = this.rows,
      L1 = layers.length,
      kP0 = layers[0].kP;
    this.table = take(4 * (HEADER + LAYER * L1));
    this.x = take(4 * r * kP0);
    const xP = take(4 * r * kP0),
      xC = take(4 * r * kP0);
    this.labels = take(4 * r);
    this.slots = layers.map((s, l) => {
      const hidden = l < L1 - 1,
        block = 4 * r * s.mP;
      return {
        z: hidden ? take(block) : 0,
        out: take(block),
        outP: hidden ? take(block) : 0,
        outC: hidden ? take(block) : 0,
        dS: take(block),
        dP: take(block),
        G: take(4 * s.kP * s.mP),
        dR: take(block),
      };
    });
    this.end = at;
    mem.ensure(at);
    const t = this.table >> 2;
    mem.i32.set([L1, activationCode, this.x, xP, xC, this.labels], t);
    layers.forEach((s, l) => {
      const p = this.slots[l];
      mem.i32.set(
        [s.k, s.m, s.kP, s.mP, s.W, s.b, s.WT, p.z, p.out, p.outP, p.outC, p.dS, p.dP, p.G, p.dR],
        t + HEADER + l * LAYER,
      );
    });
  }

  /** Units per layer: hidden 1..L, then the output. */
  get widths(): number[] {
    return this.layers.map((s) => s.m);
  }

  /** The pass over a set of points (checked against the network's input size and classes). */
  run(points: LabelledData, opts: KernelPassOptions): KernelPass {
    this.live();
    const n = points.n,
      layers = this.layers,
      L1 = layers.length,
      k = layers[0].k;
    checkPoints(points, k, layers[L1 - 1].m);
    const backward = opts.backward || opts.weightGrads;
    const widths = this.widths;
    const hidden = widths.slice(0, -1);
    const z = hidden.map((m) => new Float32Array(n * m)),
      a = hidden.map((m) => new Float32Array(n * m));
    const logits = new Float32Array(n * widths[L1 - 1]);
    const deltas = backward ? widths.map((m) => new Float32Array(n * m)) : null;
    if (opts.weightGrads)
      for (let l = 0; l < L1; l++)
        this.mem.f32.fill(0, this.slots[l].G >> 2, (this.slots[l].G >> 2) + layers[l].kP * layers[l].mP);
    for (let start = 0; start < n; start += this.rows) {
      const rows = Math.min(this.rows, n - start);
      this.mem.writeRows(this.x, points.x.subarray(start * k, (start + rows) * k), rows, k, layers[0].kP, this.rows);
      this.mem.i32.set(points.y.subarray(start, start + rows), this.labels >> 2);
      this.mem.kernel.probePass(this.table, rows, backward ? 1 : 0, opts.weightGrads ? 1 : 0);
      layers.forEach((s, l) => {
        const p = this.slots[l];
        if (l < L1 - 1) {
          this.mem.readRows(p.z, rows, s.m, s.mP, z[l], start);
          this.mem.readRows(p.out, rows, s.m, s.mP, a[l], start);
        } else this.mem.readRows(p.out, rows, s.m, s.mP, logits, start);
        if (deltas) this.mem.readRows(p.dR, rows, s.m, s.mP, deltas[l], start);
      });
    }
    return {
      n,
      widths,
      z,
      a,
      logits,
      deltas,
      weightGradNorms: opts.weightGrads
        ? this.slots.map((p, l) => Math.sqrt(this.sumSquares(p.G, layers[l])) / n)
        : null,
    };
  }

  /** Σ g² over an accumulator (its padding is 0: padded inputs and δ columns are). */
  private sumSquares(G: number, s: LayerSlots): number {
    const f = this.mem.f32;
    let sum = 0;
    for (let i = G >> 2, end = i + s.kP * s.mP; i < end; i++) sum += f[i] * f[i];
    return sum;
  }
}

/**
 * Mean softmax cross-entropy (float64, from float32 logits) and accuracy of
 * n rows of C logits against their labels; ties go to the first class, as
 * tf.argMax.
 */
export function logitLossAndAccuracy(
  logits: Float32Array,
  labels: ArrayLike<number>,
  C: number,
): { lossSum: number; correct: number } {
  let lossSum = 0,
    correct = 0;
  for (let i = 0; i < labels.length; i++) {
    const o = i * C,
      y = labels[i];
    let best = 0;
    for (let c = 1; c < C; c++) if (logits[o + c] > logits[o + best]) best = c;
    let sum = 0;
    for (let c = 0; c < C; c++) sum += Math.exp(logits[o + c] - logits[o + best]);
    lossSum += Math.log(sum) - (logits[o + y] - logits[o + best]);
    if (best === y) correct++;
  }
  return { lossSum, correct };
}

function checkPoints(p: LabelledData, inputDim: number, classes: number): void {
  if (!(Number.isInteger(p.n) && p.n >= 1)) throw new ConfigError("points.n", p.n, "at least one point");
  if (p.inputDim !== inputDim) throw new ConfigError("points.inputDim", p.inputDim, `${inputDim} (the network's)`);
  if (p.x.length !== p.n * inputDim)
    throw new ConfigError("points.x length", p.x.length, `n × inputDim = ${p.n * inputDim}`);
  if (p.y.length !== p.n) throw new ConfigError("points.y length", p.y.length, `n = ${p.n}`);
  for (let i = 0; i < p.n; i++) {
    const y = p.y[i];
    if (!(Number.isInteger(y) && y >= 0 && y < classes))
      throw new ConfigError(`points.y[${i}]`, y, `a class in [0, ${classes})`);
  }
}
