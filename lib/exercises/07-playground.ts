/**
 * The exercises of notebook 07 (the playground), all "predict, then run" and
 * all checked against the notebook's own runs, passed as the second argument:
 * 07.1 which layer saturates, 07.2 on the training points or everywhere,
 * 07.3 ReLU at the sigmoid's learning rate. Their cells are in
 * notebooks/07-playground.ipynb; the registry is index.ts.
 */
import {
  NO_SATURATION_BELOW,
  POINTS_PLANE_MARGIN,
  PlaygroundRun,
  mostSaturatedLayer,
  pointsOrPlane,
  reluOutcome,
} from "../chapters/playground";
import { Feedback, asNumber, close, noAnswer, notYet, right } from "./feedback";
import { pct } from "../display/text";
import { defineExercise } from "./registry";

function requireRun(run: unknown, id: string): PlaygroundRun | Feedback {
  const r = run as PlaygroundRun | undefined;
  if (!r || !Array.isArray(r.moments) || r.moments.length === 0 || !r.config) {
    return notYet(
      id,
      "the check needs the run as its second argument.",
      "pass the run the main cell made, e.g. check.playgroundMostSaturated(answer, baseline).",
    );
  }
  return r;
}

const playgroundMostSaturated = (() => {
  const id = "07.most-saturated-layer";
  const hint =
    "the layer next to the output gets the output layer's gradient first and can lower the loss by switching its units off while the lower layers still carry no information.";
  const check = (answer: unknown, context?: unknown): Feedback => {
    const run = requireRun(context, id);
    if ("ok" in run) return run;
    const L = run.config.widths.length;
    if (answer === undefined || answer === null) return noAnswer(id, `a layer number from 1 to ${L}`, null);
    const x = asNumber(answer);
    if (!(Number.isInteger(x) && x >= 1 && x <= L))
      return notYet(
        id,
        `${String(answer)} is not a hidden layer of this network.`,
        `answer with a whole number from 1 (nearest the input) to ${L} (the top).`,
      );
    const last = run.moments[run.moments.length - 1];
    const shares = last.planeSaturation.map((s) => s.total);
    const ref = mostSaturatedLayer(run);
    const measured = `at epoch ${last.epoch} layers 1–${L} of "${run.config.label}" are saturated on ${shares.map((x) => pct(x)).join(", ")} of the plane`;
    // Every layer at (about) 0%: the layers tie, and "layer x saturates most" is neither right nor wrong.
    if (shares[ref - 1] < NO_SATURATION_BELOW)
      return notYet(
        id,
        `${measured}: no layer saturates (every layer under ${pct(NO_SATURATION_BELOW, 0)}), so this run cannot check a prediction.`,
        "train the network until it saturates (the notebook's default learning rate and epochs), then run the check again.",
      );
    if (x === ref || close(shares[x - 1], shares[ref - 1], { abs: 1e-9 })) return right(id, `layer ${x}: ${measured}.`);
    const specific =
      x === 1 && ref === L
        ? `layer 1 sees x directly, and |x| ≤ 1.2 with weights of size 1/√2 keeps its z small; ${hint}`
        : hint;
    return notYet(id, `${measured}.`, specific);
  };
  return defineExercise({
    id,
    number: "07.1",
    notebook: "07",
    title: "which layer saturates?",
    kind: "predict-then-run",
    hint,
    checkName: "playgroundMostSaturated",
    async: false,
    context: { variable: "baseline", what: "the baseline PlaygroundRun of the main cell" },
    check,
    reference: (context) => mostSaturatedLayer(context as PlaygroundRun),
    typicalWrong: [{ answer: 1, hint: "layer 1 sees x directly" }],
  });
})();

const playgroundPointsOrPlane = (() => {
  const id = "07.points-or-plane";
  const hint =
    "a unit is a function of x over the whole plane; training moves its weights, and the picture saturates wherever |z(x)| is large — between and beyond the training points as well as on them.";
  const choices = ["points", "plane", "same"];
  const check = (answer: unknown, context?: unknown): Feedback => {
    const run = requireRun(context, id);
    if ("ok" in run) return run;
    if (answer === undefined || answer === null) return noAnswer(id, '"points", "plane" or "same"', null);
    const a = String(answer).trim().toLowerCase();
    if (!choices.includes(a))
      return notYet(id, `${JSON.stringify(answer)} is not one of "points", "plane", "same".`, hint);
    const m = pointsOrPlane(run);
    const measured = `layer 1 of "${run.config.label}" is saturated on ${pct(m.points)} of the (training point, unit) entries and on ${pct(m.plane)} of the (grid point, unit) entries`;
    if (a === m.verdict)
      return right(
        id,
        `"${a}": ${measured} (a difference of at most ${(100 * POINTS_PLANE_MARGIN).toFixed(0)} percentage points counts as "same").`,
      );
    return notYet(id, `${measured}, so the answer is not "${a}".`, hint);
  };
  return defineExercise({
    id,
    number: "07.2",
    notebook: "07",
    title: "on the training points, or everywhere?",
    kind: "predict-then-run",
    hint,
    checkName: "playgroundPointsOrPlane",
    async: false,
    context: { variable: "fixed", what: "the fixed PlaygroundRun of the main cell" },
    check,
    reference: (context) => pointsOrPlane(context as PlaygroundRun).verdict,
    typicalWrong: [],
  });
})();

const playgroundRelu = (() => {
  const id = "07.relu-same-rate";
  const hint =
    "ReLU has no upper asymptote, but its flat side h = 0 passes no gradient at all; a big step can push a unit's z below 0 for every input, and then nothing brings it back.";
  const choices = ["learns", "dead", "diverges", "stuck"];
  const check = async (answer: unknown, context?: unknown): Promise<Feedback> => {
    const run = requireRun(context, id);
    if ("ok" in run) return run;
    if (answer === undefined || answer === null) return noAnswer(id, '"learns", "dead", "diverges" or "stuck"', null);
    const a = String(answer).trim().toLowerCase();
    if (!choices.includes(a))
      return notYet(id, `${JSON.stringify(answer)} is not one of "learns", "dead", "diverges", "stuck".`, hint);
    const o = await reluOutcome(run);
    if (a === o.verdict) return right(id, `"${a}" — measured just now: ${o.description}.`);
    return notYet(id, `measured just now: ${o.description}, so not "${a}".`, hint);
  };
  return defineExercise({
    id,
    number: "07.3",
    notebook: "07",
    title: "ReLU at the sigmoid's learning rate",
    kind: "predict-then-run",
    hint,
    checkName: "playgroundRelu",
    async: true,
    context: { variable: "baseline", what: "the baseline PlaygroundRun of the main cell" },
    check,
    reference: async (context) => (await reluOutcome(context as PlaygroundRun)).verdict,
    typicalWrong: [],
  });
})();

export const PLAYGROUND_EXERCISES = [playgroundMostSaturated, playgroundPointsOrPlane, playgroundRelu] as const;
