/**
 * npm run lab: register the kernel in <repo>/.jupyter-local and open
 * JupyterLab (or the classic notebook) on notebooks/ with JUPYTER_PATH set,
 * so nothing is written to the user's own Jupyter setup.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { KERNELSPEC } from "./kernel";
import { LOCAL_JUPYTER_PATH, REPO_ROOT, installKernelspec, refreshIfStale, specDir } from "./kernelspec";

const FRONTENDS = ["jupyter-lab", "jupyter-notebook"];

const NO_JUPYTER = `Neither jupyter-lab nor jupyter-notebook is on PATH. Install one of them:
  Debian/Ubuntu:  sudo apt-get install jupyter-notebook
  pip:            pip install jupyterlab
then run npm run lab again.
Or use VS Code: install its Jupyter extension, run npm run kernel once (registers the kernel
for your user), open a notebook in notebooks/ and pick the kernel "${KERNELSPEC.display_name}".
To execute notebooks without any Jupyter: npm run run -- notebooks/<name>.ipynb`;

/** The first executable named `name` on PATH (with Windows' extensions). */
export function onPath(name: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const exts = process.platform === "win32" ? (env.PATHEXT ?? ".EXE;.CMD;.BAT").split(";") : [""];
  for (const dir of (env.PATH ?? "").split(path.delimiter).filter(Boolean)) {
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      try {
        fs.accessSync(candidate, fs.constants.X_OK);
        if (fs.statSync(candidate).isFile()) return candidate;
      } catch {
        // not here
      }
    }
  }
  return null;
}

function withLocalJupyterPath(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const existing = env.JUPYTER_PATH ? path.delimiter + env.JUPYTER_PATH : "";
  return { ...env, JUPYTER_PATH: LOCAL_JUPYTER_PATH + existing };
}

const LAB_USAGE = `Usage: npm run lab
Registers the kernel "${KERNELSPEC.display_name}" in .jupyter-local/ of this clone and opens
jupyter-lab (or jupyter-notebook) on notebooks/ with JUPYTER_PATH pointing there.
A kernel you registered for your user (npm run kernel) is re-registered if its node or launcher is gone.`;

/**
 * The front end's arguments. As root (containers, dev containers, CI images) Jupyter refuses to start
 * ("Running as root is not recommended. Use --allow-root"): pass it there, and say so (the note).
 */
export function frontendArgs(notebooks: string, uid: number | null): { args: string[]; note: string | null } {
  const args = [`--notebook-dir=${notebooks}`];
  if (uid !== 0) return { args, note: null };
  return {
    args: [...args, "--allow-root"],
    note: "Running as root (a container?): starting Jupyter with --allow-root, which it requires for root.",
  };
}

function main(argv: string[]): void {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(LAB_USAGE + "\n");
    return;
  }
  const localSpec = installKernelspec({ kind: "local" });
  // VS Code and a plain `jupyter lab` use the user's registration: keep it startable too.
  const stale = refreshIfStale({ kind: "user" });
  if (stale.length > 0) process.stdout.write(`Re-registered ${specDir({ kind: "user" })}: ${stale.join("; ")}\n`);
  const frontend = FRONTENDS.map((f) => onPath(f)).find((p): p is string => p !== null);
  if (!frontend) {
    process.stderr.write(NO_JUPYTER + "\n");
    process.exitCode = 1;
    return;
  }
  const notebooks = path.join(REPO_ROOT, "notebooks");
  process.stdout.write(
    `Kernel "${KERNELSPEC.display_name}" registered in ${localSpec}\nStarting ${frontend} in ${notebooks}\n`,
  );
  const { args, note } = frontendArgs(notebooks, process.getuid ? process.getuid() : null);
  if (note) process.stdout.write(note + "\n");
  // Same process group: Ctrl-C reaches Jupyter directly, which shuts down its kernels.
  const child = spawn(frontend, args, {
    cwd: notebooks,
    env: withLocalJupyterPath(process.env),
    stdio: "inherit",
  });
  process.on("SIGINT", () => undefined); // let Jupyter handle Ctrl-C and its confirmation prompt
  child.on("exit", (code, signal) => {
    process.exitCode = code ?? (signal ? 1 : 0);
  });
  child.on("error", (err) => {
    process.stderr.write(`Could not start ${frontend}: ${err.message}\n`);
    process.exitCode = 1;
  });
}

if (require.main === module) main(process.argv.slice(2));
