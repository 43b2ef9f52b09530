/** Progress events of a notebook run, and the one-line-per-step terminal printer. */

export type CellStatus = "ok" | "error" | "timeout" | "died";

export type ProgressEvent =
  | { kind: "kernel-started"; notebook: string; pid: number; elapsedMs: number }
  | { kind: "cell-started"; notebook: string; cell: number; of: number; firstLine: string }
  | { kind: "cell-finished"; notebook: string; cell: number; of: number; firstLine: string; elapsedMs: number; status: CellStatus }
  | { kind: "notebook-finished"; notebook: string; elapsedMs: number; ok: boolean; output: string };

export type ProgressListener = (event: ProgressEvent) => void;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const SOURCE_WIDTH = 60;

export function formatProgress(e: ProgressEvent): string | null {
  switch (e.kind) {
    case "kernel-started":
      return `${e.notebook}: kernel started in ${seconds(e.elapsedMs)} (pid ${e.pid})`;
    case "cell-started":
      return null; // one line per cell, written when it finishes
    case "cell-finished": {
      const source = e.firstLine.length > SOURCE_WIDTH ? `${e.firstLine.slice(0, SOURCE_WIDTH - 1)}…` : e.firstLine;
      const status = e.status === "ok" ? "" : ` ${e.status.toUpperCase()}`;
      return `${e.notebook}: cell ${e.cell}/${e.of} ${seconds(e.elapsedMs)}${status}  ${source}`;
    }
    case "notebook-finished":
      return `${e.notebook}: ${e.ok ? "done" : "FAILED"} in ${seconds(e.elapsedMs)} -> ${e.output}`;
  }
}

/** Default listener: progress on stderr, so stdout stays free for results. */
export function printProgress(stream: NodeJS.WritableStream = process.stderr): ProgressListener {
  return (event) => {
    const line = formatProgress(event);
    if (line !== null) stream.write(line + "\n");
  };
}
