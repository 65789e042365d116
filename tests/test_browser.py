"""The report in a real browser: headless Debian Chromium driven by Playwright, with no network.

The page is opened from a ``file://`` URL in an offline context whose every non-file request is
aborted and recorded. Without Chromium (or Playwright) these tests skip locally and fail in CI.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lens_cli.config import Options, ReadRequest
from lens_cli.report import render_analysis
from lens_cli.runtime.progress import Progress

from .clitools import analyse
from .conftest import SAMPLE
from .fakes import FakeEmbedder, FakeParser

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/lib/chromium/chromium"
ARGS = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update"]
TIMEOUT_MS = 15_000
AXES = ("syntax", "dependency", "lexical", "semantic")

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
TEXTS = [
    "music for a party",
    "music for the beach",
    "music for a wedding",
    "songs for the road",
    "jazz for a dinner",
    "music for running",
    "jazz music",
    "soul music",
    "punk music",
    "techno music",
    "calm jazz",
    "upbeat songs",
    "sad songs about love",
    "songs about the sea",
    "i want to dance",
    "i want to sleep",
    SCRIPT,
    SCRIPT,
    IMG,
    IMG,
    "make music with the band and you",
]


def _chromium() -> str | None:
    if os.path.exists(CHROMIUM):
        return CHROMIUM
    return shutil.which("chromium")


def _unavailable(reason: str) -> None:
    """Fail in CI, where the browser is part of the setup; skip on a developer's machine."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason}; CI must install it (make browser-deps)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright for Python is not installed")
    exe = _chromium()
    if exe is None:
        _unavailable("Chromium is not installed (Debian package chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=exe,
            headless=True,
            args=ARGS,
            env={**os.environ, "DBUS_SESSION_BUS_ADDRESS": "disabled:"},
            timeout=TIMEOUT_MS,
        )
        yield b
        b.close()


def _write_report(tmp: Path, texts: list[str]) -> Path:
    data = tmp / "d.jsonl"
    data.write_text("\n".join(json.dumps({"text": t, "tag": "seed" if i < 2 else "gen"}) for i, t in enumerate(texts)))
    request = ReadRequest(str(data), text_column="text", seed_column="tag", seed_value="seed")
    analysis = analyse(request, Options(), Progress(quiet=True), parser=FakeParser(), embedder=FakeEmbedder())
    out = tmp / "report.html"
    out.write_text(render_analysis(analysis), encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    return _write_report(tmp_path_factory.mktemp("report"), TEXTS)


class Visit:
    """An offline page on the report, recording everything that must not happen."""

    def __init__(self, browser: Any, path: Path, **context: Any) -> None:
        self.context = browser.new_context(offline=True, viewport={"width": 1280, "height": 900}, **context)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.blocked: list[str] = []
        self.context.route("**/*", self._guard)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", self._dialog)
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(path.resolve().as_uri(), wait_until="load")
        self.page.wait_for_selector("html[data-ready='1']")

    def _guard(self, route: Any) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:", "blob:")):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def assert_clean(self) -> None:
        assert self.errors == []
        assert self.dialogs == []
        assert self.blocked == []
        assert all(u.startswith(("file:", "data:", "blob:")) for u in self.requests), self.requests

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser, report) -> Iterator[Visit]:
    v = Visit(browser, report)
    yield v
    v.close()


def test_loads_offline_and_draws_one_chart_per_axis(visit, tmp_path):
    page = visit.page
    for axis in AXES:
        page.click(f"#tab-{axis}")
        section = page.locator(f"#axis-{axis}")
        section.locator(".js-plotly-plot .scatterlayer").wait_for()
        assert section.locator(".js-plotly-plot").count() == 1
        assert page.locator("section.axis:not([hidden])").count() == 1
        # The tree is one line trace, whatever the number of links.
        modes = page.evaluate(f"document.getElementById('fig-{axis}').data.map(t => t.mode || t.type)")
        assert modes.count("lines") == 1
        assert page.locator(f"#fig-{axis} .barlayer .point").count() >= 1
    assert page.locator("#tops .js-plotly-plot").count() == 4
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    visit.assert_clean()


