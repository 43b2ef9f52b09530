/**
 * Training-throughput benchmark: tfjs wasm with and without the
 * transposed-matMul fix, tfjs cpu, and PyTorch on the same workload
 * (see workload.ts), in interleaved rounds; prints a markdown table of
 * medians and the ratios the project targets.
 *
 *   npm run bench [-- --quick] [--rounds N] [--seconds S] [--no-torch]
 *                 [--no-cpu] [--profile] [--random-data] [--variants] [--probes]
 *                 [--fast | --no-fast] [--batch 32,128] [--playground]
 *
 * --fast times only the fast training path (lib/core/fast) against today's
 * path (lib/train.ts) and PyTorch on the notebooks' workload, at the batch
 * sizes of --batch (default 32 and 128); the full run ends with the same
 * section unless --no-fast.
 * --variants times only the tfjs step variants against each other (wasm +
 * fix): what fused matMul, the folded learning rate and the manual loss cost.
 * --probes times only what probing costs the notebooks' training loop (the
 * full run reports it too, after the main table).
 * --playground times only the book's playground page in headless Chromium
 * (lib/bench/playground.ts): 100 epochs and the gaps between its pictures.
 *
 * Progress goes to stderr, the report to stdout.
 */
import * as os from "os";
import * as tf from "@tensorflow/tfjs";
import { backendInfo, describeBackend, prepareBackend } from "../core/backend";
import { loadMnist, mnistDataDir } from "../data/mnist";
import { BenchConfig, tfjsConfig, torchConfig, weightAgreement } from "./configs";
import { profileSteps, profileTable } from "./profile";
import { markdownTable, ratioLine, summarize } from "./report";
import { torchVersion } from "./torch";
import { measureProbeCost, probeCostLines } from "./probes";
import {
  LEAN,
  PLAIN,
  REFERENCE_SPEC,
  StepOptions,
  WorkloadData,
  createWorkload,
  flopsPerStep,
  randomData,
} from "./workload";
import { runRounds, warmUp } from "./rounds";
import { fastBench } from "./fast";
import { measurePlayground, playgroundLines } from "./playground";

const STEP_VARIANTS: Record<string, StepOptions> = {
  "plain step": PLAIN,
  "plain + manual loss": { ...PLAIN, manualLoss: true },
  "plain + lr folded into loss": { ...PLAIN, foldLearningRate: true },
  "plain + fused matMul/bias": { ...PLAIN, fusedBias: true },
  "lean step (manual loss + folded lr)": LEAN,
  "lean + fused matMul/bias": { ...LEAN, fusedBias: true },
};

interface Options {
  quick: boolean;
  rounds: number;
  seconds: number;
  torch: boolean;
  cpu: boolean;
  profile: boolean;
  randomData: boolean;
  variants: boolean;
  /** Only measure what probing costs during training. */
  probes: boolean;
  /** Only the playground page in a real browser. */
  playground: boolean;
  /** Only the fast-path section; `fastSection` false skips it in the full run. */
  fastOnly: boolean;
  fastSection: boolean;
  batchSizes: number[];
}

function parseArgs(argv: string[]): Options {
  const quick = argv.includes("--quick");
  const value = (flag: string, fallback: number): number => {
    const i = argv.indexOf(flag);
    const v = i >= 0 ? Number(argv[i + 1]) : fallback;
    if (!(v > 0)) throw new Error(`${flag} needs a positive number`);
    return v;
  };
  return {
    quick,
    rounds: Math.round(value("--rounds", quick ? 3 : 9)),
    seconds: value("--seconds", quick ? 0.5 : 1.2),
    torch: !argv.includes("--no-torch"),
    cpu: !argv.includes("--no-cpu"),
    profile: argv.includes("--profile"),
    randomData: argv.includes("--random-data"),
    variants: argv.includes("--variants"),
    probes: argv.includes("--probes"),
    playground: argv.includes("--playground"),
    fastOnly: argv.includes("--fast"),
    fastSection: !argv.includes("--no-fast"),
    batchSizes: batchList(argv),
  };
}

function batchList(argv: string[]): number[] {
  const i = argv.indexOf("--batch");
  if (i < 0) return [32, 128];
  const sizes = String(argv[i + 1] ?? "")
    .split(",")
    .map(Number);
  if (sizes.length === 0 || !sizes.every((b) => Number.isInteger(b) && b > 0))
    throw new Error("--batch needs positive integers, e.g. --batch 32,128");
  return sizes;
}

