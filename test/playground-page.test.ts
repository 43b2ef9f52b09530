/**
 * The book's playground page (lib/chapters/playground-page, bundled by
 * lib/book/playground): in Node, the session trained in slices against
 * runPlayground in one call, the settings' errors against the library's
 * validators, and the browser stand-ins against Node's Buffer and zlib; then
 * the page itself from file:// in a real Chromium — no network request, the
 * controls, refused values, Train / Pause / Reset, leaving the page, the test
 * API, and its numbers against the same configuration run by the library in
 * Node (on tfjs's cpu backend, the page's, and on the wasm backend the
 * kernel uses).
 */
import { after, before, describe, test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { inflateSync, deflateSync as nodeDeflate } from "node:zlib";
import * as tf from "@tensorflow/tfjs";
import { Browser, Page } from "playwright-core";
import { prepareBackend } from "../lib/core/backend";
import { ConfigError } from "../lib/core/errors";
import { validateMlpConfig } from "../lib/core/model";
import { validateOptimizer } from "../lib/core/optim";
import { BrowserBuffer } from "../lib/book/playground/browser/buffer";
import { adler32, deflateSync } from "../lib/book/playground/browser/zlib";
import { runPlayground } from "../lib/chapters/playground";
import { PlaygroundSession } from "../lib/chapters/playground-page/session";
import { DEFAULT_SETTINGS, readSettings, settingsText } from "../lib/chapters/playground-page/settings";
import type { RunOptions } from "../lib/chapters/playground-page";
import { pct } from "../lib/display/text";
import { HOW_TO_GET_CHROMIUM, launchChromium } from "./helpers/browser";
import {
  COMPARED_RUN,
  PAGE_READY,
  PageWindow,
  PlaygroundBook,
  SCREENS,
  assertDefaultDrawn,
  assertSameAsNodeCpu,
  buildPlaygroundBook,
  comparedConfig,
  configOf,
  countDrawn,
  isNetworkRequest,
  libraryRun,
  screenshotPath,
} from "./helpers/playground";

function libraryError(f: () => void): string {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    return e.message;
  }
  assert.fail("the library accepted it");
}

// ------------------------------------------------------------------ in Node

