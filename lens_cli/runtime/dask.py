"""Run the heavy stages on a Dask cluster (``--engine dask``).

The local engine runs everything in this process. The Dask engine uses the workers of a
``dask.distributed`` cluster: an existing one (``--scheduler tcp://host:8786``) or a local one on
loopback (``--workers N``). What runs where:

On the workers, partition by partition:
- parsing and embedding (:class:`DaskParser`, :class:`DaskEmbedder`); each worker process loads
  its models once and keeps them for every partition it is given;
- in landmark mode, the nearest landmark of every distinct item (axis strings, or embedding rows on
  the semantic axis): the landmarks go to every worker once, the items in partitions, and only
  each item's nearest landmark and distance come back (:meth:`DaskEngine.nearest`);
- the nearest seed of every text, per axis, the same way (in both modes);
- the sums over rows of the dataset statistics (n-gram, word, template and 4-gram document
  counts, text lengths, distinct folded texts), counted where the parses are (the parse
  partitions stay on the workers until then; parses that came from the cache are sent), merged
  on the workers, and the per-text integers that need the merged counts (self-repetition sums,
  template hits) (:meth:`DaskEngine.dataset_counts`).

On the client: reading and the cache; choosing the landmarks (the fixed-seed sample of distinct
items, cheap and the same as locally); exact-mode distances, every tree, cluster summaries and
patterns; the axis statistics (homogenization, Vendi score, near-duplicates: on a sample or from
the exact matrix); every float of the dataset statistics, from the merged counts and the per-text
integers; the statistics of the joined texts that are not sums over rows (the gzip compression
ratios and ngram_diversity); and the report. The parses and embeddings also come back to the
client: the report shows every listed example's tokens, and the trees and summaries need them.

The results are identical to the local engine's, by construction rather than by luck:
- the same parser and model give the same tags and the same vector per text (an embedding does not
  depend on its batch neighbours, see :mod:`lens_cli.embedders`);
- nearest landmarks and seeds are found in the blocks of :func:`~lens_cli.distances.nearest_step`
  that the local code uses (a partition is a run of whole blocks), with the same distance function
  on one thread, since a float32 matmul's last bits depend on the rows per call, on the thread
  count and on whether numpy may use BLAS at all (it does not for misaligned arrays, which
  deserialized ones can be: they are realigned);
- counts are integers and sets, merged by adding; floats are computed once, on the client, in
  row order.

Models are named by a :class:`ModelSpec` (a factory path and its arguments), so a worker can
build them from an import path without pickling a loaded model; each worker keeps the models it built
in a worker plugin (:class:`LensModels`), one per spec, for every later task.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

try:
    from distributed.diagnostics.plugin import WorkerPlugin
except ImportError:  # without Dask installed DaskEngine says how to install it
    WorkerPlugin = object  # type: ignore[misc,assignment]

from .. import distances as dist
from .. import stats
from ..embedders import EmbedderIdentity
from ..errors import LensError, UsageProblem
from ..model import ParsedText, ParserInfo, first_rows, unique
from ..parsers import ParserIdentity, merge_hyphens
from . import context

#: Texts per parse task; embedding tasks use a multiple of the embedder's chunk (512).
PARSE_PARTITION = 2_000
EMBED_PARTITION = 2_048
#: Rows per nearest-landmark or nearest-seed task, rounded to whole blocks (see distances.nearest_step).
NEAREST_PARTITION = 4_000
#: Partial dataset counts merged per task (a tree of merges on the workers).
MERGE_FANIN = 8
#: A task whose worker dies is tried again on another worker this many times.
RETRIES = 3


@dataclass(frozen=True)
class ModelSpec:
    """How to build a parser or embedder anywhere: ``module:callable`` and keyword arguments."""

    factory: str
    kwargs: tuple[tuple[str, Any], ...] = field(default_factory=tuple)

    def build(self) -> Any:
        module, _, name = self.factory.partition(":")
        return getattr(importlib.import_module(module), name)(**dict(self.kwargs))


#: The name lens's worker plugin is registered under.
PLUGIN = "lens-models"


class LensModels(WorkerPlugin):
    """A Dask worker plugin that holds the parsers and embedders a worker built, one per spec."""

    name = PLUGIN

    def __init__(self) -> None:
        self.models: dict[ModelSpec, Any] = {}

    def setup(self, worker: Any) -> None:
        pass

    def teardown(self, worker: Any) -> None:
        self.models.clear()

    def get(self, spec: ModelSpec) -> Any:
        model = self.models.get(spec)
        if model is None:
            model = self.models[spec] = spec.build()
        return model


def worker_model(spec: ModelSpec) -> Any:
    """The model for ``spec`` on this worker, built on first use and kept by the worker's plugin."""
    from distributed import get_worker

    plugin = get_worker().plugins[PLUGIN]
    assert isinstance(plugin, LensModels)
    return plugin.get(spec)


