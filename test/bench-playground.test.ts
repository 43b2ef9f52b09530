/** `npm run bench -- --playground`: the budget lines judge the worst round, against the stated budget. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { BUDGET, PlaygroundRound, playgroundLines } from "../lib/bench/playground";

const round = (over: Partial<PlaygroundRound> = {}): PlaygroundRound => ({
  seconds: 3,
  pictures: 10,
  meanGapMs: 300,
  maxGapMs: 400,
  firstPictureMs: 500,
  accuracy: 0.9,
  ...over,
});

test("playground budget: medians with ranges; one slow round or one long gap misses the budget", () => {
  const ok = playgroundLines({
    browser: "Chromium 1",
    rounds: [round(), round({ seconds: 5 }), round({ seconds: 4 })],
  });
  assert.match(
    ok.join("\n"),
    /100 epochs, pictures included: 4\.00 \(3\.00–5\.00\) s \(budget ≤ 10 s in every round: meets\)/,
  );
  assert.match(ok.join("\n"), /longest gap 400 \(400–400\) ms \(budget ≤ 500 ms.*: meets\)/);
  const slow = playgroundLines({ browser: "Chromium 1", rounds: [round(), round({ seconds: BUDGET.seconds + 0.01 })] });
  assert.match(slow.join("\n"), /in every round: misses\)/);
  const gap = playgroundLines({ browser: "Chromium 1", rounds: [round({ maxGapMs: BUDGET.maxGapMs + 1 })] });
  assert.match(gap.join("\n"), /twice a second, in every round: misses\)/);
});
