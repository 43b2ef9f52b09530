/**
 * Notebook 03's machinery: the group sampler (lib/data/visits), the
 * dose-response and swap statistics (lib/measure/causal), and the job kinds
 * on a tiny network.
 */
import { test, before } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { prepareBackend } from "../lib/core/backend";
import { ConfigError } from "../lib/core/errors";
import { Rng } from "../lib/core/rng";
import { Mlp } from "../lib/core/model";
import type { Dataset } from "../lib/data/dataset";
import {
  VisitGroupSpec,
  epochStream,
  groupPoints,
  planVisits,
  swapGroups,
  visitData,
  visitLabels,
  wrongLabel,
} from "../lib/data/visits";
import { compareManyMeans } from "../lib/measure/compare";
import {
  groupsVersusControl,
  halfWidth,
  measurePoints,
  minimumDetectable,
  normalQuantile,
  pooledMeanDifferences,
  swapDifferences,
} from "../lib/measure/causal";

before(async () => {
  await prepareBackend({ quiet: true });
});

/** A small labelled file: n rows of 4 features, labels cycling through `classes`. */
function file(n: number, classes = 10): Dataset {
  const rng = new Rng(5);
  return {
    name: "toy",
    n,
    inputDim: 4,
    numClasses: classes,
    x: Float32Array.from({ length: n * 4 }, () => rng.next()),
    y: Int32Array.from({ length: n }, (_, i) => i % classes),
  };
}

const GROUPS: VisitGroupSpec[] = [
  { name: "never", size: 30, passesPerEpoch: 0 },
  { name: "once", size: 20, passesPerEpoch: 1 },
  { name: "often", size: 5, passesPerEpoch: 4 },
  { name: "wrong", size: 8, passesPerEpoch: 1, labels: "wrong" },
];

test("visit plan: groups are disjoint random rows, each visited exactly k·n times per epoch, every epoch", () => {
  const plan = planVisits(100, GROUPS, 3);
  const all = plan.groups.flatMap((g) => [...g.rows]);
  assert.equal(new Set(all).size, all.length, "no row in two groups");
  assert.ok(all.every((r) => r >= 0 && r < 100));
  assert.equal(plan.epochLength, 20 + 20 + 8);
  // Random, not the first rows of the file.
  assert.notDeepEqual(
    [...plan.groups[0].rows].sort((a, b) => a - b),
    Array.from({ length: 30 }, (_, i) => i),
  );
  const rng = new Rng(9);
  for (let epoch = 0; epoch < 3; epoch++) {
    const order = epochStream(plan, rng.fork(epoch));
    assert.equal(order.length, plan.epochLength);
    const visits = new Map<number, number>();
    for (const r of order) visits.set(r, (visits.get(r) ?? 0) + 1);
    for (const g of plan.groups)
      for (const r of g.rows) assert.equal(visits.get(r) ?? 0, g.passesPerEpoch, `row ${r} of ${g.name}`);
    assert.equal([...visits.keys()].length, 20 + 5 + 8, "no other row is visited");
  }
  // The streams of two epochs differ (reshuffled), with the same multiset.
  const a = epochStream(plan, rng.fork("a")),
    b = epochStream(plan, rng.fork("b"));
  assert.notDeepEqual([...a], [...b]);
  assert.deepEqual(
    [...a].sort((x, y) => x - y),
    [...b].sort((x, y) => x - y),
  );
});

test("visit plan: deterministic per seed, another seed another split", () => {
  const a = planVisits(100, GROUPS, 3),
    b = planVisits(100, GROUPS, 3),
    c = planVisits(100, GROUPS, 4);
  assert.deepEqual(
    a.groups.map((g) => [...g.rows]),
    b.groups.map((g) => [...g.rows]),
  );
  assert.notDeepEqual(
    a.groups.map((g) => [...g.rows]),
    c.groups.map((g) => [...g.rows]),
  );
  const ds = file(100);
  assert.deepEqual([...visitLabels(ds, a)], [...visitLabels(ds, b)]);
  assert.deepEqual([...epochStream(a, new Rng(1))], [...epochStream(b, new Rng(1))]);
});