def _parse_part(spec: ModelSpec, texts: list[str]) -> list[ParsedText]:
    return worker_model(spec).parse(texts)


def _parser_info(spec: ModelSpec) -> ParserInfo:
    return worker_model(spec).info()


def _embed_part(spec: ModelSpec, texts: list[str]) -> np.ndarray:
    return worker_model(spec).embed(texts)


def _embedder_describe(spec: ModelSpec) -> str:
    return worker_model(spec).describe()


def _nearest_part(
    axis: str, items: Sequence[str] | np.ndarray, targets: Sequence[str] | np.ndarray, step: int, order: Any
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest target of each item, block by block (``items`` starts at a block boundary)."""
    if isinstance(items, np.ndarray):
        # Arrays that come over the wire may sit at any byte address; numpy multiplies misaligned
        # arrays without BLAS, in another summation order. An aligned copy gives the local bits.
        items = np.require(items, np.float32, ["C", "A"])
        targets = np.require(targets, np.float32, ["C", "A"])
    near, dmin = [], []
    # One thread per task, as the local engine runs its blocks: Dask runs tasks side by side.
    with context.using(context.RunContext(threads=1)), context.one_thread_each():
        for s in range(0, len(items), step):
            a, d = dist.nearest_columns(dist.cross(axis, items[s : s + step], targets), order)
            near.append(a)
            dmin.append(d)
    if not near:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    return np.concatenate(near).astype(np.int64, copy=False), np.concatenate(dmin).astype(np.float32, copy=False)


def _count_part(
    texts: list[str], parses: list[ParsedText], positions: list[int], weights: np.ndarray
) -> stats.DatasetCounts:
    """Step 1 of the dataset statistics on the texts at ``positions`` of a partition of parses (the
    parser's own: hyphenated words are joined here, as the parse stage joins them)."""
    return stats.count_rows(texts, [merge_hyphens(parses[j]) for j in positions], weights)


def _merge_counts(*parts: stats.DatasetCounts) -> stats.DatasetCounts:
    out = stats.DatasetCounts()  # a new object: the inputs may be read again (a retried task)
    for part in parts:
        out.merge(part)
    return out


def _summarise_counts(counts: stats.DatasetCounts) -> stats.CountSummary:
    return stats.summarise_counts(counts)


def _repeated_shingles(counts: stats.DatasetCounts) -> dict[tuple[str, ...], int]:
    return stats.repeated_shingles(counts)


def _figures_part(
    texts: list[str],
    parses: list[ParsedText],
    positions: list[int],
    repeated: dict[tuple[str, ...], int],
    top_templates: frozenset[tuple[str, ...]],
) -> stats.RowFigures:
    """Step 2 of the dataset statistics on the texts at ``positions`` of a partition of parses (joined as
    in step 1)."""
    return stats.row_figures(texts, [merge_hyphens(parses[j]) for j in positions], repeated, top_templates)


def _import_dask() -> Any:
    try:
        import distributed
    except ImportError as exc:
        raise UsageProblem(
            "--engine dask needs Dask: pip install 'lens-cli[dask]' (dask and distributed)", param="--engine"
        ) from exc
    return distributed


class DaskEngine:
    """A connection to a Dask cluster, started on loopback when no scheduler address is given.

    Use as a context manager; a local cluster is shut down on exit, an external one is left running.
    """

    name = "dask"

    def __init__(self, scheduler: str | None = None, workers: int | None = None) -> None:
        if scheduler and workers:
            raise UsageProblem("give --scheduler (an existing cluster) or --workers (a local one), not both")
        if workers is not None and workers < 1:
            raise UsageProblem("--workers must be at least 1", param="--workers")
        self.scheduler = scheduler
        self.workers = workers or 2
        self.client: Any = None
        self._cluster: Any = None
        self._parses: list[tuple[list[str], Any]] = []
        self._parses_spec: ModelSpec | None = None
        #: How many partitions the last dataset_stats counted where the parses were, and how many it sent.
        self.stats_partitions: dict[str, int] = {}

    def __enter__(self) -> DaskEngine:
        distributed = _import_dask()
        try:
            if self.scheduler:
                self.client = distributed.Client(self.scheduler, timeout="20s")
            else:
                # One thread per worker: torch and spaCy are fastest single-threaded on small machines.
                self._cluster = distributed.LocalCluster(
                    n_workers=self.workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    silence_logs=40,
                    env={"OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"},
                )
                self.client = distributed.Client(self._cluster)
            self.client.register_plugin(LensModels(), name=PLUGIN)
        except (OSError, TimeoutError) as exc:
            self.__exit__(None, None, None)
            where = self.scheduler or "a local cluster"
            raise LensError(f"cannot connect to Dask scheduler {where}: {exc}") from exc
        return self

    def __exit__(self, *exc: object) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def describe(self) -> str:
        info = self.client.scheduler_info() if self.client is not None else {"workers": {}}
        where = self.scheduler or "local cluster on 127.0.0.1"
        return f"dask ({len(info.get('workers', {}))} workers, {where})"

    def submit_map(self, fn: Callable[..., Any], *iterables: Sequence[Any]) -> list[Any]:
        """Futures of ``fn`` over ``iterables`` (as ``map``), each retried on worker loss.

        The texts travel inside the task graph (tens of MB at a million rows), on purpose: scattered data
        would be lost with a dying worker, and its tasks could not be retried. Dask's warning about a large
        graph is therefore not shown.
        """
        import dask

        with dask.config.set({"distributed.admin.large-graph-warning-threshold": "4GB"}):
            return self.client.map(fn, *iterables, retries=RETRIES, pure=False)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        """The future of ``fn(*args)`` (futures among ``args`` stand for their results), retried on worker loss."""
        return self.client.submit(fn, *args, retries=RETRIES, pure=False)

    def gather(
        self,
        futures: list[Any],
        progress: Callable[[int], None] | None = None,
        sizes: list[int] | None = None,
    ) -> list[Any]:
        """The futures' results in order, ``progress(sizes[k])`` as each arrives; one LensError if any fails."""
        from distributed import as_completed

        index = {f.key: k for k, f in enumerate(futures)}
        results: list[Any] = [None] * len(futures)
        try:
            for fut in as_completed(futures):
                k = index[fut.key]
                results[k] = fut.result()
                if progress is not None:
                    progress(sizes[k] if sizes else 1)
        except Exception as exc:  # a task that failed RETRIES times, or the cluster went away
            for f in futures:
                f.cancel()
            if isinstance(exc, LensError):
                raise
            raise LensError(
                f"a Dask task failed: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            ) from exc
        return results

    def map_partitions(
        self,
        fn: Callable[..., Any],
        spec: Any,
        parts: list[Any],
        progress: Callable[[int], None] | None = None,
        sizes: list[int] | None = None,
    ) -> list[Any]:
        """``fn(spec, part)`` for every part on the workers, results in order; retried on worker loss."""
        return self.gather(self.submit_map(fn, [spec] * len(parts), parts), progress, sizes)

    def keep_parses(self, spec: ModelSpec, parts: list[list[str]], futures: list[Any]) -> None:
        """Remember where the parses of ``spec``'s parser live on the workers (partitions of texts and
        their futures) until :meth:`dataset_stats` has counted them there (another parser's are dropped)."""
        if spec != self._parses_spec:
            self._parses, self._parses_spec = [], spec
        self._parses.extend(zip(parts, futures))

    def nearest(
        self,
        axis: str,
        items: Sequence[str] | np.ndarray,
        targets: Sequence[str] | np.ndarray,
        order: np.ndarray | None = None,
        advance: Callable[[int], None] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """See :meth:`Engine.nearest`: the targets go to every worker once, the items in partitions of
        whole blocks, and only each item's nearest index and distance come back."""
        n = len(items)
        if n == 0 or len(targets) == 0:
            return np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.float32)
        step = dist.nearest_step(len(targets))
        span = step * max(1, NEAREST_PARTITION // step)
        parts = [items[s : s + span] for s in range(0, n, span)]
        [shared] = self.client.scatter([targets], broadcast=True, hash=False)
        futures = self.submit_map(
            _nearest_part,
            [axis] * len(parts),
            parts,
            [shared] * len(parts),
            [step] * len(parts),
            [order] * len(parts),
        )
        out = self.gather(futures, advance, [len(p) for p in parts])
        return np.concatenate([near for near, _ in out]), np.concatenate([d for _, d in out])

    def dataset_counts(
        self, texts: Sequence[str], parsed: Sequence[ParsedText]
    ) -> tuple[stats.CountSummary, stats.RowFigures]:
        """Steps 1 and 2 of :func:`lens_cli.stats.dataset_stats`, on the workers.

        Each distinct text is counted once, weighted by its rows, where its parse is: in a partition
        the parser left on the workers, else (parses from the cache) sent from here. The partial
        counts are merged on the workers; only their summary and three integers per distinct text
        come back. The floats are computed here, from the same numbers in row order.
        """
        distinct, group = unique(texts)
        index = {t: d for d, t in enumerate(distinct)}
        first_row = first_rows(group, len(distinct))
        weights = np.bincount(group, minlength=len(distinct))
        # (texts, parses or their future, positions in the partition) for every distinct text, once.
        parts: list[tuple[list[str], Any, list[int]]] = []
        located = np.zeros(len(index), dtype=bool)
        for part_texts, future in reversed(self._parses):  # a text parsed twice: the latest parse
            positions = []
            for j, t in enumerate(part_texts):
                d = index.get(t)
                if d is not None and not located[d]:
                    located[d] = True
                    positions.append(j)
            if positions:
                parts.append(([part_texts[j] for j in positions], future, positions))
        self.stats_partitions = {"on workers": len(parts), "sent": 0}
        for chunk in _split(np.flatnonzero(~located).tolist(), PARSE_PARTITION):
            parts.append(([distinct[d] for d in chunk], [parsed[first_row[d]] for d in chunk], list(range(len(chunk)))))
            self.stats_partitions["sent"] += 1
        ids = [np.asarray([index[t] for t in p[0]], dtype=np.int64) for p in parts]
        try:
            counts = self.submit_map(
                _count_part,
                [p[0] for p in parts],
                [p[1] for p in parts],
                [p[2] for p in parts],
                [weights[i] for i in ids],
            )
            while len(counts) > 1:
                counts = [
                    self.submit(_merge_counts, *counts[k : k + MERGE_FANIN]) for k in range(0, len(counts), MERGE_FANIN)
                ]
            merged = counts[0] if counts else stats.DatasetCounts()
            [summary] = self.gather([self.submit(_summarise_counts, merged)])
            repeated = self.submit(_repeated_shingles, merged)
            figures = self.gather(
                self.submit_map(
                    _figures_part,
                    [p[0] for p in parts],
                    [p[1] for p in parts],
                    [p[2] for p in parts],
                    [repeated] * len(parts),
                    [summary.template_set] * len(parts),
                )
            )
        finally:
            self._parses.clear()  # the parses on the workers are no longer needed
        per_text = stats.RowFigures.concatenate(figures)
        at = np.empty(len(index), dtype=np.int64)
        if ids:
            at[np.concatenate(ids)] = np.arange(len(at))
        return summary, per_text.take(at[group])

    def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)`` once, on a worker."""
        return self.client.submit(fn, *args, retries=RETRIES, pure=False).result()


def _split(items: Sequence[Any], size: int) -> list[list[Any]]:
    return [list(items[s : s + size]) for s in range(0, len(items), size)]


class DaskParser:
    """A :class:`~lens_cli.parsers.Parser` whose work runs on the engine's workers."""

    def __init__(self, engine: DaskEngine, spec: ModelSpec) -> None:
        self.engine = engine
        self.spec = spec
        self._info: ParserInfo | None = None

    def info(self) -> ParserInfo:
        if self._info is None:
            self._info = self.engine.run(_parser_info, self.spec)
        return self._info

    def cache_identity(self) -> ParserIdentity | None:
        """What the same parser built here says of itself, without loading its model (the workers
        have the same packages: see the README)."""
        identity: ParserIdentity | None = self.spec.build().cache_identity()
        return identity

    def parse(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> list[ParsedText]:
        """The parses, gathered here (the report shows tokens); they also stay on the workers for
        the dataset statistics (:meth:`DaskEngine.dataset_counts`)."""
        parts = _split(texts, PARSE_PARTITION)
        futures = self.engine.submit_map(_parse_part, [self.spec] * len(parts), parts)
        out = self.engine.gather(futures, progress, [len(p) for p in parts])
        self.engine.keep_parses(self.spec, parts, futures)
        return [p for part in out for p in part]


class DaskEmbedder:
    """An :class:`~lens_cli.embedders.Embedder` whose work runs on the engine's workers."""

    per_text = True
    in_worker = False  # it runs on the cluster's workers already

    def __init__(self, engine: DaskEngine, spec: ModelSpec, name: str) -> None:
        self.engine = engine
        self.spec = spec
        self.name = name
        self._described: str | None = None

    def describe(self) -> str:
        if self._described is None:
            self._described = self.engine.run(_embedder_describe, self.spec)
        return self._described

    def cache_identity(self) -> EmbedderIdentity | None:
        """What the same embedder built here says of itself, without loading its model."""
        identity: EmbedderIdentity | None = self.spec.build().cache_identity()
        return identity

    def embed(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        parts = _split(texts, EMBED_PARTITION)
        out = self.engine.map_partitions(_embed_part, self.spec, parts, progress, [len(p) for p in parts])
        if not out:
            return np.zeros((0, 1), dtype=np.float32)
        return np.concatenate(out).astype(np.float32, copy=False)


def parser_spec(name: str, lang: str, stanza_dir: str | None) -> ModelSpec:
    return ModelSpec("lens_cli.parsers:make_parser", (("name", name), ("lang", lang), ("stanza_dir", stanza_dir)))


def embedder_spec(name: str, precision: str = "auto") -> ModelSpec:
    if name != "minilm" and os.path.exists(name):
        name = os.path.abspath(name)
    return ModelSpec("lens_cli.embedders:make_embedder", (("name", name), ("precision", precision)))
