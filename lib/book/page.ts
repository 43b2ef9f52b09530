/**
 * The page shell shared by every page of the book: head with the shared
 * assets, a sidebar listing the chapters (and the current chapter's
 * sections), the content, and prev/next links. All links are relative and
 * all pages sit in one folder, so the book opens from file:// as well as
 * from any web server.
 */

import { THEME_EVENT } from "../display/figure-theme";
import { escapeHtml } from "../display/html";
import { Heading } from "./markdown";

export const BOOK_NAME = "sigmoid-lab";

export interface ChapterLink {
  href: string;
  title: string;
}

export interface PageOptions {
  /** Shown in <title> after the chapter's title, and as the page's identity. */
  title: string;
  body: string;
  chapters: ChapterLink[];
  /** Index of this page in `chapters`, or null for the index page. */
  current: number | null;
  headings?: Heading[];
  needsPlotly?: boolean;
  /** A line under the content, e.g. when and how the notebook was executed. */
  footer?: string;
  /** Use the window's width (the playground's pictures beside its numbers) instead of a reading column. */
  wide?: boolean;
}

export function renderPage(p: PageOptions): string {
  const plotly = p.needsPlotly ? `\n<script src="assets/plotly.min.js"></script>` : "";
  const pageTitle = p.current === null && p.title === "Contents" ? BOOK_NAME : `${p.title} · ${BOOK_NAME}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(pageTitle)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="assets/katex/katex.min.css">
<link rel="stylesheet" href="assets/highlight.css" id="hl-light" media="(prefers-color-scheme: light)">
<link rel="stylesheet" href="assets/highlight-dark.css" id="hl-dark" media="(prefers-color-scheme: dark)">
<link rel="stylesheet" href="assets/site.css">
<script>${THEME_HEAD_SCRIPT}</script>${plotly}
</head>
<body${p.wide ? ' class="wide"' : ""}>
<a class="skip-link" href="#content">Skip to content</a>
<div class="layout">
${sidebar(p)}
<main id="content">
<article>
${p.body}
</article>
${pager(p)}
${p.footer ? `<footer class="page-footer">${p.footer}</footer>` : ""}
</main>
</div>
<script>
// Printing should show collapsed code and solutions too.
window.addEventListener("beforeprint", function () {
  document.querySelectorAll("details").forEach(function (d) { d.setAttribute("open", ""); });
});
// A figure drawn inside a closed <details> gets its real width when opened.
document.addEventListener("toggle", function () { window.dispatchEvent(new Event("resize")); }, true);
${THEME_TOGGLE_SCRIPT}
</script>
</body>
</html>
`;
}

/**
 * Light/dark: the system's preference unless the reader chose one with the
 * toggle (kept in localStorage). Runs in <head>, before the first paint, so
 * a dark page never flashes white; it also picks the highlight.js theme.
 */
const THEME_HEAD_SCRIPT = `
window.sigmoidLabTheme = {
  key: "sigmoid-lab-theme",
  picked: null,
  chosen: function () {
    if (this.picked) return this.picked;
    try { var t = localStorage.getItem(this.key); return t === "dark" || t === "light" ? t : null; } catch (e) { return null; }
  },
  choose: function (t) {
    this.picked = t;
    try { localStorage.setItem(this.key, t); } catch (e) { /* file:// without storage: this page only */ }
    this.apply();
  },
  current: function () { return this.chosen() || (window.matchMedia && matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light"); },
  apply: function () {
    var t = this.chosen(), root = document.documentElement;
    if (t) root.setAttribute("data-theme", t); else root.removeAttribute("data-theme");
    var light = document.getElementById("hl-light"), dark = document.getElementById("hl-dark");
    if (light && dark) {
      light.media = t ? (t === "light" ? "all" : "not all") : "(prefers-color-scheme: light)";
      dark.media = t ? (t === "dark" ? "all" : "not all") : "(prefers-color-scheme: dark)";
    }
  }
};
window.sigmoidLabTheme.apply();
`;

/** The sidebar's toggle: switch, remember, and tell the figures to redraw in the new colours. */
const THEME_TOGGLE_SCRIPT = `(function () {
  var theme = window.sigmoidLabTheme, button = document.querySelector(".theme-toggle");
  if (!theme || !button) return;
  function label() {
    var next = theme.current() === "dark" ? "light" : "dark";
    button.textContent = next === "dark" ? "◐ Dark mode" : "◑ Light mode";
    button.setAttribute("aria-label", "Switch to " + next + " mode");
  }
  button.hidden = false;
  label();
  button.addEventListener("click", function () {
    theme.choose(theme.current() === "dark" ? "light" : "dark");
    label();
    document.dispatchEvent(new Event("${THEME_EVENT}"));
  });
  if (window.matchMedia) matchMedia("(prefers-color-scheme: dark)").addEventListener("change", label);
})();`;

function sidebar(p: PageOptions): string {
  const items = p.chapters.map((c, i) => {
    const current = i === p.current;
    const sections = current ? sectionList(p.headings ?? []) : "";
    return `<li${current ? ' class="current"' : ""}><a href="${escapeHtml(c.href)}"${current ? ' aria-current="page"' : ""}>${escapeHtml(c.title)}</a>${sections}</li>`;
  });
  return (
    `<nav class="sidebar" aria-label="Chapters">` +
    `<a class="brand" href="index.html"${p.current === null ? ' aria-current="page"' : ""}>${BOOK_NAME}</a>` +
    `<button type="button" class="theme-toggle" hidden>Dark mode</button>` +
    (items.length > 0 ? `<ol class="chapters">${items.join("")}</ol>` : `<p class="muted">No chapters yet.</p>`) +
    `</nav>`
  );
}

/** The chapter's own sections: level-2 headings (level 1 is the chapter title). */
function sectionList(headings: Heading[]): string {
  const sections = headings.filter((h) => h.level === 2);
  if (sections.length === 0) return "";
  return `<ol class="sections">${sections.map((h) => `<li><a href="#${escapeHtml(h.id)}">${escapeHtml(h.text)}</a></li>`).join("")}</ol>`;
}

function pager(p: PageOptions): string {
  if (p.current === null) {
    const first = p.chapters[0];
    return first
      ? `<nav class="pager" aria-label="Chapters"><span></span><a rel="next" href="${escapeHtml(first.href)}">Start: ${escapeHtml(first.title)} →</a></nav>`
      : "";
  }
  const prev = p.current > 0 ? p.chapters[p.current - 1] : { href: "index.html", title: "Contents" };
  const next = p.chapters[p.current + 1];
  return (
    `<nav class="pager" aria-label="Chapters">` +
    `<a rel="prev" href="${escapeHtml(prev.href)}">← ${escapeHtml(prev.title)}</a>` +
    (next
      ? `<a rel="next" href="${escapeHtml(next.href)}">${escapeHtml(next.title)} →</a>`
      : `<a href="index.html">Contents ↑</a>`) +
    `</nav>`
  );
}
