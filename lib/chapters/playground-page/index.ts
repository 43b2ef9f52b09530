/**
 * Chapter: the book's playground page (07).
 *
 * Notebook 07's playground in the reader's browser, with no kernel: change
 * the network, train it, and watch every hidden unit over the plane saturate
 * (or not), on the training points and on fresh ones. The book bundles this
 * module with the library for the browser (lib/book/playground/bundle.ts)
 * and calls `start()` in its playground page; the model, the training loop,
 * the probes and the pictures are the library's own.
 *
 * For tests (and curious readers, from the console):
 *
 *   await window.sigmoidLabPlayground.run({ dataset: "spirals", depth: 5, width: 8, activation: "sigmoid",
 *                                           init: "standard", learningRate: 6, epochs: 100, seed: 1 })
 *   // → { accuracy, saturation: [per hidden layer, share of entries within ε = 0.01 of an asymptote on the training points], … }
 *
 * sets the controls to that configuration (the rest as notebook 07: batch
 * size 32, no fix, ε = 0.01), trains it on the page as the Train button does,
 * and resolves after `epochs` epochs.
 */
import * as tf from "@tensorflow/tfjs";
import { THEME_EVENT } from "../../display/figure-theme";
import { PlaygroundController } from "./controller";
import { CONTROLS, DEFAULT_SETTINGS, PageSettings, SettingName, readSettings, settingsText } from "./settings";
import { buildView, setControlValues } from "./view";

/** The element the book's playground page holds. */
export const ROOT_ID = "sigmoid-lab-playground";

export interface RunOptions {
  readonly dataset: string;
  readonly depth: number;
  readonly width: number;
  readonly activation: string;
  readonly init: string;
  readonly learningRate: number;
  readonly epochs: number;
  readonly seed: number;
  readonly batchSize?: number;
  readonly fix?: string;
  readonly eps?: number;
}

export interface RunResult {
  /** On all training points, after the last epoch. */
  readonly accuracy: number;
  /** Per hidden layer: share of (training point, unit) entries saturated (within ε of an asymptote; the flat rule for activations without two). */
  readonly saturation: number[];
  /** The same on as many fresh points from the same generator. */
  readonly freshSaturation: number[];
  readonly freshAccuracy: number;
  readonly epoch: number;
  readonly step: number;
  /** Wall time from the start of training to its end, pictures included. */
  readonly seconds: number;
}

export interface PlaygroundStatus {
  readonly epoch: number;
  readonly step: number;
  readonly running: boolean;
  /** The status line's state: ready, training, paused, done, diverged, invalid or error. */
  readonly state: string;
  /** performance.now() of the pictures drawn while training, and what each cost to draw (ms). */
  readonly drawTimes: number[];
  readonly drawCosts: number[];
  /** tfjs tensors alive in the page (the network's weights between runs: a number that grows is a leak). */
  readonly tensors: number;
}

export interface PlaygroundApi {
  run(options: RunOptions): Promise<RunResult>;
  /** What the page shows now. */
  status(): PlaygroundStatus;
}

declare global {
  interface Window {
    sigmoidLabPlayground?: PlaygroundApi;
  }
}

/** Build the page in #sigmoid-lab-playground and install window.sigmoidLabPlayground. */
export async function start(): Promise<void> {
  const root = document.getElementById(ROOT_ID);
  if (!root) return;
  await tf.setBackend("cpu");
  const view = buildView(root);
  setControlValues(view, settingsText(DEFAULT_SETTINGS));
  const ctrl = new PlaygroundController(view);
  wire(view, ctrl);
  await ctrl.applyControls(true);
  window.sigmoidLabPlayground = api(view, ctrl);
  root.dataset.ready = "true";
}

function wire(view: ReturnType<typeof buildView>, ctrl: PlaygroundController): void {
  view.buttons.train.addEventListener("click", () => void ctrl.train().catch(report));
  view.buttons.pause.addEventListener("click", () => void ctrl.pause());
  view.buttons.reset.addEventListener("click", () => void ctrl.applyControls(true));
  // Selects apply at once; text fields when the reader stops typing, or leaves the field.
  let typing: ReturnType<typeof setTimeout> | undefined;
  const apply = () => {
    clearTimeout(typing);
    void ctrl.applyControls().catch(report);
  };
  for (const [, c] of view.controls) {
    c.input.addEventListener("change", apply);
    if (c.input instanceof HTMLInputElement) {
      c.input.addEventListener("input", () => {
        clearTimeout(typing);
        typing = setTimeout(apply, 400);
      });
      c.input.addEventListener("keydown", (e) => {
        if (e.key === "Enter") apply();
      });
    }
  }
  // Training stops when the reader leaves: another tab, another page, a closed laptop.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden" && ctrl.isRunning)
      void ctrl.pause("the page was hidden; press Train to go on");
  });
  window.addEventListener("pagehide", () => void ctrl.pause());
  document.addEventListener(THEME_EVENT, () => ctrl.redrawCurves());
  window.matchMedia?.("(prefers-color-scheme: dark)").addEventListener?.("change", () => ctrl.redrawCurves());
}

function report(e: unknown): void {
  console.error(e);
}

function api(view: ReturnType<typeof buildView>, ctrl: PlaygroundController): PlaygroundApi {
  return {
    async run(o: RunOptions): Promise<RunResult> {
      const settings: Record<SettingName, unknown> = { ...DEFAULT_SETTINGS, ...o };
      const text = Object.fromEntries(CONTROLS.map((c) => [c.name, String(settings[c.name])])) as Record<
        SettingName,
        string
      >;
      setControlValues(view, text);
      if (!(await ctrl.applyControls(true))) {
        const read = readSettings(text);
        const why = read.ok ? "the network could not be built" : Object.values(read.errors).join(" ");
        throw new Error(`sigmoidLabPlayground.run: ${why}`);
      }
      const t0 = performance.now();
      await ctrl.train();
      const s = ctrl.session!;
      if (s.divergence) throw new Error(s.divergence.message);
      const last = s.last;
      return {
        accuracy: last.training.accuracy,
        saturation: last.training.saturation.map((x) => x.total),
        freshSaturation: last.fresh.saturation.map((x) => x.total),
        freshAccuracy: last.fresh.accuracy,
        epoch: last.epoch,
        step: last.step,
        seconds: (performance.now() - t0) / 1000,
      };
    },
    status() {
      const s = ctrl.session;
      return {
        epoch: s?.epoch ?? 0,
        step: s?.step ?? 0,
        running: ctrl.isRunning,
        state: view.root.dataset.state ?? "",
        drawTimes: [...ctrl.drawTimes],
        drawCosts: [...ctrl.drawCosts],
        tensors: tf.memory().numTensors,
      };
    },
  };
}

export type { PageSettings };
