/**
 * Chapter: notebook 03-causal — the verdict: the rule that turns the measured differences into the answer
 * (`causalVerdict`, also applied by 06 to 03's findings), the closing prose, the summary and the
 * literature table. Split from causal-report.ts (figures and tables); nothing here measures.
 */
import * as text from "../display/text";
import { pct } from "../display/text";
import type { SwapDifference } from "../measure/causal";
import { halfWidth, minimumDetectable } from "../measure/causal";
import type { CausalParams, DoseRow, DoseTimeline, MechanismRow, Role, StreamSummary } from "./causal-design";

// Differences here are often hundredths of a point: two decimals unless a call asks for fewer.
const pp = (x: number, digits = 2) => text.pp(x, digits);
const intervalPp = (d: { diff: number; low: number; high: number }, digits = 2) => text.intervalPp(d, digits);
const excludesZero = (d: { low: number; high: number }) => d.low > 0 || d.high < 0;

// ------------------------------------------------------------------ the answer

export interface Verdicts {
  readonly params: CausalParams;
  readonly rows: readonly DoseRow[];
  readonly swap: readonly SwapDifference[];
  /** The never-visited images over training (levelOverTime). */
  readonly unseen: { epoch: number[]; saturation: number[][]; accuracy: number[] };
  readonly online: StreamSummary;
  readonly repeated: StreamSummary;
  readonly mechanism: readonly MechanismRow[];
  readonly networks: number;
}

/**
 * What the verdict reads of a dose-response row: a DoseRow of this chapter, or a group of the recorded
 * findings (06 applies the same rule to 03's findings: lib/chapters/answer).
 */
export interface VerdictRow {
  readonly role: Role;
  readonly label: string;
  readonly saturation: readonly number[];
  readonly minusNeverSeen: readonly { readonly diff: number; readonly low: number; readonly high: number }[];
}

/** A group × layer difference of a visited group to the never-visited one, where the layer saturates at all. */
export interface Cell {
  readonly row: VerdictRow;
  readonly layer: number;
  readonly d: { readonly diff: number; readonly low: number; readonly high: number };
  /** The layer's saturated share on never-visited images. */
  readonly level: number;
}

/** Differences of the true-label visited groups, in layers with at least 1% saturated entries (smaller levels make ratios meaningless). */
export function doseCells(rows: readonly VerdictRow[]): Cell[] {
  const never = rows[0];
  return rows
    .filter((r) => r.role !== "never" && r.role !== "wrong")
    .flatMap((row) => row.minusNeverSeen.map((d, layer) => ({ row, layer, d, level: never.saturation[layer] })))
    .filter((c) => c.level >= 0.01);
}

/**
 * The one-word answer and the rule behind it. Among the cells of doseCells:
 * none excludes zero upward → "No." (or "Not measurably." when the online
 * control did not saturate either); the largest upward difference below 10%
 * of its layer's level → "No." too (a trace, not the cause of the level);
 * below 50% → "Partly."; otherwise "Yes.".
 */
export function causalVerdict(v: {
  readonly rows: readonly VerdictRow[];
  readonly online: { readonly saturationPeak: readonly number[] };
}): {
  answer: "No." | "Not measurably." | "Partly." | "Yes.";
  cells: Cell[];
  up: Cell[];
  down: Cell[];
  largestShare: number;
} {
  const cells = doseCells(v.rows);
  const up = cells.filter((c) => c.d.low > 0),
    down = cells.filter((c) => c.d.high < 0);
  const largestShare = Math.max(0, ...up.map((c) => c.d.diff / c.level));
  const top = v.online.saturationPeak.length - 1;
  const answer =
    up.length === 0
      ? v.online.saturationPeak[top] >= 0.5
        ? "No."
        : "Not measurably."
      : largestShare < 0.1
        ? "No."
        : largestShare < 0.5
          ? "Partly."
          : "Yes.";
  return { answer, cells, up, down, largestShare };
}

/** An arm whose weights shrank (‖W‖² to below 80%) while the top layer's saturation fell by over 5 pp on trained and unseen images alike, if any. */
function shrinking(mechanism: readonly MechanismRow[], top: number): MechanismRow | undefined {
  const sq = (w: readonly number[]) => w.reduce((a, x) => a + x * x, 0);
  return mechanism.find(
    (m) =>
      sq(m.weightNormsEnd) < 0.8 * sq(m.weightNormsStart) &&
      m.saturationUnseenStart[top] - m.saturationUnseen[top] > 0.05 &&
      m.saturationTrainedStart[top] - m.saturationTrained[top] > 0.05,
  );
}

