/**
 * Notebook 03's statistics on trained-network results and its verdict rules:
 * doseResponse and swap on synthetic per-point counts with a known effect
 * (and none), causalVerdict's thresholds, the literature verdicts and the
 * closing prose built from them. No training here: every input is built.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { ConfigError } from "../lib/core/errors";
import { Rng } from "../lib/core/rng";
import * as causal from "../lib/chapters/causal";
import type { GroupPoints, VisitsResult, SetSummary } from "../lib/chapters/causal-jobs";
import type { PooledDifference } from "../lib/measure/causal";

const WIDTH = 20;

/** Per-point saturated-unit counts: Binomial(WIDTH, p) for each point and layer. */
function counts(n: number, p: readonly number[], rng: Rng): number[][] {
  return p.map((pl) =>
    Array.from({ length: n }, () => {
      let c = 0;
      for (let j = 0; j < WIDTH; j++) if (rng.next() < pl) c++;
      return c;
    }),
  );
}

const summaryOf = (sat: number[][], accuracy: number): SetSummary => {
  const mean = sat.map((row) => row.reduce((s, c) => s + c / WIDTH, 0) / row.length);
  return { n: sat[0].length, accuracy, loss: 1, saturation: mean, saturationVar: mean.map(() => 0.01), flat: mean };
};

function group(
  name: string,
  k: number,
  labels: "true" | "wrong",
  n: number,
  p: readonly number[],
  accuracy: number,
  rng: Rng,
): GroupPoints {
  const saturated = counts(n, p, rng);
  return {
    name,
    passesPerEpoch: k,
    labels,
    n,
    summary: summaryOf(saturated, accuracy),
    accuracyTrueLabels: accuracy,
    saturated,
    flat: saturated,
    margin: saturated[0].map(() => 0),
    loss: saturated[0].map(() => 1),
  };
}

function net(groups: GroupPoints[]): VisitsResult {
  return {
    width: WIDTH,
    depth: groups[0].saturated.length,
    groups: groups.map(({ name, passesPerEpoch, labels, n }) => ({ name, passesPerEpoch, labels, n })),
    epochLength: 0,
    timeline: [{ step: 0, epoch: 0, sets: groups.map((g) => g.summary), weightNorms: [1, 1, 1] }],
    final: groups,
    steps: 0,
    samples: 0,
    seconds: 0,
  };
}

test("doseResponse: a known effect in one group and layer is recovered, the other differences contain zero; the mean of per-network differences", () => {
  const rng = new Rng(31);
  // Two networks at different saturation levels (0.3 and 0.5); k = 4 adds 0.1 to layer 2 only.
  const nets = [0.3, 0.5].map((base, k) =>
    net([
      group("never", 0, "true", 400, [base, base], 0.8 + 0.1 * k, rng),
      group("once", 1, "true", 400, [base, base], 0.9, rng),
      group("often", 4, "true", 200, [base, base + 0.1], 1, rng),
      group("wrong", 1, "wrong", 100, [base, base], 0.2, rng),
    ]),
  );
  const rows = causal.doseResponse(nets, { draws: 1000, seed: 3 });
  assert.deepEqual(
    rows.map((r) => r.role),
    ["never", "k1", "k4", "wrong"],
  );
  assert.ok(
    rows[0].minusNeverSeen.every((d) => d.diff === 0 && d.low === 0 && d.high === 0),
    "the control against itself is zero",
  );
  assert.ok(Math.abs(rows[0].accuracy - 0.85) < 1e-12, "accuracy is the mean over the networks");
  const often = rows[2].minusNeverSeen;
  assert.ok(often[1].low > 0 && Math.abs(often[1].diff - 0.1) < 0.03, `k = 4, layer 2: ${JSON.stringify(often[1])}`);
  for (const [r, l] of [
    [1, 0],
    [1, 1],
    [2, 0],
    [3, 0],
    [3, 1],
  ]) {
    const d = rows[r].minusNeverSeen[l];
    assert.ok(d.low <= 0 && 0 <= d.high, `${rows[r].role}, layer ${l + 1} has no effect: [${d.low}, ${d.high}]`);
  }
  // The estimate is the mean over networks of (group mean − control mean), computed here from the counts.
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x / WIDTH, 0) / xs.length;
  const perNet = nets.map((n) => mean(n.final[2].saturated[1]) - mean(n.final[0].saturated[1]));
  assert.ok(Math.abs(often[1].diff - (perNet[0] + perNet[1]) / 2) < 1e-12);
  assert.deepEqual(
    often[1].perStratum.map((x) => x.toFixed(12)),
    perNet.map((x) => x.toFixed(12)),
  );
  // Same seed, same intervals.
  assert.deepEqual(causal.doseResponse(nets, { draws: 1000, seed: 3 })[2].minusNeverSeen, often);
  // A network without a control group is refused by name.
  assert.throws(
    () => causal.doseResponse([nets[0], net(nets[1].final.slice(1))], { draws: 100 }),
    (e: unknown) => e instanceof ConfigError && /role never/.test(e.message),
  );
  assert.throws(() => causal.doseResponse([], { draws: 100 }), /at least one trained network/);
});

