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
  ActivationFindings,
  BoundFindings,
  CausalFindings,
  FixRow,
  FixesFindings,
  LayerBuildUp,
  MissingFindingsError,
  TrainFindings,
  findingsFile,
  readFindings,
  recordFindings,
} from "../lib/run/findings";
import {
  ANSWER_RULES,
  AnswerInputs,
  WHERE,
  buildUpPattern,
  claims,
  errText,
  claimsMarkdown,
  clause,
  clauseSentences,
  headline,
  keyFigure,
  literatureNotes,
  relevantGaps,
  shortAnswer,
  shortRunWarning,
  validateRules,
} from "../lib/chapters/answer";
import { ConfigError } from "../lib/core/errors";
import { newMarkdownEnv, renderMarkdown } from "../lib/book/markdown";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "sigmoid-lab-findings-"));

const TRAIN: TrainFindings = {
  depth: 5,
  width: 256,
  epochs: 10,
  learningRate: 1,
  batchSize: 32,
  trainImages: 60000,
  testAccuracy: 0.9595,
  epochsAtChance: 2,
  escapeEpoch: 2.5,
  topLayerMinMean: 0.0041,
  plateau: { learningRate: 0.1, epochs: 2, testAccuracy: 0.1135 },
  saturationEnd: [0.461, 0.0045, 0.031, 0.071, 0.291],
  glorotBengioSigmoidErrorPercent: 2.21,
  heldOutImages: 10000,
  plateauProbes: { plateauRun: null, mainRun: null },
};
const iv = (diff: number, half = 0.004) => ({ diff, low: diff - half, high: diff + half });
function bu(
  layer: number,
  start: number,
  atTopPeak: number,
  end: number,
  trend: LayerBuildUp["trend"],
  endHeldOut: number,
): LayerBuildUp {
  const peak = Math.max(start, atTopPeak, end);
  return {
    layer,
    start,
    atTopPeak,
    end,
    peak,
    peakEpoch: peak === end ? 10 : 1.25,
    lastEpochChange: trend === "rising" ? 0.05 : trend === "falling" ? -0.05 : 0,
    trend,
    endHeldOut,
    trendHeldOut: trend,
  };
}
const ACT: ActivationFindings = {
  eps: 0.01,
  depth: 5,
  testAccuracy: 0.9595,
  passes: 10,
  saturationTrain: [0.461, 0.0045, 0.031, 0.071, 0.291],
  saturationHeldOut: [0.459, 0.0046, 0.03, 0.07, 0.29],
  lowShare: 0.83,
  comparePoints: 10000,
  trainMinusHeldOut: [iv(0.002), iv(-0.0001), iv(0.001), iv(0.001), iv(0.001)],
  maxRelativeGap: 0.03,
  topPeak: { saturation: 0.998, epoch: 1.25, heldOutAccuracy: 0.1135 },
  stuckUnits: 3,
  units: 1280,
  memorising: [{ gapTop: iv(0.027, 0.01), train: 1, test: 0.9 }],
  reference: [{ gapTop: iv(0.002, 0.01) }],
  sweep: { runs: 12, maxLayerMin: 0.01, maxLayerMax: 0.99, gapMin: -0.004, gapMax: 0.01 },
  heldOutSource: "unseen images of the training file",
  trainMinusHeldOutFlat: [iv(0.002), iv(-0.0001), iv(0.001), iv(0.001), iv(0.001)],
  trainMinusTestFile: [iv(0.004), iv(0), iv(0), iv(0), iv(0)],
  heldOutMinusTestFile: [iv(0.002), iv(0), iv(0), iv(0), iv(0)],
  // Layer 1 builds up (0% → 46%), the top layer peaked on the plateau and fell, the others stay low.
  buildUp: [
    bu(1, 0, 0.46, 0.461, "rising", 0.459),
    bu(2, 0, 0.001, 0.0045, "level", 0.0046),
    bu(3, 0, 0.02, 0.031, "level", 0.03),
    bu(4, 0.03, 0.05, 0.071, "level", 0.07),
    bu(5, 0, 0.998, 0.291, "falling", 0.29),
  ],
  gradientRatios: {
    delta: { start: 1e-4, atTopPeak: 1e-5, end: 0.5 },
    weightGrad: { start: 0.1, atTopPeak: 0.01, end: 0.8 },
  },
};
const BOUND: BoundFindings = {
  depth: 5,
  derivativeCheck: { points: 60001, maxError: 3e-9 },
  boundHeld: true,
  init: { perLayer: 0.137, firstOverOutput: 4.6e-5, deepDepth: 10, deepFirstOverOutput: 2.1e-9, spectralNorm: 1.15 },
  trained: {
    firstOverTop: 0.62,
    boundOverMeasured: [666, 130, 62.5, 23.5, 6.21],
    derivativeMean: [0.1, 0.2, 0.2, 0.2, 0.1],
    spectralNormMin: 3.1,
    spectralNormMax: 12.4,
    maxEntry: 2.9,
    accuracy: 0.97,
  },
  plateau: {
    epochs: 1,
    topSaturation: 0.99,
    topDerivativeMean: 0.002,
    topShrink: 450,
    accuracy: 0.11,
    topMeanActivation: 0.004,
    topLowFraction: 0.99,
    topHighFraction: 0,
    atChance: true,
    pinnedAt: 0,
    flat: true,
  },
  largeWeights: {
    gain: 32,
    depth: 8,
    saturation: 0.81,
    meanDerivative: 0.03,
    firstOverTop: 46.5,
    crossOverGain: 6.2,
    setting: "random orthogonal W × g, biases 0, at initialisation",
    crossOverGainCentred: 4.4,
    chiCrossGain: 5.9,
    chiCrossGainCentred: 4.2,
    chiAtLargest: 20,
  },
  isometry: {
    depth: 20,
    gain: 4.6,
    spreadCentred: 0.21,
    spreadZeroBias: 0.9,
    spreadStandard: 1.6,
    gainZeroBias: 4.1,
    spreadTanh: 0.15,
    gainTanh: 1.05,
    nearIsometryCentred: true,
    nearIsometryZeroBias: false,
    criticalZeroBias: true,
  },
};
const row = (
  id: string,
  label: string,
  activation: string,
  depth: number,
  err: number,
  sat: number | null,
): FixRow => ({
  id,
  label,
  activation,
  depth,
  learningRate: 0.1,
  runs: 3,
  diverged: 0,
  testErrorPercent: err,
  testErrorStd: 0.5,
  saturation: sat,
  gradRatioInit: 1e-3,
  gradRatioEnd: 0.1,
});
const FIXES: FixesFindings = {
  shallow: 5,
  deep: 10,
  width: 128,
  epochs: 2,
  trainImages: 10000,
  seeds: 3,
  rows: [
    row("baseline", "Baseline", "sigmoid", 5, 88.6, 0.02),
    row("baseline", "Baseline", "sigmoid", 10, 88.6, 0.02),
    row("lsuv", "LSUV", "sigmoid", 5, 88.6, 0.01),
    row("lsuv", "LSUV", "sigmoid", 10, 88.6, 0.01),
    row("normalized", "Normalized", "sigmoid", 5, 12.0, 0.05),
    row("normalized", "Normalized", "sigmoid", 10, 40.0, 0.05),
    row("layer-rates-4x", "Rates 4x", "sigmoid", 5, 80, 0.1),
    row("layer-rates-4x", "Rates 4x", "sigmoid", 10, 86, 0.1),
    row("layer-rates-eq", "Rates eq", "sigmoid", 5, 60, 0.1),
    row("layer-rates-eq", "Rates eq", "sigmoid", 10, 88, 0.1),
    row("relu-he", "ReLU", "relu", 5, 8.8, null),
    row("relu-he", "ReLU", "relu", 10, 9.7, null),
    row("batchnorm", "BN", "sigmoid", 5, 6.0, 0.0),
    row("batchnorm", "BN", "sigmoid", 10, 7.0, 0.0),
    row("orthogonal-isometry", "Orthogonal", "sigmoid", 5, 20, 0.01),
    row("orthogonal-isometry", "Orthogonal", "sigmoid", 10, 30, 0.01),
  ],
  removesSaturation: ["batchnorm"],
  addsSaturation: ["layer-rates-4x"],
  restoresFlow: ["batchnorm", "relu-he"],
  trainsDeep: ["relu-he", "batchnorm", "normalized", "orthogonal-isometry"],
  failsDeep: ["lsuv", "layer-rates-4x", "layer-rates-eq"],
};
const group = (
  passesPerEpoch: number,
  labels: "true" | "wrong",
  n: number,
  accuracy: number,
  saturation: number[],
  minus: ReturnType<typeof iv>[],
) => ({
  passesPerEpoch,
  labels,
  n,
  passes: passesPerEpoch * 10,
  accuracy,
  accuracyTrueLabels: labels === "wrong" ? 0.6 : accuracy,
  saturation,
  minusNeverSeen: minus,
});
const LEVEL = [0.45, 0.005, 0.03, 0.07, 0.29];
const zero = LEVEL.map(() => iv(0, 0));
/** No effect of the passes: every interval contains 0 (03's rule: "No.", the online arm saturating). */
const CAUSAL: CausalFindings = {
  eps: 0.01,
  width: 256,
  depth: 5,
  networks: 2,
  epochs: 10,
  steps: [0, 18750],
  heldOutAccuracy: 0.96,
  doseResponse: {
    eps: 0.01,
    groups: [
      // Deliberately out of order: the reader sorts (never visited first).
      group(16, "true", 1000, 0.999, LEVEL, [
        iv(0.003, 0.006),
        iv(0, 0.001),
        iv(0.001, 0.003),
        iv(-0.002, 0.004),
        iv(0.004, 0.01),
      ]),
      group(0, "true", 10000, 0.96, LEVEL, zero),
      group(1, "true", 10000, 0.975, LEVEL, [
        iv(0.001, 0.003),
        iv(0, 0.0005),
        iv(0, 0.002),
        iv(0.001, 0.003),
        iv(-0.002, 0.006),
      ]),
      group(4, "true", 2000, 0.99, LEVEL, [
        iv(0.002, 0.005),
        iv(0, 0.001),
        iv(0, 0.003),
        iv(0, 0.004),
        iv(0.001, 0.008),
      ]),
      group(1, "wrong", 1008, 0.35, LEVEL, [
        iv(0.001, 0.01),
        iv(0, 0.002),
        iv(0.002, 0.005),
        iv(0.003, 0.008),
        iv(0.02, 0.03),
      ]),
    ],
  },
  detectable: {
    halfWidth: [0.003, 0.0005, 0.002, 0.003, 0.006],
    minimumDetectable80: [0.0043, 0.0007, 0.0029, 0.0043, 0.0086],
  },
  swap: [iv(0.0005, 0.002), iv(0, 0.0003), iv(0, 0.001), iv(0.0005, 0.0015), iv(-0.001, 0.003)],
  swapImages: 10000,
  onlineControl: {
    online: { saturationEnd: [0.2, 0.1, 0.1, 0.3, 0.85], saturationPeak: [0.25, 0.12, 0.15, 0.4, 0.97] },
    repeated: { saturationEnd: [0.22, 0.1, 0.1, 0.3, 0.8], saturationPeak: [0.26, 0.12, 0.15, 0.41, 0.96] },
    steps: 800,
    width: 256,
    fixedImages: 800,
    accuracy: { online: 0.6, repeated: 0.62 },
  },
  mechanism: [
    {
      loss: "cross-entropy",
      epochs: 50,
      weightNormsStart: [10, 10, 10, 10, 10, 5],
      weightNormsEnd: [14, 14, 14, 14, 14, 9],
      saturationTrainedStart: LEVEL,
      saturationTrained: [0.5, 0.01, 0.04, 0.09, 0.35],
      saturationUnseenStart: LEVEL,
      saturationUnseen: [0.5, 0.01, 0.04, 0.09, 0.34],
      accuracyTrained: 1,
      accuracyUnseen: 0.95,
    },
    {
      loss: "weight decay",
      epochs: 50,
      weightNormsStart: [10, 10, 10, 10, 10, 5],
      weightNormsEnd: [6, 6, 6, 6, 6, 4],
      saturationTrainedStart: LEVEL,
      saturationTrained: [0.3, 0.001, 0.01, 0.02, 0.1],
      saturationUnseenStart: LEVEL,
      saturationUnseen: [0.3, 0.001, 0.01, 0.02, 0.1],
      accuracyTrained: 0.99,
      accuracyUnseen: 0.95,
    },
  ],
};
/** The same design with a strong effect: visited images clearly more saturated, growing with k. */
function withEffect(shift: number): CausalFindings {
  return {
    ...CAUSAL,
    doseResponse: {
      ...CAUSAL.doseResponse,
      groups: CAUSAL.doseResponse.groups.map((g) =>
        g.passesPerEpoch === 0
          ? g
          : { ...g, minusNeverSeen: LEVEL.map((lv) => iv((shift * lv * Math.log2(1 + g.passesPerEpoch)) / 4, 0.001)) },
      ),
    },
  };
}
const INPUTS: AnswerInputs = { train: TRAIN, activations: ACT, causal: CAUSAL, bound: BOUND, fixes: FIXES };

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
  assert.deepEqual(
    fs.readdirSync(path.dirname(findingsFile("04-bound", dir))),
    ["04-bound.json"],
    "no temporary file left behind",
  );
  fs.rmSync(dir, { recursive: true });
});

