/**
 * The plotly.js bundle, offline, from node_modules: plotly's own minified
 * "cartesian" partial bundle (plotly.js-cartesian-dist-min, 1.5 MB instead
 * of 4.8 MB for the full minified plotly). It holds every trace type the
 * display layer draws (scatter with lines, bands and markers; bar with error
 * bars; heatmap) and plotly's core (sliders, buttons, animation frames,
 * subplots); test/contrast.test.ts draws one figure of every builder with it
 * in a real browser. A builder that needs another trace type must check it
 * is in this bundle (its README lists them) or switch bundles here.
 */

import * as fs from "fs";
import * as path from "path";

const PACKAGE = "plotly.js-cartesian-dist-min";
const BUNDLE = "plotly-cartesian.min.js";

/** The trace types this bundle registers that the display layer uses (see figure.ts's PlotlyTrace). */
export const BUNDLED_TRACE_TYPES = ["scatter", "bar", "heatmap"] as const;

export function plotlyVersion(): string {
  const parsed: { version: string } = JSON.parse(fs.readFileSync(require.resolve(`${PACKAGE}/package.json`), "utf8"));
  return parsed.version;
}

/** Path of the minified plotly.js bundle. */
export function plotlyMinJsPath(): string {
  return path.join(path.dirname(require.resolve(`${PACKAGE}/package.json`)), BUNDLE);
}

/** The plotly.js source text. */
export function plotlySource(): string {
  return fs.readFileSync(plotlyMinJsPath(), "utf8");
}
