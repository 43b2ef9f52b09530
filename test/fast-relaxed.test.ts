/**
 * The relaxed-SIMD build (fused multiply-adds) against the plain-SIMD build:
 * same training within float32 rounding, and bit-reproducible on its own.
 * In its own file because enableRelaxedSimd() sets a V8 flag for the whole
 * process (node --test runs each file in a process of its own).
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { FastTrainer, enableRelaxedSimd } from "../lib/core/fast";
import { KernelVariant } from "../lib/core/fast/wasm";

const dims = [784, 40, 24, 10];

function run(kernel: KernelVariant) {
  let s = 12345;
  const r = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), s / 2 ** 32 - 0.5);
  const weights: Record<string, Float32Array> = {};
  for (let l = 1; l < dims.length; l++) {
    weights[`W${l}`] = Float32Array.from({ length: dims[l - 1] * dims[l] }, () => (2 * r()) / Math.sqrt(dims[l - 1]));
    weights[`b${l}`] = new Float32Array(dims[l]);
  }
  const t = new FastTrainer({
    inputDim: 784,
    widths: dims.slice(1, -1),
    outputDim: 10,
    activation: "sigmoid",
    optimizer: { kind: "sgd", learningRate: 1, momentum: 0.5 },
    batchSize: 16,
    weights,
    kernel,
  });
  const losses: number[] = [];
  for (let step = 0; step < 50; step++) {
    const x = Float32Array.from({ length: 16 * 784 }, () => r() + 0.5);
    const labels = Int32Array.from({ length: 16 }, () => Math.floor((r() + 0.5) * 10));
    losses.push(t.step(x, labels));
  }
  return { losses, w: t.weights(), variant: t.variant };
}

test("relaxed SIMD, where this engine can enable it, trains like plain SIMD and is reproducible", (ctx) => {
  if (!enableRelaxedSimd()) {
    ctx.skip("no relaxed SIMD in this engine");
    return;
  }
  const plain = run("simd"),
    a = run("relaxed"),
    b = run("relaxed");
  assert.equal(a.variant, "relaxed");
  assert.deepEqual(a.w, b.w, "same build, same numbers");
  let worst = 0;
  for (const k of Object.keys(plain.w))
    plain.w[k].forEach((v, i) => (worst = Math.max(worst, Math.abs(v - a.w[k][i]))));
  // Fused vs separate rounding of the products: ulps per step, as between tfjs and the kernel.
  assert.ok(worst < 2e-6, `max |w_relaxed − w_simd| = ${worst}`);
  assert.ok(worst > 0, "the builds do round differently (else this test compares a build with itself)");
  a.losses.forEach((l, i) => assert.ok(Math.abs(l - plain.losses[i]) < 4e-6));
});
