/**
 * Compile lib/ to out/lib/ (JavaScript + declarations) for the notebooks.
 *
 * Why: tslab type-checks every local .ts module a cell imports, with all of
 * tfjs's types, on every kernel start: importing lib/ from source took 22 s
 * here, the compiled copy 1.3 s. Notebooks import "./lib/index", and
 * notebooks/lib is a committed symlink to ../out/lib. `npm ci` builds it
 * (the prepare script), and the runner and the book rebuild it whenever a
 * source file is newer than the last build.
 *
 * What is compiled, and how, comes from tsconfig.json: every file of its
 * program that lies under lib/, with its compiler options (emit switched on).
 * A new folder under lib/ needs no change here.
 */
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

const ROOT = path.resolve(__dirname, "..", "..");
const LIB = path.join(ROOT, "lib");
export const LIB_BUILD_DIR = path.join(ROOT, "out", "lib");
const STAMP = path.join(LIB_BUILD_DIR, ".build-stamp");

export interface BuildOutcome {
  readonly rebuilt: boolean;
  readonly seconds: number;
}

/** tsconfig.json's files under lib/ and its options, set to emit into out/lib/. */
function libProgramConfig(): { files: string[]; options: ts.CompilerOptions } {
  const configFile = path.join(ROOT, "tsconfig.json");
  const read = ts.readConfigFile(configFile, ts.sys.readFile);
  if (read.error) throw new Error(`tsconfig.json: ${ts.flattenDiagnosticMessageText(read.error.messageText, "\n")}`);
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, ROOT);
  const files = parsed.fileNames.filter((f) => path.resolve(f).startsWith(LIB + path.sep));
  const options: ts.CompilerOptions = {
    ...parsed.options,
    noEmit: false,
    outDir: LIB_BUILD_DIR,
    rootDir: LIB,
    declaration: true,
  };
  return { files, options };
}

export function ensureLibBuilt(opts: { force?: boolean; quiet?: boolean } = {}): BuildOutcome {
  const { files, options } = libProgramConfig();
  if (!opts.force && fs.existsSync(STAMP) && fs.statSync(STAMP).mtimeMs >= newest(files))
    return { rebuilt: false, seconds: 0 };
  const t0 = Date.now();
  if (!opts.quiet) process.stderr.write("sigmoid-lab: compiling lib/ for the notebooks (out/lib/) ...\n");
  fs.rmSync(LIB_BUILD_DIR, { recursive: true, force: true });
  const program = ts.createProgram(files, options);
  const emitted = program.emit();
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics];
  if (diagnostics.length > 0) {
    const host: ts.FormatDiagnosticsHost = {
      getCanonicalFileName: (f) => f,
      getCurrentDirectory: () => ROOT,
      getNewLine: () => "\n",
    };
    throw new Error(
      `Compiling lib/ failed (fix the type errors below, then re-run):\n${ts.formatDiagnostics(diagnostics, host)}`,
    );
  }
  fs.writeFileSync(STAMP, new Date().toISOString() + "\n");
  return { rebuilt: true, seconds: (Date.now() - t0) / 1000 };
}

/** The newest modification time among the compiled sources and tsconfig.json. */
function newest(files: readonly string[]): number {
  let t = fs.statSync(path.join(ROOT, "tsconfig.json")).mtimeMs;
  for (const f of files) t = Math.max(t, fs.statSync(f).mtimeMs);
  return t;
}

if (require.main === module) {
  try {
    const r = ensureLibBuilt({ force: process.argv.includes("--force") });
    process.stderr.write(
      r.rebuilt
        ? `sigmoid-lab: lib/ compiled to out/lib/ in ${r.seconds.toFixed(1)} s\n`
        : "sigmoid-lab: out/lib/ is up to date\n",
    );
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  }
}
