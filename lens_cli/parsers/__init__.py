"""Parser backends behind one interface: ``Parser.parse(texts) -> list[ParsedText]``."""

from __future__ import annotations

import os

from ..errors import UsageProblem
from .base import Parser
from .spacy_backend import SpacyParser
from .stanza_backend import StanzaParser, stanza_models_present

__all__ = ["Parser", "SpacyParser", "StanzaParser", "make_parser", "stanza_models_present"]


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
