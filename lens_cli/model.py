"""The typed values handed from one stage to the next.

    read      -> Corpus
    parse     -> ParsedCorpus            embed -> Vectors
    featurize -> AxisFeatures            (one per axis)
    cluster   -> AxisTree -> Clustering
    stats     -> AxisStats, DatasetStats, SeedSummary
              -> Analysis                -> JSON (export), HTML (report)

Every value is frozen; large arrays stay numpy arrays. Every ``row`` is the 0-based position of a
record among the input's data records (header excluded), so every number maps back to the user's
file; indices into a corpus (``members``, ``medoid``) are positions among the analysed texts, mapped
to rows through :attr:`Corpus.rows`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

#: The fine tag of a whitespace token (spaCy's), kept for the POS compression ratio.
SPACE_TAG = "_SP"
AXES: tuple[str, ...] = ("syntax", "dependency", "template", "lexical", "semantic")
#: Axes compared as strings (one character per tag or word); the semantic axis compares vectors.
STRING_AXES: tuple[str, ...] = ("syntax", "dependency", "template", "lexical")
#: Axes that compare sentences instead of whole texts in sentence unit (``--unit sentence``).
SENTENCE_AXES: tuple[str, ...] = ("syntax", "dependency", "template")
#: Units of analysis: what the sentence axes compare.
UNITS: tuple[str, ...] = ("text", "sentence")


@dataclass(frozen=True)
class Corpus:
    """The texts to analyse, after reading and skipping.

    Attributes:
        path: The input file as given.
        format: The input format that was read (csv, tsv, jsonl, json, parquet, txt).
        text_column: The field analysed.
        texts: The analysed texts, in input order.
        rows: For each analysed text, its 0-based record number in the input.
        is_seed: For each analysed text, whether it is a seed example.
        rows_read: Number of data records read.
        rows_skipped: Skipped records by reason (``{"empty": 3}``); never silent.
        seed_texts: Seeds given in a separate file (``--seeds``), not part of ``texts``.
        seed_source: How the seeds were given, for people (``None`` without seeds).
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

    @property
    def has_seeds(self) -> bool:
        return bool(self.seed_texts) or bool(self.is_seed.any())


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
    """The tokens of one text.

    Attributes:
        tokens: The tokens, whitespace tokens left out (they are layout, not syntax).
        spaces: The whitespace tokens the parser made (line breaks, runs of spaces): ``(k, text)`` for one
            that stands before ``tokens[k]`` (``k == len(tokens)``: at the end).
        sentence_starts: Where the parser starts a sentence: indices into ``tokens``, ascending, the first
            0; empty when the parser gave none (then the text is one sentence).
        parser_tags: Every fine tag the parser gave, in order, when the tokens no longer show them all (the
            parts of hyphenated words, which lens joins); empty otherwise (see :attr:`reference_tags`).
    """

    tokens: tuple[Token, ...]
    spaces: tuple[tuple[int, str], ...] = ()
    sentence_starts: tuple[int, ...] = ()
    parser_tags: tuple[str, ...] = ()

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

    @property
    def reference_tags(self) -> list[str]:
        """The fine tag of every token the parser made, whitespace tokens included (``_SP``) and hyphenated
        words in their parts: what the ``diversity`` package's POS compression ratio compresses."""
        return list(self.parser_tags) if self.parser_tags else self.xpos_with_spaces

    @property
    def xpos_with_spaces(self) -> list[str]:
        """Every fine tag the parser gave, whitespace tokens included as ``_SP`` (spaCy's tag for them)."""
        if not self.spaces:
            return self.xpos
        out: list[str] = []
        pending = iter(self.spaces)
        nxt = next(pending, None)
        for k, t in enumerate(self.tokens):
            while nxt is not None and nxt[0] == k:
                out.append(SPACE_TAG)
                nxt = next(pending, None)
            out.append(t.xpos)
        while nxt is not None:
            out.append(SPACE_TAG)
            nxt = next(pending, None)
        return out

    def take(self, indices: Sequence[int]) -> ParsedText:
        """Tokens ``indices`` (ascending) as a text of their own: heads re-indexed, a head left out points
        to the token itself; no whitespace tokens or sentence starts."""
        if len(indices) == len(self.tokens) and not self.spaces and not self.sentence_starts:
            return self
        new = {old: k for k, old in enumerate(indices)}
        return ParsedText(
            tuple(replace(self.tokens[old], head=new.get(self.tokens[old].head, k)) for k, old in enumerate(indices))
        )


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
class Vectors:
    """Sentence embeddings: L2-normalised float32 rows (a zero row for a text without a vector).

    Attributes:
        texts: ``(n, d)``, one row per analysed text.
        seeds: ``(n_seeds, d)``, one row per seed given in a separate file.
        model: The embedder's description (model and version), for the report.
    """

    texts: np.ndarray
    seeds: np.ndarray
    model: str


