/**
 * The answer to the question, assembled from the findings of notebooks
 * 01–05 (lib/findings). Every number in the text comes from a findings
 * record; the rules that turn numbers into words ("partly", "does not hold")
 * are stated here once, with their thresholds, so a reader can check them.
 */
import { andList, capitalize, intervalPp, layerList, num, pct } from "../display/text";
import type { ActivationFindings, BoundFindings, FixRow, FixesFindings, TrainFindings } from "../run/findings";
import { ConfigError } from "../core/errors";

export interface AnswerInputs {
  readonly train: TrainFindings;
  readonly activations: ActivationFindings;
  readonly bound: BoundFindings;
  readonly fixes: FixesFindings;
}

/** Thresholds of the wording. */
export interface AnswerRules {
  /** A layer is "heavily saturated" from this fraction of its entries within ε of 0 or 1. */
  readonly heavy: number;
  /** … and "almost free of saturation" below this. */
  readonly light: number;
  /** A training − held-out gap counts only when its interval excludes 0 and it is at least this share of the layer's level. */
  readonly relevantGap: number;
  /** A fix "helps" when it lowers the mean test error by at least this many percentage points. */
  readonly helpsBy: number;
}

export const ANSWER_RULES: AnswerRules = { heavy: 0.2, light: 0.05, relevantGap: 0.25, helpsBy: 5 };

export function validateRules(r: AnswerRules): void {
  const frac = (k: keyof AnswerRules) => {
    if (!(typeof r[k] === "number" && r[k] > 0 && r[k] < 1)) throw new ConfigError(k, r[k], "a fraction between 0 and 1");
  };
  frac("heavy");
  frac("light");
  frac("relevantGap");
  if (!(r.light < r.heavy)) throw new ConfigError("light", r.light, `a fraction below heavy (${r.heavy})`);
  if (!(typeof r.helpsBy === "number" && r.helpsBy > 0 && r.helpsBy < 100)) throw new ConfigError("helpsBy", r.helpsBy, "percentage points between 0 and 100");
}

// ------------------------------------------------------------------ formatting

const and = andList;
const layers = layerList;
const cap = capitalize;
const perLayer = (xs: readonly number[], digits = 1) => xs.map((x) => pct(x, digits)).join(" · ");

/** Links into the chapters (the book turns .ipynb into .html). */
export const WHERE = {
  plateau: { label: "01, the plateau", href: "01-train.ipynb#a-first-run-with-a-small-learning-rate-the-plateau" },
  perLayer: { label: "02 §2", href: "02-activations.ipynb#2-per-layer-on-the-training-points" },
  trainVsHeldOut: { label: "02 §3", href: "02-activations.ipynb#3-training-points-against-held-out-points" },
  overTraining: { label: "02 §4", href: "02-activations.ipynb#4-over-training-the-question-network-and-glorot-bengio-2010-figure-2" },
  perUnit: { label: "02 §6", href: "02-activations.ipynb#6-per-unit-stuck-or-input-dependent" },
  sensitivity: { label: "02 §8", href: "02-activations.ipynb#8-sensitivity-how-the-answer-moves-with-the-recipe" },
  derivation: { label: "04 §1–2", href: "04-bound.ipynb#1-the-derivation" },
  measuredBound: { label: "04 §4", href: "04-bound.ipynb#4-measured-errors-against-the-bound" },
  largeWeights: { label: "04 §5", href: "04-bound.ipynb#5-weights-larger-than-4-networks-with-prescribed-spectral-norms" },
  jacobian: { label: "04 §6", href: "04-bound.ipynb#6-the-jacobian-view-all-singular-values-not-just-the-largest" },
  fixesTable: { label: "05, the comparison table", href: "05-fixes.ipynb#the-comparison-table" },
  gradientFlow: { label: "05, gradient flow", href: "05-fixes.ipynb#gradient-flow-layer-by-layer" },
  fixesSaturation: { label: "05, saturation per layer", href: "05-fixes.ipynb#saturation-and-per-layer-at-the-end-of-training" },
} as const;
export type Where = (typeof WHERE)[keyof typeof WHERE];
const link = (w: Where) => `[${w.label}](${w.href})`;

// ------------------------------------------------------------------ the measured facts, named