def test_cluster_expands_on_click_and_shows_coloured_examples(visit):
    page = visit.page
    cluster = page.locator("#axis-syntax details.cluster").first
    assert cluster.get_attribute("open") is None
    cluster.locator("summary").click()
    items = cluster.locator("ol.examples li")
    items.first.wait_for()
    assert cluster.get_attribute("open") is not None
    assert items.count() == int(cluster.locator("ol.examples").get_attribute("data-shown"))
    token = items.first.locator(".tok").first
    tag = token.get_attribute("data-t")
    assert f"t-{tag}" in token.get_attribute("class")
    assert token.get_attribute("title").startswith(tag)
    # The cluster's pattern is emphasised in its examples, and the seed is marked.
    assert cluster.locator(".tok.hit").count() >= items.count()
    assert cluster.locator("li.seed .seed-mark").count() >= 1
    visit.assert_clean()


def _point(page: Any, trace: str, pick: str) -> tuple[float, float, Any]:
    """Pixel position of a point of the syntax chart, from the drawn axes, and its customdata."""
    return page.evaluate(
        f"""() => {{
          const gd = document.getElementById('fig-syntax');
          const t = gd.data.find(d => d.name === '{trace}');
          const k = {pick};
          const y = t.type === 'bar' ? t.base[k] + t.y[k] / 2 : t.y[k];
          const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
          const box = gd.getBoundingClientRect();
          return [box.left + xa._offset + xa.l2p(t.x[k]), box.top + ya._offset + ya.l2p(y), t.customdata[k]];
        }}"""
    )


def _below_the_bars(page: Any, selector: str) -> None:
    """The element's top is in the viewport and not under the sticky contents and axis bars."""
    top, bars, height = page.evaluate(
        f"""() => [document.querySelector('{selector}').getBoundingClientRect().top,
                   document.querySelector('.bar').getBoundingClientRect().bottom, innerHeight]"""
    )
    assert bars - 1 <= top < height, (top, bars)


@pytest.mark.parametrize(
    ("trace", "pick"),
    [("clusters", "t.customdata.indexOf(1)"), ("band", "t.customdata.indexOf(2)")],
    ids=["cluster-marker", "band"],
)
def test_clicking_the_chart_opens_the_cluster_below_the_sticky_bar(visit, trace, pick):
    page = visit.page
    chart = page.locator("#fig-syntax")
    chart.locator(".scatterlayer").wait_for()
    chart.scroll_into_view_if_needed()
    x, y, cid = _point(page, trace, pick)
    assert cid >= 1
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    page.wait_for_selector(f"#syntax-c{cid}[open] ol.examples li")
    assert page.locator("#axis-syntax details.cluster[open]").count() == 1
    _below_the_bars(page, f"#syntax-c{cid} > summary")
    visit.assert_clean()


def test_clicking_a_branch_lists_every_cluster_under_it(visit):
    page = visit.page
    page.locator("#fig-syntax .scatterlayer").wait_for()
    page.locator("#fig-syntax").scroll_into_view_if_needed()
    # The root covers every cluster.
    x, y, _ = _point(page, "nodes", "t.x.length - 1")
    page.mouse.click(x, y)
    bf = page.locator("#axis-syntax .branch-filter")
    bf.wait_for()
    shown = page.locator("#axis-syntax .clusters > details.cluster:not(.hidden-by-branch):not(.unclustered)")
    n = page.locator("#axis-syntax .clusters > details.cluster:not(.unclustered)").count()
    assert n >= 2 and shown.count() == n
    assert f"Showing the {n} clusters" in bf.inner_text()
    _below_the_bars(page, "#axis-syntax .branch-filter")
    bf.locator(".branch-clear").click()
    assert bf.is_hidden() and page.locator("#axis-syntax .hidden-by-branch").count() == 0
    visit.assert_clean()


