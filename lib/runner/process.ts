/**
 * The kernel's OS process: spawning tslab, killing its whole process group,
 * and making sure no kernel outlives the runner on any exit path.
 */
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { KernelError } from "./errors";

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface KernelProcess {
  readonly pid: number;
  /** Resolves when the process has exited, for whatever reason. */
  readonly exited: Promise<ExitInfo>;
  hasExited(): boolean;
  /** The last lines the kernel wrote to its own stdout/stderr (not to iopub). */
  outputTail(): string;
  /** SIGINT: tslab interrupts the running cell (vm breakOnSigint / async race). */
  interrupt(): void;
  /** Kill the process group now, synchronously. Safe to call repeatedly. */
  kill(): void;
}

const isWindows = process.platform === "win32";
const TAIL_CHARS = 4000;

export function tslabBinary(): string {
  try {
    return path.join(path.dirname(require.resolve("tslab/package.json")), "bin", "tslab");
  } catch {
    throw new KernelError(
      "start-failed",
      "tslab is not installed (no node_modules/tslab). Run npm ci in the repository.",
    );
  }
}

/**
 * Preloaded into the kernel: if the runner is killed outright (SIGKILL) it
 * cannot clean up, so the kernel notices its parent changed and kills itself.
 * The check runs on a worker thread, so it works while a cell is busy.
 */
/*
 * Only the main thread starts the watcher, and the watcher gets no execArgv:
 * a Worker inherits --require, so without both guards every worker would
 * load this file again and start another worker, without end (seen here:
 * 1,600 threads in one kernel after 20 minutes).
 */
const ORPHAN_GUARD = `const { Worker, isMainThread } = require("node:worker_threads");
if (isMainThread) {
  new Worker(\`
    const parent = process.ppid;
    setInterval(() => { if (process.ppid !== parent) process.kill(process.pid, "SIGKILL"); }, 500);
  \`, { eval: true, execArgv: [] }).unref();
}
`;

export function spawnKernel(
  connectionFile: string,
  cwd: string,
  envChanges: Readonly<Record<string, string | null>> = {},
): KernelProcess {
  const guard = path.join(path.dirname(connectionFile), "orphan-guard.js");
  fs.writeFileSync(guard, ORPHAN_GUARD);
  const args = ["--require", guard, tslabBinary(), "kernel", "--config-path", connectionFile];
  // detached: own process group, so a terminal Ctrl-C reaches the runner
  // (which cleans up) and not the kernel, and a group kill takes everything.
  const env = { ...process.env };
  for (const [k, v] of Object.entries(envChanges)) {
    if (v === null) delete env[k];
    else env[k] = v;
  }
  const child = spawn(process.execPath, args, { cwd, env, detached: !isWindows, stdio: ["ignore", "pipe", "pipe"] });
  if (child.pid === undefined) throw new Error(`Could not spawn ${process.execPath} ${args.join(" ")}`);
  return track(wrap(child, child.pid));
}

function wrap(child: ChildProcess, pid: number): KernelProcess {
  let tail = "";
  const keepTail = (chunk: Buffer) => {
    tail = (tail + chunk.toString("utf8")).slice(-TAIL_CHARS);
  };
  child.stdout?.on("data", keepTail);
  child.stderr?.on("data", keepTail);
  let done = false;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.on("exit", (code, signal) => {
      done = true;
      resolve({ code, signal });
    });
    child.on("error", (err) => {
      keepTail(Buffer.from(`\n${err.message}\n`));
      done = true;
      resolve({ code: null, signal: null });
    });
  });
  return {
    pid,
    exited,
    hasExited: () => done,
    outputTail: () => tail.trim(),
    interrupt: () => {
      if (!done) child.kill("SIGINT");
    },
    kill: () => killGroup(pid),
  };
}

function killGroup(pid: number): void {
  try {
    if (isWindows) spawnSync("taskkill", ["/pid", String(pid), "/T", "/F"], { stdio: "ignore" });
    else process.kill(-pid, "SIGKILL");
  } catch {
    // ESRCH: already gone, which is what we want.
  }
}

// ---------------------------------------------------------------------------
// No orphans: every live kernel is killed when the runner exits, however.

const live = new Set<KernelProcess>();
const FORWARDED_SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
let exitHookInstalled = false;

function track(kernel: KernelProcess): KernelProcess {
  live.add(kernel);
  installHooks();
  void kernel.exited.then(() => {
    live.delete(kernel);
    if (live.size === 0) removeSignalHooks();
  });
  return kernel;
}

function killAll(): void {
  for (const kernel of live) kernel.kill();
}

// 'exit' also runs after an uncaught exception or unhandled rejection.
function installHooks(): void {
  if (!exitHookInstalled) {
    process.on("exit", killAll);
    exitHookInstalled = true;
  }
  for (const signal of FORWARDED_SIGNALS) {
    if (!process.listeners(signal).includes(onSignal)) process.on(signal, onSignal);
  }
}

function removeSignalHooks(): void {
  for (const signal of FORWARDED_SIGNALS) process.off(signal, onSignal);
}

/** Kill the kernels, then let the signal do what it would have done. */
function onSignal(signal: NodeJS.Signals): void {
  killAll();
  removeSignalHooks();
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}
