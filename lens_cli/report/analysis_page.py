"""The report: the template context of an Analysis, rendered into one self-contained HTML file.

Everything from the dataset reaches the page either through Jinja2 autoescaping or as JSON in a
``<script type="application/json">`` block with ``<``, ``>`` and ``&`` escaped, which the page's
script turns into DOM text nodes (never ``innerHTML``). plotly.js is inlined once.

The page stays under :data:`SIZE_LIMIT` at any row count: at most :data:`MAX_LISTED_CLUSTERS`
clusters are listed per axis, and the example data (the only part that grows with the data) gets
the bytes left once the rest of the page is rendered.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from markupsafe import Markup

from .. import __version__
from ..export import DISTANCE_NAMES
from ..model import Analysis, AxisStats, Clustering, ClusterSummary, ParsedText
from ..patterns import matches
from .charts import bar_figure, cluster_colour, dendrogram_figure
from .common import (
    AXIS_TITLES,
    DISPLAY_CHARS,
    UPOS_TAGS,
    Chip,
    chips_of,
    environment,
    figure_json,
    fmt,
    note_of,
    pct,
    script_json,
)

#: The report's size limit in bytes (the promise is "under 10 MB"; this leaves a margin).
SIZE_LIMIT = 9_500_000
#: Bytes of example data (tokens, tags, arcs, emphasis) the page carries at most. The page without
#: examples is measured first and the examples get what is left below SIZE_LIMIT, up to this.
STORE_BUDGET = 3_500_000
#: Clusters listed per axis (largest first); the rest are counted, and all are in the JSON.
MAX_LISTED_CLUSTERS = 200
#: Seeds listed in the seed-copying table (most copied first).
MAX_LISTED_SEEDS = 100
#: Near-duplicate pairs listed per axis.
MAX_NEAR_DUPLICATES = 20
#: Tokens of one example kept for display.
DISPLAY_TOKENS = 120


@dataclass(frozen=True)
class Card:
    """One summary card: a number and one sentence on how to read it."""

    label: str
    value: str
    guide: str
    tone: str = ""  # "", "warn" or "bad": a hint, never the only signal


@dataclass(frozen=True)
class ClusterView:
    """A flat cluster as the report lists it.

    Attributes:
        size: The texts in it (in sentence unit: holding one of its sentences).
        examples: Corpus indices of the examples shown, in the page's example store.
        shown: ``len(examples)``; fewer than ``size`` when capped (per cluster or by the size budget).
        sentences: Sentence unit: its sentences; ``None`` in text unit.
        first_share: Sentence unit: the share of its sentences that open their text.
        last_share: Sentence unit: the share that close it.
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
    seed_count: int
    shown: int
    examples: list[int]
    sentences: int | None = None
    first_share: float | None = None
    last_share: float | None = None

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
    figure_id: str
    cap_note: str
    notes: list[str]
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
    """A seed example and the generated texts close to it."""

    label: str
    text: str
    children: dict[str, int]
    total: int


@dataclass(frozen=True)
class ReportContext:
    """Everything the template uses; each field documents a section of the page."""

    title: str
    lens_version: str
    input: dict[str, Any]
    notes: list[str]
    cards: list[Card]
    axis_cards: list[dict[str, Any]]
    axes: list[AxisView]
    seeds: list[SeedView]
    seeds_unlisted: int
    seed_summary: dict[str, Any] | None
    near_duplicates: list[NearDuplicates]
    run: list[tuple[str, str]]
    upos_tags: tuple[str, ...]
    plotly_js: Markup
    figures_json: Markup
    store_json: Markup
    max_examples: int
    has_top_charts: bool
    extra: dict[str, Any] = field(default_factory=dict)


