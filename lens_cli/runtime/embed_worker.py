"""Embedding in worker processes, so that the main process can parse and cluster meanwhile.

On the two-core machines lens is tuned for, the sentence-transformers model runs best on one
thread (two are erratic), and so do spaCy and most of clustering: a worker process puts the idle
core to work. Workers are spawned (not forked: torch and fork do not mix) and import torch
themselves - the main process never does.

The texts (shortest first, as the embed stage orders them) are cut into chunks of :data:`CHUNK`
and workers take the next chunk when they are free. When the run has a core to spare and enough
chunks are left, a second worker joins (:meth:`EmbedJob.add_worker`). Which worker embeds a chunk
depends on timing, but a text's vector depends only on the text (see :mod:`lens_cli.embedders`),
so the result is the same as in-process.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..embedders import BATCH_SIZE as EMBED_BATCH
from ..embedders import Embedder, EmbedderIdentity
from ..errors import LensError, MissingModelError

#: Texts per chunk: eight batches, about 1-2 s of work (a smaller chunk would leave fewer texts of one
#: length to fill a batch).
CHUNK = EMBED_BATCH * 8


def _work(embedder: Any, conn: Any) -> None:
    """Worker: load the model, then ask for a chunk, embed it, send the vectors back; until told to stop."""
    try:
        described = embedder.describe()  # loads the model: the first "ready" marks the end of start-up
        while True:
            conn.send(("ready",))
            msg = conn.recv()
            if msg[0] != "chunk":
                return
            _, index, texts = msg
            vectors = embedder.embed(texts)
            conn.send(("result", index, np.ascontiguousarray(vectors, dtype=np.float32), described))
    except MissingModelError as exc:
        conn.send(("missing", str(exc)))
    except LensError as exc:
        conn.send(("error", str(exc)))
    except (KeyboardInterrupt, EOFError, BrokenPipeError):
        pass
    except Exception as exc:  # reported in the main process as one line, like any internal error
        conn.send(("error", f"internal error in the embedding worker: {type(exc).__name__}: {exc}"))
    finally:
        conn.close()


class EmbedJob:
    """Embeds ``texts`` with ``embedder`` in worker processes.

    Attributes:
        total: Number of texts.
        count: Texts embedded so far.
        workers: How many worker processes were started.
        startup: Seconds from starting each worker to its model being loaded, in start order (the
            workers that got that far).
    """

    def __init__(self, embedder: Any, texts: Sequence[str]) -> None:
        self._embedder = embedder
        self._chunks = [list(texts[s : s + CHUNK]) for s in range(0, len(texts), CHUNK)]
        self._next = 0
        self._results: dict[int, np.ndarray] = {}
        self._described: str | None = None
        self._failure: tuple[str, str] | None = None
        self._lock = threading.Lock()
        self._all_done = threading.Event()
        self._procs: list[Any] = []
        self._listeners: list[threading.Thread] = []
        self.total = len(texts)
        self.count = 0
        self.workers = 0
        self.startup: list[float] = []
        if not self._chunks:
            self._all_done.set()
        else:
            self.add_worker()

    def remaining_chunks(self) -> int:
        with self._lock:
            return len(self._chunks) - self._next

    def add_worker(self) -> None:
        """Start one more worker process; it takes chunks as they come."""
        ctx = multiprocessing.get_context("spawn")
        conn, child = ctx.Pipe(duplex=True)
        proc = ctx.Process(target=_work, args=(self._embedder, child), daemon=True, name="lens-embed")
        started = time.perf_counter()
        proc.start()
        child.close()
        listener = threading.Thread(
            target=self._serve, args=(conn, proc, started), daemon=True, name="lens-embed-listener"
        )
        self._procs.append(proc)
        self._listeners.append(listener)
        self.workers += 1
        listener.start()

    def _serve(self, conn: Any, proc: Any, started: float) -> None:
        """Hand chunks to one worker and collect its vectors."""
        loaded = False
        try:
            while True:
                msg = conn.recv()
                if msg[0] == "ready":
                    with self._lock:
                        if not loaded:
                            self.startup.append(time.perf_counter() - started)
                            loaded = True
                        index = self._next if self._failure is None and self._next < len(self._chunks) else None
                        if index is not None:
                            self._next += 1
                    if index is None:
                        conn.send(("stop",))
                        return
                    conn.send(("chunk", index, self._chunks[index]))
                elif msg[0] == "result":
                    _, index, vectors, described = msg
                    with self._lock:
                        self._results[index] = vectors
                        self._described = self._described or described
                        self.count += len(self._chunks[index])
                        if len(self._results) == len(self._chunks):
                            self._all_done.set()
                else:
                    with self._lock:
                        self._failure = self._failure or (msg[0], msg[1])
                    self._all_done.set()
                    return
        except (EOFError, OSError):
            with self._lock:
                if len(self._results) < len(self._chunks) and self._failure is None:
                    self._failure = (
                        "died",
                        f"the embedding worker stopped without an answer (exit code {proc.exitcode}); "
                        "out of memory? try --embedder tfidf or --sample N",
                    )
            self._all_done.set()
        finally:
            conn.close()

    def wait(self, tick: Callable[[], None] | None = None) -> tuple[np.ndarray, str]:
        """The vectors in text order and the embedder's description; ``tick()`` every 0.1 s while waiting."""
        while not self._all_done.wait(0.1):
            if tick is not None:
                tick()
        for listener in self._listeners:
            listener.join(5)
        for proc in self._procs:
            proc.join(5)
        if self._failure is not None:
            kind, message = self._failure
            if kind == "missing":
                raise MissingModelError(message)
            raise LensError(message)
        if not self._chunks:
            return np.zeros((0, 1), dtype=np.float32), self._embedder.describe()
        assert self._described is not None
        return np.concatenate([self._results[i] for i in range(len(self._chunks))]), self._described

    def cancel(self) -> None:
        """Stop the workers (when the run fails before the vectors are needed)."""
        for proc in self._procs:
            if proc.is_alive():
                proc.terminate()
                proc.join(5)


