"""The flow, in one place: read -> parse (and embed) -> featurize -> cluster -> stats -> Analysis.

Rendering (:mod:`lens_cli.export`, :mod:`lens_cli.report`) and comparing (:mod:`lens_cli.compare`)
take the finished :class:`~lens_cli.model.Analysis`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from .cluster import cut_tree, grow_tree
from .config import Options, ReadRequest
from .embedders import embed
from .features import choose_unit, featurize
from .io import read
from .model import Analysis, AxisResult, Clustering, ParsedCorpus, Vectors
from .parsers import parse
from .runtime.assembly import Runtime
from .seeds import seed_copying, seed_summary
from .stats import axis_intervals, axis_stats, axis_summary, dataset_stats, vendi_score

#: Axes whose items are mostly distinct: the largest distance matrices and Vendi eigendecompositions.
WIDE_AXES = ("lexical", "semantic")


def analyze(request: ReadRequest, options: Options, runtime: Runtime) -> Analysis:
    """Analyse the texts ``request`` names as ``options`` say.

    ``run(name, stage, *inputs)`` declares a step; inputs may be earlier steps' results. The runtime
    runs each step once its inputs are ready (two at a time on two cores, the embedding model in a
    worker process, trees and statistics from the cache where it has them); the result is the same
    however it runs. See :mod:`lens_cli.runtime`.
    """
    started = time.perf_counter()
    corpus = read(request, options.random_seed)
    for note in corpus.notes:
        runtime.note(note)
    read_seconds = time.perf_counter() - started
    run = runtime.plan()
    parsed = run("parse", parse, corpus, runtime.parser)
    needs_vectors = runtime.embedder is not None and "semantic" in options.axes
    vectors = run("embed", embed, corpus, runtime.embedder) if needs_vectors else None
    unit = run("unit", choose_unit, parsed, options.unit)
    dataset = run("stats", dataset_stats, parsed, runtime.engine)
    features = {
        axis: run(f"{axis} features", featurize, axis, parsed, vectors if axis == "semantic" else None, unit)
        for axis in options.axes
    }
    # Steps start in the order declared among those ready: the largest work first. The Vendi scores (the
    # slowest statistic, which needs neither a tree nor all the distances), then the trees, the axes whose
    # items are most distinct (word sets, meanings) first.
    by_size = sorted(options.axes, key=lambda axis: axis not in WIDE_AXES)
    vendi = {axis: run(f"{axis} vendi", vendi_score, features[axis]) for axis in by_size}
    axes = {}
    for axis in by_size:
        threshold = options.threshold_for(axis)
        tree = run(f"{axis} tree", grow_tree, features[axis], options.tree_spec(axis), runtime.engine)
        summary = run(f"{axis} summary", axis_summary, features[axis], tree)
        seeds = run(f"{axis} seeds", seed_copying, features[axis], corpus, threshold, runtime.engine)
        clustering = run(f"{axis} clusters", cut_tree, tree, features[axis], options.cut_for(axis))
        intervals = run(f"{axis} intervals", axis_intervals, features[axis], summary, clustering)
        stats = run(f"{axis} stats", axis_stats, summary, vendi[axis], seeds, threshold, intervals)
        axes[axis] = (clustering, stats)
    done = run.compute({"parsed": parsed, "vectors": vectors, "unit": unit, "dataset": dataset, "axes": axes})
    data_stats, tops, data_intervals = done["dataset"]
    per_axis = {axis: AxisResult(*done["axes"][axis]) for axis in options.axes}
    vectors_done: Vectors | None = done["vectors"]
    return Analysis(
        parsed=done["parsed"],
        vectors=vectors_done,
        axes=per_axis,
        dataset=data_stats,
        tops=tops,
        intervals=data_intervals,
        seeds=seed_summary(corpus, {axis: r.stats.seeds for axis, r in per_axis.items()}),
        options=options.as_dict(runtime.engine_name, unit=done["unit"]),
        embedder=vectors_done.model if vectors_done is not None else "-",
        timings={**runtime.timings, "read": read_seconds, **run.timings},
    )


def cluster(
    parsed: ParsedCorpus, vectors: Vectors | None, options: Options, runtime: Runtime, unit: str = "text"
) -> dict[str, Clustering]:
    """Only the flat clusters of every axis (no statistics), e.g. of two corpora together (``lens compare``)."""
    run = runtime.plan()
    clusterings = {}
    for axis in options.axes:
        features = run(f"{axis} features", featurize, axis, parsed, vectors if axis == "semantic" else None, unit)
        tree = run(f"{axis} tree", grow_tree, features, options.tree_spec(axis), runtime.engine)
        clusterings[axis] = run(f"{axis} clusters", cut_tree, tree, features, options.cut_for(axis))
    out: Mapping[str, Clustering] = run.compute(clusterings)
    return dict(out)
