/**
 * Chapter: notebook 06-answer — the literature that asked the question,
 * each line of work with what it predicts and what this run measured. The
 * papers' claims are paraphrased in the notebook's markdown (quoted where
 * exact words matter); every number here comes from the findings.
 */
import { layerList, num, pct } from "../display/text";
import {
  ANSWER_RULES,
  AnswerInputs,
  AnswerRules,
  WHERE,
  buildUpPattern,
  clause,
  errText,
  fixRow,
  ivp,
  link,
  relevantGaps,
  validateRules,
} from "./answer";

const norm = (w: readonly number[]) => Math.sqrt(w.reduce((s, x) => s + x * x, 0));

/** Per loss of 03's mechanism run: how much the weights grew and how the top layer's saturation on unseen images moved. */
export function weightsAndSaturation(
  x: AnswerInputs,
): { loss: string; growth: number; unseenChange: number; gapChange: number }[] {
  const top = x.causal.depth - 1;
  return x.causal.mechanism.map((m) => ({
    loss: m.loss,
    growth: norm(m.weightNormsEnd) / norm(m.weightNormsStart),
    unseenChange: m.saturationUnseen[top] - m.saturationUnseenStart[top],
    gapChange:
      m.saturationTrained[top] -
      m.saturationUnseen[top] -
      (m.saturationTrainedStart[top] - m.saturationUnseenStart[top]),
  }));
}

