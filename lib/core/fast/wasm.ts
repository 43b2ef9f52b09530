/**
 * Finding and loading the fast training kernel (lib/core/fast/assembly,
 * compiled by `npm run build:wasm` into out/wasm/).
 *
 * Two builds: "relaxed" uses relaxed-SIMD fused multiply-adds (the kernel
 * alone ×1.26 at batch 32, ×1.51 at batch 128 in `npm run bench -- --fast`,
 * 2026-12-02), "simd" plain f32x4 mul + add. Node 20's V8 runs relaxed SIMD
 * only with --experimental-wasm-relaxed-simd (enableRelaxedSimd() sets it),
 * so "auto" validates the relaxed build and falls back to the plain one. The
 * two builds round differently in the matrix products, so a run is
 * bit-reproducible on the same build only.
 */
import * as fs from "fs";
import * as path from "path";
import * as v8 from "v8";
import { projectRoot } from "../paths";

export type KernelVariant = "simd" | "relaxed";

/** What the AssemblyScript module exports (lib/core/fast/assembly/index.ts). */
export interface KernelExports {
  readonly memory: WebAssembly.Memory;
  descriptorLayout(): number;
  heapBase(): number;
  /** Words of a hidden layer's batch-norm / residual record (layout.ts EXT_FIELDS). */
  extensionWords(): number;
  setOptimizer(
    kind: number,
    muOrBeta1: number,
    beta2: number,
    oneMinusB1: number,
    oneMinusB2: number,
    eps: number,
    c1: number,
    c2: number,
  ): void;
  step(desc: number, n: number, measure: number): number;
  /** The training loss (LOSS_CODES of config.ts) and its label smoothing α. */
  setLoss(kind: number, alpha: number): void;
  /** SGD's weight decay λ (0: none). */
  setWeightDecay(lambda: number): void;
  /** 1 (default): the first layer's products skip the input's zeros (the same floats); 0: dense. */
  setSkipZeros(on: number): void;
  forward(desc: number, n: number, x: number, xP: number, outs: number, outPs: number, zs: number): void;
  mapActivation(code: number, src: number, dst: number, count: number, derivative: number): void;
  mapExp(src: number, dst: number, count: number): void;
  /** The probes' pass (assembly/probe.ts). */
  probeLayout(): number;
  probePass(table: number, n: number, backward: number, grads: number): void;
}

/** The descriptor layout this TypeScript writes (kept equal to the module's by a check at load). */
export const DESCRIPTOR = { header: 12, layer: 16 } as const;

export function wasmDir(): string {
  return path.join(projectRoot(), "out", "wasm");
}

export function wasmFile(variant: KernelVariant): string {
  return path.join(wasmDir(), `fast-${variant}.wasm`);
}

const modules = new Map<KernelVariant, WebAssembly.Module>();

function readBuild(variant: KernelVariant): ArrayBuffer {
  const file = wasmFile(variant);
  if (!fs.existsSync(file)) {
    throw new Error(
      `The fast training kernel is not built: ${file} is missing. Run \`npm run build\` (or \`npm run build:wasm\`) in ${projectRoot()}.`,
    );
  }
  const b = fs.readFileSync(file);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

/** Can this JavaScript engine run the given build? (Reads the file; false when it is missing.) */
export function variantAvailable(variant: KernelVariant): boolean {
  if (modules.has(variant)) return true;
  if (typeof WebAssembly !== "object" || !fs.existsSync(wasmFile(variant))) return false;
  return WebAssembly.validate(readBuild(variant));
}

/**
 * Turn on relaxed SIMD in this Node process when its V8 has it behind a flag
 * (Node 20: --experimental-wasm-relaxed-simd; on by default from Node 22).
 * Affects WebAssembly compiled afterwards, in the whole process: it lets the
 * engine validate the relaxed-SIMD opcodes (a finished WebAssembly proposal,
 * on by default in Node 22 and Chromium) and changes nothing else, so
 * train()'s route (route.ts) calls it to take the faster build by default.
 * Returns whether the relaxed build can now be loaded.
 */
export function enableRelaxedSimd(): boolean {
  if (variantAvailable("relaxed")) return true;
  v8.setFlagsFromString("--experimental-wasm-relaxed-simd");
  return variantAvailable("relaxed");
}

/** "relaxed" where the engine supports relaxed SIMD, else "simd". */
export function bestVariant(): KernelVariant {
  return variantAvailable("relaxed") ? "relaxed" : "simd";
}

function compiled(variant: KernelVariant): WebAssembly.Module {
  let m = modules.get(variant);
  if (m) return m;
  const bytes = readBuild(variant);
  if (!WebAssembly.validate(bytes)) {
    const why =
      variant === "relaxed"
        ? 'this engine lacks relaxed SIMD (Node 20 needs --experimental-wasm-relaxed-simd); use the "simd" build'
        : "this engine lacks WebAssembly SIMD (Node ≥ 16.4 has it)";
    throw new Error(`Cannot load ${wasmFile(variant)}: ${why}.`);
  }
  m = new WebAssembly.Module(bytes);
  modules.set(variant, m);
  return m;
}

/** A fresh instance (its own memory) of the given build; "auto" picks bestVariant(). */
export function instantiate(variant: KernelVariant | "auto" = "auto"): {
  kernel: KernelExports;
  variant: KernelVariant;
} {
  const v = variant === "auto" ? bestVariant() : variant;
  // (Not named `exports`: in CommonJS output that would shadow the module's own.)
  const kernel = new WebAssembly.Instance(compiled(v), {}).exports as unknown as KernelExports;
  const layout = kernel.descriptorLayout();
  if (layout !== DESCRIPTOR.header * 100 + DESCRIPTOR.layer) {
    throw new Error(
      `${wasmFile(v)} reads descriptor layout ${layout}, this code writes ${DESCRIPTOR.header * 100 + DESCRIPTOR.layer}: run \`npm run build\`.`,
    );
  }
  return { kernel, variant: v };
}