test("findings: missing, corrupt, old-format or foreign files are clear errors that name the notebook and the fix", () => {
  const dir = tmp();
  assert.throws(
    () => readFindings("02-activations", dir),
    (e: unknown) =>
      e instanceof MissingFindingsError &&
      /02-activations/.test(e.message) &&
      /npm run run -- notebooks\/02-activations\.ipynb/.test(e.message) &&
      /does not exist/.test(e.message),
  );
  const file = findingsFile("01-train", dir);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, '{"version": 1, "notebook": "01-tr');
  assert.throws(
    () => readFindings("01-train", dir),
    (e: unknown) => e instanceof MissingFindingsError && /not valid JSON/.test(e.message),
  );
  fs.writeFileSync(file, JSON.stringify({ version: 0, notebook: "01-train", findings: TRAIN }));
  assert.throws(() => readFindings("01-train", dir), /format version 0/);
  fs.writeFileSync(file, JSON.stringify({ version: 1, notebook: "05-fixes", findings: FIXES }));
  assert.throws(() => readFindings("01-train", dir), /does not hold findings of 01-train/);
  assert.throws(() => recordFindings("07-nope" as "01-train", {}, TRAIN, dir), /unknown notebook "07-nope"/);
  fs.rmSync(dir, { recursive: true });
});

