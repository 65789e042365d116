"""Agglomerative clustering per axis, on the true distances, and cluster summaries.

Exact mode builds the tree on all rows with fastcluster (4 bytes per pair of our float32 plus the
8-byte copy fastcluster works on). Landmark mode, above ``exact_limit`` rows, builds the tree on a
fixed-seed sample of distinct items and gives every row the cluster of its nearest landmark.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import fastcluster
import numpy as np
from scipy.cluster import hierarchy

from .distances import condensed_index, submatrix
from .model import Clustering, ClusterSummary, ParsedText
from .patterns import ctfidf_keywords, mine_pattern, shared_words

LINKAGES = ("average", "complete", "single", "ward")
_METHOD_INDEX = {"single": 0, "complete": 1, "average": 2}
#: Default flat-cluster cut heights, tuned on LinguisticLens's music dataset (see README).
DEFAULT_THRESHOLDS = {"syntax": 0.25, "dependency": 0.25, "lexical": 0.5, "semantic": 0.2}
#: Optimal leaf ordering is O(n^2) memory and time: only below this many leaves.
OPTIMAL_ORDER_LIMIT = 2000
#: Members used for a cluster's mean distance and medoid (evenly spaced when larger).
SUMMARY_SAMPLE = 2000


@dataclass(frozen=True)
class Tree:
    """A linkage tree over ``n`` leaves and the leaves' order."""

    linkage: np.ndarray
    leaf_order: np.ndarray


def text_key(parsed: ParsedText) -> str:
    """The text as its tokens spell it: equal for equal texts, whatever their rows."""
    return "".join(t.text + (" " if t.space_after else "") for t in parsed.tokens)


def canonical_order(keys: Sequence[str]) -> np.ndarray:
    """Indices sorted by key (ties, which are equal texts, by index).

    Agglomerative clustering breaks ties between equal merge distances by index, so the tree, and with
    average or complete linkage even the flat clusters, depended on the order of the input rows
    (a-b 0.2, b-c 0.2, a-c 0.4: {a, b} or {b, c} by which row came first). Building every tree on the
    items in this order makes the clusters a function of the texts alone.
    """
    return np.asarray(sorted(range(len(keys)), key=lambda i: (keys[i], i)), dtype=np.int64)


def _permuted_work_copy(condensed: np.ndarray, n: int, order: np.ndarray) -> np.ndarray:
    """The float64 condensed matrix of the items in ``order``: the copy fastcluster needs anyway, made
    one row at a time so that no index array of the full size is held."""
    if np.array_equal(order, np.arange(n)):
        return condensed.astype(np.float64)
    out = np.empty(condensed.size, dtype=np.float64)
    pos = 0
    for a in range(n - 1):
        i = order[a]
        j = order[a + 1 :]
        lo = np.minimum(i, j)
        hi = np.maximum(i, j)
        out[pos : pos + j.size] = condensed[condensed_index(n, lo, hi)]
        pos += j.size
    return out


def build_tree(
    condensed: np.ndarray,
    n: int,
    method: str,
    embeddings: np.ndarray | None = None,
    order: np.ndarray | None = None,
) -> Tree:
    """An agglomerative tree on the condensed distances (or, for ward, on the embeddings).

    Args:
        condensed: float32 condensed distances; not modified.
        n: Number of leaves.
        method: ``average``, ``complete``, ``single``, or ``ward`` (needs ``embeddings``).
        embeddings: Row vectors for ward.
        order: Build the tree on the leaves in this order (see :func:`canonical_order`); the returned
            linkage and leaf order still name leaves by their index in ``condensed``.
    """
    if n < 2:
        return Tree(np.zeros((0, 4)), np.arange(n))
    order = np.arange(n) if order is None else np.asarray(order, dtype=np.int64)
    if method == "ward":
        if embeddings is None:
            raise ValueError("ward linkage needs embeddings")
        z = fastcluster.linkage_vector(np.asarray(embeddings, dtype=np.float64)[order], method="ward")
    else:
        # linkage_wrap works in place on a float64 copy; calling it directly avoids the wrapper's
        # second copy (fastcluster.linkage copies its input again).
        work = _permuted_work_copy(condensed, n, order)
        z = np.empty((n - 1, 4))
        fastcluster.linkage_wrap(n, work, z, _METHOD_INDEX[method])
        del work
    if n <= OPTIMAL_ORDER_LIMIT and method != "ward":
        z = hierarchy.optimal_leaf_ordering(z, _permuted_work_copy(condensed, n, order))
    # Leaves back to their own indices; merged clusters (ids >= n) keep theirs.
    for col in (0, 1):
        leaf = z[:, col] < n
        z[leaf, col] = order[z[leaf, col].astype(np.int64)]
    return Tree(z, hierarchy.leaves_list(z))


