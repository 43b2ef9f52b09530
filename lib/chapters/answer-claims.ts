/**
 * Chapter: notebook 06-answer — the popular answer, point by point, against
 * the findings of 01–05. Each verdict is a rule on recorded numbers
 * (thresholds in ANSWER_RULES, the causal clause by 03's causalVerdict);
 * test/answer.test.ts flips each one with synthetic findings.
 */
import { intervalPp, layerList, num, pct } from "../display/text";
import type { FixRow } from "../run/findings";
import {
  ANSWER_RULES,
  AnswerInputs,
  AnswerRules,
  WHERE,
  Where,
  buildUpPattern,
  clause,
  errText,
  fixRow,
  ivp,
  link,
  saturationPattern,
  validateRules,
} from "./answer";

export type ClaimVerdict = "holds" | "partly holds" | "does not hold" | "not detected" | "not measured";

export interface Claim {
  readonly claim: string;
  /** What we measured, in markdown, numbers from the findings. */
  readonly measured: string;
  readonly verdict: ClaimVerdict;
  readonly where: readonly Where[];
}

const perLayer = (xs: readonly number[], digits = 1) => xs.map((x) => pct(x, digits)).join(" · ");

export function claims(x: AnswerInputs, rules: AnswerRules = ANSWER_RULES): Claim[] {
  validateRules(rules);
  const a = x.activations,
    t = x.train,
    b = x.bound,
    f = x.fixes,
    c = x.causal;
  const { heavy } = saturationPattern(a, rules);
  const v = clause(c);
  const L = a.saturationTrain.length;
  const D = f.deep;
  const base = fixRow(f, "baseline", D),
    baseS = fixRow(f, "baseline", f.shallow);
  const better = (r: FixRow | null, than: FixRow | null) =>
    r !== null && than !== null && r.diverged < r.runs && than.testErrorPercent - r.testErrorPercent >= rules.helpsBy;
  const out: Claim[] = [];

  out.push({
    claim: "On a trained network, the hidden entries of a training point are very close to 0 or 1.",
    measured: `Saturated (within ${a.eps} of 0 or 1) per layer, training points: ${perLayer(a.saturationTrain)}.`,
    verdict: heavy.length === L ? "holds" : heavy.length > 0 ? "partly holds" : "does not hold",
    where: [WHERE.perLayer, WHERE.perUnit],
  });
  out.push({
    claim: "…because gradient descent passed over $x_i$ many times.",
    measured:
      `Visited ${v.most.passes} times − never visited, same file, same networks: ${v.most.minusNeverSeen.map((d, l) => `layer ${l + 1} ${ivp(d)}`).join("; ")}; ${v.up.length} of ${v.cells.length} group × layer differences exclude zero upward; detectable (80%) per visit per epoch: ${c.detectable.minimumDetectable80.map((m) => (100 * m).toFixed(2)).join(", ")} pp. ` +
      `Swap: ${c.swap.map((d, l) => `layer ${l + 1} ${ivp(d)}`).join("; ")}. 02, training − unseen (${a.comparePoints.toLocaleString("en")} each): ${a.trainMinusHeldOut.map((d) => intervalPp(d)).join("; ")}.`,
    verdict:
      v.answer === "Yes."
        ? "holds"
        : v.answer === "Partly."
          ? "partly holds"
          : v.answer === "No."
            ? "does not hold"
            : "not detected",
    where: [WHERE.dose, WHERE.swap, WHERE.trainVsHeldOut],
  });
  const { rising, peakedEarly } = buildUpPattern(a, rules);
  out.push({
    claim: "Saturation builds up as training goes on.",
    measured:
      `Per layer, start → end of the question run (training points; unseen at the end): ${a.buildUp.map((u) => `layer ${u.layer} ${pct(u.start, 0)} → ${pct(u.end, 0)} (${pct(u.endHeldOut, 0)}), ${u.trend}`).join("; ")}. ` +
      `The top layer peaked at ${pct(a.topPeak.saturation, 0)} at epoch ${a.topPeak.epoch.toFixed(2)} (held-out accuracy ${pct(a.topPeak.heldOutAccuracy, 0)}); in 01's main run (η = ${t.learningRate}) its mean activation fell to ${num(t.topLayerMinMean)} on the plateau.`,
    verdict: rising.length === L ? "holds" : rising.length > 0 ? "partly holds" : "does not hold",
    where: [WHERE.overTraining, WHERE.mainRun],
  });
  if (peakedEarly.length > 0 && rising.length > 0)
    out[out.length - 1] = {
      ...out[out.length - 1],
      measured:
        out[out.length - 1].measured +
        ` Builds up: ${layerList(rising.map((r) => r.layer))}; peaked earlier and fell: ${layerList(peakedEarly.map((p) => p.layer))}.`,
    };
  out.push({
    claim: "σ′(z) = σ(z)(1−σ(z)) ≤ 1/4.",
    measured: `Checked on ${b.derivativeCheck.points.toLocaleString("en")} points; autodiff agrees with σ(1−σ) to ${num(b.derivativeCheck.maxError)}.`,
    verdict: "holds",
    where: [WHERE.derivation],
  });
  out.push({
    claim:
      "So if the weights are below 4 the error shrinks while flowing backward, and it gets worse with every layer: gradients vanish with depth.",
    measured: `The bound $\\lVert\\delta_l\\rVert \\le \\tfrac14 \\lVert W_{l+1}\\rVert_2 \\lVert\\delta_{l+1}\\rVert$ ${b.boundHeld ? "held on every point and layer" : "failed somewhere (see 04)"}; its factor per layer, ¼‖W‖₂, is below 1 (the error must shrink) whenever ‖W‖₂ < 4, and at most ¼ (a shrink of at least 4×) only when ‖W‖₂ ≤ 1 — "weights below 4" means ‖W‖₂, a whole matrix. At init ‖W‖₂ ≈ ${num(b.init.spectralNorm)}, so the bound allows ×${num(b.init.spectralNorm / 4)} per layer; measured: ×${num(b.init.perLayer)} per layer, ‖δ₁‖/‖δ_out‖ = ${num(b.init.firstOverOutput)} (depth ${b.depth}), ${num(b.init.deepFirstOverOutput)} (depth ${b.init.deepDepth}). Trained: ‖δ₁‖/‖δ_${b.depth}‖ = ${num(b.trained.firstOverTop)}, the chained bound ${num(b.trained.boundOverMeasured[0])}× too high at layer 1; ‖W‖₂ ${num(b.trained.spectralNormMin)}–${num(b.trained.spectralNormMax)}, no entry above ${num(b.trained.maxEntry)}.`,
    verdict:
      b.boundHeld && b.init.perLayer < 1 && b.trained.firstOverTop < 0.1
        ? "holds"
        : b.boundHeld && b.init.perLayer < 1
          ? "partly holds"
          : "does not hold",
    where: [WHERE.measuredBound],
  });
  const lw = b.largeWeights;
  out.push({
    claim: "Weights larger than 4 are no way out: the units saturate and the gradient vanishes anyway.",
    measured:
      `Measured at initialisation only (${lw.setting}): with ‖W‖₂ = ${lw.gain}, depth ${lw.depth}, ${pct(lw.saturation, 0)} of entries saturated, mean σ′ ${num(lw.meanDerivative)}, yet ‖δ₁‖/‖δ_L‖ = ${num(lw.firstOverTop)}` +
      `${Number.isFinite(lw.crossOverGain) ? `; the shrinking stops near ‖W‖₂ ≈ ${num(lw.crossOverGain)}` : ""}${Number.isFinite(lw.chiCrossGain) ? `, where the mean-field χ₁ = g²·E[σ′(z)²] crosses 1 near g ≈ ${num(lw.chiCrossGain)} (the order-to-chaos transition of Poole et al. 2016)` : ""}. Trained networks were not tested this way.`,
    verdict:
      lw.saturation >= 0.5 && lw.firstOverTop < 1 ? "holds" : lw.saturation >= 0.5 ? "partly holds" : "does not hold",
    where: [WHERE.largeWeights],
  });
  const lsuv = fixRow(f, "lsuv", D),
    lsuvS = fixRow(f, "lsuv", f.shallow);
  out.push({
    claim: "Better initialisation such as LSUV (Mishkin & Matas 2016) does not rescue the deep sigmoid net.",
    measured: `LSUV at depth ${D}: ${errText(lsuv)}; at depth ${f.shallow}: ${errText(lsuvS)} (baseline ${errText(base)} and ${errText(baseS)}). Normalized init (on the sigmoid: our extension of Glorot & Bengio's eq. 16) at depth ${D}: ${errText(fixRow(f, "normalized", D))}; orthogonal at the isometry gain with centred biases (our construction): ${errText(fixRow(f, "orthogonal-isometry", D))}.`,
    verdict:
      lsuv === null
        ? "not measured"
        : f.failsDeep.includes("lsuv")
          ? f.trainsDeep.some((id) => ["normalized", "orthogonal-isometry"].includes(id))
            ? "partly holds"
            : "holds"
          : f.trainsDeep.includes("lsuv")
            ? "does not hold"
            : "partly holds",
    where: [WHERE.fixesTable],
  });
  // Per-layer rates, judged at every depth 05 ran (issue 18, item 11): holds when both rules beat the baseline by
  // helpsBy at every depth, partly when some rule does at some depth.
  const rateDepths = [f.shallow, D].map((d) => {
    const r4 = fixRow(f, "layer-rates-4x", d),
      rEq = fixRow(f, "layer-rates-eq", d),
      b0 = fixRow(f, "baseline", d);
    const named = [
      { name: "4^(L−l)", row: r4 },
      { name: "equalising update:data", row: rEq },
    ];
    const helps = named.filter((x) => better(x.row, b0));
    const said = helps.length === 2 ? "both beat" : helps.length === 1 ? `${helps[0].name} beats` : "neither beats";
    return {
      ran: r4 !== null || rEq !== null,
      helps: helps.length,
      text: `depth ${d}: rates 4^(L−l) ${errText(r4)}, rates equalising update:data ${errText(rEq)}, baseline ${errText(b0)} — ${said} the baseline by ${rules.helpsBy} pp or more`,
    };
  });
  const rated = rateDepths.filter((x) => x.ran);
  out.push({
    claim: "Per-layer learning rates (after Xu et al. 2016) help.",
    measured: `Judged at each depth: ${rateDepths.map((x) => x.text).join("; ")}.`,
    verdict:
      rated.length === 0
        ? "not measured"
        : rated.every((x) => x.helps === 2) && rated.length === rateDepths.length
          ? "holds"
          : rated.some((x) => x.helps > 0)
            ? "partly holds"
            : "does not hold",
    where: [WHERE.fixesTable, WHERE.gradientFlow],
  });
  const relu = fixRow(f, "relu-he", D);
  const sigmoidDeep = f.trainsDeep.filter((id) => f.rows.find((r) => r.id === id)?.activation === "sigmoid");
  out.push({
    claim: "In the end ReLU solved it.",
    measured: `ReLU with He init at depth ${D}: ${errText(relu)}. Recipes that also train at depth ${D}${f.trainsBelowErrorPercent !== undefined ? ` (05's one meaning of "trains": mean test error ≤ ${f.trainsBelowErrorPercent}%, no run diverged)` : ""} and keep the sigmoid: ${sigmoidDeep.length > 0 ? sigmoidDeep.map((id) => `${f.rows.find((r) => r.id === id)!.label} (${errText(fixRow(f, id, D))})`).join("; ") : "none"}.`,
    verdict:
      relu === null
        ? "not measured"
        : !f.trainsDeep.includes("relu-he")
          ? "does not hold"
          : sigmoidDeep.length > 0
            ? "partly holds"
            : "holds",
    where: [WHERE.fixesTable, WHERE.fixesSaturation],
  });
  return out;
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