def test_search_counts_every_text_and_filters_the_lists(visit):
    page = visit.page
    page.fill("#search", "for a")
    page.press("#search", "Enter")
    page.wait_for_selector("#search-status[data-total]")
    # "for a" as words: whole words, case-insensitive, over every text (not only listed examples).
    expected = sum(1 for t in TEXTS if re.search(r"(?<!\w)for\s+a(?!\w)", t, re.IGNORECASE))
    assert int(page.get_attribute("#search-status", "data-total")) == expected == 3
    cluster = page.locator("#axis-syntax details.cluster:not(.hidden-by-search)").first
    cluster.locator("summary").click()
    items = cluster.locator("ol.examples li")
    items.first.wait_for()
    texts = items.evaluate_all("els => els.map(e => e.querySelector('.ex-text').textContent)")
    assert texts and all(re.search(r"\bfor a\b", t, re.IGNORECASE) for t in texts)
    assert page.locator("#axis-syntax details.cluster.hidden-by-search").count() > 0
    # A tag sequence, in lower case: tags are matched whatever their case.
    page.fill("#search", "noun for det noun")
    page.press("#search", "Enter")
    page.wait_for_function("document.getElementById('search-status').textContent.startsWith('“noun for det noun”')")
    tagged = [[(t.upos, t.lower) for t in p.tokens] for p in FakeParser().parse(TEXTS)]
    want = sum(
        1
        for toks in tagged
        if any(
            toks[k][0] == "NOUN" and toks[k + 1][1] == "for" and toks[k + 2][0] == "DET" and toks[k + 3][0] == "NOUN"
            for k in range(len(toks) - 3)
        )
    )
    assert int(page.get_attribute("#search-status", "data-total")) == want == 5
    found = page.locator("#axis-syntax details.cluster[open]:not(.hidden-by-search) ol.examples li")
    found.first.wait_for()
    assert found.first.locator(".tok.found").count() == 4
    page.fill("#search", "")
    page.press("#search", "Enter")
    assert page.locator("#axis-syntax .hidden-by-search").count() == 0
    visit.assert_clean()


def test_hostile_texts_stay_text(visit):
    page = visit.page
    page.click("#tab-lexical")
    page.locator("#axis-lexical .js-plotly-plot").wait_for()
    for d in page.locator("#axis-lexical details.cluster").all():
        d.locator("summary").click()
    page.locator("#near-duplicates details.near").first.locator("summary").wait_for()
    # Verbatim, as text: in the near-duplicate table (by Jinja) and in the examples (by textContent).
    assert page.get_by_text(SCRIPT, exact=True).count() >= 2
    assert page.get_by_text(IMG, exact=True).count() >= 2
    tokens = page.locator("#axis-lexical .examples .tok").evaluate_all("els => els.map(e => e.textContent)")
    assert "script" in tokens and "onerror" in tokens
    assert page.locator("body img").count() == 0
    assert page.evaluate("document.querySelectorAll('script').length") == 5
    visit.assert_clean()


def test_arcs_and_same_word_hover(visit):
    page = visit.page
    cluster = page.locator("#axis-syntax details.cluster").first
    cluster.locator("summary").click()
    item = cluster.locator("ol.examples li").nth(1)
    item.wait_for()
    # Selecting an example draws its dependency arcs: one per non-root token (the fake parser: one sentence).
    item.locator(".ex-text").click()
    page.locator("#arcs svg").wait_for()
    n_tokens = item.locator(".tok").count()
    assert page.locator("#arcs svg path.arc").count() == n_tokens - 1
    assert page.locator("#arcs svg path.arrow").count() == n_tokens - 1
    page.keyboard.press("Escape")
    assert page.locator("#arcs").is_hidden()
    # Hovering a word outlines the same word in the other open examples.
    word = item.locator(".tok").first
    text = word.inner_text().lower()
    same = [t.lower() for t in cluster.locator(".tok").all_inner_texts()].count(text)
    word.hover()
    assert page.locator(".tok.same").count() == same >= 2
    visit.assert_clean()


def _luminance(rgb: str) -> float:
    r, g, b = (int(v) for v in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3])
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


