/**
 * lib/measure/stats's percentiles put only the order statistics they read in
 * place (a selection instead of a sort, for the probes' speed, issue 16): the
 * values must be those of a full sort, on data with many ties (saturated
 * activations are often exactly 0 or 1), sorted and reversed inputs, small
 * and subsampled sizes, and NaN (which falls back to the sort).
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { percentiles } from "../lib/measure/stats";
import { DEFAULT_PERCENTILES } from "../lib/measure/probe";
import { Rng } from "../lib/core/rng";

/** The definition: linear interpolation between the order statistics of the fully sorted subsample. */
function bySort(x: ArrayLike<number>, ps: readonly number[], maxSample = 20_000): number[] {
  const stride = Math.max(1, Math.ceil(x.length / maxSample));
  const s = Float64Array.from({ length: Math.ceil(x.length / stride) }, (_, j) => x[j * stride]).sort();
  const m = s.length;
  return ps.map((p) => {
    const pos = (p / 100) * (m - 1);
    const i = Math.floor(pos),
      f = pos - i;
    return i + 1 < m ? s[i] * (1 - f) + s[i + 1] * f : s[i];
  });
}

test("percentiles by selection equal those of a full sort, bit for bit", () => {
  const rng = new Rng(7);
  const ps = [...DEFAULT_PERCENTILES, 0, 2.5, 97.5, 100];
  const cases: Float32Array[] = [];
  for (const n of [1, 2, 3, 17, 100, 1000, 25_000, 256_000]) {
    cases.push(Float32Array.from({ length: n }, () => rng.next())); // distinct values
    // Ties: a saturated layer, most entries exactly 0 or 1.
    cases.push(Float32Array.from({ length: n }, () => (rng.next() < 0.4 ? 0 : rng.next() < 0.6 ? 1 : rng.next())));
    cases.push(Float32Array.from({ length: n }, () => Math.round(rng.next() * 3)));
  }
  cases.push(Float32Array.from({ length: 5000 }, (_, i) => i)); // sorted
  cases.push(Float32Array.from({ length: 5000 }, (_, i) => -i)); // reversed
  cases.push(new Float32Array(3000)); // all equal
  for (const [k, x] of cases.entries()) {
    const got = percentiles(x, ps),
      want = bySort(x, ps);
    got.forEach((v, i) =>
      assert.ok(Object.is(v, want[i]), `case ${k} (n = ${x.length}), p = ${ps[i]}: ${v} vs ${want[i]}`),
    );
  }
  const withNaN = Float32Array.from({ length: 1000 }, (_, i) => (i === 500 ? NaN : i));
  assert.deepEqual(percentiles(withNaN, ps), bySort(withNaN, ps));
  assert.deepEqual(percentiles([3, 1, 2], [50], Infinity), [2]);
});
