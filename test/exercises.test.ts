/**
 * Every checker accepts its reference answer, gives the placeholder a gentle
 * "no answer yet", and rejects the typical wrong answers with the hint
 * written for that mistake. Context-dependent checks (notebook 07) get a
 * small real playground run.
 */
import { test, before } from "node:test";
import * as assert from "node:assert/strict";
import { prepareBackend } from "../lib/core/backend";
import { EXERCISES, Exercise, check, exercise, exerciseCells, measureFirstSaturation, showFeedback, verify } from "../lib/exercises";
import { PlaygroundRun, momentEpochs, pointsOrPlane, runPlayground, toyDataset, withFix } from "../lib/chapters/playground";
import { memorySink, setDefaultSink } from "../lib/display/output";
import { activation } from "../lib/core/activations";

let baseline: PlaygroundRun;
let fixed: PlaygroundRun;

before(async () => {
  await prepareBackend({ quiet: true });
  const data = toyDataset("spirals", { n: 64, noise: 0.05, seed: 1 });
  const config = {
    label: "baseline",
    data,
    widths: [6, 6, 6],
    activation: "sigmoid" as const,
    init: "standard" as const,
    learningRate: 6,
    batchSize: 16,
    epochs: 12,
    seed: 1,
    moments: momentEpochs(12, 4),
    resolution: 12,
  };
  baseline = await runPlayground(config);
  fixed = await runPlayground(withFix(config, "batchNorm"));
});

function contextFor(e: Exercise): PlaygroundRun | undefined {
  if (!e.context) return undefined;
  return e.context.includes("fixed") ? fixed : baseline;
}

test("the registry: unique ids, at least 3 exercises for each of notebooks 01–05 and 07, complete entries", () => {
  const ids = EXERCISES.map((e) => e.id);
  assert.equal(new Set(ids).size, ids.length, "unique ids");
  assert.equal(new Set(EXERCISES.map((e) => e.number)).size, ids.length, "unique numbers");
  for (const nb of ["01", "02", "04", "05", "07"] as const) {
    assert.ok(EXERCISES.filter((e) => e.notebook === nb).length >= 3, `notebook ${nb} has at least 3 exercises`);
  }
  for (const e of EXERCISES) {
    assert.ok(e.id.startsWith(e.notebook + "."), `${e.id}: id names its notebook`);
    assert.ok(["predict-then-run", "code"].includes(e.kind));
    for (const f of [e.title, e.prompt, e.hint, e.cells.prompt, e.cells.exercise, e.cells.solution]) assert.ok(f.trim().length > 0, `${e.id}: empty field`);
    assert.ok(typeof (check as Record<string, unknown>)[e.checkName] === "function", `${e.id}: check.${e.checkName} exists`);
    // The cells call the check they are registered with, awaiting it when it is async.
    const calls = [e.cells.exercise, e.cells.checkCell ?? "", e.cells.solution].join("\n");
    assert.ok(calls.includes(`check.${e.checkName}(`), `${e.id}: the cells call check.${e.checkName}`);
    if (e.async) assert.ok(calls.includes(`await check.${e.checkName}(`), `${e.id}: async checks are awaited`);
    assert.ok(e.cells.prompt.startsWith(`**Exercise ${e.number} — `), `${e.id}: prompt heading`);
    assert.match(e.cells.exercise, /your answer/, `${e.id}: the exercise cell has a "your answer" placeholder`);
  }
  const cells = exerciseCells("04");
  assert.equal(cells.filter((c) => c.tags.includes("solution")).length, EXERCISES.filter((e) => e.notebook === "04").length);
});

