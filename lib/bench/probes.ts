/**
 * What probing costs during training, on the notebooks' own loop
 * (lib/train.ts) and the question's network: the time of one probe of both
 * probe sets, against the training time between two probes.
 */
import { loadData } from "../run/experiment";
import { questionExperiment, QUESTION_DEFAULTS } from "../run/question";
import { Mlp } from "../core/model";
import { evaluate, train } from "../core/train";
import { probeSubset } from "../run/experiment";
import { probe } from "../measure/probe";

export interface ProbeCost {
  readonly stepMs: number;
  readonly samplesPerSec: number;
  readonly probePairMs: number;
  readonly stepsBetweenProbes: number;
  /** Probe time / training time between probes. */
  readonly overhead: number;
  /** What trained the steps ("wasm-simd" or "tfjs"). */
  readonly path: string;
  /** The end-of-epoch evaluation (10,000 training rows and the test set), and its share of an epoch's training time. */
  readonly evaluationMs: number;
  readonly evaluationShare: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function measureProbeCost(rounds = 5, stepsPerRound = 150): Promise<ProbeCost> {
  const cfg = questionExperiment();
  const data = loadData(cfg.data, cfg.probePoints);
  const model = new Mlp({ ...cfg.model, inputDim: 784, outputDim: 10 });
  const stepMs: number[] = [],
    probeMs: number[] = [],
    evalMs: number[] = [];
  const evalTrain = probeSubset(data.train, 10_000, "bench evaluation rows");
  let path = "";
  try {
    for (let r = 0; r < rounds; r++) {
      // Interleave training and probing so both see the same machine load.
      const res = await train(
        model,
        { train: data.train },
        { ...cfg.train, epochs: 1, maxSteps: stepsPerRound, evalTrainSize: 1, probeEverySteps: undefined },
      );
      stepMs.push((1000 * res.trainSeconds) / res.steps);
      path = res.path ?? "";
      const t0 = performance.now();
      probe(model, data.probeTrain);
      probe(model, data.probeHeldOut);
      probeMs.push(performance.now() - t0);
      if (r < 2) {
        const t1 = performance.now();
        evaluate(model, evalTrain);
        evaluate(model, data.test);
        evalMs.push(performance.now() - t1);
      }
    }
  } finally {
    model.dispose();
  }
  const step = median(stepMs),
    pair = median(probeMs);
  const between = cfg.train.probeEverySteps ?? Math.floor(data.train.n / cfg.train.batchSize);
  return {
    stepMs: step,
    samplesPerSec: (1000 * cfg.train.batchSize) / step,
    probePairMs: pair,
    stepsBetweenProbes: between,
    overhead: pair / (between * step),
    path,
    evaluationMs: median(evalMs),
    evaluationShare: median(evalMs) / (Math.floor(data.train.n / cfg.train.batchSize) * step),
  };
}

export function probeCostLines(c: ProbeCost): string[] {
  const q = QUESTION_DEFAULTS;
  return [
    `## Probe cost (lib/train.ts on the question's network: ${q.depth} × ${q.width} sigmoid, batch ${q.batchSize}, ${q.probesPerEpoch} probes per epoch of ${q.probePoints} training + ${q.probePoints} held-out points)`,
    "",
    `- training step (${c.path}): ${c.stepMs.toFixed(2)} ms (${c.samplesPerSec.toFixed(0)} samples/s)`,
    `- one probe of both sets: ${c.probePairMs.toFixed(0)} ms, every ${c.stepsBetweenProbes} steps`,
    `- probing slows training by ${(100 * c.overhead).toFixed(1)}% (target: at most 20%) ${c.overhead <= 0.2 ? "✓" : "✗"}`,
    `- the end-of-epoch evaluation (10,000 training rows + the test set, tfjs): ${c.evaluationMs.toFixed(0)} ms, ${(100 * c.evaluationShare).toFixed(1)}% of an epoch's training time`,
  ];
}
