/**
 * Shapeset-3x2 (Glorot & Bengio 2010): 32x32 grey images holding one or two
 * objects from {triangle, parallelogram, ellipse}, with random shape
 * parameters, scale, rotation, translation and grey level. The task is to
 * name the objects present, regardless of which one lies on top: 9 classes.
 *
 * Class indexing (shapes: 0 triangle, 1 parallelogram, 2 ellipse):
 *   0 triangle, 1 parallelogram, 2 ellipse                       (one object)
 *   3 triangle+triangle, 4 triangle+parallelogram, 5 triangle+ellipse,
 *   6 parallelogram+parallelogram, 7 parallelogram+ellipse, 8 ellipse+ellipse
 *
 * Example i is drawn from its own stream `new Rng(seed).fork(i)`, so the first
 * k images of a set do not depend on how many were asked for.
 */
import { ConfigError } from "../core/errors";
import type { Dataset } from "./dataset";
import { Rng } from "../core/rng";

export const SHAPE_KINDS = ["triangle", "parallelogram", "ellipse"] as const;
export type ShapeKind = (typeof SHAPE_KINDS)[number];

export const SHAPESET_CLASS_NAMES: readonly string[] = [
  "triangle",
  "parallelogram",
  "ellipse",
  "triangle+triangle",
  "triangle+parallelogram",
  "triangle+ellipse",
  "parallelogram+parallelogram",
  "parallelogram+ellipse",
  "ellipse+ellipse",
];

/** The kinds of object in each class, in canonical (sorted) order. */
const CLASS_KINDS: readonly (readonly ShapeKind[])[] = SHAPESET_CLASS_NAMES.map(
  (name) => name.split("+") as ShapeKind[],
);

/** The class of an image holding objects of these kinds (order does not matter). */
export function shapesetClass(kinds: readonly ShapeKind[]): number {
  const key = [...kinds].sort((a, b) => SHAPE_KINDS.indexOf(a) - SHAPE_KINDS.indexOf(b)).join("+");
  const c = SHAPESET_CLASS_NAMES.indexOf(key);
  if (c < 0) throw new ConfigError("shape kinds", [...kinds], "one or two of triangle, parallelogram, ellipse");
  return c;
}

type Point = readonly [number, number];

/** An object in pixel coordinates (x right, y down; pixel (r, c) spans [c, c+1] x [r, r+1]). */
export type ShapeObject =
  | { readonly kind: "triangle" | "parallelogram"; readonly vertices: readonly Point[]; readonly grey: number }
  | {
      readonly kind: "ellipse";
      readonly centre: Point;
      readonly radii: readonly [number, number];
      readonly angle: number; // rotation of the first radius' axis, radians
      readonly grey: number;
    };

/** Exact area in pixels (shoelace formula for polygons, pi*a*b for ellipses). */
export function shapeArea(s: ShapeObject): number {
  if (s.kind === "ellipse") return Math.PI * s.radii[0] * s.radii[1];
  return Math.abs(signedTwiceArea(s.vertices)) / 2;
}

// ---------------------------------------------------------------- sampling

/**
 * Ranges of the random parameters, as fractions of the image side so that
 * other sizes look the same. Chosen so that every object is clearly visible
 * (tens of pixels at 32x32) and fits inside the image whatever its rotation.
 */
const SCALE = { min: 0.3, max: 0.5 }; // side of a polygon, diameter of an ellipse
const GREY = { min: 0.3, max: 1.0 }; // background is 0
const MIN_GREY_GAP = 0.2; // two objects' grey levels differ at least this much
const MAX_OVERLAP = 0.5; // of the first object's area
const MAX_PLACEMENT_TRIES = 200;

function sampleShape(kind: ShapeKind, size: number, grey: number, rng: Rng): ShapeObject {
  const scale = rng.uniform(SCALE.min, SCALE.max) * size;
  const rotation = rng.uniform(0, 2 * Math.PI);
  if (kind === "ellipse") {
    const radii: [number, number] = [scale / 2, (scale / 2) * rng.uniform(0.4, 1)];
    const reach = ellipseHalfExtent(radii, rotation);
    const centre = placeInside(reach, reach, size, rng);
    return { kind, centre, radii, angle: rotation, grey };
  }
  // Local frame: two sides from the origin, with random relative length and angle.
  const ratio = kind === "triangle" ? rng.uniform(0.7, 1.3) : rng.uniform(0.5, 1);
  const between = kind === "triangle" ? rng.uniform(Math.PI / 4, (2 * Math.PI) / 3) : rng.uniform(Math.PI / 4, Math.PI / 2);
  const a: Point = [scale, 0];
  const b: Point = [scale * ratio * Math.cos(between), scale * ratio * Math.sin(between)];
  const local: Point[] = kind === "triangle" ? [[0, 0], a, b] : [[0, 0], a, [a[0] + b[0], a[1] + b[1]], b];
  const cx = local.reduce((s, p) => s + p[0], 0) / local.length;
  const cy = local.reduce((s, p) => s + p[1], 0) / local.length;
  const cos = Math.cos(rotation);
  const sin = Math.sin(rotation);
  const turned = local.map(([x, y]): Point => [(x - cx) * cos - (y - cy) * sin, (x - cx) * sin + (y - cy) * cos]);
  const reachX = Math.max(...turned.map((p) => Math.abs(p[0])));
  const reachY = Math.max(...turned.map((p) => Math.abs(p[1])));
  const [tx, ty] = placeInside(reachX, reachY, size, rng);
  return { kind, vertices: turned.map(([x, y]): Point => [x + tx, y + ty]), grey };
}

