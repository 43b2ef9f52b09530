/**
 * The transposed-matMul fix must give the same numbers as tfjs without it.
 * Reference: a plain float64 matMul in JS (and, for gradients, also tfjs's
 * cpu backend), on float32 inputs from the seeded Rng.
 *
 * Tolerance: |got − ref| ≤ 1e-5·s + 1e-6 per element, where s = Σ_k |a_ik·b_kj|
 * (plus |bias|). The kernels accumulate in float32, in different orders
 * (XNNPACK: SIMD-blocked partial sums; the scalar loop: sequential; the
 * reference: float64). The worst-case float32 error of a K-term sum is
 * K·2⁻²⁴·s ≈ 7.7e-6·s for the largest K here (129), so 1e-5·s cannot be
 * exceeded by reordering alone, while a wrong index or a missing transpose
 * is off by O(s). The 1e-6 absolute term covers the activation functions'
 * own float32 rounding (values of order 1).
 */
import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import {
  prepareBackend,
  backendInfo,
  fixTransposedMatMul,
  unfixTransposedMatMul,
  isMatMulFixed,
} from "../lib/core/backend";
import { Rng } from "../lib/core/rng";
import { REFERENCE_SPEC, createWorkload, randomData } from "../lib/bench/workload";

// ---------- float64 reference ----------

interface Mat {
  data: Float32Array | Float64Array;
  shape: number[];
}

interface RefResult {
  out: Float64Array;
  /** Σ_k |a_ik·b_kj| per output element: the scale of its rounding error. */
  scale: Float64Array;
  shape: number[];
}

function broadcastShape(x: number[], y: number[]): number[] {
  const n = Math.max(x.length, y.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = x[x.length - n + i] ?? 1;
    const b = y[y.length - n + i] ?? 1;
    if (a !== b && a !== 1 && b !== 1) throw new Error(`cannot broadcast ${x} with ${y}`);
    out.push(Math.max(a, b));
  }
  return out;
}

/** Flat offset of batch `index` (in the broadcast batch shape) within an operand's batch dims. */
function batchOffset(index: number[], dims: number[], matrixSize: number): number {
  let off = 0;
  let stride = matrixSize;
  for (let i = dims.length - 1; i >= 0; i--) {
    const j = index[index.length - dims.length + i];
    off += (dims[i] === 1 ? 0 : j) * stride;
    stride *= dims[i];
  }
  return off;
}

function refMatMul(a: Mat, b: Mat, ta: boolean, tb: boolean): RefResult {
  const ar = a.shape.length;
  const br = b.shape.length;
  const M = ta ? a.shape[ar - 1] : a.shape[ar - 2];
  const K = ta ? a.shape[ar - 2] : a.shape[ar - 1];
  const N = tb ? b.shape[br - 2] : b.shape[br - 1];
  assert.equal(tb ? b.shape[br - 1] : b.shape[br - 2], K, "inner dims");
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  const batch = broadcastShape(aBatch, bBatch);
  const count = batch.reduce((p, d) => p * d, 1);
  const out = new Float64Array(count * M * N);
  const scale = new Float64Array(count * M * N);
  const index = batch.map(() => 0);
  for (let t = 0; t < count; t++) {
    let rest = t;
    for (let i = batch.length - 1; i >= 0; i--) {
      index[i] = rest % batch[i];
      rest = Math.floor(rest / batch[i]);
    }
    const ao = batchOffset(index, aBatch, M * K);
    const bo = batchOffset(index, bBatch, K * N);
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let s = 0;
        let sa = 0;
        for (let k = 0; k < K; k++) {
          const x = a.data[ao + (ta ? k * M + m : m * K + k)];
          const y = b.data[bo + (tb ? n * K + k : k * N + n)];
          s += x * y;
          sa += Math.abs(x * y);
        }
        out[(t * M + m) * N + n] = s;
        scale[(t * M + m) * N + n] = sa;
      }
    }
  }
  return { out, scale, shape: [...batch, M, N] };
}

type Act = "linear" | "relu" | "relu6" | "sigmoid" | "leakyrelu" | "elu" | "prelu";