const log = (msg: string): void => void process.stderr.write(msg + "\n");

function loadData(opts: Options): { data: WorkloadData; label: string; mnistDir?: string } {
  if (!opts.randomData) {
    try {
      const ds = loadMnist("train");
      return { data: ds, label: `MNIST train (${ds.n} examples)`, mnistDir: mnistDataDir() };
    } catch (e) {
      log(`MNIST not available (${(e as Error).message}); using random MNIST-shaped data.`);
    }
  }
  return { data: randomData(REFERENCE_SPEC, 10_000), label: "random MNIST-shaped data (10,000 examples)" };
}

/** The configurations of the main table. */
function mainConfigs(
  opts: Options,
  wasmFailed: boolean,
  torch: string | null,
  data: WorkloadData,
  mnistDir?: string,
): BenchConfig[] {
  const spec = REFERENCE_SPEC;
  const configs: BenchConfig[] = [];
  if (!wasmFailed) {
    configs.push(tfjsConfig("tfjs wasm + fix, plain step", "wasm", true, "plain", spec, data, 10));
    configs.push(tfjsConfig("tfjs wasm + fix, lean step", "wasm", true, "lean", spec, data, 10));
    configs.push(tfjsConfig("tfjs wasm, no fix, plain step", "wasm", false, "plain", spec, data, 3));
  }
  if (opts.cpu || wasmFailed) configs.push(tfjsConfig("tfjs cpu, plain step", "cpu", false, "plain", spec, data, 2));
  if (torch !== null) {
    configs.push(torchConfig("PyTorch 1 thread", { torch: 1, blas: 1 }, spec, mnistDir, 30));
    // The second core for BLAS only: torch.set_num_threads(2) (OpenMP)
    // collapsed to ~1,500–3,000 samples/s here, so it is not worth timing.
    configs.push(torchConfig("PyTorch, OpenBLAS 2 threads", { torch: 1, blas: 2 }, spec, mnistDir, 30));
  } else if (opts.torch) {
    log(`PyTorch not available (/usr/bin/python3 -c "import torch" failed): skipping it.`);
  }
  return configs;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.playground) {
    log("measuring the playground page in Chromium...");
    process.stdout.write(playgroundLines(await measurePlayground(opts.quick ? 2 : 5)).join("\n") + "\n");
    return;
  }
  if (opts.probes) {
    await prepareBackend();
    log("measuring the probe cost...");
    process.stdout.write(probeCostLines(await measureProbeCost(opts.quick ? 3 : 7)).join("\n") + "\n");
    return;
  }
  if (opts.fastOnly) {
    await prepareBackend();
    const torch = opts.torch ? torchVersion() : null;
    const lines = await fastBench({
      rounds: opts.rounds,
      seconds: opts.seconds,
      torch,
      mnistDir: mnistDirOrUndefined(),
      batchSizes: opts.batchSizes,
    });
    process.stdout.write([...lines, "", machineLine(os.loadavg()[0])].join("\n") + "\n");
    return;
  }
  const spec = REFERENCE_SPEC;
  const { data, label, mnistDir } = loadData(opts);
  const info = await prepareBackend();
  const torch = opts.torch && !opts.variants ? torchVersion() : null;
  const loadBefore = os.loadavg()[0];

  const configs = opts.variants
    ? Object.entries(STEP_VARIANTS).map(([name, v]) => tfjsConfig(name, "wasm", true, v, spec, data, 10))
    : mainConfigs(opts, info.fellBack, torch, data, mnistDir);
  const agreement = info.fellBack || opts.variants ? [] : await checkAgreement(opts, data);
  const steps = await warmUp(configs, opts.seconds, spec.batchSize);
  const segments = await runRounds(configs, steps, opts.rounds, spec.batchSize);
  const profiles = opts.profile && !info.fellBack ? await profileWasm(data) : "";
  configs.forEach((c) => c.dispose());
  await prepareBackend({ quiet: true });

  const flops = flopsPerStep(spec);
  const summaries = configs.map((c) =>
    summarize({ name: c.name, kind: c.kind, segments: segments.get(c) ?? [] }, spec.batchSize, flops),
  );
  const find = (name: string) => summaries.find((s) => s.name === name);
  const torchRows = summaries.filter((s) => s.kind === "torch");
  const best = torchRows.length > 0 ? torchRows.reduce((a, b) => (b.samplesPerSec > a.samplesPerSec ? b : a)) : null;

  const lines = [
    `## Training throughput (MLP 784-256×5-10, sigmoid, SGD lr ${spec.learningRate}, batch ${spec.batchSize})`,
    "",
    `Medians of ${opts.rounds} interleaved rounds of ~${opts.seconds} s per configuration, after warm-up. ` +
      `Data: ${label}. GFLOP/s counts 3 × 2·B·Σ in·out = ${(flops / 1e6).toFixed(0)} MFLOP per step.`,
    "",
  ];
  if (opts.variants) {
    lines.push(markdownTable(summaries, find("plain step") ?? null, "plain step"));
  } else {
    const fixedPlain = find("tfjs wasm + fix, plain step");
    lines.push(
      markdownTable(summaries, best, "PyTorch best"),
      "",
      ratioLine(
        "fix speed-up (wasm + fix / wasm no fix, plain step)",
        fixedPlain,
        find("tfjs wasm, no fix, plain step"),
        5,
      ),
      ratioLine("tfjs vs PyTorch (wasm + fix, plain step / PyTorch best)", fixedPlain, best ?? undefined, 0.45),
      ratioLine(
        "tfjs vs PyTorch (wasm + fix, lean step / PyTorch best)",
        find("tfjs wasm + fix, lean step"),
        best ?? undefined,
        0.45,
      ),
      best ? `- PyTorch best configuration: ${best.name} (torch ${torch})` : "- PyTorch: not measured",
      ...agreement.map(
        (a) => `- weights after 3 steps, max |Δ| vs wasm + fix: ${a.name} ${a.maxAbsDiff.toExponential(1)}`,
      ),
    );
    if (!info.fellBack) {
      log("measuring the probe cost...");
      lines.push("", ...probeCostLines(await measureProbeCost(opts.quick ? 3 : 5)));
    }
  }
  if (opts.fastSection && !opts.variants && !info.fellBack) {
    lines.push(
      ...(await fastBench({
        rounds: opts.rounds,
        seconds: opts.seconds,
        torch,
        mnistDir,
        batchSizes: opts.batchSizes,
      })),
    );
  }
  lines.push("", machineLine(loadBefore));
  process.stdout.write(lines.join("\n") + profiles + "\n");
}

