/**
 * Chapter: notebook 04-bound — sections 1–2: the scalar facts of the
 * derivation (σ, σ', tanh' — aliases of lib/core/activations, not second
 * implementations) and their numeric checks on a grid, each a `verify` that
 * stops the run naming the claim. The notebook imports this module directly
 * (it imports ./bound for `verify` and `Shown`; ./bound imports nothing from here).
 */
import * as tf from "@tensorflow/tfjs";
import { ActivationName, activation } from "../core/activations";
import { ConfigError } from "../core/errors";
import { scoped } from "../core/scope";
import * as plot from "../display/plot";
import type { Row } from "../display/table";
import { num } from "../display/text";
import { Shown, verify } from "./bound";

/** σ(z) = 1/(1 + e^(−z)), in float64. */
export const sigmoid = activation("sigmoid").f;
/** σ'(z) = σ(z)(1 − σ(z)), in float64. */
export const sigmoidDerivative = activation("sigmoid").df;
/** tanh'(z) = 1 − tanh²(z). */
export const tanhDerivative = activation("tanh").df;

// ------------------------------------------------------------ §1–2: the derivation, checked

/**
 * Where σ' equals `level` (0 < level ≤ 1/4): σ(1 − σ) = level gives
 * σ = (1 ± √(1 − 4·level))/2 and z = ±ln(σ/(1 − σ)). Below the level for |z| > z.
 */
export function sigmoidDerivativeLevel(level: number): { hLow: number; hHigh: number; z: number } {
  if (!(level > 0 && level <= 0.25)) throw new ConfigError("level", level, "a number in (0, 1/4]");
  const r = Math.sqrt(1 - 4 * level);
  const hHigh = (1 + r) / 2,
    hLow = (1 - r) / 2;
  return { hLow, hHigh, z: Math.log(hHigh / hLow) };
}

/** f'(z) by tfjs autodiff of the activation's op, in float32 (to check against the closed form). */
export function activationGradient(name: ActivationName, z: ArrayLike<number>): Float32Array {
  const act = activation(name);
  return scoped(
    () =>
      tf
        .grad((t: tf.Tensor) => tf.sum(act.apply(t)))(tf.tensor1d(Float32Array.from(z)))
        .dataSync() as Float32Array,
  );
}

export interface DerivationCheck {
  readonly grid: Float64Array;
  readonly maxAutodiffError: number;
  readonly maxTanhError: number;
  readonly maxIdentityError: number;
  /** max σ' on the grid (closed form, autodiff) and where. */
  readonly maxSlope: number;
  readonly maxAutodiffSlope: number;
  readonly argmaxZ: number;
  readonly maxTanhSlope: number;
  /** σ' = 0.01 at |z| = level.z. */
  readonly level: { readonly hLow: number; readonly hHigh: number; readonly z: number };
}

/** Every claim of section 1 on the grid z = k/perUnit, |z| ≤ zMax; stops at the first that fails. */
export function checkDerivation(zMax = 30, perUnit = 1000): DerivationCheck {
  const half = zMax * perUnit;
  const grid = Float64Array.from({ length: 2 * half + 1 }, (_, k) => (k - half) / perUnit);
  const closed = grid.map(sigmoidDerivative);
  const autoSig = activationGradient("sigmoid", grid),
    autoTanh = activationGradient("tanh", grid);
  let maxAutodiffError = 0,
    maxTanhError = 0,
    maxIdentityError = 0,
    argmax = 0,
    maxAutodiffSlope = 0,
    maxTanhSlope = 0;
  const level = sigmoidDerivativeLevel(0.01);
  grid.forEach((z, k) => {
    maxAutodiffError = Math.max(maxAutodiffError, Math.abs(autoSig[k] - closed[k]));
    maxTanhError = Math.max(maxTanhError, Math.abs(autoTanh[k] - tanhDerivative(z)));
    maxIdentityError = Math.max(maxIdentityError, Math.abs(Math.tanh(z) - (2 * sigmoid(2 * z) - 1)));
    maxAutodiffSlope = Math.max(maxAutodiffSlope, autoSig[k]);
    maxTanhSlope = Math.max(maxTanhSlope, tanhDerivative(z));
    if (closed[k] > closed[argmax]) argmax = k;
    const s = sigmoid(z);
    // (Messages are built only when a claim fails: 60,001 points.)
    if (closed[k] > ((s + 1 - s) / 2) ** 2 + 1e-17) verify(false, `AM–GM: σ(1−σ) ≤ ((σ + 1 − σ)/2)² fails at z = ${z}`);
    if (Math.abs(z) > level.z !== closed[k] < 0.01 && Math.abs(Math.abs(z) - level.z) >= 1e-3)
      verify(false, `σ' < 0.01 ⇔ |z| > ${level.z} fails at z = ${z}`);
    if ((s < 0.01 || s > 0.99) && closed[k] >= 0.01)
      verify(false, `an entry with h within 0.01 of 0 or 1 has σ' = ${closed[k]} ≥ 0.01 (z = ${z})`);
  });
  const maxSlope = closed[argmax];
  verify(maxAutodiffError < 1e-7, `tfjs autodiff of sigmoid differs from σ(1−σ) by ${maxAutodiffError} on the grid`);
  verify(maxTanhError < 1e-6, `tfjs autodiff of tanh differs from 1 − tanh² by ${maxTanhError}`);
  verify(
    maxSlope === 0.25 && grid[argmax] === 0,
    `max σ' on the grid is ${maxSlope} at z = ${grid[argmax]}, expected exactly 0.25 at 0`,
  );
  verify(maxAutodiffSlope === 0.25, `max of the autodiff σ' is ${maxAutodiffSlope}, expected 0.25`);
  verify(maxTanhSlope === 1 && tanhDerivative(0) === 1, `max tanh' = ${maxTanhSlope}, expected 1 at 0`);
  verify(maxIdentityError < 1e-15, `tanh(x) = 2σ(2x) − 1 fails by ${maxIdentityError}`);
  verify(
    Math.abs(level.z - 4.585) < 5e-4 && Math.abs(sigmoidDerivative(level.z) - 0.01) < 1e-12,
    `σ' = 0.01 at z = ${level.z}`,
  );
  return {
    grid,
    maxAutodiffError,
    maxTanhError,
    maxIdentityError,
    maxSlope,
    maxAutodiffSlope,
    argmaxZ: grid[argmax],
    maxTanhSlope,
    level,
  };
}

