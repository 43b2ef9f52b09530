/**
 * The kernel's linear memory, laid out once per trainer. Column counts are
 * padded to multiples of 8 (the kernels' tile width), row counts to
 * multiples of 4, padding kept at zero. Activations are stored in rows
 * (row-major) and 4-row panels, weights and optimizer state in 8-column
 * strips (see lib/core/fast/assembly/dense.ts). The descriptor
 * (lib/core/fast/assembly/index.ts) tells the kernel where everything is.
 */
import { DESCRIPTOR, KernelExports } from "./wasm";

export const pad8 = (n: number): number => Math.ceil(n / 8) * 8;
export const pad4 = (n: number): number => Math.ceil(n / 4) * 4;

/** Byte offsets of one dense layer's buffers (0 where unused). */
export interface LayerSlots {
  /** Real and padded fan-in / fan-out. */
  readonly k: number;
  readonly m: number;
  readonly kP: number;
  readonly mP: number;
  readonly W: number;
  /** Wᵀ in strips of mP rows, for the input gradient (0 for the first layer, which needs none). */
  readonly WT: number;
  readonly b: number;
  /** Momentum velocity or Adam's first moment. */
  readonly s1W: number;
  readonly s1b: number;
  /** Adam's second moment. */
  readonly s2W: number;
  readonly s2b: number;
  /** The layer's output during training: the logits in rows (last layer; 0 for hidden ones). */
  readonly out: number;
  /** f(z) in panels and in columns (hidden layers; 0 for the last); h_l in a residual block. */
  readonly outP: number;
  readonly outC: number;
  /** Batch norm / residual block buffers (null for a plain layer). */
  readonly ext: ExtSlots | null;
}

/** What a hidden layer is beyond h W + b (lib/core/model.ts). */
export interface LayerKind {
  readonly batchNorm: boolean;
  readonly residual: boolean;
}

/**
 * Byte offsets of a hidden layer's batch-norm and residual-block buffers, in
 * the order of the kernel's record (assembly/index.ts, EXT words); 0 where unused.
 */
export interface ExtSlots {
  readonly record: number;
  readonly flags: number;
  readonly gamma: number;
  readonly beta: number;
  readonly s1gamma: number;
  readonly s1beta: number;
  readonly s2gamma: number;
  readonly s2beta: number;
  readonly movingMean: number;
  readonly movingVariance: number;
  readonly batchMean: number;
  readonly batchVariance: number;
  readonly invStd: number;
  readonly xhat: number;
  readonly R: number;
  readonly RT: number;
  readonly c: number;
  readonly s1R: number;
  readonly s1c: number;
  readonly s2R: number;
  readonly s2c: number;
  readonly aP: number;
  readonly aC: number;
  readonly rows: number;
  readonly g2: number;
  readonly gP2: number;
  readonly zero: number;
  /** h_l in panels for forward passes outside training; set with the eval plan. */
  readonly hEval: number;
}

/** The record's words in order (EXT words of assembly/index.ts). */
export const EXT_FIELDS = [
  "flags",
  "gamma",
  "beta",
  "s1gamma",
  "s1beta",
  "s2gamma",
  "s2beta",
  "movingMean",
  "movingVariance",
  "batchMean",
  "batchVariance",
  "invStd",
  "xhat",
  "R",
  "RT",
  "c",
  "s1R",
  "s1c",
  "s2R",
  "s2c",
  "aP",
  "aC",
  "rows",
  "g2",
  "gP2",
  "zero",
  "hEval",
] as const;

export interface TrainPlan {
  /** Rows the training buffers hold (the batch size rounded up to 4). */
  readonly rows: number;
  readonly desc: number;
  /** The input batch in rows, panels and columns. */
  readonly x: number;
  readonly xP: number;
  readonly xC: number;
  readonly labels: number;
  /** Two gradient buffers in strips, and their twins in panels. */
  readonly g0: number;
  readonly g1: number;
  readonly gP0: number;
  readonly gP1: number;
  /** f64 per layer: Σ Δθ² of the last measured step. */
  readonly sumsq: number;
  readonly layers: readonly LayerSlots[];
  readonly end: number;
}

