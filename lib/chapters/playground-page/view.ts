/**
 * Chapter: the book's playground page (07) — what the reader sees.
 *
 * The controls (one per setting, lists from the library), the buttons and
 * the step counter, 07's tile grid (lib/display/tiles through 07's
 * playgroundTiles), the per-layer table (lib/display/table) and the curves
 * (lib/display/charts, drawn by the book's plotly in the page's colours).
 * Everything drawn is computed from the session; nothing here trains.
 */
import { activation } from "../../core/activations";
import { escapeHtml } from "../../display/html";
import { tableHtml } from "../../display/table";
import { tileGridHtml } from "../../display/tiles";
import { pct, pp } from "../../display/text";
import { takeawayHtml } from "../../display/show";
import type { SaturationRule } from "../../measure/saturation";
import { PLAYGROUND_FIXES, Moment, describeConfig } from "../playground";
import { playgroundTiles } from "../playground-view";
import { morph } from "./morph";
import { CONTROLS, PAGE_DATA, SettingErrors, SettingName, fixNote } from "./settings";
import type { PlaygroundSession } from "./session";
import { PAGE_CSS } from "./style";

export interface ControlElements {
  readonly field: HTMLElement;
  readonly input: HTMLInputElement | HTMLSelectElement;
  readonly error: HTMLElement;
}

export interface PageView {
  readonly root: HTMLElement;
  readonly controls: Map<SettingName, ControlElements>;
  readonly buttons: {
    readonly train: HTMLButtonElement;
    readonly pause: HTMLButtonElement;
    readonly reset: HTMLButtonElement;
  };
  readonly status: HTMLElement;
  readonly recipe: HTMLElement;
  readonly tiles: HTMLElement;
  readonly numbers: HTMLElement;
  readonly charts: { readonly loss: HTMLElement; readonly accuracy: HTMLElement; readonly saturation: HTMLElement };
  readonly takeaways: { readonly curves: HTMLElement; readonly saturation: HTMLElement };
}

const ids = (name: string) => ({ input: `pg-${name}`, error: `pg-${name}-error` });

function controlHtml(c: (typeof CONTROLS)[number]): string {
  const { input, error } = ids(c.name);
  const widget = c.options
    ? `<select id="${input}" name="${c.name}" aria-describedby="${error}">${c.options.map((o) => `<option value="${escapeHtml(o.value)}">${escapeHtml(o.text)}</option>`).join("")}</select>`
    : `<input id="${input}" name="${c.name}" type="text" inputmode="${c.step === "1" ? "numeric" : "decimal"}" autocomplete="off" spellcheck="false" aria-describedby="${error}">`;
  return `<div class="pg-field" data-control="${c.name}"><label for="${input}">${escapeHtml(c.label)}</label>${widget}<div class="pg-error" id="${error}" aria-live="polite"></div>${c.name === "fix" ? '<div class="pg-hint"></div>' : ""}</div>`;
}

/** The page's skeleton inside `root`; returns the elements the controller drives. */
export function buildView(root: HTMLElement): PageView {
  root.innerHTML =
    `<style>${PAGE_CSS}</style>` +
    `<form class="pg-controls" novalidate aria-label="Network and training settings">${CONTROLS.map(controlHtml).join("")}</form>` +
    `<p class="pg-recipe" aria-live="polite"></p>` +
    `<div class="pg-bar"><button type="button" class="pg-train">▶ Train</button><button type="button" class="pg-pause">❚❚ Pause</button>` +
    `<button type="button" class="pg-reset">↺ Reset</button><span class="pg-status" role="status"></span></div>` +
    `<div class="pg-main"><div class="pg-tiles"></div>` +
    `<div class="pg-side"><div class="pg-numbers"></div>` +
    `<div class="pg-chart" data-chart="saturation"></div><div class="pg-takeaway-slot" data-takeaway="saturation"></div>` +
    `<div class="pg-chart" data-chart="loss"></div><div class="pg-chart" data-chart="accuracy"></div><div class="pg-takeaway-slot" data-takeaway="curves"></div></div></div>` +
    `<p class="pg-about">${escapeHtml(aboutText())}</p>`;
  const q = <T extends Element>(sel: string) => root.querySelector(sel) as T;
  const controls = new Map<SettingName, ControlElements>();
  for (const c of CONTROLS) {
    const { input, error } = ids(c.name);
    controls.set(c.name, {
      field: q<HTMLElement>(`[data-control="${c.name}"]`),
      input: q<HTMLInputElement>(`#${input}`),
      error: q<HTMLElement>(`#${error}`),
    });
  }
  return {
    root,
    controls,
    buttons: { train: q(".pg-train"), pause: q(".pg-pause"), reset: q(".pg-reset") },
    status: q(".pg-status"),
    recipe: q(".pg-recipe"),
    tiles: q(".pg-tiles"),
    numbers: q(".pg-numbers"),
    charts: {
      loss: q('[data-chart="loss"]'),
      accuracy: q('[data-chart="accuracy"]'),
      saturation: q('[data-chart="saturation"]'),
    },
    takeaways: { curves: q('[data-takeaway="curves"]'), saturation: q('[data-takeaway="saturation"]') },
  };
}

/** What runs, from the constants the page trains with. */
function aboutText(): string {
  return (
    `What runs here: ${PAGE_DATA.points} training points of the chosen data set (jitter ${PAGE_DATA.noise}, drawn with the seed) and ${PAGE_DATA.points} fresh points ` +
    `from the same generator (a seed of their own), plain SGD on the cross-entropy (no momentum), the book's library compiled for the browser on tfjs's cpu backend. ` +
    `After every epoch both point sets are forwarded through the network; the pictures are redrawn a few times a second. The same settings give the same numbers here as runPlayground in a notebook.`
  );
}

