/**
 * Plotly figures in the page's colours, decided in the browser at draw time.
 *
 * Plotly paints text with fixed colours (it accepts no CSS variables), and a
 * notebook output cannot know whether it sits in a light or a dark theme.
 * The page's text colour can be read where the figure is drawn: a figure
 * takes it for its titles, ticks and legend, lays its axes and grid in it at
 * lower alpha, and leaves its background transparent. Dark pages (light
 * text) also get black traces redrawn in the text colour. The built JSON
 * keeps light colours (white paper, dark text), so the figure is still a
 * readable light card wherever this script does not run.
 *
 * The book re-themes drawn figures when its dark-mode toggle changes:
 * figures listen for THEME_EVENT on the document.
 */

/** Dispatched on `document` by the book's theme toggle. */
export const THEME_EVENT = "sigmoid-lab-theme";

/**
 * ES5 source of `function (spec, el)`: a copy of `spec` ({data, layout,
 * frames}) restyled for the text colour inherited by `el`.
 */
export const THEMED_SPEC_JS = `function (spec, el) {
  var m = /rgba?\\(([^)]*)\\)/.exec(getComputedStyle(el).color || "");
  var p = m ? m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number) : [0, 0, 0];
  var rgb = p[0] + "," + p[1] + "," + p[2], a = p.length > 3 ? p[3] : 1;
  var lin = function (v) { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  var dark = 0.2126 * lin(p[0]) + 0.7152 * lin(p[1]) + 0.0722 * lin(p[2]) > 0.4;
  var text = "rgba(" + rgb + "," + a + ")", faint = function (k) { return "rgba(" + rgb + "," + k + ")"; };
  var s = JSON.parse(JSON.stringify(spec)), L = s.layout;
  L.font = L.font || {}; L.font.color = text;
  L.paper_bgcolor = "rgba(0,0,0,0)"; L.plot_bgcolor = "rgba(0,0,0,0)";
  if (L.title && typeof L.title === "object" && L.title.font) L.title.font.color = text;
  Object.keys(L).forEach(function (k) {
    if (!/^[xy]axis\\d*$/.test(k)) return;
    L[k].gridcolor = faint(0.16); L[k].linecolor = faint(0.5); L[k].zerolinecolor = faint(0.35); L[k].tickcolor = faint(0.5);
  });
  L.legend = L.legend || {}; L.legend.bgcolor = "rgba(0,0,0,0)";
  (L.annotations || []).forEach(function (n) { if (n.font) n.font.color = text; });
  (L.updatemenus || []).forEach(function (u) { u.bgcolor = faint(0.08); u.bordercolor = faint(0.45); u.font = u.font || {}; u.font.color = text; });
  (L.sliders || []).forEach(function (u) {
    u.bgcolor = faint(0.2); u.activebgcolor = faint(0.55); u.bordercolor = faint(0.45); u.tickcolor = faint(0.5);
    u.font = u.font || {}; u.font.color = text;
    if (u.currentvalue) { u.currentvalue.font = u.currentvalue.font || {}; u.currentvalue.font.color = text; }
  });
  var recolor = function (t) {
    if (!dark) return;
    ["line", "marker"].forEach(function (k) { if (t[k] && /^(#000000|#000|black)$/i.test(t[k].color)) t[k].color = text; });
    if (t.error_y && /^(#000000|#000|black)$/i.test(t.error_y.color || "")) t.error_y.color = text;
  };
  s.data.forEach(recolor);
  (s.frames || []).forEach(function (f) { (f.data || []).forEach(recolor); });
  return s;
}`;
