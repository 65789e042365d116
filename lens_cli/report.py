"""Build the report's template context from an Analysis and render one self-contained HTML file.

Everything from the dataset reaches the page either through Jinja2 autoescaping or as JSON in a
``<script type="application/json">`` block with ``<``, ``>`` and ``&`` escaped, which the page's
script turns into DOM text nodes (never ``innerHTML``). plotly.js is inlined once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import jinja2
import numpy as np
from markupsafe import Markup

from . import __version__
from .charts import bar_figure, cluster_colour, dendrogram_figure
from .export import DISTANCE_NAMES
from .model import Analysis, Clustering, ClusterSummary, ParsedText
from .patterns import matches

#: Examples listed per axis in total (beyond it, clusters show their medoid and count only).
AXIS_EXAMPLE_BUDGET = 2500
#: Characters and tokens of one example kept for display.
DISPLAY_CHARS = 600
DISPLAY_TOKENS = 120

UPOS_TAGS = (
    "NOUN",
    "PROPN",
    "PRON",
    "VERB",
    "AUX",
    "ADJ",
    "ADV",
    "ADP",
    "DET",
    "NUM",
    "CCONJ",
    "SCONJ",
    "PART",
    "INTJ",
    "PUNCT",
    "SYM",
    "X",
)

AXIS_TITLES = {
    "syntax": (
        "Syntax",
        "Texts compared by their part-of-speech sequence: clusters are shared grammatical templates.",
    ),
    "dependency": (
        "Dependency",
        "Texts compared by their dependency-label sequence: shared sentence structure.",
    ),
    "lexical": ("Lexical", "Texts compared by the set of words they use: shared vocabulary."),
    "semantic": ("Semantic", "Texts compared by sentence embeddings: shared meaning."),
}


def script_json(data: Any) -> Markup:
    """JSON safe inside ``<script type="application/json">``: ``<``, ``>``, ``&`` as unicode escapes."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text)


@dataclass(frozen=True)
class Card:
    """One summary card: a number and one sentence on how to read it."""

    label: str
    value: str
    guide: str
    tone: str = ""  # "", "warn" or "bad": a hint, never the only signal


@dataclass(frozen=True)
class Chip:
    """One pattern item: a literal word or a tag slot."""

    text: str
    kind: str  # "word" or "slot"
    tag: str  # UPOS for the colour; empty for dependency slots


@dataclass(frozen=True)
class ClusterView:
    """A flat cluster as the report lists it."""

    id: int
    size: int
    share: float
    colour: str
    mean_distance: float
    chips: list[Chip]
    support: float | None
    keywords: list[str]
    medoid_row: int
    medoid_text: str
    seed_count: int
    shown: int
    examples: list[int]  # corpus indices, in the store


@dataclass(frozen=True)
class AxisView:
    """One axis tab."""

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
    unclustered: int
    unclustered_examples: list[int]
    figure_id: str
    cap_note: str


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
    seed_summary: dict[str, Any] | None
    near_duplicates: list[dict[str, Any]]
    run: list[tuple[str, str]]
    upos_tags: tuple[str, ...]
    plotly_js: Markup
    figures_json: Markup
    store_json: Markup
    max_examples: int
    has_top_charts: bool
    extra: dict[str, Any] = field(default_factory=dict)


