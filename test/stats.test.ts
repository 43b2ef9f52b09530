/**
 * lib/measure/stats.ts's multiplicity correction (Bonferroni), the normal quantile it uses, and
 * lib/measure/compare.ts's normal-approximation interval and per-unit permutation test:
 * against hand-worked examples, the bootstrap (a second implementation) and synthetic
 * data where the answer is known.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { ConfigError } from "../lib/core/errors";
import { Rng } from "../lib/core/rng";
import { bonferroniAdjust, bonferroniLevel, normalQuantile } from "../lib/measure/stats";
import { compareMeans, normalMeanDifference, unitPermutationTest } from "../lib/measure/compare";

const near = (a: number, b: number, tol: number, what = "") =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tolerance ${tol})`);

test("Bonferroni, worked by hand: 4 intervals at 95% together → each at 98.75%; p-values × 4, capped at 1", () => {
  assert.equal(bonferroniLevel(0.95, 1), 0.95);
  near(bonferroniLevel(0.95, 4), 0.9875, 1e-15, "level");
  near(bonferroniLevel(0.95, 10), 0.995, 1e-15, "level");
  assert.deepEqual(
    bonferroniAdjust([0.01, 0.02, 0.2, 0.5]).map((p) => Number(p.toFixed(12))),
    [0.04, 0.08, 0.8, 1],
  );
  assert.throws(() => bonferroniLevel(0.95, 0), ConfigError);
  assert.throws(() => bonferroniLevel(1, 3), ConfigError);
  assert.throws(() => bonferroniAdjust([0.1, 1.2]), ConfigError);
});

test("normalQuantile: the textbook values (Python's statistics.NormalDist), symmetric, bad input refused", () => {
  near(normalQuantile(0.975), 1.9599639845400536, 1e-8, "z 0.975");
  near(normalQuantile(0.99375), 2.4977054744123737, 1e-8, "z 0.99375");
  near(normalQuantile(1 - 0.05 / 90), 3.260767488420533, 1e-8, "z 1 − 0.05/90");
  near(normalQuantile(1e-10), -6.361340902404056, 1e-7, "far tail");
  near(normalQuantile(0.5), 0, 1e-15, "median");
  near(normalQuantile(0.3) + normalQuantile(0.7), 0, 1e-9, "symmetry");
  assert.throws(() => normalQuantile(0), ConfigError);
  assert.throws(() => normalQuantile(1), ConfigError);
});

test("normalMeanDifference, worked by hand; its Bonferroni interval widens by z(0.99375)/z(0.975); at 95% it agrees with the bootstrap", () => {
  // a: mean 3, s² = 2.5; b: mean 4, s² = 4; SE = √(2.5/5 + 4/3) = 1.3540064.
  const a = [1, 2, 3, 4, 5],
    b = [2, 4, 6];
  const d95 = normalMeanDifference(a, b);
  near(d95.diff, -1, 1e-15, "diff");
  near(d95.se, 1.35400640077266, 1e-12, "SE");
  near(d95.high - d95.diff, 2.653803780351119, 1e-7, "half-width at 95%");
  const dAdj = normalMeanDifference(a, b, bonferroniLevel(0.95, 4));
  near(dAdj.high - dAdj.diff, 3.381909199599267, 1e-7, "half-width at 98.75%");
  near(dAdj.diff - dAdj.low, dAdj.high - dAdj.diff, 1e-12, "symmetric");
  // Thousands of 0/1-ish per-point shares: the bootstrap's 95% interval and the normal one agree.
  const rng = new Rng(4);
  const x = Float64Array.from({ length: 4000 }, () => (rng.next() < 0.3 ? 1 : 0) * rng.next());
  const y = Float64Array.from({ length: 4000 }, () => (rng.next() < 0.28 ? 1 : 0) * rng.next());
  const boot = compareMeans(x, y, { draws: 2000, seed: 3 }),
    norm = normalMeanDifference(x, y);
  const half = (norm.high - norm.low) / 2;
  near(boot.low, norm.low, 0.08 * half, "low");
  near(boot.high, norm.high, 0.08 * half, "high");
  assert.throws(() => normalMeanDifference([1], [1, 2]), ConfigError);
  assert.throws(() => normalMeanDifference([1, NaN], [1, 2]), ConfigError);
});

/** n × width 0/1 entries, unit j saturated with probability rate(j). */
function bernoulliRows(n: number, width: number, rate: (j: number) => number, rng: Rng): Uint8Array {
  const m = new Uint8Array(n * width);
  for (let i = 0; i < n; i++) for (let j = 0; j < width; j++) m[i * width + j] = rng.next() < rate(j) ? 1 : 0;
  return m;
}

