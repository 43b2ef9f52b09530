/**
 * Where the time of a tfjs training step goes: per-kernel time from
 * tf.profile, plus the part of the step's wall time no kernel accounts for
 * (tfjs's engine, tape and tidy bookkeeping, and batch upload).
 */
import * as tf from "@tensorflow/tfjs";
import { Workload } from "./workload";

export interface KernelRow {
  readonly name: string;
  readonly msPerStep: number;
  readonly callsPerStep: number;
}

export interface StepProfile {
  readonly kernels: KernelRow[];
  /** Sum of the leaf kernels' time per step. */
  readonly kernelMsPerStep: number;
  /** Wall time per step of the same steps, unprofiled. */
  readonly wallMsPerStep: number;
  readonly kernelCallsPerStep: number;
}

/** Profile `steps` steps of `w` on the current backend (run it warm). */
export async function profileSteps(w: Workload, steps: number): Promise<StepProfile> {
  const t0 = performance.now();
  w.run(steps);
  const wallMsPerStep = (performance.now() - t0) / steps;
  const info = await tf.profile(() => {
    w.run(steps);
  });
  const byName = new Map<string, { ms: number; calls: number }>();
  for (const k of info.kernels) {
    const e = byName.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0;
    e.calls++;
    byName.set(k.name, e);
  }
  const kernels = [...byName]
    .map(([name, e]) => ({ name, msPerStep: e.ms / steps, callsPerStep: e.calls / steps }))
    .sort((a, b) => b.msPerStep - a.msPerStep);
  // "...__op" entries are composite ops (customGrad) wrapping leaf kernels: count leaves only.
  const leaves = kernels.filter((k) => !k.name.endsWith("__op"));
  return {
    kernels,
    kernelMsPerStep: leaves.reduce((s, k) => s + k.msPerStep, 0),
    kernelCallsPerStep: leaves.reduce((s, k) => s + k.callsPerStep, 0),
    wallMsPerStep,
  };
}

export function profileTable(title: string, p: StepProfile, top = 10): string {
  const rows = p.kernels
    .slice(0, top)
    .map((k) => `| ${k.name} | ${k.msPerStep.toFixed(2)} | ${k.callsPerStep.toFixed(0)} |`);
  const other = Math.max(0, p.wallMsPerStep - p.kernelMsPerStep);
  return [
    `**${title}**: ${p.wallMsPerStep.toFixed(1)} ms/step wall, ${p.kernelMsPerStep.toFixed(1)} ms in ` +
      `${p.kernelCallsPerStep.toFixed(0)} kernel calls, ~${other.toFixed(1)} ms outside kernels`,
    "",
    "| kernel | ms/step | calls/step |",
    "| --- | ---: | ---: |",
    ...rows,
  ].join("\n");
}
