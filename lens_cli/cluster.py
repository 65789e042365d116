"""Cluster: agglomerative trees per axis, on the true distances, cut into flat clusters and described.

Two stages: :func:`grow_tree` (features -> :class:`~lens_cli.model.AxisTree`) and :func:`cut_tree`
(tree -> :class:`~lens_cli.model.Clustering`, with each cluster's medoid, mean distance and pattern).

Exact mode (up to ``--exact-limit`` texts) builds the tree on all texts. Up to
:data:`OPTIMAL_ORDER_LIMIT` texts the distances are the float64 condensed matrix fastcluster builds the
tree in, leaves in optimal order; above it, an axis whose items repeat works on its distinct items
(:func:`distances.distinct_distances`, :func:`distinct_tree`), else on the condensed matrix.
Homogenization and near-duplicates are read from the same distances before the tree overwrites them.

Landmark mode counts identical items once, takes all distinct items as landmarks when there are at
most ``--landmarks`` of them (else a fixed-seed sample), gives every text its nearest landmark (on the
engine: locally or on Dask workers), and builds the tree on the landmarks, each weighted by the texts
it stands for; homogenization and near-duplicates come from a fixed-seed sample of texts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import overload

import fastcluster
import numpy as np
from scipy.cluster import hierarchy

from . import distances as dist
from .distances import Distinct, submatrix
from .engine import LOCAL, Engine
from .features import AxisFeatures
from .model import AxisTree, Clustering, ClusterSummary, ParsedText, Tree
from .patterns import PATTERN_AXES, ctfidf_keywords, mine_pattern, pattern_sample, shared_words
from .runtime.context import SILENT, Ticker, interpreter_bound, scratch
from .stats import distance_summary, distinct_distance_summary, fold

LINKAGES = ("average", "complete", "single", "ward")
_METHOD_INDEX = {"single": 0, "complete": 1, "average": 2}
#: Default flat-cluster cut heights, tuned on LinguisticLens's music dataset (see README).
DEFAULT_THRESHOLDS = {"syntax": 0.25, "dependency": 0.25, "template": 0.3, "lexical": 0.5, "semantic": 0.2}
#: Optimal leaf ordering (scipy) costs about n³: 0.2 s at 500 leaves, 1-1.5 s at 1,000, 10 s at 2,000
#: (per axis, 2-core machine). Only up to this many leaves.
OPTIMAL_ORDER_LIMIT = 1000
#: Members used for a cluster's mean distance and medoid (evenly spaced when larger).
SUMMARY_SAMPLE = 2000


def text_key(parsed: ParsedText) -> str:
    """The text as its tokens spell it: equal for equal texts, whatever their rows."""
    return "".join(t.text + (" " if t.space_after else "") for t in parsed.tokens)


def canonical_order(keys: Sequence[str]) -> np.ndarray:
    """Indices sorted by key (ties, which are equal texts, by index).

    Agglomerative clustering breaks ties between equal merge distances by index, so the tree, and with
    average or complete linkage even the flat clusters, would depend on the order of the input rows
    (a-b 0.2, b-c 0.2, a-c 0.4: {a, b} or {b, c} by which row came first). The pipeline computes each
    axis's distances on the items in this order (permuting n items is cheap; permuting the n²/2
    matrix is not), which makes the clusters a function of the texts alone.
    """
    return np.asarray(sorted(range(len(keys)), key=lambda i: (keys[i], i)), dtype=np.int64)


def relabel_leaves(z: np.ndarray, order: np.ndarray) -> np.ndarray:
    """A linkage built on items ``order[0], order[1], ...`` with its leaves renamed to the items' own
    indices (merged clusters, ids >= n, keep theirs)."""
    n = len(order)
    z = z.copy()
    for col in (0, 1):
        leaf = z[:, col] < n
        z[leaf, col] = order[z[leaf, col].astype(np.int64)]
    return z


def build_tree(
    condensed: np.ndarray,
    n: int,
    method: str,
    embeddings: np.ndarray | None = None,
    *,
    overwrite: bool = False,
    weights: np.ndarray | None = None,
) -> Tree:
    """An agglomerative tree on the condensed distances (or, for ward, on the embeddings).

    Args:
        condensed: Condensed distances (float32 or float64).
        n: Number of leaves.
        method: ``average``, ``complete``, ``single``, or ``ward`` (needs ``embeddings``).
        embeddings: Row vectors for ward.
        overwrite: Let fastcluster work in ``condensed`` itself (it must be float64) instead of a
            float64 copy: saves 8 bytes per pair, and ``condensed`` is garbage afterwards.
        weights: How many items each leaf stands for (landmark mode). With average linkage the
            distance between two clusters is then the weighted mean over their leaves, as if every
            item were there; single and complete linkage do not depend on weights, ward ignores them.
    """
    if n < 2:
        return Tree(np.zeros((0, 4)), np.arange(n))
    keep_for_order = None
    if n <= OPTIMAL_ORDER_LIMIT and method != "ward":
        keep_for_order = condensed.astype(np.float64) if overwrite else condensed
    if method == "ward":
        if embeddings is None:
            raise ValueError("ward linkage needs embeddings")
        z = fastcluster.linkage_vector(np.asarray(embeddings, dtype=np.float64), method="ward")
    elif method == "average" and weights is not None and np.any(weights != weights[0]):
        z = weighted_average_linkage(condensed, n, weights)
    else:
        # linkage_wrap works in place on float64; calling it directly avoids the wrapper's second
        # copy (fastcluster.linkage copies its input again).
        if overwrite and condensed.dtype == np.float64 and condensed.flags.c_contiguous:
            work = condensed
        else:
            work = condensed.astype(np.float64)
        z = np.empty((n - 1, 4))
        fastcluster.linkage_wrap(n, work, z, _METHOD_INDEX[method])
        del work
    if keep_for_order is not None:
        z = hierarchy.optimal_leaf_ordering(z, np.asarray(keep_for_order, dtype=np.float64))
    order = hierarchy.leaves_list(z)
    return Tree(z, order)


def weighted_average_linkage(condensed: np.ndarray, n: int, weights: np.ndarray) -> np.ndarray:
    """Average linkage (UPGMA) where leaf ``i`` counts ``weights[i]`` times, as a scipy linkage matrix.

    Column 3 of the result counts leaves, as scipy's does. For landmark trees; see :func:`nn_chain`.
    """
    if np.any(np.asarray(weights) <= 0):
        raise ValueError("weights must be positive")
    work = hierarchy.distance.squareform(np.asarray(condensed, dtype=np.float64), checks=False).ravel()
    return _linkage_from_merges(nn_chain(work, n, "average", weights), n)


#: nn_chain moves the clusters still alive to the front of its matrix when at most half of its rows
#: are, once it has at least this many (each merge then touches half as much memory).
COMPACT_FROM = 256


@interpreter_bound
def nn_chain(work: np.ndarray, n: int, method: str, weights: np.ndarray | None = None) -> list[tuple[float, int, int]]:
    """Merges ``(height, leaf a, leaf b)`` of the average, complete or single linkage tree of ``n`` items.

    The nearest-neighbour chain algorithm on a square float64 matrix, with the Lance-Williams update
    ``d(k, a∪b) = (w_a d(k, a) + w_b d(k, b)) / (w_a + w_b)`` for average linkage, where item ``i``
    counts ``weights[i]`` times (default 1), and the maximum or minimum for complete or single
    linkage (which weights do not change). Each cluster is named by its smallest leaf; ties between
    equal distances go to the lower index, so the result is a function of the matrix alone.

    Args:
        work: A flat float64 array whose first ``n * n`` elements hold the symmetric distances (any
            diagonal); it is overwritten. About 4 row operations and one column write per merge: a
            fraction of a second for 4,000 items, as long as no other thread runs Python meanwhile
            (see :mod:`lens_cli.runtime.context`).
    """
    size = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64).copy()
    ids = np.arange(n)  # leaf name of each row of the (compacted) matrix
    made = np.zeros(n)  # height at which each row's cluster was formed
    dead = np.zeros(n)  # +inf at rows merged away: masks their stale columns
    side = n  # rows and columns of the matrix now
    d = work[: n * n].reshape(n, n)
    np.fill_diagonal(d, np.inf)
    row = np.empty(n)
    other = np.empty(n)
    merges: list[tuple[float, int, int]] = []
    chain: list[int] = []
    alive = n
    while alive > 1:
        if 2 * alive <= side and side >= COMPACT_FROM:
            keep = np.flatnonzero(dead == 0)
            # In place: row r of the smaller matrix starts at or before row keep[r] of the larger one,
            # and each row is gathered before it is written.
            flat = work[: side * side]
            for r, k in enumerate(keep):
                flat[r * alive : (r + 1) * alive] = d[k, keep]
            position = np.full(side, -1)
            position[keep] = np.arange(alive)
            chain = [int(position[c]) for c in chain]
            side = alive
            d = work[: side * side].reshape(side, side)
            ids, size, made = ids[keep], size[keep], made[keep]
            dead, row, other = np.zeros(side), np.empty(side), np.empty(side)
        if not chain:
            chain.append(int(np.argmin(dead)))  # the first row alive
        a = chain[-1]
        np.add(d[a], dead, out=row)
        b = int(row.argmin())
        # Prefer the previous chain element on ties, so that the chain ends in a reciprocal pair.
        if len(chain) > 1 and row[chain[-2]] <= row[b]:
            b = chain[-2]
        if len(chain) < 2 or b != chain[-2]:
            chain.append(b)
            continue
        del chain[-2:]
        keep_row, gone = min(a, b), max(a, b)
        # Never below the merges that made the two clusters (rounding in the update could dip a hair
        # under), so that sorting merges by height keeps every merge after its parts.
        height = max(float(row[b]), made[keep_row], made[gone])
        merges.append((height, int(ids[keep_row]), int(ids[gone])))
        new = d[keep_row]
        if method == "average":
            wa, wb = size[keep_row], size[gone]
            np.multiply(d[gone], wb, out=other)
            new *= wa
            new += other
            new /= wa + wb
            size[keep_row] = wa + wb
        elif method == "complete":
            np.maximum(new, d[gone], out=new)
        elif method == "single":
            np.minimum(new, d[gone], out=new)
        else:
            raise ValueError(f"nn_chain does not do {method} linkage")
        new[keep_row] = np.inf
        d[:, keep_row] = new
        dead[gone] = np.inf
        made[keep_row] = height
        alive -= 1
    return merges


def _linkage_from_merges(merges: list[tuple[float, int, int]], n: int) -> np.ndarray:
    """Merges ``(height, leaf a, leaf b)`` (each cluster named by one of its leaves) -> scipy linkage.

    Sorting by height is valid for reducible linkages such as average, whose heights never decrease
    along a path to the root.
    """
    order = sorted(range(len(merges)), key=lambda k: (merges[k][0], k))
    cluster_of = np.arange(n)  # current cluster id of each representative leaf
    count = {i: 1 for i in range(n)}
    z = np.empty((len(merges), 4))
    for step, k in enumerate(order):
        height, a, b = merges[k]
        ca, cb = int(cluster_of[a]), int(cluster_of[b])
        lo, hi = min(ca, cb), max(ca, cb)
        size = count.pop(ca) + count.pop(cb)
        new_id = n + step
        count[new_id] = size
        z[step] = (lo, hi, height, size)
        cluster_of[a] = new_id
    return z


def flat_labels(tree: Tree, n: int, threshold: float | None, k: int | None) -> np.ndarray:
    """Raw flat cluster ids (1..m) per leaf from a cut at ``threshold`` or into ``k`` clusters.

    Distances are float32 values: the cut is at the float32 nearest to ``threshold``, so that two texts 3
    edits apart in 10 (0.3 in float32 is 0.30000001) fall within a cut at 0.3, as they do for seeds.
    """
    if n < 2:
        return np.ones(n, dtype=np.int64)
    if k is not None:
        return hierarchy.fcluster(tree.linkage, t=k, criterion="maxclust").astype(np.int64)
    assert threshold is not None
    cut = float(np.float32(threshold))
    return hierarchy.fcluster(tree.linkage, t=cut, criterion="distance").astype(np.int64)


def _medoid_and_mean(
    condensed: np.ndarray | None,
    n: int,
    members: np.ndarray,
    pair_fn: Callable[[np.ndarray], np.ndarray] | None,
) -> tuple[int, float, bool]:
    sample = members
    estimated = False
    if len(members) > SUMMARY_SAMPLE:
        sample = members[np.linspace(0, len(members) - 1, SUMMARY_SAMPLE).astype(np.int64)]
        estimated = True
    sub = submatrix(condensed, n, sample) if condensed is not None else pair_fn(sample)  # type: ignore[misc]
    m = len(sample)
    sums = sub.sum(axis=1, dtype=np.float64)
    mean = float(sums.sum() / (m * (m - 1))) if m > 1 else 0.0
    medoid = int(sample[int(np.argmin(sums))])
    return medoid, mean, estimated


@interpreter_bound  # mostly Python (pattern mining): see lens_cli.runtime.context
def summarise(
    axis: str,
    labels_raw: np.ndarray,
    leaf_rank: np.ndarray,
    parsed: Sequence[ParsedText],
    is_seed: np.ndarray,
    condensed: np.ndarray | None,
    pair_fn: Callable[[np.ndarray], np.ndarray] | None = None,
    progress: Ticker = SILENT,
) -> tuple[np.ndarray, list[ClusterSummary], np.ndarray]:
    """Number clusters largest first, group singletons, and describe each cluster.

    Args:
        labels_raw: Any flat cluster id per text.
        leaf_rank: Position of each text in the tree's leaf order (ties broken by index).
        condensed: Distances among all texts, or ``None`` with ``pair_fn`` giving square
            distances among given indices (landmark mode).
        progress: Told about each cluster described.

    Returns:
        Labels (1..m by size, 0 for singletons), the cluster summaries, and the singletons in leaf order.
    """
    n = len(labels_raw)
    groups: dict[int, list[int]] = {}
    for idx, lab in enumerate(labels_raw.tolist()):
        groups.setdefault(lab, []).append(idx)
    multi = [np.asarray(sorted(g, key=lambda i: leaf_rank[i]), dtype=np.int64) for g in groups.values() if len(g) > 1]
    # Largest first; among equals, the one appearing first in the tree.
    multi.sort(key=lambda g: (-len(g), int(leaf_rank[g].min())))
    labels = np.zeros(n, dtype=np.int64)
    for cid, g in enumerate(multi, start=1):
        labels[g] = cid
    singles = np.asarray(sorted((i for i in range(n) if labels[i] == 0), key=lambda i: leaf_rank[i]), dtype=np.int64)

    progress.phase("clusters", len(multi))
    keywords: list[list[str]] = [[] for _ in multi]
    if axis == "semantic":
        keywords = ctfidf_keywords([[parsed[i] for i in g] for g in multi])
    elif axis == "lexical":
        keywords = [shared_words([parsed[i] for i in g]) for g in multi]
    summaries = []
    for cid, g in enumerate(multi, start=1):
        medoid, mean, estimated = _medoid_and_mean(condensed, n, g, pair_fn)
        pattern = mine_pattern([parsed[i] for i in pattern_sample(g)], axis) if axis in PATTERN_AXES else None
        summaries.append(
            ClusterSummary(
                id=cid,
                members=g,
                mean_distance=mean,
                medoid=medoid,
                seeds=[int(i) for i in g if is_seed[i]],
                pattern=pattern,
                keywords=keywords[cid - 1],
                estimated=estimated,
            )
        )
        progress(1)
    return labels, summaries, singles


def cluster_exact(
    axis: str,
    condensed: np.ndarray,
    parsed: Sequence[ParsedText],
    is_seed: np.ndarray,
    *,
    method: str,
    threshold: float | None,
    k: int | None,
    embeddings: np.ndarray | None = None,
    pair_fn: Callable[[np.ndarray], np.ndarray] | None = None,
    overwrite: bool = False,
    progress: Ticker = SILENT,
    order: np.ndarray | None = None,
    keys: Sequence[str] | None = None,
) -> Clustering:
    """Cluster all texts of one axis on their full condensed distances.

    Args:
        pair_fn: Square distances among given indices; used for the cluster summaries instead of
            ``condensed`` when given (computing them afresh is faster than gathering from a large
            condensed matrix, and needed with ``overwrite``).
        overwrite: Build the tree in ``condensed`` itself (float64; see :func:`build_tree`). Needs ``pair_fn``.
        progress: Told about the tree and the summaries.
        order: ``condensed`` holds the distances among the texts ``order[0], order[1], ...`` (see
            :func:`canonical_order`); the result names texts by their own indices all the same.
        keys: Without ``order``, the texts whose sorted order the tree is built in (default: each
            text as its tokens spell it).
    """
    if overwrite and pair_fn is None:
        raise ValueError("overwrite needs pair_fn: the condensed matrix is gone after the tree")
    if order is None and keys is None:
        keys = [text_key(p) for p in parsed]
    tree = exact_tree(
        condensed,
        len(parsed),
        method,
        embeddings=embeddings,
        overwrite=overwrite,
        progress=progress,
        order=order,
        keys=keys,
    )
    if pair_fn is None:
        pair_fn = _pairs_in(condensed, len(parsed), order)
    return clustering_from_tree(
        axis, tree, parsed, is_seed, threshold=threshold, k=k, pair_fn=pair_fn, progress=progress, method=method
    )


def _pairs_in(condensed: np.ndarray, n: int, order: np.ndarray | None) -> Callable[[np.ndarray], np.ndarray]:
    """Square distances among given texts, read from ``condensed``: the distances among the texts
    ``order[0], order[1], ...``, or in row order without ``order`` (see :func:`exact_tree`)."""
    if order is None:
        return lambda idx: submatrix(condensed, n, idx)
    inverse = np.argsort(order)
    return lambda idx: submatrix(condensed, n, inverse[idx])


def exact_tree(
    condensed: np.ndarray,
    n: int,
    method: str,
    *,
    embeddings: np.ndarray | None = None,
    overwrite: bool = False,
    progress: Ticker = SILENT,
    order: np.ndarray | None = None,
    keys: Sequence[str] | None = None,
) -> Tree:
    """The tree of ``n`` texts on their condensed distances, leaves named by the texts' own indices.

    ``condensed`` holds the distances among the texts ``order[0], order[1], ...``; without ``order``
    they are in row order and sorted here by ``keys`` (see :func:`canonical_order`). Other arguments as
    for :func:`cluster_exact`.
    """
    if order is None:
        # Callers that did not compute the distances in text order: permute a copy here (grow_tree
        # avoids this O(n²) copy by computing them in that order; see canonical_order).
        order = canonical_order(keys) if keys is not None else np.arange(n)
        if not np.array_equal(order, np.arange(n)):
            iu = np.triu_indices(n, 1)
            condensed, overwrite = submatrix(condensed, n, order)[iu].astype(np.float64), True
    progress.phase("tree")
    vectors = embeddings[order] if embeddings is not None else None
    built = build_tree(condensed, n, method, vectors, overwrite=overwrite)
    return Tree(relabel_leaves(built.linkage, order), order[built.leaf_order])


def distinct_tree(distinct: Distinct, method: str, order: np.ndarray) -> Tree:
    """The tree of all texts from the distances among their distinct items (:func:`distances.distinct_distances`
    on the texts' items in ``order``), leaves named by the texts' own indices.

    Equal items are 0 apart and equally far from everything else, so the tree of all texts merges
    them first, at height 0. Above that, average linkage between clusters of them is average linkage
    on the distinct items with each weighted by its number of texts, and single or complete linkage
    does not depend on the weights: :func:`nn_chain` builds that tree on ``m`` distinct items instead
    of ``n`` texts (0.2 s for 4,000 items; fastcluster takes 0.9 s for 10,000 texts), with no float64
    copy of all ``n²/2`` pairs. It is the same tree as on all texts, up to the order of equal-height
    merges. Overwrites ``distinct.work``.
    """
    n, first, group = len(distinct.group), distinct.first, distinct.group
    # Each repeat joins the first position of its item, at height 0, in order.
    repeats = np.flatnonzero(first[group] != np.arange(n))
    merges = [(0.0, int(first[group[p]]), int(p)) for p in repeats]
    merges += [
        (height, int(first[a]), int(first[b]))
        for height, a, b in nn_chain(distinct.work, distinct.m, method, distinct.counts.astype(np.float64))
    ]
    z = _linkage_from_merges(merges, n)
    return Tree(relabel_leaves(z, order), order[hierarchy.leaves_list(z)])


def clustering_from_tree(
    axis: str,
    tree: Tree,
    parsed: Sequence[ParsedText],
    is_seed: np.ndarray,
    *,
    threshold: float | None,
    k: int | None,
    pair_fn: Callable[[np.ndarray], np.ndarray],
    progress: Ticker = SILENT,
    method: str = "average",
) -> Clustering:
    """Flat clusters cut from an exact-mode ``tree`` of all texts, and their summaries."""
    n = len(parsed)
    raw = flat_labels(tree, n, threshold, k)
    leaf_rank = np.empty(n, dtype=np.int64)
    leaf_rank[tree.leaf_order] = np.arange(n)
    labels, clusters, singles = summarise(axis, raw, leaf_rank, parsed, is_seed, None, pair_fn, progress)
    return Clustering(
        axis=axis,
        linkage=tree.linkage,
        leaf_order=tree.leaf_order,
        labels=labels,
        clusters=clusters,
        unclustered=singles,
        threshold=None if k is not None else threshold,
        n_clusters=k,
        mode="exact",
        n_landmarks=None,
        tree_rows=np.arange(n),
        linkage_method=method,
    )


def cluster_landmarks(
    axis: str,
    landmarks: np.ndarray,
    tree: Tree,
    nearest: np.ndarray,
    parsed: Sequence[ParsedText],
    is_seed: np.ndarray,
    pair_fn: Callable[[np.ndarray], np.ndarray],
    *,
    threshold: float | None,
    k: int | None,
    progress: Ticker = SILENT,
    method: str = "average",
) -> Clustering:
    """Every text joins the flat cluster of its nearest landmark, cut from the landmarks' tree.

    Args:
        landmarks: Corpus indices of the landmarks.
        tree: The tree on the landmarks (:func:`build_tree` on their condensed distances, each
            landmark weighted by the rows it stands for); its leaves are positions in ``landmarks``.
        nearest: For each text, the index into ``landmarks`` of its nearest landmark.
        pair_fn: Square distances among arbitrary corpus indices (for summaries).
        method: The linkage the tree was built with (said in the result).
    """
    n = len(parsed)
    m = len(landmarks)
    raw_lm = flat_labels(tree, m, threshold, k)
    raw = raw_lm[nearest]
    lm_rank = np.empty(m, dtype=np.int64)
    lm_rank[tree.leaf_order] = np.arange(m)
    # Rows sort by their landmark's place in the tree, then by index.
    leaf_rank_key = lm_rank[nearest] * n + np.arange(n)
    leaf_rank = np.empty(n, dtype=np.int64)
    leaf_rank[np.argsort(leaf_rank_key, kind="stable")] = np.arange(n)
    labels, clusters, singles = summarise(axis, raw, leaf_rank, parsed, is_seed, None, pair_fn, progress)
    return Clustering(
        axis=axis,
        linkage=tree.linkage,
        leaf_order=landmarks[tree.leaf_order],
        labels=labels,
        clusters=clusters,
        unclustered=singles,
        threshold=None if k is not None else threshold,
        n_clusters=k,
        mode="landmark",
        n_landmarks=m,
        tree_rows=landmarks,
        linkage_method=method,
        nearest=nearest,
    )


# ---------------------------------------------------------------- the two stages


@dataclass(frozen=True)
class TreeSpec:
    """How one axis's tree is grown: everything it depends on besides the features.

    Attributes:
        method: The linkage (``average``, ``complete``, ``single``, ``ward``).
        exact_limit: Up to this many items, exact mode (a tree on all items); above it landmark mode.
        landmarks: Landmarks at most in landmark mode.
        random_seed: Picks the landmarks.
    """

    method: str
    exact_limit: int = 20_000
    landmarks: int = 3_000
    random_seed: int = 0

    def exact(self, n: int) -> bool:
        return n <= self.exact_limit


@dataclass(frozen=True)
class Cut:
    """Where a tree is cut into flat clusters: at a distance ``threshold``, or into ``clusters`` clusters."""

    threshold: float | None
    clusters: int | None = None


def grow_tree(features: AxisFeatures, spec: TreeSpec, engine: Engine = LOCAL, tick: Ticker = SILENT) -> AxisTree:
    """The tree of one axis; in exact mode also its distance summary (homogenization, near-duplicates),
    read from the same distances (in landmark mode see :func:`lens_cli.stats.sampled_summary`).

    ``engine`` finds every distinct item's nearest landmark in landmark mode (locally, or on Dask
    workers with the same result).
    """
    if spec.exact(features.n):
        return _exact_tree(features, spec.method, tick)
    return _landmark_tree(features, spec, engine, tick)


def _exact_tree(features: AxisFeatures, method: str, tick: Ticker) -> AxisTree:
    axis, n = features.axis, features.n
    # Distances among the texts in sorted order, so that ties in the tree and among the listed
    # near-duplicates are broken by text, not by row position.
    order = canonical_order(features.texts)
    tick.phase("distances", n)
    # Generated data repeats itself: with few enough distinct items, the tree and the summary come
    # from the distances among those (small trees keep the full matrix for the optimal leaf order;
    # ward works on the embeddings).
    distinct = (
        dist.distinct_distances(axis, features.take(order), progress=tick)
        if n > OPTIMAL_ORDER_LIMIT and method != "ward"
        else None
    )
    if distinct is not None:
        summary = distinct_distance_summary(distinct)
        tick.phase("tree")
        tree = distinct_tree(distinct, method, order)
        scratch().give(distinct.work)
    else:
        work = scratch().take(dist.condensed_size(n))
        if isinstance(features.items, np.ndarray):
            condensed = dist.embedding_condensed(features.items[order], progress=tick, out=work)
        else:
            condensed = dist.string_condensed(features.take(order), axis, progress=tick, out=work)
        summary = distance_summary(condensed, n)
        vectors = features.items if isinstance(features.items, np.ndarray) else None
        tree = exact_tree(condensed, n, method, embeddings=vectors, overwrite=True, progress=tick, order=order)
        del condensed
        scratch().give(work)
    examples = [
        (int(min(order[i], order[j])), int(max(order[i], order[j])), d) for i, j, d in summary.near_duplicate_examples
    ]
    return AxisTree(axis, method, tree, None, None, replace(summary, near_duplicate_examples=examples))


def pick_landmarks(distinct_rows: np.ndarray, n_landmarks: int, seed: int) -> np.ndarray:
    """All distinct items when there are few enough, else a fixed-seed sample of them (sorted rows)."""
    if len(distinct_rows) <= n_landmarks:
        return distinct_rows
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(distinct_rows, size=n_landmarks, replace=False))


def _landmark_tree(features: AxisFeatures, spec: TreeSpec, engine: Engine, tick: Ticker) -> AxisTree:
    axis, texts = features.axis, features.texts
    keys = features.strings if features.strings is not None else [fold(t) for t in texts]
    first, group = dist.distinct_index(keys)
    distinct_rows = np.asarray(first, dtype=np.int64)
    landmarks = pick_landmarks(distinct_rows, spec.landmarks, spec.random_seed)
    # The landmark tree is built on the landmarks in text order (see canonical_order).
    landmarks = landmarks[canonical_order([texts[i] for i in landmarks])]
    tick.phase("nearest landmark", len(distinct_rows))
    near_distinct, _ = engine.nearest(axis, features.take(distinct_rows), features.take(landmarks), advance=tick)
    # A landmark stands for itself even when another is as close (equal vectors): no landmark is left
    # without rows, and its weight below is at least 1.
    near_distinct[np.searchsorted(distinct_rows, landmarks)] = np.arange(len(landmarks))
    nearest = near_distinct[group]
    weights = np.bincount(nearest, minlength=len(landmarks))
    tick.phase("tree")
    if isinstance(features.items, np.ndarray):
        vectors = features.items[landmarks]
        lm_condensed = dist.embedding_condensed(vectors)
    else:
        vectors = None
        lm_condensed = dist.string_condensed(features.take(landmarks), axis)
    tree = build_tree(lm_condensed, len(landmarks), spec.method, vectors, weights=weights)
    return AxisTree(axis, spec.method, tree, landmarks, nearest, None)


class _Items(Sequence[ParsedText]):
    """The items of an axis as ParsedTexts, made when asked for (a sentence is sliced from its text)."""

    def __init__(self, features: AxisFeatures) -> None:
        self.features = features

    def __len__(self) -> int:
        return self.features.n

    @overload
    def __getitem__(self, i: int) -> ParsedText: ...

    @overload
    def __getitem__(self, i: slice) -> Sequence[ParsedText]: ...

    def __getitem__(self, i: int | slice) -> ParsedText | Sequence[ParsedText]:
        if isinstance(i, slice):
            return [self.features.item_parsed(k) for k in range(*i.indices(len(self)))]
        return self.features.item_parsed(int(i))


def cut_tree(tree: AxisTree, features: AxisFeatures, cut: Cut, tick: Ticker = SILENT) -> Clustering:
    """The flat clusters of ``tree`` at ``cut``, largest first, each with its medoid, mean distance and
    pattern (syntax, dependency, template) or keywords (lexical, semantic).

    In sentence unit a cluster's members are sentences; it also says which texts hold them and how many are
    their text's first or last sentence, and the clustering lists the clusters that open and close the most
    texts.
    """
    items = _Items(features) if features.sentences is not None else features.parsed.parsed
    if tree.landmarks is None:
        clustering = clustering_from_tree(
            tree.axis,
            tree.tree,
            items,
            features.is_seed,
            threshold=cut.threshold,
            k=cut.clusters,
            pair_fn=features.pairs,
            progress=tick,
            method=tree.method,
        )
    else:
        assert tree.nearest is not None
        clustering = cluster_landmarks(
            tree.axis,
            tree.landmarks,
            tree.tree,
            tree.nearest,
            items,
            features.is_seed,
            features.pairs,
            threshold=cut.threshold,
            k=cut.clusters,
            progress=tick,
            method=tree.method,
        )
    return clustering if features.sentences is None else _by_sentence(clustering, features)


#: Clusters listed as openings and as closings, at most.
MAX_OPENINGS = 20


def _by_sentence(clustering: Clustering, features: AxisFeatures) -> Clustering:
    """A sentence-unit clustering with what it says about texts: which texts each cluster reaches, where
    its sentences sit in them, and which clusters open and close the most texts."""
    sents = features.sentences
    assert sents is not None
    owner = sents.owner
    clusters = [
        replace(
            c,
            texts=np.unique(owner[c.members]),
            first_share=float(sents.first[c.members].mean()),
            last_share=float(sents.last[c.members].mean()),
        )
        for c in clustering.clusters
    ]
    n_texts = features.parsed.corpus.n
    clustered = np.zeros(n_texts, dtype=bool)
    clustered[owner[clustering.labels > 0]] = True

    def ranking(at: np.ndarray) -> list[tuple[int, int]]:
        """Clusters by the texts whose sentence at ``at`` (first or last) they hold."""
        labels = clustering.labels[at]
        counts = np.bincount(labels[labels > 0], minlength=len(clusters) + 1)
        ranked = sorted((int(-counts[c]), c) for c in range(1, len(clusters) + 1) if counts[c])
        return [(c, -k) for k, c in ranked[:MAX_OPENINGS]]

    return replace(
        clustering,
        clusters=clusters,
        unit="sentence",
        owner=owner,
        unclustered_texts=np.flatnonzero(~clustered),
        openings=ranking(np.flatnonzero(sents.first)),
        closings=ranking(np.flatnonzero(sents.last)),
        texts_total=n_texts,
        item_texts=features.texts,
        spans=np.stack([sents.start, sents.end], axis=1),
    )