/** Buffers for forward passes outside training (probes, tests), in chunks of `rows`. */
export interface EvalPlan {
  readonly rows: number;
  readonly x: number;
  readonly xP: number;
  readonly outs: readonly number[];
  readonly outPs: readonly number[];
  readonly zs: readonly number[];
  /** h_l in panels for residual blocks (0 elsewhere): the kernel finds them in the layers' records (hEval). */
  readonly hs: readonly number[];
  /** i32 tables of the outs, outPs and zs pointers, for the kernel's forward(). */
  readonly outTable: number;
  readonly outPTable: number;
  readonly zTable: number;
  readonly end: number;
}

const ALIGN = 64; // a cache line

class Bump {
  constructor(public at: number) {}
  take(bytes: number): number {
    const p = Math.ceil(this.at / ALIGN) * ALIGN;
    this.at = p + bytes;
    return p;
  }
}

export function planTraining(
  dims: readonly number[],
  batchSize: number,
  state: { s1: boolean; s2: boolean },
  base: number,
  kinds: readonly LayerKind[] = [],
): TrainPlan {
  const a = new Bump(base);
  const L1 = dims.length - 1;
  const rows = pad4(batchSize);
  const desc = a.take(4 * (DESCRIPTOR.header + DESCRIPTOR.layer * L1));
  const x = a.take(4 * rows * pad8(dims[0]));
  const xP = a.take(4 * rows * pad8(dims[0]));
  const xC = a.take(4 * rows * pad8(dims[0]));
  const labels = a.take(4 * rows);
  const widest = Math.max(...dims.slice(1).map(pad8));
  const g0 = a.take(4 * rows * widest),
    g1 = a.take(4 * rows * widest);
  const gP0 = a.take(4 * rows * widest),
    gP1 = a.take(4 * rows * widest);
  const sumsq = a.take(8 * L1);
  const anyBn = kinds.some((k) => k.batchNorm),
    anyRes = kinds.some((k) => k.residual);
  const shared = {
    rows: anyBn ? a.take(4 * rows * widest) : 0,
    zero: anyBn ? a.take(4 * widest) : 0,
    g2: anyRes ? a.take(4 * rows * widest) : 0,
    gP2: anyRes ? a.take(4 * rows * widest) : 0,
  };
  const layers: LayerSlots[] = [];
  for (let l = 0; l < L1; l++) {
    const k = dims[l],
      m = dims[l + 1],
      kP = pad8(k),
      mP = pad8(m);
    const W = a.take(4 * kP * mP),
      WT = l > 0 ? a.take(4 * kP * mP) : 0,
      b = a.take(4 * mP);
    const s1W = state.s1 ? a.take(4 * kP * mP) : 0,
      s1b = state.s1 ? a.take(4 * mP) : 0;
    const s2W = state.s2 ? a.take(4 * kP * mP) : 0,
      s2b = state.s2 ? a.take(4 * mP) : 0;
    const hidden = l < L1 - 1;
    const out = hidden ? 0 : a.take(4 * rows * mP);
    const outP = hidden ? a.take(4 * rows * mP) : 0;
    const outC = hidden ? a.take(4 * rows * mP) : 0;
    const kind = hidden ? kinds[l] : undefined;
    const ext = kind && (kind.batchNorm || kind.residual) ? planExt(a, kind, rows, mP, state, shared) : null;
    layers.push({ k, m, kP, mP, W, WT, b, s1W, s1b, s2W, s2b, out, outP, outC, ext });
  }
  return { rows, desc, x, xP, xC, labels, g0, g1, gP0, gP1, sumsq, layers, end: a.at };
}

