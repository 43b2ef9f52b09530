/**
 * Interrupts that stop the work, not only the cell.
 *
 * tslab answers the kernel's interrupt (SIGINT) by racing the running cell's
 * promise against a rejection: the cell goes idle at once, but a training
 * loop it started would go on in the background, competing for the cores
 * and later writing its cache entry. So the training loop, the sweeps and
 * the worker pool watch for interrupts themselves: `watchInterrupts()` gives
 * a signal that turns aborted at the first SIGINT after it was made, the loop
 * checks it before every step (lib/core/train) and the pool terminates its
 * workers (lib/run/jobs). Nothing half-written reaches the cache: an entry
 * is written only after its work finished.
 *
 * tslab then prints its own error with a stack trace; in a kernel this
 * module replaces that one printout by a single line that says where the
 * work stopped.
 */
import { isMainThread } from "worker_threads";
import { inTslabKernel } from "../display/output";
import type { StopSignal } from "../core/train";

let interrupts = 0;
let installed = false;
/** What is running now, for the one-line message: set by the training loops that watch. */
let activity: { what: string; step: number } | null = null;

/** A signal aborted by any interrupt after this call. */
export function watchInterrupts(): StopSignal {
  install();
  const since = interrupts;
  return {
    get aborted() {
      return interrupts > since;
    },
  };
}

/** Say what is running (shown if the reader interrupts it). */
export function setActivity(what: string, step: number): void {
  activity = { what, step };
}

export function clearActivity(): void {
  activity = null;
}

/** For tests and non-kernel callers: behave as if SIGINT had arrived. */
export function simulateInterrupt(): void {
  interrupts++;
}

const TSLAB_INTERRUPT = /^Error: (Interrupted asynchronously|Script execution was interrupted by `SIGINT`)/;

function install(): void {
  // Only in a kernel's main thread: elsewhere a SIGINT listener would stop Ctrl-C from ending a script.
  if (installed || !isMainThread || !inTslabKernel()) return;
  installed = true;
  process.prependListener("SIGINT", () => {
    interrupts++;
  });
  // tslab reports an interrupt by printing an Error with its stack trace to the cell's stderr:
  // "Interrupted asynchronously" when the cell was awaiting (our loops then stop themselves at their
  // next step), or vm's "Script execution was interrupted by `SIGINT`" when it was running
  // synchronously (the exception has stopped the loop already; SIGINT listeners do not run then,
  // so it is counted here). tslab points process.stderr.write at the running cell for every cell:
  // wrap each writer it installs so that this one printout becomes one line saying where the work
  // stopped. Everything else written to stderr passes through unchanged.
  let writer = process.stderr.write;
  Object.defineProperty(process.stderr, "write", {
    configurable: true,
    get: () => writer,
    set: (fn: typeof process.stderr.write) => {
      writer = ((chunk: unknown, ...rest: unknown[]) => {
        const text = typeof chunk === "string" ? chunk : null;
        if (text && TSLAB_INTERRUPT.test(text)) {
          if (!text.startsWith("Error: Interrupted")) interrupts++;
          const at = activity;
          return fn.call(
            process.stderr,
            `Interrupted${at ? ` at step ${at.step} of ${at.what}` : ""}: the work stopped; nothing half-done was cached.\n`,
          );
        }
        return (fn as (...a: unknown[]) => boolean).call(process.stderr, chunk, ...rest);
      }) as typeof process.stderr.write;
    },
  });
}

install();
