"""Plotly figures for the report. Pure functions: data in, ``go.Figure`` out, no I/O.

The dendrogram is drawn from the linkage matrix directly, as one line trace for every link
(``None`` between links), not one trace per link as ``figure_factory.create_dendrogram`` does
(which also recurses past Python's limit at 10k leaves). Big trees are truncated to their last
:data:`MAX_LEAVES` merges, each collapsed subtree drawn as one leaf that knows its size.

The horizontal axis is measured in texts: each leaf is as wide as the texts under it, so a branch
holding 40% of the data spans 40% of the width, truncated or not. Under the tree a band shows the
flat clusters as coloured runs (the largest clusters in colour, other clusters grey, unclustered
texts as a thin strip). There are no per-leaf tick labels, which freeze Plotly on big trees: texts
and counts are in the hover. Every clickable point carries a cluster id in ``customdata``.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from scipy.cluster import hierarchy

from ..model import Clustering

MAX_LEAVES = 300
#: Okabe-Ito without black (invisible on a dark page): colour-blind safe. Larger ids are grey.
CLUSTER_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442")
NEUTRAL = "#8d99a6"
UNCLUSTERED = "#c3cbd3"
LINK = "#7b8794"
#: The cut line; the page redraws it in the theme's own colour (vermilion is too dark on a dark page).
CUT_COLOUR = "#D55E00"
FONT = "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"
#: Band height as a share of the tree's height; unclustered runs are drawn a third as tall.
BAND = 0.09


def cluster_colour(cid: int) -> str:
    """Colour of flat cluster ``cid`` (1-based, largest first); 0 = unclustered."""
    if 1 <= cid <= len(CLUSTER_COLOURS):
        return CLUSTER_COLOURS[cid - 1]
    return UNCLUSTERED if cid == 0 else NEUTRAL


def hover_escape(text: str, limit: int = 120) -> str:
    """Plotly renders a subset of HTML in hover text; escape so data stays text."""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return html.escape(text, quote=False)


def _layout(fig: go.Figure, height: int) -> go.Figure:
    fig.update_layout(
        height=height,
        margin={"l": 52, "r": 12, "t": 10, "b": 10},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        font={"family": FONT, "size": 12},
        showlegend=False,
        hovermode="closest",
        hoverlabel={"font": {"family": FONT, "size": 12}, "align": "left"},
    )
    return fig


def _r(values: np.ndarray | Sequence[float], digits: int) -> list[float]:
    """Rounded floats: the figure's JSON stays small and byte-stable."""
    return [round(float(v), digits) for v in values]


def _leaf_weights(clustering: Clustering) -> np.ndarray:
    """Texts each tree leaf stands for.

    In exact mode every leaf is one item. In landmark mode a landmark stands for the items nearest to it
    (:attr:`Clustering.nearest`); without that record (older analyses) a cluster's items are spread evenly over
    its landmarks: each cluster's total is exact, a single landmark's share approximate.
    """
    m = len(clustering.tree_rows)
    if clustering.mode == "landmark" and clustering.nearest is not None:
        return np.bincount(np.asarray(clustering.nearest, dtype=np.int64), minlength=m).astype(np.float64)
    leaf_labels = clustering.labels[clustering.tree_rows]
    sizes = np.bincount(clustering.labels, minlength=int(leaf_labels.max(initial=0)) + 1).astype(np.float64)
    per_label = np.bincount(leaf_labels, minlength=len(sizes)).astype(np.float64)
    per_label[per_label == 0] = 1.0
    return np.where(leaf_labels > 0, sizes[leaf_labels] / per_label[leaf_labels], 1.0)


@dataclass(frozen=True)
class _Layout:
    """Where each node of a (truncated) tree sits: every node covers the run ``start..end`` of the leaf order."""

    order: np.ndarray
    start: np.ndarray
    end: np.ndarray
    left: np.ndarray
    right: np.ndarray
    first_kept: int
    leaves: np.ndarray
    internal: np.ndarray

    @property
    def nodes(self) -> np.ndarray:
        """The drawn nodes, in the order of the ``nodes`` trace: drawn leaves, then branch points."""
        return np.concatenate([self.leaves, self.internal])


