/**
 * Which path trains a run: the fast WebAssembly kernel or tfjs.
 *
 * The fast kernel computes exactly one model, h_l = f(h_{l−1} W_l + b_l) with a
 * linear output layer, optionally with batch norm and residual blocks as
 * lib/core/model.ts defines them, softmax cross-entropy (with or without
 * label smoothing) or the quadratic cost on the softmax, SGD / momentum
 * (with or without weight decay) / Adam with per-layer rates. A
 * configuration is routed to it only when every field it sets is one of
 * those this file knows; any other field (a loss, a penalty, a block type
 * added later) sends the run to tfjs, which implements it. So a new option
 * can never be silently ignored by the fast path.
 *
 * SIGMOID_LAB_FAST: unset, "1" or "relaxed" → the fast path where supported,
 * on the relaxed-SIMD build (fused multiply-adds; faster: wasm.ts) wherever
 * the engine runs it (Node 22 by default; Node 20 once enableRelaxedSimd()
 * has set V8's flag, which this does), else the plain-SIMD build; "simd" →
 * the plain-SIMD build always (the default until revision cca7c3b); "0" → tfjs
 * always. The two builds round the products differently, so each is
 * bit-reproducible on its own and the cache keys tell them apart.
 */
import { ConfigError } from "../errors";
import { fastPathSupports } from "./config";
import { KernelVariant, enableRelaxedSimd, variantAvailable } from "./wasm";

export const FAST_ENV = "SIGMOID_LAB_FAST";

export type TrainingPath =
  | { readonly kind: "fast"; readonly variant: KernelVariant }
  | { readonly kind: "tfjs"; readonly reason: string };

/** What a training run is: the model's config and the loop's config (as lib/core/model.ts and train.ts type them). */
export interface RouteQuery {
  readonly model: object;
  readonly train: object;
}

/** The fields the fast kernel implements (or that do not change the step), per config part. */
const KNOWN_MODEL = new Set(["inputDim", "widths", "outputDim", "activation", "init", "batchNorm", "residual", "seed"]);
const KNOWN_TRAIN = new Set([
  "epochs",
  "batchSize",
  "optimizer",
  "layerLearningRates",
  "seed",
  "probeEverySteps",
  "evalTrainSize",
  "maxSteps",
  "loss",
]);
const KNOWN_OPTIMIZER = new Set(["kind", "learningRate", "momentum", "beta1", "beta2", "epsilon", "weightDecay"]);

/**
 * The one known field whose values the kernel may not all implement: the
 * loss. It trains every LossConfig of lib/core/loss.ts (cross-entropy with or
 * without label smoothing, the quadratic cost); a loss kind or loss field it
 * does not know goes to tfjs. (SGD's weight decay is in the kernel too.)
 */
function nonDefault(
  train: { loss?: object; optimizer: { weightDecay?: unknown } },
  model: { batchNorm?: boolean; residual?: boolean },
): string | null {
  // Decay of γ, β, R, c is not checked against tfjs yet: those models decay on tfjs.
  if (train.optimizer.weightDecay && (model.batchNorm || model.residual))
    return "train.optimizer.weightDecay with batch norm or residual blocks is not in the fast kernel yet (tfjs trains it)";
  const loss = train.loss as { kind?: unknown } | undefined;
  if (loss === undefined) return null;
  const known = loss.kind === "mse" ? ["kind"] : loss.kind === "crossEntropy" ? ["kind", "labelSmoothing"] : null;
  if (!known || Object.entries(loss).some(([k, v]) => v !== undefined && !known.includes(k)))
    return `train.loss ${JSON.stringify(loss)} is not in the fast kernel (it trains cross-entropy, label smoothing and mse; tfjs trains the others)`;
  return null;
}

function unknownField(part: string, o: object, known: Set<string>): string | null {
  for (const [k, v] of Object.entries(o)) if (v !== undefined && !known.has(k)) return `${part}.${k}`;
  return null;
}

/**
 * The env switch, read at each call (tests and notebooks may set it). Without a Node process (the book's
 * in-browser playground page, bundled by esbuild) there is no kernel file to load: tfjs trains.
 */
export function fastSetting(): "on" | "off" | "simd" {
  if (typeof process === "undefined" || !process.env) return "off";
  const v = process.env[FAST_ENV];
  if (v === undefined || v === "" || v === "1" || v === "relaxed") return "on";
  if (v === "0") return "off";
  if (v === "simd") return "simd";
  throw new ConfigError(
    FAST_ENV,
    v,
    '"1" (the fast path where supported, relaxed SIMD where the engine runs it: the default), "simd" (its plain-SIMD build) or "0" (tfjs always)',
  );
}

/** The path that trains this run, and, for tfjs, why in one line. */
export function trainingPath(q: RouteQuery): TrainingPath {
  if (typeof process === "undefined" || !process.env)
    return { kind: "tfjs", reason: "no Node process (a browser page): the fast kernel loads in Node only" };
  const setting = fastSetting();
  if (setting === "off") return { kind: "tfjs", reason: `${FAST_ENV}=0` };
  const model = q.model as { activation: string; widths: readonly number[]; batchNorm?: boolean; residual?: boolean };
  const train = q.train as {
    optimizer: { weightDecay?: unknown };
    batchSize: number;
    layerLearningRates?: readonly number[];
    loss?: { kind?: unknown };
  };
  const extra =
    unknownField("model", model, KNOWN_MODEL) ??
    unknownField("train", train, KNOWN_TRAIN) ??
    unknownField("train.optimizer", train.optimizer, KNOWN_OPTIMIZER) ??
    nonDefault(train, model);
  if (extra)
    return {
      kind: "tfjs",
      reason: extra.includes(" ") ? extra : `${extra} is not in the fast kernel (tfjs trains it)`,
    };
  const verdict = fastPathSupports({ model, train: train as Parameters<typeof fastPathSupports>[0]["train"] });
  if (!verdict.ok) return { kind: "tfjs", reason: verdict.reason };
  const variant: KernelVariant = setting === "on" && enableRelaxedSimd() ? "relaxed" : "simd";
  if (!variantAvailable(variant)) return { kind: "tfjs", reason: "the fast kernel's SIMD build does not load here" };
  return { kind: "fast", variant };
}

/** A short name of the path, e.g. for a cache key: "wasm-simd", "wasm-relaxed" or "tfjs". */
export function pathName(p: TrainingPath): string {
  return p.kind === "fast" ? `wasm-${p.variant}` : "tfjs";
}

const noted = new Set<string>();

/** One line, once per reason and process, when a run the fast path could not take goes to tfjs. */
export function noteFallback(p: TrainingPath): void {
  if (p.kind !== "tfjs" || p.reason === `${FAST_ENV}=0` || noted.has(p.reason)) return;
  noted.add(p.reason);
  console.info(`sigmoid-lab: trained by tfjs, not the fast kernel: ${p.reason}.`);
}
