"""The comparison page (``lens compare -o``): a summary of how B differs from A, the statistics side by side
with their intervals and verdicts, where each side's texts land in the union's clusters, and the clusters
only one side has, with examples coloured by part of speech as in the report.

Everything from the data reaches the page through Jinja2 autoescaping or as JSON in a
``<script type="application/json">`` block (``<``, ``>``, ``&`` escaped), which ``compare.js`` turns into
DOM text nodes. The example data is the only part that grows with the data: it gets the bytes left below
:data:`~lens_cli.report.analysis_page.SIZE_LIMIT` once the rest of the page is rendered.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import plotly.graph_objects as go
from markupsafe import Markup
from plotly.subplots import make_subplots

from .. import __version__
from ..compare import (
    DIRECTIONS,
    MORE_DIVERSE,
    MORE_REPETITIVE,
    NO_CLEAR_DIFFERENCE,
    SIDES,
    SOURCES,
    AxisComparison,
    Comparison,
    interval_of,
    lookup,
    noise,
    verdict,
)
from ..export import DISTANCE_NAMES
from ..model import Clustering, ClusterSummary, ParsedText
from ..patterns import matches
from ..stats import fold
from .analysis_page import SIZE_LIMIT, SIZE_SLACK
from .charts import FONT
from .common import (
    AXIS_TITLES,
    UPOS_TAGS,
    Chip,
    chips_of,
    environment,
    figure_json,
    interval_text,
    script_json,
    value_text,
)

#: Examples listed per side per cluster in the HTML page (the counts are always shown).
DEFAULT_COMPARE_EXAMPLES = 5
#: Clusters listed per source group and axis in the HTML page; every cluster is in the JSON.
MAX_LISTED_CLUSTERS = 60
#: Examples shown per axis in total, so that the page stays light to open.
AXIS_EXAMPLE_BUDGET = 1000
#: Bytes of example data (tokens and tags) the page carries at most; less when the rest of the page is large.
STORE_BUDGET = 3_500_000
#: Tokens of one example kept for display (as in the report).
DISPLAY_TOKENS = 120
COLOURS = {"a": "#0072B2", "b": "#E69F00", "mixed": "#009E73", "unclustered": "#9aa5b1"}
#: Error bars and grid lines: a mid grey that shows on the light and the dark page.
GREY = "#7b8794"
GRID = "rgba(128,128,128,0.25)"
#: Above this size ratio between the sides, the page warns that size-sensitive statistics mislead.
SIZE_RATIO_WARNING = 1.5
#: How the page explains an interval.
INTERVAL_TITLE = "95% interval over texts"


@dataclass(frozen=True)
class StatDef:
    """A statistic shown side by side.

    Attributes:
        key: Dotted name in the JSON ``stats`` (or in an axis's ``a``/``b`` block).
        label: What the page's tables call it.
        name: What the summary sentence calls it (lower case unless a name); an axis's statistics are
            prefixed with the axis.
        kind: ``"int"``, ``"float"`` or ``"pct"`` (how to print it).
        size_sensitive: Whether the value moves with the number of texts alone.
        guide: One line on how to read it.
    """

    key: str
    label: str
    name: str
    kind: str
    size_sensitive: bool
    guide: str


DATASET_STATS = (
    StatDef("rows_analysed", "Texts analysed", "texts", "int", False, "Rows with text, after skipping empty ones."),
    StatDef(
        "unique_texts", "Unique texts", "unique texts", "int", True, "Distinct texts after folding case and spaces."
    ),
    StatDef("duplicate_rate", "Duplicate rate", "duplicate rate", "pct", True, "Higher = more exact repeats."),
    StatDef("tokens_per_text.mean", "Tokens per text (mean)", "text length", "float", False, "Length, not diversity."),
    StatDef(
        "vocabulary_size",
        "Vocabulary",
        "vocabulary",
        "int",
        True,
        "Distinct lower-cased words. Higher = richer wording.",
    ),
    StatDef("distinct_n.1", "Distinct-1", "distinct-1", "float", True, "Unique / total words. Higher = more varied."),
    StatDef(
        "distinct_n.2", "Distinct-2", "distinct-2", "float", True, "Unique / total word pairs. Higher = more varied."
    ),
    StatDef(
        "ngram_diversity",
        "N-gram diversity",
        "n-gram diversity",
        "float",
        True,
        "Sum of unique/total 1..4-grams (max 4). Higher = more varied phrasing.",
    ),
    StatDef(
        "compression_ratio",
        "Compression ratio",
        "compression ratio",
        "float",
        True,
        "Bytes / gzip bytes. Higher = more repetitive.",
    ),
    StatDef(
        "compression_ratio_pos.xpos",
        "POS compression ratio",
        "POS compression ratio",
        "float",
        True,
        "Same on Penn tags. Higher = fewer grammatical shapes.",
    ),
    StatDef(
        "self_repetition",
        "Self-repetition",
        "self-repetition",
        "float",
        True,
        "4-grams shared with other texts (log). Higher = more repetitive.",
    ),
    StatDef(
        "template_rate",
        "Template rate",
        "template rate",
        "pct",
        True,
        "Texts holding one of the side's 100 top tag 5-grams. Higher = more templated.",
    ),
)

AXIS_STATS = (
    StatDef(
        "homogenization",
        "Homogenization",
        "homogenization",
        "float",
        False,
        "Mean pairwise similarity. Higher = more alike.",
    ),
    StatDef(
        "vendi_score",
        "Vendi score",
        "Vendi score",
        "float",
        True,
        "Effective number of distinct texts. Higher = more diverse.",
    ),
    StatDef(
        "vendi_per_text",
        "Vendi score / texts",
        "Vendi score per text",
        "pct",
        True,
        "Vendi score over the number of texts (100% = all different).",
    ),
    StatDef("n_clusters", "Clusters", "clusters", "int", True, "Clusters of two or more on this side alone."),
    StatDef(
        "clustered_share",
        "Clustered share",
        "clustered share",
        "pct",
        True,
        "Texts with a close neighbour on their own side. Higher = more repetitive.",
    ),
    StatDef(
        "near_duplicate_pairs",
        "Near-duplicate pairs",
        "near-duplicate pairs",
        "int",
        True,
        "Pairs within distance 0.05.",
    ),
)


def _fmt_delta(d: float, kind: str) -> str:
    # A true minus sign: "−0.005" does not read as a hyphen.
    if kind == "int":
        text = f"{round(d):+,}"
    elif kind == "pct":
        text = f"{100 * d:+.1f} pp"
    else:
        text = f"{d:+.3f}"
    return text.replace("-", "\u2212")


def _fmt_noise(x: float, kind: str) -> str:
    if kind == "pct":
        return f"±{100 * x:.1f} pp"
    if kind == "int":
        return f"±{x:,.0f}"
    return f"±{x:.3f}"


#: The reading of a size-sensitive statistic when the sides differ much in size.
SIZES_DIFFER = "sizes differ"
#: The reading of a statistic with a direction but no interval: its noise is unknown, so it gets no verdict.
NO_INTERVAL = "no interval"
#: CSS class of each reading (the page styles a verdict; "no clear difference" stays quiet).
READING_CLASSES = {
    MORE_DIVERSE: "more-diverse",
    MORE_REPETITIVE: "more-repetitive",
    NO_CLEAR_DIFFERENCE: "no-clear",
    SIZES_DIFFER: "sizes-differ",
    NO_INTERVAL: "no-interval",
    "": "",
}


@dataclass(frozen=True)
class StatRow:
    """One line of a side-by-side table.

    Attributes:
        label: The statistic, as the table calls it.
        name: The statistic, as the summary sentence calls it.
        a, b: The values, formatted.
        a_interval, b_interval: Their 95% intervals over texts, formatted; empty without one.
        delta: B − A, formatted.
        noise: The largest difference the verdict calls no clear difference, the half-width of the 95%
            interval of B − A, formatted (``±…``); empty for a statistic without a direction or an interval.
        reading: The verdict (:func:`lens_cli.compare.verdict`), :data:`SIZES_DIFFER`, :data:`NO_INTERVAL`
            or empty (no direction).
        guide: One line on how to read the statistic.
        size_sensitive: Whether the value moves with the number of texts alone.
        higher: Whether B's value is above A's.
        change: |B − A| over the larger |value|: orders the summary's examples.
    """

    label: str
    name: str
    a: str
    b: str
    a_interval: str
    b_interval: str
    delta: str
    noise: str
    reading: str
    guide: str
    size_sensitive: bool
    higher: bool = False
    change: float = 0.0

    @property
    def reading_class(self) -> str:
        return READING_CLASSES.get(self.reading, "")


def stat_rows(
    defs: Sequence[StatDef],
    a: dict[str, Any],
    b: dict[str, Any],
    sizes_comparable: bool = True,
    intervals_a: dict[str, Any] | None = None,
    intervals_b: dict[str, Any] | None = None,
    prefix: str = "",
) -> list[StatRow]:
    """Side-by-side rows with formatted values, intervals, deltas (B − A) and the verdict
    (:func:`lens_cli.compare.verdict`: only a difference larger than its sampling noise gets one).

    When the sides are not of comparable size, size-sensitive statistics get no direction reading:
    their delta says as much about the sizes as about diversity. ``prefix`` starts each row's
    summary name (an axis: "syntax homogenization").
    """
    rows = []
    for s in defs:
        va, vb = float(lookup(a, s.key)), float(lookup(b, s.key))
        ia, ib = interval_of(intervals_a or {}, s.key), interval_of(intervals_b or {}, s.key)
        read = verdict(s.key, va, vb, ia, ib)
        if not read and DIRECTIONS.get(s.key):
            read = NO_INTERVAL
        if read and read != NO_CLEAR_DIFFERENCE and s.size_sensitive and not sizes_comparable:
            read = SIZES_DIFFER
        threshold = noise(ia, ib) if ia is not None and ib is not None and read else None
        larger = max(abs(va), abs(vb))
        rows.append(
            StatRow(
                label=s.label,
                name=f"{prefix} {s.name}" if prefix else s.name,
                a=value_text(va, s.kind),
                b=value_text(vb, s.kind),
                a_interval=interval_text(ia, s.kind),
                b_interval=interval_text(ib, s.kind),
                delta=_fmt_delta(vb - va, s.kind),
                noise=_fmt_noise(threshold, s.kind) if threshold is not None else "",
                reading=read,
                guide=s.guide,
                size_sensitive=s.size_sensitive,
                higher=vb > va,
                change=abs(vb - va) / larger if larger else 0.0,
            )
        )
    return rows


# ---------------------------------------------------------------- the summary


@dataclass(frozen=True)
class Finding:
    """One statistic as the summary sees it.

    Attributes:
        name: What the sentence calls it ("distinct-2", "syntax homogenization").
        reading: Its verdict, or :data:`SIZES_DIFFER`.
        a, b: The values, formatted.
        higher: Whether B's value is above A's.
        change: |B − A| relative to the larger value; the largest changes are named first.
    """

    name: str
    reading: str
    a: str
    b: str
    higher: bool
    change: float


#: Differences named per direction in the summary; the rest are counted.
SUMMARY_NAMED = 2


def findings_of(rows: Sequence[StatRow]) -> list[Finding]:
    """The rows that carry a reading, as the summary sees them."""
    return [Finding(r.name, r.reading, r.a, r.b, r.higher, r.change) for r in rows if r.reading]


def _named(findings: Sequence[Finding]) -> str:
    """ "higher duplicate rate (10.0% → 16.3%), lower distinct-2 (0.657 → 0.546) and 2 more" """
    ranked = sorted(enumerate(findings), key=lambda kf: (-kf[1].change, kf[0]))
    parts = [f"{'higher' if f.higher else 'lower'} {f.name} ({f.a} → {f.b})" for _, f in ranked[:SUMMARY_NAMED]]
    rest = len(findings) - len(parts)
    if rest:
        return ", ".join(parts) + f" and {rest} more"
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _measures(n: int) -> str:
    return f"{n} measure{'s' if n != 1 else ''}"


def _all(n: int) -> str:
    """ "all 5 measures", "both measures", "the only measure" """
    return "the only measure" if n == 1 else "both measures" if n == 2 else f"all {n} measures"


def summary_sentences(findings: Sequence[Finding], n_a: int, n_b: int) -> list[str]:
    """One or two sentences on how B differs from A, from the verdicts alone (deterministic wording).

    The first sentence says on how many measures B is more repetitive or more diverse than A, naming the
    largest relative changes; the second counts the measures with no clear difference and, when the sides
    differ much in size, the size-sensitive measures left uncompared.
    """
    repetitive = [f for f in findings if f.reading == MORE_REPETITIVE]
    diverse = [f for f in findings if f.reading == MORE_DIVERSE]
    unclear = [f for f in findings if f.reading == NO_CLEAR_DIFFERENCE]
    uncompared = [f for f in findings if f.reading == SIZES_DIFFER]
    compared = len(repetitive) + len(diverse) + len(unclear)
    sentences = []
    if compared == 0:
        sentences.append("No measure could be compared.")
    elif not repetitive and not diverse:
        sentences.append(
            f"No clear difference between A and B: on {_all(compared)} compared, B − A is within its noise."
        )
    else:
        # The larger group first; on a tie, repetition (what a dataset builder looks for).
        groups = sorted(
            [(w, g) for w, g in (("more repetitive", repetitive), ("more diverse", diverse)) if g],
            key=lambda wg: -len(wg[1]),
        )
        (word, group), *second = groups
        share = f"{_all(compared)} compared" if len(group) == compared else f"{len(group)} of {_measures(compared)}"
        text = f"B is {word} than A on {share}: {_named(group)}"
        for word, group in second:
            text += f"; and {word} on {len(group)}: {_named(group)}"
        sentences.append(text + ".")
    tail = []
    if unclear and (repetitive or diverse):
        rest = "the other measure" if len(unclear) == 1 else f"the other {len(unclear)}"
        tail.append(f"no clear difference on {rest}")
    if uncompared:
        one = len(uncompared) == 1
        tail.append(
            f"{_measures(len(uncompared))} that move{'s' if one else ''} with the number of texts "
            f"{'is' if one else 'are'} not compared, as the sides differ in size ({n_a:,} vs {n_b:,} texts)"
        )
    if tail:
        text = "; ".join(tail)
        sentences.append(text[0].upper() + text[1:] + ".")
    return sentences


def tally(findings: Sequence[Finding]) -> list[tuple[str, int, str]]:
    """(reading, how many measures have it, CSS class), in a fixed order, zero counts left out."""
    order = (MORE_REPETITIVE, MORE_DIVERSE, NO_CLEAR_DIFFERENCE, SIZES_DIFFER, NO_INTERVAL)
    counts = {r: sum(1 for f in findings if f.reading == r) for r in order}
    return [(r, counts[r], READING_CLASSES[r]) for r in order if counts[r]]


# ---------------------------------------------------------------- examples


@dataclass(frozen=True)
class Example:
    """One example under a cluster: a distinct text of one side (in sentence unit, a distinct sentence).

    Attributes:
        key: Its entry in the page's example store (tokens and tags).
        row: The 0-based record of the example in its side's input.
        count: The cluster's members on this side with the same text after folding case and spaces.
        hits: Token positions emphasised: where the cluster's pattern matches, or its words.
    """

    key: str
    row: int
    count: int
    hits: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Candidate:
    """A distinct text of one side of a cluster: its first member (a union item) and how many share it."""

    item: int
    count: int


def candidates(comparison: Comparison, c: ClusterSummary, cl: Clustering | None = None) -> dict[str, list[Candidate]]:
    """Per side, the cluster's distinct texts in the order they are shown: the medoid's first, then in
    member order; each with the number of members on that side that fold to the same text."""
    texts = comparison.union.corpus.texts if cl is None or cl.item_texts is None else cl.item_texts
    firsts: dict[str, dict[str, int]] = {"a": {}, "b": {}}
    counts: dict[str, dict[str, int]] = {"a": {}, "b": {}}
    for i in [c.medoid, *[int(i) for i in c.members if i != c.medoid]]:
        side, _ = comparison.side_of(i if cl is None else cl.text_of(i))
        folded = fold(texts[i])
        firsts[side].setdefault(folded, i)
        counts[side][folded] = counts[side].get(folded, 0) + 1
    return {side: [Candidate(i, counts[side][f]) for f, i in firsts[side].items()] for side in SIDES}


def _emphasis(parsed: ParsedText, cluster: ClusterSummary, axis: str) -> list[int]:
    """Token positions to emphasise, as the report does: the tokens matching the cluster's pattern
    (syntax, dependency, template), or those among its words (lexical, semantic)."""
    if cluster.pattern is not None:
        pos = matches(parsed, cluster.pattern, axis)
    else:
        words = set(cluster.keywords)
        pos = [k for k, t in enumerate(parsed.tokens) if not t.is_punct and t.lower in words]
    return [k for k in pos if k < DISPLAY_TOKENS]


class _Store:
    """The page's example store: each shown text's tokens once, within a byte budget.

    An entry is ``[row, words, tags, more]``: ``words`` the tokens' texts, each followed by a space when the
    text has one there and led by the line breaks before it (at most two); ``tags`` one character per token,
    ``chr(65 + k)`` for the k-th tag of the page's tag list; ``more`` the tokens beyond the
    :data:`DISPLAY_TOKENS` shown.
    """

    def __init__(self, comparison: Comparison, budget: int) -> None:
        self.comparison = comparison
        self.budget = budget
        self.spent = 0
        self.tags: dict[str, int] = {t: k for k, t in enumerate(UPOS_TAGS)}
        self.entries: dict[str, list[Any]] = {}

    def parsed(self, item: int, cl: Clustering) -> tuple[str, ParsedText, int]:
        """An item's store key, its tokens (in sentence unit, its sentence's) and its text's union index."""
        text = cl.text_of(item)
        parsed = self.comparison.union.parsed[text]
        if cl.spans is None:
            return str(text), parsed, text
        start, end = (int(v) for v in cl.spans[item])
        spaces = tuple((k - start, t) for k, t in parsed.spaces if start < k < end)
        return f"{text}.{start}", ParsedText(parsed.tokens[start:end], spaces), text

    def add(self, key: str, parsed: ParsedText, row: int, extra: int) -> bool:
        """Store ``parsed`` under ``key`` (once) and spend ``extra`` bytes more, unless over the budget."""
        entry = None if key in self.entries else self._entry(parsed, row)
        cost = extra + (0 if entry is None else len(str(script_json(entry)).encode("utf-8")) + len(key) + 4)
        if self.spent + cost > self.budget:
            return False
        self.spent += cost
        if entry is not None:
            self.entries[key] = entry
        return True

    def _entry(self, parsed: ParsedText, row: int) -> list[Any]:
        tokens = parsed.tokens[:DISPLAY_TOKENS]
        # Line breaks (at most a blank line) lead the token after them: lists and paragraphs stay readable.
        breaks = {k: min(2, text.count("\n")) for k, text in parsed.spaces if 0 < k < len(tokens)}
        words = [
            "\n" * breaks.get(k, 0) + t.text + (" " if t.space_after and k + 1 < len(tokens) else "")
            for k, t in enumerate(tokens)
        ]
        tags = "".join(chr(65 + self.tags.setdefault(t.upos, len(self.tags))) for t in tokens)
        return [row, words, tags, len(parsed.tokens) - len(tokens)]


