// One training step of an MLP in one call: forward (dense + activation),
// softmax cross-entropy, backward and the optimizer update, on buffers the
// TypeScript side (lib/core/fast/kernel.ts) lays out in this module's memory
// and describes in a table of i32 words (the descriptor below).
import { denseBiasStep, denseForward, denseInputGrad, denseWeightStep, nonzeroColumnRows, nonzeroPanelColumns, packColumns, packPanels } from "./dense";
import { addInto, bnBackward, bnInferForward, bnTrainForward, bnUpdateMoving } from "./norm";
import { trainingLoss } from "./loss";
import { activate, derivative, exp4, LINEAR } from "./vmath";
export { setOptimizer } from "./optim";
export { setSkipZeros } from "./dense";
export { setWeightDecay } from "./optim";
export { setLoss } from "./loss";
export { probeLayout, probePass } from "./probe";

// Descriptor: a header of HEADER words, then LAYER words per dense layer.
const HEADER = 12;
const LAYER = 16;
// header words
const LAYERS = 0; // dense layers L+1 (the last is the linear output layer)
const ACT = 1; // activation code of the hidden layers (vmath.ts)
const LABELS = 2; // i32[nP]
const G0 = 3; // two gradient buffers of nP × max mP floats
const G1 = 4;
const X = 5; // input in rows, nP × kP of layer 1
const SUMSQ = 6; // f64 per layer: Σ Δθ² of the last measured step
const XP = 7; // input in panels
const XC = 8; // input in columns
const GP0 = 9; // the gradient buffers' panel twins (G0, G1 hold strips)
const GP1 = 10;
// layer words
const K = 0; // real fan-in
const M = 1; // real fan-out
const KP = 2; // padded to a multiple of 8
const MP = 3;
const W = 4; // kP × mP in strips (dense.ts); S1/S2 alike
const B = 5; // mP
const S1W = 6; // optimizer state (velocity or Adam's m), like W and b
const S1B = 7;
const S2W = 8; // Adam's s
const S2B = 9;
const LR = 10; // f32: learning rate × this layer's multiplier
// The layer's output during training, nP × mP: the logits in rows (last
// layer), f(z) in panels and columns (hidden layers).
const OUT = 11;
const OUTP = 12;
const OUTC = 13;
const WT = 14; // Wᵀ in strips (mP rows), kept by the update for the input gradient; 0 for the first layer
const EXT = 15; // 0 for a plain layer; else the address of its record below (batch norm, residual block)
// Words of a hidden layer's record (lib/core/model.ts: z = BN(h W), h_l = h_{l−1} + f(z) R + c).
const FLAGS = 0; // BATCH_NORM | RESIDUAL
const GAMMA = 1; // γ, β, their optimizer state (like b), the moving and the batch statistics: mP each
const BETA = 2;
const S1GAMMA = 3;
const S1BETA = 4;
const S2GAMMA = 5;
const S2BETA = 6;
const MMEAN = 7;
const MVAR = 8;
const BMEAN = 9;
const BVAR = 10;
const INVSTD = 11; // 1/√(σ² + ε) of the batch
const XHAT = 12; // u = h W, then x̂ in place (rows)
const R = 13; // the block's R (mP × mP strips), Rᵀ, c and their optimizer state
const RT = 14;
const C = 15;
const S1R = 16;
const S1C = 17;
const S2R = 18;
const S2C = 19;
const AP = 20; // f(z) in panels and columns (OUTP/OUTC hold h_l in a residual block)
const AC = 21;
const ROWS = 22; // shared: f(z) in rows under batch norm (nP × widest)
const G2 = 23; // shared: the third gradient buffer (strips) and its panels, for the skip path
const GP2 = 24;
const ZERO = 25; // shared: zeros, the bias of h W under batch norm
const HEVAL = 26; // h_l in panels for forward() (its rows), in a residual block
const BATCH_NORM = 1;
const RESIDUAL = 2;

/** Lets the TypeScript side check it writes the layout this build reads. */
export function descriptorLayout(): i32 {
  return HEADER * 100 + LAYER;
}

/** Words in a layer's batch-norm / residual record (EXT). */
export function extensionWords(): i32 {
  return HEVAL + 1;
}

/** Where free memory starts (nothing below it may be written). */
export function heapBase(): usize {
  return __heap_base;
}

