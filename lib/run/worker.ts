/**
 * The entry of the worker threads that lib/run/jobs.ts starts: prepare the
 * backend, then run each job it is sent (lib/run/job) and post its progress
 * and outcome back.
 *
 * This module has no side effect when imported from the main thread: the
 * worker loop only starts in a thread created by lib/run/jobs.ts.
 */
import { isMainThread, parentPort, workerData } from "worker_threads";
import { prepareBackend } from "../core/backend";
import { Job, JobOutcome, JobProgress, runJob } from "./job";

/** Messages between lib/run/jobs.ts and a worker. */
export type ToWorker = { readonly type: "run"; readonly id: number; readonly job: Job; readonly cacheDir?: string };
export type FromWorker =
  | { readonly type: "ready"; readonly backend: string }
  | { readonly type: "progress"; readonly id: number; readonly progress: JobProgress }
  | { readonly type: "done"; readonly id: number; readonly outcome: JobOutcome }
  | { readonly type: "error"; readonly id: number; readonly message: string; readonly stack?: string };

export const WORKER_MARK = "sigmoid-lab-worker";

async function workerLoop(): Promise<void> {
  const port = parentPort!;
  const backend = await prepareBackend({ quiet: true });
  port.postMessage({ type: "ready", backend: backend.name } satisfies FromWorker);
  let lastProgress = 0;
  port.on("message", async (msg: ToWorker) => {
    try {
      const outcome = await runJob(msg.job, {
        cacheDir: msg.cacheDir,
        onProgress: (p) => {
          const now = Date.now();
          if (now - lastProgress < 200) return;
          lastProgress = now;
          port.postMessage({ type: "progress", id: msg.id, progress: p } satisfies FromWorker);
        },
      });
      port.postMessage({ type: "done", id: msg.id, outcome } satisfies FromWorker);
    } catch (e) {
      const err = e as Error;
      port.postMessage({
        type: "error",
        id: msg.id,
        message: `${err.name ?? "Error"}: ${err.message}`,
        stack: err.stack,
      } satisfies FromWorker);
    }
  });
}

if (!isMainThread && (workerData as { mark?: string } | null)?.mark === WORKER_MARK) {
  void workerLoop();
}