#: A second worker needs ~5 s to import torch and load the model: worth it only with at least this
#: many chunks (~2 s each) left when a core is free for it.
SECOND_WORKER_CHUNKS = 6
#: Worker processes at most (each holds its own copy of the model, 0.6-0.7 GB).
MAX_WORKERS = 2


class WorkerEmbedder:
    """An :class:`~lens_cli.embedders.Embedder` that embeds in worker processes (see the module docstring).

    ``spare_core()`` asks the run for a core it does not need: it returns a function that gives the
    core back, or ``None``; while a worker embeds, another joins whenever it says yes and at least
    :data:`SECOND_WORKER_CHUNKS` chunks are left, up to ``max_workers``. Each worker's start-up (spawn,
    imports, model load) is written to ``timings`` as ``embed start-up`` (the first worker) and
    ``embed start-up 2`` (the second).
    """

    def __init__(
        self,
        embedder: Embedder,
        spare_core: Callable[[], Callable[[], None] | None] | None = None,
        max_workers: int = MAX_WORKERS,
        timings: dict[str, float] | None = None,
    ) -> None:
        self.inner = embedder
        self.name = embedder.name
        self.per_text = embedder.per_text
        self.in_worker = embedder.in_worker
        self.spare_core = spare_core
        self.max_workers = max(1, max_workers)
        self.timings = timings if timings is not None else {}
        self.workers_used = 0
        self._described: str | None = None
        self._jobs: list[EmbedJob] = []

    def describe(self) -> str:
        return self._described if self._described is not None else self.inner.describe()

    def cache_identity(self) -> EmbedderIdentity | None:
        return self.inner.cache_identity()

    def embed(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        job = EmbedJob(self.inner, texts)
        self._jobs.append(job)
        released: list[Callable[[], None]] = []
        told = 0

        def tick() -> None:
            nonlocal told
            if progress is not None and job.count > told:
                progress(job.count - told)
                told = job.count
            if (
                self.spare_core is not None
                and job.workers < self.max_workers
                and job.remaining_chunks() >= SECOND_WORKER_CHUNKS
            ):
                give_back = self.spare_core()
                if give_back is not None:
                    released.append(give_back)
                    job.add_worker()

        try:
            vectors, described = job.wait(tick)
        finally:
            for give_back in released:
                give_back()
            self._jobs.remove(job)
        tick()
        self.workers_used = max(self.workers_used, job.workers)
        for k, seconds in enumerate(job.startup):
            self.timings["embed start-up" + (f" {k + 1}" if k else "")] = seconds
        self._described = described
        return vectors

    def cancel(self) -> None:
        """Stop the workers of any embedding under way (the run failed)."""
        for job in list(self._jobs):
            job.cancel()
