/**
 * A second, independent implementation of the MLP in float64 with explicit
 * backprop (no tfjs), used as the reference that tfjs autodiff is checked
 * against, and itself checked against central finite differences.
 */
import { activation, ActivationName } from "../../lib/core/activations";

export interface RefNet {
  /** W[l] is nIn × nOut row-major; b[l] length nOut; last layer is linear. */
  W: Float64Array[];
  b: Float64Array[];
  dims: number[];
  act: ActivationName;
  /**
   * Residual blocks (lib/core/model): where block[l] is set, hidden layer l
   * outputs h + f(z) R + c, R = block[l].R (nOut × nOut row-major), c = block[l].c.
   */
  residual: boolean;
  block?: ({ R: Float64Array; c: Float64Array } | null)[];
}

/** h + f(z) R + c for the n rows of a residual block's units out = f(z). */
function blockOutput(
  h: Float64Array,
  out: Float64Array,
  blk: { R: Float64Array; c: Float64Array },
  n: number,
  d: number,
): Float64Array {
  const y = new Float64Array(n * d);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) {
      let s = h[i * d + j] + blk.c[j];
      for (let k = 0; k < d; k++) s += out[i * d + k] * blk.R[k * d + j];
      y[i * d + j] = s;
    }
  return y;
}

function blockOf(net: RefNet, l: number) {
  return net.residual ? (net.block?.[l] ?? null) : null;
}

export function refLoss(net: RefNet, x: Float64Array, labels: number[], n: number): number {
  return refForward(net, x, labels, n).loss;
}

function refForward(net: RefNet, x: Float64Array, labels: number[], n: number) {
  const f = activation(net.act);
  const L = net.W.length;
  const hs: Float64Array[] = [x],
    zs: Float64Array[] = [];
  for (let l = 0; l < L; l++) {
    const nIn = net.dims[l],
      nOut = net.dims[l + 1],
      h = hs[l];
    const z = new Float64Array(n * nOut);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < nOut; j++) {
        let s = net.b[l][j];
        for (let k = 0; k < nIn; k++) s += h[i * nIn + k] * net.W[l][k * nOut + j];
        z[i * nOut + j] = s;
      }
    zs.push(z);
    if (l === L - 1) {
      hs.push(z);
      break;
    }
    const out = z.map((v) => f.f(v));
    const blk = blockOf(net, l);
    hs.push(blk ? blockOutput(h, out, blk, n, nOut) : out);
  }
  const logits = hs[L],
    C = net.dims[L];
  let loss = 0;
  const dLogits = new Float64Array(n * C);
  for (let i = 0; i < n; i++) {
    let m = -Infinity;
    for (let c = 0; c < C; c++) m = Math.max(m, logits[i * C + c]);
    let se = 0;
    for (let c = 0; c < C; c++) se += Math.exp(logits[i * C + c] - m);
    const lse = m + Math.log(se);
    loss += lse - logits[i * C + labels[i]];
    for (let c = 0; c < C; c++)
      dLogits[i * C + c] = (Math.exp(logits[i * C + c] - lse) - (c === labels[i] ? 1 : 0)) / n;
  }
  return { loss: loss / n, hs, zs, dLogits };
}

/** Gradients of the mean loss by explicit backprop: δ_l = f'(z_l) ⊙ (δ_{l+1} W_{l+1}ᵀ). */
export function refGradients(net: RefNet, x: Float64Array, labels: number[], n: number) {
  if (net.residual) throw new Error("refGradients covers plain nets; check residual nets with refFiniteDifference");
  const f = activation(net.act);
  const { hs, zs, dLogits } = refForward(net, x, labels, n);
  const L = net.W.length;
  const dW: Float64Array[] = new Array(L),
    db: Float64Array[] = new Array(L);
  let dz = dLogits;
  for (let l = L - 1; l >= 0; l--) {
    const nIn = net.dims[l],
      nOut = net.dims[l + 1],
      h = hs[l];
    dW[l] = new Float64Array(nIn * nOut);
    db[l] = new Float64Array(nOut);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < nOut; j++) {
        const d = dz[i * nOut + j];
        db[l][j] += d;
        for (let k = 0; k < nIn; k++) dW[l][k * nOut + j] += h[i * nIn + k] * d;
      }
    if (l === 0) break;
    const dh = new Float64Array(n * nIn);
    for (let i = 0; i < n; i++)
      for (let k = 0; k < nIn; k++) {
        let s = 0;
        for (let j = 0; j < nOut; j++) s += dz[i * nOut + j] * net.W[l][k * nOut + j];
        dh[i * nIn + k] = s;
      }
    const zPrev = zs[l - 1];
    const dzPrev = new Float64Array(n * nIn);
    for (let t = 0; t < dzPrev.length; t++) dzPrev[t] = dh[t] * f.df(zPrev[t]);
    dz = dzPrev;
  }
  return { dW, db };
}

/** Central finite differences of the mean loss w.r.t. one weight, in float64. */
export function refFiniteDifference(
  net: RefNet,
  x: Float64Array,
  labels: number[],
  n: number,
  layer: number,
  index: number,
  which: "W" | "b" | "R" | "c",
  h = 1e-6,
): number {
  const arr = which === "W" ? net.W[layer] : which === "b" ? net.b[layer] : blockOf(net, layer)![which];
  const old = arr[index];
  arr[index] = old + h;
  const up = refLoss(net, x, labels, n);
  arr[index] = old - h;
  const down = refLoss(net, x, labels, n);
  arr[index] = old;
  return (up - down) / (2 * h);
}

/** The top hidden layer's activations for one input, float64. */
export function refTopHidden(net: RefNet, x: Float64Array): Float64Array {
  const f = activation(net.act);
  let h = x;
  for (let l = 0; l < net.W.length - 1; l++) {
    const nIn = net.dims[l],
      nOut = net.dims[l + 1];
    const out = new Float64Array(nOut);
    for (let j = 0; j < nOut; j++) {
      let s = net.b[l][j];
      for (let k = 0; k < nIn; k++) s += h[k] * net.W[l][k * nOut + j];
      out[j] = f.f(s);
    }
    const blk = blockOf(net, l);
    h = blk ? blockOutput(h, out, blk, 1, nOut) : out;
  }
  return h;
}