test("wrong labels: never the true class, every other class reachable, only in the wrong group", () => {
  const rng = new Rng(2);
  const seen = new Set<number>();
  for (let i = 0; i < 2000; i++) {
    const w = wrongLabel(3, 10, rng);
    assert.notEqual(w, 3);
    assert.ok(Number.isInteger(w) && w >= 0 && w < 10);
    seen.add(w);
  }
  assert.equal(seen.size, 9, "all nine other classes occur");
  const ds = file(100);
  const fileLabels = [...ds.y];
  const plan = planVisits(100, GROUPS, 3);
  const y = visitLabels(ds, plan);
  const wrongRows = new Set(plan.groups[3].rows);
  for (let i = 0; i < 100; i++) {
    if (wrongRows.has(i)) assert.notEqual(y[i], ds.y[i], `row ${i} keeps its true label`);
    else assert.equal(y[i], ds.y[i]);
  }
  assert.deepEqual([...ds.y], fileLabels, "the file's labels are not written to");
  assert.deepEqual([...visitData(ds, plan, 4).train.y], [...y], "training sees the changed labels");
  const pts = groupPoints(ds, plan.groups[3], y);
  assert.equal(pts.n, 8);
  pts.y.forEach((v, i) => assert.equal(v, y[plan.groups[3].rows[i]]));
});

test("visit plan: bad parameters are refused with a ConfigError that names the field", () => {
  const bad =
    (groups: VisitGroupSpec[], n = 100) =>
    () =>
      planVisits(n, groups, 1);
  assert.throws(
    bad([{ name: "a", size: 10, passesPerEpoch: -1 }]),
    (e: unknown) =>
      e instanceof ConfigError && /groups\[0\]\.passesPerEpoch/.test(e.message) && /k ≥ 0/.test(e.message),
  );
  assert.throws(bad([{ name: "a", size: 10, passesPerEpoch: 1.5 }]), ConfigError);
  assert.throws(
    bad([
      { name: "a", size: 60, passesPerEpoch: 1 },
      { name: "b", size: 50, passesPerEpoch: 0 },
    ]),
    (e: unknown) => e instanceof ConfigError && /sum to 110/.test(e.message) && /disjoint/.test(e.message),
  );
  assert.throws(bad([{ name: "a", size: 101, passesPerEpoch: 1 }]), ConfigError);
  assert.throws(bad([{ name: "a", size: 0, passesPerEpoch: 1 }]), /groups\[0\]\.size/);
  assert.throws(
    bad([
      { name: "a", size: 5, passesPerEpoch: 1 },
      { name: "a", size: 5, passesPerEpoch: 1 },
    ]),
    /groups\[1\]\.name/,
  );
  assert.throws(bad([{ name: "a", size: 5, passesPerEpoch: 0 }]), /at least one group with passesPerEpoch ≥ 1/);
  assert.throws(
    bad([
      { name: "a", size: 5, passesPerEpoch: 0, labels: "wrong" },
      { name: "b", size: 5, passesPerEpoch: 1 },
    ]),
    /wrong-label group/,
  );
  assert.throws(bad([]), ConfigError);
  // An epoch that batches cannot split exactly.
  assert.throws(
    () => visitData(file(100), planVisits(100, GROUPS, 1), 32),
    (e: unknown) => e instanceof ConfigError && /multiple of the batch size 32/.test(e.message),
  );
  assert.throws(() => visitData(file(99), planVisits(100, GROUPS, 1), 8), /dataset size/);
  assert.throws(() => swapGroups(planVisits(100, GROUPS, 1), "never", "once"), /two groups of the same size/);
});

