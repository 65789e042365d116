"""The comparison page in a real browser: headless Chromium, offline (the fixtures of test_browser.py).

What a reader sees: the summary first, the charts drawn and readable in light and dark mode (WCAG AA
contrast for every chart label, table cell, link and badge), and the examples coloured by part of speech
as in the report, with the hostile texts still text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lens_cli.config import Options, ReadRequest
from lens_cli.model import ParsedText
from lens_cli.report import compare_page

from .fakes import FakeEmbedder, FakeParser
from .test_browser import Visit, browser  # noqa: F401  (the module-scoped browser fixture)
from .test_compare import A_TEXTS, B_TEXTS, HOSTILE, compare_requests, write_csv

pytestmark = pytest.mark.browser

IMG = "<img src=x onerror=alert(1)>"
FIGURES = ("fig-stats", "fig-homogenization", "fig-placement")
#: WCAG 2 AA for normal text.
AA = 4.5

#: In the page: the colour a text is drawn in and the colour behind it, both with their alpha composited
#: onto what lies beneath, as [r, g, b] in 0..255. Chromium reports colours as rgb()/rgba() or, for
#: color-mix(), as color(srgb r g b [/ a]).
CONTRAST_JS = """
(els) => {
  function parse(c) {
    let m = c.match(/^rgba?\\(([^)]+)\\)$/);
    if (m) {
      const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
      return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
    }
    m = c.match(/^color\\(srgb ([^)]+)\\)$/);
    if (m) {
      const p = m[1].split(/[ \\/]+/).filter(Boolean).map(Number);
      return [p[0] * 255, p[1] * 255, p[2] * 255, p.length > 3 ? p[3] : 1];
    }
    return null;
  }
  function over(top, below) {
    const a = top[3];
    return [0, 1, 2].map(k => top[k] * a + below[k] * (1 - a)).concat([1]);
  }
  function background(el) {
    const layers = [];
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0) layers.push(c);
      if (c && c[3] >= 1) break;
    }
    let bg = [255, 255, 255, 1];
    for (let k = layers.length - 1; k >= 0; k--) bg = over(layers[k], bg);
    return bg;
  }
  function luminance(c) {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  }
  return els.filter(e => e.textContent.trim() && e.getClientRects().length).map(e => {
    const style = getComputedStyle(e);
    const svg = e instanceof SVGElement;
    let fg = parse(svg ? style.fill : style.color);
    const bg = background(svg ? e.closest(".chart") : e);
    const alpha = (svg ? Number(style.fillOpacity) : 1) * Number(style.opacity) * fg[3];
    fg = over([fg[0], fg[1], fg[2], alpha], bg);
    const [hi, lo] = [luminance(fg), luminance(bg)].sort((x, y) => y - x);
    return [e.textContent.trim().slice(0, 40), Math.round(100 * (hi + 0.05) / (lo + 0.05)) / 100];
  });
}
"""


LIST = "songs for a trip:\n- jazz music\n- soul music"


class LineParser(FakeParser):
    """The fake parser, keeping line breaks apart as spaCy does (``ParsedText.spaces``)."""

    def parse(self, texts, progress=None):
        out = []
        for text, parsed in zip(texts, super().parse(texts, progress)):
            spaces, k = [], 0
            for m in re.finditer(r"\w+|[^\w\s]|\n+", text):
                if m.group().startswith("\n"):
                    spaces.append((k, m.group()))
                else:
                    k += 1
            out.append(ParsedText(parsed.tokens, tuple(spaces), parsed.sentence_starts))
        return out


@pytest.fixture(scope="module")
def compare_html(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("compare")
    a = write_csv(tmp / "a.csv", "text", [*A_TEXTS, IMG, IMG, LIST])
    b = write_csv(tmp / "b.csv", "text", [*B_TEXTS, HOSTILE, HOSTILE, "a </script><b>bold</b> & more", LIST])
    comparison = compare_requests(
        ReadRequest(str(a), text_column="text"),
        ReadRequest(str(b), text_column="text"),
        Options(),
        parser=LineParser(),
        embedder=FakeEmbedder(),
    )
    out = tmp / "compare.html"
    out.write_text(compare_page.render_comparison(comparison), encoding="utf-8")
    return out


@pytest.fixture
def visit(browser, compare_html) -> Iterator[Visit]:  # noqa: F811
    v = Visit(browser, compare_html)
    yield v
    v.close()


def _open_all(page: Any, scope: str) -> None:
    for group in page.locator(f"{scope} details.group:not([open])").all():
        group.locator("summary").first.click()
    for d in page.locator(f"{scope} details.cluster").all():
        d.locator("summary").click()


def test_loads_offline_summary_first_and_draws_every_chart(visit):
    page = visit.page
    for fid in FIGURES:
        page.locator(f"#{fid} .main-svg").first.wait_for()
        assert page.locator(f"#{fid} .js-plotly-plot, #{fid}.js-plotly-plot").count() == 1
    # The summary sentence is the first thing under the inputs, inside the first screen.
    summary = page.locator("#summary .summary-text")
    assert summary.inner_text().startswith(("B is more", "No clear difference"))
    assert summary.bounding_box()["y"] < 800
    visit.assert_clean()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_contrast_meets_wcag_aa(browser, compare_html, scheme, tmp_path):  # noqa: F811
    """Every chart label, tick and legend entry, and the tables, links, badges and example tokens, against
    what is behind them: at least 4.5:1 (in dark mode the charts once drew rgb(42,63,95) on rgb(20,24,29))."""
    v = Visit(browser, compare_html, color_scheme=scheme)
    try:
        page = v.page
        dark = page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
        assert dark == (scheme == "dark")
        _open_all(page, "#axis-syntax")
        page.locator("#axis-syntax li[data-k] .tok").first.wait_for()
        groups = {
            "chart text": ".js-plotly-plot svg text",
            "tables": "table th, table td, table .ci, table .dagger",
            "links": "a",
            "badges": ".verdict, .side-tag, .chip, .kw",
            "summary": "#summary p, #summary li",
            "examples": ".cmp-list .tok, .cmp-list .row-id, .cmp-list .times, .side-examples h5, .legend .tok",
        }
        for name, selector in groups.items():
            measured = page.locator(selector).evaluate_all(CONTRAST_JS)
            assert measured, name
            low = [m for m in measured if m[1] < AA]
            assert low == [], (scheme, name, low[:5])
        charts = page.locator(".js-plotly-plot svg text").evaluate_all(CONTRAST_JS)
        assert len(charts) >= 20  # ticks, axis titles, panel titles and legends of the three charts
        page.screenshot(path=str(tmp_path / f"compare-{scheme}.png"), full_page=True)
        v.assert_clean()
    finally:
        v.close()


def test_examples_are_coloured_like_the_report(visit):
    page = visit.page
    cluster = page.locator('#axis-syntax .group[data-source="a"] details.cluster').first
    assert cluster.locator(".tok").count() == 0  # drawn when opened
    cluster.locator("summary").click()
    items = cluster.locator('[data-side="a"] li[data-k]')
    items.first.locator(".tok").first.wait_for()
    texts = items.evaluate_all("els => els.map(li => li.querySelector('.ex-text').textContent.toLowerCase())")
    assert len(texts) == len(set(texts)) == 4  # distinct texts, "music for a party" once with ×2
    assert items.first.locator(".times").inner_text() == "×2"
    # Each token carries its tag's colour (the report's palette) and names the tag on hover.
    token = items.first.locator(".tok").first
    tag = token.get_attribute("title")
    assert f"t-{tag}" in token.get_attribute("class")
    colours = page.evaluate(
        """(tag) => {
          const probe = document.createElement('span');
          probe.style.background = 'var(--' + tag + ')';
          document.body.appendChild(probe);
          const want = getComputedStyle(probe).backgroundColor;
          probe.remove();
          const hit = document.querySelector('#axis-syntax li.has-hits .tok.hit.t-' + tag);
          return [want, getComputedStyle(hit).backgroundColor];
        }""",
        tag,
    )
    assert colours[0] == colours[1]
    # The cluster's pattern ("music for a NOUN") is emphasised in every example.
    assert items.evaluate_all("els => els.every(li => li.classList.contains('has-hits'))")
    assert cluster.locator(".tok.hit").count() == 4 * items.count()
    visit.assert_clean()


def test_line_breaks_are_kept(visit):
    page = visit.page
    _open_all(page, "#axis-lexical")
    item = page.locator("#axis-lexical li[data-k]", has_text="songs for a trip").first
    item.locator(".tok").first.wait_for()
    assert item.locator(".ex-text br").count() == 2
    assert item.locator(".ex-text").inner_text().splitlines() == ["songs for a trip :", "- jazz music", "- soul music"]
    visit.assert_clean()


def test_hostile_texts_stay_text(visit):
    page = visit.page
    _open_all(page, "#axis-lexical")
    page.locator("#axis-lexical li[data-k] .tok").first.wait_for()
    tokens = page.locator("#axis-lexical .tok").evaluate_all("els => els.map(e => e.textContent)")
    assert "script" in tokens and "onerror" in tokens
    assert page.locator("body img").count() == 0
    assert page.locator("body b").evaluate_all("els => els.filter(e => e.textContent === 'bold').length") == 0
    assert page.evaluate("document.querySelectorAll('script').length") == 4
    visit.assert_clean()


def test_dark_mode_recolours_the_charts(browser, compare_html):  # noqa: F811
    v = Visit(browser, compare_html, color_scheme="dark")
    try:
        page = v.page
        fill = page.locator("#fig-homogenization .ytick text").first.evaluate("e => getComputedStyle(e).fill")
        fg = page.evaluate("getComputedStyle(document.body).color")
        assert fill == fg
        # Switching the scheme while the page is open recolours them too.
        page.emulate_media(color_scheme="light")
        page.wait_for_function(
            "getComputedStyle(document.querySelector('#fig-homogenization .ytick text')).fill === "
            "getComputedStyle(document.body).color"
        )
        v.assert_clean()
    finally:
        v.close()


class SpacingParser(LineParser):
    """The line-keeping fake parser, and each token's ``space_after`` as the text has it (spaCy's)."""

    def parse(self, texts, progress=None):
        from dataclasses import replace

        out = []
        for text, parsed in zip(texts, super().parse(texts, progress)):
            ends = [m.end() for m in re.finditer(r"\w+|[^\w\s]", text)]
            tokens = tuple(
                replace(t, space_after=end < len(text) and text[end].isspace()) for t, end in zip(parsed.tokens, ends)
            )
            out.append(ParsedText(tokens, parsed.spaces, parsed.sentence_starts))
        return out


def test_a_token_written_against_the_one_before_has_no_padding_there(browser, tmp_path):  # noqa: F811
    """ "isn't" and "it!" read as words: a token after no space is glued, 0 px on its left, the others 3 px."""
    texts = [f"music for a {w} party, isn't it{p}" for w in ("jazz", "soul", "rock", "folk") for p in ("!", "?")]
    a = write_csv(tmp_path / "a.csv", "text", [*texts[:4], "songs for a trip:\n- jazz music"])
    b = write_csv(tmp_path / "b.csv", "text", [*texts[4:], "music for a jazz party , isn't it?"])
    comparison = compare_requests(
        ReadRequest(str(a), text_column="text"),
        ReadRequest(str(b), text_column="text"),
        Options(),
        parser=SpacingParser(),
        embedder=FakeEmbedder(),
    )
    out = tmp_path / "compare.html"
    out.write_text(compare_page.render_comparison(comparison), encoding="utf-8")
    v = Visit(browser, out)
    try:
        page = v.page
        _open_all(page, "#axis-lexical")
        page.locator("#axis-lexical li[data-k] .tok").first.wait_for()
        tokens = page.locator("#axis-lexical .ex-text").evaluate_all(
            """els => els.flatMap(e => [...e.querySelectorAll('.tok')].slice(1).map(t => [
                 t.textContent, t.classList.contains('glued'), t.previousSibling.nodeType === 1
                   && t.previousSibling.classList.contains('tok'), getComputedStyle(t).paddingLeft]))"""
        )
        glued = {text for text, g, _, _ in tokens if g}
        # the fake parser splits "isn't" as isn ' t; "party , isn't" has a comma that is not glued
        assert {"'", "t", ",", "!", "?"} <= glued and "," in {text for text, g, _, _ in tokens if not g}
        assert all(g == against for _, g, against, _ in tokens)
        assert {pad for _, g, _, pad in tokens if g} == {"0px"} and {pad for _, g, _, pad in tokens if not g} == {"3px"}
        v.assert_clean()
    finally:
        v.close()
