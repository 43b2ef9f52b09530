/**
 * Chapter: notebook 07-playground — the input plane: the grid, every unit's
 * picture over it, and saturated shares over the plane and on the training
 * points. Re-exported by playground.ts (this module imports nothing of it).
 *
 * Grid order (everywhere): point k = r·resolution + c has x₁ = coords[c] and
 * x₂ = coords[r]; row r = 0 is the bottom (x₂ = lo).
 */
import * as tf from "@tensorflow/tfjs";
import { Mlp } from "../core/model";
import type { Dataset } from "../data/dataset";
import { SaturatedShare, SaturationRule, classifySaturation, saturatedShare } from "../measure/saturation";
import { ConfigError } from "../core/errors";
import { scoped } from "../core/scope";
import { hiddenValues } from "../measure/compare";

// ------------------------------------------------------------ the grid

export interface PlaneGrid {
  readonly resolution: number;
  readonly extent: readonly [number, number];
  /** The resolution coordinates of one axis, lo to hi (both included). */
  readonly coords: Float64Array;
  /** resolution² points × 2, row-major, in grid order. */
  readonly points: Float32Array;
}

/** A resolution × resolution grid over [lo, hi]², corners included. */
export function planeGrid(resolution = 40, extent: readonly [number, number] = [-1.2, 1.2]): PlaneGrid {
  if (!(Number.isInteger(resolution) && resolution >= 2 && resolution <= 400)) {
    throw new ConfigError("resolution", resolution, "an integer in [2, 400] (grid points per axis)");
  }
  const [lo, hi] = extent;
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo))
    throw new ConfigError("extent", extent, "[lo, hi] with lo < hi");
  const coords = new Float64Array(resolution);
  for (let i = 0; i < resolution; i++) coords[i] = lo + ((hi - lo) * i) / (resolution - 1);
  const points = new Float32Array(resolution * resolution * 2);
  for (let r = 0; r < resolution; r++) {
    for (let c = 0; c < resolution; c++) {
      const k = r * resolution + c;
      points[2 * k] = coords[c];
      points[2 * k + 1] = coords[r];
    }
  }
  return { resolution, extent: [lo, hi], coords, points };
}

/** Every hidden layer and the output of a network, over the grid. */
export interface PlaneValues {
  readonly grid: PlaneGrid;
  readonly widths: number[];
  /** layers[l]: resolution² points × width of hidden layer l+1, row-major (point-major). */
  readonly layers: Float32Array[];
  /** Softmax probability of class 1 at each grid point. */
  readonly probability: Float32Array;
}

/** Forward the grid through a 2-input network (eval mode: batch norm uses its moving statistics). */
export function evaluatePlane(model: Mlp, grid: PlaneGrid): PlaneValues {
  if (model.config.inputDim !== 2)
    throw new ConfigError("model.inputDim", model.config.inputDim, "2 (a network on the plane)");
  const n = grid.resolution * grid.resolution;
  return scoped(() => {
    const tr = model.forward(tf.tensor2d(grid.points, [n, 2]), { training: false });
    const p = tf.softmax(tr.logits);
    const probs = p.dataSync();
    const k = model.config.outputDim;
    const probability = new Float32Array(n);
    for (let i = 0; i < n; i++) probability[i] = k > 1 ? probs[i * k + 1] : probs[i];
    return {
      grid,
      widths: model.hidden.map((l) => l.nOut),
      layers: tr.a.map((t) => Float32Array.from(t.dataSync())),
      probability,
    };
  });
}

/** The picture of one unit: its value at each grid point, in grid order. */
export function unitPlane(values: PlaneValues, layer: number, unit: number): Float32Array {
  const w = values.widths[layer - 1];
  if (w === undefined) throw new ConfigError("layer", layer, `a hidden layer in 1..${values.widths.length}`);
  if (!(Number.isInteger(unit) && unit >= 0 && unit < w))
    throw new ConfigError("unit", unit, `a unit index in 0..${w - 1}`);
  const a = values.layers[layer - 1];
  const n = a.length / w;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = a[i * w + unit];
  return out;
}

// ------------------------------------------------------------ saturation

/** Per hidden layer, the share of (point, unit) entries saturated over the whole grid. */
export function planeSaturation(values: PlaneValues, rule: SaturationRule): SaturatedShare[] {
  return values.layers.map((a) => saturatedShare(a, rule));
}

/** Per hidden layer, the share of (training point, unit) entries saturated. */
export function pointSaturation(model: Mlp, data: Pick<Dataset, "x" | "n">, rule: SaturationRule): SaturatedShare[] {
  return scoped(() => {
    const tr = model.forward(tf.tensor2d(data.x, [data.n, 2]), { training: false });
    return tr.a.map((t) => saturatedShare(t.dataSync(), rule));
  });
}

/**
 * Per hidden layer and per point, the share of the layer's units saturated by
 * `rule` on that point (eval mode): shares[l][i]. Their mean over points is
 * pointSaturation's total; for the sigmoid they equal perExampleStats'
 * `saturated` at the rule's ε (measure/compare), and, unlike it, they exist
 * for every activation (ReLU: h = 0 is flat).
 */
export function pointShares(model: Mlp, data: Dataset, rule: SaturationRule): Float64Array[] {
  const hv = hiddenValues(model, data);
  return hv.a.map((a, l) => {
    const w = hv.widths[l],
      cls = classifySaturation(a, rule),
      out = new Float64Array(hv.n);
    for (let i = 0; i < hv.n; i++) {
      let k = 0;
      for (let j = 0; j < w; j++) if (cls[i * w + j] !== 0) k++;
      out[i] = k / w;
    }
    return out;
  });
}
