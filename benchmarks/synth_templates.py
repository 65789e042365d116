"""Labelled synthetic data for lens's template axis, sentence unit and seed near copies.

    python synth_templates.py short N [--seed S] > short.csv
    python synth_templates.py long N [--seed S] > long.csv

stdlib + numpy only; a fixed seed (default 7) gives byte-identical output.

short: few-shot style requests/queries. 16 planted templates, each with one seed row
(``source=seed``); generated rows fill the template's slots from pools of varied length and word
class (single nouns, noun phrases with and without determiners/adjectives/possessives, gerunds,
proper names, numbers, hyphenated words, a few fillers that contain function words such as
"The Lord of the Rings"), with some template-internal variation (lower-case first letter, final
"?"/"." dropped, "Can you suggest" for "Can you recommend"). Besides: free-form rows from a
random grammar (no template), near copies of seeds, verbatim copies of seeds, a few exact
duplicates of generated rows.

Columns: text, source (seed|generated), template (T01..T16 or empty), near_copy_of (seed row or
empty), verbatim_copy_of (seed row or empty), kind (seed|template|free|near_punct|near_lexical|
verbatim|duplicate). Rows are 0-based data record indices (header excluded).

Labels:
- verbatim_copy_of: equal to that seed after folding case and whitespace (casefold, runs of white
  space -> one space, strip).
- near_copy_of: NOT a verbatim copy, and either equal to the seed after also folding punctuation
  (kind near_punct: "!" / "." / "?" added or removed, a comma added or removed, "?" -> "!",
  typographic punctuation (curly apostrophe, "…", curly quotes), combined with case changes and
  doubled spaces), or the seed with one small word added or dropped
  (kind near_lexical: an article dropped/added, "please" or "some" added, "really"/"very" added).
- Copies and duplicates keep the template label of the row they copy (a copy of seed T05 is a T05
  row): they follow that template.
- template: generated rows made from a template's frame; never equal to the seed after folding
  punctuation (re-drawn if so).

long: multi-sentence answers (median ~190 words, 2-4 paragraphs, ~half with a bulleted or numbered
list). A share open with one of 6 planted openings (O1..O6) and/or close with one of 5 planted
closings (C1..C5), each a template with small variations; some contain one of 3 planted hedges
(H1..H3) in the middle. Body sentences come from a random grammar over 12 topic vocabularies so
that they rarely repeat a frame. Columns: text, source (all generated), opening, closing, hedge.
"""

from __future__ import annotations

import csv
import re
import sys

import numpy as np

# --------------------------------------------------------------------------------------------
# short data
# --------------------------------------------------------------------------------------------

