/**
 * The book's stylesheet (written to assets/site.css). Readable line length,
 * a sidebar on wide screens that stacks above the text on narrow ones, and
 * a print style without navigation.
 *
 * Light and dark: every colour is a variable. Dark follows the system
 * (prefers-color-scheme) unless the reader chose with the toggle, which sets
 * <html data-theme="light|dark"> (page.ts). Notebook outputs inherit the
 * page's text colour and figures redraw in it (lib/display/theme.ts).
 */

/** The palette, light. */
const LIGHT: Record<string, string> = {
  bg: "#ffffff",
  text: "#1d1f23",
  muted: "#5f6670",
  line: "#e3e6ea",
  accent: "#0b63a8",
  "code-bg": "#f6f8fa",
  "sidebar-bg": "#f7f8fa",
  "quote-bg": "#f3f8fc",
  "quote-text": "#22303c",
  "error-bg": "#fff1f0",
  "error-line": "#d4380d",
  "error-text": "#b02a07",
  "note-bg": "#fffbe6",
  "note-line": "#f0d48a",
  "tag-bg": "#fff4d6",
  "tag-text": "#7a5200",
  "solution-line": "#9bb8d3",
  "hl-keyword": "#cf222e",
};

/** The palette, dark: text ≥ 7:1 on the page and on code and quote backgrounds. */
const DARK: Record<string, string> = {
  bg: "#17191c",
  text: "#d9dce0",
  muted: "#a1a8b1",
  line: "#343a42",
  accent: "#6cb6f0",
  "code-bg": "#22262b",
  "sidebar-bg": "#1d2024",
  "quote-bg": "#1b2a38",
  "quote-text": "#d6e3ee",
  "error-bg": "#3a1d19",
  "error-line": "#f07a5c",
  "error-text": "#f07a5c",
  "note-bg": "#33290f",
  "note-line": "#8a6d1f",
  "tag-bg": "#3b2f10",
  "tag-text": "#f2cf78",
  "solution-line": "#4d6a86",
  "hl-keyword": "#ff7b72",
};

const vars = (palette: Record<string, string>, indent: string) =>
  Object.entries(palette)
    .map(([name, value]) => `${indent}--${name}: ${value};`)
    .join("\n");