function planExt(
  a: Bump,
  kind: LayerKind,
  rows: number,
  mP: number,
  state: { s1: boolean; s2: boolean },
  shared: { rows: number; zero: number; g2: number; gP2: number },
): ExtSlots {
  const record = a.take(4 * EXT_FIELDS.length);
  const vec = (on: boolean) => (on ? a.take(4 * mP) : 0);
  const bn = kind.batchNorm,
    res = kind.residual;
  return {
    record,
    flags: (bn ? 1 : 0) | (res ? 2 : 0),
    gamma: vec(bn),
    beta: vec(bn),
    s1gamma: vec(bn && state.s1),
    s1beta: vec(bn && state.s1),
    s2gamma: vec(bn && state.s2),
    s2beta: vec(bn && state.s2),
    movingMean: vec(bn),
    movingVariance: vec(bn),
    batchMean: vec(bn),
    batchVariance: vec(bn),
    invStd: vec(bn),
    xhat: bn ? a.take(4 * rows * mP) : 0,
    R: res ? a.take(4 * mP * mP) : 0,
    RT: res ? a.take(4 * mP * mP) : 0,
    c: vec(res),
    s1R: res && state.s1 ? a.take(4 * mP * mP) : 0,
    s1c: vec(res && state.s1),
    s2R: res && state.s2 ? a.take(4 * mP * mP) : 0,
    s2c: vec(res && state.s2),
    aP: res ? a.take(4 * rows * mP) : 0,
    aC: res ? a.take(4 * rows * mP) : 0,
    rows: bn ? shared.rows : 0,
    g2: res ? shared.g2 : 0,
    gP2: res ? shared.gP2 : 0,
    zero: bn ? shared.zero : 0,
    hEval: 0,
  };
}

export function planEval(
  dims: readonly number[],
  rows: number,
  z: boolean,
  base: number,
  residual: readonly boolean[] = [],
): EvalPlan {
  const a = new Bump(base);
  const L1 = dims.length - 1;
  const r = pad4(rows);
  const x = a.take(4 * r * pad8(dims[0]));
  const xP = a.take(4 * r * pad8(dims[0]));
  const outs = dims.slice(1).map((m) => a.take(4 * r * pad8(m)));
  const outPs = dims.slice(1).map((m, l) => (l < L1 - 1 ? a.take(4 * r * pad8(m)) : 0));
  const zs = dims.slice(1).map((m, l) => (z && l < L1 - 1 ? a.take(4 * r * pad8(m)) : 0));
  const hs = dims.slice(1).map((m, l) => (residual[l] ? a.take(4 * r * pad8(m)) : 0));
  const outTable = a.take(4 * L1),
    outPTable = a.take(4 * L1),
    zTable = a.take(4 * L1);
  return { rows: r, x, xP, outs, outPs, zs, hs, outTable, outPTable, zTable, end: a.at };
}

/** Typed views of the kernel's memory, remade after it grows. */
export class KernelMemory {
  private f32view: Float32Array;
  private i32view: Int32Array;
  private f64view: Float64Array;

  constructor(readonly kernel: KernelExports) {
    const b = kernel.memory.buffer;
    this.f32view = new Float32Array(b);
    this.i32view = new Int32Array(b);
    this.f64view = new Float64Array(b);
  }

  /** Make the memory at least `bytes` long. */
  ensure(bytes: number): void {
    const have = this.kernel.memory.buffer.byteLength;
    if (bytes > have) this.kernel.memory.grow(Math.ceil((bytes - have) / 65536));
  }

  private fresh(): void {
    const b = this.kernel.memory.buffer;
    if (this.f32view.buffer !== b) {
      this.f32view = new Float32Array(b);
      this.i32view = new Int32Array(b);
      this.f64view = new Float64Array(b);
    }
  }

  get f32(): Float32Array {
    this.fresh();
    return this.f32view;
  }