/** Half-widths of the bounding box of a rotated ellipse. */
function ellipseHalfExtent(radii: readonly [number, number], angle: number): number {
  const [a, b] = radii;
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  return Math.max(Math.sqrt(a * a * c * c + b * b * s * s), Math.sqrt(a * a * s * s + b * b * c * c));
}

/** A centre keeping a box of the given half-extents inside the image (with a half-pixel margin). */
function placeInside(reachX: number, reachY: number, size: number, rng: Rng): Point {
  const axis = (reach: number): number => {
    const lo = reach + 0.5;
    const hi = size - reach - 0.5;
    return lo < hi ? rng.uniform(lo, hi) : size / 2;
  };
  return [axis(reachX), axis(reachY)];
}

/** A grey level at least MIN_GREY_GAP away from `other` (a shift on the circle of greys). */
function distinctGrey(other: number, rng: Rng): number {
  const span = GREY.max - GREY.min;
  const shift = rng.uniform(MIN_GREY_GAP, span - MIN_GREY_GAP);
  return GREY.min + ((other - GREY.min + shift) % span);
}

// ---------------------------------------------------------------- rendering

/** Sub-samples per pixel side: 2 gives 2x2 supersampling, i.e. anti-aliased edges. */
const SUB = 2;

/**
 * Coverage of each pixel by the object, in {0, 1/4, 1/2, 3/4, 1}: the share of
 * its 2x2 sub-pixel centres inside (boundary counts as inside). Only the
 * object's bounding box is visited.
 */
export function rasterize(s: ShapeObject, size: number): Float32Array {
  const mask = new Float32Array(size * size);
  const inside = s.kind === "ellipse" ? ellipseForm(s) : polygonForm(s.vertices);
  const [x0, y0, x1, y1] = boundingBox(s, size);
  const w = 1 / (SUB * SUB);
  for (let r = y0; r < y1; r++) {
    for (let c = x0; c < x1; c++) {
      let hits = 0;
      for (let i = 0; i < SUB; i++) {
        for (let j = 0; j < SUB; j++) if (inside(c + (j + 0.5) / SUB, r + (i + 0.5) / SUB)) hits++;
      }
      mask[r * size + c] = hits * w;
    }
  }
  return mask;
}

/** Inside test of a rotated ellipse as one quadratic form: A dx^2 + B dx dy + C dy^2 <= 1. */
function ellipseForm(s: Extract<ShapeObject, { kind: "ellipse" }>): (x: number, y: number) => boolean {
  const [cx, cy] = s.centre;
  const cos = Math.cos(s.angle);
  const sin = Math.sin(s.angle);
  const ia2 = 1 / (s.radii[0] * s.radii[0]);
  const ib2 = 1 / (s.radii[1] * s.radii[1]);
  const A = cos * cos * ia2 + sin * sin * ib2;
  const B = 2 * cos * sin * (ia2 - ib2);
  const C = sin * sin * ia2 + cos * cos * ib2;
  return (x, y) => {
    const dx = x - cx;
    const dy = y - cy;
    return A * dx * dx + B * dx * dy + C * dy * dy <= 1;
  };
}

/**
 * Inside test of a convex polygon: every edge line a x + b y + c >= 0, with
 * the signs flipped for clockwise vertex order so "inside" is always >= 0.
 */
function polygonForm(v: readonly Point[]): (x: number, y: number) => boolean {
  const m = v.length;
  const orient = signedTwiceArea(v) >= 0 ? 1 : -1;
  const a = new Float64Array(m);
  const b = new Float64Array(m);
  const c = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    const [px, py] = v[k];
    const [qx, qy] = v[(k + 1) % m];
    a[k] = -orient * (qy - py);
    b[k] = orient * (qx - px);
    c[k] = -(a[k] * px + b[k] * py);
  }
  return (x, y) => {
    for (let k = 0; k < m; k++) if (a[k] * x + b[k] * y + c[k] < 0) return false;
    return true;
  };
}

function signedTwiceArea(v: readonly Point[]): number {
  let twice = 0;
  for (let k = 0; k < v.length; k++) {
    const [x0, y0] = v[k];
    const [x1, y1] = v[(k + 1) % v.length];
    twice += x0 * y1 - x1 * y0;
  }
  return twice;
}

