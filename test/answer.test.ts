/**
 * Findings (what notebooks 01–05 store for 06) and the answer built from them:
 * round trips, clear errors, the wording rules, numbers that follow the data,
 * and links that reach real sections of the notebooks.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  ActivationFindings, BoundFindings, FixRow, FixesFindings, MissingFindingsError, TrainFindings,
  findingsFile, readFindings, recordFindings,
} from "../lib/run/findings";
import { ANSWER_RULES, AnswerInputs, WHERE, claims, claimsMarkdown, headline, literatureNotes, relevantGaps, shortAnswer, shortRunWarning, validateRules } from "../lib/chapters/answer";
import { ConfigError } from "../lib/core/errors";
import { newMarkdownEnv, renderMarkdown } from "../lib/book/markdown";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "sigmoid-lab-findings-"));

const TRAIN: TrainFindings = {
  depth: 5, width: 256, epochs: 10, learningRate: 1, batchSize: 32, trainImages: 60000, testAccuracy: 0.9595,
  epochsAtChance: 2, escapeEpoch: 2.5, topLayerMinMean: 0.0041,
  plateau: { learningRate: 0.1, epochs: 2, testAccuracy: 0.1135 },
  saturationEnd: [0.461, 0.0045, 0.031, 0.071, 0.291], glorotBengioSigmoidErrorPercent: 2.21,
  heldOutImages: 10000, plateauProbes: { plateauRun: null, mainRun: null },
};
const iv = (diff: number, half = 0.004) => ({ diff, low: diff - half, high: diff + half });
const ACT: ActivationFindings = {
  eps: 0.01, depth: 5, testAccuracy: 0.9595, passes: 10,
  saturationTrain: [0.461, 0.0045, 0.031, 0.071, 0.291],
  saturationHeldOut: [0.459, 0.0046, 0.030, 0.070, 0.290],
  lowShare: 0.83, comparePoints: 10000,
  trainMinusHeldOut: [iv(0.002), iv(-0.0001), iv(0.001), iv(0.001), iv(0.001)],
  maxRelativeGap: 0.03,
  topPeak: { saturation: 0.998, epoch: 1.25, heldOutAccuracy: 0.1135 },
  stuckUnits: 3, units: 1280,
  memorising: [{ gapTop: iv(0.027, 0.01), train: 1, test: 0.9 }],
  reference: [{ gapTop: iv(0.002, 0.01) }],
  sweep: { runs: 12, maxLayerMin: 0.01, maxLayerMax: 0.99, gapMin: -0.004, gapMax: 0.01 },
  heldOutSource: "unseen images of MNIST's training file (the random split), never trained on",
  trainMinusHeldOutFlat: [iv(0.002), iv(-0.0001), iv(0.001), iv(0.001), iv(0.001)],
  trainMinusTestFile: [iv(-0.006), iv(0), iv(0.001), iv(0.001), iv(0.001)],
  heldOutMinusTestFile: [iv(-0.008), iv(0), iv(0), iv(0), iv(0)],
  buildUp: [0.461, 0.0045, 0.031, 0.071, 0.291].map((end, l) => ({ layer: l + 1, start: 0, atTopPeak: 0.01, end, peak: l === 4 ? 0.998 : end, peakEpoch: l === 4 ? 1.25 : 10, lastEpochChange: l === 0 ? 0.03 : 0, trend: l === 0 ? ("rising" as const) : ("level" as const), endHeldOut: end, trendHeldOut: l === 0 ? ("rising" as const) : ("level" as const) })),
  gradientRatios: { delta: { start: 0.01, atTopPeak: 0.001, end: 0.5 }, weightGrad: { start: 1.2, atTopPeak: 0.8, end: 2 } },
};
const BOUND: BoundFindings = {
  depth: 5, derivativeCheck: { points: 60001, maxError: 3e-9 }, boundHeld: true,
  init: { perLayer: 0.137, firstOverOutput: 4.6e-5, deepDepth: 10, deepFirstOverOutput: 2.1e-9, spectralNorm: 1.15 },
  trained: { firstOverTop: 0.62, boundOverMeasured: [666, 130, 62.5, 23.5, 6.21], derivativeMean: [0.1, 0.2, 0.2, 0.2, 0.1], spectralNormMin: 3.1, spectralNormMax: 12.4, maxEntry: 2.9, accuracy: 0.99 },
  plateau: { epochs: 1, topSaturation: 0.99, topDerivativeMean: 0.002, topShrink: 450, accuracy: 0.11, topMeanActivation: 0.004, topLowFraction: 0.99, topHighFraction: 0, atChance: true, pinnedAt: 0, flat: true },
  largeWeights: { gain: 32, depth: 8, saturation: 0.81, meanDerivative: 0.03, firstOverTop: 46.5, crossOverGain: 6.2, setting: "8 × 128, at init", crossOverGainCentred: 4.4, chiCrossGain: 6.5, chiCrossGainCentred: 4.3, chiAtLargest: 3.1 },
  isometry: { depth: 20, gain: 4.6, spreadCentred: 0.21, spreadZeroBias: 0.9, spreadStandard: 1.6, gainZeroBias: 20, spreadTanh: 0.2, gainTanh: 1.1, nearIsometryCentred: true, nearIsometryZeroBias: false, criticalZeroBias: true },
};
const row = (id: string, label: string, activation: string, depth: number, err: number, sat: number | null): FixRow => ({
  id, label, activation, depth, learningRate: 0.1, runs: 3, diverged: 0, testErrorPercent: err, testErrorStd: 0.5, saturation: sat, gradRatioInit: 1e-3, gradRatioEnd: 0.1,
});
const FIXES: FixesFindings = {
  shallow: 5, deep: 10, width: 128, epochs: 2, trainImages: 10000, seeds: 3,
  rows: [
    row("baseline", "Baseline", "sigmoid", 5, 88.6, 0.02), row("baseline", "Baseline", "sigmoid", 10, 88.6, 0.02),
    row("lsuv", "LSUV", "sigmoid", 5, 88.6, 0.01), row("lsuv", "LSUV", "sigmoid", 10, 88.6, 0.01),
    row("normalized", "Normalized", "sigmoid", 5, 12.0, 0.05), row("normalized", "Normalized", "sigmoid", 10, 40.0, 0.05),
    row("layer-rates-4x", "Rates 4x", "sigmoid", 5, 80, 0.1), row("layer-rates-4x", "Rates 4x", "sigmoid", 10, 86, 0.1),
    row("layer-rates-eq", "Rates eq", "sigmoid", 5, 60, 0.1), row("layer-rates-eq", "Rates eq", "sigmoid", 10, 88, 0.1),
    row("relu-he", "ReLU", "relu", 5, 8.8, null), row("relu-he", "ReLU", "relu", 10, 9.7, null),
    row("batchnorm", "BN", "sigmoid", 5, 6.0, 0.0), row("batchnorm", "BN", "sigmoid", 10, 7.0, 0.0),
    row("orthogonal-isometry", "Orthogonal", "sigmoid", 5, 20, 0.01), row("orthogonal-isometry", "Orthogonal", "sigmoid", 10, 30, 0.01),
  ],
  removesSaturation: ["batchnorm"], addsSaturation: ["layer-rates-4x"], restoresFlow: ["batchnorm", "relu-he"],
  trainsDeep: ["relu-he", "batchnorm", "normalized", "orthogonal-isometry"], failsDeep: ["lsuv", "layer-rates-4x", "layer-rates-eq"],
};
const INPUTS: AnswerInputs = { train: TRAIN, activations: ACT, bound: BOUND, fixes: FIXES };

// ---------------------------------------------------------------- findings files

test("findings: a record round-trips exactly, NaN and Infinity included, and the latest run replaces the file", () => {
  const dir = tmp();
  const b = { ...BOUND, largeWeights: { ...BOUND.largeWeights, crossOverGain: NaN, firstOverTop: Infinity } };
  recordFindings("04-bound", { depth: 5, gains: [0.5, 32] }, b, dir);
  const back = readFindings("04-bound", dir);
  assert.deepEqual(back.findings, b);
  assert.ok(Number.isNaN(back.findings.largeWeights.crossOverGain));
  assert.equal(back.findings.largeWeights.firstOverTop, Infinity);
  assert.deepEqual(back.parameters, { depth: 5, gains: [0.5, 32] });
  assert.ok(!Number.isNaN(Date.parse(back.recordedAt)));
  recordFindings("04-bound", { depth: 6 }, { ...BOUND, depth: 6 }, dir);
  assert.equal(readFindings("04-bound", dir).findings.depth, 6);
  assert.deepEqual(fs.readdirSync(path.dirname(findingsFile("04-bound", dir))), ["04-bound.json"], "no temporary file left behind");
  fs.rmSync(dir, { recursive: true });
});

test("findings: missing, corrupt, old-format or foreign files are clear errors that name the notebook and the fix", () => {
  const dir = tmp();
  assert.throws(() => readFindings("02-activations", dir), (e: unknown) => e instanceof MissingFindingsError && /02-activations/.test(e.message) && /npm run run -- notebooks\/02-activations\.ipynb/.test(e.message) && /does not exist/.test(e.message));
  const file = findingsFile("01-train", dir);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, '{"version": 1, "notebook": "01-tr');
  assert.throws(() => readFindings("01-train", dir), (e: unknown) => e instanceof MissingFindingsError && /not valid JSON/.test(e.message));
  fs.writeFileSync(file, JSON.stringify({ version: 0, notebook: "01-train", findings: TRAIN }));
  assert.throws(() => readFindings("01-train", dir), /format version 0/);
  fs.writeFileSync(file, JSON.stringify({ version: 1, notebook: "05-fixes", findings: FIXES }));
  assert.throws(() => readFindings("01-train", dir), /does not hold findings of 01-train/);
  assert.throws(() => recordFindings("07-nope" as "01-train", {}, TRAIN, dir), /unknown notebook "07-nope"/);
  fs.rmSync(dir, { recursive: true });
});

// ---------------------------------------------------------------- the wording rules

test("answer: the headline follows the rules, not the expected story", () => {
  assert.equal(headline(INPUTS), "Partly, and not for the stated reason.");
  const none = { ...INPUTS, activations: { ...ACT, saturationTrain: [0.01, 0.01, 0.02, 0.03, 0.1] } };
  assert.equal(headline(none), "No.");
  // All layers heavy, and training points relevantly more saturated everywhere: the popular answer would be right.
  const yes = { ...INPUTS, activations: { ...ACT, saturationTrain: [0.5, 0.5, 0.5, 0.5, 0.5], trainMinusHeldOut: ACT.trainMinusHeldOut.map(() => iv(0.2, 0.02)) } };
  assert.equal(headline(yes), "Yes.");
  assert.deepEqual(relevantGaps(yes.activations), [1, 2, 3, 4, 5]);
  // Detectable (interval above 0) but small against the level: not relevant.
  const small = { ...ACT, trainMinusHeldOut: [iv(0.02, 0.01), ...ACT.trainMinusHeldOut.slice(1)] };
  assert.deepEqual(relevantGaps(small), [], "2 pp on a 46% layer is below a quarter of the level");
  assert.deepEqual(relevantGaps(small, { ...ANSWER_RULES, relevantGap: 0.01 }), [1]);
});

test("answer: every number in the short answer comes from the findings (change one, the text follows)", () => {
  const text = shortAnswer(INPUTS);
  assert.match(text, /^\*\*Partly, and not for the stated reason\.\*\*/);
  
  assert.ok(text.includes("Layers 1 and 5 have 46% and 29%") && text.includes("(0.4% and 3.1%)"), "heavy and light layers with their levels");
  assert.ok(text.includes("95.95%".slice(0, 5)) || text.includes("96.0%"), "test accuracy");
  assert.ok(text.includes("+0.2 pp [−0.2, +0.6]"), "the largest gap with its interval");
  assert.ok(text.includes("×0.137") && text.includes("666-fold") && text.includes("a true bound, and a loose one"), "bound numbers from 04");
  assert.ok(text.includes("4 recipes train") && text.includes("3 of them keeping the sigmoid"), "from 05's verdicts");
  const moved = shortAnswer({ ...INPUTS, activations: { ...ACT, saturationTrain: [0.377, 0.0045, 0.031, 0.071, 0.291] } });
  assert.ok(moved.includes("38%") && !moved.includes("46%"));
  assert.equal(shortRunWarning(INPUTS), null);
  const short = shortAnswer({ ...INPUTS, activations: { ...ACT, testAccuracy: 0.11 } });
  assert.match(short, /^\*These findings come from short runs \(test accuracy 11\.0% in 02\)/);
});