// ---------------------------------------------------------------- the wording rules

test("answer: the headline follows the rules, not the expected story", () => {
  // Heavy layers, and 03's dose-response finds no upward effect while the online arm saturates: 03's rule says "No.".
  assert.equal(clause(CAUSAL).answer, "No.");
  assert.equal(headline(INPUTS), "Partly, and not for the stated reason.");
  const none = { ...INPUTS, activations: { ...ACT, saturationTrain: [0.01, 0.01, 0.02, 0.03, 0.1] } };
  assert.equal(headline(none), "No.");
  // The visited images clearly more saturated, in proportion to the layer's level: 03's rule says "Yes."; with every layer heavy, so does 06.
  const strong = withEffect(2);
  assert.equal(clause(strong).answer, "Yes.");
  assert.equal(headline({ ...INPUTS, causal: strong }), "Partly.", "not every layer is heavily saturated");
  assert.equal(
    headline({ ...INPUTS, causal: strong, activations: { ...ACT, saturationTrain: [0.5, 0.5, 0.5, 0.5, 0.5] } }),
    "Yes.",
  );
  // A small but detectable effect (a fifth of the level at most): "Partly.".
  assert.equal(clause(withEffect(0.25)).answer, "Partly.");
  // No effect and the online arm did not saturate either: 03 says "Not measurably.", 06 still says the passes are not the reason.
  const quiet = {
    ...CAUSAL,
    onlineControl: {
      ...CAUSAL.onlineControl,
      online: { saturationEnd: [0, 0, 0, 0, 0.1], saturationPeak: [0, 0, 0, 0, 0.2] },
    },
  };
  assert.equal(clause(quiet).answer, "Not measurably.");
  assert.equal(headline({ ...INPUTS, causal: quiet }), "Partly, and not for the stated reason.");
  // 02's rule for its own comparison is unchanged.
  assert.deepEqual(relevantGaps(ACT), []);
  const small = { ...ACT, trainMinusHeldOut: [iv(0.02, 0.01), ...ACT.trainMinusHeldOut.slice(1)] };
  assert.deepEqual(relevantGaps(small), [], "2 pp on a 46% layer is below a quarter of the level");
  assert.deepEqual(relevantGaps(small, { ...ANSWER_RULES, relevantGap: 0.01 }), [1]);
});

