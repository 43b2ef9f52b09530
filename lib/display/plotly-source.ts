/**
 * The plotly.js bundle, offline, from node_modules. plotly.js-dist 4.x ships
 * only the unminified plotly.js (10 MB); we minify it once with esbuild (a
 * dev dependency, through tsx) into out/cache/ and reuse that copy, so every
 * executed notebook carries ~4.8 MB instead of 10 MB. Without esbuild the
 * unminified file is used: bigger, identical behaviour.
 */

import * as fs from "fs";
import * as path from "path";

/** The minimal esbuild API we use; typed here so a missing esbuild is not a compile error. */
interface Minifier {
  transformSync(source: string, options: { minify: boolean; legalComments: "eof" }): { code: string };
}

/** Where the project lives: the folder holding node_modules/plotly.js-dist. */
export function projectRoot(): string {
  const pkg = require.resolve("plotly.js-dist/package.json");
  return path.resolve(path.dirname(pkg), "..", "..");
}

export function plotlyVersion(): string {
  const pkg = require.resolve("plotly.js-dist/package.json");
  const parsed: { version: string } = JSON.parse(fs.readFileSync(pkg, "utf8"));
  return parsed.version;
}

/** Path of a minified plotly.js, creating the cached copy on first use. */
export function plotlyMinJsPath(): string {
  const cached = path.join(projectRoot(), "out", "cache", `plotly-${plotlyVersion()}.min.js`);
  if (fs.existsSync(cached)) return cached;
  const source = require.resolve("plotly.js-dist/plotly.js");
  const minifier = loadMinifier();
  if (minifier === null) return source;
  const code = minifier.transformSync(fs.readFileSync(source, "utf8"), { minify: true, legalComments: "eof" }).code;
  try {
    writeAtomically(cached, code);
    return cached;
  } catch {
    return source; // a read-only checkout: the unminified bundle works the same
  }
}

/** The plotly.js source text (minified when possible). */
export function plotlySource(): string {
  return fs.readFileSync(plotlyMinJsPath(), "utf8");
}

function loadMinifier(): Minifier | null {
  try {
    const esbuild: Minifier = require("esbuild");
    return esbuild;
  } catch {
    return null;
  }
}

/** Two kernels may minify at once: each writes its own temp file, rename is atomic. */
function writeAtomically(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}
