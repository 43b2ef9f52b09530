/**
 * Chapter: notebook 03-causal — the design of the causal test: its
 * parameters, their validation, the visit groups of networks A and B and the
 * jobs that train them (designJobs), the roles of the measured groups, and
 * the types of the results lib/chapters/causal.ts computes from them (so the
 * report and the verdicts read them without importing causal.ts, which
 * re-exports this module).
 */
import { ConfigError } from "../core/errors";
import type { LossConfig } from "../core/loss";
import type { VisitGroupSpec } from "../data/visits";
import type { PooledDifference } from "../measure/causal";
import type { ExperimentConfig } from "../run/experiment";
import { ContinueJob, JOB_MODULE, StreamJob, VisitsJob } from "./causal-jobs";

/** The role of a measured group in its network: never seen, k times per epoch, or wrong labels. */
export type Role = "never" | `k${number}` | "wrong";

export const roleOf = (g: { passesPerEpoch: number; labels: string }): Role =>
  g.labels === "wrong" ? "wrong" : g.passesPerEpoch === 0 ? "never" : `k${g.passesPerEpoch}`;

/** Tables' order of roles: never visited, then k = 1, 4, 16 …, then the wrong labels. */
export function roleOrder(a: Role, b: Role): number {
  const rank = (r: Role) => (r === "never" ? -1 : r === "wrong" ? 1e9 : Number(r.slice(1)));
  return rank(a) - rank(b);
}

/** A short name for axis ticks: "k=0", "k=4", "wrong, k=1". */
export function shortLabel(g: { passesPerEpoch: number; labels: string }): string {
  return g.labels === "wrong" ? `wrong, k=${g.passesPerEpoch}` : `k=${g.passesPerEpoch}`;
}

/** How a group is named in tables and legends: "k = 0 (never visited)", "k = 4", "wrong labels, k = 1". */
export function groupLabel(g: { passesPerEpoch: number; labels: string }): string {
  if (g.labels === "wrong") return `wrong labels, k = ${g.passesPerEpoch}`;
  return g.passesPerEpoch === 0 ? "k = 0 (never visited)" : `k = ${g.passesPerEpoch}`;
}

// ------------------------------------------------------------------ the design

/** A group visited k ≥ 1 times per epoch. */
export interface Dose {
  readonly passesPerEpoch: number;
  readonly images: number;
}

/** One arm of the mechanism: what the continuation minimises. */
export interface LossArm {
  readonly id: string;
  readonly label: string;
  readonly loss?: LossConfig;
  readonly weightDecay?: number;
}

export interface CausalParams {
  readonly width: number;
  readonly depth: number;
  readonly learningRate: number;
  readonly batchSize: number;
  /** Network A's seed (init and SGD order); network B uses seed + 1. */
  readonly seed: number;
  readonly splitSeed: number;
  readonly epochs: number;
  readonly probesPerEpoch: number;
  /** Points of each group measured during training (all at the end). */
  readonly probePoints: number;
  readonly eps: number;
  /** Size of U and of V: the never-visited control of one network is the k = 1 group of the other. */
  readonly unseenImages: number;
  /** The groups visited k ≥ 1 times per epoch; one must have k = 1 and unseenImages images (it is V). */
  readonly doses: readonly Dose[];
  readonly wrongImages: number;
  /** Visits per epoch of the wrong-label group (1: as often as the k = 1 group). */
  readonly wrongPasses: number;
  readonly mechanismImages: number;
  readonly mechanismUnseen: number;
  readonly mechanismEpochs: number;
  readonly mechanismEvery: number;
  readonly labelSmoothing: number;
  readonly weightDecay: number;
  readonly streamWidth: number;
  readonly streamSteps: number;
  readonly streamEvery: number;
  readonly streamFixedImages: number;
  readonly streamProbePoints: number;
}

