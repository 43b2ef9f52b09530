// Batch normalization and the residual block's sum (lib/core/model.ts), on
// dense.ts's layouts. All of it is per-column work, O(n × m) per layer, next
// to the products' O(n × m × k): written plainly, 4 columns at a time.
//
//   training:   μ = mean_i u,  σ² = mean_i (u − μ)²  (biased, as tf.moments),
//               x̂ = (u − μ) / √(σ² + ε),  z = γ x̂ + β
//   inference:  the same with the moving averages in place of μ and σ²
//   moving:     m ← m·0.99 + μ·(1 − 0.99)  (Mlp.updateMovingStats, BN_MOMENTUM)
//   backward:   dγ = Σ dz x̂,  dβ = Σ dz,  du = γ/√(σ² + ε) · (dz − mean dz − x̂ · mean(dz x̂))
//
// Statistics and sums run over the n real rows only; rows n..nP of what is
// written (x̂, f(z), du) are 0, so padding never feeds back.
import { activate } from "./vmath";
import { updateRow } from "./optim";
import { storeTransposed } from "./dense";

/** lib/core/model.ts's BN_EPSILON and BN_MOMENTUM. */
const EPSILON: f32 = 1e-3;
const MOMENTUM: f32 = 0.99;
const ONE_MINUS_MOMENTUM: f32 = <f32>(1.0 - 0.99);

// @ts-ignore: decorator
@inline function columnMask(j: i32, m: i32): v128 {
  return i32x4.lt_s(i32x4(j, j + 1, j + 2, j + 3), i32x4.splat(m));
}

/**
 * Training mode on u (rows, nP × mP): writes μ, σ² and 1/√(σ² + ε) per
 * column, replaces u by x̂ in place, and writes f(γ x̂ + β) to A (rows).
 */
export function bnTrainForward(U: usize, n: i32, nP: i32, m: i32, mP: i32, gamma: usize, beta: usize, mean: usize, variance: usize, invStd: usize, code: i32, A: usize): void {
  const row = <usize>mP << 2;
  const count = f32x4.splat(<f32>n);
  for (let j = 0; j < mP; j += 4) {
    const col = <usize>j << 2;
    let s = f32x4.splat(0);
    for (let i = 0; i < n; i++) s = f32x4.add(s, v128.load(U + <usize>i * row + col));
    const mu = f32x4.div(s, count);
    let ss = f32x4.splat(0);
    for (let i = 0; i < n; i++) {
      const d = f32x4.sub(v128.load(U + <usize>i * row + col), mu);
      ss = f32x4.add(ss, f32x4.mul(d, d));
    }
    const v = f32x4.div(ss, count);
    const inv = f32x4.div(f32x4.splat(1), f32x4.sqrt(f32x4.add(v, f32x4.splat(EPSILON))));
    v128.store(mean + col, mu);
    v128.store(variance + col, v);
    v128.store(invStd + col, inv);
    normalizeColumns(U, n, nP, row, col, mu, inv, v128.load(gamma + col), v128.load(beta + col), columnMask(j, m), code, U, 0, A);
  }
}

/** Inference mode on u (rows): z = γ (u − m) / √(v + ε) + β with the moving averages; z to Z (if ≠ 0), f(z) to A. */
export function bnInferForward(U: usize, nP: i32, m: i32, mP: i32, gamma: usize, beta: usize, movingMean: usize, movingVariance: usize, code: i32, Z: usize, A: usize): void {
  const row = <usize>mP << 2;
  for (let j = 0; j < mP; j += 4) {
    const col = <usize>j << 2;
    const inv = f32x4.div(f32x4.splat(1), f32x4.sqrt(f32x4.add(v128.load(movingVariance + col), f32x4.splat(EPSILON))));
    normalizeColumns(U, nP, nP, row, col, v128.load(movingMean + col), inv, v128.load(gamma + col), v128.load(beta + col), columnMask(j, m), code, 0, Z, A);
  }
}

/** Columns col..col+3 of rows 0..nP: x̂ = (u − μ)·inv to XH, z = γ x̂ + β to Z, f(z) to A (each if ≠ 0); rows n..nP get 0. */
// @ts-ignore: decorator
@inline function normalizeColumns(U: usize, n: i32, nP: i32, row: usize, col: usize, mu: v128, inv: v128, g: v128, b: v128, mask: v128, code: i32, XH: usize, Z: usize, A: usize): void {
  const zero = f32x4.splat(0);
  for (let i = 0; i < nP; i++) {
    const o = <usize>i * row + col;
    let xh = zero, z = zero, a = zero;
    if (i < n) {
      xh = v128.and(f32x4.mul(f32x4.sub(v128.load(U + o), mu), inv), mask);
      z = v128.and(f32x4.add(f32x4.mul(xh, g), b), mask);
      a = v128.and(activate(code, z), mask);
    }
    if (XH) v128.store(XH + o, xh);
    if (Z) v128.store(Z + o, z);
    v128.store(A + o, a);
  }
}

