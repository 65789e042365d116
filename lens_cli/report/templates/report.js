/* lens report behaviour. Data comes from JSON blocks and becomes DOM text nodes only (no innerHTML). */
(function () {
  "use strict";
  function readJSON(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : {};
  }
  var figures = readJSON("lens-figures");
  var data = readJSON("lens-data");
  var store = data.store || {};
  var tags = data.tags || [];
  var deps = data.deps || [];
  var plotted = {};
  var status = document.getElementById("search-status");

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  /* ---------- charts: drawn when first visible, in the page's colours ---------- */
  function themed(layout) {
    var css = getComputedStyle(document.documentElement);
    var fg = css.getPropertyValue("--fg").trim() || "#1f2933";
    var muted = css.getPropertyValue("--muted").trim() || fg;
    var bg = css.getPropertyValue("--bg").trim() || "#fff";
    var out = Object.assign({}, layout);
    out.font = Object.assign({}, layout.font, {color: fg});
    out.hoverlabel = Object.assign({}, layout.hoverlabel, {bgcolor: bg, bordercolor: muted, font: Object.assign({}, (layout.hoverlabel || {}).font, {color: fg})});
    return out;
  }
  function plot(id) {
    var target = document.getElementById(id);
    if (!target || !figures[id] || typeof Plotly === "undefined") return Promise.resolve();
    if (plotted[id]) { Plotly.Plots.resize(target); return plotted[id]; }
    var fig = figures[id];
    /* A fixed container height: Plotly's resize (tab switch, print) sizes the chart from its box. */
    if (fig.layout && fig.layout.height) target.style.height = fig.layout.height + "px";
    plotted[id] = Plotly.newPlot(target, fig.data, themed(fig.layout), {displaylogo: false, responsive: true,
      modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d"]});
    if (target.classList.contains("dendrogram")) {
      target.on("plotly_click", function (ev) {
        var pt = ev && ev.points && ev.points[0];
        if (pt && typeof pt.customdata === "number") openCluster(target.getAttribute("data-axis"), pt.customdata);
      });
    }
    return plotted[id];
  }
  function retheme() {
    Object.keys(plotted).forEach(function (id) {
      var target = document.getElementById(id);
      if (target && target.layout) Plotly.relayout(target, themed(figures[id].layout));
    });
  }
  if (window.matchMedia) {
    var mq = window.matchMedia("(prefers-color-scheme: dark)");
    if (mq.addEventListener) mq.addEventListener("change", retheme);
  }

  function openCluster(axis, cid) {
    var d = document.getElementById(axis + "-c" + cid);
    if (!d) {
      var ax = (data.axes || {})[axis] || {};
      status.textContent = "Cluster #" + cid + " is not listed: the report lists the " + (ax.listed || 0) +
        " largest of " + (ax.total || 0) + " clusters; every cluster is in the JSON output.";
      return;
    }
    d.classList.remove("hidden-by-search");
    d.open = true;
    renderCluster(d);
    d.scrollIntoView({behavior: "smooth", block: "start"});
    d.classList.add("flash");
    setTimeout(function () { d.classList.remove("flash"); }, 1400);
  }

  /* ---------- tabs ---------- */
  var tabButtons = Array.prototype.slice.call(document.querySelectorAll(".tabs [role=tab]"));
  function showTab(name) {
    tabButtons.forEach(function (b) {
      var on = b.getAttribute("data-tab") === name;
      b.setAttribute("aria-selected", on ? "true" : "false");
      b.tabIndex = on ? 0 : -1;
    });
    document.querySelectorAll("section.axis").forEach(function (s) {
      s.hidden = s.getAttribute("data-axis") !== name;
    });
    applySearch();
    return plot("fig-" + name);
  }
  document.querySelectorAll("[data-tab]").forEach(function (b) {
    b.addEventListener("click", function (ev) {
      ev.preventDefault();
      showTab(b.getAttribute("data-tab"));
      if (b.tagName === "A") document.getElementById("axes").scrollIntoView({behavior: "smooth"});
    });
  });
  tabButtons.forEach(function (b, k) {
    b.addEventListener("keydown", function (ev) {
      var step = ev.key === "ArrowRight" ? 1 : ev.key === "ArrowLeft" ? -1 : 0;
      if (!step) return;
      var next = tabButtons[(k + step + tabButtons.length) % tabButtons.length];
      next.focus();
      showTab(next.getAttribute("data-tab"));
    });
  });
  function activeTab() {
    var b = document.querySelector(".tabs [aria-selected=true]");
    return b ? b.getAttribute("data-tab") : null;
  }
  function activeAxis() {
    var s = document.querySelector("section.axis:not([hidden])");
    return s ? s.getAttribute("data-axis") : null;
  }

  /* ---------- examples ---------- */
  function exampleItem(idx, hits, medoid) {
    var ex = store[idx];
    var li = el("li");
    li.setAttribute("data-idx", idx);
    if (!ex) { li.textContent = "(missing)"; return li; }
    if (ex[2]) li.classList.add("seed");
    var hitSet = {};
    (hits || []).forEach(function (p) { hitSet[p] = true; });
    if (hits && hits.length) li.classList.add("has-hits");
    var toks = ex[3];
    for (var k = 0; k < toks.length; k++) {
      var t = toks[k];
      var upos = tags[t[1]] || "X";
      var span = el("span", "tok t-" + upos, t[0]);
      span.title = upos + " · " + t[2] + " · " + (deps[t[3]] || "");
      span.setAttribute("data-w", t[0].toLowerCase());
      span.setAttribute("data-t", upos);
      if (hitSet[k]) span.classList.add("hit");
      li.appendChild(span);
      if (t[5] && k + 1 < toks.length) li.appendChild(document.createTextNode(" "));
    }
    if (ex[4] > toks.length) li.appendChild(el("span", "more", "… (" + (ex[4] - toks.length) + " more tokens)"));
    if (idx === medoid) li.appendChild(el("span", "medoid-mark", "medoid"));
    if (ex[2]) li.appendChild(el("span", "seed-mark", "seed"));
    li.appendChild(el("span", "row-id", "row " + ex[0]));
    return li;
  }

  function renderCluster(details) {
    if (details.getAttribute("data-rendered")) return;
    details.setAttribute("data-rendered", "1");
    var axis = details.getAttribute("data-axis");
    var cid = details.getAttribute("data-cluster");
    var medoid = details.getAttribute("data-medoid");
    var ax = (data.axes || {})[axis] || {};
    var members = cid === "0" ? (ax.unclustered || []) : ((ax.clusters || {})[cid] || []);
    var hits = ((data.hits || {})[axis] || {})[cid] || {};
    var list = details.querySelector("ol.examples");
    var frag = document.createDocumentFragment();
    members.forEach(function (idx) { frag.appendChild(exampleItem(String(idx), hits[String(idx)], medoid)); });
    list.appendChild(frag);
    if (currentTest) filterCluster(details, currentTest);
  }
  document.querySelectorAll("details.cluster").forEach(function (d) {
    d.addEventListener("toggle", function () { if (d.open) renderCluster(d); });
  });

  /* ---------- hover: the same word (or, on the legend, the same tag) across open examples ---------- */
  function mark(selector) {
    var scope = document.querySelector("section.axis:not([hidden])");
    if (!scope) return;
    scope.querySelectorAll(selector).forEach(function (s) { s.classList.add("same"); });
  }
  function attrSel(name, value) {
    return ".examples .tok[" + name + "=\"" + (window.CSS && CSS.escape ? CSS.escape(value) : value) + "\"]";
  }
  function clearSame() {
    document.querySelectorAll(".tok.same").forEach(function (s) { s.classList.remove("same"); });
  }
  document.addEventListener("mouseover", function (ev) {
    var t = ev.target;
    if (!t.classList || !t.classList.contains("tok")) return;
    clearSame();
    if (t.hasAttribute("data-tag")) mark(attrSel("data-t", t.getAttribute("data-tag")));
    else if (t.hasAttribute("data-w")) mark(attrSel("data-w", t.getAttribute("data-w")));
  });
  document.addEventListener("mouseout", function (ev) {
    if (ev.target.classList && ev.target.classList.contains("tok")) clearSame();
  });

  /* ---------- dependency arcs of the selected example ---------- */
  var SVG = "http://www.w3.org/2000/svg";
  function svgEl(tag, attrs, text) {
    var e = document.createElementNS(SVG, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function showArcs(idx) {
    var ex = store[idx];
    if (!ex) return;
    var toks = ex[3];
    var x = [], pos = 10, w;
    var widths = toks.map(function (t) { return Math.max(30, t[0].length * 8 + 14); });
    for (var k = 0; k < toks.length; k++) { x.push(pos + widths[k] / 2); pos += widths[k]; }
    var maxSpan = 1;
    toks.forEach(function (t, k) { if (t[4] >= 0 && t[4] !== k) maxSpan = Math.max(maxSpan, Math.abs(t[4] - k)); });
    var base = 40 + Math.min(maxSpan, 12) * 14;
    var svg = svgEl("svg", {width: pos + 10, height: base + 40, role: "img", "aria-label": "dependency arcs"});
    toks.forEach(function (t, k) {
      var h = t[4];
      var isRoot = h === k;
      svg.appendChild(svgEl("text", {x: x[k], y: base + 16, "text-anchor": "middle", "class": isRoot ? "root" : ""}, t[0]));
      svg.appendChild(svgEl("text", {x: x[k], y: base + 30, "text-anchor": "middle", "class": "lab"}, tags[t[1]] || ""));
      if (isRoot || h < 0 || h >= toks.length) return;  /* h < 0: the head is beyond the tokens shown */
      w = Math.abs(h - k);
      var top = base - 8 - Math.min(w, 12) * 14;
      svg.appendChild(svgEl("path", {d: "M" + x[h] + "," + base + " C" + x[h] + "," + top + " " + x[k] + "," + top + " " + x[k] + "," + (base - 2)}));
      svg.appendChild(svgEl("path", {d: "M" + (x[k] - 3) + "," + (base - 7) + " L" + x[k] + "," + (base - 1) + " L" + (x[k] + 3) + "," + (base - 7)}));
      svg.appendChild(svgEl("text", {x: (x[h] + x[k]) / 2, y: top + 8, "text-anchor": "middle", "class": "lab"}, deps[t[3]] || ""));
    });
    document.getElementById("arcs-title").textContent = "dependency arcs · row " + ex[0] + (ex[2] ? " · seed" : "");
    document.getElementById("arcs-body").replaceChildren(svg);
    document.getElementById("arcs").hidden = false;
  }
  document.addEventListener("click", function (ev) {
    var li = ev.target.closest ? ev.target.closest(".examples li") : null;
    if (!li) return;
    document.querySelectorAll(".examples li.selected").forEach(function (s) { s.classList.remove("selected"); });
    li.classList.add("selected");
    showArcs(li.getAttribute("data-idx"));
  });
  function closeArcs() {
    document.getElementById("arcs").hidden = true;
    document.querySelectorAll(".examples li.selected").forEach(function (s) { s.classList.remove("selected"); });
  }
  document.getElementById("arcs-close").addEventListener("click", closeArcs);
  document.addEventListener("keydown", function (ev) { if (ev.key === "Escape") closeArcs(); });

  /* ---------- compact mode ---------- */
  var compact = document.getElementById("compact");
  compact.addEventListener("change", function () { document.body.classList.toggle("compact", compact.checked); });

  /* ---------- search: text, or a sequence of tags and words such as "NOUN for NOUN" ---------- */
  var tagSet = {};
  tags.forEach(function (t) { tagSet[t] = true; });
  function tokenSpans(toks) {
    /* Character offsets of each token in the text rebuilt from the tokens. */
    var s = "", spans = [];
    toks.forEach(function (t, k) {
      spans.push([s.length, s.length + t[0].length]);
      s += t[0];
      if (t[5] && k + 1 < toks.length) s += " ";
    });
    return {text: s.toLowerCase(), spans: spans};
  }
  function matcher(query) {
    var q = query.trim();
    if (!q) return null;
    var parts = q.split(/\s+/);
    if (!parts.some(function (p) { return tagSet[p]; })) {
      var needle = q.toLowerCase();
      return function (ex) {
        if (ex[1].toLowerCase().indexOf(needle) < 0) return null;
        var r = tokenSpans(ex[3]), found = [], from = 0, at;
        while ((at = r.text.indexOf(needle, from)) >= 0) {
          r.spans.forEach(function (sp, k) { if (sp[0] < at + needle.length && sp[1] > at) found.push(k); });
          from = at + 1;
        }
        return found;
      };
    }
    return function (ex) {
      var toks = ex[3], found = [];
      for (var s = 0; s + parts.length <= toks.length; s++) {
        var ok = true;
        for (var j = 0; j < parts.length && ok; j++) {
          var t = toks[s + j], p = parts[j];
          ok = tagSet[p] ? tags[t[1]] === p : t[0].toLowerCase() === p.toLowerCase();
        }
        if (ok) for (j = 0; j < parts.length; j++) found.push(s + j);
      }
      return found.length ? found : null;
    };
  }
  var searchBox = document.getElementById("search");
  var currentTest = null;
  function filterCluster(d, test) {
    var any = 0;
    d.querySelectorAll("ol.examples li").forEach(function (li) {
      var found = test ? test(store[li.getAttribute("data-idx")] || [0, "", false, []]) : [];
      var toks = li.querySelectorAll(".tok");
      toks.forEach(function (s) { s.classList.remove("found"); });
      li.classList.toggle("hidden-by-search", found === null);
      if (found === null) return;
      any++;
      found.forEach(function (k) { if (toks[k]) toks[k].classList.add("found"); });
    });
    return any;
  }
  function applySearch() {
    var axis = activeAxis();
    if (!axis) return;
    var test = matcher(searchBox.value);
    currentTest = test;
    var section = document.getElementById("axis-" + axis);
    var found = 0, clusters = 0, shown = 0;
    document.querySelectorAll("section.axis").forEach(function (s) { s.classList.toggle("searching", !!test && s === section); });
    section.querySelectorAll("details.cluster").forEach(function (d) {
      if (!test) {
        d.classList.remove("hidden-by-search");
        if (d.getAttribute("data-rendered")) filterCluster(d, null);
        return;
      }
      renderCluster(d);
      shown += d.querySelectorAll("ol.examples li").length;
      var any = filterCluster(d, test);
      d.classList.toggle("hidden-by-search", any === 0);
      if (any) { d.open = true; clusters++; found += any; }
    });
    status.textContent = test
      ? found + " of the " + shown + " examples shown on the " + axis + " axis match, in " + clusters +
        " cluster" + (clusters === 1 ? "" : "s") + "."
      : "";
  }
  var timer = null;
  searchBox.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(applySearch, 150);
  });
  searchBox.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter") { clearTimeout(timer); applySearch(); }
  });

  /* ---------- start: the first axis now, the rest when shown; everything before printing ---------- */
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("section.axis").forEach(function (s) { s.hidden = false; });
    Object.keys(figures).forEach(function (id) { plot(id); });
  });
  window.addEventListener("afterprint", function () { showTab(activeTab()); });
  var first = tabButtons.length ? tabButtons[0].getAttribute("data-tab") : null;
  Promise.resolve(first ? plot("fig-" + first) : null).then(function () {
    ["fig-templates", "fig-words", "fig-bigrams", "fig-trigrams"].forEach(function (id) { plot(id); });
  }).then(function () {
    document.documentElement.setAttribute("data-ready", "1");
  }, function (err) {
    document.documentElement.setAttribute("data-ready", "error");
    throw err;
  });
})();
