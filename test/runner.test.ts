/**
 * The notebook runner against a real tslab kernel (no mocks), plus the pure
 * pieces it is built from. Fixtures live in test/fixtures, which is also the
 * kernel's working directory when they run.
 */
import Ajv from "ajv-draft-04";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import { cellErrorOutput } from "../lib/runner/cellError";
import { UsageError, parseCli } from "../lib/runner/cli";
import { NotebookError, ParameterError } from "../lib/runner/errors";
import { RunOptions, runNotebook } from "../lib/runner/execute";
import {
  LAUNCHER,
  installKernelspec,
  kernelsDir,
  kernelspecProblems,
  launcherSource,
  refreshIfStale,
  removeKernelspec,
  userJupyterDataDir,
} from "../lib/runner/kernelspec";
import { CodeCell, Notebook, Output, codeCells, readNotebook } from "../lib/runner/notebook";
import { OutputRecorder, collapseTerminalControls } from "../lib/runner/outputs";
import { declaredParameters, parseParamAssignment } from "../lib/runner/params";
import { ProgressEvent, clock, printProgress } from "../lib/runner/progress";
import { activityOf } from "../lib/runner/activity";
import { PassThrough } from "node:stream";
import { loadProfiles } from "../lib/runner/profiles";
import { InvalidSignatureError, KernelMessage, Session } from "../lib/runner/protocol";

const REPO = path.resolve(__dirname, "..");
const FIXTURES = path.join(__dirname, "fixtures");
const OUT = fs.mkdtempSync(path.join(os.tmpdir(), "sigmoid-lab-runner-test-"));
after(() => {
  fs.rmSync(OUT, { recursive: true, force: true });
  assert.deepEqual(tslabChildren(), [], "no kernel started by these tests may outlive them");
});

const fixture = (name: string) => path.join(FIXTURES, `${name}.ipynb`);

// ---------------------------------------------------------------------------
// helpers

interface Observed {
  events: ProgressEvent[];
  kernelPids: number[];
}

function observe(): Observed & { onProgress: (e: ProgressEvent) => void } {
  const observed: Observed = { events: [], kernelPids: [] };
  return {
    ...observed,
    onProgress: (e) => {
      observed.events.push(e);
      if (e.kind === "kernel-started") observed.kernelPids.push(e.pid);
    },
  };
}

async function run(name: string, extra: Partial<RunOptions> = {}) {
  const seen = observe();
  const output = path.join(OUT, `${name}-${Date.now()}.ipynb`);
  const opts: RunOptions = { input: fixture(name), output, onProgress: seen.onProgress, ...extra };
  try {
    const result = await runNotebook(opts);
    return { result, error: null, output, seen };
  } catch (error) {
    return { result: null, error, output, seen };
  }
}

/** State letter and parent pid from /proc/<pid>/stat, or null if there is no such process. */
function procStat(pid: number): { state: string; ppid: number } | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { state, ppid: Number(ppid) };
  } catch {
    return null;
  }
}

/** A zombie has exited; it only awaits reaping by its new parent. */
const isRunning = (pid: number) => {
  const stat = procStat(pid);
  return stat !== null && stat.state !== "Z";
};

async function assertKernelsGone(pids: number[]): Promise<void> {
  assert.ok(pids.length > 0, "expected a kernel-started progress event with a pid");
  // SIGKILL is delivered at once, but tearing a process down takes a moment.
  for (let waited = 0; pids.some(isRunning) && waited < 2000; waited += 50) await sleep(50);
  for (const pid of pids) assert.equal(isRunning(pid), false, `kernel process ${pid} is still running`);
}

/** tslab processes whose parent is this test process. */
function tslabChildren(): number[] {
  return fs
    .readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => {
      const stat = procStat(pid);
      if (!stat || stat.ppid !== process.pid || stat.state === "Z") return false;
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("tslab");
      } catch {
        return false;
      }
    });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The official nbformat 4 schema, vendored (licence: test/fixtures/nbformat.v4.schema.LICENSE). */
const NBFORMAT_SCHEMA = path.join(FIXTURES, "nbformat.v4.schema.json");

