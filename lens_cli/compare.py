"""``lens compare A B``: two datasets side by side, and the clusters only one of them has.

Typical uses: two prompt variants, or generated vs human-written data. The flow reuses the
analysis stages unchanged:

1. Read A and B (each with its own ``ReadRequest``; ``--sample`` applies to each side), parse and
   embed each side separately, so that each side's numbers are exactly what ``lens analyze`` gives
   for that file.
2. Per side: the dataset statistics (:func:`lens_cli.stats.dataset_stats`) and, per axis, the
   statistics and clustering of :func:`lens_cli.pipeline.analyse_axis` (homogenization, Vendi
   score, near-duplicate pairs, clusters, clustered share). Deltas are B − A.
3. Per axis: the union of A and B clustered once by the same code, with the same options; every
   union cluster is labelled by its source composition. A cluster with ``n_a`` of A's ``N_a``
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
:func:`render_comparison` (one self-contained HTML page, plotly.js inlined once).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go
from markupsafe import Markup

from . import __version__, pipeline
from . import distances as dist
from .charts import FONT
from .config import Options
from .embedders import Embedder
from .errors import UsageProblem
from .export import DISTANCE_NAMES, dumps, input_dict, json_ready
from .model import AXES, Clustering, ClusterSummary, Corpus, ParsedCorpus
from .parsers import Parser
from .progress import Progress
from .report import AXIS_TITLES, DISPLAY_CHARS, Chip, _environment, script_json
from .stats import dataset_stats

#: Version of the ``lens compare --json`` layout (independent of ``lens analyze``'s).
SCHEMA_VERSION = 1
#: A union cluster is unique to a side when at least this share of its members comes from that side.
DEFAULT_UNIQUE_SHARE = 0.8
#: Examples listed per side per cluster in the HTML page (the counts are always shown).
DEFAULT_COMPARE_EXAMPLES = 5
#: Clusters listed per source group and axis in the HTML page; every cluster is in the JSON.
MAX_LISTED_CLUSTERS = 60
#: Examples shown per axis in total, largest clusters first, so the page stays well under 10 MB.
AXIS_EXAMPLE_BUDGET = 1000
#: Above this size ratio between the sides, the page warns that size-sensitive statistics mislead.
SIZE_RATIO_WARNING = 1.5
SIDES = ("a", "b")
SOURCES = ("a", "mixed", "b")
COLOURS = {"a": "#0072B2", "b": "#E69F00", "mixed": "#009E73", "unclustered": "#9aa5b1"}


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
    """

    label: str
    parsed: ParsedCorpus
    stats: dict[str, Any]
    axes: dict[str, dict[str, Any]]

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
    """Label the union clusters of one axis by source and measure how much the sides overlap."""
    sourced = []
    for c in clustering.clusters:
        k_a = int(np.count_nonzero(c.members < n_a))
        k_b = c.size - k_a
        bal = balanced_share(k_a, k_b, n_a, n_b)
        sourced.append(SourcedCluster(c, k_a, k_b, bal, classify(k_a, k_b, n_a, n_b, unique_share)))
    clustered = sum(c.size for c in sourced)
    mixed = [c for c in sourced if c.source == "mixed"]
    counts = {side: {"unique": 0, "mixed": 0, "other": 0} for side in SIDES}
    for c in sourced:
        for side, k in (("a", c.n_a), ("b", c.n_b)):
            where = "mixed" if c.source == "mixed" else ("unique" if c.source == side else "other")
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


class _Labelled:
    """Progress that prefixes stage names with the side (``A syntax``), so stderr stays readable."""

    def __init__(self, inner: Progress, label: str) -> None:
        self.inner, self.label = inner, label

    def stage(self, name: str, total: int = 0, **kwargs: Any) -> None:
        self.inner.stage(f"{self.label} {name}", total, **kwargs)

    def __getattr__(self, attr: str) -> Any:
        # Everything else (phases, counts, background stages) goes to the wrapped Progress as it is.
        return getattr(self.inner, attr)

    def advance(self, k: int = 1) -> None:
        self.inner.advance(k)

    def done(self, detail: str = "") -> float:
        return self.inner.done(detail)

    def note(self, message: str) -> None:
        self.inner.note(message)


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