#: Bytes of HTML one listed example adds beside its store entry (its list item and attributes).
EXAMPLE_HTML_BYTES = 110


@dataclass(frozen=True)
class _List:
    """The candidate examples of one side of one listed cluster."""

    axis: str
    cluster: ClusterSummary
    side: str
    candidates: list[Candidate]


def _fill(
    store: _Store, lists: list[_List], clusterings: dict[str, Clustering], max_examples: int
) -> list[list[Example]]:
    """Take examples breadth-first: every list's first example before any list's second, and so on, at most
    ``max_examples`` per list and :data:`AXIS_EXAMPLE_BUDGET` per axis. Stops at the first example that does
    not fit the byte budget, so that every list shows a prefix of its candidates."""
    taken: list[list[Example]] = [[] for _ in lists]
    per_axis: dict[str, int] = {}
    for rank in range(max_examples):
        for k, lst in enumerate(lists):
            if rank >= len(lst.candidates) or per_axis.get(lst.axis, 0) >= AXIS_EXAMPLE_BUDGET:
                continue
            cand = lst.candidates[rank]
            cl = clusterings[lst.axis]
            key, parsed, text = store.parsed(cand.item, cl)
            _, row = store.comparison.side_of(text)
            hits = _emphasis(parsed, lst.cluster, lst.axis)
            extra = EXAMPLE_HTML_BYTES + len(key) + 2 * len(json.dumps(hits, separators=(",", ":")))
            if not store.add(key, parsed, row, extra):
                return taken
            taken[k].append(Example(key, row, cand.count, hits))
            per_axis[lst.axis] = per_axis.get(lst.axis, 0) + 1
    return taken


