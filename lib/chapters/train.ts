/**
 * Chapter: notebook 01-train — what the question's two runs show on their
 * plateau, read from their probe records, and the figures of notebook 01.
 *
 * A run is on its plateau while it still predicts at chance: training-probe
 * accuracy below CHANCE_ACCURACY. Of those probes, the "worst" is the one
 * where the top hidden layer's mean σ′ — the factor every gradient reaching
 * the lower layers passes through — is lowest. There we read, per layer, the
 * share of entries within ε of 0 or 1 and the flat share (σ′ below δ of its
 * largest, δ = 4ε(1 − ε): the same entries for the sigmoid), and classify the
 * plateau with PLATEAU_RULES.
 */
import type { ProbeRecord } from "../core/train";
import type { ProbeSnapshot } from "../measure/probe";
import type { Experiment } from "../run/experiment";
import type { PlateauProbe } from "../run/findings";
import { ConfigError } from "../core/errors";
import { plot } from "../display";
import { count, num, pct } from "../display/text";

/** Training-probe accuracy below this is "at chance" for 10 classes (a uniform guess scores 10%). */
export const CHANCE_ACCURACY = 0.2;

/**
 * The verdict of a plateau, from its worst probe: "saturated" when some layer
 * has at least `saturatedLayer` of its entries within ε of 0 or 1; "not
 * saturated" when every layer has less than `unsaturated`; "partly saturated"
 * in between.
 */
export const PLATEAU_RULES = { eps: 0.01, saturatedLayer: 0.5, unsaturated: 0.01 } as const;

export type PlateauVerdict = PlateauProbe["verdict"];

export function plateauVerdict(
  saturation: readonly number[],
  rules: { saturatedLayer: number; unsaturated: number } = PLATEAU_RULES,
): PlateauVerdict {
  if (saturation.some((s) => s >= rules.saturatedLayer)) return "saturated";
  if (saturation.every((s) => s < rules.unsaturated)) return "not saturated";
  return "partly saturated";
}

/** A snapshot's saturation at ε, per layer (the probes record ε = 0.01 and 0.05). */
function saturationAt(s: ProbeSnapshot, eps: number) {
  return s.layers.map((l) => {
    const at = l.saturation.find((x) => Math.abs(x.eps - eps) < 1e-12);
    if (!at)
      throw new ConfigError(
        "eps",
        eps,
        `one of the probed thresholds (${l.saturation.map((x) => x.eps).join(", ") || "none: the activation has no two asymptotes"})`,
      );
    return at;
  });
}

/**
 * The plateau of a run, read from its probe records (first probe set: the
 * training points); null when no probe was at chance.
 */
export function plateauProbe(
  records: readonly ProbeRecord<ProbeSnapshot>[],
  learningRate: number,
  eps: number = PLATEAU_RULES.eps,
): PlateauProbe | null {
  const on = records.filter((r) => r.snapshots[0].accuracy < CHANCE_ACCURACY);
  if (on.length === 0) return null;
  const top = (r: ProbeRecord<ProbeSnapshot>) => r.snapshots[0].layers[r.snapshots[0].layers.length - 1].derivativeMean;
  const worst = on.reduce((a, b) => (top(b) < top(a) ? b : a));
  const s = worst.snapshots[0];
  const sat = saturationAt(s, eps);
  const saturation = sat.map((x) => x.total);
  const maxSaturation = s.layers.map((_, l) => Math.max(...on.map((r) => saturationAt(r.snapshots[0], eps)[l].total)));
  return {
    learningRate,
    probes: on.length,
    fromEpoch: on[0].epoch,
    toEpoch: on[on.length - 1].epoch,
    epoch: worst.epoch,
    step: worst.step,
    accuracy: s.accuracy,
    loss: s.loss,
    eps,
    saturation,
    nearZero: sat.map((x) => x.low),
    delta: s.layers[0].flat.delta,
    flat: s.layers.map((l) => l.flat.total),
    derivativeMean: s.layers.map((l) => l.derivativeMean),
    mean: s.layers.map((l) => l.mean),
    maxSaturation,
    verdict: plateauVerdict(saturation),
  };
}

/** Per layer, the two runs side by side at their worst plateau probe. */
export function plateauRows(
  runs: readonly { name: string; p: PlateauProbe | null }[],
): Record<string, string | number>[] {
  const L = Math.max(0, ...runs.map((r) => r.p?.saturation.length ?? 0));
  return Array.from({ length: L }, (_, l) => {
    const row: Record<string, string | number> = { layer: l + 1 };
    for (const { name, p } of runs) {
      row[`${name}: within ε`] = p ? pct(p.saturation[l]) : "—";
      row[`${name}: flat`] = p ? pct(p.flat[l]) : "—";
      row[`${name}: mean σ′`] = p ? Number(p.derivativeMean[l].toFixed(3)) : "—";
      row[`${name}: mean h`] = p ? Number(p.mean[l].toFixed(3)) : "—";
    }
    return row;
  });
}

