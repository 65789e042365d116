"""The typed values handed from one pipeline stage to the next.

read -> :class:`Corpus` -> parse -> :class:`ParsedCorpus` -> featurize -> :class:`AxisMatrix`
-> cluster -> :class:`Clustering` -> stats -> :class:`Stats` -> :class:`Analysis` -> render.

Large arrays stay numpy arrays. Every ``row`` is the 0-based position of a record among the
input's data records (header excluded), so every number maps back to the user's file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

AXES: tuple[str, ...] = ("syntax", "dependency", "lexical", "semantic")


@dataclass(frozen=True)
class Corpus:
    """The texts to analyse, after reading and skipping.

    Attributes:
        path: The input file as given.
        format: The input format that was read (csv, tsv, jsonl, json, parquet).
        text_column: The field analysed.
        texts: The analysed texts, in input order.
        rows: For each analysed text, its 0-based record number in the input.
        is_seed: For each analysed text, whether it is a seed example.
        rows_read: Number of data records read.
        rows_skipped: Skipped records by reason (``{"empty": 3}``); never silent.
        seed_texts: Seeds given in a separate file (``--seeds``), not part of ``texts``.
        sample: The ``--sample`` size if the user asked for one.
        notes: Human-readable remarks made while reading (auto-chosen column, truncations).
    """

    path: str
    format: str
    text_column: str
    texts: list[str]
    rows: np.ndarray
    is_seed: np.ndarray
    rows_read: int
    rows_skipped: dict[str, int]
    seed_texts: list[str] = field(default_factory=list)
    seed_source: str | None = None
    sample: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.texts)


@dataclass(frozen=True)
class Token:
    """One token of a parsed text.

    Attributes:
        text: Surface form.
        lower: Lower-cased form.
        upos: Universal POS tag.
        xpos: Fine tag (Penn Treebank for English).
        dep: Dependency label.
        head: 0-based index of the head token within the text (itself for the root).
        is_punct: Whether the token is punctuation.
        space_after: Whether white space follows the token in the text.
    """

    text: str
    lower: str
    upos: str
    xpos: str
    dep: str
    head: int
    is_punct: bool
    space_after: bool = True


@dataclass(frozen=True)
class ParsedText:
    """The tokens of one text."""

    tokens: tuple[Token, ...]

    @property
    def upos(self) -> list[str]:
        return [t.upos for t in self.tokens]

    @property
    def xpos(self) -> list[str]:
        return [t.xpos for t in self.tokens]

    @property
    def deps(self) -> list[str]:
        return [t.dep for t in self.tokens]

    @property
    def words(self) -> list[str]:
        """Lower-cased word tokens, punctuation dropped."""
        return [t.lower for t in self.tokens if not t.is_punct and not t.lower.isspace()]


@dataclass(frozen=True)
class ParserInfo:
    """Which parser produced the tokens."""

    backend: str
    model: str
    version: str


@dataclass(frozen=True)
class ParsedCorpus:
    """A corpus with one :class:`ParsedText` per analysed text (and per separate seed)."""

    corpus: Corpus
    parsed: list[ParsedText]
    parser: ParserInfo
    seed_parsed: list[ParsedText] = field(default_factory=list)


@dataclass(frozen=True)
class AxisMatrix:
    """Pairwise distances between the texts along one axis.

    Attributes:
        axis: One of :data:`AXES`.
        n: Number of texts.
        condensed: The upper triangle, row by row (scipy's condensed form), float32; ``None`` in
            landmark mode.
        seed_distances: ``(n, n_seeds)`` distances to the seed examples (float32), or ``None``.
        embeddings: The L2-normalised embeddings (semantic axis only).
        mode: ``"exact"`` or ``"landmark"``.
        landmarks: Rows used as landmarks (landmark mode only).
        landmark_condensed: Condensed distances among landmarks (landmark mode only).
        nearest_landmark: For each row, the index into ``landmarks`` of its nearest landmark.
    """

    axis: str
    n: int
    condensed: np.ndarray | None
    seed_distances: np.ndarray | None = None
    embeddings: np.ndarray | None = None
    mode: str = "exact"
    landmarks: np.ndarray | None = None
    landmark_condensed: np.ndarray | None = None
    nearest_landmark: np.ndarray | None = None
    nearest_landmark_distance: np.ndarray | None = None


@dataclass(frozen=True)
class Pattern:
    """A cluster's pattern: items are ``("word", "for")`` or ``("slot", "NOUN")``."""

    items: tuple[tuple[str, str], ...]
    support: float

    @property
    def text(self) -> str:
        return " ".join(v for _, v in self.items)


@dataclass(frozen=True)
class ClusterSummary:
    """One flat cluster of two or more texts.

    Attributes:
        id: 1-based id, clusters numbered largest first.
        members: Indices into the corpus (not input rows), in leaf order.
        mean_distance: Mean pairwise distance between members.
        medoid: Index of the member with the least total distance to the others.
        seeds: Indices of seed members.
        pattern: The syntax/dependency pattern, or ``None``.
        keywords: Shared (lexical) or distinctive (semantic) words.
        estimated: True when the mean distance and medoid were computed on a sample of members.
    """

    id: int
    members: np.ndarray
    mean_distance: float
    medoid: int
    seeds: list[int]
    pattern: Pattern | None
    keywords: list[str]
    estimated: bool = False

    @property
    def size(self) -> int:
        return len(self.members)


@dataclass(frozen=True)
class Clustering:
    """The hierarchical clustering of one axis.

    Attributes:
        axis: One of :data:`AXES`.
        linkage: scipy-style linkage matrix of the tree that was built (on landmarks in landmark mode).
        leaf_order: Corpus indices in the tree's leaf order.
        labels: Flat cluster id per text (0 = unclustered singleton).
        clusters: Clusters of 2 or more, largest first.
        unclustered: Indices of texts alone in their flat cluster.
        threshold: The distance threshold used (``None`` with ``--clusters``).
        n_clusters: ``--clusters K`` if given.
        mode: ``"exact"`` or ``"landmark"``.
        n_landmarks: Number of landmarks in landmark mode.
        tree_rows: Corpus indices of the tree's leaves (all texts, or the landmarks).
    """

    axis: str
    linkage: np.ndarray
    leaf_order: np.ndarray
    labels: np.ndarray
    clusters: list[ClusterSummary]
    unclustered: np.ndarray
    threshold: float | None
    n_clusters: int | None
    mode: str
    n_landmarks: int | None
    tree_rows: np.ndarray
    linkage_method: str


@dataclass(frozen=True)
class Stats:
    """Dataset and per-axis statistics, keyed by the names the JSON uses."""

    dataset: dict[str, Any]
    axes: dict[str, dict[str, Any]]
    seeds: dict[str, Any] | None
    near_duplicates: dict[str, list[tuple[int, int, float]]]
    top_words: list[tuple[str, int]]
    top_ngrams: dict[int, list[tuple[str, int]]]
    top_templates: list[tuple[str, int]]


@dataclass(frozen=True)
class Analysis:
    """Everything a report or JSON needs."""

    parsed: ParsedCorpus
    axes: dict[str, AxisMatrix]
    clusterings: dict[str, Clustering]
    stats: Stats
    options: dict[str, Any]
    embedder: str
    timings: dict[str, float]
