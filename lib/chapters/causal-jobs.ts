/**
 * Chapter: notebook 03-causal — its job kinds, run by the shared worker pool
 * (lib/run/jobs) like any experiment. A worker thread loads this module by
 * its path (JOB_MODULE) and calls JOBS[kind]:
 *
 *   - "visits": the question's network trained on MNIST under a visit plan
 *     (lib/data/visits: groups of images visited k times per epoch, a
 *     wrong-label group); every group measured over training and, point by
 *     point, at the end. Its trained weights are cached for "continue".
 *   - "continue": a trained "visits" network trained on for many epochs on a
 *     subset of images it never saw, under a chosen loss (cross-entropy,
 *     label smoothing, the quadratic cost, weight decay): weight norms and
 *     saturation on those images and on unseen ones (the mechanism).
 *   - "stream": the question's network on Shapeset-3x2, either online (fresh
 *     images at every step, none ever seen twice) or over a small fixed set
 *     repeated many times, with saturation on fresh images over training.
 */
import { loadMnist } from "../data/mnist";
import type { Dataset } from "../data/dataset";
import { makeShapeset } from "../data/shapeset";
import { GroupLabels, VisitGroup, VisitGroupSpec, groupPoints, planVisits, visitData } from "../data/visits";
import { Mlp } from "../core/model";
import { train } from "../core/train";
import { ConfigError } from "../core/errors";
import { frobeniusNorm } from "../core/linalg";
import { measurePoints, pointFit } from "../measure/causal";
import type { FastPasses } from "../core/fast/probe";
import { cached } from "../run/cache";
import type { ExperimentConfig } from "../run/experiment";
import { keyedJob, type Job, type JobKinds, type JobProgress } from "../run/job";

/** This module, as a job's `module` (relative to lib/). */
export const JOB_MODULE = "chapters/causal-jobs";

/** The question's network trained under a visit plan. */
export interface VisitsJob extends Job {
  readonly kind: "visits";
  readonly module: typeof JOB_MODULE;
  /** name, model and train (epochs, batchSize, optimizer, seed, probeEverySteps); data is MNIST's training file. */
  readonly config: ExperimentConfig;
  readonly groups: readonly VisitGroupSpec[];
  readonly splitSeed: number;
  /** Groups measured (default: all); the others only pad the split. */
  readonly measured?: readonly string[];
  /** Points of each measured group probed during training (all of them at the end). */
  readonly probePoints: number;
  readonly eps: number;
}

/** Train on, from a trained "visits" network, for many epochs under one loss. */
export interface ContinueJob extends Job {
  readonly kind: "continue";
  readonly module: typeof JOB_MODULE;
  /** name and train (epochs, batchSize, optimizer with its weightDecay, seed, loss). */
  readonly config: ExperimentConfig;
  readonly base: VisitsJob;
  /** A group of the base plan the base network never visited: its first trainPoints images are the new training set. */
  readonly trainGroup: string;
  readonly trainPoints: number;
  /** Another never-visited group: its first unseenPoints images are measured as unseen. */
  readonly unseenGroup: string;
  readonly unseenPoints: number;
  readonly probeEveryEpochs: number;
  readonly eps: number;
}

/** Shapeset-3x2, online or over a fixed set. */
export interface StreamJob extends Job {
  readonly kind: "stream";
  readonly module: typeof JOB_MODULE;
  /** name, data (kind "shapeset": its seed names the images), model, train (batchSize, optimizer, seed). */
  readonly config: ExperimentConfig;
  readonly arm: "online" | "repeated";
  readonly steps: number;
  /** Measure every this many steps (and before the first). */
  readonly everySteps: number;
  /** Images of the repeated arm's fixed set. */
  readonly fixedImages: number;
  /** Fresh images measured (never trained on by either arm). */
  readonly probePoints: number;
  readonly eps: number;
}

/** A set of points as one network saw them: means over points, per hidden layer. */
export interface SetSummary {
  readonly n: number;
  /** Accuracy against the labels training used (for a wrong-label group: how many it memorised). */
  readonly accuracy: number;
  /** Mean softmax cross-entropy of those labels. */
  readonly loss: number;
  /** Mean per-point saturation s_{i,l} at ε, and its variance over points (for normal-approximation bands). */
  readonly saturation: number[];
  readonly saturationVar: number[];
  /** Mean per-point share of units with f'(z)/max f' < δ, δ = 4ε(1 − ε). */
  readonly flat: number[];
}

