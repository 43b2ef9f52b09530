/**
 * The exercises of notebook 05 (the fixes): 05.1 a per-layer learning-rate
 * rule, 05.2 the interval of the normalized initialisation, 05.3 the slope
 * of the scaled sigmoid, 05.4 batch-normalise one unit. Their cells are in
 * notebooks/05-fixes.ipynb; the registry is index.ts.
 */
import * as tf from "@tensorflow/tfjs";
import { activation } from "../core/activations";
import { INITS } from "../core/init";
import { BN_EPSILON, Mlp } from "../core/model";
import { geometricLayerRates } from "../run/fixes";
import { validateTrainConfig } from "../core/train";
import { prepareBackend } from "../core/backend";
import { Feedback, asNumber, attempt, close, fmt, isNumberArray, noAnswer, notYet, right } from "./feedback";
import { defineExercise, numericExercise } from "./registry";

const layerMultipliers = (() => {
  const id = "05.layer-multipliers";
  const hint =
    "rule 4a (lab.geometricLayerRates): the output layer L + 1 and the top hidden layer L keep the base rate (multiplier 1); every hidden layer below gets 4× the multiplier of the layer above it, because its error has crossed one more σ' ≤ 1/4 than the error of the layer above. So layer l gets 4^(L−l): [4^(L−1), …, 16, 4, 1] for layers 1..L, then 1 for the output layer.";
  // The one definition (lib/run/fixes): the same function fix 4a trains with.
  const ref = (L: number) => geometricLayerRates(L, 4);
  const check = (answer: unknown): Feedback => {
    if (answer === undefined || answer === null) return noAnswer(id, "a function (L) => multipliers", hint);
    if (typeof answer !== "function") return notYet(id, "expected a function (L: number) => number[].", hint);
    const f = answer as (L: number) => unknown;
    for (const L of [1, 2, 3, 5, 8]) {
      const got = attempt(() => f(L));
      if ("error" in got) return notYet(id, `your function threw for L = ${L}: ${got.error}.`, hint);
      const v = got.value;
      if (!isNumberArray(v)) return notYet(id, `for L = ${L} it returned ${String(v)}, not an array.`, hint);
      const arr = Array.from(v, asNumber);
      const r = ref(L);
      if (arr.length === 0)
        return notYet(id, "your function returned an empty array (is it still the placeholder?).", hint);
      if (arr.length === L)
        return notYet(
          id,
          `for L = ${L} it returned ${arr.length} multipliers.`,
          "train() wants L + 1 of them: the hidden layers 1..L and then the output layer L + 1.",
        );
      if (arr.length !== L + 1)
        return notYet(id, `for L = ${L} it returned ${arr.length} multipliers, expected ${L + 1}.`, hint);
      if (arr.every((x, i) => close(x, r[i], { rel: 1e-9 }))) continue;
      const show = `for L = ${L} it returned [${arr.map(fmt).join(", ")}], expected [${r.join(", ")}].`;
      if (arr.some((x) => Number.isNaN(x)))
        return notYet(id, "your function returned NaN (is it still the placeholder?).", hint);
      if (arr.every((x, i) => close(x, r[L - i], { rel: 1e-9 })))
        return notYet(
          id,
          show,
          "reversed: index 0 is layer 1, the layer nearest the input, whose error is the most attenuated — it gets the largest multiplier.",
        );
      const hidden = (g: (i: number) => number) => arr.slice(0, L).every((x, i) => close(x, g(i), { rel: 1e-9 }));
      if (hidden((i) => 4 * r[i]) || hidden((i) => r[i] / 4))
        return notYet(
          id,
          show,
          "off by one: rule 4a counts the σ' factors between layer l and the top hidden layer L, so layer L itself gets 4⁰ = 1, like the output layer, and layer l gets 4^(L−l).",
        );
      if (hidden((i) => Math.pow(2, L - 1 - i)))
        return notYet(id, show, "the bound is σ' ≤ 1/4, so the factor per layer is 4, not 2.");
      return notYet(id, show, hint);
    }
    // The multipliers must also be accepted by the trainer (one per layer, positive, finite).
    const model = new Mlp({
      inputDim: 2,
      widths: [3, 3, 3],
      outputDim: 2,
      activation: "sigmoid",
      init: "standard",
      seed: 1,
    });
    try {
      const data = { name: "4 points", x: new Float32Array(8), y: new Int32Array(4), n: 4, inputDim: 2, numClasses: 2 };
      validateTrainConfig(
        model,
        { train: data },
        {
          epochs: 1,
          batchSize: 2,
          optimizer: { kind: "sgd", learningRate: 0.1 },
          seed: 1,
          layerLearningRates: (f(3) as number[]).map(Number),
        },
      );
    } catch (e) {
      return notYet(id, `train() refused them: ${(e as Error).message}`, hint);
    } finally {
      model.dispose();
    }
    return right(
      id,
      `e.g. L = 5 gives [${ref(5).join(", ")}] — fix 4a's multipliers (lab.geometricLayerRates(5, 4)) — and train() accepts them as layerLearningRates. (A worst-case rule: where σ' ≈ 1/4 it compensates exactly; where units saturate it cannot.)`,
    );
  };
  return defineExercise({
    id,
    number: "05.1",
    notebook: "05",
    title: "a per-layer learning-rate rule",
    kind: "code",
    hint,
    checkName: "layerMultipliers",
    async: false,
    check,
    reference: () => ref,
    typicalWrong: [
      { answer: (L: number) => ref(L).slice(0, L), hint: "train() wants L + 1" },
      { answer: (L: number) => ref(L).reverse(), hint: "reversed" },
      // The off-by-one: 4^(L+1−l), counting the σ' between the output and layer L too.
      { answer: (L: number) => Array.from({ length: L + 1 }, (_, i) => 4 ** (L - i)), hint: "off by one" },
      {
        answer: (L: number) => [...Array.from({ length: L }, (_, i) => Math.pow(2, L - 1 - i)), 1],
        hint: "the bound is σ' ≤ 1/4",
      },
    ],
  });
})();

