/**
 * Issue 18's rules for notebook 05 (lib/chapters/fixes-verdicts, fixes-rate, fixes-prose; lib/run/fixes):
 * ranking only what the intervals separate, the one meaning of "trains", a pick at the edge of the
 * learning-rate grid, the per-layer rates judged per depth, and exercise 05.1's checker against the rule
 * fix 4a trains with.
 */
import { test, before } from "node:test";
import * as assert from "node:assert/strict";
import { prepareBackend } from "../lib/core/backend";
import * as fixes from "../lib/chapters/fixes";
import * as catalogue from "../lib/run/fixes";
import { sampleMeanStd } from "../lib/measure/stats";
import { exercise } from "../lib/exercises";
import type { Feedback } from "../lib/exercises/feedback";

const check05 = (answer: unknown) => exercise("05.layer-multipliers").check(answer) as Feedback;

before(async () => {
  await prepareBackend({ quiet: true });
});

const row = (label: string, xs: number[]): fixes.Ranked => ({ label, ...sampleMeanStd(xs) });

test("ranking: overlapping intervals (mean ± sample std) are ties, separated ones are ordered, chains of overlaps stay one tier", () => {
  // Issue 18's case: Tanh 12.23 ± 3.22 and Tanh N 12.50 ± 5.05 are not ordered by the data.
  const tanh: fixes.Ranked = { label: "Tanh", mean: 12.23, std: 3.22, n: 3 };
  const tanhN: fixes.Ranked = { label: "Tanh N", mean: 12.5, std: 5.05, n: 3 };
  const softsignN: fixes.Ranked = { label: "Softsign N", mean: 2.0, std: 0.5, n: 3 };
  const softsign: fixes.Ranked = { label: "Softsign", mean: 30, std: 1, n: 3 };
  assert.equal(fixes.compareIntervals(tanh, tanhN), "overlap");
  assert.equal(fixes.rankText([tanhN, softsign, tanh, softsignN]), "Softsign N < Tanh ≈ Tanh N < Softsign");
  // Separated: [1, 3] and [4, 6].
  assert.equal(fixes.compareIntervals(row("a", [1, 3]), row("b", [4, 6])), "below");
  assert.equal(fixes.compareIntervals(row("b", [4, 6]), row("a", [1, 3])), "above");
  // a overlaps b, b overlaps c, a does not overlap c: one tier (the data do not order a and b, nor b and c).
  const chain = fixes.rankTiers([
    { label: "a", mean: 1, std: 1, n: 2 },
    { label: "b", mean: 2.5, std: 1, n: 2 },
    { label: "c", mean: 4, std: 1, n: 2 },
  ]);
  assert.deepEqual(
    chain.tiers.map((t) => t.map((r) => r.label)),
    [["a", "b", "c"]],
  );
  // One run has no interval: it separates from nothing. A diverged row (no finite mean) is not ranked.
  assert.equal(fixes.rankText([row("one", [5]), row("two", [50, 51])]), "one ≈ two");
  assert.equal(
    fixes.rankText([row("x", [1, 1.1]), { label: "gone", mean: NaN, std: NaN, n: 0 }]),
    "x (not ranked: gone)",
  );
  // Exact numbers (a published table, std 0): ordered unless equal.
  const exact = (label: string, v: number): fixes.Ranked => ({ label, mean: v, std: 0, n: Infinity });
  assert.equal(fixes.rankText([exact("B", 2), exact("A", 1), exact("C", 2)]), "A < B ≈ C");
});

test('"trains": one threshold — the verdicts, the closing prose, the question paragraph and the findings use the same rule and state it', () => {
  const t = fixes.VERDICT_RULES.trainsBelowErrorPercent;
  const r = (err: number, diverged = 0) => ({ diverged, testErrorPercent: { mean: err, std: 0, n: 2, dropped: 0 } });
  assert.equal(fixes.trains(r(t)), true, "at the threshold: trains");
  assert.equal(fixes.trains(r(t + 0.01)), false, "just above: does not");
  assert.equal(fixes.trains(r(1, 1)), false, "a diverged run: does not");
  assert.equal(fixes.trains({ diverged: 0, testErrorPercent: { mean: NaN, std: NaN, n: 0, dropped: 2 } }), false);
  assert.match(fixes.trainsDefinition(), new RegExp(`mean test error ≤ ${t}% over seeds`));
});