export interface GroupInfo {
  readonly name: string;
  readonly passesPerEpoch: number;
  readonly labels: GroupLabels;
  readonly n: number;
}

/** Every point of a group at the end: counts of saturated (and flat) units per layer, margin and loss. */
export interface GroupPoints extends GroupInfo {
  readonly summary: SetSummary;
  /** Accuracy against the file's true labels (differs from summary.accuracy for wrong labels only). */
  readonly accuracyTrueLabels: number;
  /** saturated[l][i]: units of layer l+1 within ε of 0 or 1 on point i (an integer; divide by the width). */
  readonly saturated: number[][];
  readonly flat: number[][];
  /** Margin and loss of the label training used, rounded to 4 decimals. */
  readonly margin: number[];
  readonly loss: number[];
}

export interface TimePoint<S> {
  readonly step: number;
  /** Epochs of the job's stream (for "visits": passes of a k = 1 image). */
  readonly epoch: number;
  readonly sets: S;
  /** ‖W_l‖_F for l = 1..L+1. */
  readonly weightNorms: number[];
}

export interface VisitsResult {
  readonly width: number;
  readonly depth: number;
  readonly groups: GroupInfo[];
  readonly epochLength: number;
  readonly timeline: TimePoint<SetSummary[]>[];
  readonly final: GroupPoints[];
  readonly steps: number;
  readonly samples: number;
  readonly seconds: number;
}

export interface ContinueResult {
  readonly timeline: TimePoint<{ readonly trained: SetSummary; readonly unseen: SetSummary }>[];
  readonly steps: number;
  readonly samples: number;
  readonly seconds: number;
}

export interface StreamResult {
  readonly arm: "online" | "repeated";
  /** Distinct images trained on (online: every sample is new). */
  readonly distinctImages: number;
  readonly timeline: TimePoint<{ readonly fresh: SetSummary; readonly trained: SetSummary | null }>[];
  readonly steps: number;
  readonly samples: number;
  readonly seconds: number;
}

// ------------------------------------------------------------------ measuring

/** Means over a set of points: accuracy, loss, saturation per layer. */
/** A set's accuracy, loss and per-layer saturation; `fast`: the training kernel's pass while it trains. */
export function summarize(model: Mlp, points: Dataset, eps: number, fast: FastPasses | null = null): SetSummary {
  return pointsOf(model, points, eps, fast).summary;
}

function pointsOf(model: Mlp, points: Dataset, eps: number, fast: FastPasses | null = null) {
  const pm = measurePoints(model, points, eps, 1000, fast);
  let correct = 0,
    loss = 0;
  for (let i = 0; i < points.n; i++) {
    if (pm.fit.margin[i] > 0) correct++;
    loss += pm.fit.loss[i];
  }
  const sat = pm.saturated.map(meanVar);
  const summary: SetSummary = {
    n: points.n,
    accuracy: correct / points.n,
    loss: loss / points.n,
    saturation: sat.map((s) => s.mean),
    saturationVar: sat.map((s) => s.variance),
    flat: pm.flat.map((x) => meanVar(x).mean),
  };
  return { summary, pm };
}

function meanVar(x: Float64Array): { mean: number; variance: number } {
  let s = 0,
    s2 = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  const m = s / x.length;
  for (let i = 0; i < x.length; i++) s2 += (x[i] - m) ** 2;
  return { mean: m, variance: s2 / Math.max(1, x.length - 1) };
}

const weightNorms = (model: Mlp) => model.layers.map((l) => frobeniusNorm(l.W.dataSync()));
const round4 = (x: number) => Math.round(x * 1e4) / 1e4;
const wallClock = () => {
  const t0 = Date.now();
  return () => (Date.now() - t0) / 1000;
};

// ------------------------------------------------------------------ "visits"

function modelFor(cfg: ExperimentConfig, ds: Pick<Dataset, "inputDim" | "numClasses">): Mlp {
  return new Mlp({ ...cfg.model, inputDim: ds.inputDim, outputDim: ds.numClasses });
}