def _side_axis_stats(clustering: Clustering, astats: dict[str, Any], n: int) -> dict[str, Any]:
    return {
        "homogenization": astats["homogenization"],
        "vendi_score": astats["vendi_score"],
        "vendi_per_text": astats["vendi_score"] / n if n else 0.0,
        "near_duplicate_pairs": astats["near_duplicate_pairs"],
        "n_clusters": len(clustering.clusters),
        "clustered_share": 1.0 - len(clustering.unclustered) / n if n else 0.0,
    }


def run_compare(
    request_a: pipeline.ReadRequest,
    request_b: pipeline.ReadRequest,
    options: Options,
    progress: Progress,
    *,
    parser: Parser | None = None,
    embedder: Embedder | None = None,
    axes: Sequence[str] = AXES,
    unique_share: float = DEFAULT_UNIQUE_SHARE,
) -> Comparison:
    """Analyse A and B each on their own, then cluster their union per axis and label clusters by source.

    ``parser`` and ``embedder`` default to the ones ``options`` names; tests pass small ones.

    Raises:
        UsageProblem: ``unique_share`` is not in (0.5, 1].
    """
    if not 0.5 < unique_share <= 1.0:
        raise UsageProblem(f"--unique-share must be in (0.5, 1]; got {unique_share:g}", param="--unique-share")
    corpora = {}
    for label, request in (("A", request_a), ("B", request_b)):
        corpora[label] = pipeline.read(request, options.random_seed)
        for note in corpora[label].notes:
            progress.note(f"note ({label}): {note}")

    parser = parser or pipeline.make_parser(options.parser, options.lang, options.stanza_dir)
    parsed = {label: pipeline.parse(c, parser, _Labelled(progress, label)) for label, c in corpora.items()}  # type: ignore[arg-type]
    emb: dict[str, tuple[np.ndarray | None, np.ndarray | None]] = {"A": (None, None), "B": (None, None)}
    embedder_name = "-"
    if "semantic" in axes:
        embedder = embedder or pipeline.make_embedder(options.embedder)
        embedder_name = embedder.describe()
        for label, c in corpora.items():
            emb[label] = pipeline.embed(c, embedder, _Labelled(progress, label))  # type: ignore[arg-type]

    sides: dict[str, Side] = {}
    for label, pc in parsed.items():
        side_progress = _Labelled(progress, label)
        axis_stats: dict[str, dict[str, Any]] = {}
        for axis in axes:
            clustering, astats = pipeline.analyse_axis(axis, pc, options, side_progress, *emb[label])  # type: ignore[arg-type]
            axis_stats[axis] = _side_axis_stats(clustering, astats, pc.corpus.n)
        c = pc.corpus
        side_progress.stage("stats")
        data_stats, _ = dataset_stats(c.texts, pc.parsed, c.rows_read, c.rows_skipped)
        side_progress.done()
        sides[label.lower()] = Side(label.lower(), pc, data_stats, axis_stats)

    a, b = sides["a"], sides["b"]
    union = ParsedCorpus(
        corpus=_union_corpus(a.corpus, b.corpus),
        parsed=list(a.parsed.parsed) + list(b.parsed.parsed),
        parser=a.parsed.parser,
    )
    union_emb = None
    if "semantic" in axes:
        union_emb = np.vstack([emb["A"][0], emb["B"][0]])  # type: ignore[list-item]
    union_progress = _Labelled(progress, "A+B")
    compared = {}
    for axis in axes:
        clustering, _ = pipeline.analyse_axis(axis, union, options, union_progress, union_emb, None)  # type: ignore[arg-type]
        compared[axis] = compare_axis(axis, clustering, a.corpus.n, b.corpus.n, unique_share)
    dist.SCRATCH.clear()  # the distance matrices the axes handed on
    return Comparison(
        a=a,
        b=b,
        union=union,
        axes=compared,
        unique_share=unique_share,
        options=options.as_dict(),
        embedder=embedder_name,
    )


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


