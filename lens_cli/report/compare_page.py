"""The comparison page (``lens compare -o``): statistics side by side with their deltas, where each
side's texts land in the union's clusters, and the clusters only one side has."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go
from markupsafe import Markup

from .. import __version__
from ..compare import (
    NO_CLEAR_DIFFERENCE,
    SIDES,
    SOURCES,
    AxisComparison,
    Comparison,
    interval_of,
    lookup,
    verdict,
)
from ..export import DISTANCE_NAMES
from ..model import Clustering, ClusterSummary
from .charts import FONT
from .common import AXIS_TITLES, DISPLAY_CHARS, Chip, chips_of, environment, script_json

#: Examples listed per side per cluster in the HTML page (the counts are always shown).
DEFAULT_COMPARE_EXAMPLES = 5
#: Clusters listed per source group and axis in the HTML page; every cluster is in the JSON.
MAX_LISTED_CLUSTERS = 60
#: Examples shown per axis in total, largest clusters first, so the page stays well under 10 MB.
AXIS_EXAMPLE_BUDGET = 1000
COLOURS = {"a": "#0072B2", "b": "#E69F00", "mixed": "#009E73", "unclustered": "#9aa5b1"}
#: Above this size ratio between the sides, the page warns that size-sensitive statistics mislead.
SIZE_RATIO_WARNING = 1.5


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
    defs: Sequence[StatDef],
    a: dict[str, Any],
    b: dict[str, Any],
    sizes_comparable: bool = True,
    intervals_a: dict[str, Any] | None = None,
    intervals_b: dict[str, Any] | None = None,
) -> list[StatRow]:
    """Side-by-side rows with formatted values, deltas (B − A) and the verdict (:func:`lens_cli.compare.verdict`:
    only a difference larger than its sampling noise gets one).

    When the sides are not of comparable size, size-sensitive statistics get no direction reading:
    their delta says as much about the sizes as about diversity.
    """
    rows = []
    for s in defs:
        va, vb = float(lookup(a, s.key)), float(lookup(b, s.key))
        read = verdict(s.key, va, vb, interval_of(intervals_a or {}, s.key), interval_of(intervals_b or {}, s.key))
        if read and read != NO_CLEAR_DIFFERENCE and s.size_sensitive and not sizes_comparable:
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


def _examples(
    comparison: Comparison, c: ClusterSummary, max_examples: int, cap: int, cl: Clustering | None = None
) -> dict[str, list[Example]]:
    """Up to ``max_examples`` per side and ``cap`` in all, taken from A and B in turn.

    On each side the medoid comes first when it is there, then members in tree order. In sentence unit
    an example is a sentence (with the row of its text).
    """
    texts = comparison.union.corpus.texts if cl is None or cl.item_texts is None else cl.item_texts
    queues: dict[str, list[Example]] = {"a": [], "b": []}
    for i in [c.medoid, *[int(i) for i in c.members if i != c.medoid]]:
        side, row = comparison.side_of(i if cl is None else cl.text_of(i))
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
        examples[c.summary.id] = _examples(comparison, c.summary, max_examples, max(0, budget), ac.clustering)
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
                chips=chips_of(c.summary, ac.axis),
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
    unclustered = cl.unclustered if cl.unclustered_texts is None else cl.unclustered_texts
    un_a = int(np.count_nonzero(unclustered < n_a))
    cut = f"cut at distance {cl.threshold:g}" if cl.threshold is not None else f"cut into {cl.n_clusters} clusters"
    title, description = AXIS_TITLES[ac.axis]
    return AxisSection(
        name=ac.axis,
        title=title,
        description=description,
        method=f"{DISTANCE_NAMES[ac.axis]}; {cl.linkage_method} linkage, {cut}; {cl.mode} mode",
        stats=stat_rows(
            AXIS_STATS,
            comparison.a.axes[ac.axis],
            comparison.b.axes[ac.axis],
            sizes_comparable(comparison),
            comparison.a.intervals.get("axes", {}).get(ac.axis),
            comparison.b.intervals.get("axes", {}).get(ac.axis),
        ),
        overlap=ac.overlap,
        mixed_cluster_share=ac.mixed_cluster_share,
        n_clusters=len(ac.clusters),
        placement=ac.placement,
        unclustered={"a": un_a, "b": len(unclustered) - un_a},
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
        dataset=stat_rows(DATASET_STATS, a.stats, b.stats, sizes_comparable(comparison), a.intervals, b.intervals),
        axes=[_axis_section(comparison, ac, max_examples) for ac in comparison.axes.values()],
        run=run,
        max_examples=max_examples,
        example_budget=AXIS_EXAMPLE_BUDGET,
        plotly_js=Markup(plotly_js if plotly_js is not None else plotly.offline.get_plotlyjs()),
        figures_json=script_json(figures),
    )


def render(context: CompareContext) -> str:
    """The HTML page for ``context``."""
    return environment().get_template("compare.html").render(ctx=context)


def render_comparison(comparison: Comparison, max_examples: int = DEFAULT_COMPARE_EXAMPLES) -> str:
    """Shortcut: context + render."""
    return render(build_context(comparison, max_examples=max_examples))
