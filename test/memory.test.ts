/**
 * The kernel's peak memory (lib/runner/memory.ts): VmHWM read from /proc,
 * checked against getrusage's ru_maxrss (a second way the kernel reports the
 * same high-water mark) and against a process that holds a known allocation.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { cpuSeconds, formatBytes, peakRssBytes } from "../lib/runner/memory";

const onLinux = process.platform === "linux";

test("VmHWM of this process agrees with getrusage's maximum resident set", { skip: !onLinux }, () => {
  const hold = Buffer.alloc(64e6, 1); // raise the high-water mark so both read a settled value
  const viaProc = peakRssBytes(process.pid);
  const viaRusage = process.resourceUsage().maxRSS * 1024; // kB on Linux
  assert.ok(viaProc !== null);
  assert.ok(hold[0] === 1);
  assert.ok(Math.abs(viaProc - viaRusage) / viaRusage < 0.05, `VmHWM ${viaProc} vs ru_maxrss ${viaRusage}`);
});

test(
  "a process that touched 256 MB has a peak of at least 256 MB; a gone process has none",
  { skip: !onLinux },
  async () => {
    const child = spawn(process.execPath, [
      "-e",
      "const b = Buffer.alloc(256e6, 1); process.stdout.write('ready'); setInterval(() => b[0], 1000);",
    ]);
    try {
      await once(child.stdout, "data");
      const peak = peakRssBytes(child.pid!);
      assert.ok(peak !== null && peak >= 256e6, `peak ${peak}`);
      assert.ok(peak < 1e9, `peak ${peak}: a node process holding 256 MB should stay far below 1 GB`);
    } finally {
      child.kill("SIGKILL");
      await once(child, "exit");
    }
    assert.equal(peakRssBytes(child.pid!), null, "after exit there is no /proc entry to read");
  },
);

test("formatBytes uses decimal units", () => {
  assert.equal(formatBytes(2_090_000_000), "2.09 GB");
  assert.equal(formatBytes(512_400_000), "512 MB");
  assert.equal(formatBytes(999_000), "999 kB");
});

test("CPU seconds from /proc agree with process.cpuUsage() for this process", { skip: !onLinux }, () => {
  const until = Date.now() + 300;
  let x = 0;
  while (Date.now() < until) x += Math.sqrt(x + 1); // burn ~0.3 s of CPU
  const u = process.cpuUsage();
  const viaNode = (u.user + u.system) / 1e6;
  const viaProc = cpuSeconds(process.pid);
  assert.ok(viaProc !== null && x > 0);
  // /proc counts in clock ticks (10 ms): allow a few ticks either way.
  assert.ok(Math.abs(viaProc - viaNode) < 0.05 + 0.02 * viaNode, `/proc ${viaProc} s vs cpuUsage ${viaNode} s`);
  assert.ok(viaProc >= 0.25, "at least the 0.3 s burnt above (minus a tick or so)");
  assert.equal(cpuSeconds(2 ** 22 + 12345), null, "no such process");
});
