/**
 * Groups of training images visited k times per epoch: the design of the
 * causal test (notebook 03). The images of a file are split **at random**
 * (a seeded permutation, never "the first N") into disjoint groups; group g
 * holds n_g images, each visited k_g times per epoch (k_g = 0: never seen,
 * the control), with its true labels or with labels replaced by a different
 * class (never the true one), which can only be fitted by memorising.
 *
 *   const plan = planVisits(60_000, [
 *     { name: "unseen", size: 10_000, passesPerEpoch: 0 },
 *     { name: "k = 1", size: 10_000, passesPerEpoch: 1 },
 *     { name: "wrong", size: 1_000, passesPerEpoch: 1, labels: "wrong" },
 *   ], 1);
 *   const data = visitData(loadMnist("train"), plan, 32);
 *   await train(model, { train: data.train, epochOrder: data.epochOrder }, cfg);
 *
 * The epoch stream lists every row of group g exactly k_g times, shuffled
 * afresh each epoch; its length Σ k_g n_g is the same every epoch and must
 * be a multiple of the batch size (the training loop drops a partial last
 * batch, which would break "exactly k_g times").
 */
import { ConfigError } from "../core/errors";
import { Rng, permutation, shuffleInPlace } from "../core/rng";
import type { Dataset } from "./dataset";

export type GroupLabels = "true" | "wrong";

export interface VisitGroupSpec {
  readonly name: string;
  /** Images in the group. */
  readonly size: number;
  /** Visits of each image per epoch (0: never trained on). */
  readonly passesPerEpoch: number;
  /** "wrong": every image gets a label drawn from the other classes (default "true"). */
  readonly labels?: GroupLabels;
}

export interface VisitGroup extends Required<VisitGroupSpec> {
  /** Row indices of the source file, in the order the permutation gave them. */
  readonly rows: Int32Array;
}

export interface VisitPlan {
  /** Rows in the source file. */
  readonly n: number;
  readonly seed: number;
  readonly groups: readonly VisitGroup[];
  /** Σ k_g n_g: rows visited per epoch. */
  readonly epochLength: number;
}

/** Refuse a group list the split cannot honour, naming the field and the fix. */
export function validateVisitGroups(n: number, groups: readonly VisitGroupSpec[]): void {
  if (!(Number.isInteger(n) && n > 0)) throw new ConfigError("n", n, "the number of rows of the file, a positive integer");
  if (!Array.isArray(groups) || groups.length === 0) throw new ConfigError("groups", groups, "a non-empty list of { name, size, passesPerEpoch }");
  const names = new Set<string>();
  let total = 0;
  groups.forEach((g, i) => {
    const at = `groups[${i}]`;
    if (typeof g.name !== "string" || g.name === "") throw new ConfigError(`${at}.name`, g.name, "a non-empty name");
    if (names.has(g.name)) throw new ConfigError(`${at}.name`, g.name, "a name no other group has");
    names.add(g.name);
    if (!(Number.isInteger(g.size) && g.size > 0)) throw new ConfigError(`${at}.size`, g.size, "a positive whole number of images");
    if (!(Number.isInteger(g.passesPerEpoch) && g.passesPerEpoch >= 0)) {
      throw new ConfigError(`${at}.passesPerEpoch`, g.passesPerEpoch, "a whole number k ≥ 0 of visits per epoch (0 = never trained on)");
    }
    if (g.labels !== undefined && g.labels !== "true" && g.labels !== "wrong") throw new ConfigError(`${at}.labels`, g.labels, '"true" or "wrong"');
    if (g.labels === "wrong" && g.passesPerEpoch === 0) throw new ConfigError(`${at}.passesPerEpoch`, 0, "at least 1 for a wrong-label group (labels nobody trains on change nothing)");
    total += g.size;
  });
  if (total > n) {
    throw new ConfigError("group sizes", groups.map((g) => g.size), `sizes summing to at most the ${n} rows of the file (they sum to ${total}): groups are disjoint, so shrink some`);
  }
  if (!groups.some((g) => g.passesPerEpoch > 0)) throw new ConfigError("groups", groups.map((g) => g.passesPerEpoch), "at least one group with passesPerEpoch ≥ 1 (something to train on)");
}

/** Split rows 0..n−1 at random into the groups: consecutive slices of one seeded permutation, so disjoint. */
export function planVisits(n: number, groups: readonly VisitGroupSpec[], seed: number): VisitPlan {
  validateVisitGroups(n, groups);
  if (!Number.isFinite(seed)) throw new ConfigError("seed", seed, "a finite number");
  const perm = permutation(n, new Rng(seed).fork("visit groups"));
  let start = 0;
  const out = groups.map((g): VisitGroup => {
    const rows = perm.slice(start, start + g.size);
    start += g.size;
    return { name: g.name, size: g.size, passesPerEpoch: g.passesPerEpoch, labels: g.labels ?? "true", rows };
  });
  return { n, seed, groups: out, epochLength: out.reduce((s, g) => s + g.size * g.passesPerEpoch, 0) };
}

