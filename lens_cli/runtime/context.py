"""What a run lends its stages while they run: a thread budget, a lock for interpreter-bound loops and
reusable memory. Stages ask for these through the functions here and read the same without a run
(defaults: all cores, no lock, fresh memory); the executor (:mod:`lens_cli.runtime.executor`) sets
them for every step it runs.

Why a lock. Long calls into C that release the GIL (rapidfuzz's ``cdist``, LAPACK) overlap well
across threads. Two other kinds of work do not:

- loops of Python code (pattern mining, n-gram counting), which keep the GIL for a whole switch
  interval (5 ms) whenever another thread asks for it, and
- loops of many short numpy calls (the nearest-neighbour chain, tile-by-tile copies), each of which
  drops the GIL and must then wait for it again.

Side by side, the second kind waits a switch interval per call: on the 2-core VM of
``benchmarks/README.md`` the 7,258-item tree of :func:`lens_cli.cluster.nn_chain` took 0.4 s alone and
79 s beside a thread running pure Python. Both kinds need the GIL nearly all the time, so running them
one after the other loses nothing: each holds :func:`gil_bound` around such a loop.

Why reusable memory. A fresh array costs a page fault per page the first time it is written, and the
kernel zeroes each page (about 0.5 s per GB on the 2-core VM): the axes of one run reuse the large
work arrays of the axes before them (:class:`ScratchPool`).
"""

from __future__ import annotations

import contextvars
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import numpy as np

T = TypeVar("T")


class Ticker(Protocol):
    """What a long stage tells about its progress (the executor shows it on stderr)."""

    def phase(self, label: str, total: int = 0) -> None:
        """A named step of the stage (``distances``, ``tree``) and how many units it has."""
        ...

    def __call__(self, k: int = 1) -> None:
        """``k`` more units are done."""
        ...


class _Silent:
    def phase(self, label: str, total: int = 0) -> None:
        pass

    def __call__(self, k: int = 1) -> None:
        pass


#: The ticker of a stage run outside an executor: says nothing.
SILENT: Ticker = _Silent()


class ScratchPool:
    """Large float64 work arrays kept from one axis to the next (two axes may run at once: two kept)."""

    KEEP = 2

    def __init__(self) -> None:
        self._free: list[np.ndarray] = []
        self._lock = threading.Lock()

    def take(self, size: int, reserve: int = 0) -> np.ndarray:
        """A float64 array of ``size`` elements, reused when one is free (contents undefined).

        A new array gets room for ``reserve`` elements if that is more: pages never written cost
        nothing, and a later, larger request can then reuse the array.
        """
        with self._lock:
            fits = [k for k, b in enumerate(self._free) if b.size >= size]
            if fits:
                best = min(fits, key=lambda k: self._free[k].size)
                return self._free.pop(best)[:size]
        return np.empty(max(size, reserve), dtype=np.float64)[:size]

    def give(self, array: np.ndarray) -> None:
        """Hand back an array from :meth:`take` (nothing may use it afterwards)."""
        base = array if array.base is None else array.base
        if not isinstance(base, np.ndarray) or base.dtype != np.float64 or base.ndim != 1:
            return
        with self._lock:
            self._free.append(base)
            self._free.sort(key=lambda b: -b.size)
            del self._free[self.KEEP :]


class _FreshMemory(ScratchPool):
    """Outside a run: every array is new, nothing is kept."""

    def give(self, array: np.ndarray) -> None:
        pass


@dataclass(frozen=True)
class RunContext:
    """What the stages of one run share.

    Attributes:
        threads: Threads one call into C may use (rapidfuzz's ``cdist``); -1: one per core.
        lock: Held around interpreter-bound loops (see the module docstring); ``None``: no lock.
        scratch: Work arrays reused across axes.
    """

    threads: int = -1
    lock: threading.RLock | None = None
    scratch: ScratchPool = field(default_factory=_FreshMemory)


_DEFAULT = RunContext()
_CURRENT: contextvars.ContextVar[RunContext] = contextvars.ContextVar("lens_run_context", default=_DEFAULT)


def current() -> RunContext:
    return _CURRENT.get()


def cdist_workers() -> int:
    """Threads for one ``rapidfuzz.process.cdist`` call."""
    return _CURRENT.get().threads


def scratch() -> ScratchPool:
    return _CURRENT.get().scratch


@contextmanager
def gil_bound() -> Iterator[None]:
    """Hold the run's lock around a loop that needs the interpreter nearly all the time."""
    lock = _CURRENT.get().lock
    with lock if lock is not None else nullcontext():
        yield


def interpreter_bound(fn: Callable[..., T]) -> Callable[..., T]:
    """Decorator form of :func:`gil_bound` for a whole function."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        with gil_bound():
            return fn(*args, **kwargs)

    return wrapper


@contextmanager
def using(context: RunContext) -> Iterator[None]:
    """Run the block (in this thread) with ``context``."""
    token = _CURRENT.set(context)
    try:
        yield
    finally:
        _CURRENT.reset(token)


@contextmanager
def one_thread_each() -> Iterator[None]:
    """BLAS and LAPACK (numpy, scipy) on one thread in this process for the block: with one core per
    step, OpenBLAS slows down several-fold when its threads do not get a core each."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # scikit-learn brings it; without it BLAS keeps its threads
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


#: numpy's switch for asking the kernel for transparent huge pages on large arrays (see :func:`small_pages`).
HUGEPAGE_VAR = "NUMPY_MADVISE_HUGEPAGE"


def small_pages() -> bool:
    """Stop numpy asking for transparent huge pages on large arrays, unless ``NUMPY_MADVISE_HUGEPAGE`` says
    otherwise; returns whether numpy now asks.

    Where transparent huge pages are on request only (``/sys/kernel/mm/transparent_hugepage/enabled`` reads
    ``madvise``, as on the project's VMs and many distributions), numpy requests them for every array of 4 MB
    or more, and the first write to each 2 MB page then waits for the kernel to find and clear a free 2 MB
    block. On the 2-core VM of ``benchmarks/README.md`` that made a first write 6-20x slower (900 MB: 5-16 s
    against 0.7-0.9 s) and a warm 10k-row run spent 13-15 s in the kernel against 2 s without them (same
    outputs). The variable is also set for the worker processes this one starts.
    """
    try:
        from numpy._core import multiarray
    except ImportError:  # numpy 1.x
        from numpy.core import multiarray  # type: ignore[no-redef]
    getter = getattr(multiarray, "_get_madvise_hugepage", None)
    setter = getattr(multiarray, "_set_madvise_hugepage", None)
    chosen = os.environ.get(HUGEPAGE_VAR)
    if chosen is None:
        os.environ[HUGEPAGE_VAR] = "0"
        if setter is not None:
            setter(False)
    return bool(getter()) if getter is not None else chosen not in (None, "0")
