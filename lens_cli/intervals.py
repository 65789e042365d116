"""95% intervals for the headline statistics: how much a figure would move with another draw of texts from
the same generator (see docs/statistics.md#intervals).

- Means over texts (templates per token) and shares of texts (template rate, an axis's clustered share): the
  normal interval of a mean, or Wilson's for a share, from the per-text values.
- Self-repetition, a mean over texts of a figure that depends on the other texts: the normal interval from its
  influence function (:func:`self_repetition_interval`), on a fixed-seed subsample of at most
  :data:`REPETITION_SAMPLE` texts scaled by sqrt(m / n).
- Statistics of the whole corpus (compression ratios, n-gram diversity, distinct-n): a fixed-seed bootstrap
  over texts, on a fixed-seed subsample of at most :data:`BOOTSTRAP_SAMPLE` texts (and
  :data:`BOOTSTRAP_CHARS` characters) when there are more, its spread scaled to the whole corpus by
  sqrt(m / n); the interval is the figure ± 1.96 bootstrap standard errors.
- Homogenization (a mean over pairs): the U-statistic's standard error 2·σ₁/√n, σ₁ the spread of the
  items' mean similarity to the others, estimated on a fixed-seed sample of at most
  :data:`PAIR_SAMPLE` items.

They capture sampling noise over texts only: not the parser's or the embedder's errors, not a figure's
dependence on the number of texts (compression ratios and distinct-n fall as texts are added), and per-text
values are taken as given (the template rate's templates, the clusters).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .model import DatasetStats, ParsedText

Z = 1.959963984540054
#: Bootstrap resamples, and the most texts and characters one resample holds.
BOOTSTRAP_RESAMPLES = 100
BOOTSTRAP_SAMPLE = 1000
BOOTSTRAP_CHARS = 200_000
#: Items whose pairwise distances estimate homogenization's standard error.
PAIR_SAMPLE = 1000
#: The most texts whose 4-grams estimate self-repetition's standard error.
REPETITION_SAMPLE = 20_000

Interval = tuple[float, float]


def mean_interval(values: np.ndarray) -> Interval:
    """The normal 95% interval of the mean of ``values``."""
    n = len(values)
    if n == 0:
        return (0.0, 0.0)
    mean = float(np.mean(values))
    if n < 2:
        return (mean, mean)
    half = Z * float(np.std(values, ddof=1)) / math.sqrt(n)
    return (mean - half, mean + half)


def share_interval(k: int, n: int) -> Interval:
    """Wilson's 95% interval of a share of ``k`` in ``n``."""
    if n == 0:
        return (0.0, 0.0)
    p = k / n
    denominator = 1 + Z * Z / n
    centre = (p + Z * Z / (2 * n)) / denominator
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


def _subsample(texts: Sequence[str], seed: int = 0) -> np.ndarray:
    """At most :data:`BOOTSTRAP_SAMPLE` texts of at most :data:`BOOTSTRAP_CHARS` characters in all, drawn
    with a fixed seed (all texts when they fit), in text order."""
    n = len(texts)
    order = np.random.default_rng(seed).permutation(n) if n > BOOTSTRAP_SAMPLE else np.arange(n)
    chars = np.cumsum([len(texts[i]) + 1 for i in order])
    keep = max(2, min(BOOTSTRAP_SAMPLE, int(np.searchsorted(chars, BOOTSTRAP_CHARS, side="right"))))
    return np.sort(order[:keep])


def bootstrap(
    statistics: Callable[[np.ndarray], dict[str, float]],
    n: int,
    sample: np.ndarray,
    full: dict[str, float],
    seed: int = 0,
) -> dict[str, Interval]:
    """Bootstrap intervals of several statistics of the texts at given indices, computed together.

    ``statistics(indices)`` gives the figures of those texts; the resamples draw, with a fixed seed, from
    ``sample`` (a subsample of the ``n`` texts); each interval is ``full[name]`` ± 1.96 standard errors of the
    resampled figures, scaled by sqrt(len(sample) / n).
    """
    m = len(sample)
    if m < 2:
        return {name: (value, value) for name, value in full.items()}
    rng = np.random.default_rng(seed)
    draws: dict[str, list[float]] = {name: [] for name in full}
    for _ in range(BOOTSTRAP_RESAMPLES):
        figures = statistics(sample[rng.integers(0, m, m)])
        for name in full:
            draws[name].append(figures[name])
    scale = math.sqrt(m / n)
    out = {}
    for name, value in full.items():
        half = Z * float(np.std(draws[name], ddof=1)) * scale
        out[name] = (value - half, value + half)
    return out