export interface Design {
  /** Networks A and B (the swap pair), both dose-response seeds. */
  readonly networks: readonly [VisitsJob, VisitsJob];
  readonly mechanism: readonly ContinueJob[];
  readonly arms: readonly LossArm[];
  /** Online, then repeated. */
  readonly stream: readonly [StreamJob, StreamJob];
}

export function lossArms(p: Pick<CausalParams, "labelSmoothing" | "weightDecay">): LossArm[] {
  return [
    { id: "ce", label: "cross-entropy" },
    {
      id: "smooth",
      label: `label smoothing α = ${p.labelSmoothing}`,
      loss: { kind: "crossEntropy", labelSmoothing: p.labelSmoothing },
    },
    { id: "mse", label: "quadratic cost on softmax", loss: { kind: "mse" } },
    { id: "decay", label: `cross-entropy + weight decay λ = ${p.weightDecay}`, weightDecay: p.weightDecay },
  ];
}

/** Refuse parameters the design cannot honour, before any job is built. */
export function validateParams(p: CausalParams): void {
  const posInt = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v > 0;
  for (const k of [
    "width",
    "depth",
    "batchSize",
    "epochs",
    "probesPerEpoch",
    "probePoints",
    "unseenImages",
    "wrongImages",
    "wrongPasses",
    "mechanismImages",
    "mechanismUnseen",
    "mechanismEpochs",
    "mechanismEvery",
    "streamWidth",
    "streamSteps",
    "streamEvery",
    "streamFixedImages",
    "streamProbePoints",
  ] as const) {
    if (!posInt(p[k])) throw new ConfigError(k, p[k], "a positive integer");
  }
  if (!(p.eps > 0 && p.eps < 0.5)) throw new ConfigError("eps", p.eps, "a threshold in (0, 0.5), e.g. 0.01");
  if (!Array.isArray(p.doses) || p.doses.length === 0)
    throw new ConfigError("doses", p.doses, "a non-empty list of { passesPerEpoch, images }");
  p.doses.forEach((d, i) => {
    if (!(Number.isInteger(d.passesPerEpoch) && d.passesPerEpoch >= 1))
      throw new ConfigError(
        `doses[${i}].passesPerEpoch`,
        d.passesPerEpoch,
        "a whole number k ≥ 1 (the never-visited group is unseenImages)",
      );
    if (!posInt(d.images)) throw new ConfigError(`doses[${i}].images`, d.images, "a positive whole number of images");
  });
  const ks = p.doses.map((d) => d.passesPerEpoch);
  if (new Set(ks).size !== ks.length)
    throw new ConfigError("doses", ks, "distinct passesPerEpoch values, one group per k");
  if (!p.doses.some((d) => d.passesPerEpoch === 1 && d.images === p.unseenImages)) {
    throw new ConfigError(
      "doses",
      p.doses.map((d) => `${d.images} × k=${d.passesPerEpoch}`),
      `a group with k = 1 and unseenImages (${p.unseenImages}) images: the swap exchanges it with the never-visited group`,
    );
  }
  const own =
    p.doses.filter((d) => !(d.passesPerEpoch === 1 && d.images === p.unseenImages)).reduce((n, d) => n + d.images, 0) +
    p.wrongImages;
  const total = 2 * p.unseenImages + 2 * own;
  if (total > MNIST_TRAIN_IMAGES) {
    throw new ConfigError(
      "group sizes",
      total,
      `at most the ${MNIST_TRAIN_IMAGES} images of MNIST's training file: U and V (2 × unseenImages) plus each network's own dose and wrong-label groups; shrink some`,
    );
  }
  const fresh = mechanismGroup(p);
  if (p.mechanismImages > fresh.images) {
    throw new ConfigError(
      "mechanismImages",
      p.mechanismImages,
      `at most the ${fresh.images} images of network B's group ${fresh.name}, which network A never saw`,
    );
  }
  if (p.mechanismUnseen > p.unseenImages)
    throw new ConfigError("mechanismUnseen", p.mechanismUnseen, `at most unseenImages (${p.unseenImages})`);
  if (p.streamSteps % p.streamEvery !== 0)
    throw new ConfigError("streamEvery", p.streamEvery, `a divisor of streamSteps (${p.streamSteps})`);
}

