/**
 * What probing costs during training, on the notebooks' own loop
 * (lib/core/train.ts) and the question's network: the time of one probe of
 * both probe sets, against the training time between two probes. Two probes
 * of the same weights, interleaved with the training rounds so both see the
 * same load:
 *   - tfjs: lib/measure/probe on the model (the path before issue 16's probe work,
 *     and the one tfjs-trained runs take),
 *   - fast: the same probe with its passes on the fast kernel (what train()'s
 *     probes do on the fast path), plus the copy of the weights into the model
 *     that train() makes before every probe (`observe` may read the model).
 * Each is split into its pass (forward + backward) and the JS statistics.
 * Times are this process's CPU time (process.cpuUsage), so the ratios do not
 * depend on what else the machine runs (the 2-core machine is shared).
 */
import { loadData } from "../run/experiment";
import { questionExperiment, QUESTION_DEFAULTS } from "../run/question";
import { Mlp } from "../core/model";
import { evaluate, train } from "../core/train";
import { probeSubset } from "../run/experiment";
import { probe } from "../measure/probe";
import { backward } from "../measure/deltas";
import { FastTrainer } from "../core/fast/trainer";
import type { FastPasses } from "../core/fast/probe";
import { makeStepper } from "../core/steppers";
import { trainingPath } from "../core/fast/route";

export interface ProbeTimes {
  /** One probe of both sets (ms). */
  readonly pairMs: number;
  /** Of which the forward + backward passes (ms). */
  readonly passMs: number;
  /** Copying the trained weights into the model before the probe (ms; fast path only). */
  readonly syncMs: number;
}