def _rows_by_side(comparison: Comparison, members: Sequence[int]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {"a": [], "b": []}
    for i in members:
        side, row = comparison.side_of(int(i))
        out[side].append(row)
    return out


def _cluster_dict(comparison: Comparison, c: SourcedCluster) -> dict[str, Any]:
    s = c.summary
    medoid_side, medoid_row = comparison.side_of(s.medoid)
    return {
        "id": s.id,
        "source": c.source,
        "size": c.size,
        "n_a": c.n_a,
        "n_b": c.n_b,
        "share_a": c.share_a,
        "balanced_share_a": c.balanced_share_a,
        "rows": _rows_by_side(comparison, s.members),
        "medoid": {"side": medoid_side, "row": medoid_row},
        "medoid_text": comparison.union.corpus.texts[s.medoid],
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
    return {
        "a": a,
        "b": b,
        "delta": delta(a, b),
        "union": {
            "distance": DISTANCE_NAMES[ac.axis],
            "mode": cl.mode,
            "landmarks": cl.n_landmarks,
            "linkage": cl.linkage_method,
            "threshold": cl.threshold,
            "n_clusters": len(ac.clusters),
            "clusters_by_source": {src: sum(1 for c in ac.clusters if c.source == src) for src in SOURCES},
            "overlap": ac.overlap,
            "mixed_cluster_share": ac.mixed_cluster_share,
            "placement": ac.placement,
            "clusters": [_cluster_dict(comparison, c) for c in ac.clusters],
            "unclustered": _rows_by_side(comparison, cl.unclustered),
        },
    }


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
        "stats": {"a": a.stats, "b": b.stats, "delta": delta(a.stats, b.stats)},
        "axes": {axis: _axis_dict(comparison, ac) for axis, ac in comparison.axes.items()},
    }
    return json_ready(doc)


# ---------------------------------------------------------------- HTML


@dataclass(frozen=True)
class StatDef:
    """A statistic shown side by side.

    Attributes:
        key: Dotted name in the JSON ``stats`` (or in an axis's ``a``/``b`` block).
        label: What the page calls it.
        direction: +1 when higher means more diverse, -1 when higher means more repetitive, 0 neutral.
        kind: ``"int"``, ``"float"`` or ``"pct"`` (how to print it).
        size_sensitive: Whether the value moves with the number of texts alone.
        guide: One line on how to read it.
    """

    key: str
    label: str
    direction: int
    kind: str
    size_sensitive: bool
    guide: str


DATASET_STATS = (
    StatDef("rows_analysed", "Texts analysed", 0, "int", False, "Rows with text, after skipping empty ones."),
    StatDef("unique_texts", "Unique texts", 0, "int", True, "Distinct texts after folding case and spaces."),
    StatDef("duplicate_rate", "Duplicate rate", -1, "pct", True, "Higher = more exact repeats."),
    StatDef("tokens_per_text.mean", "Tokens per text (mean)", 0, "float", False, "Length, not diversity."),
    StatDef("vocabulary_size", "Vocabulary", 1, "int", True, "Distinct lower-cased words. Higher = richer wording."),
    StatDef("distinct_n.1", "Distinct-1", 1, "float", True, "Unique / total words. Higher = more varied words."),
    StatDef("distinct_n.2", "Distinct-2", 1, "float", True, "Unique / total word pairs. Higher = more varied."),
    StatDef(
        "ngram_diversity",
        "N-gram diversity",
        1,
        "float",
        True,
        "Sum of unique/total 1..4-grams (max 4). Higher = more varied phrasing.",
    ),
    StatDef(
        "compression_ratio", "Compression ratio", -1, "float", True, "Bytes / gzip bytes. Higher = more repetitive."
    ),
    StatDef(
        "compression_ratio_pos.xpos",
        "POS compression ratio",
        -1,
        "float",
        True,
        "Same on Penn tags. Higher = fewer grammatical shapes.",
    ),
    StatDef(
        "self_repetition",
        "Self-repetition",
        -1,
        "float",
        True,
        "4-grams shared with other texts (log). Higher = more repetitive.",
    ),
    StatDef(
        "template_rate",
        "Template rate",
        -1,
        "pct",
        True,
        "Texts holding one of the side's 100 top tag 5-grams. Higher = more templated.",
    ),
)

AXIS_STATS = (
    StatDef("homogenization", "Homogenization", -1, "float", False, "Mean pairwise similarity. Higher = more alike."),
    StatDef(
        "vendi_score", "Vendi score", 1, "float", True, "Effective number of distinct texts. Higher = more diverse."
    ),
    StatDef(
        "vendi_per_text",
        "Vendi score / texts",
        1,
        "pct",
        True,
        "Vendi score over the number of texts (100% = all different).",
    ),
    StatDef("n_clusters", "Clusters", 0, "int", True, "Clusters of two or more on this side alone."),
    StatDef(
        "clustered_share",
        "Clustered share",
        -1,
        "pct",
        True,
        "Texts with a close neighbour on their own side. Higher = more repetitive.",
    ),
    StatDef("near_duplicate_pairs", "Near-duplicate pairs", -1, "int", True, "Pairs within distance 0.05."),
)


def _fmt_value(x: float, kind: str) -> str:
    if kind == "int":
        return f"{round(x):,}"
    if kind == "pct":
        return f"{100 * x:.1f}%"
    return f"{x:.3f}"


def _fmt_delta(d: float, kind: str) -> str:
    if kind == "int":
        return f"{round(d):+,}"
    if kind == "pct":
        return f"{100 * d:+.1f} pp"
    return f"{d:+.3f}"


#: Decimals each kind is printed with; a delta that prints as zero reads as "no difference".
_DIGITS = {"int": 0, "pct": 3, "float": 3}


def reading(d: float, direction: int, kind: str) -> str:
    """'B more diverse' / 'B more repetitive' / '' for a delta of a statistic with a direction."""
    if direction == 0 or round(d, _DIGITS[kind]) == 0:
        return ""
    return "B more diverse" if d * direction > 0 else "B more repetitive"


@dataclass(frozen=True)
class StatRow:
    """One line of a side-by-side table."""

    label: str
    a: str
    b: str
    delta: str
    reading: str
    guide: str
    size_sensitive: bool


#: The reading of a size-sensitive statistic when the sides differ much in size.
SIZES_DIFFER = "sizes differ"


def stat_rows(
    defs: Sequence[StatDef], a: dict[str, Any], b: dict[str, Any], sizes_comparable: bool = True
) -> list[StatRow]:
    """Side-by-side rows with formatted values, deltas (B − A) and the direction reading.

    When the sides are not of comparable size, size-sensitive statistics get no direction reading:
    their delta says as much about the sizes as about diversity.
    """
    rows = []
    for s in defs:
        va, vb = float(lookup(a, s.key)), float(lookup(b, s.key))
        read = reading(vb - va, s.direction, s.kind)
        if read and s.size_sensitive and not sizes_comparable:
            read = SIZES_DIFFER
        rows.append(
            StatRow(
                label=s.label,
                a=_fmt_value(va, s.kind),
                b=_fmt_value(vb, s.kind),
                delta=_fmt_delta(vb - va, s.kind),
                reading=read,
                guide=s.guide,
                size_sensitive=s.size_sensitive,
            )
        )
    return rows


@dataclass(frozen=True)
class Example:
    """One example text shown under a cluster."""

    row: int
    text: str


@dataclass(frozen=True)
class ClusterCard:
    """A union cluster as the page lists it."""

    id: int
    source: str
    size: int
    n_a: int
    n_b: int
    share_a: float
    chips: list[Chip]
    support: float | None
    keywords: list[str]
    mean_distance: float
    examples: dict[str, list[Example]]


@dataclass(frozen=True)
class SourceGroup:
    """The clusters of one source on one axis."""

    source: str
    title: str
    total: int
    clusters: list[ClusterCard]


@dataclass(frozen=True)
class AxisSection:
    """One axis: side-by-side statistics, overlap and the clusters grouped by source."""

    name: str
    title: str
    description: str
    method: str
    stats: list[StatRow]
    overlap: float
    mixed_cluster_share: float
    n_clusters: int
    placement: dict[str, dict[str, float]]
    unclustered: dict[str, int]
    groups: list[SourceGroup]


@dataclass(frozen=True)
class CompareContext:
    """Everything compare.html uses; each field documents a part of the page.

    Attributes:
        title: The page title.
        lens_version: For the footer and the generator tag.
        inputs: Per side: path, column, rows read and analysed, skipped counts.
        notes: Remarks made while reading, labelled by side.
        size_warning: A sentence when the sides differ much in size, else empty.
        unique_share: The cluster-source rule's share.
        dataset: Dataset statistics side by side.
        axes: One section per axis.
        run: (name, value) pairs for the run details.
        max_examples: Examples per side per cluster.
        example_budget: Examples per axis in total (largest clusters first).
        plotly_js: plotly.js, inlined once.
        figures_json: The Plotly figures, JSON escaped for a script block.
    """

    title: str
    lens_version: str
    inputs: dict[str, dict[str, Any]]
    notes: list[str]
    size_warning: str
    unique_share: float
    dataset: list[StatRow]
    axes: list[AxisSection]
    run: list[tuple[str, str]]
    max_examples: int
    example_budget: int
    plotly_js: Markup
    figures_json: Markup


def _chips(c: ClusterSummary, axis: str) -> list[Chip]:
    if c.pattern is None:
        return []
    return [Chip(v, k, v if (k == "slot" and axis == "syntax") else "") for k, v in c.pattern.items]


def _examples(comparison: Comparison, c: ClusterSummary, max_examples: int, cap: int) -> dict[str, list[Example]]:
    """Up to ``max_examples`` per side and ``cap`` in all, taken from A and B in turn.

    On each side the medoid comes first when it is there, then members in tree order.
    """
    texts = comparison.union.corpus.texts
    queues: dict[str, list[Example]] = {"a": [], "b": []}
    for i in [c.medoid, *[int(i) for i in c.members if i != c.medoid]]:
        side, row = comparison.side_of(i)
        if len(queues[side]) < max_examples:
            queues[side].append(Example(row, texts[i][:DISPLAY_CHARS]))
    out: dict[str, list[Example]] = {"a": [], "b": []}
    taken = 0
    for k in range(max_examples):
        for side in SIDES:
            if taken < cap and k < len(queues[side]):
                out[side].append(queues[side][k])
                taken += 1
    return out


GROUP_TITLES = {
    "a": "Only in A",
    "mixed": "Shared (mixed)",
    "b": "Only in B",
}


def _axis_section(comparison: Comparison, ac: AxisComparison, max_examples: int) -> AxisSection:
    listed = {src: [c for c in ac.clusters if c.source == src][:MAX_LISTED_CLUSTERS] for src in SOURCES}
    # The example budget goes to the largest listed clusters first, whatever their source.
    examples: dict[int, dict[str, list[Example]]] = {}
    budget = AXIS_EXAMPLE_BUDGET
    for c in sorted((c for group in listed.values() for c in group), key=lambda c: c.summary.id):
        examples[c.summary.id] = _examples(comparison, c.summary, max_examples, max(0, budget))
        budget -= sum(len(v) for v in examples[c.summary.id].values())
    groups = []
    for src in SOURCES:
        total = sum(1 for c in ac.clusters if c.source == src)
        cards = [
            ClusterCard(
                id=c.summary.id,
                source=c.source,
                size=c.size,
                n_a=c.n_a,
                n_b=c.n_b,
                share_a=c.share_a,
                chips=_chips(c.summary, ac.axis),
                support=c.summary.pattern.support if c.summary.pattern else None,
                keywords=list(c.summary.keywords),
                mean_distance=c.summary.mean_distance,
                examples=examples[c.summary.id],
            )
            for c in listed[src]
        ]
        groups.append(SourceGroup(src, GROUP_TITLES[src], total, cards))
    cl = ac.clustering
    n_a = comparison.a.corpus.n
    un_a = int(np.count_nonzero(cl.unclustered < n_a))
    cut = f"cut at distance {cl.threshold:g}" if cl.threshold is not None else f"cut into {cl.n_clusters} clusters"
    title, description = AXIS_TITLES[ac.axis]
    return AxisSection(
        name=ac.axis,
        title=title,
        description=description,
        method=f"{DISTANCE_NAMES[ac.axis]}; {cl.linkage_method} linkage, {cut}; {cl.mode} mode",
        stats=stat_rows(
            AXIS_STATS, comparison.a.axes[ac.axis], comparison.b.axes[ac.axis], sizes_comparable(comparison)
        ),
        overlap=ac.overlap,
        mixed_cluster_share=ac.mixed_cluster_share,
        n_clusters=len(ac.clusters),
        placement=ac.placement,
        unclustered={"a": un_a, "b": len(cl.unclustered) - un_a},
        groups=groups,
    )


def _layout(fig: go.Figure, height: int) -> go.Figure:
    fig.update_layout(
        height=height,
        margin={"l": 60, "r": 12, "t": 28, "b": 40},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        font={"family": FONT, "size": 12},
        legend={"orientation": "h", "y": 1.12},
    )
    return fig


KEY_STATS = ("compression_ratio", "compression_ratio_pos.xpos", "ngram_diversity", "self_repetition")


def stats_figure(comparison: Comparison) -> go.Figure:
    """Grouped bars: the key dataset statistics, A next to B."""
    labels = {s.key: s.label for s in DATASET_STATS}
    names = [labels[k] for k in KEY_STATS]
    fig = go.Figure()
    for side in (comparison.a, comparison.b):
        values = [float(lookup(side.stats, k)) for k in KEY_STATS]
        fig.add_trace(
            go.Bar(
                name=side.label.upper(),
                x=names,
                y=values,
                marker_color=COLOURS[side.label],
                hovertemplate="%{x}: %{y:.3f}<extra>" + side.label.upper() + "</extra>",
            )
        )
    fig.update_layout(barmode="group")
    return _layout(fig, 300)


def homogenization_figure(comparison: Comparison) -> go.Figure:
    """Grouped bars: per-axis homogenization (mean pairwise similarity), A next to B."""
    axes = list(comparison.axes)
    fig = go.Figure()
    for side in (comparison.a, comparison.b):
        fig.add_trace(
            go.Bar(
                name=side.label.upper(),
                x=[AXIS_TITLES[a][0] for a in axes],
                y=[float(side.axes[a]["homogenization"]) for a in axes],
                marker_color=COLOURS[side.label],
                hovertemplate="%{x}: %{y:.3f}<extra>" + side.label.upper() + "</extra>",
            )
        )
    fig.update_layout(barmode="group", yaxis={"range": [0, 1], "title": "homogenization"})
    return _layout(fig, 300)


PLACEMENT_PARTS = (
    ("unique", "in clusters unique to its side", "own"),
    ("mixed", "in mixed clusters", "mixed"),
    ("other", "in clusters unique to the other side", "other"),
    ("unclustered", "unclustered", "unclustered"),
)


def placement_figure(comparison: Comparison) -> go.Figure:
    """Stacked horizontal bars per axis and side: where each side's texts land in the union clustering."""
    y = [f"{AXIS_TITLES[a][0]} · {side.upper()}" for a in comparison.axes for side in SIDES]
    fig = go.Figure()
    palette = {
        "unique": "#0072B2",
        "mixed": COLOURS["mixed"],
        "other": "#D55E00",
        "unclustered": COLOURS["unclustered"],
    }
    for key, label, _ in PLACEMENT_PARTS:
        x = [comparison.axes[a].placement[side][key] for a in comparison.axes for side in SIDES]
        fig.add_trace(
            go.Bar(
                name=label,
                y=y,
                x=x,
                orientation="h",
                marker_color=palette[key],
                hovertemplate="%{y}: %{x:.1%} " + label + "<extra></extra>",
            )
        )
    fig.update_layout(
        barmode="stack",
        legend={"orientation": "h", "y": 1.12, "traceorder": "normal"},
        xaxis={"range": [0, 1], "tickformat": ".0%"},
        yaxis={"autorange": "reversed"},
    )
    return _layout(fig, 90 + 26 * len(y))


def sizes_comparable(comparison: Comparison) -> bool:
    """Whether the larger side has at most :data:`SIZE_RATIO_WARNING` times the texts of the smaller."""
    small, large = sorted((comparison.a.corpus.n, comparison.b.corpus.n))
    return small > 0 and large / small <= SIZE_RATIO_WARNING


def _size_warning(comparison: Comparison) -> str:
    if sizes_comparable(comparison):
        return ""
    n_a, n_b = comparison.a.corpus.n, comparison.b.corpus.n
    small = min(n_a, n_b)
    return (
        f"The sides differ in size ({n_a:,} vs {n_b:,} texts). Statistics marked † move with the number of texts "
        f"alone, so their deltas mix size with diversity and get no reading; rerun with --sample {small} to compare "
        "equal-size "
        "samples. The overlap figure counts texts, so the larger side dominates it; read the per-side placement."
    )


def build_context(
    comparison: Comparison, *, plotly_js: str | None = None, max_examples: int = DEFAULT_COMPARE_EXAMPLES
) -> CompareContext:
    """The template context for ``comparison``."""
    import plotly.offline

    a, b = comparison.a, comparison.b
    inputs = {
        side.label: {
            "path": side.corpus.path,
            "column": side.corpus.text_column,
            "rows_read": side.corpus.rows_read,
            "rows_analysed": side.corpus.n,
            "skipped": ", ".join(f"{k} {v:,}" for k, v in side.corpus.rows_skipped.items()) or "none",
        }
        for side in (a, b)
    }
    notes = [f"{side.label.upper()}: {note}" for side in (a, b) for note in side.corpus.notes]
    figures = {
        "fig-stats": stats_figure(comparison).to_plotly_json(),
        "fig-homogenization": homogenization_figure(comparison).to_plotly_json(),
        "fig-placement": placement_figure(comparison).to_plotly_json(),
    }
    info = a.parsed.parser
    opts = comparison.options
    run = [
        ("lens", __version__),
        ("A", f"{a.corpus.path} ({a.corpus.format}), column {a.corpus.text_column!r}"),
        ("B", f"{b.corpus.path} ({b.corpus.format}), column {b.corpus.text_column!r}"),
        ("parser", f"{info.backend} {info.model} {info.version}"),
        ("embedder", comparison.embedder),
        ("linkage", str(opts.get("linkage"))),
        ("thresholds", ", ".join(f"{k}={v:g}" for k, v in dict(opts.get("thresholds", {})).items())),
        (
            "cluster source rule",
            f"unique to a side when ≥ {comparison.unique_share:.0%} of its members come from it, "
            "as counted and with both sides weighted to equal size",
        ),
        (
            "options",
            ", ".join(f"{k}={v}" for k, v in opts.items() if k not in ("linkage", "thresholds", "max_examples")),
        ),
    ]
    return CompareContext(
        title=f"lens compare: {a.corpus.path} vs {b.corpus.path}",
        lens_version=__version__,
        inputs=inputs,
        notes=notes,
        size_warning=_size_warning(comparison),
        unique_share=comparison.unique_share,
        dataset=stat_rows(DATASET_STATS, a.stats, b.stats, sizes_comparable(comparison)),
        axes=[_axis_section(comparison, ac, max_examples) for ac in comparison.axes.values()],
        run=run,
        max_examples=max_examples,
        example_budget=AXIS_EXAMPLE_BUDGET,
        plotly_js=Markup(plotly_js if plotly_js is not None else plotly.offline.get_plotlyjs()),
        figures_json=script_json(figures),
    )


def render(context: CompareContext) -> str:
    """The HTML page for ``context``."""
    return _environment().get_template("compare.html").render(ctx=context)


def render_comparison(comparison: Comparison, max_examples: int = DEFAULT_COMPARE_EXAMPLES) -> str:
    """Shortcut: context + render."""
    return render(build_context(comparison, max_examples=max_examples))


def dumps_comparison(comparison: Comparison) -> str:
    """The ``--json`` file's text."""
    return dumps(to_dict(comparison))
