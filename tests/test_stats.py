from __future__ import annotations

import gzip
import math

import numpy as np
import pytest

from lens_cli import seeds, stats

# ---- reference figures from ../shared/data/README.md (diversity 0.3.1, spaCy en_core_web_sm 3.8.0) ----


def test_compression_ratio_matches_reference(music_parsed):
    corpus, _ = music_parsed
    assert stats.compression_ratio(corpus.texts) == pytest.approx(3.284, abs=5e-4)


def test_ngram_diversity_matches_reference(music_parsed):
    corpus, _ = music_parsed
    total, terms = stats.ngram_diversity(corpus.texts)
    assert total == pytest.approx(2.668, abs=5e-4)
    assert terms == pytest.approx([0.2381, 0.6247, 0.8567, 0.9483], abs=5e-5)


def test_self_repetition_matches_reference(music_parsed):
    corpus, _ = music_parsed
    assert stats.self_repetition(corpus.texts) == pytest.approx(0.2060, abs=5e-5)


@pytest.mark.model
def test_pos_compression_ratio_matches_reference_with_default_parser(music_parsed):
    _, parsed = music_parsed
    assert stats.compression_ratio_pos([p.xpos for p in parsed]) == pytest.approx(5.295, abs=5e-4)


# ---- hand-computed tiny corpora ----


def test_compression_ratio_is_one_gzip_of_joined_texts():
    texts = ["aaa bbb", "ccc"]
    raw = b"aaa bbb ccc"
    assert stats.compression_ratio(texts) == len(raw) / len(gzip.compress(raw, 9))
    assert stats.compression_ratio([]) == 0.0


def test_ngram_diversity_crosses_text_boundaries():
    total, terms = stats.ngram_diversity(["a b", "a b"])
    # tokens a b a b: 1-grams 2/4, 2-grams {ab, ba} 2/3, 3-grams {aba, bab} 2/2, 4-grams 1/1
    assert terms == pytest.approx([0.5, 2 / 3, 1.0, 1.0])
    assert total == pytest.approx(0.5 + 2 / 3 + 2)


def test_ngram_diversity_with_too_few_tokens():
    total, terms = stats.ngram_diversity(["one"])
    assert terms == [1.0, 0.0, 0.0, 0.0] and total == 1.0


def test_self_repetition_hand_computed():
    texts = ["a b c d e", "a b c d", "x y z w"]
    # 4-grams: t0 {abcd, bcde}, t1 {abcd}, t2 {xyzw}; df(abcd)=2
    expected = (math.log(2) + math.log(2) + math.log(1)) / 3
    assert stats.self_repetition(texts) == pytest.approx(expected)


def test_self_repetition_edge_cases():
    assert stats.self_repetition(["same text here now"] * 3) == pytest.approx(math.log(3))
    assert stats.self_repetition(["short"]) == 0.0
    assert stats.self_repetition([]) == 0.0


def test_distinct_n_within_texts():
    words = [["a", "b", "a"], ["a", "b"]]
    assert stats.distinct_n(words, 1) == pytest.approx(2 / 5)
    assert stats.distinct_n(words, 2) == pytest.approx(2 / 3)  # ab, ba, ab
    assert stats.distinct_n(words, 4) == 0.0


def test_templates():
    tags = [["DT", "NN", "IN", "DT", "NN"], ["DT", "NN", "IN", "DT", "NN", "."], ["NN"]]
    top, rate, per_token = stats.templates(tags)
    assert top[0] == ("DT NN IN DT NN", 2)
    # every 5-gram is among the top 100 here, so only text 3 (too short) has none
    assert rate == pytest.approx(2 / 3)
    assert per_token == pytest.approx((1 / 5 + 2 / 6 + 0) / 3)


def test_vendi_extremes():
    assert stats.vendi_from_similarity(np.ones((4, 4))) == pytest.approx(1.0)
    assert stats.vendi_from_similarity(np.eye(4)) == pytest.approx(4.0)
    assert stats.vendi_from_similarity(np.zeros((0, 0))) == 0.0


def _score_dual_reference(x: np.ndarray) -> float:
    """vendi-score 0.0.3's ``score_dual``, written out from its source: rows normalised (a zero row stays
    zero), the eigenvalues w of XᵀX / n, exp(-sum over w > 0 of w log w), nothing renormalised."""
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    x = np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)
    w = np.linalg.eigvalsh(x.T @ x / len(x))
    w = w[w > 0]
    return float(np.exp(-(w * np.log(w)).sum()))


def test_semantic_vendi_is_the_reference_cosine_kernel_score():
    from lens_cli.embedders import l2_normalise
    from lens_cli.vendi import vendi_dual

    rng = np.random.default_rng(0)
    raw = rng.normal(size=(40, 6))
    raw[3] = 0.0  # a text without a vector still counts in n, as in the reference
    emb = l2_normalise(raw)
    assert vendi_dual(emb) == pytest.approx(_score_dual_reference(raw), rel=1e-6)
    # The primal form: the same nonzero eigenvalues from the n x n kernel X Xᵀ / n.
    w = np.linalg.eigvalsh(emb.astype(np.float64) @ emb.T.astype(np.float64) / len(emb))
    w = w[w > 1e-12]
    assert vendi_dual(emb) == pytest.approx(float(np.exp(-(w * np.log(w)).sum())), rel=1e-6)
    # All texts alike: 1; orthogonal texts: their number.
    assert vendi_dual(np.tile(emb[:1], (5, 1))) == pytest.approx(1.0)
    assert vendi_dual(np.eye(4, dtype=np.float32)) == pytest.approx(4.0)