const normalizedInitLimit = numericExercise({
  id: "05.normalized-init-limit",
  number: "05.2",
  notebook: "05",
  title: "the interval of the normalized initialisation",
  kind: "code",
  checkName: "normalizedInitLimit",
  what: "a number (the limit a of U[−a, a])",
  hint: "U[−a, a] has variance a²/3, so a = √(3 · Var) = √(6/(n_in + n_out)).",
  reference: () => Math.sqrt(3 * INITS.normalized.variance(256, 256)),
  tol: { rel: 1e-3 },
  traps: () => [
    {
      value: 1 / 16,
      hint: "1/16 = 1/√256 is the standard init's limit — and also the normalized init's standard deviation √(2/512); the limit is √3 times the standard deviation.",
    },
    { value: 2 / 512, hint: "2/512 is the variance; the limit a satisfies a²/3 = variance." },
    { value: Math.sqrt(6) / 512, hint: "the square root covers the whole fraction: a = √(6/512)." },
    { value: Math.sqrt(6 / 256), hint: "the denominator is n_in + n_out = 512, not n = 256." },
  ],
  explain: (ref) => `a = √(6/512) = ${fmt(ref)}, √3 times the standard deviation √(2/512) = 0.0625.`,
});

const scaledSigmoidSlope = numericExercise({
  id: "05.scaled-sigmoid-slope",
  number: "05.3",
  notebook: "05",
  title: "the slope of the scaled sigmoid",
  kind: "predict-then-run",
  checkName: "scaledSigmoidSlope",
  what: "a number (the slope at 0)",
  hint: "the derivative of 4σ(z) − 2 is 4σ'(z); and σ'(0) = 1/4.",
  reference: () => activation("scaledSigmoid").df(0),
  tol: { abs: 1e-6 },
  traps: () => [
    { value: 0.25, hint: "1/4 is σ'(0); the factor 4 in front multiplies the slope too." },
    { value: 4, hint: "4 is the factor; the slope is 4 · σ'(0) = 4 · 1/4." },
    { value: 2, hint: "2 is the asymptote of 4σ − 2 (its range is (−2, 2)), not its slope." },
    { value: 0, hint: "4σ(0) − 2 = 0 is the value at 0; the question asks for the slope." },
  ],
  explain: () =>
    "4σ'(0) = 4 · 1/4 = 1: like tanh, the scaled sigmoid passes errors through unshrunk near 0 (and it is centred: 4σ(0) − 2 = 0).",
});