export interface ProbeCost {
  readonly stepMs: number;
  readonly samplesPerSec: number;
  readonly stepsBetweenProbes: number;
  /** What trained the steps ("wasm-simd" or "tfjs"). */
  readonly path: string;
  readonly tfjs: ProbeTimes;
  readonly fast: ProbeTimes;
  /** (Probe + sync) time / training time between probes, on the fast path's probe. */
  readonly overhead: number;
  /** The same with today's tfjs probe. */
  readonly overheadTfjs: number;
  /** The end-of-epoch evaluation (10,000 training rows and the test set) in tfjs, and its share of an epoch's training time. */
  readonly evaluationMs: number;
  readonly evaluationShare: number;
  /** The same evaluation as train() makes it on its path (the fast kernel's forward pass where the run trains there). */
  readonly evaluationPathMs: number;
  readonly evaluationPathShare: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** CPU milliseconds of this process (user + system) spent in f. */
function timed(f: () => void): number {
  const t0 = process.cpuUsage();
  f();
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / 1000;
}

export async function measureProbeCost(rounds = 5, stepsPerRound = 150): Promise<ProbeCost> {
  const cfg = questionExperiment();
  const data = loadData(cfg.data, cfg.probePoints);
  const sets = [data.probeTrain, data.probeHeldOut];
  const model = new Mlp({ ...cfg.model, inputDim: 784, outputDim: 10 });
  const samples = { step: [] as number[], eval: [] as number[], evalPath: [] as number[] };
  const t = { pair: [] as number[], pass: [] as number[] },
    f = { pair: [] as number[], pass: [] as number[], sync: [] as number[] };
  const evalTrain = probeSubset(data.train, 10_000, "bench evaluation rows");
  let path = "";
  try {
    for (let r = 0; r < rounds; r++) {
      // Interleave training and probing so both see the same machine load.
      const c0 = process.cpuUsage();
      const res = await train(
        model,
        { train: data.train },
        { ...cfg.train, epochs: 1, maxSteps: stepsPerRound, evalTrainSize: 1, probeEverySteps: undefined },
      );
      const c = process.cpuUsage(c0);
      samples.step.push((c.user + c.system) / 1000 / res.steps);
      path = res.path ?? "";
      t.pair.push(timed(() => sets.forEach((p) => probe(model, p))));
      t.pass.push(timed(() => sets.forEach((p) => backward(model, p, { weightGrads: true }))));
      const trainer = FastTrainer.fromModel(model, cfg.train);
      try {
        const fast: FastPasses = trainer.passes();
        // Steps move the trainer's weights; the copy that train() makes before a probe is then a real one.
        f.sync.push(timed(() => trainer.syncTo(model)));
        f.pair.push(timed(() => sets.forEach((p) => probe(model, p, { fast }))));
        f.pass.push(timed(() => sets.forEach((p) => backward(model, p, { weightGrads: true, fast }))));
      } finally {
        trainer.dispose();
      }
      if (r < 2) samples.eval.push(timed(() => (evaluate(model, evalTrain), evaluate(model, data.test))));
      // train()'s own evaluation: its stepper on its path (lib/core/steppers.ts), on the model's current weights.
      const stepper = makeStepper(model, cfg.train, trainingPath({ model: cfg.model, train: cfg.train }));
      try {
        samples.evalPath.push(timed(() => (stepper.evaluate(evalTrain), stepper.evaluate(data.test))));
      } finally {
        stepper.dispose();
      }
    }
  } finally {
    model.dispose();
  }
  const step = median(samples.step);
  const between = cfg.train.probeEverySteps ?? Math.floor(data.train.n / cfg.train.batchSize);
  const tfjs: ProbeTimes = { pairMs: median(t.pair), passMs: median(t.pass), syncMs: 0 };
  const fast: ProbeTimes = { pairMs: median(f.pair), passMs: median(f.pass), syncMs: median(f.sync) };
  return {
    stepMs: step,
    samplesPerSec: (1000 * cfg.train.batchSize) / step,
    stepsBetweenProbes: between,
    path,
    tfjs,
    fast,
    overhead: (fast.pairMs + fast.syncMs) / (between * step),
    overheadTfjs: tfjs.pairMs / (between * step),
    evaluationMs: median(samples.eval),
    evaluationShare: median(samples.eval) / (Math.floor(data.train.n / cfg.train.batchSize) * step),
    evaluationPathMs: median(samples.evalPath),
    evaluationPathShare: median(samples.evalPath) / (Math.floor(data.train.n / cfg.train.batchSize) * step),
  };
}

export function probeCostLines(c: ProbeCost): string[] {
  const q = QUESTION_DEFAULTS;
  const split = (p: ProbeTimes) =>
    `${p.pairMs.toFixed(0)} ms (passes ${p.passMs.toFixed(0)} ms, statistics ${(p.pairMs - p.passMs).toFixed(0)} ms` +
    (p.syncMs > 0 ? `, plus ${p.syncMs.toFixed(0)} ms copying the weights into the model` : "") +
    ")";
  return [
    `## Probe cost (lib/core/train.ts on the question's network: ${q.depth} × ${q.width} sigmoid, batch ${q.batchSize}, ${q.probesPerEpoch} probes per epoch of ${q.probePoints} training + ${q.probePoints} held-out points)`,
    "",
    "CPU time of this process, medians of interleaved rounds.",
    "",
    `- training step (${c.path}): ${c.stepMs.toFixed(2)} ms (${c.samplesPerSec.toFixed(0)} samples/s); ${c.stepsBetweenProbes} steps between probes = ${(c.stepsBetweenProbes * c.stepMs).toFixed(0)} ms`,
    `- one probe of both sets, passes on the fast kernel (train()'s probes on the fast path): ${split(c.fast)}`,
    `- the same probe, passes in tfjs (tfjs-trained runs; every run before this change): ${split(c.tfjs)}`,
    `- probing slows fast-path training by ${(100 * c.overhead).toFixed(1)}% (target: at most 20%) ${c.overhead <= 0.2 ? "✓" : "✗"}; with the tfjs passes it would be ${(100 * c.overheadTfjs).toFixed(1)}%`,
    `- the end-of-epoch evaluation (10,000 training rows + the test set) as train() makes it on ${c.path}: ${c.evaluationPathMs.toFixed(0)} ms, ${(100 * c.evaluationPathShare).toFixed(1)}% of an epoch's training time; in tfjs (tfjs-trained runs): ${c.evaluationMs.toFixed(0)} ms, ${(100 * c.evaluationShare).toFixed(1)}%`,
  ];
}