OCCASION = [
    "a rainy day",
    "the gym",
    "studying",
    "Halloween",
    "my sister's wedding",
    "a long drive home",
    "late-night coding sessions",
    "Sunday mornings",
    "cooking dinner",
    "the first day of spring",
    "a dinner party",
    "falling asleep",
    "a road trip",
    "Christmas Eve",
    "my morning commute",
    "a quiet evening at home",
    "yoga",
    "a 10-hour flight",
    "New Year's Eve",
    "working out",
    "a candle-lit dinner",
    "the beach",
    "cleaning the house",
    "a summer barbecue",
    "meditation",
]
VERB = [
    "dance",
    "cry",
    "sing along",
    "drive fast",
    "quit my job",
    "run",
    "fall in love",
    "scream",
    "go outside",
    "call my mom",
    "jump",
    "start a band",
    "move to Paris",
    "sleep",
    "smile",
    "dance all night",
    "travel the world",
    "learn the guitar",
    "hug someone",
]
MOOD = [
    "upbeat",
    "sad",
    "dreamy",
    "laid-back",
    "super energetic",
    "moody",
    "calm",
    "dark",
    "happy",
    "melancholic",
    "chill",
    "angry",
    "very relaxing",
    "old-school",
    "lo-fi",
]
GENRE = [
    "indie rock",
    "jazz",
    "bossa-nova",
    "lo-fi hip hop",
    "80s synth-pop",
    "indie folk",
    "techno",
    "K-pop",
    "death metal",
    "French chanson",
    "soul",
    "country",
    "reggae",
    "punk",
    "blues",
    "classical",
    "ambient electronica",
    "Afrobeat",
    "gospel",
    "hip-hop",
    "drum and bass",
]
INSTR = [
    "horns",
    "a string section",
    "heavy synths",
    "acoustic guitar",
    "a twelve-string guitar",
    "strings",
    "piano",
    "saxophone",
    "violins",
    "a brass band",
    "female vocals",
    "banjo",
    "lots of bass",
    "steel drums",
    "a choir",
]
ACTIVITY = [
    "cooking dinner",
    "studying",
    "running",
    "working out",
    "falling asleep",
    "driving at night",
    "painting",
    "doing homework",
    "cleaning",
    "reading",
    "coding",
    "gardening",
    "walking the dog",
    "taking a bath",
    "writing my thesis",
    "on a plane",
    "doing the dishes",
]
ADJ_NEG = [
    "boring",
    "cheesy",
    "harsh",
    "too loud",
    "depressing",
    "overplayed",
    "repetitive",
    "sad",
    "too slow",
    "mainstream",
    "super long",
    "pretentious",
    "hard to listen to",
]
DECADE = ["1960s", "1970s", "80s", "1990s", "2000s", "nineties", "last decade", "early 2010s", "50s"]
VERB_PHRASE = [
    "make bread",
    "learn Spanish",
    "fix a leaky faucet",
    "clean my oven",
    "lose weight",
    "fall asleep faster",
    "get rid of fruit flies",
    "remove a stripped screw",
    "cook rice",
    "paint a room",
    "train my puppy",
    "start running",
    "save money",
    "write a cover letter",
    "peel garlic quickly",
    "grow tomatoes",
    "learn to code",
]
GERUND_PHRASE = [
    "using yeast",
    "spending money",
    "taking classes",
    "an oven",
    "a drill",
    "calling a plumber",
    "dieting",
    "harsh chemicals",
    "getting hurt",
    "losing motivation",
    "a rice cooker",
    "a gym",
    "going crazy",
    "buying new tools",
    "burning it",
    "a teacher",
]
TOPIC = [
    "autumn leaves",
    "the ocean",
    "a lost love",
    "city lights",
    "my grandmother's kitchen",
    "the first snow",
    "coffee",
    "time",
    "a broken heart",
    "spring rain",
    "the moon",
    "friendship",
    "a well-known painting",
    "old photographs",
    "the sound of trains",
    "loneliness",
    "cats",
]
POET = [
    "Emily Dickinson",
    "Robert Frost",
    "Shakespeare",
    "Pablo Neruda",
    "Walt Whitman",
    "Dr. Seuss",
    "Edgar Allan Poe",
    "Maya Angelou",
    "a haiku master",
    "Sylvia Plath",
    "Rumi",
    "E. E. Cummings",
]
PAIR = [
    ("baking soda", "baking powder"),
    ("a virus", "a bacterium"),
    ("weather", "climate"),
    ("affect", "effect"),
    ("a crocodile", "an alligator"),
    ("HTML", "CSS"),
    ("stocks", "bonds"),
    ("machine learning", "deep learning"),
    ("a latte", "a cappuccino"),
    ("empathy", "sympathy"),
    ("Python lists", "tuples"),
    ("RAM", "storage"),
    ("a credit card", "a debit card"),
    ("jam", "jelly"),
    ("England", "Great Britain"),
    ("a hurricane", "a typhoon"),
    ("well-being", "happiness"),
]
NUM = ["five", "three", "10", "ten", "seven", "20", "a few", "twelve", "4", "some"]
EVENT = [
    "a birthday party",
    "a rainy weekend",
    "a team-building day",
    "date night",
    "Halloween",
    "my son's 7th birthday",
    "a baby shower",
    "a small wedding",
    "Thanksgiving dinner",
    "a science fair project",
    "a road trip with kids",
    "an office party",
    "a picnic",
    "a retirement gift",
    "a first date",
    "spring break",
]
TITLE_AUTHOR = [
    ("The Hobbit", "J.R.R. Tolkien"),
    ("Dune", "Frank Herbert"),
    ("Pride and Prejudice", "Jane Austen"),
    ("The Lord of the Rings", "Tolkien"),
    ("Normal People", "Sally Rooney"),
    ("Beloved", "Toni Morrison"),
    ("Circe", "Madeline Miller"),
    ("To Kill a Mockingbird", "Harper Lee"),
    ("1984", "George Orwell"),
    ("The Martian", "Andy Weir"),
    ("Project Hail Mary", "Andy Weir"),
    ("Gone Girl", "Gillian Flynn"),
    ("Rebecca", "Daphne du Maurier"),
    ("The Name of the Wind", "Patrick Rothfuss"),
    ("Educated", "Tara Westover"),
    ("Sapiens", "Yuval Noah Harari"),
]
CONCEPT = [
    "photosynthesis",
    "black holes",
    "inflation",
    "gravity",
    "the stock market",
    "blockchain",
    "quantum computing",
    "climate change",
    "the water cycle",
    "DNA",
    "machine learning",
    "how vaccines work",
    "electricity",
    "the internet",
    "compound interest",
    "evolution",
]
AGE = ["five", "5", "10", "six", "12", "seven", "ten", "three", "8"]
ANIMAL = [
    "octopuses",
    "penguins",
    "the blue whale",
    "sloths",
    "honey bees",
    "cats",
    "axolotls",
    "the African elephant",
    "crows",
    "sea otters",
    "tardigrades",
    "flamingos",
    "a hummingbird",
    "red pandas",
    "sharks",
    "jellyfish",
]
EAT_ITEM = [
    "leftover rice",
    "raw cookie dough",
    "chicken",
    "cooked pasta",
    "sushi",
    "eggs",
    "pizza",
    "homemade soup",
    "opened wine",
    "leftover turkey",
    "fresh salsa",
    "hard-boiled eggs",
    "mashed potatoes",
    "a rotisserie chicken",
]
TIME_SPAN = [
    "two days",
    "a week",
    "3 days",
    "five days",
    "the expiration date",
    "24 hours",
    "a month",
    "two weeks",
    "one night",
    "10 days",
    "the weekend",
]
PHRASE = [
    "good morning",
    "happy birthday",
    "thank you very much",
    "see you tomorrow",
    "good luck",
    "I love you",
    "where is the train station",
    "nice to meet you",
    "how much does this cost",
    "cheers",
    "merry Christmas",
    "welcome home",
    "bon appetit",
]
LANG = [
    "Spanish",
    "Japanese",
    "Brazilian Portuguese",
    "French",
    "German",
    "Korean",
    "Italian",
    "Mandarin Chinese",
    "Swahili",
    "Dutch",
    "Hindi",
    "Greek",
    "Arabic",
]
CITY = [
    "Lisbon",
    "Paris",
    "New York City",
    "Kyoto",
    "Buenos Aires",
    "Rio de Janeiro",
    "Berlin",
    "Cape Town",
    "Mexico City",
    "Reykjavik",
    "Rome",
    "Seoul",
    "San Francisco",
    "Istanbul",
    "Marrakesh",
    "Hanoi",
]
SEASON = ["the summer", "winter", "the holidays", "spring", "autumn", "the rainy season", "Easter", "fall"]

# template id -> (seed text, frame function)
# A frame returns (text, may_vary) where may_vary says whether punctuation/case variation is allowed.


def _t01(r):
    return f"music for {r.pick(OCCASION)}"


def _t02(r):
    return f"songs that make you want to {r.pick(VERB)}"


def _t03(r):
    return f"{r.pick(MOOD)} {r.pick(GENRE)} with {r.pick(INSTR)}"


def _t04(r):
    return f"what should I listen to while {r.pick(ACTIVITY)}?"


def _t05(r):
    return f"{r.pick(GENRE)} music that isn't {r.pick(ADJ_NEG)}"


def _t06(r):
    verb = "suggest" if r.rand() < 0.25 else "recommend"
    return f"Can you {verb} some {r.pick(GENRE)} albums from the {r.pick(DECADE)}?"


def _t07(r):
    return f"How do I {r.pick(VERB_PHRASE)} without {r.pick(GERUND_PHRASE)}?"


def _t08(r):
    return f"Write a short poem about {r.pick(TOPIC)} in the style of {r.pick(POET)}."


def _t09(r):
    a, b = PAIR[r.int(len(PAIR))]
    return f"What is the difference between {a} and {b}?"


def _t10(r):
    return f"Give me {r.pick(NUM)} ideas for {r.pick(EVENT)}."


def _t11(r):
    t, a = TITLE_AUTHOR[r.int(len(TITLE_AUTHOR))]
    return f"I'm looking for a book similar to {t} by {a}."


def _t12(r):
    return f"Explain {r.pick(CONCEPT)} to a {r.pick(AGE)}-year-old."


def _t13(r):
    return f"Tell me a fun fact about {r.pick(ANIMAL)}."


def _t14(r):
    return f"Is it safe to eat {r.pick(EAT_ITEM)} after {r.pick(TIME_SPAN)}?"


def _t15(r):
    return f"Translate '{r.pick(PHRASE)}' into {r.pick(LANG)}."


def _t16(r):
    return f"What are the best places to visit in {r.pick(CITY)} during {r.pick(SEASON)}?"