test("answer: 03's groups are read in dose order and a design without a never-visited group is refused", () => {
  const c = clause(CAUSAL);
  assert.equal(c.never.passesPerEpoch, 0);
  assert.equal(c.most.passesPerEpoch, 16, "the most visited true-label group, whatever the order in the file");
  assert.equal(c.wrong?.labels, "wrong");
  assert.equal(c.cells.length, 3 * 4, "three visited groups × the four layers at least 1% saturated (layer 2: 0.5%)");
  const noControl = {
    ...CAUSAL,
    doseResponse: { ...CAUSAL.doseResponse, groups: CAUSAL.doseResponse.groups.filter((g) => g.passesPerEpoch !== 0) },
  };
  assert.throws(
    () => clause(noControl),
    (e: unknown) => e instanceof ConfigError && /never-visited/.test(e.message) && /03-causal/.test(e.message),
  );
});

test("answer: every number in the short answer comes from the findings (change one, the text follows)", () => {
  const text = shortAnswer(INPUTS);
  assert.match(text, /^\*\*Partly, and not for the stated reason\.\*\*/);
  assert.ok(
    text.includes("Layers 1 and 5 have 46% and 29%") && text.includes("(0.4% and 3.1%)"),
    "heavy and light layers with their levels",
  );
  assert.ok(text.includes("96.0%"), "test accuracy");
  assert.ok(
    text.includes("Not because gradient descent passed over $x_i$ (03's rule: no)"),
    "the clause, by 03's rule",
  );
  assert.ok(
    text.includes("visited 160 times differ from never-visited ones by +0.30 pp [−0.30, +0.90] in layer 1"),
    "the most visited group against the control",
  );
  assert.ok(text.includes("0.43, 0.07, 0.29, 0.43, 0.86 pp in layers 1–5"), "what the design could detect");
  assert.ok(text.includes("no layer excludes zero"), "the swap");
  assert.ok(text.includes("fitted to 35.0% of their wrong labels"), "the wrong-label group");
  assert.ok(text.includes("the largest: +0.2 pp [−0.2, +0.6]"), "02's comparison");
  assert.ok(text.includes("the top layer reached 97.0% saturated at its peak"), "the online control");
  assert.ok(
    text.includes("Accuracy at the end: 60.0% online, 62.0% repeated.") && !text.includes("still at chance"),
    "the online arms' accuracy",
  );
  const atChance = {
    ...CAUSAL,
    onlineControl: { ...CAUSAL.onlineControl, accuracy: { online: 0.104, repeated: 0.1 } },
  };
  assert.ok(
    shortAnswer({ ...INPUTS, causal: atChance }).includes(
      "10.4% online, 10.0% repeated — both still at chance, so this is the saturation of the plateau",
    ),
    "a plateau is named as one",
  );
  assert.ok(
    text.includes("Layer 1 builds up with training (0% → 46%), on unseen points alike (46% at the end)"),
    "per-layer build-up",
  );
  assert.ok(
    text.includes("×0.137") && text.includes("666-fold") && text.includes("a true bound, and a loose one"),
    "bound numbers from 04",
  );
  assert.ok(text.includes("4 recipes train") && text.includes("3 of them keeping the sigmoid"), "from 05's verdicts");
  const moved = shortAnswer({
    ...INPUTS,
    activations: { ...ACT, saturationTrain: [0.377, 0.0045, 0.031, 0.071, 0.291] },
  });
  assert.ok(moved.includes("38%") && !moved.includes("46% and 29%"));
  assert.equal(shortRunWarning(INPUTS), null);
  const short = shortAnswer({ ...INPUTS, activations: { ...ACT, testAccuracy: 0.11 } });
  assert.match(
    short,
    /^\*These findings come from short runs \(test accuracy 11\.0% in 02, 96\.0% on never-visited images in 03\)/,
  );
  assert.ok(
    shortRunWarning({ ...INPUTS, causal: { ...CAUSAL, heldOutAccuracy: 0.1 } }) !== null,
    "a short 03 run is flagged too",
  );
});

