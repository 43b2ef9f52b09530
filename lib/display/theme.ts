/**
 * Colours for HTML outputs that read well in light AND dark editor themes
 * (JupyterLab light/dark, VS Code Light+/Dark+, the book in either mode).
 *
 * An output cannot know the theme, and no single text colour passes 4.5:1 on
 * both white and #1e1e1e (a colour dark enough for white is too dark for the
 * dark page). So the rules are:
 *   - text keeps the page's own colour (we never set `color` alone);
 *     secondary text is that colour faded (`muted`), never a fixed grey;
 *   - a tinted box is a translucent tint over the page, so the page's text
 *     colour stays readable on it in both themes (`tintedBox`);
 *   - text that must have its own colour brings its own background too: an
 *     explicit pair (`badge`), readable on any page;
 *   - lines and tracks are translucent grey, visible on both.
 * Plotly figures follow the page's text colour at draw time (figure-theme.ts).
 */

/** Secondary text: the inherited colour at 75% (≥ 4.8:1 wherever the page's own text is ≥ 8:1). */
export const MUTED = "opacity:0.75";

/** Hairlines (table rules, card borders). */
export const LINE = "rgba(128,128,128,0.35)";

/** Stronger rules (table header underline). */
export const STRONG_LINE = "rgba(128,128,128,0.7)";

/** The empty part of a progress bar. */
export const TRACK = "rgba(128,128,128,0.22)";

/** Okabe–Ito accents for bars, borders and curves (not for text). */
export const ACCENT = { blue: "#0072B2", green: "#009E73", orange: "#D55E00", yellow: "#E69F00" } as const;

export type Accent = keyof typeof ACCENT;

/** "#0072B2", 0.12 → "rgba(0,114,178,0.12)". */
export function tint(hex: string, alpha: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha})`;
}

/**
 * Style of a box with a coloured left rule and a faint tint of the same
 * colour behind the page's own text (takeaways, notes, feedback lines).
 */
export function tintedBox(accent: Accent = "blue"): string {
  const c = ACCENT[accent];
  return `border-left:4px solid ${c};background:${tint(c, 0.12)}`;
}

/** Explicit text/background pairs, each ≥ 7:1, for text that must carry its own colour. */
export const BADGE = {
  ok: { color: "#0b4d2c", background: "#dcf3e5" },
  warn: { color: "#5c3b00", background: "#fdf0cf" },
  bad: { color: "#7a1a00", background: "#fde3da" },
  info: { color: "#0b3a62", background: "#dcebf7" },
} as const;

export type BadgeKind = keyof typeof BADGE;

/** Style of a coloured label or line: its own foreground and background. */
export function badge(kind: BadgeKind): string {
  const b = BADGE[kind];
  return `color:${b.color};background:${b.background}`;
}

/** Style of a card that keeps the page's colours: a hairline border, no fill. */
export const CARD = `border:1px solid ${LINE};border-radius:6px`;