@dataclass(frozen=True)
class DistanceSummary:
    """Homogenization and near-duplicate pairs of one axis.

    Attributes:
        homogenization: Mean pairwise similarity (1 - distance) over distinct pairs.
        homogenization_estimated: True when computed on a fixed-seed sample of texts (landmark mode).
        near_duplicate_pairs: Pairs within distance :data:`lens_cli.stats.NEAR_DUPLICATE`.
        near_duplicate_examples: The closest such pairs ``(i, j, distance)``, corpus indices, i < j.
        near_duplicates_estimated: True when counted on the sample.
    """

    homogenization: float
    homogenization_estimated: bool
    near_duplicate_pairs: int
    near_duplicate_examples: list[tuple[int, int, float]]
    near_duplicates_estimated: bool


@dataclass(frozen=True)
class Tree:
    """A scipy-style linkage over some leaves, and the leaves' order."""

    linkage: np.ndarray
    leaf_order: np.ndarray


@dataclass(frozen=True)
class AxisTree:
    """The hierarchical clustering of one axis before it is cut, and what its distances said.

    Attributes:
        axis: The axis.
        method: The linkage it was built with.
        tree: In exact mode over all texts (leaves are corpus indices); in landmark mode over the
            landmarks (leaves are positions in ``landmarks``).
        landmarks: Corpus indices of the landmarks (landmark mode), else ``None``.
        nearest: For each text, the index into ``landmarks`` of its nearest landmark (landmark mode).
        summary: Homogenization and near-duplicates from all distances (exact mode); ``None`` in
            landmark mode, where they come from a sample of texts.
    """

    axis: str
    method: str
    tree: Tree
    landmarks: np.ndarray | None
    nearest: np.ndarray | None
    summary: DistanceSummary | None

    @property
    def mode(self) -> str:
        return "exact" if self.landmarks is None else "landmark"


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
    """One flat cluster of two or more items (texts, or sentences in sentence unit).

    Attributes:
        id: 1-based id, clusters numbered largest first.
        members: Item indices (corpus indices in text unit, sentence indices in sentence unit), in leaf order.
        mean_distance: Mean pairwise distance between members.
        medoid: Index of the member with the least total distance to the others.
        seeds: Indices of seed members (members whose text is a seed).
        pattern: The syntax/dependency/template pattern, or ``None``.
        keywords: Shared (lexical) or distinctive (semantic) words.
        estimated: True when the mean distance and medoid were computed on a sample of members.
        texts: Sentence unit: the corpus indices of the texts holding a member, ascending; ``None`` in text unit.
        first_share: Sentence unit: the share of members that are their text's first sentence.
        last_share: Sentence unit: the share of members that are their text's last sentence.
    """

    id: int
    members: np.ndarray
    mean_distance: float
    medoid: int
    seeds: list[int]
    pattern: Pattern | None
    keywords: list[str]
    estimated: bool = False
    texts: np.ndarray | None = None
    first_share: float | None = None
    last_share: float | None = None

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def n_texts(self) -> int:
        """The texts holding a member: ``size`` in text unit."""
        return self.size if self.texts is None else len(self.texts)


