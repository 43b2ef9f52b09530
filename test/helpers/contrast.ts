/**
 * Text contrast as a reader sees it, measured in a real browser.
 *
 * A "text element" is any rendered element (HTML or SVG) with a non-blank
 * text node of its own. Its colour is its computed `color` (SVG: `fill`),
 * with alpha, times the opacity of it and every ancestor; its background is
 * every ancestor's background colour composited from the page down (for SVG
 * text also the filled <rect>s behind it, e.g. plotly's paper, legend and
 * buttons). The ratio is WCAG 2's (L1 + 0.05) / (L2 + 0.05).
 *
 * Also: pages that hold notebook outputs the way an editor shows them, on a
 * light page (#fff, text rgba(0,0,0,0.87), as JupyterLab's light theme) and
 * a dark one (#1e1e1e, text #ccc, as VS Code's Dark+ and JupyterLab's dark
 * theme), with no theme variables, so only the outputs' own colours count.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { Browser, Page } from "playwright-core";
import { escapeHtml } from "../../lib/display/html";

export type Mode = "light" | "dark";

export const PAGE_COLORS: Record<Mode, { background: string; color: string }> = {
  light: { background: "#ffffff", color: "rgba(0,0,0,0.87)" },
  dark: { background: "#1e1e1e", color: "#cccccc" },
};

export const MIN_RATIO = 4.5;

export interface LowContrast {
  text: string;
  ratio: number;
  color: string;
  background: string;
  where: string;
}

export interface ContrastReport {
  /** Rendered text elements checked. */
  total: number;
  /** Those below MIN_RATIO, worst first. */
  low: LowContrast[];
  /** Of those, how many are below 3:1. */
  below3: number;
}

/** One output of an nbformat notebook, as the HTML an editor would render. */
export function outputHtml(output: Record<string, unknown>): string {
  const join = (t: unknown) => (Array.isArray(t) ? t.join("") : String(t ?? ""));
  const pre = (t: string) => `<pre>${escapeHtml(t.replace(/\x1b\[[0-9;]*m/g, ""))}</pre>`;
  switch (output.output_type) {
    case "stream":
      return pre(join(output.text));
    case "error":
      return pre(join(output.traceback) || `${output.ename}: ${output.evalue}`);
    default: {
      const data = (output.data ?? {}) as Record<string, unknown>;
      if (data["text/html"] !== undefined) return join(data["text/html"]);
      if (data["text/plain"] !== undefined) return pre(join(data["text/plain"]));
      return "";
    }
  }
}

/** Every output of a notebook file, in order. */
export function notebookOutputs(file: string): string[] {
  const nb = JSON.parse(fs.readFileSync(file, "utf8")) as {
    cells: { cell_type: string; outputs?: Record<string, unknown>[] }[];
  };
  return nb.cells.flatMap((c) => (c.cell_type === "code" ? (c.outputs ?? []).map(outputHtml) : []));
}

/** A page holding `outputs` one after another, on the light or dark editor page. */
export function outputsPage(outputs: string[], mode: Mode): string {
  const { background, color } = PAGE_COLORS[mode];
  const body = outputs
    .map((html) => `<div class="output" style="margin:0.8em 0;overflow-x:auto">${html}</div>`)
    .join("\n");
  return (
    `<!doctype html><html><head><meta charset="utf-8"><title>outputs (${mode})</title></head>` +
    `<body style="margin:16px;max-width:1100px;background:${background};color:${color};font:14px/1.45 system-ui,sans-serif">${body}</body></html>`
  );
}

/** Wait until every figure of the page has its SVG; returns [figures, drawn]. */
export async function figuresDrawn(page: Page, timeoutMs = 60_000): Promise<[number, number]> {
  await page.waitForFunction(
    () =>
      Array.from(document.querySelectorAll('[data-sigmoid-lab="figure"]')).every((d) => d.querySelector(".main-svg")),
    undefined,
    { timeout: timeoutMs },
  );
  return page.evaluate(() => {
    const divs = Array.from(document.querySelectorAll('[data-sigmoid-lab="figure"]'));
    return [divs.length, divs.filter((d) => d.querySelector(".main-svg")).length] as [number, number];
  });
}

