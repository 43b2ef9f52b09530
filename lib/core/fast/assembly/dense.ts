// The three products of a dense layer. Layouts (sizes in floats, pointers in
// bytes; column counts padded to multiples of 8, row counts to multiples of
// 4, padding kept at zero):
//
//   rows     X[i][c]            row-major n × k (inputs, logits, what probes read)
//   panels   X[i/4][c][i%4]     4-row panels (the products broadcast from these)
//   columns  X[c/4][i][c%4]     4-column panels (dW broadcasts from these; f' reads them)
//   strips   W[j/8][p][j%8]     8-column strips (weights, their transposed copy,
//                               optimizer state, gradients: read in order)
//
//   forward        Y  = f(X·W + b)
//   input grads    dX = (dZ·Wᵀ) ⊙ f'(X)      with f' from the stored outputs X, and Wᵀ
//                                            a copy the update keeps in step with W
//   weight grads   dW = Xᵀ·dZ, handed to the optimizer tile by tile (never stored)
//
// Tiles keep 8 f32x4 accumulators plus a few operands in registers (V8 has
// 15 usable); inner loops are not unrolled by hand (V8 unrolls them by 2).
import { activate, derivative, fma } from "./vmath";
import { updateRow } from "./optim";

// Zero inputs (MNIST: about 80% of the pixels). A product's term with x = 0
// adds exactly ±0 to its accumulator, so the first layer's products may skip
// the inputs that are 0 in every row of a tile and give the same floats, bit
// for bit (the remaining terms are added in the same order). Per step, lists
// of the columns that are not all 0 in each 4-row panel (forward) and of the
// rows not all 0 in each 4-column panel (weight gradient) go to a static
// scratch area; a layer whose lists do not fit runs dense.
const SCRATCH_HALF: usize = 1 << 19;
const SCRATCH: usize = memory.data(<i32>(2 * SCRATCH_HALF), 16);
let skipZeros = true;

/** Off: the first layer's products run dense (the same floats; for the test that says so, and the benchmark). */
export function setSkipZeros(on: bool): void {
  skipZeros = on;
}

/**
 * For each 4-row panel of X (panels, n × kP): the columns c where some row is
 * not 0, as [count, c…] every (kP + 1) words. Returns the list, or 0 when it
 * does not fit (the products then run dense).
 */
export function nonzeroPanelColumns(XP: usize, n: i32, kP: i32): usize {
  const stride = (<usize>kP + 1) << 2, panel = <usize>kP << 4;
  if (!skipZeros || <usize>(n >> 2) * stride > SCRATCH_HALF) return 0;
  for (let i = 0; i < n; i += 4) {
    const x = XP + <usize>(i >> 2) * panel, list = SCRATCH + <usize>(i >> 2) * stride;
    let t = list + 4;
    for (let c = 0; c < kP; c++) {
      store<i32>(t, c);
      t += v128.any_true(v128.load(x + (<usize>c << 4))) ? 4 : 0;
    }
    store<i32>(list, <i32>((t - list - 4) >> 2));
  }
  return SCRATCH;
}

/**
 * For each 4-column panel of X (columns, n × kP): the rows i where some of
 * the 4 columns is not 0, as [count, i…] every (n + 1) words; 0 when it does
 * not fit.
 */
export function nonzeroColumnRows(XC: usize, n: i32, kP: i32): usize {
  const stride = (<usize>n + 1) << 2, colPanel = <usize>n << 4, base = SCRATCH + SCRATCH_HALF;
  if (!skipZeros || <usize>(kP >> 2) * stride > SCRATCH_HALF) return 0;
  for (let g = 0; g < kP >> 2; g++) {
    const x = XC + <usize>g * colPanel, list = base + <usize>g * stride;
    let t = list + 4;
    for (let i = 0; i < n; i++) {
      store<i32>(t, i);
      t += v128.any_true(v128.load(x + (<usize>i << 4))) ? 4 : 0;
    }
    store<i32>(list, <i32>((t - list - 4) >> 2));
  }
  return base;
}

