/**
 * Attributes that tie notebook outputs to the book renderer. Kept in a
 * module with no imports so the book can read them without loading tslab.
 */

/** Marks the inline plotly.js loader <script> element. */
export const PLOTLY_LOADER_ATTRIBUTE = 'data-sigmoid-lab="plotly-loader"';

/** Marks every figure <div>, so the book knows a page needs plotly. */
export const FIGURE_ATTRIBUTE = 'data-sigmoid-lab="figure"';

/**
 * On a live output (progress display), its one-line status as plain text:
 * the headless runner shows it in the terminal while the cell runs.
 * Written as `data-sigmoid-lab-status="…"` (HTML-escaped).
 */
export const STATUS_ATTRIBUTE_NAME = "data-sigmoid-lab-status";