class ResampleFigures:
    """The bootstrapped figures of resamples of a fixed subsample of the texts, from work done once.

    Each text's pieces are prepared once: its whitespace tokens and word tokens as integer ids, each
    word n-gram as an id, and the strings the compression ratios join. A resample then costs three gzips
    and a few numpy calls, and gives exactly the figures of :func:`lens_cli.stats.compression_ratio`,
    :func:`~lens_cli.stats.compression_ratio_pos`, :func:`~lens_cli.stats.ngram_diversity` and
    :func:`~lens_cli.stats.distinct_n` on the resampled texts in the resampled order.
    """

    def __init__(self, texts: Sequence[str], parsed: Sequence[ParsedText], sample: np.ndarray) -> None:
        self.sample = sample
        self.texts = [texts[i] for i in sample]
        self.xpos = [" ".join(parsed[i].reference_tags) for i in sample]
        self.upos = [" ".join(parsed[i].upos) for i in sample]
        # ngram_diversity: the texts joined by ' ' and split on ' ', n-grams across text boundaries too
        vocabulary: dict[str, int] = {}
        self.tokens = [
            np.asarray([vocabulary.setdefault(t, len(vocabulary)) for t in text.split(" ")], dtype=np.int64)
            for text in self.texts
        ]
        self.vocabulary = max(1, len(vocabulary))
        # distinct-n: n-grams of words within each text; per n, each text's distinct n-gram ids and count
        self.grams: dict[int, list[np.ndarray]] = {}
        self.gram_counts: dict[int, np.ndarray] = {}
        self.gram_kinds: dict[int, int] = {}
        words = [parsed[i].words for i in sample]
        for k in range(1, 5):
            ids: dict[tuple[str, ...], int] = {}
            self.grams[k] = [
                np.unique([ids.setdefault(tuple(w[j : j + k]), len(ids)) for j in range(len(w) - k + 1)]).astype(
                    np.int64
                )
                for w in words
            ]
            self.gram_counts[k] = np.asarray([max(0, len(w) - k + 1) for w in words], dtype=np.int64)
            self.gram_kinds[k] = len(ids)

    def __call__(self, idx: np.ndarray) -> dict[str, float]:
        """The figures of the texts ``idx`` (positions among all texts, each in the subsample), in that order."""
        from .stats import compression_ratio

        local = np.searchsorted(self.sample, idx)
        out = {  # the tag ratios too: their texts' tags are joined already
            "compression_ratio": compression_ratio([self.texts[k] for k in local]),
            "pos_xpos": compression_ratio([self.xpos[k] for k in local]),
            "pos_upos": compression_ratio([self.upos[k] for k in local]),
            "ngram_diversity": self._joined_diversity(local),
        }
        present = np.unique(local)
        for k in range(1, 5):
            total = int(self.gram_counts[k][local].sum())
            seen = np.zeros(self.gram_kinds[k], dtype=bool)
            for t in present:
                seen[self.grams[k][t]] = True
            out[f"distinct_{k}"] = int(np.count_nonzero(seen)) / total if total else 0.0
        return out

    def _joined_diversity(self, local: np.ndarray) -> float:
        """Σ over n = 1..4 of distinct / all n-grams of the joined tokens (:func:`~lens_cli.stats.ngram_diversity`)."""
        tokens = np.concatenate([self.tokens[k] for k in local])
        total = 0.0
        code = tokens  # code[i]: the id of the n-gram starting at token i, among this sequence's n-grams
        for n in range(1, 5):
            if n > 1:
                code = code[:-1] * self.vocabulary + tokens[n - 1 :]
            if not len(code):
                break
            if n < 4:
                kinds, code = np.unique(code, return_inverse=True)
                total += len(kinds) / len(code)
            else:
                total += len(np.unique(code)) / len(code)
        return total


