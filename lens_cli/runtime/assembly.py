"""Putting a runtime together: :func:`open_runtime` from the command line's choices, :func:`local_runtime`
for library use and tests (see :mod:`lens_cli.runtime`)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..config import Options
from ..embedders import Embedder, make_embedder
from ..engine import LOCAL, Engine
from ..errors import UsageProblem
from ..parsers import Parser, make_parser
from .cache import Cache, CachedEmbedder, CachedParser, ResultMemo, default_cache_dir
from .embed_worker import MAX_WORKERS, WorkerEmbedder
from .executor import Plan
from .progress import Progress


def available_cores() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class EmbedTuning:
    """How the embedding model runs locally (environment variables; the defaults were measured best on
    2 cores, see docs/performance.md#embeddings).

    Attributes:
        threads: Torch threads per embedding process (``LENS_EMBED_THREADS``, default 1).
        workers: Embedding worker processes at most (``LENS_EMBED_WORKERS``, default 2).
    """

    threads: int = 1
    workers: int = MAX_WORKERS


def embed_tuning() -> EmbedTuning:
    """:class:`EmbedTuning` from the environment; a value that is not a whole number from 1 to 64 is a
    usage error."""

    def read(var: str, default: int) -> int:
        raw = os.environ.get(var, "").strip()
        if not raw:
            return default
        if not raw.isdigit() or not 1 <= int(raw) <= 64:
            raise UsageProblem(f"{var} must be a whole number from 1 to 64, not {raw!r}")
        return int(raw)

    return EmbedTuning(read("LENS_EMBED_THREADS", 1), read("LENS_EMBED_WORKERS", MAX_WORKERS))


@dataclass
class Runtime:
    """What runs the stages of one or more analyses.

    Attributes:
        parser: The parser (cached, or on Dask workers, behind the same interface).
        embedder: The embedder (cached, in worker processes, or on Dask workers), or ``None`` when no
            axis needs one.
        engine: Where the row-wise work runs (this process, or a Dask cluster).
        progress: Where steps and notes are reported.
        cores: Steps that may run at once.
        memo: The results cache for trees and statistics, if any.
        engine_name: How the JSON names the engine (``local``, or the Dask cluster).
        timings: Seconds spent setting the runtime up (a Dask cluster's start), by name.
    """

    parser: Parser
    embedder: Embedder | None
    engine: Engine = LOCAL
    progress: Progress = field(default_factory=lambda: Progress(quiet=True))
    cores: int = 1
    memo: ResultMemo | None = None
    engine_name: str = "local"
    timings: dict[str, float] = field(default_factory=dict)
    workers: list[WorkerEmbedder] = field(default_factory=list)
    label: str = ""
    plans: list[Plan] = field(default_factory=list)

    def plan(self) -> Plan:
        """A new executor for the steps of one analysis."""
        plan = Plan(self.cores, self.progress, self.memo, prefix=f"{self.label} " if self.label else "")
        self.plans.append(plan)
        return plan

    def labelled(self, label: str) -> Runtime:
        """The same runtime, its steps and notes labelled (``A parse``): for several analyses in one run."""
        return replace(self, label=label)

    def spare_core(self) -> Callable[[], None] | None:
        """A core the current analysis does not need (for a second embedding worker), or ``None``."""
        return self.plans[-1].spare_core() if self.plans else None

    def note(self, message: str) -> None:
        self.progress.note(f"note ({self.label}): {message}" if self.label else f"note: {message}")

    def close(self) -> None:
        """Stop what still runs for this runtime (embedding workers), e.g. after a failure."""
        for worker in self.workers:
            worker.cancel()


@dataclass(frozen=True)
class RuntimeSettings:
    """The command line's runtime choices.

    Attributes:
        cache_dir: Where parses, embeddings, trees and statistics are cached (``None``: the default).
        no_cache: Neither read nor write the cache.
        engine: ``local`` or ``dask``.
        scheduler: An existing Dask scheduler's address.
        workers: Workers of a local Dask cluster.
        quiet: No progress on stderr.
    """

    cache_dir: str | None = None
    no_cache: bool = False
    engine: str = "local"
    scheduler: str | None = None
    workers: int | None = None
    quiet: bool = False

    def check(self) -> None:
        if self.engine != "dask" and (self.scheduler or self.workers):
            raise UsageProblem("--scheduler and --workers need --engine dask", param="--engine")


def _cache(settings: RuntimeSettings) -> Cache | None:
    if settings.no_cache:
        return None
    return Cache(Path(settings.cache_dir) if settings.cache_dir else default_cache_dir())


def local_runtime(
    options: Options,
    *,
    parser: Parser | None = None,
    embedder: Embedder | None = None,
    cache: Cache | None = None,
    progress: Progress | None = None,
    embed_in_worker: bool = True,
    cores: int | None = None,
) -> Runtime:
    """Everything in this process, but the embedding model in worker processes when it runs best there.

    ``parser`` and ``embedder`` default to the ones ``options`` names (tests pass small ones); ``cache``
    keeps parses, embeddings, trees and statistics between runs.
    """
    progress = progress if progress is not None else Progress(quiet=True)
    runtime = Runtime(
        parser=parser or make_parser(options.parser, options.lang, options.stanza_dir),
        embedder=None,
        progress=progress,
        cores=cores if cores is not None else available_cores(),
    )
    if "semantic" in options.axes:
        tuning = embed_tuning()
        emb = embedder or make_embedder(options.embedder, options.embed_precision, tuning.threads)
        if embed_in_worker and emb.in_worker:
            emb = WorkerEmbedder(emb, runtime.spare_core, tuning.workers, runtime.timings)
            runtime.workers.append(emb)
        runtime.embedder = emb
    if cache is not None:
        runtime.parser = CachedParser(runtime.parser, cache, runtime.note)
        if runtime.embedder is not None:
            runtime.embedder = CachedEmbedder(runtime.embedder, cache, runtime.note)
        runtime.memo = ResultMemo(cache, runtime.note)
    return runtime


@contextmanager
def open_runtime(settings: RuntimeSettings, options: Options) -> Iterator[Runtime]:
    """The runtime the command line asked for; a Dask cluster it started is shut down on exit, and
    embedding workers still running (after a failure) are stopped."""
    settings.check()
    progress = Progress(quiet=settings.quiet)
    cache = _cache(settings)
    if settings.engine != "dask":
        runtime = local_runtime(options, cache=cache, progress=progress)
        try:
            yield runtime
        finally:
            runtime.close()
        return
    from .dask import DaskEmbedder, DaskEngine, DaskParser, embedder_spec, parser_spec

    started = time.perf_counter()
    with DaskEngine(scheduler=settings.scheduler, workers=settings.workers) as eng:
        parser = DaskParser(eng, parser_spec(options.parser, options.lang, options.stanza_dir))
        embedder: Embedder | None = None
        if "semantic" in options.axes:
            # TF-IDF is fitted on the whole corpus: it runs here, not in partitions.
            embedder = (
                make_embedder("tfidf")
                if options.embedder == "tfidf"
                else DaskEmbedder(eng, embedder_spec(options.embedder, options.embed_precision), options.embedder)
            )
        runtime = local_runtime(
            options, parser=parser, embedder=embedder, cache=cache, progress=progress, embed_in_worker=False
        )
        runtime.engine, runtime.engine_name = eng, eng.describe()
        # Starting a local cluster (or connecting to one) comes before every other stage.
        runtime.timings["cluster"] = time.perf_counter() - started
        yield runtime
