/**
 * Chapter: the book's playground page (07) — the reader's settings.
 *
 * The controls hold text; `readSettings` turns it into a PlaygroundConfig
 * (lib/chapters/playground.ts) or into one error per control. The errors are
 * the library's own: each value goes through the validator that would
 * refuse it when training starts (validateMlpConfig, validateOptimizer,
 * validateTrainConfig, saturationRule, withFix), and the ConfigError's
 * message is shown next to the control. Only the page's own limits (depth,
 * width and epochs the browser can train in seconds) are ConfigErrors
 * written here.
 */
import { ACTIVATION_NAMES, ActivationName, isActivationName } from "../../core/activations";
import { INIT_NAMES, InitName } from "../../core/init";
import { Mlp, validateMlpConfig } from "../../core/model";
import { validateOptimizer } from "../../core/optim";
import { validateTrainConfig } from "../../core/train";
import { ConfigError } from "../../core/errors";
import type { Fix } from "../../run/fixes";
import { saturationRule } from "../../measure/saturation";
import {
  PLAYGROUND_FIXES,
  PlaygroundConfig,
  TOY_NAMES,
  ToyName,
  freshDataset,
  toyDataset,
  withFix,
} from "../playground";

/** Notebook 07's data: 256 training points, jitter 0.05 (its parameters cell). */
export const PAGE_DATA = { points: 256, noise: 0.05 } as const;

/** The page's limits: what one browser core trains in seconds. */
export const PAGE_LIMITS = { depth: 12, width: 64, epochs: 10_000 } as const;

export interface PageSettings {
  readonly dataset: ToyName;
  readonly depth: number;
  readonly width: number;
  readonly activation: ActivationName;
  readonly init: InitName;
  /** "none", or a fix id of PLAYGROUND_FIXES. */
  readonly fix: string;
  readonly learningRate: number;
  readonly batchSize: number;
  readonly eps: number;
  readonly seed: number;
  /** Train until this epoch. */
  readonly epochs: number;
}

export type SettingName = keyof PageSettings;

/** Notebook 07's baseline (its parameters cell). */
export const DEFAULT_SETTINGS: PageSettings = {
  dataset: "spirals",
  depth: 5,
  width: 8,
  activation: "sigmoid",
  init: "standard",
  fix: "none",
  learningRate: 6,
  batchSize: 32,
  eps: 0.01,
  seed: 1,
  epochs: 100,
};

export const NO_FIX = "none";

/** Said next to a fix where the catalogue's citation would claim too much. */
const FIX_NOTES: Record<string, string> = {
  normalized: "our extension on the sigmoid: Glorot & Bengio derived the normalized init for symmetric activations",
};

export function fixNote(id: string): string | null {
  return FIX_NOTES[id] ?? null;
}

/** The fix's catalogue label without its number in notebook 05's list, e.g. "Batch norm before the sigmoid". */
export function fixLabel(f: Fix): string {
  const label = f.label.replace(/^[0-9a-z]+ · /, "");
  return FIX_NOTES[f.id] ? `${label} (our extension on the sigmoid)` : label;
}

export interface ControlSpec {
  readonly name: SettingName;
  readonly label: string;
  /** Options of a select (value, shown text); absent for a number field. */
  readonly options?: readonly { readonly value: string; readonly text: string }[];
  readonly step?: string;
  /** Whether changing it starts the network again (all but epochs). */
  readonly resets: boolean;
}

const opts = (xs: readonly string[]) => xs.map((x) => ({ value: x, text: x }));

/** The controls, in order; every list comes from the library. */
export const CONTROLS: readonly ControlSpec[] = [
  { name: "dataset", label: "Data set", options: opts(TOY_NAMES), resets: true },
  { name: "depth", label: "Hidden layers", step: "1", resets: true },
  { name: "width", label: "Units per layer", step: "1", resets: true },
  { name: "activation", label: "Activation", options: opts(ACTIVATION_NAMES), resets: true },
  { name: "init", label: "Initialisation", options: opts(INIT_NAMES), resets: true },
  {
    name: "fix",
    label: "Fix",
    options: [{ value: NO_FIX, text: "none" }, ...PLAYGROUND_FIXES.map((f) => ({ value: f.id, text: fixLabel(f) }))],
    resets: true,
  },
  { name: "learningRate", label: "Learning rate η", step: "any", resets: true },
  { name: "batchSize", label: "Batch size", step: "1", resets: true },
  { name: "eps", label: "Saturated: within ε", step: "any", resets: true },
  { name: "seed", label: "Seed", step: "1", resets: true },
  { name: "epochs", label: "Train until epoch", step: "1", resets: false },
];

/** The text each control shows for some settings. */
export function settingsText(s: PageSettings): Record<SettingName, string> {
  const out = {} as Record<SettingName, string>;
  for (const c of CONTROLS) out[c.name] = String(s[c.name]);
  return out;
}

export type SettingErrors = Partial<Record<SettingName, string>>;

