/**
 * Putting a figure into a notebook cell: a <div> with a unique id and a
 * script that draws it with plotly once window.Plotly exists (the loader
 * may sit in an earlier output, or, in the book, in the page head).
 */

import { escapeHtml, jsonForScript, uniqueId } from "./html";
import { PlotlyFigure, requireLabelledFigure } from "./figure";
import { OutputSink, currentSink } from "./output";
import { FIGURE_ATTRIBUTE } from "./markers";
import { ensurePlotly } from "./plotly-loader";
import { THEME_EVENT, THEMED_SPEC_JS } from "./figure-theme";
import { tintedBox } from "./theme";

const PLOTLY_CONFIG = { responsive: true, displaylogo: false };

/** How long a figure waits for plotly.js before saying why it is blank. */
const WAIT_MS = 30_000;
const POLL_MS = 50;

/**
 * The HTML (div + drawing script) of one figure. It is drawn in the page's
 * text colour (figure-theme.ts) and redrawn when the book's theme toggles or
 * the system's light/dark preference changes.
 */
export function figureHtml(fig: PlotlyFigure): string {
  requireLabelledFigure(fig);
  const id = uniqueId("sl-fig");
  const height = typeof fig.layout.height === "number" ? fig.layout.height : 380;
  const spec = { data: fig.data, layout: fig.layout, frames: fig.frames ?? [], config: PLOTLY_CONFIG };
  return (
    `<div id="${id}" ${FIGURE_ATTRIBUTE} class="sigmoid-lab-figure" style="width:100%;min-height:${height}px"></div>\n` +
    "<script>\n" +
    "(function () {\n" +
    `  var id = "${id}", spec = ${jsonForScript(spec)}, waited = 0;\n` +
    `  var themed = ${THEMED_SPEC_JS};\n` +
    "  function watch(el) {\n" +
    "    var redraw = function () { if (document.body.contains(el)) window.Plotly.react(el, themed(spec, el)); };\n" +
    `    document.addEventListener("${THEME_EVENT}", redraw);\n` +
    '    var q = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)");\n' +
    '    if (q && q.addEventListener) q.addEventListener("change", redraw);\n' +
    "  }\n" +
    "  function draw() {\n" +
    "    var el = document.getElementById(id);\n" +
    "    if (!el) return;\n" +
    "    if (window.Plotly) { window.Plotly.newPlot(el, themed(spec, el)); watch(el); return; }\n" +
    `    waited += ${POLL_MS};\n` +
    `    if (waited < ${WAIT_MS}) { setTimeout(draw, ${POLL_MS}); return; }\n` +
    '    el.textContent = "plotly.js is not loaded in this page: run plot.injectPlotly() in a cell, then re-run this one.";\n' +
    "  }\n" +
    "  draw();\n" +
    "})();\n" +
    "</script>"
  );
}

/**
 * The one-line takeaway under a figure. `**bold**` and `` `code` `` work;
 * everything else is shown as typed. The page's own text colour on a faint
 * blue tint: readable in light and dark themes.
 */
export function takeawayHtml(text: string): string {
  const inline = escapeHtml(text)
    .replace(/\*\*(.+?)\*\*/g, "<strong>$1</strong>")
    .replace(/`(.+?)`/g, "<code>$1</code>");
  return (
    `<p class="sigmoid-lab-takeaway" style="margin:0.4em 0 1em;padding:0.35em 0.8em;${tintedBox("blue")};font-weight:600">` +
    `Takeaway: ${inline}</p>`
  );
}

export interface ShowOptions {
  /** One line under the figure saying what to read from it. */
  takeaway?: string;
  sink?: OutputSink;
}

/** Render a figure into the current cell (plotly is injected first if needed). */
export function show(fig: PlotlyFigure, opts: ShowOptions = {}): void {
  const sink = opts.sink ?? currentSink();
  const html = figureHtml(fig) + (opts.takeaway ? "\n" + takeawayHtml(opts.takeaway) : "");
  ensurePlotly(sink);
  sink.emit({ html, text: figureText(fig, opts.takeaway) });
}

/** Render a takeaway line on its own, e.g. under a table. */
export function takeaway(text: string, sink: OutputSink = currentSink()): void {
  sink.emit({ html: takeawayHtml(text), text: `Takeaway: ${text}` });
}

/** What a terminal shows instead of a figure. */
function figureText(fig: PlotlyFigure, takeawayText?: string): string {
  const line = `[figure] ${fig.layout.title.text} (${fig.data.length} traces${fig.frames ? `, ${fig.frames.length} frames` : ""})`;
  return takeawayText ? `${line}\nTakeaway: ${takeawayText}` : line;
}
