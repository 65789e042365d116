"""The one place that chains the stages: read -> parse -> featurize -> cluster -> stats."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import distances as dist
from .background import EmbedJob, runs_in_background
from .cache import Cache, Namespace, embedder_namespace, parser_namespace, per_text, result_key
from .cluster import (
    OPTIMAL_ORDER_LIMIT,
    Tree,
    build_tree,
    canonical_order,
    cluster_landmarks,
    clustering_from_tree,
    distinct_tree,
    exact_tree,
)
from .config import Options
from .embedders import Embedder, make_embedder
from .engines import Engine
from .export import json_ready
from .io import Table, build_corpus, read_table
from .model import AXES, Analysis, Clustering, Corpus, ParsedCorpus, ParsedText, Stats
from .parsers import Parser, make_parser
from .progress import Progress, phase
from .stats import (
    axis_stats,
    axis_vendi,
    dataset_stats,
    distance_summary,
    distinct_distance_summary,
    fold,
    seed_order,
    seed_summary,
)
from .threads import interpreter_bound

PairFn = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class ReadRequest:
    """What ``lens analyze`` was asked to read."""

    path: str
    format: str | None = None
    encoding: str | None = None
    text_column: str | None = None
    seed_column: str | None = None
    seed_value: str | None = None
    seeds_path: str | None = None
    sample: int | None = None


def read(request: ReadRequest, random_seed: int = 0) -> Corpus:
    """Read the input (and the seeds file) into a Corpus."""
    # Formats that can (Parquet) read only the columns the analysis uses.
    columns = [c for c in (request.text_column, request.seed_column) if c] if request.text_column else None
    table = read_table(request.path, request.format, request.encoding, columns)
    seed_table: Table | None = None
    if request.seeds_path:
        seed_table = read_table(request.seeds_path, None, request.encoding)
    return build_corpus(
        table,
        request.text_column,
        seed_column=request.seed_column,
        seed_value=request.seed_value,
        seed_table=seed_table,
        sample=request.sample,
        random_seed=random_seed,
    )


def _unique(texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Distinct texts in first-seen order, and for each text the index of its distinct text."""
    index: dict[str, int] = {}
    group = [index.setdefault(t, len(index)) for t in texts]
    return list(index), np.asarray(group, dtype=np.int64)


def parse(corpus: Corpus, parser: Parser, progress: Progress, cache: Cache | None = None) -> ParsedCorpus:
    """Tag and parse every text (and every separate seed).

    Each distinct text is parsed once (identical texts share one :class:`ParsedText`); with a
    ``cache``, texts parsed before by the same parser and model are not parsed again, and when all
    are cached the model is not even loaded.
    """
    everything = list(corpus.texts) + list(corpus.seed_texts)
    distinct, group = _unique(everything)
    ns = parser_namespace(parser) if cache is not None else None
    found: dict[str, ParsedText] = cache.load(ns, distinct) if cache is not None and ns is not None else {}
    missing = [t for t in distinct if t not in found]
    progress.stage("parse", len(missing))
    info = ns.info if ns is not None and not missing else parser.info()
    if missing:
        fresh = parser.parse(missing, progress.advance)
        if ns is not None and info != ns.info:
            # The model that loaded is not the one the cache was looked up for: trust nothing cached.
            progress.note(f"note: parser is {info}, not {ns.info} as expected; not using the cache")
            missing, found, ns = distinct, {}, None
            fresh = parser.parse(missing)
        new = dict(zip(missing, fresh))
        if cache is not None and ns is not None:
            cache.store(ns, new)
        found.update(new)
    parsed_all = [found[t] for t in distinct]
    rows = [parsed_all[g] for g in group]
    _cache_notes(cache, progress)
    cached = len(distinct) - len(missing)
    progress.done(
        f"{corpus.n:,} texts ({len(distinct):,} distinct, {cached:,} from the cache) "
        f"with {info.backend} {info.model} {info.version}"
    )
    return ParsedCorpus(corpus=corpus, parsed=rows[: corpus.n], parser=info, seed_parsed=rows[corpus.n :])


#: A second embedding worker needs ~5 s to import torch and load the model: worth it only with at
#: least this many chunks (~2 s each) left when the main process starts waiting.
SECOND_WORKER_CHUNKS = 6


