"""Embedding in a worker process, so that the main process can parse and cluster meanwhile.

On the two-core machines lens is tuned for, the sentence-transformers model runs best on one
thread (two are erratic), and so do spaCy and most of clustering: a second process puts the idle
core to work. The worker is spawned (not forked: torch and fork do not mix), imports torch
itself - the main process never does - and sends back progress counts, then the vectors.
Vectors computed there are the ones the same model computes in-process (same batches, one thread).
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .errors import LensError, MissingModelError


def runs_in_background(embedder: Any) -> bool:
    """Whether ``embedder`` can embed in a worker: a sentence-transformers model not loaded here yet."""
    from .embedders import SentenceTransformerEmbedder

    return isinstance(embedder, SentenceTransformerEmbedder) and embedder._model is None


def _work(embedder: Any, texts: Sequence[str], conn: Any) -> None:
    try:
        vectors = embedder.embed(texts, lambda k: conn.send(("progress", k)))
        conn.send(("done", np.ascontiguousarray(vectors, dtype=np.float32), embedder.describe()))
    except MissingModelError as exc:
        conn.send(("missing", str(exc)))
    except LensError as exc:
        conn.send(("error", str(exc)))
    except KeyboardInterrupt:
        conn.send(("error", "interrupted"))
    except Exception as exc:  # reported in the main process as one line, like any internal error
        conn.send(("error", f"internal error in the embedding worker: {type(exc).__name__}: {exc}"))
    finally:
        conn.close()


class EmbedJob:
    """Embeds ``texts`` with ``embedder`` in a worker process.

    Attributes:
        total: Number of texts.
        count: Texts embedded so far (updated by a listener thread).
        seconds: Wall time from start to the vectors' arrival, once they have arrived.
    """

    def __init__(self, embedder: Any, texts: Sequence[str]) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(target=_work, args=(embedder, list(texts), child), daemon=True, name="lens-embed")
        self.total = len(texts)
        self.count = 0
        self.seconds = 0.0
        self._start = time.perf_counter()
        self._reply: tuple[Any, ...] | None = None
        self._proc.start()
        child.close()
        self._listener = threading.Thread(target=self._listen, daemon=True, name="lens-embed-listener")
        self._listener.start()

    def _listen(self) -> None:
        try:
            while True:
                msg = self._conn.recv()
                if msg[0] == "progress":
                    self.count += msg[1]
                    continue
                self._reply = msg
                return
        except (EOFError, OSError):
            self._reply = None
        finally:
            self.seconds = time.perf_counter() - self._start

    def wait(self, tick: Callable[[], None] | None = None) -> tuple[np.ndarray, str]:
        """The vectors and the embedder's description; ``tick()`` is called every 0.1 s while waiting."""
        while self._listener.is_alive():
            self._listener.join(0.1)
            if tick is not None:
                tick()
        self._proc.join(5)
        reply = self._reply
        if reply is None:
            raise LensError(
                f"the embedding worker stopped without an answer (exit code {self._proc.exitcode}); "
                "out of memory? try --embedder tfidf or --sample N"
            )
        if reply[0] == "missing":
            raise MissingModelError(reply[1])
        if reply[0] == "error":
            raise LensError(reply[1])
        return reply[1], reply[2]

    def cancel(self) -> None:
        """Stop the worker (when the run fails before its vectors are needed)."""
        if self._proc.is_alive():
            self._proc.terminate()
            self._proc.join(5)
