/**
 * Chapter: notebook 06-answer — the answer to the question, assembled from
 * the findings of notebooks 01–05 (lib/run/findings). Every number in the
 * text comes from a findings record; the rules that turn numbers into words
 * are stated once: here (`ANSWER_RULES`), and for the causal clause in 03's
 * own rule (`causalVerdict`, lib/chapters/causal-report), which 06 applies
 * to 03's recorded findings rather than restating it.
 *
 * The claim table lives in answer-claims.ts, the literature in
 * answer-literature.ts; this file holds the inputs, the rules, the named
 * facts both of them read, the headline and the short answer.
 */
import { andList, capitalize, count, intervalPp, layerList, num, pct, pp } from "../display/text";
import type {
  ActivationFindings,
  BoundFindings,
  CausalFindings,
  FixRow,
  FixesFindings,
  Interval,
  LayerBuildUp,
  TrainFindings,
} from "../run/findings";
import { ConfigError } from "../core/errors";
import { groupLabel, roleOf } from "./causal-report";
import { Cell, VerdictRow, causalVerdict } from "./causal-verdict";

/** 03's differences are a fraction of a percentage point: two decimals. */
export const ivp = (d: { readonly diff: number; readonly low: number; readonly high: number }) => intervalPp(d, 2);

export interface AnswerInputs {
  readonly train: TrainFindings;
  readonly activations: ActivationFindings;
  readonly causal: CausalFindings;
  readonly bound: BoundFindings;
  readonly fixes: FixesFindings;
}

/** Thresholds of the wording. */
export interface AnswerRules {
  /** A layer is "heavily saturated" from this fraction of its entries within ε of 0 or 1. */
  readonly heavy: number;
  /** … and "almost free of saturation" below this. */
  readonly light: number;
  /** 02's training − held-out gap counts only when its interval excludes 0 and it is at least this share of the layer's level. */
  readonly relevantGap: number;
  /** A layer "builds up" when its saturated share ends at least this much above where it started (and is not falling at the end). */
  readonly buildUp: number;
  /** A fix "helps" when it lowers the mean test error by at least this many percentage points. */
  readonly helpsBy: number;
}

export const ANSWER_RULES: AnswerRules = { heavy: 0.2, light: 0.05, relevantGap: 0.25, buildUp: 0.05, helpsBy: 5 };

export function validateRules(r: AnswerRules): void {
  const frac = (k: keyof AnswerRules) => {
    if (!(typeof r[k] === "number" && r[k] > 0 && r[k] < 1))
      throw new ConfigError(k, r[k], "a fraction between 0 and 1");
  };
  frac("heavy");
  frac("light");
  frac("relevantGap");
  frac("buildUp");
  if (!(r.light < r.heavy)) throw new ConfigError("light", r.light, `a fraction below heavy (${r.heavy})`);
  if (!(typeof r.helpsBy === "number" && r.helpsBy > 0 && r.helpsBy < 100))
    throw new ConfigError("helpsBy", r.helpsBy, "percentage points between 0 and 100");
}

// ------------------------------------------------------------------ links into the chapters

