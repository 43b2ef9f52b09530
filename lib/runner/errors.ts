/**
 * Failures of the runner, each carrying what a reader needs to act: which
 * notebook, which cell, what the kernel said, and where the partial output is.
 */

/** What went wrong with the kernel itself (as opposed to the user's code). */
export type KernelFailure = "start-failed" | "died" | "timeout" | "protocol";

export class KernelError extends Error {
  constructor(
    readonly failure: KernelFailure,
    message: string,
  ) {
    super(message);
    this.name = "KernelError";
  }
}

export type NotebookFailure = "cell-error" | KernelFailure;

/** Where in the notebook a failure happened. */
export interface FailedCell {
  /** 1-based index among code cells, including an injected-parameters cell. */
  index: number;
  /** Number of code cells that were to run. */
  of: number;
  firstLine: string;
}

export interface NotebookErrorDetails {
  notebook: string;
  failure: NotebookFailure;
  /** Null when the kernel failed before any cell ran. */
  cell: FailedCell | null;
  kernelMessage: string;
  /** The partially executed notebook, or null if it could not be written. */
  output: string | null;
}

export class NotebookError extends Error {
  constructor(readonly details: NotebookErrorDetails) {
    super(describe(details));
    this.name = "NotebookError";
  }
}

const FAILURE_WORDS: Record<NotebookFailure, string> = {
  "cell-error": "failed",
  "start-failed": "could not start the kernel",
  died: "the kernel died",
  timeout: "timed out",
  protocol: "kernel protocol error",
};

function describe(d: NotebookErrorDetails): string {
  const where = d.cell
    ? `cell ${d.cell.index} of ${d.cell.of} (${JSON.stringify(d.cell.firstLine)}) ${FAILURE_WORDS[d.failure]}`
    : FAILURE_WORDS[d.failure];
  const saved = d.output ? `\nPartial notebook written to ${d.output}` : "";
  return `${d.notebook}: ${where}: ${d.kernelMessage}${saved}`;
}

/** Bad parameters or profile: found before any kernel starts. */
export class ParameterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ParameterError";
  }
}

/** The input file is not a notebook this runner can execute. */
export class NotebookFormatError extends Error {
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = "NotebookFormatError";
  }
}
