/**
 * Where rich output goes. Inside a tslab kernel that is the cell's output
 * area; anywhere else (plain node, tests, scripts) there is no display, and
 * we fall back to one plain-text line on stdout so library code that shows
 * figures never crashes outside a notebook.
 */

import type * as Tslab from "tslab";

/**
 * One rich output: the HTML for notebooks and a one-line text for terminals.
 * `html` may be a function so that costly HTML (the 1.5 MB plotly loader) is
 * only built when a notebook will actually receive it.
 */
export interface RichOutput {
  html: string | (() => string);
  text: string;
}

export function htmlOf(output: RichOutput): string {
  return typeof output.html === "function" ? output.html() : output.html;
}

/** Something that receives rich outputs; tests inject their own. */
export interface OutputSink {
  emit(output: RichOutput): void;
}

/** A sink that writes a new output each time (figures, tables). */
export function cellSink(): OutputSink {
  return { emit: (o) => withFallback(() => kernelTslab().display.html(htmlOf(o)), o.text) };
}

/**
 * A sink whose every emit replaces the previous one in place (one tslab
 * display id), for live progress. Outside a kernel it prints text lines.
 */
export function updatingCellSink(): OutputSink {
  let display: Tslab.Display | null = null;
  return {
    emit: (o) =>
      withFallback(() => {
        display ??= kernelTslab().newDisplay();
        display.html(htmlOf(o));
      }, o.text),
  };
}

/** A sink that keeps everything, for tests and for building pages offline. */
export function memorySink(): OutputSink & { outputs: { html: string; text: string }[] } {
  const outputs: { html: string; text: string }[] = [];
  return { outputs, emit: (o) => void outputs.push({ html: htmlOf(o), text: o.text }) };
}

let defaultSink: OutputSink | null = null;

/** The sink `show()` and friends use unless given one: the current cell. */
export function currentSink(): OutputSink {
  return defaultSink ?? cellSink();
}

/** Redirect default output (e.g. to a memorySink in a test); null restores the cell. */
export function setDefaultSink(sink: OutputSink | null): void {
  defaultSink = sink;
}

function withFallback(show: () => void, text: string): void {
  if (!inTslabKernel()) return printLine(text);
  try {
    show();
  } catch (e) {
    if (!isDisplayNotReady(e)) throw e;
    printLine(text);
  }
}

function printLine(text: string): void {
  if (text !== "") process.stdout.write(text.endsWith("\n") ? text : text + "\n");
}

/** What tslab's executor puts on globalThis before running any cell. */
interface TslabHook {
  require(id: string): unknown;
}

function tslabHook(): TslabHook | undefined {
  return (globalThis as { __tslab__?: TslabHook }).__tslab__;
}

/** Checked first: it spares building HTML that nobody will receive. */
export function inTslabKernel(): boolean {
  return tslabHook() !== undefined;
}

/**
 * The kernel's own tslab module, through the executor's require hook: a
 * plain require("tslab") from compiled out/lib could load a second copy
 * (e.g. a globally installed kernel) whose display is never connected.
 */
function kernelTslab(): typeof Tslab {
  return (tslabHook() as TslabHook).require("tslab") as typeof Tslab;
}

/** tslab's display throws Error("Not ready") before the kernel's first execute request. */
function isDisplayNotReady(e: unknown): boolean {
  return e instanceof Error && e.message === "Not ready";
}
