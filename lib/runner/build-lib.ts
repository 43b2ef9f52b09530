/**
 * Compile lib/ to out/lib/ (JavaScript + declarations) for the notebooks.
 *
 * Why: tslab type-checks every local .ts module a cell imports, with all of
 * tfjs's types, on every kernel start: importing lib/ from source took 22 s
 * here, the compiled copy 1.3 s. Notebooks import "./lib/index", and
 * notebooks/lib is a committed symlink to ../out/lib. `npm ci` builds it
 * (the prepare script), and the runner and the book rebuild it whenever a
 * source file is newer than the last build.
 */
import * as fs from "fs";
import * as path from "path";
import { spawnSync } from "child_process";

const ROOT = path.resolve(__dirname, "..", "..");
export const LIB_BUILD_DIR = path.join(ROOT, "out", "lib");
const STAMP = path.join(LIB_BUILD_DIR, ".build-stamp");
/** Every module of lib/ and lib/display/ a notebook may import (not the tools). */
function entries(): string[] {
  const inDir = (dir: string) =>
    fs.readdirSync(path.join(ROOT, dir)).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts")).map((f) => `${dir}/${f}`);
  return [...inDir("lib"), ...inDir("lib/display")];
}
/** Tools that notebooks never import. */
const NOT_FOR_NOTEBOOKS = ["runner", "book", "bench"];

export interface BuildOutcome {
  readonly rebuilt: boolean;
  readonly seconds: number;
}

export function ensureLibBuilt(opts: { force?: boolean; quiet?: boolean } = {}): BuildOutcome {
  if (!opts.force && fs.existsSync(STAMP) && fs.statSync(STAMP).mtimeMs >= newestSource()) return { rebuilt: false, seconds: 0 };
  const t0 = Date.now();
  if (!opts.quiet) process.stderr.write("sigmoid-lab: compiling lib/ for the notebooks (out/lib/) ...\n");
  fs.rmSync(LIB_BUILD_DIR, { recursive: true, force: true });
  const tsc = require.resolve("typescript/bin/tsc");
  const args = [
    tsc, ...entries(), "--outDir", LIB_BUILD_DIR, "--rootDir", "lib", "--declaration",
    "--target", "ES2020", "--module", "commonjs", "--moduleResolution", "node", "--lib", "ES2020,DOM",
    "--strict", "--esModuleInterop", "--skipLibCheck", "--resolveJsonModule", "--types", "node",
  ];
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) {
    throw new Error(`Compiling lib/ failed (fix the type errors below, then re-run):\n${r.stdout}${r.stderr}`);
  }
  fs.writeFileSync(STAMP, new Date().toISOString() + "\n");
  return { rebuilt: true, seconds: (Date.now() - t0) / 1000 };
}

function newestSource(): number {
  let newest = 0;
  const walk = (dir: string, top: boolean) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (top && NOT_FOR_NOTEBOOKS.includes(e.name)) continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p, false);
      else if (e.name.endsWith(".ts")) newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  };
  walk(path.join(ROOT, "lib"), true);
  return newest;
}

if (require.main === module) {
  try {
    const r = ensureLibBuilt({ force: process.argv.includes("--force") });
    process.stderr.write(r.rebuilt ? `sigmoid-lab: lib/ compiled to out/lib/ in ${r.seconds.toFixed(1)} s\n` : "sigmoid-lab: out/lib/ is up to date\n");
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  }
}
