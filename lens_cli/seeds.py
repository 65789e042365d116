"""Seed copying: how close the generated texts are to the seed examples they were prompted with.

Per axis (:func:`seed_copying`), every generated text's nearest seed; a text within the axis's
threshold of its nearest seed *copies* that seed on that axis and is its *child*: on the syntax axis
it follows the seed's grammatical template, on the lexical axis it shares most of its words, on the
semantic axis it means (almost) the same. Over the whole corpus (:func:`seed_summary`), the generated
texts equal to a seed after folding case and white space (verbatim copies).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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

    Every text is compared with every seed, in the blocks of the engine (see :mod:`lens_cli.engine`);
    ties go to the seed whose text sorts first.
    """
    if not corpus.has_seeds:
        return None
    generated, seed_idx, seed_keys = _seeds_of(corpus)
    seed_items = features.seed_items if seed_idx is None else features.take(seed_idx)
    n_seeds = len(seed_keys)
    near = np.zeros(corpus.n, dtype=np.int64)
    dist = np.zeros(corpus.n, dtype=np.float32)
    if len(generated) and n_seeds:
        near, dist = engine.nearest(features.axis, features.items, seed_items, order=seed_order(n_seeds, seed_keys))
    return copying(generated, near[generated], dist[generated], threshold, n_seeds)


def seed_summary(corpus: Corpus, per_axis: Mapping[str, SeedCopying | None]) -> SeedSummary | None:
    """Which texts are seeds, which generated texts copy one verbatim or on some axis (``None`` without seeds)."""
    if not corpus.has_seeds:
        return None
    generated, seed_idx, seed_texts = _seeds_of(corpus)
    folded = {fold(s) for s in seed_texts}
    verbatim = [int(g) for g in generated if fold(corpus.texts[g]) in folded]
    copies = sorted({c for s in per_axis.values() if s is not None for c in s.copies})
    return SeedSummary(
        source=corpus.seed_source,
        seed_texts=seed_texts,
        seed_indices=None if seed_idx is None else [int(i) for i in seed_idx],
        generated=len(generated),
        verbatim_copies=verbatim,
        copies=copies,
    )
