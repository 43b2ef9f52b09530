/**
 * The exercises of notebook 01 (train the network of the question), in the
 * order a reader meets them: 01.1 the variance of the standard initialisation,
 * 01.2 the loss of a network that guesses, 01.3 which layer saturates first — checked against the
 * check's own small training run (`measureFirstSaturation`), read by the same
 * rule the solution applies to the notebook's plateau run (`firstSaturation`).
 * Their cells are in notebooks/01-train.ipynb; the registry is index.ts.
 */
import { INITS } from "../core/init";
import { Mlp } from "../core/model";
import { ProbeRecord, train } from "../core/train";
import { prepareBackend } from "../core/backend";
import { loadMnist } from "../data/mnist";
import { randomSubset } from "../data/dataset";
import { ProbeSnapshot, probe } from "../measure/probe";
import { asNumber, fmt, noAnswer, notYet, right } from "./feedback";
import { count, pct } from "../display/text";
import { defineExercise, numericExercise } from "./registry";

const chanceLoss = numericExercise({
  id: "01.chance-loss",
  number: "01.2",
  notebook: "01",
  title: "the loss of a network that guesses",
  kind: "predict-then-run",
  checkName: "chanceLoss",
  what: "a number (the loss in nats)",
  hint: "cross-entropy is −ln of the probability given to the true class; here that probability is 1/10 for every image.",
  reference: () => Math.log(10),
  tol: { rel: 2e-3 },
  traps: () => [
    { value: 1, hint: "1 is log₁₀(10): cross-entropy uses the natural logarithm, so the loss is ln 10." },
    { value: 0.1, hint: "0.1 is the probability of the true class; the loss is −ln of it." },
    {
      value: 0.9,
      hint: "0.9 is the probability of a wrong class; the loss is −ln of the probability of the true one.",
    },
    { value: Math.log(2), hint: "ln 2 is the loss of a guess between 2 classes (the toy sets); MNIST has 10." },
    { value: -Math.log(10), hint: "the sign: the loss is −ln p, and ln(1/10) is negative, so the loss is positive." },
  ],
  explain: (ref) =>
    `every image gets p = 1/10 on its true class, so the loss is −ln(1/10) = ln 10 ≈ ${ref.toFixed(4)} nats — the height of the plateau.`,
});

const standardInitVariance = numericExercise({
  id: "01.standard-init-variance",
  number: "01.1",
  notebook: "01",
  title: "the variance of the standard initialisation",
  kind: "code",
  checkName: "standardInitVariance",
  what: "a number (the variance)",
  hint: "a uniform distribution on [−a, a] has variance a²/3; here a = 1/√n.",
  reference: () => INITS.standard.variance(256, 256),
  tol: { rel: 0.02 },
  traps: () => [
    {
      value: 1 / 256,
      hint: "1/n is the variance of LeCun's normal init (and here also Glorot's normalized 2/(n_in + n_out)); a uniform on [−a, a] with a = 1/√n has variance a²/3 = 1/(3n).",
    },
    { value: 1 / 16, hint: "1/16 = 1/√256 is the limit a of the interval, not the variance: Var = a²/3." },
    { value: 1 / Math.sqrt(3 * 256), hint: "that is the standard deviation a/√3; the variance is its square, a²/3." },
    {
      value: 4 / (3 * 256),
      hint: "(2a)²/3 uses the width of the interval where a²/3 needs its half-width: Var = (2a)²/12 = a²/3.",
    },
  ],
  explain: (ref) => `Var = a²/3 = 1/(3n) = ${fmt(ref)} for n = 256 (lab.INITS.standard.variance gives the same).`,
});

// ------------------------------------------------------------ 01.3 · which layer saturates first?

/** The rule of 01.3: a layer has saturated once at least `level` of its entries are within `eps` of 0 or 1. */
export const FIRST_SATURATION_RULE = { level: 0.5, eps: 0.01 } as const;