def flat_labels(tree: Tree, n: int, threshold: float | None, k: int | None) -> np.ndarray:
    """Raw flat cluster ids (1..m) per leaf from a cut at ``threshold`` or into ``k`` clusters."""
    if n < 2:
        return np.ones(n, dtype=np.int64)
    if k is not None:
        return hierarchy.fcluster(tree.linkage, t=k, criterion="maxclust").astype(np.int64)
    assert threshold is not None
    return hierarchy.fcluster(tree.linkage, t=threshold, criterion="distance").astype(np.int64)


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


def summarise(
    axis: str,
    labels_raw: np.ndarray,
    leaf_rank: np.ndarray,
    parsed: Sequence[ParsedText],
    is_seed: np.ndarray,
    condensed: np.ndarray | None,
    pair_fn: Callable[[np.ndarray], np.ndarray] | None = None,
) -> tuple[np.ndarray, list[ClusterSummary], np.ndarray]:
    """Number clusters largest first, group singletons, and describe each cluster.

    Args:
        labels_raw: Any flat cluster id per text.
        leaf_rank: Position of each text in the tree's leaf order (ties broken by index).
        condensed: Distances among all texts, or ``None`` with ``pair_fn`` giving square
            distances among given indices (landmark mode).

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

    members_parsed = [[parsed[i] for i in g] for g in multi]
    keywords: list[list[str]]
    if axis == "semantic":
        keywords = ctfidf_keywords(members_parsed)
    elif axis == "lexical":
        keywords = [shared_words(mp) for mp in members_parsed]
    else:
        keywords = [[] for _ in multi]
    summaries = []
    for cid, (g, mp) in enumerate(zip(multi, members_parsed), start=1):
        medoid, mean, estimated = _medoid_and_mean(condensed, n, g, pair_fn)
        pattern = mine_pattern(mp, axis) if axis in ("syntax", "dependency") else None
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
    keys: Sequence[str] | None = None,
) -> Clustering:
    """Cluster all texts of one axis on their full condensed distances.

    ``keys`` (default: each text as its tokens spell it) fix the order the tree is built in, so that
    the clusters do not depend on the order of the rows.
    """
    n = len(parsed)
    keys = keys if keys is not None else [text_key(p) for p in parsed]
    tree = build_tree(condensed, n, method, embeddings, order=canonical_order(keys))
    raw = flat_labels(tree, n, threshold, k)
    leaf_rank = np.empty(n, dtype=np.int64)
    leaf_rank[tree.leaf_order] = np.arange(n)
    labels, clusters, singles = summarise(axis, raw, leaf_rank, parsed, is_seed, condensed)
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
    landmark_condensed: np.ndarray,
    nearest: np.ndarray,
    parsed: Sequence[ParsedText],
    is_seed: np.ndarray,
    pair_fn: Callable[[np.ndarray], np.ndarray],
    *,
    method: str,
    threshold: float | None,
    k: int | None,
    landmark_embeddings: np.ndarray | None = None,
    keys: Sequence[str] | None = None,
) -> Clustering:
    """Cluster landmarks exactly; every text joins the cluster of its nearest landmark.

    Args:
        landmarks: Corpus indices of the landmarks.
        landmark_condensed: Condensed distances among landmarks.
        nearest: For each text, the index into ``landmarks`` of its nearest landmark.
        pair_fn: Square distances among arbitrary corpus indices (for summaries).
        keys: As for :func:`cluster_exact`; which rows are landmarks still depends on the row order.
    """
    n = len(parsed)
    m = len(landmarks)
    lm_keys = [keys[i] for i in landmarks] if keys is not None else [text_key(parsed[i]) for i in landmarks]
    tree = build_tree(landmark_condensed, m, method, landmark_embeddings, order=canonical_order(lm_keys))
    raw_lm = flat_labels(tree, m, threshold, k)
    raw = raw_lm[nearest]
    lm_rank = np.empty(m, dtype=np.int64)
    lm_rank[tree.leaf_order] = np.arange(m)
    # Rows sort by their landmark's place in the tree, then by index.
    leaf_rank_key = lm_rank[nearest] * n + np.arange(n)
    leaf_rank = np.empty(n, dtype=np.int64)
    leaf_rank[np.argsort(leaf_rank_key, kind="stable")] = np.arange(n)
    labels, clusters, singles = summarise(axis, raw, leaf_rank, parsed, is_seed, None, pair_fn)
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
    )
