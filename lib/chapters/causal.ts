/**
 * Chapter: notebook 03-causal — the causal test of the question's clause
 * "*because* gradient descent passed over x_i many times".
 *
 *   const design = designJobs(params);                  // jobs for the worker pool
 *   const nets = await lab.runJobs(design.networks);     // two networks, a swap pair
 *   const rows = doseResponse(results, { draws: 2000 }); // saturation difference to k = 0, per group and layer
 *
 * The design (one split of MNIST's training file, two networks):
 *   positions U, V (equal sizes), the dose groups and a wrong-label group for
 *   network A, the same for network B. A visits V once per epoch and never U;
 *   B the other way round (the cross-fitting swap); each network visits its own
 *   dose groups k times per epoch and never the other network's.
 */
import { ConfigError } from "../core/errors";
import type { LossConfig } from "../core/loss";
import type { VisitGroupSpec } from "../data/visits";
import {
  PooledDifference,
  SwapDifference,
  groupsVersusControl,
  halfWidth,
  minimumDetectable,
  swapDifferences,
} from "../measure/causal";
import type { ExperimentConfig } from "../run/experiment";
import type { CausalFindings, Interval } from "../run/findings";
import {
  ContinueJob,
  ContinueResult,
  GroupPoints,
  JOB_MODULE,
  SetSummary,
  StreamJob,
  StreamResult,
  VisitsJob,
  VisitsResult,
} from "./causal-jobs";

import { Role, groupLabel, roleOf, roleOrder } from "./causal-report";
import type { JobOutcome } from "../run/job";

export type {
  VisitsJob,
  VisitsResult,
  ContinueJob,
  ContinueResult,
  StreamJob,
  StreamResult,
  GroupPoints,
  SetSummary,
} from "./causal-jobs";
export * from "./causal-report";
export * from "./causal-verdict";
export * from "./causal-frames";

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

/** A job's value, or an error naming the job and why it failed (e.g. a divergence). */
export function valueOf<T>(o: JobOutcome<T>, what: string): T {
  if (!o.ok) throw new Error(`${what} did not finish: ${o.failure.message}`);
  return o.value;
}

// ------------------------------------------------------------------ the dose-response

/** Per-point fractions of a group's units, per layer. */
export const fractions = (g: GroupPoints, width: number, rule: "saturated" | "flat" = "saturated"): Float64Array[] =>
  g[rule].map((row) => Float64Array.from(row, (c) => c / width));

function byRole(net: VisitsResult): Map<Role, GroupPoints> {
  return new Map(net.final.map((g) => [roleOf(g), g] as const));
}

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

/** Every group against the never-visited one, per layer, pooled over the networks (stratified bootstrap, shared control draws). */
export function doseResponse(
  nets: readonly VisitsResult[],
  opts: { draws: number; seed?: number; rule?: "saturated" | "flat" },
): DoseRow[] {
  if (nets.length === 0) throw new ConfigError("networks", nets.length, "at least one trained network");
  const views = nets.map(byRole);
  const roles = [...views[0].keys()].sort(roleOrder);
  const groupsOf = (role: Role) =>
    views.map((v, k) => {
      const g = v.get(role);
      if (!g)
        throw new ConfigError(`network ${k + 1}'s groups`, [...v.keys()], `a group with role ${role}, like network 1`);
      return g;
    });
  const dosed = roles.filter((r) => r !== "never");
  const diffs = groupsVersusControl(
    nets.map((net, k) => ({
      control: fractions(groupsOf("never")[k], net.width, opts.rule),
      groups: dosed.map((role) => fractions(groupsOf(role)[k], net.width, opts.rule)),
    })),
    { draws: opts.draws, seed: opts.seed, label: "dose-response" },
  );
  return roles.map((role): DoseRow => {
    const groups = groupsOf(role);
    const minusNeverSeen =
      role === "never"
        ? groups[0].saturated.map(() => ({
            meanA: 0,
            meanB: 0,
            diff: 0,
            low: 0,
            high: 0,
            level: 0.95,
            draws: 0,
            perStratum: nets.map(() => 0),
          }))
        : diffs[dosed.indexOf(role)];
    const mean = (f: (g: GroupPoints) => number) => groups.reduce((s, g) => s + f(g), 0) / groups.length;
    return {
      role,
      label: groupLabel(groups[0]),
      passesPerEpoch: groups[0].passesPerEpoch,
      labels: groups[0].labels,
      n: groups[0].n,
      accuracy: mean((g) => g.summary.accuracy),
      accuracyTrueLabels: mean((g) => g.accuracyTrueLabels),
      loss: mean((g) => g.summary.loss),
      saturation: groups[0].summary.saturation.map((_, l) => mean((g) => g.summary.saturation[l])),
      minusNeverSeen,
    };
  });
}