/** The same split with two groups' roles exchanged (the cross-fitting swap): rows stay, names and visits trade. */
export function swapGroups(plan: VisitPlan, a: string, b: string): VisitPlan {
  const ia = plan.groups.findIndex((g) => g.name === a), ib = plan.groups.findIndex((g) => g.name === b);
  if (ia < 0 || ib < 0) throw new ConfigError("swapGroups", [a, b], `two group names of the plan (${plan.groups.map((g) => g.name).join(", ")})`);
  if (plan.groups[ia].size !== plan.groups[ib].size) throw new ConfigError("swapGroups sizes", [plan.groups[ia].size, plan.groups[ib].size], "two groups of the same size");
  const groups = plan.groups.map((g, i) => (i === ia ? { ...g, rows: plan.groups[ib].rows } : i === ib ? { ...g, rows: plan.groups[ia].rows } : g));
  return { ...plan, groups };
}

/**
 * A label different from `label`, uniform over the other classes:
 * (label + 1 + u) mod C with u uniform in 0..C−2.
 */
export function wrongLabel(label: number, numClasses: number, rng: Rng): number {
  if (!(Number.isInteger(numClasses) && numClasses >= 2)) throw new ConfigError("numClasses", numClasses, "at least 2 classes to pick a wrong label from");
  return (label + 1 + rng.int(numClasses - 1)) % numClasses;
}

/** The labels training sees: the file's, with every row of a wrong-label group given another class (seeded). */
export function visitLabels(ds: Dataset, plan: VisitPlan): Int32Array {
  checkPlanFits(ds, plan);
  const y = Int32Array.from(ds.y);
  const rng = new Rng(plan.seed).fork("wrong labels");
  for (const g of plan.groups) {
    if (g.labels !== "wrong") continue;
    for (let i = 0; i < g.rows.length; i++) y[g.rows[i]] = wrongLabel(ds.y[g.rows[i]], ds.numClasses, rng);
  }
  return y;
}

/** Every row of group g exactly k_g times, shuffled by `rng`. */
export function epochStream(plan: VisitPlan, rng: Rng): Int32Array {
  const order = new Int32Array(plan.epochLength);
  let o = 0;
  for (const g of plan.groups) {
    for (let k = 0; k < g.passesPerEpoch; k++) {
      order.set(g.rows, o);
      o += g.rows.length;
    }
  }
  shuffleInPlace(order, rng);
  return order;
}

export interface VisitData {
  /** The file with the labels training sees (x shared with the file, y a copy). */
  readonly train: Dataset;
  /** For core/train's TrainData.epochOrder. */
  readonly epochOrder: (epoch: number, rng: Rng) => Int32Array;
  readonly plan: VisitPlan;
}

/** The data and epoch stream to train under a plan, with batches of `batchSize` that split every epoch exactly. */
export function visitData(ds: Dataset, plan: VisitPlan, batchSize: number): VisitData {
  checkPlanFits(ds, plan);
  if (!(Number.isInteger(batchSize) && batchSize > 0)) throw new ConfigError("batchSize", batchSize, "a positive integer");
  if (plan.epochLength % batchSize !== 0) {
    throw new ConfigError(
      "epoch length Σ k·n",
      plan.epochLength,
      `a multiple of the batch size ${batchSize}, or the last ${plan.epochLength % batchSize} visits of every epoch would be dropped; change a group's size`,
    );
  }
  const train: Dataset = { ...ds, name: `${ds.name} (visit plan, seed ${plan.seed})`, y: visitLabels(ds, plan) };
  return { train, plan, epochOrder: (_epoch, rng) => epochStream(plan, rng) };
}

/** The rows of one group as their own dataset (copies), with the labels training saw or the file's. */
export function groupPoints(ds: Dataset, group: VisitGroup, labels: Int32Array = ds.y, limit = group.rows.length): Dataset {
  const m = Math.min(limit, group.rows.length), d = ds.inputDim;
  const x = new Float32Array(m * d), y = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    const r = group.rows[i];
    x.set(ds.x.subarray(r * d, (r + 1) * d), i * d);
    y[i] = labels[r];
  }
  const out: Dataset = { name: `${group.name} (${m} images)`, x, y, n: m, inputDim: d, numClasses: ds.numClasses };
  return ds.imageShape ? { ...out, imageShape: ds.imageShape } : out;
}

function checkPlanFits(ds: Dataset, plan: VisitPlan): void {
  if (ds.n !== plan.n) throw new ConfigError("dataset size", ds.n, `the ${plan.n} rows the plan was made for`);
}