for (const e of EXERCISES) {
  test(`${e.id}: accepts the reference, nudges the placeholder, rejects typical mistakes with their hints`, { timeout: 60_000 }, async () => {
    const ctx = contextFor(e);
    const ref = await e.reference(ctx);
    const ok = await e.check(ref, ctx);
    assert.equal(ok.ok, true, `${e.id} rejects its reference: ${ok.message}`);
    assert.match(ok.message, /^✓ Right: /);
    assert.ok(!ok.message.includes("\n"), "one line");

    const none = await e.check(undefined, ctx);
    assert.equal(none.ok, false);
    if (e.kind === "code") {
      assert.match(none.message, /^✗ No answer yet: /);
      assert.ok(none.message.includes(e.hint), "code exercises get the hint with the placeholder");
    } else {
      assert.match(none.message, /^✗ No prediction yet: /);
      assert.ok(!none.message.includes("Hint"), "predictions get no hint before they are made");
    }

    for (const w of e.typicalWrong) {
      const f = await e.check(w.answer, ctx);
      assert.equal(f.ok, false, `${e.id} accepts the wrong answer ${String(w.answer)}`);
      assert.match(f.message, /^✗ Not yet: /);
      assert.ok(f.message.includes(w.hint), `${e.id}: for ${String(w.answer)} expected a hint containing ${JSON.stringify(w.hint)}, got: ${f.message}`);
      assert.ok(!f.message.includes("\n"), "one line");
    }
  });
}

