from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest
from bs4 import BeautifulSoup

from lens_cli import stats
from lens_cli.config import Options, ReadRequest
from lens_cli.report import analysis_page as report
from lens_cli.report import build_context, pagedata, render, render_analysis, script_json
from lens_cli.report.charts import CLUSTER_COLOURS, dendrogram_figure
from lens_cli.runtime.progress import Progress

from .clitools import analyse, page_texts
from .fakes import FakeEmbedder, FakeParser

HOSTILE = [
    "<script>alert(1)</script>",
    "</script><script>alert(2)</script>",
    '<img src=x onerror="alert(3)">',
    '"><svg onload=alert(4)>',
    "{{ 7*7 }}",
    "javascript:alert(5)",
    "=cmd|' /C calc'!A0",
]


@pytest.fixture
def analysis(tmp_path):
    texts = [
        "music for a party",
        "music for running",
        "music for the beach",
        "jazz music",
        "soul music",
        "punk music",
        "songs about love",
        *HOSTILE,
    ]
    p = tmp_path / "d.jsonl"
    p.write_text("\n".join(json.dumps({"text": t, "tag": "seed" if i == 0 else "gen"}) for i, t in enumerate(texts)))
    request = ReadRequest(str(p), text_column="text", seed_column="tag", seed_value="seed")
    return analyse(request, Options(), Progress(quiet=True), parser=FakeParser(), embedder=FakeEmbedder())


@pytest.fixture
def wordy(tmp_path):
    """120 texts of 30 to 60 words: their bytes outweigh the page's notes about how many of them it holds."""
    words = [
        "music",
        "jazz",
        "songs",
        "party",
        "beach",
        "road",
        "love",
        "night",
        "rain",
        "summer",
        "dance",
        "quiet",
        "loud",
        "slow",
        "fast",
        "old",
        "new",
    ]
    texts = [
        " ".join(words[(i * 7 + k * (i % 5 + 1)) % len(words)] for k in range(30 + i % 31)) + f" number {i}"
        for i in range(120)
    ]
    p = tmp_path / "wordy.jsonl"
    p.write_text("\n".join(json.dumps({"text": t}) for t in texts))
    request = ReadRequest(str(p), text_column="text")
    return analyse(request, Options(), Progress(quiet=True), parser=FakeParser(), embedder=FakeEmbedder())


@pytest.fixture
def soup(analysis):
    html = render(build_context(analysis, plotly_js="/* plotly */"))
    return BeautifulSoup(html, "html.parser"), html


def test_structure(soup, analysis):
    doc, _ = soup
    assert [s["data-axis"] for s in doc.select("section.axis")] == [
        "syntax",
        "dependency",
        "template",
        "lexical",
        "semantic",
    ]
    assert len(doc.select("div.chart.dendrogram")) == 5
    assert len(doc.select(".cards .card")) >= 8
    for card in doc.select(".cards .card"):
        assert card.select_one(".card-guide").get_text(strip=True)
    syntax = analysis.clusterings["syntax"]
    details = doc.select("section#axis-syntax details.cluster:not(.unclustered)")
    assert len(details) == len(syntax.clusters)
    assert [int(d["data-cluster"]) for d in details] == [c.id for c in syntax.clusters]
    first = details[0]
    assert first.select_one(".size").get_text().startswith(f"{syntax.clusters[0].size} texts")


def test_pattern_chips_are_shown(soup):
    doc, _ = soup
    chips = [" ".join(c.get_text() for c in p.select(".chip")) for p in doc.select("#axis-syntax .pattern")]
    assert "music for NOUN" in chips


def test_plotly_inlined_once_and_nothing_loaded_from_network(soup):
    doc, html = soup
    assert html.count("/* plotly */") == 1
    assert not doc.select("script[src]") and not doc.select("link[href]")
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in html


