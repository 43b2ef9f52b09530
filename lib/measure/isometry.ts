/**
 * Networks with prescribed weight gains, and the search for the gain at
 * which a network is closest to dynamical isometry: the mean squared
 * singular value of a hidden-layer Jacobian (lib/measure/jacobian) equal to
 * 1 (Pennington, Schoenholz & Ganguli 2017's criterion). One search, used by
 * notebook 04 (spectra at init) and by notebook 05 (the fix "orthogonal init
 * at the isometry gain").
 */
import * as tf from "@tensorflow/tfjs";
import { Mlp } from "../core/model";
import type { ActivationName } from "../core/activations";
import { ConfigError } from "../core/errors";
import { centerBiases } from "../core/centre";
import { jacobianMeanSquared } from "./jacobian";

export interface PrescribedNetOptions {
  readonly inputDim: number;
  readonly width: number;
  /** Hidden layers. */
  readonly depth: number;
  /** ‖W_l‖₂ of every hidden layer (all singular values equal it: orthogonal × gain). */
  readonly gain: number;
  readonly activation: ActivationName;
  readonly seed: number;
  readonly outputDim?: number;
  /** ‖W_{L+1}‖₂ of the output layer (default 1), kept apart so logits stay finite at big gains. */
  readonly outputGain?: number;
}

/** An MLP whose hidden weight matrices are gain × (orthonormal columns or rows): every singular value is `gain`. */
export function prescribedNet(o: PrescribedNetOptions): Mlp {
  const model = new Mlp({
    inputDim: o.inputDim,
    widths: Array.from({ length: o.depth }, () => o.width),
    outputDim: o.outputDim ?? 10,
    activation: o.activation,
    init: { name: "orthogonal", gain: o.gain },
    seed: o.seed,
  });
  const scale = (o.outputGain ?? 1) / o.gain;
  tf.tidy(() => model.output.W.assign(model.output.W.mul(scale)));
  return model;
}

/**
 * A one-parameter family of one network: returns set(gain), which makes every
 * hidden W_l equal to gain × its value at the time of the call (biases and the
 * output layer untouched). For orthogonal inits at gain 1 that gives ‖W_l‖₂ =
 * gain without drawing new matrices, which is what a gain search needs.
 */
export function hiddenGainSetter(model: Mlp): (gain: number) => void {
  const base = model.hidden.map((l) => l.W.dataSync().slice() as Float32Array);
  return (gain: number) => {
    if (!(Number.isFinite(gain) && gain > 0)) throw new ConfigError("gain", gain, "a positive finite number");
    model.hidden.forEach((l, k) =>
      tf.tidy(() =>
        l.W.assign(
          tf.tensor2d(
            base[k].map((v) => v * gain),
            [l.nIn, l.nOut],
          ),
        ),
      ),
    );
  };
}

/**
 * The gain at which `measure(gain)` crosses `target`, by a log-spaced scan of
 * `grid` then bisection in log(gain) inside the first bracket. Returns the
 * closest grid point (bracketed: false) when measure never crosses target.
 */
export function findGain(
  measure: (gain: number) => number,
  target: number,
  grid: readonly number[],
  steps = 8,
): { gain: number; value: number; bracketed: boolean; scanned: { gain: number; value: number }[] } {
  if (grid.length < 2) throw new ConfigError("grid", grid, "at least two gains, increasing");
  const scanned = grid.map((g) => ({ gain: g, value: measure(g) }));
  const side = (v: number) => Math.sign(Math.log(v) - Math.log(target));
  for (let k = 0; k + 1 < scanned.length; k++) {
    let lo = scanned[k],
      hi = scanned[k + 1];
    if (side(lo.value) === 0) return { ...lo, bracketed: true, scanned };
    if (side(lo.value) !== side(hi.value)) {
      for (let s = 0; s < steps; s++) {
        const g = Math.sqrt(lo.gain * hi.gain);
        const v = measure(g);
        if (side(v) === side(lo.value)) lo = { gain: g, value: v };
        else hi = { gain: g, value: v };
      }
      const best = Math.abs(Math.log(lo.value / target)) < Math.abs(Math.log(hi.value / target)) ? lo : hi;
      return { ...best, bracketed: true, scanned };
    }
  }
  let best = scanned[0];
  for (const s of scanned) if (Math.abs(Math.log(s.value / target)) < Math.abs(Math.log(best.value / target))) best = s;
  return { ...best, bracketed: false, scanned };
}

export interface IsometrySearch {
  /** Hidden layers the Jacobian runs between (from = 0: the input). */
  readonly from: number;
  readonly to: number;
  /** Re-centre the biases on the points after every gain change (core/centre: our construction for the logistic σ). */
  readonly centre: boolean;
  /**
   * The points the biases are centred on (default: x itself). The Jacobian is
   * costly per point and measured on few; centring on a larger sample keeps
   * the biases from being fitted to exactly the points that are measured.
   */
  readonly centreOn?: { readonly x: Float32Array; readonly n: number };
  /** Gains scanned before bisection, increasing. */
  readonly grid: readonly number[];
  /** Bisection steps in log(gain) inside the bracket (default 6). */
  readonly steps?: number;
}

export interface IsometryGain {
  readonly gain: number;
  /** Mean squared singular value of J at that gain (1 at the criterion). */
  readonly meanSquared: number;
  /** Whether the scan bracketed 1 (otherwise: the closest grid gain). */
  readonly bracketed: boolean;
  readonly scanned: { gain: number; value: number }[];
}

/**
 * The gain g at which every hidden W_l = g × (its value now) puts the
 * network at the isometry criterion on the points x (n rows): the model's
 * hidden weights are left at that gain (and its biases centred, if asked).
 */
export function isometryGain(model: Mlp, x: Float32Array, n: number, search: IsometrySearch): IsometryGain {
  const setGain = hiddenGainSetter(model);
  const apply = (g: number) => {
    setGain(g);
    if (search.centre) centerBiases(model, search.centreOn?.x ?? x, search.centreOn?.n ?? n);
  };
  const found = findGain(
    (g) => {
      apply(g);
      return jacobianMeanSquared(model, x, n, search.from, search.to);
    },
    1,
    search.grid,
    search.steps ?? 6,
  );
  apply(found.gain);
  return { gain: found.gain, meanSquared: found.value, bracketed: found.bracketed, scanned: found.scanned };
}
