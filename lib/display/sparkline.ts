/**
 * A tiny inline SVG line chart for live progress: no plotly, no script, so it
 * renders the same in a live cell, a saved notebook and the book.
 */

import { escapeHtml } from "./html";
import { formatNumber } from "./numbers";

export interface SparklineOptions {
  label: string;
  color: string;
  width?: number;
  height?: number;
  /** At most this many points are drawn (bucket means of the history). */
  maxPoints?: number;
}

export function sparklineSvg(values: number[], opts: SparklineOptions): string {
  const width = opts.width ?? 180;
  const height = opts.height ?? 40;
  const finite = downsample(values.filter(Number.isFinite), opts.maxPoints ?? 200);
  const title = `<title>${escapeHtml(opts.label)}</title>`;
  if (finite.length === 0) return `<svg width="${width}" height="${height}" role="img">${title}</svg>`;
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  const span = hi - lo || 1;
  const pad = 3;
  const points = finite.map((v, i) => {
    const x = finite.length === 1 ? width / 2 : pad + (i * (width - 2 * pad)) / (finite.length - 1);
    const y = pad + ((hi - v) * (height - 2 * pad)) / span;
    return `${x.toFixed(1)},${y.toFixed(1)}`;
  });
  const range =
    `<text x="${width}" y="10" text-anchor="end" font-size="9" fill="currentColor" opacity="0.75">max ${formatNumber(hi, 3)}</text>` +
    `<text x="${width}" y="${height - 1}" text-anchor="end" font-size="9" fill="currentColor" opacity="0.75">min ${formatNumber(lo, 3)}</text>`;
  return (
    `<svg width="${width + 60}" height="${height}" viewBox="0 0 ${width + 60} ${height}" role="img" style="vertical-align:middle">` +
    title +
    `<polyline fill="none" stroke="${escapeHtml(opts.color)}" stroke-width="1.5" points="${points.join(" ")}"/>` +
    `<g transform="translate(58 0)">${range}</g>` +
    `</svg>`
  );
}

/** Bucket means, so a long history keeps its shape in few points. */
export function downsample(values: number[], maxPoints: number): number[] {
  if (values.length <= maxPoints) return values;
  const out: number[] = [];
  for (let b = 0; b < maxPoints; b++) {
    const from = Math.floor((b * values.length) / maxPoints);
    const to = Math.floor(((b + 1) * values.length) / maxPoints);
    let sum = 0;
    for (let i = from; i < to; i++) sum += values[i];
    out.push(sum / (to - from));
  }
  return out;
}
