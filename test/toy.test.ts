import { test } from "node:test";
import * as assert from "node:assert/strict";
import { Dataset, checkDataset, classCounts } from "../lib/data/dataset";
import { ConfigError } from "../lib/core/errors";
import { makeCircles, makeMoons, makeSpirals, makeXor } from "../lib/data/toy";

const MAKERS: [string, (o: { n: number; seed: number; noise?: number }) => Dataset][] = [
  ["spirals", makeSpirals],
  ["circles", makeCircles],
  ["xor", makeXor],
  ["moons", makeMoons],
];

function points(ds: Dataset): [number, number, number][] {
  return Array.from({ length: ds.n }, (_, i): [number, number, number] => [ds.x[2 * i], ds.x[2 * i + 1], ds.y[i]]);
}

test("toy sets: seeded, balanced, 2-D, inside [-1, 1]^2 without noise", () => {
  for (const [name, make] of MAKERS) {
    const a = make({ n: 501, seed: 3 });
    checkDataset(a);
    assert.deepEqual([a.n, a.inputDim, a.numClasses], [501, 2, 2], name);
    assert.deepEqual(classCounts(a), [251, 250], name);
    assert.deepEqual(make({ n: 501, seed: 3 }).x, a.x, name);
    assert.notDeepEqual(make({ n: 501, seed: 4 }).x, a.x, name);
    for (const v of a.x) assert.ok(v >= -1 && v <= 1, `${name}: ${v}`);
    // The points fill the square's extent rather than a corner of it.
    const xs = points(a).map((p) => p[0]);
    assert.ok(Math.max(...xs) > 0.5 && Math.min(...xs) < -0.5, name);
  }
});

test("noise jitters the same clean points by about its standard deviation", () => {
  for (const [name, make] of MAKERS) {
    const clean = make({ n: 2000, seed: 9 });
    const noisy = make({ n: 2000, seed: 9, noise: 0.05 });
    let ss = 0;
    for (let i = 0; i < clean.x.length; i++) ss += (noisy.x[i] - clean.x[i]) ** 2;
    const sd = Math.sqrt(ss / clean.x.length);
    assert.ok(Math.abs(sd - 0.05) < 0.005, `${name}: jitter sd ${sd}`);
    assert.deepEqual(noisy.y, clean.y);
  }
});

test("spiral points lie on their spiral: angle = 2 pi turns r + c pi", () => {
  const turns = 2;
  for (const [x, y, c] of points(makeSpirals({ n: 400, seed: 1, turns }))) {
    const r = Math.hypot(x, y);
    const expected = 2 * Math.PI * turns * r + c * Math.PI;
    const diff = Math.atan2(y, x) - expected;
    const wrapped = Math.atan2(Math.sin(diff), Math.cos(diff));
    assert.ok(Math.abs(wrapped) < 1e-5, `off the spiral by ${wrapped} rad`);
  }
});

test("circles: class 0 on radius 1, class 1 on radius factor", () => {
  for (const [x, y, c] of points(makeCircles({ n: 300, seed: 2, factor: 0.3 }))) {
    assert.ok(Math.abs(Math.hypot(x, y) - (c === 0 ? 1 : 0.3)) < 1e-6);
  }
});

test("xor: class 1 exactly when the signs differ, away from the axes", () => {
  for (const [x, y, c] of points(makeXor({ n: 300, seed: 2, margin: 0.1 }))) {
    assert.equal(c, Math.sign(x) === Math.sign(y) ? 0 : 1);
    assert.ok(Math.abs(x) >= 0.1 - 1e-7 && Math.abs(y) >= 0.1 - 1e-7);
  }
});

test("moons: each class lies on its half circle (rescaled)", () => {
  for (const [x, y, c] of points(makeMoons({ n: 300, seed: 2 }))) {
    const [ox, oy] = [1.5 * x + 0.5, 0.75 * y + 0.25]; // undo the rescaling
    const [cx, cy] = c === 0 ? [0, 0] : [1, 0.5];
    assert.ok(Math.abs(Math.hypot(ox - cx, oy - cy) - 1) < 1e-5);
    assert.ok(c === 0 ? oy >= -1e-6 : oy <= 0.5 + 1e-6);
  }
});

test("toy sets refuse bad arguments", () => {
  assert.throws(
    () => makeSpirals({ n: 1, seed: 1 }),
    (e: unknown) => e instanceof ConfigError && e.field === "n",
  );
  assert.throws(() => makeSpirals({ n: 10, seed: 1, turns: 0 }), /turns/);
  assert.throws(() => makeCircles({ n: 10, seed: 1, factor: 1 }), /factor/);
  assert.throws(() => makeXor({ n: 10, seed: 1, noise: -0.1 }), /noise/);
  assert.throws(() => makeMoons({ n: 10, seed: Infinity }), /seed/);
});
