"""The report: the template context of an Analysis, rendered into one self-contained HTML file.

Everything from the dataset reaches the page either through Jinja2 autoescaping or as data the page's script
turns into DOM text nodes (never ``innerHTML``): JSON in a ``<script type="application/json">`` block with ``<``,
``>`` and ``&`` escaped, and base64 blocks of gzipped binary (:mod:`.pagedata`). plotly.js is inlined once.

The page lists the clusters of the computed cut; its script re-cuts every tree at any height, searches every
text it holds and lists examples at any cut (:mod:`.pagedata` says what it carries). It stays under
:data:`SIZE_LIMIT` at any row count: the page without texts is measured first, and the texts get the bytes
left, the listed examples first; the page says how many texts it holds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from markupsafe import Markup

from .. import __version__
from ..export import DISTANCE_NAMES
from ..model import Analysis, AxisStats, Clustering, ClusterSummary
from ..patterns import _STOP, PATTERN_AXES
from . import pagedata
from .charts import (
    BAND,
    CLUSTER_COLOURS,
    NEUTRAL,
    UNCLUSTERED,
    bar_figure,
    cluster_colour,
    dendrogram_figure,
    tree_nodes,
)
from .common import (
    AXIS_TITLES,
    DISPLAY_CHARS,
    UPOS_TAGS,
    Chip,
    chips_of,
    environment,
    figure_json,
    fmt,
    interval_text,
    note_of,
    pct,
    script_json,
)
from .findings import Finding, findings

#: The report's size limit in bytes (the promise is "under 10 MB"; this leaves a margin).
SIZE_LIMIT = 9_500_000
#: Clusters listed per axis (largest first); the rest are counted, and all are in the JSON.
MAX_LISTED_CLUSTERS = 200
#: Seeds listed in the seed-copying table (most copied first).
MAX_LISTED_SEEDS = 100
#: Near-duplicate pairs listed per axis.
MAX_NEAR_DUPLICATES = 20
#: Characters of a medoid shown in a cluster's header (its full text is the first example).
MEDOID_CHARS = 300
#: Bytes kept free below the size limit for what the data sized to fit it (the report's texts, the compare
#: page's examples) changes elsewhere on the page (tag and label tables, list items).
SIZE_SLACK = 20_000
#: Attempts at fitting the texts into the size limit (each one renders the page).
MAX_FITS = 4
#: Overused words listed.
MAX_OVERUSED = 30
#: Seeds named per cluster, and clusters named per seed and axis.
SEED_LINKS = 3


@dataclass(frozen=True)
class Card:
    """One summary card: a number, its 95% interval, and one sentence on how to read it."""

    label: str
    value: str
    guide: str
    tone: str = ""  # "", "warn" or "bad": a hint, never the only signal
    interval: str = ""
    anchor: str = ""


@dataclass(frozen=True)
class SeedLink:
    """A seed a cluster's texts follow: its anchor, its name, and how many of the cluster's texts follow it."""

    index: int
    label: str
    count: int
    member: bool


@dataclass(frozen=True)
class ClusterView:
    """A flat cluster as the report lists it.

    Attributes:
        size: The texts in it (in sentence unit: holding one of its sentences).
        examples: The distinct texts its list shows (:func:`pagedata.pick_examples`), as corpus indices.
        shown: How many of them the page holds (fewer than ``len(examples)`` only when the size budget ran out).
        distinct: Distinct texts in it (after folding case and white space).
        sentences: Sentence unit: its sentences; ``None`` in text unit.
        first_share: Sentence unit: the share of its sentences that open their text.
        last_share: Sentence unit: the share that close it.
        follows: The seeds its texts follow (copy within the axis threshold), most followed first.
    """

    id: int
    size: int
    share: float
    colour: str
    mean_distance: float
    estimated: bool
    chips: list[Chip]
    support: float | None
    keywords: list[str]
    medoid: int
    medoid_row: int
    medoid_text: str
    medoid_cut: bool
    seed_count: int
    shown: int
    examples: list[int]
    distinct: int
    sentences: int | None = None
    first_share: float | None = None
    last_share: float | None = None
    follows: list[SeedLink] = field(default_factory=list)

    @property
    def note(self) -> str:
        """Plain-text description for the chart's hover: the pattern or the keywords."""
        return note_of(self.chips, self.keywords)