test("answer: the key figure draws the numbers its takeaway quotes", () => {
  const k = keyFigure(INPUTS);
  assert.deepEqual(
    k.groups.map((g) => g.label),
    [
      "never visited (k = 0)",
      "visited 10× (k = 1)",
      "visited 40× (k = 4)",
      "visited 160× (k = 16)",
      "wrong labels, visited 10×",
    ],
  );
  const never = k.groups[0].saturation,
    most = k.groups[3].saturation;
  for (const [l, name] of [
    [0, "layer 1"],
    [4, "layer 5"],
  ] as const) {
    assert.ok(
      k.takeaway.includes(`${name} ${(100 * never[l]).toFixed(1)}% vs ${(100 * most[l]).toFixed(1)}%`),
      `${name}'s two drawn levels are in the takeaway: ${k.takeaway}`,
    );
  }
  assert.ok(k.takeaway.includes("0 of 12 group × layer differences exclude zero upward (03's rule: no)"));
  assert.ok(k.title.includes("2 networks") && k.title.includes("10 epochs"));
});

test("answer: saturation builds up per layer, by the rule, not from the top layer alone", () => {
  const { rising, peakedEarly } = buildUpPattern(ACT);
  assert.deepEqual(
    rising.map((r) => r.layer),
    [1],
    "layer 1 rises 0% → 46%",
  );
  assert.deepEqual(
    peakedEarly.map((r) => r.layer),
    [5],
    "the top layer peaked on the plateau and fell",
  );
  const verdict = (a: ActivationFindings) =>
    claims({ ...INPUTS, activations: a }).find((c) => c.claim.startsWith("Saturation builds up"))!.verdict;
  assert.equal(verdict(ACT), "partly holds");
  const allRise = {
    ...ACT,
    buildUp: ACT.buildUp.map((b) => ({
      ...b,
      start: 0,
      end: b.end + 0.1,
      peak: b.end + 0.1,
      trend: "rising" as const,
    })),
  };
  assert.equal(verdict(allRise), "holds");
  const noneRise = {
    ...ACT,
    buildUp: ACT.buildUp.map((b) => ({ ...b, end: b.start + 0.01, trend: "level" as const })),
  };
  assert.equal(verdict(noneRise), "does not hold");
  // A rise that is falling at the end does not count as building up.
  const falling = {
    ...ACT,
    buildUp: ACT.buildUp.map((b) => (b.layer === 1 ? { ...b, trend: "falling" as const } : b)),
  };
  assert.deepEqual(buildUpPattern(falling).rising, []);
  assert.deepEqual(
    buildUpPattern(ACT, { ...ANSWER_RULES, buildUp: 0.5 }).rising,
    [],
    "the threshold is a rule parameter",
  );
});

