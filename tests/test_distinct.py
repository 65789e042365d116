"""The distinct-items path of exact mode must give what the all-texts path gives.

Generated data repeats itself, so above the optimal-leaf-order limit an axis computes the distances
among its distinct items only, builds the tree there (:func:`cluster.nn_chain`, weighted by counts)
and summarises distances from there. Each piece is checked here against the plain computation on
every text; the last test checks a whole analysis both ways.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
from scipy.cluster import hierarchy
from scipy.spatial.distance import pdist

from lens_cli import cluster
from lens_cli import distances as dist
from lens_cli import stats as stats_mod
from lens_cli.embedders import l2_normalise
from lens_cli.export import dumps, to_dict
from lens_cli.report import dendrogram_figures, render_analysis
from lens_cli.runtime import context
from lens_cli.runtime.executor import Plan

from .test_scale import grouped_texts, partition, run_on

METHODS = ("average", "complete", "single")
CUTS = (0.1, 0.3, 0.5, 0.8)


def same_partitions(a: np.ndarray, b: np.ndarray, n: int) -> bool:
    """Whether two linkages over ``n`` leaves give the same flat clusters at every cut in CUTS."""
    for cut in CUTS:
        fa = hierarchy.fcluster(a, cut, "distance")
        fb = hierarchy.fcluster(b, cut, "distance")
        if len(set(zip(fa, fb))) != len(set(fa)) or len(set(fa)) != len(set(fb)):
            return False
    return True


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("compact_from", [cluster.COMPACT_FROM, 8])
def test_nn_chain_builds_the_tree_fastcluster_builds(monkeypatch, method, compact_from):
    monkeypatch.setattr(cluster, "COMPACT_FROM", compact_from)  # 8: the matrix is compacted many times
    rng = np.random.default_rng(11)
    n = 300
    d = pdist(rng.random((n, 3)))
    d /= d.max()
    import fastcluster

    ref = fastcluster.linkage(d, method=method)
    work = hierarchy.distance.squareform(d).ravel().copy()
    ours = cluster._linkage_from_merges(cluster.nn_chain(work, n, method), n)
    hierarchy.is_valid_linkage(ours, throw=True)
    assert np.allclose(np.sort(ours[:, 2]), np.sort(ref[:, 2]))
    assert np.array_equal(np.sort(ours[:, 3]), np.sort(ref[:, 3]))
    assert same_partitions(ours, ref, n)


def test_nn_chain_refuses_other_linkages():
    with pytest.raises(ValueError, match="ward"):
        cluster.nn_chain(np.zeros(9), 3, "ward")


def repeated_vectors(n: int, m: int, seed: int = 12) -> tuple[np.ndarray, np.ndarray]:
    """``n`` rows drawn from ``m`` distinct unit vectors (every one used), and each row's vector."""
    rng = np.random.default_rng(seed)
    vectors = l2_normalise(rng.standard_normal((m, 6)).astype(np.float32))
    which = np.concatenate([np.arange(m), rng.integers(0, m, size=n - m)])
    rng.shuffle(which)
    return vectors[which], which


@pytest.mark.parametrize("method", METHODS)
def test_the_tree_of_distinct_items_is_the_tree_of_all_texts(method):
    """Repeats merge at height 0; above that, the weighted tree of the distinct items cuts the same."""
    emb, which = repeated_vectors(400, 90)
    n = len(emb)
    order = np.random.default_rng(1).permutation(n)  # distances computed in some text order
    full = dist.embedding_condensed(emb[order], np.float64)
    ref = cluster.exact_tree(full.copy(), n, method, order=order, overwrite=True)
    distinct = dist.distinct_distances("semantic", emb[order])
    assert distinct is not None and distinct.m == 90
    ours = cluster.distinct_tree(distinct, method, order)
    hierarchy.is_valid_linkage(ours.linkage, throw=True)
    assert sorted(ours.leaf_order.tolist()) == list(range(n))
    assert np.allclose(np.sort(ours.linkage[:, 2]), np.sort(ref.linkage[:, 2]), atol=1e-6)
    assert same_partitions(ours.linkage, ref.linkage, n)
    # Equal rows are merged first, at height 0.
    zero = ours.linkage[ours.linkage[:, 2] == 0]
    assert len(zero) == n - 90
    for a, b in zero[:, :2].astype(int):
        if a < n and b < n:
            assert which[a] == which[b]


