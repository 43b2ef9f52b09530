/**
 * The page shell shared by every page of the book: head with the shared
 * assets, a sidebar listing the chapters (and the current chapter's
 * sections), the content, and prev/next links. All links are relative and
 * all pages sit in one folder, so the book opens from file:// as well as
 * from any web server.
 */

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
<link rel="stylesheet" href="assets/highlight.css">
<link rel="stylesheet" href="assets/site.css">${plotly}
</head>
<body>
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
</script>
</body>
</html>
`;
}

function sidebar(p: PageOptions): string {
  const items = p.chapters.map((c, i) => {
    const current = i === p.current;
    const sections = current ? sectionList(p.headings ?? []) : "";
    return `<li${current ? ' class="current"' : ""}><a href="${escapeHtml(c.href)}"${current ? ' aria-current="page"' : ""}>${escapeHtml(c.title)}</a>${sections}</li>`;
  });
  return (
    `<nav class="sidebar" aria-label="Chapters">` +
    `<a class="brand" href="index.html"${p.current === null ? ' aria-current="page"' : ""}>${BOOK_NAME}</a>` +
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
    return first ? `<nav class="pager" aria-label="Chapters"><span></span><a rel="next" href="${escapeHtml(first.href)}">Start: ${escapeHtml(first.title)} →</a></nav>` : "";
  }
  const prev = p.current > 0 ? p.chapters[p.current - 1] : { href: "index.html", title: "Contents" };
  const next = p.chapters[p.current + 1];
  return (
    `<nav class="pager" aria-label="Chapters">` +
    `<a rel="prev" href="${escapeHtml(prev.href)}">← ${escapeHtml(prev.title)}</a>` +
    (next ? `<a rel="next" href="${escapeHtml(next.href)}">${escapeHtml(next.title)} →</a>` : `<a href="index.html">Contents ↑</a>`) +
    `</nav>`
  );
}
