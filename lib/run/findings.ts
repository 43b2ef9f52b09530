/**
 * Findings: the few numbers each notebook's closing cell concluded from, kept
 * so that notebook 06 can state the answer with this run's numbers instead of
 * typed-in ones. One small JSON file per notebook next to the cache
 * (`out/cache/findings/01-train.json`, …); the latest run of a notebook
 * replaces its file. Each file records when and with which parameters it was
 * made, so 06 can say where every number came from.
 */
import * as fs from "fs";
import * as path from "path";
import { defaultCacheDir } from "./cache";

/** Bump when a findings type below changes meaning. */
export const FINDINGS_VERSION = 1;

/** A 95% bootstrap interval of a difference (fractions, not percent). */
export interface Interval {
  readonly diff: number;
  readonly low: number;
  readonly high: number;
}

/** 01-train: the network of the question, trained. */
export interface TrainFindings {
  readonly depth: number;
  readonly width: number;
  readonly epochs: number;
  readonly learningRate: number;
  readonly batchSize: number;
  readonly trainImages: number;
  readonly testAccuracy: number;
  /** Epochs (whole) spent below 20% test accuracy by the main run. */
  readonly epochsAtChance: number;
  /** The probe time at which the main run first beat 20% on training probes (null: never). */
  readonly escapeEpoch: number | null;
  /** The lowest mean activation of the top hidden layer over the main run. */
  readonly topLayerMinMean: number;
  /** The first run, at a small learning rate. */
  readonly plateau: { readonly learningRate: number; readonly epochs: number; readonly testAccuracy: number };
  /** Two-sided saturation at ε = 0.01 per hidden layer on the training probe points at the end. */
  readonly saturationEnd: readonly number[];
  /** Glorot & Bengio 2010 Table 1, sigmoid row (test error, percent), from data/. */
  readonly glorotBengioSigmoidErrorPercent: number;
}

/** 02-activations: inside the trained network. */
export interface ActivationFindings {
  readonly eps: number;
  readonly depth: number;
  readonly testAccuracy: number;
  readonly passes: number;
  /** Saturated fraction per layer on the probe's training points, and on held-out points. */
  readonly saturationTrain: readonly number[];
  readonly saturationHeldOut: readonly number[];
  /** Share of saturated entries that are near 0 (rather than 1), over all layers. */
  readonly lowShare: number;
  /** Training − held-out saturation per layer on the large comparison, with its 95% interval. */
  readonly comparePoints: number;
  readonly trainMinusHeldOut: readonly Interval[];
  /** The largest |difference| relative to the layer's saturation level. */
  readonly maxRelativeGap: number;
  /** The top layer's most saturated moment during training. */
  readonly topPeak: { readonly saturation: number; readonly epoch: number; readonly heldOutAccuracy: number };
  readonly stuckUnits: number;
  readonly units: number;
  /** The memorising network (a tenth of the images, ten times the passes): top-layer gap per seed, with accuracies. */
  readonly memorising: readonly { readonly gapTop: Interval; readonly train: number; readonly test: number }[];
  /** The same 3-layer network with ten times fewer passes. */
  readonly reference: readonly { readonly gapTop: Interval }[];
  /** Across the sensitivity sweep: the most saturated layer's fraction, min and max; the all-layer gap, min and max. */
  readonly sweep: { readonly runs: number; readonly maxLayerMin: number; readonly maxLayerMax: number; readonly gapMin: number; readonly gapMax: number };
}

