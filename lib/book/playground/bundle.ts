/**
 * The playground page's script: the library's own code (the MLP, the
 * training loop, the probes, 07's tiles) bundled for the browser with
 * esbuild into one classic script, assets/playground.js. A classic script,
 * not a module: Chromium refuses module scripts from file://.
 *
 * What changes for the browser (lib/book/playground/browser/):
 *   "@tensorflow/tfjs"  → tfjs-core with the cpu backend (tfjs.ts)
 *   zlib, crypto        → small stand-ins for the tile PNGs and DOM ids
 *   Buffer, setImmediate → injected globals (globals.ts)
 *   other Node built-ins → an empty module: the page never calls them
 *
 * The bundle is cached in out/playground-bundle/ and rebuilt only when one of
 * its input files (or esbuild) changed, so building the book stays fast.
 */
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const BROWSER = path.join(__dirname, "browser");
/** The page's code: a chapter module. The book does not import it (book/ imports no science); it bundles it. */
export const PLAYGROUND_ENTRY = path.join(ROOT, "lib", "chapters", "playground-page", "index.ts");
const CACHE_DIR = path.join(ROOT, "out", "playground-bundle");
export const PLAYGROUND_SCRIPT = "playground.js";

export interface BundleOutcome {
  /** The bundled script (in the cache). */
  readonly file: string;
  readonly bytes: number;
  /** Wall time of this call (esbuild's, when it rebuilt). */
  readonly seconds: number;
  readonly rebuilt: boolean;
}

interface CacheStamp {
  readonly esbuild: string;
  /** Every input file of the last build with its mtime and size. */
  readonly inputs: Record<string, [number, number]>;
}

const NODE_BUILTINS = [
  "fs",
  "path",
  "os",
  "url",
  "util",
  "child_process",
  "worker_threads",
  "module",
  "stream",
  "events",
  "assert",
  "http",
  "https",
  "net",
  "tty",
  "v8",
  "vm",
  "readline",
  "perf_hooks",
];

/** Node built-ins → their browser stand-ins or an empty module; "@tensorflow/tfjs" → tfjs-core + cpu (paths relative to ROOT, as esbuild's alias wants them). */
function browserAliases(): Record<string, string> {
  const rel = (f: string) => "./" + path.relative(ROOT, path.join(BROWSER, f)).split(path.sep).join("/");
  const own: Record<string, string> = {
    zlib: rel("zlib.ts"),
    crypto: rel("crypto.ts"),
    "@tensorflow/tfjs": rel("tfjs.ts"),
  };
  const empty = rel("node-builtin.ts");
  return { ...Object.fromEntries(NODE_BUILTINS.map((n) => [n, empty])), ...own };
}

/** The playground's script, from the cache when no input changed since it was built. */
export function bundlePlayground(opts: { force?: boolean } = {}): BundleOutcome {
  const t0 = performance.now();
  const esbuild: typeof import("esbuild") = require("esbuild");
  const file = path.join(CACHE_DIR, PLAYGROUND_SCRIPT);
  const stampFile = path.join(CACHE_DIR, "inputs.json");
  if (!opts.force && upToDate(file, stampFile, esbuild.version)) {
    return { file, bytes: fs.statSync(file).size, seconds: (performance.now() - t0) / 1000, rebuilt: false };
  }
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  const result = esbuild.buildSync({
    stdin: {
      contents: `import { start } from ${JSON.stringify(PLAYGROUND_ENTRY)};\nstart().catch((e) => console.error(e));\n`,
      resolveDir: ROOT,
      sourcefile: "playground-entry.ts",
      loader: "ts",
    },
    bundle: true,
    platform: "browser",
    format: "iife",
    target: ["chrome100", "firefox100", "safari15"],
    minify: true,
    legalComments: "eof",
    inject: [path.join(BROWSER, "globals.ts")],
    define: { "process.env.NODE_ENV": '"production"' },
    alias: browserAliases(),
    outfile: file,
    metafile: true,
    logLevel: "silent",
    absWorkingDir: ROOT,
  });
  const inputs: CacheStamp["inputs"] = {};
  for (const input of Object.keys(result.metafile.inputs)) {
    const abs = path.resolve(ROOT, input);
    if (!fs.existsSync(abs)) continue; // the stdin entry
    const st = fs.statSync(abs);
    inputs[abs] = [st.mtimeMs, st.size];
  }
  fs.writeFileSync(stampFile, JSON.stringify({ esbuild: esbuild.version, inputs } satisfies CacheStamp));
  return { file, bytes: fs.statSync(file).size, seconds: (performance.now() - t0) / 1000, rebuilt: true };
}

function upToDate(file: string, stampFile: string, esbuildVersion: string): boolean {
  if (!fs.existsSync(file) || !fs.existsSync(stampFile)) return false;
  let stamp: CacheStamp;
  try {
    stamp = JSON.parse(fs.readFileSync(stampFile, "utf8"));
  } catch {
    return false;
  }
  if (stamp.esbuild !== esbuildVersion) return false;
  return Object.entries(stamp.inputs).every(([f, [mtime, size]]) => {
    try {
      const st = fs.statSync(f);
      return st.mtimeMs === mtime && st.size === size;
    } catch {
      return false;
    }
  });
}
