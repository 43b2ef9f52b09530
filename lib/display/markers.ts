/**
 * Attributes that tie notebook outputs to the book renderer. Kept in a
 * module with no imports so the book can read them without loading tslab.
 */

/** Marks the inline plotly.js loader <script> element. */
export const PLOTLY_LOADER_ATTRIBUTE = 'data-sigmoid-lab="plotly-loader"';

/** Marks every figure <div>, so the book knows a page needs plotly. */
export const FIGURE_ATTRIBUTE = 'data-sigmoid-lab="figure"';
