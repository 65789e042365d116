from __future__ import annotations

from lens_cli.patterns import ctfidf_keywords, matches, mine_pattern, shared_words

from .fakes import FakeParser


def parse(*texts):
    return FakeParser().parse(list(texts))


def test_finds_music_for_noun_on_a_crafted_cluster():
    members = parse("music for parties", "music for a wedding", "music for running", "music for the beach")
    pattern = mine_pattern(members, "syntax")
    assert pattern is not None
    assert pattern.text == "music for NOUN"
    assert pattern.support == 1.0


def test_pattern_may_begin_with_a_slot():
    members = parse("jazz music", "soul music", "punk music", "folk music", "techno beats")
    pattern = mine_pattern(members, "syntax")
    assert pattern.text == "NOUN music"
    assert pattern.support == 0.8


def test_generic_pattern_beats_rare_literal():
    members = parse("jazz", "opera", "soul", "punk", "folk", "opera")
    assert mine_pattern(members, "syntax").text == "NOUN"


def test_patterns_are_gapped_and_at_most_six_items():
    members = parse(
        "I want music to dance to tonight with my many good friends",
        "I want songs to dance to now with all my old friends",
        "I really want something to dance to with friends",
    )
    pattern = mine_pattern(members, "syntax")
    assert len(pattern.items) <= 6
    assert all(matches(m, pattern, "syntax") for m in members)


def test_support_threshold():
    members = parse("alpha beta", "gamma delta", "epsilon zeta", "eta theta")
    # 4 distinct word pairs: only slot items reach 30%.
    assert mine_pattern(members, "syntax").text == "NOUN NOUN"


def test_dependency_slots_are_shown_upper_case_and_match():
    members = parse("music for parties", "music for dancing")
    pattern = mine_pattern(members, "dependency")
    assert pattern.text == "music for ROOT"
    assert matches(members[0], pattern, "dependency") == [0, 1, 2]


def test_matches_returns_positions_or_nothing():
    members = parse("music for a party", "jazz")
    pattern = mine_pattern(parse("music for parties", "music for the beach"), "syntax")
    assert matches(members[0], pattern, "syntax") == [0, 1, 3]
    assert matches(members[1], pattern, "syntax") == []


def test_deterministic():
    members = parse("a b c", "c b a", "b a c", "a c b")
    assert mine_pattern(members, "syntax") == mine_pattern(list(members), "syntax")


def test_shared_and_distinctive_words():
    a = parse("jazz for studying", "jazz for running", "jazz music")
    b = parse("metal for running", "metal music", "loud metal")
    assert shared_words(a)[0] == "jazz"
    kws = ctfidf_keywords([a, b])
    assert kws[0][0] == "jazz" and kws[1][0] == "metal"
    assert "for" not in kws[0]  # stop words left out