let validator: ReturnType<Ajv["compile"]> | null = null;
function assertValidNotebook(file: string): void {
  if (!validator) {
    // strict: false because the official schema has a misspelt keyword ("item" in authors).
    const ajv = new Ajv({ strict: false, allErrors: true });
    validator = ajv.compile(JSON.parse(fs.readFileSync(NBFORMAT_SCHEMA, "utf8")));
  }
  const ok = validator(JSON.parse(fs.readFileSync(file, "utf8")));
  assert.ok(ok, `${file} is not valid nbformat 4: ${JSON.stringify(validator.errors?.slice(0, 5), null, 1)}`);
}

/** Run a tsx script asynchronously, so concurrent tests' kernels keep being served. */
function runCli(args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", ...args], {
      cwd: REPO,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stderr }));
  });
}

/** Run the kernel launcher until `done(stderr)` holds (then kill it) or it exits; 20 s at most. */
function launch(
  launcher: string,
  config: string,
  cwd: string,
  done: (stderr: string) => boolean,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [launcher, config], { cwd, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString("utf8");
      if (done(stderr)) child.kill("SIGKILL");
    });
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

/** The notebook as written: on disk, text fields are arrays of lines (nbformat style). */
const written = (file: string): Notebook => JSON.parse(fs.readFileSync(file, "utf8"));
const text = (t: string | string[]) => (Array.isArray(t) ? t.join("") : t);
const streams = (cell: CodeCell, name: string) =>
  cell.outputs
    .filter((o) => o.output_type === "stream" && o.name === name)
    .map((o) => text((o as { text: string | string[] }).text))
    .join("");

// ---------------------------------------------------------------------------
// against the real kernel

