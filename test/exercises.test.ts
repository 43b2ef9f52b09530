/**
 * The exercises, two ways.
 *
 * The registry: every checker accepts its reference answer, gives the
 * placeholder a gentle "no answer yet", and rejects the typical wrong answers
 * with the hint written for that mistake; `check` has exactly one checker per
 * registered exercise.
 *
 * The notebooks, which hold the only copy of the exercise cells: every
 * registered exercise is in its notebook (prompt, exercise cell, solution
 * tagged "solution"), and its cells RUN here — stripped of their types, with
 * the notebook's imports and a stand-in for the notebook run they read — the
 * exercise cell failing gently on its placeholder and the solution passing;
 * and no notebook has an exercise or calls a check that is not registered.
 * Notebook 07's checks get small real playground runs.
 */
import { test, before } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { transformSync } from "esbuild";
import * as tf from "@tensorflow/tfjs";
import { prepareBackend } from "../lib/core/backend";
import {
  EXERCISES,
  EXERCISE_NOTEBOOKS,
  Exercise,
  check,
  exercise,
  firstSaturation,
  kindLabel,
  measureFirstSaturation,
  showFeedback,
  verify,
} from "../lib/exercises";
import {
  PlaygroundRun,
  momentEpochs,
  pointsOrPlane,
  runPlayground,
  toyDataset,
  withFix,
} from "../lib/chapters/playground";
import { memorySink, setDefaultSink } from "../lib/display/output";
import { activation } from "../lib/core/activations";
import type { ProbeRecord } from "../lib/core/train";
import type { ProbeSnapshot } from "../lib/measure/probe";

const ROOT = path.resolve(__dirname, "..");
const NOTEBOOKS = fs
  .readdirSync(path.join(ROOT, "notebooks"))
  .filter((f) => /^\d\d-.*\.ipynb$/.test(f))
  .sort();

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
  fixed = await runPlayground(withFix(config, "batchnorm"));
});

function contextFor(e: Exercise): PlaygroundRun | undefined {
  if (!e.context) return undefined;
  return { baseline, fixed }[e.context.variable as "baseline" | "fixed"];
}

// ------------------------------------------------------------ the registry

test("the registry: unique ids, numbers and check names, at least 3 exercises for each of notebooks 01, 02, 04, 05, 07, complete entries", () => {
  const ids = EXERCISES.map((e) => e.id);
  assert.equal(new Set(ids).size, ids.length, "unique ids");
  assert.equal(new Set(EXERCISES.map((e) => e.number)).size, ids.length, "unique numbers");
  assert.equal(new Set(EXERCISES.map((e) => e.checkName)).size, ids.length, "unique check names");
  for (const nb of ["01", "02", "04", "05", "07"] as const) {
    assert.ok(EXERCISES.filter((e) => e.notebook === nb).length >= 3, `notebook ${nb} has at least 3 exercises`);
  }
  for (const e of EXERCISES) {
    assert.ok(e.id.startsWith(e.notebook + "."), `${e.id}: id names its notebook`);
    assert.ok(e.number.startsWith(e.notebook + "."), `${e.id}: number names its notebook`);
    assert.ok(["predict-then-run", "code"].includes(e.kind));
    for (const f of [e.title, e.hint]) assert.ok(f.trim().length > 0, `${e.id}: empty field`);
  }
});

test("check: one checker per registered exercise, under its check name, and the two general ones", () => {
  const names = Object.keys(check).sort();
  assert.deepEqual(names, [...EXERCISES.map((e) => e.checkName), "numeric", "any"].sort());
  for (const name of names) assert.equal(typeof (check as Record<string, unknown>)[name], "function");
});