test("swapGroups: the two groups trade rows, everything else stays", () => {
  const groups: VisitGroupSpec[] = [
    { name: "U", size: 10, passesPerEpoch: 0 },
    { name: "V", size: 10, passesPerEpoch: 1 },
    { name: "W", size: 6, passesPerEpoch: 2 },
  ];
  const p = planVisits(40, groups, 7),
    q = swapGroups(p, "U", "V");
  assert.deepEqual([...q.groups[0].rows], [...p.groups[1].rows]);
  assert.deepEqual([...q.groups[1].rows], [...p.groups[0].rows]);
  assert.deepEqual([...q.groups[2].rows], [...p.groups[2].rows]);
  assert.equal(q.groups[0].passesPerEpoch, 0);
  assert.equal(q.epochLength, p.epochLength);
});

// ------------------------------------------------------------------ statistics

/** n normal draws with mean mu and sd 1. */
const normals = (n: number, mu: number, rng: Rng) => Float64Array.from({ length: n }, () => mu + rng.normal());

test("pooled difference: one stratum is compareManyMeans's estimate, with an interval of the same width", () => {
  const rng = new Rng(11);
  const a = normals(400, 0.3, rng),
    b = normals(500, 0, rng);
  const [one] = pooledMeanDifferences([[{ a, b }]], { draws: 2000, seed: 2 });
  const [ref] = compareManyMeans([{ a, b }], { draws: 2000, seed: 2 });
  assert.ok(Math.abs(one.diff - ref.diff) < 1e-12);
  assert.ok(
    Math.abs(halfWidth(one) - halfWidth(ref)) < 0.15 * halfWidth(ref),
    `${halfWidth(one)} vs ${halfWidth(ref)}`,
  );
  // The closed form: SE = sqrt(1/400 + 1/500) for unit variances, 95% half-width 1.96 SE.
  const se = Math.sqrt(1 / 400 + 1 / 500);
  assert.ok(Math.abs(halfWidth(one) - 1.96 * se) < 0.15 * 1.96 * se);
});

test("pooled difference over strata: the mean of per-stratum differences; covers the truth ~95% of the time, and 0 when there is no effect", () => {
  const rng = new Rng(12);
  // Strata with different levels (networks that saturate differently) and the same effect 0.2.
  let covered = 0,
    zeroCovered = 0;
  const reps = 60;
  for (let r = 0; r < reps; r++) {
    const strata = [0, 5].map((level) => [{ a: normals(150, level + 0.2, rng), b: normals(300, level, rng) }]);
    const [d] = pooledMeanDifferences(strata, { draws: 300, seed: r });
    assert.ok(Math.abs(d.diff - (d.perStratum[0] + d.perStratum[1]) / 2) < 1e-12);
    if (d.low <= 0.2 && 0.2 <= d.high) covered++;
    const none = [0, 5].map((level) => [{ a: normals(150, level, rng), b: normals(300, level, rng) }]);
    const [z] = pooledMeanDifferences(none, { draws: 300, seed: 1000 + r });
    if (z.low <= 0 && 0 <= z.high) zeroCovered++;
  }
  assert.ok(covered >= 0.85 * reps, `covered the true effect ${covered}/${reps}`);
  assert.ok(zeroCovered >= 0.85 * reps, `covered zero with no effect ${zeroCovered}/${reps}`);
  // The level difference between strata does not widen the pooled interval (stratified resampling).
  const big = [0, 50].map((level) => [{ a: normals(150, level, rng), b: normals(300, level, rng) }]);
  const [w] = pooledMeanDifferences(big, { draws: 500 });
  assert.ok(halfWidth(w) < 0.3, `half-width ${halfWidth(w)}`);
  assert.throws(() => pooledMeanDifferences([]), ConfigError);
  assert.throws(() => pooledMeanDifferences([[{ a: [1], b: [2] }], []]), /strata\[1\]/);
});

