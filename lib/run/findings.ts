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

/**
 * One run's plateau, read from its probe records on the training points: the
 * probes at chance (accuracy under 20%), and the worst of them — where the
 * top layer's mean σ′ was lowest (lib/chapters/train).
 */
export interface PlateauProbe {
  readonly learningRate: number;
  /** How many probes were at chance, from which epoch to which. */
  readonly probes: number;
  readonly fromEpoch: number;
  readonly toEpoch: number;
  /** The worst probe: when, and the training-probe accuracy and loss there. */
  readonly epoch: number;
  readonly step: number;
  readonly accuracy: number;
  readonly loss: number;
  /** Per hidden layer at the worst probe: share of entries within eps of 0 or 1, and the part near 0. */
  readonly eps: number;
  readonly saturation: readonly number[];
  readonly nearZero: readonly number[];
  /** Per hidden layer at the worst probe: share of entries with σ′ below delta of its largest (delta = 4ε(1 − ε)). */
  readonly delta: number;
  readonly flat: readonly number[];
  /** Per hidden layer at the worst probe: mean σ′ and mean activation. */
  readonly derivativeMean: readonly number[];
  readonly mean: readonly number[];
  /** Per hidden layer: the largest share within eps at any probe at chance. */
  readonly maxSaturation: readonly number[];
  /** By PLATEAU_RULES (lib/chapters/train): a layer ≥ 50% within eps, every layer < 1%, or in between. */
  readonly verdict: "saturated" | "not saturated" | "partly saturated";
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
  /** The probe time at which the main run first reached CHANCE_ACCURACY (20%) on training probes (null: never). */
  readonly escapeEpoch: number | null;
  /** The lowest mean activation of the top hidden layer over the main run's probes at chance (its plateau). */
  readonly topLayerMinMean: number;
  /** The first run, at a small learning rate. */
  readonly plateau: { readonly learningRate: number; readonly epochs: number; readonly testAccuracy: number };
  /** Two-sided saturation at ε = 0.01 per hidden layer on the training probe points at the end. */
  readonly saturationEnd: readonly number[];
  /** Glorot & Bengio 2010 Table 1, sigmoid row (test error, percent), from data/. */
  readonly glorotBengioSigmoidErrorPercent: number;
  /** Images held out of the training file (never trained on; the held-out probe points come from them). */
  readonly heldOutImages: number;
  /** What each run shows on its plateau (null: the run was never at chance). */
  readonly plateauProbes: { readonly plateauRun: PlateauProbe | null; readonly mainRun: PlateauProbe | null };
}

/** 02-activations: inside the trained network. */
export interface ActivationFindings {
  readonly eps: number;
  readonly depth: number;
  readonly testAccuracy: number;
  readonly passes: number;
  /** Saturated fraction per layer on the training probe points, and on the held-out probe points (unseen training-file images). */
  readonly saturationTrain: readonly number[];
  readonly saturationHeldOut: readonly number[];
  /** Share of saturated entries that are near 0 (rather than 1), over all layers. */
  readonly lowShare: number;
  /**
   * Training − held-out saturation per layer on the large comparison, with its 95% interval: `comparePoints`
   * random training images against as many unseen training-file images (see `heldOutSource`).
   */
  readonly comparePoints: number;
  readonly trainMinusHeldOut: readonly Interval[];
  /** The largest |difference| relative to the layer's saturation level (the larger of the two set means; 0 where both are 0). */
  readonly maxRelativeGap: number;
  /** The top layer's most saturated moment during training. */
  readonly topPeak: { readonly saturation: number; readonly epoch: number; readonly heldOutAccuracy: number };
  readonly stuckUnits: number;
  readonly units: number;
  /**
   * Empty since 02 no longer runs a memorisation contrast (it changed the images, the passes and the
   * network at once); notebook 03-causal measures the passes properly. Kept for 06's reader.
   */
  readonly memorising: readonly { readonly gapTop: Interval; readonly train: number; readonly test: number }[];
  /** Empty, like `memorising`. */
  readonly reference: readonly { readonly gapTop: Interval }[];
  /** Across the sensitivity sweep: the most saturated layer's fraction, min and max; the all-layer gap, min and max. */
  readonly sweep: {
    readonly runs: number;
    readonly maxLayerMin: number;
    readonly maxLayerMax: number;
    readonly gapMin: number;
    readonly gapMax: number;
  };
  /**
   * Where the held-out points of `trainMinusHeldOut` and `saturationHeldOut` come from: unseen images of
   * the training file (the random split), never trained on.
   */
  readonly heldOutSource: string;
  /** The same comparison as `trainMinusHeldOut` with the activation-neutral flat measure (f'(z)/max f' < 4ε(1 − ε)). */
  readonly trainMinusHeldOutFlat: readonly Interval[];
  /** The test-file check (other writers than the training file), per layer at ε: training − test-file, unseen training-file − test-file. */
  readonly trainMinusTestFile: readonly Interval[];
  readonly heldOutMinusTestFile: readonly Interval[];
  /** Saturation over training, per hidden layer (from the probe records of the question run). */
  readonly buildUp: readonly LayerBuildUp[];
  /** Layer 1 / top layer of the mean ‖δ‖ and of ‖∂L/∂W‖ (training probe points), at the start, at the top layer's peak, at the end. */
  readonly gradientRatios: {
    readonly delta: TimesOfRun;
    readonly weightGrad: TimesOfRun;
  };
}

