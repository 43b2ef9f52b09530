/**
 * Backend setup: tfjs on the wasm backend, with a fix for its slow
 * transposed matMul, and a visible fallback to the pure-JS cpu backend.
 *
 * Why the fix: tfjs-backend-wasm runs a matMul on XNNPACK only when neither
 * operand is transposed and both have batch size 1. Every other call goes to
 * a scalar C++ loop — and backprop is made of transposed products
 * (dW = xᵀ·δ, δ_in = δ·Wᵀ). Measured here at 512×512: plain 24 ms,
 * transposeA 310 ms, transposeB 124 ms (13–16 ms with the fix).
 *
 * The fix wraps the wasm kernels `BatchMatMul` and `_FusedMatMul`: each
 * transposed operand is first copied into transposed layout (O(n²), see
 * transposeLastTwo), then the original kernel runs with the flag cleared and
 * takes the XNNPACK path. Gradients are registered per kernel name, not per
 * backend, so they are untouched (and call the fixed kernels in turn).
 * The wrapper also routes around bias/activation bugs of the wasm
 * _FusedMatMul (see needsSeparateEpilogue); test/backend.test.ts checks every
 * case against a float64 reference.
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";

export type BackendName = "wasm" | "cpu";

export interface BackendOptions {
  /** Which backend to use (default "wasm"; "cpu" only to compare or debug). */
  backend?: BackendName;
  /** Register the transposed-matMul fix on wasm (default true). */
  fixTransposedMatMul?: boolean;
  /** Print nothing (the fallback is still reported in the result). */
  quiet?: boolean;
}

export interface BackendInfo {
  /** The backend tfjs is running on now ("wasm" or "cpu" unless someone switched it). */
  name: string;
  /** Whether the transposed-matMul fix is registered on wasm. */
  matMulFix: boolean;
  /** True when wasm was asked for but could not start, so cpu runs instead. */
  fellBack: boolean;
  /** Why wasm could not start (only when fellBack). */
  reason?: string;
}

/** Kernels whose transposed calls the fix reroutes. */
const FIXED_KERNELS = ["BatchMatMul", "_FusedMatMul"] as const;

/** The original wasm kernel configs while the fix is registered. */
const originals = new Map<string, tf.KernelConfig>();

let wasmFailure: string | null = null;
let wasmTried = false;
let queue: Promise<unknown> = Promise.resolve();

/**
 * Set tfjs up: wasm backend (falling back to cpu with one warning), matMul
 * fix on or off. Safe to call any number of times; calls run one at a time.
 */
export function prepareBackend(opts: BackendOptions = {}): Promise<BackendInfo> {
  const run = queue.then(() => prepare(opts));
  queue = run.catch(() => undefined);
  return run;
}

async function prepare(opts: BackendOptions): Promise<BackendInfo> {
  const wanted = opts.backend ?? "wasm";
  const fix = opts.fixTransposedMatMul ?? true;
  silenceCpuBanner();
  if (wanted === "wasm" && wasmFailure === null) {
    if (tf.getBackend() !== "wasm" || !wasmTried) {
      const failure = await startWasm();
      wasmTried = true;
      if (failure !== null) {
        wasmFailure = failure;
        if (!opts.quiet) console.warn(fallbackWarning(failure));
      }
    }
  }
  const name: BackendName = wanted === "wasm" && wasmFailure === null ? "wasm" : "cpu";
  if (tf.getBackend() !== name) {
    if (!(await tf.setBackend(name))) throw new Error(`tfjs could not start its '${name}' backend.`);
  }
  if (fix) fixTransposedMatMul();
  else unfixTransposedMatMul();
  return backendInfo();
}

/** Which backend runs now and whether the fix is on (for notebooks to print). */
export function backendInfo(): BackendInfo {
  const info: BackendInfo = { name: tf.getBackend(), matMulFix: isMatMulFixed(), fellBack: wasmFailure !== null };
  if (wasmFailure !== null) info.reason = wasmFailure;
  return info;
}

/** One line for a notebook: e.g. "tfjs backend: wasm (transposed-matMul fix on)". */
export function describeBackend(info: BackendInfo = backendInfo()): string {
  const fix = info.name === "wasm" ? ` (transposed-matMul fix ${info.matMulFix ? "on" : "off"})` : "";
  const fell = info.fellBack ? ` — wasm failed to start: ${info.reason}` : "";
  return `tfjs backend: ${info.name}${fix}${fell}`;
}

export function isMatMulFixed(): boolean {
  return originals.size > 0;
}