@dataclass(frozen=True)
class AxisView:
    """One axis tab.

    Attributes:
        clusters: The listed clusters (at most :data:`MAX_LISTED_CLUSTERS`), largest first.
        unlisted: Clusters beyond the listed ones: count, texts and largest size.
        notes: Where a number is an estimate, what it was estimated on.
        cut: The computed cut as a distance; ``cut_label`` says how it was chosen.
        intervals: 95% intervals, as text, of ``homogenization`` and ``clustered_share``.
    """

    name: str
    title: str
    description: str
    distance: str
    mode_note: str
    homogenization: float
    vendi_score: float
    n_clusters: int
    clustered_share: float
    seed_copy_rate: float | None
    clusters: list[ClusterView]
    unlisted: dict[str, int]
    unclustered: int
    unclustered_examples: list[int]
    unclustered_shown: int
    figure_id: str
    cap_note: str
    notes: list[str]
    cut: float
    cut_label: str
    intervals: dict[str, str]
    vendi_interval: str = ""
    unit: str = "text"
    openings: list[dict[str, Any]] = field(default_factory=list)
    closings: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class NearDuplicates:
    """Near-duplicate pairs of one axis: the total and the closest pairs."""

    axis: str
    title: str
    meaning: str
    total: int
    estimated: bool
    pairs: list[dict[str, Any]]


@dataclass(frozen=True)
class SeedView:
    """A seed example, the generated texts close to it, and the clusters they are in."""

    index: int
    label: str
    text: str
    children: dict[str, int]
    total: int
    clusters: dict[str, list[tuple[int, int]]]


@dataclass(frozen=True)
class ReportContext:
    """Everything the template uses; each field documents a section of the page."""

    title: str
    lens_version: str
    input: dict[str, Any]
    notes: list[str]
    findings: list[Finding]
    toc: list[tuple[str, str]]
    cards: list[Card]
    axis_cards: list[dict[str, Any]]
    axes: list[AxisView]
    seeds: list[SeedView]
    seeds_unlisted: int
    seed_summary: dict[str, Any] | None
    near_duplicates: list[NearDuplicates]
    tops: dict[str, Any]
    run: list[tuple[str, str]]
    upos_tags: tuple[str, ...]
    plotly_js: Markup
    figures_json: Markup
    page_json: Markup
    texts_blob: Markup
    coverage: str
    max_examples: int
    has_top_charts: bool
    extra: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------- summary cards


def _bracket(text: str) -> str:
    return f", 95% interval {text}" if text else ""


def dataset_cards(stats: dict[str, Any], intervals: Mapping[str, Any] | None = None) -> list[Card]:
    """The summary cards, each with one plain sentence on how to read it and its 95% interval where it has one."""
    iv = dict(intervals or {})
    dup = stats["duplicate_rate"]
    duplicates = stats["rows_analysed"] - stats["unique_texts"]
    pos = iv.get("compression_ratio_pos") or {}
    distinct = iv.get("distinct_n") or {}
    d1, d2 = distinct.get("1"), distinct.get("2")
    return [
        Card(
            "Rows analysed",
            f"{stats['rows_analysed']:,}",
            f"of {stats['rows_read']:,} read; {stats['rows_skipped']:,} skipped (see run details).",
        ),
        Card(
            "Unique texts",
            f"{stats['unique_texts']:,}",
            f"{duplicates:,} rows ({pct(dup)}{_bracket(interval_text(iv.get('duplicate_rate'), 'pct'))}) repeat an "
            "earlier text after folding case and spaces; more than a few percent means the generator repeats itself.",
            "bad" if dup > 0.1 else "warn" if dup > 0.02 else "",
            anchor="card-unique-texts",
        ),
        Card(
            "Compression ratio",
            fmt(stats["compression_ratio"]),
            "Bytes of all texts / bytes gzipped. Higher = more repeated wording; compare datasets of similar length.",
            interval=interval_text(iv.get("compression_ratio")),
        ),
        Card(
            "N-gram diversity",
            fmt(stats["ngram_diversity"]),
            "Sum over n = 1..4 of unique / total n-grams (max 4). Lower = more repeated phrasing.",
            interval=interval_text(iv.get("ngram_diversity")),
        ),
        Card(
            "Self-repetition",
            fmt(stats["self_repetition"]),
            "How many 4-grams each text shares with other texts (log scale). 0 = none shared.",
            interval=interval_text(iv.get("self_repetition")),
        ),
        Card(
            "POS compression ratio",
            fmt(stats["compression_ratio_pos"]["xpos"]),
            "The compression ratio of the Penn tag sequences. Higher = fewer distinct grammatical shapes.",
            interval=interval_text(pos.get("xpos")),
        ),
        Card(
            "Template rate",
            pct(stats["template_rate"]),
            "Share of texts containing one of the corpus's 100 most frequent Penn-tag 5-grams (Shaib et al.); "
            "higher = more texts built on the same few grammatical shapes.",
            interval=interval_text(iv.get("template_rate"), "pct"),
        ),
        Card(
            "Distinct-1 / distinct-2",
            f"{fmt(stats['distinct_n']['1'], 2)} / {fmt(stats['distinct_n']['2'], 2)}",
            "Unique / total words and word pairs within texts. Lower = a smaller working vocabulary.",
            interval=(
                f"{interval_text(d1, digits=2)} / {interval_text(d2, digits=2)}"
                if d1 is not None and d2 is not None
                else ""
            ),
        ),
        Card(
            "Tokens per text",
            f"{stats['tokens_per_text']['median']:.0f}",
            f"median (p10 {stats['tokens_per_text']['p10']:.0f}, p90 {stats['tokens_per_text']['p90']:.0f}); "
            f"vocabulary {stats['vocabulary_size']:,} words.",
        ),
    ]