function activate(x: number, act: Act, alpha: number, preluW: number): number {
  switch (act) {
    case "linear":
      return x;
    case "relu":
      return Math.max(x, 0);
    case "relu6":
      return Math.min(Math.max(x, 0), 6);
    case "sigmoid":
      return 1 / (1 + Math.exp(-x));
    case "leakyrelu":
      return x < 0 ? alpha * x : x;
    case "elu":
      return x < 0 ? Math.exp(x) - 1 : x;
    case "prelu":
      return x < 0 ? preluW * x : x;
  }
}

// ---------- helpers ----------

const rng = new Rng(20240611);

function randomMat(shape: number[], r: Rng = rng): Mat {
  const n = shape.reduce((p, d) => p * d, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = r.normal();
  return { data, shape };
}

/** The stored shape of an operand whose logical (untransposed) matrix is rows×cols. */
function stored(batch: number[], rows: number, cols: number, transposed: boolean): number[] {
  return transposed ? [...batch, cols, rows] : [...batch, rows, cols];
}

function assertClose(got: ArrayLike<number>, ref: RefResult | Mat, what: string, extraScale?: Float64Array): void {
  const want = "out" in ref ? ref.out : ref.data;
  const scale = "scale" in ref ? ref.scale : null;
  assert.equal(got.length, want.length, `${what}: length`);
  let worst = 0;
  let worstAt = -1;
  for (let i = 0; i < want.length; i++) {
    const s = (scale ? scale[i] : Math.abs(want[i])) + (extraScale ? extraScale[i] : 0);
    const excess = Math.abs(got[i] - want[i]) - (1e-5 * s + 1e-6);
    if (!(excess <= worst) || Number.isNaN(got[i])) {
      worst = Number.isNaN(got[i]) ? Infinity : excess;
      worstAt = i;
    }
  }
  assert.ok(worstAt < 0, `${what}: element ${worstAt} is ${got[worstAt]}, want ${want[worstAt]}`);
}

function tensorOf(m: Mat): tf.Tensor {
  return tf.tensor(Float32Array.from(m.data), m.shape, "float32");
}

async function onCpu<T>(f: () => T): Promise<T> {
  await tf.setBackend("cpu");
  try {
    return f();
  } finally {
    await tf.setBackend("wasm");
  }
}

const flagCombos: [boolean, boolean][] = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
];
const comboName = ([ta, tb]: [boolean, boolean]): string => `${ta ? "t" : "f"}${tb ? "t" : "f"}`;

// ---------- tests ----------

before(async () => {
  const info = await prepareBackend({ quiet: true });
  assert.equal(info.name, "wasm", "these tests need the wasm backend to start");
});

describe("prepareBackend", () => {
  it("starts wasm with the fix on, and is idempotent", async () => {
    const first = await prepareBackend({ quiet: true });
    const second = await prepareBackend({ quiet: true });
    assert.deepEqual(first, { name: "wasm", matMulFix: true, fellBack: false });
    assert.deepEqual(second, first);
    assert.equal(tf.getBackend(), "wasm");
  });

  it("toggles the fix by swapping the registered wasm kernels", async () => {
    const fixedBmm = tf.getKernel("BatchMatMul", "wasm").kernelFunc;
    const fixedFused = tf.getKernel("_FusedMatMul", "wasm").kernelFunc;
    const off = await prepareBackend({ fixTransposedMatMul: false, quiet: true });
    assert.equal(off.matMulFix, false);
    const origBmm = tf.getKernel("BatchMatMul", "wasm").kernelFunc;
    assert.notEqual(origBmm, fixedBmm);
    assert.notEqual(tf.getKernel("_FusedMatMul", "wasm").kernelFunc, fixedFused);
    fixTransposedMatMul();
    fixTransposedMatMul(); // second call must not wrap the wrapper
    assert.ok(isMatMulFixed());
    unfixTransposedMatMul();
    assert.equal(tf.getKernel("BatchMatMul", "wasm").kernelFunc, origBmm, "unfix restores the original");
    const on = await prepareBackend({ quiet: true });
    assert.equal(on.matMulFix, true);
    assert.deepEqual(backendInfo(), on);
  });

  it("switches to cpu and back when asked", async () => {
    const cpu = await prepareBackend({ backend: "cpu", quiet: true });
    assert.equal(cpu.name, "cpu");
    assert.equal(tf.getBackend(), "cpu");
    const wasm = await prepareBackend({ quiet: true });
    assert.equal(wasm.name, "wasm");
    assert.equal(tf.getBackend(), "wasm");
  });
});