def test_dark_theme(browser, report, tmp_path):
    v = Visit(browser, report, color_scheme="dark")
    try:
        page = v.page
        assert _luminance(page.evaluate("getComputedStyle(document.body).backgroundColor")) < 0.2
        # Charts follow the theme: light tick labels on the dark page.
        tick = page.locator("#fig-syntax .ytick text").first
        assert _luminance(tick.evaluate("e => getComputedStyle(e).fill")) > 0.7
        page.screenshot(path=str(tmp_path / "dark.png"))
        v.assert_clean()
    finally:
        v.close()


def test_print_shows_every_axis_with_its_chart(visit, tmp_path):
    page = visit.page
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    page.emulate_media(media="print")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    for axis in AXES:
        page.locator(f"#axis-{axis} .js-plotly-plot .scatterlayer").wait_for()
        assert page.locator(f"#axis-{axis}").is_visible()
    assert page.locator("#search").is_hidden()
    page.wait_for_timeout(300)  # resizes are asynchronous
    for axis in AXES:
        # Each chart keeps its height, so it does not overlap the cluster list below it.
        drawn, wanted = page.evaluate(
            f"""() => {{ const gd = document.getElementById('fig-{axis}');
            const fig = JSON.parse(document.getElementById('lens-figures').textContent)['fig-{axis}'];
            return [gd.querySelector('.svg-container').getBoundingClientRect().height, fig.layout.height]; }}"""
        )
        assert drawn == wanted
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    (tmp_path / "report.pdf").write_bytes(pdf)
    visit.assert_clean()


@pytest.mark.model
def test_real_music_data_in_the_browser(browser, music_path, spacy_parser, tmp_path):
    """The shared music dataset with the real spaCy tags (TF-IDF embeddings keep it quick)."""
    request = ReadRequest(str(music_path), text_column="query", seed_column="all tags", seed_value="Uploaded")
    analysis = analyse(request, Options(embedder="tfidf"), Progress(quiet=True), parser=spacy_parser)
    out = tmp_path / "music.html"
    out.write_text(render_analysis(analysis), encoding="utf-8")
    v = Visit(browser, out)
    try:
        page = v.page
        page.locator("#axis-syntax details.cluster summary").first.click()
        page.locator("#axis-syntax ol.examples li").first.wait_for()
        page.fill("#search", "music for")
        page.press("#search", "Enter")
        page.wait_for_selector("#search-status[data-total]")
        rule = re.compile(r"(?<!\w)music\s+for(?!\w)", re.IGNORECASE)
        expected = sum(1 for t in analysis.parsed.corpus.texts if rule.search(t))
        assert int(page.get_attribute("#search-status", "data-total")) == expected >= 5
        cluster = page.locator("#axis-syntax details.cluster:not(.hidden-by-search)").first
        if cluster.get_attribute("open") is None:
            cluster.locator("summary").click()
        cluster.locator("ol.examples li").first.wait_for()
        shown = cluster.locator("ol.examples .ex-text").all_inner_texts()
        assert shown and all(rule.search(t) for t in shown)
        page.screenshot(path=str(tmp_path / "music.png"), full_page=False)
        v.assert_clean()
    finally:
        v.close()


# ---------------------------------------------------------------- exploring: slider, dedup, search, findings, ...


def _sample_analysis(**options: Any) -> Any:
    request = ReadRequest(str(SAMPLE), text_column="query", seed_column="source", seed_value="seed")
    return analyse(request, Options(**options), Progress(quiet=True), parser=FakeParser(), embedder=FakeEmbedder())


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> tuple[Any, Path]:
    """The bundled sample (152 queries, many repeated) in exact mode."""
    analysis = _sample_analysis()
    out = tmp_path_factory.mktemp("sample") / "sample.html"
    out.write_text(render_analysis(analysis), encoding="utf-8")
    return analysis, out