@dataclass
class PendingEmbedding:
    """Embeddings on their way: looked up in the cache, the rest maybe computing in a worker.

    Attributes:
        n: Number of corpus texts (the rest of ``everything`` are separate seeds).
        job: The worker computing ``missing``, if one was started.
        seconds: Time spent so far on embedding.
    """

    embedder: Embedder
    n: int
    everything: list[str]
    distinct: list[str]
    group: np.ndarray
    ns: Namespace | None
    found: dict[str, np.ndarray]
    missing: list[str]
    job: EmbedJob | None = None
    seconds: float = 0.0


def start_embedding(
    corpus: Corpus, embedder: Embedder, progress: Progress, cache: Cache | None = None, background: bool = True
) -> PendingEmbedding:
    """Look the texts up in the cache and start embedding the others in a worker process when the
    embedder can run there (a sentence-transformers model), so that parsing and clustering run meanwhile.

    A per-text embedder embeds each distinct text once, and with a ``cache`` only texts it has not
    embedded before. TF-IDF vectors depend on the whole corpus: they are computed on all texts, every time.
    """
    t0 = time.perf_counter()
    everything = list(corpus.texts) + list(corpus.seed_texts)
    if not per_text(embedder):
        group = np.arange(len(everything))
        return PendingEmbedding(embedder, corpus.n, everything, everything, group, None, {}, everything)
    distinct, group = _unique(everything)
    ns = embedder_namespace(embedder) if cache is not None else None
    found: dict[str, np.ndarray] = cache.load(ns, distinct) if cache is not None and ns is not None else {}
    missing = [t for t in distinct if t not in found]
    pending = PendingEmbedding(embedder, corpus.n, everything, distinct, group, ns, found, missing)
    if missing and background and runs_in_background(embedder):
        pending.job = EmbedJob(embedder, missing)
        job = pending.job
        progress.background("embed", lambda: (job.count, job.total))
    pending.seconds = time.perf_counter() - t0
    return pending


def finish_embedding(
    pending: PendingEmbedding, progress: Progress, cache: Cache | None = None
) -> tuple[np.ndarray, np.ndarray, str]:
    """The embeddings of the texts and of the separate seeds, and the embedder's description.

    Computes what is missing here unless a worker does; waits for the worker.
    """
    t0 = time.perf_counter()
    embedder, missing, ns, found = pending.embedder, pending.missing, pending.ns, pending.found
    job = pending.job
    progress.stage("embed", len(missing), started=job.started if job is not None else None)
    if job is not None:
        # Nothing else left to do here: a second worker takes half of what remains.
        if job.workers < 2 and (os.cpu_count() or 1) >= 2 and job.remaining_chunks() >= SECOND_WORKER_CHUNKS:
            job.add_worker()
        try:
            fresh, described = job.wait(lambda: progress.set_count(job.count))
        finally:
            progress.background("embed", None)
    else:
        described = ns.info if ns is not None and not missing else embedder.describe()
        fresh = embedder.embed(missing, progress.advance) if missing else np.zeros((0, 1), np.float32)
    if not per_text(embedder):
        emb = fresh
    else:
        if missing:
            if ns is not None and described != ns.info:
                progress.note(f"note: embedder is {described!r}, not {ns.info!r} as expected; not using the cache")
                missing, found, ns = pending.distinct, {}, None
                fresh = embedder.embed(missing)
            new = {t: fresh[i] for i, t in enumerate(missing)}
            if cache is not None and ns is not None:
                cache.store(ns, new)
            found = {**found, **new}
        _cache_notes(cache, progress)
        if pending.distinct:
            table = np.vstack([found[t] for t in pending.distinct]).astype(np.float32, copy=False)
        else:
            table = np.zeros((0, 1), dtype=np.float32)
        emb = table[pending.group] if len(pending.group) else table
    cached = len(pending.distinct) - len(pending.missing)
    # With a worker: from its start, while this process did other things, to the vectors in place.
    pending.seconds += time.perf_counter() - (job.started if job is not None else t0)
    where = ""
    if job is not None:
        where = " in a worker process" if job.workers == 1 else f" in {job.workers} worker processes"
    progress.done(
        f"{len(pending.everything):,} texts ({len(pending.distinct):,} distinct, {cached:,} from the cache){where}"
    )
    return emb[: pending.n], emb[pending.n :], described


