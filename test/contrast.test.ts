/**
 * Every kind of output the display layer makes, drawn in a real browser on
 * a light and a dark editor page: every figure draws with the bundled
 * plotly, nothing logs an error, and every text element reaches 4.5:1
 * contrast (test/helpers/contrast.ts says how that is measured).
 *
 * The same check on every output of executed notebooks runs when asked:
 * `npm run check-contrast` (out/notebooks/, after npm start) or with
 * SIGMOID_LAB_EXECUTED=DIR. It is not part of a plain `npm test`, whose
 * result must not depend on whatever an earlier run left in out/.
 */
import { renderBoard } from "../lib/display/board";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { Browser, Page } from "playwright-core";
import * as plot from "../lib/display/plot";
import { memorySink } from "../lib/display/output";
import { forgetPlotlyInjection } from "../lib/display/plotly-loader";
import { progress } from "../lib/display/progress";
import { tableHtml } from "../lib/display/table";
import { showTiles } from "../lib/display/tiles";
import * as theme from "../lib/display/theme";
import { HOW_TO_GET_CHROMIUM, launchChromium } from "./helpers/browser";
import {
  ContrastReport,
  MIN_RATIO,
  Mode,
  PAGE_COLORS,
  describe as describeReport,
  executedNotebookProblems,
  figuresDrawn,
  measureContrast,
  outputsPage,
} from "./helpers/contrast";

const REPO = path.resolve(__dirname, "..");
const OUT = fs.mkdtempSync(path.join(os.tmpdir(), "sigmoid-lab-contrast-"));
const MODES: Mode[] = ["light", "dark"];

const X = { label: "Epoch", unit: "epochs" };
const Y = { label: "Loss", unit: "nats" };

