/**
 * Issue 16's measurement: the notebooks' own training workload (the
 * question's network 784-256×5-10, sigmoid, standard init, SGD lr 1, MNIST;
 * lib/question.ts) trained by
 *   - the fast path (lib/core/fast: one WebAssembly SIMD call per step), in
 *     its relaxed-SIMD and plain-SIMD builds,
 *   - today's path: lib/train.ts's train() on an Mlp (tfjs wasm + fix), the
 *     loop runExperiment uses, timed by its own trainSeconds,
 *   - PyTorch (1 thread; OpenBLAS 1 and 2 threads),
 * at batch 32 and 128, in interleaved rounds; medians, GFLOP/s and the
 * ratios the issue sets as goals.
 */
import { loadData, ExperimentData } from "../run/experiment";
import { questionExperiment } from "../run/question";
import { Mlp } from "../core/model";
import { train } from "../core/train";
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
  const ds = data.train, shuffles = new Rng(seed).fork("shuffle");
  const x = new Float32Array(batchSize * ds.inputDim), labels = new Int32Array(batchSize);
  let epoch = 0, at = ds.n;
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
      const c0 = process.cpuUsage(), t0 = performance.now();
      let loss = NaN;
      for (let s = 0; s < steps; s++) {
        const b = next();
        loss = t.step(b.x, b.labels);
      }
      const seconds = (performance.now() - t0) / 1000, c = process.cpuUsage(c0);
      return { steps, seconds, cpuSeconds: (c.user + c.system) / 1e6, loss };
    },
    dispose() {
      trainer?.dispose();
      trainer = null;
    },
  };
}

/** Today's path: lib/train.ts's train() on an Mlp, as runExperiment runs it (no probes, no evaluation set). */
function todayConfig(batchSize: number, data: ExperimentData): BenchConfig {
  const { cfg } = question(batchSize);
  let model: Mlp | null = null;
  const segment = async (steps: number): Promise<Segment> => {
    await prepareBackend({ quiet: true });
    model ??= new Mlp({ ...cfg.model, inputDim: 784, outputDim: 10 });
    const c0 = process.cpuUsage();
    const r = await train(model, { train: data.train }, { ...cfg.train, epochs: 1_000, maxSteps: steps, evalTrainSize: 1, probeEverySteps: undefined });
    const c = process.cpuUsage(c0);
    return { steps: r.steps, seconds: r.trainSeconds, cpuSeconds: (c.user + c.system) / 1e6, loss: r.stepLosses[r.stepLosses.length - 1] };
  };
  return {
    name: "today: lib/train.ts (tfjs wasm + fix)",
    kind: "tfjs",
    async warmUp() {
      await segment(10);
    },
    run: segment,
    dispose() {
      model?.dispose();
      model = null;
    },
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
  log(relaxed ? "fast path: relaxed SIMD enabled (V8 flag --experimental-wasm-relaxed-simd set in-process)" : "fast path: no relaxed SIMD in this engine");
  const data = loadData(questionExperiment().data, questionExperiment().probePoints);
  const lines: string[] = [];
  for (const B of opts.batchSizes) {
    const { spec } = question(B);
    const configs: BenchConfig[] = [];
    if (relaxed) configs.push(fastConfig("fast path (relaxed SIMD)", "relaxed", B, data));
    configs.push(fastConfig("fast path (SIMD, no flag needed)", "simd", B, data));
    configs.push(todayConfig(B, data));
    if (opts.torch !== null) {
      configs.push(torchConfig("PyTorch 1 thread", { torch: 1, blas: 1 }, spec, opts.mnistDir, 30));
      configs.push(torchConfig("PyTorch, OpenBLAS 2 threads", { torch: 1, blas: 2 }, spec, opts.mnistDir, 30));
    }
    log(`fast-path bench, batch ${B}: warming up...`);
    const steps = await warmUp(configs, opts.seconds, B);
    const segments = await runRounds(configs, steps, opts.rounds, B);
    configs.forEach((c) => c.dispose());
    const flops = flopsPerStep(spec);
    const rows = configs.map((c) => summarize({ name: c.name, kind: c.kind, segments: segments.get(c) ?? [] }, B, flops));
    lines.push(...section(B, rows, opts, flops, relaxed));
  }
  lines.push("", ...(await probeReadCost(data)));
  return lines;
}

function section(B: number, rows: Summary[], opts: FastBenchOptions, flops: number, relaxed: boolean): string[] {
  const torchRows = rows.filter((r) => r.kind === "torch");
  const best = torchRows.length > 0 ? torchRows.reduce((a, b) => (b.samplesPerSec > a.samplesPerSec ? b : a)) : null;
  const find = (prefix: string) => rows.find((r) => r.name.startsWith(prefix));
  const fastBest = relaxed ? find("fast path (relaxed") : find("fast path (SIMD");
  const plain = find("fast path (SIMD"), today = find("today");
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
  out.push(ratioLine("fast path / today's path", fastBest, today, goal?.today ?? null));
  out.push(ratioLine("fast path / PyTorch best", fastBest, best ?? undefined, goal?.torch ?? 0.45));
  if (relaxed && plain !== fastBest) out.push(ratioLine("fast path without relaxed SIMD / PyTorch best", plain, best ?? undefined, goal?.torch ?? 0.45));
  if (best) out.push(`- PyTorch best configuration: ${best.name}`);
  return out;
}

/** What a forward pass over both probe sets costs on the fast path, against the training time between probes. */
async function probeReadCost(data: ExperimentData): Promise<string[]> {
  const { cfg } = question(32);
  const model = new Mlp({ ...cfg.model, inputDim: 784, outputDim: 10 });
  const t = FastTrainer.fromModel(model, cfg.train);
  model.dispose();
  const next = batchStream(data, 1, 32);
  const stepMs: number[] = [], readMs: number[] = [];
  for (let r = 0; r < 5; r++) {
    let t0 = performance.now();
    for (let s = 0; s < 100; s++) {
      const b = next();
      t.step(b.x, b.labels);
    }
    stepMs.push((performance.now() - t0) / 100);
    t0 = performance.now();
    for (const p of [data.probeTrain, data.probeHeldOut]) t.forward(p.x, p.n, { z: true });
    readMs.push(performance.now() - t0);
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const between = cfg.train.probeEverySteps ?? 1;
  const share = med(readMs) / (between * med(stepMs));
  return [
    `## Probe read-out on the fast path (batch 32, ${t.variant} build)`,
    "",
    `- forward pass (z and a of every layer) over both probe sets (${data.probeTrain.n} + ${data.probeHeldOut.n} points): ${med(readMs).toFixed(1)} ms`,
    `- training between two probes: ${between} steps × ${med(stepMs).toFixed(2)} ms = ${(between * med(stepMs)).toFixed(0)} ms; the read-out is ${(100 * share).toFixed(1)}% of it ` +
      "(the probe statistics on top are phase 2's)",
  ];
}
