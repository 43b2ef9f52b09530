/**
 * Tile grids: many small maps of the same square (TensorFlow-Playground
 * style), in rows, in one or more panels side by side, with a slider over
 * frames (moments of training). Built for "every hidden unit over the input
 * plane", but it only knows tiles: plain value grids with a saturation class
 * per cell.
 *
 * Each tile is a small palette PNG (strong colours for the two saturated
 * classes, pale shades for the values in between), drawn in an inline SVG
 * with the data points on top. Frames swap the PNGs; identical PNGs are
 * stored once. Plotly is not used: a hundred heatmap subplots with frames
 * would be megabytes of JSON and seconds per slider move.
 *
 * Like every figure of the display layer, a tile grid must say what its
 * axes and its colours mean (title, x, y and color labels with units).
 */

import { deflateSync } from "zlib";
import { ConfigError } from "../core/errors";
import { AxisLabel, axisTitle, requireAxis, requireNonEmpty, requireText } from "./figure";
import { escapeHtml, jsonForScript, uniqueId } from "./html";
import { OutputSink, currentSink } from "./output";
import { takeawayHtml } from "./show";
import { LINE, STRONG_LINE } from "./theme";

/** One map: resolution² values in grid order, index r·resolution + c, row r = 0 at the bottom. */
export interface Tile {
  values: ArrayLike<number>;
  /** Per cell: −1 saturated low, +1 saturated high, 0 neither (default: all 0). */
  classes?: ArrayLike<number>;
  /** Values mapped onto the pale shades, lo → palest "low" tint, hi → palest "high" tint. */
  range: [number, number];
  /** Hover text of the tile. */
  label?: string;
}

export interface TileRow {
  /** Row heading, e.g. "layer 3". The same in every frame. */
  label: string;
  /** A short per-frame note under the heading, e.g. "42% sat.". */
  note?: string;
  tiles: Tile[];
}

export interface TileFrame {
  /** Slider label, e.g. "12" for epoch 12. */
  label: string;
  /** One line above the grid for this frame. */
  caption?: string;
  /** One entry per panel, each a list of rows (same shape in every frame). */
  panels: TileRow[][];
}

export interface TileColors {
  /** Colour of cells classified −1 / +1. */
  low: string;
  high: string;
  /** Legend words for the three classes. */
  lowLabel: string;
  highLabel: string;
  betweenLabel: string;
}

export interface TileGridOptions {
  title: string;
  /** The axes of every tile (the same square). */
  x: AxisLabel;
  y: AxisLabel;
  /** What the colours mean. */
  color: AxisLabel;
  extent: { x: [number, number]; y: [number, number] };
  resolution: number;
  panelTitles: string[];
  frames: TileFrame[];
  /** What a frame is, e.g. "Epoch": the slider reads "Epoch: 12". */
  sliderLabel: string;
  colors?: Partial<TileColors>;
  /** Points drawn on every tile, class 0 filled dark, class 1 hollow. */
  points?: { x: ArrayLike<number>; y: ArrayLike<number>; classes: ArrayLike<number> };
  /** Frame shown first (default: the last). */
  initialFrame?: number;
  /** Pale shades between the saturated classes (default 9). */
  shades?: number;
  /** Smallest tile edge in pixels before panels stack instead of sitting side by side (default 34). */
  minTilePx?: number;
}

export const DEFAULT_TILE_COLORS: TileColors = {
  low: "#0072B2",
  high: "#D55E00",
  lowLabel: "saturated low",
  highLabel: "saturated high",
  betweenLabel: "in between",
};

const VIEW = 100; // tile coordinates: [0, VIEW]², y downwards