def _tree_layout(z: np.ndarray, m: int, max_leaves: int) -> _Layout:
    order = hierarchy.leaves_list(z)
    left = z[:, 0].astype(np.int64)
    right = z[:, 1].astype(np.int64)
    first = np.empty(m, dtype=np.int64)
    first[order] = np.arange(m)
    # Python lists: a loop over numpy scalars is ten times slower.
    start, end = first.tolist(), (first + 1).tolist()
    for a, b in zip(left.tolist(), right.tolist()):
        start.append(min(start[a], start[b]))
        end.append(max(end[a], end[b]))
    shown = min(max_leaves, m)
    first_kept = 2 * m - shown  # merges with ids >= first_kept are drawn
    internal = np.arange(max(first_kept, m), 2 * m - 1)
    kids = np.concatenate([left[internal - m], right[internal - m]])
    leaves = np.unique(kids[kids < first_kept])  # drawn leaves: single texts or collapsed subtrees
    return _Layout(order, np.asarray(start), np.asarray(end), left, right, first_kept, leaves, internal)


def tree_nodes(clustering: Clustering, max_leaves: int = MAX_LEAVES) -> list[list[int]]:
    """The run of the leaf order (``[start, end)``) under each point of the dendrogram's ``nodes`` trace, in that
    trace's order: the page finds the clusters under a clicked branch at any cut."""
    m = len(clustering.tree_rows)
    if m < 2:
        return []
    layout = _tree_layout(clustering.linkage, m, max_leaves)
    nodes = layout.nodes
    return [[int(a), int(b)] for a, b in zip(layout.start[nodes], layout.end[nodes])]


def _count(value: float, approximate: bool) -> str:
    n = round(value)
    return f"≈{n:,}" if approximate and abs(value - n) > 1e-6 else f"{n:,}"


