"""Seed copying: how close the generated texts are to the seed examples they were prompted with.

Per axis (:func:`seed_copying`), every generated text's nearest seed; a text within the axis's
threshold of its nearest seed *copies* that seed on that axis and is its *child*: on the syntax and
template axes it follows the seed's grammatical template, on the lexical axis it shares most of its
words, on the semantic axis it means (almost) the same. In sentence unit a text copies a seed on a
sentence axis when one of its sentences is within the threshold of one of the seed's sentences.

Over the whole corpus (:func:`seed_summary`): the generated texts equal to a seed after folding case and
white space (verbatim copies), and those equal after also folding punctuation, or one word away (near
copies: :func:`near_copy_index`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from .distances import nearest_columns
from .features import AxisFeatures
from .model import Corpus, SeedCopying, SeedSummary
from .stats import fold

if TYPE_CHECKING:
    from .engine import Engine


def _ranks(keys: Sequence[str], n: int) -> np.ndarray:
    """Each item's place when sorted by key (equal keys by index)."""
    rank = np.empty(n, dtype=np.int64)
    rank[sorted(range(n), key=lambda i: (keys[i], i))] = np.arange(n)
    return rank


def seed_order(n_seeds: int, seed_keys: Sequence[str] | None = None) -> np.ndarray:
    """The seeds in the order that breaks ties between equally near seeds: by text, then by index."""
    if seed_keys is None:
        return np.arange(n_seeds)
    return np.argsort(_ranks(seed_keys, n_seeds), kind="stable")


def seed_stats(
    seed_distances: np.ndarray,
    generated: np.ndarray,
    threshold: float,
    seed_keys: Sequence[str] | None = None,
) -> SeedCopying:
    """Nearest seed per generated text on one axis, the copy rate and each seed's children.

    Args:
        seed_distances: ``(n, n_seeds)`` distances of every text to every seed.
        generated: Indices of the generated (non-seed) texts.
        threshold: The axis's distance threshold: a text this close to a seed is a copy.
        seed_keys: The seeds' texts. A text equally close to several seeds is the child of the one
            whose text sorts first, not of the one that comes first in the input (ties are common on
            the syntax axis, where distances are multiples of 1/length).
    """
    n_seeds = seed_distances.shape[1]
    if len(generated) == 0 or n_seeds == 0:
        return copying(generated, np.zeros(0, np.int64), np.zeros(0, np.float32), threshold, n_seeds)
    nearest, dist = nearest_columns(seed_distances[generated], seed_order(n_seeds, seed_keys))
    return copying(generated, nearest, dist, threshold, n_seeds)


def copying(
    generated: np.ndarray, nearest: np.ndarray, dist: np.ndarray, threshold: float, n_seeds: int
) -> SeedCopying:
    """:func:`seed_stats` from each generated text's nearest seed and its distance, however computed."""
    if len(generated) == 0 or n_seeds == 0:
        return SeedCopying(seed_copy_rate=0.0, nearest=[], children=[0] * n_seeds, copies=[])
    copied = dist <= threshold
    children = np.bincount(nearest[copied], minlength=n_seeds)
    return SeedCopying(
        seed_copy_rate=float(copied.mean()),
        nearest=[(int(g), int(s), float(d)) for g, s, d in zip(generated, nearest, dist)],
        children=[int(c) for c in children],
        copies=[int(g) for g in generated[copied]],
    )


def _seeds_of(corpus: Corpus) -> tuple[np.ndarray, np.ndarray | None, list[str]]:
    """(generated texts, corpus indices of in-data seeds or ``None`` for a seeds file, the seeds' texts)."""
    if corpus.seed_texts:
        return np.arange(corpus.n), None, list(corpus.seed_texts)
    seed_idx = np.flatnonzero(corpus.is_seed)
    return np.flatnonzero(~corpus.is_seed), seed_idx, [corpus.texts[i] for i in seed_idx]


def seed_copying(features: AxisFeatures, corpus: Corpus, threshold: float, engine: Engine) -> SeedCopying | None:
    """Every generated text's nearest seed on one axis, and which texts copy a seed (``None`` without seeds).

    Every item is compared with every seed item, in the blocks of the engine (see :mod:`lens_cli.engine`);
    ties go to the seed whose text sorts first. In sentence unit a text's nearest seed is the seed of the
    seed sentence nearest to any of its sentences (a text without a sentence: seed 0 at distance 1).
    """
    if not corpus.has_seeds:
        return None
    generated, seed_idx, seed_keys = _seeds_of(corpus)
    n_seeds = len(seed_keys)
    rank = np.argsort(seed_order(n_seeds, seed_keys))  # each seed's place among equally near ones
    if features.sentences is None:
        seed_items = features.seed_items if seed_idx is None else features.take(seed_idx)
        seed_of = np.arange(n_seeds)
    elif seed_idx is None:
        seed_items, seed_of = features.seed_items, np.asarray(features.seed_sentences, dtype=np.int64)
    else:
        in_seed = np.flatnonzero(corpus.is_seed[features.sentences.owner])
        position = np.full(corpus.n, -1, dtype=np.int64)
        position[seed_idx] = np.arange(n_seeds)
        seed_items, seed_of = features.take(in_seed), position[features.sentences.owner[in_seed]]
    near = np.zeros(features.n, dtype=np.int64)
    dist = np.ones(features.n, dtype=np.float32)
    if len(generated) and len(seed_of):
        order = np.lexsort((np.arange(len(seed_of)), rank[seed_of]))
        near, dist = engine.nearest(features.axis, features.items, seed_items, order=order)
        near = seed_of[near]
    if features.sentences is not None:
        near, dist = _per_text(features.sentences.owner, near, dist, rank, corpus.n)
    return copying(generated, near[generated], dist[generated], threshold, n_seeds)


