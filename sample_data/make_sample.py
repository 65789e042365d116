"""Regenerate music_queries.csv: a small synthetic few-shot dataset (fixed seed), written for lens.

Eight human-written seed queries, then "generated" queries that copy the seeds' templates with
other words, some verbatim copies and near-duplicates, a few multi-line texts and one empty row:
the kinds of repetition lens is built to show.

    python sample_data/make_sample.py > sample_data/music_queries.csv
"""

import csv
import random
import sys

SEEDS = [
    "music for a rainy afternoon",
    "songs that make you want to dance",
    "jazz for studying",
    "upbeat indie rock with horns",
    "sad piano ballads",
    "what should I listen to while cooking dinner?",
    "classical music that isn't boring",
    "old school hip hop with great lyrics",
]
GENRES = [
    "jazz",
    "techno",
    "folk",
    "soul",
    "metal",
    "ambient",
    "country",
    "reggae",
    "punk",
    "blues",
    "disco",
    "opera",
]
MOODS = ["sad", "upbeat", "dreamy", "angry", "calm", "dark", "happy", "moody"]
ACTIVITIES = ["studying", "running", "cooking", "sleeping", "driving", "reading", "cleaning", "working"]
OCCASIONS = ["a rainy afternoon", "a road trip", "a wedding", "a dinner party", "the beach", "a long flight"]
INSTRUMENTS = ["horns", "strings", "synths", "banjo", "saxophone", "violins"]


def generated(rng: random.Random) -> str:
    kind = rng.randrange(9)
    if kind == 0:
        return f"music for {rng.choice(OCCASIONS)}"
    if kind == 1:
        return f"{rng.choice(GENRES)} for {rng.choice(ACTIVITIES)}"
    if kind == 2:
        return f"songs that make you want to {rng.choice(['dance', 'cry', 'sing', 'run', 'relax'])}"
    if kind == 3:
        return f"{rng.choice(MOODS)} {rng.choice(GENRES)} with {rng.choice(INSTRUMENTS)}"
    if kind == 4:
        return f"{rng.choice(MOODS)} piano ballads"
    if kind == 5:
        return f"what should I listen to while {rng.choice(ACTIVITIES)}?"
    if kind == 6:
        return f"{rng.choice(GENRES)} music that isn't {rng.choice(['boring', 'cheesy', 'harsh', 'too loud'])}"
    if kind == 7:
        return f"{rng.choice(GENRES)} music"
    return rng.choice(
        [
            "I need something mellow, like late-night radio, for winding down",
            "bands that sound like the 80s but were formed recently",
            "instrumental tracks with a slow build and a big finish",
            "Which artists mix flamenco and electronic beats?",
            "a playlist for my grandmother's 90th birthday",
            "field recordings of rain and distant thunder",
        ]
    )


def main() -> None:
    rng = random.Random(7)
    rows = [(s, "seed") for s in SEEDS]
    for _ in range(140):
        rows.append((generated(rng), "generated"))
    rows += [(SEEDS[0], "generated"), (SEEDS[2].upper(), "generated"), ("jazz  for studying ", "generated")]
    rows.append(("a slow song,\nthen a fast one,\nthen silence", "generated"))
    rows.append(("", "generated"))
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["query", "source"])
    writer.writerows(rows)


if __name__ == "__main__":
    main()