export function derivationRows(d: DerivationCheck): Row[] {
  const sat = Math.log(99);
  return [
    { check: "max |autodiff − σ(1−σ)| on the grid", value: num(d.maxAutodiffError) },
    { check: "max |autodiff − (1 − tanh²)|", value: num(d.maxTanhError) },
    {
      check: "max σ′ (closed form / autodiff) and where",
      value: `${d.maxSlope} / ${d.maxAutodiffSlope} at z = ${d.argmaxZ}`,
    },
    {
      check: "σ′ = 0.01 at |z| =",
      value: `${d.level.z.toFixed(4)} (σ = ${d.level.hLow.toFixed(4)} or ${d.level.hHigh.toFixed(4)})`,
    },
    {
      check: "h within 0.01 of 0 or 1 at |z| ≥ ln 99 =",
      value: `${sat.toFixed(4)}, where σ′ = ${sigmoidDerivative(sat).toFixed(5)}`,
    },
    { check: "max tanh′", value: d.maxTanhSlope },
    { check: "max |tanh(x) − (2σ(2x) − 1)|", value: num(d.maxIdentityError) },
  ];
}

/** σ′ on a log scale, with the 0.01 level. */
export function logSlopeFigure(d: DerivationCheck): Shown {
  const zl = Array.from(d.grid.filter((z, k) => k % 20 === 0 && Math.abs(z) <= 15));
  const z0 = d.level.z;
  return {
    figure: plot.line({
      title: `σ′ on a log scale: below 0.01 beyond |z| ≈ ${z0.toFixed(3)}`,
      x: { label: "pre-activation z", unit: "dimensionless" },
      y: { label: "σ′(z)", unit: "dimensionless", log: true },
      series: [
        { name: "σ′(z)", x: zl, y: zl.map(sigmoidDerivative) },
        { name: "0.01", x: [-15, 15], y: [0.01, 0.01], dash: "dash", color: "#000000" },
        {
          name: `|z| = ${z0.toFixed(3)}`,
          x: [-z0, -z0, NaN, z0, z0],
          y: [1e-7, 0.3, NaN, 1e-7, 0.3],
          dash: "dot",
          color: "#D55E00",
        },
      ],
    }),
    takeaway: `σ′ falls like e^(−|z|): ${num(sigmoidDerivative(5))} at |z| = 5, ${num(sigmoidDerivative(10))} at |z| = 10; saturation (h within 0.01 of 0 or 1) starts at |z| = ${Math.log(99).toFixed(3)}.`,
  };
}

/**
 * The takeaway of the σ/tanh figure: the peaks as measured on the grid, and how tanh is made from σ —
 * tanh(z) = 2σ(2z) − 1 is σ compressed ×2 along z, stretched ×2 vertically and shifted down by 1 (the
 * identity is checked on the grid by checkDerivation, to maxIdentityError).
 */
export function curvesTakeaway(d: DerivationCheck): string {
  return `σ′ peaks at exactly ${d.maxSlope} at z = ${d.argmaxZ}, a quarter of tanh′'s peak of ${d.maxTanhSlope}. tanh(z) = 2σ(2z) − 1 (to ${num(d.maxIdentityError)} on the grid): tanh is σ compressed ×2 along z, stretched ×2 vertically and shifted down by 1, so its slope at 0 is 2 · 2 · ¼ = 1.`;
}
