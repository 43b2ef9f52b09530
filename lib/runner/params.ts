/**
 * Notebook parameters, papermill's convention adapted to TypeScript.
 *
 * - The code cell tagged "parameters" declares the defaults, one per line:
 *   `let epochs = 200;` or `let lr: number = 0.5;`. Declare them with `let`:
 *   overrides are assignments, and a `const` cannot be assigned.
 * - Overrides are injected as a new code cell tagged "injected-parameters"
 *   right after it: `{ epochs = 5; }` (a block, so tslab does not echo a value).
 * - Values are JSON literals: numbers, booleans, strings, arrays of these.
 * - An override for a name the parameters cell does not declare is refused,
 *   and so is any override when the notebook has no parameters cell: papermill
 *   would inject at the top, but a TypeScript assignment to an undeclared name
 *   could only fail later and less clearly.
 */
import { ParameterError } from "./errors";
import { Cell, CodeCell, Notebook, hasTag, newCellId } from "./notebook";

export type ParamValue = string | number | boolean | ParamValue[];
export type Params = Record<string, ParamValue>;

export const PARAMETERS_TAG = "parameters";
export const INJECTED_TAG = "injected-parameters";

export interface DeclaredParameter {
  name: string;
  keyword: "let" | "const" | "var";
  /** The default's source text, e.g. `200` or `"moons"`. */
  initializer: string;
}

const DECLARATION = /^\s*(let|const|var)\s+([A-Za-z_$][\w$]*)\s*(?::[^=]*)?=\s*(.*?)\s*;?\s*(?:\/\/.*)?$/;

export function declaredParameters(source: string): DeclaredParameter[] {
  return source.split("\n").flatMap((line) => {
    const m = DECLARATION.exec(line);
    return m ? [{ keyword: m[1] as DeclaredParameter["keyword"], name: m[2], initializer: m[3] }] : [];
  });
}

/** `--param name=value`: value is JSON if it parses as JSON, otherwise a plain string. */
export function parseParamAssignment(text: string): [string, ParamValue] {
  const eq = text.indexOf("=");
  const name = text.slice(0, eq).trim();
  if (eq < 0 || !/^[A-Za-z_$][\w$]*$/.test(name)) {
    throw new ParameterError(`--param ${JSON.stringify(text)}: expected name=value, e.g. --param epochs=5.`);
  }
  const raw = text.slice(eq + 1);
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    // Not JSON: a bare word such as moons is meant as a string.
  }
  return [name, checkValue(name, value)];
}

export function checkValue(name: string, value: unknown): ParamValue {
  if (!isParamValue(value)) {
    throw new ParameterError(
      `Parameter ${name}: ${JSON.stringify(value)} is not allowed; use a finite number, a boolean, a string or an array of these.`,
    );
  }
  return value;
}

function isParamValue(x: unknown): x is ParamValue {
  if (typeof x === "number") return Number.isFinite(x);
  if (typeof x === "string" || typeof x === "boolean") return true;
  return Array.isArray(x) && x.every(isParamValue);
}

export function parametersCell(nb: Notebook, file: string): CodeCell | null {
  const tagged = nb.cells.filter((c) => hasTag(c, PARAMETERS_TAG));
  if (tagged.length > 1)
    throw new ParameterError(`${file}: ${tagged.length} cells are tagged "parameters"; tag exactly one.`);
  const cell = tagged[0];
  if (cell && cell.cell_type !== "code")
    throw new ParameterError(`${file}: the cell tagged "parameters" must be a code cell.`);
  return cell ?? null;
}

/** Refuse overrides the parameters cell cannot take, naming what it does declare. */
export function checkOverrides(params: Params, declared: DeclaredParameter[], file: string, origin: string): void {
  const byName = new Map(declared.map((d) => [d.name, d]));
  const names = declared.map((d) => d.name).join(", ") || "(none)";
  for (const [name, value] of Object.entries(params)) {
    const d = byName.get(name);
    if (!d) {
      throw new ParameterError(
        `${file}: ${origin} sets parameter "${name}", which its parameters cell does not declare. Declared: ${names}.`,
      );
    }
    if (d.keyword !== "let") {
      throw new ParameterError(
        `${file}: parameter "${name}" is declared with ${d.keyword}; declare it with let so it can be overridden.`,
      );
    }
    checkSameKind(name, d.initializer, value, file);
  }
}

/** When the default is a JSON literal, the override must be the same kind of value. */
function checkSameKind(name: string, initializer: string, value: ParamValue, file: string): void {
  let fallback: unknown;
  try {
    fallback = JSON.parse(initializer);
  } catch {
    return; // an expression: the kernel's type checker will judge the assignment
  }
  if (kind(fallback) !== kind(value)) {
    throw new ParameterError(
      `${file}: parameter "${name}" defaults to ${initializer} (a ${kind(fallback)}) but was given ${JSON.stringify(value)} (a ${kind(value)}).`,
    );
  }
}

function kind(x: unknown): string {
  return Array.isArray(x) ? "array" : typeof x;
}

export function injectedSource(params: Params, provenance: string): string {
  const lines = Object.entries(params).map(([name, value]) => `  ${name} = ${JSON.stringify(value)};`);
  return [`// Parameters injected by the sigmoid-lab runner (${provenance}).`, "{", ...lines, "}"].join("\n");
}

/** Insert the injected-parameters cell after the parameters cell, replacing one from an earlier run. */
export function injectParameters(nb: Notebook, after: CodeCell, params: Params, provenance: string): CodeCell {
  nb.cells = nb.cells.filter((c: Cell) => !hasTag(c, INJECTED_TAG));
  const injected: CodeCell = {
    id: nb.cells.some((c) => c.id === INJECTED_TAG) ? newCellId() : INJECTED_TAG,
    cell_type: "code",
    metadata: { tags: [INJECTED_TAG] },
    source: injectedSource(params, provenance),
    outputs: [],
    execution_count: null,
  };
  nb.cells.splice(nb.cells.indexOf(after) + 1, 0, injected);
  return injected;
}
