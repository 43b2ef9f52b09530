/**
 * Compile the fast training kernel (lib/core/fast/assembly, AssemblyScript)
 * into out/wasm/fast-simd.wasm and out/wasm/fast-relaxed.wasm. Run by
 * `npm run build:wasm`, hence by `npm run build` and `npm ci` (prepare).
 * Skips the work when both files are newer than every source; --force rebuilds.
 */
import * as fs from "fs";
import * as path from "path";
import { spawn } from "child_process";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const SOURCES = path.join(__dirname, "assembly");
const CONFIG = path.join(__dirname, "asconfig.json");
const OUT = path.join(ROOT, "out", "wasm");
const TARGETS = ["simd", "relaxed"] as const;

function newestSource(): number {
  const files = [CONFIG, ...fs.readdirSync(SOURCES).map((f) => path.join(SOURCES, f))];
  return Math.max(...files.map((f) => fs.statSync(f).mtimeMs));
}

function upToDate(): boolean {
  const newest = newestSource();
  return TARGETS.every((t) => {
    const f = path.join(OUT, `fast-${t}.wasm`);
    return fs.existsSync(f) && fs.statSync(f).mtimeMs >= newest;
  });
}

/** One asc run; resolves to its output, rejects with it on failure. */
function compile(target: string, asc: string): Promise<void> {
  const outFile = path.join(OUT, `fast-${target}.wasm`);
  const args = [asc, "--config", CONFIG, "--target", target, "--outFile", outFile];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT });
    let log = "";
    child.stdout.on("data", (d: Buffer) => (log += d.toString()));
    child.stderr.on("data", (d: Buffer) => (log += d.toString()));
    child.on("error", (e) => reject(new Error(`${target}: ${e.message}`)));
    child.on("close", (code) =>
      code === 0 ? resolve() : reject(new Error(`${target} build (exit ${code}):\n${log.trim()}`)),
    );
  });
}

async function main(): Promise<void> {
  if (!process.argv.includes("--force") && upToDate()) {
    process.stderr.write("sigmoid-lab: out/wasm/ is up to date\n");
    return;
  }
  const asc = path.join(ROOT, "node_modules", "assemblyscript", "bin", "asc.js");
  if (!fs.existsSync(asc)) throw new Error(`${asc} is missing: run \`npm ci\` (assemblyscript is a devDependency).`);
  fs.mkdirSync(OUT, { recursive: true });
  const t0 = Date.now();
  // The two builds in parallel: asc is single-threaded.
  await Promise.all(TARGETS.map((t) => compile(t, asc)));
  process.stderr.write(
    `sigmoid-lab: fast kernel compiled to out/wasm/ in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
  );
}

if (require.main === module) {
  main().catch((e: Error) => {
    process.stderr.write(
      `sigmoid-lab: compiling the fast training kernel (lib/core/fast/assembly → out/wasm/) failed.\n${e.message}\n` +
        "Fix the AssemblyScript error above, then run `npm run build:wasm`.\n",
    );
    process.exit(1);
  });
}
