/**
 * The benchmark's configurations: each knows how to make itself current
 * (backend, matMul fix), warm up, and run a timed segment of steps.
 */
import { prepareBackend } from "../core/backend";
import { createWorkload, StepVariant, Workload, WorkloadData, WorkloadSpec } from "./workload";
import { TorchThreads, TorchWorker } from "./torch";

export interface Segment {
  readonly steps: number;
  readonly seconds: number;
  /** CPU time of the process; null where it is not comparable (multi-threaded). */
  readonly cpuSeconds: number | null;
  readonly loss: number;
}

/** tfjs, PyTorch, or the fast WebAssembly path (lib/core/fast). */
export type BenchKind = "tfjs" | "torch" | "fast";

export interface BenchConfig {
  readonly name: string;
  readonly kind: BenchKind;
  /** Make this config current and run its first, untimed steps. */
  warmUp(): Promise<void>;
  /** Run `steps` timed steps (the config is made current first). */
  run(steps: number): Promise<Segment>;
  dispose(): void;
}

/** A tfjs configuration: backend, fix on/off, step variant. */
export function tfjsConfig(
  name: string,
  backend: "wasm" | "cpu",
  fix: boolean,
  variant: StepVariant,
  spec: WorkloadSpec,
  data: WorkloadData,
  warmupSteps: number,
): BenchConfig {
  let workload: Workload | null = null;
  const activate = async (): Promise<Workload> => {
    const info = await prepareBackend({ backend, fixTransposedMatMul: fix, quiet: true });
    if (info.name !== backend) throw new Error(`bench: wanted the ${backend} backend, got ${info.name}`);
    // Variables live on the backend they were made on: make them there.
    workload ??= createWorkload({ ...spec, variant }, data);
    return workload;
  };
  return {
    name,
    kind: "tfjs",
    async warmUp() {
      (await activate()).run(warmupSteps);
    },
    async run(steps) {
      const w = await activate();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const loss = w.run(steps);
      const seconds = (performance.now() - t0) / 1000;
      const c = process.cpuUsage(c0);
      return { steps, seconds, cpuSeconds: (c.user + c.system) / 1e6, loss };
    },
    dispose() {
      workload?.dispose();
      workload = null;
    },
  };
}

/** A PyTorch configuration, in its own long-lived Python process. */
export function torchConfig(
  name: string,
  threads: TorchThreads,
  spec: WorkloadSpec,
  mnistDir: string | undefined,
  warmupSteps: number,
): BenchConfig {
  let worker: TorchWorker | null = null;
  return {
    name,
    kind: "torch",
    async warmUp() {
      worker = new TorchWorker(spec, threads, { mnistDir, warmupSteps });
      await worker.ready;
    },
    async run(steps) {
      if (worker === null) throw new Error(`bench: ${name} was not warmed up`);
      const r = await worker.run(steps);
      return {
        steps,
        seconds: r.seconds,
        cpuSeconds: threads.torch === 1 && threads.blas === 1 ? r.cpuSeconds : null,
        loss: r.loss,
      };
    },
    dispose() {
      worker?.close();
      worker = null;
    },
  };
}

/** Max |difference| between the weights of tfjs configs after the same steps from the same start. */
export async function weightAgreement(
  spec: WorkloadSpec,
  data: WorkloadData,
  steps: number,
  setups: { name: string; backend: "wasm" | "cpu"; fix: boolean; variant: StepVariant }[],
): Promise<{ name: string; maxAbsDiff: number }[]> {
  const results: { name: string; weights: Float32Array[] }[] = [];
  for (const s of setups) {
    await prepareBackend({ backend: s.backend, fixTransposedMatMul: s.fix, quiet: true });
    const w = createWorkload({ ...spec, variant: s.variant }, data);
    w.run(steps);
    results.push({ name: s.name, weights: w.weights() });
    w.dispose();
  }
  const [ref, ...rest] = results;
  return rest.map((r) => {
    let worst = 0;
    r.weights.forEach((w, i) => w.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - ref.weights[i][j])))));
    return { name: r.name, maxAbsDiff: worst };
  });
}
