"""Cluster descriptions: gapped syntax/dependency patterns, shared words, distinctive words.

A syntax or dependency pattern is a subsequence (gaps allowed) of at most :data:`MAX_ITEMS`
items, each either a literal word (``for``) or a tag slot (``NOUN``, or a dependency label),
held by at least :data:`MIN_SUPPORT` of the members. Among those, the pattern with the highest
score wins, where

    score = support^0.75 × Σ item weights,   slot weight 1, literal weight 2

Support counts first (more members is always better, all else equal), then length (each item
adds weight), then literals (a literal weighs twice a slot, since it says more). The exponent
keeps a common specific pattern from being drowned by a generic one. In LinguisticLens's music
data: ``ADJ NOUN music`` held by 71% (score 3.09) beats ``ADJ NOUN NOUN`` held by all (3.0),
while a cluster of one-word queries gets ``NOUN`` (1.0) rather than ``opera`` held by 33% (0.88).
Ties go to the lexicographically smallest pattern, so results are deterministic. A pattern may begin with a slot.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np

from .model import ParsedText, Pattern
from .skeleton import CONTENT, SLOT, WH_ADVERB

#: Axes whose clusters are described by a pattern (the others by words).
PATTERN_AXES = ("syntax", "dependency", "template")
MAX_ITEMS = 6
MIN_SUPPORT = 0.3
LITERAL_WEIGHT = 2.0
SUPPORT_EXPONENT = 0.75
SLOT_WEIGHT = 1.0
#: Members mined per cluster (evenly spaced) and tokens per member: bounds the search.
MAX_MEMBERS = 200
MAX_TOKENS = 40
#: Extensions tried per search node, most frequent first.
BRANCH = 16

Item = tuple[str, str]

_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "of",
        "at",
        "by",
        "for",
        "with",
        "about",
        "to",
        "from",
        "in",
        "on",
        "into",
        "over",
        "under",
        "up",
        "down",
        "out",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "am",
        "do",
        "does",
        "did",
        "have",
        "has",
        "had",
        "i",
        "you",
        "he",
        "she",
        "it",
        "we",
        "they",
        "me",
        "him",
        "her",
        "us",
        "them",
        "my",
        "your",
        "his",
        "its",
        "our",
        "their",
        "this",
        "that",
        "these",
        "those",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "there",
        "here",
        "so",
        "than",
        "too",
        "very",
        "can",
        "will",
        "just",
        "not",
        "no",
        "nor",
        "only",
        "own",
        "same",
        "such",
        "some",
        "any",
        "all",
        "both",
        "each",
        "few",
        "more",
        "most",
        "other",
        "s",
        "t",
        "don",
        "should",
        "now",
        "as",
        "then",
        "once",
        "while",
    ]
)


def _weight(item: Item) -> float:
    return LITERAL_WEIGHT if item[0] == "word" else SLOT_WEIGHT


def token_items(parsed: ParsedText, axis: str) -> list[tuple[Item, Item]]:
    """For each token, its literal item and its slot item on ``axis``: its UPOS tag (syntax), its
    dependency label (dependency), or on the template axis ``_`` for a content word (a function word has
    only its literal: see :mod:`lens_cli.skeleton`)."""
    out = []
    for tok in parsed.tokens[:MAX_TOKENS]:
        literal: Item = ("word", tok.lower)
        if axis == "syntax":
            slot: Item = ("slot", tok.upos)
        elif axis == "template":
            content = tok.upos in CONTENT and tok.xpos != WH_ADVERB
            slot = ("slot", SLOT) if content else literal
        else:
            slot = ("slot", tok.dep)
        out.append((literal, slot))
    return out


def pattern_sample(members: Sequence[int] | np.ndarray) -> list[int]:
    """The members :func:`mine_pattern` mines: all of them, or :data:`MAX_MEMBERS` evenly spaced."""
    if len(members) <= MAX_MEMBERS:
        return [int(i) for i in members]
    step = len(members) / MAX_MEMBERS
    return [int(members[int(k * step)]) for k in range(MAX_MEMBERS)]


def _first_match(seq: list[tuple[Item, Item]], item: Item, start: int) -> int:
    k = 0 if item[0] == "word" else 1
    for pos in range(start, len(seq)):
        if seq[pos][k] == item:
            return pos
    return -1


def mine_pattern(members: Sequence[ParsedText], axis: str) -> Pattern | None:
    """The best gapped pattern of ``members`` on ``axis`` (one of :data:`PATTERN_AXES`).

    Returns ``None`` when no item reaches :data:`MIN_SUPPORT`. Uses leftmost embeddings: for
    subsequence patterns the leftmost match leaves the most room for extensions, so support
    counted this way is exact.

    The search is a depth-first branch and bound over at most :data:`BRANCH` extensions per node.
    A node's state is what is left of each member after the leftmost match of the pattern so far:
    a suffix of its token sequence. Identical suffixes behave alike in everything below, so they
    are interned once (a suffix tree of the members, built from the ends) and a state is a
    multiset of suffixes, with counts. Two nodes at the same depth with the same state have the
    same subtree: only the one with more weight (or equal weight and the smaller key) is searched.
    A node whose best possible descendant cannot beat the best pattern so far is not expanded (a
    descendant with ``k`` more items needs ``k`` more tokens in at least :data:`MIN_SUPPORT` of the
    members). None of this changes which pattern wins; ``tests/test_scale.py`` checks it against
    the plain search.
    """
    if not members:
        return None
    members = [members[k] for k in pattern_sample(range(len(members)))]
    n = len(members)
    min_count = max(1, math.ceil(MIN_SUPPORT * n))

    # Items as integers. Suffix 0 is the empty one; suffix u > 0 is one token (two items: the
    # literal and the slot) followed by suffix tail[u]. For each suffix: its length, its distinct
    # items, and for each item the suffix left after the item's first occurrence.
    item_ids: dict[Item, int] = {}
    interned: dict[tuple[int, int, int], int] = {}
    length = [0]
    items_in: list[tuple[int, ...]] = [()]
    after: list[dict[int, int]] = [{}]
    start: Counter[int] = Counter()
    for p in members:
        tokens = [
            (item_ids.setdefault(lit, len(item_ids)), item_ids.setdefault(slot, len(item_ids)))
            for lit, slot in token_items(p, axis)
        ]
        u = 0
        for lit, slot in reversed(tokens):
            key = (lit, slot, u)
            v = interned.get(key)
            if v is None:
                v = interned[key] = len(length)
                nxt = dict(after[u])
                nxt[lit] = u
                nxt[slot] = u
                after.append(nxt)
                length.append(length[u] + 1)
                items_in.append(tuple(nxt))
            u = v
        start[u] += 1
    items_of = list(item_ids)
    item_weight = [_weight(it) for it in items_of]

    best: tuple[float, tuple[str, ...], tuple[Item, ...], int] | None = None

    def candidates(state: dict[int, int]) -> list[tuple[int, int]]:
        counts: Counter[int] = Counter()
        for u, w in state.items():
            if w == 1:
                counts.update(items_in[u])
            else:
                for item in items_in[u]:
                    counts[item] += w
        frequent = [(item, c) for item, c in counts.items() if c >= min_count]
        frequent.sort(key=lambda ic: (-ic[1] * item_weight[ic[0]], items_of[ic[0]]))
        return frequent[:BRANCH]

    def ceiling(weight: float, depth: int, state: dict[int, int]) -> float:
        """The best score any descendant of this node could reach: one with k more items needs k
        more tokens in each of its members, and at least ``min_count`` members."""
        room = MAX_ITEMS - depth
        held = [0] * (room + 1)  # held[k]: weight of members with min(tokens left, room) == k
        for u, w in state.items():
            left = length[u]
            held[left if left < room else room] += w
        top = 0.0
        total = 0
        for k in range(room, 0, -1):
            total += held[k]  # members with at least k tokens left
            if total >= min_count:
                top = max(top, (total / n) ** SUPPORT_EXPONENT * (weight + LITERAL_WEIGHT * k))
        return top

    # (depth, state) -> (weight, items) of the first node seen there. Nodes with the same depth and
    # state have identical subtrees (candidates depend on the state only), so the one with more
    # weight, or equal weight and the smaller key, wins everywhere below: skip the other.
    seen_states: dict[tuple[int, frozenset[tuple[int, int]]], tuple[float, tuple[int, ...]]] = {}

    def named(items: tuple[int, ...]) -> tuple[Item, ...]:
        return tuple(items_of[i] for i in items)

    def visit(items: tuple[int, ...], weight: float, state: dict[int, int], support: int) -> None:
        nonlocal best
        if items:
            mark = (len(items), frozenset(state.items()))
            prior = seen_states.get(mark)
            if prior is not None and (prior[0] > weight or (prior[0] == weight and named(prior[1]) < named(items))):
                return
            seen_states[mark] = (weight, items)
            score = (support / n) ** SUPPORT_EXPONENT * weight
            if best is None or score >= best[0] - 1e-12:
                these = named(items)
                key = tuple(f"{k}:{v}" for k, v in these)
                if best is None or score > best[0] + 1e-12 or (abs(score - best[0]) <= 1e-12 and key < best[1]):
                    best = (score, key, these, support)
        if len(items) >= MAX_ITEMS:
            return
        if best is not None and ceiling(weight, len(items), state) < best[0] - 1e-12:
            return
        for item, count in candidates(state):
            w_item = item_weight[item]
            bound = (count / n) ** SUPPORT_EXPONENT * (weight + w_item + LITERAL_WEIGHT * (MAX_ITEMS - len(items) - 1))
            if best is not None and bound < best[0] - 1e-12:
                continue
            new_state: dict[int, int] = {}
            for u, w in state.items():
                v = after[u].get(item)
                if v is not None:
                    new_state[v] = new_state.get(v, 0) + w
            # The item occurs after the match in exactly the members that counted it.
            visit((*items, item), weight + w_item, new_state, count)

    visit((), 0.0, dict(start), n)
    if best is None:
        return None
    _, _, named_items, support = best
    shown = tuple((k, v if k == "word" or axis == "syntax" else v.upper()) for k, v in named_items)
    return Pattern(items=shown, support=support / n)


def shared_words(members: Sequence[ParsedText], limit: int = 6) -> list[str]:
    """The words held by most members (lexical axis), most common first, at least 2 members."""
    df: Counter[str] = Counter()
    for p in members:
        df.update(set(p.words))
    ranked = sorted(df.items(), key=lambda wc: (-wc[1], wc[0]))
    return [w for w, c in ranked[:limit] if c >= 2]


def ctfidf_keywords(clusters: Sequence[Sequence[ParsedText]], limit: int = 6) -> list[list[str]]:
    """The words most distinctive of each cluster by class-based TF-IDF (BERTopic's c-TF-IDF).

    weight(w, c) = tf(w, c) / |c| × log(1 + A / f(w)), with A the average number of words per
    cluster and f(w) the frequency of w over all clusters. Stop words are left out.
    """
    tfs = []
    for members in clusters:
        tf: Counter[str] = Counter()
        for p in members:
            tf.update(w for w in p.words if w not in _STOP and any(ch.isalnum() for ch in w))
        tfs.append(tf)
    total: Counter[str] = Counter()
    for tf in tfs:
        total.update(tf)
    if not tfs:
        return []
    avg = sum(total.values()) / len(tfs) or 1.0
    out = []
    for tf in tfs:
        size = sum(tf.values()) or 1
        scored = sorted(
            ((c / size * math.log(1 + avg / total[w]), w) for w, c in tf.items()),
            key=lambda sw: (-sw[0], sw[1]),
        )
        out.append([w for _, w in scored[:limit]])
    return out


def matches(parsed: ParsedText, pattern: Pattern, axis: str) -> list[int]:
    """Token positions matched by ``pattern`` in ``parsed`` (leftmost embedding), or ``[]``."""
    seq = token_items(parsed, axis)
    pos = 0
    hit = []
    for kind, value in pattern.items:
        item: Item = (kind, value if kind == "word" or axis == "syntax" else value.lower())
        if item[0] == "slot" and axis == "dependency":
            # Dependency labels are shown upper-case; match case-insensitively.
            found = next((k for k in range(pos, len(seq)) if seq[k][1][1].lower() == item[1]), -1)
        else:
            found = _first_match(seq, item, pos)
        if found < 0:
            return []
        hit.append(found)
        pos = found + 1
    return hit