# ---------------------------------------------------------------- axes


@dataclass(frozen=True)
class ClusterCard:
    """A union cluster as the page lists it.

    Attributes:
        n_a, n_b: Its members from each side (sentences in sentence unit).
        distinct: Per side, its distinct texts after folding case and spaces.
        examples: Per side, the examples shown (distinct texts, the medoid's first).
    """

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
    distinct: dict[str, int]
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
    """One axis: side-by-side statistics, overlap and the clusters grouped by source.

    Attributes:
        items: What a cluster's members are: ``texts``, or ``sentences`` in sentence unit.
    """

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
    items: str = "texts"


GROUP_TITLES = {
    "a": "Only in A",
    "mixed": "Shared (mixed)",
    "b": "Only in B",
}
#: The page's order: what one side has and the other lacks first; the shared clusters (often most) last.
GROUP_ORDER = ("a", "b", "mixed")


def _listed(ac: AxisComparison) -> dict[str, list[Any]]:
    return {src: [c for c in ac.clusters if c.source == src][:MAX_LISTED_CLUSTERS] for src in SOURCES}


def _axis_section(
    comparison: Comparison, ac: AxisComparison, examples: dict[int, dict[str, list[Example]]], distinct: Any
) -> AxisSection:
    listed = _listed(ac)
    groups = []
    for src in GROUP_ORDER:
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
                distinct=distinct[c.summary.id],
                examples=examples.get(c.summary.id, {"a": [], "b": []}),
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
        method=f"Distance: {DISTANCE_NAMES[ac.axis]}; {cl.linkage_method} linkage, {cut}; {cl.mode} mode",
        stats=stat_rows(
            AXIS_STATS,
            comparison.a.axes[ac.axis],
            comparison.b.axes[ac.axis],
            sizes_comparable(comparison),
            comparison.a.intervals.get("axes", {}).get(ac.axis),
            comparison.b.intervals.get("axes", {}).get(ac.axis),
            prefix=title.lower(),
        ),
        overlap=ac.overlap,
        mixed_cluster_share=ac.mixed_cluster_share,
        n_clusters=len(ac.clusters),
        placement=ac.placement,
        unclustered={"a": un_a, "b": len(unclustered) - un_a},
        groups=groups,
        items="sentences" if cl.unit == "sentence" else "texts",
    )


