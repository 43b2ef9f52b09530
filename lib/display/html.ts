/**
 * Small HTML-string helpers shared by the display layer and the book.
 * Everything a user or a data set can put into a page goes through `escapeHtml`
 * (text) or `jsonForScript` (data inside a <script>), never raw.
 */

import { randomBytes } from "crypto";

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Escape text for an HTML element body or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/**
 * JSON that is safe inside an inline <script>: "</script>", "<!--" and the
 * JS line terminators U+2028/2029 cannot end or corrupt the script element.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/**
 * A DOM id that stays unique across kernel restarts: a classic notebook page
 * keeps old outputs in the DOM, so a per-process counter alone could collide.
 */
export function uniqueId(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString("hex")}`;
}
