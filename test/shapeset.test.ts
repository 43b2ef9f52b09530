import { test } from "node:test";
import * as assert from "node:assert/strict";
import { checkDataset, classCounts } from "../lib/data/dataset";
import { ConfigError } from "../lib/core/errors";
import { Rng } from "../lib/core/rng";
import {
  SHAPESET_CLASS_NAMES,
  ShapeObject,
  ShapesetExample,
  makeShapeset,
  rasterize,
  renderShapesetExample,
  shapeArea,
  shapesetClass,
} from "../lib/data/shapeset";

const bytes = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
function sum(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}

/** Many examples from one seed, the way makeShapeset draws them. */
function examples(count: number, seed = 11): ShapesetExample[] {
  const root = new Rng(seed);
  return Array.from({ length: count }, (_, i) => renderShapesetExample(root.fork(i)));
}
const SAMPLE = examples(2000);

test("makeShapeset: same seed gives identical bytes, another seed differs, prefixes agree", () => {
  const a = makeShapeset({ n: 300, seed: 5 });
  const b = makeShapeset({ n: 300, seed: 5 });
  const c = makeShapeset({ n: 300, seed: 6 });
  assert.ok(bytes(a.x).equals(bytes(b.x)));
  assert.deepEqual(a.y, b.y);
  assert.ok(!bytes(a.x).equals(bytes(c.x)));
  const prefix = makeShapeset({ n: 40, seed: 5 });
  assert.ok(bytes(prefix.x).equals(bytes(a.x.subarray(0, 40 * 1024))));
});

test("makeShapeset: shape, 9 roughly balanced classes, pixel range, no blank image", () => {
  // Generation speed is the benchmark's business (npm run bench), not a timed test.
  const ds = makeShapeset({ n: 9000, seed: 1 });
  checkDataset(ds);
  assert.deepEqual([ds.n, ds.inputDim, ds.numClasses], [9000, 1024, 9]);
  assert.deepEqual(ds.imageShape, [32, 32]);
  // Labels are uniform draws: each count is 1000 +- 30 (1 sd), so +-150 is a 5 sd band.
  for (const c of classCounts(ds)) assert.ok(Math.abs(c - 1000) <= 150, `class count ${c}`);
  for (let i = 0; i < ds.n; i++) {
    const img = ds.x.subarray(i * 1024, (i + 1) * 1024);
    let max = 0;
    for (const v of img) {
      assert.ok(v >= 0 && v <= 1, `pixel ${v} outside [0, 1]`);
      if (v > max) max = v;
    }
    assert.ok(max >= 0.3, `image ${i} has no pixel at an object's grey level (max ${max})`);
  }
});

test("labels name the objects drawn, every class appears", () => {
  const seen = new Set<number>();
  for (const e of SAMPLE) {
    assert.equal(e.label, shapesetClass(e.objects.map((o) => o.kind)));
    assert.equal(e.objects.length, e.label < 3 ? 1 : 2);
    assert.equal(e.masks.length, e.objects.length);
    seen.add(e.label);
  }
  assert.equal(seen.size, 9);
  assert.equal(SHAPESET_CLASS_NAMES.length, 9);
  assert.equal(shapesetClass(["ellipse", "triangle"]), shapesetClass(["triangle", "ellipse"]));
  assert.throws(() => shapesetClass(["ellipse", "ellipse", "ellipse"]), ConfigError);
});

test("the second object covers at most half of the first, so at least half of it stays visible", () => {
  let pairs = 0;
  for (const e of SAMPLE) {
    if (e.masks.length < 2) continue;
    pairs++;
    const [under, over] = e.masks;
    let shared = 0;
    let visible = 0;
    for (let i = 0; i < under.length; i++) {
      shared += Math.min(under[i], over[i]);
      visible += under[i] * (1 - over[i]);
    }
    const area = sum(under);
    assert.ok(shared <= 0.5 * area + 1e-9, `overlap ${shared} of area ${area}`);
    assert.ok(visible >= 0.5 * area - 1e-9);
  }
  assert.ok(pairs > 1000);
});

test("the image is the objects painted in order on a black background", () => {
  for (const e of SAMPLE.slice(0, 300)) {
    const top = e.objects.length - 1;
    for (let i = 0; i < e.image.length; i++) {
      const covered = e.masks.map((m) => m[i]);
      if (covered.every((c) => c === 0)) assert.equal(e.image[i], 0);
      if (covered[top] === 1) assert.equal(e.image[i], Math.fround(e.objects[top].grey));
      if (covered[0] === 1 && covered.slice(1).every((c) => c === 0))
        assert.equal(e.image[i], Math.fround(e.objects[0].grey));
    }
    const greys = e.objects.map((o) => o.grey);
    for (const g of greys) assert.ok(g >= 0.3 && g <= 1);
    if (greys.length === 2) assert.ok(Math.abs(greys[0] - greys[1]) >= 0.2 - 1e-12, `greys ${greys}`);
  }
});

