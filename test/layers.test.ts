/**
 * The rule of imports of lib/ (lib/README.md):
 *
 *   core ← data ← measure ← run ← chapters, exercises
 *
 * a module imports only from its own layer or the layers to its left;
 * display/, runner/ and book/ import no science (the error classes of
 * core/errors.ts are shared by all); nothing general imports a chapter or an
 * exercise. Checked on the import statements of every file.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

const LIB = path.resolve(__dirname, "..", "lib");
const RANK: Record<string, number> = { core: 0, data: 1, measure: 2, run: 3, chapters: 4, exercises: 5 };
const TOOLS = ["display", "runner", "book"];

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === "assembly" ? [] : files(p);
    return e.name.endsWith(".ts") ? [p] : [];
  });
}

/** The top folder of lib/ a file belongs to ("" for lib/index.ts). */
const folder = (file: string) => path.relative(LIB, file).split(path.sep).slice(0, -1)[0] ?? "";

function imports(file: string): string[] {
  const src = fs.readFileSync(file, "utf8");
  const out: string[] = [];
  for (const m of src.matchAll(/(?:from\s+|import\s*\(\s*|require\(\s*)["'](\.{1,2}\/[^"']*)["']/g)) {
    out.push(path.resolve(path.dirname(file), m[1]));
  }
  return out;
}

test("lib/: every import follows the rule of layers", () => {
  const bad: string[] = [];
  for (const f of files(LIB)) {
    const from = folder(f);
    for (const target of imports(f)) {
      const to = folder(target.endsWith(".ts") ? target : `${target}.ts`) || folder(path.join(target, "index.ts"));
      if (!target.startsWith(LIB)) continue;
      const where = `${path.relative(LIB, f)} → ${path.relative(LIB, target)}`;
      if (TOOLS.includes(from) && to in RANK && path.relative(LIB, target) !== path.join("core", "errors"))
        bad.push(`${where}: ${from}/ imports no science`);
      if (from in RANK && to in RANK) {
        const allowed = RANK[to] <= RANK[from] || (from === "exercises" && to === "chapters");
        if (!allowed) bad.push(`${where}: ${from} may not import ${to}`);
      }
      if (from === "chapters" && to === "exercises") bad.push(`${where}: chapters may not import exercises`);
    }
  }
  assert.deepEqual(bad, []);
});

test("lib/: the checker sees the layers (a check that can fail)", () => {
  // The rule above only means something if every science folder exists and holds files.
  for (const layer of Object.keys(RANK))
    assert.ok(files(path.join(LIB, layer)).length > 0, `lib/${layer}/ has no .ts files`);
});
