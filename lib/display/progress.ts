/**
 * Live progress of a training cell: one output that updates in place
 * (a tslab display id), throttled so a fast loop does not flood the
 * notebook with messages, and finalized by done() with the last numbers.
 *
 *   const p = progress({ title: "Training 4×64 sigmoid MLP", total: epochs });
 *   p.update({ epoch, step, loss, accuracy, samplesPerSec });
 *   p.done();
 *
 * Outside a kernel it writes a terminal line instead; tests inject a sink.
 */

import { ConfigError } from "../core/errors";
import { requireText } from "./figure";
import { escapeHtml } from "./html";
import { formatNumber } from "./numbers";
import { inTslabKernel, updatingCellSink } from "./output";
import { downsample, sparklineSvg } from "./sparkline";
import { ACCENT, CARD, MUTED, TRACK } from "./theme";
import { STATUS_ATTRIBUTE_NAME } from "./markers";

export interface ProgressUpdate {
  /** Current epoch, 1-based. */
  epoch: number;
  step?: number;
  loss: number;
  /** In [0, 1]. */
  accuracy?: number;
  /**
   * Whether `accuracy` was measured just now, at the end of an epoch (default true). A per-step
   * update that repeats the last epoch's accuracy for the display says false: the accuracy curve
   * gets one point per measurement, so its last point is the final epoch's value.
   */
  accuracyMeasured?: boolean;
  samplesPerSec?: number;
}

/** Where progress goes: HTML for a notebook, text for a terminal. */
export interface ProgressSink {
  render(html: string, text: string, final: boolean): void;
}

export interface ProgressOptions {
  title: string;
  /** Number of epochs planned. */
  total: number;
  /** Minimum time between two renders (default 250 ms); done() always renders. */
  throttleMs?: number;
  sink?: ProgressSink;
  /** Milliseconds clock, injectable for tests. */
  now?: () => number;
}

export interface Progress {
  update(u: ProgressUpdate): void;
  /** Render the final state; later updates are ignored. */
  done(note?: string): void;
}

export function progress(opts: ProgressOptions): Progress {
  requireText("progress.title", opts.title);
  if (!(Number.isInteger(opts.total) && opts.total > 0))
    throw new ConfigError("progress.total", opts.total, "a positive whole number of epochs");
  const now = opts.now ?? (() => Date.now());
  const sink = opts.sink ?? defaultProgressSink();
  const throttleMs = opts.throttleMs ?? 250;
  const started = now();
  const history: { loss: number[]; accuracy: number[] } = { loss: [], accuracy: [] };
  const pace = new Pace(opts.total);
  let last: ProgressUpdate | null = null;
  let lastRender = -Infinity;
  let finished = false;

  const render = (final: boolean, note?: string) => {
    const elapsedMs = now() - started;
    const view: ProgressView = {
      title: opts.title,
      total: opts.total,
      last,
      history,
      elapsedMs,
      final,
      note,
      etaMs: final ? null : pace.etaMs(last, elapsedMs),
    };
    sink.render(progressHtml(view), progressText(view), final);
    lastRender = now();
  };

  return {
    update(u) {
      if (finished) return;
      last = u;
      pace.see(u);
      history.loss.push(u.loss);
      if (u.accuracy !== undefined && u.accuracyMeasured !== false) history.accuracy.push(u.accuracy);
      if (now() - lastRender >= throttleMs) render(false);
    },
    done(note) {
      if (finished) return;
      finished = true;
      render(true, note);
    },
  };
}

/** The live cell inside tslab; a terminal line elsewhere. */
export function defaultProgressSink(): ProgressSink {
  if (inTslabKernel()) {
    const cell = updatingCellSink();
    return { render: (html, text) => cell.emit({ html, text }) };
  }
  return terminalProgressSink(process.stderr);
}

/**
 * On a TTY one line rewritten in place; in a log (CI) a line every 5 s at
 * most, so logs stay readable.
 */
export function terminalProgressSink(stream: NodeJS.WriteStream, logEveryMs = 5000): ProgressSink {
  let lastLine = -Infinity;
  return {
    render(_html, text, final) {
      if (stream.isTTY) {
        stream.write(`\r\x1b[K${text}${final ? "\n" : ""}`);
        return;
      }
      if (!final && Date.now() - lastLine < logEveryMs) return;
      lastLine = Date.now();
      stream.write(text + "\n");
    },
  };
}

export interface ProgressView {
  title: string;
  total: number;
  last: ProgressUpdate | null;
  history: { loss: number[]; accuracy: number[] };
  elapsedMs: number;
  final: boolean;
  note?: string;
  /** Estimated time left, when the pace is known. */
  etaMs?: number | null;
}

/**
 * How far training is, for the ETA. Updates carry the current epoch and the
 * global step; the last step seen in epoch 1, once epoch 2 begins, is the
 * number of steps per epoch, and from then on the done fraction is
 * step / (stepsPerEpoch · total). Until then there is no ETA.
 */
