"""Which words a dataset overuses: how much more often each appears than in general English.

The reference is ``wordfreq``'s English list (frequencies from Wikipedia, subtitles, news, books, the web
and more, shipped in its wheel: nothing is downloaded). For a word w of the dataset:

    rate(w)    = occurrences of w / word tokens of the dataset
    english(w) = wordfreq.word_frequency(w, "en")               (0 for a word it does not know)
    lift(w)    = (rate(w) + EPSILON) / (english(w) + EPSILON)

EPSILON (one in a million words) smooths both sides, so that a word English never uses (a name, a typo,
a made-up word) gets a large but finite lift, and a word once in the data gets none to speak of. Only
words in at least :func:`min_texts` texts count, made of letters (apostrophes and hyphens inside):
numbers, punctuation and the clitic "n't" are not words people overuse in the sense meant here.
Ranked by lift, then by texts, then by the word.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from functools import cache

from .model import OverusedWord

#: Additive smoothing of both rates: one occurrence per million words.
EPSILON = 1e-6
#: Words listed.
TOP_OVERUSED = 30
#: A word must appear in at least this share of the texts (and in 3) to be listed.
MIN_TEXT_SHARE = 0.002
WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
#: Parser tokens that are parts of words ("is n't"), not words.
CLITICS = frozenset({"n't", "n’t"})


def min_texts(n_texts: int) -> int:
    """The fewest texts a listed word appears in: 3, or :data:`MIN_TEXT_SHARE` of the texts."""
    return max(3, math.ceil(MIN_TEXT_SHARE * n_texts))


@cache
def english_frequency(word: str) -> float:
    """How often ``word`` occurs in general English, as a share of all words (wordfreq)."""
    from wordfreq import word_frequency

    return float(word_frequency(word, "en"))


def overused_words(
    occurrences: Mapping[str, int], texts: Mapping[str, int], tokens: int, n_texts: int, k: int = TOP_OVERUSED
) -> list[OverusedWord]:
    """The ``k`` words with the largest lift over general English (see the module docstring).

    Args:
        occurrences: Occurrences of each lower-cased word token.
        texts: Texts containing each word.
        tokens: Word tokens of the dataset.
        n_texts: Texts of the dataset.
    """
    if tokens == 0:
        return []
    floor = min_texts(n_texts)
    out = []
    for word, df in texts.items():
        if df < floor or word in CLITICS or not WORD.fullmatch(word):
            continue
        rate = occurrences[word] / tokens
        english = english_frequency(word)
        lift = (rate + EPSILON) / (english + EPSILON)
        out.append(OverusedWord(word, df, rate * 1e6, english * 1e6, lift))
    out.sort(key=lambda o: (-o.lift, -o.texts, o.word))
    return [o for o in out[:k] if o.lift > 1.0]