/** One sentence per run: what its plateau shows, with the numbers. */
export function describePlateau(name: string, p: PlateauProbe | null): string {
  if (!p)
    return `**${name}:** no probe was at chance (training-probe accuracy under ${pct(CHANCE_ACCURACY, 0)}): this run had no plateau to read.`;
  const L = p.saturation.length;
  const span =
    p.probes === 1
      ? `at its first probe`
      : `over ${count(p.probes)} probes, epochs ${p.fromEpoch.toFixed(2)}–${p.toEpoch.toFixed(2)}`;
  const top = L - 1;
  const lowShare = p.saturation[top] > 0 ? ` (${pct(p.nearZero[top] / p.saturation[top], 0)} of them near 0)` : "";
  const most = Math.max(...p.maxSaturation);
  const verdict =
    p.verdict === "saturated"
      ? "a plateau with a saturated layer"
      : p.verdict === "not saturated"
        ? "a plateau without saturation"
        : "a plateau with some saturation";
  return (
    `**${name} (η = ${p.learningRate}): ${verdict}.** At chance ${span}; the top layer's mean σ′ was lowest at epoch ${p.epoch.toFixed(2)} ` +
    `(training-probe accuracy ${pct(p.accuracy)}, loss ${p.loss.toFixed(3)}): ${num(p.derivativeMean[top])}, against the sigmoid's largest 0.25, with mean activation ${num(p.mean[top])}. ` +
    `There, layers 1–${L} had ${p.saturation.map((x) => pct(x)).join(", ")} of their entries within ε = ${p.eps} of 0 or 1${lowShare}, ` +
    `and ${p.flat.map((x) => pct(x)).join(", ")} flat (σ′ below δ = ${num(p.delta)} of its largest). ` +
    `Over all ${count(p.probes)} probes at chance, the largest share within ε in any layer was ${pct(most)}.`
  );
}

/** The closing sentence: what the two verdicts say together (computed, never typed in). */
export function plateauConclusion(small: PlateauProbe | null, main: PlateauProbe | null): string {
  if (!small || !main) return "One of the runs had no plateau, so the two cannot be compared here.";
  if (small.verdict === main.verdict) {
    return `Both runs sat at chance with the same verdict by the rule above ("${small.verdict}").`;
  }
  const without = [small, main].find((p) => p.verdict === "not saturated");
  const withSat = [small, main].find((p) => p.verdict === "saturated");
  if (without && withSat) {
    return `The two runs sit on a plateau, but only the one at η = ${withSat.learningRate} has a saturated layer there; at η = ${without.learningRate} the loss stays at chance with no layer saturated. Saturation can accompany a plateau; it is not needed for one.`;
  }
  return `The verdicts differ: "${small.verdict}" at η = ${small.learningRate}, "${main.verdict}" at η = ${main.learningRate}.`;
}

/**
 * The takeaway of the main run's learning curves, from its test accuracy per
 * epoch: how many epochs it spent at chance before the first epoch at or
 * above CHANCE_ACCURACY, or that it never left chance, and where it ended.
 */
export function learningCurvesTakeaway(
  epochs: readonly { epoch: number; test: { accuracy: number } | null }[],
): string {
  const acc = epochs.map((e, k) => {
    if (!e.test)
      throw new ConfigError(
        `epochs[${k}].test`,
        e.test,
        "a test evaluation after every epoch (the experiment's test set)",
      );
    return e.test.accuracy;
  });
  if (acc.length === 0) throw new ConfigError("epochs", epochs, "at least one epoch record");
  const last = epochs[epochs.length - 1],
    end = acc[acc.length - 1];
  const ends = `${pct(end, 2)} test accuracy after ${last.epoch} epoch${last.epoch === 1 ? "" : "s"} (test error ${pct(1 - end, 2)})`;
  const first = acc.findIndex((a) => a >= CHANCE_ACCURACY);
  const under = `test accuracy under ${pct(CHANCE_ACCURACY, 0)}`;
  if (first < 0)
    return `At chance (${under}) after every one of the ${acc.length} epochs: the network has not left the plateau by the end, ${ends}.`;
  const start =
    first === 0
      ? `Above chance from the first epoch on`
      : `At chance (${under}) for ${first} epoch${first === 1 ? "" : "s"}, then the network leaves the plateau`;
  const back = end < CHANCE_ACCURACY ? `, but falls back to chance: ${ends}` : `, and reaches ${ends}`;
  return `${start}${back}.`;
}

/** Mean activation of every hidden layer on the training probe points, against epochs. */
export function layerMeansFigure(exp: Pick<Experiment, "result" | "config">, title: string) {
  const t = exp.result.probes.map((p) => p.epoch);
  return plot.line({
    title,
    x: { label: "training time", unit: "epochs" },
    y: { label: "mean activation h", unit: "0–1", range: [0, 1] },
    series: exp.config.model.widths.map((_, l) => ({
      name: `layer ${l + 1}`,
      x: t,
      y: exp.result.probes.map((p) => p.snapshots[0].layers[l].mean),
    })),
  });
}
