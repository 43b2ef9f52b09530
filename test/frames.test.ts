/**
 * The DataFrame path (lib/measure/frames-group and the chapters' frame
 * modules): danfo's groupby mean/std against stats.sampleMeanStd on the same
 * numbers (NaN dropped and counted, one value, none), the pivot as table()
 * reads it, and for 02, 03 and 05 the frames against the aggregation the
 * chapters computed by hand before (on records of the chapters' own types).
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { ConfigError } from "../lib/core/errors";
import { Rng } from "../lib/core/rng";
import { sampleMeanStd } from "../lib/measure/stats";
import { GroupStats, LongRecord, frameRows, groupMeanStd, pivot, recordsFrame } from "../lib/measure/frames-group";
import { tableHtml } from "../lib/display/table";
import { plusMinus } from "../lib/display/text";
import * as fixes from "../lib/chapters/fixes";
import * as catalogue from "../lib/run/fixes";
import * as ch from "../lib/chapters/activations";
import * as sweep from "../lib/chapters/activations-frames";
import { sweepTables } from "../lib/chapters/activations-training";
import * as causal from "../lib/chapters/causal";
import type { GroupPoints, VisitsResult } from "../lib/chapters/causal-jobs";

const danfoLoaded = () => Object.keys(require.cache).some((k) => k.includes(`${"/"}danfojs-node${"/"}`));
const close = (a: number, b: number, what: string) =>
  assert.ok(
    (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)),
    `${what}: ${a} vs ${b}`,
  );
const sameStats = (g: GroupStats, ref: ReturnType<typeof sampleMeanStd>, what: string) => {
  close(g.mean, ref.mean, `${what} mean`);
  close(g.std, ref.std, `${what} std`);
  assert.deepEqual([g.n, g.dropped], [ref.n, ref.dropped], `${what} n, dropped`);
};

test("importing the library and the chapter frame modules does not load danfo (it loads on the first groupby)", () => {
  // Imported at the top of this file: lib/measure/frames-group and three chapter modules.
  assert.equal(danfoLoaded(), false, "danfojs-node was loaded at import");
  groupMeanStd([{ g: "a", x: 1 }], ["g"], "x");
  assert.equal(danfoLoaded(), true);
});

test("groupMeanStd: danfo's groupby mean and std equal sampleMeanStd (÷ (n − 1)) per group, NaN dropped and counted, in order of first appearance", () => {
  const rng = new Rng(7);
  const records: LongRecord[] = [];
  const truth = new Map<string, number[]>();
  // Two keys (a string and a number), uneven group sizes, values spanning magnitudes, some NaN/∞ (diverged seeds).
  for (let i = 0; i < 200; i++) {
    const fix = ["relu-he", "baseline", "tanh-n"][Math.floor(rng.next() * 3)];
    const depth = [10, 5][Math.floor(rng.next() * 2)];
    const u = rng.next();
    const x = u < 0.08 ? NaN : u < 0.1 ? Infinity : (rng.next() - 0.3) * 10 ** Math.floor(rng.next() * 4);
    records.push({ fix, depth, seed: i, x });
    const k = JSON.stringify([fix, depth]);
    truth.set(k, [...(truth.get(k) ?? []), x]);
  }
  // A group with one value, and one whose every value is NaN.
  records.push({ fix: "single", depth: 5, seed: 0, x: 3.25 });
  truth.set(JSON.stringify(["single", 5]), [3.25]);
  records.push({ fix: "all-diverged", depth: 5, seed: 0, x: NaN }, { fix: "all-diverged", depth: 5, seed: 1, x: NaN });
  truth.set(JSON.stringify(["all-diverged", 5]), [NaN, NaN]);

  const stats = groupMeanStd(records, ["fix", "depth"], "x");
  assert.deepEqual(
    stats.map((s) => JSON.stringify([s.key.fix, s.key.depth])),
    [...truth.keys()],
    "groups in order of first appearance, keys with their types",
  );
  for (const s of stats)
    sameStats(s, sampleMeanStd(truth.get(JSON.stringify([s.key.fix, s.key.depth]))!), String(s.key.fix));
  assert.ok(
    stats.some((s) => s.dropped > 0 && s.n > 1),
    "the data exercise dropping",
  );
  const single = stats.find((s) => s.key.fix === "single")!;
  assert.deepEqual([single.mean, single.std, single.n], [3.25, 0, 1], "one value: std 0 (sampleMeanStd's convention)");
  const none = stats.find((s) => s.key.fix === "all-diverged")!;
  assert.ok(Number.isNaN(none.mean) && Number.isNaN(none.std) && none.n === 0 && none.dropped === 2);
  // The population std (÷ n) differs: the test would see the other convention.
  const pair = groupMeanStd(
    [
      { g: 1, x: 1 },
      { g: 1, x: 3 },
    ],
    ["g"],
    "x",
  );
  assert.equal(pair[0].std, Math.SQRT2, "÷ (n − 1): std of {1, 3} is √2, not 1");
});

test("groupMeanStd refuses what it cannot group: no keys, a non-number value, a key danfo would merge with another", () => {
  assert.throws(() => groupMeanStd([{ g: "a", x: 1 }], [], "x"), ConfigError);
  assert.throws(() => groupMeanStd([{ g: "a", x: "1" }], ["g"], "x"), /"x".*a number/);
  assert.throws(() => groupMeanStd([{ g: NaN, x: 1 }], ["g"], "x"), /key "g"/);
  assert.throws(
    () =>
      groupMeanStd(
        [
          { a: "x-y", b: "z", v: 1 },
          { a: "x", b: "y-z", v: 2 },
        ],
        ["a", "b"],
        "v",
      ),
    (e: unknown) => e instanceof ConfigError && /danfo/.test(e.message),
  );
  assert.throws(() => recordsFrame([{ a: 1, b: 2 }, { a: 1 }]), /record 1/);
  assert.deepEqual(groupMeanStd([], ["g"], "x"), []);
});

test("pivot: rows and columns from the two keys, a cell per group, the missing cell named; table() shows the frame", () => {
  const stats = groupMeanStd(
    [
      { fix: "b", depth: 5, x: 1 },
      { fix: "b", depth: 5, x: 2 },
      { fix: "a", depth: 10, x: 4 },
      { fix: "a", depth: 5, x: 3 },
    ],
    ["fix", "depth"],
    "x",
  );
  const frame = pivot(stats, {
    rows: "fix",
    columns: "depth",
    cell: (s) => plusMinus(s, 2),
    columnName: (d) => `L = ${d}`,
    missing: "not run",
  });
  assert.deepEqual(frame.columns, ["L = 5", "L = 10"]);
  assert.deepEqual(frame.index, ["b", "a"]);
  assert.deepEqual(frame.values, [
    ["1.50 ± 0.71", "not run"],
    ["3.00", "4.00"],
  ]);
  const ordered = pivot(stats, { rows: "fix", columns: "depth", cell: (s) => String(s.n), columnOrder: [10, 5] });
  assert.deepEqual(frameRows(ordered), [
    { "10": "—", "5": "2" },
    { "10": "1", "5": "1" },
  ]);
  const html = tableHtml(frame);
  assert.match(html, /<th[^>]*>L = 10<\/th>/);
  assert.match(html, /1\.50 ± 0\.71/);
  assert.match(html, /2 rows × 2 columns/);
  assert.throws(() => pivot(stats, { rows: "fix", columns: "fix", cell: () => "" }), /pivot keys/);
});

// ------------------------------------------------------------------ 05: fixes × depths over seeds

function runOf(fix: catalogue.Fix, depth: number, seed: number, accuracy: number | null): fixes.RunSummary {
  return {
    name: `${fix.id}-${depth}-${seed}`,
    depth,
    seed,
    learningRate: 0.1,
    failure: accuracy === null ? { name: "DivergenceError", message: "x", step: 3, epoch: 1 } : null,
    testAccuracy: accuracy ?? NaN,
    checks: [],
    stepLosses: [],
    reachedAt: null,
    escapeStep: null,
    steps: 10,
    saturation: null,
    saturationEps: null,
    flat: [0.1],
    flatDelta: 0.04,
    derivativeMean: [0.2],
    deltaNormInit: [1],
    deltaNormEnd: [1],
    gradRatioInit: 1,
    gradRatioEnd: 1,
    updateRatioEnd: 1,
    trainSeconds: 1,
  };
}

test("05: the error table through groupby(fix, depth) and pivot has aggregate()'s mean ± std and diverged counts; a diverged seed is dropped, a skipped depth is 'not run'", () => {
  const rate: fixes.RateChoice = { kind: "best", learningRate: 0.1, accuracy: 0.9, tied: [0.1] };
  const rng = new Rng(11);
  const acc = () => 0.8 + 0.15 * rng.next();
  const [a, b, c] = [catalogue.BASELINE, catalogue.FIXES[1], catalogue.FIXES[2]];
  const results: fixes.FixResult[] = [
    fixes.aggregate(
      a,
      rate,
      [1, 2, 3].map((s) => runOf(a, 5, s, acc())),
    ),
    fixes.aggregate(a, rate, [runOf(a, 10, 1, acc()), runOf(a, 10, 2, null), runOf(a, 10, 3, acc())]),
    fixes.aggregate(b, rate, [runOf(b, 5, 1, null), runOf(b, 5, 2, null)]),
    fixes.aggregate(b, rate, [runOf(b, 10, 1, acc()), runOf(b, 10, 2, acc())]),
    fixes.aggregate(c, rate, [runOf(c, 5, 1, acc())]), // depth 10 not run
  ];
  const stats = groupMeanStd(fixes.runRecords(results), ["fix", "depth"], fixes.TEST_ERROR);
  assert.equal(stats.length, results.length);
  results.forEach((r, i) => {
    assert.deepEqual(stats[i].key, { fix: r.fix.label, depth: r.depth });
    // aggregate() filters the diverged runs first (its testErrorPercent drops none); the frame drops their NaN.
    sameStats(stats[i], { ...r.testErrorPercent, dropped: r.diverged }, `${r.fix.id}@${r.depth}`);
  });
  // The cells the hand-rolled table wrote (fixes-prose's errorTable before the DataFrame path).
  const before = (r: fixes.FixResult | undefined) =>
    !r
      ? "not run"
      : r.diverged === r.runs.length
        ? "diverged"
        : plusMinus(r.testErrorPercent, 1) + (r.diverged ? ` (${r.diverged}/${r.runs.length} diverged)` : "");
  const frame = fixes.errorFrame(results, [5, 10]);
  assert.deepEqual(frame.index, [a.label, b.label, c.label]);
  assert.deepEqual(frame.columns, ["test error (%), depth 5", "test error (%), depth 10"]);
  assert.deepEqual(
    frame.values,
    [a, b, c].map((f) => [5, 10].map((d) => before(results.find((r) => r.fix === f && r.depth === d)))),
  );
  assert.match(String((frame.values as string[][])[0][1]), /\(1\/3 diverged\)/);
  assert.equal((frame.values as string[][])[1][0], "diverged");
  assert.equal((frame.values as string[][])[2][1], "not run");
});

// ------------------------------------------------------------------ 02: the sweep's settings × layers over seeds

const SETTINGS: ch.SweepSettings = {
  width: 16,
  depth: 5,
  learningRate: 1,
  batchSize: 32,
  epochs: 1,
  longEpochs: 2,
  trainLimit: 1000,
  heldOut: 500,
  probePoints: 100,
  testLimit: 200,
};

function summaryOf(depth: number, rng: Rng): ch.SweepSummary {
  const layer = () => Array.from({ length: depth }, () => rng.next());
  const gap = { meanA: 0, meanB: 0, diff: 0, low: 0, high: 0, level: 0.95, draws: 10 };
  return {
    perLayer: layer(),
    flatPerLayer: layer(),
    derivative: layer(),
    gap,
    gapTop: gap,
    gapFlat: gap,
    stuck: Math.floor(10 * rng.next()),
    units: depth * SETTINGS.width,
    steps: 31,
    train: rng.next(),
    test: rng.next(),
  } as ch.SweepSummary;
}

test("02: the sweep's per-layer and per-run means over seeds through the DataFrame path equal the hand-rolled averages; a diverged seed is dropped; layers beyond a setting's depth are '—'", () => {
  const rng = new Rng(5);
  const rows = ch.sweepRows(SETTINGS).filter((r) => ["question", "depth3", "depth8", "tanh"].includes(r.key));
  const results: ch.SweepResult[] = rows.flatMap((row) =>
    [1, 2, 3].map((seed) => {
      const config = ch.sweepConfig(row, seed, SETTINGS);
      const diverged = row.key === "tanh" && seed === 2;
      return {
        row,
        seed,
        config,
        summary: diverged ? null : summaryOf(config.model.widths.length, rng),
        failure: diverged ? "diverged" : null,
      };
    }),
  );
  // The averages sweepTables computed by hand before: over the seeds with a summary.
  const ok = (key: string) => results.filter((r) => r.row.key === key && r.summary).map((r) => r.summary!);
  const avg = (xs: ch.SweepSummary[], f: (s: ch.SweepSummary) => number) =>
    xs.reduce((a, s) => a + f(s), 0) / xs.length;
  const means = sweep.sweepSettingMeans(results);
  for (const row of rows) {
    const s = ok(row.key),
      m = means.get(row.label)!;
    close(m.train, 100 * avg(s, (x) => x.train), `${row.key} train`);
    close(m.test, 100 * avg(s, (x) => x.test), `${row.key} test`);
    close(
      m.stuck,
      avg(s, (x) => x.stuck),
      `${row.key} stuck`,
    );
    const lowest = 100 * Math.min(...s[0].derivative.map((_, l) => avg(s, (x) => x.derivative[l])));
    close(m.lowestDerivative, lowest, `${row.key} lowest f′`);
  }
  // The recipe table shows those means (the tanh row over its two seeds that ran).
  const recipe = sweepTables(results).recipe;
  rows.forEach((row, i) => {
    const s = ok(row.key);
    close(Number(recipe[i]["test accuracy (%)"]), 100 * avg(s, (x) => x.test), `${row.key} recipe test`);
    assert.equal(recipe[i]["stuck units"], `${avg(s, (x) => x.stuck).toFixed(0)} / ${s[0].units}`);
  });
  // Per layer: every (setting, layer) group is sampleMeanStd of its seeds' values.
  const sat = sweep.sweepLayerStats(results, "saturated");
  for (const g of sat) {
    const vals = results
      .filter((r) => r.row.label === g.key.setting)
      .map((r) => (r.summary ? 100 * r.summary.perLayer[Number(g.key.layer) - 1] : NaN));
    sameStats(g, sampleMeanStd(vals), `${g.key.setting} layer ${g.key.layer}`);
  }
  assert.equal(sat.length, 5 + 3 + 8 + 5);
  assert.ok(
    sat.filter((g) => g.dropped === 1).length === 5,
    "the diverged tanh seed is dropped in each of its 5 layers",
  );
  const frame = sweep.sweepLayerFrame(results, "flat");
  assert.deepEqual(
    frame.columns,
    Array.from({ length: 8 }, (_, l) => `layer ${l + 1}`),
  );
  assert.deepEqual(
    frame.index,
    rows.map((r) => r.label),
  );
  const cells = frame.values as string[][];
  assert.equal(cells[1][3], "—", "depth 3 has no layer 4");
  assert.match(cells[3][0], /^\d+\.\d ± \d+\.\d \(1\/3 diverged\)$/);
  const flat0 = ok("question").map((s) => 100 * s.flatPerLayer[0]);
  assert.equal(cells[0][0], plusMinus(sampleMeanStd(flat0), 1));
});

// ------------------------------------------------------------------ 03: groups × layers over networks

const WIDTH = 10;
function group(name: string, k: number, labels: "true" | "wrong", p: readonly number[], rng: Rng): GroupPoints {
  const saturated = p.map((pl) =>
    Array.from({ length: 50 }, () => Array.from({ length: WIDTH }, () => rng.next() < pl).filter(Boolean).length),
  );
  const mean = saturated.map((row) => row.reduce((s, c) => s + c / WIDTH, 0) / row.length);
  return {
    name,
    passesPerEpoch: k,
    labels,
    n: 50,
    summary: { n: 50, accuracy: 0.9, loss: 1, saturation: mean, saturationVar: mean.map(() => 0.01), flat: mean },
    accuracyTrueLabels: 0.9,
    saturated,
    flat: saturated,
    margin: saturated[0].map(() => 0),
    loss: saturated[0].map(() => 1),
  };
}

test("03: groups × layers over networks through the DataFrame path: the means are doseResponse's per-layer saturation, the std the sample one over networks", () => {
  const rng = new Rng(3);
  const nets: VisitsResult[] = [0.2, 0.35, 0.5].map((base) => {
    // Each network lists its groups in its own order; the table orders them never, k = 1, k = 4, wrong.
    const groups = [
      group("often", 4, "true", [base, base + 0.1], rng),
      group("never", 0, "true", [base, base], rng),
      group("wrong", 1, "wrong", [base, base + 0.2], rng),
      group("once", 1, "true", [base, base], rng),
    ];
    return {
      width: WIDTH,
      depth: 2,
      groups: groups.map(({ name, passesPerEpoch, labels, n }) => ({ name, passesPerEpoch, labels, n })),
      epochLength: 0,
      timeline: [],
      final: groups,
      steps: 0,
      samples: 0,
      seconds: 0,
    };
  });
  const rows = causal.doseResponse(nets, { draws: 50, seed: 1 });
  const stats = causal.groupLayerStats(nets, "saturated");
  assert.deepEqual(
    [...new Set(stats.map((s) => s.key.group))],
    rows.map((r) => r.label),
    "the dose table's groups, in its order",
  );
  for (const s of stats) {
    const row = rows.find((r) => r.label === s.key.group)!,
      l = Number(s.key.layer) - 1;
    close(s.mean, 100 * row.saturation[l], `${row.role} layer ${l + 1} mean`);
    const perNet = nets.map(
      (n) => 100 * n.final.find((g) => causal.groupLabel(g) === row.label)!.summary.saturation[l],
    );
    sameStats(s, sampleMeanStd(perNet), `${row.role} layer ${l + 1}`);
    assert.equal(s.n, 3);
  }
  const frame = causal.groupLayerFrame(nets, "saturated");
  assert.deepEqual(frame.columns, ["layer 1", "layer 2"]);
  assert.deepEqual(frame.index, ["k = 0 (never visited)", "k = 1", "k = 4", "wrong labels, k = 1"]);
  assert.equal(
    (frame.values as string[][])[2][1],
    plusMinus(stats.find((s) => s.key.group === "k = 4" && s.key.layer === 2)!, 1),
  );
});