/** Measure every rendered text element of the page. */
export async function measureContrast(page: Page, minRatio = MIN_RATIO): Promise<ContrastReport> {
  // A string, not a function: tsx would add helpers (__name) that do not exist in the page.
  return page.evaluate(`(${MEASURE_JS})(${Number(minRatio)})`) as Promise<ContrastReport>;
}

const MEASURE_JS = String.raw`function (min) {
  function parse(s) {
    if (!s || s === "none" || s === "transparent") return null;
    var h = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(s);
    if (h) { var x = h[1].length === 3 ? h[1].replace(/./g, "$&$&") : h[1]; return [parseInt(x.slice(0, 2), 16), parseInt(x.slice(2, 4), 16), parseInt(x.slice(4, 6), 16), 1]; }
    var m = /rgba?\(([^)]*)\)/.exec(s);
    if (m) { var p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; }
    m = /color\(srgb ([^)]*)\)/.exec(s);
    if (m) { var q = m[1].split(/[\s\/]+/).filter(Boolean).map(Number); return [q[0] * 255, q[1] * 255, q[2] * 255, q.length > 3 ? q[3] : 1]; }
    return null;
  }
  function over(top, bottom) {
    var a = top[3];
    return [top[0] * a + bottom[0] * (1 - a), top[1] * a + bottom[1] * (1 - a), top[2] * a + bottom[2] * (1 - a), 1];
  }
  function lum(c) {
    function f(v) { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  }
  function ratio(a, b) { var x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); }
  function show(c) { return "rgb(" + c.slice(0, 3).map(Math.round).join(",") + ")"; }
  // Backgrounds from the page down to el, composited (SVG shapes other than <svg> have none).
  function htmlBackground(el) {
    var chain = [];
    for (var n = el; n; n = n.parentElement) chain.push(n);
    var bg = [255, 255, 255, 1];
    chain.reverse().forEach(function (n) {
      if (n instanceof SVGElement && !(n instanceof SVGSVGElement)) return;
      var b = parse(getComputedStyle(n).backgroundColor);
      if (b && b[3] > 0) bg = over(b, bg);
    });
    return bg;
  }
  // Behind SVG text: plotly's paper colour, then filled <rect>s (legend, buttons) of its ancestor groups under its centre.
  function svgBackground(el, base) {
    var box = el.getBoundingClientRect(), cx = box.left + box.width / 2, cy = box.top + box.height / 2;
    var groups = [];
    for (var n = el.parentElement; n && !(n instanceof HTMLElement); n = n.parentElement) groups.push(n);
    var bg = base, plot = el.closest(".js-plotly-plot");
    var paper = plot && plot._fullLayout && plot._fullLayout.paper_bgcolor ? parse(plot._fullLayout.paper_bgcolor) : null;
    if (paper) bg = over(paper, bg);
    groups.reverse().forEach(function (g) {
      Array.prototype.forEach.call(g.children, function (r) {
        if (r.tagName !== "rect") return;
        var b = r.getBoundingClientRect();
        if (!(cx >= b.left && cx <= b.right && cy >= b.top && cy <= b.bottom)) return;
        var cs = getComputedStyle(r), fill = parse(cs.fill);
        if (!fill) return;
        fill[3] *= Number(cs.fillOpacity || 1) * Number(cs.opacity || 1);
        if (fill[3] > 0) bg = over(fill, bg);
      });
    });
    return bg;
  }
  function opacityChain(el) {
    var o = 1;
    for (var n = el; n; n = n.parentElement) o *= Number(getComputedStyle(n).opacity || 1);
    return o;
  }
  var skip = { SCRIPT: 1, STYLE: 1, TITLE: 1, NOSCRIPT: 1, OPTION: 1, title: 1, style: 1, script: 1 };
  var low = [], total = 0;
  Array.prototype.forEach.call(document.body.querySelectorAll("*"), function (el) {
    if (skip[el.tagName]) return;
    var own = Array.prototype.filter.call(el.childNodes, function (n) { return n.nodeType === 3 && (n.textContent || "").trim() !== ""; });
    if (own.length === 0) return;
    var cs = getComputedStyle(el);
    if (cs.visibility === "hidden" || cs.display === "none") return;
    var rect = el.getBoundingClientRect();
    if (rect.width === 0 && rect.height === 0) return;
    var alpha = opacityChain(el);
    if (alpha === 0) return;
    var isSvg = el instanceof SVGElement;
    var fg = parse(isSvg ? cs.fill : cs.color);
    if (!fg) return;
    fg[3] *= alpha * (isSvg ? Number(cs.fillOpacity || 1) : 1);
    var owner = isSvg ? ((el.closest("svg") || {}).parentElement || document.body) : el;
    var bg = htmlBackground(owner);
    if (isSvg) bg = svgBackground(el, bg);
    var seen = over(fg, bg), r = ratio(seen, bg);
    total++;
    if (r < min) {
      var host = el.closest("[id],[class]");
      low.push({
        text: own.map(function (n) { return n.textContent; }).join(" ").trim().slice(0, 60),
        ratio: Math.round(r * 100) / 100,
        color: show(seen),
        background: show(bg),
        where: host ? host.tagName.toLowerCase() + (host.id ? "#" + host.id : "") + "." + String(host.getAttribute("class") || "").split(" ")[0] : el.tagName,
      });
    }
  });
  low.sort(function (a, b) { return a.ratio - b.ratio; });
  return { total: total, low: low, below3: low.filter(function (l) { return l.ratio < 3; }).length };
}`;