  get i32(): Int32Array {
    this.fresh();
    return this.i32view;
  }

  get f64(): Float64Array {
    this.fresh();
    return this.f64view;
  }

  /** Copy n rows of k floats from src into the rows of width kP at byte offset dst; zero rows n..rows. */
  writeRows(dst: number, src: Float32Array, n: number, k: number, kP: number, rows: number): void {
    const f = this.f32,
      d = dst >> 2;
    if (k === kP) f.set(src.subarray(0, n * k), d);
    else for (let i = 0; i < n; i++) f.set(src.subarray(i * k, (i + 1) * k), d + i * kP);
    f.fill(0, d + n * kP, d + rows * kP);
  }

  /** A k × m row-major matrix into 8-column strips of kP rows at byte offset dst (padding zeroed). */
  writeStrips(dst: number, src: Float32Array, k: number, m: number, kP: number, mP: number): void {
    const f = this.f32,
      d = dst >> 2;
    f.fill(0, d, d + kP * mP);
    for (let s = 0; s < mP / 8; s++) {
      const width = Math.min(8, m - 8 * s);
      for (let p = 0; p < k; p++) {
        const from = p * m + 8 * s,
          to = d + (s * kP + p) * 8;
        for (let q = 0; q < width; q++) f[to + q] = src[from + q];
      }
    }
  }

  /** The k × m row-major matrix held in strips at byte offset src. */
  readStrips(src: number, k: number, m: number, kP: number): Float32Array {
    const f = this.f32,
      s0 = src >> 2,
      out = new Float32Array(k * m);
    for (let p = 0; p < k; p++) {
      for (let j = 0; j < m; j++) out[p * m + j] = f[s0 + ((j >> 3) * kP + p) * 8 + (j & 7)];
    }
    return out;
  }

  /** n rows of m floats out of the rows of width mP at byte offset src, into `into` at row `at`. */
  readRows(src: number, n: number, m: number, mP: number, into: Float32Array, at = 0): Float32Array {
    const f = this.f32,
      s = src >> 2;
    if (m === mP) into.set(f.subarray(s, s + n * m), at * m);
    else for (let i = 0; i < n; i++) into.set(f.subarray(s + i * mP, s + i * mP + m), (at + i) * m);
    return into;
  }
}

/** Write the training descriptor the kernel's step() and forward() read. */
export function writeDescriptor(
  mem: KernelMemory,
  plan: TrainPlan,
  activationCode: number,
  learningRates: readonly number[],
): void {
  const i = mem.i32,
    f = mem.f32,
    d = plan.desc >> 2;
  i.set(
    [
      plan.layers.length,
      activationCode,
      plan.labels,
      plan.g0,
      plan.g1,
      plan.x,
      plan.sumsq,
      plan.xP,
      plan.xC,
      plan.gP0,
      plan.gP1,
      0,
    ],
    d,
  );
  plan.layers.forEach((s, l) => {
    const o = d + DESCRIPTOR.header + l * DESCRIPTOR.layer;
    i.set([s.k, s.m, s.kP, s.mP, s.W, s.b, s.s1W, s.s1b, s.s2W, s.s2b, 0, s.out, s.outP, s.outC, s.WT, 0], o);
    f[o + 10] = learningRates[l];
    if (s.ext) {
      const e = s.ext;
      i.set(
        EXT_FIELDS.map((k) => e[k]),
        e.record >> 2,
      );
      i[o + 15] = e.record;
    }
  });
}

/** Tell the kernel where forward() puts h_l of each residual block (the eval plan's hs). */
export function writeEvalBuffers(mem: KernelMemory, plan: TrainPlan, hs: readonly number[]): void {
  plan.layers.forEach((s, l) => {
    if (s.ext && s.ext.R) mem.i32[(s.ext.record >> 2) + EXT_FIELDS.indexOf("hEval")] = hs[l];
  });
}