describe("fixed matMul equals a float64 reference", () => {
  // [batchA, batchB, M, K, N]
  const cases: [number[], number[], number, number, number][] = [
    [[], [], 1, 1, 1],
    [[], [], 1, 17, 1],
    [[], [], 1, 9, 23],
    [[], [], 23, 9, 1],
    [[], [], 7, 13, 5],
    [[], [], 127, 129, 65],
    [[], [], 64, 1, 33],
    [[1], [1], 9, 11, 6],
    [[3], [3], 5, 8, 7],
    [[1], [3], 5, 8, 7],
    [[3], [1], 5, 8, 7],
    [[3], [], 6, 4, 5],
    [[2, 3], [2, 3], 4, 5, 6],
    // Not [2,1] vs [1,3]: tfjs flattens batch dims and broadcasts only when
    // one side's flat batch is 1 (cpu and wasm alike), so that is unsupported.
  ];
  for (const [ba, bb, M, K, N] of cases) {
    for (const combo of flagCombos) {
      const [ta, tb] = combo;
      const label = `${comboName(combo)} [${ba}|${M}x${K}] · [${bb}|${K}x${N}]`;
      it(label, () => {
        const a = randomMat(stored(ba, M, K, ta));
        const b = randomMat(stored(bb, K, N, tb));
        const ref = refMatMul(a, b, ta, tb);
        const got = tf.tidy(() => {
          const y = tf.matMul(tensorOf(a), tensorOf(b), ta, tb);
          assert.deepEqual(y.shape, ref.shape);
          return y.dataSync();
        });
        assertClose(got, ref, label);
      });
    }
  }
});

describe("fixed _FusedMatMul equals a float64 reference", () => {
  const acts: Act[] = ["linear", "relu", "relu6", "sigmoid", "leakyrelu", "elu", "prelu"];
  const shapes: [number[], number[], number, number, number][] = [
    [[], [], 7, 13, 5],
    [[], [], 33, 65, 17],
    [[2], [2], 3, 4, 5],
    [[1], [2], 3, 4, 5],
    [[2], [1], 5, 50, 3], // inner dim > 48: the wasm scalar loop's block size
  ];
  for (const act of acts) {
    for (const [ba, bb, M, K, N] of shapes) {
      for (const combo of flagCombos) {
        for (const biasKind of ["none", "N", "1"] as const) {
          const [ta, tb] = combo;
          const label = `${act} ${comboName(combo)} bias=${biasKind} [${ba}|${M}x${K}]·[${bb}|${K}x${N}]`;
          it(label, () => {
            const alpha = 0.3;
            const a = randomMat(stored(ba, M, K, ta));
            const b = randomMat(stored(bb, K, N, tb));
            const bias = randomMat([biasKind === "1" ? 1 : N]);
            const biasAt = (j: number): number => (biasKind === "none" ? 0 : bias.data[biasKind === "1" ? 0 : j]);
            const preluW = Float32Array.from({ length: N }, () => rng.uniform(0.05, 0.5));
            const ref = refMatMul(a, b, ta, tb);
            const biasScale = new Float64Array(ref.out.length);
            for (let i = 0; i < ref.out.length; i++) {
              const j = i % N;
              ref.out[i] = activate(ref.out[i] + biasAt(j), act, alpha, preluW[j]);
              biasScale[i] = Math.abs(biasAt(j));
            }
            const got = tf.tidy(() =>
              tf.fused
                .matMul({
                  a: tensorOf(a),
                  b: tensorOf(b),
                  transposeA: ta,
                  transposeB: tb,
                  bias: biasKind === "none" ? undefined : tensorOf(bias),
                  activation: act,
                  leakyreluAlpha: alpha,
                  preluActivationWeights: act === "prelu" ? tf.tensor1d(preluW) : undefined,
                })
                .dataSync(),
            );
            assertClose(got, ref, label, biasScale);
          });
        }
      }
    }
  }
});

