from __future__ import annotations

import numpy as np
import pytest

from lens_cli import distances as dist
from lens_cli.embedders import l2_normalise
from lens_cli.model import ParsedText, Token
from lens_cli.runtime import context


def parsed(*specs: str) -> ParsedText:
    """'word/UPOS/dep' items."""
    toks = []
    for _k, spec in enumerate(specs):
        w, upos, dep = spec.split("/")
        toks.append(Token(w, w.lower(), upos, upos, dep, 0, upos == "PUNCT"))
    return ParsedText(tuple(toks))


A = parsed("music/NOUN/ROOT", "for/ADP/prep", "a/DET/det", "party/NOUN/pobj")
B = parsed("music/NOUN/ROOT", "for/ADP/prep", "running/NOUN/pobj")
C = parsed("Music/NOUN/ROOT", "!/PUNCT/punct")
EMPTY = ParsedText(())


def matrix(axis, items):
    strings = dist.axis_strings(axis, items, dist.Codebook())
    return dist.square(dist.string_condensed(strings, axis), len(items))


def test_syntax_is_normalized_levenshtein():
    m = matrix("syntax", [A, B, C])
    # NOUN ADP DET NOUN vs NOUN ADP NOUN: one deletion over max length 4.
    assert m[0, 1] == pytest.approx(0.25)
    # NOUN ADP DET NOUN vs NOUN PUNCT: 3 edits over 4.
    assert m[0, 2] == pytest.approx(0.75)
    assert m.dtype == np.float32


def test_dependency_axis_uses_labels():
    m = matrix("dependency", [A, B])
    # ROOT prep det pobj vs ROOT prep pobj
    assert m[0, 1] == pytest.approx(0.25)


def test_lexical_is_one_minus_dice_and_drops_punctuation():
    m = matrix("lexical", [A, B, C])
    # {music, for, a, party} vs {music, for, running}: 1 - 2*2/(4+3)
    assert m[0, 1] == pytest.approx(1 - 4 / 7)
    # {music} (punctuation dropped, lower-cased) vs A: 1 - 2*1/(1+4)
    assert m[0, 2] == pytest.approx(1 - 2 / 5)


def test_lexical_ignores_repeats_and_order():
    x = parsed("b/NOUN/x", "a/NOUN/x", "a/NOUN/x")
    y = parsed("a/NOUN/x", "b/NOUN/x")
    assert matrix("lexical", [x, y])[0, 1] == pytest.approx(0.0)


@pytest.mark.parametrize("axis", ["syntax", "dependency", "lexical"])
def test_identity_symmetry_range_and_empty(axis):
    items = [A, B, C, EMPTY, EMPTY, A]
    m = matrix(axis, items)
    assert np.allclose(np.diag(m), 0)
    assert np.allclose(m, m.T)
    assert m.min() >= 0 and m.max() <= 1
    assert m[3, 4] == 0  # both empty
    assert m[0, 5] == 0  # identical
    assert m[0, 3] == 1  # empty vs non-empty


def test_condensed_matches_cross_in_blocks(monkeypatch):
    rng = np.random.default_rng(0)
    strings = ["".join(rng.choice(list("abcde"), size=rng.integers(0, 8))) for _ in range(57)]
    monkeypatch.setattr(dist, "BLOCK_ELEMENTS", 100)  # many small blocks
    cond = dist.string_condensed(strings, "syntax")
    full = dist.string_cross(strings, strings, "syntax")
    iu = np.triu_indices(len(strings), 1)
    assert np.allclose(cond, full[iu])


def test_semantic_distance_is_half_one_minus_cosine():
    emb = l2_normalise(np.array([[1, 0], [0, 1], [-1, 0], [1, 0]], dtype=np.float32))
    m = dist.square(dist.embedding_condensed(emb), 4)
    assert m[0, 1] == pytest.approx(0.5)
    assert m[0, 2] == pytest.approx(1.0)
    assert m[0, 3] == pytest.approx(0.0)


