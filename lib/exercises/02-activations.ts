/**
 * The exercises of notebook 02 (inside the trained network): 02.1 the
 * saturated fraction of a layer, 02.2 the |z| beyond which h saturates,
 * 02.3 the most saturated layer of a probe record. Their cells are in
 * notebooks/02-activations.ipynb; the registry is index.ts.
 */
import { activation } from "../core/activations";
import { Mlp } from "../core/model";
import { Rng } from "../core/rng";
import { prepareBackend } from "../core/backend";
import { ProbePoints, ProbeSnapshot, probe } from "../measure/probe";
import { saturationFraction } from "../measure/saturation";
import { Feedback, asNumber, attempt, close, fmt, noAnswer, notYet, right } from "./feedback";
import { pct } from "../display/text";
import { defineExercise, numericExercise } from "./registry";
import { derivativeLevelZ } from "./04-bound";

function uniformArray(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.next();
  return a;
}

const SIGMOID_ASYM = activation("sigmoid").asymptotes!;

const saturationFractionExercise = (() => {
  const id = "02.saturation-fraction";
  const hint = "count the entries with h < ε or h > 1 − ε (both ends), and divide by how many entries there are.";
  const cases = [
    { h: uniformArray(1000, 1), eps: 0.01 },
    { h: uniformArray(2000, 2).map((v) => v ** 4), eps: 0.05 },
    { h: uniformArray(500, 3).map((v) => 1 - v ** 3), eps: 0.1 },
    // The boundary case, in float64 so that 0.01 and 0.99 are exactly ε and 1 − ε (a float32 0.01 is
    // 0.0099999998 < ε): h = ε and h = 1 − ε are not saturated, so `<` and `≤` give different fractions.
    { h: Float64Array.from([0.001, 0.5, 0.999, 0.2, 0.995, 0.004, 0.7, 0.01, 0.99]), eps: 0.01 },
  ];
  const ref = (h: ArrayLike<number>, eps: number) => saturationFraction(h, SIGMOID_ASYM, eps).total;
  const count = (h: ArrayLike<number>, pred: (v: number) => boolean) => Array.from(h).filter(pred).length;
  const traps: { name: string; f: (h: ArrayLike<number>, eps: number) => number; hint: string }[] = [
    {
      name: "low side only",
      f: (h, e) => count(h, (v) => v < e) / h.length,
      hint: "you counted only h < ε; entries near 1 (h > 1 − ε) are saturated too.",
    },
    {
      name: "high side only",
      f: (h, e) => count(h, (v) => v > 1 - e) / h.length,
      hint: "you counted only h > 1 − ε; entries near 0 (h < ε) are saturated too.",
    },
    {
      name: "count",
      f: (h, e) => count(h, (v) => v < e || v > 1 - e),
      hint: "that is a count; divide by the number of entries to get a fraction.",
    },
    {
      name: "percent",
      f: (h, e) => (100 * count(h, (v) => v < e || v > 1 - e)) / h.length,
      hint: "that is a percentage; return a fraction between 0 and 1.",
    },
    {
      name: "≤ instead of <",
      f: (h, e) => count(h, (v) => v <= e || v >= 1 - e) / h.length,
      hint: "an entry exactly at h = ε (or h = 1 − ε) is not saturated: the rule is strict, h < ε or h > 1 − ε.",
    },
    {
      name: "unsaturated",
      f: (h, e) => count(h, (v) => v >= e && v <= 1 - e) / h.length,
      hint: "that is the fraction NOT saturated; return its complement.",
    },
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
    return right(
      id,
      `your function matches lab.saturationFraction on ${cases.length} arrays (e.g. ${pct(ref(cases[0].h, 0.01))} of 1,000 uniform values at ε = 0.01 — 2ε, as it should be).`,
    );
  };
  return defineExercise({
    id,
    number: "02.1",
    notebook: "02",
    title: "the saturated fraction of a layer",
    kind: "code",
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
  });
})();

