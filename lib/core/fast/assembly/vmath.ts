// f32x4 math for the kernels: fused multiply-add where the build allows it,
// exp, and the activations with their derivatives written through the output.
//
// Every function here is plain f32x4 arithmetic (no relaxed instructions
// except in `fma`), so the activations are the same in both builds.

/** a·b + c: one fused instruction in the relaxed-SIMD build, mul then add otherwise. */
// @ts-ignore: decorator
@inline export function fma(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

// @ts-ignore: decorator
@inline function k(x: f32): v128 {
  return f32x4.splat(x);
}

// Cephes expf: e^x = 2^n · e^r with n = round(x / ln 2), |r| ≤ ln2 / 2, and a
// degree-6 polynomial for e^r (≤ 2 ulp on the f32 range, checked by the tests).
const LOG2E: f32 = 1.44269504088896341;
const LN2_HI: f32 = 0.693359375; // 9 significant bits: n · LN2_HI is exact
const LN2_LO: f32 = -2.12194440e-4;
// 1.5 · 2^23: adding it rounds to an integer held in the low mantissa bits.
const ROUNDER: f32 = 12582912.0;
const ROUNDER_BITS: i32 = 0x4b400000;
// Past ln(FLT_MAX) = 88.72 the result overflows to +inf by itself; below
// −104 it is 0 in f32 (the smallest denormal is e^−103.3). Clamping keeps n in
// [−150, 128], which the two-step scaling 2^n = 2^(n>>1) · 2^(n−(n>>1)) covers.
const X_HI: f32 = 88.8;
const X_LO: f32 = -104.0;

/** e^x lane-wise; NaN stays NaN, +inf gives +inf, −inf gives 0. */
export function exp4(x: v128): v128 {
  // pmin/pmax keep x when it is NaN (the comparison is false), unlike min/max's extra work.
  x = f32x4.pmax(f32x4.pmin(x, k(X_HI)), k(X_LO));
  const t = f32x4.add(f32x4.mul(x, k(LOG2E)), k(ROUNDER));
  const nf = f32x4.sub(t, k(ROUNDER));
  const ni = i32x4.sub(t, i32x4.splat(ROUNDER_BITS));
  let r = f32x4.sub(x, f32x4.mul(nf, k(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(nf, k(LN2_LO)));
  let p = k(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), k(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), k(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), k(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), k(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), k(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), k(1.0));
  const n1 = i32x4.shr_s(ni, 1);
  const n2 = i32x4.sub(ni, n1);
  const s1 = i32x4.shl(i32x4.add(n1, i32x4.splat(127)), 23);
  const s2 = i32x4.shl(i32x4.add(n2, i32x4.splat(127)), 23);
  return f32x4.mul(f32x4.mul(p, s1), s2);
}

/** 1 / (1 + e^−z): no cancellation anywhere, so ~2 ulp relative for every z. */
// @ts-ignore: decorator
@inline export function sigmoid4(z: v128): v128 {
  return f32x4.div(k(1.0), f32x4.add(k(1.0), exp4(f32x4.neg(z))));
}

const SIGN: i32 = 0x80000000;
// Below |z| = 0.55, tanh z = z + z³·P(z²), a least-squares fit in float64 with
// relative error 1.1e-9; above it, 1 − 2/(e^{2|z|} + 1) loses at most a bit.
const TANH_SMALL: f32 = 0.55;

/** tanh lane-wise, accurate in relative terms near 0 as well. */
export function tanh4(z: v128): v128 {
  const az = f32x4.abs(z);
  const e = exp4(f32x4.add(az, az));
  const big = f32x4.sub(k(1.0), f32x4.div(k(2.0), f32x4.add(e, k(1.0))));
  const signed = v128.or(big, v128.and(z, i32x4.splat(SIGN)));
  const u = f32x4.mul(z, z);
  let p = k(-0.006264367955837626);
  p = f32x4.add(f32x4.mul(p, u), k(0.021064137067063407));
  p = f32x4.add(f32x4.mul(p, u), k(-0.05385029639079231));
  p = f32x4.add(f32x4.mul(p, u), k(0.13332564449867534));
  p = f32x4.add(f32x4.mul(p, u), k(-0.3333331679895773));
  const small = f32x4.add(z, f32x4.mul(f32x4.mul(z, u), p));
  return v128.bitselect(small, signed, f32x4.lt(az, k(TANH_SMALL)));
}

// Activation codes, shared with lib/core/fast/kernel.ts (ACTIVATION_CODES).
export const LINEAR = 0;
export const SIGMOID = 1;
export const TANH = 2;
export const SOFTSIGN = 3;
export const RELU = 4;
export const LEAKY_RELU = 5;
export const SCALED_TANH = 6;
export const SCALED_SIGMOID = 7;
export const PENALIZED_TANH = 8;

// The constants of lib/activations.ts.
const LECUN_A: f32 = 1.7159;
const LECUN_B: f32 = <f32>(2.0 / 3.0);
const LEAKY_SLOPE: f32 = 0.01;
const PENALTY: f32 = 0.25;

/** f(z) for activation `code`. */
export function activate(code: i32, z: v128): v128 {
  switch (code) {
    case SIGMOID: return sigmoid4(z);
    case TANH: return tanh4(z);
    case SOFTSIGN: return f32x4.div(z, f32x4.add(k(1.0), f32x4.abs(z)));
    // z where z > 0 or z is NaN (relu(NaN) is NaN in float64 and must not become 0), else 0.
    case RELU: return v128.and(z, v128.or(f32x4.gt(z, k(0.0)), f32x4.ne(z, z)));
    case LEAKY_RELU: return v128.bitselect(z, f32x4.mul(z, k(LEAKY_SLOPE)), f32x4.gt(z, k(0.0)));
    case SCALED_TANH: return f32x4.mul(tanh4(f32x4.mul(z, k(LECUN_B))), k(LECUN_A));
    case SCALED_SIGMOID: return f32x4.sub(f32x4.mul(sigmoid4(z), k(4.0)), k(2.0));
    case PENALIZED_TANH: {
      const t = tanh4(z);
      return v128.bitselect(t, f32x4.mul(t, k(PENALTY)), f32x4.gt(z, k(0.0)));
    }
    default: return z;
  }
}

/** f'(z) written through the output a = f(z), as lib/activations.ts's dfFromOutput. */
export function derivative(code: i32, a: v128): v128 {
  const one = k(1.0);
  switch (code) {
    case SIGMOID: return f32x4.mul(a, f32x4.sub(one, a));
    case TANH: return f32x4.sub(one, f32x4.mul(a, a));
    case SOFTSIGN: {
      const d = f32x4.sub(one, f32x4.abs(a));
      return f32x4.mul(d, d);
    }
    case RELU: return v128.and(one, f32x4.gt(a, k(0.0)));
    case LEAKY_RELU: return v128.bitselect(one, k(LEAKY_SLOPE), f32x4.gt(a, k(0.0)));
    case SCALED_TANH: {
      const r = f32x4.div(a, k(LECUN_A));
      return f32x4.mul(k(LECUN_A * LECUN_B), f32x4.sub(one, f32x4.mul(r, r)));
    }
    case SCALED_SIGMOID: return f32x4.div(f32x4.mul(f32x4.add(a, k(2.0)), f32x4.sub(k(2.0), a)), k(4.0));
    case PENALIZED_TANH: {
      const pos = f32x4.sub(one, f32x4.mul(a, a));
      const r = f32x4.div(a, k(PENALTY));
      const neg = f32x4.mul(k(PENALTY), f32x4.sub(one, f32x4.mul(r, r)));
      return v128.bitselect(pos, neg, f32x4.gt(a, k(0.0)));
    }
    default: return one;
  }
}
