import { test, before } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { prepareBackend } from "../lib/core/backend";
import { cached, cacheKey, canonicalJson, nonFinitePath, writeEntry } from "../lib/run/cache";
import { ExperimentConfig, runExperiment } from "../lib/run/experiment";

before(async () => {
  await prepareBackend({ quiet: true });
});

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "sigmoid-lab-cache-"));

test("canonical keys ignore property order and see every value", () => {
  assert.equal(canonicalJson({ b: 1, a: [1, { d: 2, c: 3 }] }), canonicalJson({ a: [1, { c: 3, d: 2 }], b: 1 }));
  assert.notEqual(cacheKey({ lr: 0.1 }), cacheKey({ lr: 0.10000001 }));
});

test("an entry round-trips exactly; a corrupt or stale entry is rebuilt, never used", async () => {
  const dir = tmp();
  const value = { x: [0.1, 1 / 3, 1e-300, -2.5e12], nested: { y: Math.PI } };
  const arrays = { w: Float32Array.from([1.5, -0.1, 3.4028234663852886e38, 1e-45]) };
  let builds = 0;
  const build = async () => (builds++, { value, arrays });
  const first = await cached("t", { k: 1 }, build, { dir });
  assert.equal(first.status, "miss");
  const second = await cached("t", { k: 1 }, build, { dir });
  assert.equal(second.status, "hit");
  assert.equal(builds, 1);
  assert.deepEqual(second.value, value);
  assert.deepEqual(second.arrays, arrays);
  // Flip one byte of the binary part: detected and rebuilt.
  const bin = path.join(dir, JSON.parse(fs.readFileSync(`${second.file}.json`, "utf8")).binFile);
  const bytes = fs.readFileSync(bin);
  bytes[3] ^= 1;
  fs.writeFileSync(bin, bytes);
  const third = await cached("t", { k: 1 }, build, { dir });
  assert.equal(third.status, "corrupt");
  assert.match(third.reason!, /checksum mismatch/);
  assert.equal(builds, 2);
  // Edit a number in the manifest: detected too.
  const json = `${second.file}.json`;
  fs.writeFileSync(json, fs.readFileSync(json, "utf8").replace('"y":3.14', '"y":2.14'));
  assert.equal((await cached("t", { k: 1 }, build, { dir })).status, "corrupt");
  // Truncated manifest.
  fs.writeFileSync(json, '{"version":');
  assert.equal((await cached("t", { k: 1 }, build, { dir })).status, "corrupt");
  // A manifest from an older format version is stale.
  const m = JSON.parse(fs.readFileSync(json, "utf8"));
  fs.writeFileSync(json, JSON.stringify({ ...m, version: 0 }));
  const stale = await cached("t", { k: 1 }, build, { dir });
  assert.equal(stale.status, "stale");
  assert.equal(builds, 5);
});

test("a cached experiment reloads the same weights and probe records without training", async () => {
  const dir = tmp();
  const cfg: ExperimentConfig = {
    name: "tiny",
    data: { kind: "mnist", trainLimit: 512, testLimit: 256 },
    model: { widths: [16, 16], activation: "sigmoid", init: "standard", seed: 1 },
    train: { epochs: 2, batchSize: 64, optimizer: { kind: "sgd", learningRate: 0.5 }, seed: 1 },
    probePoints: 100,
  };
  let steps = 0;
  const a = await runExperiment(cfg, { onStep: () => steps++ }, { cacheDir: dir });
  assert.equal(a.cache, "miss");
  assert.equal(steps, 16);
  const b = await runExperiment(cfg, { onStep: () => steps++ }, { cacheDir: dir });
  assert.equal(b.cache, "hit");
  assert.equal(steps, 16);
  assert.deepEqual(b.model.getWeights(), a.model.getWeights());
  assert.deepEqual(b.result, a.result);
  // The probe sets have the asked size.
  assert.equal(a.data.probeTrain.n, 100);
  assert.equal(a.data.probeHeldOut.n, 100);
  // The initial model is the untrained one.
  assert.notDeepEqual(a.initialModel.getWeights(), a.model.getWeights());
  [a, b].forEach((e) => (e.model.dispose(), e.initialModel.dispose()));
});