describe("the playground page's code in Node (cpu backend, the page's)", () => {
  before(async () => {
    await prepareBackend({ backend: "cpu", quiet: true });
  });

  after(async () => {
    await prepareBackend({ quiet: true });
  });

  for (const fix of ["none", "batchnorm"]) {
    test(`session (fix ${fix}): 1 + 2 + 1 epochs in slices give runPlayground's network after 4, bit for bit`, async () => {
      const config = { ...configOf({ depth: 3, width: 6, epochs: 4, seed: 7, fix }), moments: [4] };
      const before = tf.memory().numTensors;
      const session = new PlaygroundSession(config);
      for (const n of [1, 2, 1]) await session.trainEpochs(n);
      assert.equal(session.epoch, 4);
      assert.equal(session.step, 4 * Math.floor(256 / 32));
      const mine = session.picture();
      const run = await runPlayground(config);
      const theirs = run.moments[0];
      assert.equal(theirs.epoch, 4);
      assert.deepEqual(mine.pointSaturation, theirs.pointSaturation);
      assert.deepEqual(mine.freshSaturation, theirs.freshSaturation, "on 07's fresh points too");
      assert.equal(mine.accuracy, theirs.accuracy);
      assert.ok(
        Math.abs(mine.loss - theirs.loss) <= 1e-6 * Math.max(1, theirs.loss),
        `loss ${mine.loss} vs ${theirs.loss}`,
      );
      mine.plane.layers.forEach((a, l) =>
        assert.deepEqual(a, theirs.plane.layers[l], `hidden layer ${l + 1} over the plane`),
      );
      assert.deepEqual(
        session.history.map((h) => h.epoch),
        [0, 1, 2, 3, 4],
      );
      session.dispose();
      assert.equal(tf.memory().numTensors, before, "no tensor leaks");
    });
  }

  test("fresh points: 07's freshDataset — as many as the training points, same generator, other draws", () => {
    const config = configOf({ dataset: "moons", seed: 3 });
    const fresh = config.fresh!;
    assert.equal(fresh.n, config.data.n);
    assert.notDeepEqual(Array.from(fresh.x.slice(0, 8)), Array.from(config.data.x.slice(0, 8)));
    // Same generator: both sets' spread agrees to within sampling noise.
    const spread = (x: Float32Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);
    assert.ok(Math.abs(spread(fresh.x) - spread(config.data.x)) < 0.1);
  });

  test("settings: every bad value is refused with the library's own message, next to its control", () => {
    const text = settingsText(DEFAULT_SETTINGS);
    const read = readSettings({
      ...text,
      width: "0",
      learningRate: "-1",
      batchSize: "abc",
      eps: "0.7",
      dataset: "rings",
    });
    assert.ok(!read.ok);
    const base = { inputDim: 2, outputDim: 2, activation: "sigmoid" as const, init: "standard" as const, seed: 0 };
    assert.equal(
      read.errors.width,
      libraryError(() => validateMlpConfig({ ...base, widths: [0] })),
    );
    assert.equal(
      read.errors.learningRate,
      libraryError(() => validateOptimizer({ kind: "sgd", learningRate: -1 })),
    );
    assert.match(read.errors.batchSize ?? "", /batchSize.*NaN/);
    assert.match(read.errors.eps ?? "", /eps/);
    assert.match(read.errors.dataset ?? "", /rings.*spirals, circles, xor, moons/);
    assert.deepEqual(Object.keys(read.errors).sort(), ["batchSize", "dataset", "eps", "learningRate", "width"]);
    assert.ok(readSettings(text).ok, "the defaults are valid");
    assert.ok(!readSettings({ ...text, learningRate: "" }).ok, "an empty field is not 0");
  });
});

describe("the playground page's browser stand-ins against Node", () => {
  test("BrowserBuffer: alloc, from, concat, writeUInt32BE, write, base64/hex/ascii/latin1 text as Node's Buffer", () => {
    const bytes = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 7919) & 0xff);
    const mine = BrowserBuffer.concat([BrowserBuffer.from(bytes), BrowserBuffer.alloc(8)]);
    const node = Buffer.concat([Buffer.from(bytes), Buffer.alloc(8)]);
    mine.writeUInt32BE(0xdeadbeef, 70_000);
    node.writeUInt32BE(0xdeadbeef, 70_000);
    mine.write("IHDR", 70_004, "ascii");
    node.write("IHDR", 70_004, "ascii");
    for (const enc of ["base64", "hex", "ascii", "latin1"] as const)
      assert.equal(mine.toString(enc), node.toString(enc), enc);
    assert.ok(mine instanceof BrowserBuffer);
  });

  test("deflateSync stand-in: Node's zlib inflates it back; its Adler-32 is zlib's", () => {
    for (const n of [0, 1, 65_535, 65_536, 200_000]) {
      const data = Uint8Array.from({ length: n }, (_, i) => (i * 31 + (i >> 9)) & 0xff);
      assert.deepEqual(new Uint8Array(inflateSync(deflateSync(data))), data, `${n} bytes`);
      const z = nodeDeflate(data);
      assert.equal(adler32(data), z.readUInt32BE(z.length - 4), `Adler-32 of ${n} bytes`);
    }
  });
});

// ------------------------------------------------------------ in Chromium

