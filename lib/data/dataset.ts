/**
 * Datasets as flat typed arrays, and seeded helpers to split, shuffle and
 * subsample them. No tensors here: the trainer makes batches.
 *
 * Convention: a Dataset's arrays are never mutated after construction.
 * `loadMnist` and `subset` rely on it (MNIST arrays are cached and shared).
 * Fewer than all of a file's examples are taken at random (`randomSubset`),
 * never as "the first N": files are not in random order.
 */
import { ConfigError } from "../core/errors";
import { Rng, permutation } from "../core/rng";

export interface Dataset {
  readonly name: string;
  readonly x: Float32Array; // n * inputDim, row-major, values as fed to the net
  readonly y: Int32Array; // n labels in [0, numClasses)
  readonly n: number;
  readonly inputDim: number;
  readonly numClasses: number;
  readonly imageShape?: readonly [number, number]; // [height, width] when rows are images
}

/** Throws a ConfigError unless the arrays, sizes and labels of `ds` agree. */
export function checkDataset(ds: Dataset): void {
  const where = `dataset "${ds.name}"`;
  if (!Number.isInteger(ds.n) || ds.n < 0) throw new ConfigError(`${where}.n`, ds.n, "an integer >= 0");
  if (!Number.isInteger(ds.inputDim) || ds.inputDim < 1)
    throw new ConfigError(`${where}.inputDim`, ds.inputDim, "an integer >= 1");
  if (!Number.isInteger(ds.numClasses) || ds.numClasses < 1)
    throw new ConfigError(`${where}.numClasses`, ds.numClasses, "an integer >= 1");
  if (ds.x.length !== ds.n * ds.inputDim)
    throw new ConfigError(`${where}.x.length`, ds.x.length, `n * inputDim = ${ds.n * ds.inputDim}`);
  if (ds.y.length !== ds.n) throw new ConfigError(`${where}.y.length`, ds.y.length, `n = ${ds.n}`);
  for (let i = 0; i < ds.n; i++) {
    const c = ds.y[i];
    if (c < 0 || c >= ds.numClasses)
      throw new ConfigError(`${where}.y[${i}]`, c, `a label in [0, ${ds.numClasses})`);
  }
  if (ds.imageShape !== undefined && ds.imageShape[0] * ds.imageShape[1] !== ds.inputDim)
    throw new ConfigError(`${where}.imageShape`, [...ds.imageShape], `height * width = inputDim = ${ds.inputDim}`);
}

/** The examples at `indices`, in that order (copies; repeats allowed). */
export function subset(ds: Dataset, indices: ArrayLike<number>, name?: string): Dataset {
  const d = ds.inputDim;
  const x = new Float32Array(indices.length * d);
  const y = new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (!Number.isInteger(i) || i < 0 || i >= ds.n)
      throw new ConfigError(`indices[${k}]`, i, `an integer in [0, ${ds.n}) (dataset "${ds.name}" has ${ds.n} examples)`);
    x.set(ds.x.subarray(i * d, (i + 1) * d), k * d);
    y[k] = ds.y[i];
  }
  return withRows(ds, x, y, name ?? `${ds.name}[subset of ${indices.length}]`);
}

/** The same examples in a seeded random order. */
export function shuffled(ds: Dataset, seed: number): Dataset {
  checkSeed(seed);
  return subset(ds, permutation(ds.n, new Rng(seed).fork("shuffle")), `${ds.name}[shuffled seed=${seed}]`);
}

/**
 * A seeded split into disjoint parts that together cover `ds`: `validationSize`
 * examples go to validation, the rest to train. Each part keeps the original
 * order, so the split only decides membership (training shuffles separately).
 */
export function splitTrainValidation(
  ds: Dataset,
  validationSize: number,
  seed: number,
): { train: Dataset; validation: Dataset } {
  if (!Number.isInteger(validationSize) || validationSize < 1 || validationSize > ds.n - 1)
    throw new ConfigError("validationSize", validationSize, `an integer in [1, ${ds.n - 1}] (dataset "${ds.name}" has ${ds.n} examples)`);
  checkSeed(seed);
  const perm = permutation(ds.n, new Rng(seed).fork("train/validation split"));
  const validation = perm.slice(0, validationSize).sort();
  const train = perm.slice(validationSize).sort();
  return {
    train: subset(ds, train, `${ds.name}[train, seed=${seed}]`),
    validation: subset(ds, validation, `${ds.name}[validation, seed=${seed}]`),
  };
}

/** How many examples of each class: counts[c] for c in [0, numClasses). */
export function classCounts(ds: Dataset): number[] {
  const counts = new Array<number>(ds.numClasses).fill(0);
  for (let i = 0; i < ds.n; i++) counts[ds.y[i]]++;
  return counts;
}

/**
 * A class-balanced subset: the first `perClass` examples of every class, in
 * dataset order. Apply to `shuffled(ds, seed)` for a random balanced pick.
 */
export function firstPerClass(ds: Dataset, perClass: number): Dataset {
  if (!Number.isInteger(perClass) || perClass < 1)
    throw new ConfigError("perClass", perClass, "an integer >= 1");
  const counts = classCounts(ds);
  const short = counts.findIndex((c) => c < perClass);
  if (short >= 0)
    throw new ConfigError("perClass", perClass, `at most ${Math.min(...counts)}: class ${short} of "${ds.name}" has only ${counts[short]} examples`);
  const taken = new Array<number>(ds.numClasses).fill(0);
  const picked: number[] = [];
  for (let i = 0; i < ds.n && picked.length < perClass * ds.numClasses; i++) {
    const c = ds.y[i];
    if (taken[c] < perClass) {
      taken[c]++;
      picked.push(i);
    }
  }
  return subset(ds, picked, `${ds.name}[${perClass} per class]`);
}

/** Row `i` of `ds` as a view (no copy), with its label. */
export function example(ds: Dataset, i: number): { x: Float32Array; y: number } {
  if (!Number.isInteger(i) || i < 0 || i >= ds.n)
    throw new ConfigError("example index", i, `an integer in [0, ${ds.n}) (dataset "${ds.name}" has ${ds.n} examples)`);
  return { x: ds.x.subarray(i * ds.inputDim, (i + 1) * ds.inputDim), y: ds.y[i] };
}

function withRows(ds: Dataset, x: Float32Array, y: Int32Array, name: string): Dataset {
  const out: Dataset = { name, x, y, n: y.length, inputDim: ds.inputDim, numClasses: ds.numClasses };
  return ds.imageShape === undefined ? out : { ...out, imageShape: ds.imageShape };
}

function checkSeed(seed: number): void {
  if (!Number.isFinite(seed)) throw new ConfigError("seed", seed, "a finite number");
}

/**
 * n examples drawn at random without replacement, by a seeded stream named
 * `label` (so different purposes draw different examples), in random order.
 */
export function randomSubset(ds: Dataset, n: number, seed: number, label: string, name?: string): Dataset {
  if (!(Number.isInteger(n) && n >= 1 && n <= ds.n)) throw new ConfigError(`${label}: n`, n, `an integer in [1, ${ds.n}] (dataset "${ds.name}" has ${ds.n} examples)`);
  checkSeed(seed);
  return subset(ds, permutation(ds.n, new Rng(seed).fork(label)).subarray(0, n), name ?? `${ds.name}[${n} random, ${label}]`);
}
