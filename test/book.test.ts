import { after, before, describe, test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { Browser, Page } from "playwright-core";
import { BuildResult, buildBook, listNotebooks } from "../lib/book/build";
import { CORE_PATH, CORE_PATH_MINUTES, corePathCell } from "../lib/book/core-path";
import { firstHeading, newMarkdownEnv, renderMarkdown } from "../lib/book/markdown";
import { readBookNotebook } from "../lib/book/notebook";
import { planRuns, staleness } from "../lib/book/plan";
import { main } from "../lib/book/main";
import { renderNotebook } from "../lib/book/render";
import { removePlotlyLoader } from "../lib/book/outputs";
import { PLOTLY_LOADER_ATTRIBUTE } from "../lib/display/markers";
import * as plot from "../lib/display/plot";
import { memorySink } from "../lib/display/output";
import { forgetPlotlyInjection } from "../lib/display/plotly-loader";
import { HOW_TO_GET_CHROMIUM, launchChromium } from "./helpers/browser";
import { describe as describeContrast, measureContrast } from "./helpers/contrast";

const FIXTURES = path.join(__dirname, "fixtures", "book");
const PLOTLY_HEAD_TAG = '<script src="assets/plotly.min.js"></script>';

function tempDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `sigmoid-lab-${label}-`));
}

const read = (file: string) => fs.readFileSync(file, "utf8");

// ---------------------------------------------------------------- rendering

test("markdown: $, $$, \\( \\) and \\[ \\] become KaTeX; prices and \\$ stay text", () => {
  const html = renderMarkdown(
    "Inline $x^2$ and \\(y_1\\); costs $5 and $6; a literal \\$.\n\n$$\n\\sum_i a_i\n$$\n\n\\[ b \\]\n\nSpaced $ x $ is text.",
    newMarkdownEnv(),
  );
  assert.equal((html.match(/class="katex"/g) ?? []).length, 4);
  assert.equal((html.match(/class="katex-display"/g) ?? []).length, 2);
  assert.ok(html.includes("costs $5 and $6; a literal $."));
  assert.ok(html.includes("Spaced $ x $ is text."));
  assert.ok(!html.includes("katex-error"));
});

test("markdown: heading ids are unique, links to notebooks go to their pages", () => {
  const env = newMarkdownEnv();
  const html = renderMarkdown(
    "# Title\n\n## Part\n\n## Part\n\nSee [next](02-next.ipynb#part) and [web](https://example.org/a.ipynb).",
    env,
  );
  assert.deepEqual(
    env.headings.map((h) => h.id),
    ["title", "part", "part-2"],
  );
  assert.ok(html.includes('href="02-next.html#part"'));
  assert.ok(html.includes('href="https://example.org/a.ipynb"'));
  assert.equal(
    firstHeading("Intro text\n\n```\n# a comment in code\n```\n\n## The *real* heading"),
    "The real heading",
  );
});

test("render: tags, streams, errors without ANSI, images, and the loader replaced", () => {
  const nb = readBookNotebook(path.join(FIXTURES, "01-basics.ipynb"));
  const page = renderNotebook(nb, "fallback");
  assert.equal(page.title, "Basics: outputs of every kind");
  assert.equal(page.needsPlotly, true);
  assert.ok(!page.body.includes(PLOTLY_LOADER_ATTRIBUTE), "the inline loader is gone");
  assert.ok(page.body.includes('<span class="tag">parameters</span>'));
  assert.ok(page.body.includes('<span class="tag">injected parameters</span>'));
  assert.match(
    page.body,
    /<details class="solution"><summary>Show solution<\/summary><section class="cell code-cell"[^>]*><details class="source" open>/,
  );
  assert.ok(page.body.includes("only the output of this cell is shown"));
  assert.ok(!page.body.includes("// hidden input"), "remove-input hides the code");
  assert.ok(page.body.includes('<pre class="output stream stdout">hello from stdout'));
  assert.ok(page.body.includes('<pre class="output stream stderr">a warning on stderr'));
  assert.ok(page.body.includes('<pre class="output text">2</pre>'));
  assert.ok(page.body.includes("<strong>Error</strong>: boom"));
  assert.ok(!page.body.includes("\u001b"), "ANSI escapes are stripped");
  assert.ok(page.body.includes('src="data:image/png;base64,iVBORw0KGgo'));
  assert.ok(page.body.includes('src="data:image/svg+xml;base64,'));
  assert.ok(page.body.includes("&lt;script&gt;alert(1)&lt;/script&gt;"), "table cells stay escaped");
  assert.ok(page.body.includes('<span class="hljs-keyword">const</span>'), "code is highlighted");
});

