"""Synthetic few-shot datasets for the benchmark: templated requests with seeds and near-duplicates.

Each row is a request to an assistant in one of several domains (music, recipes, travel, books,
fitness, tech help), made the way an LLM makes few-shot data: most rows fill one of a few dozen
templates with words from slot lists, some copy a seed verbatim or almost (case, spacing,
punctuation, one word swapped), some join two requests, and a few are longer free-form texts.
A fixed seed makes the file byte-identical for a given size.

    python benchmarks/synth.py 10000 > data.csv
"""

from __future__ import annotations

import csv
import random
import sys
from collections.abc import Iterator
from pathlib import Path


def _words(text: str) -> list[str]:
    """Slot values, comma-separated (values may contain spaces)."""
    return text.split(", ")


SLOTS: dict[str, list[str]] = {
    "genre": _words(
        "jazz, techno, folk, soul, metal, ambient, country, reggae, punk, blues, disco, opera, funk, grunge, "
        "salsa, bossa-nova, k-pop, trap, house, gospel, bluegrass, shoegaze, synthwave, afrobeat, flamenco"
    ),
    "mood": _words(
        "sad, upbeat, dreamy, angry, calm, dark, happy, moody, mellow, energetic, nostalgic, romantic, "
        "gloomy, chill, uplifting, melancholic, playful, haunting"
    ),
    "activity": _words(
        "studying, running, cooking, sleeping, driving, reading, cleaning, working, gardening, painting, "
        "coding, hiking, meditating, commuting, lifting, yoga"
    ),
    "occasion": _words(
        "a rainy afternoon, a road trip, a wedding, a dinner party, the beach, a long flight, a birthday "
        "party, a quiet sunday morning, a first date, a late-night drive, a family reunion, a summer barbecue"
    ),
    "instrument": _words(
        "horns, strings, synths, banjo, saxophone, violins, cello, harp, trumpet, accordion, organ, bagpipes,"
        " sitar, ukulele"
    ),
    "dish": _words(
        "lasagna, curry, risotto, tacos, ramen, paella, chili, pancakes, dumplings, stew, omelette, falafel, "
        "shakshuka, pho, gnocchi, enchiladas, biryani, moussaka"
    ),
    "ingredient": _words(
        "chickpeas, tofu, salmon, mushrooms, spinach, lentils, chicken, eggplant, quinoa, shrimp, "
        "cauliflower, beef, halloumi, zucchini, sweet potatoes, black beans, feta cheese"
    ),
    "diet": _words("vegan, vegetarian, gluten-free, low-carb, dairy-free, keto, paleo, halal, kosher, high-protein"),
    "minutes": _words("10, 15, 20, 30, 45, 60, 90"),
    "city": _words(
        "Lisbon, Kyoto, Lima, Oslo, Marrakesh, Hanoi, Montreal, Tbilisi, Seville, Reykjavik, Bogota, Krakow, "
        "Istanbul, Melbourne, Edinburgh, Nairobi, Valparaiso, Tallinn, Cape Town, Mexico City, New Orleans, "
        "Buenos Aires"
    ),
    "traveller": _words(
        "a family with toddlers, two retirees, a solo backpacker, a couple on a budget, a group of students, "
        "someone in a wheelchair"
    ),
    "days": _words("two, three, four, five, seven, ten, fourteen"),
    "season": _words("spring, summer, autumn, winter, the rainy season, the holidays, early March"),
    "book_genre": _words("mystery, fantasy, romance, horror, sci-fi, memoir, poetry, thriller, biography, history"),
    "author": _words(
        "Ursula K. Le Guin, Agatha Christie, Toni Morrison, Haruki Murakami, Terry Pratchett, Octavia Butler,"
        " Gabriel García Márquez, Jane Austen"
    ),
    "body": _words("knees, back, shoulders, core, legs, arms, hips, posture"),
    "device": _words("laptop, printer, router, phone, tablet, smart TV, headphones, keyboard"),
    "problem": _words(
        "keeps disconnecting, won't turn on, is really slow, makes a buzzing noise, overheats, drains the "
        "battery, freezes at startup"
    ),
}

TEMPLATES: list[str] = [
    # music
    "music for {occasion}",
    "{genre} for {activity}",
    "songs that make you want to {verb}",
    "{mood} {genre} with {instrument}",
    "{mood} piano ballads for {activity}",
    "what should I listen to while {activity}?",
    "{genre} music that isn't {adj}",
    "I want {mood} {genre} songs with lots of {instrument}",
    "can you recommend some {genre} albums for {occasion}?",
    "a playlist of {mood} {genre} for {activity} and {activity}",
    # recipes
    "a {diet} {dish} recipe",
    "how do I make {dish} with {ingredient}?",
    "quick {diet} dinner with {ingredient} in {minutes} minutes",
    "what can I cook with {ingredient} and {ingredient}?",
    "easy {dish} for {occasion}",
    "I need a {diet} version of {dish} that kids will eat",
    "give me a {minutes}-minute {dish} recipe without {ingredient}",
    # travel
    "things to do in {city} in {season}",
    "a {days}-day itinerary for {city}",
    "best neighbourhoods to stay in {city} for {traveller}",
    "is {city} good for {traveller} in {season}?",
    "plan {days} days in {city} and {city} for {traveller}",
    "cheap eats in {city} near the old town",
    # books
    "{book_genre} books like {author}",
    "a {mood} {book_genre} novel for {occasion}",
    "recommend {book_genre} for someone who loved {author}",
    "short {book_genre} books to read while {activity}",
    # fitness
    "a {minutes}-minute workout for my {body}",
    "stretches for sore {body} after {activity}",
    "how can I strengthen my {body} without equipment?",
    # tech help
    "my {device} {problem}",
    "why does my {device} {problem}?",
    "how to fix a {device} that {problem}",
    "my {device} {problem} after the update, what should I do?",
]