def _fmt(x: float, digits: int = 3) -> str:
    return f"{x:.{digits}f}"


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def dataset_cards(stats: dict[str, Any]) -> list[Card]:
    """The summary cards, each with one plain sentence on how to read it."""
    dup = stats["duplicate_rate"]
    return [
        Card(
            "Rows analysed",
            f"{stats['rows_analysed']:,}",
            f"of {stats['rows_read']:,} read; {stats['rows_skipped']:,} skipped (see run details).",
        ),
        Card(
            "Unique texts",
            f"{stats['unique_texts']:,}",
            f"Duplicate rate {_pct(dup)} after folding case and spaces; "
            "above a few percent the generator repeats itself.",
            "bad" if dup > 0.1 else "warn" if dup > 0.02 else "",
        ),
        Card(
            "Compression ratio",
            _fmt(stats["compression_ratio"]),
            "Bytes / gzip bytes of all texts. Higher = more repetitive; human-written text is usually 2.5-3.5.",
        ),
        Card(
            "N-gram diversity",
            _fmt(stats["ngram_diversity"]),
            "Sum over n=1..4 of unique/total n-grams (max 4). Lower = more repeated phrasing.",
        ),
        Card(
            "Self-repetition",
            _fmt(stats["self_repetition"]),
            "How many 4-grams each text shares with others (log scale). 0 = no shared 4-grams.",
        ),
        Card(
            "POS compression ratio",
            _fmt(stats["compression_ratio_pos"]["xpos"]),
            "Compression ratio of the Penn tag sequences. Higher = fewer distinct grammatical shapes.",
        ),
        Card(
            "Template rate",
            _pct(stats["template_rate"]),
            "Share of texts containing one of the 100 most frequent 5-tag templates.",
        ),
        Card(
            "Distinct-1 / distinct-2",
            f"{_fmt(stats['distinct_n']['1'], 2)} / {_fmt(stats['distinct_n']['2'], 2)}",
            "Unique / total words and word pairs within texts. Lower = a smaller working vocabulary.",
        ),
        Card(
            "Tokens per text",
            f"{stats['tokens_per_text']['median']:.0f}",
            f"median (p10 {stats['tokens_per_text']['p10']:.0f}, p90 {stats['tokens_per_text']['p90']:.0f}); "
            f"vocabulary {stats['vocabulary_size']:,} words.",
        ),
    ]


def _chips(cluster: ClusterSummary, axis: str) -> list[Chip]:
    if cluster.pattern is None:
        return []
    return [Chip(v, k, v if (k == "slot" and axis == "syntax") else "") for k, v in cluster.pattern.items]


def _axis_view(analysis: Analysis, clustering: Clustering, max_examples: int, used: set[int]) -> AxisView:
    corpus = analysis.parsed.corpus
    n = corpus.n
    st = analysis.stats.axes[clustering.axis]
    budget = AXIS_EXAMPLE_BUDGET
    views = []
    for c in clustering.clusters:
        take = min(max_examples, c.size, max(0, budget))
        budget -= take
        # The medoid and seeds first, then members in tree order.
        first = [c.medoid, *[s for s in c.seeds if s != c.medoid]]
        rest = [int(i) for i in c.members if i not in set(first)]
        examples = (first + rest)[: max(take, 1)]
        used.update(examples)
        views.append(
            ClusterView(
                id=c.id,
                size=c.size,
                share=c.size / n,
                colour=cluster_colour(c.id),
                mean_distance=c.mean_distance,
                chips=_chips(c, clustering.axis),
                support=c.pattern.support if c.pattern else None,
                keywords=c.keywords,
                medoid_row=int(corpus.rows[c.medoid]),
                medoid_text=corpus.texts[c.medoid][:DISPLAY_CHARS],
                seed_count=len(c.seeds),
                shown=len(examples),
                examples=examples,
            )
        )
    un_examples = [int(i) for i in clustering.unclustered[: max(0, min(max_examples, budget))]]
    used.update(un_examples)
    title, description = AXIS_TITLES[clustering.axis]
    mode_note = f"exact tree on all {n:,} texts"
    if clustering.mode == "landmark":
        mode_note = (
            f"landmark mode: tree on {clustering.n_landmarks:,} landmarks, "
            "every text joins its nearest landmark's cluster"
        )
    cut = (
        f"cut at distance {clustering.threshold:g}"
        if clustering.threshold is not None
        else f"cut into {clustering.n_clusters} clusters"
    )
    truncated = sum(1 for v in views if v.shown < v.size)
    cap_note = (
        f"Examples are capped at {max_examples} per cluster ({AXIS_EXAMPLE_BUDGET:,} per axis); "
        f"{truncated} cluster(s) show fewer than all members."
        if truncated
        else ""
    )
    return AxisView(
        name=clustering.axis,
        title=title,
        description=description,
        distance=DISTANCE_NAMES[clustering.axis],
        mode_note=f"{clustering.linkage_method} linkage, {cut}; {mode_note}",
        homogenization=st["homogenization"],
        vendi_score=st["vendi_score"],
        n_clusters=len(clustering.clusters),
        clustered_share=1 - len(clustering.unclustered) / n if n else 0.0,
        seed_copy_rate=st["seeds"]["seed_copy_rate"] if "seeds" in st else None,
        clusters=views,
        unclustered=len(clustering.unclustered),
        unclustered_examples=un_examples,
        figure_id=f"fig-{clustering.axis}",
        cap_note=cap_note,
    )


