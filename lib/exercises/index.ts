/**
 * Exercises with automatic feedback. An exercise cell calls a checker,
 *
 *   check.chanceLoss(answer);                  // or check.numeric("01.chance-loss", answer)
 *   await check.firstSaturatingLayer(answer);  // checkers that train are async
 *
 * and gets ONE line: "✓ Right: …", or "✗ Not yet: … Hint: …". Every checker
 * computes its reference itself — from math, from the lib (activations,
 * inits, spectral norms, probes), or by running a short training — and
 * recognises the typical wrong answers (σ(0) for σ'(0), 1/n for the variance
 * of U[−1/√n, 1/√n], …) with a hint written for that mistake.
 *
 * `EXERCISES` is the registry: id, notebook, prompt, kind, hint, the check,
 * a reference answer, the typical wrong answers, and the exact cells a
 * notebook should contain (prompt markdown, an exercise cell whose
 * placeholder fails the check gently, and a solution cell tagged
 * "solution"). Notebooks import `check` once in their setup cell:
 *
 *   import { check } from "./lib/exercises";
 */
import * as tf from "@tensorflow/tfjs";
import { activation } from "../core/activations";
import { INITS } from "../core/init";
import { matrix, spectralNorm } from "../core/linalg";
import { BN_EPSILON, Mlp } from "../core/model";
import { ProbePoints, ProbeSnapshot, probe } from "../measure/probe";
import { saturationFraction } from "../measure/saturation";
import { Rng } from "../core/rng";
import { train, validateTrainConfig } from "../core/train";
import { loadMnist } from "../data/mnist";
import { subset } from "../data/dataset";
import { prepareBackend } from "../core/backend";
import { PlaygroundRun, mostSaturatedLayer, pointsOrPlane, reluOutcome } from "../chapters/playground";
import { OutputSink, currentSink } from "../display/output";
import { escapeHtml } from "../display/html";

// ------------------------------------------------------------ feedback

export interface Feedback {
  readonly id: string;
  readonly ok: boolean;
  /** One line, starting with ✓ or ✗. */
  readonly message: string;
}

const right = (id: string, text: string): Feedback => ({ id, ok: true, message: `✓ Right: ${text}` });
const notYet = (id: string, text: string, hint: string): Feedback => ({ id, ok: false, message: `✗ Not yet: ${text} Hint: ${hint}` });
/**
 * The placeholder's message. Code exercises get the hint; predictions do not
 * (the hint would give the answer away before the reader has predicted).
 */
const noAnswer = (id: string, what: string, hint: string | null): Feedback => ({
  id,
  ok: false,
  message: hint
    ? `✗ No answer yet: replace the placeholder with ${what}, then run the cell again. Hint: ${hint}`
    : `✗ No prediction yet: write ${what} in place of the placeholder — before looking at the results — then run the cell again.`,
});

/** Show one feedback line in the current cell (HTML in a notebook, text elsewhere). */
export function showFeedback(f: Feedback, sink: OutputSink = currentSink()): void {
  const [fg, bg, border] = f.ok ? ["#0f5c2e", "#eaf7ee", "#1a7f37"] : ["#6b3a00", "#fff6e8", "#d08700"];
  const html =
    `<div class="sigmoid-lab-check ${f.ok ? "ok" : "not-yet"}" data-exercise="${escapeHtml(f.id)}" ` +
    `style="margin:0.4em 0;padding:0.4em 0.8em;border-left:4px solid ${border};background:${bg};color:${fg};font-weight:600">` +
    `${escapeHtml(f.message)}</div>`;
  sink.emit({ html, text: f.message });
}

// ------------------------------------------------------------ registry types

export type NotebookId = "01" | "02" | "04" | "05" | "07";
export type ExerciseKind = "predict-then-run" | "code";

export interface ExerciseCells {
  /** Markdown: the exercise's heading and prompt. */
  readonly prompt: string;
  /** Code: the cell a student edits; its placeholder fails the check gently. */
  readonly exercise: string;
  /** Code: the reference solution (tag the cell "solution"). */
  readonly solution: string;
  /**
   * Code: for predictions made before a notebook's main cell runs, the cell
   * after it that checks the prediction (absent when the exercise cell checks).
   */
  readonly checkCell?: string;
}

export interface Exercise {
  readonly id: string;
  readonly notebook: NotebookId;
  /** "01.2": the notebook and the exercise's number in it. */
  readonly number: string;
  readonly title: string;
  readonly kind: ExerciseKind;
  /** The task, in markdown (one paragraph). */
  readonly prompt: string;
  /** The hint shown with a wrong answer that matches no typical mistake. */
  readonly hint: string;
  /** The name under `check` an exercise cell calls. */
  readonly checkName: string;
  /** Whether the check returns a promise (the cell must `await` it). */
  readonly async: boolean;
  /** What the check needs besides the answer (e.g. "the baseline PlaygroundRun"), if anything. */
  readonly context?: string;
  readonly check: (answer: unknown, context?: unknown) => Feedback | Promise<Feedback>;
  /** An answer the check accepts (given the same context). */
  readonly reference: (context?: unknown) => unknown;
  /** Typical wrong answers, each with a fragment of the hint it must get (for tests and teachers). */
  readonly typicalWrong: readonly { readonly answer: unknown; readonly hint: string }[];
  readonly cells: ExerciseCells;
}

// ------------------------------------------------------------ helpers

function asNumber(answer: unknown): number {
  if (typeof answer === "number") return answer;
  if (typeof answer === "string" && answer.trim() !== "" && Number.isFinite(Number(answer))) return Number(answer);
  return NaN;
}

function close(a: number, b: number, tol: { abs?: number; rel?: number }): boolean {
  const abs = tol.abs ?? 0, rel = tol.rel ?? 0;
  return Math.abs(a - b) <= Math.max(abs, rel * Math.abs(b));
}

/** A number for a message: up to 6 significant digits, no float noise. */
function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x !== 0 && (Math.abs(x) < 1e-4 || Math.abs(x) >= 1e6)) return x.toExponential(3);
  return String(Number(x.toPrecision(6)));
}

function pct(x: number): string {
  return `${(100 * x).toFixed(x > 0 && x < 0.01 ? 1 : 0)}%`;
}

const sig = (z: number) => 1 / (1 + Math.exp(-z));

interface Trap {
  readonly value: number;
  readonly hint: string;
  readonly tol?: { abs?: number; rel?: number };
}

interface NumericSpec {
  readonly id: string;
  readonly number: string;
  readonly notebook: NotebookId;
  readonly title: string;
  readonly kind: ExerciseKind;
  readonly prompt: string;
  readonly hint: string;
  readonly checkName: string;
  readonly what: string;
  readonly reference: () => number;
  readonly tol: { abs?: number; rel?: number };
  /** Map the answer before comparing (e.g. Math.abs when the sign does not matter). */
  readonly normalise?: (x: number) => number;
  readonly traps: () => readonly Trap[];
  readonly explain: (ref: number) => string;
  readonly exercise: string;
  readonly solution: string;
}

function numericExercise(s: NumericSpec): Exercise {
  const check = (answer: unknown): Feedback => {
    if (answer === undefined || answer === null) return noAnswer(s.id, s.what, s.kind === "code" ? s.hint : null);
    const raw = asNumber(answer);
    if (!Number.isFinite(raw)) return notYet(s.id, `${JSON.stringify(answer) ?? String(answer)} is not a finite number.`, `the answer is ${s.what}.`);
    const x = s.normalise ? s.normalise(raw) : raw;
    const ref = s.reference();
    if (close(x, ref, s.tol)) return right(s.id, `${fmt(raw)} — ${s.explain(ref)}`);
    for (const t of s.traps()) if (close(x, t.value, t.tol ?? { rel: 1e-3, abs: 1e-9 })) return notYet(s.id, `${fmt(raw)} is not it.`, t.hint);
    return notYet(s.id, `${fmt(raw)} is too ${x > ref ? "large" : "small"}.`, s.hint);
  };
  return {
    id: s.id,
    number: s.number,
    notebook: s.notebook,
    title: s.title,
    kind: s.kind,
    prompt: s.prompt,
    hint: s.hint,
    checkName: s.checkName,
    async: false,
    check,
    reference: () => s.reference(),
    typicalWrong: s.traps().map((t) => ({ answer: t.value, hint: t.hint.slice(0, 40) })),
    cells: cellsFor(s.number, s.title, s.kind, s.prompt, s.exercise, s.solution),
  };
}

function cellsFor(number: string, title: string, kind: ExerciseKind, prompt: string, exercise: string, solution: string, checkCell?: string): ExerciseCells {
  const label = kind === "predict-then-run" ? "predict, then run" : "code";
  return {
    prompt: `**Exercise ${number} — ${title}** (${label})\n\n${prompt}`,
    exercise,
    solution,
    ...(checkCell ? { checkCell } : {}),
  };
}