export const SITE_CSS = `
:root {
  color-scheme: light;
${vars(LIGHT, "  ")}
  --content-width: 50rem;
}
body.wide { --content-width: 82rem; }
:root[data-theme="dark"] {
  color-scheme: dark;
${vars(DARK, "  ")}
}
@media (prefers-color-scheme: dark) {
  :root:not([data-theme="light"]) {
    color-scheme: dark;
${vars(DARK, "    ")}
  }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0;
  color: var(--text);
  background: var(--bg);
  font: 16px/1.6 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
a { color: var(--accent); }
a:hover { text-decoration-thickness: 2px; }
.skip-link { position: absolute; left: -999px; }
.skip-link:focus { left: 1rem; top: 1rem; background: var(--bg); padding: 0.4rem 0.8rem; z-index: 10; }

.layout { display: flex; align-items: flex-start; min-height: 100vh; }
.sidebar {
  position: sticky; top: 0; flex: 0 0 16.5rem; height: 100vh; overflow-y: auto;
  padding: 1.4rem 1.2rem; background: var(--sidebar-bg); border-right: 1px solid var(--line);
  font-size: 0.92rem; line-height: 1.45;
}
.sidebar .brand { display: block; font-weight: 700; font-size: 1.1rem; color: var(--text); text-decoration: none; margin-bottom: 1rem; }
.sidebar ol { margin: 0; padding-left: 1.3rem; }
.sidebar .chapters > li { margin: 0.35rem 0; }
.sidebar .chapters > li::marker { color: var(--muted); }
.sidebar a { text-decoration: none; }
.sidebar a:hover { text-decoration: underline; }
.sidebar .current > a { font-weight: 650; color: var(--text); }
.sidebar .sections { list-style: none; padding-left: 0.2rem; margin: 0.3rem 0 0.5rem; border-left: 2px solid var(--line); }
.sidebar .sections li { padding-left: 0.6rem; margin: 0.2rem 0; }
.sidebar .sections a { color: var(--muted); }
.muted { color: var(--muted); }

main { flex: 1 1 auto; min-width: 0; padding: 2rem 2.5rem 3rem; }
article { max-width: var(--content-width); }
h1, h2, h3, h4 { line-height: 1.25; margin: 1.6em 0 0.5em; }
h1 { font-size: 2rem; margin-top: 0.2em; }
h2 { font-size: 1.45rem; padding-bottom: 0.2em; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.15rem; }
p, ul, ol { margin: 0.6em 0; }
blockquote { margin: 1em 0; padding: 0.4em 1em; border-left: 4px solid var(--accent); background: var(--quote-bg); color: var(--quote-text); }
table { border-collapse: collapse; }
article table:not(.sigmoid-lab-table):not(.toc) th, article table:not(.sigmoid-lab-table):not(.toc) td { border: 1px solid var(--line); padding: 0.3em 0.7em; }
img { max-width: 100%; height: auto; }
code { font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace; font-size: 0.9em; }
:not(pre) > code { background: var(--code-bg); padding: 0.1em 0.3em; border-radius: 4px; }
.math-display { overflow-x: auto; overflow-y: hidden; }
.katex-display { margin: 0.8em 0; }

.cell { margin: 1.1rem 0; }
.code-cell { border-left: 3px solid var(--line); padding-left: 0.9rem; }
details.source > summary {
  cursor: pointer; color: var(--muted); font-size: 0.82rem; display: flex; gap: 0.6em; align-items: baseline;
  list-style: none; user-select: none; padding: 0.1rem 0;
}
details.source > summary::-webkit-details-marker { display: none; }
details.source > summary::before { content: "▸"; display: inline-block; width: 0.8em; }
details.source[open] > summary::before { content: "▾"; }
details.source[open] > summary .preview { display: none; }
details.source > summary .preview { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; flex: 1 1 auto; min-width: 0; background: none; }
.prompt { font-family: ui-monospace, monospace; }
.time { margin-left: auto; }
.tag { background: var(--tag-bg); color: var(--tag-text); border: 1px solid var(--note-line); border-radius: 999px; padding: 0 0.55em; font-size: 0.75rem; }
pre {
  margin: 0.4rem 0; padding: 0.7rem 0.9rem; overflow-x: auto; border-radius: 6px;
  font: 0.85rem/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
}
details.source pre, pre code.hljs { background: var(--code-bg); }
pre code.hljs { padding: 0; }
/* highlight.js's github red (#d73a49) is 4.3:1 on the code background: one shade darker reaches 5:1. */
.hljs-doctag, .hljs-keyword, .hljs-meta .hljs-keyword, .hljs-template-tag, .hljs-template-variable, .hljs-type, .hljs-variable.language_ { color: var(--hl-keyword); }
.outputs { margin-top: 0.4rem; }
.output { margin: 0.4rem 0; overflow-x: auto; }
pre.output { background: var(--bg); border: 1px solid var(--line); }
pre.output.stderr { background: var(--note-bg); border-color: var(--note-line); }
.output.error { border: 1px solid var(--error-line); background: var(--error-bg); border-radius: 6px; padding: 0.5rem 0.8rem; }
.output.error pre { background: transparent; padding: 0.3rem 0; margin: 0.3rem 0 0; }
.error-head { color: var(--error-text); }
.output.html { overflow-x: auto; }
.sigmoid-lab-figure { max-width: 100%; }
details.solution { border: 1px dashed var(--solution-line); border-radius: 6px; padding: 0.3rem 0.8rem; margin: 1rem 0; }
details.solution > summary { cursor: pointer; font-weight: 600; color: var(--accent); }
.banner { padding: 0.6rem 0.9rem; border-radius: 6px; }
.banner.failed { background: var(--error-bg); border: 1px solid var(--error-line); }
.banner.stale, .banner.unexecuted { background: var(--note-bg); border: 1px solid var(--note-line); }
.theme-toggle {
  display: block; margin: 0 0 1rem; padding: 0.2rem 0.6rem; font: inherit; font-size: 0.85rem; cursor: pointer;
  color: var(--text); background: var(--bg); border: 1px solid var(--line); border-radius: 999px;
}
.theme-toggle:hover { border-color: var(--muted); }

.toc { width: 100%; margin: 1rem 0; }
.toc th, .toc td { text-align: left; padding: 0.45em 0.7em; border-bottom: 1px solid var(--line); }
.toc td.num, .toc th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.toc td.core { white-space: nowrap; color: var(--accent, inherit); font-weight: 600; }
.core-note { color: var(--muted, inherit); font-size: 0.92em; }
.pager { display: flex; justify-content: space-between; gap: 1rem; max-width: var(--content-width); margin-top: 2.5rem; padding-top: 1rem; border-top: 1px solid var(--line); }
.pager a { text-decoration: none; font-weight: 600; }
.page-footer { max-width: var(--content-width); margin-top: 1.5rem; color: var(--muted); font-size: 0.82rem; }

@media (max-width: 900px) {
  .layout { display: block; }
  .sidebar { position: static; height: auto; border-right: 0; border-bottom: 1px solid var(--line); }
  .sidebar .sections { display: none; }
  main { padding: 1.2rem 1rem 2rem; }
  h1 { font-size: 1.6rem; }
}
@media print {
  .sidebar, .pager, .skip-link { display: none; }
  main { padding: 0; }
  body { font-size: 11pt; }
  a { color: inherit; }
  .theme-toggle { display: none; }
  .cell, pre, .output, .katex-display { break-inside: avoid; }
  details.source > summary::before { content: ""; }
}
`;