/** 04-bound: the 1/4 argument measured. */
export interface BoundFindings {
  readonly depth: number;
  /** max |autodiff σ' − σ(1−σ)| over the grid, and the grid's size. */
  readonly derivativeCheck: { readonly points: number; readonly maxError: number };
  /** ‖δ_l‖ ≤ ¼‖W_{l+1}‖₂‖δ_{l+1}‖ held on every point and layer measured. */
  readonly boundHeld: boolean;
  /** At init: average shrink factor per layer, and ‖δ₁‖/‖δ_out‖; the deeper net's ratio. */
  readonly init: { readonly perLayer: number; readonly firstOverOutput: number; readonly deepDepth: number; readonly deepFirstOverOutput: number; readonly spectralNorm: number };
  /** Trained: ‖δ₁‖/‖δ_L‖, how many times the chained bound overestimates ‖δ₁‖, mean σ' per layer, ‖W‖₂ range and the largest entry. */
  readonly trained: { readonly firstOverTop: number; readonly boundOverMeasured: readonly number[]; readonly derivativeMean: readonly number[]; readonly spectralNormMin: number; readonly spectralNormMax: number; readonly maxEntry: number };
  /** On the plateau: top layer's saturated fraction, mean σ', δ_L shrink vs the output error. */
  readonly plateau: { readonly epochs: number; readonly topSaturation: number; readonly topDerivativeMean: number; readonly topShrink: number };
  /** Large orthogonal weights: saturated fraction and ‖δ₁‖/‖δ_L‖ at the largest gain. */
  readonly largeWeights: { readonly gain: number; readonly depth: number; readonly saturation: number; readonly meanDerivative: number; readonly firstOverTop: number; readonly crossOverGain: number };
  /** Dynamical isometry: the gain and the spread (std of log10 singular values) at the deepest depth. */
  readonly isometry: { readonly depth: number; readonly gain: number; readonly spreadCentred: number; readonly spreadZeroBias: number; readonly spreadStandard: number };
}

/** 05-fixes: one row per fix and depth. */
export interface FixRow {
  readonly id: string;
  readonly label: string;
  readonly activation: string;
  readonly depth: number;
  readonly learningRate: number;
  readonly runs: number;
  readonly diverged: number;
  readonly testErrorPercent: number;
  readonly testErrorStd: number;
  /** Mean over layers of the saturated fraction (null: the activation has no two asymptotes). */
  readonly saturation: number | null;
  readonly gradRatioInit: number;
  readonly gradRatioEnd: number;
  // Added with the step budget (05 fills them; optional so hand-made fixtures still type-check).
  /** How the learning-rate rule chose the rate: "best", "none leaves chance" or "all diverged". */
  readonly rateRule?: string;
  /** Runs that left the plateau, and the mean step at which they did (NaN: none). */
  readonly escaped?: number;
  readonly escapeStep?: number;
  /** Mean over layers of the share of flat entries, f'(z)/max f' < δ (every activation has it). */
  readonly flat?: number;
  /** ‖ΔW₁‖/‖W₁‖ over ‖ΔW_L‖/‖W_L‖ of the last step (geometric mean over runs). */
  readonly updateRatioEnd?: number;
}

export interface FixesFindings {
  readonly shallow: number;
  readonly deep: number;
  readonly width: number;
  readonly epochs: number;
  readonly trainImages: number;
  readonly seeds: number;
  readonly rows: readonly FixRow[];
  /**
   * Fix ids by verdict (lib/chapters/fixes-verdicts): saturation by the flat share at the shallow
   * depth; restoresFlow: ‖δ₁‖/‖δ_L‖ at init within 10× of 1 (at the deep depth where run);
   * trainsDeep: mean test error ≤ 15% at the deep depth; failsDeep: below 20% accuracy or diverged.
   */
  readonly removesSaturation: readonly string[];
  readonly addsSaturation: readonly string[];
  readonly restoresFlow: readonly string[];
  readonly trainsDeep: readonly string[];
  readonly failsDeep: readonly string[];
  // Added with the step budget (05 fills them; optional so hand-made fixtures still type-check).
  /** Optimizer steps and batch size of every run, and the samples one run sees. */
  readonly steps?: number;
  readonly batchSize?: number;
  readonly samplesPerRun?: number;
  /** ‖δ₁‖/‖δ_L‖ within 10× of 1 after training; the last update's layer-1/layer-L ratio within 10× of 1. */
  readonly restoresFlowEnd?: readonly string[];
  readonly evenUpdatesEnd?: readonly string[];
  /** Fixes run at the deep depth (the others only at the shallow one). */
  readonly deepRun?: readonly string[];
}

