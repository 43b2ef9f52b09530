/**
 * buildBook: executed notebooks → a static HTML book.
 *
 *   <outDir>/index.html        the question and the table of contents
 *   <outDir>/01-….html          one page per notebook, in file-name order
 *   <outDir>/playground.html    notebook 07's playground, trained in the browser
 *   <outDir>/download/01-….ipynb each chapter's notebook to download: the
 *                              executed copy (with its outputs) if there is one
 *   <outDir>/assets/…           plotly, KaTeX CSS + fonts, highlight CSS, site CSS,
 *                              the playground's script (the library bundled for the browser)
 *
 * With `sourcesDir`, the chapters are the source notebooks: one without an
 * executed copy is shown unexecuted, one whose source is newer than its
 * executed copy gets a "stale" banner. Without it, the chapters are the
 * executed notebooks found.
 */

import { CORE_PATH_MINUTES, corePathCell } from "./core-path";
import * as fs from "fs";
import * as path from "path";
import { escapeHtml } from "../display/html";
import { copyAssets } from "./assets";
import { renderMarkdown, newMarkdownEnv } from "./markdown";
import { BookNotebook, readBookNotebook } from "./notebook";
import { ChapterLink, renderPage } from "./page";
import { formatSeconds, notebookTitle, renderIndexHighlights, renderNotebook } from "./render";
import { BundleOutcome } from "./playground/bundle";
import { PLAYGROUND_PAGE, writePlaygroundPage } from "./playground/page";

export interface BuildOptions {
  /** Executed notebooks, e.g. out/notebooks. */
  notebooksDir: string;
  /** Where the book goes, e.g. out/book. */
  outDir: string;
  /** Source notebooks, e.g. notebooks: they define the chapters. */
  sourcesDir?: string;
  /** A markdown file rendered as the page guide.html and linked from the index (the teacher's guide). */
  guide?: string;
}

export type ChapterState = "executed" | "failed" | "stale" | "unexecuted" | "unreadable";

export interface Chapter {
  /** File name without .ipynb, e.g. "01-saturation". */
  name: string;
  /** Path of the page, relative to outDir. */
  page: string;
  title: string;
  state: ChapterState;
  elapsedSeconds: number | null;
}

export interface BuildResult {
  index: string;
  chapters: Chapter[];
  /** The playground page's script: its size, and whether this build bundled it or reused the cached one. */
  playground: BundleOutcome;
}

/** The question the book answers (from the project brief). */
export const QUESTION_MARKDOWN =
  "Take a deep feed-forward network with sigmoid activations, already trained on a dataset $S$. " +
  "For a training point $x_i$, are the entries of each hidden layer " +
  "$h_{i,l} = \\sigma(W_l\\,\\sigma(\\cdots\\sigma(W_1 x_i)))$ very close to 0 or 1, " +
  "because gradient descent passed over $x_i$ many times?";

interface Source {
  name: string;
  executed: string | null;
  source: string | null;
}

export function buildBook(opts: BuildOptions): BuildResult {
  const sources = findChapters(opts);
  fs.mkdirSync(opts.outDir, { recursive: true });
  removeOldPages(opts.outDir);
  copyAssets(opts.outDir);
  const loaded = sources.map(loadChapter);
  const chapters = loaded.map(toChapter);
  const links: ChapterLink[] = chapters.map((c) => ({ href: encodeURIComponent(c.page), title: c.title }));
  loaded.forEach((chapter, i) => writeChapterPage(chapter, chapters[i], links, i, opts.outDir));
  const playgroundChapter = chapters.findIndex((c) => isPlaygroundChapter(c.name));
  const playground = writePlaygroundPage(opts.outDir, links, playgroundChapter >= 0 ? links[playgroundChapter] : null);
  const index = path.join(opts.outDir, "index.html");
  const highlights = indexHighlights(loaded, chapters);
  const guide = opts.guide && fs.existsSync(opts.guide) ? writeGuidePage(opts.guide, links, opts.outDir) : null;
  fs.writeFileSync(
    index,
    renderPage({
      title: "Contents",
      body: indexBody(chapters, highlights.html, guide),
      chapters: links,
      current: null,
      needsPlotly: highlights.needsPlotly,
    }),
  );
  return { index, chapters, playground };
}

/** Notebook 07, whose playground the book's playground page runs in the browser. */
function isPlaygroundChapter(name: string): boolean {
  return /^\d+-playground$/.test(name);
}

function toChapter({ source, notebook, state }: LoadedChapter): Chapter {
  return {
    name: source.name,
    page: `${source.name}.html`,
    title: notebookTitle(notebook, source.name),
    state,
    elapsedSeconds: state === "unexecuted" ? null : notebook.elapsedSeconds,
  };
}