test("two writers of the same entry at once (two kernels on a cold cache) leave one whole entry and no temporary file", async () => {
  const { Worker } = await import("node:worker_threads");
  const dir = tmp();
  const cacheModule = path.resolve(__dirname, "../lib/run/cache.ts");
  const tsx = require.resolve("tsx/cjs");
  // Each worker writes the same key 40 times with its own payload; both run at the same time.
  const writer = (id: number) =>
    new Promise<void>((resolve, reject) => {
      const code = `require(${JSON.stringify(tsx)});
        const { writeEntry } = require(${JSON.stringify(cacheModule)});
        const file = require("path").join(${JSON.stringify(dir)}, "race");
        for (let i = 0; i < 40; i++) writeEntry(file, { k: 1 }, { value: { writer: ${id}, i }, arrays: { w: new Float32Array(20000).fill(${id}) } });`;
      const w = new Worker(code, { eval: true });
      w.on("error", reject);
      w.on("exit", (c) => (c === 0 ? resolve() : reject(new Error(`writer ${id} exited ${c}`))));
    });
  await Promise.all([writer(1), writer(2)]);
  const { readEntry } = await import("../lib/run/cache");
  const r = readEntry<{ writer: number }>(path.join(dir, "race"), { k: 1 });
  assert.equal(r.status, "hit", JSON.stringify(r));
  if (r.status === "hit")
    assert.ok(
      r.entry.arrays.w.every((v) => v === r.entry.value.writer),
      "the arrays belong to the manifest's writer",
    );
  assert.deepEqual(
    fs.readdirSync(dir).filter((f) => f.includes(".tmp")),
    [],
  );
});

test("a writer never deletes another writer's fresh binary file; it removes the one its manifest replaced", () => {
  const dir = tmp();
  const file = path.join(dir, "e");
  const entry = (fill: number) => ({ value: { fill }, arrays: { w: new Float32Array(8).fill(fill) } });
  writeEntry(file, { k: 1 }, entry(1));
  const first = fs.readdirSync(dir).filter((f) => f.endsWith(".bin"));
  // A second kernel has renamed its binary file into place but not yet its manifest:
  const theirs = path.join(dir, "e.0123456789abcdef.bin");
  fs.writeFileSync(theirs, Buffer.alloc(32));
  writeEntry(file, { k: 1 }, entry(2)); // this writer finishes in between
  assert.ok(fs.existsSync(theirs), "the other writer's binary file survives");
  assert.ok(!fs.existsSync(path.join(dir, first[0])), "the replaced entry's binary file is gone");
  // Leftovers older than an hour are removed by the next write.
  const old = new Date(Date.now() - 2 * 3600_000);
  fs.utimesSync(theirs, old, old);
  writeEntry(file, { k: 1 }, entry(3));
  assert.ok(!fs.existsSync(theirs));
  assert.equal(fs.readdirSync(dir).filter((f) => f.endsWith(".bin")).length, 1);
});

test("a value with NaN or ±Infinity is refused, naming where it is", () => {
  assert.equal(nonFinitePath({ a: [1, { b: 2 }] }, "value"), null);
  assert.equal(nonFinitePath({ a: [1, { b: NaN }] }, "value"), "value.a[1].b (NaN)");
  assert.equal(nonFinitePath([0, -Infinity], "v"), "v[1] (-Infinity)");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sigmoid-lab-nonfinite-"));
  assert.throws(
    () => writeEntry(path.join(dir, "x"), { k: 1 }, { value: { r: { ratios: [1, Infinity] } }, arrays: {} }),
    /value\.r\.ratios\[1\] \(Infinity\) is not a finite number/,
  );
});
