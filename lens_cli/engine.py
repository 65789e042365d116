"""Where the work over all rows runs: here (:data:`LOCAL`), or on a Dask cluster
(:class:`lens_cli.runtime.dask.DaskEngine`) with the same results.

Two stages go over every row: finding each item's nearest landmark or seed (:func:`lens_cli.cluster.grow_tree`,
:func:`lens_cli.seeds.seed_copying`) and counting the dataset statistics' sums over rows
(:func:`lens_cli.stats.dataset_stats`). They take an :class:`Engine` and read the same whichever runs them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

from . import distances as dist
from . import stats
from .model import ParsedText


class Engine(Protocol):
    """The row-wise work of an analysis.

    An engine must give exactly the results of :data:`LOCAL`: the same blocks of rows, the same
    functions, every float computed from the same numbers in the same order.
    """

    def nearest(
        self,
        axis: str,
        items: Sequence[str] | np.ndarray,
        targets: Sequence[str] | np.ndarray,
        order: np.ndarray | None = None,
        advance: Callable[[int], None] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """For each item (axis strings or embedding rows) the index of its nearest target and the distance,
        computed in the blocks of :func:`~lens_cli.distances.nearest_step` (ties as
        :func:`~lens_cli.distances.nearest_columns`); ``advance(k)`` as ``k`` more items are done."""
        ...

    def dataset_counts(
        self, texts: Sequence[str], parsed: Sequence[ParsedText]
    ) -> tuple[stats.CountSummary, stats.RowFigures]:
        """Steps 1 and 2 of the dataset statistics (see :mod:`lens_cli.stats`): the summary of the sums
        over rows, and every text's figures, in text order."""
        ...


class LocalEngine:
    """Everything in this process."""

    def nearest(
        self,
        axis: str,
        items: Sequence[str] | np.ndarray,
        targets: Sequence[str] | np.ndarray,
        order: np.ndarray | None = None,
        advance: Callable[[int], None] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        n = len(items)
        near = np.zeros(n, dtype=np.int64)
        dmin = np.zeros(n, dtype=np.float32)
        if n == 0 or len(targets) == 0:
            return near, dmin
        step = dist.nearest_step(len(targets))
        for s in range(0, n, step):
            block = dist.cross(axis, items[s : s + step], targets)
            near[s : s + step], dmin[s : s + step] = dist.nearest_columns(block, order)
            if advance is not None:
                advance(block.shape[0])
        return near, dmin

    def dataset_counts(
        self, texts: Sequence[str], parsed: Sequence[ParsedText]
    ) -> tuple[stats.CountSummary, stats.RowFigures]:
        return stats.dataset_counts(texts, parsed)


LOCAL = LocalEngine()
