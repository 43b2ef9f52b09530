/**
 * nbformat 4 notebooks: types, reading (with the normalisations nbformat
 * applies), and writing in nbformat's on-disk style (indent 1, sorted keys,
 * text split into lines) so a notebook re-saved by Jupyter diffs cleanly.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { NotebookFormatError } from "./errors";
import { LanguageInfo, MimeBundle } from "./protocol";

export type MultilineString = string | string[];
export type JsonObject = Record<string, unknown>;

export interface StreamOutput {
  output_type: "stream";
  name: string;
  text: string;
}
export interface DisplayDataOutput {
  output_type: "display_data";
  data: MimeBundle;
  metadata: JsonObject;
}
export interface ExecuteResultOutput {
  output_type: "execute_result";
  data: MimeBundle;
  metadata: JsonObject;
  execution_count: number | null;
}
export interface ErrorOutput {
  output_type: "error";
  ename: string;
  evalue: string;
  traceback: string[];
}
export type Output = StreamOutput | DisplayDataOutput | ExecuteResultOutput | ErrorOutput;

export interface CodeCell {
  id: string;
  cell_type: "code";
  metadata: JsonObject & { tags?: string[] };
  source: string;
  outputs: Output[];
  execution_count: number | null;
}
export interface TextCell {
  id: string;
  cell_type: "markdown" | "raw";
  metadata: JsonObject & { tags?: string[] };
  source: string;
  attachments?: JsonObject;
}
export type Cell = CodeCell | TextCell;

export interface KernelSpecMetadata {
  name: string;
  display_name: string;
  language: string;
}
export interface NotebookMetadata extends JsonObject {
  kernelspec?: KernelSpecMetadata;
  language_info?: LanguageInfo;
}
export interface Notebook {
  nbformat: 4;
  nbformat_minor: number;
  metadata: NotebookMetadata;
  cells: Cell[];
}

/** Cell ids became required in nbformat 4.5, the version the schema checks. */
const MIN_MINOR = 5;

export function readNotebook(file: string): Notebook {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new NotebookFormatError(file, `cannot read it as JSON (${(err as Error).message}).`);
  }
  return normalise(raw, file);
}

function normalise(raw: unknown, file: string): Notebook {
  if (!isObject(raw) || raw.nbformat !== 4 || !Array.isArray(raw.cells)) {
    throw new NotebookFormatError(
      file,
      "not an nbformat 4 notebook (needs nbformat: 4 and a cells array). Save it from Jupyter or VS Code as .ipynb.",
    );
  }
  const ids = new Set<string>();
  const cells = raw.cells.map((c, i) => normaliseCell(c, i, file, ids));
  const minor = typeof raw.nbformat_minor === "number" ? raw.nbformat_minor : 0;
  const metadata = isObject(raw.metadata) ? (raw.metadata as NotebookMetadata) : {};
  return { nbformat: 4, nbformat_minor: Math.max(MIN_MINOR, minor), metadata, cells };
}

function normaliseCell(raw: unknown, index: number, file: string, ids: Set<string>): Cell {
  if (!isObject(raw) || !["code", "markdown", "raw"].includes(String(raw.cell_type))) {
    throw new NotebookFormatError(file, `cell ${index + 1} has no valid cell_type (code, markdown or raw).`);
  }
  const id = uniqueId(typeof raw.id === "string" ? raw.id : "", ids);
  const metadata = isObject(raw.metadata) ? raw.metadata : {};
  const source = joinLines(raw.source as MultilineString | undefined);
  if (raw.cell_type === "code") {
    // Outputs of a previous run would mix with ours, as in nbclient: start clean.
    return { id, cell_type: "code", metadata, source, outputs: [], execution_count: null };
  }
  const cell: TextCell = { id, cell_type: raw.cell_type as TextCell["cell_type"], metadata, source };
  if (isObject(raw.attachments)) cell.attachments = raw.attachments;
  return cell;
}

export function newCellId(): string {
  return randomBytes(4).toString("hex");
}

function uniqueId(wanted: string, taken: Set<string>): string {
  let id = /^[a-zA-Z0-9-_]{1,64}$/.test(wanted) && !taken.has(wanted) ? wanted : newCellId();
  while (taken.has(id)) id = newCellId();
  taken.add(id);
  return id;
}

export function joinLines(text: MultilineString | undefined): string {
  return Array.isArray(text) ? text.join("") : (text ?? "");
}

/** Python's str.splitlines(True) for \n and \r\n endings, as nbformat writes text. */
export function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

export function codeCells(nb: Notebook): CodeCell[] {
  return nb.cells.filter((c): c is CodeCell => c.cell_type === "code");
}

export function hasTag(cell: Cell, tag: string): boolean {
  return Array.isArray(cell.metadata.tags) && cell.metadata.tags.includes(tag);
}

export function firstLine(cell: Cell): string {
  return (
    cell.source
      .split("\n")
      .find((l) => l.trim() !== "")
      ?.trim() ?? ""
  );
}

export function writeNotebook(nb: Notebook, file: string): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, serialise(nb));
}

export function serialise(nb: Notebook): string {
  return JSON.stringify(sortKeys(toDiskForm(nb)), null, 1) + "\n";
}

function toDiskForm(nb: Notebook): unknown {
  return { ...nb, cells: nb.cells.map(cellToDisk) };
}

function cellToDisk(cell: Cell): unknown {
  if (cell.cell_type !== "code") return { ...cell, source: splitLines(cell.source) };
  return { ...cell, source: splitLines(cell.source), outputs: cell.outputs.map(outputToDisk) };
}

function outputToDisk(output: Output): unknown {
  switch (output.output_type) {
    case "stream":
      return { ...output, text: splitLines(output.text) };
    case "display_data":
    case "execute_result":
      return { ...output, data: splitMimeBundle(output.data) };
    case "error":
      return output;
  }
}

// Same rule as nbformat's _split_mimebundle: text-like types only.
function splitMimeBundle(data: MimeBundle): MimeBundle {
  const split = (mime: string) =>
    mime.startsWith("text/") || mime === "application/javascript" || mime === "image/svg+xml";
  return Object.fromEntries(
    Object.entries(data).map(([mime, v]) => [mime, typeof v === "string" && split(mime) ? splitLines(v) : v]),
  );
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .filter((k) => value[k] !== undefined)
      .map((k) => [k, sortKeys(value[k])]),
  );
}

export function isObject(x: unknown): x is JsonObject {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}