/** Pixel range [x0, y0, x1, y1) that can contain the object, clipped to the image. */
function boundingBox(s: ShapeObject, size: number): [number, number, number, number] {
  let minX: number, maxX: number, minY: number, maxY: number;
  if (s.kind === "ellipse") {
    const reach = ellipseHalfExtent(s.radii, s.angle);
    [minX, maxX, minY, maxY] = [s.centre[0] - reach, s.centre[0] + reach, s.centre[1] - reach, s.centre[1] + reach];
  } else {
    const xs = s.vertices.map((p) => p[0]);
    const ys = s.vertices.map((p) => p[1]);
    [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  }
  const clip = (t: number): number => Math.min(size, Math.max(0, t));
  return [clip(Math.floor(minX)), clip(Math.floor(minY)), clip(Math.ceil(maxX)), clip(Math.ceil(maxY))];
}

/** Shared area of two coverage masks, an upper bound on the sub-pixel overlap. */
export function overlapArea(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.min(a[i], b[i]);
  return s;
}

function maskArea(m: Float32Array): number {
  let s = 0;
  for (let i = 0; i < m.length; i++) s += m[i];
  return s;
}

// ---------------------------------------------------------------- examples

export interface ShapesetExample {
  readonly image: Float32Array; // size * size, background 0, later objects painted on top
  readonly label: number; // class index, see the file comment
  readonly objects: readonly ShapeObject[]; // in painting order
  readonly masks: readonly Float32Array[]; // coverage of each object before any occlusion
}

export interface ShapesetOptions {
  readonly size?: number; // image side in pixels, default 32
  readonly label?: number; // force the class instead of drawing it
}

/**
 * One random image. The class is drawn uniformly; for two objects the
 * painting order is random, and the second is re-placed until it covers at
 * most half of the first one's area.
 */
export function renderShapesetExample(rng: Rng, opts: ShapesetOptions = {}): ShapesetExample {
  const size = opts.size ?? 32;
  checkSize(size);
  const label = opts.label ?? rng.int(SHAPESET_CLASS_NAMES.length);
  if (!Number.isInteger(label) || label < 0 || label >= SHAPESET_CLASS_NAMES.length)
    throw new ConfigError("label", label, `an integer in [0, ${SHAPESET_CLASS_NAMES.length})`);
  const kinds = [...CLASS_KINDS[label]];
  if (kinds.length === 2 && rng.next() < 0.5) kinds.reverse();

  const first = sampleShape(kinds[0], size, rng.uniform(GREY.min, GREY.max), rng);
  const objects: ShapeObject[] = [first];
  const masks = [rasterize(first, size)];
  if (kinds.length === 2) {
    const limit = MAX_OVERLAP * maskArea(masks[0]);
    const grey = distinctGrey(first.grey, rng);
    let placed = false;
    for (let t = 0; t < MAX_PLACEMENT_TRIES && !placed; t++) {
      const second = sampleShape(kinds[1], size, grey, rng);
      const mask = rasterize(second, size);
      if (overlapArea(masks[0], mask) <= limit) {
        objects.push(second);
        masks.push(mask);
        placed = true;
      }
    }
    if (!placed)
      throw new Error(
        `Shapeset: could not place a ${kinds[1]} covering at most ${MAX_OVERLAP * 100}% of a ${kinds[0]} ` +
          `in ${MAX_PLACEMENT_TRIES} tries at size ${size}. Use a larger image size (default 32).`,
      );
  }
  return { image: paint(objects, masks, size), label, objects, masks };
}

/** Paints objects in order; partial coverage blends with what lies beneath. */
function paint(objects: readonly ShapeObject[], masks: readonly Float32Array[], size: number): Float32Array {
  const image = new Float32Array(size * size);
  objects.forEach((o, k) => {
    const m = masks[k];
    for (let i = 0; i < image.length; i++) if (m[i] > 0) image[i] += (o.grey - image[i]) * m[i];
  });
  return image;
}

/** `n` Shapeset-3x2 images as a Dataset (inputDim size*size, 9 classes). */
export function makeShapeset(opts: { n: number; seed: number; size?: number }): Dataset {
  const { n, seed } = opts;
  const size = opts.size ?? 32;
  if (!Number.isInteger(n) || n < 1) throw new ConfigError("n", n, "an integer >= 1");
  if (!Number.isFinite(seed)) throw new ConfigError("seed", seed, "a finite number");
  checkSize(size);
  const d = size * size;
  const x = new Float32Array(n * d);
  const y = new Int32Array(n);
  const root = new Rng(seed);
  for (let i = 0; i < n; i++) {
    const ex = renderShapesetExample(root.fork(i), { size });
    x.set(ex.image, i * d);
    y[i] = ex.label;
  }
  return { name: `shapeset-3x2(n=${n}, seed=${seed})`, x, y, n, inputDim: d, numClasses: 9, imageShape: [size, size] };
}

function checkSize(size: number): void {
  if (!Number.isInteger(size) || size < 16 || size > 256)
    throw new ConfigError("size", size, "an integer image side in [16, 256] (Shapeset-3x2 uses 32)");
}