function measuredGroups(job: VisitsJob) {
  const names = job.groups.map((g) => g.name);
  for (const m of job.measured ?? [])
    if (!names.includes(m)) throw new ConfigError("measured", m, `a group name of the plan (${names.join(", ")})`);
  return job.measured ?? names;
}

async function trainVisits(
  job: VisitsJob,
  onProgress: (p: JobProgress) => void,
): Promise<{ result: VisitsResult; weights: Record<string, Float32Array> }> {
  const clock = wallClock();
  const file = loadMnist("train");
  const plan = planVisits(file.n, job.groups, job.splitSeed);
  const data = visitData(file, plan, job.config.train.batchSize);
  const names = measuredGroups(job);
  const groups = plan.groups.filter((g) => names.includes(g.name));
  const probeSets = groups.map((g) => groupPoints(file, g, data.train.y, job.probePoints));
  const model = modelFor(job.config, file);
  const epochs = job.config.train.epochs;
  const timeline: TimePoint<SetSummary[]>[] = [];
  const unseen = groups.findIndex((g) => g.passesPerEpoch === 0);
  let heldOutAccuracy: number | undefined;
  try {
    const r = await train(
      model,
      {
        train: data.train,
        epochOrder: data.epochOrder,
        probeSets,
        observe: (m, p, ctx) => summarize(m, p, job.eps, ctx.fast),
      },
      { ...job.config.train, evalTrainSize: 64 },
      {
        onProbe: (p) => {
          timeline.push({ step: p.step, epoch: p.epoch, sets: p.snapshots, weightNorms: weightNorms(model) });
          if (unseen >= 0) heldOutAccuracy = p.snapshots[unseen].accuracy;
        },
        // onStep reads only the loss: the fast path need not copy the weights into the model every step.
        stepReadsModel: () => false,
        onStep: (s) =>
          onProgress({
            epoch: s.epoch,
            epochs,
            step: s.step,
            loss: s.loss,
            accuracy: heldOutAccuracy,
            samplesPerSec: s.samplesPerSec,
          }),
      },
    );
    // The timeline ends where training ends, whatever the probe cadence.
    if (timeline[timeline.length - 1].step !== r.steps) {
      timeline.push({
        step: r.steps,
        epoch: r.steps / (plan.epochLength / job.config.train.batchSize),
        sets: probeSets.map((p) => summarize(model, p, job.eps)),
        weightNorms: weightNorms(model),
      });
    }
    const final = groups.map((g) => finalPoints(model, file, g, data.train.y, job.eps));
    const result: VisitsResult = {
      width: model.hidden[0].nOut,
      depth: model.depth,
      groups: plan.groups.map((g) => ({ name: g.name, passesPerEpoch: g.passesPerEpoch, labels: g.labels, n: g.size })),
      epochLength: plan.epochLength,
      timeline,
      final,
      steps: r.steps,
      samples: r.steps * job.config.train.batchSize,
      seconds: clock(),
    };
    return { result, weights: model.getWeights() };
  } finally {
    model.dispose();
  }
}

/** Every point of a group: per-point counts, margins and losses, and accuracy by the true labels too. */
function finalPoints(model: Mlp, file: Dataset, g: VisitGroup, labels: Int32Array, eps: number): GroupPoints {
  const pts = groupPoints(file, g, labels);
  const { summary, pm } = pointsOf(model, pts, eps);
  // Against the true labels: the same points with the file's labels (only a wrong-label group differs).
  const accuracyTrueLabels =
    g.labels === "wrong" ? fractionPositive(pointFit(model, groupPoints(file, g)).margin) : summary.accuracy;
  const counts = (x: Float64Array, width: number) => Array.from(x, (v) => Math.round(v * width));
  return {
    name: g.name,
    passesPerEpoch: g.passesPerEpoch,
    labels: g.labels,
    n: g.size,
    summary,
    accuracyTrueLabels,
    saturated: pm.saturated.map((x, l) => counts(x, pm.widths[l])),
    flat: pm.flat.map((x, l) => counts(x, pm.widths[l])),
    margin: Array.from(pm.fit.margin, round4),
    loss: Array.from(pm.fit.loss, round4),
  };
}