def _examples(
    comparison: Comparison, store: _Store, max_examples: int
) -> tuple[dict[str, dict[int, dict[str, list[Example]]]], dict[str, dict[int, dict[str, int]]]]:
    """Per axis and listed cluster, the examples shown on each side and the distinct texts there are."""
    lists: list[_List] = []
    distinct: dict[str, dict[int, dict[str, int]]] = {}
    for axis, ac in comparison.axes.items():
        distinct[axis] = {}
        # Largest clusters first whatever their source: their examples come first within a rank.
        for c in sorted((c for group in _listed(ac).values() for c in group), key=lambda c: c.summary.id):
            per_side = candidates(comparison, c.summary, ac.clustering)
            distinct[axis][c.summary.id] = {side: len(per_side[side]) for side in SIDES}
            lists += [_List(axis, c.summary, side, per_side[side]) for side in SIDES]
    clusterings = {axis: ac.clustering for axis, ac in comparison.axes.items()}
    taken = _fill(store, lists, clusterings, max_examples)
    out: dict[str, dict[int, dict[str, list[Example]]]] = {axis: {} for axis in comparison.axes}
    for lst, examples in zip(lists, taken):
        out[lst.axis].setdefault(lst.cluster.id, {side: [] for side in SIDES})[lst.side] = examples
    return out, distinct


