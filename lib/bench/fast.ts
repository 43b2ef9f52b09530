/**
 * Issue 16's measurement: the notebooks' own training workload (the
 * question's network 784-256×5-10, sigmoid, standard init, SGD lr 1, MNIST;
 * lib/run/question.ts) trained by
 *   - the public API, runExperiment(questionExperiment(…)), on its default
 *     route (the fast kernel, relaxed-SIMD build where the engine runs it) and forced onto tfjs by
 *     SIGMOID_LAB_FAST=0 (the path before issue 16), each timed by the run's
 *     own trainSeconds (steps only; probes and evaluation run but are not timed),
 *   - the fast kernel alone (FastTrainer.step in a loop), plain and relaxed SIMD,
 *   - PyTorch (1 thread; OpenBLAS 1 and 2 threads),
 * at batch 32 and 128, in interleaved rounds; medians, GFLOP/s and the
 * ratios the issue sets as goals.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadData, ExperimentData, runExperiment } from "../run/experiment";
import { FAST_ENV } from "../core/fast/route";
import { questionExperiment } from "../run/question";
import { Mlp } from "../core/model";
import { Rng, permutation } from "../core/rng";
import { prepareBackend } from "../core/backend";
import { FastTrainer, KernelVariant, enableRelaxedSimd } from "../core/fast";
import { BenchConfig, Segment, torchConfig } from "./configs";
import { markdownTable, ratioLine, summarize, Summary } from "./report";
import { runRounds, warmUp } from "./rounds";
import { WorkloadSpec, flopsPerStep } from "./workload";

const log = (msg: string): void => void process.stderr.write(msg + "\n");

/** The question's experiment at a batch size, and its PyTorch twin. */
function question(batchSize: number) {
  const cfg = questionExperiment({ batchSize });
  const spec: WorkloadSpec = {
    inputDim: 784,
    widths: cfg.model.widths,
    classes: 10,
    batchSize,
    learningRate: cfg.train.optimizer.learningRate,
    seed: cfg.train.seed,
    variant: "plain",
  };
  return { cfg, spec };
}

/** lib/train.ts's batch order: epoch e visits permutation(n, Rng(seed).fork("shuffle").fork(e)). */
function batchStream(data: ExperimentData, seed: number, batchSize: number) {
  const ds = data.train,
    shuffles = new Rng(seed).fork("shuffle");
  const x = new Float32Array(batchSize * ds.inputDim),
    labels = new Int32Array(batchSize);
  let epoch = 0,
    at = ds.n;
  let order: Int32Array = new Int32Array(0);
  return (): { x: Float32Array; labels: Int32Array } => {
    if (at + batchSize > ds.n) {
      order = permutation(ds.n, shuffles.fork(++epoch));
      at = 0;
    }
    for (let i = 0; i < batchSize; i++) {
      const r = order[at + i];
      x.set(ds.x.subarray(r * ds.inputDim, (r + 1) * ds.inputDim), i * ds.inputDim);
      labels[i] = ds.y[r];
    }
    at += batchSize;
    return { x, labels };
  };
}

/** The fast path on the question's workload; the batch gather is timed, as lib/train.ts times it. */
function fastConfig(name: string, variant: KernelVariant, batchSize: number, data: ExperimentData): BenchConfig {
  const { cfg } = question(batchSize);
  let trainer: FastTrainer | null = null;
  const next = batchStream(data, cfg.train.seed, batchSize);
  const make = (): FastTrainer => {
    if (trainer) return trainer;
    const model = new Mlp({ ...cfg.model, inputDim: 784, outputDim: 10 });
    trainer = FastTrainer.fromModel(model, cfg.train, variant);
    model.dispose();
    return trainer;
  };
  return {
    name,
    kind: "fast",
    async warmUp() {
      const t = make();
      for (let s = 0; s < 20; s++) {
        const b = next();
        t.step(b.x, b.labels);
      }
    },
    async run(steps) {
      const t = make();
      const c0 = process.cpuUsage(),
        t0 = performance.now();
      let loss = NaN;
      for (let s = 0; s < steps; s++) {
        const b = next();
        loss = t.step(b.x, b.labels);
      }
      const seconds = (performance.now() - t0) / 1000,
        c = process.cpuUsage(c0);
      return { steps, seconds, cpuSeconds: (c.user + c.system) / 1e6, loss };
    },
    dispose() {
      trainer?.dispose();
      trainer = null;
    },
  };
}

