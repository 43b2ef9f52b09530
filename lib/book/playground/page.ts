/**
 * The book's playground page (playground.html): notebook 07's playground,
 * trained in the reader's browser. The page is a shell — a short text, the
 * element the script builds the controls and pictures in, and the script
 * (assets/playground.js, bundle.ts) — so everything it shows is computed by
 * the library in the page, from file:// with no network.
 */
import * as fs from "fs";
import * as path from "path";
import { escapeHtml } from "../../display/html";
import { ChapterLink, renderPage } from "../page";
import { BundleOutcome, PLAYGROUND_SCRIPT, bundlePlayground } from "./bundle";

export const PLAYGROUND_PAGE = "playground.html";
/** Where the page's script builds itself (lib/chapters/playground-page's ROOT_ID). */
export const PLAYGROUND_ROOT_ID = "sigmoid-lab-playground";
export const PLAYGROUND_TITLE = "Playground: train it in your browser";

/** The page's text; `chapter` is notebook 07's page, when the book has it. */
export function playgroundBody(chapter: ChapterLink | null): string {
  const seeAlso = chapter
    ? ` Notebook <a href="${escapeHtml(chapter.href)}">${escapeHtml(chapter.title)}</a> explains the pictures and shows one run in detail.`
    : "";
  return (
    `<h1>${escapeHtml(PLAYGROUND_TITLE)}</h1>\n` +
    `<p>A deep network with two inputs, trained here, in this page: change it, press <b>Train</b>, and watch every hidden unit over the input plane — ` +
    `strong blue where it is saturated low, strong orange where it is saturated high, pale in between — with the training points drawn on every square. ` +
    `Beside it, per layer, how much of it is saturated on the training points and on fresh points from the same distribution, how steep the activation still is there (mean f′), and the curves.${seeAlso}</p>\n` +
    `<p class="muted">No kernel and no network: the book's own library (the same model, training loop, probes and pictures as the notebooks) runs in your browser. ` +
    `Training pauses when you leave the page.</p>\n` +
    `<div id="${PLAYGROUND_ROOT_ID}" class="sigmoid-lab-playground"><noscript><p class="banner failed">The playground trains the network with JavaScript: enable it to use this page.</p></noscript></div>\n` +
    `<script src="assets/${PLAYGROUND_SCRIPT}"></script>`
  );
}

/** Bundle (or reuse) the script, copy it into the book's assets, and write playground.html. */
export function writePlaygroundPage(
  outDir: string,
  chapters: ChapterLink[],
  chapter: ChapterLink | null,
): BundleOutcome {
  const bundle = bundlePlayground();
  fs.mkdirSync(path.join(outDir, "assets"), { recursive: true });
  fs.copyFileSync(bundle.file, path.join(outDir, "assets", PLAYGROUND_SCRIPT));
  const html = renderPage({
    title: PLAYGROUND_TITLE,
    body: playgroundBody(chapter),
    chapters,
    current: null,
    needsPlotly: true,
    wide: true,
  });
  fs.writeFileSync(path.join(outDir, PLAYGROUND_PAGE), html);
  return bundle;
}