test("groups against one control: each group's estimate is its pooled difference, with an interval of the same width; shapes are checked", () => {
  const rng = new Rng(21);
  const strata = [0, 3].map((level) => ({
    control: [normals(300, level, rng)],
    groups: [[normals(200, level + 0.3, rng)], [normals(100, level, rng)]],
  }));
  const [g1, g2] = groupsVersusControl(strata, { draws: 1500 }).map((rows) => rows[0]);
  const [ref1] = pooledMeanDifferences(
    strata.map((s) => [{ a: s.groups[0][0], b: s.control[0] }]),
    { draws: 1500 },
  );
  const [ref2] = pooledMeanDifferences(
    strata.map((s) => [{ a: s.groups[1][0], b: s.control[0] }]),
    { draws: 1500 },
  );
  assert.ok(Math.abs(g1.diff - ref1.diff) < 1e-12 && Math.abs(g2.diff - ref2.diff) < 1e-12);
  assert.ok(Math.abs(halfWidth(g1) - halfWidth(ref1)) < 0.15 * halfWidth(ref1));
  assert.ok(Math.abs(halfWidth(g2) - halfWidth(ref2)) < 0.15 * halfWidth(ref2));
  assert.ok(g1.low > 0, "a 0.3 effect on 200 + 300 points per stratum is detected");
  assert.ok(g2.low <= 0 && g2.high >= 0, "no effect: the interval contains 0");
  assert.throws(() => groupsVersusControl([{ control: [[1, 2]], groups: [[[1], [2]]] }]), /strata\[0\]\.groups\[0\]/);
});

test("swap: the difference-in-differences removes image and network effects and recovers a known effect", () => {
  const rng = new Rng(13);
  const n = 400;
  // s = network level + image effect + training effect (0.1 where the network was trained on the image) + noise.
  const imageU = normals(n, 0, rng),
    imageV = normals(n, 1, rng); // V's images saturate more anyway
  const net = { A: 3, B: -2 };
  const value = (level: number, image: number, trained: boolean) =>
    level + image + (trained ? 0.1 : 0) + 0.05 * rng.normal();
  const build = (effect: number) => {
    const v = {
      netA: Float64Array.from(imageV, (x) => value(net.A, x, true) + effect - 0.1),
      netB: Float64Array.from(imageV, (x) => value(net.B, x, false)),
    };
    const u = {
      netA: Float64Array.from(imageU, (x) => value(net.A, x, false)),
      netB: Float64Array.from(imageU, (x) => value(net.B, x, true) + effect - 0.1),
    };
    return { u, v };
  };
  const [d] = swapDifferences([build(0.1)], { draws: 1000 });
  assert.ok(d.low <= 0.1 && 0.1 <= d.high, `interval [${d.low}, ${d.high}] misses 0.1`);
  assert.ok(Math.abs(d.diff - 0.1) < 0.02, `estimate ${d.diff}`);
  assert.ok(Math.abs((d.effectA + d.effectB) / 2 - d.diff) < 1e-12);
  // A naive trained-minus-unseen comparison in network A is fooled by V's images (+1): the swap is not.
  assert.ok(d.effectA > 0.9);
  const [zero] = swapDifferences([build(0)], { draws: 1000 });
  assert.ok(zero.low <= 0 && 0 <= zero.high, `no effect: [${zero.low}, ${zero.high}]`);
  assert.throws(() => swapDifferences([{ u: { netA: [1, 2], netB: [1] }, v: { netA: [1], netB: [1] } }]), ConfigError);
});

test("normal quantiles and the detectable effect", () => {
  assert.ok(Math.abs(normalQuantile(0.975) - 1.959964) < 1e-6);
  assert.ok(Math.abs(normalQuantile(0.8) - 0.841621) < 1e-6);
  assert.ok(Math.abs(normalQuantile(0.01) + 2.326348) < 1e-6);
  // ±1.96 SE at 95%: 80% power needs (1.96 + 0.84) SE.
  assert.ok(Math.abs(minimumDetectable({ low: -1.959964, high: 1.959964 }) - 2.801585) < 1e-5);
  assert.throws(() => normalQuantile(1), ConfigError);
});