/** Layers (1-based) heavily saturated, and almost free of saturation, on training points. */
export function saturationPattern(a: ActivationFindings, rules: AnswerRules = ANSWER_RULES): { heavy: number[]; light: number[] } {
  const idx = (f: (s: number) => boolean) => a.saturationTrain.map((s, l) => (f(s) ? l + 1 : 0)).filter((l) => l > 0);
  return { heavy: idx((s) => s >= rules.heavy), light: idx((s) => s < rules.light) };
}

/** Layers where training points are measurably and relevantly more saturated than held-out points. */
export function relevantGaps(a: ActivationFindings, rules: AnswerRules = ANSWER_RULES): number[] {
  return a.trainMinusHeldOut
    .map((g, l) => ({ g, l: l + 1, level: a.saturationTrain[l] }))
    .filter(({ g, level }) => g.low > 0 && g.diff >= rules.relevantGap * Math.max(level, 1e-12))
    .map(({ l }) => l);
}

export function fixRow(f: FixesFindings, id: string, depth: number): FixRow | null {
  return f.rows.find((r) => r.id === id && r.depth === depth) ?? null;
}

const errText = (r: FixRow | null) =>
  r === null ? "not run" : r.diverged === r.runs ? `diverged (${r.runs} runs)` : `${r.testErrorPercent.toFixed(1)}${r.runs > 1 ? ` ± ${r.testErrorStd.toFixed(1)}` : ""}% test error`;

// ------------------------------------------------------------------ the answer

/** The top layer was most saturated on the plateau (held-out accuracy under 20%) and ends at under half that. */
export function plateauPeak(a: ActivationFindings): boolean {
  return a.topPeak.heldOutAccuracy < 0.2 && a.saturationTrain[a.saturationTrain.length - 1] < a.topPeak.saturation / 2;
}

export type Headline = "Yes." | "Partly." | "Partly, and not for the stated reason." | "No.";

export function headline(x: AnswerInputs, rules: AnswerRules = ANSWER_RULES): Headline {
  const { heavy } = saturationPattern(x.activations, rules);
  const causal = relevantGaps(x.activations, rules).length > 0;
  if (heavy.length === 0) return "No.";
  if (!causal) return "Partly, and not for the stated reason.";
  return heavy.length === x.activations.saturationTrain.length ? "Yes." : "Partly.";
}

/** A short run (e.g. the quick profile) does not describe a trained network: say so before anything else. */
export function shortRunWarning(x: AnswerInputs): string | null {
  if (x.train.testAccuracy >= 0.5 && x.activations.testAccuracy >= 0.5) return null;
  return `*These findings come from short runs (test accuracy ${pct(x.activations.testAccuracy)} in 02), such as the quick profile: they describe a network that has not learned yet. Run the book with the default parameters (\`npm start\`) for the trained network of the question.*`;
}

/** What the memorising network (ten times the passes over a tenth of the images) adds, in one sentence. */
function memorisingSentence(a: ActivationFindings): string {
  if (a.memorising.length === 0) return "";
  const detected = a.memorising.filter((m) => m.gapTop.low > 0).length;
  const gaps = a.memorising.map((m) => intervalPp(m.gapTop)).join("; ");
  const what = "a network made to memorise (ten times the passes over a tenth of the images, training accuracy " + and([...new Set(a.memorising.map((m) => pct(m.train, 0)))]) + ")";
  return detected === 0
    ? `Even ${what} shows no detectable top-layer gap: ${gaps}. `
    : `Only ${what} shows a small top-layer gap${detected < a.memorising.length ? ` in ${detected} of ${a.memorising.length} seeds` : ""}: ${gaps}, against ${pct(a.saturationTrain[a.saturationTrain.length - 1], 0)} saturated in the question network's top layer. `;
}