function fractionPositive(x: Float64Array): number {
  let k = 0;
  for (let i = 0; i < x.length; i++) if (x[i] > 0) k++;
  return k / x.length;
}

// ------------------------------------------------------------------ the trained weights, for "continue"

/** Where a visits job's trained weights are cached (next to its record, which runJob caches), keyed by path too. */
const weightsId = (job: VisitsJob) => ({ name: `${job.config.name}-weights`, key: { weightsOf: keyedJob(job) } });

async function visitsRun(job: VisitsJob, onProgress: (p: JobProgress) => void): Promise<VisitsResult> {
  const { result, weights } = await trainVisits(job, onProgress);
  const id = weightsId(job);
  await cached(id.name, id.key, async () => ({ value: {}, arrays: weights }));
  return result;
}

/** A visits job's trained weights: from the cache, or trained again (the same seed gives the same weights). */
async function trainedWeights(
  job: VisitsJob,
  onProgress: (p: JobProgress) => void,
): Promise<Record<string, Float32Array>> {
  const id = weightsId(job);
  const entry = await cached(id.name, id.key, async () => ({
    value: {},
    arrays: (await trainVisits(job, onProgress)).weights,
  }));
  return entry.arrays;
}

// ------------------------------------------------------------------ "continue"

async function continueRun(job: ContinueJob, onProgress: (p: JobProgress) => void): Promise<ContinueResult> {
  const clock = wallClock();
  const base = job.base;
  const weights = await trainedWeights(base, onProgress);
  const file = loadMnist("train");
  const plan = planVisits(file.n, base.groups, base.splitSeed);
  const group = (name: string) => {
    const g = plan.groups.find((x) => x.name === name);
    if (!g)
      throw new ConfigError("group", name, `a group of the base plan (${plan.groups.map((x) => x.name).join(", ")})`);
    if (g.passesPerEpoch !== 0)
      throw new ConfigError(
        `group "${name}"`,
        g.passesPerEpoch,
        "a group the base network never visited (passesPerEpoch 0)",
      );
    return g;
  };
  const trainSet = groupPoints(file, group(job.trainGroup), file.y, job.trainPoints);
  const unseenSet = groupPoints(file, group(job.unseenGroup), file.y, job.unseenPoints);
  if (trainSet.n < job.trainPoints || unseenSet.n < job.unseenPoints)
    throw new ConfigError(
      "trainPoints / unseenPoints",
      [job.trainPoints, job.unseenPoints],
      `at most the group sizes (${trainSet.n}, ${unseenSet.n})`,
    );
  const model = modelFor(base.config, file);
  model.setWeights(weights);
  const epochs = job.config.train.epochs;
  const stepsPerEpoch = Math.floor(trainSet.n / job.config.train.batchSize);
  const timeline: ContinueResult["timeline"] = [];
  let unseenAccuracy: number | undefined;
  try {
    const r = await train(
      model,
      { train: trainSet, probeSets: [trainSet, unseenSet], observe: (m, p, ctx) => summarize(m, p, job.eps, ctx.fast) },
      {
        ...job.config.train,
        probeEverySteps: stepsPerEpoch * job.probeEveryEpochs,
        evalTrainSize: 64,
      },
      {
        onProbe: (p) => {
          timeline.push({
            step: p.step,
            epoch: p.epoch,
            sets: { trained: p.snapshots[0], unseen: p.snapshots[1] },
            weightNorms: weightNorms(model),
          });
          unseenAccuracy = p.snapshots[1].accuracy;
        },
        // onStep reads only the loss: the fast path need not copy the weights into the model every step.
        stepReadsModel: () => false,
        onStep: (s) =>
          onProgress({
            epoch: s.epoch,
            epochs,
            step: s.step,
            loss: s.loss,
            accuracy: unseenAccuracy,
            samplesPerSec: s.samplesPerSec,
          }),
      },
    );
    if (timeline[timeline.length - 1].step !== r.steps) {
      timeline.push({
        step: r.steps,
        epoch: r.steps / stepsPerEpoch,
        sets: { trained: summarize(model, trainSet, job.eps), unseen: summarize(model, unseenSet, job.eps) },
        weightNorms: weightNorms(model),
      });
    }
    return { timeline, steps: r.steps, samples: r.steps * job.config.train.batchSize, seconds: clock() };
  } finally {
    model.dispose();
  }
}

