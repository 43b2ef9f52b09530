/**
 * Executed notebooks as the book reads them: nbformat 4 with outputs kept.
 * Text fields may be a string or a list of lines (nbformat allows both);
 * they are joined here so the renderer only sees strings.
 */

import * as fs from "fs";

export type MimeBundle = Record<string, string>;

export type BookOutput =
  | { output_type: "stream"; name: string; text: string }
  | { output_type: "display_data" | "execute_result"; data: MimeBundle }
  | { output_type: "error"; ename: string; evalue: string; traceback: string[] };

export interface BookCell {
  cell_type: "code" | "markdown" | "raw";
  source: string;
  tags: string[];
  executionCount: number | null;
  /** Seconds the cell took, when the runner recorded it. */
  elapsedSeconds: number | null;
  outputs: BookOutput[];
  /** Markdown attachments: name → { mime: base64 }. */
  attachments: Record<string, MimeBundle>;
}

export interface BookNotebook {
  cells: BookCell[];
  /** Seconds the whole run took, when recorded (metadata.sigmoid_lab.run.elapsed_s). */
  elapsedSeconds: number | null;
  /** The parameter profile it ran with, if any. */
  profile: string | null;
  /** "ok" or "failed" when the runner stamped the notebook. */
  runStatus: string | null;
}

type Json = Record<string, unknown>;

export function readBookNotebook(file: string): BookNotebook {
  const raw: unknown = JSON.parse(fs.readFileSync(file, "utf8"));
  if (!isObject(raw) || raw.nbformat !== 4 || !Array.isArray(raw.cells)) {
    throw new Error(`${file}: not an nbformat 4 notebook (needs nbformat: 4 and a cells array).`);
  }
  const run = path(raw, ["metadata", "sigmoid_lab", "run"]);
  return {
    cells: raw.cells.filter(isObject).map(toCell),
    elapsedSeconds: numberOrNull(isObject(run) ? run.elapsed_s : undefined),
    profile: stringOrNull(path(raw, ["metadata", "sigmoid_lab", "profile"])),
    runStatus: stringOrNull(isObject(run) ? run.status : undefined),
  };
}

function toCell(raw: Json): BookCell {
  const metadata = isObject(raw.metadata) ? raw.metadata : {};
  const type = raw.cell_type === "code" || raw.cell_type === "markdown" ? raw.cell_type : "raw";
  return {
    cell_type: type,
    source: joinText(raw.source),
    tags: Array.isArray(metadata.tags) ? metadata.tags.filter((t): t is string => typeof t === "string") : [],
    executionCount: numberOrNull(raw.execution_count),
    elapsedSeconds: numberOrNull(path(metadata, ["sigmoid_lab", "elapsed_s"])),
    outputs: Array.isArray(raw.outputs)
      ? raw.outputs
          .filter(isObject)
          .map(toOutput)
          .filter((o): o is BookOutput => o !== null)
      : [],
    attachments: isObject(raw.attachments)
      ? mapValues(raw.attachments, (b) => (isObject(b) ? mapValues(b, joinText) : {}))
      : {},
  };
}

function toOutput(raw: Json): BookOutput | null {
  switch (raw.output_type) {
    case "stream":
      return { output_type: "stream", name: String(raw.name ?? "stdout"), text: joinText(raw.text) };
    case "display_data":
    case "execute_result":
      return { output_type: raw.output_type, data: isObject(raw.data) ? mapValues(raw.data, joinText) : {} };
    case "error":
      return {
        output_type: "error",
        ename: String(raw.ename ?? "Error"),
        evalue: String(raw.evalue ?? ""),
        traceback: Array.isArray(raw.traceback) ? raw.traceback.map(String) : [],
      };
    default:
      return null;
  }
}

/** A multiline string: a string or a list of lines; JSON mime data (objects) as JSON text. */
export function joinText(value: unknown): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.map(String).join("");
  if (value === undefined || value === null) return "";
  return JSON.stringify(value, null, 1);
}

function path(value: unknown, keys: string[]): unknown {
  return keys.reduce<unknown>((v, k) => (isObject(v) ? v[k] : undefined), value);
}

function mapValues<T>(obj: Json, f: (v: unknown) => T): Record<string, T> {
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, f(v)]));
}

function isObject(x: unknown): x is Json {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function numberOrNull(x: unknown): number | null {
  return typeof x === "number" && Number.isFinite(x) ? x : null;
}

function stringOrNull(x: unknown): string | null {
  return typeof x === "string" ? x : null;
}
