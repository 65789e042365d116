"""The data the report's script explores: every analysed text once (search, examples at any cut), each axis's
tree in a form the page re-cuts at any height, and the example lists of the computed cut.

**Re-cutting in the page.** A flat cluster of a dendrogram cut at height t is a run of consecutive leaves in
leaf order, and two neighbouring leaves are in one cluster exactly when the height at which they first join
(their lowest common ancestor) is at most t. So the leaf order plus one height per neighbouring pair re-cuts the
tree at any t in O(n) (:func:`recut`). Heights travel as uint16 (:func:`quantise`), quantised so that the cut at
the CLI's threshold separates exactly the pairs the server's cut separates. In landmark mode the leaves are the
landmarks and every item goes with its nearest landmark (:attr:`~lens_cli.model.Clustering.nearest`).

**Arrays** travel as base64 of gzip (``mtime=0``, so runs are byte-identical) of little-endian typed arrays
(:func:`pack`); the page inflates them with ``DecompressionStream``.

**Texts** (:func:`text_chunks`) travel in chunks, each one gzip of a binary record (layout in
:func:`encode_texts`): the text itself (line breaks kept) and per token where it sits, its UPOS, fine tag,
dependency label, head and flags. Texts go in priority order, the examples the page lists at the computed cut
first, then the others in a fixed-seed random order, as many as the size budget holds: the page says how many
texts its search covers.
"""

from __future__ import annotations

import base64
import gzip
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.cluster import hierarchy

from ..features import MARKUP
from ..model import Clustering, ParsedText
from ..skeleton import CONTENT, WH_ADVERB
from ..stats import fold

_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
#: Quantised heights run from 0 to this (uint16).
QMAX = 65535
#: Characters (code points) of one text the page holds at most (reading already cuts texts at 10,000); longer
#: texts are cut and the page says how many were.
MAX_TEXT_CHARS = 10_000
#: Texts per chunk of the text data (the last chunk that fits the budget is cut shorter).
CHUNK_TEXTS = 4000
#: Token flags (the ``flags`` column of :func:`encode_texts`).
PUNCT, CONTENT_SLOT, MARKUP_TOKEN, SENTENCE_START = 1, 2, 4, 8
#: Head offset for a head outside the tokens the page holds.
NO_HEAD = -32768
_DTYPES = {"u8": "<u1", "u16": "<u2", "u32": "<u4", "i16": "<i2", "i32": "<i4", "f32": "<f4"}


def gz(data: bytes) -> bytes:
    """gzip with a fixed header (no timestamp): the same bytes every run."""
    return gzip.compress(data, compresslevel=6, mtime=0)


def pack(values: Any, kind: str) -> dict[str, Any]:
    """A typed array for the page: ``{"t": kind, "n": length, "z": base64 of gzip of its little-endian bytes}``."""
    arr = np.ascontiguousarray(np.asarray(values).astype(_DTYPES[kind]))
    return {"t": kind, "n": int(arr.size), "z": base64.b64encode(gz(arr.tobytes())).decode("ascii")}


def unpack(packed: dict[str, Any]) -> np.ndarray:
    """The array :func:`pack` packed (for tests and tools)."""
    raw = gzip.decompress(base64.b64decode(packed["z"]))
    return np.frombuffer(raw, dtype=_DTYPES[packed["t"]])


def index_kind(top: int) -> str:
    """The smallest unsigned type holding values up to ``top``."""
    return "u16" if top < 65536 else "u32"


# ---------------------------------------------------------------- trees


def neighbour_heights(z: np.ndarray, order: np.ndarray) -> np.ndarray:
    """For the leaves of linkage ``z`` in ``order`` (its leaf order), the height at which each pair of
    neighbours first joins: ``out[k]`` for leaves ``order[k]`` and ``order[k + 1]``.

    Every node covers a run of the leaf order; a merge joins two adjacent runs, and the pair on either side
    of their boundary first joins there.
    """
    m = len(order)
    out = np.zeros(max(m - 1, 0))
    if m < 2:
        return out
    start = np.empty(2 * m - 1, dtype=np.int64)
    start[np.asarray(order, dtype=np.int64)] = np.arange(m)
    for k, (a, b, height) in enumerate(z[:, :3].tolist()):
        sa, sb = start[int(a)], start[int(b)]
        start[m + k] = min(sa, sb)
        out[max(sa, sb) - 1] = height
    return out


