import * as fs from "fs";
import * as path from "path";

/**
 * The project root: the nearest folder upwards holding sigmoid-lab's
 * package.json. Found by walking up, because this file runs both from lib/
 * (tsx, tests) and from the compiled copy in out/lib/ (notebooks).
 */
export function projectRoot(from: string = __dirname): string {
  let dir = from;
  for (;;) {
    const pkg = path.join(dir, "package.json");
    if (fs.existsSync(pkg)) {
      try {
        if ((JSON.parse(fs.readFileSync(pkg, "utf8")) as { name?: string }).name === "sigmoid-lab") return dir;
      } catch {
        // not ours; keep walking
      }
    }
    const up = path.dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}