// ------------------------------------------------------------------ "stream"

/** Seeds of the Shapeset images: the probe set and every online segment draw from their own streams. */
const shapesetSeeds = (seed: number) => ({
  probe: seed * 7919 + 1,
  fixed: seed * 7919 + 2,
  segment: (s: number) => seed * 7919 + 100 + s,
});

async function streamRun(job: StreamJob, onProgress: (p: JobProgress) => void): Promise<StreamResult> {
  const clock = wallClock();
  const spec = job.config.data;
  if (spec.kind !== "shapeset") throw new ConfigError("stream job data.kind", spec.kind, '"shapeset"');
  const batch = job.config.train.batchSize;
  if (!(Number.isInteger(job.everySteps) && job.everySteps > 0 && job.steps % job.everySteps === 0)) {
    throw new ConfigError("everySteps", job.everySteps, `a positive divisor of steps (${job.steps})`);
  }
  if (job.arm === "repeated" && (job.everySteps * batch) % job.fixedImages !== 0) {
    throw new ConfigError(
      "fixedImages",
      job.fixedImages,
      `a divisor of everySteps × batchSize (${job.everySteps * batch}), so every image of the fixed set is visited equally often between measurements`,
    );
  }
  const seeds = shapesetSeeds(spec.seed);
  const fresh = makeShapeset({ n: job.probePoints, seed: seeds.probe });
  const fixed = job.arm === "repeated" ? makeShapeset({ n: job.fixedImages, seed: seeds.fixed }) : null;
  const fixedProbe = fixed
    ? {
        ...fixed,
        n: Math.min(job.probePoints, fixed.n),
        x: fixed.x.subarray(0, Math.min(job.probePoints, fixed.n) * fixed.inputDim),
        y: fixed.y.subarray(0, Math.min(job.probePoints, fixed.n)),
      }
    : null;
  const model = modelFor(job.config, fresh);
  const timeline: StreamResult["timeline"] = [];
  const record = (step: number) => {
    const f = summarize(model, fresh, job.eps);
    // epoch: passes over each trained image (online: every image is trained on once).
    timeline.push({
      step,
      epoch: fixed ? (step * batch) / fixed.n : Math.min(step, 1),
      sets: { fresh: f, trained: fixedProbe ? summarize(model, fixedProbe, job.eps) : null },
      weightNorms: weightNorms(model),
    });
  };
  const segments = job.steps / job.everySteps;
  let step = 0;
  try {
    record(0);
    for (let s = 0; s < segments; s++) {
      // Online: a new set of images for every segment, each visited once; repeated: the fixed set, reshuffled every pass.
      const data = fixed ?? makeShapeset({ n: job.everySteps * batch, seed: seeds.segment(s) });
      const epochs = Math.ceil((job.everySteps * batch) / data.n);
      await train(
        model,
        { train: data },
        {
          ...job.config.train,
          epochs,
          maxSteps: job.everySteps,
          seed: job.config.train.seed * 1000 + s,
          probeEverySteps: undefined,
          evalTrainSize: 32,
        },
        {
          stepReadsModel: () => false,
          onStep: (p) =>
            onProgress({
              epoch: s + 1,
              epochs: segments,
              step: step + p.step,
              loss: p.loss,
              accuracy: timeline[timeline.length - 1].sets.fresh.accuracy,
              samplesPerSec: p.samplesPerSec,
            }),
        },
      );
      step += job.everySteps;
      record(step);
    }
    return {
      arm: job.arm,
      distinctImages: fixed ? fixed.n : job.steps * batch,
      timeline,
      steps: step,
      samples: step * batch,
      seconds: clock(),
    };
  } finally {
    model.dispose();
  }
}

export const JOBS: JobKinds = {
  visits: (job, onProgress) => visitsRun(job as VisitsJob, onProgress),
  continue: (job, onProgress) => continueRun(job as ContinueJob, onProgress),
  stream: (job, onProgress) => streamRun(job as StreamJob, onProgress),
};