def dataset_intervals(
    texts: Sequence[str],
    parsed: Sequence[ParsedText],
    stats: DatasetStats,
    template_hits: np.ndarray,
    tags: np.ndarray,
) -> dict[str, Any]:
    """The JSON ``stats_intervals``: an interval for each headline statistic (the layout of ``stats``)."""
    full = {
        "compression_ratio": stats.compression_ratio,
        "pos_xpos": stats.compression_ratio_pos["xpos"],
        "pos_upos": stats.compression_ratio_pos["upos"],
        "ngram_diversity": stats.ngram_diversity,
        **{f"distinct_{k}": stats.distinct_n[str(k)] for k in range(1, 5)},
    }
    sample = _subsample(texts)
    boot = bootstrap(ResampleFigures(texts, parsed, sample), len(texts), sample, full)
    per_token = np.divide(template_hits, tags, out=np.zeros(len(tags)), where=tags > 0)
    return {
        "distinct_n": {str(k): boot[f"distinct_{k}"] for k in range(1, 5)},
        "ngram_diversity": boot["ngram_diversity"],
        "compression_ratio": boot["compression_ratio"],
        "compression_ratio_pos": {"xpos": boot["pos_xpos"], "upos": boot["pos_upos"]},
        "self_repetition": self_repetition_interval(texts, stats.self_repetition),
        "template_rate": share_interval(int(np.count_nonzero(template_hits)), len(template_hits)),
        "templates_per_token": mean_interval(per_token),
        "duplicate_rate": share_interval(stats.rows_analysed - stats.unique_texts, stats.rows_analysed),
    }


def self_repetition_interval(texts: Sequence[str], value: float, seed: int = 0) -> Interval:
    """``value`` ± 1.96 standard errors of self-repetition, from its influence function.

    Self-repetition is T = mean_k f(S_k), f(S) = log(1 + S), S_k = Σ_{i≠k} s_ik the 4-grams text k shares with
    the others (s_ik: distinct 4-grams common to texts i and k). A text moves T by its own term and by what it
    adds to every other text's S: its influence is ψ_k = f(S_k) + Σ_{i≠k} f'(S_i) s_ik, and T's standard error
    is sd(ψ) / √n. The plain interval of the mean of f(S_k) leaves out the second term: on random halves of four
    data sets (tests/test_intervals.py) it implied 0.69-0.96× the spread seen between the halves, this one
    0.99-1.10×. Above :data:`REPETITION_SAMPLE` texts, on a fixed-seed subsample of m texts, its spread scaled
    by sqrt(m / n).
    """
    from .stats import shingles

    n = len(texts)
    if n < 2:
        return (value, value)
    chosen = np.sort(np.random.default_rng(seed).permutation(n)[:REPETITION_SAMPLE]) if n > REPETITION_SAMPLE else None
    grams = [shingles(texts[i]) for i in chosen] if chosen is not None else [shingles(t) for t in texts]
    df: dict[tuple[str, ...], int] = {}
    for g in grams:
        for gram in g:
            df[gram] = df.get(gram, 0) + 1
    shared = np.asarray([sum(df[gram] - 1 for gram in g) for g in grams], dtype=np.float64)
    slope = 1.0 / (1.0 + shared)  # f'(S_k)
    weight: dict[tuple[str, ...], float] = {}  # Σ f'(S_i) over the texts i holding the gram
    for g, w in zip(grams, slope, strict=True):
        for gram in g:
            if df[gram] > 1:
                weight[gram] = weight.get(gram, 0.0) + w
    others = np.asarray(
        [sum(weight[gram] - w for gram in g if df[gram] > 1) for g, w in zip(grams, slope, strict=True)],
        dtype=np.float64,
    )
    psi = np.log1p(shared) + others
    half = Z * float(np.std(psi, ddof=1)) / math.sqrt(n)  # sd/√m scaled by √(m/n)
    return (value - half, value + half)


def homogenization_interval(
    homogenization: float, n: int, pairs: Callable[[np.ndarray], np.ndarray], seed: int = 0
) -> Interval:
    """The 95% interval of homogenization, the mean similarity over the pairs of ``n`` items:
    H ± 1.96 · 2σ₁/√n, σ₁ the spread of each item's mean similarity to the others, on a fixed-seed
    sample of at most :data:`PAIR_SAMPLE` items (``pairs(idx)``: their square distances)."""
    if n < 3:
        return (homogenization, homogenization)
    idx = (
        np.arange(n) if n <= PAIR_SAMPLE else np.sort(np.random.default_rng(seed).choice(n, PAIR_SAMPLE, replace=False))
    )
    k = len(idx)
    similarity = 1.0 - pairs(idx).astype(np.float64)
    np.fill_diagonal(similarity, 0.0)
    row_means = similarity.sum(axis=1) / (k - 1)
    half = Z * 2.0 * float(np.std(row_means, ddof=1)) / math.sqrt(n)
    return (homogenization - half, homogenization + half)