@pytest.fixture(scope="module")
def sample_landmarks(tmp_path_factory) -> tuple[Any, Path]:
    """The same sample in landmark mode (a tree on 30 landmarks)."""
    analysis = _sample_analysis(exact_limit=40, landmarks=30)
    assert analysis.clusterings["syntax"].mode == "landmark"
    out = tmp_path_factory.mktemp("landmarks") / "landmarks.html"
    out.write_text(render_analysis(analysis), encoding="utf-8")
    return analysis, out


def _open(browser: Any, path: Path, **context: Any) -> Visit:
    return Visit(browser, path, **context)


def _live_counts(page: Any, axis: str) -> dict[str, Any]:
    """What the page says about the axis at its current cut: clusters, and texts in listed, unlisted, unclustered."""
    return page.evaluate(
        f"""() => {{
          const sec = document.getElementById('axis-{axis}');
          const list = sec.querySelector('.clusters');
          const sizes = [...list.querySelectorAll(':scope > details.cluster:not(.unclustered)')]
            .map(d => Number(d.getAttribute('data-size')));
          const un = list.querySelector(':scope > details.unclustered');
          const unlisted = list.querySelector(':scope > .unlisted');
          return {{clusters: Number(sec.querySelector('[data-live=clusters]').textContent.replace(/,/g, '')),
                   listed: sizes, unclustered: un ? Number(un.getAttribute('data-size')) : 0,
                   unlisted: unlisted ? Number(unlisted.getAttribute('data-texts')) : 0,
                   value: document.querySelector('#cut-{axis} output').textContent,
                   live: list.classList.contains('live-list')}};
        }}"""
    )


def _move_slider(page: Any, axis: str, q: int) -> None:
    page.locator(f"#cut-input-{axis}").fill(str(q))
    page.wait_for_function(f"document.querySelector('#axis-{axis} .clusters').classList.contains('live-list')")


@pytest.mark.parametrize("which", ["sample", "sample_landmarks"])
def test_slider_recuts_the_tree_and_the_counts_add_up(browser, which, request):
    from lens_cli.report import pagedata

    analysis, path = request.getfixturevalue(which)
    v = _open(browser, path)
    try:
        page = v.page
        n = analysis.corpus.n
        axis = "syntax"
        clustering = analysis.clusterings[axis]
        data = pagedata.tree_data(clustering)
        before = _live_counts(page, axis)
        assert before["clusters"] == len(clustering.clusters) and not before["live"]
        assert int(page.input_value(f"#cut-input-{axis}")) == data.q0
        # Coarser: half-way between the computed cut and the root.
        q = (data.q0 + int(data.heights.max())) // 2
        _move_slider(page, axis, q)
        after = _live_counts(page, axis)
        runs = pagedata.recut(data, q)
        sizes = np.bincount(runs)
        expected = int((sizes >= 2).sum())
        assert after["clusters"] == expected != before["clusters"]
        assert sum(after["listed"]) + after["unlisted"] + after["unclustered"] == n
        assert page.locator(f"[data-count={axis}]").inner_text() == str(expected)
        # The URL says where the cut is, and reloading the page restores it.
        page.wait_for_function(f"location.hash.includes('{axis}=')")
        assert f"{axis}={after['value']}" in page.evaluate("location.hash")
        page.reload(wait_until="load")
        page.wait_for_selector("html[data-ready='1']")
        assert _live_counts(page, axis)["clusters"] == expected
        # Live clusters describe themselves (pattern mined in the page) and list distinct examples.
        first = page.locator(f"#axis-{axis} .clusters > details.cluster").first
        first.locator("summary").click()
        first.locator("ol.examples li").first.wait_for()
        page.wait_for_function(f"document.querySelector('#axis-{axis} details.cluster .desc').children.length > 0")
        # A live header says how many distinct texts it holds, as the report's own headers do: its list shows
        # that many (when they fit), and their ×N marks add up to its texts.
        counted = page.evaluate(
            f"""() => [...document.querySelectorAll('#axis-{axis} .clusters > details.cluster.live')].map(d => {{
                 const m = d.querySelector('summary .size').textContent.match(/\\(([\\d,]+) distinct\\)/);
                 return [Number(d.getAttribute('data-cluster')), Number(d.getAttribute('data-size')),
                         m ? Number(m[1].replace(/,/g, '')) : null];
               }})"""
        )
        repeated = [(cid, size, distinct) for cid, size, distinct in counted if distinct is not None]
        assert repeated and all(distinct < size for _, size, distinct in repeated)
        cid, size, distinct = min(repeated, key=lambda c: c[2])
        box = page.locator(f"#{axis}-c{cid}")
        box.locator("summary").click()
        box.locator("ol.examples li").first.wait_for()
        items = box.locator("ol.examples > li")
        assert items.count() == distinct
        marks = [int(t.lstrip("×").replace(",", "")) for t in box.locator("ol.examples > li .times").all_inner_texts()]
        assert sum(marks) + (distinct - len(marks)) == size
        # Back to the report's cut.
        page.click(f"#cut-{axis} .cut-reset")
        back = _live_counts(page, axis)
        assert back["clusters"] == before["clusters"] and not back["live"]
        v.assert_clean()
    finally:
        v.close()