def test_hostile_texts_stay_text(soup):
    doc, _html = soup
    # No element or attribute from the data: only our own scripts exist.
    scripts = doc.find_all("script")
    assert [(s.get("id"), s.get("type")) for s in scripts if s.get("id")] == [
        ("lens-figures", "application/json"),
        ("lens-data", "application/json"),
        ("lens-texts", "text/plain"),
    ]
    assert len(scripts) == 5
    assert not doc.find_all("img") and not doc.find_all("svg")
    assert not any(attr.startswith("on") for tag in doc.find_all(True) for attr in tag.attrs)
    # The JSON block has no markup characters; the text block is base64 (no markup possible).
    raw = doc.select_one("#lens-data").string
    assert "<" not in raw and ">" not in raw and "&" not in raw
    assert re.fullmatch(r"[A-Za-z0-9+/=\n]*", doc.select_one("#lens-texts").string)
    # The page holds the literal texts.
    assert set(HOSTILE) <= {h.text for h in page_texts(doc).values()}


def test_script_json_escapes():
    assert str(script_json({"a": "</script><b>&"})) == '{"a":"\\u003c/script\\u003e\\u003cb\\u003e\\u0026"}'


def _trace(fig: dict, name: str) -> dict:
    return next(t for t in fig["data"] if t.get("name") == name)


def test_dendrogram_is_one_line_trace(analysis):
    c = analysis.clusterings["syntax"]
    fig = dendrogram_figure(c, analysis.parsed.corpus.texts).to_dict()
    lines = [t for t in fig["data"] if t.get("mode") == "lines"]
    assert len(lines) == 1
    n = analysis.parsed.corpus.n
    assert lines[0]["x"].count(None) == n - 1  # one segment group per merge
    nodes = _trace(fig, "nodes")
    assert len(nodes["x"]) == 2 * n - 1  # every leaf and every branch point
    assert sum(1 for y in nodes["y"] if y == 0) >= n
    assert all("<script>" not in t for t in nodes["text"])
    assert any("&lt;script&gt;" in t for t in nodes["text"])


def test_band_widths_are_cluster_sizes(analysis):
    c = analysis.clusterings["syntax"]
    fig = dendrogram_figure(c, analysis.parsed.corpus.texts).to_dict()
    band = _trace(fig, "band")
    assert sum(band["width"]) == pytest.approx(analysis.parsed.corpus.n)
    width_of: dict[int, float] = {}
    for cid, w in zip(band["customdata"], band["width"]):
        width_of[cid] = width_of.get(cid, 0) + w
    # Flat clusters are subtrees, so each is one run of the band, as wide as its size.
    for cluster in c.clusters:
        assert band["customdata"].count(cluster.id) == 1
        assert width_of[cluster.id] == pytest.approx(cluster.size)
    assert width_of.get(0, 0) == pytest.approx(len(c.unclustered))


def test_dendrogram_truncates_big_trees(analysis):
    c = analysis.clusterings["lexical"]
    texts = analysis.parsed.corpus.texts
    fig = dendrogram_figure(c, texts, max_leaves=5).to_dict()
    nodes = _trace(fig, "nodes")
    assert len(nodes["x"]) == 5 + 4  # five drawn leaves and the four merges above them
    assert _trace(fig, "links")["x"].count(None) == 4
    collapsed = [t for t in nodes["text"][:5] if "texts</b>" in t]
    assert collapsed and all("e.g." in t for t in collapsed)
    # The band still shows every text, truncated or not.
    assert sum(_trace(fig, "band")["width"]) == pytest.approx(len(texts))
    assert fig["layout"]["xaxis"]["showticklabels"] is False


def test_cluster_roots_are_clickable(analysis):
    c = analysis.clusterings["syntax"]
    fig = dendrogram_figure(c, analysis.parsed.corpus.texts).to_dict()
    roots = _trace(fig, "clusters")
    coloured = [cl.id for cl in c.clusters if cl.id <= len(CLUSTER_COLOURS)]
    assert roots["customdata"] == coloured
    ids = {cl.id for cl in c.clusters} | {0}
    assert set(_trace(fig, "nodes")["customdata"]) <= ids
    assert set(_trace(fig, "band")["customdata"]) <= ids