/** A quantity at the start of training, at the top layer's most saturated moment, and at the end. */
export interface TimesOfRun {
  readonly start: number;
  readonly atTopPeak: number;
  readonly end: number;
}

/** A layer's saturation over the last epoch(s) of a run: rising, level or falling (rule: lib/chapters/activations BUILD_UP_RULES). */
export type Trend = "rising" | "level" | "falling";

/** One hidden layer's saturation at ε over the question run, on the training probe points (and the held-out ones at the end). */
export interface LayerBuildUp {
  readonly layer: number;
  readonly start: number;
  /** At the top layer's most saturated moment (`topPeak.epoch`). */
  readonly atTopPeak: number;
  readonly end: number;
  /** Its own most saturated moment. */
  readonly peak: number;
  readonly peakEpoch: number;
  /** end − the value one epoch before the end, and what the rule calls it. */
  readonly lastEpochChange: number;
  readonly trend: Trend;
  /** The same on the held-out probe points. */
  readonly endHeldOut: number;
  readonly trendHeldOut: Trend;
}

/** 03-causal: the causal test — groups visited k times per epoch, the swap, online training, the mechanism. */
export interface CausalFindings {
  readonly eps: number;
  readonly width: number;
  readonly depth: number;
  /** Networks trained under the visit design (seeds; they also form the swap pair). */
  readonly networks: number;
  readonly epochs: number;
  readonly steps: readonly number[];
  /** Accuracy on the never-visited images (mean over the networks). */
  readonly heldOutAccuracy: number;
  /** Per group: saturated fraction per hidden layer at ε, and its difference to the never-visited group (pooled over networks, 95% interval). */
  readonly doseResponse: {
    readonly eps: number;
    readonly groups: readonly {
      readonly passesPerEpoch: number;
      readonly labels: "true" | "wrong";
      readonly n: number;
      /** passesPerEpoch × epochs: visits of each image in all. */
      readonly passes: number;
      /** Against the labels training used (wrong-label group: the share it memorised). */
      readonly accuracy: number;
      readonly accuracyTrueLabels: number;
      readonly saturation: readonly number[];
      readonly minusNeverSeen: readonly Interval[];
    }[];
  };
  /** What the design could have detected, per layer: the half-width of the k = 1 − k = 0 interval, and the difference found 80% of the time. */
  readonly detectable: { readonly halfWidth: readonly number[]; readonly minimumDetectable80: readonly number[] };
  /** Difference-in-differences (trained − unseen, image and network effects removed), per layer. */
  readonly swap: readonly Interval[];
  readonly swapImages: number;
  readonly onlineControl: {
    readonly online: { readonly saturationEnd: readonly number[]; readonly saturationPeak: readonly number[] };
    readonly repeated: { readonly saturationEnd: readonly number[]; readonly saturationPeak: readonly number[] };
    readonly steps: number;
    readonly width: number;
    readonly fixedImages: number;
    readonly accuracy: { readonly online: number; readonly repeated: number };
  };
  /** Per loss: ‖W_l‖_F (l = 1..L+1) and per-layer saturation before and after long training on a subset, on it and on unseen images. */
  readonly mechanism: readonly {
    readonly loss: string;
    readonly epochs: number;
    readonly weightNormsStart: readonly number[];
    readonly weightNormsEnd: readonly number[];
    readonly saturationTrainedStart: readonly number[];
    readonly saturationTrained: readonly number[];
    readonly saturationUnseenStart: readonly number[];
    readonly saturationUnseen: readonly number[];
    readonly accuracyTrained: number;
    readonly accuracyUnseen: number;
  }[];
}

