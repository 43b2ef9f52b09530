/**
 * What the playground page's browser tests share (test/playground-page.test.ts
 * in Chromium through playwright-core, test/playground-firefox.test.ts in
 * Firefox through puppeteer-core): the book built from the fixtures, the
 * page's test API, the configuration both compare with the library in Node
 * and that comparison, the network rule, what "drawn" means, and the screen
 * sizes. Only plain functions of page data here: each test drives its own
 * browser library.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { inflateSync } from "node:zlib";
import { buildBook } from "../../lib/book/build";
import { PLAYGROUND_PAGE } from "../../lib/book/playground/page";
import { PlaygroundConfig, runPlayground } from "../../lib/chapters/playground";
import { DEFAULT_SETTINGS, PageSettings, playgroundConfigOf } from "../../lib/chapters/playground-page/settings";
import type { PlaygroundApi } from "../../lib/chapters/playground-page";

const FIXTURES = path.join(__dirname, "..", "fixtures", "book");

/** The element that says the page has built itself and installed its API. */
export const PAGE_READY = '#sigmoid-lab-playground[data-ready="true"]';

/** `window` in the page, for page functions (`(window as unknown as PageWindow).sigmoidLabPlayground`). */
export type PageWindow = { sigmoidLabPlayground: PlaygroundApi };

export interface PlaygroundBook {
  /** The book's folder (a temporary one). */
  readonly dir: string;
  /** playground.html as a file:// URL. */
  readonly url: string;
  remove(): void;
}