# ---------------------------------------------------------------- charts


def _layout(fig: go.Figure, height: int) -> go.Figure:
    """Transparent, in the page's font; the page's script sets the text colour from the theme."""
    fig.update_layout(
        height=height,
        margin={"l": 60, "r": 12, "t": 28, "b": 40},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        font={"family": FONT, "size": 12},
        legend={"orientation": "h", "y": 1.12},
        hoverlabel={"font": {"family": FONT, "size": 12}, "align": "left"},
    )
    fig.update_xaxes(gridcolor=GRID, linecolor=GRID, zerolinecolor=GRID)
    fig.update_yaxes(gridcolor=GRID, linecolor=GRID, zerolinecolor=GRID)
    return fig


def _error_bars(values: Sequence[float], intervals: Sequence[Sequence[float] | None]) -> dict[str, Any] | None:
    """Plotly error bars for the 95% intervals; ``None`` when no value has one."""
    if all(i is None for i in intervals):
        return None
    return {
        "type": "data",
        "symmetric": False,
        "array": [round(max(0.0, i[1] - v), 6) if i is not None else 0.0 for v, i in zip(values, intervals)],
        "arrayminus": [round(max(0.0, v - i[0]), 6) if i is not None else 0.0 for v, i in zip(values, intervals)],
        "color": GREY,
        "thickness": 1.5,
        "width": 6,
    }


