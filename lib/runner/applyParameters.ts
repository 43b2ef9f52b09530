/**
 * Combine a profile and explicit overrides into the values one notebook
 * receives, check them against its parameters cell, and inject them.
 */
import { ParameterError } from "./errors";
import { CodeCell, Notebook, readNotebook } from "./notebook";
import {
  DeclaredParameter,
  Params,
  checkOverrides,
  checkValue,
  declaredParameters,
  injectParameters,
  parametersCell,
} from "./params";
import { ALL_NOTEBOOKS, ProfileTable, loadProfiles, profileValues } from "./profiles";

export interface ParameterRequest {
  /** Explicit overrides (--param); they win over the profile. */
  explicit: Params;
  profile?: string;
  /** Defaults to notebooks/profiles.json. */
  profiles?: ProfileTable;
}

/** Where a value came from: `--param`, `profile quick/*` or `profile quick/01-train`. */
export type ParameterSource = string;

export interface AppliedParameters {
  profile: string | null;
  values: Params;
  sources: Record<string, ParameterSource>;
  /** Profile "*" names this notebook does not declare, hence not applied. */
  skipped: string[];
  injectedCell: CodeCell | null;
}

export function applyParameters(
  nb: Notebook,
  file: string,
  notebookName: string,
  req: ParameterRequest,
): AppliedParameters {
  const cell = parametersCell(nb, file);
  const declared = cell ? declaredParameters(cell.source) : [];
  const layers = parameterLayers(req, notebookName);
  const common = layers.find((l) => l.common);
  const skipped = common ? Object.keys(common.params).filter((n) => !isDeclared(n, declared)) : [];
  const values: Params = {};
  const sources: Record<string, ParameterSource> = {};
  for (const layer of layers) {
    const params = layer.common ? withoutNames(layer.params, skipped) : layer.params;
    if (!cell && Object.keys(params).length > 0) {
      throw new ParameterError(
        `${file}: ${layer.source} sets ${Object.keys(params).join(", ")}, but the notebook has no cell tagged "parameters". ` +
          `Add a code cell tagged "parameters" that declares them, e.g. let epochs = 200;`,
      );
    }
    checkOverrides(params, declared, file, layer.source);
    for (const [name, value] of Object.entries(params)) {
      values[name] = value;
      sources[name] = layer.source;
    }
  }
  const injectedCell =
    cell && Object.keys(values).length > 0 ? injectParameters(nb, cell, values, provenance(req)) : null;
  return { profile: req.profile ?? null, values, sources, skipped, injectedCell };
}

interface Layer {
  source: ParameterSource;
  params: Params;
  common: boolean;
}

/** Lowest priority first. */
function parameterLayers(req: ParameterRequest, notebookName: string): Layer[] {
  const layers: Layer[] = [];
  if (req.profile !== undefined) {
    const { common, specific } = profileValues(req.profiles ?? loadProfiles(), req.profile, notebookName);
    layers.push({ source: `profile ${req.profile}/${ALL_NOTEBOOKS}`, params: common, common: true });
    layers.push({ source: `profile ${req.profile}/${notebookName}`, params: specific, common: false });
  }
  layers.push({ source: "--param", params: req.explicit, common: false });
  return layers;
}

function isDeclared(name: string, declared: DeclaredParameter[]): boolean {
  return declared.some((d) => d.name === name);
}

function withoutNames(params: Params, names: string[]): Params {
  return Object.fromEntries(Object.entries(params).filter(([n]) => !names.includes(n)));
}

function provenance(req: ParameterRequest): string {
  const parts = [
    req.profile !== undefined ? `profile "${req.profile}"` : "",
    Object.keys(req.explicit).length ? "--param" : "",
  ];
  return parts.filter(Boolean).join(" + ");
}

/**
 * The values a notebook's parameters take under a profile (null: the defaults) — its parameters cell's
 * defaults with the profile's values over them, by the same rule as `npm run run -- --profile P` (no
 * --param): applyParameters on a copy read from disk, never written back. A default that is not a JSON
 * literal (an expression) is left out. Notebook 06 compares each notebook's recorded parameters with
 * these to tell a profile's run from a run with changed parameters (lib/run/findings-setting).
 */
export function profileParameters(
  notebookFile: string,
  notebookName: string,
  profile: string | null,
  profiles?: ProfileTable,
): Params {
  const nb = readNotebook(notebookFile);
  const cell = parametersCell(nb, notebookFile);
  const values: Params = {};
  for (const d of cell ? declaredParameters(cell.source) : []) {
    try {
      values[d.name] = checkValue(d.name, JSON.parse(d.initializer));
    } catch {
      // An expression, not a literal: nothing to compare against.
    }
  }
  if (profile === null) return values;
  return { ...values, ...applyParameters(nb, notebookFile, notebookName, { explicit: {}, profile, profiles }).values };
}