/** Which hidden layer of a run first met the rule of 01.3, read from the run's probe records. */
export interface FirstSaturation {
  /** The run, as the description names it. */
  readonly label: string;
  /** 1-based hidden layer that met the rule first (the most saturated one if several did at that probe); null if none did. */
  readonly layer: number | null;
  /** Steps taken before the probe where it happened; null if no layer did. */
  readonly step: number | null;
  /** Saturated share of each layer's entries at that probe (at the last probe if no layer met the rule). */
  readonly saturation: readonly number[];
  /** The part of `saturation` near 0 (h < ε). */
  readonly nearZero: readonly number[];
  /** Loss on the probed points at that probe. */
  readonly loss: number;
  /** The highest loss of the probes up to that one (null if no layer met the rule). */
  readonly peakLoss: number | null;
  /** How many probes were read. */
  readonly probes: number;
  /** One sentence with the numbers above. */
  readonly description: string;
}

/** The saturation of every layer at ε in one probe record (of its first probe set: the training points). */
function saturationAt(record: ProbeRecord<ProbeSnapshot>, eps: number, label: string) {
  return record.snapshots[0].layers.map((l) => {
    const s = l.saturation.find((x) => Math.abs(x.eps - eps) < 1e-12);
    if (!s)
      throw new Error(
        `${label}: its probe records have no saturation at ε = ${eps} (they have ε = ${l.saturation.map((x) => x.eps).join(", ")}); probe with eps including ${eps}.`,
      );
    return s;
  });
}

/**
 * Read a run's probe records by the rule of 01.3: the first probe at which
 * some hidden layer has at least `rule.level` of its entries within
 * `rule.eps` of 0 or 1, and which layer that is.
 */
export function firstSaturation(
  records: readonly ProbeRecord<ProbeSnapshot>[],
  label: string,
  rule: { level: number; eps: number } = FIRST_SATURATION_RULE,
): FirstSaturation {
  if (records.length === 0)
    throw new Error(
      `${label}: no probe records to read; probe the run while it trains (probeEverySteps or probesPerEpoch).`,
    );
  const hit = records.find((r) => saturationAt(r, rule.eps, label).some((s) => s.total >= rule.level));
  const at = hit ?? records[records.length - 1];
  const sat = saturationAt(at, rule.eps, label);
  const saturation = sat.map((s) => s.total);
  const nearZero = sat.map((s) => s.low);
  const loss = at.snapshots[0].loss;
  const layers = saturation.length === 1 ? "layer 1" : `layers 1–${saturation.length}`;
  const had = `${layers} had ${saturation.map((x) => pct(x)).join(", ")} of their entries there`;
  const within = `≥ ${pct(rule.level, 0)} of its entries within ${rule.eps} of 0 or 1`;
  const steps = (n: number) => `${n} step${n === 1 ? "" : "s"}`;
  if (!hit) {
    const description = `${label}: no layer had ${within} at any of its ${records.length} probes; at the last, after ${steps(at.step)}, ${had}, loss ${loss.toFixed(3)}`;
    return {
      label,
      layer: null,
      step: null,
      saturation,
      nearZero,
      loss,
      peakLoss: null,
      probes: records.length,
      description,
    };
  }
  const layer = saturation.lastIndexOf(Math.max(...saturation)) + 1;
  const low = saturation[layer - 1] > 0 ? nearZero[layer - 1] / saturation[layer - 1] : 0;
  const peakLoss = Math.max(...records.slice(0, records.indexOf(hit) + 1).map((r) => r.snapshots[0].loss));
  const lossText =
    peakLoss > loss
      ? `the loss ${loss.toFixed(3)} (${peakLoss.toFixed(3)} at its highest before)`
      : `the loss ${loss.toFixed(3)}`;
  const description = `${label}: layer ${layer} was the first with ${within}, after ${steps(at.step)}: ${had} (layer ${layer}'s ${pct(low)} near 0), ${lossText}`;
  return { label, layer, step: at.step, saturation, nearZero, loss, peakLoss, probes: records.length, description };
}

/** The check's own run for 01.3, read by `firstSaturation`, with its probe records. */
export interface CheckRun extends FirstSaturation {
  readonly records: readonly ProbeRecord<ProbeSnapshot>[];
}

/** The small copy of the question's network the check of 01.3 trains. */
export const CHECK_RUN = {
  widths: [64, 64, 64, 64, 64],
  learningRate: 3,
  batchSize: 32,
  images: 2000,
  probePoints: 200,
  seed: 1,
} as const;

let checkRunMemo: Promise<CheckRun> | null = null;