def dataset_cards(stats: dict[str, Any]) -> list[Card]:
    """The summary cards, each with one plain sentence on how to read it."""
    dup = stats["duplicate_rate"]
    duplicates = stats["rows_analysed"] - stats["unique_texts"]
    return [
        Card(
            "Rows analysed",
            f"{stats['rows_analysed']:,}",
            f"of {stats['rows_read']:,} read; {stats['rows_skipped']:,} skipped (see run details).",
        ),
        Card(
            "Unique texts",
            f"{stats['unique_texts']:,}",
            f"{duplicates:,} rows ({pct(dup)}) repeat an earlier text after folding case and spaces; "
            "more than a few percent means the generator repeats itself.",
            "bad" if dup > 0.1 else "warn" if dup > 0.02 else "",
        ),
        Card(
            "Compression ratio",
            fmt(stats["compression_ratio"]),
            "Bytes of all texts / bytes gzipped. Higher = more repeated wording; compare datasets of similar length.",
        ),
        Card(
            "N-gram diversity",
            fmt(stats["ngram_diversity"]),
            "Sum over n = 1..4 of unique / total n-grams (max 4). Lower = more repeated phrasing.",
        ),
        Card(
            "Self-repetition",
            fmt(stats["self_repetition"]),
            "How many 4-grams each text shares with other texts (log scale). 0 = none shared.",
        ),
        Card(
            "POS compression ratio",
            fmt(stats["compression_ratio_pos"]["xpos"]),
            "The compression ratio of the Penn tag sequences. Higher = fewer distinct grammatical shapes.",
        ),
        Card(
            "Template rate",
            pct(stats["template_rate"]),
            "Share of texts containing one of the 100 most frequent 5-tag templates (listed below).",
        ),
        Card(
            "Distinct-1 / distinct-2",
            f"{fmt(stats['distinct_n']['1'], 2)} / {fmt(stats['distinct_n']['2'], 2)}",
            "Unique / total words and word pairs within texts. Lower = a smaller working vocabulary.",
        ),
        Card(
            "Tokens per text",
            f"{stats['tokens_per_text']['median']:.0f}",
            f"median (p10 {stats['tokens_per_text']['p10']:.0f}, p90 {stats['tokens_per_text']['p90']:.0f}); "
            f"vocabulary {stats['vocabulary_size']:,} words.",
        ),
    ]


def _candidates(cluster: ClusterSummary, cap: int, clustering: Clustering) -> tuple[list[int], dict[int, range]]:
    """A cluster's examples in the order they are shown: the medoid, the seeds, then tree order; as texts
    (corpus indices), each once. In sentence unit a text is shown with its member sentence emphasised:
    the second value maps each text to that sentence's tokens."""
    first = [cluster.medoid, *[s for s in cluster.seeds if s != cluster.medoid]]
    seen = set(first)
    items = first + [int(i) for i in cluster.members if int(i) not in seen]
    if clustering.spans is None:
        return items[:cap], {}
    texts: dict[int, range] = {}
    for item in items:
        text = clustering.text_of(item)
        if text not in texts:
            start, end = clustering.spans[item]
            texts[text] = range(int(start), int(end))
            if len(texts) == cap:
                break
    return list(texts), texts


class _Store:
    """The page's example store: each example's tokens once, within a byte budget."""

    def __init__(self, analysis: Analysis, budget: int) -> None:
        self.analysis = analysis
        self.budget = budget
        self.spent = 0
        self.tags: dict[str, int] = {t: k for k, t in enumerate(UPOS_TAGS)}
        self.deps: dict[str, int] = {}
        self.entries: dict[int, list[Any]] = {}

    def add(self, i: int, extra: int = 0) -> bool:
        """Store example ``i`` and ``extra`` bytes of data about it, unless that would exceed the budget.

        Returns:
            True if the example is in the store (and ``extra`` was spent).
        """
        entry = None if i in self.entries else self._entry(i)
        cost = extra + (0 if entry is None else len(str(script_json(entry)).encode("utf-8")) + len(str(i)) + 4)
        if self.spent + cost > self.budget:
            return False
        self.spent += cost
        if entry is not None:
            self.entries[i] = entry
        return True

    def _entry(self, i: int) -> list[Any]:
        """Compact example: [row, text, seed, tokens, n_tokens].

        A token is [text, upos#, xpos, dep#, head, space_after]; head is -1 when it lies beyond the
        :data:`DISPLAY_TOKENS` shown, and ``n_tokens`` counts all tokens (more than shown = truncated).
        """
        corpus = self.analysis.parsed.corpus
        p: ParsedText = self.analysis.parsed.parsed[i]
        toks = []
        for t in p.tokens[:DISPLAY_TOKENS]:
            up = self.tags.setdefault(t.upos, len(self.tags))
            dp = self.deps.setdefault(t.dep, len(self.deps))
            head = t.head if t.head < DISPLAY_TOKENS else -1
            toks.append([t.text, up, t.xpos, dp, head, 1 if t.space_after else 0])
        return [int(corpus.rows[i]), corpus.texts[i][:DISPLAY_CHARS], bool(corpus.is_seed[i]), toks, len(p.tokens)]