test("swap: the difference-in-differences of two networks recovers a known training effect despite image and network differences", () => {
  const rng = new Rng(32);
  const build = (effect: number) => {
    // V's images saturate 0.2 more in any network; network B 0.1 more than A; training adds `effect`.
    const a = net([
      group("U", 0, "true", 500, [0.2, 0.3], 0.8, rng),
      group("V", 1, "true", 500, [0.4 + effect, 0.5], 0.9, rng),
    ]);
    const b = net([
      group("U", 1, "true", 500, [0.3 + effect, 0.4], 0.9, rng),
      group("V", 0, "true", 500, [0.5, 0.6], 0.8, rng),
    ]);
    return { a, b };
  };
  const { a, b } = build(0.05);
  const [l1, l2] = causal.swap(a, b, { draws: 1000 });
  assert.ok(l1.low > 0 && Math.abs(l1.diff - 0.05) < 0.02, `layer 1: ${JSON.stringify(l1)}`);
  assert.ok(l2.low <= 0 && 0 <= l2.high, `layer 2 has no effect: [${l2.low}, ${l2.high}]`);
  // Network A alone compares V with U and sees the images' own +0.2 too.
  assert.ok(l1.effectA > 0.2);
  assert.throws(
    () => causal.swap(b, a, { draws: 100 }),
    (e: unknown) => e instanceof ConfigError && /network A trained on V and B on U/.test(e.message),
  );
});

// ------------------------------------------------------------------ the verdict rule

const interval = (diff: number, half: number): PooledDifference => ({
  meanA: 0,
  meanB: 0,
  diff,
  low: diff - half,
  high: diff + half,
  level: 0.95,
  draws: 100,
  perStratum: [diff],
});

/** Dose rows for 2 layers with saturation levels `levels` on never-visited images; `diffs[role]` per layer. */
function rows(levels: number[], diffs: Record<string, number[]>, half = 0.002): causal.DoseRow[] {
  const make = (role: string, k: number, labels: "true" | "wrong", d: number[]): causal.DoseRow => ({
    role: role as causal.Role,
    label: role,
    passesPerEpoch: k,
    labels,
    n: 1000,
    accuracy: labels === "wrong" ? 0.3 : 0.97,
    accuracyTrueLabels: 0.6,
    loss: 0.1,
    saturation: levels.map((x, l) => x + d[l]),
    minusNeverSeen: d.map((x) => (role === "never" ? interval(0, 0) : interval(x, half))),
  });
  return [
    make("never", 0, "true", [0, 0]),
    make("k1", 1, "true", diffs.k1 ?? [0, 0]),
    make("k16", 16, "true", diffs.k16 ?? [0, 0]),
    make("wrong", 1, "wrong", diffs.wrong ?? [0, 0]),
  ];
}

const stream = (peakTop: number, endTop = peakTop): causal.StreamSummary => ({
  steps: 800,
  samples: 25600,
  distinctImages: 25600,
  saturationEnd: [0.1, endTop],
  saturationPeak: [0.2, peakTop],
  peakStep: [100, 200],
  accuracyEnd: 0.5,
  trainedEnd: null,
  trainedAccuracyEnd: null,
});