def test_distinct_distances_hold_the_square_of_the_distinct_items(monkeypatch):
    monkeypatch.setattr(dist, "MIRROR_TILE", 7)  # many tiles, a ragged last one
    monkeypatch.setattr(dist, "BLOCK_ELEMENTS", 100)  # many row blocks
    rng = np.random.default_rng(13)
    pool = ["".join(rng.choice(list("abcdefg"), size=rng.integers(0, 8))) for _ in range(40)]
    strings = [pool[k] for k in rng.integers(0, len(pool), size=150)]
    seen: list[int] = []
    distinct = dist.distinct_distances("syntax", strings, seen.append)
    assert distinct is not None
    assert sum(seen) == 150
    items = [strings[i] for i in distinct.first]
    assert len(set(items)) == distinct.m == len(set(strings))
    assert [items[g] for g in distinct.group] == strings
    expected = dist.string_cross(items, list(items), "syntax").astype(np.float64)
    np.fill_diagonal(expected, 0.0)
    assert np.array_equal(distinct.square, expected)
    assert np.array_equal(distinct.counts, np.bincount(distinct.group))
    context.scratch().give(distinct.work)


def test_mostly_distinct_items_take_the_all_texts_path():
    strings = [chr(65 + i) * (i + 1) for i in range(20)]
    assert dist.distinct_distances("syntax", strings + strings[:2]) is None  # 20 of 22 distinct


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_distance_summary_from_distinct_items_equals_the_one_from_all_pairs(monkeypatch, seed):
    monkeypatch.setattr(stats_mod, "SUMMARY_CHUNK", 50)  # many row blocks
    rng = np.random.default_rng(seed)
    m, n = 30, 120
    # Distances with many near-duplicates (<= 0.05) and ties, as float32 values.
    sq = rng.choice([0.01, 0.03, 0.05, 0.051, 0.2, 0.6], size=(m, m)).astype(np.float32)
    sq = np.triu(sq, 1)
    sq = (sq + sq.T).astype(np.float64)
    group = np.concatenate([np.arange(m), rng.integers(0, m, size=n - m)])
    rng.shuffle(group)
    first = np.array([int(np.flatnonzero(group == g)[0]) for g in range(m)])
    # Items numbered in the order of their first position, as distinct_index numbers them.
    rank = np.argsort(first)
    renumber = np.empty(m, dtype=np.int64)
    renumber[rank] = np.arange(m)
    sq, group, first = sq[np.ix_(rank, rank)], renumber[group], first[rank]
    distinct = dist.Distinct(sq.ravel().copy(), first, group)
    iu = np.triu_indices(n, 1)
    full = sq[group[iu[0]], group[iu[1]]]
    expected = stats_mod.distance_summary(full.copy(), n)
    got = stats_mod.distinct_distance_summary(distinct)
    assert got.near_duplicate_pairs == expected.near_duplicate_pairs
    assert got.near_duplicate_examples == expected.near_duplicate_examples
    assert got.homogenization == pytest.approx(expected.homogenization, rel=1e-12)


def test_scratch_pool_reserves_room_for_a_larger_request():
    pool = context.ScratchPool()
    a = pool.take(10, reserve=100)
    assert a.size == 10
    pool.give(a)
    b = pool.take(80)
    assert b.size == 80 and np.shares_memory(a, b)


def waits_for_the_interpreter_lock(ctx: context.RunContext, fn) -> bool:
    """Whether ``fn()``, in a thread of the run ``ctx``, waits while this thread holds the run's lock."""

    def in_the_run() -> None:
        with context.using(ctx):  # context variables do not flow into new threads
            fn()

    with ctx.lock:
        worker = threading.Thread(target=in_the_run)
        worker.start()
        worker.join(timeout=0.5)  # done in milliseconds unless it waits for the lock
        waited = worker.is_alive()
    worker.join()
    return waited


