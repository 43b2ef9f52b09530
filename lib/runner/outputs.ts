/**
 * Turns iopub messages into nbformat outputs the way nbclient does: streams
 * merge, displays with a display_id can be updated in place from any later
 * cell, and clear_output(wait=true) clears only when the next output arrives.
 */
import { CodeCell, DisplayDataOutput, ExecuteResultOutput, Output, StreamOutput } from "./notebook";
import { DisplayContent, KernelMessage, isType } from "./protocol";

type DisplayOutput = DisplayDataOutput | ExecuteResultOutput;

export class OutputRecorder {
  /** display_id -> every output showing it, in whichever cell. */
  private readonly displays = new Map<string, DisplayOutput[]>();
  private cell: CodeCell | null = null;
  private clearBeforeNextOutput = false;
  /** stderr writes of the current cell, one entry per message: tslab reports errors there. */
  private stderr: string[] = [];

  /** Direct the following messages at `cell`. */
  startCell(cell: CodeCell): void {
    this.cell = cell;
    this.clearBeforeNextOutput = false;
    this.stderr = [];
  }

  stderrWrites(): readonly string[] {
    return this.stderr;
  }

  record(msg: KernelMessage): void {
    if (isType(msg, "update_display_data")) return this.updateDisplay(msg.content);
    if (isType(msg, "clear_output")) {
      if (msg.content.wait) this.clearBeforeNextOutput = true;
      else this.clear();
      return;
    }
    const output = toOutput(msg);
    if (!output) return;
    if (this.clearBeforeNextOutput) this.clear();
    if (output.output_type === "stream") return this.appendStream(output);
    this.current().outputs.push(output);
    if (output.output_type !== "error") this.rememberDisplay(msg, output);
  }

  /** Add an output the runner itself produced (e.g. an error the kernel did not send). */
  add(output: Output): void {
    this.current().outputs.push(output);
  }

  private appendStream(output: StreamOutput): void {
    const outputs = this.current().outputs;
    if (output.name === "stderr") this.stderr.push(output.text);
    const last = outputs[outputs.length - 1];
    if (last?.output_type === "stream" && last.name === output.name) {
      last.text = collapseTerminalControls(last.text + output.text);
    } else {
      outputs.push({ ...output, text: collapseTerminalControls(output.text) });
    }
  }

  private rememberDisplay(msg: KernelMessage, output: DisplayOutput): void {
    const id = (msg.content as DisplayContent).transient?.display_id;
    if (!id) return;
    this.displays.set(id, [...(this.displays.get(id) ?? []), output]);
  }

  private updateDisplay(content: DisplayContent): void {
    const id = content.transient?.display_id;
    if (!id) return;
    for (const output of this.displays.get(id) ?? []) {
      output.data = content.data;
      output.metadata = content.metadata ?? {};
    }
  }

  private clear(): void {
    const cleared = new Set<Output>(this.current().outputs);
    this.current().outputs.length = 0;
    this.clearBeforeNextOutput = false;
    for (const [id, outputs] of this.displays) {
      this.displays.set(
        id,
        outputs.filter((o) => !cleared.has(o)),
      );
    }
  }

  private current(): CodeCell {
    if (!this.cell) throw new Error("OutputRecorder: startCell() must be called before recording outputs.");
    return this.cell;
  }
}

/** nbformat output for an iopub message, or null for messages that are not outputs. */
function toOutput(msg: KernelMessage): Output | null {
  if (isType(msg, "stream")) return { output_type: "stream", name: msg.content.name, text: msg.content.text };
  if (isType(msg, "display_data")) {
    return { output_type: "display_data", data: msg.content.data, metadata: msg.content.metadata ?? {} };
  }
  if (isType(msg, "execute_result")) {
    const { data, metadata, execution_count } = msg.content;
    return { output_type: "execute_result", data, metadata: metadata ?? {}, execution_count };
  }
  if (isType(msg, "error")) {
    const { ename, evalue, traceback } = msg.content;
    return { output_type: "error", ename, evalue, traceback };
  }
  return null;
}

/**
 * Apply carriage returns and backspaces as a terminal would (nbconvert's
 * coalesce_streams rule), so a progress line rewritten with \r is stored once.
 */
export function collapseTerminalControls(text: string): string {
  let out = text.replace(/^[^\n]*\r(?=[^\n])/gm, "");
  for (let prev = ""; prev !== out; ) {
    prev = out;
    out = out.replace(/[^\n\x08]\x08/g, "");
  }
  return out;
}
