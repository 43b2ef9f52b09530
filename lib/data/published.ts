/**
 * Published numbers we compare against, read from data/ (never typed into a
 * notebook cell), each with its citation.
 */
import * as fs from "fs";
import * as path from "path";
import { projectRoot } from "../core/paths";
import type { ActivationName } from "../core/activations";
import type { InitName } from "../core/init";

export interface PublishedRow {
  readonly label: string;
  readonly activation: ActivationName;
  readonly init: InitName;
  readonly testErrorPercent: number;
}

export interface PublishedTable {
  readonly citation: string;
  readonly quantity: string;
  readonly setup: Readonly<Record<string, string | number>>;
  readonly rows: readonly PublishedRow[];
}

/** Glorot & Bengio (2010), Table 1, MNIST column. */
export function glorotBengioTable1(): PublishedTable {
  const file = path.join(projectRoot(), "data", "glorot-bengio-2010-table1.json");
  const t = JSON.parse(fs.readFileSync(file, "utf8")) as PublishedTable;
  if (!Array.isArray(t.rows) || t.rows.some((r) => typeof r.testErrorPercent !== "number")) {
    throw new Error(`${file}: expected rows with a numeric testErrorPercent`);
  }
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