/** 04-bound: the 1/4 argument measured. */
export interface BoundFindings {
  readonly depth: number;
  /** max |autodiff σ' − σ(1−σ)| over the grid, and the grid's size. */
  readonly derivativeCheck: { readonly points: number; readonly maxError: number };
  /** ‖δ_l‖ ≤ ¼‖W_{l+1}‖₂‖δ_{l+1}‖ held on every point and layer measured. */
  readonly boundHeld: boolean;
  /** At init: average shrink factor per layer, and ‖δ₁‖/‖δ_out‖; the deeper net's ratio. */
  readonly init: {
    readonly perLayer: number;
    readonly firstOverOutput: number;
    readonly deepDepth: number;
    readonly deepFirstOverOutput: number;
    readonly spectralNorm: number;
  };
  /** Trained: ‖δ₁‖/‖δ_L‖, how many times the chained bound overestimates ‖δ₁‖, mean σ' per layer, ‖W‖₂ range and the largest entry. */
  readonly trained: {
    readonly firstOverTop: number;
    readonly boundOverMeasured: readonly number[];
    readonly derivativeMean: readonly number[];
    readonly spectralNormMin: number;
    readonly spectralNormMax: number;
    readonly maxEntry: number;
    /** Training accuracy on the points δ was measured on. */
    readonly accuracy: number;
  };
  /**
   * The same run stopped after `epochs` epochs: top layer's saturated fraction, mean σ', δ_L shrink vs the output
   * error; and what 04's rule (PLATEAU_RULES in lib/chapters/bound) reads from them — whether the network is still
   * at chance, whether the top layer is pinned at one side (0 or 1, null: neither) and whether its σ' is ≈ 0.
   */
  readonly plateau: {
    readonly epochs: number;
    readonly topSaturation: number;
    readonly topDerivativeMean: number;
    readonly topShrink: number;
    readonly accuracy: number;
    readonly topMeanActivation: number;
    readonly topLowFraction: number;
    readonly topHighFraction: number;
    readonly atChance: boolean;
    readonly pinnedAt: 0 | 1 | null;
    readonly flat: boolean;
  };
  /**
   * Large weights, measured with random orthogonal W × g AT INITIALISATION only (`setting` says which networks and
   * points): saturated fraction and ‖δ₁‖/‖δ_L‖ at the largest gain; the gain where ‖δ₁‖/‖δ_L‖ crosses 1 (biases 0,
   * and centred), and where the mean-field χ₁ = g²·E[σ'(z)²] on the measured z crosses 1 (NaN: not in the gains swept).
   */
  readonly largeWeights: {
    readonly gain: number;
    readonly depth: number;
    readonly saturation: number;
    readonly meanDerivative: number;
    readonly firstOverTop: number;
    readonly crossOverGain: number;
    readonly setting: string;
    readonly crossOverGainCentred: number;
    readonly chiCrossGain: number;
    readonly chiCrossGainCentred: number;
    readonly chiAtLargest: number;
  };
  /**
   * Criticality (mean squared singular value of J = 1) and how close to isometry, at the deepest depth: the gain
   * and spread (std of log10 singular values) for orthogonal σ with centred biases (our construction), with biases 0,
   * the standard init, and orthogonal tanh.
   */
  readonly isometry: {
    readonly depth: number;
    readonly gain: number;
    readonly spreadCentred: number;
    readonly spreadZeroBias: number;
    readonly spreadStandard: number;
    readonly gainZeroBias: number;
    readonly spreadTanh: number;
    readonly gainTanh: number;
    /** What ISOMETRY_RULES (lib/chapters/bound) read: spread within its factor of the tanh net's (near isometry), and criticality with biases 0. */
    readonly nearIsometryCentred: boolean;
    readonly nearIsometryZeroBias: boolean;
    readonly criticalZeroBias: boolean;
  };
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
  // Added for issue 18 (items 10, 11): the one meaning of "trains", and the per-layer rates judged per depth.
  /** "Trains" (trainsDeep, trainsShallow) = mean test error ≤ this percent over seeds, no run diverged. */
  readonly trainsBelowErrorPercent?: number;
  readonly trainsShallow?: readonly string[];
  /** Fix 4a/4b against the baseline at each depth: test-error intervals (mean ± sample std) separated or not. */
  readonly layerRatesPerDepth?: readonly {
    readonly id: string;
    readonly depth: number;
    readonly reading: "beats the baseline" | "worse than the baseline" | "not separated from the baseline";
  }[];
}

export interface FindingsByNotebook {
  "01-train": TrainFindings;
  "02-activations": ActivationFindings;
  "03-causal": CausalFindings;
  "04-bound": BoundFindings;
  "05-fixes": FixesFindings;
}
export type FindingsNotebook = keyof FindingsByNotebook;
export const FINDINGS_NOTEBOOKS: readonly FindingsNotebook[] = [
  "01-train",
  "02-activations",
  "03-causal",
  "04-bound",
  "05-fixes",
];

