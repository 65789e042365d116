"""``lens compare A B``: two datasets side by side, and the clusters only one of them has.

Typical uses: two prompt variants, or generated vs human-written data. A comparison is a function of
finished values (:func:`compare`):

1. A and B, each analysed by :func:`lens_cli.pipeline.analyze` as ``lens analyze`` would (each with
   its own ``ReadRequest``; ``--sample`` applies to each side), so that each side's numbers are
   exactly what ``lens analyze`` gives for that file. Deltas are B − A.
2. Per axis, the union of A and B (:func:`union`) clustered once by the same stages with the same
   options (:func:`lens_cli.pipeline.cluster`); every union cluster is labelled by its source
   composition. A cluster with ``n_a`` of A's ``N_a``
   texts and ``n_b`` of B's ``N_b`` has two shares of A:

   * ``share_a = n_a / (n_a + n_b)``, the share of its members, and
   * ``balanced_share_a = (n_a / N_a) / (n_a / N_a + n_b / N_b)``, the same with each side
     weighted to equal size (how much more often A's texts fall in it than B's).

   It is unique to A (``"a"``) when both shares are at least ``unique_share`` (default 0.8),
   unique to B (``"b"``) when both shares of B are, and ``"mixed"`` otherwise. With sides of
   equal size the two shares coincide and the rule is simply "at least 80% of the members". When
   sizes differ, neither share alone works: by members only, 3 seeds among 78 generated texts
   would make a cluster "only B" although the seeds hold that pattern as often as the generations
   do; by balanced share only, 1 seed among 5 generated texts would make it "only A". Requiring
   both keeps "unique" for clusters the other side is rare in by either measure.
4. Per axis, ``overlap`` = share of clustered texts (texts in union clusters of two or more) that
   sit in mixed clusters; ``placement`` = for each side, the shares of its texts in clusters unique
   to it, in mixed clusters, in clusters unique to the other side, and unclustered (sum 1).

Outputs: :func:`to_dict` (the ``--json`` layout, with its own ``schema_version``; every row is
the 0-based position of a record among that input's data records, labelled ``a`` or ``b``) and
:func:`lens_cli.report.compare_page.render_comparison` (one self-contained HTML page).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import __version__
from .errors import UsageProblem
from .export import DISTANCE_NAMES, dumps, input_dict, json_ready
from .model import Analysis, Clustering, ClusterSummary, Corpus, ParsedCorpus, Vectors

#: Version of the ``lens compare --json`` layout (independent of ``lens analyze``'s).
SCHEMA_VERSION = 1
#: A union cluster is unique to a side when at least this share of its members comes from that side.
DEFAULT_UNIQUE_SHARE = 0.8
SIDES = ("a", "b")
SOURCES = ("a", "mixed", "b")


# ---------------------------------------------------------------- data model


@dataclass(frozen=True)
class Side:
    """One input of a comparison, analysed on its own.

    Attributes:
        label: ``"a"`` or ``"b"``.
        parsed: The side's corpus and parses.
        stats: Dataset statistics, as ``lens analyze``'s JSON ``stats``.
        axes: Per axis: homogenization, vendi_score, vendi_per_text, near_duplicate_pairs,
            n_clusters and clustered_share, as ``lens analyze`` computes them for this file alone.
        intervals: The 95% intervals of the dataset statistics (layout of ``stats``) and, under ``axes``,
            of each axis's homogenization and clustered share.
    """

    label: str
    parsed: ParsedCorpus
    stats: dict[str, Any]
    axes: dict[str, dict[str, Any]]
    intervals: dict[str, Any] = field(default_factory=dict)

    @property
    def corpus(self) -> Corpus:
        return self.parsed.corpus


@dataclass(frozen=True)
class SourcedCluster:
    """A cluster of the union with its source composition.

    Attributes:
        summary: The cluster as :mod:`lens_cli.cluster` describes it (members are union indices).
        n_a: Members from A.
        n_b: Members from B.
        balanced_share_a: A's share with both sides weighted to equal size.
        source: ``"a"``, ``"b"`` or ``"mixed"`` (see the module docstring).
    """

    summary: ClusterSummary
    n_a: int
    n_b: int
    balanced_share_a: float
    source: str

    @property
    def size(self) -> int:
        return self.summary.size

    @property
    def share_a(self) -> float:
        return self.n_a / self.size


@dataclass(frozen=True)
class AxisComparison:
    """The union of A and B clustered on one axis.

    Attributes:
        axis: One of :data:`~lens_cli.model.AXES`.
        clustering: The union's clustering (indices < ``n_a`` are A's texts, the rest B's).
        clusters: Every union cluster of two or more, largest first, with its source.
        overlap: Share of clustered texts that sit in mixed clusters (0 when nothing clusters).
        mixed_cluster_share: Share of clusters that are mixed.
        placement: Per side, shares of its texts that are in clusters unique to it (``unique``),
            in mixed clusters, in clusters unique to the other side (``other``), or unclustered.
    """

    axis: str
    clustering: Clustering
    clusters: list[SourcedCluster]
    overlap: float
    mixed_cluster_share: float
    placement: dict[str, dict[str, float]]


@dataclass(frozen=True)
class Comparison:
    """Everything the comparison's JSON and HTML need.

    Attributes:
        a, b: The two sides.
        union: The union corpus (A's texts, then B's), parsed; its ``rows`` are union indices.
        axes: Per axis, the union clustering and source labels.
        unique_share: The share that makes a cluster unique to one side.
        options: The run options (``Options.as_dict()``).
        embedder: The embedder's description (``-`` without a semantic axis).
    """

    a: Side
    b: Side
    union: ParsedCorpus
    axes: dict[str, AxisComparison]
    unique_share: float
    options: dict[str, Any]
    embedder: str

    def side_of(self, i: int) -> tuple[str, int]:
        """Union index -> (side, 0-based record position in that side's input)."""
        n_a = self.a.corpus.n
        if i < n_a:
            return "a", int(self.a.corpus.rows[i])
        return "b", int(self.b.corpus.rows[i - n_a])


# ---------------------------------------------------------------- computation


def balanced_share(n_a: int, n_b: int, total_a: int, total_b: int) -> float:
    """Share of A in a cluster with each side weighted to equal size: (n_a/N_a) / (n_a/N_a + n_b/N_b)."""
    # Integer cross-multiplication: one rounding, so 4 of 10 against 1 of 10 is exactly 0.8.
    wa = n_a * total_b if total_a else 0
    wb = n_b * total_a if total_b else 0
    return wa / (wa + wb) if wa + wb else 0.0


def classify(n_a: int, n_b: int, total_a: int, total_b: int, unique_share: float) -> str:
    """Source label of a cluster with ``n_a`` of A's ``total_a`` texts and ``n_b`` of B's ``total_b``.

    ``"a"`` when both A's share of the members and A's size-balanced share reach ``unique_share``,
    ``"b"`` likewise for B, else ``"mixed"`` (see the module docstring for why both).
    """
    size = n_a + n_b
    if size == 0:
        raise ValueError("an empty cluster has no source")
    share_a = n_a / size
    bal_a = balanced_share(n_a, n_b, total_a, total_b)
    if min(share_a, bal_a) >= unique_share:
        return "a"
    if min(1.0 - share_a, 1.0 - bal_a) >= unique_share:
        return "b"
    return "mixed"


def compare_axis(axis: str, clustering: Clustering, n_a: int, n_b: int, unique_share: float) -> AxisComparison:
    """Label the union clusters of one axis by source and measure how much the sides overlap.

    ``n_a`` and ``n_b`` are the sides' texts. In sentence unit the items are sentences: a cluster's
    composition, the sides' sizes and the placement count sentences.
    """
    from_a = np.arange(len(clustering.labels)) < n_a if clustering.owner is None else clustering.owner < n_a
    if clustering.owner is not None:
        n_a, n_b = int(from_a.sum()), int((~from_a).sum())
    sourced = []
    for c in clustering.clusters:
        k_a = int(np.count_nonzero(from_a[c.members]))
        k_b = c.size - k_a
        bal = balanced_share(k_a, k_b, n_a, n_b)
        sourced.append(SourcedCluster(c, k_a, k_b, bal, classify(k_a, k_b, n_a, n_b, unique_share)))
    clustered = sum(c.size for c in sourced)
    mixed = [c for c in sourced if c.source == "mixed"]
    counts = {side: {"unique": 0, "mixed": 0, "other": 0} for side in SIDES}
    for sc in sourced:
        for side, k in (("a", sc.n_a), ("b", sc.n_b)):
            where = "mixed" if sc.source == "mixed" else ("unique" if sc.source == side else "other")
            counts[side][where] += k
    sizes = {"a": n_a, "b": n_b}
    placement = {}
    for side in SIDES:
        n = sizes[side]
        in_clusters = sum(counts[side].values())
        placement[side] = {k: (v / n if n else 0.0) for k, v in counts[side].items()}
        placement[side]["unclustered"] = (n - in_clusters) / n if n else 0.0
    return AxisComparison(
        axis=axis,
        clustering=clustering,
        clusters=sourced,
        overlap=sum(c.size for c in mixed) / clustered if clustered else 0.0,
        mixed_cluster_share=len(mixed) / len(sourced) if sourced else 0.0,
        placement=placement,
    )


def _union_corpus(a: Corpus, b: Corpus) -> Corpus:
    """A's texts followed by B's, no seeds; ``rows`` are union indices (mapped back per side later)."""
    n = a.n + b.n
    return Corpus(
        path=f"{a.path} + {b.path}",
        format=a.format,
        text_column=a.text_column,
        texts=list(a.texts) + list(b.texts),
        rows=np.arange(n, dtype=np.int64),
        is_seed=np.zeros(n, dtype=bool),
        rows_read=a.rows_read + b.rows_read,
        rows_skipped={},
    )


def side(label: str, analysis: Analysis) -> Side:
    """One side of a comparison from its finished analysis."""
    n = analysis.corpus.n
    axes = {
        axis: {
            "homogenization": r.stats.summary.homogenization,
            "vendi_score": r.stats.vendi.score,
            "vendi_per_text": r.stats.vendi.score / n if n else 0.0,
            "near_duplicate_pairs": r.stats.summary.near_duplicate_pairs,
            "n_clusters": len(r.clustering.clusters),
            "clustered_share": r.clustering.clustered_share,
        }
        for axis, r in analysis.axes.items()
    }
    intervals = {**analysis.intervals, "axes": {axis: dict(r.stats.intervals) for axis, r in analysis.axes.items()}}
    return Side(label, analysis.parsed, analysis.dataset.as_dict(), axes, intervals)


def union(a: Analysis, b: Analysis) -> tuple[ParsedCorpus, Vectors | None]:
    """A's texts followed by B's, parsed (and embedded) as each side was, without seeds."""
    parsed = ParsedCorpus(
        corpus=_union_corpus(a.corpus, b.corpus),
        parsed=list(a.parsed.parsed) + list(b.parsed.parsed),
        parser=a.parsed.parser,
    )
    vectors = None
    if a.vectors is not None and b.vectors is not None:
        both = np.vstack([a.vectors.texts, b.vectors.texts])
        vectors = Vectors(both, np.zeros((0, both.shape[1]), dtype=np.float32), a.vectors.model)
    return parsed, vectors


def compare(
    a: Analysis,
    b: Analysis,
    union_parsed: ParsedCorpus,
    union_clusters: Mapping[str, Clustering],
    unique_share: float = DEFAULT_UNIQUE_SHARE,
) -> Comparison:
    """Compare two finished analyses, given the flat clusters of their :func:`union` on every axis.

    Raises:
        UsageProblem: ``unique_share`` is not in (0.5, 1].
    """
    check_unique_share(unique_share)
    side_a, side_b = side("a", a), side("b", b)
    compared = {
        axis: compare_axis(axis, clustering, a.corpus.n, b.corpus.n, unique_share)
        for axis, clustering in union_clusters.items()
    }
    return Comparison(
        a=side_a,
        b=side_b,
        union=union_parsed,
        axes=compared,
        unique_share=unique_share,
        options=dict(a.options),
        embedder=a.embedder,
    )


#: +1 where a higher value means more diverse, -1 where it means more repetitive (the statistics that get a
#: verdict when they have an interval; dotted keys into ``stats``, or an axis's figures).
DIRECTIONS = {
    "duplicate_rate": -1,
    "vocabulary_size": 1,
    "distinct_n.1": 1,
    "distinct_n.2": 1,
    "distinct_n.3": 1,
    "distinct_n.4": 1,
    "ngram_diversity": 1,
    "compression_ratio": -1,
    "compression_ratio_pos.xpos": -1,
    "compression_ratio_pos.upos": -1,
    "self_repetition": -1,
    "template_rate": -1,
    "templates_per_token": -1,
    "homogenization": -1,
    "vendi_score": 1,
    "vendi_per_text": 1,
    "clustered_share": -1,
    "near_duplicate_pairs": -1,
}
MORE_DIVERSE, MORE_REPETITIVE, NO_CLEAR_DIFFERENCE = "B more diverse", "B more repetitive", "no clear difference"


def verdict(
    key: str, a: float, b: float, interval_a: Sequence[float] | None = None, interval_b: Sequence[float] | None = None
) -> str:
    """How B differs from A on one statistic: ``B more diverse``, ``B more repetitive`` or ``no clear
    difference``; empty for a statistic without a direction, or without an interval on both sides.

    A difference counts when the 95% interval of B − A excludes 0: with both sides' intervals taken as
    independent, when |B − A| exceeds :func:`noise`. A statistic without an interval (vocabulary size, Vendi
    score, near-duplicate pairs) gets no verdict: its noise is unknown, and a fixed minimum effect does not
    stand in for it (two random halves of music_new.csv differ by up to 8% in Vendi score and up to 23% in
    near-duplicate pairs).
    """
    direction = DIRECTIONS.get(key, 0)
    if direction == 0 or interval_a is None or interval_b is None:
        return ""
    d = b - a
    if abs(d) <= noise(interval_a, interval_b):
        return NO_CLEAR_DIFFERENCE
    return MORE_DIVERSE if d * direction > 0 else MORE_REPETITIVE


def noise(interval_a: Sequence[float], interval_b: Sequence[float]) -> float:
    """The largest |B − A| that :func:`verdict` calls no clear difference: the half-width of the 95% interval
    of B − A, from both sides' intervals taken as independent."""
    return math.hypot((interval_a[1] - interval_a[0]) / 2, (interval_b[1] - interval_b[0]) / 2)


def interval_of(intervals: dict[str, Any], key: str) -> list[float] | None:
    """``intervals`` looked up by a dotted key, or ``None``."""
    value: Any = intervals
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return list(value) if isinstance(value, (list, tuple)) else None


def verdicts(
    a: dict[str, Any], b: dict[str, Any], intervals_a: dict[str, Any], intervals_b: dict[str, Any]
) -> dict[str, str]:
    """Every statistic with a direction and an interval that both sides have: its verdict."""
    out = {}
    for key in DIRECTIONS:
        try:
            va, vb = float(lookup(a, key)), float(lookup(b, key))
        except (KeyError, TypeError):
            continue
        read = verdict(key, va, vb, interval_of(intervals_a, key), interval_of(intervals_b, key))
        if read:
            out[key] = read
    return out


def union_unit(a: Analysis, b: Analysis) -> str:
    """The unit the union of A and B is clustered in: sentence when either side was analysed by sentence."""
    return "sentence" if "sentence" in (a.options.get("unit"), b.options.get("unit")) else "text"


def check_unique_share(unique_share: float) -> None:
    if not 0.5 < unique_share <= 1.0:
        raise UsageProblem(f"--unique-share must be in (0.5, 1]; got {unique_share:g}", param="--unique-share")


def delta(a: Any, b: Any) -> Any:
    """B − A for numbers, recursively for dicts and lists of the same shape; ``None`` where not numeric."""
    if isinstance(a, dict) and isinstance(b, dict):
        return {k: delta(a[k], b[k]) for k in a if k in b}
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [delta(x, y) for x, y in zip(a, b)]
    numeric = (int, float, np.integer, np.floating)
    if isinstance(a, numeric) and isinstance(b, numeric) and not isinstance(a, bool) and not isinstance(b, bool):
        return b - a
    return None


def lookup(doc: dict[str, Any], dotted: str) -> Any:
    """``lookup(stats, "compression_ratio_pos.xpos")``."""
    value: Any = doc
    for part in dotted.split("."):
        value = value[part]
    return value


# ---------------------------------------------------------------- JSON


def _rows_by_side(comparison: Comparison, texts: Sequence[int] | np.ndarray) -> dict[str, list[int]]:
    """Union text indices -> their rows, by side (each text once)."""
    out: dict[str, list[int]] = {"a": [], "b": []}
    for i in dict.fromkeys(int(t) for t in texts):
        side, row = comparison.side_of(i)
        out[side].append(row)
    return out


def _cluster_dict(comparison: Comparison, c: SourcedCluster, cl: Clustering) -> dict[str, Any]:
    s = c.summary
    medoid_side, medoid_row = comparison.side_of(cl.text_of(s.medoid))
    texts = cl.item_texts if cl.item_texts is not None else comparison.union.corpus.texts
    return {
        "id": s.id,
        "source": c.source,
        "size": c.size,
        "n_a": c.n_a,
        "n_b": c.n_b,
        "share_a": c.share_a,
        "balanced_share_a": c.balanced_share_a,
        "rows": _rows_by_side(comparison, [cl.text_of(int(i)) for i in s.members]),
        "medoid": {"side": medoid_side, "row": medoid_row},
        "medoid_text": texts[s.medoid],
        "pattern": s.pattern.text if s.pattern else None,
        "pattern_items": [list(it) for it in s.pattern.items] if s.pattern else None,
        "pattern_support": s.pattern.support if s.pattern else None,
        "keywords": list(s.keywords),
        "mean_distance": s.mean_distance,
        "mean_distance_estimated": s.estimated,
    }


def _axis_dict(comparison: Comparison, ac: AxisComparison) -> dict[str, Any]:
    cl = ac.clustering
    a, b = comparison.a.axes[ac.axis], comparison.b.axes[ac.axis]
    ia = comparison.a.intervals.get("axes", {}).get(ac.axis, {})
    ib = comparison.b.intervals.get("axes", {}).get(ac.axis, {})
    return {
        "a": a,
        "b": b,
        "delta": delta(a, b),
        "intervals": {"a": ia, "b": ib},
        "verdicts": verdicts(a, b, ia, ib),
        "union": {
            "distance": DISTANCE_NAMES[ac.axis],
            "unit": cl.unit,
            "mode": cl.mode,
            "landmarks": cl.n_landmarks,
            "linkage": cl.linkage_method,
            "threshold": cl.threshold,
            "n_clusters": len(ac.clusters),
            "clusters_by_source": {src: sum(1 for c in ac.clusters if c.source == src) for src in SOURCES},
            "overlap": ac.overlap,
            "mixed_cluster_share": ac.mixed_cluster_share,
            "placement": ac.placement,
            "clusters": [_cluster_dict(comparison, c, cl) for c in ac.clusters],
            "unclustered": _rows_by_side(
                comparison, cl.unclustered if cl.unclustered_texts is None else cl.unclustered_texts
            ),
        },
    }


def _without_axes(intervals: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in intervals.items() if k != "axes"}


def to_dict(comparison: Comparison) -> dict[str, Any]:
    """The ``--json`` document of a comparison (layout in the README, ``### lens compare A B``)."""
    info = comparison.a.parsed.parser
    options = dict(comparison.options)
    options.update(
        {
            "parser": info.backend,
            "parser_model": info.model,
            "parser_version": info.version,
            "embedder_model": comparison.embedder,
            "unique_share": comparison.unique_share,
        }
    )
    a, b = comparison.a, comparison.b
    doc = {
        "schema_version": SCHEMA_VERSION,
        "kind": "lens-compare",
        "lens_version": __version__,
        "inputs": {"a": input_dict(a.corpus), "b": input_dict(b.corpus)},
        "options": options,
        "stats": {
            "a": a.stats,
            "b": b.stats,
            "delta": delta(a.stats, b.stats),
            "intervals": {"a": _without_axes(a.intervals), "b": _without_axes(b.intervals)},
            "verdicts": verdicts(a.stats, b.stats, a.intervals, b.intervals),
        },
        "axes": {axis: _axis_dict(comparison, ac) for axis, ac in comparison.axes.items()},
    }
    return json_ready(doc)


def dumps_comparison(comparison: Comparison) -> str:
    """The ``--json`` file's text."""
    return dumps(to_dict(comparison))