const batchNormColumn = (() => {
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
    {
      f: (z) => {
        const { m, v } = stats(z, true);
        return z.map((x) => (x - m) / Math.sqrt(v + BN_EPSILON));
      },
      hint: "you used the unbiased variance (÷ (n − 1)); batch norm normalises with the batch's own variance, ÷ n.",
    },
    {
      f: (z) => {
        const { m, v } = stats(z);
        return z.map((x) => (x - m) / Math.sqrt(v));
      },
      hint: `ε is missing: divide by √(var + ε) with ε = ${BN_EPSILON} (lab.BN_EPSILON); it matters when a batch has little spread.`,
    },
    {
      f: (z) => {
        const { m, v } = stats(z);
        return z.map((x) => (x - m) / (v + BN_EPSILON));
      },
      hint: "divide by the square root √(var + ε), not by the variance.",
    },
    {
      f: (z) => {
        const { v } = stats(z);
        return z.map((x) => x / Math.sqrt(v + BN_EPSILON));
      },
      hint: "subtract the batch mean first.",
    },
  ];
  const check = async (answer: unknown): Promise<Feedback> => {
    if (answer === undefined || answer === null) return noAnswer(id, "a function (z: number[]) => number[]", hint);
    if (typeof answer !== "function") return notYet(id, "expected a function (z: number[]) => number[].", hint);
    const f = answer as (z: number[]) => unknown;
    for (const z of columns) {
      const got = attempt(() => f([...z]));
      if ("error" in got) return notYet(id, `your function threw: ${got.error}.`, hint);
      const v = got.value;
      if (!isNumberArray(v) || v.length !== z.length)
        return notYet(id, `for a column of ${z.length} values it did not return ${z.length} numbers.`, hint);
      const arr = Array.from(v, asNumber);
      if (arr.some(Number.isNaN)) return notYet(id, "your function returned NaN (is it still the placeholder?).", hint);
      const r = ref(z);
      if (arr.every((x, i) => close(x, r[i], { abs: 1e-6, rel: 1e-5 }))) continue;
      const variant = variants.find((w) => w.f(z).every((x, i) => close(arr[i], x, { abs: 1e-6, rel: 1e-5 })));
      return notYet(
        id,
        `for [${z.join(", ")}] it returned [${arr.map((x) => x.toFixed(4)).join(", ")}], expected [${r.map((x) => x.toFixed(4)).join(", ")}].`,
        variant ? variant.hint : hint,
      );
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
    return right(
      id,
      `your normalisation matches the formula on ${columns.length} columns and tf.batchNorm (as in lab's batch-norm layers, γ = 1, β = 0) to ${worst.toExponential(1)}.`,
    );
  };
  return defineExercise({
    id,
    number: "05.4",
    notebook: "05",
    title: "batch-normalise one unit",
    kind: "code",
    hint,
    checkName: "batchNormalize",
    async: true,
    check,
    reference: () => ref,
    typicalWrong: variants.map((v) => ({ answer: v.f, hint: v.hint.slice(0, 40) })),
  });
})();

export const FIXES_EXERCISES = [layerMultipliers, normalizedInitLimit, scaledSigmoidSlope, batchNormColumn] as const;