/** One output of every builder the notebooks use, as HTML, in the order a notebook would show them. */
function gallery(): string[] {
  forgetPlotlyInjection();
  const sink = memorySink();
  const epochs = [1, 2, 3, 4, 5, 6, 7, 8];
  const series = (name: string, k: number) => ({ name, x: epochs, y: epochs.map((e) => Math.exp(-e / k)) });
  const lines = plot.line({
    title: "Line with a band, every palette colour",
    x: X,
    y: Y,
    series: [
      {
        ...series("train", 3),
        band: { lower: epochs.map((e) => Math.exp(-e / 3) - 0.05), upper: epochs.map((e) => Math.exp(-e / 3) + 0.05) },
      },
      ...plot.PALETTE.slice(1).map((_, i) => series(`s${i + 1}`, 4 + i)),
    ],
  });
  plot.show(lines, { sink, takeaway: "Loss falls **fast**, then slowly; see `loss`." });
  plot.show(
    plot.scatter({
      title: "Scatter",
      x: X,
      y: Y,
      series: [{ name: "points", x: [1, 2, 3], y: [3, 1, 2], text: ["a", "b", "c"] }],
    }),
    { sink },
  );
  plot.show(
    plot.bar({
      title: "Bars with error bars",
      x: { label: "Layer", unit: "index" },
      y: { label: "Accuracy", unit: "%" },
      categories: [1, 2, 3],
      series: [{ name: "acc", values: [90, 95, 97], error: [1, 2, 1] }],
    }),
    { sink },
  );
  const values = Array.from({ length: 400 }, (_, i) => ((i * 7919) % 400) / 400);
  plot.show(
    plot.histogram({
      title: "Histogram",
      x: { label: "h", unit: "activation" },
      y: { label: "Count", unit: "units" },
      series: [
        { name: "layer 1", values },
        { name: "layer 2", values: values.map((v) => v * v) },
      ],
      bins: { start: 0, end: 1, count: 20 },
    }),
    { sink },
  );
  plot.show(
    plot.histogramsOverTime({
      title: "Histograms over time (slider, play button, frames)",
      x: { label: "h", unit: "activation" },
      y: { label: "Count", unit: "units" },
      bins: { start: 0, end: 1, count: 10 },
      sliderLabel: "Epoch",
      steps: [1, 2, 3].map((e) => ({
        label: String(e),
        series: [{ name: "layer 1", values: values.map((v) => Math.pow(v, e)) }],
      })),
    }),
    { sink },
  );
  const heat = {
    title: "Heatmap",
    x: { label: "Unit", unit: "index" },
    y: { label: "Layer", unit: "index" },
    color: { label: "h", unit: "activation" },
  };
  plot.show(
    plot.heatmap({
      ...heat,
      z: [
        [0.1, 0.9, 0.5],
        [0.5, 0.2, 0.7],
      ],
      zRange: [0, 1],
    }),
    { sink },
  );
  plot.show(
    plot.heatmap({
      ...heat,
      title: "Discrete heatmap",
      z: [
        [-1, 0, 1],
        [1, 1, -1],
      ],
      discrete: [
        { value: -1, color: "#0072B2", label: "low" },
        { value: 0, color: "#eeeeee", label: "between" },
        { value: 1, color: "#D55E00", label: "high" },
      ],
    }),
    { sink },
  );
  plot.show(
    plot.smallMultiples({
      title: "Small multiples",
      columns: 2,
      panels: [1, 2, 3]
        .map((i) =>
          plot.line({ title: `Layer ${i}`, x: X, y: Y, series: [series("train", i + 1), series("test", i + 2)] }),
        )
        .concat([
          plot.heatmap({
            ...heat,
            title: "Layer 4",
            z: [
              [0, 1],
              [1, 0],
            ],
          }),
        ]),
    }),
    { sink },
  );
  sink.emit({
    html: tableHtml(
      Array.from({ length: 30 }, (_, i) => ({ layer: i + 1, saturated: i / 30, note: i % 2 ? "odd" : "even" })),
      { caption: "A long table", maxRows: 8 },
    ),
    text: "",
  });
  sink.emit({
    html: tableHtml({
      columns: ["a", "b"],
      values: [
        [1, 2],
        [3, 4],
      ],
      index: ["x", "y"],
    }),
    text: "",
  });
  for (const final of [false, true]) {
    let t = 0;
    const p = progress({
      title: "Training",
      total: 4,
      now: () => (t += 100),
      throttleMs: 0,
      sink: { render: (html, text, isFinal) => isFinal === final && sink.emit({ html, text }) },
    });
    for (let e = 1; e <= 4; e++)
      p.update({ epoch: e, step: e * 10, loss: 1 / e, accuracy: e / 5, samplesPerSec: 1000 });
    p.done("4 epochs");
  }
  for (const final of [false, true]) {
    const lanes = final
      ? []
      : [
          { worker: 1, label: "baseline, depth 5", detail: "epoch 2/5 · step 900 · loss 0.412" },
          { worker: 2, label: "tanh, depth 10", detail: null },
        ];
    sink.emit(
      renderBoard({
        title: "Fixes: 34 runs",
        total: 34,
        done: final ? 34 : 12,
        fromCache: 4,
        failed: 1,
        elapsedSeconds: 81,
        etaSeconds: final ? null : 140,
        lanes,
        final,
      }),
    );
  }
  const tile = (v: number) => ({
    values: [v, 1 - v, 0.5, v],
    classes: [v > 0.9 ? 1 : 0, 0, 0, -1],
    range: [0, 1] as [number, number],
    label: "unit",
  });
  showTiles(
    {
      title: "Tiles",
      x: { label: "x₁", unit: "input" },
      y: { label: "x₂", unit: "input" },
      color: { label: "h", unit: "saturation at ε = 0.01" },
      extent: { x: [-1, 1], y: [-1, 1] },
      resolution: 2,
      panelTitles: ["sigmoid", "tanh"],
      sliderLabel: "Epoch",
      points: { x: [0.5, -0.5], y: [0.5, -0.5], classes: [0, 1] },
      frames: ["1", "2"].map((label, f) => ({
        label,
        caption: `epoch ${label}`,
        panels: [0, 1].map(() => [
          { label: "layer 1", note: `${f * 40}% sat.`, tiles: [tile(f / 2), tile(1 - f / 2)] },
        ]),
      })),
    },
    { sink, takeaway: "Saturated tiles fill in as training goes on." },
  );
  for (const kind of Object.keys(theme.BADGE) as theme.BadgeKind[])
    sink.emit({ html: `<p style="padding:0.3em 0.6em;${theme.badge(kind)}">${kind}: a coloured line</p>`, text: "" });
  sink.emit({
    html: `<div style="padding:0.4em;${theme.tintedBox("green")}">A tinted box <span style="${theme.MUTED}">with muted text</span></div>`,
    text: "",
  });
  forgetPlotlyInjection();
  return sink.outputs.map((o) => o.html);
}