// @ts-ignore: decorator
@inline function word(desc: usize, i: i32): i32 {
  return load<i32>(desc + (<usize>i << 2));
}
// @ts-ignore: decorator
@inline function lw(desc: usize, l: i32, i: i32): i32 {
  return word(desc, HEADER + l * LAYER + i);
}
// @ts-ignore: decorator
@inline function ew(ext: usize, i: i32): usize {
  return <usize>load<i32>(ext + (<usize>i << 2));
}
// @ts-ignore: decorator
@inline function flagsOf(desc: usize, l: i32): i32 {
  const ext = <usize>lw(desc, l, EXT);
  return ext ? load<i32>(ext) : 0;
}
// @ts-ignore: decorator
@inline function lf(desc: usize, l: i32, i: i32): f32 {
  return load<f32>(desc + (<usize>(HEADER + l * LAYER + i) << 2));
}

/**
 * One step on the batch in X/LABELS (n real rows). Returns the batch loss;
 * when it is not finite nothing is updated (like lib/train.ts). With
 * `measure`, SUMSQ[l] receives Σ Δθ² over layer l's parameters (W, b, γ, β, R, c).
 */
export function step(desc: usize, n: i32, measure: bool): f64 {
  const L1 = word(desc, LAYERS), act = word(desc, ACT);
  const nP = (n + 3) & ~3;
  let input = <usize>word(desc, XP), inputC = <usize>word(desc, XC);
  packPanels(word(desc, X), nP, lw(desc, 0, KP), input);
  packColumns(word(desc, X), nP, lw(desc, 0, KP), inputC);
  // The input's zeros, skipped by the first layer's products (dense.ts).
  const firstCols = nonzeroPanelColumns(input, nP, lw(desc, 0, KP));
  const firstRows = nonzeroColumnRows(inputC, nP, lw(desc, 0, KP));
  let third: usize = 0, thirdP: usize = 0;
  for (let l = 0; l < L1; l++) {
    const last = l == L1 - 1;
    const ext = <usize>lw(desc, l, EXT);
    if (ext) {
      hiddenForward(desc, l, ext, n, nP, input, inputC, act);
      if (load<i32>(ext) & RESIDUAL) {
        third = ew(ext, G2);
        thirdP = ew(ext, GP2);
      }
    } else {
      denseForward(input, nP, lw(desc, l, KP), lw(desc, l, W), lw(desc, l, B), lw(desc, l, M), lw(desc, l, MP),
        last ? <usize>lw(desc, l, OUT) : 0, last ? 0 : <usize>lw(desc, l, OUTP), last ? 0 : <usize>lw(desc, l, OUTC), 0, last ? LINEAR : act, l == 0 ? firstCols : 0);
    }
    input = lw(desc, l, OUTP);
    inputC = lw(desc, l, OUTC);
  }
  const top = L1 - 1;
  let g = <usize>word(desc, G0), other = <usize>word(desc, G1);
  let gP = <usize>word(desc, GP0), otherP = <usize>word(desc, GP1);
  const loss = trainingLoss(lw(desc, top, OUT), n, nP, lw(desc, top, M), lw(desc, top, MP), word(desc, LABELS), g, gP);
  if (!isFinite(loss)) return loss;
  for (let l = 0; l < top; l++) {
    if (flagsOf(desc, l) & BATCH_NORM) {
      const ext = <usize>lw(desc, l, EXT);
      bnUpdateMoving(ew(ext, MMEAN), ew(ext, MVAR), ew(ext, BMEAN), ew(ext, BVAR), lw(desc, l, MP));
    }
  }
  const sumsq = <usize>word(desc, SUMSQ);
  for (let l = top; l >= 0; l--) {
    const kP = lw(desc, l, KP), mP = lw(desc, l, MP), lr = lf(desc, l, LR);
    const below = l > 0 ? <usize>lw(desc, l - 1, OUTC) : <usize>word(desc, XC); // the layer's input, in columns
    // What the layer below receives: ∂L/∂z through f' of a plain layer, ∂L/∂h (no f') for a residual block.
    const belowCode = l > 0 && (flagsOf(desc, l - 1) & RESIDUAL) ? LINEAR : act;
    const ext = <usize>lw(desc, l, EXT);
    const flags = ext ? load<i32>(ext) : 0;
    let sq: f64 = 0;
    if (flags & RESIDUAL) {
      // g = ∂L/∂h_l. Through R first (with R before its update), into dz in `other`.
      denseInputGrad(gP, nP, mP, ew(ext, RT), mP, ew(ext, AC), act, other, otherP, 0);
      sq += denseWeightStep(ew(ext, AC), nP, mP, g, mP, ew(ext, R), ew(ext, S1R), ew(ext, S2R), lr, measure, ew(ext, RT));
      sq += denseBiasStep(nP, g, mP, ew(ext, C), ew(ext, S1C), ew(ext, S2C), lr, measure);
      if (flags & BATCH_NORM) sq += bnStep(ext, other, otherP, n, nP, mP, lr, measure);
      // ∂L/∂h_{l−1} = g (the identity path) + dz Wᵀ, into the third buffer.
      if (l > 0) denseInputGrad(otherP, nP, mP, lw(desc, l, WT), kP, below, belowCode, third, thirdP, g);
      sq += denseWeightStep(below, nP, kP, other, mP, lw(desc, l, W), lw(desc, l, S1W), lw(desc, l, S2W), lr, measure, lw(desc, l, WT));
      if (!(flags & BATCH_NORM)) sq += denseBiasStep(nP, other, mP, lw(desc, l, B), lw(desc, l, S1B), lw(desc, l, S2B), lr, measure);
      const t = g, tP = gP;
      g = third;
      gP = thirdP;
      third = other;
      thirdP = otherP;
      other = t;
      otherP = tP;
    } else {
      if (flags & BATCH_NORM) sq += bnStep(ext, g, gP, n, nP, mP, lr, measure);
      // The gradient for the layer below uses W before this layer's update.
      if (l > 0) denseInputGrad(gP, nP, mP, lw(desc, l, WT), kP, below, belowCode, other, otherP, 0);
      sq += denseWeightStep(below, nP, kP, g, mP, lw(desc, l, W), lw(desc, l, S1W), lw(desc, l, S2W), lr, measure, lw(desc, l, WT), l == 0 ? firstRows : 0);
      if (!(flags & BATCH_NORM)) sq += denseBiasStep(nP, g, mP, lw(desc, l, B), lw(desc, l, S1B), lw(desc, l, S2B), lr, measure);
      const t = g, tP = gP;
      g = other;
      other = t;
      gP = otherP;
      otherP = tP;
    }
    store<f64>(sumsq + (<usize>l << 3), sq);
  }
  return loss;
}

