/**
 * The fast kernel's f32x4 math against float64: exp over the whole f32
 * range (including overflow, underflow to denormals and zero, NaN, ±inf),
 * and every activation f and its derivative through the output against
 * lib/activations.ts.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { activation, ACTIVATION_NAMES, ActivationName } from "../lib/core/activations";
import { ACTIVATION_CODES } from "../lib/core/fast/config";
import { instantiate, KernelExports } from "../lib/core/fast/wasm";

const EPS = 2 ** -24; // half an ulp at 1: float32's unit roundoff
const MIN_NORMAL = 2 ** -126;

/** Run one of the kernel's map functions over `xs`; returns its outputs. */
function mapped(
  k: KernelExports,
  xs: Float32Array,
  run: (src: number, dst: number, count: number) => void,
): Float32Array {
  const count = Math.ceil(xs.length / 4) * 4;
  const src = k.heapBase(),
    dst = src + 4 * count;
  const need = dst + 4 * count - k.memory.buffer.byteLength;
  if (need > 0) k.memory.grow(Math.ceil(need / 65536));
  const f = new Float32Array(k.memory.buffer);
  f.fill(0, src >> 2, (dst >> 2) + count);
  f.set(xs, src >> 2);
  run(src, dst, count);
  return new Float32Array(k.memory.buffer).slice(dst >> 2, (dst >> 2) + xs.length);
}

/** A dense grid over [lo, hi] plus values where implementations typically break. */
function grid(lo: number, hi: number, n: number): Float32Array {
  const special = [
    0, -0, 1e-30, -1e-30, 1e-8, -1e-8, 1e-4, -1e-4, 0.5499, 0.55, 0.5501, -0.55, 88.72, 88.73, -87.33, -103.9, -104.1,
  ];
  return Float32Array.from([...Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1)), ...special]);
}

test("exp4 is within 1 ulp of Math.exp on the normal range, exact at the edges, and passes NaN and ±inf", () => {
  const k = instantiate("simd").kernel;
  const xs = grid(-110, 100, 200_001);
  const got = mapped(k, xs, (s, d, c) => k.mapExp(s, d, c));
  let worstUlp = 0,
    worstTiny = 0;
  xs.forEach((x, i) => {
    const ref = Math.exp(x);
    if (ref >= MIN_NORMAL && ref <= 3.4028234663852886e38)
      worstUlp = Math.max(worstUlp, Math.abs(got[i] - ref) / (ref * 2 * EPS));
    else if (ref < MIN_NORMAL) worstTiny = Math.max(worstTiny, Math.abs(got[i] - ref));
    else assert.equal(got[i], Infinity, `exp(${x}) overflows float32`);
  });
  assert.ok(worstUlp <= 1, `worst error ${worstUlp.toFixed(3)} ulp`);
  // Below the smallest normal the result is a denormal (or 0) within one denormal step.
  assert.ok(worstTiny <= 2 ** -149, `worst error below the normal range ${worstTiny}`);
  const edge = mapped(k, Float32Array.from([NaN, Infinity, -Infinity, 0, 1000, -1000]), (s, d, c) => k.mapExp(s, d, c));
  assert.ok(Number.isNaN(edge[0]));
  assert.deepEqual(Array.from(edge.subarray(1)), [Infinity, 0, 1, Infinity, 0]);
});

/**
 * |fast − float64| ≤ 4ε·max(|ref|, scale) + 2⁻¹²⁶: relative for every f but
 * scaledSigmoid, which is computed as 4σ(z) − 2 (as tfjs does) and so is
 * exact only relative to its scale 2 near 0; derivatives through the output,
 * like 1 − a², cancel near saturation and are exact relative to max f'.
 * The 2⁻¹²⁶ term: float32 results below the smallest normal may flush.
 */
function tolerance(name: ActivationName, ref: number, derivative: boolean): number {
  const scale = derivative ? activation(name).maxDerivative : name === "scaledSigmoid" ? 2 : 0;
  return 4 * EPS * Math.max(Math.abs(ref), scale) + MIN_NORMAL;
}

for (const name of ACTIVATION_NAMES) {
  test(`${name}: f and f' (from the output) agree with lib/activations.ts, also saturated and at NaN/±inf`, () => {
    const k = instantiate("simd").kernel,
      a = activation(name),
      code = ACTIVATION_CODES[name];
    const zs = grid(-90, 90, 60_001);
    const f = mapped(k, zs, (s, d, c) => k.mapActivation(code, s, d, c, 0));
    zs.forEach((z, i) => {
      const ref = a.f(z);
      assert.ok(Math.abs(f[i] - ref) <= tolerance(name, ref, false), `${name}(${z}) = ${f[i]}, float64 ${ref}`);
    });
    // The derivative from the stored (float32) outputs, as the backward pass uses it.
    const df = mapped(k, f, (s, d, c) => k.mapActivation(code, s, d, c, 1));
    f.forEach((out, i) => {
      const ref = a.dfFromOutput(out);
      assert.ok(
        Math.abs(df[i] - ref) <= tolerance(name, ref, true),
        `${name}' at output ${out} = ${df[i]}, float64 ${ref}`,
      );
    });
    const specials = Float32Array.from([NaN, Infinity, -Infinity]);
    const fs = mapped(k, specials, (s, d, c) => k.mapActivation(code, s, d, c, 0));
    specials.forEach((z, i) => {
      const ref = a.f(z);
      if (Number.isNaN(ref)) assert.ok(Number.isNaN(fs[i]), `${name}(${z}) should be NaN, got ${fs[i]}`);
      else assert.equal(fs[i], Math.fround(ref), `${name}(${z})`);
    });
  });
}
