"""Statistics: the dataset's diversity figures and each axis's homogenization, Vendi score and
near-duplicates, as docs/statistics.md defines them.

Names marked "compatible" equal the ``diversity`` package (Shaib et al. 2024) on the same texts
and tags; the formulas are written here from their definitions, without depending on that package.
"""

from __future__ import annotations

import gzip
import math
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .distances import Distinct, string_cross
from .english import overused_words
from .features import AxisFeatures
from .intervals import dataset_intervals, homogenization_interval, share_interval
from .model import (
    AxisStats,
    AxisTree,
    Clustering,
    DatasetStats,
    DistanceSummary,
    OverusedWord,
    ParsedCorpus,
    ParsedText,
    SeedCopying,
    TokensPerText,
    Tops,
    Vendi,
    first_rows,
    unique,
)
from .runtime.context import gil_bound
from .vendi import PSD_SETTINGS, dice_operator, vendi_dual, vendi_estimate, vendi_from_eigenvalues

if TYPE_CHECKING:
    from .engine import Engine

NEAR_DUPLICATE = 0.05
#: Homogenization and near-duplicates in landmark mode: on a fixed-seed sample of this many items.
SUMMARY_SAMPLE = 5000
#: The Vendi score of a string axis: on all items up to this many, else on a fixed-seed sample of them.
VENDI_SAMPLE = 10_000
TEMPLATE_N = 5
#: The tops count word n-grams for these n, and UPOS n-grams of this length, by texts.
TOP_NGRAMS = (1, 2, 3)
TOP_TEMPLATE_N = 4
TOP_TEMPLATES = 100
NEAR_DUPLICATE_EXAMPLES = 50
#: Pairs read at a time by :func:`distance_summary`.
SUMMARY_CHUNK = 1 << 24
_WS = re.compile(r"\s+")


def fold(text: str) -> str:
    """Case and white-space folding used for 'unique texts' and verbatim seed copies."""
    return _WS.sub(" ", text).strip().casefold()


def _ngrams(seq: Sequence[Any], n: int) -> list[tuple[Any, ...]]:
    # zip builds the tuples in C: several times faster than slicing at each position
    return list(zip(*[seq[i:] for i in range(n)]))


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
    df: Counter[tuple[str, ...]] = Counter()
    for text in texts:
        df.update(shingles(text, n))
    return repetition_score(repetition_sums(texts, df, n))


def shingles(text: str, n: int = 4) -> set[tuple[str, ...]]:
    """The distinct whitespace n-grams of a text (self-repetition's units)."""
    return set(_ngrams(text.split(), n))


def repetition_sums(texts: Sequence[str], df: Mapping[tuple[str, ...], int], n: int = 4) -> np.ndarray:
    """Per text, Σ (df(g) - 1) over its distinct whitespace n-grams (``df`` may leave out grams with df 1)."""
    return np.asarray([sum(df.get(g, 1) - 1 for g in shingles(t, n)) for t in texts], dtype=np.int64)


def repetition_score(sums: Sequence[int] | np.ndarray) -> float:
    """Self-repetition from each text's :func:`repetition_sums`: the mean of log(1 + sum), in text order."""
    if not len(sums):
        return 0.0
    return float(np.mean([math.log(1 + int(s)) for s in sums]))


def _top(counts: Counter[tuple[str, ...]], k: int) -> list[tuple[tuple[str, ...], int]]:
    """The ``k`` most frequent items, ties broken by the item: the same list however the counts were summed."""
    return sorted(counts.items(), key=lambda gc: (-gc[1], gc[0]))[:k]


def template_hits(
    xpos_seqs: Sequence[Sequence[str]], top: Collection[tuple[str, ...]]
) -> tuple[np.ndarray, np.ndarray]:
    """Per text: how many of its tag 5-gram positions are ``top`` templates, and how many tags it has."""
    hits = [sum(1 for g in _ngrams(tags, TEMPLATE_N) if g in top) for tags in xpos_seqs]
    return np.asarray(hits, dtype=np.int64), np.asarray([len(t) for t in xpos_seqs], dtype=np.int64)


