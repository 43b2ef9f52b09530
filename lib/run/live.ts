/**
 * Glue between the training loop and the live progress display: one call
 * gives the callbacks a notebook passes to train() or runExperiment().
 */
import { ProgressSink, progress } from "../display/progress";
import type { TrainCallbacks } from "../core/train";
import type { ProbeSnapshot } from "../measure/probe";

export interface LiveTraining extends TrainCallbacks<ProbeSnapshot> {
  /** Finalise the display (call when training returns, also from a cache). */
  done(note?: string): void;
}

/**
 * Live epoch, loss, held-out accuracy and samples/s, updated in place, at most
 * every `throttleMs` (default 250 ms; long cells use 1,000 so the kernel sends few messages).
 */
export function liveTraining(
  title: string,
  epochs: number,
  opts: { throttleMs?: number; sink?: ProgressSink } = {},
): LiveTraining {
  const p = progress({ title, total: epochs, throttleMs: opts.throttleMs, sink: opts.sink });
  let lastAccuracy: number | undefined;
  return {
    // The display reads the step's numbers, never the model: the fast path need not copy its weights out per step.
    stepReadsModel: () => false,
    // Steps repeat the last epoch's accuracy for the display; only onEpoch adds it to the accuracy curve.
    onStep: (s) =>
      p.update({
        epoch: s.epoch,
        step: s.step,
        loss: s.loss,
        accuracy: lastAccuracy,
        accuracyMeasured: false,
        samplesPerSec: s.samplesPerSec,
      }),
    onEpoch: (e) => {
      lastAccuracy = (e.test ?? e.train).accuracy;
      p.update({
        epoch: e.epoch,
        step: e.step,
        loss: e.runningLoss,
        accuracy: lastAccuracy,
        samplesPerSec: e.samplesPerSec,
      });
    },
    done: (note) => p.done(note),
  };
}