def test_submatrix_reads_condensed():
    rng = np.random.default_rng(1)
    n = 9
    cond = rng.random(n * (n - 1) // 2).astype(np.float32)
    full = dist.square(cond, n)
    idx = np.array([7, 2, 4, 0])
    assert np.allclose(dist.submatrix(cond, n, idx), full[np.ix_(idx, idx)])


def test_codebook_chars_skip_surrogates():
    book = dist.Codebook()
    s = book.encode([str(i) for i in range(0xD800)])
    assert all(not 0xD800 <= ord(c) <= 0xDFFF for c in s)
    s.encode("utf-8")


@pytest.mark.parametrize("axis", ["syntax", "lexical", "semantic"])
def test_distinct_items_path_gives_the_same_condensed_values(monkeypatch, axis):
    """Many repeats: distances computed among the distinct items and copied out equal the direct ones."""
    rng = np.random.default_rng(3)
    monkeypatch.setattr(dist, "BLOCK_ELEMENTS", 50)  # many small blocks on both paths
    pool = ["".join(rng.choice(list("abcdef"), size=rng.integers(0, 7))) for _ in range(12)]
    strings = [pool[k] for k in rng.integers(0, len(pool), size=80)]
    vectors = l2_normalise(rng.standard_normal((12, 5)).astype(np.float32))
    emb = vectors[rng.integers(0, 12, size=80)]
    emb[3] = 0.0  # a text without a vector
    emb[7] = 0.0

    def condensed(share: float) -> tuple[np.ndarray, list[int]]:
        monkeypatch.setattr(dist, "DISTINCT_SHARE", share)
        seen: list[int] = []
        if axis == "semantic":
            return dist.embedding_condensed(emb, np.float64, seen.append), seen
        return dist.string_condensed(strings, axis, np.float64, seen.append), seen

    direct, direct_progress = condensed(0.0)
    via_distinct, distinct_progress = condensed(0.85)
    assert sum(direct_progress) == sum(distinct_progress) == 80
    if axis == "semantic":
        # One float32 product per block on the direct path: the same up to rounding; identical rows exactly 0.
        assert np.allclose(direct, via_distinct, atol=1e-6)
        same = [(i, j) for i in range(80) for j in range(i + 1, 80) if np.array_equal(emb[i], emb[j])]
        assert same and all(via_distinct[dist.condensed_index(80, i, j)] == 0.0 for i, j in same)
    else:
        assert np.array_equal(direct, via_distinct)
        assert np.array_equal(via_distinct, dist.string_cross(strings, list(strings), axis)[np.triu_indices(80, 1)])
    out = np.full(dist.condensed_size(80), -1.0)
    if axis != "semantic":
        assert dist.string_condensed(strings, axis, out=out) is out and np.array_equal(out, via_distinct)


def test_scratch_pool_reuses_and_keeps_two():
    pool = context.ScratchPool()
    a = pool.take(100)
    assert a.dtype == np.float64 and a.size == 100
    pool.give(a)
    b = pool.take(60)  # fits in a's array: the same memory
    assert b.size == 60 and np.shares_memory(a, b)
    c = pool.take(60)  # none free: a new one
    assert not np.shares_memory(b, c)
    pool.give(b)
    pool.give(c)
    pool.give(np.empty(10))
    assert pool.take(100).size == 100  # b's base (100) was kept: the largest two are kept
    assert len(pool._free) == 1
    pool.give(np.empty(5, dtype=np.float32))  # not one of its arrays: ignored
    assert len(pool._free) == 1
    # There is no clear() any more (a run's pool ends with its run): taking its last array empties it,
    # and outside a run the pool keeps nothing.
    pool.take(1)
    assert pool._free == []
    fresh = context.scratch()
    fresh.give(fresh.take(10))
    assert fresh._free == []
