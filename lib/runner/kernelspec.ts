/**
 * npm run kernel [-- --prefix DIR | --local] [--remove]
 *
 * Registers the tslab kernel with Jupyter as "sigmoid-lab" by writing its
 * kernelspec (kernel.json) ourselves: no Python, no `tslab install`.
 *   default   the user's Jupyter data dir (what Jupyter and VS Code search)
 *   --prefix  DIR/share/jupyter/kernels
 *   --local   <repo>/.jupyter-local/kernels, used with JUPYTER_PATH=<repo>/.jupyter-local
 *
 * kernel.json starts a small launcher kept beside it, which finds tslab at
 * every start (from the notebook's folder up, then the clone that registered
 * it): moving the clone does not break the kernel. The node binary is the
 * one thing a kernelspec must name; `npm run lab` and `npm run kernel`
 * re-register when it is gone (see kernelspecProblems).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { KERNELSPEC } from "./kernel";
import { tslabBinary } from "./process";

export interface KernelJson {
  argv: string[];
  display_name: string;
  language: string;
  interrupt_mode: "signal";
  metadata: Record<string, unknown>;
}

export type SpecLocation = { kind: "user" } | { kind: "prefix"; prefix: string } | { kind: "local" };

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const LOCAL_JUPYTER_PATH = path.join(REPO_ROOT, ".jupyter-local");

/** The launcher's file name inside the kernelspec directory. */
export const LAUNCHER = "launch-tslab.js";

/**
 * The launcher: finds node_modules/tslab from the kernel's working directory
 * (Jupyter and VS Code start it in the notebook's folder) upwards, else from
 * the clone that registered it, then runs tslab in this same process, so the
 * SIGINT of interrupt_mode "signal" still reaches tslab.
 */
export function launcherSource(registeredFrom: string = REPO_ROOT): string {
  return `// Written by \`npm run kernel\` of sigmoid-lab; re-written by every registration.
"use strict";
const fs = require("fs");
const path = require("path");
const registeredFrom = ${JSON.stringify(registeredFrom)};
function tslabFrom(start) {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    const bin = path.join(dir, "node_modules", "tslab", "bin", "tslab");
    if (fs.existsSync(bin)) return bin;
    if (path.dirname(dir) === dir) return null;
  }
}
const bin = tslabFrom(process.cwd()) || tslabFrom(registeredFrom);
if (!bin) {
  console.error("sigmoid-lab kernel: no node_modules/tslab above " + process.cwd() + " nor in " + registeredFrom +
    ". Run npm ci in your sigmoid-lab clone, then npm run kernel there.");
  process.exit(1);
}
process.argv = [process.argv[0], bin, "kernel", "--config-path", process.argv[2]];
require(bin);
`;
}

export function kernelJson(specDir: string): KernelJson {
  return {
    argv: [process.execPath, path.join(specDir, LAUNCHER), "{connection_file}"],
    display_name: KERNELSPEC.display_name,
    language: KERNELSPEC.language,
    // tslab interrupts a running cell on SIGINT; it has no interrupt_request handler.
    interrupt_mode: "signal",
    metadata: {},
  };
}

/** Jupyter's per-user data dir, as jupyter_core.paths.jupyter_data_dir() computes it. */
export function userJupyterDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform = process.platform,
  home = os.homedir(),
): string {
  if (env.JUPYTER_DATA_DIR) return env.JUPYTER_DATA_DIR;
  if (platform === "darwin") return path.join(home, "Library", "Jupyter");
  if (platform === "win32") return path.join(env.APPDATA ?? path.join(home, "AppData", "Roaming"), "jupyter");
  return path.join(env.XDG_DATA_HOME || path.join(home, ".local", "share"), "jupyter");
}

export function kernelsDir(location: SpecLocation): string {
  switch (location.kind) {
    case "user":
      return path.join(userJupyterDataDir(), "kernels");
    case "prefix":
      return path.join(path.resolve(location.prefix), "share", "jupyter", "kernels");
    case "local":
      return path.join(LOCAL_JUPYTER_PATH, "kernels");
  }
}

