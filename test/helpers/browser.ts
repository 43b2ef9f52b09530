/**
 * The real browser the tests drive: $CHROMIUM if set, else the first of
 * chromium / chromium-browser / google-chrome on PATH. Debian's `chromium`
 * package puts it at /usr/bin/chromium, which PATH finds.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Browser, chromium } from "playwright-core";

const NAMES = ["chromium", "chromium-browser", "google-chrome-stable", "google-chrome", "chrome"];

export const HOW_TO_GET_CHROMIUM =
  "the browser tests need Chromium: install it (Debian: apt-get install chromium) or set CHROMIUM=/path/to/chromium";

/** The Chromium binary to use, or null with no CHROMIUM set and none on PATH; a CHROMIUM that is not a file throws. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | null {
  return findBrowser("CHROMIUM", NAMES, HOW_TO_GET_CHROMIUM, env);
}

/**
 * A browser binary: $variable if set (it must be an executable file, else this
 * throws with `howTo`), else the first of `names` on PATH, else null.
 * (test/helpers/firefox.ts finds Firefox with it.)
 */
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

/** A headless Chromium with nothing that phones home, or null when there is none (tests then fail with HOW_TO_GET_CHROMIUM). */
export async function launchChromium(): Promise<Browser | null> {
  const executablePath = findChromium();
  if (!executablePath) return null;
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
  });
}
