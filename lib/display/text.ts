/**
 * Numbers into words, for the prose the chapters compute (takeaways, closing
 * paragraphs, the answer): one way to write a percentage, a difference in
 * percentage points with its interval, a ratio, a list. And one way to show
 * computed paragraphs in a cell (`**bold**` is the only markup).
 */
import { escapeHtml } from "./html";
import { OutputSink, currentSink } from "./output";

/** A fraction as a percentage: pct(0.4612) = "46.1%"; "—" for NaN or ±∞. */
export function pct(x: number, digits = 1): string {
  return Number.isFinite(x) ? `${(100 * x).toFixed(digits)}%` : "—";
}

/** A difference of fractions in signed percentage points: "+0.4 pp", "−0.3 pp". */
export function pp(x: number, digits = 1): string {
  return `${signed(100 * x, digits)} pp`;
}

/** A difference with its interval: "+0.40 pp [−0.54, +1.35]". */
export function intervalPp(
  d: { readonly diff: number; readonly low: number; readonly high: number },
  digits = 1,
): string {
  return `${signed(100 * d.diff, digits)} pp [${signed(100 * d.low, digits)}, ${signed(100 * d.high, digits)}]`;
}

function signed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return "—";
  return `${x >= 0 ? "+" : "−"}${Math.abs(x).toFixed(digits)}`;
}

const SUPERSCRIPT: Record<string, string> = {
  "-": "⁻",
  "0": "⁰",
  "1": "¹",
  "2": "²",
  "3": "³",
  "4": "⁴",
  "5": "⁵",
  "6": "⁶",
  "7": "⁷",
  "8": "⁸",
  "9": "⁹",
};

/** 3 significant digits; whole numbers with separators from 100 to 10⁵; powers of ten beyond (1.2 × 10⁻⁸). */
export function num(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a === 0) return "0";
  if (a >= 1e5 || a < 1e-3) {
    const [m, e] = x.toExponential(1).split("e");
    return `${m} × 10${e.replace("+", "").replace(/./g, (c) => SUPERSCRIPT[c] ?? c)}`;
  }
  return a >= 100 ? Math.round(x).toLocaleString("en") : x.toPrecision(3);
}

/** A mean over runs with its standard deviation, "12.3 ± 0.4" (just "12.3" for one run, "—" for none). */
export function plusMinus(m: { readonly mean: number; readonly std: number; readonly n: number }, digits = 1): string {
  if (m.n === 0 || !Number.isFinite(m.mean)) return "—";
  return m.n > 1 && Number.isFinite(m.std)
    ? `${m.mean.toFixed(digits)} ± ${m.std.toFixed(digits)}`
    : m.mean.toFixed(digits);
}

/** A count with thousands separators: 10,000. */
export function count(n: number): string {
  return n.toLocaleString("en");
}

/** "a", "a and b", "a, b and c". */
export function andList(xs: readonly string[]): string {
  return xs.length <= 1 ? xs.join("") : `${xs.slice(0, -1).join(", ")} and ${xs[xs.length - 1]}`;
}

/** "layer 5", "layers 1 and 5", "layers 1, 2 and 5". */
export function layerList(ls: readonly number[]): string {
  return ls.length === 1 ? `layer ${ls[0]}` : `layers ${andList(ls.map(String))}`;
}

export function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Escaped text with `**bold**` as <strong> and `` `code` `` as <code>: the only markup computed prose uses. */
export function inlineMarkup(text: string): string {
  return escapeHtml(text)
    .replace(/\*\*(.+?)\*\*/g, "<strong>$1</strong>")
    .replace(/`(.+?)`/g, "<code>$1</code>");
}

/** Show computed paragraphs in the current cell (HTML in a notebook, plain text elsewhere). */
export function showProse(paragraphs: readonly string[], sink: OutputSink = currentSink()): void {
  const html = paragraphs.map((p) => `<p style="margin:0.5em 0;line-height:1.5">${inlineMarkup(p)}</p>`).join("\n");
  sink.emit({ html: `<div class="sigmoid-lab-prose">${html}</div>`, text: paragraphs.join("\n\n") });
}
