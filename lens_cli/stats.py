"""Diversity statistics, as SPEC.md defines them.

Names marked "compatible" equal the ``diversity`` package (Shaib et al. 2024) on the same texts
and tags; the formulas are written here from the spec, without depending on that package.
"""

from __future__ import annotations

import gzip
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .model import ParsedText

NEAR_DUPLICATE = 0.05
VENDI_SAMPLE = 5000
TEMPLATE_N = 5
TOP_TEMPLATES = 100
NEAR_DUPLICATE_EXAMPLES = 50
#: Pairs read at a time by :func:`distance_summary`.
SUMMARY_CHUNK = 1 << 24
_WS = re.compile(r"\s+")


def fold(text: str) -> str:
    """Case and white-space folding used for 'unique texts' and verbatim seed copies."""
    return _WS.sub(" ", text).strip().casefold()


def _ngrams(seq: Sequence[Any], n: int) -> list[tuple[Any, ...]]:
    return [tuple(seq[i : i + n]) for i in range(len(seq) - n + 1)]


def _gzip_ratio(text: str) -> float:
    raw = text.encode("utf-8")
    if not raw:
        return 0.0
    return len(raw) / len(gzip.compress(raw, compresslevel=9, mtime=0))


def compression_ratio(texts: Sequence[str]) -> float:
    """UTF-8 bytes of ``' '.join(texts)`` over the bytes of one gzip (level 9) of it."""
    return _gzip_ratio(" ".join(texts))


def compression_ratio_pos(tag_seqs: Sequence[Sequence[str]]) -> float:
    """The compression ratio of each text's tags joined by ' ', texts joined by ' '."""
    return _gzip_ratio(" ".join(" ".join(tags) for tags in tag_seqs))


def ngram_diversity(texts: Sequence[str], max_n: int = 4) -> tuple[float, list[float]]:
    """Compatible: texts joined with ' ', split on ' '; Σ over n of unique / total n-grams."""
    tokens = " ".join(texts).split(" ")
    terms = []
    for n in range(1, max_n + 1):
        grams = _ngrams(tokens, n)
        terms.append(len(set(grams)) / len(grams) if grams else 0.0)
    return float(sum(terms)), terms


def distinct_n(word_seqs: Sequence[Sequence[str]], n: int) -> float:
    """Unique / total n-grams of lower-cased word tokens, n-grams taken within each text."""
    total = 0
    seen: set[tuple[str, ...]] = set()
    for words in word_seqs:
        grams = _ngrams(words, n)
        total += len(grams)
        seen.update(grams)
    return len(seen) / total if total else 0.0


def self_repetition(texts: Sequence[str], n: int = 4) -> float:
    """Compatible: mean over texts of log(1 + Σ_g (df(g) - 1)) over the text's unique whitespace n-grams."""
    if not texts:
        return 0.0
    per_text = [set(_ngrams(t.split(), n)) for t in texts]
    df: Counter[tuple[str, ...]] = Counter()
    for grams in per_text:
        df.update(grams)
    scores = [math.log(1 + sum(df[g] - 1 for g in grams)) for grams in per_text]
    return float(np.mean(scores))


def templates(xpos_seqs: Sequence[Sequence[str]]) -> tuple[list[tuple[str, int]], float, float]:
    """The most frequent Penn-tag 5-grams and how much of the corpus they cover.

    Returns:
        (top templates with counts, template_rate, templates_per_token): the rate is the share of
        texts containing a top template; per-token is matching positions / tokens, averaged over texts.
    """
    counts: Counter[tuple[str, ...]] = Counter()
    grams_per_text = []
    for tags in xpos_seqs:
        grams = _ngrams(tags, TEMPLATE_N)
        grams_per_text.append(grams)
        counts.update(grams)
    top = sorted(counts.items(), key=lambda gc: (-gc[1], gc[0]))[:TOP_TEMPLATES]
    top_set = {g for g, _ in top}
    if not xpos_seqs:
        return [], 0.0, 0.0
    has = 0
    per_token = []
    for tags, grams in zip(xpos_seqs, grams_per_text):
        hits = sum(1 for g in grams if g in top_set)
        has += hits > 0
        per_token.append(hits / len(tags) if tags else 0.0)
    return [(" ".join(g), c) for g, c in top], has / len(xpos_seqs), float(np.mean(per_token))