/** "12 of 300 below 4.5:1 (3 below 3:1): "loss" 1.5:1 rgb(…) on rgb(…) in div.x; …" */
export function describe(report: ContrastReport, limit = 8): string {
  const worst = report.low
    .slice(0, limit)
    .map((l) => `"${l.text}" ${l.ratio}:1 ${l.color} on ${l.background} in ${l.where}`);
  return `${report.low.length} of ${report.total} text elements below ${MIN_RATIO}:1 (${report.below3} below 3:1)${worst.length ? ": " + worst.join("; ") : ""}`;
}

/**
 * Render every output of each notebook file on the light and the dark page;
 * returns what is wrong (figures not drawn, page errors, text below 4.5:1),
 * one line per notebook and theme, and logs a summary line for each.
 */
export async function executedNotebookProblems(
  browser: Browser,
  files: string[],
  log: (line: string) => void = () => {},
): Promise<string[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sigmoid-lab-contrast-"));
  const failures: string[] = [];
  try {
    for (const file of files) {
      const nb = path.basename(file);
      const outputs = notebookOutputs(file);
      for (const mode of ["light", "dark"] as Mode[]) {
        const html = path.join(dir, `${nb}-${mode}.html`);
        fs.writeFileSync(html, outputsPage(outputs, mode));
        const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
        const errors: string[] = [];
        page.on("console", (m) => {
          if (m.type() === "error") errors.push(`console error: ${m.text()}`);
        });
        page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
        await page.goto(pathToFileURL(html).href, { waitUntil: "load" });
        const figures = await figuresDrawn(page).catch(() => [NaN, NaN] as [number, number]);
        const report = await measureContrast(page);
        log(`${nb} ${mode}: ${figures[1]}/${figures[0]} figures drawn; ${describe(report, 3)}`);
        if (!(figures[1] === figures[0])) failures.push(`${nb} ${mode}: ${figures[1]} of ${figures[0]} figures drawn`);
        if (errors.length > 0) failures.push(`${nb} ${mode}: ${errors.join("; ")}`);
        if (report.low.length > 0) failures.push(`${nb} ${mode}: ${describe(report)}`);
        await page.close();
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return failures;
}
