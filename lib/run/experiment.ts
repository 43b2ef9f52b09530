/**
 * An experiment = data + model + training, described by one plain config.
 * `runExperiment` trains it (probing fixed training and held-out points as it
 * goes) or, when the same config was run before, loads the trained weights
 * and the probe records from the cache.
 */
import * as tf from "@tensorflow/tfjs";
import { loadMnist } from "../data/mnist";
import { Dataset, randomSubset, subset } from "../data/dataset";
import { makeShapeset } from "../data/shapeset";
import { makeSpirals } from "../data/toy";
import { Mlp, MlpConfig } from "../core/model";
import { TrainCallbacks, TrainConfig, TrainResult, train } from "../core/train";
import { pathName, trainingPath } from "../core/fast/route";
import { ProbeSnapshot, probe } from "../measure/probe";
import { applyLsuv, LsuvResult } from "../core/lsuv";
import { initCentres, initName } from "../core/init";
import { centerBiases } from "../core/centre";
import { cached, CacheStatus } from "./cache";
import { clearActivity, setActivity, watchInterrupts } from "./interrupt";
import { permutation, Rng } from "../core/rng";
import { ConfigError } from "../core/errors";

/**
 * MNIST's training file split at random (one fixed seeded permutation, MNIST_SPLIT_SEED):
 * `heldOut` images are reserved as unseen images of the same file (never trained on;
 * the held-out probe points come from them), and `trainLimit` of the rest are trained
 * on (default: all the rest). `testLimit` test-file images, drawn at random (default all).
 */
export interface MnistSpec {
  readonly kind: "mnist";
  readonly trainLimit?: number;
  readonly testLimit?: number;
  readonly heldOut?: number;
}

export type DataSpec =
  | MnistSpec
  | { readonly kind: "shapeset"; readonly trainN: number; readonly testN: number; readonly seed: number }
  | {
      readonly kind: "spirals";
      readonly trainN: number;
      readonly testN: number;
      readonly noise?: number;
      readonly seed: number;
    };

export interface ExperimentConfig {
  /** Names the cache entry (the key is the whole config). */
  readonly name: string;
  readonly data: DataSpec;
  readonly model: Omit<MlpConfig, "inputDim" | "outputDim">;
  readonly train: TrainConfig;
  /** Points in each probe set (training and held-out), default 1000. */
  readonly probePoints?: number;
  /** Examples LSUV measures variances on, when the init is "lsuv" (default 512); also those biases are centred on (init.centre). */
  readonly lsuvBatch?: number;
}

export interface ExperimentData {
  readonly train: Dataset;
  readonly test: Dataset;
  /** Unseen images of the training file (MNIST with `heldOut`), or null: then held-out points come from the test file. */
  readonly heldOut: Dataset | null;
  /** Fixed training points and held-out points of the same distribution, probed during training. */
  readonly probeTrain: Dataset;
  readonly probeHeldOut: Dataset;
}

/** The seed of the one random split of MNIST's training file that every experiment uses. */
export const MNIST_SPLIT_SEED = 2010;

/** MNIST's training file split into held-out and training images, and the test file, as a spec asks. */
export function mnistSplit(spec: MnistSpec): { train: Dataset; heldOut: Dataset | null; test: Dataset } {
  const all = loadMnist("train"),
    testAll = loadMnist("test");
  const held = spec.heldOut ?? 0;
  const trainN = spec.trainLimit ?? all.n - held;
  const int = (v: number) => Number.isInteger(v) && v >= 0;
  if (!int(held) || held >= all.n)
    throw new ConfigError(
      "data.heldOut",
      spec.heldOut,
      `an integer in [0, ${all.n - 1}] (unseen training-file images)`,
    );
  if (!int(trainN) || trainN < 1 || trainN + held > all.n) {
    throw new ConfigError(
      "data.trainLimit",
      spec.trainLimit,
      `an integer in [1, ${all.n - held}] (the training file's ${all.n} images minus the ${held} held out)`,
    );
  }
  if (spec.testLimit !== undefined && !(int(spec.testLimit) && spec.testLimit >= 1 && spec.testLimit <= testAll.n)) {
    throw new ConfigError("data.testLimit", spec.testLimit, `an integer in [1, ${testAll.n}]`);
  }
  const perm = permutation(all.n, new Rng(MNIST_SPLIT_SEED).fork("mnist training file"));
  // Membership is random; within each part the file order is kept (training shuffles anyway).
  const part = (from: number, n: number) => perm.slice(from, from + n).sort();
  const train =
    held === 0 && trainN === all.n
      ? all
      : subset(all, part(held, trainN), `MNIST training images (${trainN} of ${all.n}, at random)`);
  const heldOut =
    held > 0 ? subset(all, part(0, held), `unseen MNIST training-file images (${held}, at random)`) : null;
  const test =
    spec.testLimit && spec.testLimit < testAll.n
      ? subset(
          testAll,
          permutation(testAll.n, new Rng(MNIST_SPLIT_SEED).fork("mnist test file")).slice(0, spec.testLimit).sort(),
          `MNIST test images (${spec.testLimit} of ${testAll.n}, at random)`,
        )
      : testAll;
  return { train, heldOut, test };
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
  let trainSet: Dataset,
    testSet: Dataset,
    heldOut: Dataset | null = null;
  if (spec.kind === "mnist") {
    ({ train: trainSet, test: testSet, heldOut } = mnistSplit(spec));
  } else if (spec.kind === "shapeset") {
    trainSet = makeShapeset({ n: spec.trainN, seed: spec.seed });
    testSet = makeShapeset({ n: spec.testN, seed: spec.seed + 1_000_003 });
  } else if (spec.kind === "spirals") {
    trainSet = makeSpirals({ n: spec.trainN, noise: spec.noise, seed: spec.seed });
    testSet = makeSpirals({ n: spec.testN, noise: spec.noise, seed: spec.seed + 1_000_003 });
  } else {
    throw new ConfigError("data.kind", (spec as { kind: unknown }).kind, '"mnist", "shapeset" or "spirals"');
  }
  const most = Math.min(trainSet.n, (heldOut ?? testSet).n);
  if (!(Number.isInteger(probePoints) && probePoints > 0 && probePoints <= most)) {
    throw new ConfigError("probePoints", probePoints, `an integer in 1..${most}`);
  }
  const pick = (ds: Dataset, label: string) =>
    probeSubset(ds, probePoints, label, `${label} probe (${probePoints} points)`);
  const out = {
    train: trainSet,
    test: testSet,
    heldOut,
    probeTrain: pick(trainSet, "training points"),
    probeHeldOut: pick(heldOut ?? testSet, "held-out points"),
  };
  dataMemo.set(key, out);
  return out;
}

