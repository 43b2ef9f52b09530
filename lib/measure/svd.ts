/**
 * Singular values, accurately: one-sided Jacobi (Hestenes) rotations on the
 * columns of A or Aᵀ, whichever has fewer columns. Unlike eigenvalues of the
 * Gram matrix AᵀA (which squares the condition number, so singular values
 * below ~1e-8·σ_max drown in rounding), it keeps singular values far below
 * the largest accurate (to ~1e-15·σ_max) — which matters for the deep
 * Jacobian products of notebook 04, whose spectra span many decades.
 */
import type { Matrix } from "../core/linalg";
import { ConfigError } from "../core/errors";

/** All min(rows, cols) singular values of A, descending. */
export function singularValues(a: Matrix, tol = 1e-15, maxSweeps = 60): Float64Array {
  // Work on columns of B (m × k, k ≤ m), stored column-major.
  const tall = a.rows >= a.cols;
  const m = tall ? a.rows : a.cols,
    k = tall ? a.cols : a.rows;
  const B = new Float64Array(m * k);
  for (let r = 0; r < a.rows; r++)
    for (let c = 0; c < a.cols; c++) {
      const v = a.data[r * a.cols + c];
      if (tall) B[c * m + r] = v;
      else B[r * m + c] = v;
    }
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let rotated = false;
    for (let p = 0; p < k - 1; p++) {
      const op = p * m;
      for (let q = p + 1; q < k; q++) {
        const oq = q * m;
        let alpha = 0,
          beta = 0,
          gamma = 0;
        for (let r = 0; r < m; r++) {
          const x = B[op + r],
            y = B[oq + r];
          alpha += x * x;
          beta += y * y;
          gamma += x * y;
        }
        if (gamma === 0 || Math.abs(gamma) <= tol * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const cs = 1 / Math.sqrt(1 + t * t),
          sn = cs * t;
        for (let r = 0; r < m; r++) {
          const x = B[op + r],
            y = B[oq + r];
          B[op + r] = cs * x - sn * y;
          B[oq + r] = sn * x + cs * y;
        }
      }
    }
    if (!rotated) break;
  }
  const sv = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    let s = 0;
    for (let r = 0; r < m; r++) s += B[c * m + r] ** 2;
    sv[c] = Math.sqrt(s);
  }
  return sv.sort().reverse();
}

export interface SpectrumStats {
  readonly count: number;
  /** Mean of σ² (= ‖J‖_F² / count): the quantity "critical" inits set to 1. */
  readonly meanSquared: number;
  readonly mean: number;
  readonly max: number;
  readonly min: number;
  readonly median: number;
  /**
   * Fraction of singular values at or below floorRel × max: zero as far as a
   * float64 product of many matrices can tell (exact zeros for dead ReLUs).
   */
  readonly zeroFraction: number;
  /** Mean and standard deviation of log10 σ over the values above the floor: std 0 is perfect isometry. */
  readonly log10Mean: number;
  readonly log10Std: number;
}

/** Summary of a spectrum; values at or below floorRel·max count as zero (default 1e-12). */
export function spectrumStats(sv: ArrayLike<number>, floorRel = 1e-12): SpectrumStats {
  const xs = Array.from(sv).sort((p, q) => p - q);
  const n = xs.length;
  if (n === 0) throw new ConfigError("singular values", "an empty list", "at least one value");
  const max = xs[n - 1],
    floor = floorRel * max;
  let sq = 0,
    s = 0,
    lg = 0,
    lg2 = 0,
    above = 0;
  for (const v of xs) {
    sq += v * v;
    s += v;
    if (v > floor && v > 0) {
      const l = Math.log10(v);
      lg += l;
      lg2 += l * l;
      above++;
    }
  }
  const lm = above ? lg / above : NaN;
  return {
    count: n,
    meanSquared: sq / n,
    mean: s / n,
    max,
    min: xs[0],
    median: n % 2 ? xs[(n - 1) / 2] : (xs[n / 2 - 1] + xs[n / 2]) / 2,
    zeroFraction: (n - above) / n,
    log10Mean: lm,
    log10Std: above ? Math.sqrt(Math.max(0, lg2 / above - lm * lm)) : NaN,
  };
}

/** Mean of σ² of J = ‖J‖_F² / min(rows, cols), without an SVD. */
export function meanSquaredSingularValue(J: Matrix): number {
  let s = 0;
  for (let k = 0; k < J.data.length; k++) s += J.data[k] * J.data[k];
  return s / Math.min(J.rows, J.cols);
}
