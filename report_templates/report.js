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

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  /* ---------- charts ---------- */
  function plot(id) {
    var target = document.getElementById(id);
    if (!target || !figures[id] || typeof Plotly === "undefined") return;
    if (plotted[id]) { Plotly.Plots.resize(target); return; }
    var fig = figures[id];
    plotted[id] = true;
    Plotly.newPlot(target, fig.data, fig.layout, {displaylogo: false, responsive: true,
      modeBarButtonsToRemove: ["select2d", "lasso2d"]});
    if (target.classList.contains("dendrogram")) {
      target.on("plotly_click", function (ev) {
        var pt = ev && ev.points && ev.points[0];
        if (pt && typeof pt.customdata === "number" && pt.customdata > 0) {
          openCluster(target.getAttribute("data-axis"), pt.customdata);
        }
      });
    }
  }

  function openCluster(axis, cid) {
    var d = document.getElementById(axis + "-c" + cid);
    if (!d) return;
    d.open = true;
    renderCluster(d);
    d.scrollIntoView({behavior: "smooth", block: "start"});
    d.classList.add("flash");
    setTimeout(function () { d.classList.remove("flash"); }, 1200);
  }

  /* ---------- tabs ---------- */
  function showTab(name) {
    document.querySelectorAll(".tabs button").forEach(function (b) {
      b.setAttribute("aria-selected", b.getAttribute("data-tab") === name ? "true" : "false");
    });
    document.querySelectorAll("section.axis").forEach(function (s) {
      s.hidden = s.getAttribute("data-axis") !== name;
    });
    plot("fig-" + name);
    applySearch();
  }
  document.querySelectorAll("[data-tab]").forEach(function (b) {
    b.addEventListener("click", function (ev) {
      ev.preventDefault();
      showTab(b.getAttribute("data-tab"));
      if (b.tagName === "A") document.querySelector(".tabs").scrollIntoView({behavior: "smooth"});
    });
  });
  function activeAxis() {
    var s = document.querySelector("section.axis:not([hidden])");
    return s ? s.getAttribute("data-axis") : null;
  }

  /* ---------- examples ---------- */
  function exampleItem(idx, hits) {
    var ex = store[idx];
    var li = el("li");
    li.setAttribute("data-idx", idx);
    if (!ex) { li.textContent = "(missing)"; return li; }
    if (ex[2]) li.classList.add("seed");
    var hitSet = {};
    (hits || []).forEach(function (p) { hitSet[p] = true; });
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
    if (ex[2]) li.appendChild(el("span", "seed-mark", "seed"));
    li.appendChild(el("span", "row-id", "row " + ex[0]));
    return li;
  }

  function renderCluster(details) {
    if (details.getAttribute("data-rendered")) return;
    details.setAttribute("data-rendered", "1");
    var axis = details.getAttribute("data-axis");
    var cid = details.getAttribute("data-cluster");
    var ax = (data.axes || {})[axis] || {};
    var members = cid === "0" ? (ax.unclustered || []) : ((ax.clusters || {})[cid] || []);
    var hits = ((data.hits || {})[axis] || {})[cid] || {};
    var list = details.querySelector("ol.examples");
    var frag = document.createDocumentFragment();
    members.forEach(function (idx) { frag.appendChild(exampleItem(String(idx), hits[String(idx)])); });
    list.appendChild(frag);
  }
  document.querySelectorAll("details.cluster").forEach(function (d) {
    d.addEventListener("toggle", function () { if (d.open) renderCluster(d); });
  });

  /* ---------- hover: same word; legend: same tag ---------- */
  function mark(selector, on) {
    var scope = document.querySelector("section.axis:not([hidden])");
    if (!scope) return;
    scope.querySelectorAll(selector).forEach(function (s) { s.classList.toggle("same", on); });
  }
  function attrSel(name, value) {
    return ".examples .tok[" + name + "=\"" + (window.CSS && CSS.escape ? CSS.escape(value) : value) + "\"]";
  }
  document.addEventListener("mouseover", function (ev) {
    var t = ev.target;
    if (t.classList && t.classList.contains("tok")) {
      if (t.parentElement && t.parentElement.id === "legend") mark(attrSel("data-t", t.getAttribute("title")), true);
      else if (t.hasAttribute("data-w")) mark(attrSel("data-w", t.getAttribute("data-w")), true);
    }
  });
  document.addEventListener("mouseout", function (ev) {
    var t = ev.target;
    if (t.classList && t.classList.contains("tok")) {
      document.querySelectorAll(".tok.same").forEach(function (s) { s.classList.remove("same"); });
    }
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
    var widths = toks.map(function (t) { return Math.max(28, t[0].length * 8 + 12); });
    for (var k = 0; k < toks.length; k++) { x.push(pos + widths[k] / 2); pos += widths[k]; }
    var maxSpan = 1;
    toks.forEach(function (t, k) { if (t[4] >= 0 && t[4] !== k) maxSpan = Math.max(maxSpan, Math.abs(t[4] - k)); });
    var base = 40 + Math.min(maxSpan, 12) * 14;
    var svg = svgEl("svg", {width: pos + 10, height: base + 40, role: "img"});
    toks.forEach(function (t, k) {
      svg.appendChild(svgEl("text", {x: x[k], y: base + 16, "text-anchor": "middle"}, t[0]));
      svg.appendChild(svgEl("text", {x: x[k], y: base + 30, "text-anchor": "middle", "class": "lab"}, tags[t[1]] || ""));
      var h = t[4];
      if (h < 0 || h === k || h >= toks.length) return;
      w = Math.abs(h - k);
      var top = base - 8 - Math.min(w, 12) * 14;
      svg.appendChild(svgEl("path", {d: "M" + x[h] + "," + base + " C" + x[h] + "," + top + " " + x[k] + "," + top + " " + x[k] + "," + (base - 2)}));
      svg.appendChild(svgEl("path", {d: "M" + (x[k] - 3) + "," + (base - 7) + " L" + x[k] + "," + (base - 1) + " L" + (x[k] + 3) + "," + (base - 7)}));
      svg.appendChild(svgEl("text", {x: (x[h] + x[k]) / 2, y: top + 8, "text-anchor": "middle", "class": "lab"}, deps[t[3]] || ""));
    });
    var body = document.getElementById("arcs-body");
    body.replaceChildren(el("div", "small", "row " + ex[0]), svg);
    document.getElementById("arcs").hidden = false;
  }
  document.addEventListener("click", function (ev) {
    var li = ev.target.closest ? ev.target.closest(".examples li") : null;
    if (!li) return;
    document.querySelectorAll(".examples li.selected").forEach(function (s) { s.classList.remove("selected"); });
    li.classList.add("selected");
    showArcs(li.getAttribute("data-idx"));
  });
  document.getElementById("arcs-close").addEventListener("click", function () {
    document.getElementById("arcs").hidden = true;
  });

  /* ---------- compact mode ---------- */
  var compact = document.getElementById("compact");
  compact.addEventListener("change", function () { document.body.classList.toggle("compact", compact.checked); });

  /* ---------- search: text, or a tag sequence such as "NOUN for NOUN" ---------- */
  var tagSet = {};
  tags.forEach(function (t) { tagSet[t] = true; });
  function matcher(query) {
    var q = query.trim();
    if (!q) return null;
    var parts = q.split(/\s+/);
    var tagMode = parts.some(function (p) { return tagSet[p]; });
    if (!tagMode) {
      var needle = q.toLowerCase();
      return function (ex) { return ex[1].toLowerCase().indexOf(needle) >= 0; };
    }
    return function (ex) {
      var toks = ex[3];
      for (var s = 0; s + parts.length <= toks.length; s++) {
        var ok = true;
        for (var j = 0; j < parts.length && ok; j++) {
          var t = toks[s + j], p = parts[j];
          ok = tagSet[p] ? tags[t[1]] === p : t[0].toLowerCase() === p.toLowerCase();
        }
        if (ok) return true;
      }
      return false;
    };
  }
  var searchBox = document.getElementById("search");
  var status = document.getElementById("search-status");
  function applySearch() {
    var axis = activeAxis();
    if (!axis) return;
    var test = matcher(searchBox.value);
    var section = document.getElementById("axis-" + axis);
    var found = 0, clusters = 0;
    section.querySelectorAll("details.cluster").forEach(function (d) {
      if (!test) {
        d.classList.remove("hidden-by-search");
        d.querySelectorAll("li.hidden-by-search").forEach(function (li) { li.classList.remove("hidden-by-search"); });
        return;
      }
      renderCluster(d);
      var any = 0;
      d.querySelectorAll("ol.examples li").forEach(function (li) {
        var ok = test(store[li.getAttribute("data-idx")] || [0, "", false, []]);
        li.classList.toggle("hidden-by-search", !ok);
        if (ok) any++;
      });
      d.classList.toggle("hidden-by-search", any === 0);
      if (any) { d.open = true; clusters++; found += any; }
    });
    status.textContent = test ? found + " example(s) match in " + clusters + " cluster(s) of the " + axis + " axis" : "";
  }
  var timer = null;
  searchBox.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(applySearch, 120);
  });

  /* ---------- start ---------- */
  Object.keys(figures).forEach(function (id) { plot(id); });
  window.addEventListener("beforeprint", function () {
    Object.keys(figures).forEach(function (id) { plot(id); });
  });
  document.documentElement.setAttribute("data-ready", "1");
})();