for (const e of EXERCISES) {
  test(
    `${e.id}: accepts the reference, nudges the placeholder, rejects typical mistakes with their hints`,
    { timeout: 60_000 },
    async () => {
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
        assert.ok(
          f.message.includes(w.hint),
          `${e.id}: for ${String(w.answer)} expected a hint containing ${JSON.stringify(w.hint)}, got: ${f.message}`,
        );
        assert.ok(!f.message.includes("\n"), "one line");
      }
    },
  );
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
  // The placeholder functions (NaN, an empty array) get a gentle message, not a crash.
  assert.match((await verify("02.saturation-fraction", () => NaN)).message, /placeholder/);
  assert.match((await verify("05.layer-multipliers", () => [])).message, /placeholder/);
});

// ------------------------------------------------------------ 01.3: a measurement, read by a stated rule

/** A probe record with the given saturated shares per layer at ε = 0.01 (low part: `low`), and a loss. */
function record(step: number, totals: number[], loss: number, low = totals): ProbeRecord<ProbeSnapshot> {
  const layers = totals.map((t, i) => ({
    layer: i + 1,
    width: 10,
    saturation: [{ eps: 0.01, low: low[i], high: t - low[i], total: t }],
  }));
  return {
    step,
    epoch: step / 10,
    updateToData: null,
    snapshots: [{ set: "hand-made", n: 10, loss, accuracy: 0, layers } as unknown as ProbeSnapshot],
  };
}

