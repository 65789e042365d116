"""The report's page data without a browser: the O(n) re-cut against scipy, example dedup, the text block, and
the findings' numbers against the analysis they come from."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest
from bs4 import BeautifulSoup
from scipy.cluster import hierarchy
from scipy.spatial.distance import pdist

from lens_cli.config import Options, ReadRequest
from lens_cli.model import ParsedText, Token
from lens_cli.report import build_context, pagedata, render
from lens_cli.report.analysis_page import seed_labels
from lens_cli.report.findings import duplicate_findings, findings, overused_finding, seed_findings, template_finding
from lens_cli.runtime.progress import Progress

from .clitools import analyse, page_texts
from .conftest import SAMPLE
from .fakes import FakeEmbedder, FakeParser


def _runs(labels_by_item: np.ndarray) -> set[frozenset[int]]:
    """The groups of a labelling, as sets of items."""
    groups: dict[int, set[int]] = {}
    for i, lab in enumerate(labels_by_item.tolist()):
        groups.setdefault(lab, set()).add(i)
    return {frozenset(g) for g in groups.values()}


def _cut_raw(z: np.ndarray, t: float) -> np.ndarray:
    """The page's rule on unquantised heights: split the leaf order where the neighbours' join exceeds t."""
    order = hierarchy.leaves_list(z)
    h = pagedata.neighbour_heights(z, order)
    run = np.concatenate([[0], np.cumsum(h > t)])
    out = np.empty(len(order), dtype=np.int64)
    out[order] = run
    return out


@pytest.mark.parametrize("method", ["average", "complete", "single", "ward"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_recut_from_leaf_order_equals_fcluster(method, seed):
    rng = np.random.default_rng(seed)
    # Clumps and exact duplicates, so that ties and zero heights occur.
    points = np.concatenate([rng.normal(c, 0.3, size=(25, 3)) for c in range(4)])
    points = np.round(points, 1)
    z = hierarchy.linkage(pdist(points), method=method)
    heights = np.unique(z[:, 2])
    cuts = [0.0, *np.quantile(heights, [0.1, 0.3, 0.5, 0.7, 0.9]).tolist(), float(heights.max()) + 1]
    for t in cuts:
        expected = hierarchy.fcluster(z, t, criterion="distance")
        assert _runs(_cut_raw(z, t)) == _runs(expected), (method, t)


def test_quantised_recut_keeps_the_order_of_heights_and_the_computed_cut():
    rng = np.random.default_rng(5)
    z = hierarchy.linkage(pdist(rng.random((60, 2))), method="average")
    order = hierarchy.leaves_list(z)
    raw = pagedata.neighbour_heights(z, order)
    cut = float(np.median(raw))
    q, scale, q0 = pagedata.quantise(raw, cut)
    assert ((raw <= cut) == (q <= q0)).all()
    # Quantising never swaps two heights, so every quantised cut is some real cut.
    ranks = np.argsort(raw, kind="stable")
    assert (np.diff(q[ranks].astype(np.int64)) >= 0).all()
    for level in np.unique(q):
        t = float(raw[q <= level].max())
        page = np.concatenate([[0], np.cumsum(q > level)])
        labels = np.empty(len(order), dtype=np.int64)
        labels[order] = page
        assert _runs(labels) == _runs(hierarchy.fcluster(z, t, criterion="distance"))
    assert scale > 0


def _server_groups(clustering) -> set[frozenset[int]]:
    """The server's cut as groups of items: each cluster, and each unclustered item alone."""
    groups = {frozenset(int(i) for i in c.members) for c in clustering.clusters}
    groups |= {frozenset([i]) for i in np.flatnonzero(clustering.labels == 0).tolist()}
    return groups


@pytest.fixture(scope="module")
def sample_analysis():
    request = ReadRequest(str(SAMPLE), text_column="query", seed_column="source", seed_value="seed")
    return analyse(request, Options(), Progress(quiet=True), parser=FakeParser(), embedder=FakeEmbedder())


@pytest.fixture(scope="module")
def landmark_analysis():
    request = ReadRequest(str(SAMPLE), text_column="query")
    options = Options(exact_limit=40, landmarks=30)
    return analyse(request, options, Progress(quiet=True), parser=FakeParser(), embedder=FakeEmbedder())


@pytest.mark.parametrize("which", ["sample_analysis", "landmark_analysis"])
def test_recut_at_the_computed_cut_reproduces_the_servers_clusters(which, request):
    analysis = request.getfixturevalue(which)
    for axis, clustering in analysis.clusterings.items():
        data = pagedata.tree_data(clustering)
        assert (data.near is not None) == (clustering.mode == "landmark"), axis
        assert _runs(pagedata.recut(data, data.q0)) == _server_groups(clustering), axis
        # Coarser cuts merge groups, never split them.
        coarse = pagedata.recut(data, min(pagedata.QMAX, data.q0 + 4000))
        fine = pagedata.recut(data, data.q0)
        for g in _runs(fine):
            assert len({int(coarse[i]) for i in g}) == 1