def test_landmark_mode_band_keeps_cluster_sizes(tmp_path, monkeypatch):
    # stats.sampled_summary samples in landmark mode only above VENDI_SAMPLE rows: keep this tiny corpus above it.
    monkeypatch.setattr(stats, "VENDI_SAMPLE", 8)
    texts = [f"music for a {w}" for w in ["party", "beach", "road", "club", "gym", "rain"]]
    texts += [f"{w} music" for w in ["jazz", "soul", "punk", "folk", "rock"]] + ["songs about love", "sad songs"] * 3
    p = tmp_path / "d.jsonl"
    p.write_text("\n".join(json.dumps({"text": t}) for t in texts))
    request = ReadRequest(str(p), text_column="text")
    options = Options(exact_limit=5, landmarks=6)
    a = analyse(request, options, Progress(quiet=True), parser=FakeParser(), embedder=FakeEmbedder())
    c = a.clusterings["syntax"]
    assert c.mode == "landmark"
    fig = dendrogram_figure(c, a.parsed.corpus.texts).to_dict()
    band = _trace(fig, "band")
    assert sum(band["width"]) == pytest.approx(len(texts))
    for cluster in c.clusters:
        got = sum(w for cid, w in zip(band["customdata"], band["width"]) if cid == cluster.id)
        assert got == pytest.approx(cluster.size)


def test_example_cap_is_shown(analysis):
    small = replace(analysis, options={**analysis.options, "max_examples": 1})
    ctx = build_context(small, plotly_js="")
    big = next(c for v in ctx.axes for c in v.clusters if c.distinct > 1)
    assert big.shown == 1 and len(big.examples) == 1
    doc = BeautifulSoup(render(ctx), "html.parser")
    assert f"showing 1 of {big.distinct} distinct texts" in doc.get_text(" ")
    axis = next(v.name for v in ctx.axes if big in v.clusters)
    assert "at most 1 distinct texts" in doc.select_one(f"#axis-{axis} .cap-note").get_text()


def test_size_budget_holds_the_listed_examples_first(wordy, monkeypatch):
    analysis = wordy
    monkeypatch.setattr(report, "SIZE_SLACK", 100)
    full = build_context(analysis, plotly_js="", size_limit=10**9)
    full_html = render(full)
    held_all = page_texts(BeautifulSoup(full_html, "html.parser"))
    assert sorted(held_all) == list(range(analysis.corpus.n))
    # A limit that leaves room for about half of the texts' bytes.
    bare = len(render(build_context(analysis, plotly_js="", size_limit=0)).encode())
    limit = (bare + len(full_html.encode())) // 2
    ctx = build_context(analysis, plotly_js="", size_limit=limit)
    html = render(ctx)
    assert len(html.encode()) <= limit
    held = page_texts(BeautifulSoup(html, "html.parser"))
    assert 0 < len(held) < analysis.corpus.n
    # What is held is a prefix of the priority order: every list's first example, then every second, ...
    parts = report._parts(analysis, 50)
    order = pagedata.priority_order(analysis.corpus.n, parts.lists.priority())
    assert set(held) == set(order[: len(held)])
    assert "Search covers" in ctx.coverage and f"of {analysis.corpus.n:,} texts" in ctx.coverage
    assert sum(c.shown for v in ctx.axes for c in v.clusters) < sum(c.shown for v in full.axes for c in v.clusters)


def test_priority_is_breadth_first():
    ex = pagedata.Example
    lists = report._Lists(
        {"syntax": {1: [ex(0, [0]), ex(1, [1]), ex(2, [2])], 2: [ex(5, [5])]}},
        {"syntax": [ex(7, [7]), ex(8, [8])]},
    )
    assert lists.priority() == [0, 5, 7, 1, 8, 2]


