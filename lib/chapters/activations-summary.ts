/**
 * Chapter: notebook 02-activations — the sensitivity sweep's tables and
 * takeaway (§8) and the closing summary of what this run measured (§9), from
 * the sweep's results and the findings (activations.ts).
 */
import type { ActivationFindings, Interval } from "../run/findings";
import type { Row } from "../display/table";
import { count, intervalPp, layerList, num, pct, pp } from "../display/text";
import { sweepSettingMeans } from "./activations-frames";
export { sweepLayerFrame } from "./activations-frames";
import type { SweepResult } from "./activations";

const epochText = (e: number) => (Number.isInteger(e) ? String(e) : e.toFixed(2));

// ------------------------------------------------------------------ §8 the sweep
// (its per-layer tables, settings × layers over seeds, are DataFrames: ./activations-frames)

export function sweepTables(results: readonly SweepResult[]): { recipe: Row[]; gaps: Row[]; takeaway: string } {
  const rows = [...new Map(results.map((r) => [r.row.key, r.row])).values()];
  const ok = (key: string) => results.filter((r) => r.row.key === key && r.summary).map((r) => r.summary!);
  // Means over seeds through the DataFrame path (groupby setting; per layer: groupby setting × layer).
  const means = sweepSettingMeans(results);
  const recipe = rows.map((row): Row => {
    const s = ok(row.key),
      cfg = results.find((r) => r.row === row)!.config,
      m = means.get(row.label)!;
    if (s.length === 0)
      return {
        setting: row.label,
        epochs: cfg.train.epochs,
        "test accuracy (%)": results
          .filter((r) => r.row === row)
          .map((r) => r.failure)
          .join("; "),
      };
    return {
      setting: row.ours ? `${row.label} — ${row.ours}` : row.label,
      epochs: cfg.train.epochs,
      "SGD steps": s[0].steps,
      "training accuracy (%)": m.train,
      "test accuracy (%)": m.test,
      "lowest layer mean f′(z) / max f′ (%)": m.lowestDerivative,
      "stuck units": `${m.stuck.toFixed(0)} / ${s[0].units}`,
    };
  });
  const gaps = rows.map(
    (row): Row => ({
      setting: row.label,
      seeds: results
        .filter((r) => r.row === row)
        .map((r) => r.seed)
        .join(", "),
      "training − unseen, all layers (pp, 95% CI)": ok(row.key)
        .map((s) => intervalPp(s.gap, 2))
        .join("; "),
      "training − unseen, top layer (pp, 95% CI)": ok(row.key)
        .map((s) => intervalPp(s.gapTop, 2))
        .join("; "),
      "training − unseen, flat, all layers (pp, 95% CI)": ok(row.key)
        .map((s) => intervalPp(s.gapFlat, 2))
        .join("; "),
    }),
  );
  const all = results.filter((r) => r.summary).map((r) => r.summary!);
  const most = all.map((s) => Math.max(...s.perLayer)),
    g = all.map((s) => s.gap);
  const more = g.filter((x) => x.low > 0).length,
    less = g.filter((x) => x.high < 0).length;
  const takeaway =
    all.length === 0
      ? "No sweep run produced a result."
      : `Across ${all.length} runs the most saturated layer holds ${pct(Math.min(...most), 0)} to ${pct(Math.max(...most), 0)} of its entries saturated; the all-layer training − unseen gap lies between ${pp(Math.min(...g.map((x) => x.diff)), 2)} and ${pp(Math.max(...g.map((x) => x.diff)), 2)}, ` +
        `its interval excluding 0 in ${more + less} of ${all.length} runs${more + less > 0 ? ` (training points more saturated in ${more}, less in ${less})` : ""}.`;
  return { recipe, gaps, takeaway };
}

// ------------------------------------------------------------------ §9 what this run measured

