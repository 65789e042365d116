"""Property tests (hypothesis) for the distances, the statistics and the clustering.

Distances: symmetric, zero on identical inputs, within [0, 1], equal to a plain-Python reference, on arbitrary
Unicode (emoji, combining marks, right-to-left and control characters; no surrogates, which cannot occur in
decoded text). Statistics: defined and in range on any texts, equal to references, and unchanged by row order
where the definition does not depend on it. Clustering: every analysed row is in exactly one cluster or the
unclustered list, on every axis, in exact and landmark mode.
"""

from __future__ import annotations

import json
import math
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lens_cli import distances as dist
from lens_cli.cluster import cluster_exact
from lens_cli.config import Options, ReadRequest
from lens_cli.embedders import l2_normalise
from lens_cli.model import AXES, STRING_AXES, ParsedText, Token
from lens_cli.runtime.progress import Progress
from lens_cli.skeleton import skeleton
from lens_cli.stats import (
    NEAR_DUPLICATE,
    dataset_figures,
    distance_summary,
    distinct_n,
    self_repetition,
    vendi_of_rows,
)
from lens_cli.vendi import vendi_dual

from .clitools import analyse, page_texts
from .fakes import FakeEmbedder, FakeParser

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])

UPOS = ("NOUN", "VERB", "ADP", "DET", "ADJ", "PUNCT", "PRON", "X")
DEPS = ("ROOT", "nsubj", "obj", "prep", "pobj", "det", "amod", "punct")
# Any character but surrogates (Cs), which no decoded text holds; the reader replaces unpaired JSON escapes.
CHARS = st.characters(blacklist_categories=("Cs",))
TRICKY = st.sampled_from(
    ["🎵", "👨\u200d👩\u200d👧", "e\u0301", "\u200b", "\u202e", "עברית", "العربية", "東京", "\x00", "\t", "  ", "ﷺ"]
)
TEXT = st.lists(st.one_of(st.text(CHARS, max_size=6), TRICKY), max_size=8).map("".join)
WORDISH = st.one_of(st.text(CHARS, min_size=1, max_size=6), TRICKY)


@st.composite
def parsed_texts(draw: st.DrawFn) -> ParsedText:
    n = draw(st.integers(0, 8))
    toks = []
    for _ in range(n):
        word = draw(WORDISH)
        upos = draw(st.sampled_from(UPOS))
        toks.append(Token(word, word.lower(), upos, upos, draw(st.sampled_from(DEPS)), 0, upos == "PUNCT"))
    return ParsedText(tuple(toks))


def levenshtein(a: list[str], b: list[str]) -> int:
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def reference(axis: str, p: ParsedText, q: ParsedText) -> float:
    """SPEC's definitions, written out in plain Python."""
    if axis in ("syntax", "dependency", "template"):
        a, b = {"syntax": (p.upos, q.upos), "dependency": (p.deps, q.deps), "template": (skeleton(p), skeleton(q))}[
            axis
        ]
        return levenshtein(a, b) / max(len(a), len(b)) if (a or b) else 0.0
    sa, sb = set(p.words), set(q.words)
    return 1 - 2 * len(sa & sb) / (len(sa) + len(sb)) if (sa or sb) else 0.0


# --- distances -----------------------------------------------------------------------------------------------------


@FAST
@given(items=st.lists(parsed_texts(), min_size=1, max_size=7), axis=st.sampled_from(STRING_AXES))
def test_string_distances_are_metric_like_and_match_the_spec(items, axis):
    items = [*items, items[0]]  # always one identical pair
    strings = dist.axis_strings(axis, items, dist.Codebook())
    cross = dist.string_cross(strings, list(strings), axis)
    n = len(items)
    assert cross.dtype == np.float32 and cross.shape == (n, n)
    assert np.array_equal(cross, cross.T)
    assert np.all(np.diag(cross) == 0)
    assert cross[0, n - 1] == 0
    assert np.all((cross >= 0) & (cross <= 1))
    assert np.array_equal(dist.square(dist.string_condensed(strings, axis), n), cross)
    for i in range(n):
        for j in range(n):
            assert cross[i, j] == pytest.approx(reference(axis, items[i], items[j]), abs=1e-6)


