"""Parse: every text becomes tokens with UPOS and Penn tags, a dependency label and a head.

Backends behind one interface (:class:`Parser`): spaCy (:class:`SpacyParser`, English, the default)
and stanza (:class:`StanzaParser`, any language it has models for; ``pip install 'lens-cli[stanza]'``).
"""

from __future__ import annotations

import os
from dataclasses import replace

from ..errors import UsageProblem
from ..model import Corpus, ParsedCorpus, ParsedText, Token, unique
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
    "merge_hyphens",
    "parse",
    "stanza_models_present",
]


def parse(corpus: Corpus, parser: Parser, tick: Ticker = SILENT) -> ParsedCorpus:
    """Tag and parse every text (and every separate seed); identical texts are parsed once and share
    one :class:`~lens_cli.model.ParsedText`. Hyphenated words become one token (:func:`merge_hyphens`)."""
    everything = list(corpus.texts) + list(corpus.seed_texts)
    distinct, group = unique(everything)
    tick.phase("", len(distinct))
    parsed = [merge_hyphens(p) for p in parser.parse(distinct, tick)]
    rows = [parsed[g] for g in group]
    return ParsedCorpus(corpus=corpus, parsed=rows[: corpus.n], parser=parser.info(), seed_parsed=rows[corpus.n :])


def _wordish(token: Token) -> bool:
    return any(c.isalnum() for c in token.text)


def merge_hyphens(parsed: ParsedText) -> ParsedText:
    """Hyphenated words as one token: "bossa-nova", "well-known", "step-by-step", "1990-1995".

    A ``-`` written with no white space on either side, between two tokens with a letter or digit, joins
    them (chains join whole). The joined token takes the tags, label and head of its part whose head lies
    outside it (the last such part), as spaCy's own retokenizer would; heads, whitespace tokens and
    sentence starts are re-indexed. Parsers split these words (spaCy: bossa, -, nova), which made one word
    count as three tokens on every axis.
    """
    toks = parsed.tokens
    n = len(toks)
    group = list(range(n))
    joined = False
    i = 1
    while i < n - 1:
        t, before = toks[i], toks[i - 1]
        if (
            t.text == "-"
            and not t.space_after
            and not before.space_after
            and _wordish(before)
            and _wordish(toks[i + 1])
        ):
            group[i] = group[i + 1] = group[i - 1]
            joined = True
            i += 2
        else:
            i += 1
    if not joined:
        return parsed
    members: dict[int, list[int]] = {}
    for k, g in enumerate(group):
        members.setdefault(g, []).append(k)
    new_index = {g: j for j, g in enumerate(members)}
    position = [new_index[g] for g in group] + [len(members)]  # old index (or n) -> new index
    out = []
    for parts in members.values():
        inside = set(parts)
        roots = [k for k in parts if toks[k].head not in inside or toks[k].head == k]
        root = toks[roots[-1] if roots else parts[-1]]
        if len(parts) == 1:
            out.append(replace(root, head=position[root.head]))
            continue
        text = "".join(toks[k].text for k in parts)
        out.append(
            replace(
                root,
                text=text,
                lower=text.lower(),
                head=position[root.head],
                is_punct=False,
                space_after=toks[parts[-1]].space_after,
            )
        )
    return ParsedText(
        tuple(out),
        tuple((position[k], text) for k, text in parsed.spaces),
        tuple(dict.fromkeys(position[k] for k in parsed.sentence_starts)),
        tuple(parsed.reference_tags),
    )


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
