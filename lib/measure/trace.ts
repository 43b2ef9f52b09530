/**
 * The input to a unit over data: per unit, percentiles of its pre-activation
 * z over a set of points — Ioffe & Szegedy's (2015, Fig. 1b–c) "input to a
 * typical sigmoid", followed over training by notebooks 02 (lib/run/replay)
 * and 05 (its batch-norm figure). Written once, on downloaded values.
 */
import { ConfigError } from "../core/errors";
import { percentiles } from "./stats";

/**
 * Percentiles `ps` (0–100) of z over the n rows of an n × width matrix
 * (row-major), for each unit of `units` (default all): units × P values,
 * row-major, exact (no subsampling).
 */
export function zPercentiles(
  z: ArrayLike<number>,
  n: number,
  width: number,
  ps: readonly number[],
  units?: readonly number[],
): Float64Array {
  if (z.length !== n * width) throw new ConfigError("z.length", z.length, `n × width = ${n * width}`);
  if (ps.length === 0 || ps.some((p) => !(p >= 0 && p <= 100)))
    throw new ConfigError("percentiles", ps, "values in [0, 100]");
  const which = units ?? Array.from({ length: width }, (_, j) => j);
  const out = new Float64Array(which.length * ps.length);
  const col = new Float64Array(n);
  which.forEach((j, k) => {
    if (!(Number.isInteger(j) && j >= 0 && j < width)) throw new ConfigError("unit", j, `an index in 0..${width - 1}`);
    for (let i = 0; i < n; i++) col[i] = z[i * width + j];
    out.set(percentiles(col, ps, Infinity), k * ps.length);
  });
  return out;
}