/** Perimeter: edge lengths for polygons, Ramanujan's approximation for ellipses. */
function perimeter(s: ShapeObject): number {
  if (s.kind === "ellipse") {
    const [a, b] = s.radii;
    return Math.PI * (3 * (a + b) - Math.sqrt((3 * a + b) * (a + 3 * b)));
  }
  const v = s.vertices;
  return sum(v.map((p, k) => Math.hypot(v[(k + 1) % v.length][0] - p[0], v[(k + 1) % v.length][1] - p[1])));
}

const cross = (o: readonly number[], p: readonly number[], q: readonly number[]): number =>
  (p[0] - o[0]) * (q[1] - o[1]) - (p[1] - o[1]) * (q[0] - o[0]);

test("rasterized areas match closed forms: pi*a*b, |cross| of sides, |cross|/2", () => {
  // Only sub-pixel cells (0.5 px wide) cut by the boundary can be wrong, and their
  // errors partly cancel: 0.25 px per unit of perimeter is loose, yet a wrong
  // formula (a triangle taken for a parallelogram: area/perimeter ~ 2) fails it.
  for (const e of SAMPLE.slice(0, 500)) {
    e.objects.forEach((o, k) => {
      let exact: number;
      if (o.kind === "ellipse") exact = Math.PI * o.radii[0] * o.radii[1];
      else {
        const v = o.vertices;
        if (o.kind === "triangle") {
          assert.equal(v.length, 3);
          exact = Math.abs(cross(v[0], v[1], v[2])) / 2;
        } else {
          assert.equal(v.length, 4);
          // Opposite sides equal and parallel: the diagonals share a midpoint.
          assert.ok(Math.abs(v[0][0] + v[2][0] - v[1][0] - v[3][0]) < 1e-9);
          assert.ok(Math.abs(v[0][1] + v[2][1] - v[1][1] - v[3][1]) < 1e-9);
          exact = Math.abs(cross(v[0], v[1], v[3]));
        }
      }
      assert.ok(Math.abs(shapeArea(o) - exact) < 1e-9 * exact);
      const rastered = sum(e.masks[k]);
      assert.ok(Math.abs(rastered - exact) <= 0.25 * perimeter(o), `${o.kind}: raster ${rastered}, exact ${exact}`);
      assert.ok(exact >= 20, `${o.kind} too small to see: ${exact} px`);
    });
  }
});

test("rasterize is exact on a grid-aligned rectangle and symmetric on a centred circle", () => {
  const rect: ShapeObject = {
    kind: "parallelogram",
    vertices: [
      [4, 6],
      [14, 6],
      [14, 11],
      [4, 11],
    ],
    grey: 1,
  };
  const m = rasterize(rect, 32);
  for (let r = 0; r < 32; r++)
    for (let c = 0; c < 32; c++) assert.equal(m[r * 32 + c], r >= 6 && r < 11 && c >= 4 && c < 14 ? 1 : 0);

  const circle: ShapeObject = { kind: "ellipse", centre: [16, 16], radii: [7, 7], angle: 0.3, grey: 1 };
  const cm = rasterize(circle, 32);
  for (let r = 0; r < 32; r++)
    for (let c = 0; c < 32; c++) {
      assert.equal(cm[r * 32 + c], cm[(31 - r) * 32 + c]); // mirror about the centre row
      assert.equal(cm[r * 32 + c], cm[c * 32 + r]); // and the diagonal
    }
  assert.ok(Math.abs(sum(cm) - Math.PI * 49) <= 0.25 * 2 * Math.PI * 7);
});

/** The same object moved by whole pixels (sub-pixel samples keep their relative places). */
function shifted(o: ShapeObject, d: number): ShapeObject {
  if (o.kind === "ellipse") return { ...o, centre: [o.centre[0] + d, o.centre[1] + d] };
  return { ...o, vertices: o.vertices.map(([x, y]): [number, number] => [x + d, y + d]) };
}

test("objects lie inside the image: a larger canvas shows no extra coverage", () => {
  for (const e of SAMPLE.slice(0, 500)) {
    e.objects.forEach((o, k) => {
      const unclipped = sum(rasterize(shifted(o, 16), 64));
      assert.equal(sum(e.masks[k]), unclipped, `${o.kind} was cut by the image border`);
    });
  }
});

test("a placement that can never satisfy the overlap limit fails clearly", () => {
  // A stream stuck at 0.5 draws the same object twice: 100% overlap, every try.
  class StuckRng extends Rng {
    constructor() {
      super(0);
    }
    override next(): number {
      return 0.5;
    }
  }
  assert.throws(() => renderShapesetExample(new StuckRng(), { label: 3 }), /could not place a triangle.*50%.*tries/);
  assert.equal(renderShapesetExample(new StuckRng(), { label: 0 }).objects.length, 1);
});

test("bad arguments are refused with ConfigError", () => {
  assert.throws(
    () => makeShapeset({ n: 0, seed: 1 }),
    (e: unknown) => e instanceof ConfigError && e.field === "n",
  );
  assert.throws(() => makeShapeset({ n: 5, seed: NaN }), /seed/);
  assert.throws(() => makeShapeset({ n: 5, seed: 1, size: 8 }), /size/);
  assert.throws(() => renderShapesetExample(new Rng(1), { label: 9 }), /label/);
  const big = makeShapeset({ n: 3, seed: 2, size: 64 });
  assert.deepEqual(big.imageShape, [64, 64]);
  checkDataset(big);
});