test("firstSaturation reads probe records by the rule of 01.3: the first probe where a layer has ≥ 50% of its entries within 0.01 of 0 or 1", () => {
  const records = [
    record(0, [0, 0, 0], 2.3),
    record(5, [0.1, 0.3, 0.49], 4.1),
    record(10, [0.2, 0.6, 0.55], 2.5, [0.2, 0.15, 0.55]),
    record(15, [0.9, 0.9, 0.9], 1),
  ];
  const hit = firstSaturation(records, "a hand-made run");
  assert.equal(hit.layer, 2, "the most saturated layer at the first probe that meets the rule");
  assert.equal(hit.step, 10);
  assert.deepEqual(hit.saturation, [0.2, 0.6, 0.55]);
  assert.equal(hit.peakLoss, 4.1, "the highest loss up to that probe");
  assert.match(
    hit.description,
    /^a hand-made run: layer 2 was the first with ≥ 50% of its entries within 0\.01 of 0 or 1, after 10 steps/,
  );
  assert.match(hit.description, /layer 2's 25\.0% near 0/);
  assert.ok(hit.description.includes("layers 1–3 had 20.0%, 60.0%, 55.0% of their entries there"), hit.description);

  const none = firstSaturation(records.slice(0, 2), "a slow run");
  assert.equal(none.layer, null);
  assert.equal(none.step, null);
  assert.deepEqual(none.saturation, [0.1, 0.3, 0.49], "the last probe's shares");
  assert.match(
    none.description,
    /^a slow run: no layer had ≥ 50% .* at any of its 2 probes; at the last, after 5 steps/,
  );

  assert.throws(() => firstSaturation([], "an empty run"), /no probe records/);
  const other = record(0, [1], 2);
  (other.snapshots[0].layers[0].saturation as { eps: number }[])[0].eps = 0.05;
  assert.throws(() => firstSaturation([other], "a run probed at 0.05"), /no saturation at ε = 0\.01 .*ε = 0\.05/);
});

test(
  "01.3 is checked against a measurement: in the check's run the top layer saturates first, within its one epoch",
  { timeout: 60_000 },
  async () => {
    const m = await measureFirstSaturation();
    assert.equal(m.layer, 5, `measured: ${m.description}`);
    assert.ok(m.step !== null && m.step > 0 && m.step < m.records.length, `measured: ${m.description}`);
    assert.ok(m.saturation[4] >= 0.5);
    assert.ok(m.saturation.slice(0, 4).every((s) => s < m.saturation[4]));
    // The reference is that measurement, and the ✓ line reports it.
    assert.equal(await exercise("01.3").reference(), m.layer);
    assert.ok((await verify("01.3", 5)).message.includes(m.description));
  },
);

test("07 checks read the run they are given", async () => {
  const where = pointsOrPlane(fixed);
  assert.equal((await verify("07.points-or-plane", where.verdict, fixed)).ok, true);
  const other = ["points", "plane", "same"].find((v) => v !== where.verdict)!;
  assert.equal((await verify("07.points-or-plane", other, fixed)).ok, false);
  assert.match((await verify("07.points-or-plane", "points")).message, /needs the run/);
  assert.match((await verify("07.most-saturated-layer", 99, baseline)).message, /not a hidden layer/);
});

test("07.1: when no layer saturates (every share under 1%), no layer is marked right", async () => {
  const last = baseline.moments[baseline.moments.length - 1];
  const quiet = (share: (l: number) => number): PlaygroundRun => ({
    ...baseline,
    moments: [
      ...baseline.moments.slice(0, -1),
      { ...last, planeSaturation: last.planeSaturation.map((s, l) => ({ ...s, total: share(l) })) },
    ],
  });
  const none = quiet(() => 0);
  for (let layer = 1; layer <= baseline.config.widths.length; layer++) {
    const f = await verify("07.most-saturated-layer", layer, none);
    assert.equal(f.ok, false, `layer ${layer} at a 0% tie`);
    assert.match(f.message, /no layer saturates/);
  }
  // One layer at 2%, the others at 0: that layer is right, the others are not.
  const one = quiet((l) => (l === 1 ? 0.02 : 0));
  assert.equal((await verify("07.most-saturated-layer", 2, one)).ok, true);
  assert.equal((await verify("07.most-saturated-layer", 1, one)).ok, false);
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

test("checkers that build networks or tensors leave none behind", async () => {
  for (const id of ["02.most-saturated-layer", "05.layer-multipliers", "05.batchnorm-column"]) {
    const e = exercise(id);
    await e.check(e.reference()); // the first call may load the backend
    const before = tf.memory().numTensors;
    assert.equal((await e.check(e.reference())).ok, true);
    assert.equal(tf.memory().numTensors, before, `${id} leaks tensors`);
  }
});

test("the saturation-fraction reference agrees with the lib's probe rule", () => {
  const ref = exercise("02.saturation-fraction").reference() as (h: number[], eps: number) => number;
  const asym = activation("sigmoid").asymptotes!;
  const h = [0.001, 0.5, 0.999, 0.2, 0.995, 0.004, 0.7, 0.01];
  assert.equal(ref(h, 0.01), h.filter((v) => v < 0.01 || v > 0.99).length / h.length);
  assert.ok(asym.low === 0 && asym.high === 1);
});

// ------------------------------------------------------------ the notebooks agree with the registry

interface Cell {
  readonly index: number;
  readonly type: string;
  readonly source: string;
  readonly tags: readonly string[];
}

function cellsOf(file: string): Cell[] {
  const nb = JSON.parse(fs.readFileSync(path.join(ROOT, "notebooks", file), "utf8")) as {
    cells: { cell_type: string; source: string | string[]; metadata: { tags?: string[] } }[];
  };
  return nb.cells.map((c, index) => ({
    index,
    type: c.cell_type,
    source: Array.isArray(c.source) ? c.source.join("") : c.source,
    tags: c.metadata.tags ?? [],
  }));
}

const calls = (c: Cell, name: string) => c.type === "code" && c.source.includes(`check.${name}(`);
const isSolution = (c: Cell) => c.tags.includes("solution");

/** An exercise's cells in its notebook: prompt, exercise cell, the cell that checks the prediction (if separate), solution. */
function exerciseCells(cells: Cell[], e: Exercise) {
  const where = `${EXERCISE_NOTEBOOKS[e.notebook]}, exercise ${e.number}`;
  const heading = `**Exercise ${e.number} — ${e.title}** (${kindLabel(e.kind)})\n\n`;
  const prompts = cells.filter((c) => c.type === "markdown" && c.source.startsWith(heading));
  assert.equal(prompts.length, 1, `${where}: expected one markdown cell starting ${JSON.stringify(heading)}`);
  const prompt = prompts[0];
  assert.ok(
    prompt.source.slice(heading.length).trim().length > 0,
    `${where}: the prompt says nothing after its heading`,
  );
  const exerciseCell = cells.slice(prompt.index + 1).find((c) => c.type === "code");
  assert.ok(exerciseCell && !isSolution(exerciseCell), `${where}: the cell after the prompt must be the exercise cell`);
  assert.match(
    exerciseCell.source,
    /\/\/ your answer/,
    `${where}: the exercise cell has no "// your answer" placeholder`,
  );
  const solution = cells.slice(exerciseCell.index + 1).find((c) => isSolution(c) && calls(c, e.checkName));
  assert.ok(solution, `${where}: no cell tagged "solution" after the exercise cell calls check.${e.checkName}`);
  const checkCell = calls(exerciseCell, e.checkName)
    ? null
    : cells.slice(exerciseCell.index + 1, solution.index).find((c) => !isSolution(c) && calls(c, e.checkName));
  assert.ok(
    checkCell !== undefined,
    `${where}: neither the exercise cell nor a cell before the solution calls check.${e.checkName}`,
  );
  for (const c of [exerciseCell, checkCell, solution]) {
    if (c && e.async)
      assert.ok(
        !new RegExp(`(?<!await )check\\.${e.checkName}\\(`).test(c.source),
        `${where}: cell ${c.index} must await check.${e.checkName}`,
      );
  }
  return { exerciseCell, checkCell, solution };
}

/** The bindings of a notebook's import statements, for the modules of lib/ (others are left out). */
function importsOf(source: string): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const m of source.matchAll(/^import\s+(.+?)\s+from\s+"([^"]+)";?\s*$/gm)) {
    if (!m[2].startsWith("./lib")) continue;
    const mod = require(path.join(ROOT, m[2])) as Record<string, unknown>;
    const star = /^\*\s+as\s+(\w+)$/.exec(m[1]);
    const named = /^\{([^}]*)\}$/.exec(m[1].trim());
    if (star) out.set(star[1], mod);
    else if (named) {
      for (const part of named[1]
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)) {
        const [name, alias] = part.split(/\s+as\s+/);
        assert.ok(name in mod, `${m[2]} has no export ${name}`);
        out.set(alias ?? name, mod[name]);
      }
    } else assert.fail(`unsupported import form in a notebook cell: ${m[0]}`);
  }
  return out;
}

