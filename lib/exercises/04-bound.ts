/**
 * The exercises of notebook 04 (the 1/4 bound): 04.1 the largest slope of σ,
 * 04.2 where σ' drops below 0.01, 04.3 tanh from σ, 04.4 the spectral norm
 * of a small matrix, 04.5 the chained bound. Their cells are in
 * notebooks/04-bound.ipynb; the registry is index.ts.
 */
import { activation } from "../core/activations";
import { matrix, spectralNorm } from "../core/linalg";
import { Feedback, asNumber, attempt, close, fmt, noAnswer, notYet, right } from "./feedback";
import { defineExercise, numericExercise } from "./registry";

const sig = (z: number) => 1 / (1 + Math.exp(-z));

/** |z| at which σ'(z) = level (0 < level ≤ 1/4): σ(1 − σ) = level. */
export function derivativeLevelZ(level: number): number {
  const s = (1 + Math.sqrt(1 - 4 * level)) / 2;
  return Math.log(s / (1 - s));
}

const sigmoidDerivativeMax = numericExercise({
  id: "04.sigmoid-derivative-max",
  number: "04.1",
  notebook: "04",
  title: "the largest slope of σ",
  kind: "code",
  checkName: "sigmoidDerivativeMax",
  what: "a number (the maximum of σ')",
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
  explain: (ref) =>
    `the maximum is σ'(0) = 1/2 · 1/2 = 1/4 (grid: ${fmt(ref)}): each sigmoid layer multiplies the backpropagated error by at most 1/4.`,
});

const derivativeLevel = numericExercise({
  id: "04.derivative-level",
  number: "04.2",
  notebook: "04",
  title: "where σ' drops below 0.01",
  kind: "code",
  checkName: "derivativeLevel",
  what: "a number (a value of |z|)",
  hint: "σ(1 − σ) = 0.01 is a quadratic in σ: σ = (1 + √(1 − 0.04))/2; then z = ln(σ/(1 − σ)).",
  reference: () => derivativeLevelZ(0.01),
  tol: { abs: 2e-3 },
  normalise: Math.abs,
  traps: () => [
    {
      value: Math.log(99),
      hint: "ln 99 ≈ 4.595 is where σ(z) = 0.99 (h saturated at ε = 0.01); there σ' = 0.99 · 0.01 = 0.0099, already just below 0.01. Solve σ(1 − σ) = 0.01 instead.",
      tol: { abs: 2e-3 },
    },
    { value: 0.01, hint: "0.01 is the level of σ'; the question asks for the z where σ' reaches it." },
    { value: (1 + Math.sqrt(0.96)) / 2, hint: "that is σ at the level; convert it to z = ln(σ/(1 − σ))." },
    {
      value: Math.log(100),
      hint: "close, but not ln 100: solve the quadratic σ(1 − σ) = 0.01 exactly.",
      tol: { abs: 2e-3 },
    },
  ],
  explain: (ref) => `σ'(z) < 0.01 for |z| > ${ref.toFixed(4)} (just inside ln 99 ≈ 4.5951, where h = 0.99).`,
});

const tanhFromSigmoid = (() => {
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
    if (typeof answer !== "function")
      return notYet(id, "expected a function (x: number, sigma: (z: number) => number) => number.", hint);
    const f = answer as (x: number, s: (z: number) => number) => unknown;
    let calls = 0;
    const spy = (z: number) => (calls++, sig(z));
    let worst = 0,
      worstX = 0;
    const values: number[] = [];
    for (const x of grid) {
      const got = attempt(() => asNumber(f(x, spy)));
      if ("error" in got) return notYet(id, `your function threw at x = ${fmt(x)}: ${got.error}.`, hint);
      if (Number.isNaN(got.value))
        return notYet(id, `your function returned NaN at x = ${fmt(x)} (is it still the placeholder?).`, hint);
      values.push(got.value);
      const err = Math.abs(got.value - Math.tanh(x));
      if (err > worst) ((worst = err), (worstX = x));
    }
    if (worst <= 1e-9) {
      if (calls === 0)
        return notYet(
          id,
          "your function equals tanh but never calls sigma.",
          "the point is the identity: build tanh from the σ you are given (that is how notebook 04 relates the two networks).",
        );
      return right(
        id,
        `2σ(2x) − 1 equals Math.tanh(x) on 81 points of [−4, 4] (largest difference ${worst.toExponential(1)}): a sigmoid network is a tanh network with its inputs and weights rescaled and a bias shift.`,
      );
    }
    const variant = variants.find((v) => grid.every((x, i) => Math.abs(values[i] - v.f(x)) < 1e-9));
    return notYet(
      id,
      `at x = ${fmt(worstX)} your function gives ${fmt(values[grid.indexOf(worstX)])}, tanh gives ${fmt(Math.tanh(worstX))}.`,
      variant ? variant.hint : hint,
    );
  };
  return defineExercise({
    id,
    number: "04.3",
    notebook: "04",
    title: "tanh from σ",
    kind: "code",
    hint,
    checkName: "tanhFromSigmoid",
    async: false,
    check,
    reference: () => (x: number, s: (z: number) => number) => 2 * s(2 * x) - 1,
    typicalWrong: variants.map((v) => ({
      answer: (x: number, s: (z: number) => number) => v.f(x) + 0 * s(0),
      hint: v.hint.slice(0, 40),
    })),
  });
})();