/** The teacher's guide as a page of its own; returns its file name. */
function writeGuidePage(file: string, links: ChapterLink[], outDir: string): string {
  const env = newMarkdownEnv();
  const body = `<section class="cell markdown-cell">${renderMarkdown(fs.readFileSync(file, "utf8"), env)}</section>`;
  const title = env.headings[0]?.text ?? "Guide";
  fs.writeFileSync(
    path.join(outDir, GUIDE_PAGE),
    renderPage({ title, body, chapters: links, current: null, headings: env.headings }),
  );
  return GUIDE_PAGE;
}

export const GUIDE_PAGE = "guide.html";

function writeChapterPage(
  loaded: LoadedChapter,
  chapter: Chapter,
  links: ChapterLink[],
  index: number,
  outDir: string,
): void {
  const rendered = renderNotebook(loaded.notebook, chapter.name);
  const download = downloadLink(loaded, outDir);
  const html = renderPage({
    title: rendered.title,
    body: banner(chapter.state, loaded.problem) + rendered.body,
    chapters: links,
    current: index,
    headings: rendered.headings,
    needsPlotly: rendered.needsPlotly,
    footer: chapterFooter(loaded.notebook, chapter, download),
  });
  fs.writeFileSync(path.join(outDir, chapter.page), html);
}

function findChapters(opts: BuildOptions): Source[] {
  const executed = listNotebooks(opts.notebooksDir);
  const names = opts.sourcesDir ? listNotebooks(opts.sourcesDir) : executed;
  return names.map((name) => ({
    name,
    executed: executed.includes(name) ? path.join(opts.notebooksDir, `${name}.ipynb`) : null,
    source:
      opts.sourcesDir && fs.existsSync(path.join(opts.sourcesDir, `${name}.ipynb`))
        ? path.join(opts.sourcesDir, `${name}.ipynb`)
        : null,
  }));
}

/** Notebook names (without .ipynb) in a folder, in file-name order: 01-…, 02-…, 10-…. */
export function listNotebooks(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".ipynb") && !f.startsWith("."))
    .map((f) => f.slice(0, -".ipynb".length))
    .sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
}

interface LoadedChapter {
  source: Source;
  notebook: BookNotebook;
  state: ChapterState;
  /** Why the notebook could not be read, for state "unreadable". */
  problem?: string;
}

const EMPTY_NOTEBOOK: BookNotebook = { cells: [], elapsedSeconds: null, profile: null, runStatus: null };

/** A broken file becomes a chapter that says what is wrong, not a failed build. */
function loadChapter(s: Source): LoadedChapter {
  const file = (s.executed ?? s.source) as string;
  try {
    const notebook = readBookNotebook(file);
    if (s.executed === null) return { source: s, notebook, state: "unexecuted" };
    if (notebook.runStatus === "failed") return { source: s, notebook, state: "failed" };
    const stale = s.source !== null && fs.statSync(s.source).mtimeMs > fs.statSync(s.executed).mtimeMs;
    return { source: s, notebook, state: stale ? "stale" : "executed" };
  } catch (err) {
    return { source: s, notebook: EMPTY_NOTEBOOK, state: "unreadable", problem: `${file}: ${(err as Error).message}` };
  }
}

function banner(state: ChapterState, problem?: string): string {
  switch (state) {
    case "unreadable":
      return `<p class="banner failed">This notebook could not be read: ${escapeHtml(problem ?? "")}</p>`;
    case "unexecuted":
      return `<p class="banner unexecuted">This notebook has not been executed yet, so it has no outputs. Run <code>npm start</code> (or <code>npm run book</code>) to execute it.</p>`;
    case "stale":
      return `<p class="banner stale">The notebook changed after this copy was executed: the outputs below may not match the code. Run <code>npm run book</code> to refresh.</p>`;
    default:
      return "";
  }
}

interface Download {
  href: string;
  executed: boolean;
}

/**
 * The notebook a reader downloads: the executed copy, outputs included (what
 * the page shows), or the source when the chapter has no readable executed copy.
 */
function downloadLink(loaded: LoadedChapter, outDir: string): Download | null {
  const executed = loaded.source.executed !== null && loaded.state !== "unreadable" && loaded.state !== "unexecuted";
  const file = executed ? loaded.source.executed : loaded.source.source;
  return file ? { href: copyForDownload(file, outDir), executed } : null;
}

function chapterFooter(nb: BookNotebook, c: Chapter, download: Download | null): string {
  const parts: string[] = [];
  if (c.state !== "unexecuted") {
    parts.push(
      `Executed${nb.profile ? ` with profile <code>${escapeHtml(nb.profile)}</code>` : " with default parameters"}`,
    );
    if (nb.elapsedSeconds !== null) parts.push(`wall time ${formatSeconds(nb.elapsedSeconds)}`);
  }
  if (isPlaygroundChapter(c.name))
    parts.push(`<a href="${PLAYGROUND_PAGE}">Train it in your browser: the playground</a>`);
  if (download) {
    const what = download.executed ? " (executed, with its outputs)" : "";
    parts.push(`<a href="${escapeHtml(download.href)}" download>Download the notebook</a>${what}`);
  }
  return parts.join(" · ");
}