/**
 * The public API path: runExperiment(questionExperiment({ batchSize })) with a
 * fresh cache, as a notebook runs it (probes and evaluation included), timed
 * by the run's own trainSeconds (training steps only). `fast` "0" forces tfjs
 * (the path before issue 16), "1" is the default route (the fast kernel, relaxed SIMD where it runs).
 */
function apiConfig(name: string, fast: "0" | "1", batchSize: number, cacheDir: string): BenchConfig {
  const { cfg } = question(batchSize);
  const segment = async (steps: number): Promise<Segment> => {
    await prepareBackend({ quiet: true });
    const before = process.env[FAST_ENV];
    process.env[FAST_ENV] = fast;
    try {
      const e = await runExperiment(
        { ...cfg, name: `bench-${fast}-${batchSize}`, train: { ...cfg.train, epochs: 1, maxSteps: steps } },
        {},
        { refresh: true, cacheDir },
      );
      e.model.dispose();
      e.initialModel.dispose();
      const r = e.result;
      const expected = fast === "0" ? "tfjs" : `wasm-${enableRelaxedSimd() ? "relaxed" : "simd"}`;
      if (r.path !== expected) throw new Error(`${name}: trained by ${r.path}, not ${expected}`);
      // No CPU time: the process's covers the probes, the evaluation and the cache write too, not the steps alone.
      return { steps: r.steps, seconds: r.trainSeconds, cpuSeconds: null, loss: r.stepLosses[r.stepLosses.length - 1] };
    } finally {
      if (before === undefined) delete process.env[FAST_ENV];
      else process.env[FAST_ENV] = before;
    }
  };
  return {
    name,
    kind: fast === "1" ? "fast" : "tfjs",
    async warmUp() {
      await segment(10);
    },
    run: segment,
    dispose() {},
  };
}

export interface FastBenchOptions {
  readonly rounds: number;
  readonly seconds: number;
  readonly torch: string | null;
  readonly mnistDir?: string;
  readonly batchSizes: readonly number[];
}

/** The goals of issue 16, per batch size: [fast / today, fast / PyTorch best]. */
const GOALS: Record<number, { today?: number; torch: number }> = { 32: { today: 3, torch: 0.5 }, 128: { torch: 0.45 } };

export async function fastBench(opts: FastBenchOptions): Promise<string[]> {
  const relaxed = enableRelaxedSimd();
  log(
    relaxed
      ? "fast path: relaxed SIMD enabled (V8 flag --experimental-wasm-relaxed-simd set in-process)"
      : "fast path: no relaxed SIMD in this engine",
  );
  const data = loadData(questionExperiment().data, questionExperiment().probePoints);
  const lines: string[] = [];
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "sigmoid-lab-bench-"));
  for (const B of opts.batchSizes) {
    const { spec } = question(B);
    const configs: BenchConfig[] = [];
    if (relaxed) configs.push(fastConfig("fast kernel alone (relaxed SIMD)", "relaxed", B, data));
    configs.push(fastConfig("fast kernel alone (SIMD)", "simd", B, data));
    configs.push(apiConfig(`public API, fast path (${relaxed ? "relaxed SIMD" : "SIMD"}, default)`, "1", B, cacheDir));
    configs.push(apiConfig("public API, tfjs path (SIGMOID_LAB_FAST=0)", "0", B, cacheDir));
    if (opts.torch !== null) {
      configs.push(torchConfig("PyTorch 1 thread", { torch: 1, blas: 1 }, spec, opts.mnistDir, 30));
      configs.push(torchConfig("PyTorch, OpenBLAS 2 threads", { torch: 1, blas: 2 }, spec, opts.mnistDir, 30));
    }
    log(`fast-path bench, batch ${B}: warming up...`);
    const steps = await warmUp(configs, opts.seconds, B);
    const segments = await runRounds(configs, steps, opts.rounds, B);
    configs.forEach((c) => c.dispose());
    const flops = flopsPerStep(spec);
    const rows = configs.map((c) =>
      summarize({ name: c.name, kind: c.kind, segments: segments.get(c) ?? [] }, B, flops),
    );
    lines.push(...section(B, rows, opts, flops, relaxed));
  }
  fs.rmSync(cacheDir, { recursive: true, force: true });
  lines.push("", ...(await probeReadCost(data)));
  return lines;
}