def dendrogram_figure(
    clustering: Clustering,
    texts: Sequence[str],
    max_leaves: int = MAX_LEAVES,
    notes: Mapping[int, str] | None = None,
    cut: float | None = None,
) -> go.Figure:
    """The tree of one axis, truncated to ``max_leaves`` leaves, with its flat clusters as a band.

    Args:
        clustering: The axis's clustering.
        texts: The corpus texts (for hover text).
        max_leaves: Leaves drawn at most; deeper subtrees collapse into one leaf.
        notes: Optional short description per cluster id (a pattern, keywords) for the hover.
            Plain text: it is escaped here.
        cut: Where the tree was cut, drawn as a line (default: the threshold; with ``--clusters`` the page
            passes the height it cut at).

    Traces, by name: ``links`` (one line trace), ``band`` (one bar per run of a cluster along the
    leaves), ``nodes`` (every drawn leaf and branch point, hover and click) and ``clusters`` (the root
    of each coloured cluster). ``customdata`` is the cluster id a click opens (0 = unclustered).
    """
    notes = notes or {}
    z = clustering.linkage
    tree_rows = clustering.tree_rows
    m = len(tree_rows)
    fig = go.Figure()
    if m < 2:
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
        return _layout(fig, 80)
    approximate = clustering.mode == "landmark"
    what = "texts" if clustering.unit == "text" else "sentences"
    n_texts = len(clustering.labels)
    leaf_labels = clustering.labels[tree_rows].astype(np.int64)
    weights = _leaf_weights(clustering)
    layout = _tree_layout(z, m, max_leaves)
    order, start, end, left, right = layout.order, layout.start, layout.end, layout.left, layout.right
    in_order = leaf_labels[order]
    w_order = weights[order]
    cum = np.concatenate([[0.0], np.cumsum(w_order)])
    total = float(cum[-1])
    labels_of = leaf_labels.tolist()  # per node: its flat cluster, or -1 when mixed
    for a, b in zip(left.tolist(), right.tolist()):
        labels_of.append(labels_of[a] if labels_of[a] == labels_of[b] else -1)
    node_label = np.asarray(labels_of)
    first_kept, leaves, internal = layout.first_kept, layout.leaves, layout.internal
    x = np.zeros(2 * m - 1)
    y = np.zeros(2 * m - 1)
    x[leaves] = (cum[start[leaves]] + cum[end[leaves]]) / 2
    for node in internal:
        k = node - m
        x[node] = (x[left[k]] + x[right[k]]) / 2
        y[node] = z[k, 2]
    if cut is None:
        cut = clustering.threshold
    top = max(float(z[:, 2].max()), float(cut or 0.0), 1e-6)
    band = BAND * top

    lx: list[float | None] = []
    ly: list[float | None] = []
    for node in internal:
        a, b = int(left[node - m]), int(right[node - m])
        lx += [x[a], x[a], x[b], x[b], None]
        ly += [y[a], y[node], y[node], y[b], None]
    fig.add_trace(
        go.Scatter(
            x=[None if v is None else round(v, 2) for v in lx],
            y=[None if v is None else round(v, 4) for v in ly],
            mode="lines",
            line={"color": LINK, "width": 1},
            hoverinfo="skip",
            name="links",
        )
    )

    sizes = np.bincount(clustering.labels)

    def describe(cid: int, count: float) -> str:
        if cid == 0:
            return f"{_count(count, approximate)} unclustered text{'s' if count != 1 else ''}"
        size = int(sizes[cid])
        head = f"<b>cluster #{cid}</b> · {size:,} {what} ({100 * size / n_texts:.1f}%)"
        note = notes.get(cid)
        return f"{head}<br>{hover_escape(note, 80)}" if note else head

    # The band: one bar per run of equal labels along the leaf order.
    cuts = np.flatnonzero(np.diff(in_order)) + 1
    run_start = np.concatenate([[0], cuts])
    run_end = np.concatenate([cuts, [m]])
    run_label = in_order[run_start]
    x0, x1 = cum[run_start], cum[run_end]
    heights = np.where(run_label > 0, band, band / 3)
    fig.add_trace(
        go.Bar(
            x=_r((x0 + x1) / 2, 2),
            width=_r(x1 - x0, 2),
            y=_r(heights, 4),
            base=_r(-heights, 4),
            marker={"color": [cluster_colour(int(c)) for c in run_label], "line": {"width": 0}},
            customdata=[int(c) for c in run_label],
            hovertext=[describe(int(c), float(b - a)) for c, a, b in zip(run_label, x0, x1)],
            hovertemplate="%{hovertext}<extra></extra>",
            name="band",
        )
    )

    # Nodes: every drawn leaf and branch point; a click opens the main cluster under it.
    nodes = layout.nodes
    node_text = []
    node_cid = []
    for node in nodes:
        s, e = int(start[node]), int(end[node])
        mass = np.bincount(in_order[s:e], weights=w_order[s:e])
        count = float(mass.sum())
        clustered = mass[1:]
        main = int(np.argmax(clustered)) + 1 if clustered.size and clustered.max() > 0 else 0
        node_cid.append(main)
        if node < m:
            text = hover_escape(texts[int(tree_rows[node])])
            lab = int(leaf_labels[node])
            where = f"cluster #{lab}" if lab else "unclustered"
            if approximate and count > 1:
                where += f" · stands for {_count(count, True)} {what}"
            node_text.append(f"{text}<br>{where}")
            continue
        present = np.flatnonzero(mass)
        parts = [
            (f"#{c}" if c else "unclustered", share)
            for c, share in sorted(
                zip(present.tolist(), (mass[present] / count).tolist()), key=lambda cs: (-cs[1], cs[0])
            )
        ]
        mix = ", ".join(f"{name} {100 * share:.0f}%" for name, share in parts[:3])
        if len(parts) > 3:
            mix += f", {len(parts) - 3} more"
        line = f"<b>{_count(count, approximate)} {what}</b> · {mix}"
        if node < first_kept:
            line += f"<br>e.g. {hover_escape(texts[int(tree_rows[order[s]])], 80)}"
        node_text.append(line)
    fig.add_trace(
        go.Scatter(
            x=_r(x[nodes], 2),
            y=_r(y[nodes], 4),
            mode="markers",
            marker={"size": 9, "opacity": 0, "color": LINK},
            text=node_text,
            customdata=node_cid,
            hovertemplate="%{text}<extra></extra>",
            name="nodes",
        )
    )

    # Roots of the coloured clusters: the highest drawn node wholly inside each.
    roots: dict[int, int] = {}
    for node in nodes:
        lab = int(node_label[node])
        if 1 <= lab <= len(CLUSTER_COLOURS) and (lab not in roots or y[node] > y[roots[lab]]):
            roots[lab] = int(node)
    # A coloured cluster hidden inside a mixed collapsed leaf gets its marker on the band instead.
    for lab in range(1, len(CLUSTER_COLOURS) + 1):
        if lab not in roots and (run_label == lab).any():
            roots[lab] = -lab
    if roots:
        ids = sorted(roots)

        def at(c: int) -> tuple[float, float]:
            if roots[c] >= 0:
                return x[roots[c]], y[roots[c]]
            k = int(np.flatnonzero(run_label == c)[0])
            return (x0[k] + x1[k]) / 2, 0.0

        fig.add_trace(
            go.Scatter(
                x=_r([at(c)[0] for c in ids], 2),
                y=_r([at(c)[1] for c in ids], 4),
                mode="markers",
                marker={"size": 11, "color": [cluster_colour(c) for c in ids], "line": {"width": 1.5, "color": "#fff"}},
                text=[describe(c, 0) + "<br><i>click to open</i>" for c in ids],
                customdata=ids,
                hovertemplate="%{text}<extra></extra>",
                name="clusters",
            )
        )
    if cut is not None:
        fig.add_hline(
            y=cut,
            line={"color": CUT_COLOUR, "width": 1, "dash": "dot"},
            annotation={"text": f"cut {cut:.3g}", "font": {"size": 11, "color": CUT_COLOUR}},
            annotation_position="top right",
        )
    fig.update_xaxes(
        range=[0, round(total, 2)], showticklabels=False, showgrid=False, zeroline=False, ticklabeloverflow="allow"
    )
    fig.update_yaxes(
        title_text="distance",
        range=[round(-band * 1.05, 4), round(top * 1.06, 4)],
        showgrid=True,
        gridcolor="rgba(128,128,128,0.2)",
        zeroline=False,
        rangemode="normal",
        fixedrange=True,
    )
    fig.update_layout(bargap=0)
    return _layout(fig, 320)


