/**
 * What an exercise is, for the registry (index.ts) and the five files that
 * hold the exercises of one notebook each (01-train.ts … 07-playground.ts):
 * the `Exercise` type, and `numericExercise`, the builder for "the answer is
 * one number" exercises.
 *
 * The registry keeps what a check needs — id, number, title, kind, check name,
 * hint, the check itself, a reference answer and the typical wrong answers.
 * The exercise's cells (prompt, exercise cell, solution) live only in the
 * notebook; test/exercises.test.ts runs them against this registry.
 */
import { Feedback, Tolerance, asNumber, close, fmt, noAnswer, notYet, right } from "./feedback";

/** The notebooks that have exercises (file name prefix: 01-train.ipynb is "01"). */
export type NotebookId = "01" | "02" | "04" | "05" | "07";
export type ExerciseKind = "predict-then-run" | "code";

/** What a check returns: a line, or (async: true) a promise of one. */
export type CheckResult<Async extends boolean> = Async extends true ? Promise<Feedback> : Feedback;

/** A notebook variable a check needs as its second argument (notebook 07's runs). */
export interface ExerciseContext {
  /** The variable the notebook's cells pass, e.g. `baseline`. */
  readonly variable: string;
  /** What it is, for messages and teachers. */
  readonly what: string;
}

export interface Exercise<Name extends string = string, Async extends boolean = boolean> {
  /** "01.chance-loss": the notebook, then a name that stays when exercises are renumbered. */
  readonly id: string;
  readonly notebook: NotebookId;
  /** "01.2": the notebook and the exercise's number in it (the prompt cell's heading). */
  readonly number: string;
  /** The heading's title: the prompt cell starts "**Exercise <number> — <title>** (<kind>)". */
  readonly title: string;
  readonly kind: ExerciseKind;
  /** The hint shown with a wrong answer that matches no typical mistake. */
  readonly hint: string;
  /** The cells call `check.<checkName>(answer)` (awaited when `async`). */
  readonly checkName: Name;
  readonly async: Async;
  readonly context?: ExerciseContext;
  readonly check: (answer: unknown, context?: unknown) => CheckResult<Async>;
  /** An answer the check accepts (given the same context). */
  readonly reference: (context?: unknown) => unknown;
  /** Typical wrong answers, each with a fragment of the hint it must get (for tests and teachers). */
  readonly typicalWrong: readonly { readonly answer: unknown; readonly hint: string }[];
}

/** Identity, for inference: keeps the literal check name and `async` in the exercise's type. */
export function defineExercise<Name extends string, Async extends boolean>(
  e: Exercise<Name, Async>,
): Exercise<Name, Async> {
  return e;
}

/** The label of a kind in the prompt's heading. */
export function kindLabel(kind: ExerciseKind): string {
  return kind === "predict-then-run" ? "predict, then run" : "code";
}

// ------------------------------------------------------------ one-number exercises

/** A typical wrong number and the hint written for it. */
export interface Trap {
  readonly value: number;
  readonly hint: string;
  readonly tol?: Tolerance;
}

export interface NumericSpec<Name extends string> {
  readonly id: string;
  readonly number: string;
  readonly notebook: NotebookId;
  readonly title: string;
  readonly kind: ExerciseKind;
  readonly hint: string;
  readonly checkName: Name;
  /** What the answer is, for messages: "a number (the variance)". */
  readonly what: string;
  readonly reference: () => number;
  readonly tol: Tolerance;
  /** Map the answer before comparing (e.g. Math.abs when the sign does not matter). */
  readonly normalise?: (x: number) => number;
  readonly traps: () => readonly Trap[];
  /** The ✓ line's explanation, given the reference. */
  readonly explain: (ref: number) => string;
}

export function numericExercise<Name extends string>(s: NumericSpec<Name>): Exercise<Name, false> {
  const check = (answer: unknown): Feedback => {
    if (answer === undefined || answer === null) return noAnswer(s.id, s.what, s.kind === "code" ? s.hint : null);
    const raw = asNumber(answer);
    if (!Number.isFinite(raw))
      return notYet(
        s.id,
        `${JSON.stringify(answer) ?? String(answer)} is not a finite number.`,
        `the answer is ${s.what}.`,
      );
    const x = s.normalise ? s.normalise(raw) : raw;
    const ref = s.reference();
    if (close(x, ref, s.tol)) return right(s.id, `${fmt(raw)} — ${s.explain(ref)}`);
    for (const t of s.traps())
      if (close(x, t.value, t.tol ?? { rel: 1e-3, abs: 1e-9 })) return notYet(s.id, `${fmt(raw)} is not it.`, t.hint);
    return notYet(s.id, `${fmt(raw)} is too ${x > ref ? "large" : "small"}.`, s.hint);
  };
  return {
    id: s.id,
    number: s.number,
    notebook: s.notebook,
    title: s.title,
    kind: s.kind,
    hint: s.hint,
    checkName: s.checkName,
    async: false,
    check,
    reference: () => s.reference(),
    typicalWrong: s.traps().map((t) => ({ answer: t.value, hint: t.hint.slice(0, 40) })),
  };
}