/** The short answer, in markdown: a headline and four sentences. */
export function shortAnswer(x: AnswerInputs, rules: AnswerRules = ANSWER_RULES): string {
  validateRules(rules);
  const a = x.activations, t = x.train, b = x.bound, f = x.fixes;
  const { heavy, light } = saturationPattern(a, rules);
  const gaps = relevantGaps(a, rules);
  const detectable = a.trainMinusHeldOut.filter((g) => g.low > 0 || g.high < 0).length;
  const largest = a.trainMinusHeldOut.reduce((m, g) => (Math.abs(g.diff) > Math.abs(m.diff) ? g : m), a.trainMinusHeldOut[0]);
  const trainsDeep = f.trainsDeep.map((id) => f.rows.find((r) => r.id === id)?.label ?? id);
  const sigmoidTrainsDeep = f.trainsDeep.filter((id) => f.rows.find((r) => r.id === id)?.activation === "sigmoid");
  const base = fixRow(f, "baseline", f.deep);
  const parts: string[] = [];
  const warn = shortRunWarning(x);
  if (warn) parts.push(warn, "");
  parts.push(`**${headline(x, rules)}** In the trained ${t.depth}-layer sigmoid network of the question (${t.depth} × ${t.width}, standard init, plain SGD, ${pct(a.testAccuracy)} test accuracy after ${a.passes} passes over each MNIST training image):`);
  parts.push("");
  parts.push(
    `- **Near 0 or 1: ${heavy.length === 0 ? "in no layer" : heavy.length === a.saturationTrain.length ? "in every layer" : "in some layers"}.** ${heavy.length > 0 ? `${cap(layers(heavy))} ${heavy.length > 1 ? "have" : "has"} ${and(heavy.map((l) => pct(a.saturationTrain[l - 1], 0)))} of ${heavy.length > 1 ? "their" : "its"} entries within ε = ${a.eps} of 0 or 1` : `No layer has ${pct(rules.heavy, 0)} of its entries within ε = ${a.eps} of 0 or 1`}` +
      `${light.length > 0 ? `; ${layers(light)} ${light.length > 1 ? "have" : "has"} under ${pct(rules.light, 0)} (${and(light.map((l) => pct(a.saturationTrain[l - 1])))})` : ""}. ` +
      `${a.saturationTrain.some((x) => x > 0) ? `${pct(a.lowShare, 0)} of the saturated entries sit near ${a.lowShare >= 0.5 ? "0" : "1"}. ` : ""}${link(WHERE.perLayer)}`,
  );
  parts.push(
    `- **${gaps.length === 0 ? "Not because" : gaps.length === a.trainMinusHeldOut.length ? "Because" : "Only in part because"} gradient descent passed over $x_i$.** Held-out points are saturated ${gaps.length === 0 ? "alike" : "less"}: ${detectable === 0 ? `no layer's training − held-out difference is detectable (95% intervals on ${a.comparePoints.toLocaleString("en")} + ${a.comparePoints.toLocaleString("en")} points; the largest is ${intervalPp(largest)})` : `the largest training − held-out difference is ${intervalPp(largest)} (${a.comparePoints.toLocaleString("en")} points per set), ${gaps.length === 0 ? `at most ${pct(a.maxRelativeGap, 0)} of the layer's saturation level` : `relevant in ${layers(gaps)}`}`}. ` +
      `${memorisingSentence(a)}${link(WHERE.trainVsHeldOut)}`,
  );
  parts.push(
    `- **${plateauPeak(a) ? "Saturation is not the end state of many passes" : "Saturation and training time"}.** ${a.topPeak.saturation === 0 ? "The top layer never had an entry within ε of 0 or 1 at any probe time of this run" : `The top layer was most saturated (${pct(a.topPeak.saturation, 0)} of its entries) at epoch ${a.topPeak.epoch.toFixed(2)}, ${a.topPeak.heldOutAccuracy < 0.2 ? `when the network still predicted at chance (${pct(a.topPeak.heldOutAccuracy, 0)} held-out accuracy): Glorot & Bengio's plateau` : `at ${pct(a.topPeak.heldOutAccuracy, 0)} held-out accuracy`}`}; the recipe (init, learning rate, depth, activation, length) moves the most saturated layer between ${pct(a.sweep.maxLayerMin, 0)} and ${pct(a.sweep.maxLayerMax, 0)} across ${a.sweep.runs} runs. ${link(WHERE.overTraining)} ${link(WHERE.sensitivity)}`,
  );
  parts.push(
    `- **The 1/4 argument: ${b.boundHeld ? "a true bound" : "a bound that failed here"}${b.trained.boundOverMeasured[0] > 10 ? ", and a loose one" : ""}.** $\\lVert\\delta_l\\rVert \\le \\tfrac14 \\lVert W_{l+1}\\rVert_2 \\lVert\\delta_{l+1}\\rVert$ ${b.boundHeld ? "held on every point measured" : "failed on some point (see 04)"}; at init, with ‖W‖₂ ≈ ${num(b.init.spectralNorm)}, the error shrinks ×${num(b.init.perLayer)} per layer; after training the bound overestimates ‖δ₁‖ ${num(b.trained.boundOverMeasured[0])}-fold and ‖δ₁‖/‖δ_${b.depth}‖ = ${num(b.trained.firstOverTop)}. ` +
      `${trainsDeep.length > 0 ? `At depth ${f.deep}, where the baseline reaches ${errText(base)}, ${trainsDeep.length} recipe${trainsDeep.length > 1 ? "s" : ""} train${trainsDeep.length > 1 ? "" : "s"} within the same budget${sigmoidTrainsDeep.length > 0 ? `, ${sigmoidTrainsDeep.length} of them keeping the sigmoid` : ""}.` : `At depth ${f.deep} no recipe trains within the budget.`} ${link(WHERE.measuredBound)} ${link(WHERE.fixesTable)}`,
  );
  return parts.join("\n");
}