def dataset_stats(
    texts: Sequence[str], parsed: Sequence[ParsedText], rows_read: int, rows_skipped: dict[str, int]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Dataset-level statistics, plus the top words, n-grams and templates for the report."""
    words = [p.words for p in parsed]
    lengths = np.asarray([len(w) for w in words], dtype=np.float64)
    n = len(texts)
    unique = len({fold(t) for t in texts})
    nd, nd_terms = ngram_diversity(texts)
    xpos = [p.xpos for p in parsed]
    top_tpl, tpl_rate, tpl_per_tok = templates(xpos)
    vocab: Counter[str] = Counter()
    for w in words:
        vocab.update(w)
    ngram_tops = {}
    for k in (2, 3):
        c: Counter[tuple[str, ...]] = Counter()
        for w in words:
            c.update(_ngrams(w, k))
        ngram_tops[k] = [(" ".join(g), cnt) for g, cnt in sorted(c.items(), key=lambda gc: (-gc[1], gc[0]))[:20]]
    stats: dict[str, Any] = {
        "rows_read": rows_read,
        "rows_analysed": n,
        "rows_skipped": sum(rows_skipped.values()),
        "empty_skipped": rows_skipped.get("empty", 0),
        "unique_texts": unique,
        "duplicate_rate": 1 - unique / n if n else 0.0,
        "tokens_per_text": {
            "mean": float(lengths.mean()) if n else 0.0,
            "median": float(np.median(lengths)) if n else 0.0,
            "p10": float(np.percentile(lengths, 10)) if n else 0.0,
            "p90": float(np.percentile(lengths, 90)) if n else 0.0,
        },
        "vocabulary_size": len(vocab),
        "distinct_n": {str(k): distinct_n(words, k) for k in range(1, 5)},
        "ngram_diversity": nd,
        "ngram_diversity_terms": nd_terms,
        "compression_ratio": compression_ratio(texts),
        "compression_ratio_pos": {
            "xpos": compression_ratio_pos(xpos),
            "upos": compression_ratio_pos([p.upos for p in parsed]),
        },
        "self_repetition": self_repetition(texts),
        "template_rate": tpl_rate,
        "templates_per_token": tpl_per_tok,
    }
    tops = {
        "words": sorted(vocab.items(), key=lambda wc: (-wc[1], wc[0]))[:30],
        "ngrams": ngram_tops,
        "templates": top_tpl,
    }
    return stats, tops


def vendi_from_similarity(k: np.ndarray, weights: np.ndarray | None = None) -> float:
    """exp(entropy) of the eigenvalues of K / N; negative eigenvalues dropped, the rest renormalised.

    With ``weights``, row ``i`` of ``k`` stands for ``weights[i]`` identical items (N = Σ weights):
    the full K = P Kᵤ Pᵀ (P the items-to-rows indicator) has the same non-zero eigenvalues as
    W^½ Kᵤ W^½, so the score is the same as on the full matrix, at the cost of the distinct items only.
    """
    n = k.shape[0]
    if n == 0:
        return 0.0
    m = k.astype(np.float64)
    total = float(n)
    if weights is not None:
        root = np.sqrt(np.asarray(weights, dtype=np.float64))
        m *= root[:, None]
        m *= root[None, :]
        total = float(np.sum(weights))
    m /= total
    lam = np.linalg.eigvalsh(m)
    lam = lam[lam > 1e-12]
    if lam.size == 0:
        return 0.0
    lam = lam / lam.sum()
    return float(np.exp(-np.sum(lam * np.log(lam))))


def vendi_of_rows(
    rows: np.ndarray,
    pair_fn: Callable[[np.ndarray], np.ndarray],
    keys: Sequence[Any] | None = None,
    square: np.ndarray | None = None,
) -> float:
    """Vendi score of the items ``rows`` with K = 1 - D; ``pair_fn(idx)`` gives D among ``idx``
    (or ``square`` holds D among ``rows`` already).

    Rows with equal ``keys`` (the same string on a string axis, hence the same distances to
    everything) are computed once, with their count as weight: exact, and on template-heavy data
    the eigendecomposition (cubic in size) shrinks a lot.
    """
    if keys is None:
        return vendi_from_similarity(1.0 - (square if square is not None else pair_fn(rows)))
    first: dict[Any, int] = {}
    counts: list[int] = []
    reps: list[int] = []  # positions in rows
    for pos, r in enumerate(rows.tolist()):
        slot = first.setdefault(keys[r], len(reps))
        if slot == len(reps):
            reps.append(pos)
            counts.append(0)
        counts[slot] += 1
    at = np.asarray(reps, dtype=np.int64)
    sub = square[np.ix_(at, at)] if square is not None else pair_fn(rows[at])
    return vendi_from_similarity(1.0 - sub, np.asarray(counts))


def vendi_from_embeddings(emb: np.ndarray) -> float:
    """Vendi score with K = 1 - (1 - cos)/2 = (1 + X Xᵀ)/2, via the small (d+2)x(d+2) Gram matrix.

    K must match the semantic distance, where two zero rows (texts without a vector) are at distance 0:
    the extra column z (1 for a zero row) adds z_i z_j / 2, so K = 1 between zero rows and 1/2 between a
    zero row and any other, as the distance says.
    """
    n = emb.shape[0]
    if n == 0:
        return 0.0
    x = emb.astype(np.float64)
    zero = (~x.any(axis=1)).astype(np.float64)[:, None]
    y = np.hstack([x, np.ones((n, 1)), zero]) / math.sqrt(2.0)
    return vendi_from_similarity_gram(y.T @ y, n)


def vendi_from_similarity_gram(gram: np.ndarray, n: int) -> float:
    lam = np.linalg.eigvalsh(gram / n)
    lam = lam[lam > 1e-12]
    if lam.size == 0:
        return 0.0
    lam = lam / lam.sum()
    return float(np.exp(-np.sum(lam * np.log(lam))))


def _pairs_from_condensed(n: int, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of the condensed index: positions -> (i, j), i < j."""
    k = positions.astype(np.float64)
    i = (n - 2 - np.floor(np.sqrt(-8 * k + 4 * n * (n - 1) - 7) / 2.0 - 0.5)).astype(np.int64)
    j = (positions - n * i + i * (i + 1) // 2 + i + 1).astype(np.int64)
    return i, j


def _ranks(keys: Sequence[str] | None, n: int) -> np.ndarray:
    """Each item's place when sorted by key (equal keys by index); the index itself without keys."""
    if keys is None:
        return np.arange(n)
    rank = np.empty(n, dtype=np.int64)
    rank[sorted(range(n), key=lambda i: (keys[i], i))] = np.arange(n)
    return rank


def distance_summary(condensed: np.ndarray, n: int) -> dict[str, Any]:
    """Homogenization and near-duplicate pairs from all pairwise distances (exact mode).

    Goes through the matrix in chunks so that a data set full of duplicates (millions of pairs at
    distance 0) never makes full-size index arrays: only the count and the first
    :data:`NEAR_DUPLICATE_EXAMPLES` pairs (closest first, then by row) are kept.
    """
    total = 0.0
    count = 0
    ii = np.zeros(0, dtype=np.int64)
    jj = np.zeros(0, dtype=np.int64)
    dd = np.zeros(0, dtype=np.float64)
    # Distances are float32 values (whatever the array's type): compare as float32 does, so that
    # a distance of exactly 0.05 (1 edit in 20) counts, as it does in float32.
    limit = float(np.float32(NEAR_DUPLICATE))
    step = SUMMARY_CHUNK
    for start in range(0, condensed.size, step):
        chunk = condensed[start : start + step]
        total += float(chunk.sum(dtype=np.float64))
        pos = np.flatnonzero(chunk <= limit)
        count += len(pos)
        if len(pos):
            # Condensed order is (i, j) order, so within a chunk the first pairs at each distance
            # are the ones to keep: at most EXAMPLES per distinct value are ever needed.
            vals = chunk[pos].astype(np.float64)
            keep = np.lexsort((pos, vals))[:NEAR_DUPLICATE_EXAMPLES]
            ci, cj = _pairs_from_condensed(n, pos[keep] + start)
            ii, jj, dd = np.concatenate([ii, ci]), np.concatenate([jj, cj]), np.concatenate([dd, vals[keep]])
            best = np.lexsort((jj, ii, dd))[:NEAR_DUPLICATE_EXAMPLES]
            ii, jj, dd = ii[best], jj[best], dd[best]
    mean = total / condensed.size if condensed.size else 0.0
    return {
        "homogenization": float(1.0 - mean) if condensed.size else 1.0,
        "homogenization_estimated": False,
        "near_duplicate_pairs": count,
        "near_duplicate_examples": [(int(i), int(j), float(d)) for i, j, d in zip(ii, jj, dd)],
        "near_duplicates_estimated": False,
    }


def sampled_distance_summary(rows: np.ndarray, square: np.ndarray, estimated: bool) -> dict[str, Any]:
    """Homogenization and near-duplicate pairs among ``rows`` from their square distances ``square``."""
    iu = np.triu_indices(len(rows), 1)
    vals = square[iu]
    hit = vals <= NEAR_DUPLICATE
    ii, jj, dd = rows[iu[0][hit]], rows[iu[1][hit]], vals[hit]
    order = np.lexsort((jj, ii, dd))[:NEAR_DUPLICATE_EXAMPLES]
    return {
        "homogenization": float(1.0 - vals.mean(dtype=np.float64)) if vals.size else 1.0,
        "homogenization_estimated": estimated,
        "near_duplicate_pairs": int(hit.sum()),
        "near_duplicate_examples": [(int(ii[o]), int(jj[o]), float(dd[o])) for o in order],
        "near_duplicates_estimated": estimated,
    }


def stats_sample(n: int) -> np.ndarray | None:
    """The fixed-seed sample of :data:`VENDI_SAMPLE` rows used above that many, else ``None``."""
    if n <= VENDI_SAMPLE:
        return None
    return np.sort(np.random.default_rng(0).choice(n, size=VENDI_SAMPLE, replace=False))


def axis_stats(
    n: int,
    condensed: np.ndarray | None,
    pair_fn: Callable[[np.ndarray], np.ndarray],
    embeddings: np.ndarray | None = None,
    *,
    keys: Sequence[Any] | None = None,
    summary: dict[str, Any] | None = None,
    vendi: tuple[float, int | None] | None = None,
) -> dict[str, Any]:
    """Homogenization, Vendi score and near-duplicate pairs of one axis.

    With all distances (``condensed``, or their :func:`distance_summary` as ``summary``)
    homogenization and near-duplicates are exact; without (landmark mode) they are computed on a
    fixed-seed sample of :data:`VENDI_SAMPLE` texts and flagged (on all texts when there are no
    more). The Vendi score uses the same sample above that size (said by ``vendi_sample``); on the
    semantic axis it is exact from the embeddings.

    Args:
        pair_fn: Square distances among given row indices.
        keys: Per row, a value that is equal only for rows with identical distances to everything
            (the axis string); lets the Vendi score work on distinct items (same value, less work).
        vendi: The result of :func:`axis_vendi`, when it was computed already.
    """
    sample = stats_sample(n)
    rows = sample if sample is not None else np.arange(n)
    if summary is None and condensed is not None:
        summary = distance_summary(condensed, n)
    square = None
    if summary is None:
        square = pair_fn(rows)
        summary = sampled_distance_summary(rows, square, estimated=sample is not None)
    out: dict[str, Any] = dict(summary)
    score, sampled = vendi if vendi is not None else axis_vendi(n, pair_fn, embeddings, keys=keys, square=square)
    out["vendi_score"] = score
    out["vendi_sample"] = sampled
    return out


def axis_vendi(
    n: int,
    pair_fn: Callable[[np.ndarray], np.ndarray],
    embeddings: np.ndarray | None = None,
    *,
    keys: Sequence[Any] | None = None,
    square: np.ndarray | None = None,
) -> tuple[float, int | None]:
    """The Vendi score of one axis (arguments as for :func:`axis_stats`; ``square``: distances among the
    sample, when already computed), and the size of the sample it was estimated on (``None``: all rows)."""
    if embeddings is not None:
        return vendi_from_embeddings(embeddings), None
    sample = stats_sample(n)
    rows = sample if sample is not None else np.arange(n)
    return vendi_of_rows(rows, pair_fn, keys, square), None if sample is None else len(rows)


def seed_stats(
    seed_distances: np.ndarray,
    generated: np.ndarray,
    threshold: float,
    seed_keys: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Nearest seed per generated text on one axis, the copy rate and each seed's children.

    Args:
        seed_distances: ``(n, n_seeds)`` distances of every text to every seed.
        generated: Indices of the generated (non-seed) texts.
        threshold: The axis's distance threshold: a text this close to a seed is a copy.
        seed_keys: The seeds' texts. A text equally close to several seeds is the child of the one
            whose text sorts first, not of the one that comes first in the input (ties are common on
            the syntax axis, where distances are multiples of 1/length).
    """
    if len(generated) == 0 or seed_distances.shape[1] == 0:
        return {"seed_copy_rate": 0.0, "nearest": [], "children": [0] * seed_distances.shape[1], "copies": []}
    sub = seed_distances[generated]
    by_key = np.argsort(_ranks(seed_keys, sub.shape[1]), kind="stable")
    nearest = by_key[np.argmin(sub[:, by_key], axis=1)]
    dist = sub[np.arange(len(generated)), nearest]
    copied = dist <= threshold
    children = np.bincount(nearest[copied], minlength=seed_distances.shape[1])
    return {
        "seed_copy_rate": float(copied.mean()),
        "nearest": [(int(g), int(s), float(d)) for g, s, d in zip(generated, nearest, dist)],
        "children": [int(c) for c in children],
        "copies": [int(g) for g in generated[copied]],
    }