const saturationThresholdZ = numericExercise({
  id: "02.saturation-threshold-z",
  number: "02.2",
  notebook: "02",
  title: "how large must z be for h to saturate?",
  kind: "code",
  checkName: "saturationThresholdZ",
  what: "a number (a value of |z|)",
  hint: "σ(z) = 1 − ε ⇔ e^(−z) = ε/(1 − ε) ⇔ z = ln((1 − ε)/ε).",
  reference: () => Math.log((1 - 0.01) / 0.01),
  tol: { abs: 2e-3 },
  normalise: Math.abs,
  traps: () => [
    {
      value: derivativeLevelZ(0.01),
      hint: "that is where σ'(z) = 0.01 (exercise 04.2); here the question is where h = σ(z) itself passes 0.99.",
      tol: { abs: 2e-3 },
    },
    { value: Math.log(100), hint: "σ(z) = 0.99 ⇔ e^(−z) = 1/99, so z = ln 99, not ln 100.", tol: { abs: 2e-3 } },
    { value: 0.99, hint: "0.99 is the value of h; the question asks for the z that gives it." },
    { value: Math.log(9), hint: "ln 9 is the threshold for ε = 0.1; use ε = 0.01." },
    { value: Math.log(19), hint: "ln 19 is the threshold for ε = 0.05; use ε = 0.01." },
  ],
  explain: (ref) =>
    `z = ln(0.99/0.01) = ln 99 ≈ ${ref.toFixed(4)}; beyond |z| ≈ 4.6 a sigmoid unit counts as saturated at ε = 0.01.`,
});

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
  const n = 200,
    d = 10;
  const x = new Float32Array(n * d);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  const points: ProbePoints = { name: "200 Gaussian points", x, y: new Int32Array(n), n, inputDim: d, numClasses: 2 };
  const model = new Mlp({
    inputDim: d,
    widths: [16, 16, 16, 16],
    outputDim: 2,
    activation: "sigmoid",
    init: { name: "lecun", gain: 4 },
    seed: 3,
  });
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

const mostSaturatedFromProbe = (() => {
  const id = "02.most-saturated-layer";
  const hint =
    "loop over snapshot.layers and keep the layer whose saturation[0].total (ε = 0.01) is largest; return its `layer` field (1-based).";
  const check = async (answer: unknown): Promise<Feedback> => {
    if (answer === undefined || answer === null) return noAnswer(id, "a function (snapshot) => layer number", hint);
    if (typeof answer !== "function")
      return notYet(id, "expected a function (snapshot: lab.ProbeSnapshot) => number.", hint);
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
      if (v === r - 1)
        specific =
          "layers are numbered from 1: snapshot.layers[0] is layer 1 — return the `layer` field, not the array index.";
      else if (v > 0 && v < 1 && totals.some((t) => close(t, v, { abs: 1e-12 })))
        specific = "you returned a saturation fraction; return the layer's number.";
      else if (v === s.layers[fives.indexOf(Math.max(...fives))].layer && v !== r)
        specific = "use the first ε (0.01): saturation[0], not saturation[1] (ε = 0.05).";
      else if (v === lowest)
        specific = "that is the least saturated layer; the question asks for the most saturated one.";
      return notYet(
        id,
        `on ${what} (saturation per layer ${totals.map((x) => pct(x)).join(", ")}) it returned ${String(got.value)}, expected layer ${r}.`,
        specific,
      );
    }
    return right(
      id,
      `your function picks the most saturated layer on ${snapshots.length} snapshots, including a real lab.probe record.`,
    );
  };
  return defineExercise({
    id,
    number: "02.3",
    notebook: "02",
    title: "the most saturated layer of a probe record",
    kind: "code",
    hint,
    checkName: "mostSaturatedLayer",
    async: true,
    check,
    reference: () => (s: ProbeSnapshot) => argmaxLayer(s),
    typicalWrong: [
      { answer: (s: ProbeSnapshot) => argmaxLayer(s) - 1, hint: "layers are numbered from 1" },
      {
        answer: (s: ProbeSnapshot) => Math.max(...s.layers.map((l) => l.saturation[0].total)),
        hint: "you returned a saturation fraction",
      },
    ],
  });
})();

export const ACTIVATIONS_EXERCISES = [
  saturationFractionExercise,
  saturationThresholdZ,
  mostSaturatedFromProbe,
] as const;
