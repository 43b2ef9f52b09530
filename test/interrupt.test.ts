/**
 * Interrupting a cell stops the work, not only the cell (issue: "Interrupt
 * must stop the training"). A real tslab kernel, interrupted the way Jupyter
 * does it (interrupt_mode "signal": SIGINT to the kernel process), while a
 * cell trains in the kernel's thread and while a cell runs jobs on the
 * worker pool: the cell ends within a second with one line naming the step,
 * the training stops (its step counter no longer moves), the workers are
 * gone, nothing is cached, and the kernel runs the next cell.
 */
import { test, before, after } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Kernel } from "../lib/runner/kernel";
import { ensureLibBuilt } from "../lib/runner/build-lib";
import type { KernelMessage } from "../lib/runner/protocol";

const NOTEBOOKS = path.resolve(__dirname, "..", "notebooks");
let kernel: Kernel;
let cacheDir: string;
const previousCache = process.env.SIGMOID_LAB_CACHE;

before(async () => {
  ensureLibBuilt({ quiet: true });
  cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "sigmoid-lab-interrupt-"));
  process.env.SIGMOID_LAB_CACHE = cacheDir; // the kernel inherits it
  kernel = await Kernel.start({ cwd: NOTEBOOKS, startTimeoutMs: 60_000 });
});

after(async () => {
  await kernel?.shutdown();
  if (previousCache === undefined) delete process.env.SIGMOID_LAB_CACHE;
  else process.env.SIGMOID_LAB_CACHE = previousCache;
});

/** Run a cell; collect its stream text; resolve with the reply status and the text. */
async function run(
  code: string,
  onText: (t: string) => void = () => undefined,
): Promise<{ status: string; text: string; stderr: string }> {
  let text = "",
    stderr = "";
  const { reply } = await kernel.execute(
    code,
    (m: KernelMessage) => {
      if (m.header.msg_type !== "stream") return;
      const c = m.content as { name: string; text: string };
      if (c.name === "stderr") stderr += c.text;
      else {
        text += c.text;
        onText(text);
      }
    },
    180_000,
  );
  return { status: (reply as { status: string }).status, text, stderr };
}

/**
 * Start a cell that prints "training" once its work runs, send SIGINT (as Jupyter does) a second
 * later, and time how long the cell takes to end after it.
 */
async function interruptWhileTraining(
  code: string,
): Promise<{ secondsToStop: number; stderr: string; status: string }> {
  let sentAt = 0,
    timer: NodeJS.Timeout | undefined;
  const r = await run(code, (t) => {
    if (timer || !t.includes("training")) return;
    timer = setTimeout(() => {
      sentAt = Date.now();
      process.kill(kernel.pid, "SIGINT");
    }, 1000);
  });
  clearTimeout(timer);
  assert.ok(sentAt > 0, `the cell ended before the interrupt was sent: ${r.text} ${r.stderr}`);
  const secondsToStop = (Date.now() - sentAt) / 1000;
  // Jupyter aborts requests already queued behind an interrupted cell; a reader runs the next one later.
  await new Promise((res) => setTimeout(res, 500));
  return { secondsToStop, stderr: r.stderr, status: r.status };
}

const entries = () => fs.readdirSync(cacheDir).filter((f) => f.startsWith("interrupt-"));

test("an interrupted training cell stops its training at a step, says where in one line, caches nothing; the next cell runs", async () => {
  await run(`import * as lab from "./lib"; await lab.prepareBackend({ quiet: true }); (globalThis as any).steps = 0;`);
  const cfg = `lab.questionExperiment({ width: 32, depth: 3, epochs: 200, trainLimit: 2000, heldOut: 500, probesPerEpoch: 1, probePoints: 50 }, "interrupt-main")`;
  const r = await interruptWhileTraining(
    `await lab.runExperiment(${cfg}, { onStep: (s) => { if ((globalThis as any).steps === 0) console.log("training"); (globalThis as any).steps = s.step; } });`,
  );
  assert.ok(r.secondsToStop < 1, `the cell took ${r.secondsToStop} s to end after the interrupt`);
  assert.match(r.stderr, /Interrupted at step \d+ of interrupt-main/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, `a stack trace was printed: ${r.stderr}`);
  // The training itself stopped: the step counter does not move any more.
  const still = await run(
    `const a = (globalThis as any).steps; await new Promise((r) => setTimeout(r, 1500)); console.log(a, (globalThis as any).steps);`,
  );
  const [a, b] = still.text.trim().split(/\s+/).map(Number);
  assert.ok(a > 0, `training had started (step ${a})`);
  assert.equal(b, a, "steps went on after the interrupt");
  assert.deepEqual(entries(), [], "nothing was cached");
});

test("an interrupted cell running jobs on the worker pool terminates the workers; nothing is cached", async () => {
  const cfgs = [1, 2].map(
    (s) =>
      `lab.questionExperiment({ width: 32, depth: 3, epochs: 200, trainLimit: 2000, heldOut: 500, probesPerEpoch: 1, probePoints: 50, seed: ${s} }, "interrupt-job-${s}")`,
  );
  await run(
    `(globalThis as any).before = process.getActiveResourcesInfo().filter((x) => x === "Worker" || x === "MessagePort").length;`,
  );
  const r = await interruptWhileTraining(
    `await lab.runJobs([${cfgs.map((c) => `lab.experimentJob(${c})`).join(", ")}], { workers: 2, sink: null, onEvent: (e) => { if (e.type === "progress" && !(globalThis as any).said) { (globalThis as any).said = true; console.log("training"); } } });`,
  );
  assert.ok(r.secondsToStop < 1, `the cell took ${r.secondsToStop} s to end after the interrupt`);
  assert.doesNotMatch(r.stderr, /\n\s+at /, `a stack trace was printed: ${r.stderr}`);
  const alive = await run(
    `await new Promise((r) => setTimeout(r, 1000)); console.log((globalThis as any).before, process.getActiveResourcesInfo().filter((x) => x === "Worker" || x === "MessagePort").length);`,
  );
  const [before, now] = alive.text.trim().split(/\s+/).map(Number);
  assert.equal(now, before, `worker threads still alive after the interrupt (${JSON.stringify(alive)})`);
  assert.deepEqual(entries(), [], "nothing was cached");
  const next = await run(`console.log(1 + 1);`);
  assert.equal(next.status, "ok");
  assert.equal(next.text.trim(), "2");
});
