/**
 * An experiment = data + model + training, described by one plain config.
 * `runExperiment` trains it (probing fixed training and held-out points as it
 * goes) or, when the same config was run before, loads the trained weights
 * and the probe records from the cache.
 */
import * as tf from "@tensorflow/tfjs";
import { Dataset, loadMnist, subset } from "../data/mnist";
import { makeShapeset } from "../data/shapeset";
import { makeSpirals } from "../data/toy";
import { Mlp, MlpConfig } from "../core/model";
import { TrainCallbacks, TrainConfig, TrainResult, train } from "../core/train";
import { ProbeSnapshot, probe } from "../measure/probe";
import { applyLsuv, LsuvResult } from "../core/lsuv";
import { initName } from "../core/init";
import { cached, CacheStatus } from "./cache";
import { permutation, Rng } from "../core/rng";
import { ConfigError } from "../core/errors";

export type DataSpec =
  | { readonly kind: "mnist"; readonly trainLimit?: number; readonly testLimit?: number }
  | { readonly kind: "shapeset"; readonly trainN: number; readonly testN: number; readonly seed: number }
  | { readonly kind: "spirals"; readonly trainN: number; readonly testN: number; readonly noise?: number; readonly seed: number };

export interface ExperimentConfig {
  /** Names the cache entry (the key is the whole config). */
  readonly name: string;
  readonly data: DataSpec;
  readonly model: Omit<MlpConfig, "inputDim" | "outputDim">;
  readonly train: TrainConfig;
  /** Points in each probe set (training and held-out), default 1000. */
  readonly probePoints?: number;
  /** Examples LSUV measures variances on, when the init is "lsuv" (default 512). */
  readonly lsuvBatch?: number;
}

export interface ExperimentData {
  readonly train: Dataset;
  readonly test: Dataset;
  /** Fixed training points and held-out points of the same distribution, probed during training. */
  readonly probeTrain: Dataset;
  readonly probeHeldOut: Dataset;
}

export interface ExperimentRecord {
  readonly result: TrainResult<ProbeSnapshot>;
  readonly lsuv: LsuvResult | null;
  /** Wall time of the training run that made this record (not of a cache load). */
  readonly wallSeconds: number;
}

export interface Experiment extends ExperimentRecord {
  readonly config: ExperimentConfig;
  readonly model: Mlp;
  /** The network as it was before the first step. */
  readonly initialModel: Mlp;
  readonly data: ExperimentData;
  readonly cache: CacheStatus;
}

const dataMemo = new Map<string, ExperimentData>();

/** Load (or generate) the data of a spec, with its fixed probe sets. Memoised per process. */
export function loadData(spec: DataSpec, probePoints = 1000): ExperimentData {
  const key = JSON.stringify([spec, probePoints]);
  const memo = dataMemo.get(key);
  if (memo) return memo;
  let trainSet: Dataset, testSet: Dataset;
  if (spec.kind === "mnist") {
    trainSet = loadMnist("train", spec.trainLimit ? { limit: spec.trainLimit } : {});
    testSet = loadMnist("test", spec.testLimit ? { limit: spec.testLimit } : {});
  } else if (spec.kind === "shapeset") {
    trainSet = makeShapeset({ n: spec.trainN, seed: spec.seed });
    testSet = makeShapeset({ n: spec.testN, seed: spec.seed + 1_000_003 });
  } else if (spec.kind === "spirals") {
    trainSet = makeSpirals({ n: spec.trainN, noise: spec.noise, seed: spec.seed });
    testSet = makeSpirals({ n: spec.testN, noise: spec.noise, seed: spec.seed + 1_000_003 });
  } else {
    throw new ConfigError("data.kind", (spec as { kind: unknown }).kind, '"mnist", "shapeset" or "spirals"');
  }
  if (!(Number.isInteger(probePoints) && probePoints > 0 && probePoints <= Math.min(trainSet.n, testSet.n))) {
    throw new ConfigError("probePoints", probePoints, `an integer in 1..${Math.min(trainSet.n, testSet.n)}`);
  }
  // The probe points are fixed by their own seed: every run of every notebook probes the same points.
  const pick = (ds: Dataset, label: string) =>
    subset(ds, permutation(ds.n, new Rng(20100).fork(label)).subarray(0, probePoints), `${label} probe (${probePoints} points)`);
  const out = { train: trainSet, test: testSet, probeTrain: pick(trainSet, "training points"), probeHeldOut: pick(testSet, "held-out points") };
  dataMemo.set(key, out);
  return out;
}

export function buildModel(cfg: ExperimentConfig, data: ExperimentData): { model: Mlp; lsuv: LsuvResult | null } {
  const model = new Mlp({ ...cfg.model, inputDim: data.train.inputDim, outputDim: data.train.numClasses });
  let lsuv: LsuvResult | null = null;
  if (initName(cfg.model.init) === "lsuv") {
    const n = Math.min(cfg.lsuvBatch ?? 512, data.train.n);
    const x = tf.tensor2d(data.train.x.subarray(0, n * data.train.inputDim), [n, data.train.inputDim]);
    try {
      lsuv = applyLsuv(model, x);
    } finally {
      x.dispose();
    }
  }
  return { model, lsuv };
}

/**
 * Train the experiment, or load it from the cache when this exact config
 * was trained before (pass refresh to retrain). Callbacks only fire when
 * training actually runs.
 */
export async function runExperiment(cfg: ExperimentConfig, callbacks: TrainCallbacks<ProbeSnapshot> = {}, opts: { refresh?: boolean; cacheDir?: string } = {}): Promise<Experiment> {
  const data = loadData(cfg.data, cfg.probePoints ?? 1000);
  const { model: initialModel } = buildModel(cfg, data);
  const entry = await cached<ExperimentRecord>(cfg.name, cfg, async () => {
    const t0 = Date.now();
    const { model, lsuv } = buildModel(cfg, data);
    try {
      const result = await train(model, { train: data.train, test: data.test, probeSets: [data.probeTrain, data.probeHeldOut], observe: (m, p) => probe(m, p) }, cfg.train, callbacks);
      return { value: { result, lsuv, wallSeconds: (Date.now() - t0) / 1000 }, arrays: model.getWeights() };
    } finally {
      model.dispose();
    }
  }, { refresh: opts.refresh, dir: opts.cacheDir });
  const model = new Mlp({ ...cfg.model, inputDim: data.train.inputDim, outputDim: data.train.numClasses });
  model.setWeights(entry.arrays);
  if (entry.status === "stale" || entry.status === "corrupt") {
    console.warn(`sigmoid-lab: the cached ${cfg.name} was ${entry.status} (${entry.reason}); retrained it.`);
  }
  return { ...entry.value, config: cfg, model, initialModel, data, cache: entry.status };
}