export function controlValues(view: PageView): Partial<Record<SettingName, string>> {
  const out: Partial<Record<SettingName, string>> = {};
  for (const [name, c] of view.controls) out[name] = c.input.value;
  return out;
}

export function setControlValues(view: PageView, values: Partial<Record<SettingName, string>>): void {
  for (const [name, value] of Object.entries(values) as [SettingName, string][]) {
    const c = view.controls.get(name);
    if (c) c.input.value = value;
  }
}

/** The library's message next to each refused control; none elsewhere. */
export function showErrors(view: PageView, errors: SettingErrors): void {
  for (const [name, c] of view.controls) {
    const message = errors[name] ?? "";
    c.error.textContent = message;
    c.field.classList.toggle("pg-invalid", message !== "");
    c.input.setAttribute("aria-invalid", message !== "" ? "true" : "false");
  }
}

/** A fix sets the activation and the init: those controls show it and wait. */
export function showFix(view: PageView, fix: string): void {
  const f = PLAYGROUND_FIXES.find((x) => x.id === fix);
  for (const name of ["activation", "init"] as const) {
    const c = view.controls.get(name)!;
    c.input.disabled = !!f;
    c.field.title = f ? `Set by the fix: ${name === "activation" ? f.activation : String(f.init)}` : "";
  }
  const note = f ? [`${f.claim} (${f.citation})`, fixNote(f.id)].filter(Boolean).join(" — ") : "";
  view.root.querySelector(".pg-hint")!.textContent = note;
}

export interface StatusLine {
  readonly state: "ready" | "training" | "paused" | "done" | "diverged" | "invalid" | "error";
  readonly message?: string;
  readonly epochsPerSecond?: number;
  /** A step inside the epoch being trained, when drawn mid-epoch. */
  readonly step?: number;
}

export function drawStatus(view: PageView, session: PlaygroundSession | null, target: number, line: StatusLine): void {
  const { train, pause, reset } = view.buttons;
  const running = line.state === "training";
  train.disabled = running || !session || !!session.divergence;
  train.textContent = session && session.epoch >= target ? `▶ Train ${target} more` : "▶ Train";
  pause.disabled = !running;
  reset.disabled = line.state === "invalid";
  view.root.dataset.state = line.state;
  if (!session) {
    view.status.textContent = line.message ?? "Fix the settings marked above.";
    return;
  }
  const speed = line.epochsPerSecond ? ` · ${line.epochsPerSecond.toFixed(1)} epochs/s` : "";
  const words: Record<StatusLine["state"], string> = {
    ready: "ready",
    training: "training…",
    paused: "paused",
    done: "done",
    diverged: "stopped",
    invalid: "",
    error: "stopped",
  };
  view.status.innerHTML =
    `<span data-stat="epoch">Epoch ${session.epoch}</span> of ${target} · <span data-stat="step">step ${line.step ?? session.step}</span>` +
    ` (${session.stepsPerEpoch} steps of ${session.config.batchSize} points per epoch)${speed} · <b>${escapeHtml(words[line.state])}</b>` +
    (line.message ? ` — ${escapeHtml(line.message)}` : "");
  view.recipe.textContent = `The network: ${describeConfig(session.config)}; ${session.config.data.name}.`;
}

/** 07's tile grid of the network now. */
export function drawTiles(view: PageView, session: PlaygroundSession, moment: Moment): void {
  const grid = playgroundTiles([session.asRun(moment)], {
    title: `Every hidden unit over the input plane, epoch ${moment.epoch}`,
  });
  morph(view.tiles, tileGridHtml(grid));
}

function ruleText(rule: SaturationRule): string {
  if (rule.kind === "asymptotes") return `within ε = ${rule.eps} of an asymptote`;
  return `flat: slope below ${pct(rule.delta)} of its largest (the sigmoid's ε in slope terms)`;
}

/** Per hidden layer: saturated share on the training points, on fresh points and over the plane; mean f′ on both point sets. */
export function drawNumbers(view: PageView, session: PlaygroundSession, moment: Moment): void {
  const s = session.last;
  const rows = s.training.saturation.map((t, l) => ({
    layer: l + 1,
    "saturated, training points": pct(t.total),
    "saturated, fresh points": pct(s.fresh.saturation[l].total),
    "saturated, plane": pct(moment.planeSaturation[l].total),
    "mean f′, training": s.training.derivative[l].toFixed(4),
    "mean f′, fresh": s.fresh.derivative[l].toFixed(4),
  }));
  const act = activation(session.config.activation);
  const caption = `Epoch ${s.epoch}: saturated share of (point, unit) entries per hidden layer (${ruleText(session.rule)}), and the mean slope f′ (at most ${act.maxDerivative} for ${act.name})`;
  const gaps = s.training.saturation.map((t, l) => t.total - s.fresh.saturation[l].total);
  let k = 0;
  gaps.forEach((g, l) => {
    if (Math.abs(g) > Math.abs(gaps[k])) k = l;
  });
  const takeaway =
    `Training points accuracy ${pct(s.training.accuracy)}, fresh points ${pct(s.fresh.accuracy)} (chance 50%). ` +
    `Largest difference in saturation between training and fresh points: layer ${k + 1}, ${pp(gaps[k])} (${pct(s.training.saturation[k].total)} vs ${pct(s.fresh.saturation[k].total)}).`;
  morph(view.numbers, tableHtml(rows, { caption }) + takeawayHtml(takeaway));
}
