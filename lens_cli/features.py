"""Featurize: what each axis compares, for every text or, in sentence unit, for every sentence.

| axis       | an item becomes                                                         |
|------------|-------------------------------------------------------------------------|
| syntax     | its UPOS sequence, one character per tag                                |
| dependency | its dependency labels in token order, one character per label           |
| template   | its function-word skeleton (:mod:`lens_cli.skeleton`), one character per token |
| lexical    | its sorted set of lower-cased words, one character per word             |
| semantic   | its L2-normalised sentence embedding                                    |

**Unit.** In text unit an item is a text. In sentence unit the syntax, dependency and template axes compare
the texts' sentences (:func:`sentences`), and each item knows its text (``owner``) and whether it is its text's
first or last sentence; the lexical and semantic axes stay per text. :func:`choose_unit` decides ``auto``.

The distances between items are in :mod:`lens_cli.distances`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from . import distances as dist
from .model import SENTENCE_AXES, ParsedCorpus, ParsedText, Token, Vectors

#: ``--unit auto`` picks sentence unit when the median text has more word tokens than this.
AUTO_SENTENCE_TOKENS = 40
#: Markdown markup tokens (``**`` of bold, ``##`` of headings): left out of sentences, like white space.
MARKUP = re.compile(r"[*#_`~]+")
#: List markers that may start a line: "-", "*", "•", "–", ">".
MARKERS = frozenset("-*\u2022\u2023\u25e6\u2043\u2219\u2013\u2014>")
_NUMBERED = re.compile(r"\d{1,3}[.)]|[A-Za-z][.)]")


@dataclass(frozen=True)
class Sentences:
    """The sentences of a corpus, in text order.

    Attributes:
        owner: Per sentence, the corpus index of its text.
        start: Per sentence, its first token in its text.
        end: Per sentence, one past its last token.
        first: Per sentence, whether it is its text's first sentence.
        last: Per sentence, whether it is its text's last sentence.
    """

    owner: np.ndarray
    start: np.ndarray
    end: np.ndarray
    first: np.ndarray
    last: np.ndarray

    @property
    def n(self) -> int:
        return len(self.owner)


@dataclass(frozen=True)
class AxisFeatures:
    """What one axis compares.

    Attributes:
        axis: The axis.
        unit: ``text`` or ``sentence``: what an item is.
        items: Per item its axis string (strings share one :class:`~lens_cli.distances.Codebook`), or on the
            semantic axis the ``(n, d)`` float32 embeddings.
        seed_items: The same for the seeds given in a separate file (their sentences in sentence unit).
        texts: Per item, its text (a sentence's own words in sentence unit): ties in trees and among
            near-duplicates are broken by it.
        parsed: The corpus the items come from.
        sentences: In sentence unit, which text and tokens each item is; ``None`` in text unit.
        seed_sentences: In sentence unit with a seeds file, each seed sentence's seed (its position in the file).
    """

    axis: str
    unit: str
    items: Sequence[str] | np.ndarray
    seed_items: Sequence[str] | np.ndarray
    texts: Sequence[str]
    parsed: ParsedCorpus
    sentences: Sentences | None = None
    seed_sentences: np.ndarray | None = None

    @property
    def n(self) -> int:
        return len(self.texts)

    @property
    def strings(self) -> Sequence[str] | None:
        """The axis strings, or ``None`` on the semantic axis. Equal strings are equally far from everything."""
        return None if isinstance(self.items, np.ndarray) else self.items

    @property
    def owner(self) -> np.ndarray:
        """Per item, the corpus index of its text."""
        return self.sentences.owner if self.sentences is not None else np.arange(self.n)

    @property
    def is_seed(self) -> np.ndarray:
        """Per item, whether its text is a seed."""
        return self.parsed.corpus.is_seed[self.owner]

    def item_parsed(self, i: int) -> ParsedText:
        """The tokens of item ``i``: its text, or its sentence as a text of its own."""
        if self.sentences is None:
            return self.parsed.parsed[i]
        s = self.sentences
        return _sentence(self.parsed.parsed[int(s.owner[i])], int(s.start[i]), int(s.end[i]))

    def take(self, idx: np.ndarray) -> Any:
        """The items ``idx``."""
        if isinstance(self.items, np.ndarray):
            return self.items[idx]
        return [self.items[i] for i in idx]

    def cross(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """``(len a, len b)`` distances between items ``a`` and items ``b``."""
        return dist.cross(self.axis, self.take(a), self.take(b))

    def pairs(self, idx: np.ndarray) -> np.ndarray:
        """Square distances among items ``idx``, exactly symmetric.

        The upper triangle is mirrored: a float32 matmul need not give d(a, b) == d(b, a) to the last
        bit, and an asymmetric matrix would break medoid ties by rounding noise.
        """
        sq = np.triu(self.cross(idx, idx), 1)
        sq += sq.T
        return sq

    @cached_property
    def key(self) -> str:
        """A SHA-256 of everything this axis's trees and statistics depend on (results cache)."""
        h = hashlib.sha256(f"features|{self.axis}|{self.unit}|".encode())
        _hash_strings(h, self.texts)
        if isinstance(self.items, np.ndarray):
            arr = np.ascontiguousarray(self.items)
            h.update(f"|array {arr.dtype.str} {arr.shape}|".encode())
            h.update(arr.tobytes())
        else:
            _hash_strings(h, self.items)
        return h.hexdigest()


def _hash_strings(h: Any, strings: Sequence[str]) -> None:
    h.update(b"|list %d|" % len(strings))
    for s in strings:
        b = s.encode("utf-8", "surrogatepass")
        h.update(len(b).to_bytes(8, "little"))
        h.update(b)


# ---------------------------------------------------------------- sentences


def _is_markup(token: Token) -> bool:
    return MARKUP.fullmatch(token.text) is not None


def _sentence(parsed: ParsedText, start: int, end: int) -> ParsedText:
    """Tokens ``start..end-1`` without markup tokens, as a text of their own."""
    return parsed.take([k for k in range(start, end) if not _is_markup(parsed.tokens[k])])


def _marker_length(tokens: Sequence[Token]) -> int:
    """How many tokens at the start of a line are a list marker ("-", "•", "1.", "a)")."""
    if not tokens:
        return 0
    first = tokens[0].text
    if first in MARKERS or _NUMBERED.fullmatch(first):
        return 1
    if len(tokens) > 1 and tokens[1].text in (".", ")") and ((first.isdigit() and len(first) <= 3) or len(first) == 1):
        return 2
    return 0


def sentence_spans(parsed: ParsedText) -> list[tuple[int, int]]:
    """A text's sentences as token spans ``(start, end)``.

    The parser's sentence boundaries, and every line break as well (a parser keeps list lines together:
    "Here are some tips:\\n1. Eat well."); a list marker at the start of a line ("-", "•", "1.") is left
    out, and so is markup at either end ("**"); a piece without a word is no sentence. A text without a
    word token has none.
    """
    n = len(parsed.tokens)
    cuts = set(parsed.sentence_starts) | {k for k, text in parsed.spaces if "\n" in text}
    bounds = sorted(c for c in cuts if 0 < c < n)
    spans = []
    for start, end in zip([0, *bounds], [*bounds, n]):
        toks = parsed.tokens
        while start < end and _is_markup(toks[start]):
            start += 1
        start += _marker_length(toks[start:end])
        while end > start and _is_markup(toks[end - 1]):
            end -= 1
        if any(any(c.isalnum() for c in t.text) for t in toks[start:end]):
            spans.append((start, end))
    return spans


def corpus_sentences(parsed: Sequence[ParsedText]) -> Sentences:
    """Every sentence of every text (see :func:`sentence_spans`), in text order."""
    owner: list[int] = []
    start: list[int] = []
    end: list[int] = []
    first: list[bool] = []
    last: list[bool] = []
    for i, p in enumerate(parsed):
        spans = sentence_spans(p)
        for k, (s, e) in enumerate(spans):
            owner.append(i)
            start.append(s)
            end.append(e)
            first.append(k == 0)
            last.append(k == len(spans) - 1)
    return Sentences(
        np.asarray(owner, dtype=np.int64),
        np.asarray(start, dtype=np.int64),
        np.asarray(end, dtype=np.int64),
        np.asarray(first, dtype=bool),
        np.asarray(last, dtype=bool),
    )


def surface(parsed: ParsedText, start: int = 0, end: int | None = None) -> str:
    """Tokens ``start..end-1`` as they spell the text (one space where there was white space), markup left out."""
    out: list[str] = []
    for t in parsed.tokens[start:end]:
        if _is_markup(t):
            if t.space_after and out and not out[-1].endswith(" "):
                out.append(" ")
            continue
        out.append(t.text + (" " if t.space_after else ""))
    return "".join(out).strip()


def choose_unit(parsed: ParsedCorpus, unit: str) -> str:
    """``text`` or ``sentence``: ``unit`` itself, or for ``auto`` sentence unit when the median text has
    more than :data:`AUTO_SENTENCE_TOKENS` word tokens."""
    if unit != "auto":
        return unit
    lengths = [len(p.words) for p in parsed.parsed]
    return "sentence" if lengths and float(np.median(lengths)) > AUTO_SENTENCE_TOKENS else "text"


def median_tokens(parsed: ParsedCorpus) -> float:
    lengths = [len(p.words) for p in parsed.parsed]
    return float(np.median(lengths)) if lengths else 0.0


# ---------------------------------------------------------------- the stage


def featurize(axis: str, parsed: ParsedCorpus, vectors: Vectors | None = None, unit: str = "text") -> AxisFeatures:
    """The items ``axis`` compares for every text (every sentence, for a sentence axis in sentence unit) and
    every separate seed (``vectors``: the semantic axis's)."""
    texts = parsed.corpus.texts
    if axis == "semantic":
        if vectors is None:
            raise ValueError("the semantic axis needs vectors")
        return AxisFeatures(axis, "text", vectors.texts, vectors.seeds, texts, parsed)
    codebook = dist.Codebook()
    if unit == "sentence" and axis in SENTENCE_AXES:
        sents = corpus_sentences(parsed.parsed)
        pieces = [
            _sentence(parsed.parsed[int(o)], int(s), int(e)) for o, s, e in zip(sents.owner, sents.start, sents.end)
        ]
        seeds = corpus_sentences(parsed.seed_parsed)
        seed_pieces = [
            _sentence(parsed.seed_parsed[int(o)], int(s), int(e))
            for o, s, e in zip(seeds.owner, seeds.start, seeds.end)
        ]
        items = dist.axis_strings(axis, pieces, codebook)
        seed_items = dist.axis_strings(axis, seed_pieces, codebook)
        words = [surface(parsed.parsed[int(o)], int(s), int(e)) for o, s, e in zip(sents.owner, sents.start, sents.end)]
        return AxisFeatures(axis, "sentence", items, seed_items, words, parsed, sents, seeds.owner)
    items = dist.axis_strings(axis, parsed.parsed, codebook)
    seed_items = dist.axis_strings(axis, parsed.seed_parsed, codebook)
    return AxisFeatures(axis, "text", items, seed_items, texts, parsed)