export function tileGridHtml(opts: TileGridOptions): string {
  validate(opts);
  const colors = { ...DEFAULT_TILE_COLORS, ...(opts.colors ?? {}) };
  const shades = opts.shades ?? 9;
  const palette = tilePalette(colors, shades);
  const id = uniqueId("sl-tiles");
  const images = new ImageTable();
  const frames = opts.frames.map((f) => ({
    label: f.label,
    caption: f.caption ?? "",
    tiles: f.panels.flatMap((rows) =>
      rows.flatMap((row) => row.tiles.map((t) => images.add(tilePng(t, opts.resolution, palette, shades)))),
    ),
    notes: f.panels.flatMap((rows) => rows.map((row) => row.note ?? "")),
  }));
  const initial = opts.initialFrame ?? opts.frames.length - 1;
  const first = opts.frames[initial];
  const pointsId = `${id}-pts`;
  const maxTiles = Math.max(...first.panels.flatMap((rows) => rows.map((r) => r.tiles.length)));
  const minPanel = 64 + maxTiles * (opts.minTilePx ?? 34);

  let tileIndex = 0,
    noteIndex = 0;
  const panelsHtml = first.panels
    .map((rows, p) => {
      const rowsHtml = rows
        .map((row) => {
          const tiles = row.tiles
            .map((t) => {
              const k = frames[initial].tiles[tileIndex++];
              return tileSvg(images.get(k), tileIndex - 1, t.label, opts.points ? pointsId : null);
            })
            .join("");
          const note = `<div class="sl-note" data-n="${noteIndex}">${escapeHtml(frames[initial].notes[noteIndex++])}</div>`;
          return `<div class="sl-row"><div class="sl-rowhead"><div>${escapeHtml(row.label)}</div>${note}</div><div class="sl-tilerow" style="grid-template-columns:repeat(${maxTiles},minmax(0,1fr))">${tiles}</div></div>`;
        })
        .join("");
      return `<div class="sl-panel" style="flex:1 1 ${minPanel}px"><div class="sl-panelhead">${escapeHtml(opts.panelTitles[p])}</div>${rowsHtml}</div>`;
    })
    .join("");

  const slider =
    opts.frames.length > 1
      ? `<div class="sl-controls"><button type="button" class="sl-play" aria-label="play">▶ Play</button>` +
        `<input type="range" min="0" max="${opts.frames.length - 1}" step="1" value="${initial}" aria-label="${escapeHtml(opts.sliderLabel)}">` +
        `<span class="sl-current">${escapeHtml(opts.sliderLabel)}: ${escapeHtml(first.label)}</span></div>`
      : "";
  const data = {
    images: images.all(),
    frames: frames.map((f) => ({ label: f.label, caption: f.caption, tiles: f.tiles, notes: f.notes })),
  };
  return (
    `<div id="${id}" class="sigmoid-lab-tiles" data-frames="${opts.frames.length}">` +
    `<style>${css(id)}</style>` +
    `<div class="sl-title">${escapeHtml(opts.title)}</div>` +
    slider +
    `<div class="sl-caption">${escapeHtml(first.caption ?? "")}</div>` +
    (opts.points ? pointsDefs(pointsId, opts) : "") +
    `<div class="sl-panels">${panelsHtml}</div>` +
    legend(opts, colors, palette, shades) +
    `<script>${frameScript(id, data, opts.sliderLabel)}</script>` +
    `</div>`
  );
}

export interface ShowTilesOptions {
  takeaway?: string;
  sink?: OutputSink;
}

/** Render a tile grid into the current cell. */
export function showTiles(opts: TileGridOptions, show: ShowTilesOptions = {}): void {
  const html = tileGridHtml(opts) + (show.takeaway ? "\n" + takeawayHtml(show.takeaway) : "");
  const first = opts.frames[0];
  const tiles = first.panels.reduce((s, rows) => s + rows.reduce((t, r) => t + r.tiles.length, 0), 0);
  const text =
    `[tiles] ${opts.title} (${opts.panelTitles.length} panels, ${tiles} tiles, ${opts.frames.length} frames)` +
    (show.takeaway ? `\nTakeaway: ${show.takeaway}` : "");
  (show.sink ?? currentSink()).emit({ html, text });
}

// ------------------------------------------------------------ checks

