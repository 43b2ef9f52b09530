/**
 * Small dense linear algebra in float64, for the quantities the notes reason
 * about: orthogonal matrices (init) and spectral norms (the "weights below 4"
 * argument). Row-major matrices. All singular values: lib/measure/svd.
 */

export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array | Float32Array;
}

export function matrix(rows: number, cols: number, data?: ArrayLike<number>): Matrix {
  const d = new Float64Array(rows * cols);
  if (data) {
    if (data.length !== rows * cols)
      throw new Error(`matrix: ${rows}x${cols} needs ${rows * cols} values, got ${data.length}`);
    d.set(data);
  }
  return { rows, cols, data: d };
}

export function transpose(m: Matrix): Matrix {
  const t = new Float64Array(m.rows * m.cols);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) t[j * m.rows + i] = m.data[i * m.cols + j];
  return { rows: m.cols, cols: m.rows, data: t };
}

export function matmul(a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.rows) throw new Error(`matmul: ${a.rows}x${a.cols} times ${b.rows}x${b.cols}`);
  const c = new Float64Array(a.rows * b.cols);
  for (let i = 0; i < a.rows; i++) {
    for (let k = 0; k < a.cols; k++) {
      const aik = a.data[i * a.cols + k];
      if (aik === 0) continue;
      const bo = k * b.cols,
        co = i * b.cols;
      for (let j = 0; j < b.cols; j++) c[co + j] += aik * b.data[bo + j];
    }
  }
  return { rows: a.rows, cols: b.cols, data: c };
}

/**
 * Q with orthonormal columns from a tall matrix (rows ≥ cols) by modified
 * Gram–Schmidt, twice for stability. Column signs follow R's diagonal being
 * positive, which makes Q Haar-distributed when A is Gaussian.
 */
export function orthonormalColumns(a: Matrix): Matrix {
  const { rows: n, cols: k } = a;
  if (n < k) throw new Error(`orthonormalColumns: needs rows ≥ cols, got ${n}x${k}`);
  // Work column-major for cache-friendly column operations.
  const q = new Float64Array(n * k);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) q[j * n + i] = a.data[i * k + j];
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < k; j++) {
      const cj = j * n;
      for (let p = 0; p < j; p++) {
        const cp = p * n;
        let dot = 0;
        for (let i = 0; i < n; i++) dot += q[cp + i] * q[cj + i];
        for (let i = 0; i < n; i++) q[cj + i] -= dot * q[cp + i];
      }
      let norm = 0;
      for (let i = 0; i < n; i++) norm += q[cj + i] * q[cj + i];
      norm = Math.sqrt(norm);
      if (norm < 1e-300) throw new Error("orthonormalColumns: matrix is rank deficient");
      for (let i = 0; i < n; i++) q[cj + i] /= norm;
    }
  }
  const out = new Float64Array(n * k);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) out[i * k + j] = q[j * n + i];
  return { rows: n, cols: k, data: out };
}

/**
 * Largest singular value ‖A‖₂ by power iteration on AᵀA: O(rows·cols) per
 * iteration, so it is cheap enough for 1000x1000 layers where a full SVD is not.
 */
export function spectralNorm(m: Matrix, opts: { iterations?: number; tol?: number; seed?: number } = {}): number {
  const { rows, cols, data } = m;
  const iters = opts.iterations ?? 200,
    tol = opts.tol ?? 1e-10;
  let v = new Float64Array(cols);
  let s = (opts.seed ?? 1) >>> 0 || 1;
  for (let j = 0; j < cols; j++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    v[j] = s / 4294967296 - 0.5;
  }
  normalize(v);
  const u = new Float64Array(rows);
  let sigma = 0;
  for (let it = 0; it < iters; it++) {
    u.fill(0);
    for (let i = 0; i < rows; i++) {
      let acc = 0;
      const o = i * cols;
      for (let j = 0; j < cols; j++) acc += data[o + j] * v[j];
      u[i] = acc;
    }
    const w = new Float64Array(cols);
    for (let i = 0; i < rows; i++) {
      const ui = u[i],
        o = i * cols;
      for (let j = 0; j < cols; j++) w[j] += data[o + j] * ui;
    }
    const next = Math.sqrt(normalize(w));
    v = w;
    if (Math.abs(next - sigma) <= tol * next) {
      sigma = next;
      break;
    }
    sigma = next;
  }
  return sigma;
}

function normalize(v: Float64Array): number {
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i] * v[i];
  const r = Math.sqrt(n) || 1;
  for (let i = 0; i < v.length; i++) v[i] /= r;
  return r;
}

export function frobeniusNorm(data: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < data.length; i++) s += data[i] * data[i];
  return Math.sqrt(s);
}
