/**
 * Solution cells: collapsed in the committed notebooks (npm run tidy-notebooks)
 * and absent from the student copy (npm run student).
 */
import Ajv from "ajv-draft-04";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, test } from "node:test";
import {
  RawNotebook,
  chapterFiles,
  declaredNames,
  hideSolutions,
  isSolution,
  namesLeakingFromSolutions,
  readRaw,
  serialiseRaw,
  sourceOf,
  studentCopy,
  uncollapsedSolutions,
} from "../lib/runner/solutions";
import { tidy } from "../lib/runner/tidy";

const REPO = path.resolve(__dirname, "..");
const NOTEBOOKS = chapterFiles(path.join(REPO, "notebooks"));
const OUT = fs.mkdtempSync(path.join(os.tmpdir(), "sigmoid-lab-solutions-"));
after(() => fs.rmSync(OUT, { recursive: true, force: true }));

const ajv = new Ajv({ strict: false, allErrors: true }); // strict: false: the official schema misspells a keyword
const validNotebook = ajv.compile(
  JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", "nbformat.v4.schema.json"), "utf8")),
);

function toy(): RawNotebook {
  const code = (source: string, tags?: string[], extra: Record<string, unknown> = {}) => ({
    cell_type: "code",
    execution_count: 3,
    id: `c${Math.random().toString(16).slice(2, 10)}`,
    metadata: { ...(tags ? { tags } : {}), ...extra },
    outputs: [{ output_type: "stream", name: "stdout", text: ["42\n"] }],
    source: source,
  });
  return {
    cells: [
      { cell_type: "markdown", id: "m1", metadata: {}, source: ["# Exercise\n"] },
      code("function answer() { return NaN; }\ncheck(answer);"),
      code("function answerSolution() { return 42; }\ncheck(answerSolution);", ["solution"], { collapsed: false }),
      code("const helper = 1;", ["solution"], { jupyter: { outputs_hidden: false } }),
      code("console.log(helper + 1);"),
    ],
    metadata: { kernelspec: { name: "sigmoid-lab", display_name: "TypeScript (sigmoid-lab)", language: "typescript" } },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

test("hideSolutions collapses exactly the solution cells, keeps their other metadata, and is idempotent", () => {
  const nb = toy();
  assert.deepEqual(uncollapsedSolutions(nb), [3, 4]);
  assert.equal(hideSolutions(nb), 2);
  assert.deepEqual(uncollapsedSolutions(nb), []);
  assert.deepEqual(nb.cells[2].metadata, { collapsed: false, jupyter: { source_hidden: true }, tags: ["solution"] });
  assert.deepEqual(nb.cells[3].metadata, {
    jupyter: { outputs_hidden: false, source_hidden: true },
    tags: ["solution"],
  });
  assert.deepEqual(
    Object.keys(nb.cells[2].metadata),
    ["collapsed", "jupyter", "tags"],
    "keys sorted as Jupyter writes them",
  );
  assert.equal(nb.cells[1].metadata.jupyter, undefined, "the exercise cell stays open");
  const once = serialiseRaw(nb);
  assert.equal(hideSolutions(nb), 0);
  assert.equal(serialiseRaw(nb), once);
  assert.ok(validNotebook(JSON.parse(once)), JSON.stringify(validNotebook.errors));
});

test("tidy rewrites a file only when something changed", () => {
  const file = path.join(OUT, "toy.ipynb");
  fs.writeFileSync(file, serialiseRaw(toy()));
  assert.deepEqual(tidy([file]), [{ file, hidden: 2 }]);
  const tidied = fs.readFileSync(file, "utf8");
  const mtime = fs.statSync(file).mtimeMs;
  assert.deepEqual(tidy([file]), [{ file, hidden: 0 }]);
  assert.equal(fs.readFileSync(file, "utf8"), tidied);
  assert.equal(fs.statSync(file).mtimeMs, mtime);
});

test("a solution cell's name used by a later cell is reported (the student copy would break there)", () => {
  assert.deepEqual(
    declaredNames("const a = 1;\nexport async function b() {}\nclass C {}\n  let inner = 2;\nlet [x] = y;"),
    ["a", "b", "C"],
  );
  assert.deepEqual(namesLeakingFromSolutions(toy()), [{ name: "helper", cell: 4, usedIn: 5 }]);
});

// Fails until `npm run tidy-notebooks` has been run on notebooks/ (and its result committed).
test("every solution cell in notebooks/ is collapsed (npm run tidy-notebooks)", () => {
  const open = NOTEBOOKS.map((f) => ({ f: path.basename(f), cells: uncollapsedSolutions(readRaw(f)) })).filter(
    (x) => x.cells.length > 0,
  );
  assert.deepEqual(open, [], `solution cells without metadata.jupyter.source_hidden: run npm run tidy-notebooks`);
});

test("npm run student writes every chapter without solutions or outputs, valid, and runnable top to bottom", () => {
  const outDir = path.join(OUT, "student");
  const r = spawnSync(process.execPath, ["--import", "tsx", "lib/runner/student.ts", "--out", outDir], {
    cwd: REPO,
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(NOTEBOOKS.length > 0);
  for (const source of NOTEBOOKS) {
    const name = path.basename(source);
    const original = readRaw(source);
    const copy = readRaw(path.join(outDir, name));
    assert.ok(validNotebook(copy), `${name}: ${JSON.stringify(validNotebook.errors?.slice(0, 3))}`);
    assert.equal(copy.cells.filter(isSolution).length, 0, `${name}: no solution cell`);
    const kept = original.cells.filter((c) => !isSolution(c));
    assert.deepEqual(
      copy.cells.map((c) => [c.id, sourceOf(c)]),
      kept.map((c) => [c.id, sourceOf(c)]),
      `${name}: every other cell, in order`,
    );
    assert.ok(
      copy.cells.every((c) => c.cell_type !== "code" || ((c.outputs ?? []).length === 0 && c.execution_count === null)),
      `${name}: no outputs`,
    );
    assert.deepEqual(
      namesLeakingFromSolutions(original),
      [],
      `${name}: a later cell uses a name only a solution cell defines`,
    );
    assert.match(r.stdout, new RegExp(`${name}: ${original.cells.filter(isSolution).length} solution cells? removed`));
  }
  assert.equal(
    fs.realpathSync(path.join(outDir, "lib")),
    fs.realpathSync(path.join(REPO, "out", "lib")),
    "lib links to the compiled library",
  );
  // The student copy of a toy notebook drops the solutions and the outputs of the rest.
  const copy = studentCopy(toy());
  assert.deepEqual(
    copy.cells.map((c) => sourceOf(c).split("\n")[0]),
    ["# Exercise\n".trimEnd(), "function answer() { return NaN; }", "console.log(helper + 1);"],
  );
});