def quantise(heights: np.ndarray, cut: float) -> tuple[np.ndarray, float, int]:
    """Heights as uint16 on a scale where the cut at ``cut`` is the integer ``q0``.

    A height at most ``cut`` becomes at most ``q0``, a height above it more than ``q0`` (rounding never moves a
    pair across the computed cut), and the order of heights is kept. Returns the quantised heights, the scale
    (units per distance) and ``q0``.
    """
    top = max(float(heights.max(initial=0.0)), cut, 1e-9)
    scale = (QMAX - 1) / top
    q = np.rint(np.asarray(heights, dtype=np.float64) * scale)
    q0 = int(np.clip(np.rint(cut * scale), 0, QMAX - 1))
    q = np.where(heights <= cut, np.minimum(q, q0), np.maximum(q, q0 + 1))
    return np.clip(q, 0, QMAX).astype(np.uint16), scale, q0


@dataclass(frozen=True)
class TreeData:
    """One axis's tree as the page re-cuts it.

    Attributes:
        leaves: The tree's leaves in leaf order: items (exact mode) or the landmarks' items (landmark mode).
        heights: Quantised height at which each pair of neighbouring leaves first joins (``len(leaves) - 1``).
        scale: Quantisation units per unit of distance.
        q0: The computed cut, quantised.
        cut: The computed cut as a distance (the threshold, or the height ``--clusters`` cut at).
        near: Landmark mode: per item, the leaf position of its landmark; ``None`` in exact mode.
        order: The items in leaf order (landmark mode: by their landmark's place, then by index).
        leaf_weight: Items per leaf.
    """

    leaves: np.ndarray
    heights: np.ndarray
    scale: float
    q0: int
    cut: float
    near: np.ndarray | None
    order: np.ndarray
    leaf_weight: np.ndarray = field(repr=False)


def tree_data(clustering: Clustering) -> TreeData:
    """The page's form of ``clustering``'s tree, cut where the server cut it."""
    n = len(clustering.labels)
    z = clustering.linkage
    m = len(clustering.tree_rows)
    order = hierarchy.leaves_list(z) if m >= 2 else np.arange(m)
    heights = neighbour_heights(z, order)
    landmark = clustering.mode == "landmark"
    leaves = np.asarray(clustering.tree_rows)[order] if landmark else np.asarray(order)
    near = None
    if landmark:
        if clustering.nearest is None:
            raise ValueError("a landmark clustering without its items' nearest landmarks cannot be re-cut")
        rank = np.empty(m, dtype=np.int64)
        rank[order] = np.arange(m)
        near = rank[np.asarray(clustering.nearest, dtype=np.int64)]
        items = np.lexsort((np.arange(n), near))
        weight = np.bincount(near, minlength=m)
    else:
        items = leaves
        weight = np.ones(m, dtype=np.int64)
    leaf_labels = clustering.labels[leaves]
    if clustering.threshold is not None:
        cut = float(np.float32(clustering.threshold))
    else:
        # --clusters K: the highest join inside a cluster is where the tree was cut.
        inside = (leaf_labels[:-1] == leaf_labels[1:]) & (leaf_labels[:-1] > 0)
        cut = float(heights[inside].max(initial=0.0))
    q, scale, q0 = quantise(heights, cut)
    return TreeData(leaves, q, scale, q0, cut, near, items, weight)