/** The closing cell: what this run measured, section by section, and where the answer is stated (no verdict here). */
export function measuredSummary(f: ActivationFindings, sweepTakeaway: string): string[] {
  const excl = (xs: readonly Interval[]) =>
    xs.map((x, l) => (x.low > 0 || x.high < 0 ? l + 1 : 0)).filter((l) => l > 0);
  const fileLayers = excl(f.heldOutMinusTestFile);
  const rising = f.buildUp.filter((b) => b.trend === "rising").map((b) => b.layer);
  const g = f.gradientRatios,
    any = f.saturationTrain.some((s) => s > 0);
  return [
    `**What this run measured** (${f.depth} hidden sigmoid layers, ${pct(f.testAccuracy)} test accuracy after ${f.passes} passes over each training image; ε = ${f.eps}):`,
    `**Per layer (§2).** Saturated at the end of training (${f.end ? `${f.end.source}, step ${count(f.end.step)} of ${count(f.end.steps)}` : "the final network"}): ${f.saturationTrain.map((s) => pct(s)).join(" · ")} of the entries on the training probe points, layers 1–${f.depth}${any ? `; ${pct(f.lowShare, 0)} of the saturated entries are near 0` : ""}.${f.derivative ? ` The factor that multiplies ‖δ‖, σ′_eff: ${f.derivative.effective.map((v) => num(v)).join(" · ")} (mean σ′: ${f.derivative.mean.map((v) => num(v)).join(" · ")}).` : ""}`,
    `**Training against unseen points (§3).** ${count(f.comparePoints)} points per set; the unseen ones are ${f.heldOutSource}. ` +
      (f.primary
        ? `The pre-registered primary comparison — the share of all hidden entries within ε = ${f.primary.eps} of 0 or 1 — gives ${pct(f.primary.train, 2)} on training points and ${pct(f.primary.heldOut, 2)} on unseen ones, ${intervalPp(f.primary.interval, 2)}: **${f.primary.verdict}**. `
        : "") +
      (f.secondary
        ? `Secondary (every interval in §3's table): ${f.secondary.excludeZero} of ${f.secondary.intervals} intervals exclude 0 at 95% each, ${f.secondary.excludeZeroAdjusted} after ${f.secondary.correction} (each at ${(100 * f.secondary.adjustedLevel).toFixed(2)}%); per layer, training − unseen: ${f.trainMinusHeldOut.map((x) => intervalPp(x, 2)).join(" · ")} (95% each). `
        : "") +
      `Unseen training-file − test-file points, per layer at 95%: ${fileLayers.length === 0 ? "no interval excludes 0" : `the interval excludes 0 in ${layerList(fileLayers)}`} — a difference between the two files, not of training.`,
    `**Over training (§4).** ${f.topPeak.saturation > 0 ? `The top layer peaked at ${pct(f.topPeak.saturation, 0)} at epoch ${epochText(f.topPeak.epoch)} (held-out accuracy ${pct(f.topPeak.heldOutAccuracy, 0)}) and ends at ${pct(f.buildUp[f.depth - 1].end, 0)}` : "The top layer had no saturated entry at any probe time"}; ${[f.buildUp[0], f.buildUp[f.depth - 1]].map((b) => `layer ${b.layer} went from ${pct(b.start, 0)} to ${pct(b.end, 0)} on the training probe points (its own peak ${pct(b.peak, 0)}, epoch ${epochText(b.peakEpoch)}) and ends at ${pct(b.endHeldOut, 0)} on the unseen ones`).join("; ")}; ${rising.length === 0 ? "no layer is still rising at the end" : `${layerList(rising)} ${rising.length > 1 ? "are" : "is"} still rising at the end`}. Layer 1 over layer ${f.depth}, start → end: mean ‖δ‖ ${num(g.delta.start)} → ${num(g.delta.end)}, ‖∂L/∂W‖ ${num(g.weightGrad.start)} → ${num(g.weightGrad.end)}.`,
    `**Per unit (§6).** ${count(f.stuckUnits)} of ${count(f.units)} units are stuck.${
      f.unitTests
        ? ` The per-unit permutation test (Bonferroni over ${2 * f.unitTests.length} tests): ${
            f.unitTests.some((t) => t.pMaxAdjusted < 0.05 || t.pShiftAdjusted < 0.05)
              ? `training and unseen points differ in ${layerList(f.unitTests.filter((t) => t.pMaxAdjusted < 0.05 || t.pShiftAdjusted < 0.05).map((t) => t.layer))}`
              : "no layer has a unit, or a uniform shift of its units, that tells training from unseen points"
          }.`
        : ""
    }`,
    `**Recipe (§8).** ${sweepTakeaway}`,
    "Whether passes over a point cause its saturation is measured directly in notebook 03-causal; notebook 06 states the answer, from these findings and 03's.",
  ];
}
