import { test } from "node:test";
import * as assert from "node:assert/strict";
import { ConfigError } from "../lib/core/errors";
import * as plot from "../lib/display/plot";
import { PlotlyAxis, PlotlyFigure } from "../lib/display/figure";
import { formatNumber, plotNumbers } from "../lib/display/numbers";
import { memorySink, inTslabKernel } from "../lib/display/output";
import { PLOTLY_LOADER_ATTRIBUTE, forgetPlotlyInjection, plotlyLoaderHtml } from "../lib/display/plotly-loader";
import { progress, terminalProgressSink } from "../lib/display/progress";
import * as vm from "node:vm";
import { downsample } from "../lib/display/sparkline";
import { tableHtml, visibleRows } from "../lib/display/table";

const X = { label: "Epoch", unit: "epochs" };
const Y = { label: "Loss", unit: "nats" };

function axis(fig: PlotlyFigure, key: string): PlotlyAxis {
  const a = fig.layout[key] as PlotlyAxis | undefined;
  assert.ok(a, `layout.${key} missing`);
  return a;
}

test("line: title, labelled axes with units, one trace per series, plain numbers", () => {
  const fig = plot.line({
    title: "Training loss",
    x: X,
    y: { ...Y, log: true, range: [0.01, 10] },
    series: [
      { name: "train", x: [1, 2, 3], y: new Float32Array([0.9, 0.5, 0.1]) },
      { name: "test", x: [1, 2, 3], y: [1, 0.7, 0.4], dash: "dash" },
    ],
  });
  assert.equal(fig.layout.title.text, "Training loss");
  assert.equal(axis(fig, "xaxis").title.text, "Epoch (epochs)");
  assert.equal(axis(fig, "yaxis").title.text, "Loss (nats)");
  assert.equal(axis(fig, "yaxis").type, "log");
  assert.deepEqual(axis(fig, "yaxis").range, [-2, 1], "log-axis range is given to plotly as log10");
  assert.deepEqual(
    fig.data.map((t) => t.name),
    ["train", "test"],
  );
  // Float32Array becomes a JSON array, rounded past float32 noise.
  assert.deepEqual(fig.data[0].y, [0.9, 0.5, 0.1]);
  assert.ok(JSON.stringify(fig).includes('"y":[0.9,0.5,0.1]'));
});

test("line: an error band is one closed polygon in the series' group, hidden from the legend", () => {
  const fig = plot.line({
    title: "Loss over 5 seeds",
    x: X,
    y: Y,
    series: [{ name: "mean", x: [0, 1, 2], y: [3, 2, 1], band: { lower: [2.5, 1.5, 0.5], upper: [3.5, 2.5, 1.5] } }],
  });
  const [band, mean] = fig.data;
  assert.equal(fig.data.length, 2);
  assert.deepEqual(band.x, [0, 1, 2, 2, 1, 0]);
  assert.deepEqual(band.y, [3.5, 2.5, 1.5, 0.5, 1.5, 2.5]);
  assert.equal(band.fill, "toself");
  assert.equal(band.showlegend, false);
  assert.equal(band.legendgroup, mean.legendgroup);
});

test("builders reject missing title, axis label or unit at runtime with a clear error", () => {
  const series = [{ name: "a", x: [1], y: [1] }];
  const untyped = plot.line as (o: unknown) => PlotlyFigure;
  assert.throws(
    () => untyped({ x: X, y: Y, series }),
    (e: unknown) =>
      e instanceof ConfigError && /line\.title/.test(e.message) && /title and axis labels/.test(e.message),
  );
  assert.throws(() => untyped({ title: "  ", x: X, y: Y, series }), /line\.title/);
  assert.throws(() => untyped({ title: "t", y: Y, series }), /line\.x/);
  assert.throws(() => untyped({ title: "t", x: { label: "Epoch" }, y: Y, series }), /line\.x\.unit/);
  assert.throws(() => untyped({ title: "t", x: X, y: { unit: "nats" }, series }), /line\.y\.label/);
  const untypedHist = plot.histogram as (o: unknown) => PlotlyFigure;
  assert.throws(
    () => untypedHist({ x: X, y: Y, series: [], bins: { start: 0, end: 1, count: 2 } }),
    /histogram\.title/,
  );
});