/** dz → du in place (strips and panels) and the step of γ, β: batch norm's backward. */
function bnStep(ext: usize, D: usize, DP: usize, n: i32, nP: i32, mP: i32, lr: f32, measure: bool): f64 {
  return bnBackward(D, DP, n, nP, mP, ew(ext, XHAT), ew(ext, GAMMA), ew(ext, BETA), ew(ext, INVSTD),
    ew(ext, S1GAMMA), ew(ext, S1BETA), ew(ext, S2GAMMA), ew(ext, S2BETA), lr, measure);
}

/**
 * A hidden layer with batch norm and/or a residual block, in training mode:
 * f(z) to AP/AC (residual) or OUTP/OUTC (plain), then h_l = h_{l−1} + f(z) R + c
 * to OUTP/OUTC.
 */
function hiddenForward(desc: usize, l: i32, ext: usize, n: i32, nP: i32, input: usize, inputC: usize, act: i32): void {
  const flags = load<i32>(ext);
  const kP = lw(desc, l, KP), m = lw(desc, l, M), mP = lw(desc, l, MP);
  const res = (flags & RESIDUAL) != 0;
  const aP = res ? ew(ext, AP) : <usize>lw(desc, l, OUTP), aC = res ? ew(ext, AC) : <usize>lw(desc, l, OUTC);
  if (flags & BATCH_NORM) {
    const u = ew(ext, XHAT), rows = ew(ext, ROWS);
    denseForward(input, nP, kP, lw(desc, l, W), ew(ext, ZERO), m, mP, u, 0, 0, 0, LINEAR);
    bnTrainForward(u, n, nP, m, mP, ew(ext, GAMMA), ew(ext, BETA), ew(ext, BMEAN), ew(ext, BVAR), ew(ext, INVSTD), act, rows);
    packPanels(rows, nP, mP, aP);
    packColumns(rows, nP, mP, aC);
  } else {
    denseForward(input, nP, kP, lw(desc, l, W), lw(desc, l, B), m, mP, 0, aP, aC, 0, act);
  }
  if (res) {
    const outP = <usize>lw(desc, l, OUTP), outC = <usize>lw(desc, l, OUTC);
    denseForward(aP, nP, mP, ew(ext, R), ew(ext, C), m, mP, 0, outP, outC, 0, LINEAR);
    addInto(outP, input, nP * mP);
    addInto(outC, inputC, nP * mP);
  }
}

