/**
 * Exercise 02.1's boundary case (issue 18, item 23): h = ε and h = 1 − ε are stored exactly,
 * so the checker tells the strict rule (h < ε or h > 1 − ε) from the inclusive one.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { verify } from "../lib/exercises";

const strict = (h: ArrayLike<number>, eps: number) => {
  let s = 0;
  for (let i = 0; i < h.length; i++) if (h[i] < eps || h[i] > 1 - eps) s++;
  return s / h.length;
};
const inclusive = (h: ArrayLike<number>, eps: number) => {
  let s = 0;
  for (let i = 0; i < h.length; i++) if (h[i] <= eps || h[i] >= 1 - eps) s++;
  return s / h.length;
};

test("exercise 02.1: a `<` answer is right, a `≤` answer is not, and is told why", async () => {
  const right = await verify("02.saturation-fraction", strict),
    wrong = await verify("02.saturation-fraction", inclusive);
  assert.equal(right.ok, true, right.message);
  assert.equal(wrong.ok, false, wrong.message);
  assert.match(wrong.message, /exactly at h = ε/);
  // Each side alone is caught too: h = 0.01 (low) and h = 0.99 (high) are both in the boundary case.
  const lowInclusive = (h: ArrayLike<number>, eps: number) =>
    Array.from(h).filter((v) => v <= eps || v > 1 - eps).length / h.length;
  const highInclusive = (h: ArrayLike<number>, eps: number) =>
    Array.from(h).filter((v) => v < eps || v >= 1 - eps).length / h.length;
  assert.equal((await verify("02.saturation-fraction", lowInclusive)).ok, false);
  assert.equal((await verify("02.saturation-fraction", highInclusive)).ok, false);
});