def recut(data: TreeData, q: int) -> np.ndarray:
    """Per item, its run's number (0, 1, ... along the leaf order) when the tree is cut at quantised height
    ``q``: the page's own cut, in Python (tests check that it reproduces the server's clusters at ``q0``)."""
    run_of_leaf = np.concatenate([[0], np.cumsum(data.heights > q)]).astype(np.int64)
    if data.near is None:
        out = np.empty(len(data.leaves), dtype=np.int64)
        out[data.leaves] = run_of_leaf
        return out
    return run_of_leaf[data.near]


def axis_arrays(clustering: Clustering, data: TreeData) -> dict[str, Any]:
    """The packed arrays of one axis the page needs to re-cut its tree and map items to texts."""
    n_items = len(clustering.labels)
    out: dict[str, Any] = {
        "items": n_items,
        "leaves": pack(data.leaves, index_kind(n_items)),
        "heights": pack(data.heights, "u16"),
        "scale": data.scale,
        "q0": data.q0,
        "cut": data.cut,
    }
    if data.near is not None:
        out["near"] = pack(data.near, index_kind(len(data.leaves)))
    if clustering.owner is not None:
        owner = np.asarray(clustering.owner, dtype=np.int64)
        out["owner"] = pack(np.diff(owner, prepend=0), "u32")  # texts ascending: small steps
        assert clustering.spans is not None
        spans = np.asarray(clustering.spans, dtype=np.int64)
        out["spanStart"] = pack(spans[:, 0], "u32")
        out["spanLen"] = pack(spans[:, 1] - spans[:, 0], "u32")
    return out


# ---------------------------------------------------------------- examples


def groups_of(texts: Sequence[str]) -> np.ndarray:
    """Per text, the index of the first text equal to it after case and white-space folding (its group)."""
    first: dict[str, int] = {}
    return np.asarray([first.setdefault(fold(t), i) for i, t in enumerate(texts)], dtype=np.int64)


@dataclass(frozen=True)
class Example:
    """One distinct text of a list: the text shown, and every text of the list equal to it after folding."""

    text: int
    members: list[int]


