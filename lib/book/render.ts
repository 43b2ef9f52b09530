/**
 * One executed notebook → the HTML of its chapter (the page body; page.ts
 * adds head, sidebar and navigation).
 *
 * Cell tags the book honours:
 *   parameters, injected-parameters  a small label on the cell
 *   solution                         cell hidden behind "Show solution"
 *   remove-input                     outputs only, no code
 *   hide-input                       code collapsed (a click shows it)
 *   book-index                       outputs also shown on the index page (the short answer, the key figure)
 */

import { escapeHtml } from "../display/html";
import { highlightTypeScript } from "./code";
import { Heading, MarkdownEnv, firstHeading, newMarkdownEnv, renderMarkdown } from "./markdown";
import { BookCell, BookNotebook } from "./notebook";
import { PageNeeds, renderOutputs } from "./outputs";

export interface RenderedNotebook {
  title: string;
  /** The chapter's cells as HTML. */
  body: string;
  /** Headings of the markdown cells, for the sidebar. */
  headings: Heading[];
  needsPlotly: boolean;
}

/** The first markdown heading of the notebook, else `fallback`. */
export function notebookTitle(nb: BookNotebook, fallback: string): string {
  for (const cell of nb.cells) {
    if (cell.cell_type !== "markdown") continue;
    const heading = firstHeading(cell.source);
    if (heading) return heading;
  }
  return fallback;
}

export function renderNotebook(nb: BookNotebook, fallbackTitle: string): RenderedNotebook {
  const env = newMarkdownEnv();
  const needs: PageNeeds = { plotly: false };
  const cells = nb.cells.map((cell, i) => renderCell(cell, i, needs, env)).filter((html) => html !== "");
  const banner =
    nb.runStatus === "failed"
      ? `<p class="banner failed">The last run of this notebook failed: the error is shown at the failing cell, and later cells did not run.</p>`
      : "";
  return {
    title: notebookTitle(nb, fallbackTitle),
    body: banner + cells.join("\n"),
    headings: env.headings,
    needsPlotly: needs.plotly,
  };
}

function renderCell(cell: BookCell, index: number, needs: PageNeeds, env: MarkdownEnv): string {
  const html =
    cell.cell_type === "markdown"
      ? renderMarkdownCell(cell, env)
      : cell.cell_type === "code"
        ? renderCodeCell(cell, index, needs, env)
        : "";
  return html !== "" && cell.tags.includes("solution")
    ? `<details class="solution"><summary>Show solution</summary>${html}</details>`
    : html;
}

function renderMarkdownCell(cell: BookCell, env: MarkdownEnv): string {
  if (cell.source.trim() === "") return "";
  env.attachments = cell.attachments;
  return `<section class="cell markdown-cell">${renderMarkdown(cell.source, env)}</section>`;
}

function renderCodeCell(cell: BookCell, index: number, needs: PageNeeds, env: MarkdownEnv): string {
  const outputs = renderOutputs(cell.outputs, needs, env);
  const showSource = cell.source.trim() !== "" && !cell.tags.includes("remove-input");
  if (!showSource && outputs === "") return "";
  return (
    `<section class="cell code-cell" id="cell-${index + 1}">` +
    (showSource ? sourceBlock(cell) : "") +
    (outputs ? `<div class="outputs">${outputs}</div>` : "") +
    `</section>`
  );
}

function sourceBlock(cell: BookCell): string {
  const label = cell.tags.includes("injected-parameters")
    ? "injected parameters"
    : cell.tags.includes("parameters")
      ? "parameters"
      : null;
  const prompt = cell.executionCount === null ? "[ ]" : `[${cell.executionCount}]`;
  const time = cell.elapsedSeconds === null ? "" : `<span class="time">${formatSeconds(cell.elapsedSeconds)}</span>`;
  const preview = escapeHtml(
    cell.source
      .split("\n")
      .find((l) => l.trim() !== "")
      ?.trim() ?? "",
  );
  return (
    `<details class="source"${cell.tags.includes("hide-input") ? "" : " open"}>` +
    `<summary><span class="prompt">${prompt}</span>` +
    (label ? `<span class="tag">${label}</span>` : "") +
    `<code class="preview">${preview}</code>${time}</summary>` +
    `<pre><code class="hljs language-typescript">${highlightTypeScript(cell.source)}</code></pre>` +
    `</details>`
  );
}

/** Outputs of the cells tagged `book-index`, in order, for the index page (no code, no prompts). */
export function renderIndexHighlights(nb: BookNotebook): { html: string; needsPlotly: boolean } {
  const env = newMarkdownEnv();
  const needs: PageNeeds = { plotly: false };
  const parts = nb.cells
    .filter((cell) => cell.cell_type === "code" && cell.tags.includes("book-index"))
    .map((cell) => renderOutputs(cell.outputs, needs, env))
    .filter((html) => html !== "");
  return { html: parts.map((html) => `<div class="outputs">${html}</div>`).join("\n"), needsPlotly: needs.plotly };
}

export function formatSeconds(s: number): string {
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  const total = Math.round(s);
  return `${Math.floor(total / 60)} min ${total % 60} s`;
}