KEY_STATS = ("compression_ratio", "compression_ratio_pos.xpos", "ngram_diversity", "self_repetition")
#: The panels' titles, on two lines where needed: four panels share half the page's width.
KEY_TITLES = {
    "compression_ratio": "Compression<br>ratio",
    "compression_ratio_pos.xpos": "POS compression<br>ratio",
    "ngram_diversity": "N-gram<br>diversity",
    "self_repetition": "Self-repetition",
}


def stats_figure(comparison: Comparison) -> go.Figure:
    """The key dataset statistics, one small panel each (their scales differ): A's bar next to B's, with
    their 95% intervals as error bars."""
    labels = {s.key: s.label for s in DATASET_STATS}
    fig = make_subplots(
        rows=1, cols=len(KEY_STATS), subplot_titles=[KEY_TITLES[k] for k in KEY_STATS], horizontal_spacing=0.09
    )
    for col, key in enumerate(KEY_STATS, start=1):
        sides = (comparison.a, comparison.b)
        values = [float(lookup(side.stats, key)) for side in sides]
        intervals = [interval_of(side.intervals, key) for side in sides]
        fig.add_trace(
            go.Bar(
                x=[side.label.upper() for side in sides],
                y=values,
                marker_color=[COLOURS[side.label] for side in sides],
                error_y=_error_bars(values, intervals),
                hovertemplate=labels[key] + " · %{x}: %{y:.3f}<extra></extra>",
                name=labels[key],
                showlegend=False,
            ),
            row=1,
            col=col,
        )
    fig.update_annotations(font={"size": 12.5})
    _layout(fig, 260)
    fig.update_layout(margin={"l": 40, "r": 8, "t": 48, "b": 28}, bargap=0.35)
    return fig