# ---------------------------------------------------------------- example lists


@dataclass(frozen=True)
class _Lists:
    """The example lists of the computed cut: per axis, per listed cluster and for the unclustered texts."""

    clusters: dict[str, dict[int, list[pagedata.Example]]]
    unclustered: dict[str, list[pagedata.Example]]

    def priority(self) -> list[int]:
        """Every list's first example, then every list's second, and so on: the texts the page holds first."""
        lists = [[e.text for e in ex] for per in self.clusters.values() for ex in per.values()]
        lists += [[e.text for e in ex] for ex in self.unclustered.values()]
        out: list[int] = []
        for rank in range(max((len(x) for x in lists), default=0)):
            out += [x[rank] for x in lists if rank < len(x)]
        return out


def unclustered_of(clustering: Clustering) -> np.ndarray:
    """The texts in no cluster: in sentence unit, those none of whose sentences is in one."""
    return clustering.unclustered if clustering.unclustered_texts is None else clustering.unclustered_texts


def _example_lists(analysis: Analysis, group: np.ndarray, cap: int) -> _Lists:
    corpus = analysis.corpus
    seeds = frozenset(int(i) for i in np.flatnonzero(corpus.is_seed))
    clusters: dict[str, dict[int, list[pagedata.Example]]] = {}
    unclustered: dict[str, list[pagedata.Example]] = {}
    for axis, clustering in analysis.clusterings.items():
        per: dict[int, list[pagedata.Example]] = {}
        for c in clustering.clusters[:MAX_LISTED_CLUSTERS]:
            texts = pagedata.list_texts(clustering, c.members)
            per[c.id] = pagedata.pick_examples(texts, group, cap, first=clustering.text_of(c.medoid), seeds=seeds)
        clusters[axis] = per
        unclustered[axis] = pagedata.pick_examples(
            [int(i) for i in unclustered_of(clustering)], group, cap, first=None, seeds=seeds
        )
    return _Lists(clusters, unclustered)


# ---------------------------------------------------------------- seeds


def seed_labels(analysis: Analysis) -> tuple[list[str], list[str]]:
    """Each seed's short label (its row, or its place in the seeds file) and its name in a sentence."""
    seeds = analysis.seeds
    if seeds is None:
        return [], []
    if seeds.seed_indices is None:
        short = [f"seed {k + 1}" for k in range(len(seeds.seed_texts))]
        return short, short
    rows = [int(analysis.corpus.rows[i]) for i in seeds.seed_indices]
    return [f"row {r}" for r in rows], [f"the seed at row {r}" for r in rows]


def _followed(analysis: Analysis, axis: str) -> np.ndarray | None:
    """Per text, the seed it copies on ``axis`` (within the threshold), or -1."""
    st = analysis.axes[axis].stats
    if st.seeds is None:
        return None
    out = np.full(analysis.corpus.n, -1, dtype=np.int64)
    for g, s, d in st.seeds.nearest:
        if d <= st.threshold:
            out[g] = s
    return out


def _cluster_texts(clustering: Clustering, c: ClusterSummary) -> np.ndarray:
    return c.members if c.texts is None else c.texts


def _seed_links(
    analysis: Analysis, clustering: Clustering, c: ClusterSummary, followed: np.ndarray | None, labels: list[str]
) -> list[SeedLink]:
    seeds = analysis.seeds
    if seeds is None or followed is None:
        return []
    texts = _cluster_texts(clustering, c)
    counts = np.bincount(followed[texts][followed[texts] >= 0], minlength=len(labels))
    members: set[int] = set()
    if seeds.seed_indices is not None:
        position = {int(i): k for k, i in enumerate(seeds.seed_indices)}
        members = {position[int(t)] for t in texts if int(t) in position}
    ranked = sorted(set(np.flatnonzero(counts).tolist()) | members, key=lambda s: (-counts[s], s))
    return [SeedLink(s, labels[s], int(counts[s]), s in members) for s in ranked[:SEED_LINKS]]