/** Links into the chapters (the book turns .ipynb into .html); test/answer.test.ts checks every anchor against the notebook's headings. */
export const WHERE = {
  plateau: { label: "01, the plateau", href: "01-train.ipynb#a-first-run-with-a-small-learning-rate-the-plateau" },
  mainRun: { label: "01, the main run", href: "01-train.ipynb#the-main-run-1" },
  perLayer: { label: "02 §2", href: "02-activations.ipynb#2-per-layer-on-the-training-points" },
  trainVsHeldOut: { label: "02 §3", href: "02-activations.ipynb#3-training-points-against-held-out-points" },
  overTraining: {
    label: "02 §4",
    href: "02-activations.ipynb#4-over-training-the-question-network-and-glorot-bengio-2010-figure-2",
  },
  perUnit: { label: "02 §6", href: "02-activations.ipynb#6-per-unit-stuck-or-input-dependent" },
  sensitivity: { label: "02 §8", href: "02-activations.ipynb#8-sensitivity-how-the-answer-moves-with-the-recipe" },
  dose: { label: "03 §1", href: "03-causal.ipynb#1-dose-response-inside-one-network" },
  swap: { label: "03 §2", href: "03-causal.ipynb#2-the-cross-fitting-swap" },
  online: { label: "03 §3", href: "03-causal.ipynb#3-zero-repeats-saturation-without-a-single-repeated-pass" },
  mechanism: { label: "03 §4", href: "03-causal.ipynb#4-mechanism" },
  derivation: { label: "04 §1–2", href: "04-bound.ipynb#1-the-derivation" },
  measuredBound: { label: "04 §4", href: "04-bound.ipynb#4-measured-errors-against-the-bound" },
  largeWeights: {
    label: "04 §5",
    href: "04-bound.ipynb#5-weights-larger-than-4-networks-with-prescribed-spectral-norms",
  },
  jacobian: { label: "04 §6", href: "04-bound.ipynb#6-the-jacobian-view-all-singular-values-not-just-the-largest" },
  fixesTable: { label: "05, the comparison table", href: "05-fixes.ipynb#the-comparison-table" },
  gradientFlow: { label: "05, gradient flow", href: "05-fixes.ipynb#gradient-flow-layer-by-layer" },
  fixesSaturation: {
    label: "05, saturation per layer",
    href: "05-fixes.ipynb#saturation-and-per-layer-at-the-end-of-training",
  },
} as const;
export type Where = (typeof WHERE)[keyof typeof WHERE];
export const link = (w: Where) => `[${w.label}](${w.href})`;

// ------------------------------------------------------------------ the measured facts, named

/** Layers (1-based) heavily saturated, and almost free of saturation, on training points. */
export function saturationPattern(
  a: ActivationFindings,
  rules: AnswerRules = ANSWER_RULES,
): { heavy: number[]; light: number[] } {
  const idx = (f: (s: number) => boolean) => a.saturationTrain.map((s, l) => (f(s) ? l + 1 : 0)).filter((l) => l > 0);
  return { heavy: idx((s) => s >= rules.heavy), light: idx((s) => s < rules.light) };
}

/** 02: layers where training points are measurably and relevantly more saturated than held-out points. */
export function relevantGaps(a: ActivationFindings, rules: AnswerRules = ANSWER_RULES): number[] {
  return (
    a.trainMinusHeldOut
      // The level of the same point sets as the difference (02's §3 sets; older findings: the probe points).
      .map((g, l) => ({ g, l: l + 1, level: (a.compareLevels?.train ?? a.saturationTrain)[l] }))
      .filter(({ g, level }) => g.low > 0 && g.diff >= rules.relevantGap * Math.max(level, 1e-12))
      .map(({ l }) => l)
  );
}

export function fixRow(f: FixesFindings, id: string, depth: number): FixRow | null {
  return f.rows.find((r) => r.id === id && r.depth === depth) ?? null;
}

/** A fix's test error, mean ± sample std over the runs that did not diverge, and how many did. */
export const errText = (r: FixRow | null) =>
  r === null
    ? "not run"
    : r.diverged === r.runs
      ? `diverged (${r.runs} runs)`
      : `${r.testErrorPercent.toFixed(1)}${r.runs - r.diverged > 1 ? ` ± ${r.testErrorStd.toFixed(1)}` : ""}% test error` +
        (r.diverged > 0
          ? ` (${r.diverged} of ${r.runs} runs diverged; the error is the other ${r.runs - r.diverged}'s)`
          : "");

/** 03's groups as its verdict rule reads them, the never-visited group first. */
export function doseRows(c: CausalFindings): (VerdictRow & CausalFindings["doseResponse"]["groups"][number])[] {
  const rank = (g: { passesPerEpoch: number; labels: string }) => (g.labels === "wrong" ? 1e9 : g.passesPerEpoch);
  const rows = [...c.doseResponse.groups]
    .sort((a, b) => rank(a) - rank(b))
    .map((g) => ({ ...g, role: roleOf(g), label: groupLabel(g) }));
  if (rows.length === 0 || rows[0].role !== "never")
    throw new ConfigError(
      "03-causal findings: doseResponse.groups",
      rows.map((r) => r.label),
      "a never-visited group (k = 0) among the groups: re-run notebooks/03-causal.ipynb",
    );
  return rows;
}

