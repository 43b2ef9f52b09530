/**
 * Injecting plotly.js into a notebook, once per kernel process.
 *
 * The loader is an inline <script> carrying the whole bundle (no CDN, works
 * offline and in a saved notebook). It hides RequireJS' `define` while plotly
 * evaluates, because classic Notebook loads RequireJS and a UMD bundle that
 * sees `define` registers itself as an anonymous module instead of setting
 * window.Plotly. The book renderer finds the loader by PLOTLY_LOADER_ATTRIBUTE
 * and replaces the multi-megabyte copy with one shared assets/plotly.min.js.
 */

import { FIGURE_ATTRIBUTE, PLOTLY_LOADER_ATTRIBUTE } from "./markers";
import { OutputSink, currentSink } from "./output";
import { plotlySource } from "./plotly-source";

export { PLOTLY_LOADER_ATTRIBUTE, FIGURE_ATTRIBUTE };

/**
 * Kept on globalThis, not in a module variable: tslab re-evaluates a lib file
 * when it changes, and plotly must still be injected only once per kernel.
 */
const INJECTED_FLAG = "__sigmoidLabPlotlyInjected";

type FlagHolder = { [INJECTED_FLAG]?: boolean };

/** The <script> element that defines window.Plotly (unless already defined). */
export function plotlyLoaderHtml(source: string = plotlySource()): string {
  // Inside a script element only "</script" can end it early; in JS string
  // and regex literals "<\/" means the same as "</".
  const safe = source.replace(/<\/(script)/gi, "<\\/$1");
  return (
    `<script ${PLOTLY_LOADER_ATTRIBUTE}>\n` +
    "if (!window.Plotly) {\n" +
    "  (function () {\n" +
    "    var savedDefine = window.define;\n" +
    "    window.define = undefined;\n" +
    "    try {\n" +
    "      (function (define, module, exports) {\n" +
    safe +
    "\n      }).call(window);\n" +
    "    } finally {\n" +
    "      window.define = savedDefine;\n" +
    "    }\n" +
    "  })();\n" +
    "}\n" +
    "</script>"
  );
}

/** Inject plotly.js now, even if it was injected before (e.g. after "Clear all outputs"). */
export function injectPlotly(sink: OutputSink = currentSink()): void {
  sink.emit({ html: () => plotlyLoaderHtml(), text: "" });
  (globalThis as FlagHolder)[INJECTED_FLAG] = true;
}

/** Inject plotly.js unless this kernel process already did. */
export function ensurePlotly(sink: OutputSink = currentSink()): void {
  if ((globalThis as FlagHolder)[INJECTED_FLAG] === true) return;
  injectPlotly(sink);
}

/** Forget the injection (tests; a fresh page in the same kernel). */
export function forgetPlotlyInjection(): void {
  delete (globalThis as FlagHolder)[INJECTED_FLAG];
}
