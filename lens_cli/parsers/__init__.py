"""Parse: every text becomes tokens with UPOS and Penn tags, a dependency label and a head.

Backends behind one interface (:class:`Parser`): spaCy (:class:`SpacyParser`, English, the default)
and stanza (:class:`StanzaParser`, any language it has models for; ``pip install 'lens-cli[stanza]'``).
"""

from __future__ import annotations

import os

from ..errors import UsageProblem
from ..model import Corpus, ParsedCorpus, unique
from ..runtime.context import SILENT, Ticker
from .base import Parser, ParserIdentity
from .spacy_backend import SpacyParser
from .stanza_backend import StanzaParser, stanza_models_present

__all__ = [
    "Parser",
    "ParserIdentity",
    "SpacyParser",
    "StanzaParser",
    "make_parser",
    "parse",
    "stanza_models_present",
]


def parse(corpus: Corpus, parser: Parser, tick: Ticker = SILENT) -> ParsedCorpus:
    """Tag and parse every text (and every separate seed); identical texts are parsed once and share
    one :class:`~lens_cli.model.ParsedText`."""
    everything = list(corpus.texts) + list(corpus.seed_texts)
    distinct, group = unique(everything)
    tick.phase("", len(distinct))
    parsed = parser.parse(distinct, tick)
    rows = [parsed[g] for g in group]
    return ParsedCorpus(corpus=corpus, parsed=rows[: corpus.n], parser=parser.info(), seed_parsed=rows[corpus.n :])


def make_parser(name: str, lang: str = "en", stanza_dir: str | None = None) -> Parser:
    """The parser for ``--parser`` (``auto``, ``spacy`` or ``stanza``).

    ``auto`` takes stanza when its models for ``lang`` are present, else spaCy for English.
    """
    stanza_dir = stanza_dir or os.environ.get("STANZA_RESOURCES_DIR")
    if name == "auto":
        name = "stanza" if stanza_models_present(lang, stanza_dir) else "spacy"
        if name == "spacy" and lang != "en":
            raise UsageProblem(
                f"no stanza models for language {lang!r} were found and spaCy covers English only; "
                f"get them with `lens models download --lang {lang}` (online) or pass --stanza-dir",
                param="--lang",
            )
    if name == "spacy":
        if lang != "en":
            raise UsageProblem("the spacy parser covers English only; use --parser stanza for --lang " + lang, "--lang")
        return SpacyParser()
    if name == "stanza":
        return StanzaParser(lang=lang, model_dir=stanza_dir)
    raise UsageProblem(f"unknown parser {name!r}", param="--parser")