def _fold(text: str) -> str:
    return " ".join(text.lower().split())


def test_each_distinct_text_once_per_list(browser, sample):
    analysis, path = sample
    v = _open(browser, path)
    try:
        page = v.page
        group = {}
        for t in analysis.corpus.texts:
            group[_fold(t)] = group.get(_fold(t), 0) + 1
        repeated = 0
        for axis in ("syntax", "lexical"):
            page.click(f"#tab-{axis}")
            page.evaluate(f"document.querySelectorAll('#axis-{axis} details.cluster').forEach(d => d.open = true)")
            page.wait_for_function(
                f"[...document.querySelectorAll('#axis-{axis} details.cluster ol.examples')]"
                ".every(o => o.children.length)"
            )
            lists = page.evaluate(
                f"""[...document.querySelectorAll('#axis-{axis} details.cluster')].map(d => ({{
                      size: Number(d.getAttribute('data-size')), medoid: d.getAttribute('data-medoid'),
                      items: [...d.querySelectorAll('ol.examples li')].map(li => ({{
                        idx: li.getAttribute('data-idx'), text: li.querySelector('.ex-text').textContent,
                        times: li.querySelector('.times')
                          ? Number(li.querySelector('.times').textContent.slice(1)) : 1}}))}}))"""
            )
            for lst in lists:
                folded = [_fold(i["text"]) for i in lst["items"]]
                assert len(folded) == len(set(folded)), folded  # no text twice in a list
                assert sum(i["times"] for i in lst["items"]) <= lst["size"]
                assert all(i["times"] <= group[_fold(i["text"])] for i in lst["items"])
                if lst["medoid"] is not None:
                    assert lst["items"][0]["idx"] == lst["medoid"]  # the medoid first
                repeated += sum(1 for i in lst["items"] if i["times"] > 1)
        assert repeated > 0  # the sample repeats texts: some examples carry a ×N
        v.assert_clean()
    finally:
        v.close()


def test_search_totals_match_the_data(browser, sample):
    from lens_cli.report import pagedata

    analysis, path = sample
    v = _open(browser, path)
    try:
        page = v.page
        texts = analysis.corpus.texts
        for query in ("music", "MUSIC FOR", "danc*"):
            page.fill("#search", query)
            page.press("#search", "Enter")
            page.wait_for_function(f"document.getElementById('search-status').textContent.startsWith('“{query}”')")
            rule = pagedata.word_query(query)
            expected = sum(1 for t in texts if rule.search(t))
            assert int(page.get_attribute("#search-status", "data-total")) == expected > 0, query
            # Per cluster: the badges and the unclustered count add up to the total (text unit).
            badges = page.evaluate(
                """[...document.querySelectorAll('#axis-syntax details.cluster:not(.hidden-by-search) .match-badge')]
                   .map(b => parseInt(b.textContent.replace(/,/g, '')))"""
            )
            unlisted_none = page.locator("#axis-syntax .clusters > .unlisted").count() == 0
            if unlisted_none:
                assert sum(badges) == expected, query
            # The matching examples, on demand, all match.
            cluster = page.locator("#axis-syntax details.cluster:not(.hidden-by-search)").first
            cluster.locator("summary").click()
            cluster.locator("ol.examples li").first.wait_for()
            shown = cluster.locator("ol.examples .ex-text").all_inner_texts()
            assert shown and all(rule.search(t) for t in shown), query
            cluster.locator("summary").click()
        v.assert_clean()
    finally:
        v.close()