test("measurePoints: per-point saturation as perExampleStats, margins and losses from the logits, in any chunk size, no leaks", async () => {
  const { perExampleStats } = await import("../lib/measure/compare");
  const model = new Mlp({
    inputDim: 4,
    widths: [6, 5],
    outputDim: 3,
    activation: "sigmoid",
    init: { name: "standard", gain: 8 },
    seed: 2,
  });
  const pts = { ...file(23, 3), numClasses: 3 };
  const before = tf.memory().numTensors;
  const whole = measurePoints(model, pts, 0.01),
    chunked = measurePoints(model, pts, 0.01, 4);
  assert.equal(tf.memory().numTensors, before);
  const ref = perExampleStats(model, pts, [0.01]);
  ref.layers.forEach((L, l) => {
    assert.deepEqual([...whole.saturated[l]], [...L.saturated[0]]);
    assert.deepEqual([...chunked.saturated[l]], [...L.saturated[0]]);
    assert.deepEqual([...whole.flat[l]], [...L.flat]);
  });
  assert.ok(
    ref.layers.some((L) => L.saturated[0].some((v) => v > 0)),
    "the large init saturates something to compare",
  );
  const logits = tf.tidy(() => model.forward(tf.tensor2d(pts.x, [pts.n, 4])).logits.arraySync() as number[][]);
  logits.forEach((row, i) => {
    const y = pts.y[i];
    const others = row.filter((_, k) => k !== y);
    assert.ok(Math.abs(whole.fit.margin[i] - (row[y] - Math.max(...others))) < 1e-5);
    const lse = Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
    assert.ok(Math.abs(whole.fit.loss[i] - (lse - row[y])) < 1e-5);
    assert.equal(chunked.fit.margin[i], whole.fit.margin[i]);
  });
  // While the fast kernel trains, its own forward pass measures the points: the same numbers within float32.
  const { FastTrainer } = await import("../lib/core/fast/trainer");
  const trainer = FastTrainer.fromModel(model, { optimizer: { kind: "sgd", learningRate: 0.1 }, batchSize: 8 });
  const viaKernel = measurePoints(model, pts, 0.01, 4, trainer.passes());
  assert.equal(tf.memory().numTensors, before, "the kernel's pass makes no tensor");
  // An entry within float32 rounding of ε may change side: at most one entry of one point per layer here.
  viaKernel.saturated.forEach((row, l) => {
    const off = row.map((v, i) => Math.abs(v - whole.saturated[l][i])).filter((d) => d > 0);
    assert.ok(off.length <= 1 && off.every((d) => d <= 1 / 5 + 1e-12), `layer ${l + 1}: ${off}`);
  });
  viaKernel.fit.margin.forEach((m, i) => assert.ok(Math.abs(m - whole.fit.margin[i]) < 1e-5));
  viaKernel.fit.loss.forEach((v, i) => assert.ok(Math.abs(v - whole.fit.loss[i]) < 1e-5));
  trainer.dispose();
  model.dispose();
});

// ------------------------------------------------------------------ jobs

