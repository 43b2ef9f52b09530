/**
 * Progress events of a notebook run, and the terminal printer: a run never
 * looks hung. While a cell runs, the printer shows the notebook, the cell
 * n/N, the time it has run and what the cell itself reports (a training
 * cell's epoch, loss and ETA, or the last line it printed):
 *   - on a TTY, one line rewritten in place every second;
 *   - in a log (CI, a pipe), a plain line every HEARTBEAT_MS while it runs.
 * Each finished cell leaves one plain line, as before.
 */
import { formatBytes } from "./memory";

export type CellStatus = "ok" | "error" | "timeout" | "died";

export type ProgressEvent =
  | { kind: "kernel-started"; notebook: string; pid: number; elapsedMs: number }
  | { kind: "cell-started"; notebook: string; cell: number; of: number; firstLine: string }
  /** The latest thing the running cell reports about itself (status line of a progress display, last printed line). */
  | { kind: "cell-activity"; notebook: string; cell: number; of: number; text: string }
  | {
      kind: "cell-finished";
      notebook: string;
      cell: number;
      of: number;
      firstLine: string;
      elapsedMs: number;
      status: CellStatus;
    }
  | {
      kind: "notebook-finished";
      notebook: string;
      elapsedMs: number;
      /** The kernel's peak resident set in bytes (null where it cannot be read). */
      peakRssBytes?: number | null;
      /** CPU seconds of the kernel (null where it cannot be read). */
      cpuSeconds?: number | null;
      ok: boolean;
      output: string;
    };

export type ProgressListener = (event: ProgressEvent) => void;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const SOURCE_WIDTH = 60;

/** "9 s", "1 min 05 s", "1 h 02 min": a running clock that reads at a glance. */
export function clock(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
}

/** The line a finished step leaves; null for events that leave none. */
export function formatProgress(e: ProgressEvent): string | null {
  switch (e.kind) {
    case "kernel-started":
      return `${e.notebook}: kernel started in ${seconds(e.elapsedMs)} (pid ${e.pid})`;
    case "cell-started":
    case "cell-activity":
      return null; // shown by the live line while the cell runs
    case "cell-finished": {
      const status = e.status === "ok" ? "" : ` ${e.status.toUpperCase()}`;
      return `${e.notebook}: cell ${e.cell}/${e.of} ${seconds(e.elapsedMs)}${status}  ${shorten(e.firstLine, SOURCE_WIDTH)}`;
    }
    case "notebook-finished":
      return `${e.notebook}: ${e.ok ? "done" : "FAILED"} in ${seconds(e.elapsedMs)}${
        e.cpuSeconds ? `, ${seconds(e.cpuSeconds * 1000)} of CPU` : ""
      }${e.peakRssBytes ? `, kernel peak memory ${formatBytes(e.peakRssBytes)}` : ""} -> ${e.output}`;
  }
}

/** The state of the cell that is running now. */
interface Running {
  notebook: string;
  cell: number;
  of: number;
  firstLine: string;
  startedAt: number;
  activity: string | null;
}

/** "01-train: cell 5/19 · 1 min 05 s · Training: epoch 3/10 (ETA 40 s) · loss 0.31" (or the cell's first line when it reports nothing). */
export function runningLine(r: Running, now: number): string {
  const what = r.activity ?? shorten(r.firstLine, SOURCE_WIDTH);
  return `${r.notebook}: cell ${r.cell}/${r.of} · ${clock(now - r.startedAt)} · ${what}`;
}

export const HEARTBEAT_MS = 15_000;

export interface PrinterOptions {
  /** Defaults to the stream's own isTTY. */
  tty?: boolean;
  /** Terminal width for the live line (default: the stream's columns, else 100). */
  columns?: number;
  /** Plain-line interval while a cell runs, when not a TTY. */
  heartbeatMs?: number;
  /** Redraw interval of the live line on a TTY. */
  tickMs?: number;
  now?: () => number;
}

type Stream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

/**
 * Default listener: progress on stderr, so stdout stays free for results. One
 * printer may serve several notebooks running at once (`npm start -- --jobs 2`):
 * the live line then shows each running cell side by side, and the plain
 * heartbeat prints one line per running cell.
 */
export function printProgress(stream: Stream = process.stderr, opts: PrinterOptions = {}): ProgressListener {
  const tty = opts.tty ?? stream.isTTY === true;
  const now = opts.now ?? Date.now;
  const heartbeatMs = opts.heartbeatMs ?? HEARTBEAT_MS;
  const running = new Map<string, Running>(); // by notebook
  let timer: NodeJS.Timeout | null = null;
  let liveShown = false;
  let lastPlain = 0;

  const width = () => Math.max(40, (opts.columns ?? stream.columns ?? 100) - 1);
  const drawLive = () => {
    if (running.size === 0) return;
    const all = [...running.values()];
    const each = Math.max(20, Math.floor((width() - 3 * (all.length - 1)) / all.length));
    const line = all.map((r) => shorten(runningLine(r, now()), each)).join(" │ ");
    stream.write(`\r\x1b[K${shorten(line, width())}`);
    liveShown = true;
  };
  const clearLive = () => {
    if (liveShown) stream.write("\r\x1b[K");
    liveShown = false;
  };
  const tick = () => {
    if (running.size === 0) return;
    if (tty) return drawLive();
    if (now() - lastPlain >= heartbeatMs) {
      lastPlain = now();
      for (const r of running.values()) stream.write(runningLine(r, now()) + "\n");
    }
  };
  const ensureTimer = () => {
    if (timer) return;
    // unref: a forgotten timer must never keep the process alive.
    timer = setInterval(tick, tty ? (opts.tickMs ?? 1000) : Math.min(heartbeatMs, 1000));
    timer.unref();
  };
  const stopTimerIfIdle = () => {
    if (running.size > 0 || !timer) return;
    clearInterval(timer);
    timer = null;
  };

  return (event) => {
    switch (event.kind) {
      case "cell-started":
        running.set(event.notebook, {
          notebook: event.notebook,
          cell: event.cell,
          of: event.of,
          firstLine: event.firstLine,
          startedAt: now(),
          activity: null,
        });
        if (running.size === 1) lastPlain = now();
        if (tty) drawLive();
        ensureTimer();
        return;
      case "cell-activity": {
        const r = running.get(event.notebook);
        if (r && r.cell === event.cell) {
          r.activity = event.text;
          if (tty) drawLive();
        }
        return;
      }
      case "cell-finished":
      case "notebook-finished":
        running.delete(event.notebook);
        stopTimerIfIdle();
        break;
    }
    const line = formatProgress(event);
    if (line === null) return;
    clearLive();
    stream.write(line + "\n");
    if (tty) drawLive(); // the other notebooks' cells are still running
  };
}

function shorten(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}
