/**
 * Published numbers we compare against, read from data/ (never typed into a
 * notebook cell), each with its citation.
 */
import * as fs from "fs";
import * as path from "path";
import { projectRoot } from "../core/paths";
import type { ActivationName } from "../core/activations";
import type { InitName } from "../core/init";

/** The columns of Glorot & Bengio's Table 1. */
export const TABLE1_DATASETS = ["shapeset", "mnist", "cifar10", "smallImageNet"] as const;
export type Table1Dataset = (typeof TABLE1_DATASETS)[number];

export interface PublishedRow {
  readonly label: string;
  readonly activation: ActivationName;
  readonly init: InitName;
  /** The MNIST column (what 01 and 05 compare with). */
  readonly testErrorPercent: number;
  /** Every column of the row. */
  readonly byDataset: Readonly<Record<Table1Dataset, number>>;
}

export interface PublishedTable {
  readonly citation: string;
  readonly quantity: string;
  /** The table's caption, quoted. */
  readonly caption: string;
  /** Each column's data set, in the paper's words. */
  readonly datasets: Readonly<Record<Table1Dataset, string>>;
  /** The setup, each entry quoted from the paper with its section (or "not stated"). */
  readonly setup: Readonly<Record<string, string | number>>;
  /** Passages quoted exactly, with their section, for the chapters' prose. */
  readonly quotes: Readonly<Record<string, string>>;
  readonly rows: readonly PublishedRow[];
}

/** Glorot & Bengio (2010), Table 1 (all four data sets), with the passages of the paper the book quotes. */
export function glorotBengioTable1(): PublishedTable {
  const file = path.join(projectRoot(), "data", "glorot-bengio-2010-table1.json");
  const t = JSON.parse(fs.readFileSync(file, "utf8")) as PublishedTable;
  const rowOk = (r: PublishedRow) =>
    typeof r.testErrorPercent === "number" && r.byDataset && TABLE1_DATASETS.every((d) => typeof r.byDataset[d] === "number") && r.byDataset.mnist === r.testErrorPercent;
  if (!Array.isArray(t.rows) || !t.rows.every(rowOk)) {
    throw new Error(`${file}: expected rows with a numeric testErrorPercent equal to byDataset.mnist, and a number for each of ${TABLE1_DATASETS.join(", ")}`);
  }
  if (typeof t.caption !== "string" || typeof t.quotes !== "object" || typeof t.datasets !== "object") throw new Error(`${file}: expected a caption, datasets and quotes`);
  return t;
}

export interface GlorotBengioJacobian {
  readonly citation: string;
  readonly quantity: string;
  readonly activationNote: string;
  readonly rows: readonly { readonly init: "standard" | "normalized"; readonly activation: ActivationName; readonly meanSingularValue: number; readonly wording: string }[];
}

/** Glorot & Bengio (2010), §4.2.2: the average singular value of the layer Jacobians, read from data/. */
export function glorotBengioJacobian(): GlorotBengioJacobian {
  const file = path.join(projectRoot(), "data", "glorot-bengio-2010-jacobian.json");
  const t = JSON.parse(fs.readFileSync(file, "utf8")) as GlorotBengioJacobian;
  if (!Array.isArray(t.rows) || t.rows.some((r) => typeof r.meanSingularValue !== "number")) {
    throw new Error(`${file}: expected rows with a numeric meanSingularValue`);
  }
  return t;
}