/** The largest per-point disagreement between the ε rule and the flat rule, in units (0 for the sigmoid at δ = 4ε(1 − ε)). */
export function ruleDisagreement(nets: readonly VisitsResult[]): number {
  let worst = 0;
  for (const net of nets)
    for (const g of net.final)
      g.saturated.forEach((row, l) => row.forEach((c, i) => (worst = Math.max(worst, Math.abs(c - g.flat[l][i])))));
  return worst;
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

export function doseOverTime(nets: readonly VisitsResult[]): DoseTimeline {
  const T = Math.min(...nets.map((n) => n.timeline.length));
  const measuredRoles = nets.map((net) => net.final.map(roleOf));
  const roles = measuredRoles[0].filter((r) => r !== "never").sort(roleOrder);
  const at = (k: number, t: number, role: Role): SetSummary => nets[k].timeline[t].sets[measuredRoles[k].indexOf(role)];
  const L = nets[0].depth;
  return {
    epoch: Array.from({ length: T }, (_, t) => nets[0].timeline[t].epoch),
    rows: roles.map((role) => {
      const diff = Array.from({ length: L }, (_, l) =>
        Array.from({ length: T }, (_, t) =>
          avg(nets.map((_, k) => at(k, t, role).saturation[l] - at(k, t, "never").saturation[l])),
        ),
      );
      const se = Array.from({ length: L }, (_, l) =>
        Array.from({ length: T }, (_, t) => {
          const v = nets.map((_, k) => {
            const g = at(k, t, role),
              c = at(k, t, "never");
            return g.saturationVar[l] / g.n + c.saturationVar[l] / c.n;
          });
          return Math.sqrt(v.reduce((s, x) => s + x, 0)) / nets.length;
        }),
      );
      return {
        role,
        label: groupLabel(nets[0].final[measuredRoles[0].indexOf(role)]),
        diff,
        se,
        accuracy: Array.from({ length: T }, (_, t) => avg(nets.map((_, k) => at(k, t, role).accuracy))),
      };
    }),
  };
}

/** One role's absolute saturation per layer and accuracy over training, mean over the networks. */
export function levelOverTime(
  nets: readonly VisitsResult[],
  role: Role,
): { epoch: number[]; saturation: number[][]; accuracy: number[] } {
  const T = Math.min(...nets.map((n) => n.timeline.length));
  const idx = nets.map((net) => net.final.map(roleOf).indexOf(role));
  if (idx.some((i) => i < 0)) throw new ConfigError("role", role, "a role every network measured");
  const at = (t: number, f: (s: SetSummary) => number) => avg(nets.map((net, k) => f(net.timeline[t].sets[idx[k]])));
  return {
    epoch: Array.from({ length: T }, (_, t) => nets[0].timeline[t].epoch),
    saturation: Array.from({ length: nets[0].depth }, (_, l) =>
      Array.from({ length: T }, (_, t) => at(t, (s) => s.saturation[l])),
    ),
    accuracy: Array.from({ length: T }, (_, t) => at(t, (s) => s.accuracy)),
  };
}

/** The cross-fitting swap: A trained on V, B on U; per layer. */
export function swap(a: VisitsResult, b: VisitsResult, opts: { draws: number; seed?: number }): SwapDifference[] {
  const get = (net: VisitsResult, name: string) => {
    const g = net.final.find((x) => x.name === name);
    if (!g)
      throw new ConfigError(
        "swap groups",
        net.final.map((x) => x.name),
        `groups U and V in both networks`,
      );
    return fractions(g, net.width);
  };
  const [aU, aV, bU, bV] = [get(a, "U"), get(a, "V"), get(b, "U"), get(b, "V")];
  const trainedOnV =
    a.final.find((g) => g.name === "V")!.passesPerEpoch > 0 && b.final.find((g) => g.name === "U")!.passesPerEpoch > 0;
  if (!trainedOnV) throw new ConfigError("swap", "A and B", "network A trained on V and B on U");
  return swapDifferences(
    aU.map((_, l) => ({ u: { netA: aU[l], netB: bU[l] }, v: { netA: aV[l], netB: bV[l] } })),
    { ...opts, label: "swap" },
  );
}

// ------------------------------------------------------------------ online vs repeated; the mechanism

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

export function streamSummary(r: StreamResult): StreamSummary {
  const sats = r.timeline.map((t) => t.sets.fresh.saturation);
  const L = sats[0].length;
  const peakIdx = Array.from({ length: L }, (_, l) =>
    sats.reduce((best, s, i) => (s[l] > sats[best][l] ? i : best), 0),
  );
  const last = r.timeline[r.timeline.length - 1];
  return {
    steps: r.steps,
    samples: r.samples,
    distinctImages: r.distinctImages,
    saturationEnd: last.sets.fresh.saturation,
    saturationPeak: peakIdx.map((i, l) => sats[i][l]),
    peakStep: peakIdx.map((i) => r.timeline[i].step),
    accuracyEnd: last.sets.fresh.accuracy,
    trainedEnd: last.sets.trained ? last.sets.trained.saturation : null,
    trainedAccuracyEnd: last.sets.trained ? last.sets.trained.accuracy : null,
  };
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

export function mechanismRows(arms: readonly LossArm[], results: readonly ContinueResult[]): MechanismRow[] {
  return arms.map((arm, i) => {
    const t = results[i].timeline,
      first = t[0],
      last = t[t.length - 1];
    return {
      arm,
      epochs: last.epoch,
      weightNormsStart: first.weightNorms,
      weightNormsEnd: last.weightNorms,
      saturationTrainedStart: first.sets.trained.saturation,
      saturationTrained: last.sets.trained.saturation,
      saturationUnseenStart: first.sets.unseen.saturation,
      saturationUnseen: last.sets.unseen.saturation,
      accuracyTrained: last.sets.trained.accuracy,
      accuracyUnseen: last.sets.unseen.accuracy,
      lossTrained: last.sets.trained.loss,
    };
  });
}

// ------------------------------------------------------------------ findings

export const interval = (d: { diff: number; low: number; high: number }): Interval => ({
  diff: d.diff,
  low: d.low,
  high: d.high,
});

export function causalFindings(args: {
  params: CausalParams;
  rows: readonly DoseRow[];
  swap: readonly SwapDifference[];
  online: StreamSummary;
  repeated: StreamSummary;
  mechanism: readonly MechanismRow[];
  nets: readonly VisitsResult[];
}): CausalFindings {
  const { params: p, rows } = args;
  const k1 = rows.find((r) => r.role === "k1");
  if (!k1)
    throw new ConfigError(
      "dose rows",
      rows.map((r) => r.role),
      "a k = 1 group",
    );
  const never = rows.find((r) => r.role === "never")!;
  return {
    eps: p.eps,
    width: p.width,
    depth: p.depth,
    networks: args.nets.length,
    epochs: p.epochs,
    steps: args.nets.map((n) => n.steps),
    heldOutAccuracy: never.accuracy,
    doseResponse: {
      eps: p.eps,
      groups: rows.map((r) => ({
        passesPerEpoch: r.passesPerEpoch,
        labels: r.labels,
        n: r.n,
        passes: r.passesPerEpoch * p.epochs,
        accuracy: r.accuracy,
        accuracyTrueLabels: r.accuracyTrueLabels,
        saturation: r.saturation,
        minusNeverSeen: r.minusNeverSeen.map(interval),
      })),
    },
    detectable: {
      halfWidth: k1.minusNeverSeen.map(halfWidth),
      minimumDetectable80: k1.minusNeverSeen.map((d) => minimumDetectable(d)),
    },
    swap: args.swap.map(interval),
    swapImages: p.unseenImages,
    onlineControl: {
      online: { saturationEnd: args.online.saturationEnd, saturationPeak: args.online.saturationPeak },
      repeated: { saturationEnd: args.repeated.saturationEnd, saturationPeak: args.repeated.saturationPeak },
      steps: args.online.steps,
      width: p.streamWidth,
      fixedImages: args.repeated.distinctImages,
      accuracy: { online: args.online.accuracyEnd, repeated: args.repeated.accuracyEnd },
    },
    mechanism: args.mechanism.map((m) => ({
      loss: m.arm.label,
      epochs: m.epochs,
      weightNormsStart: m.weightNormsStart,
      weightNormsEnd: m.weightNormsEnd,
      saturationTrainedStart: m.saturationTrainedStart,
      saturationTrained: m.saturationTrained,
      saturationUnseenStart: m.saturationUnseenStart,
      saturationUnseen: m.saturationUnseen,
      accuracyTrained: m.accuracyTrained,
      accuracyUnseen: m.accuracyUnseen,
    })),
  };
}

function avg(xs: readonly number[]): number {
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}
