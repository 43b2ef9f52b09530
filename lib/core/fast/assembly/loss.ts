// Mean softmax cross-entropy of the logits against integer labels, and its
// gradient (softmax − one-hot) / n, in float64 for the n × C scalars (cheap:
// C is the number of classes).

/** log Σ_c exp(z_c) of one row of C float32 logits, in float64, shifted by the row's largest for stability. */
@inline export function logSumExp(z: usize, C: i32): f64 {
  let top = -Infinity;
  for (let c = 0; c < C; c++) top = Math.max(top, <f64>load<f32>(z + (<usize>c << 2)));
  let sum: f64 = 0;
  for (let c = 0; c < C; c++) sum += Math.exp(<f64>load<f32>(z + (<usize>c << 2)) - top);
  return top + Math.log(sum);
}

/**
 * Loss over rows 0..n of the logits (rows, mP wide). Writes dZ in strips
 * and in panels (dense.ts) for rows 0..nP, with rows n..nP and columns C..mP
 * at 0 so padding never feeds back. Returns NaN or ±inf as it comes.
 */
export function softmaxCrossEntropy(logits: usize, n: i32, nP: i32, C: i32, mP: i32, labels: usize, dZ: usize, dZP: usize): f64 {
  const row = <usize>mP << 2, strip = <usize>nP << 5, panel = <usize>mP << 4;
  memory.fill(dZ, 0, <usize>(mP >> 3) * strip);
  memory.fill(dZP, 0, <usize>(mP >> 3) * strip);
  const invN = 1.0 / <f64>n;
  let total: f64 = 0;
  for (let i = 0; i < n; i++) {
    const z = logits + <usize>i * row;
    const lse = logSumExp(z, C);
    const label = load<i32>(labels + (<usize>i << 2));
    total += lse - <f64>load<f32>(z + (<usize>label << 2));
    const d = dZ + (<usize>i << 5);
    for (let c = 0; c < C; c++) {
      const p = Math.exp(<f64>load<f32>(z + (<usize>c << 2)) - lse);
      const g = <f32>((p - (c == label ? 1.0 : 0.0)) * invN);
      store<f32>(d + <usize>(c >> 3) * strip + (<usize>(c & 7) << 2), g);
      store<f32>(dZP + <usize>(i >> 2) * panel + (<usize>c << 4) + (<usize>(i & 3) << 2), g);
    }
  }
  return total * invN;
}

// ---------------------------------------------------------------- the other training losses
// lib/core/loss.ts's LossConfig beyond plain cross-entropy (codes of
// lib/core/fast/config.ts's LOSS_CODES), set once per trainer by setLoss:
//
//   smoothed cross-entropy  ℓ_i = −Σ_k t_k log s_k,  t = (1 − α)·y + α/C
//                           ∂ℓ_i/∂o_j = s_j − t_j                  (Σ_k t_k = 1)
//   quadratic cost          ℓ_i = Σ_k (s_k − y_k)²
//                           ∂ℓ_i/∂o_j = 2 s_j [(s_j − y_j) − Σ_k (s_k − y_k) s_k]
//
// with s = softmax(o); the loss is the mean over rows, the gradient / n.

export const CROSS_ENTROPY = 0;
export const MSE = 1;

let lossKind: i32 = CROSS_ENTROPY;
let smoothing: f64 = 0;

/** What step() minimises: CROSS_ENTROPY with label smoothing α (0: plain), or MSE. */
export function setLoss(kind: i32, alpha: f64): void {
  lossKind = kind;
  smoothing = alpha;
}

/** The training loss set by setLoss and its output error, as softmaxCrossEntropy (same layouts, same padding). */
export function trainingLoss(logits: usize, n: i32, nP: i32, C: i32, mP: i32, labels: usize, dZ: usize, dZP: usize): f64 {
  if (lossKind == CROSS_ENTROPY && smoothing == 0) return softmaxCrossEntropy(logits, n, nP, C, mP, labels, dZ, dZP);
  return otherLoss(logits, n, nP, C, mP, labels, dZ, dZP);
}

function otherLoss(logits: usize, n: i32, nP: i32, C: i32, mP: i32, labels: usize, dZ: usize, dZP: usize): f64 {
  const row = <usize>mP << 2, strip = <usize>nP << 5, panel = <usize>mP << 4;
  memory.fill(dZ, 0, <usize>(mP >> 3) * strip);
  memory.fill(dZP, 0, <usize>(mP >> 3) * strip);
  const invN = 1.0 / <f64>n, off = smoothing / <f64>C, on = 1.0 - smoothing + off;
  let total: f64 = 0;
  for (let i = 0; i < n; i++) {
    const z = logits + <usize>i * row;
    const lse = logSumExp(z, C);
    const label = load<i32>(labels + (<usize>i << 2));
    // Σ_k (s_k − y_k) s_k, for the quadratic cost's Jacobian term.
    let dot: f64 = 0;
    if (lossKind == MSE) {
      for (let c = 0; c < C; c++) {
        const s = Math.exp(<f64>load<f32>(z + (<usize>c << 2)) - lse);
        const e = s - (c == label ? 1.0 : 0.0);
        total += e * e;
        dot += e * s;
      }
    }
    const d = dZ + (<usize>i << 5);
    for (let c = 0; c < C; c++) {
      const o = <f64>load<f32>(z + (<usize>c << 2));
      const s = Math.exp(o - lse);
      let grad: f64;
      if (lossKind == MSE) {
        grad = 2.0 * s * (s - (c == label ? 1.0 : 0.0) - dot);
      } else {
        const t = c == label ? on : off;
        total -= t * (o - lse);
        grad = s - t;
      }
      const g = <f32>(grad * invN);
      store<f32>(d + <usize>(c >> 3) * strip + (<usize>(c & 7) << 2), g);
      store<f32>(dZP + <usize>(i >> 2) * panel + (<usize>c << 4) + (<usize>(i & 3) << 2), g);
    }
  }
  return total * invN;
}