function section(B: number, rows: Summary[], opts: FastBenchOptions, flops: number, relaxed: boolean): string[] {
  const torchRows = rows.filter((r) => r.kind === "torch");
  const best = torchRows.length > 0 ? torchRows.reduce((a, b) => (b.samplesPerSec > a.samplesPerSec ? b : a)) : null;
  const find = (prefix: string) => rows.find((r) => r.name.startsWith(prefix));
  const api = find("public API, fast"),
    today = find("public API, tfjs"),
    relaxedKernel = find("fast kernel alone (relaxed");
  const goal = GOALS[B];
  const out = [
    "",
    `## Fast training path, batch ${B} (the question's network 784-256×5-10, sigmoid, SGD lr 1, MNIST)`,
    "",
    `Medians of ${opts.rounds} interleaved rounds of ~${opts.seconds} s; GFLOP/s counts 3 × 2·B·Σ in·out = ${(flops / 1e6).toFixed(0)} MFLOP per step.`,
    "",
    markdownTable(rows, best, "PyTorch best"),
    "",
  ];
  out.push(ratioLine("public API: fast path / tfjs path", api, today, goal?.today ?? null));
  out.push(ratioLine("public API, fast path / PyTorch best", api, best ?? undefined, goal?.torch ?? 0.45));
  if (relaxed && relaxedKernel)
    out.push(
      ratioLine(
        "fast kernel alone, relaxed SIMD (train()'s default build) / PyTorch best",
        relaxedKernel,
        best ?? undefined,
        goal?.torch ?? 0.45,
      ),
    );
  if (best) out.push(`- PyTorch best configuration: ${best.name}`);
  return out;
}

/** What the probe's passes over both probe sets cost on the fast kernel, against the training time between probes. */
async function probeReadCost(data: ExperimentData): Promise<string[]> {
  const { cfg } = question(32);
  const model = new Mlp({ ...cfg.model, inputDim: 784, outputDim: 10 });
  const t = FastTrainer.fromModel(model, cfg.train);
  model.dispose();
  const next = batchStream(data, 1, 32);
  const stepMs: number[] = [],
    readMs: number[] = [];
  for (let r = 0; r < 5; r++) {
    let t0 = performance.now();
    for (let s = 0; s < 100; s++) {
      const b = next();
      t.step(b.x, b.labels);
    }
    stepMs.push((performance.now() - t0) / 100);
    t0 = performance.now();
    for (const p of [data.probeTrain, data.probeHeldOut]) t.passes().run(p, { backward: true, weightGrads: true });
    readMs.push(performance.now() - t0);
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const between = cfg.train.probeEverySteps ?? 1;
  const share = med(readMs) / (between * med(stepMs));
  return [
    `## Probe passes on the fast path (batch 32, ${t.variant} build)`,
    "",
    `- forward pass (z and a of every layer), every example's δ and the weight-gradient norms over both probe sets (${data.probeTrain.n} + ${data.probeHeldOut.n} points): ${med(readMs).toFixed(1)} ms`,
    `- training between two probes: ${between} steps × ${med(stepMs).toFixed(2)} ms = ${(between * med(stepMs)).toFixed(0)} ms; the passes are ${(100 * share).toFixed(1)}% of it ` +
      "(the whole probe, statistics included: `npm run bench -- --probes`)",
  ];
}
