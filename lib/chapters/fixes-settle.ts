/**
 * Chapter: notebook 05-fixes — what a fix leaves open, made concrete at one
 * depth before training: per-layer learning-rate multipliers (a formula, or
 * measured at init) and the gain of the orthogonal init at the isometry
 * criterion (searched numerically, with lib/measure/isometry's findGain).
 */
import { ConfigError } from "../core/errors";
import type { InitSpec } from "../core/init";
import { Mlp } from "../core/model";
import { centerBiases } from "../core/centre";
import { cached } from "../run/cache";
import { ExperimentConfig, buildModel, loadData, mnistSplit } from "../run/experiment";
import type { Fix } from "../run/fixes";
import { findGain, hiddenGainSetter } from "../measure/isometry";
import { jacobianMeanSquared, jacobianSpectra } from "../measure/jacobian";
import { probe } from "../measure/probe";
import { backward, meanDeltaNorms } from "../measure/deltas";
import { Budget, Setting, experimentConfig, validateBudget } from "./fixes-budget";

/**
 * Resolve what a fix leaves open at this depth: the isometry gain of an
 * orthogonal init (numerically, from the input–output Jacobian) and
 * per-layer learning-rate multipliers (a formula, or measured at init).
 */
export async function settle(
  fix: Fix,
  depth: number,
  budget: Budget,
  opts: { cacheDir?: string } = {},
): Promise<Setting> {
  validateBudget(budget);
  if (!(Number.isInteger(depth) && depth >= 1)) throw new ConfigError("depth", depth, "a positive integer");
  const notes: string[] = [];
  let init: InitSpec;
  if (typeof fix.init === "object" && fix.init.gain === "isometry") {
    const centre = fix.init.centre === true;
    const iso = await isometryGain({ width: budget.width, depth, centre }, opts);
    init = { name: "orthogonal", gain: iso.gain, ...(centre ? { centre: true } : {}) };
    notes.push(
      `orthogonal gain ${iso.gain}${centre ? " with centred biases" : ""} (mean squared singular value of the input–output Jacobian ${iso.meanSquaredAtGain.toPrecision(3)} at init)`,
    );
  } else {
    init = fix.init as InitSpec;
  }
  let layerLearningRates: number[] | undefined;
  if (fix.layerRates?.kind === "geometric") {
    layerLearningRates = geometricLayerRates(depth, fix.layerRates.base);
  } else if (fix.layerRates?.kind === "equalizeUpdateRatio") {
    layerLearningRates = equalizedLayerRates(measureUpdateRatios({ fix, depth, init, notes: [] }, budget));
    notes.push(`multipliers from ‖∂L/∂W_l‖/‖W_l‖ at init (seed 1, ${budget.probePoints} training points)`);
  }
  return { fix, depth, init, layerLearningRates, notes };
}

// ------------------------------------------------------------------ per-layer learning rates

/**
 * m_l = base^(L−l) for hidden layers l = 1..L, and 1 for the output layer.
 * The lowest layer of a depth-10 net gets 4⁹ ≈ 2.6 × 10⁵; whether that is a
 * large step depends on how small its gradient is — see firstStepRatios.
 */
export function geometricLayerRates(depth: number, base: number): number[] {
  if (!(Number.isInteger(depth) && depth >= 1)) throw new ConfigError("depth", depth, "a positive integer");
  if (!(Number.isFinite(base) && base > 0)) throw new ConfigError("base", base, "a positive number, e.g. 4");
  return [...Array.from({ length: depth }, (_, i) => base ** (depth - 1 - i)), 1];
}

/**
 * How far SGD's first step moves each layer's weights relative to the output
 * layer's, with multipliers m_l and the update:data ratios r_l at init:
 * m_l r_l / r_{L+1}. The equalising rule makes every entry 1; below 1 a
 * layer still moves less than the output layer, above 1 more.
 */
export function firstStepRatios(multipliers: readonly number[], ratios: readonly number[]): number[] {
  if (multipliers.length !== ratios.length || ratios.length < 2)
    throw new ConfigError("multipliers", multipliers, `one per layer, like the ${ratios.length} ratios`);
  const top = ratios[ratios.length - 1];
  return ratios.map((r, l) => (multipliers[l] * r) / top);
}

/**
 * m_l = r_{L+1} / r_l from the update:data ratios r_l (layers 1..L+1), to 3
 * significant digits: the output layer keeps 1, and SGD's update:data
 * ratio becomes the same in every layer.
 */
export function equalizedLayerRates(ratios: readonly number[]): number[] {
  if (ratios.length < 2)
    throw new ConfigError("ratios", ratios, "one ratio per layer, hidden layers then the output layer");
  ratios.forEach((r, i) => {
    if (!(Number.isFinite(r) && r > 0))
      throw new ConfigError(
        `ratios[${i}]`,
        r,
        "a positive finite number (a layer with zero gradient cannot be equalised)",
      );
  });
  const top = ratios[ratios.length - 1];
  return ratios.map((r, i) => (i === ratios.length - 1 ? 1 : Number((top / r).toPrecision(3))));
}

/** ‖∂L/∂W_l‖ / ‖W_l‖ for layers 1..L+1 of a setting's seed-1 network at init, on the training probe points. */
export function measureUpdateRatios(s: Setting, budget: Budget): number[] {
  const cfg = experimentConfig(s, budget, { learningRate: 1, seed: 1 });
  const data = loadData(cfg.data, budget.probePoints);
  const { model } = buildModel(cfg, data);
  try {
    const snap = probe(model, data.probeTrain);
    return [
      ...snap.layers.map((l) => l.gradToData as number),
      (snap.output.weightGradNorm as number) / snap.output.weightNorm,
    ];
  } finally {
    model.dispose();
  }
}

