"""stanza backend: Stanford's UD pipeline for any language stanza supports.

Models are read from a directory (``--stanza-dir``, ``STANZA_RESOURCES_DIR`` or stanza's default);
nothing is downloaded while analysing. ``lens models download`` fetches them when online.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import LensError, MissingModelError
from ..io import files_fingerprint
from ..model import ParsedText, ParserInfo, Token
from .base import ParserIdentity, Progress

#: How to get stanza when it is not installed.
INSTALL = "stanza is not installed: pip install 'lens-cli[stanza]' (or pip install stanza)"

PROCESSORS = "tokenize,mwt,pos,lemma,depparse"
BATCH_SIZE = 64


def default_stanza_dir() -> str:
    """stanza's own default resources directory."""
    return os.environ.get("STANZA_RESOURCES_DIR") or str(Path.home() / "stanza_resources")


def stanza_models_present(lang: str, model_dir: str | None) -> bool:
    """Whether ``model_dir`` holds stanza's resources file and a model folder for ``lang``."""
    root = Path(model_dir or default_stanza_dir())
    return (root / "resources.json").is_file() and (root / lang).is_dir()


def document_to_parsed(doc: Any) -> ParsedText:
    """Convert one stanza ``Document`` (one input text, any number of sentences) to a ParsedText.

    Words (after multi-word-token expansion) become tokens; heads, 1-based per sentence in stanza
    with 0 for the root, become 0-based indices into the whole text, the root pointing to itself.
    """
    tokens: list[Token] = []
    starts: list[int] = []
    for sentence in doc.sentences:
        offset = len(tokens)
        starts.append(offset)
        for k, word in enumerate(sentence.words):
            head = int(word.head or 0)
            upos = word.upos or "X"
            tokens.append(
                Token(
                    text=word.text,
                    lower=word.text.lower(),
                    upos=upos,
                    xpos=word.xpos or upos,
                    dep=word.deprel or "dep",
                    head=offset + (head - 1 if head > 0 else k),
                    is_punct=upos in ("PUNCT", "SYM") and not any(c.isalnum() for c in word.text),
                    space_after=_space_after(word),
                )
            )
    return ParsedText(tuple(tokens), (), tuple(starts) if len(starts) > 1 else ())


def _space_after(word: Any) -> bool:
    """Whether white space follows ``word``: only the last word of a token can be followed by any."""
    parent = getattr(word, "parent", None)
    if parent is None:
        return "SpaceAfter=No" not in (word.misc or "")
    if parent.words and parent.words[-1] is not word:
        return False
    spaces = getattr(parent, "spaces_after", None)
    if spaces is not None:
        return spaces != ""
    return "SpaceAfter=No" not in (parent.misc or "")


class StanzaParser:
    """Parse with a stanza pipeline loaded from local model files only."""

    def __init__(self, lang: str = "en", model_dir: str | None = None) -> None:
        self.lang = lang
        self.model_dir = model_dir or default_stanza_dir()
        self._nlp: Any = None

    def _missing(self) -> MissingModelError:
        return MissingModelError(
            f"no stanza models for {self.lang!r} in {self.model_dir}; get them with "
            f"`lens models download --lang {self.lang} --stanza-dir {self.model_dir}` (needs network), "
            "point --stanza-dir or STANZA_RESOURCES_DIR at a copy, or use --parser spacy"
        )

    def _load(self) -> Any:
        if self._nlp is not None:
            return self._nlp
        if not stanza_models_present(self.lang, self.model_dir):
            raise self._missing()
        try:
            import stanza
        except ImportError as exc:
            raise MissingModelError(INSTALL) from exc
        try:
            self._nlp = stanza.Pipeline(
                self.lang,
                dir=self.model_dir,
                processors=PROCESSORS,
                download_method=None,
                use_gpu=False,
                logging_level="WARN",
            )
        except Exception as exc:  # stanza raises several types for missing/corrupt files
            raise MissingModelError(f"cannot load stanza models from {self.model_dir}: {exc}") from exc
        return self._nlp

    def info(self) -> ParserInfo:
        import stanza

        self._load()
        return ParserInfo("stanza", f"stanza-{self.lang}", stanza.__version__)

    def cache_identity(self) -> ParserIdentity | None:
        """The stanza version and a fingerprint of the model files, without loading them."""
        import importlib.metadata

        root = Path(self.model_dir)
        try:
            version = importlib.metadata.version("stanza")
            models = files_fingerprint(root / self.lang) + files_fingerprint(root / "resources.json")
        except (OSError, importlib.metadata.PackageNotFoundError):
            return None
        info = ParserInfo("stanza", f"stanza-{self.lang}", version)
        ident = {"parser": {"backend": info.backend, "model": info.model, "version": info.version}, "models": models}
        return ParserIdentity(ident, info)

    def parse(self, texts: Sequence[str], progress: Progress | None = None) -> list[ParsedText]:
        import stanza

        nlp = self._load()
        out: list[ParsedText] = []
        for start in range(0, len(texts), BATCH_SIZE):
            batch = [stanza.Document([], text=t) for t in texts[start : start + BATCH_SIZE]]
            docs = nlp.bulk_process(batch)
            out.extend(document_to_parsed(d) for d in docs)
            if progress is not None:
                progress(len(batch))
        return out


def download_models(lang: str, model_dir: str | None) -> str:
    """Download stanza's models for ``lang`` into ``model_dir`` (needs network access)."""
    try:
        import stanza
    except ImportError as exc:
        raise MissingModelError(INSTALL) from exc
    target = model_dir or default_stanza_dir()
    try:
        stanza.download(lang, model_dir=target, processors=PROCESSORS, logging_level="WARN")
    except Exception as exc:
        raise LensError(
            f"cannot download stanza models for {lang!r} into {target}: {type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else ''} (is the network reachable?)"
        ) from exc
    return target
