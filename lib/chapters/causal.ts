/**
 * Chapter: notebook 03-causal — the causal test of the question's clause
 * "*because* gradient descent passed over x_i many times".
 *
 *   const design = designJobs(params);                  // jobs for the worker pool
 *   const nets = await lab.runJobs(design.networks);     // two networks, a swap pair
 *   const rows = doseResponse(results, { draws: 2000 }); // saturation difference to k = 0, per group and layer
 *
 * The design (lib/chapters/causal-design.ts; one split of MNIST's training file, two networks):
 *   positions U, V (equal sizes), the dose groups and a wrong-label group for
 *   network A, the same for network B. A visits V once per epoch and never U;
 *   B the other way round (the cross-fitting swap); each network visits its own
 *   dose groups k times per epoch and never the other network's.
 */
import { ConfigError } from "../core/errors";
import { SwapDifference, groupsVersusControl, halfWidth, minimumDetectable, swapDifferences } from "../measure/causal";
import type { CausalFindings, Interval } from "../run/findings";
import type { ContinueResult, GroupPoints, SetSummary, StreamResult, VisitsResult } from "./causal-jobs";
import {
  CausalParams,
  DoseRow,
  DoseTimeline,
  LossArm,
  MechanismRow,
  Role,
  StreamSummary,
  groupLabel,
  roleOf,
  roleOrder,
} from "./causal-design";
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
export * from "./causal-design";
export * from "./causal-report";
export * from "./causal-verdict";
export * from "./causal-frames";

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