describe("gradients through the fixed kernels", () => {
  // L = Σ W ⊙ op(A)·op(B) ⇒ dL/dop(A) = W·op(B)ᵀ, dL/dop(B) = op(A)ᵀ·W.
  const cases: [number[], number, number, number][] = [
    [[], 7, 13, 5],
    [[], 64, 129, 33],
    [[2], 5, 8, 7],
  ];
  for (const [batch, M, K, N] of cases) {
    for (const combo of flagCombos) {
      for (const fused of [false, true]) {
        const [ta, tb] = combo;
        const label = `${fused ? "fused+bias" : "matMul"} ${comboName(combo)} [${batch}|${M}x${K}x${N}]`;
        it(label, async () => {
          const a = randomMat(stored(batch, M, K, ta));
          const b = randomMat(stored(batch, K, N, tb));
          const w = randomMat([...batch, M, N]);
          const bias = randomMat([N]);
          const grads = (): Float32Array[] =>
            tf.tidy(() => {
              const W = tensorOf(w);
              const loss = (x: tf.Tensor, y: tf.Tensor, c: tf.Tensor): tf.Scalar => {
                const z = fused
                  ? tf.fused.matMul({ a: x, b: y, transposeA: ta, transposeB: tb, bias: c })
                  : tf.matMul(x, y, ta, tb);
                return tf.sum(tf.mul(z, W));
              };
              const inputs = [tensorOf(a), tensorOf(b), tensorOf(bias)];
              const g = fused
                ? tf.grads(loss)(inputs)
                : tf.grads((x: tf.Tensor, y: tf.Tensor) => loss(x, y, inputs[2]))(inputs.slice(0, 2));
              return g.map((t) => t.dataSync() as Float32Array);
            });
          const [dA, dB, dBias] = grads();
          // float64 reference, built from the formulas above
          const [da, db] = referenceGrads(a, b, w, ta, tb);
          assertClose(dA, da, `${label} dA`);
          assertClose(dB, db, `${label} dB`);
          if (fused) assertClose(dBias, sumRows(w, N), `${label} dBias`);
          // and tfjs's cpu backend, an independent set of kernels
          const [cA, cB] = await onCpu(grads);
          assertClose(dA, { ...da, out: Float64Array.from(cA) }, `${label} dA vs cpu`);
          assertClose(dB, { ...db, out: Float64Array.from(cB) }, `${label} dB vs cpu`);
        });
      }
    }
  }
});

function transposed(m: RefResult): RefResult {
  const r = m.shape.length;
  const R = m.shape[r - 2];
  const C = m.shape[r - 1];
  const out = new Float64Array(m.out.length);
  const scale = new Float64Array(m.out.length);
  for (let t = 0; t < m.out.length / (R * C); t++) {
    for (let i = 0; i < R; i++) {
      for (let j = 0; j < C; j++) {
        out[t * R * C + j * R + i] = m.out[t * R * C + i * C + j];
        scale[t * R * C + j * R + i] = m.scale[t * R * C + i * C + j];
      }
    }
  }
  return { out, scale, shape: [...m.shape.slice(0, -2), C, R] };
}

function referenceGrads(a: Mat, b: Mat, w: Mat, ta: boolean, tb: boolean): [RefResult, RefResult] {
  // op(X) as stored data with the transpose flag → dL/dop(A) = W·op(B)ᵀ
  const dOpA = refMatMul(w, b, false, !tb);
  const dOpB = refMatMul(a, w, !ta, false);
  return [ta ? transposed(dOpA) : dOpA, tb ? transposed(dOpB) : dOpB];
}

function sumRows(w: Mat, n: number): RefResult {
  const out = new Float64Array(n);
  const scale = new Float64Array(n);
  for (let i = 0; i < w.data.length; i++) {
    out[i % n] += w.data[i];
    scale[i % n] += Math.abs(w.data[i]);
  }
  return { out, scale, shape: [n] };
}