/** Register the fix on the wasm kernels (no-op if already registered). */
export function fixTransposedMatMul(): void {
  if (isMatMulFixed()) return;
  const wasmKernel = (name: string): tf.KernelFunc => {
    const config = tf.getKernel(name, "wasm");
    if (config == null) throw new Error(`tfjs-backend-wasm has no ${name} kernel; cannot fix matMul.`);
    return config.kernelFunc;
  };
  const transpose = wasmKernel("Transpose");
  const helpers = { transpose, add: wasmKernel("Add"), activation: (name: string) => wasmKernel(name) };
  for (const kernelName of FIXED_KERNELS) {
    const original = tf.getKernel(kernelName, "wasm");
    if (original == null) throw new Error(`tfjs-backend-wasm has no ${kernelName} kernel.`);
    originals.set(kernelName, original);
    tf.unregisterKernel(kernelName, "wasm");
    tf.registerKernel({ ...original, kernelFunc: fixedMatMul(original.kernelFunc, helpers) });
  }
}

/** Put the original wasm kernels back (for benchmarks and tests). */
export function unfixTransposedMatMul(): void {
  for (const [kernelName, original] of originals) {
    tf.unregisterKernel(kernelName, "wasm");
    tf.registerKernel(original);
  }
  originals.clear();
}

interface Helpers {
  transpose: tf.KernelFunc;
  add: tf.KernelFunc;
  activation: (kernelName: string) => tf.KernelFunc;
}

/**
 * Wrap a wasm matMul kernel:
 *  - each transposed operand is materialised in transposed layout and the
 *    kernel runs with the flag cleared, so it can take the XNNPACK path.
 *    Transposing the last two axes changes neither the batch dims nor the
 *    output, so batch dims and their broadcasting pass through.
 *  - where the wasm kernel would get the bias or activation wrong, they are
 *    applied by separate kernels (see needsSeparateEpilogue).
 * Other inputs and attrs (prelu weights, leakyrelu alpha) pass through.
 */
function fixedMatMul(matMul: tf.KernelFunc, k: Helpers): tf.KernelFunc {
  return (args) => {
    const attrs = args.attrs ?? {};
    const { a, b, bias } = args.inputs;
    if (a == null || b == null) return matMul(args);
    const flipA = attrs.transposeA === true;
    const flipB = attrs.transposeB === true;
    const separate = needsSeparateEpilogue(a, b, bias, attrs, flipB);
    if (!flipA && !flipB && !separate) return matMul(args);

    const backend = args.backend as BackendWasm;
    const temps: tf.TensorInfo[] = [];
    const keep = (r: tf.TensorInfo | tf.TensorInfo[]): tf.TensorInfo => {
      const t = Array.isArray(r) ? r[0] : r;
      temps.push(t);
      return t;
    };
    const swap = (x: tf.TensorInfo): tf.TensorInfo => keep(transposeLastTwo(x, backend, k.transpose));
    try {
      const inputs = { ...args.inputs, a: flipA ? swap(a) : a, b: flipB ? swap(b) : b };
      const plain = { ...attrs, transposeA: false, transposeB: false };
      if (!separate) return matMul({ inputs, backend, attrs: plain });
      const product = keep(
        matMul({ inputs: { a: inputs.a, b: inputs.b }, backend, attrs: { ...plain, activation: "linear" } }),
      );
      const sum = bias == null ? product : keep(k.add({ inputs: { a: product, b: bias }, backend }));
      const out = activate(sum, attrs, args.inputs.preluActivationWeights, backend, k);
      if (out === sum) temps.pop(); // the result, not a temporary
      return out;
    } finally {
      for (const t of temps) backend.disposeData(t.dataId);
    }
  };
}

/**
 * Whether the bias and activation must be applied by separate kernels,
 * because the wasm kernel gets them wrong (found by the float64 tests):
 *  - its scalar loop (taken by batched calls) indexes the bias by the flat
 *    output index, clamped (right for row 0 only), and clamps relu/relu6
 *    after every 48-long block of the inner sum instead of once at the end;
 *  - its XNNPACK path reads N bias values even from a shorter bias.
 */
function needsSeparateEpilogue(
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  bias: tf.TensorInfo | undefined,
  attrs: tf.NamedAttrMap,
  flipB: boolean,
): boolean {
  const activation = attrs.activation ?? "linear";
  if (flatBatch(a.shape) > 1 || flatBatch(b.shape) > 1) return bias != null || activation !== "linear";
  const n = flipB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1];
  return bias != null && tf.util.sizeFromShape(bias.shape) !== n;
}

function flatBatch(shape: number[]): number {
  return tf.util.sizeFromShape(shape.slice(0, -2));
}

/** Apply a fused activation with the wasm element-wise kernels. */
function activate(
  x: tf.TensorInfo,
  attrs: tf.NamedAttrMap,
  preluWeights: tf.TensorInfo | undefined,
  backend: BackendWasm,
  k: Helpers,
): tf.TensorInfo {
  const activation = typeof attrs.activation === "string" ? attrs.activation : "linear";
  const one = (r: tf.TensorInfo | tf.TensorInfo[]): tf.TensorInfo => (Array.isArray(r) ? r[0] : r);
  switch (activation) {
    case "linear":
      return x;
    case "relu":
    case "relu6":
    case "sigmoid":
    case "elu":
      return one(k.activation(KERNEL_OF[activation])({ inputs: { x }, backend }));
    case "leakyrelu":
      return one(
        k.activation("LeakyRelu")({ inputs: { x }, backend, attrs: { alpha: numberOr(attrs.leakyreluAlpha, 0.2) } }),
      );
    case "prelu":
      if (preluWeights == null) throw new Error("_FusedMatMul: prelu activation without prelu weights.");
      return one(k.activation("Prelu")({ inputs: { x, alpha: preluWeights }, backend }));
    default:
      throw new Error(`_FusedMatMul: activation '${activation}' is not supported by the wasm backend.`);
  }
}