def _store_entry(analysis: Analysis, i: int, tag_index: dict[str, int], dep_index: dict[str, int]) -> list[Any]:
    """Compact example: [row, text, seed, tokens]; token = [text, upos#, xpos, dep#, head, space_after]."""
    corpus = analysis.parsed.corpus
    p: ParsedText = analysis.parsed.parsed[i]
    toks = []
    for t in p.tokens[:DISPLAY_TOKENS]:
        up = tag_index.setdefault(t.upos, len(tag_index))
        dp = dep_index.setdefault(t.dep, len(dep_index))
        toks.append([t.text, up, t.xpos, dp, t.head if t.head < DISPLAY_TOKENS else -1, 1 if t.space_after else 0])
    return [int(corpus.rows[i]), corpus.texts[i][:DISPLAY_CHARS], bool(corpus.is_seed[i]), toks]


def _hits(analysis: Analysis, clustering: Clustering, view: AxisView) -> dict[str, dict[str, list[int]]]:
    """Token positions matching each cluster's pattern, per shown example: {cluster: {index: [pos]}}."""
    out: dict[str, dict[str, list[int]]] = {}
    by_id = {c.id: c for c in clustering.clusters}
    for v in view.clusters:
        c = by_id[v.id]
        if c.pattern is None:
            continue
        per = {}
        for i in v.examples:
            pos = matches(analysis.parsed.parsed[i], c.pattern, clustering.axis)
            if pos:
                per[str(i)] = pos
        out[str(v.id)] = per
    return out


def _seed_views(analysis: Analysis) -> tuple[list[SeedView], dict[str, Any] | None]:
    seeds = analysis.stats.seeds
    if seeds is None:
        return [], None
    corpus = analysis.parsed.corpus
    texts = seeds["seed_texts"]
    labels = (
        [f"seed {k + 1}" for k in range(len(texts))]
        if seeds["seed_indices"] is None
        else [f"row {int(corpus.rows[i])}" for i in seeds["seed_indices"]]
    )
    views = []
    for s, text in enumerate(texts):
        children = {a: st["seeds"]["children"][s] for a, st in analysis.stats.axes.items() if "seeds" in st}
        views.append(SeedView(labels[s], text[:DISPLAY_CHARS], children, sum(children.values())))
    views.sort(key=lambda v: (-v.total, v.label))
    generated = seeds["generated"]
    summary = {
        "source": seeds["source"],
        "generated": generated,
        "verbatim": len(seeds["verbatim_copies"]),
        "verbatim_rate": len(seeds["verbatim_copies"]) / generated if generated else 0.0,
        "rates": {a: st["seeds"]["seed_copy_rate"] for a, st in analysis.stats.axes.items() if "seeds" in st},
    }
    return views, summary