@dataclass(frozen=True)
class _Queue:
    """The candidate examples of one list (a cluster, or an axis's unclustered texts); in sentence unit,
    for each text the sentence it is shown for."""

    axis: str
    cluster: ClusterSummary | None
    candidates: list[int]
    sentences: dict[int, range] = field(default_factory=dict)


def _emphasis(
    parsed: ParsedText, cluster: ClusterSummary | None, axis: str, sentence: range | None = None
) -> list[int]:
    """Token positions to emphasise in a member of ``cluster``.

    Syntax, dependency and template clusters emphasise the tokens matching their pattern; lexical and
    semantic clusters the tokens that are among their shared or distinctive words; in sentence unit, the
    member sentence.
    """
    if cluster is None:
        return []
    if sentence is not None:
        pos = list(sentence)
    elif cluster.pattern is not None:
        pos = matches(parsed, cluster.pattern, axis)
    else:
        words = set(cluster.keywords)
        pos = [k for k, t in enumerate(parsed.tokens) if not t.is_punct and t.lower in words]
    return [k for k in pos if k < DISPLAY_TOKENS]


def _fill(store: _Store, queues: list[_Queue], cap: int) -> tuple[list[list[int]], list[dict[str, list[int]]]]:
    """Take examples breadth-first: every list's first example before any list's second, and so on.

    Stops at the first example that does not fit the budget, so that every list shows a prefix of
    its candidates and the largest clusters are not favoured over the small ones.

    Returns:
        Per queue, the examples taken and their emphasised token positions (``{index: [pos]}``).
    """
    parsed = store.analysis.parsed.parsed
    taken: list[list[int]] = [[] for _ in queues]
    hits: list[dict[str, list[int]]] = [{} for _ in queues]
    for rank in range(cap):
        for q, queue in enumerate(queues):
            if rank >= len(queue.candidates):
                continue
            i = queue.candidates[rank]
            pos = _emphasis(parsed[i], queue.cluster, queue.axis, queue.sentences.get(i))
            # The example's index in its list, and its emphasis, are page data too.
            extra = len(str(i)) + 1 + (len(json.dumps(pos, separators=(",", ":"))) + len(str(i)) + 4 if pos else 0)
            if not store.add(i, extra):
                return taken, hits
            taken[q].append(i)
            if pos:
                hits[q][str(i)] = pos
    return taken, hits


def _estimate_notes(st: AxisStats) -> list[str]:
    notes = []
    if st.summary.homogenization_estimated:
        notes.append("homogenization is estimated on a fixed-seed sample of texts")
    if st.vendi.sample:
        notes.append(f"the Vendi score is computed on a fixed-seed sample of {st.vendi.sample:,} items")
    if st.vendi.interval:
        lo, hi = st.vendi.interval
        notes.append(f"the Vendi score is estimated (95% between {lo:.1f} and {hi:.1f}; see the JSON for how)")
    return notes


