"""The template axis's view of a text: its function-word skeleton.

Function words stay as lower-cased words, every run of content words becomes one slot ``_``:

    "music for a rainy afternoon"            -> _ for _
    "music for the gym"                      -> _ for _
    "songs that make you want to dance"      -> _ that _ you _ to _
    "Can you recommend some bossa-nova?"     -> can you _ ?

Exactly (see docs/statistics.md#the-template-axis):

- dropped before runs are formed: determiners (UPOS ``DET``: a, the, some, this...), possessive pronouns
  (Penn ``PRP$``/``WP$``: my, your, whose) and the possessive ``'s`` (Penn ``POS``): "a rainy day" and "the
  gym" are both one slot;
- content words, one slot per run: UPOS ``NOUN``, ``PROPN``, ``ADJ``, ``VERB``, ``NUM``, ``ADV`` (but not the
  wh-adverbs how, when, where, why: Penn ``WRB``), ``X`` and ``SYM``: fillers of any length or word class
  (a gerund tagged NOUN or VERB) fill one slot;
- everything else is kept as its lower-cased word: auxiliaries, pronouns, prepositions, conjunctions,
  particles, interjections, wh-adverbs and punctuation.

Hyphenated words are one token before this (see :func:`lens_cli.parsers.merge_hyphens`).
"""

from __future__ import annotations

from .model import ParsedText

#: UPOS tags of content words: each run of them is one slot.
CONTENT = frozenset({"NOUN", "PROPN", "ADJ", "VERB", "NUM", "ADV", "X", "SYM"})
#: Penn tags dropped before slots are formed (possessive pronouns, possessive 's); UPOS DET is dropped too.
DROPPED_TAGS = frozenset({"PRP$", "WP$", "POS"})
#: Penn tag of wh-adverbs (how, when, where, why): kept as words although their UPOS is ADV.
WH_ADVERB = "WRB"
SLOT = "_"


def skeleton(parsed: ParsedText) -> list[str]:
    """The function-word skeleton of a text (see the module docstring)."""
    out: list[str] = []
    in_slot = False
    for t in parsed.tokens:
        if t.upos == "DET" or t.xpos in DROPPED_TAGS:
            continue
        if t.upos in CONTENT and t.xpos != WH_ADVERB:
            if not in_slot:
                out.append(SLOT)
                in_slot = True
            continue
        out.append(t.lower)
        in_slot = False
    return out
