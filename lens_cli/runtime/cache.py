"""An on-disk cache of parses, embeddings, trees and axis statistics, so that re-analysing the same
texts skips the models, and re-cutting the same trees skips the distances.

The stages never see it: :class:`CachedParser` and :class:`CachedEmbedder` wrap a parser or embedder
(same interface), and :class:`ResultMemo` lets the executor memoise a stage by a content key
(:data:`MEMOISED`).

Layout (``--cache-dir``, else ``$LENS_CACHE_DIR``, else ``$XDG_CACHE_HOME/lens``, else ``~/.cache/lens``)::

    <root>/v1/parse-<id>/namespace.json     what produced these entries, for people
    <root>/v1/parse-<id>/<random>.pack      immutable packs of entries
    <root>/v1/embed-<id>/...

A *namespace* is everything that decides an entry besides its text: for parses the backend, model,
model version, language and :data:`TOKEN_SCHEMA` (lens's own token model); for embeddings the model
and its version. ``<id>`` is a hash of it. Entries are keyed by the SHA-256 of the text.

Each run that computes something new writes one pack with all of it (not one file per text:
100k rows make one file, not 100k), to a temporary name, then ``os.replace`` - atomic, so a reader
sees a whole pack or none, and two runs writing at once write two packs. A pack starts with a
header that names its namespace and ends with a SHA-256 of everything before it; a pack whose
checksum or namespace does not match is ignored and removed, and its texts are computed again.
Once a namespace holds more than :data:`MAX_PACKS` packs, the next writer merges them into one.
Nothing here ever makes a run fail: a cache that cannot be read or written is reported and skipped.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import struct
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..embedders import Embedder, EmbedderIdentity
from ..model import (
    AxisTree,
    DatasetStats,
    DistanceSummary,
    OverusedWord,
    ParsedCorpus,
    ParsedText,
    ParserInfo,
    Token,
    TokensPerText,
    Tops,
    Tree,
    Vendi,
)
from ..parsers import Parser, ParserIdentity

#: Bump when :class:`~lens_cli.model.Token` or the way parsers fill it changes: old parses are then not reused.
TOKEN_SCHEMA = 2
#: Bump when embeddings are post-processed differently (they are stored L2-normalised, float32).
EMBED_SCHEMA = 1
FORMAT = 1
MAGIC = b"LENSPACK"
MAX_PACKS = 16
ENV_VAR = "LENS_CACHE_DIR"


def default_cache_dir() -> Path:
    """``$LENS_CACHE_DIR``, else ``$XDG_CACHE_HOME/lens``, else ``~/.cache/lens``."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "lens"