def _seed_views(analysis: Analysis) -> tuple[list[SeedView], dict[str, Any] | None]:
    seeds = analysis.seeds
    if seeds is None:
        return [], None
    labels, _ = seed_labels(analysis)
    copying = {a: r.stats.seeds for a, r in analysis.axes.items() if r.stats.seeds is not None}
    # Per axis and seed, the listed clusters its followers are in, most followers first.
    where: dict[str, list[list[tuple[int, int]]]] = {}
    for axis in copying:
        clustering = analysis.clusterings[axis]
        followed = _followed(analysis, axis)
        assert followed is not None
        per_seed: list[dict[int, int]] = [{} for _ in labels]
        for c in clustering.clusters[:MAX_LISTED_CLUSTERS]:
            for s, k in zip(*np.unique(followed[_cluster_texts(clustering, c)], return_counts=True)):
                if s >= 0:
                    per_seed[int(s)][c.id] = int(k)
        where[axis] = [sorted(d.items(), key=lambda ck: (-ck[1], ck[0]))[:SEED_LINKS] for d in per_seed]
    views = []
    for s, text in enumerate(seeds.seed_texts):
        children = {a: c.children[s] for a, c in copying.items()}
        views.append(
            SeedView(
                s,
                labels[s],
                text[:DISPLAY_CHARS],
                children,
                sum(children.values()),
                {a: where[a][s] for a in copying},
            )
        )
    views.sort(key=lambda v: -v.total)  # stable: equal totals keep the input order
    generated = seeds.generated
    summary = {
        "source": seeds.source,
        "generated": generated,
        "verbatim": len(seeds.verbatim_copies),
        "verbatim_rate": len(seeds.verbatim_copies) / generated if generated else 0.0,
        "near": len(seeds.near_copies),
        "rates": {a: c.seed_copy_rate for a, c in copying.items()},
    }
    return views, summary


# ---------------------------------------------------------------- axes


def _estimate_notes(st: AxisStats) -> list[str]:
    notes = []
    if st.summary.homogenization_estimated:
        notes.append("homogenization is estimated on a fixed-seed sample of texts")
    if st.vendi.sample:
        notes.append(f"the Vendi score is computed on a fixed-seed sample of {st.vendi.sample:,} items")
    if st.vendi.interval:
        notes.append("the Vendi score is an estimate; its interval covers the estimator's error (see the JSON)")
    return notes


def _cut_label(clustering: Clustering, cut: float) -> str:
    if clustering.threshold is not None:
        return f"cut at distance {clustering.threshold:g} (the threshold)"
    return f"cut into {clustering.n_clusters} clusters (at distance {cut:.3f})"


