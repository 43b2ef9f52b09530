/**
 * The live display of a batch of jobs on the worker pool (lib/run/jobs): a
 * bar of jobs done, how many came from the cache or diverged, an estimate of
 * the time left, and one line per worker saying what it trains. Same look
 * and theme as the single-run display (lib/display/progress), so one family
 * of progress displays serves the book.
 */
import { escapeHtml } from "./html";
import { STATUS_ATTRIBUTE_NAME } from "./markers";
import type { RichOutput } from "./output";
import { ACCENT, CARD, MUTED, TRACK } from "./theme";

export interface BoardLane {
  /** 1-based worker number. */
  readonly worker: number;
  readonly label: string;
  /** What the worker reports ("epoch 2/5 · step 900 · loss 0.41"), or null before its first report. */
  readonly detail: string | null;
}

export interface BoardState {
  readonly title: string;
  readonly total: number;
  readonly done: number;
  readonly fromCache: number;
  readonly failed: number;
  readonly elapsedSeconds: number;
  readonly etaSeconds: number | null;
  readonly lanes: readonly BoardLane[];
  readonly final: boolean;
}

/** The one-line summary (also what the headless runner prints while the cell runs). */
export function boardSummary(s: BoardState): string {
  return (
    `${s.done}/${s.total} done (${s.fromCache} from the cache${s.failed ? `, ${s.failed} diverged` : ""}) · ${s.elapsedSeconds.toFixed(0)} s` +
    (s.etaSeconds !== null ? ` · about ${s.etaSeconds.toFixed(0)} s left` : "")
  );
}

export function renderBoard(s: BoardState): RichOutput {
  const summary = boardSummary(s);
  const laneText = s.lanes.map((l) => `worker ${l.worker}: ${l.label} — ${l.detail ?? "starting…"}`);
  const text = `${s.title}: ${summary}${s.final ? " — finished" : ""}`;
  const fraction = s.total === 0 ? 1 : s.done / s.total;
  const html =
    `<div class="sigmoid-lab-progress" ${STATUS_ATTRIBUTE_NAME}="${escapeHtml([text, ...laneText].join(" · "))}" style="font:13px system-ui,sans-serif;${CARD};padding:0.6em 0.8em;max-width:720px">` +
    `<div style="display:flex;justify-content:space-between;gap:1em"><strong>${escapeHtml(s.title)}</strong><span style="${MUTED}">${s.final ? "done" : "running…"}</span></div>` +
    `<div style="height:6px;background:${TRACK};border-radius:3px;margin:0.5em 0"><div style="height:6px;width:${(100 * fraction).toFixed(1)}%;background:${s.final ? ACCENT.green : ACCENT.blue};border-radius:3px"></div></div>` +
    `<div style="font-variant-numeric:tabular-nums">${escapeHtml(summary)}</div>` +
    laneText.map((t) => `<div style="font-variant-numeric:tabular-nums;${MUTED}">${escapeHtml(t)}</div>`).join("") +
    `</div>`;
  return { html, text };
}