test("builders: missing title or axes are also compile errors", () => {
  // These lines only type-check because of @ts-expect-error: if the options
  // ever stop requiring title/axes, `tsc --noEmit` fails on this test file.
  const series = [{ name: "a", x: [1], y: [1] }];
  assert.throws(() =>
    // @ts-expect-error title is required
    plot.line({ x: X, y: Y, series }),
  );
  assert.throws(() =>
    // @ts-expect-error y axis is required
    plot.scatter({ title: "t", x: X, series }),
  );
  assert.throws(() =>
    // @ts-expect-error an axis needs a unit
    plot.bar({ title: "t", x: { label: "Layer" }, y: Y, categories: ["1"], series: [{ name: "a", values: [1] }] }),
  );
});

test("line/scatter/bar reject series whose lengths disagree", () => {
  assert.throws(
    () => plot.line({ title: "t", x: X, y: Y, series: [{ name: "a", x: [1, 2], y: [1] }] }),
    /line\.series\[0\]\.x\/y/,
  );
  assert.throws(
    () => plot.scatter({ title: "t", x: X, y: Y, series: [{ name: "a", x: [1], y: [1], text: ["a", "b"] }] }),
    /text/,
  );
  assert.throws(
    () => plot.bar({ title: "t", x: X, y: Y, categories: ["a", "b"], series: [{ name: "s", values: [1] }] }),
    /bar\.series\[0\]\.values/,
  );
  const fig = plot.bar({
    title: "Accuracy per layer",
    x: { label: "Layer", unit: "index" },
    y: { label: "Accuracy", unit: "%" },
    categories: [1, 2],
    series: [{ name: "s", values: [90, 95], error: [1, 2] }],
  });
  assert.deepEqual(fig.data[0].x, ["1", "2"]);
  assert.equal(axis(fig, "xaxis").type, "category");
});

test("bar: an interval per category becomes an asymmetric error bar from low to high; a value outside its interval is refused", () => {
  const fig = plot.bar({
    title: "Difference per layer",
    x: { label: "layer", unit: "index" },
    y: { label: "difference", unit: "pp" },
    categories: ["1", "2"],
    series: [{ name: "d", values: [0.3, -0.1], interval: { low: [-0.2, -0.5], high: [0.9, 0.2] } }],
  });
  const e = fig.data[0].error_y as { symmetric: boolean; array: number[]; arrayminus: number[] };
  assert.equal(e.symmetric, false);
  // value + array = high, value − arrayminus = low
  [0.9, 0.2].forEach((hi, k) => assert.ok(Math.abs(0.3 * (k === 0 ? 1 : 0) + -0.1 * k + e.array[k] - hi) < 1e-12));
  [-0.2, -0.5].forEach((lo, k) => assert.ok(Math.abs([0.3, -0.1][k] - e.arrayminus[k] - lo) < 1e-12));
  const bad = { title: "t", x: X, y: Y, categories: ["a"] };
  assert.throws(
    () => plot.bar({ ...bad, series: [{ name: "s", values: [1], interval: { low: [1.5], high: [2] } }] }),
    (err: unknown) => err instanceof ConfigError && /interval at a/.test(err.message),
  );
  assert.throws(
    () => plot.bar({ ...bad, series: [{ name: "s", values: [1], interval: { low: [0], high: [2, 3] } }] }),
    /interval\.high/,
  );
  assert.throws(
    () => plot.bar({ ...bad, series: [{ name: "s", values: [1], error: [1], interval: { low: [0], high: [2] } }] }),
    /error \(symmetric\) or interval/,
  );
});

test("binCounts: equal-width bins, right edge in the last bin, outside and NaN counted apart", () => {
  const { counts, outside } = plot.binCounts([0, 0.1, 0.25, 0.5, 0.74, 0.75, 1, -0.1, 1.2, NaN], {
    start: 0,
    end: 1,
    count: 4,
  });
  assert.deepEqual(counts, [2, 1, 2, 2]);
  assert.equal(outside, 3);
  assert.deepEqual(plot.binCenters({ start: 0, end: 1, count: 4 }), [0.125, 0.375, 0.625, 0.875]);
  assert.throws(() => plot.binCounts([1], { start: 1, end: 1, count: 3 }), /bins/);
  assert.throws(() => plot.binCounts([1], { start: 0, end: 1, count: 2.5 }), /bins/);
});

