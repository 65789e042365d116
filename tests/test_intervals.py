"""The 95% intervals: calibrated against the spread seen between random halves of real data."""

from __future__ import annotations

import csv
import math
import random
from pathlib import Path

import numpy as np
import pytest

from lens_cli import intervals
from lens_cli.intervals import Z, mean_interval, self_repetition_interval, share_interval
from lens_cli.stats import self_repetition

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data" / "music_queries.csv"


def queries() -> list[str]:
    with open(SAMPLE, newline="", encoding="utf-8") as f:
        return [r["query"] for r in csv.DictReader(f)]


def half_width(texts: list[str]) -> float:
    low, high = self_repetition_interval(texts, self_repetition(texts))
    return (high - low) / 2


def test_self_repetition_interval_matches_the_spread_between_random_halves():
    """Two random halves of one dataset differ by sampling noise alone: the intervals must account for it.
    The plain interval of the mean of log(1 + S_k) reads about 0.76 of the spread here (it ignores that a text
    also raises the other texts' S); the influence-function interval reads about 0.98."""
    texts = queries()
    differences, implied = [], []
    for seed in range(150):
        order = list(range(len(texts)))
        random.Random(seed).shuffle(order)
        h = len(order) // 2
        a, b = [texts[i] for i in order[:h]], [texts[i] for i in order[h : 2 * h]]
        differences.append(self_repetition(b) - self_repetition(a))
        implied.append(math.hypot(half_width(a), half_width(b)) / Z)
    ratio = float(np.mean(implied)) / float(np.std(differences))
    assert 0.85 < ratio < 1.2, ratio


def test_self_repetition_interval_on_a_subsample_is_close_to_the_full_one(monkeypatch):
    texts = queries() * 3  # repeats: every 4-gram is shared
    full = half_width(texts)
    monkeypatch.setattr(intervals, "REPETITION_SAMPLE", len(texts) // 2)
    sampled = half_width(texts)
    assert full > 0 and 0.7 < sampled / full < 1.4


def test_self_repetition_interval_of_texts_sharing_nothing_is_a_point():
    texts = [f"w{i} x{i} y{i} z{i} v{i}" for i in range(20)]
    assert self_repetition_interval(texts, 0.0) == (0.0, 0.0)
    assert self_repetition_interval(["one text only"], 0.0) == (0.0, 0.0)


def test_wilson_and_mean_intervals():
    low, high = share_interval(10, 100)  # Wilson's interval of 10%: 5.52% to 17.44%
    assert low == pytest.approx(0.0552, abs=1e-4) and high == pytest.approx(0.1744, abs=1e-4)
    assert share_interval(0, 50)[0] == pytest.approx(0.0, abs=1e-12) and share_interval(50, 50)[1] == 1.0
    low, high = mean_interval(np.array([1.0, 2.0, 3.0, 4.0]))
    assert (low + high) / 2 == pytest.approx(2.5)
    assert (high - low) / 2 == pytest.approx(Z * np.std([1, 2, 3, 4], ddof=1) / 2)


def test_resampled_figures_equal_the_statistics_of_the_resampled_texts():
    """The bootstrap's prepared figures are the statistics themselves: computed the plain way on each
    resample (texts in resample order, repeats kept), they agree exactly, also for texts with runs of
    spaces, line breaks, one word or none (whose n-grams cross the joins)."""
    from lens_cli.stats import compression_ratio, compression_ratio_pos, distinct_n, ngram_diversity

    from .fakes import FakeParser

    texts = [*queries()[:150], "", "jazz", "a  b", " lead space", "two\nlines here", "x", "y z", "jazz", "x"]
    parsed = FakeParser().parse(texts)
    sample = np.sort(np.random.default_rng(3).permutation(len(texts))[:120])
    sample = np.union1d(sample, np.arange(150, len(texts)))  # the odd texts always in
    figures = intervals.ResampleFigures(texts, parsed, sample)
    rng = np.random.default_rng(5)
    for _ in range(20):
        idx = sample[rng.integers(0, len(sample), len(sample))]
        chosen = [texts[i] for i in idx]
        words = [parsed[i].words for i in idx]
        expected = {
            "compression_ratio": compression_ratio(chosen),
            "pos_xpos": compression_ratio_pos([parsed[i].reference_tags for i in idx]),
            "pos_upos": compression_ratio_pos([parsed[i].upos for i in idx]),
            "ngram_diversity": ngram_diversity(chosen)[0],
            **{f"distinct_{k}": distinct_n(words, k) for k in range(1, 5)},
        }
        got = figures(idx)
        assert got.keys() == expected.keys()
        for name, value in expected.items():
            assert got[name] == pytest.approx(value, rel=1e-12, abs=0), name