def template_figures(hits: np.ndarray, n_tags: np.ndarray) -> tuple[float, float]:
    """(template_rate, templates_per_token) from :func:`template_hits`, averaged in text order."""
    if not len(hits):
        return 0.0, 0.0
    per_token = [int(h) / int(t) if t else 0.0 for h, t in zip(hits, n_tags)]
    return int(np.count_nonzero(hits)) / len(hits), float(np.mean(per_token))


def templates(xpos_seqs: Sequence[Sequence[str]]) -> tuple[list[tuple[str, int]], float, float]:
    """The most frequent Penn-tag 5-grams and how much of the corpus they cover.

    Returns:
        (top templates with counts, template_rate, templates_per_token): the rate is the share of
        texts containing a top template; per-token is matching positions / tokens, averaged over texts.
    """
    if not xpos_seqs:
        return [], 0.0, 0.0
    counts: Counter[tuple[str, ...]] = Counter()
    for tags in xpos_seqs:
        counts.update(_ngrams(tags, TEMPLATE_N))
    top = _top(counts, TOP_TEMPLATES)
    rate, per_token = template_figures(*template_hits(xpos_seqs, {g for g, _ in top}))
    return [(" ".join(g), c) for g, c in top], rate, per_token


# Dataset statistics in three steps, so that an engine can run the first two on partitions of the
# rows wherever the parses are (see lens_cli.engines) and give exactly the local figures:
#   1. count_rows: sums over rows (n-gram, word, template and shingle counts, text lengths), merged
#      by adding, which is exact in any order and grouping;
#   2. row_figures: per text, what needs the corpus-wide counts of step 1 (self-repetition sums,
#      template hits), as integers;
#   3. finish_dataset_stats: every float, here, from the merged counts and the per-text integers in
#      text order; plus what is not a sum over rows (the gzip ratios and ngram_diversity of the
#      joined texts).

SHINGLE_N = 4


@dataclass
class DatasetCounts:
    """Sums over rows: the first step of the dataset statistics; partial counts merge by adding.

    Attributes:
        rows: Texts counted.
        folded: The distinct texts after case and white-space folding (:func:`fold`).
        lengths: For each number of word tokens, how many texts have it.
        ngrams: For n = 1..4, how often each n-gram of lower-cased word tokens occurs (within texts).
        templates: How often each Penn-tag 5-gram occurs.
        shingles: In how many texts each whitespace 4-gram occurs (self-repetition's df).
        texts_with: For n = 1..3, in how many texts each word n-gram occurs (the report's tops).
        upos_templates: In how many texts each UPOS :data:`TOP_TEMPLATE_N`-gram occurs (the report's tops).
    """

    rows: int = 0
    folded: set[str] = field(default_factory=set)
    lengths: Counter[int] = field(default_factory=Counter)
    ngrams: dict[int, Counter[tuple[str, ...]]] = field(default_factory=lambda: {n: Counter() for n in range(1, 5)})
    templates: Counter[tuple[str, ...]] = field(default_factory=Counter)
    shingles: Counter[tuple[str, ...]] = field(default_factory=Counter)
    texts_with: dict[int, Counter[tuple[str, ...]]] = field(default_factory=lambda: {n: Counter() for n in TOP_NGRAMS})
    upos_templates: Counter[tuple[str, ...]] = field(default_factory=Counter)

    def merge(self, other: DatasetCounts) -> DatasetCounts:
        """Add ``other`` to these counts (in place) and return them."""
        self.rows += other.rows
        self.folded |= other.folded
        self.lengths.update(other.lengths)
        for n, c in other.ngrams.items():
            self.ngrams[n].update(c)
        self.templates.update(other.templates)
        self.shingles.update(other.shingles)
        for n, c in other.texts_with.items():
            self.texts_with[n].update(c)
        self.upos_templates.update(other.upos_templates)
        return self