test("histogram: overlaid bars of counts or fractions; values outside the bins are named", () => {
  const fig = plot.histogram({
    title: "Activations of layer 1",
    x: { label: "Activation", unit: "σ output" },
    y: { label: "Share of activations", unit: "fraction" },
    bins: { start: 0, end: 1, count: 10 },
    normalize: "fraction",
    series: [
      { name: "layer 1", values: [0.01, 0.02, 0.98, 0.99] },
      { name: "layer 2", values: [0.5, 0.55, 2] },
    ],
  });
  assert.equal(fig.layout.barmode, "overlay");
  assert.deepEqual(axis(fig, "xaxis").range, [0, 1]);
  assert.equal(fig.data.length, 2);
  for (const t of fig.data) assert.equal((t.x as number[]).length, 10);
  const sum = (t: (typeof fig.data)[number]) => (t.y as number[]).reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum(fig.data[0]) - 1) < 1e-9);
  assert.ok(Math.abs(sum(fig.data[1]) - 2 / 3) < 1e-5);
  assert.equal(fig.data[1].name, "layer 2 (1 outside [0, 1])");
});

function stepsOf(n: number) {
  return Array.from({ length: n }, (_, e) => ({
    label: String(e + 1),
    series: [
      { name: "layer 1", values: Array.from({ length: 50 }, (_, i) => ((i * (e + 1)) % 50) / 50) },
      { name: "layer 2", values: Array.from({ length: 50 }, (_, i) => (i < 10 * e ? 0.99 : 0.5)) },
    ],
  }));
}

test("histogramsOverTime: one frame per step, slider steps = frames, fixed y range", () => {
  const fig = plot.histogramsOverTime({
    title: "Hidden activations during training",
    x: { label: "Activation", unit: "σ output" },
    y: { label: "Count", unit: "activations" },
    bins: { start: 0, end: 1, count: 20 },
    sliderLabel: "Epoch",
    steps: stepsOf(5),
  });
  const frames = fig.frames ?? [];
  assert.equal(frames.length, 5);
  const slider = (
    fig.layout.sliders as { steps: { label: string; args: [string[], unknown] }[]; currentvalue: { prefix: string } }[]
  )[0];
  assert.equal(slider.steps.length, frames.length);
  assert.deepEqual(
    slider.steps.map((s) => s.label),
    frames.map((f) => f.name),
  );
  assert.deepEqual(
    slider.steps.map((s) => s.args[0][0]),
    frames.map((f) => f.name),
  );
  assert.equal(slider.currentvalue.prefix, "Epoch: ");
  assert.deepEqual(fig.data, frames[0].data, "the initial traces are the first frame");
  for (const f of frames) assert.equal(f.data.length, 2);
  const maxCount = Math.max(...frames.flatMap((f) => f.data.flatMap((t) => t.y as number[])));
  const range = axis(fig, "yaxis").range as number[];
  assert.equal(range[0], 0);
  assert.ok(range[1] >= maxCount, `y range ${range} must cover the largest count ${maxCount}`);
  assert.ok(Array.isArray(fig.layout.updatemenus));
});

test("histogramsOverTime: rejects steps that change series or repeat a label", () => {
  const base = { title: "t", x: X, y: Y, bins: { start: 0, end: 1, count: 4 }, sliderLabel: "Epoch" };
  const steps = stepsOf(2);
  steps[1].series.pop();
  assert.throws(() => plot.histogramsOverTime({ ...base, steps }), /steps\[1\]\.series/);
  const twice = stepsOf(2);
  twice[1].label = twice[0].label;
  assert.throws(() => plot.histogramsOverTime({ ...base, steps: twice }), /steps\[1\]\.label/);
  assert.throws(() => plot.histogramsOverTime({ ...base, sliderLabel: "", steps: stepsOf(2) }), /sliderLabel/);
});

