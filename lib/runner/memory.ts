/**
 * The peak resident memory of a kernel process, for the run's record and the
 * book's summary (issue 16 asks for the peak RSS of every notebook's kernel).
 *
 * Linux keeps the high-water mark of a process's resident set in
 * /proc/<pid>/status (VmHWM). Worker threads share their process's memory, so
 * the worker pool's runs are counted with the kernel that started them. Read it
 * just before the kernel is shut down; elsewhere (macOS, Windows) it is null.
 */
import { spawnSync } from "node:child_process";
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

/** Clock ticks per second of /proc's CPU times (sysconf(_SC_CLK_TCK)); 100 on every Linux build we know. */
let clockTicks: number | null = null;
function ticksPerSecond(): number {
  if (clockTicks === null) {
    const r = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" });
    const n = Number(r.stdout?.trim());
    clockTicks = Number.isInteger(n) && n > 0 ? n : 100;
  }
  return clockTicks;
}

/**
 * CPU seconds (user + system, every thread) a live process has used, from /proc/<pid>/stat; null where it
 * cannot be read. Beside the wall time it says how much of both cores a notebook kept busy.
 */
export function cpuSeconds(pid: number): number | null {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // Fields after the command name (which may hold spaces, so split after its closing parenthesis):
  // state is field 3, utime and stime are fields 14 and 15.
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(f[11]),
    stime = Number(f[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) / ticksPerSecond() : null;
}

/** "1.34 GB" (decimal units, as `free -h` and the README quote them). */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(0)} MB`;
  return `${(bytes / 1e3).toFixed(0)} kB`;
}
