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
export * from "./backend";
export * from "./rng";
export * from "./errors";
export * from "./data";
export * from "./shapeset";
export * from "./toy";
export * from "./activations";
export * from "./init";
export * from "./lsuv";
export * from "./model";
export * from "./optim";
export * from "./train";
export * from "./probe";
export * from "./jacobian";
export * from "./linalg";
export * from "./stats";
export * from "./cache";
export * from "./experiment";
export { scoped } from "./scope";
export * from "./published";
export * from "./question";
export * from "./live";
export * from "./frames";
export * from "./compare";
export * from "./trace";
export * from "./findings";