/**
 * Run cells the way the kernel would after the notebook's setup cell: their
 * imports and the setup cell's, the notebook variables in `state`, TypeScript
 * types stripped. Returns the check lines they showed and what they logged.
 */
async function runCells(
  setup: string,
  sources: string[],
  state: Record<string, unknown>,
): Promise<{ lines: string[]; logs: string[] }> {
  const body = sources.join("\n");
  const scope = new Map([...Object.entries(state), ...importsOf(setup), ...importsOf(body)]);
  const logs: string[] = [];
  scope.set("console", { log: (...a: unknown[]) => logs.push(a.map(String).join(" ")) });
  const code = `async function __cells(${[...scope.keys()].join(", ")}) {\n${body.replace(/^import\s.*$/gm, "")}\n}`;
  const run = new Function(`${transformSync(code, { loader: "ts" }).code}\nreturn __cells;`)() as (
    ...a: unknown[]
  ) => Promise<void>;
  const sink = memorySink();
  setDefaultSink(sink);
  try {
    await run(...scope.values());
  } catch (err) {
    assert.fail(`the cells threw: ${(err as Error).message}\n--- cells:\n${body}\n--- logged:\n${logs.join("\n")}`);
  } finally {
    setDefaultSink(null);
  }
  return { lines: sink.outputs.map((o) => o.text), logs };
}

/** What a notebook's cells read from the notebook's own runs, here from small real runs. */
async function notebookState(): Promise<Record<string, unknown>> {
  const checkRun = await measureFirstSaturation();
  // 01.3's solution reads the plateau run by the rule of the check; the check's own run stands in for it.
  return { baseline, fixed, plateau: { result: { probes: checkRun.records } }, plateauLearningRate: 3 };
}

