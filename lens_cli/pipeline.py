"""The one place that chains the stages: read -> parse -> featurize -> cluster -> stats."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import distances as dist
from .cluster import cluster_exact, cluster_landmarks
from .config import Options
from .embedders import Embedder, make_embedder
from .io import Table, build_corpus, read_table
from .model import AXES, Analysis, Clustering, Corpus, ParsedCorpus, Stats
from .parsers import Parser, make_parser
from .progress import Progress
from .stats import axis_stats, dataset_stats, fold, seed_stats

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
    table = read_table(request.path, request.format, request.encoding)
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


def parse(corpus: Corpus, parser: Parser, progress: Progress) -> ParsedCorpus:
    """Tag and parse every text (and every separate seed)."""
    info = parser.info()
    progress.stage("parse", corpus.n + len(corpus.seed_texts))
    parsed = parser.parse(corpus.texts, progress.advance)
    seed_parsed = parser.parse(corpus.seed_texts, progress.advance) if corpus.seed_texts else []
    progress.done(f"{corpus.n:,} texts with {info.backend} {info.model} {info.version}")
    return ParsedCorpus(corpus=corpus, parsed=parsed, parser=info, seed_parsed=seed_parsed)


def embed(corpus: Corpus, embedder: Embedder, progress: Progress) -> tuple[np.ndarray, np.ndarray]:
    """Embeddings of the texts and of the separate seeds."""
    progress.stage("embed", corpus.n + len(corpus.seed_texts))
    everything = list(corpus.texts) + list(corpus.seed_texts)
    emb = embedder.embed(everything, progress.advance)
    progress.done(f"{len(everything):,} texts")
    return emb[: corpus.n], emb[corpus.n :]


def _landmark_rows(keys: Sequence[Any], n_landmarks: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Landmarks among distinct items (identical sequences count once), and each row's item group.

    Returns:
        (landmark corpus indices, for each row the index of its distinct item's first row)
    """
    first: dict[Any, int] = {}
    group = np.empty(len(keys), dtype=np.int64)
    for i, key in enumerate(keys):
        group[i] = first.setdefault(key, i)
    distinct = np.asarray(sorted(first.values()), dtype=np.int64)
    if len(distinct) > n_landmarks:
        rng = np.random.default_rng(seed)
        distinct = np.sort(rng.choice(distinct, size=n_landmarks, replace=False))
    return distinct, group


