/**
 * Code cells and terminal text as HTML: TypeScript highlighted by
 * highlight.js on the server (only its CSS reaches the page), ANSI colour
 * codes from tracebacks and logs removed.
 */

import hljs from "highlight.js/lib/core";
import typescript from "highlight.js/lib/languages/typescript";
import { escapeHtml } from "../display/html";

hljs.registerLanguage("typescript", typescript);

export function highlightTypeScript(code: string): string {
  return hljs.highlight(code, { language: "typescript", ignoreIllegals: true }).value;
}

/** CSI sequences (colours, cursor moves) and OSC sequences (titles, links). */
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, "");
}

/** Terminal text for a <pre>: no escape codes, HTML-escaped. */
export function terminalText(text: string): string {
  return escapeHtml(stripAnsi(text));
}
