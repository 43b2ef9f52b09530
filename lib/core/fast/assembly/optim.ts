// The optimizer applied to 8 parameters at a time, in lib/optim.ts's order of
// float32 operations (so the fast path rounds like the tfjs path):
//   SGD:          Δ = g·lr
//   SGD+momentum: v ← v·μ + g;  Δ = v·lr
//   Adam:         m ← m·β₁ + g·(1−β₁);  s ← s·β₂ + g²·(1−β₂);  Δ = (m/c₁) / (√(s/c₂) + ε) · lr
//   then θ ← θ − Δ.
// S1 holds v (or m), S2 holds s; c₁ = 1 − β₁ᵗ and c₂ = 1 − β₂ᵗ come with each step.
// Weight decay λ (SGD and momentum only, as lib/core/optim.ts): g ← g + θ·λ first,
// on every parameter (weights and biases), with θ before the update.

export const SGD = 0;
export const MOMENTUM = 1;
export const ADAM = 2;

let kind: i32 = SGD;
let mu: v128 = f32x4.splat(0);
let beta2: v128 = f32x4.splat(0);
let oneMinusB1: v128 = f32x4.splat(0);
let oneMinusB2: v128 = f32x4.splat(0);
let eps: v128 = f32x4.splat(0);
let c1: v128 = f32x4.splat(1);
let c2: v128 = f32x4.splat(1);

/** Set before each step. `muOrBeta1` is the momentum for SGD, β₁ for Adam. */
export function setOptimizer(k: i32, muOrBeta1: f32, b2: f32, omb1: f32, omb2: f32, e: f32, bias1: f32, bias2: f32): void {
  kind = k;
  mu = f32x4.splat(muOrBeta1);
  beta2 = f32x4.splat(b2);
  oneMinusB1 = f32x4.splat(omb1);
  oneMinusB2 = f32x4.splat(omb2);
  eps = f32x4.splat(e);
  c1 = f32x4.splat(bias1);
  c2 = f32x4.splat(bias2);
}

let decaying: bool = false;
let decay: v128 = f32x4.splat(0);

/** λ of the SGD weight decay (0: none); set once per trainer. */
export function setWeightDecay(lambda: f32): void {
  decaying = lambda != 0;
  decay = f32x4.splat(lambda);
}

/** Update θ[0..8) at p from the gradient (g0, g1); returns Σ Δ² when `measure`. */
// @ts-ignore: decorator
@inline export function updateRow(p: usize, s1: usize, s2: usize, g0: v128, g1: v128, lr: f32, measure: bool): f64 {
  const l = f32x4.splat(lr);
  if (decaying) {
    g0 = f32x4.add(g0, f32x4.mul(v128.load(p), decay));
    g1 = f32x4.add(g1, f32x4.mul(v128.load(p, 16), decay));
  }
  const d0 = delta(s1, s2, g0, l);
  const d1 = delta(s1 + 16, s2 + 16, g1, l);
  v128.store(p, f32x4.sub(v128.load(p), d0));
  v128.store(p, f32x4.sub(v128.load(p, 16), d1), 16);
  if (!measure) return 0;
  const q = f32x4.add(f32x4.mul(d0, d0), f32x4.mul(d1, d1));
  return <f64>f32x4.extract_lane(q, 0) + <f64>f32x4.extract_lane(q, 1) + <f64>f32x4.extract_lane(q, 2) + <f64>f32x4.extract_lane(q, 3);
}

// @ts-ignore: decorator
@inline function delta(s1: usize, s2: usize, g: v128, lr: v128): v128 {
  if (kind == SGD) return f32x4.mul(g, lr);
  if (kind == MOMENTUM) {
    const v = f32x4.add(f32x4.mul(v128.load(s1), mu), g);
    v128.store(s1, v);
    return f32x4.mul(v, lr);
  }
  const m = f32x4.add(f32x4.mul(v128.load(s1), mu), f32x4.mul(g, oneMinusB1));
  const s = f32x4.add(f32x4.mul(v128.load(s2), beta2), f32x4.mul(f32x4.mul(g, g), oneMinusB2));
  v128.store(s1, m);
  v128.store(s2, s);
  const mHat = f32x4.div(m, c1);
  const sHat = f32x4.div(s, c2);
  return f32x4.mul(f32x4.div(mHat, f32x4.add(f32x4.sqrt(sHat), eps)), lr);
}