@st.composite
def embeddings(draw: st.DrawFn) -> np.ndarray:
    n = draw(st.integers(1, 8))
    d = draw(st.integers(1, 6))
    x = draw(arrays(np.float32, (n, d), elements=st.floats(-1, 1, width=32)))
    zero = draw(arrays(np.bool_, (n,)))
    x[zero] = 0.0  # texts the embedder gives no vector
    x = l2_normalise(x)
    return np.vstack([x, x[:1]])  # always one identical pair


@FAST
@given(emb=embeddings())
def test_semantic_distances_are_symmetric_zero_on_identical_and_in_range(emb):
    n = len(emb)
    cross = dist.embedding_cross(emb, emb.copy())
    assert np.all((cross >= 0) & (cross <= 1))
    assert np.allclose(cross, cross.T, atol=1e-6)
    assert np.all(np.abs(np.diag(cross)) <= 1e-6)
    assert cross[0, n - 1] <= 1e-6
    zero = ~emb.any(axis=1)
    assert np.all(cross[np.ix_(zero, zero)] == 0)
    assert np.allclose(cross[np.ix_(zero, ~zero)], 0.5)
    assert np.allclose(dist.square(dist.embedding_condensed(emb), n), cross - np.diag(np.diag(cross)), atol=1e-6)


def test_a_codebook_that_runs_out_of_characters_says_so():
    from lens_cli.errors import LensError

    book = dist.Codebook()
    book.encode([str(i) for i in range(dist.MAX_CODES)])
    assert book.encode(["0", str(dist.MAX_CODES - 1)]) == dist._char(0) + dist._char(dist.MAX_CODES - 1)
    with pytest.raises(LensError, match="distinct words on one axis"):
        book.encode(["one too many"])


# --- statistics ----------------------------------------------------------------------------------------------------

ORDER_DEPENDENT = {"ngram_diversity", "ngram_diversity_terms", "compression_ratio", "compression_ratio_pos"}


def dataset_stats(texts, parsed, rows_read, rows_skipped):
    """The dataset statistics as the JSON has them, and the tops."""
    stats, tops = dataset_figures(texts, parsed, rows_read, rows_skipped)
    return stats.as_dict(), tops


def self_repetition_reference(texts: list[str]) -> float:
    grams = [{tuple(t.split()[i : i + 4]) for i in range(len(t.split()) - 3)} for t in texts]
    return float(np.mean([math.log(1 + sum(sum(g in other for other in grams) - 1 for g in mine)) for mine in grams]))


@FAST
@given(texts=st.lists(TEXT, min_size=1, max_size=8), seed=st.integers(0, 2**32 - 1))
def test_dataset_statistics_are_defined_in_range_and_order_free_where_defined_so(texts, seed):
    parser = FakeParser()
    stats, tops = dataset_stats(texts, parser.parse(texts), len(texts), {})
    json.dumps(stats, allow_nan=False)  # finite numbers only
    assert 0 <= stats["duplicate_rate"] <= 1
    assert all(0 <= v <= 1 for v in stats["distinct_n"].values())
    assert all(0 <= v <= 1 for v in stats["ngram_diversity_terms"])
    assert stats["ngram_diversity"] == pytest.approx(sum(stats["ngram_diversity_terms"]))
    assert stats["compression_ratio"] >= 0 and stats["self_repetition"] >= 0
    assert 0 <= stats["template_rate"] <= 1 and 0 <= stats["templates_per_token"] <= 1
    assert stats["self_repetition"] == pytest.approx(self_repetition_reference(texts))
    order = np.random.default_rng(seed).permutation(len(texts))
    shuffled = [texts[i] for i in order]
    stats2, tops2 = dataset_stats(shuffled, parser.parse(shuffled), len(texts), {})
    for key in stats.keys() - ORDER_DEPENDENT:
        assert stats2[key] == pytest.approx(stats[key]), key
    assert tops2 == tops


@FAST
@given(words=st.lists(st.lists(WORDISH, max_size=6), max_size=6), n=st.integers(1, 4))
def test_distinct_n_is_unique_over_total_within_texts(words, n):
    grams = [tuple(w[i : i + n]) for w in words for i in range(len(w) - n + 1)]
    assert distinct_n(words, n) == (len(set(grams)) / len(grams) if grams else 0.0)


@FAST
@given(texts=st.lists(st.sampled_from(["a b c d", "a b c d e", "x y z w", "b c d e", ""]), min_size=1, max_size=8))
def test_self_repetition_matches_its_definition_on_shared_4grams(texts):
    assert self_repetition(texts) == pytest.approx(self_repetition_reference(texts))


