/**
 * The playground (notebook 07): grid order, plane evaluation against closed
 * forms, saturation classes on hand-made grids, runs and their moments, and
 * the tile display (its PNGs decoded back).
 */
import { test, before } from "node:test";
import * as assert from "node:assert/strict";
import { inflateSync } from "zlib";
import { prepareBackend } from "../lib/core/backend";
import { Mlp } from "../lib/core/model";
import {
  PlaygroundConfig,
  evaluatePlane,
  firstEpochAbove,
  momentEpochs,
  mostSaturatedLayer,
  planeGrid,
  planeSaturation,
  runPlayground,
  toyDataset,
  unitPlane,
  withFix,
  Moment,
  describeConfig,
  coverage,
  compareFresh,
  freshDataset,
  freshVerdict,
  pointsOrPlaneVerdict,
  POINTS_PLANE_MARGIN,
  pointSaturation,
  pointShares,
  recipeNote,
} from "../lib/chapters/playground";
import { perExampleStats, hiddenValues } from "../lib/measure/compare";
import * as tf from "@tensorflow/tfjs";
import { meanShares, playgroundTiles, tilesTakeaway, unitStates } from "../lib/chapters/playground-view";
import { classifySaturation, saturatedShare, saturationRule } from "../lib/measure/saturation";
import {
  crc32,
  encodePalettePng,
  tileGridHtml,
  tileIndices,
  DEFAULT_TILE_COLORS,
  tilePalette,
} from "../lib/display/tiles";
import { ConfigError } from "../lib/core/errors";

before(async () => {
  await prepareBackend({ quiet: true });
});

test("planeGrid: point k = r·res + c sits at (coords[c], coords[r]), row 0 at the bottom, corners included", () => {
  const g = planeGrid(5, [-1, 1]);
  assert.deepEqual(Array.from(g.coords), [-1, -0.5, 0, 0.5, 1]);
  assert.equal(g.points.length, 50);
  const at = (k: number) => [g.points[2 * k], g.points[2 * k + 1]];
  assert.deepEqual(at(0), [-1, -1]); // bottom left
  assert.deepEqual(at(4), [1, -1]); // bottom right
  assert.deepEqual(at(5), [-1, -0.5]); // next row up
  assert.deepEqual(at(24), [1, 1]); // top right
  assert.deepEqual(at(2 * 5 + 3), [0.5, 0]);
  assert.throws(() => planeGrid(1), ConfigError);
  assert.throws(() => planeGrid(10, [1, -1]), ConfigError);
});

test("evaluatePlane: a linear network's planes equal x·W + b at every grid point, softmax on top", () => {
  const model = new Mlp({ inputDim: 2, widths: [3], outputDim: 2, activation: "linear", init: "standard", seed: 1 });
  try {
    const W1 = [0.5, -1, 2, 1.5, 0.25, -0.75]; // 2 × 3, row-major
    const b1 = [0.1, -0.2, 0.3];
    const W2 = [1, -1, 0.5, 2, -1.5, 0]; // 3 × 2
    const b2 = [0.05, -0.05];
    model.setWeights({
      W1: Float32Array.from(W1),
      b1: Float32Array.from(b1),
      W2: Float32Array.from(W2),
      b2: Float32Array.from(b2),
    });
    const g = planeGrid(7, [-1.2, 1.2]);
    const v = evaluatePlane(model, g);
    assert.deepEqual(v.widths, [3]);
    assert.equal(v.layers[0].length, 49 * 3);
    for (let r = 0; r < 7; r++) {
      for (let c = 0; c < 7; c++) {
        const x1 = g.coords[c],
          x2 = g.coords[r],
          k = r * 7 + c;
        const h = [0, 1, 2].map((j) => x1 * W1[j] + x2 * W1[3 + j] + b1[j]);
        h.forEach((hj, j) => assert.ok(Math.abs(v.layers[0][k * 3 + j] - hj) < 1e-5, `h at (${x1}, ${x2}) unit ${j}`));
        const logits = [0, 1].map((o) => h.reduce((s, hj, j) => s + hj * W2[j * 2 + o], b2[o]));
        const p1 = 1 / (1 + Math.exp(logits[0] - logits[1]));
        assert.ok(Math.abs(v.probability[k] - p1) < 1e-5, `p(class 1) at (${x1}, ${x2})`);
        // unitPlane picks one unit's column in grid order.
        assert.ok(Math.abs(unitPlane(v, 1, 2)[k] - h[2]) < 1e-5);
      }
    }
    assert.throws(() => unitPlane(v, 2, 0), ConfigError);
    assert.throws(() => unitPlane(v, 1, 3), ConfigError);
  } finally {
    model.dispose();
  }
});