const spectralNormExercise = (() => {
  const id = "04.spectral-norm";
  const hint =
    "‖W‖₂ is the largest singular value: the square root of the largest eigenvalue of WᵀW (power iteration: v ← WᵀWv/‖WᵀWv‖).";
  const cases: number[][][] = [
    [
      [3, 0],
      [4, 5],
    ],
    [
      [1, 2],
      [3, 4],
      [5, 6],
    ],
    [
      [2, -1, 0.5],
      [0, 1, 3],
      [1, 1, 1],
      [-2, 0, 1],
    ],
  ];
  const ref = (rows: number[][]) =>
    spectralNorm(matrix(rows.length, rows[0].length, rows.flat()), { iterations: 2000, tol: 1e-14 });
  const frob = (rows: number[][]) => Math.sqrt(rows.flat().reduce((s, v) => s + v * v, 0));
  const maxAbs = (rows: number[][]) => Math.max(...rows.flat().map(Math.abs));
  const rowSum = (rows: number[][]) => Math.max(...rows.map((r) => r.reduce((s, v) => s + Math.abs(v), 0)));
  const colSum = (rows: number[][]) => Math.max(...rows[0].map((_, j) => rows.reduce((s, r) => s + Math.abs(r[j]), 0)));
  const traps: { f: (rows: number[][]) => number; hint: string }[] = [
    {
      f: frob,
      hint: "that is the Frobenius norm √(Σ w²), which only bounds ‖W‖₂ from above; ‖W‖₂ is the largest singular value.",
    },
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
      if (Number.isNaN(got.value))
        return notYet(id, "your function returned NaN (is it still the placeholder?).", hint);
      const trap = traps.find((t) => close(got.value, t.f(rows), { rel: 1e-4 }));
      return notYet(
        id,
        `for the ${rows.length}×${rows[0].length} matrix ${JSON.stringify(rows)} it returned ${fmt(got.value)}, expected ${fmt(r)}.`,
        trap ? trap.hint : hint,
      );
    }
    return right(
      id,
      `your ‖W‖₂ matches lab.spectralNorm on ${cases.length} matrices (e.g. ${fmt(ref(cases[0]))} for [[3, 0], [4, 5]], whose Frobenius norm is ${fmt(frob(cases[0]))}).`,
    );
  };
  return defineExercise({
    id,
    number: "04.4",
    notebook: "04",
    title: "the spectral norm of a small matrix",
    kind: "code",
    hint,
    checkName: "spectralNorm",
    async: false,
    check,
    reference: () => (rows: number[][]) => powerIteration(rows),
    typicalWrong: traps.map((t) => ({ answer: t.f, hint: t.hint.slice(0, 40) })),
  });
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
  hint: "count the matrices the error crosses between the output (layer 6) and layer 1, and multiply one factor ¼·‖W‖₂ per matrix.",
  reference: () => Math.pow(0.25 * 2, 5),
  tol: { rel: 1e-3 },
  traps: () => [
    { value: Math.pow(0.25, 5), hint: "(1/4)⁵ forgets the weights: each step multiplies by ¼·‖W‖₂ = ¼·2." },
    {
      value: Math.pow(0.5, 6),
      hint: "one factor too many: from δ₆ down to δ₁ the error crosses W₆, W₅, W₄, W₃, W₂ — five matrices.",
    },
    {
      value: Math.pow(0.5, 4),
      hint: "one factor too few: from δ₆ down to δ₁ the error crosses W₆, W₅, W₄, W₃, W₂ — five matrices.",
    },
    { value: Math.pow(2, 5), hint: "2⁵ forgets σ' ≤ 1/4: each step is ¼·‖W‖₂ = 1/2." },
    { value: 0.5, hint: "that is one step; chain it over the five matrices." },
  ],
  explain: (ref) =>
    `five factors ¼·2 = ½: (½)⁵ = ${fmt(ref)}. With ‖W‖₂ = 2 < 4 the bound shrinks the error geometrically; with ‖W‖₂ > 4 it says nothing.`,
});

export const BOUND_EXERCISES = [
  sigmoidDerivativeMax,
  derivativeLevel,
  tanhFromSigmoid,
  spectralNormExercise,
  boundProduct,
] as const;