/** The seed of every fixed point set the book probes: every run of every notebook probes the same points. */
export const PROBE_SEED = 20100;

/** n points of a data set for probing, drawn at random by PROBE_SEED under `label` (one stream per purpose). */
export function probeSubset(ds: Dataset, n: number, label: string, name?: string): Dataset {
  return randomSubset(ds, n, PROBE_SEED, label, name);
}

/**
 * What names a trained experiment in the cache: its config, and the training
 * path when it is not tfjs (the fast kernel rounds differently, so its runs
 * are other runs; records trained by tfjs keep their keys).
 */
export function cacheKeyOf(cfg: ExperimentConfig): unknown {
  const path = trainingPath({ model: cfg.model, train: cfg.train });
  return path.kind === "tfjs" ? cfg : { ...cfg, trainer: pathName(path) };
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
  if (initCentres(cfg.model.init)) {
    // Our construction (lib/core/centre): z_l has zero mean on these training images at init.
    const n = Math.min(cfg.lsuvBatch ?? 512, data.train.n);
    centerBiases(model, data.train.x.subarray(0, n * data.train.inputDim), n);
  }
  return { model, lsuv };
}

/**
 * Train the experiment, or load it from the cache when this exact config
 * was trained before (pass refresh to retrain). Callbacks only fire when
 * training actually runs.
 */
export async function runExperiment(
  cfg: ExperimentConfig,
  callbacks: TrainCallbacks<ProbeSnapshot> = {},
  opts: { refresh?: boolean; cacheDir?: string } = {},
): Promise<Experiment> {
  const data = loadData(cfg.data, cfg.probePoints ?? 1000);
  const { model: initialModel } = buildModel(cfg, data);
  const entry = await cached<ExperimentRecord>(
    cfg.name,
    cacheKeyOf(cfg),
    async () => {
      const t0 = Date.now();
      const { model, lsuv } = buildModel(cfg, data);
      try {
        // An interrupt stops the loop at its next step; the entry is then never written.
        const signal = callbacks.signal ?? watchInterrupts();
        const watched: TrainCallbacks<ProbeSnapshot> = {
          ...callbacks,
          signal,
          // The model is built in here: the caller's onStep cannot read it.
          stepReadsModel: () => false,
          onStep: (s) => {
            setActivity(cfg.name, s.step);
            callbacks.onStep?.(s);
          },
        };
        let result: TrainResult<ProbeSnapshot>;
        try {
          result = await train(
            model,
            {
              train: data.train,
              test: data.test,
              probeSets: [data.probeTrain, data.probeHeldOut],
              observe: (m, p, { fast }) => probe(m, p, { fast }),
            },
            cfg.train,
            watched,
          );
        } finally {
          clearActivity();
        }
        return { value: { result, lsuv, wallSeconds: (Date.now() - t0) / 1000 }, arrays: model.getWeights() };
      } finally {
        model.dispose();
      }
    },
    { refresh: opts.refresh, dir: opts.cacheDir },
  );
  const model = new Mlp({ ...cfg.model, inputDim: data.train.inputDim, outputDim: data.train.numClasses });
  model.setWeights(entry.arrays);
  if (entry.status === "stale" || entry.status === "corrupt") {
    console.warn(`sigmoid-lab: the cached ${cfg.name} was ${entry.status} (${entry.reason}); retrained it.`);
  }
  return { ...entry.value, config: cfg, model, initialModel, data, cache: entry.status };
}