def _axis_views(
    analysis: Analysis,
    lists: _Lists,
    trees: Mapping[str, pagedata.TreeData],
    group: np.ndarray,
    covered: set[int] | None,
    max_examples: int,
) -> list[AxisView]:
    corpus = analysis.corpus
    n = corpus.n
    _, seed_names = seed_labels(analysis)
    views = []
    for axis, clustering in analysis.clusterings.items():
        st = analysis.axes[axis].stats
        followed = _followed(analysis, axis)
        cviews = []
        for c in clustering.clusters[:MAX_LISTED_CLUSTERS]:
            examples = [e.text for e in lists.clusters[axis][c.id]]
            shown = len(examples) if covered is None else sum(1 for t in examples if t in covered)
            medoid_text = clustering.item_texts[c.medoid] if clustering.item_texts else corpus.texts[c.medoid]
            texts = _cluster_texts(clustering, c)
            cviews.append(
                ClusterView(
                    id=c.id,
                    size=c.n_texts,
                    share=c.n_texts / n,
                    colour=cluster_colour(c.id),
                    mean_distance=c.mean_distance,
                    estimated=c.estimated,
                    chips=chips_of(c, axis),
                    support=c.pattern.support if c.pattern else None,
                    keywords=c.keywords,
                    medoid=clustering.text_of(c.medoid),
                    medoid_row=int(corpus.rows[clustering.text_of(c.medoid)]),
                    medoid_text=medoid_text[:MEDOID_CHARS],
                    medoid_cut=len(medoid_text) > MEDOID_CHARS,
                    seed_count=len({clustering.text_of(s) for s in c.seeds}),
                    shown=shown,
                    examples=examples,
                    distinct=len(np.unique(group[texts])),
                    sentences=c.size if clustering.unit == "sentence" else None,
                    first_share=c.first_share,
                    last_share=c.last_share,
                    follows=_seed_links(analysis, clustering, c, followed, seed_names),
                )
            )
        un_examples = [e.text for e in lists.unclustered[axis]]
        un_shown = len(un_examples) if covered is None else sum(1 for t in un_examples if t in covered)
        rest = clustering.clusters[MAX_LISTED_CLUSTERS:]
        unlisted = (
            {
                "clusters": len(rest),
                "texts": sum(c.n_texts for c in rest),
                "largest": max(c.n_texts for c in rest),
            }
            if rest
            else {}
        )
        title, description = AXIS_TITLES[axis]
        what = "texts" if clustering.unit == "text" else "sentences"
        mode_note = f"exact tree on all {len(clustering.labels):,} {what}"
        if clustering.mode == "landmark":
            mode_note = (
                f"landmark mode: tree on {clustering.n_landmarks:,} landmarks, "
                f"every {what[:-1]} joins its nearest landmark's cluster"
            )
        if clustering.unit == "sentence":
            description += f" Sentence unit: {len(clustering.labels):,} sentences of {n:,} texts are compared."
        capped = sum(1 for v in cviews if v.shown < v.distinct)
        by_budget = any(v.shown < len(v.examples) for v in cviews)
        cap_note = ""
        if capped:
            cap_note = f"Each list shows at most {max_examples} distinct texts"
            if by_budget:
                cap_note += ", fewer where the report's size budget ran out"
            cap_note += (
                f": {capped} {'clusters show' if capped > 1 else 'cluster shows'} a selection "
                "(the medoid, seeds, then texts spread over the tree)."
            )
        tree = trees[axis]
        views.append(
            AxisView(
                name=axis,
                title=title,
                description=description,
                distance=DISTANCE_NAMES[axis],
                mode_note=f"{clustering.linkage_method} linkage; {mode_note}",
                homogenization=st.summary.homogenization,
                vendi_score=st.vendi.score,
                n_clusters=len(clustering.clusters),
                clustered_share=clustering.clustered_share,
                seed_copy_rate=st.seeds.seed_copy_rate if st.seeds is not None else None,
                clusters=cviews,
                unlisted=unlisted,
                unclustered=len(unclustered_of(clustering)),
                unclustered_examples=un_examples,
                unclustered_shown=un_shown,
                figure_id=f"fig-{axis}",
                cap_note=cap_note,
                notes=_estimate_notes(st),
                cut=tree.cut,
                cut_label=_cut_label(clustering, tree.cut),
                intervals={
                    "homogenization": interval_text(st.intervals.get("homogenization")),
                    "clustered_share": interval_text(st.intervals.get("clustered_share"), "pct"),
                },
                vendi_interval=interval_text(st.vendi.interval, digits=1) if st.vendi.interval else "",
                unit=clustering.unit,
                openings=_ends(clustering, clustering.openings, cviews, n),
                closings=_ends(clustering, clustering.closings, cviews, n),
            )
        )
    return views


#: Openings and closings listed per axis.
MAX_ENDS = 10


def _ends(
    clustering: Clustering, ranked: list[tuple[int, int]], views: list[ClusterView], n: int
) -> list[dict[str, Any]]:
    """The clusters that open (or close) the most texts, with what their sentences look like."""
    by_id = {v.id: v for v in views}
    out = []
    for cid, texts in ranked[:MAX_ENDS]:
        view = by_id.get(cid)
        out.append(
            {
                "id": cid,
                "texts": texts,
                "share": texts / n if n else 0.0,
                "chips": view.chips if view else [],
                "example": view.medoid_text if view else "",
                "listed": view is not None,
            }
        )
    return out


NEAR_MEANING = {
    "lexical": "the same set of words",
    "semantic": "(almost) the same meaning",
    "syntax": "the same part-of-speech sequence, whatever the words",
    "template": "the same function-word skeleton, whatever fills its slots",
    "dependency": "the same dependency-label sequence, whatever the words",
}