test("unitPermutationTest on synthetic data: a uniform shift is seen by the shift statistic, one deviant unit by the maximum, the null by neither", () => {
  const width = 64,
    n = 600,
    rng = new Rng(11);
  const base = (j: number) => 0.1 + (0.6 * j) / width;
  const opts = { permutations: 199, seed: 2 };
  // Null: both sets from the same rates.
  const nul = unitPermutationTest(bernoulliRows(n, width, base, rng), bernoulliRows(n, width, base, rng), width, opts);
  assert.ok(nul.pMax > 0.05 && nul.pShift > 0.05, `null: pMax ${nul.pMax}, pShift ${nul.pShift}`);
  // The noise reference: the largest of 64 per-unit differences under the null is several standard errors.
  const se = Math.sqrt((2 * 0.25) / n);
  assert.ok(nul.nullMax95 > 2 * se && nul.nullMax95 < 5 * se, `null max 95th percentile ${nul.nullMax95}, se ${se}`);
  // Uniform shift: every unit +4 pp on A. Each unit alone is within noise; their mean is not.
  const shifted = unitPermutationTest(
    bernoulliRows(n, width, (j) => base(j) + 0.04, rng),
    bernoulliRows(n, width, base, rng),
    width,
    opts,
  );
  assert.ok(shifted.pShift <= 1 / 200 + 1e-12, `shift p ${shifted.pShift}`);
  near(shifted.shift, 0.04, 0.012, "shift estimate");
  // One unit +30 pp: the maximum sees it and names it; the mean over 64 units barely moves.
  const one = unitPermutationTest(
    bernoulliRows(n, width, (j) => base(j) + (j === 17 ? 0.3 : 0), rng),
    bernoulliRows(n, width, base, rng),
    width,
    opts,
  );
  assert.ok(one.pMax <= 1 / 200 + 1e-12, `max p ${one.pMax}`);
  assert.equal(one.maxUnit, 17);
  assert.ok(one.maxAbs > one.nullMax95);
  // The observed statistics by hand on a tiny case; the same seed gives the same null.
  const a = Uint8Array.from([1, 0, 1, 1]),
    b = Uint8Array.from([0, 0, 1, 0, 0, 1]);
  const t = unitPermutationTest(a, b, 2, { permutations: 50, seed: 1 });
  assert.deepEqual([t.nA, t.nB], [2, 3]);
  // Unit 0: A saturated on 2 of 2 points, B on 1 of 3; unit 1: A on 1 of 2, B on 1 of 3.
  near(t.perUnit[0], 1 - 1 / 3, 1e-15, "unit 0");
  near(t.perUnit[1], 0.5 - 1 / 3, 1e-15, "unit 1");
  near(t.shift, (2 / 3 + 1 / 6) / 2, 1e-15, "shift");
  assert.equal(t.maxUnit, 0);
  assert.deepEqual(unitPermutationTest(a, b, 2, { permutations: 50, seed: 1 }), t);
  assert.throws(() => unitPermutationTest(a, Uint8Array.from([1, 0, 1]), 2), ConfigError);
  assert.throws(() => unitPermutationTest(a, b, 2, { permutations: 5 }), ConfigError);
});