/** The split's positions and each network's visits (the order fixes which rows each position gets). */
export function visitGroups(p: CausalParams, net: "A" | "B"): { groups: VisitGroupSpec[]; measured: string[] } {
  const others = p.doses.filter((d) => !(d.passesPerEpoch === 1 && d.images === p.unseenImages));
  const own = (side: "A" | "B") => [
    ...others.map((d) => ({
      name: `${side}·k${d.passesPerEpoch}`,
      size: d.images,
      passesPerEpoch: side === net ? d.passesPerEpoch : 0,
    })),
    {
      name: `${side}·wrong`,
      size: p.wrongImages,
      passesPerEpoch: side === net ? p.wrongPasses : 0,
      labels: side === net ? ("wrong" as const) : ("true" as const),
    },
  ];
  const groups: VisitGroupSpec[] = [
    { name: "U", size: p.unseenImages, passesPerEpoch: net === "A" ? 0 : 1 },
    { name: "V", size: p.unseenImages, passesPerEpoch: net === "A" ? 1 : 0 },
    ...own("A"),
    ...own("B"),
  ];
  const measured = ["U", "V", ...own(net).map((g) => g.name)];
  return { groups, measured };
}

function network(p: CausalParams, net: "A" | "B"): VisitsJob {
  const { groups, measured } = visitGroups(p, net);
  const epochLength = groups.reduce((s, g) => s + g.size * g.passesPerEpoch, 0);
  const seed = net === "A" ? p.seed : p.seed + 1;
  const config: ExperimentConfig = {
    name: `03-causal-${net}`,
    data: { kind: "mnist" },
    model: { widths: Array.from({ length: p.depth }, () => p.width), activation: "sigmoid", init: "standard", seed },
    train: {
      epochs: p.epochs,
      batchSize: p.batchSize,
      optimizer: { kind: "sgd", learningRate: p.learningRate },
      seed,
      probeEverySteps: Math.max(1, Math.floor(epochLength / p.batchSize / p.probesPerEpoch)),
    },
  };
  return {
    kind: "visits",
    module: JOB_MODULE,
    config,
    groups,
    splitSeed: p.splitSeed,
    measured,
    probePoints: p.probePoints,
    eps: p.eps,
  };
}

/** Network A never saw network B's own groups: the first of them is the mechanism's new training set. */
function mechanismGroup(p: CausalParams): { name: string; images: number } {
  const other = p.doses.find((d) => !(d.passesPerEpoch === 1 && d.images === p.unseenImages));
  return other
    ? { name: `B·k${other.passesPerEpoch}`, images: other.images }
    : { name: "B·wrong", images: p.wrongImages };
}

export function designJobs(p: CausalParams): Design {
  validateParams(p);
  const networks = [network(p, "A"), network(p, "B")] as const;
  const arms = lossArms(p);
  const trainGroup = mechanismGroup(p).name;
  const mechanism = arms.map(
    (arm): ContinueJob => ({
      kind: "continue",
      module: JOB_MODULE,
      config: {
        name: `03-causal-mechanism-${arm.id}`,
        data: { kind: "mnist" },
        model: networks[0].config.model,
        train: {
          epochs: p.mechanismEpochs,
          batchSize: p.batchSize,
          optimizer: {
            kind: "sgd",
            learningRate: p.learningRate,
            ...(arm.weightDecay ? { weightDecay: arm.weightDecay } : {}),
          },
          seed: p.seed,
          ...(arm.loss ? { loss: arm.loss } : {}),
        },
      },
      base: networks[0],
      trainGroup,
      trainPoints: p.mechanismImages,
      unseenGroup: "U",
      unseenPoints: p.mechanismUnseen,
      probeEveryEpochs: p.mechanismEvery,
      eps: p.eps,
    }),
  );
  const streamJob = (arm: "online" | "repeated"): StreamJob => ({
    kind: "stream",
    module: JOB_MODULE,
    config: {
      name: `03-causal-stream-${arm}`,
      data: {
        kind: "shapeset",
        trainN: arm === "online" ? p.streamSteps * p.batchSize : p.streamFixedImages,
        testN: p.streamProbePoints,
        seed: p.seed,
      },
      model: {
        widths: Array.from({ length: p.depth }, () => p.streamWidth),
        activation: "sigmoid",
        init: "standard",
        seed: p.seed,
      },
      train: {
        epochs: 1,
        batchSize: p.batchSize,
        optimizer: { kind: "sgd", learningRate: p.learningRate },
        seed: p.seed,
      },
    },
    arm,
    steps: p.streamSteps,
    everySteps: p.streamEvery,
    fixedImages: p.streamFixedImages,
    probePoints: p.streamProbePoints,
    eps: p.eps,
  });
  return { networks, mechanism, arms, stream: [streamJob("online"), streamJob("repeated")] };
}