def text_key(text: str) -> bytes:
    """The 32-byte SHA-256 of the text's UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


@dataclass(frozen=True)
class Namespace:
    """What, besides the text, decides a cache entry.

    Attributes:
        kind: ``parse`` or ``embed``.
        identity: JSON-able description (backend, model, version, schema...).
        info: What the report shows for the producer: a :class:`ParserInfo` or the embedder's description.
    """

    kind: str
    identity: dict[str, Any]
    info: Any = None

    @property
    def id(self) -> str:
        blob = json.dumps({"kind": self.kind, **self.identity}, sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:20]

    @property
    def dirname(self) -> str:
        return f"{self.kind}-{self.id}"


# --- identities, found without loading a model where the parser or embedder can tell ----------------


def parser_namespace(parser: Parser) -> Namespace:
    """The cache namespace of a parser, without loading its model where it can say what it is."""
    known = parser.cache_identity()
    if known is not None:
        return Namespace("parse", {**known.identity, "token_schema": TOKEN_SCHEMA}, known.info)
    info = parser.info()
    return Namespace("parse", {"parser": _info_dict(info), "token_schema": TOKEN_SCHEMA}, info)


def _info_dict(info: ParserInfo) -> dict[str, str]:
    return {"backend": info.backend, "model": info.model, "version": info.version}


def embedder_namespace(embedder: Embedder) -> Namespace | None:
    """The cache namespace of an embedder, or ``None`` when its vectors depend on the whole corpus (TF-IDF)."""
    if not embedder.per_text:
        return None
    known = embedder.cache_identity()
    if known is not None:
        return Namespace("embed", {**known.identity, "embed_schema": EMBED_SCHEMA}, known.description)
    described = embedder.describe()
    return Namespace("embed", {"embedder": described, "embed_schema": EMBED_SCHEMA}, described)


# --- codecs ------------------------------------------------------------------------------------


def _encode_parses(values: Sequence[ParsedText]) -> tuple[dict[str, Any], bytes]:
    """Distinct tokens (and whitespace) once, in tables; each text as runs of table indices: its tokens,
    its sentence starts, its whitespace tokens (position, text)."""
    table: dict[Token, int] = {}
    space_table: dict[str, int] = {}
    ids: list[int] = []
    starts: list[int] = []
    space_pos: list[int] = []
    space_ids: list[int] = []
    offsets, start_offsets, space_offsets = [0], [0], [0]
    for p in values:
        ids.extend(table.setdefault(t, len(table)) for t in p.tokens)
        starts.extend(p.sentence_starts)
        for k, text in p.spaces:
            space_pos.append(k)
            space_ids.append(space_table.setdefault(text, len(space_table)))
        offsets.append(len(ids))
        start_offsets.append(len(starts))
        space_offsets.append(len(space_pos))
    rows = [[t.text, t.lower, t.upos, t.xpos, t.dep, t.head, t.is_punct, t.space_after] for t in table]
    runs = [(offsets, "<i8"), (ids, "<i4"), (start_offsets, "<i8"), (starts, "<i4")]
    runs += [(space_offsets, "<i8"), (space_pos, "<i4"), (space_ids, "<i4")]
    payload = b"".join(np.asarray(values_, dtype=dtype).tobytes() for values_, dtype in runs)
    header = {"tokens": rows, "spaces": list(space_table), "sizes": [len(v) for v, _ in runs]}
    return header, payload


def _decode_parses(header: dict[str, Any], payload: memoryview, count: int, wanted: Sequence[int]) -> list[ParsedText]:
    table = [
        Token(str(a), str(b), str(c), str(d), str(e), int(f), bool(g), bool(h))
        for a, b, c, d, e, f, g, h in header["tokens"]
    ]
    space_texts = [str(s) for s in header["spaces"]]
    arrays = []
    at = 0
    for size, dtype in zip(header["sizes"], ("<i8", "<i4", "<i8", "<i4", "<i8", "<i4", "<i4")):
        arrays.append(np.frombuffer(payload, dtype=dtype, count=int(size), offset=at).tolist())
        at += int(size) * np.dtype(dtype).itemsize
    off, ids, start_off, starts, space_off, space_pos, space_ids = arrays
    if at != len(payload) or len(off) != count + 1 or len(ids) != off[-1] or (ids and max(ids) >= len(table)):
        raise ValueError("token ids do not fit the table")
    if space_ids and max(space_ids) >= len(space_texts):
        raise ValueError("whitespace ids do not fit the table")
    return [
        ParsedText(
            tuple(table[k] for k in ids[off[i] : off[i + 1]]),
            tuple((space_pos[j], space_texts[space_ids[j]]) for j in range(space_off[i], space_off[i + 1])),
            tuple(starts[start_off[i] : start_off[i + 1]]),
        )
        for i in wanted
    ]


def _encode_embeddings(values: Sequence[np.ndarray]) -> tuple[dict[str, Any], bytes]:
    arr = np.asarray(np.vstack(values) if len(values) else np.zeros((0, 0)), dtype="<f4")
    return {"dim": int(arr.shape[1]) if arr.ndim == 2 else 0}, arr.tobytes()


def _decode_embeddings(
    header: dict[str, Any], payload: memoryview, count: int, wanted: Sequence[int]
) -> list[np.ndarray]:
    dim = int(header["dim"])
    arr = np.frombuffer(payload, dtype="<f4")
    if arr.size != count * dim:
        raise ValueError("embedding payload has the wrong size")
    arr = arr.reshape(count, dim)
    return [np.array(arr[i], dtype=np.float32) for i in wanted]


Encoder = Callable[[Sequence[Any]], tuple[dict[str, Any], bytes]]
Decoder = Callable[[dict[str, Any], memoryview, int, Sequence[int]], list[Any]]
_CODECS: dict[str, tuple[Encoder, Decoder]] = {
    "parse": (_encode_parses, _decode_parses),
    "embed": (_encode_embeddings, _decode_embeddings),
}


# --- packs -------------------------------------------------------------------------------------


def _pack_bytes(ns: Namespace, keys: Sequence[bytes], values: Sequence[Any]) -> bytes:
    encode, _ = _CODECS[ns.kind]
    extra, payload = encode(values)
    header = {"format": FORMAT, "kind": ns.kind, "namespace": ns.identity, "count": len(keys), **extra}
    head = json.dumps(header, sort_keys=True, ensure_ascii=False).encode("utf-8")
    body = MAGIC + struct.pack("<I", len(head)) + head + b"".join(keys) + payload
    return body + hashlib.sha256(body).digest()


@dataclass
class _Pack:
    path: Path
    header: dict[str, Any]
    keys: list[bytes]
    payload: memoryview


def _read_pack(path: Path, ns: Namespace) -> _Pack:
    """A verified pack, or ``ValueError`` (corrupt, truncated, another namespace or format)."""
    data = path.read_bytes()
    if len(data) < len(MAGIC) + 4 + 32 or not data.startswith(MAGIC):
        raise ValueError("not a lens cache pack")
    body, digest = data[:-32], data[-32:]
    if hashlib.sha256(body).digest() != digest:
        raise ValueError("checksum mismatch")
    (head_len,) = struct.unpack_from("<I", body, len(MAGIC))
    start = len(MAGIC) + 4
    header = json.loads(body[start : start + head_len].decode("utf-8"))
    if header.get("format") != FORMAT or header.get("kind") != ns.kind or header.get("namespace") != ns.identity:
        raise ValueError("pack of another namespace or format")
    count = int(header["count"])
    kstart = start + head_len
    keys = [body[kstart + 32 * i : kstart + 32 * (i + 1)] for i in range(count)]
    return _Pack(path, header, keys, memoryview(body)[kstart + 32 * count :])


@dataclass
class Cache:
    """Parses and embeddings on disk, keyed by text; see the module docstring.

    Attributes:
        root: The cache directory (``<root>/v1/...`` is used).
        notes: Things worth telling the user (a corrupt pack ignored, a failed write).
    """

    root: Path
    notes: list[str] = field(default_factory=list)

    def _dir(self, ns: Namespace) -> Path:
        return self.root / f"v{FORMAT}" / ns.dirname

    def _packs(self, ns: Namespace) -> list[_Pack]:
        d = self._dir(ns)
        try:
            paths = sorted(p for p in d.iterdir() if p.suffix == ".pack")
        except OSError:
            return []
        packs = []
        for path in paths:
            try:
                packs.append(_read_pack(path, ns))
            except FileNotFoundError:
                continue  # merged away by another run meanwhile
            except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError, struct.error) as exc:
                self.notes.append(f"cache: ignored {path.name} in {d} ({exc}); its entries are computed again")
                with contextlib.suppress(OSError):
                    path.unlink()
        return packs

    def load(self, ns: Namespace, texts: Sequence[str]) -> dict[str, Any]:
        """The cached values of those of ``texts`` that are cached (parses or embedding rows)."""
        wanted = {text_key(t): t for t in texts}
        found: dict[str, Any] = {}
        _, decode = _CODECS[ns.kind]
        for pack in self._packs(ns):
            positions = [(i, wanted[k]) for i, k in enumerate(pack.keys) if k in wanted and wanted[k] not in found]
            if not positions:
                continue
            try:
                values = decode(pack.header, pack.payload, len(pack.keys), [i for i, _ in positions])
            except (ValueError, KeyError, TypeError, IndexError) as exc:
                self.notes.append(f"cache: ignored {pack.path.name} ({exc}); its entries are computed again")
                continue
            for (_, text), value in zip(positions, values):
                found[text] = value
        return found

    def store(self, ns: Namespace, items: dict[str, Any]) -> None:
        """Write ``items`` (text -> value) as one new pack; merge the namespace's packs when there are many."""
        if not items:
            return
        d = self._dir(ns)
        try:
            d.mkdir(parents=True, exist_ok=True)
            meta = d / "namespace.json"
            if not meta.exists():
                _atomic_write(meta, json.dumps({"kind": ns.kind, **ns.identity}, indent=1, sort_keys=True).encode())
            texts = list(items)
            _atomic_write(
                d / f"{uuid.uuid4().hex}.pack", _pack_bytes(ns, [text_key(t) for t in texts], [items[t] for t in texts])
            )
            if sum(1 for p in d.iterdir() if p.suffix == ".pack") > MAX_PACKS:
                self._merge(ns)
        except OSError as exc:
            self.notes.append(f"cache: could not write to {d} ({exc}); continuing without caching")

    def _results_dir(self) -> Path:
        return self.root / f"v{FORMAT}" / "results"

    def load_result(self, kind: str, key: str) -> tuple[dict[str, Any], dict[str, np.ndarray]] | None:
        """A stored result (see :meth:`store_result`), or ``None``; a damaged one is removed and noted."""
        path = self._results_dir() / f"{kind}-{key}.res"
        try:
            found = _read_result(path, kind, key)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError, struct.error) as exc:
            self.notes.append(f"cache: ignored {path.name} ({exc}); computed again")
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: kept when old results are pruned
        return found

    def store_result(self, kind: str, key: str, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        """Keep a derived result (a tree, axis statistics) under ``kind`` and ``key`` (see :func:`result_key`).

        ``meta`` is JSON (floats survive exactly), ``arrays`` numpy arrays. Written atomically; the
        least recently used files beyond :data:`MAX_RESULTS` are removed.
        """
        d = self._results_dir()
        try:
            d.mkdir(parents=True, exist_ok=True)
            _atomic_write(d / f"{kind}-{key}.res", _result_bytes(kind, key, meta, arrays))
            files = [p for p in d.iterdir() if p.suffix == ".res"]
            if len(files) > MAX_RESULTS:
                by_age = sorted(files, key=lambda p: (_mtime(p), p.name))
                for old in by_age[: len(files) - MAX_RESULTS]:
                    with contextlib.suppress(OSError):
                        old.unlink()
        except (OSError, ValueError) as exc:
            self.notes.append(f"cache: could not write to {d} ({exc}); continuing without caching")

    def _merge(self, ns: Namespace) -> None:
        """All packs of a namespace into one. Safe with concurrent runs: the merged pack is written
        before the old ones are removed, and readers skip packs that vanish."""
        packs = self._packs(ns)
        _, decode = _CODECS[ns.kind]
        keys: list[bytes] = []
        values: list[Any] = []
        seen: set[bytes] = set()
        for pack in packs:
            fresh = [i for i, k in enumerate(pack.keys) if k not in seen]
            if fresh:
                values.extend(decode(pack.header, pack.payload, len(pack.keys), fresh))
                keys.extend(pack.keys[i] for i in fresh)
                seen.update(pack.keys[i] for i in fresh)
        _atomic_write(self._dir(ns) / f"{uuid.uuid4().hex}.pack", _pack_bytes(ns, keys, values))
        for pack in packs:
            with contextlib.suppress(OSError):
                pack.path.unlink()


# --- results: trees and axis statistics ----------------------------------------------------------

#: Bump when distances, trees, landmarks or axis statistics are computed differently: results
#: stored before are then not reused (the lens version is part of every key as well).
RESULTS_SCHEMA = 4
RESULT_MAGIC = b"LENSRSLT"
#: Result files kept; beyond that the least recently used are removed.
MAX_RESULTS = 64


def result_key(*parts: str | bytes | Sequence[str] | np.ndarray) -> str:
    """A hex SHA-256 over everything a result depends on: strings, lists of strings, arrays."""
    from .. import __version__

    h = hashlib.sha256(f"lens {__version__} results {RESULTS_SCHEMA}".encode())
    for part in parts:
        if isinstance(part, np.ndarray):
            arr = np.ascontiguousarray(part)
            h.update(f"|array {arr.dtype.str} {arr.shape}|".encode())
            h.update(arr.tobytes())
        elif isinstance(part, bytes):
            h.update(b"|bytes %d|" % len(part))
            h.update(part)
        elif isinstance(part, str):
            h.update(b"|str|")
            h.update(part.encode("utf-8", "surrogatepass"))
        else:
            h.update(b"|list %d|" % len(part))
            for item in part:
                b = item.encode("utf-8", "surrogatepass")
                h.update(struct.pack("<Q", len(b)))
                h.update(b)
    return h.hexdigest()


def _result_bytes(kind: str, key: str, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> bytes:
    specs = []
    blobs = []
    offset = 0
    for name, arr in arrays.items():
        data = np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<"), copy=False).tobytes()
        specs.append(
            {"name": name, "dtype": arr.dtype.newbyteorder("<").str, "shape": list(arr.shape), "offset": offset}
        )
        blobs.append(data)
        offset += len(data)
    header = {"format": FORMAT, "kind": kind, "key": key, "meta": meta, "arrays": specs}
    head = json.dumps(header, sort_keys=True, ensure_ascii=False, allow_nan=False).encode("utf-8")
    body = RESULT_MAGIC + struct.pack("<I", len(head)) + head + b"".join(blobs)
    return body + hashlib.sha256(body).digest()


def _read_result(path: Path, kind: str, key: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """A verified result file's ``(meta, arrays)``, or ``ValueError``."""
    data = path.read_bytes()
    if len(data) < len(RESULT_MAGIC) + 4 + 32 or not data.startswith(RESULT_MAGIC):
        raise ValueError("not a lens result file")
    body, digest = data[:-32], data[-32:]
    if hashlib.sha256(body).digest() != digest:
        raise ValueError("checksum mismatch")
    (head_len,) = struct.unpack_from("<I", body, len(RESULT_MAGIC))
    start = len(RESULT_MAGIC) + 4
    header = json.loads(body[start : start + head_len].decode("utf-8"))
    if header.get("format") != FORMAT or header.get("kind") != kind or header.get("key") != key:
        raise ValueError("result of another kind, key or format")
    payload = memoryview(body)[start + head_len :]
    arrays = {}
    for spec in header["arrays"]:
        dtype = np.dtype(spec["dtype"])
        shape = tuple(int(x) for x in spec["shape"])
        count = int(np.prod(shape)) if shape else 1
        arr = np.frombuffer(payload, dtype=dtype, count=count, offset=int(spec["offset"]))
        arrays[str(spec["name"])] = arr.reshape(shape).astype(dtype.newbyteorder("="))
    return header["meta"], arrays


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:  # removed by another run meanwhile
        return 0


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


# --- the parser and embedder, cached -------------------------------------------------------------


class CachedParser:
    """A :class:`~lens_cli.parsers.Parser` that parses only texts it has not parsed before.

    When every text is cached the model is not even loaded. A model that turns out not to be the one
    the cache was looked up for (its files changed since they were fingerprinted) makes it trust nothing
    cached: everything is parsed again and a note says why.
    """

    def __init__(self, parser: Parser, cache: Cache, note: Callable[[str], None]) -> None:
        self.inner, self.cache, self.note = parser, cache, note
        self._ns: Namespace | None = None
        self._info: ParserInfo | None = None

    def _namespace(self) -> Namespace:
        if self._ns is None:
            self._ns = parser_namespace(self.inner)
        return self._ns

    def info(self) -> ParserInfo:
        return self._info if self._info is not None else self.inner.info()

    def cache_identity(self) -> ParserIdentity | None:
        return self.inner.cache_identity()

    def parse(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> list[ParsedText]:
        ns = self._namespace()
        found: dict[str, ParsedText] = self.cache.load(ns, texts)
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if progress is not None and len(texts) - len(missing):
            progress(len(texts) - len(missing))
        if missing:
            fresh = self.inner.parse(missing, progress)
            info = self.inner.info()
            if info != ns.info:
                self.note(f"parser is {info}, not {ns.info} as expected; not using the cache")
                fresh = self.inner.parse(list(dict.fromkeys(texts)))
                self._info = info
                self._flush()
                return fresh
            new = dict(zip(missing, fresh))
            self.cache.store(ns, new)
            found.update(new)
        self._info = ns.info
        self._flush()
        self.note(f"parses: {len(texts) - len(missing):,} of {len(texts):,} distinct texts from the cache")
        return [found[t] for t in texts]

    def _flush(self) -> None:
        for note in self.cache.notes:
            self.note(note)
        self.cache.notes.clear()


class CachedEmbedder:
    """An :class:`~lens_cli.embedders.Embedder` that embeds only texts it has not embedded before.

    TF-IDF vectors depend on the whole corpus: such an embedder is used as it is, never cached.
    """

    def __init__(self, embedder: Embedder, cache: Cache, note: Callable[[str], None]) -> None:
        self.inner, self.cache, self.note = embedder, cache, note
        self.name = embedder.name
        self.per_text = embedder.per_text
        self.in_worker = embedder.in_worker
        self._described: str | None = None

    def describe(self) -> str:
        return self._described if self._described is not None else self.inner.describe()

    def cache_identity(self) -> EmbedderIdentity | None:
        return self.inner.cache_identity()

    def embed(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        ns = embedder_namespace(self.inner)
        if ns is None:
            return self.inner.embed(texts, progress)
        found: dict[str, np.ndarray] = self.cache.load(ns, texts)
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if progress is not None and len(texts) - len(missing):
            progress(len(texts) - len(missing))
        if missing:
            fresh = self.inner.embed(missing, progress)
            described = self.inner.describe()
            if described != ns.info:
                self.note(f"embedder is {described!r}, not {ns.info!r} as expected; not using the cache")
                self._described = described
                self._flush()
                return self.inner.embed(texts)
            new = {t: fresh[i] for i, t in enumerate(missing)}
            self.cache.store(ns, new)
            found.update(new)
        self._described = ns.info
        self._flush()
        self.note(f"embeddings: {len(texts) - len(missing):,} of {len(texts):,} distinct texts from the cache")
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        return np.vstack([found[t] for t in texts]).astype(np.float32, copy=False)

    def _flush(self) -> None:
        for note in self.cache.notes:
            self.note(note)
        self.cache.notes.clear()


# --- stages memoised by a content key ------------------------------------------------------------


@dataclass(frozen=True)
class Codec:
    """How one stage's result is kept in the results cache.

    Attributes:
        kind: The result files' prefix (``tree``, ``vendi``, ``summary``).
        key: The parts of the key, from the stage's arguments (everything the result depends on).
        encode: Result -> (JSON meta, arrays).
        decode: (meta, arrays, the stage's arguments) -> result; ``ValueError`` when it does not fit them.
        applies: Whether the result of a call with these arguments is worth keeping.
    """

    kind: str
    key: Callable[..., list[str]]
    encode: Callable[[Any], tuple[dict[str, Any], dict[str, np.ndarray]]]
    decode: Callable[..., Any]
    applies: Callable[..., bool] = lambda *args: True


def _summary_meta(s: DistanceSummary | None) -> dict[str, Any] | None:
    if s is None:
        return None
    return {
        "homogenization": s.homogenization,
        "homogenization_estimated": s.homogenization_estimated,
        "near_duplicate_pairs": s.near_duplicate_pairs,
        "near_duplicate_examples": [[i, j, d] for i, j, d in s.near_duplicate_examples],
        "near_duplicates_estimated": s.near_duplicates_estimated,
    }


def _summary_of(meta: Any) -> DistanceSummary | None:
    if meta is None:
        return None
    return DistanceSummary(
        homogenization=float(meta["homogenization"]),
        homogenization_estimated=bool(meta["homogenization_estimated"]),
        near_duplicate_pairs=int(meta["near_duplicate_pairs"]),
        near_duplicate_examples=[(int(i), int(j), float(d)) for i, j, d in meta["near_duplicate_examples"]],
        near_duplicates_estimated=bool(meta["near_duplicates_estimated"]),
    )


def _tree_key(features: Any, spec: Any, *_: Any, **__: Any) -> list[str]:
    mode = "exact" if spec.exact(features.n) else f"landmarks {spec.landmarks} seed {spec.random_seed}"
    return [features.key, spec.method, mode]


def _tree_encode(tree: AxisTree) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    arrays = {"linkage": tree.tree.linkage, "leaf_order": tree.tree.leaf_order}
    if tree.landmarks is not None and tree.nearest is not None:
        arrays.update({"landmarks": tree.landmarks, "nearest": tree.nearest})
    return {"axis": tree.axis, "method": tree.method, "summary": _summary_meta(tree.summary)}, arrays


def _tree_decode(meta: dict[str, Any], arrays: dict[str, np.ndarray], features: Any, spec: Any, *_: Any) -> AxisTree:
    n = features.n
    linkage, leaf_order = arrays["linkage"], arrays["leaf_order"]
    landmarks, nearest = arrays.get("landmarks"), arrays.get("nearest")
    leaves = n
    if not spec.exact(n):
        if landmarks is None or nearest is None or landmarks.ndim != 1 or not len(landmarks):
            raise ValueError("a landmark tree without its landmarks")
        if nearest.shape != (n,) or landmarks.min() < 0 or landmarks.max() >= n:
            raise ValueError("landmarks that do not fit the texts")
        if nearest.min() < 0 or nearest.max() >= len(landmarks):
            raise ValueError("nearest landmarks that do not fit the landmarks")
        leaves = len(landmarks)
    elif meta.get("summary") is None:
        raise ValueError("an exact tree without its distance summary")
    if linkage.shape != (max(0, leaves - 1), 4) or leaf_order.shape != (leaves,):
        raise ValueError(f"a tree of another size ({leaf_order.shape[0]} leaves, not {leaves})")
    if leaves and not (leaf_order.min() >= 0 and leaf_order.max() < leaves):
        raise ValueError("leaves that do not fit the tree")
    tree = Tree(linkage.astype(np.float64), leaf_order.astype(np.int64))
    return AxisTree(
        axis=str(meta["axis"]),
        method=str(meta["method"]),
        tree=tree,
        landmarks=None if landmarks is None else landmarks.astype(np.int64),
        nearest=None if nearest is None else nearest.astype(np.int64),
        summary=_summary_of(meta["summary"]),
    )


def _features_key(features: Any, *_: Any, **__: Any) -> list[str]:
    return [features.key]


def _summary_key(features: Any, tree: Any, *_: Any, **__: Any) -> list[str]:
    return [features.key, tree.mode]


def _vendi_encode(v: Vendi) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    interval = list(v.interval) if v.interval is not None else None
    return {"score": v.score, "sample": v.sample, "method": v.method, "interval": interval}, {}


def _vendi_decode(meta: dict[str, Any], arrays: dict[str, np.ndarray], *_: Any) -> Vendi:
    sample, method, interval = meta["sample"], meta["method"], meta["interval"]
    return Vendi(
        float(meta["score"]),
        None if sample is None else int(sample),
        None if method is None else str(method),
        None if interval is None else (float(interval[0]), float(interval[1])),
    )


def _summary_encode(s: DistanceSummary) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    return {"summary": _summary_meta(s)}, {}


def _summary_decode(meta: dict[str, Any], arrays: dict[str, np.ndarray], *_: Any) -> DistanceSummary:
    summary = _summary_of(meta["summary"])
    if summary is None:
        raise ValueError("no summary")
    return summary


def _dataset_key(parsed: ParsedCorpus, *_: Any, **__: Any) -> list[Any]:
    """The texts in row order, what was skipped, and every distinct parse (each written out once: rows of
    one text share its parse)."""
    corpus = parsed.corpus
    h = hashlib.sha256()
    shown: dict[int, bytes] = {}  # by object: a parse shared by many rows is written out once
    number: dict[bytes, int] = {}
    rows = []
    for p in parsed.parsed:
        text = shown.get(id(p))
        if text is None:
            text = shown[id(p)] = repr(p).encode("utf-8", "surrogatepass")
        k = number.get(text)
        if k is None:
            k = number[text] = len(number)
            h.update(len(text).to_bytes(8, "little") + text)
        rows.append(k)
    skipped = json.dumps(corpus.rows_skipped, sort_keys=True)
    return [f"read {corpus.rows_read} skipped {skipped}", list(corpus.texts), h.hexdigest(), np.asarray(rows)]


def _dataset_encode(result: tuple[DatasetStats, Tops, dict[str, Any]]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    data, tops, intervals = result
    # As one JSON string: the header sorts its keys, and the report and JSON keep these in their order.
    return {"json": json.dumps({"stats": asdict(data), "tops": asdict(tops), "intervals": intervals})}, {}


def _intervals_of(meta: Any) -> Any:
    """The intervals as computed: pairs are tuples (JSON made them lists)."""
    if isinstance(meta, dict):
        return {str(k): _intervals_of(v) for k, v in meta.items()}
    if isinstance(meta, list) and len(meta) == 2:
        return (float(meta[0]), float(meta[1]))
    raise ValueError("an interval that is not a pair")


def _dataset_decode(
    meta: dict[str, Any], arrays: dict[str, np.ndarray], parsed: ParsedCorpus, *_: Any
) -> tuple[DatasetStats, Tops, dict[str, Any]]:
    meta = json.loads(meta["json"])
    figures = dict(meta["stats"])
    figures["tokens_per_text"] = TokensPerText(**figures["tokens_per_text"])
    data = DatasetStats(**figures)
    if data.rows_analysed != parsed.corpus.n:
        raise ValueError("statistics of another number of texts")
    t = meta["tops"]

    def counts(pairs: list[list[Any]]) -> list[tuple[str, int]]:
        return [(str(item), int(k)) for item, k in pairs]

    tops = Tops(
        words=counts(t["words"]),
        ngrams={int(n): counts(v) for n, v in t["ngrams"].items()},
        templates=counts(t["templates"]),
        overused=[OverusedWord(**o) for o in t["overused"]],
        template_tags=str(t["template_tags"]),
        template_n=int(t["template_n"]),
    )
    return data, tops, _intervals_of(meta["intervals"])


#: The stages whose results are kept, by qualified name; none of them depends on where a tree is cut,
#: so a re-run with other thresholds reuses them all.
MEMOISED: dict[str, Codec] = {
    "lens_cli.stats.dataset_stats": Codec("dataset", _dataset_key, _dataset_encode, _dataset_decode),
    "lens_cli.cluster.grow_tree": Codec("tree", _tree_key, _tree_encode, _tree_decode),
    "lens_cli.stats.vendi_score": Codec("vendi", _features_key, _vendi_encode, _vendi_decode),
    # In exact mode the summary comes with the tree (and is kept with it).
    "lens_cli.stats.axis_summary": Codec(
        "summary", _summary_key, _summary_encode, _summary_decode, lambda features, tree, *_: tree.summary is None
    ),
}


class ResultMemo:
    """Results of :data:`MEMOISED` stages kept in a :class:`Cache`, keyed by a SHA-256 of their inputs
    (see :func:`result_key`): the executor asks before it runs such a stage and stores what it computed."""

    def __init__(self, cache: Cache, note: Callable[[str], None]) -> None:
        self.cache, self.note = cache, note

    @staticmethod
    def codec(fn: Callable[..., Any]) -> Codec | None:
        return MEMOISED.get(f"{fn.__module__}.{fn.__qualname__}")

    def load(self, fn: Callable[..., Any], args: Sequence[Any]) -> tuple[bool, Any]:
        """``(True, result)`` when a stored result of ``fn(*args)`` fits, else ``(False, None)``."""
        codec = self.codec(fn)
        if codec is None or not codec.applies(*args):
            return False, None
        key = result_key(codec.kind, *codec.key(*args))
        got = self.cache.load_result(codec.kind, key)
        self._flush()
        if got is None:
            return False, None
        try:
            return True, codec.decode(*got, *args)
        except (KeyError, TypeError, ValueError) as exc:
            self.note(f"cache: ignored {codec.kind}-{key}.res ({exc}); computed again")
            return False, None

    def store(self, fn: Callable[..., Any], args: Sequence[Any], result: Any) -> None:
        codec = self.codec(fn)
        if codec is None or not codec.applies(*args):
            return
        meta, arrays = codec.encode(result)
        self.cache.store_result(codec.kind, result_key(codec.kind, *codec.key(*args)), meta, arrays)
        self._flush()

    def _flush(self) -> None:
        for note in self.cache.notes:
            self.note(note)
        self.cache.notes.clear()
