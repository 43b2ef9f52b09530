/**
 * A markdown-it plugin that renders LaTeX with KaTeX on the server, so the
 * book needs only KaTeX's CSS and fonts, no script.
 *
 *   inline:  $…$   \(…\)        display: $$…$$   \[…\]   (inline or as a block)
 *
 * `$` follows pandoc's rule: the opening `$` is not followed by a space, the
 * closing one is not preceded by a space nor followed by a digit, so "costs
 * $5 and $6" stays text. `\$` is a literal dollar.
 */

import type MarkdownIt from "markdown-it";
import type * as KatexApi from "katex/types/katex";

// katex ships its types outside package.json's "types"; the cast keeps them.
const katex: typeof KatexApi = require("katex");

type StateInline = MarkdownIt.StateInline;
type StateBlock = MarkdownIt.StateBlock;

export function renderMath(tex: string, display: boolean): string {
  return katex.renderToString(tex, { displayMode: display, throwOnError: false, output: "htmlAndMathml" });
}

export function mathPlugin(md: MarkdownIt): void {
  md.inline.ruler.before("escape", "math_inline", mathInline);
  md.block.ruler.before("paragraph", "math_block", mathBlock, {
    alt: ["paragraph", "reference", "blockquote", "list"],
  });
  md.renderer.rules.math_inline = (tokens, i) => renderMath(tokens[i].content, false);
  md.renderer.rules.math_inline_display = (tokens, i) => renderMath(tokens[i].content, true);
  md.renderer.rules.math_block = (tokens, i) =>
    `<div class="math-display">${renderMath(tokens[i].content, true)}</div>\n`;
}

interface Delimiters {
  open: string;
  close: string;
  display: boolean;
}

const INLINE_DELIMITERS: Delimiters[] = [
  { open: "$$", close: "$$", display: true },
  { open: "\\[", close: "\\]", display: true },
  { open: "\\(", close: "\\)", display: false },
  { open: "$", close: "$", display: false },
];

function mathInline(state: StateInline, silent: boolean): boolean {
  const src = state.src;
  const start = state.pos;
  for (const d of INLINE_DELIMITERS) {
    if (!src.startsWith(d.open, start)) continue;
    const end = findClose(src, start + d.open.length, d);
    if (end < 0) continue;
    if (!silent) {
      const token = state.push(d.display ? "math_inline_display" : "math_inline", "math", 0);
      token.content = src.slice(start + d.open.length, end);
      token.markup = d.open;
    }
    state.pos = end + d.close.length;
    return true;
  }
  return false;
}

/** Index of the closing delimiter, or -1. */
function findClose(src: string, from: number, d: Delimiters): number {
  if (d.open === "$") {
    if (from >= src.length || /\s/.test(src[from])) return -1;
    for (let i = from; i < src.length; i++) {
      if (src[i] === "\\") {
        i++;
        continue;
      }
      if (src[i] === "$") {
        const ok = !/\s/.test(src[i - 1]) && !/[0-9]/.test(src[i + 1] ?? "");
        return ok && i > from ? i : -1;
      }
    }
    return -1;
  }
  const end = src.indexOf(d.close, from);
  return end > from ? end : -1;
}

const BLOCK_DELIMITERS: Delimiters[] = [
  { open: "$$", close: "$$", display: true },
  { open: "\\[", close: "\\]", display: true },
];

/** A display block: a line starting with $$ (or \[) up to the line ending with $$ (or \]). */
function mathBlock(state: StateBlock, startLine: number, endLine: number, silent: boolean): boolean {
  if (state.sCount[startLine] - state.blkIndent >= 4) return false;
  const first = lineText(state, startLine).trim();
  const d = BLOCK_DELIMITERS.find((x) => first.startsWith(x.open));
  if (!d) return false;
  const lines: string[] = [];
  let line = startLine;
  let rest = first.slice(d.open.length);
  for (;;) {
    const closeAt = rest.trimEnd().endsWith(d.close) ? rest.trimEnd().length - d.close.length : -1;
    if (closeAt >= 0) {
      lines.push(rest.trimEnd().slice(0, closeAt));
      break;
    }
    lines.push(rest);
    line++;
    if (line >= endLine) return false;
    rest = lineText(state, line);
  }
  if (silent) return true;
  const token = state.push("math_block", "math", 0);
  token.block = true;
  token.content = lines.join("\n").trim();
  token.markup = d.open;
  token.map = [startLine, line + 1];
  state.line = line + 1;
  return true;
}

function lineText(state: StateBlock, line: number): string {
  return state.src.slice(state.bMarks[line] + state.tShift[line], state.eMarks[line]);
}