def _axis_views(
    analysis: Analysis, store: _Store, max_examples: int
) -> tuple[list[AxisView], dict[str, dict[str, dict[str, list[int]]]]]:
    """The axis tabs, and per axis and cluster the emphasised tokens of each shown example."""
    corpus = analysis.corpus
    n = corpus.n
    clusterings = [r.clustering for r in analysis.axes.values()]
    listed = [c.clusters[:MAX_LISTED_CLUSTERS] for c in clusterings]
    queues: list[_Queue] = []
    for clustering, clusters in zip(clusterings, listed):
        queues += [_Queue(clustering.axis, c, *_candidates(c, max_examples, clustering)) for c in clusters]
        unclustered = clustering.unclustered if clustering.unclustered_texts is None else clustering.unclustered_texts
        queues.append(_Queue(clustering.axis, None, [int(i) for i in unclustered[:max_examples]]))
    taken_lists, hit_lists = _fill(store, queues, max_examples)
    taken = iter(taken_lists)
    queue_hits = iter(hit_lists)
    hits: dict[str, dict[str, dict[str, list[int]]]] = {}

    views = []
    for clustering, clusters in zip(clusterings, listed):
        st = analysis.axes[clustering.axis].stats
        axis_hits = hits.setdefault(clustering.axis, {})
        cviews = []
        for c in clusters:
            examples = next(taken)
            emphasis = next(queue_hits)
            if emphasis:
                axis_hits[str(c.id)] = emphasis
            medoid_text = clustering.item_texts[c.medoid] if clustering.item_texts else corpus.texts[c.medoid]
            cviews.append(
                ClusterView(
                    id=c.id,
                    size=c.n_texts,
                    share=c.n_texts / n,
                    colour=cluster_colour(c.id),
                    mean_distance=c.mean_distance,
                    estimated=c.estimated,
                    chips=chips_of(c, clustering.axis),
                    support=c.pattern.support if c.pattern else None,
                    keywords=c.keywords,
                    medoid=clustering.text_of(c.medoid),
                    medoid_row=int(corpus.rows[clustering.text_of(c.medoid)]),
                    medoid_text=medoid_text[:DISPLAY_CHARS],
                    seed_count=len({clustering.text_of(s) for s in c.seeds}),
                    shown=len(examples),
                    examples=examples,
                    sentences=c.size if clustering.unit == "sentence" else None,
                    first_share=c.first_share,
                    last_share=c.last_share,
                )
            )
        un_examples = next(taken)
        next(queue_hits)
        rest = clustering.clusters[MAX_LISTED_CLUSTERS:]
        unlisted = (
            {"clusters": len(rest), "texts": sum(c.size for c in rest), "largest": max(c.size for c in rest)}
            if rest
            else {}
        )
        title, description = AXIS_TITLES[clustering.axis]
        what = "texts" if clustering.unit == "text" else "sentences"
        mode_note = f"exact tree on all {len(clustering.labels):,} {what}"
        if clustering.mode == "landmark":
            mode_note = (
                f"landmark mode: tree on {clustering.n_landmarks:,} landmarks, "
                f"every {what[:-1]} joins its nearest landmark's cluster"
            )
        if clustering.unit == "sentence":
            description += f" Sentence unit: {len(clustering.labels):,} sentences of {n:,} texts are compared."
        cut = (
            f"cut at distance {clustering.threshold:g}"
            if clustering.threshold is not None
            else f"cut into {clustering.n_clusters} clusters"
        )
        capped = sum(1 for v in cviews if v.shown < v.size)
        by_budget = any(v.shown < min(v.size, max_examples) for v in cviews)
        cap_note = ""
        if capped:
            cap_note = f"Examples are capped at {max_examples} per cluster"
            if by_budget:
                cap_note += " and by the report's size budget"
            cap_note += f": {capped} {'clusters show' if capped > 1 else 'cluster shows'} fewer than all members."
        views.append(
            AxisView(
                name=clustering.axis,
                title=title,
                description=description,
                distance=DISTANCE_NAMES[clustering.axis],
                mode_note=f"{clustering.linkage_method} linkage, {cut}; {mode_note}",
                homogenization=st.summary.homogenization,
                vendi_score=st.vendi.score,
                n_clusters=len(clustering.clusters),
                clustered_share=clustering.clustered_share,
                seed_copy_rate=st.seeds.seed_copy_rate if st.seeds is not None else None,
                clusters=cviews,
                unlisted=unlisted,
                unclustered=len(unclustered_of(clustering)),
                unclustered_examples=un_examples,
                figure_id=f"fig-{clustering.axis}",
                cap_note=cap_note,
                notes=_estimate_notes(st),
                unit=clustering.unit,
                openings=_ends(clustering, clustering.openings, cviews, n),
                closings=_ends(clustering, clustering.closings, cviews, n),
            )
        )
    return views, hits


def unclustered_of(clustering: Clustering) -> np.ndarray:
    """The texts in no cluster: in sentence unit, those none of whose sentences is in one."""
    return clustering.unclustered if clustering.unclustered_texts is None else clustering.unclustered_texts


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


def _seed_views(analysis: Analysis) -> tuple[list[SeedView], dict[str, Any] | None]:
    seeds = analysis.seeds
    if seeds is None:
        return [], None
    corpus = analysis.corpus
    texts = seeds.seed_texts
    labels = (
        [f"seed {k + 1}" for k in range(len(texts))]
        if seeds.seed_indices is None
        else [f"row {int(corpus.rows[i])}" for i in seeds.seed_indices]
    )
    copying = {a: r.stats.seeds for a, r in analysis.axes.items() if r.stats.seeds is not None}
    views = []
    for s, text in enumerate(texts):
        children = {a: c.children[s] for a, c in copying.items()}
        views.append(SeedView(labels[s], text[:DISPLAY_CHARS], children, sum(children.values())))
    views.sort(key=lambda v: -v.total)  # stable: equal totals keep the input order
    generated = seeds.generated
    summary = {
        "source": seeds.source,
        "generated": generated,
        "verbatim": len(seeds.verbatim_copies),
        "verbatim_rate": len(seeds.verbatim_copies) / generated if generated else 0.0,
        "rates": {a: c.seed_copy_rate for a, c in copying.items()},
    }
    return views, summary


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