export class Pace {
  private stepsPerEpoch: number | null = null;
  private lastEpoch = 0;
  private lastStep = 0;
  constructor(private readonly total: number) {}

  see(u: ProgressUpdate): void {
    if (u.step !== undefined) {
      if (this.stepsPerEpoch === null && this.lastEpoch === 1 && u.epoch === 2 && this.lastStep > 0)
        this.stepsPerEpoch = this.lastStep;
      this.lastStep = u.step;
    }
    this.lastEpoch = u.epoch;
  }

  /** Fraction of the planned training done, or null while unknown. */
  fraction(u: ProgressUpdate | null): number | null {
    if (!u) return null;
    if (this.stepsPerEpoch !== null && u.step !== undefined)
      return Math.min(1, u.step / (this.stepsPerEpoch * this.total));
    return null;
  }

  etaMs(u: ProgressUpdate | null, elapsedMs: number): number | null {
    const f = this.fraction(u);
    if (f === null || f <= 0 || f >= 1) return null;
    return (elapsedMs * (1 - f)) / f;
  }
}

/** Points a sparkline draws at most. */
export const SPARKLINE_POINTS = 200;

/**
 * A long history in at most SPARKLINE_POINTS points, ending with its last value
 * itself: bucket means of the values before it (the sparkline's own downsampling
 * would average the last value into the last bucket, and the curve would miss
 * the number printed beside it).
 */
export function endingAtLast(values: number[], maxPoints = SPARKLINE_POINTS): number[] {
  const finite = values.filter(Number.isFinite);
  if (finite.length <= maxPoints) return finite;
  return [...downsample(finite.slice(0, -1), maxPoints - 1), finite[finite.length - 1]];
}

/** "40 s", "3 min 05 s". */
function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
}

function metrics(view: ProgressView): string[] {
  const u = view.last;
  if (!u) return ["starting…"];
  const eta = view.etaMs !== undefined && view.etaMs !== null ? ` (ETA ${duration(view.etaMs)})` : "";
  return [
    // The ETA next to the epoch: a terminal that cuts the line short still shows it.
    `epoch ${u.epoch}/${view.total}${eta}`,
    ...(u.step !== undefined ? [`step ${u.step}`] : []),
    `loss ${formatNumber(u.loss, 4)}`,
    ...(u.accuracy !== undefined ? [`accuracy ${(100 * u.accuracy).toFixed(1)}%`] : []),
    ...(u.samplesPerSec !== undefined ? [`${Math.round(u.samplesPerSec).toLocaleString("en-US")} samples/s`] : []),
    `${(view.elapsedMs / 1000).toFixed(1)} s`,
  ];
}

export function progressText(view: ProgressView): string {
  const status = view.final ? ` — done${view.note ? `: ${view.note}` : ""}` : "";
  return `${view.title}: ${metrics(view).join(" · ")}${status}`;
}

export function progressHtml(view: ProgressView): string {
  const fraction = view.last ? Math.min(1, Math.max(0, view.last.epoch / view.total)) : 0;
  const barColor = view.final ? ACCENT.green : ACCENT.blue;
  const status = view.final ? `done${view.note ? ` — ${escapeHtml(view.note)}` : ""}` : "running…";
  const curves = [
    sparklineSvg(endingAtLast(view.history.loss), { label: "loss", color: ACCENT.orange }),
    ...(view.history.accuracy.length > 0
      ? [sparklineSvg(endingAtLast(view.history.accuracy), { label: "accuracy", color: ACCENT.blue })]
      : []),
  ];
  const curveLabels = ["loss", ...(view.history.accuracy.length > 0 ? ["accuracy"] : [])];
  return (
    `<div class="sigmoid-lab-progress" ${STATUS_ATTRIBUTE_NAME}="${escapeHtml(progressText(view))}" style="font:13px system-ui,sans-serif;${CARD};padding:0.6em 0.8em;max-width:720px">` +
    `<div style="display:flex;justify-content:space-between;gap:1em"><strong>${escapeHtml(view.title)}</strong><span style="${MUTED}">${status}</span></div>` +
    `<div style="height:6px;background:${TRACK};border-radius:3px;margin:0.5em 0"><div style="height:6px;width:${(100 * fraction).toFixed(1)}%;background:${barColor};border-radius:3px"></div></div>` +
    `<div style="font-variant-numeric:tabular-nums">${metrics(view).map(escapeHtml).join(" · ")}</div>` +
    `<div style="display:flex;flex-wrap:wrap;gap:1.5em;margin-top:0.4em">` +
    curves.map((svg, i) => `<div><div style="font-size:11px;${MUTED}">${curveLabels[i]}</div>${svg}</div>`).join("") +
    `</div></div>`
  );
}