def test_trees_and_pattern_search_hold_the_interpreter_lock():
    """The loops that convoy on the GIL run one at a time (see lens_cli.runtime.context)."""
    ctx = context.RunContext(threads=1, lock=threading.RLock())
    d = pdist(np.random.default_rng(2).random((20, 2)))
    held = [
        (
            "nn_chain",
            waits_for_the_interpreter_lock(ctx, lambda: cluster.weighted_average_linkage(d, 20, np.ones(20))),
        ),
        (
            "summarise",
            waits_for_the_interpreter_lock(
                ctx,
                lambda: cluster.summarise("syntax", np.arange(4), np.arange(4), [None] * 4, np.zeros(4, bool), None),
            ),
        ),
    ]
    assert held == [("nn_chain", True), ("summarise", True)]
    assert not ctx.lock._is_owned()


def test_an_analysis_on_distinct_items_equals_one_on_all_texts(tmp_path, monkeypatch):
    """Above the optimal-order limit: the distinct-items path against the all-texts path."""
    texts = grouped_texts(300, seed=4)
    monkeypatch.setattr(cluster, "OPTIMAL_ORDER_LIMIT", 50)
    calls: list[str] = []
    real = cluster.distinct_tree

    def spy(distinct, method, order):
        calls.append(method)
        return real(distinct, method, order)

    monkeypatch.setattr(cluster, "distinct_tree", spy)  # grow_tree calls it by name within cluster.py
    via_distinct = run_on(tmp_path, texts)
    assert len(calls) == 5  # every axis repeats itself enough here
    # The same analysis twice gives the same bytes.
    assert dumps(to_dict(via_distinct)) == dumps(to_dict(run_on(tmp_path, texts)))
    calls.clear()
    monkeypatch.setattr(dist, "DISTINCT_SHARE", 0.0)  # every axis on all texts
    on_all = run_on(tmp_path, texts)
    assert calls == []
    for axis in on_all.clusterings:
        assert partition(via_distinct.clusterings[axis]) == partition(on_all.clusterings[axis]), axis
    a, b = to_dict(via_distinct), to_dict(on_all)
    for axis in a["axes"]:
        for key in ("homogenization", "near_duplicate_pairs", "vendi_score", "seed_copy_rate"):
            assert a["axes"][axis].get(key) == pytest.approx(b["axes"][axis].get(key)), (axis, key)
    assert a["stats"] == b["stats"]


def test_rendering_the_same_analysis_twice_gives_the_same_bytes(tmp_path):
    """Charts are drawn once, when rendering (no early-drawn charts any more): the page is a function of
    the analysis."""
    analysis = run_on(tmp_path, grouped_texts(120, seed=5))
    charts = dendrogram_figures(analysis.clusterings, analysis.parsed.corpus.texts)
    assert set(charts) == set(analysis.clusterings)
    assert render_analysis(analysis) == render_analysis(analysis)


def test_the_executor_runs_ready_steps_at_most_cores_at_a_time_after_their_inputs():
    """The executor's schedule replaced the hand-made lanes of axes: independent steps (the axes) run side
    by side, one per core, each as soon as its inputs are ready."""
    lock = threading.Lock()
    running, most, order = [0], [0], []

    def step(name, *inputs, pause=0.05):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
            order.append(name)
        threading.Event().wait(pause)
        with lock:
            running[0] -= 1
        return (name, *inputs)

    plan = Plan(cores=2)
    first = {axis: plan(f"{axis} tree", step, axis) for axis in ("syntax", "dependency", "lexical", "semantic")}
    then = {axis: plan(f"{axis} clusters", step, f"{axis} cut", first[axis]) for axis in first}
    done = plan.compute(then)
    assert done["lexical"] == ("lexical cut", ("lexical",))
    assert most[0] == 2
    for axis in first:
        assert order.index(axis) < order.index(f"{axis} cut")
