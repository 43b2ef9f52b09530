// One training step of an MLP in one call: forward (dense + activation),
// softmax cross-entropy, backward and the optimizer update, on buffers the
// TypeScript side (lib/core/fast/kernel.ts) lays out in this module's memory
// and describes in a table of i32 words (the descriptor below).
import { denseBiasStep, denseForward, denseInputGrad, denseWeightStep, packColumns, packPanels } from "./dense";
import { softmaxCrossEntropy } from "./loss";
import { activate, derivative, exp4, LINEAR } from "./vmath";
export { setOptimizer } from "./optim";
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

/** Lets the TypeScript side check it writes the layout this build reads. */
export function descriptorLayout(): i32 {
  return HEADER * 100 + LAYER;
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
@inline function lf(desc: usize, l: i32, i: i32): f32 {
  return load<f32>(desc + (<usize>(HEADER + l * LAYER + i) << 2));
}

/**
 * One step on the batch in X/LABELS (n real rows). Returns the batch loss;
 * when it is not finite nothing is updated (like lib/train.ts). With
 * `measure`, SUMSQ[l] receives Σ Δθ² over layer l's weights and biases.
 */
export function step(desc: usize, n: i32, measure: bool): f64 {
  const L1 = word(desc, LAYERS), act = word(desc, ACT);
  const nP = (n + 3) & ~3;
  let input = <usize>word(desc, XP);
  packPanels(word(desc, X), nP, lw(desc, 0, KP), input);
  packColumns(word(desc, X), nP, lw(desc, 0, KP), word(desc, XC));
  for (let l = 0; l < L1; l++) {
    const last = l == L1 - 1;
    denseForward(input, nP, lw(desc, l, KP), lw(desc, l, W), lw(desc, l, B), lw(desc, l, M), lw(desc, l, MP),
      last ? <usize>lw(desc, l, OUT) : 0, last ? 0 : <usize>lw(desc, l, OUTP), last ? 0 : <usize>lw(desc, l, OUTC), 0, last ? LINEAR : act);
    input = lw(desc, l, OUTP);
  }
  const top = L1 - 1;
  let g = <usize>word(desc, G0), other = <usize>word(desc, G1);
  let gP = <usize>word(desc, GP0), otherP = <usize>word(desc, GP1);
  const loss = softmaxCrossEntropy(lw(desc, top, OUT), n, nP, lw(desc, top, M), lw(desc, top, MP), word(desc, LABELS), g, gP);
  if (!isFinite(loss)) return loss;
  const sumsq = <usize>word(desc, SUMSQ);
  for (let l = top; l >= 0; l--) {
    const kP = lw(desc, l, KP), mP = lw(desc, l, MP), lr = lf(desc, l, LR);
    const below = l > 0 ? <usize>lw(desc, l - 1, OUTC) : <usize>word(desc, XC); // the layer's input, in columns
    // The gradient for the layer below uses W before this layer's update.
    if (l > 0) denseInputGrad(gP, nP, mP, lw(desc, l, WT), kP, below, act, other, otherP);
    let sq = denseWeightStep(below, nP, kP, g, mP, lw(desc, l, W), lw(desc, l, S1W), lw(desc, l, S2W), lr, measure, lw(desc, l, WT));
    sq += denseBiasStep(nP, g, mP, lw(desc, l, B), lw(desc, l, S1B), lw(desc, l, S2B), lr, measure);
    store<f64>(sumsq + (<usize>l << 3), sq);
    const t = g, tP = gP;
    g = other;
    other = t;
    gP = otherP;
    otherP = tP;
  }
  return loss;
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
  let input = xP;
  for (let l = 0; l < L1; l++) {
    const last = l == L1 - 1;
    const out = <usize>load<i32>(outs + (<usize>l << 2));
    const outP = <usize>load<i32>(outPs + (<usize>l << 2));
    const z = <usize>load<i32>(zs + (<usize>l << 2));
    denseForward(input, nP, lw(desc, l, KP), lw(desc, l, W), lw(desc, l, B), lw(desc, l, M), lw(desc, l, MP), out, last ? 0 : outP, 0, z, last ? LINEAR : act);
    input = outP;
  }
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