test("answer: the top layer's lowest mean is quoted with the run it comes from (01's main run) and links there", () => {
  const row = claims(INPUTS).find((c) => c.claim.startsWith("Saturation builds up"))!;
  assert.match(
    row.measured,
    new RegExp(`main run \\(η = ${TRAIN.learningRate}\\) its mean activation fell to ${TRAIN.topLayerMinMean}`),
  );
  assert.ok(
    row.where.includes(WHERE.mainRun) && !row.where.includes(WHERE.plateau),
    "the link goes to the η = 1 section",
  );
});

test("answer: the point-by-point verdicts follow the measurements", () => {
  const byClaim = (x: AnswerInputs) => Object.fromEntries(claims(x).map((c) => [c.claim.slice(0, 30), c.verdict]));
  const v = byClaim(INPUTS);
  assert.equal(v["On a trained network, the hidd"], "partly holds");
  assert.equal(v["…because gradient descent pass"], "does not hold");
  assert.equal(
    v["So if the weights are below 4 "],
    "partly holds",
    "true at init, but the trained net keeps 0.62 of the error",
  );
  assert.equal(v["Weights larger than 4 are no w"], "partly holds", "they saturate, but the error grows ×46.5");
  assert.equal(v["Better initialisation such as "], "partly holds", "LSUV fails, normalized and orthogonal train");
  assert.equal(
    v["Per-layer learning rates (afte"],
    "partly holds",
    "judged per depth: both beat 88.6 at depth 5 (80, 60), neither at depth 10 (86, 88: under 5 pp)",
  );
  const rates = claims(INPUTS).find((c) => c.claim.startsWith("Per-layer"))!;
  assert.match(rates.measured, /depth 5: .*both beat the baseline.*; depth 10: .*neither beats the baseline/);
  assert.equal(
    byClaim({
      ...INPUTS,
      fixes: {
        ...FIXES,
        rows: FIXES.rows.map((r) => (r.id.startsWith("layer-rates") ? { ...r, testErrorPercent: 85 } : r)),
      },
    })["Per-layer learning rates (afte"],
    "does not hold",
    "under 5 pp at both depths",
  );
  assert.equal(v["In the end ReLU solved it."], "partly holds", "ReLU trains, and so do sigmoid recipes");
  const large = claims(INPUTS).find((c) => c.claim.startsWith("Weights larger"))!;
  assert.ok(
    large.measured.startsWith(
      "Measured at initialisation only (random orthogonal W × g, biases 0, at initialisation)",
    ) &&
      large.measured.includes("χ₁") &&
      large.measured.includes("5.90"),
    "scoped to init, with the order-to-chaos crossing",
  );
  // Flip the data, flip the verdicts.
  const w = byClaim({
    ...INPUTS,
    causal: withEffect(2),
    bound: {
      ...BOUND,
      largeWeights: { ...BOUND.largeWeights, firstOverTop: 1e-4 },
      trained: { ...BOUND.trained, firstOverTop: 1e-3 },
    },
    fixes: {
      ...FIXES,
      rows: FIXES.rows.map((r) =>
        r.id.startsWith("layer-rates") && r.depth === 10 ? { ...r, testErrorPercent: 20 } : r,
      ),
      trainsDeep: ["relu-he"],
    },
  });
  assert.equal(w["…because gradient descent pass"], "holds");
  assert.equal(w["Weights larger than 4 are no w"], "holds");
  assert.equal(w["So if the weights are below 4 "], "holds");
  assert.equal(w["Per-layer learning rates (afte"], "holds");
  assert.equal(w["In the end ReLU solved it."], "holds");
  assert.equal(w["Better initialisation such as "], "holds");
  assert.equal(byClaim({ ...INPUTS, causal: withEffect(0.25) })["…because gradient descent pass"], "partly holds");
  const quiet = {
    ...CAUSAL,
    onlineControl: {
      ...CAUSAL.onlineControl,
      online: { saturationEnd: [0, 0, 0, 0, 0.1], saturationPeak: [0, 0, 0, 0, 0.2] },
    },
  };
  assert.equal(byClaim({ ...INPUTS, causal: quiet })["…because gradient descent pass"], "not detected");
  const md = claimsMarkdown(claims(INPUTS));
  assert.equal(md.split("\n").length, 2 + claims(INPUTS).length, "one table row per claim");
  assert.ok(
    !md
      .split("\n")
      .slice(2)
      .some((l) => l.split(/(?<!\\)\|/).length !== 6),
    "every row has four cells (pipes escaped)",
  );
});

