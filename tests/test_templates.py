"""The template axis, hyphenated words, sentence unit and near copies of seeds."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lens_cli.features import choose_unit, corpus_sentences, featurize, sentence_spans
from lens_cli.model import ParsedCorpus, ParsedText, ParserInfo, Token
from lens_cli.parsers import merge_hyphens, parse
from lens_cli.seeds import fold_punct, near_copy_index
from lens_cli.skeleton import skeleton

from .clitools import run
from .fakes import FakeParser


def tok(text, upos="NOUN", xpos="NN", head=0, space=True, dep="dep"):
    return Token(text, text.lower(), upos, xpos, dep, head, upos == "PUNCT", space)


# --- the skeleton ------------------------------------------------------------------------------


def test_skeleton_keeps_function_words_and_makes_each_content_run_one_slot():
    text = ParsedText(
        (
            tok("Songs", "NOUN"),
            tok("that", "PRON", "WDT"),
            tok("make", "VERB", "VBP"),
            tok("you", "PRON", "PRP"),
            tok("want", "VERB", "VBP"),
            tok("to", "PART", "TO"),
            tok("dance", "VERB", "VB"),
            tok("!", "PUNCT", "."),
        )
    )
    assert skeleton(text) == ["_", "that", "_", "you", "_", "to", "_", "!"]


def test_skeleton_drops_determiners_and_possessives_and_keeps_wh_adverbs():
    a = ParsedText(
        (tok("music", "NOUN"), tok("for", "ADP", "IN"), tok("a", "DET", "DT"), tok("rainy", "ADJ", "JJ"), tok("day"))
    )
    b = ParsedText((tok("music", "NOUN"), tok("for", "ADP", "IN"), tok("the", "DET", "DT"), tok("gym")))
    c = ParsedText(
        (
            tok("music", "NOUN"),
            tok("for", "ADP", "IN"),
            tok("my", "PRON", "PRP$"),
            tok("sister"),
            tok("'s", "PART", "POS"),
            tok("wedding"),
        )
    )
    d = ParsedText((tok("how", "ADV", "WRB"), tok("to", "PART", "TO"), tok("play", "VERB", "VB"), tok("jazz")))
    assert skeleton(a) == skeleton(b) == skeleton(c) == ["_", "for", "_"]
    assert skeleton(d) == ["how", "to", "_"]


def test_hyphenated_words_are_one_token_with_the_tags_of_the_part_the_rest_hangs_on():
    # "a bossa - nova party": bossa -> nova (compound), - -> nova, nova -> party
    text = ParsedText(
        (
            tok("a", "DET", "DT", head=4),
            tok("bossa", "NOUN", "NN", head=3, space=False),
            tok("-", "PUNCT", "HYPH", head=3, space=False),
            tok("nova", "PROPN", "NNP", head=4),
            tok("party", "NOUN", "NN", head=4),
        ),
        spaces=((5, "\n"),),
        sentence_starts=(0,),
    )
    merged = merge_hyphens(text)
    assert [t.text for t in merged.tokens] == ["a", "bossa-nova", "party"]
    assert merged.tokens[1].upos == "PROPN" and merged.tokens[1].head == 2 and not merged.tokens[1].is_punct
    assert merged.tokens[0].head == 2 and merged.spaces == ((3, "\n"),)
    # A dash with space around it is punctuation, not a hyphen.
    spaced = ParsedText((tok("jazz", space=True), tok("-", "PUNCT", "HYPH"), tok("soul")))
    assert merge_hyphens(spaced) is spaced


@pytest.mark.model
def test_real_parses_merge_hyphens_and_share_one_skeleton(spacy_parser):
    from lens_cli.io import Table, build_corpus

    texts = [
        "music for a rainy afternoon",
        "music for the gym",
        "songs for bossa-nova lovers",
        "a well-known jazz band",
    ]
    corpus = build_corpus(Table("t.csv", "csv", ["text"], [{"text": t} for t in texts]), "text")
    parsed = parse(corpus, spacy_parser)
    words = [[t.text for t in p.tokens] for p in parsed.parsed]
    assert "bossa-nova" in words[2] and "well-known" in words[3]
    skeletons = [skeleton(p) for p in parsed.parsed]
    assert skeletons[0] == skeletons[1] == skeletons[2] == ["_", "for", "_"]


# --- sentences ---------------------------------------------------------------------------------


def test_sentences_split_at_the_parser_and_at_line_breaks_without_list_markers():
    words = [
        "Here",
        "are",
        "tips",
        ":",
        "1",
        ".",
        "Eat",
        "well",
        ".",
        "-",
        "Walk",
        "daily",
        "!",
        "I",
        "hope",
        "this",
        "helps",
        "!",
    ]
    toks = tuple(tok(w, "PUNCT" if w in ":.!-" else "NOUN") for w in words)
    # The parser saw two sentences: "Here ... Walk daily !" and "I hope this helps !"; lines broke
    # before "1", before "-" and before "I".
    text = ParsedText(toks, spaces=((4, "\n"), (9, "\n"), (13, "\n\n")), sentence_starts=(0, 13))
    spans = sentence_spans(text)
    assert [" ".join(words[s:e]) for s, e in spans] == [
        "Here are tips :",
        "Eat well .",
        "Walk daily !",
        "I hope this helps !",
    ]


def test_a_text_without_words_has_no_sentence_and_a_lone_marker_is_none():
    assert sentence_spans(ParsedText((tok("!!!", "PUNCT"),))) == []
    lone = ParsedText((tok("1", "NUM"), tok(".", "PUNCT"), tok("Go", "VERB")), spaces=((2, "\n"),))
    assert sentence_spans(lone) == [(2, 3)]


def _parsed(texts, is_seed=None):
    from lens_cli.model import Corpus

    n = len(texts)
    corpus = Corpus("t.csv", "csv", "text", list(texts), np.arange(n), np.asarray(is_seed or [False] * n), n, {})
    return ParsedCorpus(corpus, FakeParser().parse(texts), ParserInfo("fake", "fake", "0"))


def test_sentence_features_know_their_text_and_place():
    parsed = _parsed(["Sure ! Here you go . I hope this helps !", "Sure ! Jazz for you .", "no sentence end"])
    f = featurize("syntax", parsed, unit="sentence")
    assert f.unit == "sentence" and f.n == 6
    assert f.owner.tolist() == [0, 0, 0, 1, 1, 2]
    assert f.sentences is not None
    assert f.sentences.first.tolist() == [True, False, False, True, False, True]
    assert f.sentences.last.tolist() == [False, False, True, False, True, True]
    assert list(f.texts)[:3] == ["Sure !", "Here you go .", "I hope this helps !"]
    # The lexical and semantic axes stay per text.
    assert featurize("lexical", parsed, unit="sentence").n == 3


def test_auto_unit_picks_sentences_for_long_texts():
    short = _parsed(["music for a party"] * 3)
    long = _parsed([" ".join(["word"] * 41)] * 3)
    assert choose_unit(short, "auto") == "text" and choose_unit(long, "auto") == "sentence"
    assert choose_unit(short, "sentence") == "sentence"


def test_corpus_sentences_of_no_texts():
    s = corpus_sentences([])
    assert s.n == 0 and s.owner.dtype == np.int64


# --- the whole run in sentence unit ------------------------------------------------------------

OPENINGS = ["Here is a list for you .", "Here is a mix for you .", "Here is a playlist for you ."]
BODIES = [
    "Jazz suits a calm night",
    "Rock makes you dance",
    "Play soul music with friends",
    "Ambient sounds help you study",
    "Blues fits a long drive",
    "Try opera for a change",
]


def _long_rows():
    rows = []
    for k in range(24):
        opening = OPENINGS[k % 3]
        body = " . ".join(BODIES[(k + j) % len(BODIES)] for j in range(3))
        closing = "I want you to dance !" if k % 2 == 0 else "I want you to sing !"
        rows.append(f"{opening} {body} . {closing}")
    return rows


def test_sentence_unit_reports_sentences_texts_and_openings(fakes, tmp_path):
    data = tmp_path / "long.csv"
    data.write_text("text\n" + "".join(f'"{t}"\n' for t in _long_rows()))
    out = tmp_path / "r.json"
    r = run(
        "analyze", data, "--text-column", "text", "--unit", "sentence", "--json", out, "-o", tmp_path / "r.html", "-q"
    )
    assert r.exit_code == 0, r.output
    doc = json.loads(out.read_text())
    assert doc["options"]["unit"] == "sentence" and doc["options"]["unit_requested"] == "sentence"
    for axis in ("syntax", "dependency", "template"):
        a = doc["axes"][axis]
        assert a["unit"] == "sentence" and a["sentences"] == 24 * 5
        for c in a["clusters"]:
            assert c["texts"] == len(c["rows"]) <= c["size"]
            assert c["rows"] == sorted(set(c["rows"]))
            assert 0 <= c["first_sentence_share"] <= 1 and 0 <= c["last_sentence_share"] <= 1
        assert a["openings"][0]["texts"] >= 8 and a["closings"][0]["texts"] >= 8
        assert a["clustered_share"] == 1.0 and a["unclustered"] == []
    # The skeletons of the openings and closings are their own: those clusters sit at the ends of texts.
    template = doc["axes"]["template"]
    by_id = {c["id"]: c for c in template["clusters"]}
    assert by_id[template["openings"][0]["cluster"]]["first_sentence_share"] == 1.0
    assert by_id[template["closings"][0]["cluster"]]["last_sentence_share"] == 1.0
    assert doc["axes"]["lexical"]["unit"] == "text"
    html = (tmp_path / "r.html").read_text()
    assert "Openings: the sentence templates that open the most texts" in html


def test_auto_unit_is_recorded(fakes, tmp_path):
    data = tmp_path / "long.csv"
    data.write_text("text\n" + "".join(f'"{t} {t}"\n' for t in _long_rows()))
    out = tmp_path / "r.json"
    assert run("analyze", data, "--text-column", "text", "--json", out, "-q").exit_code == 0
    doc = json.loads(out.read_text())
    assert doc["options"]["unit_requested"] == "auto" and doc["options"]["unit"] == "sentence"


def test_sentence_unit_seed_copying_goes_by_sentence(fakes, tmp_path):
    rows = _long_rows()
    data = tmp_path / "long.csv"
    data.write_text("text,src\n" + "".join(f'"{t}",{"seed" if k == 0 else "gen"}\n' for k, t in enumerate(rows)))
    out = tmp_path / "r.json"
    flags = ("--seed-column", "src", "--seed-value", "seed", "--unit", "sentence", "--json", out, "-q")
    assert run("analyze", data, "--text-column", "text", *flags).exit_code == 0
    doc = json.loads(out.read_text())
    # Every text shares sentence templates with the one seed: every generated text copies it by sentence.
    assert doc["axes"]["template"]["seed_copy_rate"] == 1.0
    assert doc["seeds"]["children"]["template"] == {"0": len(rows) - 1}
    assert all(d <= 0.3 for _, _, d in doc["seeds"]["nearest"]["template"])


# --- near copies -------------------------------------------------------------------------------


def test_fold_punct_on_ascii_text_takes_a_table_with_the_same_result():
    """ASCII text is folded by one translation table; the character-by-character rule (NFKC, category Cf
    dropped, category P a space) gives the same on every ASCII character and random mixes of them."""
    import random
    import unicodedata

    def by_character(text: str) -> str:
        out = []
        for c in unicodedata.normalize("NFKC", text):
            category = unicodedata.category(c)
            if category != "Cf":
                out.append(" " if category[0] == "P" else c)
        return " ".join("".join(out).split()).casefold()

    rng = random.Random(0)
    texts = [chr(c) * 2 + "a" + chr(c) for c in range(128)]
    texts += ["".join(chr(rng.randrange(128)) for _ in range(rng.randrange(30))) for _ in range(5000)]
    for text in texts:
        assert fold_punct(text) == by_character(text), repr(text)


def test_fold_punct_folds_case_space_and_every_kind_of_punctuation():
    assert fold_punct("Music  for a RAINY day!!") == "music for a rainy day"
    assert fold_punct("“Jazz” — for… you\u200b") == "jazz for you"
    assert fold_punct("$5 + tax") == "$5 + tax"  # symbols stay


def test_near_copies_are_punctuation_or_one_word_away_from_a_seed():
    near = near_copy_index(["Recommend some music for a rainy day", "jazz"])
    assert near("recommend some music, for a rainy day!")
    assert near("Recommend music for a rainy day")  # a word dropped
    assert near("Please recommend some music for a rainy day")  # a word added
    assert not near("Recommend some music for a sunny day")  # a word replaced: the seed's template only
    assert not near("streaming jazz")  # too short to call one added word a copy
    assert near("Jazz.")


def test_near_copies_in_the_json_and_as_a_gate(fakes, tmp_path):
    data = tmp_path / "d.csv"
    rows = [
        ("music for a rainy afternoon", "seed"),
        ("Music for a rainy afternoon!", "gen"),  # near (punctuation)
        ("music for a rainy afternoon", "gen"),  # verbatim
        ("some music for a rainy afternoon", "gen"),  # near (a word added)
        ("music for a sunny afternoon", "gen"),  # template only
    ]
    data.write_text("text,src\n" + "".join(f'"{t}",{s}\n' for t, s in rows))
    out = tmp_path / "r.json"
    flags = ("--seed-column", "src", "--seed-value", "seed", "--json", out)
    r = run("analyze", data, "--text-column", "text", *flags, "--fail-if", "seeds.near_copy_rate>=0.5", "-q")
    assert r.exit_code == 3, r.output
    seeds = json.loads(out.read_text())["seeds"]
    assert seeds["verbatim_copies"] == [2] and seeds["near_copies"] == [1, 3]
    assert seeds["near_copy_rate"] == pytest.approx(0.5)
    assert (
        run(
            "analyze", data, "--text-column", "text", *flags, "--fail-if", "template.seed_copy_rate>0.9", "-q"
        ).exit_code
        == 3
    )
