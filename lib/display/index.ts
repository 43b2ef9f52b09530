/**
 * The display layer: figures, tables and live progress for notebook cells.
 * Everything here takes plain arrays and objects (never tensors) and imports
 * nothing from the science modules.
 */

export * as plot from "./plot";
export { table, tableHtml } from "./table";
export type { Row, Cell, DataFrameLike, TableOptions } from "./table";
export { progress, terminalProgressSink } from "./progress";
export type { Progress, ProgressOptions, ProgressSink, ProgressUpdate } from "./progress";
export { memorySink, setDefaultSink, inTslabKernel } from "./output";
export type { OutputSink, RichOutput } from "./output";
export { escapeHtml } from "./html";
export { formatNumber } from "./numbers";
export * as text from "./text";
export * as theme from "./theme";
