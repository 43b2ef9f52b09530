/**
 * The book's playground page in a real Firefox, from file:// (issue 17: "works
 * in Chromium and Firefox"); test/playground-page.test.ts does the same and
 * more in Chromium, and the page's code in Node. Here, lean: one page load per
 * width — at 1280×800 no network request, the default network drawn (tiles
 * decoded to real pictures, the charts), controls set and trained with the
 * buttons, and `run()`'s numbers equal to the same configuration run through
 * the library in Node on tfjs's cpu backend (the page's); at phone width
 * nothing wider than the window; a screenshot at each. puppeteer-core drives
 * Debian's firefox-esr over WebDriver BiDi (test/helpers/firefox.ts).
 */
import { after, before, describe, test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import type { Browser, Page } from "puppeteer-core";
import { prepareBackend } from "../lib/core/backend";
import { pct } from "../lib/display/text";
import { HOW_TO_GET_FIREFOX, launchFirefox } from "./helpers/firefox";
import {
  COMPARED_RUN,
  DecodedTile,
  PAGE_READY,
  PageWindow,
  PlaygroundBook,
  SCREENS,
  assertDefaultDrawn,
  assertSameAsNodeCpu,
  buildPlaygroundBook,
  comparedConfig,
  countDrawn,
  decodeTilePng,
  isNetworkRequest,
  libraryRun,
  rgbHash,
  screenshotPath,
} from "./helpers/playground";

/**
 * A page function: every tile's picture decoded by the browser onto a canvas,
 * as its size and rgbHash (FNV-1a over the RGB bytes; written out here: a page
 * function is sent as text, without the test's imports).
 */
const decodedTiles = async (): Promise<DecodedTile[]> => {
  const out: DecodedTile[] = [];
  for (const image of Array.from(document.querySelectorAll(".pg-tiles svg.sl-tile image"))) {
    const href = image.getAttribute("href") ?? "";
    const img = new Image();
    img.src = href;
    await img.decode().catch(() => undefined);
    const canvas = document.createElement("canvas");
    [canvas.width, canvas.height] = [img.naturalWidth, img.naturalHeight];
    let hash = 0;
    if (img.naturalWidth > 0) {
      const context = canvas.getContext("2d")!;
      context.drawImage(img, 0, 0);
      const bytes = context.getImageData(0, 0, canvas.width, canvas.height).data;
      hash = 0x811c9dc5;
      for (let i = 0; i < bytes.length; i += 4)
        for (let k = 0; k < 3; k++) hash = Math.imul(hash ^ bytes[i + k], 16777619) >>> 0;
    }
    out.push({ href, width: img.naturalWidth, height: img.naturalHeight, hash });
  }
  return out;
};

describe("the playground page in a real Firefox, from file://", () => {
  let browser: Browser | undefined;
  let book: PlaygroundBook | undefined;
  const problems: string[] = [];

  before(async () => {
    book = buildPlaygroundBook();
    browser = (await launchFirefox()) ?? undefined; // without one, each test fails with the reason
  });

  after(async () => {
    await browser?.close();
    book?.remove();
  });

  /** The page at a window size, built and ready, with everything that goes wrong collected in `problems`. */
  async function open(width: number, height: number): Promise<Page> {
    assert.ok(browser && book, `no Firefox found: ${HOW_TO_GET_FIREFOX}`);
    const page = await browser.newPage();
    await page.setViewport({ width, height });
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warn") problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e instanceof Error ? e.message : String(e)}`));
    page.on("requestfailed", (r) => problems.push(`failed request: ${r.url()} (${r.failure()?.errorText})`));
    page.on("request", (r) => {
      if (isNetworkRequest(r.url())) problems.push(`network request: ${r.url()}`);
    });
    await page.goto(book.url, { waitUntil: "load" });
    await page.waitForSelector(PAGE_READY, { timeout: 120_000 });
    return page;
  }

  async function screenshot(page: Page, name: string): Promise<void> {
    const shot = screenshotPath(name, "firefox");
    await page.screenshot({ path: shot as `${string}.png`, fullPage: true });
    assert.ok(fs.statSync(shot).size > 10_000, `${shot} holds a picture`);
    console.log(`screenshot: ${shot}`);
  }

  test(
    "1280×800: no network request, the network drawn, controls and Train, run() as the library in Node (cpu)",
    { timeout: 300_000 },
    async () => {
      const { width, height } = SCREENS[0];
      const page = await open(width, height);

      assertDefaultDrawn(await page.evaluate(countDrawn));
      // Firefox decodes every tile's PNG to exactly the picture the library encoded, and the pictures are not blank.
      const tiles = await page.evaluate(decodedTiles);
      const colours = new Set<number>();
      tiles.forEach((tile, i) => {
        const mine = decodeTilePng(tile.href);
        assert.deepEqual(
          [tile.width, tile.height, tile.hash],
          [mine.width, mine.height, rgbHash(mine.rgb, 3)],
          `tile ${i + 1}: Firefox's pixels`,
        );
        for (let p = 0; p < mine.rgb.length; p += 3)
          colours.add((mine.rgb[p] << 16) | (mine.rgb[p + 1] << 8) | mine.rgb[p + 2]);
      });
      assert.ok(colours.size >= 3, `the tiles show saturated low, high and in between: ${colours.size} colours`);

      // The reader's way: choose, type, press Train; the counter reaches the epochs asked for.
      await page.select("#pg-dataset", "circles");
      for (const [name, value] of [
        ["depth", "2"],
        ["width", "4"],
        ["epochs", "3"],
      ]) {
        await page.locator(`#pg-${name}`).fill(value);
        await page.keyboard.press("Enter");
      }
      await page.waitForSelector('#sigmoid-lab-playground[data-state="ready"]', { timeout: 60_000 });
      assert.equal((await page.evaluate(countDrawn)).tiles, 2 * 4 + 1, "the tiles follow the controls");
      await page.click(".pg-train");
      await page.waitForSelector('#sigmoid-lab-playground[data-state="done"]', { timeout: 120_000 });
      const counter = await page.$eval('.pg-status [data-stat="epoch"]', (e) => e.textContent);
      assert.equal(counter, "Epoch 3");

      // The test API, against the library in Node on the page's backend.
      const t0 = performance.now();
      const result = await page.evaluate(
        (o) => (window as unknown as PageWindow).sigmoidLabPlayground.run(o),
        COMPARED_RUN,
      );
      console.log(
        `Firefox run(): ${COMPARED_RUN.epochs} epochs in ${result.seconds.toFixed(2)} s in the page, ${((performance.now() - t0) / 1000).toFixed(2)} s with the call`,
      );
      assert.equal(result.epoch, COMPARED_RUN.epochs);
      const table = await page.$$eval(".pg-numbers tbody tr", (rows) =>
        rows.map((tr) => Array.from(tr.querySelectorAll("td")).map((td) => td.textContent)),
      );
      assert.deepEqual(
        table.map((row) => row.slice(0, 3)),
        result.saturation.map((s, l) => [String(l + 1), pct(s), pct(result.freshSaturation[l])]),
        "the page shows the numbers run() returns",
      );
      await prepareBackend({ backend: "cpu", quiet: true });
      try {
        assertSameAsNodeCpu(result, await libraryRun(comparedConfig()), "Firefox");
      } finally {
        await prepareBackend({ quiet: true });
      }

      await screenshot(page, "desktop");
      await page.close();
      assert.deepEqual(problems, []);
    },
  );

  test("phone width: the page builds and fits the window; screenshot", { timeout: 120_000 }, async () => {
    const { name, width, height } = SCREENS[1];
    const page = await open(width, height);
    assertDefaultDrawn(await page.evaluate(countDrawn));
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${name}: the page is ${overflow}px wider than the window`);
    await screenshot(page, name);
    await page.close();
    assert.deepEqual(problems, []);
  });
});