function copyForDownload(file: string, outDir: string): string {
  const dir = path.join(outDir, DOWNLOAD_DIR);
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(file, path.join(dir, path.basename(file)));
  return `${DOWNLOAD_DIR}/${encodeURIComponent(path.basename(file))}`;
}

const DOWNLOAD_DIR = "download";

/** Pages of notebooks that were removed since the last build must not linger. */
function removeOldPages(outDir: string): void {
  for (const f of fs.readdirSync(outDir)) if (f.endsWith(".html")) fs.rmSync(path.join(outDir, f));
  for (const dir of [DOWNLOAD_DIR, "sources"]) fs.rmSync(path.join(outDir, dir), { recursive: true, force: true });
}

/**
 * The short answer first: outputs of cells tagged `book-index` in executed
 * chapters (notebook 06's answer and key figure), with a link to the chapter.
 */
function indexHighlights(loaded: LoadedChapter[], chapters: Chapter[]): { html: string; needsPlotly: boolean } {
  let needsPlotly = false;
  const sections = loaded.flatMap((chapter, i) => {
    if (chapter.state !== "executed") return [];
    const h = renderIndexHighlights(chapter.notebook);
    if (h.html === "") return [];
    needsPlotly ||= h.needsPlotly;
    const c = chapters[i];
    return [
      `<section class="answer" id="answer-${escapeHtml(c.name)}">${h.html}` +
        `<p class="answer-link">The evidence, claim by claim: <a href="${encodeURIComponent(c.page)}">${escapeHtml(c.title)}</a></p></section>`,
    ];
  });
  return { html: sections.join("\n"), needsPlotly };
}

function indexBody(chapters: Chapter[], highlights = "", guide: string | null = null): string {
  const question = renderMarkdown(QUESTION_MARKDOWN, newMarkdownEnv());
  const intro =
    `<h1>sigmoid-lab</h1>\n` +
    `<p>Executable TypeScript notebooks that answer one question by measurement:</p>\n` +
    `<blockquote class="question">${question}</blockquote>\n` +
    (highlights ? `<h2 id="short-answer">The short answer</h2>\n${highlights}\n` : "") +
    `<p>Each chapter is a notebook executed from top to bottom; its code, numbers and figures are exactly what that run produced. ` +
    `Code cells can be folded, figures are interactive (hover, zoom, sliders).</p>\n` +
    `<p class="playground-link"><b><a href="${PLAYGROUND_PAGE}">The playground</a></b>: train a deep sigmoid network in your browser — no kernel, no install — and watch every hidden unit saturate, on the training points and off them.</p>\n` +
    `<h2 id="chapters">Chapters</h2>\n`;
  if (chapters.length === 0) {
    return (
      intro +
      `<p class="empty">No notebooks yet: add them to <code>notebooks/</code> and run <code>npm start</code>.</p>`
    );
  }
  const rows = chapters.map(
    (c, i) =>
      `<tr><td class="num">${i + 1}</td><td><a href="${encodeURIComponent(c.page)}">${escapeHtml(c.title)}</a>${stateNote(c.state)}</td>` +
      `<td class="core">${escapeHtml(corePathCell(c.name))}</td>` +
      `<td class="num">${c.elapsedSeconds === null ? "–" : formatSeconds(c.elapsedSeconds)}</td></tr>`,
  );
  return (
    intro +
    `<table class="toc"><thead><tr><th class="num">#</th><th>Chapter</th><th class="core" id="core-path">${CORE_PATH_MINUTES}-minute path</th><th class="num">Run time</th></tr></thead>` +
    `<tbody>${rows.join("")}</tbody></table>` +
    `\n<p class="core-note">For one class hour, the chapters (and sections) marked in the ${CORE_PATH_MINUTES}-minute path column carry the argument; the others are optional depth.</p>` +
    (guide
      ? `\n<p class="guide-link">Teaching with these notebooks? Read the <a href="${guide}">teacher's guide</a>: run order, run times, what to change live, exercises, discussion questions.</p>`
      : "")
  );
}

function stateNote(state: ChapterState): string {
  const notes: Record<ChapterState, string> = {
    executed: "",
    failed: " (last run failed)",
    stale: " (changed since executed)",
    unexecuted: " (not executed yet)",
    unreadable: " (could not be read)",
  };
  return notes[state] ? ` <span class="muted">${notes[state]}</span>` : "";
}