/**
 * Mean ‖δ_l‖ = ‖∂ℓ_i/∂z_l‖ per hidden layer of the config's network at init,
 * on its training probe points, with batch norm in TRAINING mode (batch
 * statistics of those points). Probes run in eval mode, where an untrained
 * BN layer still holds its initial moving statistics (mean 0, variance 1)
 * and so does not normalise at all; this is what backprop sees at step 1.
 * For networks without BN it equals the probe's deltaNorm.
 */
export function trainingModeDeltaNorms(cfg: ExperimentConfig): number[] {
  const data = loadData(cfg.data, cfg.probePoints ?? 1000);
  const { model } = buildModel(cfg, data);
  try {
    return meanDeltaNorms(backward(model, data.probeTrain, { training: true })).slice(0, model.depth);
  } finally {
    model.dispose();
  }
}

// ------------------------------------------------------------------ isometry

export interface IsometryOptions {
  readonly width: number;
  readonly depth: number;
  /** Centre the hidden biases on training images after every gain change (lib/core/centre: our construction). */
  readonly centre: boolean;
  /** MNIST training images the Jacobian is taken at (default 3). */
  readonly inputs?: number;
  /** Training images the biases are centred on (default 512, as buildModel does). */
  readonly centreOn?: number;
  readonly seed?: number;
}

export interface IsometryResult {
  readonly gain: number;
  /** Mean over inputs of the mean squared singular value of J = ∂h_L/∂x at the gain (1 at the criterion). */
  readonly meanSquaredAtGain: number;
  /** Mean over inputs of (largest singular value)² / mean squared singular value at the gain: 1 at perfect isometry. */
  readonly spreadAtGain: number;
  /** Whether the scan bracketed 1 (otherwise: the closest grid gain). */
  readonly bracketed: boolean;
  /** Every gain evaluated, sorted by gain. */
  readonly curve: { readonly gain: number; readonly meanSquared: number }[];
}

/** The gains scanned before bisection: 2^(k/2), k = 0..14 (1 to 128). */
export const ISOMETRY_GRID: readonly number[] = Array.from({ length: 15 }, (_, k) => 2 ** (k / 2));

/**
 * The gain g of an orthogonal sigmoid init at which the mean squared singular
 * value of the input–output Jacobian at init is 1 (Pennington, Schoenholz &
 * Ganguli 2017's criterion), by lib/measure/isometry's findGain: a scan over
 * ISOMETRY_GRID, then 8 bisection steps in log g. Rounded to 3 digits; cached.
 */
export async function isometryGain(
  opts: IsometryOptions,
  cacheOpts: { cacheDir?: string } = {},
): Promise<IsometryResult> {
  const key = {
    isometry: {
      ...opts,
      inputs: opts.inputs ?? 3,
      centreOn: opts.centreOn ?? 512,
      seed: opts.seed ?? 1,
      grid: ISOMETRY_GRID,
    },
  };
  const r = await cached<IsometryResult>(
    `isometry-sigmoid-${opts.width}x${opts.depth}${opts.centre ? "-centred" : ""}`,
    key,
    async () => ({ value: searchIsometry(opts), arrays: {} }),
    { dir: cacheOpts.cacheDir },
  );
  return r.value;
}

function searchIsometry(opts: IsometryOptions): IsometryResult {
  const inputs = opts.inputs ?? 3,
    centreOn = opts.centreOn ?? 512;
  const train = mnistSplit({ kind: "mnist", trainLimit: Math.max(inputs, centreOn) }).train;
  const x = train.x.subarray(0, inputs * 784),
    xc = train.x.subarray(0, centreOn * 784);
  const model = new Mlp({
    inputDim: 784,
    outputDim: 10,
    widths: Array.from({ length: opts.depth }, () => opts.width),
    activation: "sigmoid",
    init: "orthogonal",
    seed: opts.seed ?? 1,
  });
  try {
    const setGain = hiddenGainSetter(model);
    const apply = (g: number) => {
      setGain(g);
      if (opts.centre) centerBiases(model, xc, centreOn);
    };
    const curve: { gain: number; meanSquared: number }[] = [];
    const found = findGain(
      (g) => {
        apply(g);
        const meanSquared = jacobianMeanSquared(model, x, inputs, 0, opts.depth);
        curve.push({ gain: g, meanSquared });
        return meanSquared;
      },
      1,
      ISOMETRY_GRID,
      8,
    );
    const gain = Number(found.gain.toPrecision(3));
    apply(gain);
    const spectra = jacobianSpectra(model, x, inputs, 0, opts.depth);
    const spread = spectra.perPoint.reduce((s, sv) => s + Math.max(...sv) ** 2 / meanOfSquares(sv), 0) / inputs;
    const meanSquaredAtGain = spectra.perPoint.reduce((s, sv) => s + meanOfSquares(sv), 0) / inputs;
    curve.sort((a, b) => a.gain - b.gain);
    return { gain, meanSquaredAtGain, spreadAtGain: spread, bracketed: found.bracketed, curve };
  } finally {
    model.dispose();
  }
}

function meanOfSquares(sv: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < sv.length; i++) s += sv[i] ** 2;
  return s / sv.length;
}