def build_context(analysis: Analysis, *, plotly_js: str | None = None, include_timings: bool = False) -> ReportContext:
    """The template context for ``analysis``."""
    import plotly.offline

    corpus = analysis.parsed.corpus
    opts = analysis.options
    max_examples = int(opts.get("max_examples", 50))
    used: set[int] = set()
    axes = [_axis_view(analysis, c, max_examples, used) for c in analysis.clusterings.values()]
    figures: dict[str, Any] = {}
    hits: dict[str, Any] = {}
    for view, clustering in zip(axes, analysis.clusterings.values()):
        figures[view.figure_id] = dendrogram_figure(clustering, corpus.texts).to_plotly_json()
        hits[view.name] = _hits(analysis, clustering, view)
    tops = analysis.stats
    if tops.top_templates:
        figures["fig-templates"] = bar_figure(tops.top_templates, "#009E73").to_plotly_json()
    if tops.top_words:
        figures["fig-words"] = bar_figure(tops.top_words, "#0072B2").to_plotly_json()
    if tops.top_ngrams.get(2):
        figures["fig-bigrams"] = bar_figure(tops.top_ngrams[2], "#CC79A7").to_plotly_json()
    if tops.top_ngrams.get(3):
        figures["fig-trigrams"] = bar_figure(tops.top_ngrams[3], "#E69F00").to_plotly_json()

    near = []
    for axis, pairs in analysis.stats.near_duplicates.items():
        for i, j, d in pairs[:20]:
            used.update((i, j))
            near.append(
                {
                    "axis": axis,
                    "a": i,
                    "b": j,
                    "d": d,
                    "row_a": int(corpus.rows[i]),
                    "row_b": int(corpus.rows[j]),
                    "text_a": corpus.texts[i][:DISPLAY_CHARS],
                    "text_b": corpus.texts[j][:DISPLAY_CHARS],
                }
            )

    tag_index: dict[str, int] = {t: k for k, t in enumerate(UPOS_TAGS)}
    dep_index: dict[str, int] = {}
    store = {str(i): _store_entry(analysis, i, tag_index, dep_index) for i in sorted(used)}
    clusters_data = {
        v.name: {
            "clusters": {str(c.id): c.examples for c in v.clusters},
            "unclustered": v.unclustered_examples,
        }
        for v in axes
    }
    seeds, seed_summary = _seed_views(analysis)
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
    if corpus.seed_source:
        run.append(("seeds", corpus.seed_source))
    if include_timings:
        run.append(("timings", ", ".join(f"{k} {v:.2f}s" for k, v in analysis.timings.items())))
    axis_cards = [
        {
            "name": v.name,
            "title": v.title,
            "homogenization": v.homogenization,
            "vendi": v.vendi_score,
            "clusters": v.n_clusters,
            "clustered_share": v.clustered_share,
            "seed_copy_rate": v.seed_copy_rate,
        }
        for v in axes
    ]
    page_data = {
        "store": store,
        "tags": list(tag_index),
        "deps": list(dep_index),
        "axes": clusters_data,
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
        cards=dataset_cards(analysis.stats.dataset),
        axis_cards=axis_cards,
        axes=axes,
        seeds=seeds,
        seed_summary=seed_summary,
        near_duplicates=near,
        run=run,
        upos_tags=UPOS_TAGS,
        plotly_js=Markup(plotly_js if plotly_js is not None else plotly.offline.get_plotlyjs()),
        figures_json=script_json(figures),
        store_json=script_json(page_data),
        max_examples=max_examples,
        has_top_charts=bool(tops.top_words),
    )


def _environment() -> jinja2.Environment:
    templates = resources.files("report_templates")
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: templates.joinpath(name).read_text(encoding="utf-8")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = _pct
    env.filters["num"] = _fmt
    env.globals["asset"] = lambda name: Markup(templates.joinpath(name).read_text(encoding="utf-8"))
    return env


def render(context: ReportContext) -> str:
    """The HTML page for ``context``."""
    return _environment().get_template("report.html").render(ctx=context)


def render_analysis(analysis: Analysis, include_timings: bool = False) -> str:
    """Shortcut: context + render."""
    return render(build_context(analysis, include_timings=include_timings))


def example_rows(view: AxisView) -> np.ndarray:
    """All corpus indices shown on an axis (for tests)."""
    rows = [i for c in view.clusters for i in c.examples] + list(view.unclustered_examples)
    return np.asarray(rows, dtype=np.int64)