function machineLine(loadBefore: number): string {
  return (
    `Machine: ${os.cpus()[0]?.model ?? "?"}, ${os.cpus().length} cores; node ${process.version}; ` +
    `tfjs ${tf.version.tfjs}; ${describeBackend(backendInfo())}. ` +
    `Load average ${loadBefore.toFixed(1)} before, ${os.loadavg()[0].toFixed(1)} after ` +
    `(other processes share the cores: the CPU-time column is less sensitive to that).`
  );
}

function mnistDirOrUndefined(): string | undefined {
  try {
    loadMnist("train", { limit: 1 });
    return mnistDataDir();
  } catch {
    return undefined;
  }
}

/** Train a few steps with each tfjs configuration from the same start and compare the weights. */
function checkAgreement(opts: Options, data: WorkloadData) {
  log(`checking that the tfjs configurations train identically...`);
  return weightAgreement(REFERENCE_SPEC, data, 3, [
    { name: "wasm + fix", backend: "wasm", fix: true, variant: "plain" },
    { name: "wasm, no fix", backend: "wasm", fix: false, variant: "plain" },
    { name: "wasm + fix, lean step", backend: "wasm", fix: true, variant: "lean" },
    ...(opts.cpu ? [{ name: "cpu", backend: "cpu" as const, fix: false, variant: "plain" as const }] : []),
  ]);
}

/** Per-kernel profile of the wasm + fix steps (markdown). */
async function profileWasm(data: WorkloadData): Promise<string> {
  log(`profiling the wasm steps...`);
  let out = "";
  for (const variant of ["plain", "lean"] as const) {
    await prepareBackend({ fixTransposedMatMul: true, quiet: true });
    const w = createWorkload({ ...REFERENCE_SPEC, variant }, data);
    w.run(5);
    out += "\n\n" + profileTable(`wasm + fix, ${variant} step`, await profileSteps(w, 20));
    w.dispose();
  }
  return out;
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