export interface FindingsRecord<N extends FindingsNotebook> {
  readonly version: number;
  readonly notebook: N;
  readonly recordedAt: string;
  /** The notebook's parameters in that run (its parameters cell after any overrides). */
  readonly parameters: Record<string, unknown>;
  /** The profile the run was under (null: the defaults); absent in records written before profiles were recorded. */
  readonly profile?: string | null;
  readonly findings: FindingsByNotebook[N];
}

/** " --profile quick" when this process runs under a profile ("npm start -- --profile quick"), else "". */
function profileFlag(sep = "", p: string | null = findingsProfile()): string {
  return p ? `${sep} --profile ${p}` : "";
}

/** A notebook's findings are missing or unusable: say which, and how to make them. */
export class MissingFindingsError extends Error {
  constructor(
    readonly notebook: string,
    problem: string,
    profile: string | null = findingsProfile(),
  ) {
    super(
      `No usable findings from notebook ${notebook}: ${problem}. Run it first ` +
        `(npm run run -- notebooks/${notebook}.ipynb${profileFlag("", profile)}, or npm start${profileFlag(" --", profile)}, which runs 01–05 before 06).`,
    );
    this.name = "MissingFindingsError";
  }
}

/** The profile this process runs under (the runner sets SIGMOID_LAB_PROFILE in a profile's kernels), or null. */
export function findingsProfile(): string | null {
  const p = typeof process === "undefined" ? undefined : process.env.SIGMOID_LAB_PROFILE;
  return p && /^[A-Za-z0-9_-]+$/.test(p) ? p : null;
}

/** out/cache/findings/<notebook>.json, or out/cache/findings/<profile>/<notebook>.json under a profile. */
export function findingsFile(
  notebook: FindingsNotebook,
  cacheDir: string = defaultCacheDir(),
  profile: string | null = findingsProfile(),
): string {
  return path.join(cacheDir, "findings", ...(profile ? [profile] : []), `${notebook}.json`);
}

/** Store a notebook's findings (atomically: a half-written file is never read). */
export function recordFindings<N extends FindingsNotebook>(
  notebook: N,
  parameters: Record<string, unknown>,
  findings: FindingsByNotebook[N],
  cacheDir: string = defaultCacheDir(),
): FindingsRecord<N> {
  if (!FINDINGS_NOTEBOOKS.includes(notebook))
    throw new Error(
      `recordFindings: unknown notebook ${JSON.stringify(notebook)}; expected one of ${FINDINGS_NOTEBOOKS.join(", ")}`,
    );
  const rec: FindingsRecord<N> = {
    version: FINDINGS_VERSION,
    notebook,
    recordedAt: new Date().toISOString(),
    parameters,
    profile: findingsProfile(),
    findings,
  };
  const file = findingsFile(notebook, cacheDir);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  // JSON has no NaN or Infinity: keep them as strings and turn them back on reading.
  fs.writeFileSync(
    tmp,
    JSON.stringify(rec, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v), 1),
  );
  fs.renameSync(tmp, file);
  return rec;
}

const NON_FINITE: Record<string, number> = { NaN: NaN, Infinity: Infinity, "-Infinity": -Infinity };

/** Read a notebook's latest findings; a missing, unreadable or old-format file is a MissingFindingsError. */
export function readFindings<N extends FindingsNotebook>(
  notebook: N,
  cacheDir: string = defaultCacheDir(),
  profile: string | null = findingsProfile(),
): FindingsRecord<N> {
  const file = findingsFile(notebook, cacheDir, profile);
  if (!fs.existsSync(file)) throw new MissingFindingsError(notebook, `${file} does not exist`, profile);
  let rec: FindingsRecord<N>;
  try {
    rec = JSON.parse(fs.readFileSync(file, "utf8"), (_k, v) =>
      typeof v === "string" && v in NON_FINITE ? NON_FINITE[v] : v,
    ) as FindingsRecord<N>;
  } catch (e) {
    throw new MissingFindingsError(notebook, `${file} is not valid JSON (${(e as Error).message})`, profile);
  }
  if (rec.version !== FINDINGS_VERSION)
    throw new MissingFindingsError(
      notebook,
      `${file} has format version ${String(rec.version)}, this library reads ${FINDINGS_VERSION}`,
      profile,
    );
  if (rec.notebook !== notebook || typeof rec.findings !== "object" || rec.findings === null)
    throw new MissingFindingsError(notebook, `${file} does not hold findings of ${notebook}`, profile);
  return rec;
}

/** Just the interval of a bootstrap comparison (drops the rest before storing). */
export function interval(m: Interval): Interval {
  return { diff: m.diff, low: m.low, high: m.high };
}
