/**
 * Profiles apart (issue 19): a profile's run writes out/<profile>/…, its kernels record findings under the
 * profile's name, and the default run's notebooks, book and findings are never touched by it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseBookArgs } from "../lib/book/plan";
import { parseCli } from "../lib/runner/cli";
import { OUT_ENV, profileOutDir, PROFILE_ENV } from "../lib/runner/profiles";
import { findingsFile, readFindings, recordFindings } from "../lib/run/findings";
import { frontendArgs } from "../lib/runner/lab";
import { runNotebook } from "../lib/runner/execute";
import { spawnSync } from "node:child_process";

const ROOT = path.join(__dirname, "..");

test("npm start and npm run run: the default run in out/, a profile's in out/<profile>/", () => {
  const def = parseBookArgs([], ROOT),
    quick = parseBookArgs(["--profile", "quick"], ROOT);
  assert.equal(def.executedDir, path.join(ROOT, "out", "notebooks"));
  assert.equal(def.outDir, path.join(ROOT, "out", "book"));
  assert.equal(quick.executedDir, path.join(ROOT, "out", "quick", "notebooks"));
  assert.equal(quick.outDir, path.join(ROOT, "out", "quick", "book"));
  const explicit = parseBookArgs(["--profile", "quick", "--out", "/tmp/b", "--executed", "/tmp/n"], ROOT);
  assert.deepEqual([explicit.outDir, explicit.executedDir], ["/tmp/b", "/tmp/n"], "explicit folders win");
  assert.equal(parseCli(["x.ipynb"]).outDir, path.join("out", "notebooks"));
  assert.equal(parseCli(["x.ipynb", "--profile", "quick"]).outDir, path.join("out", "quick", "notebooks"));
  assert.throws(() => profileOutDir("../book"), /letters, digits/);
});

test("findings under a profile go to their own file; the default's stay as they were", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sigmoid-lab-profiles-"));
  const saved = process.env[PROFILE_ENV];
  try {
    delete process.env[PROFILE_ENV];
    const defaultFile = findingsFile("01-train", dir);
    recordFindings("01-train", { epochs: 10 }, { testAccuracy: 0.962 } as never, dir);
    const before = fs.readFileSync(defaultFile, "utf8");
    process.env[PROFILE_ENV] = "quick";
    const quickFile = findingsFile("01-train", dir);
    assert.equal(quickFile, path.join(dir, "findings", "quick", "01-train.json"));
    assert.throws(
      () => readFindings("01-train", dir),
      /--profile quick/,
      "missing quick findings name the profile's command",
    );
    recordFindings("01-train", { epochs: 1 }, { testAccuracy: 0.5 } as never, dir);
    assert.equal((readFindings("01-train", dir).findings as { testAccuracy: number }).testAccuracy, 0.5);
    delete process.env[PROFILE_ENV];
    assert.equal(fs.readFileSync(defaultFile, "utf8"), before, "the default findings are byte-identical");
    assert.equal((readFindings("01-train", dir).findings as { testAccuracy: number }).testAccuracy, 0.962);
  } finally {
    if (saved === undefined) delete process.env[PROFILE_ENV];
    else process.env[PROFILE_ENV] = saved;
  }
});

test("a profile's kernel sees its profile's name; a default run's kernel sees none, even if the runner's shell set one", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sigmoid-lab-profile-kernel-"));
  const nb = path.join(dir, "env.ipynb");
  const cell = (source: string) => ({
    cell_type: "code",
    execution_count: null,
    id: "c1",
    metadata: {},
    outputs: [],
    source,
  });
  fs.writeFileSync(
    nb,
    JSON.stringify({
      cells: [
        { ...cell("let n = 1;"), id: "p", metadata: { tags: ["parameters"] } },
        cell(`console.log("profile=" + (process.env.${PROFILE_ENV} ?? "none"));`),
      ],
      metadata: {},
      nbformat: 4,
      nbformat_minor: 5,
    }),
  );
  const printed = async (profile: string | undefined) => {
    const out = path.join(dir, `out-${profile ?? "default"}.ipynb`);
    await runNotebook({
      input: nb,
      output: out,
      profile,
      profiles: { quick: { "*": { n: 2 } } },
      onProgress: () => undefined,
    });
    const cells = (JSON.parse(fs.readFileSync(out, "utf8")) as { cells: { outputs?: { text?: string[] }[] }[] }).cells;
    return cells
      .flatMap((c) => c.outputs ?? [])
      .flatMap((o) => o.text ?? [])
      .join("");
  };
  const saved = process.env[PROFILE_ENV];
  process.env[PROFILE_ENV] = "stale";
  try {
    assert.match(await printed("quick"), /profile=quick/);
    assert.match(await printed(undefined), /profile=none/);
  } finally {
    if (saved === undefined) delete process.env[PROFILE_ENV];
    else process.env[PROFILE_ENV] = saved;
  }
});

test("npm run lab passes --allow-root to Jupyter as root only, and says so", () => {
  const root = frontendArgs("/nb", 0),
    user = frontendArgs("/nb", 1000);
  assert.deepEqual(root.args, ["--notebook-dir=/nb", "--allow-root"]);
  assert.match(root.note ?? "", /--allow-root/);
  assert.deepEqual(user, { args: ["--notebook-dir=/nb"], note: null });
  assert.deepEqual(frontendArgs("/nb", null).args, ["--notebook-dir=/nb"], "no uid (Windows): as a user");
});

/** Every file under dir: relative path → its bytes' SHA-256 and its modification time. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else
        out[path.relative(dir, p)] =
          `${crypto.createHash("sha256").update(fs.readFileSync(p)).digest("hex")} ${fs.statSync(p).mtimeMs}`;
    }
  };
  walk(dir);
  return out;
}

test("the real npm start with --profile quick after a default run: the default notebooks, book and findings stay byte-identical", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sigmoid-lab-apart-"));
  const out = path.join(tmp, "out"),
    cache = path.join(tmp, "cache");
  try {
    // What a default run left: its executed notebook, its book and its findings.
    fs.mkdirSync(path.join(out, "notebooks"), { recursive: true });
    fs.mkdirSync(path.join(out, "book"), { recursive: true });
    fs.copyFileSync(
      path.join(ROOT, "notebooks", "07-playground.ipynb"),
      path.join(out, "notebooks", "07-playground.ipynb"),
    );
    fs.writeFileSync(path.join(out, "book", "index.html"), "<p>the default book</p>\n");
    delete process.env[PROFILE_ENV];
    recordFindings("01-train", { epochs: 10 }, { testAccuracy: 0.962 } as never, cache);
    const before = { out: snapshot(out), findings: snapshot(path.join(cache, "findings")) };
    const env: NodeJS.ProcessEnv = { ...process.env, [OUT_ENV]: out, SIGMOID_LAB_CACHE: cache };
    delete env[PROFILE_ENV];
    const run = spawnSync(
      process.execPath,
      ["--import", "tsx", "lib/book/main.ts", "--profile", "quick", "--only", "07", "--jobs", "1"],
      { cwd: ROOT, env, encoding: "utf8", timeout: 240_000 },
    );
    assert.equal(run.status, 0, `npm start --profile quick failed:\n${run.stdout}\n${run.stderr}`);
    const after = snapshot(out);
    const quickFiles = Object.keys(after).filter((f) => f.startsWith(`quick${path.sep}`));
    for (const f of Object.keys(after).filter((f) => !quickFiles.includes(f)))
      assert.equal(after[f], before.out[f], `${f} was written by the quick run`);
    assert.deepEqual(
      Object.keys(after)
        .filter((f) => !quickFiles.includes(f))
        .sort(),
      Object.keys(before.out).sort(),
    );
    assert.deepEqual(snapshot(path.join(cache, "findings")), before.findings, "the default findings are untouched");
    // The quick run went to out/quick/, and says so on its pages.
    const executed = JSON.parse(fs.readFileSync(path.join(out, "quick", "notebooks", "07-playground.ipynb"), "utf8"));
    assert.equal(executed.metadata.sigmoid_lab.profile, "quick");
    const page = fs.readFileSync(path.join(out, "quick", "book", "07-playground.html"), "utf8");
    assert.match(page, /Executed with profile <code>quick<\/code>/);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