def test_vendi_drops_negative_eigenvalues():
    # 1 - D for a non-Euclidean D can have negative eigenvalues; the score stays finite and >= 1.
    k = np.array([[1, 1, 0], [1, 1, 1], [0, 1, 1]], dtype=float)
    assert np.linalg.eigvalsh(k).min() < 0
    v = stats.vendi_from_similarity(k)
    assert 1 <= v <= 3


def test_axis_stats_homogenization_and_near_duplicates():
    d = np.array([0.0, 0.5, 0.04], dtype=np.float32)  # pairs (0,1) (0,2) (1,2)
    out = stats.distance_summary(d, 3)
    assert out.homogenization == pytest.approx(1 - 0.54 / 3)
    assert out.near_duplicate_pairs == 2
    assert out.near_duplicate_examples == [(0, 1, 0.0), (1, 2, pytest.approx(0.04))]


def test_pairs_from_condensed_inverts_the_index():
    n = 7
    i, j = stats._pairs_from_condensed(n, np.arange(n * (n - 1) // 2))
    iu = np.triu_indices(n, 1)
    assert i.tolist() == iu[0].tolist() and j.tolist() == iu[1].tolist()


def test_seed_stats():
    # rows 0,1 are seeds; rows 2..4 generated
    sd = np.array([[0, 1], [1, 0], [0.1, 0.9], [0.8, 0.2], [0.7, 0.6]], dtype=np.float32)
    out = seeds.seed_stats(sd, np.array([2, 3, 4]), threshold=0.25)
    assert out.seed_copy_rate == pytest.approx(2 / 3)
    assert out.children == [1, 1]
    assert out.copies == [2, 3]
    assert [s for _, s, _ in out.nearest] == [0, 1, 1]


def test_dataset_stats_one_text_and_identical_texts(fake_parser):
    one = stats.dataset_figures(["hello world"], fake_parser.parse(["hello world"]), 1, {})[0].as_dict()
    assert one["unique_texts"] == 1 and one["duplicate_rate"] == 0.0
    assert one["tokens_per_text"]["median"] == 2
    same = ["the same text"] * 4
    s = stats.dataset_figures(same, fake_parser.parse(same), 5, {"empty": 1})[0].as_dict()
    assert s["unique_texts"] == 1 and s["duplicate_rate"] == pytest.approx(0.75)
    assert s["rows_skipped"] == 1 and s["empty_skipped"] == 1
    assert s["distinct_n"]["1"] == pytest.approx(3 / 12)


def test_dataset_counts_of_weighted_partitions_merge_to_the_counts_of_all_rows(fake_parser):
    """What an engine does (each distinct text once, weighted by its rows, in uneven partitions in any
    order; per-text figures spread back to the rows) gives exactly the figures of all rows at once."""
    rng = np.random.default_rng(2)
    pool = ["music for a party", "songs to dance to at night", "a b c d a b c d", "", "I want calm music", "x y z w v"]
    pool += [f"music for a {w} night with {v}" for w in ("long", "calm", "wild") for v in ("friends", "rain")]
    texts = [pool[i] for i in rng.integers(0, len(pool), size=97)]
    parsed = fake_parser.parse(texts)
    distinct = list(dict.fromkeys(texts))
    group = np.asarray([distinct.index(t) for t in texts])
    weights = np.bincount(group, minlength=len(distinct))
    order = rng.permutation(len(distinct))
    parts = [order[:1], order[1:6], order[6:]]
    first = {t: parsed[texts.index(t)] for t in distinct}

    def rows_of(part):
        return [distinct[d] for d in part], [first[distinct[d]] for d in part]

    merged = stats.DatasetCounts()
    for part in reversed(parts):
        merged.merge(stats.count_rows(*rows_of(part), weights[part]))
    whole = stats.count_rows(texts, parsed)
    assert merged == whole
    summary = stats.summarise_counts(merged)
    repeated, top = stats.repeated_shingles(merged), summary.template_set
    figures = stats.RowFigures.concatenate([stats.row_figures(*rows_of(p), repeated, top) for p in parts])
    at = np.empty(len(distinct), dtype=np.int64)
    at[np.concatenate(parts)] = np.arange(len(distinct))
    out = stats.finish_dataset_stats(texts, parsed, summary, figures.take(at[group]), 100, {"empty": 3})
    assert out == stats.dataset_figures(texts, parsed, 100, {"empty": 3})
    assert out[0].self_repetition > 0 and out[0].template_rate > 0


def test_counting_each_distinct_text_once_gives_the_counts_of_every_row():
    """dataset_counts weighs each distinct text by its rows: the summary and every row's figures are those
    of counting row by row."""
    from .fakes import FakeParser

    texts = ["music for a party", "jazz", "music for a party", "sad music. calm music", "jazz", "", "jazz"] * 3
    texts += ["upbeat music for a party", "I want to dance"]
    parsed = FakeParser().parse(texts)
    summary, figures = stats.dataset_counts(texts, parsed)
    counts = stats.count_rows(texts, parsed)
    row_by_row = stats.summarise_counts(counts)
    assert summary == row_by_row
    expected = stats.row_figures(texts, parsed, stats.repeated_shingles(counts), row_by_row.template_set)
    for name in ("repetition", "template_hits", "tags"):
        assert np.array_equal(getattr(figures, name), getattr(expected, name)), name