test("numeric checkers: the specific hints of the brief", async () => {
  const m = (id: string, a: unknown) => verify(id, a);
  assert.match((await m("04.sigmoid-derivative-max", 0.5)).message, /σ\(0\), not σ'\(0\)/);
  assert.match((await m("04.sigmoid-derivative-max", 1)).message, /upper asymptote/);
  assert.equal((await m("04.sigmoid-derivative-max", 0.25)).ok, true);
  assert.equal((await m("04.sigmoid-derivative-max", "0.25")).ok, true, "a numeric string is read as a number");
  // σ'(z) < 0.01 beyond |z| = 4.5848…, while h > 0.99 beyond ln 99 = 4.5951…: the two are told apart.
  assert.equal((await m("04.derivative-level", 4.5848)).ok, true);
  assert.equal((await m("04.derivative-level", -4.5848)).ok, true, "the sign of z does not matter");
  assert.match((await m("04.derivative-level", Math.log(99))).message, /where σ\(z\) = 0\.99/);
  assert.equal((await m("02.saturation-threshold-z", Math.log(99))).ok, true);
  assert.match((await m("02.saturation-threshold-z", 4.5848)).message, /where σ'\(z\) = 0\.01/);
  assert.match((await m("01.chance-loss", 1)).message, /natural logarithm/);
  assert.match((await m("01.standard-init-variance", 1 / 256)).message, /a²\/3/);
  assert.match((await m("04.bound-product", Math.pow(0.5, 6))).message, /five matrices/);
  // A wrong answer that matches no known mistake gets the general hint, and says which way it is off.
  const far = await m("01.chance-loss", 7);
  assert.match(far.message, /too large/);
  assert.ok(far.message.includes(exercise("01.chance-loss").hint));
  assert.match((await m("01.chance-loss", "ten")).message, /not a finite number/);
});

test("code checkers run the student's function and report throws and wrong shapes in one line", async () => {
  const thrower = () => {
    throw new Error("boom");
  };
  const f = await verify("02.saturation-fraction", thrower);
  assert.match(f.message, /threw: boom/);
  assert.match((await verify("05.layer-multipliers", (L: number) => new Array(L + 1).fill(1))).message, /expected \[/);
  assert.match((await verify("04.spectral-norm", 3)).message, /expected a function/);
  // tanh built without sigma is caught.
  assert.match((await verify("04.tanh-from-sigmoid", (x: number) => Math.tanh(x))).message, /never calls sigma/);
  // The placeholder function (returns NaN) gets a gentle message, not a crash.
  assert.match((await verify("02.saturation-fraction", () => NaN)).message, /placeholder/);
});

test("01.3 is checked against a measurement: the top layer saturates first", { timeout: 60_000 }, async () => {
  const m = await measureFirstSaturation();
  assert.equal(m.layer, 5, `measured: ${m.description}`);
  assert.ok(m.saturation[4] >= 0.5);
  assert.ok(m.saturation.slice(0, 4).every((s) => s < m.saturation[4]));
});

test("07 checks read the run they are given", async () => {
  const where = pointsOrPlane(fixed);
  assert.equal((await verify("07.points-or-plane", where.verdict, fixed)).ok, true);
  const other = ["points", "plane", "same"].find((v) => v !== where.verdict)!;
  assert.equal((await verify("07.points-or-plane", other, fixed)).ok, false);
  assert.match((await verify("07.points-or-plane", "points")).message, /needs the run/);
  assert.match((await verify("07.most-saturated-layer", 99, baseline)).message, /not a hidden layer/);
});

test("check.* shows exactly one line in the cell and returns nothing", async () => {
  const sink = memorySink();
  setDefaultSink(sink);
  try {
    const r1 = check.sigmoidDerivativeMax(0.5);
    const r2 = await check.batchNormalize((z: number[]) => z);
    check.numeric("04.sigmoid-derivative-max", 0.25);
    assert.equal(r1, undefined);
    assert.equal(r2, undefined);
    assert.equal(sink.outputs.length, 3);
    assert.match(sink.outputs[0].text, /^✗ Not yet: /);
    assert.match(sink.outputs[0].html, /class="sigmoid-lab-check not-yet"/);
    assert.match(sink.outputs[2].html, /class="sigmoid-lab-check ok"/);
    assert.throws(() => check.numeric("01.first-saturating-layer", 5), /await check\.any/);
  } finally {
    setDefaultSink(null);
  }
  const html = memorySink();
  showFeedback({ id: "x", ok: false, message: "✗ <script>" }, html);
  assert.ok(!html.outputs[0].html.includes("<script>"), "escaped");
});

test("the saturation-fraction reference agrees with the lib's probe rule", () => {
  const ref = exercise("02.saturation-fraction").reference() as (h: number[], eps: number) => number;
  const asym = activation("sigmoid").asymptotes!;
  const h = [0.001, 0.5, 0.999, 0.2, 0.995, 0.004, 0.7, 0.01];
  assert.equal(ref(h, 0.01), h.filter((v) => v < 0.01 || v > 0.99).length / h.length);
  assert.ok(asym.low === 0 && asym.high === 1);
});

test("notebook 07 contains its exercises' cells exactly as registered, solutions tagged", () => {
  const fs = require("fs") as typeof import("fs");
  const path = require("path") as typeof import("path");
  const nb = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "notebooks", "07-playground.ipynb"), "utf8")) as {
    cells: { cell_type: string; source: string | string[]; metadata: { tags?: string[] } }[];
  };
  const cells = nb.cells.map((c) => ({ type: c.cell_type, source: Array.isArray(c.source) ? c.source.join("") : c.source, tags: c.metadata.tags ?? [] }));
  const index = (type: string, source: string) => cells.findIndex((c) => c.type === type && c.source === source);
  for (const e of EXERCISES.filter((x) => x.notebook === "07")) {
    const p = index("markdown", e.cells.prompt);
    const x = index("code", e.cells.exercise);
    const s = index("code", e.cells.solution);
    assert.ok(p >= 0, `${e.id}: prompt cell`);
    assert.ok(x > p, `${e.id}: exercise cell after the prompt`);
    assert.ok(s > x, `${e.id}: solution cell after the exercise`);
    assert.ok(cells[s].tags.includes("solution"), `${e.id}: solution tagged`);
    assert.ok(!cells[x].tags.includes("solution"));
    if (e.cells.checkCell) {
      const c = index("code", e.cells.checkCell);
      assert.ok(c > x && c < s, `${e.id}: check cell between the prediction and the solution`);
    }
  }
});