/**
 * Forward only, on n rows at x (in rows, padded like X; xP receives its
 * panels): layer l's output goes to outs[l] (rows) and outPs[l] (panels,
 * hidden layers), and where zs[l] ≠ 0 its pre-activation to zs[l] (i32
 * tables of pointers).
 */
export function forward(desc: usize, n: i32, x: usize, xP: usize, outs: usize, outPs: usize, zs: usize): void {
  const L1 = word(desc, LAYERS), act = word(desc, ACT);
  const nP = (n + 3) & ~3;
  packPanels(x, nP, lw(desc, 0, KP), xP);
  const firstCols = nonzeroPanelColumns(xP, nP, lw(desc, 0, KP));
  let input = xP;
  for (let l = 0; l < L1; l++) {
    const last = l == L1 - 1;
    const out = <usize>load<i32>(outs + (<usize>l << 2));
    const outP = <usize>load<i32>(outPs + (<usize>l << 2));
    const z = <usize>load<i32>(zs + (<usize>l << 2));
    const ext = <usize>lw(desc, l, EXT);
    if (ext) {
      input = hiddenInfer(desc, l, ext, nP, input, out, outP, z, act);
      continue;
    }
    denseForward(input, nP, lw(desc, l, KP), lw(desc, l, W), lw(desc, l, B), lw(desc, l, M), lw(desc, l, MP), out, last ? 0 : outP, 0, z, last ? LINEAR : act, l == 0 ? firstCols : 0);
    input = outP;
  }
}

/**
 * forward()'s hidden layer with batch norm (the moving averages, as tfjs in
 * inference mode) and/or a residual block: z and f(z) to Z and OUT (rows), f(z)
 * to OUTP; returns where the next layer's input h_l is, in panels.
 */
function hiddenInfer(desc: usize, l: i32, ext: usize, nP: i32, input: usize, out: usize, outP: usize, z: usize, act: i32): usize {
  const flags = load<i32>(ext);
  const kP = lw(desc, l, KP), m = lw(desc, l, M), mP = lw(desc, l, MP);
  if (flags & BATCH_NORM) {
    denseForward(input, nP, kP, lw(desc, l, W), ew(ext, ZERO), m, mP, out, 0, 0, 0, LINEAR);
    bnInferForward(out, nP, m, mP, ew(ext, GAMMA), ew(ext, BETA), ew(ext, MMEAN), ew(ext, MVAR), act, z, out);
    packPanels(out, nP, mP, outP);
  } else {
    denseForward(input, nP, kP, lw(desc, l, W), lw(desc, l, B), m, mP, out, outP, 0, z, act);
  }
  if (!(flags & RESIDUAL)) return outP;
  const h = ew(ext, HEVAL);
  denseForward(outP, nP, mP, ew(ext, R), ew(ext, C), m, mP, 0, h, 0, 0, LINEAR);
  addInto(h, input, nP * mP);
  return h;
}

/** f(z) and f'(from output) over `count` floats (a multiple of 4), for the accuracy tests. */
export function mapActivation(code: i32, src: usize, dst: usize, count: i32, deriv: bool): void {
  for (let i = 0; i < count; i += 4) {
    const p = <usize>i << 2;
    const v = v128.load(src + p);
    v128.store(dst + p, deriv ? derivative(code, v) : activate(code, v));
  }
}

/** e^x over `count` floats (a multiple of 4), for the accuracy tests. */
export function mapExp(src: usize, dst: usize, count: i32): void {
  for (let i = 0; i < count; i += 4) {
    const p = <usize>i << 2;
    v128.store(dst + p, exp4(v128.load(src + p)));
  }
}
