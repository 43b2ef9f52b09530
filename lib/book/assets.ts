/**
 * The book's shared files, copied once into <book>/assets/ from
 * node_modules: nothing is fetched at view time.
 */

import * as fs from "fs";
import * as path from "path";
import { plotlyMinJsPath } from "../display/plotly-source";
import { SITE_CSS } from "./site-css";

/** highlight.js themes that match the site's code background, light and dark. */
const HIGHLIGHT_THEME = "github.min.css";
const HIGHLIGHT_DARK_THEME = "github-dark.min.css";

export function copyAssets(outDir: string): void {
  const assets = path.join(outDir, "assets");
  fs.mkdirSync(assets, { recursive: true });
  fs.copyFileSync(plotlyMinJsPath(), path.join(assets, "plotly.min.js"));
  copyKatex(path.join(assets, "katex"));
  fs.copyFileSync(require.resolve(`highlight.js/styles/${HIGHLIGHT_THEME}`), path.join(assets, "highlight.css"));
  fs.copyFileSync(
    require.resolve(`highlight.js/styles/${HIGHLIGHT_DARK_THEME}`),
    path.join(assets, "highlight-dark.css"),
  );
  fs.writeFileSync(path.join(assets, "site.css"), SITE_CSS.trimStart());
}

/** katex.min.css refers to fonts/… next to itself; keep that layout. */
function copyKatex(dir: string): void {
  const dist = path.dirname(require.resolve("katex/dist/katex.min.css"));
  fs.mkdirSync(path.join(dir, "fonts"), { recursive: true });
  fs.copyFileSync(path.join(dist, "katex.min.css"), path.join(dir, "katex.min.css"));
  for (const font of fs.readdirSync(path.join(dist, "fonts"))) {
    fs.copyFileSync(path.join(dist, "fonts", font), path.join(dir, "fonts", font));
  }
}