def _near_duplicates(analysis: Analysis) -> list[NearDuplicates]:
    """Per axis the closest pairs; word and meaning axes first, as they are what people call duplicates."""
    corpus = analysis.corpus
    out = []
    order = ("lexical", "semantic", "syntax", "template", "dependency")
    for axis in sorted(analysis.axes, key=lambda a: order.index(a) if a in order else len(order)):
        summary = analysis.axes[axis].stats.summary
        clustering = analysis.axes[axis].clustering
        texts = clustering.item_texts if clustering.item_texts is not None else corpus.texts
        pairs = [
            {
                "d": d,
                "row_a": int(corpus.rows[clustering.text_of(i)]),
                "row_b": int(corpus.rows[clustering.text_of(j)]),
                "text_a": texts[i][:DISPLAY_CHARS],
                "text_b": texts[j][:DISPLAY_CHARS],
            }
            for i, j, d in summary.near_duplicate_examples[:MAX_NEAR_DUPLICATES]
        ]
        out.append(
            NearDuplicates(
                axis=axis,
                title=AXIS_TITLES[axis][0],
                meaning=NEAR_MEANING.get(axis, ""),
                total=summary.near_duplicate_pairs,
                estimated=summary.near_duplicates_estimated,
                pairs=pairs,
            )
        )
    return out


def _run_details(analysis: Analysis, include_timings: bool) -> list[tuple[str, str]]:
    corpus = analysis.corpus
    opts = analysis.options
    info = analysis.parsed.parser
    run = [
        ("lens", __version__),
        ("input", f"{corpus.path} ({corpus.format}), column {corpus.text_column!r}"),
        (
            "rows",
            f"{corpus.rows_read:,} read, {corpus.n:,} analysed, skipped: "
            + (", ".join(f"{k} {v:,}" for k, v in corpus.rows_skipped.items()) or "none"),
        ),
        ("parser", f"{info.backend} {info.model} {info.version}"),
        ("embedder", analysis.embedder),
        ("linkage", str(opts.get("linkage"))),
        ("thresholds", ", ".join(f"{a}={t:g}" for a, t in dict(opts.get("thresholds", {})).items())),
        ("options", ", ".join(f"{k}={v}" for k, v in opts.items() if k not in ("linkage", "thresholds"))),
    ]
    if corpus.sample:
        run.append(("sample", f"{corpus.sample:,} texts drawn at random (--sample, --random-seed)"))
    if corpus.seed_source:
        run.append(("seeds", corpus.seed_source))
    if include_timings:
        run.append(("timings", ", ".join(f"{k} {v:.2f}s" for k, v in analysis.timings.items())))
    return run


# ---------------------------------------------------------------- frequent words, n-grams, templates


def _tops(analysis: Analysis) -> dict[str, Any]:
    """The frequency section: what each chart counts, and the overused words (ranked by lift over English)."""
    tops = analysis.tops
    return {
        "template_caption": (
            f"Top part-of-speech templates ({tops.template_tags.upper()} {tops.template_n}-grams, "
            "texts containing them)"
        ),
        "overused": tops.overused[:MAX_OVERUSED],
    }


# ---------------------------------------------------------------- figures