def embed(
    corpus: Corpus, embedder: Embedder, progress: Progress, cache: Cache | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Embeddings of the texts and of the separate seeds, computed in this process."""
    pending = start_embedding(corpus, embedder, progress, cache, background=False)
    emb, seed_emb, _ = finish_embedding(pending, progress, cache)
    return emb, seed_emb


def _cache_notes(cache: Cache | None, progress: Progress) -> None:
    if cache is not None:
        for note in cache.notes:
            progress.note(f"note: {note}")
        cache.notes.clear()


def _distinct(keys: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Identical items counted once.

    Returns:
        (the first row of each distinct key, in row order; for each row the index of its key in that array)
    """
    first, group = dist.distinct_index(keys)
    return np.asarray(first, dtype=np.int64), group


def pick_landmarks(distinct_rows: np.ndarray, n_landmarks: int, seed: int) -> np.ndarray:
    """All distinct items when there are few enough, else a fixed-seed sample of them (sorted rows)."""
    if len(distinct_rows) <= n_landmarks:
        return distinct_rows
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(distinct_rows, size=n_landmarks, replace=False))


def _nearest(
    cross_fn: Callable[[np.ndarray, np.ndarray], np.ndarray],
    rows: np.ndarray,
    targets: np.ndarray,
    advance: Callable[[int], None] | None = None,
    order: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """For each of ``rows``, the index into ``targets`` of the nearest one and its distance.

    Computed in the blocks of :func:`~lens_cli.distances.nearest_step`, as an engine does; ties go to
    the first target (the first in ``order`` when given, see :func:`~lens_cli.distances.nearest_columns`).
    """
    near = np.empty(len(rows), dtype=np.int64)
    dmin = np.empty(len(rows), dtype=np.float32)
    step = dist.nearest_step(len(targets))
    for s in range(0, len(rows), step):
        block = cross_fn(rows[s : s + step], targets)
        near[s : s + step], dmin[s : s + step] = dist.nearest_columns(block, order)
        if advance is not None:
            advance(block.shape[0])
    return near, dmin


def _cached_tree(cache: Cache | None, key: str, n_leaves: int, n_rows: int) -> Tree | None:
    """A tree from the results cache, if there is one of the right shape."""
    got = cache.load_result("tree", key) if cache is not None else None
    if got is None:
        return None
    _, arrays = got
    linkage, leaf_order = arrays.get("linkage"), arrays.get("leaf_order")
    if (
        linkage is None
        or leaf_order is None
        or linkage.shape != (max(0, n_leaves - 1), 4)
        or leaf_order.shape != (n_leaves,)
        or (n_leaves and not (leaf_order.min() >= 0 and leaf_order.max() < n_rows))
    ):
        return None
    return Tree(linkage.astype(np.float64), leaf_order.astype(np.int64))


def _cached_landmarks(cache: Cache | None, key: str, n: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Landmarks and every row's nearest landmark from the results cache, if they fit ``n`` rows."""
    got = cache.load_result("landmarks", key) if cache is not None else None
    if got is None:
        return None
    landmarks, nearest = got[1].get("landmarks"), got[1].get("nearest")
    if landmarks is None or nearest is None or landmarks.ndim != 1 or nearest.shape != (n,) or not len(landmarks):
        return None
    if landmarks.min() < 0 or landmarks.max() >= n or nearest.min() < 0 or nearest.max() >= len(landmarks):
        return None
    return landmarks.astype(np.int64), nearest.astype(np.int64)


def _cached_stats(cache: Cache | None, key: str) -> dict[str, Any] | None:
    """Axis statistics (without seeds and threshold) from the results cache."""
    got = cache.load_result("stats", key) if cache is not None else None
    if got is None:
        return None
    meta, _ = got
    try:
        meta["near_duplicate_examples"] = [(int(i), int(j), float(d)) for i, j, d in meta["near_duplicate_examples"]]
    except (KeyError, TypeError, ValueError):
        return None
    return meta


def _store_tree(cache: Cache | None, key: str, tree: Tree) -> None:
    if cache is not None:
        cache.store_result("tree", key, {}, {"linkage": tree.linkage, "leaf_order": tree.leaf_order})


def _store_stats(cache: Cache | None, key: str, stats: dict[str, Any]) -> None:
    if cache is not None:
        cache.store_result("stats", key, json_ready(stats, rounded=False), {})


def analyse_axis(
    axis: str,
    parsed: ParsedCorpus,
    options: Options,
    progress: Progress,
    embeddings: np.ndarray | None,
    seed_embeddings: np.ndarray | None,
    pool: Executor | None = None,
    cache: Cache | None = None,
    engine: Engine | None = None,
) -> tuple[Clustering, dict[str, Any]]:
    """Distances, tree, flat clusters, axis statistics and seed copying for one axis.

    With a ``pool``, the axis statistics and seed copying (which need the distances, not the tree;
    the Vendi score's eigendecomposition is the slow part) are submitted to it and the second
    value returned is their ``Future``: the caller clusters the next axis meanwhile.

    Exact mode (up to ``options.exact_limit`` texts) computes all pairwise distances once, as the
    float64 condensed matrix fastcluster builds the tree in (8 bytes per pair, 1.6 GB at 20k rows;
    no second copy): homogenization and near-duplicates are read from it first, because the tree
    overwrites it. Above the optimal-order limit, an axis whose items repeat works on its distinct
    items instead (:func:`distances.distinct_distances`, :func:`cluster.distinct_tree`). Cluster
    summaries and the Vendi score compute the few distances they need afresh, which is faster than
    gathering them from a large matrix.

    Landmark mode counts identical items once, takes all distinct items as landmarks when there are
    at most ``options.landmarks`` of them (else a fixed-seed sample), gives every row its nearest
    landmark, and builds the tree on the landmarks, each weighted by the rows it stands for.

    With an ``engine`` (see :mod:`lens_cli.engines`), the nearest landmark of every distinct item and
    the nearest seed of every text are found there, in the same blocks, so with the same result.
    """
    corpus = parsed.corpus
    n = corpus.n
    is_seed = corpus.is_seed
    codebook = dist.Codebook()
    strings: list[str] = []
    if axis == "semantic":
        assert embeddings is not None
    else:
        strings = dist.axis_strings(axis, parsed.parsed, codebook)

    def items(idx: np.ndarray) -> Any:
        """What the axis compares for rows ``idx``: their axis strings or embeddings."""
        return embeddings[idx] if axis == "semantic" else [strings[i] for i in idx]  # type: ignore[index]

    def cross_fn(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return dist.cross(axis, items(a), items(b))

    def pair_fn(idx: np.ndarray) -> np.ndarray:
        # Mirror the upper triangle: a float32 matmul need not give d(a, b) == d(b, a) to the last
        # bit, and an asymmetric matrix would break medoid ties by rounding noise.
        sq = np.triu(cross_fn(idx, idx), 1)
        sq += sq.T
        return sq

    # Equal strings have equal distances to everything: the Vendi score may count them once.
    vendi_keys = strings if axis != "semantic" else None
    semantic_vectors = embeddings if axis == "semantic" else None
    method = options.linkage_for(axis)
    threshold = options.threshold_for(axis)
    k = options.n_clusters
    # What the tree and the axis statistics depend on: the results cache's key (see cache.result_key).
    content = result_key(axis, corpus.texts, embeddings if axis == "semantic" else strings) if cache else ""  # type: ignore[arg-type]
    if n <= options.exact_limit:
        progress.stage(axis, n)
        tree_key, stats_key = result_key("exact tree", method, content), result_key("exact statistics", content)
        tree = _cached_tree(cache, tree_key, n, n)
        known = _cached_stats(cache, stats_key)
        summary: dict[str, Any] | None = None
        # The Vendi score is the slowest statistic (an eigendecomposition of up to 5,000 items) and
        # needs neither the tree nor the full matrix: it starts now, in a statistics thread, on the
        # distances among its sample, which cost a small part of the eigendecomposition (from the
        # embeddings' small Gram matrix on the semantic axis).
        vendi = (
            pool.submit(axis_vendi, n, pair_fn, semantic_vectors, keys=vendi_keys)
            if known is None and pool is not None
            else None
        )
        distinct_path = n > OPTIMAL_ORDER_LIMIT and method != "ward"
        if tree is None or known is None:
            phase(progress, "distances", n)
            # Distances among the texts in sorted order, so that ties in the tree and among the listed
            # near-duplicates are broken by text, not by row position.
            order = canonical_order(corpus.texts)
            # Generated data repeats itself: with few enough distinct items, the tree and the summary
            # come from the distances among those (small trees keep the full matrix for the optimal
            # leaf order; ward works on the embeddings).
            distinct = dist.distinct_distances(axis, items(order), progress=progress.advance) if distinct_path else None
            if distinct is not None:
                if known is None:
                    summary = distinct_distance_summary(distinct)
                if tree is None:
                    phase(progress, "tree")
                    tree = distinct_tree(distinct, method, order)
                    _store_tree(cache, tree_key, tree)
                dist.SCRATCH.give(distinct.work)
                del distinct
            else:
                scratch = dist.SCRATCH.take(dist.condensed_size(n))
                if axis == "semantic":
                    condensed = dist.embedding_condensed(embeddings[order], progress=progress.advance, out=scratch)
                else:
                    condensed = dist.string_condensed(
                        [strings[i] for i in order], axis, progress=progress.advance, out=scratch
                    )
                if known is None:
                    summary = distance_summary(condensed, n)
                if tree is None:
                    tree = exact_tree(
                        condensed,
                        parsed.parsed,
                        method,
                        embeddings=embeddings,
                        overwrite=True,
                        progress=progress,
                        order=order,
                    )
                    _store_tree(cache, tree_key, tree)
                del condensed
                dist.SCRATCH.give(scratch)
            if summary is not None:
                summary["near_duplicate_examples"] = [
                    (int(min(order[i], order[j])), int(max(order[i], order[j])), d)
                    for i, j, d in summary["near_duplicate_examples"]
                ]
        clustering = clustering_from_tree(
            axis,
            tree,
            parsed.parsed,
            is_seed,
            threshold=threshold,
            k=k,
            pair_fn=pair_fn,
            progress=progress,
            method=method,
        )

        def statistics() -> dict[str, Any]:
            if known is not None:
                return known
            out = axis_stats(
                n,
                None,
                pair_fn,
                semantic_vectors,
                keys=vendi_keys,
                summary=summary,
                vendi=vendi.result() if vendi is not None else None,
            )
            _store_stats(cache, stats_key, out)
            return out
    else:
        lm_key = result_key("landmarks", str(options.landmarks), str(options.random_seed), content)
        tree_key, stats_key = result_key("landmark tree", method, lm_key), result_key("sampled statistics", content)
        found = _cached_landmarks(cache, lm_key, n)
        if found is not None:
            landmarks, nearest = found
            progress.stage(axis, n)
        else:
            keys: Sequence[Any] = strings if axis != "semantic" else [fold(t) for t in corpus.texts]
            distinct_rows, group = _distinct(keys)
            landmarks = pick_landmarks(distinct_rows, options.landmarks, options.random_seed)
            # The landmark tree is built on the landmarks in text order (see canonical_order).
            landmarks = landmarks[canonical_order([corpus.texts[i] for i in landmarks])]
            progress.stage(axis, len(distinct_rows))
            phase(progress, "nearest landmark", len(distinct_rows))
            if engine is None:
                near_distinct, _ = _nearest(cross_fn, distinct_rows, landmarks, progress.advance)
            else:
                near_distinct, _ = engine.nearest(
                    axis, items(distinct_rows), items(landmarks), advance=progress.advance
                )
            # A landmark stands for itself even when another is as close (equal vectors): no landmark
            # is left without rows, and its weight below is at least 1.
            near_distinct[np.searchsorted(distinct_rows, landmarks)] = np.arange(len(landmarks))
            nearest = near_distinct[group]
            if cache is not None:
                cache.store_result("landmarks", lm_key, {}, {"landmarks": landmarks, "nearest": nearest})
        weights = np.bincount(nearest, minlength=len(landmarks))
        lm_tree = _cached_tree(cache, tree_key, len(landmarks), len(landmarks))
        if lm_tree is None:
            phase(progress, "tree")
            lm_condensed = (
                dist.embedding_condensed(embeddings[landmarks])
                if axis == "semantic"
                else dist.string_condensed([strings[i] for i in landmarks], axis)
            )
            lm_vectors = embeddings[landmarks] if embeddings is not None else None
            lm_tree = build_tree(lm_condensed, len(landmarks), method, lm_vectors, weights=weights)
            del lm_condensed
            _store_tree(cache, tree_key, lm_tree)
        clustering = cluster_landmarks(
            axis,
            landmarks,
            lm_tree,
            nearest,
            parsed.parsed,
            is_seed,
            pair_fn,
            threshold=threshold,
            k=k,
            progress=progress,
            method=method,
        )
        known = _cached_stats(cache, stats_key)

        def statistics() -> dict[str, Any]:
            if known is not None:
                return known
            out = axis_stats(n, None, pair_fn, semantic_vectors, keys=vendi_keys)
            _store_stats(cache, stats_key, out)
            return out

    def finish() -> dict[str, Any]:
        """Axis statistics and seed copying: they need the distances, not the tree."""
        astats = statistics()
        astats["threshold"] = threshold
        if corpus.seed_texts or is_seed.any():
            seed_items: Any
            if corpus.seed_texts:
                generated = np.arange(n)
                if axis == "semantic":
                    assert seed_embeddings is not None
                    seed_items = seed_embeddings
                else:
                    seed_items = dist.axis_strings(axis, parsed.seed_parsed, codebook)

                def seed_cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
                    chosen = seed_items[b] if axis == "semantic" else [seed_items[j] for j in b]
                    return dist.cross(axis, items(a), chosen)
            else:
                seed_idx = np.flatnonzero(is_seed)
                generated = np.flatnonzero(~is_seed)
                seed_items = items(seed_idx)

                def seed_cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
                    return cross_fn(a, seed_idx[b])

            seed_keys = corpus.seed_texts or [corpus.texts[i] for i in np.flatnonzero(is_seed)]
            n_seeds = len(seed_keys)
            near = np.zeros(n, dtype=np.int64)
            sdist = np.zeros(n, dtype=np.float32)
            if len(generated) and n_seeds:
                # Every row against every seed, in blocks, the nearest kept (ties: see seed_stats).
                order = seed_order(n_seeds, seed_keys)
                if engine is None:
                    near, sdist = _nearest(seed_cross, np.arange(n), np.arange(n_seeds), order=order)
                else:
                    every = embeddings if axis == "semantic" else strings
                    near, sdist = engine.nearest(axis, every, seed_items, order=order)  # type: ignore[arg-type]
            astats["seeds"] = seed_summary(generated, near[generated], sdist[generated], threshold, n_seeds)
        return astats

    extra = f"{len(clustering.clusters)} clusters, {clustering.mode}"
    if clustering.mode == "landmark":
        extra += f" ({clustering.n_landmarks:,} landmarks)"
    if pool is not None:
        progress.done(extra + "; statistics follow")
        return clustering, pool.submit(finish)  # type: ignore[return-value]
    phase(progress, "statistics")
    astats = finish()
    progress.done(extra)
    return clustering, astats


def run(
    request: ReadRequest,
    options: Options,
    progress: Progress,
    *,
    parser: Parser | None = None,
    embedder: Embedder | None = None,
    axes: Sequence[str] = AXES,
    cache: Cache | None = None,
    background: bool = True,
    engine: Engine | None = None,
    clustered: Callable[[Mapping[str, Clustering], Sequence[str]], None] | None = None,
) -> Analysis:
    """Read, parse, embed, cluster every axis and compute every statistic.

    ``parser`` and ``embedder`` default to the ones ``options`` names; tests pass small ones.
    ``cache`` keeps parses and embeddings between runs (see :mod:`lens_cli.cache`).
    ``background`` lets a sentence-transformers model embed in a worker process meanwhile.
    ``engine`` runs the row-wise work (landmark and seed assignment, dataset counts) elsewhere, e.g.
    on a Dask cluster, with the same results; ``None`` runs everything in this process.
    ``clustered(clusterings, texts)`` runs once every axis is clustered, while the last axis statistics
    (Vendi eigendecompositions, in a thread) finish: the CLI draws the tree charts then.
    """
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    corpus = read(request, options.random_seed)
    timings["read"] = time.perf_counter() - t0
    for note in corpus.notes:
        progress.note(f"note: {note}")

    # Embedding starts first: in a worker process when it can, while this process parses and
    # clusters the syntax, dependency and lexical axes; the semantic axis waits for it.
    pending = None
    if "semantic" in axes:
        embedder = embedder or make_embedder(options.embedder)
        pending = start_embedding(corpus, embedder, progress, cache, background=background)

    def busy() -> bool:
        """Whether the embedding worker is at work on the other core."""
        return pending is not None and pending.job is not None and embeddings is None

    embeddings = seed_embeddings = None
    # Axis statistics run here, in threads, while the axes cluster, whenever the worker does not
    # have the other core (LAPACK, cdist and fastcluster all release the GIL). Two threads: the
    # largest Vendi score (the lexical axis's, 5-6 s at 10k rows) then keeps one core from the start
    # while the other axes' scores queue in the other thread, not behind it.
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="lens-statistics")
    try:
        parser = parser or make_parser(options.parser, options.lang, options.stanza_dir)
        t0 = time.perf_counter()
        with dist.limited_threads(1) if busy() else nullcontext():
            parsed = parse(corpus, parser, progress, cache)
        timings["parse"] = time.perf_counter() - t0

        embedder_name = "-"

        def embeddings_now() -> None:
            nonlocal embeddings, seed_embeddings, embedder_name
            assert pending is not None
            embeddings, seed_embeddings, embedder_name = finish_embedding(pending, progress, cache)
            timings["embed"] = pending.seconds

        dataset: tuple[dict[str, Any], dict[str, Any]] | None = None

        def dataset_now(quiet: bool = False) -> tuple[dict[str, Any], dict[str, Any]]:
            """Dataset statistics need only the parses: while the worker embeds, if it does, or while
            two axes run (``quiet``: then their progress line comes with the axes')."""
            nonlocal dataset
            if dataset is None:
                t0 = time.perf_counter()
                if not quiet:
                    progress.stage("stats")
                if engine is None:
                    with interpreter_bound():  # n-gram counting in Python: see lens_cli.threads
                        dataset = dataset_stats(corpus.texts, parsed.parsed, corpus.rows_read, corpus.rows_skipped)
                else:
                    dataset = engine.dataset_stats(corpus.texts, parsed.parsed, corpus.rows_read, corpus.rows_skipped)
                timings["stats"] = time.perf_counter() - t0
                if quiet:
                    progress.note(f"{'stats':<10} {timings['stats']:6.1f}s  while the axes ran")
                else:
                    progress.done()
            return dataset

        if pending is not None and pending.job is None:
            embeddings_now()
        clusterings: dict[str, Clustering] = {}
        axis_results: dict[str, Any] = {}
        # One thread per heavy call while the axes run: the other core belongs to the embedding
        # worker or to the statistics thread.
        with dist.limited_threads(1):
            if not busy() and len(axes) > 1 and corpus.n <= PARALLEL_AXES_LIMIT:
                # Nothing else runs: two axes at a time (their heavy calls release the GIL).
                for axis, (clustering, result, seconds) in _axes_in_parallel(
                    axes,
                    parsed,
                    options,
                    progress,
                    embeddings,
                    seed_embeddings,
                    pool,
                    cache,
                    engine,
                    meanwhile=lambda: dataset_now(quiet=True),
                ).items():
                    clusterings[axis], axis_results[axis], timings[axis] = clustering, result, seconds
            for axis in axes:
                if axis in clusterings:
                    continue
                if axis == "semantic" and embeddings is None:
                    dataset_now()
                    embeddings_now()
                t0 = time.perf_counter()
                clusterings[axis], axis_results[axis] = analyse_axis(
                    axis,
                    parsed,
                    options,
                    progress,
                    embeddings,
                    seed_embeddings,
                    None if busy() else pool,
                    cache,
                    engine,
                )
                timings[axis] = time.perf_counter() - t0
            if clustered is not None:
                clustered(clusterings, corpus.texts)
            progress.stage("axis stats", len(axis_results))
            for axis, result in axis_results.items():
                if isinstance(result, Future):
                    axis_results[axis] = result.result()
                progress.advance(1)
            waited = progress.done()
            timings["axis_stats"] = waited
            _cache_notes(cache, progress)  # about stored trees and statistics
    finally:
        dist.SCRATCH.clear()
        pool.shutdown(wait=False, cancel_futures=True)
        if pending is not None and pending.job is not None:
            pending.job.cancel()

    data_stats, tops = dataset_now()
    seeds = _seed_summary(corpus, axis_results)
    near_dups = {a: r.pop("near_duplicate_examples") for a, r in axis_results.items()}
    stats = Stats(
        dataset=data_stats,
        axes=axis_results,
        seeds=seeds,
        near_duplicates=near_dups,
        top_words=tops["words"],
        top_ngrams=tops["ngrams"],
        top_templates=tops["templates"],
    )
    return Analysis(
        parsed=parsed,
        axes={},
        clusterings=clusterings,
        stats=stats,
        options=options.as_dict(),
        embedder=embedder_name,
        timings=timings,
    )


#: Two axes at a time hold two condensed matrices (8 bytes per pair each): up to this many rows.
PARALLEL_AXES_LIMIT = 12_000


class _AxisProgress:
    """What one of two concurrent axes reports: only its closing line (two bars would garble)."""

    def __init__(self, progress: Progress, lock: threading.Lock) -> None:
        self._progress, self._lock, self._name, self._start = progress, lock, "", 0.0

    def stage(self, name: str, total: int = 0) -> None:
        self._name, self._start = name, time.perf_counter()

    def advance(self, k: int = 1) -> None:
        pass

    def done(self, detail: str = "") -> float:
        elapsed = time.perf_counter() - self._start
        with self._lock:
            self._progress.note(f"{self._name:<10} {elapsed:6.1f}s  {detail}")
        return elapsed

    def note(self, message: str) -> None:
        with self._lock:
            self._progress.note(message)


def _axes_in_parallel(
    axes: Sequence[str],
    parsed: ParsedCorpus,
    options: Options,
    progress: Progress,
    embeddings: np.ndarray | None,
    seed_embeddings: np.ndarray | None,
    pool: Executor,
    cache: Cache | None = None,
    engine: Engine | None = None,
    meanwhile: Callable[[], Any] | None = None,
) -> dict[str, tuple[Clustering, Any, float]]:
    """Every axis, two at a time (in the lanes of :func:`_lanes`); results by axis, in the order given
    (statistics may be futures).

    ``meanwhile()`` runs in this thread while the axes do (mostly in code that releases the GIL).
    """
    lock = threading.Lock()
    out: dict[str, tuple[Clustering, Any, float]] = {}

    def lane(names: list[str]) -> None:
        for axis in names:
            t0 = time.perf_counter()
            clustering, result = analyse_axis(
                axis,
                parsed,
                options,
                _AxisProgress(progress, lock),
                embeddings,
                seed_embeddings,
                pool,
                cache,
                engine,
            )
            with lock:
                out[axis] = (clustering, result, time.perf_counter() - t0)

    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="lens-axis") as axes_pool:
        lanes = [axes_pool.submit(lane, names) for names in _lanes(axes)]
        progress.stage("axes", len(axes))
        if meanwhile is not None:
            meanwhile()
        while not all(f.done() for f in lanes):
            time.sleep(0.1)
            with lock:
                progress.set_count(len(out))
        for f in lanes:
            f.result()
        progress.done(f"{len(axes)} axes, two at a time")
    return {axis: out[axis] for axis in axes}


#: Axes whose items are mostly distinct (words, meanings): the largest matrices and Vendi
#: eigendecompositions. The template axes (syntax, dependency) repeat themselves far more.
WIDE_AXES = ("lexical", "semantic")


def _lanes(axes: Sequence[str]) -> list[list[str]]:
    """The axes in two lanes that run side by side, each in order.

    The wide axes share one lane, lexical first: the semantic axis then reuses the lexical axis's
    matrix memory instead of touching as much again (fresh pages cost about 2 s per GB on the 2-core
    VM measured in benchmarks/README.md). The template axes, whose matrices are small, share the other.
    """
    wide = sorted((a for a in axes if a in WIDE_AXES), key=WIDE_AXES.index)
    narrow = [a for a in axes if a not in WIDE_AXES]
    if wide and narrow:
        return [wide, narrow]
    single = wide or narrow
    return [single[0::2], single[1::2]]


def _seed_summary(corpus: Corpus, axis_results: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """Which texts are seeds, which generated texts copy one, and each seed's children per axis."""
    if not corpus.seed_texts and not corpus.is_seed.any():
        return None
    if corpus.seed_texts:
        seed_texts = list(corpus.seed_texts)
        generated = np.arange(corpus.n)
        seed_rows: list[int] | None = None
    else:
        idx = np.flatnonzero(corpus.is_seed)
        seed_texts = [corpus.texts[i] for i in idx]
        generated = np.flatnonzero(~corpus.is_seed)
        seed_rows = [int(i) for i in idx]
    folded = {fold(s) for s in seed_texts}
    verbatim = [int(g) for g in generated if fold(corpus.texts[g]) in folded]
    copies = sorted({c for r in axis_results.values() if "seeds" in r for c in r["seeds"]["copies"]})
    return {
        "source": corpus.seed_source,
        "seed_texts": seed_texts,
        "seed_indices": seed_rows,
        "generated": len(generated),
        "verbatim_copies": verbatim,
        "copies": copies,
    }
