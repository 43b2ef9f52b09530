/**
 * npm run kernel [-- --prefix DIR | --local] [--remove]
 *
 * Registers the tslab kernel with Jupyter as "sigmoid-lab" by writing its
 * kernelspec (kernel.json) ourselves: no Python, no `tslab install`.
 *   default   the user's Jupyter data dir (what Jupyter and VS Code search)
 *   --prefix  DIR/share/jupyter/kernels
 *   --local   <repo>/.jupyter-local/kernels, used with JUPYTER_PATH=<repo>/.jupyter-local
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

export function kernelJson(): KernelJson {
  return {
    argv: [process.execPath, tslabBinary(), "kernel", "--config-path", "{connection_file}"],
    display_name: KERNELSPEC.display_name,
    language: KERNELSPEC.language,
    // tslab interrupts a running cell on SIGINT; it has no interrupt_request handler.
    interrupt_mode: "signal",
    metadata: {},
  };
}

/** Jupyter's per-user data dir, as jupyter_core.paths.jupyter_data_dir() computes it. */
export function userJupyterDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform, home = os.homedir()): string {
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

/** Write <kernels>/sigmoid-lab/kernel.json; returns that directory. */
export function installKernelspec(location: SpecLocation): string {
  const dir = path.join(kernelsDir(location), KERNELSPEC.name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "kernel.json"), JSON.stringify(kernelJson(), null, 2) + "\n");
  return dir;
}

/** Remove the kernelspec directory; returns it, or null if there was none. */
export function removeKernelspec(location: SpecLocation): string | null {
  const dir = path.join(kernelsDir(location), KERNELSPEC.name);
  if (!fs.existsSync(dir)) return null;
  fs.rmSync(dir, { recursive: true, force: true });
  return dir;
}

function locationFlags(location: SpecLocation): string {
  if (location.kind === "prefix") return ` -- --prefix ${location.prefix}`;
  return location.kind === "local" ? " -- --local" : "";
}

function parseLocation(argv: string[]): { location: SpecLocation; remove: boolean } {
  const { values } = parseArgs({
    args: argv,
    options: { prefix: { type: "string" }, local: { type: "boolean" }, remove: { type: "boolean" } },
  });
  if (values.prefix && values.local) throw new Error("Use either --prefix DIR or --local, not both.");
  const location: SpecLocation = values.prefix
    ? { kind: "prefix", prefix: values.prefix }
    : values.local
      ? { kind: "local" }
      : { kind: "user" };
  return { location, remove: values.remove ?? false };
}

function main(argv: string[]): number {
  let parsed;
  try {
    parsed = parseLocation(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\nUsage: npm run kernel [-- --prefix DIR | --local] [--remove]\n`);
    return 2;
  }
  const { location, remove } = parsed;
  if (remove) {
    const dir = removeKernelspec(location);
    process.stdout.write(dir ? `Removed the ${KERNELSPEC.name} kernel from ${dir}\n` : `No ${KERNELSPEC.name} kernel in ${kernelsDir(location)}\n`);
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