def _add(counter: Counter[Any], items: Iterable[Any], weight: int) -> None:
    if weight == 1:
        counter.update(items)
    else:
        for item, k in Counter(items).items():
            counter[item] += k * weight


def count_rows(
    texts: Sequence[str], parsed: Sequence[ParsedText], weights: Sequence[int] | np.ndarray | None = None
) -> DatasetCounts:
    """The sums over rows of ``texts`` (step 1); with ``weights``, text ``i`` counts as ``weights[i]`` rows
    (0: not at all), so an engine may count each distinct text once."""
    c = DatasetCounts()
    for i, (text, p) in enumerate(zip(texts, parsed)):
        w = 1 if weights is None else int(weights[i])
        if w <= 0:
            continue
        c.rows += w
        c.folded.add(fold(text))
        words = p.words
        c.lengths[len(words)] += w
        for n, counter in c.ngrams.items():
            grams = _ngrams(words, n)
            _add(counter, grams, w)
            if n in c.texts_with:
                _add(c.texts_with[n], set(grams), w)
        _add(c.templates, _ngrams(p.xpos, TEMPLATE_N), w)
        _add(c.shingles, shingles(text, SHINGLE_N), w)
        _add(c.upos_templates, set(_ngrams(p.upos, TOP_TEMPLATE_N)), w)
    return c


@dataclass(frozen=True)
class CountSummary:
    """What the last step needs of the merged :class:`DatasetCounts` (small, unlike the counts).

    Attributes:
        rows: Texts counted.
        unique_texts: Distinct texts after folding.
        lengths: ``(word tokens, texts)`` pairs, by length.
        distinct: For n = 1..4, (distinct n-grams, all n-grams).
        top_words: The 30 words in most texts, with their texts.
        top_ngrams: For n = 2, 3, the 20 n-grams (joined by ' ') in most texts, with their texts.
        top_templates: The :data:`TOP_TEMPLATES` most frequent Penn-tag 5-grams with counts (the template rate's).
        top_upos: The 20 UPOS :data:`TOP_TEMPLATE_N`-grams in most texts, with their texts.
        overused: The words the texts use most often compared with general English.
    """

    rows: int
    unique_texts: int
    lengths: tuple[tuple[int, int], ...]
    distinct: dict[int, tuple[int, int]]
    top_words: list[tuple[str, int]]
    top_ngrams: dict[int, list[tuple[str, int]]]
    top_templates: list[tuple[tuple[str, ...], int]]
    top_upos: list[tuple[str, int]] = field(default_factory=list)
    overused: list[OverusedWord] = field(default_factory=list)

    @property
    def template_set(self) -> frozenset[tuple[str, ...]]:
        return frozenset(g for g, _ in self.top_templates)


def summarise_counts(counts: DatasetCounts) -> CountSummary:
    """The small summary of merged counts that :func:`finish_dataset_stats` needs."""
    return CountSummary(
        rows=counts.rows,
        unique_texts=len(counts.folded),
        lengths=tuple(sorted(counts.lengths.items())),
        distinct={n: (len(c), sum(c.values())) for n, c in counts.ngrams.items()},
        top_words=[(g[0], k) for g, k in _top(counts.texts_with[1], 30)],
        top_ngrams={n: [(" ".join(g), k) for g, k in _top(counts.texts_with[n], 20)] for n in (2, 3)},
        top_templates=_top(counts.templates, TOP_TEMPLATES),
        top_upos=[(" ".join(g), k) for g, k in _top(counts.upos_templates, 20)],
        overused=overused_words(
            {g[0]: k for g, k in counts.ngrams[1].items()},
            {g[0]: k for g, k in counts.texts_with[1].items()},
            sum(counts.ngrams[1].values()),
            counts.rows,
        ),
    )


def repeated_shingles(counts: DatasetCounts) -> dict[tuple[str, ...], int]:
    """The shingles found in more than one text, with their df: the only ones self-repetition adds up."""
    return {g: k for g, k in counts.shingles.items() if k > 1}


