/**
 * The peak resident memory of a kernel process, for the run's record and the
 * book's summary (issue 16 asks for the peak RSS of every notebook's kernel).
 *
 * Linux keeps the high-water mark of a process's resident set in
 * /proc/<pid>/status (VmHWM). Worker threads share their process's memory, so
 * the worker pool's runs are counted with the kernel that started them. Read it
 * just before the kernel is shut down; elsewhere (macOS, Windows) it is null.
 */
import * as fs from "node:fs";

/** VmHWM of a live process in bytes, or null where /proc is not available or the process is gone. */
export function peakRssBytes(pid: number): number | null {
  let status: string;
  try {
    status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return null;
  }
  const m = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
  return m ? Number(m[1]) * 1024 : null;
}

/** "1.34 GB" (decimal units, as `free -h` and the README quote them). */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(0)} MB`;
  return `${(bytes / 1e3).toFixed(0)} kB`;
}