test("heatmap: continuous with colour bar title; discrete maps values to labelled steps", () => {
  const base = {
    title: "Saturation per unit",
    x: { label: "Training point", unit: "index" },
    y: { label: "Hidden unit", unit: "index" },
    color: { label: "State", unit: "category" },
  };
  const cont = plot.heatmap({
    ...base,
    z: [
      [0.1, 0.9],
      [0.5, 0.2],
    ],
    zRange: [0, 1],
  });
  assert.equal((cont.data[0].colorbar as { title: { text: string } }).title.text, "State (category)");
  assert.equal(cont.data[0].zmax, 1);
  const levels = [
    { value: -1, color: "#0072B2", label: "near 0" },
    { value: 0, color: "#eeeeee", label: "middle" },
    { value: 1, color: "#D55E00", label: "near 1" },
  ];
  const disc = plot.heatmap({
    ...base,
    z: [
      [-1, 0, 1],
      [1, 1, -1],
    ],
    discrete: levels,
    xValues: [10, 11, 12],
  });
  const t = disc.data[0];
  assert.deepEqual(t.z, [
    [0, 1, 2],
    [2, 2, 0],
  ]);
  assert.deepEqual([t.zmin, t.zmax], [-0.5, 2.5]);
  const bar = t.colorbar as { tickvals: number[]; ticktext: string[] };
  assert.deepEqual(bar.tickvals, [0, 1, 2]);
  assert.deepEqual(bar.ticktext, ["near 0", "middle", "near 1"]);
  assert.deepEqual(
    (t.colorscale as [number, string][]).map((s) => s[1]),
    ["#0072B2", "#0072B2", "#eeeeee", "#eeeeee", "#D55E00", "#D55E00"],
  );
  assert.throws(() => plot.heatmap({ ...base, z: [[5]], discrete: levels }), /heatmap\.z\[0\]\[0\]/);
  assert.throws(() => plot.heatmap({ ...base, z: [[1, 2], [3]] }), /heatmap\.z\[1\]/);
  assert.throws(() => plot.heatmap({ ...base, z: [[1, 2]], xValues: [1] }), /xValues/);
  const untyped = plot.heatmap as (o: unknown) => PlotlyFigure;
  assert.throws(() => untyped({ ...base, color: undefined, z: [[1]] }), /heatmap\.color/);
});

test("smallMultiples: each panel gets its own labelled axes in a non-overlapping grid", () => {
  const panel = (i: number) =>
    plot.line({
      title: `Layer ${i}`,
      x: X,
      y: Y,
      series: [
        { name: "train", x: [1, 2], y: [i, i + 1] },
        { name: "test", x: [1, 2], y: [i, i] },
      ],
    });
  const fig = plot.smallMultiples({ title: "Loss per layer", columns: 2, panels: [panel(1), panel(2), panel(3)] });
  assert.equal(fig.layout.title.text, "Loss per layer");
  assert.deepEqual(
    fig.data.map((t) => [t.xaxis, t.yaxis]),
    [
      ["x", "y"],
      ["x", "y"],
      ["x2", "y2"],
      ["x2", "y2"],
      ["x3", "y3"],
      ["x3", "y3"],
    ],
  );
  assert.deepEqual(
    fig.data.map((t) => t.showlegend),
    [true, true, false, false, false, false],
    "one legend entry per series name",
  );
  for (const key of ["xaxis", "xaxis2", "xaxis3"]) assert.equal(axis(fig, key).title.text, "Epoch (epochs)");
  // Panels 1 and 2 share a row side by side; panel 3 is below panel 1.
  const [x1, x2, x3] = ["xaxis", "xaxis2", "xaxis3"].map((k) => axis(fig, k).domain as number[]);
  const [y1, , y3] = ["yaxis", "yaxis2", "yaxis3"].map((k) => axis(fig, k).domain as number[]);
  assert.ok(x1[1] < x2[0], "columns do not overlap");
  assert.deepEqual(x3, x1);
  assert.ok(y3[1] < y1[0], "row 2 is below row 1");
  assert.equal((fig.layout.annotations as unknown[]).length, 3, "one heading per panel");
  assert.throws(() => plot.smallMultiples({ title: "t", columns: 0, panels: [panel(1)] }), /columns/);
});