@FAST
@given(emb=embeddings())
def test_semantic_vendi_equals_the_cosine_kernel_on_all_texts(emb):
    """The dual d x d form agrees with the n x n cosine kernel X Xᵀ / n, zero rows included (they count in n)."""
    n = len(emb)
    k = emb.astype(np.float64) @ emb.T.astype(np.float64) / n
    w = np.linalg.eigvalsh(k)
    w = w[w > 1e-12]
    slow = float(np.exp(-(w * np.log(w)).sum()))  # 1 when no w > 0, as the reference
    fast = vendi_dual(emb)
    assert fast == pytest.approx(slow, rel=1e-3, abs=1e-3)
    assert fast <= n + 1e-6


@st.composite
def condensed_distances(draw: st.DrawFn) -> tuple[int, np.ndarray]:
    n = draw(st.integers(1, 9))
    size = dist.condensed_size(n)
    values = st.sampled_from([0.0, 0.02, 0.05, 0.2, 0.25, 0.5, 1.0]) | st.floats(0, 1, width=32)
    return n, draw(arrays(np.float32, (size,), elements=values))


@FAST
@given(nd=condensed_distances())
def test_axis_statistics_in_range_and_near_duplicates_counted(nd):
    n, condensed = nd
    out = distance_summary(condensed, n)
    vendi_score = vendi_of_rows(np.arange(n), lambda idx: dist.submatrix(condensed, n, idx))
    assert 0 <= out.homogenization <= 1
    assert 1 - 1e-6 <= vendi_score <= n + 1e-6
    assert out.near_duplicate_pairs == int((condensed <= NEAR_DUPLICATE).sum())
    sq = dist.square(condensed, n)
    for i, j, d in out.near_duplicate_examples:
        # Compared in float32, the distances' type: 1/20 (one edit in 20 tags) is a near-duplicate.
        assert i < j and d == pytest.approx(float(sq[i, j])) and np.float32(d) <= np.float32(NEAR_DUPLICATE)


# --- clustering ----------------------------------------------------------------------------------------------------


def assert_partition(clustering, n: int) -> None:
    members = [int(i) for c in clustering.clusters for i in c.members]
    everyone = members + [int(i) for i in clustering.unclustered]
    assert sorted(everyone) == list(range(n))
    sizes = [c.size for c in clustering.clusters]
    assert all(s >= 2 for s in sizes) and sizes == sorted(sizes, reverse=True)
    assert [c.id for c in clustering.clusters] == list(range(1, len(sizes) + 1))
    for c in clustering.clusters:
        assert np.all(clustering.labels[c.members] == c.id)
        assert c.medoid in c.members.tolist()
    assert np.all(clustering.labels[clustering.unclustered] == 0)


@FAST
@given(nd=condensed_distances(), method=st.sampled_from(["average", "complete", "single"]), t=st.floats(0, 1))
def test_exact_clustering_is_a_partition(nd, method, t):
    n, condensed = nd
    parsed = FakeParser().parse([f"text {i}" for i in range(n)])
    c = cluster_exact("lexical", condensed, parsed, np.zeros(n, dtype=bool), method=method, threshold=t, k=None)
    assert_partition(c, n)


@FAST
@given(
    tags=st.lists(st.lists(st.sampled_from(UPOS[:3]), min_size=1, max_size=5), min_size=2, max_size=10),
    method=st.sampled_from(["average", "complete", "single"]),
    t=st.sampled_from([0.2, 0.25, 0.34, 0.5]),
    seed=st.integers(0, 2**32 - 1),
)
def test_clusters_do_not_depend_on_row_order(tags, method, t, seed):
    """Tag sequences from three tags tie all the time; the clusters, as bags of texts, must not move."""

    def clusters(seqs: list[list[str]]) -> list[list[str]]:
        parsed = [ParsedText(tuple(Token(x.lower(), x.lower(), x, x, "dep", 0, False) for x in q)) for q in seqs]
        keys = [" ".join(q) for q in seqs]  # the text: equal tags, equal text
        condensed = dist.string_condensed(dist.axis_strings("syntax", parsed, dist.Codebook()), "syntax")
        n = len(seqs)
        c = cluster_exact("syntax", condensed, parsed, np.zeros(n, bool), method=method, threshold=t, k=None, keys=keys)
        return sorted(sorted(keys[i] for i in cl.members) for cl in c.clusters)

    order = np.random.default_rng(seed).permutation(len(tags))
    assert clusters([tags[i] for i in order]) == clusters(tags)


