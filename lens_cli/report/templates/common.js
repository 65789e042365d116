/* Helpers both pages use; inlined before each page's own script. */
var lensPage = (function () {
  "use strict";
  function readJSON(id) {
    var e = document.getElementById(id);
    return e && e.textContent ? JSON.parse(e.textContent) : {};
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function cssVar(name, fallback) {
    var v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return v || fallback;
  }
  /* A Plotly layout in the page's colours (light or dark): text in the foreground colour, hover boxes on the
     background, shapes and annotations in `accent` (default: the foreground). */
  function themed(layout, accent) {
    var fg = cssVar("--fg", "#1f2933"), muted = cssVar("--muted", fg), bg = cssVar("--bg", "#fff");
    var mark = accent || fg;
    var out = Object.assign({}, layout);
    out.font = Object.assign({}, layout.font, {color: fg});
    out.hoverlabel = Object.assign({}, layout.hoverlabel, {bgcolor: bg, bordercolor: muted,
      font: Object.assign({}, (layout.hoverlabel || {}).font, {color: fg})});
    if (layout.shapes) out.shapes = layout.shapes.map(function (sh) { return Object.assign({}, sh, {line: Object.assign({}, sh.line, {color: mark})}); });
    if (layout.annotations) out.annotations = layout.annotations.map(function (a) {
      return Object.assign({}, a, {font: Object.assign({}, a.font, {color: mark})});
    });
    return out;
  }
  return {readJSON: readJSON, el: el, cssVar: cssVar, themed: themed};
})();