def homogenization_figure(comparison: Comparison) -> go.Figure:
    """Grouped bars: per-axis homogenization (mean pairwise similarity), A next to B, with their intervals."""
    axes = list(comparison.axes)
    fig = go.Figure()
    for side in (comparison.a, comparison.b):
        values = [float(side.axes[a]["homogenization"]) for a in axes]
        intervals = [interval_of(side.intervals.get("axes", {}).get(a, {}), "homogenization") for a in axes]
        fig.add_trace(
            go.Bar(
                name=side.label.upper(),
                x=[AXIS_TITLES[a][0] for a in axes],
                y=values,
                marker_color=COLOURS[side.label],
                error_y=_error_bars(values, intervals),
                hovertemplate="%{x}: %{y:.3f}<extra>" + side.label.upper() + "</extra>",
            )
        )
    fig.update_layout(barmode="group", yaxis={"range": [0, 1], "title": "homogenization"})
    return _layout(fig, 300)


#: The placement chart's parts, coloured as the page's source tags: only A, mixed, only B, unclustered.
PLACEMENT_PARTS = (
    ("a", "in clusters only in A"),
    ("mixed", "in mixed clusters"),
    ("b", "in clusters only in B"),
    ("unclustered", "unclustered"),
)


def _placement_share(placement: dict[str, dict[str, float]], side: str, part: str) -> float:
    """A side's share in one of :data:`PLACEMENT_PARTS` (its own unique clusters, or the other side's)."""
    if part in ("mixed", "unclustered"):
        return placement[side][part]
    return placement[side]["unique" if part == side else "other"]


def placement_figure(comparison: Comparison) -> go.Figure:
    """Stacked horizontal bars per axis and side: where each side's texts land in the union clustering."""
    y = [f"{AXIS_TITLES[a][0]} · {side.upper()}" for a in comparison.axes for side in SIDES]
    fig = go.Figure()
    for part, label in PLACEMENT_PARTS:
        x = [_placement_share(comparison.axes[a].placement, side, part) for a in comparison.axes for side in SIDES]
        fig.add_trace(
            go.Bar(
                name=label,
                y=y,
                x=x,
                orientation="h",
                marker_color=COLOURS[part],
                hovertemplate="%{y}: %{x:.1%} " + label + "<extra></extra>",
            )
        )
    fig.update_layout(
        barmode="stack",
        legend={"orientation": "h", "y": 1.12, "traceorder": "normal"},
        xaxis={"range": [0, 1], "tickformat": ".0%"},
        yaxis={"autorange": "reversed", "automargin": True},
    )
    return _layout(fig, 90 + 26 * len(y))


# ---------------------------------------------------------------- the page


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
        f"alone, so their deltas mix size with diversity and get no verdict; rerun with --sample {small} to compare "
        "equal-size samples. The overlap figure counts texts, so the larger side dominates it; read the per-side "
        "placement."
    )


