/**
 * Numbers on their way into a figure or a table.
 */

/**
 * Plain JSON numbers from any numeric array (tfjs hands out Float32Arrays,
 * which JSON.stringify turns into objects). Rounded to 6 significant digits:
 * no plot can show more, and float32 noise digits would double the JSON size.
 * Non-finite values become null, which plotly draws as a gap.
 */
export function plotNumbers(values: ArrayLike<number>): (number | null)[] {
  return Array.from(values, (v) => (Number.isFinite(v) ? Number(v.toPrecision(6)) : null));
}

/**
 * A number for a table cell: integers exactly, other values with `digits`
 * significant digits, exponent notation for very small or large magnitudes.
 */
export function formatNumber(x: number, digits = 4): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "∞" : "−∞";
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return String(x);
  const magnitude = Math.abs(x);
  if (magnitude < 1e-3 || magnitude >= 1e6) return x.toExponential(digits - 1);
  return stripTrailingZeros(x.toPrecision(digits));
}

function stripTrailingZeros(s: string): string {
  return s.includes(".") ? s.replace(/\.?0+$/, "") : s;
}
