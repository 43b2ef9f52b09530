/**
 * A disk cache for trained networks and their probe records, keyed by the
 * experiment's config. A cache entry is a JSON manifest plus a binary file of
 * float32 arrays; the manifest records the format version, the key, and a
 * SHA-256 of both parts. Anything that does not check out (other version,
 * other key, truncated or edited file) is reported and rebuilt, never used.
 */
import * as fs from "fs";
import * as path from "path";
import * as crypto from "crypto";
import { projectRoot } from "../core/paths";

/** Bump when the meaning of cached data changes (probe definitions, training loop). */
export const CACHE_VERSION = 3;

export interface CacheEntry<T> {
  readonly value: T;
  readonly arrays: Record<string, Float32Array>;
}

export type CacheStatus = "hit" | "miss" | "stale" | "corrupt";

export interface CacheResult<T> extends CacheEntry<T> {
  readonly status: CacheStatus;
  /** Why a stale or corrupt entry was rebuilt. */
  readonly reason?: string;
  readonly file: string;
}

interface Manifest {
  readonly version: number;
  readonly key: string;
  readonly keyJson: string;
  readonly createdAt: string;
  readonly arrays: { name: string; offset: number; length: number }[];
  /** The binary file, named by its content (next to the manifest): the manifest never points at another writer's bytes. */
  readonly binFile: string;
  readonly binSha256: string;
  readonly valueSha256: string;
  readonly value: unknown;
}

export function defaultCacheDir(): string {
  return process.env.SIGMOID_LAB_CACHE ?? path.join(projectRoot(), "out", "cache");
}

/** Stable JSON (sorted keys) so that equal configs give equal keys. */
export function canonicalJson(x: unknown): string {
  return JSON.stringify(x, (_k, v) =>
    v && typeof v === "object" && !Array.isArray(v) && !ArrayBuffer.isView(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, (v as Record<string, unknown>)[k]]),
        )
      : v,
  );
}

export function cacheKey(key: unknown): string {
  return sha256(`${CACHE_VERSION}:${canonicalJson(key)}`).slice(0, 16);
}

/** Read an entry if it exists and checks out; build, store and return it otherwise. */
export async function cached<T>(
  name: string,
  key: unknown,
  build: () => Promise<CacheEntry<T>>,
  opts: { dir?: string; refresh?: boolean } = {},
): Promise<CacheResult<T>> {
  const dir = opts.dir ?? defaultCacheDir();
  const file = path.join(dir, `${safe(name)}-${cacheKey(key)}`);
  const read = opts.refresh ? ({ status: "miss" } as const) : readEntry<T>(file, key);
  if (read.status === "hit") return { ...read.entry, status: "hit", file };
  const entry = await build();
  writeEntry(file, key, entry);
  return { ...entry, status: read.status, reason: read.status === "miss" ? undefined : read.reason, file };
}

type ReadOutcome<T> =
  | { status: "hit"; entry: CacheEntry<T> }
  | { status: "miss" }
  | { status: "stale" | "corrupt"; reason: string };

export function readEntry<T>(file: string, key: unknown): ReadOutcome<T> {
  const jsonFile = `${file}.json`;
  if (!fs.existsSync(jsonFile)) return { status: "miss" };
  let m: Manifest;
  try {
    m = JSON.parse(fs.readFileSync(jsonFile, "utf8")) as Manifest;
  } catch (e) {
    return { status: "corrupt", reason: `${jsonFile} is not valid JSON (${(e as Error).message})` };
  }
  if (m.version !== CACHE_VERSION)
    return { status: "stale", reason: `cache format ${m.version}, this code writes ${CACHE_VERSION}` };
  if (m.keyJson !== canonicalJson(key)) return { status: "stale", reason: "the entry was made for another config" };
  if (sha256(canonicalJson(m.value)) !== m.valueSha256)
    return { status: "corrupt", reason: `${jsonFile}: checksum mismatch` };
  const binFile = path.join(path.dirname(file), m.binFile);
  if (!fs.existsSync(binFile)) return { status: "corrupt", reason: `${binFile} is missing` };
  const bin = fs.readFileSync(binFile);
  if (sha256(bin) !== m.binSha256) return { status: "corrupt", reason: `${binFile}: checksum mismatch` };
  const arrays: Record<string, Float32Array> = {};
  for (const a of m.arrays) {
    const copy = new Uint8Array(a.length * 4);
    copy.set(bin.subarray(a.offset, a.offset + a.length * 4));
    arrays[a.name] = new Float32Array(copy.buffer);
  }
  return { status: "hit", entry: { value: m.value as T, arrays } };
}