/** The moving averages after a training batch with statistics (mean, variance), mP columns. */
export function bnUpdateMoving(movingMean: usize, movingVariance: usize, mean: usize, variance: usize, mP: i32): void {
  const mom = f32x4.splat(MOMENTUM), rest = f32x4.splat(ONE_MINUS_MOMENTUM);
  for (let j = 0; j < mP; j += 4) {
    const col = <usize>j << 2;
    v128.store(movingMean + col, f32x4.add(f32x4.mul(v128.load(movingMean + col), mom), f32x4.mul(v128.load(mean + col), rest)));
    v128.store(movingVariance + col, f32x4.add(f32x4.mul(v128.load(movingVariance + col), mom), f32x4.mul(v128.load(variance + col), rest)));
  }
}

/**
 * dz (strips, nP rows) → du in place (strips) and in panels DP, with x̂ in
 * rows XH; then γ and β take their optimizer step (dγ = Σ dz x̂, dβ = Σ dz),
 * after du has used γ as it was. Returns Σ Δγ² + Σ Δβ² (0 unless `measure`).
 */
export function bnBackward(D: usize, DP: usize, n: i32, nP: i32, mP: i32, XH: usize, gamma: usize, beta: usize, invStd: usize, s1g: usize, s1b: usize, s2g: usize, s2b: usize, lr: f32, measure: bool): f64 {
  const strip = <usize>nP << 5, row = <usize>mP << 2, panel = <usize>mP << 4;
  const count = f32x4.splat(<f32>n);
  let sq: f64 = 0;
  for (let j = 0; j < mP; j += 8) {
    const d = D + <usize>(j >> 3) * strip, col = <usize>j << 2;
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0), t0 = f32x4.splat(0), t1 = f32x4.splat(0);
    for (let i = 0; i < n; i++) {
      const dz0 = v128.load(d + (<usize>i << 5)), dz1 = v128.load(d + (<usize>i << 5), 16);
      const x = XH + <usize>i * row + col;
      s0 = f32x4.add(s0, dz0);
      s1 = f32x4.add(s1, dz1);
      t0 = f32x4.add(t0, f32x4.mul(dz0, v128.load(x)));
      t1 = f32x4.add(t1, f32x4.mul(dz1, v128.load(x, 16)));
    }
    const k0 = f32x4.mul(v128.load(gamma + col), v128.load(invStd + col));
    const k1 = f32x4.mul(v128.load(gamma + col, 16), v128.load(invStd + col, 16));
    const m0 = f32x4.div(s0, count), m1 = f32x4.div(s1, count);
    const q0 = f32x4.div(t0, count), q1 = f32x4.div(t1, count);
    for (let i = 0; i < nP; i += 4) {
      const r = d + (<usize>i << 5);
      const x = XH + <usize>i * row + col;
      const a0 = duOf(r, x, 0, k0, m0, q0, i < n), a1 = duOf(r, x, 16, k1, m1, q1, i < n);
      const b0 = duOf(r + 32, x + row, 0, k0, m0, q0, i + 1 < n), b1 = duOf(r + 32, x + row, 16, k1, m1, q1, i + 1 < n);
      const c0 = duOf(r + 64, x + 2 * row, 0, k0, m0, q0, i + 2 < n), c1 = duOf(r + 64, x + 2 * row, 16, k1, m1, q1, i + 2 < n);
      const e0 = duOf(r + 96, x + 3 * row, 0, k0, m0, q0, i + 3 < n), e1 = duOf(r + 96, x + 3 * row, 16, k1, m1, q1, i + 3 < n);
      v128.store(r, a0); v128.store(r, a1, 16); v128.store(r, b0, 32); v128.store(r, b1, 48);
      v128.store(r, c0, 64); v128.store(r, c1, 80); v128.store(r, e0, 96); v128.store(r, e1, 112);
      const p = DP + <usize>(i >> 2) * panel + (<usize>j << 4);
      storeTransposed(p, 16, a0, b0, c0, e0);
      storeTransposed(p + 64, 16, a1, b1, c1, e1);
    }
    sq += updateRow(gamma + col, s1g + col, s2g + col, t0, t1, lr, measure);
    sq += updateRow(beta + col, s1b + col, s2b + col, s0, s1, lr, measure);
  }
  return sq;
}

/** du = k · (dz − mean dz − x̂ · mean(dz x̂)) for 4 columns of one row; 0 for a padding row. */
// @ts-ignore: decorator
@inline function duOf(dz: usize, xh: usize, o: usize, k: v128, meanDz: v128, meanDzX: v128, real: bool): v128 {
  if (!real) return f32x4.splat(0);
  const centred = f32x4.sub(f32x4.sub(v128.load(dz + o), meanDz), f32x4.mul(v128.load(xh + o), meanDzX));
  return f32x4.mul(k, centred);
}

/** dst += src over `count` floats (a multiple of 4): the residual block's skip path. */
export function addInto(dst: usize, src: usize, count: i32): void {
  const end = dst + (<usize>count << 2);
  for (; dst < end; dst += 16, src += 16) v128.store(dst, f32x4.add(v128.load(src), v128.load(dst)));
}
