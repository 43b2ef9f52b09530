/**
 * The PyTorch side of the benchmark: a long-lived /usr/bin/python3 process
 * running lib/bench/torch_bench.py, asked for timed segments of steps over
 * stdin/stdout so they interleave with the tfjs segments.
 *
 * /usr/bin/python3 is Debian's, with python3-torch; the `python3` on PATH
 * may be another interpreter without torch.
 */
import { spawn, spawnSync, ChildProcessWithoutNullStreams } from "child_process";
import * as path from "path";
import * as readline from "readline";
import { WorkloadSpec } from "./workload";

export const SYSTEM_PYTHON = "/usr/bin/python3";

export interface TorchSegment {
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly loss: number;
}

/** torch's version when `/usr/bin/python3 -c "import torch"` works, else null. */
export function torchVersion(): string | null {
  const r = spawnSync(SYSTEM_PYTHON, ["-c", "import torch; print(torch.__version__)"], {
    encoding: "utf8",
    timeout: 60_000,
  });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** Threads for torch's own intra-op pool (OpenMP) and for OpenBLAS. */
export interface TorchThreads {
  readonly torch: number;
  readonly blas: number;
}

/**
 * The environment that was fastest here: OpenBLAS limited to the requested
 * threads, and the machine-wide OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE
 * overrides removed so OpenBLAS picks its kernels for the real CPU.
 */
export function torchEnv(threads: TorchThreads): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OPENBLAS_NUM_THREADS: String(threads.blas),
    OMP_NUM_THREADS: String(threads.torch),
  };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

export class TorchWorker {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: AsyncIterator<string>;
  private stderr = "";
  readonly ready: Promise<void>;

  constructor(
    spec: WorkloadSpec,
    readonly threads: TorchThreads,
    opts: { mnistDir?: string; warmupSteps: number },
  ) {
    const args = [
      path.join(__dirname, "torch_bench.py"),
      `--threads=${threads.torch}`,
      `--widths=${spec.widths.join(",")}`,
      `--inputs=${spec.inputDim}`,
      `--classes=${spec.classes}`,
      `--batch=${spec.batchSize}`,
      `--lr=${spec.learningRate}`,
      `--warmup-steps=${opts.warmupSteps}`,
      `--seed=${spec.seed}`,
    ];
    if (opts.mnistDir) args.push(`--mnist-dir=${opts.mnistDir}`);
    this.child = spawn(SYSTEM_PYTHON, args, { env: torchEnv(threads), stdio: ["pipe", "pipe", "pipe"] });
    this.child.stderr.on("data", (d: Buffer) => (this.stderr += d.toString()));
    this.lines = readline.createInterface({ input: this.child.stdout })[Symbol.asyncIterator]();
    this.ready = this.readJson().then((msg) => {
      if (msg.ready !== true) throw new Error(`torch_bench.py: unexpected first line ${JSON.stringify(msg)}`);
    });
  }

  /** Run `steps` training steps in the Python process and report its timing. */
  async run(steps: number): Promise<TorchSegment> {
    this.child.stdin.write(JSON.stringify({ steps }) + "\n");
    const msg = await this.readJson();
    return { seconds: Number(msg.seconds), cpuSeconds: Number(msg.cpu_seconds), loss: Number(msg.loss) };
  }

  close(): void {
    if (this.child.exitCode === null) {
      this.child.stdin.end(JSON.stringify({ quit: true }) + "\n");
    }
  }

  private async readJson(): Promise<Record<string, unknown>> {
    const next = await this.lines.next();
    if (next.done) {
      throw new Error(`torch_bench.py (threads ${JSON.stringify(this.threads)}) exited early:\n${this.stderr.trim()}`);
    }
    return JSON.parse(next.value) as Record<string, unknown>;
  }
}