test("answer: the point-by-point verdicts follow the measurements", () => {
  const byClaim = (x: AnswerInputs) => Object.fromEntries(claims(x).map((c) => [c.claim.slice(0, 30), c.verdict]));
  const v = byClaim(INPUTS);
  assert.equal(v["On a trained network, the hidd"], "partly holds");
  assert.equal(v["…because gradient descent pass"], "does not hold");
  assert.equal(v["Saturation builds up as traini"], "does not hold", "peak on the plateau, far lower at the end");
  assert.equal(v["So the error shrinks at least "], "partly holds", "true at init, but the trained net keeps 0.62 of the error");
  assert.equal(v["Weights larger than 4 are no w"], "partly holds", "they saturate, but the error grows ×46.5");
  assert.equal(v["Better initialisation such as "], "partly holds", "LSUV fails, normalized and orthogonal train");
  assert.equal(v["Per-layer learning rates (afte"], "does not hold", "86 and 88 vs 88.6: under 5 pp");
  assert.equal(v["In the end ReLU solved it."], "partly holds", "ReLU trains, and so do sigmoid recipes");
  // Flip the data, flip the verdicts.
  const w = byClaim({
    ...INPUTS,
    bound: { ...BOUND, largeWeights: { ...BOUND.largeWeights, firstOverTop: 1e-4 }, trained: { ...BOUND.trained, firstOverTop: 1e-3 } },
    fixes: { ...FIXES, rows: FIXES.rows.map((r) => (r.id.startsWith("layer-rates") && r.depth === 10 ? { ...r, testErrorPercent: 20 } : r)), trainsDeep: ["relu-he"] },
  });
  assert.equal(w["Weights larger than 4 are no w"], "holds");
  assert.equal(w["So the error shrinks at least "], "holds");
  assert.equal(w["Per-layer learning rates (afte"], "holds");
  assert.equal(w["In the end ReLU solved it."], "holds");
  assert.equal(w["Better initialisation such as "], "holds");
  const md = claimsMarkdown(claims(INPUTS));
  assert.equal(md.split("\n").length, 2 + claims(INPUTS).length, "one table row per claim");
  assert.ok(!md.split("\n").slice(2).some((l) => l.split(/(?<!\\)\|/).length !== 6), "every row has four cells (pipes escaped)");
});