def test_landmark_recut_moves_every_item_with_its_landmark(landmark_analysis):
    clustering = landmark_analysis.clusterings["syntax"]
    assert clustering.mode == "landmark" and clustering.nearest is not None
    data = pagedata.tree_data(clustering)
    assert data.near is not None
    for q in (0, data.q0 // 2, data.q0, pagedata.QMAX):
        runs = pagedata.recut(data, q)
        leaf_run = runs[np.asarray(clustering.tree_rows)[clustering.nearest]]
        assert (runs == leaf_run).all()


def test_examples_are_distinct_with_their_counts():
    texts = ["Music for a party", "music  for a party", "jazz", "JAZZ", "jazz", "soul", "rock", "pop", "folk"]
    group = pagedata.groups_of(texts)
    assert group.tolist() == [0, 0, 2, 2, 2, 5, 6, 7, 8]
    picked = pagedata.pick_examples(list(range(9)), group, cap=4, first=1, seeds=frozenset({7}))
    # The medoid's text first, then the seed, then the rest spread over the list: each distinct text once.
    assert picked[0].text == 1 and sorted(picked[0].members) == [0, 1]
    assert picked[1].text == 7
    assert len(picked) == 4
    assert len({int(group[e.text]) for e in picked}) == 4
    # Without a cap every text is in exactly one example.
    whole = pagedata.pick_examples(list(range(9)), group, cap=50)
    assert sorted(t for e in whole for t in e.members) == list(range(9))
    assert whole[0].text == 2 and len(whole[0].members) == 3  # no medoid: the most repeated text leads
    assert pagedata.pick_examples([], group, cap=5) == []


def test_report_lists_count_distinct_texts(sample_analysis):
    three = replace(sample_analysis, options={**sample_analysis.options, "max_examples": 3})
    ctx = build_context(three, plotly_js="")
    group = pagedata.groups_of(sample_analysis.corpus.texts)
    for view in ctx.axes:
        for c in view.clusters:
            assert len(c.examples) == min(3, c.distinct)
            assert len({int(group[t]) for t in c.examples}) == len(c.examples)
            assert c.examples[0] == c.medoid


def test_text_block_round_trips_line_breaks_and_astral_characters():
    text = "Intro line\n\n- first 🎵 item\n- second item\tend"
    words = text.split()
    tokens, at = [], 0
    for k, w in enumerate(words):
        at = text.index(w, at)
        after = at + len(w)
        tokens.append(Token(w, w.lower(), "NOUN", "NN", "dep", max(0, k - 1), not w.isalnum(), after < len(text)))
        at = after
    parsed = ParsedText(tuple(tokens), sentence_starts=(0,))
    tables = pagedata.Tables(["NOUN", "VERB"])
    data = pagedata.text_chunks([text], [parsed], [0], tables, budget=10**6)
    held = pagedata.held_texts("\n".join(data.chunks), tables.upos)
    assert held[0].text == text
    assert held[0].tokens == words
    assert held[0].upos == ["NOUN"] * len(words)


def test_word_search_rule_is_case_insensitive_whole_words():
    rule = pagedata.word_query("Music FOR")
    assert rule.search("some music for you") and rule.search("MUSIC\nfor")
    assert not rule.search("musical for") and not rule.search("music form")
    assert pagedata.word_query("danc*").search("Dancing queen")


def test_findings_numbers_come_from_the_analysis(sample_analysis):
    a = sample_analysis
    n = a.corpus.n
    # Templates: the share of texts in the largest template clusters.
    f = template_finding(a)
    assert f is not None
    top = a.clusterings["template"].clusters[:5]
    assert f.number == f"{100 * sum(c.n_texts for c in top) / n:.1f}%"
    assert f.href == "#axis-template"
    # Duplicates: rows that repeat an earlier text.
    dup = duplicate_findings(a)[0]
    assert dup.number == f"{100 * a.dataset.duplicate_rate:.1f}%"
    assert f"({a.dataset.rows_analysed - a.dataset.unique_texts:,})" in dup.text
    # Seeds: the most followed seed, with its follower count, links to its row in the seed table.
    seeds = seed_findings(a, [f"seed {k}" for k in range(len(a.seeds.seed_texts))])
    children = a.axes["template"].stats.seeds.children
    best = int(np.argmax(children))
    assert seeds[0].number == f"{children[best]:,}" and seeds[0].href == f"#seed-{best}"
    # Overused words: the top of the lift ranking, in order.
    over = overused_finding(a)
    if a.tops.overused:
        assert over is not None
        named = re.findall(r"(\w[\w'’-]*) \(×", over.text)
        assert named == [o.word for o in a.tops.overused[:5]]
        lifts = [o.lift for o in a.tops.overused]
        assert lifts == sorted(lifts, reverse=True)
    else:
        assert over is None


def test_every_finding_and_toc_link_has_a_target(sample_analysis):
    ctx = build_context(sample_analysis, plotly_js="")
    doc = BeautifulSoup(render(ctx), "html.parser")
    assert ctx.findings and [li.select_one("a")["href"] for li in doc.select("#findings li")] == [
        f.href for f in ctx.findings
    ]
    hrefs = [a["href"] for a in doc.select("#findings a, #toc a, .follows a, .seed-clusters a")]
    assert hrefs
    for href in hrefs:
        assert doc.find(id=href[1:]) is not None, href
    # Findings are computed from the analysis, most telling first.
    names = seed_labels(sample_analysis)[1]
    assert [f.number for f in findings(sample_analysis, names)] == [f.number for f in ctx.findings]


def test_page_holds_every_text_of_a_small_corpus(sample_analysis):
    doc = BeautifulSoup(render(build_context(sample_analysis, plotly_js="")), "html.parser")
    held = page_texts(doc)
    assert sorted(held) == list(range(sample_analysis.corpus.n))
    assert [held[i].text for i in range(len(held))] == sample_analysis.corpus.texts