def test_findings_links_reach_their_targets(browser, sample):
    _, path = sample
    v = _open(browser, path)
    try:
        page = v.page
        links = page.locator("#findings li a")
        assert links.count() >= 3
        for k in range(links.count()):
            href = links.nth(k).get_attribute("href")
            links.nth(k).click()
            target = href[1:]
            page.wait_for_function(f"document.getElementById('{target}') !== null")
            top, bottom, toc = page.evaluate(
                f"""() => {{ const r = document.getElementById('{target}').getBoundingClientRect();
                    return [r.top, r.bottom, document.getElementById('toc').getBoundingClientRect().bottom]; }}"""
            )
            assert page.locator(f"#{target}").is_visible(), href
            assert toc - 1 <= top < page.viewport_size["height"] and bottom > top, href
        # The contents bar reaches every section.
        for a in page.locator("#toc a").all():
            assert page.locator(a.get_attribute("href")).count() == 1
        # A cluster names the seed it follows; the seed's row links back to the cluster.
        page.click("#tab-template")
        follows = page.locator("#axis-template .follows a").first
        seed = follows.get_attribute("href")
        page.evaluate("document.querySelector('#axis-template .follows').closest('details').open = true")
        follows.click()
        back = page.locator(f"{seed} .seed-clusters a").first
        back.wait_for()
        back.click()
        cid = back.get_attribute("href")
        page.wait_for_selector(f"{cid}[open]")
        v.assert_clean()
    finally:
        v.close()


LONG_TEXTS = [
    f"Here is a plan for a {topic} evening.\n\n"
    + "\n".join(f"- Step {k}: play {genre} music for the {k} guests and keep the volume low." for k in range(1, 9))
    + f"\n\nIn short, {topic} music makes the evening."
    for topic in ("jazz", "soul", "rock", "folk", "punk", "disco", "techno", "blues")
    for genre in ("calm", "loud")
]


@pytest.fixture(scope="module")
def long_report(tmp_path_factory) -> Path:
    return _write_report(tmp_path_factory.mktemp("long"), LONG_TEXTS)


def test_long_texts_keep_their_lines_and_expand_in_place(browser, long_report):
    v = _open(browser, long_report)
    try:
        page = v.page
        assert page.locator("#axis-syntax .axis-head").inner_text().count("Sentence unit") == 1
        cluster = page.locator("#axis-syntax details.cluster").first
        cluster.locator("summary").click()
        item = cluster.locator("ol.examples li").first
        item.wait_for()
        more = item.locator("button.more")
        assert more.inner_text().startswith("… show all")
        total = int(re.search(r"show all (\d+)", more.inner_text()).group(1))
        assert item.locator(".tok").count() < total
        more.click()
        assert item.locator(".tok").count() == total
        assert item.locator("button.more").count() == 0
        text = item.locator(".ex-text").evaluate("e => e.textContent")
        assert text in LONG_TEXTS  # the whole text, line breaks and list marks kept
        assert "\n- Step 2:" in text
        # Pattern tokens are emphasised by default, with no colour on the others; POS colour on request.
        plain = item.locator(".tok:not(.hit)").first.evaluate("e => getComputedStyle(e).backgroundColor")
        assert plain in ("rgba(0, 0, 0, 0)", "transparent")
        assert item.locator(".tok.hit").count() > 0
        page.check("#pos-colour")
        coloured = item.locator(".tok:not(.hit)").first.evaluate("e => getComputedStyle(e).backgroundColor")
        assert coloured not in ("rgba(0, 0, 0, 0)", "transparent")
        # A token written with no space before it ("evening|.", "Step 1|:") has no padding on that side, so the
        # colours do not read as a space; exactly those tokens.
        glued = item.locator(".ex-text").evaluate(
            """e => [...e.querySelectorAll('.tok')].slice(1).map(t => [
                 t.classList.contains('glued'), t.previousSibling.nodeType === 1, getComputedStyle(t).paddingLeft])"""
        )
        assert any(g for g, _, _ in glued) and all(g == after_token for g, after_token, _ in glued)
        assert {pad for g, _, pad in glued if g} == {"0px"} and {pad for g, _, pad in glued if not g} == {"2px"}
        page.check("#dep-colour")
        assert not page.is_checked("#pos-colour") and page.locator("#dep-legend").is_visible()
        # Arcs one sentence at a time: the panel fits the screen.
        item.locator(".ex-text").click()
        page.locator("#arcs svg").wait_for()
        assert page.locator("#arcs").evaluate("e => e.getBoundingClientRect().width") <= 1280
        assert "sentence 1 of" in page.locator("#arcs-where").inner_text()
        v.assert_clean()
    finally:
        v.close()


