/**
 * Notebook 01's chapter module (lib/chapters/train): reading a run's plateau
 * from its probe records, and the verdict rule, on hand-made records whose
 * answer is known.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import type { ProbeRecord } from "../lib/core/train";
import type { ProbeSnapshot } from "../lib/measure/probe";
import {
  CHANCE_ACCURACY,
  PLATEAU_RULES,
  describePlateau,
  learningCurvesTakeaway,
  plateauConclusion,
  plateauProbe,
  plateauRows,
  plateauVerdict,
} from "../lib/chapters/train";
import { sigmoidDeltaForEps } from "../lib/measure/saturation";
import { ConfigError } from "../lib/core/errors";

/** A probe record of a 3-layer sigmoid net: per layer [saturated share at 0.01 (all near 0), mean σ′, mean h]. */
function record(step: number, accuracy: number, layers: [number, number, number][]): ProbeRecord<ProbeSnapshot> {
  const snapshot = {
    set: "training points",
    n: 100,
    loss: 2.3,
    accuracy,
    layers: layers.map(([sat, d, m], l) => ({
      layer: l + 1,
      saturation: [
        { eps: 0.01, low: sat, high: 0, total: sat },
        { eps: 0.05, low: Math.min(1, 2 * sat), high: 0, total: Math.min(1, 2 * sat) },
      ],
      flat: { delta: sigmoidDeltaForEps(0.01), total: sat },
      derivativeMean: d,
      mean: m,
    })),
  } as unknown as ProbeSnapshot;
  return { step, epoch: step / 10, snapshots: [snapshot], updateToData: null };
}

test("plateauVerdict: a layer at ≥ 50% within ε is saturated, every layer under 1% is not, in between is partly", () => {
  assert.equal(plateauVerdict([0, 0.2, 0.5]), "saturated");
  assert.equal(plateauVerdict([0, 0, 0.0099]), "not saturated");
  assert.equal(plateauVerdict([0, 0.01, 0.3]), "partly saturated");
  assert.equal(plateauVerdict([0.49, 0, 0]), "partly saturated");
  assert.deepEqual([PLATEAU_RULES.saturatedLayer, PLATEAU_RULES.unsaturated, PLATEAU_RULES.eps], [0.5, 0.01, 0.01]);
});

test("plateauProbe: among the probes at chance, the one with the lowest top-layer σ′; probes past the escape are ignored", () => {
  const records = [
    record(0, 0.1, [
      [0, 0.24, 0.5],
      [0, 0.24, 0.5],
      [0, 0.24, 0.5],
    ]),
    record(10, 0.11, [
      [0, 0.2, 0.6],
      [0, 0.2, 0.6],
      [0.3, 0.05, 0.1],
    ]),
    record(20, 0.12, [
      [0, 0.2, 0.6],
      [0.02, 0.2, 0.6],
      [0.9, 0.009, 0.01],
    ]), // the worst at chance
    record(30, 0.15, [
      [0, 0.2, 0.6],
      [0, 0.2, 0.6],
      [0.5, 0.03, 0.05],
    ]),
    record(40, 0.6, [
      [0, 0.2, 0.6],
      [0, 0.2, 0.6],
      [1, 0.001, 0.001],
    ]), // lower σ′, but off the plateau
  ];
  const p = plateauProbe(records, 1)!;
  assert.equal(p.step, 20);
  assert.equal(p.epoch, 2);
  assert.deepEqual([p.probes, p.fromEpoch, p.toEpoch], [4, 0, 3]);
  assert.deepEqual(p.saturation, [0, 0.02, 0.9]);
  assert.deepEqual(p.nearZero, [0, 0.02, 0.9]);
  assert.deepEqual(p.flat, [0, 0.02, 0.9]);
  assert.deepEqual(p.derivativeMean, [0.2, 0.2, 0.009]);
  assert.deepEqual(p.maxSaturation, [0, 0.02, 0.9], "the largest at any probe at chance, not after");
  assert.equal(p.verdict, "saturated");
  assert.equal(p.delta, sigmoidDeltaForEps(0.01));
  // Read at ε = 0.05 the same records give the ε = 0.05 column.
  assert.deepEqual(plateauProbe(records, 1, 0.05)!.saturation, [0, 0.04, 1]);
  assert.throws(() => plateauProbe(records, 1, 0.02), ConfigError);
  // A run that never was at chance has no plateau.
  assert.equal(plateauProbe(records.slice(4), 1), null);
  assert.ok(records[4].snapshots[0].accuracy >= CHANCE_ACCURACY);
});