const KERNEL_OF = { relu: "Relu", relu6: "Relu6", sigmoid: "Sigmoid", elu: "Elu" } as const;

function numberOr(x: tf.NamedAttrMap[string] | undefined, fallback: number): number {
  return typeof x === "number" ? x : fallback;
}

/**
 * Swap the last two axes of `x` into a new tensor. Float32 data is copied by
 * a cache-blocked JS loop straight on the wasm heap: 2–4× faster than
 * tfjs-backend-wasm's generic Transpose kernel at the sizes of backprop
 * (measured here: 128×784 0.13 vs 0.48 ms, 256×256 0.09 vs 0.41 ms).
 * Anything else goes to that kernel.
 */
function transposeLastTwo(x: tf.TensorInfo, backend: BackendWasm, transpose: tf.KernelFunc): tf.TensorInfo {
  const r = x.shape.length;
  const rows = x.shape[r - 2];
  const cols = x.shape[r - 1];
  const size = tf.util.sizeFromShape(x.shape);
  if (x.dtype !== "float32" || size === 0) {
    const out = transpose({ inputs: { x }, backend, attrs: { perm: lastTwoSwapped(r) } });
    return Array.isArray(out) ? out[0] : out;
  }
  const out = backend.makeOutput([...x.shape.slice(0, -2), cols, rows], "float32");
  // Views taken after makeOutput: an allocation may grow (and so detach) the heap.
  const src = backend.typedArrayFromHeap(x) as Float32Array;
  const dst = backend.typedArrayFromHeap(out) as Float32Array;
  for (let off = 0; off < size; off += rows * cols) blockTranspose(src, dst, off, rows, cols);
  return out;
}

const TILE = 32;

function blockTranspose(src: Float32Array, dst: Float32Array, off: number, rows: number, cols: number): void {
  for (let i0 = 0; i0 < rows; i0 += TILE) {
    const i1 = Math.min(i0 + TILE, rows);
    for (let j0 = 0; j0 < cols; j0 += TILE) {
      const j1 = Math.min(j0 + TILE, cols);
      for (let i = i0; i < i1; i++) {
        const from = off + i * cols;
        for (let j = j0; j < j1; j++) dst[off + j * rows + i] = src[from + j];
      }
    }
  }
}

function lastTwoSwapped(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}

/**
 * Start the wasm backend, collecting the console noise a failed start makes
 * (Emscripten's "Aborted(...)" lines and tfjs's own warnings) so the user
 * sees one warning from us instead. Returns null on success, else the reason.
 */
async function startWasm(): Promise<string | null> {
  const heard: string[] = [];
  const realWarn = console.warn;
  const realError = console.error;
  // Emscripten binds console.warn when the module is created; after we restore
  // the console, this forwarder passes its messages on to whatever is current.
  let capturing = true;
  const collect =
    (fallback: () => (...xs: unknown[]) => void) =>
    (...xs: unknown[]): void => {
      if (capturing) heard.push(xs.map(String).join(" "));
      else fallback()(...xs);
    };
  console.warn = collect(() => console.warn);
  console.error = collect(() => console.error);
  try {
    const ok = await tf.setBackend("wasm");
    return ok ? null : summarize(heard);
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  } finally {
    capturing = false;
    console.warn = realWarn;
    console.error = realError;
  }
}

function summarize(heard: string[]): string {
  const aborted = heard.find((h) => h.startsWith("Aborted("));
  if (aborted !== undefined) return aborted.replace(/^Aborted\((.*)\)$/s, "$1");
  return heard[0] ?? "tf.setBackend('wasm') returned false";
}

function fallbackWarning(reason: string): string {
  return (
    `sigmoid-lab: the tfjs wasm backend could not start (${reason}). ` +
    `Falling back to the pure-JavaScript 'cpu' backend: results are the same, ` +
    `but training is about 20–30x slower (measured: ~200 vs ~5,000 samples/s on the ` +
    `reference MLP), so long notebook runs will take much longer.`
  );
}

/**
 * tfjs's cpu backend prints a "Hi, looks like you are running TensorFlow.js
 * in Node.js ... install tfjs-node" banner on its first tensor. tfjs-node
 * cannot be installed here, so the banner is noise: mark the cpu backend as
 * already used. (Setting IS_NODE=false instead would change how tfjs loads
 * files in Node.)
 */
function silenceCpuBanner(): void {
  const cpu = tf.findBackend("cpu") as unknown as { firstUse?: boolean } | null;
  if (cpu != null && typeof cpu.firstUse === "boolean") cpu.firstUse = false;
}