def test_compact_mode_is_a_table_lens(browser, sample):
    _, path = sample
    v = _open(browser, path)
    try:
        page = v.page
        page.click("#tab-lexical")
        listed = page.locator("#axis-lexical .clusters > details.cluster:not(.unclustered)").count()
        page.check("#compact")
        thumbs = page.locator("#axis-lexical .thumbs .thumb")
        thumbs.first.wait_for()
        assert thumbs.count() == listed >= 12
        assert page.locator("#axis-lexical .clusters").is_hidden()
        page.locator("#axis-lexical .thumbs").scroll_into_view_if_needed()
        page.evaluate(
            "window.scrollTo(0, document.querySelector('#axis-lexical .thumbs').getBoundingClientRect().top"
            " + scrollY - 200)"
        )
        in_view = page.evaluate(
            """[...document.querySelectorAll('#axis-lexical .thumb')].filter(t => {
                 const r = t.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }).length"""
        )
        assert in_view >= 12
        # Side by side: several thumbnails share a row.
        tops = page.evaluate(
            "[...document.querySelectorAll('#axis-lexical .thumb')].slice(0, 6).map(t => t.getBoundingClientRect().top)"
        )
        assert len(set(tops)) < len(tops)
        # One row per distinct text, one coloured cell per token; hovering a cell shows its word.
        first = thumbs.first
        strips = first.locator(".strip")
        assert strips.count() >= 2
        cell = strips.first.locator(".cell").first
        cell.hover()
        tip = page.locator("#cell-tip")
        assert tip.is_visible() and tip.inner_text().startswith(cell.get_attribute("data-w"))
        # Clicking a thumbnail opens its cluster in the list.
        cid = first.get_attribute("data-cluster")
        first.click()
        page.wait_for_selector(f"#lexical-c{cid}[open]")
        assert not page.is_checked("#compact")
        v.assert_clean()
    finally:
        v.close()


def _contrast(fg: str, bg: str) -> float:
    def lum(rgb: str) -> float:
        chans = [int(x) / 255 for x in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3]]
        lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in chans]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    a, b = sorted((lum(fg), lum(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_chart_text_contrast_meets_wcag_aa(browser, sample, scheme):
    _, path = sample
    v = _open(browser, path, color_scheme=scheme)
    try:
        page = v.page
        bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
        page.locator("#fig-syntax .ytick text").first.wait_for()
        fills = page.evaluate(
            "[...document.querySelectorAll('#fig-syntax .ytick text, #fig-syntax .g-ytitle text, "
            "#fig-syntax .annotation-text, #tops .xtick text, #tops .ytick text')].map(e => getComputedStyle(e).fill)"
        )
        assert fills
        for fill in set(fills):
            assert _contrast(fill, bg) >= 4.5, (fill, bg)
        v.assert_clean()
    finally:
        v.close()