test("removePlotlyLoader cuts every marked script and keeps the rest", () => {
  const html = `<p>a</p><script ${PLOTLY_LOADER_ATTRIBUTE}>big()</script><p>b</p><script>keep()</script>`;
  assert.deepEqual(removePlotlyLoader(html), { rest: "<p>a</p><p>b</p><script>keep()</script>", hadLoader: true });
  assert.deepEqual(removePlotlyLoader("<p>x</p>"), { rest: "<p>x</p>", hadLoader: false });
});

// ---------------------------------------------------------------- building

test("build: pages in file order, plotly once in the head of figure pages only, assets copied", () => {
  const out = tempDir("book");
  const result = buildBook({ notebooksDir: FIXTURES, outDir: out });
  assert.deepEqual(
    result.chapters.map((c) => [c.page, c.title, c.elapsedSeconds]),
    [
      ["01-basics.html", "Basics: outputs of every kind", 12.5],
      ["02-figures.html", "Figures over training time", 3.25],
    ],
  );
  for (const c of result.chapters) {
    const html = read(path.join(out, c.page));
    assert.equal(html.split(PLOTLY_HEAD_TAG).length - 1, 1, `${c.page}: one plotly script`);
    assert.ok(html.indexOf(PLOTLY_HEAD_TAG) < html.indexOf("</head>"));
    assert.ok(!html.includes(PLOTLY_LOADER_ATTRIBUTE));
    assert.ok(!/(src|href)="(https?:)?\/\//.test(html), `${c.page}: no absolute URL is loaded`);
  }
  const index = read(result.index);
  assert.ok(!index.includes(PLOTLY_HEAD_TAG), "the index has no figure");
  assert.ok(index.includes("gradient descent passed over"));
  assert.ok(index.includes("13 s") && index.includes("3.3 s"), "wall times from metadata");
  for (const asset of [
    "plotly.min.js",
    "katex/katex.min.css",
    "katex/fonts/KaTeX_Main-Regular.woff2",
    "highlight.css",
    "site.css",
  ]) {
    assert.ok(fs.statSync(path.join(out, "assets", asset)).size > 0, asset);
  }
  fs.rmSync(out, { recursive: true });
});

/** The fixtures, with the first figure cell of 02 and a markdown output tagged for the index page. */
function fixturesWithIndexHighlights(): string {
  const dir = tempDir("highlights");
  fs.copyFileSync(path.join(FIXTURES, "01-basics.ipynb"), path.join(dir, "01-basics.ipynb"));
  const nb = JSON.parse(read(path.join(FIXTURES, "02-figures.ipynb")));
  nb.cells[1].metadata.tags = ["book-index"];
  nb.cells.splice(1, 0, {
    cell_type: "code",
    id: "answer",
    execution_count: 1,
    metadata: { tags: ["book-index"] },
    source: ["tslab.display.markdown(answer)"],
    outputs: [
      {
        output_type: "display_data",
        metadata: {},
        data: { "text/markdown": "**Partly.** Layer $l$ is saturated; see [the basics](01-basics.ipynb#a-heading)." },
      },
    ],
  });
  fs.writeFileSync(path.join(dir, "02-figures.ipynb"), JSON.stringify(nb));
  return dir;
}

test("build: outputs of cells tagged book-index open the index page, with plotly only then", () => {
  const src = fixturesWithIndexHighlights();
  const out = tempDir("book");
  const result = buildBook({ notebooksDir: src, outDir: out });
  const index = read(result.index);
  const answerAt = index.indexOf("The short answer"),
    chaptersAt = index.indexOf('id="chapters"');
  assert.ok(answerAt > 0 && answerAt < chaptersAt, "the short answer comes before the table of contents");
  const highlights = index.slice(answerAt, chaptersAt);
  assert.ok(highlights.includes("<strong>Partly.</strong>"), "markdown output rendered");
  assert.ok(highlights.includes('href="01-basics.html#a-heading"'), "notebook links go to pages");
  assert.ok(highlights.includes('class="katex"'), "math rendered");
  assert.equal((highlights.match(/data-sigmoid-lab="figure"/g) ?? []).length, 1, "exactly the tagged figure");
  assert.ok(highlights.includes('href="02-figures.html"'), "a link to the chapter with the evidence");
  assert.ok(!highlights.includes("plot.show(overTime)"), "no code on the index");
  assert.equal(index.split(PLOTLY_HEAD_TAG).length - 1, 1, "plotly loaded once, because the index now has a figure");
  // The chapter itself is unchanged: the tagged cells still render there, with their code.
  assert.ok(read(path.join(out, "02-figures.html")).includes("plot.show(overTime)"));
  fs.rmSync(out, { recursive: true });
  fs.rmSync(src, { recursive: true });
});

test("build: the teacher's guide becomes a page of the book, linked from the index", () => {
  const out = tempDir("book");
  const guide = path.join(out, "..", `guide-${path.basename(out)}.md`);
  fs.writeFileSync(
    guide,
    "# Teacher's guide\n\n## Run order\n\nRun `01` first; saturation is $h < \\varepsilon$.\n\n| notebook | default |\n| --- | --- |\n| 01 | 3 min |\n",
  );
  const result = buildBook({ notebooksDir: FIXTURES, outDir: out, guide });
  const page = read(path.join(out, "guide.html"));
  assert.ok(
    page.includes("<title>Teacher&#39;s guide · sigmoid-lab</title>") ||
      page.includes("<title>Teacher's guide · sigmoid-lab</title>"),
    "its own title",
  );
  assert.ok(
    page.includes('id="run-order"') && page.includes("<table") && page.includes('class="katex"'),
    "headings, tables and math rendered",
  );
  assert.ok(read(result.index).includes('href="guide.html"'), "the index links to it");
  // Without a guide file there is no page and no link.
  const out2 = tempDir("book");
  const r2 = buildBook({ notebooksDir: FIXTURES, outDir: out2, guide: path.join(out2, "missing.md") });
  assert.ok(!fs.existsSync(path.join(out2, "guide.html")) && !read(r2.index).includes("guide.html"));
  for (const d of [out, out2]) fs.rmSync(d, { recursive: true });
  fs.rmSync(guide);
});

test("the 60-minute path: the index marks it per chapter, and the teacher's guide gives the same path", () => {
  const out = tempDir("book"),
    src = tempDir("book-src");
  // Chapters named like the book's: one on the path whole, one by sections, one optional.
  for (const n of ["01-train", "02-activations", "05-fixes"])
    fs.copyFileSync(path.join(FIXTURES, "01-basics.ipynb"), path.join(src, `${n}.ipynb`));
  const index = read(buildBook({ notebooksDir: src, outDir: out }).index);
  assert.ok(index.includes(`${CORE_PATH_MINUTES}-minute path</th>`), "a column for the path");
  assert.deepEqual(
    [...index.matchAll(/<td class="core">([^<]*)<\/td>/g)].map((m) => m[1]),
    ["10 min", "§1–3 · 15 min", ""],
  );
  assert.deepEqual(["01-train", "02-activations", "05-fixes"].map(corePathCell), ["10 min", "§1–3 · 15 min", ""]);
  for (const d of [out, src]) fs.rmSync(d, { recursive: true });
  // The guide's table (minutes | notebook | what to show) lists the same notebooks, sections and minutes, in order.
  const guide = read(path.join(__dirname, "..", "notebooks", "README.md"));
  const section = guide.slice(
    guide.indexOf("## A 60-minute core path"),
    guide.indexOf("\n## ", guide.indexOf("## A 60-minute core path") + 5),
  );
  const rows = [...section.matchAll(/^\| (\d+) \| `([0-9a-z-]+)`( §[^|]+)? \|/gm)].map((m) => ({
    minutes: Number(m[1]),
    notebook: m[2],
    sections: m[3] ? m[3].trim() : "all",
  }));
  assert.deepEqual(
    rows,
    CORE_PATH.map((s) => ({ ...s })),
  );
  assert.equal(CORE_PATH_MINUTES, 60);
  for (const s of CORE_PATH)
    assert.ok(
      fs.existsSync(path.join(__dirname, "..", "notebooks", `${s.notebook}.ipynb`)),
      `${s.notebook} is a chapter`,
    );
});

test("build: no notebooks gives an index that says so", () => {
  const out = tempDir("empty");
  const result = buildBook({ notebooksDir: path.join(out, "none"), outDir: out, sourcesDir: path.join(out, "none") });
  assert.deepEqual(result.chapters, []);
  assert.ok(read(result.index).includes("No notebooks yet"));
  fs.rmSync(out, { recursive: true });
});

test("build with sources: unexecuted and stale chapters are flagged, pages of removed notebooks go", () => {
  const dir = tempDir("sources");
  const [sources, executed, out] = ["src", "exec", "book"].map((d) => path.join(dir, d));
  fs.mkdirSync(sources);
  fs.mkdirSync(executed);
  // The source differs from its executed copy (as a source without outputs would).
  fs.writeFileSync(
    path.join(sources, "01-basics.ipynb"),
    read(path.join(FIXTURES, "01-basics.ipynb")).replace('"nbformat_minor"', '"x_source": true, "nbformat_minor"'),
  );
  fs.copyFileSync(path.join(FIXTURES, "01-basics.ipynb"), path.join(executed, "01-basics.ipynb"));
  fs.copyFileSync(path.join(FIXTURES, "02-figures.ipynb"), path.join(sources, "10-later.ipynb"));
  fs.copyFileSync(path.join(FIXTURES, "02-figures.ipynb"), path.join(sources, "2-early.ipynb"));
  fs.copyFileSync(path.join(FIXTURES, "02-figures.ipynb"), path.join(executed, "2-early.ipynb"));
  fs.writeFileSync(path.join(sources, "30-broken.ipynb"), "{ not json");
  const old = new Date(Date.now() - 60_000);
  fs.utimesSync(path.join(executed, "2-early.ipynb"), old, old);
  fs.mkdirSync(out);
  fs.writeFileSync(path.join(out, "99-removed.html"), "old");

  const result = buildBook({ notebooksDir: executed, outDir: out, sourcesDir: sources });
  assert.deepEqual(
    result.chapters.map((c) => [c.name, c.state]),
    [
      ["01-basics", "executed"],
      ["2-early", "stale"],
      ["10-later", "unexecuted"],
      ["30-broken", "unreadable"],
    ],
  );
  assert.match(read(path.join(out, "30-broken.html")), /This notebook could not be read: .*30-broken\.ipynb/);
  assert.ok(read(path.join(out, "2-early.html")).includes('class="banner stale"'));
  assert.ok(read(path.join(out, "10-later.html")).includes('class="banner unexecuted"'));
  assert.ok(!fs.existsSync(path.join(out, "99-removed.html")));
  // Each chapter offers its executed notebook for download; one never executed offers its source.
  assert.equal(read(path.join(out, "download", "01-basics.ipynb")), read(path.join(executed, "01-basics.ipynb")));
  assert.match(
    read(path.join(out, "01-basics.html")),
    /<a href="download\/01-basics\.ipynb" download>Download the notebook<\/a> \(executed, with its outputs\)/,
  );
  assert.equal(read(path.join(out, "download", "10-later.ipynb")), read(path.join(sources, "10-later.ipynb")));
  assert.doesNotMatch(read(path.join(out, "10-later.html")), /executed, with its outputs/);
  fs.rmSync(dir, { recursive: true });
});

test("plan: --render-only executes only missing, changed or failed notebooks; --only selects", () => {
  const dir = tempDir("plan");
  const [sources, executed] = ["src", "exec"].map((d) => path.join(dir, d));
  fs.mkdirSync(sources);
  fs.mkdirSync(executed);
  const nb = (status: string) =>
    JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: { sigmoid_lab: { run: { status } } }, cells: [] });
  for (const name of ["01-fresh", "02-changed", "03-missing", "04-failed"])
    fs.writeFileSync(path.join(sources, `${name}.ipynb`), nb("ok"));
  const past = new Date(Date.now() - 120_000);
  const pastest = new Date(Date.now() - 240_000);
  for (const name of ["01-fresh", "02-changed", "04-failed"]) {
    fs.writeFileSync(path.join(executed, `${name}.ipynb`), nb(name === "04-failed" ? "failed" : "ok"));
    fs.utimesSync(path.join(sources, `${name}.ipynb`), pastest, pastest);
  }
  fs.utimesSync(path.join(sources, "02-changed.ipynb"), new Date(), new Date());
  fs.utimesSync(path.join(executed, "02-changed.ipynb"), past, past);

  const plan = planRuns({ renderOnly: true, only: [], sourcesDir: sources, executedDir: executed });
  assert.deepEqual(
    plan.map((p) => [p.name, p.execute]),
    [
      ["01-fresh", false],
      ["02-changed", true],
      ["03-missing", true],
      ["04-failed", true],
    ],
  );
  assert.equal(
    staleness(path.join(sources, "02-changed.ipynb"), path.join(executed, "02-changed.ipynb")),
    "source changed since it was executed",
  );
  assert.deepEqual(
    planRuns({ renderOnly: false, only: [], sourcesDir: sources, executedDir: executed }).map((p) => p.execute),
    [true, true, true, true],
  );
  assert.deepEqual(
    planRuns({ renderOnly: false, only: ["01", "03"], sourcesDir: sources, executedDir: executed }).map(
      (p) => p.execute,
    ),
    [true, false, true, false],
  );
  assert.throws(
    () => planRuns({ renderOnly: false, only: ["07"], sourcesDir: sources, executedDir: executed }),
    /--only 07: no notebook/,
  );
  assert.deepEqual(listNotebooks(path.join(dir, "missing")), []);
  fs.rmSync(dir, { recursive: true });
});