EXTRA = {
    "verb": _words("dance, cry, sing, run, relax, drive, jump, think"),
    "adj": _words("boring, cheesy, harsh, too loud, too slow, repetitive"),
}

SEEDS: list[str] = [
    "music for a rainy afternoon",
    "songs that make you want to dance",
    "jazz for studying",
    "sad piano ballads for reading",
    "a vegan curry recipe",
    "how do I make ramen with mushrooms?",
    "things to do in Lisbon in spring",
    "a three-day itinerary for Kyoto",
    "mystery books like Agatha Christie",
    "a 20-minute workout for my core",
    "my router keeps disconnecting",
    "what should I listen to while cooking?",
]

FREE_FORM = [
    "I have a job interview tomorrow and I can't stop thinking about it, what music would calm me down?",
    "My partner is allergic to nuts and shellfish, so I need a dinner idea that avoids both but still feels special.",
    "We are flying into the city late at night with two kids; where should we stay so the first morning is easy?",
    "Every book I start lately feels the same, can you suggest something that really surprised readers?",
    "I sit at a desk all day and my lower back hurts by the afternoon; which exercises help and how often?",
    "After I installed the latest update the screen flickers whenever I open a video, is that a driver problem?",
]


PREFIXES = ["", "", "", "", "please suggest ", "any ideas for ", "help me find ", "I'm looking for ", "hey, "]
SUFFIXES = ["", "", "", "", " please", " for my friend", " this weekend", " on a budget", " (no rush)"]


def _fill(template: str, rng: random.Random) -> str:
    out = template
    while "{" in out:
        start = out.index("{")
        end = out.index("}", start)
        name = out[start + 1 : end]
        words = SLOTS.get(name) or EXTRA[name]
        out = out[:start] + rng.choice(words) + out[end + 1 :]
    return out


def _near_duplicate(text: str, rng: random.Random) -> str:
    kind = rng.randrange(5)
    if kind == 0:
        return text.upper() if rng.random() < 0.3 else text.capitalize()
    if kind == 1:
        return text.replace(" ", "  ", 1) + " "
    if kind == 2:
        return text.rstrip("?.!") + rng.choice(["!", ".", "?", " please", " thanks"])
    if kind == 3:
        words = text.split()
        if len(words) > 2:
            i = rng.randrange(len(words) - 1)
            words[i], words[i + 1] = words[i + 1], words[i]
        return " ".join(words)
    words = text.split()
    words[rng.randrange(len(words))] = rng.choice(SLOTS["mood"])
    return " ".join(words)


def rows(n: int, seed: int = 0) -> Iterator[tuple[str, str]]:
    """``n`` rows of ``(text, source)``; ``source`` is ``seed`` for the seed examples, else ``generated``."""
    rng = random.Random(seed)
    # Like an LLM prompted with a few seeds: each run of generations favours a few templates.
    weights = [rng.paretovariate(1.5) for _ in TEMPLATES]
    made: list[str] = []
    for i in range(n):
        if i < len(SEEDS):
            yield SEEDS[i], "seed"
            made.append(SEEDS[i])
            continue
        r = rng.random()
        if r < 0.04:
            text = rng.choice(SEEDS)  # verbatim seed copy
        elif r < 0.10 and made:
            text = _near_duplicate(rng.choice(made), rng)
        elif r < 0.13 and made:
            text = rng.choice(made)  # exact duplicate of an earlier generation
        elif r < 0.16:
            text = rng.choice(FREE_FORM)
            if rng.random() < 0.7:
                text = _near_duplicate(text, rng)
        elif r < 0.24:
            a, b = rng.choices(TEMPLATES, weights=weights, k=2)
            text = f"{_fill(a, rng).rstrip('?')}, and also {_fill(b, rng)}"
        else:
            text = _fill(rng.choices(TEMPLATES, weights=weights)[0], rng)
            text = rng.choice(PREFIXES) + text + rng.choice(SUFFIXES)
        if rng.random() < 0.01:
            yield "", "generated"  # empty rows are skipped and counted
            continue
        made.append(text)
        yield text, "generated"


def write_csv(path: str | Path, n: int, seed: int = 0) -> Path:
    """Write ``n`` rows (columns ``query``, ``source``) to ``path``."""
    path = Path(path)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["query", "source"])
        writer.writerows(rows(n, seed))
    return path


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["query", "source"])
    writer.writerows(rows(n))


if __name__ == "__main__":
    main()
