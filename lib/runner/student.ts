/**
 * npm run student [-- --out DIR] [FILE.ipynb ...]
 *
 * Writes the student copy of the chapters (default notebooks/NN-*.ipynb) to
 * DIR (default out/student/): no solution cells, no outputs. DIR also gets
 * a `lib` link to the compiled library, so the copies run there as they do
 * in notebooks/ (npm run run -- out/student/01-train.ipynb).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { REPO_ROOT } from "./kernelspec";
import { chapterFiles, isSolution, readRaw, serialiseRaw, studentCopy, writeIfChanged } from "./solutions";

const USAGE = `Usage: npm run student [-- --out DIR] [FILE.ipynb ...]
Writes a student copy of each notebook (default notebooks/NN-*.ipynb) to DIR (default out/student):
every cell tagged "solution" removed, outputs cleared, so "Run All" gives no answer away.`;

export interface StudentResult {
  file: string;
  removed: number;
}

export function writeStudentCopies(files: string[], outDir: string): StudentResult[] {
  fs.mkdirSync(outDir, { recursive: true });
  const results = files.map((input) => {
    const nb = readRaw(input);
    const file = path.join(outDir, path.basename(input));
    writeIfChanged(file, serialiseRaw(studentCopy(nb)));
    return { file, removed: nb.cells.filter(isSolution).length };
  });
  linkLibrary(outDir);
  return results;
}

/** Notebooks import "./lib": point DIR/lib at the compiled library, as notebooks/lib does. */
function linkLibrary(outDir: string): void {
  const link = path.join(outDir, "lib");
  const target = path.relative(path.resolve(outDir), path.join(REPO_ROOT, "out", "lib"));
  try {
    if (fs.readlinkSync(link) === target) return;
    fs.rmSync(link);
  } catch {
    if (fs.existsSync(link)) return; // a real folder someone put there: leave it
  }
  fs.symlinkSync(target, link, "dir");
}

function main(argv: string[]): number {
  let values, positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { out: { type: "string" }, help: { type: "boolean", short: "h" } },
    }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  const outDir = values.out ?? path.join(REPO_ROOT, "out", "student");
  const files = positionals.length > 0 ? positionals : chapterFiles(path.join(REPO_ROOT, "notebooks"));
  for (const r of writeStudentCopies(files, outDir)) {
    process.stdout.write(
      `${path.relative(process.cwd(), r.file)}: ${r.removed} solution cell${r.removed === 1 ? "" : "s"} removed\n`,
    );
  }
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
