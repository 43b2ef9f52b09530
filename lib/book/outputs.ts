/**
 * Cell outputs to HTML, one mime type per output (the richest the book can
 * show). HTML outputs are our own notebooks' figures and tables and go in
 * as they are, except the inline plotly loader: the page loads the shared
 * assets/plotly.min.js in its head instead of a 1.5 MB copy per figure page.
 */

import { escapeHtml } from "../display/html";
import { FIGURE_ATTRIBUTE, PLOTLY_LOADER_ATTRIBUTE } from "../display/markers";
import { terminalText } from "./code";
import { renderMath } from "./math";
import { MarkdownEnv, renderMarkdown } from "./markdown";
import { BookOutput, MimeBundle } from "./notebook";

/** What the page must provide for its outputs. */
export interface PageNeeds {
  plotly: boolean;
}

/** Richest first: the first one present in a bundle is shown. */
const MIME_ORDER = [
  "text/html",
  "image/svg+xml",
  "image/png",
  "image/jpeg",
  "image/gif",
  "text/markdown",
  "text/latex",
  "application/json",
  "text/plain",
] as const;

export function renderOutputs(outputs: BookOutput[], needs: PageNeeds, env: MarkdownEnv): string {
  return outputs
    .map((o) => renderOutput(o, needs, env))
    .filter((html) => html !== "")
    .join("\n");
}

function renderOutput(output: BookOutput, needs: PageNeeds, env: MarkdownEnv): string {
  switch (output.output_type) {
    case "stream":
      return `<pre class="output stream ${output.name === "stderr" ? "stderr" : "stdout"}">${terminalText(output.text)}</pre>`;
    case "error":
      return renderError(output);
    case "display_data":
    case "execute_result":
      return renderBundle(output.data, needs, env);
  }
}

function renderError(e: { ename: string; evalue: string; traceback: string[] }): string {
  const traceback = e.traceback.length > 0 ? `<pre>${terminalText(e.traceback.join("\n"))}</pre>` : "";
  return (
    `<div class="output error" role="alert">` +
    `<div class="error-head"><strong>${escapeHtml(e.ename)}</strong>: ${terminalText(e.evalue)}</div>` +
    traceback +
    `</div>`
  );
}

function renderBundle(data: MimeBundle, needs: PageNeeds, env: MarkdownEnv): string {
  const mime = MIME_ORDER.find((m) => m in data);
  if (mime === undefined) return "";
  const value = data[mime];
  switch (mime) {
    case "text/html":
      return renderHtmlOutput(value, needs);
    case "image/svg+xml":
      return image("image/svg+xml", Buffer.from(value, "utf8").toString("base64"));
    case "image/png":
    case "image/jpeg":
    case "image/gif":
      return image(mime, value.replace(/\s/g, ""));
    case "text/markdown":
      return `<div class="output markdown">${renderMarkdown(value, env)}</div>`;
    case "text/latex":
      return `<div class="output latex">${renderMath(value.trim().replace(/^\$\$?|\$\$?$/g, ""), true)}</div>`;
    case "application/json":
    case "text/plain":
      return `<pre class="output text">${terminalText(value)}</pre>`;
  }
}

function image(mime: string, base64: string): string {
  return `<div class="output image"><img alt="figure output" src="data:${mime};base64,${base64}"></div>`;
}

function renderHtmlOutput(html: string, needs: PageNeeds): string {
  const { rest, hadLoader } = removePlotlyLoader(html);
  if (hadLoader || rest.includes(FIGURE_ATTRIBUTE)) needs.plotly = true;
  return rest.trim() === "" ? "" : `<div class="output html">${rest}</div>`;
}

/** Cut every marked loader <script> element out of an HTML string. */
export function removePlotlyLoader(html: string): { rest: string; hadLoader: boolean } {
  const open = `<script ${PLOTLY_LOADER_ATTRIBUTE}>`;
  let rest = html;
  let hadLoader = false;
  for (let start = rest.indexOf(open); start >= 0; start = rest.indexOf(open)) {
    const close = rest.indexOf("</script>", start);
    rest = rest.slice(0, start) + (close < 0 ? "" : rest.slice(close + "</script>".length));
    hadLoader = true;
  }
  return { rest, hadLoader };
}
