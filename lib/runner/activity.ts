/**
 * What a running cell says about itself, read from its iopub messages for
 * the terminal's live line: the status a progress display carries
 * (STATUS_ATTRIBUTE_NAME, e.g. "Training: epoch 3/10 (ETA 40 s) · loss 0.31"),
 * or else the last line the cell printed. Figures and tables say nothing.
 */
import { STATUS_ATTRIBUTE_NAME } from "../display/markers";
import { DisplayContent, KernelMessage, isType } from "./protocol";

const STATUS = new RegExp(`${STATUS_ATTRIBUTE_NAME}="([^"]*)"`);
const MAX = 200;

export function activityOf(msg: KernelMessage): string | null {
  if (isType(msg, "stream")) return lastLine(msg.content.text);
  if (isType(msg, "display_data") || isType(msg, "update_display_data") || isType(msg, "execute_result")) {
    const html = (msg.content as DisplayContent).data?.["text/html"];
    const text = Array.isArray(html) ? html.join("") : html;
    if (typeof text !== "string") return null;
    const m = STATUS.exec(text);
    return m ? clean(unescapeHtml(m[1])) : null;
  }
  return null;
}

/** The last non-blank line, as a terminal would show it after \r rewrites. */
export function lastLine(text: string): string | null {
  const lines = text
    .split("\n")
    .map((l) => l.slice(l.lastIndexOf("\r") + 1))
    .filter((l) => l.trim() !== "");
  return lines.length > 0 ? clean(lines[lines.length - 1]) : null;
}

function clean(text: string): string {
  // No terminal control sequences from a cell may reach our own line.
  const plain = text
    .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "")
    .replace(/[\x00-\x1f\x7f]/g, " ")
    .trim();
  return plain.length > MAX ? plain.slice(0, MAX - 1) + "…" : plain;
}

function unescapeHtml(s: string): string {
  return s.replace(
    /&(amp|lt|gt|quot|#39);/g,
    (_, e: string) => ({ amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'" })[e] as string,
  );
}