test("saturation classes on a hand-made grid: strict ε for sigmoid and tanh, h ≤ 0 for ReLU, nothing for linear", () => {
  const sig = saturationRule("sigmoid", 0.01);
  assert.deepEqual(Array.from(classifySaturation([0.005, 0.01, 0.5, 0.99, 0.995, 0.0099], sig)), [-1, 0, 0, 0, 1, -1]);
  const tanh = saturationRule("tanh", 0.05);
  assert.deepEqual(Array.from(classifySaturation([-0.96, -0.94, 0, 0.951, 0.9], tanh)), [-1, 0, 0, 1, 0]);
  const relu = saturationRule("relu", 0.01);
  assert.equal(relu.kind, "flat", "ReLU has no asymptotes: its off side, where f' = 0, is flat");
  assert.deepEqual(Array.from(classifySaturation([-1, 0, 1e-6, 3], relu)), [-1, -1, 0, 0]);
  assert.deepEqual(Array.from(classifySaturation([-5, 0, 5], saturationRule("linear", 0.01))), [0, 0, 0]);
  // Leaky ReLU's negative side passes 1% of the gradient: flat at δ = 4ε(1 − ε) = 0.0396, not at δ = 0.005.
  const leaky = saturationRule("leakyRelu", 0.01);
  assert.deepEqual(Array.from(classifySaturation([-2, -0.01, 0.5], leaky)), [-1, -1, 0]);
  assert.deepEqual(
    Array.from(classifySaturation([-2, 0.5], { kind: "flat", activation: "leakyRelu", delta: 0.005 })),
    [0, 0],
  );
  // A 3 × 3 "plane" of one unit: 2 low, 3 high.
  const grid = [0.001, 0.2, 0.999, 0.5, 0.995, 0.7, 0.004, 0.9999, 0.3];
  const share = saturatedShare(grid, sig);
  assert.deepEqual([share.low, share.high, share.total], [2 / 9, 3 / 9, 5 / 9]);
  assert.throws(() => saturationRule("sigmoid", 0.7), ConfigError);
});

test("momentEpochs: starts at 0, ends at the last epoch, roughly geometric, distinct", () => {
  const m = momentEpochs(100, 8);
  assert.equal(m[0], 0);
  assert.equal(m[m.length - 1], 100);
  assert.equal(m.length, 8);
  assert.deepEqual(
    m,
    [...m].sort((a, b) => a - b),
  );
  assert.equal(new Set(m).size, m.length);
  assert.ok(m[1] <= 2, "early moments are dense");
  assert.deepEqual(momentEpochs(3, 8), [0, 1, 2, 3]);
  assert.deepEqual(momentEpochs(1, 2), [0, 1]);
});

test("withFix changes exactly one thing", () => {
  const base = {
    label: "b",
    data: toyDataset("xor", { n: 8, noise: 0, seed: 1 }),
    widths: [4],
    activation: "sigmoid" as const,
    init: "standard" as const,
    learningRate: 1,
    batchSize: 4,
    epochs: 1,
    seed: 1,
    moments: [0, 1],
  };
  assert.equal(withFix(base, "normalized").init, "normalized");
  assert.equal(withFix(base, "batchnorm").batchNorm, true);
  assert.equal(withFix(base, "residual").residual, true);
  const r = withFix(base, "relu-he");
  assert.deepEqual([r.activation, r.init, r.learningRate], ["relu", "he", 1]);
  assert.throws(() => withFix(base, "dropout"), /one of "normalized", .*"relu-he", "batchnorm"/);
  assert.throws(() => withFix(base, "adam"), /one of/, "the playground trains by SGD only");
});