/** The path of the first NaN or ±Infinity inside a JSON-like value (e.g. "value.epochs[2].loss"), or null. */
export function nonFinitePath(v: unknown, at: string): string | null {
  if (typeof v === "number") return Number.isFinite(v) ? null : `${at} (${v})`;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const p = nonFinitePath(v[i], `${at}[${i}]`);
      if (p) return p;
    }
  } else if (v && typeof v === "object" && !ArrayBuffer.isView(v)) {
    for (const [k, x] of Object.entries(v)) {
      const p = nonFinitePath(x, `${at}.${k}`);
      if (p) return p;
    }
  }
  return null;
}

export function writeEntry<T>(file: string, key: unknown, entry: CacheEntry<T>): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const names = Object.keys(entry.arrays).sort();
  const total = names.reduce((s, n) => s + entry.arrays[n].length * 4, 0);
  const bin = Buffer.alloc(total);
  const arrays: Manifest["arrays"] = [];
  let offset = 0;
  for (const name of names) {
    const a = entry.arrays[name];
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).copy(bin, offset);
    arrays.push({ name, offset, length: a.length });
    offset += a.byteLength;
  }
  // JSON round-trips doubles exactly; non-finite numbers would not survive, so refuse them, naming where.
  const valueJson = canonicalJson(entry.value);
  const bad = nonFinitePath(entry.value, "value");
  if (bad !== null) {
    throw new Error(`cache ${file}: ${bad} is not a finite number, which JSON cannot store`);
  }
  const manifest: Manifest = {
    version: CACHE_VERSION,
    key: cacheKey(key),
    keyJson: canonicalJson(key),
    createdAt: new Date().toISOString(),
    arrays,
    binFile: `${path.basename(file)}.${sha256(bin).slice(0, 16)}.bin`,
    binSha256: sha256(bin),
    valueSha256: sha256(valueJson),
    value: JSON.parse(valueJson),
  };
  // Write to temporary names unique to this writer, then rename: a killed run never leaves a
  // half-written entry, and two kernels training the same entry on a cold cache (02 and 04 both
  // need the question's network) never write into each other's file. The manifest is renamed last:
  // readers go by it, and its checksum covers the binary file.
  const tmp = `.${process.pid}-${crypto.randomBytes(6).toString("hex")}.tmp`;
  const binPath = path.join(path.dirname(file), manifest.binFile);
  const replaced = manifestBin(file); // the binary file of the entry this one replaces, if any
  fs.writeFileSync(`${binPath}${tmp}`, bin);
  fs.renameSync(`${binPath}${tmp}`, binPath);
  fs.writeFileSync(`${file}.json${tmp}`, JSON.stringify(manifest));
  fs.renameSync(`${file}.json${tmp}`, `${file}.json`);
  // Remove only what no writer can still be about to name: the file of the manifest this one replaced,
  // and leftovers older than a training run. (Deleting every file the current manifest does not name
  // raced: another writer's fresh binary file, renamed but its manifest not yet, was deleted under it.)
  if (replaced !== null && replaced !== manifest.binFile)
    fs.rmSync(path.join(path.dirname(file), replaced), { force: true });
  removeOldUnreferencedBins(file);
}

/** The binary file an entry's manifest names, or null (no entry, or unreadable). */
function manifestBin(file: string): string | null {
  try {
    return (JSON.parse(fs.readFileSync(`${file}.json`, "utf8")) as Manifest).binFile;
  } catch {
    return null;
  }
}

/** Leftover binary files of an entry that its manifest does not name, older than STALE_BIN_MS (nobody is writing them). */
const STALE_BIN_MS = 60 * 60_000;
function removeOldUnreferencedBins(file: string): void {
  const dir = path.dirname(file),
    base = path.basename(file);
  const current = manifestBin(file);
  if (current === null) return;
  for (const f of fs.readdirSync(dir)) {
    if (!(f.startsWith(`${base}.`) && f !== current && /^[0-9a-f]{16}\.bin$/.test(f.slice(base.length + 1)))) continue;
    try {
      if (Date.now() - fs.statSync(path.join(dir, f)).mtimeMs > STALE_BIN_MS)
        fs.rmSync(path.join(dir, f), { force: true });
    } catch {
      // Gone already: another writer removed it.
    }
  }
}

function sha256(x: string | Uint8Array): string {
  return crypto.createHash("sha256").update(x).digest("hex");
}

function safe(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]+/g, "_");
}
