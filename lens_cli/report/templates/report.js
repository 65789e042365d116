/* lens report behaviour. Data comes from JSON and base64 blocks and becomes DOM text nodes only (no innerHTML).

   What the page holds (see lens_cli/report/pagedata.py): per axis the tree's leaves in leaf order and one
   quantised height per pair of neighbouring leaves, so that a cut at any height is a split of the leaf order into
   runs (O(n)); and the analysed texts with their tokens, tags and labels, in gzipped chunks. */
(function () {
  "use strict";
  if (window.performance && performance.mark) performance.mark("lens-script");

  /* ---------- small helpers ---------- */
  function $(id) { return document.getElementById(id); }
  var readJSON = lensPage.readJSON, el = lensPage.el, cssVar = lensPage.cssVar;
  function fmtInt(x) { return Math.round(x).toLocaleString("en-US"); }
  function pct(x) { return (100 * x).toFixed(1) + "%"; }
  function plural(k, word) { return fmtInt(k) + " " + word + (k === 1 ? "" : "s"); }
  function wilson(k, n) {
    if (!n) return [0, 0];
    var z = 1.959963984540054, p = k / n, d = 1 + z * z / n;
    var c = (p + z * z / (2 * n)) / d, h = z * Math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d;
    return [Math.max(0, c - h), Math.min(1, c + h)];
  }
  function nextFrame() { return new Promise(function (r) { setTimeout(r, 0); }); }

  var figures = readJSON("lens-figures");
  var data = readJSON("lens-data");
  var AX = data.axes || {};
  var UPOS = data.upos || [], XPOS = data.xpos || [], DEPS = data.deps || [];
  var N = data.n || 0;
  var MAX_EX = data.maxExamples || 50, MAX_LISTED = data.maxListed || 200;
  var COLOURS = (data.colours || {}).clusters || [];
  var NEUTRAL = (data.colours || {}).neutral || "#8d99a6", UNCLUSTERED = (data.colours || {}).unclustered || "#c3cbd3";
  var PUNCT = 1, CONTENT = 2, MARKUP = 4, SSTART = 8, NO_HEAD = -32768;
  var statusEl = $("search-status");
  var seedSet = {};
  (data.seeds || []).forEach(function (i) { seedSet[i] = true; });
  var stopSet = {};
  (data.stop || []).forEach(function (w) { stopSet[w] = true; });
  function colourOf(id) { return id >= 1 && id <= COLOURS.length ? COLOURS[id - 1] : id === 0 ? UNCLUSTERED : NEUTRAL; }

  /* ---------- decoding: base64 -> gzip -> typed arrays ---------- */
  var CTOR = {u8: Uint8Array, u16: Uint16Array, u32: Uint32Array, i16: Int16Array, i32: Int32Array, f32: Float32Array};
  function b64bytes(s) {
    if (Uint8Array.fromBase64) return Uint8Array.fromBase64(s);
    var bin = atob(s), n = bin.length, out = new Uint8Array(n);
    for (var i = 0; i < n; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  function inflate(bytes) {
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).arrayBuffer();
  }
  function unpack(p) {
    if (!p) return Promise.resolve(null);
    return inflate(b64bytes(p.z)).then(function (buf) { return new CTOR[p.t](buf); });
  }
  function cumsum(a) {
    var out = new Int32Array(a.length + 1);
    for (var k = 0; k < a.length; k++) out[k + 1] = out[k] + a[k];
    return out;
  }

  /* ---------- the texts the page holds ---------- */
  var T = {
    chunk: new Int32Array(N).fill(-1), tok: new Int32Array(N), ntok: new Int32Array(N), flags: new Uint8Array(N),
    str: new Array(N), chunks: [], covered: 0,
    has: function (i) { return T.chunk[i] >= 0; }
  };
  var ROWS = new Int32Array(N), GROUP = new Int32Array(N);
  function parseChunk(buf) {
    var head = new Uint32Array(buf, 0, 3), nt = head[0], nk = head[1], nb = head[2], off = 12;
    function take(Ctor, count, size) { var a = new Ctor(buf, off, count); off += count * size; return a; }
    var idx = take(Uint32Array, nt, 4), ulen = take(Uint32Array, nt, 4), ntok = take(Uint32Array, nt, 4);
    var tflags = take(Uint32Array, nt, 4);
    var c = {gap: take(Uint16Array, nk, 2), len: take(Uint16Array, nk, 2), head: take(Int16Array, nk, 2),
      upos: take(Uint8Array, nk, 1), xpos: take(Uint8Array, nk, 1), dep: take(Uint8Array, nk, 1), flags: take(Uint8Array, nk, 1)};
    var all = new TextDecoder().decode(new Uint8Array(buf, off, nb));
    var ci = T.chunks.length, at = 0, tok = 0;
    T.chunks.push(c);
    for (var k = 0; k < nt; k++) {
      var i = idx[k];
      T.chunk[i] = ci; T.tok[i] = tok; T.ntok[i] = ntok[k]; T.flags[i] = tflags[k];
      T.str[i] = all.substring(at, at + ulen[k]);
      at += ulen[k]; tok += ntok[k];
    }
    T.covered += nt;
  }
  /* A held text's tokens: where each starts and ends in its text, and its columns. */
  function tokensOf(i) {
    var c = T.chunks[T.chunk[i]], o = T.tok[i], n = T.ntok[i], s = T.str[i];
    var start = new Int32Array(n), end = new Int32Array(n), cur = 0;
    for (var k = 0; k < n; k++) { start[k] = cur + c.gap[o + k]; end[k] = start[k] + c.len[o + k]; cur = end[k]; }
    return {i: i, n: n, str: s, start: start, end: end, c: c, o: o,
      upos: function (k) { return UPOS[c.upos[o + k]] || "X"; },
      word: function (k) { return s.substring(start[k], end[k]); },
      lower: function (k) { return s.substring(start[k], end[k]).toLowerCase(); },
      flag: function (k) { return c.flags[o + k]; }};
  }

  /* ---------- axes: the tree in leaf order, re-cut at any height ---------- */
  var S = {};
  function loadAxis(name) {
    var d = AX[name];
    var keys = ["leaves", "heights", "near", "owner", "spanStart", "spanLen", "followed"];
    return Promise.all(keys.map(function (k) { return unpack(d[k]); })).then(function (a) {
      var s = {name: name, d: d, leaves: a[0], heights: a[1], near: a[2], owner: null, spanStart: a[4], spanLen: a[5],
        followed: a[6], m: a[0].length, items: d.items, sentence: d.unit === "sentence"};
      if (a[3]) { s.owner = new Int32Array(a[3].length); var acc = 0; for (var k = 0; k < a[3].length; k++) { acc += a[3][k]; s.owner[k] = acc; } }
      if (s.near) {
        /* Items sorted by their landmark's leaf position, then by index: the order of the server's lists. */
        var w = new Int32Array(s.m);
        for (var i = 0; i < s.near.length; i++) w[s.near[i]]++;
        s.cum = cumsum(w);
        var at = s.cum.slice(0, s.m), order = new Int32Array(s.items);
        for (i = 0; i < s.near.length; i++) order[at[s.near[i]]++] = i;
        s.order = order;
      } else {
        s.order = s.leaves;
        s.cum = new Int32Array(s.m + 1);
        for (var k2 = 0; k2 <= s.m; k2++) s.cum[k2] = k2;
      }
      /* Distinct heights (in quantised units) where the clusters change: the step buttons go there. */
      var hs = Array.prototype.slice.call(s.heights).sort(function (x, y) { return x - y; });
      s.steps = hs.filter(function (v, k) { return k === 0 || v !== hs[k - 1]; });
      s.q0 = d.q0; s.scale = d.scale;
      s.base = cutAt(s, d.q0);
      s.baseRuns = {};
      s.base.clusters.forEach(function (r) { s.baseRuns[s.base.rs[r] + ":" + s.base.re[r]] = s.base.id[r]; });
      s.cut = s.base;
      S[name] = s;
      return s;
    });
  }
  function textOf(s, item) { return s.owner ? s.owner[item] : item; }
  function itemsOfRun(s, cut, r) { return s.order.subarray(s.cum[cut.rs[r]], s.cum[cut.re[r]]); }

  function cutAt(s, q) {
    var m = s.m, h = s.heights, rs = [], re = [], start = 0;
    for (var k = 0; k < m - 1; k++) if (h[k] > q) { rs.push(start); re.push(k + 1); start = k + 1; }
    if (m) { rs.push(start); re.push(m); }
    var R = rs.length, size = new Int32Array(R), texts = new Int32Array(R);
    for (var r = 0; r < R; r++) size[r] = s.cum[re[r]] - s.cum[rs[r]];
    var clustered = 0;
    if (s.sentence) {
      var stamp = new Int32Array(N).fill(-1), inCluster = new Uint8Array(N);
      for (r = 0; r < R; r++) {
        var items = s.order.subarray(s.cum[rs[r]], s.cum[re[r]]);
        for (var j = 0; j < items.length; j++) {
          var t = s.owner[items[j]];
          if (stamp[t] !== r) { stamp[t] = r; texts[r]++; }
          if (size[r] >= 2) inCluster[t] = 1;
        }
      }
      for (var t2 = 0; t2 < N; t2++) clustered += inCluster[t2];
    } else {
      for (r = 0; r < R; r++) { texts[r] = size[r]; if (size[r] >= 2) clustered += size[r]; }
    }
    var clusters = [];
    for (r = 0; r < R; r++) if (size[r] >= 2) clusters.push(r);
    clusters.sort(function (a, b) { return size[b] - size[a] || rs[a] - rs[b]; });
    var id = new Int32Array(R);
    clusters.forEach(function (r2, k2) { id[r2] = k2 + 1; });
    return {q: q, rs: rs, re: re, size: size, texts: texts, id: id, clusters: clusters, clustered: clustered,
      unclustered: N - clustered, share: N ? clustered / N : 0};
  }
  /* Per text, its cluster at this cut (text unit); built when search asks. */
  function textClusters(s, cut) {
    if (cut.textCluster) return cut.textCluster;
    var tc = new Int32Array(N);
    for (var r = 0; r < cut.rs.length; r++) {
      if (!cut.id[r]) continue;
      var items = itemsOfRun(s, cut, r);
      for (var j = 0; j < items.length; j++) tc[items[j]] = cut.id[r];
    }
    cut.textCluster = tc;
    return tc;
  }
  function unclusteredTexts(s, cut) {
    /* Text unit: items alone in their run, in leaf order; sentence unit: texts none of whose sentences is in a
       cluster, by index (as the server lists them). */
    var out = [];
    if (!s.sentence) {
      for (var r = 0; r < cut.rs.length; r++) if (cut.size[r] === 1) out.push(s.order[s.cum[cut.rs[r]]]);
      return out;
    }
    var inCluster = new Uint8Array(N);
    cut.clusters.forEach(function (r2) {
      var items = itemsOfRun(s, cut, r2);
      for (var j = 0; j < items.length; j++) inCluster[s.owner[items[j]]] = 1;
    });
    for (var t = 0; t < N; t++) if (!inCluster[t]) out.push(t);
    return out;
  }
  function runTexts(s, cut, r) {
    var items = itemsOfRun(s, cut, r);
    if (!s.sentence) return Array.prototype.slice.call(items);
    var seen = {}, out = [];
    for (var j = 0; j < items.length; j++) { var t = s.owner[items[j]]; if (!seen[t]) { seen[t] = 1; out.push(t); } }
    return out;
  }
  /* The server's cluster at this run, if the run is one of the computed cut's clusters. */
  function serverId(s, cut, r) { return s.baseRuns[cut.rs[r] + ":" + cut.re[r]] || 0; }

  /* ---------- example lists: each distinct text once, the medoid (or the most repeated text) first ---------- */
  function pickExamples(texts, cap, first) {
    var members = new Map(), order = [];
    texts.forEach(function (t) {
      var g = GROUP[t], m = members.get(g);
      if (!m) { m = []; members.set(g, m); order.push(g); }
      m.push(t);
    });
    if (!order.length || cap <= 0) return [];
    var lead;
    if (first !== null && first !== undefined && members.has(GROUP[first])) lead = GROUP[first];
    else {
      first = null;
      lead = order[0];
      order.forEach(function (g) { if (members.get(g).length > members.get(lead).length) lead = g; });
    }
    var chosen = [lead], taken = {};
    taken[lead] = 1;
    for (var k = 0; k < order.length && chosen.length < cap; k++) {
      var g = order[k];
      if (g !== lead && members.get(g).some(function (t) { return seedSet[t]; })) { chosen.push(g); taken[g] = 1; }
    }
    var rest = order.filter(function (g2) { return !taken[g2]; }), slots = cap - chosen.length;
    if (rest.length > slots) {
      var picked = [];
      for (k = 0; k < slots; k++) picked.push(rest[Math.floor((2 * k + 1) * rest.length / (2 * slots))]);
      rest = picked;
    }
    return chosen.concat(rest).slice(0, cap).map(function (g3) {
      return {text: g3 === lead && first !== null ? first : members.get(g3)[0], members: members.get(g3)};
    });
  }

  /* ---------- patterns and keywords (the server's rules, for cuts made in the page) ---------- */
  var MAX_ITEMS = 6, MIN_SUPPORT = 0.3, LIT_W = 2, SLOT_W = 1, EXPONENT = 0.75, MAX_MEMBERS = 200, MAX_TOKENS = 40,
    BRANCH = 16, EPS = 1e-12;
  function patternSample(arr) {
    if (arr.length <= MAX_MEMBERS) return Array.prototype.slice.call(arr);
    var step = arr.length / MAX_MEMBERS, out = [];
    for (var k = 0; k < MAX_MEMBERS; k++) out.push(arr[Math.floor(k * step)]);
    return out;
  }
  /* An item's tokens: the text's, or in sentence unit its sentence's without markup; at most MAX_TOKENS. */
  function itemTokens(s, item) {
    var t = textOf(s, item);
    if (!T.has(t)) return null;
    var tk = tokensOf(t), ks = [];
    if (s.sentence) {
      var a = s.spanStart[item], b = Math.min(a + s.spanLen[item], tk.n);
      for (var k = a; k < b; k++) if (!(tk.flag(k) & MARKUP)) ks.push(k);
    } else {
      for (k = 0; k < tk.n; k++) ks.push(k);
    }
    return {tk: tk, ks: ks};
  }
  function tokenItems(s, it, axis) {
    var out = [], n = Math.min(it.ks.length, MAX_TOKENS), tk = it.tk;
    for (var j = 0; j < n; j++) {
      var k = it.ks[j], lit = ["word", tk.lower(k)], slot;
      if (axis === "syntax") slot = ["slot", tk.upos(k)];
      else if (axis === "template") slot = tk.flag(k) & CONTENT ? ["slot", "_"] : lit;
      else slot = ["slot", DEPS[tk.c.dep[tk.o + k]] || ""];
      out.push([lit, slot]);
    }
    return out;
  }
  function cmpStr(a, b) { return a < b ? -1 : a > b ? 1 : 0; }
  function minePattern(members, axis) {
    var n = members.length;
    if (!n) return null;
    var minCount = Math.max(1, Math.ceil(MIN_SUPPORT * n));
    var ids = new Map(), kind = [], value = [], weightOf = [];
    function iid(item) {
      var key = item[0] + "\u0001" + item[1], v = ids.get(key);
      if (v === undefined) { v = kind.length; ids.set(key, v); kind.push(item[0]); value.push(item[1]); weightOf.push(item[0] === "word" ? LIT_W : SLOT_W); }
      return v;
    }
    var interned = new Map(), length = [0], itemsIn = [[]], after = [new Map()], start = new Map();
    members.forEach(function (toks) {
      var pairs = toks.map(function (p) { return [iid(p[0]), iid(p[1])]; });
      var u = 0;
      for (var k = pairs.length - 1; k >= 0; k--) {
        var key = pairs[k][0] + "," + pairs[k][1] + "," + u, v = interned.get(key);
        if (v === undefined) {
          v = length.length; interned.set(key, v);
          var nxt = new Map(after[u]);
          nxt.set(pairs[k][0], u); nxt.set(pairs[k][1], u);
          after.push(nxt); length.push(length[u] + 1); itemsIn.push(Array.from(nxt.keys()));
        }
        u = v;
      }
      start.set(u, (start.get(u) || 0) + 1);
    });
    function cmpItem(a, b) { return cmpStr(kind[a], kind[b]) || cmpStr(value[a], value[b]); }
    function cmpNamed(a, b) {
      for (var k = 0; k < Math.min(a.length, b.length); k++) { var c = cmpItem(a[k], b[k]); if (c) return c; }
      return a.length - b.length;
    }
    function keyOf(items) { return items.map(function (i) { return kind[i] + ":" + value[i]; }); }
    function cmpKey(a, b) {
      for (var k = 0; k < Math.min(a.length, b.length); k++) { var c = cmpStr(a[k], b[k]); if (c) return c; }
      return a.length - b.length;
    }
    var best = null, seen = new Map();
    function candidates(state) {
      var counts = new Map();
      state.forEach(function (w, u) { itemsIn[u].forEach(function (it) { counts.set(it, (counts.get(it) || 0) + w); }); });
      var freq = [];
      counts.forEach(function (c, it) { if (c >= minCount) freq.push([it, c]); });
      freq.sort(function (x, y) { return (-x[1] * weightOf[x[0]]) - (-y[1] * weightOf[y[0]]) || cmpItem(x[0], y[0]); });
      return freq.slice(0, BRANCH);
    }
    function ceiling(weight, depth, state) {
      var room = MAX_ITEMS - depth, held = new Array(room + 1).fill(0);
      state.forEach(function (w, u) { var left = length[u]; held[left < room ? left : room] += w; });
      var top = 0, total = 0;
      for (var k = room; k > 0; k--) {
        total += held[k];
        if (total >= minCount) top = Math.max(top, Math.pow(total / n, EXPONENT) * (weight + LIT_W * k));
      }
      return top;
    }
    function visit(items, weight, state, support) {
      if (items.length) {
        var mark = items.length + "|" + Array.from(state.entries()).sort(function (a, b) { return a[0] - b[0]; }).join(";");
        var prior = seen.get(mark);
        if (prior && (prior[0] > weight || (prior[0] === weight && cmpNamed(prior[1], items) < 0))) return;
        seen.set(mark, [weight, items]);
        var score = Math.pow(support / n, EXPONENT) * weight;
        if (best === null || score >= best.score - EPS) {
          var key = keyOf(items);
          if (best === null || score > best.score + EPS || (Math.abs(score - best.score) <= EPS && cmpKey(key, best.key) < 0)) {
            best = {score: score, key: key, items: items, support: support};
          }
        }
      }
      if (items.length >= MAX_ITEMS) return;
      if (best !== null && ceiling(weight, items.length, state) < best.score - EPS) return;
      candidates(state).forEach(function (ic) {
        var it = ic[0], count = ic[1], w = weightOf[it];
        var bound = Math.pow(count / n, EXPONENT) * (weight + w + LIT_W * (MAX_ITEMS - items.length - 1));
        if (best !== null && bound < best.score - EPS) return;
        var next = new Map();
        state.forEach(function (wu, u) { var v = after[u].get(it); if (v !== undefined) next.set(v, (next.get(v) || 0) + wu); });
        visit(items.concat([it]), weight + w, next, count);
      });
    }
    visit([], 0, start, n);
    if (!best) return null;
    return {items: best.items.map(function (i) {
      return [kind[i], kind[i] === "word" || axis === "syntax" ? value[i] : value[i].toUpperCase()];
    }), support: best.support / n};
  }
  /* Token positions (into the item's tokens) matched by a pattern, leftmost embedding, or []. */
  function matchPattern(seq, items, axis) {
    var pos = 0, hit = [];
    for (var j = 0; j < items.length; j++) {
      var kindJ = items[j][0], v = kindJ === "word" || axis === "syntax" ? items[j][1] : items[j][1].toLowerCase();
      var found = -1;
      for (var k = pos; k < seq.length && found < 0; k++) {
        if (kindJ === "word") { if (seq[k][0][0] === "word" && seq[k][0][1] === v) found = k; }
        else if (axis === "dependency") { if (seq[k][1][1].toLowerCase() === v) found = k; }
        else if (seq[k][1][0] === "slot" && seq[k][1][1] === v) found = k;
      }
      if (found < 0) return [];
      hit.push(found);
      pos = found + 1;
    }
    return hit;
  }
  var ALNUM = /[\p{L}\p{N}]/u;
  function wordsOf(tk) {
    var out = [];
    for (var k = 0; k < tk.n; k++) {
      if (tk.flag(k) & PUNCT) continue;
      var w = tk.lower(k);
      if (w.trim()) out.push(w);
    }
    return out;
  }
  function sharedWords(texts) {
    var df = new Map();
    texts.forEach(function (t) {
      if (!T.has(t)) return;
      new Set(wordsOf(tokensOf(t))).forEach(function (w) { df.set(w, (df.get(w) || 0) + 1); });
    });
    return Array.from(df.entries()).sort(function (a, b) { return b[1] - a[1] || cmpStr(a[0], b[0]); })
      .slice(0, 6).filter(function (e) { return e[1] >= 2; }).map(function (e) { return e[0]; });
  }
  function ctfidf(s, cut) {
    if (cut.keywords) return cut.keywords;
    var tfs = cut.clusters.map(function (r) {
      var tf = new Map();
      itemsOfRun(s, cut, r).forEach(function (t) {
        if (!T.has(t)) return;
        wordsOf(tokensOf(t)).forEach(function (w) { if (!stopSet[w] && ALNUM.test(w)) tf.set(w, (tf.get(w) || 0) + 1); });
      });
      return tf;
    });
    var total = new Map(), sum = 0;
    tfs.forEach(function (tf) { tf.forEach(function (c, w) { total.set(w, (total.get(w) || 0) + c); sum += c; }); });
    var avg = tfs.length ? (sum / tfs.length || 1) : 1;
    cut.keywords = tfs.map(function (tf) {
      var size = 0;
      tf.forEach(function (c) { size += c; });
      size = size || 1;
      return Array.from(tf.entries()).map(function (e) { return [e[1] / size * Math.log(1 + avg / total.get(e[0])), e[0]]; })
        .sort(function (a, b) { return b[0] - a[0] || cmpStr(a[1], b[1]); }).slice(0, 6).map(function (e) { return e[1]; });
    });
    return cut.keywords;
  }
  /* What describes run r: the server's pattern or keywords when the run is one of its clusters, else mined here. */
  function describe(s, cut, r) {
    cut.described = cut.described || {};
    if (cut.described[r]) return cut.described[r];
    var sid = serverId(s, cut, r), out;
    if (sid && s.d.clusters[sid]) {
      var sc = s.d.clusters[sid];
      out = {pattern: sc.p ? {items: sc.p, support: sc.s} : null, keywords: sc.k || [], server: sid, medoid: sc.m};
    } else if (s.d.pattern) {
      var items = patternSample(itemsOfRun(s, cut, r)), seqs = [], missing = 0;
      items.forEach(function (it) { var x = itemTokens(s, it); if (x) seqs.push(tokenItems(s, x, s.name)); else missing++; });
      out = {pattern: minePattern(seqs, s.name), keywords: [], mined: seqs.length, missing: missing};
    } else if (s.name === "lexical") {
      out = {pattern: null, keywords: sharedWords(runTexts(s, cut, r))};
    } else {
      var k = cut.clusters.indexOf(r);
      out = {pattern: null, keywords: k >= 0 ? ctfidf(s, cut)[k] : []};
    }
    cut.described[r] = out;
    return out;
  }

  /* ---------- charts: drawn when first visible, in the page's colours ---------- */
  var plotted = {};
  function themed(layout) { return lensPage.themed(layout, cssVar("--cut", "#b34700")); }
  function plot(id) {
    var target = $(id);
    if (!target || !figures[id] || typeof Plotly === "undefined") return Promise.resolve();
    if (plotted[id]) { Plotly.Plots.resize(target); return plotted[id]; }
    var fig = figures[id];
    /* A fixed container height: Plotly's resize (tab switch, print) sizes the chart from its box. */
    if (fig.layout && fig.layout.height) target.style.height = fig.layout.height + "px";
    plotted[id] = Plotly.newPlot(target, fig.data, themed(fig.layout), {displaylogo: false, responsive: true,
      modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d"]});
    if (target.classList.contains("dendrogram")) {
      var axis = target.getAttribute("data-axis");
      target.on("plotly_click", function (ev) { chartClick(axis, ev); });
      plotted[id] = plotted[id].then(function () { if (S[axis] && S[axis].cut !== S[axis].base) drawCut(axis); });
    }
    return plotted[id];
  }
  function retheme() {
    Object.keys(plotted).forEach(function (id) {
      var target = $(id);
      if (target && target.layout) Plotly.relayout(target, themed(target.layout));
    });
  }
  if (window.matchMedia) {
    var mq = window.matchMedia("(prefers-color-scheme: dark)");
    if (mq.addEventListener) mq.addEventListener("change", retheme);
  }
  function traceIndex(gd, name) {
    for (var k = 0; k < gd.data.length; k++) if (gd.data[k].name === name) return k;
    return -1;
  }

  /* The band, the cut line, the cluster markers and the branches' hover text at the axis's current cut. */
  function drawCut(axis) {
    var s = S[axis], gd = $("fig-" + axis);
    if (!s || !gd || !gd.data || !plotted["fig-" + axis]) return;
    var cut = s.cut, base = s.cut === s.base, band = s.d.band;
    var xs = [], ws = [], ys = [], bs = [], cs = [], ids = [], tx = [];
    var r = 0, R = cut.rs.length;
    while (r < R) {
      var id = cut.id[r], r2 = r + 1;
      if (!id) while (r2 < R && !cut.id[r2]) r2++;
      var x0 = s.cum[cut.rs[r]], x1 = s.cum[cut.re[r2 - 1]], h = id ? band : band / 3;
      xs.push(Math.round((x0 + x1) * 50) / 100); ws.push(x1 - x0); ys.push(h); bs.push(-h); cs.push(colourOf(id)); ids.push(id);
      var what = s.sentence ? "sentences" : "texts";
      tx.push(id ? "<b>cluster #" + id + "</b> · " + fmtInt(cut.size[r]) + " " + what + " (" + (100 * cut.size[r] / s.items).toFixed(1) + "%)"
        : plural(x1 - x0, "unclustered " + (s.sentence ? "sentence" : "text")));
      r = r2;
    }
    var bi = traceIndex(gd, "band"), ci = traceIndex(gd, "clusters"), ni = traceIndex(gd, "nodes");
    if (bi >= 0) Plotly.restyle(gd, {x: [xs], width: [ws], y: [ys], base: [bs], "marker.color": [cs], customdata: [ids], hovertext: [tx]}, [bi]);
    if (ci >= 0) Plotly.restyle(gd, {visible: base}, [ci]);
    if (ni >= 0) {
      var nodes = s.d.nodes, texts = gd.data[ni].text.slice(), custom = gd.data[ni].customdata.slice();
      if (!s.nodeBase) s.nodeBase = {text: texts.slice(), custom: custom.slice()};
      if (base) { texts = s.nodeBase.text.slice(); custom = s.nodeBase.custom.slice(); }
      else {
        var leaves = nodes.length ? (nodes.length + 1) / 2 : 0;
        nodes.forEach(function (nd, k) {
          var mix = branchMix(s, cut, nd[0], nd[1]);
          var old = s.nodeBase.text[k].split("<br>"), single = k < leaves && nd[1] - nd[0] === 1;
          var example = single ? old[0] : (old.filter(function (p) { return p.indexOf("e.g. ") === 0; })[0] || "");
          var total = s.cum[nd[1]] - s.cum[nd[0]], what = s.sentence ? "sentence" : "text";
          texts[k] = single ? example + "<br>" + mix.text + (total > 1 ? " · stands for " + plural(total, what) : "")
            : "<b>" + plural(total, what) + "</b> · " + mix.text + (example ? "<br>" + example : "");
          custom[k] = mix.main;
        });
      }
      Plotly.restyle(gd, {text: [texts], customdata: [custom]}, [ni]);
    }
    var t = (cut.q === s.q0) ? s.d.cut : cut.q / s.scale;
    var rel = {};
    if (gd.layout.shapes && gd.layout.shapes.length) { rel["shapes[0].y0"] = t; rel["shapes[0].y1"] = t; }
    if (gd.layout.annotations && gd.layout.annotations.length) { rel["annotations[0].y"] = t; rel["annotations[0].text"] = "cut " + fmtCut(t); }
    Plotly.relayout(gd, rel);
  }
  /* The clusters under leaves [a, b) at a cut: their shares, and the main one. */
  function branchMix(s, cut, a, b) {
    var lo = 0, hi = cut.rs.length - 1;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (cut.re[mid] <= a) lo = mid + 1; else hi = mid; }
    var mass = {}, total = s.cum[b] - s.cum[a];
    for (var r = lo; r < cut.rs.length && cut.rs[r] < b; r++) {
      var w = s.cum[Math.min(cut.re[r], b)] - s.cum[Math.max(cut.rs[r], a)];
      mass[cut.id[r]] = (mass[cut.id[r]] || 0) + w;
    }
    var parts = Object.keys(mass).map(Number).sort(function (x, y) { return mass[y] - mass[x] || x - y; });
    var main = 0;
    parts.forEach(function (c) { if (c && (!main || mass[c] > mass[main])) main = c; });
    var text = parts.slice(0, 3).map(function (c) { return (c ? "#" + c : "unclustered") + " " + (100 * mass[c] / total).toFixed(0) + "%"; }).join(", ");
    if (parts.length > 3) text += ", " + (parts.length - 3) + " more";
    return {text: text, main: main, clusters: parts.filter(function (c) { return c > 0; })};
  }
  function fmtCut(t) { return (Math.round(t * 1000) / 1000).toFixed(3); }

  /* ---------- tabs ---------- */
  var tabButtons = Array.prototype.slice.call(document.querySelectorAll(".tabs [role=tab]"));
  function activeAxis() {
    var sec = document.querySelector("section.axis:not([hidden])");
    return sec ? sec.getAttribute("data-axis") : null;
  }
  function showTab(name) {
    tabButtons.forEach(function (b) {
      var on = b.getAttribute("data-tab") === name;
      b.setAttribute("aria-selected", on ? "true" : "false");
      b.tabIndex = on ? 0 : -1;
    });
    document.querySelectorAll("section.axis").forEach(function (sec) { sec.hidden = sec.getAttribute("data-axis") !== name; });
    document.querySelectorAll(".cutbar").forEach(function (c) { c.hidden = c.getAttribute("data-axis") !== name; });
    updateSticky();
    markToc();
    if (searchState) applySearch();
    if (compact.checked) buildThumbs(name);
    writeHash();
    return plot("fig-" + name);
  }
  tabButtons.forEach(function (b, k) {
    b.addEventListener("click", function (ev) { ev.preventDefault(); showTab(b.getAttribute("data-tab")); });
    b.addEventListener("keydown", function (ev) {
      var step = ev.key === "ArrowRight" ? 1 : ev.key === "ArrowLeft" ? -1 : 0;
      if (!step) return;
      var next = tabButtons[(k + step + tabButtons.length) % tabButtons.length];
      next.focus();
      showTab(next.getAttribute("data-tab"));
    });
  });

  /* ---------- sticky bars: what a scrolled-to element must clear ---------- */
  function updateSticky() {
    var toc = $("toc"), bar = document.querySelector(".bar");
    var h = (toc ? toc.getBoundingClientRect().height : 0);
    document.documentElement.style.setProperty("--toc-h", h + "px");
    document.documentElement.style.setProperty("--sticky", h + (bar ? bar.getBoundingClientRect().height : 0) + "px");
  }
  window.addEventListener("resize", updateSticky);
  function scrollToEl(target, inAxes) {
    updateSticky();
    var css = getComputedStyle(document.documentElement);
    var clear = parseFloat(css.getPropertyValue(inAxes ? "--sticky" : "--toc-h")) || 0;
    var y = target.getBoundingClientRect().top + window.scrollY - clear - 8;
    window.scrollTo({top: Math.max(0, y), behavior: "instant"});
  }
  function flash(e) {
    e.classList.add("flash");
    setTimeout(function () { e.classList.remove("flash"); }, 1400);
  }

  /* ---------- rendering examples ---------- */
  var EX_TOKENS = 80;
  var DEP_FAMILY = {nsubj: "subj", nsubjpass: "subj", csubj: "subj", csubjpass: "subj", expl: "subj", "nsubj:pass": "subj",
    dobj: "obj", obj: "obj", iobj: "obj", pobj: "obj", dative: "obj", attr: "obj", oprd: "obj", obl: "obj",
    amod: "mod", advmod: "mod", nummod: "mod", npadvmod: "mod", quantmod: "mod", nmod: "mod", compound: "mod", poss: "mod",
    appos: "mod", acomp: "mod", "nmod:poss": "mod", "obl:npmod": "mod",
    ccomp: "clause", xcomp: "clause", advcl: "clause", acl: "clause", relcl: "clause", "acl:relcl": "clause", parataxis: "clause", conj: "clause", pcomp: "clause",
    aux: "func", auxpass: "func", "aux:pass": "func", mark: "func", "case": "func", prep: "func", cc: "func", det: "func", neg: "func",
    prt: "func", cop: "func", agent: "func", predet: "func", preconj: "func", "compound:prt": "func",
    ROOT: "root", root: "root", punct: "punct"};
  var DEP_NAMES = {subj: "subject", obj: "object", mod: "modifier", clause: "clause", func: "function", root: "root", punct: "punct", other: "other"};
  function depFamily(label) { return DEP_FAMILY[label] || DEP_FAMILY[String(label).split(":")[0]] || "other"; }
  (function buildDepLegend() {
    var box = $("dep-legend");
    if (!box) return;
    Object.keys(DEP_NAMES).forEach(function (f) {
      var sp = el("span", "tok d-" + f, DEP_NAMES[f]);
      sp.setAttribute("data-dep", f);
      box.appendChild(sp);
    });
  })();

  /* One text as token spans and the text between them (line breaks kept), up to `limit` tokens. */
  function renderTokens(box, i, opts) {
    var tk = tokensOf(i), n = tk.n, limit = opts.limit && opts.limit < n ? opts.limit : n;
    var frag = document.createDocumentFragment(), cur = 0, c = tk.c, o = tk.o;
    for (var k = 0; k < limit; k++) {
      if (tk.start[k] > cur) frag.appendChild(document.createTextNode(tk.str.substring(cur, tk.start[k])));
      var upos = UPOS[c.upos[o + k]] || "X", dep = DEPS[c.dep[o + k]] || "";
      var sp = el("span", "tok t-" + upos + " d-" + depFamily(dep), tk.str.substring(tk.start[k], tk.end[k]));
      sp.title = upos + " · " + (XPOS[c.xpos[o + k]] || "") + " · " + dep;
      sp.setAttribute("data-t", upos);
      sp.setAttribute("data-k", k);
      if (k > 0 && tk.start[k] === cur) sp.classList.add("glued");  /* no space before it: "do|n't", "1|." */
      if (opts.hits && opts.hits[k]) sp.classList.add("hit");
      if (opts.sent && opts.sent[k]) sp.classList.add("in-sent");
      if (opts.found && opts.found[k]) sp.classList.add("found");
      frag.appendChild(sp);
      cur = tk.end[k];
    }
    if (limit === n && cur < tk.str.length) frag.appendChild(document.createTextNode(tk.str.substring(cur)));
    box.replaceChildren(frag);
    return {shown: limit, total: n};
  }
  function rowsText(members) {
    var rows = members.map(function (t) { return ROWS[t]; }).sort(function (a, b) { return a - b; });
    var head = rows.slice(0, 4).join(", ");
    return (rows.length === 1 ? "row " : "rows ") + head + (rows.length > 4 ? " +" + fmtInt(rows.length - 4) + " more" : "");
  }
  /* Emphasis for one example: the pattern's tokens, the shared words, or the cluster's sentences. */
  function emphasis(ctxt, i) {
    var s = ctxt.s, out = {hits: null, sent: null};
    if (!s || !ctxt.desc || !T.has(i)) return out;
    var tk = tokensOf(i), pat = ctxt.desc.pattern;
    if (s.sentence) {
      out.sent = {}; out.hits = {};
      (ctxt.sentItems && ctxt.sentItems.get(i) || []).forEach(function (item) {
        var it = itemTokens(s, item);
        if (!it) return;
        it.ks.forEach(function (k) { out.sent[k] = 1; });
        if (pat) matchPattern(tokenItems(s, it, s.name), pat.items, s.name).forEach(function (p) { out.hits[it.ks[p]] = 1; });
      });
    } else if (pat) {
      out.hits = {};
      matchPattern(tokenItems(s, {tk: tk, ks: Array.from({length: tk.n}, function (_, k) { return k; })}, s.name), pat.items, s.name)
        .forEach(function (p) { out.hits[p] = 1; });
    } else if (ctxt.desc.keywords && ctxt.desc.keywords.length) {
      var kw = {};
      ctxt.desc.keywords.forEach(function (w) { kw[w] = 1; });
      out.hits = {};
      for (var k = 0; k < tk.n; k++) if (!(tk.flag(k) & PUNCT) && kw[tk.lower(k)]) out.hits[k] = 1;
    }
    return out;
  }
  function exampleItem(ex, ctxt) {
    var i = ex.text, li = el("li", "ex");
    li.setAttribute("data-idx", i);
    if (seedSet[i]) li.classList.add("seed");
    var box = el("span", "ex-text");
    li.appendChild(box);
    var meta = el("span", "ex-meta");
    if (!T.has(i)) {
      box.textContent = "(this text is not held in the page: the size budget ran out)";
      box.classList.add("muted");
    } else {
      var emph = emphasis(ctxt, i);
      var found = searchState ? searchState.found(i) : null;
      var opts = {hits: emph.hits, sent: emph.sent, found: found, limit: EX_TOKENS};
      if (emph.hits && Object.keys(emph.hits).length) li.classList.add("has-hits");
      var r = renderTokens(box, i, opts);
      if (r.shown < r.total || (T.flags[i] & 1)) {
        var more = el("button", "more", r.shown < r.total ? "… show all " + fmtInt(r.total) + " tokens" : "… (cut at 10,000 characters)");
        more.type = "button";
        if (r.shown < r.total) more.addEventListener("click", function (ev) {
          ev.stopPropagation();
          opts.limit = 0;
          renderTokens(box, i, opts);
          more.remove();
          li.classList.add("expanded");
        });
        meta.appendChild(more);
      }
    }
    if (ex.members.length > 1) {
      var times = el("span", "times", "×" + fmtInt(ex.members.length));
      times.title = fmtInt(ex.members.length) + " texts in this list are this text (after folding case and spaces)";
      meta.appendChild(times);
    }
    if (ctxt.medoid !== null && ctxt.medoid !== undefined && ex.text === ctxt.medoid) meta.appendChild(el("span", "medoid-mark", "medoid"));
    if (ex.members.some(function (t) { return seedSet[t]; })) meta.appendChild(el("span", "seed-mark", "seed"));
    meta.appendChild(el("span", "row-id", rowsText(ex.members)));
    li.appendChild(meta);
    return li;
  }

  /* ---------- cluster lists ---------- */
  function listContext(axis, cid) {
    var s = S[axis];
    if (!s) return null;
    var cut = s.cut;
    if (cid === 0) return {s: s, r: -1, desc: null, medoid: null, texts: unclusteredTexts(s, cut)};
    var r = cut.clusters[cid - 1];
    if (r === undefined) return null;
    var desc = describe(s, cut, r), ctxt = {s: s, r: r, desc: desc, medoid: desc.medoid !== undefined ? desc.medoid : null};
    ctxt.texts = runTexts(s, cut, r);
    if (s.sentence) {
      var map = new Map();
      itemsOfRun(s, cut, r).forEach(function (item) {
        var t = s.owner[item], a = map.get(t);
        if (!a) map.set(t, a = []);
        a.push(item);
      });
      ctxt.sentItems = map;
    }
    return ctxt;
  }
  function renderCluster(details) {
    if (details.getAttribute("data-rendered") || !S[details.getAttribute("data-axis")]) return;
    details.setAttribute("data-rendered", "1");
    var ctxt = listContext(details.getAttribute("data-axis"), Number(details.getAttribute("data-cluster")));
    var list = details.querySelector("ol.examples");
    if (!ctxt || !list) return;
    var texts = ctxt.texts;
    if (searchState) texts = texts.filter(function (t) { return searchState.match[t]; });
    var picks = pickExamples(texts, MAX_EX, searchState ? null : ctxt.medoid);
    var frag = document.createDocumentFragment(), shown = 0;
    picks.forEach(function (ex) {
      if (!T.has(ex.text) && T.covered < N) return;
      frag.appendChild(exampleItem(ex, ctxt));
      shown++;
    });
    list.replaceChildren(frag);
    list.setAttribute("data-listed", shown);
    var note = details.querySelector(".search-note");
    if (searchState) {
      if (!note) { note = el("p", "muted small search-note"); list.parentNode.insertBefore(note, list); }
      note.textContent = "Texts matching “" + searchState.query + "”: " + fmtInt(texts.length) + (picks.length < texts.length ? ", " + picks.length + " distinct shown" : "") + ".";
    } else if (note) note.remove();
  }
  function rerender(details) { details.removeAttribute("data-rendered"); if (details.open) renderCluster(details); }
  document.addEventListener("toggle", function (ev) {
    var d = ev.target;
    if (d.classList && d.classList.contains("cluster") && d.open) renderCluster(d);
  }, true);

  function chip(kind, value, axis) {
    var c = el("span", "chip chip-" + kind + (kind === "slot" && axis === "syntax" ? " t-" + value : ""), value);
    return c;
  }
  function chipsOf(items, axis) {
    var p = el("span", "pattern");
    items.forEach(function (it) { p.appendChild(chip(it[0], it[1], axis)); });
    return p;
  }
  /* The header of a cluster at a cut made in the page (the server's clusters keep their own headers). */
  function liveCluster(s, cut, cid) {
    var r = cut.clusters[cid - 1], d = el("details", "cluster live");
    d.id = s.name + "-c" + cid;
    d.setAttribute("data-axis", s.name);
    d.setAttribute("data-cluster", cid);
    d.setAttribute("data-size", cut.texts[r]);
    var sum = el("summary"), sw = el("span", "swatch");
    sw.style.background = colourOf(cid);
    sum.appendChild(sw);
    sum.appendChild(el("span", "cid", "#" + cid));
    var size = el("span", "size");
    if (s.sentence) {
      size.appendChild(el("b", null, fmtInt(cut.size[r])));
      size.appendChild(document.createTextNode(" sentences in "));
    }
    size.appendChild(el("b", null, fmtInt(cut.texts[r])));
    size.appendChild(document.createTextNode(" texts · " + pct(cut.texts[r] / N)));
    var members = runTexts(s, cut, r), groups = new Set();
    members.forEach(function (t) { groups.add(GROUP[t]); });
    if (groups.size < members.length) {
      size.appendChild(document.createTextNode(" "));
      size.appendChild(el("span", "muted small", "(" + fmtInt(groups.size) + " distinct)"));
    }
    sum.appendChild(size);
    var descBox = el("span", "desc");
    sum.appendChild(descBox);
    var seeds = 0;
    members.forEach(function (t) { if (seedSet[t]) seeds++; });
    if (seeds) { var b = el("span", "badge seed-badge", seeds + " seed" + (seeds > 1 ? "s" : "")); b.title = "seed examples in this cluster"; sum.appendChild(b); }
    var mb = el("span", "match-badge");
    mb.hidden = true;
    sum.appendChild(mb);
    var sid = serverId(s, cut, r);
    if (sid) sum.appendChild(el("span", "muted small md", "= cluster #" + sid + " of the computed cut"));
    d.appendChild(sum);
    var body = el("div", "cluster-body");
    var follows = followsLine(s, cut, r);
    if (follows) body.appendChild(follows);
    body.appendChild(el("p", "muted small", sid ? "Examples: the medoid first, then seeds, then distinct texts spread over the tree." :
      "Examples: the most repeated text first, then seeds, then distinct texts spread over the tree (medoids are computed for the report's own cut only)."));
    body.appendChild(el("ol", "examples"));
    d.appendChild(body);
    d.describe = function () { fillDesc(s, cut, r, descBox); };
    return d;
  }
  function fillDesc(s, cut, r, box) {
    var desc = describe(s, cut, r), frag = document.createDocumentFragment();
    if (desc.pattern) {
      frag.appendChild(chipsOf(desc.pattern.items, s.name));
      var held = el("span", "muted small", "held by " + pct(desc.pattern.support));
      if (desc.missing) held.title = "mined on the " + desc.mined + " sampled members whose texts the page holds";
      frag.appendChild(held);
    } else if (desc.keywords && desc.keywords.length) {
      var kws = el("span", "keywords");
      desc.keywords.forEach(function (w) { kws.appendChild(el("span", "kw", w)); });
      frag.appendChild(kws);
    } else if (s.d.pattern) {
      frag.appendChild(el("span", "muted small", desc.mined === 0 ? "no pattern: none of its texts is held in the page" : "no pattern held by 30% of its members"));
    }
    box.replaceChildren(frag);
  }
  function followsLine(s, cut, r) {
    if (!s.followed || !data.seedNames) return null;
    var counts = {};
    runTexts(s, cut, r).forEach(function (t) { var f = s.followed[t]; if (f) counts[f - 1] = (counts[f - 1] || 0) + 1; });
    var ids = Object.keys(counts).map(Number).sort(function (a, b) { return counts[b] - counts[a] || a - b; }).slice(0, 3);
    if (!ids.length) return null;
    var p = el("p", "follows small");
    p.appendChild(document.createTextNode("Follows "));
    ids.forEach(function (k, j) {
      var a = el("a", null, data.seedNames[k]);
      a.href = "#seed-" + k;
      p.appendChild(a);
      p.appendChild(document.createTextNode(" (" + plural(counts[k], "text") + ")" + (j < ids.length - 1 ? ", " : ".")));
    });
    return p;
  }
  /* Mine the descriptions of the live headers in small batches, so that dragging stays smooth. */
  var describeQueue = [], describing = false;
  function queueDescribe(nodes) {
    describeQueue = nodes.slice();
    if (describing) return;
    describing = true;
    (function step() {
      var t0 = performance.now();
      while (describeQueue.length && performance.now() - t0 < 12) { var d = describeQueue.shift(); if (d.isConnected) d.describe(); }
      if (describeQueue.length) setTimeout(step, 0); else describing = false;
    })();
  }
  var serverLists = {};
  function buildList(axis) {
    var s = S[axis], section = $("axis-" + axis);
    var box = section.querySelector(".clusters");
    if (!serverLists[axis]) serverLists[axis] = box;
    clearBranch(axis);
    if (s.cut === s.base) {
      var live = section.querySelector(".clusters.live-list");
      if (live) live.replaceWith(serverLists[axis]);
      return;
    }
    var cut = s.cut, out = el("div", "clusters live-list"), nodes = [];
    out.setAttribute("data-cut", fmtCut(cut.q / s.scale));
    var listed = Math.min(cut.clusters.length, MAX_LISTED);
    for (var cid = 1; cid <= listed; cid++) { var d = liveCluster(s, cut, cid); out.appendChild(d); nodes.push(d); }
    if (!cut.clusters.length) out.appendChild(el("p", "muted", "No cluster of two or more texts at this cut."));
    if (cut.clusters.length > listed) {
      var restTexts = 0, largest = 0;
      for (var k = listed; k < cut.clusters.length; k++) { restTexts += cut.texts[cut.clusters[k]]; largest = Math.max(largest, cut.texts[cut.clusters[k]]); }
      var un = el("p", "muted small unlisted", fmtInt(cut.clusters.length - listed) + " smaller clusters (" + fmtInt(restTexts) +
        " texts, at most " + largest + " each) are not listed here.");
      un.setAttribute("data-texts", restTexts);
      out.appendChild(un);
    }
    if (cut.unclustered) {
      var u = el("details", "cluster unclustered live");
      u.id = axis + "-c0";
      u.setAttribute("data-axis", axis); u.setAttribute("data-cluster", "0"); u.setAttribute("data-size", cut.unclustered);
      var sum = el("summary"), sw = el("span", "swatch neutral");
      sum.appendChild(sw);
      sum.appendChild(el("span", "cid", "unclustered"));
      var size = el("span", "size");
      size.appendChild(el("b", null, fmtInt(cut.unclustered)));
      size.appendChild(document.createTextNode(" texts unlike any other at this cut"));
      sum.appendChild(size);
      var mb = el("span", "match-badge"); mb.hidden = true; sum.appendChild(mb);
      u.appendChild(sum);
      var body = el("div", "cluster-body");
      body.appendChild(el("ol", "examples"));
      u.appendChild(body);
      out.appendChild(u);
    }
    var current = section.querySelector(".clusters");
    current.replaceWith(out);
    queueDescribe(nodes);
  }

  /* ---------- the slider ---------- */
  var hashTimer = null;
  function setCut(axis, q, rebuild) {
    var s = S[axis];
    if (!s) return;
    q = Math.max(0, Math.min(data.qmax - 1, Math.round(q)));
    if (q !== s.cut.q) s.cut = q === s.q0 ? s.base : cutAt(s, q);
    var bar = $("cut-" + axis), section = $("axis-" + axis);
    var input = bar.querySelector("input");
    if (Number(input.value) !== q) input.value = q;
    var t = q === s.q0 ? s.d.cut : q / s.scale;
    bar.querySelector("output").textContent = fmtCut(t);
    bar.querySelector(".cut-reset").hidden = q === s.q0;
    var cut = s.cut, iv = wilson(cut.clustered, N);
    [bar, section.querySelector(".axis-stats")].forEach(function (box) {
      box.querySelector("[data-live=clusters]").textContent = fmtInt(cut.clusters.length);
      box.querySelector("[data-live=share]").textContent = pct(cut.share);
    });
    var ivBox = section.querySelector("[data-live=share-interval]");
    if (ivBox) {
      var iv2 = el("span", "interval", "(" + (100 * iv[0]).toFixed(1) + "–" + (100 * iv[1]).toFixed(1) + "%)");
      iv2.title = "95% interval over texts (Wilson)";
      ivBox.replaceChildren(iv2);
    }
    section.querySelector("[data-live=cut-note]").textContent = "at cut " + fmtCut(t) + (q === s.q0 ? " (the report's cut)" : "");
    var count = document.querySelector("[data-count=" + axis + "]");
    if (count) count.textContent = cut.clusters.length;
    drawCut(axis);
    if (rebuild) {
      buildList(axis);
      if (compact.checked && activeAxis() === axis) buildThumbs(axis);
      if (searchState) applySearch();
      clearTimeout(hashTimer);
      hashTimer = setTimeout(writeHash, 200);
    }
  }
  function stepCut(axis, dir) {
    var s = S[axis], q = s.cut.q, steps = s.steps, k;
    if (dir > 0) { for (k = 0; k < steps.length; k++) if (steps[k] > q) { setCut(axis, steps[k], true); return; } }
    else { for (k = steps.length - 1; k >= 0; k--) if (steps[k] <= q) { setCut(axis, k > 0 ? steps[k - 1] : 0, true); return; } }
  }
  var dragFrame = null;
  document.querySelectorAll(".cutbar").forEach(function (bar) {
    var axis = bar.getAttribute("data-axis"), input = bar.querySelector("input");
    input.addEventListener("input", function () {
      if (dragFrame) cancelAnimationFrame(dragFrame);
      dragFrame = requestAnimationFrame(function () { setCut(axis, Number(input.value), false); });
    });
    input.addEventListener("change", function () { setCut(axis, Number(input.value), true); });
    bar.querySelectorAll(".step").forEach(function (b) {
      b.addEventListener("click", function () { stepCut(axis, Number(b.getAttribute("data-step"))); });
    });
    bar.querySelector(".cut-reset").addEventListener("click", function () { setCut(axis, S[axis].q0, true); });
  });

  /* ---------- the URL hash: tab and cuts ("#tab=syntax&syntax=0.31") ---------- */
  function writeHash() {
    if (!ready) return;
    var parts = [], tab = activeAxis();
    if (tab) parts.push("tab=" + tab);
    Object.keys(S).forEach(function (a) { if (S[a].cut !== S[a].base) parts.push(a + "=" + fmtCut(S[a].cut.q / S[a].scale)); });
    var h = "#" + parts.join("&");
    if (location.hash !== h) history.replaceState(null, "", h);
  }
  function readHash() {
    var h = decodeURIComponent(location.hash.slice(1));
    if (h.indexOf("=") < 0) return h ? {anchor: h} : {};
    var out = {cuts: {}};
    h.split("&").forEach(function (kv) {
      var p = kv.split("=");
      if (p[0] === "tab") out.tab = p[1];
      else if (S[p[0]] && isFinite(Number(p[1]))) out.cuts[p[0]] = Number(p[1]);
    });
    return out;
  }
  function applyHash() {
    var h = readHash();
    if (h.cuts) Object.keys(h.cuts).forEach(function (a) {
      var s = S[a], t = h.cuts[a];
      setCut(a, Math.abs(t - s.d.cut) < 5e-4 ? s.q0 : t * s.scale, true);
    });
    if (h.tab && AX[h.tab]) showTab(h.tab);
    if (h.anchor) go(h.anchor, false);
  }

  /* ---------- navigation: links, dendrogram clicks, branch filters ---------- */
  function openCluster(axis, cid, scroll) {
    var d = $(axis + "-c" + cid);
    if (activeAxis() !== axis) showTab(axis);
    if (compact.checked) { compact.checked = false; setCompact(false); }
    if (!d) {
      var s = S[axis], listed = s ? Math.min(s.cut.clusters.length, MAX_LISTED) : 0;
      statusEl.textContent = "Cluster #" + cid + " is not listed: the page lists the " + listed + " largest of " +
        (s ? s.cut.clusters.length : 0) + " clusters at this cut; every cluster of the report's cut is in the JSON output.";
      return null;
    }
    d.classList.remove("hidden-by-search", "hidden-by-branch");
    d.open = true;
    renderCluster(d);
    if (scroll !== false) { scrollToEl(d, true); flash(d); }
    return d;
  }
  function clearBranch(axis) {
    var section = $("axis-" + axis), bf = section.querySelector(".branch-filter");
    bf.hidden = true;
    section.querySelectorAll(".hidden-by-branch").forEach(function (e) { e.classList.remove("hidden-by-branch"); });
  }
  function showBranch(axis, ids, total) {
    var section = $("axis-" + axis), want = {};
    ids.forEach(function (c) { want[c] = 1; });
    section.querySelectorAll(".clusters > details.cluster, .clusters > .unlisted").forEach(function (d) {
      var c = d.getAttribute("data-cluster");
      d.classList.toggle("hidden-by-branch", !(c !== null && want[c]));
    });
    var bf = section.querySelector(".branch-filter");
    var listed = ids.filter(function (c) { return $(axis + "-c" + c); }).length;
    bf.querySelector(".branch-what").textContent = "Showing the " + plural(listed, "cluster") + " under the clicked branch (" +
      plural(total, S[axis].sentence ? "sentence" : "text") + (listed < ids.length ? "; " + (ids.length - listed) + " smaller ones are not listed" : "") + ").";
    bf.hidden = false;
    scrollToEl(bf, true);
  }
  function chartClick(axis, ev) {
    var pt = ev && ev.points && ev.points[0], s = S[axis];
    if (!pt) return;
    var trace = pt.data && pt.data.name;
    if (trace === "nodes" && s) {
      var nd = s.d.nodes[pt.pointNumber];
      if (nd) {
        var mix = branchMix(s, s.cut, nd[0], nd[1]);
        if (mix.clusters.length > 1) { clearBranch(axis); showBranch(axis, mix.clusters, s.cum[nd[1]] - s.cum[nd[0]]); return; }
        if (mix.clusters.length === 1) { clearBranch(axis); openCluster(axis, mix.clusters[0]); return; }
        openCluster(axis, 0);
        return;
      }
    }
    if (typeof pt.customdata === "number") { clearBranch(axis); openCluster(axis, pt.customdata); }
  }
  document.querySelectorAll(".branch-clear").forEach(function (b) {
    b.addEventListener("click", function () { clearBranch(b.closest("section.axis").getAttribute("data-axis")); });
  });
  /* In-page links: switch to the target's axis (at the report's cut for cluster links), open details, clear the bars. */
  function go(id, smooth) {
    var m = /^([a-z]+)-c(\d+)$/.exec(id);
    if (m && AX[m[1]]) {
      if (S[m[1]] && S[m[1]].cut !== S[m[1]].base) setCut(m[1], S[m[1]].q0, true);
      return openCluster(m[1], Number(m[2]));
    }
    var target = $(id);
    if (!target) return null;
    var section = target.closest ? target.closest("section.axis") : null;
    if (section && section.hidden) showTab(section.getAttribute("data-axis"));
    if (target.classList.contains("cutbar")) showTab(target.getAttribute("data-axis"));
    if (target.tagName === "DETAILS") target.open = true;
    if (target.tagName === "SECTION" && target.classList.contains("axis")) showTab(target.getAttribute("data-axis"));
    var inAxes = !!(target.closest && target.closest("#axes"));
    if (target.classList.contains("cutbar")) { scrollToEl($("axes"), false); target.querySelector("input").focus(); }
    else scrollToEl(target.classList.contains("axis") ? $("axes") : target, inAxes && !target.classList.contains("axis"));
    flash(target);
    void smooth;
    return target;
  }
  document.addEventListener("click", function (ev) {
    var a = ev.target.closest ? ev.target.closest("a[href^='#']") : null;
    if (!a) return;
    var id = decodeURIComponent(a.getAttribute("href").slice(1));
    if (!id) return;
    if (id === "top") { ev.preventDefault(); window.scrollTo({top: 0}); return; }
    if (a.hasAttribute("data-tab")) { ev.preventDefault(); showTab(a.getAttribute("data-tab")); scrollToEl($("axes"), false); return; }
    ev.preventDefault();
    go(id, true);
  });
  /* The table of contents marks the section in view. */
  var tocLinks = Array.prototype.slice.call(document.querySelectorAll("#toc a[href^='#']"));
  function markToc() {
    var y = (parseFloat(getComputedStyle(document.documentElement).getPropertyValue("--toc-h")) || 0) + 20, current = null;
    tocLinks.forEach(function (a) {
      var t = $(a.getAttribute("href").slice(1));
      if (!t) return;
      if (t.classList.contains("axis")) t = $("axes");
      if (t.getBoundingClientRect().top <= y) current = a;
    });
    var axis = activeAxis(), inAxes = current && current.getAttribute("href").indexOf("#axis-") === 0;
    tocLinks.forEach(function (a) {
      var href = a.getAttribute("href");
      a.classList.toggle("current", inAxes ? href === "#axis-" + axis : a === current);
    });
  }
  var tocFrame = null;
  window.addEventListener("scroll", function () { if (!tocFrame) tocFrame = requestAnimationFrame(function () { tocFrame = null; markToc(); }); }, {passive: true});

  /* ---------- hover: the same word (or, on the legend, the same tag) across open examples ---------- */
  function clearSame() { document.querySelectorAll(".tok.same").forEach(function (x) { x.classList.remove("same"); }); }
  document.addEventListener("mouseover", function (ev) {
    var t = ev.target;
    if (!t.classList || !t.classList.contains("tok")) return;
    clearSame();
    var scope = document.querySelector("section.axis:not([hidden])");
    if (!scope) return;
    if (t.hasAttribute("data-tag")) {
      scope.querySelectorAll(".examples .tok[data-t=\"" + t.getAttribute("data-tag") + "\"]").forEach(function (x) { x.classList.add("same"); });
    } else if (t.hasAttribute("data-dep")) {
      scope.querySelectorAll(".examples .tok.d-" + t.getAttribute("data-dep")).forEach(function (x) { x.classList.add("same"); });
    } else {
      var w = t.textContent.toLowerCase();
      scope.querySelectorAll(".examples .tok").forEach(function (x) { if (x.textContent.toLowerCase() === w) x.classList.add("same"); });
    }
  });
  document.addEventListener("mouseout", function (ev) { if (ev.target.classList && ev.target.classList.contains("tok")) clearSame(); });

  /* ---------- colour toggles ---------- */
  var posBox = $("pos-colour"), depBox = $("dep-colour");
  function setColours() {
    document.body.classList.toggle("pos-on", posBox.checked);
    document.body.classList.toggle("dep-on", depBox.checked);
    $("legend").hidden = depBox.checked;
    $("dep-legend").hidden = !depBox.checked;
    updateSticky();
  }
  posBox.addEventListener("change", function () { if (posBox.checked) depBox.checked = false; setColours(); });
  depBox.addEventListener("change", function () { if (depBox.checked) posBox.checked = false; setColours(); });

  /* ---------- dependency arcs, one sentence at a time ---------- */
  var SVG = "http://www.w3.org/2000/svg", arcsState = null, measureCtx = null;
  function svgEl(tag, attrs, text) {
    var e = document.createElementNS(SVG, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function textWidth(text, px) {
    if (!measureCtx) measureCtx = document.createElement("canvas").getContext("2d");
    measureCtx.font = px + "px system-ui, sans-serif";
    return measureCtx.measureText(text).width;
  }
  function sentencesOf(tk) {
    var starts = [];
    for (var k = 0; k < tk.n; k++) if (k === 0 || (tk.flag(k) & SSTART)) starts.push(k);
    var out = [];
    starts.forEach(function (a, j) { out.push([a, j + 1 < starts.length ? starts[j + 1] : tk.n]); });
    return out.length ? out : [[0, tk.n]];
  }
  function drawArcs() {
    var st = arcsState, tk = st.tk, sent = st.sents[st.k], a = sent[0], b = sent[1], c = tk.c, o = tk.o;
    var words = [], widths = [], x = [], pos = 12;
    for (var k = a; k < b; k++) {
      var dep = DEPS[c.dep[o + k]] || "", w = tk.word(k);
      words.push(w);
      widths.push(Math.max(36, textWidth(w, 13), textWidth(UPOS[c.upos[o + k]] || "", 10), textWidth(dep, 10)) + 14);
    }
    widths.forEach(function (w) { x.push(pos + w / 2); pos += w; });
    /* Arcs: a dependent's arc to its head; each arc is one level above the highest arc it spans. */
    var arcs = [];
    for (k = a; k < b; k++) {
      var h = c.head[o + k];
      if (h === NO_HEAD || h === 0) continue;
      var hk = k + h;
      if (hk < a || hk >= b) continue;
      arcs.push({dep: k - a, head: hk - a, lo: Math.min(k, hk) - a, hi: Math.max(k, hk) - a, label: DEPS[c.dep[o + k]] || ""});
    }
    arcs.sort(function (p, q) { return (p.hi - p.lo) - (q.hi - q.lo) || p.lo - q.lo; });
    arcs.forEach(function (arc, j) {
      var level = 1;
      for (var i = 0; i < j; i++) {
        var other = arcs[i];
        if (other.lo >= arc.lo && other.hi <= arc.hi && other.level >= level) level = other.level + 1;
      }
      arc.level = level;
    });
    var top = arcs.reduce(function (mx, arc) { return Math.max(mx, arc.level); }, 0);
    var step = 22, base = 20 + top * step + 12;
    var svg = svgEl("svg", {width: pos + 12, height: base + 42, role: "img", "aria-label": "dependency arcs"});
    arcs.forEach(function (arc) {
      var x1 = x[arc.lo] + (arc.lo === arc.dep ? -4 : 4), x2 = x[arc.hi] + (arc.hi === arc.dep ? -4 : 4);
      var y = base - arc.level * step, r = 6;
      svg.appendChild(svgEl("path", {d: "M" + x1 + "," + base + " L" + x1 + "," + (y + r) + " Q" + x1 + "," + y + " " + (x1 + r) + "," + y +
        " L" + (x2 - r) + "," + y + " Q" + x2 + "," + y + " " + x2 + "," + (y + r) + " L" + x2 + "," + base, "class": "arc"}));
      var xd = arc.dep === arc.lo ? x1 : x2;
      svg.appendChild(svgEl("path", {d: "M" + (xd - 4) + "," + (base - 6) + " L" + xd + "," + base + " L" + (xd + 4) + "," + (base - 6), "class": "arrow"}));
      var lw = textWidth(arc.label, 10) + 6, mid = (x1 + x2) / 2;
      svg.appendChild(svgEl("rect", {x: mid - lw / 2, y: y - 7, width: lw, height: 13, rx: 3, "class": "lab-bg"}));
      svg.appendChild(svgEl("text", {x: mid, y: y + 3.5, "text-anchor": "middle", "class": "lab"}, arc.label));
    });
    words.forEach(function (w, j) {
      var k2 = a + j, isRoot = c.head[o + k2] === 0;
      svg.appendChild(svgEl("text", {x: x[j], y: base + 17, "text-anchor": "middle", "class": isRoot ? "root" : ""}, w));
      svg.appendChild(svgEl("text", {x: x[j], y: base + 32, "text-anchor": "middle", "class": "lab"}, UPOS[c.upos[o + k2]] || ""));
    });
    $("arcs-title").textContent = "dependency arcs · row " + ROWS[tk.i] + (seedSet[tk.i] ? " · seed" : "");
    $("arcs-where").textContent = "sentence " + (st.k + 1) + " of " + st.sents.length;
    $("arcs-prev").disabled = st.k === 0;
    $("arcs-next").disabled = st.k >= st.sents.length - 1;
    $("arcs-body").replaceChildren(svg);
    $("arcs").hidden = false;
  }
  function showArcs(i, tokenK) {
    if (!T.has(i)) return;
    var tk = tokensOf(i), sents = sentencesOf(tk), k = 0;
    if (tokenK !== undefined) sents.forEach(function (sn, j) { if (tokenK >= sn[0] && tokenK < sn[1]) k = j; });
    arcsState = {tk: tk, sents: sents, k: k};
    drawArcs();
  }
  $("arcs-prev").addEventListener("click", function () { if (arcsState && arcsState.k > 0) { arcsState.k--; drawArcs(); } });
  $("arcs-next").addEventListener("click", function () { if (arcsState && arcsState.k < arcsState.sents.length - 1) { arcsState.k++; drawArcs(); } });
  document.addEventListener("click", function (ev) {
    var li = ev.target.closest ? ev.target.closest(".examples li") : null;
    if (!li || ev.target.closest("a, button")) return;
    document.querySelectorAll(".examples li.selected").forEach(function (x) { x.classList.remove("selected"); });
    li.classList.add("selected");
    var tok = ev.target.closest(".tok");
    showArcs(Number(li.getAttribute("data-idx")), tok ? Number(tok.getAttribute("data-k")) : undefined);
  });
  function closeArcs() {
    $("arcs").hidden = true;
    document.querySelectorAll(".examples li.selected").forEach(function (x) { x.classList.remove("selected"); });
  }
  $("arcs-close").addEventListener("click", closeArcs);
  document.addEventListener("keydown", function (ev) { if (ev.key === "Escape") closeArcs(); });

  /* ---------- compact mode: a Table Lens of many clusters side by side ---------- */
  var compact = $("compact"), THUMB_ROWS = 24, THUMB_TOKENS = 36, tip = $("cell-tip");
  function setCompact(on) {
    document.body.classList.toggle("compact", on);
    document.querySelectorAll("section.axis").forEach(function (sec) {
      sec.querySelector(".thumbs").hidden = !on;
      var list = sec.querySelector(".clusters");
      if (list) list.hidden = on;
    });
    if (on) buildThumbs(activeAxis());
    updateSticky();
  }
  compact.addEventListener("change", function () { setCompact(compact.checked); });
  function buildThumbs(axis) {
    var s = S[axis];
    if (!s) return;
    var section = $("axis-" + axis), box = section.querySelector(".thumbs"), cut = s.cut;
    var frag = document.createDocumentFragment(), listed = Math.min(cut.clusters.length, MAX_LISTED);
    var ids = [];
    for (var cid = 1; cid <= listed; cid++) ids.push(cid);
    if (searchState) ids = ids.filter(function (c) { return (searchState.perCluster[axis] || {})[c]; });
    ids.forEach(function (c) { frag.appendChild(thumb(s, cut, c)); });
    box.replaceChildren(frag);
    box.setAttribute("data-cut", fmtCut(cut.q / s.scale));
  }
  function thumb(s, cut, cid) {
    var ctxt = listContext(s.name, cid), r = ctxt.r, card = el("div", "thumb");
    card.setAttribute("data-cluster", cid);
    card.title = "cluster #" + cid + ": click to open it";
    var head = el("div", "thumb-head");
    var sw = el("span", "swatch"); sw.style.background = colourOf(cid);
    head.appendChild(sw);
    head.appendChild(el("b", null, "#" + cid));
    head.appendChild(el("span", "num", " " + fmtInt(cut.texts[r])));
    var desc = ctxt.desc;
    if (desc.pattern) head.appendChild(el("span", "thumb-pattern", desc.pattern.items.map(function (x) { return x[1]; }).join(" ")));
    else if (desc.keywords && desc.keywords.length) head.appendChild(el("span", "thumb-pattern", desc.keywords.slice(0, 3).join(", ")));
    card.appendChild(head);
    var texts = searchState ? ctxt.texts.filter(function (t) { return searchState.match[t]; }) : ctxt.texts;
    var rows = el("div", "strips"), picks = pickExamples(texts, THUMB_ROWS, searchState ? null : ctxt.medoid);
    /* Cells as wide as the card allows for its longest row, so that short texts get readable cells. */
    var longest = 1;
    picks.forEach(function (ex) { if (T.has(ex.text)) longest = Math.max(longest, Math.min(T.ntok[ex.text], THUMB_TOKENS)); });
    rows.style.setProperty("--cw", Math.max(3, Math.min(14, Math.floor(150 / longest) - 1)) + "px");
    picks.forEach(function (ex) {
      if (!T.has(ex.text)) return;
      var strip = el("div", "strip"), em = emphasis(ctxt, ex.text), tk = tokensOf(ex.text), found = searchState ? searchState.found(ex.text) : null;
      var any = em.hits && Object.keys(em.hits).length;
      var first = 0;
      if (s.sentence && em.sent) { var ks = Object.keys(em.sent).map(Number); if (ks.length) first = Math.min.apply(null, ks); }
      for (var k = first; k < Math.min(tk.n, first + THUMB_TOKENS); k++) {
        var cell = el("span", "cell t-" + tk.upos(k));
        cell.setAttribute("data-w", tk.word(k));
        if (any && em.hits[k]) cell.classList.add("hit");
        if (found && found[k]) cell.classList.add("found");
        strip.appendChild(cell);
      }
      if (any || found) strip.classList.add("has-hits");
      if (ex.members.length > 1) strip.setAttribute("data-times", "×" + ex.members.length);
      rows.appendChild(strip);
    });
    card.appendChild(rows);
    card.addEventListener("click", function () { compact.checked = false; setCompact(false); openCluster(s.name, cid); });
    return card;
  }
  document.addEventListener("mousemove", function (ev) {
    var t = ev.target;
    if (!t.classList || !t.classList.contains("cell")) { if (!tip.hidden) tip.hidden = true; return; }
    tip.textContent = t.getAttribute("data-w") + " · " + t.className.replace(/.*\bt-(\w+).*/, "$1");
    tip.style.left = (ev.clientX + 12) + "px";
    tip.style.top = (ev.clientY + 14) + "px";
    tip.hidden = false;
  });

  /* ---------- search every held text: words, or a sequence of tags and words such as "NOUN for NOUN" ---------- */
  var searchBox = $("search"), searchState = null, tagIndex = {};
  UPOS.forEach(function (t, k) { tagIndex[t.toUpperCase()] = k; });
  function escapeRe(s2) { return s2.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }
  function parseQuery(q) {
    var parts = q.match(/"[^"]*"|\S+/g) || [], items = [], tagged = false;
    parts.forEach(function (p) {
      if (p.length > 1 && p[0] === "\"" && p[p.length - 1] === "\"") { items.push({word: p.slice(1, -1).toLowerCase()}); return; }
      var up = p.toUpperCase();
      if (Object.prototype.hasOwnProperty.call(tagIndex, up)) { items.push({tag: tagIndex[up], name: up}); tagged = true; }
      else items.push({word: p.toLowerCase()});
    });
    return {items: items, tagged: tagged};
  }
  function compileSearch(query) {
    var q = parseQuery(query.trim());
    if (!q.items.length) return null;
    var test, found;
    if (!q.tagged) {
      var body = q.items.map(function (it) {
        var w = it.word;
        return w.length > 1 && w[w.length - 1] === "*" ? escapeRe(w.slice(0, -1)) + "[\\p{L}\\p{N}_]*" : escapeRe(w);
      }).join("\\s+");
      var re = new RegExp("(?<![\\p{L}\\p{N}_])" + body + "(?![\\p{L}\\p{N}_])", "iu");
      var reAll = new RegExp(re.source, "giu");
      test = function (i) { return re.test(T.str[i]); };
      found = function (i) {
        var tk = tokensOf(i), out = {}, m;
        reAll.lastIndex = 0;
        while ((m = reAll.exec(tk.str)) !== null) {
          var a = m.index, b = a + m[0].length;
          for (var k = 0; k < tk.n; k++) if (tk.start[k] < b && tk.end[k] > a) out[k] = 1;
          if (m[0].length === 0) reAll.lastIndex++;
        }
        return out;
      };
    } else {
      var items = q.items, L = items.length;
      var at = function (i, cb) {
        var c = T.chunks[T.chunk[i]], o = T.tok[i], n = T.ntok[i], s = T.str[i], cur = 0, st = new Int32Array(n), en = new Int32Array(n);
        for (var k = 0; k < n; k++) { st[k] = cur + c.gap[o + k]; en[k] = st[k] + c.len[o + k]; cur = en[k]; }
        for (var a = 0; a + L <= n; a++) {
          var ok = true;
          for (var j = 0; j < L && ok; j++) {
            var it = items[j], k2 = a + j;
            if (it.tag !== undefined) ok = c.upos[o + k2] === it.tag;
            else ok = c.len[o + k2] === it.word.length && s.substring(st[k2], en[k2]).toLowerCase() === it.word;
          }
          if (ok && cb(a)) return true;
        }
        return false;
      };
      test = function (i) { return at(i, function () { return true; }); };
      found = function (i) {
        var out = {};
        at(i, function (a) { for (var j = 0; j < L; j++) out[a + j] = 1; return false; });
        return out;
      };
    }
    return {query: query.trim(), test: test, foundFn: found, tagged: q.tagged};
  }
  function runSearch(query) {
    var c = compileSearch(query);
    if (!c) return null;
    var match = new Uint8Array(N), total = 0;
    for (var i = 0; i < N; i++) if (T.chunk[i] >= 0 && c.test(i)) { match[i] = 1; total++; }
    var cache = {};
    return {query: c.query, match: match, total: total, tagged: c.tagged, perCluster: {},
      found: function (i) { if (!match[i]) return null; if (!cache[i]) cache[i] = c.foundFn(i); return cache[i]; }};
  }
  function countPerCluster(axis) {
    var s = S[axis], cut = s.cut, counts = {}, unclustered = 0, st = searchState;
    if (!s.sentence) {
      var tc = textClusters(s, cut);
      for (var i = 0; i < N; i++) if (st.match[i]) { if (tc[i]) counts[tc[i]] = (counts[tc[i]] || 0) + 1; else unclustered++; }
    } else {
      var inCluster = new Uint8Array(N);
      cut.clusters.forEach(function (r) {
        var id = cut.id[r], last = -1, items = itemsOfRun(s, cut, r), seen = {};
        for (var j = 0; j < items.length; j++) {
          var t = s.owner[items[j]];
          inCluster[t] = 1;
          if (st.match[t] && !seen[t]) { seen[t] = 1; counts[id] = (counts[id] || 0) + 1; }
          last = t;
        }
        void last;
      });
      for (var t2 = 0; t2 < N; t2++) if (st.match[t2] && !inCluster[t2]) unclustered++;
    }
    counts[0] = unclustered;
    st.perCluster[axis] = counts;
    return counts;
  }
  function applySearch() {
    var axis = activeAxis();
    if (!axis || !S[axis]) return;
    var section = $("axis-" + axis);
    document.querySelectorAll("section.axis").forEach(function (sec) { sec.classList.toggle("searching", !!searchState && sec === section); });
    section.querySelectorAll("details.cluster").forEach(function (d) {
      var badge = d.querySelector(".match-badge");
      if (!searchState) {
        d.classList.remove("hidden-by-search");
        if (badge) badge.hidden = true;
        if (d.getAttribute("data-rendered")) rerender(d);
        return;
      }
      var counts = searchState.perCluster[axis] || countPerCluster(axis);
      var k = counts[Number(d.getAttribute("data-cluster"))] || 0;
      d.classList.toggle("hidden-by-search", k === 0);
      if (badge) { badge.hidden = k === 0; badge.textContent = fmtInt(k) + " match" + (k === 1 ? "" : "es"); }
      if (d.getAttribute("data-rendered") || d.open) rerender(d);
    });
    if (compact.checked) buildThumbs(axis);
    if (!searchState) { statusEl.textContent = ""; statusEl.removeAttribute("data-total"); return; }
    var counts2 = searchState.perCluster[axis], clusters = 0, inClusters = 0;
    Object.keys(counts2).forEach(function (c) { if (c !== "0" && counts2[c]) { clusters++; inClusters += counts2[c]; } });
    var what = searchState.tagged ? "tag sequence" : "words";
    var msg = "“" + searchState.query + "” (" + what + "): " + fmtInt(searchState.total) + " of " + fmtInt(T.covered) +
      " texts match (" + pct(T.covered ? searchState.total / T.covered : 0) + ")";
    msg += searchState.total ? "; on the " + axis + " axis " + fmtInt(inClusters) + (S[axis].sentence ? " of them have a sentence in " : " are in ") +
      plural(clusters, "cluster") + ", " + fmtInt(counts2[0] || 0) + " unclustered. Clusters without a match are hidden." : ".";
    if (T.covered < N) msg += " Search covers " + fmtInt(T.covered) + " of " + fmtInt(N) + " texts (see the note above the chart).";
    statusEl.textContent = msg;
    statusEl.setAttribute("data-total", searchState.total);
  }
  var searchTimer = null;
  function searchNow() {
    clearTimeout(searchTimer);
    if (!ready) { searchTimer = setTimeout(searchNow, 100); return; }
    var q = searchBox.value;
    searchState = q.trim() ? runSearch(q) : null;
    applySearch();
  }
  searchBox.addEventListener("input", function () { clearTimeout(searchTimer); searchTimer = setTimeout(searchNow, 200); });
  searchBox.addEventListener("keydown", function (ev) { if (ev.key === "Enter") searchNow(); });

  /* ---------- start: the first chart, then the data, then everything else ---------- */
  var ready = false;
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("section.axis").forEach(function (sec) { sec.hidden = false; });
    Object.keys(figures).forEach(function (id) { plot(id); });
  });
  window.addEventListener("afterprint", function () { showTab(activeAxis() || (tabButtons[0] && tabButtons[0].getAttribute("data-tab"))); });
  function parsed() {
    /* The text data follows this script in the page: wait until the parser has read it. */
    return document.readyState !== "loading" ? Promise.resolve() :
      new Promise(function (r) { document.addEventListener("DOMContentLoaded", function () { r(); }); });
  }
  function loadTexts() {
    return parsed().then(function () {
      var blob = $("lens-texts"), chunks = blob && blob.textContent ? blob.textContent.split("\n").filter(Boolean) : [];
      return chunks.reduce(function (p, b64) {
        return p.then(function () { return inflate(b64bytes(b64)); }).then(parseChunk);
      }, Promise.resolve());
    });
  }
  function loadData() {
    return Promise.all([unpack(data.rows), unpack(data.dup)]).then(function (a) {
      var acc = 0;
      if (a[0]) for (var i = 0; i < a[0].length; i++) { acc += a[0][i]; ROWS[i] = acc; }
      if (a[1]) for (i = 0; i < a[1].length; i++) GROUP[i] = i - a[1][i];
      return loadTexts();
    }).then(function () {
      return Object.keys(AX).reduce(function (p, name) { return p.then(function () { return loadAxis(name); }); }, Promise.resolve());
    }).then(function () {
      document.querySelectorAll(".cutbar").forEach(function (bar) {
        var s = S[bar.getAttribute("data-axis")], input = bar.querySelector("input");
        if (!s) return;
        input.max = data.qmax - 1;
        input.value = s.q0;
        input.disabled = s.m < 2;
        var list = el("datalist");
        list.id = "ticks-" + s.name;
        var opt = el("option");
        opt.value = s.q0; opt.label = "report";
        list.appendChild(opt);
        bar.appendChild(list);
        input.setAttribute("list", list.id);
      });
    });
  }
  updateSticky();
  var first = tabButtons.length ? tabButtons[0].getAttribute("data-tab") : null;
  Promise.resolve(first ? plot("fig-" + first) : null).then(function () {
    document.documentElement.setAttribute("data-drawn", "1");
    if (window.performance && performance.mark) performance.mark("lens-drawn");
    return nextFrame();
  }).then(function () {
    ["fig-templates", "fig-words", "fig-bigrams", "fig-trigrams"].forEach(function (id) { plot(id); });
    return loadData();
  }).then(function () {
    ready = true;
    document.querySelectorAll("details.cluster[open]").forEach(function (d) { d.removeAttribute("data-rendered"); renderCluster(d); });
    applyHash();
    if (searchBox.value.trim()) searchNow();
    markToc();
    document.documentElement.setAttribute("data-ready", "1");
  }).catch(function (err) {
    document.documentElement.setAttribute("data-ready", "error");
    throw err;
  });

  /* For tests and the curious: the page's own view of its data. */
  window.lens = {S: S, T: T, cutAt: cutAt, setCut: setCut, pickExamples: pickExamples, minePattern: minePattern,
    itemTokens: itemTokens, tokenItems: tokenItems, patternSample: patternSample, itemsOfRun: itemsOfRun,
    runTexts: runTexts, search: function (q) { var st = runSearch(q); return st ? st.total : 0; }, rows: ROWS, group: GROUP};
})();