def test_only_the_largest_clusters_are_listed(analysis, monkeypatch):
    monkeypatch.setattr(report, "MAX_LISTED_CLUSTERS", 1)
    ctx = build_context(analysis, plotly_js="")
    doc = BeautifulSoup(render(ctx), "html.parser")
    syntax = analysis.clusterings["syntax"]
    assert len(syntax.clusters) > 1
    assert [d["data-cluster"] for d in doc.select("#axis-syntax details.cluster:not(.unclustered)")] == ["1"]
    note = doc.select_one("#axis-syntax .unlisted").get_text(" ", strip=True)
    rest = syntax.clusters[1:]
    assert note.startswith(f"{len(rest)} smaller clusters ({sum(c.size for c in rest)} texts")


def test_near_duplicates_are_grouped_by_axis(soup, analysis):
    doc, _ = soup
    groups = doc.select("#near-duplicates details.near")
    titles = [g.select_one("summary b").get_text() for g in groups]
    assert titles[:2] == ["Lexical", "Semantic"]
    for g in groups:
        axis = g.select_one("summary b").get_text().lower()
        total = analysis.axes[axis].stats.summary.near_duplicate_pairs
        assert g.select_one("summary .num").get_text() == f"{total:,}"
        assert len(g.select("tbody tr")) == min(total, report.MAX_NEAR_DUPLICATES)


def test_summary_table_names_the_largest_cluster(soup, analysis):
    doc, _ = soup
    rows = doc.select(".axis-table tbody tr")
    assert len(rows) == len(analysis.clusterings)
    first = rows[0].select("td")[-1]
    syntax = analysis.clusterings["syntax"]
    share = syntax.clusters[0].size / analysis.parsed.corpus.n
    assert first.get_text(" ", strip=True).startswith(f"{100 * share:.1f}%")
    assert " ".join(c.get_text() for c in first.select(".chip")) == syntax.clusters[0].pattern.text


def test_same_input_gives_byte_identical_html(tmp_path, analysis):
    again = analyse(
        ReadRequest(analysis.parsed.corpus.path, text_column="text", seed_column="tag", seed_value="seed"),
        Options(),
        Progress(quiet=True),
        parser=FakeParser(),
        embedder=FakeEmbedder(),
    )
    assert render(build_context(analysis, plotly_js="")) == render(build_context(again, plotly_js=""))


def test_render_analysis_is_the_page_build_context_measured(analysis):
    # render_analysis keeps the page its size check rendered instead of rendering it again: the same bytes.
    import plotly.offline

    page = render_analysis(analysis)
    assert page == render(build_context(analysis, plotly_js=plotly.offline.get_plotlyjs()))
    assert page == render_analysis(analysis)


def test_report_fits_its_size_limit(wordy, monkeypatch):
    analysis = wordy
    # A small slack, so that the texts' bytes must be counted closely to stay within the limit.
    monkeypatch.setattr(report, "SIZE_SLACK", 100)
    # A stand-in for plotly.js, so that the limits are of a realistic order.
    js = "/*" + "x" * 200_000 + "*/"
    full = build_context(analysis, plotly_js=js, size_limit=10**9)
    full_size = len(render(full).encode())
    none = build_context(analysis, plotly_js=js, size_limit=0)
    assert str(none.texts_blob) == ""
    bare = len(render(none).encode())  # holding no text (with the notes saying so)
    assert bare < full_size
    for limit in (bare + (full_size - bare) // 3, bare + 2 * (full_size - bare) // 3):
        ctx = build_context(analysis, plotly_js=js, size_limit=limit)
        assert len(render(ctx).encode()) <= limit
        assert 0 < len(str(ctx.texts_blob)) < len(str(full.texts_blob))
