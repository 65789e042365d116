"""Overused words (lift over wordfreq's English) and the report's tops counted by texts."""

from __future__ import annotations

import numpy as np
import pytest
from wordfreq import word_frequency

from lens_cli import english, stats
from lens_cli.model import Corpus, ParsedCorpus, ParserInfo

from .fakes import FakeParser


def _parsed(texts: list[str]) -> ParsedCorpus:
    n = len(texts)
    corpus = Corpus("t.csv", "csv", "text", list(texts), np.arange(n), np.zeros(n, bool), n, {})
    return ParsedCorpus(corpus, FakeParser().parse(texts), ParserInfo("fake", "fake", "0"))


def test_lift_is_the_smoothed_ratio_of_rates():
    occurrences = {"delve": 30, "the": 400, "tapestry": 10}
    texts = {"delve": 20, "the": 100, "tapestry": 5}
    out = english.overused_words(occurrences, texts, tokens=1000, n_texts=100)
    by_word = {o.word: o for o in out}
    for word in ("delve", "tapestry", "the"):
        rate, ref = occurrences[word] / 1000, word_frequency(word, "en")
        expected = (rate + 1e-6) / (ref + 1e-6)
        assert by_word[word].lift == pytest.approx(expected, rel=1e-12)
        assert by_word[word].rate == pytest.approx(rate * 1e6)
        assert by_word[word].english == pytest.approx(ref * 1e6)
    # Ranked by lift: rare English words used often come first, "the" last.
    assert [o.word for o in out] == sorted(by_word, key=lambda w: -by_word[w].lift)
    assert out[-1].word == "the"


def test_rare_non_words_and_clitics_are_left_out():
    occurrences = {"delve": 10, "zqxj": 2, "2024": 50, "n't": 40, "--": 30, "rock-and-roll": 9}
    texts = {"delve": 10, "zqxj": 2, "2024": 50, "n't": 40, "--": 30, "rock-and-roll": 9}
    out = english.overused_words(occurrences, texts, tokens=500, n_texts=100)
    assert [o.word for o in out] == ["delve", "rock-and-roll"]  # zqxj: in 2 texts, fewer than 3


def test_words_english_uses_more_are_not_overused():
    out = english.overused_words({"the": 1}, {"the": 5}, tokens=1000, n_texts=5)
    assert out == []  # "the" at 0.1% of tokens is rarer than in English: lift < 1


def test_min_texts_grows_with_the_data():
    assert english.min_texts(10) == 3
    assert english.min_texts(10_000) == 20
    assert english.min_texts(100_000) == 200


def test_tops_count_texts_not_occurrences():
    junk = " ".join(["col1 value"] * 37)
    texts = [junk, "music for a party", "music for the beach", "music for a wedding", "jazz for a dinner"]
    _, tops, _ = stats.dataset_stats(_parsed(texts))
    words = dict(tops.words)
    assert words["col1"] == 1 and words["music"] == 3 and words["for"] == 4
    bigrams = dict(tops.ngrams[2])
    assert bigrams["col1 value"] == 1 and bigrams["music for"] == 3
    assert tops.template_tags == "upos" and tops.template_n == 4
    assert all(len(t.split()) == 4 for t, _ in tops.templates)
    # The fake parser tags every word NOUN except a few function words; count texts holding each 4-gram.
    for tags, count in tops.templates:
        holding = [t for t in _parsed(texts).parsed if tags in " ".join(t.upos)]
        assert count == len(holding), tags


def test_tops_merge_like_the_whole():
    """Counts of parts added together give the tops of the whole (the Dask engine counts partitions)."""
    texts = ["music for a party", "music for the beach", "jazz for a dinner", "music for a party"] * 3
    parsed = _parsed(texts)
    whole = stats.summarise_counts(stats.count_rows(texts, parsed.parsed))
    halves = stats.count_rows(texts[:5], parsed.parsed[:5]).merge(stats.count_rows(texts[5:], parsed.parsed[5:]))
    assert stats.summarise_counts(halves) == whole
