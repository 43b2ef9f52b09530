/**
 * Named parameter profiles, kept in one place: notebooks/profiles.json.
 *
 *   { "quick": { "*": { ...for every notebook... }, "01-train": { ... } } }
 *
 * Keys starting with "$" (e.g. "$comment") are documentation and ignored.
 * A profile's "*" values apply to each notebook that declares them and are
 * skipped where not declared; values under a notebook's own name (file name
 * without .ipynb) must be declared by it. Explicit --param values win.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ParameterError } from "./errors";
import { isObject } from "./notebook";
import { Params, checkValue } from "./params";

export type Profile = Record<string, Params>;
export type ProfileTable = Record<string, Profile>;

export const ALL_NOTEBOOKS = "*";

/** notebooks/profiles.json of this project, found upwards (this file runs from lib/runner and from out/lib/runner). */
export function defaultProfilesPath(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, "notebooks", "profiles.json");
    if (fs.existsSync(file) || path.dirname(dir) === dir) return file;
  }
}

export function loadProfiles(file: string = defaultProfilesPath()): ProfileTable {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new ParameterError(`Cannot read the profiles file ${file}: ${(err as Error).message}`);
  }
  return checkTable(raw, file);
}

export function checkTable(raw: unknown, file: string): ProfileTable {
  const shape = `expected { "profile": { "*" or "notebook-name": { "param": value } } }`;
  if (!isObject(raw)) throw new ParameterError(`${file}: ${shape}.`);
  const table: ProfileTable = {};
  for (const [profile, entries] of documented(raw)) {
    if (!isObject(entries)) throw new ParameterError(`${file}: profile "${profile}" is not an object; ${shape}.`);
    table[profile] = {};
    for (const [notebook, params] of documented(entries)) {
      if (!isObject(params)) throw new ParameterError(`${file}: ${profile}.${notebook} is not an object; ${shape}.`);
      table[profile][notebook] = Object.fromEntries(
        Object.entries(params).map(([name, v]) => [name, checkValue(`${profile}.${notebook}.${name}`, v)]),
      );
    }
  }
  return table;
}

function documented(obj: Record<string, unknown>): [string, unknown][] {
  return Object.entries(obj).filter(([key]) => !key.startsWith("$"));
}

export interface ProfileValues {
  common: Params;
  specific: Params;
}

export function profileValues(table: ProfileTable, profile: string, notebook: string): ProfileValues {
  const entries = table[profile];
  if (!entries) {
    const known = Object.keys(table).join(", ") || "(none)";
    throw new ParameterError(`Unknown profile "${profile}". Profiles in notebooks/profiles.json: ${known}.`);
  }
  return { common: entries[ALL_NOTEBOOKS] ?? {}, specific: entries[notebook] ?? {} };
}

/**
 * Where a profile's results go. The default run keeps out/notebooks and out/book; a profile's run (e.g.
 * `npm start -- --profile quick`) writes out/<profile>/notebooks and out/<profile>/book, and its kernels
 * record their findings under out/cache/findings/<profile>/ (PROFILE_ENV, read by lib/run/findings), so a
 * quick run for a class never overwrites the full book. The trained-network cache stays shared: its keys
 * are whole configurations, so profiles never collide there.
 */
export const PROFILE_ENV = "SIGMOID_LAB_PROFILE";

/** Where runs write instead of out/ (tests use it to run the real `npm start` into a scratch folder). */
export const OUT_ENV = "SIGMOID_LAB_OUT";

/** out/ for the default run, out/<profile>/ for a profile's (the name checked to be a plain folder name). */
export function profileOutDir(profile: string | undefined, root = process.env[OUT_ENV] || "out"): string {
  if (profile === undefined) return root;
  if (!/^[A-Za-z0-9_-]+$/.test(profile))
    throw new Error(
      `profile name ${JSON.stringify(profile)}: use letters, digits, "-" and "_" only (it names a folder)`,
    );
  return `${root}/${profile}`;
}
