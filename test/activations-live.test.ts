/**
 * The live training panels of 02 (and every notebook's liveTraining): the
 * sparklines end at the last value the panel prints (issue 18, item 18: the
 * accuracy curve missed the final epoch, averaged into the last bucket of a
 * per-step history).
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { liveTraining } from "../lib/run/live";
import { endingAtLast } from "../lib/display/progress";
import type { EpochRecord } from "../lib/core/train";

/** The points of every sparkline polyline in an HTML panel, as [x, y] pairs. */
function curves(html: string): [number, number][][] {
  return [...html.matchAll(/<polyline[^>]* points="([^"]+)"/g)].map((m) =>
    m[1].split(" ").map((p) => p.split(",").map(Number) as [number, number]),
  );
}

/** Where the sparkline draws v on a curve of these values (sparklineSvg: height 40, padding 3). */
const yOf = (v: number, values: number[]) => {
  const hi = Math.max(...values),
    lo = Math.min(...values);
  return 3 + ((hi - v) * (40 - 6)) / (hi - lo || 1);
};

test("liveTraining: the accuracy curve has one point per epoch and ends at the final epoch's value; the loss curve ends at the last loss", () => {
  const rendered: string[] = [];
  const live = liveTraining("test run", 3, { throttleMs: 0, sink: { render: (html) => rendered.push(html) } });
  const accuracy = [0.3, 0.7, 0.648],
    losses: number[] = [];
  let step = 0;
  for (let e = 1; e <= 3; e++) {
    for (let k = 0; k < 1000; k++) {
      const loss = 2.3 / (1 + 0.001 * ++step);
      losses.push(loss);
      live.onStep!({ step, epoch: e, loss, samplesPerSec: 1000 });
    }
    const runningLoss = 2.3 / (1 + 0.001 * step) + 0.01;
    losses.push(runningLoss);
    live.onEpoch!({
      epoch: e,
      step,
      runningLoss,
      train: { loss: runningLoss, accuracy: accuracy[e - 1] - 0.01 },
      test: { loss: runningLoss, accuracy: accuracy[e - 1] },
      trainSeconds: 1,
      samplesPerSec: 1000,
    } satisfies EpochRecord);
  }
  live.done();
  const last = rendered[rendered.length - 1];
  assert.match(last, /accuracy 64\.8%/);
  const [loss, acc] = curves(last);
  // One point per epoch, the last at the final epoch's 64.8% (below the curve's maximum, 70%).
  assert.equal(acc.length, 3);
  assert.ok(Math.abs(acc[2][1] - yOf(0.648, accuracy)) < 0.06, `last accuracy point at y = ${acc[2][1]}`);
  assert.match(last, /max 0\.7<\/text>/);
  // 3,003 losses drawn in 200 points, the last one the final epoch's running loss itself.
  const drawn = endingAtLast(losses);
  assert.equal(loss.length, 200);
  assert.equal(drawn[drawn.length - 1], losses[losses.length - 1]);
  assert.ok(Math.abs(loss[199][1] - yOf(losses[losses.length - 1], drawn)) < 0.06);
});

test("endingAtLast: short histories unchanged, long ones bucket-averaged before an exact last value", () => {
  assert.deepEqual(endingAtLast([1, 2, 3], 5), [1, 2, 3]);
  assert.deepEqual(endingAtLast([1, 3, 5, 7, 100], 3), [2, 6, 100]);
  assert.deepEqual(endingAtLast([1, NaN, 3], 5), [1, 3]);
});
