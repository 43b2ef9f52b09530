/**
 * sigmoid-lab's library, as the notebooks use it (`import * as lab from "./lib"`):
 *
 *   await lab.prepareBackend();
 *   const exp = await lab.runExperiment(lab.questionExperiment({ epochs: 3 }));  // train, or load from the cache
 *   const last = exp.result.probes[exp.result.probes.length - 1];                // probes taken while training
 *   last.snapshots[0].layers.map((l) => l.saturation[0].total);                  // saturated fraction per layer, training points
 *   const s = lab.perExampleStats(exp.model, exp.data.probeHeldOut);             // the same per point, on held-out points
 *   lab.compareMeans(s.layers[0].saturated[0], ...);                             // a difference with a bootstrap interval
 *
 * The layers, each importing only from those above it (lib/README.md):
 *   core     the engine: backend, randomness, errors, activations, inits, the MLP, loss, optimizers, the training loop
 *   data     MNIST, Shapeset-3x2, 2-D toy sets, published numbers
 *   measure  what we measure inside a network, each measured once
 *   run      experiments, the disk cache, the question's network, findings, the worker pool
 * Chapter code (lib/chapters, one module per notebook) and the exercises
 * (lib/exercises) are imported by their notebooks directly; the display layer
 * is lib/display; the runner, the book and the benchmark are tools.
 */
// In a kernel: the kernel's sends one at a time (a loaded machine killed kernels with "Socket is busy writing").
import "./display/iopub-queue";
// core
export * from "./core/backend";
export * from "./core/rng";
export * from "./core/errors";
export { scoped } from "./core/scope";
export * from "./core/activations";
export * from "./core/init";
export * from "./core/lsuv";
export * from "./core/centre";
export * from "./core/model";
export * from "./core/loss";
export * from "./core/optim";
export * from "./core/train";
export * from "./core/linalg";
// data
export * from "./data/dataset";
export * from "./data/mnist";
export * from "./data/shapeset";
export * from "./data/toy";
export * from "./data/published";
export * from "./data/visits";
// measure
export * from "./measure/stats";
export * from "./measure/saturation";
export * from "./measure/deltas";
export * from "./measure/probe";
export * from "./measure/compare";
export * from "./measure/svd";
export * from "./measure/jacobian";
export * from "./measure/isometry";
export * from "./measure/bound";
export * from "./measure/trace";
export * from "./measure/frames";
export * from "./measure/frames-group";
export * from "./measure/causal";
// run
export * from "./run/cache";
export * from "./run/experiment";
export * from "./run/question";
export * from "./run/fixes";
export * from "./run/job";
export { runJobs, runExperiments, defaultWorkers } from "./run/jobs";
export type { RunJobsOptions, JobEvent } from "./run/jobs";
export * from "./run/live";
export * from "./run/replay";
export * from "./run/findings";
export * from "./run/findings-setting";
export { watchInterrupts } from "./run/interrupt";
