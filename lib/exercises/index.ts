/**
 * The exercise registry, and `check`: what the exercise cells of the
 * notebooks call. Notebooks import it once, in their setup cell,
 *
 *   import { check } from "./lib/exercises";
 *   check.chanceLoss(answer);                  // one line: "✓ Right: …" or "✗ Not yet: … Hint: …"
 *   await check.firstSaturatingLayer(answer);  // checks that train or probe are async
 *
 * Where things live:
 *   feedback.ts        the feedback line and the one function that shows it
 *   registry.ts        the Exercise type and the builder of one-number exercises
 *   01-train.ts, 02-activations.ts, 04-bound.ts, 05-fixes.ts, 07-playground.ts
 *                      the exercises of one notebook each
 *   this file          EXERCISES (all of them, in notebook order) and `check`,
 *                      derived from EXERCISES: one checker per exercise, named
 *                      by its `checkName`
 *
 * The cells themselves (prompt, exercise cell, solution tagged "solution")
 * exist only in the notebooks; test/exercises.test.ts runs them against this
 * registry. `npx tsx lib/exercises/index.ts` prints the list for teachers.
 */
import { Feedback, showFeedback } from "./feedback";
import { Exercise, NotebookId, kindLabel } from "./registry";
import { TRAIN_EXERCISES } from "./01-train";
import { ACTIVATIONS_EXERCISES } from "./02-activations";
import { BOUND_EXERCISES } from "./04-bound";
import { FIXES_EXERCISES } from "./05-fixes";
import { PLAYGROUND_EXERCISES } from "./07-playground";

export { Feedback, showFeedback } from "./feedback";
export { Exercise, ExerciseContext, ExerciseKind, NotebookId, kindLabel } from "./registry";
export { CheckRun, FirstSaturation, firstSaturation, measureFirstSaturation } from "./01-train";
export { derivativeLevelZ } from "./04-bound";

export const EXERCISES = [
  ...TRAIN_EXERCISES,
  ...ACTIVATIONS_EXERCISES,
  ...BOUND_EXERCISES,
  ...FIXES_EXERCISES,
  ...PLAYGROUND_EXERCISES,
] as const;

/** The notebooks that have exercises, and their files in notebooks/. */
export const EXERCISE_NOTEBOOKS: Readonly<Record<NotebookId, string>> = {
  "01": "01-train.ipynb",
  "02": "02-activations.ipynb",
  "04": "04-bound.ipynb",
  "05": "05-fixes.ipynb",
  "07": "07-playground.ipynb",
};

export function exercise(id: string): Exercise {
  const e = EXERCISES.find((x) => x.id === id || x.number === id);
  if (!e) throw new Error(`No exercise "${id}". Exercises: ${EXERCISES.map((x) => x.id).join(", ")}.`);
  return e;
}

/** The feedback, without showing it (for tests and scripts). */
export async function verify(id: string, answer: unknown, context?: unknown): Promise<Feedback> {
  return exercise(id).check(answer, context);
}

// ------------------------------------------------------------ `check`, derived from EXERCISES

type Registered = (typeof EXERCISES)[number];
type Shown<E extends Exercise> = E["async"] extends true
  ? (answer: unknown, context?: unknown) => Promise<void>
  : (answer: unknown, context?: unknown) => void;
/** One checker per registered exercise, under its check name. */
export type Checkers = { readonly [E in Registered as E["checkName"]]: Shown<E> };

/** A checker that shows its line in the cell and returns nothing (so a cell prints nothing else). */
function shown(e: Exercise): (answer: unknown, context?: unknown) => void | Promise<void> {
  if (e.async) return async (answer, context) => showFeedback(await e.check(answer, context));
  return (answer, context) => {
    const f = e.check(answer, context);
    if (f instanceof Promise)
      throw new Error(`exercise ${e.id} returned a promise but is registered as synchronous: set async: true`);
    showFeedback(f);
  };
}

const GENERAL = ["numeric", "any"] as const;

function checkers(): Checkers {
  const names = EXERCISES.map((e) => e.checkName as string);
  const clash = names.filter((n, i) => names.indexOf(n) !== i || (GENERAL as readonly string[]).includes(n));
  if (clash.length > 0)
    throw new Error(`exercise check names must be unique and not "numeric" or "any": ${clash.join(", ")}`);
  return Object.fromEntries(EXERCISES.map((e) => [e.checkName, shown(e)])) as unknown as Checkers;
}

/**
 * The checkers exercise cells call: `check.<checkName>(answer[, run])` for
 * every registered exercise (await the async ones), and two general ones.
 */
export const check = {
  ...checkers(),
  /** Any one-number exercise by id, e.g. check.numeric("04.sigmoid-derivative-max", 0.25). */
  numeric: (id: string, answer: unknown): void => {
    const e = exercise(id);
    if (e.async) throw new Error(`exercise ${id} trains or probes a network: call await check.any("${id}", answer)`);
    showFeedback(e.check(answer) as Feedback);
  },
  /** Any exercise by id (await it). */
  any: async (id: string, answer: unknown, context?: unknown): Promise<void> =>
    showFeedback(await exercise(id).check(answer, context)),
};

// ------------------------------------------------------------ for teachers

/** The registry as a markdown table. */
export function exerciseList(): string {
  const rows = EXERCISES.map(
    (e) =>
      `| ${e.number} | ${EXERCISE_NOTEBOOKS[e.notebook]} | \`${e.id}\` | ${kindLabel(e.kind)} | ${e.title} | \`${e.async ? "await " : ""}check.${e.checkName}(…${e.context ? `, ${e.context.variable}` : ""})\` |`,
  );
  return ["| # | notebook | id | kind | exercise | checker |", "| --- | --- | --- | --- | --- | --- |", ...rows].join(
    "\n",
  );
}

if (require.main === module) process.stdout.write(exerciseList() + "\n");