/** The sentence that follows the one-word answer: what the verdict's rule found, in words. */
export function verdictSentence(
  v: Pick<ReturnType<typeof causalVerdict>, "answer" | "up" | "largestShare">,
  visits: number,
): string {
  const share = `${(100 * v.largestShare).toFixed(0)}%`;
  switch (v.answer) {
    case "Not measurably.":
      return `Images that gradient descent visited up to ${visits} times are not measurably more saturated than images of the same file it never visited — but the online control did not saturate either, so this run cannot tell.`;
    case "No.":
      return v.up.length === 0
        ? `Images that gradient descent visited up to ${visits} times are saturated like images of the same file it never visited.`
        : `Images that gradient descent visited up to ${visits} times are saturated almost exactly like images of the same file it never visited: the differences that exclude zero are at most ${share} of their layer's level.`;
    case "Partly.":
      return `Images that gradient descent visited up to ${visits} times are measurably more saturated than images of the same file it never visited, by up to ${share} of their layer's level: part of the saturation comes with the visits, most does not.`;
    case "Yes.":
      return `Images that gradient descent visited up to ${visits} times are measurably more saturated than images of the same file it never visited, by up to ${share} of their layer's level: the visits carry much of the saturation.`;
  }
}

/** The closing paragraphs, each built from the numbers. */
export function closingProse(v: Verdicts): string[] {
  const p = v.params,
    L = p.depth,
    top = L - 1;
  const never = v.rows[0];
  const k = v.rows.filter((r) => r.role !== "never" && r.role !== "wrong");
  const most = k[k.length - 1],
    k1 = k.find((r) => r.role === "k1") ?? k[0];
  const wrong = v.rows.find((r) => r.role === "wrong");
  const detected = k.flatMap((r) => r.minusNeverSeen.map((d, l) => ({ r, d, l }))).filter((x) => excludesZero(x.d));
  const word = (x: { d: { low: number } }) => (x.d.low > 0 ? "more" : "less");
  const mde = k1.minusNeverSeen.map((d) => minimumDetectable(d));
  const verdict = causalVerdict(v);
  const out: string[] = [];
  if (never.accuracy < 0.5) {
    out.push(
      `**Note.** These networks reached only ${pct(never.accuracy)} accuracy on images they never saw (a short run, e.g. the quick profile): they have not left the plateau, so what follows describes networks that have not learned yet. Run with the default parameters for the trained network of the question.`,
    );
  }
  const cellText = (c: Cell) => `layer ${c.layer + 1} at ${c.row.label}, ${intervalPp(c.d)}`;
  const chance = (0.05 * verdict.cells.length).toFixed(1);
  out.push(
    `**${verdict.answer}** ` +
      `${verdictSentence(verdict, most.passesPerEpoch * p.epochs)} ` +
      (verdict.cells.length === 0
        ? "No layer has 1% saturated entries on never-visited images, so no difference is weighed. "
        : `Of ${verdict.cells.length} group × layer differences (layers with at least 1% saturated entries), ${verdict.up.length} exclude zero upward${verdict.up.length > 0 ? ` (${verdict.up.map(cellText).join("; ")}; at most ${(100 * verdict.largestShare).toFixed(0)}% of that layer's level)` : ""} and ${verdict.down.length} downward${verdict.down.length > 0 ? ` (${verdict.down.map(cellText).join("; ")})` : ""}; by chance alone about ${chance} of ${verdict.cells.length} 95% intervals would. `) +
      (v.online.saturationPeak[top] >= 0.5
        ? `Saturation appears without any image being passed over twice (section 3)`
        : `The online control saturated little in this run`) +
      (shrinking(v.mechanism, top)
        ? `, and it falls on trained and unseen images alike when the weights shrink (section 4, ${shrinking(v.mechanism, top)!.arm.label}).`
        : "."),
  );
  out.push(
    `**Dose-response.** ${v.networks} networks of the question (${L} × ${p.width} sigmoid, standard init, SGD η = ${p.learningRate}, batches of ${p.batchSize}, ${p.epochs} epochs) reached ${pct(never.accuracy)} accuracy on the ${never.n.toLocaleString("en-US")} images they never visited. ` +
      `Images visited ${k.map((r) => `${r.passesPerEpoch}×`).join(", ")} per epoch (${k.map((r) => r.passesPerEpoch * p.epochs).join(", ")} visits in all) ` +
      (detected.length === 0
        ? "are not measurably more or less saturated than the never-visited ones in any layer. "
        : `differ measurably only in ${detected.map((x) => `layer ${x.l + 1} at ${x.r.label}: ${word(x)} saturated, ${intervalPp(x.d)}`).join("; ")}; every other interval contains zero. `) +
      `At ${most.label}, accuracy is ${pct(most.accuracy)} against ${pct(never.accuracy)} on the never-visited images, while saturation differs by ${intervalPp(most.minusNeverSeen[0])} in layer 1 and ${intervalPp(most.minusNeverSeen[top])} in layer ${L} (levels ${pct(never.saturation[0])} and ${pct(never.saturation[top])}). ` +
      `The design would have detected, 80% of the time, a k = 1 effect of ${mde.map((m) => (100 * m).toFixed(2)).join(", ")} pp in layers 1–${L}.`,
  );
  if (wrong) {
    const chance = (1 - never.accuracy) / 9;
    out.push(
      `**Memorisation.** Of the ${wrong.n} images given a wrong label (visited ${wrong.passesPerEpoch * p.epochs} times each), the networks fit ${pct(wrong.accuracy)} of the wrong labels (a never-visited image gets one given wrong class about ${pct(chance)} of the time) and still predict ${pct(wrong.accuracyTrueLabels)} of the true ones: ` +
        (wrong.accuracy > 3 * chance + 0.02
          ? "memorisation is under way. "
          : "in this many visits they are barely memorised. ") +
        `Their saturation differs from never-visited images by ${intervalPp(wrong.minusNeverSeen[0])} in layer 1 and ${intervalPp(wrong.minusNeverSeen[top])} in layer ${L}` +
        (wrong.minusNeverSeen.some(excludesZero)
          ? ` — measurable in ${wrong.minusNeverSeen
              .map((d, l) => ({ d, l }))
              .filter((x) => excludesZero(x.d))
              .map((x) => `layer ${x.l + 1} (${intervalPp(x.d)})`)
              .join(", ")}.`
          : " — no measurable mark in any layer."),
    );
  }
  const swapHit = v.swap.filter(excludesZero);
  out.push(
    `**Swap.** Inside the same two networks, the image sets U and V trade roles; the difference-in-differences pairs each image with itself across the networks: ${v.swap.map((d, l) => `layer ${l + 1} ${intervalPp(d)}`).join(", ")}. ` +
      (swapHit.length === 0 ? "No layer excludes zero." : `${swapHit.length} of ${L} layers exclude zero.`) +
      ` Pairing narrows layer 1's interval to ±${(100 * halfWidth(v.swap[0])).toFixed(2)} pp (unpaired: ±${(100 * halfWidth(k1.minusNeverSeen[0])).toFixed(2)} pp): most of the unpaired uncertainty is images differing from each other, not training.`,
  );
  const u = v.unseen,
    T = u.epoch.length;
  const peakTop = u.saturation[top].reduce((b, x, i) => (x > u.saturation[top][b] ? i : b), 0);
  out.push(
    `**When it happens.** On the never-visited images themselves, layer ${L} was ${pct(u.saturation[top][peakTop])} saturated at epoch ${u.epoch[peakTop].toFixed(1)} (accuracy ${pct(u.accuracy[peakTop])}) and ${pct(u.saturation[top][T - 1])} at the end; layer 1 went from ${pct(u.saturation[0][0])} to ${pct(u.saturation[0][T - 1])} as the network learned. ` +
      `Online on Shapeset-3×2, with no image ever seen twice, the top layer reached ${pct(v.online.saturationPeak[top])} (step ${v.online.peakStep[top]}); over ${v.repeated.distinctImages} images seen ${Math.round(v.repeated.samples / v.repeated.distinctImages)} times each, ${pct(v.repeated.saturationPeak[top])} (step ${v.repeated.peakStep[top]}). ` +
      (v.online.saturationPeak[top] >= 0.5
        ? "Saturation needs no repeated pass: it comes with the weights, on every input."
        : "In this run the online arm saturates little."),
  );
  const total = (w: readonly number[]) => Math.sqrt(w.reduce((s, x) => s + x * x, 0));
  const ce = v.mechanism[0];
  const gapStart = (m: MechanismRow) => m.saturationTrainedStart[top] - m.saturationUnseenStart[top];
  const gapEnd = (m: MechanismRow) => m.saturationTrained[top] - m.saturationUnseen[top];
  const change = (m: MechanismRow) => m.saturationUnseen[top] - m.saturationUnseenStart[top];
  const apart = v.mechanism.filter(
    (m) => Math.abs(gapEnd(m) - gapStart(m)) > Math.max(0.01, 0.5 * Math.abs(change(m))),
  );
  out.push(
    `**Mechanism.** Trained on for ${ce.epochs} epochs on ${p.mechanismImages} images it had never seen, network A's weight norm changed ${v.mechanism.map((m) => `×${(total(m.weightNormsEnd) / total(m.weightNormsStart)).toFixed(2)} (${m.arm.label})`).join(", ")}, ` +
      `and its top layer's saturation on images nobody trained on ${v.mechanism.map((m) => `${pct(m.saturationUnseenStart[top])} → ${pct(m.saturationUnseen[top])}`).join(", ")}. ` +
      `The trained subset's gap to the unseen images went ${v.mechanism.map((m) => `${pp(gapStart(m), 1)} → ${pp(gapEnd(m), 1)}`).join(", ")}: ` +
      (apart.length === 0
        ? v.mechanism.every((m) => Math.abs(change(m)) < 0.01)
          ? "training on the subset for that long did not set it apart, and nothing moved the unseen images' saturation by 1 pp either."
          : "training on the subset for that long did not set it apart — what moved its saturation moved the unseen images' too. It follows the weights, not the visits."
        : `under ${apart.map((m) => m.arm.label).join(", ")} the trained subset moved apart from the unseen images by more than half of their own change.`),
  );
  return out;
}

/** The measured table of the closing note: per group the layer-1 and top-layer difference to k = 0 and the accuracy; the swap; online against repeated. */
export function summaryTable(
  v: Pick<Verdicts, "params" | "rows" | "swap" | "online" | "repeated">,
): Record<string, string>[] {
  const L = v.params.depth,
    top = L - 1;
  const topCol = `layer ${L}`;
  const sat = (s: StreamSummary, l: number) => `${pct(s.saturationEnd[l])} (peak ${pct(s.saturationPeak[l])})`;
  return [
    ...v.rows
      .filter((r) => r.role !== "never")
      .map((r) => ({
        measurement: `${r.label} − never visited (${r.passesPerEpoch * v.params.epochs} visits)`,
        "layer 1": intervalPp(r.minusNeverSeen[0]),
        [topCol]: intervalPp(r.minusNeverSeen[top]),
        accuracy: `${pct(r.accuracy)} (never visited: ${pct(v.rows[0].accuracy)})`,
      })),
    {
      measurement: "swap: difference-in-differences",
      "layer 1": intervalPp(v.swap[0]),
      [topCol]: intervalPp(v.swap[top]),
      accuracy: "—",
    },
    {
      measurement: `online, no image twice: saturated at the end (${v.online.steps} steps)`,
      "layer 1": sat(v.online, 0),
      [topCol]: sat(v.online, top),
      accuracy: pct(v.online.accuracyEnd),
    },
    {
      measurement: `repeated, ${v.repeated.distinctImages} images: saturated at the end`,
      "layer 1": sat(v.repeated, 0),
      [topCol]: sat(v.repeated, top),
      accuracy: pct(v.repeated.accuracyEnd),
    },
  ];
}

// ------------------------------------------------------------------ the literature

/** What the literature table reads: the closing's numbers (without the network count) and the dose-response over time. */
export interface LiteratureInput extends Omit<Verdicts, "networks"> {
  readonly overTime: DoseTimeline;
}

/** The first index where xs reaches half of the way from its first to its last value. */
function halfway(xs: readonly number[]): number {
  const target = xs[0] + (xs[xs.length - 1] - xs[0]) / 2;
  const up = xs[xs.length - 1] >= xs[0];
  const i = xs.findIndex((x) => (up ? x >= target : x <= target));
  return i < 0 ? xs.length - 1 : i;
}

/** What each paper says (quoted from its abstract or summarised), what this run measured, and how they compare. */
export function literatureTable(v: LiteratureInput): Record<string, string>[] {
  const L = v.params.depth,
    top = L - 1;
  const u = v.unseen,
    T = u.epoch.length;
  const peak = u.saturation[top].reduce((b, x, i) => (x > u.saturation[top][b] ? i : b), 0);
  const fitted = u.accuracy.findIndex((a) => a >= 0.8);
  const after =
    fitted >= 0
      ? {
          from: u.saturation[top][fitted],
          to: u.saturation[top][T - 1],
          l1from: u.saturation[0][fitted],
          l1to: u.saturation[0][T - 1],
          epoch: u.epoch[fitted],
        }
      : null;
  const lateRise = after !== null && (after.to - after.from > 0.02 || after.l1to - after.l1from > 0.02);
  const maxAbs = Math.max(0, ...doseCells(v.rows).map((c) => Math.abs(c.d.diff)));
  const total = (w: readonly number[]) => Math.sqrt(w.reduce((s, x) => s + x * x, 0));
  const ce = v.mechanism[0],
    others = v.mechanism.slice(1);
  const growth = (m: MechanismRow) => total(m.weightNormsEnd) / total(m.weightNormsStart);
  const gapShift = (m: MechanismRow) =>
    Math.abs(
      m.saturationTrained[top] -
        m.saturationUnseen[top] -
        (m.saturationTrainedStart[top] - m.saturationUnseenStart[top]),
    );
  const shrunk = v.mechanism.reduce<MechanismRow | null>(
    (best, m) => (growth(m) < 0.9 && (!best || growth(m) < growth(best)) ? m : best),
    null,
  );
  const wrong = v.rows.find((r) => r.role === "wrong"),
    never = v.rows[0];
  const k1t = v.overTime.rows.find((r) => r.role === "k1"),
    wt = v.overTime.rows.find((r) => r.role === "wrong");
  const order =
    k1t && wt ? { k1: v.overTime.epoch[halfway(k1t.accuracy)], wrong: v.overTime.epoch[halfway(wt.accuracy)] } : null;
  const rise = (xs: readonly number[]) => xs[xs.length - 1] - xs[0];
  const k1Rise = k1t ? rise(k1t.accuracy) : 0,
    wrongRise = wt ? rise(wt.accuracy) : 0;
  return [
    {
      paper: "Shwartz-Ziv & Tishby (2017)",
      "what it says":
        'hidden layers compress in a phase that "begins when the training errors becomes small", a "stochastic relaxation, or random diffusion" of SGD',
      "this run":
        `on never-visited images the top layer is most saturated (${pct(u.saturation[top][peak])}) at epoch ${u.epoch[peak].toFixed(1)}, accuracy ${pct(u.accuracy[peak])}` +
        (after
          ? `; after accuracy reached 80% (epoch ${after.epoch.toFixed(1)}) layer ${L} went ${pct(after.from)} → ${pct(after.to)}, layer 1 ${pct(after.l1from)} → ${pct(after.l1to)}`
          : "; accuracy never reached 80%") +
        `; visited images within ${(100 * maxAbs).toFixed(2)} pp of never-visited ones in every layer that saturates (section 1)`,
      verdict:
        u.saturation[top][peak] < 0.01
          ? "not measurable here: the top layer never saturates in this run"
          : u.accuracy[peak] < 0.5
            ? lateRise
              ? "partly: the largest saturation comes on the plateau, before fitting; a later rise follows, on unseen images too"
              : "not reproduced: the largest saturation comes on the plateau, before fitting, not in a late phase"
            : lateRise
              ? "consistent: saturation rises after fitting — on unseen images as on trained ones"
              : "not reproduced: no late rise of saturation",
    },
    {
      paper: "Saxe et al. (2018)",
      "what it says":
        'compression comes from double-sided saturating nonlinearities "as neural activations enter the saturation regime"; it appears with full-batch gradient descent too, and not with ReLU',
      "this run": `${ce.epochs} more epochs on a subset, per loss: ${v.mechanism.map((m) => `‖W‖ ×${growth(m).toFixed(2)}, top layer on unseen images ${pct(m.saturationUnseenStart[top])} → ${pct(m.saturationUnseen[top])} (${m.arm.label})`).join("; ")}; the trained − unseen gap moved by at most ${(100 * Math.max(...v.mechanism.map(gapShift))).toFixed(2)} pp (full batch and ReLU not run here)`,
      verdict:
        shrunk &&
        shrunk.saturationUnseenStart[top] - shrunk.saturationUnseen[top] > 0.05 &&
        Math.max(...v.mechanism.map(gapShift)) < 0.02
          ? "consistent: saturation follows the weights — shrinking them removes it — on unseen inputs as on trained ones"
          : "not settled here: the losses did not move weights and saturation together clearly",
    },
    {
      paper: "Glorot & Bengio (2010)",
      "what it says":
        'online on Shapeset-3×2, the sigmoid\'s mean value "can drive especially the top hidden layer into saturation"; "saturated units can move out of saturation by themselves, albeit slowly"; "the depth-five model never escaped this regime during training"',
      "this run": `Shapeset-3×2, ${L} × ${v.params.streamWidth} sigmoid, no image seen twice: top layer up to ${pct(v.online.saturationPeak[top])} saturated (step ${v.online.peakStep[top]}), ${pct(v.online.saturationEnd[top])} after ${v.online.steps} steps, accuracy ${pct(v.online.accuracyEnd)} (9 classes)`,
      verdict:
        v.online.saturationPeak[top] >= 0.9
          ? "reproduced, in the online setting: the top layer saturates with no repeated image" +
            (v.online.saturationEnd[top] < v.online.saturationPeak[top] - 0.1
              ? ", and starts to desaturate"
              : "; still saturated at the end of our budget")
          : "not reproduced at this budget",
    },
    {
      paper: "Zhang et al. (2017)",
      "what it says": '"Deep neural networks easily fit random labels" (to zero training error, given enough epochs)',
      "this run": wrong
        ? `${wrong.n} images with a wrong label, ${wrong.passesPerEpoch * v.params.epochs} visits each: ${pct(wrong.accuracy)} of the wrong labels fitted (chance of a given wrong class on an unseen image ≈ ${pct((1 - never.accuracy) / 9)})`
        : "no wrong-label group in this run",
      verdict: !wrong
        ? "not tested"
        : wrong.accuracy >= 0.9
          ? "reproduced"
          : wrong.accuracy > 2 * ((1 - never.accuracy) / 9) + 0.02
            ? "partly: memorisation under way, far from complete in this many visits"
            : "not within this many visits",
    },
    {
      paper: "Arpit et al. (2017)",
      "what it says": 'deep networks "tend to prioritize learning simple patterns first", before memorising noise',
      "this run":
        k1t && wt
          ? `accuracy over training: true labels (k = 1) ${pct(k1t.accuracy[0])} → ${pct(k1t.accuracy[k1t.accuracy.length - 1])}; wrong labels ${pct(wt.accuracy[0])} → ${pct(wt.accuracy[wt.accuracy.length - 1])}` +
            (order && wrongRise > 0 ? `; half-way at epoch ${order.k1.toFixed(1)} and ${order.wrong.toFixed(1)}` : "")
          : "no wrong-label group in this run",
      verdict:
        !k1t || !wt
          ? "not tested"
          : wrongRise <= 0 && k1Rise > 0
            ? "consistent: the real patterns were learned; the wrong labels not yet (their accuracy fell as the true classes were learned)"
            : order && order.wrong > order.k1
              ? "consistent: real patterns first, the wrong labels later"
              : "not seen here: the wrong labels were fitted as early as the true ones",
    },
    {
      paper: "Soudry et al. (2018)",
      "what it says":
        'on separable data the cross-entropy has no finite minimiser: "the norm of the predictor must diverge toward infinity", converging only slowly to the max-margin direction',
      "this run": `weight norm ×${growth(ce).toFixed(2)} under cross-entropy vs ${others.map((m) => `×${growth(m).toFixed(2)} (${m.arm.label})`).join(", ")} over ${ce.epochs} epochs`,
      verdict:
        growth(ce) < 1.02
          ? "not observed at this length: the weights barely moved"
          : others.every((m) => growth(m) < growth(ce))
            ? `consistent: the cross-entropy grows the weights most — slowly (×${growth(ce).toFixed(2)} in ${ce.epochs} epochs)`
            : "mixed: another loss grew the weights as much",
    },
  ];
}