/** The causal clause, by 03's own rule applied to 03's recorded findings. */
export interface Clause {
  readonly answer: "No." | "Not measurably." | "Partly." | "Yes.";
  readonly cells: readonly Cell[];
  readonly up: readonly Cell[];
  readonly down: readonly Cell[];
  /** The largest upward difference as a share of its layer's level. */
  readonly largestShare: number;
  /** The never-visited group, the most visited true-label group, the wrong-label group (if run). */
  readonly never: ReturnType<typeof doseRows>[number];
  readonly most: ReturnType<typeof doseRows>[number];
  readonly wrong: ReturnType<typeof doseRows>[number] | null;
}

export function clause(c: CausalFindings): Clause {
  const rows = doseRows(c);
  const v = causalVerdict({ rows, online: c.onlineControl.online });
  const visited = rows.filter((r) => r.role !== "never" && r.role !== "wrong");
  if (visited.length === 0)
    throw new ConfigError(
      "03-causal findings: doseResponse.groups",
      rows.map((r) => r.label),
      "at least one group visited k ≥ 1 times per epoch",
    );
  return {
    ...v,
    never: rows[0],
    most: visited[visited.length - 1],
    wrong: rows.find((r) => r.role === "wrong") ?? null,
  };
}

/** Per layer over training (02's buildUp): the layers that build up, and those that peaked earlier and fell. */
export function buildUpPattern(
  a: ActivationFindings,
  rules: AnswerRules = ANSWER_RULES,
): { rising: LayerBuildUp[]; peakedEarly: LayerBuildUp[] } {
  const rising = a.buildUp.filter((b) => b.end - b.start >= rules.buildUp && b.trend !== "falling");
  const peakedEarly = a.buildUp.filter((b) => b.peak - b.end >= rules.buildUp);
  return { rising, peakedEarly };
}

/** The top layer was most saturated on the plateau (held-out accuracy under 20%) and ends at under half that. */
export function plateauPeak(a: ActivationFindings): boolean {
  return a.topPeak.heldOutAccuracy < 0.2 && a.saturationTrain[a.saturationTrain.length - 1] < a.topPeak.saturation / 2;
}

// ------------------------------------------------------------------ the answer

export type Headline = "Yes." | "Partly." | "Partly, and not for the stated reason." | "No.";

/**
 * Two parts, two rules: are the entries near 0 or 1 (`heavy` layers of 02), and is it because of the passes
 * (03's causalVerdict on its dose-response). No heavy layer: "No.". Heavy layers and no measurable
 * effect of the passes: "Partly, and not for the stated reason.".
 */
export function headline(x: AnswerInputs, rules: AnswerRules = ANSWER_RULES): Headline {
  const { heavy } = saturationPattern(x.activations, rules);
  if (heavy.length === 0) return "No.";
  const c = clause(x.causal).answer;
  if (c === "No." || c === "Not measurably.") return "Partly, and not for the stated reason.";
  return c === "Yes." && heavy.length === x.activations.saturationTrain.length ? "Yes." : "Partly.";
}

/** A short run (e.g. the quick profile) does not describe a trained network: say so before anything else. */
export function shortRunWarning(x: AnswerInputs): string | null {
  const acc = [x.train.testAccuracy, x.activations.testAccuracy, x.causal.heldOutAccuracy];
  if (acc.every((a) => a >= 0.5)) return null;
  return `*These findings come from short runs (test accuracy ${pct(x.activations.testAccuracy)} in 02, ${pct(x.causal.heldOutAccuracy)} on never-visited images in 03), such as the quick profile: they describe networks that have not learned yet. Run the book with the default parameters (\`npm start\`) for the trained network of the question.*`;
}

const cellText = (c: Cell) => `layer ${c.layer + 1} at ${c.row.label}: ${ivp(c.d)}`;
const ivs = (xs: readonly Interval[]) => xs.map((d, l) => `layer ${l + 1} ${ivp(d)}`).join(", ");