TEMPLATES = {
    "T01": ("music for a rainy afternoon", _t01),
    "T02": ("songs that make you want to dance", _t02),
    "T03": ("upbeat indie rock with horns", _t03),
    "T04": ("what should I listen to while cooking dinner?", _t04),
    "T05": ("classical music that isn't boring", _t05),
    "T06": ("Can you recommend some jazz albums from the 1960s?", _t06),
    "T07": ("How do I make bread without using yeast?", _t07),
    "T08": ("Write a short poem about autumn leaves in the style of Emily Dickinson.", _t08),
    "T09": ("What is the difference between baking soda and baking powder?", _t09),
    "T10": ("Give me five ideas for a birthday party.", _t10),
    "T11": ("I'm looking for a book similar to The Hobbit by J.R.R. Tolkien.", _t11),
    "T12": ("Explain photosynthesis to a five-year-old.", _t12),
    "T13": ("Tell me a fun fact about octopuses.", _t13),
    "T14": ("Is it safe to eat leftover rice after two days?", _t14),
    "T15": ("Translate 'good morning' into Spanish.", _t15),
    "T16": ("What are the best places to visit in Lisbon during the summer?", _t16),
}

# free-form rows: a small random grammar with many frames, none repeated often
FREE_SUBJ = [
    "my cat",
    "our band",
    "the neighbours",
    "my boss",
    "a friend of mine",
    "my kids",
    "we",
    "my partner",
    "the new intern",
    "my grandfather",
    "our team",
]
FREE_VERB = [
    "plans",
    "wants",
    "refuses",
    "forgot",
    "decided",
    "is trying",
    "started",
    "needs",
    "promised",
]
FREE_INF = [
    "to repaint the kitchen",
    "to learn chess",
    "to adopt a second dog",
    "to quit sugar",
    "to move abroad",
    "to record an album",
    "to sell the car",
    "to build a treehouse",
    "to fix the printer",
    "to run a marathon",
]
FREE_Q = [
    "any advice?",
    "is that normal?",
    "what would you do?",
    "how should I respond?",
    "should I be worried?",
    "where do I even start?",
    "thoughts?",
    "ideas welcome.",
]
FREE_NOUN = [
    "sourdough starter",
    "tax return",
    "vegetable garden",
    "wedding speech",
    "podcast",
    "resume",
    "fish tank",
    "balcony",
    "playlist",
    "road bike",
    "thesis",
    "spreadsheet",
    "camera",
    "attic",
]
FREE_ADJ = ["cheap", "quick", "creative", "weird", "simple", "polite", "healthy", "funny", "cozy"]


def _free(r) -> str:
    k = r.int(10)
    n1, n2 = r.pick(FREE_NOUN), r.pick(FREE_NOUN)
    a = r.pick(FREE_ADJ)
    if k == 0:
        return f"{r.pick(FREE_SUBJ)} {r.pick(FREE_VERB)} {r.pick(FREE_INF)}, {r.pick(FREE_Q)}"
    if k == 1:
        return f"rate my {n1} idea from one to ten"
    if k == 2:
        return f"why does my {n1} smell like {n2}"
    if k == 3:
        return f"{a} names for a {n1}?"
    if k == 4:
        return f"Is there an app that tracks my {n1} and reminds me about the {n2}?"
    if k == 5:
        return f"help me plan a {a} weekend, I have {r.pick(NUM)} hours and no car"
    if k == 6:
        return f"who invented the {n1}"
    if k == 7:
        return f"my {n1} broke again. {a} fixes only please"
    if k == 8:
        return f"compare {n1} vs {n2} for a beginner on a budget"
    return f"summarize the plot of {r.pick([t for t, _ in TITLE_AUTHOR])} in {r.pick(NUM)} sentences"


class R:
    """Thin wrapper over numpy's Generator with a few helpers."""

    def __init__(self, seed: int) -> None:
        self.g = np.random.default_rng(seed)

    def rand(self) -> float:
        return float(self.g.random())

    def int(self, n: int) -> int:
        return int(self.g.integers(n))

    def pick(self, seq):
        return seq[self.int(len(seq))]


def _words(text: str) -> str:
    """Crude fold used only to keep template rows from colliding with their seed."""
    return " ".join("".join(c if c.isalnum() else " " for c in text.casefold()).split())


def _vary_template_row(r: R, text: str) -> str:
    """Small template-internal variation a generator shows: case of the first letter, final mark."""
    if r.rand() < 0.15 and text[:1].isupper():
        text = text[0].lower() + text[1:]
    elif r.rand() < 0.08 and text[:1].islower():
        text = text[0].upper() + text[1:]
    if text[-1:] in "?." and r.rand() < 0.12:
        text = text[:-1]
    return text


def _case_change(r: R, text: str) -> str:
    k = r.int(3)
    if k == 0:
        return text.lower()
    if k == 1:
        return text[0].swapcase() + text[1:]
    return text.upper() if len(text) < 40 else text.capitalize()


def _ws_change(r: R, text: str) -> str:
    words = text.split(" ")
    if len(words) > 1 and r.rand() < 0.7:
        i = 1 + r.int(len(words) - 1)
        return " ".join(words[:i]) + "  " + " ".join(words[i:])
    return (" " + text) if r.rand() < 0.5 else (text + " ")


def _verbatim(r: R, seed: str) -> str:
    k = r.int(4)
    if k == 0:
        return seed
    if k == 1:
        return _case_change(r, seed)
    if k == 2:
        return _ws_change(r, seed)
    return _ws_change(r, _case_change(r, seed))


def _near_punct(r: R, seed: str) -> str:
    text = seed
    ops = []
    if text[-1] in "?.!":
        ops += ["drop_end", "swap_end", "double_end"]
    else:
        ops += ["add_end"]
    ops += ["comma", "comma", "unicode"]
    op = r.pick(ops)
    if op == "drop_end":
        text = text[:-1]
    elif op == "swap_end":
        text = text[:-1] + r.pick([m for m in "?.!" if m != text[-1]])
    elif op == "double_end":
        text = text + text[-1] + r.pick(["", text[-1]])
    elif op == "add_end":
        text = text + r.pick(["!", ".", "?", "!!", " !"])
    elif op == "unicode":  # typographic punctuation: curly apostrophe, ellipsis, fancy quotes
        if "'" in text:
            text = text.replace("'", "\u2019")
        elif text[-1] in "?.!":
            text = text[:-1] + "\u2026"
        else:
            text = "\u201c" + text + "\u201d"
    else:  # comma added after a word, or removed
        if "," in text:
            text = text.replace(",", "", 1)
        else:
            words = text.split(" ")
            i = r.int(max(1, len(words) - 1))
            words[i] = words[i] + ","
            text = " ".join(words)
    if r.rand() < 0.3:
        text = _case_change(r, text)
    if r.rand() < 0.2:
        text = _ws_change(r, text)
    return text