test("learning-rate grid: a pick at the top or bottom of the grid is detected, inside it or by the at-chance default is not", () => {
  const grid = [0.3, 1, 3];
  const best = (lr: number): fixes.RateChoice => ({ kind: "best", learningRate: lr, accuracy: 0.8, tied: [lr] });
  assert.equal(fixes.gridEdge(best(3), grid), "top");
  assert.equal(fixes.gridEdge(best(0.3), grid), "bottom");
  assert.equal(fixes.gridEdge(best(1), grid), null);
  assert.equal(fixes.gridEdge({ kind: "fastest to target", learningRate: 3, reachedAt: 500, tied: [3] }, grid), "top");
  assert.equal(
    fixes.gridEdge({ kind: "fastest to target", learningRate: 0.3, reachedAt: 500, tied: [0.3] }, grid),
    null,
    "reached the target at the smallest rate: not flagged",
  );
  assert.equal(
    fixes.gridEdge({ kind: "none leaves chance", learningRate: 3, bestAccuracy: 0.1 }, grid),
    null,
    "the largest rate by design, said so in its own words",
  );
  assert.equal(fixes.gridEdge(best(1), [1]), null, "a grid of one rate has no inside");
  // The tables mark it.
  const points = grid.map((lr) => ({ learningRate: lr, accuracy: lr / 4, loss: 1, diverged: false, reachedAt: null }));
  const setting = { fix: catalogue.fixById("tanh"), depth: 5 };
  assert.equal(fixes.rateRow({ setting, points, choice: best(3) })["at an edge of the grid"], "top");
  assert.equal(fixes.rateRow({ setting, points, choice: best(1) })["at an edge of the grid"], "no");
  assert.deepEqual(fixes.edgeRows([{ setting, points, choice: best(3) }]), [
    { label: "tanh, standard init", edge: "top" },
  ]);
  assert.equal(fixes.edgeText(catalogue.fixById("tanh"), best(3), { sgd: grid, adam: [0.001] }), " (top of the grid)");
  assert.equal(
    fixes.edgeText(catalogue.fixById("adam"), best(3), { sgd: grid, adam: [0.001, 3] }),
    " (top of the grid)",
  );
  assert.equal(
    fixes.edgeText(catalogue.fixById("adam"), best(0.001), { sgd: grid, adam: [0.001, 0.003, 0.01] }),
    " (bottom of the grid)",
  );
  assert.equal(fixes.edgeText(catalogue.fixById("adam"), best(0.003), { sgd: grid, adam: [0.001, 0.003, 0.01] }), "");
});

test("exercise 05.1: the checker's reference is fix 4a's rule (geometricLayerRates), and an off-by-one is rejected as one", () => {
  for (const L of [1, 3, 5, 10]) {
    const rates = catalogue.geometricLayerRates(L, 4);
    assert.equal(rates.length, L + 1);
    assert.equal(rates[L - 1], 1, "the top hidden layer keeps the base rate");
    assert.equal(rates[L], 1, "so does the output layer");
    rates.slice(0, L - 1).forEach((m, i) => assert.equal(m, 4 * rates[i + 1], "4× the layer above"));
  }
  const own = check05((L: number) => catalogue.geometricLayerRates(L, 4));
  assert.equal(own.ok, true, "the notebook's own rule is right");
  const offByOne = check05((L: number) => Array.from({ length: L + 1 }, (_, i) => 4 ** (L - i)));
  assert.equal(offByOne.ok, false);
  assert.match(offByOne.message, /off by one/);
  const quarter = check05((L: number) => [
    ...catalogue
      .geometricLayerRates(L, 4)
      .slice(0, L)
      .map((m) => m / 4),
    1,
  ]);
  assert.equal(quarter.ok, false);
  assert.match(quarter.message, /off by one/);
});

test("gradient-flow ratios: a run with a zero norm has no ratio, and the text says so instead of NaN", async () => {
  const { ratioText } = await import("../lib/chapters/fixes-prose");
  const { sampleGeoMeanStd } = await import("../lib/measure/stats");
  // LeCun's tanh at depth 10 in the default run: δ_L = 0 in float32 (every top unit flat) → 0/0 in both seeds.
  assert.equal(
    ratioText(sampleGeoMeanStd([NaN, NaN])),
    "none (no finite ratio in any of 2 runs: a norm is 0 in float32)",
  );
  assert.equal(ratioText(sampleGeoMeanStd([0])), "none (no finite ratio in the run: a norm is 0 in float32)");
  assert.equal(ratioText(sampleGeoMeanStd([1.5, Infinity])), "1.50 (1 of 2 runs without a finite ratio left out)");
  assert.equal(ratioText(sampleGeoMeanStd([2, 8])), "4.00");
  assert.doesNotMatch(ratioText(sampleGeoMeanStd([])), /NaN/);
});