@dataclass(frozen=True)
class RowFigures:
    """Per text, the integers of step 2 (in the order of the texts they were computed for).

    Attributes:
        repetition: Σ (df(g) - 1) over the text's distinct whitespace 4-grams.
        template_hits: Tag 5-gram positions that are top templates.
        tags: Tags (tokens) of the text.
    """

    repetition: np.ndarray
    template_hits: np.ndarray
    tags: np.ndarray

    def take(self, index: np.ndarray) -> RowFigures:
        """The figures of the texts ``index`` (e.g. every row, from those of each distinct text)."""
        return RowFigures(self.repetition[index], self.template_hits[index], self.tags[index])

    @staticmethod
    def concatenate(parts: Sequence[RowFigures]) -> RowFigures:
        def cat(name: str) -> np.ndarray:
            arrays = [getattr(p, name) for p in parts]
            return np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.int64)

        return RowFigures(cat("repetition"), cat("template_hits"), cat("tags"))


def row_figures(
    texts: Sequence[str],
    parsed: Sequence[ParsedText],
    repeated: Mapping[tuple[str, ...], int],
    top_templates: Collection[tuple[str, ...]],
) -> RowFigures:
    """Step 2 for ``texts``: their self-repetition sums against the corpus df (``repeated``, see
    :func:`repeated_shingles`) and their template hits against the corpus's top templates."""
    hits, n_tags = template_hits([p.xpos for p in parsed], top_templates)
    return RowFigures(repetition_sums(texts, repeated, SHINGLE_N), hits, n_tags)


def finish_dataset_stats(
    texts: Sequence[str],
    parsed: Sequence[ParsedText],
    summary: CountSummary,
    figures: RowFigures,
    rows_read: int,
    rows_skipped: dict[str, int],
) -> tuple[DatasetStats, Tops]:
    """Step 3: the statistics and tops from the merged counts' ``summary`` and every row's ``figures``
    (in row order); the ratios of the joined texts and tags are computed here, from ``texts`` and ``parsed``."""
    n = len(texts)
    keys = np.asarray([k for k, _ in summary.lengths], dtype=np.float64)
    # Integer-valued float64 sums are exact in any order: the mean equals the one over rows in order.
    lengths = np.repeat(keys, [c for _, c in summary.lengths])
    nd, nd_terms = ngram_diversity(texts)
    tpl_rate, tpl_per_tok = template_figures(figures.template_hits, figures.tags)
    stats = DatasetStats(
        rows_read=rows_read,
        rows_analysed=n,
        rows_skipped=sum(rows_skipped.values()),
        empty_skipped=rows_skipped.get("empty", 0),
        unique_texts=summary.unique_texts,
        duplicate_rate=1 - summary.unique_texts / n if n else 0.0,
        tokens_per_text=TokensPerText(
            mean=float(lengths.mean()) if n else 0.0,
            median=float(np.median(lengths)) if n else 0.0,
            p10=float(np.percentile(lengths, 10)) if n else 0.0,
            p90=float(np.percentile(lengths, 90)) if n else 0.0,
        ),
        vocabulary_size=summary.distinct[1][0],
        distinct_n={str(k): (u / t if t else 0.0) for k, (u, t) in sorted(summary.distinct.items())},
        ngram_diversity=nd,
        ngram_diversity_terms=nd_terms,
        compression_ratio=compression_ratio(texts),
        compression_ratio_pos={
            "xpos": compression_ratio_pos([p.reference_tags for p in parsed]),
            "upos": compression_ratio_pos([p.upos for p in parsed]),
        },
        self_repetition=repetition_score(figures.repetition),
        template_rate=tpl_rate,
        templates_per_token=tpl_per_tok,
    )
    tops = Tops(
        words=summary.top_words,
        ngrams=summary.top_ngrams,
        templates=summary.top_upos,
        overused=summary.overused,
        template_n=TOP_TEMPLATE_N,
    )
    return stats, tops