test("answer: bad thresholds are clear errors", () => {
  assert.throws(
    () => validateRules({ ...ANSWER_RULES, heavy: 20 }),
    (e: unknown) => e instanceof ConfigError && /heavy/.test(e.message) && /fraction/.test(e.message),
  );
  assert.throws(() => validateRules({ ...ANSWER_RULES, light: 0.3 }), /below heavy/);
  assert.throws(() => validateRules({ ...ANSWER_RULES, buildUp: 0 }), /buildUp/);
  assert.throws(() => shortAnswer(INPUTS, { ...ANSWER_RULES, helpsBy: -1 }), /helpsBy/);
});

test("answer: every link points to a real section heading of the notebook it names", () => {
  const root = path.resolve(__dirname, "..", "notebooks");
  for (const w of Object.values(WHERE)) {
    const [file, anchor] = w.href.split("#");
    const nb = JSON.parse(fs.readFileSync(path.join(root, file), "utf8")) as {
      cells: { cell_type: string; source: string | string[] }[];
    };
    const env = newMarkdownEnv();
    for (const c of nb.cells)
      if (c.cell_type === "markdown") renderMarkdown(Array.isArray(c.source) ? c.source.join("") : c.source, env);
    const ids = env.headings.map((h) => h.id);
    assert.ok(ids.includes(anchor), `${w.label}: #${anchor} is not a heading of ${file} (it has ${ids.join(", ")})`);
  }
});