/** The book built from the test fixtures into a temporary folder, with its playground page. */
export function buildPlaygroundBook(): PlaygroundBook {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sigmoid-lab-playground-"));
  buildBook({ notebooksDir: FIXTURES, outDir: dir });
  return {
    dir,
    url: pathToFileURL(path.join(dir, PLAYGROUND_PAGE)).href,
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** A request the page may make: its own files (file:) and inline data (data:); anything else is the network. */
export function isNetworkRequest(url: string): boolean {
  return !url.startsWith("file:") && !url.startsWith("data:");
}

/** The page's configuration for some settings (the rest as the page's defaults). */
export function configOf(over: Partial<PageSettings>): PlaygroundConfig {
  return playgroundConfigOf({ ...DEFAULT_SETTINGS, ...over });
}

export interface LibraryNumbers {
  readonly accuracy: number;
  readonly saturation: number[];
  readonly freshSaturation: number[];
  readonly loss: number;
}

/** runPlayground's numbers after the last epoch, in the page API's shape (on whatever tfjs backend is set). */
export async function libraryRun(config: PlaygroundConfig): Promise<LibraryNumbers> {
  const run = await runPlayground({ ...config, moments: [config.epochs] });
  const m = run.moments[run.moments.length - 1];
  assert.equal(m.epoch, config.epochs);
  return {
    accuracy: m.accuracy,
    saturation: m.pointSaturation.map((s) => s.total),
    freshSaturation: (m.freshSaturation ?? []).map((s) => s.total),
    loss: m.loss,
  };
}

/**
 * The run both browsers compare with the library in Node: it learns something
 * and saturates part of a layer in 6 epochs (on Node's cpu backend: accuracy
 * 80%, layer 2 about half saturated), and takes a few seconds in a page.
 */
export const COMPARED_RUN = {
  dataset: "moons",
  depth: 2,
  width: 8,
  activation: "sigmoid",
  init: "he",
  learningRate: 6,
  epochs: 6,
  seed: 2,
} as const;

/** COMPARED_RUN as the library's configuration. */
export function comparedConfig(): PlaygroundConfig {
  const { dataset, depth, width, activation, init, learningRate, epochs, seed } = COMPARED_RUN;
  return configOf({ dataset, depth, width, activation, init, learningRate, epochs, seed });
}

/** The page's run against the library's on tfjs's cpu backend (the page's): the same numbers. */
export function assertSameAsNodeCpu(
  page: { accuracy: number; saturation: number[]; freshSaturation: number[] },
  cpu: LibraryNumbers,
  browser: string,
): void {
  assert.equal(page.saturation.length, cpu.saturation.length, "one number per hidden layer");
  assert.ok(
    page.accuracy > 0.6 && page.saturation.some((x) => x > 0.1),
    `a run with something to compare: ${JSON.stringify(page)}`,
  );
  page.saturation.forEach((s, l) => {
    assert.ok(
      Math.abs(s - cpu.saturation[l]) <= 1e-9,
      `layer ${l + 1}: ${browser} ${s} vs Node cpu ${cpu.saturation[l]}`,
    );
    assert.ok(
      Math.abs(page.freshSaturation[l] - cpu.freshSaturation[l]) <= 1e-9,
      `layer ${l + 1}, fresh points: ${browser} ${page.freshSaturation[l]} vs Node cpu ${cpu.freshSaturation[l]}`,
    );
  });
  assert.equal(page.accuracy, cpu.accuracy, `accuracy: ${browser} vs Node cpu`);
}

/** What the page has drawn (evaluate `countDrawn` in the page). */
export interface Drawn {
  readonly tiles: number;
  readonly curves: number;
  readonly rows: number;
}

/** A page function: the tiles, plotly charts and table rows on the page (no inner named functions: it is sent as text). */
export const countDrawn = (): Drawn => ({
  tiles: document.querySelectorAll(".pg-tiles svg.sl-tile").length,
  curves: document.querySelectorAll(".pg-chart .main-svg").length,
  rows: document.querySelectorAll(".pg-numbers tbody tr").length,
});

/** The default network drawn: one tile per hidden unit and the output's, one row per hidden layer, three charts. */
export function assertDefaultDrawn(drawn: Drawn): void {
  assert.equal(
    drawn.tiles,
    DEFAULT_SETTINGS.depth * DEFAULT_SETTINGS.width + 1,
    "one tile per hidden unit, and the output p(class 1)",
  );
  assert.equal(drawn.rows, DEFAULT_SETTINGS.depth, "one row per hidden layer");
  assert.ok(drawn.curves >= 3, "three charts drawn by the book's plotly");
}

/** The widths the page must be usable at, and the screenshots' names. */
export const SCREENS = [
  { name: "desktop", width: 1280, height: 800 },
  { name: "phone", width: 390, height: 844 },
] as const;

/** Where a screenshot goes (the temporary folder, printed by the test). */
export function screenshotPath(name: string, browser?: string): string {
  return path.join(os.tmpdir(), `sigmoid-lab-playground-${browser ? `${browser}-` : ""}${name}.png`);
}

/** A tile as the browser decoded it: its picture's size and an FNV-1a hash of its RGB bytes, row by row. */
export interface DecodedTile {
  readonly href: string;
  readonly width: number;
  readonly height: number;
  readonly hash: number;
}

/** FNV-1a (32 bit) over the R, G, B bytes of every pixel (`stride` 4 for RGBA, as a canvas gives them; 3 for RGB). */
export function rgbHash(bytes: Uint8Array, stride: 3 | 4): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i += stride)
    for (let k = 0; k < 3; k++) h = Math.imul(h ^ bytes[i + k], 16777619) >>> 0;
  return h;
}

/**
 * The page's tile pictures decoded in Node: lib/display/tiles.ts writes 8-bit
 * palette PNGs with filter 0 on every row, so a decoder is the chunks, zlib and
 * a palette look-up. Returns the RGB bytes, row by row.
 */
export function decodeTilePng(href: string): { width: number; height: number; rgb: Uint8Array } {
  const png = Buffer.from(href.replace(/^data:image\/png;base64,/, ""), "base64");
  let width = 0,
    height = 0,
    palette = Buffer.alloc(0);
  const idat: Buffer[] = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    const type = png.toString("ascii", at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    if (type === "IHDR") {
      [width, height] = [data.readUInt32BE(0), data.readUInt32BE(4)];
      assert.deepEqual([data[8], data[9], data[12]], [8, 3, 0], "8-bit palette, no interlace");
    } else if (type === "PLTE") palette = data;
    else if (type === "IDAT") idat.push(data);
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const rgb = new Uint8Array(width * height * 3);
  for (let r = 0; r < height; r++) {
    assert.equal(raw[r * (width + 1)], 0, "filter 0 on every row");
    for (let c = 0; c < width; c++) {
      const index = raw[r * (width + 1) + 1 + c];
      rgb.set(palette.subarray(3 * index, 3 * index + 3), 3 * (r * width + c));
    }
  }
  return { width, height, rgb };
}
