"""The report in a real browser: headless Debian Chromium driven by Playwright, with no network.

The page is opened from a ``file://`` URL in an offline context whose every non-file request is
aborted and recorded. Without Chromium (or Playwright) these tests skip locally and fail in CI.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lens_cli.config import Options, ReadRequest
from lens_cli.report import render_analysis
from lens_cli.runtime.progress import Progress

from .clitools import analyse
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


@pytest.mark.parametrize(
    ("trace", "pick"),
    [("clusters", "t.customdata.indexOf(1)"), ("band", "t.customdata.indexOf(2)"), ("nodes", "t.x.length - 1")],
    ids=["cluster-marker", "band", "branch"],
)
def test_clicking_the_chart_opens_the_cluster_list(visit, trace, pick):
    page = visit.page
    chart = page.locator("#fig-syntax")
    chart.locator(".scatterlayer").wait_for()
    chart.scroll_into_view_if_needed()
    # Pixel position of the point, from the drawn axes; a real mouse click goes through Plotly.
    x, y, cid = page.evaluate(
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
    assert cid >= 1
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    page.wait_for_selector(f"#syntax-c{cid}[open] ol.examples li")
    assert page.locator("#axis-syntax details.cluster[open]").count() == 1
    visit.assert_clean()


def test_search_filters_examples_by_text_and_by_tags(visit):
    page = visit.page
    page.fill("#search", "for a")
    page.press("#search", "Enter")
    visible = page.locator("#axis-syntax ol.examples li:not(.hidden-by-search)")
    visible.first.wait_for()
    texts = visible.evaluate_all("els => els.map(e => [...e.querySelectorAll('.tok')].map(t => t.textContent))")
    assert texts and all(" ".join(t).count("for a") for t in texts)
    assert page.locator("#axis-syntax ol.examples li.hidden-by-search").count() > 0
    assert page.locator("#axis-syntax details.cluster.hidden-by-search").count() > 0
    assert page.locator("#search-status").inner_text().startswith(f"{len(texts)} of the")
    # A tag sequence: a word between two tag slots.
    page.fill("#search", "NOUN for DET NOUN")
    page.press("#search", "Enter")
    page.wait_for_function("document.getElementById('search-status').textContent.length > 0")
    found = page.locator("#axis-syntax ol.examples li:not(.hidden-by-search)")
    assert found.count() >= 3
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
    assert page.evaluate("document.querySelectorAll('script').length") == 4
    visit.assert_clean()


def test_compact_mode_arcs_and_same_word_hover(visit):
    page = visit.page
    cluster = page.locator("#axis-syntax details.cluster").first
    cluster.locator("summary").click()
    item = cluster.locator("ol.examples li").nth(1)
    item.wait_for()
    # Selecting an example draws its dependency arcs: one per non-root token.
    item.click()
    page.locator("#arcs svg").wait_for()
    n_tokens = item.locator(".tok").count()
    assert page.locator("#arcs svg path").count() == 2 * (n_tokens - 1)  # an arc and its arrowhead
    page.keyboard.press("Escape")
    assert page.locator("#arcs").is_hidden()
    # Hovering a word outlines the same word in the other open examples.
    word = item.locator(".tok").first
    same = cluster.locator(f'.tok[data-w="{word.get_attribute("data-w")}"]').count()
    word.hover()
    assert page.locator(".tok.same").count() == same >= 2
    # Compact mode: every example becomes a strip of tag-coloured blocks of one size.
    page.check("#compact")
    sizes = cluster.locator(".tok").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect()).map(r => [Math.round(r.width), Math.round(r.height)])"
    )
    assert len(set(map(tuple, sizes))) == 1 and sizes[0][0] <= 20
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
        page.wait_for_function("document.getElementById('search-status').textContent.length > 0")
        assert page.locator("#axis-syntax ol.examples li:not(.hidden-by-search)").count() >= 5
        page.screenshot(path=str(tmp_path / "music.png"), full_page=False)
        v.assert_clean()
    finally:
        v.close()
