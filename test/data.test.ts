import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadMnist, mnistDataDir, parseIdx, readMnistPair } from "../lib/data/mnist";
import {
  Dataset,
  checkDataset,
  classCounts,
  example,
  firstPerClass,
  shuffled,
  splitTrainValidation,
  subset,
} from "../lib/data/dataset";
import { ConfigError, DataFileError } from "../lib/core/errors";

// ---------------------------------------------------------------- idx bytes

/** An idx file of unsigned bytes, built by hand from the format's definition. */
function idxBytes(dims: number[], data: number[], magicType = 0x08): Uint8Array {
  const header = [0, 0, magicType, dims.length];
  for (const d of dims) header.push((d >>> 24) & 255, (d >>> 16) & 255, (d >>> 8) & 255, d & 255);
  return Uint8Array.from([...header, ...data]);
}

test("parseIdx reads dims and data of a hand-made idx file", () => {
  const parsed = parseIdx(idxBytes([2, 2, 3], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), "hand.idx");
  assert.equal(parsed.magic, 2051);
  assert.deepEqual(parsed.dims, [2, 2, 3]);
  assert.deepEqual([...parsed.data], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  assert.equal(parseIdx(idxBytes([3], [7, 8, 9]), "l.idx").magic, 2049);
});

test("parseIdx refuses short, truncated, oversized and non-idx buffers, naming the file", () => {
  const cases: [Uint8Array, RegExp][] = [
    [Uint8Array.from([0, 0]), /too short/],
    [idxBytes([4], [1, 2, 3]), /truncated.*needs 12 bytes, file has 11/],
    [idxBytes([4], [1, 2, 3, 4, 5]), /1 bytes beyond/],
    [idxBytes([2, 2, 2], [1, 2]).subarray(0, 10), /truncated inside its header/],
    [Uint8Array.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0]), /not an idx file/], // a gzip header
    [idxBytes([1], [0, 0, 0, 0], 0x0d), /element type 0xd/], // floats
  ];
  for (const [buf, problem] of cases) {
    assert.throws(
      () => parseIdx(buf, "some/file-idx"),
      (e: unknown) =>
        e instanceof DataFileError && e.file === "some/file-idx" && problem.test(e.message) && /npm ci/.test(e.message),
    );
  }
});

// ---------------------------------------------------------------- MNIST

const TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
// The published t10k counts (sum 10,000; a list circulating with 1028, 1009 for digits 6, 7 sums to 10,051).
const TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];

test("MNIST train: 60,000 28x28 images, known label counts, pixels in [0,1] with both ends", () => {
  const t0 = performance.now();
  const train = loadMnist("train");
  const ms = performance.now() - t0;
  checkDataset(train);
  assert.equal(train.n, 60000);
  assert.equal(train.inputDim, 784);
  assert.deepEqual(train.imageShape, [28, 28]);
  assert.equal(train.numClasses, 10);
  assert.deepEqual(classCounts(train), TRAIN_COUNTS);
  let min = Infinity;
  let max = -Infinity;
  for (const v of train.x) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  assert.equal(min, 0);
  assert.equal(max, 1);
  console.log(`parsed 60k MNIST training images in ${ms.toFixed(0)} ms`);
});

test("MNIST pixels are the file's bytes divided by 255 (second reader)", () => {
  const file = path.join(mnistDataDir(), "t10k-images-idx3-ubyte");
  const raw = fs.readFileSync(file);
  const ds = loadMnist("test");
  // 16-byte header (magic + 3 dims) by the idx definition; check a stretch of the first image and the last byte.
  for (let i = 0; i < 784; i++) assert.equal(ds.x[i], Math.fround(raw[16 + i] / 255));
  assert.equal(ds.x[ds.x.length - 1], Math.fround(raw[raw.length - 1] / 255));
  const labels = fs.readFileSync(path.join(mnistDataDir(), "t10k-labels-idx1-ubyte"));
  assert.equal(ds.y[0], labels[8]);
  assert.equal(ds.y[9999], labels[8 + 9999]);
});

test("MNIST test: 10,000 images with known label counts", () => {
  const ds = loadMnist("test");
  assert.equal(ds.n, 10000);
  assert.deepEqual(classCounts(ds), TEST_COUNTS);
  assert.equal(
    TEST_COUNTS.reduce((a, b) => a + b),
    10000,
  );
  assert.equal(
    TRAIN_COUNTS.reduce((a, b) => a + b),
    60000,
  );
});

test("loadMnist is memoized and `limit` keeps the first examples", () => {
  const t0 = performance.now();
  const a = loadMnist("train", { limit: 100 });
  assert.ok(performance.now() - t0 < 50, "second load should come from the cache");
  const full = loadMnist("train");
  assert.equal(a.n, 100);
  assert.equal(a.x.length, 100 * 784);
  assert.deepEqual([...a.y], [...full.y.subarray(0, 100)]);
  assert.deepEqual(a.x, full.x.subarray(0, 100 * 784));
  assert.throws(() => loadMnist("train", { limit: 0 }), ConfigError);
  assert.throws(() => loadMnist("test", { limit: 10001 }), /limit.*\[1, 10000\]/);
  assert.throws(() => loadMnist("valid" as "train"), /split/);
});