ARTICLES = {"a", "an", "the", "some"}


def _near_lexical(r: R, seed: str) -> str:
    words = seed.split(" ")
    arts = [i for i, w in enumerate(words) if w.lower() in ARTICLES]
    k = r.int(3)
    if k == 0 and arts:  # drop one article
        i = r.pick(arts)
        words = words[:i] + words[i + 1 :]
        if i == 0:
            words[0] = words[0][:1].upper() + words[0][1:] if seed[:1].isupper() else words[0]
    elif k == 1:  # add "please"
        if seed[-1] in "?.!":
            words[-1] = words[-1][:-1] + ", please" + words[-1][-1]
        else:
            words = [*words, "please"]
    else:  # add an intensifier/article before a content word (not the first)
        i = 1 + r.int(len(words) - 1)
        words = [*words[:i], r.pick(["really", "very", "the", "some", "good"]), *words[i:]]
    return " ".join(words)


def short_rows(n: int, seed: int):
    r = R(seed)
    ids = list(TEMPLATES)
    seeds = [(tid, TEMPLATES[tid][0]) for tid in ids]
    n_seed = len(seeds)
    n_gen = max(0, n - n_seed)
    # shares of generated rows
    n_free = round(0.10 * n_gen)
    n_nearp = round(0.05 * n_gen)
    n_nearl = round(0.02 * n_gen)
    n_verb = round(0.03 * n_gen)
    n_dup = round(0.02 * n_gen)
    n_tmpl = n_gen - n_free - n_nearp - n_nearl - n_verb - n_dup
    # uneven template sizes (a generator favours some seeds)
    w = r.g.dirichlet(np.full(len(ids), 3.0))
    rows = []  # (text, source, template, near_of_seed_index, verbatim_of_seed_index, kind)
    for tid, text in seeds:
        rows.append([text, "seed", tid, None, None, "seed"])
    folded_seed = {_words(t): i for i, (_, t) in enumerate(seeds)}
    tmpl_rows = []
    for _ in range(n_tmpl):
        k = int(r.g.choice(len(ids), p=w))
        tid = ids[k]
        for _attempt in range(50):
            text = _vary_template_row(r, TEMPLATES[tid][1](r))
            if _words(text) not in folded_seed:
                break
        tmpl_rows.append([text, "generated", tid, None, None, "template"])
    gen = list(tmpl_rows)
    for _ in range(n_free):
        gen.append([_free(r), "generated", None, None, None, "free"])
    for _ in range(n_nearp):
        s = r.int(n_seed)
        gen.append([_near_punct(r, seeds[s][1]), "generated", seeds[s][0], s, None, "near_punct"])
    for _ in range(n_nearl):
        s = r.int(n_seed)
        gen.append([_near_lexical(r, seeds[s][1]), "generated", seeds[s][0], s, None, "near_lexical"])
    for _ in range(n_verb):
        s = r.int(n_seed)
        gen.append([_verbatim(r, seeds[s][1]), "generated", seeds[s][0], None, s, "verbatim"])
    for _ in range(n_dup):
        src = tmpl_rows[r.int(len(tmpl_rows))] if tmpl_rows else gen[r.int(len(gen))]
        gen.append([src[0], "generated", src[2], None, None, "duplicate"])
    allrows = rows + gen
    order = r.g.permutation(len(allrows))
    allrows = [allrows[i] for i in order]
    seed_pos = {}
    for pos, row in enumerate(allrows):
        if row[1] == "seed":
            seed_pos[ids.index(row[2])] = pos
    out = []
    for row in allrows:
        text, source, tid, near, verb, kind = row
        out.append(
            {
                "text": text,
                "source": source,
                "template": tid or "",
                "near_copy_of": "" if near is None else str(seed_pos[near]),
                "verbatim_copy_of": "" if verb is None else str(seed_pos[verb]),
                "kind": kind,
            }
        )
    return out


# --------------------------------------------------------------------------------------------
# long data
# --------------------------------------------------------------------------------------------