// ---------------------------------------------------------------- in a real browser

describe("the book in a real browser", () => {
  let browser: Browser | undefined;
  let book: BuildResult;
  let bookDir: string;

  before(async () => {
    bookDir = tempDir("browser");
    book = buildBook({ notebooksDir: FIXTURES, outDir: bookDir });
    browser = (await launchChromium()) ?? undefined; // without one, each test fails with the reason
  });

  after(async () => {
    await browser?.close();
    if (bookDir) fs.rmSync(bookDir, { recursive: true, force: true });
  });

  /** Open a page and collect everything that went wrong while it loaded and drew. */
  async function open(
    file: string,
    colorScheme: "light" | "dark" = "light",
  ): Promise<{ page: Page; problems: string[] }> {
    assert.ok(browser, `no Chromium found: ${HOW_TO_GET_CHROMIUM}`);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, colorScheme });
    const problems: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("requestfailed", (r) => problems.push(`failed request: ${r.url()} (${r.failure()?.errorText})`));
    page.on("request", (r) => {
      if (!r.url().startsWith("file:") && !r.url().startsWith("data:")) problems.push(`network request: ${r.url()}`);
    });
    await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
    return { page, problems };
  }

  async function figuresDrawn(page: Page): Promise<{ figures: number; drawn: number }> {
    await page.waitForFunction(
      () =>
        Array.from(document.querySelectorAll('[data-sigmoid-lab="figure"]')).every((d) => d.querySelector(".main-svg")),
      undefined,
      { timeout: 30_000 },
    );
    return page.evaluate(() => {
      const divs = Array.from(document.querySelectorAll('[data-sigmoid-lab="figure"]'));
      return { figures: divs.length, drawn: divs.filter((d) => d.querySelector(".main-svg")).length };
    });
  }

  test(
    "browser: every page loads from file:// with no errors, figures drawn, math rendered, code highlighted",
    { timeout: 180_000 },
    async () => {
      const expectedFigures: Record<string, number> = { "index.html": 0, "01-basics.html": 1, "02-figures.html": 3 };
      for (const file of ["index.html", ...book.chapters.map((c) => c.page)]) {
        const { page, problems } = await open(path.join(bookDir, file));
        const { figures, drawn } = await figuresDrawn(page);
        assert.equal(figures, expectedFigures[file], `${file}: figures`);
        assert.equal(drawn, figures, `${file}: every figure has its SVG`);
        const state = await page.evaluate(() => {
          const article = document.querySelector("article") as HTMLElement;
          const prose = Array.from(article.querySelectorAll("p, li, blockquote, h1, h2, h3"))
            .map((e) => (e as HTMLElement).innerText)
            .join("\n");
          return {
            katex: document.querySelectorAll(".katex").length,
            katexErrors: document.querySelectorAll(".katex-error").length,
            prose,
            highlighted: document.querySelectorAll(
              "pre code.hljs .hljs-keyword, pre code.hljs .hljs-title, pre code.hljs .hljs-string",
            ).length,
            codeBlocks: document.querySelectorAll("pre code.hljs").length,
            fontsOk: (document as Document & { fonts: FontFaceSet }).fonts.status,
          };
        });
        assert.ok(state.katex > 0, `${file}: math rendered`);
        assert.equal(state.katexErrors, 0, `${file}: no KaTeX errors`);
        assert.ok(
          !state.prose.includes("$$") && !state.prose.includes("\\(") && !state.prose.includes("\\["),
          `${file}: no raw TeX delimiters`,
        );
        if (state.codeBlocks > 0) assert.ok(state.highlighted > 0, `${file}: code highlighted`);
        await page.waitForTimeout(300); // late requests (fonts) fail after load
        assert.deepEqual(problems, [], `${file}: problems while loading`);
        if (file === "01-basics.html") await screenshot(page, "sigmoid-lab-book-01-basics.png");
        await page.close();
      }
    },
  );

  test(
    "browser: dark mode follows the system, the toggle switches and is remembered, figures follow, text reaches 4.5:1 in both",
    { timeout: 120_000 },
    async () => {
      const look = (page: Page) =>
        page.evaluate(() => ({
          theme: document.documentElement.getAttribute("data-theme"),
          background: getComputedStyle(document.body).backgroundColor,
          tick: getComputedStyle(document.querySelector(".xtick text") as Element).fill,
          highlight: (document.getElementById("hl-dark") as HTMLLinkElement).media,
          button: (document.querySelector(".theme-toggle") as HTMLElement).textContent,
        }));
      for (const scheme of ["light", "dark"] as const) {
        for (const file of ["index.html", ...book.chapters.map((c) => c.page)]) {
          const { page, problems } = await open(path.join(bookDir, file), scheme);
          await figuresDrawn(page);
          const report = await measureContrast(page);
          assert.ok(report.total > 20, `${file} ${scheme}: ${report.total} text elements`);
          assert.equal(report.low.length, 0, `${file} (${scheme}): ${describeContrast(report)}`);
          assert.deepEqual(problems, [], `${file} ${scheme}`);
          await page.close();
        }
      }
      // System dark: the page is dark, plotly's text is the page's text colour.
      const { page } = await open(path.join(bookDir, "02-figures.html"), "dark");
      await figuresDrawn(page);
      const dark = await look(page);
      assert.deepEqual(
        [dark.theme, dark.background, dark.tick.replace(/\s/g, ""), dark.button],
        [null, "rgb(23, 25, 28)", "rgb(217,220,224)", "◑ Light mode"],
      );
      // The toggle overrides the system, redraws the figures, and is remembered on the next page.
      await page.click(".theme-toggle");
      await page.waitForFunction(
        () =>
          getComputedStyle(document.querySelector(".xtick text") as Element).fill.replace(/\s/g, "") ===
          "rgb(29,31,35)",
      );
      const light = await look(page);
      assert.deepEqual(
        [light.theme, light.background, light.highlight, light.button],
        ["light", "rgb(255, 255, 255)", "not all", "◐ Dark mode"],
      );
      await page.goto(pathToFileURL(path.join(bookDir, "01-basics.html")).href);
      assert.equal((await look(page)).theme, "light", "the choice is kept across pages");
      await page.close();
    },
  );

  test("browser: the index page's short answer and key figure draw, with no errors", { timeout: 60_000 }, async () => {
    const src = fixturesWithIndexHighlights();
    const out = tempDir("browser-highlights");
    const built = buildBook({ notebooksDir: src, outDir: out });
    const { page, problems } = await open(built.index);
    const { figures, drawn } = await figuresDrawn(page);
    assert.equal(figures, 1);
    assert.equal(drawn, 1);
    const firstH2 = await page.evaluate(() => (document.querySelector("article h2") as HTMLElement).innerText);
    assert.equal(firstH2, "The short answer");
    await page.waitForTimeout(300);
    assert.deepEqual(problems, []);
    await page.close();
    fs.rmSync(out, { recursive: true });
    fs.rmSync(src, { recursive: true });
  });

  /** A full-page screenshot in the temp folder, to look at when changing the book's looks. */
  async function screenshot(page: Page, name: string): Promise<void> {
    const shot = path.join(os.tmpdir(), name);
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(fs.statSync(shot).size > 10_000);
    console.log(`screenshot: ${shot}`);
  }

  test("browser: the slider of histograms over time moves the bars to another epoch", { timeout: 60_000 }, async () => {
    const { page, problems } = await open(path.join(bookDir, "02-figures.html"));
    await figuresDrawn(page);
    const result = await page.evaluate(async () => {
      type Gd = HTMLElement & {
        data: { y: number[] }[];
        _transitionData: { _frames: { name: string; data: { y: number[] }[] }[] };
      };
      const gd = document.querySelector('[data-sigmoid-lab="figure"]') as Gd;
      const frames = gd._transitionData._frames;
      const steps = gd.querySelectorAll(".slider-container .slider-step-label, .slider-container .slider-label").length;
      const plotly = (
        window as unknown as { Plotly: { animate(gd: HTMLElement, f: string[], o: object): Promise<void> } }
      ).Plotly;
      await plotly.animate(gd, ["4"], {
        mode: "immediate",
        frame: { duration: 0, redraw: true },
        transition: { duration: 0 },
      });
      const label = (gd.querySelector(".slider-container .slider-label") as SVGTextElement | null)?.textContent ?? "";
      return {
        frameNames: frames.map((f) => f.name),
        shownY: gd.data[0].y,
        lastY: frames[3].data[0].y,
        firstY: frames[0].data[0].y,
        steps,
        label,
      };
    });
    assert.deepEqual(result.frameNames, ["1", "2", "3", "4"]);
    assert.notDeepEqual(result.firstY, result.lastY);
    assert.deepEqual(result.shownY, result.lastY, "after animating, epoch 4's bars are shown");
    assert.ok(result.steps > 0, "the slider is drawn");
    assert.deepEqual(problems, []);
    await page.close();
  });

  /** Click a pager link and wait until the page it leads to has loaded. */
  async function follow(page: Page, rel: "prev" | "next"): Promise<void> {
    const href = await page.$eval(`nav.pager a[rel="${rel}"]`, (a) => (a as HTMLAnchorElement).href);
    await Promise.all([page.waitForURL(href, { waitUntil: "load" }), page.click(`nav.pager a[rel="${rel}"]`)]);
  }

  test(
    "browser: the index reaches every chapter, prev/next walk the chapters in order",
    { timeout: 60_000 },
    async () => {
      const { page, problems } = await open(book.index);
      const hrefs = await page.$$eval("table.toc a", (as) => as.map((a) => (a as HTMLAnchorElement).href));
      assert.deepEqual(
        hrefs,
        book.chapters.map((c) => pathToFileURL(path.join(bookDir, c.page)).href),
      );
      // Following every link is what the walk below does; here: each target exists.
      for (const href of hrefs) assert.ok(fs.existsSync(new URL(href)), href);
      await follow(page, "next");
      for (let i = 0; i < book.chapters.length; i++) {
        assert.equal(path.basename(new URL(page.url()).pathname), book.chapters[i].page);
        assert.equal(await page.title(), `${book.chapters[i].title} · sigmoid-lab`);
        assert.equal(await page.$eval(".sidebar li.current > a", (a) => a.textContent), book.chapters[i].title);
        if (i + 1 < book.chapters.length) await follow(page, "next");
      }
      for (let i = book.chapters.length - 1; i > 0; i--) {
        await follow(page, "prev");
        assert.equal(path.basename(new URL(page.url()).pathname), book.chapters[i - 1].page);
      }
      await follow(page, "prev");
      assert.equal(
        path.basename(new URL(page.url()).pathname),
        "index.html",
        "before the first chapter comes the contents",
      );
      assert.deepEqual(problems, []);
      await page.close();
    },
  );

  test(
    "browser: notebook outputs draw in a page with RequireJS, whichever comes first, figure or loader",
    { timeout: 60_000 },
    async () => {
      forgetPlotlyInjection();
      const sink = memorySink();
      const fig = (title: string) =>
        plot.line({
          title,
          x: { label: "Epoch", unit: "epochs" },
          y: { label: "Loss", unit: "nats" },
          series: [{ name: "a", x: [1, 2], y: [2, 1] }],
        });
      plot.show(fig("first"), { sink });
      forgetPlotlyInjection();
      const [loader, first] = sink.outputs.map((o) => o.html);
      const second = plot.figureHtml(fig("second"));
      // Like classic Notebook: RequireJS' define is global while outputs run.
      const requireJs = `<script>window.define = function () { throw new Error("plotly registered with RequireJS"); }; window.define.amd = {};</script>`;
      const check = `<script>window.defineKept = typeof window.define === "function" && "amd" in window.define;</script>`;
      const file = path.join(bookDir, "notebook-like.html");
      fs.writeFileSync(
        file,
        `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head><body>${requireJs}${second}${loader}${check}${first}</body></html>`,
      );
      const { page, problems } = await open(file);
      const { figures, drawn } = await figuresDrawn(page);
      assert.deepEqual([figures, drawn], [2, 2]);
      assert.equal(
        await page.evaluate(() => (window as unknown as { defineKept: boolean }).defineKept),
        true,
        "define is restored after plotly loads",
      );
      assert.deepEqual(problems, []);
      await page.close();
    },
  );
  test(
    "npm start end to end: real kernels, a failing notebook exits 1 with the runner's message, the book still shows both",
    { timeout: 240_000 },
    async () => {
      // Inside the repository (out/ is ignored) so that ./lib and node_modules resolve as for notebooks/.
      fs.mkdirSync(path.join(__dirname, "..", "out"), { recursive: true });
      const root = fs.mkdtempSync(path.join(__dirname, "..", "out", "test-book-e2e-"));
      try {
        const sources = path.join(root, "notebooks");
        fs.mkdirSync(sources);
        // Point ./lib where the real notebooks' lib points (the compiled out/lib).
        const realLib = path.join(__dirname, "..", "notebooks", "lib");
        fs.symlinkSync(path.resolve(path.dirname(realLib), fs.readlinkSync(realLib)), path.join(sources, "lib"));
        const nb = (cells: [string, string][]) =>
          JSON.stringify({
            nbformat: 4,
            nbformat_minor: 5,
            metadata: {},
            cells: cells.map(([type, source]) =>
              type === "md"
                ? { cell_type: "markdown", metadata: {}, source }
                : { cell_type: "code", metadata: {}, source, outputs: [], execution_count: null },
            ),
          });
        fs.writeFileSync(
          path.join(sources, "01-ok.ipynb"),
          nb([
            ["md", "# A real run\n\nWith $\\sigma$."],
            [
              "code",
              'import * as plot from "./lib/display/plot";\nimport { progress } from "./lib/display/progress";\nconst p = progress({ title: "Fake training", total: 2 });\nfor (let e = 1; e <= 2; e++) p.update({ epoch: e, loss: 1 / e });\np.done();',
            ],
            [
              "code",
              'plot.show(plot.bar({ title: "Units per layer", x: { label: "Layer", unit: "index" }, y: { label: "Units", unit: "count" }, categories: [1, 2], series: [{ name: "width", values: [16, 8] }] }), { takeaway: "Narrower with depth." });',
            ],
          ]),
        );
        fs.writeFileSync(
          path.join(sources, "02-fail.ipynb"),
          nb([
            ["md", "# Breaks"],
            ["code", 'throw new Error("deliberate failure");'],
          ]),
        );
        const executed = path.join(root, "executed");
        const out = path.join(root, "book");
        const stderr: string[] = [];
        const write = process.stderr.write.bind(process.stderr);
        process.stderr.write = ((chunk: string) => (stderr.push(String(chunk)), true)) as typeof process.stderr.write;
        let code: number;
        try {
          code = await main(["--notebooks", sources, "--executed", executed, "--out", out, "--cell-timeout", "120"]);
        } finally {
          process.stderr.write = write;
        }
        assert.equal(code, 1);
        const message = stderr.join("");
        assert.match(message, /02-fail\.ipynb: cell 1 of 1 .* failed: Error: deliberate failure/);
        assert.ok(message.trimEnd().endsWith(path.join(executed, "02-fail.ipynb")), "the runner's message comes last");

        const { page, problems } = await open(path.join(out, "01-ok.html"));
        const { figures, drawn } = await figuresDrawn(page);
        assert.deepEqual([figures, drawn], [1, 1]);
        const text = await page.evaluate(() => (document.querySelector("article") as HTMLElement).innerText);
        assert.match(text, /Fake training[\s\S]*done[\s\S]*epoch 2\/2/, "the progress display shows its final state");
        assert.ok(text.includes("Takeaway: Narrower with depth."));
        assert.ok(!read(path.join(out, "01-ok.html")).includes(PLOTLY_LOADER_ATTRIBUTE));
        const htmlOutputs = readBookNotebook(path.join(executed, "01-ok.ipynb")).cells.flatMap((c) =>
          c.outputs.map((o) => ("data" in o ? (o.data["text/html"] ?? "") : "")),
        );
        assert.equal(
          htmlOutputs.filter((h) => h.includes(PLOTLY_LOADER_ATTRIBUTE)).length,
          1,
          "the notebook itself carries plotly, once",
        );
        assert.deepEqual(problems, []);
        await page.close();
        assert.ok(read(path.join(out, "index.html")).includes("(last run failed)"));
      } finally {
        fs.rmSync(root, { recursive: true, force: true });
      }
    },
  );
});