test("runPlayground: a picture at each chosen epoch; the plane shares are the grid's own classes", async () => {
  const data = toyDataset("spirals", { n: 64, noise: 0.05, seed: 1 });
  const config: PlaygroundConfig = {
    label: "baseline",
    data,
    widths: [5, 5, 5],
    activation: "sigmoid",
    init: "standard",
    learningRate: 6,
    batchSize: 16,
    epochs: 6,
    seed: 1,
    moments: [0, 2, 6],
    resolution: 10,
  };
  const seen: number[] = [];
  const run = await runPlayground(config, { onMoment: (m) => seen.push(m.epoch) });
  assert.deepEqual(
    run.moments.map((m) => m.epoch),
    [0, 2, 6],
  );
  assert.deepEqual(seen, [0, 2, 6]);
  assert.equal(run.result!.steps, 6 * 4);
  assert.equal(run.moments[1].step, 8);
  for (const m of run.moments) {
    assert.equal(m.plane.grid.resolution, 10);
    assert.deepEqual(planeSaturation(m.plane, run.rule), m.planeSaturation);
    assert.equal(m.pointSaturation.length, 3);
  }
  // Before training, standard init on inputs in [−1.2, 1.2]²: no sigmoid unit is within 0.01 of 0 or 1.
  assert.ok(run.moments[0].planeSaturation.every((s) => s.total === 0));
  assert.ok(mostSaturatedLayer(run) >= 1 && mostSaturatedLayer(run) <= 3);
  assert.equal(firstEpochAbove(run, 2).length, 3);
  // The same seed gives the same pictures.
  const again = await runPlayground(config);
  assert.deepEqual(Array.from(again.moments[2].plane.probability), Array.from(run.moments[2].plane.probability));
});

test("runPlayground: a diverging run keeps its frames (frozen) and says where it diverged", async () => {
  const data = toyDataset("circles", { n: 32, noise: 0.02, seed: 1 });
  const run = await runPlayground({
    label: "too fast",
    data,
    widths: [8, 8],
    activation: "linear",
    init: "standard",
    learningRate: 1e6,
    batchSize: 8,
    epochs: 4,
    seed: 1,
    moments: [0, 1, 4],
    resolution: 6,
  });
  assert.ok(run.diverged, "diverged");
  assert.equal(run.result, null);
  assert.deepEqual(
    run.moments.map((m) => m.epoch),
    [0, 1, 4],
  );
});

test("playgroundTiles: one panel per run, output row then layers L..1, one tile per unit, one frame per moment", async () => {
  const data = toyDataset("moons", { n: 32, noise: 0.05, seed: 2 });
  const base: PlaygroundConfig = {
    label: "baseline",
    data,
    widths: [3, 4],
    activation: "sigmoid",
    init: "standard",
    learningRate: 1,
    batchSize: 8,
    epochs: 2,
    seed: 1,
    moments: [0, 1, 2],
    resolution: 8,
  };
  const runs = [await runPlayground(base), await runPlayground(withFix(base, "relu-he"))];
  const t = playgroundTiles(runs);
  assert.equal(t.frames.length, 3);
  assert.deepEqual(
    t.frames.map((f) => f.label),
    ["0", "1", "2"],
  );
  for (const f of t.frames) {
    assert.equal(f.panels.length, 2);
    for (const rows of f.panels) {
      assert.deepEqual(
        rows.map((r) => r.label),
        ["output", "layer 2", "layer 1"],
      );
      assert.deepEqual(
        rows.map((r) => r.tiles.length),
        [1, 4, 3],
      );
    }
  }
  assert.match(t.frames[2].panels[1][1].note ?? "", /zero$/, "ReLU rows count h = 0");
  assert.match(t.frames[2].panels[0][1].note ?? "", /sat\.$/);
  assert.equal(t.points!.x.length, 32);
  const html = tileGridHtml(t);
  assert.match(html, /type="range" min="0" max="2"/);
  assert.equal((html.match(/<svg class="sl-tile"/g) ?? []).length, 2 * (1 + 4 + 3));
  // Different moment lists cannot share a slider.
  const other = await runPlayground({ ...base, moments: [0, 2] });
  assert.throws(() => playgroundTiles([runs[0], other]), ConfigError);
});

