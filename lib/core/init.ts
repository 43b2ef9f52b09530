/**
 * Weight initialisations, as formulas. W has shape [nIn, nOut] (h = f(xW + b)),
 * so n = nIn is the fan-in. Biases start at 0. All draws come from a seeded Rng.
 */
import { Rng } from "./rng";
import { ConfigError } from "./errors";
import { matrix, orthonormalColumns, transpose } from "./linalg";

export const INIT_NAMES = ["standard", "normalized", "normalizedNormal", "he", "lecun", "orthogonal", "lsuv"] as const;
export type InitName = (typeof INIT_NAMES)[number];

/**
 * An init by name, with an optional gain multiplying the weights (e.g. orthogonal at gain g),
 * and optionally centred biases: after the weights are drawn, each hidden bias is set so that
 * z_l has zero mean on training data (lib/core/centre — our construction, not a published
 * init). Centring needs data, so lib/run/experiment's buildModel applies it, like LSUV.
 */
export type InitSpec = InitName | { readonly name: InitName; readonly gain?: number; readonly centre?: boolean };

export interface InitFormula {
  readonly name: InitName;
  readonly citation: string;
  readonly distribution: "uniform" | "normal" | "orthogonal";
  /** Variance of each entry (before gain), for the tests and the notes; null where it is data-dependent. */
  variance(nIn: number, nOut: number): number;
}

export const INITS: Record<InitName, InitFormula> = {
  // U[-1/√n, 1/√n]: Var = 1/(3n). Glorot & Bengio's eq. 1, "commonly used heuristic".
  standard: {
    name: "standard",
    citation: "Glorot & Bengio 2010, eq. 1",
    distribution: "uniform",
    variance: (n) => 1 / (3 * n),
  },
  // U[±√6/√(nIn+nOut)]: Var = 2/(nIn+nOut). Glorot & Bengio's eq. 16.
  normalized: {
    name: "normalized",
    citation: "Glorot & Bengio 2010, eq. 16",
    distribution: "uniform",
    variance: (a, b) => 2 / (a + b),
  },
  normalizedNormal: {
    name: "normalizedNormal",
    citation: "Glorot & Bengio 2010 (normal variant)",
    distribution: "normal",
    variance: (a, b) => 2 / (a + b),
  },
  he: { name: "he", citation: "He et al. 2015", distribution: "normal", variance: (n) => 2 / n },
  lecun: {
    name: "lecun",
    citation: "LeCun et al. 1998, Efficient BackProp",
    distribution: "normal",
    variance: (n) => 1 / n,
  },
  // Orthogonal rows or columns: entries have variance 1/max(nIn, nOut).
  orthogonal: {
    name: "orthogonal",
    citation: "Saxe et al. 2014",
    distribution: "orthogonal",
    variance: (a, b) => 1 / Math.max(a, b),
  },
  // LSUV starts orthogonal, then rescales each layer on data (see lsuv.ts).
  lsuv: {
    name: "lsuv",
    citation: "Mishkin & Matas 2016",
    distribution: "orthogonal",
    variance: (a, b) => 1 / Math.max(a, b),
  },
};

export function initName(spec: InitSpec): InitName {
  return typeof spec === "string" ? spec : spec.name;
}

export function initGain(spec: InitSpec): number {
  return typeof spec === "string" ? 1 : (spec.gain ?? 1);
}

/** Whether the spec asks for biases centred on data (see InitSpec). */
export function initCentres(spec: InitSpec): boolean {
  return typeof spec === "object" && spec.centre === true;
}

export function validateInit(spec: InitSpec, field = "init"): void {
  const name = initName(spec as InitSpec);
  if (typeof spec === "object" && spec.centre !== undefined && typeof spec.centre !== "boolean") {
    throw new ConfigError(`${field}.centre`, spec.centre, "true or false (centre the hidden biases on data)");
  }
  if (!(INIT_NAMES as readonly string[]).includes(name)) {
    throw new ConfigError(field, name, `one of ${INIT_NAMES.join(", ")}`);
  }
  const gain = initGain(spec);
  if (!Number.isFinite(gain) || gain <= 0) throw new ConfigError(`${field}.gain`, gain, "a positive finite number");
}

/** Draw W ∈ R^{nIn×nOut} (row-major) from the named init. */
export function initWeights(spec: InitSpec, nIn: number, nOut: number, rng: Rng): Float32Array {
  validateInit(spec);
  const f = INITS[initName(spec)];
  const gain = initGain(spec);
  const w = new Float32Array(nIn * nOut);
  if (f.distribution === "orthogonal") {
    w.set(orthogonal(nIn, nOut, rng));
  } else if (f.distribution === "uniform") {
    const limit = Math.sqrt(3 * f.variance(nIn, nOut)); // U[-a,a] has variance a²/3
    for (let i = 0; i < w.length; i++) w[i] = rng.uniform(-limit, limit);
  } else {
    const std = Math.sqrt(f.variance(nIn, nOut));
    for (let i = 0; i < w.length; i++) w[i] = std * rng.normal();
  }
  if (gain !== 1) for (let i = 0; i < w.length; i++) w[i] *= gain;
  return w;
}

/** A matrix with orthonormal columns (nIn ≥ nOut) or rows (nIn < nOut), Haar-distributed. */
export function orthogonal(nIn: number, nOut: number, rng: Rng): Float64Array {
  const tall = nIn >= nOut;
  const rows = tall ? nIn : nOut,
    cols = tall ? nOut : nIn;
  const g = matrix(rows, cols);
  const d = g.data as Float64Array;
  for (let i = 0; i < d.length; i++) d[i] = rng.normal();
  const q = orthonormalColumns(g);
  return (tall ? q : transpose(q)).data as Float64Array;
}