TOPICS = {
    "cooking": dict(
        subj=["home cooks", "a good chef", "beginners", "your kitchen", "many recipes", "a cast-iron pan"],
        noun=[
            "flavor",
            "texture",
            "seasoning",
            "the sauce",
            "fresh herbs",
            "the dough",
            "a sharp knife",
            "leftovers",
            "the oven temperature",
            "a pinch of salt",
            "olive oil",
            "the marinade",
        ],
        verb=["taste", "season", "prepare", "balance", "stir", "simmer", "roast", "chop", "store"],
        adj=["crispy", "tender", "balanced", "savory", "fresh", "homemade", "rich", "bland"],
        goal="cook better meals at home",
        items="recipes",
        purpose="a busy weeknight",
        problem="bland food",
        project="cooking",
    ),
    "travel": dict(
        subj=["travelers", "a local guide", "the old town", "budget airlines", "many hostels", "the locals"],
        noun=[
            "a day pass",
            "public transport",
            "the itinerary",
            "your passport",
            "a travel insurance policy",
            "the museum",
            "street food",
            "hidden beaches",
            "the night train",
            "a phrasebook",
        ],
        verb=["book", "explore", "visit", "pack", "plan", "wander", "compare", "reserve", "skip"],
        adj=["affordable", "crowded", "scenic", "remote", "walkable", "peaceful", "historic", "touristy"],
        goal="travel on a budget",
        items="destinations",
        purpose="a two-week trip",
        problem="jet lag",
        project="trip",
    ),
    "fitness": dict(
        subj=["your muscles", "a personal trainer", "most runners", "strength training", "beginners", "the body"],
        noun=[
            "a warm-up",
            "rest days",
            "protein",
            "proper form",
            "the squat",
            "cardio",
            "your heart rate",
            "a foam roller",
            "progressive overload",
            "stretching",
            "sleep quality",
            "hydration",
        ],
        verb=["recover", "train", "stretch", "lift", "track", "improve", "build", "strengthen", "rest"],
        adj=["sore", "consistent", "intense", "low-impact", "gradual", "steady", "explosive", "sustainable"],
        goal="build muscle safely",
        items="exercises",
        purpose="beginners",
        problem="knee pain",
        project="training",
    ),
    "finance": dict(
        subj=["a budget", "index funds", "your employer", "high-interest debt", "many banks", "savers"],
        noun=[
            "an emergency fund",
            "compound interest",
            "monthly expenses",
            "a credit score",
            "the interest rate",
            "retirement accounts",
            "fees",
            "your income",
            "a spreadsheet",
            "automatic transfers",
        ],
        verb=["save", "invest", "track", "reduce", "pay off", "allocate", "diversify", "borrow", "review"],
        adj=["fixed", "variable", "long-term", "risky", "diversified", "tax-free", "predictable", "hidden"],
        goal="save more money each month",
        items="strategies",
        purpose="paying off debt",
        problem="credit card debt",
        project="budget",
    ),
    "gardening": dict(
        subj=["tomato plants", "the soil", "most herbs", "a raised bed", "seedlings", "gardeners"],
        noun=[
            "compost",
            "sunlight",
            "drainage",
            "mulch",
            "the roots",
            "pests",
            "a watering schedule",
            "fertilizer",
            "the seeds",
            "pruning shears",
            "companion plants",
            "frost",
        ],
        verb=["water", "plant", "prune", "harvest", "fertilize", "transplant", "mulch", "germinate", "protect"],
        adj=["shady", "well-drained", "acidic", "sunny", "hardy", "organic", "fragile", "leggy"],
        goal="grow vegetables in a small space",
        items="plants",
        purpose="a shady balcony",
        problem="yellowing leaves",
        project="garden",
    ),
    "programming": dict(
        subj=["the compiler", "unit tests", "a linter", "your function", "the database", "most frameworks"],
        noun=[
            "the error message",
            "a stack trace",
            "version control",
            "edge cases",
            "the API",
            "a dictionary",
            "memory usage",
            "the documentation",
            "dependencies",
            "a pull request",
        ],
        verb=["debug", "refactor", "test", "deploy", "parse", "cache", "profile", "document", "optimize"],
        adj=["readable", "modular", "asynchronous", "deprecated", "thread-safe", "verbose", "efficient", "brittle"],
        goal="write cleaner code",
        items="resources",
        purpose="learning Python",
        problem="a bug in your code",
        project="project",
    ),
    "languages": dict(
        subj=["native speakers", "flashcards", "a language exchange", "grammar books", "learners", "podcasts"],
        noun=[
            "vocabulary",
            "pronunciation",
            "the subjunctive",
            "listening practice",
            "a tutor",
            "spaced repetition",
            "verb conjugations",
            "an accent",
            "subtitles",
            "daily conversation",
        ],
        verb=["practice", "memorize", "review", "translate", "pronounce", "listen", "repeat", "imitate", "read"],
        adj=["fluent", "conversational", "irregular", "formal", "immersive", "tricky", "everyday", "idiomatic"],
        goal="learn a new language quickly",
        items="apps",
        purpose="learning Japanese",
        problem="a plateau in your progress",
        project="language learning",
    ),
    "photography": dict(
        subj=["the camera", "natural light", "a wide-angle lens", "your subject", "photographers", "the sensor"],
        noun=[
            "the aperture",
            "shutter speed",
            "composition",
            "the rule of thirds",
            "ISO",
            "golden hour",
            "a tripod",
            "the histogram",
            "white balance",
            "raw files",
            "depth of field",
        ],
        verb=["shoot", "frame", "edit", "expose", "focus", "adjust", "crop", "capture", "underexpose"],
        adj=["sharp", "blurry", "overexposed", "moody", "candid", "wide", "grainy", "vibrant"],
        goal="take better photos with your phone",
        items="techniques",
        purpose="portrait photography",
        problem="blurry pictures",
        project="photography",
    ),
    "sleep": dict(
        subj=["caffeine", "your bedroom", "a regular schedule", "screens", "the brain", "many adults"],
        noun=[
            "melatonin",
            "a bedtime routine",
            "blue light",
            "deep sleep",
            "naps",
            "room temperature",
            "a mattress",
            "stress",
            "white noise",
            "the circadian rhythm",
            "an eye mask",
        ],
        verb=["sleep", "relax", "wind down", "wake up", "unwind", "nap", "dim", "avoid", "breathe"],
        adj=["restful", "dark", "quiet", "irregular", "drowsy", "shallow", "consistent", "cool"],
        goal="fall asleep faster",
        items="habits",
        purpose="better sleep",
        problem="insomnia",
        project="sleep routine",
    ),
    "career": dict(
        subj=["recruiters", "your manager", "a strong resume", "hiring teams", "mentors", "the interviewer"],
        noun=[
            "a cover letter",
            "your portfolio",
            "networking",
            "the salary range",
            "a reference",
            "soft skills",
            "the job description",
            "feedback",
            "a follow-up email",
            "your LinkedIn profile",
        ],
        verb=["negotiate", "apply", "prepare", "highlight", "network", "follow up", "interview", "tailor", "pitch"],
        adj=["competitive", "remote", "entry-level", "senior", "relevant", "concise", "memorable", "flexible"],
        goal="prepare for a job interview",
        items="questions",
        purpose="a first interview",
        problem="job search burnout",
        project="job search",
    ),
    "home": dict(
        subj=["clutter", "small apartments", "a label maker", "storage bins", "the closet", "families"],
        noun=[
            "shelves",
            "the pantry",
            "a cleaning schedule",
            "vertical space",
            "the junk drawer",
            "donations",
            "a weekly reset",
            "hooks",
            "the garage",
            "seasonal clothes",
        ],
        verb=["declutter", "organize", "sort", "label", "donate", "store", "clean", "arrange", "tidy"],
        adj=["tidy", "cramped", "minimalist", "cluttered", "spacious", "functional", "cozy", "bare"],
        goal="keep a small apartment organized",
        items="storage ideas",
        purpose="a tiny kitchen",
        problem="a cluttered home",
        project="home makeover",
    ),
    "music": dict(
        subj=["a metronome", "guitarists", "your fingers", "music teachers", "scales", "the piano"],
        noun=[
            "finger exercises",
            "music theory",
            "chord progressions",
            "rhythm",
            "sight reading",
            "a practice journal",
            "ear training",
            "the fretboard",
            "dynamics",
            "a recording",
        ],
        verb=["practice", "improvise", "tune", "memorize", "strum", "transpose", "perform", "compose", "record"],
        adj=["steady", "syncopated", "melodic", "difficult", "relaxed", "expressive", "accurate", "muddy"],
        goal="practice guitar more effectively",
        items="songs",
        purpose="beginner guitarists",
        problem="stage fright",
        project="music practice",
    ),
}