def build_context(
    analysis: Analysis,
    *,
    plotly_js: str | None = None,
    include_timings: bool = False,
    size_limit: int = SIZE_LIMIT,
) -> ReportContext:
    """The template context for ``analysis``, its example data sized so that the page fits ``size_limit``.

    The page is first assembled and rendered without examples; the examples then get the bytes left
    below ``size_limit`` (at most :data:`STORE_BUDGET`).
    """
    import plotly.offline

    js = plotly_js if plotly_js is not None else plotly.offline.get_plotlyjs()
    skeleton = _assemble(analysis, js, include_timings, budget=0, figures_json=None)
    fixed = len(render(skeleton).encode("utf-8"))
    budget = max(0, min(STORE_BUDGET, size_limit - fixed - SIZE_SLACK))
    return _assemble(analysis, js, include_timings, budget=budget, figures_json=skeleton.figures_json)


#: Bytes kept free for what the examples change outside the example data (tag and label lists).
SIZE_SLACK = 20_000


def dendrogram_figures(clusterings: Mapping[str, Clustering], texts: Sequence[str]) -> dict[str, Any]:
    """Each axis's tree chart, as the report embeds it."""
    figures: dict[str, Any] = {}
    for axis, clustering in clusterings.items():
        notes = {c.id: note_of(chips_of(c, axis), c.keywords) for c in clustering.clusters[:MAX_LISTED_CLUSTERS]}
        notes = {cid: note for cid, note in notes.items() if note}
        items = clustering.item_texts if clustering.item_texts is not None else texts
        figures[axis] = figure_json(dendrogram_figure(clustering, items, notes=notes))
    return figures


def _figures(analysis: Analysis, axes: list[AxisView]) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    dendrograms = dendrogram_figures(analysis.clusterings, analysis.corpus.texts)
    for view in axes:
        figures[view.figure_id] = dendrograms[view.name]
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


def _assemble(
    analysis: Analysis, plotly_js: str, include_timings: bool, budget: int, figures_json: Markup | None
) -> ReportContext:
    corpus = analysis.corpus
    max_examples = int(analysis.options.get("max_examples", 50))
    store = _Store(analysis, budget)
    axes, hits = _axis_views(analysis, store, max_examples)
    if figures_json is None:
        figures_json = script_json(_figures(analysis, axes))
    tops = analysis.tops
    seeds, seed_summary = _seed_views(analysis)
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
        }
        for v in axes
    ]
    page_data = {
        "store": {str(i): store.entries[i] for i in sorted(store.entries)},
        "tags": list(store.tags),
        "deps": list(store.deps),
        "axes": {
            v.name: {
                "clusters": {str(c.id): c.examples for c in v.clusters},
                "unclustered": v.unclustered_examples,
                "listed": len(v.clusters),
                "total": v.n_clusters,
            }
            for v in axes
        },
        "hits": hits,
        "maxExamples": max_examples,
    }
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
        cards=dataset_cards(analysis.dataset.as_dict()),
        axis_cards=axis_cards,
        axes=axes,
        seeds=seeds[:MAX_LISTED_SEEDS],
        seeds_unlisted=max(0, len(seeds) - MAX_LISTED_SEEDS),
        seed_summary=seed_summary,
        near_duplicates=_near_duplicates(analysis),
        run=_run_details(analysis, include_timings),
        upos_tags=UPOS_TAGS,
        plotly_js=Markup(plotly_js),
        figures_json=figures_json,
        store_json=script_json(page_data),
        max_examples=max_examples,
        has_top_charts=bool(tops.words),
    )


def render(context: ReportContext) -> str:
    """The HTML page for ``context``."""
    return environment().get_template("report.html").render(ctx=context)


def render_analysis(analysis: Analysis, include_timings: bool = False) -> str:
    """Shortcut: context + render."""
    return render(build_context(analysis, include_timings=include_timings))