function validate(o: TileGridOptions): void {
  requireText("tiles.title", o?.title);
  requireAxis("tiles.x", o.x);
  requireAxis("tiles.y", o.y);
  requireAxis("tiles.color", o.color);
  requireText("tiles.sliderLabel", o.sliderLabel);
  requireNonEmpty("tiles.frames", o.frames);
  requireNonEmpty("tiles.panelTitles", o.panelTitles);
  o.panelTitles.forEach((t, i) => requireText(`tiles.panelTitles[${i}]`, t));
  if (!(Number.isInteger(o.resolution) && o.resolution >= 2 && o.resolution <= 512)) {
    throw new ConfigError("tiles.resolution", o.resolution, "an integer in [2, 512]");
  }
  for (const k of ["x", "y"] as const) {
    const e = o.extent?.[k];
    if (!e || !(e[1] > e[0])) throw new ConfigError(`tiles.extent.${k}`, e, "[lo, hi] with lo < hi");
  }
  const shape = (f: TileFrame) =>
    f.panels.map((rows) => rows.map((r) => `${r.label}:${r.tiles.length}`).join(",")).join("|");
  const first = shape(o.frames[0]);
  const n = o.resolution * o.resolution;
  o.frames.forEach((f, i) => {
    requireText(`tiles.frames[${i}].label`, f.label);
    if (f.panels.length !== o.panelTitles.length) {
      throw new ConfigError(
        `tiles.frames[${i}].panels`,
        `${f.panels.length} panels`,
        `one per panel title (${o.panelTitles.length})`,
      );
    }
    if (shape(f) !== first)
      throw new ConfigError(`tiles.frames[${i}]`, shape(f), `the rows and tile counts of frame 0 (${first})`);
    f.panels.forEach((rows, p) =>
      rows.forEach((row, r) =>
        row.tiles.forEach((t, j) => {
          const where = `tiles.frames[${i}].panels[${p}][${r}].tiles[${j}]`;
          if (!t.values || t.values.length !== n)
            throw new ConfigError(`${where}.values`, t.values?.length, `resolution² = ${n} values`);
          if (t.classes && t.classes.length !== n)
            throw new ConfigError(`${where}.classes`, t.classes.length, `resolution² = ${n} classes`);
          if (!(Number.isFinite(t.range?.[0]) && Number.isFinite(t.range?.[1])))
            throw new ConfigError(`${where}.range`, t.range, "[lo, hi], finite");
        }),
      ),
    );
  });
  if (
    o.initialFrame !== undefined &&
    !(Number.isInteger(o.initialFrame) && o.initialFrame >= 0 && o.initialFrame < o.frames.length)
  ) {
    throw new ConfigError("tiles.initialFrame", o.initialFrame, `a frame index in 0..${o.frames.length - 1}`);
  }
  if (o.points) {
    if (o.points.x.length !== o.points.y.length || o.points.x.length !== o.points.classes.length) {
      throw new ConfigError(
        "tiles.points",
        `${o.points.x.length}/${o.points.y.length}/${o.points.classes.length}`,
        "x, y and classes of equal length",
      );
    }
  }
}

// ------------------------------------------------------------ colours and PNGs

type Rgb = [number, number, number];

function hexRgb(hex: string): Rgb {
  const m = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!m) throw new ConfigError("tiles.colors", hex, 'a colour "#rrggbb"');
  const n = parseInt(m[1], 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return [0, 1, 2].map((i) => Math.round(a[i] + (b[i] - a[i]) * t)) as Rgb;
}

const WHITE: Rgb = [255, 255, 255];
const MISSING: Rgb = [200, 200, 200];

/**
 * Palette: 0 = low, 1 = high, 2 = missing, then `shades` pale tints from the
 * low colour's through white to the high colour's (at most 40% strength, so
 * a saturated cell is never confused with an unsaturated one).
 */
export function tilePalette(colors: TileColors, shades: number): Rgb[] {
  if (!(Number.isInteger(shades) && shades >= 2 && shades <= 64))
    throw new ConfigError("tiles.shades", shades, "an integer in [2, 64]");
  const low = hexRgb(colors.low),
    high = hexRgb(colors.high);
  const out: Rgb[] = [low, high, MISSING];
  for (let s = 0; s < shades; s++) {
    const t = s / (shades - 1); // 0 … 1
    out.push(t < 0.5 ? mix(WHITE, low, 0.4 * (1 - 2 * t)) : mix(WHITE, high, 0.4 * (2 * t - 1)));
  }
  return out;
}

/** Palette index of each cell, image rows top (high y) first. */
export function tileIndices(tile: Tile, resolution: number, shades: number): Uint8Array {
  const out = new Uint8Array(resolution * resolution);
  const [lo, hi] = tile.range;
  const span = hi - lo;
  for (let r = 0; r < resolution; r++) {
    for (let c = 0; c < resolution; c++) {
      const k = r * resolution + c;
      const o = (resolution - 1 - r) * resolution + c;
      const cls = tile.classes ? tile.classes[k] : 0;
      const v = tile.values[k];
      if (cls < 0) out[o] = 0;
      else if (cls > 0) out[o] = 1;
      else if (!Number.isFinite(v)) out[o] = 2;
      else {
        const t = span > 0 ? (v - lo) / span : 0.5;
        out[o] = 3 + Math.min(shades - 1, Math.max(0, Math.floor(t * shades)));
      }
    }
  }
  return out;
}

function tilePng(tile: Tile, resolution: number, palette: Rgb[], shades: number): string {
  return encodePalettePng(resolution, resolution, tileIndices(tile, resolution, shades), palette).toString("base64");
}

