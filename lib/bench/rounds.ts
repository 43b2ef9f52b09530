/**
 * Warm-up and interleaved timed rounds over a set of benchmark
 * configurations (the machine is noisy: rounds rotate the starting
 * configuration so none is always first, and the report takes medians).
 */
import { BenchConfig, Segment } from "./configs";

const log = (msg: string): void => void process.stderr.write(msg + "\n");

/** Warm each config up, then size its segment to about `seconds`. */
export async function warmUp(
  configs: BenchConfig[],
  seconds: number,
  batchSize: number,
): Promise<Map<BenchConfig, number>> {
  const steps = new Map<BenchConfig, number>();
  for (const c of configs) {
    log(`warming up ${c.name} (batch ${batchSize})...`);
    await c.warmUp();
    const probe = await c.run(c.kind === "tfjs" ? 2 : 20);
    steps.set(c, Math.max(1, Math.round(seconds / (probe.seconds / probe.steps))));
  }
  return steps;
}

/** Interleaved rounds; the starting config rotates so none is always first. */
export async function runRounds(
  configs: BenchConfig[],
  steps: Map<BenchConfig, number>,
  rounds: number,
  batchSize: number,
): Promise<Map<BenchConfig, Segment[]>> {
  const segments = new Map<BenchConfig, Segment[]>(configs.map((c) => [c, []]));
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < configs.length; i++) {
      const c = configs[(i + r) % configs.length];
      const s = await c.run(steps.get(c) ?? 1);
      segments.get(c)?.push(s);
      const rate = (s.steps * batchSize) / s.seconds;
      log(`round ${r + 1}/${rounds}  ${c.name.padEnd(40)} ${rate.toFixed(0).padStart(7)} samples/s`);
      await new Promise((res) => setTimeout(res, 50)); // let spinning BLAS threads go idle
    }
  }
  return segments;
}