// ------------------------------------------------------------------ the popular answer, point by point

export type ClaimVerdict = "holds" | "partly holds" | "does not hold" | "not measured";

export interface Claim {
  readonly claim: string;
  /** What we measured, in markdown, numbers from the findings. */
  readonly measured: string;
  readonly verdict: ClaimVerdict;
  readonly where: readonly Where[];
}

export function claims(x: AnswerInputs, rules: AnswerRules = ANSWER_RULES): Claim[] {
  validateRules(rules);
  const a = x.activations, t = x.train, b = x.bound, f = x.fixes;
  const { heavy } = saturationPattern(a, rules);
  const gaps = relevantGaps(a, rules);
  const D = f.deep;
  const base = fixRow(f, "baseline", D), baseS = fixRow(f, "baseline", f.shallow);
  const better = (r: FixRow | null, than: FixRow | null) => r !== null && than !== null && r.diverged < r.runs && than.testErrorPercent - r.testErrorPercent >= rules.helpsBy;
  const out: Claim[] = [];

  out.push({
    claim: "On a trained network, the hidden entries of a training point are very close to 0 or 1.",
    measured: `Saturated (within ${a.eps} of 0 or 1) per layer, training points: ${perLayer(a.saturationTrain)}.`,
    verdict: heavy.length === a.saturationTrain.length ? "holds" : heavy.length > 0 ? "partly holds" : "does not hold",
    where: [WHERE.perLayer, WHERE.perUnit],
  });
  out.push({
    claim: "…because gradient descent passed over $x_i$ many times.",
    measured: `Held-out points: ${perLayer(a.saturationHeldOut)}. Training − held-out per layer: ${a.trainMinusHeldOut.map(intervalPp).join("; ")}.` +
      (a.memorising.length > 0 ? ` Memorising network, top layer: ${a.memorising.map((m) => `${intervalPp(m.gapTop)} (train/test accuracy ${pct(m.train, 0)}/${pct(m.test, 0)})`).join("; ")}.` : ""),
    verdict: gaps.length === 0 ? "does not hold" : gaps.length === a.trainMinusHeldOut.length ? "holds" : "partly holds",
    where: [WHERE.trainVsHeldOut, WHERE.sensitivity],
  });
  out.push({
    claim: "Saturation builds up as training goes on.",
    measured: `The top layer peaked at ${pct(a.topPeak.saturation, 0)} saturated at epoch ${a.topPeak.epoch.toFixed(2)} (held-out accuracy ${pct(a.topPeak.heldOutAccuracy, 0)}) and ends at ${pct(a.saturationTrain[a.saturationTrain.length - 1], 1)}; its mean activation fell to ${num(t.topLayerMinMean)} on the plateau.`,
    verdict: plateauPeak(a) ? "does not hold" : "partly holds",
    where: [WHERE.plateau, WHERE.overTraining],
  });
  out.push({
    claim: "σ′(z) = σ(z)(1−σ(z)) ≤ 1/4.",
    measured: `Checked on ${b.derivativeCheck.points.toLocaleString("en")} points; autodiff agrees with σ(1−σ) to ${num(b.derivativeCheck.maxError)}.`,
    verdict: "holds",
    where: [WHERE.derivation],
  });
  out.push({
    claim: "So the error shrinks at least 4× per layer while the weights are below 4, and gradients vanish with depth.",
    measured: `The bound $\\lVert\\delta_l\\rVert \\le \\tfrac14 \\lVert W_{l+1}\\rVert_2 \\lVert\\delta_{l+1}\\rVert$ ${b.boundHeld ? "held on every point and layer" : "failed somewhere (see 04)"}. At init: ×${num(b.init.perLayer)} per layer, ‖δ₁‖/‖δ_out‖ = ${num(b.init.firstOverOutput)} (depth ${b.depth}), ${num(b.init.deepFirstOverOutput)} (depth ${b.init.deepDepth}). Trained: ‖δ₁‖/‖δ_${b.depth}‖ = ${num(b.trained.firstOverTop)}, the chained bound ${num(b.trained.boundOverMeasured[0])}× too high at layer 1; ‖W‖₂ ${num(b.trained.spectralNormMin)}–${num(b.trained.spectralNormMax)}, no entry above ${num(b.trained.maxEntry)}.`,
    verdict: b.boundHeld && b.init.perLayer < 1 && b.trained.firstOverTop < 0.1 ? "holds" : b.boundHeld && b.init.perLayer < 1 ? "partly holds" : "does not hold",
    where: [WHERE.measuredBound],
  });
  out.push({
    claim: "Weights larger than 4 are no way out: the units saturate and the gradient vanishes anyway.",
    measured: `Orthogonal weights with ‖W‖₂ = ${b.largeWeights.gain}, depth ${b.largeWeights.depth}: ${pct(b.largeWeights.saturation, 0)} of entries saturated, mean σ′ ${num(b.largeWeights.meanDerivative)}, yet ‖δ₁‖/‖δ_L‖ = ${num(b.largeWeights.firstOverTop)}${Number.isFinite(b.largeWeights.crossOverGain) ? `; the shrinking stops near ‖W‖₂ ≈ ${num(b.largeWeights.crossOverGain)}` : ""}.`,
    verdict: b.largeWeights.saturation >= 0.5 && b.largeWeights.firstOverTop < 1 ? "holds" : b.largeWeights.saturation >= 0.5 ? "partly holds" : "does not hold",
    where: [WHERE.largeWeights],
  });
  const lsuv = fixRow(f, "lsuv", D), lsuvS = fixRow(f, "lsuv", f.shallow);
  out.push({
    claim: "Better initialisation such as LSUV (Mishkin & Matas 2016) does not rescue the deep sigmoid net.",
    measured: `LSUV at depth ${D}: ${errText(lsuv)}; at depth ${f.shallow}: ${errText(lsuvS)} (baseline ${errText(base)} and ${errText(baseS)}). Normalized init at depth ${D}: ${errText(fixRow(f, "normalized", D))}; orthogonal at the isometry gain: ${errText(fixRow(f, "orthogonal-isometry", D))}.`,
    verdict: lsuv === null ? "not measured" : f.failsDeep.includes("lsuv") ? (f.trainsDeep.some((id) => ["normalized", "orthogonal-isometry"].includes(id)) ? "partly holds" : "holds") : f.trainsDeep.includes("lsuv") ? "does not hold" : "partly holds",
    where: [WHERE.fixesTable],
  });
  const r4 = fixRow(f, "layer-rates-4x", D), rEq = fixRow(f, "layer-rates-eq", D);
  const helps = [r4, rEq].filter((r) => better(r, base));
  out.push({
    claim: "Per-layer learning rates (after Xu et al. 2016) help.",
    measured: `At depth ${D}: rates 4^(L−l) ${errText(r4)}, rates equalising update:data ${errText(rEq)}, baseline ${errText(base)}.`,
    verdict: r4 === null && rEq === null ? "not measured" : helps.length === 2 ? "holds" : helps.length === 1 ? "partly holds" : "does not hold",
    where: [WHERE.fixesTable, WHERE.gradientFlow],
  });
  const relu = fixRow(f, "relu-he", D);
  const sigmoidDeep = f.trainsDeep.filter((id) => f.rows.find((r) => r.id === id)?.activation === "sigmoid");
  out.push({
    claim: "In the end ReLU solved it.",
    measured: `ReLU with He init at depth ${D}: ${errText(relu)}. Recipes that also train at depth ${D} and keep the sigmoid: ${sigmoidDeep.length > 0 ? sigmoidDeep.map((id) => `${f.rows.find((r) => r.id === id)!.label} (${errText(fixRow(f, id, D))})`).join("; ") : "none"}.`,
    verdict: relu === null ? "not measured" : !f.trainsDeep.includes("relu-he") ? "does not hold" : sigmoidDeep.length > 0 ? "partly holds" : "holds",
    where: [WHERE.fixesTable, WHERE.fixesSaturation],
  });
  return out;
}