const MNIST_TRAIN_IMAGES = 60_000;

/** A small design the tests run in seconds (4 × 8 units, a few hundred images). */
export const QUICK_DESIGN_FOR_TESTS: CausalParams = {
  width: 8,
  depth: 3,
  learningRate: 1,
  batchSize: 16,
  seed: 1,
  splitSeed: 1,
  epochs: 2,
  probesPerEpoch: 2,
  probePoints: 40,
  eps: 0.01,
  unseenImages: 96,
  doses: [
    { passesPerEpoch: 1, images: 96 },
    { passesPerEpoch: 4, images: 24 },
  ],
  wrongImages: 16,
  wrongPasses: 1,
  mechanismImages: 16,
  mechanismUnseen: 32,
  mechanismEpochs: 3,
  mechanismEvery: 1,
  labelSmoothing: 0.1,
  weightDecay: 0.001,
  streamWidth: 8,
  streamSteps: 4,
  streamEvery: 2,
  streamFixedImages: 16,
  streamProbePoints: 20,
};

// ------------------------------------------------------------------ the results

export interface DoseRow {
  readonly role: Role;
  readonly label: string;
  readonly passesPerEpoch: number;
  readonly labels: "true" | "wrong";
  /** Images per network. */
  readonly n: number;
  /** Mean over the networks. */
  readonly accuracy: number;
  readonly accuracyTrueLabels: number;
  readonly loss: number;
  readonly saturation: number[];
  /** Pooled over the networks, per layer (zero for the control itself). */
  readonly minusNeverSeen: PooledDifference[];
}

/** Over training: each group's saturation minus the never-visited group's, per layer, mean over networks, ± 1.96 SE (normal approximation). */
export interface DoseTimeline {
  readonly epoch: number[];
  readonly rows: {
    readonly role: Role;
    readonly label: string;
    readonly diff: number[][];
    readonly se: number[][];
    readonly accuracy: number[];
  }[];
}

export interface StreamSummary {
  readonly steps: number;
  readonly samples: number;
  readonly distinctImages: number;
  /** Per layer, on fresh images. */
  readonly saturationEnd: number[];
  readonly saturationPeak: number[];
  /** The step of each layer's peak. */
  readonly peakStep: number[];
  readonly accuracyEnd: number;
  /** The repeated arm on its own training images (null online). */
  readonly trainedEnd: number[] | null;
  readonly trainedAccuracyEnd: number | null;
}

export interface MechanismRow {
  readonly arm: LossArm;
  readonly epochs: number;
  /** ‖W_l‖_F, l = 1..L+1, before and after the continuation. */
  readonly weightNormsStart: number[];
  readonly weightNormsEnd: number[];
  readonly saturationTrainedStart: number[];
  readonly saturationTrained: number[];
  readonly saturationUnseenStart: number[];
  readonly saturationUnseen: number[];
  readonly accuracyTrained: number;
  readonly accuracyUnseen: number;
  readonly lossTrained: number;
}