def _per_text(
    owner: np.ndarray, near: np.ndarray, dist: np.ndarray, rank: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per text, the nearest seed over its sentences: the least distance, ties to the seed ranked first,
    then to the earlier sentence. A text without a sentence: seed 0 at distance 1."""
    best = np.ones(n, dtype=np.float32)
    seed = np.zeros(n, dtype=np.int64)
    if not len(owner):
        return seed, best
    # Sentences by distance, then seed rank, then position: each text's first one is its nearest.
    order = np.lexsort((np.arange(len(owner)), rank[near], dist))
    texts, first = np.unique(owner[order], return_index=True)
    best[texts], seed[texts] = dist[order[first]], near[order[first]]
    return seed, best


def seed_summary(corpus: Corpus, per_axis: Mapping[str, SeedCopying | None]) -> SeedSummary | None:
    """Which texts are seeds, which generated texts copy one verbatim, nearly (see :func:`near_copy_index`)
    or on some axis (``None`` without seeds)."""
    if not corpus.has_seeds:
        return None
    generated, seed_idx, seed_texts = _seeds_of(corpus)
    folded = {fold(s) for s in seed_texts}
    verbatim = [int(g) for g in generated if fold(corpus.texts[g]) in folded]
    near = near_copy_index(seed_texts)
    near_copies = [int(g) for g in generated if fold(corpus.texts[g]) not in folded and near(corpus.texts[g])]
    copies = sorted({c for s in per_axis.values() if s is not None for c in s.copies})
    return SeedSummary(
        source=corpus.seed_source,
        seed_texts=seed_texts,
        seed_indices=None if seed_idx is None else [int(i) for i in seed_idx],
        generated=len(generated),
        verbatim_copies=verbatim,
        copies=copies,
        near_copies=near_copies,
    )


_SPACES = re.compile(r"\s+")
#: The ASCII punctuation characters (Unicode category P), each to a space.
_ASCII_PUNCT = {c: " " for c in range(128) if unicodedata.category(chr(c)).startswith("P")}
#: Near copies by one added or dropped word need at least this many words on both sides ("jazz" and
#: "streaming jazz" are not copies of each other).
NEAR_COPY_MIN_WORDS = 4


def fold_punct(text: str) -> str:
    """Case, white-space and punctuation folding: NFKC; invisible format characters (zero-width spaces and
    joiners, soft hyphens) dropped; every punctuation character (Unicode category P: ASCII and curly
    quotes, dashes, ellipses...) a space; case folded; runs of white space one space. Symbols ($, +, emoji)
    stay."""
    if text.isascii():  # the same, by one table (NFKC and the format characters leave ASCII alone)
        return _SPACES.sub(" ", text.translate(_ASCII_PUNCT)).strip().casefold()
    out = []
    for c in unicodedata.normalize("NFKC", text):
        category = unicodedata.category(c)
        if category != "Cf":
            out.append(" " if category[0] == "P" else c)
    return _SPACES.sub(" ", "".join(out)).strip().casefold()


def near_copy_index(seed_texts: Sequence[str]) -> Callable[[str], bool]:
    """A test of whether a text is a near copy of one of the seeds: equal after :func:`fold_punct`, or its
    folded words are a seed's with exactly one word added or dropped, both with at least
    :data:`NEAR_COPY_MIN_WORDS` words. (An added word is one edit; a replaced word is two, and is not a near
    copy: rows that only follow a seed's template differ in more.)"""
    folded = [tuple(fold_punct(s).split()) for s in seed_texts]
    exact = set(folded)
    # A seed with one word dropped, and the seeds themselves (a text with one word dropped equals them).
    shorter = {s[:k] + s[k + 1 :] for s in folded if len(s) > NEAR_COPY_MIN_WORDS for k in range(len(s))}
    longest = max((len(s) for s in folded), default=0)

    def is_near(text: str) -> bool:
        words = tuple(fold_punct(text).split())
        if words in exact:
            return True
        if len(words) >= NEAR_COPY_MIN_WORDS and words in shorter:
            return True
        if NEAR_COPY_MIN_WORDS < len(words) <= longest + 1:
            return any(words[:k] + words[k + 1 :] in exact for k in range(len(words)))
        return False

    return is_near
