/**
 * npm run tidy-notebooks [-- FILE.ipynb ...]
 *
 * Collapses every solution cell (metadata.jupyter.source_hidden = true) in
 * the given notebooks, default notebooks/NN-*.ipynb. Idempotent: a notebook
 * that is already tidy is not rewritten.
 */
import * as path from "node:path";
import { REPO_ROOT } from "./kernelspec";
import { chapterFiles, hideSolutions, readRaw, serialiseRaw, writeIfChanged } from "./solutions";

const USAGE = `Usage: npm run tidy-notebooks [-- FILE.ipynb ...]
Collapses the source of every cell tagged "solution" (metadata.jupyter.source_hidden), so
JupyterLab and VS Code open the notebooks with the answers folded. Default: notebooks/NN-*.ipynb.`;

export function tidy(files: string[]): { file: string; hidden: number }[] {
  return files.map((file) => {
    const nb = readRaw(file);
    const hidden = hideSolutions(nb);
    if (hidden > 0) writeIfChanged(file, serialiseRaw(nb));
    return { file, hidden };
  });
}

function main(argv: string[]): number {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  const files = argv.length > 0 ? argv : chapterFiles(path.join(REPO_ROOT, "notebooks"));
  for (const { file, hidden } of tidy(files)) {
    process.stdout.write(
      `${path.relative(process.cwd(), file)}: ${hidden === 0 ? "already tidy" : `collapsed ${hidden} solution cell${hidden === 1 ? "" : "s"}`}\n`,
    );
  }
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