/** Rows → panels: P[i/4][c][i%4] = X[i][c] for n rows (a multiple of 4) of kP columns. */
export function packPanels(X: usize, n: i32, kP: i32, P: usize): void {
  const row = <usize>kP << 2;
  for (let i = 0; i < n; i += 4) {
    const x = X + <usize>i * row, p = P + <usize>i * row;
    for (let c = 0; c < kP; c += 4) {
      const o = <usize>c << 2;
      storeTransposed(p + (o << 2), 16, v128.load(x + o), v128.load(x + row + o), v128.load(x + 2 * row + o), v128.load(x + 3 * row + o));
    }
  }
}

/** Rows → columns: C[c/4][i][c%4] = X[i][c] for n rows of kP columns. */
export function packColumns(X: usize, n: i32, kP: i32, C: usize): void {
  const row = <usize>kP << 2, panel = <usize>n << 4;
  for (let i = 0; i < n; i++) {
    const x = X + <usize>i * row, p = C + (<usize>i << 4);
    for (let c = 0; c < kP; c += 4) v128.store(p + <usize>(c >> 2) * panel, v128.load(x + (<usize>c << 2)));
  }
}

/** Store the 4×4 block with rows r0..r3 column by column, columns `stride` bytes apart. */
// @ts-ignore: decorator
@inline export function storeTransposed(p: usize, stride: usize, r0: v128, r1: v128, r2: v128, r3: v128): void {
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5); // a0 b0 a1 b1
  const t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7); // a2 b2 a3 b3
  const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5); // c0 d0 c1 d1
  const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7); // c2 d2 c3 d3
  v128.store(p, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
  v128.store(p + stride, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
  v128.store(p + 2 * stride, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
  v128.store(p + 3 * stride, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
}

/**
 * Y = f(X·W + b) from X in panels (n × kP) and W in strips (kP × mP). Y goes
 * to each layout asked for (pointer ≠ 0): rows `out`, panels `outP` (the next
 * layer's input), columns `outC` (for dW and f'), and the pre-activation z
 * in rows to `zOut`. Columns m..mP of Y are 0, so the next layer's padded
 * inputs are zeros whatever f(0) is.
 */
export function denseForward(XP: usize, n: i32, kP: i32, W: usize, b: usize, m: i32, mP: i32, out: usize, outP: usize, outC: usize, zOut: usize, code: i32, list: usize = 0): void {
  const panel = <usize>kP << 4, strip = <usize>kP << 5, rowY = <usize>mP << 2, colPanel = <usize>n << 4;
  for (let j = 0; j < mP; j += 8) {
    const col = <usize>j << 2;
    const wStrip = W + <usize>(j >> 3) * strip;
    const b0 = v128.load(b + col), b1 = v128.load(b + col, 16);
    const lane = i32x4(j, j + 1, j + 2, j + 3);
    const mask0 = i32x4.lt_s(lane, i32x4.splat(m));
    const mask1 = i32x4.lt_s(i32x4.add(lane, i32x4.splat(4)), i32x4.splat(m));
    for (let i = 0; i < n; i += 4) {
      let x = XP + <usize>(i >> 2) * panel;
      const xEnd = x + panel;
      let w = wStrip;
      let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
      let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
      if (list) {
        // Only the columns not 0 in this panel, in order (nonzeroPanelColumns).
        const cols = list + <usize>(i >> 2) * ((<usize>kP + 1) << 2);
        let t = cols + 4;
        const tEnd = t + (<usize>load<i32>(cols) << 2);
        while (t < tEnd) {
          const c = <usize>load<i32>(t);
          const xc = x + (c << 4), wc = w + (c << 5);
          const w0 = v128.load(wc), w1 = v128.load(wc, 16);
          let s = v128.load32_splat(xc);
          c00 = fma(s, w0, c00); c01 = fma(s, w1, c01);
          s = v128.load32_splat(xc, 4);
          c10 = fma(s, w0, c10); c11 = fma(s, w1, c11);
          s = v128.load32_splat(xc, 8);
          c20 = fma(s, w0, c20); c21 = fma(s, w1, c21);
          s = v128.load32_splat(xc, 12);
          c30 = fma(s, w0, c30); c31 = fma(s, w1, c31);
          t += 4;
        }
      } else {
        while (x < xEnd) {
          const w0 = v128.load(w), w1 = v128.load(w, 16);
          let s = v128.load32_splat(x);
          c00 = fma(s, w0, c00); c01 = fma(s, w1, c01);
          s = v128.load32_splat(x, 4);
          c10 = fma(s, w0, c10); c11 = fma(s, w1, c11);
          s = v128.load32_splat(x, 8);
          c20 = fma(s, w0, c20); c21 = fma(s, w1, c21);
          s = v128.load32_splat(x, 12);
          c30 = fma(s, w0, c30); c31 = fma(s, w1, c31);
          x += 16;
          w += 32;
        }
      }
      const o = <usize>i * rowY + col;
      if (zOut) storeZ(zOut + o, rowY, f32x4.add(c00, b0), f32x4.add(c01, b1), f32x4.add(c10, b0), f32x4.add(c11, b1), f32x4.add(c20, b0), f32x4.add(c21, b1), f32x4.add(c30, b0), f32x4.add(c31, b1));
      const y00 = v128.and(activate(code, f32x4.add(c00, b0)), mask0), y01 = v128.and(activate(code, f32x4.add(c01, b1)), mask1);
      const y10 = v128.and(activate(code, f32x4.add(c10, b0)), mask0), y11 = v128.and(activate(code, f32x4.add(c11, b1)), mask1);
      const y20 = v128.and(activate(code, f32x4.add(c20, b0)), mask0), y21 = v128.and(activate(code, f32x4.add(c21, b1)), mask1);
      const y30 = v128.and(activate(code, f32x4.add(c30, b0)), mask0), y31 = v128.and(activate(code, f32x4.add(c31, b1)), mask1);
      if (out) storeZ(out + o, rowY, y00, y01, y10, y11, y20, y21, y30, y31);
      if (outC) {
        // Columns j..j+3 then j+4..j+7 of rows i..i+3: 64 contiguous bytes each.
        const p = outC + <usize>(j >> 2) * colPanel + (<usize>i << 4);
        v128.store(p, y00); v128.store(p, y10, 16); v128.store(p, y20, 32); v128.store(p, y30, 48);
        const q = p + colPanel;
        v128.store(q, y01); v128.store(q, y11, 16); v128.store(q, y21, 32); v128.store(q, y31, 48);
      }
      if (outP) {
        const p = outP + <usize>i * rowY + (col << 2);
        storeTransposed(p, 16, y00, y10, y20, y30);
        storeTransposed(p + 64, 16, y01, y11, y21, y31);
      }
    }
  }
}

/** Four rows of 8 floats, rows `row` bytes apart. */
function storeZ(p: usize, row: usize, a0: v128, a1: v128, b0: v128, b1: v128, c0: v128, c1: v128, d0: v128, d1: v128): void {
  v128.store(p, a0); v128.store(p, a1, 16);
  p += row;
  v128.store(p, b0); v128.store(p, b1, 16);
  p += row;
  v128.store(p, c0); v128.store(p, c1, 16);
  p += row;
  v128.store(p, d0); v128.store(p, d1, 16);
}

/**
 * dX = (dZ·Wᵀ) ⊙ f'(Y): the forward product's loop with dZ in panels (n ×
 * mP) and Wᵀ in strips (mP rows per strip of 8 columns c), then × f'(Y) with
 * Y (the layer's input) in columns. dX goes out in strips (for dW of the
 * layer below) and panels (for its dX). Where `skip` ≠ 0 (strips like dX),
 * it is added to dZ·Wᵀ before the product with f': a residual block's
 * identity path, dX = (dZ·Wᵀ + skip) ⊙ f'(Y).
 */
export function denseInputGrad(dZP: usize, n: i32, mP: i32, WT: usize, kP: i32, YC: usize, code: i32, dXS: usize, dXP: usize, skip: usize): void {
  const panel = <usize>mP << 4, strip = <usize>mP << 5, colPanel = <usize>n << 4, outPanel = <usize>kP << 4;
  for (let c = 0; c < kP; c += 8) {
    const wStrip = WT + <usize>(c >> 3) * strip;
    const y0 = YC + <usize>(c >> 2) * colPanel, y1 = y0 + colPanel;
    const s0 = dXS + <usize>(c >> 3) * (<usize>n << 5);
    for (let i = 0; i < n; i += 4) {
      let x = dZP + <usize>(i >> 2) * panel;
      const xEnd = x + panel;
      let w = wStrip;
      let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
      let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
      while (x < xEnd) {
        const w0 = v128.load(w), w1 = v128.load(w, 16);
        let s = v128.load32_splat(x);
        c00 = fma(s, w0, c00); c01 = fma(s, w1, c01);
        s = v128.load32_splat(x, 4);
        c10 = fma(s, w0, c10); c11 = fma(s, w1, c11);
        s = v128.load32_splat(x, 8);
        c20 = fma(s, w0, c20); c21 = fma(s, w1, c21);
        s = v128.load32_splat(x, 12);
        c30 = fma(s, w0, c30); c31 = fma(s, w1, c31);
        x += 16;
        w += 32;
      }
      const r = <usize>i << 4;
      if (skip) {
        const q = skip + <usize>(c >> 3) * (<usize>n << 5) + (<usize>i << 5);
        c00 = f32x4.add(c00, v128.load(q)); c01 = f32x4.add(c01, v128.load(q, 16));
        c10 = f32x4.add(c10, v128.load(q, 32)); c11 = f32x4.add(c11, v128.load(q, 48));
        c20 = f32x4.add(c20, v128.load(q, 64)); c21 = f32x4.add(c21, v128.load(q, 80));
        c30 = f32x4.add(c30, v128.load(q, 96)); c31 = f32x4.add(c31, v128.load(q, 112));
      }
      const d00 = f32x4.mul(c00, derivative(code, v128.load(y0 + r))), d01 = f32x4.mul(c01, derivative(code, v128.load(y1 + r)));
      const d10 = f32x4.mul(c10, derivative(code, v128.load(y0 + r, 16))), d11 = f32x4.mul(c11, derivative(code, v128.load(y1 + r, 16)));
      const d20 = f32x4.mul(c20, derivative(code, v128.load(y0 + r, 32))), d21 = f32x4.mul(c21, derivative(code, v128.load(y1 + r, 32)));
      const d30 = f32x4.mul(c30, derivative(code, v128.load(y0 + r, 48))), d31 = f32x4.mul(c31, derivative(code, v128.load(y1 + r, 48)));
      // Strips: rows i..i+3 of this strip, 128 contiguous bytes.
      storeZ(s0 + (<usize>i << 5), 32, d00, d01, d10, d11, d20, d21, d30, d31);
      const p = dXP + <usize>(i >> 2) * outPanel + (<usize>c << 4);
      storeTransposed(p, 16, d00, d10, d20, d30);
      storeTransposed(p + 64, 16, d01, d11, d21, d31);
    }
  }
}

/**
 * dW = Xᵀ·dZ tile by tile (X in columns, dZ in strips), each 4×8 tile handed
 * to the optimizer while in registers. Rows c..c+3 of dW are columns of X:
 * one vector per row of X, broadcast lane by lane; both operands are read in
 * order. When WT ≠ 0 the updated tile is also written, transposed, into Wᵀ
 * (strips of mP rows). Returns Σ Δw² (0 unless `measure`).
 *
 * With `accumulate`, W is a gradient sum in strips and each tile is added to
 * it instead (the probes' pass, assembly/probe.ts; S1, S2, lr, WT unused).
 */
export function denseWeightStep(XC: usize, n: i32, kP: i32, dZ: usize, mP: i32, W: usize, S1: usize, S2: usize, lr: f32, measure: bool, WT: usize, list: usize = 0, accumulate: bool = false): f64 {
  const colPanel = <usize>n << 4, dStrip = <usize>n << 5, wStrip = <usize>kP << 5, tStrip = <usize>mP << 5;
  let sq: f64 = 0;
  for (let j = 0; j < mP; j += 8) {
    const dS = dZ + <usize>(j >> 3) * dStrip;
    const dEnd = dS + dStrip;
    const wS = <usize>(j >> 3) * wStrip;
    for (let c = 0; c < kP; c += 4) {
      let x = XC + <usize>(c >> 2) * colPanel;
      let d = dS;
      let g00 = f32x4.splat(0), g01 = f32x4.splat(0), g10 = f32x4.splat(0), g11 = f32x4.splat(0);
      let g20 = f32x4.splat(0), g21 = f32x4.splat(0), g30 = f32x4.splat(0), g31 = f32x4.splat(0);
      if (list) {
        // Only the rows not 0 in these 4 columns, in order (nonzeroColumnRows).
        const rows = list + <usize>(c >> 2) * ((<usize>n + 1) << 2);
        let t = rows + 4;
        const tEnd = t + (<usize>load<i32>(rows) << 2);
        while (t < tEnd) {
          const i = <usize>load<i32>(t);
          const xi = x + (i << 4), di = d + (i << 5);
          const d0 = v128.load(di), d1 = v128.load(di, 16);
          let s = v128.load32_splat(xi);
          g00 = fma(s, d0, g00); g01 = fma(s, d1, g01);
          s = v128.load32_splat(xi, 4);
          g10 = fma(s, d0, g10); g11 = fma(s, d1, g11);
          s = v128.load32_splat(xi, 8);
          g20 = fma(s, d0, g20); g21 = fma(s, d1, g21);
          s = v128.load32_splat(xi, 12);
          g30 = fma(s, d0, g30); g31 = fma(s, d1, g31);
          t += 4;
        }
      } else {
        while (d < dEnd) {
          const d0 = v128.load(d), d1 = v128.load(d, 16);
          let s = v128.load32_splat(x);
          g00 = fma(s, d0, g00); g01 = fma(s, d1, g01);
          s = v128.load32_splat(x, 4);
          g10 = fma(s, d0, g10); g11 = fma(s, d1, g11);
          s = v128.load32_splat(x, 8);
          g20 = fma(s, d0, g20); g21 = fma(s, d1, g21);
          s = v128.load32_splat(x, 12);
          g30 = fma(s, d0, g30); g31 = fma(s, d1, g31);
          x += 16;
          d += 32;
        }
      }
      const o = wS + (<usize>c << 5);
      if (accumulate) {
        const a = W + o;
        v128.store(a, f32x4.add(v128.load(a), g00)); v128.store(a, f32x4.add(v128.load(a, 16), g01), 16);
        v128.store(a, f32x4.add(v128.load(a, 32), g10), 32); v128.store(a, f32x4.add(v128.load(a, 48), g11), 48);
        v128.store(a, f32x4.add(v128.load(a, 64), g20), 64); v128.store(a, f32x4.add(v128.load(a, 80), g21), 80);
        v128.store(a, f32x4.add(v128.load(a, 96), g30), 96); v128.store(a, f32x4.add(v128.load(a, 112), g31), 112);
        continue;
      }
      sq += updateRow(W + o, S1 + o, S2 + o, g00, g01, lr, measure);
      sq += updateRow(W + o + 32, S1 + o + 32, S2 + o + 32, g10, g11, lr, measure);
      sq += updateRow(W + o + 64, S1 + o + 64, S2 + o + 64, g20, g21, lr, measure);
      sq += updateRow(W + o + 96, S1 + o + 96, S2 + o + 96, g30, g31, lr, measure);
      if (WT) {
        // Wᵀ[j..j+8][c..c+4] from the tile just updated (still in L1).
        const w = W + o, t = WT + <usize>(c >> 3) * tStrip + (<usize>j << 5) + (<usize>(c & 7) << 2);
        storeTransposed(t, 32, v128.load(w), v128.load(w, 32), v128.load(w, 64), v128.load(w, 96));
        storeTransposed(t + 128, 32, v128.load(w, 16), v128.load(w, 48), v128.load(w, 80), v128.load(w, 112));
      }
    }
  }
  return sq;
}

/** db = Σ_i dZ[i, ·] (dZ in strips), applied by the optimizer; returns Σ Δb² (0 unless `measure`). */
export function denseBiasStep(n: i32, dZ: usize, mP: i32, b: usize, S1: usize, S2: usize, lr: f32, measure: bool): f64 {
  const dStrip = <usize>n << 5;
  let sq: f64 = 0;
  for (let j = 0; j < mP; j += 8) {
    let d = dZ + <usize>(j >> 3) * dStrip;
    const dEnd = d + dStrip;
    let g0 = f32x4.splat(0), g1 = f32x4.splat(0);
    while (d < dEnd) {
      g0 = f32x4.add(g0, v128.load(d));
      g1 = f32x4.add(g1, v128.load(d, 16));
      d += 32;
    }
    const o = <usize>j << 2;
    sq += updateRow(b + o, S1 + o, S2 + o, g0, g1, lr, measure);
  }
  return sq;
}