/**
 * The measurement 01.3 is checked against: a small copy of the question's
 * network (5 × 64 sigmoid units, standard init) trained by SGD for one epoch
 * on 2,000 MNIST images at η = 3 — 30 times the plateau run's default step,
 * so the answer comes within seconds — and probed after every step on 200 of its
 * training images. Memoised: measured once per kernel.
 */
export function measureFirstSaturation(): Promise<CheckRun> {
  checkRunMemo ??= (async () => {
    await prepareBackend({ quiet: true });
    const c = CHECK_RUN;
    // Random images of the training file (its first rows are not a random sample).
    const data = randomSubset(loadMnist("train"), c.images, c.seed, "exercise 01.3 images");
    const points = randomSubset(data, c.probePoints, c.seed, "exercise 01.3 probe points");
    const model = new Mlp({
      inputDim: 784,
      widths: [...c.widths],
      outputDim: 10,
      activation: "sigmoid",
      init: "standard",
      seed: c.seed,
    });
    try {
      const r = await train(
        model,
        {
          train: data,
          probeSets: [points],
          observe: (m, p) => probe(m, p, { gradients: false, eps: [FIRST_SATURATION_RULE.eps] }),
        },
        {
          epochs: 1,
          batchSize: c.batchSize,
          optimizer: { kind: "sgd", learningRate: c.learningRate },
          seed: c.seed,
          probeEverySteps: 1,
          evalTrainSize: c.probePoints,
        },
      );
      const label =
        `the check's run (${c.widths.length} × ${c.widths[0]} sigmoid units, standard init, SGD η = ${c.learningRate}, batches of ${c.batchSize}, ` +
        `${count(c.images)} MNIST images, probed after every step on ${c.probePoints} of them)`;
      return { ...firstSaturation(r.probes, label), records: r.probes };
    } finally {
      model.dispose();
    }
  })();
  return checkRunMemo;
}

const firstSaturatingLayer = (() => {
  const id = "01.first-saturating-layer";
  const L = CHECK_RUN.widths.length;
  const hint =
    "think of what the output layer can do before the lower layers carry any information: Glorot & Bengio (2010), Figure 2.";
  const check = async (answer: unknown) => {
    if (answer === undefined || answer === null) return noAnswer(id, `a layer number from 1 to ${L}`, null);
    const x = asNumber(answer);
    if (!(Number.isInteger(x) && x >= 1 && x <= L))
      return notYet(
        id,
        `${String(answer)} is not a hidden layer.`,
        `answer with a whole number from 1 (nearest the input) to ${L} (the top hidden layer).`,
      );
    const m = await measureFirstSaturation();
    const measured = `${m.description}; chance: ln 10 = ${Math.log(10).toFixed(3)}.`;
    if (m.layer === null)
      return notYet(
        id,
        measured,
        "this run settles nothing: no layer met the rule. Compare the plateau run's mean activations instead.",
      );
    const top = m.layer === L;
    if (x === m.layer) {
      const why = top
        ? " Glorot & Bengio (2010) give the reason the top layer goes first: before the lower layers carry information, the output layer does better without its noisy input h_L and pushes it to 0."
        : "";
      return right(id, `layer ${x} — ${measured}${why}`);
    }
    if (top && x === 1)
      return notYet(
        id,
        measured,
        "layer 1 sees the raw pixels and its pre-activations stay small; saturation starts where the loss is felt first — at the top, next to the output layer.",
      );
    if (top)
      return notYet(
        id,
        measured,
        `not layer ${x}: look at which layer is adjacent to the output layer, which gets the largest gradient at the start.`,
      );
    return notYet(id, measured, hint);
  };
  return defineExercise({
    id,
    number: "01.3",
    notebook: "01",
    title: "which layer saturates first?",
    kind: "predict-then-run",
    hint,
    checkName: "firstSaturatingLayer",
    async: true,
    check,
    reference: async () => (await measureFirstSaturation()).layer,
    typicalWrong: [
      { answer: 1, hint: "layer 1 sees the raw pixels" },
      { answer: 3, hint: "not layer 3" },
    ],
  });
})();

export const TRAIN_EXERCISES = [chanceLoss, standardInitVariance, firstSaturatingLayer] as const;