test("show: plotly injected once per process with marker and RequireJS guard, then figures only", () => {
  forgetPlotlyInjection();
  const sink = memorySink();
  const fig = plot.line({
    title: "A </script><b>title</b>",
    x: X,
    y: Y,
    series: [{ name: "a", x: [1, 2], y: [1, 2] }],
  });
  plot.show(fig, { sink, takeaway: "Loss **falls** as `epochs` grow <fast>" });
  plot.show(fig, { sink });
  assert.equal(sink.outputs.length, 3, "loader, figure, figure");
  const [loader, first, second] = sink.outputs.map((o) => o.html);
  assert.ok(loader.startsWith(`<script ${PLOTLY_LOADER_ATTRIBUTE}>`));
  assert.ok(loader.includes("var savedDefine = window.define;") && loader.includes("window.define = savedDefine;"));
  assert.ok(loader.length > 1_000_000, "the whole plotly bundle is inline");
  assert.equal(
    loader.indexOf("</script"),
    loader.length - "</script>".length,
    "nothing inside the bundle closes the script early",
  );
  for (const html of [first, second]) assert.ok(!html.includes(PLOTLY_LOADER_ATTRIBUTE));
  const ids = [first, second].map((h) => /<div id="([^"]+)"/.exec(h)?.[1]);
  assert.ok(ids[0] && ids[1] && ids[0] !== ids[1], "each figure has its own div id");
  assert.equal((first.match(/<\/script>/g) ?? []).length, 1, "a title cannot close the figure script");
  assert.ok(first.includes("window.Plotly") && first.includes("setTimeout(draw"), "waits for plotly");
  assert.ok(first.includes("Takeaway: Loss <strong>falls</strong> as <code>epochs</code> grow &lt;fast&gt;"));
  assert.ok(!second.includes("Takeaway"));
  forgetPlotlyInjection();
});

test("show: hand-built figures without a title or axis title are rejected", () => {
  const sink = memorySink();
  const bare: PlotlyFigure = {
    data: [{ type: "scatter", x: [1], y: [1] }],
    layout: { title: { text: "t" }, xaxis: { title: { text: "x (m)" } } },
  };
  assert.throws(() => plot.show(bare, { sink }), /figure\.layout\.yaxis\.title\.text/);
  assert.equal(sink.outputs.length, 0);
});

test("plotly loader escapes a '</script' inside the bundle", () => {
  const html = plotlyLoaderHtml('var s = "</script>"; var t = "</SCRIPT >";');
  assert.equal((html.match(/<\/script/gi) ?? []).length, 1);
  assert.ok(html.includes('"<\\/script>"'));
});

test("outside a kernel, show() prints a text line instead of crashing", () => {
  assert.equal(inTslabKernel(), false);
  const written: string[] = [];
  const original = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => (written.push(String(chunk)), true)) as typeof process.stdout.write;
  try {
    plot.show(plot.line({ title: "Loss", x: X, y: Y, series: [{ name: "a", x: [1], y: [1] }] }));
  } finally {
    process.stdout.write = original;
  }
  assert.deepEqual(written, ["[figure] Loss (1 traces)\n"]);
});

