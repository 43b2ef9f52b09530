// Mean softmax cross-entropy of the logits against integer labels, and its
// gradient (softmax − one-hot) / n, in float64 for the n × C scalars (cheap:
// C is the number of classes).

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
    let top = -Infinity;
    for (let c = 0; c < C; c++) top = Math.max(top, <f64>load<f32>(z + (<usize>c << 2)));
    let sum: f64 = 0;
    for (let c = 0; c < C; c++) sum += Math.exp(<f64>load<f32>(z + (<usize>c << 2)) - top);
    const lse = top + Math.log(sum);
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