test("answer: bad thresholds are clear errors", () => {
  assert.throws(() => validateRules({ ...ANSWER_RULES, heavy: 20 }), (e: unknown) => e instanceof ConfigError && /heavy/.test(e.message) && /fraction/.test(e.message));
  assert.throws(() => validateRules({ ...ANSWER_RULES, light: 0.3 }), /below heavy/);
  assert.throws(() => shortAnswer(INPUTS, { ...ANSWER_RULES, helpsBy: -1 }), /helpsBy/);
});

test("answer: every link points to a real section heading of the notebook it names", () => {
  const root = path.resolve(__dirname, "..", "notebooks");
  for (const w of Object.values(WHERE)) {
    const [file, anchor] = w.href.split("#");
    const nb = JSON.parse(fs.readFileSync(path.join(root, file), "utf8")) as { cells: { cell_type: string; source: string | string[] }[] };
    const env = newMarkdownEnv();
    for (const c of nb.cells) if (c.cell_type === "markdown") renderMarkdown(Array.isArray(c.source) ? c.source.join("") : c.source, env);
    const ids = env.headings.map((h) => h.id);
    assert.ok(ids.includes(anchor), `${w.label}: #${anchor} is not a heading of ${file} (it has ${ids.join(", ")})`);
  }
});

test("answer: the literature notes say whether this run agrees, from the numbers", () => {
  const notes = literatureNotes(INPUTS);
  assert.equal(notes.length, 4);
  assert.match(notes[0], /as they found, the top layer saturated on the plateau: it peaked at 100%/);
  assert.match(notes[1], /That is what we see/);
  const gap = { ...INPUTS, activations: { ...ACT, topPeak: { ...ACT.topPeak, saturation: 0.05 }, trainMinusHeldOut: [iv(0.3, 0.05), ...ACT.trainMinusHeldOut.slice(1)] } };
  const other = literatureNotes(gap);
  assert.match(other[0], /their plateau saturation did not show in this run/);
  assert.match(other[1], /Not quite what we see: training points are relevantly more saturated in layer 1/);
  assert.ok(notes[3].includes("is 0.00100 for the baseline"), "gradient ratios at init from 05's rows");
});