describe("the playground page in a real Chromium, from file://", () => {
  let browser: Browser | undefined;
  let book: PlaygroundBook | undefined;
  let page: Page;
  const problems: string[] = [];

  before(async () => {
    book = buildPlaygroundBook();
    browser = (await launchChromium()) ?? undefined;
    if (!browser) return;
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("requestfailed", (r) => problems.push(`failed request: ${r.url()} (${r.failure()?.errorText})`));
    page.on("request", (r) => {
      if (isNetworkRequest(r.url())) problems.push(`network request: ${r.url()}`);
    });
    await page.goto(book.url, { waitUntil: "load" });
    await page.waitForSelector(PAGE_READY, { timeout: 120_000 });
  });

  after(async () => {
    await browser?.close();
    book?.remove();
  });

  const status = () => page.evaluate(() => (window as unknown as PageWindow).sigmoidLabPlayground.status());
  const runInPage = (o: RunOptions) =>
    page.evaluate((opts) => (window as unknown as PageWindow).sigmoidLabPlayground.run(opts), o);
  const stateIs = (state: string, timeout = 120_000) =>
    page.waitForSelector(`#sigmoid-lab-playground[data-state="${state}"]`, { timeout });

  async function setField(name: string, value: string): Promise<void> {
    const input = page.locator(`#pg-${name}`);
    if ((await input.evaluate((e) => e.tagName)) === "SELECT") await input.selectOption(value);
    else {
      await input.fill(value);
      await input.press("Enter");
    }
  }

  test("the index links the page; it loads with no network request, 07's default network drawn", async () => {
    assert.ok(browser, `no Chromium found: ${HOW_TO_GET_CHROMIUM}`);
    assert.match(fs.readFileSync(path.join(book!.dir, "index.html"), "utf8"), /<a href="playground\.html">/);
    assertDefaultDrawn(await page.evaluate(countDrawn));
    assert.deepEqual(problems, []);
  });

  test(
    "bad values are refused next to their control with the library's text; Train waits until they are fixed",
    { timeout: 120_000 },
    async () => {
      await setField("width", "0");
      await setField("learningRate", "-1");
      await setField("seed", "one");
      await stateIs("invalid", 30_000);
      const shown = await page.evaluate(() => ({
        width: document.getElementById("pg-width-error")!.textContent,
        learningRate: document.getElementById("pg-learningRate-error")!.textContent,
        seed: document.getElementById("pg-seed-error")!.textContent,
        depth: document.getElementById("pg-depth-error")!.textContent,
        train: (document.querySelector(".pg-train") as HTMLButtonElement).disabled,
      }));
      const base = { inputDim: 2, outputDim: 2, activation: "sigmoid" as const, init: "standard" as const, seed: 0 };
      assert.equal(
        shown.width,
        libraryError(() => validateMlpConfig({ ...base, widths: [0] })),
      );
      assert.equal(
        shown.learningRate,
        libraryError(() => validateOptimizer({ kind: "sgd", learningRate: -1 })),
      );
      assert.equal(
        shown.seed,
        libraryError(() => validateMlpConfig({ ...base, widths: [1], seed: NaN })),
      );
      assert.equal(shown.depth, "", "only the wrong controls say so");
      assert.equal(shown.train, true);
      await setField("width", "8");
      await setField("learningRate", "6");
      await setField("seed", "1");
      await stateIs("ready", 60_000);
      assert.equal(await page.locator("#pg-width-error").textContent(), "");
    },
  );

  test(
    "controls, Train, Pause, Reset and leaving the page: training stops and goes on where it stopped",
    { timeout: 300_000 },
    async () => {
      await setField("dataset", "circles");
      await setField("depth", "2");
      await setField("width", "4");
      await setField("epochs", "2000");
      await stateIs("ready", 60_000);
      await page.click(".pg-train");
      await page.waitForFunction(
        () => (window as unknown as PageWindow).sigmoidLabPlayground.status().epoch >= 2,
        undefined,
        { timeout: 120_000 },
      );
      await page.click(".pg-pause");
      await stateIs("paused", 60_000);
      const paused = await status();
      assert.equal(paused.running, false);
      await page.waitForTimeout(700);
      assert.equal((await status()).epoch, paused.epoch, "no epoch trained while paused");
      const counter = await page.locator('.pg-status [data-stat="epoch"]').textContent();
      assert.equal(counter, `Epoch ${paused.epoch}`);

      // The reader leaves (another tab): training stops.
      await page.click(".pg-train");
      await page.waitForFunction(
        (e) => (window as unknown as PageWindow).sigmoidLabPlayground.status().epoch > e,
        paused.epoch,
        { timeout: 120_000 },
      );
      // (A string, not a function: tsx would wrap the getter in a helper the page does not have.)
      await page.evaluate(
        `Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" }); document.dispatchEvent(new Event("visibilitychange"));`,
      );
      await stateIs("paused", 60_000);
      const left = await status();
      await page.waitForTimeout(700);
      assert.equal((await status()).epoch, left.epoch, "no epoch trained while the page is hidden");
      await page.evaluate(`delete document.visibilityState`);

      await page.click(".pg-reset");
      await stateIs("ready", 60_000);
      assert.equal((await status()).epoch, 0, "Reset starts the network again");
      assert.deepEqual(problems, []);
    },
  );

  test(
    "run(): deterministic per seed, and the same numbers as the library in Node (cpu exactly, the kernel's wasm within tolerance)",
    { timeout: 300_000 },
    async () => {
      const options: RunOptions = COMPARED_RUN;
      const first = await runInPage(options);
      const tensors = (await status()).tensors;
      const second = await runInPage(options);
      assert.equal((await status()).tensors, tensors, "a second run leaves as many tensors as the first: no leak");
      assert.equal(first.epoch, 6);
      assert.deepEqual(second.saturation, first.saturation, "same seed, same numbers");
      assert.equal(second.accuracy, first.accuracy);
      // The page shows the numbers the API returns: the epoch counter, and per layer the saturated share on both point sets.
      const shownEpoch = await page.locator('.pg-status [data-stat="epoch"]').textContent();
      assert.equal(shownEpoch, "Epoch 6");
      const table = await page.evaluate(() =>
        Array.from(document.querySelectorAll(".pg-numbers tbody tr")).map((tr) =>
          Array.from(tr.querySelectorAll("td")).map((td) => td.textContent),
        ),
      );
      assert.deepEqual(
        table.map((row) => row.slice(0, 3)),
        first.saturation.map((s, l) => [String(l + 1), pct(s), pct(first.freshSaturation[l])]),
      );

      const config = comparedConfig();
      await prepareBackend({ backend: "cpu", quiet: true });
      const cpu = await libraryRun(config);
      await prepareBackend({ quiet: true });
      const kernel = await libraryRun(config);
      assert.equal(first.saturation.length, 2);
      assertSameAsNodeCpu(first, cpu, "Chromium");
      first.saturation.forEach((s, l) => {
        // Float details differ between tfjs backends: an entry near the ε boundary may land on the other side.
        assert.ok(
          Math.abs(s - kernel.saturation[l]) <= 0.02,
          `layer ${l + 1}: page ${s} vs Node wasm ${kernel.saturation[l]}`,
        );
      });
      assert.ok(
        Math.abs(first.accuracy - kernel.accuracy) <= 4 / 256,
        `accuracy: page ${first.accuracy} vs Node wasm ${kernel.accuracy}`,
      );
      assert.deepEqual(problems, []);
    },
  );

  test(
    "usable at 1280×800 and at phone width: nothing wider than the window; screenshots",
    { timeout: 60_000 },
    async () => {
      for (const { name, width, height } of SCREENS) {
        await page.setViewportSize({ width, height });
        await page.waitForTimeout(400);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 0, `${name}: the page is ${overflow}px wider than the window`);
        const shot = screenshotPath(name);
        await page.screenshot({ path: shot, fullPage: true });
        assert.ok(fs.statSync(shot).size > 10_000);
        console.log(`screenshot: ${shot}`);
      }
      assert.deepEqual(problems, []);
    },
  );
});
