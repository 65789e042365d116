"""Featurize: what each axis compares, for every text (and every seed given in a separate file).

| axis       | a text becomes                                                     |
|------------|--------------------------------------------------------------------|
| syntax     | its UPOS sequence, one character per tag                           |
| dependency | its dependency labels in token order, one character per label      |
| lexical    | its sorted set of lower-cased words, one character per word        |
| semantic   | its L2-normalised sentence embedding                               |

The distances between these items are in :mod:`lens_cli.distances`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from . import distances as dist
from .model import ParsedCorpus, Vectors


@dataclass(frozen=True)
class AxisFeatures:
    """What one axis compares.

    Attributes:
        axis: The axis.
        items: Per text its axis string (strings share one :class:`~lens_cli.distances.Codebook`), or
            on the semantic axis the ``(n, d)`` float32 embeddings.
        seed_items: The same for the seeds given in a separate file (empty without).
        texts: The corpus texts: ties in trees and among near-duplicates are broken by text.
    """

    axis: str
    items: Sequence[str] | np.ndarray
    seed_items: Sequence[str] | np.ndarray
    texts: Sequence[str]

    @property
    def n(self) -> int:
        return len(self.texts)

    @property
    def strings(self) -> Sequence[str] | None:
        """The axis strings, or ``None`` on the semantic axis. Equal strings are equally far from everything."""
        return None if isinstance(self.items, np.ndarray) else self.items

    def take(self, idx: np.ndarray) -> Any:
        """The items of texts ``idx``."""
        if isinstance(self.items, np.ndarray):
            return self.items[idx]
        return [self.items[i] for i in idx]

    def cross(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """``(len a, len b)`` distances between texts ``a`` and texts ``b``."""
        return dist.cross(self.axis, self.take(a), self.take(b))

    def pairs(self, idx: np.ndarray) -> np.ndarray:
        """Square distances among texts ``idx``, exactly symmetric.

        The upper triangle is mirrored: a float32 matmul need not give d(a, b) == d(b, a) to the last
        bit, and an asymmetric matrix would break medoid ties by rounding noise.
        """
        sq = np.triu(self.cross(idx, idx), 1)
        sq += sq.T
        return sq

    @cached_property
    def key(self) -> str:
        """A SHA-256 of everything this axis's trees and statistics depend on (results cache)."""
        h = hashlib.sha256(f"features|{self.axis}|".encode())
        _hash_strings(h, self.texts)
        if isinstance(self.items, np.ndarray):
            arr = np.ascontiguousarray(self.items)
            h.update(f"|array {arr.dtype.str} {arr.shape}|".encode())
            h.update(arr.tobytes())
        else:
            _hash_strings(h, self.items)
        return h.hexdigest()


def _hash_strings(h: Any, strings: Sequence[str]) -> None:
    h.update(b"|list %d|" % len(strings))
    for s in strings:
        b = s.encode("utf-8", "surrogatepass")
        h.update(len(b).to_bytes(8, "little"))
        h.update(b)


def featurize(axis: str, parsed: ParsedCorpus, vectors: Vectors | None = None) -> AxisFeatures:
    """The items ``axis`` compares for every text and separate seed (``vectors``: the semantic axis's)."""
    texts = parsed.corpus.texts
    if axis == "semantic":
        if vectors is None:
            raise ValueError("the semantic axis needs vectors")
        return AxisFeatures(axis, vectors.texts, vectors.seeds, texts)
    codebook = dist.Codebook()
    items = dist.axis_strings(axis, parsed.parsed, codebook)
    seed_items = dist.axis_strings(axis, parsed.seed_parsed, codebook)
    return AxisFeatures(axis, items, seed_items, texts)