describe("outputs in light and dark editor themes, in a real browser", () => {
  let browser: Browser | undefined;
  before(async () => {
    browser = (await launchChromium()) ?? undefined;
  });
  after(async () => {
    await browser?.close();
    fs.rmSync(OUT, { recursive: true, force: true });
  });

  async function render(
    name: string,
    outputs: string[],
    mode: Mode,
  ): Promise<{ page: Page; problems: string[]; figures: [number, number] }> {
    assert.ok(browser, `no Chromium found: ${HOW_TO_GET_CHROMIUM}`);
    const file = path.join(OUT, `${name}-${mode}.html`);
    fs.writeFileSync(file, outputsPage(outputs, mode));
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const problems: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(`console error: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
    const figures = await figuresDrawn(page);
    return { page, problems, figures };
  }

  test(
    "every builder's output draws and its text reaches 4.5:1 on a light and a dark page",
    { timeout: 120_000 },
    async () => {
      const outputs = gallery();
      assert.ok(outputs[0].includes('data-sigmoid-lab="plotly-loader"'), "the first figure brings plotly");
      for (const mode of MODES) {
        const { page, problems, figures } = await render("gallery", outputs, mode);
        assert.deepEqual(figures, [8, 8], `${mode}: every figure drawn`);
        assert.deepEqual(problems, [], `${mode}: no errors`);
        const kinds = await page.evaluate(() => ({
          heatmaps: document.querySelectorAll(".hm, .heatmaplayer image, .heatmaplayer .hm").length,
          bars: document.querySelectorAll(".barlayer .point").length,
          errorBars: document.querySelectorAll(".errorbar").length,
          sliders: document.querySelectorAll(".slider-container").length,
          buttons: document.querySelectorAll(".updatemenu-button").length,
          bands: document.querySelectorAll(".scatterlayer .js-fill").length,
        }));
        assert.ok(kinds.heatmaps >= 3, `${mode}: heatmaps drawn (${JSON.stringify(kinds)})`);
        assert.ok(
          kinds.bars > 0 && kinds.errorBars > 0 && kinds.sliders === 1 && kinds.buttons === 2 && kinds.bands >= 1,
          `${mode}: ${JSON.stringify(kinds)}`,
        );
        // The slider moves the histogram to another frame (animation frames work in this bundle).
        const before = await page.evaluate(() =>
          (
            document.querySelectorAll(".js-plotly-plot")[4] as HTMLElement & { data: { y: number[] }[] }
          ).data[0].y.join(),
        );
        await page.evaluate(() =>
          (
            window as unknown as { Plotly: { animate(el: Element, f: string[], o: object): Promise<void> } }
          ).Plotly.animate(document.querySelectorAll(".js-plotly-plot")[4], ["3"], {
            frame: { duration: 0 },
            transition: { duration: 0 },
          }),
        );
        const afterMove = await page.evaluate(() =>
          (
            document.querySelectorAll(".js-plotly-plot")[4] as HTMLElement & { data: { y: number[] }[] }
          ).data[0].y.join(),
        );
        assert.notEqual(afterMove, before, `${mode}: animating to frame 3 changes the bars`);
        const report = await measureContrast(page);
        assert.ok(report.total > 150, `${mode}: ${report.total} text elements measured`);
        assert.equal(report.low.length, 0, `${mode}: ${describeReport(report)}`);
        // The figures follow the page: their text is the page's own colour.
        const tick = await page.evaluate(() => {
          const cs = getComputedStyle(document.querySelector(".xtick text") as Element);
          return `${cs.fill.replace(/\s/g, "")} ${cs.fillOpacity}`;
        });
        assert.equal(
          tick,
          mode === "dark" ? "rgb(204,204,204) 1" : "rgb(0,0,0) 0.87",
          `${mode}: tick labels in the page's text colour`,
        );
        await page.close();
      }
    },
  );

  test(
    "the measure itself: a light box with inherited light text fails on the dark page",
    { timeout: 60_000 },
    async () => {
      const old =
        '<p style="background:#f3f8fc;border-left:4px solid #0072B2">Takeaway: old style</p><p>plain text</p><svg width="100" height="20"><text x="0" y="15" fill="#777">grey</text></svg>';
      const seen: Record<Mode, ContrastReport> = {} as Record<Mode, ContrastReport>;
      for (const mode of MODES) {
        const { page } = await render("measure", [old], mode);
        seen[mode] = await measureContrast(page);
        await page.close();
      }
      assert.equal(seen.light.total, 3);
      // #777 on white: (1 + 0.05)/(0.184 + 0.05) ≈ 4.48, just under 4.5.
      assert.deepEqual(
        seen.light.low.map((l) => [l.text, l.ratio]),
        [["grey", 4.48]],
      );
      const dark = Object.fromEntries(seen.dark.low.map((l) => [l.text, l.ratio]));
      // #ccc on #f3f8fc: (0.929+0.05)/(0.604+0.05) ≈ 1.50; #777 on #1e1e1e ≈ 3.73.
      assert.ok(Math.abs(dark["Takeaway: old style"] - 1.5) < 0.05, JSON.stringify(seen.dark.low));
      assert.ok(Math.abs(dark["grey"] - 3.73) < 0.05, JSON.stringify(seen.dark.low));
      assert.equal(dark["plain text"], undefined);
      assert.equal(PAGE_COLORS.dark.background, "#1e1e1e");
    },
  );

  const executedDir =
    process.env.SIGMOID_LAB_EXECUTED ??
    (process.env.npm_lifecycle_event === "check-contrast" ? path.join(REPO, "out", "notebooks") : null);
  const executed =
    executedDir && fs.existsSync(executedDir)
      ? fs
          .readdirSync(executedDir)
          .filter((f) => /^\d\d-.*\.ipynb$/.test(f))
          .sort()
      : [];
  const why =
    executedDir === null
      ? "asked for by npm run check-contrast or SIGMOID_LAB_EXECUTED=DIR"
      : `no executed notebooks in ${executedDir} (npm start makes them; the quick profile's go to out/quick/notebooks)`;
  test(
    `every output of the executed notebooks reaches ${MIN_RATIO}:1 in both themes`,
    { timeout: 600_000, skip: executed.length === 0 ? why : false },
    async () => {
      assert.ok(browser, `no Chromium found: ${HOW_TO_GET_CHROMIUM}`);
      const files = executed.map((nb) => path.join(executedDir as string, nb));
      const failures = await executedNotebookProblems(browser, files, (line) => process.stdout.write(`# ${line}\n`));
      assert.deepEqual(failures, []);
    },
  );
});