def _count_step(items: Sequence[tuple[str, int]]) -> int:
    """A whole-number tick step giving about five ticks: counts have no halves."""
    top = max((c for _, c in items), default=1)
    raw = max(top / 5, 1.0)
    base = 10 ** math.floor(math.log10(raw))
    return int(next(m * base for m in (1, 2, 5, 10) if m * base >= raw))


def bar_figure(items: Sequence[tuple[str, int]], colour: str = "#0072B2", limit: int = 15) -> go.Figure:
    """A horizontal bar chart of labelled counts, largest on top."""
    items = list(items)[:limit][::-1]
    fig = go.Figure(
        go.Bar(
            x=[c for _, c in items],
            y=[hover_escape(label, 60) for label, _ in items],
            orientation="h",
            marker={"color": colour},
            hovertemplate="%{y}: %{x}<extra></extra>",
        )
    )
    fig.update_yaxes(automargin=True, ticklabeloverflow="allow")
    fig.update_xaxes(
        showgrid=True, gridcolor="rgba(128,128,128,0.2)", fixedrange=True, tick0=0, dtick=_count_step(items)
    )
    fig.update_yaxes(fixedrange=True)
    _layout(fig, max(160, 22 * len(items) + 44))
    fig.update_layout(margin={"l": 8, "r": 12, "t": 4, "b": 28})
    return fig