/** A minimal 8-bit palette PNG (colour type 3, no interlace, filter 0 on every row). */
export function encodePalettePng(width: number, height: number, indices: Uint8Array, palette: Rgb[]): Buffer {
  const raw = Buffer.alloc(height * (width + 1));
  for (let r = 0; r < height; r++) {
    raw[r * (width + 1)] = 0;
    raw.set(indices.subarray(r * width, (r + 1) * width), r * (width + 1) + 1);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 3; // palette
  const plte = Buffer.from(palette.flat());
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("PLTE", plte),
    chunk("IDAT", deflateSync(raw, { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "ascii");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

let crcTable: Uint32Array | null = null;

export function crc32(buf: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = crcTable[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Base64 PNGs stored once each; frames refer to them by index. */
class ImageTable {
  private readonly index = new Map<string, number>();
  private readonly list: string[] = [];
  add(png: string): number {
    let k = this.index.get(png);
    if (k === undefined) {
      k = this.list.length;
      this.list.push(png);
      this.index.set(png, k);
    }
    return k;
  }
  get(k: number): string {
    return this.list[k];
  }
  all(): string[] {
    return this.list;
  }
}

// ------------------------------------------------------------ HTML pieces

function tileSvg(png: string, index: number, label: string | undefined, pointsId: string | null): string {
  const title = label ? `<title>${escapeHtml(label)}</title>` : "";
  const use = pointsId ? `<use href="#${pointsId}"/>` : "";
  return (
    `<svg class="sl-tile" viewBox="0 0 ${VIEW} ${VIEW}" preserveAspectRatio="none" role="img"${label ? ` aria-label="${escapeHtml(label)}"` : ""}>` +
    title +
    `<image data-t="${index}" href="data:image/png;base64,${png}" x="0" y="0" width="${VIEW}" height="${VIEW}" preserveAspectRatio="none"/>` +
    use +
    `</svg>`
  );
}

/** The points once, as an SVG group every tile re-uses. */
function pointsDefs(id: string, o: TileGridOptions): string {
  const p = o.points!;
  const [x0, x1] = o.extent.x,
    [y0, y1] = o.extent.y;
  const dots = ["", ""];
  const parts: string[][] = [[], []];
  for (let i = 0; i < p.x.length; i++) {
    const px = (VIEW * (p.x[i] - x0)) / (x1 - x0);
    const py = VIEW * (1 - (p.y[i] - y0) / (y1 - y0));
    if (!(px >= 0 && px <= VIEW && py >= 0 && py <= VIEW)) continue;
    parts[p.classes[i] ? 1 : 0].push(`M${px.toFixed(1)} ${py.toFixed(1)}h0`);
  }
  dots[0] = `<path d="${parts[0].join("")}" stroke="#111" stroke-width="2.4" stroke-linecap="round" fill="none" opacity="0.85"/>`;
  dots[1] =
    `<path d="${parts[1].join("")}" stroke="#111" stroke-width="2.8" stroke-linecap="round" fill="none" opacity="0.85"/>` +
    `<path d="${parts[1].join("")}" stroke="#fff" stroke-width="1.4" stroke-linecap="round" fill="none"/>`;
  return `<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs><g id="${id}">${dots.join("")}</g></defs></svg>`;
}

function legend(o: TileGridOptions, colors: TileColors, palette: Rgb[], shades: number): string {
  const swatch = (rgb: Rgb) => `<span class="sl-sw" style="background:rgb(${rgb.join(",")})"></span>`;
  const ramp = palette
    .slice(3, 3 + shades)
    .map(swatch)
    .join("");
  const pts = o.points
    ? ` · <span class="sl-dot"></span> class 0 <span class="sl-dot sl-hollow"></span> class 1 (training points)`
    : "";
  const [x0, x1] = o.extent.x,
    [y0, y1] = o.extent.y;
  return (
    `<div class="sl-legend"><div><b>${escapeHtml(o.color.label)}</b>, ${escapeHtml(o.color.unit)}: ${swatch(palette[0])} ${escapeHtml(colors.lowLabel)} · ` +
    `${ramp} ${escapeHtml(colors.betweenLabel)} · ${swatch(palette[1])} ${escapeHtml(colors.highLabel)}${pts}</div>` +
    `<div><b>Each tile:</b> horizontal ${escapeHtml(axisTitle(o.x))} from ${num(x0)} to ${num(x1)}, vertical ${escapeHtml(axisTitle(o.y))} from ${num(y0)} (bottom) to ${num(y1)} (top).</div></div>`
  );
}

/** A coordinate with a real minus sign. */
function num(x: number): string {
  return String(x).replace("-", "−");
}

/** Text keeps the page's colour and rules are translucent: readable in light and dark themes. */
function css(id: string): string {
  const s = `#${id}`;
  return (
    `${s}{font:13px/1.35 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0.6em 0}` +
    `${s} .sl-title{font-size:15px;font-weight:600;margin-bottom:0.3em}` +
    `${s} .sl-controls{display:flex;align-items:center;gap:0.6em;margin:0.2em 0}` +
    `${s} .sl-controls input{flex:1 1 auto;max-width:420px}` +
    `${s} .sl-play{font:inherit;padding:0.1em 0.6em;cursor:pointer;color:#1d1f23;background:#f1f3f5;border:1px solid #8a8f96;border-radius:4px}` +
    `${s} .sl-current{font-weight:600;min-width:7em}` +
    `${s} .sl-caption{margin:0.2em 0 0.4em;min-height:1.3em}` +
    `${s} .sl-panels{display:flex;flex-wrap:wrap;gap:14px}` +
    `${s} .sl-panel{min-width:0}` +
    `${s} .sl-panelhead{font-weight:600;margin-bottom:0.2em;border-bottom:1px solid ${LINE};min-height:2.7em;display:flex;align-items:flex-end}` +
    `${s} .sl-row{display:flex;align-items:center;gap:4px;margin:2px 0}` +
    `${s} .sl-rowhead{flex:0 0 58px;font-size:11px;line-height:1.2}` +
    `${s} .sl-note{opacity:0.75}` +
    `${s} .sl-tilerow{flex:1 1 auto;display:grid;gap:2px}` +
    `${s} .sl-tile{display:block;width:100%;height:auto;aspect-ratio:1;border:1px solid ${STRONG_LINE};image-rendering:pixelated}` +
    `${s} .sl-legend{font-size:12px;margin-top:0.5em}` +
    `${s} .sl-sw{display:inline-block;width:11px;height:11px;vertical-align:-1px;border:1px solid #999}` +
    `${s} .sl-sw+.sl-sw{border-left:0}` +
    // The legend's point marks look like the points on a tile: dark, with a white halo so a dark page shows them.
    `${s} .sl-dot{display:inline-block;width:7px;height:7px;border-radius:50%;background:#111;vertical-align:0;box-shadow:0 0 0 1.5px #fff}` +
    `${s} .sl-hollow{background:#fff;border:1.5px solid #111;width:5px;height:5px}`
  );
}

function frameScript(id: string, data: unknown, sliderLabel: string): string {
  return (
    "(function () {\n" +
    `  var root = document.getElementById(${JSON.stringify(id)});\n` +
    "  if (!root) return;\n" +
    `  var data = ${jsonForScript(data)}, label = ${jsonForScript(sliderLabel)};\n` +
    '  var input = root.querySelector("input[type=range]");\n' +
    "  if (!input) return;\n" +
    '  var images = root.querySelectorAll("image[data-t]"), notes = root.querySelectorAll("[data-n]");\n' +
    '  var current = root.querySelector(".sl-current"), caption = root.querySelector(".sl-caption"), play = root.querySelector(".sl-play");\n' +
    "  function show(k) {\n" +
    "    var f = data.frames[k];\n" +
    '    for (var i = 0; i < images.length; i++) images[i].setAttribute("href", "data:image/png;base64," + data.images[f.tiles[+images[i].getAttribute("data-t")]]);\n' +
    '    for (var j = 0; j < notes.length; j++) notes[j].textContent = f.notes[+notes[j].getAttribute("data-n")];\n' +
    '    current.textContent = label + ": " + f.label;\n' +
    "    caption.textContent = f.caption;\n" +
    "  }\n" +
    '  input.addEventListener("input", function () { show(+input.value); });\n' +
    "  var timer = null;\n" +
    '  function stop() { if (timer) { clearInterval(timer); timer = null; } play.textContent = "▶ Play"; }\n' +
    '  play.addEventListener("click", function () {\n' +
    "    if (timer) return stop();\n" +
    "    if (+input.value >= data.frames.length - 1) { input.value = 0; show(0); }\n" +
    '    play.textContent = "❚❚ Pause";\n' +
    "    timer = setInterval(function () {\n" +
    "      var k = +input.value + 1;\n" +
    "      if (k >= data.frames.length) return stop();\n" +
    "      input.value = k; show(k);\n" +
    "    }, 700);\n" +
    "  });\n" +
    "})();"
  );
}