test("tile PNGs: valid chunks and CRCs, palette indices in image order (row 0 of the grid at the bottom)", () => {
  // A 3 × 3 tile: bottom row saturated low, top row saturated high, middle row in between.
  const values = [0, 0, 0, 0.2, 0.5, 0.8, 1, 1, 1];
  const classes = [-1, -1, -1, 0, 0, 0, 1, 1, 1];
  const idx = tileIndices({ values, classes, range: [0, 1] }, 3, 5);
  // Image rows top first: high (1), then the shades, then low (0).
  assert.deepEqual(Array.from(idx), [1, 1, 1, 3 + 1, 3 + 2, 3 + 4, 0, 0, 0]);
  const palette = tilePalette(DEFAULT_TILE_COLORS, 5);
  assert.deepEqual(palette[0], [0x00, 0x72, 0xb2]);
  assert.deepEqual(palette[3 + 2], [255, 255, 255], "the middle shade is white");
  const png = encodePalettePng(3, 3, idx, palette);
  assert.deepEqual(Array.from(png.subarray(0, 8)), [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const chunks: { type: string; data: Buffer }[] = [];
  for (let o = 8; o < png.length; ) {
    const len = png.readUInt32BE(o);
    const type = png.toString("ascii", o + 4, o + 8);
    const data = png.subarray(o + 8, o + 8 + len);
    assert.equal(png.readUInt32BE(o + 8 + len), crc32(png.subarray(o + 4, o + 8 + len)), `${type} CRC`);
    chunks.push({ type, data });
    o += 12 + len;
  }
  assert.deepEqual(
    chunks.map((c) => c.type),
    ["IHDR", "PLTE", "IDAT", "IEND"],
  );
  assert.deepEqual(
    [chunks[0].data.readUInt32BE(0), chunks[0].data.readUInt32BE(4), chunks[0].data[8], chunks[0].data[9]],
    [3, 3, 8, 3],
  );
  const raw = inflateSync(chunks[2].data);
  const rows = [0, 1, 2].map((r) => Array.from(raw.subarray(r * 4, r * 4 + 4)));
  assert.deepEqual(
    rows.map((r) => r[0]),
    [0, 0, 0],
    "filter byte 0 on every row",
  );
  assert.deepEqual(
    rows.flatMap((r) => r.slice(1)),
    Array.from(idx),
  );
  assert.equal(crc32(Buffer.from("123456789")), 0xcbf43926, "the standard CRC-32 check value");
});

test("tile grids refuse figures without title or axis labels, and frames of different shapes", () => {
  const tile = { values: [0, 1, 0, 1], range: [0, 1] as [number, number] };
  const ok = {
    title: "t",
    x: { label: "x₁", unit: "input units" },
    y: { label: "x₂", unit: "input units" },
    color: { label: "h", unit: "class" },
    extent: { x: [-1, 1] as [number, number], y: [-1, 1] as [number, number] },
    resolution: 2,
    panelTitles: ["a"],
    frames: [{ label: "0", panels: [[{ label: "layer 1", tiles: [tile] }]] }],
    sliderLabel: "Epoch",
  };
  assert.match(tileGridHtml(ok), /sigmoid-lab-tiles/);
  assert.throws(() => tileGridHtml({ ...ok, title: "" }), ConfigError);
  assert.throws(() => tileGridHtml({ ...ok, x: { label: "x₁", unit: "" } }), ConfigError);
  assert.throws(
    () =>
      tileGridHtml({
        ...ok,
        frames: [...ok.frames, { label: "1", panels: [[{ label: "layer 1", tiles: [tile, tile] }]] }],
      }),
    ConfigError,
  );
  assert.throws(
    () =>
      tileGridHtml({
        ...ok,
        frames: [
          {
            label: "0",
            panels: [[{ label: "layer 1", tiles: [{ values: [0, 1], range: [0, 1] as [number, number] }] }]],
          },
        ],
      }),
    /resolution² = 4/,
  );
  // Text placed into the page is escaped.
  assert.ok(!tileGridHtml({ ...ok, title: "<b>x</b>" }).includes("<b>x</b>"));
});

test("unitStates: stuck (saturated on ≥ 99% of the plane), partly, never — on a hand-made 2 × 2 plane of 3 units", () => {
  const grid = planeGrid(2, [-1, 1]);
  // 4 grid points × 3 units, point-major: unit 0 always ≈ 0, unit 1 saturated on 2 of 4 points, unit 2 never.
  const a = Float32Array.from([0.001, 0.999, 0.5, 0.002, 0.5, 0.4, 0.0, 0.998, 0.6, 0.003, 0.3, 0.5]);
  const m = { plane: { grid, widths: [3], layers: [a], probability: new Float32Array(4) } } as unknown as Moment;
  assert.deepEqual(unitStates(m, saturationRule("sigmoid", 0.01)), [{ stuck: 1, partly: 1, never: 1 }]);
  // ReLU rule on the same numbers: nothing is ≤ 0 except the exact 0.
  assert.deepEqual(unitStates(m, saturationRule("relu", 0.01)), [{ stuck: 0, partly: 1, never: 2 }]);
});

test("describeConfig and the tile takeaway are computed from the runs", async () => {
  const data = toyDataset("xor", { n: 32, noise: 0.02, seed: 1 });
  const base: PlaygroundConfig = {
    label: "baseline",
    data,
    widths: [4, 4],
    activation: "sigmoid",
    init: "standard",
    learningRate: 2,
    batchSize: 8,
    epochs: 3,
    seed: 1,
    moments: [0, 3],
    resolution: 6,
  };
  assert.equal(describeConfig(base), "2 × 4 sigmoid, standard init, SGD η = 2");
  assert.equal(describeConfig(withFix(base, "batchnorm")), "2 × 4 sigmoid, standard init + batch norm, SGD η = 2");
  const a = await runPlayground(base),
    b = await runPlayground(withFix(base, "normalized"));
  const t = tilesTakeaway(a, b);
  assert.match(
    t,
    /^At epoch 3 the baseline network \(training accuracy \d+%\) is saturated on \d+%\/\d+% of the plane in layers 1–2, the normalized \(Xavier\) init network/,
  );
  assert.match(t, /training points are (more saturated than|less saturated than|about as saturated as) the plane/);
  // The takeaway's words come from the one rule (pointsOrPlaneVerdict) applied to the mean shares over layers.
  const words = { points: "more saturated than", plane: "less saturated than", same: "about as saturated as" } as const;
  for (const r of [a, b]) {
    const { points, plane } = meanShares(r);
    assert.ok(
      t.includes(
        `in the ${r.config.label} network the training points are ${words[pointsOrPlaneVerdict(points, plane)]} the plane`,
      ),
      `${r.config.label}: ${t}`,
    );
  }
});

test("pointsOrPlaneVerdict: more than the margin either way, or the same within it", () => {
  const m = POINTS_PLANE_MARGIN;
  assert.equal(pointsOrPlaneVerdict(0.5 + 2 * m, 0.5), "points");
  assert.equal(pointsOrPlaneVerdict(0.5, 0.5 + 2 * m), "plane");
  assert.equal(pointsOrPlaneVerdict(0.5 + m / 2, 0.5), "same");
  assert.equal(pointsOrPlaneVerdict(0.5, 0.5 - m / 2), "same");
  assert.equal(pointsOrPlaneVerdict(0.2, 0.1, 0.2), "same", "a wider margin turns a 10-point gap into the same");
  assert.equal(pointsOrPlaneVerdict(0.2, 0.1, 0.05), "points");
});

test("coverage: the share of grid points near a data point", () => {
  const g = planeGrid(3, [-1, 1]); // 9 points, spacing 1
  const one = { x: Float32Array.from([0, 0]), n: 1 };
  assert.equal(coverage(one, g, 0.5), 1 / 9);
  assert.equal(coverage(one, g, 1.01), 5 / 9); // the centre and its 4 neighbours
  assert.equal(coverage(one, g, 1.5), 1);
});

test("layer 1 is affine in x: over the square, |z| of every unit peaks at a corner, so a unit saturated anywhere is saturated at a corner", () => {
  const model = new Mlp({ inputDim: 2, widths: [16], outputDim: 2, activation: "linear", init: "standard", seed: 3 });
  try {
    // Weights large enough that some units saturate on part of the square, as trained ones do.
    const w = model.getWeights();
    model.setWeights({ ...w, W1: w.W1.map((v) => 9 * v), b1: w.b1.map((_, j) => (j % 3) - 1) });
    const g = planeGrid(21, [-1.2, 1.2]);
    const z = evaluatePlane(model, g); // linear units: the planes are z itself
    const corners = [0, 20, 21 * 20, 21 * 21 - 1];
    const sigmoidRule = saturationRule("sigmoid", 0.01);
    let saturatedSomewhere = 0;
    for (let j = 0; j < 16; j++) {
      const v = unitPlane(z, 1, j);
      const maxAbs = Math.max(...Array.from(v, Math.abs));
      const cornerMax = Math.max(...corners.map((k) => Math.abs(v[k])));
      assert.ok(
        Math.abs(maxAbs - cornerMax) < 1e-5,
        `unit ${j}: max |z| ${maxAbs} over the grid, ${cornerMax} over the corners`,
      );
      const h = v.map((x) => 1 / (1 + Math.exp(-x)));
      const cls = classifySaturation(h, sigmoidRule);
      if (cls.some((c) => c !== 0)) {
        saturatedSomewhere++;
        assert.ok(
          corners.some((k) => cls[k] !== 0),
          `unit ${j} is saturated somewhere but at no corner`,
        );
      }
    }
    assert.ok(saturatedSomewhere >= 4, `the test needs saturated units (got ${saturatedSomewhere})`);
  } finally {
    model.dispose();
  }
});

test("pointShares: per point, the share of a layer's units saturated by the rule — perExampleStats for the sigmoid, h = 0 for ReLU", () => {
  const data = toyDataset("moons", { n: 40, noise: 0.1, seed: 4 });
  const before = tf.memory().numTensors;
  for (const act of ["sigmoid", "relu"] as const) {
    const model = new Mlp({ inputDim: 2, widths: [7, 5], outputDim: 2, activation: act, init: "standard", seed: 2 });
    const w = model.getWeights();
    model.setWeights({ ...w, W1: w.W1.map((v) => 8 * v), W2: w.W2.map((v) => 8 * v) });
    const rule = saturationRule(act, 0.01);
    const shares = pointShares(model, data, rule);
    assert.deepEqual(
      shares.map((s) => s.length),
      [40, 40],
    );
    const agg = pointSaturation(model, data, rule);
    shares.forEach((s, l) =>
      assert.ok(
        Math.abs(s.reduce((a, b) => a + b, 0) / 40 - agg[l].total) < 1e-12,
        "the mean over points is the layer's share",
      ),
    );
    if (act === "sigmoid") {
      const ref = perExampleStats(model, data, [0.01]);
      shares.forEach((s, l) =>
        s.forEach((x, i) =>
          assert.ok(Math.abs(x - ref.layers[l].saturated[0][i]) < 1e-12, `layer ${l + 1}, point ${i}`),
        ),
      );
      assert.ok(shares[0].some((x) => x > 0) && shares[0].some((x) => x < 1), "some but not all units saturated");
    } else {
      const hv = hiddenValues(model, data);
      shares.forEach((s, l) => {
        const wl = hv.widths[l];
        for (let i = 0; i < 40; i++) {
          let zero = 0;
          for (let j = 0; j < wl; j++) if (hv.a[l][i * wl + j] <= 0) zero++;
          assert.equal(s[i], zero / wl);
        }
      });
    }
    model.dispose();
  }
  assert.equal(tf.memory().numTensors, before, "no tensors leak");
});

test("freshDataset: the same generator, an independent draw; compareFresh on the training points themselves gives [0, 0]", async () => {
  const opts = { n: 48, noise: 0.05, seed: 1 };
  const data = toyDataset("spirals", opts),
    fresh = freshDataset("spirals", opts);
  assert.equal(fresh.n, 48);
  assert.deepEqual([fresh.inputDim, fresh.numClasses], [data.inputDim, data.numClasses]);
  assert.notDeepEqual(Array.from(fresh.x), Array.from(data.x));
  assert.deepEqual(Array.from(freshDataset("spirals", opts).x), Array.from(fresh.x), "same seed, same fresh points");
  // Same radius distribution (the generator draws r uniform in [0.05, 1], noise aside): means within sampling error.
  const meanR = (d: typeof data) =>
    Array.from({ length: d.n }, (_, i) => Math.hypot(d.x[2 * i], d.x[2 * i + 1])).reduce((a, b) => a + b, 0) / d.n;
  assert.ok(Math.abs(meanR(data) - meanR(fresh)) < 0.15);
  const config: PlaygroundConfig = {
    label: "b",
    data,
    fresh: data,
    widths: [4, 4],
    activation: "sigmoid",
    init: "standard",
    learningRate: 6,
    batchSize: 16,
    epochs: 3,
    seed: 1,
    moments: [0, 3],
    resolution: 6,
  };
  const run = await runPlayground(config);
  assert.deepEqual(
    run.moments.map((m) => m.freshSaturation),
    run.moments.map((m) => m.pointSaturation),
    "fresh = training points: equal shares",
  );
  for (const c of compareFresh(run, { draws: 200 })) {
    assert.equal(c.difference.diff, 0);
    assert.equal(c.verdict === "the same on every resample" || (c.difference.low <= 0 && c.difference.high >= 0), true);
  }
  const noFresh = await runPlayground({ ...config, fresh: undefined });
  assert.equal(noFresh.perPoint, null);
  assert.equal(noFresh.moments[0].freshSaturation, null);
  assert.throws(() => compareFresh(noFresh), ConfigError);
});

test("freshVerdict: an interval above 0, below 0, around 0, or [0, 0]", () => {
  assert.equal(freshVerdict({ low: 0.001, high: 0.02 }), "training points more saturated");
  assert.equal(freshVerdict({ low: -0.02, high: -0.001 }), "fresh points more saturated");
  assert.equal(freshVerdict({ low: -0.01, high: 0.01 }), "no difference resolved");
  assert.equal(
    freshVerdict({ low: 0, high: 0.01 }),
    "no difference resolved",
    "an interval touching 0 does not exclude it",
  );
  assert.equal(freshVerdict({ low: 0, high: 0 }), "the same on every resample");
});

test("recipeNote: Glorot & Bengio's normalized init is ours to use on an activation that is not odd with f'(0) = 1", () => {
  assert.match(recipeNote({ activation: "sigmoid", init: "normalized" }) ?? "", /our extension.*f′\(0\) = 1/);
  assert.match(recipeNote({ activation: "sigmoid", init: "normalized" }) ?? "", /f′\(0\) = 0\.25, not symmetric/);
  assert.match(recipeNote({ activation: "relu", init: "normalized" }) ?? "", /our extension/);
  for (const a of ["tanh", "softsign", "scaledSigmoid"] as const)
    assert.equal(recipeNote({ activation: a, init: "normalized" }), null, `${a}: odd, f'(0) = 1`);
  assert.equal(recipeNote({ activation: "sigmoid", init: "standard" }), null);
  const base = {
    label: "b",
    data: toyDataset("xor", { n: 8, noise: 0, seed: 1 }),
    widths: [4],
    activation: "sigmoid" as const,
    init: "standard" as const,
    learningRate: 1,
    batchSize: 4,
    epochs: 1,
    seed: 1,
    moments: [0, 1],
  };
  assert.notEqual(
    recipeNote(withFix(base, "normalized")),
    null,
    'the catalogue\'s fix "normalized" is the sigmoid with normalized init',
  );
  assert.equal(recipeNote(withFix(base, "tanh-n")), null);
});
