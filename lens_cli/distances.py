"""Per-axis distances, as docs/statistics.md defines them, computed with rapidfuzz's C++ ``cdist``.

| axis       | compared                              | distance                          |
|------------|---------------------------------------|-----------------------------------|
| syntax     | UPOS sequences                        | Levenshtein / max(len a, len b)   |
| dependency | dependency labels in token order      | Levenshtein / max(len a, len b)   |
| template   | function-word skeletons               | Levenshtein / max(len a, len b)   |
| lexical    | sets of lower-cased word tokens       | 1 - Dice (= Indel on sorted sets) |
| semantic   | L2-normalised sentence embeddings     | (1 - cos) / 2                     |

Each tag or word becomes one character so that a sequence is a string. For sorted,
de-duplicated sets the Indel distance is 1 - 2|A∩B|/(|A|+|B|) = 1 - Dice.
Matrices are float32 and condensed (scipy's upper-triangle order).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Indel, Levenshtein

from .errors import LensError
from .model import ParsedText
from .runtime.context import cdist_workers, gil_bound, scratch
from .skeleton import skeleton

#: Elements of one cdist block (float32): bounds the temporary memory to ~128 MB.
BLOCK_ELEMENTS = 8_000_000


#: Distinct tags or words one codebook can hold: the code points past Latin-1, surrogates left out.
MAX_CODES = 0x110000 - 0x100 - 0x800


def _char(i: int) -> str:
    # Start past Latin-1 and skip the surrogate block, which cannot be encoded.
    code = 0x100 + i
    if code >= 0xD800:
        code += 0x800
    return chr(code)


class Codebook:
    """Maps tags or words to single characters, shared by data and seeds so they compare."""

    def __init__(self) -> None:
        self._codes: dict[str, str] = {}

    def encode(self, items: Sequence[str]) -> str:
        codes = self._codes
        out = []
        for item in items:
            c = codes.get(item)
            if c is None:
                if len(codes) >= MAX_CODES:
                    # chr() would fail past U+10FFFF ('internal error: ValueError').
                    raise LensError(
                        f"more than {MAX_CODES:,} distinct words on one axis, more than lens can compare; "
                        "analyse a --sample, or leave the lexical axis out with --axes"
                    )
                c = codes[item] = _char(len(codes))
            out.append(c)
        return "".join(out)


def axis_strings(axis: str, parsed: Sequence[ParsedText], codebook: Codebook) -> list[str]:
    """One string per text for a string axis (syntax, dependency, lexical)."""
    if axis == "syntax":
        return [codebook.encode(p.upos) for p in parsed]
    if axis == "dependency":
        return [codebook.encode(p.deps) for p in parsed]
    if axis == "template":
        return [codebook.encode(skeleton(p)) for p in parsed]
    if axis == "lexical":
        return ["".join(sorted(set(codebook.encode(p.words)))) for p in parsed]
    raise ValueError(f"not a string axis: {axis}")


def scorer_for(axis: str) -> Any:
    return Indel.normalized_distance if axis == "lexical" else Levenshtein.normalized_distance


def condensed_size(n: int) -> int:
    return n * (n - 1) // 2


def condensed_index(n: int, i: np.ndarray | int, j: np.ndarray | int) -> np.ndarray | int:
    """Position of pair (i, j), i < j, in a condensed matrix of ``n`` items."""
    return n * i - i * (i + 1) // 2 + (j - i - 1)


Advance = Callable[[int], None]


def _row_blocks(n: int) -> Iterator[tuple[int, int]]:
    """``(i, b)``: blocks of ``b`` rows from row ``i``, each against columns ``i..n``, of about
    :data:`BLOCK_ELEMENTS` distances, covering the rows that have pairs to their right (0..n-2)."""
    i = 0
    while i < n - 1:
        b = max(1, min(n - 1 - i, BLOCK_ELEMENTS // (n - i)))
        yield i, b
        i += b


def _fill_condensed(
    n: int, block_fn: Any, dtype: Any = np.float32, progress: Advance | None = None, out: np.ndarray | None = None
) -> np.ndarray:
    """The condensed matrix, filled a block of rows at a time (``block_fn(i, j)``: rows i..j-1 against i..n-1).

    Blocks are float32 whatever ``dtype`` is: a float64 result holds the same float32 values, ready
    for fastcluster, without a second full-size copy. ``progress(k)`` is called as ``k`` more rows are done.
    ``out``: the array to fill (from the run's scratch memory), instead of a new one of ``dtype``.
    """
    out = np.empty(condensed_size(n), dtype=dtype) if out is None else out
    pos = 0
    for i, b in _row_blocks(n):
        block = block_fn(i, i + b)  # rows i..i+b against columns i..n
        for r in range(b):
            row = block[r, r + 1 :]
            out[pos : pos + row.size] = row
            pos += row.size
        if progress is not None:
            progress(b)
    if progress is not None and n:
        progress(1)  # the last row has no pairs of its own
    return out


#: Distances are computed among distinct items only (and copied out to every pair of rows) when at
#: most this share of the items is distinct: copying costs ~2 ns a pair, a distance 12-18 ns.
DISTINCT_SHARE = 0.85
#: ... and the distinct items' square matrix (float32) has at most this many elements (600 MB).
DISTINCT_SQUARE_ELEMENTS = 150_000_000


def distinct_index(keys: Sequence[Any]) -> tuple[list[int], np.ndarray]:
    """The first position of each distinct key (in order), and for each position its key's number."""
    first: dict[Any, int] = {}
    rows: list[int] = []
    group = np.empty(len(keys), dtype=np.int64)
    for i, key in enumerate(keys):
        g = first.setdefault(key, len(rows))
        if g == len(rows):
            rows.append(i)
        group[i] = g
    return rows, group


#: Side of the tiles in which :func:`_fill_square` mirrors the upper triangle (cache-sized).
MIRROR_TILE = 256


def _fill_square(out: np.ndarray, block: Callable[[int, int], np.ndarray], progress: Advance | None = None) -> None:
    """Fill the ``(m, m)`` array ``out`` with the symmetric distances ``block(i, j)`` gives (rows i..j-1
    against columns i..m-1), a block of rows at a time; the diagonal is exactly 0. ``progress`` is
    told each block's rows."""
    m = out.shape[0]
    for i, b in _row_blocks(m):
        out[i : i + b, i:] = block(i, i + b)
        if progress is not None:
            progress(b)
    # The lower triangle is the upper one transposed, copied tile by tile: writing whole transposed
    # blocks at once would touch one cache line per element. Many short numpy calls: see lens_cli.threads.
    with gil_bound():
        for r in range(0, m, MIRROR_TILE):
            tile = out[r : r + MIRROR_TILE, r : r + MIRROR_TILE]
            lower = np.tril_indices(tile.shape[0], -1)
            tile[lower] = tile.T[lower]
            for c in range(r + MIRROR_TILE, m, MIRROR_TILE):
                out[c : c + MIRROR_TILE, r : r + MIRROR_TILE] = out[r : r + MIRROR_TILE, c : c + MIRROR_TILE].T
    # d(x, x) = 0 exactly (also where a float32 dot product says 1e-8, and for the last item, which no
    # block covers)
    np.fill_diagonal(out, 0.0)


def _blocks_for(axis: str) -> Callable[[Any], Callable[[int, int], np.ndarray]]:
    """``blocks(items)``: the ``block(i, j)`` function of :func:`_fill_condensed` over some items of ``axis``
    (strings of a string axis, or embedding rows)."""
    if axis == "semantic":

        def embedding_blocks(rows: Any) -> Callable[[int, int], np.ndarray]:
            rows = np.ascontiguousarray(rows, dtype=np.float32)
            return lambda i, j: embedding_cross(rows[i:j], rows[i:])

        return embedding_blocks
    scorer = scorer_for(axis)

    def string_blocks(items: Any) -> Callable[[int, int], np.ndarray]:
        items = list(items)
        choices = list(items)  # a distinct list object: cdist(a, a) takes a 3-4x slower path

        def block(i: int, j: int) -> np.ndarray:
            return process.cdist(items[i:j], choices[i:], scorer=scorer, dtype=np.float32, workers=cdist_workers())

        return block

    return string_blocks


def _keys(axis: str, items: Any) -> Sequence[Any]:
    """Keys equal exactly for equal items of ``axis``."""
    return [row.tobytes() for row in np.ascontiguousarray(items, dtype=np.float32)] if axis == "semantic" else items


def _repeats(axis: str, items: Any) -> tuple[list[int], np.ndarray, Any] | None:
    """``(first, group, distinct items)`` of ``items`` (see :func:`distinct_index`) when they repeat
    enough for their distances to be computed among the distinct ones: at most :data:`DISTINCT_SHARE`
    distinct and a square of at most :data:`DISTINCT_SQUARE_ELEMENTS`. ``None`` otherwise."""
    keys = _keys(axis, items)
    n = len(keys)
    first, group = distinct_index(keys)
    m = len(first)
    if n < 2 or m > DISTINCT_SHARE * n or m * m > DISTINCT_SQUARE_ELEMENTS:
        return None
    sub = items[np.asarray(first)] if isinstance(items, np.ndarray) else [items[i] for i in first]
    return first, group, sub


def _condensed(
    axis: str,
    items: Any,
    dtype: Any,
    progress: Advance | None,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Condensed distances among ``items`` of ``axis``.

    Generated data repeats itself (the same tag sequence under many texts): when few enough items are
    distinct, their distances are computed once, as a square, and every pair of rows reads its value
    from there. The values are the same float32 numbers either way.
    """
    blocks = _blocks_for(axis)
    n = len(items)
    found = _repeats(axis, items)
    if found is None:
        return _fill_condensed(n, blocks(items), dtype, progress, out)
    first, group, sub = found
    m = len(first)
    sq = np.empty((m, m), dtype=np.float32)
    _fill_square(sq, blocks(sub))
    out = np.empty(condensed_size(n), dtype=dtype) if out is None else out
    pos = 0
    step = max(1, n // 100)
    for r in range(n - 1):
        length = n - 1 - r
        out[pos : pos + length] = sq[group[r]][group[r + 1 :]]
        pos += length
        if progress is not None and (r + 1) % step == 0:
            progress(step)
    if progress is not None and n:
        progress(n - (n - 1) // step * step)
    return out


@dataclass(frozen=True)
class Distinct:
    """The distances among the distinct items of one axis, for items that repeat each other.

    ``work`` is a flat float64 array (from the run's scratch memory) whose first ``m * m`` elements are the
    ``(m, m)`` distances (float32 values, zero diagonal) among the distinct items, numbered in the order
    of their first occurrence; ``first`` holds each one's first position and ``group`` each position's
    distinct item.
    """

    work: np.ndarray
    first: np.ndarray
    group: np.ndarray

    @property
    def m(self) -> int:
        return len(self.first)

    @property
    def square(self) -> np.ndarray:
        return self.work[: self.m * self.m].reshape(self.m, self.m)

    @property
    def counts(self) -> np.ndarray:
        """How many positions each distinct item has."""
        return np.bincount(self.group, minlength=self.m)


def distinct_distances(axis: str, items: Any, progress: Advance | None = None) -> Distinct | None:
    """Distances among the distinct ``items`` of ``axis`` (strings, or embedding rows), or ``None``
    when more than :data:`DISTINCT_SHARE` of them are distinct (or the square would be too large).

    ``progress`` is told about ``len(items)`` in all, in proportion to the rows done. Hand
    ``result.work`` back to the run's scratch memory when done with it.
    """
    n = len(items)
    found = _repeats(axis, items)
    if found is None:
        return None
    first, group, sub = found
    m = len(first)
    done = [0, 0]  # distinct rows done, progress told

    def advance(rows: int) -> None:
        done[0] += rows
        told = n * done[0] // m
        if progress is not None and told > done[1]:
            progress(told - done[1])
            done[1] = told

    # Room for the largest square any axis of these items may need (see ScratchPool.take).
    work = scratch().take(m * m, reserve=min(DISTINCT_SQUARE_ELEMENTS, int(DISTINCT_SHARE * n) ** 2))
    _fill_square(work[: m * m].reshape(m, m), _blocks_for(axis)(sub), advance)
    advance(m - done[0])  # the last row has no block of its own
    return Distinct(work, np.asarray(first, dtype=np.int64), group)


def string_condensed(
    strings: Sequence[str],
    axis: str,
    dtype: Any = np.float32,
    progress: Advance | None = None,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Condensed distances (float32 values, stored as ``dtype``, or in ``out``) between all strings of a string axis."""
    return _condensed(axis, list(strings), dtype, progress, out)


def string_cross(a: Sequence[str], b: Sequence[str], axis: str) -> np.ndarray:
    """``(len a, len b)`` float32 distances between two lists of strings of one axis."""
    if not len(a) or not len(b):
        return np.zeros((len(a), len(b)), dtype=np.float32)
    return process.cdist(list(a), list(b), scorer=scorer_for(axis), dtype=np.float32, workers=cdist_workers())


def embedding_cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``(1 - cos) / 2`` between rows of two L2-normalised float32 arrays, clipped to [0, 1].

    A zero row is a text the embedder gives no vector (TF-IDF on a text without a word, such as ``🎉``).
    Two zero rows are at distance 0, like two texts that are both empty on a string axis (otherwise
    identical texts would be 0.5 apart); a zero row and a unit row are 0.5 apart (cos = 0).
    """
    a = a.astype(np.float32, copy=False)
    b = b.astype(np.float32, copy=False)
    sims = a @ b.T
    d = (1.0 - sims) * 0.5
    np.clip(d, 0.0, 1.0, out=d)
    za = np.flatnonzero(~a.any(axis=1))
    if za.size:
        zb = np.flatnonzero(~b.any(axis=1))
        if zb.size:
            d[np.ix_(za, zb)] = 0.0
    return d.astype(np.float32, copy=False)


def cross(axis: str, a: Sequence[str] | np.ndarray, b: Sequence[str] | np.ndarray) -> np.ndarray:
    """``(len a, len b)`` distances of one axis: strings (see :func:`axis_strings`) or embedding rows."""
    if axis == "semantic":
        return embedding_cross(a, b)  # type: ignore[arg-type]
    return string_cross(a, b, axis)  # type: ignore[arg-type]


def nearest_step(n_targets: int) -> int:
    """Rows per block when finding each row's nearest of ``n_targets`` items (~BLOCK_ELEMENTS / 4 distances).

    The blocks are the unit of work of every engine: a float32 matmul's last bits depend on how many
    rows it is given at once, so the same blocks give the same distances wherever they are computed.
    """
    return max(1, BLOCK_ELEMENTS // 4 // max(1, n_targets))


def nearest_columns(block: np.ndarray, order: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """For each row of a distance block, its nearest column and that distance.

    Among equally near columns the first wins: the first in ``order`` (a permutation of the columns)
    when given, else the first column.
    """
    near = np.argmin(block, axis=1) if order is None else order[np.argmin(block[:, order], axis=1)]
    return near, block[np.arange(block.shape[0]), near]


def embedding_condensed(
    emb: np.ndarray, dtype: Any = np.float32, progress: Advance | None = None, out: np.ndarray | None = None
) -> np.ndarray:
    """Condensed semantic distances (float32 values, stored as ``dtype``, or in ``out``); identical vectors
    give exactly 0."""
    return _condensed("semantic", np.ascontiguousarray(emb, dtype=np.float32), dtype, progress, out)


def square(condensed: np.ndarray, n: int) -> np.ndarray:
    """The full symmetric matrix (for small n only)."""
    m = np.zeros((n, n), dtype=np.float32)
    iu = np.triu_indices(n, 1)
    m[iu] = condensed
    m[(iu[1], iu[0])] = condensed
    return m


def submatrix(condensed: np.ndarray, n: int, idx: np.ndarray) -> np.ndarray:
    """Square distances among the items ``idx`` (sorted or not), read from a condensed matrix."""
    idx = np.asarray(idx, dtype=np.int64)
    a = idx[:, None]
    b = idx[None, :]
    lo = np.minimum(a, b)
    hi = np.maximum(a, b)
    same = lo == hi
    pos = condensed_index(n, lo, np.where(same, lo + 1, hi))
    pos = np.clip(pos, 0, max(0, condensed.size - 1))
    out = condensed[pos] if condensed.size else np.zeros(pos.shape, dtype=np.float32)
    return np.where(same, np.float32(0), out).astype(np.float32, copy=False)
