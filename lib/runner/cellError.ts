/**
 * tslab reports a failing cell only as stderr text plus an execute_reply with
 * status "error" (no ename/evalue, no iopub error message). This recovers an
 * nbformat error output from that text.
 */
import { ErrorOutput } from "./notebook";
import { ExecuteReplyContent } from "./protocol";

/** tslab prints TypeScript diagnostics as "line:col - message". */
const DIAGNOSTIC = /^(\d+):(\d+) - (.*)$/;
/** First line of a printed JS error: "TypeError: msg" or "Error [ERR_X]: msg". */
const ERROR_HEAD = /^([A-Za-z_$][\w$]*)(?: \[[^\]]+\])?: ?(.*)$/;
const STACK_FRAME = /^\s+at /;

export function cellErrorOutput(reply: ExecuteReplyContent, stderrWrites: readonly string[]): ErrorOutput {
  if (reply.ename) {
    return { output_type: "error", ename: reply.ename, evalue: reply.evalue ?? "", traceback: reply.traceback ?? [] };
  }
  const { ename, evalue } = fromDiagnostics(stderrWrites) ?? fromPrintedError(stderrWrites);
  return { output_type: "error", ename, evalue, traceback: [`${ename}: ${evalue}`] };
}

interface NamedError {
  ename: string;
  evalue: string;
}

function fromDiagnostics(writes: readonly string[]): NamedError | null {
  const lines = writes.flatMap((w) => w.split("\n")).filter((l) => DIAGNOSTIC.test(l));
  if (lines.length === 0) return null;
  const evalue = lines.map((l) => l.replace(DIAGNOSTIC, "line $1, column $2: $3")).join("\n");
  return { ename: "TypeScriptError", evalue };
}

/**
 * console.error(err) is one write: optional source excerpt, a blank line,
 * "Name: message" (possibly several lines), then "    at ..." frames.
 */
function fromPrintedError(writes: readonly string[]): NamedError {
  const last = writes[writes.length - 1]?.replace(/\n+$/, "") ?? "";
  if (last === "") return { ename: "Error", evalue: "the cell failed without printing an error message" };
  const lines = last.split("\n");
  const firstFrame = lines.findIndex((l) => STACK_FRAME.test(l));
  const end = firstFrame < 0 ? lines.length : firstFrame;
  const start = lines.lastIndexOf("", end) + 1;
  const message = lines.slice(start, end);
  const head = ERROR_HEAD.exec(message[0] ?? "");
  if (!head || firstFrame < 0) return { ename: "Error", evalue: message.join("\n") || last };
  return { ename: head[1], evalue: [head[2], ...message.slice(1)].join("\n") };
}