test("table: cell values and captions are escaped, numbers formatted and right-aligned", () => {
  const html = tableHtml(
    [
      { name: "<script>alert(1)</script>", loss: 0.123456789, n: 1000 },
      { name: "b & c", loss: 1e-7, n: 3 },
    ],
    { caption: "Runs <b>", digits: 3 },
  );
  assert.ok(!html.includes("<script>"));
  assert.ok(html.includes("&lt;script&gt;alert(1)&lt;/script&gt;"));
  assert.ok(html.includes("b &amp; c"));
  assert.ok(html.includes("Runs &lt;b&gt;"));
  assert.ok(html.includes(">0.123<"));
  assert.ok(html.includes(">1.00e-7<"));
  assert.match(html, /text-align:right">1000</);
  assert.ok(html.includes("2 rows × 3 columns"));
});

test("table: long tables show first and last rows around an ellipsis row", () => {
  assert.deepEqual(visibleRows(5, 10), [0, 1, 2, 3, 4]);
  assert.deepEqual(visibleRows(100, 8), [0, 1, 2, 3, 4, 5, null, 98, 99]);
  const rows = Array.from({ length: 100 }, (_, i) => ({ i, square: i * i }));
  const html = tableHtml(rows, { maxRows: 8 });
  assert.equal((html.match(/<tr>/g) ?? []).length, 1 + 8 + 1, "header, 8 rows, ellipsis");
  assert.ok(html.includes("… 92 more rows …"));
  assert.ok(html.includes(">9801<"), "the last row is shown");
  assert.ok(!html.includes(">2500<"), "a middle row is not");
  assert.ok(html.includes("100 rows × 2 columns"));
});

test("table: a real danfo DataFrame and Series", async () => {
  const dfd = await import("danfojs-node");
  const df = new dfd.DataFrame({ layer: [1, 2, 3], saturated: [0.25, 0.5, 0.875], note: ["<i>", "ok", "x"] });
  const html = tableHtml(df, { columns: ["layer", "saturated", "note"] });
  assert.ok(html.includes(">0.875<") && html.includes("&lt;i&gt;"));
  assert.ok(html.includes("3 rows × 3 columns"));
  assert.match(html, /<th style="[^"]*"><span style="[^"]*">2<\/span><\/th>/, "the index column is shown");
  const series = tableHtml(df["saturated"]);
  assert.ok(series.includes("3 rows × 1 columns") && series.includes(">0.5<"));
  assert.throws(() => tableHtml(df, { columns: ["nope"] }), /no column "nope"/);
});

test("formatNumber and plotNumbers", () => {
  assert.equal(formatNumber(3), "3");
  assert.equal(formatNumber(0.5), "0.5");
  assert.equal(formatNumber(2 / 3), "0.6667");
  assert.equal(formatNumber(123456.7), "1.235e+5");
  assert.equal(formatNumber(0.0001234), "1.234e-4");
  assert.equal(formatNumber(NaN), "NaN");
  assert.equal(formatNumber(-Infinity), "−∞");
  assert.deepEqual(plotNumbers([1 / 3, NaN, Infinity]), [0.333333, null, null]);
});

test("progress: renders at most once per throttle interval, then a final render on done()", () => {
  let now = 0;
  const renders: { html: string; text: string; final: boolean; at: number }[] = [];
  const p = progress({
    title: "Training <MLP>",
    total: 10,
    throttleMs: 250,
    now: () => now,
    sink: { render: (html, text, final) => renders.push({ html, text, final, at: now }) },
  });
  for (let step = 0; step < 20; step++) {
    now = step * 100;
    p.update({
      epoch: 1 + Math.floor(step / 2),
      step,
      loss: 1 / (step + 1),
      accuracy: step / 20,
      samplesPerSec: 1234.4,
    });
  }
  // Updates every 100 ms for 1.9 s with a 250 ms throttle: renders at 0, 300, 600, …, 1800.
  assert.deepEqual(
    renders.map((r) => r.at),
    [0, 300, 600, 900, 1200, 1500, 1800],
  );
  assert.ok(renders.every((r) => !r.final));
  now = 2000;
  p.done("early stop");
  p.update({ epoch: 99, loss: 0 });
  p.done();
  assert.equal(renders.length, 8, "done renders once; later calls are ignored");
  const last = renders[renders.length - 1];
  assert.equal(last.final, true);
  assert.match(
    last.text,
    /epoch 10\/10 · step 19 · loss 0\.05 · accuracy 95\.0% · 1,234 samples\/s · 2\.0 s — done: early stop/,
  );
  assert.ok(last.html.includes("Training &lt;MLP&gt;") && !last.html.includes("<MLP>"));
  assert.ok(last.html.includes("<polyline"), "a loss sparkline");
  assert.equal((last.html.match(/<svg/g) ?? []).length, 2, "loss and accuracy curves");
  assert.ok(last.html.includes("width:100.0%"));
});

test("progress: an ETA once the steps per epoch are known, and the status line carried on the HTML for the runner", () => {
  let now = 0;
  const renders: { html: string; text: string }[] = [];
  const p = progress({
    title: "Train <x>",
    total: 4,
    throttleMs: 0,
    now: () => now,
    sink: { render: (html, text) => renders.push({ html, text }) },
  });
  // 10 steps per epoch, 100 ms per step; an epoch-end update repeats the epoch's last step, as lib/live.ts sends it.
  for (let step = 1; step <= 11; step++) {
    now = step * 100;
    p.update({ epoch: Math.ceil(step / 10), step, loss: 1 });
    if (step === 10) p.update({ epoch: 1, step: 10, loss: 1 });
  }
  assert.ok(
    renders.slice(0, -1).every((r) => !r.text.includes("ETA")),
    "no ETA during epoch 1",
  );
  // At step 11 of 40 after 1.1 s: 1.1 s × (29/40) / (11/40) = 2.9 s left.
  assert.match(renders[renders.length - 1].text, /epoch 2\/4 \(ETA 3 s\) · step 11 · loss 1 · 1\.1 s$/);
  const { html, text } = renders[renders.length - 1];
  const status = /data-sigmoid-lab-status="([^"]*)"/.exec(html);
  assert.ok(status, "the status attribute");
  assert.equal(status[1], text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"));
  now = 5000;
  p.done();
  assert.doesNotMatch(renders[renders.length - 1].text, /ETA/, "no ETA once done");
});