test("every notebook has exactly the registered exercises, and calls only registered checks", () => {
  assert.ok(NOTEBOOKS.length >= 5, `notebooks found: ${NOTEBOOKS.join(", ")}`);
  for (const [nb, file] of Object.entries(EXERCISE_NOTEBOOKS))
    assert.ok(NOTEBOOKS.includes(file), `notebook ${nb}: ${file} is missing`);
  const registered = new Set(Object.keys(check));
  for (const file of NOTEBOOKS) {
    const cells = cellsOf(file);
    const prompts = cells.filter((c) => c.type === "markdown" && c.source.startsWith("**Exercise "));
    for (const p of prompts) {
      const number = /^\*\*Exercise (\S+) /.exec(p.source)?.[1] ?? "?";
      const e = EXERCISES.find((x) => x.number === number);
      assert.ok(
        e && EXERCISE_NOTEBOOKS[e.notebook] === file,
        `${file}, cell ${p.index}: exercise ${number} is not registered for this notebook`,
      );
    }
    const own = EXERCISES.filter((e) => EXERCISE_NOTEBOOKS[e.notebook] === file);
    assert.equal(prompts.length, own.length, `${file}: ${prompts.length} exercise prompts, ${own.length} registered`);
    // A reader meets NN.1 before NN.2: the prompts come in the order of their numbers.
    const numbers = prompts.map((p) => /^\*\*Exercise (\S+) /.exec(p.source)?.[1] ?? "?");
    const inOrder = [...numbers].sort((a, b) => Number(a.split(".")[1]) - Number(b.split(".")[1]));
    assert.deepEqual(numbers, inOrder, `${file}: exercises appear as ${numbers.join(", ")}`);
    const code = cells.filter((c) => c.type === "code");
    for (const c of code) {
      for (const m of c.source.matchAll(/\bcheck\.(\w+)\(\s*("[^"]*")?/g)) {
        assert.ok(registered.has(m[1]), `${file}, cell ${c.index}: check.${m[1]} is not registered`);
        if ((m[1] === "numeric" || m[1] === "any") && m[2]) exercise(JSON.parse(m[2]));
      }
    }
    if (code.some((c) => /\bcheck\./.test(c.source))) {
      assert.ok(
        code.some((c) => c.source.includes('import { check } from "./lib/exercises";')),
        `${file}: calls check.* but does not import it`,
      );
    }
  }
});

for (const [nb, file] of Object.entries(EXERCISE_NOTEBOOKS)) {
  test(
    `${file}: every exercise's cells run — the placeholder fails gently, the solution passes`,
    { timeout: 120_000 },
    async () => {
      const cells = cellsOf(file);
      const setup = cells.find(
        (c) => c.type === "code" && c.source.includes('import { check } from "./lib/exercises";'),
      );
      assert.ok(setup, `${file}: no setup cell imports check`);
      const state = await notebookState();
      for (const e of EXERCISES.filter((x) => x.notebook === nb)) {
        const { exerciseCell, checkCell, solution } = exerciseCells(cells, e);
        const tried = await runCells(setup.source, [exerciseCell.source, checkCell?.source ?? ""], state);
        assert.equal(
          tried.lines.length,
          1,
          `${e.number}: the exercise cell${checkCell ? " and its check" : ""} should show one line, showed ${JSON.stringify(tried.lines)}`,
        );
        assert.match(
          tried.lines[0],
          /^✗ (No (answer|prediction) yet: |Not yet: .*placeholder)/,
          `${e.number}: the placeholder should fail gently`,
        );
        const solved = await runCells(setup.source, [solution.source], state);
        assert.ok(solved.lines.length >= 1, `${e.number}: the solution shows no check line`);
        for (const line of solved.lines)
          assert.match(
            line,
            /^✓ Right: /,
            `${e.number}: the solution fails its check (logged: ${solved.logs.join(" | ")})`,
          );
      }
    },
  );
}