test("causalVerdict: the thresholds (no upward cell, < 10%, < 50%, ≥ 50% of the layer's level); tiny layers, the wrong-label group and downward cells do not count", () => {
  const saturating = stream(0.9),
    quiet = stream(0.1);
  const v = (r: causal.DoseRow[], online = saturating) => causal.causalVerdict({ rows: r, online });
  assert.equal(v(rows([0.2, 0.4], {})).answer, "No.");
  assert.equal(v(rows([0.2, 0.4], {}), quiet).answer, "Not measurably.");
  assert.equal(v(rows([0.2, 0.4], {})).cells.length, 4, "2 true-label visited groups × 2 layers");
  const small = v(rows([0.2, 0.4], { k16: [0, 0.02] }));
  assert.equal(small.answer, "No.");
  assert.equal(small.up.length, 1);
  assert.ok(Math.abs(small.largestShare - 0.05) < 1e-12);
  assert.equal(v(rows([0.2, 0.4], { k16: [0, 0.12] })).answer, "Partly.");
  assert.equal(v(rows([0.2, 0.4], { k1: [0.02, 0], k16: [0.12, 0] })).answer, "Yes.", "0.12 on a level of 0.2 is 60%");
  // A layer below 1% saturated: ratios there mean nothing, its cells are left out.
  const tiny = v(rows([0.005, 0.4], { k16: [0.01, 0] }));
  assert.equal(tiny.answer, "No.");
  assert.equal(tiny.cells.length, 2);
  assert.equal(
    v(rows([0.2, 0.4], { wrong: [0.2, 0.2] })).answer,
    "No.",
    "memorised wrong labels are not the question's passes",
  );
  const down = v(rows([0.2, 0.4], { k16: [-0.05, 0] }));
  assert.equal(down.answer, "No.");
  assert.equal(down.down.length, 1);
  // An upward difference whose interval reaches zero is not counted.
  assert.equal(v(rows([0.2, 0.4], { k16: [0.001, 0] })).up.length, 0);
});