// ------------------------------------------------------------------ the literature, against our numbers

/** One bullet per line of work: what it predicts for the question, and what this run measured. */
export function literatureNotes(x: AnswerInputs, rules: AnswerRules = ANSWER_RULES): string[] {
  validateRules(rules);
  const a = x.activations, t = x.train, b = x.bound, f = x.fixes;
  const D = f.deep;
  const plateau = a.topPeak.saturation >= rules.heavy && a.topPeak.heldOutAccuracy < 0.2;
  const gaps = relevantGaps(a, rules);
  const at = (id: string) => fixRow(f, id, D);
  const ratio = (id: string) => (at(id) ? num(at(id)!.gradRatioInit) : "—");
  const iso = b.isometry;
  return [
    `- *Glorot & Bengio (2010):* ${plateau ? "as they found, the top layer saturated on the plateau" : "their plateau saturation did not show in this run"}: it peaked at ${pct(a.topPeak.saturation, 0)} of its entries at epoch ${a.topPeak.epoch.toFixed(2)} (held-out accuracy ${pct(a.topPeak.heldOutAccuracy, 0)}), and its mean activation fell to ${num(t.topLayerMinMean)} (${link(WHERE.plateau)}). Our test error after ${t.epochs} epochs, ${(100 * (1 - t.testAccuracy)).toFixed(2)}%, against their ${t.glorotBengioSigmoidErrorPercent}% with 1000-unit layers trained to convergence.`,
    `- *Saxe et al. (2018):* if saturation comes from the weights and the activation, held-out points saturate as much as training points. ${gaps.length === 0 ? `That is what we see: no layer's training − held-out gap is relevant (the key figure above)` : `Not quite what we see: training points are relevantly more saturated in ${layers(gaps)}`}; the recipe moves the most saturated layer over ${pct(a.sweep.maxLayerMin, 0)}–${pct(a.sweep.maxLayerMax, 0)} (${link(WHERE.sensitivity)}).`,
    `- *Pennington et al. (2017):* at depth ${iso.depth}, orthogonal weights at gain ${num(iso.gain)} with centred biases spread the Jacobian's singular values over ${num(iso.spreadCentred)} decades (std of log10), against ${num(iso.spreadZeroBias)} with zero biases and ${num(iso.spreadStandard)} with the standard init (${link(WHERE.jacobian)}). Trained at depth ${D} (05): orthogonal at the isometry gain ${errText(at("orthogonal-isometry"))}, batch norm ${errText(at("batchnorm"))}, baseline ${errText(at("baseline"))}.`,
    `- *Bengio, Simard & Frasconi (1994); LeCun et al. (1998):* the product of layer Jacobians decides. At init the question's network loses the error ×${num(b.init.perLayer)} per layer (‖W‖₂ ≈ ${num(b.init.spectralNorm)}); at depth ${D}, ‖δ₁‖/‖δ_L‖ at init is ${ratio("baseline")} for the baseline, ${ratio("normalized")} with the normalized init and ${ratio("lecun-tanh")} with LeCun's recipe (${link(WHERE.gradientFlow)}).`,
  ];
}

/** The claims as a markdown table (links render in Jupyter and in the book). */
export function claimsMarkdown(cs: readonly Claim[]): string {
  const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");
  return [
    "| The popular answer says | What we measured | Verdict | Where |",
    "|---|---|---|---|",
    ...cs.map((c) => `| ${cell(c.claim)} | ${cell(c.measured)} | **${c.verdict}** | ${c.where.map(link).join(", ")} |`),
  ].join("\n");
}