@dataclass(frozen=True)
class CompareContext:
    """Everything compare.html uses; each field documents a part of the page.

    Attributes:
        title: The page title.
        lens_version: For the footer and the generator tag.
        inputs: Per side: path, column, rows read and analysed, skipped counts.
        notes: Remarks made while reading, labelled by side.
        summary: One or two sentences on how B differs from A, from the verdicts.
        tally: (verdict, measures, CSS class) for the summary's counts.
        size_warning: A sentence when the sides differ much in size, else empty.
        unique_share: The cluster-source rule's share.
        dataset: Dataset statistics side by side.
        axes: One section per axis.
        run: (name, value) pairs for the run details.
        upos_tags: The tags of the colour legend.
        max_examples: Examples per side per cluster.
        example_budget: Examples per axis in total.
        plotly_js: plotly.js, inlined once.
        figures_json: The Plotly figures, JSON escaped for a script block.
        data_json: The example store (tokens and tags of every shown example), JSON escaped.
    """

    title: str
    lens_version: str
    inputs: dict[str, dict[str, Any]]
    notes: list[str]
    summary: list[str]
    tally: list[tuple[str, int, str]]
    size_warning: str
    unique_share: float
    dataset: list[StatRow]
    axes: list[AxisSection]
    run: list[tuple[str, str]]
    upos_tags: tuple[str, ...]
    max_examples: int
    example_budget: int
    plotly_js: Markup
    figures_json: Markup
    data_json: Markup


def _run_details(comparison: Comparison) -> list[tuple[str, str]]:
    a, b = comparison.a, comparison.b
    info = a.parsed.parser
    opts = comparison.options
    return [
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
            "verdicts",
            "a difference gets a verdict when the 95% interval of B − A excludes 0 (both sides' intervals taken as "
            "independent); a statistic without an interval gets none",
        ),
        (
            "options",
            ", ".join(f"{k}={v}" for k, v in opts.items() if k not in ("linkage", "thresholds", "max_examples")),
        ),
    ]


def _assemble(
    comparison: Comparison, plotly_js: str, max_examples: int, budget: int, figures_json: Markup | None
) -> CompareContext:
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
    if figures_json is None:
        figures_json = script_json(
            {
                "fig-stats": figure_json(stats_figure(comparison)),
                "fig-homogenization": figure_json(homogenization_figure(comparison)),
                "fig-placement": figure_json(placement_figure(comparison)),
            }
        )
    comparable = sizes_comparable(comparison)
    dataset = stat_rows(DATASET_STATS, a.stats, b.stats, comparable, a.intervals, b.intervals)
    store = _Store(comparison, budget)
    examples, distinct = _examples(comparison, store, max_examples)
    axes = [_axis_section(comparison, ac, examples[axis], distinct[axis]) for axis, ac in comparison.axes.items()]
    findings = findings_of(dataset + [r for ax in axes for r in ax.stats])
    return CompareContext(
        title=f"lens compare: {a.corpus.path} vs {b.corpus.path}",
        lens_version=__version__,
        inputs=inputs,
        notes=notes,
        summary=summary_sentences(findings, a.corpus.n, b.corpus.n),
        tally=tally(findings),
        size_warning=_size_warning(comparison),
        unique_share=comparison.unique_share,
        dataset=dataset,
        axes=axes,
        run=_run_details(comparison),
        upos_tags=UPOS_TAGS,
        max_examples=max_examples,
        example_budget=AXIS_EXAMPLE_BUDGET,
        plotly_js=Markup(plotly_js),
        figures_json=figures_json,
        data_json=script_json({"tags": list(store.tags), "store": store.entries}),
    )


def build_context(
    comparison: Comparison,
    *,
    plotly_js: str | None = None,
    max_examples: int = DEFAULT_COMPARE_EXAMPLES,
    size_limit: int = SIZE_LIMIT,
) -> CompareContext:
    """The template context for ``comparison``, its example data sized so that the page fits ``size_limit``.

    The page is first rendered without examples; the examples then get the bytes left below ``size_limit``
    (at most :data:`STORE_BUDGET`).
    """
    import plotly.offline

    js = plotly_js if plotly_js is not None else plotly.offline.get_plotlyjs()
    skeleton = _assemble(comparison, js, max_examples, budget=0, figures_json=None)
    fixed = len(render(skeleton).encode("utf-8"))
    budget = max(0, min(STORE_BUDGET, size_limit - fixed - SIZE_SLACK))
    return _assemble(comparison, js, max_examples, budget=budget, figures_json=skeleton.figures_json)


def render(context: CompareContext) -> str:
    """The HTML page for ``context``."""
    return environment().get_template("compare.html").render(ctx=context)


def render_comparison(comparison: Comparison, max_examples: int = DEFAULT_COMPARE_EXAMPLES) -> str:
    """Shortcut: context + render."""
    return render(build_context(comparison, max_examples=max_examples))