export interface FindingsByNotebook {
  "01-train": TrainFindings;
  "02-activations": ActivationFindings;
  "04-bound": BoundFindings;
  "05-fixes": FixesFindings;
}
export type FindingsNotebook = keyof FindingsByNotebook;
export const FINDINGS_NOTEBOOKS: readonly FindingsNotebook[] = ["01-train", "02-activations", "04-bound", "05-fixes"];

export interface FindingsRecord<N extends FindingsNotebook> {
  readonly version: number;
  readonly notebook: N;
  readonly recordedAt: string;
  /** The notebook's parameters in that run (its parameters cell after any overrides). */
  readonly parameters: Record<string, unknown>;
  readonly findings: FindingsByNotebook[N];
}

/** A notebook's findings are missing or unusable: say which, and how to make them. */
export class MissingFindingsError extends Error {
  constructor(
    readonly notebook: string,
    problem: string,
  ) {
    super(
      `No usable findings from notebook ${notebook}: ${problem}. Run it first ` +
        `(npm run run -- notebooks/${notebook}.ipynb, or npm start, which runs 01–05 before 06).`,
    );
    this.name = "MissingFindingsError";
  }
}

export function findingsFile(notebook: FindingsNotebook, cacheDir: string = defaultCacheDir()): string {
  return path.join(cacheDir, "findings", `${notebook}.json`);
}

/** Store a notebook's findings (atomically: a half-written file is never read). */
export function recordFindings<N extends FindingsNotebook>(
  notebook: N,
  parameters: Record<string, unknown>,
  findings: FindingsByNotebook[N],
  cacheDir: string = defaultCacheDir(),
): FindingsRecord<N> {
  if (!FINDINGS_NOTEBOOKS.includes(notebook)) throw new Error(`recordFindings: unknown notebook ${JSON.stringify(notebook)}; expected one of ${FINDINGS_NOTEBOOKS.join(", ")}`);
  const rec: FindingsRecord<N> = { version: FINDINGS_VERSION, notebook, recordedAt: new Date().toISOString(), parameters, findings };
  const file = findingsFile(notebook, cacheDir);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  // JSON has no NaN or Infinity: keep them as strings and turn them back on reading.
  fs.writeFileSync(tmp, JSON.stringify(rec, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v), 1));
  fs.renameSync(tmp, file);
  return rec;
}

const NON_FINITE: Record<string, number> = { NaN: NaN, Infinity: Infinity, "-Infinity": -Infinity };

/** Read a notebook's latest findings; a missing, unreadable or old-format file is a MissingFindingsError. */
export function readFindings<N extends FindingsNotebook>(notebook: N, cacheDir: string = defaultCacheDir()): FindingsRecord<N> {
  const file = findingsFile(notebook, cacheDir);
  if (!fs.existsSync(file)) throw new MissingFindingsError(notebook, `${file} does not exist`);
  let rec: FindingsRecord<N>;
  try {
    rec = JSON.parse(fs.readFileSync(file, "utf8"), (_k, v) => (typeof v === "string" && v in NON_FINITE ? NON_FINITE[v] : v)) as FindingsRecord<N>;
  } catch (e) {
    throw new MissingFindingsError(notebook, `${file} is not valid JSON (${(e as Error).message})`);
  }
  if (rec.version !== FINDINGS_VERSION) throw new MissingFindingsError(notebook, `${file} has format version ${String(rec.version)}, this library reads ${FINDINGS_VERSION}`);
  if (rec.notebook !== notebook || typeof rec.findings !== "object" || rec.findings === null) throw new MissingFindingsError(notebook, `${file} does not hold findings of ${notebook}`);
  return rec;
}

/** Just the interval of a bootstrap comparison (drops the rest before storing). */
export function interval(m: Interval): Interval {
  return { diff: m.diff, low: m.low, high: m.high };
}
