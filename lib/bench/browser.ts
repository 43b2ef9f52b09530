/**
 * A real browser binary for the benchmark and the browser tests: $variable
 * if set (it must be an executable file), else the first of `names` on PATH.
 * Debian's `chromium` and `firefox-esr` packages put theirs in /usr/bin.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export const CHROMIUM_NAMES = ["chromium", "chromium-browser", "google-chrome-stable", "google-chrome", "chrome"];

export const HOW_TO_GET_CHROMIUM =
  "the browser tests need Chromium: install it (Debian: apt-get install chromium) or set CHROMIUM=/path/to/chromium";

/** The Chromium binary to use, or null with no CHROMIUM set and none on PATH; a CHROMIUM that is not a file throws. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | null {
  return findBrowser("CHROMIUM", CHROMIUM_NAMES, HOW_TO_GET_CHROMIUM, env);
}

/** A browser binary: $variable if set (else this throws with `howTo`), else the first of `names` on PATH, else null. */
export function findBrowser(
  variable: string,
  names: readonly string[],
  howTo: string,
  env: NodeJS.ProcessEnv = process.env,
): string | null {
  const set = env[variable];
  if (set) {
    if (!isExecutable(set)) throw new Error(`${variable}=${set} is not an executable file; ${howTo}`);
    return set;
  }
  for (const dir of (env.PATH ?? "").split(path.delimiter).filter(Boolean)) {
    for (const name of names) {
      const candidate = path.join(dir, name);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return null;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Chromium's flags for a headless run with nothing that phones home. */
export const QUIET_CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];
