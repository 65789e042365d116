/* lens compare page: the charts in the page's colours, and the examples coloured by part of speech as in
   the report. Data comes from JSON blocks and becomes DOM text nodes only (no innerHTML). */
(function () {
  "use strict";
  var readJSON = lensPage.readJSON, el = lensPage.el, themed = lensPage.themed;
  var figures = readJSON("lens-figures");
  var data = readJSON("lens-data");
  var tags = data.tags || [];
  var store = data.store || {};

  /* ---------- charts: in the page's colours, so they read in light and dark mode ---------- */
  var plotted = [];
  function plotAll() {
    if (typeof Plotly === "undefined") return Promise.resolve();
    return Promise.all(Object.keys(figures).map(function (id) {
      var target = document.getElementById(id);
      if (!target) return null;
      var fig = figures[id];
      if (fig.layout && fig.layout.height) target.style.height = fig.layout.height + "px";
      plotted.push(id);
      return Plotly.newPlot(target, fig.data, themed(fig.layout), {displaylogo: false, responsive: true,
        modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d"]});
    }));
  }
  function retheme() {
    plotted.forEach(function (id) {
      var target = document.getElementById(id);
      if (target && target.layout) Plotly.relayout(target, themed(figures[id].layout));
    });
  }
  if (window.matchMedia) {
    var mq = window.matchMedia("(prefers-color-scheme: dark)");
    if (mq.addEventListener) mq.addEventListener("change", retheme);
  }

  /* ---------- examples: drawn when their cluster is first opened ---------- */
  function tokens(li) {
    var ex = store[li.getAttribute("data-k")];
    if (!ex) return;
    var hits = {};
    var h = li.getAttribute("data-hits");
    if (h) {
      h.split(" ").forEach(function (p) { hits[p] = true; });
      li.classList.add("has-hits");
    }
    var words = ex[1], tagged = ex[2];
    var text = el("span", "ex-text"), spaced = true;
    for (var k = 0; k < words.length; k++) {
      var w = words[k];
      while (w.charAt(0) === "\n") {  /* a line break before the token */
        text.appendChild(document.createElement("br"));
        w = w.slice(1);
        spaced = true;
      }
      var space = w.length > 1 && w.charAt(w.length - 1) === " ";
      var tag = tags[tagged.charCodeAt(k) - 65] || "X";
      var tok = el("span", "tok t-" + tag + (hits[k] ? " hit" : "") + (spaced ? "" : " glued"), space ? w.slice(0, -1) : w);
      tok.title = tag;
      text.appendChild(tok);
      if (space) text.appendChild(document.createTextNode(" "));
      spaced = space;
    }
    if (ex[3] > 0) text.appendChild(el("span", "more", "… (" + ex[3] + " more tokens)"));
    li.insertBefore(text, li.firstChild);
  }
  function renderCluster(details) {
    if (details.getAttribute("data-rendered")) return;
    details.setAttribute("data-rendered", "1");
    details.querySelectorAll("li[data-k]").forEach(tokens);
  }
  document.querySelectorAll("details.cluster").forEach(function (d) {
    d.addEventListener("toggle", function () { if (d.open) renderCluster(d); });
    if (d.open) renderCluster(d);
  });
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details.cluster[open]").forEach(renderCluster);
  });

  plotAll().then(function () {
    document.documentElement.setAttribute("data-ready", "1");
  }, function (err) {
    document.documentElement.setAttribute("data-ready", "error");
    throw err;
  });
})();
