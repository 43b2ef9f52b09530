/**
 * Chapter: the book's playground page (07) — its stylesheet.
 *
 * Colours are the book's variables (lib/book/site-css: --text, --bg, --line,
 * --accent, --error-text, …), so the page follows the light and dark themes;
 * the tiles, the table and the curves bring their own theme-safe colours.
 * Two columns (pictures | numbers and curves) on wide screens, one on phones.
 */
export const PAGE_CSS = `
.sigmoid-lab-playground { margin-top: 1rem; }
.pg-controls { display: grid; grid-template-columns: repeat(auto-fill, minmax(9.2rem, 1fr)); gap: 0.45rem 0.8rem; margin: 0 0 0.4rem; }
.pg-field { min-width: 0; }
.pg-field label { display: block; font-size: 0.8rem; color: var(--muted); margin-bottom: 0.1rem; }
.pg-field input, .pg-field select {
  width: 100%; font: inherit; font-size: 0.9rem; padding: 0.22rem 0.35rem; color: var(--text); background: var(--bg);
  border: 1px solid var(--muted); border-radius: 4px; min-height: 2rem;
}
.pg-field input:focus-visible, .pg-field select:focus-visible, .pg-bar button:focus-visible { outline: 2px solid var(--accent); outline-offset: 1px; }
.pg-field select:disabled { opacity: 0.55; }
.pg-field.pg-invalid input, .pg-field.pg-invalid select { border: 2px solid var(--error-line); }
.pg-error { color: var(--error-text); font-size: 0.78rem; line-height: 1.3; overflow-wrap: anywhere; }
.pg-hint { color: var(--muted); font-size: 0.78rem; line-height: 1.3; }
.pg-recipe { font-size: 0.88rem; margin: 0.3rem 0; color: var(--muted); }
.pg-bar { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem 0.6rem; margin: 0.4rem 0 0.8rem; }
.pg-bar button {
  font: inherit; font-size: 0.95rem; padding: 0.3rem 0.9rem; cursor: pointer; border-radius: 6px;
  color: var(--text); background: var(--bg); border: 1px solid var(--muted);
}
.pg-bar button.pg-train { color: var(--bg); background: var(--accent); border-color: var(--accent); font-weight: 600; }
.pg-bar button:disabled { opacity: 0.45; cursor: default; }
.pg-status { font-size: 0.88rem; font-variant-numeric: tabular-nums; flex: 1 1 18rem; }
.pg-main { display: grid; grid-template-columns: minmax(0, 1fr); gap: 0.5rem 1.4rem; align-items: start; }
.pg-tiles { min-width: 0; }
.pg-side { min-width: 0; }
.pg-numbers { overflow-x: auto; }
/* display/table styles inline; six columns must fit beside the tiles. */
.pg-numbers table { width: 100%; font-size: 12px !important; }
.pg-numbers th, .pg-numbers td { padding-left: 0.35em !important; padding-right: 0.35em !important; }
/* Settings the library refused: the pictures are of the last valid network, so they step back until the settings are fixed. */
.sigmoid-lab-playground[data-state="invalid"] .pg-main { opacity: 0.4; }
.pg-chart { width: 100%; min-height: 260px; }
.pg-about { font-size: 0.85rem; color: var(--muted); }
@media (min-width: 1100px) {
  .pg-main { grid-template-columns: minmax(0, 1.1fr) minmax(0, 1fr); }
}
`;