test("progress: a final render even when every update was throttled away", () => {
  let now = 0;
  const texts: string[] = [];
  const p = progress({ title: "t", total: 2, now: () => now, sink: { render: (_h, text) => texts.push(text) } });
  p.update({ epoch: 1, loss: 0.7 });
  now = 10;
  p.update({ epoch: 2, loss: 0.3 });
  p.done();
  assert.equal(texts.length, 2);
  assert.match(texts[1], /epoch 2\/2 · loss 0\.3/);
});

test("sparkline downsampling keeps bucket means", () => {
  assert.deepEqual(downsample([1, 2, 3], 5), [1, 2, 3]);
  assert.deepEqual(downsample([1, 3, 5, 7], 2), [2, 6]);
});

test("progress: rejects a missing title or a non-positive total", () => {
  const sink = { render: () => undefined };
  assert.throws(() => progress({ title: "", total: 3, sink }), /progress\.title/);
  assert.throws(() => progress({ title: "t", total: 0, sink }), /progress\.total/);
  assert.throws(() => progress({ title: "t", total: 2.5, sink }), /progress\.total/);
});

test("progress in a terminal: one rewritten line on a TTY, sparse lines in a log", () => {
  const fakeStream = (isTTY: boolean) => {
    const writes: string[] = [];
    return { writes, stream: { isTTY, write: (s: string) => (writes.push(s), true) } as unknown as NodeJS.WriteStream };
  };
  const tty = fakeStream(true);
  const ttySink = terminalProgressSink(tty.stream);
  ttySink.render("", "a", false);
  ttySink.render("", "b", true);
  assert.deepEqual(tty.writes, ["\r\x1b[Ka", "\r\x1b[Kb\n"]);
  const log = fakeStream(false);
  const logSink = terminalProgressSink(log.stream, 60_000);
  logSink.render("", "first", false);
  logSink.render("", "too soon", false);
  logSink.render("", "final", true);
  assert.deepEqual(log.writes, ["first\n", "final\n"]);
});

test("plotly loader hides RequireJS' define (and module/exports) while plotly runs, then restores it", () => {
  const fakeBundle =
    "window.seen = [typeof define, typeof module, typeof exports]; window.Plotly = { loaded: (window.Plotly ? 2 : 1) };";
  const script = plotlyLoaderHtml(fakeBundle)
    .replace(/^<script[^>]*>/, "")
    .replace(/<\/script>$/, "");
  const define = Object.assign(() => undefined, { amd: {} });
  const page: Record<string, unknown> = { define, module: {}, exports: {} };
  page.window = page;
  vm.runInNewContext(script, page);
  // Values made inside the vm context: compare as JSON (other realm, other prototypes).
  assert.equal(JSON.stringify(page.seen), '["undefined","undefined","undefined"]');
  assert.equal(page.define, define, "define is restored");
  vm.runInNewContext(script, page);
  assert.equal(JSON.stringify(page.Plotly), '{"loaded":1}', "a page that has plotly does not evaluate it again");
});