test("answer: a run without any saturation is described without invented shares or peaks", () => {
  const zero = { ...ACT, saturationTrain: [0, 0, 0, 0, 0], saturationHeldOut: [0, 0, 0, 0, 0], lowShare: 0, topPeak: { saturation: 0, epoch: 0, heldOutAccuracy: 0.1 } };
  const text = shortAnswer({ ...INPUTS, activations: zero });
  assert.match(text, /^\*\*No\.\*\*/);
  assert.ok(!text.includes("of the saturated entries sit near"));
  assert.ok(text.includes("The top layer never had an entry within ε of 0 or 1"));
});

test("answer: the memorising network's gap is reported as detected or not, from its intervals", () => {
  assert.match(shortAnswer(INPUTS), /Only a network made to memorise \(ten times the passes over a tenth of the images, training accuracy 100%\) shows a small top-layer gap: \+2\.7 pp \[\+1\.7, \+3\.7\]/);
  const none = { ...INPUTS, activations: { ...ACT, memorising: [{ gapTop: iv(0.01, 0.02), train: 1, test: 0.8 }, { gapTop: iv(0.005, 0.02), train: 0.99, test: 0.8 }] } };
  assert.match(shortAnswer(none), /Even a network made to memorise \(.*training accuracy 100% and 99%\) shows no detectable top-layer gap: \+1\.0 pp \[−1\.0, \+3\.0\]; \+0\.5 pp/);
});