/** A temp MNIST folder whose files link to the real ones, except those replaced. */
function fakeMnistDir(replace: Record<string, Uint8Array | null>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sigmoid-lab-mnist-"));
  for (const name of ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]) {
    if (!(name in replace)) fs.symlinkSync(path.join(mnistDataDir(), name), path.join(dir, name));
    else if (replace[name] !== null) fs.writeFileSync(path.join(dir, name), replace[name] as Uint8Array);
  }
  return dir;
}

function refusedNaming(dir: string, name: string, problem: RegExp): void {
  try {
    assert.throws(
      () => loadMnist("test", { dir }),
      (e: unknown) =>
        e instanceof DataFileError &&
        e.file === path.join(dir, name) &&
        e.message.includes(name) &&
        problem.test(e.message) &&
        /npm ci/.test(e.message),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test("a truncated MNIST label file is refused, naming it", () => {
  const labels = fs.readFileSync(path.join(mnistDataDir(), "t10k-labels-idx1-ubyte"));
  const name = "t10k-labels-idx1-ubyte";
  refusedNaming(fakeMnistDir({ [name]: labels.subarray(0, 5000) }), name, /truncated/);
});

test("an MNIST image file with a wrong magic number is refused, naming it", () => {
  // A label file under an image file's name: valid idx, wrong magic.
  const labels = fs.readFileSync(path.join(mnistDataDir(), "t10k-labels-idx1-ubyte"));
  const name = "t10k-images-idx3-ubyte";
  refusedNaming(fakeMnistDir({ [name]: labels }), name, /magic number 2049.*2051/);
});

test("a missing MNIST file is refused, naming it", () => {
  const name = "t10k-labels-idx1-ubyte";
  refusedNaming(fakeMnistDir({ [name]: null }), name, /not found/);
});

test("readMnistPair checks counts agree and labels are digits", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sigmoid-lab-pair-"));
  try {
    const images = path.join(dir, "img");
    const labels = path.join(dir, "lab");
    fs.writeFileSync(images, idxBytes([2, 1, 2], [0, 255, 10, 20]));
    fs.writeFileSync(labels, idxBytes([2], [3, 9]));
    const ok = readMnistPair(images, labels);
    assert.deepEqual([ok.n, ok.rows, ok.cols], [2, 1, 2]);
    assert.deepEqual([...ok.labels], [3, 9]);

    fs.writeFileSync(labels, idxBytes([3], [3, 9, 1]));
    assert.throws(() => readMnistPair(images, labels), /lab: holds 3 labels but img holds 2 images/);
    fs.writeFileSync(labels, idxBytes([2], [3, 10]));
    assert.throws(() => readMnistPair(images, labels), /lab: label 1 is 10, outside 0..9/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------- helpers

/** A tiny dataset whose row i is [i, 10 i] with label i % 3, so rows identify themselves. */
function tiny(n: number): Dataset {
  const x = new Float32Array(2 * n);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    x[2 * i] = i;
    x[2 * i + 1] = 10 * i;
    y[i] = i % 3;
  }
  return { name: "tiny", x, y, n, inputDim: 2, numClasses: 3 };
}

/** The original row ids of a tiny-derived dataset, read back from its features. */
function ids(ds: Dataset): number[] {
  const out: number[] = [];
  for (let i = 0; i < ds.n; i++) {
    assert.equal(ds.x[2 * i + 1], 10 * ds.x[2 * i], "rows must move whole");
    assert.equal(ds.y[i], ds.x[2 * i] % 3, "labels must move with their rows");
    out.push(ds.x[2 * i]);
  }
  return out;
}

test("splitTrainValidation: disjoint, covering, sized, order-keeping, seeded", () => {
  const ds = tiny(50);
  const a = splitTrainValidation(ds, 12, 7);
  const trainIds = ids(a.train);
  const valIds = ids(a.validation);
  assert.equal(valIds.length, 12);
  assert.equal(trainIds.length, 38);
  assert.deepEqual(
    [...trainIds, ...valIds].sort((p, q) => p - q),
    [...Array(50).keys()],
  );
  assert.equal(new Set([...trainIds, ...valIds]).size, 50);
  assert.deepEqual(
    trainIds,
    [...trainIds].sort((p, q) => p - q),
  );

  const again = splitTrainValidation(ds, 12, 7);
  assert.deepEqual(ids(again.validation), valIds);
  const other = splitTrainValidation(ds, 12, 8);
  assert.notDeepEqual(ids(other.validation), valIds);
});

test("splitTrainValidation refuses sizes that leave a part empty", () => {
  const ds = tiny(10);
  for (const bad of [0, 10, -1, 2.5, NaN]) {
    assert.throws(
      () => splitTrainValidation(ds, bad, 1),
      (e: unknown) => e instanceof ConfigError && e.field === "validationSize",
    );
  }
  assert.throws(() => splitTrainValidation(ds, 3, NaN), /seed/);
});

test("splitTrainValidation on MNIST keeps image shape and all examples", () => {
  const { train, validation } = splitTrainValidation(loadMnist("train", { limit: 1000 }), 200, 3);
  assert.deepEqual(train.imageShape, [28, 28]);
  assert.equal(train.n + validation.n, 1000);
  const total = classCounts(train).map((c, k) => c + classCounts(validation)[k]);
  assert.deepEqual(total, classCounts(loadMnist("train", { limit: 1000 })));
});

test("subset copies the chosen rows in order and refuses bad indices", () => {
  const ds = tiny(10);
  const s = subset(ds, [4, 1, 4], "pick");
  assert.equal(s.name, "pick");
  assert.deepEqual(ids(s), [4, 1, 4]);
  checkDataset(s);
  assert.throws(() => subset(ds, [0, 10]), /indices\[1\].*\[0, 10\)/);
  assert.throws(() => subset(ds, [1.5]), ConfigError);
});

test("shuffled is a seeded permutation", () => {
  const ds = tiny(30);
  const a = ids(shuffled(ds, 1));
  assert.deepEqual(ids(shuffled(ds, 1)), a);
  assert.notDeepEqual(ids(shuffled(ds, 2)), a);
  assert.deepEqual(
    [...a].sort((p, q) => p - q),
    [...Array(30).keys()],
  );
});

test("firstPerClass takes the first k of each class in dataset order", () => {
  const ds = tiny(20); // class c holds rows c, c+3, c+6, ...
  const s = firstPerClass(ds, 2);
  assert.deepEqual(ids(s), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(classCounts(s), [2, 2, 2]);
  assert.throws(() => firstPerClass(ds, 7), /class 2 of "tiny" has only 6/);
  const mnist = firstPerClass(shuffled(loadMnist("test"), 5), 30);
  assert.deepEqual(classCounts(mnist), Array(10).fill(30));
});

test("example returns a row view and its label", () => {
  const ds = tiny(5);
  const e = example(ds, 3);
  assert.deepEqual([...e.x], [3, 30]);
  assert.equal(e.y, 0);
  assert.throws(() => example(ds, 5), ConfigError);
});

test("checkDataset catches inconsistent datasets", () => {
  const ds = tiny(4);
  assert.throws(() => checkDataset({ ...ds, n: 5 }), /x\.length/);
  assert.throws(() => checkDataset({ ...ds, numClasses: 2 }), /y\[2\]/);
  assert.throws(() => checkDataset({ ...ds, imageShape: [1, 3] }), /imageShape/);
});

test("MNIST's training file is split at random: held-out and training images are disjoint, fixed by the seed, not the file's first rows", async () => {
  const { mnistSplit } = await import("../lib/run/experiment");
  const all = loadMnist("train");
  // A fingerprint of an image: FNV-1a over its 784 grey levels.
  const key = (x: Float32Array, i: number) => {
    let h = 2166136261;
    for (let j = i * 784; j < i * 784 + 784; j++) h = Math.imul(h ^ Math.round(x[j] * 255), 16777619);
    return h >>> 0;
  };
  const a = mnistSplit({ kind: "mnist", trainLimit: 5000, heldOut: 2000 });
  const b = mnistSplit({ kind: "mnist", trainLimit: 5000, heldOut: 2000 });
  assert.ok(
    a.train.x.every((v, i) => v === b.train.x[i]),
    "the same split every time",
  );
  assert.equal(a.train.n, 5000);
  assert.equal(a.heldOut!.n, 2000);
  // Disjoint: no held-out image appears among the training images.
  const trainKeys = new Set<number>(Array.from({ length: a.train.n }, (_, i) => key(a.train.x, i)));
  const overlap = Array.from({ length: a.heldOut!.n }, (_, i) => key(a.heldOut!.x, i)).filter((k) => trainKeys.has(k));
  assert.ok(
    overlap.length <= 2,
    `${overlap.length} held-out images also in training (MNIST has a few exact duplicates)`,
  );
  // Random, not the first rows: the file's first 5,000 labels differ from the picked ones.
  assert.notDeepEqual(Array.from(a.train.y), Array.from(all.y.subarray(0, 5000)));
  // The held-out part keeps its images when fewer are trained on (a nested design).
  const c = mnistSplit({ kind: "mnist", trainLimit: 1000, heldOut: 2000 });
  assert.ok(c.heldOut!.x.every((v, i) => v === a.heldOut!.x[i]));
  assert.throws(() => mnistSplit({ kind: "mnist", trainLimit: 55_000, heldOut: 10_000 }), /trainLimit.*\[1, 50000\]/);
  assert.throws(() => mnistSplit({ kind: "mnist", heldOut: -1 }), /heldOut/);
  // All 60,000 with nothing held out is the file itself, shared (no copy).
  const whole = mnistSplit({ kind: "mnist" }).train;
  assert.ok(whole.n === all.n && whole.x.buffer === all.x.buffer, "the file's own arrays, not a copy");
});