test("verdictSentence says what the rule found, for every answer", () => {
  const saturating = stream(0.9);
  const say = (r: causal.DoseRow[], online = saturating) =>
    causal.verdictSentence(causal.causalVerdict({ rows: r, online }), 160);
  assert.match(say(rows([0.2, 0.4], {})), /visited up to 160 times are saturated like images/);
  assert.match(say(rows([0.2, 0.4], {}), stream(0.1)), /cannot tell/);
  assert.match(say(rows([0.2, 0.4], { k16: [0, 0.02] })), /almost exactly like .* at most 5% of their layer's level/);
  assert.match(
    say(rows([0.2, 0.4], { k16: [0, 0.12] })),
    /measurably more saturated .* up to 30% .* part of the saturation/,
  );
  assert.match(say(rows([0.2, 0.4], { k16: [0.12, 0] })), /measurably more saturated .* up to 60% .* carry much/);
});

// ------------------------------------------------------------------ literature and prose

function literature(over: Partial<causal.LiteratureInput> = {}): causal.LiteratureInput {
  const p = { ...causal.QUICK_DESIGN_FOR_TESTS, depth: 2 };
  const mech = (label: string, growth: number, unseenEnd: number): causal.MechanismRow => ({
    arm: { id: label, label },
    epochs: 50,
    weightNormsStart: [3, 4, 0],
    weightNormsEnd: [3 * growth, 4 * growth, 0],
    saturationTrainedStart: [0.1, 0.5],
    saturationTrained: [0.1, unseenEnd],
    saturationUnseenStart: [0.1, 0.5],
    saturationUnseen: [0.1, unseenEnd],
    accuracyTrained: 1,
    accuracyUnseen: 0.9,
    lossTrained: 0.01,
  });
  return {
    params: p,
    rows: rows([0.2, 0.4], {}),
    swap: [interval(0, 0.002), interval(0, 0.002)].map((d) => ({ ...d, effectA: 0, effectB: 0 })),
    unseen: {
      epoch: [0, 1, 2, 3],
      saturation: [
        [0.1, 0.1, 0.1, 0.1],
        [0.2, 0.6, 0.4, 0.4],
      ],
      accuracy: [0.1, 0.3, 0.9, 0.95],
    },
    overTime: {
      epoch: [0, 1, 2, 3],
      rows: [
        {
          role: "k1",
          label: "k = 1",
          diff: [
            [0, 0, 0, 0],
            [0, 0, 0, 0],
          ],
          se: [
            [0, 0, 0, 0],
            [0, 0, 0, 0],
          ],
          accuracy: [0.1, 0.5, 0.9, 0.95],
        },
        {
          role: "wrong",
          label: "wrong",
          diff: [
            [0, 0, 0, 0],
            [0, 0, 0, 0],
          ],
          se: [
            [0, 0, 0, 0],
            [0, 0, 0, 0],
          ],
          accuracy: [0.1, 0.1, 0.2, 0.5],
        },
      ],
    },
    online: stream(0.95, 0.7),
    repeated: stream(0.95),
    mechanism: [mech("cross-entropy", 1.5, 0.6), mech("label smoothing", 1.1, 0.5), mech("weight decay", 0.5, 0.1)],
    ...over,
  };
}

const verdicts = (v: causal.LiteratureInput) =>
  Object.fromEntries(causal.literatureTable(v).map((r) => [r.paper.split(" ")[0], r.verdict]));

test("literature verdicts follow the numbers", () => {
  const base = verdicts(literature());
  assert.match(
    base["Shwartz-Ziv"],
    /^not reproduced: the largest saturation comes on the plateau/,
    "the peak (60%) is at 30% accuracy",
  );
  assert.match(
    base.Saxe,
    /^consistent: saturation follows the weights/,
    "weight decay halves ‖W‖ and the top layer drops 50% → 10%, trained and unseen alike",
  );
  assert.match(base.Glorot, /^reproduced, in the online setting.*starts to desaturate/);
  assert.match(
    base.Zhang,
    /^partly: memorisation under way/,
    "30% of the wrong labels, against a chance of 0.3% for a 97%-accurate network",
  );
  assert.match(base.Arpit, /^consistent: real patterns first/);
  assert.match(base.Soudry, /^consistent: the cross-entropy grows the weights most/);
  const later = verdicts(
    literature({
      unseen: {
        epoch: [0, 1, 2, 3],
        saturation: [
          [0.1, 0.1, 0.1, 0.2],
          [0.2, 0.3, 0.3, 0.6],
        ],
        accuracy: [0.1, 0.85, 0.9, 0.95],
      },
    }),
  );
  assert.match(later["Shwartz-Ziv"], /^consistent: saturation rises after fitting/);
  assert.match(verdicts(literature({ online: stream(0.3) })).Glorot, /^not reproduced/);
  const fitted = rows([0.2, 0.4], {}).map((r) => (r.role === "wrong" ? { ...r, accuracy: 0.95 } : r));
  assert.equal(verdicts(literature({ rows: fitted })).Zhang, "reproduced");
  const unfitted = rows([0.2, 0.4], {}).map((r) => (r.role === "wrong" ? { ...r, accuracy: 0.003 } : r));
  assert.match(verdicts(literature({ rows: unfitted })).Zhang, /^not within this many visits/);
  const noGrowth = literature();
  assert.match(
    verdicts({ ...noGrowth, mechanism: noGrowth.mechanism.map((m) => ({ ...m, weightNormsEnd: m.weightNormsStart })) })
      .Soudry,
    /^not observed at this length/,
  );
});

test("closingProse: every paragraph is computed (no NaN, undefined or Infinity), opens with the verdict's answer, and says what the rule found", () => {
  const lit = literature();
  const v: causal.Verdicts = {
    params: lit.params,
    rows: lit.rows,
    swap: lit.swap,
    unseen: lit.unseen,
    online: lit.online,
    repeated: lit.repeated,
    mechanism: lit.mechanism,
    networks: 2,
  };
  const prose = causal.closingProse(v);
  for (const p of prose) assert.doesNotMatch(p, /NaN|undefined|Infinity|\[object/);
  assert.match(prose[0], /^\*\*No\.\*\* Images that gradient descent visited up to 32 times are saturated like images/);
  const yes = causal.closingProse({ ...v, rows: rows([0.2, 0.4], { k16: [0.12, 0] }) });
  assert.match(yes[0], /^\*\*Yes\.\*\* .*measurably more saturated/);
  assert.doesNotMatch(yes[0], /saturated like images/);
  assert.match(
    prose[0],
    /falls on trained and unseen images alike when the weights shrink \(section 4, weight decay\)/,
  );
  // Nothing saturates (a short run): no difference is weighed, and no sentence pretends otherwise.
  const flat = causal.closingProse({
    ...v,
    rows: rows([0, 0], {}),
    online: stream(0.1),
    mechanism: v.mechanism.map((m) => ({
      ...m,
      saturationUnseen: m.saturationUnseenStart,
      saturationTrained: m.saturationTrainedStart,
    })),
  });
  assert.match(flat.join("\n"), /no difference is weighed/);
  assert.doesNotMatch(flat.join("\n"), /Of 0 group|when the weights shrink|It follows the weights/);
  for (const p of flat) assert.doesNotMatch(p, /NaN|undefined|Infinity/);
});

test("summaryTable: one row per visited group, the swap, online and repeated; the top layer is the network's last", () => {
  const lit = literature();
  const t = causal.summaryTable(lit);
  assert.equal(t.length, lit.rows.length - 1 + 3);
  assert.deepEqual(Object.keys(t[0]), ["measurement", "layer 1", "layer 2", "accuracy"]);
  assert.match(t[1].measurement, /^k16 − never visited \(32 visits\)/);
  assert.equal(t[1]["layer 2"], "+0.00 pp [−0.20, +0.20]");
  assert.equal(t[4]["layer 2"], "70.0% (peak 95.0%)");
  for (const row of t) for (const cell of Object.values(row)) assert.doesNotMatch(cell, /NaN|undefined/);
});
