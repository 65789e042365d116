"""Run the heavy stages on a Dask cluster (``--engine dask``).

The local engine runs everything in this process. The Dask engine sends the model stages,
parsing and embedding, partition by partition to the workers of a ``dask.distributed`` cluster:
an existing one (``--scheduler tcp://host:8786``) or a local one on loopback (``--workers N``).
Each worker process loads its models once and keeps them for every partition it is given.
Reading, the cache, distances, trees and statistics stay on the client.

The results are identical to the local engine's: the same parser and model give the same tags
per text, and embedding partitions are aligned to the embedder's own chunks, so every text is
embedded in the same batch with the same neighbours as in a local run.

Models are named by a :class:`ModelSpec` (a factory path and its arguments), so a worker can
build them from an import path without pickling a loaded model.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import LensError, UsageProblem
from .model import ParsedText, ParserInfo

#: Texts per parse task; embedding tasks use a multiple of the embedder's chunk (512).
PARSE_PARTITION = 2_000
EMBED_PARTITION = 2_048
#: A task whose worker dies is tried again on another worker this many times.
RETRIES = 3

_WORKER_MODELS: dict[ModelSpec, Any] = {}


@dataclass(frozen=True)
class ModelSpec:
    """How to build a parser or embedder anywhere: ``module:callable`` and keyword arguments."""

    factory: str
    kwargs: tuple[tuple[str, Any], ...] = field(default_factory=tuple)

    def build(self) -> Any:
        module, _, name = self.factory.partition(":")
        return getattr(importlib.import_module(module), name)(**dict(self.kwargs))


def worker_model(spec: ModelSpec) -> Any:
    """The model for ``spec`` in this process, built on first use and kept (one per worker)."""
    model = _WORKER_MODELS.get(spec)
    if model is None:
        model = _WORKER_MODELS[spec] = spec.build()
    return model


def _parse_part(spec: ModelSpec, texts: list[str]) -> list[ParsedText]:
    return worker_model(spec).parse(texts)


def _parser_info(spec: ModelSpec) -> ParserInfo:
    return worker_model(spec).info()


def _embed_part(spec: ModelSpec, texts: list[str]) -> np.ndarray:
    return worker_model(spec).embed(texts)


def _embedder_describe(spec: ModelSpec) -> str:
    return worker_model(spec).describe()


def _import_dask() -> Any:
    try:
        import distributed
    except ImportError:
        raise UsageProblem(
            "--engine dask needs Dask: pip install 'lens-cli[dask]' (dask and distributed)", param="--engine"
        ) from None
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
        except (OSError, TimeoutError) as exc:
            self.__exit__(None, None, None)
            where = self.scheduler or "a local cluster"
            raise LensError(f"cannot connect to Dask scheduler {where}: {exc}") from None
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

    def map_partitions(
        self,
        fn: Callable[..., Any],
        spec: Any,
        parts: list[Any],
        progress: Callable[[int], None] | None = None,
        sizes: list[int] | None = None,
    ) -> list[Any]:
        """``fn(spec, part)`` for every part on the workers, results in order; retried on worker loss."""
        from distributed import as_completed

        futures = self.client.map(fn, [spec] * len(parts), parts, retries=RETRIES, pure=False)
        index = {f.key: k for k, f in enumerate(futures)}
        results: list[Any] = [None] * len(parts)
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
            ) from None
        return results

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

    def parse(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> list[ParsedText]:
        parts = _split(texts, PARSE_PARTITION)
        out = self.engine.map_partitions(_parse_part, self.spec, parts, progress, [len(p) for p in parts])
        return [p for part in out for p in part]


class DaskEmbedder:
    """An :class:`~lens_cli.embedders.Embedder` whose work runs on the engine's workers."""

    def __init__(self, engine: DaskEngine, spec: ModelSpec, name: str) -> None:
        self.engine = engine
        self.spec = spec
        self.name = name
        self._described: str | None = None

    def describe(self) -> str:
        if self._described is None:
            self._described = self.engine.run(_embedder_describe, self.spec)
        return self._described

    def embed(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        parts = _split(texts, EMBED_PARTITION)
        out = self.engine.map_partitions(_embed_part, self.spec, parts, progress, [len(p) for p in parts])
        if not out:
            return np.zeros((0, 1), dtype=np.float32)
        return np.concatenate(out).astype(np.float32, copy=False)


def parser_spec(name: str, lang: str, stanza_dir: str | None) -> ModelSpec:
    return ModelSpec("lens_cli.parsers:make_parser", (("name", name), ("lang", lang), ("stanza_dir", stanza_dir)))


def embedder_spec(name: str) -> ModelSpec:
    if name != "minilm" and os.path.exists(name):
        name = os.path.abspath(name)
    return ModelSpec("lens_cli.embedders:make_embedder", (("name", name),))
