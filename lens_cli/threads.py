"""Keeping the threads of one run out of each other's way on the interpreter lock.

Two axes, the statistics thread and the dataset statistics run side by side (see
:func:`lens_cli.pipeline.run`). Long calls into C that release the GIL (rapidfuzz's ``cdist``,
LAPACK) overlap well. Two other kinds of work do not:

- loops of Python code (pattern mining, n-gram counting), which keep the GIL for a whole switch
  interval (5 ms) whenever another thread asks for it, and
- loops of many short numpy calls (the nearest-neighbour chain, tile-by-tile copies), each of which
  drops the GIL and must then wait for it again.

Side by side, the second kind waits a switch interval per call: on the 2-core VM of
``benchmarks/README.md`` the 7,258-item tree of :func:`lens_cli.cluster.nn_chain` took 0.4 s alone
and 79 s beside a thread running pure Python (10 s at a 0.5 ms switch interval). Both kinds need the
GIL nearly all the time, so running them one after the other loses nothing: each takes
:func:`interpreter_bound` around such a loop (``with interpreter_bound():``, or ``@interpreter_bound()``
on a whole function).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

_LOCK = threading.RLock()


@contextmanager
def interpreter_bound() -> Iterator[None]:
    """Hold the run's lock for GIL-bound loops (re-entrant: nested loops may take it again)."""
    with _LOCK:
        yield