def pick_examples(
    texts: Sequence[int], group: np.ndarray, cap: int, first: int | None = None, seeds: frozenset[int] = frozenset()
) -> list[Example]:
    """The distinct texts a list shows, at most ``cap``: ``first`` (the medoid) or else the most repeated text,
    then the seeds, then texts spread evenly over the rest of the list; each distinct text once, with all of
    the list's texts equal to it. The page's script does the same for cuts made in the page.

    Args:
        texts: The list's texts in tree order, each once.
        group: Per corpus text, its group (:func:`groups_of`).
        cap: Distinct texts shown at most.
        first: The text to show first (the medoid's text); ``None``: the most repeated one (ties: the earliest).
        seeds: Seed texts: shown after the first.
    """
    members: dict[int, list[int]] = {}
    for t in texts:
        members.setdefault(int(group[t]), []).append(int(t))
    order = list(members)
    if not order or cap <= 0:
        return []
    if first is not None and int(group[first]) in members:
        lead = int(group[first])
    else:
        first = None
        lead = max(enumerate(order), key=lambda kg: (len(members[kg[1]]), -kg[0]))[1]
    chosen = [lead]
    for g in order:
        if len(chosen) >= cap:
            break
        if g != lead and any(t in seeds for t in members[g]):
            chosen.append(g)
    taken = set(chosen)
    rest = [g for g in order if g not in taken]
    slots = cap - len(chosen)
    if len(rest) > slots:
        rest = [rest[(2 * k + 1) * len(rest) // (2 * slots)] for k in range(slots)] if slots > 0 else []
    picked = chosen + rest
    return [Example(first if (g == lead and first is not None) else members[g][0], members[g]) for g in picked[:cap]]


def list_texts(clustering: Clustering, items: Sequence[int] | np.ndarray) -> list[int]:
    """The texts of a list of items in tree order, each once (first occurrence)."""
    if clustering.owner is None:
        return [int(i) for i in items]
    seen: dict[int, None] = {}
    for i in items:
        seen.setdefault(int(clustering.owner[int(i)]), None)
    return list(seen)


# ---------------------------------------------------------------- texts


@dataclass
class Tables:
    """The tag and label names the text data refers to by number."""

    upos: list[str]
    xpos: list[str] = field(default_factory=list)
    deps: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._index = {"upos": {t: k for k, t in enumerate(self.upos)}, "xpos": {}, "deps": {}}

    def id(self, table: str, name: str) -> int:
        """The number of ``name`` in ``table`` (added when new); 255 for any name beyond the 255th."""
        index = self._index[table]
        k = index.get(name)
        if k is None:
            names = getattr(self, table)
            k = index[name] = len(names)
            names.append(name)
        return min(k, 255)

    def ids(self, table: str, names: Sequence[str]) -> list[int]:
        """:meth:`id` of each name."""
        get = self._index[table].get
        out = [get(name) for name in names]
        if None in out:
            out = [self.id(table, name) for name in names]
        return [k if k is not None and k < 255 else 255 for k in out]


def _clean(text: str) -> str:
    """The text as UTF-8 can carry it (a lone surrogate becomes '?')."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _utf16_offsets(text: str) -> np.ndarray | None:
    """UTF-16 offset of every code point position (``len(text) + 1`` values), or ``None`` when they are equal."""
    if text.isascii() or not _ASTRAL.search(text):
        return None
    wide = np.frombuffer(text.encode("utf-32-le"), dtype="<u4") > 0xFFFF
    return np.concatenate([[0], np.cumsum(1 + wide)])


def _align(text: str, parsed: ParsedText) -> list[int] | None:
    """Where each token starts in ``text`` (code points), or ``None`` when the tokens do not spell it with only
    white space between them."""
    starts = []
    cursor = 0
    find = text.find
    for tok in parsed.tokens:
        t = tok.text
        at = find(t, cursor)
        if at < 0 or (at > cursor and not text[cursor:at].isspace()):
            return None
        starts.append(at)
        cursor = at + len(t)
    return starts


def _spelled(parsed: ParsedText) -> tuple[str, list[int]]:
    """The text as its tokens spell it (for a parser whose tokens are not all substrings of the text)."""
    parts, starts, at = [], [], 0
    for tok in parsed.tokens:
        starts.append(at)
        parts.append(tok.text + (" " if tok.space_after else ""))
        at += len(parts[-1])
    return "".join(parts), starts


@dataclass(frozen=True)
class EncodedText:
    text: str
    gap: list[int]
    length: list[int]
    head: list[int]
    upos: list[int]
    xpos: list[int]
    dep: list[int]
    flags: list[int]
    truncated: bool
    spelled: bool


def encode_text(raw: str, parsed: ParsedText, tables: Tables) -> EncodedText:
    """One text as the page holds it: the text (at most :data:`MAX_TEXT_CHARS`), and per token its gap from the
    previous token and its length in UTF-16 units, head offset, tags and flags."""
    raw = _clean(raw)
    aligned = _align(raw, parsed)
    spelled = aligned is None
    text, starts = _spelled(parsed) if aligned is None else (raw, aligned)
    tokens = parsed.tokens
    ends = [a + len(t.text) for a, t in zip(starts, tokens)]
    truncated = len(text) > MAX_TEXT_CHARS
    keep = len(tokens)
    if truncated:
        keep = next((k for k, end in enumerate(ends) if end > MAX_TEXT_CHARS), keep)
        text = text[:MAX_TEXT_CHARS]
        tokens, starts, ends = tokens[:keep], starts[:keep], ends[:keep]
    units = _utf16_offsets(text)
    if units is not None:
        starts = [int(units[a]) for a in starts]
        ends = [int(units[b]) for b in ends]
    gap = [min(a - b, 65535) for a, b in zip(starts, [0, *ends[:-1]])]
    length = [min(b - a, 65535) for a, b in zip(starts, ends)]
    head = [t.head - k if t.head < keep and -32767 <= t.head - k <= 32767 else NO_HEAD for k, t in enumerate(tokens)]
    sentence = set(parsed.sentence_starts)
    markup = MARKUP.fullmatch
    flags = [
        (PUNCT if t.is_punct else 0)
        | (CONTENT_SLOT if t.upos in CONTENT and t.xpos != WH_ADVERB else 0)
        | (MARKUP_TOKEN if markup(t.text) else 0)
        | (SENTENCE_START if k in sentence else 0)
        for k, t in enumerate(tokens)
    ]
    return EncodedText(
        text,
        gap,
        length,
        head,
        tables.ids("upos", [t.upos for t in tokens]),
        tables.ids("xpos", [t.xpos for t in tokens]),
        tables.ids("deps", [t.dep for t in tokens]),
        flags,
        truncated,
        spelled,
    )


def encode_texts(indices: Sequence[int], encoded: Sequence[EncodedText]) -> bytes:
    """One chunk of text data, little-endian, every array aligned to its element size:

    ``u32 T, u32 K, u32 B`` (texts, tokens, UTF-8 bytes), ``u32[T]`` text index, ``u32[T]`` text length in UTF-16
    units, ``u32[T]`` tokens, ``u32[T]`` text flags (1: cut to :data:`MAX_TEXT_CHARS`, 2: spelled from its tokens),
    ``u16[K]`` gap, ``u16[K]`` length, ``i16[K]`` head offset (``NO_HEAD``: not held), ``u8[K]`` UPOS, ``u8[K]``
    fine tag, ``u8[K]`` dependency label, ``u8[K]`` flags (:data:`PUNCT`, :data:`CONTENT_SLOT`,
    :data:`MARKUP_TOKEN`, :data:`SENTENCE_START`), then the texts' UTF-8 bytes one after another.
    """
    body = "".join(e.text for e in encoded).encode("utf-8")
    n_tok = sum(len(e.gap) for e in encoded)

    def col(name: str, kind: str) -> bytes:
        values = [v for e in encoded for v in getattr(e, name)]
        return np.asarray(values, dtype=_DTYPES[kind]).tobytes()

    head = np.asarray([len(encoded), n_tok, len(body)], dtype="<u4").tobytes()
    per_text = [
        np.asarray(indices, dtype="<u4"),
        np.asarray([len(e.text.encode("utf-16-le")) // 2 for e in encoded], dtype="<u4"),
        np.asarray([len(e.gap) for e in encoded], dtype="<u4"),
        np.asarray([(1 if e.truncated else 0) | (2 if e.spelled else 0) for e in encoded], dtype="<u4"),
    ]
    parts = [head, *(a.tobytes() for a in per_text)]
    parts += [col("gap", "u16"), col("length", "u16"), col("head", "i16")]
    parts += [col("upos", "u8"), col("xpos", "u8"), col("dep", "u8"), col("flags", "u8"), body]
    return b"".join(parts)


@dataclass(frozen=True)
class TextData:
    """The texts the page holds.

    Attributes:
        chunks: base64 of gzip of :func:`encode_texts` chunks.
        covered: Texts held (the first ``covered`` of the priority order).
        truncated: Held texts cut to :data:`MAX_TEXT_CHARS`.
        size: Bytes of ``chunks`` with their separators.
    """

    chunks: list[str]
    covered: int
    truncated: int
    size: int


def priority_order(n: int, first: Sequence[int], seed: int = 0) -> list[int]:
    """``first`` (each once), then the other texts in a fixed-seed random order."""
    seen: dict[int, None] = dict.fromkeys(int(i) for i in first)
    rest = np.random.default_rng(seed).permutation(n)
    return list(seen) + [int(i) for i in rest if int(i) not in seen]


def text_chunks(
    texts: Sequence[str], parsed: Sequence[ParsedText], order: Sequence[int], tables: Tables, budget: int
) -> TextData:
    """As many texts of ``order`` as fit ``budget`` bytes (base64 with one separator per chunk)."""
    chunks: list[str] = []
    size = covered = truncated = 0
    pos = 0
    while pos < len(order):
        ids = list(order[pos : pos + CHUNK_TEXTS])
        encoded = [encode_text(texts[i], parsed[i], tables) for i in ids]

        def blob(k: int, ids: list[int] = ids, encoded: list[EncodedText] = encoded) -> str:
            return base64.b64encode(gz(encode_texts(ids[:k], encoded[:k]))).decode("ascii")

        whole = blob(len(ids))
        take = len(ids)
        if size + len(whole) + 1 > budget:
            # The largest prefix that fits, by bisection on the number of texts.
            lo, hi, best = 0, len(ids) - 1, ""
            while lo < hi:
                mid = (lo + hi + 1) // 2
                candidate = blob(mid)
                if size + len(candidate) + 1 <= budget:
                    lo, best = mid, candidate
                else:
                    hi = mid - 1
            take, whole = lo, best
        if take == 0:
            break
        chunks.append(whole)
        size += len(whole) + 1
        covered += take
        truncated += sum(1 for e in encoded[:take] if e.truncated)
        pos += take
        if take < len(ids):
            break
    return TextData(chunks, covered, truncated, size)


# ---------------------------------------------------------------- search (the page's rules, for tests)


def word_query(query: str) -> re.Pattern[str]:
    """The page's plain-word search as a Python regex: whole words, case-insensitive, words separated by any
    white space, ``*`` at the end of a word for any ending."""
    words = query.split()
    parts = [re.escape(w[:-1]) + r"\w*" if w.endswith("*") and len(w) > 1 else re.escape(w) for w in words]
    return re.compile(r"(?<!\w)" + r"\s+".join(parts) + r"(?!\w)", re.IGNORECASE)


# ---------------------------------------------------------------- decoding (for tests and tools)


@dataclass(frozen=True)
class HeldText:
    """A text as the page holds it: the text, its tokens (as spelled in the text) and their UPOS tags."""

    text: str
    tokens: list[str]
    upos: list[str]
    cut: bool


def decode_chunk(chunk: str, upos: Sequence[str]) -> dict[int, HeldText]:
    """The texts of one chunk of :func:`text_chunks` (base64 of gzip of :func:`encode_texts`), by corpus index."""
    buf = gzip.decompress(base64.b64decode(chunk))
    nt, nk, nb = (int(v) for v in np.frombuffer(buf, dtype="<u4", count=3))
    off = 12

    def take(kind: str, count: int) -> np.ndarray:
        nonlocal off
        arr = np.frombuffer(buf, dtype=_DTYPES[kind], count=count, offset=off)
        off += arr.nbytes
        return arr

    idx, ulen, ntok, tflags = (take("u32", nt) for _ in range(4))
    gap, length = take("u16", nk), take("u16", nk)
    take("i16", nk)
    tags = take("u8", nk)
    take("u8", nk), take("u8", nk), take("u8", nk)
    body = buf[off : off + nb].decode("utf-8")
    units = body.encode("utf-16-le")
    out: dict[int, HeldText] = {}
    at = tok = 0
    for k in range(nt):
        text = units[2 * at : 2 * (at + int(ulen[k]))].decode("utf-16-le")
        words, cur = [], 0
        for j in range(tok, tok + int(ntok[k])):
            start = cur + int(gap[j])
            cur = start + int(length[j])
            words.append(text.encode("utf-16-le")[2 * start : 2 * cur].decode("utf-16-le"))
        out[int(idx[k])] = HeldText(
            text, words, [upos[int(t)] for t in tags[tok : tok + int(ntok[k])]], bool(tflags[k] & 1)
        )
        at += int(ulen[k])
        tok += int(ntok[k])
    return out


def held_texts(blob: str, upos: Sequence[str]) -> dict[int, HeldText]:
    """Every text of a page's text block (chunks one per line), by corpus index."""
    out: dict[int, HeldText] = {}
    for chunk in blob.split():
        out.update(decode_chunk(chunk, upos))
    return out