ADVERBIAL = [
    "In practice,",
    "For example,",
    "Over time,",
    "In many cases,",
    "At first,",
    "Most of the time,",
    "Instead,",
    "Surprisingly,",
    "On the other hand,",
    "In my experience,",
    "Once a week,",
    "Before you start,",
    "After a while,",
    "Generally,",
    "Above all,",
    "For this reason,",
    "With a bit of patience,",
    "Even so,",
    "Interestingly,",
    "As a rule of thumb,",
]
MODAL = ["can", "should", "might", "will", "may", "could", "must", "would", "tend to", "need to", "usually", "often"]
PREP = [
    "with",
    "for",
    "in",
    "on",
    "during",
    "before",
    "after",
    "without",
    "through",
    "by",
    "across",
    "under",
    "around",
    "between",
    "against",
    "toward",
    "beyond",
    "within",
]
SUBORD = [
    "because",
    "although",
    "when",
    "if",
    "while",
    "since",
    "unless",
    "so that",
    "as long as",
    "even though",
    "whenever",
    "once",
    "until",
    "before",
    "after",
]
PRONSUBJ = ["you", "it", "they", "we", "this", "that", "most people", "everyone", "someone", "nobody"]
AUXPAT = ["is", "are", "can be", "was", "has been", "will be", "seems", "becomes", "feels", "looks"]
QUANT = [
    "a lot of",
    "some",
    "too much",
    "a little",
    "plenty of",
    "enough",
    "more",
    "less",
    "any",
    "several",
    "two or three",
    "a handful of",
    "most",
    "no",
]
INTENS = ["very", "quite", "surprisingly", "rather", "incredibly", "slightly", "fairly", "extremely", ""]


PLURAL_PRON = {"you", "they", "we", "most people", "i"}
DETS = ("a ", "an ", "the ", "your ", "my ")


def bare(n: str) -> str:
    """A noun phrase without its leading determiner or possessive."""
    for d in DETS:
        if n.startswith(d):
            return n[len(d) :]
    return n


def plural(subj: str) -> bool:
    s = subj.lower()
    if s in PLURAL_PRON:
        return True
    if s in ("it", "this", "that", "everyone", "someone", "nobody"):
        return False
    head = s.split()[-1]
    return head.endswith("s") and not head.endswith(("ss", "us", "is"))


def third(verb: str) -> str:
    """Third person singular of a (possibly phrasal) verb: 'pay off' -> 'pays off'."""
    w, _, rest = verb.partition(" ")
    if w in ("can", "should", "might", "will", "may", "could", "must", "would", "usually", "often"):
        return verb
    if w.endswith(("s", "sh", "ch", "x", "o")):
        w += "es"
    elif w.endswith("y") and w[-2:-1] not in "aeiou":
        w = w[:-1] + "ies"
    else:
        w += "s"
    return (w + " " + rest).strip()


def agree(subj: str, verb: str) -> str:
    return verb if plural(subj) else third(verb)


def ing(verb: str) -> str:
    """Gerund of a (possibly phrasal) verb: 'pay off' -> 'paying off', 'store' -> 'storing'."""
    w, _, rest = verb.partition(" ")
    if w.endswith("ie"):
        w = w[:-2] + "ying"
    elif w.endswith("e") and not w.endswith(("ee", "ye", "oe")):
        w = w[:-1] + "ing"
    elif len(w) <= 4 and re.match(r".*[^aeiou][aeiou][bdgmnpt]$", w):
        w = w + w[-1] + "ing"
    else:
        w += "ing"
    return (w + " " + rest).strip()


def _np(r: R, T) -> str:
    k = r.int(6)
    n = r.pick(T["noun"])
    if k == 0:
        return f"{r.pick(QUANT)} {bare(n)}"
    if k == 1:
        return f"{r.pick(['your', 'their', 'our', 'this', 'each', 'every', 'the same'])} {bare(n)}"
    if k == 2:
        return f"{n} {r.pick(PREP)} {r.pick(T['noun'])}"
    if k == 3:
        return f"the {r.pick(T['adj'])} {bare(n)}"
    return n


def _be(subj: str, forms=("is", "are")) -> str:
    return forms[1] if plural(subj) else forms[0]


GEN_ADJ = [
    "small",
    "simple",
    "common",
    "useful",
    "important",
    "difficult",
    "regular",
    "new",
    "different",
    "careful",
    "basic",
    "extra",
    "quick",
    "slow",
    "good",
    "serious",
    "typical",
    "occasional",
]
GEN_ADV = [
    "often",
    "rarely",
    "carefully",
    "quickly",
    "also",
    "simply",
    "gradually",
    "usually",
    "easily",
    "really",
    "actually",
    "slowly",
    "mostly",
    "already",
    "still",
    "even",
]
DETS2 = [
    "",
    "",
    "",
    "the",
    "the",
    "the",
    "this",
    "these",
    "every",
    "each",
    "your",
    "our",
    "their",
    "some",
    "many",
    "most",
    "a few",
    "no",
    "any",
    "such",
    "both",
    "other",
    "its",
]
SUBJ_PRON = ["you", "it", "they", "we", "this", "that", "one", "most people", "everyone", "someone", "I", "he", "she"]
OPENERS_PP = [
    "During",
    "With",
    "For",
    "After",
    "Before",
    "Without",
    "In",
    "On",
    "Through",
    "Despite",
    "Like",
    "Unlike",
    "Besides",
    "Along with",
    "Because of",
    "Instead of",
    "Apart from",
    "According to",
]


def _np2(r: R, T, depth: int = 0) -> str:
    n = bare(r.pick(T["noun"]))
    parts = []
    d = r.pick(DETS2)
    if d:
        parts.append(d)
    for _ in range(r.int(3) if r.rand() < 0.5 else 0):
        parts.append(r.pick(T["adj"] + GEN_ADJ))
    parts.append(n)
    if depth < 1 and r.rand() < 0.25:
        parts.append(f"{r.pick([*PREP, 'of', 'of', 'from', 'about', 'like'])} {_np2(r, T, depth + 1)}")
    if depth < 1 and r.rand() < 0.08:
        parts.append(
            f"{r.pick(['that', 'which', 'who'])} {r.pick(['you', 'we', 'they', 'people'])} "
            f"{r.pick(['already', 'rarely', 'often', 'never', ''])} {r.pick(T['verb'])}".replace("  ", " ")
        )
    return " ".join(parts)


def _vp2(r: R, T, subj: str, depth: int = 0) -> str:
    v = r.pick(T["verb"])
    k = r.int(9)
    if k == 0:
        head = f"{r.pick(['can', 'should', 'might', 'will', 'may', 'could', 'must', 'would'])} {v}"
    elif k == 1:
        head = f"{_be(subj)} {ing(v)}"
    elif k == 2:
        head = f"{r.pick(['will not', 'cannot', 'should never', 'might not', _be(subj, ('does not', 'do not')), 'did not'])} {v}"
    elif k == 3:
        head = f"{_be(subj, ('has to', 'have to'))} {v}"
    elif k == 4:
        head = f"{agree(subj, r.pick(['try', 'need', 'want', 'learn', 'like', 'start', 'seem']))} to {v}"
    elif k == 5:
        head = f"{_be(subj, ('keeps', 'keep'))} {ing(v)}"
    else:
        head = agree(subj, v)
    if r.rand() < 0.2:
        w = head.split(" ", 1)
        head = f"{w[0]} {r.pick(GEN_ADV)} {w[1]}" if len(w) > 1 else f"{r.pick(GEN_ADV)} {head}"
    parts = [head]
    if r.rand() < 0.8:
        parts.append(_np2(r, T, depth))
    for _ in range(r.int(3)):
        parts.append(f"{r.pick(PREP)} {_np2(r, T, 1)}")
    if depth < 1 and r.rand() < 0.12:
        parts.append(f"{r.pick(['to', 'in order to', 'so as to'])} {r.pick(T['verb'])} {_np2(r, T, 1)}")
    if r.rand() < 0.08:
        parts.append(
            r.pick(["as well", "too", "at all", "over time", "every day", "in the end", "right away", "for a while"])
        )
    return " ".join(parts)