/** Call a student's function, turning a throw into a message. */
function attempt<T>(fn: () => T): { value: T } | { error: string } {
  try {
    return { value: fn() };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

function uniformArray(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.next();
  return a;
}

// ------------------------------------------------------------ 01 · train

const chanceLoss = numericExercise({
  id: "01.chance-loss",
  number: "01.1",
  notebook: "01",
  title: "the loss of a network that guesses",
  kind: "predict-then-run",
  checkName: "chanceLoss",
  what: "a number (the loss in nats)",
  prompt:
    "Before the plateau run trains: a network that has learnt nothing predicts the uniform distribution $p_k = 1/10$ over MNIST's 10 classes for every image. What is its mean cross-entropy loss $-\\ln p_{y_i}$? Write your prediction, run the check, then compare with the plateau run's loss.",
  hint: "cross-entropy is −ln of the probability given to the true class; here that probability is 1/10 for every image.",
  reference: () => Math.log(10),
  tol: { rel: 2e-3 },
  traps: () => [
    { value: 1, hint: "1 is log₁₀(10): cross-entropy uses the natural logarithm, so the loss is ln 10." },
    { value: 0.1, hint: "0.1 is the probability of the true class; the loss is −ln of it." },
    { value: 0.9, hint: "0.9 is the probability of a wrong class; the loss is −ln of the probability of the true one." },
    { value: Math.log(2), hint: "ln 2 is the loss of a guess between 2 classes (the toy sets); MNIST has 10." },
    { value: -Math.log(10), hint: "the sign: the loss is −ln p, and ln(1/10) is negative, so the loss is positive." },
  ],
  explain: (ref) => `every image gets p = 1/10 on its true class, so the loss is −ln(1/10) = ln 10 ≈ ${ref.toFixed(4)} nats — the height of the plateau.`,
  exercise: [
    "// Exercise 01.1: your prediction of the loss of a uniform guess over 10 classes (a number).",
    "const chanceLossAnswer = undefined; // your answer",
    "check.chanceLoss(chanceLossAnswer);",
  ].join("\n"),
  solution: [
    "// The true class gets probability 1/10 on every image: loss = −ln(1/10) = ln 10.",
    "const chanceLossSolution = -Math.log(1 / 10);",
    "check.chanceLoss(chanceLossSolution);",
  ].join("\n"),
});

const standardInitVariance = numericExercise({
  id: "01.standard-init-variance",
  number: "01.2",
  notebook: "01",
  title: "the variance of the standard initialisation",
  kind: "code",
  checkName: "standardInitVariance",
  what: "a number (the variance)",
  prompt:
    "The standard initialisation draws every weight of a layer with fan-in $n$ from $U[-1/\\sqrt n, 1/\\sqrt n]$. Compute $\\operatorname{Var}(W_{jk})$ for $n = 256$ (the question's layers) — by the formula for a uniform distribution, or numerically by drawing many weights with `lab.initWeights(\"standard\", 256, 256, new lab.Rng(1))`.",
  hint: "a uniform distribution on [−a, a] has variance a²/3; here a = 1/√n.",
  reference: () => INITS.standard.variance(256, 256),
  tol: { rel: 0.02 },
  traps: () => [
    { value: 1 / 256, hint: "1/n is the variance of LeCun's normal init (and here also Glorot's normalized 2/(n_in + n_out)); a uniform on [−a, a] with a = 1/√n has variance a²/3 = 1/(3n)." },
    { value: 1 / 16, hint: "1/16 = 1/√256 is the limit a of the interval, not the variance: Var = a²/3." },
    { value: 1 / Math.sqrt(3 * 256), hint: "that is the standard deviation a/√3; the variance is its square, a²/3." },
    { value: 4 / (3 * 256), hint: "(2a)²/3 uses the width of the interval where a²/3 needs its half-width: Var = (2a)²/12 = a²/3." },
  ],
  explain: (ref) => `Var = a²/3 = 1/(3n) = ${fmt(ref)} for n = 256 (lab.INITS.standard.variance gives the same).`,
  exercise: [
    "// Exercise 01.2: the variance of one weight of U[-1/√n, 1/√n] for n = 256 (a number).",
    "const standardVarianceAnswer = undefined; // your answer",
    "check.standardInitVariance(standardVarianceAnswer);",
  ].join("\n"),
  solution: [
    "// U[-a, a] has variance a²/3; with a = 1/√n that is 1/(3n). Numerically, from 65,536 draws:",
    'const drawn = lab.initWeights("standard", 256, 256, new lab.Rng(1));',
    "const standardVarianceSolution = lab.meanStd(drawn).std ** 2;",
    "console.log(`formula 1/(3n) = ${1 / (3 * 256)}, drawn: ${standardVarianceSolution}`);",
    "check.standardInitVariance(standardVarianceSolution);",
  ].join("\n"),
});

/** What a quick run measures for 01.3: which layer saturates first. */
export interface FirstSaturation {
  /** 1-based hidden layer that first reached `level` (the highest one if several did at once). */
  readonly layer: number;
  readonly step: number | null;
  readonly level: number;
  /** Saturation (ε = 0.01, both sides) per layer at that step (or at the end). */
  readonly saturation: number[];
  readonly description: string;
}

let firstSaturationMemo: Promise<FirstSaturation> | null = null;

/**
 * A quick version of notebook 01's run, to check 01.3 against a measurement:
 * 5 × 64 sigmoid units, standard init, SGD on 2,000 MNIST images at η = 3 (a
 * larger step than the book's, so it happens within seconds), probed every
 * 10 steps on 200 training points. Memoised: measured once per kernel.
 */
export function measureFirstSaturation(): Promise<FirstSaturation> {
  firstSaturationMemo ??= (async () => {
    await prepareBackend({ quiet: true });
    const level = 0.5;
    const data = loadMnist("train", { limit: 2000 });
    const points = subset(data, Array.from({ length: 200 }, (_, i) => i), "200 training points");
    const model = new Mlp({ inputDim: 784, widths: [64, 64, 64, 64, 64], outputDim: 10, activation: "sigmoid", init: "standard", seed: 1 });
    try {
      const r = await train(
        model,
        { train: data, probeSets: [points], observe: (m, p) => probe(m, p, { gradients: false, eps: [0.01] }) },
        { epochs: 2, batchSize: 32, optimizer: { kind: "sgd", learningRate: 3 }, seed: 1, probeEverySteps: 10, evalTrainSize: 200 },
      );
      const series = r.probes.map((p) => ({ step: p.step, sat: p.snapshots[0].layers.map((l) => l.saturation[0].total) }));
      const hit = series.find((s) => s.sat.some((v) => v >= level));
      const at = hit ?? series[series.length - 1];
      let layer = 0;
      at.sat.forEach((v, i) => {
        if (v >= at.sat[layer]) layer = i;
      });
      return {
        layer: layer + 1,
        step: hit ? hit.step : null,
        level,
        saturation: at.sat,
        description: `a quick run here (5 × 64 sigmoid, standard init, η = 3, 2,000 MNIST images)${hit ? ` had, at step ${hit.step},` : " ended with"} layers 1–5 saturated on ${at.sat.map(pct).join(", ")} of the entries`,
      };
    } finally {
      model.dispose();
    }
  })();
  return firstSaturationMemo;
}

const firstSaturatingLayer: Exercise = {
  id: "01.first-saturating-layer",
  number: "01.3",
  notebook: "01",
  title: "which layer saturates first?",
  kind: "predict-then-run",
  checkName: "firstSaturatingLayer",
  async: true,
  prompt:
    "Before looking at the mean-activation plots: in a 5-hidden-layer sigmoid network with the standard initialisation, trained by SGD from scratch, which hidden layer (1 = nearest the input, 5 = the top) is the first to have most of its entries within 0.01 of 0 or 1? The check answers with a measurement: it trains a small copy of the question's network for a few seconds and probes it.",
  hint: "think of what the output layer can do before the lower layers carry any information: Glorot & Bengio (2010), Figure 2.",
  check: async (answer) => {
    const id = "01.first-saturating-layer";
    if (answer === undefined || answer === null) return noAnswer(id, "a layer number from 1 to 5", null);
    const x = asNumber(answer);
    if (!(Number.isInteger(x) && x >= 1 && x <= 5)) return notYet(id, `${String(answer)} is not a hidden layer.`, "answer with a whole number from 1 (nearest the input) to 5 (the top hidden layer).");
    const m = await measureFirstSaturation();
    if (x === m.layer) {
      return right(id, `layer ${x}: ${m.description}. The top layer is pushed to 0 first: while the lower layers carry no information yet, the output layer lowers the loss by switching off its noisy input h₅ (Glorot & Bengio's explanation).`);
    }
    if (x === 1) return notYet(id, `${m.description}.`, "layer 1 sees the raw pixels and its pre-activations stay small; saturation starts where the loss is felt first — at the top, next to the output layer.");
    return notYet(id, `${m.description}.`, `not layer ${x}: look at which layer is adjacent to the output layer, which gets the largest gradient at the start.`);
  },
  reference: () => 5,
  typicalWrong: [
    { answer: 1, hint: "layer 1 sees the raw pixels" },
    { answer: 3, hint: "not layer 3" },
  ],
  cells: cellsFor(
    "01.3",
    "which layer saturates first?",
    "predict-then-run",
    "Before looking at the mean-activation plots: in a 5-hidden-layer sigmoid network with the standard initialisation, trained by SGD from scratch, which hidden layer (1 = nearest the input, 5 = the top) is the first to have most of its entries within 0.01 of 0 or 1? The check answers with a measurement: it trains a small copy of the question's network for a few seconds and probes it.",
    [
      "// Exercise 01.3: your prediction, a hidden layer from 1 (input side) to 5 (top).",
      "const firstSaturatingAnswer = undefined; // your answer",
      "await check.firstSaturatingLayer(firstSaturatingAnswer);",
    ].join("\n"),
    [
      "// The top layer: its units are pushed to h ≈ 0 while the output layer learns the class frequencies.",
      "// Measured on this notebook's plateau run: the layer whose last saturation is the largest.",
      "const lastPlateauLayers = plateau.result.probes[plateau.result.probes.length - 1].snapshots[0].layers;",
      "console.log(lastPlateauLayers.map((l) => `layer ${l.layer}: ${(100 * l.saturation[0].total).toFixed(1)}%`).join(\", \"));",
      "await check.firstSaturatingLayer(5);",
    ].join("\n"),
  ),
};

// ------------------------------------------------------------ 02 · inside the trained network

const SIGMOID_ASYM = activation("sigmoid").asymptotes!;

const saturationFractionExercise: Exercise = (() => {
  const id = "02.saturation-fraction";
  const hint = "count the entries with h < ε or h > 1 − ε (both ends), and divide by how many entries there are.";
  const cases = [
    { h: uniformArray(1000, 1), eps: 0.01 },
    { h: uniformArray(2000, 2).map((v) => v ** 4), eps: 0.05 },
    { h: uniformArray(500, 3).map((v) => 1 - v ** 3), eps: 0.1 },
    { h: Float32Array.from([0.001, 0.5, 0.999, 0.2, 0.995, 0.004, 0.7, 0.01]), eps: 0.01 },
  ];
  const ref = (h: ArrayLike<number>, eps: number) => saturationFraction(h, SIGMOID_ASYM, eps).total;
  const count = (h: ArrayLike<number>, pred: (v: number) => boolean) => Array.from(h).filter(pred).length;
  const traps: { name: string; f: (h: ArrayLike<number>, eps: number) => number; hint: string }[] = [
    { name: "low side only", f: (h, e) => count(h, (v) => v < e) / h.length, hint: "you counted only h < ε; entries near 1 (h > 1 − ε) are saturated too." },
    { name: "high side only", f: (h, e) => count(h, (v) => v > 1 - e) / h.length, hint: "you counted only h > 1 − ε; entries near 0 (h < ε) are saturated too." },
    { name: "count", f: (h, e) => count(h, (v) => v < e || v > 1 - e), hint: "that is a count; divide by the number of entries to get a fraction." },
    { name: "percent", f: (h, e) => (100 * count(h, (v) => v < e || v > 1 - e)) / h.length, hint: "that is a percentage; return a fraction between 0 and 1." },
    { name: "unsaturated", f: (h, e) => count(h, (v) => v >= e && v <= 1 - e) / h.length, hint: "that is the fraction NOT saturated; return its complement." },
  ];
  const check = (answer: unknown): Feedback => {
    if (answer === undefined || answer === null) return noAnswer(id, "a function (h, eps) => fraction", hint);
    if (typeof answer !== "function") return notYet(id, "expected a function (h, eps) => number.", hint);
    const f = answer as (h: ArrayLike<number>, eps: number) => unknown;
    for (const c of cases) {
      const got = attempt(() => f(c.h, c.eps));
      if ("error" in got) return notYet(id, `your function threw: ${got.error}.`, hint);
      const v = asNumber(got.value);
      const r = ref(c.h, c.eps);
      if (Number.isFinite(v) && close(v, r, { abs: 1e-9 })) continue;
      if (Number.isNaN(v)) return notYet(id, "your function returned NaN (is it still the placeholder?).", hint);
      const trap = traps.find((t) => close(v, t.f(c.h, c.eps), { abs: 1e-9 }));
      const where = `for ${c.h.length} entries at ε = ${c.eps} it returned ${fmt(v)}, expected ${fmt(r)}.`;
      return notYet(id, where, trap ? trap.hint : hint);
    }
    return right(id, `your function matches lab.saturationFraction on ${cases.length} arrays (e.g. ${pct(ref(cases[0].h, 0.01))} of 1,000 uniform values at ε = 0.01 — 2ε, as it should be).`);
  };
  const prompt =
    "Write `saturatedFraction(h, eps)`: the fraction of the entries of `h` (activations of a sigmoid layer, all in (0, 1)) that are saturated, i.e. $h < \\varepsilon$ or $h > 1 - \\varepsilon$. The check compares it with `lab.saturationFraction` on several arrays.";
  return {
    id,
    number: "02.1",
    notebook: "02",
    title: "the saturated fraction of a layer",
    kind: "code",
    prompt,
    hint,
    checkName: "saturationFraction",
    async: false,
    check,
    reference: () => (h: ArrayLike<number>, eps: number) => {
      let s = 0;
      for (let i = 0; i < h.length; i++) if (h[i] < eps || h[i] > 1 - eps) s++;
      return s / h.length;
    },
    typicalWrong: traps.map((t) => ({ answer: t.f, hint: t.hint.slice(0, 40) })),
    cells: cellsFor(
      "02.1",
      "the saturated fraction of a layer",
      "code",
      prompt,
      [
        "// Exercise 02.1: complete the function, then run the cell.",
        "function saturatedFraction(h: ArrayLike<number>, eps: number): number {",
        "  // your answer",
        "  return NaN;",
        "}",
        "check.saturationFraction(saturatedFraction);",
      ].join("\n"),
      [
        "function saturatedFractionSolution(h: ArrayLike<number>, eps: number): number {",
        "  let saturated = 0;",
        "  for (let i = 0; i < h.length; i++) if (h[i] < eps || h[i] > 1 - eps) saturated++;",
        "  return saturated / h.length;",
        "}",
        "check.saturationFraction(saturatedFractionSolution);",
      ].join("\n"),
    ),
  };
})();

const saturationThresholdZ = numericExercise({
  id: "02.saturation-threshold-z",
  number: "02.2",
  notebook: "02",
  title: "how large must z be for h to saturate?",
  kind: "code",
  checkName: "saturationThresholdZ",
  what: "a number (a value of |z|)",
  prompt:
    "A unit counts as saturated at $\\varepsilon = 0.01$ when $h = \\sigma(z) > 0.99$ (or $< 0.01$). Beyond which $|z|$ does that happen? Solve $\\sigma(z) = 1 - \\varepsilon$ for $z$ (by hand or by bisection with `lab.activation(\"sigmoid\").f`).",
  hint: "σ(z) = 1 − ε ⇔ e^(−z) = ε/(1 − ε) ⇔ z = ln((1 − ε)/ε).",
  reference: () => Math.log((1 - 0.01) / 0.01),
  tol: { abs: 2e-3 },
  normalise: Math.abs,
  traps: () => [
    { value: derivativeLevelZ(0.01), hint: "that is where σ'(z) = 0.01 (exercise 04.2); here the question is where h = σ(z) itself passes 0.99.", tol: { abs: 2e-3 } },
    { value: Math.log(100), hint: "σ(z) = 0.99 ⇔ e^(−z) = 1/99, so z = ln 99, not ln 100.", tol: { abs: 2e-3 } },
    { value: 0.99, hint: "0.99 is the value of h; the question asks for the z that gives it." },
    { value: Math.log(9), hint: "ln 9 is the threshold for ε = 0.1; use ε = 0.01." },
    { value: Math.log(19), hint: "ln 19 is the threshold for ε = 0.05; use ε = 0.01." },
  ],
  explain: (ref) => `z = ln(0.99/0.01) = ln 99 ≈ ${ref.toFixed(4)}; beyond |z| ≈ 4.6 a sigmoid unit counts as saturated at ε = 0.01.`,
  exercise: [
    "// Exercise 02.2: the |z| beyond which σ(z) > 0.99 (a number).",
    "const thresholdZAnswer = undefined; // your answer",
    "check.saturationThresholdZ(thresholdZAnswer);",
  ].join("\n"),
  solution: [
    "// σ(z) = 1 − ε  ⇔  z = ln((1 − ε)/ε); check by bisection on σ itself.",
    "const eps02 = 0.01;",
    "let lo02 = 0, hi02 = 20;",
    'for (let i = 0; i < 60; i++) { const mid = (lo02 + hi02) / 2; if (lab.activation("sigmoid").f(mid) < 1 - eps02) lo02 = mid; else hi02 = mid; }',
    "console.log(`bisection: ${lo02}, formula: ${Math.log((1 - eps02) / eps02)}`);",
    "check.saturationThresholdZ(lo02);",
  ].join("\n"),
});

/** |z| at which σ'(z) = level (0 < level ≤ 1/4): σ(1 − σ) = level. */
export function derivativeLevelZ(level: number): number {
  const s = (1 + Math.sqrt(1 - 4 * level)) / 2;
  return Math.log(s / (1 - s));
}

/** Hand-made probe snapshots (only the fields a "most saturated layer" function needs). */
function fakeSnapshot(totals: number[]): ProbeSnapshot {
  return {
    set: "hand-made",
    n: 100,
    loss: 0,
    accuracy: 0,
    layers: totals.map((t, i) => ({
      layer: i + 1,
      width: 10,
      saturation: [
        { eps: 0.01, low: t / 2, high: t / 2, total: t },
        { eps: 0.05, low: Math.min(1, 1.5 * t) / 2, high: Math.min(1, 1.5 * t) / 2, total: Math.min(1, 1.5 * t) },
      ],
    })),
    output: { deltaNorm: null, weightGradNorm: null, weightNorm: 0 },
  } as unknown as ProbeSnapshot;
}

/** A real probe of a small sigmoid network with large weights (saturated in places), made with the lib. */
async function realSnapshot(): Promise<ProbeSnapshot> {
  await prepareBackend({ quiet: true });
  const rng = new Rng(7);
  const n = 200, d = 10;
  const x = new Float32Array(n * d);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  const points: ProbePoints = { name: "200 Gaussian points", x, y: new Int32Array(n), n, inputDim: d, numClasses: 2 };
  const model = new Mlp({ inputDim: d, widths: [16, 16, 16, 16], outputDim: 2, activation: "sigmoid", init: { name: "lecun", gain: 4 }, seed: 3 });
  try {
    return probe(model, points, { gradients: false });
  } finally {
    model.dispose();
  }
}

function argmaxLayer(s: ProbeSnapshot): number {
  let best = 0;
  s.layers.forEach((l, i) => {
    if (l.saturation[0].total > s.layers[best].saturation[0].total) best = i;
  });
  return s.layers[best].layer;
}

const mostSaturatedFromProbe: Exercise = (() => {
  const id = "02.most-saturated-layer";
  const hint = "loop over snapshot.layers and keep the layer whose saturation[0].total (ε = 0.01) is largest; return its `layer` field (1-based).";
  const check = async (answer: unknown): Promise<Feedback> => {
    if (answer === undefined || answer === null) return noAnswer(id, "a function (snapshot) => layer number", hint);
    if (typeof answer !== "function") return notYet(id, "expected a function (snapshot: lab.ProbeSnapshot) => number.", hint);
    const f = answer as (s: ProbeSnapshot) => unknown;
    const snapshots: [string, ProbeSnapshot][] = [
      ["a hand-made snapshot", fakeSnapshot([0.02, 0.1, 0.6, 0.3, 0.05])],
      ["a hand-made snapshot", fakeSnapshot([0.9, 0.1, 0.2])],
      ["a hand-made snapshot", fakeSnapshot([0.01, 0.02, 0.03, 0.04, 0.5, 0.2])],
      ["a real probe of a 4-layer net (lab.probe)", await realSnapshot()],
    ];
    for (const [what, s] of snapshots) {
      const got = attempt(() => f(s));
      if ("error" in got) return notYet(id, `your function threw on ${what}: ${got.error}.`, hint);
      const v = asNumber(got.value);
      const r = argmaxLayer(s);
      if (v === r) continue;
      const totals = s.layers.map((l) => l.saturation[0].total);
      const fives = s.layers.map((l) => l.saturation[1]?.total ?? NaN);
      const lowest = s.layers[totals.indexOf(Math.min(...totals))].layer;
      if (Number.isNaN(v)) return notYet(id, "your function returned NaN (is it still the placeholder?).", hint);
      let specific = hint;
      if (v === r - 1) specific = "layers are numbered from 1: snapshot.layers[0] is layer 1 — return the `layer` field, not the array index.";
      else if (v > 0 && v < 1 && totals.some((t) => close(t, v, { abs: 1e-12 }))) specific = "you returned a saturation fraction; return the layer's number.";
      else if (v === s.layers[fives.indexOf(Math.max(...fives))].layer && v !== r) specific = "use the first ε (0.01): saturation[0], not saturation[1] (ε = 0.05).";
      else if (v === lowest) specific = "that is the least saturated layer; the question asks for the most saturated one.";
      return notYet(id, `on ${what} (saturation per layer ${totals.map(pct).join(", ")}) it returned ${String(got.value)}, expected layer ${r}.`, specific);
    }
    return right(id, `your function picks the most saturated layer on ${snapshots.length} snapshots, including a real lab.probe record.`);
  };
  const prompt =
    "Probe records (`lab.probe(model, points)`, or `exp.result.probes[k].snapshots[0]`) list, per layer, `saturation[0].total`: the fraction of entries within $\\varepsilon = 0.01$ of 0 or 1. Write `mostSaturatedLayer(snapshot)` returning the number (1-based) of the most saturated hidden layer. The check runs it on hand-made records and on a real `lab.probe` of a small network.";
  return {
    id,
    number: "02.3",
    notebook: "02",
    title: "the most saturated layer of a probe record",
    kind: "code",
    prompt,
    hint,
    checkName: "mostSaturatedLayer",
    async: true,
    check,
    reference: () => (s: ProbeSnapshot) => argmaxLayer(s),
    typicalWrong: [
      { answer: (s: ProbeSnapshot) => argmaxLayer(s) - 1, hint: "layers are numbered from 1" },
      { answer: (s: ProbeSnapshot) => Math.max(...s.layers.map((l) => l.saturation[0].total)), hint: "you returned a saturation fraction" },
    ],
    cells: cellsFor(
      "02.3",
      "the most saturated layer of a probe record",
      "code",
      prompt,
      [
        "// Exercise 02.3: complete the function, then run the cell.",
        "function mostSaturatedLayer(snapshot: lab.ProbeSnapshot): number {",
        "  // your answer",
        "  return NaN;",
        "}",
        "await check.mostSaturatedLayer(mostSaturatedLayer);",
      ].join("\n"),
      [
        "function mostSaturatedLayerSolution(snapshot: lab.ProbeSnapshot): number {",
        "  let best = snapshot.layers[0];",
        "  for (const l of snapshot.layers) if (l.saturation[0].total > best.saturation[0].total) best = l;",
        "  return best.layer;",
        "}",
        "await check.mostSaturatedLayer(mostSaturatedLayerSolution);",
      ].join("\n"),
    ),
  };
})();

// ------------------------------------------------------------ 04 · the 1/4 bound

const sigmoidDerivativeMax = numericExercise({
  id: "04.sigmoid-derivative-max",
  number: "04.1",
  notebook: "04",
  title: "the largest slope of σ",
  kind: "code",
  checkName: "sigmoidDerivativeMax",
  what: "a number (the maximum of σ')",
  prompt:
    "Compute $\\max_z \\sigma'(z)$ numerically: evaluate $\\sigma'(z) = \\sigma(z)(1 - \\sigma(z))$ on a fine grid of $z \\in [-10, 10]$ (or use `lab.activation(\"sigmoid\").df`) and take the largest value.",
  hint: "σ'(z) = σ(z)(1 − σ(z)); evaluate it, don't confuse it with σ(z) itself.",
  reference: () => {
    const df = activation("sigmoid").df;
    let best = 0;
    for (let z = -10; z <= 10; z += 0.001) best = Math.max(best, df(z));
    return best;
  },
  tol: { abs: 1e-4 },
  traps: () => [
    { value: 0.5, hint: "0.5 is σ(0), not σ'(0): the slope there is σ(0)(1 − σ(0))." },
    { value: 1, hint: "1 is the upper asymptote of σ (and the maximum of tanh'), not the maximum slope of σ." },
    { value: 0, hint: "σ' is positive everywhere; it tends to 0 only as |z| → ∞. Look at z = 0." },
    { value: 0.75, hint: "σ(1 − σ) is a product, not a sum or a difference; at σ = 1/2 it is 1/2 · 1/2." },
  ],
  explain: (ref) => `the maximum is σ'(0) = 1/2 · 1/2 = 1/4 (grid: ${fmt(ref)}): each sigmoid layer multiplies the backpropagated error by at most 1/4.`,
  exercise: [
    "// Exercise 04.1: the maximum of σ'(z) over all z (a number).",
    "const maxSlopeAnswer = undefined; // your answer",
    "check.sigmoidDerivativeMax(maxSlopeAnswer);",
  ].join("\n"),
  solution: [
    'const dsig = lab.activation("sigmoid").df;',
    "let maxSlope = 0;",
    "for (let z = -10; z <= 10; z += 0.001) maxSlope = Math.max(maxSlope, dsig(z));",
    "check.sigmoidDerivativeMax(maxSlope);",
  ].join("\n"),
});

const derivativeLevel = numericExercise({
  id: "04.derivative-level",
  number: "04.2",
  notebook: "04",
  title: "where σ' drops below 0.01",
  kind: "code",
  checkName: "derivativeLevel",
  what: "a number (a value of |z|)",
  prompt:
    "Beyond which $|z|$ is $\\sigma'(z) < 0.01$, i.e. a unit passes back less than 1% of the error it receives? Solve $\\sigma(1-\\sigma) = 0.01$ for $\\sigma$, then for $z$ (or bisect on `lab.activation(\"sigmoid\").df`).",
  hint: "σ(1 − σ) = 0.01 is a quadratic in σ: σ = (1 + √(1 − 0.04))/2; then z = ln(σ/(1 − σ)).",
  reference: () => derivativeLevelZ(0.01),
  tol: { abs: 2e-3 },
  normalise: Math.abs,
  traps: () => [
    { value: Math.log(99), hint: "ln 99 ≈ 4.595 is where σ(z) = 0.99 (h saturated at ε = 0.01); there σ' = 0.99 · 0.01 = 0.0099, already just below 0.01. Solve σ(1 − σ) = 0.01 instead.", tol: { abs: 2e-3 } },
    { value: 0.01, hint: "0.01 is the level of σ'; the question asks for the z where σ' reaches it." },
    { value: (1 + Math.sqrt(0.96)) / 2, hint: "that is σ at the level; convert it to z = ln(σ/(1 − σ))." },
    { value: Math.log(100), hint: "close, but not ln 100: solve the quadratic σ(1 − σ) = 0.01 exactly." , tol: { abs: 2e-3 } },
  ],
  explain: (ref) => `σ'(z) < 0.01 for |z| > ${ref.toFixed(4)} (just inside ln 99 ≈ 4.5951, where h = 0.99).`,
  exercise: [
    "// Exercise 04.2: the |z| beyond which σ'(z) < 0.01 (a number).",
    "const levelZAnswer = undefined; // your answer",
    "check.derivativeLevel(levelZAnswer);",
  ].join("\n"),
  solution: [
    "// σ(1 − σ) = 0.01 ⇔ σ = (1 ± √0.96)/2; take the root above 1/2 and invert σ.",
    "const sLevel = (1 + Math.sqrt(1 - 4 * 0.01)) / 2;",
    "const levelZSolution = Math.log(sLevel / (1 - sLevel));",
    'console.log(`z = ${levelZSolution}, σ\'(z) = ${lab.activation("sigmoid").df(levelZSolution)}`);',
    "check.derivativeLevel(levelZSolution);",
  ].join("\n"),
});

const tanhFromSigmoid: Exercise = (() => {
  const id = "04.tanh-from-sigmoid";
  const hint = "tanh(x) = 2σ(2x) − 1: scale the input by 2, the output by 2, and shift it down by 1.";
  const grid = Array.from({ length: 81 }, (_, i) => -4 + i * 0.1);
  const variants: { f: (x: number) => number; hint: string }[] = [
    { f: (x) => 2 * sig(x) - 1, hint: "2σ(x) − 1 is tanh(x/2): the input needs the factor 2 too, σ(2x)." },
    { f: (x) => sig(2 * x) - 1, hint: "σ(2x) − 1 lies in (−1, 0); multiply σ(2x) by 2 before subtracting 1." },
    { f: (x) => 2 * sig(2 * x), hint: "2σ(2x) lies in (0, 2); subtract 1 to centre it." },
    { f: (x) => 2 * sig(x / 2) - 1, hint: "that is tanh(x/4): the input is scaled by 2, not by 1/2." },
  ];
  const check = (answer: unknown): Feedback => {
    if (answer === undefined || answer === null) return noAnswer(id, "a function (x, sigma) => number", hint);
    if (typeof answer !== "function") return notYet(id, "expected a function (x: number, sigma: (z: number) => number) => number.", hint);
    const f = answer as (x: number, s: (z: number) => number) => unknown;
    let calls = 0;
    const spy = (z: number) => (calls++, sig(z));
    let worst = 0, worstX = 0;
    const values: number[] = [];
    for (const x of grid) {
      const got = attempt(() => asNumber(f(x, spy)));
      if ("error" in got) return notYet(id, `your function threw at x = ${fmt(x)}: ${got.error}.`, hint);
      if (Number.isNaN(got.value)) return notYet(id, `your function returned NaN at x = ${fmt(x)} (is it still the placeholder?).`, hint);
      values.push(got.value);
      const err = Math.abs(got.value - Math.tanh(x));
      if (err > worst) (worst = err), (worstX = x);
    }
    if (worst <= 1e-9) {
      if (calls === 0) return notYet(id, "your function equals tanh but never calls sigma.", "the point is the identity: build tanh from the σ you are given (that is how notebook 04 relates the two networks).");
      return right(id, `2σ(2x) − 1 equals Math.tanh(x) on 81 points of [−4, 4] (largest difference ${worst.toExponential(1)}): a sigmoid network is a tanh network with its inputs and weights rescaled and a bias shift.`);
    }
    const variant = variants.find((v) => grid.every((x, i) => Math.abs(values[i] - v.f(x)) < 1e-9));
    return notYet(id, `at x = ${fmt(worstX)} your function gives ${fmt(values[grid.indexOf(worstX)])}, tanh gives ${fmt(Math.tanh(worstX))}.`, variant ? variant.hint : hint);
  };
  const prompt =
    "Express $\\tanh$ through the logistic sigmoid: write `tanhFromSigmoid(x, sigma)` that uses only `sigma` (and arithmetic) and returns $\\tanh(x)$. The check compares it with `Math.tanh` on $[-4, 4]$.";
  return {
    id,
    number: "04.3",
    notebook: "04",
    title: "tanh from σ",
    kind: "code",
    prompt,
    hint,
    checkName: "tanhFromSigmoid",
    async: false,
    check,
    reference: () => (x: number, s: (z: number) => number) => 2 * s(2 * x) - 1,
    typicalWrong: variants.map((v) => ({ answer: (x: number, s: (z: number) => number) => v.f(x) + 0 * s(0), hint: v.hint.slice(0, 40) })),
    cells: cellsFor(
      "04.3",
      "tanh from σ",
      "code",
      prompt,
      [
        "// Exercise 04.3: complete the function using only sigma, then run the cell.",
        "function tanhFromSigmoid(x: number, sigma: (z: number) => number): number {",
        "  // your answer",
        "  return NaN;",
        "}",
        "check.tanhFromSigmoid(tanhFromSigmoid);",
      ].join("\n"),
      [
        "// tanh(x) = (1 − e^(−2x))/(1 + e^(−2x)) = 2/(1 + e^(−2x)) − 1 = 2σ(2x) − 1.",
        "const tanhFromSigmoidSolution = (x: number, sigma: (z: number) => number) => 2 * sigma(2 * x) - 1;",
        "check.tanhFromSigmoid(tanhFromSigmoidSolution);",
      ].join("\n"),
    ),
  };
})();

const spectralNormExercise: Exercise = (() => {
  const id = "04.spectral-norm";
  const hint = "‖W‖₂ is the largest singular value: the square root of the largest eigenvalue of WᵀW (power iteration: v ← WᵀWv/‖WᵀWv‖).";
  const cases: number[][][] = [
    [[3, 0], [4, 5]],
    [[1, 2], [3, 4], [5, 6]],
    [[2, -1, 0.5], [0, 1, 3], [1, 1, 1], [-2, 0, 1]],
  ];
  const ref = (rows: number[][]) => spectralNorm(matrix(rows.length, rows[0].length, rows.flat()), { iterations: 2000, tol: 1e-14 });
  const frob = (rows: number[][]) => Math.sqrt(rows.flat().reduce((s, v) => s + v * v, 0));
  const maxAbs = (rows: number[][]) => Math.max(...rows.flat().map(Math.abs));
  const rowSum = (rows: number[][]) => Math.max(...rows.map((r) => r.reduce((s, v) => s + Math.abs(v), 0)));
  const colSum = (rows: number[][]) => Math.max(...rows[0].map((_, j) => rows.reduce((s, r) => s + Math.abs(r[j]), 0)));
  const traps: { f: (rows: number[][]) => number; hint: string }[] = [
    { f: frob, hint: "that is the Frobenius norm √(Σ w²), which only bounds ‖W‖₂ from above; ‖W‖₂ is the largest singular value." },
    { f: (r) => ref(r) ** 2, hint: "that is the largest eigenvalue of WᵀW, i.e. ‖W‖₂²: take its square root." },
    { f: maxAbs, hint: "the largest entry is a lower bound; ‖W‖₂ = max over unit vectors v of ‖Wv‖." },
    { f: rowSum, hint: "the largest absolute row sum is the ∞-norm, not the spectral norm." },
    { f: colSum, hint: "the largest absolute column sum is the 1-norm, not the spectral norm." },
  ];
  const check = (answer: unknown): Feedback => {
    if (answer === undefined || answer === null) return noAnswer(id, "a function (rows: number[][]) => number", hint);
    if (typeof answer !== "function") return notYet(id, "expected a function (rows: number[][]) => number.", hint);
    const f = answer as (rows: number[][]) => unknown;
    for (const rows of cases) {
      const got = attempt(() => asNumber(f(rows.map((r) => [...r]))));
      if ("error" in got) return notYet(id, `your function threw: ${got.error}.`, hint);
      const r = ref(rows);
      if (close(got.value, r, { rel: 1e-4 })) continue;
      if (Number.isNaN(got.value)) return notYet(id, "your function returned NaN (is it still the placeholder?).", hint);
      const trap = traps.find((t) => close(got.value, t.f(rows), { rel: 1e-4 }));
      return notYet(id, `for the ${rows.length}×${rows[0].length} matrix ${JSON.stringify(rows)} it returned ${fmt(got.value)}, expected ${fmt(r)}.`, trap ? trap.hint : hint);
    }
    return right(id, `your ‖W‖₂ matches lab.spectralNorm on ${cases.length} matrices (e.g. ${fmt(ref(cases[0]))} for [[3, 0], [4, 5]], whose Frobenius norm is ${fmt(frob(cases[0]))}).`);
  };
  const prompt =
    "The bound of notebook 04 uses $\\|W\\|_2$, the largest singular value of $W$. Write `spectralNormOf(rows)` for a small matrix given as rows (power iteration on $W^\\top W$, or the largest eigenvalue of the 2×2 or 3×3 $W^\\top W$). The check compares it with `lab.spectralNorm`.";
  return {
    id,
    number: "04.4",
    notebook: "04",
    title: "the spectral norm of a small matrix",
    kind: "code",
    prompt,
    hint,
    checkName: "spectralNorm",
    async: false,
    check,
    reference: () => (rows: number[][]) => powerIteration(rows),
    typicalWrong: traps.map((t) => ({ answer: t.f, hint: t.hint.slice(0, 40) })),
    cells: cellsFor(
      "04.4",
      "the spectral norm of a small matrix",
      "code",
      prompt,
      [
        "// Exercise 04.4: complete the function, then run the cell.",
        "function spectralNormOf(rows: number[][]): number {",
        "  // your answer",
        "  return NaN;",
        "}",
        "check.spectralNorm(spectralNormOf);",
      ].join("\n"),
      [
        "// Power iteration: v ← WᵀW v / ‖WᵀW v‖ converges to the top right singular vector; ‖W‖₂ = ‖W v‖.",
        "function spectralNormOfSolution(rows: number[][]): number {",
        "  const m = rows.length, n = rows[0].length;",
        "  let v = Array.from({ length: n }, (_, j) => 1 + j);",
        "  for (let it = 0; it < 500; it++) {",
        "    const wv = rows.map((r) => r.reduce((s, w, j) => s + w * v[j], 0));",
        "    const next = Array.from({ length: n }, (_, j) => rows.reduce((s, r, i) => s + r[j] * wv[i], 0));",
        "    const norm = Math.hypot(...next);",
        "    v = next.map((x) => x / norm);",
        "  }",
        "  return Math.hypot(...rows.map((r) => r.reduce((s, w, j) => s + w * v[j], 0)));",
        "}",
        "check.spectralNorm(spectralNormOfSolution);",
      ].join("\n"),
    ),
  };
})();

/** ‖W‖₂ by plain power iteration (the reference solution of 04.4). */
function powerIteration(rows: number[][]): number {
  const n = rows[0].length;
  let v = Array.from({ length: n }, (_, j) => 1 + j);
  for (let it = 0; it < 500; it++) {
    const wv = rows.map((r) => r.reduce((s, w, j) => s + w * v[j], 0));
    const next = Array.from({ length: n }, (_, j) => rows.reduce((s, r, i) => s + r[j] * wv[i], 0));
    const norm = Math.hypot(...next);
    v = next.map((x) => x / norm);
  }
  return Math.hypot(...rows.map((r) => r.reduce((s, w, j) => s + w * v[j], 0)));
}

const boundProduct = numericExercise({
  id: "04.bound-product",
  number: "04.5",
  notebook: "04",
  title: "the chained bound",
  kind: "predict-then-run",
  checkName: "boundProduct",
  what: "a number (the largest possible ratio ‖δ₁‖/‖δ₆‖)",
  prompt:
    "With 5 hidden sigmoid layers and the output layer 6, the backward recursion gives $\\|\\delta_l\\| \\le \\tfrac14\\,\\|W_{l+1}\\|_2\\,\\|\\delta_{l+1}\\|$. Suppose every weight matrix has $\\|W_k\\|_2 = 2$. What is the largest possible ratio $\\|\\delta_1\\| / \\|\\delta_6\\|$ between the error at layer 1 and the output error?",
  hint: "count the matrices the error crosses between the output (layer 6) and layer 1, and multiply one factor ¼·‖W‖₂ per matrix.",
  reference: () => Math.pow(0.25 * 2, 5),
  tol: { rel: 1e-3 },
  traps: () => [
    { value: Math.pow(0.25, 5), hint: "(1/4)⁵ forgets the weights: each step multiplies by ¼·‖W‖₂ = ¼·2." },
    { value: Math.pow(0.5, 6), hint: "one factor too many: from δ₆ down to δ₁ the error crosses W₆, W₅, W₄, W₃, W₂ — five matrices." },
    { value: Math.pow(0.5, 4), hint: "one factor too few: from δ₆ down to δ₁ the error crosses W₆, W₅, W₄, W₃, W₂ — five matrices." },
    { value: Math.pow(2, 5), hint: "2⁵ forgets σ' ≤ 1/4: each step is ¼·‖W‖₂ = 1/2." },
    { value: 0.5, hint: "that is one step; chain it over the five matrices." },
  ],
  explain: (ref) => `five factors ¼·2 = ½: (½)⁵ = ${fmt(ref)}. With ‖W‖₂ = 2 < 4 the bound shrinks the error geometrically; with ‖W‖₂ > 4 it says nothing.`,
  exercise: [
    "// Exercise 04.5: the largest possible ‖δ₁‖/‖δ₆‖ when every ‖W_k‖₂ = 2 (a number).",
    "const boundAnswer = undefined; // your answer",
    "check.boundProduct(boundAnswer);",
  ].join("\n"),
  solution: [
    "// δ₁ is reached from δ₆ through W₆, W₅, W₄, W₃, W₂: five factors of (1/4)·2.",
    "const boundSolution = Array.from({ length: 5 }, () => 0.25 * 2).reduce((p, f) => p * f, 1);",
    "check.boundProduct(boundSolution);",
  ].join("\n"),
});

// ------------------------------------------------------------ 05 · fixes

const layerMultipliers: Exercise = (() => {
  const id = "05.layer-multipliers";
  const hint = "layer l's error has crossed L + 1 − l sigmoid derivatives (each ≤ 1/4) on its way down from the output: give it the multiplier 4^(L+1−l), so layer 1 gets 4^L and the output layer 4⁰ = 1.";
  const ref = (L: number) => Array.from({ length: L + 1 }, (_, i) => Math.pow(4, L - i));
  const check = (answer: unknown): Feedback => {
    if (answer === undefined || answer === null) return noAnswer(id, "a function (L) => multipliers", hint);
    if (typeof answer !== "function") return notYet(id, "expected a function (L: number) => number[].", hint);
    const f = answer as (L: number) => unknown;
    for (const L of [1, 2, 3, 5, 8]) {
      const got = attempt(() => f(L));
      if ("error" in got) return notYet(id, `your function threw for L = ${L}: ${got.error}.`, hint);
      const v = got.value;
      if (!Array.isArray(v) && !(v instanceof Float32Array) && !(v instanceof Float64Array)) return notYet(id, `for L = ${L} it returned ${String(v)}, not an array.`, hint);
      const arr = Array.from(v as ArrayLike<unknown>, asNumber);
      const r = ref(L);
      if (arr.length === L) return notYet(id, `for L = ${L} it returned ${arr.length} multipliers.`, "train() wants L + 1 of them: the hidden layers 1..L and then the output layer L + 1.");
      if (arr.length !== L + 1) return notYet(id, `for L = ${L} it returned ${arr.length} multipliers, expected ${L + 1}.`, hint);
      if (arr.every((x, i) => close(x, r[i], { rel: 1e-9 }))) continue;
      const show = `for L = ${L} it returned [${arr.map(fmt).join(", ")}], expected [${r.join(", ")}].`;
      if (arr.some((x) => Number.isNaN(x))) return notYet(id, "your function returned NaN (is it still the placeholder?).", hint);
      if (arr.every((x, i) => close(x, r[L - i], { rel: 1e-9 }))) return notYet(id, show, "reversed: index 0 is layer 1, the layer nearest the input, whose error is the most attenuated — it gets the largest multiplier.");
      if (arr.every((x, i) => close(x, r[i] / 4, { rel: 1e-9 }))) return notYet(id, show, "off by one: the output layer's own gradient is not attenuated (multiplier 4⁰ = 1), layer L's by one σ' (multiplier 4).");
      if (arr.every((x, i) => close(x, Math.pow(2, L - i), { rel: 1e-9 }))) return notYet(id, show, "the bound is σ' ≤ 1/4, so the factor per layer is 4, not 2.");
      return notYet(id, show, hint);
    }
    // The multipliers must also be accepted by the trainer (one per layer, positive, finite).
    const model = new Mlp({ inputDim: 2, widths: [3, 3, 3], outputDim: 2, activation: "sigmoid", init: "standard", seed: 1 });
    try {
      const data = { name: "4 points", x: new Float32Array(8), y: new Int32Array(4), n: 4, inputDim: 2, numClasses: 2 };
      validateTrainConfig(model, { train: data }, { epochs: 1, batchSize: 2, optimizer: { kind: "sgd", learningRate: 0.1 }, seed: 1, layerLearningRates: (f(3) as number[]).map(Number) });
    } catch (e) {
      return notYet(id, `train() refused them: ${(e as Error).message}`, hint);
    } finally {
      model.dispose();
    }
    return right(id, `e.g. L = 5 gives [${ref(5).join(", ")}], and train() accepts them as layerLearningRates. (A worst-case rule: where σ' ≈ 1/4 it compensates exactly; where units saturate it cannot.)`);
  };
  const prompt =
    "The error reaching hidden layer $l$ has been multiplied by up to $L + 1 - l$ factors $\\sigma' \\le \\tfrac14$ on its way down. A per-layer learning rate can compensate the worst case: write `layerMultipliers(L)` returning the `layerLearningRates` array for `lab.train` — one multiplier per hidden layer $1..L$, then the output layer $L+1$ — equal to $4^{L+1-l}$.";
  return {
    id,
    number: "05.1",
    notebook: "05",
    title: "a per-layer learning-rate rule",
    kind: "code",
    prompt,
    hint,
    checkName: "layerMultipliers",
    async: false,
    check,
    reference: () => ref,
    typicalWrong: [
      { answer: (L: number) => ref(L).slice(0, L), hint: "train() wants L + 1" },
      { answer: (L: number) => ref(L).reverse(), hint: "reversed" },
      { answer: (L: number) => ref(L).map((x) => x / 4), hint: "off by one" },
      { answer: (L: number) => Array.from({ length: L + 1 }, (_, i) => Math.pow(2, L - i)), hint: "the bound is σ' ≤ 1/4" },
    ],
    cells: cellsFor(
      "05.1",
      "a per-layer learning-rate rule",
      "code",
      prompt,
      [
        "// Exercise 05.1: complete the function, then run the cell.",
        "function layerMultipliers(L: number): number[] {",
        "  // your answer",
        "  return [];",
        "}",
        "check.layerMultipliers(layerMultipliers);",
      ].join("\n"),
      [
        "// Layer l (1..L+1) gets 4^(L+1−l): [4^L, …, 16, 4, 1].",
        "const layerMultipliersSolution = (L: number) => Array.from({ length: L + 1 }, (_, i) => 4 ** (L - i));",
        "check.layerMultipliers(layerMultipliersSolution);",
      ].join("\n"),
    ),
  };
})();

const normalizedInitLimit = numericExercise({
  id: "05.normalized-init-limit",
  number: "05.2",
  notebook: "05",
  title: "the interval of the normalized initialisation",
  kind: "code",
  checkName: "normalizedInitLimit",
  what: "a number (the limit a of U[−a, a])",
  prompt:
    "Glorot & Bengio's normalized initialisation draws $W_{jk} \\sim U[-a, a]$ with variance $\\frac{2}{n_{\\rm in} + n_{\\rm out}}$. What is $a$ for a layer with $n_{\\rm in} = n_{\\rm out} = 256$? (`lab.INITS.normalized.variance(256, 256)` gives the variance.)",
  hint: "U[−a, a] has variance a²/3, so a = √(3 · Var) = √(6/(n_in + n_out)).",
  reference: () => Math.sqrt(3 * INITS.normalized.variance(256, 256)),
  tol: { rel: 1e-3 },
  traps: () => [
    { value: 1 / 16, hint: "1/16 = 1/√256 is the standard init's limit — and also the normalized init's standard deviation √(2/512); the limit is √3 times the standard deviation." },
    { value: 2 / 512, hint: "2/512 is the variance; the limit a satisfies a²/3 = variance." },
    { value: Math.sqrt(6) / 512, hint: "the square root covers the whole fraction: a = √(6/512)." },
    { value: Math.sqrt(6 / 256), hint: "the denominator is n_in + n_out = 512, not n = 256." },
  ],
  explain: (ref) => `a = √(6/512) = ${fmt(ref)}, √3 times the standard deviation √(2/512) = 0.0625.`,
  exercise: [
    "// Exercise 05.2: the limit a of the normalized init for a 256 → 256 layer (a number).",
    "const normalizedLimitAnswer = undefined; // your answer",
    "check.normalizedInitLimit(normalizedLimitAnswer);",
  ].join("\n"),
  solution: [
    "const normalizedLimitSolution = Math.sqrt(3 * lab.INITS.normalized.variance(256, 256)); // = √(6/512)",
    "check.normalizedInitLimit(normalizedLimitSolution);",
  ].join("\n"),
});

const scaledSigmoidSlope = numericExercise({
  id: "05.scaled-sigmoid-slope",
  number: "05.3",
  notebook: "05",
  title: "the slope of the scaled sigmoid",
  kind: "predict-then-run",
  checkName: "scaledSigmoidSlope",
  what: "a number (the slope at 0)",
  prompt:
    "Xu, Huang & Li (2016) replace $\\sigma$ by the scaled sigmoid $4\\sigma(z) - 2$ (`\"scaledSigmoid\"` in `lab.activation`). Predict its slope at $z = 0$, then check it with `lab.activation(\"scaledSigmoid\").df(0)`.",
  hint: "the derivative of 4σ(z) − 2 is 4σ'(z); and σ'(0) = 1/4.",
  reference: () => activation("scaledSigmoid").df(0),
  tol: { abs: 1e-6 },
  traps: () => [
    { value: 0.25, hint: "1/4 is σ'(0); the factor 4 in front multiplies the slope too." },
    { value: 4, hint: "4 is the factor; the slope is 4 · σ'(0) = 4 · 1/4." },
    { value: 2, hint: "2 is the asymptote of 4σ − 2 (its range is (−2, 2)), not its slope." },
    { value: 0, hint: "4σ(0) − 2 = 0 is the value at 0; the question asks for the slope." },
  ],
  explain: () => "4σ'(0) = 4 · 1/4 = 1: like tanh, the scaled sigmoid passes errors through unshrunk near 0 (and it is centred: 4σ(0) − 2 = 0).",
  exercise: [
    "// Exercise 05.3: your prediction of the slope of 4σ(z) − 2 at z = 0 (a number).",
    "const scaledSlopeAnswer = undefined; // your answer",
    "check.scaledSigmoidSlope(scaledSlopeAnswer);",
  ].join("\n"),
  solution: [
    'const scaledSlopeSolution = lab.activation("scaledSigmoid").df(0); // 4 · σ\'(0) = 4 · 1/4',
    "check.scaledSigmoidSlope(scaledSlopeSolution);",
  ].join("\n"),
});

const batchNormColumn: Exercise = (() => {
  const id = "05.batchnorm-column";
  const hint = `normalise with the batch mean and the biased batch variance (divide by n, not n − 1), with ε = ${BN_EPSILON} inside the square root: (z − mean)/√(var + ε).`;
  const columns = [
    [0.5, 1.5, -0.2, 2.4, 0.9, 1.1, -1.0, 0.3],
    [0.01, 0.03, 0.02, 0.05, 0.04, 0.0, 0.02, 0.03, 0.01, 0.04],
    [3, 3.2, 2.9, 3.1],
  ];
  const stats = (z: number[], unbiased = false) => {
    const m = z.reduce((s, v) => s + v, 0) / z.length;
    const v = z.reduce((s, x) => s + (x - m) ** 2, 0) / (z.length - (unbiased ? 1 : 0));
    return { m, v };
  };
  const ref = (z: number[]) => {
    const { m, v } = stats(z);
    return z.map((x) => (x - m) / Math.sqrt(v + BN_EPSILON));
  };
  const variants: { f: (z: number[]) => number[]; hint: string }[] = [
    { f: (z) => { const { m, v } = stats(z, true); return z.map((x) => (x - m) / Math.sqrt(v + BN_EPSILON)); }, hint: "you used the unbiased variance (÷ (n − 1)); batch norm normalises with the batch's own variance, ÷ n." },
    { f: (z) => { const { m, v } = stats(z); return z.map((x) => (x - m) / Math.sqrt(v)); }, hint: `ε is missing: divide by √(var + ε) with ε = ${BN_EPSILON} (lab.BN_EPSILON); it matters when a batch has little spread.` },
    { f: (z) => { const { m, v } = stats(z); return z.map((x) => (x - m) / (v + BN_EPSILON)); }, hint: "divide by the square root √(var + ε), not by the variance." },
    { f: (z) => { const { v } = stats(z); return z.map((x) => x / Math.sqrt(v + BN_EPSILON)); }, hint: "subtract the batch mean first." },
  ];
  const check = async (answer: unknown): Promise<Feedback> => {
    if (answer === undefined || answer === null) return noAnswer(id, "a function (z: number[]) => number[]", hint);
    if (typeof answer !== "function") return notYet(id, "expected a function (z: number[]) => number[].", hint);
    const f = answer as (z: number[]) => unknown;
    for (const z of columns) {
      const got = attempt(() => f([...z]));
      if ("error" in got) return notYet(id, `your function threw: ${got.error}.`, hint);
      const v = got.value;
      if (!(Array.isArray(v) || v instanceof Float32Array || v instanceof Float64Array) || (v as ArrayLike<unknown>).length !== z.length) {
        return notYet(id, `for a column of ${z.length} values it did not return ${z.length} numbers.`, hint);
      }
      const arr = Array.from(v as ArrayLike<unknown>, asNumber);
      if (arr.some(Number.isNaN)) return notYet(id, "your function returned NaN (is it still the placeholder?).", hint);
      const r = ref(z);
      if (arr.every((x, i) => close(x, r[i], { abs: 1e-6, rel: 1e-5 }))) continue;
      const variant = variants.find((w) => w.f(z).every((x, i) => close(arr[i], x, { abs: 1e-6, rel: 1e-5 })));
      return notYet(id, `for [${z.join(", ")}] it returned [${arr.map((x) => x.toFixed(4)).join(", ")}], expected [${r.map((x) => x.toFixed(4)).join(", ")}].`, variant ? variant.hint : hint);
    }
    // And against tfjs' own batch norm, the op the lib's batch-norm layers use (γ = 1, β = 0).
    await prepareBackend({ quiet: true });
    const z = columns[0];
    const tfOut = tf.tidy(() => {
      const t = tf.tensor2d(z, [z.length, 1]);
      const { mean, variance } = tf.moments(t, 0);
      return Array.from(tf.batchNorm(t, mean, variance, undefined, undefined, BN_EPSILON).dataSync());
    });
    const mine = Array.from(f([...z]) as ArrayLike<number>);
    const worst = Math.max(...mine.map((x, i) => Math.abs(x - tfOut[i])));
    if (worst > 1e-4) return notYet(id, `it differs from tf.batchNorm by ${fmt(worst)}.`, hint);
    return right(id, `your normalisation matches the formula on ${columns.length} columns and tf.batchNorm (as in lab's batch-norm layers, γ = 1, β = 0) to ${worst.toExponential(1)}.`);
  };
  const prompt = `Batch norm replaces each pre-activation $z$ of a unit by $\\hat z = (z - \\mu_B)/\\sqrt{\\sigma_B^2 + \\varepsilon}$, with the mean $\\mu_B$ and variance $\\sigma_B^2$ of that unit over the mini-batch and $\\varepsilon = ${BN_EPSILON}$ (\`lab.BN_EPSILON\`); $\\gamma$ and $\\beta$ then rescale it. Write \`batchNormalize(z)\` for one unit's column of a batch ($\\gamma = 1$, $\\beta = 0$). The check compares it with the formula and with \`tf.batchNorm\`.`;
  return {
    id,
    number: "05.4",
    notebook: "05",
    title: "batch-normalise one unit",
    kind: "code",
    prompt,
    hint,
    checkName: "batchNormalize",
    async: true,
    check,
    reference: () => ref,
    typicalWrong: variants.map((v) => ({ answer: v.f, hint: v.hint.slice(0, 40) })),
    cells: cellsFor(
      "05.4",
      "batch-normalise one unit",
      "code",
      prompt,
      [
        "// Exercise 05.4: complete the function, then run the cell.",
        "function batchNormalize(z: number[]): number[] {",
        "  // your answer",
        "  return z.map(() => NaN);",
        "}",
        "await check.batchNormalize(batchNormalize);",
      ].join("\n"),
      [
        "function batchNormalizeSolution(z: number[]): number[] {",
        "  const mean = z.reduce((s, v) => s + v, 0) / z.length;",
        "  const variance = z.reduce((s, v) => s + (v - mean) ** 2, 0) / z.length; // biased: ÷ n",
        "  return z.map((v) => (v - mean) / Math.sqrt(variance + lab.BN_EPSILON));",
        "}",
        "await check.batchNormalize(batchNormalizeSolution);",
      ].join("\n"),
    ),
  };
})();

// ------------------------------------------------------------ 07 · playground

function requireRun(run: unknown, id: string): PlaygroundRun | Feedback {
  const r = run as PlaygroundRun | undefined;
  if (!r || !Array.isArray(r.moments) || r.moments.length === 0 || !r.config) {
    return notYet(id, "the check needs the run as its second argument.", "pass the run the main cell made, e.g. check.playgroundMostSaturated(answer, baseline).");
  }
  return r;
}

const playgroundMostSaturated: Exercise = (() => {
  const id = "07.most-saturated-layer";
  const hint = "the layer next to the output gets the output layer's gradient first and can lower the loss by switching its units off while the lower layers still carry no information.";
  const check = (answer: unknown, context?: unknown): Feedback => {
    const run = requireRun(context, id);
    if ("ok" in run) return run;
    const L = run.config.widths.length;
    if (answer === undefined || answer === null) return noAnswer(id, `a layer number from 1 to ${L}`, null);
    const x = asNumber(answer);
    if (!(Number.isInteger(x) && x >= 1 && x <= L)) return notYet(id, `${String(answer)} is not a hidden layer of this network.`, `answer with a whole number from 1 (nearest the input) to ${L} (the top).`);
    const last = run.moments[run.moments.length - 1];
    const shares = last.planeSaturation.map((s) => s.total);
    const ref = mostSaturatedLayer(run);
    const measured = `at epoch ${last.epoch} layers 1–${L} of "${run.config.label}" are saturated on ${shares.map(pct).join(", ")} of the plane`;
    if (x === ref || close(shares[x - 1], shares[ref - 1], { abs: 1e-9 })) return right(id, `layer ${x}: ${measured}.`);
    const specific = x === 1 && ref === L
      ? `layer 1 sees x directly, and |x| ≤ 1.2 with weights of size 1/√2 keeps its z small; ${hint}`
      : hint;
    return notYet(id, `${measured}.`, specific);
  };
  const prompt =
    "Before you run the main cell: in the **baseline** (sigmoid, standard init), which hidden layer will be saturated on the largest share of the input plane at the end of training? Write your prediction in the cell below, run the main cell, then run the check.";
  return {
    id,
    number: "07.1",
    notebook: "07",
    title: "which layer saturates?",
    kind: "predict-then-run",
    prompt,
    hint,
    checkName: "playgroundMostSaturated",
    async: false,
    context: "the baseline PlaygroundRun of the main cell",
    check,
    reference: (context) => mostSaturatedLayer(context as PlaygroundRun),
    typicalWrong: [{ answer: 1, hint: "layer 1 sees x directly" }],
    cells: cellsFor(
      "07.1",
      "which layer saturates?",
      "predict-then-run",
      prompt,
      [
        "// Exercise 07.1: your prediction, BEFORE running the main cell: a hidden layer from 1 (input side) to depth (top).",
        "const predictedLayer = undefined; // your answer",
      ].join("\n"),
      [
        "// Read it off the run: the layer with the largest saturated share of the plane at the last moment.",
        "const lastBaseline = baseline.moments[baseline.moments.length - 1];",
        "console.log(lastBaseline.planeSaturation.map((s, l) => `layer ${l + 1}: ${(100 * s.total).toFixed(0)}%`).join(\", \"));",
        "check.playgroundMostSaturated(pg.mostSaturatedLayer(baseline), baseline);",
      ].join("\n"),
      ["// Exercise 07.1: your prediction against the run.", "check.playgroundMostSaturated(predictedLayer, baseline);"].join("\n"),
    ),
  };
})();

const playgroundPointsOrPlane: Exercise = (() => {
  const id = "07.points-or-plane";
  const hint = "a unit is a function of x over the whole plane; training moves its weights, and the picture saturates wherever |z(x)| is large — between and beyond the training points as well as on them.";
  const choices = ["points", "plane", "same"];
  const check = (answer: unknown, context?: unknown): Feedback => {
    const run = requireRun(context, id);
    if ("ok" in run) return run;
    if (answer === undefined || answer === null) return noAnswer(id, '"points", "plane" or "same"', null);
    const a = String(answer).trim().toLowerCase();
    if (!choices.includes(a)) return notYet(id, `${JSON.stringify(answer)} is not one of "points", "plane", "same".`, hint);
    const m = pointsOrPlane(run);
    const measured = `layer 1 of "${run.config.label}" is saturated on ${pct(m.points)} of the (training point, unit) entries and on ${pct(m.plane)} of the (grid point, unit) entries`;
    if (a === m.verdict) return right(id, `"${a}": ${measured} (difference under 3 points counts as "same").`);
    return notYet(id, `${measured}, so the answer is not "${a}".`, hint);
  };
  const prompt =
    "Before you run the main cell: in the **fixed** network at the end of training, is layer 1 saturated more often **on the training points** than over the **whole plane** (`\"points\"`), less often (`\"plane\"`), or about as often (`\"same\"`, within 3 percentage points)? If saturation came from gradient descent passing over the training points many times, which would you expect?";
  return {
    id,
    number: "07.2",
    notebook: "07",
    title: "on the training points, or everywhere?",
    kind: "predict-then-run",
    prompt,
    hint,
    checkName: "playgroundPointsOrPlane",
    async: false,
    context: "the fixed PlaygroundRun of the main cell",
    check,
    reference: (context) => pointsOrPlane(context as PlaygroundRun).verdict,
    typicalWrong: [],
    cells: cellsFor(
      "07.2",
      "on the training points, or everywhere?",
      "predict-then-run",
      prompt,
      [
        '// Exercise 07.2: your prediction, BEFORE running the main cell: "points", "plane" or "same".',
        "const predictedWhere = undefined; // your answer",
      ].join("\n"),
      [
        "const where = pg.pointsOrPlane(fixed);",
        "console.log(`layer 1: ${(100 * where.points).toFixed(1)}% on the training points, ${(100 * where.plane).toFixed(1)}% over the plane`);",
        "check.playgroundPointsOrPlane(where.verdict, fixed);",
      ].join("\n"),
      ["// Exercise 07.2: your prediction against the run.", "check.playgroundPointsOrPlane(predictedWhere, fixed);"].join("\n"),
    ),
  };
})();

const playgroundRelu: Exercise = (() => {
  const id = "07.relu-same-rate";
  const hint = "ReLU has no upper asymptote, but its flat side h = 0 passes no gradient at all; a big step can push a unit's z below 0 for every input, and then nothing brings it back.";
  const choices = ["learns", "dead", "diverges", "stuck"];
  const check = async (answer: unknown, context?: unknown): Promise<Feedback> => {
    const run = requireRun(context, id);
    if ("ok" in run) return run;
    if (answer === undefined || answer === null) return noAnswer(id, '"learns", "dead", "diverges" or "stuck"', null);
    const a = String(answer).trim().toLowerCase();
    if (!choices.includes(a)) return notYet(id, `${JSON.stringify(answer)} is not one of "learns", "dead", "diverges", "stuck".`, hint);
    const o = await reluOutcome(run);
    if (a === o.verdict) return right(id, `"${a}" — measured just now: ${o.description}.`);
    return notYet(id, `measured just now: ${o.description}, so not "${a}".`, hint);
  };
  const prompt =
    'Predict, then run: the baseline\'s learning rate was chosen for sigmoid units. Suppose you switch to `fix = "relu"` (ReLU units, He init) and keep that same learning rate. Will the network **learn** (≥ 80% training accuracy), end up **dead** (some layer with h = 0 on the whole plane, so no gradient reaches the layers below), **diverge**, or stay **stuck** otherwise? The check trains that network (a few seconds) and tells you.';
  return {
    id,
    number: "07.3",
    notebook: "07",
    title: "ReLU at the sigmoid's learning rate",
    kind: "predict-then-run",
    prompt,
    hint,
    checkName: "playgroundRelu",
    async: true,
    context: "the baseline PlaygroundRun of the main cell",
    check,
    reference: async (context) => (await reluOutcome(context as PlaygroundRun)).verdict,
    typicalWrong: [],
    cells: cellsFor(
      "07.3",
      "ReLU at the sigmoid's learning rate",
      "predict-then-run",
      prompt,
      [
        '// Exercise 07.3: your prediction: "learns", "dead", "diverges" or "stuck".',
        "const predictedRelu = undefined; // your answer",
        "await check.playgroundRelu(predictedRelu, baseline);",
      ].join("\n"),
      [
        "// Train it and look: the share of the plane where each layer's ReLUs output 0.",
        "const reluRun = await pg.reluOutcome(baseline);",
        "console.log(reluRun.description);",
        "await check.playgroundRelu(reluRun.verdict, baseline);",
      ].join("\n"),
    ),
  };
})();

// ------------------------------------------------------------ the registry and `check`

export const EXERCISES: readonly Exercise[] = [
  chanceLoss,
  standardInitVariance,
  firstSaturatingLayer,
  saturationFractionExercise,
  saturationThresholdZ,
  mostSaturatedFromProbe,
  sigmoidDerivativeMax,
  derivativeLevel,
  tanhFromSigmoid,
  spectralNormExercise,
  boundProduct,
  layerMultipliers,
  normalizedInitLimit,
  scaledSigmoidSlope,
  batchNormColumn,
  playgroundMostSaturated,
  playgroundPointsOrPlane,
  playgroundRelu,
];

export function exercise(id: string): Exercise {
  const e = EXERCISES.find((x) => x.id === id || x.number === id);
  if (!e) throw new Error(`No exercise "${id}". Exercises: ${EXERCISES.map((x) => x.id).join(", ")}.`);
  return e;
}

/** The feedback, without showing it (for tests and scripts). */
export async function verify(id: string, answer: unknown, context?: unknown): Promise<Feedback> {
  return exercise(id).check(answer, context);
}

function shown(id: string): (answer: unknown, context?: unknown) => void {
  return (answer, context) => {
    const f = exercise(id).check(answer, context);
    if (f instanceof Promise) throw new Error(`exercise ${id} is async: use checkAsync`);
    showFeedback(f);
  };
}

function shownAsync(id: string): (answer: unknown, context?: unknown) => Promise<void> {
  return async (answer, context) => showFeedback(await exercise(id).check(answer, context));
}

/**
 * The checkers exercise cells call. Each shows one line and returns nothing
 * (so a notebook prints nothing else); the async ones must be awaited.
 */
export const check = {
  chanceLoss: shown("01.chance-loss"),
  standardInitVariance: shown("01.standard-init-variance"),
  firstSaturatingLayer: shownAsync("01.first-saturating-layer"),
  saturationFraction: shown("02.saturation-fraction"),
  saturationThresholdZ: shown("02.saturation-threshold-z"),
  mostSaturatedLayer: shownAsync("02.most-saturated-layer"),
  sigmoidDerivativeMax: shown("04.sigmoid-derivative-max"),
  derivativeLevel: shown("04.derivative-level"),
  tanhFromSigmoid: shown("04.tanh-from-sigmoid"),
  spectralNorm: shown("04.spectral-norm"),
  boundProduct: shown("04.bound-product"),
  layerMultipliers: shown("05.layer-multipliers"),
  normalizedInitLimit: shown("05.normalized-init-limit"),
  scaledSigmoidSlope: shown("05.scaled-sigmoid-slope"),
  batchNormalize: shownAsync("05.batchnorm-column"),
  playgroundMostSaturated: shown("07.most-saturated-layer"),
  playgroundPointsOrPlane: shown("07.points-or-plane"),
  playgroundRelu: shownAsync("07.relu-same-rate"),
  /** Any numeric exercise by id, e.g. check.numeric("04.sigmoid-derivative-max", 0.25). */
  numeric: (id: string, answer: unknown): void => {
    const e = exercise(id);
    if (e.async) throw new Error(`exercise ${id} trains or probes a network: call await check.any("${id}", answer)`);
    showFeedback(e.check(answer) as Feedback);
  },
  /** Any exercise by id (async: await it). */
  any: async (id: string, answer: unknown, context?: unknown): Promise<void> => showFeedback(await exercise(id).check(answer, context)),
};

/** The cells a notebook should contain for its exercises, in order (for the lead to insert). */
export function exerciseCells(notebook: NotebookId): { cell_type: "markdown" | "code"; source: string; tags: string[] }[] {
  return EXERCISES.filter((e) => e.notebook === notebook).flatMap((e) => [
    { cell_type: "markdown" as const, source: e.cells.prompt, tags: [] },
    { cell_type: "code" as const, source: e.cells.exercise, tags: [] },
    ...(e.cells.checkCell ? [{ cell_type: "code" as const, source: e.cells.checkCell, tags: [] }] : []),
    { cell_type: "code" as const, source: e.cells.solution, tags: ["solution"] },
  ]);
}

/** The registry as a markdown table (for teachers). */
export function exerciseList(): string {
  const rows = EXERCISES.map((e) => `| ${e.number} | \`${e.id}\` | ${e.kind} | ${e.title} | \`${e.async ? "await " : ""}check.${e.checkName}(…)\` |`);
  return ["| # | id | kind | exercise | checker |", "| --- | --- | --- | --- | --- |", ...rows].join("\n");
}

/**
 * npx tsx lib/exercises.ts              the list
 * npx tsx lib/exercises.ts --cells 02   notebook 02's cells, in the percent format of /tmp/nbgen
 */
if (require.main === module) {
  const at = process.argv.indexOf("--cells");
  if (at < 0) {
    process.stdout.write(exerciseList() + "\n");
  } else {
    const nb = process.argv[at + 1] as NotebookId;
    for (const c of exerciseCells(nb)) {
      const head = c.cell_type === "markdown" ? "// %% [markdown]" : c.tags.length ? `// %% tags=[${c.tags.join(",")}]` : "// %%";
      const body = c.cell_type === "markdown" ? c.source.split("\n").map((l) => (l === "" ? "//" : `// ${l}`)).join("\n") : c.source;
      process.stdout.write(`${head}\n${body}\n\n`);
    }
  }
}