test("describePlateau, plateauConclusion and plateauRows say what the records hold", () => {
  const flat = [
    record(0, 0.1, [
      [0, 0.24, 0.5],
      [0, 0.2, 0.4],
      [0, 0.093, 0.104],
    ]),
  ];
  const sat = [
    record(0, 0.1, [
      [0, 0.24, 0.5],
      [0, 0.2, 0.4],
      [0, 0.2, 0.4],
    ]),
    record(10, 0.1, [
      [0.001, 0.2, 0.5],
      [0, 0.2, 0.4],
      [0.996, 0.002, 0.003],
    ]),
  ];
  const small = plateauProbe(flat, 0.1)!,
    main = plateauProbe(sat, 1)!;
  assert.equal(small.verdict, "not saturated");
  assert.equal(main.verdict, "saturated");
  const s = describePlateau("The plateau run", small);
  assert.match(s, /^\*\*The plateau run \(η = 0\.1\): a plateau without saturation\.\*\*/);
  assert.match(s, /layers 1–3 had 0\.0%, 0\.0%, 0\.0% of their entries within ε = 0\.01/);
  assert.match(s, /0\.0930, against the sigmoid's largest 0\.25, with mean activation 0\.104/);
  assert.match(describePlateau("The main run", main), /a plateau with a saturated layer.*99\.6%.*100% of them near 0/);
  assert.match(
    plateauConclusion(small, main),
    /only the one at η = 1 has a saturated layer there; at η = 0\.1 the loss stays at chance with no layer saturated/,
  );
  assert.match(plateauConclusion(small, small), /same verdict/);
  assert.match(describePlateau("A run", null), /no plateau to read/);
  const rows = plateauRows([
    { name: "a", p: small },
    { name: "b", p: null },
  ]);
  assert.equal(rows.length, 3);
  assert.deepEqual([rows[2]["a: within ε"], rows[2]["a: mean σ′"], rows[2]["b: flat"]], ["0.0%", 0.093, "—"]);
});

test("learningCurvesTakeaway: epochs at chance before the escape, no escape, or a fall back to chance", () => {
  const run = (...acc: number[]) => acc.map((a, k) => ({ epoch: k + 1, test: { accuracy: a } }));
  const c = CHANCE_ACCURACY;
  assert.equal(
    learningCurvesTakeaway(run(0.1, c - 0.01, 0.9, 0.97)),
    "At chance (test accuracy under 20%) for 2 epochs, then the network leaves the plateau, and reaches 97.00% test accuracy after 4 epochs (test error 3.00%).",
  );
  assert.match(
    learningCurvesTakeaway(run(0.1, 0.1135)),
    /^At chance \(test accuracy under 20%\) after every one of the 2 epochs: the network has not left the plateau by the end, 11\.35% test accuracy after 2 epochs/,
  );
  assert.match(
    learningCurvesTakeaway(run(c, 0.5)),
    /^Above chance from the first epoch on, and reaches 50\.00%/,
    "exactly CHANCE_ACCURACY is not at chance",
  );
  assert.match(
    learningCurvesTakeaway(run(0.1, 0.6, 0.1)),
    /then the network leaves the plateau, but falls back to chance: 10\.00% test accuracy after 3 epochs/,
  );
  assert.throws(() => learningCurvesTakeaway([{ epoch: 1, test: null }]), ConfigError);
  assert.throws(() => learningCurvesTakeaway([]), ConfigError);
});
