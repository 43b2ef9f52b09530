import { test } from "node:test";
import * as assert from "node:assert/strict";
import { matmul, matrix, orthonormalColumns, singularValues, spectralNorm, symmetricEigenvalues, transpose } from "../lib/core/linalg";
import { Rng } from "../lib/core/rng";

function random(rows: number, cols: number, seed: number) {
  const r = new Rng(seed);
  return matrix(rows, cols, Array.from({ length: rows * cols }, () => r.normal()));
}

test("singular values of U·diag(s)·Vᵀ are s", () => {
  const s = [5, 3, 2, 0.5];
  const U = orthonormalColumns(random(7, 4, 1));
  const V = orthonormalColumns(random(4, 4, 2));
  const S = matrix(4, 4);
  s.forEach((v, i) => ((S.data as Float64Array)[i * 4 + i] = v));
  const A = matmul(matmul(U, S), transpose(V));
  const sv = singularValues(A);
  s.forEach((v, i) => assert.ok(Math.abs(sv[i] - v) < 1e-9, `σ${i} = ${sv[i]} vs ${v}`));
  assert.ok(Math.abs(spectralNorm(A) - 5) < 1e-8);
});

test("spectral norm by power iteration equals the largest singular value (full SVD)", () => {
  for (const [r, c, seed] of [[30, 20, 1], [20, 30, 2], [64, 64, 3], [1, 9, 4]] as const) {
    const A = random(r, c, seed);
    const full = singularValues(A)[0];
    const power = spectralNorm(A, { iterations: 5000, tol: 1e-13 });
    assert.ok(Math.abs(power - full) < 1e-6 * full, `${r}x${c}: power ${power} vs SVD ${full}`);
  }
});

test("Jacobi eigenvalues: trace and determinant invariants of a symmetric matrix", () => {
  const B = random(6, 6, 9);
  const S = matmul(B, transpose(B));
  const ev = symmetricEigenvalues(S);
  let trace = 0;
  for (let i = 0; i < 6; i++) trace += S.data[i * 6 + i];
  assert.ok(Math.abs(ev.reduce((a, b) => a + b, 0) - trace) < 1e-9 * trace);
  assert.ok(ev.every((v) => v > 0));
  for (let i = 1; i < 6; i++) assert.ok(ev[i - 1] >= ev[i]);
});
