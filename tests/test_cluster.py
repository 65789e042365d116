from __future__ import annotations

import numpy as np
import pytest
from scipy.cluster import hierarchy
from scipy.spatial.distance import pdist

from lens_cli.cluster import build_tree, cluster_exact, cluster_landmarks, summarise
from lens_cli.distances import submatrix

from .fakes import FakeParser


def points():
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0], [0.5, 0.0], [0.0, 0.5]])
    sizes = [12, 7, 3]
    x = np.vstack([c + rng.normal(scale=0.01, size=(s, 2)) for c, s in zip(centres, sizes)])
    x = np.vstack([x, [[0.9, 0.9]]])  # a singleton
    return x, sizes


@pytest.mark.parametrize("method", ["average", "complete", "single"])
def test_tree_heights_equal_scipy(method):
    x, _ = points()
    d = pdist(x).astype(np.float32)
    tree = build_tree(d, len(x), method)
    ref = hierarchy.linkage(d.astype(np.float64), method=method)
    assert np.allclose(np.sort(tree.linkage[:, 2]), np.sort(ref[:, 2]), atol=1e-6)
    assert sorted(tree.leaf_order.tolist()) == list(range(len(x)))


def test_build_tree_leaves_the_distances_alone():
    x, _ = points()
    d = pdist(x).astype(np.float32)
    before = d.copy()
    build_tree(d, len(x), "average")
    assert np.array_equal(d, before)


def test_clusters_sorted_by_size_and_singletons_grouped():
    x, sizes = points()
    n = len(x)
    d = pdist(x).astype(np.float32)
    parsed = FakeParser().parse(["text"] * n)
    is_seed = np.zeros(n, dtype=bool)
    is_seed[13] = True
    c = cluster_exact("lexical", d, parsed, is_seed, method="average", threshold=0.2, k=None)
    assert [cl.size for cl in c.clusters] == sizes
    assert [cl.id for cl in c.clusters] == [1, 2, 3]
    assert c.unclustered.tolist() == [n - 1]
    assert c.labels[n - 1] == 0
    assert c.clusters[1].seeds == [13]
    # every text in exactly one cluster or unclustered
    members = np.concatenate([cl.members for cl in c.clusters] + [c.unclustered])
    assert sorted(members.tolist()) == list(range(n))
    # the medoid minimises the total distance within its cluster
    first = c.clusters[0]
    sub = submatrix(d, n, first.members)
    assert first.medoid == first.members[np.argmin(sub.sum(axis=1))]
    assert first.mean_distance == pytest.approx(sub.sum() / (len(sub) * (len(sub) - 1)), rel=1e-5)


def test_k_clusters():
    x, _ = points()
    d = pdist(x).astype(np.float32)
    parsed = FakeParser().parse(["t"] * len(x))
    c = cluster_exact("syntax", d, parsed, np.zeros(len(x), bool), method="average", threshold=None, k=2)
    assert c.threshold is None and c.n_clusters == 2
    assert len(c.clusters) + (1 if len(c.unclustered) else 0) <= 2


def test_ward_runs_on_embeddings():
    x, sizes = points()
    parsed = FakeParser().parse(["t"] * len(x))
    c = cluster_exact(
        "semantic",
        pdist(x).astype(np.float32),
        parsed,
        np.zeros(len(x), bool),
        method="ward",
        threshold=0.2,
        k=None,
        embeddings=x.astype(np.float32),
    )
    assert [cl.size for cl in c.clusters] == sizes


def test_landmark_mode_assigns_every_row_to_its_landmarks_cluster():
    x, sizes = points()
    n = len(x)
    landmarks = np.array([0, 1, 12, 13, 19, 20, n - 1])
    lm_d = pdist(x[landmarks]).astype(np.float32)
    full = pdist(x)
    sq = np.asarray(hierarchy.distance.squareform(full), dtype=np.float32)
    nearest = np.argmin(sq[:, landmarks], axis=1)
    parsed = FakeParser().parse(["t"] * n)
    c = cluster_landmarks(
        "syntax",
        landmarks,
        build_tree(lm_d, len(landmarks), "average"),
        nearest,
        parsed,
        np.zeros(n, bool),
        lambda idx: sq[np.ix_(idx, idx)],
        method="average",
        threshold=0.2,
        k=None,
    )
    assert c.mode == "landmark" and c.n_landmarks == len(landmarks)
    assert [cl.size for cl in c.clusters] == sizes
    assert c.unclustered.tolist() == [n - 1]


def test_summarise_orders_ties_by_tree_position():
    labels = np.array([5, 5, 9, 9, 7])
    leaf_rank = np.array([4, 3, 0, 1, 2])
    parsed = FakeParser().parse(["a b"] * 5)
    d = np.zeros(10, dtype=np.float32)
    _lab, clusters, singles = summarise("syntax", labels, leaf_rank, parsed, np.zeros(5, bool), d)
    assert [c.members.tolist() for c in clusters] == [[2, 3], [1, 0]]
    assert singles.tolist() == [4]