/** One bullet per line of work: what it predicts for the question, and what this run measured. */
export function literatureNotes(x: AnswerInputs, rules: AnswerRules = ANSWER_RULES): string[] {
  validateRules(rules);
  const a = x.activations,
    t = x.train,
    b = x.bound,
    f = x.fixes,
    c = x.causal;
  const D = f.deep,
    top = c.depth - 1,
    L = c.depth;
  const plateau = a.topPeak.saturation >= rules.heavy && a.topPeak.heldOutAccuracy < 0.2;
  const gaps = relevantGaps(a, rules);
  const v = clause(c);
  const on = c.onlineControl;
  const { rising } = buildUpPattern(a, rules);
  const late = a.buildUp.filter((u) => u.trend === "rising");
  const mech = weightsAndSaturation(x);
  const follows = mech.filter(
    (m) => Math.sign(Math.log(m.growth)) === Math.sign(m.unseenChange) || Math.abs(m.unseenChange) < 0.005,
  );
  const at = (id: string) => fixRow(f, id, D);
  const ratio = (id: string) => (at(id) ? num(at(id)!.gradRatioInit) : "—");
  const iso = b.isometry;
  const notes = [
    `- *Glorot & Bengio (2010)* measured their Figure 2 online: every Shapeset-3×2 example seen once. ${on.online.saturationPeak[top] >= rules.heavy ? "So does our online control, and it saturates too" : "Our online control saturates little in this run"}: the top layer peaked at ${pct(on.online.saturationPeak[top])} with no image seen twice (accuracy ${pct(on.accuracy.online)} at the end), against ${pct(on.repeated.saturationPeak[top])} over ${on.fixedImages.toLocaleString("en")} images repeated (${link(WHERE.online)}). ` +
      `On MNIST ${plateau ? "the top layer saturated on the plateau, as in their figure" : "their plateau saturation did not show in this run"}: it peaked at ${pct(a.topPeak.saturation, 0)} of its entries at epoch ${a.topPeak.epoch.toFixed(2)} (held-out accuracy ${pct(a.topPeak.heldOutAccuracy, 0)}), its mean activation down to ${num(t.topLayerMinMean)} in 01's main run, η = ${t.learningRate} (${link(WHERE.mainRun)}). Our test error after ${t.epochs} epochs, ${(100 * (1 - t.testAccuracy)).toFixed(2)}%, against their ${t.glorotBengioSigmoidErrorPercent}% on MNIST with 1000-unit layers.`,
    `- *Shwartz-Ziv & Tishby (2017)* describe two phases of SGD: a short one that fits the labels, then a long "compression" phase, which they tie to SGD's diffusion-like late regime, in which the hidden layers' mutual information with the input falls. In their tanh networks that compression shows as units moving towards their asymptotes (Saxe et al. 2018, next line). If the passes over the training points drove it, training points would saturate more than unseen ones late in training. ` +
      `Here ${late.length > 0 ? `${layerList(late.map((u) => u.layer))} ${late.length > 1 ? "are" : "is"} still rising at the end (${late.map((u) => `${pct(u.end, 0)} on training points, ${pct(u.endHeldOut, 0)} on unseen ones`).join("; ")})` : "no layer is still rising at the end"}, and the visits leave ${v.up.length === 0 ? "no measurable mark" : `a mark in ${v.up.length} of ${v.cells.length} group × layer cells`} (${link(WHERE.dose)}).`,
    `- *Saxe et al. (2018)* traced that compression to double-sided saturation as the weights grow (tanh), found it also under full-batch training, and not with ReLU: it is a property of the weights and the activation, on every input. ` +
      `${gaps.length === 0 && v.up.length === 0 ? "Our measurements agree" : "Our measurements agree only in part"}: unseen points saturate like trained ones (02 ${gaps.length === 0 ? "finds no relevant gap" : `finds relevant gaps in ${layerList(gaps)}`}; 03's rule says ${v.answer.replace(".", "").toLowerCase()}); ` +
      `and over ${c.mechanism[0]?.epochs ?? 0} more epochs on a subset, ${mech.map((m) => `${m.loss}: weights ×${m.growth.toFixed(2)}, unseen top layer ${m.unseenChange >= 0 ? "+" : "−"}${Math.abs(100 * m.unseenChange).toFixed(1)} pp`).join("; ")} — the unseen images' saturation follows the weights in ${follows.length} of ${mech.length} losses (${link(WHERE.mechanism)}).`,
  ];
  if (v.wrong) {
    notes.push(
      `- *Zhang et al. (2017)* and *Arpit et al. (2017)* showed that networks fit labels that carry no signal by memorising them, and that real data is fitted first. Our ${v.wrong.n.toLocaleString("en")} wrong-label images were fitted to ${pct(v.wrong.accuracy)} of their wrong labels after ${v.wrong.passes} visits each; memorisation left ${v.wrong.minusNeverSeen.some((d) => d.low > 0) ? `a measurable rise in ${layerList(v.wrong.minusNeverSeen.map((d, l) => (d.low > 0 ? l + 1 : 0)).filter((l) => l > 0))}` : "no measurable rise in any layer"} (top layer ${ivp(v.wrong.minusNeverSeen[top])}) (${link(WHERE.dose)}).`,
    );
  }
  notes.push(
    `- *Pennington, Schoenholz & Ganguli (2017)* reach dynamical isometry with odd, tanh-like units. By 04's rule (ISOMETRY_RULES), the logistic σ with zero biases at gain ${num(iso.gainZeroBias)} is ${iso.criticalZeroBias ? "critical" : "not critical"} and ${iso.nearIsometryZeroBias ? "near isometry" : "not near isometry"}: at depth ${iso.depth} its log-singular values spread ${num(iso.spreadZeroBias)} decades (std of log10), against ${num(iso.spreadTanh)} for orthogonal tanh, ${num(iso.spreadCentred)} for σ with centred biases (our construction, at gain ${num(iso.gain)}: ${iso.nearIsometryCentred ? "near isometry" : "not near isometry"}) and ${num(iso.spreadStandard)} with the standard init (${link(WHERE.jacobian)}). Trained at depth ${D} (05): orthogonal with centred biases ${errText(at("orthogonal-isometry"))}, batch norm ${errText(at("batchnorm"))}, baseline ${errText(at("baseline"))}.`,
    `- *Poole et al. (2016); Schoenholz et al. (2017):* the error grows or shrinks with depth as χ₁ = g²·E[σ′(z)²] is above or below 1. With random orthogonal weights at initialisation (04), ‖δ₁‖/‖δ_L‖ crosses 1 near gain ${num(b.largeWeights.crossOverGain)} and χ₁ near ${num(b.largeWeights.chiCrossGain)}; at gain ${b.largeWeights.gain}, ${pct(b.largeWeights.saturation, 0)} of entries are saturated while the error grows ×${num(b.largeWeights.firstOverTop)} from layer ${L} to layer 1 of ${b.largeWeights.depth} (${link(WHERE.largeWeights)}).`,
    `- *Bengio, Simard & Frasconi (1994); LeCun et al. (1998):* the product of layer Jacobians decides. At init the question's network loses the error ×${num(b.init.perLayer)} per layer (‖W‖₂ ≈ ${num(b.init.spectralNorm)}); at depth ${D}, ‖δ₁‖/‖δ_L‖ at init is ${ratio("baseline")} for the baseline, ${ratio("normalized")} with the normalized init and ${ratio("lecun-tanh")} with LeCun's recipe (${link(WHERE.gradientFlow)}). ${rising.length > 0 ? `During training, ${layerList(rising.map((r) => r.layer))} build${rising.length > 1 ? "" : "s"} up saturation on all inputs alike (${link(WHERE.overTraining)}).` : ""}`,
  );
  return notes;
}