@dataclass(frozen=True)
class Clustering:
    """The flat clusters of one axis, cut from its tree.

    Attributes:
        axis: The axis.
        linkage: scipy-style linkage matrix of the tree that was built (on landmarks in landmark mode).
        leaf_order: Corpus indices in the tree's leaf order.
        labels: Flat cluster id per text (0 = unclustered singleton).
        clusters: Clusters of 2 or more, largest first.
        unclustered: Indices of texts alone in their flat cluster, in leaf order.
        threshold: The distance threshold used (``None`` with ``--clusters``).
        n_clusters: ``--clusters K`` if given.
        mode: ``"exact"`` or ``"landmark"``.
        n_landmarks: Number of landmarks in landmark mode.
        tree_rows: Item indices of the tree's leaves (all items, or the landmarks).
        linkage_method: The linkage the tree was built with.
        unit: ``text`` or ``sentence``: what an item is (labels, members and leaves index items).
        owner: Sentence unit: per item, the corpus index of its text.
        unclustered_texts: Sentence unit: corpus indices of the texts none of whose sentences is in a cluster.
        openings: Sentence unit: ``(cluster id, texts whose first sentence is in it)``, most texts first.
        closings: The same for last sentences.
        texts_total: Sentence unit: the number of texts (some may have no sentence).
        item_texts: Sentence unit: per item, the sentence's words.
        spans: Sentence unit: per item, its ``(start, end)`` tokens in its text.
        nearest: Landmark mode: per item, the index into ``tree_rows`` of its nearest landmark (the item is in
            that landmark's flat cluster); ``None`` in exact mode.
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
    unit: str = "text"
    owner: np.ndarray | None = None
    unclustered_texts: np.ndarray | None = None
    openings: list[tuple[int, int]] = field(default_factory=list)
    closings: list[tuple[int, int]] = field(default_factory=list)
    texts_total: int | None = None
    item_texts: Sequence[str] | None = None
    spans: np.ndarray | None = None
    nearest: np.ndarray | None = None

    def text_of(self, item: int) -> int:
        """The corpus index of the text item ``item`` belongs to."""
        return item if self.owner is None else int(self.owner[item])

    @property
    def n_texts(self) -> int:
        """The texts the items come from."""
        return len(self.labels) if self.texts_total is None else self.texts_total

    @property
    def clustered_share(self) -> float:
        """The share of texts in a cluster (sentence unit: with at least one sentence in a cluster)."""
        if self.unclustered_texts is not None:
            n = self.n_texts
            return 1.0 - len(self.unclustered_texts) / n if n else 0.0
        n = len(self.labels)
        return 1.0 - len(self.unclustered) / n if n else 0.0


@dataclass(frozen=True)
class Vendi:
    """The Vendi score of one axis: the effective number of distinct texts.

    Attributes:
        score: exp of the entropy of the eigenvalues of K / N.
        sample: The size of the fixed-seed sample it was computed on, ``None`` for all items.
        method: How it was estimated, ``None`` when exact.
        interval: The estimate's interval (it covers the estimator's error, not the sample's), or ``None``.
    """

    score: float
    sample: int | None
    method: str | None = None
    interval: tuple[float, float] | None = None


@dataclass(frozen=True)
class SeedCopying:
    """How close the generated texts are to the seeds on one axis.

    Attributes:
        seed_copy_rate: Share of generated texts within the axis threshold of some seed.
        nearest: For every generated text ``(index, seed, distance)`` of its nearest seed.
        children: Per seed, the generated texts within the threshold whose nearest seed it is.
        copies: Indices of the generated texts within the threshold of a seed.
    """

    seed_copy_rate: float
    nearest: list[tuple[int, int, float]]
    children: list[int]
    copies: list[int]


@dataclass(frozen=True)
class AxisStats:
    """The statistics of one axis.

    Attributes:
        summary: Homogenization and near-duplicate pairs.
        vendi: The Vendi score.
        threshold: The axis's distance threshold (seeds are copied within it).
        seeds: Seed copying, when there are seeds.
        intervals: 95% intervals of ``homogenization`` and ``clustered_share``.
    """

    summary: DistanceSummary
    vendi: Vendi
    threshold: float
    seeds: SeedCopying | None
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class AxisResult:
    """One axis of an analysis: its flat clusters and its statistics."""

    clustering: Clustering
    stats: AxisStats


@dataclass(frozen=True)
class TokensPerText:
    mean: float
    median: float
    p10: float
    p90: float


@dataclass(frozen=True)
class DatasetStats:
    """Dataset-level statistics under the names the JSON uses (see docs/statistics.md).

    Attributes:
        rows_read: Data records read.
        rows_analysed: Texts analysed.
        rows_skipped: Records skipped, all reasons.
        empty_skipped: Records skipped as empty or white space.
        unique_texts: Distinct texts after case and white-space folding.
        duplicate_rate: 1 - unique_texts / rows_analysed.
        tokens_per_text: Word tokens per text.
        vocabulary_size: Distinct lower-cased words.
        distinct_n: ``{"1".."4"}``: unique / total n-grams of words, within texts.
        ngram_diversity: Σ over n = 1..4 of unique / total n-grams of the joined texts.
        ngram_diversity_terms: The four terms of that sum.
        compression_ratio: Bytes of the joined texts / bytes gzipped.
        compression_ratio_pos: ``{"xpos", "upos"}``: the same on the tag sequences.
        self_repetition: Mean of log(1 + Σ (df - 1)) over each text's distinct 4-grams.
        template_rate: Share of texts holding one of the top Penn-tag 5-grams.
        templates_per_token: Matching 5-gram positions / tokens, averaged over texts.
    """

    rows_read: int
    rows_analysed: int
    rows_skipped: int
    empty_skipped: int
    unique_texts: int
    duplicate_rate: float
    tokens_per_text: TokensPerText
    vocabulary_size: int
    distinct_n: dict[str, float]
    ngram_diversity: float
    ngram_diversity_terms: list[float]
    compression_ratio: float
    compression_ratio_pos: dict[str, float]
    self_repetition: float
    template_rate: float
    templates_per_token: float

    def as_dict(self) -> dict[str, Any]:
        """The JSON ``stats`` object, in this order."""
        return asdict(self)


@dataclass(frozen=True)
class OverusedWord:
    """A word the dataset uses more often than general English does.

    Attributes:
        word: The lower-cased word.
        texts: Texts containing it.
        rate: Its occurrences per million word tokens of the dataset.
        english: Its occurrences per million words of general English (wordfreq).
        lift: (rate + 1) / (english + 1), both per million: how many times more often the dataset uses it.
    """

    word: str
    texts: int
    rate: float
    english: float
    lift: float


@dataclass(frozen=True)
class Tops:
    """What the texts share most often, for the report and JSON; every count is of texts, not occurrences
    (one text repeating a word 37 times counts once).

    Attributes:
        words: The 30 words in most texts, with their texts.
        ngrams: For n = 2, 3, the 20 word n-grams (joined by ' ') in most texts, with their texts.
        templates: The 20 UPOS ``template_n``-grams (joined by ' ') in most texts, with their texts.
        overused: The words used most often compared with general English (:mod:`lens_cli.english`).
        template_tags: The tag set of ``templates``.
        template_n: The length of ``templates``.
    """

    words: list[tuple[str, int]]
    ngrams: dict[int, list[tuple[str, int]]]
    templates: list[tuple[str, int]]
    overused: list[OverusedWord] = field(default_factory=list)
    template_tags: str = "upos"
    template_n: int = 4


@dataclass(frozen=True)
class SeedSummary:
    """The seeds of an analysis and the generated texts that copy one.

    Attributes:
        source: How the seeds were given.
        seed_texts: The seeds' texts.
        seed_indices: Corpus indices of in-data seeds; ``None`` for seeds from a separate file.
        generated: Number of generated (non-seed) texts.
        verbatim_copies: Generated texts equal to a seed after case and white-space folding.
        copies: Generated texts within some axis's threshold of a seed.
        near_copies: Generated texts that are not verbatim copies but equal a seed after also folding
            punctuation, or are one word away from one (:func:`lens_cli.seeds.near_copy_index`).
    """

    source: str | None
    seed_texts: list[str]
    seed_indices: list[int] | None
    generated: int
    verbatim_copies: list[int]
    copies: list[int]
    near_copies: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Analysis:
    """Everything a report or JSON needs.

    Attributes:
        parsed: The corpus and its parses.
        vectors: The embeddings, when the semantic axis was analysed.
        axes: Per axis, in the order analysed: the flat clusters and statistics.
        dataset: Dataset statistics.
        tops: Top words, n-grams and templates.
        intervals: 95% intervals of the headline dataset statistics, in the layout of ``dataset``.
        seeds: Seed figures, when there are seeds.
        options: The run options as the JSON shows them.
        embedder: The embedder's description (``-`` without a semantic axis).
        timings: Seconds per stage.
    """

    parsed: ParsedCorpus
    vectors: Vectors | None
    axes: dict[str, AxisResult]
    dataset: DatasetStats
    tops: Tops
    intervals: dict[str, Any]
    seeds: SeedSummary | None
    options: dict[str, Any]
    embedder: str
    timings: dict[str, float]

    @property
    def corpus(self) -> Corpus:
        return self.parsed.corpus

    @property
    def clusterings(self) -> dict[str, Clustering]:
        return {axis: r.clustering for axis, r in self.axes.items()}


def unique(texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Distinct texts in first-seen order, and for each text the index of its distinct text."""
    index: dict[str, int] = {}
    group = [index.setdefault(t, len(index)) for t in texts]
    return list(index), np.asarray(group, dtype=np.int64)


def first_rows(group: np.ndarray, m: int) -> np.ndarray:
    """For each of ``m`` groups (as :func:`unique` numbers them), the first position holding it."""
    first = np.zeros(m, dtype=np.int64)
    first[group[::-1]] = np.arange(len(group))[::-1]
    return first