test("answer: the literature notes say whether this run agrees, from the numbers", () => {
  const notes = literatureNotes(INPUTS);
  assert.equal(notes.length, 7);
  assert.match(notes[0], /Glorot & Bengio \(2010\)\* measured their Figure 2 online/);
  assert.match(
    notes[0],
    /So does our online control, and it saturates too: the top layer peaked at 97\.0% with no image seen twice \(accuracy 60\.0% at the end\), against 96\.0% over 800 images repeated/,
  );
  assert.match(notes[0], /the top layer saturated on the plateau, as in their figure: it peaked at 100%/);
  assert.match(notes[1], /Shwartz-Ziv & Tishby/);
  assert.match(
    notes[1],
    /layer 1 is still rising at the end \(46% on training points, 46% on unseen ones\), and the visits leave no measurable mark/,
  );
  assert.match(notes[2], /Our measurements agree: unseen points saturate like trained ones/);
  assert.match(
    notes[2],
    /cross-entropy: weights ×1\.42, unseen top layer \+5\.0 pp; weight decay: weights ×0\.61, unseen top layer −19\.0 pp — the unseen images' saturation follows the weights in 2 of 2 losses/,
  );
  assert.match(
    notes[3],
    /fitted to 35\.0% of their wrong labels after 10 visits each; memorisation left no measurable rise in any layer \(top layer \+2\.00 pp \[−1\.00, \+5\.00\]\)/,
  );
  assert.match(
    notes[4],
    /By 04's rule \(ISOMETRY_RULES\), the logistic σ with zero biases at gain 4\.10 is critical and not near isometry/,
  );
  assert.match(
    literatureNotes({ ...INPUTS, bound: { ...BOUND, isometry: { ...BOUND.isometry, criticalZeroBias: false } } })[4],
    /is not critical and not near isometry/,
  );
  assert.ok(notes[6].includes("is 0.00100 for the baseline"), "gradient ratios at init from 05's rows");
  const gap = {
    ...INPUTS,
    causal: withEffect(2),
    activations: {
      ...ACT,
      topPeak: { ...ACT.topPeak, saturation: 0.05 },
      trainMinusHeldOut: [iv(0.3, 0.05), ...ACT.trainMinusHeldOut.slice(1)],
    },
  };
  const other = literatureNotes(gap);
  assert.match(other[0], /their plateau saturation did not show in this run/);
  assert.match(
    other[2],
    /Our measurements agree only in part: unseen points saturate like trained ones \(02 finds relevant gaps in layer 1; 03's rule says yes\)/,
  );
  const noWrong = {
    ...INPUTS,
    causal: {
      ...CAUSAL,
      doseResponse: { ...CAUSAL.doseResponse, groups: CAUSAL.doseResponse.groups.filter((g) => g.labels !== "wrong") },
    },
  };
  assert.equal(literatureNotes(noWrong).length, 6, "no memorisation line without a wrong-label group");
});

test("answer: a run without any saturation is described without invented shares or peaks", () => {
  const zero = {
    ...ACT,
    saturationTrain: [0, 0, 0, 0, 0],
    saturationHeldOut: [0, 0, 0, 0, 0],
    lowShare: 0,
    topPeak: { saturation: 0, epoch: 0, heldOutAccuracy: 0.1 },
  };
  const text = shortAnswer({ ...INPUTS, activations: zero });
  assert.match(text, /^\*\*No\.\*\*/);
  assert.ok(!text.includes("of the saturated entries sit near"));
  assert.ok(text.includes("the top layer never had an entry within ε of 0 or 1"));
});

test("answer: a fix's test error says how many runs diverged (1 of 2 is not an error of 11.9 ± 0.0%)", () => {
  const row = { ...FIXES.rows[0], runs: 2, diverged: 1, testErrorPercent: 11.9, testErrorStd: 0 };
  assert.equal(errText(row), "11.9% test error (1 of 2 runs diverged; the error is the other 1's)");
  assert.equal(errText({ ...row, diverged: 0, testErrorStd: 0.4 }), "11.9 ± 0.4% test error");
  assert.equal(errText({ ...row, diverged: 2 }), "diverged (2 runs)");
  assert.equal(errText(null), "not run");
});

test("answer: 02's result is its pre-registered primary comparison, its gaps read against the same point sets' levels", () => {
  const primary = {
    eps: 0.01,
    points: 10000,
    level: 0.95,
    train: 0.1749,
    heldOut: 0.1751,
    interval: { diff: -0.0002, low: -0.002, high: 0.0018 },
    verdict: "no difference detected" as const,
  };
  const secondary = {
    intervals: 45,
    correction: "Bonferroni" as const,
    adjustedLevel: 0.9989,
    excludeZero: 8,
    excludeZeroAdjusted: 4,
  };
  const a = { ...ACT, primary, secondary };
  const text = clauseSentences({ ...INPUTS, activations: a });
  assert.match(text, /02's pre-registered comparison, 10,000 training images/);
  assert.match(text, /17\.5% against 17\.5%, a difference of −0\.02 pp \[−0\.20, \+0\.18\] — no difference detected/);
  assert.match(
    text,
    /Of its 45 secondary intervals .*8 exclude zero at 95% each \(about 2\.3 would by chance alone\) and 4 after Bonferroni/,
  );
  // A gap of 1 pp on the §3 sets: relevant against a 2% level there, not against the probe points' 46%.
  const gap = { diff: 0.01, low: 0.002, high: 0.018 };
  const withGap = { ...ACT, trainMinusHeldOut: ACT.trainMinusHeldOut.map((g, l) => (l === 0 ? gap : g)) };
  assert.deepEqual(
    relevantGaps({ ...withGap, saturationTrain: ACT.saturationTrain.map((_, l) => (l === 0 ? 0.46 : 0.5)) }),
    [],
  );
  const levels = { train: ACT.saturationTrain.map((_, l) => (l === 0 ? 0.02 : 0.5)), heldOut: ACT.saturationTrain };
  assert.deepEqual(relevantGaps({ ...withGap, compareLevels: levels }), [1]);
});
