/**
 * Chapter: notebook 05-fixes — what a fix leaves open, made concrete at one
 * depth before training: per-layer learning-rate multipliers (a formula, or
 * measured at init) and the gain of the orthogonal init at the isometry
 * criterion (searched numerically, with lib/measure/isometry's isometryGain).
 */
import { ConfigError } from "../core/errors";
import type { InitSpec } from "../core/init";
import { Mlp } from "../core/model";
import { centerBiases } from "../core/centre";
import { cached } from "../run/cache";
import { ExperimentConfig, buildModel, loadData, probeSubset } from "../run/experiment";
import { Fix, geometricLayerRates } from "../run/fixes";

import { hiddenGainSetter, isometryGain as findIsometryGain } from "../measure/isometry";
import { jacobianSpectra } from "../measure/jacobian";
import { probe } from "../measure/probe";
import { backward, meanDeltaNorms } from "../measure/deltas";
import { Budget, Setting, dataSpec, experimentConfig, validateBudget } from "./fixes-budget";

export { geometricLayerRates }; // the one definition lives with the fix catalogue (lib/run/fixes)

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
    const iso = await isometryGain({ depth, centre, budget }, opts);
    init = { name: "orthogonal", gain: iso.gain, ...(centre ? { centre: true } : {}) };
    notes.push(
      `orthogonal gain ${iso.gain}${centre ? " with centred biases" : ""} (mean squared singular value of J = ∂h_L/∂h_1 ${iso.meanSquaredAtGain.toPrecision(3)} at init)`,
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

/**
 * The isometry gain of fix 10, found by THE gain search of the book (lib/measure/isometry's isometryGain,
 * which notebook 04 §6 uses too) with 04's definition of the Jacobian: J = ∂h_L/∂h_1, from layer 1's output
 * to layer L's (L − 1 square factors), at a few random training images of the network's own training set.
 * The biases are re-centred after every gain change on the images buildModel centres the trained network on
 * (the first 512 of its training set, itself a random draw of MNIST's training file), so the gain is searched
 * on the very network fix 10 trains.
 */
export interface IsometryOptions {
  readonly depth: number;
  /** Centre the hidden biases on training images after every gain change (lib/core/centre: our construction). */
  readonly centre: boolean;
  /** The budget whose network width and training images the search uses. */
  readonly budget: Budget;
  /** Random training images J is taken at (default 2, as notebook 04's jacPoints). */
  readonly inputs?: number;
  readonly seed?: number;
}

export interface IsometryResult {
  readonly gain: number;
  /** Mean over inputs of the mean squared singular value of J = ∂h_L/∂h_1 at the gain (1 at the criterion). */
  readonly meanSquaredAtGain: number;
  /** Mean over inputs of (largest singular value)² / mean squared singular value at the gain: 1 at perfect isometry. */
  readonly spreadAtGain: number;
  /** The spread 04 reads with its ISOMETRY_RULES: the std of log₁₀ of the singular values at the gain. */
  readonly log10Std: number;
  /** Whether the scan bracketed 1 (otherwise: the closest grid gain). */
  readonly bracketed: boolean;
  /** The scanned gains, sorted. */
  readonly curve: { readonly gain: number; readonly meanSquared: number }[];
}

/** The gains scanned before bisection: 2^(k/2), k = 0..14 (1 to 128). */
export const ISOMETRY_GRID: readonly number[] = Array.from({ length: 15 }, (_, k) => 2 ** (k / 2));

/** Rounded to 3 digits; cached. */
export async function isometryGain(
  opts: IsometryOptions,
  cacheOpts: { cacheDir?: string } = {},
): Promise<IsometryResult> {
  validateBudget(opts.budget);
  const key = {
    isometry: {
      width: opts.budget.width,
      depth: opts.depth,
      centre: opts.centre,
      jacobian: "h1 to hL",
      data: dataSpec(opts.budget),
      inputs: opts.inputs ?? 2,
      centreOn: CENTRE_ON,
      seed: opts.seed ?? 1,
      grid: ISOMETRY_GRID,
      steps: 8,
    },
  };
  const r = await cached<IsometryResult>(
    `isometry-sigmoid-${opts.budget.width}x${opts.depth}${opts.centre ? "-centred" : ""}`,
    key,
    async () => ({ value: searchIsometry(opts), arrays: {} }),
    { dir: cacheOpts.cacheDir },
  );
  return r.value;
}

/** Images buildModel centres a network's biases on (its cfg.lsuvBatch default). */
const CENTRE_ON = 512;

function searchIsometry(opts: IsometryOptions): IsometryResult {
  const inputs = opts.inputs ?? 2;
  const train = loadData(dataSpec(opts.budget), opts.budget.probePoints).train;
  const pts = probeSubset(train, inputs, "05: isometry gain, Jacobian points");
  const n = Math.min(CENTRE_ON, train.n);
  const centreOn = { x: train.x.subarray(0, n * train.inputDim), n };
  const model = new Mlp({
    inputDim: train.inputDim,
    outputDim: train.numClasses,
    widths: Array.from({ length: opts.depth }, () => opts.budget.width),
    activation: "sigmoid",
    init: "orthogonal",
    seed: opts.seed ?? 1,
  });
  try {
    const setGain = hiddenGainSetter(model); // taken before the search: g × the orthogonal draw
    const found = findIsometryGain(model, pts.x, pts.n, {
      from: 1,
      to: opts.depth,
      centre: opts.centre,
      centreOn,
      grid: ISOMETRY_GRID,
      steps: 8,
    });
    // The gain as the fix will use it (3 digits), and the spectrum there (the search left the model at found.gain).
    const gain = Number(found.gain.toPrecision(3));
    setGain(gain);
    if (opts.centre) centerBiases(model, centreOn.x, centreOn.n);
    const spectra = jacobianSpectra(model, pts.x, pts.n, 1, opts.depth);
    const spread = spectra.perPoint.reduce((s, sv) => s + Math.max(...sv) ** 2 / meanOfSquares(sv), 0) / pts.n;
    const meanSquaredAtGain = spectra.perPoint.reduce((s, sv) => s + meanOfSquares(sv), 0) / pts.n;
    const curve = found.scanned.map((p) => ({ gain: p.gain, meanSquared: p.value })).sort((a, b) => a.gain - b.gain);
    return {
      gain,
      meanSquaredAtGain,
      spreadAtGain: spread,
      log10Std: spectra.stats.log10Std,
      bracketed: found.bracketed,
      curve,
    };
  } finally {
    model.dispose();
  }
}

function meanOfSquares(sv: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < sv.length; i++) s += sv[i] ** 2;
  return s / sv.length;
}
