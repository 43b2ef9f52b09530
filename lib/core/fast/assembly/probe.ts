// The probes' pass over an evaluation set (lib/core/fast/probe.ts): the
// forward pass keeping z_l and a_l of every layer, every example's own
// backpropagated error
//
//   δ_{i,L+1} = softmax(o_i) − y_i,   δ_{i,l} = (δ_{i,l+1} W_{l+1}ᵀ) ⊙ f'(z_{i,l}),
//
// (the gradient of the summed loss Σ_i ℓ_i, whose row i is example i's own δ),
// and the weight gradient of that sum, ∂(Σ_i ℓ_i)/∂W_l = Σ_i h_{i,l−1}ᵀ δ_{i,l},
// added into an accumulator so a set can go through in chunks. It reads the
// training step's weights, biases and Wᵀ copies in place and never writes them.
//
// Its own table of i32 words (written by probe.ts on the TypeScript side), so
// the training step's descriptor can change without touching this file:
//   header  L1, activation, x (rows), xP (panels), xC (columns), labels
//   layer   k, m, kP, mP, W, b, WT, z, out, outP, outC, dS, dP, G, dR
// z: pre-activation rows (hidden); out: a_l rows (the logits for the last);
// outP/outC: a_l in panels/columns (hidden); dS/dP: δ_l in strips/panels;
// G: the weight-gradient accumulator in strips, like W; dR: δ_l in rows
// (what the TypeScript side copies out).
import { denseForward, denseInputGrad, denseWeightStep, nonzeroColumnRows, nonzeroPanelColumns, packColumns, packPanels } from "./dense";
import { LINEAR } from "./vmath";
import { logSumExp } from "./loss";

const HEADER = 6;
const LAYER = 15;

// @ts-ignore: decorator
@inline function word(t: usize, i: i32): i32 {
  return load<i32>(t + (<usize>i << 2));
}
// @ts-ignore: decorator
@inline function lw(t: usize, l: i32, i: i32): usize {
  return <usize>word(t, HEADER + l * LAYER + i);
}

/** Lets the TypeScript side check it writes the table this build reads. */
export function probeLayout(): i32 {
  return HEADER * 100 + LAYER;
}

/**
 * The pass over n rows in x (rows n..nP zero). `backward`: also δ_l of every
 * layer; `grads`: also G_l += Σ_i h_{i,l−1}ᵀ δ_{i,l} (needs `backward`).
 */
export function probePass(t: usize, n: i32, backward: bool, grads: bool): void {
  const L1 = word(t, 0), act = word(t, 1);
  const nP = (n + 3) & ~3;
  const x = <usize>word(t, 2), xP = <usize>word(t, 3), xC = <usize>word(t, 4);
  packPanels(x, nP, <i32>lw(t, 0, 2), xP);
  if (grads) packColumns(x, nP, <i32>lw(t, 0, 2), xC);
  // The input's zeros, skipped by the first layer's products (dense.ts).
  const firstCols = nonzeroPanelColumns(xP, nP, <i32>lw(t, 0, 2));
  let input = xP;
  for (let l = 0; l < L1; l++) {
    const last = l == L1 - 1;
    denseForward(input, nP, <i32>lw(t, l, 2), lw(t, l, 4), lw(t, l, 5), <i32>lw(t, l, 1), <i32>lw(t, l, 3),
      lw(t, l, 8), last ? 0 : lw(t, l, 9), !last && backward ? lw(t, l, 10) : 0, last ? 0 : lw(t, l, 7), last ? LINEAR : act, l == 0 ? firstCols : 0);
    input = lw(t, l, 9);
  }
  if (!backward) return;
  const top = L1 - 1;
  outputError(lw(t, top, 8), n, nP, <i32>lw(t, top, 1), <i32>lw(t, top, 3), <usize>word(t, 5), lw(t, top, 11), lw(t, top, 12));
  for (let l = top; l > 0; l--) {
    denseInputGrad(lw(t, l, 12), nP, <i32>lw(t, l, 3), lw(t, l, 6), <i32>lw(t, l, 2), lw(t, l - 1, 10), act, lw(t, l - 1, 11), lw(t, l - 1, 12), 0);
  }
  for (let l = 0; l < L1; l++) stripsToRows(lw(t, l, 11), nP, <i32>lw(t, l, 3), lw(t, l, 14));
  if (!grads) return;
  const firstRows = nonzeroColumnRows(xC, nP, <i32>lw(t, 0, 2));
  for (let l = 0; l < L1; l++) {
    // G_l += h_{l−1}ᵀ δ_l: the training step's weight-gradient tiles, added up instead of applied.
    denseWeightStep(l > 0 ? lw(t, l - 1, 10) : xC, nP, <i32>lw(t, l, 2), lw(t, l, 11), <i32>lw(t, l, 3), lw(t, l, 13), 0, 0, 0, false, 0, l == 0 ? firstRows : 0, true);
  }
}

/**
 * δ = softmax(logits) − one-hot(label) per row (not divided by n: each row is
 * its example's own error), in strips and panels like loss.ts's gradient;
 * rows n..nP and columns C..mP 0. Float64 for the C scalars of a row.
 */
function outputError(logits: usize, n: i32, nP: i32, C: i32, mP: i32, labels: usize, dS: usize, dP: usize): void {
  const row = <usize>mP << 2, strip = <usize>nP << 5, panel = <usize>mP << 4;
  memory.fill(dS, 0, <usize>(mP >> 3) * strip);
  memory.fill(dP, 0, <usize>(mP >> 3) * strip);
  for (let i = 0; i < n; i++) {
    const z = logits + <usize>i * row;
    const lse = logSumExp(z, C);
    const label = load<i32>(labels + (<usize>i << 2));
    for (let c = 0; c < C; c++) {
      const g = <f32>(Math.exp(<f64>load<f32>(z + (<usize>c << 2)) - lse) - (c == label ? 1.0 : 0.0));
      store<f32>(dS + <usize>(c >> 3) * strip + (<usize>i << 5) + (<usize>(c & 7) << 2), g);
      store<f32>(dP + <usize>(i >> 2) * panel + (<usize>c << 4) + (<usize>(i & 3) << 2), g);
    }
  }
}

/** Rows R[i][c] (mP wide) of the n × mP matrix held in 8-column strips S[c/8][i][c%8]. */
function stripsToRows(S: usize, n: i32, mP: i32, R: usize): void {
  const strip = <usize>n << 5, row = <usize>mP << 2;
  for (let j = 0; j < mP; j += 8) {
    const s = S + <usize>(j >> 3) * strip, r = R + (<usize>j << 2);
    for (let i = 0; i < n; i++) {
      const from = s + (<usize>i << 5), to = r + <usize>i * row;
      v128.store(to, v128.load(from));
      v128.store(to, v128.load(from, 16), 16);
    }
  }
}