VOCAB = ["music", "for", "a", "the", "party", "jazz", "running", "sad", "songs", "!", "🎵", "e\u0301"]


@SLOW
@given(
    texts=st.lists(st.lists(st.sampled_from(VOCAB), min_size=0, max_size=5).map(" ".join), min_size=1, max_size=14),
    exact_limit=st.sampled_from([2, 4, 1000]),
    landmarks=st.integers(2, 5),
)
def test_every_row_is_in_one_cluster_or_unclustered_on_every_axis(texts, exact_limit, landmarks):
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "d.jsonl"
        src.write_text("\n".join(json.dumps({"text": t}) for t in texts) + "\n", encoding="utf-8")
        request = ReadRequest(str(src), text_column="text")
        options = Options(exact_limit=exact_limit, landmarks=landmarks)
        try:
            analysis = analyse(request, options, Progress(quiet=True), parser=FakeParser(), embedder=FakeEmbedder())
        except Exception as exc:  # only "no text at all" may refuse
            assert all(not t.strip() for t in texts), exc
            return
    n = analysis.parsed.corpus.n
    assert n + analysis.parsed.corpus.rows_skipped.get("empty", 0) == len(texts)
    for axis in AXES:
        clustering = analysis.clusterings[axis]
        assert clustering.mode == ("exact" if n <= exact_limit else "landmark")
        assert_partition(clustering, n)


@SLOW
@given(texts=st.lists(TEXT, min_size=1, max_size=10))
def test_any_unicode_goes_through_the_whole_pipeline_into_json_and_html(texts):
    """Arbitrary texts (emoji, combining marks, controls, RTL; no surrogates) are analysed, exported and
    rendered without an exception, and come back unchanged from the JSON and the page's data block."""
    from bs4 import BeautifulSoup

    from lens_cli.export import dumps, to_dict
    from lens_cli.report import build_context, render

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "d.jsonl"
        src.write_text("\n".join(json.dumps({"text": t}) for t in texts) + "\n", encoding="utf-8")
        request = ReadRequest(str(src), text_column="text")
        try:
            analysis = analyse(request, Options(), Progress(quiet=True), parser=FakeParser(), embedder=FakeEmbedder())
        except Exception as exc:  # only "no text at all" may refuse
            assert all(not t.replace("\x00", "").strip() for t in texts), exc
            return
    kept = [t.replace("\x00", "") for t in texts if t.replace("\x00", "").strip()]
    assert analysis.parsed.corpus.texts == kept
    doc = json.loads(dumps(to_dict(analysis)))
    assert doc["input"]["rows_read"] == len(texts)
    page = BeautifulSoup(render(build_context(analysis, plotly_js="")), "html.parser")
    assert {h.text for h in page_texts(page).values()} <= set(kept)


def test_landmark_mode_below_the_statistics_sample_size(tmp_path):
    """--exact-limit below 5,000 rows ran landmark mode into an assertion (an 'internal error')."""
    src = tmp_path / "d.csv"
    src.write_text("text\nmusic for a party\nmusic for a party\njazz for running\nsad songs\n", encoding="utf-8")
    options = Options(exact_limit=2, landmarks=2)
    analysis = analyse(
        ReadRequest(str(src), text_column="text"),
        options,
        Progress(quiet=True),
        parser=FakeParser(),
        embedder=FakeEmbedder(),
    )
    for axis in AXES:
        st_ = analysis.axes[axis].stats.summary
        assert analysis.clusterings[axis].mode == "landmark"
        assert not st_.homogenization_estimated and not st_.near_duplicates_estimated
        assert st_.near_duplicate_pairs >= 1  # rows 0 and 1 are identical
        assert (0, 1) in {(i, j) for i, j, _ in st_.near_duplicate_examples}


@pytest.mark.model
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(TEXT, min_size=1, max_size=6))
def test_real_parser_takes_any_unicode(spacy_parser, texts):
    parsed = spacy_parser.parse(texts)
    assert len(parsed) == len(texts)
    stats, _ = dataset_stats(texts, parsed, len(texts), {})
    json.dumps(stats, allow_nan=False)
    for axis in STRING_AXES:
        strings = dist.axis_strings(axis, parsed, dist.Codebook())
        d = dist.string_condensed(strings, axis)
        assert np.all((d >= 0) & (d <= 1))
    c = Counter(len(p.tokens) for p in parsed)
    assert sum(c.values()) == len(texts)
