"""Small, deterministic stand-ins for the heavy parts, for unit tests of lens's own logic."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from lens_cli.embedders import l2_normalise
from lens_cli.model import ParsedText, ParserInfo, Token

LEXICON = {
    "a": ("DET", "DT"),
    "an": ("DET", "DT"),
    "the": ("DET", "DT"),
    "for": ("ADP", "IN"),
    "with": ("ADP", "IN"),
    "about": ("ADP", "IN"),
    "to": ("PART", "TO"),
    "that": ("PRON", "WDT"),
    "is": ("AUX", "VBZ"),
    "make": ("VERB", "VB"),
    "want": ("VERB", "VBP"),
    "dance": ("VERB", "VB"),
    "sad": ("ADJ", "JJ"),
    "upbeat": ("ADJ", "JJ"),
    "calm": ("ADJ", "JJ"),
    "i": ("PRON", "PRP"),
    "you": ("PRON", "PRP"),
    "and": ("CCONJ", "CC"),
}
_TOKEN = re.compile(r"\w+|[^\w\s]")


class FakeParser:
    """Regex tokens, tags from a tiny lexicon (NOUN otherwise), every head the last word; a sentence
    starts after ".", "!" or "?"."""

    def __init__(self) -> None:
        self.calls = 0

    def info(self) -> ParserInfo:
        return ParserInfo("fake", "fake-lexicon", "0")

    def cache_identity(self) -> None:
        return None  # the cache asks info()

    def parse(self, texts: Sequence[str], progress=None) -> list[ParsedText]:
        self.calls += 1
        out = []
        for text in texts:
            words = _TOKEN.findall(text)
            root = max(0, len(words) - 1)
            toks = []
            starts = [0]
            for k, w in enumerate(words):
                punct = not w[0].isalnum() and w[0] != "_"
                upos, xpos = ("PUNCT", ".") if punct else LEXICON.get(w.lower(), ("NOUN", "NN"))
                toks.append(Token(w, w.lower(), upos, xpos, "ROOT" if k == root else upos.lower(), root, punct))
                if w in ".!?" and k + 1 < len(words):
                    starts.append(k + 1)
            out.append(ParsedText(tuple(toks), (), tuple(starts) if len(starts) > 1 else ()))
            if progress:
                progress(1)
        return out


class FakeEmbedder:
    """Bag-of-characters vectors: texts with the same letters embed alike."""

    name = "fake"
    per_text = True
    in_worker = False

    def describe(self) -> str:
        return "fake bag-of-letters"

    def cache_identity(self) -> None:
        return None  # the cache asks describe()

    def embed(self, texts: Sequence[str], progress=None) -> np.ndarray:
        out = np.zeros((len(texts), 27), dtype=np.float32)
        for i, t in enumerate(texts):
            for ch in t.lower():
                out[i, ord(ch) - 97 if "a" <= ch <= "z" else 26] += 1
        if progress:
            progress(len(texts))
        return l2_normalise(out)


class FailingParser(FakeParser):
    """A parser that always fails: for error paths of remote engines."""

    def parse(self, texts: Sequence[str], progress=None) -> list[ParsedText]:
        raise RuntimeError("this parser always fails")


class SlowParser(FakeParser):
    """FakeParser that takes ``delay`` seconds per call: gives tests time to kill a worker."""

    def __init__(self, delay: float = 0.3) -> None:
        super().__init__()
        self.delay = delay

    def parse(self, texts: Sequence[str], progress=None) -> list[ParsedText]:
        import time

        time.sleep(self.delay)
        return super().parse(texts, progress)
