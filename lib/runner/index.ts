/**
 * The headless notebook runner: execute .ipynb files in a tslab kernel and
 * write the executed notebooks. A separate layer: it imports nothing from the
 * science modules of lib/.
 *
 *   import { runNotebook } from "./lib/runner";
 *   await runNotebook({ input: "notebooks/01-train.ipynb", output: "out/notebooks/01-train.ipynb", profile: "quick" });
 */
export { runNotebook, DEFAULT_CELL_TIMEOUT_MS, DEFAULT_START_TIMEOUT_MS } from "./execute";
export type { RunOptions, RunResult, CellRun } from "./execute";
export { NotebookError, ParameterError, NotebookFormatError, KernelError } from "./errors";
export type { NotebookErrorDetails, NotebookFailure, FailedCell, KernelFailure } from "./errors";
export { printProgress, formatProgress } from "./progress";
export type { ProgressEvent, ProgressListener, CellStatus } from "./progress";
export type { Params, ParamValue } from "./params";
export { loadProfiles, defaultProfilesPath } from "./profiles";
export type { ProfileTable, Profile } from "./profiles";
export { readNotebook, writeNotebook } from "./notebook";
export type { Notebook, Cell, CodeCell, Output } from "./notebook";
export { KERNELSPEC } from "./kernel";
