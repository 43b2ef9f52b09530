/**
 * Summaries and the markdown table of the benchmark. All rates are medians
 * over the interleaved rounds (the machine is noisy: ±30% run to run).
 */
import { BenchKind, Segment } from "./configs";

export interface ConfigResult {
  readonly name: string;
  readonly kind: BenchKind;
  readonly segments: Segment[];
}

export interface Summary {
  readonly name: string;
  readonly kind: BenchKind;
  readonly rounds: number;
  readonly stepsPerRound: number;
  /** Median over rounds of samples/s by wall-clock time. */
  readonly samplesPerSec: number;
  /** Lowest and highest round, to show the spread. */
  readonly range: [number, number];
  readonly msPerStep: number;
  readonly gflops: number;
  /** Median samples/s by the process's CPU time (single-threaded configs only). */
  readonly cpuSamplesPerSec: number | null;
  readonly lastLoss: number;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function summarize(r: ConfigResult, batchSize: number, flopsPerStep: number): Summary {
  const rates = r.segments.map((s) => (s.steps * batchSize) / s.seconds);
  const cpuRates = r.segments.flatMap((s) => (s.cpuSeconds === null ? [] : [(s.steps * batchSize) / s.cpuSeconds]));
  const samplesPerSec = median(rates);
  const msPerStep = (1000 * batchSize) / samplesPerSec;
  return {
    name: r.name,
    kind: r.kind,
    rounds: r.segments.length,
    stepsPerRound: r.segments[0]?.steps ?? 0,
    samplesPerSec,
    range: [Math.min(...rates), Math.max(...rates)],
    msPerStep,
    gflops: flopsPerStep / (msPerStep * 1e6),
    cpuSamplesPerSec: cpuRates.length > 0 ? median(cpuRates) : null,
    lastLoss: r.segments[r.segments.length - 1]?.loss ?? NaN,
  };
}

const fmt = (x: number, digits = 0): string =>
  Number.isFinite(x)
    ? x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : "—";

/** The table; the last column is each row's rate relative to `reference` (e.g. PyTorch's best). */
export function markdownTable(rows: readonly Summary[], reference: Summary | null, referenceLabel: string): string {
  const head =
    `| configuration | samples/s (median) | range over rounds | ms/step | GFLOP/s | samples/s by CPU time | × ${referenceLabel} |\n` +
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |";
  const lines = rows.map((r) =>
    [
      r.name,
      fmt(r.samplesPerSec),
      `${fmt(r.range[0])}–${fmt(r.range[1])}`,
      fmt(r.msPerStep, 1),
      fmt(r.gflops, 1),
      r.cpuSamplesPerSec === null ? "—" : fmt(r.cpuSamplesPerSec),
      reference ? `${fmt(r.samplesPerSec / reference.samplesPerSec, 2)}×` : "—",
    ].join(" | "),
  );
  return [head, ...lines.map((l) => `| ${l} |`)].join("\n");
}

/** "- label: **r×** (target ≥ t×: meets; by CPU time …)"; without a target, just the ratios. */
export function ratioLine(
  label: string,
  num: Summary | undefined,
  den: Summary | undefined,
  target: number | null,
): string {
  if (!num || !den) return `- ${label}: not measured`;
  const r = num.samplesPerSec / den.samplesPerSec;
  const byCpu =
    num.cpuSamplesPerSec !== null && den.cpuSamplesPerSec !== null
      ? `; by CPU time ${fmt(num.cpuSamplesPerSec / den.cpuSamplesPerSec, 2)}×`
      : "";
  if (target === null) return `- ${label}: **${fmt(r, 2)}×**${byCpu ? ` (${byCpu.slice(2)})` : ""}`;
  return `- ${label}: **${fmt(r, 2)}×** (target ≥ ${target}×: ${r >= target ? "meets" : "misses"}${byCpu})`;
}