def dendrogram_figures(
    clusterings: Mapping[str, Clustering],
    texts: Sequence[str],
    cuts: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """Each axis's tree chart, as the report embeds it."""
    figures: dict[str, Any] = {}
    for axis, clustering in clusterings.items():
        notes = {c.id: note_of(chips_of(c, axis), c.keywords) for c in clustering.clusters[:MAX_LISTED_CLUSTERS]}
        notes = {cid: note for cid, note in notes.items() if note}
        items = clustering.item_texts if clustering.item_texts is not None else texts
        cut = (cuts or {}).get(axis)
        figures[axis] = figure_json(dendrogram_figure(clustering, items, notes=notes, cut=cut))
    return figures


def _figures(analysis: Analysis, trees: Mapping[str, pagedata.TreeData]) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    dendrograms = dendrogram_figures(analysis.clusterings, analysis.corpus.texts, {a: t.cut for a, t in trees.items()})
    for axis in analysis.clusterings:
        figures[f"fig-{axis}"] = dendrograms[axis]
    tops = analysis.tops
    if tops.templates:
        figures["fig-templates"] = figure_json(bar_figure(tops.templates, "#009E73"))
    if tops.words:
        figures["fig-words"] = figure_json(bar_figure(tops.words, "#0072B2"))
    if tops.ngrams.get(2):
        figures["fig-bigrams"] = figure_json(bar_figure(tops.ngrams[2], "#CC79A7"))
    if tops.ngrams.get(3):
        figures["fig-trigrams"] = figure_json(bar_figure(tops.ngrams[3], "#E69F00"))
    return figures


# ---------------------------------------------------------------- page data


def _axis_data(analysis: Analysis, axis: str, tree: pagedata.TreeData) -> dict[str, Any]:
    """What the page's script needs to re-cut one axis and describe its clusters."""
    clustering = analysis.clusterings[axis]
    nodes = tree_nodes(clustering)
    z = clustering.linkage
    top = max(float(z[:, 2].max()) if len(z) else 0.0, tree.cut, 1e-6)
    clusters = {}
    for c in clustering.clusters[:MAX_LISTED_CLUSTERS]:
        clusters[str(c.id)] = {
            "m": clustering.text_of(c.medoid),
            "p": [list(item) for item in c.pattern.items] if c.pattern else None,
            "s": round(c.pattern.support, 4) if c.pattern else None,
            "k": c.keywords,
        }
    out = {
        **pagedata.axis_arrays(clustering, tree),
        "unit": clustering.unit,
        "mode": clustering.mode,
        "title": AXIS_TITLES[axis][0],
        "pattern": axis in PATTERN_AXES,
        "threshold": clustering.threshold,
        "band": round(BAND * top, 4),
        "nodes": nodes,
        "clusters": clusters,
        "listed": min(len(clustering.clusters), MAX_LISTED_CLUSTERS),
        "total": len(clustering.clusters),
    }
    followed = _followed(analysis, axis)
    if followed is not None:
        out["followed"] = pagedata.pack(followed + 1, "u16" if len(analysis.seeds.seed_texts) < 65535 else "u32")  # type: ignore[union-attr]
    return out


def _page_data(
    analysis: Analysis,
    axis_data: Mapping[str, dict[str, Any]],
    group: np.ndarray,
    tables: pagedata.Tables,
    texts: pagedata.TextData | None,
    max_examples: int,
) -> dict[str, Any]:
    corpus = analysis.corpus
    rows = np.asarray(corpus.rows, dtype=np.int64)
    covered = texts.covered if texts is not None else 0
    return {
        "n": corpus.n,
        "covered": covered,
        "truncated": texts.truncated if texts is not None else 0,
        "chunks": len(texts.chunks) if texts is not None else 0,
        "rows": pagedata.pack(np.diff(rows, prepend=0), "u32"),
        "dup": pagedata.pack(np.arange(corpus.n) - group, "u32"),
        "seeds": [int(i) for i in np.flatnonzero(corpus.is_seed)],
        "seedNames": seed_labels(analysis)[1],
        "upos": tables.upos,
        "xpos": tables.xpos,
        "deps": tables.deps,
        "stop": sorted(_STOP),
        "colours": {"clusters": list(CLUSTER_COLOURS), "neutral": NEUTRAL, "unclustered": UNCLUSTERED},
        "axes": dict(axis_data),
        "maxExamples": max_examples,
        "maxListed": MAX_LISTED_CLUSTERS,
        "qmax": pagedata.QMAX,
    }


def _coverage(n: int, texts: pagedata.TextData | None) -> str:
    if texts is None:
        return ""
    if texts.covered >= n:
        note = f"Search covers all {n:,} texts."
    else:
        note = (
            f"Search covers {texts.covered:,} of {n:,} texts: the listed examples and a fixed-seed random sample "
            "of the others (the report's 10 MB budget holds no more); counts are of those."
        )
    if texts.truncated:
        note += f" {texts.truncated:,} long texts are held up to their first {pagedata.MAX_TEXT_CHARS:,} characters."
    return note


# ---------------------------------------------------------------- assembly


@dataclass(frozen=True)
class _Parts:
    """What both passes of :func:`build_context` share (computed once)."""

    trees: dict[str, pagedata.TreeData]
    group: np.ndarray
    lists: _Lists
    figures_json: Markup
    axis_data: dict[str, dict[str, Any]]


def _parts(analysis: Analysis, max_examples: int) -> _Parts:
    trees = {axis: pagedata.tree_data(c) for axis, c in analysis.clusterings.items()}
    group = pagedata.groups_of(analysis.corpus.texts)
    lists = _example_lists(analysis, group, max_examples)
    axis_data = {axis: _axis_data(analysis, axis, trees[axis]) for axis in analysis.clusterings}
    return _Parts(trees, group, lists, script_json(_figures(analysis, trees)), axis_data)


def build_context(
    analysis: Analysis,
    *,
    plotly_js: str | None = None,
    include_timings: bool = False,
    size_limit: int = SIZE_LIMIT,
) -> ReportContext:
    """The template context for ``analysis``, its text data sized so that the page fits ``size_limit``."""
    return _fit(analysis, plotly_js, include_timings, size_limit)[0]


def _fit(
    analysis: Analysis, plotly_js: str | None, include_timings: bool, size_limit: int
) -> tuple[ReportContext, str]:
    """The context and its page, the text data sized so that the page fits ``size_limit``.

    The page is first assembled and rendered holding no text; the texts then get the bytes left below
    ``size_limit``, the listed examples first. The notes that depend on how many texts are held change the
    page's size a little, so the result is measured and, if it overshoots, made again with a smaller budget.
    """
    import plotly.offline

    js = plotly_js if plotly_js is not None else plotly.offline.get_plotlyjs()
    max_examples = int(analysis.options.get("max_examples", 50))
    parts = _parts(analysis, max_examples)
    empty = pagedata.TextData([], 0, 0, 0)
    skeleton = _assemble(analysis, js, include_timings, parts, (empty, set()), pagedata.Tables(list(UPOS_TAGS)))
    fixed = len(render(skeleton).encode("utf-8"))
    budget = max(0, size_limit - fixed - SIZE_SLACK)
    order = pagedata.priority_order(analysis.corpus.n, parts.lists.priority())
    for _ in range(MAX_FITS):
        tables = pagedata.Tables(list(UPOS_TAGS))
        texts = pagedata.text_chunks(analysis.corpus.texts, analysis.parsed.parsed, order, tables, budget)
        context = _assemble(analysis, js, include_timings, parts, (texts, set(order[: texts.covered])), tables)
        page = render(context)
        over = len(page.encode("utf-8")) - size_limit
        if over <= 0 or texts.covered == 0:
            break
        budget = max(0, budget - over - SIZE_SLACK // 4)
    return context, page


def _toc(analysis: Analysis, has_seeds: bool, has_tops: bool) -> list[tuple[str, str]]:
    toc = [("#findings", "Findings"), ("#summary", "Summary")]
    toc += [(f"#axis-{axis}", AXIS_TITLES[axis][0]) for axis in analysis.clusterings]
    if has_seeds:
        toc.append(("#seeds", "Seeds"))
    if has_tops:
        toc.append(("#tops", "Words & templates"))
    toc += [("#near-duplicates", "Near-duplicates"), ("#run", "Run details")]
    return toc


def _assemble(
    analysis: Analysis,
    plotly_js: str,
    include_timings: bool,
    parts: _Parts,
    held: tuple[pagedata.TextData, set[int]] | None,
    tables: pagedata.Tables,
) -> ReportContext:
    corpus = analysis.corpus
    max_examples = int(analysis.options.get("max_examples", 50))
    texts, covered = held if held is not None else (None, None)
    axes = _axis_views(analysis, parts.lists, parts.trees, parts.group, covered, max_examples)
    seeds, seed_summary = _seed_views(analysis)
    _, names = seed_labels(analysis)
    tops = analysis.tops
    axis_cards = [
        {
            "name": v.name,
            "title": v.title,
            "homogenization": v.homogenization,
            "vendi": v.vendi_score,
            "clusters": v.n_clusters,
            "clustered_share": v.clustered_share,
            "seed_copy_rate": v.seed_copy_rate,
            "largest": v.clusters[0] if v.clusters else None,
            "intervals": v.intervals,
            "vendi_interval": v.vendi_interval,
        }
        for v in axes
    ]
    page = _page_data(analysis, parts.axis_data, parts.group, tables, texts, max_examples)
    return ReportContext(
        title=f"lens report: {corpus.path}",
        lens_version=__version__,
        input={
            "path": corpus.path,
            "column": corpus.text_column,
            "rows_read": corpus.rows_read,
            "rows_analysed": corpus.n,
            "skipped": dict(corpus.rows_skipped),
        },
        notes=list(corpus.notes),
        findings=findings(analysis, names),
        toc=_toc(analysis, bool(seeds), bool(tops.words)),
        cards=dataset_cards(analysis.dataset.as_dict(), analysis.intervals),
        axis_cards=axis_cards,
        axes=axes,
        seeds=seeds[:MAX_LISTED_SEEDS],
        seeds_unlisted=max(0, len(seeds) - MAX_LISTED_SEEDS),
        seed_summary=seed_summary,
        near_duplicates=_near_duplicates(analysis),
        tops=_tops(analysis),
        run=_run_details(analysis, include_timings),
        upos_tags=UPOS_TAGS,
        plotly_js=Markup(plotly_js),
        figures_json=parts.figures_json,
        page_json=script_json(page),
        texts_blob=Markup("\n".join(texts.chunks) if texts is not None else ""),
        coverage=_coverage(corpus.n, texts),
        max_examples=max_examples,
        has_top_charts=bool(tops.words),
    )


def render(context: ReportContext) -> str:
    """The HTML page for ``context``."""
    return environment().get_template("report.html").render(ctx=context)


def render_analysis(analysis: Analysis, include_timings: bool = False) -> str:
    """The report's HTML page (the page :func:`build_context` measured, not rendered twice)."""
    return _fit(analysis, None, include_timings, SIZE_LIMIT)[1]