/** The clause, in sentences: the dose-response, what the design could detect, the swap, memorisation, 02's check. */
export function clauseSentences(x: AnswerInputs, rules: AnswerRules = ANSWER_RULES): string {
  const c = x.causal,
    a = x.activations,
    L = c.depth,
    top = L - 1;
  const v = clause(c);
  const gaps = relevantGaps(a, rules);
  const largest02 = a.trainMinusHeldOut.reduce(
    (m, g) => (Math.abs(g.diff) > Math.abs(m.diff) ? g : m),
    a.trainMinusHeldOut[0],
  );
  const mde = c.detectable.minimumDetectable80;
  const swapHits = c.swap.filter((d) => d.low > 0 || d.high < 0).length;
  const out: string[] = [];
  out.push(
    `In ${c.networks} networks of the question trained ${c.epochs} epochs, images of the same file visited ${v.most.passes} times differ from never-visited ones by ${ivp(v.most.minusNeverSeen[0])} in layer 1 and ${ivp(v.most.minusNeverSeen[top])} in layer ${L} (levels ${pct(v.never.saturation[0])} and ${pct(v.never.saturation[top])}). ` +
      `Of ${v.cells.length} group × layer differences (layers with at least 1% saturated entries), ${v.up.length} exclude zero upward${v.up.length > 0 ? ` (${v.up.map(cellText).join("; ")}; at most ${pct(v.largestShare, 0)} of that layer's level)` : ""} and ${v.down.length} downward; by chance alone about ${(0.05 * v.cells.length).toFixed(1)} would. ` +
      `The design would have detected, 80% of the time, an effect of one visit per epoch of ${mde.map((m) => (100 * m).toFixed(2)).join(", ")} pp in layers 1–${L}. ${link(WHERE.dose)}`,
  );
  out.push(
    `Swapping the roles of two disjoint halves between two networks (each image paired with itself): ${swapHits === 0 ? "no layer excludes" : `${swapHits} of ${L} layers exclude`} zero (${ivs(c.swap)}). ${link(WHERE.swap)}`,
  );
  if (v.wrong) {
    out.push(
      `The ${count(v.wrong.n)} images trained on with a wrong label (each visited ${v.wrong.passes} times) were fitted to ${pct(v.wrong.accuracy)} of their wrong labels; their top layer differs from never-visited images by ${ivp(v.wrong.minusNeverSeen[top])}, layer 1 by ${ivp(v.wrong.minusNeverSeen[0])}.`,
    );
  }
  const p = a.primary,
    sec = a.secondary;
  out.push(
    p
      ? // 02 states a verdict on its pre-registered primary comparison only; the per-layer intervals are secondary.
        `02's pre-registered comparison, ${count(p.points)} training images against as many unseen images of the training file (per image, the share of all its hidden entries within ${p.eps} of 0 or 1): ${pct(p.train)} against ${pct(p.heldOut)}, a difference of ${ivp(p.interval)} — ${p.verdict}.` +
          (sec
            ? ` Of its ${sec.intervals} secondary intervals (per layer, per ε, against the test file), ${sec.excludeZero} exclude zero at 95% each (about ${(0.05 * sec.intervals).toFixed(1)} would by chance alone) and ${sec.excludeZeroAdjusted} after Bonferroni's correction.`
            : "") +
          ` ${link(WHERE.trainVsHeldOut)}`
      : `02's comparison of ${count(a.comparePoints)} training images with as many unseen images of the training file agrees${gaps.length > 0 ? " only in part" : ""}: ${gaps.length === 0 ? `no layer's gap is relevant (the largest: ${intervalPp(largest02)})` : `training points are relevantly more saturated in ${layerList(gaps)}`}. ${link(WHERE.trainVsHeldOut)}`,
  );
  return out.join(" ");
}

/** The short answer, in markdown: a headline and five points. */
export function shortAnswer(x: AnswerInputs, rules: AnswerRules = ANSWER_RULES): string {
  validateRules(rules);
  const a = x.activations,
    t = x.train,
    b = x.bound,
    f = x.fixes,
    c = x.causal;
  const L = a.saturationTrain.length,
    top = L - 1;
  const { heavy, light } = saturationPattern(a, rules);
  const v = clause(c);
  const { rising, peakedEarly } = buildUpPattern(a, rules);
  const trainsDeep = f.trainsDeep.map((id) => f.rows.find((r) => r.id === id)?.label ?? id);
  const sigmoidTrainsDeep = f.trainsDeep.filter((id) => f.rows.find((r) => r.id === id)?.activation === "sigmoid");
  const base = fixRow(f, "baseline", f.deep);
  const on = c.onlineControl;
  const parts: string[] = [];
  const warn = shortRunWarning(x);
  if (warn) parts.push(warn, "");
  parts.push(
    `**${headline(x, rules)}** In the trained ${t.depth}-layer sigmoid network of the question (${t.depth} × ${t.width}, standard init, plain SGD, ${pct(a.testAccuracy)} test accuracy after ${a.passes} passes over each of its training images):`,
  );
  parts.push("");
  parts.push(
    `- **Near 0 or 1: ${heavy.length === 0 ? "in no layer" : heavy.length === L ? "in every layer" : "in some layers"}.** ${heavy.length > 0 ? `${capitalize(layerList(heavy))} ${heavy.length > 1 ? "have" : "has"} ${andList(heavy.map((l) => pct(a.saturationTrain[l - 1], 0)))} of ${heavy.length > 1 ? "their" : "its"} entries within ε = ${a.eps} of 0 or 1` : `No layer has ${pct(rules.heavy, 0)} of its entries within ε = ${a.eps} of 0 or 1`}` +
      `${light.length > 0 ? `; ${layerList(light)} ${light.length > 1 ? "have" : "has"} under ${pct(rules.light, 0)} (${andList(light.map((l) => pct(a.saturationTrain[l - 1])))})` : ""}. ` +
      `${a.saturationTrain.some((s) => s > 0) ? `${pct(a.lowShare, 0)} of the saturated entries sit near ${a.lowShare >= 0.5 ? "0" : "1"}. ` : ""}${link(WHERE.perLayer)}`,
  );
  const clauseTitle =
    v.answer === "Yes."
      ? "Because"
      : v.answer === "Partly."
        ? "Only in part because"
        : v.answer === "No."
          ? "Not because"
          : "No measurable effect of";
  parts.push(
    `- **${clauseTitle} gradient descent passed over $x_i$ (03's rule: ${v.answer.replace(".", "").toLowerCase()}).** ${clauseSentences(x, rules)}`,
  );
  parts.push(
    `- **Saturation without a single repeated pass${on.online.saturationPeak[top] >= rules.heavy ? "" : "? Not in this run"}.** Trained online on Shapeset-3×2 with a fresh image at every step (none seen twice, as in Glorot & Bengio's Figure 2), the top layer reached ${pct(on.online.saturationPeak[top])} saturated at its peak and ${pct(on.online.saturationEnd[top])} at the end; over ${count(on.fixedImages)} images repeated for the same ${count(on.steps)} steps, ${pct(on.repeated.saturationPeak[top])} and ${pct(on.repeated.saturationEnd[top])}. Accuracy at the end: ${pct(on.accuracy.online)} online, ${pct(on.accuracy.repeated)} repeated${Math.max(on.accuracy.online, on.accuracy.repeated) < 0.2 ? " — both still at chance, so this is the saturation of the plateau, not of a trained network" : ""}. ${link(WHERE.online)}`,
  );
  parts.push(
    `- **Over training, layer by layer.** ${rising.length > 0 ? `${capitalize(layerList(rising.map((r) => r.layer)))} ${rising.length > 1 ? "build" : "builds"} up with training (${rising.map((r) => `${pct(r.start, 0)} → ${pct(r.end, 0)}`).join(", ")}), on unseen points alike (${rising.map((r) => pct(r.endHeldOut, 0)).join(", ")} at the end)` : "No layer builds up with training"}; ` +
      `${a.topPeak.saturation === 0 ? "the top layer never had an entry within ε of 0 or 1 at any probe time" : `the top layer was most saturated (${pct(a.topPeak.saturation, 0)}) at epoch ${a.topPeak.epoch.toFixed(2)}, ${a.topPeak.heldOutAccuracy < 0.2 ? `on the plateau at chance (${pct(a.topPeak.heldOutAccuracy, 0)} held-out accuracy)` : `at ${pct(a.topPeak.heldOutAccuracy, 0)} held-out accuracy`}, and ends at ${pct(a.saturationTrain[top], 0)}`}` +
      `${peakedEarly.length > 0 ? `; ${layerList(peakedEarly.map((p) => p.layer))} peaked earlier and fell by at least ${pp(rules.buildUp, 0).replace("+", "")}` : ""}. ${link(WHERE.overTraining)}`,
  );
  parts.push(
    `- **The 1/4 argument: ${b.boundHeld ? "a true bound" : "a bound that failed here"}${b.trained.boundOverMeasured[0] > 10 ? ", and a loose one" : ""}.** $\\lVert\\delta_l\\rVert \\le \\tfrac14 \\lVert W_{l+1}\\rVert_2 \\lVert\\delta_{l+1}\\rVert$ ${b.boundHeld ? "held on every point measured" : "failed on some point (see 04)"}; at init, with ‖W‖₂ ≈ ${num(b.init.spectralNorm)}, the error shrinks ×${num(b.init.perLayer)} per layer; after training the bound overestimates ‖δ₁‖ ${num(b.trained.boundOverMeasured[0])}-fold and ‖δ₁‖/‖δ_${b.depth}‖ = ${num(b.trained.firstOverTop)}. ` +
      `${trainsDeep.length > 0 ? `At depth ${f.deep}, where the baseline reaches ${errText(base)}, ${trainsDeep.length} recipe${trainsDeep.length > 1 ? "s" : ""} train${trainsDeep.length > 1 ? "" : "s"} within the same budget${sigmoidTrainsDeep.length > 0 ? `, ${sigmoidTrainsDeep.length} of them keeping the sigmoid` : ""}.` : `At depth ${f.deep} no recipe trains within the budget.`} ${link(WHERE.measuredBound)} ${link(WHERE.fixesTable)}`,
  );
  return parts.join("\n");
}

// ------------------------------------------------------------------ the key figure (the book's index shows it)

export interface KeyFigure {
  /** Per group (never visited first), per layer: saturated share on that group's images. */
  readonly groups: readonly { readonly label: string; readonly saturation: readonly number[] }[];
  readonly layers: readonly string[];
  readonly title: string;
  readonly takeaway: string;
}

/** The dose-response at the end of training: the numbers the figure draws are the numbers its takeaway quotes. */
export function keyFigure(x: AnswerInputs): KeyFigure {
  const c = x.causal,
    L = c.depth,
    top = L - 1;
  const rows = doseRows(c);
  const v = clause(c);
  return {
    groups: rows.map((r) => ({
      label:
        r.role === "never"
          ? "never visited (k = 0)"
          : r.role === "wrong"
            ? `wrong labels, visited ${r.passes}×`
            : `visited ${r.passes}× (k = ${r.passesPerEpoch})`,
      saturation: r.saturation,
    })),
    layers: Array.from({ length: L }, (_, l) => `layer ${l + 1}`),
    title: `Saturated entries per layer (ε = ${c.doseResponse.eps}) on images visited 0 to ${v.most.passes} times: ${c.networks} networks of the question, ${c.epochs} epochs`,
    takeaway:
      `Never visited vs visited ${v.most.passes} times: layer 1 ${pct(v.never.saturation[0])} vs ${pct(v.most.saturation[0])} (${ivp(v.most.minusNeverSeen[0])}), layer ${L} ${pct(v.never.saturation[top])} vs ${pct(v.most.saturation[top])} (${ivp(v.most.minusNeverSeen[top])}); ` +
      `${v.up.length} of ${v.cells.length} group × layer differences exclude zero upward (03's rule: ${v.answer.replace(".", "").toLowerCase()}).`,
  };
}

export { claims, claimsMarkdown } from "./answer-claims";
export type { Claim, ClaimVerdict } from "./answer-claims";
export { literatureNotes } from "./answer-literature";