describe("a whole training step", () => {
  it("trains the benchmark MLP to the same weights with the fix, without it, and on cpu", async () => {
    // 3 SGD steps of 784-256x5-10 from one seed. Differences are rounding
    // only: measured ~1.5e-8; 1e-6 is far below the size of one update.
    const data = randomData(REFERENCE_SPEC, 512);
    const weightsAfter = async (
      backend: "wasm" | "cpu",
      fix: boolean,
      variant: "plain" | "lean",
    ): Promise<Float32Array[]> => {
      await prepareBackend({ backend, fixTransposedMatMul: fix, quiet: true });
      const w = createWorkload({ ...REFERENCE_SPEC, variant }, data);
      const loss = w.run(3);
      assert.ok(Number.isFinite(loss));
      const out = w.weights();
      w.dispose();
      return out;
    };
    const start = await (async () => {
      const w = createWorkload(REFERENCE_SPEC, data);
      const out = w.weights();
      w.dispose();
      return out;
    })();
    const fixed = await weightsAfter("wasm", true, "plain");
    const others = {
      unfixed: await weightsAfter("wasm", false, "plain"),
      cpu: await weightsAfter("cpu", false, "plain"),
      lean: await weightsAfter("wasm", true, "lean"),
    };
    await prepareBackend({ quiet: true });
    const maxDiff = (x: Float32Array[], y: Float32Array[]): number =>
      Math.max(...x.map((a, i) => a.reduce((m, v, j) => Math.max(m, Math.abs(v - y[i][j])), 0)));
    assert.ok(maxDiff(fixed, start) > 1e-4, "the steps must move the weights");
    for (const [name, w] of Object.entries(others))
      assert.ok(maxDiff(fixed, w) <= 1e-6, `${name}: ${maxDiff(fixed, w)}`);
  });
});

describe("no leaks", () => {
  it("fixed matMul, fused matMul and their gradients leave no tensors or backend data behind", () => {
    const a = tensorOf(randomMat([64, 32]));
    const b = tensorOf(randomMat([64, 48]));
    const bias = tensorOf(randomMat([48]));
    const a3 = tensorOf(randomMat([3, 64, 32]));
    const b3 = tensorOf(randomMat([1, 64, 48]));
    const round = (): void => {
      tf.tidy(() => {
        tf.matMul(a, b, true, false).dataSync();
        tf.matMul(a, a, false, true).dataSync();
        tf.matMul(a, tf.transpose(b), true, true).dataSync();
        tf.matMul(a3, b3, true, false).dataSync();
        tf.fused.matMul({ a, b, transposeA: true, bias, activation: "sigmoid" }).dataSync();
        const g = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.matMul(x, y, true, false)));
        g([a, b]).forEach((t) => t.dataSync());
      });
    };
    round(); // first call may allocate lasting state; measure after it
    const backend = tf.backend();
    const before = { tensors: tf.memory().numTensors, dataIds: backend.numDataIds() };
    for (let i = 0; i < 5; i++) round();
    const after = { tensors: tf.memory().numTensors, dataIds: backend.numDataIds() };
    assert.deepEqual(after, before);
    tf.dispose([a, b, bias, a3, b3]);
  });
});

describe("falling back to cpu", () => {
  it("when the .wasm file cannot be loaded: cpu backend, one warning, no tfjs noise or banner", () => {
    // A fresh process, since tfjs-backend-wasm cannot be re-initialised
    // after a failed start. Pointing it at a missing directory is the same
    // failure as a broken install or a bundler that dropped the .wasm files.
    const root = path.resolve(__dirname, "..");
    const script = `
      const { setWasmPaths } = require("@tensorflow/tfjs-backend-wasm");
      setWasmPaths("/nonexistent-sigmoid-lab-wasm-dir/");
      const tf = require("@tensorflow/tfjs");
      const { prepareBackend } = require("./lib/core/backend.ts");
      // Twice: the second call must neither retry wasm nor warn again.
      prepareBackend().then(() => prepareBackend()).then((info) => {
        const y = tf.matMul(tf.ones([2, 3]), tf.ones([2, 4]), true, false).dataSync();
        console.log(JSON.stringify({ info, backend: tf.getBackend(), y: Array.from(y) }));
      });`;
    const child = spawnSync(process.execPath, ["--import", "tsx", "-e", script], {
      cwd: root,
      encoding: "utf8",
      timeout: 60_000,
    });
    assert.equal(child.status, 0, child.stderr);
    const out = JSON.parse(child.stdout.trim().split("\n").pop() ?? "{}");
    assert.equal(out.backend, "cpu");
    assert.equal(out.info.name, "cpu");
    assert.equal(out.info.fellBack, true);
    assert.match(out.info.reason, /ENOENT.*nonexistent-sigmoid-lab-wasm-dir/);
    assert.deepEqual(out.y, new Array(12).fill(2));
    const noise = child.stderr.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("npm warn"));
    assert.equal(noise.length, 1, `expected one warning line, got:\n${child.stderr}`);
    assert.match(noise[0], /wasm backend could not start .*ENOENT.*20–30x slower/);
    assert.doesNotMatch(child.stdout + child.stderr, /Hi, looks like you are running TensorFlow\.js/);
  });
});