/** Write <kernels>/sigmoid-lab/kernel.json and its launcher; returns that directory. */
export function installKernelspec(location: SpecLocation): string {
  tslabBinary(); // fail now, with the fix, if this clone has no tslab
  const dir = specDir(location);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, LAUNCHER), launcherSource());
  fs.writeFileSync(path.join(dir, "kernel.json"), JSON.stringify(kernelJson(dir), null, 2) + "\n");
  return dir;
}

export function specDir(location: SpecLocation): string {
  return path.join(kernelsDir(location), KERNELSPEC.name);
}

/**
 * Why a registered kernelspec would not start, or [] if it would (or if
 * there is none): its node binary or its launcher is gone, or it predates
 * the launcher and names a tslab path that no longer exists.
 */
export function kernelspecProblems(dir: string): string[] {
  const file = path.join(dir, "kernel.json");
  if (!fs.existsSync(file)) return [];
  let spec: Partial<KernelJson>;
  try {
    spec = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    return [`${file} is not JSON (${(err as Error).message})`];
  }
  const argv = Array.isArray(spec.argv) ? spec.argv : [];
  const problems: string[] = [];
  if (typeof argv[0] !== "string" || !fs.existsSync(argv[0]))
    problems.push(`its node ${JSON.stringify(argv[0])} does not exist`);
  if (typeof argv[1] !== "string" || !fs.existsSync(argv[1]))
    problems.push(`its script ${JSON.stringify(argv[1])} does not exist`);
  return problems;
}

/** Re-register a kernelspec that would no longer start; returns what was wrong, or [] if nothing was. */
export function refreshIfStale(location: SpecLocation): string[] {
  const problems = kernelspecProblems(specDir(location));
  if (problems.length > 0) installKernelspec(location);
  return problems;
}

/** Remove the kernelspec directory; returns it, or null if there was none. */
export function removeKernelspec(location: SpecLocation): string | null {
  const dir = specDir(location);
  if (!fs.existsSync(dir)) return null;
  fs.rmSync(dir, { recursive: true, force: true });
  return dir;
}

function locationFlags(location: SpecLocation): string {
  if (location.kind === "prefix") return ` -- --prefix ${location.prefix}`;
  return location.kind === "local" ? " -- --local" : "";
}

export const KERNEL_USAGE = `Usage: npm run kernel [-- --prefix DIR | --local] [--remove]
  (no option)   register the kernel "${KERNELSPEC.display_name}" for your user (Jupyter, VS Code)
  --prefix DIR  register it in DIR/share/jupyter/kernels
  --local       register it in .jupyter-local/kernels of this clone (npm run lab uses that)
  --remove      remove it from that place instead
  -h, --help    print this help
Registering again is safe; do it after moving the clone to another Node.js.`;

function parseLocation(argv: string[]): { location: SpecLocation; remove: boolean; help: boolean } {
  const { values } = parseArgs({
    args: argv,
    options: {
      prefix: { type: "string" },
      local: { type: "boolean" },
      remove: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.prefix && values.local) throw new Error("Use either --prefix DIR or --local, not both.");
  const location: SpecLocation = values.prefix
    ? { kind: "prefix", prefix: values.prefix }
    : values.local
      ? { kind: "local" }
      : { kind: "user" };
  return { location, remove: values.remove ?? false, help: values.help ?? false };
}

export function main(argv: string[]): number {
  let parsed;
  try {
    parsed = parseLocation(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${KERNEL_USAGE}\n`);
    return 2;
  }
  const { location, remove, help } = parsed;
  if (help) {
    process.stdout.write(KERNEL_USAGE + "\n");
    return 0;
  }
  if (remove) {
    const dir = removeKernelspec(location);
    process.stdout.write(
      dir
        ? `Removed the ${KERNELSPEC.name} kernel from ${dir}\n`
        : `No ${KERNELSPEC.name} kernel in ${kernelsDir(location)}\n`,
    );
    return 0;
  }
  const dir = installKernelspec(location);
  const lines = [
    `Registered the Jupyter kernel "${KERNELSPEC.display_name}" in ${dir}`,
    location.kind === "local" ? `Jupyter finds it with JUPYTER_PATH=${LOCAL_JUPYTER_PATH}` : "",
    `Remove it with: npm run kernel${locationFlags(location) || " --"} --remove`,
  ];
  process.stdout.write(lines.filter(Boolean).join("\n") + "\n");
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