def _clause2(r: R, T, depth: int = 0) -> str:
    subj = r.pick(SUBJ_PRON) if r.rand() < 0.35 else _np2(r, T, 1)
    return f"{subj} {_vp2(r, T, subj, depth)}"


def _clause(r: R, T) -> str:
    """A body clause: mostly built from random noun/verb phrases, a fifth from fixed shapes."""
    if r.rand() < 0.2:
        return _clause_shape(r, T)
    return _clause2(r, T)


def _clause_shape(r: R, T) -> str:
    """A clause from 12 fixed shapes x many word choices (used for a fifth of body clauses)."""
    k = r.int(12)
    s = r.pick(T["subj"] + PRONSUBJ)
    v = r.pick(T["verb"])
    if k == 0:
        m = r.pick(MODAL)
        return f"{s} {agree(s, m + ' ' + v) if m in ('tend to', 'need to') else m + ' ' + (agree(s, v) if m in ('usually', 'often') else v)} {_np(r, T)}"
    if k == 1:
        subj = _np(r, T)
        verb = r.pick(
            [
                _be(subj),
                _be(subj),
                "can be",
                _be(subj, ("was", "were")),
                _be(subj, ("has been", "have been")),
                "will be",
                agree(subj, "seem"),
                agree(subj, "become"),
                agree(subj, "feel"),
                agree(subj, "look"),
            ]
        )
        return f"{subj} {verb} {r.pick(INTENS)} {r.pick(T['adj'])}".replace("  ", " ")
    if k == 2:
        return f"{s} {agree(s, r.pick(['need', 'want', 'try', 'forget', 'learn', 'prefer']))} to {v} {_np(r, T)} {r.pick(PREP)} {_np(r, T)}"
    if k == 3:
        return f"there {r.pick(['is', 'are', 'might be', 'will always be'])} {_np(r, T)} {r.pick(PREP)} {_np(r, T)}"
    if k == 4:
        return f"{ing(v)} {_np(r, T)} {r.pick(['is', 'can be', 'remains', 'turns out to be'])} {r.pick(T['adj'])} {r.pick(PREP)} {_np(r, T)}"
    if k == 5:
        return f"{s} {r.pick(['rarely', 'often', 'sometimes', 'always', 'never'])} {agree(s, v)} {_np(r, T)}"
    if k == 6:
        return f"what {r.pick(['matters most', 'really counts', 'makes the difference'])} is {_np(r, T)}"
    if k == 7:
        return f"{_np(r, T)} and {_np(r, T)} {r.pick(['go hand in hand', 'work together', 'affect each other', 'are related'])}"
    if k == 8:
        neg = r.pick(["cannot", "would rather not", "should not", _be(s, ("does not", "do not")), "did not"])
        return f"{s} {neg} {v} {_np(r, T)} {r.pick(PREP)} {_np(r, T)}"
    if k == 9:
        return f"the {r.pick(['main', 'biggest', 'first', 'last', 'only'])} {r.pick(['reason', 'mistake', 'step', 'benefit', 'risk'])} is that {s} {r.pick(MODAL[:8])} {v} {_np(r, T)}"
    if k == 10:
        subj = _np(r, T)
        return f"{subj} {agree(subj, r.pick(['make', 'let', 'help']))} {r.pick(['you', 'them', 'us'] + T['subj'])} {v} {r.pick(['faster', 'more easily', 'with confidence', 'on a regular basis', 'without much effort'])}"
    return f"{r.pick(['by', 'after', 'before', 'instead of', 'when'])} {ing(v)} {_np(r, T)}, {s} {r.pick(MODAL[:8])} {r.pick(T['verb'])} {_np(r, T)}"


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _sentence(r: R, T) -> str:
    c = _clause(r, T)
    x = r.rand()
    if x < 0.12:
        c = f"{r.pick(ADVERBIAL)} {c}"
    elif x < 0.24:
        c = f"{r.pick(OPENERS_PP)} {_np2(r, T, 1)}, {c}"
    elif x < 0.34:
        c = f"{r.pick(SUBORD)} {_clause2(r, T, 1)}, {c}"
    elif x < 0.46:
        c = f"{c} {r.pick(SUBORD)} {_clause2(r, T, 1)}"
    elif x < 0.54:
        c = f"{c}, {r.pick(['but', 'and', 'so', 'yet', 'or'])} {_clause2(r, T, 1)}"
    elif x < 0.58:
        c = f"{c}; {_clause2(r, T, 1)}"
    elif x < 0.63:
        c = f"{c}, {ing(r.pick(T['verb']))} {_np2(r, T, 1)}"
    elif x < 0.66:
        c = f"{c} ({r.pick(['for example', 'such as', 'like', 'including'])} {_np2(r, T, 1)})"
    end = "!" if r.rand() < 0.03 else "."
    return _cap(c) + end


def _title_item(r: R, T) -> str:
    return _cap(
        r.pick(
            [
                f"{r.pick(T['verb'])} {_np(r, T)}",
                f"{r.pick(T['adj'])} {bare(r.pick(T['noun']))}",
                bare(r.pick(T["noun"])),
                f"{r.pick(['Use', 'Try', 'Avoid', 'Keep', 'Watch'])} {_np(r, T)}",
            ]
        )
    )