export type ReadSettings =
  | { readonly ok: true; readonly settings: PageSettings; readonly config: PlaygroundConfig }
  | { readonly ok: false; readonly errors: SettingErrors };

/** A number from a text field; an empty field is not 0. */
function numberOf(text: string | undefined): number {
  return text === undefined || text.trim() === "" ? NaN : Number(text);
}

/** Every control's value checked by the library, all at once, so every wrong field says so. */
export function readSettings(text: Partial<Record<SettingName, string>>): ReadSettings {
  const errors: SettingErrors = {};
  const check = (name: SettingName, f: () => void) => {
    try {
      f();
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      errors[name] ??= e.message;
    }
  };
  const dataset = text.dataset ?? "";
  const activation = text.activation ?? "";
  const init = text.init ?? "";
  const fix = text.fix ?? NO_FIX;
  const [depth, width, learningRate, batchSize, eps, seed, epochs] = (
    ["depth", "width", "learningRate", "batchSize", "eps", "seed", "epochs"] as const
  ).map((k) => numberOf(text[k]));
  const mlp = {
    inputDim: 2,
    outputDim: 2,
    seed: 0,
    activation: "sigmoid" as ActivationName,
    init: "standard" as InitName,
  };

  check("dataset", () => {
    if (!(TOY_NAMES as readonly string[]).includes(dataset))
      throw new ConfigError("dataset", dataset, `one of ${TOY_NAMES.join(", ")}`);
  });
  check("depth", () => {
    if (!(Number.isInteger(depth) && depth >= 1 && depth <= PAGE_LIMITS.depth))
      throw new ConfigError("depth", depth, `a whole number of hidden layers from 1 to ${PAGE_LIMITS.depth}`);
  });
  check("width", () => {
    validateMlpConfig({ ...mlp, widths: [width] });
    if (width > PAGE_LIMITS.width)
      throw new ConfigError(
        "width",
        width,
        `at most ${PAGE_LIMITS.width} units per layer in the page (the browser trains on one core)`,
      );
  });
  check("activation", () => validateMlpConfig({ ...mlp, widths: [1], activation: activation as ActivationName }));
  check("init", () => validateMlpConfig({ ...mlp, widths: [1], init: init as InitName }));
  check("seed", () => validateMlpConfig({ ...mlp, widths: [1], seed }));
  check("learningRate", () => validateOptimizer({ kind: "sgd", learningRate }));
  check("eps", () => saturationRule(isActivationName(activation) ? activation : "sigmoid", eps));
  check("epochs", () => {
    if (!(Number.isInteger(epochs) && epochs >= 1 && epochs <= PAGE_LIMITS.epochs))
      throw new ConfigError("epochs", epochs, `a whole number of epochs from 1 to ${PAGE_LIMITS.epochs}`);
  });
  check("fix", () => {
    if (fix !== NO_FIX && !PLAYGROUND_FIXES.some((f) => f.id === fix))
      throw new ConfigError("fix", fix, `"${NO_FIX}" or one of ${PLAYGROUND_FIXES.map((f) => f.id).join(", ")}`);
  });
  check("batchSize", () => checkBatchSize(batchSize));
  if (Object.keys(errors).length > 0) return { ok: false, errors };

  const settings: PageSettings = {
    dataset: dataset as ToyName,
    depth,
    width,
    activation: activation as ActivationName,
    init: init as InitName,
    fix,
    learningRate,
    batchSize,
    eps,
    seed,
    epochs,
  };
  return { ok: true, settings, config: playgroundConfigOf(settings) };
}

/** The training loop's own check of the batch size against the data set's size (every data set has PAGE_DATA.points), on a one-unit stand-in network. */
function checkBatchSize(batchSize: number): void {
  const data = toyDataset("xor", { n: PAGE_DATA.points, noise: PAGE_DATA.noise, seed: 0 });
  const standIn = new Mlp({ inputDim: 2, widths: [1], outputDim: 2, activation: "sigmoid", init: "standard", seed: 0 });
  try {
    validateTrainConfig(
      standIn,
      { train: data },
      { epochs: 1, batchSize, optimizer: { kind: "sgd", learningRate: 1 }, seed: 0 },
    );
  } finally {
    standIn.dispose();
  }
}

/** 07's configuration for these settings: its data and fresh points (freshDataset), its grid, the fix applied by withFix as in the notebook. */
export function playgroundConfigOf(s: PageSettings): PlaygroundConfig {
  const draw = { n: PAGE_DATA.points, noise: PAGE_DATA.noise, seed: s.seed };
  const base: PlaygroundConfig = {
    label: "baseline",
    data: toyDataset(s.dataset, draw),
    fresh: freshDataset(s.dataset, draw),
    widths: Array.from({ length: s.depth }, () => s.width),
    activation: s.activation,
    init: s.init,
    learningRate: s.learningRate,
    batchSize: s.batchSize,
    epochs: s.epochs,
    seed: s.seed,
    moments: [s.epochs],
    eps: s.eps,
  };
  return s.fix === NO_FIX ? base : withFix(base, s.fix);
}