// A kernel start is single-threaded CPU work (tslab loads TypeScript): two at a time use both cores.
describe("runNotebook with a real tslab kernel", { concurrency: 2 }, () => {
  test("captures streams, displays, an updated display and the final value in order", async () => {
    const { result, error, output, seen } = await run("outputs");
    assert.equal(error, null);
    assert.ok(result);
    const cells = codeCells(written(output));
    const [logs, displays, empty, last] = cells;

    assert.deepEqual(logs.outputs, [
      { output_type: "stream", name: "stdout", text: ["first line\n", "second line\n"] },
    ]);
    // display.html, then the newDisplay() entry, which the NEXT cell updated in place.
    assert.deepEqual(
      displays.outputs.map((o) => (o as { data: Record<string, unknown> }).data),
      [{ "text/html": ["<b>bold</b>"] }, { "text/plain": ["step 2 of 2"] }],
    );
    assert.deepEqual(empty.outputs, []);
    assert.equal(empty.execution_count, null);
    // tslab prints a cell's final expression with console.log: it arrives as stdout, not execute_result.
    assert.deepEqual(
      last.outputs.map((o) => [o.output_type, text((o as { text: string }).text)]),
      [
        ["stream", "to stderr\n"],
        ["stream", "42\n"],
      ],
    );
    assert.deepEqual(
      cells.map((c) => c.execution_count),
      [1, 2, null, 3],
    );

    const nb = written(output);
    assert.equal(nb.metadata.kernelspec?.name, "sigmoid-lab");
    assert.equal(nb.metadata.language_info?.name, "typescript");
    assert.ok(
      typeof logs.metadata.execution === "object" && "iopub.status.idle" in (logs.metadata.execution as object),
    );
    assert.equal(result.cells.length, 3, "the empty cell is skipped");
    if (process.platform === "linux") {
      // The kernel's peak memory, read before shutdown: a tslab kernel is tens of MB at least.
      assert.ok(result.peakRssBytes !== null && result.peakRssBytes > 30e6 && result.peakRssBytes < 4e9);
      const stamp = (nb_: { metadata: Record<string, unknown> }) =>
        (nb_.metadata.sigmoid_lab as { run: { peak_rss_mb: number } }).run.peak_rss_mb;
      assert.equal(stamp(written(output)), Math.round(result.peakRssBytes / 1e6));
      // CPU seconds: starting tslab alone (it type-checks) costs a good fraction of a second; less than the wall time × 2 cores × 2.
      assert.ok(
        result.cpuSeconds !== null && result.cpuSeconds > 0.2 && result.cpuSeconds < (result.elapsedMs / 1000) * 4,
      );
      const finished = seen.events.find((e) => e.kind === "notebook-finished");
      assert.ok(finished && finished.kind === "notebook-finished" && finished.peakRssBytes === result.peakRssBytes);
    }
    assert.ok(seen.events.some((e) => e.kind === "cell-finished" && e.cell === 4 && e.of === 4));
    assertValidNotebook(output);
    await assertKernelsGone(seen.kernelPids);
  });

  test("a profile and an explicit override change the computed result; explicit wins", async () => {
    const profiles = { quick: { "*": { n: 4, epochs: 2 }, params: { label: "quick" } } };
    const { result, error, output, seen } = await run("params", { profile: "quick", profiles, params: { n: 5 } });
    assert.equal(error, null);
    const nb = written(output);
    const cells = codeCells(nb);
    assert.equal(cells[1].id, "injected-parameters");
    assert.deepEqual(cells[1].metadata.tags, ["injected-parameters"]);
    assert.equal(streams(cells[2], "stdout"), "quick: 25\n", "default n=3, label=base would print base: 9");
    assert.deepEqual(result?.parameters.values, { n: 5, label: "quick" });
    assert.deepEqual(result?.parameters.skipped, ["epochs"], "a * value the notebook does not declare is skipped");
    assert.deepEqual((nb.metadata.sigmoid_lab as { parameters: unknown }).parameters, { n: 5, label: "quick" });
    assertValidNotebook(output);
    await assertKernelsGone(seen.kernelPids);
  });

  test("a failing cell throws NotebookError naming the cell; the partial notebook is written", async () => {
    const { error, output, seen } = await run("failing");
    assert.ok(error instanceof NotebookError, `expected NotebookError, got ${error}`);
    assert.equal(error.details.failure, "cell-error");
    assert.deepEqual(error.details.cell, { index: 2, of: 3, firstLine: 'const reason = "deliberate";' });
    assert.match(
      error.message,
      /failing\.ipynb: cell 2 of 3 \("const reason = \\"deliberate\\";"\) failed: RangeError: deliberate failure/,
    );
    assert.equal(error.details.output, output);

    const [before, failed, never] = codeCells(written(output));
    assert.equal(streams(before, "stdout"), "before the failure\n");
    assert.deepEqual(failed.outputs.at(-1), {
      output_type: "error",
      ename: "RangeError",
      evalue: "deliberate failure",
      traceback: ["RangeError: deliberate failure"],
    });
    assert.deepEqual([never.outputs, never.execution_count], [[], null]);
    assertValidNotebook(output);
    await assertKernelsGone(seen.kernelPids);
  });

  test("the CLI exits non-zero with the NotebookError message and no stack trace", async () => {
    const outDir = path.join(OUT, "cli");
    const cli = await runCli(["lib/runner/cli.ts", fixture("failing"), "--out", outDir]);
    assert.equal(cli.status, 1, cli.stderr);
    assert.match(cli.stderr, /cell 2 of 3 .* failed: RangeError: deliberate failure/);
    assert.match(cli.stderr, /Partial notebook written to/);
    assert.doesNotMatch(cli.stderr, /^\s+at /m, "no stack trace");
    const partial = path.join(outDir, "failing.ipynb");
    assert.equal(streams(codeCells(written(partial))[0], "stdout"), "before the failure\n");
    assertValidNotebook(partial);
    const pids = [...cli.stderr.matchAll(/kernel started in .* \(pid (\d+)\)/g)].map((m) => Number(m[1]));
    await assertKernelsGone(pids);
  });

  test("a cell exceeding its timeout is interrupted and the run fails", async () => {
    const t0 = Date.now();
    const { error, output, seen } = await run("slow", { cellTimeoutMs: 1500 });
    assert.ok(error instanceof NotebookError, `expected NotebookError, got ${error}`);
    assert.equal(error.details.failure, "timeout");
    assert.equal(error.details.cell?.index, 1);
    assert.match(error.message, /cell 1 of 2 .* timed out: .*1\.5 s/);
    assert.ok(Date.now() - t0 < 30_000, "the 120 s loop was stopped");
    const [spinning] = codeCells(written(output));
    assert.equal(streams(spinning, "stdout"), "spinning\n");
    assert.equal((spinning.outputs.at(-1) as { ename?: string }).ename, "CellTimeoutError");
    // While it spun, the terminal's live line could show what the cell printed.
    const kinds = seen.events.map((e) => (e.kind === "cell-activity" ? `activity:${e.text}` : e.kind));
    assert.ok(kinds.indexOf("activity:spinning") > kinds.indexOf("cell-started"), kinds.join(", "));
    assert.ok(kinds.indexOf("activity:spinning") < kinds.indexOf("cell-finished"), kinds.join(", "));
    assertValidNotebook(output);
    await assertKernelsGone(seen.kernelPids);
  });

  test("SIGTERM to the CLI mid-run kills its kernel too", async () => {
    const cli = spawn(
      process.execPath,
      ["--import", "tsx", "lib/runner/cli.ts", fixture("slow"), "--out", path.join(OUT, "sig")],
      {
        cwd: REPO,
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    const closed = new Promise<NodeJS.Signals | null>((resolve) => cli.on("close", (_code, signal) => resolve(signal)));
    let stderr = "";
    const kernelPid = await new Promise<number>((resolve, reject) => {
      cli.stderr.on("data", (d: Buffer) => {
        stderr += d.toString("utf8");
        const m = /kernel started in .* \(pid (\d+)\)/.exec(stderr);
        if (m) resolve(Number(m[1]));
      });
      void closed.then(() => reject(new Error(`the CLI exited before its kernel started:\n${stderr}`)));
    });
    cli.kill("SIGTERM");
    assert.equal(await closed, "SIGTERM", "the runner still dies of the signal after cleaning up");
    await assertKernelsGone([kernelPid]);
  });

  test("a kernel that dies mid-cell gives a clear NotebookError", async () => {
    const { error, output, seen } = await run("dies");
    assert.ok(error instanceof NotebookError, `expected NotebookError, got ${error}`);
    assert.equal(error.details.failure, "died");
    assert.match(error.message, /cell 1 of 1 .* the kernel died: .*exit code 3/);
    assert.equal(streams(codeCells(written(output))[0], "stdout"), "exiting\n");
    await assertKernelsGone(seen.kernelPids);
  });
});

describe("kernel start", () => {
  test("a start timeout fails clearly and leaves no kernel process", async () => {
    const { error } = await run("outputs", { startTimeoutMs: 50 });
    assert.ok(error instanceof NotebookError, `expected NotebookError, got ${error}`);
    assert.equal(error.details.failure, "start-failed");
    assert.equal(error.details.cell, null);
    assert.match(error.message, /outputs\.ipynb: could not start the kernel: the kernel did not answer within 0\.05 s/);
    assert.deepEqual(tslabChildren(), []);
  });
});

// ---------------------------------------------------------------------------
// parameters: refused before any kernel starts

describe("parameters", () => {
  const refused = async (extra: Partial<RunOptions>, pattern: RegExp, name = "params") => {
    const { error, seen } = await run(name, extra);
    assert.ok(error instanceof ParameterError, `expected ParameterError, got ${error}`);
    assert.match(error.message, pattern);
    assert.deepEqual(seen.kernelPids, [], "no kernel is started for bad parameters");
  };

  test("an undeclared name is refused, listing the declared ones", () =>
    refused(
      { params: { m: 1 } },
      /sets parameter "m", which its parameters cell does not declare\. Declared: n, label, fixed/,
    ));
  test("a const parameter is refused", () =>
    refused({ params: { fixed: 2 } }, /declared with const; declare it with let/));
  test("a value of another kind than the default is refused", () =>
    refused({ params: { n: "five" } }, /defaults to 3 \(a number\) but was given "five" \(a string\)/));
  test("a notebook without a parameters cell refuses overrides", () =>
    refused({ params: { n: 1 } }, /has no cell tagged "parameters"/, "outputs"));
  test("an unknown profile names the known ones", () =>
    refused({ profile: "huge", profiles: { quick: {} } }, /Unknown profile "huge".*quick/));

  test("declarations and --param values are parsed as documented", () => {
    assert.deepEqual(declaredParameters('let a = 1;\nlet b: string = "x"; // note\nconst c = [1, 2];\nfoo(a);'), [
      { keyword: "let", name: "a", initializer: "1" },
      { keyword: "let", name: "b", initializer: '"x"' },
      { keyword: "const", name: "c", initializer: "[1, 2]" },
    ]);
    assert.deepEqual(parseParamAssignment("epochs=5"), ["epochs", 5]);
    assert.deepEqual(parseParamAssignment("dataset=moons"), ["dataset", "moons"]);
    assert.deepEqual(parseParamAssignment('widths=[8,"4"]'), ["widths", [8, "4"]]);
    assert.deepEqual(parseParamAssignment("flag=true"), ["flag", true]);
    assert.throws(() => parseParamAssignment("novalue"), ParameterError);
    assert.throws(() => parseParamAssignment("x=null"), /not allowed/);
  });

  test("notebooks/profiles.json is a valid profile table with a quick profile", () => {
    assert.ok("quick" in loadProfiles());
  });
});

// ---------------------------------------------------------------------------
// pure pieces

describe("wire protocol", () => {
  test("messages round-trip with a valid signature and tampering is detected", () => {
    const session = new Session("secret");
    const msg = session.message("execute_request", { code: "1 + 1" });
    const frames = session.encode(msg);
    assert.deepEqual(session.decode(frames, "shell").content, { code: "1 + 1" });
    const tampered = [...frames];
    tampered[5] = Buffer.from(JSON.stringify({ code: "2 + 2" }));
    assert.throws(() => session.decode(tampered, "shell"), InvalidSignatureError);
    assert.throws(() => new Session("other key").decode(frames, "iopub"), InvalidSignatureError);
  });
});

describe("output recording", () => {
  const session = new Session("k");
  const msg = (type: string, content: object) => session.message(type, content) as KernelMessage;
  const cell = (): CodeCell => ({
    id: "x",
    cell_type: "code",
    metadata: {},
    source: "",
    outputs: [],
    execution_count: null,
  });

  test("streams merge, clear_output(wait) waits for the next output, displays update across cells", () => {
    const recorder = new OutputRecorder();
    const first = cell();
    recorder.startCell(first);
    recorder.record(
      msg("display_data", { data: { "text/plain": "v1" }, metadata: {}, transient: { display_id: "d" } }),
    );
    recorder.record(msg("stream", { name: "stdout", text: "a" }));
    recorder.record(msg("stream", { name: "stdout", text: "b\n" }));
    recorder.record(msg("clear_output", { wait: true }));
    assert.equal(first.outputs.length, 2, "wait=true: nothing cleared yet");
    recorder.record(msg("stream", { name: "stdout", text: "after clear\n" }));
    assert.deepEqual(first.outputs, [{ output_type: "stream", name: "stdout", text: "after clear\n" }]);

    const second = cell();
    recorder.startCell(second);
    recorder.record(
      msg("display_data", { data: { "text/plain": "v1" }, metadata: {}, transient: { display_id: "e" } }),
    );
    const third = cell();
    recorder.startCell(third);
    recorder.record(
      msg("update_display_data", { data: { "text/plain": "v2" }, metadata: {}, transient: { display_id: "e" } }),
    );
    assert.deepEqual(second.outputs, [{ output_type: "display_data", data: { "text/plain": "v2" }, metadata: {} }]);
    assert.deepEqual(third.outputs, [], "an update adds no output where it is sent");
    recorder.record(msg("clear_output", { wait: false }));
    recorder.record(
      msg("update_display_data", { data: { "text/plain": "v3" }, metadata: {}, transient: { display_id: "d" } }),
    );
    assert.deepEqual(first.outputs.length, 1, "a cleared display is not resurrected by an update");
  });

  test("carriage returns and backspaces are applied like a terminal", () => {
    assert.equal(collapseTerminalControls("10%\r50%\r100%\ndone\n"), "100%\ndone\n");
    assert.equal(collapseTerminalControls("line\r\nnext"), "line\r\nnext");
    assert.equal(collapseTerminalControls("ab\bc"), "ac");
  });
});

describe("live progress in the terminal", () => {
  const msg = (msg_type: string, content: unknown): KernelMessage =>
    ({
      header: { msg_type, msg_id: "m", session: "s", username: "u", date: "", version: "5.3" },
      parent_header: {},
      metadata: {},
      content,
    }) as KernelMessage;

  test("a cell's activity: a progress display's status line, else its last printed line; figures say nothing", () => {
    const html =
      '<div class="sigmoid-lab-progress" data-sigmoid-lab-status="Train &lt;MLP&gt;: epoch 3/10 · loss 0.31 · ETA 40 s"><svg></svg></div>';
    assert.equal(
      activityOf(msg("update_display_data", { data: { "text/html": html }, transient: { display_id: "d" } })),
      "Train <MLP>: epoch 3/10 · loss 0.31 · ETA 40 s",
    );
    assert.equal(
      activityOf(msg("display_data", { data: { "text/html": '<div data-sigmoid-lab="figure"></div>' } })),
      null,
    );
    assert.equal(
      activityOf(msg("stream", { name: "stdout", text: "epoch 1\nepoch 2 10%\repoch 2 50%\n\n" })),
      "epoch 2 50%",
    );
    assert.equal(activityOf(msg("stream", { name: "stdout", text: "\x1b[31mred\x1b[0m\tdone\n" })), "red done");
    assert.equal(activityOf(msg("status", { execution_state: "busy" })), null);
  });

  function capture(tty: boolean) {
    const writes: string[] = [];
    const stream = Object.assign(new PassThrough(), { isTTY: tty, columns: 60 });
    stream.on("data", (d: Buffer) => writes.push(d.toString("utf8")));
    return { stream, writes };
  }
  const started = {
    kind: "cell-started",
    notebook: "01-train",
    cell: 2,
    of: 5,
    firstLine: "const run = lab.train(…)",
  } as const;
  const activity = {
    kind: "cell-activity",
    notebook: "01-train",
    cell: 2,
    of: 5,
    text: "Training: epoch 1/3 · loss 0.7",
  } as const;
  const finished = { ...started, kind: "cell-finished", elapsedMs: 1234, status: "ok" } as const;

  test("in a log: plain heartbeat lines with the cell's activity while it runs, none after it finished", async () => {
    const { stream, writes } = capture(false);
    const print = printProgress(stream, { heartbeatMs: 60 });
    print(started);
    print(activity);
    await sleep(250);
    print(finished);
    const during = writes.join("");
    await sleep(200);
    assert.equal(writes.join(""), during, "the timer stopped with the cell");
    const lines = during.split("\n").filter(Boolean);
    assert.ok(lines.length >= 3, during);
    assert.ok(
      lines.slice(0, -1).every((l) => /^01-train: cell 2\/5 · 0 s · Training: epoch 1\/3 · loss 0\.7$/.test(l)),
      during,
    );
    assert.equal(lines.at(-1), "01-train: cell 2/5 1.2 s  const run = lab.train(…)");
    assert.ok(!during.includes("\r"), "no carriage returns in a log");
  });

  test("on a TTY: one line rewritten in place, fitted to the width, cleared before the finished line", async () => {
    const { stream, writes } = capture(true);
    const print = printProgress(stream, { tickMs: 30 });
    print(started);
    assert.equal(writes.join(""), "\r\x1b[K01-train: cell 2/5 · 0 s · const run = lab.train(…)");
    print({ ...activity, text: "Training: epoch 1/3 · loss 0.7 · a long tail that does not fit in sixty columns" });
    await sleep(100);
    const redraws = writes.slice(1);
    assert.ok(redraws.length >= 3, "redrawn every tick");
    for (const w of redraws) {
      assert.ok(w.startsWith("\r\x1b[K01-train: cell 2/5 · 0 s · Training: epoch 1/3"), JSON.stringify(w));
      assert.equal(w.length - "\r\x1b[K".length, 59, "cut to the terminal's width");
    }
    print(finished);
    assert.equal(writes.slice(-2).join(""), "\r\x1b[K01-train: cell 2/5 1.2 s  const run = lab.train(…)\n");
  });

  test("clock reads at a glance", () => {
    assert.deepEqual([clock(9_400), clock(65_000), clock(3_720_000)], ["9 s", "1 min 05 s", "1 h 02 min"]);
  });
});

describe("recovering errors from tslab's stderr", () => {
  const failed = { status: "error" as const, execution_count: 1 };
  test("a printed JS error keeps its name and full message", () => {
    const printed =
      'evalmachine.<anonymous>:8\nthrow new E("x");\n^\n\nMyError: bad thing\nsecond line\n    at evalmachine.<anonymous>:8:7\n';
    const out = cellErrorOutput(failed, ["warning: something\n", printed]);
    assert.deepEqual([out.ename, out.evalue], ["MyError", "bad thing\nsecond line"]);
  });
  test("TypeScript diagnostics become a TypeScriptError with positions", () => {
    const out = cellErrorOutput(failed, ["1:5 - Type 'number' is not assignable to type 'string'.\n"]);
    assert.deepEqual(
      [out.ename, out.evalue],
      ["TypeScriptError", "line 1, column 5: Type 'number' is not assignable to type 'string'."],
    );
  });
  test("a thrown non-Error value is reported as it was printed", () => {
    assert.deepEqual(cellErrorOutput(failed, ["plain\n"]).evalue, "plain");
  });
});

describe("CLI arguments", () => {
  test("flags are parsed, bad ones refused with a usage error", () => {
    const o = parseCli([
      "a.ipynb",
      "b.ipynb",
      "--profile",
      "quick",
      "--param",
      "n=2",
      "--param",
      "s=x",
      "--cell-timeout",
      "1.5",
    ]);
    assert.deepEqual(
      [o.notebooks, o.profile, o.params, o.cellTimeoutMs, o.outDir],
      [["a.ipynb", "b.ipynb"], "quick", { n: 2, s: "x" }, 1500, path.join("out", "quick", "notebooks")],
    );
    assert.throws(() => parseCli([]), UsageError);
    assert.throws(() => parseCli(["a.ipynb", "--cell-timeout", "soon"]), /--cell-timeout needs a positive number/);
    assert.throws(() => parseCli(["a.ipynb", "--bogus"]), UsageError);
    assert.equal(parseCli(["--help"]).help, true, "--help needs no notebook");
    assert.equal(parseCli(["a.ipynb"]).help, false);
  });

  test("npm run run / kernel / lab -- --help print their usage and exit 0", () => {
    for (const [script, expected] of [
      [
        "lib/runner/cli.ts",
        /^Usage: npm run run -- <notebook\.ipynb\.\.\.> \[options\][\s\S]*--profile NAME[\s\S]*-h, --help/,
      ],
      ["lib/runner/kernelspec.ts", /^Usage: npm run kernel[\s\S]*--prefix DIR[\s\S]*--remove/],
      ["lib/runner/lab.ts", /^Usage: npm run lab\n/],
    ] as const) {
      const r = spawnSync(process.execPath, ["--import", "tsx", script, "--help"], { cwd: REPO, encoding: "utf8" });
      assert.equal(r.status, 0, `${script} --help: exit ${r.status}, stderr ${r.stderr}`);
      assert.match(r.stdout, expected, script);
    }
  });
});

describe("kernel registration", () => {
  test("writes a Python-free kernelspec that points at this node and a launcher beside it, and removes it", () => {
    const prefix = path.join(OUT, "prefix");
    const dir = installKernelspec({ kind: "prefix", prefix });
    assert.equal(dir, path.join(prefix, "share", "jupyter", "kernels", "sigmoid-lab"));
    const spec = JSON.parse(fs.readFileSync(path.join(dir, "kernel.json"), "utf8"));
    assert.equal(spec.display_name, "TypeScript (sigmoid-lab)");
    assert.deepEqual(spec.argv, [process.execPath, path.join(dir, LAUNCHER), "{connection_file}"]);
    assert.ok(fs.existsSync(spec.argv[1]), `${spec.argv[1]} exists`);
    assert.deepEqual(kernelspecProblems(dir), []);
    assert.equal(removeKernelspec({ kind: "prefix", prefix }), dir);
    assert.equal(fs.existsSync(dir), false);
    assert.equal(kernelsDir({ kind: "local" }), path.join(REPO, ".jupyter-local", "kernels"));
  });

  test("a kernelspec whose node or script is gone is reported stale and re-registered", () => {
    const prefix = path.join(OUT, "stale-prefix");
    const dir = path.join(prefix, "share", "jupyter", "kernels", "sigmoid-lab");
    fs.mkdirSync(dir, { recursive: true });
    // What an older registration wrote, after the clone moved and node was upgraded.
    const old = {
      argv: [
        "/gone/bin/node",
        "/gone/clone/node_modules/tslab/bin/tslab",
        "kernel",
        "--config-path",
        "{connection_file}",
      ],
      display_name: "x",
      language: "typescript",
    };
    fs.writeFileSync(path.join(dir, "kernel.json"), JSON.stringify(old));
    const problems = kernelspecProblems(dir);
    assert.equal(problems.length, 2, problems.join("; "));
    assert.match(problems[0], /\/gone\/bin\/node/);
    assert.deepEqual(refreshIfStale({ kind: "prefix", prefix }), problems);
    assert.deepEqual(kernelspecProblems(dir), [], "fresh after re-registering");
    assert.deepEqual(refreshIfStale({ kind: "prefix", prefix }), [], "a fresh one is left alone");
    assert.deepEqual(kernelspecProblems(path.join(prefix, "none")), [], "no kernelspec: nothing stale");
  });

  test("the launcher finds tslab from the notebook's folder even when the registering clone is gone", async () => {
    const launcher = path.join(OUT, "moved-launcher.js");
    fs.writeFileSync(launcher, launcherSource("/gone/clone"));
    const missingConfig = path.join(OUT, "no-such-connection.json");
    // tslab itself reports the connection file it was given: proof the launcher found and ran it.
    const found = await launch(launcher, missingConfig, path.join(REPO, "notebooks"), (err) =>
      err.includes(missingConfig),
    );
    assert.match(found.stderr, /ENOENT/);
    const lost = await launch(launcher, missingConfig, os.tmpdir(), () => false);
    assert.equal(lost.code, 1);
    assert.match(lost.stderr, /no node_modules\/tslab above .* nor in \/gone\/clone\. Run npm ci/);
  });

  test("the user data dir follows Jupyter's rules per platform", () => {
    assert.equal(userJupyterDataDir({}, "linux", "/home/u"), "/home/u/.local/share/jupyter");
    assert.equal(userJupyterDataDir({ XDG_DATA_HOME: "/x" }, "linux", "/home/u"), "/x/jupyter");
    assert.equal(userJupyterDataDir({}, "darwin", "/Users/u"), "/Users/u/Library/Jupyter");
    assert.equal(userJupyterDataDir({ JUPYTER_DATA_DIR: "/j" }, "linux", "/home/u"), "/j");
  });
});

describe("reading notebooks", () => {
  test("an old notebook without cell ids gets ids and is upgraded to nbformat 4.5", () => {
    const file = path.join(OUT, "old.ipynb");
    const old = {
      nbformat: 4,
      nbformat_minor: 2,
      metadata: {},
      cells: [
        {
          cell_type: "code",
          metadata: {},
          source: ["1\n", "2"],
          outputs: [{ output_type: "stream", name: "stdout", text: "stale" }],
          execution_count: 7,
        },
      ],
    };
    fs.writeFileSync(file, JSON.stringify(old));
    const nb = readNotebook(file);
    const [c] = codeCells(nb);
    assert.equal(nb.nbformat_minor, 5);
    assert.match(c.id, /^[0-9a-f]{8}$/);
    assert.equal(c.source, "1\n2");
    assert.deepEqual([c.outputs as Output[], c.execution_count], [[], null], "stale outputs are dropped before a run");
  });
});

test("the kernel's thread count stays flat while a cell runs (the orphan guard starts one watcher, not a chain)", async () => {
  const { result, error } = await run("threads");
  assert.equal(error, null);
  const cell = codeCells(result!.notebook)[0];
  const text = cell.outputs.map((o) => ("text" in o ? [o.text].flat().join("") : "")).join("");
  const m = /threads (\d+) (\d+)/.exec(text);
  assert.ok(m, `no thread counts printed: ${text}`);
  const [before, after3s] = [Number(m[1]), Number(m[2])];
  assert.ok(after3s <= before + 2, `threads grew from ${before} to ${after3s} in 3 s`);
  assert.ok(before < 60, `${before} threads in a fresh kernel`);
});
