/**
 * sigmoid-lab's library, as the notebooks use it:
 *
 *   import * as lab from "./lib";
 *   await lab.prepareBackend();
 *   const exp = await lab.runExperiment({ name: "demo", data: { kind: "mnist" },
 *     model: { widths: [256, 256, 256, 256, 256], activation: "sigmoid", init: "standard", seed: 1 },
 *     train: { epochs: 5, batchSize: 64, optimizer: { kind: "sgd", learningRate: 1 }, seed: 1 } });
 *   const last = exp.result.probes[exp.result.probes.length - 1];
 *   last.snapshots[0].layers.map((l) => l.saturation[0].total);   // per-layer saturation on training points
 *
 * The science (one concept a module) is re-exported here; the display layer
 * is under ./display, and the runner and book (./runner, ./book) are tools,
 * not part of this API.
 */
export * from "./core/backend";
export * from "./core/rng";
export * from "./core/errors";
export * from "./data/mnist";
export * from "./data/shapeset";
export * from "./data/toy";
export * from "./data/visits";
export * from "./core/activations";
export * from "./core/init";
export * from "./core/lsuv";
export * from "./core/model";
export * from "./core/optim";
export * from "./core/loss";
export * from "./core/train";
export * from "./measure/saturation";
export * from "./measure/probe";
export * from "./measure/jacobian";
export * from "./core/linalg";
export * from "./measure/stats";
export * from "./run/cache";
export * from "./run/experiment";
export * from "./run/job";
export { runJobs, defaultWorkers } from "./run/jobs";
export type { RunJobsOptions, JobEvent } from "./run/jobs";
export { scoped } from "./core/scope";
export * from "./data/published";
export * from "./run/question";
export * from "./run/live";
export * from "./measure/frames";
export * from "./measure/compare";
export * from "./measure/causal";
export * from "./run/replay";
export * from "./run/findings";