def _opening(r: R, oid: str, T, topic: str) -> str:
    if oid == "O1":
        return (
            f"{r.pick(['Of course!', 'Of course!', 'Sure!'])} Here are {r.pick(['some', 'a few', 'several'])} "
            f"{r.pick([T['items'], 'tips', 'ideas', 'suggestions'])} {r.pick(['for', 'to help with'])} {T['purpose']}:"
        )
    if oid == "O2":
        return (
            f"Certainly! {r.pick(['Let me explain', 'I would be happy to explain', 'I can explain'])} "
            f"{r.pick(['how to', 'the best way to', 'why it is hard to'])} {T['goal']}."
        )
    if oid == "O3":
        return (
            f"As an AI language model, I don't have personal {r.pick(['opinions', 'experiences', 'preferences', 'feelings'])}, "
            f"but I can {r.pick(['offer', 'share', 'provide'])} some {r.pick(['general information', 'suggestions', 'thoughts', 'guidance'])} "
            f"on {topic}."
        )
    if oid == "O4":
        return (
            f"Great question! {_cap(r.pick([T['project'], topic]))} is a {r.pick(['fascinating', 'complex', 'broad', 'popular'])} "
            f"{r.pick(['topic', 'subject', 'area'])}{r.pick(['', ' with many aspects', ' that many people wonder about'])}."
        )
    if oid == "O5":
        return (
            f"There are {r.pick(['several', 'many', 'a number of'])} {r.pick(['ways', 'things you can do', 'strategies'])} "
            f"to {T['goal']}."
        )
    if oid == "O6":
        return (
            f"I'm sorry to hear that you're {r.pick(['struggling with', 'having trouble with', 'dealing with'])} "
            f"{T['problem']}."
        )
    raise ValueError(oid)


def _closing(r: R, cid: str, T, topic: str) -> str:
    if cid == "C1":
        return r.pick(
            [
                "I hope this helps!",
                "I hope this helps!",
                "I hope this information helps!",
                "I hope you find this helpful!",
                "I hope these tips help!",
            ]
        )
    if cid == "C2":
        return r.pick(
            [
                "Let me know if you have any other questions.",
                "Let me know if you have any more questions!",
                "Let me know if you have any further questions.",
                "Feel free to ask if you have any other questions.",
            ]
        )
    if cid == "C3":
        return f"{r.pick(['Good luck', 'Best of luck'])} with your {T['project']}{r.pick(['!', '!', '.'])}"
    if cid == "C4":
        return (
            f"In conclusion, {r.pick([T['project'], topic])} {r.pick(['requires', 'takes', 'involves'])} "
            f"{r.pick(['patience', 'practice', 'planning', 'time'])} and {r.pick(['consistency', 'attention to detail', 'a willingness to learn', 'a bit of curiosity'])}."
        )
    if cid == "C5":
        return (
            f"Ultimately, the best {r.pick(['approach', 'choice', 'option'])} {r.pick(['depends on', 'will depend on'])} your "
            f"{r.pick(['', 'personal ', 'own '])}{r.pick(['goals', 'needs', 'preferences'])} and {r.pick(['circumstances', 'budget', 'schedule'])}."
        )
    raise ValueError(cid)


def _hedge(r: R, hid: str, T, topic: str) -> str:
    if hid == "H1":
        return (
            f"It is difficult to say {r.pick(['exactly', 'for certain', 'how long it will take'])} without knowing more about "
            f"{r.pick(['your situation', 'your goals', 'your specific needs', 'your experience'])}."
        )
    if hid == "H2":
        return f"It's important to note that {r.pick(['everyone is different', 'results may vary', 'there is no one-size-fits-all answer', 'progress takes time'])}."
    if hid == "H3":
        return f"However, keep in mind that {r.pick(['what works for one person may not work for another', 'this can vary a lot', 'small changes add up over time'])}."
    raise ValueError(hid)


def _paragraph(r: R, T, k: int) -> str:
    return " ".join(_sentence(r, T) for _ in range(k))


def _list_block(r: R, T) -> str:
    n = 3 + r.int(4)
    style = r.int(4)
    lines = []
    for i in range(n):
        body = _sentence(r, T)
        if style == 0:
            lines.append(f"{i + 1}. **{_title_item(r, T)}**: {body}")
        elif style == 1:
            lines.append(f"- {_title_item(r, T)}: {body}")
        elif style == 2:
            lines.append(f"{i + 1}. {body}")
        else:
            lines.append(f"* {body}")
    return "\n".join(lines)


def long_rows(n: int, seed: int):
    r = R(seed + 1000)
    names = list(TOPICS)
    oids = [f"O{i}" for i in range(1, 7)]
    cids = [f"C{i}" for i in range(1, 6)]
    hids = ["H1", "H2", "H3"]
    ow = r.g.dirichlet(np.full(len(oids), 4.0))
    cw = r.g.dirichlet(np.full(len(cids), 4.0))
    out = []
    for _ in range(n):
        topic = r.pick(names)
        T = TOPICS[topic]
        oid = r.pick(oids) if r.rand() < 0.5 else ""
        if oid:
            oid = oids[int(r.g.choice(len(oids), p=ow))]
        cid = cids[int(r.g.choice(len(cids), p=cw))] if r.rand() < 0.5 else ""
        hid = r.pick(hids) if r.rand() < 0.35 else ""
        paras = []
        first = []
        if oid:
            first.append(_opening(r, oid, T, topic))
        if oid == "O1":  # the opening announces a list
            paras.append(" ".join(first))
            paras.append(_list_block(r, T))
            paras.append(_paragraph(r, T, 2 + r.int(3)))
        else:
            first.append(_paragraph(r, T, 2 + r.int(3)))
            paras.append(" ".join(first))
            if r.rand() < 0.45:
                paras.append(
                    _cap(
                        r.pick(
                            [
                                f"{r.pick(['Here are', 'Consider', 'A few ideas include'])} {r.pick(['a few', 'some', 'these'])} {r.pick(['points', 'options', 'steps', 'ideas'])}:",
                                f"{_sentence(r, T)[:-1]}:",
                            ]
                        )
                    )
                )
                paras[-1] = paras[-1] + "\n" + _list_block(r, T)
            for _p in range(1 + r.int(3)):
                paras.append(_paragraph(r, T, 2 + r.int(3)))
        if hid:
            p = 1 + r.int(max(1, len(paras) - 1)) if len(paras) > 1 else 0
            p = min(p, len(paras) - 1)
            block = paras[p]
            if "\n" in block:  # put the hedge in a plain paragraph instead
                paras.insert(p + 1, _hedge(r, hid, T, topic) + " " + _paragraph(r, T, 1 + r.int(2)))
            else:
                sents = block.split(". ")
                j = r.int(len(sents))
                sents.insert(j, _hedge(r, hid, T, topic)[:-1])
                paras[p] = ". ".join(sents)
        if cid:
            if r.rand() < 0.6:
                paras.append(_closing(r, cid, T, topic))
            else:
                paras[-1] = paras[-1] + " " + _closing(r, cid, T, topic)
        out.append({"text": "\n\n".join(paras), "source": "generated", "opening": oid, "closing": cid, "hedge": hid})
    return out


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] not in ("short", "long"):
        print(__doc__, file=sys.stderr)
        return 2
    n = int(argv[2])
    seed = 7
    if "--seed" in argv:
        seed = int(argv[argv.index("--seed") + 1])
    rows = short_rows(n, seed) if argv[1] == "short" else long_rows(n, seed)
    w = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
