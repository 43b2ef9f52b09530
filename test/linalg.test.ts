import { test } from "node:test";
import * as assert from "node:assert/strict";
import { matmul, matrix, orthonormalColumns, spectralNorm, transpose } from "../lib/core/linalg";
import { singularValues } from "../lib/measure/svd";
import { Rng } from "../lib/core/rng";

function random(rows: number, cols: number, seed: number) {
  const r = new Rng(seed);
  return matrix(
    rows,
    cols,
    Array.from({ length: rows * cols }, () => r.normal()),
  );
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
  for (const [r, c, seed] of [
    [30, 20, 1],
    [20, 30, 2],
    [64, 64, 3],
    [1, 9, 4],
  ] as const) {
    const A = random(r, c, seed);
    const full = singularValues(A)[0];
    const power = spectralNorm(A, { iterations: 5000, tol: 1e-13 });
    assert.ok(Math.abs(power - full) < 1e-6 * full, `${r}x${c}: power ${power} vs SVD ${full}`);
  }
});

test("singular values spanning 14 decades are recovered, and ‖A‖_F² = Σσ² (the Gram route would lose the small ones)", () => {
  const s = [1, 1e-2, 1e-5, 1e-9, 1e-14];
  const U = orthonormalColumns(random(9, 5, 5));
  const V = orthonormalColumns(random(5, 5, 6));
  const S = matrix(5, 5);
  s.forEach((v, i) => ((S.data as Float64Array)[i * 5 + i] = v));
  const A = matmul(matmul(U, S), transpose(V));
  const sv = singularValues(A);
  s.forEach((v, i) => assert.ok(Math.abs(sv[i] - v) < 1e-15 + 1e-6 * v, `σ${i} = ${sv[i]} vs ${v}`));
  const wide = singularValues(transpose(A));
  sv.forEach((v, i) => assert.ok(Math.abs(wide[i] - v) < 1e-15 + 1e-9 * v, "Aᵀ has the same singular values"));
  const fro = Array.from(A.data).reduce((t, x) => t + x * x, 0);
  assert.ok(Math.abs(sv.reduce((t, x) => t + x * x, 0) - fro) < 1e-12 * fro);
});
