/**
 * The one line an exercise check answers with — "✓ Right: …", "✗ Not yet: …
 * Hint: …" or "✗ No answer yet: …" — and the one function that shows it in a
 * cell (`showFeedback`, the only place its HTML is written). Also the small
 * helpers every checker uses to read an answer and to echo it (`fmt`: more
 * digits than prose needs, since it repeats what the student typed;
 * percentages and counts come from display/text.ts, like all prose).
 */
import { OutputSink, currentSink } from "../display/output";
import { escapeHtml } from "../display/html";

export interface Feedback {
  readonly id: string;
  readonly ok: boolean;
  /** One line, starting with ✓ or ✗. */
  readonly message: string;
}

export const right = (id: string, text: string): Feedback => ({ id, ok: true, message: `✓ Right: ${text}` });

export const notYet = (id: string, text: string, hint: string): Feedback => ({
  id,
  ok: false,
  message: `✗ Not yet: ${text} Hint: ${hint}`,
});

/**
 * The placeholder's message. Code exercises get the hint; predictions do not
 * (the hint would give the answer away before the reader has predicted).
 */
export const noAnswer = (id: string, what: string, hint: string | null): Feedback => ({
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

// ------------------------------------------------------------ reading answers

/** A number, or a string that is one ("0.25"); NaN for anything else. */
export function asNumber(answer: unknown): number {
  if (typeof answer === "number") return answer;
  if (typeof answer === "string" && answer.trim() !== "" && Number.isFinite(Number(answer))) return Number(answer);
  return NaN;
}

export interface Tolerance {
  readonly abs?: number;
  readonly rel?: number;
}

export function close(a: number, b: number, tol: Tolerance): boolean {
  const abs = tol.abs ?? 0,
    rel = tol.rel ?? 0;
  return Math.abs(a - b) <= Math.max(abs, rel * Math.abs(b));
}

/** Call a student's function, turning a throw into a message. */
export function attempt<T>(fn: () => T): { value: T } | { error: string } {
  try {
    return { value: fn() };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

/** Whether a student's function returned an array of numbers (plain or typed). */
export function isNumberArray(v: unknown): v is ArrayLike<unknown> {
  return Array.isArray(v) || v instanceof Float32Array || v instanceof Float64Array;
}

// ------------------------------------------------------------ writing numbers

/** A number for a message: up to 6 significant digits, no float noise. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x !== 0 && (Math.abs(x) < 1e-4 || Math.abs(x) >= 1e6)) return x.toExponential(3);
  return String(Number(x.toPrecision(6)));
}