test("the chapter's design: the swap pair shares one split, each network's own groups are never the other's, bad designs are refused", async () => {
  const causal = await import("../lib/chapters/causal");
  const p = causal.QUICK_DESIGN_FOR_TESTS;
  const {
    networks: [a, b],
    mechanism,
  } = causal.designJobs(p);
  assert.deepEqual(
    a.groups.map((g) => [g.name, g.size]),
    b.groups.map((g) => [g.name, g.size]),
    "same positions, so the same rows",
  );
  assert.equal(a.splitSeed, b.splitSeed);
  for (const [i, g] of a.groups.entries())
    assert.ok(
      g.passesPerEpoch === 0 || b.groups[i].passesPerEpoch === 0,
      `${g.name} is visited by one network at most`,
    );
  assert.deepEqual(
    [a.groups[0].passesPerEpoch, a.groups[1].passesPerEpoch, b.groups[0].passesPerEpoch, b.groups[1].passesPerEpoch],
    [0, 1, 1, 0],
  );
  assert.notEqual(a.config.model.seed, b.config.model.seed);
  // The mechanism trains on a group network A never visited.
  for (const m of mechanism) assert.equal(a.groups.find((g) => g.name === m.trainGroup)!.passesPerEpoch, 0);
  const bad = (patch: Partial<typeof p>) => () => causal.designJobs({ ...p, ...patch });
  assert.throws(
    bad({ doses: [{ passesPerEpoch: 4, images: 24 }] }),
    (e: unknown) => e instanceof ConfigError && /k = 1 and unseenImages/.test(e.message),
  );
  assert.throws(
    bad({
      doses: [
        { passesPerEpoch: 1, images: 96 },
        { passesPerEpoch: 0, images: 10 },
      ],
    }),
    /doses\[1\]\.passesPerEpoch/,
  );
  assert.throws(
    bad({
      doses: [
        { passesPerEpoch: 1, images: 96 },
        { passesPerEpoch: 1, images: 10 },
      ],
    }),
    /distinct passesPerEpoch/,
  );
  assert.throws(bad({ mechanismImages: 25 }), /mechanismImages/);
  assert.throws(bad({ unseenImages: 40_000, doses: [{ passesPerEpoch: 1, images: 40_000 }] }), ConfigError);
  assert.throws(bad({ eps: 0.5 }), /eps/);
});

test("jobs: a visits network, its continuation and both stream arms run on a tiny net and are cached", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "causal-jobs-"));
  const old = process.env.SIGMOID_LAB_CACHE;
  process.env.SIGMOID_LAB_CACHE = dir;
  try {
    const { runJob } = await import("../lib/run/job");
    const causal = await import("../lib/chapters/causal");
    const design = causal.designJobs({ ...causal.QUICK_DESIGN_FOR_TESTS });
    const [a] = design.networks;
    const first = await runJob<import("../lib/chapters/causal-jobs").VisitsResult>(a);
    assert.ok(first.ok && first.cache === "miss");
    const r = first.value;
    const once = r.final.find((g) => g.passesPerEpoch === 1 && g.labels === "true")!;
    assert.equal(once.saturated.length, r.depth);
    assert.equal(once.saturated[0].length, once.n);
    assert.ok(once.saturated.flat().every((c) => Number.isInteger(c) && c >= 0 && c <= r.width));
    assert.deepEqual(once.flat, once.saturated, "for the sigmoid, flat at δ = 4ε(1 − ε) is saturation at ε");
    assert.equal(r.samples, r.steps * a.config.train.batchSize);
    assert.equal(r.steps, a.config.train.epochs * (r.epochLength / a.config.train.batchSize));
    const again = await runJob(a);
    assert.ok(again.ok && again.cache === "hit");
    // Same seed, same numbers: trained again in an empty cache.
    const other = fs.mkdtempSync(path.join(os.tmpdir(), "causal-jobs-"));
    const twin = await runJob<import("../lib/chapters/causal-jobs").VisitsResult>(a, { cacheDir: other });
    fs.rmSync(other, { recursive: true, force: true });
    assert.ok(twin.ok && twin.cache === "miss");
    assert.deepEqual(twin.value.final, r.final);
    const cont = await runJob<import("../lib/chapters/causal-jobs").ContinueResult>(design.mechanism[0]);
    assert.ok(cont.ok);
    assert.equal(cont.value.timeline[0].weightNorms.length, r.depth + 1);
    // The continuation starts from the trained network: its first norms are the base's last.
    assert.deepEqual(cont.value.timeline[0].weightNorms, r.timeline[r.timeline.length - 1].weightNorms);
    for (const s of design.stream) {
      const o = await runJob<import("../lib/chapters/causal-jobs").StreamResult>(s);
      assert.ok(o.ok);
      assert.equal(o.value.timeline.length, s.steps / s.everySteps + 1);
      assert.equal(o.value.distinctImages, s.arm === "online" ? s.steps * s.config.train.batchSize : s.fixedImages);
    }
  } finally {
    if (old === undefined) delete process.env.SIGMOID_LAB_CACHE;
    else process.env.SIGMOID_LAB_CACHE = old;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