def dataset_counts(texts: Sequence[str], parsed: Sequence[ParsedText]) -> tuple[CountSummary, RowFigures]:
    """Steps 1 and 2 on all rows as one partition (the Dask engine runs them on many): each distinct text
    is counted once, weighted by its rows, and its figures copied to each of its rows."""
    distinct, group = unique(texts)
    distinct_parsed = [parsed[i] for i in first_rows(group, len(distinct)).tolist()]
    with gil_bound():  # n-gram counting in Python: see lens_cli.runtime.context
        counts = count_rows(distinct, distinct_parsed, np.bincount(group, minlength=len(distinct)))
        summary = summarise_counts(counts)
        figures = row_figures(distinct, distinct_parsed, repeated_shingles(counts), summary.template_set)
    return summary, figures.take(group)


def dataset_stats(parsed: ParsedCorpus, engine: Engine | None = None) -> tuple[DatasetStats, Tops, dict[str, Any]]:
    """Dataset-level statistics, the top words, n-grams and templates for the report, and the statistics'
    95% intervals (:mod:`lens_cli.intervals`).

    ``engine`` counts the sums over rows (steps 1 and 2) elsewhere, e.g. on Dask workers; the
    figures are the same.
    """
    corpus = parsed.corpus
    counting = engine.dataset_counts if engine is not None else dataset_counts
    summary, figures = counting(corpus.texts, parsed.parsed)
    texts, tokens = corpus.texts, parsed.parsed
    stats, tops = finish_dataset_stats(texts, tokens, summary, figures, corpus.rows_read, corpus.rows_skipped)
    intervals = dataset_intervals(texts, tokens, stats, figures.template_hits, figures.tags)
    return stats, tops, intervals


def dataset_figures(
    texts: Sequence[str],
    parsed: Sequence[ParsedText],
    rows_read: int,
    rows_skipped: dict[str, int],
    engine: Engine | None = None,
) -> tuple[DatasetStats, Tops]:
    """:func:`dataset_stats` of ``texts`` and their parses."""
    counting = engine.dataset_counts if engine is not None else dataset_counts
    summary, figures = counting(texts, parsed)
    return finish_dataset_stats(texts, parsed, summary, figures, rows_read, rows_skipped)


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
    return vendi_from_eigenvalues(np.linalg.eigvalsh(m))


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