def _nearest(
    cross_fn: Callable[[np.ndarray, np.ndarray], np.ndarray], rows: np.ndarray, landmarks: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each of ``rows``, the index into ``landmarks`` of the nearest one and its distance."""
    near = np.empty(len(rows), dtype=np.int64)
    dmin = np.empty(len(rows), dtype=np.float32)
    step = max(1, dist.BLOCK_ELEMENTS // max(1, len(landmarks)))
    for s in range(0, len(rows), step):
        block = cross_fn(rows[s : s + step], landmarks)
        near[s : s + step] = np.argmin(block, axis=1)
        dmin[s : s + step] = block[np.arange(block.shape[0]), near[s : s + step]]
    return near, dmin


def analyse_axis(
    axis: str,
    parsed: ParsedCorpus,
    options: Options,
    progress: Progress,
    embeddings: np.ndarray | None,
    seed_embeddings: np.ndarray | None,
) -> tuple[Clustering, dict[str, Any]]:
    """Distances, tree, flat clusters, axis statistics and seed copying for one axis.

    The condensed matrix lives only inside this function: at 20k rows it is 0.8 GB per axis.
    """
    corpus = parsed.corpus
    n = corpus.n
    is_seed = corpus.is_seed
    codebook = dist.Codebook()
    progress.stage(axis)
    strings: list[str] = []
    if axis == "semantic":
        assert embeddings is not None

        def cross_fn(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            return dist.embedding_cross(embeddings[a], embeddings[b])
    else:
        strings = dist.axis_strings(axis, parsed.parsed, codebook)

        def cross_fn(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            return dist.string_cross([strings[i] for i in a], [strings[i] for i in b], axis)

    def pair_fn(idx: np.ndarray) -> np.ndarray:
        return cross_fn(idx, idx)

    method = options.linkage_for(axis)
    threshold = options.threshold_for(axis)
    k = options.n_clusters
    if n <= options.exact_limit:
        condensed = dist.embedding_condensed(embeddings) if axis == "semantic" else dist.string_condensed(strings, axis)
        clustering = cluster_exact(
            axis,
            condensed,
            parsed.parsed,
            is_seed,
            method=method,
            threshold=threshold,
            k=k,
            embeddings=embeddings,
            keys=corpus.texts,
        )
        astats = axis_stats(
            n,
            condensed,
            lambda idx: dist.submatrix(condensed, n, idx),
            embeddings if axis == "semantic" else None,
            keys=corpus.texts,
        )
        del condensed
    else:
        keys: Sequence[Any] = strings if axis != "semantic" else [fold(t) for t in corpus.texts]
        landmarks, group = _landmark_rows(keys, options.landmarks, options.random_seed)
        distinct_rows = np.unique(group)
        near_distinct, _ = _nearest(cross_fn, distinct_rows, landmarks)
        lookup = np.empty(n, dtype=np.int64)
        lookup[distinct_rows] = near_distinct
        nearest = lookup[group]
        lm_condensed = (
            dist.embedding_condensed(embeddings[landmarks])
            if axis == "semantic"
            else dist.string_condensed([strings[i] for i in landmarks], axis)
        )
        clustering = cluster_landmarks(
            axis,
            landmarks,
            lm_condensed,
            nearest,
            parsed.parsed,
            is_seed,
            pair_fn,
            method=method,
            threshold=threshold,
            k=k,
            landmark_embeddings=embeddings[landmarks] if embeddings is not None else None,
            keys=corpus.texts,
        )
        astats = axis_stats(n, None, pair_fn, embeddings if axis == "semantic" else None, keys=corpus.texts)
    astats["threshold"] = threshold

    if corpus.seed_texts or is_seed.any():
        if corpus.seed_texts:
            generated = np.arange(n)
            if axis == "semantic":
                assert seed_embeddings is not None
                sd = dist.embedding_cross(embeddings, seed_embeddings)  # type: ignore[arg-type]
            else:
                seed_strings = dist.axis_strings(axis, parsed.seed_parsed, codebook)
                sd = dist.string_cross(strings, seed_strings, axis)
        else:
            seed_idx = np.flatnonzero(is_seed)
            generated = np.flatnonzero(~is_seed)
            sd = cross_fn(np.arange(n), seed_idx)
        seed_keys = corpus.seed_texts or [corpus.texts[i] for i in np.flatnonzero(is_seed)]
        astats["seeds"] = seed_stats(sd, generated, threshold, seed_keys=seed_keys)
    extra = f"{len(clustering.clusters)} clusters, {clustering.mode}"
    if clustering.mode == "landmark":
        extra += f" ({clustering.n_landmarks:,} landmarks)"
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
) -> Analysis:
    """Read, parse, embed, cluster every axis and compute every statistic.

    ``parser`` and ``embedder`` default to the ones ``options`` names; tests pass small ones.
    """
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    corpus = read(request, options.random_seed)
    timings["read"] = time.perf_counter() - t0
    for note in corpus.notes:
        progress.note(f"note: {note}")

    parser = parser or make_parser(options.parser, options.lang, options.stanza_dir)
    t0 = time.perf_counter()
    parsed = parse(corpus, parser, progress)
    timings["parse"] = time.perf_counter() - t0

    embeddings = seed_embeddings = None
    embedder_name = "-"
    if "semantic" in axes:
        embedder = embedder or make_embedder(options.embedder)
        t0 = time.perf_counter()
        embedder_name = embedder.describe()
        embeddings, seed_embeddings = embed(corpus, embedder, progress)
        timings["embed"] = time.perf_counter() - t0

    clusterings: dict[str, Clustering] = {}
    axis_results: dict[str, dict[str, Any]] = {}
    for axis in axes:
        t0 = time.perf_counter()
        clusterings[axis], axis_results[axis] = analyse_axis(
            axis, parsed, options, progress, embeddings, seed_embeddings
        )
        timings[axis] = time.perf_counter() - t0

    t0 = time.perf_counter()
    progress.stage("stats")
    data_stats, tops = dataset_stats(corpus.texts, parsed.parsed, corpus.rows_read, corpus.rows_skipped)
    seeds = _seed_summary(corpus, axis_results)
    near_dups = {a: r.pop("near_duplicate_examples") for a, r in axis_results.items()}
    timings["stats"] = progress.done()
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
