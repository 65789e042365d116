"""Plotly figures for the report. Pure functions: data in, ``go.Figure`` out, no I/O.

The dendrogram is drawn from the linkage matrix directly, as one line trace for every link
(``None`` between links), not one trace per link as ``figure_factory.create_dendrogram`` does
(which also recurses past Python's limit at 10k leaves). Big trees are truncated to their last
:data:`MAX_LEAVES` merges, each collapsed subtree shown as one leaf with its size. Flat clusters
colour the leaf band and the cluster roots (clickable); there are no per-leaf tick labels, which
freeze Plotly on big trees: texts are in the hover.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from .model import Clustering

MAX_LEAVES = 300
#: Okabe-Ito, colour-blind safe; cluster k > len gets the neutral colour.
CLUSTER_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
NEUTRAL = "#9aa5b1"
LINK = "#7b8794"
FONT = "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"


def cluster_colour(cid: int) -> str:
    """Colour of flat cluster ``cid`` (1-based, largest first); 0 = unclustered."""
    if 1 <= cid <= len(CLUSTER_COLOURS):
        return CLUSTER_COLOURS[cid - 1]
    return NEUTRAL


def hover_escape(text: str, limit: int = 120) -> str:
    """Plotly renders a subset of HTML in hover text; escape so data stays text."""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return html.escape(text, quote=False)


def _layout(fig: go.Figure, height: int) -> go.Figure:
    fig.update_layout(
        height=height,
        margin={"l": 48, "r": 12, "t": 12, "b": 28},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        font={"family": FONT, "size": 12},
        showlegend=False,
        hovermode="closest",
    )
    return fig


def dendrogram_figure(clustering: Clustering, texts: Sequence[str], max_leaves: int = MAX_LEAVES) -> go.Figure:
    """The tree of one axis, truncated to ``max_leaves`` leaves, coloured by flat cluster."""
    z = clustering.linkage
    tree_rows = clustering.tree_rows  # corpus index of each tree leaf
    m = len(tree_rows)
    fig = go.Figure()
    if m < 2:
        return _layout(fig, 120)
    labels = clustering.labels[tree_rows]
    # Per node: size (texts) and flat label (-1 when its leaves span several clusters).
    node_label = np.empty(2 * m - 1, dtype=np.int64)
    node_label[:m] = labels
    left = z[:, 0].astype(np.int64)
    right = z[:, 1].astype(np.int64)
    for k in range(m - 1):
        a, b = node_label[left[k]], node_label[right[k]]
        node_label[m + k] = a if a == b else -1
    # Texts under each node (landmark mode: a landmark stands for its cluster's rows).
    node_count = np.empty(2 * m - 1, dtype=np.int64)
    node_count[:m] = 1
    for k in range(m - 1):
        node_count[m + k] = node_count[left[k]] + node_count[right[k]]

    shown = min(max_leaves, m)
    first_kept = 2 * m - 1 - (shown - 1)  # merges with id >= first_kept are drawn
    root = 2 * m - 2

    # Iterative in-order walk assigns x to visible leaves (left to right).
    x = np.zeros(2 * m - 1)
    y = np.zeros(2 * m - 1)
    leaves: list[int] = []
    stack = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if node < first_kept:  # a leaf or a collapsed subtree
            x[node] = len(leaves) * 10 + 5
            leaves.append(node)
            continue
        k = node - m
        if expanded:
            x[node] = (x[left[k]] + x[right[k]]) / 2
            y[node] = z[k, 2]
        else:
            stack.append((node, True))
            stack.append((int(right[k]), False))
            stack.append((int(left[k]), False))

    lx: list[float | None] = []
    ly: list[float | None] = []
    for node in range(max(first_kept, m), 2 * m - 1):
        k = node - m
        a, b = int(left[k]), int(right[k])
        lx += [x[a], x[a], x[b], x[b], None]
        ly += [y[a], y[node], y[node], y[b], None]
    fig.add_trace(
        go.Scatter(x=lx, y=ly, mode="lines", line={"color": LINK, "width": 1}, hoverinfo="skip", name="links")
    )

    # Leaf band: one marker per visible leaf, coloured by cluster, text in the hover.
    leaf_text = []
    leaf_col = []
    leaf_cid = []
    for node in leaves:
        lab = int(node_label[node])
        if node < m:
            idx = int(tree_rows[node])
            t = hover_escape(texts[idx])
            count = 1
        else:
            count = int(node_count[node])
            t = f"{count} texts"
        cluster = f"cluster {lab}" if lab > 0 else ("unclustered" if lab == 0 else "several clusters")
        leaf_text.append(f"{t}<br>{cluster}")
        leaf_col.append(cluster_colour(lab) if lab > 0 else NEUTRAL)
        leaf_cid.append(max(lab, 0))
    fig.add_trace(
        go.Scatter(
            x=[x[node] for node in leaves],
            y=[0.0] * len(leaves),
            mode="markers",
            marker={"symbol": "line-ns", "size": 14, "line": {"width": 3, "color": leaf_col}},
            text=leaf_text,
            customdata=leaf_cid,
            hovertemplate="%{text}<extra></extra>",
            name="leaves",
        )
    )
    # Cluster roots: the highest visible node wholly inside each flat cluster.
    visible = list(leaves) + list(range(max(first_kept, m), 2 * m - 1))
    roots: dict[int, int] = {}
    for node in visible:
        lab = int(node_label[node])
        if lab > 0 and (lab not in roots or node_count[node] > node_count[roots[lab]]):
            roots[lab] = node
    if roots:
        ids = sorted(roots)
        fig.add_trace(
            go.Scatter(
                x=[x[roots[c]] for c in ids],
                y=[y[roots[c]] for c in ids],
                mode="markers",
                marker={
                    "size": 10,
                    "color": [cluster_colour(c) for c in ids],
                    "line": {"width": 1, "color": "#fff"},
                },
                text=[f"cluster {c}: {int((clustering.labels == c).sum())} texts — click to open" for c in ids],
                customdata=ids,
                hovertemplate="%{text}<extra></extra>",
                name="clusters",
            )
        )
    if clustering.threshold is not None and clustering.linkage_method != "ward":
        fig.add_hline(y=clustering.threshold, line={"color": "#D55E00", "width": 1, "dash": "dot"})
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False, ticklabeloverflow="allow")
    fig.update_yaxes(title_text="distance", showgrid=True, gridcolor="rgba(128,128,128,0.2)", zeroline=False)
    return _layout(fig, 300)


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
    fig.update_xaxes(showgrid=True, gridcolor="rgba(128,128,128,0.2)")
    return _layout(fig, max(160, 22 * len(items) + 40))