def _pairs_from_condensed(n: int, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of the condensed index: positions -> (i, j), i < j."""
    k = positions.astype(np.float64)
    i = (n - 2 - np.floor(np.sqrt(-8 * k + 4 * n * (n - 1) - 7) / 2.0 - 0.5)).astype(np.int64)
    j = (positions - n * i + i * (i + 1) // 2 + i + 1).astype(np.int64)
    return i, j


def distance_summary(condensed: np.ndarray, n: int) -> DistanceSummary:
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
    return DistanceSummary(
        homogenization=float(1.0 - mean) if condensed.size else 1.0,
        homogenization_estimated=False,
        near_duplicate_pairs=count,
        near_duplicate_examples=[(int(i), int(j), float(d)) for i, j, d in zip(ii, jj, dd)],
        near_duplicates_estimated=False,
    )


def distinct_distance_summary(distinct: Distinct) -> DistanceSummary:
    """:func:`distance_summary` of all positions, from the distances among their distinct items
    (:func:`distances.distinct_distances`): the same count and examples, and the same mean summed in
    another order.

    A pair of positions is 0 apart when both hold one item, else as far apart as their items. So
    the sum over all pairs is ``Σ_{a<b} c_a c_b d(a, b)``, and the near-duplicate pairs are those inside
    an item plus ``c_a c_b`` for each pair of items within :data:`NEAR_DUPLICATE`. The examples come
    from the first :data:`NEAR_DUPLICATE_EXAMPLES` such pairs of items, ordered by distance and then by
    their first pair of positions: a pair of positions of any later pair of items comes after all those.
    """
    sq, first, group = distinct.square, distinct.first, distinct.group
    n, m = len(group), distinct.m
    counts = distinct.counts
    weights = counts.astype(np.float64)
    pairs = n * (n - 1) // 2
    total = 0.5 * float(weights @ (sq @ weights))
    limit = float(np.float32(NEAR_DUPLICATE))
    keep = NEAR_DUPLICATE_EXAMPLES
    # Pairs of items (a <= b) that hold near-duplicates: (distance, a, b), the best ``keep`` so far.
    inside = np.flatnonzero(counts > 1)
    members = np.argsort(group, kind="stable")
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    second = members[starts[inside] + 1]
    count = int((counts[inside] * (counts[inside] - 1) // 2).sum())
    cd, ca, cb, key = np.zeros(len(inside)), inside, inside, second  # key: the pair's second position
    cd, ca, cb, key = _best(cd, ca, cb, first[ca], key, keep)
    for i, rows in _square_rows(m):
        hit_r, hit_c = np.nonzero(sq[i : i + rows] <= limit)
        hit_r += i
        upper = hit_c > hit_r
        ra, rb = hit_r[upper], hit_c[upper]
        count += int((counts[ra] * counts[rb]).sum())
        cd = np.concatenate([cd, sq[ra, rb].astype(np.float64)])
        ca, cb = np.concatenate([ca, ra]), np.concatenate([cb, rb])
        key = np.concatenate([key, first[rb]])
        cd, ca, cb, key = _best(cd, ca, cb, first[ca], key, keep)
    # Every pair of positions of those pairs of items: their first ``keep + 1`` positions suffice (the
    # first position with each of the next ``keep`` comes before any pair with a later position).
    ii: list[np.ndarray] = []
    jj: list[np.ndarray] = []
    dd: list[np.ndarray] = []
    for d, a, b in zip(cd, ca, cb):
        pa = members[starts[a] : starts[a] + min(keep + 1, counts[a])]
        pb = members[starts[b] : starts[b] + min(keep + 1, counts[b])]
        lo, hi = np.minimum.outer(pa, pb).ravel(), np.maximum.outer(pa, pb).ravel()
        valid = np.less.outer(pa, pb).ravel() if a == b else np.ones(lo.size, dtype=bool)
        ii.append(lo[valid])
        jj.append(hi[valid])
        dd.append(np.full(int(valid.sum()), d))
    i_all = np.concatenate(ii) if ii else np.zeros(0, dtype=np.int64)
    j_all = np.concatenate(jj) if jj else np.zeros(0, dtype=np.int64)
    d_all = np.concatenate(dd) if dd else np.zeros(0)
    best = np.lexsort((j_all, i_all, d_all))[:keep]
    return DistanceSummary(
        homogenization=float(1.0 - total / pairs) if pairs else 1.0,
        homogenization_estimated=False,
        near_duplicate_pairs=count,
        near_duplicate_examples=[(int(i_all[o]), int(j_all[o]), float(d_all[o])) for o in best],
        near_duplicates_estimated=False,
    )


def _square_rows(m: int, elements: int = SUMMARY_CHUNK) -> Iterable[tuple[int, int]]:
    """Blocks ``(i, b)`` of rows of an ``(m, m)`` matrix, about ``elements`` at a time."""
    step = max(1, elements // max(1, m))
    for i in range(0, m, step):
        yield i, min(step, m - i)


def _best(
    d: np.ndarray, a: np.ndarray, b: np.ndarray, i: np.ndarray, j: np.ndarray, keep: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The ``keep`` pairs of items ``(a, b)`` at distance ``d`` whose first pairs of positions ``(i, j)``
    come first (by distance, then i, then j); returns their d, a, b, j."""
    best = np.lexsort((j, i, d))[:keep]
    return d[best], a[best], b[best], j[best]


def sampled_distance_summary(rows: np.ndarray, square: np.ndarray, estimated: bool) -> DistanceSummary:
    """Homogenization and near-duplicate pairs among ``rows`` from their square distances ``square``."""
    iu = np.triu_indices(len(rows), 1)
    vals = square[iu]
    hit = vals <= NEAR_DUPLICATE
    ii, jj, dd = rows[iu[0][hit]], rows[iu[1][hit]], vals[hit]
    order = np.lexsort((jj, ii, dd))[:NEAR_DUPLICATE_EXAMPLES]
    return DistanceSummary(
        homogenization=float(1.0 - vals.mean(dtype=np.float64)) if vals.size else 1.0,
        homogenization_estimated=estimated,
        near_duplicate_pairs=int(hit.sum()),
        near_duplicate_examples=[(int(ii[o]), int(jj[o]), float(dd[o])) for o in order],
        near_duplicates_estimated=estimated,
    )


def stats_sample(n: int, size: int = SUMMARY_SAMPLE) -> np.ndarray | None:
    """The fixed-seed sample of ``size`` rows used above that many, else ``None``."""
    if n <= size:
        return None
    return np.sort(np.random.default_rng(0).choice(n, size=size, replace=False))


def vendi_score(features: AxisFeatures) -> Vendi:
    """The Vendi score of one axis (see :mod:`lens_cli.vendi` and docs/statistics.md).

    Semantic axis: the cosine kernel of the embeddings, exactly as the ``vendi-score`` package computes it,
    on all texts. String axes: K = 1 - D over the distinct items with their counts as weights, on all items
    up to :data:`VENDI_SAMPLE` (else a fixed-seed sample of that many, said by ``sample``); exact eigenvalues
    up to 1,500 distinct items, else an estimate with its interval (said by ``method``). The lexical axis
    needs no distances at all: its kernel factors through the words.
    """
    if isinstance(features.items, np.ndarray):
        return Vendi(vendi_dual(features.items), None)
    sample = stats_sample(features.n, VENDI_SAMPLE)
    rows = sample if sample is not None else np.arange(features.n)
    strings = [features.items[int(i)] for i in rows]
    counted = Counter(strings)
    items, counts = list(counted), np.fromiter(counted.values(), dtype=np.float64, count=len(counted))
    axis = features.axis
    if axis == "lexical":
        score, method, interval = vendi_estimate(
            items, None, counts, operator=dice_operator(items, counts), **PSD_SETTINGS
        )
    else:
        score, method, interval = vendi_estimate(items, lambda a, b: string_cross(a, b, axis), counts)
    estimated = method if interval is not None else None
    return Vendi(score, None if sample is None else len(rows), estimated, interval)


def axis_summary(features: AxisFeatures, tree: AxisTree) -> DistanceSummary:
    """Homogenization and near-duplicates of an axis: the exact ones its tree was grown from, or in
    landmark mode (where not all distances are computed) on a fixed-seed sample of :data:`VENDI_SAMPLE`
    items (on all items when there are no more)."""
    if tree.summary is not None:
        return tree.summary
    sample = stats_sample(features.n)
    rows = sample if sample is not None else np.arange(features.n)
    return sampled_distance_summary(rows, features.pairs(rows), estimated=sample is not None)


def axis_intervals(
    features: AxisFeatures, summary: DistanceSummary, clustering: Clustering
) -> dict[str, tuple[float, float]]:
    """95% intervals of an axis's homogenization and clustered share (see :mod:`lens_cli.intervals`); the
    homogenization of a sample of items (landmark mode) has the wider interval of that sample's size."""
    n = SUMMARY_SAMPLE if summary.homogenization_estimated else features.n
    texts = clustering.n_texts
    clustered = texts - len(
        clustering.unclustered if clustering.unclustered_texts is None else clustering.unclustered_texts
    )
    return {
        "homogenization": homogenization_interval(summary.homogenization, min(n, features.n), features.pairs),
        "clustered_share": share_interval(clustered, texts),
    }


def axis_stats(
    summary: DistanceSummary,
    vendi: Vendi,
    seeds: SeedCopying | None,
    threshold: float,
    intervals: dict[str, tuple[float, float]] | None = None,
) -> AxisStats:
    """An axis's statistics: homogenization and near-duplicates, the Vendi score, seed copying, intervals."""
    return AxisStats(summary=summary, vendi=vendi, threshold=threshold, seeds=seeds, intervals=intervals or {})
