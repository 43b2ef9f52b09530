/** The fast training path: an MLP step in one WebAssembly SIMD call (see trainer.ts). */
export { FastTrainer, FastForward, FastForwardOptions } from "./trainer";
export { FastTrainerConfig, FastPathQuery, FastPathVerdict, fastPathSupports, ACTIVATION_CODES } from "./config";
export { KernelVariant, bestVariant, enableRelaxedSimd, variantAvailable, wasmFile } from "./wasm";
export { FastPasses, KernelPass, KernelPassOptions } from "./probe";
